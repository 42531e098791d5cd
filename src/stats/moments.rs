//! Exact moments: [`ExactSum`], a fixed-point superaccumulator that adds
//! every `f64` (or its exact square) without rounding; the little-endian
//! big-integer helpers that turn its state into a double rounded once (also
//! where the result is subnormal, or would overflow on the way); the exact
//! JSON text of doubles in saved states; and [`Moments`], the count,
//! extremes, sum, mean, variance and standard deviation of a stream, whose
//! merged state is the same bits for any split of the values.

use serde_json::{Value, json};

/// Bits of one fixed-point digit; each `i64` limb holds one digit plus room
/// for carries that are propagated lazily.
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;
/// Additions between carry propagations: each touches a limb by < 2^33.
const ADDS_BEFORE_CARRY: u32 = 1 << 28;

/// The smallest subnormal double is 2^-1074.
pub(super) const LINEAR_SCALE: i32 = 1074;
const SQUARE_SCALE: i32 = 2 * LINEAR_SCALE;

/// An exact sum of `f64` values (or of their squares), as a fixed-point
/// integer: limb `i` weighs `2^(32 i - scale)`. Any split of the same values
/// gives the same normalised state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactSum {
    limbs: Vec<i64>,
    pending: u32,
    squares: bool,
}

impl ExactSum {
    /// A sum of values.
    pub fn linear() -> Self {
        ExactSum { limbs: Vec::new(), pending: 0, squares: false }
    }

    /// A sum of squares of values.
    pub fn squares() -> Self {
        ExactSum { limbs: Vec::new(), pending: 0, squares: true }
    }

    fn scale(&self) -> i32 {
        if self.squares { SQUARE_SCALE } else { LINEAR_SCALE }
    }

    fn width(squares: bool) -> usize {
        // Highest bit a term reaches, plus 64 bits of headroom for 2^64 terms.
        if squares { (2 * 2046 + 106 + 31 + 64) / 32 + 2 } else { (2046 + 53 + 31 + 64) / 32 + 2 }
    }

    /// Adds `x` (or `x²`); `x` must be finite.
    pub fn add(&mut self, x: f64) {
        let (mantissa, power) = decompose(x);
        if mantissa == 0 {
            return;
        }
        let negative = x.is_sign_negative() && !self.squares;
        let (magnitude, position) = if self.squares {
            ((mantissa as u128) * (mantissa as u128), 2 * power + SQUARE_SCALE)
        } else {
            (mantissa as u128, power + LINEAR_SCALE)
        };
        self.add_magnitude(negative, magnitude, position as u32);
    }

    /// Adds `k · x` exactly; `x` must be finite. For a sum of values only.
    pub(super) fn add_multiple(&mut self, x: f64, k: u64) {
        let (mantissa, power) = decompose(x);
        if mantissa == 0 || k == 0 {
            return;
        }
        let negative = x.is_sign_negative();
        self.add_magnitude(negative, mantissa as u128 * k as u128, (power + LINEAR_SCALE) as u32);
    }

    fn add_magnitude(&mut self, negative: bool, mut magnitude: u128, position: u32) {
        if self.limbs.is_empty() {
            self.limbs = vec![0; Self::width(self.squares)];
        }
        if self.pending >= ADDS_BEFORE_CARRY {
            self.normalize();
        }
        self.pending += 1;
        let mut k = (position / DIGIT_BITS) as usize;
        let r = position % DIGIT_BITS;
        while magnitude != 0 {
            let shifted = ((magnitude as u32) as u64) << r;
            let (low, high) = ((shifted & DIGIT_MASK as u64) as i64, (shifted >> 32) as i64);
            if negative {
                self.limbs[k] -= low;
                self.limbs[k + 1] -= high;
            } else {
                self.limbs[k] += low;
                self.limbs[k + 1] += high;
            }
            magnitude >>= 32;
            k += 1;
        }
    }

    /// Propagates carries: every limb but the last ends in [0, 2^32).
    fn normalize(&mut self) {
        let last = self.limbs.len().saturating_sub(1);
        for i in 0..last {
            let carry = self.limbs[i] >> DIGIT_BITS;
            self.limbs[i] -= carry << DIGIT_BITS;
            self.limbs[i + 1] += carry;
        }
        self.pending = 0;
    }

    pub fn merge(&mut self, other: &ExactSum) {
        if other.limbs.is_empty() {
            return;
        }
        if self.limbs.is_empty() {
            *self = other.clone();
            return;
        }
        self.normalize();
        let mut other = other.clone();
        other.normalize();
        for (a, b) in self.limbs.iter_mut().zip(&other.limbs) {
            *a += b;
        }
        self.normalize();
    }

    /// Sign and magnitude (little-endian 32-bit digits) of the exact value.
    pub(super) fn big(&self) -> (bool, Vec<u32>) {
        let mut limbs = self.limbs.clone();
        let mut copy = ExactSum { limbs: std::mem::take(&mut limbs), pending: 1, squares: false };
        copy.normalize();
        let negative = copy.limbs.last().is_some_and(|&top| top < 0);
        if negative {
            for limb in &mut copy.limbs {
                *limb = -*limb;
            }
            copy.normalize();
        }
        let mut digits: Vec<u32> = Vec::with_capacity(copy.limbs.len() + 1);
        let last = copy.limbs.len().saturating_sub(1);
        for (i, &limb) in copy.limbs.iter().enumerate() {
            if i == last {
                digits.push(limb as u64 as u32);
                digits.push(((limb as u64) >> 32) as u32);
            } else {
                digits.push(limb as u32);
            }
        }
        trim(&mut digits);
        (negative, digits)
    }

    /// The sum, correctly rounded to the nearest double.
    pub fn value(&self) -> f64 {
        let (negative, digits) = self.big();
        let v = to_f64(&digits, false, self.scale());
        if negative { -v } else { v }
    }

    /// Canonical text of the exact state: a signed hexadecimal integer.
    pub fn to_hex(&self) -> String {
        let (negative, digits) = self.big();
        let mut text = String::new();
        if negative {
            text.push('-');
        }
        if digits.is_empty() {
            text.push('0');
        }
        for (i, d) in digits.iter().rev().enumerate() {
            if i == 0 {
                text.push_str(&format!("{d:x}"));
            } else {
                text.push_str(&format!("{d:08x}"));
            }
        }
        text
    }

    fn from_hex(text: &str, squares: bool) -> Option<ExactSum> {
        let (negative, hex) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if hex.is_empty() || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let width = Self::width(squares);
        let mut sum = ExactSum { limbs: vec![0; width], pending: 0, squares };
        let bytes = hex.as_bytes();
        let mut end = bytes.len();
        let mut k = 0;
        while end > 0 {
            let start = end.saturating_sub(8);
            let digit =
                u32::from_str_radix(std::str::from_utf8(&bytes[start..end]).ok()?, 16).ok()?;
            if digit != 0 {
                if k + 1 >= width {
                    return None;
                }
                let d = digit as i64;
                sum.limbs[k] = if negative { -d } else { d };
            }
            k += 1;
            end = start;
        }
        sum.normalize();
        if sum.limbs.iter().all(|&l| l == 0) {
            sum.limbs.clear();
        }
        Some(sum)
    }
}

fn trim(digits: &mut Vec<u32>) {
    while digits.last() == Some(&0) {
        digits.pop();
    }
}

fn mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; a.len() + b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = (x as u64) * (y as u64) + out[i + j] as u64 + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        let mut k = i + b.len();
        while carry != 0 {
            let t = out[k] as u64 + carry;
            out[k] = t as u32;
            carry = t >> 32;
            k += 1;
        }
    }
    trim(&mut out);
    out
}

fn mul_small(a: &[u32], n: u64) -> Vec<u32> {
    mul(a, &[n as u32, (n >> 32) as u32])
}

/// `a - b`, or `None` when `b > a`.
fn sub(a: &[u32], b: &[u32]) -> Option<Vec<u32>> {
    if b.len() > a.len() {
        return None;
    }
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &x) in a.iter().enumerate() {
        let mut t = x as i64 - borrow - b.get(i).copied().unwrap_or(0) as i64;
        borrow = 0;
        if t < 0 {
            t += 1 << 32;
            borrow = 1;
        }
        out.push(t as u32);
    }
    if borrow != 0 {
        return None;
    }
    trim(&mut out);
    Some(out)
}

/// `a / n` and whether there was a remainder.
pub(super) fn div_small(a: &[u32], n: u64) -> (Vec<u32>, bool) {
    let mut out = vec![0u32; a.len()];
    let mut rem = 0u128;
    for i in (0..a.len()).rev() {
        let cur = (rem << 32) | a[i] as u128;
        out[i] = (cur / n as u128) as u32;
        rem = cur % n as u128;
    }
    trim(&mut out);
    (out, rem != 0)
}

/// `x * 2^e` without overflowing the power itself.
pub(super) fn scale_by_power_of_two(mut x: f64, mut e: i32) -> f64 {
    let step = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    while e > 1000 {
        x *= step(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= step(-1000);
        e += 1000;
    }
    x * step(e)
}

/// The magnitude `digits * 2^-scale` correctly rounded to a double (half to
/// even); `sticky` says that nonzero bits were already dropped below the last
/// digit. The rounding happens once, at the precision the result has, also
/// where it is subnormal.
pub(super) fn to_f64(digits: &[u32], sticky: bool, scale: i32) -> f64 {
    let Some(top) = digits.iter().rposition(|&d| d != 0) else {
        return 0.0;
    };
    let bit_len = 32 * top as i64 + (32 - digits[top].leading_zeros()) as i64;
    let bit = |i: i64| {
        let word = (i / 32) as usize;
        i >= 0 && word < digits.len() && (digits[word] >> (i % 32)) & 1 == 1
    };
    // Bit i weighs 2^(i - scale); a double keeps 53 bits, and none below
    // 2^-1074 (the smallest subnormal).
    let lowest = (bit_len - 53).max(scale as i64 - 1074).max(0);
    let mut mantissa = 0u64;
    for i in (lowest..bit_len).rev() {
        mantissa = (mantissa << 1) | bit(i) as u64;
    }
    let half = lowest > 0 && bit(lowest - 1);
    let rest = sticky || (0..lowest - 1).any(bit);
    if half && (rest || mantissa & 1 == 1) {
        mantissa += 1;
    }
    scale_by_power_of_two(mantissa as f64, (lowest - scale as i64) as i32)
}

/// `digits` as `m * 2^e` with `m` a double holding the top 64 bits
/// (rounded), so a result can be scaled without overflowing on the way.
fn to_parts(digits: &[u32], sticky: bool) -> (f64, i32) {
    let Some(top) = digits.iter().rposition(|&d| d != 0) else {
        return (0.0, 0);
    };
    let bit_len = 32 * top as u32 + (32 - digits[top].leading_zeros());
    let bit = |i: u32| (digits[(i / 32) as usize] >> (i % 32)) & 1;
    let shift = bit_len.saturating_sub(64);
    let mut top64 = 0u64;
    for i in (shift..bit_len).rev() {
        top64 = (top64 << 1) | bit(i) as u64;
    }
    let dropped = sticky || (0..shift).any(|i| bit(i) == 1);
    // Bit 0 lies below the rounding bit, so it can stand for every dropped bit.
    let rounded = (top64 | dropped as u64) as f64;
    (rounded, shift as i32)
}

/// A finite double's magnitude as `mantissa · 2^power` (integers), subnormals
/// included; the sign is left to the caller.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7FF) as i32;
    let fraction = bits & ((1 << 52) - 1);
    if exponent == 0 { (fraction, -LINEAR_SCALE) } else { (fraction | (1 << 52), exponent - 1075) }
}

/// A double as exact JSON text: serde_json's own float parsing may be off
/// by one unit in the last place, which would break exact merges, so
/// doubles in saved states are strings in Rust's shortest round-trip form.
pub fn f64_to_json(x: f64) -> Value {
    Value::String(format!("{x:?}"))
}

pub fn f64_from_json(v: &Value) -> Option<f64> {
    v.as_str()?.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Count, extremes and exact first and second moments of a stream of numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    sum: ExactSum,
    squares: ExactSum,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: ExactSum::linear(),
            squares: ExactSum::squares(),
        }
    }
}

impl Moments {
    /// Adds a finite value.
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        // total_cmp keeps -0.0 < 0.0, so the extremes do not depend on order.
        if x.total_cmp(&self.min).is_lt() {
            self.min = x;
        }
        if x.total_cmp(&self.max).is_gt() {
            self.max = x;
        }
        self.sum.add(x);
        self.squares.add(x);
    }

    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        // Saturating: counts come from saved states, which a user may edit.
        self.count = self.count.saturating_add(other.count);
        if other.min.total_cmp(&self.min).is_lt() {
            self.min = other.min;
        }
        if other.max.total_cmp(&self.max).is_gt() {
            self.max = other.max;
        }
        self.sum.merge(&other.sum);
        self.squares.merge(&other.squares);
    }

    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// The exact sum, rounded once.
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// The mean: the exact sum divided by the count, rounded once.
    pub fn mean(&self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let (negative, digits) = self.sum.big();
        // 64 more fraction bits, so the quotient keeps its rounding bit
        // where the mean is subnormal.
        let digits: Vec<u32> = [0, 0].into_iter().chain(digits).collect();
        let (quotient, rest) = div_small(&digits, self.count);
        let v = to_f64(&quotient, rest, LINEAR_SCALE + 64);
        Some(if negative { -v } else { v })
    }

    /// The exact sample variance (n·Σx² − (Σx)²) / (n(n − 1)) as a
    /// magnitude and its sticky bit, at [`SQUARE_SCALE`].
    fn exact_variance(&self) -> Option<(Vec<u32>, bool)> {
        let n = self.count;
        if n < 2 {
            return None;
        }
        let (_, sum) = self.sum.big();
        let (_, squares) = self.squares.big();
        let numerator = sub(&mul_small(&squares, n), &mul(&sum, &sum)).unwrap_or_default();
        let (q, r1) = div_small(&numerator, n);
        let (q, r2) = div_small(&q, n - 1);
        Some((q, r1 || r2))
    }

    /// The sample variance (n − 1), computed exactly and rounded once.
    pub fn variance(&self) -> Option<f64> {
        let (q, sticky) = self.exact_variance()?;
        Some(to_f64(&q, sticky, SQUARE_SCALE))
    }

    /// The sample standard deviation (n − 1), finite even where the
    /// variance itself would overflow a double.
    pub fn std(&self) -> Option<f64> {
        let (q, sticky) = self.exact_variance()?;
        let (mut m, mut e) = to_parts(&q, sticky);
        e -= SQUARE_SCALE;
        if e % 2 != 0 {
            m *= 2.0;
            e -= 1;
        }
        Some(scale_by_power_of_two(m.sqrt(), e / 2))
    }

    /// The exact state, for partial results that are merged later.
    pub fn to_json(&self) -> Value {
        if self.count == 0 {
            return json!({"count": 0});
        }
        json!({
            "count": self.count,
            "min": f64_to_json(self.min),
            "max": f64_to_json(self.max),
            "sum": self.sum.to_hex(),
            "sum_squares": self.squares.to_hex(),
        })
    }

    pub fn from_json(value: &Value) -> Result<Moments, String> {
        let count = value.get("count").and_then(Value::as_u64).ok_or("moments without a count")?;
        if count == 0 {
            return Ok(Moments::default());
        }
        let number = |key: &str| {
            value.get(key).and_then(f64_from_json).ok_or_else(|| format!("moments without {key}"))
        };
        let exact = |key: &str, squares: bool| {
            value
                .get(key)
                .and_then(Value::as_str)
                .and_then(|t| ExactSum::from_hex(t, squares))
                .ok_or_else(|| format!("moments with a bad {key}"))
        };
        Ok(Moments {
            count,
            min: number("min")?,
            max: number("max")?,
            sum: exact("sum", false)?,
            squares: exact("sum_squares", true)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Mean and sample variance equal the exact rational value rounded
        /// once: values (C + k) / 2^20 with a large C, so naive float sums
        /// cancel; the oracle's integers and single divisions are exact.
        #[test]
        fn moments_match_an_exact_rational_oracle(
            ks in proptest::collection::vec(-4096i64..4096, 2..200),
            offset in proptest::prop_oneof![proptest::strategy::Just(0i64), proptest::strategy::Just(1i64 << 30)],
            split in 0usize..200,
        ) {
            let scale = (1u64 << 20) as f64;
            let xs: Vec<f64> = ks.iter().map(|k| (offset + k) as f64 / scale).collect();
            let n = xs.len() as i128;
            let sum: i128 = ks.iter().map(|&k| (offset + k) as i128).sum();
            let squares: i128 = ks.iter().map(|&k| ((offset + k) as i128).pow(2)).sum();
            let mean = sum as f64 / (n as f64 * scale);
            // n Σx² − (Σx)²: the offset cancels exactly, leaving < 2^40.
            let numerator = n * squares - sum * sum;
            let variance = numerator as f64 / ((n * (n - 1)) as f64 * scale * scale);
            let mut one = Moments::default();
            xs.iter().for_each(|&x| one.push(x));
            proptest::prop_assert_eq!(one.mean(), Some(mean));
            proptest::prop_assert_eq!(one.variance(), Some(variance));
            // Any split merged gives the same bits (shards, threads).
            let at = split.min(xs.len());
            let (mut a, mut b) = (Moments::default(), Moments::default());
            xs[..at].iter().for_each(|&x| a.push(x));
            xs[at..].iter().for_each(|&x| b.push(x));
            a.merge(&b);
            proptest::prop_assert_eq!(a.mean(), one.mean());
            proptest::prop_assert_eq!(a.variance(), one.variance());
        }
    }

    fn moments(values: &[f64]) -> Moments {
        let mut m = Moments::default();
        for &v in values {
            m.push(v);
        }
        m
    }

    #[test]
    fn exact_sum_is_exact_where_floats_are_not() {
        let m = moments(&[1e100, 1.0, -1e100]);
        assert_eq!(m.sum(), 1.0);
        let m = moments(&[0.1; 10]);
        // Ten 0.1 doubles add up to 1 + 5.5e-17 exactly, which rounds to 1.0;
        // naive left-to-right float addition gives 0.9999999999999999.
        assert_eq!(m.sum(), 1.0);
        assert_eq!(m.mean(), Some(0.1));
        let m = moments(&[f64::MAX, f64::MAX, -f64::MAX]);
        assert_eq!(m.sum(), f64::MAX);
        let m = moments(&[5e-324, 5e-324]);
        assert_eq!(m.sum(), 1e-323);
    }

    #[test]
    fn variance_has_no_cancellation() {
        let m = moments(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0]);
        assert_eq!(m.mean(), Some(1e9 + 2.0));
        assert_eq!(m.variance(), Some(1.0));
        let m = moments(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m.variance(), Some(32.0 / 7.0));
        assert_eq!(moments(&[3.0]).std(), None);
        // The variance overflows a double; the standard deviation does not.
        let big = moments(&[1e308, -1e308]);
        assert_eq!(big.variance(), Some(f64::INFINITY));
        let std = big.std().unwrap();
        assert!((std - 2f64.sqrt() * 1e308).abs() / std < 1e-15, "{std}");
        assert_eq!(moments(&[-1.0, -3.0]).mean(), Some(-2.0));
    }

    #[test]
    fn merge_equals_one_pass_for_any_split() {
        let values: Vec<f64> =
            (0..5000).map(|i| ((i * 7919 % 1000) as f64 - 500.3) * 1.37e-3).collect();
        let whole = moments(&values);
        for cut in [0, 1, 17, 2500, 4999] {
            let mut a = moments(&values[..cut]);
            a.merge(&moments(&values[cut..]));
            assert_eq!(a.to_json(), whole.to_json());
            assert_eq!(a.std(), whole.std());
        }
        let back = Moments::from_json(&whole.to_json()).unwrap();
        assert_eq!(back.to_json(), whole.to_json());
        assert_eq!(back.mean(), whole.mean());
    }

    #[test]
    fn r_subnormal_means_are_rounded_once() {
        // 3 · 2^-1074 / 2 = 1.5 units of the smallest subnormal: ties to
        // even gives 2 units; truncating the quotient gave 1.
        assert_eq!(moments(&[5e-324, 1e-323]).mean(), Some(1e-323));
        // (-5e-324 · 2 + 1.5e-323 ...) mixed signs: 1 unit / 3 rounds to 0.
        assert_eq!(moments(&[5e-324, 0.0, 0.0]).mean(), Some(0.0));
        // 2 units / 3 = 0.67 rounds up to 1 unit.
        assert_eq!(moments(&[1e-323, 0.0, 0.0]).mean(), Some(5e-324));
    }

    #[test]
    fn r_edited_saved_counts_saturate_never_panic() {
        // Counts near u64::MAX overflowed when merged (a debug-build panic,
        // silently wrapped counts in release).
        let mut m = moments(&[1.0]);
        let mut big = m.clone();
        big.count = u64::MAX;
        m.merge(&big);
        assert_eq!(m.count, u64::MAX);
    }
}
