//! Partial states (`--partial`) and their merge (`--merge`): the file a
//! shard's run writes, and the report, `--stats` and exit status that
//! merging such files gives — those of one run over the whole input.
//!
//! A partial state carries the measured state ([`State`]) and the shard
//! run's accounts: records read, blank lines, records written and held, the
//! filtered and rejected records by reason, how many bad records went to a
//! `--rejects` file and how many only to stderr, and whether the run stopped
//! at `--fail-fast`. The merge adds them up, so its summary and `--stats`
//! say what the whole-file run says (timing and arguments aside), and it
//! exits 1 where that run would have: bad records not captured by
//! `--rejects`, a failed `--expect`, or a field no record of any shard held.

use std::sync::Arc;

use serde_json::{Value, json};

use super::acc::{Plan, State};
use super::{Cli, Destination, body, check, report, stats_extra, summary_line, usage};
use crate::document;
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::Inputs;
use crate::path::FieldPath;
use crate::report::{Counts, Tally};
use crate::run::{self, Run};

const PARTIAL_FORMAT: &str = "synthkit dist-report partial state";
/// 2: numbers keyed by value, quantiles as (value, count) pairs, accounts.
/// 3: the accounts carry the shard's sample of field names.
const PARTIAL_VERSION: u64 = 3;

/// The partial-state document of a finished shard run.
pub(super) fn partial_document(plan: &Plan, state: &State, run: &Run) -> Value {
    let c = run.counts();
    let rejected = c.rejected.total();
    let (captured, uncaptured) = if run.rejects_captured() { (rejected, 0) } else { (0, rejected) };
    json!({
        "format": PARTIAL_FORMAT,
        "version": PARTIAL_VERSION,
        "plan": plan.to_json(),
        "state": state.to_json(),
        "accounts": {
            "records": c.records,
            "blank": c.blank,
            "written": c.written,
            "held": c.held,
            "lines_out": c.lines_out,
            "filtered": c.filtered.to_json(),
            "rejected": c.rejected.to_json(),
            "rejects_captured": captured,
            "rejects_uncaptured": uncaptured,
            "complete": !run.stopped_early(),
            "fields_seen": run.fields_seen().to_json(),
        },
    })
}

/// A shard run's accounts, read back.
struct Accounts {
    counts: Counts,
    /// The shard's sample of field names, for the absent-field message.
    fields_seen: Value,
    captured: u64,
    uncaptured: u64,
    complete: bool,
}

fn accounts(v: &Value) -> Result<Accounts, String> {
    let n = |key: &str| {
        v.get(key).and_then(Value::as_u64).ok_or_else(|| format!("accounts without `{key}`"))
    };
    let counts = Counts {
        records: n("records")?,
        blank: n("blank")?,
        written: n("written")?,
        held: n("held")?,
        lines_out: n("lines_out")?,
        filtered: Tally::from_json(v.get("filtered"))?,
        rejected: Tally::from_json(v.get("rejected"))?,
        ..Counts::default()
    };
    if !counts.balanced() {
        return Err(
            "accounts that do not add up (records ≠ written + held + filtered + rejected)".into()
        );
    }
    Ok(Accounts {
        counts,
        fields_seen: v.get("fields_seen").cloned().ok_or("accounts without `fields_seen`")?,
        captured: n("rejects_captured")?,
        uncaptured: n("rejects_uncaptured")?,
        complete: v
            .get("complete")
            .and_then(Value::as_bool)
            .ok_or("accounts without `complete`")?,
    })
}

/// A flag given to --merge that differs from the partial states' plan.
fn differs(flag: &str, given: &[FieldPath], planned: &[FieldPath]) -> Option<String> {
    let list = |l: &[FieldPath]| {
        if l.is_empty() {
            "none".to_string()
        } else {
            l.iter().map(|p| crate::report::printable(p.as_str())).collect::<Vec<_>>().join(", ")
        }
    };
    // By the steps they name: `/status` and `status` are one path.
    let same = given.iter().map(FieldPath::segments).eq(planned.iter().map(FieldPath::segments));
    (!given.is_empty() && !same).then(|| {
        format!(
            "{flag} {} differs from the partial states' {flag} ({}); give --merge the same {flag}, or none",
            list(given),
            list(planned)
        )
    })
}

/// `--merge`: reads partial states and reports their merge.
pub(super) fn merge(cli: Cli, destination: Destination) -> Result<Outcome, Error> {
    // The session (and so --stats) opens first: a --stats path that cannot
    // be written fails before the report exists.
    let inputs = Inputs::from_memory("<merge>", Vec::new());
    let mut run = Run::start("dist-report", &cli.common, &inputs, false)?;
    let mut merged: Option<State> = None;
    let mut shards = Vec::new();
    for path in &cli.common.files {
        // A file or `-`, compressed or not, like every input.
        let (name, text) = document::read_bytes(path)?;
        let name = crate::report::printable(&name);
        let bad =
            |why: String| Error::Config(format!("{name}: not a dist-report partial state: {why}"));
        let doc: Value = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
        if doc.get("format").and_then(Value::as_str) != Some(PARTIAL_FORMAT) {
            return Err(bad("write it with dist-report --partial FILE".into()));
        }
        if doc.get("version").and_then(Value::as_u64) != Some(PARTIAL_VERSION) {
            return Err(bad(format!(
                "expected version {PARTIAL_VERSION}; write it again with this dist-report --partial"
            )));
        }
        let plan = Plan::from_json(doc.get("plan").unwrap_or(&Value::Null)).map_err(bad)?;
        let plan = Arc::new(plan);
        let state =
            State::from_json(doc.get("state").unwrap_or(&Value::Null), &plan).map_err(bad)?;
        let shard = accounts(doc.get("accounts").unwrap_or(&Value::Null)).map_err(bad)?;
        // In input order, as the whole run would have sampled them.
        run.absorb_fields_seen(&shard.fields_seen).map_err(bad)?;
        shards.push(shard);
        match &mut merged {
            None => merged = Some(state),
            Some(m) => {
                if *m.plan != *plan {
                    return Err(Error::Config(format!(
                        "{name}: measured {} but the first state measured {}; merge states written with the same --field, --text, --by and --max-distinct",
                        plan.to_json(),
                        m.plan.to_json()
                    )));
                }
                m.append(&state);
            }
        }
    }
    let Some(mut state) = merged else {
        return Err(usage("--merge needs the partial state files to merge"));
    };
    let plan = state.plan.clone();
    let mismatch = differs("--field", &cli.fields, &plan.fields)
        .or_else(|| differs("--text", &cli.texts, &plan.texts))
        .or_else(|| match (&cli.by, &plan.by) {
            (Some(given), planned)
                if planned.as_ref().map(FieldPath::segments) != Some(given.segments()) =>
            {
                Some(format!(
                "--by {} differs from the partial states' --by ({}); give --merge the same --by, or none",
                crate::report::printable(given.as_str()),
                planned.as_ref().map_or("none".into(), |b| crate::report::printable(b.as_str()))
            ))
            }
            _ => None,
        });
    if let Some(why) = mismatch {
        return Err(usage(why));
    }
    state.settle();
    for shard in &shards {
        run.absorb(&shard.counts, shard.captured, shard.uncaptured, !shard.complete);
    }
    watch_as_the_whole_run(&mut run, &plan, &state);
    let body = body(&plan, &state, cli.bins as usize);
    // A gate on a field the states do not measure cannot be mended by
    // --field here (the merge takes the states' flags): say where it can.
    let verdicts = check(&cli.expect, &body).map_err(|e| match e {
        Error::Usage(why) if why.contains("; add --field") => {
            let what = why.split("; add --field").next().unwrap_or_default();
            usage(format!(
                "{what}; the partial states do not measure it: write them again with that --field or --text"
            ))
        }
        other => other,
    })?;
    report(&cli, &destination, &body, &verdicts)?;
    let summary = format!(
        "merged {} partial states: {}",
        cli.common.files.len(),
        summary_line(&body, &verdicts, &run.rejected_phrase())
    );
    let failed = verdicts.iter().any(|v| !v.pass);
    let reported = match &body {
        super::Body::Plain { all, .. } => all.records,
        super::Body::Compare { after, .. } => after.records,
    };
    let mut extra = stats_extra(&run, reported, &verdicts);
    super::add_figures(&mut extra, &body);
    run.finish(&summary, extra, run::Verdict::failed_if(failed))
}

/// Watches the paths the whole-file run watches, with the records of all
/// shards that held each, so a field no shard's record held is reported
/// (and fails the merge) as it would fail that run.
fn watch_as_the_whole_run(run: &mut Run, plan: &Plan, state: &State) {
    let total = state.total();
    let missing_group = {
        let mut key = vec![b'g'];
        key.extend_from_slice(crate::json::MISSING_LABEL.as_bytes());
        state
            .groups
            .sorted()
            .into_iter()
            .find(|(k, _)| *k == key.as_slice())
            .map_or(0, |(_, g)| g.data.records)
    };
    let mut present = Vec::new();
    if plan.by.is_some() {
        present.push(total.records.saturating_sub(missing_group));
    }
    if !plan.discovers() {
        present.extend(total.fields.iter().map(|f| f.records_with));
        present.extend(total.texts.iter().map(|t| t.records_with));
    }
    run.watch_fields(super::read_plan(plan).watched());
    let looked = Counts { looked_up: total.records, present, ..Counts::default() };
    run.absorb(&looked, 0, 0, false);
}
