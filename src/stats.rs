//! Mergeable statistics over streams of numbers whose merged result does not
//! depend on how the stream was split: per chunk, per thread or per shard.
//!
//! Floating-point addition is not associative, so a sum accumulated chunk by
//! chunk differs in its last bits from one accumulated shard by shard. These
//! accumulators are instead *exact*: [`ExactSum`] adds every `f64` into a
//! fixed-point integer wide enough to hold any sum of doubles without rounding
//! (a superaccumulator), and the sum of squares is kept the same way from each
//! value's exact square. Reported figures are computed once, at the end, from
//! the exact state, so any split of the same values gives the same bits
//! ([`Moments`]). Quantiles keep the values themselves up to
//! [`EXACT_VALUES`], then switch to a logarithmic-bin sketch whose bins are
//! integer counts, so merging is again exact and order-free ([`Quantiles`]).

use serde_json::{Value, json};

/// Bits of one fixed-point digit; each `i64` limb holds one digit plus room
/// for carries that are propagated lazily.
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;
/// Additions between carry propagations: each touches a limb by < 2^33.
const ADDS_BEFORE_CARRY: u32 = 1 << 28;

/// The smallest subnormal double is 2^-1074.
const LINEAR_SCALE: i32 = 1074;
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
    fn add_multiple(&mut self, x: f64, k: u64) {
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
    fn big(&self) -> (bool, Vec<u32>) {
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
fn div_small(a: &[u32], n: u64) -> (Vec<u32>, bool) {
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
fn scale_by_power_of_two(mut x: f64, mut e: i32) -> f64 {
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
fn to_f64(digits: &[u32], sticky: bool, scale: i32) -> f64 {
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

/// Values kept exactly per stream before quantiles switch to the sketch.
pub const EXACT_VALUES: usize = 10_000;
/// Sketch bins per power of two: bin edges are 2^(1/64)-ish apart, linearly
/// interpolated inside each power of two.
pub const BINS_PER_OCTAVE: i64 = 64;
/// Bins kept per sign (128 powers of two); beyond, the smallest magnitudes
/// are folded into the lowest kept bin.
pub const MAX_BINS: usize = 8192;
/// Relative error bound of a sketched value: (ρ − 1)/(ρ + 1) with ρ = 1 + 1/64.
pub const SKETCH_RELATIVE_ERROR: f64 = 1.0 / 129.0;

/// Counts in consecutive bins, keyed from `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Store {
    offset: i64,
    bins: Vec<u64>,
}

impl Store {
    fn total(&self) -> u64 {
        self.bins.iter().fold(0u64, |total, &n| total.saturating_add(n))
    }

    fn add(&mut self, mut key: i64, n: u64) {
        if self.bins.is_empty() {
            self.offset = key;
            self.bins.push(n);
            return;
        }
        let max = self.offset + self.bins.len() as i64 - 1;
        if key > max {
            // Fold what falls below the kept range before growing.
            let lowest = (key - MAX_BINS as i64 + 1).max(self.offset);
            if lowest > self.offset {
                let fold = ((lowest - self.offset) as usize).min(self.bins.len());
                let folded: u64 = self.bins.drain(..fold).sum();
                self.offset = lowest;
                if self.bins.is_empty() {
                    self.bins.push(0);
                }
                self.bins[0] = self.bins[0].saturating_add(folded);
            }
            self.bins.resize((key - self.offset + 1) as usize, 0);
        } else if key < self.offset {
            key = key.max(max - MAX_BINS as i64 + 1);
            if key < self.offset {
                let grow = (self.offset - key) as usize;
                self.bins.splice(0..0, std::iter::repeat_n(0, grow));
                self.offset = key;
            }
        }
        let bin = &mut self.bins[(key - self.offset) as usize];
        *bin = bin.saturating_add(n);
    }

    fn pairs(&self) -> Vec<(i64, u64)> {
        self.bins
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(i, &n)| (self.offset + i as i64, n))
            .collect()
    }
}

/// A relative-error quantile sketch with integer bin counts: merging adds
/// counts, so the result is the same for any split or order of the values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    zeros: u64,
    positive: Store,
    negative: Store,
}

/// A finite double's magnitude as `mantissa · 2^power` (integers), subnormals
/// included; the sign is left to the caller.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7FF) as i32;
    let fraction = bits & ((1 << 52) - 1);
    if exponent == 0 { (fraction, -LINEAR_SCALE) } else { (fraction | (1 << 52), exponent - 1075) }
}

/// The bin key of a positive normal magnitude: ceil(64 · L(x)) where L is
/// log2 linearly interpolated between powers of two; integer arithmetic only,
/// so every platform agrees.
fn bin_key(x: f64) -> i64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7FF) as i64 - 1023;
    let fraction = bits & ((1 << 52) - 1);
    exponent * BINS_PER_OCTAVE + ((fraction + (1 << 46) - 1) >> 46) as i64
}

/// The inverse of L at key/64.
fn bin_edge(key: i64) -> f64 {
    let octave = key.div_euclid(BINS_PER_OCTAVE);
    let step = key.rem_euclid(BINS_PER_OCTAVE);
    scale_by_power_of_two(1.0 + step as f64 / BINS_PER_OCTAVE as f64, octave as i32)
}

/// The value standing for bin `key`: the harmonic mean of its edges, which
/// bounds the relative error of every value in the bin.
fn bin_value(key: i64) -> f64 {
    let (low, high) = (bin_edge(key - 1), bin_edge(key));
    2.0 * low * high / (low + high)
}

impl Sketch {
    pub fn count(&self) -> u64 {
        self.zeros.saturating_add(self.positive.total()).saturating_add(self.negative.total())
    }

    pub fn add(&mut self, x: f64, n: u64) {
        let magnitude = x.abs();
        if magnitude < f64::MIN_POSITIVE {
            self.zeros = self.zeros.saturating_add(n);
        } else if x > 0.0 {
            self.positive.add(bin_key(magnitude), n);
        } else {
            self.negative.add(bin_key(magnitude), n);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.zeros = self.zeros.saturating_add(other.zeros);
        for (key, n) in other.positive.pairs() {
            self.positive.add(key, n);
        }
        for (key, n) in other.negative.pairs() {
            self.negative.add(key, n);
        }
    }

    /// (value, count) of every bin, in increasing value order.
    fn bins(&self) -> Vec<(f64, u64)> {
        let mut out: Vec<(f64, u64)> =
            self.negative.pairs().iter().rev().map(|&(k, n)| (-bin_value(k), n)).collect();
        if self.zeros > 0 {
            out.push((0.0, self.zeros));
        }
        out.extend(self.positive.pairs().iter().map(|&(k, n)| (bin_value(k), n)));
        out
    }

    /// The value at 0-based rank `rank`.
    fn at_rank(bins: &[(f64, u64)], rank: u64) -> f64 {
        let mut seen = 0u64;
        for &(value, n) in bins {
            seen = seen.saturating_add(n);
            if rank < seen {
                return value;
            }
        }
        bins.last().map_or(0.0, |b| b.0)
    }

    fn to_json(&self) -> Value {
        json!({
            "zeros": self.zeros,
            "positive": self.positive.pairs(),
            "negative": self.negative.pairs(),
        })
    }

    fn from_json(value: &Value) -> Result<Sketch, String> {
        let mut sketch = Sketch {
            zeros: value.get("zeros").and_then(Value::as_u64).ok_or("sketch without zeros")?,
            ..Sketch::default()
        };
        for (name, negative) in [("positive", false), ("negative", true)] {
            let pairs = value.get(name).and_then(Value::as_array).ok_or("sketch without bins")?;
            for pair in pairs {
                let (Some(key), Some(n)) =
                    (pair.get(0).and_then(Value::as_i64), pair.get(1).and_then(Value::as_u64))
                else {
                    return Err("sketch with a bad bin".into());
                };
                // Keys of normal doubles lie within ±1024 powers of two.
                if key.unsigned_abs() > (1025 * BINS_PER_OCTAVE) as u64 {
                    return Err("sketch with a bin out of range".into());
                }
                let store = if negative { &mut sketch.negative } else { &mut sketch.positive };
                store.add(key, n);
            }
        }
        Ok(sketch)
    }
}

/// `a + (r / d) · (b − a)` computed exactly and rounded once, so it neither
/// overflows (a = −1e308, b = 1e308) nor loses the result to cancellation.
fn interpolate(a: f64, b: f64, r: u64, d: u64) -> f64 {
    let mut sum = ExactSum::linear();
    sum.add_multiple(a, d - r);
    sum.add_multiple(b, r);
    let (negative, digits) = sum.big();
    let digits: Vec<u32> = [0, 0].into_iter().chain(digits).collect();
    let (quotient, rest) = div_small(&digits, d);
    let v = to_f64(&quotient, rest, LINEAR_SCALE + 64);
    if negative { -v } else { v }
}

/// `q` as an exact fraction r/d: a whole percentage when it is one
/// (0.95 = 95/100, not the double nearest 0.95), else in units of 2^-32.
fn as_fraction(q: f64) -> (u64, u64) {
    let q = q.clamp(0.0, 1.0);
    let percent = (q * 100.0).round();
    if percent / 100.0 == q {
        (percent as u64, 100)
    } else {
        ((q * 4294967296.0).round() as u64, 1 << 32)
    }
}

/// The width of one of `bins` equal bins over [min, max], finite even when
/// `max − min` overflows a double.
pub fn bin_width(min: f64, max: f64, bins: usize) -> f64 {
    let bins = bins.max(1) as f64;
    let span = max - min;
    if span.is_finite() { span / bins } else { max / bins - min / bins }
}

/// How many bin widths `value` lies above `min`, without overflowing.
fn offset(value: f64, min: f64, width: f64) -> f64 {
    let span = value - min;
    if span.is_finite() { span / width } else { value / width - min / width }
}

/// Quantiles of a stream: exact while it has at most [`EXACT_VALUES`]
/// values, then a [`Sketch`] with relative error at most
/// [`SKETCH_RELATIVE_ERROR`].
#[derive(Debug, Clone, PartialEq)]
pub enum Quantiles {
    Exact(Vec<f64>),
    Sketch(Box<Sketch>),
}

impl Default for Quantiles {
    fn default() -> Self {
        Quantiles::Exact(Vec::new())
    }
}

impl Quantiles {
    pub fn push(&mut self, x: f64) {
        match self {
            Quantiles::Exact(values) => {
                values.push(x);
                if values.len() > EXACT_VALUES {
                    self.switch_to_sketch();
                }
            }
            Quantiles::Sketch(sketch) => sketch.add(x, 1),
        }
    }

    fn switch_to_sketch(&mut self) {
        if let Quantiles::Exact(values) = self {
            let mut sketch = Sketch::default();
            for &v in values.iter() {
                sketch.add(v, 1);
            }
            *self = Quantiles::Sketch(Box::new(sketch));
        }
    }

    pub fn count(&self) -> u64 {
        match self {
            Quantiles::Exact(values) => values.len() as u64,
            Quantiles::Sketch(sketch) => sketch.count(),
        }
    }

    pub fn merge(&mut self, other: &Quantiles) {
        match (&mut *self, other) {
            (Quantiles::Exact(a), Quantiles::Exact(b)) if a.len() + b.len() <= EXACT_VALUES => {
                a.extend_from_slice(b);
            }
            (_, Quantiles::Exact(b)) => {
                self.switch_to_sketch();
                if let Quantiles::Sketch(sketch) = self {
                    for &v in b {
                        sketch.add(v, 1);
                    }
                }
            }
            (_, Quantiles::Sketch(b)) => {
                self.switch_to_sketch();
                if let Quantiles::Sketch(sketch) = self {
                    sketch.merge(b);
                }
            }
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, Quantiles::Exact(_))
    }

    /// Sorted values (exact) or bins as (value, count) (sketch).
    fn points(&self) -> Vec<(f64, u64)> {
        match self {
            Quantiles::Exact(values) => {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                sorted.into_iter().map(|v| (v, 1)).collect()
            }
            Quantiles::Sketch(sketch) => sketch.bins(),
        }
    }

    /// Quantiles `qs` (each in [0, 1]) by linear interpolation between the
    /// closest ranks, clamped to [min, max] (the exact extremes).
    pub fn quantiles(&self, qs: &[f64], min: f64, max: f64) -> Vec<Option<f64>> {
        let n = self.count();
        if n == 0 {
            return vec![None; qs.len()];
        }
        let points = self.points();
        qs.iter()
            .map(|&q| {
                // The position q · (n − 1), as whole ranks and a remainder.
                let (r, d) = as_fraction(q);
                let position = r as u128 * (n - 1) as u128;
                let low = (position / d as u128) as u64;
                let rest = (position % d as u128) as u64;
                let a = Sketch::at_rank(&points, low);
                let value = if rest > 0 {
                    let b = Sketch::at_rank(&points, (low + 1).min(n - 1));
                    interpolate(a, b, rest, d)
                } else {
                    a
                };
                Some(value.clamp(min, max))
            })
            .collect()
    }

    /// Counts in `bins` equal-width bins over [min, max] (the last bin
    /// includes max). A sketched value is placed by its bin's value.
    pub fn histogram(&self, bins: usize, min: f64, max: f64) -> Vec<u64> {
        // One value has one bin: equal bins of zero width would repeat it.
        let bins = if min == max { 1 } else { bins.max(1) };
        let mut out = vec![0u64; bins];
        if self.count() == 0 {
            return out;
        }
        let width = bin_width(min, max, bins);
        for (value, n) in self.points() {
            let at = if width > 0.0 && width.is_finite() {
                (offset(value.clamp(min, max), min, width).floor() as usize).min(bins - 1)
            } else {
                0
            };
            out[at] = out[at].saturating_add(n);
        }
        out
    }

    pub fn to_json(&self) -> Value {
        match self {
            Quantiles::Exact(values) => {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                json!({"exact": sorted.into_iter().map(f64_to_json).collect::<Vec<_>>()})
            }
            Quantiles::Sketch(sketch) => json!({"sketch": sketch.to_json()}),
        }
    }

    pub fn from_json(value: &Value) -> Result<Quantiles, String> {
        if let Some(values) = value.get("exact").and_then(Value::as_array) {
            let values: Option<Vec<f64>> = values.iter().map(f64_from_json).collect();
            let values = values.ok_or("quantiles with a non-number")?;
            if values.len() > EXACT_VALUES {
                return Err("quantiles with too many exact values".into());
            }
            return Ok(Quantiles::Exact(values));
        }
        match value.get("sketch") {
            Some(sketch) => Ok(Quantiles::Sketch(Box::new(Sketch::from_json(sketch)?))),
            None => Err("quantiles without values or sketch".into()),
        }
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
    fn sketch_stays_within_its_bound_and_merges_exactly() {
        let values: Vec<f64> = (1..=50_000).map(|i| i as f64 * 0.37).collect();
        let mut whole = Quantiles::default();
        let (mut a, mut b) = (Quantiles::default(), Quantiles::default());
        for (i, &v) in values.iter().enumerate() {
            whole.push(v);
            if i % 3 == 0 { a.push(v) } else { b.push(v) }
        }
        assert!(!whole.is_exact());
        a.merge(&b);
        assert_eq!(a.to_json(), whole.to_json());
        let (min, max) = (values[0], values[values.len() - 1]);
        let got = whole.quantiles(&[0.05, 0.5, 0.95], min, max);
        for (q, got) in [0.05, 0.5, 0.95].iter().zip(got) {
            let exact = values[(q * (values.len() - 1) as f64).floor() as usize];
            let got = got.unwrap();
            assert!(
                (got - exact).abs() / exact <= SKETCH_RELATIVE_ERROR + 1e-4,
                "{q}: {got} vs {exact}"
            );
        }
        let back = Quantiles::from_json(&whole.to_json()).unwrap();
        assert_eq!(back, whole);
    }

    #[test]
    fn exact_quantiles_interpolate() {
        let mut q = Quantiles::default();
        for v in [4.0, 1.0, 3.0, 2.0] {
            q.push(v);
        }
        assert_eq!(q.quantiles(&[0.0, 0.5, 1.0], 1.0, 4.0), vec![Some(1.0), Some(2.5), Some(4.0)]);
        assert_eq!(q.histogram(3, 1.0, 4.0), vec![1, 1, 2]);
    }

    #[test]
    fn r_quantiles_and_bins_of_the_widest_doubles_stay_finite() {
        // −1e308 + 0.1 · (1.7e308 − −1e308) used to overflow to +inf and
        // clamp to the maximum: p5 = p25 = max, above p50.
        let mut q = Quantiles::default();
        for v in [1e308, 1.7e308, -1e308] {
            q.push(v);
        }
        let got = q.quantiles(&[0.05, 0.25, 0.5], -1e308, 1.7e308);
        assert_eq!(got, vec![Some(-8e307), Some(0.0), Some(1e308)]);
        assert!(got.windows(2).all(|w| w[0] <= w[1]), "{got:?}");
        let width = bin_width(-1e308, 1.7e308, 2);
        assert!(width.is_finite() && width > 0.0);
        assert_eq!(q.histogram(2, -1e308, 1.7e308), vec![1, 2]);
        assert_eq!(q.histogram(3, -1e308, 1.7e308), vec![1, 0, 2]);
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
    fn r_interpolated_quantiles_do_not_lose_the_result_to_cancellation() {
        // p95 of 21 values lies 0.95 · 20 = 19 ranks in: exactly the 20th
        // value, not a hair off it.
        let mut q = Quantiles::default();
        for i in 0..21 {
            q.push(if i < 19 {
                -1e300
            } else if i == 19 {
                1.0
            } else {
                1e300
            });
        }
        assert_eq!(q.quantiles(&[0.95], -1e300, 1e300), vec![Some(1.0)]);
        // p95 of 2 values: -1e300 + 0.95 · 2e300 = 0.9e300, rounded once
        // (a + frac · (b − a) in doubles was 2 ulps off).
        let mut q = Quantiles::default();
        q.push(-1e300);
        q.push(1e300);
        assert_eq!(q.quantiles(&[0.95, 0.5], -1e300, 1e300), vec![Some(9e299), Some(0.0)]);
        // 1 + 0.05 · (1e17 − 1) = 5e15 + 0.95, with its fraction kept.
        let mut q = Quantiles::default();
        q.push(1.0);
        q.push(1e17);
        assert_eq!(q.quantiles(&[0.05], 1.0, 1e17), vec![Some(5000000000000001.0)]);
    }

    #[test]
    fn bin_keys_are_monotone_and_bounded() {
        let mut last = i64::MIN;
        let mut x = 1e-5;
        while x < 1e5 {
            let k = bin_key(x);
            assert!(k >= last);
            assert!(bin_edge(k - 1) <= x && x <= bin_edge(k) * (1.0 + 1e-12), "{x}");
            let v = bin_value(k);
            assert!((v - x).abs() / x <= SKETCH_RELATIVE_ERROR + 1e-12);
            last = k;
            x *= 1.003;
        }
    }

    #[test]
    fn store_folds_the_smallest_magnitudes_the_same_way_in_any_order() {
        let keys: Vec<i64> = (0..20_000).map(|i| (i * 7) % 20_000 - 9000).collect();
        let mut forward = Store::default();
        let mut backward = Store::default();
        for &k in &keys {
            forward.add(k, 1);
        }
        for &k in keys.iter().rev() {
            backward.add(k, 1);
        }
        assert_eq!(forward.pairs(), backward.pairs());
        assert!(forward.bins.len() <= MAX_BINS);
        assert_eq!(forward.total(), 20_000);
    }

    #[test]
    fn r_edited_saved_states_are_errors_or_saturate_never_panic() {
        // A bin key of i64::MIN overflowed `abs()`.
        let state = json!({"zeros": 0, "positive": [[i64::MIN, 1]], "negative": []});
        assert!(Sketch::from_json(&state).is_err());
        // Counts near u64::MAX overflowed when merged (a debug-build panic,
        // silently wrapped counts in release).
        let huge = json!({"zeros": u64::MAX, "positive": [[5, u64::MAX]], "negative": [[5, 7]]});
        let mut sketch = Sketch::from_json(&huge).unwrap();
        sketch.merge(&Sketch::from_json(&huge).unwrap());
        assert_eq!(sketch.count(), u64::MAX);
        assert_eq!(Sketch::at_rank(&sketch.bins(), 0), -bin_value(5));
        assert_eq!(Sketch::at_rank(&sketch.bins(), u64::MAX - 1), 0.0);
        let mut m = moments(&[1.0]);
        let mut big = m.clone();
        big.count = u64::MAX;
        m.merge(&big);
        assert_eq!(m.count, u64::MAX);
        let quantiles = Quantiles::Sketch(Box::new(sketch));
        assert_eq!(quantiles.histogram(2, -1.0, 1.0).iter().max(), Some(&u64::MAX));
    }
}
