//! The document readers: JSON arrays and Graph list responses (the shared
//! `document` reader) against serde_json's stream reader, then all four
//! readers of fmt-migrate (`--from json-array`, `graph-response`, `csv`,
//! `squad`) run whole, with the conservation checks of `tools`.

use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use synthkit::document;

use crate::shown;
use crate::tools::{check_run, run_tool};

/// fmt-migrate's wrapper keys for `--from json-array` (the shared ones and
/// synthetic-data-kit's).
const JSON_ARRAY_KEYS: &[&str] =
    &["value", "events", "data", "records", "items", "qa_pairs", "cot_examples"];

pub fn doc_json_array(data: &[u8]) {
    against_serde(data, JSON_ARRAY_KEYS);
    through_fmt_migrate(data, "json-array");
}

pub fn doc_graph_response(data: &[u8]) {
    against_serde(data, document::WRAPPER_KEYS);
    through_fmt_migrate(data, "graph-response");
}

pub fn doc_csv(data: &[u8]) {
    through_fmt_migrate(data, "csv");
}

pub fn doc_squad(data: &[u8]) {
    through_fmt_migrate(data, "squad");
    // Every question of a file serde_json reads as SQuAD is one record.
    if let Ok(value) = serde_json::from_slice::<Value>(strip_bom(data))
        && let Some(questions) = squad_questions(&value)
    {
        let run = run_tool("fmt-migrate", &["--from", "squad"], data, &[], 1);
        if let (Ok(_), Some(stats)) = (&run.outcome, &run.stats) {
            assert_eq!(stats["records_in"], questions, "SQuAD questions: {}", shown(data));
        }
    }
}

fn squad_questions(value: &Value) -> Option<u64> {
    let mut n = 0;
    for article in value.get("data")?.as_array()? {
        for paragraph in article.get("paragraphs")?.as_array()? {
            paragraph.get("context")?;
            n += paragraph.get("qas")?.as_array()?.len() as u64;
        }
    }
    Some(n)
}

fn through_fmt_migrate(data: &[u8], from: &str) {
    let run = run_tool("fmt-migrate", &["--from", from, "--to", "messages"], data, &[], 1);
    check_run("fmt-migrate", None, true, &run, data);
}

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)
}

/// The records serde_json finds: each top-level array's elements, each
/// top-level object's array under the first wrapper key it has (in the
/// order given), or the object itself. `None` when it is no such document.
fn serde_records<'a>(text: &'a [u8], keys: &[&str]) -> Option<Vec<&'a [u8]>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut records = Vec::new();
    for value in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
        let raw = value.ok()?.get();
        match raw.as_bytes()[0] {
            b'[' => {
                let elements: Vec<&RawValue> = serde_json::from_str(raw).ok()?;
                records.extend(elements.iter().map(|e| e.get().as_bytes()));
            }
            b'{' => {
                let members =
                    serde_json::Deserializer::from_str(raw).deserialize_map(MembersVisitor).ok()?;
                let wrapped = keys.iter().find_map(|key| {
                    members
                        .iter()
                        .find(|(k, v)| k == key && v.get().starts_with('['))
                        .map(|(_, v)| v)
                });
                match wrapped {
                    Some(array) => {
                        let elements: Vec<&RawValue> = serde_json::from_str(array.get()).ok()?;
                        records.extend(elements.iter().map(|e| e.get().as_bytes()));
                    }
                    None => records.push(raw.as_bytes()),
                }
            }
            _ => return None,
        }
    }
    Some(records)
}

/// An object's members in order, repeated keys included.
struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            out.push(entry);
        }
        Ok(out)
    }
}

/// Whether serde_json reads the text as a stream of arrays and objects,
/// checking every number's range and every escape (RawValue does not).
fn strictly_valid(text: &[u8]) -> bool {
    serde_json::Deserializer::from_slice(text)
        .into_iter::<Value>()
        .all(|v| v.is_ok_and(|v| v.is_array() || v.is_object()))
}

fn against_serde(data: &[u8], keys: &[&str]) {
    let ours = document::parse_with("doc.json".into(), data.to_vec(), keys);
    let text = strip_bom(data);
    let strict = std::str::from_utf8(text).is_ok() && strictly_valid(text);
    let doc = match ours {
        Ok(doc) => doc,
        Err(e) => {
            assert!(!strict, "the reader refuses ({e}) what serde_json reads: {}", shown(data));
            return;
        }
    };
    assert!(strict, "the reader accepts what serde_json refuses: {}", shown(data));
    let theirs = serde_records(text, keys).expect("serde_json finds the records");
    let mine: Vec<&[u8]> = (0..doc.records.len()).map(|i| doc.record(i)).collect();
    assert_eq!(
        mine.iter().map(|r| shown(r)).collect::<Vec<_>>(),
        theirs.iter().map(|r| shown(r)).collect::<Vec<_>>(),
        "records of {}",
        shown(data)
    );
    // The JSONL form has one line per record, each the same JSON value, and
    // the line numbers point at where each record starts.
    let jsonl = doc.to_jsonl();
    let lines: Vec<&[u8]> = jsonl.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), mine.len(), "to_jsonl lines: {}", shown(&jsonl));
    for (line, record) in lines.iter().zip(&mine) {
        let a: Value = serde_json::from_slice(line).expect("a JSONL line parses");
        let b: Value = serde_json::from_slice(record).expect("a record parses");
        assert_eq!(a, b, "to_jsonl changed a record");
    }
    let numbers = doc.lines();
    for (i, &line) in numbers.iter().enumerate() {
        assert_eq!(line, doc.line_of(i));
        let start = doc.records[i].start;
        let expected = 1 + doc.text[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(line, expected, "line of record {i}");
    }
}
