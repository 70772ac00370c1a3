//! A structure-aware generator of inputs near valid ones (JWTs, `/tokens`
//! bodies, broadcast messages, option strings), so they reach deep into each
//! parser. Shared by the host fuzzer (`mod.rs`) and the browser test that
//! runs the browser's JSON path (`src/web/browser_tests.rs`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use session_swr::core::Rng;
use session_swr::core::{token_id, Field, IncomingBroadcast};

const JSON_BITS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "1e999",
    "-0",
    "1.5",
    "9007199254740993",
    "\"oiat\"",
    "\"iat\"",
    "\"exp\"",
    "\"sid\"",
    "\"o\"",
    "\"id\"",
    "\"org_id\"",
    "\"jwt\"",
    "\u{00e9}",
    "\u{1F600}",
    "\u{0}",
    " ",
    "\n",
    "{}",
    "[]",
    "\"sess_1\"",
    "{\"id\":1}",
];

pub struct Gen {
    rng: Rng,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
        }
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.next_f64() < p
    }

    fn number(&mut self) -> String {
        match self.below(6) {
            0 => format!("{}", self.below(3_000_000_000)),
            1 => format!("-{}", self.below(1000)),
            2 => format!("{}.{}", self.below(2_000_000_000), self.below(1000)),
            3 => "1e308".into(),
            4 => "\"12\"".into(),
            _ => "null".into(),
        }
    }

    /// A JSON object text near the shape of a JWT header or payload.
    fn json(&mut self) -> String {
        let mut fields = Vec::new();
        // Times near the fuzzer's clock (1.7e9), `exp` after `iat`, as a
        // live token has them: random ones alone are almost never servable,
        // so the paths past the expiry check would go unfuzzed.
        let live = self.chance(0.4);
        let iat = 1_700_000_000 - self.below(30) as i64;
        for key in ["oiat", "iat", "exp", "sid", "org_id", "o", "alg"] {
            if self.chance(0.6) {
                let v = match key {
                    "oiat" | "iat" if live => format!("{}", iat - self.below(3) as i64),
                    "exp" if live => format!("{}", iat + 10 + self.below(60) as i64),
                    "sid" | "org_id" | "alg" => {
                        if self.chance(0.8) {
                            "\"sess_1\"".to_string()
                        } else {
                            self.number()
                        }
                    }
                    "o" => match self.below(10) {
                        0 => self.nested(),
                        1 => self.wide(),
                        2 => "[1]".into(),
                        _ => format!("{{\"id\":\"org_{}\"}}", self.below(9)),
                    },
                    _ if self.chance(0.05) => self.nested(),
                    _ => self.number(),
                };
                fields.push(format!("\"{key}\":{v}"));
            }
        }
        let mut s = format!("{{{}}}", fields.join(","));
        if self.chance(0.2) {
            self.mutate_text(&mut s);
        }
        s
    }

    fn mutate_text(&mut self, s: &mut String) {
        let rounds = 1 + self.below(3);
        for _ in 0..rounds {
            let mut at = self.below(s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            match self.below(4) {
                0 => {
                    let bit = JSON_BITS[self.below(JSON_BITS.len())];
                    s.insert_str(at, bit);
                }
                1 => s.truncate(at),
                2 => {
                    let mut end = (at + 1 + self.below(8)).min(s.len());
                    while !s.is_char_boundary(end) {
                        end += 1;
                    }
                    s.replace_range(at..end, "");
                }
                _ => s.insert(at, char::from(self.below(128) as u8)),
            }
        }
    }

    fn part(&mut self, text: &str) -> String {
        match self.below(10) {
            0 => STANDARD.encode(text),
            1 => String::new(),
            2 => "%%%".into(),
            3 => URL_SAFE_NO_PAD.encode(
                (0..self.below(40))
                    .map(|_| self.rng.next_u64() as u8)
                    .collect::<Vec<_>>(),
            ),
            _ => URL_SAFE_NO_PAD.encode(text),
        }
    }

    /// A string near a JWT.
    pub fn jwt(&mut self) -> String {
        let header = self.json();
        let payload = self.json();
        let mut parts = vec![self.part(&header), self.part(&payload), "c2ln".to_string()];
        match self.below(12) {
            0 => {
                parts.pop();
            }
            1 => parts.push("eA".into()),
            2 => parts[2] = "!!".into(),
            _ => {}
        }
        let mut s = parts.join(".");
        if self.chance(0.1) {
            self.mutate_text(&mut s);
        }
        if self.chance(0.002) {
            s = "a".repeat(17 * 1024);
        }
        s
    }

    /// A decodable token near the fuzzer's clock, its claims varied.
    pub fn live_jwt(&mut self) -> String {
        let iat = 1_700_000_000 - self.below(30) as i64;
        let oiat = iat - self.below(5) as i64;
        let exp = iat + 10 + self.below(60) as i64;
        let sid = ["sess_1", "sess_1", "sess_1", "sess_2"][self.below(4)];
        let header = format!(r#"{{"alg":"RS256","oiat":{oiat}}}"#);
        let payload = format!(r#"{{"sid":"{sid}","iat":{iat},"exp":{exp}}}"#);
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn field(&mut self, good: &str) -> Field {
        match self.below(8) {
            0 => Field::Missing,
            1 => Field::Null,
            2 => Field::Other,
            3 => Field::Str(String::new()),
            4 => Field::Str(format!("{good}-x")),
            _ => Field::Str(good.to_owned()),
        }
    }

    pub fn broadcast(&mut self) -> IncomingBroadcast {
        let template = if self.chance(0.3) {
            self.field("t")
        } else {
            Field::Missing
        };
        let org = if self.chance(0.3) {
            self.field("org_1")
        } else {
            Field::Null
        };
        let tid = match (&template, &org) {
            (Field::Str(t), Field::Str(o)) => token_id("sess_1", Some(t), Some(o)),
            (Field::Str(t), _) => token_id("sess_1", Some(t), None),
            (_, Field::Str(o)) => token_id("sess_1", None, Some(o)),
            _ => "sess_1".into(),
        };
        // Half the time a live token, so that the checks after decoding
        // (expiry, `sid`, the guard) see inputs that reach them.
        let raw = if self.chance(0.5) {
            self.live_jwt()
        } else {
            self.jwt()
        };
        IncomingBroadcast {
            token_id: self.field(&tid),
            token_raw: if self.chance(0.9) {
                Field::Str(raw)
            } else {
                Field::Other
            },
            session_id: self.field("sess_1"),
            template,
            organization_id: org,
        }
    }

    /// A value nested up to 2,000 levels (arrays, objects, or `{"id": …}`
    /// chains, the shape the core follows), around every depth bound.
    fn nested(&mut self) -> String {
        let depth = [1, 2, 31, 32, 33, 127, 128, 129, 2_000][self.below(9)];
        let (open, close) = match self.below(3) {
            0 => ("[", "]"),
            1 => ("{\"a\":", "}"),
            _ => ("{\"id\":", "}"),
        };
        format!("{}\"x\"{}", open.repeat(depth), close.repeat(depth))
    }

    /// An object or array with thousands of members.
    fn wide(&mut self) -> String {
        let n = 1 + self.below(3_000);
        if self.chance(0.5) {
            let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{},\"id\":\"org_1\"}}", members.join(","))
        } else {
            format!("[{}]", vec!["{}"; n].join(","))
        }
    }

    pub fn body(&mut self) -> String {
        let mut s = match self.below(6) {
            0 => format!("{{\"object\":\"token\",\"jwt\":\"{}\"}}", self.jwt()),
            5 => format!("{{\"object\":\"token\",\"jwt\":\"{}\"}}", self.live_jwt()),
            1 => format!("{{\"jwt\":{}}}", self.number()),
            2 => self.json(),
            3 => format!("{{\"object\":\"token\",\"jwt\":{}}}", self.nested()),
            _ => format!("[\"{}\"]", self.jwt()),
        };
        if self.chance(0.7) {
            self.mutate_text(&mut s);
        }
        s
    }

    pub fn text(&mut self, base: &str) -> String {
        let mut s = base.to_owned();
        self.mutate_text(&mut s);
        s
    }
}
