//! Train/validation/test splits: the `--split` specification, the
//! `--stratify` assignment rule that bounds each stratum's deviation from its
//! requested shares, and the `--check-leakage` tracker.

use std::collections::HashMap;

/// Most splits a run may have (the leakage tracker keeps a 64-bit mask).
pub const MAX_SPLITS: usize = 64;

/// A parsed `--split NAME=WEIGHT,...`.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitSpec {
    pub names: Vec<String>,
    /// Normalized to sum to 1.
    pub weights: Vec<f64>,
}

/// clap value parser for `--split`.
pub fn parse_split(text: &str) -> Result<SplitSpec, String> {
    let mut names: Vec<String> = Vec::new();
    let mut weights = Vec::new();
    for part in text.split(',') {
        let Some((name, weight)) = part.split_once('=') else {
            if part.trim().parse::<f64>().is_ok() {
                return Err(format!(
                    "`{part}` is a weight without a name: name every split, e.g. train=8,val=1,test=1 (names become folders)"
                ));
            }
            return Err(format!(
                "`{part}` should be NAME=WEIGHT (e.g. train=0.8,val=0.1,test=0.1)"
            ));
        };
        let name = name.trim();
        check_split_name(name)?;
        // Names become folders: two that differ only in case are one folder
        // on a case-insensitive file system.
        if let Some(other) = names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
            if other == name {
                return Err(format!("split `{name}` is named twice"));
            }
            return Err(format!(
                "splits `{other}` and `{name}` differ only in case (they name folders)"
            ));
        }
        let weight: f64 =
            weight.trim().parse().ok().filter(|w: &f64| w.is_finite() && *w > 0.0).ok_or_else(
                || format!("the weight of `{name}` must be a positive number, not `{weight}`"),
            )?;
        names.push(name.to_string());
        weights.push(weight);
    }
    if names.len() > MAX_SPLITS {
        return Err(format!("at most {MAX_SPLITS} splits"));
    }
    // Whole numbers are relative sizes (train=8,val=1,test=1); anything else reads as
    // fractions, which must add up, since 0.8,0.1,0.2 is almost surely a typo.
    let fractions = weights.iter().any(|w: &f64| w.fract() != 0.0);
    let sum: f64 = weights.iter().sum();
    if fractions && (sum - 1.0).abs() > 1e-6 {
        return Err(format!(
            "the fractions in `{text}` add up to {}, not 1 (fix them, or give whole-number weights such as train=8,val=1,test=1)",
            crate::report::round6(sum)
        ));
    }
    let mut total: f64 = weights.iter().sum();
    if !total.is_finite() {
        // Huge weights (1e308) sum to infinity: scale by the largest first.
        let largest = weights.iter().copied().fold(0.0, f64::max);
        weights.iter_mut().for_each(|w| *w /= largest);
        total = weights.iter().sum();
    }
    let weights = weights.iter().map(|w| w / total).collect();
    Ok(SplitSpec { names, weights })
}

/// Split names become folder names: letters, digits, `_`, `-` and `.`, not
/// starting with `.`.
fn check_split_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if name.eq_ignore_ascii_case("manifest.json") {
        return Err(format!(
            "split name `{name}` would be a folder in place of --out-dir's manifest.json; choose another"
        ));
    }
    if ok {
        Ok(())
    } else {
        Err(format!(
            "split name `{name}` must be 1-64 letters, digits, `_`, `-` or `.`, not starting with `.` (it names a folder)"
        ))
    }
}

/// Per-stratum counts for `--stratify`.
#[derive(Debug, Clone, Default)]
pub struct Stratum {
    pub units: u64,
    pub counts: Vec<u64>,
}

/// The `--stratify` rule. Every unit (a record, or a group with `--group`)
/// is first proposed the split its seeded hash picks, as without
/// stratification. Within the unit's stratum, let d(s) = w(s)·(n+1) − c(s)
/// be what split s would be owed after this unit if it went elsewhere (n
/// units so far, c(s) of them in s). The proposal p is taken when d(p) > 0
/// and every other d(s) < 1; otherwise the unit goes to the split with the
/// largest d (the first such split on a tie).
///
/// Invariant, with e(s) = c(s) − w(s)·n the deviation from the exact share:
/// e(s) < 1 for every split, at every point. The chosen split always has
/// d > 0 (the proposal by the test; the largest d because the d sum to 1), so
/// it ends the step with e = 1 − d < 1, and the others only move down. With
/// two or three splits also e(s) > −1: a split not chosen ends with e = −d,
/// so it falls to −1 only if it was passed over with d ≥ 1, which the test
/// prevents for the proposal and which for the largest d takes two splits
/// with d ≥ 1 and so a third with d ≤ −1, impossible since every
/// d = w − e > −1. With k splits in general the deviations sum to zero, so
/// each stays above −(k − 1).
pub struct Stratifier {
    weights: Vec<f64>,
    pub strata: HashMap<String, Stratum>,
    /// First-seen order of the strata, for reports.
    pub order: Vec<String>,
    /// Largest |c(s) − w(s)·n| reached, over all strata, splits and times.
    pub max_deviation: f64,
}

impl Stratifier {
    pub fn new(weights: &[f64]) -> Self {
        Stratifier {
            weights: weights.to_vec(),
            strata: HashMap::new(),
            order: Vec::new(),
            max_deviation: 0.0,
        }
    }

    /// The guaranteed bound on |c(s) − w(s)·n| for this many splits.
    pub fn bound(splits: usize) -> f64 {
        if splits <= 3 { 1.0 } else { (splits - 1) as f64 }
    }

    /// Assigns one unit of `stratum`, given the hash's proposal.
    pub fn assign(&mut self, stratum: &str, proposal: usize) -> usize {
        let k = self.weights.len();
        if !self.strata.contains_key(stratum) {
            self.order.push(stratum.to_string());
            self.strata.insert(stratum.to_string(), Stratum { units: 0, counts: vec![0; k] });
        }
        let Some(state) = self.strata.get_mut(stratum) else {
            return proposal;
        };
        let next = (state.units + 1) as f64;
        let owed = |s: usize| self.weights[s] * next - state.counts[s] as f64;
        let proposal = proposal.min(k - 1);
        let take_proposal = owed(proposal) > 0.0 && (0..k).all(|s| s == proposal || owed(s) < 1.0);
        let chosen = if take_proposal {
            proposal
        } else {
            let mut best = 0;
            for s in 1..k {
                if owed(s) > owed(best) {
                    best = s;
                }
            }
            best
        };
        state.counts[chosen] += 1;
        state.units += 1;
        let n = state.units as f64;
        for s in 0..k {
            let deviation = (state.counts[s] as f64 - self.weights[s] * n).abs();
            if deviation > self.max_deviation {
                self.max_deviation = deviation;
            }
        }
        chosen
    }
}

/// Where a record is, for leakage reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    pub source: usize,
    pub line: u64,
    pub split: usize,
}

/// `--check-leakage`: which values occur in more than one split. Memory is
/// proportional to the number of distinct values (a 128-bit hash, the split
/// counts and two locations each).
pub struct LeakTracker {
    splits: usize,
    slots: HashMap<u128, usize>,
    masks: Vec<u64>,
    counts: Vec<u32>,
    first: Vec<Loc>,
    /// First location in a split other than the first one's.
    other: Vec<Option<Loc>>,
    /// Records without a value at the path.
    pub missing: u64,
}

/// One value found in more than one split.
#[derive(Debug, Clone)]
pub struct Leak {
    pub first: Loc,
    pub other: Loc,
    /// Records per split.
    pub counts: Vec<u64>,
}

/// What the leakage check found.
#[derive(Debug, Clone, Default)]
pub struct LeakReport {
    pub values: u64,
    pub records: u64,
    /// Records with a leaked value, per split.
    pub per_split: Vec<u64>,
    /// Leaked values in order of first appearance (the first `limit`).
    pub examples: Vec<Leak>,
}

impl LeakTracker {
    pub fn new(splits: usize) -> Self {
        LeakTracker {
            splits,
            slots: HashMap::new(),
            masks: Vec::new(),
            counts: Vec::new(),
            first: Vec::new(),
            other: Vec::new(),
            missing: 0,
        }
    }

    pub fn add(&mut self, key: u128, at: Loc) {
        let slot = match self.slots.get(&key) {
            Some(&slot) => slot,
            None => {
                let slot = self.masks.len();
                self.slots.insert(key, slot);
                self.masks.push(0);
                self.counts.extend(std::iter::repeat_n(0, self.splits));
                self.first.push(at);
                self.other.push(None);
                slot
            }
        };
        self.masks[slot] |= 1 << at.split;
        let count = &mut self.counts[slot * self.splits + at.split];
        *count = count.saturating_add(1);
        if self.other[slot].is_none() && self.first[slot].split != at.split {
            self.other[slot] = Some(at);
        }
    }

    pub fn report(&self, limit: usize) -> LeakReport {
        let mut report = LeakReport { per_split: vec![0; self.splits], ..LeakReport::default() };
        for slot in 0..self.masks.len() {
            if self.masks[slot].count_ones() < 2 {
                continue;
            }
            let counts: Vec<u64> = self.counts[slot * self.splits..(slot + 1) * self.splits]
                .iter()
                .map(|&c| c as u64)
                .collect();
            report.values += 1;
            report.records += counts.iter().sum::<u64>();
            for (total, c) in report.per_split.iter_mut().zip(&counts) {
                *total += c;
            }
            if report.examples.len() < limit
                && let Some(other) = self.other[slot]
            {
                report.examples.push(Leak { first: self.first[slot], other, counts });
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_fractions_that_do_not_add_up_to_one_are_refused() {
        let err = parse_split("train=0.8,val=0.1,test=0.2").unwrap_err();
        assert!(err.contains("add up to 1.1, not 1"), "{err}");
        assert!(parse_split("train=0.7,test=0.2").is_err());
        // Fractions that add up, and whole-number relative weights, are fine.
        assert!(parse_split("train=0.8,val=0.1,test=0.1").is_ok());
        assert_eq!(parse_split("a=8,b=1,c=1").unwrap().weights, vec![0.8, 0.1, 0.1]);
        assert_eq!(parse_split("a=1,b=1").unwrap().weights, vec![0.5, 0.5]);
    }

    #[test]
    fn split_specs_parse_and_normalize() {
        let spec = parse_split("train=0.8,val=0.1,test=0.1").unwrap();
        assert_eq!(spec.names, ["train", "val", "test"]);
        let spec = parse_split("a=8,b=2").unwrap();
        assert!((spec.weights[0] - 0.8).abs() < 1e-12);
        for bad in ["train", "a=0", "a=-1", "a=x", "a=1,a=2", "../x=1", ".a=1", "a b=1", "=1"] {
            assert!(parse_split(bad).is_err(), "{bad}");
        }
        // r_huge_weights_are_relative_too: 1e308 + 1e308 overflowed to
        // infinity and every record went to the last split.
        let spec = parse_split("a=1e308,b=1e308").unwrap();
        assert_eq!(spec.weights, [0.5, 0.5]);
        // r_split_names_differing_in_case_are_refused: they are one folder on
        // a case-insensitive file system.
        let err = parse_split("Train=1,train=1").unwrap_err();
        assert!(err.contains("differ only in case"), "{err}");
        // r_split_named_manifest_json_is_refused: its folder took the
        // manifest's place and the run failed at the very end.
        assert!(parse_split("Manifest.JSON=1,b=1").unwrap_err().contains("manifest.json"));
    }

    #[test]
    fn stratified_deviation_stays_within_the_documented_bound() {
        for weights in [
            vec![0.8, 0.1, 0.1],
            vec![0.5, 0.5],
            vec![0.34, 0.33, 0.33],
            vec![0.9, 0.05, 0.03, 0.02],
            vec![0.2; 5],
        ] {
            let mut s = Stratifier::new(&weights);
            for i in 0..20_000u64 {
                let stratum = ["a", "b", "c"][(i % 7 % 3) as usize];
                let proposal = crate::hash::bucket(9, &i.to_le_bytes(), &weights);
                s.assign(stratum, proposal);
            }
            let bound = Stratifier::bound(weights.len());
            assert!(s.max_deviation < bound, "{weights:?}: {}", s.max_deviation);
            // The upper side holds for every number of splits.
            for state in s.strata.values() {
                for (c, w) in state.counts.iter().zip(&weights) {
                    assert!((*c as f64) - w * (state.units as f64) < 1.0);
                }
            }
        }
    }

    #[test]
    fn leaks_are_values_in_two_splits() {
        let mut t = LeakTracker::new(3);
        let at = |line, split| Loc { source: 0, line, split };
        t.add(1, at(1, 0));
        t.add(1, at(2, 0));
        t.add(2, at(3, 1));
        t.add(1, at(4, 2));
        t.add(3, at(5, 0));
        t.add(3, at(6, 1));
        let r = t.report(10);
        assert_eq!(r.values, 2);
        assert_eq!(r.records, 5);
        assert_eq!(r.per_split, [3, 1, 1]);
        assert_eq!(r.examples[0].other.line, 4);
        assert_eq!(r.examples[1].first.line, 5);
    }
}
