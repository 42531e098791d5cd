//! The persona types: a loaded, compiled persona with its descriptive
//! fields, its rules (stored in [`List`] order, each with its JSON path, name,
//! minutes, condition and reasoning phrase), its priorities, score thresholds
//! and `self`, and the one-line rule summary `--check` prints. Reading and
//! validating a persona file into these types is the loader's (`loader`,
//! `rule_reader`).

use std::fmt::Write as _;
use std::ops::Range;

use super::event::Needs;
use super::rules::{Cond, Me};

/// Which labeling rules to compile for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// persona-label's documented rules (whole words, weights 4/2/1/-3, RSVP)
    Default,
    /// The seed project's generator, reproduced (substrings, weights 4/3/2/1, no RSVP)
    Seed,
}

/// The rule lists of a persona, in the order rules are stored and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Always,
    Usually,
    Sometimes,
    Rarely,
    Priority,
    RequiresPrep,
    OptionalPrep,
    NoPrep,
    AlwaysAccept,
    Conditional,
    DeclineByDefault,
    AlwaysDecline,
}

pub const LISTS: usize = 12;

/// One rule: a keyword, a descriptive entry or a structured matcher.
#[derive(Debug, Clone)]
pub struct Rule {
    pub list: List,
    /// JSON path in the persona file, e.g. `rsvp_rules.always_accept[0]`.
    pub path: String,
    /// What the reasoning and reports call it.
    pub name: String,
    pub minutes: Option<u32>,
    pub cond: Cond,
    /// The reasoning phrase, e.g. `Requires prep: Deal reviews with leadership`.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Priority {
    pub name: String,
    pub path: String,
    pub reason: String,
    /// Indices of its keyword rules.
    pub keywords: Range<usize>,
}

/// Score thresholds of the default rules.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { critical: 6, high: 4, medium: 1 }
    }
}

/// A loaded, compiled persona.
#[derive(Debug, Clone)]
pub struct Persona {
    pub id: String,
    pub name: String,
    pub tier: u8,
    /// The file it came from, or `builtin:ID`.
    pub source: String,
    pub level: Option<String>,
    pub function: Option<String>,
    pub industry: Option<String>,
    pub company: Option<String>,
    pub work_style: Option<String>,
    pub stress_level: Option<String>,
    pub rules: Vec<Rule>,
    /// Rule index range of each [`List`].
    pub lists: [Range<usize>; LISTS],
    pub priorities: Vec<Priority>,
    pub thresholds: Thresholds,
    pub me: Me,
    pub needs: Needs,
    pub warnings: Vec<String>,
    /// Whether a rule uses optional_for_self / external_attendees.
    pub uses_self_address: bool,
    pub uses_internal: bool,
}

impl Persona {
    /// Sets whose calendar it is (`--self`): the address and its domain.
    pub fn set_self(&mut self, address: &str) {
        let address = address.trim().to_ascii_lowercase();
        if let Some((_, domain)) = address.rsplit_once('@')
            && !self.me.internal_domains.iter().any(|d| d == domain)
        {
            self.me.internal_domains.push(domain.to_string());
        }
        self.me.address = Some(address);
    }

    pub fn list(&self, list: List) -> Range<usize> {
        self.lists[list as usize].clone()
    }

    /// The work-style dimension: `work_style` up to its first ":".
    pub fn work_style_category(&self) -> Option<String> {
        let text = self.work_style.as_deref()?;
        let head = text.split(':').next().unwrap_or(text).trim();
        (!head.is_empty()).then(|| head.to_string())
    }

    /// The stress dimension: `stress_level` without its stars, up to its first ":".
    pub fn stress_category(&self) -> Option<String> {
        let text = self.stress_level.as_deref()?;
        let text = text.trim_start_matches(|c: char| c == '⭐' || c.is_whitespace());
        let head = text.split(':').next().unwrap_or(text).trim();
        (!head.is_empty()).then(|| head.to_string())
    }
}

/// A one-line description of a persona's rules, for `--check`.
pub fn rule_summary(p: &Persona) -> String {
    let count = |list: List| p.list(list).len();
    let mut out = String::new();
    let _ = write!(
        out,
        "{} rules: importance {}/{}/{}/{}, {} priorities ({} keywords), prep {}/{}/{}, RSVP {}/{}/{}/{}",
        p.rules.len(),
        count(List::Always),
        count(List::Usually),
        count(List::Sometimes),
        count(List::Rarely),
        p.priorities.len(),
        count(List::Priority),
        count(List::RequiresPrep),
        count(List::OptionalPrep),
        count(List::NoPrep),
        count(List::AlwaysAccept),
        count(List::Conditional),
        count(List::DeclineByDefault),
        count(List::AlwaysDecline),
    );
    if p.uses_self_address && p.me.address.is_none() {
        out.push_str("; no self.address: optional_for_self stays false unless --self is given");
    }
    if p.uses_internal && p.me.internal_domains.is_empty() {
        out.push_str(
            "; no self: external attendees are those outside the organizer's domain unless --self is given",
        );
    }
    out
}
