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
mod split;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, Parsed, ToolDoc};
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::hash;
use crate::input::{Inputs, Line};
use crate::json::{self, PathSet, Raw};
use crate::outdir::{FileSummary, OutDir};
use crate::path::{self, FieldPath};
use crate::pipeline::{self, Disposition, Done, Emit, Processor};
use crate::report::percent;
use crate::run::Run;
use crate::spool::Spools;

use classify::{BUILTIN, Builtin, Reason, Rule, Scratch};
use split::{LeakTracker, Loc, SplitSpec, Stratifier};

pub const DOC: ToolDoc = ToolDoc {
    name: "phase-split",
    examples: &[
        (
            "Seed 003's curriculum: extractive, then conversational, then refusal records, tagged",
            "phase-split qa.jsonl > curriculum.jsonl",
        ),
        (
            "One file per phase and split, personas held out of training, with a manifest",
            "phase-split --split train=0.8,val=0.1,test=0.1 --group persona_id --seed 7 --out-dir phases/ labeled.jsonl",
        ),
        (
            "The suite's pipeline: migrate, curate, then split into phases",
            "cat teacher.jsonl | fmt-migrate --to supervised | score-filter --min 0.82 --max-samples 400 --seed 42 \\\n    | phase-split --out-dir phases/",
        ),
        (
            "Keep every tier's share equal across splits and prove no prompt is in two of them",
            "phase-split --split train=0.9,test=0.1 --stratify metadata.tier --check-leakage input --out-dir splits/ data.jsonl",
        ),
        (
            "Explicit rules instead of the built-in classifier, refusals first",
            "phase-split --phase 'refusal=output~(?i)not found|couldn.t find' --phase 'short=output~^\\S+$' --phase rest --order short,rest,refusal data.jsonl",
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
number as its JSON text. A record with no answer (absent, null or only whitespace) or an answer that
is a bool, array or object is a bad record. A record with no context cannot be extractive.
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

--by FIELD uses the value of FIELD as the phase name instead (a string's text, any other value's JSON
text; missing, null or empty is a bad record); phases come in order of first appearance.

--phase NAME=PATH~REGEX rules replace the classifier: the first rule whose REGEX matches a value at
PATH (a string's decoded text, any other value's JSON text; with a * in PATH, any value) gives the
phase; --phase NAME alone matches every record, as a last catch-all rule. A record no rule matches
is a bad record. Phases come in the order their names first appear among the rules. In a JSON
Pointer PATH, ~0 and ~1 are escapes, so the REGEX starts at the first other ~.

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
version, the arguments, the seed, the phase order, records and share per phase and per split, the
requested split shares, and for each file its path, split, phase, records, bytes and XXH3-64
checksum (seed 0, 16 lowercase hex digits). Every file is written to a temporary file beside it and
renamed into place only when the run completes, the manifest last; a run that fails (or stops at
--fail-fast) leaves no file. Files are written for every known phase even when empty. Characters of
a phase name other than letters, digits, - _ . and non-ASCII letters are written %XX in file names.
A folder that holds anything is refused unless --force, which overwrites the files this run writes
and leaves others alone.",
        ),
        (
            "Splits",
            "--split NAME=WEIGHT,… assigns each record to a split: bucket(xxh3_64(seed, key)), where the hash
is read as a number in [0, 1) and the buckets are the weights in the order given (weights are
relative: 8,1,1 is 0.8,0.1,0.1). The key is the record's bytes, or with --group PATH the group value
(a string's text, any other value's JSON text; a record without it is a bad record), so every record
of a group lands in the same split. A record's split depends on nothing else: it does not change
when records are appended, when the input is sharded, or with the thread count. Split names may use
letters, digits, _ - and . and name folders under --out-dir.

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
distinct values. Any leak makes the exit status 1; outputs are still written.",
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

    /// Use the value of FIELD as the phase name instead of classifying
    #[arg(long, value_name = "FIELD", value_parser = path::single_field, help_heading = "Phases",
          conflicts_with_all = ["phase_rules", "answer", "context", "refusal_patterns", "no_default_refusals", "max_extractive_words"])]
    pub by: Option<FieldPath>,

    /// Rule NAME=PATH~REGEX (or NAME for every record); the first match wins
    ///
    /// Rules replace the built-in classifier. Repeat --phase for each rule; they
    /// are tried in the order given.
    #[arg(long = "phase", value_name = "RULE", value_parser = classify::parse_rule, help_heading = "Phases",
          conflicts_with_all = ["answer", "context", "refusal_patterns", "no_default_refusals", "max_extractive_words"])]
    pub phase_rules: Vec<Rule>,

    /// Phase order, comma-separated; unnamed phases follow
    #[arg(long, value_name = "LIST", value_delimiter = ',', help_heading = "Phases")]
    pub order: Vec<String>,

    /// Split records, e.g. train=0.8,val=0.1,test=0.1 (relative weights)
    #[arg(long, value_name = "SPEC", value_parser = split::parse_split, help_heading = "Splits")]
    pub split: Option<SplitSpec>,

    /// Seed of the split hash
    #[arg(long, value_name = "S", default_value_t = 42, help_heading = "Splits")]
    pub seed: u64,

    /// Hash this field instead of the record, so a group never straddles splits
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Splits")]
    pub group: Option<FieldPath>,

    /// Keep each value of FIELD close to the requested shares in every split
    #[arg(long, value_name = "FIELD", value_parser = path::single_field, requires = "split", help_heading = "Splits")]
    pub stratify: Option<FieldPath>,

    /// Report values at PATH found in more than one split; exit 1 if any
    #[arg(long, value_name = "PATH", value_parser = path::single_field, requires = "split", help_heading = "Splits")]
    pub check_leakage: Option<FieldPath>,

    /// Write one file per phase (and split) under DIR, with manifest.json
    #[arg(long, value_name = "DIR", conflicts_with = "output", help_heading = "Output")]
    pub out_dir: Option<PathBuf>,

    /// Write into a non-empty --out-dir, overwriting the files this run writes
    #[arg(long, requires = "out_dir", help_heading = "Output")]
    pub force: bool,

    /// Do not append "phase" and "split" to the records
    #[arg(long, help_heading = "Output")]
    pub no_tag: bool,

    /// Hold up to SIZE of later phases in memory before spilling to disk (e.g. 512K, 32M, 1G)
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_size, help_heading = "Performance")]
    pub spill_after: u64,

    /// Folder for spilled temporary files [default: $TMPDIR or /tmp]
    #[arg(long, value_name = "DIR", help_heading = "Performance")]
    pub temp_dir: Option<PathBuf>,

    #[command(flatten)]
    pub common: Common,
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
    exit::run("phase-split", || match cli::parse::<Cli>(&DOC)? {
        Parsed::Generated => Ok(Outcome::Clean),
        Parsed::Run(cli) => Ok(execute(cli)?),
    })
}

/// What a path of the scan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Answer,
    Context,
    Messages,
    Impossible,
    Answerable,
    By,
    Rule(usize),
    Group,
    Stratum,
    Leak,
    /// A top-level "phase" or "split" key, which tagging replaces in place.
    TagKey,
}

/// How records get their phase.
enum Mode {
    Builtin(Builtin),
    By,
    Rules(Vec<Rule>),
}

/// The per-record work, run on the workers.
struct Splitter {
    paths: PathSet,
    roles: Vec<Role>,
    mode: Mode,
    /// Fallback answer/context from messages (no explicit --answer/--context).
    answer_from_messages: bool,
    context_from_messages: bool,
    answer_name: String,
    by_name: String,
    group_name: String,
    message_paths: PathSet,
    /// The built-in classifier: default phase → position in the output order.
    position: Vec<usize>,
    /// Rules: rule → position of its phase.
    rule_position: Vec<usize>,
    /// Each scanned path as the user wrote it, by path id.
    path_names: Vec<String>,
    /// JSON text of each phase name, by position (static modes).
    phase_json: Vec<Vec<u8>>,
    split_json: Vec<Vec<u8>>,
    weights: Vec<f64>,
    seed: u64,
    stratified: bool,
    tag: bool,
}

/// A record held for the sequential --stratify decision.
struct Held {
    index: u32,
    start: usize,
    end: usize,
    slot: u16,
    proposal: u8,
    group: Option<u128>,
    stratum: u32,
    leak: Option<u128>,
    tag_keys: bool,
}

#[derive(Default)]
struct Acc {
    /// --by: the chunk's phase names, by slot.
    names: Vec<String>,
    names_json: Vec<Vec<u8>>,
    /// A --by value beyond the phase limit.
    too_many: Option<String>,
    /// Records per destination (slot × splits + split).
    counts: Vec<u64>,
    reasons: [u64; 6],
    /// Leakage keys of records already placed: (line index, key, split).
    leaks: Vec<(u32, u128, u8)>,
    leak_missing: u64,
    held: Vec<Held>,
    strata: Vec<String>,
    strata_index: HashMap<String, u32>,
    texts: Texts,
    scratch: Scratch,
}

/// A record's answer and context, decoded.
#[derive(Default)]
struct Texts {
    answer: String,
    context: String,
}

/// Values found in one record.
struct Found<'a> {
    first: Vec<Option<Raw<'a>>>,
    messages: Vec<Raw<'a>>,
    rule: usize,
    tag_keys: bool,
}

impl Splitter {
    fn scan<'a>(&self, line: &'a [u8]) -> Result<Found<'a>, json::JsonError> {
        let mut found = Found {
            first: vec![None; self.roles.len()],
            messages: Vec::new(),
            rule: usize::MAX,
            tag_keys: false,
        };
        let rules = match &self.mode {
            Mode::Rules(rules) => rules.as_slice(),
            _ => &[],
        };
        json::scan_object(line, &self.paths, &mut |id, raw| match self.roles[id] {
            Role::Messages => found.messages.push(raw),
            Role::TagKey => found.tag_keys = true,
            Role::Rule(i) => {
                if i < found.rule
                    && let Some((_, regex)) = &rules[i].condition
                    && classify::rule_matches(regex, raw)
                {
                    found.rule = i;
                }
            }
            _ => {
                found.first[id].get_or_insert(raw);
            }
        })?;
        Ok(found)
    }

    fn value<'a>(&self, found: &Found<'a>, role: Role) -> Option<Raw<'a>> {
        self.roles.iter().position(|r| *r == role).and_then(|id| found.first[id])
    }

    /// The built-in classifier's answer, context and verdict. The answer
    /// and context are decoded into `texts`, reused from record to record.
    fn builtin(
        &self,
        builtin: &Builtin,
        found: &Found<'_>,
        texts: &mut Texts,
        scratch: &mut Scratch,
    ) -> Result<Reason, classify::Bad> {
        let mut answer_name: Option<&str> = None;
        let mut has_context = false;
        for (id, role) in self.roles.iter().enumerate() {
            let Some(raw) = found.first[id] else { continue };
            match role {
                // A null answer is no answer: the next candidate may have one.
                Role::Answer
                    if answer_name.is_none()
                        && classify::check_answer(raw, &self.path_names[id])? =>
                {
                    raw.key_text_into(&mut texts.answer);
                    answer_name = Some(&self.path_names[id]);
                }
                Role::Context if !has_context && !raw.is_null() => {
                    raw.key_text_into(&mut texts.context);
                    has_context = true;
                }
                _ => {}
            }
        }
        let need_answer = answer_name.is_none() && self.answer_from_messages;
        let need_context = !has_context && self.context_from_messages;
        if need_answer || need_context {
            let mut users: Vec<Cow<'_, str>> = Vec::new();
            let mut last_assistant: Option<Cow<'_, str>> = None;
            for message in &found.messages {
                let mut role: Option<Raw<'_>> = None;
                let mut content: Option<Raw<'_>> = None;
                let mut parts: Vec<Cow<'_, str>> = Vec::new();
                if json::scan_object(message.bytes, &self.message_paths, &mut |id, raw| match id {
                    0 => role = role.or(Some(raw)),
                    1 => content = content.or(Some(raw)),
                    _ => {
                        if let Some(text) = raw.as_str() {
                            parts.push(text);
                        }
                    }
                })
                .is_err()
                {
                    continue;
                }
                let text = match content {
                    Some(raw) if raw.kind == json::Kind::String => raw.as_str(),
                    Some(raw) if raw.kind == json::Kind::Array && !parts.is_empty() => {
                        Some(Cow::Owned(parts.join("")))
                    }
                    _ => None,
                };
                let (Some(role), Some(text)) = (role.and_then(|r| r.as_str()), text) else {
                    continue;
                };
                match role.as_ref() {
                    "assistant" => last_assistant = Some(text),
                    "user" => users.push(text),
                    _ => {}
                }
            }
            if need_answer && let Some(text) = last_assistant {
                texts.answer.clear();
                texts.answer.push_str(&text);
                answer_name = Some("the last assistant message");
            }
            if need_context && !users.is_empty() {
                texts.context.clear();
                texts.context.push_str(&users.join("\n"));
                has_context = true;
            }
        }
        let Some(answer_name) = answer_name else {
            let message = if self.answer_from_messages {
                "no answer: none of output, response, completion or an assistant message with text (use --answer PATH to name the field)".to_string()
            } else {
                format!("no answer: {} is missing or null", self.answer_name)
            };
            return Err(("no answer".into(), message));
        };
        if texts.answer.trim().is_empty() {
            return Err(("empty answer".into(), format!("the answer ({answer_name}) is empty")));
        }
        let flag = |role| self.value(found, role).and_then(|raw| raw.as_bool());
        let flagged = flag(Role::Impossible) == Some(true) || flag(Role::Answerable) == Some(false);
        let context = if has_context { Some(texts.context.as_str()) } else { None };
        Ok(builtin.classify(&texts.answer, context, flagged, scratch))
    }

    /// The record's phase slot (its output position in static modes, a
    /// chunk-local slot with --by), or why it is a bad record.
    fn phase(&self, found: &Found<'_>, acc: &mut Acc) -> Result<Option<usize>, classify::Bad> {
        match &self.mode {
            Mode::Builtin(builtin) => {
                let reason = self.builtin(builtin, found, &mut acc.texts, &mut acc.scratch)?;
                acc.reasons[reason as usize] += 1;
                Ok(Some(self.position[reason.phase()]))
            }
            Mode::Rules(rules) => {
                let first_catch_all = rules.iter().position(|r| r.condition.is_none());
                match (found.rule, first_catch_all) {
                    (i, Some(c)) if c < i => Ok(Some(self.rule_position[c])),
                    (usize::MAX, None) => Err((
                        "no --phase rule matched".into(),
                        "no --phase rule matched this record (add a last catch-all rule, e.g. --phase other)".into(),
                    )),
                    (i, _) => Ok(Some(self.rule_position[i])),
                }
            }
            Mode::By => {
                let name = match self.value(found, Role::By) {
                    Some(raw) if !raw.is_null() => raw.key_text(),
                    _ => {
                        let name = &self.by_name;
                        return Err((
                            format!("missing {name}"),
                            format!("missing {name}, the --by phase field"),
                        ));
                    }
                };
                if name.is_empty() {
                    let name = &self.by_name;
                    return Err((
                        format!("empty {name}"),
                        format!("{name} is empty: no phase name"),
                    ));
                }
                if let Some(slot) = acc.names.iter().position(|n| *n == name) {
                    return Ok(Some(slot));
                }
                if acc.names.len() >= MAX_PHASES {
                    acc.too_many.get_or_insert_with(|| name.into_owned());
                    return Ok(None);
                }
                acc.names_json.push(json::quote(&name).into_bytes());
                acc.names.push(name.into_owned());
                Ok(Some(acc.names.len() - 1))
            }
        }
    }

    fn phase_json<'s>(&'s self, acc: &'s Acc, slot: usize) -> &'s [u8] {
        match self.mode {
            Mode::By => &acc.names_json[slot],
            _ => &self.phase_json[slot],
        }
    }
}

/// Appends `line` tagged with its phase (and split) to `buf`. `has_keys`:
/// whether the record already has a top-level "phase" or "split".
fn tag_into(line: &[u8], phase: &[u8], split: Option<&[u8]>, has_keys: bool, buf: &mut Vec<u8>) {
    let start = buf.len();
    let fields: [(&str, &[u8]); 2] = [("phase", phase), ("split", split.unwrap_or_default())];
    let fields = &fields[..if split.is_some() { 2 } else { 1 }];
    let tagged = if has_keys {
        json::set_fields(line, fields, buf)
    } else {
        json::append_fields(line, fields, buf)
    };
    // The line was validated by the scan, so this cannot fail; if it ever
    // did, the record is still written, untagged.
    if tagged.is_err() {
        buf.truncate(start);
        buf.extend_from_slice(line);
    }
}

impl Processor for Splitter {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let found = match self.scan(line.bytes) {
            Ok(found) => found,
            Err(e) => return emit.reject_json(&e),
        };
        let slot = match self.phase(&found, acc) {
            Ok(Some(slot)) => slot,
            Ok(None) => return emit.hold(),
            Err((category, message)) => return emit.reject(&category, message),
        };
        let group = self.value(&found, Role::Group);
        if self.roles.contains(&Role::Group) && group.is_none() {
            let name = &self.group_name;
            return emit.reject(
                &format!("missing {name}"),
                format!("missing {name}, the --group of the split"),
            );
        }
        let group_text = group.map(|raw| raw.key_text());
        let key: &[u8] = group_text.as_deref().map_or(line.bytes, str::as_bytes);
        let splits = self.split_json.len().max(1);
        let proposal = if self.split_json.is_empty() {
            0
        } else {
            hash::bucket(self.seed, key, &self.weights)
        };
        let leak = if self.roles.contains(&Role::Leak) {
            match self.value(&found, Role::Leak) {
                Some(raw) => Some(hash::hash128(0, raw.key_text().as_bytes())),
                None => {
                    acc.leak_missing += 1;
                    None
                }
            }
        } else {
            None
        };
        if self.stratified {
            let stratum = self
                .value(&found, Role::Stratum)
                .map_or(Cow::Borrowed(MISSING_STRATUM), |raw| raw.key_text());
            let stratum = match acc.strata_index.get(stratum.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = acc.strata.len() as u32;
                    acc.strata.push(stratum.to_string());
                    acc.strata_index.insert(stratum.into_owned(), id);
                    id
                }
            };
            acc.held.push(Held {
                index: line.index,
                start: line.start,
                end: line.start + line.bytes.len(),
                slot: slot as u16,
                proposal: proposal as u8,
                group: group_text.map(|g| hash::hash128(self.seed, g.as_bytes())),
                stratum,
                leak,
                tag_keys: found.tag_keys,
            });
            return emit.hold();
        }
        if let Some(key) = leak {
            acc.leaks.push((line.index, key, proposal as u8));
        }
        let dest = slot * splits + proposal;
        if acc.counts.len() <= dest {
            acc.counts.resize(dest + 1, 0);
        }
        acc.counts[dest] += 1;
        let dest = dest as u16;
        if !self.tag {
            return emit.pass_to(dest);
        }
        let phase = self.phase_json(acc, slot);
        let split = self.split_json.get(proposal).map(Vec::as_slice);
        let has_keys = found.tag_keys;
        emit.write_with(dest, |buf| tag_into(line.bytes, phase, split, has_keys, buf))
    }
}

/// The phases of the run, by output position.
struct Phases {
    names: Vec<String>,
    json: Vec<Vec<u8>>,
    index: HashMap<String, usize>,
}

impl Phases {
    fn new(names: &[String]) -> Self {
        let mut phases = Phases { names: Vec::new(), json: Vec::new(), index: HashMap::new() };
        for name in names {
            phases.push(name);
        }
        phases
    }

    fn push(&mut self, name: &str) -> usize {
        self.names.push(name.to_string());
        self.json.push(json::quote(name).into_bytes());
        self.index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }
}

/// A phase name as a file name: letters, digits, `-`, `_`, `.` and non-ASCII
/// letters as they are, every other byte as %XX.
fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | '.')
            || (!c.is_ascii() && c.is_alphanumeric())
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Where the records go.
enum Target {
    /// Standard output or -o: the first phase of the first split streams,
    /// the rest waits in spools.
    Stream { spools: Spools, parts: HashMap<(usize, usize), usize> },
    /// --out-dir: one file per (split, phase).
    Dir { dir: OutDir, files: HashMap<(usize, usize), usize>, labels: Vec<(Option<usize>, usize)> },
}

/// The sink's state: phases, targets, tallies, split decisions.
struct Sink {
    phases: Phases,
    split_names: Vec<String>,
    split_json: Vec<Vec<u8>>,
    target: Target,
    /// Records per [split][phase position].
    matrix: Vec<Vec<u64>>,
    reasons: [u64; 6],
    stratifier: Option<Stratifier>,
    groups: HashMap<u128, usize>,
    leaks: Option<LeakTracker>,
    tag: bool,
    by: bool,
    buf: Vec<u8>,
}

impl Sink {
    fn splits(&self) -> usize {
        self.split_names.len().max(1)
    }

    /// Registers a new phase and creates its files under --out-dir.
    fn add_phase(&mut self, name: &str) -> Result<usize, Error> {
        if self.phases.names.len() >= MAX_PHASES {
            return Err(Error::Usage(format!(
                "more than {MAX_PHASES} phases (the next is {name:?}); is the --by field the right one?"
            )));
        }
        let position = self.phases.push(name);
        for row in &mut self.matrix {
            row.push(0);
        }
        self.open_files(position)?;
        Ok(position)
    }

    fn open_files(&mut self, position: usize) -> Result<(), Error> {
        let Target::Dir { dir, files, labels } = &mut self.target else {
            return Ok(());
        };
        let stem = format!("{}-{}.jsonl", position + 1, file_stem(&self.phases.names[position]));
        if self.split_names.is_empty() {
            files.insert((0, position), dir.add(&stem)?);
            labels.push((None, position));
        } else {
            for (s, split) in self.split_names.iter().enumerate() {
                files.insert((s, position), dir.add(&format!("{split}/{stem}"))?);
                labels.push((Some(s), position));
            }
        }
        Ok(())
    }

    /// Chunk slots → output positions.
    /// Static modes: workers already emit positions.
    fn positions(&mut self, acc: &Acc) -> Result<Vec<usize>, Error> {
        if let Some(name) = &acc.too_many {
            return Err(Error::Usage(format!(
                "more than {MAX_PHASES} phases (the next is {name:?}); is the --by field the right one?"
            )));
        }
        if !self.by {
            return Ok((0..self.phases.names.len()).collect());
        }
        let mut out = Vec::with_capacity(acc.names.len());
        for name in &acc.names {
            let position = match self.phases.index.get(name) {
                Some(&p) => p,
                None => self.add_phase(name)?,
            };
            out.push(position);
        }
        Ok(out)
    }

    fn write(
        &mut self,
        run: &mut Run,
        split: usize,
        position: usize,
        slices: &[&[u8]],
    ) -> Result<(), Error> {
        match &mut self.target {
            Target::Stream { spools, parts } => {
                if split == 0 && position == 0 {
                    return run.output_mut()?.write_slices(slices);
                }
                let part = *parts.entry((split, position)).or_insert_with(|| spools.add());
                spools.append_slices(part, slices)
            }
            Target::Dir { dir, files, .. } => {
                let Some(&id) = files.get(&(split, position)) else {
                    return Err(Error::Usage(format!(
                        "internal error: no output file for split {split}, phase {position}"
                    )));
                };
                for slice in slices {
                    dir.write(id, slice)?;
                }
                Ok(())
            }
        }
    }

    /// Takes a processed chunk: writes what the workers placed, decides and
    /// writes what they held for --stratify, and tallies.
    fn take(&mut self, run: &mut Run, done: &Done<Acc>) -> Result<(), Error> {
        let positions = self.positions(&done.acc)?;
        let splits = self.splits();
        for (r, n) in self.reasons.iter_mut().zip(&done.acc.reasons) {
            *r += n;
        }
        for dest in done.destinations() {
            let (slot, split) = (dest as usize / splits, dest as usize % splits);
            let position = positions[slot];
            let slices: Vec<&[u8]> = done.slices(dest).collect();
            self.write(run, split, position, &slices)?;
        }
        for (dest, &n) in done.acc.counts.iter().enumerate() {
            if n > 0 {
                self.matrix[dest % splits][positions[dest / splits]] += n;
            }
        }
        if let Some(leaks) = &mut self.leaks {
            leaks.missing += done.acc.leak_missing;
            for &(index, key, split) in &done.acc.leaks {
                let at = Loc {
                    source: done.chunk.source,
                    line: done.line_number(index),
                    split: split as usize,
                };
                leaks.add(key, at);
            }
        }
        if done.acc.held.is_empty() {
            return Ok(());
        }
        let bytes = done.chunk.bytes();
        let mut buf = std::mem::take(&mut self.buf);
        for held in &done.acc.held {
            let stratum = &done.acc.strata[held.stratum as usize];
            let Some(stratifier) = &mut self.stratifier else { break };
            let proposal = held.proposal as usize;
            let split = match held.group {
                Some(group) => *self
                    .groups
                    .entry(group)
                    .or_insert_with(|| stratifier.assign(stratum, proposal)),
                None => stratifier.assign(stratum, proposal),
            };
            let position = positions[held.slot as usize];
            let line = &bytes[held.start..held.end];
            buf.clear();
            if self.tag {
                let phase = &self.phases.json[position];
                let split_json = self.split_json.get(split).map(Vec::as_slice);
                tag_into(line, phase, split_json, held.tag_keys, &mut buf);
            } else {
                buf.extend_from_slice(line);
            }
            buf.push(b'\n');
            self.write(run, split, position, &[&buf])?;
            self.matrix[split][position] += 1;
            if let (Some(leaks), Some(key)) = (&mut self.leaks, held.leak) {
                let at =
                    Loc { source: done.chunk.source, line: done.line_number(held.index), split };
                leaks.add(key, at);
            }
        }
        self.buf = buf;
        let decided = done.acc.held.len() as u64;
        run.counts.held -= decided;
        run.counts.written += decided;
        run.counts.lines_out += decided;
        Ok(())
    }
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

fn records(n: u64) -> &'static str {
    if n == 1 { "record" } else { "records" }
}

fn ratio(part: u64, whole: u64) -> Value {
    if whole == 0 { Value::Null } else { json!(((part as f64 / whole as f64) * 1e6).round() / 1e6) }
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let splits = cli.split.clone();
    let split_names: Vec<String> = splits.as_ref().map(|s| s.names.clone()).unwrap_or_default();
    let weights: Vec<f64> = splits.as_ref().map(|s| s.weights.clone()).unwrap_or_default();

    // The scan: one path list, each path with its role.
    let mut list: Vec<FieldPath> = Vec::new();
    let mut roles: Vec<Role> = Vec::new();
    fn add(list: &mut Vec<FieldPath>, roles: &mut Vec<Role>, path: FieldPath, role: Role) {
        list.push(path);
        roles.push(role);
    }
    let named = |text: &str| text.parse::<FieldPath>().map_err(Error::Usage);
    let mut rule_slots: Vec<usize> = Vec::new();
    let (mode, defaults, answer_from_messages, context_from_messages) = if let Some(by) = &cli.by {
        add(&mut list, &mut roles, by.clone(), Role::By);
        (Mode::By, Vec::new(), false, false)
    } else if !cli.phase_rules.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for (i, rule) in cli.phase_rules.iter().enumerate() {
            if let Some((path, _)) = &rule.condition {
                add(&mut list, &mut roles, path.clone(), Role::Rule(i));
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
            Some(p) => add(&mut list, &mut roles, p.clone(), Role::Answer),
            None => {
                for name in ["output", "response", "completion"] {
                    add(&mut list, &mut roles, named(name)?, Role::Answer);
                }
            }
        }
        match &cli.context {
            Some(p) => add(&mut list, &mut roles, p.clone(), Role::Context),
            None => {
                for name in ["input", "prompt"] {
                    add(&mut list, &mut roles, named(name)?, Role::Context);
                }
            }
        }
        if cli.answer.is_none() || cli.context.is_none() {
            add(&mut list, &mut roles, named("messages.*")?, Role::Messages);
        }
        add(&mut list, &mut roles, named("is_impossible")?, Role::Impossible);
        add(&mut list, &mut roles, named("answerable")?, Role::Answerable);
        let refusals = classify::Refusals::new(!cli.no_default_refusals, &cli.refusal_patterns)
            .map_err(Error::Usage)?;
        let builtin = Builtin { max_words: cli.max_extractive_words, refusals };
        let defaults = BUILTIN.iter().map(|s| s.to_string()).collect();
        (Mode::Builtin(builtin), defaults, cli.answer.is_none(), cli.context.is_none())
    };
    for (path, role) in [
        (&cli.group, Role::Group),
        (&cli.stratify, Role::Stratum),
        (&cli.check_leakage, Role::Leak),
    ] {
        if let Some(path) = path {
            add(&mut list, &mut roles, path.clone(), role);
        }
    }
    if !cli.no_tag {
        add(&mut list, &mut roles, named("/phase")?, Role::TagKey);
        if cli.split.is_some() {
            add(&mut list, &mut roles, named("/split")?, Role::TagKey);
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
            dir: OutDir::create(dir, cli.force)?,
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
    let splitter = Splitter {
        paths: FieldPath::set(&list),
        roles,
        mode,
        answer_from_messages,
        context_from_messages,
        answer_name: name_of(&cli.answer),
        by_name: name_of(&cli.by),
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
        path_names: list.iter().map(|p| p.as_str().to_string()).collect(),
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

/// The summary, --stats and the manifest; commits --out-dir.
fn report(cli: Cli, run: Run, sink: Sink, spilled: u64) -> Result<Outcome, Error> {
    let Sink { phases, split_names, target, matrix, reasons, stratifier, groups, leaks, .. } = sink;
    let written = run.counts.written;
    let names = &phases.names;
    let per_phase: Vec<u64> =
        (0..names.len()).map(|p| matrix.iter().map(|row| row[p]).sum()).collect();
    let per_split: Vec<u64> = matrix.iter().map(|row| row.iter().sum()).collect();
    let phrase: Vec<String> = names
        .iter()
        .zip(&per_phase)
        .map(|(name, &n)| format!("{name} {n} ({})", percent(n, written)))
        .collect();
    let mut summary = format!(
        "wrote {written} of {} records in {} phase{}: {}; {}",
        run.counts.records,
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if phrase.is_empty() { "none".to_string() } else { phrase.join(", ") },
        run.rejected_phrase()
    );
    let line = |summary: &mut String, text: String| {
        summary.push_str("\nphase-split:   ");
        summary.push_str(&text);
    };
    let weights = cli.split.as_ref().map(|s| s.weights.clone()).unwrap_or_default();
    let mut extra = Map::new();
    extra.insert("order".into(), json!(names));
    extra.insert(
        "phases".into(),
        Value::Array(
            names
                .iter()
                .zip(&per_phase)
                .map(|(name, &n)| json!({"name": name, "records": n, "share": ratio(n, written)}))
                .collect(),
        ),
    );
    let classifier = if cli.by.is_some() {
        json!({"mode": "by", "field": cli.by.as_ref().map(|p| p.as_str())})
    } else if !cli.phase_rules.is_empty() {
        json!({"mode": "rules", "rules": cli.phase_rules.len()})
    } else {
        let mut why = Map::new();
        for reason in Reason::ALL {
            why.insert(reason.label().into(), json!(reasons[reason as usize]));
        }
        json!({
            "mode": "builtin",
            "answer": cli.answer.as_ref().map(|p| p.as_str()),
            "context": cli.context.as_ref().map(|p| p.as_str()),
            "max_extractive_words": cli.max_extractive_words,
            "default_refusals": !cli.no_default_refusals,
            "refusal_patterns": cli.refusal_patterns,
            "reasons": why,
        })
    };
    extra.insert("classifier".into(), classifier);
    let no_context = reasons[Reason::NoContext as usize];
    let mut failed = false;

    if !split_names.is_empty() {
        let parts: Vec<String> = split_names
            .iter()
            .enumerate()
            .map(|(s, name)| {
                format!(
                    "{name} {} ({}; asked {:.1}%)",
                    per_split[s],
                    percent(per_split[s], written),
                    weights[s] * 100.0
                )
            })
            .collect();
        let by = match &cli.group {
            Some(g) => format!(", by {g}"),
            None => String::new(),
        };
        line(&mut summary, format!("splits (seed {}{by}): {}", cli.seed, parts.join(", ")));
        extra.insert("seed".into(), json!(cli.seed));
        extra.insert("group".into(), json!(cli.group.as_ref().map(|p| p.as_str())));
        extra.insert(
            "splits".into(),
            Value::Array(
                split_names
                    .iter()
                    .enumerate()
                    .map(|(s, name)| {
                        json!({
                            "name": name,
                            "requested": (weights[s] * 1e6).round() / 1e6,
                            "records": per_split[s],
                            "share": ratio(per_split[s], written),
                        })
                    })
                    .collect(),
            ),
        );
        let mut table = Map::new();
        for (s, name) in split_names.iter().enumerate() {
            let mut row = Map::new();
            for (p, phase) in names.iter().enumerate() {
                row.insert(phase.clone(), json!(matrix[s][p]));
            }
            table.insert(name.clone(), Value::Object(row));
        }
        extra.insert("matrix".into(), Value::Object(table));
    }

    if let (Some(stratifier), Some(field)) = (&stratifier, &cli.stratify) {
        let bound = Stratifier::bound(split_names.len());
        let unit = if cli.group.is_some() { "groups" } else { "records" };
        let guarantee = if split_names.len() <= 3 {
            format!("guaranteed below {bound}")
        } else {
            format!("guaranteed below 1 above and {bound} below")
        };
        line(
            &mut summary,
            format!(
                "stratified by {field}: {} value{}; largest deviation from the exact share {:.2} {unit} ({guarantee})",
                stratifier.order.len(),
                if stratifier.order.len() == 1 { "" } else { "s" },
                // Truncated, not rounded: 0.9999 must not read as 1.00.
                (stratifier.max_deviation * 100.0).floor() / 100.0
            ),
        );
        let mut strata: Vec<&String> = stratifier.order.iter().collect();
        strata.sort_by(|a, b| {
            let (na, nb) = (stratifier.strata[*a].units, stratifier.strata[*b].units);
            nb.cmp(&na).then(a.cmp(b))
        });
        let listed: Vec<Value> = strata
            .iter()
            .take(STATS_STRATA)
            .map(|name| {
                let st = &stratifier.strata[*name];
                let counts: Map<String, Value> = split_names
                    .iter()
                    .zip(&st.counts)
                    .map(|(s, &c)| (s.clone(), json!(c)))
                    .collect();
                json!({"value": name, "units": st.units, "splits": counts})
            })
            .collect();
        extra.insert(
            "stratify".into(),
            json!({
                "field": field.as_str(),
                "unit": unit,
                "strata": stratifier.order.len(),
                "groups": if cli.group.is_some() { json!(groups.len()) } else { Value::Null },
                "max_deviation": (stratifier.max_deviation * 1e6).floor() / 1e6,
                "bound_above": 1.0,
                "bound_below": bound,
                "values": listed,
                "values_omitted": strata.len().saturating_sub(STATS_STRATA),
            }),
        );
    }

    let mut leak_lines: Vec<String> = Vec::new();
    if let (Some(leaks), Some(path)) = (&leaks, &cli.check_leakage) {
        let report = leaks.report(STATS_LEAKS);
        let where_ = |at: &Loc| {
            format!("{}:{} ({})", run.source_name(at.source), at.line, split_names[at.split])
        };
        // "train 3, val 1": the splits with records.
        let nonzero = |counts: &[u64]| -> String {
            let parts: Vec<String> = split_names
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{s} {n}"))
                .collect();
            parts.join(", ")
        };
        if report.values == 0 {
            line(&mut summary, format!("leakage check on {path}: no value in more than one split"));
        } else {
            failed = true;
            line(
                &mut summary,
                format!(
                    "leakage: {} value{} of {path} in more than one split ({} records: {})",
                    report.values,
                    if report.values == 1 { "" } else { "s" },
                    report.records,
                    nonzero(&report.per_split)
                ),
            );
            for leak in report.examples.iter().take(SHOWN_LEAKS) {
                leak_lines.push(format!(
                    "leak: {path} of {} is also at {}; records: {}",
                    where_(&leak.first),
                    where_(&leak.other),
                    nonzero(&leak.counts)
                ));
            }
            if report.values as usize > SHOWN_LEAKS {
                leak_lines.push(format!(
                    "leak: … and {} more (see --stats)",
                    report.values as usize - SHOWN_LEAKS
                ));
            }
        }
        if leaks.missing > 0 {
            line(
                &mut summary,
                format!("{} records without {path} were not checked", leaks.missing),
            );
        }
        let examples: Vec<Value> = report
            .examples
            .iter()
            .map(|leak| {
                let counts: Map<String, Value> = split_names
                    .iter()
                    .zip(&leak.counts)
                    .map(|(s, &c)| (s.clone(), json!(c)))
                    .collect();
                json!({
                    "first": {"file": run.source_name(leak.first.source).to_string(), "line": leak.first.line, "split": split_names[leak.first.split]},
                    "also": {"file": run.source_name(leak.other.source).to_string(), "line": leak.other.line, "split": split_names[leak.other.split]},
                    "records": counts,
                })
            })
            .collect();
        let totals: Map<String, Value> = split_names
            .iter()
            .zip(&report.per_split)
            .map(|(s, &n)| (s.clone(), json!(n)))
            .collect();
        extra.insert(
            "leakage".into(),
            json!({
                "path": path.as_str(),
                "values": report.values,
                "records": report.records,
                "records_per_split": totals,
                "without_path": leaks.missing,
                "examples": examples,
            }),
        );
    }
    if no_context > 0 {
        line(
            &mut summary,
            format!("{no_context} {} without a context, so not extractive", records(no_context)),
        );
    }
    extra.insert("spilled_bytes".into(), json!(spilled));
    extra.insert("tagged".into(), json!(!cli.no_tag));

    if let Target::Dir { dir, labels, .. } = target {
        let root = dir.root().display().to_string();
        extra.insert("out_dir".into(), json!(root));
        let summaries = dir.summaries();
        if run.stopped_early() {
            drop(dir);
        } else {
            // Listed in output order: by split, then phase.
            let mut listed: Vec<(&FileSummary, &(Option<usize>, usize))> =
                summaries.iter().zip(&labels).collect();
            listed.sort_by_key(|(_, label)| **label);
            let files: Vec<Value> = listed
                .iter()
                .map(|(file, (split, phase))| {
                    file_json(file, split.map(|s| &split_names[s]), &names[*phase])
                })
                .collect();
            let mut manifest = Map::new();
            manifest.insert("tool".into(), json!("phase-split"));
            manifest.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
            manifest.insert("args".into(), json!(std::env::args().skip(1).collect::<Vec<_>>()));
            manifest.insert("seed".into(), json!(cli.seed));
            manifest.insert("records".into(), json!(written));
            for key in
                ["order", "phases", "splits", "matrix", "group", "classifier", "stratify", "tagged"]
            {
                if let Some(value) = extra.get(key) {
                    manifest.insert(key.into(), value.clone());
                }
            }
            manifest.insert("files".into(), Value::Array(files));
            dir.commit(&Value::Object(manifest))?;
            line(
                &mut summary,
                format!("wrote {} files and manifest.json to {root}", summaries.len()),
            );
        }
    }
    if !leak_lines.is_empty() {
        // Like bad records, leaks are reported even with --quiet.
        let mut err = std::io::stderr().lock();
        for l in &leak_lines {
            let _ = std::io::Write::write_all(&mut err, format!("phase-split: {l}\n").as_bytes());
        }
    }
    run.finish(&summary, extra, failed)
}

fn file_json(file: &FileSummary, split: Option<&String>, phase: &str) -> Value {
    let mut value = file.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("split".into(), json!(split));
        map.insert("phase".into(), json!(phase));
    }
    value
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
    fn file_stems_are_safe() {
        assert_eq!(file_stem("extractive"), "extractive");
        assert_eq!(file_stem("a/b c"), "a%2Fb%20c");
        assert_eq!(file_stem("réponse"), "réponse");
        assert_eq!(file_stem(".."), "..");
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
