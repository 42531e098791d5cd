//! The bounds that keep memory finite on any input (issue 18 §1): the longest
//! line a tool reads into memory (`--max-line-bytes`) and the largest whole
//! document it reads at once (`--max-document-bytes`: `--real`, CSV, SQuAD,
//! JSON arrays, persona and request files).
//!
//! A line longer than the limit is a bad record (`line too long`, its size in
//! the reason): the input layer reads through it in fixed-size blocks and
//! keeps only its first [`REJECT_PREFIX`] bytes for `--rejects`, so a small
//! `.zst` that expands to one line of many GiB costs at most the limit in
//! memory. A document larger than its limit is an error (exit 2) naming the
//! flag that raises it. Both are process-wide settings, set once from the
//! command line before any input is opened (like `--no-mmap`).

use std::sync::atomic::{AtomicU64, Ordering};

/// Default `--max-line-bytes`: far above any real record (a long chat
/// transcript is a few MiB) and far below the memory of any machine.
pub const DEFAULT_MAX_LINE: u64 = 256 << 20;

/// Default `--max-document-bytes`: whole documents are parsed in memory.
pub const DEFAULT_MAX_DOCUMENT: u64 = 1 << 30;

/// Bytes of an over-long line that `--rejects` keeps (its `raw`), cut back to
/// a UTF-8 character boundary; the record's `bytes` gives the full length.
pub const REJECT_PREFIX: usize = 4096;

/// The category bad over-long lines are counted under.
pub const LINE_TOO_LONG: &str = "line too long";

static MAX_LINE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_LINE);
static MAX_DOCUMENT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_DOCUMENT);

/// Sets `--max-line-bytes` for this process (at least 1).
pub fn set_max_line(bytes: u64) {
    MAX_LINE.store(bytes.max(1), Ordering::Relaxed);
}

/// The longest line read into memory.
pub fn max_line() -> u64 {
    MAX_LINE.load(Ordering::Relaxed)
}

/// Sets `--max-document-bytes` for this process (at least 1).
pub fn set_max_document(bytes: u64) {
    MAX_DOCUMENT.store(bytes.max(1), Ordering::Relaxed);
}

/// The largest whole document read into memory.
pub fn max_document() -> u64 {
    MAX_DOCUMENT.load(Ordering::Relaxed)
}

/// Parses a size: bytes, or a number with K, M, G or T (powers of 1024),
/// optionally followed by B or iB (`65536`, `64K`, `256MiB`, `1G`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let wrong = || format!("`{text}` is not a size (write e.g. 65536, 64K, 64M or 1G)");
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(wrong()),
    };
    digits.parse::<u64>().ok().and_then(|n| n.checked_mul(scale)).ok_or_else(wrong)
}

/// clap value parser for the size flags: a size of at least one byte.
pub fn positive_size(text: &str) -> Result<u64, String> {
    match parse_size(text)? {
        0 => Err(format!("`{text}` is not a size of at least one byte")),
        n => Ok(n),
    }
}

/// A size for people: `4294967296 bytes (4.0 GiB)`, or `900 bytes`.
pub fn describe(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] =
        [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    match UNITS.iter().find(|(_, size)| bytes >= *size) {
        Some((unit, size)) => format!("{bytes} bytes ({:.1} {unit})", bytes as f64 / *size as f64),
        None => format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" }),
    }
}

/// The reason an over-long line is rejected with.
pub fn line_too_long(bytes: u64) -> String {
    format!(
        "line too long: {} is more than --max-line-bytes {}; skipped without reading it into memory",
        describe(bytes),
        describe(max_line())
    )
}

/// The first bytes of an over-long line, as `--rejects` keeps them: at most
/// [`REJECT_PREFIX`], not ending inside a UTF-8 character.
pub fn reject_prefix(line: &[u8]) -> Vec<u8> {
    let mut prefix = &line[..line.len().min(REJECT_PREFIX)];
    if let Err(e) = std::str::from_utf8(prefix)
        && e.error_len().is_none()
    {
        prefix = &prefix[..e.valid_up_to()];
    }
    prefix.to_vec()
}

/// The error for a document larger than `--max-document-bytes`.
pub fn document_too_large(name: &str, what: &str) -> crate::error::Error {
    crate::error::Error::Config(format!(
        "{name}: {what} is larger than --max-document-bytes {} and is read whole into memory; \
         raise the limit (e.g. --max-document-bytes 4G) if this is really one document",
        describe(max_document())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_read() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert!(positive_size("0").is_err());
        assert_eq!(describe(4 << 30), "4294967296 bytes (4.0 GiB)");
        assert_eq!(describe(1), "1 byte");
    }

    #[test]
    fn a_prefix_never_ends_inside_a_character() {
        let mut line = vec![b'a'; REJECT_PREFIX - 1];
        line.extend_from_slice("é and more".as_bytes());
        let prefix = reject_prefix(&line);
        assert_eq!(prefix.len(), REJECT_PREFIX - 1);
        assert!(std::str::from_utf8(&prefix).is_ok());
        // Bytes that are not UTF-8 at all are kept as they are (raw_base64).
        assert_eq!(reject_prefix(b"\xff\xfe"), b"\xff\xfe");
    }
}
