//! Values as the scanner hands them back: [`Kind`], [`Raw`] (a value's kind and
//! exact bytes) with its accessors (`as_str`, `as_f64`, `key_text`, ...) and
//! string unescaping, the `--by` class labels, and a record's top-level
//! [`Member`]s.

use std::borrow::Cow;

use super::error::{ErrorKind, JsonError, err};
use super::scan::{expect_end, kind_at, object_start, scan_string, skip_scalar};
use super::{skip_value, skip_ws};

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "bool",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a bool",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// The label of a record with no value, as a class or group (`--by`).
pub const MISSING_LABEL: &str = "(missing)";

/// The label of the groups past a report's cap, taken together.
pub const OTHER_GROUPS_LABEL: &str = "(other groups)";

/// The label a `--by` value gets as a class or group: a string's text, any
/// other value's JSON text, [`MISSING_LABEL`] for no value; a string that
/// would read as another kind of value or a reserved label (`"1"` beside 1,
/// `"(missing)"`, `""`) is quoted as JSON, so distinct values never share
/// a label.
pub fn class_label(raw: Option<&Raw<'_>>) -> String {
    let Some(raw) = raw else {
        return MISSING_LABEL.to_string();
    };
    let text = raw.key_text();
    if raw.kind != Kind::String {
        return text.into_owned();
    }
    let ambiguous = match text.as_bytes().first() {
        None => true,
        Some(b'(') => text == MISSING_LABEL || text == OTHER_GROUPS_LABEL,
        Some(b'-' | b'0'..=b'9' | b'[' | b'{' | b'"' | b't' | b'f' | b'n') => {
            serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
        }
        _ => false,
    };
    if ambiguous {
        serde_json::Value::String(text.into_owned()).to_string()
    } else {
        text.into_owned()
    }
}

/// A value found in a line: its kind and its exact bytes.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    pub kind: Kind,
    pub bytes: &'a [u8],
    /// Strings only: whether the literal contains a backslash escape.
    pub escaped: bool,
}

impl<'a> Raw<'a> {
    /// The number, when the value is a finite JSON number.
    pub fn as_f64(&self) -> Option<f64> {
        if self.kind != Kind::Number {
            return None;
        }
        let text = std::str::from_utf8(self.bytes).ok()?;
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// The decoded string, when the value is a string.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.kind != Kind::String {
            return None;
        }
        let inner = &self.bytes[1..self.bytes.len() - 1];
        let text = std::str::from_utf8(inner).ok()?;
        if self.escaped { Some(Cow::Owned(unescape(text))) } else { Some(Cow::Borrowed(text)) }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.bytes {
            b"true" => Some(true),
            b"false" => Some(false),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.kind == Kind::Null
    }

    /// The value as a grouping or hashing key: a string's decoded text, or any
    /// other value's JSON text. `"a\u0062"` and `"ab"` are the same key.
    pub fn key_text(&self) -> Cow<'a, str> {
        match self.as_str() {
            Some(text) => text,
            None => String::from_utf8_lossy(self.bytes),
        }
    }

    /// Writes [`Raw::key_text`] into `out` (cleared first), reusing its
    /// buffer: for reading long strings without an allocation each time.
    pub fn key_text_into(&self, out: &mut String) {
        out.clear();
        let inner = match self.kind {
            Kind::String => &self.bytes[1..self.bytes.len() - 1],
            _ => self.bytes,
        };
        let Ok(text) = simdutf8::basic::from_utf8(inner) else {
            out.push_str(&String::from_utf8_lossy(inner));
            return;
        };
        if self.kind == Kind::String && self.escaped {
            unescape_into(text, out);
        } else {
            out.push_str(text);
        }
    }

    /// The JSON text of the value (valid UTF-8: lines are validated first).
    pub fn text(&self) -> &'a str {
        std::str::from_utf8(self.bytes).unwrap_or("")
    }
}

/// Decodes the inside of an escaped JSON string that the scanner validated.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    unescape_into(text, &mut out);
    out
}

/// Appends the decoded inside of a validated JSON string to `out`, copying
/// the runs between escapes whole.
fn unescape_into(text: &str, out: &mut String) {
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut copied = 0;
    while let Some(found) = memchr::memchr(b'\\', &bytes[copied..]) {
        let at = copied + found;
        out.push_str(&text[copied..at]);
        let hex =
            |from: usize| text.get(from..from + 4).and_then(|h| u32::from_str_radix(h, 16).ok());
        let (c, len) = match bytes.get(at + 1) {
            Some(b'n') => ('\n', 2),
            Some(b't') => ('\t', 2),
            Some(b'r') => ('\r', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'u') => {
                let unit = hex(at + 2).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&unit) {
                    let low = hex(at + 8).unwrap_or(0xDC00);
                    let code =
                        0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    (char::from_u32(code).unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(unit).unwrap_or('\u{FFFD}'), 6)
                }
            }
            Some(&other) if other.is_ascii() => (other as char, 2),
            _ => ('\u{FFFD}', 1),
        };
        out.push(c);
        copied = (at + len).min(bytes.len());
        while !text.is_char_boundary(copied) {
            copied += 1;
        }
    }
    out.push_str(&text[copied..]);
}

/// One top-level member of a record: its key and value, with the value's
/// byte range in the line.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    pub key: Raw<'a>,
    pub value: Raw<'a>,
    pub value_start: usize,
}

impl Member<'_> {
    pub fn key(&self) -> Cow<'_, str> {
        self.key.as_str().unwrap_or_default()
    }
}

/// Validates `line` and lists its top-level members in order.
pub fn members(line: &[u8]) -> Result<Vec<Member<'_>>, JsonError> {
    let mut out = Vec::new();
    let i = object_start(line)?;
    let mut j = skip_ws(line, i + 1);
    if line.get(j) != Some(&b'}') {
        loop {
            let (end, escaped) = match line.get(j) {
                Some(b'"') => scan_string(line, j)?,
                Some(_) => return err(ErrorKind::Unexpected("a string key"), j),
                None => return err(ErrorKind::Eof("a string key"), j),
            };
            let key = Raw { kind: Kind::String, bytes: &line[j..end], escaped };
            j = skip_ws(line, end);
            match line.get(j) {
                Some(b':') => j = skip_ws(line, j + 1),
                Some(_) => return err(ErrorKind::Unexpected("`:`"), j),
                None => return err(ErrorKind::Eof("`:`"), j),
            }
            let kind = kind_at(line, j)?;
            let (stop, escaped) = match kind {
                Kind::Array | Kind::Object => (skip_value(line, j, 1)?, false),
                _ => skip_scalar(line, j, kind)?,
            };
            out.push(Member {
                key,
                value: Raw { kind, bytes: &line[j..stop], escaped },
                value_start: j,
            });
            j = skip_ws(line, stop);
            match line.get(j) {
                Some(b',') => j = skip_ws(line, j + 1),
                Some(b'}') => break,
                Some(_) => return err(ErrorKind::Unexpected("`,` or `}`"), j),
                None => return err(ErrorKind::Eof("`,` or `}`"), j),
            }
        }
    }
    expect_end(line, j + 1)?;
    Ok(out)
}
