//! A small JSON reader for the few documents the core reads: JWT headers and
//! payloads, and `/tokens` response bodies. It replaces serde + serde_json,
//! which cost most of the package's size budget for three fields.
//!
//! Strict RFC 8259 syntax (no trailing commas, comments or lone surrogates),
//! nesting limited to [`MAX_DEPTH`], the last of duplicate keys wins (as with
//! `JSON.parse`). Numbers are read exactly up to 2^53 and to within a few ulps
//! beyond, plenty for epoch seconds.

use super::float::pow10;
use crate::prelude::*;

/// Deeper documents are rejected rather than risk the stack.
pub const MAX_DEPTH: usize = 32;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Value>),
    /// An object, keys in document order.
    Obj(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object (the last one, if repeated).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses `bytes` as one JSON object (surrounding whitespace allowed).
pub fn parse_object(bytes: &[u8]) -> Option<Value> {
    let text = ::core::str::from_utf8(bytes).ok()?;
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    if p.peek() != Some(b'{') {
        return None;
    }
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.bump()? == b).then_some(())
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Option<Value> {
        let end = self.i.checked_add(word.len())?;
        (self.s.get(self.i..end)? == word).then(|| {
            self.i = end;
            v
        })
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::Str),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => self.number().map(Value::Num),
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        self.eat(b'{')?;
        let mut members = Vec::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Value::Obj(members));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            match self.bump()? {
                b',' => {}
                b'}' => return Some(Value::Obj(members)),
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Value::Arr(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.bump()? {
                b',' => {}
                b']' => return Some(Value::Arr(items)),
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = char::from(self.bump()?).to_digit(16)?;
            n = n * 16 + d;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote or escape in one go; the input
            // is valid UTF-8 and both delimiters are ASCII.
            let start = self.i;
            while !matches!(self.peek()?, b'"' | b'\\') {
                if self.s[self.i] < 0x20 {
                    return None;
                }
                self.i += 1;
            }
            out.push_str(::core::str::from_utf8(&self.s[start..self.i]).ok()?);
            if self.bump()? == b'"' {
                return Some(out);
            }
            let c = match self.bump()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&hi) {
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let lo = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return None;
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        hi
                    };
                    char::from_u32(code)?
                }
                _ => return None,
            };
            out.push(c);
        }
    }

    fn digits(&mut self) -> (u64, i32, usize) {
        // Mantissa digits beyond 19 only shift the exponent.
        let (mut m, mut extra, mut count) = (0u64, 0i32, 0usize);
        while let Some(d @ b'0'..=b'9') = self.peek() {
            self.i += 1;
            count += 1;
            if m < 1_000_000_000_000_000_000 {
                m = m * 10 + u64::from(d - b'0');
            } else {
                extra = extra.saturating_add(1);
            }
        }
        (m, extra, count)
    }

    fn number(&mut self) -> Option<f64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.i += 1;
        }
        let leading_zero = self.peek()? == b'0';
        let (mut m, mut exp, n) = self.digits();
        if n == 0 || (leading_zero && n > 1) {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let (frac, places, k) = self.fraction(m);
            if k == 0 {
                return None;
            }
            m = frac;
            exp = exp.saturating_sub(places);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let sign = match self.peek()? {
                b'-' => {
                    self.i += 1;
                    -1
                }
                b'+' => {
                    self.i += 1;
                    1
                }
                _ => 1,
            };
            let (e, _, k) = self.digits();
            if k == 0 {
                return None;
            }
            let e = i32::try_from(e.min(100_000)).unwrap_or(100_000);
            exp = exp.saturating_add(sign * e);
        }
        // Integers below 2^53 (every epoch second) come out exact.
        #[allow(clippy::cast_precision_loss)]
        let mut v = m as f64;
        if exp > 0 {
            v *= pow10(exp.unsigned_abs());
        } else if exp < 0 {
            v /= pow10(exp.unsigned_abs());
        }
        Some(if negative { -v } else { v })
    }

    /// Reads fraction digits into the mantissa `m`: the new mantissa, the
    /// decimal places it gained, and how many digits were read.
    fn fraction(&mut self, mut m: u64) -> (u64, i32, usize) {
        let (mut places, mut count) = (0i32, 0usize);
        while let Some(d @ b'0'..=b'9') = self.peek() {
            self.i += 1;
            count += 1;
            if m < 1_000_000_000_000_000_000 {
                m = m * 10 + u64::from(d - b'0');
                places += 1;
            }
        }
        (m, places, count)
    }
}
