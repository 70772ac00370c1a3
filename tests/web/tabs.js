// SPEC 10 through the real exports: two Sessions of one page on the real
// BroadcastChannel and real Web Locks, as two tabs would be.
import { assert, eq, flush, heldLocks, rejection, jwt, scenario, waitFor } from "./harness.js";

/** A channel name of this test's own, so that no other test hears it. */
const channel = () => `test:${Math.random().toString(36).slice(2)}`;

export async function a_second_session_gets_its_first_token_from_the_first_with_no_request() {
  await scenario(async ({ api, make }) => {
    const broadcastChannel = channel();
    const first = make({ broadcastChannel });
    const held = await first.getToken();
    eq(api.requests.length, 1, "the first session fetched");
    const second = make({ broadcastChannel });
    const updates = [];
    second.onTokenUpdate((u) => updates.push(u.source));
    // Asked at once, as an app does; no fake time passes.
    const token = await second.getToken();
    eq(token, held, "the first session's token");
    eq(api.requests.length, 1, "no request of its own");
    eq(updates.join(), "broadcast", "adopted as a broadcast");
    eq(second.peekToken(), held, "and cached");
  });
}

export async function a_session_alone_asks_no_one_for_long() {
  await scenario(async ({ api, make }) => {
    const s = make({ broadcastChannel: channel() });
    const p = s.getToken();
    // No fake time passes: nobody holds this session's presence lock, so
    // the request is not held back for an answer.
    await waitFor(() => api.requests.length === 1, "the request");
    await p;
  });
}

export async function a_session_on_another_channel_holds_no_lone_session_back() {
  // SPEC 10.1, 10.3: a Session on another channel can never hear the
  // question, so it is no one to wait for.
  await scenario(async ({ api, make }) => {
    const other = make({ broadcastChannel: channel() });
    await other.getToken();
    const alone = make({ broadcastChannel: channel() });
    const p = alone.getToken();
    // No fake time passes: a wait for an answer would never end.
    await waitFor(() => api.requests.length >= 2, `its own request, at once (${api.requests.length})`);
    eq(api.requests.length, 2, "one request each");
    await p;
  });
}

export async function an_organisation_switch_is_not_held_back_by_the_session_it_replaces() {
  // SPEC 10.1: dispose() and a new Session in one task, as an app switching
  // organisation does: the disposed Session cannot answer, so the new one
  // does not wait for it.
  await scenario(async ({ api, make }) => {
    const broadcastChannel = channel();
    const old = make({ broadcastChannel, organizationId: "org_A" });
    await old.getToken();
    await flush();
    old.dispose();
    const next = make({ broadcastChannel, organizationId: "org_B" });
    const p = next.getToken();
    await waitFor(() => api.requests.length >= 2, `its own request, at once (${api.requests.length})`);
    eq(api.requests.length, 2, "one request each");
    eq(api.requests[1].body.get("organization_id"), "org_B", "for the new organisation");
    await p;
  });
}

export async function a_session_that_has_nothing_answers_so_and_the_request_goes_at_once() {
  await scenario(async ({ api, make }) => {
    const broadcastChannel = channel();
    make({ broadcastChannel, fetch: () => Promise.reject(new TypeError("never asked")) });
    await flush();
    const second = make({ broadcastChannel });
    const p = second.getToken({ template: "t" });
    await waitFor(() => api.requests.length === 1, "the request, once the other said it has none");
    await p;
  });
}

export async function a_401_in_one_session_ends_the_other_at_once() {
  await scenario(async ({ api, make }) => {
    const broadcastChannel = channel();
    const a = make({ broadcastChannel });
    const b = make({ broadcastChannel });
    await a.getToken();
    await b.getToken();
    const ends = [];
    a.onSessionEnd((e) => ends.push(`a:${e.reason}`));
    b.onSessionEnd((e) => ends.push(`b:${e.reason}`));
    api.respondWith({ status: 401 });
    eq((await rejection(a.getToken({ skipCache: true }), "401")).code, "unauthenticated", "a's call");
    await waitFor(() => b.ended, "b ended");
    eq(ends.sort().join(), "a:unauthenticated,b:unauthenticated", "each told once");
    const before = api.requests.length;
    eq((await rejection(b.getToken(), "after")).code, "unauthenticated", "b rejects at once");
    eq(b.peekToken(), null, "and serves nothing");
    await flush();
    eq(api.requests.length, before, "no request after the end");
  });
}

export async function messages_on_the_own_channel_that_are_not_ours_change_nothing() {
  await scenario(async ({ clock, api, make }) => {
    const broadcastChannel = channel();
    const s = make({ broadcastChannel });
    const held = await s.getToken();
    const now = Math.floor(clock.nowSec);
    const other = jwt({ iat: now, exp: now + 60, n: "x" });
    const post = new BroadcastChannel(`${broadcastChannel}:session-swr`);
    for (const msg of [
      null, 42, "ended", {}, { type: "ended" }, { type: "ended", sessionId: "sess_2" },
      { type: "token", askId: 1, tokenId: "sess_1", sessionId: "sess_1", tokenRaw: other },
      { type: "ask", askId: 0.5, tokenId: "sess_1", sessionId: "sess_1" },
      { type: "ask", askId: 1, tokenId: "sess_1-x", sessionId: "sess_1" },
      { type: "token", tokenId: "sess_1", sessionId: "sess_1", tokenRaw: other },
    ]) post.postMessage(msg);
    await flush();
    post.close();
    assert(!s.ended, "not ended");
    eq(await s.getToken(), held, "the same token");
    eq(api.requests.length, 1, "no request");
  });
}

export async function the_presence_lock_is_let_go_on_pagehide_and_taken_again_on_pageshow() {
  await scenario(async ({ make }) => {
    const broadcastChannel = channel();
    const s = make({ broadcastChannel });
    const name = `session-swr:live:${encodeURIComponent(broadcastChannel)}:sess_1:`;
    const live = async () => (await heldLocks()).filter((n) => n.startsWith(name)).length;
    await s.getToken();
    await flush();
    eq(await live(), 1, "held while the page lives");
    // A page holding a lock cannot enter the back/forward cache.
    window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
    await flush();
    eq(await live(), 0, "let go as the page is hidden away");
    window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    await flush();
    eq(await live(), 1, "taken again when it comes back");
    s.dispose();
    await flush();
    eq(await live(), 0, "let go on dispose");
  });
}
