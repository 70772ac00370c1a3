//! SPEC 7: decoding accepts exactly three base64url parts of JSON objects and
//! rejects everything else without panicking.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use session_swr::core::{
    interpret, DecodeError, Error, Failure, FetchOutcome, Json, Jwt, SerdeJson, ServerTime,
};
use support::{b64, jwt_with};

#[test]
fn decodes_header_oiat_and_claims() {
    let raw = jwt_with(Some(123.0), 200.0, 260.0, r#","org_id":"org_9""#);
    let jwt = Jwt::decode(&raw, &SerdeJson).unwrap();
    assert_eq!(jwt.raw, raw);
    assert_eq!(jwt.oiat, Some(ServerTime(123.0)));
    assert_eq!(jwt.iat, Some(ServerTime(200.0)));
    assert_eq!(jwt.exp, Some(ServerTime(260.0)));
    assert_eq!(jwt.sid.as_deref(), Some("sess_1"));
    assert_eq!(jwt.remaining(ServerTime(250.5)), 9.5);
}

#[test]
fn claims_the_core_does_not_read_change_nothing() {
    let plain = Jwt::decode(&jwt_with(None, 1.0, 2.0, ""), &SerdeJson).unwrap();
    let raw = jwt_with(None, 1.0, 2.0, r#","o":{"id":"org_v2","rol":"admin"}"#);
    let with_o = Jwt::decode(&raw, &SerdeJson).unwrap();
    assert_eq!(
        (with_o.iat, with_o.exp, with_o.sid.clone(), with_o.oiat),
        (plain.iat, plain.exp, plain.sid.clone(), plain.oiat)
    );
}

#[test]
fn oiat_only_counts_in_the_header() {
    let h = b64(r#"{"alg":"RS256"}"#);
    let p = b64(r#"{"iat":1,"exp":2,"oiat":50}"#);
    let jwt = Jwt::decode(&format!("{h}.{p}.c2ln"), &SerdeJson).unwrap();
    assert_eq!(jwt.oiat, None);
}

#[test]
fn non_numeric_times_are_absent_not_errors() {
    let h = b64(r#"{"oiat":"100"}"#);
    let p = b64(r#"{"iat":"1","exp":null}"#);
    let jwt = Jwt::decode(&format!("{h}.{p}.c2ln"), &SerdeJson).unwrap();
    assert_eq!((jwt.oiat, jwt.iat, jwt.exp), (None, None, None));
    assert!(!jwt.has_times());
}

#[test]
fn tolerates_padded_base64url() {
    let h = "eyJhbGciOiJub25lIn0="; // {"alg":"none"} padded
    let p = b64(r#"{"iat":1,"exp":2}"#);
    assert!(Jwt::decode(&format!("{h}.{p}.c2ln"), &SerdeJson).is_ok());
}

#[test]
fn rejects_malformed_structure() {
    let h = b64(r#"{"alg":"RS256"}"#);
    let p = b64(r#"{"iat":1}"#);
    let cases: Vec<(String, DecodeError)> = vec![
        (String::new(), DecodeError::Empty),
        (format!("{h}.{p}"), DecodeError::Parts),
        (format!("{h}.{p}.c2ln.c2ln"), DecodeError::Parts),
        (format!("{h}..c2ln"), DecodeError::Parts),
        (format!("{h}.{p}."), DecodeError::Parts),
        (format!("{h}.{p}.c2l*"), DecodeError::Base64),
        (format!("{h}.%%%.c2ln"), DecodeError::Base64),
        (format!("{h}.{}.c2ln", b64("[1,2]")), DecodeError::Json),
        (format!("{h}.{}.c2ln", b64("\"str\"")), DecodeError::Json),
        (format!("{h}.{}.c2ln", b64("{\"iat\":")), DecodeError::Json),
        (format!("{}.{p}.c2ln", b64("null")), DecodeError::Json),
    ];
    for (raw, want) in cases {
        assert_eq!(
            Jwt::decode(&raw, &SerdeJson).err(),
            Some(want),
            "input {raw:?}"
        );
    }
}

#[test]
fn rejects_invalid_utf8() {
    use base64::Engine;
    let bad = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([b'{', 0xff, 0xfe, b'}']);
    let p = b64(r#"{"iat":1}"#);
    assert_eq!(
        Jwt::decode(&format!("{bad}.{p}.c2ln"), &SerdeJson).err(),
        Some(DecodeError::Json)
    );
}

#[test]
fn rejects_tokens_over_16_kib() {
    let filler = "a".repeat(16 * 1024);
    let raw = jwt_with(Some(1.0), 1.0, 2.0, &format!(r#","x":"{filler}""#));
    assert_eq!(
        Jwt::decode(&raw, &SerdeJson).err(),
        Some(DecodeError::TooLong)
    );
}

#[test]
fn debug_output_never_contains_the_token() {
    let raw = jwt_with(Some(1.0), 1.0, 2.0, "");
    let shown = format!("{:?}", Jwt::decode(&raw, &SerdeJson).unwrap());
    assert!(!shown.contains(&raw[..20]), "{shown}");
    let body = format!(r#"{{"object":"token","jwt":"{raw}"}}"#);
    let response = SerdeJson.object(&body);
    assert!(response.is_some());
    let shown = format!("{response:?}");
    assert!(!shown.contains(&raw[..20]), "{shown}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic sweep; the fuzz target goes much further.
    let mut seed = 7u64;
    for len in 0..400 {
        let s: String = (0..len)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b"eyJ.abc-_=.{}\"01"[(seed >> 60) as usize])
            })
            .collect();
        let _ = Jwt::decode(&s, &SerdeJson);
    }
}

/// A JWT whose payload is `json`, verbatim.
fn with_payload(json: &str) -> String {
    format!("{}.{}.c2ln", b64(r#"{"alg":"RS256"}"#), b64(json))
}

#[test]
fn a_part_must_be_one_strict_json_object() {
    let bad = [
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
        "{\"a\":\"line\nbreak\"}",
        "{\"a\":[1,]}",
        "{\"a\":[1 2]}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":\"unterminated}",
        "/*c*/{}",
    ];
    for json in bad {
        assert_eq!(
            Jwt::decode(&with_payload(json), &SerdeJson).err(),
            Some(DecodeError::Json),
            "accepted {json:?}"
        );
    }
}

#[test]
fn values_of_every_kind_are_read_or_skipped() {
    let jwt = Jwt::decode(
        &with_payload(
            r#" {"a": [true, false, null, {"x": [1]}], "iat": 1700000000.25, "exp": 2e9,
                "sid": "s\u00e9ss_\ud83d\ude00\"\\/", "o": {"rol": "admin", "id": "org_1"}} "#,
        ),
        &SerdeJson,
    )
    .unwrap();
    assert_eq!(jwt.iat, Some(ServerTime(1_700_000_000.25)));
    assert_eq!(jwt.exp, Some(ServerTime(2e9)));
    assert_eq!(jwt.sid.as_deref(), Some("séss_😀\"\\/"));
    // Epoch seconds are exact up to 2^53.
    let big = Jwt::decode(&with_payload(r#"{"exp":9007199254740991}"#), &SerdeJson).unwrap();
    assert_eq!(big.exp, Some(ServerTime(9_007_199_254_740_991.0)));
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        Jwt::decode(&with_payload(&deep)[..], &SerdeJson).err(),
        Some(DecodeError::TooLong),
        "over 16 KiB"
    );
    // Skipped, not recursed into: a field the core does not read.
    let deep = format!(
        "{{\"a\":{}1{},\"exp\":2}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert_eq!(
        Jwt::decode(&with_payload(&deep), &SerdeJson).unwrap().exp,
        Some(ServerTime(2.0))
    );
}

#[test]
fn base64url_must_be_canonical() {
    // A two-character tail carries one byte and four spare bits, which must
    // be zero: "eA" is 0x78, "eB" the same byte with a spare bit set.
    let h = b64(r#"{"alg":"RS256"}"#);
    let p = b64(r#"{"iat":1,"exp":2}"#);
    assert!(Jwt::decode(&format!("{h}.{p}.eA"), &SerdeJson).is_ok());
    assert_eq!(
        Jwt::decode(&format!("{h}.{p}.eB"), &SerdeJson).err(),
        Some(DecodeError::Base64)
    );
    assert_eq!(
        Jwt::decode(&format!("{h}.{p}.c2ln+/"), &SerdeJson).err(),
        Some(DecodeError::Base64),
        "standard alphabet"
    );
}

/// `{"a": {"a": … 1 …}}` nested `depth` objects deep.
fn nested(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

#[test]
fn a_field_the_core_reads_nests_at_most_32_levels() {
    let with_sid = |depth: usize| with_payload(&format!(r#"{{"exp":2,"sid":{}}}"#, nested(depth)));
    // The documented bound (README, "Failures"): 32 levels below a field.
    assert!(Jwt::decode(&with_sid(32), &SerdeJson).is_ok());
    assert_eq!(
        Jwt::decode(&with_sid(33), &SerdeJson).err(),
        Some(DecodeError::Json),
        "a real token nests two levels; 33 is refused, not walked"
    );
    let arrays = format!(r#"{{"iat":[{}1{}]}}"#, "[".repeat(100), "]".repeat(100));
    assert_eq!(
        Jwt::decode(&with_payload(&arrays), &SerdeJson).err(),
        Some(DecodeError::Json)
    );
}

#[test]
fn a_body_nested_9000_deep_is_an_invalid_response() {
    let depth = 9_000;
    let body = format!(
        r#"{{"object":"token","jwt":{}"x"{}}}"#,
        r#"{"id":"#.repeat(depth),
        "}".repeat(depth)
    );
    assert!(
        // Under the 64 KiB a body may take: refused for its depth alone.
        body.len() > 60_000 && body.len() <= 64 * 1024,
        "{}",
        body.len()
    );
    let outcome = FetchOutcome::Response {
        status: 200,
        retry_after: None,
        body,
    };
    let url = "https://f.test/v1/client/sessions/sess_1/tokens";
    let outcome = interpret(outcome, url, "sess_1", ServerTime(1e9), &SerdeJson);
    let Err(Failure::Final(error)) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        matches!(error.root(), Error::InvalidResponse(_)),
        "{error:?}"
    );
    assert_eq!(error.url(), Some(url), "and says where");
}
