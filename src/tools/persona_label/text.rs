//! How persona text meets event text: word normalization with plural folding,
//! keyword phrases, and the reading of descriptive rule strings ("Deal reviews
//! with leadership (30 min: …)") into a name, minutes and content words.
//!
//! Everything here is written down in the man page (DOC.sections in mod.rs);
//! a change to a rule must change both.

use std::sync::LazyLock;

use regex::Regex;

/// Function words and non-discriminating qualifiers dropped from the head
/// phrase of a descriptive rule (compared after folding).
pub const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "nor",
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "from",
    "into",
    "onto",
    "about",
    "over",
    "under",
    "via",
    "per",
    "as",
    "is",
    "are",
    "be",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "my",
    "our",
    "your",
    "their",
    "his",
    "her",
    "i",
    "me",
    "we",
    "you",
    "they",
    "them",
    "us",
    "any",
    "anything",
    "some",
    "all",
    "every",
    "each",
    "other",
    "another",
    "etc",
    "vs",
    "versus",
    "if",
    "than",
    "then",
    "so",
    "such",
    "also",
    "just",
    "only",
    "very",
    "more",
    "most",
    "new",
    "optional",
    "general",
    "routine",
    "regular",
    "various",
    "relevant",
    "important",
    "quick",
    "key",
    "major",
    "large",
    "small",
    "big",
];

/// Generic nouns dropped from the head phrase of a descriptive rule.
pub const GENERIC_NOUNS: &[&str] =
    &["meeting", "session", "call", "event", "invite", "invitation", "appointment"];

/// Words that end the head phrase of a descriptive rule's name.
pub const HEAD_CUTS: &[&str] = &[" with ", " for ", " during ", " unless "];

/// CJK ideographs and kana: each one is a word of its own, since those
/// scripts do not separate words with spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Folds the word that starts at byte `start` of `out` (the end of `out`):
/// "reviews" → "review", "policies" → "policy", "processes" → "process",
/// "analyses" → "analysis", "quizzes" → "quiz", "1on1s" → "1on1". Words of fewer than four
/// characters are kept, except a digit followed by "s" ("1:1s" → "1 1") and a
/// three-letter word right after a hyphen ("check-ins" → "check in").
fn fold_tail(out: &mut String, start: usize, after_hyphen: bool) {
    let word = &out.as_bytes()[start..];
    let n = word.len();
    if n < 2 || word[n - 1] != b's' {
        return;
    }
    if word[n - 2].is_ascii_digit() {
        out.truncate(out.len() - 1);
        return;
    }
    let chars = out[start..].chars().count();
    if chars < 3 || (chars == 3 && !after_hyphen) {
        return;
    }
    let word = &out.as_bytes()[start..];
    if chars >= 5 && word.ends_with(b"ies") {
        out.truncate(out.len() - 3);
        out.push('y');
    } else if word.ends_with(b"yses") {
        out.truncate(out.len() - 2);
        out.push_str("is");
    } else if word.ends_with(b"sses")
        || word.ends_with(b"shes")
        || word.ends_with(b"ches")
        || word.ends_with(b"xes")
    {
        out.truncate(out.len() - 2);
    } else if word.ends_with(b"zzes") {
        out.truncate(out.len() - 3);
    } else if !(word.ends_with(b"ss") || word.ends_with(b"us") || word.ends_with(b"is")) {
        out.truncate(out.len() - 1);
    }
}

/// Appends `text` to `out` as normalized words: lower-case, plural-folded,
/// each followed by one space (`out` must end with a space or be empty, in
/// which case a space is written first). Letters and digits make words;
/// everything else separates them.
pub fn normalize_into(text: &str, out: &mut String) {
    if !out.ends_with(' ') {
        out.push(' ');
    }
    let mut start = out.len();
    let mut in_word = false;
    // Whether the current word follows a hyphen, and the last separator seen.
    let mut after_hyphen = false;
    let mut last_separator = ' ';
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let c = if b < 0x80 {
            i += 1;
            b as char
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            c
        };
        if c.is_alphanumeric() && !is_cjk(c) {
            if !in_word {
                after_hyphen = last_separator == '-';
                in_word = true;
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
            continue;
        }
        if in_word {
            fold_tail(out, start, after_hyphen);
            out.push(' ');
            start = out.len();
            in_word = false;
        }
        if is_cjk(c) {
            out.push(c);
            out.push(' ');
            start = out.len();
            last_separator = ' ';
        } else {
            last_separator = c;
        }
    }
    if in_word {
        fold_tail(out, start, after_hyphen);
        out.push(' ');
    }
}

/// A keyword as normalized words separated by single spaces ("Deal Reviews"
/// → "deal review"); empty when it has no letter or digit.
pub fn phrase(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    normalize_into(text, &mut out);
    out.trim().to_string()
}

/// Whether `text` is written as a regex: `/…/` with something inside.
pub fn as_regex(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('/')?.strip_suffix('/')?;
    Some(inner)
}

/// A descriptive rule string, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptive {
    /// The text before the first "(", trimmed.
    pub name: String,
    /// Minutes stated inside the parentheses, if any.
    pub minutes: Option<u32>,
    /// The head phrase's content words: each group lists alternatives
    /// ("customer/client"), every group must occur in the event.
    pub groups: Vec<Vec<String>>,
}

// A constant pattern: an error is a bug found by the first test that runs.
#[allow(clippy::expect_used)]
static MINUTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(\d+(?:\.\d+)?)(?:\s*(?:-|–|—|to)\s*(\d+(?:\.\d+)?))?\s*(\+)?\s*(minutes|minute|mins|min|hours|hour|hrs|hr|h)\b",
    )
    .expect("the minutes pattern is a valid regex")
});

/// Minutes stated in the text of a rule's parentheses: "30 min" → 30,
/// "30-60 min" → 45 (the midpoint, rounded down), "60+ min" → 60,
/// "1-2 hours" → 90, "0.5 hours" → 30; a huge number saturates.
pub fn parse_minutes(text: &str) -> Option<u32> {
    let caps = MINUTES.captures(text)?;
    let number = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<f64>().ok());
    let low = number(1)?;
    let high = number(2).unwrap_or(low);
    let unit = caps.get(4).map_or("", |m| m.as_str()).to_ascii_lowercase();
    let scale = if unit.starts_with('h') { 60.0 } else { 1.0 };
    // `as` saturates (and the numbers are finite, non-negative decimals).
    Some(((low + high) / 2.0 * scale).floor() as u32)
}

#[allow(clippy::expect_used)] // a constant pattern, as MINUTES
static SLASH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*/\s*").expect("the slash pattern is a valid regex"));

/// Reads a descriptive rule string.
pub fn parse_descriptive(text: &str) -> Descriptive {
    let (name, inside) = match text.find('(') {
        Some(at) => {
            let rest = &text[at + 1..];
            (&text[..at], Some(rest.find(')').map_or(rest, |end| &rest[..end])))
        }
        None => (text, None),
    };
    let name = name.trim();
    let minutes = inside.and_then(parse_minutes);
    // ASCII lower-casing keeps byte offsets, so the cut applies to `name`.
    let lower = name.to_ascii_lowercase();
    let cut = HEAD_CUTS.iter().filter_map(|w| lower.find(w)).min().unwrap_or(name.len());
    let head = &name[..cut];
    // "customer / client" is written "customer/client" too: one word with
    // alternatives, not two words that must both occur.
    let head = SLASH.replace_all(head, "/");
    let mut groups = Vec::new();
    for token in head.split_whitespace() {
        let mut alternatives: Vec<String> = Vec::new();
        for alternative in token.split('/') {
            let p = phrase(alternative);
            if p.is_empty() || is_dropped(&p) || alternatives.contains(&p) {
                continue;
            }
            alternatives.push(p);
        }
        if !alternatives.is_empty() {
            groups.push(alternatives);
        }
    }
    Descriptive { name: name.to_string(), minutes, groups }
}

/// Whether a normalized word is a stop word or a generic noun.
pub fn is_dropped(word: &str) -> bool {
    let matches = |list: &[&str]| list.iter().any(|w| phrase(w) == word);
    matches(STOP_WORDS) || matches(GENERIC_NOUNS)
}

pub use crate::fields::nearest;

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        let mut out = String::new();
        normalize_into(text, &mut out);
        out
    }

    #[test]
    fn normalizes_words_and_folds_plurals() {
        assert_eq!(norm("Q4 Deal-Reviews: APAC"), " q4 deal review apac ");
        assert_eq!(norm("policies, processes & 1on1s"), " policy process 1on1 ");
        assert_eq!(norm("Weekly 1:1s / status"), " weekly 1 1 status ");
        assert_eq!(
            norm("analysis analyses business bus ops sales"),
            " analysis analysis business bus ops sale "
        );
        assert_eq!(norm("check-ins stand-ups ATS quizzes"), " check in stand up ats quiz ");
        assert_eq!(norm("Zoë's café"), " zoë s café ");
        assert_eq!(norm("季度会议 review"), " 季 度 会 议 review ");
        assert_eq!(norm(""), " ");
        assert_eq!(phrase("All-Hands"), "all hand");
        assert_eq!(phrase("$$"), "");
    }

    #[test]
    fn reads_descriptive_rules() {
        let d = parse_descriptive(
            "Deal reviews with leadership (30 min: pipeline data, forecast accuracy)",
        );
        assert_eq!(d.name, "Deal reviews with leadership");
        assert_eq!(d.minutes, Some(30));
        assert_eq!(d.groups, vec![vec!["deal".to_string()], vec!["review".to_string()]]);
        let d = parse_descriptive("Customer/client meetings (revenue at stake)");
        assert_eq!(d.name, "Customer/client meetings");
        assert_eq!(d.minutes, None);
        assert_eq!(d.groups, vec![vec!["customer".to_string(), "client".to_string()]]);
        let d = parse_descriptive("Large all-hands (can watch recording)");
        assert_eq!(d.groups, vec![vec!["all hand".to_string()]]);
        let d = parse_descriptive("Team meetings (unless customer conflict)");
        assert_eq!(d.groups, vec![vec!["team".to_string()]]);
        let d = parse_descriptive("Training sessions during onboarding unless urgent");
        assert_eq!(d.groups, vec![vec!["training".to_string()]]);
        assert!(parse_descriptive("Meetings (whatever)").groups.is_empty());
        // r_spaced_slash_offers_alternatives: "Customer / client" required both words.
        let d = parse_descriptive("Customer / client meetings (revenue)");
        assert_eq!(d.groups, vec![vec!["customer".to_string(), "client".to_string()]]);
        assert_eq!(d.name, "Customer / client meetings");
    }

    #[test]
    fn reads_minutes() {
        assert_eq!(parse_minutes("30 min: x"), Some(30));
        assert_eq!(parse_minutes("30-60 min: x"), Some(45));
        assert_eq!(parse_minutes("45-90 min"), Some(67));
        assert_eq!(parse_minutes("60+ min: legal review"), Some(60));
        assert_eq!(parse_minutes("20–30 minutes"), Some(25));
        assert_eq!(parse_minutes("1-2 hours"), Some(90));
        // r_minutes_read_decimals_and_saturate: "0.5 hours" was read as "5 hours".
        assert_eq!(parse_minutes("0.5 hours"), Some(30));
        assert_eq!(parse_minutes("1.5 h"), Some(90));
        assert_eq!(parse_minutes("1000000000000000000 hours"), Some(u32::MAX));
        assert_eq!(parse_minutes("99999999999999999999999 min"), Some(u32::MAX));
        assert_eq!(parse_minutes("review Q4 numbers"), None);
    }

    #[test]
    fn suggests_near_keys() {
        let keys = ["always_accept", "conditional", "decline_by_default", "always_decline"];
        assert_eq!(nearest("always_acept", keys), Some("always_accept"));
        assert_eq!(nearest("Conditonal", keys), Some("conditional"));
        assert_eq!(nearest("zzz", keys), None);
    }
}
