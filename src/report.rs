//! Accounting and reporting (CONVENTIONS §3–§4), written once for every tool.
//!
//! [`Counts`] adds up what happened to every record; [`RejectLog`] reports bad
//! records (the first 20 on stderr, or all of them to `--rejects FILE`);
//! [`stats_object`] builds the `--stats` JSON. Messages have the form
//! `TOOL: FILE:LINE: reason`.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::json::{quote, write_str};
use crate::output::Output;

/// Counts by reason, in first-seen order (few distinct reasons per run).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally(Vec<(String, u64)>);

impl Tally {
    pub fn add(&mut self, reason: &str, n: u64) {
        match self.0.iter_mut().find(|(r, _)| r == reason) {
            Some((_, count)) => *count += n,
            None => self.0.push((reason.to_string(), n)),
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        for (reason, n) in &other.0 {
            self.add(reason, *n);
        }
    }

    pub fn get(&self, reason: &str) -> u64 {
        self.0.iter().find(|(r, _)| r == reason).map_or(0, |(_, n)| *n)
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    /// Reasons sorted by count (descending), then name.
    pub fn sorted(&self) -> Vec<(&str, u64)> {
        let mut list: Vec<(&str, u64)> = self.0.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        list
    }

    /// Reads back what [`Tally::to_json`] wrote (an object of counts).
    pub fn from_json(value: Option<&Value>) -> Result<Tally, String> {
        let map = value.and_then(Value::as_object).ok_or("no counts by reason")?;
        let mut tally = Tally::default();
        for (reason, n) in map {
            tally.add(reason, n.as_u64().ok_or_else(|| format!("a bad count of {reason:?}"))?);
        }
        Ok(tally)
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (reason, n) in self.sorted() {
            map.insert(reason.to_string(), json!(n));
        }
        Value::Object(map)
    }

    /// "3 (2 invalid JSON, 1 missing score)" or "0".
    pub fn phrase(&self) -> String {
        let total = self.total();
        if total == 0 {
            return "0".into();
        }
        let parts: Vec<String> = self.sorted().iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!("{total} ({})", parts.join(", "))
    }
}

/// What happened to the records of a run (or of one chunk).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Non-blank lines read: the records.
    pub records: u64,
    /// Whitespace-only lines, skipped.
    pub blank: u64,
    /// Records for which at least one line was written.
    pub written: u64,
    /// Records a tool kept for a later decision.
    pub held: u64,
    /// Output lines written (a tool may write several per record).
    pub lines_out: u64,
    pub filtered: Tally,
    pub rejected: Tally,
    /// Records whose watched fields were looked up (valid objects).
    pub looked_up: u64,
    /// Per watched field (see `Run::watch_fields`): records that held it.
    pub present: Vec<u64>,
}

impl Counts {
    pub fn merge(&mut self, other: &Counts) {
        self.looked_up += other.looked_up;
        if self.present.len() < other.present.len() {
            self.present.resize(other.present.len(), 0);
        }
        for (mine, theirs) in self.present.iter_mut().zip(&other.present) {
            *mine += theirs;
        }
        self.records += other.records;
        self.blank += other.blank;
        self.written += other.written;
        self.held += other.held;
        self.lines_out += other.lines_out;
        self.filtered.merge(&other.filtered);
        self.rejected.merge(&other.rejected);
    }

    /// Every record ended in exactly one place.
    pub fn balanced(&self) -> bool {
        self.records == self.written + self.held + self.filtered.total() + self.rejected.total()
    }
}

/// Starts a JSONL line about one input record, `{"file":…,"line":N`, as
/// --rejects and graph-validate --problems write them (the caller adds its
/// own keys and the closing brace).
pub fn open_located(out: &mut Vec<u8>, file: &str, line: u64) {
    out.extend_from_slice(b"{\"file\":");
    write_str(out, file);
    out.extend_from_slice(format!(",\"line\":{line}").as_bytes());
}

/// How many bad records are described on stderr before only counting.
pub const SHOWN_REJECTS: u64 = 20;

/// Reports bad records: on stderr (the first 20), or all to `--rejects FILE`.
pub struct RejectLog {
    tool: &'static str,
    file: Option<Output>,
    shown: u64,
    total: u64,
}

impl RejectLog {
    pub fn new(tool: &'static str, path: Option<&Path>) -> Result<Self, Error> {
        let file = match path {
            Some(path) => Some(Output::open(Some(path), "--rejects -")?),
            None => None,
        };
        Ok(RejectLog { tool, file, shown: 0, total: 0 })
    }

    pub fn to_file(&self) -> bool {
        self.file.is_some()
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Records one bad record.
    pub fn log(
        &mut self,
        file: &Arc<str>,
        line_number: u64,
        reason: &str,
        raw: &[u8],
    ) -> Result<(), Error> {
        self.entry(file, line_number, reason, raw, None)
    }

    /// Records a bad record too long to keep (a line longer than
    /// --max-line-bytes): `raw` holds its first bytes, and the --rejects line
    /// gets `"bytes": full_len`, its whole length.
    pub fn log_prefix(
        &mut self,
        file: &Arc<str>,
        line_number: u64,
        reason: &str,
        raw: &[u8],
        full_len: u64,
    ) -> Result<(), Error> {
        self.entry(file, line_number, reason, raw, Some(full_len))
    }

    fn entry(
        &mut self,
        file: &Arc<str>,
        line_number: u64,
        reason: &str,
        raw: &[u8],
        full_len: Option<u64>,
    ) -> Result<(), Error> {
        self.total += 1;
        if let Some(out) = &mut self.file {
            // Keys in the documented order: file, line, reason, raw.
            let mut line = Vec::new();
            open_located(&mut line, file, line_number);
            line.extend_from_slice(format!(",\"reason\":{},\"raw\":", quote(reason)).as_bytes());
            match std::str::from_utf8(raw) {
                Ok(text) => write_str(&mut line, text),
                Err(_) => {
                    // Keep every byte: a lossy string to read, base64 for the exact bytes.
                    write_str(&mut line, &String::from_utf8_lossy(raw));
                    line.extend_from_slice(b",\"raw_base64\":");
                    write_str(&mut line, &base64(raw));
                }
            }
            if let Some(full_len) = full_len {
                line.extend_from_slice(format!(",\"bytes\":{full_len}").as_bytes());
            }
            line.extend_from_slice(b"}\n");
            out.write(&line)?;
        } else if self.shown < SHOWN_REJECTS {
            self.shown += 1;
            let mut err = crate::progress::stderr();
            // The reason quotes the record (a custom_id, an API's message):
            // escaped, so no value drives the terminal (CONVENTIONS §3.10).
            let (file, reason) = (printable(file), printable(reason));
            let _ = writeln!(err, "{}: {file}:{line_number}: {reason}", self.tool);
        }
        Ok(())
    }

    /// Ends the log: commits the rejects file, or says how many were not shown.
    pub fn finish(self, commit: bool) -> Result<(), Error> {
        match self.file {
            Some(out) if commit => out.commit()?,
            Some(out) => out.abandon()?,
            None if self.total > self.shown => {
                let hidden = self.total - self.shown;
                let mut err = crate::progress::stderr();
                let _ = writeln!(
                    err,
                    "{}: … and {hidden} more bad record{} (use --rejects FILE to capture every one)",
                    self.tool,
                    if hidden == 1 { "" } else { "s" }
                );
            }
            None => {}
        }
        Ok(())
    }
}

/// Standard base64 (RFC 4648) for the exact bytes of a non-UTF-8 reject.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n =
            group.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A figure rounded to 6 decimals, as every machine format writes shares.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A share `part / whole` for machine formats: 6 decimals, null when empty.
pub fn share_json(part: u64, whole: u64) -> Value {
    if whole == 0 { Value::Null } else { json!(round6(part as f64 / whole as f64)) }
}

/// A share as a percentage with one decimal ("94.7%"); "n/a" when empty.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 { "n/a".into() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

/// The `--stats` object every tool writes: the common facts, then the tool's.
pub fn stats_object(
    tool: &str,
    args: &[String],
    elapsed: f64,
    counts: &Counts,
    extra: Map<String, Value>,
) -> Value {
    let mut map = Map::new();
    map.insert("tool".into(), json!(tool));
    map.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    map.insert("args".into(), json!(args));
    map.insert("elapsed_seconds".into(), json!(round6(elapsed)));
    map.insert("records_in".into(), json!(counts.records));
    map.insert("records_written".into(), json!(counts.written));
    map.insert("lines_out".into(), json!(counts.lines_out));
    map.insert("filtered".into(), counts.filtered.to_json());
    map.insert("rejected".into(), counts.rejected.to_json());
    map.insert("blank_lines".into(), json!(counts.blank));
    for (key, value) in extra {
        map.insert(key, value);
    }
    Value::Object(map)
}

/// What every man page says about text shown to a person (INPUT AND OUTPUT).
pub const TERMINAL_TEXT: &str = "\
Text from records, persona files, file names and the command line that a person reads \
(messages, summaries, tables, listings, reports on standard error) has its control \
characters shown escaped, in the spirit of GNU ls quoting: ESC as \\u{1b}, a lone CR as \
\\u{d}, backspace, BEL, NUL, newline and tab in a value, the C1 controls (U+0080 to \
U+009F) and the bidirectional overrides and isolates (U+202A to U+202E, U+2066 to \
U+2069) likewise, so no value can move the cursor, retitle or clear the terminal, or \
reorder a line. A byte of a file name that is not UTF-8 is shown as \\xNN. Machine \
outputs (JSONL records, --stats, --rejects, --format jsonl or json) keep the exact \
value. CSV output writes cells verbatim; --escape-formulas (where a tool writes CSV) \
puts a ' before a cell a spreadsheet would run as a formula.";

/// Whether a character must not reach a terminal as itself: C0 controls
/// (newline, tab, CR, backspace, ESC, BEL, NUL…), DEL, the C1 controls
/// (U+0080–U+009F: U+009B is a one-character CSI), the bidirectional
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, the
/// "Trojan Source" characters of CVE-2021-42574), the invisible direction
/// marks (U+200E, U+200F, U+061C) and the line and paragraph separators
/// (U+2028, U+2029), which some terminals and viewers break lines at.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Untrusted text for a person (CONVENTIONS §3.10): THE function every tool
/// uses to show a record's value, an id, a persona's name or a file name on
/// a terminal or in a message. Every [`is_hostile`] character is shown as a
/// `\u{…}` escape (ESC as `\u{1b}`, a lone CR as `\u{d}`, U+202E as
/// `\u{202e}`), in the spirit of GNU `ls --quoting-style=escape`: a value can
/// never move the cursor, clear the screen, ring the bell, overwrite or
/// reorder a line, or fake a second message line. Everything else, including
/// any other non-ASCII text, is shown as itself.
///
/// A backslash is shown as itself, so escaping is idempotent (a message
/// built from escaped values can be escaped again at the sink without
/// doubling anything); the exact value is in the machine outputs (JSONL,
/// `--stats`, `--rejects`), which never go through this function.
pub fn printable(text: &str) -> String {
    escape(text, is_hostile)
}

/// A whole message of one or more lines for standard error, as the sinks
/// write it (fatal errors, summaries, clap's usage errors): like
/// [`printable`], but the message's own line breaks and tabs stay. Values
/// inside a message are escaped with [`printable`] where it is built, so
/// that a newline in a value cannot start a line of its own; this is the
/// backstop that keeps every other control byte off the terminal.
pub fn printable_lines(text: &str) -> String {
    escape(text, |c| c != '\n' && c != '\t' && is_hostile(c))
}

fn escape(text: &str, hostile: impl Fn(char) -> bool) -> String {
    if !text.chars().any(&hostile) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A file name as text, the one way every tool names a file (in messages,
/// in `--rejects` and `--stats`): its UTF-8 as is, and each byte that is
/// not UTF-8 (a Unix file name is any bytes but `/` and NUL) as `\xNN`, so
/// two such names stay distinguishable instead of both becoming U+FFFD.
/// Control characters are kept: show the result through [`printable`].
pub fn path_name(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

/// A file name for a person: [`path_name`] through [`printable`].
pub fn printable_path(path: &std::path::Path) -> String {
    printable(&path_name(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn hostile_characters_are_shown_escaped() {
        let hostile =
            "a\u{1b}[31mred\u{7}\u{9b}2J\u{202e}txt.exe\0\r\u{8}\n\t\u{7f}\u{2066}\u{2028}";
        assert_eq!(
            printable(hostile),
            "a\\u{1b}[31mred\\u{7}\\u{9b}2J\\u{202e}txt.exe\\u{0}\\u{d}\\u{8}\\u{a}\\u{9}\\u{7f}\\u{2066}\\u{2028}"
        );
        for c in printable(hostile).chars() {
            assert!(!is_hostile(c), "{c:?} survived");
        }
        // Ordinary text, including other scripts and emoji, is left alone.
        for plain in ["café", "日本語 ✓ 😀", "C:\\new\\table", "a-b_c.d"] {
            assert_eq!(printable(plain), plain);
        }
    }

    #[test]
    fn escaping_is_idempotent_so_sinks_can_escape_again() {
        let once = printable("x\u{1b}y\u{202e}");
        assert_eq!(printable(&once), once);
        assert_eq!(printable_lines(&once), once);
    }

    #[test]
    fn a_message_keeps_its_own_line_breaks_only() {
        assert_eq!(
            printable_lines("tool: one\n  two\tcol\r\u{1b}]0;title\u{7}"),
            "tool: one\n  two\tcol\\u{d}\\u{1b}]0;title\\u{7}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn file_names_that_are_not_utf8_show_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"in\xff\xfe-\xc3\xa9\x1b.jsonl");
        let path = std::path::Path::new(name);
        assert_eq!(path_name(path), "in\\xff\\xfe-é\u{1b}.jsonl");
        assert_eq!(printable_path(path), "in\\xff\\xfe-é\\u{1b}.jsonl");
        assert_eq!(path_name(std::path::Path::new("plain/é.jsonl")), "plain/é.jsonl");
    }

    #[test]
    fn tally_phrase_orders_by_count() {
        let mut t = Tally::default();
        t.add("missing score", 1);
        t.add("invalid JSON", 2);
        assert_eq!(t.phrase(), "3 (2 invalid JSON, 1 missing score)");
        assert_eq!(Tally::default().phrase(), "0");
    }
}
