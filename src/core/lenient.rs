//! Lenient JSON field readers: a field of the wrong type reads as absent
//! instead of failing the whole document. Typed fields keep the binary small;
//! a generic `serde_json::Value` tree costs several times the code.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// What a lenient reader makes of a value of any JSON type.
trait Pick: Sized {
    const EXPECTING: &'static str;
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        drain_map(map).map(|()| None)
    }
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

struct Lenient<T>(std::marker::PhantomData<T>);

impl<'de, T: Pick> Visitor<'de> for Lenient<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::from_f64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        // Whole seconds since the epoch are far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        Ok(T::from_f64(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(T::from_f64(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map)
    }
}

impl Pick for f64 {
    const EXPECTING: &'static str = "a number";
    fn from_f64(v: f64) -> Option<f64> {
        v.is_finite().then_some(v)
    }
}

impl Pick for String {
    const EXPECTING: &'static str = "a string";
    fn from_str(v: &str) -> Option<String> {
        Some(v.to_owned())
    }
}

/// The `o` claim of the v2 token format: `{"id": "org_…", …}`.
#[derive(Deserialize, Default)]
pub(crate) struct OrgClaim {
    #[serde(default, deserialize_with = "string")]
    pub id: Option<String>,
}

impl Pick for OrgClaim {
    const EXPECTING: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        OrgClaim::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

/// A number, or absent for any other JSON value.
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(Lenient::<f64>(std::marker::PhantomData))
}

/// A string, or absent for any other JSON value.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Lenient::<String>(std::marker::PhantomData))
}

/// An object with an `id`, or absent for any other JSON value.
pub(crate) fn org_claim<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OrgClaim>, D::Error> {
    d.deserialize_any(Lenient::<OrgClaim>(std::marker::PhantomData))
}

/// Whether `bytes` hold a JSON object (and not an array a struct would also
/// accept), judged by the first non-space byte; the parser checks the rest.
pub(crate) fn is_object(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}
