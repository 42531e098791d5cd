//! The chunker and line framing against a plain line splitter.
//!
//! The input's first three bytes choose the chunk size and whether the
//! sources are also sent through pipes (written in random pieces, with up to
//! two pauses long enough for the pause probe to cut a chunk early); the rest
//! holds up to four sources separated by the byte 0xF5 (never in UTF-8 text).
//! Every way of reading must give the lines the splitter gives (a UTF-8 BOM
//! skipped at the start of each source, `\r` before a line end dropped), and
//! chunk boundaries must depend only on the content: the in-memory stream and
//! the mapped file cut at the same places, and every chunk that a pause did
//! not cut early ends at the first newline after a multiple of the chunk size.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Duration;

use synthkit::input::{self, Inputs};

use crate::{Choices, shown};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const SEPARATOR: u8 = 0xF5;

/// What one way of reading delivered.
#[derive(Debug, Default)]
struct Delivered {
    /// (source, offset, length, paused) of every chunk, in order.
    chunks: Vec<(usize, u64, usize, bool)>,
    lines: Vec<(usize, Vec<u8>)>,
    /// The source refused as a whole JSON document, if any.
    refused: Option<usize>,
}

pub fn framing(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let (header, payload) = data.split_at(3);
    let size = usize::from(u16::from_le_bytes([header[0], header[1]]));
    let chunk_size = if size & 0x8000 != 0 { 1 + size % 70_000 } else { 1 + size % 64 };
    let through_pipes = header[2] & 1 != 0;
    let pauses = header[2] & 2 != 0;
    let sources: Vec<&[u8]> = payload.splitn(4, |&b| b == SEPARATOR).collect();

    let expected = split_lines(&sources);
    let memory = read_all(memory_inputs(&sources), chunk_size, &sources);
    check("memory", &sources, &memory, &expected);
    synthkit::guard::reset();
    let dir = scratch();
    let paths: Vec<PathBuf> = (0..sources.len()).map(|i| dir.join(format!("s{i}.jsonl"))).collect();
    for (path, bytes) in paths.iter().zip(&sources) {
        std::fs::write(path, bytes).expect("write a source");
    }
    input::set_mapping(true);
    let mapped = read_all(Inputs::open(&paths).expect("open the sources"), chunk_size, &sources);
    check("mapped", &sources, &mapped, &expected);
    assert_eq!(memory.chunks, mapped.chunks, "chunk boundaries: memory vs mapped");
    cut_rule("memory", &sources, &memory, chunk_size);
    if through_pipes {
        let piped = read_piped(&sources, chunk_size, pauses, &mut Choices::new(data));
        check("piped", &sources, &piped, &expected);
        cut_rule("piped", &sources, &piped, chunk_size);
    }
    synthkit::guard::reset();
}

/// A temporary folder for this process's mapped sources.
fn scratch() -> PathBuf {
    crate::scratch_root().to_path_buf()
}

fn memory_inputs(sources: &[&[u8]]) -> Inputs {
    let mut all = Inputs { sources: Vec::new() };
    for (i, bytes) in sources.iter().enumerate() {
        all.sources.extend(Inputs::from_memory(&format!("s{i}"), bytes.to_vec()).sources);
    }
    all
}

/// The oracle: each source's lines, and the first source that is a whole
/// JSON document (which ends the stream with an error).
fn split_lines(sources: &[&[u8]]) -> Delivered {
    let mut out = Delivered::default();
    for (i, source) in sources.iter().enumerate() {
        if input::document_layout(source).is_some() {
            out.refused = Some(i);
            break;
        }
        let text = source.strip_prefix(BOM).unwrap_or(source);
        let mut pieces: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        for piece in pieces {
            let line = piece.strip_suffix(b"\r").unwrap_or(piece);
            out.lines.push((i, line.to_vec()));
        }
    }
    out
}

fn read_all(inputs: Inputs, chunk_size: usize, sources: &[&[u8]]) -> Delivered {
    let mut out = Delivered::default();
    for chunk in inputs.into_chunks(chunk_size) {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("JSON"),
                    "a chunker error that is no document refusal: {text}"
                );
                // The refused source: the first non-empty one after the
                // last that delivered a chunk (empty sources give none).
                let after = out.chunks.last().map_or(0, |c| c.0 + 1);
                out.refused = (after..sources.len()).find(|&i| !sources[i].is_empty());
                break;
            }
        };
        let bytes = chunk.bytes();
        out.chunks.push((chunk.source, chunk.offset, bytes.len(), chunk.paused));
        input::for_each_line(bytes, chunk.starts_source, |line| {
            assert_eq!(&bytes[line.start..line.start + line.bytes.len()], line.bytes);
            out.lines.push((chunk.source, line.bytes.to_vec()));
            true
        });
    }
    out
}

fn check(how: &str, sources: &[&[u8]], got: &Delivered, expected: &Delivered) {
    assert_eq!(got.refused, expected.refused, "{how}: refused source");
    if got.lines != expected.lines {
        let show = |r: &Delivered| {
            r.lines.iter().map(|(s, l)| format!("{s}:{}", shown(l))).collect::<Vec<_>>()
        };
        panic!("{how}: lines {:?}, expected {:?}", show(got), show(expected));
    }
    // Chunks are non-empty, contiguous from offset 0, newline-aligned, and
    // cover every source that was read.
    let mut next = vec![0u64; sources.len()];
    for (i, &(source, offset, len, _)) in got.chunks.iter().enumerate() {
        assert!(len > 0, "{how}: empty chunk");
        assert_eq!(offset, next[source], "{how}: chunk {i} of source {source} not contiguous");
        next[source] += len as u64;
        let last_of_source = got.chunks.get(i + 1).is_none_or(|n| n.0 != source);
        let end = (offset as usize) + len;
        if !last_of_source {
            assert_eq!(sources[source][end - 1], b'\n', "{how}: chunk {i} cut inside a line");
        }
    }
    for (i, source) in sources.iter().enumerate() {
        if expected.refused.is_none_or(|r| i < r) {
            assert_eq!(next[i], source.len() as u64, "{how}: source {i} not covered");
        }
    }
}

/// Every chunk not cut early by a pause ends at the first newline at or
/// after the last byte before the next multiple of the chunk size (counted
/// from the start of its source), or at the end of its source.
fn cut_rule(how: &str, sources: &[&[u8]], got: &Delivered, chunk_size: usize) {
    for &(source, offset, len, paused) in &got.chunks {
        let (start, end) = (offset as usize, offset as usize + len);
        let bytes = sources[source];
        if paused || end == bytes.len() {
            continue;
        }
        let from = ((start / chunk_size + 1) * chunk_size - 1).max(start);
        let first = bytes[from..].iter().position(|&b| b == b'\n').map(|at| from + at + 1);
        assert_eq!(
            Some(end),
            first,
            "{how}: chunk {start}..{end} of source {source}, size {chunk_size}"
        );
    }
}

/// The sources sent through pipes, each written in random pieces by its own
/// thread, read as FIFOs (with the pause probe).
fn read_piped(
    sources: &[&[u8]],
    chunk_size: usize,
    pauses: bool,
    choices: &mut Choices,
) -> Delivered {
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    let mut paths = Vec::new();
    let mut pauses_left = if pauses { 2 } else { 0 };
    for source in sources {
        let (reader, mut writer) = std::io::pipe().expect("a pipe");
        paths.push(PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd())));
        let mut plan = Vec::new();
        let mut at = 0;
        while at < source.len() {
            let step = 1 + choices.below(source.len().min(4096) as u64) as usize;
            let pause = pauses_left > 0 && choices.below(4) == 0;
            if pause {
                pauses_left -= 1;
            }
            plan.push((at..(at + step).min(source.len()), pause));
            at += step;
        }
        let bytes = source.to_vec();
        writers.push(std::thread::spawn(move || {
            for (range, pause) in plan {
                if writer.write_all(&bytes[range]).is_err() {
                    return;
                }
                let _ = writer.flush();
                if pause {
                    std::thread::sleep(Duration::from_millis(30));
                }
            }
        }));
        readers.push(reader);
    }
    let inputs = Inputs::open(&paths).expect("open the pipes");
    let got = read_all(inputs, chunk_size, sources);
    // Whatever the chunker left unread (after a refusal) is drained here, so
    // no writer blocks on a full pipe and none is hit by SIGPIPE.
    for mut reader in readers {
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    }
    for writer in writers {
        writer.join().expect("a writer thread");
    }
    got
}
