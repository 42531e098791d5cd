//! Context-QA records in seed 003's shape, about 0.8 KB each:
//! `{"id","title","input":"Context: …\nQuestion: …","output":…}`. About 40%
//! of the answers are extractive (a span of the context, sometimes in other
//! case or spacing), 35% conversational (a sentence around the fact, or a
//! span too long to be extractive) and 25% refusals in several phrasings,
//! some with typographic apostrophes.

use crate::rng::{Rng, json_string};

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "in",
    "to",
    "was",
    "a",
    "by",
    "for",
    "with",
    "as",
    "on",
    "from",
    "Normans",
    "Normandy",
    "duchy",
    "Rollo",
    "Viking",
    "Frankish",
    "king",
    "treaty",
    "century",
    "river",
    "Seine",
    "castle",
    "abbey",
    "army",
    "battle",
    "Hastings",
    "William",
    "conquest",
    "England",
    "language",
    "culture",
    "trade",
    "RAM",
    "usage",
    "7.8GB/8GB",
    "(97%)",
    "Chrome",
    "tabs",
    "invoice",
    "Documents/Invoice-2024.pdf",
    "meeting",
    "Sarah",
    "birthday",
    "March",
    "15th",
    "Zürich",
    "Straße",
    "café",
    "naïve",
    "données",
    "日本語",
    "1066",
    "911",
    "2024",
    "Paris",
    "capital",
    "population",
    "university",
    "library",
    "museum",
    "bridge",
    "harbour",
    "merchant",
    "guild",
    "charter",
    "council",
    "bishop",
    "cathedral",
    "monastery",
    "scholar",
    "manuscript",
];
const TITLES: &[&str] = &[
    "Normans",
    "Computational_complexity_theory",
    "Southern_California",
    "Sky_(United_Kingdom)",
    "Victoria_(Australia)",
    "Huguenot",
    "Steam_engine",
    "Oxygen",
    "1973_oil_crisis",
    "Apollo_program",
    "European_Union_law",
    "Amazon_rainforest",
    "Ctenophora",
    "Fresno,_California",
    "Packet_switching",
    "Black_Death",
    "Geology",
    "Newcastle_upon_Tyne",
    "Victoria_and_Albert_Museum",
    "American_Broadcasting_Company",
];
const REFUSALS: &[&str] = &[
    "Not found in provided context.",
    "I couldn't find that information in the provided context.",
    "I couldn\u{2019}t find information about that in the provided context.",
    "I don't have enough information to answer that.",
    "The context does not mention this.",
    "Sorry, the passage doesn't say.",
    "There is no information about that in the text.",
    "This cannot be answered from the context.",
];
const OPENERS: &[&str] =
    &["It was", "The answer is", "According to the passage, it is", "That would be"];

pub fn record(rng: &mut Rng, index: u64, out: &mut Vec<u8>) {
    let n = 70 + rng.below(70) as usize;
    let mut words: Vec<&str> = Vec::with_capacity(n);
    for _ in 0..n {
        words.push(rng.pick::<&str>(WORDS));
    }
    let context = words.join(" ");
    let mut question = String::from("What ");
    let count = 5 + rng.below(6) as usize;
    rng.words(WORDS, count, &mut question);
    question.push('?');
    let at = rng.below(n as u64 - 5) as usize;
    let span_len = 1 + rng.below(4) as usize;
    let span = words[at..at + span_len].join(" ");
    let roll = rng.below(100);
    let answer = if roll < 34 {
        span
    } else if roll < 40 {
        // Still extractive after normalization.
        span.to_uppercase().replace(' ', "  ")
    } else if roll < 70 {
        format!("{} {}, as the passage explains.", rng.pick::<&str>(OPENERS), span)
    } else if roll < 75 {
        // A span of the context, but too long to be extractive.
        words[..n.min(40)].join(" ")
    } else {
        rng.pick::<&str>(REFUSALS).to_string()
    };
    out.extend_from_slice(format!("{{\"id\":\"qa-{index:08}\",\"title\":").as_bytes());
    json_string(rng.pick::<&str>(TITLES), out);
    out.extend_from_slice(b",\"input\":");
    json_string(&format!("Context: {context}\nQuestion: {question}"), out);
    out.extend_from_slice(b",\"output\":");
    json_string(&answer, out);
    out.push(b'}');
}
