//! Distances between two distributions given as counts, for tools that set a
//! sample beside a reference (graph-validate's realism figures).
//!
//! Jensen–Shannon divergence is used because it is symmetric, always finite
//! (a category present on one side only is not an infinity, as it is for
//! Kullback–Leibler) and, in base 2, bounded by [0, 1]: 0 for identical
//! distributions, 1 for distributions with no category in common.

use std::collections::BTreeMap;

/// Jensen–Shannon divergence (base 2) between two count vectors over the same
/// categories, in [0, 1]. `None` when either side has no observations.
pub fn jensen_shannon(p: &[u64], q: &[u64]) -> Option<f64> {
    let (sp, sq) = (p.iter().sum::<u64>(), q.iter().sum::<u64>());
    if sp == 0 || sq == 0 {
        return None;
    }
    let (sp, sq) = (sp as f64, sq as f64);
    let mut total = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (pa, qb) = (a as f64 / sp, b as f64 / sq);
        let m = (pa + qb) / 2.0;
        if pa > 0.0 {
            total += pa * (pa / m).log2() / 2.0;
        }
        if qb > 0.0 {
            total += qb * (qb / m).log2() / 2.0;
        }
    }
    // Rounding can leave a hair outside the range.
    Some(total.clamp(0.0, 1.0))
}

/// [`jensen_shannon`] between two count maps; a category missing from one map
/// counts 0 there.
pub fn jensen_shannon_counts(p: &BTreeMap<String, u64>, q: &BTreeMap<String, u64>) -> Option<f64> {
    let mut keys: Vec<&String> = p.keys().chain(q.keys()).collect();
    keys.sort();
    keys.dedup();
    let a: Vec<u64> = keys.iter().map(|k| p.get(*k).copied().unwrap_or(0)).collect();
    let b: Vec<u64> = keys.iter().map(|k| q.get(*k).copied().unwrap_or(0)).collect();
    jensen_shannon(&a, &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(jensen_shannon(&[1, 2, 3], &[2, 4, 6]), Some(0.0));
        assert_eq!(jensen_shannon(&[1, 0], &[0, 5]), Some(1.0));
        // P = (1/2, 1/2), Q = (1, 0): M = (3/4, 1/4).
        let expected = 0.5 * (0.5 * (0.5f64 / 0.75).log2() + 0.5 * (0.5f64 / 0.25).log2())
            + 0.5 * (1.0f64 / 0.75).log2();
        let got = jensen_shannon(&[1, 1], &[4, 0]).unwrap();
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        assert!((got - 0.311_278_124_459_132_8).abs() < 1e-12);
        assert_eq!(jensen_shannon(&[0, 0], &[1, 1]), None);
        let p: BTreeMap<String, u64> = [("a".to_string(), 1)].into();
        let q: BTreeMap<String, u64> = [("b".to_string(), 3)].into();
        assert_eq!(jensen_shannon_counts(&p, &q), Some(1.0));
        assert_eq!(jensen_shannon_counts(&p, &p), Some(0.0));
    }
}
