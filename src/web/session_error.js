// SessionError lives in JS because a Rust-exported class cannot extend Error.
// The glue imports this module (see src/web/error.rs) and the package entry
// re-exports it, so both name one class and `instanceof` holds.
export class SessionError extends Error {
  /**
   * @param {import("./index.js").SessionErrorCode} code one of the codes of SPEC 1
   * @param {string} message
   * @param {number} [status] the HTTP status, where one applies
   * @param {number} [retryAfter] seconds, for rate_limited
   * @param {string} [url] the /tokens URL requested, without its query
   * @param {string} [reason] the Frontend API's own error code
   */
  constructor(code, message, status, retryAfter, url, reason) {
    super(message);
    this.name = "SessionError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
    if (url !== undefined) this.url = url;
    if (reason !== undefined) this.reason = reason;
  }
}
