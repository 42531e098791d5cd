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
mod record;
mod sink;
mod split;
mod summary;

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
    ],
    sections: &[
        (
            "Phases",
            "By default every record is classified from its answer and its context into extractive,
conversational or refusal, output in this order:

  refusal         is_impossible is true, answerable is false, or the answer matches a refusal pattern
  extractive      the answer has at most --max-extractive-words words (default 30) and occurs
                  verbatim in the context after case and whitespace normalization
  conversational  any other answer

The answer is --answer PATH, or by default the first of output, response and completion that is
present and not null, or else the content of the last assistant message in messages (a string, or
the text parts of a content array). The context is --context PATH, or by default the first of input
and prompt, or else the user messages joined by newlines. A string counts as its decoded text, a
number as its JSON text. An answer or context that is a list of messages (TRL's conversational
prompt and completion) counts as its last assistant message or its user messages. A record with no
answer (absent, null or only whitespace) or an answer that is a bool, object or other array is a
bad record. A record with no context cannot be extractive.
is_impossible and answerable are read at the top level and only as JSON booleans.

Normalization for the extractive test lowercases every character (Unicode lowercase) and turns every
run of Unicode whitespace (spaces, tabs, newlines, no-break spaces…) into one space, trimming both
ends. Nothing else is folded: accents, punctuation and quotes must match. Words are counted as
whitespace-separated runs. An answer found only in the question part of an \"input\" field still
counts, since the context is the whole field.

Refusal patterns are regular expressions (Rust regex syntax) matched case-insensitively anywhere in
the answer, after its whitespace runs become one space and typographic apostrophes (’ ‘ ʼ ＇ ` ´)
become '. The built-in patterns are ASCII-only: they fold the case of ASCII letters only, and
their \\b (word boundary) and \\W count every non-ASCII character as a non-letter. The built-in
list, one pattern per entry (a long one continues on an indented line, joined by a space):

  \\bnot (?:found|mentioned|stated|given|specified|provided|included|present|available|covered|addressed)
      in (?:the )?(?:provided |given |above |supplied )?(?:context|text|passage|document|information|source)
  \\bi (?:couldn'?t|could not|can'?t|cannot|can not|was unable to|am unable to|wasn'?t able to|was not able to|am not able to)
      (?:find|locate|determine|identify)\\b
  \\bi'm (?:unable|not able) to (?:find|locate|determine|identify)\\b
  \\bi (?:don'?t|do not) have (?:enough |sufficient |any |the |that )?(?:information|data|details|context|knowledge)\\b
  \\bthe (?:provided |given |above )?(?:context|text|passage|document|information) (?:doesn'?t|does not|didn'?t|did not)
      (?:mention|say|contain|include|specify|state|provide|give|cover|address|discuss|describe|indicate)\\b
  \\bthere (?:is|'s|are) no (?:information|mention|details?|data|answer|reference)s?
      (?:about|on|of|for|regarding|in|to)\\b
  \\b(?:cannot|can'?t|can not|could not|couldn'?t) be (?:answered|determined|found|inferred)\\b
  \\bnot enough (?:information|context)\\b
  ^(?:unanswerable|not answerable|no answer|n/?a)\\W*$

--refusal-pattern REGEX adds a pattern (also case-insensitive; write (?-i) to turn that off);
--no-default-refusals drops the built-ins. A refusal phrased some other way (\"That isn't in the
passage.\") is conversational unless a pattern matches it.

--phase-field PATH uses the value at PATH as the phase name instead (a string's text, any other value's JSON
text; missing, null or empty is a bad record); phases come in order of first appearance.

--phase NAME=PATH~REGEX rules replace the classifier: the first rule whose REGEX matches a value at
PATH (a string's decoded text, any other value's JSON text; with a * in PATH, any value) gives the
phase; --phase NAME alone matches every record, as a last catch-all rule (anywhere but last it is
an error: the rules after it could never apply). A record no rule matches is a bad record. Phases
come in the order their names first appear among the rules. In a JSON Pointer PATH, ~0 and ~1 are
escapes, so the REGEX starts at the first other ~.

--order a,b,c puts those phases first, in that order; phases not named follow in their default
order. With the built-in classifier or rules, naming an unknown phase is an error. At most 256
phases.",
        ),
        (
            "Output",
            "Standard output (or -o FILE) receives the curriculum: every record of the first phase, then the
second, and so on; records of a phase keep their input order. With --split, all phases of the first
split come first, then those of the second, and so on. Each record gets \"phase\": \"NAME\" (and with
--split \"split\": \"NAME\") appended, or replaced in place where the key exists; every other byte of
the record is kept. --no-tag writes records unchanged.

The first phase is written as it is read. Later phases are held in memory up to --spill-after bytes
in all (default 32M), then in unnamed temporary files in --temp-dir (default: $TMPDIR or /tmp), and
are copied out in order at the end, so memory stays bounded whatever the input size.

--out-dir DIR writes one file per phase, N-NAME.jsonl with N the phase's 1-based position (with
--split, one folder per split: train/1-extractive.jsonl, …), plus manifest.json: the tool and
version, the arguments, the seed, the records read (records_in), written (records) and rejected (by
reason), the phase order, records and share per phase and per split, the requested split shares, and for each file its path, split, phase, records, bytes and XXH3-64
checksum (seed 0, 16 lowercase hex digits). Every file is written to a temporary file beside it and
renamed into place only when the run completes, the manifest last; a run that fails (or stops at
--fail-fast) leaves no file. Files are written for every known phase even when empty. Characters of
a phase name other than letters, digits, - _ . and non-ASCII letters are written %XX in file names.
A folder that holds anything is refused unless --force: the run then replaces the files it writes,
removes the files the folder's previous manifest.json listed and this run did not write (so the
folder never mixes two runs), and leaves every other file alone. --compress gz|zst writes every
file compressed (1-extractive.jsonl.zst, atomically like the others); the manifest's records, bytes
and checksum then describe the decompressed content.",
        ),
        (
            "Splits",
            "--split NAME=WEIGHT,… assigns each record to a split: bucket(xxh3_64(seed, key)), where the hash
is read as a number in [0, 1) and the buckets are the weights in the order given. Whole numbers are
relative weights (train=8,val=1,test=1 is train=0.8,val=0.1,test=0.1); weights with a fractional
part are fractions and must add up to 1 (train=0.8,val=0.1,test=0.2 is refused as a likely typo).
The key is the record's bytes, or with --group PATH the group value (a string's text, any other
value's JSON text; a record without it, or with null, is a bad record), so every record of a group
lands in the same split. A record's split depends on nothing else: it does not change
when records are appended, when the input is sharded, or with the thread count. Split names may use
letters, digits, _ - and . and name folders under --out-dir (so not manifest.json, and not two names
that differ only in case).

--stratify FIELD keeps every value of FIELD at its requested shares in each split. The unit is a
record, or with --group a whole group (a group's stratum is that of its first record). Each unit is
proposed the split its hash picks. Within the unit's stratum, with n units so far and c(s) of them
in split s of weight w(s), let d(s) = w(s)(n+1) - c(s). The proposal is taken if d > 0 for it and
d < 1 for every other split; otherwise the unit goes to the split with the largest d (the first on
a tie).

Guarantee: at every point of the input, every split's count in every stratum is within one unit of
its exact share, |c(s) - w(s)n| < 1, with two or three splits; with k splits it is never one unit
or more above its share and never k - 1 or more below. The summary reports the largest deviation
reached (truncated, not rounded). A record without FIELD is in the stratum (missing). The price:
assignment now depends on the records before it, so it is still stable when records are appended,
but no longer shard-invariant; memory grows with the number of strata (and with --group, of
groups).

--check-leakage PATH reports values at PATH (e.g. the prompt) found in records of more than one
split: how many values and records, records per split, and the first 20 with the line of a record
in each of two splits (reported even with --quiet). Values compare by their decoded text (exactly,
no normalization); records without PATH are counted and skipped. Memory grows with the number of
distinct values. Any leak (or a PATH no record has) makes the exit status 1 and is a failed gate: \
the records are not committed (no -o file, no file in --out-dir; records already streamed to \
standard output stay written), while the summary and --stats that explain the failure are.",
        ),
        (
            "Summary",
            "One line on standard error with the records per phase and their shares, then, where they
apply, lines for the splits (records, achieved and requested shares), the stratification (largest
deviation and its guaranteed bound), the leakage check, records without a context, and the files
written. On SQuAD 2.0 (dev, converted to input/output records) with --split
train=0.8,val=0.1,test=0.1 --stratify title:

  phase-split: wrote 6078 of 6078 records in 3 phases: extractive 2910 (47.9%), conversational 0 (0.0%), refusal 3168 (52.1%); 0 rejected
  phase-split:   splits (seed 42): train 4864 (80.0%; asked 80.0%), val 609 (10.0%; asked 10.0%), test 605 (10.0%; asked 10.0%)
  phase-split:   stratified by title: 16 values; largest deviation from the exact share 0.90 records (guaranteed below 1)

--stats FILE adds the phase and split tables, the phase × split matrix, why the classifier chose
each phase (flagged unanswerable, refusal pattern, short answer found in context, answer too long,
answer not found in context, no context), the stratification and leakage reports, and the bytes
spilled to temporary files.",
        ),
    ],
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Most phases a run may have.
const MAX_PHASES: usize = 256;
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
    /// The answer field [default: output, response, completion, or the last assistant message]
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Phases")]
    pub answer: Option<FieldPath>,

    /// The context field [default: input, prompt, or the user messages]
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

    /// Seed of the hash that splits
    #[arg(long, value_name = "S", default_value_t = 42, help_heading = "Hashing")]
    pub seed: u64,

    /// Hash this field instead of the whole record, so records with one value (a group) never straddle splits
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Hashing")]
    pub group: Option<FieldPath>,

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
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_size, help_heading = "Performance")]
    pub spill_after: u64,

    /// Folder for spilled temporary files [default: $TMPDIR or /tmp]
    #[arg(long, value_name = "DIR", help_heading = "Performance")]
    pub temp_dir: Option<PathBuf>,
}

/// Parses a size: bytes, or a number with K, M or G (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("`{text}` is not a size (write e.g. 65536, 64K, 64M or 1G)")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is not a size (write e.g. 65536, 64K, 64M or 1G)"))
}

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

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let splits = cli.split.clone();
    let split_names: Vec<String> = splits.as_ref().map(|s| s.names.clone()).unwrap_or_default();
    let weights: Vec<f64> = splits.as_ref().map(|s| s.weights.clone()).unwrap_or_default();

    // The scan: one path list, each path with its role.
    let mut reads = ReadPlan::default();
    let named = |text: &str| text.parse::<FieldPath>().map_err(Error::Usage);
    let mut rule_slots: Vec<usize> = Vec::new();
    let (mode, defaults, answer_from_messages, context_from_messages) = if let Some(by) =
        &cli.phase_field
    {
        reads.named("--phase-field", by, Role::By);
        (Mode::By, Vec::new(), false, false)
    } else if !cli.phase_rules.is_empty() {
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
        (Mode::Rules(cli.phase_rules.clone()), names, false, false)
    } else {
        match &cli.answer {
            Some(p) => {
                reads.read(p.clone(), Role::Answer);
            }
            None => {
                for name in ["output", "response", "completion"] {
                    reads.read(named(name)?, Role::Answer);
                }
            }
        }
        match &cli.context {
            Some(p) => {
                reads.read(p.clone(), Role::Context);
            }
            None => {
                for name in ["input", "prompt"] {
                    reads.read(named(name)?, Role::Context);
                }
            }
        }
        if cli.answer.is_none() || cli.context.is_none() {
            reads.read(named("messages.*")?, Role::Messages);
        }
        reads.read(named("is_impossible")?, Role::Impossible);
        reads.read(named("answerable")?, Role::Answerable);
        let refusals = classify::Refusals::new(!cli.no_default_refusals, &cli.refusal_patterns)
            .map_err(Error::Usage)?;
        let builtin = Builtin { max_words: cli.max_extractive_words, refusals };
        let defaults = BUILTIN.iter().map(|s| s.to_string()).collect();
        (Mode::Builtin(builtin), defaults, cli.answer.is_none(), cli.context.is_none())
    };
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
        reads.read(named("/phase")?, Role::TagKey);
        if cli.split.is_some() {
            reads.read(named("/split")?, Role::TagKey);
        }
    }

    // Phase order.
    let by = matches!(mode, Mode::By);
    let (names, position) = if by {
        for (i, name) in cli.order.iter().enumerate() {
            classify::check_phase_name(name).map_err(|e| Error::Usage(format!("--order: {e}")))?;
            if cli.order[..i].contains(name) {
                return Err(Error::Usage(format!("--order names {name:?} twice")));
            }
        }
        if cli.order.len() > MAX_PHASES {
            return Err(Error::Usage(format!("--order names more than {MAX_PHASES} phases")));
        }
        (cli.order.clone(), Vec::new())
    } else {
        static_order(&defaults, &cli.order)?
    };

    let inputs = Inputs::open(&cli.common.files)?;
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
    let mut run = Run::start("phase-split", &cli.common, &inputs, cli.out_dir.is_none())?;

    let phases = Phases::new(&names);
    let split_json: Vec<Vec<u8>> =
        split_names.iter().map(|n| json::quote(n).into_bytes()).collect();
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
    run.watch_fields(reads.watched());
    let splitter = Splitter {
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
        ]),
        rule_position: rule_slots
            .iter()
            .map(|&slot| position.get(slot).copied().unwrap_or(0))
            .collect(),
        path_names: reads.paths().iter().map(|p| p.as_str().to_string()).collect(),
        position,
        phase_json: phases.json.clone(),
        split_json: split_json.clone(),
        weights: weights.clone(),
        seed: cli.seed,
        stratified: cli.stratify.is_some(),
        tag: !cli.no_tag,
    };
    let mut sink = Sink {
        matrix: vec![vec![0; phases.names.len()]; split_names.len().max(1)],
        phases,
        split_names: split_names.clone(),
        split_json,
        target,
        reasons: [0; 6],
        stratifier: cli.stratify.as_ref().map(|_| Stratifier::new(&weights)),
        groups: HashMap::new(),
        leaks: cli.check_leakage.as_ref().map(|_| LeakTracker::new(split_names.len())),
        tag: !cli.no_tag,
        by,
        buf: Vec::new(),
    };
    for p in 0..sink.phases.names.len() {
        sink.open_files(p)?;
    }

    let settings = run.settings.clone();
    pipeline::run(inputs, &settings, Arc::new(splitter), |done| {
        let flow = run.account(&done)?;
        sink.take(&mut run, &done)?;
        Ok(flow)
    })?;

    // Stdout: the held-back phases, in order.
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

    report(cli, run, sink, spilled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn the_man_page_lists_every_built_in_refusal_pattern() {
        let phases = DOC.sections[0].1.replace("\n      ", " ");
        for pattern in classify::DEFAULT_REFUSALS {
            assert!(phases.contains(&format!("\n  {pattern}\n")), "{pattern}");
        }
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
}
