// The package's types: the glue's declarations (SPEC 1), with `init` and
// `SessionError` as the entry (index.js) defines them. The glue declares
// `[Symbol.dispose]()`, which TypeScript knows from its ESNext libraries
// only: this reference lets an app compiled with `lib: ["ES2022", "DOM"]`
// and `skipLibCheck: false` type-check it (TypeScript 5.2 or later).
/// <reference lib="esnext.disposable" />
import type { InitInput, SyncInitInput } from "./session_swr.js";
export { Session, pickFreshestJwt } from "./session_swr.js";
export type {
  SessionOptions, GetTokenOptions, TokenUpdate, TokenInfo, RefreshEvent, SessionEnd, SessionSnapshot, InitInput,
  SyncInitInput,
} from "./session_swr.js";
/** Loads the .wasm (by default from beside this file; from disk in Node). Call once before anything else. */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<void>;
/** Synchronous init from bytes or a compiled module (workers, tests). */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): void;
/** Every code a `SessionError` can carry. */
export type SessionErrorCode =
  | "network_error"
  | "http_error"
  | "unauthenticated"
  | "rate_limited"
  | "invalid_response"
  | "offline"
  | "disposed"
  | "invalid_options";
/** The only error getToken rejects with. */
export declare class SessionError extends Error {
  /** What went wrong; see the README's table of what to do with each. */
  code: SessionErrorCode;
  /** HTTP status, for http_error, unauthenticated and rate_limited. */
  status?: number;
  /** Seconds the server asked to wait, for rate_limited. */
  retryAfter?: number;
  /** The /tokens URL requested, without its query: where the request failed. */
  url?: string;
  /** The Frontend API's own error code (`errors[0].code` of its body), e.g. "origin_invalid". */
  reason?: string;
}
