//! `fetchWithAuth` (SPEC 8.2) as steps: get a token, send the request with
//! it, and on a 401 get a token from origin and send once more if that
//! token differs and the request can be sent again. The driver carries the
//! steps out (the token through `getToken`, the request through `fetch`).

use super::effect::GetTokenOptions;

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthedStep {
    /// Get a token as `getToken` would with these options.
    GetToken(GetTokenOptions),
    /// Send the request with `Authorization: Bearer <token>`; `again` says
    /// it is the retry (send the copy kept before the first send).
    Send {
        /// The token.
        token: String,
        /// This is the one retry.
        again: bool,
    },
    /// Done: the last response is the answer.
    Done,
}

/// One `fetchWithAuth` call.
#[derive(Debug, Clone)]
pub struct AuthedFetch {
    options: GetTokenOptions,
    /// A copy of the request was kept before the first send (its body is
    /// not a `ReadableStream`).
    replayable: bool,
    /// The token the request was first sent with.
    first: Option<String>,
    retried: bool,
}

impl AuthedFetch {
    /// A call with `options` (`init.tokenOptions`); the first step is to get
    /// a token.
    pub fn new(options: GetTokenOptions, replayable: bool) -> (AuthedFetch, AuthedStep) {
        let step = AuthedStep::GetToken(options.clone());
        let call = AuthedFetch {
            options,
            replayable,
            first: None,
            retried: false,
        };
        (call, step)
    }

    /// A token arrived for the last `GetToken` step.
    pub fn on_token(&mut self, token: String) -> AuthedStep {
        match &self.first {
            None => {
                self.first = Some(token.clone());
                AuthedStep::Send {
                    token,
                    again: false,
                }
            }
            // The fresh token is the same: the API would refuse it again.
            Some(first) if *first == token => AuthedStep::Done,
            Some(_) => AuthedStep::Send { token, again: true },
        }
    }

    /// The API answered the last `Send` step with `status`.
    pub fn on_response(&mut self, status: u16) -> AuthedStep {
        if status != 401 || !self.replayable || self.retried {
            return AuthedStep::Done;
        }
        // Claims changed or the token was revoked: a token fresher than the
        // refused one, one request for every call it was refused to
        // (SPEC 11.5), or the cache's if a refresh landed meanwhile.
        let mut options = self.options.clone();
        options.refused.clone_from(&self.first);
        options.skip_cache = true;
        options.refresh_if_stale = false;
        self.retried = true;
        AuthedStep::GetToken(options)
    }
}
