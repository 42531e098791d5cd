//! The two labeling algorithms over a persona's fired rules: the default
//! rules (documented in the man page) and `--rules seed`, the seed project's
//! generator reproduced. Both are pure functions of which rules fired, so the
//! same event and persona always get the same labels.

use super::persona::{List, Mode, Persona};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    Critical,
    High,
    Medium,
    Low,
}

impl Label {
    pub const ALL: [Label; 4] = [Label::Critical, Label::High, Label::Medium, Label::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Critical => "critical",
            Label::High => "high",
            Label::Medium => "medium",
            Label::Low => "low",
        }
    }

    fn at_least_high(self) -> bool {
        matches!(self, Label::Critical | Label::High)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rsvp {
    Accept,
    Tentative,
    Decline,
}

impl Rsvp {
    pub const ALL: [Rsvp; 3] = [Rsvp::Accept, Rsvp::Tentative, Rsvp::Decline];

    pub fn as_str(self) -> &'static str {
        match self {
            Rsvp::Accept => "accept",
            Rsvp::Tentative => "tentative",
            Rsvp::Decline => "decline",
        }
    }
}

/// The labels of one event for one persona.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub label: Label,
    pub prep: bool,
    pub minutes: u32,
    /// None under `--rules seed`, which has no RSVP.
    pub rsvp: Option<Rsvp>,
    pub score: i64,
    /// An always_important and a rarely_important rule both fired.
    pub conflict: bool,
    /// The rules that decided prep and RSVP (indices into `rules`).
    pub prep_rule: Option<usize>,
    pub rsvp_rule: Option<usize>,
}

/// Default prep minutes when a rule states none.
pub const REQUIRED_MINUTES: u32 = 30;
pub const OPTIONAL_MINUTES: u32 = 15;
/// Prep minutes for a critical event no prep rule covers.
pub const CRITICAL_MINUTES: u32 = 30;
pub const MIN_PREP: u32 = 15;
pub const MAX_PREP: u32 = 90;

fn push(reasons: &mut String, reason: &str) {
    if !reasons.is_empty() {
        reasons.push_str("; ");
    }
    reasons.push_str(reason);
}

/// Labels an event given which rules fired; writes the reasoning.
pub fn label(persona: &Persona, mode: Mode, fired: &[bool], reasons: &mut String) -> Outcome {
    match mode {
        Mode::Default => default_rules(persona, fired, reasons),
        Mode::Seed => seed_rules(persona, fired, reasons),
    }
}

/// Scores the importance lists (always, usually, sometimes, rarely) with
/// `weights`, writing a reason per match; returns (score, any always, any rarely).
fn importance(
    p: &Persona,
    weights: [i64; 4],
    fired: &[bool],
    reasons: &mut String,
) -> (i64, bool, bool) {
    let mut score = 0;
    let (mut always, mut rarely) = (false, false);
    let lists = [List::Always, List::Usually, List::Sometimes, List::Rarely];
    for (list, weight) in lists.into_iter().zip(weights) {
        for i in p.list(list) {
            if fired[i] {
                score += weight;
                always |= list == List::Always;
                rarely |= list == List::Rarely;
                push(reasons, &p.rules[i].reason);
            }
        }
    }
    (score, always, rarely)
}

fn first(persona: &Persona, list: List, fired: &[bool]) -> Option<usize> {
    persona.list(list).find(|&i| fired[i])
}

fn default_rules(p: &Persona, fired: &[bool], reasons: &mut String) -> Outcome {
    reasons.clear();
    let (mut score, always, rarely) = importance(p, [4, 2, 1, -3], fired, reasons);
    for priority in &p.priorities {
        if priority.keywords.clone().any(|i| fired[i]) {
            score += 2;
            push(reasons, &priority.reason);
        }
    }
    let t = p.thresholds;
    let mut label = if score >= t.critical {
        Label::Critical
    } else if score >= t.high {
        Label::High
    } else if score >= t.medium {
        Label::Medium
    } else {
        Label::Low
    };
    if always && !label.at_least_high() {
        label = Label::High;
    }

    let clamp = |m: u32| m.clamp(MIN_PREP, MAX_PREP);
    let required = first(p, List::RequiresPrep, fired);
    let optional = first(p, List::OptionalPrep, fired);
    let none = first(p, List::NoPrep, fired);
    let (prep, minutes, prep_rule) = if let Some(i) = required {
        (true, clamp(p.rules[i].minutes.unwrap_or(REQUIRED_MINUTES)), Some(i))
    } else if let Some(i) = optional.filter(|_| label.at_least_high()) {
        (true, clamp(p.rules[i].minutes.unwrap_or(OPTIONAL_MINUTES)), Some(i))
    } else if let Some(i) = none {
        (false, 0, Some(i))
    } else if optional.is_none() && label == Label::Critical {
        (true, CRITICAL_MINUTES, None)
    } else {
        (false, 0, None)
    };
    if let Some(i) = prep_rule {
        push(reasons, &p.rules[i].reason);
    }

    let rsvp_rule = first(p, List::AlwaysDecline, fired)
        .or_else(|| first(p, List::AlwaysAccept, fired))
        .or_else(|| {
            (!label.at_least_high()).then(|| first(p, List::DeclineByDefault, fired)).flatten()
        })
        .or_else(|| first(p, List::Conditional, fired));
    let rsvp = match rsvp_rule.map(|i| p.rules[i].list) {
        Some(List::AlwaysDecline | List::DeclineByDefault) => Rsvp::Decline,
        Some(List::AlwaysAccept) => Rsvp::Accept,
        Some(_) => Rsvp::Tentative,
        None if label == Label::Low => Rsvp::Tentative,
        None => Rsvp::Accept,
    };
    if let Some(i) = rsvp_rule {
        push(reasons, &p.rules[i].reason);
    }
    if reasons.is_empty() {
        reasons.push_str("No rule matched");
    }
    Outcome {
        label,
        prep,
        minutes,
        rsvp: Some(rsvp),
        score,
        conflict: always && rarely,
        prep_rule,
        rsvp_rule,
    }
}

fn seed_rules(p: &Persona, fired: &[bool], reasons: &mut String) -> Outcome {
    reasons.clear();
    let (mut score, always, rarely) = importance(p, [4, 3, 2, 1], fired, reasons);
    // Every matching keyword counts, and repeats the priority's reason.
    for priority in &p.priorities {
        for i in priority.keywords.clone() {
            if fired[i] {
                score += 3;
                push(reasons, &priority.reason);
            }
        }
    }
    let (mut prep, mut minutes, mut prep_rule) = (false, 0, None);
    for i in p.list(List::RequiresPrep) {
        if fired[i] {
            prep = true;
            minutes = minutes.max(REQUIRED_MINUTES);
            prep_rule = prep_rule.or(Some(i));
            push(reasons, &p.rules[i].reason);
        }
    }
    for i in p.list(List::OptionalPrep) {
        if fired[i] && score >= 3 {
            prep = true;
            minutes = minutes.max(OPTIONAL_MINUTES);
            prep_rule = prep_rule.or(Some(i));
            push(reasons, &p.rules[i].reason);
        }
    }
    let label = match score {
        s if s >= 4 => Label::Critical,
        3 => Label::High,
        2 => Label::Medium,
        _ => Label::Low,
    };
    if reasons.is_empty() {
        reasons.push_str("No specific patterns matched");
    }
    Outcome {
        label,
        prep,
        minutes,
        rsvp: None,
        score,
        conflict: always && rarely,
        prep_rule,
        rsvp_rule: None,
    }
}
