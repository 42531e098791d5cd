//! Fields a run was told to read that no record holds (CONVENTIONS §3.7),
//! and "did you mean" suggestions.
//!
//! A tool names its watched paths once (`Run::watch_fields`) and, per valid
//! record, says which of them it found (`Emit::found`); the counts merge
//! with the rest of the accounting. At the end a path found in no record of
//! a non-empty input is a data problem: one message with the fields that
//! were seen (top-level and second-level names of the first records) and the
//! nearest of them, and exit status 1. `score-filter --by metadata.stauts`
//! once kept 100 of 379 records with status 0 and no word of warning.

use crate::json::{self, Kind};

/// The candidate closest to `word`, when it is close enough to be a typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The `Emit::found` bits for values looked up by path id: bit i set when
/// value i was found.
pub fn mask<T>(values: &[Option<T>]) -> u64 {
    values.iter().take(64).enumerate().fold(0, |m, (i, v)| if v.is_some() { m | 1 << i } else { m })
}

/// Most records sampled for the names of the fields seen.
const SAMPLED_RECORDS: usize = 16;
/// Most lines tried for them: an input of bad lines is not parsed to its end
/// in the sequential sink.
const TRIED_LINES: usize = 256;
/// Longer lines are not sampled (a 50 MB record adds no field names).
const SAMPLED_LINE_BYTES: usize = 1 << 20;
/// Most field names listed in a message.
const LISTED: usize = 24;

/// Field names of sampled records: top-level keys and `key.member` for
/// object values, in order of first appearance.
#[derive(Debug, Default)]
pub struct FieldsSeen {
    names: Vec<String>,
    records: usize,
    tried: usize,
}

impl FieldsSeen {
    fn wants_more(&self) -> bool {
        self.records < SAMPLED_RECORDS && self.tried < TRIED_LINES
    }

    /// Samples the first records of a chunk, while more are wanted. Called
    /// on the chunks in input order, so the sample does not depend on
    /// threads or chunk sizes.
    pub fn sample_chunk(&mut self, chunk: &[u8], starts_source: bool) {
        if !self.wants_more() {
            return;
        }
        crate::input::for_each_line(chunk, starts_source, |line| {
            if !crate::input::is_blank(line.bytes) && line.bytes.len() <= SAMPLED_LINE_BYTES {
                self.tried += 1;
                self.sample(line.bytes);
            }
            self.wants_more()
        });
    }

    /// Adds the names of one record (ignored unless it is a JSON object).
    fn sample(&mut self, line: &[u8]) {
        let Ok(members) = json::members(line) else { return };
        self.records += 1;
        for member in &members {
            let key = member.key().into_owned();
            self.add(key.clone());
            if member.value.kind == Kind::Object
                && let Ok(inner) = json::members(member.value.bytes)
            {
                for sub in &inner {
                    self.add(format!("{key}.{}", sub.key()));
                }
            }
        }
    }

    fn add(&mut self, name: String) {
        if self.names.len() < 512 && !self.names.contains(&name) {
            self.names.push(name);
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The sample as JSON, for a run whose shards are merged later
    /// (phase-split's manifest).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"names": self.names, "records": self.records, "tried": self.tried})
    }

    /// Continues the sample with a later shard's (from [`FieldsSeen::to_json`]),
    /// called on the shards in input order: as the whole run's sample would
    /// have, it takes the shard's names only while the earlier shards had not
    /// filled it. (It takes all of that shard's sampled names, where the whole
    /// run might have stopped within them: a field seen there counts as seen.)
    pub fn continue_with(&mut self, value: &serde_json::Value) -> Result<(), String> {
        let count =
            |key: &str| value.get(key).and_then(serde_json::Value::as_u64).map(|n| n as usize);
        let (Some(names), Some(records), Some(tried)) = (
            value.get("names").and_then(serde_json::Value::as_array),
            count("records"),
            count("tried"),
        ) else {
            return Err("a field sample without names, records or tried".into());
        };
        if !self.wants_more() {
            return Ok(());
        }
        for name in names.iter().filter_map(serde_json::Value::as_str) {
            self.add(name.to_string());
        }
        self.records = self.records.saturating_add(records);
        self.tried = self.tried.saturating_add(tried);
        Ok(())
    }
}

/// The message for a watched path that no record held.
pub fn absent_message(flag: &str, path: &str, records: u64, seen: &FieldsSeen) -> String {
    let mut text = format!(
        "{flag} {path}: no record has this field ({records} record{} read)",
        if records == 1 { "" } else { "s" }
    );
    let hint = nearest(path, seen.names().iter().map(String::as_str)).or_else(|| {
        // A dotted path whose last step exists under another parent.
        let leaf = path.rsplit(['.', '/']).next().unwrap_or(path);
        seen.names().iter().map(String::as_str).find(|n| n.rsplit('.').next() == Some(leaf))
    });
    if let Some(near) = hint {
        text.push_str(&format!("; did you mean {near}?"));
    }
    if !seen.names().is_empty() {
        let shown: Vec<&str> = seen.names().iter().take(LISTED).map(String::as_str).collect();
        let more = seen.names().len().saturating_sub(LISTED);
        text.push_str(&format!("; fields seen: {}", shown.join(", ")));
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
    }
    crate::report::printable(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field_and_lists_what_was_seen() {
        let mut seen = FieldsSeen::default();
        seen.sample(br#"{"id":1,"metadata":{"status":"aligned","source":"x"}}"#);
        seen.sample(b"not json");
        let text = absent_message("--by", "metadata.stauts", 379, &seen);
        assert!(text.contains("did you mean metadata.status?"), "{text}");
        assert!(
            text.contains("fields seen: id, metadata, metadata.status, metadata.source"),
            "{text}"
        );
        let text = absent_message("--field", "stats.status", 1, &seen);
        assert!(text.contains("did you mean metadata.status?"), "{text}");
    }

    #[test]
    fn typo_suggestions_need_a_close_name() {
        let keys = ["always_accept", "conditional"];
        assert_eq!(nearest("always_acept", keys), Some("always_accept"));
        assert_eq!(nearest("zzz", keys), None);
    }
}
