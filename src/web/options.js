// Reads the options objects of `new Session()` and `getToken()` into arrays
// of plain values, checking JS types and unknown keys; the core validates the
// values themselves. Returns the array, or a string saying what is wrong
// (options.rs turns it into a SessionError). In JS because a field-by-field
// reader in Rust cost a twentieth of the module.
const SESSION = ["frontendApi", "sessionId", "organizationId", "lastActiveToken", "backgroundRefreshThreshold", "pollInterval", "broadcastChannel", "fetch", "credentials"];
const GET = ["template", "organizationId", "skipCache", "refreshIfStale"];

const check = (ok, complaint) => {
  if (!ok) throw complaint;
};
const known = (o, fields) => {
  for (const key of Object.keys(o)) check(fields.includes(key), `unknown option ${key}; expected one of ${fields.join(", ")}`);
};
// undefined when absent (and, where nullable, when null).
const string = (o, name, nullable) => {
  const v = o[name];
  if (v === undefined || (nullable && v === null)) return undefined;
  check(typeof v === "string", `${name} must be a string${nullable ? " or null" : ""}`);
  return v;
};
const number = (o, name) => {
  const v = o[name];
  check(v === undefined || typeof v === "number", `${name} must be a number`);
  return v;
};
const boolean = (o, name) => {
  const v = o[name] ?? false;
  check(typeof v === "boolean", `${name} must be a boolean`);
  return v;
};
const read = (fn) => {
  try {
    return fn();
  } catch (e) {
    return typeof e === "string" ? e : "options could not be read";
  }
};

// [frontendApi, sessionId, organizationId, lastActiveToken,
//  backgroundRefreshThreshold, pollInterval, broadcastChannel (null: none),
//  fetch, credentials]
export const readSessionOptions = (o) =>
  read(() => {
    check(typeof o === "object" && o !== null, "options must be an object with frontendApi and sessionId");
    known(o, SESSION);
    const frontendApi = string(o, "frontendApi");
    check(frontendApi !== undefined, "frontendApi is required");
    const sessionId = string(o, "sessionId");
    check(sessionId !== undefined, "sessionId is required and must be a non-empty string");
    const channel = o.broadcastChannel === undefined ? "clerk:session_token" : o.broadcastChannel;
    check(channel === null || (typeof channel === "string" && channel !== ""), "broadcastChannel must be a non-empty string or null");
    const fetch = o.fetch ?? undefined;
    check(fetch === undefined || typeof fetch === "function", "fetch must be a function");
    const credentials = string(o, "credentials") ?? "include";
    check(["include", "same-origin", "omit"].includes(credentials), 'credentials must be "include", "same-origin" or "omit"');
    return [
      frontendApi,
      sessionId,
      string(o, "organizationId", true),
      string(o, "lastActiveToken", true),
      number(o, "backgroundRefreshThreshold"),
      number(o, "pollInterval"),
      channel,
      fetch,
      credentials,
    ];
  });

// [template, organizationId mode (0: the session's, 1: personal, 2: this
//  one), organizationId, skipCache, refreshIfStale]
export const readGetTokenOptions = (o) =>
  read(() => {
    check(typeof o === "object" && o !== null, "getToken options must be an object");
    known(o, GET);
    const org = o.organizationId;
    check(org === undefined || org === null || typeof org === "string", "organizationId must be a string or null");
    return [string(o, "template"), org === undefined ? 0 : org === null ? 1 : 2, org ?? undefined, boolean(o, "skipCache"), boolean(o, "refreshIfStale")];
  });
