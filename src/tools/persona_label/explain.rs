//! What happened per persona: label, RSVP and prep distributions, and for
//! `--explain` the rule analysis a persona author needs: how often each rule
//! fired, the rules that never fired, and the events where importance rules
//! pulled in opposite directions. Tallies are per chunk and merged in order.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Value, json};

use super::label::{Label, Outcome, Rsvp};
use super::persona::{List, Mode, Persona};
use crate::report::{percent, printable};

/// Conflict examples kept per persona.
pub const EXAMPLES: usize = 5;

/// Counts for one persona.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub events: u64,
    pub labels: [u64; 4],
    pub rsvp: [u64; 3],
    pub prep: u64,
    pub prep_minutes: u64,
    /// Per rule: events it matched, and events whose prep or RSVP it decided.
    pub matched: Vec<u64>,
    pub decided: Vec<u64>,
    pub priorities: Vec<u64>,
    pub conflicts: u64,
    /// Chunk line indices of conflicts (worker side).
    pub pending: Vec<u32>,
    /// `FILE:LINE` of conflicts (after merging).
    pub examples: Vec<String>,
}

impl Tally {
    pub fn new(persona: &Persona) -> Self {
        Tally {
            matched: vec![0; persona.rules.len()],
            decided: vec![0; persona.rules.len()],
            priorities: vec![0; persona.priorities.len()],
            ..Tally::default()
        }
    }

    pub fn record(&mut self, persona: &Persona, outcome: &Outcome, fired: &[bool], index: u32) {
        self.events += 1;
        self.labels[outcome.label as usize] += 1;
        if let Some(r) = outcome.rsvp {
            self.rsvp[r as usize] += 1;
        }
        if outcome.prep {
            self.prep += 1;
            self.prep_minutes += u64::from(outcome.minutes);
        }
        for (count, &f) in self.matched.iter_mut().zip(fired) {
            *count += u64::from(f);
        }
        for i in outcome.prep_rule.into_iter().chain(outcome.rsvp_rule) {
            self.decided[i] += 1;
        }
        for (count, p) in self.priorities.iter_mut().zip(&persona.priorities) {
            *count += u64::from(p.keywords.clone().any(|i| fired[i]));
        }
        if outcome.conflict {
            self.conflicts += 1;
            if self.pending.len() < EXAMPLES {
                self.pending.push(index);
            }
        }
    }

    /// Adds a later chunk's tally; `locate` turns its pending indices into `FILE:LINE`.
    pub fn merge(&mut self, other: &Tally, locate: impl Fn(u32) -> String) {
        self.events += other.events;
        for (a, b) in self.labels.iter_mut().zip(other.labels) {
            *a += b;
        }
        for (a, b) in self.rsvp.iter_mut().zip(other.rsvp) {
            *a += b;
        }
        self.prep += other.prep;
        self.prep_minutes += other.prep_minutes;
        for (a, b) in self.matched.iter_mut().zip(&other.matched) {
            *a += b;
        }
        for (a, b) in self.decided.iter_mut().zip(&other.decided) {
            *a += b;
        }
        for (a, b) in self.priorities.iter_mut().zip(&other.priorities) {
            *a += b;
        }
        self.conflicts += other.conflicts;
        for &index in &other.pending {
            if self.examples.len() < EXAMPLES {
                self.examples.push(locate(index));
            }
        }
    }
}

fn decides(list: List) -> bool {
    matches!(
        list,
        List::RequiresPrep
            | List::OptionalPrep
            | List::NoPrep
            | List::AlwaysAccept
            | List::Conditional
            | List::DeclineByDefault
            | List::AlwaysDecline
    )
}

fn distribution<const N: usize>(names: [&str; N], counts: &[u64; N], total: u64) -> String {
    names
        .iter()
        .zip(counts)
        .map(|(n, c)| format!("{n} {c} ({})", percent(*c, total)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn mean(sum: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { ((sum as f64 / n as f64) * 10.0).round() / 10.0 }
}

const LABELS: [&str; 4] = ["critical", "high", "medium", "low"];
const RSVPS: [&str; 3] = ["accept", "tentative", "decline"];

/// The `--explain` report for one persona, as text for standard error.
pub fn text(p: &Persona, t: &Tally, mode: Mode) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "persona-label: explain {} \"{}\" (tier {}, {}): {} events",
        printable(&p.id),
        printable(&p.name),
        p.tier,
        printable(&p.source),
        t.events
    );
    let _ = writeln!(out, "  labels: {}", distribution(LABELS, &t.labels, t.events));
    if mode == Mode::Default {
        let _ = writeln!(out, "  rsvp: {}", distribution(RSVPS, &t.rsvp, t.events));
    }
    let _ = writeln!(
        out,
        "  prep: {} events ({}), {} minutes on average when needed",
        t.prep,
        percent(t.prep, t.events),
        mean(t.prep_minutes, t.prep)
    );
    let _ = writeln!(out, "  rules that fired (events matched):");
    for (i, rule) in p.rules.iter().enumerate() {
        if t.matched[i] == 0 {
            continue;
        }
        let decided =
            if decides(rule.list) { format!(", decided {}", t.decided[i]) } else { String::new() };
        let _ = writeln!(
            out,
            "    {} \"{}\": {} ({}){decided}",
            printable(&rule.path),
            printable(&rule.name),
            t.matched[i],
            percent(t.matched[i], t.events)
        );
    }
    for (i, priority) in p.priorities.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {} priority \"{}\": {} ({})",
            printable(&priority.path),
            printable(&priority.name),
            t.priorities[i],
            percent(t.priorities[i], t.events)
        );
    }
    let dead: Vec<usize> = (0..p.rules.len()).filter(|&i| t.matched[i] == 0).collect();
    let _ = writeln!(out, "  dead rules (never fired): {} of {}", dead.len(), p.rules.len());
    for i in dead {
        let rule = &p.rules[i];
        let _ = writeln!(out, "    {} \"{}\"", printable(&rule.path), printable(&rule.name));
    }
    let examples = if t.examples.is_empty() {
        String::new()
    } else {
        format!(", e.g. {}", printable(&t.examples.join(", ")))
    };
    let _ = writeln!(
        out,
        "  conflicts (always_important and rarely_important both fired): {} events{examples}",
        t.conflicts
    );
    out
}

/// The per-persona figures for `--stats` (with the rule analysis when `explain`).
pub fn json(p: &Persona, t: &Tally, mode: Mode, explain: bool) -> Value {
    let labels: serde_json::Map<String, Value> =
        Label::ALL.iter().map(|l| (l.as_str().to_string(), json!(t.labels[*l as usize]))).collect();
    let rsvp: Value = if mode == Mode::Default {
        Value::Object(
            Rsvp::ALL
                .iter()
                .map(|r| (r.as_str().to_string(), json!(t.rsvp[*r as usize])))
                .collect(),
        )
    } else {
        Value::Null
    };
    let mut value = json!({
        "id": p.id,
        "name": p.name,
        "tier": p.tier,
        "source": p.source,
        "events": t.events,
        "labels": labels,
        "rsvp": rsvp,
        // minutes: the sum, so that shard-merge can give the whole run's mean.
        "prep": {"events": t.prep, "minutes": t.prep_minutes, "mean_minutes": mean(t.prep_minutes, t.prep)},
        "conflicts": t.conflicts,
    });
    if explain && let Value::Object(map) = &mut value {
        let rules: Vec<Value> = p
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "path": r.path,
                    "name": r.name,
                    "fired": t.matched[i],
                    "decided": if decides(r.list) { json!(t.decided[i]) } else { Value::Null },
                })
            })
            .collect();
        let priorities: Vec<Value> = p
            .priorities
            .iter()
            .enumerate()
            .map(|(i, pr)| json!({"path": pr.path, "name": pr.name, "fired": t.priorities[i]}))
            .collect();
        let dead: Vec<&str> = (0..p.rules.len())
            .filter(|&i| t.matched[i] == 0)
            .map(|i| p.rules[i].path.as_str())
            .collect();
        map.insert("rules".into(), json!(rules));
        map.insert("priorities".into(), json!(priorities));
        map.insert("dead_rules".into(), json!(dead));
        map.insert("conflict_examples".into(), json!(t.examples));
    }
    value
}

/// Names the place of a conflict for the report.
pub fn locate(source: &Arc<str>, line: u64) -> String {
    format!("{source}:{line}")
}
