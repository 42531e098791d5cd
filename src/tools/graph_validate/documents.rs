//! Graph response documents as event inputs. An input (a FILE or standard
//! input, sniffed alike by its first record) holding a Microsoft Graph list
//! response (`{"value": [...], "@odata.nextLink": ...}`, as `GET /me/events`
//! and `/me/calendarView` return it: one input per saved page, or several
//! pages in one, one per line as a paging loop appends them), a calendar
//! export wrapper (`{"metadata": ..., "events": [...]}`) or a JSON array of
//! events is read whole (within `--max-document-bytes`) as its events by the
//! library's `document` reader: each event becomes one JSONL line (a
//! pretty-printed event's newlines become spaces, which changes no value)
//! and keeps the line it starts on and its place in the document
//! (`/value/3`), so every message points into the original document. JSONL
//! inputs stream as before, their bytes untouched: only their first record
//! is looked at. Reference for the response shape: Microsoft Graph v1.0
//! "List events" (<https://learn.microsoft.com/graph/api/user-list-events>)
//! and "Paging Microsoft Graph data in your app"
//! (<https://learn.microsoft.com/graph/paging>).

use std::path::PathBuf;

use crate::document::{self, Layout};
use crate::error::Error;
use crate::input::{DocumentLayout, Inputs, document_layout};
use crate::json::{self, Kind};

/// How much of an input is looked at to tell a document from JSONL (of a
/// stream, only up to the end of its first record).
const SNIFF_BYTES: usize = 64 * 1024;

/// One input read as a document.
pub(super) struct ReadDocument {
    pub source: usize,
    pub name: String,
    /// Where the events were: "array", "value" or "events" (with pages).
    pub layout: String,
    pub events: usize,
    /// The line of the input on which each event starts.
    pub lines: Vec<u64>,
    /// Where each event sits in the document (`/value/3`, `/events/0`,
    /// `/2`, or `record 7` in several pages), for messages.
    pub positions: Vec<String>,
}

impl ReadDocument {
    /// Where JSONL line `line` (1-based) of this input's events sits.
    pub fn position(&self, line: u64) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.positions.get(index).map(String::as_str)
    }
}

/// Opens the inputs (FILEs, or standard input), reading each Graph document
/// among them as its events, except the inputs that are pipes: those are
/// read by [`read_pipes`] once the run has started.
pub(super) fn open(files: &[PathBuf]) -> Result<(Inputs, Vec<ReadDocument>), Error> {
    let mut inputs = Inputs::open(files)?;
    let mut documents = Vec::new();
    read_documents(&mut inputs, &mut documents, false)?;
    Ok((inputs, documents))
}

/// Reads the Graph documents among the inputs that are pipes (standard
/// input, a FIFO), after the outputs are open: sniffing a pipe waits for its
/// first record, and an output that cannot be written must fail at once.
pub(super) fn read_pipes(
    inputs: &mut Inputs,
    documents: &mut Vec<ReadDocument>,
) -> Result<(), Error> {
    read_documents(inputs, documents, true)?;
    documents.sort_by_key(|doc| doc.source);
    Ok(())
}

/// Every input, the pipes or the others, is sniffed the same way, by its
/// first record, so standard input is read like a FILE: `curl …/me/events |
/// graph-validate` checks the page's events, not the page.
fn read_documents(
    inputs: &mut Inputs,
    documents: &mut Vec<ReadDocument>,
    pipes: bool,
) -> Result<(), Error> {
    for (source, input) in inputs.sources.iter_mut().enumerate() {
        if input.waits() != pipes || !is_document(&input.peek(SNIFF_BYTES)?) {
            continue;
        }
        let name = input.name.to_string();
        let doc = document::parse(name.clone(), input.read_whole()?)?;
        let layout = match &doc.layout {
            Layout::Array => "array".to_string(),
            Layout::Objects => "objects".to_string(),
            Layout::Wrapped { key, pages } if *pages > 1 => format!("{key} ({pages} pages)"),
            Layout::Wrapped { key, .. } => key.clone(),
        };
        let (lines, positions) = (doc.lines(), doc.positions());
        let events = doc.records.len();
        if let Some(replacement) = Inputs::from_memory(&name, doc.to_jsonl()).sources.pop() {
            *input = replacement;
        }
        documents.push(ReadDocument { source, name, layout, events, lines, positions });
    }
    Ok(())
}

/// Whether an input whose first bytes are `prefix` (at most [`SNIFF_BYTES`],
/// and at least its first record unless that is longer) is a whole JSON
/// document rather than JSONL: its first line opens a pretty-printed
/// document, or is one object holding an array under `value` or `events` (a
/// response saved on one line, as curl writes it; several such lines are
/// pages read together).
fn is_document(prefix: &[u8]) -> bool {
    if matches!(document_layout(prefix), Some(DocumentLayout::Array | DocumentLayout::Object)) {
        return true;
    }
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    let first = text.trim_ascii_start();
    if !first.starts_with(b"{") {
        return false;
    }
    match memchr::memchr(b'\n', first) {
        Some(end) => holds_events(&first[..end]),
        // The whole input is one line without a newline.
        None if prefix.len() < SNIFF_BYTES => holds_events(first),
        // The first line is longer than the sniff: only a wrapper's opening
        // is worth reading the whole input for.
        None => {
            let head = &first[1..].trim_ascii_start();
            WRAPPER_OPENINGS.iter().any(|key| head.starts_with(key))
        }
    }
}

/// The first keys of a response or an export that does not fit the sniff:
/// Graph writes `@odata.context` (then `@odata.count` with `$count`, or a
/// delta's `@odata.nextLink`) before `value`; events start with
/// `@odata.etag` or a property.
const WRAPPER_OPENINGS: &[&[u8]] = &[
    b"\"value\"",
    b"\"events\"",
    b"\"@odata.context\"",
    b"\"@odata.count\"",
    b"\"@odata.nextLink\"",
    b"\"@odata.deltaLink\"",
    b"\"metadata\"",
];

/// Whether one JSON line is an object with an array under `value` or
/// `events` (and so a response or export, not an event).
fn holds_events(line: &[u8]) -> bool {
    let Ok(members) = json::members(line.trim_ascii()) else { return false };
    members
        .iter()
        .any(|m| matches!(m.key().as_ref(), "value" | "events") && m.value.kind == Kind::Array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_first_record() {
        let event = br#"{"@odata.etag":"W/\"x\"","id":"A","subject":"s"}"#;
        assert!(!is_document(event));
        assert!(!is_document(&[&event[..], b"\n{\"value\":[]}\n"].concat()));
        assert!(is_document(b"{\n  \"value\": [\n"));
        assert!(is_document(b"[\n"));
        // A page on one line: with its newline, or the whole input without one.
        assert!(is_document(b"{\"@odata.context\":\"c\",\"value\":[{\"id\":\"A\"}]}\n{\"value\":"));
        assert!(is_document(b"{\"@odata.count\":1,\"value\":[{\"id\":\"A\"}]}"));
        assert!(is_document(b"\xEF\xBB\xBF{\"metadata\":{},\"events\":[]}"));
        assert!(!is_document(b"{\"value\":\"not an array\"}"));
        // A first line longer than the sniff: known by its first key.
        let long = |start: &[u8]| [start, &vec![b' '; SNIFF_BYTES][..]].concat();
        assert!(is_document(&long(b"{ \"@odata.context\":\"c\",")[..SNIFF_BYTES]));
        assert!(is_document(&long(b"{\"value\":[")[..SNIFF_BYTES]));
        assert!(!is_document(&long(b"{\"@odata.etag\":\"W/x\",")[..SNIFF_BYTES]));
        assert!(!is_document(b""));
    }
}
