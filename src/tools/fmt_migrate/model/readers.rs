//! The readers: one per input shape, each taking a [`Record`] (a line's
//! top-level members, with the ones it consumed marked) into the [`Model`],
//! and rejecting a record that lacks the shape's fields or holds the wrong
//! kind of value with a reason. Whatever no reader consumed is kept.

use std::borrow::Cow;

use crate::json::{self, Kind, Member, Raw};
use crate::path::FieldPath;

use super::super::shape::Shape;
use super::types::{
    Bad, Field, Json, Model, Role, Turn, bad, bad_same, blank_literal, is_string, join_literals,
    literal_is, quoted, text_of,
};
use super::writers::Obj;

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

pub(super) fn member<'a>(members: &[Member<'a>], key: &str) -> Option<Raw<'a>> {
    members.iter().find(|m| literal_is(m.key.bytes, key)).map(|m| m.value)
}

fn other_members<'a>(members: &[Member<'a>], skip: &[&str]) -> Vec<Field<'a>> {
    members
        .iter()
        .filter(|m| !skip.iter().any(|s| literal_is(m.key.bytes, s)))
        .map(|m| Field { key: Cow::Borrowed(m.key.bytes), value: Cow::Borrowed(m.value.bytes) })
        .collect()
}

/// Turns of an OpenAI-style message list (`{role, content, …}` objects);
/// `renamed` is set when a role name is not the messages shape's own
/// (system, user, assistant, tool, function).
pub fn read_messages<'a>(
    raw: Raw<'a>,
    field: &str,
    renamed: &mut bool,
) -> Result<Vec<Turn<'a>>, Bad> {
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
        let name = role.as_str().unwrap_or_default();
        let Some(role) = Role::from_name(&name) else {
            let name = crate::report::printable(&name);
            return Err(bad(
                "unknown role",
                format!(
                    "{field} message {n} has an unknown role '{name}' (expected system, user, assistant, tool or function, or a name given to --role-map)"
                ),
            ));
        };
        *renamed |= !role.named_as_in(&name, Shape::Messages);
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
    let mut renamed = false;
    let mut turns = read_messages(raw, "messages", &mut renamed)?;
    let system = lift_system(&mut turns);
    let tools = take_tools(rec);
    Ok(Model { system, turns, tools, extra: rec.rest(), renamed, ..Model::default() })
}

fn message_list<'a>(
    rec: &mut Record<'a>,
    key: &str,
    renamed: &mut bool,
) -> Result<Vec<Turn<'a>>, Bad> {
    let raw = rec.take(key).ok_or_else(|| bad_same(format!("missing {key}")))?;
    read_messages(raw, key, renamed)
}

pub fn read_preference_messages<'a>(rec: &mut Record<'a>) -> Result<Model<'a>, Bad> {
    let mut renamed = false;
    let mut turns = message_list(rec, "prompt", &mut renamed)?;
    let chosen = message_list(rec, "chosen", &mut renamed)?;
    let rejected = message_list(rec, "rejected", &mut renamed)?;
    let system = lift_system(&mut turns);
    let tools = take_tools(rec);
    Ok(Model {
        system,
        turns,
        chosen: Some(chosen),
        rejected: Some(rejected),
        tools,
        extra: rec.rest(),
        renamed,
    })
}

/// The elements of a JSON array (or the value itself when it is not one).
pub(super) fn elements_of(value: &[u8]) -> Vec<&[u8]> {
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
pub(super) fn tool_calls_from(value: &str) -> Option<Vec<u8>> {
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

/// One sharegpt turn; `renamed` is set when its `from` is not sharegpt's own
/// name for its role (human, gpt, system, function_call, observation).
fn sharegpt_turn<'a>(
    members: &[Member<'a>],
    what: &str,
    renamed: &mut bool,
) -> Result<Turn<'a>, Bad> {
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
        other => match Role::from_name(other) {
            Some(role) => {
                *renamed |= !role.named_as_in(other, Shape::Sharegpt);
                role
            }
            None => {
                let other = crate::report::printable(other);
                return Err(bad(
                    "unknown role",
                    format!(
                        "{what} has an unknown role '{other}' (expected human, gpt, system, function_call or observation, or a name given to --role-map)"
                    ),
                ));
            }
        },
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
    let mut renamed = false;
    for (i, members) in objects(raw.bytes, &what)?.into_iter().enumerate() {
        turns.push(sharegpt_turn(&members, &what(i + 1), &mut renamed)?);
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
            let turn = sharegpt_turn(&members, key, &mut renamed)?;
            if key == "chosen" {
                model.chosen = Some(vec![turn]);
            } else {
                model.rejected = Some(vec![turn]);
            }
        }
    }
    model.extra = rec.rest();
    model.renamed = renamed;
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
        ..Model::default()
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
    let id = crate::report::printable(&id);
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
    // The answerability marker goes on with the record, in every shape, so
    // a later tool (phase-split) knows a refusal whatever its text.
    let mut extra = rec.rest();
    extra.push(impossible_field(impossible));
    Ok(Model {
        turns: vec![Turn::new(Role::User, Cow::Owned(prompt)), Turn::new(Role::Assistant, answer)],
        extra,
        ..Model::default()
    })
}

/// The field every record from a SQuAD question carries: `is_impossible`,
/// true for an unanswerable question (SQuAD 2.0), false otherwise.
pub const IMPOSSIBLE_FIELD: &str = "is_impossible";

fn impossible_field(impossible: bool) -> Field<'static> {
    Field {
        key: Cow::Borrowed(b"\"is_impossible\""),
        value: Cow::Borrowed(if impossible { b"true" } else { b"false" }),
    }
}
