//! The scanner: validation of one line as exactly one JSON object (UTF-8,
//! strings with the SSE2 and word-at-a-time special-byte search, numbers,
//! literals, containers skipped iteratively under [`MAX_DEPTH`]), and the
//! path-directed walk behind [`scan_object`] and [`first_values`] that finds
//! the values at a [`PathSet`]'s paths in one pass.

use super::error::{ErrorKind, JsonError, err};
use super::paths::Node;
use super::{Kind, PathSet, Raw, Segment};

/// Nesting limit, equal to serde_json's recursion limit: a record may hold at
/// most `MAX_DEPTH - 1` levels of objects and arrays, the record itself included.
pub const MAX_DEPTH: usize = 128;

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
pub(super) fn scan_string(b: &[u8], i: usize) -> Result<(usize, bool), JsonError> {
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
pub(super) fn kind_at(b: &[u8], i: usize) -> Result<Kind, JsonError> {
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
pub(super) fn skip_scalar(b: &[u8], i: usize, kind: Kind) -> Result<(usize, bool), JsonError> {
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
pub(super) fn object_start(line: &[u8]) -> Result<usize, JsonError> {
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

pub(super) fn expect_end(line: &[u8], end: usize) -> Result<(), JsonError> {
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
