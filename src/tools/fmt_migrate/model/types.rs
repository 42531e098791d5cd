//! The model's types: a record as an optional system prompt, the turns of a
//! conversation with their roles, an optional pair of preference responses,
//! the tool definitions and the fields no conversion consumed ([`Model`],
//! [`Turn`], [`Role`], [`Field`]); why a record is bad ([`Bad`]); and the
//! helpers for the JSON string literals the model's values are kept as.

use std::borrow::Cow;

use crate::json::{self, Kind, Raw};

use super::super::shape::Shape;

/// JSON text: borrowed from the record, or built by a conversion.
pub type Json<'a> = Cow<'a, [u8]>;

/// Why a record cannot be read or converted: the summary counts `category`,
/// the user reads `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub category: String,
    pub message: String,
}

pub fn bad(category: impl Into<String>, message: impl Into<String>) -> Bad {
    Bad { category: category.into(), message: message.into() }
}

/// A bad record whose message is its category.
pub fn bad_same(text: impl Into<String>) -> Bad {
    let text = text.into();
    Bad { category: text.clone(), message: text }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
    Function,
}

/// `--role-map FROM=TO` pairs, set once by `execute` before any record is
/// read (the readers run on worker threads, deep below the command line).
static ROLE_MAP: std::sync::OnceLock<Vec<(String, Role)>> = std::sync::OnceLock::new();

/// Sets the `--role-map` pairs for this run (the first call wins).
pub fn set_role_map(pairs: Vec<(String, Role)>) {
    let _ = ROLE_MAP.set(pairs);
}

impl Role {
    /// The role a conversation's role name means: a `--role-map` name first,
    /// then the names the common datasets use — `prompter` (OpenAssistant)
    /// and `human` for the user; `gpt`, `bot` and `model` (Gemini) for the
    /// assistant.
    pub fn from_name(name: &str) -> Option<Role> {
        if let Some((_, role)) =
            ROLE_MAP.get().and_then(|m| m.iter().find(|(from, _)| from == name))
        {
            return Some(*role);
        }
        match name {
            "system" => Some(Role::System),
            "user" | "human" | "prompter" => Some(Role::User),
            "assistant" | "gpt" | "bot" | "model" => Some(Role::Assistant),
            "tool" => Some(Role::Tool),
            "function" => Some(Role::Function),
            _ => None,
        }
    }

    /// Parses one `--role-map FROM=TO` (clap value parser).
    pub fn parse_map(text: &str) -> Result<(String, Role), String> {
        let (from, to) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not FROM=TO (e.g. narrator=system)"))?;
        let role = match to.trim() {
            "system" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            "function" => Role::Function,
            other => {
                return Err(format!(
                    "`{other}` is not a role: map to system, user, assistant, tool or function"
                ));
            }
        };
        if from.trim().is_empty() {
            return Err(format!("`{text}` names no role to map"));
        }
        Ok((from.trim().to_string(), role))
    }

    pub(super) fn messages_name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Function => "function",
        }
    }

    /// The role in a shape's own vocabulary.
    pub fn name_in(self, shape: Shape) -> &'static str {
        match (shape, self) {
            (Shape::Sharegpt, Role::User) => "human",
            (Shape::Sharegpt, Role::Assistant) => "gpt",
            (Shape::Sharegpt, Role::Tool | Role::Function) => "observation",
            _ => self.messages_name(),
        }
    }

    /// Whether `name` is this role's own name in `shape` (the name the
    /// shape's writer gives it), so a record using it needs no rewriting.
    pub fn named_as_in(self, name: &str, shape: Shape) -> bool {
        self.name_in(shape) == name
    }

    pub(super) fn user_side(self) -> bool {
        matches!(self, Role::User | Role::Tool | Role::Function)
    }
}

/// A top-level or message-level member kept as it came: its key literal and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The key as a JSON string literal (quotes and escapes included).
    pub key: Json<'a>,
    pub value: Json<'a>,
}

impl Field<'_> {
    pub fn key_is(&self, name: &str) -> bool {
        literal_is(&self.key, name)
    }

    pub fn key_text(&self) -> String {
        text_of(&self.key).map(Cow::into_owned).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn<'a> {
    pub role: Role,
    /// The content's JSON text; `None` when the message has no content (an
    /// assistant message that only calls tools).
    pub content: Option<Json<'a>>,
    /// Other members of the message object (tool_calls, name, loss_weight…).
    pub extra: Vec<Field<'a>>,
}

impl<'a> Turn<'a> {
    pub fn new(role: Role, content: Json<'a>) -> Self {
        Turn { role, content: Some(content), extra: Vec::new() }
    }

    /// The tool calls of an assistant message, when it has any.
    pub fn tool_calls(&self) -> Option<&Json<'a>> {
        if self.role != Role::Assistant {
            return None;
        }
        self.extra.iter().find(|f| f.key_is("tool_calls") && &*f.value != b"null").map(|f| &f.value)
    }

    pub(super) fn content_is_null(&self) -> bool {
        self.content.as_deref().is_none_or(|c| c == b"null")
    }

    /// The content's text, when it is a JSON string.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.content.as_deref().and_then(text_of)
    }
}

/// One record in the internal model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model<'a> {
    pub system: Option<Turn<'a>>,
    pub turns: Vec<Turn<'a>>,
    /// Preference data: the preferred and the dispreferred response turns.
    pub chosen: Option<Vec<Turn<'a>>>,
    pub rejected: Option<Vec<Turn<'a>>>,
    pub tools: Option<Json<'a>>,
    /// Top-level fields the conversion did not consume, in input order.
    pub extra: Vec<Field<'a>>,
    /// Some role was read under a name that is not its shape's own (an alias
    /// such as `prompter` or a `--role-map` name): the record must be written
    /// again, with the shape's names, even when it is already in the target
    /// shape.
    pub renamed: bool,
}

impl<'a> Model<'a> {
    pub fn is_preference(&self) -> bool {
        self.chosen.is_some() || self.rejected.is_some()
    }

    pub fn last_mut(&mut self, role: Role) -> Option<&mut Turn<'a>> {
        self.turns.iter_mut().rev().find(|t| t.role == role)
    }
}

// ---------------------------------------------------------------------------
// JSON string helpers

/// Whether a JSON string literal decodes to `name` (fast path: no escapes).
pub fn literal_is(literal: &[u8], name: &str) -> bool {
    let Some(inner) = literal.get(1..literal.len().saturating_sub(1)) else { return false };
    if inner == name.as_bytes() {
        return true;
    }
    // Only an escape can make different bytes the same text.
    memchr::memchr(b'\\', inner).is_some() && text_of(literal).is_some_and(|t| t == name)
}

/// The decoded text of a JSON string literal (`None` for any other value).
pub fn text_of(json: &[u8]) -> Option<Cow<'_, str>> {
    if json.len() < 2 || json[0] != b'"' {
        return None;
    }
    let escaped = memchr::memchr(b'\\', json).is_some();
    Raw { kind: Kind::String, bytes: json, escaped }.as_str()
}

pub fn is_string(json: &[u8]) -> bool {
    json.first() == Some(&b'"')
}

/// Whether a string literal holds only whitespace (or nothing).
pub(super) fn blank_literal(json: &[u8]) -> bool {
    let inner = &json[1..json.len().saturating_sub(1).max(1)];
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b' ' | b'\t' => i += 1,
            b'\\' if matches!(inner.get(i + 1), Some(b'n' | b't' | b'r')) => i += 2,
            // An escaped code point may be whitespace too: decode to know.
            b'\\' if inner.get(i + 1) == Some(&b'u') => {
                return text_of(json).is_some_and(|t| t.trim().is_empty());
            }
            _ => return false,
        }
    }
    true
}

/// Joins string literals into one literal, `separator` (JSON-escaped text)
/// between the non-empty ones, without decoding anything.
pub fn join_literals(parts: &[&[u8]], separator: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 8);
    out.push(b'"');
    let mut any = false;
    for part in parts.iter().filter(|p| p.len() > 2) {
        if any {
            out.extend_from_slice(separator);
        }
        out.extend_from_slice(&part[1..part.len() - 1]);
        any = true;
    }
    out.push(b'"');
    out
}

pub fn quoted(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    json::write_str(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_literals() {
        assert!(blank_literal(br#""""#));
        assert!(blank_literal(br#"" \n\t ""#));
        assert!(blank_literal(br#""\u0020""#));
        assert!(!blank_literal(br#"" x""#));
    }
}
