//! The formats: the strings a format type demands (Edm.DateTimeOffset,
//! Edm.Date, ISO 8601 and Graph's local date-times, IANA or Windows time-zone
//! names, e-mail addresses) with the issue each malformed one is, Edm.Int32
//! literals, Graph's documentation placeholders, and a time zone as messages
//! write it.

use std::borrow::Cow;

use super::issues::IssueKind;
use crate::email::looks_like_email;
use crate::json::Raw;
use crate::time::{parse_date, parse_date_time};
use crate::tools::graph_validate::schema::Ty;
use crate::tools::graph_validate::zones::{ZoneCache, Zones};

/// What is wrong with `text`, a string of a format type: the issue's kind
/// and message, or `None` when it is well formed (or the type has no format).
pub(super) fn problem(
    ty: &Ty,
    text: &[u8],
    zones: &Zones,
    cache: &mut ZoneCache,
) -> Option<(IssueKind, &'static str)> {
    let (ok, kind, error) = match ty {
        Ty::DateTimeOffset => (
            parse_date_time(text).is_some_and(|t| t.offset.is_some()),
            IssueKind::Format,
            "not a date-time with an offset (Edm.DateTimeOffset, e.g. 2025-11-15T10:00:00Z)",
        ),
        Ty::Date => {
            (parse_date(text).is_some(), IssueKind::Format, "not a date (Edm.Date, YYYY-MM-DD)")
        }
        Ty::Iso8601 => (
            parse_date_time(text).is_some(),
            IssueKind::Format,
            "not an ISO 8601 date-time (e.g. 2025-11-10T14:32:18.123456)",
        ),
        Ty::LocalDateTime => (
            parse_date_time(text).is_some(),
            IssueKind::Format,
            "not a date-time in Graph's form (e.g. 2025-11-15T10:00:00.0000000)",
        ),
        Ty::ZoneName => (
            cache.get(zones, text).is_some(),
            IssueKind::TimeZone,
            "not a known IANA or Windows time zone",
        ),
        Ty::Email => {
            (looks_like_email(text), IssueKind::Email, "does not look like an email address")
        }
        _ => return None,
    };
    (!ok).then_some((kind, error))
}

/// A time zone as messages write it: its name, or "(no zone)".
pub(super) fn zone_text(zone: &Option<Cow<'_, [u8]>>) -> String {
    zone.as_deref()
        .map_or_else(|| "(no zone)".to_string(), |z| String::from_utf8_lossy(z).into_owned())
}

/// An Edm.Int32: an integer literal in range.
pub(super) fn int32(raw: &Raw<'_>) -> Result<i64, IssueKind> {
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
pub(super) fn is_placeholder(text: &[u8], property: &str) -> bool {
    text.len() == property.len() + 6
        && text.ends_with(b"-value")
        && text[..property.len()].eq_ignore_ascii_case(property.as_bytes())
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
}
