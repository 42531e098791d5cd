//! One event, checked in one pass over its bytes: the schema walk (types,
//! nullability, enums, nested structure, formats, unknown properties) with a
//! pull cursor, then the semantic checks on what the walk captured (end after
//! start in real time, all-day midnights, required properties, time-zone
//! policy, duplicate attendees, labels). Every problem becomes an [`Issue`]
//! located by JSON Pointer; nothing stops at the first one.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::json::{self, Cursor, JsonError, Kind, Next, PathSet, Raw};
use crate::time::{DateTimeText, parse_date, parse_date_time};

use super::align::PathRecorder;
use super::schema::{
    ATTENDEE_TYPE, Complex, EVENT, EVENT_TYPE, Enum, FREE_BUSY_STATUS, LABELS, Role, Ty,
};
use super::zones::{ZoneCache, Zones, instant};
use crate::email::looks_like_email;
use crate::path::pointer_escape;

/// What kind of problem an issue is (the summary counts by path and kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    Type,
    Null,
    Enum,
    Format,
    Range,
    Unknown,
    Placeholder,
    TimeZone,
    Order,
    AllDay,
    Email,
    Duplicate,
    Required,
    Label,
    Repeated,
}

impl IssueKind {
    pub fn name(self) -> &'static str {
        match self {
            IssueKind::Type => "type",
            IssueKind::Null => "null",
            IssueKind::Enum => "enum",
            IssueKind::Format => "format",
            IssueKind::Range => "range",
            IssueKind::Unknown => "unknown property",
            IssueKind::Placeholder => "placeholder",
            IssueKind::TimeZone => "time zone",
            IssueKind::Order => "end before start",
            IssueKind::AllDay => "all-day",
            IssueKind::Email => "email",
            IssueKind::Duplicate => "duplicate attendee",
            IssueKind::Required => "required",
            IssueKind::Label => "label",
            IssueKind::Repeated => "repeated key",
        }
    }
}

/// One problem in one record.
#[derive(Debug, Clone)]
pub struct Issue {
    /// JSON Pointer to the value ("" is the record).
    pub path: String,
    pub kind: IssueKind,
    pub error: String,
    /// The offending value as JSON text (see [`value_text`]); none when absent.
    pub value: Option<String>,
}

/// Values longer than this are shown as a string holding their beginning.
const VALUE_LIMIT: usize = 256;
const VALUE_PREVIEW: usize = 120;

/// The offending value as JSON text: the value itself, or for a long one a
/// JSON string with its first characters and an ellipsis.
pub fn value_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if text.len() <= VALUE_LIMIT {
        return text.into_owned();
    }
    let head: String = text.chars().take(VALUE_PREVIEW).collect();
    json::quote(&format!("{head}…"))
}

/// How the checks are set up (from the flags).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub strict: bool,
    /// Label fields must all be present (`--labels`).
    pub labels: bool,
    /// Required top-level properties.
    pub required_top: Vec<String>,
    /// For each event property (by index), its place in `required_top`.
    pub required_slots: Vec<Option<usize>>,
    /// Required nested paths: their set and their names as written.
    pub required_nested: Option<(PathSet, Vec<String>)>,
    /// Every start/end must use this zone name (`--timezone`).
    pub timezone: Option<String>,
}

/// A value's bytes in the record.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    escaped: bool,
}

impl Span {
    fn of(line: &[u8], raw: &Raw<'_>) -> Span {
        let start = raw.bytes.as_ptr() as usize - line.as_ptr() as usize;
        Span { start, end: start + raw.bytes.len(), escaped: raw.escaped }
    }

    fn raw<'a>(&self, line: &'a [u8], kind: Kind) -> Raw<'a> {
        Raw { kind, bytes: &line[self.start..self.end], escaped: self.escaped }
    }

    fn text<'a>(&self, line: &'a [u8]) -> Cow<'a, str> {
        self.raw(line, Kind::String).as_str().unwrap_or_default()
    }

    /// A string value's content bytes, decoded only when it has escapes.
    fn content<'a>(&self, line: &'a [u8]) -> Cow<'a, [u8]> {
        content(&self.raw(line, Kind::String))
    }
}

/// A string's content bytes without the quotes, decoded only when escaped
/// (the hot path never re-validates UTF-8: the scanner already did).
#[inline]
fn content<'a>(raw: &Raw<'a>) -> Cow<'a, [u8]> {
    if raw.escaped {
        Cow::Owned(raw.as_str().unwrap_or_default().into_owned().into_bytes())
    } else {
        Cow::Borrowed(&raw.bytes[1..raw.bytes.len() - 1])
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct AttendeeFact {
    kind: Option<Span>,
    address: Option<Span>,
}

/// Where in the event a value sits, for the captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Event,
    Start,
    End,
    Organizer,
    Attendee(usize),
    Other,
}

/// Buffers reused from record to record.
#[derive(Default)]
pub struct Scratch {
    /// The current path with array indices as `*`, for alignment.
    norm: String,
    attendees: Vec<AttendeeFact>,
    pub issues: Vec<Issue>,
    required_seen: Vec<bool>,
    required_null: Vec<bool>,
}

/// What the walk captured from an event.
#[derive(Debug, Default)]
struct Captures {
    event_type: Option<Span>,
    show_as: Option<Span>,
    body_preview: Option<Span>,
    is_all_day: Option<bool>,
    start_date_time: Option<Span>,
    start_zone: Option<Span>,
    end_date_time: Option<Span>,
    end_zone: Option<Span>,
    start_present: bool,
    end_present: bool,
    attendee_count: Option<usize>,
    prep_needed: Option<bool>,
    prep_time: Option<(i64, Span)>,
    labels_present: u8,
}

/// What the realism figures need from an event (reused from record to record).
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub event_type: Option<&'static str>,
    pub show_as: Option<&'static str>,
    /// start.timeZone as written ("" when absent, see `has_time_zone`).
    pub time_zone: String,
    pub has_time_zone: bool,
    /// Characters of bodyPreview; `None` when absent or not a string.
    pub preview_chars: Option<usize>,
    pub attendee_count: Option<usize>,
    pub attendee_types: Vec<Option<&'static str>>,
    /// Wall-clock start as written.
    pub start: Option<DateTimeText>,
    /// end − start in seconds, when both instants are known.
    pub duration_seconds: Option<i64>,
}

/// The per-record state of the walk.
struct Walk<'a, 's> {
    line: &'a [u8],
    cur: Cursor<'a>,
    s: &'s mut Scratch,
    cfg: &'s Config,
    zones: &'s Zones,
    cache: &'s mut ZoneCache,
    align: Option<&'s mut PathRecorder>,
    caps: Captures,
}

/// Checks one record: fills `scratch.issues` (cleared first) and returns the
/// facts the realism figures use. A JSON problem ends the check at once.
pub fn check(
    line: &[u8],
    cfg: &Config,
    zones: &Zones,
    cache: &mut ZoneCache,
    scratch: &mut Scratch,
    align: Option<&mut PathRecorder>,
    facts: Option<&mut Facts>,
) -> Result<(), JsonError> {
    scratch.issues.clear();
    scratch.norm.clear();
    scratch.attendees.clear();
    scratch.required_seen.clear();
    scratch.required_seen.resize(cfg.required_top.len(), false);
    scratch.required_null.clear();
    scratch.required_null.resize(cfg.required_top.len(), false);
    let mut align = align;
    if let Some(rec) = align.as_deref_mut() {
        rec.begin_record();
    }
    let cur = Cursor::object(line)?;
    let mut walk = Walk {
        line,
        cur,
        s: &mut *scratch,
        cfg,
        zones,
        cache: &mut *cache,
        align: align.as_deref_mut(),
        caps: Captures::default(),
    };
    walk.object(&EVENT, Scope::Event)?;
    let Walk { cur, caps, .. } = walk;
    cur.finish()?;
    if let Some(rec) = align {
        rec.commit();
    }
    if let Some((set, names)) = &cfg.required_nested {
        required_nested(line, set, names, scratch)?;
    }
    semantics(line, &caps, cfg, zones, cache, scratch, facts);
    Ok(())
}

impl<'a> Walk<'a, '_> {
    /// Every walker issue is about a value it holds, so its path is found
    /// from the value's position when (rarely) needed: no path is kept while
    /// walking valid records.
    fn issue(&mut self, kind: IssueKind, error: impl Into<String>, value: &Raw<'_>) {
        let offset = value.bytes.as_ptr() as usize - self.line.as_ptr() as usize;
        self.s.issues.push(Issue {
            path: pointer_at(self.line, offset),
            kind,
            error: error.into(),
            value: Some(value_text(value.bytes)),
        });
    }

    fn push_key(&mut self, key: &Raw<'a>) {
        if self.align.is_some() {
            self.s.norm.push('/');
            let name = key.as_str().unwrap_or_default();
            if name.contains(['~', '/']) {
                pointer_escape(&name, &mut self.s.norm);
            } else {
                self.s.norm.push_str(&name);
            }
        }
    }

    fn push_index(&mut self) {
        if self.align.is_some() {
            self.s.norm.push_str("/*");
        }
    }

    fn pop(&mut self) {
        if self.align.is_some() {
            let cut = self.s.norm.rfind('/').unwrap_or(0);
            self.s.norm.truncate(cut);
        }
    }

    /// Records that a value of `kind` sits at the current path (alignment).
    #[inline]
    fn observe(&mut self, kind: Kind) {
        if let Some(rec) = self.align.as_deref_mut() {
            rec.see(&self.s.norm, kind);
        }
    }

    /// Consumes the next value whatever it is; with alignment on, descends
    /// into it to record its paths. Returns its bytes.
    fn consume(&mut self) -> Result<Raw<'a>, JsonError> {
        if self.align.is_none() {
            return self.cur.skip();
        }
        let start = self.cur.offset();
        let kind = self.cur.peek()?;
        self.generic()?;
        let end = self.cur.offset();
        Ok(Raw { kind, bytes: &self.line[start..end], escaped: true })
    }

    fn generic(&mut self) -> Result<(), JsonError> {
        let kind = self.cur.peek()?;
        self.observe(kind);
        match self.cur.value()? {
            Next::Object => {
                while let Some(key) = self.cur.key()? {
                    if is_annotation(&key) {
                        self.cur.skip()?;
                        continue;
                    }
                    self.push_key(&key);
                    self.generic()?;
                    self.pop();
                }
            }
            Next::Array => {
                while self.cur.element()? {
                    self.push_index();
                    self.generic()?;
                    self.pop();
                }
            }
            Next::Scalar(_) => {}
        }
        Ok(())
    }

    /// Walks the object the cursor is in, as `complex`.
    fn object(&mut self, complex: &'static Complex, scope: Scope) -> Result<(), JsonError> {
        let top = scope == Scope::Event;
        // Schema properties met so far in this object (by position).
        let mut seen: u128 = 0;
        while let Some(key) = self.cur.key()? {
            let name: Cow<'a, [u8]> = if key.escaped {
                Cow::Owned(key.as_str().unwrap_or_default().into_owned().into_bytes())
            } else {
                Cow::Borrowed(&key.bytes[1..key.bytes.len() - 1])
            };
            let position = complex.position(&name);
            if let Some(at) = position.filter(|&at| at < 128) {
                if seen & (1 << at) != 0 {
                    // A reader keeps one of the two (serde and Graph the last,
                    // synthkit the first): the event means different things to
                    // different readers, so it is an error; the first value counts.
                    self.push_key(&key);
                    let raw = self.cur.skip()?;
                    self.issue(IssueKind::Repeated, "the key appears twice in this object", &raw);
                    self.pop();
                    continue;
                }
                seen |= 1 << at;
            }
            if top && !self.cfg.required_top.is_empty() {
                let slot = match position {
                    Some(at) => self.cfg.required_slots.get(at).copied().flatten(),
                    None => self.cfg.required_top.iter().position(|r| r.as_bytes() == &name[..]),
                };
                if let Some(slot) = slot {
                    self.s.required_seen[slot] = true;
                    self.s.required_null[slot] = self.cur.peek()? == Kind::Null;
                }
            }
            if position.is_none() && is_annotation(&key) {
                // Instance and property annotations (@odata.etag, x@odata.type):
                // protocol metadata, always allowed, never part of alignment.
                self.cur.skip()?;
                continue;
            }
            self.push_key(&key);
            match position.map(|at| &complex.props[at]) {
                Some(prop) => {
                    if top {
                        self.note_top(prop.role);
                    }
                    self.value(&prop.ty, prop.nullable, prop.name, prop.role, scope)?;
                }
                None => {
                    let raw = self.consume()?;
                    if self.cfg.strict {
                        let what = format!("not a property of {}", complex.name);
                        self.issue(IssueKind::Unknown, what, &raw);
                    }
                }
            }
            self.pop();
        }
        Ok(())
    }

    fn note_top(&mut self, role: Role) {
        let label = match role {
            Role::Start => {
                self.caps.start_present = true;
                return;
            }
            Role::End => {
                self.caps.end_present = true;
                return;
            }
            Role::ImportanceLabel => 0,
            Role::PrepNeeded => 1,
            Role::PrepTime => 2,
            Role::Reasoning => 3,
            Role::PersonaId => 4,
            Role::GenerationTimestamp => 5,
            _ => return,
        };
        self.caps.labels_present |= 1 << label;
    }

    fn mismatch(&mut self, ty: &Ty) -> Result<(), JsonError> {
        let raw = self.consume()?;
        self.issue(IssueKind::Type, format!("must be {}", ty.describe()), &raw);
        Ok(())
    }

    fn value(
        &mut self,
        ty: &'static Ty,
        nullable: bool,
        name: &'static str,
        role: Role,
        scope: Scope,
    ) -> Result<(), JsonError> {
        let kind = self.cur.peek()?;
        if kind == Kind::Null {
            let raw = self.cur.skip()?;
            self.observe(Kind::Null);
            if matches!(ty, Ty::Collection(_) | Ty::Navigation { collection: true }) {
                let error = "must not be null (a collection is [] when empty)";
                self.issue(IssueKind::Null, error, &raw);
            } else if !nullable {
                self.issue(IssueKind::Null, "must not be null", &raw);
            }
            return Ok(());
        }
        match ty {
            Ty::Complex(complex) => {
                if kind != Kind::Object {
                    return self.mismatch(ty);
                }
                self.observe(Kind::Object);
                self.cur.value()?;
                let inner = match (scope, role) {
                    (Scope::Event, Role::Start) => Scope::Start,
                    (Scope::Event, Role::End) => Scope::End,
                    (Scope::Event, Role::Organizer) => Scope::Organizer,
                    (Scope::Event, _) => Scope::Other,
                    (other, _) => other,
                };
                self.object(complex, inner)
            }
            Ty::Collection(item) => {
                if kind != Kind::Array {
                    return self.mismatch(ty);
                }
                self.observe(Kind::Array);
                self.cur.value()?;
                let attendees = scope == Scope::Event && role == Role::Attendees;
                let mut i = 0;
                while self.cur.element()? {
                    self.push_index();
                    let inner = if attendees {
                        self.s.attendees.push(AttendeeFact::default());
                        Scope::Attendee(i)
                    } else {
                        scope
                    };
                    self.value(item, true, name, Role::None, inner)?;
                    self.pop();
                    i += 1;
                }
                if attendees {
                    self.caps.attendee_count = Some(i);
                }
                Ok(())
            }
            Ty::Navigation { collection } => {
                let wanted = if *collection { Kind::Array } else { Kind::Object };
                if kind != wanted {
                    return self.mismatch(ty);
                }
                self.consume()?;
                Ok(())
            }
            _ => {
                if matches!(kind, Kind::Object | Kind::Array) {
                    return self.mismatch(ty);
                }
                let Next::Scalar(raw) = self.cur.value()? else { return Ok(()) };
                self.observe(kind);
                self.scalar(ty, name, role, scope, raw);
                Ok(())
            }
        }
    }

    fn scalar(
        &mut self,
        ty: &'static Ty,
        name: &'static str,
        role: Role,
        scope: Scope,
        raw: Raw<'a>,
    ) {
        let is_string = raw.kind == Kind::String;
        let wrong = match ty {
            Ty::Bool => raw.kind != Kind::Bool,
            Ty::Int32 => raw.kind != Kind::Number,
            // OData writes NaN and the infinities as strings.
            Ty::Double => raw.kind != Kind::Number && !is_string,
            _ => !is_string,
        };
        if wrong {
            let error = format!("must be {}", ty.describe());
            self.issue(IssueKind::Type, error, &raw);
            return;
        }
        let span = Span::of(self.line, &raw);
        match ty {
            Ty::Bool => {
                if scope == Scope::Event {
                    match role {
                        Role::IsAllDay => self.caps.is_all_day = raw.as_bool(),
                        Role::PrepNeeded => self.caps.prep_needed = raw.as_bool(),
                        _ => {}
                    }
                }
            }
            Ty::Int32 => match int32(&raw) {
                Ok(v) => {
                    if scope == Scope::Event && role == Role::PrepTime {
                        self.caps.prep_time = Some((v, span));
                    }
                }
                Err(kind) => {
                    let error = if kind == IssueKind::Range {
                        "out of the Edm.Int32 range"
                    } else {
                        "must be an integer (Edm.Int32)"
                    };
                    self.issue(kind, error, &raw);
                }
            },
            Ty::Double => {
                let special = matches!(raw.bytes, b"\"NaN\"" | b"\"INF\"" | b"\"-INF\"");
                if is_string && !special {
                    self.issue(IssueKind::Type, "must be a number (Edm.Double)", &raw);
                }
            }
            Ty::String | Ty::NonEmptyString => {
                if is_placeholder(&content(&raw), name) {
                    let error = "a documentation placeholder, not a value";
                    self.issue(IssueKind::Placeholder, error, &raw);
                } else if matches!(ty, Ty::NonEmptyString)
                    && raw.as_str().unwrap_or_default().trim().is_empty()
                {
                    self.issue(IssueKind::Label, "must not be empty", &raw);
                }
                if scope == Scope::Event && role == Role::BodyPreview {
                    self.caps.body_preview = Some(span);
                }
            }
            Ty::Enum(e) => {
                let ok = e.contains(&content(&raw));
                if !ok {
                    self.issue(IssueKind::Enum, e.message(), &raw);
                    return;
                }
                match (scope, role) {
                    (Scope::Event, Role::EventType) => self.caps.event_type = Some(span),
                    (Scope::Event, Role::ShowAs) => self.caps.show_as = Some(span),
                    (Scope::Attendee(i), Role::AttendeeType) => {
                        if let Some(a) = self.s.attendees.get_mut(i) {
                            a.kind = Some(span);
                        }
                    }
                    _ => {}
                }
            }
            Ty::DateTimeOffset => {
                let ok = parse_date_time(content(&raw)).is_some_and(|t| t.offset.is_some());
                if !ok {
                    let error = "not a date-time with an offset (Edm.DateTimeOffset, e.g. 2025-11-15T10:00:00Z)";
                    self.issue(IssueKind::Format, error, &raw);
                }
            }
            Ty::Date => {
                if parse_date(content(&raw)).is_none() {
                    self.issue(IssueKind::Format, "not a date (Edm.Date, YYYY-MM-DD)", &raw);
                }
            }
            Ty::Iso8601 => {
                if parse_date_time(content(&raw)).is_none() {
                    let error = "not an ISO 8601 date-time (e.g. 2025-11-10T14:32:18.123456)";
                    self.issue(IssueKind::Format, error, &raw);
                }
            }
            Ty::LocalDateTime => {
                if parse_date_time(content(&raw)).is_none() {
                    let error =
                        "not a date-time in Graph's form (e.g. 2025-11-15T10:00:00.0000000)";
                    self.issue(IssueKind::Format, error, &raw);
                    return;
                }
                match scope {
                    Scope::Start => self.caps.start_date_time = Some(span),
                    Scope::End => self.caps.end_date_time = Some(span),
                    _ => {}
                }
            }
            Ty::ZoneName => {
                if self.cache.get(self.zones, &content(&raw)).is_none() {
                    let error = "not a known IANA or Windows time zone";
                    self.issue(IssueKind::TimeZone, error, &raw);
                }
                match scope {
                    Scope::Start => self.caps.start_zone = Some(span),
                    Scope::End => self.caps.end_zone = Some(span),
                    _ => {}
                }
            }
            Ty::Email => {
                if !looks_like_email(&content(&raw)) {
                    self.issue(IssueKind::Email, "does not look like an email address", &raw);
                    return;
                }
                if let Scope::Attendee(i) = scope
                    && let Some(a) = self.s.attendees.get_mut(i)
                {
                    a.address = Some(span);
                }
            }
            Ty::Complex(_) | Ty::Collection(_) | Ty::Navigation { .. } => {}
        }
    }
}

/// The JSON Pointer of the value starting at byte `target` of a record.
fn pointer_at(line: &[u8], target: usize) -> String {
    fn descend(cur: &mut Cursor<'_>, is_object: bool, target: usize, out: &mut String) -> bool {
        let mut index = 0usize;
        loop {
            let key = if is_object {
                match cur.key() {
                    Ok(Some(key)) => Some(key),
                    _ => return false,
                }
            } else {
                match cur.element() {
                    Ok(true) => None,
                    _ => return false,
                }
            };
            let start = cur.offset();
            let mut inner = cur.clone();
            if cur.skip().is_err() {
                return false;
            }
            if (start..cur.offset()).contains(&target) {
                out.push('/');
                match key {
                    Some(key) => pointer_escape(&key.as_str().unwrap_or_default(), out),
                    None => out.push_str(&index.to_string()),
                }
                if start == target {
                    return true;
                }
                return match inner.value() {
                    Ok(Next::Object) => descend(&mut inner, true, target, out),
                    Ok(Next::Array) => descend(&mut inner, false, target, out),
                    _ => true,
                };
            }
            index += 1;
        }
    }
    let mut out = String::new();
    if let Ok(mut cur) = Cursor::object(line) {
        descend(&mut cur, true, target, &mut out);
    }
    out
}

/// Keys holding OData annotations: `@odata.etag`, `start@odata.type`.
fn is_annotation(key: &Raw<'_>) -> bool {
    key.bytes.contains(&b'@')
}

/// An Edm.Int32: an integer literal in range.
fn int32(raw: &Raw<'_>) -> Result<i64, IssueKind> {
    if raw.bytes.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return Err(IssueKind::Type);
    }
    let text = std::str::from_utf8(raw.bytes).map_err(|_| IssueKind::Type)?;
    match text.parse::<i64>() {
        Ok(v) if (i32::MIN as i64..=i32::MAX as i64).contains(&v) => Ok(v),
        _ => Err(IssueKind::Range),
    }
}

/// Graph's documentation writes `"<property>-value"` where a real response
/// has a value (`"iCalUId": "iCalUId-value"`).
fn is_placeholder(text: &[u8], property: &str) -> bool {
    text.len() == property.len() + 6
        && text.ends_with(b"-value")
        && text[..property.len()].eq_ignore_ascii_case(property.as_bytes())
}

fn required_nested(
    line: &[u8],
    set: &PathSet,
    names: &[String],
    scratch: &mut Scratch,
) -> Result<(), JsonError> {
    let mut values = Vec::new();
    json::first_values(line, set, &mut values)?;
    for (name, value) in names.iter().zip(values) {
        let path = pointer_of(name);
        match value {
            None => scratch.issues.push(Issue {
                path,
                kind: IssueKind::Required,
                error: "required property is missing".into(),
                value: None,
            }),
            Some(raw) if raw.is_null() => scratch.issues.push(Issue {
                path,
                kind: IssueKind::Required,
                error: "required property is null".into(),
                value: Some("null".into()),
            }),
            Some(_) => {}
        }
    }
    Ok(())
}

/// A `--require` entry as a JSON Pointer (it was given dotted or as a pointer).
pub fn pointer_of(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let mut out = String::new();
    for step in path.split('.') {
        out.push('/');
        pointer_escape(step, &mut out);
    }
    out
}

fn push(
    scratch: &mut Scratch,
    path: String,
    kind: IssueKind,
    error: String,
    value: Option<String>,
) {
    scratch.issues.push(Issue { path, kind, error, value });
}

/// The checks that need the whole event.
fn semantics(
    line: &[u8],
    caps: &Captures,
    cfg: &Config,
    zones: &Zones,
    cache: &mut ZoneCache,
    scratch: &mut Scratch,
    facts: Option<&mut Facts>,
) {
    for (i, name) in cfg.required_top.iter().enumerate() {
        let mut path = String::from("/");
        pointer_escape(name, &mut path);
        if !scratch.required_seen[i] {
            push(scratch, path, IssueKind::Required, "required property is missing".into(), None);
        } else if scratch.required_null[i] {
            let error = "required property is null".into();
            push(scratch, path, IssueKind::Required, error, Some("null".into()));
        }
    }

    let parse = |span: Option<Span>| span.and_then(|s| parse_date_time(s.content(line)));
    let start = parse(caps.start_date_time);
    let end = parse(caps.end_date_time);
    let start_zone = caps.start_zone.map(|s| s.content(line));
    let end_zone = caps.end_zone.map(|s| s.content(line));
    let zone_text = |zone: &Option<Cow<'_, [u8]>>| {
        zone.as_deref()
            .map_or_else(|| "(no zone)".to_string(), |z| String::from_utf8_lossy(z).into_owned())
    };

    if let Some(wanted) = &cfg.timezone {
        for (present, zone, side) in
            [(caps.start_present, &start_zone, "start"), (caps.end_present, &end_zone, "end")]
        {
            if !present {
                continue;
            }
            match zone {
                Some(zone) if zone.eq_ignore_ascii_case(wanted.as_bytes()) => {}
                Some(_) => push(
                    scratch,
                    format!("/{side}/timeZone"),
                    IssueKind::TimeZone,
                    format!("not {wanted} (--timezone)"),
                    Some(json::quote(&zone_text(zone))),
                ),
                None => push(
                    scratch,
                    format!("/{side}/timeZone"),
                    IssueKind::TimeZone,
                    format!("missing; --timezone requires {wanted}"),
                    None,
                ),
            }
        }
    }

    let mut duration = None;
    if let (Some(s), Some(e)) = (&start, &end) {
        let zone_s = caps.start_zone.and_then(|z| cache.get(zones, &z.content(line)).cloned());
        let zone_e = caps.end_zone.and_then(|z| cache.get(zones, &z.content(line)).cloned());
        let order = match (instant(s, zone_s.as_ref()), instant(e, zone_e.as_ref())) {
            (Some(a), Some(b)) => Some((b - a, true)),
            // A custom zone has unknown offsets: the same zone on both sides
            // still lets the wall clocks be compared.
            _ if start_zone.is_some() && start_zone == end_zone => {
                let a = s.wall_seconds() as i128 * 1_000_000_000 + s.nanos as i128;
                let b = e.wall_seconds() as i128 * 1_000_000_000 + e.nanos as i128;
                Some((b - a, false))
            }
            _ => None,
        };
        if let Some((nanos, real)) = order {
            if real {
                duration = Some((nanos.div_euclid(1_000_000_000)) as i64);
            }
            if nanos <= 0 {
                let error = format!(
                    "the event {} (start {} {}, end {} {})",
                    if nanos == 0 { "ends when it starts" } else { "ends before it starts" },
                    caps.start_date_time.map(|x| x.text(line)).unwrap_or_default(),
                    zone_text(&start_zone),
                    caps.end_date_time.map(|x| x.text(line)).unwrap_or_default(),
                    zone_text(&end_zone),
                );
                let value = caps.end_date_time.map(|x| value_text(&line[x.start..x.end]));
                push(scratch, "/end/dateTime".into(), IssueKind::Order, error, value);
            }
        }
    }

    if caps.is_all_day == Some(true) {
        for (text, span, side) in
            [(&start, caps.start_date_time, "start"), (&end, caps.end_date_time, "end")]
        {
            if let (Some(t), Some(span)) = (text, span)
                && !t.is_midnight()
            {
                push(
                    scratch,
                    format!("/{side}/dateTime"),
                    IssueKind::AllDay,
                    format!("an all-day event must {side} at midnight"),
                    Some(value_text(&line[span.start..span.end])),
                );
            }
        }
    }

    // Duplicate attendees: the same address twice (ASCII case-insensitive).
    // A few attendees are compared pairwise; a long list goes through a map,
    // so a generator's 100,000-attendee event is not quadratic.
    let attendees = std::mem::take(&mut scratch.attendees);
    let mut first_at: HashMap<Vec<u8>, usize> = HashMap::new();
    let many = attendees.len() > 32;
    for (j, later) in attendees.iter().enumerate() {
        let Some(address) = later.address.map(|s| s.content(line)) else { continue };
        let earlier = if many {
            match first_at.entry(address.to_ascii_lowercase()) {
                Entry::Occupied(at) => Some(*at.get()),
                Entry::Vacant(slot) => {
                    slot.insert(j);
                    None
                }
            }
        } else {
            attendees[..j].iter().position(|a| {
                a.address.is_some_and(|s| s.content(line).eq_ignore_ascii_case(&address))
            })
        };
        if let Some(i) = earlier {
            push(
                scratch,
                format!("/attendees/{j}/emailAddress/address"),
                IssueKind::Duplicate,
                format!("same address as /attendees/{i}"),
                Some(json::quote(&String::from_utf8_lossy(&address))),
            );
        }
    }
    scratch.attendees = attendees;

    labels(line, caps, cfg, scratch);

    if let Some(facts) = facts {
        let member =
            |e: &'static Enum, span: Option<Span>| span.and_then(|s| e.member(&s.content(line)));
        facts.event_type = member(&EVENT_TYPE, caps.event_type);
        facts.show_as = member(&FREE_BUSY_STATUS, caps.show_as);
        facts.time_zone.clear();
        facts.has_time_zone = caps.start_zone.is_some();
        if let Some(zone) = caps.start_zone {
            facts.time_zone.push_str(&zone.text(line));
        }
        facts.preview_chars = caps.body_preview.map(|s| s.text(line).chars().count());
        facts.attendee_count = caps.attendee_count;
        facts.attendee_types.clear();
        facts
            .attendee_types
            .extend(scratch.attendees.iter().map(|a| member(&ATTENDEE_TYPE, a.kind)));
        facts.start = start;
        facts.duration_seconds = duration;
    }
}

fn labels(line: &[u8], caps: &Captures, cfg: &Config, scratch: &mut Scratch) {
    if cfg.labels {
        for (bit, name) in LABELS.iter().enumerate() {
            let optional = *name == "prep_time_minutes";
            if !optional && caps.labels_present & (1 << bit) == 0 {
                push(
                    scratch,
                    format!("/{name}"),
                    IssueKind::Required,
                    "required label is missing (--labels)".into(),
                    None,
                );
            }
        }
    }
    let prep_time_present = caps.labels_present & (1 << 2) != 0;
    let value = |span: Span| Some(value_text(&line[span.start..span.end]));
    match (caps.prep_needed, caps.prep_time) {
        (Some(true), None) if !prep_time_present => push(
            scratch,
            "/prep_time_minutes".into(),
            IssueKind::Label,
            "required when prep_needed is true".into(),
            None,
        ),
        (Some(true), Some((v, span))) if !(15..=90).contains(&v) => push(
            scratch,
            "/prep_time_minutes".into(),
            IssueKind::Label,
            "must be 15 to 90 when prep_needed is true".into(),
            value(span),
        ),
        (Some(false), Some((v, span))) if v != 0 => push(
            scratch,
            "/prep_time_minutes".into(),
            IssueKind::Label,
            "must be 0 or absent when prep_needed is false".into(),
            value(span),
        ),
        (None, Some((v, span))) if v != 0 && !(15..=90).contains(&v) => push(
            scratch,
            "/prep_time_minutes".into(),
            IssueKind::Label,
            "must be 0 or 15 to 90".into(),
            value(span),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "admin@M365B877719.onmicrosoft.com",
            "zoë@münchen.de",
        ] {
            assert!(looks_like_email(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            "a",
            "user2137",
            "a@b",
            "@b.com",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            "x@y.com,z@w.com",
            "a\u{a0}b@c.com",
        ] {
            assert!(!looks_like_email(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder(b"iCalUId-value", "iCalUId"));
        assert!(is_placeholder(b"SUBJECT-value", "subject"));
        assert!(!is_placeholder(b"subject-Value", "subject"));
        assert!(!is_placeholder(b"value", "subject"));
        assert!(!is_placeholder(b"my subject-value", "subject"));
    }

    #[test]
    fn pointers() {
        assert_eq!(pointer_of("start.timeZone"), "/start/timeZone");
        assert_eq!(pointer_of("/a~1b"), "/a~1b");
        let mut out = String::new();
        pointer_escape("a/b~c", &mut out);
        assert_eq!(out, "a~1b~0c");
    }
}
