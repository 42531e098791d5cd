//! The shapes fmt-migrate knows: the record shapes a JSONL line can have,
//! the document formats it reads (and writes) around them, and per-record
//! detection by the fields a record holds.

use clap::ValueEnum;

use super::model::Record;
use super::text::TEACHER_FIELDS;

/// A format as named on the command line: a record shape or a document format.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Detect each record's shape from its fields (--from only)
    Auto,
    /// {concept, requirements_yaml, teacher_product_vision, teacher_product_owner_review, score, metadata}
    Teacher,
    /// {prompt, output}, output holding ```yaml VISION and ```yaml REVIEW blocks
    PromptOutput,
    /// {prompt, response}, response = the VISION and REVIEW blocks
    Supervised,
    /// {input, output}
    InputOutput,
    /// {instruction, input, output, system?, history?} (or chosen/rejected instead of output)
    Alpaca,
    /// {conversations: [{from, value}], system?, tools?} (or chosen/rejected turns)
    Sharegpt,
    /// {messages: [{role, content, …}], tools?}
    Messages,
    /// {prompt, completion}
    PromptCompletion,
    /// {prompt, chosen, rejected}, all strings
    Preference,
    /// {prompt, chosen, rejected}, each a list of messages
    PreferenceMessages,
    /// {question, answer} (synthetic-data-kit)
    Qa,
    /// {chosen, rejected}: Anthropic HH-RLHF transcripts ("\n\nHuman: …\n\nAssistant: …") (--from only)
    HhRlhf,
    /// {message_tree_id, prompt: {role, text, replies: […]}}: an OpenAssistant tree (--from only)
    OasstTree,
    /// A SQuAD v1.1/v2.0 JSON file: one input-output record per question (--from only)
    Squad,
    /// A Graph list response, a bare JSON array, or a file of such pages (--from only)
    GraphResponse,
    /// A JSON array of records
    JsonArray,
    /// CSV with a header row; nested fields as dotted headers
    Csv,
}

/// The shape of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    Teacher,
    PromptOutput,
    Supervised,
    InputOutput,
    Alpaca,
    Sharegpt,
    Messages,
    PromptCompletion,
    Preference,
    PreferenceMessages,
    Qa,
    /// An Anthropic HH-RLHF pair: two transcripts sharing their prompt.
    HhRlhf,
    /// An OpenAssistant message tree (one input record, many output records).
    OasstTree,
    /// One question of a SQuAD file, as the document reader hands it on.
    SquadQuestion,
}

impl Shape {
    /// Whether an OpenAssistant tree can become this shape: conversations
    /// (one per root-to-leaf path) or preference pairs.
    pub fn takes_trees(self) -> bool {
        matches!(
            self,
            Shape::Messages
                | Shape::Sharegpt
                | Shape::Alpaca
                | Shape::Preference
                | Shape::PreferenceMessages
        )
    }

    pub const ALL: [Shape; 13] = [
        Shape::Teacher,
        Shape::PromptOutput,
        Shape::Supervised,
        Shape::InputOutput,
        Shape::Alpaca,
        Shape::Sharegpt,
        Shape::Messages,
        Shape::PromptCompletion,
        Shape::Preference,
        Shape::PreferenceMessages,
        Shape::Qa,
        Shape::HhRlhf,
        Shape::OasstTree,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Teacher => "teacher",
            Shape::PromptOutput => "prompt-output",
            Shape::Supervised => "supervised",
            Shape::InputOutput => "input-output",
            Shape::Alpaca => "alpaca",
            Shape::Sharegpt => "sharegpt",
            Shape::Messages => "messages",
            Shape::PromptCompletion => "prompt-completion",
            Shape::Preference => "preference",
            Shape::PreferenceMessages => "preference-messages",
            Shape::Qa => "qa",
            Shape::HhRlhf => "hh-rlhf",
            Shape::OasstTree => "oasst-tree",
            Shape::SquadQuestion => "squad",
        }
    }

    /// The prompt and response fields of the shapes that are one pair of strings.
    pub fn pair_keys(self) -> Option<(&'static str, &'static str)> {
        match self {
            Shape::PromptOutput => Some(("prompt", "output")),
            Shape::Supervised => Some(("prompt", "response")),
            Shape::InputOutput => Some(("input", "output")),
            Shape::PromptCompletion => Some(("prompt", "completion")),
            Shape::Qa => Some(("question", "answer")),
            Shape::Preference => Some(("prompt", "")),
            _ => None,
        }
    }

    /// How messages name the place the prompt / the response came from.
    pub fn prompt_place(self) -> &'static str {
        match self {
            Shape::Alpaca => "instruction",
            Shape::SquadQuestion => "question",
            Shape::Teacher => "the prompt template",
            _ => match self.pair_keys() {
                Some((prompt, _)) => prompt,
                None => "the last user turn",
            },
        }
    }

    pub fn response_place(self) -> &'static str {
        match self {
            Shape::Alpaca => "output",
            Shape::Teacher => "the response template",
            _ => match self.pair_keys() {
                Some((_, response)) if !response.is_empty() => response,
                _ => "the last assistant turn",
            },
        }
    }

    /// Shapes that only hold preference pairs.
    pub fn preference_only(self) -> bool {
        matches!(self, Shape::Preference | Shape::PreferenceMessages)
    }

    /// Shapes fmt-migrate reads but never writes.
    pub fn input_only(self) -> bool {
        matches!(self, Shape::HhRlhf | Shape::OasstTree | Shape::SquadQuestion)
    }

    /// The fields a record of this shape must have (detection's rule; a
    /// record missing some of them is "near" the shape with the fewest missing).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Shape::Teacher => &TEACHER_FIELDS,
            Shape::PromptOutput => &["prompt", "output"],
            Shape::Supervised => &["prompt", "response"],
            Shape::InputOutput => &["input", "output"],
            Shape::Alpaca => &["instruction", "output"],
            Shape::Sharegpt => &["conversations"],
            Shape::Messages => &["messages"],
            Shape::PromptCompletion => &["prompt", "completion"],
            Shape::Preference | Shape::PreferenceMessages => &["prompt", "chosen", "rejected"],
            Shape::Qa => &["question", "answer"],
            Shape::HhRlhf => &["chosen", "rejected"],
            Shape::OasstTree => &["message_tree_id", "prompt"],
            Shape::SquadQuestion => &["question", "context"],
        }
    }

    /// Shapes whose contents are strings (messages may hold content parts).
    pub fn strings_only(self) -> bool {
        !matches!(self, Shape::Messages | Shape::PreferenceMessages)
    }
}

impl Format {
    /// The record shape this format names, if it is one.
    pub fn shape(self) -> Option<Shape> {
        Some(match self {
            Format::Teacher => Shape::Teacher,
            Format::PromptOutput => Shape::PromptOutput,
            Format::Supervised => Shape::Supervised,
            Format::InputOutput => Shape::InputOutput,
            Format::Alpaca => Shape::Alpaca,
            Format::Sharegpt => Shape::Sharegpt,
            Format::Messages => Shape::Messages,
            Format::PromptCompletion => Shape::PromptCompletion,
            Format::Preference => Shape::Preference,
            Format::PreferenceMessages => Shape::PreferenceMessages,
            Format::Qa => Shape::Qa,
            Format::HhRlhf => Shape::HhRlhf,
            Format::OasstTree => Shape::OasstTree,
            Format::Auto
            | Format::Squad
            | Format::GraphResponse
            | Format::JsonArray
            | Format::Csv => {
                return None;
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Squad => "squad",
            Format::GraphResponse => "graph-response",
            Format::JsonArray => "json-array",
            Format::Csv => "csv",
            other => other.shape().map_or("", Shape::name),
        }
    }
}

/// What detection saw: a shape, and whether the record is a preference pair
/// in a shape that holds both kinds (alpaca, sharegpt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub shape: Shape,
    pub preference: bool,
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.shape.name())?;
        if self.preference && matches!(self.shape, Shape::Alpaca | Shape::Sharegpt) {
            f.write_str(" (preference)")?;
        }
        Ok(())
    }
}

/// The shape of a record from the fields it has: the first rule that
/// matches wins (the rules are listed in the man page, DETECTION).
pub fn detect(rec: &Record<'_>) -> Option<Label> {
    // One pass over the keys: a bit per key the rules look at.
    const KEYS: [&str; 16] = [
        "messages",
        "conversations",
        "chosen",
        "rejected",
        "instruction",
        "output",
        "prompt",
        "requirements_yaml",
        "teacher_product_vision",
        "teacher_product_owner_review",
        "response",
        "completion",
        "input",
        "question",
        "answer",
        "message_tree_id",
    ];
    let mut seen = 0u32;
    for m in &rec.members {
        if let Some(at) = KEYS.iter().position(|k| super::model::literal_is(m.key.bytes, k)) {
            seen |= 1 << at;
        }
    }
    let has =
        |key: &str| KEYS.iter().position(|k| *k == key).is_some_and(|at| seen & (1 << at) != 0);
    let preference = has("chosen") && has("rejected");
    let shape = if has("messages") {
        Shape::Messages
    } else if has("conversations") {
        Shape::Sharegpt
    } else if has("message_tree_id")
        && rec.get("prompt").is_some_and(|p| p.kind == crate::json::Kind::Object)
    {
        Shape::OasstTree
    } else if preference && !has("prompt") && !has("instruction") && hh_transcript(rec) {
        Shape::HhRlhf
    } else if preference && rec.get("chosen").is_some_and(|c| c.kind == crate::json::Kind::Array) {
        Shape::PreferenceMessages
    } else if has("instruction") && (has("output") || preference) {
        Shape::Alpaca
    } else if preference && has("prompt") {
        Shape::Preference
    } else if has("requirements_yaml")
        || has("teacher_product_vision")
        || has("teacher_product_owner_review")
    {
        Shape::Teacher
    } else if has("prompt") && has("output") {
        Shape::PromptOutput
    } else if has("prompt") && has("response") {
        Shape::Supervised
    } else if has("prompt") && has("completion") {
        Shape::PromptCompletion
    } else if has("input") && has("output") {
        Shape::InputOutput
    } else if has("question") && has("answer") {
        Shape::Qa
    } else {
        return None;
    };
    let preference =
        preference && matches!(shape, Shape::Alpaca | Shape::Sharegpt) || shape.preference_only();
    Some(Label { shape, preference })
}

/// Whether a record's chosen text is an HH-RLHF transcript: it starts with a
/// `Human:` turn marker (after the blank line the dataset puts first).
pub fn hh_transcript(rec: &Record<'_>) -> bool {
    let Some(chosen) = rec.get("chosen").filter(|c| c.kind == crate::json::Kind::String) else {
        return false;
    };
    chosen.as_str().is_some_and(|text| text.trim_start().starts_with("Human:"))
}

/// The shapes a record that matches none comes nearest to, each with the
/// required fields it lacks. The rule (the man page's DETECTION says it too):
/// the shape whose required fields the record holds the most of; among
/// those, the one missing the fewest; shapes still equal are all named, in
/// detection order. A shape is ruled out when a field it shares has a kind
/// the shape cannot read: oasst-tree needs prompt to be an object, the
/// kind of chosen (or rejected) tells preference (strings) from
/// preference-messages (lists), and hh-rlhf holds neither prompt nor
/// instruction. So `{prompt, rejected}` is nearest to preference (two of
/// its three fields, lacking chosen), not to oasst-tree (one of two), and
/// `{prompt, answer}` is as near to prompt-output, supervised,
/// prompt-completion and qa (one field held, one lacking each).
pub fn nearest(rec: &Record<'_>) -> Vec<(Shape, Vec<&'static str>)> {
    let kind = |key: &str| rec.get(key).map(|v| v.kind);
    let pair_kind = kind("chosen").or_else(|| kind("rejected"));
    let lists = pair_kind == Some(crate::json::Kind::Array);
    let fits = |shape: Shape| match shape {
        Shape::OasstTree => kind("prompt").is_none_or(|k| k == crate::json::Kind::Object),
        Shape::PreferenceMessages => lists,
        Shape::Preference => !lists,
        Shape::HhRlhf => !lists && !rec.has("prompt") && !rec.has("instruction"),
        _ => true,
    };
    let mut best: Vec<(Shape, Vec<&'static str>)> = Vec::new();
    let mut best_rank = (0, 0);
    for shape in DETECTION_ORDER {
        if !fits(shape) {
            continue;
        }
        let required = shape.required();
        let missing: Vec<&'static str> =
            required.iter().copied().filter(|key| !rec.has(key)).collect();
        let shared = required.len() - missing.len();
        if missing.is_empty() || shared == 0 {
            continue;
        }
        // More fields shared first, then fewer lacking.
        let rank = (shared, usize::MAX - missing.len());
        if rank > best_rank {
            best_rank = rank;
            best.clear();
        }
        if rank == best_rank {
            best.push((shape, missing));
        }
    }
    best
}

/// The shapes in the order the detection rules try them.
const DETECTION_ORDER: [Shape; 13] = [
    Shape::Messages,
    Shape::Sharegpt,
    Shape::OasstTree,
    Shape::HhRlhf,
    Shape::PreferenceMessages,
    Shape::Alpaca,
    Shape::Preference,
    Shape::Teacher,
    Shape::PromptOutput,
    Shape::Supervised,
    Shape::PromptCompletion,
    Shape::InputOutput,
    Shape::Qa,
];

/// Why a record matches no shape: its fields, and the nearest shape with
/// the fields it lacks (shown to a person: escaped).
pub fn no_shape_message(rec: &Record<'_>) -> String {
    let mut message = format!("matches no shape ({})", key_list(rec));
    let nearest = nearest(rec);
    let lacks = |(shape, missing): &(Shape, Vec<&'static str>)| {
        let field = if missing.len() == 1 { "field" } else { "fields" };
        format!("{}, which lacks the {field} {}", shape.name(), missing.join(", "))
    };
    match nearest.as_slice() {
        [] => {}
        [one] => message.push_str(&format!(
            "; nearest: {} (build {} with --template or --extract, or rename with a tool such as jq)",
            lacks(one),
            if one.1.len() == 1 { "it" } else { "them" }
        )),
        [first, rest @ ..] => {
            let rest: Vec<String> = rest.iter().map(lacks).collect();
            message.push_str(&format!(
                "; nearest: {}; as near: {} (build what the one you mean lacks with --template or --extract, or rename with a tool such as jq)",
                lacks(first),
                rest.join("; ")
            ));
        }
    }
    message
}

/// "keys: a, b, c" for a record that matches no shape.
pub fn key_list(rec: &Record<'_>) -> String {
    let keys: Vec<String> =
        rec.members.iter().take(8).map(|m| crate::report::printable(&m.key())).collect();
    let more = if rec.members.len() > 8 { ", …" } else { "" };
    if keys.is_empty() { "no fields".into() } else { format!("fields: {}{more}", keys.join(", ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest_names(line: &str) -> Vec<(&'static str, Vec<&'static str>)> {
        let rec = Record::new(line.as_bytes()).unwrap();
        nearest(&rec).into_iter().map(|(shape, missing)| (shape.name(), missing)).collect()
    }

    #[test]
    fn nearest_shares_the_most_fields_then_lacks_the_fewest_and_names_ties() {
        assert_eq!(
            nearest_names(r#"{"prompt":"p","rejected":"r"}"#),
            [("preference", vec!["chosen"])]
        );
        assert_eq!(
            nearest_names(r#"{"prompt":"p","answer":"a"}"#),
            [
                ("prompt-output", vec!["output"]),
                ("supervised", vec!["response"]),
                ("prompt-completion", vec!["completion"]),
                ("qa", vec!["question"]),
            ]
        );
        // An object prompt is oasst-tree's kind: it is near again.
        assert_eq!(
            nearest_names(r#"{"prompt":{"role":"prompter"}}"#)[0],
            ("oasst-tree", vec!["message_tree_id"])
        );
        // One field held of teacher's four or of prompt-output's two: fewer lacking wins.
        assert_eq!(
            nearest_names(r#"{"concept":"c","prompt":"p","x":1}"#)[0],
            ("prompt-output", vec!["output"])
        );
        assert!(nearest_names(r#"{"z":1}"#).is_empty());
    }
}
