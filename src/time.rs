//! Timestamps written into records (CONVENTIONS §5.4): the clock, or
//! `SOURCE_DATE_EPOCH` when set, formatted as ISO 8601 UTC; and the reverse,
//! ISO 8601 dates and date-times read from records, validated field by field.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, from `SOURCE_DATE_EPOCH` when it is set.
pub fn now_epoch() -> Result<i64, String> {
    if let Ok(value) = std::env::var("SOURCE_DATE_EPOCH") {
        // Years 0000 to 9999: what a four-digit ISO 8601 year can write.
        const RANGE: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;
        return value.trim().parse::<i64>().ok().filter(|e| RANGE.contains(e)).ok_or_else(|| {
            format!(
                "SOURCE_DATE_EPOCH must be whole seconds since 1970 (within the years 0000 to 9999), not {value:?}"
            )
        });
    }
    Ok(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0))
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2025-11-10T14:32:18Z`.
pub fn iso8601_utc(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let secs = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// A date-time as ISO 8601 text writes it: civil fields, the fraction of a
/// second in nanoseconds, and the UTC offset in seconds when the text has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeText {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
    /// `Z` is `Some(0)`; no offset is `None` (a local, "floating" time).
    pub offset: Option<i32>,
}

impl DateTimeText {
    /// Days since 1970-01-01 of the civil date.
    pub fn days(&self) -> i64 {
        days_from_civil(self.year as i64, self.month as u32, self.day as u32)
    }

    /// Seconds since 1970-01-01T00:00 of the civil date-time, ignoring any
    /// offset (the wall clock as written).
    pub fn wall_seconds(&self) -> i64 {
        self.days() * 86_400
            + self.hour as i64 * 3600
            + self.minute as i64 * 60
            + self.second as i64
    }

    /// The instant in nanoseconds since the epoch, when the text has an offset.
    pub fn instant_nanos(&self) -> Option<i128> {
        let offset = self.offset?;
        Some(((self.wall_seconds() - offset as i64) as i128) * 1_000_000_000 + self.nanos as i128)
    }

    /// Day of the week of the civil date, 0 = Monday … 6 = Sunday.
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday.
        (self.days() + 3).rem_euclid(7) as u8
    }

    /// Whether the time of day is exactly 00:00:00.
    pub fn is_midnight(&self) -> bool {
        self.hour == 0 && self.minute == 0 && self.second == 0 && self.nanos == 0
    }
}

fn digits(text: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = text.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32))
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD` (ISO 8601 calendar date, four-digit year), validated.
pub fn parse_date(text: impl AsRef<[u8]>) -> Option<(i32, u8, u8)> {
    let b = text.as_ref();
    if b.len() != 10 {
        return None;
    }
    parse_date_prefix(b)
}

fn parse_date_prefix(b: &[u8]) -> Option<(i32, u8, u8)> {
    let year = digits(b, 0, 4)? as i32;
    let month = digits(b, 5, 2)? as u8;
    let day = digits(b, 8, 2)? as u8;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

/// An ISO 8601 / RFC 3339 date-time: `YYYY-MM-DDThh:mm[:ss[.f…]]` with 1 to 9
/// fraction digits, optionally followed by `Z` or an offset `±hh:mm` (or
/// `±hhmm`). Every field is range-checked (no leap second, no hour 24).
pub fn parse_date_time(text: impl AsRef<[u8]>) -> Option<DateTimeText> {
    let b = text.as_ref();
    let (year, month, day) = parse_date_prefix(b)?;
    if b.get(10) != Some(&b'T') {
        return None;
    }
    let hour = digits(b, 11, 2)? as u8;
    let minute = digits(b, 14, 2)? as u8;
    if b.get(13) != Some(&b':') || hour > 23 || minute > 59 {
        return None;
    }
    let mut at = 16;
    let (mut second, mut nanos) = (0u8, 0u32);
    if b.get(at) == Some(&b':') {
        second = digits(b, at + 1, 2)? as u8;
        if second > 59 {
            return None;
        }
        at += 3;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            let count = end - start;
            if count == 0 || count > 9 {
                return None;
            }
            nanos = digits(b, start, count)? * 10u32.pow((9 - count) as u32);
            at = end;
        }
    }
    let offset = match b.get(at) {
        None => None,
        Some(b'Z' | b'z') if at + 1 == b.len() => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, at + 1, 2)? as i32;
            let (om, end) = if b.get(at + 3) == Some(&b':') {
                (digits(b, at + 4, 2)? as i32, at + 6)
            } else {
                (digits(b, at + 3, 2)? as i32, at + 5)
            };
            if end != b.len() || oh > 23 || om > 59 {
                return None;
            }
            let seconds = oh * 3600 + om * 60;
            Some(if sign == b'-' { -seconds } else { seconds })
        }
        Some(_) => return None,
    };
    Some(DateTimeText { year, month, day, hour, minute, second, nanos, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The parser agrees with jiff on which civil dates exist, on every
        /// field, and on the instant an offset date-time names.
        #[test]
        fn date_times_agree_with_jiff(
            year in 1i16..=9999, month in 1i8..=12, day in 1i8..=31,
            hour in 0i8..24, minute in 0i8..60, second in 0i8..60,
            nanos in 0i32..1_000_000_000,
            offset in proptest::option::of(-(23 * 60 + 59)..=(23 * 60 + 59i32)),
        ) {
            let mut text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{nanos:09}"
            );
            if let Some(minutes) = offset {
                let sign = if minutes < 0 { '-' } else { '+' };
                text.push_str(&format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60));
            }
            let civil = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos);
            let ours = parse_date_time(&text);
            proptest::prop_assert_eq!(ours.is_some(), civil.is_ok(), "{}", text);
            if let (Some(t), Ok(civil)) = (ours, civil) {
                proptest::prop_assert_eq!(
                    (t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanos),
                    (year as i32, month as u8, day as u8, hour as u8, minute as u8, second as u8, nanos as u32)
                );
                proptest::prop_assert_eq!(t.weekday() as i8, civil.weekday().to_monday_zero_offset());
                if let Some(minutes) = offset {
                    let zone = jiff::tz::Offset::from_seconds(minutes * 60).unwrap();
                    let instant = zone.to_timestamp(civil).unwrap().as_nanosecond();
                    proptest::prop_assert_eq!(t.instant_nanos(), Some(instant));
                }
            }
        }
    }

    #[test]
    fn parses_iso_8601_date_times() {
        let t = parse_date_time("2025-11-15T10:00:00.0000000").unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2025, 11, 15, 10, 0, 0));
        assert_eq!((t.nanos, t.offset), (0, None));
        assert_eq!(t.weekday(), 5); // a Saturday
        let t = parse_date_time("2025-11-10T14:32:18.123456").unwrap();
        assert_eq!(t.nanos, 123_456_000);
        assert_eq!(parse_date_time("0001-01-01T00:00:00Z").unwrap().offset, Some(0));
        let t = parse_date_time("2024-02-29T23:59:59.999999999-05:30").unwrap();
        assert_eq!(t.offset, Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(parse_date_time("2024-02-29T10:00+0800").unwrap().offset, Some(8 * 3600));
        assert_eq!(parse_date_time("1970-01-01T01:00:00+01:00").unwrap().instant_nanos(), Some(0));
        for bad in [
            "",
            "datetime-value",
            "2025-11-15",
            "2025-11-15 10:00:00",
            "2025-13-01T00:00:00",
            "2023-02-29T00:00:00",
            "2025-11-15T24:00:00",
            "2025-11-15T10:60:00",
            "2025-11-15T10:00:60",
            "2025-11-15T10:00:00.",
            "2025-11-15T10:00:00.1234567890",
            "2025-11-15T10:00:00Zx",
            "2025-11-15T10:00:00+8",
            "25-11-15T10:00:00",
            "2025-11-15T10:00:00 ",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad:?}");
        }
        assert_eq!(parse_date("2025-02-28"), Some((2025, 2, 28)));
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("0001-01-01"), Some((1, 1, 1)));
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(1_762_785_138), "2025-11-10T14:32:18Z");
        assert_eq!(iso8601_utc(951_782_400), "2000-02-29T00:00:00Z");
        for days in [-800_000, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
