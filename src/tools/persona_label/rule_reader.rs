//! Reading the rule lists of a persona file: keyword strings (importance
//! criteria, priority keywords), descriptive strings (prep and RSVP rules)
//! and structured matcher objects with their conditions, each checked and
//! compiled for the chosen `--rules` mode, its text tests registered in the
//! shared [`Terms`](super::matcher::Terms). These are the [`Loader`]'s
//! methods for rules; the sections of the file are read in `loader`.

use serde_json::{Map, Value};

use super::loader::{Loader, join};
use super::matcher::{Field, Fields};
use super::persona::{List, Mode, Rule};
use super::rules::Cond;
use super::text;

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

/// The event fields a text condition looks in, or `None` for another condition.
fn text_fields(key: &str) -> Option<Fields> {
    match key {
        "subject" => Some(Field::Subject.bit()),
        "body" => Some(Field::Preview.bit().union(Field::Body.bit())),
        "text" => Some(Fields::KEYWORD),
        "organizer" => Some(Field::Organizer.bit()),
        "attendee" => Some(Field::Attendee.bit()),
        "location" => Some(Field::Location.bit()),
        "category" => Some(Field::Category.bit()),
        _ => None,
    }
}

impl Loader<'_> {
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
    ///
    /// The plan: check the keys; read each condition (a text test or an
    /// event test); refuse bounds no event could meet; then all of them must
    /// hold. Any problem in the object leaves it without a condition.
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
            let cond = match text_fields(key) {
                Some(fields) => self.text_condition(value, &at, fields),
                None => self.event_condition(key, value, &at),
            };
            conds.extend(cond);
        }
        self.check_bounds(&conds, path);
        if self.errors.len() > errors_before {
            return None;
        }
        self.all_of(conds, path)
    }

    /// A text condition: a keyword, a /regex/ or a list of them (any one).
    fn text_condition(&mut self, value: &Value, at: &str, fields: Fields) -> Option<Cond> {
        let items: Vec<(String, &Value)> = match value {
            Value::Array(list) if !list.is_empty() => {
                list.iter().enumerate().map(|(i, v)| (format!("{at}[{i}]"), v)).collect()
            }
            Value::String(_) => vec![(at.to_string(), value)],
            other => {
                self.expected(at, "a keyword, a /regex/ or a non-empty array of them", other);
                return None;
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
        match any.len() {
            0 => None,
            1 => any.pop(),
            _ => Some(Cond::Any(any)),
        }
    }

    /// Any other condition: attendees, the event's own fields, or a combination.
    fn event_condition(&mut self, key: &str, value: &Value, at: &str) -> Option<Cond> {
        match key {
            "external_attendees" => {
                self.uses_internal = true;
                self.external_attendees(value, at)
            }
            "external_organizer" => {
                self.uses_internal = true;
                self.bool(value, at).map(Cond::ExternalOrganizer)
            }
            "min_attendees" => self.count(value, at, 100_000).map(Cond::MinAttendees),
            "max_attendees" => self.count(value, at, 100_000).map(Cond::MaxAttendees),
            "min_duration_minutes" => self.count(value, at, 525_600).map(Cond::MinDuration),
            "max_duration_minutes" => self.count(value, at, 525_600).map(Cond::MaxDuration),
            "organizer_is_self" => self.bool(value, at).map(Cond::OrganizerIsSelf),
            "optional_for_self" => {
                self.uses_self_address = true;
                self.bool(value, at).map(Cond::OptionalForSelf)
            }
            "recurring" => self.bool(value, at).map(Cond::Recurring),
            "all_day" => self.bool(value, at).map(Cond::AllDay),
            "online" => self.bool(value, at).map(Cond::Online),
            "show_as" => self.enum_values(value, at, SHOW_AS, &[]).map(Cond::ShowAs),
            "response" => self.enum_values(value, at, RESPONSES, &[]).map(Cond::Response),
            "importance" => self.enum_values(value, at, IMPORTANCE, &[]).map(Cond::Importance),
            "start_hour_before" => self.hour(value, at).map(Cond::StartBefore),
            "start_hour_after" => self.hour(value, at).map(Cond::StartAfter),
            "weekday" => self.weekday(value, at),
            "all" | "any" => self.combination(key, value, at),
            "not" => self.negation(value, at),
            // "name" and "minutes" are the matcher's own; unknown keys are reported.
            _ => None,
        }
    }

    /// `external_attendees`: true (at least one), false (none) or a minimum count.
    fn external_attendees(&mut self, value: &Value, at: &str) -> Option<Cond> {
        match value {
            Value::Bool(true) => Some(Cond::External { at_least: 1, none: false }),
            Value::Bool(false) => Some(Cond::External { at_least: 0, none: true }),
            _ => match value.as_u64() {
                Some(n) if n <= 10_000 => Some(Cond::External { at_least: n as u32, none: false }),
                _ => {
                    self.expected(at, "true, false or a minimum count", value);
                    None
                }
            },
        }
    }

    /// `weekday`: a day or a list of days, as a bit mask (Monday is bit 0).
    fn weekday(&mut self, value: &Value, at: &str) -> Option<Cond> {
        self.enum_values(value, at, WEEKDAYS, WEEKDAY_NAMES).map(|days| {
            let mut mask = 0u8;
            for d in days {
                let short = &d[..3.min(d.len())];
                if let Some(i) = WEEKDAYS.iter().position(|w| w.eq_ignore_ascii_case(short)) {
                    mask |= 1 << i;
                }
            }
            Cond::Weekday(mask)
        })
    }

    /// `all` or `any`: a non-empty list of condition objects.
    fn combination(&mut self, key: &str, value: &Value, at: &str) -> Option<Cond> {
        match value {
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
                self.expected(at, "a non-empty array of condition objects", other);
                None
            }
        }
    }

    /// `not`: one condition object.
    fn negation(&mut self, value: &Value, at: &str) -> Option<Cond> {
        match value {
            Value::Object(map) => self.conditions(map, at, false).map(|c| Cond::Not(Box::new(c))),
            other => {
                self.expected(at, "a condition object", other);
                None
            }
        }
    }

    /// Bounds in one object that no event can meet at once: surely a mistake.
    fn check_bounds(&mut self, conds: &[Cond], path: &str) {
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
    }

    /// The conditions of one object, which must all hold: at least one.
    fn all_of(&mut self, mut conds: Vec<Cond>, path: &str) -> Option<Cond> {
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
    pub(super) fn rules(&mut self, value: &Value, path: &str, list: List, rules: &mut Vec<Rule>) {
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
