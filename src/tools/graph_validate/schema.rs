//! The Microsoft Graph v1.0 `event` schema, built in: every property of
//! `microsoft.graph.event` (with those it inherits from `outlookItem` and
//! `entity`) and of the complex types and enumerations it uses, with the JSON
//! type and nullability the official metadata gives them
//! (microsoftgraph/msgraph-metadata, `clean_v10_metadata/cleanMetadata.xml`),
//! plus what real v1.0 `/events` and `/calendarView` responses carry that the
//! event page (<https://learn.microsoft.com/graph/api/resources/event>) lists:
//! `uid`, `occurrenceId`, `cancelledOccurrences` (strings) and the
//! `exceptionOccurrences` relationship, seen with `$select`/`$expand` in
//! published responses.
//!
//! A few string properties carry a meaning the metadata does not type
//! (`dateTimeTimeZone.dateTime`, time-zone names, `emailAddress.address`):
//! they get a type of their own here so the checks can look at their text.
//! The label fields of seeds 000/001 are listed with the event so that
//! `--strict` knows them. Each table is sorted by name (a test checks it), so
//! the docs and tests can rely on the order.

use std::sync::OnceLock;

/// What a property's value must be.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// Edm.String.
    String,
    /// Edm.String that must not be empty (the `reasoning` label).
    NonEmptyString,
    Bool,
    /// Edm.Int32: an integer literal in the 32-bit range.
    Int32,
    /// Edm.Double: any number, or OData's "NaN", "INF", "-INF".
    Double,
    /// Edm.DateTimeOffset: ISO 8601 date-time with `Z` or an offset.
    DateTimeOffset,
    /// Edm.Date: `YYYY-MM-DD`.
    Date,
    /// ISO 8601 date-time, with or without offset (the `generation_timestamp` label).
    Iso8601,
    /// `dateTimeTimeZone.dateTime` (Edm.String): a date-time in Graph's local
    /// form, `2025-11-15T10:00:00.0000000`, fraction and offset optional.
    LocalDateTime,
    /// Edm.String holding a time-zone name: IANA, Windows, or Graph's own.
    ZoneName,
    /// `emailAddress.address` (Edm.String): must look like an address.
    Email,
    Enum(&'static Enum),
    Complex(&'static Complex),
    /// Collection(T): an array, never null (CSDL: an empty collection is `[]`;
    /// Nullable applies to its items).
    Collection(&'static Ty),
    /// An expanded navigation property (`$expand`): an object, or for a
    /// collection an array; its content is not checked.
    Navigation {
        collection: bool,
    },
}

impl Ty {
    /// How a type is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::String | Ty::NonEmptyString | Ty::ZoneName | Ty::Email => "a string".into(),
            Ty::LocalDateTime | Ty::DateTimeOffset | Ty::Iso8601 | Ty::Date => "a string".into(),
            Ty::Bool => "a bool".into(),
            Ty::Int32 => "an integer (Edm.Int32)".into(),
            Ty::Double => "a number (Edm.Double)".into(),
            Ty::Enum(e) => format!("a string ({})", e.name),
            Ty::Complex(c) => format!("an object ({})", c.name),
            Ty::Collection(inner) => match inner {
                Ty::Complex(c) => format!("an array of {}", c.name),
                Ty::Enum(e) => format!("an array of {}", e.name),
                _ => "an array of strings".into(),
            },
            Ty::Navigation { collection: true } => "an array".into(),
            Ty::Navigation { collection: false } => "an object".into(),
        }
    }
}

/// What a property means to the semantic checks and the realism figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    None,
    EventType,
    ShowAs,
    BodyPreview,
    IsAllDay,
    /// Top-level properties whose subtree is a scope of its own.
    Start,
    End,
    Organizer,
    Attendees,
    DateTime,
    TimeZone,
    AttendeeType,
    Address,
    ImportanceLabel,
    PrepNeeded,
    PrepTime,
    Reasoning,
    PersonaId,
    GenerationTimestamp,
}

#[derive(Debug)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub nullable: bool,
    pub role: Role,
    /// The name as [`Words`], for matching keys without `memcmp`.
    words: Words,
}

/// A name of up to 32 bytes as four little-endian words, zero-padded: two
/// names of the same length are equal exactly when their words are. A key is
/// matched against every property and enumeration member of every record, so
/// this is the tool's innermost loop.
pub type Words = [u64; 4];

/// The longest name that [`Words`] can hold.
pub const MAX_WORDS_LEN: usize = 32;

pub const fn words_of(name: &[u8]) -> Words {
    let mut words = [0u64; 4];
    let mut i = 0;
    while i < name.len() && i < MAX_WORDS_LEN {
        words[i / 8] |= (name[i] as u64) << (8 * (i % 8));
        i += 1;
    }
    words
}

/// [`words_of`] for a key read from a record; `None` when it is longer than
/// any name could be.
#[inline]
pub fn key_words(key: &[u8]) -> Option<Words> {
    if key.len() > MAX_WORDS_LEN {
        return None;
    }
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(key.chunks(8)) {
        *word = match chunk.first_chunk::<8>() {
            Some(full) => u64::from_le_bytes(*full),
            None => chunk.iter().enumerate().fold(0, |acc, (i, &b)| acc | (b as u64) << (8 * i)),
        };
    }
    Some(words)
}

#[derive(Debug)]
pub struct Complex {
    pub name: &'static str,
    /// Sorted by name.
    pub props: &'static [Prop],
    index: OnceLock<KeyIndex>,
}

/// Properties grouped by name length, so a key is compared only with the
/// few properties of its length, first by its first word alone.
#[derive(Debug)]
struct KeyIndex {
    /// Per length: (first word, property index).
    by_len: Vec<Vec<(u64, usize)>>,
}

impl Complex {
    const fn new(name: &'static str, props: &'static [Prop]) -> Complex {
        Complex { name, props, index: OnceLock::new() }
    }

    /// The index of the property named `name`.
    #[inline]
    pub fn position(&self, name: &[u8]) -> Option<usize> {
        let words = key_words(name)?;
        let index = self.index.get_or_init(|| {
            let mut by_len = vec![Vec::new(); MAX_WORDS_LEN + 1];
            for (i, prop) in self.props.iter().enumerate() {
                by_len[prop.name.len()].push((prop.words[0], i));
            }
            KeyIndex { by_len }
        });
        index.by_len[name.len()]
            .iter()
            .find(|&&(first, i)| {
                first == words[0] && (name.len() <= 8 || self.props[i].words == words)
            })
            .map(|&(_, i)| i)
    }

    #[cfg(test)]
    pub fn find(&self, name: &[u8]) -> Option<&'static Prop> {
        self.position(name).map(|i| &self.props[i])
    }
}

#[derive(Debug)]
pub struct Enum {
    pub name: &'static str,
    pub members: &'static [&'static str],
    /// (length, words) of each member.
    words: OnceLock<Vec<(usize, Words)>>,
}

impl Enum {
    const fn new(name: &'static str, members: &'static [&'static str]) -> Enum {
        Enum { name, members, words: OnceLock::new() }
    }

    #[inline]
    pub fn contains(&self, value: &[u8]) -> bool {
        let Some(words) = key_words(value) else { return false };
        let members = self.words.get_or_init(|| {
            self.members.iter().map(|m| (m.len(), words_of(m.as_bytes()))).collect()
        });
        members.iter().any(|(len, w)| *len == value.len() && *w == words)
    }

    /// The member equal to `value`, as the static name.
    pub fn member(&self, value: &[u8]) -> Option<&'static str> {
        self.members.iter().copied().find(|m| m.as_bytes() == value)
    }

    /// "not one of a, b, c".
    pub fn message(&self) -> String {
        format!("not one of {}", self.members.join(", "))
    }
}

const fn p(name: &'static str, ty: Ty) -> Prop {
    Prop { name, ty, nullable: true, role: Role::None, words: words_of(name.as_bytes()) }
}

const fn r(name: &'static str, ty: Ty, role: Role) -> Prop {
    Prop { name, ty, nullable: true, role, words: words_of(name.as_bytes()) }
}

/// Nullable="false" in the metadata.
const fn nn(name: &'static str, ty: Ty, role: Role) -> Prop {
    Prop { name, ty, nullable: false, role, words: words_of(name.as_bytes()) }
}

pub static FREE_BUSY_STATUS: Enum = Enum::new(
    "freeBusyStatus",
    &["unknown", "free", "tentative", "busy", "oof", "workingElsewhere"],
);
pub static EVENT_TYPE: Enum =
    Enum::new("eventType", &["singleInstance", "occurrence", "exception", "seriesMaster"]);
pub static ATTENDEE_TYPE: Enum = Enum::new("attendeeType", &["required", "optional", "resource"]);
pub static RESPONSE_TYPE: Enum = Enum::new(
    "responseType",
    &["none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"],
);
pub static IMPORTANCE: Enum = Enum::new("importance", &["low", "normal", "high"]);
pub static SENSITIVITY: Enum =
    Enum::new("sensitivity", &["normal", "personal", "private", "confidential"]);
pub static BODY_TYPE: Enum = Enum::new("bodyType", &["text", "html"]);
pub static ONLINE_MEETING_PROVIDER: Enum = Enum::new(
    "onlineMeetingProviderType",
    &["unknown", "skypeForBusiness", "skypeForConsumer", "teamsForBusiness"],
);
pub static LOCATION_TYPE: Enum = Enum::new(
    "locationType",
    &[
        "default",
        "conferenceRoom",
        "homeAddress",
        "businessAddress",
        "geoCoordinates",
        "streetAddress",
        "hotel",
        "restaurant",
        "localBusiness",
        "postalAddress",
    ],
);
pub static LOCATION_UNIQUE_ID_TYPE: Enum = Enum::new(
    "locationUniqueIdType",
    &["unknown", "locationStore", "directory", "private", "bing"],
);
pub static PHONE_TYPE: Enum = Enum::new(
    "phoneType",
    &[
        "home",
        "business",
        "mobile",
        "other",
        "assistant",
        "homeFax",
        "businessFax",
        "otherFax",
        "pager",
        "radio",
    ],
);
pub static RECURRENCE_PATTERN_TYPE: Enum = Enum::new(
    "recurrencePatternType",
    &["daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"],
);
pub static RECURRENCE_RANGE_TYPE: Enum =
    Enum::new("recurrenceRangeType", &["endDate", "noEnd", "numbered"]);
pub static DAY_OF_WEEK: Enum = Enum::new(
    "dayOfWeek",
    &["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
);
pub static WEEK_INDEX: Enum =
    Enum::new("weekIndex", &["first", "second", "third", "fourth", "last"]);
/// The seeds' importance label (not Graph's `importance`).
pub static IMPORTANCE_LABEL: Enum =
    Enum::new("importance_label", &["critical", "high", "medium", "low"]);
/// persona-label's RSVP decision (not required by --labels: `--rules seed` does not write it).
pub static RSVP: Enum = Enum::new("rsvp", &["accept", "tentative", "decline"]);

/// Every enumeration (the tests check the man page lists them).
#[cfg(test)]
pub static ENUMS: &[&Enum] = &[
    &FREE_BUSY_STATUS,
    &EVENT_TYPE,
    &ATTENDEE_TYPE,
    &RESPONSE_TYPE,
    &IMPORTANCE,
    &SENSITIVITY,
    &BODY_TYPE,
    &ONLINE_MEETING_PROVIDER,
    &LOCATION_TYPE,
    &LOCATION_UNIQUE_ID_TYPE,
    &PHONE_TYPE,
    &RECURRENCE_PATTERN_TYPE,
    &RECURRENCE_RANGE_TYPE,
    &DAY_OF_WEEK,
    &WEEK_INDEX,
    &IMPORTANCE_LABEL,
    &RSVP,
];

pub static DATE_TIME_TIME_ZONE: Complex = Complex::new(
    "dateTimeTimeZone",
    &[
        nn("dateTime", Ty::LocalDateTime, Role::DateTime),
        r("timeZone", Ty::ZoneName, Role::TimeZone),
    ],
);
pub static EMAIL_ADDRESS: Complex =
    Complex::new("emailAddress", &[r("address", Ty::Email, Role::Address), p("name", Ty::String)]);
pub static RECIPIENT: Complex =
    Complex::new("recipient", &[p("emailAddress", Ty::Complex(&EMAIL_ADDRESS))]);
pub static TIME_SLOT: Complex = Complex::new(
    "timeSlot",
    &[
        nn("end", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::None),
        nn("start", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::None),
    ],
);
pub static RESPONSE_STATUS: Complex = Complex::new(
    "responseStatus",
    &[p("response", Ty::Enum(&RESPONSE_TYPE)), p("time", Ty::DateTimeOffset)],
);
/// attendee ← attendeeBase ← recipient.
pub static ATTENDEE: Complex = Complex::new(
    "attendee",
    &[
        p("emailAddress", Ty::Complex(&EMAIL_ADDRESS)),
        p("proposedNewTime", Ty::Complex(&TIME_SLOT)),
        p("status", Ty::Complex(&RESPONSE_STATUS)),
        r("type", Ty::Enum(&ATTENDEE_TYPE), Role::AttendeeType),
    ],
);
pub static ITEM_BODY: Complex =
    Complex::new("itemBody", &[p("content", Ty::String), p("contentType", Ty::Enum(&BODY_TYPE))]);
pub static PHYSICAL_ADDRESS: Complex = Complex::new(
    "physicalAddress",
    &[
        p("city", Ty::String),
        p("countryOrRegion", Ty::String),
        p("postalCode", Ty::String),
        p("state", Ty::String),
        p("street", Ty::String),
    ],
);
pub static OUTLOOK_GEO_COORDINATES: Complex = Complex::new(
    "outlookGeoCoordinates",
    &[
        p("accuracy", Ty::Double),
        p("altitude", Ty::Double),
        p("altitudeAccuracy", Ty::Double),
        p("latitude", Ty::Double),
        p("longitude", Ty::Double),
    ],
);
pub static LOCATION: Complex = Complex::new(
    "location",
    &[
        p("address", Ty::Complex(&PHYSICAL_ADDRESS)),
        p("coordinates", Ty::Complex(&OUTLOOK_GEO_COORDINATES)),
        p("displayName", Ty::String),
        p("locationEmailAddress", Ty::String),
        p("locationType", Ty::Enum(&LOCATION_TYPE)),
        p("locationUri", Ty::String),
        p("uniqueId", Ty::String),
        p("uniqueIdType", Ty::Enum(&LOCATION_UNIQUE_ID_TYPE)),
    ],
);
pub static PHONE: Complex = Complex::new(
    "phone",
    &[
        p("language", Ty::String),
        p("number", Ty::String),
        p("region", Ty::String),
        p("type", Ty::Enum(&PHONE_TYPE)),
    ],
);
pub static ONLINE_MEETING_INFO: Complex = Complex::new(
    "onlineMeetingInfo",
    &[
        p("conferenceId", Ty::String),
        p("joinUrl", Ty::String),
        p("phones", Ty::Collection(&Ty::Complex(&PHONE))),
        p("quickDial", Ty::String),
        p("tollFreeNumbers", Ty::Collection(&Ty::String)),
        p("tollNumber", Ty::String),
    ],
);
pub static RECURRENCE_PATTERN: Complex = Complex::new(
    "recurrencePattern",
    &[
        nn("dayOfMonth", Ty::Int32, Role::None),
        p("daysOfWeek", Ty::Collection(&Ty::Enum(&DAY_OF_WEEK))),
        p("firstDayOfWeek", Ty::Enum(&DAY_OF_WEEK)),
        p("index", Ty::Enum(&WEEK_INDEX)),
        nn("interval", Ty::Int32, Role::None),
        nn("month", Ty::Int32, Role::None),
        p("type", Ty::Enum(&RECURRENCE_PATTERN_TYPE)),
    ],
);
pub static RECURRENCE_RANGE: Complex = Complex::new(
    "recurrenceRange",
    &[
        p("endDate", Ty::Date),
        nn("numberOfOccurrences", Ty::Int32, Role::None),
        p("recurrenceTimeZone", Ty::ZoneName),
        p("startDate", Ty::Date),
        p("type", Ty::Enum(&RECURRENCE_RANGE_TYPE)),
    ],
);
pub static PATTERNED_RECURRENCE: Complex = Complex::new(
    "patternedRecurrence",
    &[p("pattern", Ty::Complex(&RECURRENCE_PATTERN)), p("range", Ty::Complex(&RECURRENCE_RANGE))],
);

/// `microsoft.graph.event` (OpenType): its own properties, those of
/// `outlookItem` (categories, changeKey, createdDateTime,
/// lastModifiedDateTime) and `entity` (id, the key, Nullable="false"), its
/// navigation properties, and the seeds' label fields (marked in [`LABELS`]).
pub static EVENT: Complex = Complex::new(
    "event",
    &[
        p("allowNewTimeProposals", Ty::Bool),
        p("attachments", Ty::Navigation { collection: true }),
        r("attendees", Ty::Collection(&Ty::Complex(&ATTENDEE)), Role::Attendees),
        p("body", Ty::Complex(&ITEM_BODY)),
        r("bodyPreview", Ty::String, Role::BodyPreview),
        p("calendar", Ty::Navigation { collection: false }),
        p("cancelledOccurrences", Ty::Collection(&Ty::String)),
        p("categories", Ty::Collection(&Ty::String)),
        p("changeKey", Ty::String),
        p("createdDateTime", Ty::DateTimeOffset),
        r("end", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::End),
        p("exceptionOccurrences", Ty::Navigation { collection: true }),
        p("extensions", Ty::Navigation { collection: true }),
        nn("generation_timestamp", Ty::Iso8601, Role::GenerationTimestamp),
        p("hasAttachments", Ty::Bool),
        p("hideAttendees", Ty::Bool),
        p("iCalUId", Ty::String),
        nn("id", Ty::String, Role::None),
        p("importance", Ty::Enum(&IMPORTANCE)),
        nn("importance_label", Ty::Enum(&IMPORTANCE_LABEL), Role::ImportanceLabel),
        p("instances", Ty::Navigation { collection: true }),
        r("isAllDay", Ty::Bool, Role::IsAllDay),
        p("isCancelled", Ty::Bool),
        p("isDraft", Ty::Bool),
        p("isOnlineMeeting", Ty::Bool),
        p("isOrganizer", Ty::Bool),
        p("isReminderOn", Ty::Bool),
        p("lastModifiedDateTime", Ty::DateTimeOffset),
        p("location", Ty::Complex(&LOCATION)),
        p("locations", Ty::Collection(&Ty::Complex(&LOCATION))),
        p("multiValueExtendedProperties", Ty::Navigation { collection: true }),
        p("occurrenceId", Ty::String),
        p("onlineMeeting", Ty::Complex(&ONLINE_MEETING_INFO)),
        p("onlineMeetingProvider", Ty::Enum(&ONLINE_MEETING_PROVIDER)),
        p("onlineMeetingUrl", Ty::String),
        r("organizer", Ty::Complex(&RECIPIENT), Role::Organizer),
        p("originalEndTimeZone", Ty::ZoneName),
        p("originalStart", Ty::DateTimeOffset),
        p("originalStartTimeZone", Ty::ZoneName),
        nn("persona_id", Ty::String, Role::PersonaId),
        nn("prep_needed", Ty::Bool, Role::PrepNeeded),
        nn("prep_time_minutes", Ty::Int32, Role::PrepTime),
        nn("reasoning", Ty::NonEmptyString, Role::Reasoning),
        p("recurrence", Ty::Complex(&PATTERNED_RECURRENCE)),
        p("reminderMinutesBeforeStart", Ty::Int32),
        p("responseRequested", Ty::Bool),
        p("responseStatus", Ty::Complex(&RESPONSE_STATUS)),
        nn("rsvp", Ty::Enum(&RSVP), Role::None),
        p("sensitivity", Ty::Enum(&SENSITIVITY)),
        p("seriesMasterId", Ty::String),
        r("showAs", Ty::Enum(&FREE_BUSY_STATUS), Role::ShowAs),
        p("singleValueExtendedProperties", Ty::Navigation { collection: true }),
        r("start", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::Start),
        p("subject", Ty::String),
        p("transactionId", Ty::String),
        r("type", Ty::Enum(&EVENT_TYPE), Role::EventType),
        p("uid", Ty::String),
        p("webLink", Ty::String),
    ],
);

/// The seeds' label fields (not Graph properties), in the order they are documented.
pub const LABELS: &[&str] = &[
    "importance_label",
    "prep_needed",
    "prep_time_minutes",
    "reasoning",
    "persona_id",
    "generation_timestamp",
];

/// Every complex type (for the tests).
#[cfg(test)]
pub static COMPLEX: &[&Complex] = &[
    &EVENT,
    &DATE_TIME_TIME_ZONE,
    &EMAIL_ADDRESS,
    &RECIPIENT,
    &ATTENDEE,
    &TIME_SLOT,
    &RESPONSE_STATUS,
    &ITEM_BODY,
    &LOCATION,
    &PHYSICAL_ADDRESS,
    &OUTLOOK_GEO_COORDINATES,
    &ONLINE_MEETING_INFO,
    &PHONE,
    &PATTERNED_RECURRENCE,
    &RECURRENCE_PATTERN,
    &RECURRENCE_RANGE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for complex in COMPLEX {
            // The repeated-key check keeps one bit per property in a u128.
            assert!(complex.props.len() <= 128, "{}", complex.name);
            for pair in complex.props.windows(2) {
                assert!(
                    pair[0].name.as_bytes() < pair[1].name.as_bytes(),
                    "{}: {} before {}",
                    complex.name,
                    pair[0].name,
                    pair[1].name
                );
            }
            for prop in complex.props {
                assert!(prop.name.len() <= MAX_WORDS_LEN, "{}", prop.name);
                assert!(std::ptr::eq(complex.find(prop.name.as_bytes()).unwrap(), prop));
                // A key differing in its last byte, or one byte longer, is not it.
                let mut near = prop.name.as_bytes().to_vec();
                *near.last_mut().unwrap() ^= 1;
                assert!(complex.find(&near).is_none());
                near.push(b'x');
                assert!(complex.find(&near[..]).is_none());
            }
        }
        assert!(EVENT.find(b"Subject").is_none());
        assert!(EVENT.find(&[b'a'; 40]).is_none());
        for e in ENUMS {
            for m in e.members {
                assert!(e.contains(m.as_bytes()));
                assert!(!e.contains(m.to_uppercase().as_bytes()));
                assert!(!e.contains(format!("{m}\0").as_bytes()));
            }
        }
        assert!(!ATTENDEE_TYPE.contains(b""));
        for label in LABELS {
            assert!(EVENT.find(label.as_bytes()).is_some(), "{label}");
        }
    }
}
