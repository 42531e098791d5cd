//! `--expect` gates: a small grammar checked when the command line is parsed,
//! and evaluated against the finished report.
//!
//! ```text
//! EXPR    := SUBJECT OP NUMBER | SUBJECT ':' NUMBER '..' NUMBER
//! OP      := >= | <= | > | < | == | !=
//! SUBJECT := count | diversity | retention
//!          | FIELD '=' VALUE [':' (share | count | retention)]
//!          | FIELD '.' STAT | FIELD '.' (chars | words) '.' STAT
//! VALUE   := a JSON scalar (`1`, `true`, `null`, `"1"`) | bare text (a string)
//! ```
//!
//! VALUE follows JSON, so `v=1` is the number and `v="1"` the string; text
//! that is not JSON (`status=accepted`) is the string it spells. A value that
//! is absent while the same text is present as another kind is refused with
//! the spelling that would match, rather than measured as 0.

use std::fmt;

use serde_json::Value as Json;

use super::view::{DatasetView, FieldView, TextView};

/// Statistics a field or text subject may name.
pub const FIELD_STATS: &[&str] = &[
    "count",
    "missing",
    "distinct",
    "diversity",
    "non_numeric",
    "min",
    "max",
    "mean",
    "std",
    "p5",
    "p25",
    "p50",
    "median",
    "p75",
    "p95",
];
pub const TEXT_STATS: &[&str] = &["count", "missing", "empty", "non_string"];
pub const LENGTH_STATS: &[&str] = &["min", "max", "mean", "std", "p50", "p95"];

const GRAMMAR: &str = "expected SUBJECT OP NUMBER or SUBJECT:LOW..HIGH, where OP is one of >= <= > < == != \
and SUBJECT is count, diversity, retention, FIELD=VALUE (its share; FIELD=VALUE:count, \
FIELD=VALUE:retention), FIELD.STAT (count missing distinct diversity non_numeric min max mean std \
p5 p25 p50 median p75 p95) or TEXT.chars.STAT / TEXT.words.STAT (min max mean std p50 p95); \
e.g. 'score.min>=0.82', 'status=conflicts:count>=10', 'importance_label=critical:0.10..0.15'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl Op {
    const ALL: [(&'static str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Lt => a < b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare(Op, f64),
    Range(f64, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Share,
    Count,
    Retention,
}

/// What an expectation measures; field names are resolved against the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Count,
    Diversity,
    Retention,
    Value {
        field: String,
        value: Json,
        /// The value's key as the report counts it (`acc::wanted_key`).
        key: Vec<u8>,
        measure: Measure,
    },
    /// `rest` is everything after the field name: `min`, `chars.p95`…
    Stat {
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub text: String,
    pub subject: Subject,
    pub test: Test,
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The VALUE of `FIELD=VALUE`: a JSON scalar where it is one, else the text.
fn scalar(text: &str) -> Json {
    match serde_json::from_str::<Json>(text) {
        Ok(v @ (Json::Number(_) | Json::Bool(_) | Json::Null | Json::String(_))) => v,
        _ => Json::String(text.to_string()),
    }
}

/// Parses one `--expect` argument (clap value parser).
pub fn parse(text: &str) -> Result<Expectation, String> {
    let bad = |why: &str| format!("{why}; {GRAMMAR}");
    let trimmed = text.trim();
    // SUBJECT OP NUMBER: the rightmost operator whose right side is a number.
    let mut split = None;
    for (at, _) in trimmed.char_indices().rev() {
        if let Some((sym, op)) = Op::ALL.iter().find(|(sym, _)| trimmed[at..].starts_with(sym))
            && let Some(n) = number(&trimmed[at + sym.len()..])
        {
            // `>=` also starts with `>`: prefer the two-character operator.
            let (at, op) = if at > 0
                && matches!(op, Op::Gt | Op::Lt)
                && trimmed[..at].ends_with(['>', '<', '=', '!'])
            {
                continue;
            } else {
                (at, *op)
            };
            split = Some((at, Test::Compare(op, n)));
            break;
        }
    }
    if split.is_none()
        && let Some(colon) = trimmed.rfind(':')
        && let Some((low, high)) = trimmed[colon + 1..].split_once("..")
    {
        let (Some(low), Some(high)) = (number(low), number(high)) else {
            return Err(bad(&format!(
                "`{}` is not a range LOW..HIGH of numbers",
                &trimmed[colon + 1..]
            )));
        };
        if low > high {
            return Err(bad(&format!("the range {low}..{high} is empty")));
        }
        split = Some((colon, Test::Range(low, high)));
    }
    let Some((at, test)) = split else {
        return Err(bad(&format!("`{trimmed}` has no comparison with a number")));
    };
    let left = trimmed[..at].trim();
    if left.is_empty() {
        return Err(bad("nothing to measure before the comparison"));
    }
    let subject = match left {
        "count" | "records" => Subject::Count,
        "diversity" => Subject::Diversity,
        "retention" => Subject::Retention,
        _ => match left.split_once('=') {
            Some((field, rest)) => {
                let (value, measure) = match rest.rsplit_once(':') {
                    Some((v, "share")) => (v, Measure::Share),
                    Some((v, "count")) => (v, Measure::Count),
                    Some((v, "retention")) => (v, Measure::Retention),
                    _ => (rest, Measure::Share),
                };
                if field.is_empty() {
                    return Err(bad(&format!("`{left}` names no field before `=`")));
                }
                let json = scalar(value);
                let key = super::acc::wanted_key(&json, value);
                Subject::Value { field: field.into(), value: json, key, measure }
            }
            None => {
                let known = left.rsplit_once('.').is_some_and(|(head, stat)| {
                    if let Some((_, unit)) = head.rsplit_once('.')
                        && matches!(unit, "chars" | "words")
                        && LENGTH_STATS.contains(&stat)
                    {
                        return true;
                    }
                    !head.is_empty() && (FIELD_STATS.contains(&stat) || TEXT_STATS.contains(&stat))
                });
                if !known {
                    return Err(bad(&format!("`{left}` is not a subject")));
                }
                Subject::Stat { path: left.into() }
            }
        },
    };
    Ok(Expectation { text: trimmed.to_string(), subject, test })
}

impl Expectation {
    pub fn needs_compare(&self) -> bool {
        matches!(
            self.subject,
            Subject::Retention | Subject::Value { measure: Measure::Retention, .. }
        )
    }
}

/// The outcome of one expectation.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub text: String,
    pub measured: Option<f64>,
    pub pass: bool,
    /// For a quantile read from the sketch: the bound on its relative error.
    pub approximate: Option<f64>,
}

/// Resolves and measures an expectation; `Err` when it names a field the
/// report does not have (a usage error).
pub fn evaluate(
    e: &Expectation,
    now: &DatasetView,
    before: Option<&DatasetView>,
) -> Result<Verdict, String> {
    let measured = match &e.subject {
        Subject::Count => Some(now.records as f64),
        Subject::Diversity => now.diversity,
        Subject::Retention => {
            let before = before.ok_or("retention needs --compare")?;
            ratio(now.records, before.records)
        }
        Subject::Value { field, value, key, measure } => {
            let f = find_field(now, field)?;
            let count = f.count_of(key);
            if count == Some(0)
                && let Some(other) = f.same_text_other_kind(key)
            {
                return Err(format!(
                    "`{}` looks for {}, which `{field}` never holds; it holds {other} \
                     (write {field}={other})",
                    e.text,
                    describe(value)
                ));
            }
            match measure {
                Measure::Count => count.map(|n| n as f64),
                Measure::Share => count.and_then(|n| ratio(n, f.denominator())),
                Measure::Retention => {
                    let before = before.ok_or("FIELD=VALUE:retention needs --compare")?;
                    let was = find_field(before, field)?.count_of(key);
                    count.zip(was).and_then(|(n, was)| ratio(n, was))
                }
            }
        }
        Subject::Stat { path } => stat(now, path)?,
    };
    let pass = measured.is_some_and(|m| match e.test {
        Test::Compare(op, n) => op.holds(m, n),
        Test::Range(low, high) => low <= m && m <= high,
    });
    let approximate = match &e.subject {
        Subject::Stat { path } => approximation(now, path),
        _ => None,
    };
    Ok(Verdict { text: e.text.clone(), measured, pass, approximate })
}

/// The relative-error bound of a quantile `path` names when the report
/// took it from the sketch (more distinct values than --max-distinct).
fn approximation(view: &DatasetView, path: &str) -> Option<f64> {
    let (head, stat) = path.rsplit_once('.')?;
    if !matches!(stat, "p5" | "p25" | "p50" | "median" | "p75" | "p95") {
        return None;
    }
    if let Some(f) = view.fields.iter().find(|f| f.name == head)
        && let Some(n) = &f.numeric
    {
        return (!n.exact).then_some(n.relative_error);
    }
    let (text, unit) = head.rsplit_once('.')?;
    let t = view.texts.iter().find(|t| t.name == text)?;
    let lengths = match unit {
        "chars" => &t.chars,
        "words" => &t.words,
        _ => return None,
    };
    (!lengths.exact).then_some(lengths.relative_error)
}

/// The field an expectation reads, when the report may lack it: `Field`
/// for FIELD=VALUE and FIELD.STAT, `Text` for TEXT.chars/words.STAT.
pub enum Needs {
    Field(String),
    Text(String),
}

impl Expectation {
    /// The field or text this expectation measures, for adding it to the
    /// report when no --field or --text lists it.
    pub fn needs(&self) -> Option<Needs> {
        match &self.subject {
            Subject::Value { field, .. } => Some(Needs::Field(field.clone())),
            Subject::Stat { path } => {
                let (head, stat) = path.rsplit_once('.')?;
                if let Some((text, unit)) = head.rsplit_once('.')
                    && matches!(unit, "chars" | "words")
                    && LENGTH_STATS.contains(&stat)
                {
                    return Some(Needs::Text(text.to_string()));
                }
                if FIELD_STATS.contains(&stat) {
                    Some(Needs::Field(head.to_string()))
                } else {
                    Some(Needs::Text(head.to_string()))
                }
            }
            _ => None,
        }
    }
}

/// A wanted value as a sentence names it: `the number 1`, `the string "1"`.
fn describe(value: &Json) -> String {
    match value {
        Json::String(_) => format!("the string {value}"),
        Json::Number(_) => format!("the number {value}"),
        Json::Bool(_) => format!("the boolean {value}"),
        _ => "null".into(),
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn names(view: &DatasetView) -> String {
    let mut list: Vec<&str> = view.fields.iter().map(|f| f.name.as_str()).collect();
    list.extend(view.texts.iter().map(|t| t.name.as_str()));
    list.extend(view.discovered.iter().map(|p| p.name.as_str()));
    if list.is_empty() {
        return "none".into();
    }
    list.join(", ")
}

fn find_field<'a>(view: &'a DatasetView, name: &str) -> Result<&'a FieldView, String> {
    view.fields.iter().find(|f| f.name == name).ok_or_else(|| {
        format!(
            "`{name}` is not a field of the report (fields: {}); add --field {name}",
            names(view)
        )
    })
}

fn stat(view: &DatasetView, path: &str) -> Result<Option<f64>, String> {
    // The longest field name that prefixes the path decides.
    let mut best: Option<(usize, Result<Option<f64>, String>)> = None;
    for f in &view.fields {
        if let Some(stat) = path.strip_prefix(f.name.as_str()).and_then(|r| r.strip_prefix('.'))
            && best.as_ref().is_none_or(|(len, _)| f.name.len() > *len)
        {
            best = Some((f.name.len(), field_stat(f, stat)));
        }
    }
    for t in &view.texts {
        // A path both --field and --text name: its text statistics are the text's.
        if let Some(stat) = path.strip_prefix(t.name.as_str()).and_then(|r| r.strip_prefix('.'))
            && best.as_ref().is_none_or(|(len, found)| {
                t.name.len() > *len || (t.name.len() == *len && found.is_err())
            })
        {
            best = Some((t.name.len(), text_stat(t, stat)));
        }
    }
    for p in &view.discovered {
        if let Some(stat) = path.strip_prefix(p.name.as_str()).and_then(|r| r.strip_prefix('.'))
            && best.as_ref().is_none_or(|(len, _)| p.name.len() > *len)
        {
            let numbers = p.numbers;
            let value = match stat {
                "count" => Ok(Some(p.present as f64)),
                "missing" => Ok(Some(p.missing as f64)),
                "min" => Ok(numbers.map(|n| n.0)),
                "mean" => Ok(numbers.map(|n| n.1)),
                "max" => Ok(numbers.map(|n| n.2)),
                other => Err(format!(
                    "`{other}` is not reported for {} without --field (count, missing, min, mean, max are); add --field {}",
                    p.name, p.name
                )),
            };
            best = Some((p.name.len(), value));
        }
    }
    match best {
        Some((_, result)) => result,
        None => Err(format!(
            "`{path}` names no field of the report (fields: {}); add --field or --text",
            names(view)
        )),
    }
}

fn field_stat(f: &FieldView, stat: &str) -> Result<Option<f64>, String> {
    let numeric = f.numeric.as_ref();
    let q = |i: usize| numeric.and_then(|n| n.quantiles[i]);
    Ok(match stat {
        "count" => Some(f.values as f64),
        "missing" => Some(f.missing as f64),
        "distinct" => Some(f.distinct as f64),
        "diversity" => f.diversity,
        "non_numeric" => Some(f.values.saturating_sub(numeric.map_or(0, |n| n.count)) as f64),
        "min" => numeric.map(|n| n.min),
        "max" => numeric.map(|n| n.max),
        "mean" => numeric.map(|n| n.mean),
        "std" => numeric.and_then(|n| n.std),
        "p5" => q(0),
        "p25" => q(1),
        "p50" | "median" => q(2),
        "p75" => q(3),
        "p95" => q(4),
        other => return Err(format!("`{other}` is not a statistic of field {}", f.name)),
    })
}

fn text_stat(t: &TextView, stat: &str) -> Result<Option<f64>, String> {
    let length = |unit: &super::view::LengthView, s: &str| -> Result<Option<f64>, String> {
        Ok(match s {
            "min" => unit.min,
            "max" => unit.max,
            "mean" => unit.mean,
            "std" => unit.std,
            "p50" => unit.p50,
            "p95" => unit.p95,
            other => return Err(format!("`{other}` is not a length statistic")),
        })
    };
    if let Some(s) = stat.strip_prefix("chars.") {
        return length(&t.chars, s);
    }
    if let Some(s) = stat.strip_prefix("words.") {
        return length(&t.words, s);
    }
    Ok(match stat {
        "count" => Some(t.strings as f64),
        "missing" => Some(t.missing as f64),
        "empty" => Some(t.empty as f64),
        "non_string" => Some(t.non_string as f64),
        other => return Err(format!("`{other}` is not a statistic of text {}", t.name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_examples() {
        let e = parse("importance_label=critical:0.10..0.15").unwrap();
        assert_eq!(
            e.subject,
            Subject::Value {
                field: "importance_label".into(),
                value: Json::String("critical".into()),
                key: b"scritical".to_vec(),
                measure: Measure::Share
            }
        );
        assert_eq!(e.test, Test::Range(0.10, 0.15));
        assert_eq!(parse("score.min>=0.82").unwrap().test, Test::Compare(Op::Ge, 0.82));
        assert_eq!(parse("count>=300").unwrap().subject, Subject::Count);
        let e = parse("status=conflicts:count>=10").unwrap();
        assert!(matches!(e.subject, Subject::Value { measure: Measure::Count, .. }));
        assert_eq!(parse("diversity>=0.85").unwrap().subject, Subject::Diversity);
        assert!(parse("retention>=0.9").unwrap().needs_compare());
        assert_eq!(parse("score.min>0.5").unwrap().test, Test::Compare(Op::Gt, 0.5));
        assert_eq!(parse("a.b.mean<-1").unwrap().test, Test::Compare(Op::Lt, -1.0));
        assert_eq!(parse("prompt.chars.p95<=4000").unwrap().test, Test::Compare(Op::Le, 4000.0));
        assert_eq!(parse("x=a>b:count==2").unwrap().test, Test::Compare(Op::Eq, 2.0));
    }

    #[test]
    fn values_follow_json() {
        let value = |text: &str| match parse(text).unwrap().subject {
            Subject::Value { value, .. } => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(value("v=1>=0.5"), serde_json::json!(1));
        assert_eq!(value("v=\"1\">=0.5"), serde_json::json!("1"));
        assert_eq!(value("v=null:count>=1"), Json::Null);
        assert_eq!(value("v=\"null\":count>=1"), serde_json::json!("null"));
        assert_eq!(value("v=true>=0.5"), serde_json::json!(true));
        assert_eq!(value("status=accepted>=0.5"), serde_json::json!("accepted"));
    }

    #[test]
    fn malformed_expressions_say_what_was_expected() {
        for bad in
            ["", "count", "count>=", "score.min>=abc", "score.foo>=1", "=x>=1", "a:0.3..0.1", ">=1"]
        {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("expected SUBJECT OP NUMBER"), "{bad}: {e}");
        }
    }
}
