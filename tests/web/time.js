// The time model through the real exports (SPEC 2.8, 3.5): requests that
// stay open past their timeout and are aborted once their flight ends, and
// a wall clock set back that postpones no deadline.
import { assert, eq, flush, claims, scenario, waitFor } from "./harness.js";

export async function every_request_carries_a_signal_aborted_once_its_flight_ends() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const events = [];
    s.onRefresh((e) => events.push(e));
    // The first request hangs; the retry after its 20 s hangs too.
    api.respondWith({ hold: true }, { hold: true });
    const p = s.getToken();
    await flush();
    const first = api.requests[0].signal;
    assert(first instanceof AbortSignal && !first.aborted, "a live signal in init");
    await clock.tick(20_000);
    assert(!first.aborted, "still open once it counts as failed");
    await clock.tick(1_600);
    eq(api.requests.length, 2, "retried");
    // The first answer wins, late as it is, and the retry is aborted.
    api.release();
    const token = await p;
    eq(claims(token).n, 1, "the first request's token");
    assert(api.requests[1].signal.aborted, "the retry is aborted");
    assert(!first.aborted, "the winner's signal is not");
    await flush();
    eq(events.length, 2, "both requests reported once");
    eq(events[1].code, "network_error", "the aborted one as a network error");
    eq(api.held.length, 0, "nothing left hanging");
  });
}

export async function clear_cache_and_dispose_abort_what_nobody_waits_for() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const events = [];
    s.onRefresh((e) => events.push(e));
    await s.getToken();
    // A background refresh in the window, left hanging, then clearCache.
    api.respondWith({ hold: true });
    await clock.tick(46_000);
    eq(api.requests.length, 2, "the scheduled refresh went out");
    s.clearCache();
    assert(api.requests[1].signal.aborted, "clearCache aborts it");
    await flush();
    eq(events.at(-1).trigger, "background", "and it is reported");
    // A caller's request, then dispose.
    api.respondWith({ hold: true });
    const p = s.getToken();
    await flush();
    s.dispose();
    assert(api.requests[2].signal.aborted, "dispose aborts it");
    eq((await p.catch((e) => e)).code, "disposed", "its caller is told");
  });
}

export async function a_clock_set_back_an_hour_postpones_no_retry_and_no_timeout() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    api.respondWith({ status: 503 });
    const p = s.getToken();
    await flush();
    eq(api.requests.length, 1, "the first request failed");
    // Date.now() jumps back an hour; the server's clock does not.
    clock.stepBack(3_600_000);
    api.serverBehind = -3600;
    await clock.tick(1_600);
    eq(api.requests.length, 2, "retried within 1.5 s all the same");
    const { expiresAt } = await s.getTokenInfo();
    eq(await p, s.peekToken(), "the caller got the retry's token");
    const left = (expiresAt - Date.now()) / 1000;
    assert(left > 57 && left <= 59, `expiresAt is on the page's clock: ${left} s left`);
    // A hung request times out 20 s after it was sent, whatever the clock did.
    api.respondWith({ hold: true });
    const forcedCall = s.getToken({ skipCache: true });
    const forced = () => api.requests.filter((r) => r.url.includes("force_origin")).length;
    await clock.tick(5_000);
    clock.stepBack(3_600_000);
    api.serverBehind = -7200;
    await clock.tick(14_900);
    eq(forced(), 1, "still waiting on the hung request");
    await clock.tick(1_700);
    eq(forced(), 2, "timed out after 20 s and retried");
    // The step left no skew bound standing: the session's token was
    // refreshed to get one, not served on a guess.
    eq(api.requests.length, 5, "and one refresh for the step");
    // The forced call gets the retry's token (awaited: nothing left loose).
    eq(await forcedCall, s.peekToken(), "the forced call got the retry's token, now cached");
  });
}

// SPEC 2.8: after a step back nothing is served until a request bounds the
// skew again. An app that only peeks (a UI reading peekToken or the
// snapshot) must see that request go out at once, not at the next refresh.
export async function a_peek_after_the_clock_is_set_back_starts_the_request_that_bounds_it() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const first = await s.getToken();
    await clock.tick(1_000);
    clock.stepBack(3_600_000);
    api.serverBehind = -3_600; // the server's clock did not move
    eq(s.peekToken(), null, "nothing served after the step back");
    await clock.tick(10);
    eq(api.requests.length, 2, "a request at once, with no call");
    await waitFor(() => s.peekToken() !== null, "a token again");
    assert(s.peekToken() !== first, "the new one");
    eq(s.getSnapshot().status, "ready", "and the status says so");
  });
}

// The same for a UI that reads only the snapshot.
export async function a_snapshot_read_after_the_clock_is_set_back_starts_the_request_that_bounds_it() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    await s.getToken();
    eq(s.getSnapshot().status, "ready", "ready");
    await clock.tick(1_000);
    clock.stepBack(3_600_000);
    api.serverBehind = -3_600; // the server's clock did not move
    eq(s.getSnapshot().token, null, "no token in it after the step back");
    await clock.tick(10);
    eq(api.requests.length, 2, "a request at once, with no call");
    await waitFor(() => s.getSnapshot().status === "ready", "ready again");
  });
}
