//! The JSON document (`--format json`): the figures of one dataset, of each
//! `--by` group, or of a before/after comparison, as one pretty-printed
//! object, with the expectations' verdicts appended. A comparison's value
//! counts are the same objects as its JSONL rows ([`compare_value_row`]).

use serde_json::{Map, Value, json};

use super::rows::compare_value_row;
use super::{Body, Style, compare_fields, opt, stat_value, type_name};
use crate::report::share_json as share;
use crate::tools::dist_report::acc::key_json;
use crate::tools::dist_report::expect::Verdict;
use crate::tools::dist_report::view::{
    DatasetView, FieldView, LengthView, QUANTILES, TextView, type_mix,
};

/// The document, with the verdicts under "expectations" when there are any.
pub(super) fn render(body: &Body, verdicts: &[Verdict], style: &Style) -> Vec<u8> {
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

fn verdict_json(v: &Verdict) -> Value {
    json!({"expect": v.text, "measured": opt(v.measured), "pass": v.pass, "approximate": opt(v.approximate)})
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
        num.insert("quantiles_relative_error".into(), json!(n.relative_error));
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
        "quantiles_relative_error": l.relative_error,
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
