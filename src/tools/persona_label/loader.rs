//! The persona loader: reads the text of a persona file (the seed project's
//! JSON, CRLF and all, extended with structured matchers, `self` and
//! `label_thresholds`) into a [`Persona`]. It validates every key and type and
//! reports each problem with the file, the JSON path and what was expected
//! (with the nearest valid key for a typo). This file owns the [`Loader`]
//! (problem collection and the typed readers), the plan of [`load`] and one
//! step per section of the file; the rule lists themselves are read, and
//! compiled for the chosen `--rules` mode, in `rule_reader`.

use std::ops::Range;

use serde_json::{Map, Value};

use super::event::Needs;
use super::matcher::Terms;
use super::persona::{LISTS, List, Mode, Persona, Priority, Rule, Thresholds};
use super::rules::Me;
use super::text;

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

pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// Reads one persona file into a [`Persona`], collecting every problem.
pub(super) struct Loader<'t> {
    pub(super) source: String,
    pub(super) mode: Mode,
    pub(super) terms: &'t mut Terms,
    pub(super) errors: Vec<String>,
    pub(super) warnings: Vec<String>,
    pub(super) uses_self_address: bool,
    pub(super) uses_internal: bool,
}

impl<'t> Loader<'t> {
    fn new(source: &str, mode: Mode, terms: &'t mut Terms) -> Self {
        Loader {
            source: source.to_string(),
            mode,
            terms,
            errors: Vec::new(),
            warnings: Vec::new(),
            uses_self_address: false,
            uses_internal: false,
        }
    }
}

/// Problems and the typed readers every section uses.
impl Loader<'_> {
    pub(super) fn error(&mut self, path: &str, message: impl std::fmt::Display) {
        self.errors.push(format!("{}: {path}: {message}", self.source));
    }

    pub(super) fn warn(&mut self, path: &str, message: impl std::fmt::Display) {
        self.warnings.push(format!("{}: {path}: {message}", self.source));
    }

    pub(super) fn expected(&mut self, path: &str, what: &str, found: &Value) {
        self.error(path, format!("expected {what}, found {}", describe(found)));
    }

    /// Reports keys of `object` that are not in `known`.
    pub(super) fn check_keys(&mut self, object: &Map<String, Value>, path: &str, known: &[&str]) {
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

    pub(super) fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.expected(path, "an object", other);
                None
            }
        }
    }

    pub(super) fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.expected(path, "a string", other);
                None
            }
        }
    }

    pub(super) fn string_or_number(&mut self, value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            other => {
                self.expected(path, "a string or a number", other);
                None
            }
        }
    }

    pub(super) fn bool(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.expected(path, "true or false", other);
                None
            }
        }
    }

    pub(super) fn count(&mut self, value: &Value, path: &str, max: u64) -> Option<u32> {
        match value.as_u64() {
            Some(n) if n <= max => Some(n as u32),
            _ => {
                self.expected(path, &format!("a whole number from 0 to {max}"), value);
                None
            }
        }
    }

    pub(super) fn array<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        what: &str,
    ) -> Option<&'v [Value]> {
        match value {
            Value::Array(list) => Some(list),
            other => {
                self.expected(path, &format!("an array of {what}"), other);
                None
            }
        }
    }
}

/// Parses the text of a persona file (`source` names it in messages).
/// Returns the persona and its warnings, or every error found.
///
/// The plan: parse the JSON; check the top-level keys; read the descriptive
/// sections into the persona; read the rule lists in the order they are
/// stored and reported; then, when nothing was wrong, compile the rules.
pub fn load(
    text: &str,
    source: &str,
    mode: Mode,
    terms: &mut Terms,
) -> Result<Persona, Vec<String>> {
    let value = parse_json(text, source)?;
    let mut loader = Loader::new(source, mode, terms);
    let Value::Object(top) = &value else {
        loader.expected("(the file)", "a JSON object (one persona)", &value);
        return Err(loader.errors);
    };
    loader.check_top(top);
    let mut persona = empty_persona(source);
    loader.identity(top, &mut persona);
    loader.descriptions(top, &mut persona);
    loader.demographics(top, &mut persona);
    loader.meeting_context(top);
    loader.read_self(top, &mut persona.me);
    loader.label_thresholds(top, &mut persona.thresholds);
    let mut lists = RuleLists::default();
    loader.importance_criteria(top, &mut lists);
    loader.priority_framework(top, &mut lists, &mut persona.priorities);
    loader.prep_and_rsvp(top, &mut lists);
    loader.finish(persona, lists)
}

/// The file's JSON (a UTF-8 BOM skipped), or its one syntax error, located.
fn parse_json(text: &str, source: &str) -> Result<Value, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    crate::json::parse_config(text).map_err(|e| {
        let e = crate::json::config_error(text, &e);
        vec![format!("{source}:{}:{}: invalid JSON: {}", e.line, e.column, e.message)]
    })
}

/// A persona with nothing read yet.
fn empty_persona(source: &str) -> Persona {
    Persona {
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
    }
}

/// The rules read so far, in the order they are stored and reported, and
/// the index range of each [`List`].
#[derive(Default)]
struct RuleLists {
    rules: Vec<Rule>,
    lists: [Range<usize>; LISTS],
}

/// The steps of [`load`], one per section of the file.
impl Loader<'_> {
    /// Unknown top-level keys, and the keys every persona needs.
    fn check_top(&mut self, top: &Map<String, Value>) {
        self.check_keys(top, "", TOP_KEYS);
        self.required(top, "id", "an id (written into every labeled event as persona_id)");
        self.required(top, "name", "a name");
        self.required(top, "tier", "a tier (1, 2 or 3)");
    }

    fn required(&mut self, top: &Map<String, Value>, key: &str, what: &str) {
        if !top.contains_key(key) {
            self.error(key, format!("missing: every persona needs {what}"));
        }
    }

    /// `id`, `name` and `tier`.
    fn identity(&mut self, top: &Map<String, Value>, persona: &mut Persona) {
        if let Some(v) = top.get("id") {
            match v {
                Value::String(s) if !s.trim().is_empty() => persona.id = s.trim().to_string(),
                other => self.expected("id", "a non-empty string", other),
            }
        }
        if let Some(v) = top.get("name") {
            persona.name = self.string(v, "name").unwrap_or_default();
        }
        if let Some(v) = top.get("tier") {
            match v.as_u64() {
                Some(t @ 1..=3) => persona.tier = t as u8,
                _ => self.expected("tier", "1, 2 or 3", v),
            }
        }
    }

    /// The descriptive strings; `work_style` and `stress_level` are kept.
    fn descriptions(&mut self, top: &Map<String, Value>, persona: &mut Persona) {
        for key in ["work_style", "career_stage", "stress_level", "notes"] {
            if let Some(v) = top.get(key) {
                let s = self.string(v, key);
                match key {
                    "work_style" => persona.work_style = s,
                    "stress_level" => persona.stress_level = s,
                    _ => {}
                }
            }
        }
    }

    /// `demographics`: level, function, industry and company are kept.
    fn demographics(&mut self, top: &Map<String, Value>, persona: &mut Persona) {
        let Some(v) = top.get("demographics") else { return };
        let Some(map) = self.object(v, "demographics") else { return };
        self.check_keys(map, "demographics", DEMOGRAPHIC_KEYS);
        for (key, value) in map {
            let at = join("demographics", key);
            let s = if key == "team_size" {
                self.string_or_number(value, &at)
            } else if DEMOGRAPHIC_KEYS.contains(&key.as_str()) {
                self.string(value, &at)
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

    /// `meeting_context`: checked, not kept.
    fn meeting_context(&mut self, top: &Map<String, Value>) {
        let Some(v) = top.get("meeting_context") else { return };
        let Some(map) = self.object(v, "meeting_context") else { return };
        self.check_keys(map, "meeting_context", CONTEXT_KEYS);
        if let Some(hours) = map.get("weekly_meeting_hours") {
            self.string_or_number(hours, "meeting_context.weekly_meeting_hours");
        }
        if let Some(b) = map.get("typical_breakdown")
            && let Some(parts) = self.object(b, "meeting_context.typical_breakdown")
        {
            for (key, share) in parts {
                self.string_or_number(share, &join("meeting_context.typical_breakdown", key));
            }
        }
    }

    /// `self`: the address, the internal domains and the UTC offset.
    fn read_self(&mut self, top: &Map<String, Value>, me: &mut Me) {
        let Some(v) = top.get("self") else { return };
        let Some(map) = self.object(v, "self") else { return };
        self.check_keys(map, "self", SELF_KEYS);
        self.self_address(map, me);
        self.internal_domains(map, me);
        self.utc_offset(map, me);
    }

    /// `self.address`; its domain is internal.
    fn self_address(&mut self, map: &Map<String, Value>, me: &mut Me) {
        let Some(a) = map.get("address") else { return };
        let Some(address) = self.string(a, "self.address") else { return };
        match address.trim().rsplit_once('@') {
            Some((user, domain)) if !user.is_empty() && !domain.is_empty() => {
                me.internal_domains.push(domain.to_ascii_lowercase());
                me.address = Some(address.trim().to_ascii_lowercase());
            }
            _ => {
                self.error("self.address", format!("expected an e-mail address, found {address:?}"))
            }
        }
    }

    /// `self.internal_domains`, each once.
    fn internal_domains(&mut self, map: &Map<String, Value>, me: &mut Me) {
        let Some(d) = map.get("internal_domains") else { return };
        let Some(list) = self.array(d, "self.internal_domains", "domain names") else { return };
        for (i, item) in list.iter().enumerate() {
            let at = format!("self.internal_domains[{i}]");
            if let Some(domain) = self.string(item, &at) {
                let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
                if domain.is_empty() || domain.contains(['@', ' ']) {
                    self.error(
                        &at,
                        format!("expected a domain name such as contoso.com, found {domain:?}"),
                    );
                } else if !me.internal_domains.contains(&domain) {
                    me.internal_domains.push(domain);
                }
            }
        }
    }

    /// `self.utc_offset`.
    fn utc_offset(&mut self, map: &Map<String, Value>, me: &mut Me) {
        let Some(o) = map.get("utc_offset") else { return };
        me.utc_offset = parse_offset(o);
        if me.utc_offset.is_none() {
            self.expected(
                "self.utc_offset",
                "an offset such as \"+08:00\" or a number of hours",
                o,
            );
        }
    }

    /// `label_thresholds`, which must not decrease from critical to medium.
    fn label_thresholds(&mut self, top: &Map<String, Value>, thresholds: &mut Thresholds) {
        let Some(v) = top.get("label_thresholds") else { return };
        let Some(map) = self.object(v, "label_thresholds") else { return };
        self.check_keys(map, "label_thresholds", THRESHOLD_KEYS);
        let mut t = Thresholds::default();
        for (key, value) in map {
            let at = join("label_thresholds", key);
            let Some(n) = value.as_i64().filter(|n| n.abs() <= 1000) else {
                if THRESHOLD_KEYS.contains(&key.as_str()) {
                    self.expected(&at, "a whole number (a score)", value);
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
            self.error(
                "label_thresholds",
                format!(
                    "expected critical >= high >= medium, found critical {}, high {}, medium {}",
                    t.critical, t.high, t.medium
                ),
            );
        }
        *thresholds = t;
    }

    /// The four importance lists.
    fn importance_criteria(&mut self, top: &Map<String, Value>, read: &mut RuleLists) {
        let importance =
            top.get("importance_criteria").and_then(|v| self.object(v, "importance_criteria"));
        if let Some(map) = importance {
            self.check_keys(map, "importance_criteria", IMPORTANCE_KEYS);
        }
        for (list, key) in [
            (List::Always, "always_important"),
            (List::Usually, "usually_important"),
            (List::Sometimes, "sometimes_important"),
            (List::Rarely, "rarely_important"),
        ] {
            let start = read.rules.len();
            if let Some(v) = importance.and_then(|m| m.get(key)) {
                self.rules(v, &join("importance_criteria", key), list, &mut read.rules);
            }
            read.lists[list as usize] = start..read.rules.len();
        }
    }

    /// `priority_framework`: the priorities, their keywords one list.
    fn priority_framework(
        &mut self,
        top: &Map<String, Value>,
        read: &mut RuleLists,
        priorities: &mut Vec<Priority>,
    ) {
        let start = read.rules.len();
        if let Some(v) = top.get("priority_framework")
            && let Some(items) = self.array(v, "priority_framework", "priority objects")
        {
            for (i, item) in items.iter().enumerate() {
                let at = format!("priority_framework[{i}]");
                self.priority(item, at, &mut read.rules, priorities);
            }
        }
        read.lists[List::Priority as usize] = start..read.rules.len();
    }

    /// One priority object; its keywords are dropped with it when it has no name.
    fn priority(
        &mut self,
        item: &Value,
        at: String,
        rules: &mut Vec<Rule>,
        priorities: &mut Vec<Priority>,
    ) {
        let Some(map) = self.object(item, &at) else { return };
        self.check_keys(map, &at, PRIORITY_KEYS);
        let name = match map.get("name") {
            Some(v) => self.string(v, &join(&at, "name")),
            None => {
                self.error(&join(&at, "name"), "missing: a priority needs a name");
                None
            }
        };
        if let Some(tc) = map.get("time_commitment") {
            self.string_or_number(tc, &join(&at, "time_commitment"));
        }
        let first = rules.len();
        match map.get("keywords") {
            Some(Value::Array(list)) if list.is_empty() => self.error(
                &join(&at, "keywords"),
                "a priority needs at least one keyword (an empty list never matches)",
            ),
            Some(k) => self.rules(k, &join(&at, "keywords"), List::Priority, rules),
            None => self.error(
                &join(&at, "keywords"),
                "missing: a priority needs keywords (a non-empty list)",
            ),
        }
        if let Some(name) = name {
            priorities.push(Priority {
                reason: format!("Matches priority: {name}"),
                name,
                path: at,
                keywords: first..rules.len(),
            });
        } else {
            rules.truncate(first);
        }
    }

    /// `prep_time_needs`, then `rsvp_rules`.
    fn prep_and_rsvp(&mut self, top: &Map<String, Value>, read: &mut RuleLists) {
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
            self.rule_section(top, section, keys, entries, read);
        }
    }

    /// One section of rule lists, `entries` naming each list's key.
    fn rule_section(
        &mut self,
        top: &Map<String, Value>,
        section: &str,
        keys: &[&str],
        entries: &[(List, &str)],
        read: &mut RuleLists,
    ) {
        let map = top.get(section).and_then(|v| self.object(v, section));
        if let Some(map) = map {
            self.check_keys(map, section, keys);
        }
        for (list, key) in entries {
            let start = read.rules.len();
            if let Some(v) = map.and_then(|m| m.get(*key)) {
                let mut rules = Vec::new();
                self.rules(v, &join(section, key), *list, &mut rules);
                // The seed generator never used RSVP rules.
                if !(self.mode == Mode::Seed && section == "rsvp_rules") {
                    read.rules.extend(rules);
                }
            }
            read.lists[*list as usize] = start..read.rules.len();
        }
    }

    /// Every error found, or the persona with its rules compiled: each rule
    /// gets its reasoning phrase, and the persona the event fields they need.
    fn finish(self, mut persona: Persona, read: RuleLists) -> Result<Persona, Vec<String>> {
        persona.uses_self_address = self.uses_self_address;
        persona.uses_internal = self.uses_internal;
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let RuleLists { mut rules, lists } = read;
        for rule in &mut rules {
            rule.reason = reason(self.mode, rule.list, &rule.name);
            persona.needs = persona.needs.union(rule.cond.needs());
        }
        persona.rules = rules;
        persona.lists = lists;
        persona.warnings = self.warnings;
        Ok(persona)
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
