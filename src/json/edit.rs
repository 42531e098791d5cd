//! Output: records rewritten with top-level fields set or appended (every
//! other byte kept), and JSON string literals ([`write_str`], [`quote`]).

use super::error::{ErrorKind, JsonError, err};
use super::members;

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
/// object, e.g. with [`scan_object`](super::scan_object) and top-level paths for the field names)
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
    write_str_inner(out, text);
    out.push(b'"');
}

/// [`write_str`] without the quotes: `text` escaped for the inside of a
/// JSON string literal (for a literal written in pieces).
pub fn write_str_inner(out: &mut Vec<u8>, text: &str) {
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
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    write_str(&mut out, text);
    String::from_utf8(out).unwrap_or_default()
}
