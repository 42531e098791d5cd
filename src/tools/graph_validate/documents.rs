//! Graph response documents as event inputs. A FILE holding a Microsoft
//! Graph list response (`{"value": [...], "@odata.nextLink": ...}`, as
//! `GET /me/events` and `/me/calendarView` return it: one file per saved
//! page, or several pages in one file), a calendar export wrapper
//! (`{"metadata": ..., "events": [...]}`) or a JSON array of events is read
//! as its events by the library's `document` reader: each event becomes one
//! JSONL line (a pretty-printed event's newlines become spaces, which changes
//! no value) and keeps the line it starts on in the file, so every message
//! points into the original document. JSONL files and standard input stream
//! as before. Reference for the response shape: Microsoft Graph v1.0
//! "List events" (https://learn.microsoft.com/graph/api/user-list-events)
//! and "Paging Microsoft Graph data in your app"
//! (https://learn.microsoft.com/graph/paging).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::compress::maybe_decompress;
use crate::document::{self, Layout};
use crate::error::Error;
use crate::input::{DocumentLayout, Inputs, document_layout};
use crate::json::{self, Kind};

/// How much of a file is read to tell a document from JSONL.
const SNIFF_BYTES: u64 = 64 * 1024;

/// One FILE read as a document.
pub(super) struct ReadDocument {
    pub source: usize,
    pub name: String,
    /// Where the events were: "array", "value" or "events" (with pages).
    pub layout: String,
    pub events: usize,
    /// The line of the file on which each event starts.
    pub lines: Vec<u64>,
}

/// Opens the FILEs, reading each Graph document among them as its events.
pub(super) fn open(files: &[PathBuf]) -> Result<(Inputs, Vec<ReadDocument>), Error> {
    let mut inputs = Inputs::open(files)?;
    let mut documents = Vec::new();
    for (source, path) in files.iter().enumerate() {
        if path.as_os_str() == "-" || !is_document(path) {
            continue;
        }
        let doc = document::read(path)?;
        let name = inputs.sources[source].name.to_string();
        let layout = match &doc.layout {
            Layout::Array => "array".to_string(),
            Layout::Objects => "objects".to_string(),
            Layout::Wrapped { key, pages } if *pages > 1 => format!("{key} ({pages} pages)"),
            Layout::Wrapped { key, .. } => key.clone(),
        };
        let lines = doc.lines();
        let events = doc.records.len();
        let mut memory = Inputs::from_memory(&name, doc.to_jsonl());
        if let Some(replacement) = memory.sources.pop() {
            inputs.sources[source] = replacement;
        }
        documents.push(ReadDocument { source, name, layout, events, lines });
    }
    Ok((inputs, documents))
}

/// Whether a file is a whole JSON document rather than JSONL: its first line
/// opens a pretty-printed document, or is one object holding an array under
/// `value` or `events` (a response saved on one line, as curl writes it).
fn is_document(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else { return false };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(reader) = maybe_decompress(file) else { return false };
    let mut prefix = Vec::new();
    if reader.take(SNIFF_BYTES).read_to_end(&mut prefix).is_err() {
        return false;
    }
    if matches!(document_layout(&prefix), Some(DocumentLayout::Array | DocumentLayout::Object)) {
        return true;
    }
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&prefix);
    let first = text.trim_ascii_start();
    if !first.starts_with(b"{") {
        return false;
    }
    match memchr::memchr(b'\n', first) {
        Some(end) => holds_events(&first[..end]),
        // The first line is longer than the sniff: only a wrapper's opening
        // is worth reading the whole file for.
        None => {
            let head = &first[1..].trim_ascii_start();
            [&b"\"value\""[..], b"\"events\"", b"\"@odata.context\"", b"\"metadata\""]
                .iter()
                .any(|key| head.starts_with(key))
        }
    }
}

/// Whether one JSON line is an object with an array under `value` or
/// `events` (and so a response or export, not an event).
fn holds_events(line: &[u8]) -> bool {
    let Ok(members) = json::members(line.trim_ascii()) else { return false };
    members
        .iter()
        .any(|m| matches!(m.key().as_ref(), "value" | "events") && m.value.kind == Kind::Array)
}
