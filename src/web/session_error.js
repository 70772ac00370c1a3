// SessionError lives in JS because a Rust-exported class cannot extend Error;
// the package entry re-exports it beside the wasm-bindgen glue.
export class SessionError extends Error {
  constructor(code, message, status, retryAfter) {
    super(message);
    this.name = "SessionError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }
}
