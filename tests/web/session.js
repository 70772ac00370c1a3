// Session through its real JS exports, on a fake clock with an injected fetch.
import { lib, assert, eq, rejection, settled, flush, jwt, claims, scenario, waitFor } from "./harness.js";

export async function row1_fresh_token_is_served_without_a_request() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    const first = await s.getToken();
    // 17 s left on the page's clock; 16 s on the server's, which may be up to
    // 1 s ahead (the token was minted as it was sent: SPEC 8.1).
    await clock.tick(43_000);
    eq(await s.getToken(), first, "same token");
    eq(api.requests.length, 1, "no second request");
  });
}

export async function row2_stale_token_is_served_and_refreshed_once_in_background() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = await s.getToken();
    clock.jump(46_000); // 14 s left, the refresh timer held back
    api.respondWith({ hold: true });
    eq(await s.getToken(), first, "stale token served at once");
    eq(await s.getToken(), first, "still served while refreshing");
    await flush();
    eq(api.requests.length, 2, "one background refresh");
    api.release();
    await waitFor(() => s.peekToken() !== first, "the refreshed token");
    eq(claims(await s.getToken()).n, 2, "the new token is served");
    eq(api.requests.length, 2, "no more requests");
  });
}

export async function a_hit_served_again_stops_at_the_window_and_at_a_step_back() {
  // getToken() and peekToken() with no options answer a repeat hit without
  // a lookup (Machine::hit_again): it must end where the whole path would.
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = await s.getToken();
    eq(await s.getToken(), first, "a hit, remembered");
    eq(s.peekToken(), first, "and served again");
    clock.jump(46_000); // 14 s left: the window is open, the timer held back
    api.respondWith({ hold: true });
    eq(await s.getToken(), first, "the stale token served");
    await flush();
    eq(api.requests.length, 2, "and refreshed in the background");
    api.release();
    await waitFor(() => s.peekToken() !== first, "the refreshed token");
  });
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = await s.getToken();
    eq(s.peekToken(), first, "a hit, remembered");
    clock.jump(10_000);
    eq(s.peekToken(), first, "served again");
    // A step back hides elapsed time: nothing is served until a request
    // bounds the skew again (SPEC 2.8), on the fast path too.
    clock.stepBack(60_000);
    eq(s.peekToken(), null, "not served after the step back");
    eq(claims(await s.getToken()).n, 2, "a request bounds it again");
    eq(api.requests.length, 2, "one request");
  });
}

export async function row3_refresh_if_stale_waits_for_a_fresh_token() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = await s.getToken();
    clock.jump(50_000); // the refresh timer held back
    api.respondWith({ hold: true });
    const fresh = s.getToken({ refreshIfStale: true });
    eq(await s.getToken(), first, "plain callers still get the stale token");
    assert(!(await settled(fresh)), "refreshIfStale waits");
    eq(api.requests.length, 2, "plain caller joined nothing new");
    api.release();
    const t = await fresh;
    assert(t !== first, "a fresh token");
    eq(claims(t).n, 2, "from the refresh");
  });
}

export async function row4_no_servable_token_waits_for_one_fetch() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    eq(s.peekToken(), null, "nothing cached");
    await s.getToken();
    clock.jump(55_000); // exactly 5 s left, the refresh timer held back
    eq(s.peekToken(), null, "never served at the hard cutoff");
    api.respondWith({ hold: true });
    const p = s.getToken();
    assert(!(await settled(p)), "waits on the network");
    api.release();
    eq(claims(await p).n, 2, "the fetched token");
  });
}

export async function row5_hundred_concurrent_calls_share_one_request() {
  await scenario(async ({ api, make }) => {
    const s = make();
    api.respondWith({ hold: true });
    const calls = Array.from({ length: 100 }, () => s.getToken());
    await flush();
    eq(api.requests.length, 1, "one request");
    api.release();
    const tokens = await Promise.all(calls);
    assert(tokens.every((t) => t === tokens[0]), "every caller gets the same token");
  });
}

export async function different_keys_never_share_a_fetch() {
  await scenario(async ({ api, make }) => {
    const s = make({ organizationId: "org_s" });
    await Promise.all([
      s.getToken(),
      s.getToken({ template: "t1" }),
      s.getToken({ organizationId: null }),
      s.getToken({ organizationId: "org_x" }),
    ]);
    eq(api.requests.length, 4, "four keys, four requests");
    const orgs = api.requests.filter((r) => !r.url.includes("/tokens/")).map((r) => r.body.get("organization_id"));
    eq(orgs.join(","), "org_s,,org_x", "organization per key");
    await s.getToken({ organizationId: "" });
    eq(api.requests.length, 4, "empty string is the personal key, already cached");
  });
}

export async function request_format_matches_the_contract() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ frontendApi: "https://fapi.test/", organizationId: "org 1", pollInterval: 0 });
    const first = await s.getToken();
    const r0 = api.requests[0];
    eq(r0.url, "https://fapi.test/v1/client/sessions/sess_1/tokens", "session token URL");
    eq(r0.method, "POST", "method");
    eq(r0.headers.get("Content-Type"), "application/x-www-form-urlencoded", "content type");
    eq(r0.credentials, "include", "credentials default");
    eq(r0.rawBody, "organization_id=org+1", "first mint: organization only");
    assert(!r0.body.has("token"), "no token key on first mint");
    clock.jump(50_000); // the refresh timer held back
    await s.getToken({ skipCache: true });
    const r1 = api.requests[1];
    eq(r1.url, "https://fapi.test/v1/client/sessions/sess_1/tokens?force_origin=true", "skipCache query");
    eq(r1.body.get("token"), first, "previous token sent");
    await s.getToken({ template: "my tmpl" });
    const r2 = api.requests[2];
    eq(r2.url, "https://fapi.test/v1/client/sessions/sess_1/tokens/my%20tmpl", "template path encoded");
    eq(r2.rawBody, "", "template body empty");
    assert(!api.requests.slice(0, 1).concat(api.requests.slice(2)).some((r) => r.url.includes("force_origin")), "force_origin only with skipCache");
  }, { realResponses: true });
}

export async function credentials_option_is_passed_to_fetch() {
  await scenario(async ({ api, make }) => {
    await make({ credentials: "omit" }).getToken();
    eq(api.requests[0].credentials, "omit", "credentials");
  });
}

export async function skip_cache_caller_gets_its_own_token_and_cache_stays_monotonic() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const now = Math.floor(clock.nowSec);
    const fresh = jwt({ oiat: now, iat: now, exp: now + 60, n: "fresh" });
    api.respondWith({ token: fresh });
    eq(await s.getToken(), fresh, "first");
    await clock.tick(1000);
    const stale = jwt({ oiat: now - 300, iat: now + 1, exp: now + 61, n: "edge" });
    api.respondWith({ token: stale });
    eq(await s.getToken({ skipCache: true }), stale, "the skipCache caller gets what it minted");
    eq(s.peekToken(), fresh, "the cache keeps fresher claims");
    eq(await s.getToken(), fresh, "plain callers get the fresher token");
  });
}

export async function server_error_then_success_is_retried() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    api.respondWith({ status: 500 });
    const p = s.getToken();
    await flush();
    eq(api.requests.length, 1, "first attempt");
    assert(!(await settled(p)), "still waiting after a 500");
    await clock.tick(1600);
    eq(api.requests.length, 2, "retried within 1.5 s");
    eq(claims(await p).n, 1, "the retry's token");
  });
}

export async function unauthenticated_rejects_and_evicts() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    await s.getToken();
    api.respondWith({ status: 401 });
    const e = await rejection(s.getToken({ skipCache: true }), "401");
    eq(e.name, "SessionError", "a SessionError");
    assert(e instanceof Error, "extends Error");
    eq(e.code, "unauthenticated", "code");
    eq(e.status, 401, "status");
    eq(s.peekToken(), null, "the key's cache is cleared");
    await clock.tick(10_000);
    eq(api.requests.length, 2, "not retried");
  });
}

export async function rate_limited_is_not_retried_before_retry_after() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    api.respondWith({ status: 429, headers: { "Retry-After": "7" } });
    const p = s.getToken();
    await flush();
    await clock.tick(6900);
    eq(api.requests.length, 1, "not before Retry-After");
    await clock.tick(200);
    eq(api.requests.length, 2, "retried after it");
    await p;
    api.respondWith({ status: 429, headers: { "Retry-After": "120" } });
    const e = await rejection(s.getToken({ skipCache: true }), "long Retry-After");
    eq(e.code, "rate_limited", "code");
    eq(e.retryAfter, 120, "retryAfter");
    eq(e.status, 429, "status");
  }, { realResponses: true });
}

export async function non_json_body_is_an_invalid_response() {
  await scenario(async ({ api, make }) => {
    const s = make();
    api.respondWith({ status: 200, body: "<html>oops</html>" });
    const e = await rejection(s.getToken(), "non-JSON");
    eq(e.code, "invalid_response", "code");
    eq(api.requests.length, 1, "not retried");
    api.respondWith({ status: 200, body: JSON.stringify({ jwt: "not-a-jwt" }) });
    eq((await rejection(s.getToken(), "bad jwt")).code, "invalid_response", "undecodable jwt");
  }, { realResponses: true });
}

export async function network_errors_reject_with_network_error_after_retries() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    api.respondWith(...Array(5).fill({ throws: "Failed to fetch" }));
    const p = s.getToken();
    let made = 0;
    const caught = rejection(p, "network").then((e) => ((made = api.requests.length), e));
    await clock.tick(60_000);
    const e = await caught;
    eq(e.code, "network_error", "code");
    eq(made, 5, "1 try + 4 retries");
    // What "Failed to fetch" usually means, and where: the origin in the
    // message, the URL requested (no query) beside it.
    assert(e.message.includes("Failed to fetch"), e.message);
    assert(e.message.includes("https://fapi.test"), e.message);
    assert(e.message.includes("could not be reached"), e.message);
    assert(e.message.includes("CORS"), e.message);
    assert(!e.message.includes("/v1/client"), `no path in the message: ${e.message}`);
    eq(e.url, "https://fapi.test/v1/client/sessions/sess_1/tokens", "url");
  });
}

export async function hostile_fetch_results_are_network_errors_and_real_ones_still_work() {
  const cases = [
    ["not a Response", () => ({}), "fetch resolved to something that is not a Response"],
    ["status out of range", () => ({ status: 0, text: async () => "" }), "fetch resolved to something that is not a Response"],
    ["throwing status getter", () => ({ get status() { throw new Error("status getter"); } }), "status getter"],
    ["no text()", () => ({ status: 200, headers: new Headers() }), "the response has no text()"],
    ["throwing text()", () => ({ status: 200, headers: new Headers(), text: () => { throw new Error("x"); } }), "reading the response body failed"],
    ["text() not a string", () => ({ status: 200, headers: new Headers(), text: async () => 42 }), "reading the response body failed"],
    ["synchronous non-Error throw", () => { throw 5; }, "fetch failed"],
    ["message getter throws", () => Promise.reject({ get message() { throw new Error("x"); } }), "fetch failed"],
  ];
  for (const [name, fetch, message] of cases) {
    await scenario(async ({ clock, api, make }) => {
      let calls = 0;
      const s = make({ fetch: (...args) => (calls++, fetch(...args)) });
      // A template's: no recovery goes on after the call (SPEC 11.2).
      const caught = rejection(s.getToken({ template: "t" }), name);
      await clock.tick(60_000);
      const e = await caught;
      eq(e.code, "network_error", `${name}: code`);
      eq(e.message, `network error reaching https://fapi.test: ${message}`, `${name}: message`);
      eq(calls, 5, `${name}: 1 try + 4 retries`);
      // A response without headers is still a response.
      const ok = make({ fetch: async () => ({ status: 200, text: async () => JSON.stringify({ jwt: api.mint() }) }) });
      assert(typeof (await ok.getToken()) === "string", `${name}: a plain response works`);
    });
  }
}

export async function a_failure_never_evicts_a_servable_token() {
  await scenario(
    async ({ clock, api, make }) => {
      const s = make({ pollInterval: 0 });
      const first = await s.getToken();
      for (const step of [{ status: 500 }, { status: 403 }, { status: 200, body: "x" }, { throws: "Failed to fetch" }]) {
        api.script.length = 0;
        api.respondWith(...Array(5).fill(step));
        const caught = rejection(s.getToken({ skipCache: true }), JSON.stringify(step));
        await clock.tick(30_000);
        await caught;
        eq(s.peekToken(), first, `still cached after ${JSON.stringify(step)}`);
      }
    },
    { lifetime: 600 },
  );
}

export async function on_token_update_reports_each_source() {
  await scenario(async ({ clock, make }) => {
    const channel = `test-${Math.random()}`;
    const s = make({ broadcastChannel: channel, pollInterval: 0 });
    const seen = [];
    const off = s.onTokenUpdate((u) => seen.push(`${u.source}:${u.tokenId}:${claims(u.token).n}`));
    await s.getToken({ template: "t" });
    await clock.tick(46_000);
    await s.getToken({ template: "t" }); // stale: background refresh
    await waitFor(() => seen.length === 2, "background update");
    const other = new BroadcastChannel(channel);
    const now = Math.floor(clock.nowSec);
    other.postMessage({ tokenId: "sess_1", tokenRaw: jwt({ iat: now, exp: now + 60, n: "bc" }), sessionId: "sess_1", template: undefined, organizationId: null, traceId: "bc_1_a" });
    await waitFor(() => seen.length === 3, "broadcast update");
    other.close();
    eq(seen.join(" "), "fetch:sess_1-t:1 background:sess_1-t:2 broadcast:sess_1:bc", "sources in order");
    off();
    await s.getToken({ skipCache: true });
    eq(seen.length, 3, "unsubscribed");
  });
}

export async function malformed_channel_messages_are_ignored_and_a_valid_one_is_adopted() {
  await scenario(async ({ clock, make }) => {
    const channel = `test-${Math.random()}`;
    const s = make({ broadcastChannel: channel, pollInterval: 0 });
    const seen = [];
    s.onTokenUpdate((u) => seen.push(u.source));
    const other = new BroadcastChannel(channel);
    const now = Math.floor(clock.nowSec);
    const good = { tokenId: "sess_1", tokenRaw: jwt({ iat: now, exp: now + 60, n: "bc" }), sessionId: "sess_1", template: null, organizationId: null, traceId: "bc_1_a" };
    for (const bad of [42, "sess_1", null, [], { ...good, tokenRaw: 5 }, { ...good, tokenId: {} }, { ...good, sessionId: "sess_2" }, { ...good, template: 7 }, { ...good, tokenRaw: undefined }]) {
      other.postMessage(bad);
    }
    other.postMessage(good);
    await waitFor(() => seen.length === 1, "the valid message");
    other.close();
    eq(seen.join(), "broadcast", "only the valid message was adopted");
    eq(claims(s.peekToken()).n, "bc", "and it is served");
  });
}

export async function page_events_reach_the_core_until_dispose() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    await s.getToken();
    eq(api.requests.length, 1, "first mint");
    // A hidden tab's timer can fire late: waking up re-checks the deadlines
    // (the clock moves on here without firing any timer).
    clock.now += 50_000;
    window.dispatchEvent(new Event("focus"));
    await waitFor(() => api.requests.length === 2, "a refresh on focus");
    window.dispatchEvent(new Event("offline"));
    eq((await rejection(s.getToken({ skipCache: true }), "offline")).code, "offline", "offline event");
    window.dispatchEvent(new Event("online"));
    await s.getToken({ skipCache: true });
    eq(api.requests.length, 3, "online again");
    s.dispose();
    clock.now += 60_000;
    window.dispatchEvent(new Event("pageshow"));
    window.dispatchEvent(new Event("online"));
    await flush();
    eq(api.requests.length, 3, "no listener left after dispose");
  });
}

export async function a_listener_subscribed_twice_is_called_twice_until_each_unsubscribes() {
  await scenario(async ({ make }) => {
    const s = make({ pollInterval: 0 });
    let calls = 0;
    const listener = () => calls++;
    const off1 = s.onTokenUpdate(listener);
    const off2 = s.onTokenUpdate(listener);
    await s.getToken();
    eq(calls, 2, "both subscriptions");
    off1();
    off1();
    await s.getToken({ skipCache: true });
    eq(calls, 3, "one left");
    off2();
    await s.getToken({ skipCache: true });
    eq(calls, 3, "none left");
  });
}

export async function a_throwing_listener_does_not_stop_the_others() {
  await scenario(async ({ make }) => {
    const s = make();
    const got = [];
    const saved = globalThis.reportError;
    const reported = [];
    globalThis.reportError = (e) => reported.push(e);
    try {
      s.onTokenUpdate(() => {
        throw new Error("listener bug");
      });
      s.onTokenUpdate((u) => got.push(u.source));
      await s.getToken();
    } finally {
      globalThis.reportError = saved;
    }
    eq(got.join(), "fetch", "the second listener ran");
    eq(reported.length, 1, "the error was reported");
    eq(await s.getToken(), s.peekToken(), "the session still works");
  });
}

export async function listener_may_call_back_into_the_session() {
  await scenario(async ({ make }) => {
    const s = make();
    const inside = [];
    s.onTokenUpdate(() => {
      inside.push(s.peekToken());
      s.getToken().then((t) => inside.push(t));
    });
    const t = await s.getToken();
    await flush();
    eq(inside.join(), `${t},${t}`, "re-entrant calls work");
  });
}

export async function background_refresh_runs_on_schedule_without_calls() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    await s.getToken();
    // exp − 15 s on the server's clock, which may be up to 1 s ahead.
    await clock.tick(43_500);
    eq(api.requests.length, 1, "nothing before exp - 15 s");
    await clock.tick(1000);
    eq(api.requests.length, 2, "refreshed at exp - 15 s");
    for (let cycle = 3; cycle <= 5; cycle++) {
      await clock.tick(45_000);
      eq(api.requests.length, cycle, `one request in cycle ${cycle}`);
      assert(s.peekToken() !== null, "always servable");
    }
  });
}

export async function hydrated_token_is_served_and_sent_as_previous() {
  await scenario(async ({ clock, api, make }) => {
    const now = Math.floor(clock.nowSec);
    const hydrated = jwt({ iat: now - 10, exp: now + 50, n: "h" });
    const s = make({ lastActiveToken: hydrated });
    eq(await s.getToken(), hydrated, "served from hydration");
    eq(api.requests.length, 0, "no request");
    await clock.tick(36_000);
    eq(api.requests.length, 1, "scheduled from its exp");
    eq(api.requests[0].body.get("token"), hydrated, "sent as previous");
  });
}

export async function offline_fails_at_once_without_a_request() {
  await scenario(async ({ api, make }) => {
    const s = make();
    window.dispatchEvent(new Event("offline"));
    try {
      const e = await rejection(s.getToken(), "offline");
      eq(e.code, "offline", "code");
      eq(api.requests.length, 0, "no request");
    } finally {
      window.dispatchEvent(new Event("online"));
    }
    await s.getToken();
    eq(api.requests.length, 1, "works again when online");
  });
}

export async function dispose_rejects_pending_and_later_calls_and_clears_timers() {
  await scenario(async ({ clock, api, make }) => {
    const s = make();
    await s.getToken();
    assert(clock.timers.size > 0, "a refresh timer is armed");
    api.respondWith({ hold: true });
    const pending = s.getToken({ skipCache: true });
    const caught = rejection(pending, "pending");
    s.dispose();
    eq((await caught).code, "disposed", "pending call rejected");
    eq((await rejection(s.getToken(), "later")).code, "disposed", "later call rejected");
    eq(s.peekToken(), null, "peek after dispose");
    eq(clock.timers.size, 0, "no timer left");
    s.dispose(); // idempotent
    eq(api.held.length, 0, "its request was aborted");
    await clock.tick(120_000);
    eq(api.requests.length, 2, "nothing after dispose");
  });
}

export async function clear_cache_forgets_tokens() {
  await scenario(async ({ api, make }) => {
    const s = make();
    await s.getToken();
    s.clearCache();
    eq(s.peekToken(), null, "cleared");
    await s.getToken();
    eq(api.requests.length, 2, "fetched again");
    assert(!api.requests[1].body.has("token"), "no previous token after clearCache");
  });
}

export async function invalid_options_throw_session_errors_naming_the_field() {
  const { Session, pickFreshestJwt } = await lib();
  const base = { frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null };
  // Each message names the field and says what it must be (never the value).
  const cases = [
    [{ frontendApi: "https://fapi.test" }, "sessionId"],
    [{ ...base, sessionId: "" }, "sessionId"],
    [{ ...base, sessionId: 42 }, "sessionId must be a string"],
    [{ ...base, frontendApi: "fapi.test" }, "frontendApi"],
    [{ ...base, frontendApi: "http://fapi.test" }, "frontendApi"],
    [{ ...base, backgroundRefreshThreshold: -1 }, "backgroundRefreshThreshold"],
    [{ ...base, backgroundRefreshThreshold: null }, "backgroundRefreshThreshold must be a number"],
    [{ ...base, pollInterval: -5 }, "pollInterval"],
    [{ ...base, pollInterval: "5" }, "pollInterval must be a number"],
    [{ ...base, lastActiveToken: "nope" }, "lastActiveToken"],
    [{ ...base, sesionId: "typo" }, "unknown option sesionId; expected one of frontendApi, sessionId, organizationId,"],
    [{ ...base, fetch: "no" }, "fetch must be a function"],
    [{ ...base, credentials: "sometimes" }, "credentials must be one of include, same-origin, omit"],
    [{ ...base, credentials: 1 }, "credentials must be one of include, same-origin, omit"],
    [{ ...base, broadcastChannel: "" }, "broadcastChannel"],
    [{ ...base, broadcastChannel: 7 }, "broadcastChannel must be a string"],
    [null, "options"],
  ];
  let ctor = null;
  for (const [opts, field] of cases) {
    let err = null;
    try {
      new Session(opts).dispose();
    } catch (e) {
      err = e;
    }
    assert(err, `expected a throw for ${field}`);
    eq(err.name, "SessionError", `name for ${field}`);
    eq(err.code, "invalid_options", `code for ${field}`);
    assert(err.message.includes(field), `message names ${field}: ${err.message}`);
    ctor ??= err.constructor;
    eq(err.constructor, ctor, "one SessionError class");
  }
  const s = new Session({ ...base, frontendApi: "http://127.0.0.1:9" });
  for (const [options, says] of [
    [{ template: 5 }, "template must be a string"],
    [{ skipCache: "yes" }, "skipCache must be a boolean"],
    [{ organizationId: 3 }, "organizationId must be a string"],
    [{ tmplate: "t" }, "unknown option tmplate; expected one of template, organizationId, skipCache, refreshIfStale"],
  ]) {
    const e = await rejection(s.getToken(options), "bad getToken options");
    eq(e.code, "invalid_options", "getToken validates its options");
    assert(e.message.includes(says), `${says}: ${e.message}`);
    let thrown = null;
    try {
      s.peekToken(options);
    } catch (err) {
      thrown = err;
    }
    assert(thrown?.message.includes(says), `peekToken: ${says}: ${thrown?.message}`);
  }
  s.dispose();
  eq(typeof pickFreshestJwt, "function", "export");
}

export async function cache_hit_resolves_in_one_microtask() {
  await scenario(async ({ make }) => {
    const s = make();
    const t = await s.getToken();
    let got = null;
    s.getToken().then((v) => (got = v));
    await Promise.resolve();
    eq(got, t, "already resolved: no future, no fetch");
  });
}

export async function a_page_clock_five_minutes_ahead_neither_loops_nor_serves_expired_tokens() {
  await scenario(
    async ({ clock, api, make }) => {
      const s = make();
      const first = await s.getToken();
      eq(await s.getToken(), first, "served from the cache: the token is fresh by the server's clock");
      eq(s.peekToken(), first, "peek agrees");
      await clock.tick(40_000);
      eq(api.requests.length, 1, "no refetch loop");
      await clock.tick(6_000);
      eq(api.requests.length, 2, "refreshed at exp - 15 s by the server's clock");
      const served = await s.getToken();
      const left = claims(served).exp - (clock.nowSec - 300);
      assert(left > 5, `served with ${left} s left`);
    },
    { serverBehind: 300 },
  );
}

export async function a_page_clock_five_minutes_behind_never_serves_late() {
  await scenario(
    async ({ clock, api, make }) => {
      const s = make({ pollInterval: 0 });
      await s.getToken();
      clock.jump(56_000); // 4 s left by the server's clock, the refresh timer held back
      eq(s.peekToken(), null, "expired by the server's clock");
      api.respondWith({ hold: true });
      const p = s.getToken();
      assert(!(await settled(p)), "waits for a fresh token");
      api.release();
      await p;
    },
    { serverBehind: -300 },
  );
}

export async function a_throwing_post_message_never_touches_the_cache() {
  await scenario(async ({ make }) => {
    const channel = `test-${Math.random()}`;
    const s = make({ broadcastChannel: channel });
    const saved = BroadcastChannel.prototype.postMessage;
    BroadcastChannel.prototype.postMessage = () => {
      throw new DOMException("could not clone", "DataCloneError");
    };
    try {
      const t = await s.getToken();
      eq(s.peekToken(), t, "the token is cached although the broadcast failed");
      eq(await s.getToken(), t, "and served");
    } finally {
      BroadcastChannel.prototype.postMessage = saved;
    }
  });
}

// SPEC 5 (never panic): a body or a message far over the core's limits is cut
// before it reaches wasm, so it cannot grow (or exhaust) the module's memory.
export async function huge_bodies_and_messages_are_not_copied_into_wasm_memory() {
  const { wasmMemoryBytes } = await lib();
  const MiB = 1 << 20;
  await scenario(async ({ clock, make }) => {
    const channel = `test-${Math.random()}`;
    const s = make({ broadcastChannel: channel, pollInterval: 0, fetch: async () => ({ status: 200, text: async () => "x".repeat(48 * MiB) }) });
    const seen = [];
    s.onTokenUpdate((u) => seen.push(u.source));
    const other = new BroadcastChannel(channel);
    const now = Math.floor(clock.nowSec);
    const good = { tokenId: "sess_1", tokenRaw: jwt({ iat: now, exp: now + 60, n: "bc" }), sessionId: "sess_1", template: null, organizationId: null, traceId: "bc_1_a" };
    let before = wasmMemoryBytes();
    other.postMessage({ ...good, tokenRaw: good.tokenRaw + "x".repeat(24 * MiB) });
    other.postMessage({ ...good, sessionId: "s".repeat(24 * MiB) });
    other.postMessage(good);
    await waitFor(() => seen.length === 1, "the valid message");
    other.close();
    eq(claims(s.peekToken()).n, "bc", "only the valid message was adopted");
    assert(wasmMemoryBytes() - before < 4 * MiB, `huge messages grew wasm memory by ${(wasmMemoryBytes() - before) / MiB} MiB`);
    before = wasmMemoryBytes();
    const e = await rejection(s.getToken({ skipCache: true }), "a 48 MiB body");
    eq(e.code, "invalid_response", "a huge body is not a token response");
    assert(wasmMemoryBytes() - before < 4 * MiB, `a huge body grew wasm memory by ${(wasmMemoryBytes() - before) / MiB} MiB`);
  });
}

// Options are read through one call and kept strings (options.js): a getter
// that calls back into the session must not mix its options with the outer
// call's.
export async function an_options_getter_that_calls_the_session_keeps_each_calls_options() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    const ids = [];
    s.onTokenUpdate((u) => ids.push(u.tokenId));
    let inner;
    const options = {
      organizationId: "org_out",
      get template() {
        inner = s.getToken({ template: "inner", organizationId: "org_in" });
        return "outer";
      },
    };
    await s.getToken(options);
    await inner;
    eq(ids.sort().join(), "sess_1-inner-org_in,sess_1-outer-org_out", "each call's own key");
    eq(api.requests.map((r) => r.url.split("/").pop()).sort().join(), "inner,outer", "each call's own template");
  });
}

export async function options_are_read_by_name_from_objects_of_every_shape() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    const template = async (options) => {
      await s.getToken(options);
      return api.requests.at(-1).url.split("/").pop();
    };
    // With no own fields, inherited ones or a class's getters are read by
    // name, as JS reads them.
    eq(await template(Object.create({ template: "inherited" })), "inherited", "an inherited field");
    class Options {
      get template() {
        return "getter";
      }
    }
    eq(await template(new Options()), "getter", "a getter on a class");
    // A non-enumerable field, with no own enumerable ones, read by name.
    const hidden = Object.defineProperty({}, "template", { value: "hidden", enumerable: false });
    eq(await template(hidden), "hidden", "a non-enumerable field");
    // `undefined` is absent; a typo is refused wherever it is own.
    eq(await s.getToken({ template: undefined, skipCache: undefined }), await s.getToken(), "undefined fields are absent");
    // An object with own fields is read by them alone (as spreading it
    // would be): an inherited field beside them is not read.
    const before = api.requests.length;
    const mixed = Object.create({ template: "inherited" }, { refreshIfStale: { value: false, enumerable: true } });
    eq(await s.getToken(mixed), await s.getToken(), "the session's own token, not the inherited template's");
    eq(api.requests.length, before, "no request for the inherited template");
    // Own fields are the enumerable ones, as spreading reads them: a
    // framework's hidden bookkeeping (Vue 2's `__ob__`) is no typo.
    const observed = Object.defineProperty({ template: "observed" }, "__ob__", { value: {}, enumerable: false });
    eq(await template(observed), "observed", "a hidden field beside an own one");
    const typo = { tmplate: "x" };
    const e = await rejection(s.getToken(typo), "an own typo");
    assert(e.message.includes("unknown option tmplate"), e.message);
    // An array is no options object, empty or not.
    for (const array of [[], ["template"]]) {
      eq((await rejection(s.getToken(array), "an array")).code, "invalid_options", `an array of ${array.length}`);
    }
    const inheritedTypo = Object.create({ template: "t" }, { tmplate: { value: "x", enumerable: true } });
    assert((await rejection(s.getToken(inheritedTypo), "an own typo beside an inherited field")).message.includes("unknown option tmplate"), "own typo");
  });
}

// SPEC 2.8 with the real @sinonjs/fake-timers, installed after the module
// loaded: gloo-timers' setTimeout binding is looked up at each call, so the
// refresh timer armed afterwards is sinon's.
export async function sinon_fake_timers_installed_after_load_drive_the_refresh_timer() {
  const { Session, fakeTimersSource } = await lib();
  const module = { exports: {} };
  const require = (id) => {
    if (id === "@sinonjs/commons") return { global: globalThis };
    throw new Error(`no ${id} in a browser`);
  };
  new Function("module", "exports", "require", fakeTimersSource())(module, module.exports, require);
  const clock = module.exports.install({ now: 1_700_000_000_000, toFake: ["Date", "setTimeout", "clearTimeout"] });
  const requests = [];
  let session;
  try {
    session = new Session({
      frontendApi: "https://fapi.test", sessionId: "sess_1", broadcastChannel: null,
      fetch: async () => {
        requests.push(Date.now());
        const iat = Math.floor(Date.now() / 1000);
        return { status: 200, text: async () => JSON.stringify({ jwt: jwt({ iat, exp: iat + 60 }) }) };
      },
    });
    await session.getToken();
    eq(requests.length, 1, "first mint");
    // The refresh is due at exp - 15 s on the server's clock: 44 s after the
    // mint, the token minted as it was sent putting the server up to 1 s ahead.
    await clock.tickAsync(43_900);
    eq(requests.length, 1, "not before exp - 15 s");
    await clock.tickAsync(200);
    // The Web Lock is granted through the browser, outside sinon's clock.
    await flush();
    eq(requests.length, 2, "the refresh timer ran on sinon's clock");
    const at = requests[1] - 1_700_000_000_000;
    assert(at >= 44_000 && at <= 44_100, `refreshed at ${at} ms of fake time, due at 44,000`);
  } finally {
    session?.dispose();
    clock.uninstall();
  }
}

// SPEC 2.7: pollInterval: 0 drops the periodic re-check, never the refresh
// deadline at exp - threshold.
export async function poll_interval_zero_still_refreshes_at_the_deadline() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const iat = Math.floor(clock.nowSec);
    api.respondWith({ token: jwt({ iat, exp: iat + 30 }) }); // 30 s left
    await s.getToken();
    eq(clock.timers.size, 1, "one timer: the refresh deadline, no periodic check");
    await clock.tick(15_900); // 14.1 s left, and no getToken call since
    eq(api.requests.length, 2, "refreshed by the time 14 s are left");
    eq(claims(s.peekToken()).n, 1, "the refreshed token is cached");
  });
}
