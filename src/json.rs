//! JSON, the way every synthkit tool reads it: a validating, non-allocating
//! scanner over one line.
//!
//! It checks that a line is exactly one well-formed JSON object (RFC 8259,
//! UTF-8, no lone surrogate escapes) and hands back the raw bytes of the values
//! at requested paths, without building a DOM; untouched values are never
//! re-serialised. Containers are skipped iteratively, so nesting costs no
//! stack: the depth limit exists so that every tool, including those that
//! build a serde_json value (limit 128), agrees on which records are valid.
//! Measured against serde_json, sonic-rs and simd-json in bench/README.md.

use std::borrow::Cow;
use std::fmt;

/// Nesting limit, equal to serde_json's recursion limit: a record may hold at
/// most `MAX_DEPTH - 1` levels of objects and arrays, the record itself included.
pub const MAX_DEPTH: usize = 128;

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

const fn repeat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}
const LO: u64 = repeat(0x01);
const HI: u64 = repeat(0x80);

#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// SSE2 part of [`string_special`]: 16 bytes per step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn special_sse2(b: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::*;
    let quote = _mm_set1_epi8(b'"' as i8);
    let backslash = _mm_set1_epi8(b'\\' as i8);
    let control = _mm_set1_epi8(0x1F);
    while i + 16 <= b.len() {
        let lo = i64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let hi = i64::from_le_bytes(b[i + 8..i + 16].try_into().unwrap_or_default());
        let v = _mm_set_epi64x(hi, lo);
        // max(v, 0x1F) == 0x1F exactly when v <= 0x1F (unsigned).
        let hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            _mm_cmpeq_epi8(_mm_max_epu8(v, control), control),
        );
        let mask = _mm_movemask_epi8(hits) as u32;
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    i
}

/// Index of the first `"`, `\` or control byte at or after `i`, or `len`.
#[inline(always)]
fn string_special(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline; every x86_64 CPU has it.
        #[allow(unsafe_code)]
        let at = unsafe { special_sse2(b, i) };
        i = at;
        if i + 16 <= b.len() {
            return i;
        }
    }
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let m = zero_bytes(w ^ repeat(b'"'))
            | zero_bytes(w ^ repeat(b'\\'))
            | (w.wrapping_sub(repeat(0x20)) & !w & HI);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// The first byte at or after `i` that is not JSON whitespace.
#[inline(always)]
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn err<T>(kind: ErrorKind, offset: usize) -> Result<T, JsonError> {
    Err(JsonError { kind, offset })
}

/// The four hex digits of a `\uXXXX` escape starting at `i`.
pub fn hex4(b: &[u8], i: usize) -> Option<u16> {
    let digits = b.get(i..i + 4)?;
    let mut v = 0u16;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)? as u16;
    }
    Some(v)
}

/// Scans a string whose opening quote is at `i`; returns (end, escaped) where
/// `end` is just past the closing quote.
#[inline]
fn scan_string(b: &[u8], i: usize) -> Result<(usize, bool), JsonError> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = string_special(b, j);
        match b.get(j) {
            None => return err(ErrorKind::Eof("end of string"), j),
            Some(b'"') => return Ok((j + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                match b.get(j + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                    Some(b'u') => {
                        let Some(unit) = hex4(b, j + 2) else {
                            return err(ErrorKind::BadEscape, j);
                        };
                        if (0xD800..0xDC00).contains(&unit) {
                            let low = (b.get(j + 6) == Some(&b'\\') && b.get(j + 7) == Some(&b'u'))
                                .then(|| hex4(b, j + 8))
                                .flatten();
                            match low {
                                Some(l) if (0xDC00..0xE000).contains(&l) => j += 12,
                                _ => return err(ErrorKind::LoneSurrogate, j),
                            }
                        } else if (0xDC00..0xE000).contains(&unit) {
                            return err(ErrorKind::LoneSurrogate, j);
                        } else {
                            j += 6;
                        }
                    }
                    _ => return err(ErrorKind::BadEscape, j),
                }
            }
            Some(_) => return err(ErrorKind::ControlInString, j),
        }
    }
}

#[inline]
fn scan_digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

#[inline]
fn scan_number(b: &[u8], start: usize) -> Result<usize, JsonError> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = scan_digits(b, i + 1),
        _ => return err(ErrorKind::BadNumber, start),
    }
    if b.get(i) == Some(&b'.') {
        let j = scan_digits(b, i + 1);
        if j == i + 1 {
            return err(ErrorKind::BadNumber, start);
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = scan_digits(b, i);
        if j == i {
            return err(ErrorKind::BadNumber, start);
        }
        i = j;
        // Only an exponent can push a number past f64; serde_json rejects
        // such numbers, so every tool must.
        if !number_in_range(&b[start..i]) {
            return err(ErrorKind::NumberRange, start);
        }
    } else if i - start > 300 && !number_in_range(&b[start..i]) {
        return err(ErrorKind::NumberRange, start);
    }
    Ok(i)
}

fn number_in_range(text: &[u8]) -> bool {
    std::str::from_utf8(text).ok().and_then(|t| t.parse::<f64>().ok()).is_some_and(f64::is_finite)
}

fn scan_literal(b: &[u8], i: usize, word: &'static [u8]) -> Result<usize, JsonError> {
    if b.get(i..i + word.len()) == Some(word) {
        Ok(i + word.len())
    } else {
        err(ErrorKind::Unexpected("a JSON value"), i)
    }
}

/// Kind of the value starting at `i` (which must not be whitespace).
#[inline]
fn kind_at(b: &[u8], i: usize) -> Result<Kind, JsonError> {
    Ok(match b.get(i) {
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'"') => Kind::String,
        Some(b'-' | b'0'..=b'9') => Kind::Number,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'n') => Kind::Null,
        Some(_) => return err(ErrorKind::Unexpected("a JSON value"), i),
        None => return err(ErrorKind::Eof("a JSON value"), i),
    })
}

/// Skips the scalar at `i`; returns (end, escaped).
#[inline]
fn skip_scalar(b: &[u8], i: usize, kind: Kind) -> Result<(usize, bool), JsonError> {
    match kind {
        Kind::String => scan_string(b, i),
        Kind::Number => Ok((scan_number(b, i)?, false)),
        Kind::Bool => {
            let word: &'static [u8] = if b[i] == b't' { b"true" } else { b"false" };
            Ok((scan_literal(b, i, word)?, false))
        }
        Kind::Null => Ok((scan_literal(b, i, b"null")?, false)),
        Kind::Array | Kind::Object => unreachable!("containers are skipped by skip_value"),
    }
}

/// Expects `"key"` then `:` at `j`; returns the start of the member's value.
#[inline]
fn key_colon(b: &[u8], j: usize) -> Result<usize, JsonError> {
    let j = match b.get(j) {
        Some(b'"') => scan_string(b, j)?.0,
        Some(_) => return err(ErrorKind::Unexpected("a string key"), j),
        None => return err(ErrorKind::Eof("a string key"), j),
    };
    let j = skip_ws(b, j);
    match b.get(j) {
        Some(b':') => Ok(skip_ws(b, j + 1)),
        Some(_) => err(ErrorKind::Unexpected("`:`"), j),
        None => err(ErrorKind::Eof("`:`"), j),
    }
}

/// Skips one complete value starting at `i` (not whitespace), validating it.
/// `depth` is the number of containers already open around it. Returns the
/// index just past the value. Iterative: nesting costs no stack.
pub fn skip_value(b: &[u8], i: usize, depth: usize) -> Result<usize, JsonError> {
    // Bit n of `objects` is set when open container n is an object.
    let mut objects: u128 = 0;
    let mut open = 0usize;
    let mut j = i;
    'value: loop {
        let kind = kind_at(b, j)?;
        if matches!(kind, Kind::Array | Kind::Object) {
            if depth + open + 1 >= MAX_DEPTH {
                return err(ErrorKind::TooDeep, j);
            }
            let is_object = kind == Kind::Object;
            objects = (objects & !(1u128 << open)) | ((is_object as u128) << open);
            open += 1;
            j = skip_ws(b, j + 1);
            let close = if is_object { b'}' } else { b']' };
            if b.get(j) == Some(&close) {
                open -= 1;
                j += 1;
            } else {
                if is_object {
                    j = key_colon(b, j)?;
                }
                continue 'value;
            }
        } else {
            j = skip_scalar(b, j, kind)?.0;
        }
        // After a complete value: `,` or the closer of the innermost container.
        loop {
            if open == 0 {
                return Ok(j);
            }
            j = skip_ws(b, j);
            let in_object = (objects >> (open - 1)) & 1 == 1;
            match b.get(j) {
                Some(b',') => {
                    j = skip_ws(b, j + 1);
                    if in_object {
                        j = key_colon(b, j)?;
                    }
                    continue 'value;
                }
                Some(b'}') if in_object => {
                    open -= 1;
                    j += 1;
                }
                Some(b']') if !in_object => {
                    open -= 1;
                    j += 1;
                }
                other => {
                    let expected = if in_object { "`,` or `}`" } else { "`,` or `]`" };
                    return match other {
                        Some(_) => err(ErrorKind::Unexpected(expected), j),
                        None => err(ErrorKind::Eof(expected), j),
                    };
                }
            }
        }
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key; also an array index when it is all digits.
    Key(Box<str>),
    /// `*`: every member of an object or element of an array.
    Any,
}

#[derive(Debug, Default, Clone)]
struct Node {
    children: Vec<(Segment, usize)>,
    /// Ids of the paths that end at this node.
    ends: Vec<usize>,
}

/// A set of field paths compiled into a trie, walked once per record.
#[derive(Debug, Clone)]
pub struct PathSet {
    nodes: Vec<Node>,
    len: usize,
}

impl PathSet {
    pub fn new(paths: &[Vec<Segment>]) -> Self {
        let mut nodes = vec![Node::default()];
        for (id, path) in paths.iter().enumerate() {
            let mut at = 0;
            for seg in path {
                let found = nodes[at].children.iter().find(|(s, _)| s == seg).map(|c| c.1);
                at = match found {
                    Some(next) => next,
                    None => {
                        nodes.push(Node::default());
                        let next = nodes.len() - 1;
                        nodes[at].children.push((seg.clone(), next));
                        next
                    }
                };
            }
            nodes[at].ends.push(id);
        }
        PathSet { nodes, len: paths.len() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Checks that `line` is exactly one JSON object and calls `found(path_id,
/// value)` for every value at a path of `paths`, in document order.
pub fn scan_object<'a>(
    line: &'a [u8],
    paths: &PathSet,
    found: &mut dyn FnMut(usize, Raw<'a>),
) -> Result<(), JsonError> {
    let i = object_start(line)?;
    let end = walk(line, i, 0, &paths.nodes, 0, found)?;
    expect_end(line, end)
}

/// Checks that `line` is exactly one JSON object.
pub fn validate_object(line: &[u8]) -> Result<(), JsonError> {
    let i = object_start(line)?;
    let end = skip_value(line, i, 0)?;
    expect_end(line, end)
}

/// Validates UTF-8 and finds the opening brace of the line's object.
fn object_start(line: &[u8]) -> Result<usize, JsonError> {
    if let Err(e) = simdutf8::compat::from_utf8(line) {
        return err(ErrorKind::InvalidUtf8, e.valid_up_to());
    }
    let i = skip_ws(line, 0);
    let kind = kind_at(line, i)?;
    if kind != Kind::Object {
        // Say what the line is only when it really is one JSON value.
        if skip_value(line, i, 0).is_ok_and(|end| skip_ws(line, end) == line.len()) {
            return err(ErrorKind::NotObject(kind), i);
        }
        return err(ErrorKind::Unexpected("`{` (a JSON object)"), i);
    }
    Ok(i)
}

fn expect_end(line: &[u8], end: usize) -> Result<(), JsonError> {
    let end = skip_ws(line, end);
    if end != line.len() {
        return err(ErrorKind::Trailing, end);
    }
    Ok(())
}

/// The values of `paths` in one record: for each path, the first match.
/// For paths with wildcards use [`scan_object`] to see every match.
pub fn first_values<'a>(
    line: &'a [u8],
    paths: &PathSet,
    out: &mut Vec<Option<Raw<'a>>>,
) -> Result<(), JsonError> {
    out.clear();
    out.resize(paths.len(), None);
    scan_object(line, paths, &mut |id, raw| {
        if out[id].is_none() {
            out[id] = Some(raw);
        }
    })
}

/// Walks the container at `i` against trie node `node`; returns its end.
fn walk<'a>(
    b: &'a [u8],
    i: usize,
    node: usize,
    nodes: &[Node],
    depth: usize,
    found: &mut dyn FnMut(usize, Raw<'a>),
) -> Result<usize, JsonError> {
    if nodes[node].children.is_empty() {
        return skip_value(b, i, depth);
    }
    if depth + 1 >= MAX_DEPTH {
        return err(ErrorKind::TooDeep, i);
    }
    let is_object = b[i] == b'{';
    let close = if is_object { b'}' } else { b']' };
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&close) {
        return Ok(j + 1);
    }
    let mut index = 0usize;
    // Which named children this object has matched already: a second match is
    // a repeated key on a path the tool reads (CONVENTIONS §3.8).
    let mut matched: u64 = 0;
    let mut matched_more: Vec<usize> = Vec::new();
    loop {
        // Object members carry a key; array elements an index.
        let mut key: Option<Raw<'a>> = None;
        let key_start = j;
        if is_object {
            let (end, escaped) = match b.get(j) {
                Some(b'"') => scan_string(b, j)?,
                Some(_) => return err(ErrorKind::Unexpected("a string key"), j),
                None => return err(ErrorKind::Eof("a string key"), j),
            };
            key = Some(Raw { kind: Kind::String, bytes: &b[j..end], escaped });
            j = skip_ws(b, end);
            match b.get(j) {
                Some(b':') => j = skip_ws(b, j + 1),
                Some(_) => return err(ErrorKind::Unexpected("`:`"), j),
                None => return err(ErrorKind::Eof("`:`"), j),
            }
        }
        let start = j;
        let kind = kind_at(b, start)?;
        let mut end = None;
        for (n, (seg, child)) in nodes[node].children.iter().enumerate() {
            let hit = match (seg, &key) {
                (Segment::Any, _) => true,
                (Segment::Key(k), Some(key)) if !key.escaped => {
                    k.as_bytes() == &key.bytes[1..key.bytes.len() - 1]
                }
                (Segment::Key(k), Some(key)) => key.as_str().is_some_and(|s| s == **k),
                (Segment::Key(k), None) => array_index(k) == Some(index),
            };
            if !hit {
                continue;
            }
            if let (Segment::Key(k), Some(_)) = (seg, &key) {
                let seen = if n < 64 {
                    let bit = 1u64 << n;
                    let seen = matched & bit != 0;
                    matched |= bit;
                    seen
                } else if matched_more.contains(&n) {
                    true
                } else {
                    matched_more.push(n);
                    false
                };
                if seen {
                    return err(ErrorKind::RepeatedKey(k.clone()), key_start);
                }
            }
            let mut escaped = false;
            let stop = if matches!(kind, Kind::Array | Kind::Object) {
                walk(b, start, *child, nodes, depth + 1, found)?
            } else {
                let (stop, esc) = skip_scalar(b, start, kind)?;
                escaped = esc;
                stop
            };
            end = Some(stop);
            for &id in &nodes[*child].ends {
                found(id, Raw { kind, bytes: &b[start..stop], escaped });
            }
        }
        j = match end {
            Some(stop) => stop,
            None => skip_value(b, start, depth + 1)?,
        };
        j = skip_ws(b, j);
        match b.get(j) {
            Some(b',') => j = skip_ws(b, j + 1),
            Some(&c) if c == close => return Ok(j + 1),
            other => {
                let expected = if is_object { "`,` or `}`" } else { "`,` or `]`" };
                return match other {
                    Some(_) => err(ErrorKind::Unexpected(expected), j),
                    None => err(ErrorKind::Eof(expected), j),
                };
            }
        }
        index += 1;
    }
}

/// The array index a path step names: plain decimal digits without a leading
/// zero (RFC 6901), so `+1` and `01` name no element (`parse` took them as 1).
fn array_index(step: &str) -> Option<usize> {
    let digits = step.as_bytes();
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || digits.len() == 1);
    if canonical { step.parse().ok() } else { None }
}

/// The kind of a JSON value from its first non-whitespace byte.
pub fn kind_of(value: &[u8]) -> Option<Kind> {
    kind_at(value, skip_ws(value, 0)).ok()
}

/// Calls `each` with the byte range of every element of the JSON array
/// `array`, validating it.
pub fn array_elements(
    array: &[u8],
    each: &mut dyn FnMut(std::ops::Range<usize>),
) -> Result<(), JsonError> {
    let mut j = skip_ws(array, 0);
    match array.get(j) {
        Some(b'[') => j = skip_ws(array, j + 1),
        Some(_) => return err(ErrorKind::Unexpected("`[` (a JSON array)"), j),
        None => return err(ErrorKind::Eof("`[` (a JSON array)"), j),
    }
    if array.get(j) == Some(&b']') {
        return expect_end(array, j + 1);
    }
    loop {
        let start = j;
        let end = skip_value(array, j, 1)?;
        each(start..end);
        j = skip_ws(array, end);
        match array.get(j) {
            Some(b',') => j = skip_ws(array, j + 1),
            Some(b']') => return expect_end(array, j + 1),
            Some(_) => return err(ErrorKind::Unexpected("`,` or `]`"), j),
            None => return err(ErrorKind::Eof("`,` or `]`"), j),
        }
    }
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

/// Writes `line` with top-level fields set: a key that exists keeps its place
/// and gets the new value; the others are appended in the order given. Every
/// byte outside the replaced values is kept. Values are JSON text.
pub fn set_fields(
    line: &[u8],
    fields: &[(&str, &[u8])],
    out: &mut Vec<u8>,
) -> Result<(), JsonError> {
    let existing: Vec<(usize, std::ops::Range<usize>)> = members(line)?
        .iter()
        .filter_map(|member| {
            let key = member.key();
            let at = fields.iter().position(|(name, _)| *name == key)?;
            Some((at, member.value_start..member.value_start + member.value.bytes.len()))
        })
        .collect();
    set_fields_at(line, &existing, fields, out);
    Ok(())
}

/// [`set_fields`] for a caller that already scanned `line` (a valid JSON
/// object, e.g. with [`scan_object`] and top-level paths for the field names)
/// and knows where the values of those fields are: `existing` lists
/// (index into `fields`, byte range of the value in `line`) in document order.
/// Saves a second pass over the record when the tool reads it anyway.
pub fn set_fields_at(
    line: &[u8],
    existing: &[(usize, std::ops::Range<usize>)],
    fields: &[(&str, &[u8])],
    out: &mut Vec<u8>,
) {
    let mut appended = vec![true; fields.len()];
    let mut copied = 0;
    for (at, range) in existing {
        appended[*at] = false;
        out.extend_from_slice(&line[copied..range.start]);
        out.extend_from_slice(fields[*at].1);
        copied = range.end;
    }
    // The closing brace is the last non-whitespace byte of a valid object.
    let close = line.iter().rposition(|&c| c == b'}').unwrap_or(line.len());
    out.extend_from_slice(&line[copied..close]);
    let open = line.iter().position(|&c| c == b'{').map_or(0, |p| p + 1);
    let any = line[open..close].iter().any(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
    let added = fields.iter().zip(&appended).filter(|(_, add)| **add).map(|(field, _)| field);
    write_members(out, added, any);
    out.extend_from_slice(&line[close..]);
}

/// Writes `"name":value` pairs, each after a comma unless it is the first
/// member of the object (`any` says whether members precede).
fn write_members<'f>(
    out: &mut Vec<u8>,
    fields: impl Iterator<Item = &'f (&'f str, &'f [u8])>,
    mut any: bool,
) {
    for (name, value) in fields {
        if any {
            out.push(b',');
        }
        any = true;
        write_str(out, name);
        out.push(b':');
        out.extend_from_slice(value);
    }
}

/// [`set_fields`] for a line already validated as an object that has none
/// of the keys at its top level (a scan over those keys found nothing):
/// appends them without reading the line again. Values are JSON text.
pub fn append_fields(
    line: &[u8],
    fields: &[(&str, &[u8])],
    out: &mut Vec<u8>,
) -> Result<(), JsonError> {
    let open = line.iter().position(|&c| c == b'{');
    let close = line.iter().rposition(|&c| c == b'}');
    let (Some(open), Some(close)) = (open, close) else {
        return err(ErrorKind::Unexpected("`{` (a JSON object)"), 0);
    };
    if close < open {
        return err(ErrorKind::Unexpected("`{` (a JSON object)"), open);
    }
    let any = line[open + 1..close].iter().any(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
    out.extend_from_slice(&line[..close]);
    write_members(out, fields.iter(), any);
    out.extend_from_slice(&line[close..]);
    Ok(())
}

/// Appends `text` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1F | 0x7F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        copied = i + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    write_str(&mut out, text);
    String::from_utf8(out).unwrap_or_default()
}

/// What [`Cursor::value`] found: a complete scalar, or the opening of a
/// container the cursor has now entered.
#[derive(Debug, Clone, Copy)]
pub enum Next<'a> {
    Scalar(Raw<'a>),
    Object,
    Array,
}

/// A pull reader over one record: the caller walks the object member by member
/// and decides, value by value, whether to descend, read or skip. Every byte is
/// validated exactly as [`validate_object`] validates it (same scanner, same
/// depth limit), so a tool that walks a whole record with a cursor accepts
/// exactly the records every other tool accepts, in one pass and without a DOM.
///
/// Protocol: inside an object call [`key`](Cursor::key) until it returns
/// `None`; inside an array call [`element`](Cursor::element) until it returns
/// `false`; after each key or element consume the value once with
/// [`value`](Cursor::value) or [`skip`](Cursor::skip). When the record's
/// object is closed, [`finish`](Cursor::finish) checks that nothing follows.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    /// Containers currently open.
    depth: usize,
    /// Whether the innermost container has had no member or element yet.
    fresh: bool,
}

impl<'a> Cursor<'a> {
    /// Validates the line's UTF-8, expects a JSON object and enters it.
    pub fn object(line: &'a [u8]) -> Result<Self, JsonError> {
        let i = object_start(line)?;
        Ok(Cursor { b: line, pos: i + 1, depth: 1, fresh: true })
    }

    /// Byte offset of the cursor in the line.
    pub fn offset(&self) -> usize {
        self.pos
    }

    #[inline]
    fn close(&mut self) {
        self.pos += 1;
        self.depth -= 1;
        // Back in the parent, which now has had a member: this one.
        self.fresh = false;
    }

    /// The next key of the current object (then the value is next), or `None`
    /// when the object ends (and has been left).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn key(&mut self) -> Result<Option<Raw<'a>>, JsonError> {
        let b = self.b;
        let mut j = skip_ws(b, self.pos);
        if self.fresh {
            if b.get(j) == Some(&b'}') {
                self.pos = j;
                self.close();
                return Ok(None);
            }
        } else {
            match b.get(j) {
                Some(b',') => j = skip_ws(b, j + 1),
                Some(b'}') => {
                    self.pos = j;
                    self.close();
                    return Ok(None);
                }
                Some(_) => return err(ErrorKind::Unexpected("`,` or `}`"), j),
                None => return err(ErrorKind::Eof("`,` or `}`"), j),
            }
        }
        let (end, escaped) = match b.get(j) {
            Some(b'"') => scan_string(b, j)?,
            Some(_) => return err(ErrorKind::Unexpected("a string key"), j),
            None => return err(ErrorKind::Eof("a string key"), j),
        };
        let key = Raw { kind: Kind::String, bytes: &b[j..end], escaped };
        let j = skip_ws(b, end);
        match b.get(j) {
            Some(b':') => self.pos = skip_ws(b, j + 1),
            Some(_) => return err(ErrorKind::Unexpected("`:`"), j),
            None => return err(ErrorKind::Eof("`:`"), j),
        }
        self.fresh = false;
        Ok(Some(key))
    }

    /// Whether the current array has another element (then its value is
    /// next); `false` when the array ends (and has been left).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn element(&mut self) -> Result<bool, JsonError> {
        let b = self.b;
        let j = skip_ws(b, self.pos);
        if self.fresh {
            if b.get(j) == Some(&b']') {
                self.pos = j;
                self.close();
                return Ok(false);
            }
            self.pos = j;
        } else {
            match b.get(j) {
                Some(b',') => self.pos = skip_ws(b, j + 1),
                Some(b']') => {
                    self.pos = j;
                    self.close();
                    return Ok(false);
                }
                Some(_) => return err(ErrorKind::Unexpected("`,` or `]`"), j),
                None => return err(ErrorKind::Eof("`,` or `]`"), j),
            }
        }
        self.fresh = false;
        Ok(true)
    }

    /// The kind of the next value, without consuming it.
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn peek(&self) -> Result<Kind, JsonError> {
        kind_at(self.b, self.pos)
    }

    /// Reads the next value: a scalar whole, or a container's opening (the
    /// cursor is then inside it).
    // Always inlined: its result then stays in registers instead of
    // making a round trip through memory in the walker's innermost loop.
    #[inline(always)]
    pub fn value(&mut self) -> Result<Next<'a>, JsonError> {
        let kind = kind_at(self.b, self.pos)?;
        match kind {
            Kind::Object | Kind::Array => {
                if self.depth + 1 >= MAX_DEPTH {
                    return err(ErrorKind::TooDeep, self.pos);
                }
                self.pos += 1;
                self.depth += 1;
                self.fresh = true;
                Ok(if kind == Kind::Object { Next::Object } else { Next::Array })
            }
            _ => {
                let start = self.pos;
                let (end, escaped) = skip_scalar(self.b, start, kind)?;
                self.pos = end;
                Ok(Next::Scalar(Raw { kind, bytes: &self.b[start..end], escaped }))
            }
        }
    }

    /// Consumes the next value whole, validating it, and returns it.
    #[inline]
    pub fn skip(&mut self) -> Result<Raw<'a>, JsonError> {
        let start = self.pos;
        let kind = kind_at(self.b, start)?;
        let (end, escaped) = match kind {
            Kind::Object | Kind::Array => (skip_value(self.b, start, self.depth)?, false),
            _ => skip_scalar(self.b, start, kind)?,
        };
        self.pos = end;
        Ok(Raw { kind, bytes: &self.b[start..end], escaped })
    }

    /// Checks that the record's object is closed and only whitespace follows.
    pub fn finish(self) -> Result<(), JsonError> {
        if self.depth != 0 {
            return err(ErrorKind::Eof("`}`"), self.pos);
        }
        expect_end(self.b, self.pos)
    }
}

/// Parses a configuration document (a persona file, a template) into a
/// [`serde_json::Value`], refusing a key repeated within one object: in a
/// file a person wrote, the second `"always_important"` silently replacing
/// the first would lose rules without a word.
pub fn parse_config(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    struct Strict;

    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(Strict)
        }
    }

    impl<'de> Visitor<'de> for Strict {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Strict)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(A::Error::custom(format!(
                        "the key {key:?} appears twice in one object"
                    )));
                }
                let value = map.next_value_seed(Strict)?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }

    let mut de = serde_json::Deserializer::from_str(text);
    let value = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&[&str]]) -> PathSet {
        let list: Vec<Vec<Segment>> = list
            .iter()
            .map(|p| {
                p.iter()
                    .map(|s| if *s == "*" { Segment::Any } else { Segment::Key((*s).into()) })
                    .collect()
            })
            .collect();
        PathSet::new(&list)
    }

    fn found(line: &str, list: &[&[&str]]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        scan_object(line.as_bytes(), &paths(list), &mut |id, raw| {
            out.push((id, raw.text().to_string()))
        })
        .unwrap();
        out
    }

    #[test]
    fn finds_nested_values_and_array_indices() {
        let line = r#"{"a":{"b":[1,{"c":"x"}]},"score":0.5,"e":[]}"#;
        assert_eq!(found(line, &[&["score"]]), vec![(0, "0.5".into())]);
        assert_eq!(found(line, &[&["a", "b", "1", "c"]]), vec![(0, "\"x\"".into())]);
        assert_eq!(
            found(line, &[&["a", "b", "*"]]),
            vec![(0, "1".into()), (0, "{\"c\":\"x\"}".into())]
        );
        assert_eq!(
            found(line, &[&["a"], &["a", "b", "0"]]),
            vec![(1, "1".into()), (0, r#"{"b":[1,{"c":"x"}]}"#.into())]
        );
        assert_eq!(found(line, &[&["missing"]]), vec![]);
    }

    #[test]
    fn r_array_steps_are_canonical_indices() {
        let line = r#"{"s":[10,11],"o":{"+1":"p","01":"z"}}"#;
        assert_eq!(found(line, &[&["s", "1"]]), vec![(0, "11".into())]);
        assert_eq!(found(line, &[&["s", "0"]]), vec![(0, "10".into())]);
        for step in ["+1", "01", "1 ", "", "-0"] {
            assert_eq!(found(line, &[&["s", step]]), vec![], "{step:?}");
        }
        // Object keys still match their text.
        assert_eq!(found(line, &[&["o", "+1"]]), vec![(0, "\"p\"".into())]);
        assert_eq!(found(line, &[&["o", "01"]]), vec![(0, "\"z\"".into())]);
    }

    #[test]
    fn escaped_keys_match_their_decoded_text() {
        assert_eq!(found(r#"{"sc\u006fre":1}"#, &[&["score"]]), vec![(0, "1".into())]);
    }

    #[test]
    fn key_text_into_decodes_like_key_text() {
        let line =
            r#"{"a":"x\n\t\"\\\/\u00e9\ud83d\ude00 é\b\f\r","b":12.50,"c":"plain","d":[1, 2]}"#;
        let mut out = String::from("stale");
        let mut seen = 0;
        scan_object(line.as_bytes(), &paths(&[&["a"], &["b"], &["c"], &["d"]]), &mut |_, raw| {
            raw.key_text_into(&mut out);
            assert_eq!(out, raw.key_text());
            seen += 1;
        })
        .unwrap();
        assert_eq!(seen, 4);
        let mut out = String::new();
        scan_object(line.as_bytes(), &paths(&[&["a"]]), &mut |_, raw| raw.key_text_into(&mut out))
            .unwrap();
        assert_eq!(out, "x\n\t\"\\/é😀 é\u{8}\u{c}\r");
    }

    #[test]
    fn append_fields_equals_set_fields_for_new_keys() {
        let fields: [(&str, &[u8]); 2] = [("phase", b"\"p\""), ("split", b"\"s\"")];
        for line in
            [r#"{"a":1}"#, "{}", " { } ", r#"{"a":{"b":"}"}} "#, r#"{"x":[1,2] ,"y":"\u007d"}"#]
        {
            let mut set = Vec::new();
            set_fields(line.as_bytes(), &fields, &mut set).unwrap();
            let mut appended = Vec::new();
            append_fields(line.as_bytes(), &fields, &mut appended).unwrap();
            assert_eq!(
                String::from_utf8(appended).unwrap(),
                String::from_utf8(set).unwrap(),
                "{line}"
            );
        }
        assert!(append_fields(b"[1]", &fields, &mut Vec::new()).is_err());
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for bad in [
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":1e}",
            "{\"a\":tru}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00x\"}",
            "{\"a\":\"\t\"}",
            "{\"a\":1} x",
            "{a:1}",
            "{\"a\":NaN}",
            "{\"a\":[1 2]}",
            "{\"a\":-}",
            "{\"a\":+1}",
        ] {
            assert!(validate_object(bad.as_bytes()).is_err(), "accepted {bad}");
        }
        for good in [
            "{}",
            " { } ",
            "{\"a\":[]}",
            "{\"a\":-0.5e+10}",
            "{\"a\":\"\\ud83d\\ude00\"}",
            "{\"a\":[{},[[]]]}",
            "{\"a\":\"é日本\"}",
            "{\"\":null}",
        ] {
            assert!(validate_object(good.as_bytes()).is_ok(), "rejected {good}");
        }
    }

    #[test]
    fn depth_limit_is_an_error_not_a_crash() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let e = validate_object(deep.as_bytes()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooDeep);
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(126), "]".repeat(126));
        assert!(validate_object(ok.as_bytes()).is_ok());
        let mut found = 0;
        assert!(
            scan_object(ok.as_bytes(), &paths(&[&["a", "0", "0"]]), &mut |_, _| found += 1).is_ok()
        );
        assert_eq!(found, 1);
        let too = format!("{{\"a\":{}{}}}", "[".repeat(127), "]".repeat(127));
        assert!(scan_object(too.as_bytes(), &paths(&[&["a", "0", "0"]]), &mut |_, _| ()).is_err());
        assert!(validate_object(too.as_bytes()).is_err());
    }

    #[test]
    fn agrees_with_serde_json_on_depth() {
        for n in [126, 127, 128] {
            let text = format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
            let ours = validate_object(text.as_bytes()).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            assert_eq!(ours, theirs, "depth {n}");
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e6f64..1e6).prop_map(|f| serde_json::json!(f)),
            "[a-z\\u{0}-\\u{1f}\"\\\\é😀]{0,8}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z\"]{0,3}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The scanner accepts exactly what serde_json accepts as an object,
        /// on valid documents and on every kind of single-byte damage.
        #[test]
        fn agrees_with_serde_json(value in json_value(), at in 0usize..200, byte in 0u8..=255, mode in 0u8..4) {
            // Mostly objects, so most cases exercise the interesting paths.
            let value = if value.is_object() || at % 5 == 0 { value } else { serde_json::json!({"k": value, "n": 1.5e10}) };
            let mut text = serde_json::to_vec(&value).unwrap();
            if !text.is_empty() {
                let at = at % text.len();
                match mode {
                    0 => {}
                    1 => text[at] = byte,
                    2 => { text.remove(at); }
                    _ => text.insert(at, byte),
                }
            }
            let theirs = serde_json::from_slice::<serde_json::Value>(&text).is_ok_and(|v| v.is_object());
            let ours = validate_object(&text).is_ok();
            proptest::prop_assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&text));
            // The pull cursor, descending everywhere or skipping, agrees too.
            for skip_every in [0usize, 2, 3] {
                let walked = walk_all(&text, skip_every).is_ok();
                proptest::prop_assert_eq!(walked, theirs, "cursor/{} {}", skip_every, String::from_utf8_lossy(&text));
            }
        }
    }

    /// Walks a whole record with a [`Cursor`]; every `skip_every`-th value is
    /// skipped whole instead of descended into (0: never).
    fn walk_all(line: &[u8], skip_every: usize) -> Result<(), JsonError> {
        fn value(c: &mut Cursor<'_>, n: &mut usize, every: usize) -> Result<(), JsonError> {
            *n += 1;
            if every > 0 && (*n).is_multiple_of(every) {
                c.skip()?;
                return Ok(());
            }
            match c.value()? {
                Next::Object => {
                    while c.key()?.is_some() {
                        value(c, n, every)?;
                    }
                }
                Next::Array => {
                    while c.element()? {
                        value(c, n, every)?;
                    }
                }
                Next::Scalar(_) => {}
            }
            Ok(())
        }
        let mut c = Cursor::object(line)?;
        let mut n = 0;
        while c.key()?.is_some() {
            value(&mut c, &mut n, skip_every)?;
        }
        c.finish()
    }

    #[test]
    fn cursor_reads_members_and_agrees_on_depth() {
        let line = br#" {"a" : [1, {"b":"x\u00e9"}, []], "c":{}, "d":null} "#;
        let mut c = Cursor::object(line).unwrap();
        assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "a");
        assert!(matches!(c.value().unwrap(), Next::Array));
        assert!(c.element().unwrap());
        assert!(matches!(c.value().unwrap(), Next::Scalar(r) if r.bytes == b"1"));
        assert!(c.element().unwrap());
        assert_eq!(c.skip().unwrap().bytes, br#"{"b":"x\u00e9"}"#);
        assert!(c.element().unwrap());
        assert!(matches!(c.value().unwrap(), Next::Array));
        assert!(!c.element().unwrap());
        assert!(!c.element().unwrap());
        assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "c");
        assert_eq!(c.peek().unwrap(), Kind::Object);
        assert!(matches!(c.value().unwrap(), Next::Object));
        assert!(c.key().unwrap().is_none());
        assert_eq!(c.key().unwrap().unwrap().as_str().unwrap(), "d");
        assert!(matches!(c.value().unwrap(), Next::Scalar(r) if r.is_null()));
        assert!(c.key().unwrap().is_none());
        c.finish().unwrap();
        for n in [126, 127, 128] {
            let text = format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
            assert_eq!(
                walk_all(text.as_bytes(), 0).is_ok(),
                validate_object(text.as_bytes()).is_ok(),
                "depth {n}"
            );
            assert_eq!(
                walk_all(text.as_bytes(), 2).is_ok(),
                validate_object(text.as_bytes()).is_ok(),
                "depth {n} skipping"
            );
        }
        assert!(walk_all(b"{\"a\":1} x", 0).is_err());
        assert!(walk_all(b"{\"a\":1,}", 0).is_err());
        assert!(walk_all(b"{\"a\":[1,]}", 0).is_err());
    }

    #[test]
    fn numbers_out_of_f64_range_are_rejected_like_serde_json() {
        assert!(validate_object(b"{\"a\":1e400}").is_err());
        assert!(validate_object(b"{\"a\":-1e308}").is_ok());
        assert!(validate_object(b"{\"a\":1e-400}").is_ok());
        let long = format!("{{\"a\":{}}}", "9".repeat(400));
        assert!(validate_object(long.as_bytes()).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&long).is_err());
    }

    #[test]
    fn not_object_names_the_type() {
        for (line, kind) in [
            ("[1]", Kind::Array),
            ("\"s\"", Kind::String),
            ("3", Kind::Number),
            ("null", Kind::Null),
        ] {
            assert_eq!(
                validate_object(line.as_bytes()).unwrap_err().kind,
                ErrorKind::NotObject(kind)
            );
        }
    }

    #[test]
    fn error_messages_name_the_column() {
        let line = br#"{"a":1,"b" 2}"#;
        let e = validate_object(line).unwrap_err();
        assert_eq!(e.describe(line), "invalid JSON: expected `:` at column 12, found `2`");
        let e = validate_object(b"{\"a\":\"x\xff\"}").unwrap_err();
        assert_eq!(e.describe(b""), "invalid UTF-8 at byte 8");
    }

    #[test]
    fn set_fields_replaces_in_place_and_appends() {
        let mut out = Vec::new();
        set_fields(
            br#"{"b":1.0, "a":{"x":1e-7},"c":"\u00e9"}"#,
            &[("a", b"2"), ("z", b"true")],
            &mut out,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"b":1.0, "a":2,"c":"\u00e9","z":true}"#);
        let mut out = Vec::new();
        set_fields(b" { } ", &[("k", b"\"v\"")], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#" { "k":"v"} "#);
    }

    #[test]
    fn set_fields_at_agrees_with_set_fields() {
        let fields: [(&str, &[u8]); 2] = [("a", b"2"), ("z", b"true")];
        for line in
            [&br#"{"b":1.0, "a":{"x":1e-7},"c":"\u00e9"}"#[..], b" { } ", br#"{"q":[1,{"a":5}]}"#]
        {
            let mut expected = Vec::new();
            set_fields(line, &fields, &mut expected).unwrap();
            let mut existing = Vec::new();
            scan_object(line, &paths(&[&["a"], &["z"]]), &mut |id, raw| {
                let start = raw.bytes.as_ptr() as usize - line.as_ptr() as usize;
                existing.push((id, start..start + raw.bytes.len()));
            })
            .unwrap();
            let mut got = Vec::new();
            set_fields_at(line, &existing, &fields, &mut got);
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap());
        }
    }

    #[test]
    fn a_repeated_key_on_a_read_path_is_an_error_and_elsewhere_is_not() {
        let set = paths(&[&["a"], &["m", "x"]]);
        let err = scan_object(br#"{"a":1,"b":2,"a":3}"#, &set, &mut |_, _| {}).unwrap_err();
        assert_eq!(err.kind, ErrorKind::RepeatedKey("a".into()));
        assert_eq!(err.offset, 13);
        assert!(err.describe(br#"{"a":1,"b":2,"a":3}"#).contains("\"a\" appears twice"));
        // Nested, and written with an escape.
        let err = scan_object(br#"{"m":{"x":1,"\u0078":2}}"#, &set, &mut |_, _| {}).unwrap_err();
        assert_eq!(err.kind, ErrorKind::RepeatedKey("x".into()));
        // Keys no path reads may repeat; so may a key inside array elements.
        scan_object(br#"{"a":1,"b":2,"b":3,"m":{"y":1,"y":2}}"#, &set, &mut |_, _| {}).unwrap();
        let set = paths(&[&["q", "*", "a"]]);
        scan_object(br#"{"q":[{"a":1},{"a":2}]}"#, &set, &mut |_, _| {}).unwrap();
    }

    #[test]
    fn raw_accessors() {
        let line = br#"{"s":"a\"b\u00e9","n":12345678901234567890,"t":true}"#;
        let m = members(line).unwrap();
        assert_eq!(m[0].value.as_str().unwrap(), "a\"bé");
        assert_eq!(m[1].value.as_f64(), Some(12345678901234567890.0));
        assert_eq!(m[2].value.as_bool(), Some(true));
        assert_eq!(quote("a\"\n\u{1}é"), r#""a\"\n\u0001é""#);
    }

    #[test]
    fn r_a_repeated_key_in_a_config_file_is_an_error() {
        let err = parse_config("{\"a\": {\"b\": 1,\n \"b\": 2}}").unwrap_err();
        assert!(err.to_string().contains("\"b\" appears twice"), "{err}");
        assert_eq!(err.line(), 2);
        let ok = parse_config("{\"a\": [{\"b\": 1}, {\"b\": 2.5}], \"c\": null}").unwrap();
        assert_eq!(ok, serde_json::json!({"a": [{"b": 1}, {"b": 2.5}], "c": null}));
        assert!(parse_config("{} x").is_err());
    }
}
