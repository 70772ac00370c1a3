// SPEC rules the driver carries out alone, each through the real exports:
// the re-check when a page becomes visible and the re-armed long timer
// (2.7), and what goes on which channel (8.3, 10.3).
import { assert, eq, flush, heldLocks, jwt, claims, rejection, scenario, waitFor } from "./harness.js";

const channel = () => `test:${Math.random().toString(36).slice(2)}`;

/** Makes `document.visibilityState` read `state` until the returned undo. */
function visibility(state) {
  Object.defineProperty(document, "visibilityState", { get: () => state, configurable: true });
  return () => delete document.visibilityState;
}

export async function a_page_that_becomes_visible_rechecks_at_once() {
  await scenario(async ({ clock, api, make }) => {
    let undo = visibility("hidden");
    try {
      const s = make({ pollInterval: 0 });
      await s.getToken(); // 60 s token
      // A hidden tab defers its own refresh to halfway between the window
      // (15 s left) and the cutoff (5 s): at 10 s left. Its timers are
      // throttled: time passes without any firing.
      clock.jump(47_000); // 13 s left
      await flush();
      eq(api.requests.length, 1, "deferred while hidden");
      undo();
      undo = visibility("visible");
      document.dispatchEvent(new Event("visibilitychange"));
      await waitFor(() => api.requests.length === 2, "a refresh as the page shows");
      await flush();
      eq(claims(s.peekToken()).n, 2, "and its token is cached");
    } finally {
      undo();
    }
  });
}

export async function a_refresh_beyond_what_set_timeout_holds_is_re_armed_not_taken_as_due() {
  await scenario(async ({ clock, api, make }) => {
    const s = make({ pollInterval: 0 });
    const iat = Math.floor(clock.nowSec);
    const day = 86_400;
    api.respondWith({ token: jwt({ iat, exp: iat + 60 * day }) });
    const { token: first, expiresAt } = await s.getTokenInfo();
    // setTimeout holds at most 2^31 − 1 ms (24.8 days); the refresh is due
    // 15 s before the 60th day.
    await clock.tick(2 ** 31 - 1 + 1_000);
    eq(api.requests.length, 1, "no request at 24.8 days");
    eq(s.peekToken(), first, "the token is still served");
    eq((await s.getTokenInfo()).expiresAt, expiresAt, "and expires when it said: the clock did not run ahead");
    await clock.tick((60 * day - 20) * 1000 - (2 ** 31 - 1 + 1_000));
    eq(api.requests.length, 1, "nothing yet 20 s before exp");
    await clock.tick(6_000);
    eq(api.requests.length, 2, "refreshed once 15 s are left");
  });
}

export async function the_end_of_a_session_never_goes_on_the_clerk_channel() {
  await scenario(async ({ api, make }) => {
    const broadcastChannel = channel();
    const clerk = [];
    const own = [];
    const clerkChannel = new BroadcastChannel(broadcastChannel);
    const ownChannel = new BroadcastChannel(`${broadcastChannel}:session-swr`);
    clerkChannel.onmessage = (e) => clerk.push(e.data);
    ownChannel.onmessage = (e) => own.push(e.data);
    try {
      const s = make({ broadcastChannel });
      await s.getToken();
      await flush();
      eq(clerk.length, 1, "the minted token went on the clerk channel");
      api.respondWith({ status: 401 });
      eq((await rejection(s.getToken({ skipCache: true }), "401")).code, "unauthenticated", "401");
      await waitFor(() => own.some((m) => m.type === "ended"), "the end on the library's own channel");
      await flush();
      eq(clerk.length, 1, "nothing more on the clerk channel");
      assert(clerk.every((m) => m.type === undefined), "clerk messages carry no type");
    } finally {
      clerkChannel.close();
      ownChannel.close();
    }
  });
}

export async function broadcast_channel_null_turns_off_the_library_s_own_channel_too() {
  await scenario(async ({ clock, api, make }) => {
    // The names the channels would have by default.
    const heard = [];
    const clerkChannel = new BroadcastChannel("clerk:session_token");
    const ownChannel = new BroadcastChannel("clerk:session_token:session-swr");
    clerkChannel.onmessage = (e) => heard.push(e.data);
    ownChannel.onmessage = (e) => heard.push(e.data);
    try {
      const s = make({ broadcastChannel: null });
      await s.getToken();
      await flush();
      eq(heard.length, 0, "no question, no token posted");
      eq((await heldLocks()).filter((n) => n.startsWith("session-swr:live:")).length, 0, "no presence lock");
      // Nor does it hear either channel: an end, a token.
      const now = Math.floor(clock.nowSec);
      ownChannel.postMessage({ type: "ended", sessionId: "sess_1" });
      clerkChannel.postMessage({ tokenId: "sess_1", sessionId: "sess_1", tokenRaw: jwt({ iat: now, exp: now + 60, oiat: now + 1 }), template: null, organizationId: null });
      await flush();
      assert(!s.ended, "not ended by a message");
      eq(claims(s.peekToken()).n, 1, "its own token, not the posted one");
      eq(api.requests.length, 1, "one request in all");
    } finally {
      clerkChannel.close();
      ownChannel.close();
    }
  });
}
