//! Distribution realism: the same nine distributions computed over the real
//! sample and over the synthetic stream, side by side, each with its
//! Jensen–Shannon divergence (base 2: 0 identical, 1 disjoint).
//!
//! Every record counts in every per-event dimension: a value that is absent or
//! unusable falls in the `(none)` bucket, so a generator that leaves a field
//! out drifts away from a sample that has it. Attendee types count attendees,
//! not events.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::divergence::jensen_shannon_counts;

use super::align::round6;
use super::check::Facts;

pub const NONE: &str = "(none)";

/// The dimensions, in report order.
pub const DIMENSIONS: [&str; 9] = [
    "attendee type",
    "event type",
    "attendees per event",
    "duration",
    "start hour",
    "weekday",
    "showAs",
    "time zone",
    "bodyPreview length",
];

const ATTENDEES: &[&str] = &["0", "1", "2-5", "6-10", "11-15", "16-30", "31+"];
const DURATION: &[&str] = &[
    "<=0 min",
    "1-15 min",
    "16-30 min",
    "31-45 min",
    "46-60 min",
    "61-90 min",
    "91-120 min",
    "2-4 h",
    "4-24 h",
    ">24 h",
];
const HOURS: [&str; 24] = [
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23",
];
const WEEKDAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const PREVIEW: &[&str] = &["0", "1-50", "51-100", "101-200", "201-255", "256+"];

/// Buckets of the numeric dimensions, in their natural order.
fn order(dimension: usize) -> Option<Vec<String>> {
    let list: Vec<String> = match dimension {
        2 => ATTENDEES.iter().map(|s| s.to_string()).collect(),
        3 => DURATION.iter().map(|s| s.to_string()).collect(),
        4 => HOURS.iter().map(|s| s.to_string()).collect(),
        5 => WEEKDAYS.iter().map(|s| s.to_string()).collect(),
        8 => PREVIEW.iter().map(|s| s.to_string()).collect(),
        _ => return None,
    };
    Some(list)
}

fn attendees_bucket(n: usize) -> &'static str {
    match n {
        0 => ATTENDEES[0],
        1 => ATTENDEES[1],
        2..=5 => ATTENDEES[2],
        6..=10 => ATTENDEES[3],
        11..=15 => ATTENDEES[4],
        16..=30 => ATTENDEES[5],
        _ => ATTENDEES[6],
    }
}

fn duration_bucket(seconds: i64) -> &'static str {
    let minutes = seconds as f64 / 60.0;
    let bounds = [0.0, 15.0, 30.0, 45.0, 60.0, 90.0, 120.0, 240.0, 1440.0];
    let at = bounds.iter().position(|b| minutes <= *b).unwrap_or(bounds.len());
    DURATION[at]
}

fn preview_bucket(chars: usize) -> &'static str {
    match chars {
        0 => PREVIEW[0],
        1..=50 => PREVIEW[1],
        51..=100 => PREVIEW[2],
        101..=200 => PREVIEW[3],
        201..=255 => PREVIEW[4],
        _ => PREVIEW[5],
    }
}

/// Counts per bucket for each dimension.
#[derive(Debug, Default, Clone)]
pub struct Realism {
    pub counts: [BTreeMap<String, u64>; 9],
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

impl Realism {
    pub fn add(&mut self, facts: &Facts) {
        let c = &mut self.counts;
        for kind in &facts.attendee_types {
            bump(&mut c[0], kind.unwrap_or(NONE));
        }
        bump(&mut c[1], facts.event_type.unwrap_or(NONE));
        bump(&mut c[2], facts.attendee_count.map_or(NONE, attendees_bucket));
        bump(&mut c[3], facts.duration_seconds.map_or(NONE, duration_bucket));
        match &facts.start {
            Some(start) => {
                bump(&mut c[4], HOURS.get(start.hour as usize).copied().unwrap_or(NONE));
                bump(&mut c[5], WEEKDAYS[start.weekday() as usize]);
            }
            None => {
                bump(&mut c[4], NONE);
                bump(&mut c[5], NONE);
            }
        }
        bump(&mut c[6], facts.show_as.unwrap_or(NONE));
        bump(&mut c[7], if facts.has_time_zone { &facts.time_zone } else { NONE });
        bump(&mut c[8], facts.preview_chars.map_or(NONE, preview_bucket));
    }

    pub fn merge(&mut self, other: &Realism) {
        for (into, from) in self.counts.iter_mut().zip(&other.counts) {
            for (key, n) in from {
                *into.entry(key.clone()).or_default() += n;
            }
        }
    }
}

/// One dimension compared.
#[derive(Debug, Clone)]
pub struct Compared {
    pub name: &'static str,
    pub divergence: Option<f64>,
    /// (bucket, real share, synthetic share), in display order.
    pub rows: Vec<(String, f64, f64)>,
    pub real_n: u64,
    pub synthetic_n: u64,
}

fn share(map: &BTreeMap<String, u64>, key: &str, total: u64) -> f64 {
    if total == 0 { 0.0 } else { map.get(key).copied().unwrap_or(0) as f64 / total as f64 }
}

pub fn compare(real: &Realism, synthetic: &Realism) -> Vec<Compared> {
    DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (r, s) = (&real.counts[i], &synthetic.counts[i]);
            let (rn, sn) = (r.values().sum::<u64>(), s.values().sum::<u64>());
            let mut keys: Vec<String> = match order(i) {
                Some(list) => {
                    list.into_iter().filter(|k| r.contains_key(k) || s.contains_key(k)).collect()
                }
                None => {
                    let mut keys: Vec<String> = r.keys().chain(s.keys()).cloned().collect();
                    keys.sort();
                    keys.dedup();
                    keys.sort_by(|a, b| {
                        let weight = |k: &String| share(r, k, rn) + share(s, k, sn);
                        weight(b).total_cmp(&weight(a)).then(a.cmp(b))
                    });
                    keys
                }
            };
            // `(none)` last, wherever the order put it.
            if let Some(at) = keys.iter().position(|k| k == NONE) {
                let none = keys.remove(at);
                keys.push(none);
            } else if r.contains_key(NONE) || s.contains_key(NONE) {
                keys.push(NONE.to_string());
            }
            let rows = keys
                .into_iter()
                .map(|k| {
                    let (a, b) = (share(r, &k, rn), share(s, &k, sn));
                    (k, a, b)
                })
                .collect();
            Compared {
                name,
                divergence: jensen_shannon_counts(r, s),
                rows,
                real_n: rn,
                synthetic_n: sn,
            }
        })
        .collect()
}

pub fn to_json(compared: &[Compared]) -> Value {
    let mut map = Map::new();
    for c in compared {
        let mut real = Map::new();
        let mut synthetic = Map::new();
        for (key, a, b) in &c.rows {
            real.insert(key.clone(), json!(round6(*a)));
            synthetic.insert(key.clone(), json!(round6(*b)));
        }
        map.insert(
            c.name.to_string(),
            json!({
                "jensen_shannon": c.divergence.map(round6),
                "real_n": c.real_n,
                "synthetic_n": c.synthetic_n,
                "real": real,
                "synthetic": synthetic,
            }),
        );
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        assert_eq!(duration_bucket(30 * 60), "16-30 min");
        assert_eq!(duration_bucket(31 * 60), "31-45 min");
        assert_eq!(duration_bucket(0), "<=0 min");
        assert_eq!(duration_bucket(25 * 3600), ">24 h");
        assert_eq!(attendees_bucket(15), "11-15");
        assert_eq!(preview_bucket(255), "201-255");
    }

    #[test]
    fn identical_streams_do_not_drift() {
        let facts = Facts {
            event_type: Some("occurrence"),
            attendee_count: Some(2),
            attendee_types: vec![Some("required"), None],
            ..Facts::default()
        };
        let mut a = Realism::default();
        a.add(&facts);
        let compared = compare(&a, &a);
        assert!(compared.iter().all(|c| c.divergence == Some(0.0)));
        assert_eq!(
            compared[0].rows,
            vec![("required".to_string(), 0.5, 0.5), (NONE.to_string(), 0.5, 0.5)]
        );
    }
}
