//! The JSON the core reads from the network: JWT headers and claims, and
//! the `/tokens` response body, as one serde derive ([`Parsed`]).
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

/// Parses JSON text into the members the core reads ([`Parsed`]): `None`
/// for anything but one JSON object (another JSON type, invalid JSON,
/// trailing data).
pub trait Json: fmt::Debug {
    /// A JWT header, a JWT's claims or a `/tokens` body.
    fn object(&self, text: &str) -> Option<Parsed>;
}

/// [`Json`] with serde_json: every build but the browser's.
#[cfg(any(not(target_arch = "wasm32"), test))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SerdeJson;

#[cfg(any(not(target_arch = "wasm32"), test))]
impl Json for SerdeJson {
    fn object(&self, text: &str) -> Option<Parsed> {
        serde_json::from_str::<Object<Parsed>>(text)
            .ok()
            .map(|o| o.0)
    }
}

/// The members the core reads of any JSON object it parses: a JWT header's
/// `oiat` (SPEC 6), its claims' `iat`, `exp` and `sid`, and a `/tokens`
/// body's `jwt` (`{"object": "token", "jwt": "<JWT>"}`) or `errors`
/// (Clerk's error body, `{"errors": [{"code", "message", "long_message"}]}`,
/// whose first error says why: SPEC 11.4). Each reader takes only its own
/// members (the `oiat` of claims is not the header's). One type for all
/// three keeps to one reading of it in the module.
#[derive(Default, Deserialize)]
pub struct Parsed {
    /// When the claims were last read at origin (header).
    #[serde(default)]
    pub oiat: Claim,
    /// Issued at, s since the epoch (claims).
    #[serde(default)]
    pub iat: Claim,
    /// Expires at, s since the epoch (claims).
    #[serde(default)]
    pub exp: Claim,
    /// The session (claims).
    #[serde(default)]
    pub sid: Claim,
    /// The token (`/tokens` body).
    #[serde(default)]
    pub jwt: Claim,
    /// The errors (`/tokens` body).
    #[serde(default)]
    pub errors: Claim,
}

impl Parsed {
    /// The code and the words of a refusal's first error: `long_message`,
    /// else `message`.
    pub fn refusal(self) -> Option<(Option<String>, Option<String>)> {
        let Claim::List(m) = self.errors else {
            return None;
        };
        let m = (*m)?;
        Some((m.code, m.long_message.or(m.message)))
    }
}

/// Never the token itself, as for `Jwt`: a debug print must not leak it.
impl core::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Parsed")
            .field("oiat", &self.oiat)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

/// The string members of an object that the core reads: `code`,
/// `message` and `long_message` (Clerk's errors).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Members {
    /// `code`
    pub code: Option<String>,
    /// `message`
    pub message: Option<String>,
    /// `long_message`
    pub long_message: Option<String>,
}

/// One field's value, as far as the core cares: a finite number, a string,
/// an object's string members, an array's first element, or anything else. One type
/// for every field keeps to one serde visitor in the module.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Claim {
    /// A finite number.
    Number(f64),
    /// A string.
    Str(String),
    /// An object, with the string members the core reads.
    Object(Box<Members>),
    /// An array, with the members of its first element when that is an
    /// object (a refusal's first error).
    List(Box<Option<Members>>),
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
        let first = match seq.next_element_seed(ClaimAt(self.0 + 1))? {
            Some(Claim::Object(m)) => Some(*m),
            _ => None,
        };
        while seq.next_element_seed(ClaimAt(self.0 + 1))?.is_some() {}
        Ok(Claim::List(Box::new(first)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claim, A::Error> {
        let mut m = Members::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(ClaimAt(self.0 + 1))?.string();
            match key.as_str() {
                "code" => m.code = value,
                "message" => m.message = value,
                "long_message" => m.long_message = value,
                _ => {}
            }
        }
        Ok(Claim::Object(Box::new(m)))
    }
}
