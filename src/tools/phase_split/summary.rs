//! The end of a run: the summary lines, the --stats figures, the leak
//! report and, for --out-dir, the manifest and the commit.

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::exit::Outcome;
use crate::outdir::FileSummary;
use crate::report::percent;
use crate::run::{Run, Verdict};

use super::classify::Reason;
use super::sink::{Sink, Target};
use super::split::{Loc, Stratifier};
use super::{Cli, SHOWN_LEAKS, STATS_LEAKS, STATS_STRATA};
pub(super) use crate::report::share_json as ratio;

pub(super) fn records(n: u64) -> &'static str {
    if n == 1 { "record" } else { "records" }
}

/// The summary, --stats and the manifest; commits --out-dir.
pub(super) fn report(cli: Cli, run: Run, sink: Sink, spilled: u64) -> Result<Outcome, Error> {
    let Sink { phases, split_names, target, matrix, reasons, stratifier, groups, leaks, .. } = sink;
    let written = run.counts().written;
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
        run.counts().records,
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
    let classifier = if cli.phase_field.is_some() {
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
                            "requested": crate::report::round6(weights[s]),
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
        let never_seen = run.absent_fields().iter().any(|(flag, _)| flag == "--check-leakage");
        if never_seen {
            // A gate never passes on a field that was never there.
            failed = true;
            line(&mut summary, format!("leakage check on {path}: not checked, no record has it"));
        } else if report.values == 0 {
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
                format!(
                    "{} {} without {path} were not checked",
                    leaks.missing,
                    records(leaks.missing)
                ),
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
            // The counts above are what was read; none of it reached the folder.
            line(&mut summary, format!("stopped early: no file written to {root}"));
        } else if failed {
            // A failed gate commits no records; the summary and --stats say why.
            drop(dir);
            extra.insert("output_withheld".into(), json!(true));
            line(&mut summary, format!("no file written to {root}: the check failed"));
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
            // args_os: an argument that is not UTF-8 (a file name) must not panic.
            let args: Vec<String> =
                std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            manifest.insert("args".into(), json!(args));
            manifest.insert("seed".into(), json!(cli.seed));
            manifest.insert("records".into(), json!(written));
            // So the folder accounts for every input record: what was read,
            // and what is not in any file and why.
            manifest.insert("records_in".into(), json!(run.counts().records));
            manifest.insert("rejected".into(), run.counts().rejected.to_json());
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
        let mut err = crate::progress::stderr();
        for l in &leak_lines {
            let _ = std::io::Write::write_all(&mut err, format!("phase-split: {l}\n").as_bytes());
        }
    }
    run.finish(&summary, extra, Verdict::gate_failed_if(failed))
}

pub(super) fn file_json(file: &FileSummary, split: Option<&String>, phase: &str) -> Value {
    let mut value = file.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("split".into(), json!(split));
        map.insert("phase".into(), json!(phase));
    }
    value
}
