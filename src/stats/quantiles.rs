//! The quantile sketch: [`Quantiles`] keeps a stream's distinct values
//! exactly, each with its count, up to a cap (dist-report's
//! `--max-distinct`, [`EXACT_VALUES`] by default), so quantiles are exact
//! however many values there are; past the cap it switches to a [`Sketch`]
//! of logarithmic bins (relative error at most [`SKETCH_RELATIVE_ERROR`])
//! whose counts are integers, so merging is exact and order-free. This file
//! owns the bins and their keys, quantiles by interpolation between the
//! closest ranks (exact, rounded once), and the equal-width histogram over
//! [min, max] with decimal edges ([`histogram_edges`]).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::moments::{
    ExactSum, LINEAR_SCALE, div_small, f64_from_json, f64_to_json, scale_by_power_of_two, to_f64,
};

/// Distinct values kept exactly per stream, by default, before quantiles
/// switch to the sketch.
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

/// The order-preserving integer key of a double (total order, with −0
/// folded into 0): sorting keys sorts values.
fn order_key(x: f64) -> u64 {
    let bits = if x == 0.0 { 0 } else { x.to_bits() };
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// Quantiles of a stream: exact while it has at most `cap` distinct values
/// (each kept once, with its count, however many times it occurs), then a
/// [`Sketch`] with relative error at most [`SKETCH_RELATIVE_ERROR`].
///
/// Whether a stream is past its cap depends only on the set of its values,
/// so any split of it, merged, ends in the same form with the same figures.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantiles {
    Exact { counts: BTreeMap<u64, u64>, cap: usize },
    Sketch(Box<Sketch>),
}

impl Default for Quantiles {
    fn default() -> Self {
        Quantiles::with_cap(EXACT_VALUES)
    }
}

impl Quantiles {
    /// Exact while at most `cap` distinct values (at least 1).
    pub fn with_cap(cap: usize) -> Self {
        Quantiles::Exact { counts: BTreeMap::new(), cap: cap.max(1) }
    }

    pub fn push(&mut self, x: f64) {
        self.add(x, 1);
    }

    fn add(&mut self, x: f64, n: u64) {
        match self {
            Quantiles::Exact { counts, cap } => {
                let slot = counts.entry(order_key(x)).or_insert(0);
                *slot = slot.saturating_add(n);
                if counts.len() > *cap {
                    self.switch_to_sketch();
                }
            }
            Quantiles::Sketch(sketch) => sketch.add(x, n),
        }
    }

    fn switch_to_sketch(&mut self) {
        if let Quantiles::Exact { counts, .. } = self {
            let mut sketch = Sketch::default();
            for (&key, &n) in counts.iter() {
                sketch.add(from_order_key(key), n);
            }
            *self = Quantiles::Sketch(Box::new(sketch));
        }
    }

    pub fn count(&self) -> u64 {
        match self {
            Quantiles::Exact { counts, .. } => {
                counts.values().fold(0u64, |total, &n| total.saturating_add(n))
            }
            Quantiles::Sketch(sketch) => sketch.count(),
        }
    }

    pub fn merge(&mut self, other: &Quantiles) {
        match other {
            Quantiles::Exact { counts, .. } => {
                for (&key, &n) in counts {
                    self.add(from_order_key(key), n);
                }
            }
            Quantiles::Sketch(b) => {
                self.switch_to_sketch();
                if let Quantiles::Sketch(sketch) = self {
                    sketch.merge(b);
                }
            }
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, Quantiles::Exact { .. })
    }

    /// The bound on the relative error of a quantile: 0 when exact.
    pub fn relative_error(&self) -> f64 {
        if self.is_exact() { 0.0 } else { SKETCH_RELATIVE_ERROR }
    }

    /// Distinct values with their counts (exact) or bins as (value, count)
    /// (sketch), in increasing value order.
    fn points(&self) -> Vec<(f64, u64)> {
        match self {
            Quantiles::Exact { counts, .. } => {
                counts.iter().map(|(&key, &n)| (from_order_key(key), n)).collect()
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
                    if a == b { a } else { interpolate(a, b, rest, d) }
                } else {
                    a
                };
                Some(value.clamp(min, max))
            })
            .collect()
    }

    /// Counts in the bins between consecutive `edges` (from
    /// [`histogram_edges`]): bin i holds `edges[i] <= x < edges[i + 1]`, the
    /// last bin includes its upper edge. A sketched value is placed by its
    /// bin's value.
    pub fn histogram(&self, edges: &[f64]) -> Vec<u64> {
        let bins = edges.len().saturating_sub(1).max(1);
        let mut out = vec![0u64; bins];
        for (value, n) in self.points() {
            // Edges after the first at or below the value: its bin.
            let above_first = edges.get(1..).unwrap_or_default();
            let at = above_first.partition_point(|&e| e <= value).min(bins - 1);
            out[at] = out[at].saturating_add(n);
        }
        out
    }

    pub fn to_json(&self) -> Value {
        match self {
            Quantiles::Exact { counts, .. } => json!({
                "counts": counts
                    .iter()
                    .map(|(&key, &n)| json!([f64_to_json(from_order_key(key)), n]))
                    .collect::<Vec<_>>()
            }),
            Quantiles::Sketch(sketch) => json!({"sketch": sketch.to_json()}),
        }
    }

    /// A state written by [`Quantiles::to_json`] for a stream capped at `cap`.
    pub fn from_json(value: &Value, cap: usize) -> Result<Quantiles, String> {
        if let Some(pairs) = value.get("counts").and_then(Value::as_array) {
            let mut q = Quantiles::with_cap(cap);
            for pair in pairs {
                let x = pair.get(0).and_then(f64_from_json);
                let n = pair.get(1).and_then(Value::as_u64);
                let (Some(x), Some(n)) = (x, n) else {
                    return Err("quantiles with a bad (value, count) pair".into());
                };
                q.add(x, n);
            }
            if !q.is_exact() {
                return Err("quantiles with more distinct values than the cap".into());
            }
            return Ok(q);
        }
        match value.get("sketch") {
            Some(sketch) => Ok(Quantiles::Sketch(Box::new(Sketch::from_json(sketch)?))),
            None => Err("quantiles without counts or sketch".into()),
        }
    }
}

/// The edges of `bins` equal-width bins over [min, max] (one bin when min
/// equals max), each inner edge rounded to the shortest decimal that is
/// finer than a millionth of the width: `0.3`, not `0.30000000000000004`,
/// while every edge stays in order and inside [min, max].
pub fn histogram_edges(bins: usize, min: f64, max: f64) -> Vec<f64> {
    let bins = if min == max { 1 } else { bins.max(1) };
    let width = bin_width(min, max, bins);
    let mut edges = Vec::with_capacity(bins + 1);
    edges.push(min);
    for i in 1..bins {
        // The widest doubles: width · i may overflow where the edge does not.
        let step = width * i as f64;
        let raw =
            if step.is_finite() { min + step } else { (min / 2.0 + width / 2.0 * i as f64) * 2.0 };
        edges.push(round_decimal(raw, width).clamp(min, max));
    }
    edges.push(max);
    edges
}

/// `x` rounded to 6 significant decimal digits of `unit` (its decimal
/// places below the unit's leading digit), when that is a finite change.
fn round_decimal(x: f64, unit: f64) -> f64 {
    if !(unit > 0.0 && unit.is_finite() && x.is_finite()) {
        return x;
    }
    let places = 6 - unit.log10().floor() as i64;
    if places <= 0 {
        // Edges of this size are whole numbers already.
        return x.round();
    }
    format!("{x:.*}", places.min(330) as usize).parse::<f64>().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let back = Quantiles::from_json(&whole.to_json(), EXACT_VALUES).unwrap();
        assert_eq!(back, whole);
    }

    #[test]
    fn exact_quantiles_interpolate() {
        let mut q = Quantiles::default();
        for v in [4.0, 1.0, 3.0, 2.0] {
            q.push(v);
        }
        assert_eq!(q.quantiles(&[0.0, 0.5, 1.0], 1.0, 4.0), vec![Some(1.0), Some(2.5), Some(4.0)]);
        assert_eq!(q.histogram(&histogram_edges(3, 1.0, 4.0)), vec![1, 1, 2]);
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
        assert_eq!(q.histogram(&histogram_edges(2, -1e308, 1.7e308)), vec![1, 2]);
        assert_eq!(q.histogram(&histogram_edges(3, -1e308, 1.7e308)), vec![1, 0, 2]);
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
        let quantiles = Quantiles::Sketch(Box::new(sketch));
        assert_eq!(
            quantiles.histogram(&histogram_edges(2, -1.0, 1.0)).iter().max(),
            Some(&u64::MAX)
        );
    }

    #[test]
    fn quantiles_stay_exact_past_any_count_while_distinct_values_fit() {
        // 30,000 integer ratings 1..=10: ten distinct values, so the median
        // is a value of the data (9), not a sketch's 8.94.
        let mut whole = Quantiles::with_cap(10_000);
        let mut parts = [Quantiles::with_cap(10_000), Quantiles::with_cap(10_000)];
        let mut sorted = Vec::new();
        for i in 0..30_000u64 {
            let v = if i % 10 < 7 { 9.0 } else { (i % 10) as f64 };
            whole.push(v);
            parts[(i % 2) as usize].push(v);
            sorted.push(v);
        }
        sorted.sort_by(f64::total_cmp);
        assert!(whole.is_exact());
        let [mut a, b] = parts;
        a.merge(&b);
        assert_eq!(a, whole);
        let got = whole.quantiles(&[0.05, 0.5, 0.95], 7.0, 9.0);
        for (q, got) in [0.05, 0.5, 0.95].iter().zip(got) {
            let exact = sorted[(q * (sorted.len() - 1) as f64).round() as usize];
            assert_eq!(got, Some(exact), "{q}");
        }
        assert_eq!(whole.relative_error(), 0.0);
        let back = Quantiles::from_json(&whole.to_json(), 10_000).unwrap();
        assert_eq!(back, whole);
        // One distinct value past the cap: the sketch, in any split.
        let mut capped = Quantiles::with_cap(3);
        for v in [1.0, 2.0, 3.0, 3.0] {
            capped.push(v);
        }
        assert!(capped.is_exact());
        let mut other = Quantiles::with_cap(3);
        other.push(4.0);
        capped.merge(&other);
        assert!(!capped.is_exact());
        assert_eq!(capped.relative_error(), SKETCH_RELATIVE_ERROR);
        assert!(Quantiles::from_json(&json!({"counts": [["1.0", 1], ["2.0", 1]]}), 1).is_err());
    }

    #[test]
    fn histogram_edges_are_decimal_and_count_what_they_show() {
        let edges = histogram_edges(4, 0.1, 0.5);
        assert_eq!(edges, vec![0.1, 0.2, 0.3, 0.4, 0.5]);
        assert_eq!(serde_json::to_string(&edges).unwrap(), "[0.1,0.2,0.3,0.4,0.5]");
        // 0.3 lies on an edge: in the bin that starts there, as shown.
        let mut q = Quantiles::default();
        for v in [0.1, 0.3, 0.5] {
            q.push(v);
        }
        assert_eq!(q.histogram(&edges), vec![1, 0, 1, 1]);
        assert_eq!(histogram_edges(10, 7.0, 7.0), vec![7.0, 7.0]);
        let wide = histogram_edges(3, 0.0, 1e7);
        assert!(wide.windows(2).all(|w| w[0] < w[1]), "{wide:?}");
    }
}
