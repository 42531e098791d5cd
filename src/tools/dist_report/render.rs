//! The report's output formats: aligned tables for people, Markdown for
//! reports, one JSON document, and JSONL/CSV rows that compose with the other
//! tools. Every format is rendered from the same [`DatasetView`]s.

use clap::ValueEnum;
use serde_json::{Map, Value, json};

use super::acc::{key_json, key_shown, reads_as_other_kind};
use super::expect::Verdict;
use super::view::{DatasetView, FieldView, LengthView, QUANTILES, Role, TextView, type_mix};
use crate::json::MISSING_LABEL;
use crate::report::share_json as share;

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
}

pub fn render(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<u8> {
    match style.format {
        Format::Json => {
            let mut doc = document(body, style);
            if !verdicts.is_empty()
                && let Value::Object(map) = &mut doc
            {
                map.insert("expectations".into(), verdicts.iter().map(verdict_json).collect());
            }
            let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
            out.push(b'\n');
            out
        }
        Format::Jsonl => {
            let mut out = Vec::new();
            for row in rows(body, verdicts, style) {
                out.extend_from_slice(row.line().as_bytes());
                out.push(b'\n');
            }
            out
        }
        Format::Csv => csv(&rows(body, verdicts, style)),
        Format::Table | Format::Markdown => human(body, verdicts, style).into_bytes(),
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

fn verdict_json(v: &Verdict) -> Value {
    json!({"expect": v.text, "measured": opt(v.measured), "pass": v.pass})
}

fn type_name(kind: crate::json::Kind) -> &'static str {
    match kind {
        crate::json::Kind::Bool => "boolean",
        other => other.name(),
    }
}

fn types_json(kinds: &[u64; 6]) -> Value {
    let mut map = Map::new();
    for (kind, n) in type_mix(kinds) {
        map.insert(type_name(kind).into(), json!(n));
    }
    Value::Object(map)
}

fn field_json(f: &FieldView, top: usize) -> Value {
    let (shown, other) = f.top(top);
    let whole = f.denominator();
    let mut map = Map::new();
    map.insert("field".into(), json!(f.name));
    map.insert("role".into(), json!(f.role.name()));
    map.insert("records".into(), json!(f.records_with));
    map.insert("missing".into(), json!(f.missing));
    map.insert("values".into(), json!(f.values));
    map.insert("types".into(), types_json(&f.kinds));
    map.insert("distinct".into(), json!(f.distinct));
    map.insert("distinct_estimated".into(), json!(f.distinct_estimated));
    map.insert("diversity".into(), opt(f.diversity));
    map.insert(
        "counts".into(),
        shown
            .iter()
            .map(|(k, n)| json!({"value": key_json(k), "count": n, "share": share(*n, whole)}))
            .collect(),
    );
    map.insert(
        "other".into(),
        other.map_or(Value::Null, |(count, values)| {
            json!({"values": values, "count": count, "share": share(count, whole)})
        }),
    );
    map.insert("missing_share".into(), share(f.missing, whole));
    if let Some(n) = &f.numeric {
        let mut num = Map::new();
        num.insert("count".into(), json!(n.count));
        num.insert("non_numeric".into(), json!(f.values.saturating_sub(n.count)));
        num.insert("min".into(), json!(n.min));
        num.insert("max".into(), json!(n.max));
        num.insert("mean".into(), json!(n.mean));
        num.insert("std".into(), opt(n.std));
        for ((name, _), q) in QUANTILES.iter().zip(n.quantiles) {
            num.insert((*name).into(), opt(q));
        }
        num.insert("quantiles".into(), json!(if n.exact { "exact" } else { "sketch" }));
        num.insert(
            "histogram".into(),
            n.histogram
                .iter()
                .map(|(lo, hi, c)| json!({"low": lo, "high": hi, "count": c}))
                .collect(),
        );
        map.insert("numeric".into(), Value::Object(num));
    }
    Value::Object(map)
}

fn length_json(l: &LengthView) -> Value {
    json!({
        "min": opt(l.min), "mean": opt(l.mean), "std": opt(l.std), "p50": opt(l.p50),
        "p95": opt(l.p95), "max": opt(l.max), "quantiles": if l.exact { "exact" } else { "sketch" },
    })
}

fn text_json(t: &TextView) -> Value {
    json!({
        "field": t.name, "records": t.records_with, "missing": t.missing, "strings": t.strings,
        "non_string": t.non_string, "empty": t.empty,
        "chars": length_json(&t.chars), "words": length_json(&t.words),
    })
}

fn dataset_json(d: &DatasetView, top: usize) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("records".into(), json!(d.records));
    map.insert("diversity".into(), opt(d.diversity));
    map.insert("diversity_fields".into(), json!(d.diversity_fields));
    map.insert("fields".into(), d.fields.iter().map(|f| field_json(f, top)).collect());
    map.insert("text".into(), d.texts.iter().map(text_json).collect());
    if !d.discovered.is_empty() {
        map.insert(
            "discovered".into(),
            d.discovered
                .iter()
                .map(|p| {
                    json!({
                        "field": p.name, "records": p.present, "missing": p.missing,
                        "types": types_json(&p.kinds),
                        "min": p.numbers.map(|n| n.0), "mean": p.numbers.map(|n| n.1),
                        "max": p.numbers.map(|n| n.2),
                    })
                })
                .collect(),
        );
        map.insert("discovered_other".into(), json!(d.discovered_other));
    }
    map
}

fn document(body: &Body, style: &Style) -> Value {
    match body {
        Body::Plain { all, by, groups } => {
            let mut map = dataset_json(all, style.top);
            if let Some(by) = by {
                map.insert("by".into(), json!(by));
                let list: Vec<Value> = groups
                    .iter()
                    .map(|(name, d)| {
                        let mut g = Map::new();
                        g.insert("group".into(), json!(name));
                        g.extend(dataset_json(d, style.top));
                        Value::Object(g)
                    })
                    .collect();
                map.insert("groups".into(), Value::Array(list));
            }
            Value::Object(map)
        }
        Body::Compare { before, after } => {
            let fields: Vec<Value> = compare_fields(before, after, style.top)
                .into_iter()
                .map(|c| {
                    let mut map = Map::new();
                    map.insert("field".into(), json!(c.name));
                    map.insert(
                        "counts".into(),
                        c.rows.iter().map(|r| compare_value_row(r).value()).collect(),
                    );
                    if !c.stats.is_empty() {
                        let mut stats = Map::new();
                        for (name, b, a) in &c.stats {
                            stats.insert(
                                (*name).into(),
                                json!({"before": stat_value(name, *b), "after": stat_value(name, *a)}),
                            );
                        }
                        map.insert("numeric".into(), Value::Object(stats));
                    }
                    Value::Object(map)
                })
                .collect();
            let texts: Vec<Value> = before
                .texts
                .iter()
                .zip(&after.texts)
                .map(|(b, a)| {
                    json!({"field": b.name, "before": text_json(b), "after": text_json(a)})
                })
                .collect();
            json!({
                "before": {"records": before.records, "diversity": opt(before.diversity)},
                "after": {"records": after.records, "diversity": opt(after.diversity)},
                "change": after.records as i64 - before.records as i64,
                "retention": share(after.records, before.records),
                "fields": fields,
                "text": texts,
            })
        }
    }
}

/// A JSONL/CSV row: keys in insertion order.
#[derive(Default)]
struct Row(Vec<(String, Value)>);

impl Row {
    fn insert(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|e| e.0 == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    fn remove(&mut self, key: &str) {
        self.0.retain(|e| e.0 != key);
    }

    fn extend(&mut self, other: Row) {
        for (k, v) in other.0 {
            self.insert(&k, v);
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|e| e.0 == key).map(|e| &e.1)
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.0.as_str())
    }

    fn line(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&crate::json::quote(k));
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
        out
    }

    fn value(self) -> Value {
        Value::Object(self.0.into_iter().collect())
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

fn label_json(label: &Label) -> (Value, Option<u64>) {
    match label {
        Label::Value(k) => (key_json(k), None),
        Label::Missing => (Value::Null, None),
        Label::Other(n) => (Value::Null, Some(*n)),
    }
}

fn compare_value_row(r: &CompareRow) -> Row {
    let mut map = Row::default();
    let (value, other) = label_json(&r.label);
    match &r.label {
        Label::Value(_) => {
            map.insert("value", value);
        }
        Label::Missing => {
            map.insert("missing", json!(true));
        }
        Label::Other(_) => {
            map.insert("other_values", json!(other));
        }
    }
    map.insert("before_count", json!(r.before));
    map.insert("before_share", share(r.before, r.before_whole));
    map.insert("after_count", json!(r.after));
    map.insert("after_share", share(r.after, r.after_whole));
    map.insert("change", json!(r.after as i64 - r.before as i64));
    map.insert("retention", share(r.after, r.before));
    map
}

/// One "type" row per JSON type seen at a field, most frequent first.
fn type_rows(field: &str, kinds: &[u64; 6], whole: u64, group: Option<&str>, out: &mut Vec<Row>) {
    for (kind, n) in type_mix(kinds) {
        let mut r = row("type", group);
        r.insert("field", json!(field));
        r.insert("type", json!(type_name(kind)));
        r.insert("count", json!(n));
        r.insert("share", share(n, whole));
        out.push(r);
    }
}

fn row(kind: &str, group: Option<&str>) -> Row {
    let mut map = Row::default();
    map.insert("kind", json!(kind));
    if let Some(g) = group {
        map.insert("group", json!(g));
    }
    map
}

fn dataset_rows(d: &DatasetView, group: Option<&str>, top: usize, out: &mut Vec<Row>) {
    let mut r = row("dataset", group);
    r.insert("records", json!(d.records));
    r.insert("diversity", opt(d.diversity));
    if d.discovered_other > 0 {
        r.insert("discovered_other", json!(d.discovered_other));
    }
    out.push(r);
    for f in &d.fields {
        let whole = f.denominator();
        let mut r = row("field", group);
        r.insert("field", json!(f.name));
        r.insert("role", json!(f.role.name()));
        r.insert("records", json!(f.records_with));
        r.insert("missing", json!(f.missing));
        r.insert("values", json!(f.values));
        r.insert("distinct", json!(f.distinct));
        r.insert("distinct_estimated", json!(f.distinct_estimated));
        r.insert("diversity", opt(f.diversity));
        out.push(r);
        type_rows(&f.name, &f.kinds, f.values, group, out);
        let (shown, other) = f.top(top);
        for (k, n) in shown {
            let mut r = row("value", group);
            r.insert("field", json!(f.name));
            r.insert("value", key_json(k));
            r.insert("count", json!(n));
            r.insert("share", share(*n, whole));
            out.push(r);
        }
        if let Some((count, values)) = other {
            let mut r = row("other", group);
            r.insert("field", json!(f.name));
            r.insert("other_values", json!(values));
            r.insert("count", json!(count));
            r.insert("share", share(count, whole));
            out.push(r);
        }
        if f.missing > 0 {
            let mut r = row("missing", group);
            r.insert("field", json!(f.name));
            r.insert("count", json!(f.missing));
            r.insert("share", share(f.missing, whole));
            out.push(r);
        }
        if let Some(n) = &f.numeric {
            let mut stat = |name: &str, v: Value| {
                let mut r = row("stat", group);
                r.insert("field", json!(f.name));
                r.insert("stat", json!(name));
                r.insert("value", v);
                out.push(r);
            };
            stat("count", json!(n.count));
            stat("non_numeric", json!(f.values.saturating_sub(n.count)));
            stat("min", json!(n.min));
            for ((name, _), q) in QUANTILES.iter().zip(n.quantiles) {
                stat(name, opt(q));
            }
            stat("max", json!(n.max));
            stat("mean", json!(n.mean));
            stat("std", opt(n.std));
            stat("quantiles", json!(if n.exact { "exact" } else { "sketch" }));
            for (lo, hi, c) in &n.histogram {
                let mut r = row("bin", group);
                r.insert("field", json!(f.name));
                r.insert("low", json!(lo));
                r.insert("high", json!(hi));
                r.insert("count", json!(c));
                out.push(r);
            }
        }
    }
    for t in &d.texts {
        let mut r = row("text", group);
        r.insert("field", json!(t.name));
        r.insert("records", json!(t.records_with));
        r.insert("missing", json!(t.missing));
        r.insert("values", json!(t.strings));
        r.insert("non_string", json!(t.non_string));
        r.insert("empty", json!(t.empty));
        out.push(r);
        for (unit, l) in [("chars", &t.chars), ("words", &t.words)] {
            for (name, v) in
                [("min", l.min), ("mean", l.mean), ("p50", l.p50), ("p95", l.p95), ("max", l.max)]
            {
                let mut r = row("stat", group);
                r.insert("field", json!(t.name));
                r.insert("unit", json!(unit));
                r.insert("stat", json!(name));
                r.insert("value", opt(v));
                out.push(r);
            }
        }
    }
    for p in &d.discovered {
        let mut r = row("field", group);
        r.insert("field", json!(p.name));
        r.insert("role", json!("discovered"));
        r.insert("records", json!(p.present));
        r.insert("missing", json!(p.missing));
        out.push(r);
        type_rows(&p.name, &p.kinds, p.present, group, out);
        if let Some((min, mean, max)) = p.numbers {
            for (name, v) in [("min", min), ("mean", mean), ("max", max)] {
                let mut r = row("stat", group);
                r.insert("field", json!(p.name));
                r.insert("stat", json!(name));
                r.insert("value", json!(v));
                out.push(r);
            }
        }
    }
}

fn rows(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<Row> {
    let mut out = Vec::new();
    match body {
        Body::Plain { all, by, groups } => {
            dataset_rows(all, None, style.top, &mut out);
            if by.is_some() {
                for (name, d) in groups {
                    dataset_rows(d, Some(name), style.top, &mut out);
                }
            }
        }
        Body::Compare { before, after } => {
            let mut r = row("dataset", None);
            r.insert("before_records", json!(before.records));
            r.insert("after_records", json!(after.records));
            r.insert("change", json!(after.records as i64 - before.records as i64));
            r.insert("retention", share(after.records, before.records));
            r.insert("before_diversity", opt(before.diversity));
            r.insert("after_diversity", opt(after.diversity));
            out.push(r);
            for c in compare_fields(before, after, style.top) {
                for cr in &c.rows {
                    let kind = match cr.label {
                        Label::Value(_) => "value",
                        Label::Missing => "missing",
                        Label::Other(_) => "other",
                    };
                    let mut r = row(kind, None);
                    r.insert("field", json!(c.name));
                    r.extend(compare_value_row(cr));
                    r.remove("missing");
                    out.push(r);
                }
                for (name, b, a) in &c.stats {
                    let mut r = row("stat", None);
                    r.insert("field", json!(c.name));
                    r.insert("stat", json!(name));
                    r.insert("before", stat_value(name, *b));
                    r.insert("after", stat_value(name, *a));
                    out.push(r);
                }
            }
            for (b, a) in before.texts.iter().zip(&after.texts) {
                for (unit, lb, la) in [("chars", &b.chars, &a.chars), ("words", &b.words, &a.words)]
                {
                    for (name, vb, va) in [
                        ("min", lb.min, la.min),
                        ("mean", lb.mean, la.mean),
                        ("p50", lb.p50, la.p50),
                        ("p95", lb.p95, la.p95),
                        ("max", lb.max, la.max),
                    ] {
                        let mut r = row("stat", None);
                        r.insert("field", json!(b.name));
                        r.insert("unit", json!(unit));
                        r.insert("stat", json!(name));
                        r.insert("before", opt(vb));
                        r.insert("after", opt(va));
                        out.push(r);
                    }
                }
            }
        }
    }
    for v in verdicts {
        let mut r = row("expect", None);
        r.insert("expect", json!(v.text));
        r.insert("measured", opt(v.measured));
        r.insert("pass", json!(v.pass));
        out.push(r);
    }
    out
}

fn csv(rows: &[Row]) -> Vec<u8> {
    let mut columns: Vec<&str> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(&columns);
    for r in rows {
        // A counted value keeps its kind visible: `null` for null, and JSON
        // quotes on a string that would read as a number, boolean or null.
        let counted = matches!(r.get("kind"), Some(Value::String(k)) if k == "value");
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match r.get(c) {
                Some(Value::Null) if counted && *c == "value" => "null".into(),
                Some(v @ Value::String(s))
                    if counted && *c == "value" && reads_as_other_kind(s) =>
                {
                    v.to_string()
                }
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        let _ = writer.write_record(&cells);
    }
    writer.into_inner().unwrap_or_default()
}

/// A number as a person reads it: integers plainly, others to 4 decimals.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    if x.abs() >= 1e9 || x.abs() < 1e-3 {
        return format!("{x:.3e}");
    }
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn maybe(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), number)
}

fn percent(part: u64, whole: u64) -> String {
    crate::report::percent(part, whole)
}

fn bar(fraction: f64, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (fraction.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(EIGHTHS[eighths % 8]);
    s
}

/// Human formats: a table for the terminal or Markdown.
struct Human<'a> {
    out: String,
    style: &'a Style,
}

const BAR_WIDTH: usize = 24;

impl Human<'_> {
    fn markdown(&self) -> bool {
        self.style.format == Format::Markdown
    }

    fn bold(&self, text: &str) -> String {
        if self.markdown() {
            format!("**{text}**")
        } else if self.style.colour {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn heading(&mut self, level: usize, text: &str) {
        if self.markdown() {
            self.out.push_str(&format!("{} {text}\n\n", "#".repeat(level)));
        } else {
            let t = self.bold(text);
            self.out.push_str(&format!("{t}\n"));
        }
    }

    fn line(&mut self, text: &str) {
        if self.markdown() {
            self.out.push_str(&format!("{text}\n\n"));
        } else {
            self.out.push_str(&format!("  {text}\n"));
        }
    }

    /// A table: header, rows; `right` says which columns align right. The
    /// bar column (if any) is the last and has no header in the terminal.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>], right: &[bool]) {
        if self.markdown() {
            let esc = |s: &str| markdown_escape(s);
            self.out.push_str(&format!(
                "| {} |\n",
                header.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
            ));
            let rule: Vec<&str> =
                right.iter().take(header.len()).map(|&r| if r { "---:" } else { "---" }).collect();
            self.out.push_str(&format!("|{}|\n", rule.join("|")));
            for r in rows {
                let cells: Vec<String> = r.iter().take(header.len()).map(|c| esc(c)).collect();
                self.out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            self.out.push('\n');
            return;
        }
        let columns = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for r in rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect::<Vec<_>>())
            .chain([header.to_vec()])
        {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(display_width(c));
            }
        }
        let emit = |cells: Vec<&str>, out: &mut String, colour: bool| {
            let mut line = String::from("  ");
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(display_width(c));
                let last = i + 1 == cells.len();
                if i > 0 {
                    line.push_str("  ");
                }
                if right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(c);
                } else if last {
                    if colour && i >= header.len() {
                        line.push_str(&format!("\x1b[36m{c}\x1b[0m"));
                    } else {
                        line.push_str(c);
                    }
                } else {
                    line.push_str(c);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        };
        let colour = self.style.colour;
        emit(header.to_vec(), &mut self.out, false);
        for r in rows {
            emit(r.iter().map(String::as_str).collect(), &mut self.out, colour);
        }
    }

    fn gap(&mut self) {
        if !self.markdown() {
            self.out.push('\n');
        }
    }

    fn types(&mut self, kinds: &[u64; 6], whole: u64) {
        let mix = type_mix(kinds);
        if mix.len() > 1 {
            let parts: Vec<String> = mix
                .iter()
                .map(|(k, n)| format!("{} {}", type_name(*k), percent(*n, whole)))
                .collect();
            self.line(&format!("types: {}", parts.join(", ")));
        }
    }

    fn field(&mut self, f: &FieldView) {
        let mut facts = vec![f.role.name().to_string()];
        facts.push(count(f.records_with, "record"));
        if f.values != f.records_with {
            facts.push(count(f.values, "value"));
        }
        facts.push(format!("{} missing", f.missing));
        let approx = if f.distinct_estimated { "~" } else { "" };
        facts.push(format!("{approx}{} distinct", f.distinct));
        if let Some(d) = f.diversity {
            facts.push(format!("diversity {}", number3(d)));
        }
        let title = if self.markdown() { code_span(&f.name) } else { f.name.clone() };
        self.heading(3, &format!("{title} · {}", facts.join(" · ")));
        self.types(&f.kinds, f.values);
        if f.distinct_estimated {
            self.line(&format!(
                "over the --max-distinct cap: {} values are tracked, {} occurrences of the others are counted under \"other\" and the distinct count is an estimate",
                f.entries.len(),
                f.untracked
            ));
        }
        if f.role == Role::Numeric
            && let Some(n) = &f.numeric
        {
            let non = f.values.saturating_sub(n.count);
            let mut header = vec!["count", "non-numeric", "min"];
            header.extend(QUANTILES.iter().map(|q| q.0));
            header.extend(["max", "mean", "std"]);
            let mut cells = vec![n.count.to_string(), non.to_string(), number(n.min)];
            cells.extend(n.quantiles.iter().map(|q| maybe(*q)));
            cells.extend([number(n.max), number(n.mean), maybe(n.std)]);
            self.table(&header, &[cells], &[true; 11]);
            if !n.exact {
                self.line(&format!(
                    "quantiles from a sketch (more than {} values): within {:.2}% of the exact value",
                    crate::stats::EXACT_VALUES,
                    crate::stats::SKETCH_RELATIVE_ERROR * 100.0
                ));
            }
            if !f.distinct_estimated && f.entries.len() as u64 <= n.histogram.len() as u64 {
                // Few distinct values (0/15/30 minutes, a 1-5 rating): a value
                // table says more than a histogram.
                self.values(f);
                self.gap();
                return;
            }
            let peak = n.histogram.iter().map(|h| h.2).max().unwrap_or(0).max(1);
            let rows: Vec<Vec<String>> = n
                .histogram
                .iter()
                .enumerate()
                .map(|(i, (lo, hi, c))| {
                    let close = if i + 1 == n.histogram.len() { "]" } else { ")" };
                    vec![
                        format!("[{}, {}{close}", number(*lo), number(*hi)),
                        c.to_string(),
                        percent(*c, n.count),
                        bar(*c as f64 / peak as f64, BAR_WIDTH),
                    ]
                })
                .collect();
            self.table(&["range", "count", "share"], &rows, &[false, true, true]);
        } else {
            self.values(f);
            if let Some(n) = &f.numeric
                && n.count > 0
            {
                self.line(&format!(
                    "numbers: {} · min {} · mean {} · max {}",
                    n.count,
                    number(n.min),
                    number(n.mean),
                    number(n.max)
                ));
            }
        }
        self.gap();
    }

    /// The value table of a field: top values, other, missing.
    fn values(&mut self, f: &FieldView) {
        let approx = if f.distinct_estimated { "~" } else { "" };
        let whole = f.denominator();
        let (shown, other) = f.top(self.style.top);
        let mut rows: Vec<Vec<String>> = shown
            .iter()
            .map(|(k, n)| {
                vec![
                    display_value(k),
                    n.to_string(),
                    percent(*n, whole),
                    bar(*n as f64 / whole.max(1) as f64, BAR_WIDTH),
                ]
            })
            .collect();
        if let Some((count, values)) = other {
            rows.push(vec![
                format!("other ({approx}{values} values)"),
                count.to_string(),
                percent(count, whole),
                bar(count as f64 / whole.max(1) as f64, BAR_WIDTH),
            ]);
        }
        if f.missing > 0 {
            rows.push(vec![
                MISSING_LABEL.into(),
                f.missing.to_string(),
                percent(f.missing, whole),
                bar(f.missing as f64 / whole.max(1) as f64, BAR_WIDTH),
            ]);
        }
        self.table(&["value", "count", "share"], &rows, &[false, true, true]);
    }

    fn text(&mut self, t: &TextView) {
        let title = if self.markdown() { code_span(&t.name) } else { t.name.clone() };
        self.heading(
            3,
            &format!(
                "{title} · text · {} · {} missing · {} empty{}",
                count(t.strings, "string"),
                t.missing,
                t.empty,
                if t.non_string > 0 {
                    format!(" · {} not strings", t.non_string)
                } else {
                    String::new()
                }
            ),
        );
        let row = |unit: &str, l: &LengthView| {
            vec![
                unit.to_string(),
                maybe(l.min),
                maybe(l.mean),
                maybe(l.p50),
                maybe(l.p95),
                maybe(l.max),
            ]
        };
        self.table(
            &["length", "min", "mean", "p50", "p95", "max"],
            &[row("chars", &t.chars), row("words", &t.words)],
            &[false, true, true, true, true, true],
        );
        self.gap();
    }

    fn dataset(&mut self, d: &DatasetView, title: &str) {
        let mut facts = vec![count(d.records, "record")];
        if let Some(div) = d.diversity {
            facts.push(format!(
                "diversity {} (mean over {})",
                number3(div),
                d.diversity_fields.join(", ")
            ));
        }
        self.heading(2, &format!("{title}{}", facts.join(" · ")));
        self.gap();
        for f in &d.fields {
            self.field(f);
        }
        for t in &d.texts {
            self.text(t);
        }
        if !d.discovered.is_empty() {
            let rows: Vec<Vec<String>> = d
                .discovered
                .iter()
                .map(|p| {
                    let mix: Vec<String> = type_mix(&p.kinds)
                        .iter()
                        .map(|(k, n)| format!("{} {}", type_name(*k), percent(*n, p.present)))
                        .collect();
                    let (min, mean, max) = p
                        .numbers
                        .map_or((String::new(), String::new(), String::new()), |(a, b, c)| {
                            (number(a), number(b), number(c))
                        });
                    vec![
                        p.name.clone(),
                        p.present.to_string(),
                        p.missing.to_string(),
                        mix.join(", "),
                        min,
                        mean,
                        max,
                    ]
                })
                .collect();
            self.table(
                &["field", "records", "missing", "types", "min", "mean", "max"],
                &rows,
                &[false, true, true, false, true, true, true],
            );
            if d.discovered_other > 0 {
                self.line(&format!(
                    "{} more values in fields not listed (at most {} fields are: those with the smallest seeded hash)",
                    d.discovered_other,
                    super::acc::MAX_DISCOVERED
                ));
            }
            self.gap();
        }
    }

    fn compare(&mut self, before: &DatasetView, after: &DatasetView) {
        let change = after.records as i64 - before.records as i64;
        self.heading(
            2,
            &format!(
                "before {} → after {} · change {change:+} · retention {}",
                count(before.records, "record"),
                count(after.records, "record"),
                percent(after.records, before.records)
            ),
        );
        if before.diversity.is_some() || after.diversity.is_some() {
            self.line(&format!(
                "diversity {} → {}",
                before.diversity.map_or("–".into(), number3),
                after.diversity.map_or("–".into(), number3)
            ));
        }
        self.gap();
        for c in compare_fields(before, after, self.style.top) {
            let title = if self.markdown() { code_span(&c.name) } else { c.name.clone() };
            self.heading(3, &title);
            // A numeric field is compared by its statistics, not value by value.
            if !c.numeric {
                let rows: Vec<Vec<String>> = c
                    .rows
                    .iter()
                    .map(|r| {
                        let label = match &r.label {
                            Label::Value(k) => display_value(k),
                            Label::Missing => MISSING_LABEL.into(),
                            Label::Other(n) => format!("other ({n} values)"),
                        };
                        vec![
                            label,
                            r.before.to_string(),
                            percent(r.before, r.before_whole),
                            r.after.to_string(),
                            percent(r.after, r.after_whole),
                            format!("{:+}", r.after as i64 - r.before as i64),
                            percent(r.after, r.before),
                        ]
                    })
                    .collect();
                self.table(
                    &["value", "before", "share", "after", "share", "change", "retention"],
                    &rows,
                    &[false, true, true, true, true, true, true],
                );
            }
            if !c.stats.is_empty() {
                let rows: Vec<Vec<String>> = c
                    .stats
                    .iter()
                    .map(|(name, b, a)| {
                        let change = match (b, a) {
                            (Some(b), Some(a)) => {
                                format!("{}{}", if a >= b { "+" } else { "" }, number(a - b))
                            }
                            _ => "–".into(),
                        };
                        vec![(*name).to_string(), maybe(*b), maybe(*a), change]
                    })
                    .collect();
                self.table(
                    &["stat", "before", "after", "change"],
                    &rows,
                    &[false, true, true, true],
                );
            }
            self.gap();
        }
        for (b, a) in before.texts.iter().zip(&after.texts) {
            let title = if self.markdown() { code_span(&b.name) } else { b.name.clone() };
            self.heading(3, &format!("{title} · text lengths"));
            let mut rows = Vec::new();
            for (unit, lb, la) in [("chars", &b.chars, &a.chars), ("words", &b.words, &a.words)] {
                for (name, vb, va) in [
                    ("mean", lb.mean, la.mean),
                    ("p50", lb.p50, la.p50),
                    ("p95", lb.p95, la.p95),
                    ("max", lb.max, la.max),
                ] {
                    rows.push(vec![format!("{unit} {name}"), maybe(vb), maybe(va)]);
                }
            }
            self.table(&["stat", "before", "after"], &rows, &[false, true, true]);
            self.gap();
        }
    }
}

/// "1 record", "2 records".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// `name` as a Markdown code span: fenced by one more backtick than its
/// longest run of backticks, so a name holding one cannot end the span.
fn code_span(name: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in name.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    if longest == 0 {
        return format!("`{name}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {name} {fence}")
}

/// Text for a Markdown table cell: a backslash before `|` would escape the
/// escape and end the cell, and `*`, backticks, `<` and brackets would
/// turn a value into formatting, so every one of them is escaped.
fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '`' | '<' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Columns a terminal gives `s` (wide CJK and emoji two, combining marks none).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn number3(x: f64) -> String {
    format!("{x:.3}")
}

fn display_value(key: &[u8]) -> String {
    let text = key_shown(key);
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() > 60 {
        let cut: String = flat.chars().take(57).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

fn human(body: &Body, verdicts: &[Verdict], style: &Style) -> String {
    let mut h = Human { out: String::new(), style };
    match body {
        Body::Plain { all, by, groups } => {
            if h.markdown() {
                h.heading(1, "Dataset report");
            }
            h.dataset(all, if by.is_some() { "all records · " } else { "" });
            if let Some(by) = by {
                for (name, d) in groups {
                    h.dataset(d, &format!("{by} = {name} · "));
                }
            }
        }
        Body::Compare { before, after } => {
            if h.markdown() {
                h.heading(1, "Before vs after");
            }
            h.compare(before, after);
        }
    }
    if !verdicts.is_empty() {
        h.heading(2, "expectations");
        let rows: Vec<Vec<String>> = verdicts
            .iter()
            .map(|v| {
                vec![
                    if v.pass { "pass".into() } else { "FAIL".into() },
                    v.text.clone(),
                    v.measured.map_or("n/a".into(), number),
                ]
            })
            .collect();
        h.table(&["", "expectation", "measured"], &rows, &[false, false, true]);
    }
    let mut out = h.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
