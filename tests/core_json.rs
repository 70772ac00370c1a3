//! The JSON reader behind JWT and response decoding.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use session_swr::core::json::{parse_object, Value, MAX_DEPTH};

fn obj(s: &str) -> Option<Value> {
    parse_object(s.as_bytes())
}

#[test]
fn reads_objects_with_every_kind_of_value() {
    let v = obj(r#" {"a": 1, "b": "x", "c": [true, false, null], "d": {"e": -2.5e1}} "#).unwrap();
    assert_eq!(v.get("a").and_then(Value::as_f64), Some(1.0));
    assert_eq!(v.get("b").and_then(Value::as_str), Some("x"));
    assert_eq!(
        v.get("c"),
        Some(&Value::Arr(vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Null
        ]))
    );
    assert_eq!(
        v.get("d").and_then(|d| d.get("e")).and_then(Value::as_f64),
        Some(-25.0)
    );
}

#[test]
fn numbers_are_exact_for_epoch_seconds_and_read_fractions() {
    for n in [0u64, 1, 1_700_000_000, 9_007_199_254_740_991] {
        assert_eq!(
            obj(&format!(r#"{{"n":{n}}}"#))
                .unwrap()
                .get("n")
                .unwrap()
                .as_f64(),
            Some(n as f64)
        );
    }
    let v = obj(r#"{"a":1700000000.25,"b":1E3,"c":2e-3,"d":0.5}"#).unwrap();
    assert_eq!(v.get("a").unwrap().as_f64(), Some(1_700_000_000.25));
    assert_eq!(v.get("b").unwrap().as_f64(), Some(1000.0));
    assert!((v.get("c").unwrap().as_f64().unwrap() - 0.002).abs() < 1e-15);
    assert_eq!(v.get("d").unwrap().as_f64(), Some(0.5));
    assert_eq!(
        obj(r#"{"x":1e999}"#).unwrap().get("x").unwrap().as_f64(),
        Some(f64::INFINITY)
    );
}

#[test]
fn decodes_string_escapes_and_surrogate_pairs() {
    let v = obj(r#"{"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00"}"#).unwrap();
    assert_eq!(v.get("s").unwrap().as_str(), Some("a\"b\\c/d\n\té😀"));
    let v = obj("{\"s\":\"héllo 😀\"}").unwrap();
    assert_eq!(v.get("s").unwrap().as_str(), Some("héllo 😀"));
}

#[test]
fn last_duplicate_key_wins_like_json_parse() {
    assert_eq!(
        obj(r#"{"a":1,"a":2}"#).unwrap().get("a").unwrap().as_f64(),
        Some(2.0)
    );
}

#[test]
fn rejects_everything_that_is_not_one_strict_json_object() {
    let bad = [
        "",
        " ",
        "[]",
        "1",
        "\"s\"",
        "null",
        "{",
        "}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\":1}x",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":-}",
        "{\"a\":1e}",
        "{\"a\":+1}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"line\nbreak\"}",
        "{\"a\":[1,]}",
        "{\"a\":[1 2]}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":\"unterminated}",
        "/*c*/{}",
    ];
    for s in bad {
        assert_eq!(obj(s), None, "accepted {s:?}");
    }
    assert_eq!(
        parse_object(&[b'{', b'"', 0xff, b'"', b':', b'1', b'}']),
        None,
        "invalid UTF-8"
    );
}

#[test]
fn nesting_is_limited_instead_of_overflowing_the_stack() {
    let ok = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(obj(&ok).is_some());
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(obj(&deep), None);
}
