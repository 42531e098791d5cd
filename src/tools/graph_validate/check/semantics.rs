//! The semantic checks: what needs the whole event once the walk has
//! captured it — required properties, the `--timezone` policy, end after
//! start in real time, all-day midnights, duplicate attendees and the label
//! rules — and the facts the realism figures take from it. [`semantics`] is
//! the plan; each step is a function below, run in the order its issues are
//! reported.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::json::{self, JsonError, PathSet};
use crate::path::pointer_escape;
use crate::time::{DateTimeText, parse_date_time};

use super::formats::zone_text;
use super::issues::{Issue, IssueKind, pointer_of, push, value_text};
use super::{Captures, Config, Facts, Scratch, Span};
use crate::tools::graph_validate::schema::{
    ATTENDEE_TYPE, EVENT_TYPE, Enum, FREE_BUSY_STATUS, LABELS,
};
use crate::tools::graph_validate::zones::{ZoneCache, Zones, instant};

/// A missing `--require` property; a `$select` projection lacks them by
/// design, so the message says how to validate one.
const MISSING: &str = "required property is missing (a $select projection? give --require the selected properties, or --require '' for none)";

/// `--require` paths below the top level: each must be present, not null.
pub(super) fn required_nested(
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
                error: MISSING.into(),
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

/// The checks that need the whole event.
pub(super) fn semantics(
    line: &[u8],
    caps: &Captures,
    cfg: &Config,
    zones: &Zones,
    cache: &mut ZoneCache,
    scratch: &mut Scratch,
    facts: Option<&mut Facts>,
) {
    required_top(cfg, scratch);
    let times = Times::of(line, caps);
    if let Some(wanted) = &cfg.timezone {
        time_zone_policy(wanted, caps, &times, scratch);
    }
    let duration = end_after_start(line, caps, &times, zones, cache, scratch);
    if caps.is_all_day == Some(true) {
        all_day_midnights(line, caps, &times, scratch);
    }
    duplicate_attendees(line, scratch);
    labels(line, caps, cfg, scratch);
    if let Some(facts) = facts {
        realism_facts(line, caps, scratch, times.start, duration, facts);
    }
}

/// The event's start and end as captured: the wall-clock date-times (when
/// they parse) and the zone names as written.
struct Times<'a> {
    start: Option<DateTimeText>,
    end: Option<DateTimeText>,
    start_zone: Option<Cow<'a, [u8]>>,
    end_zone: Option<Cow<'a, [u8]>>,
}

impl<'a> Times<'a> {
    fn of(line: &'a [u8], caps: &Captures) -> Times<'a> {
        let parse = |span: Option<Span>| span.and_then(|s| parse_date_time(s.content(line)));
        Times {
            start: parse(caps.start_date_time),
            end: parse(caps.end_date_time),
            start_zone: caps.start_zone.map(|s| s.content(line)),
            end_zone: caps.end_zone.map(|s| s.content(line)),
        }
    }
}

/// `--require` properties at the top level: present, and not null.
fn required_top(cfg: &Config, scratch: &mut Scratch) {
    for (i, name) in cfg.required_top.iter().enumerate() {
        let mut path = String::from("/");
        pointer_escape(name, &mut path);
        if !scratch.required_seen[i] {
            push(scratch, path, IssueKind::Required, MISSING.into(), None);
        } else if scratch.required_null[i] {
            let error = "required property is null".into();
            push(scratch, path, IssueKind::Required, error, Some("null".into()));
        }
    }
}

/// `--timezone`: a start or end present must name the wanted zone.
fn time_zone_policy(wanted: &str, caps: &Captures, times: &Times<'_>, scratch: &mut Scratch) {
    for (present, zone, side) in [
        (caps.start_present, &times.start_zone, "start"),
        (caps.end_present, &times.end_zone, "end"),
    ] {
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

/// End after start, compared in real time when both zones are known, or on
/// the wall clocks when both name the same custom zone; an event that ends
/// when or before it starts is an issue. Returns the duration in seconds
/// when it is real.
fn end_after_start(
    line: &[u8],
    caps: &Captures,
    times: &Times<'_>,
    zones: &Zones,
    cache: &mut ZoneCache,
    scratch: &mut Scratch,
) -> Option<i64> {
    let mut duration = None;
    if let (Some(s), Some(e)) = (&times.start, &times.end) {
        let zone_s = caps.start_zone.and_then(|z| cache.get(zones, &z.content(line)).cloned());
        let zone_e = caps.end_zone.and_then(|z| cache.get(zones, &z.content(line)).cloned());
        let order = match (instant(s, zone_s.as_ref()), instant(e, zone_e.as_ref())) {
            (Some(a), Some(b)) => Some((b - a, true)),
            // A custom zone has unknown offsets: the same zone on both sides
            // still lets the wall clocks be compared.
            _ if times.start_zone.is_some() && times.start_zone == times.end_zone => {
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
                    zone_text(&times.start_zone),
                    caps.end_date_time.map(|x| x.text(line)).unwrap_or_default(),
                    zone_text(&times.end_zone),
                );
                let value = caps.end_date_time.map(|x| value_text(&line[x.start..x.end]));
                push(scratch, "/end/dateTime".into(), IssueKind::Order, error, value);
            }
        }
    }
    duration
}

/// An all-day event starts and ends at midnight.
fn all_day_midnights(line: &[u8], caps: &Captures, times: &Times<'_>, scratch: &mut Scratch) {
    for (text, span, side) in
        [(&times.start, caps.start_date_time, "start"), (&times.end, caps.end_date_time, "end")]
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

/// Duplicate attendees: the same address twice (ASCII case-insensitive).
/// A few attendees are compared pairwise; a long list goes through a map,
/// so a generator's 100,000-attendee event is not quadratic.
fn duplicate_attendees(line: &[u8], scratch: &mut Scratch) {
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
}

/// The label fields: present under `--labels`, and prep_time_minutes
/// consistent with prep_needed.
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

/// What the realism figures take from the event.
fn realism_facts(
    line: &[u8],
    caps: &Captures,
    scratch: &Scratch,
    start: Option<DateTimeText>,
    duration: Option<i64>,
    facts: &mut Facts,
) {
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
    facts.attendee_types.extend(scratch.attendees.iter().map(|a| member(&ATTENDEE_TYPE, a.kind)));
    facts.start = start;
    facts.duration_seconds = duration;
}
