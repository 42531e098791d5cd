//! Which phase a record belongs to: the built-in extractive / conversational /
//! refusal classifier of seed 003, a field's value (`--phase-field`), or ordered
//! `--phase NAME=PATH~REGEX` rules.
//!
//! The built-in rules, in order: a record flagged unanswerable
//! (`is_impossible: true`, `answerable: false`) or whose answer matches a
//! refusal pattern is a refusal; an answer of at most `--max-extractive-words`
//! words found verbatim in the context, after case and whitespace
//! normalization, is extractive; any other answer is conversational.

use regex::Regex;

use crate::json::{Kind, Raw};

/// The built-in phases, in their default order.
pub const BUILTIN: [&str; 3] = ["extractive", "conversational", "refusal"];
pub const EXTRACTIVE: usize = 0;
pub const CONVERSATIONAL: usize = 1;
pub const REFUSAL: usize = 2;

/// The built-in refusal patterns: matched case-insensitively, anywhere in
/// the answer, after runs of whitespace become one space and typographic
/// apostrophes become `'`. Documented in the man page, one per line.
pub const DEFAULT_REFUSALS: &[&str] = &[
    r"\bnot (?:found|mentioned|stated|given|specified|provided|included|present|available|covered|addressed) in (?:the )?(?:provided |given |above |supplied )?(?:context|text|passage|document|information|source)",
    r"\bi (?:couldn'?t|could not|can'?t|cannot|can not|was unable to|am unable to|wasn'?t able to|was not able to|am not able to) (?:find|locate|determine|identify)\b",
    r"\bi'm (?:unable|not able) to (?:find|locate|determine|identify)\b",
    r"\bi (?:don'?t|do not) have (?:enough |sufficient |any |the |that )?(?:information|data|details|context|knowledge)\b",
    r"\bthe (?:provided |given |above )?(?:context|text|passage|document|information) (?:doesn'?t|does not|didn'?t|did not) (?:mention|say|contain|include|specify|state|provide|give|cover|address|discuss|describe|indicate)\b",
    r"\bthere (?:is|'s|are) no (?:information|mention|details?|data|answer|reference)s? (?:about|on|of|for|regarding|in|to)\b",
    r"\b(?:cannot|can'?t|can not|could not|couldn'?t) be (?:answered|determined|found|inferred)\b",
    r"\bnot enough (?:information|context)\b",
    r"^(?:unanswerable|not answerable|no answer|n/?a)\W*$",
];

/// Why the built-in classifier chose a phase (counted in `--stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    FlaggedUnanswerable,
    RefusalPattern,
    FoundInContext,
    LongAnswer,
    NotInContext,
    NoContext,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::FlaggedUnanswerable,
        Reason::RefusalPattern,
        Reason::FoundInContext,
        Reason::LongAnswer,
        Reason::NotInContext,
        Reason::NoContext,
    ];

    pub fn phase(self) -> usize {
        match self {
            Reason::FlaggedUnanswerable | Reason::RefusalPattern => REFUSAL,
            Reason::FoundInContext => EXTRACTIVE,
            Reason::LongAnswer | Reason::NotInContext | Reason::NoContext => CONVERSATIONAL,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::FlaggedUnanswerable => "flagged unanswerable",
            Reason::RefusalPattern => "refusal pattern",
            Reason::FoundInContext => "short answer found in context",
            Reason::LongAnswer => "answer too long to be extractive",
            Reason::NotInContext => "answer not found in context",
            Reason::NoContext => "no context",
        }
    }
}

/// The built-in classifier's settings.
pub struct Builtin {
    pub max_words: usize,
    pub refusals: Refusals,
}

/// A bad record found while classifying: (summary category, message).
pub type Bad = (String, String);

/// Checks that a value at an answer path can be an answer: a string or a
/// number (null counts as no answer); anything else is a bad record.
pub fn check_answer(raw: Raw<'_>, name: &str) -> Result<bool, Bad> {
    match raw.kind {
        Kind::String | Kind::Number => Ok(true),
        Kind::Null => Ok(false),
        kind => Err((
            format!("answer is {}", kind.article()),
            format!("the answer ({name}) is {}, not text", kind.article()),
        )),
    }
}

/// Buffers reused across the records of a chunk.
#[derive(Default)]
pub struct Scratch {
    answer: String,
    context: String,
}

impl Builtin {
    /// Classifies a record from its answer (present, non-empty), its context
    /// (when it has one) and whether it is flagged unanswerable.
    pub fn classify(
        &self,
        answer: &str,
        context: Option<&str>,
        flagged: bool,
        scratch: &mut Scratch,
    ) -> Reason {
        if flagged {
            return Reason::FlaggedUnanswerable;
        }
        let plain = plain_words(answer);
        if !self.refusals.is_empty() {
            let refusals = &self.refusals;
            // A plain answer is already what refusal_text would make of it.
            let text = if plain.is_some() {
                answer
            } else {
                refusal_text(answer, &mut scratch.answer);
                &scratch.answer
            };
            if refusals.is_match(text) {
                return Reason::RefusalPattern;
            }
        }
        let long = match plain {
            Some(words) => words > self.max_words,
            None => answer.split_whitespace().nth(self.max_words).is_some(),
        };
        if long {
            return Reason::LongAnswer;
        }
        let Some(context) = context else {
            return Reason::NoContext;
        };
        if found_normalized(answer, context, scratch) {
            Reason::FoundInContext
        } else {
            Reason::NotInContext
        }
    }
}

/// The word count of a "plain" text: printable ASCII without a backtick,
/// words separated by single spaces, none at either end. Such a text is its
/// own [`refusal_text`], and its words are its spaces plus one. `None` for
/// any other text.
fn plain_words(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return None;
    }
    let mut spaces = 0;
    let mut after_space = false;
    for &b in bytes {
        if !(0x20..0x7F).contains(&b) || b == b'`' || (b == b' ' && after_space) {
            return None;
        }
        after_space = b == b' ';
        spaces += after_space as usize;
    }
    Some(spaces + 1)
}

/// Whether `normalize(answer)` occurs in `normalize(context)`, mostly
/// without normalizing the context: when the normalized answer starts with
/// an ASCII character, only the context positions holding that character (in
/// either case) can start a match, and each is compared by normalizing as it
/// walks. Otherwise an exact occurrence of the trimmed answer settles it, or
/// both are normalized in full. Two characters lowercase to text with ASCII
/// in it (U+0130 and U+212A); a context holding either takes the full path.
pub fn found_normalized(answer: &str, context: &str, scratch: &mut Scratch) -> bool {
    normalize(answer, &mut scratch.answer);
    let needle = scratch.answer.as_bytes();
    let Some(&first) = needle.first() else {
        return false;
    };
    if !first.is_ascii() || has_ascii_lowercasing(context.as_bytes()) {
        if memchr::memmem::find(context.as_bytes(), answer.trim().as_bytes()).is_some() {
            return true;
        }
        normalize(context, &mut scratch.context);
        return memchr::memmem::find(scratch.context.as_bytes(), needle).is_some();
    }
    let bytes = context.as_bytes();
    let upper = first.to_ascii_uppercase();
    // When the answer's second character is ASCII and not a space, the
    // context byte after a candidate must be that character in either case
    // (only U+0130 and U+212A, ruled out above, lowercase into ASCII).
    let second = needle.get(1).copied().filter(|&b| b.is_ascii() && b != b' ');
    // Positions of an ASCII byte are character boundaries.
    let check = |at: usize| {
        if let Some(second) = second
            && bytes.get(at + 1).map(u8::to_ascii_lowercase) != Some(second)
        {
            return false;
        }
        matches_at(&context[at..], needle)
    };
    if upper == first {
        memchr::memchr_iter(first, bytes).any(check)
    } else {
        memchr::memchr2_iter(first, upper, bytes).any(check)
    }
}

/// Whether `text` holds U+0130 or U+212A, the two characters whose
/// lowercase has ASCII in it.
fn has_ascii_lowercasing(text: &[u8]) -> bool {
    memchr::memchr2_iter(0xC4, 0xE2, text)
        .any(|at| matches!(&text[at..], [0xC4, 0xB0, ..] | [0xE2, 0x84, 0xAA, ..]))
}

/// Whether normalizing `text` from its start gives `needle` (a normalized,
/// non-empty string) as a prefix.
fn matches_at(text: &str, needle: &[u8]) -> bool {
    let mut i = 0;
    let mut space = false;
    let mut utf8 = [0u8; 4];
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            if needle[i] != b' ' {
                return false;
            }
            i += 1;
            space = false;
        }
        if c.is_ascii() {
            if needle[i] != c.to_ascii_lowercase() as u8 {
                return false;
            }
            i += 1;
            if i == needle.len() {
                return true;
            }
            continue;
        }
        for lower in c.to_lowercase() {
            let encoded = lower.encode_utf8(&mut utf8).as_bytes();
            if !needle[i..].starts_with(encoded) {
                return false;
            }
            i += encoded.len();
            if i == needle.len() {
                return true;
            }
        }
    }
    false
}

/// Case and whitespace normalization for the extractive test: every
/// character lowercased (Unicode), every run of Unicode whitespace one space,
/// no space at either end. Accents and other characters stay as they are.
pub fn normalize(text: &str, out: &mut String) {
    collapse(text, out, |c, out| {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    });
}

/// The answer as refusal patterns see it: whitespace runs as one space,
/// typographic apostrophes as `'` (case is left to the patterns' `(?i)`).
pub fn refusal_text(text: &str, out: &mut String) {
    collapse(text, out, |c, out| {
        out.push(match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{FF07}' | '`' | '\u{00B4}' => '\'',
            c => c,
        })
    });
}

/// Writes `text` to `out` with every run of whitespace as one space, none at
/// either end, and every other character through `each`.
fn collapse(text: &str, out: &mut String, mut each: impl FnMut(char, &mut String)) {
    out.clear();
    out.reserve(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        each(c, out);
    }
}

/// The refusal patterns, compiled: the built-ins as one ASCII-only regex
/// (their words are English; ASCII case folding and word boundaries keep the
/// regex on its fastest engines whatever the answer holds), the user's as
/// one Unicode regex.
#[derive(Debug, Clone, Default)]
pub struct Refusals {
    builtin: Option<regex::bytes::Regex>,
    extra: Option<Regex>,
}

impl Refusals {
    /// The built-ins unless dropped, then the user's, all case-insensitive.
    pub fn new(builtin: bool, extra: &[String]) -> Result<Refusals, String> {
        let mut refusals = Refusals::default();
        if builtin {
            let joined: Vec<String> = DEFAULT_REFUSALS.iter().map(|p| format!("(?:{p})")).collect();
            refusals.builtin = Some(
                regex::bytes::RegexBuilder::new(&joined.join("|"))
                    .unicode(false)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("internal error: a built-in refusal pattern: {e}"))?,
            );
        }
        let mut parts: Vec<String> = Vec::new();
        for pattern in extra {
            let regex = Regex::new(pattern)
                .map_err(|e| format!("--refusal-pattern {pattern:?} is not a valid regex: {e}"))?;
            if regex.is_match("") {
                return Err(format!(
                    "--refusal-pattern {pattern:?} matches an empty text, so it would make every answer a refusal; give the words a refusal says"
                ));
            }
            parts.push(format!("(?:{pattern})"));
        }
        if !parts.is_empty() {
            let joined = format!("(?i){}", parts.join("|"));
            refusals.extra = Some(
                regex::RegexBuilder::new(&joined)
                    .size_limit(64 << 20)
                    .build()
                    .map_err(|e| format!("the refusal patterns do not compile together: {e}"))?,
            );
        }
        Ok(refusals)
    }

    fn is_empty(&self) -> bool {
        self.builtin.is_none() && self.extra.is_none()
    }

    fn is_match(&self, text: &str) -> bool {
        self.builtin.as_ref().is_some_and(|r| r.is_match(text.as_bytes()))
            || self.extra.as_ref().is_some_and(|r| r.is_match(text))
    }
}

/// One `--phase NAME=PATH~REGEX` rule (or `--phase NAME`, which matches
/// every record).
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub condition: Option<(crate::path::FieldPath, Regex)>,
}

/// Parses a `--phase` value.
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    let (name, condition) = match text.split_once('=') {
        Some((name, rest)) => (name, Some(rest)),
        None => (text, None),
    };
    check_phase_name(name).map_err(|e| format!("--phase {text:?}: {e}"))?;
    let Some(rest) = condition else {
        return Ok(Rule { name: name.to_string(), condition: None });
    };
    let at = rule_separator(rest).ok_or_else(|| {
        format!("--phase {text:?}: expected NAME=PATH~REGEX (e.g. refusal=output~'(?i)not found'), or NAME alone for every record")
    })?;
    let (path, pattern) = (&rest[..at], &rest[at + 1..]);
    let path = crate::path::any_field(path).map_err(|e| format!("--phase {text:?}: {e}"))?;
    let regex = Regex::new(pattern)
        .map_err(|e| format!("--phase {text:?}: {pattern:?} is not a valid regex: {e}"))?;
    Ok(Rule { name: name.to_string(), condition: Some((path, regex)) })
}

/// Where PATH ends and REGEX starts: the first `~`, except that in a JSON
/// Pointer `~0` and `~1` are escapes.
fn rule_separator(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let pointer = rest.starts_with('/');
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'~' {
            if pointer && matches!(bytes.get(i + 1), Some(b'0' | b'1')) {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A phase name given on the command line: non-empty, no comma (it
/// separates --order), no control characters.
pub fn check_phase_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a phase name cannot be empty".into());
    }
    if name.contains(',') || name.chars().any(char::is_control) {
        return Err(format!("phase name {name:?} may not contain commas or control characters"));
    }
    Ok(())
}

/// Whether a rule's regex matches a value: a string's decoded text, any
/// other value's JSON text.
pub fn rule_matches(regex: &Regex, raw: Raw<'_>) -> bool {
    regex.is_match(&raw.key_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Builtin {
        Builtin { max_words: 30, refusals: Refusals::new(true, &[]).unwrap() }
    }

    fn class(answer: &str, context: &str) -> Reason {
        builtin().classify(answer, Some(context), false, &mut Scratch::default())
    }

    #[test]
    fn r_refusal_pattern_matching_empty_text_is_refused() {
        for pattern in ["", "x*", "(?:)|sorry"] {
            let err = Refusals::new(true, &[pattern.to_string()]).unwrap_err();
            assert!(err.contains("matches an empty text"), "{pattern:?}: {err}");
        }
        assert!(Refusals::new(true, &["sorry".to_string()]).is_ok());
    }

    #[test]
    fn normalization_folds_case_and_whitespace_only() {
        let mut out = String::new();
        normalize("  New\u{a0}\tYORK\n\nCity ", &mut out);
        assert_eq!(out, "new york city");
        normalize("ZÜRICH İ", &mut out);
        assert_eq!(out, "zürich i\u{307}");
        normalize("café", &mut out);
        assert_ne!(out, "cafe");
    }

    #[test]
    fn seed_003_examples() {
        let context = "Context: RAM usage 7.8GB/8GB (97%)\nQuestion: Why slow?";
        assert_eq!(class("RAM usage 7.8GB/8GB (97%)", context), Reason::FoundInContext);
        assert_eq!(
            class(
                "Your computer is slow because RAM is at 97% capacity (7.8GB out of 8GB). Try closing some applications.",
                context
            ),
            Reason::NotInContext
        );
        assert_eq!(class("Not found in provided context.", context), Reason::RefusalPattern);
        assert_eq!(
            class(
                "I couldn\u{2019}t find information about your boss in the provided context.",
                context
            ),
            Reason::RefusalPattern
        );
    }

    #[test]
    fn every_documented_refusal_example_matches() {
        for answer in [
            "Not found in the provided context.",
            "I couldn't find that.",
            "I could not locate an answer.",
            "I don't have enough information to answer.",
            "I do not have information about that.",
            "The context does not mention a date.",
            "The passage doesn't say.",
            "There is no information about his boss.",
            "This cannot be answered from the text.",
            "I'm unable to find it.",
            "Unanswerable",
            "N/A",
        ] {
            assert_eq!(class(answer, "ctx"), Reason::RefusalPattern, "{answer}");
        }
        for answer in [
            "The context mentions Paris.",
            "I found it on page 3.",
            "There is no doubt it was 1066.",
            "Answer: N/A batteries",
        ] {
            assert_ne!(class(answer, "ctx"), Reason::RefusalPattern, "{answer}");
        }
    }

    #[test]
    fn plain_answers_skip_the_rewrite_but_count_the_same() {
        for text in ["Paris", "a b c", "It was 1066.", "x"] {
            let mut out = String::new();
            refusal_text(text, &mut out);
            assert_eq!(out, text);
            assert_eq!(plain_words(text), Some(text.split_whitespace().count()), "{text}");
        }
        for text in [" a", "a ", "a  b", "a\tb", "café", "don`t", "a\nb"] {
            assert_eq!(plain_words(text), None, "{text:?}");
        }
    }

    #[test]
    fn rule_separator_respects_pointer_escapes() {
        let rule = parse_rule("x=/a~1b~^1").unwrap();
        let (path, regex) = rule.condition.unwrap();
        assert_eq!(path.as_str(), "/a~1b");
        assert_eq!(regex.as_str(), "^1");
        let rule = parse_rule("y=meta.kind~span").unwrap();
        assert_eq!(rule.condition.unwrap().0.as_str(), "meta.kind");
        assert!(parse_rule("z").unwrap().condition.is_none());
        assert!(parse_rule("=a~b").is_err());
        assert!(parse_rule("a=b").is_err());
        assert!(parse_rule("a=b~(").is_err());
    }
}
