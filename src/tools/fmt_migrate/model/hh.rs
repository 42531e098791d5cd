//! The Anthropic HH-RLHF reader: a record `{"chosen": "…", "rejected": "…"}`
//! whose two sides are whole transcripts, `"\n\nHuman: …\n\nAssistant: …"`,
//! that share every turn but the last assistant turn.
//!
//! The format is the one the Anthropic/hh-rlhf dataset card describes (each
//! line a pair of texts, "chosen" and "rejected", with the conversation as
//! `Human:` and `Assistant:` turns; <https://huggingface.co/datasets/Anthropic/hh-rlhf>),
//! and the one TRL's `examples/datasets/hh-rlhf-helpful-base.py` converts:
//! the prompt is the common start of the two sides, cut at the last
//! `"\n\nAssistant: "`, and the rest of each side is its response; the
//! prompt is split into turns at `"\n\nHuman: "` and `"\n\nAssistant: "`.
//!
//! Unlike a plain split, a marker only ends a turn where a turn can end:
//! after a blank line (`\n\n` before it), with a space, line break or the
//! end of the text after its colon, and naming the other role than the turn
//! it ends (the dataset's turns alternate). So "Human:" inside a line, or a
//! human turn quoting "\n\nHuman: …", stays text of its turn. And instead of
//! a common start of characters, both sides are split into turns and their
//! prompts compared turn by turn: a pair whose sides do not share the prompt
//! is a bad record, not a pair with a cut-off prompt.

use std::borrow::Cow;

use super::readers::Record;
use super::types::{Bad, Model, Role, Turn, bad, quoted};

/// What the target needs of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HhAs {
    /// The shared prompt as turns, the two last assistant turns as the pair
    /// (preference-messages).
    Pair,
    /// The shared prompt as one transcript text ending in the
    /// `\n\nAssistant:` marker, the pair as their texts (preference).
    TranscriptPair,
    /// The chosen conversation (messages, sharegpt, alpaca, …).
    Chosen,
}

const HUMAN: &str = "\n\nHuman:";
const ASSISTANT: &str = "\n\nAssistant:";

/// Splits one side into its turns (role, text). The text must start with a
/// `Human:` turn (a leading blank line, as the dataset writes it, or none).
pub fn split_turns(text: &str) -> Result<Vec<(Role, &str)>, String> {
    let body = text.trim_start_matches(['\n', '\r', ' ']);
    let Some(rest) = body.strip_prefix("Human:") else {
        return Err("does not start with a `Human:` turn".into());
    };
    let mut turns = Vec::new();
    let mut role = Role::User;
    let mut rest = strip_space(rest);
    loop {
        let marker = if role == Role::User { ASSISTANT } else { HUMAN };
        match next_boundary(rest, marker) {
            Some(at) => {
                turns.push((role, &rest[..at]));
                rest = strip_space(&rest[at + marker.len()..]);
                role = if role == Role::User { Role::Assistant } else { Role::User };
            }
            None => {
                turns.push((role, rest));
                return Ok(turns);
            }
        }
    }
}

/// The first place in `text` where `marker` ends a turn: followed by a
/// space, a line break or the end of the text.
fn next_boundary(text: &str, marker: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(marker) {
        let at = from + found;
        let after = &text[at + marker.len()..];
        if after.is_empty() || after.starts_with([' ', '\n', '\r']) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The one space the dataset writes after a marker's colon.
fn strip_space(text: &str) -> &str {
    text.strip_prefix(' ').unwrap_or(text)
}

/// Reads an HH-RLHF pair into the model the target needs.
pub fn read_hh<'a>(rec: &mut Record<'a>, as_: HhAs) -> Result<Model<'a>, Bad> {
    let mut sides = Vec::with_capacity(2);
    for key in ["chosen", "rejected"] {
        let raw = rec.take_string(key)?;
        let text = raw.as_str().unwrap_or_default().into_owned();
        sides.push((key, text));
    }
    let mut split = Vec::with_capacity(2);
    for (key, text) in &sides {
        let turns = split_turns(text).map_err(|why| {
            bad(format!("{key} is not a Human/Assistant transcript"), format!("{key} {why}"))
        })?;
        if turns.last().is_none_or(|(role, _)| *role != Role::Assistant) || turns.len() < 2 {
            return Err(bad(
                "transcript ends without an Assistant turn",
                format!("{key} ends with a Human turn: there is no Assistant response to compare"),
            ));
        }
        split.push(turns);
    }
    let (chosen, rejected) = (&split[0], &split[1]);
    let (chosen_prompt, rejected_prompt) =
        (&chosen[..chosen.len() - 1], &rejected[..rejected.len() - 1]);
    if chosen_prompt != rejected_prompt {
        let at = chosen_prompt
            .iter()
            .zip(rejected_prompt)
            .position(|(a, b)| a != b)
            .unwrap_or(chosen_prompt.len().min(rejected_prompt.len()));
        return Err(bad(
            "chosen and rejected do not share the prompt",
            format!(
                "chosen and rejected do not share the prompt: {}; a pair compares two responses to one conversation",
                if chosen_prompt.len() == rejected_prompt.len() {
                    format!("they differ at turn {}", at + 1)
                } else {
                    format!(
                        "chosen has {} turns before its response, rejected {}",
                        chosen_prompt.len(),
                        rejected_prompt.len()
                    )
                }
            ),
        ));
    }
    let turn = |(role, text): &(Role, &str)| Turn::new(*role, Cow::Owned(quoted(text)));
    let last = |side: &Vec<(Role, &str)>| turn(&side[side.len() - 1]);
    let mut model = Model { extra: rec.rest(), ..Model::default() };
    match as_ {
        HhAs::Chosen => {
            model.turns = chosen.iter().map(turn).collect();
        }
        HhAs::Pair => {
            model.turns = chosen_prompt.iter().map(turn).collect();
            model.chosen = Some(vec![last(chosen)]);
            model.rejected = Some(vec![last(rejected)]);
        }
        HhAs::TranscriptPair => {
            let mut prompt = String::new();
            for (role, text) in chosen_prompt {
                prompt.push_str(if *role == Role::User { HUMAN } else { ASSISTANT });
                prompt.push(' ');
                prompt.push_str(text);
            }
            prompt.push_str(ASSISTANT);
            model.turns = vec![Turn::new(Role::User, Cow::Owned(quoted(&prompt)))];
            model.chosen = Some(vec![last(chosen)]);
            model.rejected = Some(vec![last(rejected)]);
        }
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_split_only_at_turn_boundaries() {
        let text = "\n\nHuman: Say \"Assistant: hi\" and\n\nHuman: this\n\nAssistant: Human: ok\n\nAssistant:x\n\nHuman: bye\n\nAssistant: done";
        let turns = split_turns(text).unwrap();
        assert_eq!(
            turns,
            vec![
                (Role::User, "Say \"Assistant: hi\" and\n\nHuman: this"),
                (Role::Assistant, "Human: ok\n\nAssistant:x"),
                (Role::User, "bye"),
                (Role::Assistant, "done"),
            ]
        );
        assert!(split_turns("Assistant: no").is_err());
        assert_eq!(split_turns("Human: only").unwrap(), vec![(Role::User, "only")]);
    }
}
