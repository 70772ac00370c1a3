//! The JSON the core reads from the network and other tabs: JWT headers and
//! claims, and the `/tokens` response body, as serde derives.
//!
//! The text is parsed through a [`Json`]: [`SerdeJson`] on the host (tests,
//! the simulation, the fuzzer), the browser's own `JSON.parse` read with
//! serde-wasm-bindgen in the wasm build (`web::json`), which leaves
//! serde_json's parser out of the module (see the README, "Size").
//!
//! Two rules sit on top of plain derives, both as JS code reading the same
//! documents would behave:
//! * a document must be a JSON **object**: serde's derives would also take an
//!   array, field by field in order ([`Object`] on the host; the browser
//!   checks it before reading);
//! * a field counts only when it has the expected JSON type, as a `typeof`
//!   check in JS would decide ([`Claim`]): `"exp": "soon"` reads as no `exp`,
//!   it does not make the whole token undecodable;
//! * a field the core reads may nest at most [`MAX_DEPTH`] levels (a real
//!   token nests two: `"o": {"id": …}`), so that a hostile or broken server
//!   cannot exhaust the stack with `{"jwt": {"id": {"id": …}}}` nested
//!   thousands deep: the document is refused. Fields the core does not read
//!   are never walked in the browser (serde-wasm-bindgen looks up declared
//!   fields only) and skipped without recursion by serde_json.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Levels a field the core reads may nest (see the module docs).
pub const MAX_DEPTH: usize = 32;

/// Parses JSON text into the core's wire types: each method returns the
/// type's fields when `text` is one JSON object, `None` for anything else
/// (another JSON type, invalid JSON, trailing data).
pub trait Json: fmt::Debug {
    /// A JWT header.
    fn header(&self, text: &str) -> Option<Header>;
    /// A JWT's claims.
    fn claims(&self, text: &str) -> Option<Claims>;
    /// A `/tokens` response body.
    fn tokens_response(&self, text: &str) -> Option<TokensResponse>;
}

/// [`Json`] with serde_json: every build but the browser's.
#[cfg(any(not(target_arch = "wasm32"), test))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SerdeJson;

#[cfg(any(not(target_arch = "wasm32"), test))]
impl SerdeJson {
    fn object<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
        serde_json::from_str::<Object<T>>(text).ok().map(|o| o.0)
    }
}

#[cfg(any(not(target_arch = "wasm32"), test))]
impl Json for SerdeJson {
    fn header(&self, text: &str) -> Option<Header> {
        Self::object(text)
    }

    fn claims(&self, text: &str) -> Option<Claims> {
        Self::object(text)
    }

    fn tokens_response(&self, text: &str) -> Option<TokensResponse> {
        Self::object(text)
    }
}

/// The JWT header fields the core reads.
#[derive(Debug, Default, Deserialize)]
pub struct Header {
    /// When the claims were last read at origin (SPEC 6).
    #[serde(default)]
    pub oiat: Claim,
}

/// The JWT claims the core reads.
#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    /// Issued at (s since the epoch).
    #[serde(default)]
    pub iat: Claim,
    /// Expires at (s since the epoch).
    #[serde(default)]
    pub exp: Claim,
    /// The session.
    #[serde(default)]
    pub sid: Claim,
    /// The organization (v1 claims).
    #[serde(default)]
    pub org_id: Claim,
    /// The v2 claims nest the organization: `"o": {"id": …}`.
    #[serde(default)]
    pub o: Claim,
}

/// A `/tokens` success body: `{"object": "token", "jwt": "<JWT>"}`.
#[derive(Default, Deserialize)]
pub struct TokensResponse {
    /// The token.
    #[serde(default)]
    pub jwt: Claim,
}

/// Never the token itself, as for `Jwt`: a debug print must not leak it.
impl core::fmt::Debug for TokensResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TokensResponse { jwt: .. }")
    }
}

/// One field's value, as far as the core cares: a finite number, a string,
/// an object's `id` string (the v2 `o` claim), or anything else. One type
/// for every field keeps to one serde visitor in the module.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Claim {
    /// A finite number.
    Number(f64),
    /// A string.
    Str(String),
    /// An object, with its `id` member when that is a string.
    Object(Option<String>),
    /// Absent, `null`, a boolean, an array, or a number out of range.
    #[default]
    Other,
}

impl Claim {
    /// The number, if this is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Claim::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn string(self) -> Option<String> {
        match self {
            Claim::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An object's `id`, if this is an object that has one.
    pub fn id(self) -> Option<String> {
        match self {
            Claim::Object(id) => id,
            _ => None,
        }
    }
}

/// `T` read from a JSON object only: serde derives alone would also take an
/// array, field by field in order. (The browser checks the type itself.)
#[cfg(any(not(target_arch = "wasm32"), test))]
struct Object<T>(T);

#[cfg(any(not(target_arch = "wasm32"), test))]
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor(std::marker::PhantomData))
            .map(Object)
    }
}

#[cfg(any(not(target_arch = "wasm32"), test))]
struct ObjectVisitor<T>(std::marker::PhantomData<T>);

#[cfg(any(not(target_arch = "wasm32"), test))]
impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

impl<'de> Deserialize<'de> for Claim {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ClaimAt(0).deserialize(d)
    }
}

/// A [`Claim`] nested this deep below its field.
#[derive(Clone, Copy)]
struct ClaimAt(usize);

impl<'de> DeserializeSeed<'de> for ClaimAt {
    type Value = Claim;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Claim, D::Error> {
        if self.0 > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        d.deserialize_any(ClaimVisitor(self.0))
    }
}

struct ClaimVisitor(usize);

impl<'de> Visitor<'de> for ClaimVisitor {
    type Value = Claim;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Claim, E> {
        Ok(if v.is_finite() {
            Claim::Number(v)
        } else {
            Claim::Other
        })
    }

    // Epoch seconds fit an f64 exactly; larger integers round, as in JS.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Claim, E> {
        self.visit_f64(v as f64)
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Claim, E> {
        self.visit_f64(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Claim, E> {
        Ok(Claim::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Claim, E> {
        Ok(Claim::Str(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Claim, E> {
        Ok(Claim::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Claim, E> {
        Ok(Claim::Other)
    }

    // Nested values are walked one level deeper each, so the depth bound
    // holds however they nest.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Claim, A::Error> {
        while seq.next_element_seed(ClaimAt(self.0 + 1))?.is_some() {}
        Ok(Claim::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claim, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(ClaimAt(self.0 + 1))?;
            if key == "id" {
                id = value.string();
            }
        }
        Ok(Claim::Object(id))
    }
}
