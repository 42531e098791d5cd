//! Input (CONVENTIONS §1): FILE arguments or standard input, read as one
//! stream of newline-aligned chunks (`chunks.rs`: [`Chunks`]), then framed into lines.
//!
//! A regular file is memory-mapped and its chunks are slices of the map (zero
//! copy); standard input, pipes and other streams are read in large blocks.
//! Chunk boundaries depend only on the content (the first newline at or after
//! each multiple of the chunk size, counted from the start of the source), so a
//! file, the same bytes on a pipe, and any thread count all see the same chunks,
//! which is what makes every aggregate reproducible.
//!
//! Compressed inputs (gzip, zstd) are recognised by their magic bytes, not
//! their names, on files and on standard input alike, and decompressed as a
//! stream: line numbers and rejects refer to the decompressed lines.
//!
//! Memory stays bounded on any input (issue 18 §1): a line longer than
//! `--max-line-bytes` ([`crate::limits`]) becomes a chunk of its own that holds
//! only its first bytes and its length ([`ChunkData::Oversized`]); a stream is
//! read through the rest of it in fixed-size blocks. A regular file that
//! reports size 0 (`/proc/self/status`) is read as a stream, and a mapped file
//! that changes while it is read is an error ([`crate::signal_mmap`]).

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use memmap2::Mmap;

mod chunks;

pub use chunks::{Block, Chunk, ChunkData, Chunks, Oversized};

use crate::compress::{decompress_lazily, open_compressed};
use crate::error::Error;
use crate::signal_mmap::{GuardedMap, Snapshot};

/// Whether regular files are memory-mapped (off with --no-mmap).
static MAPPING: AtomicBool = AtomicBool::new(true);

/// Turns memory-mapping of regular files on or off for this process.
pub fn set_mapping(on: bool) {
    MAPPING.store(on, Ordering::Relaxed);
}

/// Default bytes per chunk. Small enough to spread a few-MB file over the
/// cores, large enough that per-chunk overhead is invisible.
pub const DEFAULT_CHUNK: usize = 1 << 20;

/// One input as opened.
pub struct Source {
    /// What messages call it: the path as given, or `<stdin>`.
    pub name: Arc<str>,
    data: SourceData,
    /// For a mapped file: its size and time when opened, compared at its end.
    snapshot: Option<Snapshot>,
}

enum SourceData {
    Mapped(Arc<GuardedMap>),
    Empty,
    Stream(Box<dyn Read + Send>, Option<PauseProbe>),
}

/// How long a pipe must stay empty, after a read that found less than it
/// asked for, before the lines read so far are processed and their output
/// flushed. A producer writing at full speed never leaves its pipe empty
/// that long; an LLM writing a record every few seconds, or `tail -f`, does.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// Watches a pipe (standard input, a FIFO) for a producer that has paused.
/// A chunk of a pipe is then cut early, at its last complete line, so records
/// flow through a tool as they arrive (`tail -f`, a slow generator). Chunk
/// boundaries then depend on timing; no tool's output depends on them (the
/// conventions tests vary chunk sizes for every tool).
struct PauseProbe {
    fd: std::os::fd::OwnedFd,
    /// Set once the stream turned out not to be compressed: a decoder may
    /// hold decoded bytes while its pipe is empty, so only plain pipes count.
    plain: Arc<AtomicBool>,
}

impl PauseProbe {
    fn watch(fd: impl AsFd) -> (Option<PauseProbe>, Arc<AtomicBool>) {
        let plain = Arc::new(AtomicBool::new(false));
        let probe =
            fd.as_fd().try_clone_to_owned().ok().map(|fd| PauseProbe { fd, plain: plain.clone() });
        (probe, plain)
    }

    /// Whether nothing arrives on the pipe within [`PAUSE`].
    fn paused(&self) -> bool {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        if !self.plain.load(Ordering::Relaxed) {
            return false;
        }
        let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
        let wait = Timespec { tv_sec: 0, tv_nsec: PAUSE.as_nanos() as i64 };
        // An error (say EINTR) counts as "not paused": the next read decides.
        matches!(poll(&mut fds, Some(&wait)), Ok(0))
    }
}

impl Source {
    /// The size in bytes when known up front (files), for progress and ETA.
    pub fn size(&self) -> Option<u64> {
        match &self.data {
            SourceData::Mapped(map) => Some(map.len() as u64),
            SourceData::Empty => Some(0),
            SourceData::Stream(..) => None,
        }
    }

    /// Whether reading this source may wait for another program: a pipe
    /// (standard input), a FIFO, a terminal. A tool that looks at such a
    /// source before its run starts would keep an unwritable output from
    /// failing at once, so it peeks at it only after [`crate::run::Run::start`].
    pub fn waits(&self) -> bool {
        matches!(self.data, SourceData::Stream(_, Some(_)))
    }

    /// The first bytes of the source (decompressed), left in place for
    /// whoever reads it next: at most `max` of them, and of a stream only as
    /// many as it takes to end the first line that is not blank, so a pipe
    /// is waited for until its first record and no longer. This is how a
    /// tool tells a whole JSON document from JSONL on standard input as on a
    /// file, by its first record, without reading the stream twice: the
    /// bytes read are put back in front of it.
    pub fn peek(&mut self, max: usize) -> Result<Vec<u8>, Error> {
        let SourceData::Stream(reader, _) = &mut self.data else {
            return Ok(match &self.data {
                SourceData::Mapped(map) => map[..map.len().min(max)].to_vec(),
                _ => Vec::new(),
            });
        };
        let mut head = Vec::new();
        while head.len() < max && !ends_first_record(&head) {
            let filled = head.len();
            head.resize(max.min(filled + 64 * 1024), 0);
            let got = loop {
                match reader.read(&mut head[filled..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
            match got {
                Ok(n) => {
                    head.truncate(filled + n);
                    if n == 0 {
                        break;
                    }
                }
                Err(source) => return Err(Error::Input { name: self.name.to_string(), source }),
            }
        }
        if !head.is_empty() {
            let rest = std::mem::replace(reader, Box::new(io::empty()));
            *reader = Box::new(io::Cursor::new(head.clone()).chain(rest));
        }
        Ok(head)
    }

    /// All of the source (decompressed) as one whole document, refused once
    /// it passes `--max-document-bytes`; the source is empty afterwards.
    pub fn read_whole(&mut self) -> Result<Vec<u8>, Error> {
        let what = "the document";
        match std::mem::replace(&mut self.data, SourceData::Empty) {
            SourceData::Empty => Ok(Vec::new()),
            SourceData::Stream(reader, _) => {
                crate::document::read_limited(reader, &self.name, what)
            }
            SourceData::Mapped(map) => {
                if map.len() as u64 > crate::limits::max_document() {
                    return Err(crate::limits::document_too_large(&self.name, what));
                }
                let text = map.to_vec();
                // A file that shrank or changed while it was copied.
                if let Some(name) = crate::signal_mmap::faulted() {
                    return Err(crate::signal_mmap::changed(&name));
                }
                match &self.snapshot {
                    Some(snapshot) if !snapshot.unchanged() => {
                        Err(crate::signal_mmap::changed(&self.name))
                    }
                    _ => Ok(text),
                }
            }
        }
    }
}

/// Whether `head` holds the whole first line that is not blank (after a
/// UTF-8 BOM): what [`document_layout`] and a tool's own sniffing look at.
fn ends_first_record(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match text.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(at) => memchr::memchr(b'\n', &text[at..]).is_some(),
        None => false,
    }
}

/// The name messages use for standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// All inputs of a run, opened up front so that an unreadable file is reported
/// before any output is written.
pub struct Inputs {
    pub sources: Vec<Source>,
}

impl Inputs {
    /// Opens FILE arguments; none means standard input, `-` means standard
    /// input explicitly and may appear once.
    pub fn open(paths: &[PathBuf]) -> Result<Inputs, Error> {
        let dashes = paths.iter().filter(|p| p.as_os_str() == "-").count();
        if dashes > 1 {
            return Err(Error::Usage("`-` (standard input) may be given only once".into()));
        }
        let mut sources = Vec::with_capacity(paths.len().max(1));
        if paths.is_empty() {
            sources.push(Source::stdin()?);
        }
        for path in paths {
            if path.as_os_str() == "-" {
                sources.push(Source::stdin()?);
            } else {
                sources.push(Source::file(path)?);
            }
        }
        Ok(Inputs { sources })
    }

    /// One in-memory input (a converted document, a test buffer).
    /// One stream read from `reader` (tests of the pipeline's failures).
    #[cfg(test)]
    pub(crate) fn from_reader(name: &str, reader: Box<dyn Read + Send>) -> Inputs {
        Inputs {
            sources: vec![Source {
                name: name.into(),
                data: SourceData::Stream(reader, None),
                snapshot: None,
            }],
        }
    }

    pub fn from_memory(name: &str, bytes: Vec<u8>) -> Inputs {
        let source = if bytes.is_empty() {
            Source { name: name.into(), data: SourceData::Empty, snapshot: None }
        } else {
            Source {
                name: name.into(),
                data: SourceData::Stream(Box::new(io::Cursor::new(bytes)), None),
                snapshot: None,
            }
        };
        Inputs { sources: vec![source] }
    }

    /// Total size when every input is a file.
    pub fn total_len(&self) -> Option<u64> {
        self.sources.iter().map(Source::size).sum()
    }

    pub fn names(&self) -> Vec<Arc<str>> {
        self.sources.iter().map(|s| s.name.clone()).collect()
    }

    /// Turns the inputs into a stream of chunks, in order.
    pub fn into_chunks(self, chunk_size: usize) -> Chunks {
        self.into_chunks_limited(chunk_size, crate::limits::max_line())
    }

    /// [`Inputs::into_chunks`] with lines longer than `max_line` bytes
    /// turned into [`ChunkData::Oversized`] chunks.
    pub fn into_chunks_limited(self, chunk_size: usize, max_line: u64) -> Chunks {
        Chunks::new(self.sources, chunk_size, max_line)
    }
}

impl Source {
    fn stdin() -> Result<Source, Error> {
        let name: Arc<str> = STDIN_NAME.into();
        let stdin = io::stdin();
        // `tool < file` gives a regular file: map it like a named file, as long
        // as nothing has read from it yet.
        if let Ok(fd) = stdin.as_fd().try_clone_to_owned() {
            let file = File::from(fd);
            let at_start =
                rustix::fs::seek(&file, rustix::fs::SeekFrom::Current(0)).is_ok_and(|pos| pos == 0);
            let regular = file.metadata().is_ok_and(|m| m.is_file());
            if regular {
                crate::guard::input_file(&file, STDIN_NAME)?;
            }
            if at_start
                && regular
                && let Ok(source) = Source::map(name.clone(), file)
            {
                return Ok(source);
            }
        }
        if crate::output::standard_stream_closed(0) {
            return Err(Error::Input {
                name: name.to_string(),
                source: io::Error::other(
                    "standard input is closed (<&-); give a FILE or - with input",
                ),
            });
        }
        crate::output::enlarge_pipe(&stdin);
        // Sniffed on the first read (a failure to peek is reported then), so
        // opening never waits for the producer upstream.
        let (probe, plain) = PauseProbe::watch(&stdin);
        Ok(Source {
            name,
            data: SourceData::Stream(decompress_lazily(stdin, plain), probe),
            snapshot: None,
        })
    }

    fn file(path: &Path) -> Result<Source, Error> {
        let name: Arc<str> = crate::report::path_name(path).into();
        let open_error = |source: io::Error| Error::Input { name: name.to_string(), source };
        crate::guard::input(path, &name)?;
        let file = File::open(path).map_err(open_error)?;
        let meta = file.metadata().map_err(open_error)?;
        if meta.is_dir() {
            return Err(Error::Input {
                name: name.to_string(),
                source: io::Error::other("is a directory, not a file"),
            });
        }
        if !meta.is_file() {
            // FIFOs, character devices, process substitution: stream them.
            let (probe, plain) = PauseProbe::watch(&file);
            let reader = decompress_lazily(file, plain);
            return Ok(Source { name, data: SourceData::Stream(reader, probe), snapshot: None });
        }
        let label = name.to_string();
        Source::map(name, file).map_err(|source| Error::Input { name: label, source })
    }

    /// Maps a regular file (reading it as a stream where mapping fails or
    /// with --no-mmap, or decompressing it when it is compressed).
    fn map(name: Arc<str>, file: File) -> io::Result<Source> {
        // Some filesystems cannot map, and --no-mmap asks not to: read the
        // file as a stream instead.
        let stream = |file: File| -> io::Result<Source> {
            let reader = match open_compressed(&file, None)? {
                Some(reader) => reader,
                None => Box::new(file),
            };
            Ok(Source {
                name: name.clone(),
                data: SourceData::Stream(reader, None),
                snapshot: None,
            })
        };
        // A file that says it is empty may not be (/proc/self/status, other
        // kernel files): reading it is the only way to know.
        if file.metadata()?.len() == 0 || !MAPPING.load(Ordering::Relaxed) {
            return stream(file);
        }
        let snapshot = Snapshot::take(&file);
        // SAFETY: this assumes that no other process modifies or truncates
        // the file while it is mapped; that is the assumption ripgrep and jaq
        // make too. If it does not hold, the bytes we read may change under us
        // (a record read twice may differ) or the kernel may deliver SIGBUS
        // for a page past a truncation. --no-mmap reads with read(2) instead,
        // for files that other programs are still writing.
        // A truncation that faults is caught by signal_mmap's SIGBUS handler
        // (its pages read as zeros and the run ends with an error before
        // anything computed from them is written); one that does not is
        // caught by the snapshot when the file's last chunk is cut.
        #[allow(unsafe_code)]
        let map = match unsafe { Mmap::map(&file) } {
            Ok(map) => map,
            Err(_) => return stream(file),
        };
        let map = match GuardedMap::guard(map, &name) {
            Ok(map) => Arc::new(map),
            Err(_) => return stream(file),
        };
        if let Some(reader) = open_compressed(&file, Some(&map))? {
            return Ok(Source { name, data: SourceData::Stream(reader, None), snapshot });
        }
        map.advise_sequential();
        Ok(Source { name, data: SourceData::Mapped(map), snapshot })
    }
}

/// What a whole-document input looks like from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentLayout {
    /// `[` opens the first line: a JSON array of records.
    Array,
    /// `{` alone on the first line: one pretty-printed object.
    Object,
}

/// Whether the first non-blank line of a source (after a BOM) opens a whole
/// JSON document rather than a JSONL record: it is `[` alone or starts an
/// array of objects (`[{…`), or it is `{` alone (a pretty-printed object).
pub fn document_layout(bytes: &[u8]) -> Option<DocumentLayout> {
    let mut first: Option<&[u8]> = None;
    for_each_line(bytes, true, |line| {
        if !is_blank(line.bytes) {
            first = Some(line.bytes);
        }
        first.is_none()
    });
    let first = first?.trim_ascii();
    // `[1,2]` or `[]` on a line is a bad record like any other non-object.
    let array_of_objects =
        first.strip_prefix(b"[").is_some_and(|rest| rest.trim_ascii_start().starts_with(b"{"));
    if first == b"[" || array_of_objects {
        Some(DocumentLayout::Array)
    } else if first == b"{" {
        Some(DocumentLayout::Object)
    } else {
        None
    }
}

/// The one message for a whole JSON document given where JSONL is expected.
pub fn document_error(name: &str, layout: DocumentLayout) -> Error {
    let file = if name == STDIN_NAME { "-".to_string() } else { name.to_string() };
    Error::Usage(match layout {
        DocumentLayout::Array => format!(
            "{name} is a JSON array, not JSONL (one object per line): convert it first with \
             `fmt-migrate --from json-array {file}` and pipe the records on"
        ),
        DocumentLayout::Object => format!(
            "{name} is one JSON document spread over several lines, not JSONL (one object per \
             line): `fmt-migrate --from graph-response {file}` reads the records of a Graph \
             response or an export (its \"value\" or \"events\" array), \
             `fmt-migrate --from json-array {file}` those of a {{\"data\": [...]}} wrapper, and \
             `jq -c . {file}` puts one object on one line"
        ),
    })
}

/// One line of a chunk, without its line terminator.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub bytes: &'a [u8],
    /// Offset of `bytes` in the chunk.
    pub start: usize,
    /// 0-based index of the line within the chunk.
    pub index: u32,
    /// Whether the line ends with a bare `\n` right after `bytes`, so the
    /// record and its newline can be written as one slice.
    pub plain_newline: bool,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Calls `each` for every line of `chunk`; returns how many lines it has.
/// Skips a UTF-8 BOM at the start of a source and strips `\r` before `\n`.
pub fn for_each_line<'a>(
    chunk: &'a [u8],
    starts_source: bool,
    mut each: impl FnMut(Line<'a>) -> bool,
) -> u32 {
    let mut start = 0;
    if starts_source && chunk.starts_with(UTF8_BOM) {
        start = UTF8_BOM.len();
    }
    let mut index = 0u32;
    while start < chunk.len() {
        let (end, next) = match memchr::memchr(b'\n', &chunk[start..]) {
            Some(at) => (start + at, start + at + 1),
            None => (chunk.len(), chunk.len()),
        };
        let mut stop = end;
        let mut plain_newline = next > end;
        // A CRLF line end, or the last line of a CRLF file that lost its final LF.
        if stop > start && chunk[stop - 1] == b'\r' {
            stop -= 1;
            plain_newline = false;
        }
        let line = Line { bytes: &chunk[start..stop], start, index, plain_newline };
        index += 1;
        if !each(line) {
            return index;
        }
        start = next;
    }
    index
}

/// Whether a line holds only JSON whitespace (counted, then skipped).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_document_is_known_by_its_first_line() {
        assert_eq!(
            document_layout(b"\xEF\xBB\xBF\n  \r\n[\n {\"a\":1}\n]"),
            Some(DocumentLayout::Array)
        );
        assert_eq!(document_layout(b"[{\"a\":1}, {\"a\":2}]\n"), Some(DocumentLayout::Array));
        assert_eq!(document_layout(b"{\r\n  \"value\": []\r\n}"), Some(DocumentLayout::Object));
        // Bad records, not documents: one per line, reported as such.
        assert_eq!(document_layout(b"[1,2]\n[]\n"), None);
        assert_eq!(document_layout(b"{\"a\":1}\n{\n"), None);
        assert_eq!(document_layout(b"\n\n"), None);
    }

    /// A stream that hands out its pieces one read at a time, as a pipe does.
    struct Pieces(std::collections::VecDeque<Vec<u8>>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(mut piece) = self.0.pop_front() else { return Ok(0) };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                self.0.push_front(piece.split_off(n));
            }
            Ok(n)
        }
    }

    fn stream(pieces: &[&str]) -> Inputs {
        let pieces = pieces.iter().map(|p| p.as_bytes().to_vec()).collect();
        Inputs::from_reader("<stdin>", Box::new(Pieces(pieces)))
    }

    fn all_bytes(inputs: Inputs) -> Vec<u8> {
        let chunks = inputs.into_chunks(4);
        chunks.flat_map(|c| c.expect("chunk").bytes().to_vec()).collect()
    }

    #[test]
    fn peeking_a_stream_reads_to_its_first_record_and_puts_it_back() {
        // Blank lines and a BOM first; the read stops once the first record ends.
        let mut inputs = stream(&["\u{feff}\n  ", "{\"a\"", ":1}\n{\"b\"", ":2}\n", "{\"c\":3}\n"]);
        let head = inputs.sources[0].peek(1 << 16).expect("peek");
        assert_eq!(head, "\u{feff}\n  {\"a\":1}\n{\"b\"".as_bytes());
        assert_eq!(all_bytes(inputs), "\u{feff}\n  {\"a\":1}\n{\"b\":2}\n{\"c\":3}\n".as_bytes());
        // At most `max` bytes of a first line that does not end.
        let mut inputs = stream(&["{\"long\":\"", "abcdefghij", "\"}"]);
        assert_eq!(inputs.sources[0].peek(12).expect("peek"), b"{\"long\":\"abc");
        assert_eq!(all_bytes(inputs), b"{\"long\":\"abcdefghij\"}");
        // A stream that ends first: all of it; then read whole.
        let mut inputs = stream(&["{\"value\":", "[]}"]);
        assert_eq!(inputs.sources[0].peek(1 << 16).expect("peek"), b"{\"value\":[]}");
        assert_eq!(inputs.sources[0].read_whole().expect("whole"), b"{\"value\":[]}");
        assert_eq!(all_bytes(inputs), b"");
        let mut empty = stream(&[]);
        assert_eq!(empty.sources[0].peek(10).expect("peek"), b"");
    }

    fn lines(chunk: &[u8], starts: bool) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for_each_line(chunk, starts, |l| {
            out.push((String::from_utf8_lossy(l.bytes).into_owned(), l.plain_newline));
            true
        });
        out
    }

    #[test]
    fn framing_handles_crlf_bom_and_a_missing_last_newline() {
        let got = lines(b"\xEF\xBB\xBF{\"a\":1}\r\n\n{}\n{\"b\":2}", true);
        assert_eq!(
            got,
            vec![
                ("{\"a\":1}".into(), false),
                ("".into(), true),
                ("{}".into(), true),
                ("{\"b\":2}".into(), false)
            ]
        );
        // A CRLF file whose last line lost its LF keeps no stray \r.
        assert_eq!(
            lines(b"{}\r\n{\"a\":1}\r", true),
            vec![("{}".into(), false), ("{\"a\":1}".into(), false)]
        );
        // A BOM in the middle of a stream is data, not framing.
        assert_eq!(lines(b"\xEF\xBB\xBF{}\n", false)[0].0, "\u{feff}{}");
    }

    fn oversized_view(chunks: Chunks) -> Vec<String> {
        chunks
            .map(|c| {
                let c = c.unwrap();
                match c.oversized() {
                    Some(line) => {
                        format!("long {} at {} ({} kept)", line.len, c.offset, line.prefix.len())
                    }
                    None => String::from_utf8_lossy(c.bytes()).into_owned(),
                }
            })
            .collect()
    }

    #[test]
    fn r_a_line_over_the_limit_is_one_chunk_that_holds_only_its_start() {
        let long = "x".repeat(10_000);
        let text = format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n{long}{long}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, &text).unwrap();
        let mapped = oversized_view(Inputs::open(&[path]).unwrap().into_chunks_limited(64, 5000));
        let stream = Inputs::from_reader("s", Box::new(io::Cursor::new(text.clone().into_bytes())));
        let streamed = oversized_view(stream.into_chunks_limited(64, 5000));
        let want = vec![
            "{\"a\":1}\n".to_string(),
            "long 10000 at 8 (4096 kept)".into(),
            "{\"b\":2}\n".into(),
            "long 20000 at 10017 (4096 kept)".into(),
        ];
        assert_eq!(mapped, want);
        assert_eq!(streamed, want);
        // A line of exactly the limit is an ordinary line.
        let stream = Inputs::from_reader("s", Box::new(io::Cursor::new(long.clone().into_bytes())));
        assert_eq!(oversized_view(stream.into_chunks_limited(64, 10_000)), vec![long]);
    }

    #[test]
    fn stream_and_map_give_the_same_chunks() {
        let mut text = Vec::new();
        for i in 0..5000 {
            text.extend_from_slice(
                format!("{{\"i\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 97)).as_bytes(),
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, &text).unwrap();
        let mapped: Vec<Vec<u8>> = Inputs::open(&[path])
            .unwrap()
            .into_chunks(4096)
            .map(|c| c.unwrap().bytes().to_vec())
            .collect();
        let streamed: Vec<Vec<u8>> = Inputs {
            sources: vec![Source {
                name: "s".into(),
                data: SourceData::Stream(Box::new(io::Cursor::new(text.clone())), None),
                snapshot: None,
            }],
        }
        .into_chunks(4096)
        .map(|c| c.unwrap().bytes().to_vec())
        .collect();
        assert!(mapped.len() > 10);
        assert_eq!(mapped, streamed);
        assert_eq!(mapped.concat(), text);
    }
}

#[cfg(test)]
mod pause_tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn no_mmap_reads_a_regular_file_as_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, "{\"a\":1}\n").unwrap();
        let mapped = |on: bool| {
            set_mapping(on);
            let source = Source::map("in".into(), File::open(&path).unwrap()).unwrap();
            matches!(source.data, SourceData::Mapped(_))
        };
        let (with, without) = (mapped(true), mapped(false));
        set_mapping(true);
        assert!(with, "a regular file is mapped by default");
        assert!(!without, "--no-mmap reads it as a stream");
    }

    /// A source reading the far end of a real pipe, as standard input would.
    fn pipe_source() -> (Source, File) {
        let (read, write) = rustix::pipe::pipe().expect("pipe");
        let read = File::from(read);
        let (probe, plain) = PauseProbe::watch(&read);
        let source = Source {
            name: STDIN_NAME.into(),
            data: SourceData::Stream(decompress_lazily(read, plain), probe),
            snapshot: None,
        };
        (source, File::from(write))
    }

    #[test]
    fn a_paused_pipe_hands_on_its_complete_lines_and_keeps_the_rest() {
        let (source, mut producer) = pipe_source();
        let mut chunks = Inputs { sources: vec![source] }.into_chunks(DEFAULT_CHUNK);
        producer.write_all(b"{\"a\":1}\n{\"b\":").expect("write");
        // Nothing more arrives: the complete line comes out on its own.
        let first = chunks.next().expect("a chunk").expect("read");
        assert_eq!(first.bytes(), b"{\"a\":1}\n");
        assert!(first.paused && first.starts_source);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(PAUSE * 3);
            producer.write_all(b"2}\n{\"c\":3}\n").expect("write");
        });
        // The half line waits for the rest of itself; nothing is lost or doubled.
        let second = chunks.next().expect("a chunk").expect("read");
        assert_eq!(second.bytes(), b"{\"b\":2}\n{\"c\":3}\n");
        assert_eq!(second.offset, 8);
        writer.join().expect("writer");
        assert!(chunks.next().is_none());
    }
}
