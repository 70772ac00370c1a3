//! The JS surface (SPEC 1): `Session` and `pickFreshestJwt`.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::authed;
use super::calls;
use super::driver::{self, Shared, Topic};
use super::error::to_js;
use super::json::BrowserJson;
use super::options::{get_token_options, session_options};
use super::status;
use crate::core::{cat, pick_freshest_raw, Error};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
import type { SessionError } from "./index.js";
// What this file's declarations (and the init functions wasm-bindgen writes
// below) take from the DOM library, declared in this module's own scope, so
// that a project without that library (a server's: lib ES2022, types node)
// compiles them too; a project with it keeps its own everywhere else.
// Each is the DOM's definition, but for the WebAssembly types, which stand
// for a module, memory and table the caller got from the WebAssembly API.
type RequestInfo = Request | string;
type RequestCredentials = "include" | "omit" | "same-origin";
type BufferSource = ArrayBufferView | ArrayBuffer;
declare namespace WebAssembly {
  interface Module {}
  interface Memory {}
  interface Table {}
}
export interface SessionOptions {
  /** Origin of the Frontend API, e.g. "https://clerk.example.com". */
  frontendApi: string;
  /** The session id, e.g. "sess_2GbDB4enNdCa5vS1zpC3Xzg9tK9". */
  sessionId: string;
  /** The session's active organization; default none. */
  organizationId?: string | null;
  /** A JWT to hydrate the cache with. */
  lastActiveToken?: string | null;
  /** Seconds before exp at which a background refresh starts; default 15, min 5. */
  backgroundRefreshThreshold?: number;
  /** Milliseconds between periodic re-checks; default 5000; 0 = none (the refresh at exp − threshold still runs). */
  pollInterval?: number;
  /** Channel name; default "clerk:session_token"; null = no sync. */
  broadcastChannel?: string | null;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Default "include". */
  credentials?: RequestCredentials;
  /** Milliseconds a call may wait in all, retries included; default 30000; finite; below 1000 counts as 1000. */
  timeout?: number;
}
export interface GetTokenOptions {
  /** JWT template name. */
  template?: string;
  /** Default: the session's organizationId; null = personal. */
  organizationId?: string | null;
  /** Always mint at origin. */
  skipCache?: boolean;
  /** Wait for a fresh token instead of serving a stale one. */
  refreshIfStale?: boolean;
  /** Ends this call's wait (not the shared request): it rejects with the signal's reason. */
  signal?: AbortSignal;
}
export interface TokenUpdate {
  tokenId: string;
  token: string;
  source: "fetch" | "background" | "broadcast";
  /** Milliseconds on this tab's Date.now() clock at which the token's exp falls. */
  expiresAt: number;
}
export interface TokenInfo {
  token: string;
  /** Milliseconds on this tab's Date.now() clock at which the token's exp falls. */
  expiresAt: number;
}
export interface RefreshEvent {
  tokenId: string;
  /** Waited on by getToken · background/scheduled · skipCache call. */
  trigger: "caller" | "background" | "skipCache";
  /** 1 for a sequence's first request, 2 for its first retry, ... */
  attempt: number;
  outcome: "ok" | "error";
  /** The SessionError code, when outcome is "error". */
  code?: string;
  /** The HTTP status, when a response came back. */
  status?: number;
  /** From sending the request to its settling. */
  durationMs: number;
}
export interface SessionEnd {
  reason: "unauthenticated";
}
/** The session's own key, as a UI shows it; the same frozen object until something in it changes. */
export interface SessionSnapshot {
  readonly status: "loading" | "ready" | "refreshing" | "error" | "offline" | "ended";
  /** What peekToken() returns now. */
  readonly token: string | null;
  /** Milliseconds on this tab's Date.now() clock at which the token's exp falls. */
  readonly expiresAt: number | null;
  /** The last failure since the last token. */
  readonly error: SessionError | null;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `SessionOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "SessionOptions")]
    pub type SessionOptionsArg;
    /// `GetTokenOptions | undefined` in TypeScript.
    #[wasm_bindgen(typescript_type = "GetTokenOptions")]
    pub type GetTokenOptionsArg;
    /// `(u: TokenUpdate) => void` in TypeScript.
    #[wasm_bindgen(typescript_type = "(u: TokenUpdate) => void")]
    pub type TokenUpdateListener;
    /// `(e: RefreshEvent) => void` in TypeScript.
    #[wasm_bindgen(typescript_type = "(e: RefreshEvent) => void")]
    pub type RefreshListener;
    /// `(e: SessionEnd) => void` in TypeScript.
    #[wasm_bindgen(typescript_type = "(e: SessionEnd) => void")]
    pub type SessionEndListener;
    /// `RequestInfo | URL` in TypeScript.
    #[wasm_bindgen(typescript_type = "RequestInfo | URL")]
    pub type FetchInput;
    /// `fetchWithAuth`'s `init` in TypeScript.
    #[wasm_bindgen(typescript_type = "RequestInit & { tokenOptions?: GetTokenOptions }")]
    pub type FetchInit;
}

/// A signed-in session's token cache: stale-while-revalidate `getToken`,
/// background refresh, and cross-tab sync.
///
/// ```js
/// const session = new Session({ frontendApi: "https://clerk.example.com", sessionId });
/// const jwt = await session.getToken();
/// ```
#[wasm_bindgen(js_name = Session)]
pub struct Session {
    driver: Shared,
    session_id: String,
}

#[wasm_bindgen(js_class = Session)]
impl Session {
    /// Creates the session and starts background refresh and cross-tab sync.
    /// Throws `SessionError` with code `invalid_options`, naming the field.
    #[wasm_bindgen(constructor)]
    pub fn new(options: SessionOptionsArg) -> Result<Session, JsValue> {
        let opts = session_options(&options).map_err(|e| to_js(&e))?;
        let session_id = opts.core.session_id.clone();
        let driver = driver::start(opts).map_err(|e| to_js(&e))?;
        Ok(Session { driver, session_id })
    }

    /// The session id.
    #[wasm_bindgen(getter, js_name = sessionId)]
    pub fn session_id(&self) -> String {
        self.session_id.clone()
    }

    /// A token for the options' key. A cached token with more than the
    /// refresh threshold left resolves at once; inside the window it also
    /// starts one background refresh; with 5 s or less left (or none) the
    /// call waits for one request shared by all concurrent callers, at
    /// most the session's `timeout` in all, or until `options.signal`
    /// aborts. Rejects with `SessionError`, or with the signal's reason.
    ///
    /// ```js
    /// const jwt = await session.getToken({ template: "supabase" });
    /// ```
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self, options: Option<GetTokenOptionsArg>) -> Promise {
        self.get(options, false)
    }

    /// `getToken`, resolving `{token, expiresAt}`: `expiresAt` is the
    /// milliseconds on this tab's `Date.now()` clock at which the token's
    /// `exp` falls, after the clock-skew correction, so an app that keeps a
    /// token knows how long it may.
    ///
    /// ```js
    /// const { token, expiresAt } = await session.getTokenInfo();
    /// ```
    #[wasm_bindgen(js_name = getTokenInfo, unchecked_return_type = "Promise<TokenInfo>")]
    pub fn get_token_info(&self, options: Option<GetTokenOptionsArg>) -> Promise {
        self.get(options, true)
    }

    fn get(&self, options: Option<GetTokenOptionsArg>, info: bool) -> Promise {
        let Some(options) = options else {
            return calls::get_default(&self.driver, info);
        };
        match get_token_options(&options) {
            Ok((opts, signal)) => calls::get_token(&self.driver, &opts, info, &[signal, None]),
            Err(e) => Promise::reject(&to_js(&e)),
        }
    }

    /// `fetch(input, init)` with `Authorization: Bearer <token>`, the token
    /// got as `getToken(init.tokenOptions)` gets it, sent through the
    /// session's `fetch`. On a 401 it gets a token from origin and, if that
    /// one differs and the request can be sent again (its body is not a
    /// `ReadableStream`), sends it once more. Rejects with the token's
    /// `SessionError`, or as `fetch` rejected.
    ///
    /// ```js
    /// const res = await session.fetchWithAuth("/api/me", { tokenOptions: { template: "api" } });
    /// ```
    #[wasm_bindgen(js_name = fetchWithAuth, unchecked_return_type = "Promise<Response>")]
    pub fn fetch_with_auth(&self, input: FetchInput, init: Option<FetchInit>) -> Promise {
        let init = init.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        wasm_bindgen_futures::future_to_promise(authed::fetch_with_auth(
            self.driver.clone(),
            input.into(),
            init,
        ))
    }

    /// The cached token for the options' key if it has more than 5 s left,
    /// else `null`. Synchronous; never makes a request; `null` after `dispose`.
    ///
    /// ```js
    /// const jwt = session.peekToken() ?? await session.getToken();
    /// ```
    #[wasm_bindgen(js_name = peekToken, unchecked_return_type = "string | null")]
    pub fn peek_token(&self, options: Option<GetTokenOptionsArg>) -> JsValue {
        let Some(options) = options else {
            return calls::peek_default(&self.driver);
        };
        match get_token_options(&options) {
            Ok((opts, _)) => calls::peek_token(&self.driver, &opts),
            // Thrown from here rather than returned as a `Result`, which
            // would cost every call an array for the two return values;
            // nothing is borrowed yet.
            Err(e) => wasm_bindgen::throw_val(to_js(&e)),
        }
    }

    /// Calls `listener` with `{tokenId, token, source, expiresAt}` whenever
    /// a key's cached token changes. Returns a function that unsubscribes.
    ///
    /// ```js
    /// const off = session.onTokenUpdate(({ tokenId, source }) => console.log(tokenId, source));
    /// ```
    #[wasm_bindgen(js_name = onTokenUpdate, unchecked_return_type = "() => void")]
    pub fn on_token_update(&self, listener: TokenUpdateListener) -> Result<JsValue, JsValue> {
        self.listen(Topic::TokenUpdate, listener.into(), "onTokenUpdate")
    }

    /// Calls `listener` once after each `/tokens` request settles (each
    /// retry its own), after the session applied its outcome: `{tokenId,
    /// trigger, attempt, outcome, code?, status?, durationMs}`, never a
    /// token. Returns a function that unsubscribes.
    ///
    /// ```js
    /// session.onRefresh((e) => metrics.timing("token.refresh", e.durationMs, e));
    /// ```
    #[wasm_bindgen(js_name = onRefresh, unchecked_return_type = "() => void")]
    pub fn on_refresh(&self, listener: RefreshListener) -> Result<JsValue, JsValue> {
        self.listen(Topic::Refresh, listener.into(), "onRefresh")
    }

    /// Calls `listener` once with `{reason: "unauthenticated"}` when the
    /// session ends: a `/tokens` request answered 401. From then on no
    /// request is made and every call rejects `unauthenticated`.
    ///
    /// ```js
    /// session.onSessionEnd(() => router.push("/sign-in"));
    /// ```
    #[wasm_bindgen(js_name = onSessionEnd, unchecked_return_type = "() => void")]
    pub fn on_session_end(&self, listener: SessionEndListener) -> Result<JsValue, JsValue> {
        self.listen(Topic::SessionEnd, listener.into(), "onSessionEnd")
    }

    /// Whether the session is over (a `/tokens` request was answered 401).
    #[wasm_bindgen(getter)]
    pub fn ended(&self) -> bool {
        driver::ended(&self.driver)
    }

    /// The session's status, for a UI: `{status, token, expiresAt, error}`,
    /// a frozen object, the same one until something in it changes, so that
    /// React's `useSyncExternalStore` can use it as it is. `token` is what
    /// `peekToken()` returns now.
    ///
    /// ```js
    /// const { status, token } = session.getSnapshot();
    /// ```
    #[wasm_bindgen(js_name = getSnapshot, unchecked_return_type = "SessionSnapshot")]
    pub fn get_snapshot(&self) -> JsValue {
        status::get_snapshot(&self.driver)
    }

    /// Calls `listener`, with no argument, after each change of the
    /// snapshot, once, from a microtask. Returns a function that
    /// unsubscribes.
    ///
    /// ```js
    /// const off = session.subscribe(() => render(session.getSnapshot()));
    /// ```
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: JsValue,
    ) -> Result<JsValue, JsValue> {
        let unsubscribe = self.listen(Topic::Status, listener, "subscribe");
        status::watch(&self.driver);
        unsubscribe
    }

    fn listen(&self, topic: Topic, listener: JsValue, name: &str) -> Result<JsValue, JsValue> {
        let listener: Function = listener
            .dyn_into()
            .map_err(|_| to_js(&Error::InvalidOptions(cat(&[name, " takes a function"]))))?;
        let id = driver::subscribe(&self.driver, topic, listener);
        let weak = std::rc::Rc::downgrade(&self.driver);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(id) = id {
                driver::unsubscribe(&weak, topic, id);
            }
        });
        Ok(unsubscribe.into_js_value())
    }

    /// Forgets every cached token. Requests in flight still settle their
    /// callers but no longer write to the cache.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&self) {
        driver::clear_cache(&self.driver);
    }

    /// Stops timers, listeners and the channel; pending and later `getToken`
    /// calls reject with `disposed`. Idempotent.
    pub fn dispose(&self) {
        driver::dispose(&self.driver);
    }
}

/// Returns whichever of two JWTs has the fresher claims (`oiat` header, then
/// `iat`); ties go to `incoming`, and a string that does not decode never wins
/// over one that does.
///
/// ```js
/// const keep = pickFreshestJwt(cached, received);
/// ```
#[wasm_bindgen(js_name = pickFreshestJwt)]
pub fn pick_freshest_jwt(
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] existing: JsValue,
    incoming: String,
) -> String {
    let existing = existing.as_string();
    pick_freshest_raw(existing.as_deref(), &incoming, &BrowserJson).to_owned()
}
