//! The JS surface (SPEC 1): `Session` and `pickFreshestJwt`.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::driver::{self, Shared};
use super::error::to_js;
use super::json::BrowserJson;
use super::options::{get_token_options, session_options};
use crate::core::{pick_freshest_raw, Error, GetTokenOptions};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
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
}
export interface TokenUpdate {
  tokenId: string;
  token: string;
  source: "fetch" | "background" | "broadcast";
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
    /// call waits for one request shared by all concurrent callers.
    /// Rejects only with `SessionError`.
    ///
    /// ```js
    /// const jwt = await session.getToken({ template: "supabase" });
    /// ```
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self, options: Option<GetTokenOptionsArg>) -> Promise {
        let Some(options) = options else {
            return driver::get_token(&self.driver, &GetTokenOptions::default());
        };
        match get_token_options(&options) {
            Ok(opts) => driver::get_token(&self.driver, &opts),
            Err(e) => Promise::reject(&to_js(&e)),
        }
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
            return driver::peek_token(&self.driver, &GetTokenOptions::default());
        };
        match get_token_options(&options) {
            Ok(opts) => driver::peek_token(&self.driver, &opts),
            // Thrown from here rather than returned as a `Result`, which
            // would cost every call an array for the two return values;
            // nothing is borrowed yet.
            Err(e) => wasm_bindgen::throw_val(to_js(&e)),
        }
    }

    /// Calls `listener` with `{tokenId, token, source}` whenever a key's
    /// cached token changes. Returns a function that unsubscribes.
    ///
    /// ```js
    /// const off = session.onTokenUpdate(({ tokenId, source }) => console.log(tokenId, source));
    /// ```
    #[wasm_bindgen(js_name = onTokenUpdate, unchecked_return_type = "() => void")]
    pub fn on_token_update(&self, listener: TokenUpdateListener) -> Result<JsValue, JsValue> {
        let listener: Function = listener.dyn_into().map_err(|_| {
            to_js(&Error::InvalidOptions(
                "onTokenUpdate takes a function".into(),
            ))
        })?;
        let id = driver::subscribe(&self.driver, listener);
        let weak = std::rc::Rc::downgrade(&self.driver);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(id) = id {
                driver::unsubscribe(&weak, id);
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
