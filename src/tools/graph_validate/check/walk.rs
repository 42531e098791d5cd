//! The walk over a record: one pass with a pull cursor, the event's schema
//! in hand. It checks every value against its property's type (nullability,
//! enumerations, nested complex types, collections, scalar formats),
//! repeated and unknown keys, and records each problem as an issue located
//! at its value; on the way it captures what the semantic checks need and,
//! with alignment on, the paths and kinds of every value it meets.

use std::borrow::Cow;

use crate::json::{Cursor, JsonError, Kind, Next, Raw};
use crate::path::pointer_escape;

use super::formats::{self, int32, is_placeholder};
use super::issues::{Issue, IssueKind, pointer_at, value_text};
use super::{AttendeeFact, Captures, Config, Scope, Scratch, Span, content};
use crate::tools::graph_validate::align::PathRecorder;
use crate::tools::graph_validate::schema::{Complex, EVENT, Role, Ty};
use crate::tools::graph_validate::zones::{ZoneCache, Zones};

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

/// Walks one record as an event: its issues go to `scratch`, its paths to
/// `align` (committed once the record is whole), and what the semantic
/// checks need is returned.
pub(super) fn record(
    line: &[u8],
    cfg: &Config,
    zones: &Zones,
    cache: &mut ZoneCache,
    scratch: &mut Scratch,
    align: Option<&mut PathRecorder>,
) -> Result<Captures, JsonError> {
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
    Ok(caps)
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
            Ty::DateTimeOffset | Ty::Date | Ty::Iso8601 => {
                self.well_formed(ty, &raw);
            }
            Ty::LocalDateTime => {
                if !self.well_formed(ty, &raw) {
                    return;
                }
                match scope {
                    Scope::Start => self.caps.start_date_time = Some(span),
                    Scope::End => self.caps.end_date_time = Some(span),
                    _ => {}
                }
            }
            Ty::ZoneName => {
                self.well_formed(ty, &raw);
                match scope {
                    Scope::Start => self.caps.start_zone = Some(span),
                    Scope::End => self.caps.end_zone = Some(span),
                    _ => {}
                }
            }
            Ty::Email => {
                if !self.well_formed(ty, &raw) {
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

    /// Checks a string of a format type (date-times, time-zone names, e-mail
    /// addresses), recording its issue: false when it is malformed.
    fn well_formed(&mut self, ty: &Ty, raw: &Raw<'_>) -> bool {
        match formats::problem(ty, &content(raw), self.zones, self.cache) {
            Some((kind, error)) => {
                self.issue(kind, error, raw);
                false
            }
            None => true,
        }
    }
}

/// Keys holding OData annotations: `@odata.etag`, `start@odata.type`.
fn is_annotation(key: &Raw<'_>) -> bool {
    key.bytes.contains(&b'@')
}
