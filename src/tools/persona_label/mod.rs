//! persona-label: oracle labels for calendar events from explicit persona
//! rules (seeds 000 and 001, the "Oracle Input Strategy").
//!
//! Each Microsoft Graph event gets, per persona, an importance label, prep
//! need and minutes, an RSVP decision and the reasoning, appended to the
//! record. Personas are JSON files in the format the seed project used,
//! extended with structured matchers (`persona` holds the types, `loader` and
//! `rule_reader` read and check the files); the built-in library is in
//! `builtin`. All text tests of all personas are compiled into one matcher
//! (`matcher`), rules decide on the hits (`rules`), and `label` turns the
//! fired rules into labels, under the default rules or `--rules seed`.
//! `explain` tallies what fired for the rule analysis.

mod builtin;
mod event;
mod explain;
mod label;
mod loader;
mod manual;
mod matcher;
mod persona;
mod rule_reader;
mod rules;
mod text;

pub(crate) use explain::mean as mean_minutes;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json;
use crate::pipeline::{self, Disposition, Emit, Processor};
use crate::report::{percent, printable};
use crate::run::{Run, Verdict};

use event::{Needs, Problem, Scanner};
use explain::Tally;
use label::Label;
use matcher::{Matcher, Scratch, Terms};
pub use persona::Mode;
use persona::Persona;
use rules::Ctx;

pub const DOC: ToolDoc = ToolDoc {
    name: "persona-label",
    examples: &[
        (
            "Label meetings as the built-in pipeline-juggling sales manager would",
            "persona-label --persona builtin:tier1_sales_manager_pipeline meetings.jsonl > labeled.jsonl",
        ),
        (
            "Label a real calendar export with every tier-1 persona and see which rules fire",
            "fmt-migrate --from graph-response calendar_export.json \\\n    | persona-label --tier 1 --explain --stats tier1.json > tier1.jsonl",
        ),
        (
            "Check your own persona, then label with it and a built-in one (two lines per event)",
            "persona-label --check my_persona.json\n  persona-label --persona my_persona.json --persona builtin:tier2_senior_ic_architect meetings.jsonl",
        ),
        (
            "Re-label old data exactly as the seed generator did, then see what the default rules change",
            "persona-label --rules seed --persona p.json --timestamp none old.jsonl > seed.jsonl\n  persona-label --persona p.json --timestamp none old.jsonl | dist-report seed.jsonl --compare - --field importance_label",
        ),
        (
            "Measure the diversity of the built-in library (normalized entropy over six dimensions)",
            "persona-label --list --format jsonl | dist-report --field level --field function --field industry --field company --field work_style --field stress_level",
        ),
    ],
    sections: manual::SECTIONS,
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Label calendar events with explicit persona rules (oracle labels)
///
/// Reads Microsoft Graph calendar events (JSONL) and writes each event once
/// per persona with importance_label, prep_needed, prep_time_minutes, rsvp,
/// reasoning, persona_id and generation_timestamp appended. Personas are
/// persona files (the seed project's format, extended) or built-in ones.
#[derive(Parser, Debug)]
#[command(name = "persona-label", version)]
pub struct Cli {
    /// Label with this persona: a persona file, or builtin:ID (repeatable)
    ///
    /// With several personas every event is written once per persona, in the
    /// order given. See --list for the built-in ids.
    #[arg(long, value_name = "FILE|builtin:ID", help_heading = "Personas")]
    pub persona: Vec<String>,

    /// Label with every built-in persona of tier N (repeatable)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3), help_heading = "Personas")]
    pub tier: Vec<u8>,

    /// Label with all 30 built-in personas
    #[arg(long, help_heading = "Personas")]
    pub all_personas: bool,

    /// Which labeling rules to apply
    #[arg(long, value_enum, value_name = "RULES", default_value_t = Mode::Default, help_heading = "Labeling")]
    pub rules: Mode,

    /// The generation_timestamp written: now, none (no field) or a fixed value
    ///
    /// now is the time of the run (SOURCE_DATE_EPOCH when set) as ISO 8601
    /// UTC; a fixed value must be an ISO 8601 date-time, e.g. 2025-11-10T14:32:18Z.
    #[arg(long, value_name = "now|none|VALUE", default_value = "now", help_heading = "Labeling")]
    pub timestamp: String,

    /// Whose calendar it is: sets self.address of every persona (overriding the files)
    ///
    /// The address's domain becomes internal, so external_attendees,
    /// organizer_is_self and optional_for_self work with built-in personas.
    #[arg(long = "self", value_name = "ADDRESS", value_parser = email_address, help_heading = "Labeling")]
    pub self_address: Option<String>,

    /// Report, per persona, rule firings, dead rules, conflicts and label distributions
    ///
    /// Written to standard error and, with --stats, into the stats file.
    #[arg(long, help_heading = "Labeling")]
    pub explain: bool,

    /// Validate persona files (the FILE arguments and --persona) without labeling
    #[arg(long, conflicts_with_all = ["list", "explain"], help_heading = "Personas")]
    pub check: bool,

    /// Print the built-in personas (or those selected): id, tier and name
    #[arg(long, help_heading = "Personas")]
    pub list: bool,

    #[command(flatten)]
    pub common: Common,

    /// With --list: table (id, tier, name) or jsonl (one JSON object per persona, with its diversity dimensions)
    #[arg(long, value_enum, value_name = "FORMAT", requires = "list", help_heading = "Output")]
    pub format: Option<ListFormat>,

    /// The former name of --format jsonl, still accepted
    #[arg(long, hide = true, requires = "list", conflicts_with = "format")]
    pub json: bool,
}

/// How --list prints the personas.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Aligned columns: id, tier and name
    Table,
    /// One JSON object per persona, with its diversity dimensions
    Jsonl,
}

/// `--self`: an address graph-validate would accept on an attendee.
fn email_address(text: &str) -> Result<String, String> {
    let text = text.trim();
    if crate::email::looks_like_email(text.as_bytes()) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an e-mail address (write e.g. me@contoso.com)"))
    }
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// Where a persona comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    File(PathBuf),
    Builtin(&'static builtin::Builtin),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::File(path) if path.as_os_str() == "-" => "<stdin>".into(),
            Source::File(path) => crate::report::path_name(path),
            Source::Builtin(b) => format!("builtin:{}", b.id),
        }
    }

    fn text(&self) -> Result<String, Error> {
        match self {
            Source::Builtin(b) => Ok(b.text.to_string()),
            Source::File(path) => {
                let name = self.name();
                let bytes = if path.as_os_str() == "-" {
                    crate::document::read_limited(
                        std::io::stdin().lock(),
                        &name,
                        "the persona file",
                    )?
                } else {
                    crate::guard::input(path, &name)?;
                    let read = std::fs::File::open(path).and_then(|file| {
                        if file.metadata()?.is_dir() {
                            return Err(std::io::Error::other("is a directory, not a file"));
                        }
                        Ok(file)
                    });
                    let file = read.map_err(|source| {
                        // `--persona tier1_x` meant the built-in of that name.
                        let text = path.to_string_lossy();
                        let near = builtin::find(&text).map(|b| b.id).or_else(|| {
                            text::nearest(&text, builtin::BUILTINS.iter().map(|b| b.id))
                        });
                        match near {
                            Some(id) if source.kind() == std::io::ErrorKind::NotFound => {
                                Error::Usage(format!(
                                    "--persona {text}: no such file; did you mean builtin:{id}?"
                                ))
                            }
                            _ => Error::Input { name: name.clone(), source },
                        }
                    })?;
                    crate::document::read_limited(file, &name, "the persona file")?
                };
                String::from_utf8(bytes).map_err(|_| {
                    Error::Config(format!("{name}: a persona file must be UTF-8 text"))
                })
            }
        }
    }
}

fn builtin_source(id: &str) -> Result<Source, Error> {
    builtin::find(id).map(Source::Builtin).ok_or_else(|| {
        let hint = text::nearest(id, builtin::BUILTINS.iter().map(|b| b.id))
            .map(|n| format!("; did you mean builtin:{n}?"))
            .unwrap_or_default();
        Error::Usage(format!("--persona builtin:{id}: no such built-in persona{hint} (see --list)"))
    })
}

/// The selected personas, in labeling order (a built-in one only once).
fn selection(cli: &Cli, extra_files: &[PathBuf]) -> Result<Vec<Source>, Error> {
    let mut out: Vec<Source> = extra_files.iter().cloned().map(Source::File).collect();
    for spec in &cli.persona {
        out.push(match spec.strip_prefix("builtin:") {
            Some(id) => builtin_source(id)?,
            None => Source::File(PathBuf::from(spec)),
        });
    }
    for tier in &cli.tier {
        out.extend(builtin::BUILTINS.iter().filter(|b| b.tier == *tier).map(Source::Builtin));
    }
    if cli.all_personas {
        out.extend(builtin::BUILTINS.iter().map(Source::Builtin));
    }
    // A persona selected twice (a built-in by --tier and --persona, or one
    // file through two names or links) is one persona; two different
    // sources with one id are still refused by `unique_ids`.
    let mut unique: Vec<Source> = Vec::with_capacity(out.len());
    for source in out {
        let again = unique.iter().any(|seen| match (seen, &source) {
            (Source::File(a), Source::File(b)) => crate::guard::same_file(a, b),
            (a, b) => a == b,
        });
        if !again {
            unique.push(source);
        }
    }
    if unique.iter().filter(|s| matches!(s, Source::File(p) if p.as_os_str() == "-")).count() > 1 {
        return Err(Error::Usage("a persona can be read from standard input (-) only once".into()));
    }
    Ok(unique)
}

/// Loads every selected persona; all problems of all files are reported together.
fn load_all(sources: &[Source], mode: Mode, terms: &mut Terms) -> Result<Vec<Persona>, Error> {
    let mut personas = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let text = source.text()?;
        match loader::load(&text, &source.name(), mode, terms) {
            Ok(p) => personas.push(p),
            Err(list) => errors.extend(list),
        }
    }
    if errors.is_empty() {
        return Ok(personas);
    }
    const SHOWN: usize = 20;
    let mut message =
        errors.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("\npersona-label: ");
    if errors.len() > SHOWN {
        message.push_str(&format!("\npersona-label: … and {} more problems", errors.len() - SHOWN));
    }
    Err(Error::Config(message))
}

/// Labels are told apart by persona_id: two personas with one id (the same
/// file twice, or a file and a built-in persona) would write lines no
/// reader can attribute.
fn unique_ids(personas: &[Persona]) -> Result<(), Error> {
    for (i, p) in personas.iter().enumerate() {
        if let Some(q) = personas[..i].iter().find(|q| q.id == p.id) {
            return Err(Error::Usage(format!(
                "two personas have the id {:?} ({} and {}): every labeled line carries persona_id, so ids must be unique; give each persona once",
                p.id, q.source, p.source
            )));
        }
    }
    Ok(())
}

fn warn(personas: &[Persona], quiet: bool) {
    if quiet {
        return;
    }
    let mut err = crate::progress::stderr();
    for p in personas {
        for w in &p.warnings {
            let _ = writeln!(err, "persona-label: warning: {}", printable(w));
        }
    }
}

/// Checks a `--timestamp` value: an ISO 8601 date-time, as graph-validate
/// checks generation_timestamp (the library's parser, every field range-checked).
fn check_timestamp(value: &str) -> Result<(), Error> {
    if crate::time::parse_date_time(value).is_some() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--timestamp {value:?}: expected now, none or an ISO 8601 date-time such as 2025-11-10T14:32:18Z"
    )))
}

fn generation_timestamp(arg: &str) -> Result<Option<String>, Error> {
    match arg {
        "none" => Ok(None),
        "now" => {
            let epoch = crate::time::now_epoch().map_err(Error::Usage)?;
            Ok(Some(crate::time::iso8601_utc(epoch)))
        }
        value => {
            check_timestamp(value)?;
            Ok(Some(value.to_string()))
        }
    }
}

fn list(cli: &Cli) -> Result<Outcome, Error> {
    let mut sources = selection(cli, &[])?;
    if sources.is_empty() {
        sources = builtin::BUILTINS.iter().map(Source::Builtin).collect();
    }
    let personas = load_all(&sources, Mode::Default, &mut Terms::default())?;
    // The text listing is for a person: ids and names escaped (and the
    // columns measured on what is shown); --format jsonl keeps exact values.
    let shown: Vec<(String, String)> =
        personas.iter().map(|p| (printable(&p.id), printable(&p.name))).collect();
    let width = shown.iter().map(|(id, _)| id.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for (p, (id, name)) in personas.iter().zip(&shown) {
        if cli.json || cli.format == Some(ListFormat::Jsonl) {
            let field = |v: &Option<String>| v.as_deref().map_or("null".to_string(), json::quote);
            text.push_str(&format!(
                "{{\"id\":{},\"tier\":{},\"name\":{},\"rules\":{},\"level\":{},\"function\":{},\"industry\":{},\"company\":{},\"work_style\":{},\"stress_level\":{}}}\n",
                json::quote(&p.id),
                p.tier,
                json::quote(&p.name),
                p.rules.len(),
                field(&p.level),
                field(&p.function),
                field(&p.industry),
                field(&p.company),
                field(&p.work_style_category()),
                field(&p.stress_category()),
            ));
        } else {
            text.push_str(&format!("{id:<width$}  {}  {name}\n", p.tier));
        }
    }
    let mut out =
        crate::output::Output::open(cli.common.output.as_deref(), crate::run::RECORDS_ON_STDOUT)?;
    out.write(text.as_bytes())?;
    out.commit()?;
    Ok(Outcome::Clean)
}

fn check(cli: &Cli) -> Result<Outcome, Error> {
    let sources = selection(cli, &cli.common.files)?;
    if sources.is_empty() {
        return Err(Error::Usage(
            "--check needs persona files: persona-label --check FILE… (or --persona, --tier, --all-personas)".into(),
        ));
    }
    let mut personas = load_all(&sources, cli.rules, &mut Terms::default())?;
    if let Some(address) = &cli.self_address {
        for p in &mut personas {
            p.set_self(address);
        }
    }
    warn(&personas, cli.common.quiet);
    if !cli.common.quiet {
        let mut err = crate::progress::stderr();
        for p in &personas {
            let _ = writeln!(
                err,
                "persona-label: {}: ok: {} \"{}\" (tier {}): {}",
                printable(&p.source),
                printable(&p.id),
                printable(&p.name),
                p.tier,
                persona::rule_summary(p)
            );
        }
    }
    Ok(Outcome::Clean)
}

/// The fields written into every labeled event, in this order.
const OUTPUT_KEYS: [&str; 7] = [
    "importance_label",
    "prep_needed",
    "prep_time_minutes",
    "rsvp",
    "reasoning",
    "persona_id",
    "generation_timestamp",
];

/// The per-record labeling, run on worker threads.
struct Labeler {
    personas: Vec<Persona>,
    mode: Mode,
    matcher: Matcher,
    scanner: Scanner,
    /// The fields written, in order (the scanner knows them too).
    keys: Vec<&'static str>,
    /// JSON text of each persona's id.
    ids: Vec<Vec<u8>>,
    /// JSON text of generation_timestamp, when written.
    timestamp: Option<Vec<u8>>,
}

struct Acc {
    tallies: Vec<Tally>,
    scratch: Scratch,
    fired: Vec<bool>,
    reasons: String,
    reasons_json: Vec<u8>,
    out: Vec<u8>,
    existing: Vec<(usize, std::ops::Range<usize>)>,
}

impl Processor for Labeler {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc {
            tallies: self.personas.iter().map(Tally::new).collect(),
            scratch: Scratch::default(),
            fired: Vec::new(),
            reasons: String::new(),
            reasons_json: Vec::new(),
            out: Vec::new(),
            existing: Vec::new(),
        }
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let Acc { tallies, scratch, fired, reasons, reasons_json, out, existing } = acc;
        let event = match self.scanner.read(line.bytes, existing) {
            Ok(e) => e,
            Err(Problem::Json(e)) => return emit.reject_json(&e),
            Err(Problem::Unusable(category, message)) => return emit.reject(&category, message),
        };
        self.matcher.scan(scratch, &|field, each| event.texts(field, each));
        let ctx = Ctx::new(&event, &scratch.hits);
        let mut disposition = Disposition::Written;
        for (i, p) in self.personas.iter().enumerate() {
            ctx.for_persona();
            fired.clear();
            fired.extend(p.rules.iter().map(|r| ctx.eval(&r.cond, &p.me)));
            let outcome = label::label(p, self.mode, fired, reasons);
            tallies[i].record(p, &outcome, fired, line.index);
            reasons_json.clear();
            json::write_str(reasons_json, reasons);
            let mut minutes = [0u8; 10];
            let minutes_text = format_u32(&mut minutes, outcome.minutes);
            let mut fields: [(&str, &[u8]); OUTPUT_KEYS.len()] = [("", b""); OUTPUT_KEYS.len()];
            for (slot, key) in fields.iter_mut().zip(&self.keys) {
                let value: &[u8] = match *key {
                    "importance_label" => quoted_label(outcome.label),
                    "prep_needed" if outcome.prep => b"true",
                    "prep_needed" => b"false",
                    "prep_time_minutes" => minutes_text,
                    "rsvp" => outcome.rsvp.map_or(b"null", quoted_rsvp),
                    "reasoning" => reasons_json,
                    "persona_id" => &self.ids[i],
                    _ => self.timestamp.as_deref().unwrap_or(b"null"),
                };
                *slot = (key, value);
            }
            let fields = &fields[..self.keys.len()];
            out.clear();
            json::set_fields_at(line.bytes, existing, fields, out);
            disposition = emit.write(out);
        }
        disposition
    }
}

fn format_u32(buf: &mut [u8; 10], mut n: u32) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

fn quoted_label(label: Label) -> &'static [u8] {
    match label {
        Label::Critical => b"\"critical\"",
        Label::High => b"\"high\"",
        Label::Medium => b"\"medium\"",
        Label::Low => b"\"low\"",
    }
}

fn quoted_rsvp(rsvp: label::Rsvp) -> &'static [u8] {
    match rsvp {
        label::Rsvp::Accept => b"\"accept\"",
        label::Rsvp::Tentative => b"\"tentative\"",
        label::Rsvp::Decline => b"\"decline\"",
    }
}

/// Parses the text of a persona file as `--persona FILE` does: for the fuzz
/// targets (fuzz/checks) and their replay test, which have no other way in.
#[doc(hidden)]
pub fn load_persona_text(text: &str, mode: Mode) -> Result<(), Vec<String>> {
    loader::load(text, "persona.json", mode, &mut Terms::default()).map(|_| ())
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    if cli.list {
        return list(&cli);
    }
    if cli.check {
        return check(&cli);
    }
    let timestamp = generation_timestamp(&cli.timestamp)?;
    let sources = selection(&cli, &[])?;
    if sources.is_empty() {
        return Err(Error::Usage(
            "no persona chosen: give --persona FILE|builtin:ID, --tier N or --all-personas (--list shows the built-in ones)"
                .into(),
        ));
    }
    if sources.iter().any(|s| matches!(s, Source::File(p) if p.as_os_str() == "-"))
        && (cli.common.files.is_empty() || cli.common.files.iter().any(|f| f.as_os_str() == "-"))
    {
        return Err(Error::Usage(
            "standard input cannot hold both a persona (--persona -) and the events".into(),
        ));
    }
    let mut terms = Terms::default();
    let mut personas = load_all(&sources, cli.rules, &mut terms)?;
    unique_ids(&personas)?;
    if let Some(address) = &cli.self_address {
        for p in &mut personas {
            p.set_self(address);
        }
    }
    warn(&personas, cli.common.quiet);
    let matcher = terms.compile()?;
    let needs = personas.iter().fold(Needs::default(), |n, p| n.union(p.needs));
    let keys: Vec<&'static str> = OUTPUT_KEYS
        .iter()
        .copied()
        .filter(|k| match *k {
            "rsvp" => cli.rules == Mode::Default,
            "generation_timestamp" => timestamp.is_some(),
            _ => true,
        })
        .collect();
    let labeler = Arc::new(Labeler {
        ids: personas.iter().map(|p| json::quote(&p.id).into_bytes()).collect(),
        timestamp: timestamp.as_deref().map(|t| json::quote(t).into_bytes()),
        personas,
        mode: cli.rules,
        matcher,
        scanner: Scanner::new(&needs, &keys),
        keys,
    });

    let inputs = Inputs::open(&cli.common.files)?;
    let mut run = Run::start("persona-label", &cli.common, &inputs, true)?;
    let settings = run.settings.clone();
    let mut tallies: Vec<Tally> = labeler.personas.iter().map(Tally::new).collect();
    pipeline::run(inputs, &settings, labeler.clone(), |done| {
        let flow = run.take(&done)?;
        let source = run.source_name(done.chunk.source).clone();
        for (total, part) in tallies.iter_mut().zip(&done.acc.tallies) {
            total.merge(part, |index| explain::locate(&source, done.line_number(index)));
        }
        Ok(flow)
    })?;

    let personas = &labeler.personas;
    let counts = run.counts();
    let mut labels = [0u64; 4];
    for t in &tallies {
        for (a, b) in labels.iter_mut().zip(t.labels) {
            *a += b;
        }
    }
    let lines = counts.lines_out;
    let rules_note = if cli.rules == Mode::Seed { " (--rules seed)" } else { "" };
    let label_phrase = Label::ALL
        .iter()
        .map(|l| {
            format!(
                "{} {} ({})",
                l.as_str(),
                labels[*l as usize],
                percent(labels[*l as usize], lines)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "labeled {} of {} events with {} persona{}{rules_note} ({lines} lines): {label_phrase}; {}",
        counts.written,
        counts.records,
        personas.len(),
        if personas.len() == 1 { "" } else { "s" },
        run.rejected_phrase()
    );
    if cli.explain {
        let mut err = crate::progress::stderr();
        for (p, t) in personas.iter().zip(&tallies) {
            let _ = err.write_all(explain::text(p, t, cli.rules).as_bytes());
        }
    }
    let mut extra = Map::new();
    extra.insert(
        "rules".into(),
        json!(match cli.rules {
            Mode::Default => "default",
            Mode::Seed => "seed",
        }),
    );
    extra.insert("generation_timestamp".into(), json!(timestamp));
    extra.insert(
        "labels".into(),
        Value::Object(
            Label::ALL
                .iter()
                .map(|l| (l.as_str().to_string(), json!(labels[*l as usize])))
                .collect(),
        ),
    );
    extra.insert(
        "personas".into(),
        Value::Array(
            personas
                .iter()
                .zip(&tallies)
                .map(|(p, t)| explain::json(p, t, cli.rules, cli.explain))
                .collect(),
        ),
    );
    run.finish(&summary, extra, Verdict::Pass)
}
