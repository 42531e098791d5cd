//! The parallel, order-preserving map over chunks that every tool runs on.
//!
//! A reader thread cuts the input into chunks and hands each to a rayon pool;
//! a worker frames the chunk into lines and calls the tool's [`Processor`] on
//! each record, collecting what it emits into per-chunk buffers. The calling
//! thread receives the processed chunks, puts them back in input order and
//! gives them to the tool's sink one by one, so output is written by a single
//! thread and is byte-identical whatever the thread count. A semaphore bounds
//! the chunks in flight, which bounds memory independently of input size.
//!
//! Every record ends in exactly one [`Disposition`]; the type makes a tool
//! account for each record, and [`Counts`] adds them up.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use crate::error::Error;
use crate::input::{self, Chunk, Inputs, Line};
use crate::json::JsonError;
use crate::report::Counts;

/// What became of one input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Disposition {
    /// At least one output line was written for it.
    Written,
    /// Left out by the tool's own rule (counted by reason).
    Filtered,
    /// A bad record (counted by reason, reported).
    Rejected,
    /// Kept by the tool for a later decision (a sample, a later phase, a report).
    Held,
}

/// A tool's per-record logic, run on worker threads.
pub trait Processor: Send + Sync + 'static {
    /// Per-chunk state a tool accumulates (aggregates, candidates…); the sink
    /// receives it with the chunk, in input order.
    type Acc: Send + 'static;

    fn acc(&self) -> Self::Acc;

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Self::Acc) -> Disposition;
}

/// One output piece: a range of the chunk or of the owned buffer, for a
/// destination (0 is the tool's main output).
#[derive(Debug, Clone, Copy)]
struct Seg {
    dest: u16,
    owned: bool,
    start: usize,
    end: usize,
}

/// A bad record found in a chunk.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// 0-based line index in the chunk.
    pub index: u32,
    pub category: String,
    pub message: String,
    /// The record's bytes in the chunk.
    pub start: usize,
    pub end: usize,
    /// For a line too long to hold: its full length (its bytes are then only
    /// the first ones, [`crate::limits::reject_prefix`]).
    pub bytes: Option<u64>,
}

/// Collects what a tool emits for the records of one chunk.
pub struct Emit<'c> {
    chunk: &'c [u8],
    segs: Vec<Seg>,
    owned: Vec<u8>,
    counts: Counts,
    rejects: Vec<Rejected>,
    line: Line<'c>,
}

impl<'c> Emit<'c> {
    fn new(chunk: &'c [u8]) -> Self {
        Emit {
            chunk,
            segs: Vec::new(),
            owned: Vec::new(),
            counts: Counts::default(),
            rejects: Vec::new(),
            line: Line { bytes: &[], start: 0, index: 0, plain_newline: false },
        }
    }

    fn push(&mut self, seg: Seg) {
        if let Some(last) = self.segs.last_mut()
            && last.dest == seg.dest
            && last.owned == seg.owned
            && last.end == seg.start
        {
            last.end = seg.end;
            return;
        }
        self.segs.push(seg);
    }

    /// Writes the current record unchanged, byte for byte, to output 0.
    pub fn pass(&mut self) -> Disposition {
        self.pass_to(0)
    }

    /// Writes the current record unchanged to destination `dest`.
    pub fn pass_to(&mut self, dest: u16) -> Disposition {
        let line = self.line;
        let end = line.start + line.bytes.len();
        if line.plain_newline {
            self.push(Seg { dest, owned: false, start: line.start, end: end + 1 });
        } else {
            self.push(Seg { dest, owned: false, start: line.start, end });
            let at = self.owned.len();
            self.owned.push(b'\n');
            self.push(Seg { dest, owned: true, start: at, end: at + 1 });
        }
        self.counts.lines_out += 1;
        Disposition::Written
    }

    /// Writes a new line to destination `dest`: `build` appends the record
    /// (without newline) to the buffer it is given.
    pub fn write_with(&mut self, dest: u16, build: impl FnOnce(&mut Vec<u8>)) -> Disposition {
        let start = self.owned.len();
        build(&mut self.owned);
        self.owned.push(b'\n');
        let end = self.owned.len();
        self.push(Seg { dest, owned: true, start, end });
        self.counts.lines_out += 1;
        Disposition::Written
    }

    /// Writes `record` (JSON text, no newline) to output 0.
    pub fn write(&mut self, record: &[u8]) -> Disposition {
        self.write_with(0, |buf| buf.extend_from_slice(record))
    }

    /// Leaves the current record out under `reason`.
    pub fn filter(&mut self, reason: &str) -> Disposition {
        self.counts.filtered.add(reason, 1);
        Disposition::Filtered
    }

    /// Rejects the current record as bad: `category` is what the summary
    /// counts, `message` what the user reads.
    pub fn reject(&mut self, category: &str, message: impl Into<String>) -> Disposition {
        self.counts.rejected.add(category, 1);
        let line = self.line;
        self.rejects.push(Rejected {
            index: line.index,
            category: category.to_string(),
            message: message.into(),
            start: line.start,
            end: line.start + line.bytes.len(),
            bytes: None,
        });
        Disposition::Rejected
    }

    /// Rejects the current record for a JSON problem.
    pub fn reject_json(&mut self, error: &JsonError) -> Disposition {
        let message = error.describe(self.line.bytes);
        self.reject(error.category(), message)
    }

    /// Notes that the current record was looked up for the watched fields
    /// and held those whose bits are set in `found` (bit i: watched field i,
    /// see `Run::watch_fields`), so a field no record holds is reported.
    pub fn found(&mut self, found: u64) {
        self.counts.looked_up += 1;
        let mut bits = found;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            if self.counts.present.len() <= i {
                self.counts.present.resize(i + 1, 0);
            }
            self.counts.present[i] += 1;
            bits &= bits - 1;
        }
    }

    /// Keeps the current record for a later decision by the tool.
    pub fn hold(&mut self) -> Disposition {
        Disposition::Held
    }

    /// The chunk's bytes (for tools that keep ranges in their accumulator).
    pub fn chunk(&self) -> &'c [u8] {
        self.chunk
    }
}

/// A processed chunk, delivered to the sink in input order.
pub struct Done<A> {
    pub chunk: Chunk,
    /// Lines in the chunk (blank ones included).
    pub lines: u32,
    /// 1-based number, in its source, of the chunk's first line.
    pub first_line: u64,
    pub counts: Counts,
    pub rejects: Vec<Rejected>,
    /// Whether processing stopped early at a bad record (`--fail-fast`).
    pub stopped: bool,
    pub acc: A,
    segs: Vec<Seg>,
    owned: Vec<u8>,
}

impl<A> Done<A> {
    /// The output slices for destination `dest`, in order.
    pub fn slices(&self, dest: u16) -> impl Iterator<Item = &[u8]> {
        let input = self.chunk.bytes();
        self.segs.iter().filter(move |s| s.dest == dest).map(move |s| {
            if s.owned { &self.owned[s.start..s.end] } else { &input[s.start..s.end] }
        })
    }

    /// Whether anything was emitted to a destination other than 0.
    pub fn destinations(&self) -> impl Iterator<Item = u16> + '_ {
        let mut seen: Vec<u16> = self.segs.iter().map(|s| s.dest).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.into_iter()
    }

    /// The bytes of a reject's record (the first ones of a line too long to
    /// hold, whose full length is `reject.bytes`).
    pub fn reject_bytes(&self, reject: &Rejected) -> &[u8] {
        match self.chunk.oversized() {
            Some(line) => &line.prefix,
            None => &self.chunk.bytes()[reject.start..reject.end],
        }
    }

    /// Absolute line number of a chunk line index.
    pub fn line_number(&self, index: u32) -> u64 {
        self.first_line + index as u64
    }
}

/// A line longer than `--max-line-bytes` is one bad record that the tool
/// never sees: its bytes were never held.
fn oversized_chunk<A>(chunk: Chunk, acc: A, fail_fast: bool, len: u64, kept: usize) -> Done<A> {
    let mut counts = Counts { records: 1, ..Counts::default() };
    counts.rejected.add(crate::limits::LINE_TOO_LONG, 1);
    let rejects = vec![Rejected {
        index: 0,
        category: crate::limits::LINE_TOO_LONG.to_string(),
        message: crate::limits::line_too_long(len),
        start: 0,
        end: kept,
        bytes: Some(len),
    }];
    Done {
        chunk,
        lines: 1,
        first_line: 0,
        counts,
        rejects,
        stopped: fail_fast,
        acc,
        segs: Vec::new(),
        owned: Vec::new(),
    }
}

fn process_chunk<P: Processor>(processor: &P, chunk: Chunk, fail_fast: bool) -> Done<P::Acc> {
    let mut acc = processor.acc();
    if let Some(line) = chunk.oversized() {
        let (len, kept) = (line.len, line.prefix.len());
        return oversized_chunk(chunk, acc, fail_fast, len, kept);
    }
    let (lines, stopped, counts, rejects, segs, owned) = {
        let bytes = chunk.bytes();
        let mut emit = Emit::new(bytes);
        let mut stopped = false;
        let lines = input::for_each_line(bytes, chunk.starts_source, |line| {
            if input::is_blank(line.bytes) {
                emit.counts.blank += 1;
                return true;
            }
            emit.counts.records += 1;
            emit.line = line;
            match processor.record(&line, &mut emit, &mut acc) {
                Disposition::Written => emit.counts.written += 1,
                Disposition::Held => emit.counts.held += 1,
                Disposition::Filtered => {}
                Disposition::Rejected => {
                    if fail_fast {
                        stopped = true;
                        return false;
                    }
                }
            }
            true
        });
        (lines, stopped, emit.counts, emit.rejects, emit.segs, emit.owned)
    };
    Done { chunk, lines, first_line: 0, counts, rejects, stopped, acc, segs, owned }
}

/// How the sink wants the run to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Pipeline settings shared by all tools.
#[derive(Debug, Clone)]
pub struct Settings {
    pub threads: usize,
    pub chunk_size: usize,
    pub fail_fast: bool,
}

impl Settings {
    pub fn new(threads: Option<std::num::NonZeroUsize>, fail_fast: bool) -> Self {
        let threads = threads
            .map(|n| n.get())
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
            .min(crate::cli::MAX_THREADS);
        // Tests shrink chunks to exercise many-chunk paths on small inputs.
        let chunk_size = std::env::var("SYNTHKIT_CHUNK_BYTES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(input::DEFAULT_CHUNK);
        Settings { threads, chunk_size, fail_fast }
    }

    /// Chunks allowed in flight between the reader and the sink.
    fn in_flight(&self) -> usize {
        self.threads * 3 + 2
    }
}

/// A counting semaphore that can be closed, waking every waiter.
struct Permits {
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Permits {
    fn acquire(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if state.1 {
                return false;
            }
            if state.0 > 0 {
                state.0 -= 1;
                return true;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
        self.changed.notify_one();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.changed.notify_all();
    }
}

enum Message<A> {
    Chunk(u64, Box<Done<A>>),
    Failed(u64, Error),
    End(u64),
}

/// Runs `processor` over every chunk of `inputs` and gives the results to
/// `sink` in input order. Returns when the input is exhausted, the sink asks
/// to stop, or an error occurs.
pub fn run<P: Processor>(
    inputs: Inputs,
    settings: &Settings,
    processor: Arc<P>,
    mut sink: impl FnMut(Done<P::Acc>) -> Result<Flow, Error>,
) -> Result<Flow, Error> {
    let sources = inputs.sources.len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .thread_name(|i| format!("synthkit-worker-{i}"))
        .build()
        .map_err(|e| {
            Error::Internal(format!("cannot start {} worker threads: {e}", settings.threads))
        })?;
    let permits = Arc::new(Permits {
        state: Mutex::new((settings.in_flight(), false)),
        changed: Condvar::new(),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<Message<P::Acc>>();
    let chunks = inputs.into_chunks(settings.chunk_size);
    let fail_fast = settings.fail_fast;

    // The reader is detached: if the sink stops early (a closed pipe), the
    // process may exit while the reader is blocked on a slow producer.
    {
        let permits = permits.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("synthkit-reader".into())
            .spawn(move || {
                let mut seq = 0u64;
                pool.in_place_scope(|scope| {
                    for chunk in chunks {
                        if !permits.acquire() || stop.load(Ordering::Relaxed) {
                            break;
                        }
                        match chunk {
                            Ok(chunk) => {
                                let tx = tx.clone();
                                let processor = processor.clone();
                                let this = seq;
                                scope.spawn(move |_| {
                                    let done = process_chunk(&*processor, chunk, fail_fast);
                                    let _ = tx.send(Message::Chunk(this, Box::new(done)));
                                });
                            }
                            Err(e) => {
                                let _ = tx.send(Message::Failed(seq, e));
                                return;
                            }
                        }
                        seq += 1;
                    }
                    let _ = tx.send(Message::End(seq));
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start the reader thread: {e}")))?;
    }

    let mut pending: BTreeMap<u64, Box<Done<P::Acc>>> = BTreeMap::new();
    let mut next = 0u64;
    let mut end: Option<u64> = None;
    let mut failure: Option<(u64, Error)> = None;
    let mut lines_seen = vec![0u64; sources];
    let finish = || {
        stop.store(true, Ordering::Relaxed);
        permits.close();
    };
    loop {
        // Deliver everything that is ready, in order.
        while let Some(mut done) = pending.remove(&next) {
            // A mapped input that shrank under a worker: the chunk was read
            // from zeros, and nothing computed from it may be written.
            if let Some(name) = crate::signal_mmap::faulted() {
                finish();
                return Err(crate::signal_mmap::changed(&name));
            }
            done.first_line = lines_seen[done.chunk.source] + 1;
            lines_seen[done.chunk.source] += done.lines as u64;
            let stopped = done.stopped;
            let flow = match sink(*done) {
                Ok(flow) => flow,
                Err(e) => {
                    finish();
                    return Err(e);
                }
            };
            next += 1;
            permits.release();
            if flow == Flow::Stop || stopped {
                finish();
                return Ok(Flow::Stop);
            }
        }
        if end == Some(next) {
            finish();
            return Ok(Flow::Continue);
        }
        if let Some((at, _)) = &failure
            && *at == next
            && let Some((_, e)) = failure.take()
        {
            finish();
            return Err(e);
        }
        match rx.recv() {
            Ok(Message::Chunk(seq, done)) => {
                pending.insert(seq, done);
            }
            Ok(Message::End(count)) => end = Some(count),
            Ok(Message::Failed(seq, e)) => failure = Some((seq, e)),
            Err(_) => {
                // Every sender is gone without an End: a worker panicked.
                finish();
                return Err(Error::Internal(
                    "a worker thread stopped unexpectedly (this is a bug; please report it)".into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Writes every record unchanged.
    struct Pass;

    impl Processor for Pass {
        type Acc = ();
        fn acc(&self) {}
        fn record(&self, _: &Line<'_>, emit: &mut Emit<'_>, _: &mut ()) -> Disposition {
            emit.pass()
        }
    }

    fn records(n: usize) -> Vec<u8> {
        (0..n).map(|i| format!("{{\"i\":{i}}}\n")).collect::<String>().into_bytes()
    }

    fn settings(threads: usize) -> Settings {
        Settings { threads, chunk_size: 64, fail_fast: false }
    }

    /// Runs `Pass` and collects what the sink received, in order.
    fn collect(inputs: Inputs, threads: usize) -> (Result<Flow, Error>, Vec<u8>, usize) {
        let (mut out, mut chunks) = (Vec::new(), 0);
        let result = run(inputs, &settings(threads), Arc::new(Pass), |done| {
            chunks += 1;
            done.slices(0).for_each(|s| out.extend_from_slice(s));
            Ok(Flow::Continue)
        });
        (result, out, chunks)
    }

    #[test]
    fn chunks_come_back_in_input_order_whatever_the_threads() {
        let input = records(2000);
        for threads in [1, 2, 7] {
            let (result, out, chunks) = collect(Inputs::from_memory("t", input.clone()), threads);
            assert!(result.is_ok());
            assert!(chunks > 100, "small chunks: {chunks}");
            assert_eq!(out, input, "{threads} threads");
        }
    }

    /// Gives `good` bytes, then fails.
    struct FailAfter {
        good: std::io::Cursor<Vec<u8>>,
    }

    impl Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.good.read(buf)? {
                0 => Err(std::io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_failure_at_chunk_n_comes_after_the_chunks_before_it() {
        let good = records(500);
        let reader = FailAfter { good: std::io::Cursor::new(good.clone()) };
        let inputs = Inputs::from_reader("t", Box::new(reader));
        let (result, out, chunks) = collect(inputs, 4);
        let err = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("disk on fire"), "{err}");
        assert!(chunks > 1, "the chunks read before the failure reach the sink");
        assert!(good.starts_with(&out), "in order, nothing invented");
        assert!(out.ends_with(b"\n"), "whole records only");
    }

    /// Lines forever: only a stop can end a run over it.
    struct Endless;

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let line = b"{\"i\":1}\n";
            let n = buf.len() / line.len() * line.len();
            for at in (0..n).step_by(line.len()) {
                buf[at..at + line.len()].copy_from_slice(line);
            }
            Ok(n.max(1).min(buf.len()))
        }
    }

    #[test]
    fn a_sink_error_stops_the_reader_and_is_returned() {
        let inputs = Inputs::from_reader("t", Box::new(Endless));
        let mut seen = 0;
        let result = run(inputs, &settings(2), Arc::new(Pass), |_| {
            seen += 1;
            if seen == 3 {
                return Err(Error::Config("the sink failed".into()));
            }
            Ok(Flow::Continue)
        });
        assert_eq!(seen, 3, "no chunk after the failure reaches the sink");
        assert!(result.err().is_some_and(|e| e.to_string() == "the sink failed"));
        // A sink that asks to stop ends the run cleanly.
        let inputs = Inputs::from_reader("t", Box::new(Endless));
        let result = run(inputs, &settings(2), Arc::new(Pass), |_| Ok(Flow::Stop));
        assert!(matches!(result, Ok(Flow::Stop)));
    }
}
