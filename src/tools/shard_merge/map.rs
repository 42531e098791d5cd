//! The shard map: which original file, and which line of it, each shard
//! started at, so positions a shard reported (`<stdin>:3`) become the whole
//! run's (`big.jsonl:1203`).
//!
//! A map is JSONL, one line per shard in input order:
//! `{"file": NAME, "first_line": N}`, or `{"file": NAME, "lines": N}` (the
//! shard's own line count: the next shard of NAME starts after it), or
//! `{"file": NAME, "stats": PATH}` (the shard's `--stats` file, whose
//! `records_in + blank_lines` is its line count). A shard without
//! `first_line` starts after the earlier shards of the same file.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

/// Where one shard's lines came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// The original file's name, as the whole run would have named it.
    pub file: String,
    /// The original line of the shard's line 1.
    pub first_line: u64,
}

impl Shard {
    /// The original line of the shard's line `line`.
    pub fn line(&self, line: u64) -> u64 {
        self.first_line - 1 + line
    }
}

/// The lines a shard's `--stats` says it read: records and blank lines.
pub fn lines_read(stats: &Value, name: &str) -> Result<u64, Error> {
    if stats.get("complete") == Some(&Value::Bool(false)) {
        return Err(Error::Usage(format!(
            "{name}: the shard stopped early (--fail-fast), so its line count is not its size"
        )));
    }
    let count = |key: &str| stats.get(key).and_then(Value::as_u64);
    match (count("records_in"), count("blank_lines")) {
        (Some(records), Some(blank)) => Ok(records + blank),
        _ => Err(Error::Usage(format!(
            "{name}: not a synthkit --stats file (no records_in and blank_lines)"
        ))),
    }
}

/// Reads a map file. `stats_of(i)` gives shard `i`'s stats when the caller
/// holds them (shard-merge stats), for entries that say neither
/// `first_line` nor `lines` nor `stats`.
pub fn read(path: &Path, stats_of: &dyn Fn(usize) -> Option<Value>) -> Result<Vec<Shard>, Error> {
    let name = crate::report::printable(&path.display().to_string());
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Input { name: name.clone(), source })?;
    let mut shards: Vec<Shard> = Vec::new();
    // Per original file: the line the next shard of it starts at (None once
    // a shard's size is unknown).
    let mut next: Vec<(String, Option<u64>)> = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = format!("{name}:{}", i + 1);
        let entry: Value = serde_json::from_str(line)
            .map_err(|e| Error::Usage(format!("{at}: not a shard map entry: {e}")))?;
        let Some(file) = entry.get("file").and_then(Value::as_str) else {
            return Err(Error::Usage(format!("{at}: a shard map entry needs \"file\" (a string)")));
        };
        let number = |key: &str| -> Result<Option<u64>, Error> {
            match entry.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                    Error::Usage(format!("{at}: \"{key}\" must be a whole number, not {v}"))
                }),
            }
        };
        let slot = match next.iter().position(|(f, _)| f == file) {
            Some(slot) => slot,
            None => {
                next.push((file.to_string(), Some(1)));
                next.len() - 1
            }
        };
        let first_line = match number("first_line")? {
            Some(0) => return Err(Error::Usage(format!("{at}: lines are counted from 1"))),
            Some(n) => n,
            None => next[slot].1.ok_or_else(|| {
                Error::Usage(format!(
                    "{at}: no \"first_line\", and the size of the shard before it in {} is unknown \
(give \"first_line\", \"lines\" or \"stats\")",
                    crate::report::printable(file)
                ))
            })?,
        };
        let lines = match (number("lines")?, entry.get("stats").and_then(Value::as_str)) {
            (Some(n), _) => Some(n),
            (None, Some(stats)) => {
                let stats_path = PathBuf::from(stats);
                let shown = crate::report::printable(stats);
                let text = std::fs::read_to_string(&stats_path)
                    .map_err(|source| Error::Input { name: shown.clone(), source })?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| Error::Usage(format!("{shown}: not a --stats file: {e}")))?;
                Some(lines_read(&value, &shown)?)
            }
            (None, None) => match stats_of(shards.len()) {
                Some(value) => Some(lines_read(&value, &at)?),
                None => None,
            },
        };
        next[slot].1 = lines.map(|n| first_line + n);
        shards.push(Shard { file: file.to_string(), first_line });
    }
    Ok(shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Result<Vec<Shard>, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.jsonl");
        std::fs::write(&path, text).unwrap();
        read(&path, &|_| None)
    }

    #[test]
    fn later_shards_start_after_the_earlier_ones_of_their_file() {
        let shards = map(concat!(
            "{\"file\":\"a.jsonl\",\"lines\":10}\n",
            "{\"file\":\"b.jsonl\",\"lines\":3}\n",
            "{\"file\":\"a.jsonl\",\"lines\":5}\n",
            "{\"file\":\"a.jsonl\"}\n",
        ))
        .unwrap();
        let starts: Vec<(&str, u64)> =
            shards.iter().map(|s| (s.file.as_str(), s.first_line)).collect();
        assert_eq!(starts, [("a.jsonl", 1), ("b.jsonl", 1), ("a.jsonl", 11), ("a.jsonl", 16)]);
        assert_eq!(shards[2].line(3), 13);
    }

    #[test]
    fn an_unknown_size_is_refused_not_guessed() {
        let err = map("{\"file\":\"a\"}\n{\"file\":\"a\"}\n").unwrap_err().to_string();
        assert!(err.contains("size of the shard before it"), "{err}");
        assert!(map("{\"file\":\"a\",\"first_line\":0}\n").is_err());
        assert!(map("{\"first_line\":3}\n").is_err());
    }
}
