//! score-filter: keep the records whose score passes a threshold, cap them
//! reproducibly, and report retention.
//!
//! The curation step of teacher→student distillation ("filtered by score >=
//! 0.82: 359/379 samples remain", seed 004) and of LLM-judge filtering. A
//! score must be a JSON number: anything else is never compared silently but
//! handled by `--missing`. The `--max-samples` cap keeps the records with the
//! smallest seeded hash, so the choice does not depend on order or sharding.

mod manual;

use std::collections::HashMap;
use std::sync::Arc;

use clap::Parser;
use serde_json::{Map, Value, json};

use crate::cli::{self, Common, Missing, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::hash::{BottomK, Rank, Sampled};
use crate::input::{Inputs, Line};
use crate::json::{self, Kind, PathSet, Raw};
use crate::path::{self, FieldPath, ReadPlan};
use crate::pipeline::{self, Disposition, Done, Emit, Processor};
use crate::report::share_json as ratio;
use crate::report::{Counts, percent};
use crate::run::{Run, Verdict};

pub const DOC: ToolDoc = ToolDoc {
    name: "score-filter",
    examples: &[
        (
            "Keep teacher records scoring at least 0.82, at most 400 of them, reproducibly",
            "score-filter --min 0.82 --max-samples 400 --seed 42 teacher.jsonl > curated.jsonl",
        ),
        (
            "LLM-judge curation on a 1-5 scale; records without a usable rating kept aside",
            "score-filter --field rating --min 4 --rejects rejects.jsonl judged.jsonl -o kept.jsonl",
        ),
        (
            "Read scores written as strings, drop records without one, keep the report for CI",
            "score-filter --field rating --coerce --missing drop --min 4 --stats stats.json judged.jsonl > kept.jsonl",
        ),
        (
            "Cap every class at 100 records so a minority class is not crowded out",
            "score-filter --min 0.82 --by metadata.status --max-per 100 --group metadata.concept_id teacher.jsonl",
        ),
        (
            "Sample shards in parallel, then merge: the same set as one run over the whole file",
            "for s in shard-*.jsonl; do score-filter --max-samples 400 --seed 42 \"$s\" > \"kept-$s\"; done\n  cat kept-shard-*.jsonl | score-filter --max-samples 400 --seed 42 > sample.jsonl",
        ),
    ],
    sections: manual::SECTIONS,
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// Keep records whose score passes a threshold; cap them reproducibly
///
/// Reads JSONL records, keeps those whose score (a JSON number at --field)
/// lies within --min/--max, optionally caps them with a seeded, order-independent
/// sample, and writes the kept records unchanged, byte for byte, in input
/// order. A one-line summary with the retention goes to standard error.
#[derive(Parser, Debug)]
#[command(name = "score-filter", version)]
pub struct Cli {
    /// Keep records whose score is at least X (inclusive)
    #[arg(long, value_name = "X", value_parser = finite_f64, allow_negative_numbers = true, help_heading = "Selection")]
    pub min: Option<f64>,

    /// Keep records whose score is at most X (inclusive)
    #[arg(long, value_name = "X", value_parser = finite_f64, allow_negative_numbers = true, help_heading = "Selection")]
    pub max: Option<f64>,

    /// The score field (dotted path or JSON Pointer)
    #[arg(long, value_name = "PATH", default_value = "score", value_parser = path::single_field, help_heading = "Selection")]
    pub field: FieldPath,

    /// What to do with a record whose score is absent or not a number
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Missing::Reject, help_heading = "Selection")]
    pub missing: Missing,

    /// Read a string holding a number ("0.85") as that number
    #[arg(long, help_heading = "Selection")]
    pub coerce: bool,

    /// Keep at most N of the passing records: those with the smallest seeded hash
    ///
    /// Records passed through by --missing keep are passing records too and
    /// compete for the N places like the others; the output stays in input order.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Sampling")]
    pub max_samples: Option<u64>,

    /// Keep at most N passing records per value of --by
    #[arg(long, value_name = "N", requires = "by", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Sampling")]
    pub max_per: Option<u64>,

    /// Report counts and retention per value of PATH (e.g. status)
    ///
    /// Numbers are one class per value: 1, 1.0 and 1e0 are one class, shown
    /// as 1; the string "1" is another.
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Selection")]
    pub by: Option<FieldPath>,

    /// Seed of the hash that samples
    #[arg(long, value_name = "S", default_value_t = 42, help_heading = "Hashing")]
    pub seed: u64,

    /// Hash this field instead of the whole record, so records with one value are kept or dropped together (e.g. id)
    ///
    /// Formerly --key, which still works.
    #[arg(long, alias = "key", value_name = "PATH", value_parser = path::single_field, help_heading = "Hashing")]
    pub group: Option<FieldPath>,

    #[command(flatten)]
    pub common: Common,
}

fn finite_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{text}` is not a finite number")),
    }
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

/// Per-class tallies for --by.
#[derive(Debug, Default, Clone)]
struct ClassCounts {
    records: u64,
    passed: u64,
    filtered: u64,
    rejected: u64,
}

/// A record that passed and waits for the sampling decision.
struct Candidate {
    rank: Rank,
    index: u32,
    start: usize,
    end: usize,
    class: Option<String>,
}

#[derive(Default)]
struct Acc {
    classes: HashMap<String, ClassCounts>,
    candidates: Vec<Candidate>,
    missing: u64,
}

struct Filter {
    paths: PathSet,
    key_at: Option<usize>,
    by_at: Option<usize>,
    field: String,
    min: Option<f64>,
    max: Option<f64>,
    missing: Missing,
    coerce: bool,
    sampling: bool,
    seed: u64,
    below: String,
    above: String,
    key_name: String,
}

/// Why a record has no usable score: (category, message).
fn no_score(field: &str, raw: Option<Raw<'_>>, coerce: bool) -> (String, String) {
    let Some(raw) = raw else {
        return (format!("missing {field}"), format!("missing {field} (no `{field}` field)"));
    };
    let preview: String = raw.text().chars().take(40).collect();
    match raw.kind {
        Kind::String if coerce => (
            format!("{field} is a non-numeric string"),
            format!("{field} is a string that does not hold a finite number: {preview}"),
        ),
        Kind::String => (
            format!("{field} is a string"),
            format!(
                "{field} is a string, not a number: {preview} (--coerce reads numbers written as strings)"
            ),
        ),
        Kind::Number => (
            format!("{field} is not a finite number"),
            format!("{field} is out of range: {preview}"),
        ),
        kind => (
            format!("{field} is {}", kind.article()),
            format!("{field} is {}, not a number: {preview}", kind.article()),
        ),
    }
}

impl Filter {
    fn score(&self, raw: Option<Raw<'_>>) -> Option<f64> {
        let raw = raw?;
        match raw.kind {
            Kind::Number => raw.as_f64(),
            Kind::String if self.coerce => {
                raw.as_str()?.trim().parse::<f64>().ok().filter(|v| v.is_finite())
            }
            _ => None,
        }
    }
}

impl Processor for Filter {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let mut values: [Option<Raw<'_>>; 3] = [None; 3];
        if let Err(e) = json::scan_object(line.bytes, &self.paths, &mut |id, raw| {
            values[id].get_or_insert(raw);
        }) {
            return emit.reject_json(&e);
        }
        emit.found(crate::fields::mask(&values));
        // Numbers by value: `1`, `1.0` and `1e0` are one class (crate::number).
        let class = self.by_at.map(|at| crate::number::value_label(values[at].as_ref()));
        let disposition = self.decide(line, &values, class.as_ref(), emit, acc);
        if let Some(class) = class {
            let counts = acc.classes.entry(class).or_default();
            counts.records += 1;
            match disposition {
                Disposition::Written | Disposition::Held => counts.passed += 1,
                Disposition::Filtered => counts.filtered += 1,
                Disposition::Rejected => counts.rejected += 1,
            }
        }
        disposition
    }
}

impl Filter {
    fn decide(
        &self,
        line: &Line<'_>,
        values: &[Option<Raw<'_>>; 3],
        class: Option<&String>,
        emit: &mut Emit<'_>,
        acc: &mut Acc,
    ) -> Disposition {
        match self.score(values[0]) {
            None => {
                acc.missing += 1;
                let (category, message) = no_score(&self.field, values[0], self.coerce);
                match self.missing {
                    Missing::Reject => return emit.reject(&category, message),
                    Missing::Drop => return emit.filter(&category),
                    Missing::Keep => {}
                }
            }
            Some(v) if self.min.is_some_and(|min| v < min) => return emit.filter(&self.below),
            Some(v) if self.max.is_some_and(|max| v > max) => return emit.filter(&self.above),
            Some(_) => {}
        }
        if !self.sampling {
            return emit.pass();
        }
        let rank = match self.key_at {
            None => Rank::new(self.seed, line.bytes, line.bytes),
            Some(at) => match values[at] {
                // A string key hashes its decoded text; any other value its JSON text.
                Some(raw) => Rank::new(self.seed, raw.key_text().as_bytes(), line.bytes),
                None => {
                    let name = &self.key_name;
                    return emit.reject(
                        &format!("missing {name}"),
                        format!("missing {name}, the --group used for sampling"),
                    );
                }
            },
        };
        acc.candidates.push(Candidate {
            rank,
            index: line.index,
            start: line.start,
            end: line.start + line.bytes.len(),
            class: class.cloned(),
        });
        emit.hold()
    }
}

fn threshold_phrase(field: &str, min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min} <= {field} <= {max}"),
        (Some(min), None) => format!("{field} >= {min}"),
        (None, Some(max)) => format!("{field} <= {max}"),
        (None, None) => format!("a numeric {field}"),
    }
}

/// The plan: check the flags, open the inputs and the run, plan the scan;
/// run it, gathering every chunk's figures and sampling candidates; settle
/// the sample; summarise.
pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let sampling = check_flags(&cli)?;
    let inputs = Inputs::open(&cli.common.files)?;
    let mut run = Run::start("score-filter", &cli.common, &inputs, true)?;
    let filter = plan(&cli, &mut run, sampling);
    let mut gathered = Gathered::new(&cli);
    let settings = run.settings.clone();
    pipeline::run(inputs, &settings, Arc::new(filter), |done| {
        let flow = run.account(&done)?;
        if !sampling {
            run.write(&done, 0)?;
        }
        gathered.take(&done);
        Ok(flow)
    })?;
    let figures = settle(&cli, &mut run, gathered, sampling)?;
    summarise(&cli, run, figures, sampling)
}

/// Flag combinations clap cannot refuse; returns whether the run samples.
fn check_flags(cli: &Cli) -> Result<bool, Error> {
    if let (Some(min), Some(max)) = (cli.min, cli.max)
        && min > max
    {
        return Err(Error::Usage(format!(
            "--min {min} is greater than --max {max}: no record could pass"
        )));
    }
    let sampling = cli.max_samples.is_some() || cli.max_per.is_some();
    if cli.group.is_some() && !sampling {
        return Err(Error::Usage("--group only applies with --max-samples or --max-per".into()));
    }
    Ok(sampling)
}

/// The scan (slot 0 is the score; the others are found by the index
/// `named` gives) and the per-record filter.
fn plan(cli: &Cli, run: &mut Run, sampling: bool) -> Filter {
    let mut plan = ReadPlan::<()>::default();
    plan.named("--field", &cli.field, ());
    let key_at = cli.group.as_ref().map(|k| plan.named("--group", k, ()));
    let by_at = cli.by.as_ref().map(|b| plan.named("--by", b, ()));
    run.watch_fields(plan.watched());
    Filter {
        paths: plan.path_set(),
        key_at,
        by_at,
        below: cli.min.map(|m| format!("below {m}")).unwrap_or_default(),
        above: cli.max.map(|m| format!("above {m}")).unwrap_or_default(),
        key_name: cli.group.as_ref().map(|k| k.as_str().to_string()).unwrap_or_default(),
        field: cli.field.as_str().to_string(),
        min: cli.min,
        max: cli.max,
        missing: cli.missing,
        coerce: cli.coerce,
        sampling,
        seed: cli.seed,
    }
}

/// What the run gathers from the chunks, in input order: per-class counts,
/// records without a score, and the sampling candidates (one bottom-k heap
/// for --max-samples, or one per class for --max-per).
struct Gathered {
    classes: HashMap<String, ClassCounts>,
    missing: u64,
    global: BottomK<Option<String>>,
    per_class: HashMap<String, BottomK<Option<String>>>,
    candidates: u64,
    per: Option<usize>,
}

impl Gathered {
    fn new(cli: &Cli) -> Self {
        Gathered {
            classes: HashMap::new(),
            missing: 0,
            global: BottomK::new(
                cli.max_samples.unwrap_or(u64::MAX).min(usize::MAX as u64) as usize
            ),
            per_class: HashMap::new(),
            candidates: 0,
            per: cli.max_per.map(|n| n as usize),
        }
    }

    /// One processed chunk: its tallies, and its candidates offered to the heaps.
    fn take(&mut self, done: &Done<Acc>) {
        for (class, c) in &done.acc.classes {
            let into = self.classes.entry(class.clone()).or_default();
            into.records += c.records;
            into.passed += c.passed;
            into.filtered += c.filtered;
            into.rejected += c.rejected;
        }
        self.missing += done.acc.missing;
        let bytes = done.chunk.bytes();
        for c in &done.acc.candidates {
            self.candidates += 1;
            let heap = match self.per {
                Some(n) => self
                    .per_class
                    .entry(c.class.clone().unwrap_or_default())
                    .or_insert_with(|| BottomK::new(n)),
                None => &mut self.global,
            };
            if heap.admits(c.rank) {
                heap.offer(Sampled {
                    rank: c.rank,
                    record: bytes[c.start..c.end].to_vec(),
                    position: (done.chunk.source, done.line_number(c.index)),
                    tag: c.class.clone(),
                });
            }
        }
    }
}

/// The figures the summary reports once the sample is settled.
struct Figures {
    classes: HashMap<String, ClassCounts>,
    missing: u64,
    candidates: u64,
    over_per: u64,
    over_samples: u64,
}

/// Settles the held candidates (when sampling): chooses them, writes the
/// chosen in input order, counts the others as capped, and recounts the
/// records kept per class.
fn settle(cli: &Cli, run: &mut Run, gathered: Gathered, sampling: bool) -> Result<Figures, Error> {
    let Gathered { classes, missing, global, per_class, candidates, per } = gathered;
    let mut figures = Figures { classes, missing, candidates, over_per: 0, over_samples: 0 };
    if !sampling {
        return Ok(figures);
    }
    let chosen = choose(cli, global, per_class, per, &mut figures);
    let output = run.output_mut()?;
    for item in &chosen {
        output.write_slices(&[&item.record, b"\n"])?;
    }
    // The held candidates are now decided: written or capped.
    let per = format!("over --max-per {}", cli.max_per.unwrap_or(0));
    let samples = format!("over --max-samples {}", cli.max_samples.unwrap_or(0));
    run.decide_held(
        chosen.len() as u64,
        &[(&per, figures.over_per), (&samples, figures.over_samples)],
    )?;
    for class in figures.classes.values_mut() {
        class.passed = 0;
    }
    for item in &chosen {
        if let Some(class) = &item.tag {
            figures.classes.entry(class.clone()).or_default().passed += 1;
        }
    }
    Ok(figures)
}

/// The sampling decisions: per class first, then the global cap. Returns
/// the chosen candidates in input order, with the capped counts in `figures`.
fn choose(
    cli: &Cli,
    mut global: BottomK<Option<String>>,
    mut per_class: HashMap<String, BottomK<Option<String>>>,
    per: Option<usize>,
    figures: &mut Figures,
) -> Vec<Sampled<Option<String>>> {
    let candidates = figures.candidates;
    let mut chosen = if per.is_some() {
        let mut union: Vec<Sampled<Option<String>>> = Vec::new();
        let mut class_names: Vec<String> = per_class.keys().cloned().collect();
        class_names.sort();
        for name in class_names {
            union.extend(per_class.remove(&name).map(BottomK::into_vec).unwrap_or_default());
        }
        figures.over_per = candidates - union.len() as u64;
        if cli.max_samples.is_some() {
            let before = union.len() as u64;
            for item in union {
                global.offer(item);
            }
            let kept = global.into_vec();
            figures.over_samples = before - kept.len() as u64;
            kept
        } else {
            union
        }
    } else {
        let kept = global.into_vec();
        figures.over_samples = candidates - kept.len() as u64;
        kept
    };
    chosen.sort_by_key(|item| item.position);
    chosen
}

/// The summary line (and one line per class) and the --stats figures.
fn summarise(cli: &Cli, run: Run, figures: Figures, sampling: bool) -> Result<Outcome, Error> {
    let counts = run.counts();
    let kept = counts.written;
    let mut summary = format!(
        "kept {kept} of {} ({}) with {}; {}; {}{}",
        counts.records,
        percent(kept, counts.records),
        threshold_phrase(cli.field.as_str(), cli.min, cli.max),
        filtered_phrase(counts),
        missing_phrase(cli.missing, figures.missing),
        run.rejected_phrase()
    );
    let class_json = class_report(cli, &figures.classes, &mut summary);
    let extra = stats(cli, counts, &figures, class_json, sampling);
    run.finish(&summary, extra, Verdict::Pass)
}

/// "filtered 20 below 0.82", or the total and each reason.
fn filtered_phrase(counts: &Counts) -> String {
    let filtered = counts.filtered.total();
    match counts.filtered.sorted().as_slice() {
        [] => "filtered 0".to_string(),
        [(reason, n)] => format!("filtered {n} {reason}"),
        list => {
            let parts: Vec<String> = list.iter().map(|(r, n)| format!("{n} {r}")).collect();
            format!("filtered {filtered} ({})", parts.join(", "))
        }
    }
}

/// Each record is said once: rejected and dropped records without a score
/// are already in the rejected and filtered counts, by reason.
fn missing_phrase(policy: Missing, missing: u64) -> String {
    match policy {
        _ if missing == 0 => "0 missing; ".to_string(),
        Missing::Keep => format!("{missing} missing (kept); "),
        Missing::Reject | Missing::Drop => String::new(),
    }
}

/// One summary line per --by class, most records first; returns the
/// classes' --stats table.
fn class_report(
    cli: &Cli,
    classes: &HashMap<String, ClassCounts>,
    summary: &mut String,
) -> Map<String, Value> {
    let mut class_list: Vec<(&String, &ClassCounts)> = classes.iter().collect();
    class_list.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
    let by_name = cli.by.as_ref().map(|b| b.as_str().to_string()).unwrap_or_default();
    let mut class_json = Map::new();
    for (name, c) in &class_list {
        summary.push_str(&format!(
            "\nscore-filter:   {by_name}={}: kept {} of {} ({})",
            // A record's value: never raw control bytes on a terminal.
            crate::report::printable(name),
            c.passed,
            c.records,
            percent(c.passed, c.records)
        ));
        class_json.insert(
            (*name).clone(),
            json!({
                "in": c.records,
                "kept": c.passed,
                "filtered": c.records - c.passed - c.rejected,
                "rejected": c.rejected,
                "retention": ratio(c.passed, c.records),
            }),
        );
    }
    class_json
}

/// The tool's own --stats figures.
fn stats(
    cli: &Cli,
    counts: &Counts,
    figures: &Figures,
    class_json: Map<String, Value>,
    sampling: bool,
) -> Map<String, Value> {
    let kept = counts.written;
    let policy = match cli.missing {
        Missing::Reject => "rejected",
        Missing::Drop => "dropped",
        Missing::Keep => "kept",
    };
    let mut extra = Map::new();
    extra.insert("field".into(), json!(cli.field.as_str()));
    extra.insert("min".into(), json!(cli.min));
    extra.insert("max".into(), json!(cli.max));
    extra.insert("kept".into(), json!(kept));
    extra.insert("retention".into(), json!(ratio(kept, counts.records)));
    extra.insert(
        "missing".into(),
        json!({"count": figures.missing, "policy": policy, "coerce": cli.coerce}),
    );
    extra.insert(
        "sampling".into(),
        if sampling {
            json!({
                "max_samples": cli.max_samples,
                "max_per": cli.max_per,
                "seed": cli.seed,
                "key": cli.group.as_ref().map(|k| k.as_str()),
                "candidates": figures.candidates,
                "over_max_per": figures.over_per,
                "over_max_samples": figures.over_samples,
            })
        } else {
            Value::Null
        },
    );
    if cli.by.is_some() {
        let by_name = cli.by.as_ref().map(|b| b.as_str().to_string()).unwrap_or_default();
        extra.insert("by".into(), json!({"field": by_name, "classes": class_json}));
    }
    extra
}
