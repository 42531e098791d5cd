//! The end of a run: the summary lines, the --stats figures, the leak
//! report and, for --out-dir, the manifest and the commit.

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::exit::Outcome;
use crate::outdir::{FileSummary, OutDir};
use crate::path::FieldPath;
use crate::report::{percent, printable};
use crate::run::{Run, Verdict};

use super::classify::Reason;
use super::sink::{Sink, Target};
use super::split::{LeakReport, LeakTracker, Loc, Stratifier};
use super::{Cli, SHOWN_LEAKS, STATS_LEAKS, STATS_STRATA};
pub(super) use crate::report::share_json as ratio;

pub(super) fn records(n: u64) -> &'static str {
    if n == 1 { "record" } else { "records" }
}

/// The summary, --stats and the manifest; commits --out-dir.
///
/// The plan: the phases line and tables; the classifier; then, where they
/// apply, the splits, the stratification, the leakage check and records
/// without a context; then the --out-dir commit; the leaks go to standard
/// error last, and the run finishes (a leak fails the gate).
pub(super) fn report(
    cli: Cli,
    run: Run,
    sink: Sink,
    spilled: u64,
    merged: Option<MergedFrom>,
) -> Result<Outcome, Error> {
    let Sink {
        phases,
        split_names,
        target,
        matrix,
        reasons,
        from_chosen,
        stratifier,
        groups,
        leaks,
        ..
    } = sink;
    let written = run.counts().written;
    let cx =
        Context { cli: &cli, run: &run, names: &phases.names, split_names: &split_names, written };
    let per_phase: Vec<u64> =
        (0..cx.names.len()).map(|p| matrix.iter().map(|row| row[p]).sum()).collect();
    let mut out = phases_report(&cx, &per_phase);
    if let Some(merged) = merged {
        out.summary = format!("merged {} sets: {}", merged.sets, out.summary);
        out.extra.insert("shards".into(), merged.shards);
    }
    out.extra.insert("classifier".into(), classifier_json(&cli, &reasons, from_chosen));
    if from_chosen > 0 {
        out.line(format!(
            "{from_chosen} {} answered by chosen (preference records)",
            records(from_chosen)
        ));
    }
    let no_context = reasons[Reason::NoContext as usize];
    let mut failed = false;
    let mut gate_lines: Vec<String> = Vec::new();
    if !split_names.is_empty() {
        failed |= splits_report(&mut out, &cx, &matrix, &mut gate_lines);
    }
    if let (Some(stratifier), Some(field)) = (&stratifier, &cli.stratify) {
        stratify_report(&mut out, &cx, stratifier, field, groups.len());
    }
    let mut leak_lines: Vec<String> = Vec::new();
    if let (Some(leaks), Some(path)) = (&leaks, &cli.check_leakage) {
        failed = leakage_report(&mut out, &cx, leaks, path, &mut leak_lines);
    }
    if no_context > 0 {
        out.line(format!(
            "{no_context} {} without a context, so not extractive",
            records(no_context)
        ));
    }
    out.extra.insert("spilled_bytes".into(), json!(spilled));
    out.extra.insert("tagged".into(), json!(!cli.no_tag));
    if let Target::Dir { dir, labels, .. } = target {
        commit_dir(&mut out, &cx, dir, &labels, failed)?;
    }
    print_always(&leak_lines);
    // A failed --min-share says why even with --quiet, as a failed gate of
    // every tool does (the summary holds the same lines otherwise).
    if cli.common.quiet {
        print_always(&gate_lines);
    }
    let Report { summary, extra } = out;
    run.finish(&summary, extra, Verdict::gate_failed_if(failed))
}

/// A run that merged shard sets (--merge): how many, and each set's folder
/// and arguments, listed under `shards` in --stats and the manifest.
pub(super) struct MergedFrom {
    pub(super) sets: usize,
    pub(super) shards: Value,
}

/// What every part of the report reads.
struct Context<'a> {
    cli: &'a Cli,
    run: &'a Run,
    /// The phases, in output order.
    names: &'a [String],
    split_names: &'a [String],
    written: u64,
}

/// What the report builds: the summary text and the --stats figures.
struct Report {
    summary: String,
    extra: Map<String, Value>,
}

impl Report {
    /// Adds an indented line to the summary.
    fn line(&mut self, text: String) {
        self.summary.push_str("\nphase-split:   ");
        self.summary.push_str(&text);
    }
}

/// The first summary line, with the records per phase, and the phase order
/// and table.
fn phases_report(cx: &Context<'_>, per_phase: &[u64]) -> Report {
    let (names, written, run) = (cx.names, cx.written, cx.run);
    let phrase: Vec<String> = names
        .iter()
        .zip(per_phase)
        .map(|(name, &n)| format!("{} {n} ({})", printable(name), percent(n, written)))
        .collect();
    let summary = format!(
        "wrote {written} of {} records in {} phase{}: {}; {}",
        run.counts().records,
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if phrase.is_empty() { "none".to_string() } else { phrase.join(", ") },
        run.rejected_phrase()
    );
    let mut extra = Map::new();
    extra.insert("order".into(), json!(names));
    extra.insert(
        "phases".into(),
        Value::Array(
            names
                .iter()
                .zip(per_phase)
                .map(|(name, &n)| json!({"name": name, "records": n, "share": ratio(n, written)}))
                .collect(),
        ),
    );
    Report { summary, extra }
}

/// How phases were chosen: --phase-field, rules, or the built-in classifier
/// with why it chose each phase.
fn classifier_json(cli: &Cli, reasons: &[u64; 6], from_chosen: u64) -> Value {
    if cli.phase_field.is_some() {
        json!({"mode": "by", "field": cli.phase_field.as_ref().map(|p| p.as_str())})
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
            "answers_from_chosen": from_chosen,
        })
    }
}

/// A split's share below this part of its request is reported even
/// without --min-share.
pub(crate) const FAR_BELOW: f64 = 0.5;

/// A split's achieved share over its requested share (1 with no records or
/// no request): what --min-share compares. shard-merge recomputes it from
/// merged counts with this same function.
pub(crate) fn of_requested(records: u64, written: u64, requested: f64) -> f64 {
    if written == 0 || requested == 0.0 { 1.0 } else { records as f64 / written as f64 / requested }
}

/// The splits line, the split table and the phase × split matrix, and the
/// splits far below their requested shares. Returns whether --min-share
/// failed; its lines are also pushed onto `gate_lines`.
fn splits_report(
    out: &mut Report,
    cx: &Context<'_>,
    matrix: &[Vec<u64>],
    gate_lines: &mut Vec<String>,
) -> bool {
    let (cli, names, split_names, written) = (cx.cli, cx.names, cx.split_names, cx.written);
    let weights = cli.split.as_ref().map(|s| s.weights.clone()).unwrap_or_default();
    let per_split: Vec<u64> = matrix.iter().map(|row| row.iter().sum()).collect();
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
    out.line(format!("splits (seed {}{by}): {}", cli.seed, parts.join(", ")));
    let achieved: Vec<f64> =
        (0..split_names.len()).map(|s| of_requested(per_split[s], written, weights[s])).collect();
    let floor = cli.min_share.unwrap_or(FAR_BELOW);
    let below: Vec<usize> = (0..split_names.len()).filter(|&s| achieved[s] < floor).collect();
    let units = if cli.group.is_some() { "groups" } else { "records" };
    let verdict = match cli.min_share {
        Some(x) => format!(
            "below --min-share {x}: the run fails, and -o or --out-dir files are not written"
        ),
        None => "below half of it".to_string(),
    };
    let failed = cli.min_share.is_some() && !below.is_empty();
    for &s in &below {
        let line = format!(
            "split {} got {} of its requested {:.1}% ({verdict}); too few {units} for this share? (see --help on --min-share)",
            split_names[s],
            percent(per_split[s], written),
            weights[s] * 100.0,
        );
        if failed {
            gate_lines.push(line.clone());
        }
        out.line(line);
    }
    out.extra.insert(
        "min_share".into(),
        json!({
            "required": cli.min_share,
            "below": below.iter().map(|&s| &split_names[s]).collect::<Vec<_>>(),
            "failed": failed,
        }),
    );
    out.extra.insert("seed".into(), json!(cli.seed));
    out.extra.insert("group".into(), json!(cli.group.as_ref().map(|p| p.as_str())));
    out.extra.insert(
        "splits".into(),
        Value::Array(
            split_names
                .iter()
                .enumerate()
                .map(|(s, name)| {
                    json!({
                        "name": name,
                        "requested": crate::report::round6(weights[s]),
                        "records": per_split[s],
                        "share": ratio(per_split[s], written),
                        "of_requested": crate::report::round6(achieved[s]),
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
    out.extra.insert("matrix".into(), Value::Object(table));
    failed
}

/// The stratification line (largest deviation and its bound) and the strata.
fn stratify_report(
    out: &mut Report,
    cx: &Context<'_>,
    stratifier: &Stratifier,
    field: &FieldPath,
    groups: usize,
) {
    let (cli, split_names) = (cx.cli, cx.split_names);
    let bound = Stratifier::bound(split_names.len());
    let unit = if cli.group.is_some() { "groups" } else { "records" };
    let guarantee = if split_names.len() <= 3 {
        format!("guaranteed below {bound}")
    } else {
        format!("guaranteed below 1 above and {bound} below")
    };
    out.line(format!(
        "stratified by {field}: {} value{}; largest deviation from the exact share {:.2} {unit} ({guarantee})",
        stratifier.order.len(),
        if stratifier.order.len() == 1 { "" } else { "s" },
        // Truncated, not rounded: 0.9999 must not read as 1.00.
        (stratifier.max_deviation * 100.0).floor() / 100.0
    ));
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
            let counts: Map<String, Value> =
                split_names.iter().zip(&st.counts).map(|(s, &c)| (s.clone(), json!(c))).collect();
            json!({"value": name, "units": st.units, "splits": counts})
        })
        .collect();
    out.extra.insert(
        "stratify".into(),
        json!({
            "field": field.as_str(),
            "unit": unit,
            "strata": stratifier.order.len(),
            "groups": if cli.group.is_some() { json!(groups) } else { Value::Null },
            "max_deviation": (stratifier.max_deviation * 1e6).floor() / 1e6,
            "bound_above": 1.0,
            "bound_below": bound,
            "values": listed,
            "values_omitted": strata.len().saturating_sub(STATS_STRATA),
        }),
    );
}

/// The leakage check's lines and figures; the leaks described on standard
/// error go to `leak_lines`. Returns whether the check failed.
fn leakage_report(
    out: &mut Report,
    cx: &Context<'_>,
    leaks: &LeakTracker,
    path: &FieldPath,
    leak_lines: &mut Vec<String>,
) -> bool {
    let (run, split_names) = (cx.run, cx.split_names);
    let mut failed = false;
    let report = leaks.report(STATS_LEAKS);
    let where_ = |loc: &Loc| {
        format!("{}:{} ({})", run.source_name(loc.source), loc.line, split_names[loc.split])
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
    let never_seen = run.absent_fields().iter().any(|(flag, _)| flag == "--check-leakage");
    if never_seen {
        // A gate never passes on a field that was never there.
        failed = true;
        out.line(format!("leakage check on {path}: not checked, no record has it"));
    } else if report.values == 0 {
        out.line(format!("leakage check on {path}: no value in more than one split"));
    } else {
        failed = true;
        out.line(format!(
            "leakage: {} value{} of {path} in more than one split ({} records: {})",
            report.values,
            if report.values == 1 { "" } else { "s" },
            report.records,
            nonzero(&report.per_split)
        ));
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
        out.line(format!(
            "{} {} without {path} were not checked",
            leaks.missing,
            records(leaks.missing)
        ));
    }
    out.extra.insert("leakage".into(), leakage_json(cx, leaks, path, &report));
    failed
}

/// The leakage figures of --stats, with every example kept.
fn leakage_json(
    cx: &Context<'_>,
    leaks: &LeakTracker,
    path: &FieldPath,
    report: &LeakReport,
) -> Value {
    let (run, split_names) = (cx.run, cx.split_names);
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
    let totals: Map<String, Value> =
        split_names.iter().zip(&report.per_split).map(|(s, &n)| (s.clone(), json!(n))).collect();
    json!({
        "path": path.as_str(),
        "values": report.values,
        "records": report.records,
        "records_per_split": totals,
        "without_path": leaks.missing,
        "examples": examples,
    })
}

/// --out-dir: commits the files and the manifest, unless the run stopped
/// early or the check failed (then no file is written).
fn commit_dir(
    out: &mut Report,
    cx: &Context<'_>,
    dir: OutDir,
    labels: &[(Option<usize>, usize)],
    failed: bool,
) -> Result<(), Error> {
    let root = dir.root().display().to_string();
    out.extra.insert("out_dir".into(), json!(root));
    let summaries = dir.summaries();
    if cx.run.stopped_early() {
        drop(dir);
        // The counts above are what was read; none of it reached the folder.
        out.line(format!("stopped early: no file written to {root}"));
    } else if failed {
        // A failed gate commits no records; the summary and --stats say why.
        drop(dir);
        out.extra.insert("output_withheld".into(), json!(true));
        out.line(format!("no file written to {root}: the check failed"));
    } else {
        let manifest = manifest(out, cx, &summaries, labels);
        dir.commit(&Value::Object(manifest))?;
        out.line(format!("wrote {} files and manifest.json to {root}", summaries.len()));
    }
    Ok(())
}

/// manifest.json: the run, the figures of --stats it shares, and every file.
fn manifest(
    out: &Report,
    cx: &Context<'_>,
    summaries: &[FileSummary],
    labels: &[(Option<usize>, usize)],
) -> Map<String, Value> {
    let (run, names, split_names) = (cx.run, cx.names, cx.split_names);
    // Listed in output order: by split, then phase.
    let mut listed: Vec<(&FileSummary, &(Option<usize>, usize))> =
        summaries.iter().zip(labels).collect();
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
    // args_os: an argument that is not UTF-8 (a file name) must not panic.
    let args: Vec<String> =
        std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    manifest.insert("args".into(), json!(args));
    manifest.insert("seed".into(), json!(cx.cli.seed));
    manifest.insert("records".into(), json!(cx.written));
    // So the folder accounts for every input record: what was read,
    // and what is not in any file and why.
    manifest.insert("records_in".into(), json!(run.counts().records));
    manifest.insert("rejected".into(), run.counts().rejected.to_json());
    // The rest of the accounts, for a reader and for `phase-split --merge`:
    // blank lines, records looked up, and the fields no record held.
    manifest.insert("blank_lines".into(), json!(run.counts().blank));
    manifest.insert("looked_up".into(), json!(run.counts().looked_up));
    let absent: Vec<String> = run.absent_fields().into_iter().map(|(_, path)| path).collect();
    manifest.insert("absent_fields".into(), json!(absent));
    // Per watched field, the records that held it, and the sample of field
    // names: from these the merge decides absent fields as the whole run does.
    manifest.insert("fields_present".into(), json!(run.counts().present));
    manifest.insert("fields_seen".into(), run.fields_seen().to_json());
    for key in [
        "order",
        "phases",
        "splits",
        "matrix",
        "group",
        "classifier",
        "stratify",
        "tagged",
        "shards",
    ] {
        if let Some(value) = out.extra.get(key) {
            manifest.insert(key.into(), value.clone());
        }
    }
    manifest.insert("files".into(), Value::Array(files));
    manifest
}

/// Like bad records, leaks (and a failed gate) are reported even with --quiet.
fn print_always(lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let mut err = crate::progress::stderr();
    for l in lines {
        let _ = std::io::Write::write_all(&mut err, format!("phase-split: {l}\n").as_bytes());
    }
}

pub(super) fn file_json(file: &FileSummary, split: Option<&String>, phase: &str) -> Value {
    let mut value = file.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("split".into(), json!(split));
        map.insert("phase".into(), json!(phase));
    }
    value
}
