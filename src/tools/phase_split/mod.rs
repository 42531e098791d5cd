//! phase-split: assign every record to a curriculum phase and, optionally, a
//! train/validation/test split, and write them in the order training needs.
//!
//! Seed 003 trains in three phases that must never be mixed: extractive
//! answers, then conversational answers, then refusals. Seeds 000/001
//! validate on held-out personas. The workers classify records and pick their
//! split by a seeded hash (or hold them for the sequential `--stratify` rule);
//! the sink streams the first phase to standard output and spools the others
//! in bounded memory, or writes one atomic file per phase and split under
//! `--out-dir` with a manifest.

mod classify;
mod manual;
mod merge;
mod record;
mod sink;
mod split;
mod summary;

pub(crate) use merge::split_weights;
pub(crate) use summary::{FAR_BELOW, of_requested};

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;

use crate::cli::{self, Common, ToolDoc};
use crate::compress::Compression;
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::Inputs;
use crate::json;
use crate::outdir::OutDir;
use crate::path::{self, FieldPath, ReadPlan};
use crate::pipeline;
use crate::run::Run;
use crate::spool::Spools;

use classify::{BUILTIN, Builtin, Rule};
use record::{Mode, Role, Splitter};
use sink::{Phases, Sink, Target};
use split::{LeakTracker, SplitSpec, Stratifier};
use summary::report;

pub const DOC: ToolDoc = ToolDoc {
    name: "phase-split",
    examples: &[
        (
            "Seed 003's curriculum: extractive, then conversational, then refusal records, tagged",
            "phase-split qa.jsonl > curriculum.jsonl",
        ),
        (
            "One file per phase and split, each article's questions in one split only, with a manifest",
            "phase-split --split train=0.8,val=0.1,test=0.1 --group title --seed 7 --out-dir phases/ qa.jsonl",
        ),
        (
            "The suite's pipeline: migrate, curate, then split into phases",
            "cat teacher.jsonl | fmt-migrate --to supervised | score-filter --min 0.82 --max-samples 400 --seed 42 \\\n    | phase-split --out-dir phases/",
        ),
        (
            "Keep every title's share equal across splits and prove no prompt is in two of them",
            "phase-split --split train=0.9,test=0.1 --stratify title --check-leakage input --out-dir splits/ qa.jsonl",
        ),
        (
            "Explicit rules instead of the built-in classifier, refusals first",
            "phase-split --phase 'refusal=output~(?i)not found|couldn.t find' --phase 'short=output~^\\S+$' --phase rest --order short,rest,refusal qa.jsonl",
        ),
        (
            "Two shards' sets (GNU parallel jobs, Spark tasks) merged into the set one run over both writes",
            "phase-split --merge --out-dir merged/ sets/1 sets/2",
        ),
    ],
    sections: manual::SECTIONS,
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Most phases a run may have.
const MAX_PHASES: usize = 256;

/// The usage error of a run that finds phase `next` past [`MAX_PHASES`].
fn too_many_phases(next: &str) -> Error {
    Error::Usage(format!(
        "more than {MAX_PHASES} phases (the next is \"{}\"); is the --phase-field field the right one?",
        crate::report::printable(next)
    ))
}

/// The phase order of one run over shards given in shard order, from each
/// shard's (name, `order` list): the union of the lists in shard order, as a
/// phase first seen in a later shard comes later in the whole run too. Past
/// `MAX_PHASES` it is the whole run's usage error.
pub fn union_of_orders<'a>(
    orders: impl IntoIterator<Item = (&'a str, Option<&'a serde_json::Value>)>,
) -> Result<Vec<String>, Error> {
    let mut names: Vec<String> = Vec::new();
    for (shard, order) in orders {
        let bad = |what: &str| Error::Config(format!("{shard}: {what}"));
        let order =
            order.and_then(serde_json::Value::as_array).ok_or_else(|| bad("no phase order"))?;
        for name in order {
            let name = name.as_str().ok_or_else(|| bad("a phase name that is not text"))?;
            if !names.iter().any(|n| n == name) {
                if names.len() >= MAX_PHASES {
                    return Err(too_many_phases(name));
                }
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
}
/// Leaks described on standard error, and in --stats.
const SHOWN_LEAKS: usize = 20;
const STATS_LEAKS: usize = 1000;
/// Strata listed in --stats.
const STATS_STRATA: usize = 1000;
const MISSING_STRATUM: &str = "(missing)";

/// Put records in curriculum phases and train/validation/test splits
///
/// Reads JSONL records, assigns each to a phase (by default extractive,
/// conversational or refusal, from its answer and context) and, with
/// --split, to a split chosen by a seeded hash, and writes them in order:
/// every record of the first phase, then the second, and so on, each tagged
/// with "phase" (and "split"). Or writes one file per phase and split under
/// --out-dir, with a manifest. Records of a phase keep their input order.
#[derive(Parser, Debug)]
#[command(name = "phase-split", version)]
pub struct Cli {
    /// The answer field [default: output, response, completion, chosen (a preference record), answer, or the last assistant message of messages or gpt turn of conversations]
    ///
    /// Whatever the answer's text, a record flagged is_impossible: true or
    /// answerable: false (as fmt-migrate --from squad writes every converted
    /// question) is a refusal.
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Phases")]
    pub answer: Option<FieldPath>,

    /// The context field [default: input, prompt, instruction, question (the first that is not null or empty), or the user messages or human turns]
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Phases")]
    pub context: Option<FieldPath>,

    /// Longest answer, in words, that can be extractive
    #[arg(long, value_name = "N", default_value_t = 30, help_heading = "Phases")]
    pub max_extractive_words: usize,

    /// Also treat answers matching REGEX as refusals (case-insensitive; repeatable)
    #[arg(long = "refusal-pattern", value_name = "REGEX", help_heading = "Phases")]
    pub refusal_patterns: Vec<String>,

    /// Do not use the built-in refusal patterns
    #[arg(long, help_heading = "Phases")]
    pub no_default_refusals: bool,

    /// Use the value at PATH as the phase name instead of classifying
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Phases",
          conflicts_with_all = ["phase_rules", "answer", "context", "refusal_patterns", "no_default_refusals", "max_extractive_words"])]
    pub phase_field: Option<FieldPath>,

    /// Rule NAME=PATH~REGEX (or NAME for every record); the first match wins
    ///
    /// Rules replace the built-in classifier. Repeat --phase for each rule; they
    /// are tried in the order given.
    #[arg(long = "phase", value_name = "RULE", value_parser = classify::parse_rule, help_heading = "Phases",
          conflicts_with_all = ["answer", "context", "refusal_patterns", "no_default_refusals", "max_extractive_words"])]
    pub phase_rules: Vec<Rule>,

    /// Phase order (repeatable, or comma-separated); unnamed phases follow
    #[arg(long, value_name = "LIST", value_delimiter = ',', help_heading = "Phases")]
    pub order: Vec<String>,

    /// Split records, e.g. train=0.8,val=0.1,test=0.1 (fractions adding up to 1, or weights train=8,val=1,test=1)
    #[arg(long, value_name = "SPEC", value_parser = split::parse_split, help_heading = "Splits")]
    pub split: Option<SplitSpec>,

    /// Keep each value at PATH close to the requested shares in every split
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Splits")]
    pub stratify: Option<FieldPath>,

    /// Report values at PATH found in more than one split; exit 1 if any
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Splits")]
    pub check_leakage: Option<FieldPath>,

    /// Exit 1 when a split gets less than X times its requested share (0.5: at least half); no -o or --out-dir file is committed
    ///
    /// A split lands near its share only with enough units (groups with --group, else records):
    /// over G equal groups a split of share p varies by about sqrt(p(1-p)/G), so test=0.1 over
    /// 100 groups gives 10% ± 3%, over 1,000 groups 10% ± 1%, and with fewer than about 10/p groups
    /// it can come out empty. Without --min-share a split below half its share is still reported.
    /// A failed gate says which split, even with --quiet.
    #[arg(long, value_name = "X", value_parser = crate::cli::unit_interval, help_heading = "Splits")]
    pub min_share: Option<f64>,

    /// Seed of the hash that splits
    #[arg(long, value_name = "S", default_value_t = 42, help_heading = "Hashing")]
    pub seed: u64,

    /// Hash this field instead of the whole record, so records with one value (a group) never straddle splits
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Hashing")]
    pub group: Option<FieldPath>,

    /// Merge the --out-dir sets of runs over shards (the FILEs, in shard order) into the whole run's set or output
    ///
    /// Each FILE is the --out-dir folder of a phase-split run over one shard of the
    /// input (a GNU parallel job, a Spark task), given in input order. Writes the set
    /// (--out-dir) or the records (-o, standard output), the summary, --stats and
    /// manifest one run over the whole input writes, and exits as it would; the
    /// settings come from the sets' manifests (see MERGING SHARDS in the man page).
    #[arg(long, help_heading = "Shards", conflicts_with_all = [
        "answer", "context", "max_extractive_words", "refusal_patterns", "no_default_refusals",
        "phase_field", "phase_rules", "order", "split", "stratify", "check_leakage", "seed",
        "group", "no_tag", "spill_after", "temp_dir",
    ])]
    pub merge: bool,

    // The shared flags come before the tool's own Output and Performance
    // flags, so every tool lists its headings in one order (ARCHITECTURE.md).
    #[command(flatten)]
    pub common: Common,

    /// Write one file per phase (and split) under DIR, with manifest.json
    #[arg(long, value_name = "DIR", conflicts_with = "output", help_heading = "Output")]
    pub out_dir: Option<PathBuf>,

    /// Write into a non-empty --out-dir, replacing the previous run's files
    #[arg(long, requires = "out_dir", help_heading = "Output")]
    pub force: bool,

    /// Compress every --out-dir file (gz or zst); the name gets .gz or .zst
    #[arg(long, value_enum, value_name = "FORMAT", requires = "out_dir", help_heading = "Output")]
    pub compress: Option<Compression>,

    /// Do not append "phase" and "split" to the records
    #[arg(long, help_heading = "Output")]
    pub no_tag: bool,

    /// Hold up to SIZE of later phases in memory before spilling to disk (e.g. 512K, 32M, 1G)
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = crate::limits::parse_size, help_heading = "Performance")]
    pub spill_after: u64,

    /// Folder for spilled temporary files [default: $TMPDIR or /tmp]
    #[arg(long, value_name = "DIR", help_heading = "Performance")]
    pub temp_dir: Option<PathBuf>,
}

/// Parses a size: bytes, or a number with K, M or G (powers of 1024).
pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// The static phase names in output order, and each slot's position.
fn static_order(defaults: &[String], order: &[String]) -> Result<(Vec<String>, Vec<usize>), Error> {
    for (i, name) in order.iter().enumerate() {
        classify::check_phase_name(name).map_err(|e| Error::Usage(format!("--order: {e}")))?;
        if order[..i].contains(name) {
            return Err(Error::Usage(format!("--order names {name:?} twice")));
        }
        if !defaults.contains(name) {
            return Err(Error::Usage(format!(
                "--order names {name:?}, which is not a phase here (the phases are {})",
                defaults.join(", ")
            )));
        }
    }
    let mut names: Vec<String> = order.to_vec();
    names.extend(defaults.iter().filter(|d| !order.contains(d)).cloned());
    let position =
        defaults.iter().map(|d| names.iter().position(|n| n == d).unwrap_or_default()).collect();
    Ok((names, position))
}

/// The plan: read the flags into a scan and a phase order; open the inputs,
/// the destination and the run; build the workers' splitter and the sink;
/// run; copy the held-back phases out; report.
pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    if cli.merge {
        return merge::merge(cli);
    }
    if cli.min_share.is_some() && cli.split.is_none() {
        return Err(Error::Usage("--min-share judges the splits: give --split too".into()));
    }
    let splits = cli.split.clone();
    let split_names: Vec<String> = splits.as_ref().map(|s| s.names.clone()).unwrap_or_default();
    let weights: Vec<f64> = splits.as_ref().map(|s| s.weights.clone()).unwrap_or_default();
    let scan = plan_scan(&cli)?;
    let by = matches!(scan.mode, Mode::By);
    let (names, position) =
        if by { by_order(&cli.order)? } else { static_order(&scan.defaults, &cli.order)? };

    let inputs = Inputs::open(&cli.common.files)?;
    let target = open_target(&cli)?;
    let mut run = Run::start("phase-split", &cli.common, &inputs, cli.out_dir.is_none())?;
    let phases = Phases::new(&names);
    let split_json: Vec<Vec<u8>> =
        split_names.iter().map(|n| json::quote(n).into_bytes()).collect();
    run.watch_fields(scan.reads.watched());
    let splitter = splitter(&cli, scan, position, &phases, &split_json, &weights)?;
    let mut sink = sink(&cli, phases, split_names, split_json, target, &weights, by)?;

    let settings = run.settings.clone();
    pipeline::run(inputs, &settings, Arc::new(splitter), |done| {
        let flow = run.account(&done)?;
        sink.take(&mut run, &done)?;
        Ok(flow)
    })?;
    let spilled = drain_held(&mut run, &mut sink)?;
    report(cli, run, sink, spilled, None)
}

/// The scan: one path list, each path with its role, and how a record gets
/// its phase.
struct Scan {
    reads: ReadPlan<Role>,
    mode: Mode,
    /// The phases before --order: the classifier's, or the rules' in order
    /// of first appearance (none with --phase-field).
    defaults: Vec<String>,
    /// Each rule's phase, as an index into `defaults`.
    rule_slots: Vec<usize>,
    answer_from_messages: bool,
    context_from_messages: bool,
}

fn plan_scan(cli: &Cli) -> Result<Scan, Error> {
    let mut reads = ReadPlan::default();
    let mut rule_slots: Vec<usize> = Vec::new();
    let (mode, defaults, answer_from_messages, context_from_messages) =
        if let Some(by) = &cli.phase_field {
            reads.named("--phase-field", by, Role::By);
            (Mode::By, Vec::new(), false, false)
        } else if !cli.phase_rules.is_empty() {
            let names = rule_reads(cli, &mut reads, &mut rule_slots)?;
            (Mode::Rules(cli.phase_rules.clone()), names, false, false)
        } else {
            let builtin = builtin_reads(cli, &mut reads)?;
            let defaults = BUILTIN.iter().map(|s| s.to_string()).collect();
            (Mode::Builtin(builtin), defaults, cli.answer.is_none(), cli.context.is_none())
        };
    flag_reads(cli, &mut reads)?;
    Ok(Scan { reads, mode, defaults, rule_slots, answer_from_messages, context_from_messages })
}

fn path_of(text: &str) -> Result<FieldPath, Error> {
    text.parse::<FieldPath>().map_err(Error::Usage)
}

/// --phase rules: each condition's path; returns the phase names in order of
/// first appearance, with each rule's slot among them in `rule_slots`.
fn rule_reads(
    cli: &Cli,
    reads: &mut ReadPlan<Role>,
    rule_slots: &mut Vec<usize>,
) -> Result<Vec<String>, Error> {
    let mut names: Vec<String> = Vec::new();
    for (i, rule) in cli.phase_rules.iter().enumerate() {
        if let Some((path, _)) = &rule.condition {
            reads.read(path.clone(), Role::Rule(i));
        } else if i + 1 < cli.phase_rules.len() {
            return Err(Error::Usage(format!(
                "--phase {}: a rule without a condition matches every record, so the rules after it never apply; give it last",
                rule.name
            )));
        }
        match names.iter().position(|n| *n == rule.name) {
            Some(slot) => rule_slots.push(slot),
            None => {
                names.push(rule.name.clone());
                rule_slots.push(names.len() - 1);
            }
        }
    }
    Ok(names)
}

/// The built-in classifier: the answer, the context, the messages they may
/// come from and the two flags; returns the classifier.
fn builtin_reads(cli: &Cli, reads: &mut ReadPlan<Role>) -> Result<Builtin, Error> {
    match &cli.answer {
        Some(p) => {
            reads.read(p.clone(), Role::Answer);
        }
        None => {
            // `chosen` last: a preference record (prompt/chosen/rejected)
            // is answered by its chosen response.
            for name in ["output", "response", "completion", "chosen", "answer"] {
                reads.read(path_of(name)?, Role::Answer);
            }
        }
    }
    match &cli.context {
        Some(p) => {
            reads.read(p.clone(), Role::Context);
        }
        None => {
            // instruction and question after input and prompt: alpaca and
            // qa records converted from SQuAD carry the passage there.
            for name in ["input", "prompt", "instruction", "question"] {
                reads.read(path_of(name)?, Role::Context);
            }
        }
    }
    if cli.answer.is_none() || cli.context.is_none() {
        // OpenAI's messages (role/content) or ShareGPT's conversations (from/value).
        reads.read(path_of("messages.*")?, Role::Messages);
        reads.read(path_of("conversations.*")?, Role::Messages);
    }
    reads.read(path_of("is_impossible")?, Role::Impossible);
    reads.read(path_of("answerable")?, Role::Answerable);
    let refusals = classify::Refusals::new(!cli.no_default_refusals, &cli.refusal_patterns)
        .map_err(Error::Usage)?;
    Ok(Builtin { max_words: cli.max_extractive_words, refusals })
}

/// The paths of --group, --stratify and --check-leakage, and the tag keys.
fn flag_reads(cli: &Cli, reads: &mut ReadPlan<Role>) -> Result<(), Error> {
    for (flag, path, role) in [
        ("--group", &cli.group, Role::Group),
        ("--stratify", &cli.stratify, Role::Stratum),
        ("--check-leakage", &cli.check_leakage, Role::Leak),
    ] {
        if let Some(path) = path {
            reads.named(flag, path, role);
        }
    }
    if !cli.no_tag {
        reads.read(path_of("/phase")?, Role::TagKey);
        if cli.split.is_some() {
            reads.read(path_of("/split")?, Role::TagKey);
        }
    }
    Ok(())
}

/// The phase order with --phase-field: the phases --order names, checked;
/// the others follow as they first appear.
fn by_order(order: &[String]) -> Result<(Vec<String>, Vec<usize>), Error> {
    for (i, name) in order.iter().enumerate() {
        classify::check_phase_name(name).map_err(|e| Error::Usage(format!("--order: {e}")))?;
        if order[..i].contains(name) {
            return Err(Error::Usage(format!("--order names {name:?} twice")));
        }
    }
    if order.len() > MAX_PHASES {
        return Err(Error::Usage(format!("--order names more than {MAX_PHASES} phases")));
    }
    Ok((order.to_vec(), Vec::new()))
}

/// Where the records go: --out-dir, or standard output with spools.
fn open_target(cli: &Cli) -> Result<Target, Error> {
    let target = match &cli.out_dir {
        Some(dir) => Target::Dir {
            dir: {
                crate::guard::output_dir("--out-dir", dir)?;
                let mut dir = OutDir::create(dir, cli.force)?;
                dir.set_compression(cli.compress);
                dir
            },
            files: HashMap::new(),
            labels: Vec::new(),
        },
        None => Target::Stream {
            spools: Spools::new(
                cli.spill_after.min(usize::MAX as u64) as usize,
                cli.temp_dir.as_deref(),
            ),
            parts: HashMap::new(),
        },
    };
    if let Some(dir) = &cli.temp_dir
        && !dir.is_dir()
    {
        return Err(Error::Usage(format!("--temp-dir {}: not a folder", dir.display())));
    }
    Ok(target)
}

/// The per-record work, run on worker threads.
fn splitter(
    cli: &Cli,
    scan: Scan,
    position: Vec<usize>,
    phases: &Phases,
    split_json: &[Vec<u8>],
    weights: &[f64],
) -> Result<Splitter, Error> {
    let name_of =
        |p: &Option<FieldPath>| p.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default();
    // The watched paths in the order `reads` named them, with their roles.
    let watched: Vec<(Role, &'static str)> = [
        ("--phase-field", &cli.phase_field, Role::By),
        ("--group", &cli.group, Role::Group),
        ("--stratify", &cli.stratify, Role::Stratum),
        ("--check-leakage", &cli.check_leakage, Role::Leak),
    ]
    .into_iter()
    .filter(|(_, path, _)| path.is_some())
    .map(|(flag, _, role)| (role, flag))
    .collect();
    let Scan { reads, mode, rule_slots, answer_from_messages, context_from_messages, .. } = scan;
    Ok(Splitter {
        watched,
        paths: reads.path_set(),
        roles: reads.roles().to_vec(),
        mode,
        answer_from_messages,
        context_from_messages,
        answer_name: name_of(&cli.answer),
        by_name: name_of(&cli.phase_field),
        group_name: name_of(&cli.group),
        message_paths: FieldPath::set(&[
            "role".parse::<FieldPath>().map_err(Error::Usage)?,
            "content".parse::<FieldPath>().map_err(Error::Usage)?,
            "content.*.text".parse::<FieldPath>().map_err(Error::Usage)?,
            "from".parse::<FieldPath>().map_err(Error::Usage)?,
            "value".parse::<FieldPath>().map_err(Error::Usage)?,
        ]),
        rule_position: rule_slots
            .iter()
            .map(|&slot| position.get(slot).copied().unwrap_or(0))
            .collect(),
        path_names: reads.paths().iter().map(|p| p.as_str().to_string()).collect(),
        position,
        phase_json: phases.json.clone(),
        split_json: split_json.to_vec(),
        weights: weights.to_vec(),
        seed: cli.seed,
        stratified: cli.stratify.is_some(),
        tag: !cli.no_tag,
    })
}

/// The sink, with every known phase's --out-dir files open.
fn sink(
    cli: &Cli,
    phases: Phases,
    split_names: Vec<String>,
    split_json: Vec<Vec<u8>>,
    target: Target,
    weights: &[f64],
    by: bool,
) -> Result<Sink, Error> {
    let mut sink = Sink {
        matrix: vec![vec![0; phases.names.len()]; split_names.len().max(1)],
        phases,
        leaks: cli.check_leakage.as_ref().map(|_| LeakTracker::new(split_names.len())),
        split_names,
        split_json,
        target,
        reasons: [0; 6],
        from_chosen: 0,
        stratifier: cli.stratify.as_ref().map(|_| Stratifier::new(weights)),
        groups: HashMap::new(),
        tag: !cli.no_tag,
        by,
        buf: Vec::new(),
    };
    for p in 0..sink.phases.names.len() {
        sink.open_files(p)?;
    }
    Ok(sink)
}

/// Standard output: the held-back phases, in order. Returns the bytes that
/// were spilled to temporary files.
fn drain_held(run: &mut Run, sink: &mut Sink) -> Result<u64, Error> {
    let mut spilled = 0u64;
    if let Target::Stream { spools, parts } = &mut sink.target {
        for split in 0..sink.split_names.len().max(1) {
            for position in 0..sink.phases.names.len() {
                if let Some(&part) = parts.get(&(split, position)) {
                    let output = run.output_mut()?;
                    spools.drain(part, |bytes| output.write(bytes))?;
                }
            }
        }
        spilled = spools.spilled_bytes();
    }
    Ok(spilled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(crate::limits::parse_size("64M"), Ok(64 << 20));
        assert_eq!(crate::limits::parse_size("100"), Ok(100));
        assert_eq!(crate::limits::parse_size("1g"), Ok(1 << 30));
        assert!(crate::limits::parse_size("12X").is_err());
        assert!(crate::limits::parse_size("M").is_err());
    }

    #[test]
    fn static_order_puts_named_phases_first() {
        let defaults: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
        let (names, position) = static_order(&defaults, &["refusal".into()]).unwrap();
        assert_eq!(names, ["refusal", "extractive", "conversational"]);
        assert_eq!(position, [1, 2, 0]);
        assert!(static_order(&defaults, &["refusals".into()]).is_err());
        assert!(static_order(&defaults, &["refusal".into(), "refusal".into()]).is_err());
    }

    #[test]
    fn shard_orders_unite_in_shard_order_up_to_the_phase_limit() {
        let a = serde_json::json!(["refusal", "qa"]);
        let b = serde_json::json!(["conversational", "qa"]);
        let order = union_of_orders([("a", Some(&a)), ("b", Some(&b))]).unwrap();
        assert_eq!(order, ["refusal", "qa", "conversational"]);
        let bad = serde_json::json!(["qa", 1]);
        let why = union_of_orders([("a", Some(&a)), ("b", Some(&bad))]).unwrap_err();
        assert_eq!(why.to_string(), "b: a phase name that is not text");
        assert!(union_of_orders([("a", None)]).unwrap_err().to_string().contains("no phase order"));
        // Two shards of 200 phases each, 144 shared: 256 in all pass, 257 do not.
        let names = |r: std::ops::Range<usize>| {
            serde_json::json!(r.map(|i| format!("p{i}")).collect::<Vec<_>>())
        };
        let (first, fits, over) = (names(0..200), names(56..256), names(57..257));
        assert_eq!(union_of_orders([("a", Some(&first)), ("b", Some(&fits))]).unwrap().len(), 256);
        let why = union_of_orders([("a", Some(&first)), ("b", Some(&over))]).unwrap_err();
        assert!(
            why.to_string().starts_with("more than 256 phases (the next is \"p256\")"),
            "{why}"
        );
    }
}
