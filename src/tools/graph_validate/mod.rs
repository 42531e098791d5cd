//! graph-validate: check Microsoft Graph calendar events against the real
//! v1.0 schema and common sense, and measure a synthetic stream against a
//! real calendar export.
//!
//! Seeds 000/001 generate synthetic meetings in Graph format so that one
//! pipeline serves synthetic pre-training and real data later, and check them
//! with a validator that compares against a real export ("alignment score",
//! target 90%+). This is that validator, built on the official metadata rather
//! than a list of six field names: valid events pass through byte for byte,
//! invalid ones are bad records carrying every error with its JSON Pointer,
//! and `--real` adds the alignment score and distribution realism.

mod align;
mod check;
mod documents;
mod manual;
mod realism;
mod schema;
mod zones;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::cli::{self, Common};
use crate::document;
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::Line;
use crate::json::{self, JsonError};
use crate::path::FieldPath;
use crate::pipeline::{self, Disposition, Emit, Processor};
use crate::report::percent;
use crate::run::{Run, Verdict};

use align::{Alignment, PathRecorder, Profile, round6};
use check::{Config, Facts, Issue, IssueKind, Scratch};
pub use manual::DOC;
use realism::{Compared, Realism};
use zones::{ZoneCache, Zones};

/// The rank of an issue kind, by its name, among the ties of `errors.by_path_kind`
/// (count, then path, then kind): what shard-merge sorts merged stats by.
pub(crate) fn issue_kind_rank(name: &str) -> Option<usize> {
    IssueKind::ALL.iter().position(|k| k.name() == name)
}

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

const DEFAULT_REQUIRE: &str = "id,subject,start,end,organizer,attendees";

/// Check Microsoft Graph calendar events; measure them against a real calendar
///
/// Reads JSONL events (Graph v1.0 `event` format, optionally with the seeds'
/// label fields) or Graph response documents ({"value": [...]} pages, export
/// wrappers {"metadata", "events"}, JSON arrays), from FILEs or standard
/// input alike (curl …/me/events | graph-validate), and checks each event
/// against the official schema and common sense: types, nullability,
/// enumerations, nested structure, date-times, time zones, end after start,
/// addresses, labels. Valid events are written
/// unchanged; invalid ones are bad records with all their errors. With
/// --real, the stream is also compared with a real calendar export: schema
/// alignment score and distribution realism.
#[derive(Parser, Debug)]
#[command(name = "graph-validate", version)]
pub struct Cli {
    /// Properties every event must have, not null (repeatable, or comma-separated)
    ///
    /// Dotted or JSON Pointer; '' requires nothing. Given at all, the list
    /// replaces the default.
    #[arg(long, value_name = "LIST", default_value = DEFAULT_REQUIRE, value_parser = parse_require, help_heading = "Checks")]
    pub require: Vec<RequireList>,

    /// Report properties the schema does not know (annotations stay allowed), and make warnings errors
    ///
    /// Warnings are what real Graph responses contain: an attendee listed
    /// twice, an address that does not look like e-mail. Without --strict an
    /// event with only warnings is valid; they are counted and listed with --problems.
    #[arg(long, help_heading = "Checks")]
    pub strict: bool,

    /// Require the label fields (importance_label, prep_needed, …)
    ///
    /// Without it, label fields are checked only when present.
    #[arg(long, help_heading = "Checks")]
    pub labels: bool,

    /// Require every start and end to use this time zone (e.g. Asia/Shanghai)
    #[arg(long, value_name = "ZONE", help_heading = "Checks")]
    pub timezone: Option<String>,

    /// A real sample to compare with: JSONL, JSON array, Graph list response or export wrapper
    #[arg(long, value_name = "FILE", help_heading = "Alignment with real data")]
    pub real: Option<PathBuf>,

    /// Exit 1 when the alignment score with --real is below X (0 to 1)
    #[arg(long, value_name = "X", requires = "real", value_parser = cli::unit_interval, help_heading = "Alignment with real data")]
    pub min_alignment: Option<f64>,

    /// Exit 1 when any distribution's Jensen–Shannon divergence from --real exceeds X (0 to 1)
    #[arg(long, value_name = "X", requires = "real", value_parser = cli::unit_interval, help_heading = "Alignment with real data")]
    pub max_drift: Option<f64>,

    // The shared flags come before the tool's own flags under shared
    // headings, so every tool lists its headings in one order (ARCHITECTURE.md).
    #[command(flatten)]
    pub common: Common,

    /// Write one JSON line per invalid record instead of the valid events
    ///
    /// Formerly --report, which still works (--report FILE is a report file
    /// in dist-report).
    #[arg(long, alias = "report", conflicts_with_all = ["rejects", "fail_fast"], help_heading = "Output")]
    pub problems: bool,
}

/// The parsed `--require` list.
#[derive(Debug, Clone)]
pub struct RequireList(pub Vec<FieldPath>);

fn parse_require(text: &str) -> Result<RequireList, String> {
    let mut list = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        list.push(FieldPath::parse_single(item)?);
    }
    Ok(RequireList(list))
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// Per-chunk state.
#[derive(Default)]
struct Acc {
    scratch: Scratch,
    cache: ZoneCache,
    recorder: Option<PathRecorder>,
    realism: Realism,
    facts: Facts,
    valid: u64,
    invalid: u64,
    not_json: u64,
    errors: u64,
    by_path_kind: HashMap<(String, IssueKind), u64>,
    /// Warnings (not errors without --strict), by kind, and the events with any.
    warnings: HashMap<IssueKind, u64>,
    warned: u64,
    /// --problems: (line index in the chunk, the report line after its file and line).
    reports: Vec<(u32, String)>,
}

struct Validator {
    cfg: Config,
    /// --strict: warnings are errors.
    strict: bool,
    zones: Zones,
    report: bool,
    compare: bool,
}

/// A path with array indices as `*`, for counting errors by path.
fn normalized(path: &str) -> String {
    path.split('/')
        .map(
            |seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) { "*" } else { seg }
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn issue_json(out: &mut Vec<u8>, issue: &Issue) {
    out.extend_from_slice(b"{\"path\":");
    json::write_str(out, &issue.path);
    out.extend_from_slice(b",\"kind\":");
    json::write_str(out, issue.kind.name());
    out.extend_from_slice(b",\"error\":");
    json::write_str(out, &issue.error);
    if let Some(value) = &issue.value {
        out.extend_from_slice(b",\"value\":");
        out.extend_from_slice(value.as_bytes());
    }
    out.push(b'}');
}

/// The bad-record reason: every error, in order.
fn message(issues: &[&Issue]) -> String {
    let mut text = if issues.len() == 1 {
        String::from("1 error: ")
    } else {
        format!("{} errors: ", issues.len())
    };
    for (i, issue) in issues.iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        let path = if issue.path.is_empty() { "(record)" } else { &issue.path };
        text.push_str(&format!("{path}: {}", issue.error));
        if let Some(value) = &issue.value {
            let shown: String = value.chars().take(80).collect();
            let more = if shown.len() < value.len() { "…" } else { "" };
            text.push_str(&format!(" (got {shown}{more})"));
        }
    }
    text
}

impl Processor for Validator {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc { recorder: self.compare.then(PathRecorder::default), ..Acc::default() }
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let Acc { scratch, cache, recorder, facts, .. } = acc;
        let facts = self.compare.then_some(facts);
        let result = check::check(
            line.bytes,
            &self.cfg,
            &self.zones,
            cache,
            scratch,
            recorder.as_mut(),
            facts,
        );
        if let Err(e) = result {
            acc.not_json += 1;
            return self.json_error(line, emit, acc, &e);
        }
        if self.compare {
            acc.realism.add(&acc.facts);
        }
        let warning = |issue: &&Issue| !self.strict && issue.kind.is_warning();
        let (warnings, errors): (Vec<&Issue>, Vec<&Issue>) =
            acc.scratch.issues.iter().partition(warning);
        acc.warned += u64::from(!warnings.is_empty());
        for issue in &warnings {
            *acc.warnings.entry(issue.kind).or_default() += 1;
        }
        if errors.is_empty() {
            acc.valid += 1;
            return match (self.report, warnings.is_empty()) {
                (true, true) => emit.filter("valid (not written with --problems)"),
                (true, false) => {
                    let body = report_body(line.bytes, &errors, &warnings);
                    acc.reports.push((line.index, body));
                    emit.hold()
                }
                (false, _) => emit.pass(),
            };
        }
        acc.invalid += 1;
        acc.errors += errors.len() as u64;
        for issue in &errors {
            *acc.by_path_kind.entry((normalized(&issue.path), issue.kind)).or_default() += 1;
        }
        if self.report {
            let body = report_body(line.bytes, &errors, &warnings);
            acc.reports.push((line.index, body));
            return emit.hold();
        }
        emit.reject("failed validation", message(&errors))
    }
}

/// A --problems line after its file and line: the event's id, its errors
/// and its warnings.
fn report_body(line: &[u8], errors: &[&Issue], warnings: &[&Issue]) -> String {
    let mut body = Vec::with_capacity(256);
    if let Some(id) = string_id(line) {
        body.extend_from_slice(b"\"id\":");
        json::write_str(&mut body, &id);
        body.push(b',');
    }
    for (name, issues) in [("errors", errors), ("warnings", warnings)] {
        if name == "warnings" {
            body.push(b',');
        }
        body.extend_from_slice(format!("\"{name}\":[").as_bytes());
        for (i, issue) in issues.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            issue_json(&mut body, issue);
        }
        body.push(b']');
    }
    body.push(b'}');
    String::from_utf8_lossy(&body).into_owned()
}

/// The record's top-level `id` when it is a string.
fn string_id(line: &[u8]) -> Option<String> {
    let members = json::members(line).ok()?;
    let id = members.iter().find(|m| m.key() == "id")?;
    id.value.as_str().map(|s| s.into_owned())
}

impl Validator {
    fn json_error(
        &self,
        line: &Line<'_>,
        emit: &mut Emit<'_>,
        acc: &mut Acc,
        e: &JsonError,
    ) -> Disposition {
        if !self.report {
            return emit.reject_json(e);
        }
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(b"\"errors\":[{\"path\":\"\",\"kind\":\"json\",\"error\":");
        json::write_str(&mut body, &e.describe(line.bytes));
        body.extend_from_slice(b"}]}");
        acc.reports.push((line.index, String::from_utf8_lossy(&body).into_owned()));
        emit.hold()
    }
}

/// The real sample, read and profiled.
struct RealSample {
    name: String,
    records: u64,
    invalid: u64,
    profile: Profile,
    realism: Realism,
}

fn read_real(path: &Path, strict: bool, zones: &Zones) -> Result<RealSample, Error> {
    // A file or `-`, compressed or not, as the inputs are.
    let doc = document::read(path)?;
    if doc.records.is_empty() {
        return Err(Error::Config(format!(
            "{}: no records found (expected JSONL, a JSON array, {{\"value\": […]}} or {{\"events\": […]}})",
            doc.name
        )));
    }
    let cfg = Config { strict, ..Config::default() };
    let mut cache = ZoneCache::default();
    let mut scratch = Scratch::default();
    let mut recorder = PathRecorder::default();
    let mut facts = Facts::default();
    let mut realism = Realism::default();
    let mut invalid = 0;
    for i in 0..doc.records.len() {
        let record = doc.record(i);
        match check::check(
            record,
            &cfg,
            zones,
            &mut cache,
            &mut scratch,
            Some(&mut recorder),
            Some(&mut facts),
        ) {
            Ok(()) => {
                realism.add(&facts);
                if scratch.issues.iter().any(|i| strict || !i.kind.is_warning()) {
                    invalid += 1;
                }
            }
            Err(e) => {
                // The document was validated whole: the record is not an object.
                return Err(Error::Config(format!(
                    "{}:{}: {} (--real must hold Graph events)",
                    doc.name,
                    doc.line_of(i),
                    e.describe(record)
                )));
            }
        }
    }
    let mut profile = Profile::default();
    profile.add(&recorder);
    // `id` is on every Graph entity and in most other files (a judge file's
    // records have one too), so it does not make a record an event.
    let is_event_property = |path: &String| {
        let top = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        top != "id" && schema::EVENT.position(top.as_bytes()).is_some()
    };
    if !profile.paths.keys().any(is_event_property) {
        return Err(Error::Config(format!(
            "{}: none of its {} records has a property of a Graph event other than id (subject, start, …); \
             expected Graph events as JSONL, a JSON array, {{\"value\": […]}} or {{\"events\": […]}}",
            doc.name,
            doc.records.len()
        )));
    }
    Ok(RealSample { name: doc.name, records: doc.records.len() as u64, invalid, profile, realism })
}

/// Everything merged from the chunks.
#[derive(Default)]
struct Totals {
    valid: u64,
    invalid: u64,
    not_json: u64,
    errors: u64,
    by_path_kind: HashMap<(String, IssueKind), u64>,
    warnings: HashMap<IssueKind, u64>,
    warned: u64,
    profile: Profile,
    realism: Realism,
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let zones = Zones::new();
    if let Some(zone) = &cli.timezone
        && zones.lookup(zone).is_none()
    {
        return Err(Error::Usage(format!(
            "--timezone {zone}: not a known IANA or Windows time zone (e.g. Asia/Shanghai, China Standard Time)"
        )));
    }
    let reads_stdin =
        cli.common.files.is_empty() || cli.common.files.iter().any(|f| f.as_os_str() == "-");
    if let Some(real) = &cli.real
        && real.as_os_str() == "-"
        && reads_stdin
    {
        return Err(Error::Usage(
            "--real - reads standard input, which is already the input stream: give the events as FILE arguments".into(),
        ));
    }
    let (mut inputs, mut documents) = documents::open(&cli.common.files)?;
    let real = match &cli.real {
        Some(path) => Some(read_real(path, cli.strict, &zones)?),
        None => None,
    };
    let mut run = Run::start("graph-validate", &cli.common, &inputs, true)?;
    documents::read_pipes(&mut inputs, &mut documents)?;
    for doc in &documents {
        run.map_lines(doc.source, doc.lines.clone());
    }

    let mut required_top = Vec::new();
    let mut nested = Vec::new();
    for path in cli.require.iter().flat_map(|list| &list.0) {
        match path.segments() {
            [json::Segment::Key(key)] => required_top.push(key.to_string()),
            _ => nested.push(path.clone()),
        }
    }
    let required_nested = (!nested.is_empty()).then(|| {
        (FieldPath::set(&nested), nested.iter().map(|p| p.as_str().to_string()).collect())
    });
    let required_slots = schema::EVENT
        .props
        .iter()
        .map(|prop| required_top.iter().position(|name| name == prop.name))
        .collect();
    let cfg = Config {
        strict: cli.strict,
        labels: cli.labels,
        required_top,
        required_slots,
        required_nested,
        timezone: cli.timezone.clone(),
    };
    let validator =
        Validator { cfg, strict: cli.strict, zones, report: cli.problems, compare: real.is_some() };

    let mut totals = Totals::default();
    let settings = run.settings.clone();
    let report = cli.problems;
    pipeline::run(inputs, &settings, Arc::new(validator), |mut done| {
        // An event of a document is also named by its place in it: the line
        // alone says little when the document is one line (a curl'd page).
        let doc = documents.iter().find(|d| d.source == done.chunk.source);
        if let Some(doc) = doc {
            let first = done.first_line;
            for reject in &mut done.rejects {
                if let Some(at) = doc.position(first + u64::from(reject.index)) {
                    reject.message.push_str(&format!(" (at {at})"));
                }
            }
        }
        let flow = run.account(&done)?;
        if report {
            let mut out = Vec::new();
            for (index, body) in &done.acc.reports {
                let (name, line) = run.position(&done, *index);
                crate::report::open_located(&mut out, name, line);
                if let Some(at) = doc.and_then(|d| d.position(done.line_number(*index))) {
                    out.extend_from_slice(b",\"at\":");
                    json::write_str(&mut out, at);
                }
                out.push(b',');
                out.extend_from_slice(body.as_bytes());
                out.push(b'\n');
            }
            run.output_mut()?.write(&out)?;
            run.decide_held(done.acc.reports.len() as u64, &[])?;
        } else {
            run.write(&done, 0)?;
        }
        let acc = &done.acc;
        totals.valid += acc.valid;
        totals.invalid += acc.invalid;
        totals.not_json += acc.not_json;
        totals.errors += acc.errors;
        totals.warned += acc.warned;
        for (kind, n) in &acc.warnings {
            *totals.warnings.entry(*kind).or_default() += n;
        }
        for (key, n) in &acc.by_path_kind {
            *totals.by_path_kind.entry(key.clone()).or_default() += n;
        }
        if let Some(rec) = &acc.recorder {
            totals.profile.add(rec);
        }
        totals.realism.merge(&acc.realism);
        Ok(flow)
    })?;

    finish(run, &cli, totals, real, &documents)
}

fn finish(
    run: Run,
    cli: &Cli,
    totals: Totals,
    real: Option<RealSample>,
    documents: &[documents::ReadDocument],
) -> Result<Outcome, Error> {
    let tool = "graph-validate";
    let events = totals.valid + totals.invalid;
    let mut summary = format!(
        "{} of {} events valid ({}); {} error{} in {} invalid event{}",
        totals.valid,
        events,
        percent(totals.valid, events),
        totals.errors,
        if totals.errors == 1 { "" } else { "s" },
        totals.invalid,
        if totals.invalid == 1 { "" } else { "s" },
    );
    if cli.problems {
        summary.push_str(&format!(
            "; {} not JSON objects; {} report line{} written",
            totals.not_json,
            run.counts().lines_out,
            if run.counts().lines_out == 1 { "" } else { "s" }
        ));
    } else {
        summary.push_str(&format!("; {}", run.rejected_phrase()));
    }
    let mut by_path_kind: Vec<(&(String, IssueKind), &u64)> =
        totals.by_path_kind.iter().filter(|(_, n)| **n > 0).collect();
    by_path_kind.sort_by(|a, b| b.1.cmp(a.1).then(a.0.0.cmp(&b.0.0)).then(a.0.1.cmp(&b.0.1)));
    if !by_path_kind.is_empty() {
        summary.push_str(&format!("\n{tool}:   errors by path and kind:"));
        let width = by_path_kind.iter().take(10).map(|(k, _)| k.0.len().max(8)).max().unwrap_or(8);
        for ((path, kind), n) in by_path_kind.iter().take(10) {
            let shown = if path.is_empty() { "(record)" } else { path };
            summary.push_str(&format!("\n{tool}:     {n:>6}  {shown:<width$}  {}", kind.name()));
        }
        if by_path_kind.len() > 10 {
            summary.push_str(&format!(
                "\n{tool}:     … and {} more (--stats has them all)",
                by_path_kind.len() - 10
            ));
        }
    }

    for doc in documents {
        summary.push_str(&format!(
            "\n{tool}:   read {} event{} from {} ({})",
            doc.events,
            if doc.events == 1 { "" } else { "s" },
            crate::report::printable(&doc.name),
            doc.layout
        ));
    }
    let mut warnings: Vec<(IssueKind, u64)> =
        totals.warnings.iter().map(|(k, n)| (*k, *n)).collect();
    warnings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name().cmp(b.0.name())));
    let warning_total: u64 = warnings.iter().map(|(_, n)| n).sum();
    if warning_total > 0 {
        let kinds: Vec<String> =
            warnings.iter().map(|(kind, n)| format!("{n} {}", kind.name())).collect();
        summary.push_str(&format!(
            "\n{tool}:   {warning_total} warning{} in {} event{} ({}): real Graph data has these; --problems lists them, --strict makes them errors",
            if warning_total == 1 { "" } else { "s" },
            totals.warned,
            if totals.warned == 1 { "" } else { "s" },
            kinds.join(", ")
        ));
    }

    let failed = cli.problems && (totals.invalid > 0 || totals.not_json > 0);
    let mut gate_failed = false;
    let mut extra = Map::new();
    extra.insert("valid".into(), json!(totals.valid));
    extra.insert("invalid".into(), json!(totals.invalid));
    extra.insert("not_json".into(), json!(totals.not_json));
    extra.insert(
        "errors".into(),
        json!({
            "total": totals.errors,
            "by_path_kind": by_path_kind
                .iter()
                .map(|((path, kind), n)| json!({"path": path, "kind": kind.name(), "count": n}))
                .collect::<Vec<_>>(),
        }),
    );
    extra.insert(
        "documents".into(),
        Value::Array(
            documents
                .iter()
                .map(|d| json!({"file": d.name, "layout": d.layout, "events": d.events}))
                .collect(),
        ),
    );
    extra.insert(
        "warnings".into(),
        json!({
            "total": warning_total,
            "events": totals.warned,
            "by_kind": warnings.iter().map(|(kind, n)| (kind.name().to_string(), json!(n))).collect::<Map<String, Value>>(),
        }),
    );
    extra.insert(
        "checks".into(),
        json!({
            "require": cli.require.iter().flat_map(|list| &list.0).map(|p| p.as_str()).collect::<Vec<_>>(),
            "strict": cli.strict,
            "labels": cli.labels,
            "timezone": cli.timezone,
            "problems": cli.problems,
        }),
    );

    let mut alignment_json = Value::Null;
    let mut realism_json = Value::Null;
    if let Some(real) = &real {
        let al = align::align(&real.profile, &totals.profile);
        let passed = match (cli.min_alignment, al.score) {
            (Some(min), Some(score)) => score >= min,
            (Some(_), None) => false,
            (None, _) => true,
        };
        gate_failed |= !passed;
        summary.push_str(&alignment_summary(tool, cli, real, &al, passed));
        let mut value = al.to_json(&real.profile, &totals.profile);
        if let Value::Object(map) = &mut value {
            map.insert("real_file".into(), json!(real.name));
            map.insert("real_records".into(), json!(real.records));
            map.insert("real_invalid".into(), json!(real.invalid));
            map.insert("synthetic_records".into(), json!(totals.profile.records));
            map.insert("min_alignment".into(), json!(cli.min_alignment));
            map.insert("passed".into(), json!(passed));
        }
        alignment_json = value;

        let compared = realism::compare(&real.realism, &totals.realism);
        let exceeded: Vec<&'static str> = match cli.max_drift {
            Some(max) => compared
                .iter()
                .filter(|c| c.divergence.is_some_and(|d| d > max))
                .map(|c| c.name)
                .collect(),
            None => Vec::new(),
        };
        gate_failed |= !exceeded.is_empty();
        summary.push_str(&realism_summary(tool, cli, &compared, &exceeded));
        let mut value = realism::to_json(&compared);
        if let Value::Object(map) = &mut value {
            map.insert("max_drift".into(), json!(cli.max_drift));
            map.insert("exceeded".into(), json!(exceeded));
        }
        realism_json = value;
    }
    extra.insert("alignment".into(), alignment_json);
    extra.insert("realism".into(), realism_json);
    let verdict = if gate_failed { Verdict::GateFailed } else { Verdict::failed_if(failed) };
    run.finish(&summary, extra, verdict)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn alignment_summary(
    tool: &str,
    cli: &Cli,
    real: &RealSample,
    al: &Alignment,
    passed: bool,
) -> String {
    let score = al.score.map_or("n/a".to_string(), |s| format!("{:.3}", round6(s)));
    let gate = match cli.min_alignment {
        Some(min) if passed => format!(" (--min-alignment {min}: passed)"),
        Some(min) => format!(" (--min-alignment {min}: FAILED)"),
        None => String::new(),
    };
    let mut text = format!(
        "\n{tool}: alignment with {} ({} events, {} with errors): {score}{gate}",
        real.name, real.records, real.invalid
    );
    let list = |entries: &[align::OneSided]| -> String {
        let mut parts: Vec<String> = entries
            .iter()
            .take(8)
            .map(|e| format!("{} {} {}", e.path, pct(e.share), e.types.join("|")))
            .collect();
        if entries.len() > 8 {
            parts.push(format!("… {} more", entries.len() - 8));
        }
        parts.join(", ")
    };
    if !al.missing.is_empty() {
        text.push_str(&format!(
            "\n{tool}:   missing ({} paths; share of real events): {}",
            al.missing.len(),
            list(&al.missing)
        ));
    }
    if !al.extra.is_empty() {
        text.push_str(&format!(
            "\n{tool}:   extra ({} paths; share of synthetic events): {}",
            al.extra.len(),
            list(&al.extra)
        ));
    }
    if !al.mismatches.is_empty() {
        let parts: Vec<String> = al
            .mismatches
            .iter()
            .take(8)
            .map(|m| {
                format!(
                    "{} real {} vs synthetic {}",
                    m.path,
                    m.real.join("|"),
                    m.synthetic.join("|")
                )
            })
            .collect();
        text.push_str(&format!(
            "\n{tool}:   type mismatches ({}): {}{}",
            al.mismatches.len(),
            parts.join(", "),
            if al.mismatches.len() > 8 { ", …" } else { "" }
        ));
    }
    text
}

fn realism_summary(tool: &str, cli: &Cli, compared: &[Compared], exceeded: &[&str]) -> String {
    let mut text = format!(
        "\n{tool}: realism, real vs synthetic share (Jensen–Shannon divergence: 0 same, 1 disjoint):"
    );
    for c in compared {
        let divergence = c.divergence.map_or("  n/a".to_string(), |d| format!("{d:.3}"));
        let mark = if exceeded.contains(&c.name) { " !" } else { "" };
        // The 10 largest buckets (by the larger of the two shares), in display order.
        let mut biggest: Vec<usize> = (0..c.rows.len()).collect();
        biggest.sort_by(|&i, &j| {
            let size = |k: usize| c.rows[k].1.max(c.rows[k].2);
            size(j).total_cmp(&size(i)).then(i.cmp(&j))
        });
        biggest.truncate(10);
        biggest.retain(|&i| c.rows[i].1.max(c.rows[i].2) >= 0.02);
        biggest.sort_unstable();
        let shown: Vec<String> = biggest
            .iter()
            .map(|&i| {
                let (k, a, b) = &c.rows[i];
                format!("{k} {}/{}", pct(*a), pct(*b))
            })
            .collect();
        let hidden = c.rows.len() - shown.len();
        let more = if hidden > 0 { format!(" (+{hidden} smaller)") } else { String::new() };
        text.push_str(&format!(
            "\n{tool}:   {:<20} {divergence}{mark}  {}{more}",
            c.name,
            shown.join(", ")
        ));
    }
    if let Some(max) = cli.max_drift {
        if exceeded.is_empty() {
            text.push_str(&format!("\n{tool}:   --max-drift {max}: passed"));
        } else {
            text.push_str(&format!(
                "\n{tool}:   --max-drift {max}: FAILED in {}",
                exceeded.join(", ")
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_for_counting() {
        assert_eq!(
            normalized("/attendees/12/emailAddress/address"),
            "/attendees/*/emailAddress/address"
        );
        assert_eq!(normalized(""), "");
    }
}
