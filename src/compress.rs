//! Compressed datasets: gzip and zstd, recognised on input by their magic
//! bytes (never by name), chosen on output by the file name's extension.
//!
//! zstd decompression runs at roughly one core's speed (about 1 GB/s on the
//! reference machine), slower than the tools themselves. So synthkit writes
//! `.zst` files as a series of independent frames of [`FRAME_BYTES`] each (any
//! zstd tool reads them as one stream), and on a machine with at least
//! [`PARALLEL_MIN_CORES`] cores it decompresses a mapped `.zst` file made of
//! several frames of known, bounded size in parallel batches. With fewer cores
//! the decoder and the workers already use every core, and batches measured
//! slower than one stream (bench/README.md), so everything else (single-frame
//! `.zst` from the zstd CLI, gzip, small machines) is decompressed as a
//! stream, in bounded memory.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use zstd::zstd_safe;

use crate::output::AtomicFile;
use crate::signal_mmap::GuardedMap;

/// Uncompressed bytes per zstd frame that synthkit writes.
pub const FRAME_BYTES: usize = 4 << 20;

/// Largest frame decompressed whole in parallel mode.
const MAX_PARALLEL_FRAME: u64 = 64 << 20;

/// Cores needed before frames are decompressed in parallel.
pub const PARALLEL_MIN_CORES: usize = 4;

fn parallel_decoding_pays() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= PARALLEL_MIN_CORES)
}

/// Compression formats (as a flag value: `gz`, `zst`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    /// gzip, level 6
    #[value(name = "gz")]
    Gzip,
    /// zstd, level 3, in independent 4 MiB frames
    #[value(name = "zst")]
    Zstd,
}

impl Compression {
    /// The format whose magic bytes `head` starts with, if any.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
            // A skippable frame first (pzstd writes one): still zstd.
            || (head.len() >= 4 && head[0] & 0xF0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18])
        {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// The compression a file name asks for (`.gz`, `.zst`), if any.
    pub fn for_path(path: &Path) -> Option<Compression> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// The extension files of this compression get (`gz`, `zst`).
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Gzip => "gz",
            Compression::Zstd => "zst",
        }
    }

    /// A streaming decoder over `reader`. Concatenated gzip members and zstd
    /// frames are read as one stream, as `zcat` does.
    fn decoder(self, reader: impl BufRead + Send + 'static) -> io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
        })
    }
}

/// [`maybe_decompress`] on the first read rather than now: opening standard
/// input or a pipe must not wait for its first bytes, so that a bad output
/// path fails at once even while the producer upstream is still working.
/// `plain` is set once the first bytes show the stream is not compressed, so
/// that bytes read out are bytes of the underlying pipe.
pub fn decompress_lazily(
    reader: impl Read + Send + 'static,
    plain: Arc<AtomicBool>,
) -> Box<dyn Read + Send> {
    Box::new(Lazy { state: LazyState::Raw(Some(Box::new(reader))), plain })
}

struct Lazy {
    state: LazyState,
    plain: Arc<AtomicBool>,
}

enum LazyState {
    Raw(Option<Box<dyn Read + Send>>),
    Open(Box<dyn Read + Send>),
}

impl Read for Lazy {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let LazyState::Raw(raw) = &mut self.state {
            match raw.take() {
                Some(raw) => {
                    let (reader, format) = sniff_and_decompress(raw)?;
                    self.plain.store(format.is_none(), Ordering::Relaxed);
                    self.state = LazyState::Open(reader);
                }
                // The sniff failed once and was reported; nothing more to read.
                None => return Ok(0),
            }
        }
        match &mut self.state {
            LazyState::Open(reader) => reader.read(buf),
            LazyState::Raw(_) => Ok(0),
        }
    }
}

/// Reads from `reader`, decompressing it when it starts with a known magic.
/// The magic is read whole even when the stream delivers it a byte at a time.
pub fn maybe_decompress(reader: impl Read + Send + 'static) -> io::Result<Box<dyn Read + Send>> {
    sniff_and_decompress(reader).map(|(reader, _)| reader)
}

/// [`maybe_decompress`], also telling which format it found.
fn sniff_and_decompress(
    mut reader: impl Read + Send + 'static,
) -> io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let format = Compression::sniff(&head[..got]);
    let whole = io::Cursor::new(head).take(got as u64).chain(reader);
    match format {
        Some(format) => {
            Ok((format.decoder(BufReader::with_capacity(1 << 20, whole))?, Some(format)))
        }
        // Plain bytes are read straight into the caller's buffer: a buffer
        // here would copy every byte once more.
        None => Ok((Box::new(whole), None)),
    }
}

/// A decompressing reader for a compressed regular file (read from its
/// start), or `None` when the file is not compressed. `map` is the file's
/// mapping when it has one. The file's offset is left at 0.
pub fn open_compressed(
    file: &File,
    map: Option<&Arc<GuardedMap>>,
) -> io::Result<Option<Box<dyn Read + Send>>> {
    let mut head = [0u8; 4];
    let got = match map {
        Some(map) => {
            let n = map.len().min(4);
            head[..n].copy_from_slice(&map[..n]);
            n
        }
        None => {
            let mut reader = file;
            let n = reader.read(&mut head)?;
            io::Seek::seek(&mut reader, io::SeekFrom::Start(0))?;
            n
        }
    };
    let Some(format) = Compression::sniff(&head[..got]) else {
        return Ok(None);
    };
    if format == Compression::Zstd
        && parallel_decoding_pays()
        && let Some(map) = map
        && let Some(frames) = parallel_frames(map)
    {
        return Ok(Some(Box::new(ParallelZstd::new(map.clone(), frames))));
    }
    let mut file = file.try_clone()?;
    io::Seek::seek(&mut file, io::SeekFrom::Start(0))?;
    format.decoder(BufReader::with_capacity(1 << 20, file)).map(Some)
}

/// The frames of a mapped zstd file, when it can be decompressed in parallel:
/// at least two frames, each declaring a content size no larger than
/// [`MAX_PARALLEL_FRAME`]. Skippable frames are left out.
fn parallel_frames(map: &[u8]) -> Option<Vec<(Range<usize>, usize)>> {
    // Decide from the first header before walking (and paging in) the file.
    let first = zstd_safe::get_frame_content_size(map).ok()??;
    if first > MAX_PARALLEL_FRAME {
        return None;
    }
    let mut frames = Vec::new();
    let mut at = 0;
    while at < map.len() {
        let rest = &map[at..];
        let size = zstd_safe::find_frame_compressed_size(rest).ok()?;
        if size == 0 || size > rest.len() {
            return None;
        }
        let skippable = rest.len() >= 4
            && (u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) & !0xF) == 0x184D_2A50;
        if !skippable {
            let content = zstd_safe::get_frame_content_size(rest).ok()??;
            if content > MAX_PARALLEL_FRAME {
                return None;
            }
            frames.push((at..at + size, content as usize));
        }
        at += size;
    }
    (frames.len() >= 2).then_some(frames)
}

/// Decompresses the frames of a mapped file, a batch at a time in parallel,
/// and reads them out in order.
struct ParallelZstd {
    map: Arc<GuardedMap>,
    frames: Vec<(Range<usize>, usize)>,
    next: usize,
    ready: VecDeque<Vec<u8>>,
    offset: usize,
}

impl ParallelZstd {
    fn new(map: Arc<GuardedMap>, frames: Vec<(Range<usize>, usize)>) -> Self {
        ParallelZstd { map, frames, next: 0, ready: VecDeque::new(), offset: 0 }
    }

    fn refill(&mut self) -> io::Result<()> {
        let batch = (rayon::current_num_threads() * 2).max(2);
        let end = (self.next + batch).min(self.frames.len());
        let map = &self.map;
        let decoded: Vec<io::Result<Vec<u8>>> = self.frames[self.next..end]
            .par_iter()
            .map(|(range, content)| zstd::bulk::decompress(&map[range.clone()], *content))
            .collect();
        self.next = end;
        for frame in decoded {
            self.ready.push_back(frame?);
        }
        Ok(())
    }
}

impl Read for ParallelZstd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(front) = self.ready.front() {
                let n = (front.len() - self.offset).min(buf.len());
                buf[..n].copy_from_slice(&front[self.offset..self.offset + n]);
                self.offset += n;
                if self.offset == front.len() {
                    self.ready.pop_front();
                    self.offset = 0;
                }
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                continue;
            }
            if self.next == self.frames.len() {
                return Ok(0);
            }
            self.refill()?;
        }
    }
}

/// Writes zstd as independent frames of [`FRAME_BYTES`] of content, so the
/// file can be decompressed in parallel; any zstd reader sees one stream.
pub struct ZstdFrames<W: Write> {
    inner: W,
    buffer: Vec<u8>,
    compressor: zstd::bulk::Compressor<'static>,
    frames: u64,
}

impl<W: Write> ZstdFrames<W> {
    pub fn new(inner: W, level: i32) -> io::Result<Self> {
        Ok(ZstdFrames {
            inner,
            buffer: Vec::with_capacity(FRAME_BYTES),
            compressor: zstd::bulk::Compressor::new(level)?,
            frames: 0,
        })
    }

    fn emit_frame(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let frame = self.compressor.compress(&self.buffer)?;
        self.inner.write_all(&frame)?;
        self.buffer.clear();
        self.frames += 1;
        Ok(())
    }

    /// Writes the last frame and returns the inner writer. Empty content is
    /// still one (empty) frame: a zero-byte file is not valid zstd.
    pub fn finish(mut self) -> io::Result<W> {
        self.emit_frame()?;
        if self.frames == 0 {
            let frame = self.compressor.compress(&[])?;
            self.inner.write_all(&frame)?;
        }
        Ok(self.inner)
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for ZstdFrames<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = FRAME_BYTES - self.buffer.len();
        let n = data.len().min(room);
        self.buffer.extend_from_slice(&data[..n]);
        if self.buffer.len() >= FRAME_BYTES {
            self.emit_frame()?;
        }
        Ok(n)
    }

    /// Frames are written whole; flushing only passes on what is written.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A compressing writer over an atomic file.
pub enum Encoder {
    Gzip(flate2::write::GzEncoder<AtomicFile>),
    Zstd(ZstdFrames<AtomicFile>),
}

impl Encoder {
    /// gzip at level 6 (gzip's default), zstd at level 3 (zstd's default).
    pub fn new(format: Compression, file: AtomicFile) -> io::Result<Encoder> {
        Ok(match format {
            Compression::Gzip => {
                Encoder::Gzip(flate2::write::GzEncoder::new(file, flate2::Compression::new(6)))
            }
            Compression::Zstd => Encoder::Zstd(ZstdFrames::new(file, 3)?),
        })
    }

    pub fn file(&self) -> &AtomicFile {
        match self {
            Encoder::Gzip(e) => e.get_ref(),
            Encoder::Zstd(e) => e.get_ref(),
        }
    }

    /// Ends the compressed stream and returns the file, ready to commit.
    pub fn finish(self) -> io::Result<AtomicFile> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl Write for Encoder {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Gzip(e) => e.write(data),
            Encoder::Zstd(e) => e.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.get_mut().flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_written_by_us_decode_in_parallel_and_as_a_stream() {
        let mut text = Vec::new();
        for i in 0..400_000 {
            text.extend_from_slice(
                format!("{{\"i\":{i},\"pad\":\"{}\"}}\n", "é".repeat(i % 13)).as_bytes(),
            );
        }
        let mut writer = ZstdFrames::new(Vec::new(), 3).unwrap();
        writer.write_all(&text).unwrap();
        let compressed = writer.finish().unwrap();
        let frames = parallel_frames(&compressed).expect("several frames");
        assert_eq!(frames.len(), text.len().div_ceil(FRAME_BYTES));
        assert_eq!(zstd::stream::decode_all(&compressed[..]).unwrap(), text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zst");
        std::fs::write(&path, &compressed).unwrap();
        let file = File::open(&path).unwrap();
        // SAFETY: a private temporary file nobody else writes.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file).unwrap() };
        let map = Arc::new(GuardedMap::guard(map, "t.zst").ok().unwrap());
        // The parallel reader, whatever the machine's core count...
        let mut parallel = ParallelZstd::new(map.clone(), frames);
        let mut out = Vec::new();
        parallel.read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
        // ...and whichever reader this machine picks.
        let mut reader = open_compressed(&File::open(&path).unwrap(), Some(&map)).unwrap().unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
    }

    /// A reader that hands out one byte per call, like a slow pipe.
    struct Trickle(std::io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let end = buf.len().min(1);
            self.0.read(&mut buf[..end])
        }
    }

    #[test]
    fn r_magic_split_across_reads_and_pzstd_skippable_frames_are_recognised() {
        let text = b"{\"a\":1}\n{\"b\":2}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::bulk::compress(&text, 3).unwrap();
        // pzstd starts with a skippable frame (magic 0x184D2A50, 4-byte size).
        let mut skippable = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
        skippable.extend_from_slice(&zst);
        for bytes in [gz, zst, skippable, text.clone()] {
            let mut out = Vec::new();
            maybe_decompress(Trickle(std::io::Cursor::new(bytes)))
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, text);
        }
        // Shorter than a magic: read as it is.
        let mut out = Vec::new();
        maybe_decompress(Trickle(std::io::Cursor::new(b"{}".to_vec())))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"{}");
    }

    #[test]
    fn empty_content_is_a_valid_zstd_stream() {
        let empty = ZstdFrames::new(Vec::new(), 3).unwrap().finish().unwrap();
        assert!(!empty.is_empty());
        assert_eq!(zstd::stream::decode_all(&empty[..]).unwrap(), b"");
    }

    #[test]
    fn single_frames_and_unknown_sizes_are_not_parallel() {
        let one = zstd::bulk::compress(b"{\"a\":1}\n", 3).unwrap();
        assert!(parallel_frames(&one).is_none());
        let mut two = one.clone();
        two.extend_from_slice(&one);
        assert_eq!(parallel_frames(&two).map(|f| f.len()), Some(2));
        // A streaming encoder declares no content size: decoded as a stream.
        let mut streamed = zstd::stream::encode_all(&b"{}\n"[..], 3).unwrap();
        streamed.extend_from_slice(&streamed.clone());
        assert!(parallel_frames(&streamed).is_none());
        assert!(parallel_frames(b"\x28\xb5\x2f\xfd garbage").is_none());
    }
}
