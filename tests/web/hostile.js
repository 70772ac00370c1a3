// Hostile and edge inputs through the real exports: a lastActiveToken of
// another session.
import { assert, eq, jwt, scenario } from "./harness.js";

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
