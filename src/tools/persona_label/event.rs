//! The facts of one Microsoft Graph event that persona rules look at, read
//! from the record's members without building a DOM. Only what the loaded
//! personas need is read; text stays borrowed from the line unless it holds
//! JSON escapes.

use std::borrow::Cow;

use crate::json::{self, JsonError, Kind, PathSet, Raw, Segment};
use crate::time::days_from_civil;

use super::matcher::Field;

/// What the loaded personas need beyond subject and body preview.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    pub body: bool,
    pub people: bool,
    pub times: bool,
    pub location: bool,
    pub categories: bool,
    pub response: bool,
}

impl Needs {
    pub fn union(self, o: Needs) -> Needs {
        Needs {
            body: self.body || o.body,
            people: self.people || o.people,
            times: self.times || o.times,
            location: self.location || o.location,
            categories: self.categories || o.categories,
            response: self.response || o.response,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Person<'a> {
    pub name: Option<Cow<'a, str>>,
    pub address: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Clone)]
pub struct Attendee<'a> {
    pub person: Person<'a>,
    /// "required", "optional" or "resource".
    pub kind: Option<Cow<'a, str>>,
}

/// A local date-time as minutes since 1970-01-01T00:00 of its own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub minutes: i64,
    /// Whether the event states it in UTC (timeZone "UTC" or a trailing Z).
    pub utc: bool,
}

#[derive(Debug, Default)]
pub struct Event<'a> {
    pub subject: Cow<'a, str>,
    pub preview: Cow<'a, str>,
    pub body: Option<Cow<'a, str>>,
    pub organizer: Option<Person<'a>>,
    pub attendees: Vec<Attendee<'a>>,
    pub response: Option<Cow<'a, str>>,
    pub start: Option<Moment>,
    pub end: Option<Moment>,
    pub kind: Option<Cow<'a, str>>,
    pub show_as: Option<Cow<'a, str>>,
    pub importance: Option<Cow<'a, str>>,
    pub all_day: bool,
    pub online: bool,
    pub is_organizer: bool,
    pub categories: Vec<Cow<'a, str>>,
    pub location: Option<Cow<'a, str>>,
}

/// What a path of the event scan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Subject,
    Preview,
    Body,
    OrganizerName,
    OrganizerAddress,
    AttendeeName,
    AttendeeAddress,
    AttendeeType,
    /// An attendee object ends (reported after its fields).
    AttendeeEnd,
    Response,
    StartTime,
    StartZone,
    EndTime,
    EndZone,
    Kind,
    ShowAs,
    Importance,
    AllDay,
    Online,
    IsOrganizer,
    Category,
    Location,
    /// `events` or `value`: an array there suggests a wrapper, not an event.
    Wrapper(&'static str),
    /// A top-level key the tool writes (index into its output fields).
    Output(usize),
}

/// Slots that hold one value (the first one found).
const SCALARS: usize = 17;

impl Slot {
    fn index(self) -> Option<usize> {
        Some(match self {
            Slot::Subject => 0,
            Slot::Preview => 1,
            Slot::Body => 2,
            Slot::OrganizerName => 3,
            Slot::OrganizerAddress => 4,
            Slot::Response => 5,
            Slot::StartTime => 6,
            Slot::StartZone => 7,
            Slot::EndTime => 8,
            Slot::EndZone => 9,
            Slot::Kind => 10,
            Slot::ShowAs => 11,
            Slot::Importance => 12,
            Slot::AllDay => 13,
            Slot::Online => 14,
            Slot::IsOrganizer => 15,
            Slot::Location => 16,
            _ => return None,
        })
    }
}

/// The one validating pass over a record: every path the loaded personas
/// need, plus the keys the tool writes (so existing ones are replaced in place).
pub struct Scanner {
    paths: PathSet,
    slots: Vec<Slot>,
}

impl Scanner {
    pub fn new(needs: &Needs, output_keys: &[&str]) -> Scanner {
        let mut list: Vec<(Slot, &[&str])> = vec![
            (Slot::Subject, &["subject"]),
            (Slot::Preview, &["bodyPreview"]),
            (Slot::Kind, &["type"]),
            (Slot::ShowAs, &["showAs"]),
            (Slot::Importance, &["importance"]),
            (Slot::AllDay, &["isAllDay"]),
            (Slot::Online, &["isOnlineMeeting"]),
            (Slot::IsOrganizer, &["isOrganizer"]),
            (Slot::Wrapper("events"), &["events"]),
            (Slot::Wrapper("value"), &["value"]),
        ];
        if needs.body {
            list.push((Slot::Body, &["body", "content"]));
        }
        if needs.people {
            list.extend([
                (Slot::OrganizerName, &["organizer", "emailAddress", "name"][..]),
                (Slot::OrganizerAddress, &["organizer", "emailAddress", "address"]),
                (Slot::AttendeeName, &["attendees", "*", "emailAddress", "name"]),
                (Slot::AttendeeAddress, &["attendees", "*", "emailAddress", "address"]),
                (Slot::AttendeeType, &["attendees", "*", "type"]),
                (Slot::AttendeeEnd, &["attendees", "*"]),
            ]);
        }
        if needs.response {
            list.push((Slot::Response, &["responseStatus", "response"]));
        }
        if needs.times {
            list.extend([
                (Slot::StartTime, &["start", "dateTime"][..]),
                (Slot::StartZone, &["start", "timeZone"]),
                (Slot::EndTime, &["end", "dateTime"]),
                (Slot::EndZone, &["end", "timeZone"]),
            ]);
        }
        if needs.categories {
            list.push((Slot::Category, &["categories", "*"]));
        }
        if needs.location {
            list.push((Slot::Location, &["location", "displayName"]));
        }
        let outputs: Vec<[&str; 1]> = output_keys.iter().map(|k| [*k]).collect();
        for (i, key) in outputs.iter().enumerate() {
            list.push((Slot::Output(i), key));
        }
        let segments: Vec<Vec<Segment>> = list
            .iter()
            .map(|(_, path)| {
                path.iter()
                    .map(|s| if *s == "*" { Segment::Any } else { Segment::Key((*s).into()) })
                    .collect()
            })
            .collect();
        Scanner { paths: PathSet::new(&segments), slots: list.iter().map(|(s, _)| *s).collect() }
    }
}

/// Why a record cannot be labeled.
pub enum Problem {
    Json(JsonError),
    /// (summary category, message)
    Unusable(String, String),
}

/// The text of a string value, borrowed from the validated line when it has
/// no escapes (no second UTF-8 check).
fn string<'a>(line: &'a str, raw: Raw<'a>) -> Option<Cow<'a, str>> {
    if raw.kind != Kind::String {
        return None;
    }
    if raw.escaped {
        return raw.as_str();
    }
    let start = raw.bytes.as_ptr() as usize - line.as_ptr() as usize;
    line.get(start + 1..start + raw.bytes.len() - 1).map(Cow::Borrowed)
}

/// Text of a subject or body preview: a string, or nothing for null.
fn text_field<'a>(
    line: &'a str,
    name: &str,
    raw: Option<Raw<'a>>,
) -> Result<Cow<'a, str>, Problem> {
    match raw {
        None => Ok(Cow::Borrowed("")),
        Some(r) if r.kind == Kind::Null => Ok(Cow::Borrowed("")),
        Some(r) => string(line, r).ok_or_else(|| {
            Problem::Unusable(
                format!("{name} is not a string"),
                format!("{name} is {}, expected a string (or null)", r.kind.article()),
            )
        }),
    }
}

/// `2025-11-17T09:00:00.0000000` (or a bare date) → minutes since 1970 on
/// its own clock, read with the library's ISO 8601 parser.
pub fn parse_moment(text: &str, zone: Option<&str>) -> Option<Moment> {
    let (days, hour, minute, offset) = match crate::time::parse_date_time(text) {
        Some(t) => (t.days(), t.hour, t.minute, t.offset),
        None => {
            let (year, month, day) = crate::time::parse_date(text)?;
            (days_from_civil(year as i64, month as u32, day as u32), 0, 0, None)
        }
    };
    let utc = offset == Some(0)
        || zone.is_some_and(|z| {
            let z = z.trim();
            [
                "utc",
                "etc/utc",
                "gmt",
                "etc/gmt",
                "coordinated universal time",
                "tzone://microsoft/utc",
            ]
            .iter()
            .any(|u| z.eq_ignore_ascii_case(u))
        });
    Some(Moment { minutes: days * 1440 + hour as i64 * 60 + minute as i64, utc })
}

impl Scanner {
    /// Validates `line` and reads the event facts; `existing` receives the
    /// output fields the record already has (index, value range).
    pub fn read<'a>(
        &self,
        line: &'a [u8],
        existing: &mut Vec<(usize, std::ops::Range<usize>)>,
    ) -> Result<Event<'a>, Problem> {
        existing.clear();
        let mut found: [Option<Raw<'a>>; SCALARS] = [None; SCALARS];
        let mut attendees_raw: Vec<(Option<Raw<'a>>, Option<Raw<'a>>, Option<Raw<'a>>)> =
            Vec::new();
        let mut categories: Vec<Raw<'a>> = Vec::new();
        let mut current: (Option<Raw<'a>>, Option<Raw<'a>>, Option<Raw<'a>>) = (None, None, None);
        let mut wrapper: Option<&'static str> = None;
        let base = line.as_ptr() as usize;
        json::scan_object(line, &self.paths, &mut |id, raw| {
            let slot = self.slots[id];
            match slot {
                Slot::AttendeeName => current.0 = current.0.or(Some(raw)),
                Slot::AttendeeAddress => current.1 = current.1.or(Some(raw)),
                Slot::AttendeeType => current.2 = current.2.or(Some(raw)),
                Slot::AttendeeEnd => {
                    if raw.kind == Kind::Object {
                        attendees_raw.push(std::mem::take(&mut current));
                    }
                    current = (None, None, None);
                }
                Slot::Category => categories.push(raw),
                Slot::Output(i) => {
                    let start = raw.bytes.as_ptr() as usize - base;
                    existing.push((i, start..start + raw.bytes.len()));
                }
                Slot::Wrapper(key) => {
                    if raw.kind == Kind::Array {
                        wrapper = wrapper.or(Some(key));
                    }
                }
                other => {
                    if let Some(at) = other.index()
                        && found[at].is_none()
                    {
                        found[at] = Some(raw);
                    }
                }
            }
        })
        .map_err(Problem::Json)?;
        // The scan validated the whole line as UTF-8.
        let text = simdutf8::basic::from_utf8(line)
            .map_err(|_| Problem::Unusable("invalid UTF-8".into(), "invalid UTF-8".into()))?;
        let get = |slot: Slot| slot.index().and_then(|i| found[i]);
        let s = |slot: Slot| get(slot).and_then(|r| string(text, r));
        if get(Slot::Subject).is_none() && get(Slot::Preview).is_none() {
            let hint = match wrapper {
                Some(key) => {
                    format!(
                        "; this looks like a wrapper holding events in \"{key}\": give one event per line (e.g. jq -c '.{key}[]')"
                    )
                }
                None => String::new(),
            };
            return Err(Problem::Unusable(
                "not a calendar event".into(),
                format!("not a calendar event: no subject and no bodyPreview{hint}"),
            ));
        }
        let mut event = Event {
            subject: text_field(text, "subject", get(Slot::Subject))?,
            preview: text_field(text, "bodyPreview", get(Slot::Preview))?,
            body: s(Slot::Body),
            organizer: (get(Slot::OrganizerName).is_some()
                || get(Slot::OrganizerAddress).is_some())
            .then(|| Person { name: s(Slot::OrganizerName), address: s(Slot::OrganizerAddress) }),
            response: s(Slot::Response),
            kind: s(Slot::Kind),
            show_as: s(Slot::ShowAs),
            importance: s(Slot::Importance),
            all_day: get(Slot::AllDay).and_then(|r| r.as_bool()) == Some(true),
            online: get(Slot::Online).and_then(|r| r.as_bool()) == Some(true),
            is_organizer: get(Slot::IsOrganizer).and_then(|r| r.as_bool()) == Some(true),
            location: s(Slot::Location),
            ..Event::default()
        };
        if let Some(time) = s(Slot::StartTime) {
            event.start = parse_moment(&time, s(Slot::StartZone).as_deref());
        }
        if let Some(time) = s(Slot::EndTime) {
            event.end = parse_moment(&time, s(Slot::EndZone).as_deref());
        }
        event.attendees = attendees_raw
            .into_iter()
            .map(|(name, address, kind)| Attendee {
                person: Person {
                    name: name.and_then(|r| string(text, r)),
                    address: address.and_then(|r| string(text, r)),
                },
                kind: kind.and_then(|r| string(text, r)),
            })
            .collect();
        event.categories = categories.into_iter().filter_map(|r| string(text, r)).collect();
        Ok(event)
    }
}

/// Removes HTML tags and character entities, keeping the text between them.
pub fn strip_html(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '&']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        out.push(' ');
        let tail = &rest[at..];
        let end = if tail.starts_with('<') {
            tail.find('>').map(|e| e + 1)
        } else {
            tail.find(';')
                .filter(|&e| {
                    e <= 10 && tail[1..e].chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
                })
                .map(|e| e + 1)
        };
        match end {
            Some(e) => rest = &tail[e..],
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

impl Event<'_> {
    /// Calls `each` with every text of `field`.
    pub fn texts(&self, field: Field, each: &mut dyn FnMut(&str)) {
        let person = |p: &Person<'_>, each: &mut dyn FnMut(&str)| {
            if let Some(name) = &p.name {
                each(name);
            }
            if let Some(address) = &p.address {
                each(address);
            }
        };
        match field {
            Field::Subject => each(&self.subject),
            Field::Preview => each(&self.preview),
            Field::Body => {
                if let Some(body) = &self.body {
                    each(&strip_html(body));
                }
            }
            Field::Organizer => {
                if let Some(p) = &self.organizer {
                    person(p, each);
                }
            }
            Field::Attendee => {
                for a in &self.attendees {
                    person(&a.person, each);
                }
            }
            Field::Location => {
                if let Some(l) = &self.location {
                    each(l);
                }
            }
            Field::Category => {
                for c in &self.categories {
                    each(c);
                }
            }
        }
    }

    /// Minutes between start and end, when both are known.
    pub fn duration(&self) -> Option<i64> {
        Some(self.end?.minutes - self.start?.minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_times() {
        let m = parse_moment("2025-11-17T09:30:00.0000000", Some("Asia/Shanghai")).unwrap();
        assert_eq!(m.minutes.rem_euclid(1440), 9 * 60 + 30);
        assert!(!m.utc);
        assert!(parse_moment("2025-11-17T09:30:00Z", None).unwrap().utc);
        assert!(parse_moment("2025-11-17T09:30:00", Some("UTC")).unwrap().utc);
        assert_eq!(parse_moment("2025-11-17", None).unwrap().minutes.rem_euclid(1440), 0);
        assert!(parse_moment("datetime-value", None).is_none());
        assert!(parse_moment("2025-13-01T00:00:00", None).is_none());
    }

    #[test]
    fn strips_html() {
        assert_eq!(strip_html("plain"), "plain");
        assert_eq!(strip_html("<p>Q4&nbsp;review</p>"), " Q4 review ");
        assert_eq!(strip_html("a < b & c"), "a < b & c".replace('<', " <").replace('&', " &"));
    }
}
