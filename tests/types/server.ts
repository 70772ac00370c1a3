// Server code that imports the package, in a project without the DOM
// library (node.tsconfig.json): the token of a request, the session id from
// it, and the options a page will get, all typed by the package.
import { pickFreshestJwt, type SessionOptions } from "../../pkg/index.js";

export function pageOptions(cookie: string, previous: string | null): SessionOptions {
  const token = pickFreshestJwt(previous, cookie);
  return {
    frontendApi: "https://clerk.example.com",
    sessionId: "sess_1",
    lastActiveToken: token,
    credentials: "include",
    fetch: globalThis.fetch,
  };
}
