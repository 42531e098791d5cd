//! The rows (`--format jsonl` and `csv`): one flat object per dataset,
//! field, JSON type, value (and "other" and "missing"), statistic, histogram
//! bin, text field and expectation, each with its "kind" (and "group" under
//! `--by`), so that the report composes with the other tools. CSV writes the
//! same rows, one column per key seen.

use serde_json::{Value, json};

use super::{Body, CompareRow, Label, Style, compare_fields, opt, stat_value, type_name};
use crate::report::share_json as share;
use crate::tools::dist_report::acc::{key_json, reads_as_other_kind};
use crate::tools::dist_report::expect::Verdict;
use crate::tools::dist_report::view::{DatasetView, QUANTILES, type_mix};

/// The rows as JSONL, one line each.
pub(super) fn jsonl(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows(body, verdicts, style) {
        out.extend_from_slice(row.line().as_bytes());
        out.push(b'\n');
    }
    out
}

/// A JSONL/CSV row: keys in insertion order.
#[derive(Default)]
pub(super) struct Row(Vec<(String, Value)>);

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

    pub(super) fn value(self) -> Value {
        Value::Object(self.0.into_iter().collect())
    }
}

fn label_json(label: &Label) -> (Value, Option<u64>) {
    match label {
        Label::Value(k) => (key_json(k), None),
        Label::Missing => (Value::Null, None),
        Label::Other(n) => (Value::Null, Some(*n)),
    }
}

pub(super) fn compare_value_row(r: &CompareRow) -> Row {
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
            stat("quantiles_relative_error", json!(n.relative_error));
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

pub(super) fn rows(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<Row> {
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
        r.insert("approximate", opt(v.approximate));
        out.push(r);
    }
    out
}

pub(super) fn csv(rows: &[Row], escape_formulas: bool) -> Vec<u8> {
    let escape = |c: &str| crate::csv_cell::cell(c, escape_formulas).into_owned();
    let mut columns: Vec<&str> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(columns.iter().map(|c| escape(c)));
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
            .map(|c| escape(&c))
            .collect();
        let _ = writer.write_record(&cells);
    }
    writer.into_inner().unwrap_or_default()
}
