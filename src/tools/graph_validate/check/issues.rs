//! The issues: what kind of problem each is (the summary counts by path and
//! kind), the offending value as it is shown, where it is (a JSON Pointer,
//! found from the value's position only when an issue is recorded), and how
//! an issue is recorded in the scratch.

use crate::json::{self, Cursor, Next};
use crate::path::pointer_escape;

use super::Scratch;

/// What kind of problem an issue is (the summary counts by path and kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    Type,
    Null,
    Enum,
    Format,
    Range,
    Unknown,
    Placeholder,
    TimeZone,
    Order,
    AllDay,
    Email,
    Duplicate,
    Required,
    Label,
    Repeated,
}

impl IssueKind {
    /// Every kind, in the order (the derived `Ord`) reports sort ties by.
    pub const ALL: [IssueKind; 15] = [
        IssueKind::Type,
        IssueKind::Null,
        IssueKind::Enum,
        IssueKind::Format,
        IssueKind::Range,
        IssueKind::Unknown,
        IssueKind::Placeholder,
        IssueKind::TimeZone,
        IssueKind::Order,
        IssueKind::AllDay,
        IssueKind::Email,
        IssueKind::Duplicate,
        IssueKind::Required,
        IssueKind::Label,
        IssueKind::Repeated,
    ];

    /// Kinds real Graph responses contain (an attendee listed twice, an
    /// address without a domain: seen in a real /me/events export), so they
    /// cannot make an event invalid: warnings, unless --strict.
    pub fn is_warning(self) -> bool {
        matches!(self, IssueKind::Duplicate | IssueKind::Email)
    }

    pub fn name(self) -> &'static str {
        match self {
            IssueKind::Type => "type",
            IssueKind::Null => "null",
            IssueKind::Enum => "enum",
            IssueKind::Format => "format",
            IssueKind::Range => "range",
            IssueKind::Unknown => "unknown property",
            IssueKind::Placeholder => "placeholder",
            IssueKind::TimeZone => "time zone",
            IssueKind::Order => "end before start",
            IssueKind::AllDay => "all-day",
            IssueKind::Email => "email",
            IssueKind::Duplicate => "duplicate attendee",
            IssueKind::Required => "required",
            IssueKind::Label => "label",
            IssueKind::Repeated => "repeated key",
        }
    }
}

/// One problem in one record.
#[derive(Debug, Clone)]
pub struct Issue {
    /// JSON Pointer to the value ("" is the record).
    pub path: String,
    pub kind: IssueKind,
    pub error: String,
    /// The offending value as JSON text (see [`value_text`]); none when absent.
    pub value: Option<String>,
}

/// Values longer than this are shown as a string holding their beginning.
const VALUE_LIMIT: usize = 256;
const VALUE_PREVIEW: usize = 120;

/// The offending value as JSON text: the value itself, or for a long one a
/// JSON string with its first characters and an ellipsis.
pub fn value_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if text.len() <= VALUE_LIMIT {
        return text.into_owned();
    }
    let head: String = text.chars().take(VALUE_PREVIEW).collect();
    json::quote(&format!("{head}…"))
}

/// The JSON Pointer of the value starting at byte `target` of a record.
pub(super) fn pointer_at(line: &[u8], target: usize) -> String {
    fn descend(cur: &mut Cursor<'_>, is_object: bool, target: usize, out: &mut String) -> bool {
        let mut index = 0usize;
        loop {
            let key = if is_object {
                match cur.key() {
                    Ok(Some(key)) => Some(key),
                    _ => return false,
                }
            } else {
                match cur.element() {
                    Ok(true) => None,
                    _ => return false,
                }
            };
            let start = cur.offset();
            let mut inner = cur.clone();
            if cur.skip().is_err() {
                return false;
            }
            if (start..cur.offset()).contains(&target) {
                out.push('/');
                match key {
                    Some(key) => pointer_escape(&key.as_str().unwrap_or_default(), out),
                    None => out.push_str(&index.to_string()),
                }
                if start == target {
                    return true;
                }
                return match inner.value() {
                    Ok(Next::Object) => descend(&mut inner, true, target, out),
                    Ok(Next::Array) => descend(&mut inner, false, target, out),
                    _ => true,
                };
            }
            index += 1;
        }
    }
    let mut out = String::new();
    if let Ok(mut cur) = Cursor::object(line) {
        descend(&mut cur, true, target, &mut out);
    }
    out
}

/// A `--require` entry as a JSON Pointer (it was given dotted or as a pointer).
pub fn pointer_of(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let mut out = String::new();
    for step in path.split('.') {
        out.push('/');
        pointer_escape(step, &mut out);
    }
    out
}

/// Records an issue found by the semantic checks.
pub(super) fn push(
    scratch: &mut Scratch,
    path: String,
    kind: IssueKind,
    error: String,
    value: Option<String>,
) {
    scratch.issues.push(Issue { path, kind, error, value });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert_eq!(pointer_of("start.timeZone"), "/start/timeZone");
        assert_eq!(pointer_of("/a~1b"), "/a~1b");
        let mut out = String::new();
        pointer_escape("a/b~c", &mut out);
        assert_eq!(out, "a~1b~0c");
    }
}
