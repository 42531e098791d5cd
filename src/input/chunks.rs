//! The chunker: the sources of [`super::Inputs`] read as one stream of
//! newline-aligned chunks. A chunk ends at the first newline at or after each
//! multiple of the chunk size, counted from the start of its source, so the
//! cuts depend only on the content; a mapped file's chunks are slices of the
//! map, a stream's are recycled blocks ([`Block`]). A line longer than
//! `--max-line-bytes` becomes an [`Oversized`] chunk that holds only its
//! first bytes and its length, the rest read through in fixed-size blocks.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use crate::error::Error;
use crate::signal_mmap::{GuardedMap, Snapshot};

use super::{PauseProbe, Source, SourceData, document_error, document_layout};

/// A block of a streamed input. Its buffer returns to a small pool when the
/// chunk is done, so a long pipe reuses a handful of buffers instead of
/// faulting in fresh memory for every block.
pub struct Block(Vec<u8>);

static SPARE_BLOCKS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// Buffers kept for reuse; more than the chunks ever in flight is waste.
const MAX_SPARE_BLOCKS: usize = 64;

impl Block {
    /// A recycled buffer. It keeps its old bytes: they are initialised memory
    /// the reader overwrites, so it need not be zeroed again before each read.
    fn take() -> Vec<u8> {
        let spare = SPARE_BLOCKS.lock().ok().and_then(|mut pool| pool.pop());
        spare.unwrap_or_default()
    }
}

/// Largest buffer kept for reuse: one that grew for a long line goes back
/// to the allocator instead of staying in the pool.
const MAX_SPARE_CAPACITY: usize = 16 << 20;

impl Drop for Block {
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.0);
        if let Ok(mut pool) = SPARE_BLOCKS.lock()
            && pool.len() < MAX_SPARE_BLOCKS
            && buffer.capacity() > 0
            && buffer.capacity() <= MAX_SPARE_CAPACITY
        {
            pool.push(buffer);
        }
    }
}

impl std::ops::Deref for Block {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// The bytes of a chunk: a slice of a mapped file, or an owned block.
#[derive(Clone)]
pub enum ChunkData {
    Mapped(Arc<GuardedMap>, Range<usize>),
    Owned(Arc<Block>),
    /// One line longer than `--max-line-bytes`: never held; the chunk's
    /// bytes are empty and the pipeline rejects it as one bad record.
    Oversized(Arc<Oversized>),
}

/// What is kept of a line longer than `--max-line-bytes`.
#[derive(Debug)]
pub struct Oversized {
    /// Its first bytes ([`crate::limits::reject_prefix`]), for --rejects.
    pub prefix: Vec<u8>,
    /// Its full length in bytes, without the line end.
    pub len: u64,
}

/// A newline-aligned piece of one source.
#[derive(Clone)]
pub struct Chunk {
    /// Index of the source in the order the inputs were given.
    pub source: usize,
    /// Byte offset of the chunk in its source.
    pub offset: u64,
    /// Whether the chunk is the first of its source (BOM handling).
    pub starts_source: bool,
    /// Whether the chunk was cut early because its producer paused: its
    /// output should be flushed rather than wait for more.
    pub paused: bool,
    pub data: ChunkData,
}

impl Chunk {
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            ChunkData::Mapped(map, range) => &map[range.clone()],
            ChunkData::Owned(block) => block,
            ChunkData::Oversized(_) => &[],
        }
    }

    /// The over-long line this chunk stands for, if it is one.
    pub fn oversized(&self) -> Option<&Oversized> {
        match &self.data {
            ChunkData::Oversized(line) => Some(line),
            _ => None,
        }
    }
}

/// The chunks of all inputs in order. Yields an error when a stream fails.
pub struct Chunks {
    sources: std::vec::IntoIter<(usize, Source)>,
    current: Option<Cursor>,
    chunk_size: usize,
    max_line: u64,
}

struct Cursor {
    index: usize,
    name: Arc<str>,
    data: CursorData,
    /// Offset in the source of the next chunk.
    offset: u64,
    snapshot: Option<Snapshot>,
}

enum CursorData {
    Mapped(Arc<GuardedMap>),
    Stream {
        reader: Box<dyn Read + Send>,
        probe: Option<PauseProbe>,
        /// `buf[..filled]` holds the source from the cursor's offset on; the
        /// bytes after it are stale, overwritten by the next read.
        buf: Vec<u8>,
        filled: usize,
        eof: bool,
    },
}

/// End (exclusive) of the chunk that starts at `start` in a source, given
/// `data` beginning at source offset `base`; `None` when more data is needed.
/// `searched` bytes of `data` are known to hold no newline past the boundary
/// (a stream that needed more data), so a long line is scanned only once.
fn cut(
    data: &[u8],
    base: u64,
    start: u64,
    chunk: usize,
    eof: bool,
    searched: usize,
) -> Option<u64> {
    let chunk = chunk as u64;
    let boundary = (start / chunk + 1) * chunk;
    let from = ((boundary - 1).max(start) - base).max(searched as u64);
    let end = base + data.len() as u64;
    if from as usize >= data.len() {
        return eof.then_some(end);
    }
    match memchr::memchr(b'\n', &data[from as usize..]) {
        Some(at) => Some(base + from + at as u64 + 1),
        None => eof.then_some(end),
    }
}

impl Chunks {
    /// The chunks of `sources`, in order.
    pub(super) fn new(sources: Vec<Source>, chunk_size: usize, max_line: u64) -> Chunks {
        Chunks {
            sources: sources.into_iter().enumerate().collect::<Vec<_>>().into_iter(),
            current: None,
            chunk_size: chunk_size.max(1),
            max_line: max_line.max(1),
        }
    }

    fn next_unchecked(&mut self) -> Option<Result<Chunk, Error>> {
        let max_line = self.max_line;
        loop {
            if self.current.is_none() {
                let (index, source) = self.sources.next()?;
                let data = match source.data {
                    SourceData::Empty => continue,
                    SourceData::Mapped(map) => CursorData::Mapped(map),
                    SourceData::Stream(reader, probe) => {
                        CursorData::Stream { reader, probe, buf: Vec::new(), filled: 0, eof: false }
                    }
                };
                self.current = Some(Cursor {
                    index,
                    name: source.name,
                    data,
                    offset: 0,
                    snapshot: source.snapshot,
                });
            }
            let cursor = self.current.as_mut()?;
            let starts_source = cursor.offset == 0;
            let (source, offset) = (cursor.index, cursor.offset);
            let chunk = |paused: bool, data: ChunkData| Chunk {
                source,
                offset,
                starts_source,
                paused,
                data,
            };
            match &mut cursor.data {
                CursorData::Mapped(map) => {
                    let start = cursor.offset as usize;
                    if start >= map.len() {
                        let ended = cursor.end_of_source();
                        self.current = None;
                        match ended {
                            Ok(()) => continue,
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    let mut end = cut(map, 0, cursor.offset, self.chunk_size, true, 0)
                        .unwrap_or(map.len() as u64) as usize;
                    if let Some((at, line_end)) = first_long_line(&map[start..end], max_line) {
                        if at > 0 {
                            // The lines before it first, as a stream cuts them.
                            end = start + at;
                        } else {
                            let line = &map[start..start + line_end];
                            let oversized = Oversized {
                                prefix: crate::limits::reject_prefix(line),
                                len: content_len(line),
                            };
                            let next = (start + line_end + 1).min(map.len());
                            let out = chunk(false, ChunkData::Oversized(Arc::new(oversized)));
                            cursor.offset = next as u64;
                            return Some(Ok(out));
                        }
                    }
                    let out = chunk(false, ChunkData::Mapped(map.clone(), start..end));
                    cursor.offset = end as u64;
                    return Some(Ok(out));
                }
                CursorData::Stream { reader, probe, buf, filled, eof } => {
                    let mut searched = 0;
                    let mut paused = false;
                    // Where the last, incomplete line of the buffer starts.
                    let mut line_start =
                        memchr::memrchr(b'\n', &buf[..*filled]).map_or(0, |p| p + 1);
                    let end = loop {
                        let data = &buf[..*filled];
                        if let Some(end) =
                            cut(data, cursor.offset, cursor.offset, self.chunk_size, *eof, searched)
                        {
                            break end;
                        }
                        // A CR last may be the start of the line's CRLF.
                        if content_len(&buf[line_start..*filled]) > max_line {
                            if line_start > 0 {
                                // Hand on the complete lines before the long one.
                                let head = split_head(buf, filled, line_start);
                                let out = chunk(false, ChunkData::Owned(Arc::new(head)));
                                cursor.offset += line_start as u64;
                                return Some(Ok(out));
                            }
                            // The line is too long to hold: keep its start, read through the rest.
                            let prefix = crate::limits::reject_prefix(&buf[..*filled]);
                            match read_through_line(reader, buf, filled, eof) {
                                Ok((len, consumed)) => {
                                    let oversized = Oversized { prefix, len };
                                    let out =
                                        chunk(false, ChunkData::Oversized(Arc::new(oversized)));
                                    cursor.offset += consumed;
                                    return Some(Ok(out));
                                }
                                Err(source) => {
                                    let name = cursor.name.to_string();
                                    self.current = None;
                                    return Some(Err(Error::Input { name, source }));
                                }
                            }
                        }
                        searched = *filled;
                        // Read up to the next boundary, then in small steps to the
                        // newline, so little is left over to copy into the next chunk.
                        let boundary =
                            (cursor.offset / self.chunk_size as u64 + 1) * self.chunk_size as u64;
                        let have = cursor.offset + *filled as u64;
                        let want =
                            if have < boundary { boundary - have } else { 64 * 1024 } as usize;
                        if buf.len() < *filled + want {
                            buf.resize(*filled + want, 0);
                        }
                        let got = loop {
                            match reader.read(&mut buf[*filled..*filled + want]) {
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                other => break other,
                            }
                        };
                        match got {
                            Ok(n) => {
                                if let Some(at) = memchr::memrchr(b'\n', &buf[*filled..*filled + n])
                                {
                                    line_start = *filled + at + 1;
                                }
                                *filled += n;
                                *eof = n == 0;
                                // A short read found the pipe empty; if it stays
                                // empty, hand on the complete lines we have.
                                if n > 0
                                    && n < want
                                    && probe.as_ref().is_some_and(PauseProbe::paused)
                                    && let Some(last) = memchr::memrchr(b'\n', &buf[..*filled])
                                {
                                    paused = true;
                                    break cursor.offset + last as u64 + 1;
                                }
                            }
                            Err(source) => {
                                let name = cursor.name.to_string();
                                self.current = None;
                                return Some(Err(Error::Input { name, source }));
                            }
                        }
                    };
                    let len = (end - cursor.offset) as usize;
                    if len == 0 {
                        let ended = cursor.end_of_source();
                        self.current = None;
                        match ended {
                            Ok(()) => continue,
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    // A line that passed the limit in the read that also ended it.
                    if let Some((at, line_end)) = first_long_line(&buf[..len], max_line) {
                        if at > 0 {
                            let head = split_head(buf, filled, at);
                            let out = chunk(paused, ChunkData::Owned(Arc::new(head)));
                            cursor.offset += at as u64;
                            return Some(Ok(out));
                        } else {
                            let oversized = Oversized {
                                prefix: crate::limits::reject_prefix(&buf[..line_end]),
                                len: content_len(&buf[..line_end]),
                            };
                            let consumed = (line_end + 1).min(*filled);
                            buf.copy_within(consumed..*filled, 0);
                            *filled -= consumed;
                            shrink(buf, *filled);
                            let out = chunk(false, ChunkData::Oversized(Arc::new(oversized)));
                            cursor.offset += consumed as u64;
                            return Some(Ok(out));
                        }
                    }
                    // The chunk keeps this buffer; the few bytes past the cut
                    // move to a recycled one.
                    let tail = *filled - len;
                    let mut next = Block::take();
                    if next.len() < tail {
                        next.resize(tail, 0);
                    }
                    next[..tail].copy_from_slice(&buf[len..*filled]);
                    *filled = tail;
                    buf.truncate(len);
                    let block = std::mem::replace(buf, next);
                    let out = chunk(paused, ChunkData::Owned(Arc::new(Block(block))));
                    cursor.offset += len as u64;
                    return Some(Ok(out));
                }
            }
        }
    }
}

impl Cursor {
    /// At the end of a source: a mapped file must still be as it was opened.
    fn end_of_source(&self) -> Result<(), Error> {
        if let Some(name) = crate::signal_mmap::faulted() {
            return Err(crate::signal_mmap::changed(&name));
        }
        match &self.snapshot {
            Some(snapshot) if !snapshot.unchanged() => Err(crate::signal_mmap::changed(&self.name)),
            _ => Ok(()),
        }
    }
}

/// The first line of `data` longer than `max` bytes, as (start, end) of its
/// content (end: its newline or the end of `data`). Only a chunk longer than
/// `max` can hold one, so the usual chunk is not scanned at all.
fn first_long_line(data: &[u8], max: u64) -> Option<(usize, usize)> {
    if data.len() as u64 <= max {
        return None;
    }
    let mut start = 0;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |at| start + at);
        if content_len(&data[start..end]) > max {
            return Some((start, end));
        }
        start = end + 1;
    }
    None
}

/// A line's length without its terminator: the CR of a CRLF line is not
/// part of the record, so it does not count toward --max-line-bytes.
fn content_len(line: &[u8]) -> u64 {
    (line.len() - usize::from(line.last() == Some(&b'\r'))) as u64
}

/// Bytes read at a time while skipping the rest of an over-long line.
const READ_THROUGH: usize = 1 << 20;

/// Reads through the rest of an over-long line whose first `filled` bytes
/// (no newline among them) are in `buf`, in blocks of [`READ_THROUGH`]:
/// returns its length and the bytes it took in the source (with its newline).
/// The bytes after it are left at the start of `buf`.
fn read_through_line(
    reader: &mut Box<dyn Read + Send>,
    buf: &mut Vec<u8>,
    filled: &mut usize,
    eof: &mut bool,
) -> io::Result<(u64, u64)> {
    let mut len = *filled as u64;
    // The line's last byte so far: a CR before its newline is not counted.
    let mut last = buf[..*filled].last().copied();
    // Give the long line's memory back before reading on.
    *buf = vec![0; READ_THROUGH];
    *filled = 0;
    loop {
        let n = match reader.read(&mut buf[..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            *eof = true;
            return Ok((len, len));
        }
        match memchr::memchr(b'\n', &buf[..n]) {
            Some(at) => {
                len += at as u64;
                let before = if at > 0 { Some(buf[at - 1]) } else { last };
                buf.copy_within(at + 1..n, 0);
                *filled = n - at - 1;
                let cr = u64::from(before == Some(b'\r'));
                return Ok((len - cr, len + 1));
            }
            None => {
                len += n as u64;
                last = Some(buf[n - 1]);
            }
        }
    }
}

/// Moves the first `n` bytes of `buf[..filled]` (complete lines before a
/// long one) into a block of their own and the rest to the front of `buf`:
/// the long line is not copied into a second buffer of its size.
fn split_head(buf: &mut [u8], filled: &mut usize, n: usize) -> Block {
    let mut head = Block::take();
    head.clear();
    head.extend_from_slice(&buf[..n]);
    buf.copy_within(n..*filled, 0);
    *filled -= n;
    Block(head)
}

/// Lets a buffer that grew for a long line go, keeping its first `keep` bytes.
fn shrink(buf: &mut Vec<u8>, keep: usize) {
    if buf.capacity() > MAX_SPARE_CAPACITY {
        let mut small = vec![0; keep.max(READ_THROUGH)];
        small[..keep].copy_from_slice(&buf[..keep]);
        *buf = small;
    }
}

impl Iterator for Chunks {
    type Item = Result<Chunk, Error>;

    /// The next chunk, refusing a source that is a whole JSON document
    /// (CONVENTIONS §3.9): one message instead of one error per line.
    fn next(&mut self) -> Option<Self::Item> {
        let chunk = self.next_unchecked()?;
        if let Ok(chunk) = &chunk
            && chunk.starts_source
            && let Some(layout) = document_layout(chunk.bytes())
        {
            let name = match &self.current {
                Some(cursor) if cursor.index == chunk.source => cursor.name.to_string(),
                _ => format!("input {}", chunk.source + 1),
            };
            self.current = None;
            self.sources = Vec::new().into_iter();
            return Some(Err(document_error(&name, layout)));
        }
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_depend_only_on_content() {
        let data = b"aaaa\nbb\ncccccccc\nd\n";
        // chunk size 4: boundaries at 4, 8, 12, 16...
        assert_eq!(cut(data, 0, 0, 4, true, 0), Some(5));
        assert_eq!(cut(data, 0, 5, 4, true, 0), Some(8));
        assert_eq!(cut(data, 0, 8, 4, true, 0), Some(17));
        assert_eq!(cut(data, 0, 17, 4, true, 0), Some(19));
        // A stream without enough data yet asks for more.
        assert_eq!(cut(&data[..3], 0, 0, 4, false, 0), None);
        assert_eq!(cut(&data[..3], 0, 0, 4, true, 0), Some(3));
    }

    #[test]
    fn r_long_stdin_line_is_scanned_once() {
        // A stream that needs more data says how much it already searched;
        // the next search starts there (a 200 MB line on a pipe took 19 s).
        let data = b"aaaa\nbb\ncccccccc\nd\n";
        assert_eq!(cut(&data[8..], 8, 8, 4, true, 3), Some(17));
        assert_eq!(cut(&data[8..16], 8, 8, 4, false, 8), None);
        assert_eq!(cut(&data[8..16], 8, 8, 4, true, 8), Some(16));
    }
}
