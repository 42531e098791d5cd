//! The writers: one per output shape, each checking what the target shape
//! needs (the chat sanity checks) before it writes the [`Model`] as a
//! record, so a record that cannot be converted is rejected with a reason
//! and nothing partial is written; and [`Obj`], which writes JSON objects
//! member by member.

use crate::json::{self, Kind};

use super::super::shape::Shape;
use super::readers::{elements_of, member};
use super::types::{
    Bad, Field, Model, Role, Turn, bad, bad_same, blank_literal, is_string, literal_is, quoted,
};

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
            // `write` adds the shapes that hold it.
            format!(
                "this record is a preference pair (chosen and rejected); {} holds one conversation",
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
            let names: Vec<String> =
                turn.extra.iter().map(|f| crate::report::printable(&f.key_text())).collect();
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

/// OpenAI tool_calls as a sharegpt function_call value in the LLaMA-Factory
/// form: `{"name", "arguments", "id"?}` for one call, a list for several, the
/// arguments as JSON (not a string) when they are valid JSON. Calls in any
/// other form keep their JSON text.
pub(super) fn calls_to_sharegpt(calls: &[u8]) -> Vec<u8> {
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
        // `write` (or the teacher writer) adds the shapes that hold it.
        return Err(bad(
            format!("{} holds one exchange", shape.name()),
            format!(
                "{} holds one prompt and one response; this record has {} turns",
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
/// needs extraction: see the tool module); a record the shape cannot hold
/// whole is told which shapes can ([`hint`]).
pub fn write(
    model: &Model<'_>,
    shape: Shape,
    options: WriteOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bad> {
    write_shape(model, shape, options, out).map_err(|e| hint(e, model, shape, options))
}

/// The reason a record cannot become `shape`, with the shapes it can become
/// whole when the reason is that `shape` holds less than the record: a
/// preference pair given to a one-conversation shape, or a conversation of
/// several exchanges given to a one-exchange shape. The shapes named are
/// those whose writer takes this very record (with the run's options), so a
/// hint never names a shape that would reject it.
pub fn hint(e: Bad, model: &Model<'_>, shape: Shape, options: WriteOptions) -> Bad {
    let name = shape.name();
    let holds_less = e.category == format!("preference pair cannot become {name}")
        || e.category == format!("{name} holds one exchange");
    if !holds_less {
        return e;
    }
    let (candidates, what): (&[Shape], &str) = if model.is_preference() {
        (
            &[Shape::Preference, Shape::PreferenceMessages, Shape::Sharegpt, Shape::Alpaca],
            "a preference pair",
        )
    } else {
        (&[Shape::Messages, Shape::Sharegpt, Shape::Alpaca], "a conversation")
    };
    let mut scratch = Vec::new();
    let mut first_error = None;
    let mut holders: Vec<&str> = Vec::new();
    for &candidate in candidates.iter().filter(|&&c| c != shape) {
        scratch.clear();
        match write_shape(model, candidate, options, &mut scratch) {
            Ok(()) => holders.push(candidate.name()),
            Err(e) => {
                first_error.get_or_insert(e.message);
            }
        }
    }
    let added = match holders.as_slice() {
        [] => format!(
            " (no shape that holds {what} takes it as it is either: {})",
            first_error.unwrap_or_default()
        ),
        [one] => format!(" (convert it to {one}, which holds it whole)"),
        [init @ .., last] => {
            format!(" (convert it to {} or {last}, which hold it whole)", init.join(", "))
        }
    };
    Bad { category: e.category, message: e.message + &added }
}

fn write_shape(
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
