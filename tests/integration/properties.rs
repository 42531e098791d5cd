//! Differential property tests against independent oracles (issue 18 §5):
//! the exact moments against integer arithmetic on dyadic values (exact
//! rationals), the date-time parser against jiff, and exact quantiles
//! against a sorted copy of the data.

use proptest::prelude::*;
use synthkit::stats::{Moments, Quantiles};

/// Rounds the rational `num / den` (den > 0) to the nearest double the
/// plain way; the values here keep num and den far below 2^53, so the one
/// division is correctly rounded.
fn ratio(num: i128, den: i128) -> f64 {
    num as f64 / den as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // Values k/1024 are exact doubles, so the exact mean and sample variance
    // are rationals computed with integers.
    #[test]
    fn moments_equal_exact_rational_arithmetic(ks in prop::collection::vec(-1_000_000i64..1_000_000, 2..200)) {
        let mut m = Moments::default();
        for &k in &ks {
            m.push(k as f64 / 1024.0);
        }
        let n = ks.len() as i128;
        let sum: i128 = ks.iter().map(|&k| k as i128).sum();
        let squares: i128 = ks.iter().map(|&k| (k as i128) * (k as i128)).sum();
        let mean = m.mean().unwrap();
        let exact_mean = ratio(sum, n * 1024);
        prop_assert!((mean - exact_mean).abs() <= exact_mean.abs() * f64::EPSILON, "{mean} vs {exact_mean}");
        // Sample variance: (n Σk² − (Σk)²) / (n (n − 1) 1024²).
        let var = m.variance().unwrap();
        let exact_var = ratio(n * squares - sum * sum, n * (n - 1) * 1024 * 1024);
        prop_assert!((var - exact_var).abs() <= exact_var.abs() * 4.0 * f64::EPSILON, "{var} vs {exact_var}");
        // Split anywhere and merged: the same state.
        let cut = ks.len() / 2;
        let (mut a, mut b) = (Moments::default(), Moments::default());
        for &k in &ks[..cut] { a.push(k as f64 / 1024.0) }
        for &k in &ks[cut..] { b.push(k as f64 / 1024.0) }
        b.merge(&a);
        prop_assert_eq!(b.to_json(), m.to_json());
    }

    // Exact quantiles (few distinct values) are linear interpolation between
    // the closest ranks of the sorted data.
    #[test]
    fn exact_quantiles_equal_a_sorted_copy(values in prop::collection::vec(-50i32..50, 1..3000), q in 0u32..=100) {
        let mut quantiles = Quantiles::default();
        for &v in &values {
            quantiles.push(v as f64);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let (min, max) = (sorted[0] as f64, sorted[sorted.len() - 1] as f64);
        let p = q as f64 / 100.0;
        let got = quantiles.quantiles(&[p], min, max)[0].unwrap();
        let position = p * (sorted.len() - 1) as f64;
        let low = position.floor() as usize;
        let high = (low + 1).min(sorted.len() - 1);
        let fraction = position - low as f64;
        let expected = sorted[low] as f64 + (sorted[high] - sorted[low]) as f64 * fraction;
        prop_assert!((got - expected).abs() <= 1e-9 * expected.abs().max(1.0), "p{q}: {got} vs {expected}");
    }

    // The date-time parser agrees with jiff on which texts are valid RFC 3339
    // instants and on the instant itself.
    #[test]
    fn date_times_agree_with_jiff(
        year in 1i32..9999, month in 0u8..14, day in 0u8..33,
        hour in 0u8..25, minute in 0u8..61, second in 0u8..60,
        offset_minutes in -900i32..900,
    ) {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let off = offset_minutes.abs();
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{sign}{:02}:{:02}",
            off / 60,
            off % 60
        );
        let ours = synthkit::time::parse_date_time(&text).and_then(|t| t.instant_nanos());
        let theirs = text.parse::<jiff::Timestamp>().ok().map(|t| t.as_nanosecond());
        prop_assert_eq!(ours, theirs, "{}", text);
    }

    // The spellings around the core form (review: the test above only made
    // `YYYY-MM-DDThh:mm:ss±hh:mm`): Z or z, fractions of 0 to 10 digits, a
    // leap second, a lowercase t or a space, no seconds, and bytes cut or
    // inserted anywhere. Every instant we accept, jiff reads as the same
    // instant; and of the RFC 3339 forms we document (T, Z or ±hh:mm, 1 to 9
    // fraction digits, second below 60) we accept exactly what jiff accepts.
    #[test]
    fn date_time_spellings_agree_with_jiff(
        year in 1i32..9999, month in 1u8..13, day in 1u8..32,
        hour in 0u8..24, minute in 0u8..60, second in 0u8..61,
        fraction in proptest::option::of("[0-9]{0,10}"),
        separator in prop_oneof![Just("T"), Just("t"), Just(" ")],
        offset in prop_oneof![
            Just("Z".to_string()),
            Just("z".to_string()),
            (-1439i32..1440).prop_map(|m| format!("{}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60)),
        ],
        no_seconds in proptest::bool::weighted(0.1),
        damage in proptest::option::weighted(0.2, (0usize..40, "[ -~]{0,2}")),
    ) {
        let mut text = format!("{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}");
        if !no_seconds {
            text.push_str(&format!(":{second:02}"));
            if let Some(f) = &fraction {
                text.push('.');
                text.push_str(f);
            }
        }
        text.push_str(&offset);
        let documented = separator == "T" && offset != "z" && !no_seconds && second < 60
            && fraction.as_ref().is_none_or(|f| (1..=9).contains(&f.len()));
        if let Some((at, insert)) = &damage {
            let at = (*at).min(text.len());
            text.replace_range(at..(at + 1).min(text.len()), insert);
        }
        let ours = synthkit::time::parse_date_time(&text).and_then(|t| t.instant_nanos());
        let theirs = text.parse::<jiff::Timestamp>().ok().map(|t| t.as_nanosecond());
        if let Some(instant) = ours {
            prop_assert_eq!(Some(instant), theirs, "we accept {:?}", text);
        }
        if documented && damage.is_none() {
            prop_assert_eq!(ours, theirs, "{:?}", text);
        }
    }
}
