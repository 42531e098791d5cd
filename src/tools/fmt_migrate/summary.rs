//! The end of a run: the summary line on standard error and the figures of
//! `--stats` (records of each shape, written, unchanged, the first positions
//! of each; what the tree reader left out), and whether a mixed input fails
//! a `--detect` run.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::exit::Outcome;
use crate::report::percent;
use crate::run::{Run, Verdict};

use super::model::TreeCounts;
use super::shape::{Format, Label, Shape};
use super::{Cli, NAME, Sink};

/// Totals of one shape over the run.
#[derive(Debug, Default)]
pub struct ShapeTotal {
    pub records: u64,
    pub written: u64,
    pub unchanged: u64,
    /// Records written from this shape's records (more than `written` for
    /// trees, which give several records each).
    pub outputs: u64,
    pub first: Vec<String>,
}

fn shape_list(totals: &[(&Label, &ShapeTotal)]) -> String {
    let parts: Vec<String> = totals.iter().map(|(l, t)| format!("{} {l}", t.records)).collect();
    parts.join(", ")
}

pub(super) fn summarize(
    run: Run,
    cli: &Cli,
    to: Option<Shape>,
    sink: Sink,
    totals: BTreeMap<Label, ShapeTotal>,
    trees: TreeCounts,
    unshaped: u64,
) -> Result<Outcome, Error> {
    let mut list: Vec<(&Label, &ShapeTotal)> = totals.iter().collect();
    list.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
    let counts = run.counts();
    let records = counts.records;
    let mixed = list.len() > 1;
    let mut extra = Map::new();
    let mut shapes_json = Map::new();
    for (label, total) in &list {
        shapes_json.insert(
            label.to_string(),
            json!({
                "records": total.records,
                "written": total.written,
                "unchanged": total.unchanged,
                "records_out": total.outputs,
                "first_lines": total.first,
            }),
        );
    }
    extra.insert("from".into(), json!(cli.from.name()));
    extra.insert("to".into(), json!(cli.to.map(Format::name)));
    extra.insert("shapes".into(), Value::Object(shapes_json));
    extra.insert("mixed".into(), json!(mixed));
    // Records of no shape written as --extract and --template built them (no --to).
    extra.insert("no_shape_written".into(), json!(unshaped));
    if totals.keys().any(|l| l.shape == Shape::OasstTree) {
        extra.insert(
            "oasst_trees".into(),
            json!({
                "records_out": trees.records_out,
                "deleted": trees.deleted,
                "failed_review": trees.failed_review,
                "under_left_out": trees.under_left_out,
                "unanswered": trees.unanswered,
                "unranked": trees.unranked,
                "multi_turn_pairs": trees.multi_turn_pairs,
                "tied_pairs": trees.tied_pairs,
            }),
        );
    }
    let mut failed = false;
    let summary = if cli.detect {
        let none = counts.rejected.get("matches no shape");
        let mut text = format!(
            "{records} record{}: {}; {none} match no shape; {}",
            if records == 1 { "" } else { "s" },
            if list.is_empty() { "none of a known shape".to_string() } else { shape_list(&list) },
            run.rejected_phrase()
        );
        for (label, total) in &list {
            text.push_str(&format!(
                "\n{NAME}:   {label}: {} ({}), first at line{} {}",
                total.records,
                percent(total.records, records),
                if total.first.len() == 1 { "" } else { "s" },
                total.first.join(", ")
            ));
        }
        if mixed {
            let (major, _) = list[0];
            let minority: u64 = list[1..].iter().map(|(_, t)| t.records).sum();
            text.push_str(&format!(
                "\n{NAME}: mixed shapes: a reader that expects {major} would skip {minority} of {records} records; \
convert them with `fmt-migrate --to {}`{}",
                major.shape.name(),
                if cli.allow_mixed { " (--allow-mixed: not an error)" } else { ", or pass --allow-mixed" }
            ));
            failed = !cli.allow_mixed;
        }
        extra.insert("allow_mixed".into(), json!(cli.allow_mixed));
        text
    } else {
        let written = counts.written;
        let mut parts: Vec<String> = list
            .iter()
            .filter(|(_, t)| t.written > 0)
            .map(|(label, t)| match (to, t.unchanged) {
                _ if t.outputs != t.written => {
                    format!("{} from {label}, giving {} records", t.written, t.outputs)
                }
                (Some(_), 0) => format!("{} from {label}", t.written),
                (Some(_), u) => format!("{} from {label} ({u} unchanged)", t.written),
                (None, _) => format!("{} {label}", t.written),
            })
            .collect();
        if unshaped > 0 {
            parts.push(format!("{unshaped} of no shape, as built"));
        }
        let what = match (to, sink) {
            (_, Sink::Csv) => "as CSV".to_string(),
            (_, Sink::JsonArray) => "as one JSON array".to_string(),
            (Some(shape), _) => format!("to {}", shape.name()),
            (None, _) if list.is_empty() => "as JSONL".to_string(),
            (None, _) => "in their own shapes".to_string(),
        };
        let verb = if to.is_some() { "converted" } else { "wrote" };
        let filtered = counts.filtered.total();
        let left_out = if filtered == 0 {
            String::new()
        } else {
            let reasons: Vec<String> =
                counts.filtered.sorted().iter().map(|(r, n)| format!("{n} {r}")).collect();
            format!("; {filtered} left out ({})", reasons.join(", "))
        };
        let mut text = format!(
            "{verb} {written} of {records} records {what} ({}){}{}{left_out}; {}",
            percent(written, records),
            if parts.is_empty() { "" } else { ": " },
            parts.join(", "),
            run.rejected_phrase()
        );
        if let Some(line) = tree_line(&trees) {
            text.push_str(&line);
        }
        if mixed {
            text.push_str(&format!(
                "\n{NAME}: note: the input mixes shapes ({})",
                shape_list(&list)
            ));
            match to {
                Some(shape) => text.push_str(&format!(
                    "; every record that converted was written as {}",
                    shape.name()
                )),
                None => {
                    text.push_str("; each record kept its own shape (--to SHAPE makes them one)")
                }
            }
        }
        text
    };
    run.finish(&summary, extra, Verdict::failed_if(failed))
}

/// What the tree reader wrote and left out, as a line of its own.
fn tree_line(trees: &TreeCounts) -> Option<String> {
    if *trees == TreeCounts::default() {
        return None;
    }
    let mut line = format!(
        "\n{NAME}: oasst trees: {} records written; messages left out: {} deleted, {} failed review, {} under those; {} prompts unanswered",
        trees.records_out,
        trees.deleted,
        trees.failed_review,
        trees.under_left_out,
        trees.unanswered
    );
    if trees.unranked > 0 {
        line.push_str(&format!("; {} unranked replies not paired", trees.unranked));
    }
    if trees.tied_pairs > 0 {
        line.push_str(&format!(
            "; {} pairs of equally ranked replies not made (no preference between them)",
            trees.tied_pairs
        ));
    }
    if trees.multi_turn_pairs > 0 {
        line.push_str(&format!(
            "; {} pairs under a multi-turn prompt left out (--to preference-messages keeps them)",
            trees.multi_turn_pairs
        ));
    }
    Some(line)
}
