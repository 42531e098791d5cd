//! Alpaca instruction records ({instruction, input, output}), shaped like
//! alpaca_data.json written as JSONL: about 60% with an empty input, answers
//! of a few sentences, non-ASCII and escapes in the text.

use crate::rng::{Rng, json_string};

const WORDS: &[&str] = &[
    "explain",
    "the",
    "difference",
    "between",
    "a",
    "list",
    "and",
    "tuple",
    "in",
    "Python",
    "write",
    "short",
    "poem",
    "about",
    "autumn",
    "summarize",
    "following",
    "article",
    "give",
    "three",
    "tips",
    "for",
    "staying",
    "healthy",
    "translate",
    "into",
    "French",
    "café",
    "naïve",
    "résumé",
    "日本語",
    "→",
    "\"quoted\"",
    "C:\\path",
    "data",
    "model",
    "training",
    "of",
    "to",
    "with",
    "is",
    "are",
];

pub fn record(rng: &mut Rng, index: u64, out: &mut Vec<u8>) {
    let mut text = String::with_capacity(512);
    out.extend_from_slice(b"{\"instruction\":");
    let n = 6 + rng.below(10) as usize;
    rng.words(WORDS, n, &mut text);
    text.push('.');
    json_string(&text, out);
    out.extend_from_slice(b",\"input\":");
    text.clear();
    if rng.below(10) >= 6 {
        let n = 5 + rng.below(30) as usize;
        rng.words(WORDS, n, &mut text);
    }
    json_string(&text, out);
    out.extend_from_slice(b",\"output\":");
    text.clear();
    let sentences = 1 + rng.below(5);
    for s in 0..sentences {
        if s > 0 {
            text.push_str(if rng.below(4) == 0 { "\n" } else { " " });
        }
        let n = 8 + rng.below(20) as usize;
        rng.words(WORDS, n, &mut text);
        text.push('.');
    }
    if index % 1000 == 999 {
        text.push_str(" <nooutput>");
    }
    json_string(&text, out);
    out.push(b'}');
}
