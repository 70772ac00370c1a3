// SPEC 8 through the real exports, on a fake clock with an injected fetch:
// expiry with the token, fetchWithAuth, the end of a session, onRefresh.
import { assert, eq, rejection, flush, jwt, claims, scenario, waitFor } from "./harness.js";

// 8.1

export async function get_token_info_gives_the_expiry_on_the_page_clock() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    const updates = [];
    s.onTokenUpdate((u) => updates.push(u));
    const info = await s.getTokenInfo();
    eq(info.token, await s.getToken(), "the token getToken serves");
    // Minted as it was sent, in whole seconds: the server may be up to 1 s
    // ahead, so the token counts as expiring up to 1 s early (SPEC 8.1).
    eq(info.expiresAt, claims(info.token).exp * 1000 - 1000, "exp in ms, less the skew bound");
    eq(updates[0].expiresAt, info.expiresAt, "onTokenUpdate carries it too");
    const hit = await s.getTokenInfo();
    eq(hit.expiresAt, info.expiresAt, "a cache hit gives it as well");
    eq(api.requests.length, 1, "from the cache");
    const t = await s.getTokenInfo({ template: "t" });
    eq(t.expiresAt, claims(t.token).exp * 1000 - 1000, "any key");
  });
}

export async function expires_at_moves_with_a_skewed_page_clock() {
  await scenario(
    async ({ make }) => {
      // The page's clock reads 300 s more than the server's.
      const s = make({ pollInterval: 0 });
      const { token, expiresAt } = await s.getTokenInfo();
      const onServer = claims(token).exp * 1000;
      const offBy = expiresAt - onServer;
      // The estimate errs early by up to the 1 s of iat's truncation.
      assert(offBy <= 300_000 && offBy >= 298_000, `expiresAt is ${offBy} ms after exp on the server's clock`);
    },
    { serverBehind: 300 },
  );
}

// 8.2

/** A session whose fetch is the Frontend API for /tokens and `handler` for the app's API. */
function withApi(make, api, handler, extra = {}) {
  const seen = [];
  const fetch = function (input, init) {
    if (typeof input === "string" && input.includes("/tokens")) return api.fetch(input, init);
    seen.push({ input, args: arguments.length });
    return handler(input, seen.length);
  };
  return { s: make({ pollInterval: 0, fetch, ...extra }), seen };
}

export async function fetch_with_auth_sends_the_bearer_and_keeps_everything_else() {
  await scenario(async ({ api, make }) => {
    const { s, seen } = withApi(make, api, () => new Response("ok"));
    const res = await s.fetchWithAuth("https://api.test/me", {
      method: "PUT",
      headers: { Authorization: "Basic c2VjcmV0", "X-App": "1", "Content-Type": "text/plain" },
      body: "payload",
      tokenOptions: { template: "api" },
    });
    eq(await res.text(), "ok", "the API's response");
    eq(seen.length, 1, "one API request");
    const req = seen[0].input;
    assert(req instanceof Request, "sent as a Request");
    eq(req.url, "https://api.test/me", "url");
    eq(req.method, "PUT", "method kept");
    eq(req.headers.get("Authorization"), `Bearer ${await s.getToken({ template: "api" })}`, "Authorization replaced");
    eq(req.headers.get("X-App"), "1", "other headers kept");
    eq(await req.text(), "payload", "body kept");
    assert(!("tokenOptions" in req), "tokenOptions not passed on");
    eq(seen[0].args, 1, "nothing beside the Request");
    assert(api.requests.some((r) => r.url.endsWith("/tokens/api")), "the token came from the template key");
  });
}

export async function fetch_with_auth_retries_a_401_once_with_a_token_from_origin() {
  await scenario(async ({ api, make }) => {
    const { s, seen } = withApi(make, api, (_, n) => new Response(`#${n}`, { status: 401 }));
    const first = await s.getToken();
    const res = await s.fetchWithAuth("https://api.test/me", { method: "POST", body: "b" });
    eq(res.status, 401, "the retry's 401 is the answer");
    eq(await res.text(), "#2", "the second response");
    eq(seen.length, 2, "one retry, never more");
    const origin = api.requests.filter((r) => r.url.includes("force_origin=true"));
    eq(origin.length, 1, "the fresh token was minted at origin");
    const fresh = s.peekToken();
    assert(fresh !== first, "the origin token is cached");
    eq(seen[0].input.headers.get("Authorization"), `Bearer ${first}`, "first with the cached token");
    eq(seen[1].input.headers.get("Authorization"), `Bearer ${fresh}`, "then with the fresh one");
    eq(await seen[1].input.text(), "b", "the body sent again");
  });
}

export async function fetch_with_auth_replays_a_request_input_and_not_a_stream_body() {
  await scenario(async ({ api, make }) => {
    const { s, seen } = withApi(make, api, () => new Response("", { status: 401 }));
    const input = new Request("https://api.test/upload", { method: "POST", body: "form", headers: { "X-Id": "7" } });
    await s.fetchWithAuth(input);
    eq(seen.length, 2, "a Request input is cloned before the first send, so it is retried");
    eq(await seen[1].input.text(), "form", "with its body");
    eq(seen[1].input.headers.get("X-Id"), "7", "and its headers");
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("x")), c.close()) });
    const res = await s.fetchWithAuth("https://api.test/upload", { method: "POST", body: stream, duplex: "half" });
    eq(res.status, 401, "the first answer");
    eq(seen.length, 3, "a ReadableStream body is not sent again");
  });
}

export async function fetch_with_auth_does_not_resend_with_the_same_token() {
  await scenario(async ({ api, make }) => {
    const token = api.mint();
    // The Frontend API keeps answering the very same token.
    api.respondWith({ token }, { token }, { token });
    const { s, seen } = withApi(make, api, () => new Response("", { status: 401 }));
    await s.fetchWithAuth("https://api.test/me");
    eq(seen.length, 1, "the same token would be refused again");
  });
}

export async function fetch_with_auth_rejects_as_the_token_or_the_api_failed() {
  await scenario(async ({ clock, api, make }) => {
    const boom = new TypeError("Failed to fetch");
    const { s } = withApi(make, api, () => Promise.reject(boom));
    const e = await rejection(s.fetchWithAuth("https://api.test/me"), "api down");
    eq(e, boom, "the API's own failure, as fetch rejected");
    api.respondWith(...Array(5).fill({ status: 503 }));
    const failing = rejection(s.fetchWithAuth("https://api.test/me", { tokenOptions: { template: "x" } }), "no token");
    await clock.tick(60_000);
    const t = await failing;
    eq(t.name, "SessionError", "the token's error");
    eq(t.code, "http_error", "its code");
    const bad = await rejection(s.fetchWithAuth("https://api.test/me", { tokenOptions: { bogus: 1 } }), "bad options");
    eq(bad.code, "invalid_options", "tokenOptions are checked like getToken's");
  });
}

// 8.3

export async function a_401_ends_the_session_for_good() {
  await scenario(async ({ clock, api, make }) => {
    const channel = `test-${Math.random()}`;
    const { s } = withApi(make, api, () => new Response("api"), { broadcastChannel: channel, pollInterval: 5000 });
    const ends = [];
    const saved = globalThis.reportError;
    const reported = [];
    globalThis.reportError = (e) => reported.push(e);
    try {
      s.onSessionEnd(() => {
        throw new Error("a listener bug");
      });
      s.onSessionEnd((e) => ends.push(e));
      await s.getToken();
      eq(s.ended, false, "not yet");
      api.respondWith({ status: 401 });
      const e = await rejection(s.getToken({ skipCache: true }), "401");
      eq(e.code, "unauthenticated", "the 401");
      eq(s.ended, true, "ended");
      await flush();
      eq(JSON.stringify(ends), JSON.stringify([{ reason: "unauthenticated" }]), "told once, with the reason");
      eq(reported.length, 1, "a throwing listener goes to reportError and stops nothing");
    } finally {
      globalThis.reportError = saved;
    }
    const sent = api.requests.length;
    for (const call of [() => s.getToken(), () => s.getTokenInfo({ template: "t" }), () => s.fetchWithAuth("https://api.test/me")]) {
      eq((await rejection(call(), "after the end")).code, "unauthenticated", "rejects at once");
    }
    eq(s.peekToken(), null, "nothing served");
    const other = new BroadcastChannel(channel);
    const now = Math.floor(clock.nowSec);
    other.postMessage({ tokenId: "sess_1", tokenRaw: jwt({ iat: now, exp: now + 60 }), sessionId: "sess_1", organizationId: null, traceId: "bc_1_a" });
    await flush();
    other.close();
    eq(s.peekToken(), null, "a broadcast changes nothing");
    await clock.tick(600_000);
    eq(api.requests.length, sent, "no request after the end, not even a refresh");
    eq(ends.length, 1, "still once");
    s.dispose();
    eq((await rejection(s.getToken(), "disposed")).code, "disposed", "dispose still works");
  });
}

// 8.4

export async function each_request_is_one_refresh_event_and_none_carries_a_token() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const events = [];
    const raw = [];
    s.onRefresh((e) => (raw.push(JSON.stringify(e)), events.push({ ...e, cached: s.peekToken() })));
    api.respondWith({ status: 500 }, { hold: true });
    const p = s.getToken();
    await clock.tick(1600); // the retry goes out
    await waitFor(() => api.held.length === 1, "the retry");
    await clock.tick(250);
    const settledAt = clock.now;
    api.release();
    const token = await p;
    await flush();
    eq(events.length, 2, "one event per request, the retry its own");
    const [a, b] = events;
    eq(`${a.tokenId} ${a.trigger} ${a.attempt} ${a.outcome} ${a.code} ${a.status}`, "sess_1 caller 1 error http_error 500", "the failed try");
    eq(`${b.trigger} ${b.attempt} ${b.outcome} ${b.status} ${"code" in b}`, "caller 2 ok 200 false", "the retry");
    eq(b.durationMs, settledAt - api.requests[1].at, "from sending to settling, on the page's clock");
    assert(b.durationMs >= 250, `${b.durationMs} ms`);
    eq(b.cached, token, "after the session applied the outcome");
    for (const e of raw) assert(!e.includes(token.split(".")[1]), `no token in an event: ${e}`);
    await s.getToken({ skipCache: true });
    await flush();
    eq(events[2].trigger, "skipCache", "a skipCache call's request");
  });
}
