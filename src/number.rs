//! Numbers by value: the one canonical spelling of a JSON number's exact
//! decimal value, so `1`, `1.0`, `1e0` and `10e-1` are one value (one
//! `--by` group, one row of a value table, one distinct value) wherever a
//! tool counts values, while the string `"1"` stays another value.
//!
//! The key is computed from the number's *decimal text*, never through a
//! double: the digits are normalised (leading and trailing zeros dropped,
//! the exponent adjusted), so two spellings share a key exactly when they
//! have the same decimal value. `9007199254740993` (2^53 + 1) and
//! `9007199254740992` stay apart although they are the same double, and so
//! do `0.1` and `0.1000000000000000000001`; `-0` and `0` are one value (0).
//!
//! The canonical spelling follows the layout of ECMAScript's
//! Number::toString (ECMA-262, "Number::toString", the rules for k digits
//! and exponent n), applied to the exact digits: integers up to 21 digits
//! without a fraction or exponent (`1`, not `1.0`), plain decimals down to
//! 0.000001 (`0.3`, `0.000125`), exponent notation otherwise (`1e21`,
//! `1.5e-7`). For every number written with at most 17 significant digits
//! that is the shortest round-trip spelling a JavaScript or Python reader
//! prints for it.
//!
//! An exponent too large for 64-bit arithmetic (the scanner already refuses
//! such numbers, beyond the range of a double) keeps its own text as its
//! key: such a value may fail to meet an equal one spelled differently, but
//! it never shares a key with a different value.

use crate::json::{self, Kind, Raw};

/// The canonical spelling of the JSON number `text`, or `None` when `text`
/// is not a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
pub fn canonical(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = &bytes[int_start..i];
    if int_digits.is_empty() || (int_digits.len() > 1 && int_digits[0] == b'0') {
        return None;
    }
    let mut frac_digits: &[u8] = &[];
    if bytes.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = &bytes[start..i];
        if frac_digits.is_empty() {
            return None;
        }
    }
    let mut exponent: Option<i64> = Some(0);
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let exp_negative = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut value: Option<i64> = Some(0);
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            value = value
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(i64::from(d - b'0')));
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent = if exp_negative { value.map(|v| -v) } else { value };
    }
    if i != bytes.len() {
        return None;
    }
    // All digits as one integer D, with value D × 10^e.
    let digits: Vec<u8> = int_digits.iter().chain(frac_digits).copied().collect();
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return Some("0".to_string());
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let significant = &digits[first..=last];
    let trailing_zeros = (digits.len() - 1 - last) as i64;
    let e = exponent
        .and_then(|e| e.checked_sub(frac_digits.len() as i64))
        .and_then(|e| e.checked_add(trailing_zeros));
    let Some(e) = e else {
        // Beyond 64-bit exponent arithmetic: the text is its own key.
        return Some(text.to_string());
    };
    let Some(point) = e.checked_add(significant.len() as i64) else {
        return Some(text.to_string());
    };
    Some(layout(negative, significant, point))
}

/// Whether `text` is already its own canonical spelling, told without
/// allocating: a plain integer (`42`, `-7`) or a plain decimal without
/// trailing zeros in the range written without an exponent (`0.87`,
/// `-12.5`, `0.00001`) — the scores and ratings the tools count most.
fn is_canonical(text: &[u8]) -> bool {
    if text == b"0" {
        return true;
    }
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], Some(&digits[dot + 1..])),
        None => (digits, None),
    };
    let all_digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if !all_digits(int) || int.len() > 21 {
        return false;
    }
    match frac {
        None => int[0] != b'0',
        Some(frac) => {
            if !all_digits(frac) || frac.last() == Some(&b'0') {
                return false;
            }
            match int {
                // 0.000001 is written 1e-6.
                b"0" => frac.iter().take_while(|&&d| d == b'0').count() < 6,
                _ => int[0] != b'0',
            }
        }
    }
}

/// Appends the canonical spelling of the JSON number `text` to `out` (its
/// own bytes when it is not a JSON number); plain integers and decimals, the
/// common case, without an allocation.
pub fn push_canonical(text: &[u8], out: &mut Vec<u8>) {
    if is_canonical(text) {
        out.extend_from_slice(text);
        return;
    }
    match std::str::from_utf8(text).ok().and_then(canonical) {
        Some(spelling) => out.extend_from_slice(spelling.as_bytes()),
        None => out.extend_from_slice(text),
    }
}

/// `0.d₁d₂…dₖ × 10^point` laid out as ECMAScript writes k digits with the
/// decimal point `point` places in.
fn layout(negative: bool, digits: &[u8], point: i64) -> String {
    let k = digits.len() as i64;
    let digits = std::str::from_utf8(digits).unwrap_or("0");
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if k <= point && point <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
    } else if 0 < point && point <= 21 {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push_str(&(point - 1).to_string());
    }
    out
}

/// The canonical spelling of a number value (`raw.kind == Number`); any
/// other value gets `None`.
pub fn canonical_raw(raw: &Raw<'_>) -> Option<String> {
    if raw.kind != Kind::Number {
        return None;
    }
    Some(canonical(raw.text()).unwrap_or_else(|| raw.text().to_string()))
}

/// The label of a `--by` value, counting numbers by value: a number's
/// canonical spelling (`1.0` and `1e0` are the group `1`), otherwise
/// [`json::class_label`] (a string that reads as a number keeps its quotes,
/// so the string `"1"` is never the group of the number 1).
pub fn value_label(raw: Option<&Raw<'_>>) -> String {
    match raw.and_then(canonical_raw) {
        Some(number) => number,
        None => json::class_label(raw),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_allocation_free_path_agrees_with_canonical() {
        for text in [
            "0",
            "-0",
            "42",
            "-7",
            "0.87",
            "-12.5",
            "0.00001",
            "0.000001",
            "1.50",
            "00.5",
            "0.",
            ".5",
            "1e0",
            "12345678901234567890123",
            "1234567890123456789012",
            "0.0",
            "-0.25",
        ] {
            let fast = super::is_canonical(text.as_bytes());
            if fast {
                assert_eq!(super::canonical(text).as_deref(), Some(text), "{text}");
            }
            let mut out = Vec::new();
            super::push_canonical(text.as_bytes(), &mut out);
            let want = super::canonical(text).unwrap_or_else(|| text.to_string());
            assert_eq!(String::from_utf8(out).unwrap(), want, "{text}");
        }
    }

    use super::*;

    fn c(text: &str) -> String {
        canonical(text).unwrap()
    }

    #[test]
    fn spellings_of_one_value_share_one_key() {
        for same in [
            &["0", "0.0", "-0", "0e5", "0.000E-3", "-0.0"][..],
            &["1", "1.0", "1e0", "10e-1", "0.1e1", "1.000E+0", "100e-2"],
            &["-2.5", "-25e-1", "-0.25E1", "-2.50"],
            &["1000", "1e3", "1.0e3", "10E2", "1000.000"],
            &["0.3", "3e-1", "0.30", "30E-2"],
        ] {
            let key = c(same[0]);
            for text in same {
                assert_eq!(c(text), key, "{text}");
            }
        }
        assert_eq!(c("1.0"), "1");
        assert_eq!(c("0.0"), "0");
        assert_eq!(c("-25e-1"), "-2.5");
        assert_eq!(c("1e3"), "1000");
    }

    #[test]
    fn different_values_never_share_a_key() {
        // Beyond 2^53, different integers are one double: not one value here.
        assert_ne!(c("9007199254740993"), c("9007199254740992"));
        assert_eq!(c("9007199254740993"), "9007199254740993");
        assert_ne!(c("0.1"), c("0.1000000000000000000001"));
        assert_ne!(c("1e300"), c("1e301"));
        assert_ne!(c("1"), c("-1"));
        assert_ne!(c("12345678901234567890123"), c("12345678901234567890124"));
        assert_eq!(c("12345678901234567890123"), "1.2345678901234567890123e22");
    }

    #[test]
    fn layout_is_the_shortest_decimal_a_reader_expects() {
        for (text, want) in [
            ("0.30000000000000004", "0.30000000000000004"),
            ("1e21", "1e21"),
            ("1e20", "100000000000000000000"),
            ("0.000001", "0.000001"),
            ("1e-7", "1e-7"),
            ("1.5E-7", "1.5e-7"),
            ("123.456", "123.456"),
            ("-0.00012", "-0.00012"),
            ("2.5e400", "2.5e400"),
        ] {
            assert_eq!(c(text), want, "{text}");
        }
        // Where a double prints its shortest round trip, this agrees.
        for x in [0.1, 0.3, 1.5, 123.456, 1e-5, 2.5e-7, 9.75e15, 1e300] {
            let shortest = format!("{x:e}");
            assert_eq!(c(&shortest), c(&x.to_string()), "{x}");
            assert_eq!(c(&shortest).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn huge_exponents_do_not_collide_or_overflow() {
        let a = c("1e99999999999999999999");
        let b = c("1e99999999999999999998");
        assert_ne!(a, b);
        assert_eq!(c("1e9223372036854775807"), "1e9223372036854775807");
        assert_ne!(c("1e-9223372036854775808"), c("1e-9223372036854775807"));
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_rule() {
        for text in [
            "0",
            "-0",
            "7",
            "-42",
            "123456789012345678901",
            "1234567890123456789012",
            "1.0",
            "1e2",
            "x",
        ] {
            let mut out = Vec::new();
            push_canonical(text.as_bytes(), &mut out);
            let want = canonical(text).unwrap_or_else(|| text.to_string());
            assert_eq!(String::from_utf8(out).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn non_numbers_have_no_key() {
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1x", "NaN", "0x10"] {
            assert_eq!(canonical(bad), None, "{bad}");
        }
    }
}
