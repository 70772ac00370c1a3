//! A serde `Deserializer` over a `JsValue`: how the library reads what JS
//! hands it (options objects, `JSON.parse` results, channel messages) into
//! its serde-derived types. serde-wasm-bindgen still serialises everything
//! that goes out.
//!
//! Why not serde-wasm-bindgen's deserializer: its errors format the value
//! they refused (`invalid type: floating point 1.5, expected …`), and
//! formatting a float links all of std's float printing (`<f64 as
//! Display>` and its tables, some 17 KB of code) though no float is ever
//! printed. Errors here say where and what was expected, never the value,
//! and format nothing they are not given.
//!
//! What it adds to reading a struct, as JS code reading the same object
//! would behave:
//! * declared fields are read by name with `Reflect.get`, which catches (a
//!   throwing getter or Proxy trap becomes an error, not a throw through
//!   wasm), and finds inherited and non-enumerable fields; fields not
//!   declared are never read, so a huge or deep one costs nothing;
//! * a field that is `undefined` is absent;
//! * an options object's own keys must all be declared (serde's
//!   `deny_unknown_fields` is not enough: an undeclared key is never read),
//!   and it is read by them; one with no own keys (a class's getters,
//!   `Object.create(defaults)`) is read by name;
//! * a struct is read from a plain object only, never an array;
//! * a string from another tab is cut just past [`MAX_FIELD_LEN`] before it
//!   is copied into wasm memory (which never shrinks): the core refuses any
//!   field that long, cut or not.
//!
//! [`Raw`] keeps a value as it is (a function, a signal).

use std::cell::{Cell, RefCell};
use std::fmt;

use js_sys::{Array, JsString, Reflect};
use serde::de::{self, DeserializeSeed, Deserializer, Expected, MapAccess, SeqAccess, Unexpected};
use serde::de::{IntoDeserializer, Visitor};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::MAX_FIELD_LEN;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, catching (a Proxy's `ownKeys` trap may throw).
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(object: &JsValue) -> Result<Array, JsValue>;

}

/// Why a value was refused: where, and what was expected, never the value.
#[derive(Debug)]
pub(crate) struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

impl de::Error for Refusal {
    /// serde's own messages are not kept: formatting them could format the
    /// refused value. Every refusal this module makes says more.
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refusal("has a value that cannot be used".into())
    }

    fn invalid_type(_: Unexpected<'_>, _: &dyn Expected) -> Self {
        Refusal("has the wrong type".into())
    }

    fn invalid_value(_: Unexpected<'_>, _: &dyn Expected) -> Self {
        Refusal("has a value that cannot be used".into())
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        one_of(expected)
    }
}

fn expected(what: &str) -> Refusal {
    let mut why = String::from("must be ");
    why.push_str(what);
    Refusal(why)
}

fn one_of(items: &[&str]) -> Refusal {
    let mut why = String::from("must be one of ");
    why.push_str(&list(items));
    Refusal(why)
}

/// How strictly a value is read.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// An options object: every own key must be a declared field.
    Options,
    /// Plain data (`JSON.parse`): extra keys are ignored.
    Data,
    /// A message from another tab: plain data whose strings are cut just
    /// past `MAX_FIELD_LEN` before they are copied.
    Message,
}

/// A JS value being read as `T`.
pub(crate) struct Js {
    value: JsValue,
    mode: Mode,
}

/// Reads `value` into `T` in `mode`.
pub(crate) fn read<T: for<'de> Deserialize<'de>>(value: JsValue, mode: Mode) -> Result<T, Refusal> {
    T::deserialize(Js { value, mode })
}

impl Js {
    /// The value as a Rust string, if it is one (cut, for messages).
    fn string(&self) -> Option<String> {
        match self.mode {
            Mode::Message => Some(bounded(self.value.dyn_ref::<JsString>()?, MAX_FIELD_LEN)),
            // One crossing, on the hot path of `getToken({ template })`.
            _ => self.value.as_string(),
        }
    }
}

/// `s`, cut to `limit` + 1 UTF-16 units when longer (more bytes than
/// `limit`, so a cut string is always refused as too long), as a Rust string.
pub(crate) fn bounded(s: &JsString, limit: usize) -> String {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    if s.length() > limit {
        String::from(s.slice(0, limit + 1))
    } else {
        String::from(s)
    }
}

impl<'de> Deserializer<'de> for Js {
    type Error = Refusal;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        if let Some(s) = self.string() {
            return visitor.visit_string(s);
        }
        if let Some(n) = self.value.as_f64() {
            return visitor.visit_f64(n);
        }
        if let Some(b) = self.value.as_bool() {
            return visitor.visit_bool(b);
        }
        if self.value.is_null() || self.value.is_undefined() {
            return visitor.visit_unit();
        }
        if Array::is_array(&self.value) {
            let array: Array = self.value.unchecked_into();
            return visitor.visit_seq(Elements {
                array,
                next: 0,
                mode: self.mode,
            });
        }
        if self.value.is_object() {
            let keys = object_keys(&self.value).map_err(|_| expected("readable"))?;
            return visitor.visit_map(Entries {
                object: self.value,
                keys,
                next: 0,
                mode: self.mode,
            });
        }
        Err(expected("plain data"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        if self.value.is_null() || self.value.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        match self.string() {
            Some(s) => visitor.visit_string(s),
            None => Err(expected("a string")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        self.deserialize_string(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        match self.value.as_f64() {
            Some(n) => visitor.visit_f64(n),
            None => Err(expected("a number")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        match self.value.as_bool() {
            Some(b) => visitor.visit_bool(b),
            None => Err(expected("a boolean")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refusal> {
        match self.string() {
            // Unit variants by name, as JS spells them.
            Some(s) => visitor.visit_enum(s.into_deserializer()),
            None => Err(one_of(variants)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refusal> {
        visitor.visit_map(Fields::of(self, fields)?)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refusal> {
        if name == RAW {
            RAW_VALUE.with(|slot| slot.set(Some(self.value)));
            return visitor.visit_unit();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refusal> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

/// The declared fields of a struct read from an object, in declaration
/// order; `undefined` ones are absent. Everything but handing a value to
/// its type is done here, once, not in each struct's copy of the reading.
struct Fields {
    object: JsValue,
    fields: &'static [&'static str],
    names: &'static [JsValue],
    /// Bit `i` set: field `i` may be present. A plain options object's
    /// fields are its own properties, so only those are read; any other
    /// object's are read by name, wherever they are.
    may: u64,
    next: usize,
    current: Option<JsValue>,
    mode: Mode,
}

impl Fields {
    /// The fields of `js`, which must be an object (not an array). An
    /// options object's own enumerable keys (those spreading it reads; a
    /// framework's hidden bookkeeping is not one) must all be declared
    /// fields, and it is read by them; one with none (a class's getters,
    /// `Object.create(defaults)`) is read by name,
    /// wherever its fields are. Its prototype is not asked for: an options
    /// object is almost always a literal, whose fields are its own, and
    /// asking costs `getToken({ template })` a tenth of its time.
    #[inline(never)]
    fn of(js: Js, fields: &'static [&'static str]) -> Result<Fields, Refusal> {
        let names = js_names(fields);
        let mut may = u64::MAX;
        if js.mode == Mode::Options {
            let keys = object_keys(&js.value).map_err(|_| expected("readable"))?;
            let mut own = 0u64;
            for key in keys.iter() {
                // Compared as JS strings: nothing is copied into wasm.
                let Some(i) = names.iter().position(|n| *n == key) else {
                    let mut why = String::from("unknown option ");
                    why.push_str(&key.as_string().unwrap_or_default());
                    why.push_str("; expected one of ");
                    why.push_str(&list(fields));
                    return Err(Refusal(why));
                };
                own |= 1 << i;
            }
            if own != 0 {
                may = own;
            } else if !js.value.is_object() || Array::is_array(&js.value) {
                // Asked only here, off the hot path: a number or a function
                // has no own keys, a string or an array with items refuses
                // them above.
                return Err(expected("an object"));
            }
        } else if !js.value.is_object() || Array::is_array(&js.value) {
            return Err(expected("an object"));
        }
        Ok(Fields {
            object: js.value,
            fields,
            names,
            may,
            next: 0,
            current: None,
            // An options object's fields are plain values.
            mode: if js.mode == Mode::Options {
                Mode::Data
            } else {
                js.mode
            },
        })
    }

    /// The index of the next declared field that is present, its value kept.
    #[inline(never)]
    fn next_present(&mut self) -> Result<Option<u64>, Refusal> {
        while let Some(name) = self.names.get(self.next) {
            let i = self.next;
            self.next += 1;
            if self.may & (1 << i) == 0 {
                continue;
            }
            let value = Reflect::get(&self.object, name)
                .map_err(|_| self.refused(i, "could not be read"))?;
            if !value.is_undefined() {
                self.current = Some(value);
                return Ok(Some(i as u64));
            }
        }
        Ok(None)
    }

    /// `why` of field `i`, named.
    #[inline(never)]
    fn refused(&self, i: usize, why: &str) -> Refusal {
        let mut out = String::from(self.fields.get(i).copied().unwrap_or("a field"));
        out.push(' ');
        out.push_str(why);
        Refusal(out)
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Refusal;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refusal> {
        // By index: serde's derived field matching takes one, and matches
        // it with a table rather than by comparing names.
        match self.next_present()? {
            Some(i) => seed.deserialize(i.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refusal> {
        let value = self.current.take().ok_or_else(|| expected("readable"))?;
        seed.deserialize(Js {
            value,
            mode: self.mode,
        })
        .map_err(|e| self.refused(self.next - 1, &e.0))
    }
}

/// `items`, comma-separated.
fn list(items: &[&str]) -> String {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(item);
    }
    out
}

/// Every own enumerable entry of an object (`Object.keys` order), for a
/// visitor that walks a whole object (a claim it does not know the shape of).
struct Entries {
    object: JsValue,
    keys: Array,
    next: u32,
    mode: Mode,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Refusal;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refusal> {
        if self.next >= self.keys.length() {
            return Ok(None);
        }
        let key = self.keys.get(self.next);
        seed.deserialize(Js {
            value: key,
            mode: self.mode,
        })
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refusal> {
        let key = self.keys.get(self.next);
        self.next += 1;
        let value = Reflect::get(&self.object, &key).map_err(|_| expected("readable"))?;
        seed.deserialize(Js {
            value,
            mode: self.mode,
        })
    }
}

/// The elements of an array.
struct Elements {
    array: Array,
    next: u32,
    mode: Mode,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Refusal;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Refusal> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let value = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(Js {
            value,
            mode: self.mode,
        })
        .map(Some)
    }
}

/// The newtype name [`Raw`] asks for: only this module's deserializer
/// knows it, and hands the value over as it is.
const RAW: &str = "session_swr::Raw";

thread_local! {
    /// The value a [`Raw`] is being read from, between the deserializer and
    /// the visitor (one read at a time: wasm has one thread).
    static RAW_VALUE: Cell<Option<JsValue>> = const { Cell::new(None) };
}

/// A JS value kept as it is (a function, an `AbortSignal`): read only by
/// this module's deserializer.
pub(crate) struct Raw(pub JsValue);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JS value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
                RAW_VALUE
                    .with(Cell::take)
                    .map(Raw)
                    .ok_or_else(|| E::custom("not a JS value"))
            }
        }
        d.deserialize_newtype_struct(RAW, RawVisitor)
    }
}

thread_local! {
    /// Field names as JS strings, made once per struct: building them from
    /// Rust on every read costs more than the read. (A few small arrays,
    /// kept for the module's life.)
    static NAMES: RefCell<Vec<(*const &'static str, &'static [JsValue])>> = const { RefCell::new(Vec::new()) };
}

/// `fields` as JS strings, from [`NAMES`]. The cell is borrowed only here,
/// never while a getter of the app's object runs.
fn js_names(fields: &'static [&'static str]) -> &'static [JsValue] {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some((_, js)) = names.iter().find(|(ptr, _)| *ptr == fields.as_ptr()) {
            return *js;
        }
        let js: &'static [JsValue] =
            Vec::leak(fields.iter().map(|f| JsValue::from_str(f)).collect());
        names.push((fields.as_ptr(), js));
        js
    })
}
