//! Time-zone names as Graph writes them, and real UTC offsets for them.
//!
//! Graph returns IANA names (`Asia/Shanghai`, when the client asked for them
//! with `Prefer: outlook.timezone`) and Windows names (`China Standard Time`,
//! the mailbox default), plus a few of its own (`tzone://Microsoft/Utc`,
//! `tzone://Microsoft/Custom`, `Customized Time Zone`). Windows names are
//! mapped to IANA with CLDR's windowsZones table (territory 001, the
//! "golden" zone of each Windows zone); IANA names are resolved with the IANA
//! database bundled in the binary (jiff), so an offset never depends on the
//! host. A custom zone is a valid name whose offset is unknown.

use std::collections::HashMap;

use jiff::civil::DateTime;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use crate::time::DateTimeText;

/// CLDR `common/supplemental/windowsZones.xml`, territory 001: Windows zone
/// name → IANA zone (CLDR keeps some IANA aliases, e.g. Asia/Calcutta; the
/// bundled database knows them).
pub static WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Central Asia Standard Time", "Asia/Bishkek"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

/// Graph's own names that mean UTC.
const GRAPH_UTC: &[&str] = &["tzone://Microsoft/Utc"];
/// Graph's names for a custom zone (defined in the mailbox, offset not in the event).
const GRAPH_CUSTOM: &[&str] = &["tzone://Microsoft/Custom", "Customized Time Zone"];

/// A time-zone name that was recognised.
#[derive(Debug, Clone)]
pub enum Zone {
    Known(TimeZone),
    /// A valid name whose offsets are not known (a custom zone).
    Custom,
}

/// Every zone name the tool accepts, and how to resolve it; shared by threads.
pub struct Zones {
    db: TimeZoneDatabase,
    windows: HashMap<String, &'static str>,
}

impl Zones {
    pub fn new() -> Zones {
        let windows =
            WINDOWS_ZONES.iter().map(|(name, iana)| (name.to_ascii_lowercase(), *iana)).collect();
        Zones { db: TimeZoneDatabase::bundled(), windows }
    }

    /// Resolves a name: Graph's own, Windows (case-insensitive), then IANA
    /// (case-insensitive). `None` for an unknown name.
    pub fn lookup(&self, name: &str) -> Option<Zone> {
        if name.is_empty() {
            return None;
        }
        if GRAPH_UTC.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Some(Zone::Known(TimeZone::UTC));
        }
        if GRAPH_CUSTOM.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Some(Zone::Custom);
        }
        if let Some(iana) = self.windows.get(&name.to_ascii_lowercase()) {
            return self.db.get(iana).ok().map(Zone::Known);
        }
        // IANA names are ASCII; a name with anything else is not one.
        if !name.is_ascii() {
            return None;
        }
        self.db.get(name).ok().map(Zone::Known)
    }
}

impl Default for Zones {
    fn default() -> Self {
        Zones::new()
    }
}

/// Per-worker memo of [`Zones::lookup`]. A stream uses few distinct zones,
/// so the most recent ones are kept in a short list searched by bytes (no
/// hashing per event); the rest in a map.
#[derive(Default)]
pub struct ZoneCache {
    recent: Vec<(Box<[u8]>, Option<Zone>)>,
    map: HashMap<Box<[u8]>, Option<Zone>>,
}

const RECENT: usize = 8;

impl ZoneCache {
    /// The zone a name (as the record's bytes) denotes, `None` when unknown.
    pub fn get(&mut self, zones: &Zones, name: &[u8]) -> Option<&Zone> {
        if let Some(at) = self.recent.iter().position(|(n, _)| **n == *name) {
            return self.recent[at].1.as_ref();
        }
        let zone = match self.map.get(name) {
            Some(zone) => zone.clone(),
            None => {
                let zone = std::str::from_utf8(name).ok().and_then(|n| zones.lookup(n));
                self.map.insert(name.into(), zone.clone());
                zone
            }
        };
        if self.recent.len() == RECENT {
            self.recent.remove(0);
        }
        self.recent.push((name.into(), zone));
        self.recent.last().and_then(|(_, zone)| zone.as_ref())
    }
}

/// The instant (nanoseconds since the epoch) a date-time denotes: its own
/// offset when it has one, else the zone's offset at that wall-clock time (a
/// time in a DST gap or fold resolves as RFC 5545 and Temporal do:
/// "compatible"). `None` when the zone's offsets are unknown.
pub fn instant(text: &DateTimeText, zone: Option<&Zone>) -> Option<i128> {
    if let Some(at) = text.instant_nanos() {
        return Some(at);
    }
    let Some(Zone::Known(tz)) = zone else { return None };
    let civil = DateTime::new(
        i16::try_from(text.year).ok()?,
        text.month as i8,
        text.day as i8,
        text.hour as i8,
        text.minute as i8,
        text.second as i8,
        text.nanos as i32,
    )
    .ok()?;
    let at = tz.to_ambiguous_timestamp(civil).compatible().ok()?;
    Some(at.as_nanosecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_date_time;

    #[test]
    fn every_windows_zone_resolves() {
        let zones = Zones::new();
        for (windows, iana) in WINDOWS_ZONES {
            assert!(matches!(zones.lookup(windows), Some(Zone::Known(_))), "{windows} → {iana}");
        }
        assert!(matches!(zones.lookup("asia/shanghai"), Some(Zone::Known(_))));
        assert!(matches!(zones.lookup("china standard time"), Some(Zone::Known(_))));
        assert!(matches!(zones.lookup("tzone://Microsoft/Custom"), Some(Zone::Custom)));
        assert!(zones.lookup("originalStartTimeZone-value").is_none());
        assert!(zones.lookup("").is_none());
        assert!(zones.lookup("Mars/Olympus_Mons").is_none());
    }

    #[test]
    fn offsets_are_real_including_dst() {
        let zones = Zones::new();
        let at = |text: &str, zone: &str| {
            instant(&parse_date_time(text).unwrap(), zones.lookup(zone).as_ref()).unwrap()
        };
        let hour = 3_600_000_000_000i128;
        // Shanghai is UTC+8; China Standard Time is the same zone.
        assert_eq!(
            at("2025-11-15T10:00:00.0000000", "Asia/Shanghai"),
            at("2025-11-15T02:00:00", "UTC")
        );
        assert_eq!(
            at("2025-11-15T10:00:00", "China Standard Time"),
            at("2025-11-15T10:00:00", "Asia/Shanghai")
        );
        // New York, 2025-03-09: 01:30 EST and 03:30 EDT are one hour apart.
        assert_eq!(
            at("2025-03-09T03:30:00", "America/New_York")
                - at("2025-03-09T01:30:00", "Eastern Standard Time"),
            hour
        );
        // An explicit offset wins over the zone.
        assert_eq!(at("2025-11-15T10:00:00Z", "Asia/Shanghai"), at("2025-11-15T10:00:00", "UTC"));
        assert_eq!(
            instant(&parse_date_time("2025-11-15T10:00:00").unwrap(), Some(&Zone::Custom)),
            None
        );
    }
}
