//! The report's output formats: aligned tables for people, Markdown for
//! reports, one JSON document, and JSONL/CSV rows that compose with the other
//! tools. Every format is rendered from the same [`DatasetView`]s.
//!
//! This module owns what the formats share: the [`Format`] choice, the
//! [`Body`] being reported, [`render`] (which hands the body to one
//! renderer), and the before/after comparison model every format walks
//! (`compare_fields`). The renderers are `json` (the document), `rows`
//! (JSONL and CSV) and `human` (table and Markdown).

mod human;
mod json;
mod rows;

use clap::ValueEnum;
use serde_json::{Value, json};

use super::expect::Verdict;
use super::view::{DatasetView, FieldView, Role};

pub use human::{count, number};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with a bar for each share (colour on a terminal unless NO_COLOR)
    Table,
    /// Markdown tables, ready to paste into a report
    Markdown,
    /// One JSON document
    Json,
    /// One JSON object per field, value or statistic
    Jsonl,
    /// The JSONL rows as CSV, one column per key
    Csv,
}

/// What is reported.
pub enum Body {
    Plain { all: DatasetView, by: Option<String>, groups: Vec<(String, DatasetView)> },
    Compare { before: DatasetView, after: DatasetView },
}

pub struct Style {
    pub format: Format,
    pub top: usize,
    pub colour: bool,
    /// `--escape-formulas`: CSV cells a spreadsheet would run get a `'` in front.
    pub escape_formulas: bool,
}

pub fn render(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<u8> {
    match style.format {
        Format::Json => json::render(body, verdicts, style),
        Format::Jsonl => rows::jsonl(body, verdicts, style),
        Format::Csv => rows::csv(&rows::rows(body, verdicts, style), style.escape_formulas),
        Format::Table | Format::Markdown => human::human(body, verdicts, style).into_bytes(),
    }
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |v| json!(v))
}

/// A statistic for machine formats: counts as integers.
fn stat_value(name: &str, x: Option<f64>) -> Value {
    match x {
        Some(v) if name == "count" => json!(v as u64),
        other => opt(other),
    }
}

fn type_name(kind: crate::json::Kind) -> &'static str {
    match kind {
        crate::json::Kind::Bool => "boolean",
        other => other.name(),
    }
}

/// One value of a comparison: counts and shares before and after.
struct CompareRow {
    label: Label,
    before: u64,
    before_whole: u64,
    after: u64,
    after_whole: u64,
}

enum Label {
    Value(Vec<u8>),
    Missing,
    Other(u64),
}

struct CompareField {
    name: String,
    rows: Vec<CompareRow>,
    /// (stat, before, after) for numeric fields.
    stats: Vec<(&'static str, Option<f64>, Option<f64>)>,
    numeric: bool,
}

fn compare_fields(before: &DatasetView, after: &DatasetView, top: usize) -> Vec<CompareField> {
    before
        .fields
        .iter()
        .zip(&after.fields)
        .map(|(b, a)| {
            let mut keys: Vec<(&Vec<u8>, u64, u64)> = Vec::new();
            for (k, n) in &b.entries {
                keys.push((k, *n, a.entries.iter().find(|e| &e.0 == k).map_or(0, |e| e.1)));
            }
            for (k, n) in &a.entries {
                if !b.entries.iter().any(|e| &e.0 == k) {
                    keys.push((k, 0, *n));
                }
            }
            keys.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then_with(|| x.0.cmp(y.0)));
            let shown = keys.len().min(top);
            let mut rows: Vec<CompareRow> = keys[..shown]
                .iter()
                .map(|(k, nb, na)| CompareRow {
                    label: Label::Value((*k).clone()),
                    before: *nb,
                    before_whole: b.denominator(),
                    after: *na,
                    after_whole: a.denominator(),
                })
                .collect();
            let rest_b: u64 = keys[shown..].iter().map(|k| k.1).sum::<u64>() + b.untracked;
            let rest_a: u64 = keys[shown..].iter().map(|k| k.2).sum::<u64>() + a.untracked;
            if rest_b + rest_a > 0 {
                rows.push(CompareRow {
                    label: Label::Other((keys.len() - shown) as u64),
                    before: rest_b,
                    before_whole: b.denominator(),
                    after: rest_a,
                    after_whole: a.denominator(),
                });
            }
            if b.missing + a.missing > 0 {
                rows.push(CompareRow {
                    label: Label::Missing,
                    before: b.missing,
                    before_whole: b.denominator(),
                    after: a.missing,
                    after_whole: a.denominator(),
                });
            }
            let numeric = b.role == Role::Numeric || a.role == Role::Numeric;
            let stats = if numeric {
                let get = |f: &FieldView, s: &str| -> Option<f64> {
                    // A side without numbers has a count of 0, and no other figure.
                    let Some(n) = f.numeric.as_ref() else {
                        return (s == "count").then_some(0.0);
                    };
                    match s {
                        "count" => Some(n.count as f64),
                        "min" => Some(n.min),
                        "mean" => Some(n.mean),
                        "max" => Some(n.max),
                        "std" => n.std,
                        _ => n.quantiles[2],
                    }
                };
                ["count", "min", "mean", "p50", "max", "std"]
                    .into_iter()
                    .map(|s| (s, get(b, s), get(a, s)))
                    .collect()
            } else {
                Vec::new()
            };
            CompareField { name: b.name.clone(), rows, stats, numeric }
        })
        .collect()
}
