//! The OpenAssistant message-tree reader: one line of an oasst1/oasst2
//! `*.trees.jsonl` export becomes many records, one conversation per
//! root-to-leaf path or one preference pair per pair of ranked sibling
//! replies.
//!
//! The format is oasst-data's `ExportMessageTree` (`message_tree_id`,
//! `tree_state`, `prompt`, `origin`) whose `prompt` is an `ExportMessageNode`
//! (`message_id`, `parent_id`, `user_id`, `text`, `role` prompter or
//! assistant, `lang`, `review_count`, `review_result`, `deleted`, `rank`,
//! `synthetic`, `model_name`, `emojis`, `replies`, `labels`, `events`), as
//! LAION-AI/Open-Assistant `oasst-data/oasst_data/schemas.py` defines them;
//! the OpenAssistant/oasst1 and oasst2 dataset cards describe the trees: the
//! root is the initial prompt, roles strictly alternate from the prompt to a
//! leaf, and the replies of a message can carry a `rank`, the lower the
//! better (0 is the most preferred).
//!
//! Choices the format leaves open, documented in the man page:
//! - A message with `deleted: true` or `review_result: false` is left out
//!   with every reply under it (a reply without its parent has lost its
//!   context); the three are counted apart.
//! - A conversation ends at an assistant message: a path whose last
//!   messages are prompter messages nobody answered ends at the assistant
//!   message before them, and is written only when no longer conversation
//!   runs through that message (so no conversation is a prefix of another).
//! - Pairs come from the assistant replies of one prompter message that
//!   carry a rank; unranked replies among them are counted and never paired.
//! - Two replies of the same rank are no preference: a pair the rule would
//!   make of them is not written, and is counted (`tied_pairs`). So every
//!   pair a rule names is written, left out as multi-turn (--to
//!   preference), or counted as tied.

use std::borrow::Cow;

use crate::json::{self, Kind, Member};

use super::readers::{Record, member};
use super::types::{Bad, Field, Model, Role, Turn, bad, bad_same};

/// The fields that tie a record to its tree, kept even with --drop-extra.
pub const TREE_ID_FIELDS: [&str; 4] =
    ["message_tree_id", "message_ids", "chosen_id", "rejected_id"];

/// Which ranked sibling replies become pairs (`--pairs`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PairRule {
    /// The best-ranked reply against the worst-ranked: one pair per ranked group
    #[default]
    BestWorst,
    /// The best-ranked reply against each other ranked reply
    BestRest,
    /// Every two ranked replies, the better one chosen
    All,
}

/// What a tree reader left out, counted for the summary and --stats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeCounts {
    /// Records written from trees (conversations or pairs).
    pub records_out: u64,
    /// Messages marked `deleted: true`.
    pub deleted: u64,
    /// Messages marked `review_result: false`.
    pub failed_review: u64,
    /// Messages left out because one above them was.
    pub under_left_out: u64,
    /// Prompter messages no kept assistant message answers.
    pub unanswered: u64,
    /// Assistant replies without a rank among siblings (never paired).
    pub unranked: u64,
    /// Pairs under a prompt of several turns, which --to preference cannot hold.
    pub multi_turn_pairs: u64,
    /// Pairs the rule would make of two replies with the same rank: neither
    /// is preferred, so no pair is written.
    pub tied_pairs: u64,
}

impl TreeCounts {
    pub fn add(&mut self, other: &TreeCounts) {
        self.records_out += other.records_out;
        self.deleted += other.deleted;
        self.failed_review += other.failed_review;
        self.under_left_out += other.under_left_out;
        self.unanswered += other.unanswered;
        self.unranked += other.unranked;
        self.multi_turn_pairs += other.multi_turn_pairs;
        self.tied_pairs += other.tied_pairs;
    }
}

/// A ranked reply: its rank and its index in the tree.
type Ranked = (f64, usize);

/// One message of a tree.
struct Node<'a> {
    id: &'a [u8],
    role: Role,
    text: &'a [u8],
    lang: Option<&'a [u8]>,
    rank: Option<f64>,
    kept: bool,
    parent: Option<usize>,
    replies: Vec<usize>,
}

/// A message id (a JSON string literal) as a person reads it.
fn shown(id: &[u8]) -> String {
    crate::report::printable(&super::types::text_of(id).unwrap_or_default())
}

/// The keys a node is read by: one of them given twice is a bad record.
const NODE_KEYS: [&str; 7] =
    ["message_id", "role", "text", "replies", "deleted", "review_result", "rank"];

fn node<'a>(members: &[Member<'a>], what: &str) -> Result<(Node<'a>, Option<&'a [u8]>), Bad> {
    for key in NODE_KEYS {
        if members.iter().filter(|m| super::types::literal_is(m.key.bytes, key)).count() > 1 {
            return Err(bad(
                "repeated key",
                format!("{what} has the key `{key}` twice (other programs read the last one)"),
            ));
        }
    }
    let id = match member(members, "message_id") {
        Some(id) if id.kind == Kind::String => id.bytes,
        _ => {
            return Err(bad(
                "message has no message_id",
                format!("{what} has no message_id string"),
            ));
        }
    };
    let what = format!("message {}", shown(id));
    let role = match member(members, "role") {
        Some(r) if r.kind == Kind::String => {
            let name = r.as_str().unwrap_or_default();
            match Role::from_name(&name) {
                Some(role @ (Role::User | Role::Assistant)) => role,
                _ => {
                    return Err(bad(
                        "unknown role",
                        format!(
                            "{what} has an unknown role '{}' (expected prompter or assistant, or a name given to --role-map)",
                            crate::report::printable(&name)
                        ),
                    ));
                }
            }
        }
        _ => return Err(bad("message has no role", format!("{what} has no role string"))),
    };
    let text = match member(members, "text") {
        Some(t) if t.kind == Kind::String => t.bytes,
        _ => return Err(bad("message has no text", format!("{what} has no text string"))),
    };
    let flag = |key: &str| member(members, key).and_then(|v| v.as_bool());
    let kept = flag("deleted") != Some(true) && flag("review_result") != Some(false);
    let rank = member(members, "rank").and_then(|r| r.as_f64());
    let lang = member(members, "lang").filter(|l| l.kind == Kind::String).map(|l| l.bytes);
    let replies = match member(members, "replies") {
        None => None,
        Some(r) if r.kind == Kind::Null => None,
        Some(r) if r.kind == Kind::Array => Some(r.bytes),
        Some(r) => {
            return Err(bad(
                "replies is not an array",
                format!("{what}: replies is {}, not an array of messages", r.kind.article()),
            ));
        }
    };
    let node = Node { id, role, text, lang, rank, kept, parent: None, replies: Vec::new() };
    Ok((node, replies))
}

/// A tree: its messages, the root first, each after its parent.
pub struct Tree<'a> {
    nodes: Vec<Node<'a>>,
    pub counts: TreeCounts,
}

/// Reads the tree of a record (`prompt`, the root message), marking the
/// messages that are left out and checking that roles alternate.
pub fn read_tree<'a>(rec: &mut Record<'a>) -> Result<Tree<'a>, Bad> {
    let root = rec.take("prompt").ok_or_else(|| bad_same("missing prompt"))?;
    if root.kind != Kind::Object {
        return Err(bad(
            format!("prompt is {}", root.kind.article()),
            format!("prompt is {}, not the tree's root message", root.kind.article()),
        ));
    }
    let mut nodes: Vec<Node<'a>> = Vec::new();
    let mut counts = TreeCounts::default();
    // Breadth-first with an explicit queue: no recursion, whatever the depth.
    let mut queue: Vec<(&'a [u8], Option<usize>)> = vec![(root.bytes, None)];
    let mut next = 0;
    while next < queue.len() {
        let (bytes, parent) = queue[next];
        next += 1;
        let what = match parent {
            None => "the root message".to_string(),
            Some(p) => format!("a reply to message {}", shown(nodes[p].id)),
        };
        let members = json::members(bytes)
            .map_err(|_| bad("message is not an object", format!("{what} is not an object")))?;
        let (mut node, replies) = node(&members, &what)?;
        node.parent = parent;
        let index = nodes.len();
        match parent {
            None if node.role != Role::User => {
                return Err(bad_same("the root message is not a prompter message"));
            }
            Some(p) if nodes[p].role == node.role => {
                return Err(bad(
                    "roles do not alternate",
                    format!(
                        "message {} replies to a message of its own role ({}): roles alternate from the prompt to a leaf",
                        shown(node.id),
                        if node.role == Role::User { "prompter" } else { "assistant" }
                    ),
                ));
            }
            _ => {}
        }
        let parent_kept = parent.is_none_or(|p| nodes[p].kept);
        if !parent_kept {
            counts.under_left_out += 1;
            node.kept = false;
        } else if !node.kept {
            let deleted = member(&members, "deleted").and_then(|v| v.as_bool()) == Some(true);
            if deleted {
                counts.deleted += 1;
            } else {
                counts.failed_review += 1;
            }
        }
        if let Some(p) = parent {
            nodes[p].replies.push(index);
        }
        nodes.push(node);
        if let Some(list) = replies {
            let mut ranges = Vec::new();
            json::array_elements(list, &mut |r| ranges.push(r))
                .map_err(|_| bad_same("replies is not an array of messages"))?;
            for range in ranges {
                queue.push((&list[range], Some(index)));
            }
        }
    }
    Ok(Tree { nodes, counts })
}

impl<'a> Tree<'a> {
    fn kept_replies(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.nodes[i].replies.iter().copied().filter(|&r| self.nodes[r].kept)
    }

    /// The messages from the root down to `i`.
    fn path(&self, i: usize) -> Vec<usize> {
        let mut path = vec![i];
        let mut at = i;
        while let Some(p) = self.nodes[at].parent {
            path.push(p);
            at = p;
        }
        path.reverse();
        path
    }

    /// Messages in depth-first order (replies in the order they are listed).
    fn depth_first(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![0];
        while let Some(i) = stack.pop() {
            if !self.nodes[i].kept {
                continue;
            }
            order.push(i);
            stack.extend(self.nodes[i].replies.iter().rev().copied());
        }
        order
    }

    fn turns(&self, path: &[usize]) -> Vec<Turn<'a>> {
        path.iter()
            .map(|&i| Turn::new(self.nodes[i].role, Cow::Borrowed(self.nodes[i].text)))
            .collect()
    }

    /// The fields every record from this tree carries after the tree's own
    /// (`message_tree_id`, `tree_state`, ...): the ids of the path's messages
    /// and the root prompt's language.
    fn fields(&self, base: &[Field<'a>], path: &[usize]) -> Vec<Field<'a>> {
        let mut fields = base.to_vec();
        let mut ids = b"[".to_vec();
        for (n, &i) in path.iter().enumerate() {
            if n > 0 {
                ids.push(b',');
            }
            ids.extend_from_slice(self.nodes[i].id);
        }
        ids.push(b']');
        fields.push(Field { key: Cow::Borrowed(b"\"message_ids\""), value: Cow::Owned(ids) });
        if let Some(lang) = self.nodes[0].lang {
            fields.push(Field { key: Cow::Borrowed(b"\"lang\""), value: Cow::Borrowed(lang) });
        }
        fields
    }

    /// One conversation per root-to-leaf path, each ending at an assistant
    /// message through which no longer conversation runs.
    pub fn conversations(&mut self, base: &[Field<'a>]) -> Vec<Model<'a>> {
        let mut out = Vec::new();
        for i in self.depth_first() {
            let node = &self.nodes[i];
            if node.role == Role::User {
                if self.kept_replies(i).next().is_none() {
                    self.counts.unanswered += 1;
                }
                continue;
            }
            let continues = self.kept_replies(i).any(|p| self.kept_replies(p).next().is_some());
            if continues {
                continue;
            }
            let path = self.path(i);
            out.push(Model {
                turns: self.turns(&path),
                extra: self.fields(base, &path),
                ..Model::default()
            });
        }
        out
    }

    /// Preference pairs from the ranked assistant replies of each prompter
    /// message, by `rule`. With `one_turn`, only pairs under a prompt of one
    /// turn (the root) are made, the others counted.
    pub fn pairs(&mut self, base: &[Field<'a>], rule: PairRule, one_turn: bool) -> Vec<Model<'a>> {
        let mut out = Vec::new();
        for i in self.depth_first() {
            if self.nodes[i].role != Role::User {
                continue;
            }
            if self.kept_replies(i).next().is_none() {
                self.counts.unanswered += 1;
                continue;
            }
            let replies: Vec<usize> = self.kept_replies(i).collect();
            let mut ranked: Vec<Ranked> =
                replies.iter().filter_map(|&r| self.nodes[r].rank.map(|k| (k, r))).collect();
            if replies.len() > 1 {
                self.counts.unranked += (replies.len() - ranked.len()) as u64;
            }
            ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
            // The pairs the rule names, the better reply first (ranked is
            // sorted, so a is never worse than b).
            let mut named: Vec<(&Ranked, &Ranked)> = Vec::new();
            match rule {
                PairRule::BestWorst => {
                    if let (Some(first), Some(last)) = (ranked.first(), ranked.last())
                        && ranked.len() > 1
                    {
                        named.push((first, last));
                    }
                }
                PairRule::BestRest => {
                    if let Some(first) = ranked.first() {
                        named.extend(ranked[1..].iter().map(|other| (first, other)));
                    }
                }
                PairRule::All => {
                    for (n, a) in ranked.iter().enumerate() {
                        named.extend(ranked[n + 1..].iter().map(|b| (a, b)));
                    }
                }
            }
            let mut chosen_pairs = Vec::new();
            for (a, b) in named {
                if a.0 < b.0 {
                    chosen_pairs.push((a.1, b.1));
                } else {
                    self.counts.tied_pairs += 1;
                }
            }
            if chosen_pairs.is_empty() {
                continue;
            }
            let path = self.path(i);
            if one_turn && path.len() > 1 {
                self.counts.multi_turn_pairs += chosen_pairs.len() as u64;
                continue;
            }
            for (chosen, rejected) in chosen_pairs {
                let mut extra = self.fields(base, &path);
                for (key, id) in [(&b"\"chosen_id\""[..], chosen), (b"\"rejected_id\"", rejected)] {
                    extra.push(Field {
                        key: Cow::Borrowed(key),
                        value: Cow::Borrowed(self.nodes[id].id),
                    });
                }
                out.push(Model {
                    turns: self.turns(&path),
                    chosen: Some(self.turns(&[chosen])),
                    rejected: Some(self.turns(&[rejected])),
                    extra,
                    ..Model::default()
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = r#"{"message_tree_id":"t1","prompt":{"message_id":"p","role":"prompter","text":"Q","lang":"en","replies":[{"message_id":"a1","role":"assistant","text":"A1","rank":1,"replies":[{"message_id":"p2","role":"prompter","text":"more?","replies":[]}]},{"message_id":"a0","role":"assistant","text":"A0","rank":0,"replies":[{"message_id":"p3","role":"prompter","text":"Q2","replies":[{"message_id":"b","role":"assistant","text":"B"}]}]},{"message_id":"ax","role":"assistant","text":"gone","deleted":true,"replies":[{"message_id":"px","role":"prompter","text":"x"}]},{"message_id":"a2","role":"assistant","text":"A2","rank":2}]}}"#;

    #[test]
    fn paths_pairs_and_counts() {
        let mut rec = Record::new(TREE.as_bytes()).unwrap();
        let mut tree = read_tree(&mut rec).unwrap();
        let base = rec.rest();
        let conversations = tree.conversations(&base);
        let ends: Vec<String> = conversations
            .iter()
            .map(|m| {
                String::from_utf8_lossy(m.turns.last().unwrap().content.as_deref().unwrap())
                    .into_owned()
            })
            .collect();
        assert_eq!(ends, ["\"A1\"", "\"B\"", "\"A2\""]);
        assert_eq!(
            (tree.counts.deleted, tree.counts.under_left_out, tree.counts.unanswered),
            (1, 1, 1)
        );
        let pairs = tree.pairs(&base, PairRule::BestWorst, false);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].chosen.as_ref().unwrap()[0].content.as_deref(), Some(&b"\"A0\""[..]));
        assert_eq!(pairs[0].rejected.as_ref().unwrap()[0].content.as_deref(), Some(&b"\"A2\""[..]));
        assert_eq!(tree.pairs(&base, PairRule::All, false).len(), 3);
        assert_eq!(tree.pairs(&base, PairRule::BestRest, false).len(), 2);
        assert_eq!(tree.counts.tied_pairs, 0);
    }

    #[test]
    fn tied_ranks_make_no_pair_and_are_counted_by_rule() {
        let tied = r#"{"message_tree_id":"t","prompt":{"message_id":"p","role":"prompter","text":"Q","replies":[{"message_id":"a","role":"assistant","text":"A","rank":0},{"message_id":"b","role":"assistant","text":"B","rank":0},{"message_id":"c","role":"assistant","text":"C","rank":1}]}}"#;
        let count = |rule: PairRule| {
            let mut rec = Record::new(tied.as_bytes()).unwrap();
            let mut tree = read_tree(&mut rec).unwrap();
            let base = rec.rest();
            (tree.pairs(&base, rule, false).len(), tree.counts.tied_pairs)
        };
        // best-worst: a against c; best-rest: a-c (a-b tied); all: a-c, b-c (a-b tied).
        assert_eq!(count(PairRule::BestWorst), (1, 0));
        assert_eq!(count(PairRule::BestRest), (1, 1));
        assert_eq!(count(PairRule::All), (2, 1));
    }
}
