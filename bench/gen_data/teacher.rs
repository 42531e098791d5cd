//! Teacher-style distillation records (seed 004): about 1 KB each, prompt and
//! response text with non-ASCII and escapes, a score that is sometimes missing
//! or a string, a status and nested metadata.

use crate::rng::{Rng, json_string};

const WORDS: &[&str] = &[
    "vision",
    "requirements",
    "inventory",
    "customer",
    "pipeline",
    "onboarding",
    "latency",
    "dashboard",
    "forecast",
    "sentiment",
    "analytics",
    "integration",
    "API",
    "workflow",
    "compliance",
    "rollout",
    "stakeholder",
    "metric",
    "budget",
    "quarterly",
    "scope",
    "non-goal",
    "müller",
    "café",
    "naïve",
    "日本語",
    "données",
    "señal",
    "Straße",
    "résumé",
    "→",
    "✓",
    "the",
    "a",
    "of",
    "to",
    "and",
    "for",
    "with",
    "must",
    "should",
    "will",
    "not",
    "each",
];
const STATUSES: &[&str] = &["aligned", "aligned", "aligned", "needs_adjustment", "conflicts"];
const TIERS: &[&str] = &["simple", "medium", "complex"];
const MODELS: &[&str] = &["gemini-2.5-flash", "gpt-4o", "claude-sonnet", "human"];

pub fn record(rng: &mut Rng, index: u64, out: &mut Vec<u8>) {
    let mut text = String::with_capacity(1024);
    out.extend_from_slice(b"{\"id\":\"POCON-");
    out.extend_from_slice(format!("{index:07}").as_bytes());
    out.extend_from_slice(b"\",\"prompt\":");
    text.push_str("You are a Product Owner. Concept: \"");
    rng.words(WORDS, 6, &mut text);
    text.push_str("\"\nRequirements:\n- ");
    let n = 25 + rng.below(20) as usize;
    rng.words(WORDS, n, &mut text);
    text.push_str("\n\tReview the vision.");
    json_string(&text, out);
    out.extend_from_slice(b",\"response\":");
    text.clear();
    text.push_str("```yaml VISION\nsummary: ");
    let n = 40 + rng.below(30) as usize;
    rng.words(WORDS, n, &mut text);
    text.push_str("\n```\n```yaml REVIEW\nstatus: ");
    let status = *rng.pick(STATUSES);
    text.push_str(status);
    text.push_str("\nnotes: \\ ");
    let n = 10 + rng.below(15) as usize;
    rng.words(WORDS, n, &mut text);
    text.push_str("\n```");
    json_string(&text, out);
    out.extend_from_slice(b",\"score\":");
    let roll = rng.below(100);
    let score = 0.70 + rng.unit() * 0.29;
    if roll < 2 {
        out.extend_from_slice(b"null");
    } else if roll < 4 {
        out.extend_from_slice(format!("\"{score:.2}\"").as_bytes());
    } else {
        out.extend_from_slice(format!("{score:.3}").as_bytes());
    }
    out.extend_from_slice(b",\"status\":");
    json_string(status, out);
    out.extend_from_slice(b",\"metadata\":{\"tier\":");
    json_string(rng.pick::<&str>(TIERS), out);
    out.extend_from_slice(b",\"model\":");
    json_string(rng.pick::<&str>(MODELS), out);
    out.extend_from_slice(format!(",\"tokens\":{},\"flags\":[", 200 + rng.below(900)).as_bytes());
    out.extend_from_slice(if rng.below(2) == 0 { b"true,null" } else { b"false" });
    out.extend_from_slice(b"]}}");
}
