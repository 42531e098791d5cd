//! Persona files: the format users already have (the seed project's JSON,
//! CRLF and all), extended with structured matchers, `self` and
//! `label_thresholds`. Loading validates every key and type and reports each
//! problem with the file, the JSON path and what was expected (with the
//! nearest valid key for a typo); it then compiles the rules for the chosen
//! `--rules` mode, registering their text tests in the shared [`Terms`].

use std::fmt::Write as _;
use std::ops::Range;

use serde_json::{Map, Value};

use super::event::Needs;
use super::matcher::{Field, Fields, Terms};
use super::rules::{Cond, Me};
use super::text;

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

const TOP_KEYS: &[&str] = &[
    "id",
    "name",
    "tier",
    "demographics",
    "meeting_context",
    "importance_criteria",
    "priority_framework",
    "rsvp_rules",
    "prep_time_needs",
    "work_style",
    "career_stage",
    "stress_level",
    "notes",
    "self",
    "label_thresholds",
];
const DEMOGRAPHIC_KEYS: &[&str] =
    &["level", "function", "tenure", "team_size", "company", "industry", "location"];
const CONTEXT_KEYS: &[&str] = &["weekly_meeting_hours", "typical_breakdown"];
const IMPORTANCE_KEYS: &[&str] =
    &["always_important", "usually_important", "sometimes_important", "rarely_important"];
const PRIORITY_KEYS: &[&str] = &["name", "time_commitment", "keywords"];
const RSVP_KEYS: &[&str] =
    &["always_accept", "conditional", "decline_by_default", "always_decline"];
const PREP_KEYS: &[&str] = &["requires_prep", "optional_prep", "no_prep"];
const SELF_KEYS: &[&str] = &["address", "internal_domains", "utc_offset"];
const THRESHOLD_KEYS: &[&str] = &["critical", "high", "medium"];
/// Conditions of a structured matcher.
pub const CONDITION_KEYS: &[&str] = &[
    "subject",
    "body",
    "text",
    "organizer",
    "attendee",
    "location",
    "category",
    "external_attendees",
    "external_organizer",
    "min_attendees",
    "max_attendees",
    "organizer_is_self",
    "optional_for_self",
    "recurring",
    "min_duration_minutes",
    "max_duration_minutes",
    "show_as",
    "response",
    "importance",
    "start_hour_before",
    "start_hour_after",
    "weekday",
    "all_day",
    "online",
    "all",
    "any",
    "not",
];
const SHOW_AS: &[&str] = &["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"];
const RESPONSES: &[&str] =
    &["none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"];
const IMPORTANCE: &[&str] = &["low", "normal", "high"];
const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES: &[&str] =
    &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// What a keyword string compiles to.
enum TextTest {
    Phrase(String),
    Regex(String),
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a bool ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => {
            let short: String = s.chars().take(30).collect();
            format!("a string ({})", serde_json::Value::String(short))
        }
        Value::Array(list) if list.is_empty() => "an empty array".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// Reads one persona file into a [`Persona`], collecting every problem.
struct Loader<'t> {
    source: String,
    mode: Mode,
    terms: &'t mut Terms,
    errors: Vec<String>,
    warnings: Vec<String>,
    uses_self_address: bool,
    uses_internal: bool,
}

impl Loader<'_> {
    fn error(&mut self, path: &str, message: impl std::fmt::Display) {
        self.errors.push(format!("{}: {path}: {message}", self.source));
    }

    fn warn(&mut self, path: &str, message: impl std::fmt::Display) {
        self.warnings.push(format!("{}: {path}: {message}", self.source));
    }

    fn expected(&mut self, path: &str, what: &str, found: &Value) {
        self.error(path, format!("expected {what}, found {}", describe(found)));
    }

    /// Reports keys of `object` that are not in `known`.
    fn check_keys(&mut self, object: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in object.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let hint = match text::nearest(key, known.iter().copied()) {
                Some(near) => format!("; did you mean \"{near}\"?"),
                None => String::new(),
            };
            self.error(
                &join(path, key),
                format!("unknown key{hint} (expected one of: {})", known.join(", ")),
            );
        }
    }

    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.expected(path, "an object", other);
                None
            }
        }
    }

    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.expected(path, "a string", other);
                None
            }
        }
    }

    fn string_or_number(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            other => {
                self.expected(path, "a string or a number", other);
                None
            }
        }
    }

    fn bool(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.expected(path, "true or false", other);
                None
            }
        }
    }

    fn count(&mut self, value: &Value, path: &str, max: u64) -> Option<u32> {
        match value.as_u64() {
            Some(n) if n <= max => Some(n as u32),
            _ => {
                self.expected(path, &format!("a whole number from 0 to {max}"), value);
                None
            }
        }
    }

    fn array<'v>(&mut self, value: &'v Value, path: &str, what: &str) -> Option<&'v [Value]> {
        match value {
            Value::Array(list) => Some(list),
            other => {
                self.expected(path, &format!("an array of {what}"), other);
                None
            }
        }
    }

    /// Checks a keyword or `/regex/`; returns what it compiles to.
    fn checked_text(&mut self, text: &str, path: &str) -> Option<TextTest> {
        if text.trim().is_empty() {
            self.error(path, "an empty keyword would match nothing; remove it");
            return None;
        }
        if let Some(pattern) = text::as_regex(text) {
            if pattern.is_empty() {
                self.error(path, "an empty regex (`//`) would match everything");
                return None;
            }
            if let Err(e) = regex::RegexBuilder::new(pattern).case_insensitive(true).build() {
                let detail = e.to_string().replace('\n', " ");
                self.error(path, format!("invalid regex /{pattern}/: {detail}"));
                return None;
            }
            return Some(TextTest::Regex(pattern.to_string()));
        }
        let phrase = text::phrase(text);
        if phrase.is_empty() {
            self.error(path, format!("{text:?} has no letter or digit to match"));
            return None;
        }
        Some(TextTest::Phrase(phrase))
    }

    /// A text test: a keyword phrase or a `/regex/`, looked for in `fields`.
    fn text_term(&mut self, text: &str, path: &str, fields: Fields) -> Option<Cond> {
        let term = match self.checked_text(text, path)? {
            TextTest::Regex(pattern) => self.terms.regex(&pattern, fields),
            TextTest::Phrase(phrase) => self.terms.phrase(phrase, fields),
        };
        Some(Cond::Term(term, fields))
    }

    /// A string entry of a keyword list (importance criteria, priority keywords).
    fn keyword(&mut self, text: &str, path: &str) -> Option<Cond> {
        match self.mode {
            Mode::Default => self.text_term(text, path, Fields::KEYWORD),
            Mode::Seed => {
                self.checked_text(text, path)?;
                Some(Cond::Term(self.terms.substring(text), Fields::KEYWORD))
            }
        }
    }

    /// A string entry of an RSVP or prep list: (name, minutes, condition).
    fn descriptive(&mut self, text: &str, path: &str) -> Option<(String, Option<u32>, Cond)> {
        if text.trim().is_empty() {
            self.error(path, "an empty rule would match nothing; remove it");
            return None;
        }
        if self.mode == Mode::Seed {
            if text::as_regex(text).is_some() {
                self.checked_text(text, path)?;
            }
            return Some((
                text.to_string(),
                None,
                Cond::Term(self.terms.substring(text), Fields::KEYWORD),
            ));
        }
        if text::as_regex(text).is_some() {
            let cond = self.text_term(text, path, Fields::KEYWORD)?;
            return Some((text.to_string(), None, cond));
        }
        let d = text::parse_descriptive(text);
        if d.groups.is_empty() {
            self.warn(
                path,
                format!(
                    "{:?} has no content word before its first \"(\" (stop words and generic nouns are ignored), so it never matches; use a structured matcher",
                    d.name
                ),
            );
            return Some((d.name, d.minutes, Cond::Never));
        }
        let groups = d
            .groups
            .into_iter()
            .map(|g| g.into_iter().map(|p| self.terms.phrase(p, Fields::KEYWORD)).collect())
            .collect();
        Some((d.name, d.minutes, Cond::Groups(groups, Fields::KEYWORD)))
    }

    fn enum_values(
        &mut self,
        value: &Value,
        path: &str,
        allowed: &[&str],
        aliases: &[&str],
    ) -> Option<Vec<String>> {
        let items: Vec<(String, &Value)> = match value {
            Value::Array(list) if !list.is_empty() => {
                list.iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect()
            }
            Value::String(_) => vec![(path.to_string(), value)],
            other => {
                self.expected(path, "a string or a non-empty array of strings", other);
                return None;
            }
        };
        let mut out = Vec::new();
        for (at, item) in items {
            let text = self.string(item, &at)?;
            let known = allowed
                .iter()
                .chain(aliases)
                .find(|a| a.eq_ignore_ascii_case(text.trim()))
                .map(|a| a.to_string());
            match known {
                Some(k) => out.push(k),
                None => {
                    let hint = text::nearest(&text, allowed.iter().chain(aliases).copied())
                        .map(|n| format!("; did you mean \"{n}\"?"))
                        .unwrap_or_default();
                    self.error(
                        &at,
                        format!(
                            "unknown value {text:?}{hint} (expected one of: {})",
                            allowed.join(", ")
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn hour(&mut self, value: &Value, path: &str) -> Option<u32> {
        match value.as_f64() {
            Some(h) if (0.0..=24.0).contains(&h) => Some((h * 60.0).round() as u32),
            _ => {
                self.expected(path, "an hour from 0 to 24 (8.5 is 08:30)", value);
                None
            }
        }
    }

    /// The conditions of a matcher object (`top`: name and minutes allowed).
    fn conditions(&mut self, map: &Map<String, Value>, path: &str, top: bool) -> Option<Cond> {
        let mut known: Vec<&str> = CONDITION_KEYS.to_vec();
        if top {
            known.extend(["name", "minutes"]);
        }
        let errors_before = self.errors.len();
        self.check_keys(map, path, &known);
        let mut conds = Vec::new();
        for (key, value) in map {
            let at = join(path, key);
            let fields = match key.as_str() {
                "subject" => Some(Field::Subject.bit()),
                "body" => Some(Field::Preview.bit().union(Field::Body.bit())),
                "text" => Some(Fields::KEYWORD),
                "organizer" => Some(Field::Organizer.bit()),
                "attendee" => Some(Field::Attendee.bit()),
                "location" => Some(Field::Location.bit()),
                "category" => Some(Field::Category.bit()),
                _ => None,
            };
            if let Some(fields) = fields {
                let items: Vec<(String, &Value)> = match value {
                    Value::Array(list) if !list.is_empty() => {
                        list.iter().enumerate().map(|(i, v)| (format!("{at}[{i}]"), v)).collect()
                    }
                    Value::String(_) => vec![(at.clone(), value)],
                    other => {
                        self.expected(
                            &at,
                            "a keyword, a /regex/ or a non-empty array of them",
                            other,
                        );
                        continue;
                    }
                };
                let mut any = Vec::new();
                for (item_path, item) in items {
                    if let Some(text) = self.string(item, &item_path)
                        && let Some(c) = self.text_term(&text, &item_path, fields)
                    {
                        any.push(c);
                    }
                }
                if any.len() == 1 {
                    conds.extend(any);
                } else if !any.is_empty() {
                    conds.push(Cond::Any(any));
                }
                continue;
            }
            let cond = match key.as_str() {
                "name" | "minutes" => continue,
                "external_attendees" => {
                    self.uses_internal = true;
                    match value {
                        Value::Bool(true) => Some(Cond::External { at_least: 1, none: false }),
                        Value::Bool(false) => Some(Cond::External { at_least: 0, none: true }),
                        _ => match value.as_u64() {
                            Some(n) if n <= 10_000 => {
                                Some(Cond::External { at_least: n as u32, none: false })
                            }
                            _ => {
                                self.expected(&at, "true, false or a minimum count", value);
                                None
                            }
                        },
                    }
                }
                "external_organizer" => {
                    self.uses_internal = true;
                    self.bool(value, &at).map(Cond::ExternalOrganizer)
                }
                "min_attendees" => self.count(value, &at, 100_000).map(Cond::MinAttendees),
                "max_attendees" => self.count(value, &at, 100_000).map(Cond::MaxAttendees),
                "min_duration_minutes" => self.count(value, &at, 525_600).map(Cond::MinDuration),
                "max_duration_minutes" => self.count(value, &at, 525_600).map(Cond::MaxDuration),
                "organizer_is_self" => self.bool(value, &at).map(Cond::OrganizerIsSelf),
                "optional_for_self" => {
                    self.uses_self_address = true;
                    self.bool(value, &at).map(Cond::OptionalForSelf)
                }
                "recurring" => self.bool(value, &at).map(Cond::Recurring),
                "all_day" => self.bool(value, &at).map(Cond::AllDay),
                "online" => self.bool(value, &at).map(Cond::Online),
                "show_as" => self.enum_values(value, &at, SHOW_AS, &[]).map(Cond::ShowAs),
                "response" => self.enum_values(value, &at, RESPONSES, &[]).map(Cond::Response),
                "importance" => self.enum_values(value, &at, IMPORTANCE, &[]).map(Cond::Importance),
                "start_hour_before" => self.hour(value, &at).map(Cond::StartBefore),
                "start_hour_after" => self.hour(value, &at).map(Cond::StartAfter),
                "weekday" => self.enum_values(value, &at, WEEKDAYS, WEEKDAY_NAMES).map(|days| {
                    let mut mask = 0u8;
                    for d in days {
                        let short = &d[..3.min(d.len())];
                        if let Some(i) = WEEKDAYS.iter().position(|w| w.eq_ignore_ascii_case(short))
                        {
                            mask |= 1 << i;
                        }
                    }
                    Cond::Weekday(mask)
                }),
                "all" | "any" => match value {
                    Value::Array(list) if !list.is_empty() => {
                        let mut inner = Vec::new();
                        for (i, item) in list.iter().enumerate() {
                            let item_path = format!("{at}[{i}]");
                            if let Some(map) = self.object(item, &item_path)
                                && let Some(c) = self.conditions(map, &item_path, false)
                            {
                                inner.push(c);
                            }
                        }
                        Some(if key == "all" { Cond::All(inner) } else { Cond::Any(inner) })
                    }
                    other => {
                        self.expected(&at, "a non-empty array of condition objects", other);
                        None
                    }
                },
                "not" => match value {
                    Value::Object(map) => {
                        self.conditions(map, &at, false).map(|c| Cond::Not(Box::new(c)))
                    }
                    other => {
                        self.expected(&at, "a condition object", other);
                        None
                    }
                },
                _ => None,
            };
            conds.extend(cond);
        }
        // Bounds in one object that no event can meet at once: surely a mistake.
        let find = |f: fn(&Cond) -> Option<u32>| conds.iter().find_map(f);
        for (low, high, keys, hint) in [
            (
                find(|c| if let Cond::MinAttendees(n) = c { Some(*n) } else { None }),
                find(|c| if let Cond::MaxAttendees(n) = c { Some(*n) } else { None }),
                "min_attendees is greater than max_attendees",
                "",
            ),
            (
                find(|c| if let Cond::MinDuration(n) = c { Some(*n) } else { None }),
                find(|c| if let Cond::MaxDuration(n) = c { Some(*n) } else { None }),
                "min_duration_minutes is greater than max_duration_minutes",
                "",
            ),
            (
                find(|c| if let Cond::StartAfter(n) = c { Some(*n + 1) } else { None }),
                find(|c| if let Cond::StartBefore(n) = c { Some(*n) } else { None }),
                "start_hour_after is not before start_hour_before",
                "; for a start outside the hours, write \"any\": [{\"start_hour_before\": …}, {\"start_hour_after\": …}]",
            ),
        ] {
            if let (Some(low), Some(high)) = (low, high)
                && low > high
            {
                self.error(path, format!("{keys}: no event could match{hint}"));
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }
        match conds.len() {
            0 => {
                self.error(
                    path,
                    format!(
                        "a matcher needs at least one condition (one of: {})",
                        CONDITION_KEYS.join(", ")
                    ),
                );
                None
            }
            1 => conds.pop(),
            _ => Some(Cond::All(conds)),
        }
    }

    /// A structured matcher: (name, minutes, condition).
    fn matcher(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
    ) -> Option<(String, Option<u32>, Cond)> {
        let name = match map.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(other) => {
                self.expected(&join(path, "name"), "a non-empty string", other);
                None
            }
            None => {
                self.error(
                    &join(path, "name"),
                    "missing: a matcher needs a name (it is what the reasoning shows)",
                );
                None
            }
        };
        let minutes = match map.get("minutes") {
            Some(v) => self.count(v, &join(path, "minutes"), 1440),
            None => None,
        };
        let cond = self.conditions(map, path, true);
        Some((name?, minutes, cond?))
    }

    /// Reads a rule list into `rules`.
    fn rules(&mut self, value: &Value, path: &str, list: List, rules: &mut Vec<Rule>) {
        let Some(items) = self.array(value, path, "strings or matcher objects") else { return };
        let keyword_list = matches!(
            list,
            List::Always | List::Usually | List::Sometimes | List::Rarely | List::Priority
        );
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let read = match item {
                Value::String(s) if keyword_list => {
                    let name =
                        if self.mode == Mode::Seed { s.clone() } else { s.trim().to_string() };
                    self.keyword(s, &at).map(|c| (name, None, c))
                }
                Value::String(s) => self.descriptive(s, &at),
                Value::Object(map) => self.matcher(map, &at),
                other => {
                    let what = if keyword_list {
                        "a keyword string or a matcher object"
                    } else {
                        "a descriptive string or a matcher object"
                    };
                    self.expected(&at, what, other);
                    None
                }
            };
            let Some((name, minutes, cond)) = read else { continue };
            rules.push(Rule { list, path: at, name, minutes, cond, reason: String::new() });
        }
    }
}

fn reason(mode: Mode, list: List, name: &str) -> String {
    let prefix = match (mode, list) {
        (_, List::Always) => "Always important",
        (_, List::Usually) => "Usually important",
        (_, List::Sometimes) => "Sometimes important",
        (_, List::Rarely) => "Rarely important",
        (_, List::Priority) => "Matches priority",
        (_, List::RequiresPrep) => "Requires prep",
        (Mode::Seed, List::OptionalPrep) => "Optional prep (important meeting)",
        (Mode::Default, List::OptionalPrep) => "Optional prep",
        (_, List::NoPrep) => "No prep",
        (_, List::AlwaysAccept) => "RSVP accept",
        (_, List::Conditional) => "RSVP tentative",
        (_, List::DeclineByDefault) => "RSVP decline by default",
        (_, List::AlwaysDecline) => "RSVP decline",
    };
    format!("{prefix}: {name}")
}

/// Parses the text of a persona file (`source` names it in messages).
/// Returns the persona and its warnings, or every error found.
pub fn load(
    text: &str,
    source: &str,
    mode: Mode,
    terms: &mut Terms,
) -> Result<Persona, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = crate::json::parse_config(text).map_err(|e| {
        let detail = e.to_string();
        let detail = detail.split(" at line ").next().unwrap_or(&detail).to_string();
        vec![format!("{source}:{}:{}: invalid JSON: {detail}", e.line(), e.column())]
    })?;
    let mut loader = Loader {
        source: source.to_string(),
        mode,
        terms,
        errors: Vec::new(),
        warnings: Vec::new(),
        uses_self_address: false,
        uses_internal: false,
    };
    let l = &mut loader;
    let Value::Object(top) = &value else {
        l.expected("(the file)", "a JSON object (one persona)", &value);
        return Err(loader.errors);
    };
    l.check_keys(top, "", TOP_KEYS);
    let mut required = |key: &str, what: &str| {
        if !top.contains_key(key) {
            l.error(key, format!("missing: every persona needs {what}"));
        }
    };
    required("id", "an id (written into every labeled event as persona_id)");
    required("name", "a name");
    required("tier", "a tier (1, 2 or 3)");

    let mut persona = Persona {
        id: String::new(),
        name: String::new(),
        tier: 0,
        source: source.to_string(),
        level: None,
        function: None,
        industry: None,
        company: None,
        work_style: None,
        stress_level: None,
        rules: Vec::new(),
        lists: Default::default(),
        priorities: Vec::new(),
        thresholds: Thresholds::default(),
        me: Me::default(),
        needs: Needs::default(),
        warnings: Vec::new(),
        uses_self_address: false,
        uses_internal: false,
    };
    if let Some(v) = top.get("id") {
        match v {
            Value::String(s) if !s.trim().is_empty() => persona.id = s.trim().to_string(),
            other => l.expected("id", "a non-empty string", other),
        }
    }
    if let Some(v) = top.get("name") {
        persona.name = l.string(v, "name").unwrap_or_default();
    }
    if let Some(v) = top.get("tier") {
        match v.as_u64() {
            Some(t @ 1..=3) => persona.tier = t as u8,
            _ => l.expected("tier", "1, 2 or 3", v),
        }
    }
    for key in ["work_style", "career_stage", "stress_level", "notes"] {
        if let Some(v) = top.get(key) {
            let s = l.string(v, key);
            match key {
                "work_style" => persona.work_style = s,
                "stress_level" => persona.stress_level = s,
                _ => {}
            }
        }
    }
    if let Some(v) = top.get("demographics")
        && let Some(map) = l.object(v, "demographics")
    {
        l.check_keys(map, "demographics", DEMOGRAPHIC_KEYS);
        for (key, value) in map {
            let at = join("demographics", key);
            let s = if key == "team_size" {
                l.string_or_number(value, &at)
            } else if DEMOGRAPHIC_KEYS.contains(&key.as_str()) {
                l.string(value, &at)
            } else {
                None
            };
            match key.as_str() {
                "level" => persona.level = s,
                "function" => persona.function = s,
                "industry" => persona.industry = s,
                "company" => persona.company = s,
                _ => {}
            }
        }
    }
    if let Some(v) = top.get("meeting_context")
        && let Some(map) = l.object(v, "meeting_context")
    {
        l.check_keys(map, "meeting_context", CONTEXT_KEYS);
        if let Some(hours) = map.get("weekly_meeting_hours") {
            l.string_or_number(hours, "meeting_context.weekly_meeting_hours");
        }
        if let Some(b) = map.get("typical_breakdown")
            && let Some(parts) = l.object(b, "meeting_context.typical_breakdown")
        {
            for (key, share) in parts {
                l.string_or_number(share, &join("meeting_context.typical_breakdown", key));
            }
        }
    }
    if let Some(v) = top.get("self")
        && let Some(map) = l.object(v, "self")
    {
        l.check_keys(map, "self", SELF_KEYS);
        if let Some(a) = map.get("address")
            && let Some(address) = l.string(a, "self.address")
        {
            match address.trim().rsplit_once('@') {
                Some((user, domain)) if !user.is_empty() && !domain.is_empty() => {
                    persona.me.internal_domains.push(domain.to_ascii_lowercase());
                    persona.me.address = Some(address.trim().to_ascii_lowercase());
                }
                _ => l.error(
                    "self.address",
                    format!("expected an e-mail address, found {address:?}"),
                ),
            }
        }
        if let Some(d) = map.get("internal_domains")
            && let Some(list) = l.array(d, "self.internal_domains", "domain names")
        {
            for (i, item) in list.iter().enumerate() {
                let at = format!("self.internal_domains[{i}]");
                if let Some(domain) = l.string(item, &at) {
                    let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
                    if domain.is_empty() || domain.contains(['@', ' ']) {
                        l.error(
                            &at,
                            format!("expected a domain name such as contoso.com, found {domain:?}"),
                        );
                    } else if !persona.me.internal_domains.contains(&domain) {
                        persona.me.internal_domains.push(domain);
                    }
                }
            }
        }
        if let Some(o) = map.get("utc_offset") {
            persona.me.utc_offset = parse_offset(o);
            if persona.me.utc_offset.is_none() {
                l.expected(
                    "self.utc_offset",
                    "an offset such as \"+08:00\" or a number of hours",
                    o,
                );
            }
        }
    }
    if let Some(v) = top.get("label_thresholds")
        && let Some(map) = l.object(v, "label_thresholds")
    {
        l.check_keys(map, "label_thresholds", THRESHOLD_KEYS);
        let mut t = Thresholds::default();
        for (key, value) in map {
            let at = join("label_thresholds", key);
            let Some(n) = value.as_i64().filter(|n| n.abs() <= 1000) else {
                if THRESHOLD_KEYS.contains(&key.as_str()) {
                    l.expected(&at, "a whole number (a score)", value);
                }
                continue;
            };
            match key.as_str() {
                "critical" => t.critical = n,
                "high" => t.high = n,
                "medium" => t.medium = n,
                _ => {}
            }
        }
        if !(t.critical >= t.high && t.high >= t.medium) {
            l.error(
                "label_thresholds",
                format!(
                    "expected critical >= high >= medium, found critical {}, high {}, medium {}",
                    t.critical, t.high, t.medium
                ),
            );
        }
        persona.thresholds = t;
    }

    // Rules, in the order they are stored and reported.
    let mut rules = Vec::new();
    let mut lists: [Range<usize>; LISTS] = Default::default();
    let importance =
        top.get("importance_criteria").and_then(|v| l.object(v, "importance_criteria"));
    if let Some(map) = importance {
        l.check_keys(map, "importance_criteria", IMPORTANCE_KEYS);
    }
    for (list, key) in [
        (List::Always, "always_important"),
        (List::Usually, "usually_important"),
        (List::Sometimes, "sometimes_important"),
        (List::Rarely, "rarely_important"),
    ] {
        let start = rules.len();
        if let Some(v) = importance.and_then(|m| m.get(key)) {
            l.rules(v, &join("importance_criteria", key), list, &mut rules);
        }
        lists[list as usize] = start..rules.len();
    }
    let start = rules.len();
    if let Some(v) = top.get("priority_framework")
        && let Some(items) = l.array(v, "priority_framework", "priority objects")
    {
        for (i, item) in items.iter().enumerate() {
            let at = format!("priority_framework[{i}]");
            let Some(map) = l.object(item, &at) else { continue };
            l.check_keys(map, &at, PRIORITY_KEYS);
            let name = match map.get("name") {
                Some(v) => l.string(v, &join(&at, "name")),
                None => {
                    l.error(&join(&at, "name"), "missing: a priority needs a name");
                    None
                }
            };
            if let Some(tc) = map.get("time_commitment") {
                l.string_or_number(tc, &join(&at, "time_commitment"));
            }
            let first = rules.len();
            match map.get("keywords") {
                Some(Value::Array(list)) if list.is_empty() => l.error(
                    &join(&at, "keywords"),
                    "a priority needs at least one keyword (an empty list never matches)",
                ),
                Some(k) => l.rules(k, &join(&at, "keywords"), List::Priority, &mut rules),
                None => l.error(
                    &join(&at, "keywords"),
                    "missing: a priority needs keywords (a non-empty list)",
                ),
            }
            if let Some(name) = name {
                persona.priorities.push(Priority {
                    reason: format!("Matches priority: {name}"),
                    name,
                    path: at,
                    keywords: first..rules.len(),
                });
            } else {
                rules.truncate(first);
            }
        }
    }
    lists[List::Priority as usize] = start..rules.len();
    for (section, keys, entries) in [
        (
            "prep_time_needs",
            PREP_KEYS,
            &[
                (List::RequiresPrep, "requires_prep"),
                (List::OptionalPrep, "optional_prep"),
                (List::NoPrep, "no_prep"),
            ][..],
        ),
        (
            "rsvp_rules",
            RSVP_KEYS,
            &[
                (List::AlwaysAccept, "always_accept"),
                (List::Conditional, "conditional"),
                (List::DeclineByDefault, "decline_by_default"),
                (List::AlwaysDecline, "always_decline"),
            ][..],
        ),
    ] {
        let map = top.get(section).and_then(|v| l.object(v, section));
        if let Some(map) = map {
            l.check_keys(map, section, keys);
        }
        for (list, key) in entries {
            let start = rules.len();
            if let Some(v) = map.and_then(|m| m.get(*key)) {
                let mut read = Vec::new();
                l.rules(v, &join(section, key), *list, &mut read);
                // The seed generator never used RSVP rules.
                if !(mode == Mode::Seed && section == "rsvp_rules") {
                    rules.extend(read);
                }
            }
            lists[*list as usize] = start..rules.len();
        }
    }

    persona.uses_self_address = l.uses_self_address;
    persona.uses_internal = l.uses_internal;
    if !loader.errors.is_empty() {
        return Err(loader.errors);
    }
    for rule in &mut rules {
        rule.reason = reason(mode, rule.list, &rule.name);
        persona.needs = persona.needs.union(rule.cond.needs());
    }
    persona.rules = rules;
    persona.lists = lists;
    persona.warnings = loader.warnings;
    Ok(persona)
}

/// `"+08:00"`, `"-05:30"`, `"UTC+8"` or a number of hours → minutes east of UTC.
fn parse_offset(value: &Value) -> Option<i64> {
    if let Some(hours) = value.as_f64() {
        return (hours.abs() <= 14.0).then(|| (hours * 60.0).round() as i64);
    }
    let text = value.as_str()?.trim();
    let text = text.strip_prefix("UTC").or_else(|| text.strip_prefix("GMT")).unwrap_or(text);
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    if !(h.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_utc_offsets_with_signed_parts_are_rejected() {
        let offset = |v: Value| parse_offset(&v);
        assert_eq!(offset(Value::from("+08:00")), Some(480));
        assert_eq!(offset(Value::from("UTC-05:30")), Some(-330));
        assert_eq!(offset(Value::from(8)), Some(480));
        // "+-5" and "-0:-30" used to be read as -5 h and -30 min.
        assert_eq!(offset(Value::from("+-5")), None);
        assert_eq!(offset(Value::from("-0:-30")), None);
        assert_eq!(offset(Value::from("+15:00")), None);
    }
}
