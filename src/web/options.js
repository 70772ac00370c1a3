// Reads the options objects of `new Session()` and `getToken()` into arrays
// of plain values, checking JS types and unknown keys; the core validates the
// values themselves. Returns the array, or a string saying what is wrong
// (options.rs turns it into a SessionError). In JS because a field-by-field
// reader in Rust cost a twentieth of the module.
const SESSION = ["frontendApi", "sessionId", "organizationId", "lastActiveToken", "backgroundRefreshThreshold", "pollInterval", "broadcastChannel", "fetch", "credentials"];
const GET = ["template", "organizationId", "skipCache", "refreshIfStale"];

// Used as `ok || fail(complaint)`, so a complaint is only built when it is
// thrown: getToken reads its options on every call.
const fail = (complaint) => {
  throw complaint;
};
const known = (o, fields) => {
  for (const key of Object.keys(o)) fields.includes(key) || fail(`unknown option ${key}; expected one of ${fields.join(", ")}`);
};
// undefined when absent (and, where nullable, when null).
const string = (o, name, nullable) => {
  const v = o[name];
  if (v === undefined || (nullable && v === null)) return undefined;
  typeof v === "string" || fail(`${name} must be a string${nullable ? " or null" : ""}`);
  return v;
};
const number = (o, name) => {
  const v = o[name];
  v === undefined || typeof v === "number" || fail(`${name} must be a number`);
  return v;
};
const boolean = (o, name) => {
  const v = o[name] ?? false;
  typeof v === "boolean" || fail(`${name} must be a boolean`);
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
    (typeof o === "object" && o !== null) || fail("options must be an object with frontendApi and sessionId");
    known(o, SESSION);
    const frontendApi = string(o, "frontendApi");
    frontendApi !== undefined || fail("frontendApi is required");
    const sessionId = string(o, "sessionId");
    sessionId !== undefined || fail("sessionId is required and must be a non-empty string");
    const channel = o.broadcastChannel === undefined ? "clerk:session_token" : o.broadcastChannel;
    (channel === null || (typeof channel === "string" && channel !== "")) || fail("broadcastChannel must be a non-empty string or null");
    const fetch = o.fetch ?? undefined;
    (fetch === undefined || typeof fetch === "function") || fail("fetch must be a function");
    const credentials = string(o, "credentials") ?? "include";
    ["include", "same-origin", "omit"].includes(credentials) || fail('credentials must be "include", "same-origin" or "omit"');
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

// getToken reads its options on every call, and every value that crosses
// into wasm is a call of its own, so they come back as one number: bits 0-1
// the organizationId mode (0: the session's, 1: personal, 2: the string
// taken by takeOrganization), bit 2 skipCache, bit 3 refreshIfStale, bit 4 a
// template (taken by takeTemplate); or -1, with the complaint taken by
// takeComplaint. The strings are kept only after every getter of `o` has run,
// so a getter that calls getToken itself cannot mix them up.
let template, organization, complaint;
export const readGetTokenOptions = (o) => {
  const read_ = read(() => {
    (typeof o === "object" && o !== null) || fail("getToken options must be an object");
    known(o, GET);
    const org = o.organizationId;
    (org === undefined || org === null || typeof org === "string") || fail("organizationId must be a string or null");
    const t = string(o, "template");
    const flags = (org === undefined ? 0 : org === null ? 1 : 2) | (boolean(o, "skipCache") ? 4 : 0) | (boolean(o, "refreshIfStale") ? 8 : 0);
    return [flags | (t === undefined ? 0 : 16), t, org];
  });
  if (typeof read_ === "string") {
    complaint = read_;
    return -1;
  }
  [, template, organization] = read_;
  return read_[0];
};
export const takeTemplate = () => template;
export const takeOrganization = () => organization;
export const takeComplaint = () => complaint;
