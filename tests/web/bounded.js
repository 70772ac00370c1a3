// SPEC 11 through the real exports: a signal and a timeout on every wait,
// recovery without a new call, a status for UIs, errors that say where and
// why, one refresh for many 401s.
import { assert, claims, eq, flush, options, rejection, scenario, settled } from "./harness.js";

export async function a_signal_ends_a_wait_with_its_reason_and_the_request_goes_on_for_others() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    api.respondWith({ hold: true });
    const controller = new AbortController();
    const mine = s.getToken({ signal: controller.signal });
    const other = s.getToken();
    await flush();
    eq(api.requests.length, 1, "one request for both");
    const reason = new Error("user gave up");
    controller.abort(reason);
    eq(await rejection(mine, "aborted"), reason, "rejects with signal.reason, as fetch does");
    assert(!api.requests[0].signal.aborted, "the request goes on for the other call");
    api.release();
    assert(typeof (await other) === "string", "the other call gets its token");
    // Already aborted: rejected even though the cache could answer.
    const gone = AbortSignal.abort(new DOMException("stop", "AbortError"));
    eq((await rejection(s.getToken({ signal: gone }), "pre-aborted")).name, "AbortError", "pre-aborted");
    // The last call to leave aborts the request.
    api.respondWith({ hold: true });
    const c2 = new AbortController();
    const p = s.getToken({ skipCache: true, signal: c2.signal });
    await flush();
    c2.abort();
    await rejection(p, "aborted");
    await flush();
    assert(api.requests.at(-1).signal.aborted, "nobody needs it: aborted");
    await clock.tick(30_000);
    eq(api.requests.length, 2, "and not retried");
    eq((await rejection(s.getToken({ signal: 5 }), "bad signal")).code, "invalid_options", "a signal that is not one");
  });
}

export async function every_call_is_bounded_by_the_sessions_timeout() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0, timeout: 3000 });
    api.respondWith({ hold: true });
    const p = s.getToken({ template: "t" });
    const caught = rejection(p, "timeout");
    await clock.tick(2_900);
    assert(!(await settled(p)), "still waiting at 2.9 s");
    await clock.tick(200);
    const e = await caught;
    eq(e.code, "network_error", "no attempt answered");
    assert(/gave up after 3 s and 1 requests/.test(e.message), e.message);
    assert(e.message.includes("https://fapi.test"), e.message);
    assert(api.requests[0].signal.aborted, "its request, nobody's now, aborted");
  });
}

export async function fetch_with_auth_bounds_its_token_wait_with_the_requests_signal() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    api.respondWith({ hold: true });
    const controller = new AbortController();
    const p = s.fetchWithAuth("https://api.test/me", { signal: controller.signal });
    await flush();
    controller.abort(new Error("navigated away"));
    eq((await rejection(p, "aborted")).message, "navigated away", "the token wait ends with the signal");
    // With a signal of its own in `tokenOptions` too, either one ends it.
    api.respondWith({ hold: true }, { hold: true });
    const request = new AbortController();
    const q = s.fetchWithAuth("https://api.test/me", {
      signal: request.signal,
      tokenOptions: { signal: new AbortController().signal },
    });
    await flush();
    request.abort(new Error("the request's"));
    eq((await rejection(q, "aborted")).message, "the request's", "the request's signal ends the token wait");
    const token = new AbortController();
    const r = s.fetchWithAuth("https://api.test/me", {
      signal: new AbortController().signal,
      tokenOptions: { signal: token.signal },
    });
    await flush();
    token.abort(new Error("the token's"));
    eq((await rejection(r, "aborted")).message, "the token's", "and so does the token's own");
  });
}

export async function only_a_real_abort_signal_is_taken_and_only_an_abort_ends_a_call() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    // Each passes `instanceof AbortSignal` and throws when used.
    const fakes = {
      "a Proxy of a signal": new Proxy(new AbortController().signal, {}),
      "an object made from its prototype": Object.create(AbortSignal.prototype),
      "one with its own aborted field": Object.create(AbortSignal.prototype, { aborted: { value: false } }),
    };
    for (const [what, signal] of Object.entries(fakes)) {
      const e = await rejection(s.getToken({ signal }), what);
      eq(e.code, "invalid_options", what);
      const f = await rejection(s.fetchWithAuth("https://api.test/me", { tokenOptions: { signal } }), what);
      eq(f.code, "invalid_options", `${what}, in tokenOptions`);
    }
    // A real signal with an `aborted` of the app's own, one that throws:
    // never asked; the call waits, and its abort is heard.
    api.respondWith({ hold: true });
    const own = new AbortController();
    Object.defineProperty(own.signal, "aborted", { get() { throw new Error("asked"); } });
    const q = s.getToken({ signal: own.signal });
    await flush();
    assert(!(await settled(q)), "waiting");
    own.abort(new Error("own"));
    eq((await rejection(q, "aborted")).message, "own", "its abort heard");
    // An `abort` event sent by hand on a signal that is not aborted is no
    // abort: the call goes on to its token.
    api.respondWith({ hold: true });
    const controller = new AbortController();
    const p = s.getToken({ signal: controller.signal });
    await flush();
    controller.signal.dispatchEvent(new Event("abort"));
    await flush();
    assert(!(await settled(p)), "still waiting");
    // And the real abort that follows is still heard.
    controller.abort(new Error("now"));
    eq((await rejection(p, "aborted")).message, "now", "the real abort ends it");
  });
}

export async function a_session_let_go_of_while_a_call_waits_still_answers_it() {
  // `new Session(o).getToken()`: the app keeps only the promise. The
  // session's finalizer runs (here `free()`, which is what it calls) while
  // the call waits out a retry's pause: the call still gets its token.
  await scenario(async ({ Session, clock, api }) => {
    api.respondWith({ status: 503 });
    const s = new Session(options(api, { pollInterval: 0 }));
    const p = s.getToken();
    await flush();
    eq(api.requests.length, 1, "refused 503, a retry to come");
    s.free();
    await clock.tick(5_000);
    eq(api.requests.length, 2, "the retry went out");
    eq(claims(await p).n, 1, "and the call got its token");
  });
}

export async function nothing_starts_after_a_fetch_that_disposes_the_session() {
  // Both retries fall due at once; the app's fetch, called for the first,
  // disposes the session: the second is never sent.
  await scenario(async ({ clock, api, make }) => {
    api.respondWith({ status: 503 }, { status: 503 });
    let dispose = false;
    let s;
    const fetch = (url, init) => {
      if (dispose) s.dispose();
      return api.fetch(url, init);
    };
    s = make({ pollInterval: 0, fetch });
    const a = s.getToken({ template: "a", skipCache: true }).catch((e) => e);
    const b = s.getToken({ template: "b", skipCache: true }).catch((e) => e);
    await flush();
    eq(api.requests.length, 2, "two requests, both refused 503");
    clock.jump(5_000); // both retries due; their timer not yet fired
    dispose = true;
    await clock.tick(0);
    eq(api.requests.length, 3, "the first retry only");
    eq((await a).code, "disposed", "a");
    eq((await b).code, "disposed", "b");
  });
}

export async function many_calls_refused_401_share_one_refresh() {
  await scenario(async ({ api, make }) => {
    // The API refuses the first token: ten calls made with it are refused
    // at once, and share one /tokens request for a fresh one (SPEC 11.5).
    let refused = null;
    const app = make({
      pollInterval: 0,
      fetch: async (url, init) => {
        if (!(url instanceof Request)) return api.fetch(url, init);
        const auth = url.headers.get("Authorization");
        return new Response("", { status: auth === `Bearer ${refused}` ? 401 : 200 });
      },
    });
    refused = await app.getToken();
    const before = api.requests.length;
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.fetchWithAuth("https://api.test/orders")));
    eq(responses.map((r) => r.status).join(), Array(10).fill(200).join(), "each sent again with the fresh token");
    eq(api.requests.length - before, 1, "one /tokens request for ten 401s");
    assert(api.requests.at(-1).url.includes("force_origin=true"), "minted at origin");
  });
}

export async function the_snapshot_is_one_frozen_object_until_it_changes() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = s.getSnapshot();
    assert(Object.isFrozen(first), "frozen");
    eq(first.status, "loading", "no token yet");
    eq(s.getSnapshot(), first, "the same object while nothing changed");
    const calls = [];
    const off = s.subscribe((...args) => calls.push(args.length));
    await s.getToken();
    await flush();
    eq(calls.join(), "0", "called once, with no argument");
    const ready = s.getSnapshot();
    assert(ready !== first, "a new object");
    eq(ready.status, "ready", "status");
    eq(ready.token, s.peekToken(), "the token peekToken returns");
    eq(ready.error, null, "no failure");
    eq(ready.expiresAt, (await s.getTokenInfo()).expiresAt, "expiresAt as getTokenInfo says");
    eq(s.getSnapshot(), ready, "the same object again");
    // A change inside the app's own call is told after it, not in it.
    s.clearCache();
    eq(calls.length, 1, "not called inside clearCache()");
    await flush();
    eq(calls.length, 2, "but once it returned");
    eq(s.getSnapshot().status, "loading", "no token now");
    await s.getToken();
    await flush();
    // The token passes the cutoff with nothing else happening: the snapshot
    // changes then (here the scheduled refresh fails, so no new token comes).
    api.respondWith(...Array(10).fill({ status: 503 }));
    await clock.tick(56_000);
    const lapsed = s.getSnapshot();
    eq(lapsed.token, null, "no token peekToken would not return");
    eq(s.peekToken(), null, "peekToken agrees");
    eq(lapsed.status, "error", "the last attempt failed");
    eq(lapsed.error?.code, "http_error", "with its error");
    assert(calls.length >= 4, `subscribers told: ${calls.length}`);
    off();
    const n = calls.length;
    api.script.length = 0;
    await s.getToken({ skipCache: true });
    await flush();
    eq(s.getSnapshot().status, "ready", "a change");
    eq(calls.length, n, "unsubscribed: not told of it");
  });
}

export async function a_page_that_fails_at_load_recovers_with_no_new_call() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    // Failing for the call's five attempts and the first of the recovery.
    api.respondWith(...Array(6).fill({ status: 503 }));
    const p = s.getToken();
    const e = rejection(p, "load");
    while (!(await settled(p))) await clock.tick(500);
    eq((await e).code, "http_error", "the call failed after its retries");
    eq(s.getSnapshot().status, "error", "and the status says so");
    const updates = [];
    s.onTokenUpdate((u) => updates.push(u.source));
    await clock.tick(60_000);
    eq(s.getSnapshot().status, "ready", "recovered by itself");
    assert(s.peekToken() !== null, "with a token");
    eq(updates.join(), "fetch", "onTokenUpdate fired");
  });
}

export async function errors_say_where_and_why() {
  await scenario(async ({ api, make, Session }) => {
    const s = make({ pollInterval: 0 });
    api.respondWith({
      status: 403,
      body: JSON.stringify({ errors: [{ code: "origin_invalid", message: "Invalid origin", long_message: "The origin https://app.test is not allowed." }] }),
    });
    const e = await rejection(s.getToken({ skipCache: true }), "403");
    eq(e.code, "http_error", "code");
    eq(e.status, 403, "status");
    eq(e.reason, "origin_invalid", "reason: Clerk's error code");
    eq(e.url, "https://fapi.test/v1/client/sessions/sess_1/tokens", "url, without its query");
    assert(e.message.includes("https://fapi.test") && e.message.includes("is not allowed"), e.message);
    for (const frontendApi of ["https://clerk.example.com/v1", "https://clerk.example.com?x", "https://clerk.example.com#y"]) {
      let err = null;
      try {
        new Session({ frontendApi, sessionId: "sess_1", broadcastChannel: null });
      } catch (x) {
        err = x;
      }
      eq(err?.code, "invalid_options", frontendApi);
    }
  });
}

