//! The Microsoft Graph v1.0 `event` schema, built in: every property of
//! `microsoft.graph.event` (with those it inherits from `outlookItem` and
//! `entity`) and of the complex types and enumerations it uses, with the JSON
//! type and nullability the official metadata gives them
//! (microsoftgraph/msgraph-metadata, `clean_v10_metadata/cleanMetadata.xml`).
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
    Id,
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
}

#[derive(Debug)]
pub struct Complex {
    pub name: &'static str,
    /// Sorted by name.
    pub props: &'static [Prop],
    index: OnceLock<KeyIndex>,
}

/// Property lookup by key bytes: candidates grouped by name length, each
/// with its first eight bytes as an integer, so a key is matched with one or
/// two integer compares instead of a chain of `memcmp` calls (a key lookup
/// happens for every member of every record).
#[derive(Debug)]
struct KeyIndex {
    /// Per length (the last bucket holds every longer name): (prefix, prop index).
    by_len: Vec<Vec<(u64, usize)>>,
}

const INDEXED_LEN: usize = 40;

#[inline]
fn prefix(name: &[u8]) -> u64 {
    if let Some(head) = name.first_chunk::<8>() {
        return u64::from_le_bytes(*head);
    }
    // Shorter than 8 bytes: assemble by hand (a copy_from_slice of a
    // variable length is a memcpy call in the hottest loop).
    let mut value = 0u64;
    for (i, &b) in name.iter().enumerate() {
        value |= (b as u64) << (8 * i);
    }
    value
}

impl Complex {
    const fn new(name: &'static str, props: &'static [Prop]) -> Complex {
        Complex { name, props, index: OnceLock::new() }
    }

    /// The index of the property named `name`.
    pub fn position(&self, name: &[u8]) -> Option<usize> {
        let index = self.index.get_or_init(|| {
            let mut by_len = vec![Vec::new(); INDEXED_LEN + 1];
            for (i, prop) in self.props.iter().enumerate() {
                let len = prop.name.len().min(INDEXED_LEN);
                by_len[len].push((prefix(prop.name.as_bytes()), i));
            }
            KeyIndex { by_len }
        });
        let key = prefix(name);
        index.by_len[name.len().min(INDEXED_LEN)]
            .iter()
            .find(|(p, i)| {
                *p == key
                    && (name.len() <= 8 || self.props[*i].name.as_bytes()[8..] == name[8..])
                    && self.props[*i].name.len() == name.len()
            })
            .map(|(_, i)| *i)
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
}

impl Enum {
    pub fn contains(&self, value: &[u8]) -> bool {
        self.members.iter().any(|m| m.as_bytes() == value)
    }

    /// "not one of a, b, c".
    pub fn message(&self) -> String {
        format!("not one of {}", self.members.join(", "))
    }
}

const fn p(name: &'static str, ty: Ty) -> Prop {
    Prop { name, ty, nullable: true, role: Role::None }
}

const fn r(name: &'static str, ty: Ty, role: Role) -> Prop {
    Prop { name, ty, nullable: true, role }
}

/// Nullable="false" in the metadata.
const fn nn(name: &'static str, ty: Ty, role: Role) -> Prop {
    Prop { name, ty, nullable: false, role }
}

pub static FREE_BUSY_STATUS: Enum = Enum {
    name: "freeBusyStatus",
    members: &["unknown", "free", "tentative", "busy", "oof", "workingElsewhere"],
};
pub static EVENT_TYPE: Enum = Enum {
    name: "eventType",
    members: &["singleInstance", "occurrence", "exception", "seriesMaster"],
};
pub static ATTENDEE_TYPE: Enum =
    Enum { name: "attendeeType", members: &["required", "optional", "resource"] };
pub static RESPONSE_TYPE: Enum = Enum {
    name: "responseType",
    members: &["none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded"],
};
pub static IMPORTANCE: Enum = Enum { name: "importance", members: &["low", "normal", "high"] };
pub static SENSITIVITY: Enum =
    Enum { name: "sensitivity", members: &["normal", "personal", "private", "confidential"] };
pub static BODY_TYPE: Enum = Enum { name: "bodyType", members: &["text", "html"] };
pub static ONLINE_MEETING_PROVIDER: Enum = Enum {
    name: "onlineMeetingProviderType",
    members: &["unknown", "skypeForBusiness", "skypeForConsumer", "teamsForBusiness"],
};
pub static LOCATION_TYPE: Enum = Enum {
    name: "locationType",
    members: &[
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
};
pub static LOCATION_UNIQUE_ID_TYPE: Enum = Enum {
    name: "locationUniqueIdType",
    members: &["unknown", "locationStore", "directory", "private", "bing"],
};
pub static PHONE_TYPE: Enum = Enum {
    name: "phoneType",
    members: &[
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
};
pub static RECURRENCE_PATTERN_TYPE: Enum = Enum {
    name: "recurrencePatternType",
    members: &[
        "daily",
        "weekly",
        "absoluteMonthly",
        "relativeMonthly",
        "absoluteYearly",
        "relativeYearly",
    ],
};
pub static RECURRENCE_RANGE_TYPE: Enum =
    Enum { name: "recurrenceRangeType", members: &["endDate", "noEnd", "numbered"] };
pub static DAY_OF_WEEK: Enum = Enum {
    name: "dayOfWeek",
    members: &["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
};
pub static WEEK_INDEX: Enum =
    Enum { name: "weekIndex", members: &["first", "second", "third", "fourth", "last"] };
/// The seeds' importance label (not Graph's `importance`).
pub static IMPORTANCE_LABEL: Enum =
    Enum { name: "importance_label", members: &["critical", "high", "medium", "low"] };

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
        p("categories", Ty::Collection(&Ty::String)),
        p("changeKey", Ty::String),
        p("createdDateTime", Ty::DateTimeOffset),
        r("end", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::End),
        p("extensions", Ty::Navigation { collection: true }),
        nn("generation_timestamp", Ty::Iso8601, Role::GenerationTimestamp),
        p("hasAttachments", Ty::Bool),
        p("hideAttendees", Ty::Bool),
        p("iCalUId", Ty::String),
        nn("id", Ty::String, Role::Id),
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
        p("sensitivity", Ty::Enum(&SENSITIVITY)),
        p("seriesMasterId", Ty::String),
        r("showAs", Ty::Enum(&FREE_BUSY_STATUS), Role::ShowAs),
        p("singleValueExtendedProperties", Ty::Navigation { collection: true }),
        r("start", Ty::Complex(&DATE_TIME_TIME_ZONE), Role::Start),
        p("subject", Ty::String),
        p("transactionId", Ty::String),
        r("type", Ty::Enum(&EVENT_TYPE), Role::EventType),
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
                assert!(std::ptr::eq(complex.find(prop.name.as_bytes()).unwrap(), prop));
            }
        }
        assert!(EVENT.find(b"Subject").is_none());
        for label in LABELS {
            assert!(EVENT.find(label.as_bytes()).is_some(), "{label}");
        }
    }
}
