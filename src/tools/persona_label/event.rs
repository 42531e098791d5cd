//! The facts of one Microsoft Graph event that persona rules look at, read
//! from the record's members without building a DOM. Only what the loaded
//! personas need is read; text stays borrowed from the line unless it holds
//! JSON escapes.

use std::borrow::Cow;

use crate::json::{self, Kind, Member, PathSet, Raw, Segment};
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

/// The nested paths read from sub-objects.
pub struct Paths {
    person: PathSet,
    attendee: PathSet,
    content: PathSet,
    time: PathSet,
    display_name: PathSet,
    response: PathSet,
}

fn set(paths: &[&[&str]]) -> PathSet {
    let list: Vec<Vec<Segment>> =
        paths.iter().map(|p| p.iter().map(|s| Segment::Key((*s).into())).collect()).collect();
    PathSet::new(&list)
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            person: set(&[&["emailAddress", "name"], &["emailAddress", "address"]]),
            attendee: set(&[&["emailAddress", "name"], &["emailAddress", "address"], &["type"]]),
            content: set(&[&["content"]]),
            time: set(&[&["dateTime"], &["timeZone"]]),
            display_name: set(&[&["displayName"]]),
            response: set(&[&["response"]]),
        }
    }
}

/// Why a record cannot be labeled: (summary category, message).
pub type Unusable = (String, String);

fn string<'a>(raw: Raw<'a>) -> Option<Cow<'a, str>> {
    raw.as_str()
}

/// The first value of each path of `paths` inside the object `raw`.
fn nested<'a, const N: usize>(raw: Raw<'a>, paths: &PathSet) -> [Option<Raw<'a>>; N] {
    let mut found: [Option<Raw<'a>>; N] = [None; N];
    if raw.kind == Kind::Object {
        // The record was validated as a whole; a sub-object cannot fail.
        let _ = json::scan_object(raw.bytes, paths, &mut |id, value| {
            if id < N && found[id].is_none() {
                found[id] = Some(value);
            }
        });
    }
    found
}

fn person<'a>(raw: Raw<'a>, paths: &Paths) -> Person<'a> {
    let [name, address] = nested::<2>(raw, &paths.person);
    Person { name: name.and_then(string), address: address.and_then(string) }
}

/// Text of a subject or body preview: a string, or nothing for null.
fn text_field<'a>(name: &str, raw: Option<Raw<'a>>) -> Result<Cow<'a, str>, Unusable> {
    match raw {
        None => Ok(Cow::Borrowed("")),
        Some(r) if r.kind == Kind::Null => Ok(Cow::Borrowed("")),
        Some(r) => r.as_str().ok_or_else(|| {
            (
                format!("{name} is not a string"),
                format!("{name} is {}, expected a string (or null)", r.kind.article()),
            )
        }),
    }
}

/// `2025-11-17T09:00:00.0000000` → minutes since 1970 on its own clock.
pub fn parse_moment(text: &str, zone: Option<&str>) -> Option<Moment> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute) = match b.get(10) {
        Some(b'T' | b't' | b' ') if b.get(13) == Some(&b':') => (digits(11, 2)?, digits(14, 2)?),
        None => (0, 0),
        _ => return None,
    };
    if hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let utc = text.ends_with('Z')
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
    Some(Moment { minutes: days * 1440 + hour * 60 + minute, utc })
}

fn moment(raw: Raw<'_>, paths: &Paths) -> Option<Moment> {
    let [date_time, zone] = nested::<2>(raw, &paths.time);
    let text = date_time?.as_str()?;
    let zone = zone.and_then(|z| z.as_str());
    parse_moment(&text, zone.as_deref())
}

/// Reads the event facts from a record's top-level members.
pub fn read<'a>(
    members: &[Member<'a>],
    needs: &Needs,
    paths: &Paths,
) -> Result<Event<'a>, Unusable> {
    let mut event = Event::default();
    let (mut subject, mut preview) = (None, None);
    let mut seen_text = false;
    let mut wrapper = None;
    for member in members {
        let value = member.value;
        match &*member.key() {
            "subject" if subject.is_none() => {
                seen_text = true;
                subject = Some(value);
            }
            "bodyPreview" if preview.is_none() => {
                seen_text = true;
                preview = Some(value);
            }
            "body" if needs.body => {
                let [content] = nested::<1>(value, &paths.content);
                event.body = content.and_then(string);
            }
            "organizer" if needs.people => event.organizer = Some(person(value, paths)),
            "attendees" if needs.people && value.kind == Kind::Array => {
                let _ = json::array_elements(value.bytes, &mut |range| {
                    let element = &value.bytes[range];
                    if json::kind_of(element) == Some(Kind::Object) {
                        let raw = Raw { kind: Kind::Object, bytes: element, escaped: false };
                        let [name, address, kind] = nested::<3>(raw, &paths.attendee);
                        event.attendees.push(Attendee {
                            person: Person {
                                name: name.and_then(string),
                                address: address.and_then(string),
                            },
                            kind: kind.and_then(string),
                        });
                    }
                });
            }
            "responseStatus" if needs.response => {
                let [response] = nested::<1>(value, &paths.response);
                event.response = response.and_then(string);
            }
            "start" if needs.times => event.start = moment(value, paths),
            "end" if needs.times => event.end = moment(value, paths),
            "type" => event.kind = string(value),
            "showAs" => event.show_as = string(value),
            "importance" => event.importance = string(value),
            "isAllDay" => event.all_day = value.as_bool() == Some(true),
            "isOnlineMeeting" => event.online = value.as_bool() == Some(true),
            "isOrganizer" => event.is_organizer = value.as_bool() == Some(true),
            "categories" if needs.categories && value.kind == Kind::Array => {
                let _ = json::array_elements(value.bytes, &mut |range| {
                    let element = &value.bytes[range];
                    if json::kind_of(element) == Some(Kind::String) {
                        let escaped = element.contains(&b'\\');
                        let raw = Raw { kind: Kind::String, bytes: element, escaped };
                        if let Some(text) = raw.as_str() {
                            event.categories.push(text);
                        }
                    }
                });
            }
            "location" if needs.location => {
                let [name] = nested::<1>(value, &paths.display_name);
                event.location = name.and_then(string);
            }
            key @ ("events" | "value") if value.kind == Kind::Array => {
                wrapper = Some(key.to_string())
            }
            _ => {}
        }
    }
    if !seen_text {
        let hint = match wrapper {
            Some(key) => format!(
                "; this looks like a wrapper holding events in \"{key}\": give one event per line (e.g. jq -c '.{key}[]')"
            ),
            None => String::new(),
        };
        return Err((
            "not a calendar event".into(),
            format!("not a calendar event: no subject and no bodyPreview{hint}"),
        ));
    }
    event.subject = text_field("subject", subject)?;
    event.preview = text_field("bodyPreview", preview)?;
    Ok(event)
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
