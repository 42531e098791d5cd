//! The one internal model every conversion goes through: an optional system
//! prompt, the turns of a conversation with their roles, an optional pair of
//! preference responses, the tool definitions, and every field the conversion
//! does not consume. Values are kept as their original JSON text, so a string
//! is copied byte for byte (escapes included) from one shape to another, and a
//! field nobody reads is written back exactly as it came in.
//!
//! Each shape has a reader (record → model) and a writer (model → record);
//! writers check what the target shape needs (chat sanity checks) before they
//! write, so a record that cannot be converted is rejected with a reason and
//! nothing partial is written.

use std::borrow::Cow;

use crate::json::{self, Kind, Member, Raw};
use crate::path::FieldPath;

use super::shape::Shape;

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

impl Role {
    fn messages_name(self) -> &'static str {
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

    fn user_side(self) -> bool {
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

    fn content_is_null(&self) -> bool {
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
fn blank_literal(json: &[u8]) -> bool {
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

// ---------------------------------------------------------------------------
// Reading

/// A record's top-level members, with the ones a reader consumed marked.
pub struct Record<'a> {
    pub line: &'a [u8],
    pub members: Vec<Member<'a>>,
    used: Vec<bool>,
}

impl<'a> Record<'a> {
    pub fn new(line: &'a [u8]) -> Result<Self, json::JsonError> {
        let members = json::members(line)?;
        let used = vec![false; members.len()];
        Ok(Record { line, members, used })
    }

    pub fn find(&self, key: &str) -> Option<usize> {
        self.members.iter().position(|m| literal_is(m.key.bytes, key))
    }

    pub fn has(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    pub fn get(&self, key: &str) -> Option<Raw<'a>> {
        self.find(key).map(|i| self.members[i].value)
    }

    /// The value of `key`, marked as consumed.
    pub fn take(&mut self, key: &str) -> Option<Raw<'a>> {
        let i = self.find(key)?;
        self.used[i] = true;
        Some(self.members[i].value)
    }

    pub fn consume(&mut self, key: &str) {
        if let Some(i) = self.find(key) {
            self.used[i] = true;
        }
    }

    /// A string field the shape needs.
    pub fn take_string(&mut self, key: &str) -> Result<Raw<'a>, Bad> {
        match self.take(key) {
            Some(raw) if raw.kind == Kind::String => Ok(raw),
            Some(raw) => Err(wrong_kind(key, raw.kind)),
            None => Err(bad_same(format!("missing {key}"))),
        }
    }

    /// An optional string field (null counts as absent).
    pub fn take_optional_string(&mut self, key: &str) -> Result<Option<Raw<'a>>, Bad> {
        match self.take(key) {
            Some(raw) if raw.kind == Kind::String => Ok(Some(raw)),
            Some(raw) if raw.kind == Kind::Null => Ok(None),
            Some(raw) => Err(wrong_kind(key, raw.kind)),
            None => Ok(None),
        }
    }

    /// A key the reader consumed that the record holds more than once
    /// (CONVENTIONS §3.8): other programs read its last value, the reader
    /// its first, so the record is bad. Repeated keys nobody read pass.
    pub fn repeated_used(&self) -> Option<Bad> {
        let same = |a: &Member<'_>, b: &Member<'_>| {
            a.key.bytes == b.key.bytes || ((a.key.escaped || b.key.escaped) && a.key() == b.key())
        };
        let (used, again) =
            self.members.iter().zip(&self.used).enumerate().find_map(|(i, (m, used))| {
                let again =
                    self.members[i + 1..].iter().chain(&self.members[..i]).find(|o| same(m, o));
                again.filter(|_| *used).map(|again| (m, again))
            })?;
        // The scanner's own error, at the second occurrence, for one wording.
        let offset = again.key.bytes.as_ptr() as usize - self.line.as_ptr() as usize;
        let error =
            json::JsonError { kind: json::ErrorKind::RepeatedKey(used.key().into()), offset };
        Some(bad(error.category(), error.describe(self.line)))
    }

    /// The members no reader consumed, in input order.
    pub fn rest(&self) -> Vec<Field<'a>> {
        self.members
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(m, _)| Field {
                key: Cow::Borrowed(m.key.bytes),
                value: Cow::Borrowed(m.value.bytes),
            })
            .collect()
    }

    /// The value at a field path (top-level keys without scanning again).
    pub fn value(&self, path: &FieldPath) -> Option<Raw<'a>> {
        if let [json::Segment::Key(key)] = path.segments() {
            return self.get(key);
        }
        let mut found = None;
        let set = FieldPath::set([path]);
        let _ = json::scan_object(self.line, &set, &mut |_, raw| {
            found.get_or_insert(raw);
        });
        found
    }
}

pub fn wrong_kind(key: &str, kind: Kind) -> Bad {
    bad(
        format!("{key} is {}", kind.article()),
        format!("{key} is {}, not a string", kind.article()),
    )
}

fn raw_json(raw: Raw<'_>) -> Json<'_> {
    Cow::Borrowed(raw.bytes)
}

/// The objects of a JSON array, each with its members.
fn objects<'a>(
    array: &'a [u8],
    what: &dyn Fn(usize) -> String,
) -> Result<Vec<Vec<Member<'a>>>, Bad> {
    let mut ranges = Vec::new();
    let _ = json::array_elements(array, &mut |r| ranges.push(r));
    let mut out = Vec::with_capacity(ranges.len());
    for (i, range) in ranges.into_iter().enumerate() {
        let element = &array[range];
        match json::kind_of(element) {
            Some(Kind::Object) => {}
            Some(kind) => {
                return Err(bad(
                    "turn is not an object",
                    format!("{} is {}, not an object", what(i + 1), kind.article()),
                ));
            }
            None => return Err(bad_same("turn is not an object")),
        }
        out.push(json::members(element).map_err(|_| bad_same("turn is not an object"))?);
    }
    Ok(out)
}

fn member<'a>(members: &[Member<'a>], key: &str) -> Option<Raw<'a>> {
    members.iter().find(|m| literal_is(m.key.bytes, key)).map(|m| m.value)
}

fn other_members<'a>(members: &[Member<'a>], skip: &[&str]) -> Vec<Field<'a>> {
    members
        .iter()
        .filter(|m| !skip.iter().any(|s| literal_is(m.key.bytes, s)))
        .map(|m| Field { key: Cow::Borrowed(m.key.bytes), value: Cow::Borrowed(m.value.bytes) })
        .collect()
}

/// Turns of an OpenAI-style message list (`{role, content, …}` objects).
pub fn read_messages<'a>(raw: Raw<'a>, field: &str) -> Result<Vec<Turn<'a>>, Bad> {
    if raw.kind != Kind::Array {
        return Err(bad(
            format!("{field} is {}", raw.kind.article()),
            format!("{field} is {}, not an array of messages", raw.kind.article()),
        ));
    }
    let what = |n: usize| format!("{field} message {n}");
    let mut turns = Vec::new();
    for (i, members) in objects(raw.bytes, &what)?.into_iter().enumerate() {
        let n = i + 1;
        let role = match member(&members, "role") {
            Some(r) if r.kind == Kind::String => r,
            Some(r) => {
                return Err(bad(
                    "role is not a string",
                    format!("{field} message {n}: role is {}, not a string", r.kind.article()),
                ));
            }
            None => {
                return Err(bad("message has no role", format!("{field} message {n} has no role")));
            }
        };
        let role = match role.as_str().as_deref() {
            Some("system") => Role::System,
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("tool") => Role::Tool,
            Some("function") => Role::Function,
            other => {
                return Err(bad(
                    "unknown role",
                    format!(
                        "{field} message {n} has an unknown role '{}' (expected system, user, assistant, tool or function)",
                        other.unwrap_or_default()
                    ),
                ));
            }
        };
        turns.push(Turn {
            role,
            content: member(&members, "content").map(raw_json),
            extra: other_members(&members, &["role", "content"]),
        });
    }
    Ok(turns)
}

fn lift_system<'a>(turns: &mut Vec<Turn<'a>>) -> Option<Turn<'a>> {
    if turns.first().is_some_and(|t| t.role == Role::System) { Some(turns.remove(0)) } else { None }
}

fn take_tools<'a>(rec: &mut Record<'a>) -> Option<Json<'a>> {
    rec.take("tools").filter(|t| !t.is_null()).map(raw_json)
}

pub fn read_messages_shape<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let raw = rec.take("messages").ok_or_else(|| bad_same("missing messages"))?;
    let mut turns = read_messages(raw, "messages")?;
    let system = lift_system(&mut turns);
    let tools = take_tools(rec);
    Ok(Model { system, turns, tools, extra: rec.rest(), ..Model::default() })
}

fn message_list<'a>(rec: &mut Record<'a>, key: &str) -> Result<Vec<Turn<'a>>, Bad> {
    let raw = rec.take(key).ok_or_else(|| bad_same(format!("missing {key}")))?;
    read_messages(raw, key)
}

pub fn read_preference_messages<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let list = message_list;
    let mut turns = list(rec, "prompt")?;
    let chosen = list(rec, "chosen")?;
    let rejected = list(rec, "rejected")?;
    let system = lift_system(&mut turns);
    let tools = take_tools(rec);
    Ok(Model {
        system,
        turns,
        chosen: Some(chosen),
        rejected: Some(rejected),
        tools,
        extra: rec.rest(),
    })
}

/// The elements of a JSON array (or the value itself when it is not one).
fn elements_of(value: &[u8]) -> Vec<&[u8]> {
    if json::kind_of(value) != Some(Kind::Array) {
        return vec![value];
    }
    let mut ranges = Vec::new();
    let _ = json::array_elements(value, &mut |r| ranges.push(r));
    ranges.into_iter().map(|r| &value[r]).collect()
}

/// A sharegpt function_call value as OpenAI tool_calls. A call in the
/// LLaMA-Factory form `{"name", "arguments", "id"?}` (one, or a list) becomes
/// `{"id"?, "type": "function", "function": {"name", "arguments"}}` with the
/// arguments as a JSON string, as OpenAI writes them; a list already in the
/// OpenAI form is taken as it is.
fn tool_calls_from(value: &str) -> Option<Vec<u8>> {
    let bytes = value.trim().as_bytes();
    if json::skip_value(bytes, 0, 1).ok()? != bytes.len() {
        return None;
    }
    let calls = elements_of(bytes);
    let mut out = b"[".to_vec();
    for (i, call) in calls.iter().enumerate() {
        let members = json::members(call).ok();
        let lf_form = members
            .as_ref()
            .is_some_and(|m| member(m, "function").is_none() && member(m, "name").is_some());
        if !lf_form {
            // Already OpenAI calls (or another form): a list is taken as it is.
            return (bytes.first() == Some(&b'[')).then(|| bytes.to_vec());
        }
        let members = members.unwrap_or_default();
        let name = member(&members, "name").filter(|n| n.kind == Kind::String)?;
        if i > 0 {
            out.push(b',');
        }
        let mut obj = Obj::start(&mut out);
        if let Some(id) = member(&members, "id") {
            obj.field("id", id.bytes);
        }
        obj.field("type", b"\"function\"");
        let function = obj.open("function");
        let mut inner = Obj::start(function);
        inner.field("name", name.bytes);
        match member(&members, "arguments") {
            Some(a) if a.kind == Kind::String => inner.field("arguments", a.bytes),
            Some(a) => inner.field("arguments", &quoted(a.text())),
            None => inner.field("arguments", b"\"{}\""),
        }
        inner.finish();
        obj.finish();
    }
    out.push(b']');
    Some(out)
}

/// OpenAI tool_calls as a sharegpt function_call value in the LLaMA-Factory
/// form: `{"name", "arguments", "id"?}` for one call, a list for several, the
/// arguments as JSON (not a string) when they are valid JSON. Calls in any
/// other form keep their JSON text.
fn calls_to_sharegpt(calls: &[u8]) -> Vec<u8> {
    let converted: Option<Vec<Vec<u8>>> = elements_of(calls)
        .into_iter()
        .map(|call| {
            let members = json::members(call).ok()?;
            if members
                .iter()
                .any(|m| !["id", "type", "function"].iter().any(|k| literal_is(m.key.bytes, k)))
            {
                return None;
            }
            if member(&members, "type").is_some_and(|t| !literal_is(t.bytes, "function")) {
                return None;
            }
            let function = member(&members, "function").filter(|f| f.kind == Kind::Object)?;
            let function = json::members(function.bytes).ok()?;
            if function.len() != 2 {
                return None;
            }
            let name = member(&function, "name").filter(|n| n.kind == Kind::String)?;
            let arguments = member(&function, "arguments").filter(|a| a.kind == Kind::String)?;
            let mut out = Vec::new();
            let mut obj = Obj::start(&mut out);
            obj.field("name", name.bytes);
            let text = arguments.as_str().unwrap_or_default();
            let raw = text.as_bytes();
            if matches!(raw.first(), Some(b'{' | b'['))
                && json::skip_value(raw, 0, 2).is_ok_and(|e| e == raw.len())
            {
                obj.field("arguments", raw);
            } else {
                obj.field("arguments", arguments.bytes);
            }
            if let Some(id) = member(&members, "id") {
                obj.field("id", id.bytes);
            }
            obj.finish();
            Some(out)
        })
        .collect();
    match converted {
        Some(list) if list.len() == 1 && calls.first() == Some(&b'[') => {
            list.into_iter().next().unwrap_or_default()
        }
        Some(list) if !list.is_empty() => {
            let mut out = b"[".to_vec();
            out.extend_from_slice(&list.join(&b","[..]));
            out.push(b']');
            out
        }
        _ => calls.to_vec(),
    }
}

fn sharegpt_turn<'a>(members: &[Member<'a>], what: &str) -> Result<Turn<'a>, Bad> {
    let from = match member(members, "from") {
        Some(f) if f.kind == Kind::String => f,
        Some(f) => {
            return Err(bad(
                "role is not a string",
                format!("{what}: from is {}, not a string", f.kind.article()),
            ));
        }
        None => return Err(bad("turn has no role", format!("{what} has no `from`"))),
    };
    let value = member(members, "value").map(raw_json);
    let mut extra = other_members(members, &["from", "value"]);
    let from_text = from.as_str().unwrap_or_default();
    let role = match &*from_text {
        "human" => Role::User,
        "gpt" => Role::Assistant,
        "system" => Role::System,
        "observation" => Role::Tool,
        "function_call" => {
            let calls = value.as_deref().and_then(text_of).and_then(|v| tool_calls_from(&v));
            let Some(calls) = calls else {
                return Err(bad(
                    "function_call value is not JSON",
                    format!("{what}: a function_call value must hold the call as JSON text"),
                ));
            };
            extra.insert(
                0,
                Field { key: Cow::Borrowed(b"\"tool_calls\""), value: Cow::Owned(calls) },
            );
            return Ok(Turn { role: Role::Assistant, content: None, extra });
        }
        other => {
            return Err(bad(
                "unknown role",
                format!(
                    "{what} has an unknown role '{other}' (expected human, gpt, system, function_call or observation)"
                ),
            ));
        }
    };
    Ok(Turn { role, content: value, extra })
}

pub fn read_sharegpt<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let raw = rec.take("conversations").ok_or_else(|| bad_same("missing conversations"))?;
    if raw.kind != Kind::Array {
        return Err(bad(
            format!("conversations is {}", raw.kind.article()),
            format!("conversations is {}, not an array of turns", raw.kind.article()),
        ));
    }
    let what = |n: usize| format!("sharegpt turn {n}");
    let mut turns = Vec::new();
    for (i, members) in objects(raw.bytes, &what)?.into_iter().enumerate() {
        turns.push(sharegpt_turn(&members, &what(i + 1))?);
    }
    let mut system =
        rec.take_optional_string("system")?.map(|s| Turn::new(Role::System, raw_json(s)));
    if system.is_none() {
        system = lift_system(&mut turns);
    }
    let tools = rec.take("tools").filter(|t| !t.is_null()).map(|t| tools_from_string(t));
    let mut model = Model { system, turns, tools, ..Model::default() };
    if rec.has("chosen") || rec.has("rejected") {
        for key in ["chosen", "rejected"] {
            let raw = rec.take(key).ok_or_else(|| bad_same(format!("missing {key}")))?;
            if raw.kind != Kind::Object {
                return Err(bad(
                    format!("{key} is {}", raw.kind.article()),
                    format!("{key} is {}, not a {{from, value}} turn", raw.kind.article()),
                ));
            }
            let members =
                json::members(raw.bytes).map_err(|_| bad_same("turn is not an object"))?;
            let turn = sharegpt_turn(&members, key)?;
            if key == "chosen" {
                model.chosen = Some(vec![turn]);
            } else {
                model.rejected = Some(vec![turn]);
            }
        }
    }
    model.extra = rec.rest();
    Ok(model)
}

/// Tool definitions stored as a string of JSON (sharegpt) become that JSON.
fn tools_from_string(raw: Raw<'_>) -> Json<'_> {
    if raw.kind == Kind::String
        && let Some(text) = raw.as_str()
    {
        let bytes = text.trim().as_bytes();
        if matches!(bytes.first(), Some(b'[' | b'{'))
            && json::skip_value(bytes, 0, 1).is_ok_and(|end| end == bytes.len())
        {
            return Cow::Owned(bytes.to_vec());
        }
    }
    raw_json(raw)
}

pub fn read_alpaca<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let instruction = rec.take_string("instruction")?;
    let input = rec.take_optional_string("input")?;
    let mut parts: Vec<&[u8]> = vec![instruction.bytes];
    if let Some(input) = input {
        parts.push(input.bytes);
    }
    // LLaMA-Factory's rule: the non-empty parts joined by a newline.
    let prompt: Json<'a> = if parts.iter().filter(|p| p.len() > 2).count() > 1 {
        Cow::Owned(join_literals(&parts, b"\\n"))
    } else if instruction.bytes.len() > 2 || input.is_none() {
        raw_json(instruction)
    } else {
        raw_json(input.unwrap_or(instruction))
    };
    let system = rec.take_optional_string("system")?.map(|s| Turn::new(Role::System, raw_json(s)));
    let mut turns = Vec::new();
    if let Some(history) = rec.take("history").filter(|h| !h.is_null()) {
        turns = read_history(history)?;
    }
    turns.push(Turn::new(Role::User, prompt));
    let mut model = Model { system, turns, ..Model::default() };
    if rec.has("chosen") && !rec.has("output") {
        model.chosen = Some(vec![Turn::new(Role::Assistant, raw_json(rec.take_string("chosen")?))]);
        model.rejected =
            Some(vec![Turn::new(Role::Assistant, raw_json(rec.take_string("rejected")?))]);
    } else {
        let output = rec.take_string("output")?;
        model.turns.push(Turn::new(Role::Assistant, raw_json(output)));
    }
    model.tools = take_tools(rec);
    model.extra = rec.rest();
    Ok(model)
}

fn read_history(raw: Raw<'_>) -> Result<Vec<Turn<'_>>, Bad> {
    let shape_error = || {
        bad(
            "history is not a list of pairs",
            "history must be a list of [prompt, response] pairs of strings",
        )
    };
    if raw.kind != Kind::Array {
        return Err(shape_error());
    }
    let mut pairs = Vec::new();
    let _ = json::array_elements(raw.bytes, &mut |r| pairs.push(r));
    let mut turns = Vec::with_capacity(pairs.len() * 2);
    for range in pairs {
        let pair = &raw.bytes[range];
        let mut items = Vec::new();
        let _ = json::array_elements(pair, &mut |r| items.push(r));
        if json::kind_of(pair) != Some(Kind::Array) || items.len() != 2 {
            return Err(shape_error());
        }
        for (item, role) in items.into_iter().zip([Role::User, Role::Assistant]) {
            let text = &pair[item];
            if !is_string(text) {
                return Err(shape_error());
            }
            turns.push(Turn::new(role, Cow::Borrowed(text)));
        }
    }
    Ok(turns)
}

/// Shapes of one prompt and one response in two string fields.
pub fn read_pair<'a>(rec: &mut Record<'a>, prompt: &str, response: &str) -> Result<Model<'a>, Bad> {
    let p = rec.take_string(prompt)?;
    let r = rec.take_string(response)?;
    let system = rec.take_optional_string("system")?.map(|s| Turn::new(Role::System, raw_json(s)));
    let tools = take_tools(rec);
    Ok(Model {
        system,
        turns: vec![Turn::new(Role::User, raw_json(p)), Turn::new(Role::Assistant, raw_json(r))],
        tools,
        extra: rec.rest(),
        ..Model::default()
    })
}

pub fn read_preference<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let prompt = rec.take_string("prompt")?;
    let chosen = rec.take_string("chosen")?;
    let rejected = rec.take_string("rejected")?;
    let system = rec.take_optional_string("system")?.map(|s| Turn::new(Role::System, raw_json(s)));
    let tools = take_tools(rec);
    Ok(Model {
        system,
        turns: vec![Turn::new(Role::User, raw_json(prompt))],
        chosen: Some(vec![Turn::new(Role::Assistant, raw_json(chosen))]),
        rejected: Some(vec![Turn::new(Role::Assistant, raw_json(rejected))]),
        tools,
        extra: rec.rest(),
    })
}

/// One SQuAD question (with its paragraph's context and its article's title
/// merged in by the document reader).
pub fn read_squad_question<'a>(rec: &mut Record<'a>, refusal: &[u8]) -> Result<Model<'a>, Bad> {
    let id = rec.get("id").map(|i| i.key_text().into_owned()).unwrap_or_default();
    let question = rec.take_string("question")?;
    if blank_literal(question.bytes) {
        return Err(bad(
            "question is empty",
            format!("question {id} is empty: there is nothing to ask"),
        ));
    }
    let context = rec.take_string("context")?;
    let impossible = rec.take("is_impossible").and_then(|v| v.as_bool()).unwrap_or(false);
    let answers = rec.take("answers");
    let mut answer: Option<Json<'a>> = None;
    if impossible {
        answer = Some(Cow::Owned(refusal.to_vec()));
    } else if let Some(list) = answers.filter(|a| a.kind == Kind::Array) {
        let mut first = None;
        let _ = json::array_elements(list.bytes, &mut |r| {
            first.get_or_insert(r);
        });
        if let Some(range) = first {
            let object = &list.bytes[range];
            let members = json::members(object).map_err(|_| bad_same("answer is not an object"))?;
            match member(&members, "text") {
                Some(text) if text.kind == Kind::String => answer = Some(raw_json(text)),
                _ => return Err(bad_same("answer has no text")),
            }
        }
    }
    let Some(answer) = answer else {
        return Err(bad(
            "question has no answer",
            format!(
                "question {id} has no answers and is not marked is_impossible (an unlabelled split, such as a test set?)"
            ),
        ));
    };
    let mut prompt = b"\"Context: ".to_vec();
    prompt.extend_from_slice(&context.bytes[1..context.bytes.len() - 1]);
    prompt.extend_from_slice(b"\\nQuestion: ");
    prompt.extend_from_slice(&question.bytes[1..question.bytes.len() - 1]);
    prompt.push(b'"');
    Ok(Model {
        turns: vec![Turn::new(Role::User, Cow::Owned(prompt)), Turn::new(Role::Assistant, answer)],
        extra: rec.rest(),
        ..Model::default()
    })
}

// ---------------------------------------------------------------------------
// Checking and writing

/// What a writer may do with what it cannot hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Leave out fields the target has no place for instead of rejecting.
    pub drop_extra: bool,
}

/// Writes JSON objects member by member.
pub struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
    /// The keys written by name so far (a shape writes at most seven).
    keys: [&'static str; 8],
    written: usize,
}

impl<'o> Obj<'o> {
    pub fn start(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true, keys: [""; 8], written: 0 }
    }

    fn note(&mut self, key: &'static str) {
        if let Some(slot) = self.keys.get_mut(self.written) {
            *slot = key;
            self.written += 1;
        }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    /// A member whose key is a JSON string literal.
    pub fn raw(&mut self, key: &[u8], value: &[u8]) {
        self.sep();
        self.out.extend_from_slice(key);
        self.out.push(b':');
        self.out.extend_from_slice(value);
    }

    pub fn field(&mut self, key: &'static str, value: &[u8]) {
        self.note(key);
        self.sep();
        json::write_str(self.out, key);
        self.out.push(b':');
        self.out.extend_from_slice(value);
    }

    pub fn fields(&mut self, fields: &[Field<'_>]) {
        for f in fields {
            self.raw(&f.key, &f.value);
        }
    }

    /// The record's kept fields, after the shape's own. A kept field named
    /// like one the shape wrote would make the key appear twice (and a
    /// reader keep only one of the two values), so the record is bad.
    pub fn kept(&mut self, fields: &[Field<'_>], shape: Shape) -> Result<(), Bad> {
        for f in fields {
            if let Some(key) = self.keys[..self.written].iter().find(|k| f.key_is(k)) {
                return Err(bad(
                    format!("kept field {key} collides with {}'s own", shape.name()),
                    format!(
                        "the record keeps a field `{key}` besides the `{key}` that {} writes; rename it, or leave kept fields out with --drop-extra",
                        shape.name()
                    ),
                ));
            }
        }
        self.fields(fields);
        Ok(())
    }

    /// Starts a member whose value the caller writes into the buffer.
    pub fn open(&mut self, key: &'static str) -> &mut Vec<u8> {
        self.note(key);
        self.sep();
        json::write_str(self.out, key);
        self.out.push(b':');
        self.out
    }

    pub fn finish(self) {
        self.out.push(b'}');
    }
}

fn turn_word(shape: Shape) -> &'static str {
    match shape {
        Shape::Messages | Shape::PreferenceMessages => "message",
        _ => "turn",
    }
}

/// Content rules every chat shape shares: no empty content (an assistant turn
/// that calls tools needs none), and text where the shape stores text.
fn check_content(turn: &Turn<'_>, n: usize, shape: Shape, strings_only: bool) -> Result<(), Bad> {
    let role = turn.role.name_in(shape);
    let place = || match turn_word(shape) {
        "message" => format!("message {n} ({role})"),
        word => format!("{} {word} {n} ({role})", shape.name()),
    };
    if turn.tool_calls().is_some() && turn.content_is_null() {
        return Ok(());
    }
    let Some(content) = turn.content.as_deref() else {
        return Err(bad("empty content", format!("{} has no content", place())));
    };
    match json::kind_of(content) {
        Some(Kind::String) if blank_literal(content) => {
            Err(bad("empty content", format!("{} has empty content", place())))
        }
        Some(Kind::String) => Ok(()),
        Some(Kind::Null) => Err(bad("empty content", format!("{} has null content", place()))),
        Some(Kind::Array) if !strings_only => {
            if content.iter().filter(|b| !b.is_ascii_whitespace()).count() <= 2 {
                Err(bad("empty content", format!("{} has an empty content list", place())))
            } else {
                Ok(())
            }
        }
        Some(kind) => Err(bad(
            "content is not a string",
            format!("{}: content is {}, but {} stores text", place(), kind.article(), shape.name()),
        )),
        None => Err(bad("empty content", format!("{} has no content", place()))),
    }
}

/// A conversation needs someone to ask and something to learn from.
fn check_roles_present(model: &Model<'_>, shape: Shape) -> Result<(), Bad> {
    if !model.turns.iter().any(|t| t.role == Role::User) {
        return Err(bad_same(format!(
            "{} has no {} turn",
            shape.name(),
            Role::User.name_in(shape)
        )));
    }
    if !model.is_preference() && !model.turns.iter().any(|t| t.role == Role::Assistant) {
        return Err(bad_same(format!(
            "{} has no {} turn",
            shape.name(),
            Role::Assistant.name_in(shape)
        )));
    }
    Ok(())
}

fn check_preference(model: &Model<'_>, shape: Shape, wanted: bool) -> Result<(), Bad> {
    if model.is_preference() && !wanted {
        return Err(bad(
            format!("preference pair cannot become {}", shape.name()),
            format!(
                "this record is a preference pair (chosen and rejected); {} holds one conversation (convert to preference, preference-messages, sharegpt or alpaca)",
                shape.name()
            ),
        ));
    }
    if !model.is_preference() && wanted && shape.preference_only() {
        return Err(bad_same(format!("{} needs chosen and rejected responses", shape.name())));
    }
    if model.is_preference() {
        for (key, list) in [("chosen", &model.chosen), ("rejected", &model.rejected)] {
            let list = list.as_deref().unwrap_or_default();
            if list.is_empty() {
                return Err(bad_same(format!("missing {key}")));
            }
            for turn in list {
                if turn.role != Role::Assistant {
                    return Err(bad(
                        "preference response is not an assistant turn",
                        format!(
                            "{key} is a {} turn, not an assistant response",
                            turn.role.name_in(shape)
                        ),
                    ));
                }
                check_content(turn, 1, shape, shape.strings_only())
                    .map_err(|e| bad(e.category, e.message.replacen(shape.name(), key, 1)))?;
            }
        }
    }
    Ok(())
}

/// Turn-level fields in a shape with no turn objects: rejected, or dropped.
fn check_turn_extras(model: &Model<'_>, shape: Shape, options: WriteOptions) -> Result<(), Bad> {
    if options.drop_extra {
        return Ok(());
    }
    let all = model
        .system
        .iter()
        .chain(&model.turns)
        .chain(model.chosen.iter().flatten())
        .chain(model.rejected.iter().flatten());
    for (i, turn) in all.enumerate() {
        if let Some(calls) = turn.tool_calls()
            && !calls.is_empty()
        {
            return Err(bad(
                format!("{} has no place for tool calls", shape.name()),
                format!("turn {} calls tools; {} has no place for tool calls", i + 1, shape.name()),
            ));
        }
        if !turn.extra.is_empty() {
            let names: Vec<String> = turn.extra.iter().map(Field::key_text).collect();
            return Err(bad(
                format!("message fields {} cannot hold", shape.name()),
                format!(
                    "turn {} has fields {} cannot hold ({}); --drop-extra leaves them out",
                    i + 1,
                    shape.name(),
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn write_turn_object(
    out: &mut Vec<u8>,
    role_key: &'static str,
    role: &str,
    content_key: &'static str,
    content: Option<&[u8]>,
    extra: &[Field<'_>],
) {
    let mut obj = Obj::start(out);
    let value = obj.open(role_key);
    json::write_str(value, role);
    if let Some(content) = content {
        obj.field(content_key, content);
    }
    obj.fields(extra);
    obj.finish();
}

fn write_message_list(out: &mut Vec<u8>, system: Option<&Turn<'_>>, turns: &[Turn<'_>]) {
    out.push(b'[');
    for (i, turn) in system.into_iter().chain(turns).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_turn_object(
            out,
            "role",
            turn.role.messages_name(),
            "content",
            turn.content.as_deref(),
            &turn.extra,
        );
    }
    out.push(b']');
}

fn write_messages(model: &Model<'_>, out: &mut Vec<u8>) -> Result<(), Bad> {
    let shape = Shape::Messages;
    check_preference(model, shape, false)?;
    for (i, turn) in model.system.iter().chain(&model.turns).enumerate() {
        check_content(turn, i + 1, shape, false)?;
    }
    check_roles_present(model, shape)?;
    let mut obj = Obj::start(out);
    write_message_list(obj.open("messages"), model.system.as_ref(), &model.turns);
    if let Some(tools) = &model.tools {
        obj.field("tools", tools);
    }
    obj.kept(&model.extra, shape)?;
    obj.finish();
    Ok(())
}

fn write_preference_messages(model: &Model<'_>, out: &mut Vec<u8>) -> Result<(), Bad> {
    let shape = Shape::PreferenceMessages;
    check_preference(model, shape, true)?;
    for (i, turn) in model.system.iter().chain(&model.turns).enumerate() {
        check_content(turn, i + 1, shape, false)?;
    }
    check_roles_present(model, shape)?;
    let mut obj = Obj::start(out);
    write_message_list(obj.open("prompt"), model.system.as_ref(), &model.turns);
    write_message_list(obj.open("chosen"), None, model.chosen.as_deref().unwrap_or_default());
    write_message_list(obj.open("rejected"), None, model.rejected.as_deref().unwrap_or_default());
    if let Some(tools) = &model.tools {
        obj.field("tools", tools);
    }
    obj.kept(&model.extra, shape)?;
    obj.finish();
    Ok(())
}

/// A sharegpt turn: function calls become `function_call` turns whose value
/// is the calls' JSON text.
fn write_sharegpt_turn(out: &mut Vec<u8>, turn: &Turn<'_>) {
    if let Some(calls) = turn.tool_calls()
        && turn.content_is_null()
    {
        let text = String::from_utf8_lossy(&calls_to_sharegpt(calls)).into_owned();
        let extra: Vec<Field<'_>> =
            turn.extra.iter().filter(|f| !f.key_is("tool_calls")).cloned().collect();
        write_turn_object(
            out,
            "from",
            "function_call",
            "value",
            Some(&quoted(text.trim())),
            &extra,
        );
        return;
    }
    write_turn_object(
        out,
        "from",
        turn.role.name_in(Shape::Sharegpt),
        "value",
        turn.content.as_deref(),
        &turn.extra,
    );
}

fn write_sharegpt(model: &Model<'_>, out: &mut Vec<u8>) -> Result<(), Bad> {
    let shape = Shape::Sharegpt;
    check_preference(model, shape, true)?;
    // A system prompt with fields of its own stays a turn, so nothing is lost.
    let system_turn = model.system.as_ref().filter(|s| !s.extra.is_empty());
    let listed: Vec<&Turn<'_>> = system_turn.into_iter().chain(&model.turns).collect();
    for (i, turn) in listed.iter().enumerate() {
        check_content(turn, i + 1, shape, true)?;
    }
    if let Some(system) = &model.system {
        check_content(system, 0, shape, true)
            .map_err(|e| bad(e.category, "the system prompt is empty or not text"))?;
    }
    check_roles_present(model, shape)?;
    let offset = system_turn.is_some() as usize;
    let mut previous: Option<Role> = None;
    for (p, turn) in model.turns.iter().enumerate() {
        let n = p + 1 + offset;
        let name = turn.role.name_in(shape);
        let name = if turn.tool_calls().is_some() && turn.content_is_null() {
            "function_call"
        } else {
            name
        };
        if turn.role == Role::System {
            return Err(bad(
                "system turn after the start",
                format!("sharegpt turn {n} is a system turn after the start of the conversation"),
            ));
        }
        let want_user = p % 2 == 0;
        if turn.role.user_side() != want_user {
            return Err(match previous {
                Some(_) => bad(
                    "role twice in a row",
                    format!("sharegpt turn {n} has role '{name}' twice in a row"),
                ),
                None => bad(
                    "conversation does not start with human",
                    format!(
                        "sharegpt turn {n} has role '{name}', but a conversation starts with human"
                    ),
                ),
            });
        }
        previous = Some(turn.role);
    }
    let ends_on_user = model.turns.len() % 2 == 1;
    if model.is_preference() != ends_on_user {
        return Err(if model.is_preference() {
            bad_same("sharegpt preference prompt must end with a human turn")
        } else {
            bad(
                "conversation ends without a response",
                format!(
                    "sharegpt conversation ends with turn {} ('human'): no gpt response to learn",
                    model.turns.len() + offset
                ),
            )
        });
    }
    for key in ["chosen", "rejected"] {
        let list = if key == "chosen" { &model.chosen } else { &model.rejected };
        if list.as_ref().is_some_and(|l| l.len() != 1) {
            return Err(bad_same(format!("sharegpt {key} holds one turn")));
        }
    }
    let mut obj = Obj::start(out);
    let list = obj.open("conversations");
    list.push(b'[');
    for (i, turn) in listed.iter().enumerate() {
        if i > 0 {
            list.push(b',');
        }
        write_sharegpt_turn(list, turn);
    }
    list.push(b']');
    for (key, turns) in [("chosen", &model.chosen), ("rejected", &model.rejected)] {
        if let Some(turn) = turns.as_ref().and_then(|t| t.first()) {
            write_sharegpt_turn(obj.open(key), turn);
        }
    }
    if let (Some(system), None) = (&model.system, system_turn)
        && let Some(content) = &system.content
    {
        obj.field("system", content);
    }
    if let Some(tools) = &model.tools {
        if is_string(tools) {
            obj.field("tools", tools);
        } else {
            obj.field("tools", &quoted(&String::from_utf8_lossy(tools)));
        }
    }
    obj.kept(&model.extra, shape)?;
    obj.finish();
    Ok(())
}

/// Checks shared by the shapes that store plain prompt/response strings.
fn check_flat(model: &Model<'_>, shape: Shape, options: WriteOptions) -> Result<(), Bad> {
    check_turn_extras(model, shape, options)?;
    for (i, turn) in model.turns.iter().enumerate() {
        check_content(turn, i + 1, shape, true)?;
    }
    if let Some(system) = &model.system {
        check_content(system, 0, shape, true)
            .map_err(|e| bad(e.category, "the system prompt is empty or not text"))?;
    }
    check_roles_present(model, shape)
}

fn write_alpaca(model: &Model<'_>, options: WriteOptions, out: &mut Vec<u8>) -> Result<(), Bad> {
    let shape = Shape::Alpaca;
    check_preference(model, shape, true)?;
    check_flat(model, shape, options)?;
    let pairs = model.turns.len() / 2;
    let expected_len = if model.is_preference() { pairs * 2 + 1 } else { pairs * 2 };
    for (i, turn) in model.turns.iter().enumerate() {
        let want = if i % 2 == 0 { Role::User } else { Role::Assistant };
        if turn.role != want {
            return Err(bad(
                "turns do not alternate user and assistant",
                format!(
                    "alpaca needs alternating user and assistant turns; turn {} is {}",
                    i + 1,
                    turn.role.messages_name()
                ),
            ));
        }
    }
    if model.turns.len() != expected_len {
        return Err(bad_same(if model.is_preference() {
            "alpaca preference prompt must end with a user turn"
        } else {
            "conversation ends without a response"
        }));
    }
    let history_len =
        if model.is_preference() { model.turns.len() - 1 } else { model.turns.len() - 2 };
    let prompt = &model.turns[history_len];
    let text = |t: &Turn<'_>| t.content.as_deref().unwrap_or(b"\"\"").to_vec();
    let mut obj = Obj::start(out);
    obj.field("instruction", &text(prompt));
    obj.field("input", b"\"\"");
    if model.is_preference() {
        let first = |l: &Option<Vec<Turn<'_>>>| {
            l.as_ref().and_then(|l| l.first()).map(text).unwrap_or_default()
        };
        obj.field("chosen", &first(&model.chosen));
        obj.field("rejected", &first(&model.rejected));
    } else {
        obj.field("output", &text(&model.turns[history_len + 1]));
    }
    if let Some(system) = model.system.as_ref().and_then(|s| s.content.as_deref()) {
        obj.field("system", system);
    }
    if history_len > 0 {
        let list = obj.open("history");
        list.push(b'[');
        for (i, pair) in model.turns[..history_len].chunks(2).enumerate() {
            if i > 0 {
                list.push(b',');
            }
            list.push(b'[');
            list.extend_from_slice(&text(&pair[0]));
            list.push(b',');
            list.extend_from_slice(&text(&pair[1]));
            list.push(b']');
        }
        list.push(b']');
    }
    if let Some(tools) = &model.tools {
        obj.field("tools", tools);
    }
    obj.kept(&model.extra, shape)?;
    obj.finish();
    Ok(())
}

/// The prompt and response of a one-exchange shape; `system` and `tools` are
/// written after the shape's own fields (the same place they are read from).
pub fn single_exchange<'m, 'a>(
    model: &'m Model<'a>,
    shape: Shape,
    options: WriteOptions,
) -> Result<(&'m Turn<'a>, Option<&'m Turn<'a>>), Bad> {
    let preference = shape.preference_only();
    check_preference(model, shape, preference)?;
    check_flat(model, shape, options)?;
    let expected = if preference { 1 } else { 2 };
    if model.turns.len() != expected {
        return Err(bad(
            format!("{} holds one exchange", shape.name()),
            format!(
                "{} holds one prompt and one response; this record has {} turns (convert it to messages or sharegpt to keep them)",
                shape.name(),
                model.turns.len() + model.system.is_some() as usize
            ),
        ));
    }
    let prompt = &model.turns[0];
    if prompt.role != Role::User || (!preference && model.turns[1].role != Role::Assistant) {
        return Err(bad_same(format!("{} needs a user turn then an assistant turn", shape.name())));
    }
    Ok((prompt, model.turns.get(1)))
}

/// Writes the system prompt and tools of a shape that has no place of its own
/// for them, then the kept fields.
pub fn write_tail(
    obj: &mut Obj<'_>,
    model: &Model<'_>,
    shape: Shape,
    options: WriteOptions,
) -> Result<(), Bad> {
    if !options.drop_extra {
        if let Some(system) = model.system.as_ref().and_then(|s| s.content.as_deref()) {
            obj.field("system", system);
        }
        if let Some(tools) = &model.tools {
            obj.field("tools", tools);
        }
    }
    obj.kept(&model.extra, shape)
}

fn write_pair(
    model: &Model<'_>,
    shape: Shape,
    options: WriteOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bad> {
    let (prompt_key, response_key) = shape.pair_keys().unwrap_or(("prompt", "response"));
    let (prompt, response) = single_exchange(model, shape, options)?;
    let mut obj = Obj::start(out);
    obj.field(prompt_key, prompt.content.as_deref().unwrap_or(b"\"\""));
    if let Some(response) = response {
        obj.field(response_key, response.content.as_deref().unwrap_or(b"\"\""));
    }
    if shape == Shape::Preference {
        for (key, list) in [("chosen", &model.chosen), ("rejected", &model.rejected)] {
            let content = list.as_ref().and_then(|l| l.first()).and_then(|t| t.content.as_deref());
            obj.field(key, content.unwrap_or(b"\"\""));
        }
    }
    write_tail(&mut obj, model, shape, options)?;
    obj.finish();
    Ok(())
}

/// Writes `model` as a record of `shape` (every shape but teacher, which
/// needs extraction: see the tool module).
pub fn write(
    model: &Model<'_>,
    shape: Shape,
    options: WriteOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bad> {
    match shape {
        Shape::Messages => write_messages(model, out),
        Shape::PreferenceMessages => write_preference_messages(model, out),
        Shape::Sharegpt => write_sharegpt(model, out),
        Shape::Alpaca => write_alpaca(model, options, out),
        _ => write_pair(model, shape, options, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(line: &str, from: Shape, to: Shape) -> Result<String, Bad> {
        let mut rec = Record::new(line.as_bytes()).unwrap();
        let model = match from {
            Shape::Messages => read_messages_shape(&mut rec)?,
            Shape::Sharegpt => read_sharegpt(&mut rec)?,
            Shape::Alpaca => read_alpaca(&mut rec)?,
            Shape::InputOutput => read_pair(&mut rec, "input", "output")?,
            _ => unreachable!(),
        };
        let mut out = Vec::new();
        write(&model, to, WriteOptions::default(), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn alpaca_joins_instruction_and_input_like_llama_factory() {
        let line = r#"{"instruction":"Sum","input":"1 \u0026 2","output":"3","id":7}"#;
        assert_eq!(
            convert(line, Shape::Alpaca, Shape::Messages).unwrap(),
            r#"{"messages":[{"role":"user","content":"Sum\n1 \u0026 2"},{"role":"assistant","content":"3"}],"id":7}"#
        );
    }

    #[test]
    fn tool_calls_become_function_call_turns_and_back() {
        let line = r#"{"messages":[{"role":"user","content":"up"},{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]},{"role":"tool","content":"ok","tool_call_id":"c"},{"role":"assistant","content":"done"}]}"#;
        let sharegpt = convert(line, Shape::Messages, Shape::Sharegpt).unwrap();
        assert_eq!(
            sharegpt,
            r#"{"conversations":[{"from":"human","value":"up"},{"from":"function_call","value":"[{\"id\":\"c\",\"type\":\"function\"}]"},{"from":"observation","value":"ok","tool_call_id":"c"},{"from":"gpt","value":"done"}]}"#
        );
        assert_eq!(convert(&sharegpt, Shape::Sharegpt, Shape::Messages).unwrap(), line);
    }

    #[test]
    fn glaive_function_calls_get_openai_arguments_strings() {
        assert_eq!(
            tool_calls_from(r#"{"name": "f", "arguments": {"a": 1}}"#).unwrap(),
            br#"[{"type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}}]"#.to_vec()
        );
        assert!(tool_calls_from("not json").is_none());
        let openai = br#"[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}},{"type":"function","function":{"name":"g","arguments":"x"}}]"#;
        let sharegpt = calls_to_sharegpt(openai);
        assert_eq!(
            sharegpt,
            br#"[{"name":"f","arguments":{"a": 1},"id":"c1"},{"name":"g","arguments":"x"}]"#
                .to_vec()
        );
        assert_eq!(
            tool_calls_from(std::str::from_utf8(&sharegpt).unwrap()).unwrap(),
            openai.to_vec()
        );
    }

    #[test]
    fn blank_literals() {
        assert!(blank_literal(br#""""#));
        assert!(blank_literal(br#"" \n\t ""#));
        assert!(blank_literal(br#""\u0020""#));
        assert!(!blank_literal(br#"" x""#));
    }

    #[test]
    fn sharegpt_alternation_is_checked() {
        let line = r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"},{"from":"gpt","value":"c"}]}"#;
        let e = convert(line, Shape::Sharegpt, Shape::Sharegpt).unwrap_err();
        assert_eq!(e.message, "sharegpt turn 3 has role 'gpt' twice in a row");
    }
}
