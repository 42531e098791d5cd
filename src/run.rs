//! One run of a tool: the session that turns the [`Common`] flags into
//! behaviour. It owns the output, the reject log, the progress line and the
//! totals; it takes processed chunks in order from the pipeline, and at the end
//! prints the summary, writes `--stats` and commits the output files.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::cli::Common;
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::Inputs;
use crate::output::Output;
use crate::pipeline::{Done, Flow, Settings};
use crate::progress::Progress;
use crate::report::{Counts, RejectLog, stats_object};

fn map_line(maps: &[Option<Vec<u64>>], source: usize, line: u64) -> u64 {
    match maps.get(source) {
        Some(Some(map)) => map.get((line as usize).wrapping_sub(1)).copied().unwrap_or(line),
        _ => line,
    }
}

/// Registers -o, --rejects and --stats with [`crate::guard`]: none may name
/// an input or another of them. `-` is standard output for each, and only
/// one output may be standard output (the guard's claim).
fn distinct_outputs(common: &Common) -> Result<(), Error> {
    let flags =
        [("-o", &common.output), ("--rejects", &common.rejects), ("--stats", &common.stats)];
    for (flag, path) in flags {
        let Some(path) = path else { continue };
        crate::guard::output(flag, path)?;
    }
    Ok(())
}

/// How the records are named when they and another output both claim
/// standard output.
pub const RECORDS_ON_STDOUT: &str = "the records (no -o FILE)";

pub struct Run {
    pub tool: &'static str,
    /// Totals over every chunk taken so far; tools read them through
    /// [`Run::counts`] and change them only through [`Run::decide_held`].
    counts: Counts,
    names: Vec<Arc<str>>,
    output: Option<Output>,
    rejects: RejectLog,
    progress: Progress,
    started: Instant,
    quiet: bool,
    stats: Option<Output>,
    stopped_early: bool,
    /// Per source: the original line of each line the pipeline reads, for
    /// inputs converted in memory (a JSON document read as JSONL).
    line_maps: Vec<Option<Vec<u64>>>,
    /// Paths the tool was told to read, as (flag, path): see [`Run::watch_fields`].
    watched: Vec<(String, String)>,
    /// Field names of the first records, for the message about a watched path
    /// no record held.
    seen: crate::fields::FieldsSeen,
    /// Bad records of absorbed shard runs (see [`Run::absorb`]): (written to
    /// a --rejects file, reported only on stderr).
    absorbed_rejects: (u64, u64),
    pub settings: Settings,
}

/// How a tool judged its data, beyond the bad records its counts hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// A check found a problem in the data (mixed shapes, invalid events,
    /// a failed --expect on a report): everything is written, exit status 1.
    Failed,
    /// A gate on the records failed (leakage between splits, alignment or
    /// drift): the records are not committed to a file (-o, --out-dir), the
    /// report and --stats that explain the failure are; exit status 1.
    /// Records already streamed to standard output cannot be taken back.
    GateFailed,
}

impl Verdict {
    /// `Failed` when `failed`, else `Pass`.
    pub fn failed_if(failed: bool) -> Verdict {
        if failed { Verdict::Failed } else { Verdict::Pass }
    }

    /// `GateFailed` when `failed`, else `Pass`.
    pub fn gate_failed_if(failed: bool) -> Verdict {
        if failed { Verdict::GateFailed } else { Verdict::Pass }
    }
}

impl Run {
    /// Opens the output (when the tool writes records to it) and the reject
    /// log; `inputs` must already be open so unreadable files fail first.
    pub fn start(
        tool: &'static str,
        common: &Common,
        inputs: &Inputs,
        writes_records: bool,
    ) -> Result<Run, Error> {
        distinct_outputs(common)?;
        // Created now, written at the end: a --stats file that cannot be
        // written fails the run before any work, not after it.
        let stats =
            common.stats.as_deref().map(|p| Output::open(Some(p), "--stats -")).transpose()?;
        let output = if writes_records {
            Some(Output::open(common.output.as_deref(), RECORDS_ON_STDOUT)?)
        } else {
            None
        };
        Ok(Run {
            tool,
            counts: Counts::default(),
            names: inputs.names(),
            output,
            rejects: RejectLog::new(tool, common.rejects.as_deref())?,
            progress: Progress::new(tool, common.quiet, inputs.total_len()),
            started: Instant::now(),
            quiet: common.quiet,
            stats,
            stopped_early: false,
            line_maps: Vec::new(),
            watched: Vec::new(),
            seen: crate::fields::FieldsSeen::default(),
            absorbed_rejects: (0, 0),
            settings: Settings::new(common.threads, common.fail_fast),
        })
    }

    /// Accounts for a processed chunk: totals, bad records, progress.
    pub fn account<A>(&mut self, done: &Done<A>) -> Result<Flow, Error> {
        self.counts.merge(&done.counts);
        if !self.watched.is_empty() {
            self.seen.sample_chunk(done.chunk.bytes(), done.chunk.starts_source);
        }
        self.progress.advance(done.chunk.bytes().len() as u64, done.counts.records);
        for reject in &done.rejects {
            let (name, line) = self.position(done, reject.index);
            let name = name.clone();
            let raw = done.reject_bytes(reject);
            match reject.bytes {
                Some(full) => self.rejects.log_prefix(&name, line, &reject.message, raw, full)?,
                None => self.rejects.log(&name, line, &reject.message, raw)?,
            }
        }
        if done.stopped {
            self.stopped_early = true;
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    }

    /// Names the field paths the tool was told to read, as (flag, path), in
    /// the order of the bits the tool gives `Emit::found` (at most 64). A path
    /// that no record held, in a run that looked up at least one record, is
    /// reported once at the end and makes the exit status 1 (CONVENTIONS §3.7).
    pub fn watch_fields(&mut self, fields: Vec<(String, String)>) {
        self.watched = fields;
        self.watched.truncate(64);
    }

    /// Stops watching fields at the end of a shard's run that leaves the
    /// whole-input question (did any record hold the field?) to a later
    /// merge: no absent field is reported, and the field sample gathered so
    /// far stays for the merge ([`Run::fields_seen`]).
    pub fn leave_absent_fields_to_the_merge(&mut self) {
        self.watched.clear();
    }

    /// The watched paths that no record held (empty while no record was
    /// looked up): (flag, path).
    pub fn absent_fields(&self) -> Vec<(String, String)> {
        if self.counts.looked_up == 0 {
            return Vec::new();
        }
        self.watched
            .iter()
            .enumerate()
            .filter(|(i, _)| self.counts.present.get(*i).copied().unwrap_or(0) == 0)
            // Seen, but only in records rejected for another reason (a
            // repeated key, say): those records' own messages say what is wrong.
            .filter(|(_, (_, path))| !self.seen.names().iter().any(|n| n == path))
            .map(|(_, field)| field.clone())
            .collect()
    }

    /// Says where the lines of in-memory source `source` came from: `lines[i]`
    /// is the original line of its line `i + 1`. Messages then name those lines.
    pub fn map_lines(&mut self, source: usize, lines: Vec<u64>) {
        if self.line_maps.len() <= source {
            self.line_maps.resize(source + 1, None);
        }
        self.line_maps[source] = Some(lines);
    }

    /// The line messages give for line `line` of source `source`.
    pub fn original_line(&self, source: usize, line: u64) -> u64 {
        map_line(&self.line_maps, source, line)
    }

    /// Accounts for a bad record found before the pipeline saw it (a CSV row
    /// that does not fit its header, say): counted, reported, and with
    /// `--fail-fast` the end of the run.
    pub fn reject_outside(
        &mut self,
        source: usize,
        line: u64,
        category: &str,
        message: &str,
        raw: &[u8],
    ) -> Result<Flow, Error> {
        self.counts.records += 1;
        self.counts.rejected.add(category, 1);
        let name = self.names[source].clone();
        self.rejects.log(&name, line, message, raw)?;
        if self.settings.fail_fast {
            self.stopped_early = true;
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    }

    /// Writes what a chunk emitted for destination `dest` to the output.
    pub fn write<A>(&mut self, done: &Done<A>, dest: u16) -> Result<(), Error> {
        let slices: Vec<&[u8]> = done.slices(dest).collect();
        self.output_mut()?.write_slices(&slices)?;
        if dest == 0 {
            self.flush_if_paused(done)?;
        }
        Ok(())
    }

    /// After a chunk cut short because its producer paused, sends what the
    /// record output holds downstream instead of waiting for more input.
    pub fn flush_if_paused<A>(&mut self, done: &Done<A>) -> Result<(), Error> {
        match &mut self.output {
            Some(output) if done.chunk.paused => output.flush(),
            _ => Ok(()),
        }
    }

    /// The usual sink step: account for the chunk, then write output 0.
    pub fn take<A>(&mut self, done: &Done<A>) -> Result<Flow, Error> {
        let flow = self.account(done)?;
        self.write(done, 0)?;
        Ok(flow)
    }

    /// The record output, for tools that write at the end of the run.
    pub fn output_mut(&mut self) -> Result<&mut Output, Error> {
        self.output.as_mut().ok_or_else(|| {
            Error::Internal(
                "this tool has no record output (this is a bug; please report it)".into(),
            )
        })
    }

    /// The name of source `index` as messages show it.
    /// Where record `index` of a finished chunk came from, as messages and
    /// --rejects give it: (file name, line in the original input).
    pub fn position<A>(&self, done: &Done<A>, index: u32) -> (&Arc<str>, u64) {
        let source = done.chunk.source;
        (&self.names[source], map_line(&self.line_maps, source, done.line_number(index)))
    }

    pub fn source_name(&self, index: usize) -> &Arc<str> {
        &self.names[index]
    }

    /// Takes in the accounts of runs made elsewhere (dist-report --merge of
    /// shard states): their counts join this run's, `captured` of their bad
    /// records went to a --rejects file and `uncaptured` only to stderr
    /// (which makes the exit status 1, as in the run over the whole input),
    /// and `stopped_early` when one of them stopped at --fail-fast.
    pub fn absorb(&mut self, counts: &Counts, captured: u64, uncaptured: u64, stopped_early: bool) {
        self.counts.merge(counts);
        self.absorbed_rejects.0 = self.absorbed_rejects.0.saturating_add(captured);
        self.absorbed_rejects.1 = self.absorbed_rejects.1.saturating_add(uncaptured);
        self.stopped_early |= stopped_early;
    }

    /// The field names sampled from the first records (for shard merges).
    pub fn fields_seen(&self) -> &crate::fields::FieldsSeen {
        &self.seen
    }

    /// Continues the field sample with a shard's, in input order (see
    /// [`crate::fields::FieldsSeen::continue_with`]).
    pub fn absorb_fields_seen(&mut self, sample: &Value) -> Result<(), String> {
        self.seen.continue_with(sample)
    }

    /// Whether this run's bad records go to a --rejects file.
    pub fn rejects_captured(&self) -> bool {
        self.rejects.to_file()
    }

    /// Whether the run stopped at a bad record (--fail-fast).
    pub fn stopped_early(&self) -> bool {
        self.stopped_early
    }

    /// "0 rejected" or "3 rejected (2 invalid JSON, 1 missing score)", with
    /// where they went when --rejects is set.
    pub fn rejected_phrase(&self) -> String {
        let rejected = &self.counts.rejected;
        let mut text = format!("{} rejected", rejected.total());
        if rejected.total() > 0 {
            let parts: Vec<String> =
                rejected.sorted().iter().map(|(r, n)| format!("{n} {r}")).collect();
            text.push_str(&format!(" ({})", parts.join(", ")));
        }
        if (self.rejects.to_file() && self.rejects.total() > 0) || self.absorbed_rejects.0 > 0 {
            text.push_str(" (written to --rejects)");
        }
        text
    }

    /// Totals over every chunk taken so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Settles `written + filtered` records a tool held for a later decision
    /// (a sample, a later phase, a report line): `written` of them wrote one
    /// line each, and each `(reason, n)` was filtered. More than are held is a
    /// bug in the tool, refused rather than miscounted.
    pub fn decide_held(&mut self, written: u64, filtered: &[(&str, u64)]) -> Result<(), Error> {
        let decided = written + filtered.iter().map(|(_, n)| n).sum::<u64>();
        if decided > self.counts.held {
            return Err(Error::Internal(format!(
                "{decided} held records decided but only {} held (this is a bug; please report it)",
                self.counts.held
            )));
        }
        self.counts.held -= decided;
        self.counts.written += written;
        self.counts.lines_out += written;
        for (reason, n) in filtered.iter().filter(|(_, n)| *n > 0) {
            self.counts.filtered.add(reason, *n);
        }
        Ok(())
    }

    /// Writes `records` held records as `lines` output lines (a record may
    /// have several, e.g. one request per variation).
    pub fn write_held(&mut self, records: u64, lines: u64) -> Result<(), Error> {
        self.decide_held(records, &[])?;
        self.counts.lines_out += lines.saturating_sub(records);
        Ok(())
    }

    /// Rejects held record `index` of `done` (whose bytes are `bytes`) as a
    /// bad record found only in order, by the sink (a custom_id used twice):
    /// reported and counted like any bad record, and a stop with --fail-fast.
    pub fn reject_held<A>(
        &mut self,
        done: &Done<A>,
        index: u32,
        bytes: &[u8],
        category: &str,
        message: &str,
    ) -> Result<Flow, Error> {
        if self.counts.held == 0 {
            return Err(Error::Internal(
                "a record rejected but none held (this is a bug; please report it)".into(),
            ));
        }
        self.counts.held -= 1;
        self.counts.rejected.add(category, 1);
        let (name, line) = self.position(done, index);
        let name = name.clone();
        self.rejects.log(&name, line, message, bytes)?;
        if self.settings.fail_fast {
            self.stopped_early = true;
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    }

    /// Ends the run: commits output files, writes `--stats`, prints the
    /// summary line and says how the run ended. `verdict` is the tool's own
    /// judgement of the data beyond its bad records.
    pub fn finish(
        mut self,
        summary: &str,
        extra: Map<String, Value>,
        verdict: Verdict,
    ) -> Result<Outcome, Error> {
        self.progress.clear();
        let absent = self.absent_fields();
        let failed = verdict != Verdict::Pass || !absent.is_empty();
        let elapsed = self.started.elapsed().as_secs_f64();
        let complete = !self.stopped_early;
        let mut summary = summary.to_string();
        let mut extra = extra;
        if let Some(output) = self.output.take() {
            if complete && verdict != Verdict::GateFailed {
                output.commit()?;
            } else {
                if complete && let Some(path) = output.withheld_file() {
                    summary.push_str(&format!(
                        "; {} not written: the check failed",
                        crate::report::printable(&path.display().to_string())
                    ));
                    extra.insert("output_withheld".into(), Value::Bool(true));
                }
                output.abandon()?;
            }
        }
        let uncaptured =
            (!self.rejects.to_file() && self.rejects.total() > 0) || self.absorbed_rejects.1 > 0;
        self.rejects.finish(true)?;
        if let Some(mut file) = self.stats.take() {
            let args: Vec<String> = std::env::args().skip(1).collect();
            extra.insert("complete".into(), Value::Bool(complete));
            if !absent.is_empty() {
                let paths = absent.iter().map(|(_, p)| Value::String(p.clone())).collect();
                extra.insert("absent_fields".into(), Value::Array(paths));
            }
            let stats = stats_object(self.tool, &args, elapsed, &self.counts, extra);
            let mut text = serde_json::to_vec_pretty(&stats).unwrap_or_default();
            text.push(b'\n');
            file.write(&text)?;
            file.commit()?;
        }
        for (flag, path) in &absent {
            let message =
                crate::fields::absent_message(flag, path, self.counts.looked_up, &self.seen);
            let message = crate::report::printable_lines(&message);
            let _ = writeln!(crate::progress::stderr(), "{}: {message}", self.tool);
        }
        if !self.quiet {
            let mut line = format!("{}: ", self.tool);
            if self.stopped_early {
                line.push_str("stopped at the first bad record (--fail-fast); ");
            }
            // Tools escape the values they put in a summary; this is the
            // backstop for any control byte that slipped into it.
            line.push_str(&crate::report::printable_lines(&summary));
            let mut err = crate::progress::stderr();
            let _ = std::io::Write::write_all(&mut err, line.as_bytes());
            let _ = std::io::Write::write_all(&mut err, b"\n");
        }
        // Checked in release builds too: a record lost from the accounts is
        // the worst bug the suite can ship, and the check costs nothing.
        if !self.counts.balanced() {
            return Err(Error::Internal(format!(
                "record accounting is off: {:?} (this is a bug; please report it)",
                self.counts
            )));
        }
        Ok(if failed || uncaptured || self.stopped_early {
            Outcome::DataErrors
        } else {
            Outcome::Clean
        })
    }
}
