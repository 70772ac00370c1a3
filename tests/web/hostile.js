// Hostile and edge inputs through the real exports: a body nested to
// exhaust the stack, a lastActiveToken of another session.
import { assert, eq, rejection, jwt, scenario } from "./harness.js";

export async function a_body_nested_9000_deep_is_an_invalid_response_and_the_session_lives_on() {
  await scenario(async ({ api, make }) => {
    const s = make({ pollInterval: 0 });
    const depth = 9_000;
    const body = `{"object":"token","jwt":${'{"id":'.repeat(depth)}"x"${"}".repeat(depth)}}`;
    assert(body.length > 60_000 && body.length <= 65_536, `${body.length} bytes, under the body bound`);
    api.respondWith({ status: 200, body });
    const e = await rejection(s.getToken(), "nested body");
    eq(e.code, "invalid_response", "refused, not a stack overflow");
    // The module is alive: the next call works.
    const token = await s.getToken();
    assert(token.split(".").length === 3, "a token after it");
    eq(s.peekToken(), token, "and cached");
  });
}

export async function a_last_active_token_of_another_session_is_ignored() {
  await scenario(async ({ clock, api, make }) => {
    const now = Math.floor(clock.nowSec);
    const foreign = jwt({ iat: now, exp: now + 60, sid: "sess_other" });
    const s = make({ lastActiveToken: foreign });
    eq(s.peekToken(), null, "not served");
    await s.getToken();
    eq(api.requests.length, 1, "a request of its own");
    assert(!api.requests[0].body.has("token"), "not sent as the previous token");
  });
}
