//! The per-record work, run on the worker threads: one scan of each record
//! for every field the run needs, its phase (built-in classifier, --phase-field or
//! --phase rules), its split by seeded hash (or, with --stratify, held for the
//! sink's sequential decision), and the tagged line for its destination.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::hash;
use crate::input::Line;
use crate::json::{self, PathSet, Raw};
use crate::pipeline::{Disposition, Emit, Processor};

use super::classify::{self, Builtin, Reason, Rule, Scratch};
use super::{MAX_PHASES, MISSING_STRATUM};

/// What a path of the scan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Answer,
    Context,
    Messages,
    Impossible,
    Answerable,
    By,
    Rule(usize),
    Group,
    Stratum,
    Leak,
    /// A top-level "phase" or "split" key, which tagging replaces in place.
    TagKey,
}

/// How records get their phase.
pub(super) enum Mode {
    Builtin(Builtin),
    By,
    Rules(Vec<Rule>),
}

/// The per-record work, run on the workers.
pub(super) struct Splitter {
    pub(super) paths: PathSet,
    pub(super) roles: Vec<Role>,
    pub(super) mode: Mode,
    /// Fallback answer/context from messages (no explicit --answer/--context).
    pub(super) answer_from_messages: bool,
    pub(super) context_from_messages: bool,
    pub(super) answer_name: String,
    pub(super) by_name: String,
    pub(super) group_name: String,
    pub(super) message_paths: PathSet,
    /// The built-in classifier: default phase → position in the output order.
    pub(super) position: Vec<usize>,
    /// Rules: rule → position of its phase.
    pub(super) rule_position: Vec<usize>,
    /// Each scanned path as the user wrote it, by path id.
    pub(super) path_names: Vec<String>,
    /// JSON text of each phase name, by position (static modes).
    pub(super) phase_json: Vec<Vec<u8>>,
    pub(super) split_json: Vec<Vec<u8>>,
    pub(super) weights: Vec<f64>,
    pub(super) seed: u64,
    pub(super) stratified: bool,
    pub(super) tag: bool,
    /// The paths the user named, in `Run::watch_fields` order: (role, flag).
    pub(super) watched: Vec<(Role, &'static str)>,
}

/// A record held for the sequential --stratify decision.
pub(super) struct Held {
    pub(super) index: u32,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) slot: u16,
    pub(super) proposal: u8,
    pub(super) group: Option<u128>,
    pub(super) stratum: u32,
    pub(super) leak: Option<u128>,
    pub(super) tag_keys: bool,
}

#[derive(Default)]
pub(super) struct Acc {
    /// --phase-field: the chunk's phase names, by slot.
    pub(super) names: Vec<String>,
    pub(super) names_json: Vec<Vec<u8>>,
    /// A --phase-field value beyond the phase limit.
    pub(super) too_many: Option<String>,
    /// Records per destination (slot × splits + split).
    pub(super) counts: Vec<u64>,
    pub(super) reasons: [u64; 6],
    /// Records whose default answer was a preference record's `chosen`.
    pub(super) from_chosen: u64,
    /// Leakage keys of records already placed: (line index, key, split).
    pub(super) leaks: Vec<(u32, u128, u8)>,
    pub(super) leak_missing: u64,
    pub(super) held: Vec<Held>,
    pub(super) strata: Vec<String>,
    pub(super) strata_index: HashMap<String, u32>,
    pub(super) texts: Texts,
    pub(super) scratch: Scratch,
}

/// A record's answer and context, decoded.
#[derive(Default)]
pub(super) struct Texts {
    pub(super) answer: String,
    pub(super) context: String,
    /// A --check-leakage value.
    pub(super) key: String,
}

/// Values found in one record.
pub(super) struct Found<'a> {
    pub(super) first: Vec<Option<Raw<'a>>>,
    pub(super) messages: Vec<Raw<'a>>,
    pub(super) rule: usize,
    pub(super) tag_keys: bool,
}

impl Splitter {
    pub(super) fn scan<'a>(&self, line: &'a [u8]) -> Result<Found<'a>, json::JsonError> {
        let mut found = Found {
            first: vec![None; self.roles.len()],
            messages: Vec::new(),
            rule: usize::MAX,
            tag_keys: false,
        };
        let rules = match &self.mode {
            Mode::Rules(rules) => rules.as_slice(),
            _ => &[],
        };
        json::scan_object(line, &self.paths, &mut |id, raw| match self.roles[id] {
            Role::Messages => found.messages.push(raw),
            Role::TagKey => found.tag_keys = true,
            Role::Rule(i) => {
                if i < found.rule
                    && let Some((_, regex)) = &rules[i].condition
                    && classify::rule_matches(regex, raw)
                {
                    found.rule = i;
                }
            }
            _ => {
                found.first[id].get_or_insert(raw);
            }
        })?;
        Ok(found)
    }

    pub(super) fn value<'a>(&self, found: &Found<'a>, role: Role) -> Option<Raw<'a>> {
        self.roles.iter().position(|r| *r == role).and_then(|id| found.first[id])
    }

    /// The texts of the user messages and of the last assistant message of
    /// a list of `{role, content}` messages (content a string, or an array of
    /// parts whose text parts are joined) or of ShareGPT `{from, value}`
    /// turns (human and gpt).
    fn conversation<'a>(
        &self,
        messages: impl Iterator<Item = Raw<'a>>,
    ) -> (Vec<Cow<'a, str>>, Option<Cow<'a, str>>) {
        let mut users: Vec<Cow<'a, str>> = Vec::new();
        let mut last_assistant: Option<Cow<'a, str>> = None;
        for message in messages {
            let mut role: Option<Raw<'a>> = None;
            let mut content: Option<Raw<'a>> = None;
            let mut parts: Vec<Cow<'a, str>> = Vec::new();
            if json::scan_object(message.bytes, &self.message_paths, &mut |id, raw| match id {
                0 | 3 => role = role.or(Some(raw)),
                1 | 4 => content = content.or(Some(raw)),
                _ => {
                    if let Some(text) = raw.as_str() {
                        parts.push(text);
                    }
                }
            })
            .is_err()
            {
                continue;
            }
            let text = match content {
                Some(raw) if raw.kind == json::Kind::String => raw.as_str(),
                Some(raw) if raw.kind == json::Kind::Array && !parts.is_empty() => {
                    Some(Cow::Owned(parts.join("")))
                }
                _ => None,
            };
            let (Some(role), Some(text)) = (role.and_then(|r| r.as_str()), text) else {
                continue;
            };
            match role.as_ref() {
                "assistant" | "gpt" => last_assistant = Some(text),
                "user" | "human" => users.push(text),
                _ => {}
            }
        }
        (users, last_assistant)
    }

    /// The built-in classifier's answer, context and verdict. The answer
    /// and context are decoded into `texts`, reused from record to record.
    pub(super) fn builtin(
        &self,
        builtin: &Builtin,
        found: &Found<'_>,
        texts: &mut Texts,
        scratch: &mut Scratch,
    ) -> Result<(Reason, bool), classify::Bad> {
        let mut answer_name: Option<&str> = None;
        let mut has_context = false;
        for (id, role) in self.roles.iter().enumerate() {
            let Some(raw) = found.first[id] else { continue };
            match role {
                // A list of messages (TRL's conversational prompt and
                // completion): its last assistant message is the answer.
                Role::Answer if answer_name.is_none() && raw.kind == json::Kind::Array => {
                    match self.conversation(message_list(raw.bytes)).1 {
                        Some(text) => {
                            texts.answer.clear();
                            texts.answer.push_str(&text);
                            answer_name = Some(&self.path_names[id]);
                        }
                        None => {
                            classify::check_answer(raw, &self.path_names[id])?;
                        }
                    }
                }
                // A null answer is no answer: the next candidate may have one.
                Role::Answer
                    if answer_name.is_none()
                        && classify::check_answer(raw, &self.path_names[id])? =>
                {
                    raw.key_text_into(&mut texts.answer);
                    answer_name = Some(&self.path_names[id]);
                }
                // A null or empty context is none: the next candidate may
                // hold it (alpaca's empty input, then its instruction).
                Role::Context if !has_context && !raw.is_null() && !is_empty_string(raw) => {
                    // A list of messages: its user messages are the context
                    // (not its JSON text, whose keys would match answers).
                    let users = if raw.kind == json::Kind::Array {
                        self.conversation(message_list(raw.bytes)).0
                    } else {
                        Vec::new()
                    };
                    if users.is_empty() {
                        raw.key_text_into(&mut texts.context);
                    } else {
                        texts.context.clear();
                        texts.context.push_str(&users.join("\n"));
                    }
                    has_context = true;
                }
                _ => {}
            }
        }
        let need_answer = answer_name.is_none() && self.answer_from_messages;
        let need_context = !has_context && self.context_from_messages;
        if need_answer || need_context {
            let (users, last_assistant) = self.conversation(found.messages.iter().copied());
            if need_answer && let Some(text) = last_assistant {
                texts.answer.clear();
                texts.answer.push_str(&text);
                answer_name = Some("the last assistant message");
            }
            if need_context && !users.is_empty() {
                texts.context.clear();
                texts.context.push_str(&users.join("\n"));
                has_context = true;
            }
        }
        let flag = |role| self.value(found, role).and_then(|raw| raw.as_bool());
        let flagged = flag(Role::Impossible) == Some(true) || flag(Role::Answerable) == Some(false);
        // The flag wins over the answer's text, and over its absence: a
        // converted unanswerable question may carry its answer in a field
        // the classifier does not read (sharegpt's conversations, qa's answer).
        if flagged && (answer_name.is_none() || texts.answer.trim().is_empty()) {
            return Ok((Reason::FlaggedUnanswerable, false));
        }
        let Some(answer_name) = answer_name else {
            let message = if self.answer_from_messages {
                "no answer: none of output, response, completion, chosen, answer or an assistant (gpt) message with text (use --answer PATH to name the field)".to_string()
            } else {
                format!("no answer: {} is missing or null", self.answer_name)
            };
            return Err(("no answer".into(), message));
        };
        if texts.answer.trim().is_empty() {
            return Err(("empty answer".into(), format!("the answer ({answer_name}) is empty")));
        }
        let context = if has_context { Some(texts.context.as_str()) } else { None };
        let from_chosen = self.answer_from_messages && answer_name == "chosen";
        Ok((builtin.classify(&texts.answer, context, flagged, scratch), from_chosen))
    }

    /// The record's phase slot (its output position in static modes, a
    /// chunk-local slot with --phase-field), or why it is a bad record.
    pub(super) fn phase(
        &self,
        found: &Found<'_>,
        acc: &mut Acc,
    ) -> Result<Option<usize>, classify::Bad> {
        match &self.mode {
            Mode::Builtin(builtin) => {
                let (reason, from_chosen) =
                    self.builtin(builtin, found, &mut acc.texts, &mut acc.scratch)?;
                acc.reasons[reason as usize] += 1;
                acc.from_chosen += u64::from(from_chosen);
                Ok(Some(self.position[reason.phase()]))
            }
            Mode::Rules(rules) => {
                let first_catch_all = rules.iter().position(|r| r.condition.is_none());
                match (found.rule, first_catch_all) {
                    (i, Some(c)) if c < i => Ok(Some(self.rule_position[c])),
                    (usize::MAX, None) => Err((
                        "no --phase rule matched".into(),
                        "no --phase rule matched this record (add a last catch-all rule, e.g. --phase other)".into(),
                    )),
                    (i, _) => Ok(Some(self.rule_position[i])),
                }
            }
            Mode::By => {
                let name = match self.value(found, Role::By) {
                    Some(raw) if !raw.is_null() => raw.key_text(),
                    _ => {
                        let name = &self.by_name;
                        return Err((
                            format!("missing {name}"),
                            format!("missing {name}, the --phase-field phase field"),
                        ));
                    }
                };
                if name.is_empty() {
                    let name = &self.by_name;
                    return Err((
                        format!("empty {name}"),
                        format!("{name} is empty: no phase name"),
                    ));
                }
                if let Some(slot) = acc.names.iter().position(|n| *n == name) {
                    return Ok(Some(slot));
                }
                if acc.names.len() >= MAX_PHASES {
                    acc.too_many.get_or_insert_with(|| name.into_owned());
                    return Ok(None);
                }
                acc.names_json.push(json::quote(&name).into_bytes());
                acc.names.push(name.into_owned());
                Ok(Some(acc.names.len() - 1))
            }
        }
    }

    pub(super) fn phase_json<'s>(&'s self, acc: &'s Acc, slot: usize) -> &'s [u8] {
        match self.mode {
            Mode::By => &acc.names_json[slot],
            _ => &self.phase_json[slot],
        }
    }
}

/// Appends `line` tagged with its phase (and split) to `buf`. `has_keys`:
/// whether the record already has a top-level "phase" or "split".
pub(super) fn tag_into(
    line: &[u8],
    phase: &[u8],
    split: Option<&[u8]>,
    has_keys: bool,
    buf: &mut Vec<u8>,
) {
    let start = buf.len();
    let fields: [(&str, &[u8]); 2] = [("phase", phase), ("split", split.unwrap_or_default())];
    let fields = &fields[..if split.is_some() { 2 } else { 1 }];
    let tagged = if has_keys {
        json::set_fields(line, fields, buf)
    } else {
        json::append_fields(line, fields, buf)
    };
    // The line was validated by the scan, so this cannot fail; if it ever
    // did, the record is still written, untagged.
    if tagged.is_err() {
        buf.truncate(start);
        buf.extend_from_slice(line);
    }
}

/// The object elements of a JSON array (other elements are skipped).
fn is_empty_string(raw: Raw<'_>) -> bool {
    raw.kind == json::Kind::String && raw.bytes == b"\"\""
}

fn message_list(array: &[u8]) -> impl Iterator<Item = Raw<'_>> {
    let mut ranges = Vec::new();
    let _ = json::array_elements(array, &mut |r| ranges.push(r));
    ranges.into_iter().filter_map(move |r| {
        let bytes = &array[r];
        (json::kind_of(bytes) == Some(json::Kind::Object)).then_some(Raw {
            kind: json::Kind::Object,
            bytes,
            escaped: false,
        })
    })
}

impl Processor for Splitter {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let found = match self.scan(line.bytes) {
            Ok(found) => found,
            Err(e) => return emit.reject_json(&e),
        };
        emit.found(self.watched.iter().enumerate().fold(0, |mask, (i, (role, _))| {
            if self.value(&found, *role).is_some() { mask | 1 << i } else { mask }
        }));
        // Checked before classifying, so that a rejected record counts in no
        // classifier reason and names no --phase-field phase. A null group is no group:
        // all such records would otherwise pool into one group, "null".
        let group = self.value(&found, Role::Group).filter(|raw| !raw.is_null());
        if self.roles.contains(&Role::Group) && group.is_none() {
            let name = &self.group_name;
            return emit.reject(
                &format!("missing {name}"),
                format!("missing or null {name}, the --group of the split"),
            );
        }
        let slot = match self.phase(&found, acc) {
            Ok(Some(slot)) => slot,
            Ok(None) => return emit.hold(),
            Err((category, message)) => return emit.reject(&category, message),
        };
        let group_text = group.map(|raw| raw.key_text());
        let key: &[u8] = group_text.as_deref().map_or(line.bytes, str::as_bytes);
        let splits = self.split_json.len().max(1);
        let proposal = if self.split_json.is_empty() {
            0
        } else {
            hash::bucket(self.seed, key, &self.weights)
        };
        let leak = if self.roles.contains(&Role::Leak) {
            match self.value(&found, Role::Leak) {
                Some(raw) => {
                    raw.key_text_into(&mut acc.texts.key);
                    Some(hash::hash128(0, acc.texts.key.as_bytes()))
                }
                None => {
                    acc.leak_missing += 1;
                    None
                }
            }
        } else {
            None
        };
        if self.stratified {
            let stratum = self
                .value(&found, Role::Stratum)
                .map_or(Cow::Borrowed(MISSING_STRATUM), |raw| raw.key_text());
            let stratum = match acc.strata_index.get(stratum.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = acc.strata.len() as u32;
                    acc.strata.push(stratum.to_string());
                    acc.strata_index.insert(stratum.into_owned(), id);
                    id
                }
            };
            acc.held.push(Held {
                index: line.index,
                start: line.start,
                end: line.start + line.bytes.len(),
                slot: slot as u16,
                proposal: proposal as u8,
                group: group_text.map(|g| hash::hash128(self.seed, g.as_bytes())),
                stratum,
                leak,
                tag_keys: found.tag_keys,
            });
            return emit.hold();
        }
        if let Some(key) = leak {
            acc.leaks.push((line.index, key, proposal as u8));
        }
        let dest = slot * splits + proposal;
        if acc.counts.len() <= dest {
            acc.counts.resize(dest + 1, 0);
        }
        acc.counts[dest] += 1;
        let dest = dest as u16;
        if !self.tag {
            return emit.pass_to(dest);
        }
        let phase = self.phase_json(acc, slot);
        let split = self.split_json.get(proposal).map(Vec::as_slice);
        let has_keys = found.tag_keys;
        emit.write_with(dest, |buf| tag_into(line.bytes, phase, split, has_keys, buf))
    }
}
