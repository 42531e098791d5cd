//! One event, checked in one pass over its bytes: the schema walk (types,
//! nullability, enums, nested structure, formats, unknown properties) with a
//! pull cursor, then the semantic checks on what the walk captured (end after
//! start in real time, all-day midnights, required properties, time-zone
//! policy, duplicate attendees, labels). Every problem becomes an [`Issue`]
//! located by JSON Pointer; nothing stops at the first one.
//!
//! This module owns [`check`] and the state its steps share: the [`Config`],
//! the [`Scratch`] buffers reused from record to record, what the walk
//! captures for the semantic checks (values as byte [`Span`]s of the record)
//! and the [`Facts`] the realism figures use. The steps are [`walk`] (the
//! schema walk), [`semantics`] (the checks that need the whole event),
//! [`formats`] (date-times, time-zone names, e-mail addresses, integers,
//! placeholders) and [`issues`] (issue kinds, their values and pointers).

mod formats;
mod issues;
mod semantics;
mod walk;

use std::borrow::Cow;

use crate::json::{JsonError, Kind, PathSet, Raw};
use crate::time::DateTimeText;

use super::align::PathRecorder;
use super::zones::{ZoneCache, Zones};

pub use issues::{Issue, IssueKind};

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
    let caps = walk::record(line, cfg, zones, cache, scratch, align)?;
    if let Some((set, names)) = &cfg.required_nested {
        semantics::required_nested(line, set, names, scratch)?;
    }
    semantics::semantics(line, &caps, cfg, zones, cache, scratch, facts);
    Ok(())
}
