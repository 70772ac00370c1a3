//! The small std stand-ins the `no_std` wasm build uses (`core::text`,
//! `core::float`), checked against the std functions they replace.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use session_swr::core::float::{ceil, pow10, pow2};
use session_swr::core::text::{cat, digits, number, split, split_once};

#[test]
fn ceil_matches_std_on_the_values_the_crate_rounds() {
    let mut x = -3.0;
    while x < 3.0 {
        assert_eq!(ceil(x), x.ceil(), "{x}");
        x += 0.125;
    }
    for x in [
        0.0,
        1e-9,
        0.999_999,
        1.0,
        1.000_001,
        59.2,
        2_147_483_647.5,
        1.7e12 + 0.3,
    ] {
        assert_eq!(ceil(x), x.ceil(), "{x}");
    }
    assert_eq!(ceil(f64::NAN), 0.0);
}

#[test]
fn powers_match_std() {
    for n in 0..=63 {
        assert_eq!(pow2(n), 2f64.powi(n as i32), "2^{n}");
    }
    for n in 0..=22 {
        // Exact in f64 up to 10^22.
        assert_eq!(pow10(n), 10f64.powi(n as i32), "10^{n}");
    }
    assert!(pow10(309).is_infinite());
    assert!(pow10(u32::MAX).is_infinite());
}

#[test]
fn digits_match_std_formatting() {
    for n in [0u64, 1, 9, 10, 35, 36, 1295, 1_700_000_000_000, u64::MAX] {
        assert_eq!(digits(n, 10), n.to_string());
        let mut expect = String::new();
        let mut m = n;
        loop {
            expect.insert(0, char::from_digit((m % 36) as u32, 36).unwrap());
            m /= 36;
            if m == 0 {
                break;
            }
        }
        assert_eq!(digits(n, 36), expect);
    }
    assert_eq!(digits(255, 16), "ff");
    assert_eq!(digits(42, 1), "42", "an invalid radix falls back to 10");
}

#[test]
fn cat_joins_in_order() {
    assert_eq!(cat(&[]), "");
    assert_eq!(cat(&["a", "", "bc", "d"]), "abcd");
}

#[test]
fn split_once_matches_std() {
    let cases = [
        ("https://x.test", "://"),
        ("no separator", "://"),
        ("://", "://"),
        ("a://b://c", "://"),
        ("Sun, 06 Nov 1994", ", "),
        ("é, ü", ", "),
        ("", ", "),
        ("ab", "abc"),
    ];
    for (s, pat) in cases {
        assert_eq!(split_once(s, pat), s.split_once(pat), "{s:?} / {pat:?}");
    }
}

#[test]
fn split_matches_std() {
    let cases = [
        ("a.b.c", b'.'),
        ("a..b.", b'.'),
        (".", b'.'),
        ("", b'.'),
        ("no dot", b'.'),
        ("06 Nov 1994 08:49:37 GMT", b' '),
        ("08:49:37", b':'),
        ("é.ü..ß", b'.'),
    ];
    for (s, b) in cases {
        let ours: Vec<&str> = split(s, b).collect();
        let std: Vec<&str> = s.split(char::from(b)).collect();
        assert_eq!(ours, std, "{s:?} / {:?}", char::from(b));
    }
}

#[test]
fn number_reads_plain_digits_only() {
    for s in ["0", "7", "0042", "1700000000", "18446744073709551615"] {
        assert_eq!(number(s), s.parse::<u64>().ok(), "{s}");
    }
    for s in [
        "",
        "+1",
        "-1",
        "1a",
        " 1",
        "1.5",
        "18446744073709551616",
        "١",
    ] {
        assert_eq!(number(s), None, "{s:?}");
    }
}
