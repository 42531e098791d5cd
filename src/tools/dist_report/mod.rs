//! dist-report: distributions, before/after comparisons and CI gates over
//! any JSONL — "what is in this dataset now?" after every pipeline step.
//!
//! Records are measured on the worker threads into per-chunk accumulators
//! ([`acc`]) that merge exactly, in input order, in the sink; the finished
//! state becomes figures ([`view`]), is checked against `--expect` gates
//! ([`expect`]) and is written in one of five formats ([`render`]). The state
//! itself can be saved (`--partial`) and merged across shards (`--merge`)
//! with the same result as one run over the concatenated input. The man-page
//! prose and examples are in `manual`.

pub mod acc;
pub mod expect;
mod manual;
pub mod render;
mod shards;
pub mod view;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::cli::{self, Common};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json::{self, PathSet, Raw};
use crate::output;
use crate::path::{self, FieldPath, ReadPlan};
use crate::pipeline::{self, Disposition, Emit, Processor};
use crate::run::{self, Run};

use acc::{Dataset, Plan, State};
use expect::{Expectation, Verdict};
pub use manual::DOC;
use render::{Body, Format, Style};
use view::DatasetView;

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Report value distributions, numeric summaries and text lengths of JSONL
///
/// Reads JSONL records and reports what is in them: for each --field the
/// count and share of every value, or min/mean/quantiles/histogram for
/// numbers; text lengths for --text; every field's type mix when no field is
/// named. Compares two datasets (--compare), checks gates for CI (--expect),
/// passes records through in a pipeline (--pass) and merges shard states
/// (--partial, --merge).
///
/// Numbers count by value: 1, 1.0 and 1e0 are one value, shown as 1 (the
/// string "1" stays another), in value tables, --by groups, --expect and
/// distinct counts. Quantiles are exact while a field's distinct values fit
/// --max-distinct; past it they come from a sketch and are marked approximate
/// with their error bound. A gate naming a field no --field lists adds it.
#[derive(Parser, Debug)]
#[command(name = "dist-report", version)]
pub struct Cli {
    /// Report the distribution of the field at PATH (repeatable; `*` matches every member)
    #[arg(long = "field", value_name = "PATH", value_parser = path::any_field, help_heading = "Selection")]
    pub fields: Vec<FieldPath>,

    /// Report the length of the text at PATH in characters and words (repeatable)
    ///
    /// For example prompt, response or messages.*.content (every turn).
    #[arg(long = "text", value_name = "PATH", value_parser = path::any_field, help_heading = "Selection")]
    pub texts: Vec<FieldPath>,

    /// Repeat every report per value of PATH (e.g. persona_id or metadata.tier)
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Selection")]
    pub by: Option<FieldPath>,

    /// Show the K most frequent values of a field; fold the rest into one row
    #[arg(long, value_name = "K", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000_000), help_heading = "Selection")]
    pub top: u64,

    /// Histogram bins for numeric fields
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000), help_heading = "Selection")]
    pub bins: u64,

    /// Track at most N distinct values per field (memory bound)
    ///
    /// Past it, the values with the smallest seeded hash are kept, the others
    /// are counted under "other", and the distinct count is an estimate.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000), help_heading = "Selection")]
    pub max_distinct: u64,

    /// Compare the input (before) with AFTER: per value, counts, shares, change, retention
    #[arg(long, value_name = "AFTER", help_heading = "Comparison")]
    pub compare: Option<PathBuf>,

    /// Check EXPR against the report; exit status 1 when any fails (repeatable)
    ///
    /// E.g. 'importance_label=critical:0.10..0.15', 'score.min>=0.82',
    /// 'count>=300', 'status=conflicts:count>=10', 'diversity>=0.85',
    /// 'retention>=0.9'. The grammar is in the man page (EXPECTATIONS).
    #[arg(long = "expect", value_name = "EXPR", value_parser = expect::parse, help_heading = "Gates")]
    pub expect: Vec<Expectation>,

    /// Write the mergeable state to FILE (- for standard output) instead of a report (for --merge)
    ///
    /// A shard whose records lack a --field or --by path is no failure here:
    /// the merge reports a path that no shard held and exits 1.
    #[arg(long, value_name = "FILE", help_heading = "Shards")]
    pub partial: Option<PathBuf>,

    /// Read the FILEs as states written by --partial and report their merge
    ///
    /// --field, --text and --by may be given again, as the states were made
    /// (an error only where they differ); --expect judges the merged report.
    #[arg(long, help_heading = "Shards")]
    pub merge: bool,

    // The shared flags come before the tool's own flags under shared
    // headings, so every tool lists its headings in one order (ARCHITECTURE.md).
    #[command(flatten)]
    pub common: Common,

    #[command(flatten)]
    pub formulas: crate::csv_cell::FormulaFlag,

    /// Report format [default: table on a terminal, jsonl otherwise]
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<Format>,

    /// Pass records through unchanged to standard output; report to --report FILE or stderr
    #[arg(long, help_heading = "Output")]
    pub pass: bool,

    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub report: Option<PathBuf>,
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// What a path of the scan is for.
#[derive(Clone, Copy)]
enum Role {
    By,
    Field(usize),
    Text(usize),
}

struct Measure {
    plan: Arc<Plan>,
    paths: PathSet,
    roles: Vec<Role>,
    /// Paths that may match several times (`*`).
    multi: Vec<bool>,
    /// In discovery mode: the --by path alone.
    by_only: Option<PathSet>,
    pass: bool,
    /// The hash of the one group's empty key (without --by).
    single: u64,
}

/// Per-chunk accumulator.
pub struct ChunkAcc {
    state: State,
    scratch: Vec<u8>,
    seen: Vec<bool>,
}

const NO_VALUE: Raw<'static> = Raw { kind: json::Kind::Null, bytes: b"", escaped: false };
const INLINE: usize = 32;

impl Measure {
    fn group<'s>(
        &self,
        state: &'s mut State,
        by: Option<Raw<'_>>,
        scratch: &mut Vec<u8>,
    ) -> &'s mut Dataset {
        if self.plan.by.is_none() {
            // One group: its key's hash is known.
            return state.group(self.single, b"");
        }
        // The label tells 1 from "1" and a missing field from the string
        // "(missing)", and counts numbers by value (1.0 is the group 1); a
        // key is one byte, then the label.
        scratch.clear();
        scratch.push(b'g');
        scratch.extend_from_slice(crate::number::value_label(by.as_ref()).as_bytes());
        state.group(acc::key_hash(scratch), scratch)
    }

    fn done(&self, emit: &mut Emit<'_>) -> Disposition {
        if self.pass { emit.pass() } else { emit.hold() }
    }
}

impl Processor for Measure {
    type Acc = ChunkAcc;

    fn acc(&self) -> ChunkAcc {
        ChunkAcc {
            state: State::new(&self.plan),
            scratch: Vec::new(),
            seen: vec![false; self.roles.len()],
        }
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut ChunkAcc) -> Disposition {
        let ChunkAcc { state, scratch, seen } = acc;
        if let Some(by_only) = &self.by_only {
            let mut by = None;
            if let Err(e) = json::scan_object(line.bytes, by_only, &mut |_, raw| {
                by.get_or_insert(raw);
            }) {
                return emit.reject_json(&e);
            }
            emit.found(u64::from(by.is_some()));
            let data = self.group(state, by, scratch);
            // The line is validated by the scan above: discovery cannot fail
            // half-way through a record.
            if let Err(e) = acc::discover(line.bytes, line.index as u64, data, scratch) {
                return emit.reject_json(&e);
            }
            data.records += 1;
            return self.done(emit);
        }
        if self.plan.discovers() {
            let data = self.group(state, None, scratch);
            // `members` validates the whole line before any field is counted.
            if let Err(e) = acc::discover(line.bytes, line.index as u64, data, scratch) {
                return emit.reject_json(&e);
            }
            data.records += 1;
            return self.done(emit);
        }
        let mut inline = [(0usize, NO_VALUE); INLINE];
        let mut found = 0usize;
        let mut spill: Vec<(usize, Raw<'_>)> = Vec::new();
        if let Err(e) = json::scan_object(line.bytes, &self.paths, &mut |id, raw| {
            if found < INLINE {
                inline[found] = (id, raw);
            } else {
                spill.push((id, raw));
            }
            found += 1;
        }) {
            return emit.reject_json(&e);
        }
        let values = inline[..found.min(INLINE)].iter().chain(spill.iter());
        emit.found(values.clone().filter(|(id, _)| *id < 64).fold(0, |m, (id, _)| m | 1 << id));
        let by =
            values.clone().find(|(id, _)| matches!(self.roles[*id], Role::By)).map(|(_, raw)| *raw);
        let data = self.group(state, by, scratch);
        data.records += 1;
        seen.iter_mut().for_each(|s| *s = false);
        for (id, raw) in values {
            let first = !seen[*id];
            if !first && !self.multi[*id] {
                // A duplicate key: the first value counts, as everywhere in synthkit.
                continue;
            }
            seen[*id] = true;
            match self.roles[*id] {
                Role::By => {}
                Role::Field(i) => {
                    let f = &mut data.fields[i];
                    if first {
                        f.records_with += 1;
                    }
                    f.push(raw, scratch);
                }
                Role::Text(i) => {
                    let t = &mut data.texts[i];
                    if first {
                        t.records_with += 1;
                    }
                    t.push(raw);
                }
            }
        }
        self.done(emit)
    }
}

/// Where the report goes.
enum Destination {
    Stdout,
    Stderr,
    File(PathBuf),
}

impl Destination {
    fn is_terminal(&self) -> bool {
        match self {
            Destination::Stdout => std::io::stdout().is_terminal(),
            Destination::Stderr => std::io::stderr().is_terminal(),
            Destination::File(_) => false,
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<(), Error> {
        match self {
            Destination::Stdout => {
                // The table must not start on the progress line.
                crate::progress::erase();
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|_| out.flush()).map_err(Error::Stdout)
            }
            Destination::Stderr => {
                let mut err = crate::progress::stderr();
                let _ = err.write_all(bytes);
                Ok(())
            }
            Destination::File(path) => write_file(path, bytes),
        }
    }
}

/// Writes a whole file atomically, compressed when its name ends in .gz or
/// .zst (as every -o file); a device, pipe or descriptor name such as
/// /dev/stderr is written in place (`AtomicFile` knows them).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = output::create_file(path)?;
    file.write(bytes)?;
    file.commit()
}

fn usage(text: impl Into<String>) -> Error {
    Error::Usage(text.into())
}

fn check_flags(cli: &Cli) -> Result<(), Error> {
    if cli.merge {
        // --field, --text and --by may be given: they must be those the
        // partial states were written with (checked when they are read).
        if cli.pass || cli.compare.is_some() || cli.partial.is_some() {
            return Err(usage("--merge cannot be combined with --pass, --compare or --partial"));
        }
        if cli.common.files.is_empty() {
            return Err(usage("--merge needs the partial state files to merge"));
        }
    }
    if cli.partial.is_some() && !cli.expect.is_empty() {
        return Err(usage(
            "--expect applies to the merged report: give it to dist-report --merge, not with --partial",
        ));
    }
    if cli.compare.is_some() {
        if cli.pass {
            return Err(usage("--compare reads two datasets and cannot --pass records through"));
        }
        if cli.by.is_some() || cli.partial.is_some() {
            return Err(usage("--compare cannot be combined with --by or --partial"));
        }
        let after_dash = cli.compare.as_deref().is_some_and(|p| p.as_os_str() == "-");
        let before_stdin =
            cli.common.files.is_empty() || cli.common.files.iter().any(|f| f.as_os_str() == "-");
        if after_dash && before_stdin {
            return Err(usage(
                "--compare - reads standard input, so name the BEFORE file(s) as arguments",
            ));
        }
    }
    if let Some(e) = cli.expect.iter().find(|e| e.needs_compare())
        && cli.compare.is_none()
    {
        return Err(usage(format!(
            "--expect '{e}' measures retention, which needs --compare AFTER"
        )));
    }
    let dash = |p: &Option<PathBuf>| p.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if cli.pass && (dash(&cli.report) || dash(&cli.partial)) {
        return Err(usage(
            "with --pass the records go to standard output: give --report or --partial a file (without --report the report goes to standard error)",
        ));
    }
    if !cli.pass && cli.common.output.is_some() {
        // -o is the records in every tool; dist-report writes records only
        // with --pass.
        return Err(usage(
            "-o names the records file, and dist-report writes records only with --pass: write the report with --report FILE",
        ));
    }
    Ok(())
}

/// The paths a plan reads, each with the flag that named it.
fn read_plan(plan: &Plan) -> ReadPlan<Role> {
    let mut reads = ReadPlan::default();
    if plan.discovers() {
        // Discovery reads every member; --by alone is scanned for (by_only).
        if let Some(by) = &plan.by {
            reads.watch("--by", by);
        }
    } else {
        if let Some(by) = &plan.by {
            reads.named("--by", by, Role::By);
        }
        for (i, f) in plan.fields.iter().enumerate() {
            reads.named("--field", f, Role::Field(i));
        }
        for (i, t) in plan.texts.iter().enumerate() {
            reads.named("--text", t, Role::Text(i));
        }
    }
    reads
}

/// The --field and --text lists, with every field an --expect measures
/// and no --field or --text lists added (`status=conflicts:count>=10`
/// reports `status`). Without --field and --text the report discovers
/// fields; it keeps doing so while discovery answers every gate (count,
/// missing, min, mean, max of a field), and otherwise reports the fields
/// the gates name.
fn with_expected_fields(cli: &Cli) -> Result<(Vec<FieldPath>, Vec<FieldPath>), Error> {
    let (mut fields, mut texts) = (cli.fields.clone(), cli.texts.clone());
    let needs: Vec<(expect::Needs, &Expectation)> =
        cli.expect.iter().filter_map(|e| e.needs().map(|n| (n, e))).collect();
    if fields.is_empty() && texts.is_empty() {
        let discovery_answers = needs.iter().all(|(n, e)| match (n, &e.subject) {
            (expect::Needs::Field(_), expect::Subject::Stat { path }) => path
                .rsplit_once('.')
                .is_some_and(|(_, s)| matches!(s, "count" | "missing" | "min" | "mean" | "max")),
            _ => false,
        });
        if discovery_answers {
            return Ok((fields, texts));
        }
    }
    for (need, e) in needs {
        let (name, into_texts) = match need {
            expect::Needs::Field(name) => (name, false),
            expect::Needs::Text(name) => (name, true),
        };
        let listed = |list: &[FieldPath]| list.iter().any(|p| p.as_str() == name);
        if listed(&texts) || (!into_texts && listed(&fields)) {
            continue;
        }
        let path = path::any_field(&name)
            .map_err(|why| usage(format!("--expect '{e}': `{name}` is not a field path: {why}")))?;
        if into_texts { texts.push(path) } else { fields.push(path) }
    }
    Ok((fields, texts))
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    check_flags(&cli)?;
    cli.formulas.check(cli.format == Some(Format::Csv), "--format csv")?;
    let destination = if cli.pass {
        cli.report.clone().map_or(Destination::Stderr, Destination::File)
    } else {
        match cli.report.clone() {
            Some(p) if p.as_os_str() != "-" => Destination::File(p),
            _ => Destination::Stdout,
        }
    };
    if let Destination::File(path) = &destination {
        crate::guard::output("--report", path)?;
        crate::output::probe_target(path)?;
    }
    if let Some(path) = &cli.partial {
        if path.as_os_str() == "-" {
            crate::guard::claim_stdout("--partial -")?;
        }
        crate::guard::output("--partial", path)?;
        crate::output::probe_target(path)?;
    } else if matches!(destination, Destination::Stdout) {
        crate::guard::claim_stdout("the report (no --report FILE)")?;
    }
    if cli.merge {
        return shards::merge(cli, destination);
    }
    let (fields, texts) = with_expected_fields(&cli)?;
    let plan = Arc::new(Plan {
        fields,
        texts,
        by: cli.by.clone(),
        max_distinct: cli.max_distinct as usize,
    });
    let mut files = cli.common.files.clone();
    let before_sources = files.len().max(1);
    if let Some(after) = &cli.compare {
        if files.is_empty() {
            files.push(PathBuf::from("-"));
        }
        files.push(after.clone());
    }
    if !plan.discovers() {
        // Names are known up front: a gate naming no reported field fails
        // before any record is read (or passed through).
        let empty = DatasetView::new(&plan, &Dataset::new(&plan), 1);
        for e in &cli.expect {
            expect::evaluate(e, &empty, Some(&empty))
                .map_err(|why| usage(format!("--expect '{e}': {why}")))?;
        }
    }
    let inputs = Inputs::open(&files)?;
    let mut run = Run::start("dist-report", &cli.common, &inputs, cli.pass)?;

    let reads = read_plan(&plan);
    run.watch_fields(reads.watched());
    let measure = Measure {
        plan: plan.clone(),
        paths: reads.path_set(),
        multi: reads.paths().iter().map(FieldPath::has_wildcard).collect(),
        roles: reads.roles().to_vec(),
        by_only: plan.by.as_ref().filter(|_| plan.discovers()).map(|b| FieldPath::set([b])),
        pass: cli.pass,
        single: acc::key_hash(b""),
    };

    let mut before = State::new(&plan);
    let mut after = State::new(&plan);
    let settings = run.settings.clone();
    let pass = cli.pass;
    pipeline::run(inputs, &settings, Arc::new(measure), |mut done| {
        let flow = run.account(&done)?;
        if pass {
            run.write(&done, 0)?;
        }
        done.acc.state.lines = done.lines as u64;
        let into = if done.chunk.source < before_sources { &mut before } else { &mut after };
        into.append(&done.acc.state);
        Ok(flow)
    })?;
    before.settle();
    after.settle();
    let reported = run.counts().records - run.counts().rejected.total();

    if let Some(path) = &cli.partial {
        // A shard's partial state may lack a field the other shards hold:
        // the whole-file question is for the merge, not for one shard.
        run.leave_absent_fields_to_the_merge();
        let doc = shards::partial_document(&plan, &before, &run);
        let mut text = serde_json::to_vec(&doc).unwrap_or_default();
        text.push(b'\n');
        let place = if path.as_os_str() == "-" {
            Destination::Stdout.write(&text)?;
            "standard output".to_string()
        } else {
            write_file(path, &text)?;
            path.display().to_string()
        };
        let summary = format!(
            "wrote the state of {} to {place}; {}",
            render::count(before.total().records, "record"),
            run.rejected_phrase()
        );
        let extra = stats_extra(&run, reported, &[]);
        return run.finish(&summary, extra, run::Verdict::Pass);
    }

    let body = if cli.compare.is_some() {
        Body::Compare {
            before: DatasetView::new(&plan, &before.total(), cli.bins as usize),
            after: DatasetView::new(&plan, &after.total(), cli.bins as usize),
        }
    } else {
        body(&plan, &before, cli.bins as usize)
    };
    let verdicts = check(&cli.expect, &body)?;
    // A run stopped by --fail-fast leaves no report file (as no output file),
    // but a stream still gets the report of the records before the stop.
    if !(run.stopped_early() && matches!(destination, Destination::File(_))) {
        report(&cli, &destination, &body, &verdicts)?;
    }
    let summary = summary_line(&body, &verdicts, &run.rejected_phrase());
    let failed = verdicts.iter().any(|v| !v.pass);
    let mut extra = stats_extra(&run, reported, &verdicts);
    add_figures(&mut extra, &body);
    run.finish(&summary, extra, run::Verdict::failed_if(failed))
}

/// The headline figures of the report, for `--stats`.
fn add_figures(extra: &mut Map<String, Value>, body: &Body) {
    match body {
        Body::Plain { all, .. } => {
            extra.insert("diversity".into(), json!(all.diversity));
        }
        Body::Compare { before, after } => {
            extra.insert("records_before".into(), json!(before.records));
            extra.insert("records_after".into(), json!(after.records));
            extra.insert("diversity_before".into(), json!(before.diversity));
            extra.insert("diversity_after".into(), json!(after.diversity));
        }
    }
}

fn body(plan: &Plan, state: &State, bins: usize) -> Body {
    let all = DatasetView::new(plan, &state.total(), bins);
    let mut groups: Vec<(String, DatasetView)> = state
        .ordered_groups()
        .into_iter()
        .map(|(name, data)| (name, DatasetView::new(plan, data, bins)))
        .collect();
    if state.groups.other.data.records > 0 {
        groups.push((
            json::OTHER_GROUPS_LABEL.into(),
            DatasetView::new(plan, &state.groups.other.data, bins),
        ));
    }
    Body::Plain { all, by: plan.by.as_ref().map(|b| b.as_str().to_string()), groups }
}

fn check(expectations: &[Expectation], body: &Body) -> Result<Vec<Verdict>, Error> {
    let (now, before) = match body {
        Body::Plain { all, .. } => (all, None),
        Body::Compare { before, after } => (after, Some(before)),
    };
    let mut verdicts = Vec::new();
    for e in expectations {
        let verdict = expect::evaluate(e, now, before)
            .map_err(|why| usage(format!("--expect '{e}': {why}")))?;
        verdicts.push(verdict);
    }
    for v in verdicts.iter().filter(|v| !v.pass) {
        let measured = v.measured.map_or("no value".into(), |m| match v.approximate {
            // A sketch's quantile: say so, with its bound.
            Some(e) => format!(
                "≈{}, approximate: within ±{:.2}% (more distinct values than --max-distinct)",
                render::number(m),
                e * 100.0
            ),
            None => render::number(m),
        });
        let _ = writeln!(
            crate::progress::stderr(),
            "dist-report: expectation failed: {} (measured {measured})",
            v.text
        );
    }
    Ok(verdicts)
}

fn report(
    cli: &Cli,
    destination: &Destination,
    body: &Body,
    verdicts: &[Verdict],
) -> Result<(), Error> {
    let terminal = destination.is_terminal();
    let format = cli.format.unwrap_or(if terminal { Format::Table } else { Format::Jsonl });
    let colour = terminal
        && format == Format::Table
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let escape_formulas = cli.formulas.escape_formulas;
    let style = Style { format, top: cli.top as usize, colour, escape_formulas };
    let mut bytes = render::render(body, verdicts, &style);
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    destination.write(&bytes)
}

fn summary_line(body: &Body, verdicts: &[Verdict], rejected: &str) -> String {
    let mut text = match body {
        Body::Plain { all, groups, by } => {
            let mut t = format!("reported {}", render::count(all.records, "record"));
            if by.is_some() {
                t.push_str(&format!(" in {} groups", groups.len()));
            }
            if let Some(d) = all.diversity {
                t.push_str(&format!("; diversity {d:.3}"));
            }
            t
        }
        Body::Compare { before, after } => format!(
            "compared {} before with {} after ({} retained)",
            render::count(before.records, "record"),
            after.records,
            crate::report::percent(after.records, before.records)
        ),
    };
    if !verdicts.is_empty() {
        let failed = verdicts.iter().filter(|v| !v.pass).count();
        text.push_str(&format!(
            "; {} of {} expectations met",
            verdicts.len() - failed,
            verdicts.len()
        ));
    }
    text.push_str(&format!("; {rejected}"));
    text
}

fn stats_extra(run: &Run, reported: u64, verdicts: &[Verdict]) -> Map<String, Value> {
    let mut extra = Map::new();
    extra.insert("records_reported".into(), json!(reported));
    extra.insert("records_held".into(), json!(run.counts().held));
    if !verdicts.is_empty() {
        extra.insert(
            "expectations".into(),
            verdicts
                .iter()
                .map(|v| json!({"expect": v.text, "measured": v.measured, "pass": v.pass, "approximate": v.approximate}))
                .collect(),
        );
    }
    extra
}
