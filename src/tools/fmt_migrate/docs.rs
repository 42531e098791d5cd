//! Inputs and outputs that are not JSONL: JSON arrays and Graph list pages
//! (through the shared document reader), SQuAD files (serde typed structs,
//! one record per question), and CSV both ways. Inputs become in-memory JSONL
//! for the shared pipeline, with each line mapped back to the line of the
//! original file so that messages point into it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::document;
use crate::error::Error;
use crate::input::Inputs;
use crate::json::{self, Kind, Segment};
use crate::path::FieldPath;

use super::model::{is_string, quoted, text_of};
use super::shape::Format;

/// Wrapper keys of a JSON document besides the shared ones: synthetic-data-kit
/// writes `{"summary", "qa_pairs": […]}` and `{"cot_examples": […]}`.
pub const EXTRA_WRAPPERS: &[&str] = &["qa_pairs", "cot_examples"];

/// A row of a document that cannot become a record.
pub struct BadRow {
    pub source: usize,
    pub line: u64,
    pub category: String,
    pub message: String,
    pub raw: Vec<u8>,
}

/// Documents turned into pipeline input.
pub struct Loaded {
    pub inputs: Inputs,
    /// Per source: the original line of each JSONL line.
    pub line_maps: Vec<Vec<u64>>,
    pub bad_rows: Vec<BadRow>,
    /// Per source: where each record sits in its document, as a JSON
    /// Pointer (`/data/0/paragraphs/2/qas/1`, `/3`), for messages and
    /// --detect (empty for CSV, whose lines say it).
    pub positions: Vec<Vec<String>>,
}

/// Where line `line` (1-based) of in-memory source `source` sits in its document.
pub fn position(positions: &[Vec<String>], source: usize, line: u64) -> Option<&str> {
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    positions.get(source)?.get(index).map(String::as_str)
}

fn read_all(path: &Path) -> Result<(String, Vec<u8>), Error> {
    let (name, mut text) = document::read_bytes(path)?;
    if text.starts_with(b"\xEF\xBB\xBF") {
        text.drain(..3);
    }
    Ok((name, text))
}

/// Reads every FILE (standard input when none) as a document of `format`.
/// With `stop_at_bad` (--fail-fast) the input ends at the first bad row, so
/// the records before it, and only those, are processed.
pub fn load(format: Format, files: &[PathBuf], stop_at_bad: bool) -> Result<Loaded, Error> {
    let dashes = files.iter().filter(|p| p.as_os_str() == "-").count();
    if dashes > 1 {
        return Err(Error::Usage("`-` (standard input) may be given only once".into()));
    }
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    // Read everything first, so an unreadable file fails before any output.
    let mut texts = Vec::with_capacity(files.len());
    for path in files {
        texts.push(read_all(path)?);
    }
    let mut loaded = Loaded {
        inputs: Inputs { sources: Vec::new() },
        line_maps: Vec::new(),
        bad_rows: Vec::new(),
        positions: Vec::new(),
    };
    for (source, (name, text)) in texts.into_iter().enumerate() {
        let (jsonl, lines, positions) = match format {
            Format::Squad => squad(&name, &text)?,
            Format::Csv => {
                let (jsonl, lines) =
                    csv_records(&name, &text, source, &mut loaded.bad_rows, stop_at_bad)?;
                (jsonl, lines, Vec::new())
            }
            _ => {
                let mut keys: Vec<&str> = document::WRAPPER_KEYS.to_vec();
                if format == Format::JsonArray {
                    keys.extend_from_slice(EXTRA_WRAPPERS);
                }
                let doc = document::parse_with(name.clone(), text, &keys)?;
                let positions = doc.positions();
                (doc.to_jsonl(), doc.lines(), positions)
            }
        };
        loaded.inputs.sources.extend(Inputs::from_memory(&name, jsonl).sources);
        loaded.line_maps.push(lines);
        loaded.positions.push(positions);
        if stop_at_bad && !loaded.bad_rows.is_empty() {
            break;
        }
    }
    Ok(loaded)
}

// ---------------------------------------------------------------------------
// SQuAD

#[derive(Deserialize)]
struct SquadFile<'a> {
    #[serde(borrow)]
    data: Vec<Article<'a>>,
}

#[derive(Deserialize)]
struct Article<'a> {
    #[serde(borrow, default)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    paragraphs: Vec<Paragraph<'a>>,
}

#[derive(Deserialize)]
struct Paragraph<'a> {
    #[serde(borrow)]
    context: &'a RawValue,
    #[serde(borrow)]
    qas: Vec<&'a RawValue>,
}

/// One JSONL record per question: the question object with its article's
/// title and its paragraph's context put first, every byte of it kept.
type Converted = (Vec<u8>, Vec<u64>, Vec<String>);

fn squad(name: &str, text: &[u8]) -> Result<Converted, Error> {
    let file: SquadFile<'_> = serde_json::from_slice(text).map_err(|e| {
        Error::Config(format!(
            "{}:{}: not a SQuAD file (expected {{\"data\": [{{\"title\", \"paragraphs\": [{{\"context\", \"qas\": […]}}]}}]}}): {e}",
            crate::report::printable(name),
            e.line()
        ))
    })?;
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut lines = Vec::new();
    let mut positions = Vec::new();
    let (mut at, mut line) = (0usize, 1u64);
    let base = text.as_ptr() as usize;
    for (a, article) in file.data.iter().enumerate() {
        for (p, paragraph) in article.paragraphs.iter().enumerate() {
            for (q, qa) in paragraph.qas.iter().enumerate() {
                positions.push(format!("/data/{a}/paragraphs/{p}/qas/{q}"));
                let qa_text = qa.get().as_bytes();
                let offset = (qa_text.as_ptr() as usize).saturating_sub(base).min(text.len());
                if offset >= at {
                    line += memchr::memchr_iter(b'\n', &text[at..offset]).count() as u64;
                    at = offset;
                }
                lines.push(line);
                let start = out.len();
                out.push(b'{');
                if let Some(title) = article.title {
                    out.extend_from_slice(b"\"title\":");
                    out.extend_from_slice(title.get().as_bytes());
                    out.push(b',');
                }
                out.extend_from_slice(b"\"context\":");
                out.extend_from_slice(paragraph.context.get().as_bytes());
                let inner = qa_text.get(1..).unwrap_or_default();
                let rest = inner
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .map_or(inner, |p| &inner[p..]);
                if qa_text.first() == Some(&b'{') && rest.first() != Some(&b'}') {
                    out.push(b',');
                    out.extend_from_slice(rest);
                } else if qa_text.first() == Some(&b'{') {
                    out.push(b'}');
                } else {
                    // Not an object: keep it so the record is reported, not lost.
                    out.extend_from_slice(b",\"question\":");
                    out.extend_from_slice(qa_text);
                    out.push(b'}');
                }
                for b in &mut out[start..] {
                    if *b == b'\n' || *b == b'\r' {
                        *b = b' ';
                    }
                }
                out.push(b'\n');
            }
        }
    }
    Ok((out, lines, positions))
}

// ---------------------------------------------------------------------------
// CSV → JSONL

/// A column's place in the record it builds.
fn header_path(header: &str) -> Result<Vec<String>, String> {
    let path: FieldPath = header.parse()?;
    Ok(path
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.to_string(),
            Segment::Any => "*".to_string(),
        })
        .collect())
}

/// A cell's JSON value; `None` for an empty cell (the field is absent).
///
/// `true`, `false`, `null`, a JSON number, and a cell holding exactly one
/// JSON array, object or string literal are read as that value; anything else
/// is a string.
pub fn cell_value(cell: &str) -> Option<Vec<u8>> {
    if cell.is_empty() {
        return None;
    }
    if typed(cell) {
        return Some(cell.as_bytes().to_vec());
    }
    Some(quoted(cell))
}

/// Whether a cell's text is read back as something other than that text.
fn typed(cell: &str) -> bool {
    let bytes = cell.as_bytes();
    match json::kind_of(bytes) {
        _ if bytes.first().is_some_and(|b| b.is_ascii_whitespace()) => false,
        Some(
            Kind::Null | Kind::Bool | Kind::Number | Kind::Array | Kind::Object | Kind::String,
        ) => json::skip_value(bytes, 0, 1).is_ok_and(|end| end == bytes.len()),
        None => false,
    }
}

enum Node {
    Leaf(Vec<u8>),
    Object(Vec<(String, Node)>),
}

fn insert(members: &mut Vec<(String, Node)>, path: &[String], value: Vec<u8>) -> bool {
    let Some((first, rest)) = path.split_first() else { return false };
    let at = match members.iter().position(|(k, _)| k == first) {
        Some(at) => at,
        None => {
            let node =
                if rest.is_empty() { Node::Leaf(Vec::new()) } else { Node::Object(Vec::new()) };
            members.push((first.clone(), node));
            members.len() - 1
        }
    };
    match (&mut members[at].1, rest.is_empty()) {
        (Node::Leaf(slot), true) if slot.is_empty() => {
            *slot = value;
            true
        }
        (Node::Object(children), false) => insert(children, rest, value),
        _ => false,
    }
}

fn write_node(members: &[(String, Node)], out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (key, node)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json::write_str(out, key);
        out.push(b':');
        match node {
            Node::Leaf(value) => out.extend_from_slice(value),
            Node::Object(children) => write_node(children, out),
        }
    }
    out.push(b'}');
}

fn csv_records(
    name: &str,
    text: &[u8],
    source: usize,
    bad_rows: &mut Vec<BadRow>,
    stop_at_bad: bool,
) -> Result<(Vec<u8>, Vec<u64>), Error> {
    let config =
        |message: String| Error::Config(format!("{}: {message}", crate::report::printable(name)));
    // JSONL read as CSV would make its first record the header and lose it;
    // no real header line is a whole JSON object or array.
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let first_line = first_line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_line).trim_ascii();
    if matches!(first_line.first(), Some(b'{' | b'['))
        && serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_ok()
    {
        return Err(config(
            "the first line is a JSON document, not a CSV header: this looks like JSONL \
             (leave out --from csv, or name the right --from)"
                .into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let headers = reader
        .byte_headers()
        .map_err(|e| config(format!("cannot read the CSV header: {e}")))?
        .clone();
    let mut paths = Vec::with_capacity(headers.len());
    // The header of records that have no field at all (what CsvWriter
    // writes for `{}` records): one empty name, and each row one empty cell.
    let no_columns = headers.len() == 1 && headers[0].is_empty();
    for (i, header) in headers.iter().enumerate().filter(|_| !no_columns) {
        let header = std::str::from_utf8(header)
            .map_err(|_| config(format!("column {} header is not UTF-8", i + 1)))?;
        let path =
            header_path(header).map_err(|e| config(format!("column {} header: {e}", i + 1)))?;
        if paths.contains(&path) {
            return Err(config(format!("column {} repeats the header `{header}`", i + 1)));
        }
        paths.push(path);
    }
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        let line = reader.position().line();
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let end = (reader.position().byte() as usize).clamp(start, text.len());
                bad_rows.push(BadRow {
                    source,
                    line,
                    category: "unreadable CSV row".into(),
                    message: format!("unreadable CSV row: {e}"),
                    raw: trim_row(&text[start..end]).to_vec(),
                });
                if end <= start || stop_at_bad {
                    break;
                }
                continue;
            }
        };
        if !more {
            break;
        }
        let line = record.position().map_or(line, |p| p.line());
        let end = (reader.position().byte() as usize).clamp(start, text.len());
        let raw = || trim_row(&text[start.min(end)..end]).to_vec();
        // The csv crate ends an open quoted field at the end of the input
        // without an error: the rows after a stray quote would silently
        // become the text of one cell.
        let row = if end == text.len() && unterminated_quote(&text[start.min(end)..end]) {
            Err((
                "unterminated quoted field".to_string(),
                "a quoted field is not closed before the end of the file (the rest of the file would be one cell)"
                    .to_string(),
            ))
        } else if no_columns && record.len() == 1 && record[0].is_empty() {
            Ok(b"{}".to_vec())
        } else {
            row_object(&record, &paths)
        };
        match row {
            Ok(object) => {
                out.extend_from_slice(&object);
                out.push(b'\n');
                lines.push(line);
            }
            Err((category, message)) => {
                bad_rows.push(BadRow { source, line, category, message, raw: raw() });
                if stop_at_bad {
                    break;
                }
            }
        }
    }
    Ok((out, lines))
}

/// Whether a CSV row (its raw text, to the end of the input) ends inside a
/// quoted field. A quote opens a quoted field only at the start of a field;
/// inside one, `""` is an escaped quote and a lone `"` closes it.
fn unterminated_quote(row: &[u8]) -> bool {
    let mut quoted = false;
    let mut field_start = true;
    let mut i = 0;
    while i < row.len() {
        let b = row[i];
        if quoted {
            if b == b'"' {
                if row.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && field_start {
            quoted = true;
        }
        field_start = !quoted && matches!(b, b',' | b'\n' | b'\r');
        i += 1;
    }
    quoted
}

fn trim_row(row: &[u8]) -> &[u8] {
    let mut end = row.len();
    while end > 0 && matches!(row[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &row[..end]
}

fn row_object(
    record: &csv::ByteRecord,
    paths: &[Vec<String>],
) -> Result<Vec<u8>, (String, String)> {
    if record.len() > paths.len() {
        return Err((
            "row has more fields than the header".into(),
            format!("row has {} fields but the header has {}", record.len(), paths.len()),
        ));
    }
    let mut members: Vec<(String, Node)> = Vec::new();
    for (i, cell) in record.iter().enumerate() {
        let cell = std::str::from_utf8(cell).map_err(|_| {
            ("invalid UTF-8".to_string(), format!("invalid UTF-8 in column {}", i + 1))
        })?;
        if let Some(value) = cell_value(cell)
            && !insert(&mut members, &paths[i], value)
        {
            return Err((
                "columns conflict".into(),
                format!(
                    "column {} ({}) conflicts with another column of this row",
                    i + 1,
                    paths[i].join(".")
                ),
            ));
        }
    }
    let mut out = Vec::new();
    write_node(&members, &mut out);
    Ok(out)
}

// ---------------------------------------------------------------------------
// JSONL → CSV

/// Collects records and writes them as CSV: the header is the union of every
/// record's leaf fields in first-seen order.
#[derive(Default)]
pub struct CsvWriter {
    columns: Vec<Vec<String>>,
    index: HashMap<Vec<String>, usize>,
    rows: Vec<Vec<(usize, String)>>,
    /// `--escape-formulas`: cells a spreadsheet would run get a `'` in front.
    pub escape_formulas: bool,
}

impl CsvWriter {
    pub fn add(&mut self, record: &[u8]) {
        let mut cells = Vec::new();
        let mut prefix = Vec::new();
        self.flatten(record, &mut prefix, &mut cells);
        self.rows.push(cells);
    }

    fn flatten(
        &mut self,
        object: &[u8],
        prefix: &mut Vec<String>,
        cells: &mut Vec<(usize, String)>,
    ) {
        let Ok(members) = json::members(object) else { return };
        for m in members {
            prefix.push(m.key().into_owned());
            if m.value.kind == Kind::Object
                && m.value.bytes.iter().filter(|b| !b.is_ascii_whitespace()).count() > 2
            {
                self.flatten(m.value.bytes, prefix, cells);
            } else {
                let column = match self.index.get(prefix.as_slice()) {
                    Some(&c) => c,
                    None => {
                        self.columns.push(prefix.clone());
                        self.index.insert(prefix.clone(), self.columns.len() - 1);
                        self.columns.len() - 1
                    }
                };
                cells.push((column, cell_text(m.value.bytes)));
            }
            prefix.pop();
        }
    }

    /// The CSV text: header, then one row per record.
    pub fn finish(self) -> Vec<u8> {
        // No record: an empty file (a header of one empty name would not read back).
        if self.rows.is_empty() {
            return Vec::new();
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let escape = |c: &str| crate::csv_cell::cell(c, self.escape_formulas).into_owned();
        let header: Vec<String> = self.columns.iter().map(|c| escape(&header_text(c))).collect();
        let _ = writer.write_record(&header);
        let mut row = vec![String::new(); self.columns.len()];
        for cells in self.rows {
            row.iter_mut().for_each(String::clear);
            for (column, text) in cells {
                row[column] = text;
            }
            let _ = writer.write_record(row.iter().map(|c| escape(c)));
        }
        writer.into_inner().unwrap_or_default()
    }
}

/// A leaf value as a cell: strings as their text unless that text would be
/// read back as another type (then as their JSON literal); other values as
/// their JSON text.
fn cell_text(value: &[u8]) -> String {
    if is_string(value)
        && let Some(text) = text_of(value)
        && !text.is_empty()
        && !typed(&text)
    {
        return text.into_owned();
    }
    String::from_utf8_lossy(value).into_owned()
}

/// A column's header: dotted when every key allows it, else a JSON Pointer.
fn header_text(path: &[String]) -> String {
    let plain = path.iter().enumerate().all(|(i, k)| {
        !(k.is_empty() || k.contains('.') || k == "*" || (i == 0 && k.starts_with('/')))
    });
    if plain {
        return path.join(".");
    }
    let mut out = String::new();
    for key in path {
        out.push('/');
        crate::path::pointer_escape(key, &mut out);
    }
    out
}

/// Splits pipeline output (records each ending in `\n`) into records.
pub fn records(slice: &[u8]) -> impl Iterator<Item = &[u8]> {
    slice.split(|&b| b == b'\n').filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(lines: &[&str]) -> Vec<String> {
        let mut writer = CsvWriter::default();
        for line in lines {
            writer.add(line.as_bytes());
        }
        let text = writer.finish();
        let mut bad = Vec::new();
        let (jsonl, _) = csv_records("t.csv", &text, 0, &mut bad, false).unwrap();
        assert!(bad.is_empty());
        String::from_utf8(jsonl).unwrap().lines().map(str::to_string).collect()
    }

    #[test]
    fn csv_round_trips_types_and_nesting() {
        let lines = [
            r#"{"id":7,"s":"42","t":"true","e":"","n":null,"b":false,"x":1.50,"a":[1,"x"],"m":{"tier":"gold","deep":{"k":"v"}},"q":"say \"hi\""}"#,
            r#"{"id":8,"m":{"tier":"x"},"odd.key":"v","o":{}}"#,
        ];
        assert_eq!(roundtrip(&lines), lines);
    }

    #[test]
    fn r_records_without_fields_round_trip_through_csv() {
        assert_eq!(roundtrip(&["{}", "{}"]), ["{}", "{}"]);
        assert_eq!(roundtrip(&[r#"{"a":1}"#, "{}"]), [r#"{"a":1}"#, "{}"]);
        assert!(CsvWriter::default().finish().is_empty());
    }

    #[test]
    fn cells_are_typed_only_when_unambiguous() {
        assert_eq!(cell_value("42").unwrap(), b"42");
        assert_eq!(cell_value("007").unwrap(), b"\"007\"");
        assert_eq!(cell_value("true").unwrap(), b"true");
        assert_eq!(cell_value("yes").unwrap(), b"\"yes\"");
        assert_eq!(cell_value(" 1").unwrap(), b"\" 1\"");
        assert!(cell_value("").is_none());
    }

    #[test]
    fn r_unterminated_quote_is_a_bad_row_not_one_swallowing_cell() {
        let mut bad = Vec::new();
        let (jsonl, _) =
            csv_records("t.csv", b"a,b\n1,2\n3,\"open\n4,5\n6,7\n", 0, &mut bad, false).unwrap();
        assert_eq!(String::from_utf8(jsonl).unwrap(), "{\"a\":1,\"b\":2}\n");
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].line, bad[0].category.as_str()), (3, "unterminated quoted field"));
        // Closed quotes, escaped quotes and quotes inside a plain field are fine.
        assert!(!unterminated_quote(b"\"a\"\"b\",c\"d,\"x\ny\"\n"));
        assert!(unterminated_quote(b"1,\"a\"\"b\n"));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let mut bad = Vec::new();
        let (jsonl, lines) =
            csv_records("t.csv", b"a,b\n1,2\n1,2,3\n\"x\ny\",4\n", 0, &mut bad, false).unwrap();
        assert_eq!(
            String::from_utf8(jsonl).unwrap(),
            "{\"a\":1,\"b\":2}\n{\"a\":\"x\\ny\",\"b\":4}\n"
        );
        assert_eq!(lines, vec![2, 4]);
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].line, bad[0].raw.as_slice()), (3, &b"1,2,3"[..]));
    }

    #[test]
    fn squad_questions_keep_their_bytes_and_lines() {
        let text = b"{\"version\":\"v2.0\",\"data\":[{\"title\":\"T\",\"paragraphs\":[{\"context\":\"C\",\n\"qas\":[\n{\"question\":\"Q?\",\"id\":\"1\",\"answers\":[{\"text\":\"A\",\"answer_start\":0}]}]}]}]}";
        let (jsonl, lines, positions) = squad("s.json", text).unwrap();
        assert_eq!(positions, ["/data/0/paragraphs/0/qas/0"]);
        assert_eq!(
            String::from_utf8(jsonl).unwrap(),
            "{\"title\":\"T\",\"context\":\"C\",\"question\":\"Q?\",\"id\":\"1\",\"answers\":[{\"text\":\"A\",\"answer_start\":0}]}\n"
        );
        assert_eq!(lines, vec![3]);
        assert!(squad("s.json", b"{\"data\": 3}").is_err());
    }
}
