//! The report as figures: what the accumulated state says, computed once
//! and shared by every output format and by the `--expect` gates.

use super::acc::{Dataset, FieldAcc, KINDS, Lengths, PathAcc, Plan, key_json, key_text};
use crate::json::Kind;
use crate::stats::{Moments, Quantiles};

/// The quantiles every numeric field reports.
pub const QUANTILES: [(&str, f64); 5] =
    [("p5", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Categorical,
    Numeric,
    Boolean,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Categorical => "categorical",
            Role::Numeric => "numeric",
            Role::Boolean => "boolean",
        }
    }
}

pub struct NumericView {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub std: Option<f64>,
    pub quantiles: [Option<f64>; 5],
    pub exact: bool,
    /// The bound on the relative error of the quantiles (0 when exact).
    pub relative_error: f64,
    /// (low, high, count): equal-width bins over [min, max], with decimal edges.
    pub histogram: Vec<(f64, f64, u64)>,
}

/// A tracked value (its key) and its count.
pub type Entry = (Vec<u8>, u64);

pub struct FieldView {
    pub name: String,
    pub role: Role,
    pub records_with: u64,
    pub missing: u64,
    pub values: u64,
    pub kinds: [u64; 6],
    pub distinct: u64,
    pub distinct_estimated: bool,
    /// Tracked values, most frequent first, then by value.
    pub entries: Vec<Entry>,
    /// Values past the distinct cap (not tracked one by one).
    pub untracked: u64,
    pub diversity: Option<f64>,
    pub numeric: Option<NumericView>,
}

impl FieldView {
    /// What shares are a fraction of: the values plus the records with none.
    pub fn denominator(&self) -> u64 {
        self.values + self.missing
    }

    /// The count of the value whose key is `wanted` (see
    /// `acc::wanted_key`: numbers by value); unknown (`None`) for a value
    /// that is not tracked once the field is past --max-distinct, where it
    /// may be among the values counted under "other".
    pub fn count_of(&self, wanted: &[u8]) -> Option<u64> {
        match self.entries.iter().find(|(k, _)| k.as_slice() == wanted) {
            Some((_, n)) => Some(*n),
            None => (self.untracked == 0).then_some(0),
        }
    }

    /// The spelling of a tracked value of another kind that reads like the
    /// one wanted (`"1"` or `"1.0"` for the number 1), to correct a mistyped
    /// --expect.
    pub fn same_text_other_kind(&self, wanted_key: &[u8]) -> Option<String> {
        let norm = |k: &[u8]| {
            let text = key_text(k);
            crate::number::canonical(&text).unwrap_or(text)
        };
        let wanted = norm(wanted_key);
        self.entries
            .iter()
            .find(|(k, _)| k.first() != wanted_key.first() && norm(k) == wanted)
            .map(|(k, _)| key_json(k).to_string())
    }

    /// The value rows shown: the `top` most frequent, then (count, values)
    /// of the rest folded into one row.
    pub fn top(&self, top: usize) -> (&[Entry], Option<(u64, u64)>) {
        let shown = &self.entries[..top.min(self.entries.len())];
        let rest_count: u64 =
            self.entries[shown.len()..].iter().map(|(_, n)| n).sum::<u64>() + self.untracked;
        let rest_values = self.distinct.saturating_sub(shown.len() as u64);
        let other = (rest_count > 0).then_some((rest_count, rest_values));
        (shown, other)
    }
}

/// The JSON kinds present, with counts, most frequent first.
pub fn type_mix(kinds: &[u64; 6]) -> Vec<(Kind, u64)> {
    let mut mix: Vec<(Kind, u64)> =
        KINDS.iter().zip(kinds).filter(|(_, n)| **n > 0).map(|(k, n)| (*k, *n)).collect();
    mix.sort_by_key(|m| std::cmp::Reverse(m.1));
    mix
}

#[derive(Default)]
pub struct LengthView {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub exact: bool,
    /// The bound on the relative error of p50 and p95 (0 when exact).
    pub relative_error: f64,
}

pub struct TextView {
    pub name: String,
    pub records_with: u64,
    pub missing: u64,
    pub strings: u64,
    pub non_string: u64,
    pub empty: u64,
    pub chars: LengthView,
    pub words: LengthView,
}

pub struct PathView {
    pub name: String,
    pub present: u64,
    pub missing: u64,
    pub kinds: [u64; 6],
    pub numbers: Option<(f64, f64, f64)>,
}

pub struct DatasetView {
    pub records: u64,
    pub fields: Vec<FieldView>,
    pub texts: Vec<TextView>,
    pub discovered: Vec<PathView>,
    /// Fields past the discovery cap, reported together.
    pub discovered_other: u64,
    pub diversity: Option<f64>,
    pub diversity_fields: Vec<String>,
}

/// Normalised Shannon entropy H / log2(k) of counts (k ≥ 2), 0 for one value.
pub fn normalized_entropy(counts: impl Iterator<Item = u64>) -> Option<f64> {
    let counts: Vec<u64> = counts.filter(|&n| n > 0).collect();
    let total: u64 = counts.iter().sum();
    match counts.len() {
        0 => None,
        1 => Some(0.0),
        k => {
            let h: f64 = counts
                .iter()
                .map(|&n| {
                    let p = n as f64 / total as f64;
                    -p * p.log2()
                })
                .sum();
            Some((h / (k as f64).log2()).clamp(0.0, 1.0))
        }
    }
}

fn role(kinds: &[u64; 6]) -> Role {
    let at = |k: Kind| kinds[KINDS.iter().position(|&x| x == k).unwrap_or(0)];
    let (numbers, strings, bools) = (at(Kind::Number), at(Kind::String), at(Kind::Bool));
    if numbers > 0 && numbers > strings && numbers >= bools {
        Role::Numeric
    } else if bools > 0 && bools > strings && bools > numbers {
        Role::Boolean
    } else {
        Role::Categorical
    }
}

fn numeric(moments: &Moments, quantiles: &Quantiles, bins: usize) -> Option<NumericView> {
    let (min, max, mean) = (moments.min()?, moments.max()?, moments.mean()?);
    let qs: Vec<f64> = QUANTILES.iter().map(|q| q.1).collect();
    let got = quantiles.quantiles(&qs, min, max);
    let mut q = [None; 5];
    q.copy_from_slice(&got);
    let edges = crate::stats::histogram_edges(bins, min, max);
    let counts = quantiles.histogram(&edges);
    let histogram = counts.iter().enumerate().map(|(i, &n)| (edges[i], edges[i + 1], n)).collect();
    Some(NumericView {
        count: moments.count,
        min,
        max,
        mean,
        std: moments.std(),
        quantiles: q,
        exact: quantiles.is_exact(),
        relative_error: quantiles.relative_error(),
        histogram,
    })
}

fn field_view(name: &str, acc: &FieldAcc, records: u64, bins: usize) -> FieldView {
    let mut entries: Vec<(Vec<u8>, u64)> =
        acc.counter.sorted().into_iter().map(|(k, n)| (k.to_vec(), *n)).collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let capped = acc.counter.capped();
    let distinct = if capped { acc.counter.estimated_distinct() } else { entries.len() as u64 };
    let diversity =
        normalized_entropy(entries.iter().map(|e| e.1).chain(std::iter::once(acc.counter.other)));
    FieldView {
        name: name.to_string(),
        role: role(&acc.kinds),
        records_with: acc.records_with,
        missing: records.saturating_sub(acc.records_with),
        values: acc.values,
        kinds: acc.kinds,
        distinct,
        distinct_estimated: capped,
        entries,
        untracked: acc.counter.other,
        diversity,
        numeric: numeric(&acc.moments, &acc.quantiles, bins),
    }
}

fn length_view(lengths: &Lengths) -> LengthView {
    let m = &lengths.moments;
    let (Some(min), Some(max)) = (m.min(), m.max()) else {
        return LengthView { exact: true, ..LengthView::default() };
    };
    let q = lengths.quantiles.quantiles(&[0.5, 0.95], min, max);
    LengthView {
        min: Some(min),
        max: Some(max),
        mean: m.mean(),
        std: m.std(),
        p50: q[0],
        p95: q[1],
        exact: lengths.quantiles.is_exact(),
        relative_error: lengths.quantiles.relative_error(),
    }
}

fn path_view(name: String, acc: &PathAcc, records: u64) -> PathView {
    let m = &acc.moments;
    PathView {
        name,
        present: acc.present(),
        missing: records.saturating_sub(acc.present()),
        kinds: acc.kinds,
        numbers: match (m.min(), m.mean(), m.max()) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        },
    }
}

impl DatasetView {
    pub fn new(plan: &Plan, data: &Dataset, bins: usize) -> DatasetView {
        let records = data.records;
        let fields: Vec<FieldView> = plan
            .fields
            .iter()
            .zip(&data.fields)
            .map(|(path, acc)| field_view(path.as_str(), acc, records, bins))
            .collect();
        let texts = plan
            .texts
            .iter()
            .zip(&data.texts)
            .map(|(path, t)| TextView {
                name: path.as_str().to_string(),
                records_with: t.records_with,
                missing: records.saturating_sub(t.records_with),
                strings: t.strings,
                non_string: t.non_string,
                empty: t.empty,
                chars: length_view(&t.chars),
                words: length_view(&t.words),
            })
            .collect();
        let mut found: Vec<(&[u8], &PathAcc)> = data.discovered.sorted();
        found.sort_by_key(|(_, p)| p.first);
        let discovered = found
            .into_iter()
            .map(|(k, p)| path_view(String::from_utf8_lossy(k).into_owned(), p, records))
            .collect();
        // The dataset's diversity: the mean over categorical and boolean
        // fields, or over every field when all of them are numeric.
        let mut named: Vec<&FieldView> =
            fields.iter().filter(|f| f.role != Role::Numeric && f.diversity.is_some()).collect();
        if named.is_empty() {
            named = fields.iter().filter(|f| f.diversity.is_some()).collect();
        }
        let diversity = (!named.is_empty())
            .then(|| named.iter().filter_map(|f| f.diversity).sum::<f64>() / named.len() as f64);
        DatasetView {
            records,
            diversity_fields: named.iter().map(|f| f.name.clone()).collect(),
            fields,
            texts,
            discovered,
            discovered_other: data.discovered.other.present(),
            diversity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_is_normalised() {
        assert_eq!(normalized_entropy([5, 5].into_iter()), Some(1.0));
        assert_eq!(normalized_entropy([7].into_iter()), Some(0.0));
        assert_eq!(normalized_entropy(std::iter::empty()), None);
        let skewed = normalized_entropy([90, 10].into_iter()).unwrap();
        assert!((skewed - 0.4690).abs() < 1e-4, "{skewed}");
    }
}
