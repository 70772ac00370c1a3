//! The simulated Frontend API: origin and edge mints, and the truth the
//! checker judges by. It records, for every token it minted, when that
//! token's claims were read from the database, so that "a token with staler
//! claims replaced a fresher one" is decided by the server's own record, not
//! by the library's comparator.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use session_swr::core::{FetchOutcome, TokensRequest};
use std::collections::HashMap;

use super::scenario::Scenario;
use super::{SID, START};

/// What the server knows of one token it minted.
#[derive(Debug, Clone, Copy)]
pub struct Minted {
    /// When its claims were read from the database, in whole seconds (the
    /// `oiat` it carries: the finest the JWT can tell two reads apart).
    pub read: f64,
    /// The claims' version.
    pub ver: u64,
    /// Its `exp` on the true clock.
    pub exp: f64,
}

#[derive(Default)]
pub struct Server {
    /// The claims' version at origin now.
    ver: u64,
    minted: u64,
    tokens: HashMap<String, Minted>,
}

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

/// A field of a form body.
fn form<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The key a request is for, as the server reads it from the URL and body.
pub fn key_of(request: &TokensRequest) -> String {
    let path = request.url.split('?').next().unwrap_or("");
    let template = path.split_once("/tokens/").map(|(_, t)| t);
    let org = form(&request.body, "organization_id").filter(|o| !o.is_empty());
    [Some(SID), template, org]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("-")
}

pub fn is_skip_cache(request: &TokensRequest) -> bool {
    request.url.contains("force_origin=true")
}

impl Server {
    pub fn new() -> Server {
        Server {
            ver: 1,
            ..Server::default()
        }
    }

    /// The record of a token this server minted.
    pub fn minted(&self, token: &str) -> Option<Minted> {
        self.tokens.get(token).copied()
    }

    /// Answers `request`, reaching the server at true time `t`, in scenario
    /// `sc`; `roll` is a uniform random number for the failure rate.
    pub fn serve(
        &mut self,
        sc: &Scenario,
        t: f64,
        request: &TokensRequest,
        roll: f64,
    ) -> FetchOutcome {
        let status = |code: u16, retry_after: Option<String>| FetchOutcome::Response {
            status: code,
            retry_after,
            body: "{}".into(),
        };
        let rel = t - START;
        if sc.outage.is_some_and(|(s, e)| rel >= s && rel < e) {
            return FetchOutcome::NetworkError("outage".into());
        }
        if sc.unavailable.is_some_and(|(s, e)| rel >= s && rel < e) {
            return status(503, None);
        }
        if sc.unauthorized_at.is_some_and(|u| rel >= u) {
            return status(401, None);
        }
        if let Some((s, e, ra)) = sc.rate_limit {
            if rel >= s && rel < e {
                return status(429, Some(format!("{ra}")));
            }
        }
        if roll < sc.failure_rate {
            return status(500, None);
        }
        if sc.bump_every > 0.0 {
            self.ver = 1 + (rel / sc.bump_every) as u64;
        }
        let iat = t.floor();
        let template = request.url.contains("/tokens/");
        // An edge mint copies the claims of the token it was sent; templates
        // and `force_origin` always read them afresh at origin.
        let previous = form(&request.body, "token").and_then(|p| self.tokens.get(p).copied());
        let (read, ver) = match previous {
            Some(prev) if sc.edge && !template && !is_skip_cache(request) => (prev.read, prev.ver),
            _ => (iat, self.ver),
        };
        self.minted += 1;
        let exp = iat + sc.lifetime;
        let header = b64(&format!(r#"{{"alg":"RS256","oiat":{read}}}"#));
        let payload = b64(&format!(
            r#"{{"sid":"{SID}","iat":{iat},"exp":{exp},"ver":{ver},"n":{}}}"#,
            self.minted
        ));
        let jwt = format!("{header}.{payload}.c2ln");
        self.tokens.insert(jwt.clone(), Minted { read, ver, exp });
        FetchOutcome::Response {
            status: 200,
            retry_after: None,
            body: format!(r#"{{"jwt":"{jwt}"}}"#),
        }
    }
}
