//! What goes out as a plain object (to the app's listeners, to other tabs,
//! to `getSnapshot`): its properties, in order, each a string, a number,
//! `null` or a value the host already holds.
//!
//! One `Serialize` impl for every such object, rather than a derive per
//! type: each derived struct drags its own copy of the serializer's struct
//! path into the module, and serde-wasm-bindgen's struct path keeps a
//! cache of field-name strings (a hash map) that nothing here needs. As a
//! map of string keys, every object takes one path through the serializer:
//! 3.2 KB gzip less on the `.wasm` than six derives (docs/performance.md).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// An object's properties, in the order they are set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record<H = ()>(pub Vec<(&'static str, Value<H>)>);

/// One property's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<H = ()> {
    /// A string.
    Str(String),
    /// A name from the library's own vocabulary (`"fetch"`, `"ready"`).
    Name(&'static str),
    /// A number.
    Num(f64),
    /// `null`.
    Null,
    /// A value of the host's own (in the browser, a JS value kept as is).
    Host(H),
}

impl<H> Record<H> {
    /// An empty record, room made for `n` properties.
    pub fn with_capacity(n: usize) -> Self {
        Record(Vec::with_capacity(n))
    }

    /// Adds property `name`.
    pub fn set(&mut self, name: &'static str, value: Value<H>) -> &mut Self {
        self.0.push((name, value));
        self
    }

    /// Adds property `name` when `value` is not empty: a message carries
    /// no empty field.
    pub fn text(&mut self, name: &'static str, value: &str) -> &mut Self {
        if !value.is_empty() {
            self.set(name, Value::Str(value.to_owned()));
        }
        self
    }

    /// Adds property `name`: the string, or `null` for none.
    pub fn or_null(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        self.set(
            name,
            value.map_or(Value::Null, |s| Value::Str(s.to_owned())),
        )
    }

    /// The value of property `name`, if it is set (for the tests).
    pub fn get(&self, name: &str) -> Option<&Value<H>> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

impl<H: Serialize> Serialize for Value<H> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(v) => s.serialize_str(v),
            Value::Name(v) => s.serialize_str(v),
            Value::Num(v) => s.serialize_f64(*v),
            Value::Null => s.serialize_unit(),
            Value::Host(v) => v.serialize(s),
        }
    }
}

impl<H: Serialize> Serialize for Record<H> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
