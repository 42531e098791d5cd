//! What can be wrong with a line: [`ErrorKind`], and [`JsonError`] (a kind at
//! a byte offset) with its summary category and its message for a person.
//! Every part of the scanner reports through `err`.

use std::fmt;

use super::{Kind, MAX_DEPTH, quote};

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    NotObject(Kind),
    Unexpected(&'static str),
    Eof(&'static str),
    BadEscape,
    LoneSurrogate,
    ControlInString,
    BadNumber,
    NumberRange,
    TooDeep,
    Trailing,
    InvalidUtf8,
    /// A key on a path the tool reads, written twice in one object.
    RepeatedKey(Box<str>),
}

/// A JSON problem at a byte offset of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub kind: ErrorKind,
    /// Byte offset in the line where the problem was found.
    pub offset: usize,
}

impl JsonError {
    /// The short category a summary counts this error under.
    pub fn category(&self) -> &'static str {
        match self.kind {
            ErrorKind::NotObject(_) => "not a JSON object",
            ErrorKind::InvalidUtf8 => "invalid UTF-8",
            ErrorKind::TooDeep => "nested too deeply",
            ErrorKind::RepeatedKey(_) => "repeated key",
            _ => "invalid JSON",
        }
    }

    /// A full message for a person; `line` is the line the offset refers to.
    pub fn describe(&self, line: &[u8]) -> String {
        let at = self.offset.min(line.len());
        // Columns count characters (1-based), as editors do.
        let column = line[..at].iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
        let found = match line.get(at) {
            Some(&c) if c.is_ascii_graphic() => format!(", found `{}`", c as char),
            Some(&c) if c < 0x80 => format!(", found byte 0x{c:02x}"),
            Some(_) => ", found a non-ASCII character".to_string(),
            None => String::new(),
        };
        match &self.kind {
            ErrorKind::NotObject(kind) => {
                format!(
                    "not a JSON object: the line is {} (every record must be an object)",
                    kind.article()
                )
            }
            ErrorKind::Unexpected(what) => {
                format!("invalid JSON: expected {what} at column {column}{found}")
            }
            ErrorKind::Eof(what) => {
                format!("invalid JSON: the line ends where {what} was expected (truncated record?)")
            }
            ErrorKind::BadEscape => {
                format!("invalid JSON: bad escape sequence in a string at column {column}")
            }
            ErrorKind::LoneSurrogate => {
                format!("invalid JSON: unpaired UTF-16 surrogate escape at column {column}")
            }
            ErrorKind::ControlInString => {
                format!("invalid JSON: unescaped control character in a string at column {column}")
            }
            ErrorKind::BadNumber => format!("invalid JSON: malformed number at column {column}"),
            ErrorKind::NumberRange => {
                format!("invalid JSON: number at column {column} is too large for a 64-bit float")
            }
            ErrorKind::TooDeep => {
                format!(
                    "nested {MAX_DEPTH} levels deep or more at column {column} (the limit every synthkit tool shares)"
                )
            }
            ErrorKind::Trailing => {
                format!(
                    "invalid JSON: unexpected text after the object at column {column}{found} (two records on one line?)"
                )
            }
            ErrorKind::InvalidUtf8 => format!("invalid UTF-8 at byte {}", self.offset + 1),
            ErrorKind::RepeatedKey(key) => format!(
                "repeated key: {} appears twice in one object at column {column} (jq, Python and \
                 training loaders read the last value, which would not be the one checked); keep one",
                quote(key)
            ),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for JsonError {}

pub(super) fn err<T>(kind: ErrorKind, offset: usize) -> Result<T, JsonError> {
    Err(JsonError { kind, offset })
}
