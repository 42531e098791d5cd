//! shard-merge: the accounting of a tool run on shards (GNU parallel jobs,
//! Spark tasks, a loop over files) merged into what one run over the whole
//! input would have reported.
//!
//! `stats` merges the shards' `--stats` files ([`stats`]); `rejects` joins
//! their `--rejects` files in shard order, giving each bad record the
//! original file name and line through the shard map ([`map`]). The records
//! themselves need no merging: a per-record tool's shard outputs,
//! concatenated in shard order, are the whole run's output (CONVENTIONS §5.2).

mod manual;
pub mod map;
pub mod stats;
pub mod status;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json::{self, Kind};
use crate::output::Output;
use crate::pipeline::{self, Disposition, Done, Emit, Processor};
use crate::run::{Run, Verdict};

use map::Shard;

pub const DOC: ToolDoc = ToolDoc {
    name: "shard-merge",
    examples: &[(
        "Two shards read from standard input: their stats merged into the whole run's",
        "shard-merge stats --map map.jsonl s1.json s2.json -o stats.json",
    )],
    sections: manual::SECTIONS,
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// What shard-merge merges.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The shards' --stats files, into the whole run's
    Stats,
    /// The shards' --rejects files, into one naming the original files and lines
    Rejects,
    /// GNU parallel --joblog files: exit with the whole run's status (2 over 1 over 0)
    Status,
}

/// Merge the --stats and --rejects files of a tool's shard runs
///
/// `shard-merge stats STATS...` writes the --stats object the whole run would
/// have written (timing aside), and exits 1 where the whole run would have:
/// a field no shard held, mixed shapes, bad records not captured. `shard-merge
/// rejects REJECTS...` writes the shards' bad records in shard order, with
/// the original file and line from --map. `shard-merge status JOBLOG...`
/// exits with the status the whole run would have had, read from GNU
/// parallel's --joblog (whose own exit status counts failed jobs). Give the
/// files in shard order.
#[derive(Parser, Debug)]
#[command(name = "shard-merge", version)]
pub struct Cli {
    /// stats: merge --stats files; rejects: merge --rejects files; status: read joblogs
    #[arg(value_enum, value_name = "MODE", help_heading = "Mode")]
    pub mode: Mode,

    /// The shard map: one JSONL line per shard, in shard order, saying where it started
    ///
    /// Each line is {"file": NAME, "first_line": N}, or {"file": NAME,
    /// "lines": N} (the shard's line count), or {"file": NAME, "stats": PATH}
    /// (the shard's --stats file, which counts its lines); a shard without
    /// first_line starts after the earlier shards of the same file. With
    /// `stats`, an entry with only "file" takes its line count from the
    /// matching stats file. Line i belongs to the i-th FILE.
    #[arg(long, value_name = "FILE", help_heading = "Shards")]
    pub map: Option<PathBuf>,

    /// stats: GNU parallel's --joblog of the shard runs, for the whole run's exit status
    ///
    /// A job that exited 2 or was killed makes the merge exit 2 (naming the
    /// job); a job's 1, which may judge only its own block (a field none of
    /// its records held), is decided by the merged stats instead. Repeatable;
    /// the jobs must be as many as the stats files.
    #[arg(long, value_name = "FILE", help_heading = "Shards")]
    pub joblog: Vec<PathBuf>,

    #[command(flatten)]
    pub common: Common,
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    match cli.mode {
        Mode::Stats => merge_stats(&cli),
        Mode::Rejects => merge_rejects(&cli),
        Mode::Status => merge_status(&cli),
    }
}

/// `shard-merge status`: the worst job status of GNU parallel joblogs.
fn merge_status(cli: &Cli) -> Result<Outcome, Error> {
    let common = &cli.common;
    let misplaced = [
        ("--map", cli.map.is_some()),
        ("--rejects", common.rejects.is_some()),
        ("--stats", common.stats.is_some()),
        ("-o", common.output.is_some()),
    ];
    if let Some((flag, _)) = misplaced.iter().find(|(_, set)| *set) {
        return Err(Error::Usage(format!(
            "{flag} does not apply to `shard-merge status`, which only reads joblogs and exits"
        )));
    }
    if common.files.is_empty() {
        return Err(Error::Usage("give GNU parallel's --joblog files".into()));
    }
    if !cli.joblog.is_empty() {
        return Err(Error::Usage(
            "--joblog belongs to `shard-merge stats`; `status` reads the joblogs given as FILEs"
                .into(),
        ));
    }
    let jobs = read_joblogs(&common.files)?;
    let status = jobs.status();
    if !common.quiet {
        let line = format!("shard-merge: {}; the whole run's status: {status}\n", jobs.summary());
        let _ = std::io::Write::write_all(&mut crate::progress::stderr(), line.as_bytes());
    }
    Ok(if status == 0 { Outcome::Clean } else { Outcome::DataErrors })
}

/// Reads GNU parallel joblogs; a job that failed as a whole (exit 2, a
/// signal) is the whole run's exit 2, reported like every fatal error (even
/// with --quiet).
fn read_joblogs(paths: &[PathBuf]) -> Result<status::Jobs, Error> {
    let mut jobs = status::Jobs::default();
    for (i, path) in paths.iter().enumerate() {
        let name = crate::report::printable(&path.display().to_string());
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Input { name: name.clone(), source })?;
        jobs.read(i, &name, &text)?;
    }
    if jobs.status() == 2 {
        return Err(Error::Config(format!(
            "{}; the whole run's status: 2 (a job failed as a whole)",
            jobs.summary()
        )));
    }
    Ok(jobs)
}

/// `shard-merge stats`: reads every stats file (each one JSON object),
/// merges them and writes the result to -o.
fn merge_stats(cli: &Cli) -> Result<Outcome, Error> {
    let common = &cli.common;
    for (flag, set) in
        [("--rejects", common.rejects.is_some()), ("--stats", common.stats.is_some())]
    {
        if set {
            return Err(Error::Usage(format!(
                "{flag} applies to `shard-merge rejects`; `stats` writes the merged stats to -o"
            )));
        }
    }
    if common.files.is_empty() {
        return Err(Error::Usage("give the shards' --stats files, in shard order".into()));
    }
    if !cli.joblog.is_empty() {
        let jobs = read_joblogs(&cli.joblog)?;
        if jobs.last.len() != common.files.len() {
            return Err(Error::Usage(format!(
                "--joblog lists {} jobs, but {} stats files were given: one per job, in job order",
                jobs.last.len(),
                common.files.len()
            )));
        }
    }
    if let Some(out) = &common.output {
        crate::guard::output("-o", out)?;
    }
    let mut shards = Vec::new();
    for path in &common.files {
        let name = crate::report::printable(&path.display().to_string());
        crate::guard::input(path, &name)?;
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())
        } else {
            std::fs::read_to_string(path)
        }
        .map_err(|source| Error::Input { name: name.clone(), source })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!("{name}: not a --stats file (one JSON object): {e}"))
        })?;
        if !value.is_object() {
            return Err(Error::Usage(format!("{name}: not a --stats file (one JSON object)")));
        }
        shards.push((name, value));
    }
    let map = match &cli.map {
        Some(path) => {
            let stats_of = |i: usize| shards.get(i).map(|(_, v): &(String, Value)| v.clone());
            let map = map::read(path, &stats_of)?;
            if map.len() != shards.len() {
                return Err(Error::Usage(format!(
                    "--map lists {} shards, but {} stats files were given",
                    map.len(),
                    shards.len()
                )));
            }
            Some(map)
        }
        None => None,
    };
    let merged = stats::merge(&shards, map.as_deref())?;
    let mut out = Output::open(common.output.as_deref(), "the merged stats (no -o FILE)")?;
    let mut text = serde_json::to_vec_pretty(&merged.stats).unwrap_or_default();
    text.push(b'\n');
    out.write(&text)?;
    out.commit()?;
    let records = merged.stats.get("records_in").and_then(Value::as_u64).unwrap_or(0);
    if !common.quiet {
        let tool = merged.stats.get("tool").and_then(Value::as_str).unwrap_or_default();
        let mut line = format!(
            "shard-merge: merged the stats of {} {} shards: {records} records",
            shards.len(),
            crate::report::printable(tool)
        );
        for failure in &merged.failures {
            line.push_str(&format!("; the whole run fails: {failure}"));
        }
        let _ = std::io::Write::write_all(&mut crate::progress::stderr(), line.as_bytes());
        let _ = std::io::Write::write_all(&mut crate::progress::stderr(), b"\n");
    }
    Ok(if merged.failures.is_empty() { Outcome::Clean } else { Outcome::DataErrors })
}

/// A reject line waiting for its shard's position (known in order, by source).
struct Placed {
    start: usize,
    end: usize,
    /// The ranges of the "file" and "line" values in the record, and the shard's line.
    file: std::ops::Range<usize>,
    line: std::ops::Range<usize>,
    number: u64,
}

struct RejectLines {
    mapped: bool,
}

impl Processor for RejectLines {
    type Acc = Vec<Placed>;

    fn acc(&self) -> Vec<Placed> {
        Vec::new()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Vec<Placed>) -> Disposition {
        if let Err(e) = json::validate_object(line.bytes) {
            return emit.reject_json(&e);
        }
        let members = match json::members(line.bytes) {
            Ok(members) => members,
            Err(e) => return emit.reject_json(&e),
        };
        let find = |key: &str| members.iter().filter(|m| m.key() == key).collect::<Vec<_>>();
        let (files, lines) = (find("file"), find("line"));
        let (file, number) = match (files.as_slice(), lines.as_slice()) {
            ([file], [number]) => (file, number),
            ([_, _, ..], _) => {
                return emit.reject("repeated key", "repeated key file: a reject names two files");
            }
            (_, [_, _, ..]) => {
                return emit
                    .reject("repeated key", "repeated key line: a reject has two line numbers");
            }
            _ => {
                return emit.reject(
                    "not a reject",
                    "not a --rejects line: it needs \"file\" and \"line\"",
                );
            }
        };
        let n = number.value.as_f64().filter(|_| number.value.kind == Kind::Number);
        let Some(n) = n.filter(|n| *n >= 1.0 && n.fract() == 0.0) else {
            return emit
                .reject("line is not a line number", "\"line\" must be a whole number from 1");
        };
        if file.value.kind != Kind::String {
            return emit.reject("file is not a string", "\"file\" must be a string");
        }
        if !self.mapped {
            return emit.pass();
        }
        let range = |m: &json::Member<'_>| m.value_start..m.value_start + m.value.bytes.len();
        acc.push(Placed {
            start: line.start,
            end: line.start + line.bytes.len(),
            file: range(file),
            line: range(number),
            number: n as u64,
        });
        emit.hold()
    }
}

/// `shard-merge rejects`: every reject line of every shard, in shard order;
/// with --map, its file and line replaced by the original ones.
fn merge_rejects(cli: &Cli) -> Result<Outcome, Error> {
    if !cli.joblog.is_empty() {
        return Err(Error::Usage(
            "--joblog belongs to `shard-merge stats`, which gives the whole run's exit status"
                .into(),
        ));
    }
    let inputs = Inputs::open(&cli.common.files)?;
    let sources = inputs.names().len();
    let map = match &cli.map {
        Some(path) => {
            let map = map::read(path, &|_| None)?;
            if map.len() != sources {
                return Err(Error::Usage(format!(
                    "--map lists {} shards, but {sources} rejects files were given (one per \
shard, an empty file for a shard without rejects)",
                    map.len()
                )));
            }
            Some(map)
        }
        None => None,
    };
    let mut run = Run::start("shard-merge", &cli.common, &inputs, true)?;
    let settings = run.settings.clone();
    let processor = RejectLines { mapped: map.is_some() };
    let mut mapped = 0u64;
    pipeline::run(inputs, &settings, Arc::new(processor), |done| {
        let flow = run.account(&done)?;
        match &map {
            None => run.write(&done, 0)?,
            Some(map) => mapped += place(&mut run, &done, &map[done.chunk.source])?,
        }
        Ok(flow)
    })?;
    let counts = run.counts();
    let summary = format!(
        "merged {} of {} reject lines{}; {}",
        counts.written,
        counts.records,
        if map.is_some() { format!(" ({mapped} placed through --map)") } else { String::new() },
        run.rejected_phrase()
    );
    let mut extra = Map::new();
    extra.insert("shards".into(), json!(sources));
    extra.insert("mapped".into(), json!(map.is_some()));
    run.finish(&summary, extra, Verdict::Pass)
}

/// Writes a chunk's reject lines with the shard's original positions.
fn place(run: &mut Run, done: &Done<Vec<Placed>>, shard: &Shard) -> Result<u64, Error> {
    let bytes = done.chunk.bytes();
    let mut out = Vec::new();
    let file = json::quote(&shard.file);
    for placed in &done.acc {
        let record = &bytes[placed.start..placed.end];
        let line = shard.line(placed.number).to_string();
        let mut existing = vec![(0, placed.file.clone()), (1, placed.line.clone())];
        existing.sort_by_key(|(_, r)| r.start);
        let fields: [(&str, &[u8]); 2] = [("file", file.as_bytes()), ("line", line.as_bytes())];
        json::set_fields_at(record, &existing, &fields, &mut out);
        out.push(b'\n');
    }
    run.output_mut()?.write(&out)?;
    let n = done.acc.len() as u64;
    run.write_held(n, n)?;
    Ok(n)
}
