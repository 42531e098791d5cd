//! Whole JSON documents that hold records, for the inputs that are not JSONL:
//! a JSON array (`[{…}, {…}]`, as LLaMA-Factory and synthetic-data-kit write),
//! a Microsoft Graph list response (`{"value": […], "@odata.nextLink": …}`), an
//! export wrapper (`{"metadata": …, "events": […]}`), a file of several such
//! pages, or plain JSONL. The document is validated with the same scanner as
//! every other input and each record is handed back as its exact bytes with the
//! line it starts on, so messages can point into the original file.
//!
//! A document is read whole, so it is bounded by `--max-document-bytes`
//! ([`crate::limits`]): a larger one (or `/dev/zero`) is refused with exit 2
//! once that many bytes have been read, never held past it ([`read_limited`]).

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use crate::compress::maybe_decompress;
use crate::error::Error;
use crate::input::STDIN_NAME;
use crate::json::skip_ws;
use crate::json::{self, JsonError, Kind};

/// Keys whose array value holds the records of a wrapper object, tried in
/// this order: Graph list responses use `value`, calendar exports `events`.
pub const WRAPPER_KEYS: &[&str] = &["value", "events", "data", "records", "items"];

/// How the records were laid out in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One or more top-level objects, each a record (JSONL or concatenated).
    Objects,
    /// A top-level array of records.
    Array,
    /// Objects holding the records in an array under a wrapper key.
    Wrapped { key: String, pages: usize },
}

/// A document's records, as byte ranges of its text.
pub struct Document {
    pub name: String,
    pub text: Vec<u8>,
    pub records: Vec<Range<usize>>,
    pub layout: Layout,
}

impl Document {
    /// The bytes of record `i`.
    pub fn record(&self, i: usize) -> &[u8] {
        &self.text[self.records[i].clone()]
    }

    /// 1-based line on which record `i` starts.
    pub fn line_of(&self, i: usize) -> u64 {
        line_at(&self.text, self.records[i].start)
    }

    /// 1-based line on which each record starts, in one pass over the text.
    pub fn lines(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.records.len());
        let (mut at, mut line) = (0usize, 1u64);
        for range in &self.records {
            let start = range.start.max(at);
            line += memchr::memchr_iter(b'\n', &self.text[at..start]).count() as u64;
            at = start;
            out.push(line);
        }
        out
    }

    /// The place of each record in the document, for messages (a line
    /// alone says little when the document is one line): its array index as
    /// a JSON Pointer (`/3`, `/value/3`), or its number (`record 7`) in a
    /// document of several pages or objects.
    pub fn positions(&self) -> Vec<String> {
        let n = self.records.len();
        match &self.layout {
            Layout::Array => (0..n).map(|i| format!("/{i}")).collect(),
            Layout::Wrapped { key, pages: 1 } => {
                let mut prefix = String::from("/");
                crate::path::pointer_escape(key, &mut prefix);
                (0..n).map(|i| format!("{prefix}/{i}")).collect()
            }
            _ => (0..n).map(|i| format!("record {}", i + 1)).collect(),
        }
    }

    /// Every record as one JSONL buffer (a record spanning several lines in a
    /// pretty-printed document is kept as is: its newlines are JSON whitespace
    /// and are replaced by spaces, which changes no value).
    pub fn to_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len());
        for range in &self.records {
            out.extend(
                self.text[range.clone()]
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
            );
            out.push(b'\n');
        }
        out
    }
}

fn line_at(text: &[u8], offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &text[..offset.min(text.len())]).count() as u64 + 1
}

/// A problem with a document, located by line and column.
fn located(name: &str, text: &[u8], error: &JsonError, base: usize) -> Error {
    let at = base + error.offset;
    let line = line_at(text, at);
    let line_start =
        text[..at.min(text.len())].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let line_end =
        memchr::memchr(b'\n', &text[line_start..]).map_or(text.len(), |p| line_start + p);
    let local = JsonError { kind: error.kind.clone(), offset: at - line_start };
    Error::Config(format!("{name}:{line}: {}", local.describe(&text[line_start..line_end])))
}

/// Reads a whole file, or standard input for `-`, decompressing gzip and
/// zstd as every input is (CONVENTIONS §1); returns the name messages use
/// (`<stdin>` for standard input) and the bytes.
pub fn read_bytes(path: &Path) -> Result<(String, Vec<u8>), Error> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin { STDIN_NAME.to_string() } else { crate::report::path_name(path) };
    if !stdin {
        crate::guard::input(path, &name)?;
    }
    let reader = if stdin {
        maybe_decompress(std::io::stdin())
    } else {
        std::fs::File::open(path).and_then(|file| {
            if file.metadata()?.is_dir() {
                return Err(std::io::Error::other("is a directory, not a file"));
            }
            maybe_decompress(file)
        })
    };
    let reader = reader.map_err(|source| Error::Input { name: name.clone(), source })?;
    let text = read_limited(reader, &name, "the document")?;
    Ok((name, text))
}

/// Reads all of `reader` (a whole document called `what` in the message),
/// refusing it once it passes `--max-document-bytes`.
pub fn read_limited(reader: impl Read, name: &str, what: &str) -> Result<Vec<u8>, Error> {
    let limit = crate::limits::max_document();
    let mut text = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(|source| Error::Input { name: name.to_string(), source })?;
    if text.len() as u64 > limit {
        return Err(crate::limits::document_too_large(name, what));
    }
    Ok(text)
}

/// Reads a file (or `-` for standard input) and finds its records.
pub fn read(path: &Path) -> Result<Document, Error> {
    let (name, text) = read_bytes(path)?;
    parse(name, text)
}

/// Finds the records of a document already in memory.
pub fn parse(name: String, text: Vec<u8>) -> Result<Document, Error> {
    parse_with(name, text, WRAPPER_KEYS)
}

/// [`parse`], with the wrapper keys to look for given by the caller (tried in
/// order), for formats that wrap their records under other names.
pub fn parse_with(name: String, text: Vec<u8>, wrapper_keys: &[&str]) -> Result<Document, Error> {
    let start = if text.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    if let Err(e) = simdutf8::compat::from_utf8(&text[start..]) {
        let err = JsonError { kind: json::ErrorKind::InvalidUtf8, offset: e.valid_up_to() };
        return Err(located(&name, &text, &err, start));
    }
    let mut records = Vec::new();
    let mut layout: Option<Layout> = None;
    let mut at = skip_ws(&text, start);
    while at < text.len() {
        let end = json::skip_value(&text, at, 0).map_err(|e| {
            let shifted = JsonError { kind: e.kind, offset: e.offset - at };
            located(&name, &text, &shifted, at)
        })?;
        let value = &text[at..end];
        match value[0] {
            b'[' => {
                records.extend(elements(value).into_iter().map(|r| r.start + at..r.end + at));
                layout = Some(Layout::Array);
            }
            b'{' => match wrapped_array(value, wrapper_keys) {
                Some((key, range)) => {
                    let inner = &value[range.clone()];
                    let base = at + range.start;
                    records
                        .extend(elements(inner).into_iter().map(|r| r.start + base..r.end + base));
                    layout = Some(match layout {
                        Some(Layout::Wrapped { key: k, pages }) if k == key => {
                            Layout::Wrapped { key: k, pages: pages + 1 }
                        }
                        _ => Layout::Wrapped { key, pages: 1 },
                    });
                }
                None => {
                    records.push(at..end);
                    layout.get_or_insert(Layout::Objects);
                }
            },
            _ => {
                let kind = json::kind_of(value).unwrap_or(Kind::Null);
                let err = JsonError { kind: json::ErrorKind::NotObject(kind), offset: 0 };
                return Err(located(&name, &text, &err, at));
            }
        }
        at = skip_ws(&text, end);
    }
    Ok(Document { name, text, records, layout: layout.unwrap_or(Layout::Objects) })
}

/// Byte ranges of the elements of a validated array.
fn elements(array: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let _ = json::array_elements(array, &mut |range| out.push(range));
    out
}

/// The first wrapper key of a validated object whose value is an array.
fn wrapped_array(object: &[u8], wrapper_keys: &[&str]) -> Option<(String, Range<usize>)> {
    let members = json::members(object).ok()?;
    wrapper_keys.iter().find_map(|wanted| {
        members
            .iter()
            .find(|m| m.key() == *wanted && m.value.kind == Kind::Array)
            .map(|m| (wanted.to_string(), m.value_start..m.value_start + m.value.bytes.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> (Vec<String>, Layout) {
        let doc = parse("t".into(), text.as_bytes().to_vec()).unwrap();
        let list = (0..doc.records.len())
            .map(|i| String::from_utf8_lossy(doc.record(i)).into_owned())
            .collect();
        (list, doc.layout)
    }

    #[test]
    fn finds_records_in_every_layout() {
        assert_eq!(
            records("[{\"a\":1}, {\"b\":2}]\n"),
            (vec!["{\"a\":1}".into(), "{\"b\":2}".into()], Layout::Array)
        );
        let (list, layout) = records(
            "{\"@odata.context\":\"x\",\"value\":[{\"id\":1},{\"id\":2}],\"@odata.nextLink\":\"n\"}",
        );
        assert_eq!(list, vec!["{\"id\":1}", "{\"id\":2}"]);
        assert_eq!(layout, Layout::Wrapped { key: "value".into(), pages: 1 });
        let (list, layout) = records("{\"value\":[{\"id\":1}]}\n{\"value\":[{\"id\":2}]}\n");
        assert_eq!(list.len(), 2);
        assert_eq!(layout, Layout::Wrapped { key: "value".into(), pages: 2 });
        let (list, _) = records("{\"metadata\":{\"n\":1},\n \"events\": [\n  {\"id\": 1}\n ]\n}");
        assert_eq!(list, vec!["{\"id\": 1}"]);
        assert_eq!(
            records("{\"a\":1}\n{\"a\":2}\n"),
            (vec!["{\"a\":1}".into(), "{\"a\":2}".into()], Layout::Objects)
        );
        assert_eq!(records("").0.len(), 0);
    }

    #[test]
    fn errors_point_into_the_document() {
        let err = parse("f.json".into(), b"[\n {\"a\":1},\n {\"a\" 2}\n]".to_vec()).err().unwrap();
        assert_eq!(err.to_string(), "f.json:3: invalid JSON: expected `:` at column 7, found `2`");
        let err = parse("f.json".into(), b"42".to_vec()).err().unwrap();
        assert!(err.to_string().contains("not a JSON object"));
    }

    #[test]
    fn line_numbers_and_jsonl() {
        let doc = parse("t".into(), b"[\n  {\"a\":\n 1},\n  {\"b\":2}\n]".to_vec()).unwrap();
        assert_eq!((doc.line_of(0), doc.line_of(1)), (2, 4));
        assert_eq!(doc.lines(), vec![2, 4]);
        assert_eq!(doc.to_jsonl(), b"{\"a\":  1}\n{\"b\":2}\n");
    }
}
