//! Every reason a record can be a bad record, in one table: the text the
//! summary and `--stats` count it under (the `reason`'s category), which
//! tools give it, and what it means. Each man page's BAD RECORDS section and
//! README's table are rendered from [`REASONS`], so they agree; a test
//! (`tests/integration/reasons.rs`) fails when a reason used in `src/` has
//! no row here, or when README's copy is stale.
//!
//! A reason may hold placeholders, written in capitals from [`PLACEHOLDERS`]
//! (`missing FIELD` stands for `missing score`, `missing metadata.tier`…).

/// One reason a record is rejected.
#[derive(Debug, Clone, Copy)]
pub struct Reason {
    /// The category as counted (placeholders in capitals).
    pub reason: &'static str,
    /// The tools that give it; empty: every tool (the JSONL scanner's).
    pub tools: &'static [&'static str],
    pub meaning: &'static str,
}

/// The words that stand for a part of a reason that varies.
pub const PLACEHOLDERS: &[&str] =
    &["FIELD", "FIELDS", "KIND", "SHAPE", "KEY", "ROLE", "NAME", "FLAG", "PLACE", "WHAT"];

const SF: &str = "score-filter";
const FM: &str = "fmt-migrate";
const PL: &str = "persona-label";
const GV: &str = "graph-validate";
const PS: &str = "phase-split";
const LB: &str = "llm-batch";
const SM: &str = "shard-merge";

const fn r(reason: &'static str, tools: &'static [&'static str], meaning: &'static str) -> Reason {
    Reason { reason, tools, meaning }
}

/// What the list says before its rows, in README and every man page.
pub const INTRO: &str = "\
A bad record is reported as TOOL: FILE:LINE: message on standard error and counted \
under its reason in the summary and in --stats (\"rejected\"); --rejects FILE keeps \
each one as {\"file\",\"line\",\"reason\",\"raw\"}. The message says more than the \
reason (the column, the value, the field). The JSONL scanner is stricter than \
Python's json module in two places, on purpose: a number beyond the 64-bit float range \
(1e400, an integer of about 310 digits or more) and a lone UTF-16 surrogate escape \
(\"\\ud800\", which is no character and has no UTF-8 form) are invalid JSON, where \
Python reads an infinite float, a big integer or a broken string. Capitals in a reason \
stand for the part that varies (FIELD: the field's path).";

/// Every bad-record reason of the suite.
pub const REASONS: &[Reason] = &[
    // The JSONL scanner: every tool.
    r(
        "invalid JSON",
        &[],
        "not well-formed JSON (RFC 8259): a syntax error, a bad escape, a lone surrogate \
         escape such as \"\\ud800\", an unescaped control character in a string, a number \
         beyond the 64-bit float range (1e400), text after the object; the message gives \
         the column",
    ),
    r("invalid UTF-8", &[], "the line's bytes are not UTF-8; the message gives the byte"),
    r("not a JSON object", &[], "valid JSON, but an array, string, number, boolean or null"),
    r("nested too deeply", &[], "arrays and objects nested 128 levels deep or more"),
    r(
        "repeated key",
        &[],
        "a key on a path the tool reads appears twice in one object (other programs would \
         read the last value, not the one checked)",
    ),
    // Values a tool needs.
    r(
        "missing FIELD",
        &[SF, PS, FM, LB],
        "the record lacks a field the tool needs: score-filter's --field score (with \
         --missing reject) or --group; phase-split's --group or --phase-field; a field of \
         fmt-migrate's input shape or template; llm-batch's prompt placeholder (missing \
         field) or --messages",
    ),
    r(
        "FIELD is a string",
        &[SF],
        "the score is a string holding a number (--coerce reads it as that number)",
    ),
    r("FIELD is a non-numeric string", &[SF], "with --coerce: the string holds no finite number"),
    r("FIELD is not a finite number", &[SF], "the score is beyond the 64-bit float range"),
    r(
        "FIELD is KIND",
        &[SF, FM],
        "the value has the wrong type (null, a boolean, an array, an object…)",
    ),
    r(
        "FIELD is not a string",
        &[PL, FM],
        "a text field (subject, bodyPreview, role, content) is not text",
    ),
    r("FIELD is empty", &[FM], "a text the target shape needs is empty"),
    r("empty FIELD", &[PS], "the --phase-field value is empty: no phase name"),
    // persona-label
    r("not a calendar event", &[PL], "an object with neither subject nor bodyPreview"),
    // graph-validate
    r(
        "failed validation",
        &[GV],
        "the event breaks a rule of the Microsoft Graph event shape; the message lists \
         every problem by path",
    ),
    // phase-split
    r("no answer", &[PS], "the record has no answer field to classify"),
    r("answer is KIND", &[PS], "the answer is not text"),
    r("empty answer", &[PS, LB], "the answer is empty (llm-batch merge: the result has no text)"),
    r("no --phase rule matched", &[PS], "no --phase rule takes the record (add a catch-all rule)"),
    // llm-batch
    r("bad custom_id", &[LB], "the --id field is not a string or number, or is empty"),
    r("no prompt", &[LB], "neither --prompt nor --messages gives the request a prompt"),
    r("bad messages", &[LB], "--messages: not an array of {role, content} objects the API takes"),
    r("duplicate custom_id", &[LB], "two records would send or merge one custom_id"),
    r(
        "no result",
        &[LB],
        "merge: the results hold no answer for the record (with --missing reject)",
    ),
    r("not a result", &[LB], "merge: a results line that is not a batch result"),
    r("API error", &[LB], "merge: the API answered the request with an error"),
    r("errored", &[LB], "merge: the batch reports the request errored"),
    r("canceled", &[LB], "merge: the request was canceled before it ran"),
    r("expired", &[LB], "merge: the batch expired before the request ran"),
    r("refusal", &[LB], "merge: the model refused, or the answer was filtered"),
    r("truncated", &[LB], "merge: the answer was cut off at the token limit"),
    r("unparseable JSON", &[LB], "merge --into JSON: the answer holds no JSON"),
    r("no rating", &[LB], "merge --rating: no rating in the range, or more than one"),
    // fmt-migrate: reading a shape
    r("matches no shape", &[FM], "the record is none of the shapes --from auto knows"),
    r("unknown role", &[FM], "a turn's role is no role name known or given to --role-map"),
    r("message has no role", &[FM], "a message of a messages list has no role"),
    r("turn has no role", &[FM], "a sharegpt turn has no from"),
    r("turn is not an object", &[FM], "a turn of a conversation is not an object"),
    r("answer is not an object", &[FM], "a SQuAD answer is not an object"),
    r("answer has no text", &[FM], "a SQuAD answer has no text"),
    r("question has no answer", &[FM], "a SQuAD question that is answerable has no answer"),
    r("question is empty", &[FM], "a SQuAD question is empty"),
    r("history is not a list of pairs", &[FM], "an alpaca history is not [[prompt, response], …]"),
    r("function_call value is not JSON", &[FM], "a sharegpt function_call turn holds no JSON call"),
    r("empty content", &[FM], "a turn's content is missing, null, empty or an empty list"),
    // fmt-migrate: writing a shape
    r("conversation does not start with human", &[FM], "sharegpt needs a human turn first"),
    r("conversation ends without a response", &[FM], "the last turn is not the assistant's"),
    r("role twice in a row", &[FM], "two user or two assistant turns follow each other"),
    r("system turn after the start", &[FM], "a system turn that is not the first"),
    r("turns do not alternate user and assistant", &[FM], "the target shape needs alternation"),
    r(
        "preference pair cannot become SHAPE",
        &[FM],
        "a chosen/rejected pair given to a one-response shape",
    ),
    r(
        "preference response is not an assistant turn",
        &[FM],
        "chosen or rejected is not the assistant's",
    ),
    r(
        "sharegpt preference prompt must end with a human turn",
        &[FM],
        "the pair answers no human turn",
    ),
    r("sharegpt KEY holds one turn", &[FM], "chosen or rejected must be one turn"),
    r("SHAPE has no place for tool calls", &[FM], "the target shape cannot hold tool calls"),
    r("SHAPE holds one exchange", &[FM], "the target shape holds one prompt and one response"),
    r(
        "SHAPE needs a user turn then an assistant turn",
        &[FM],
        "the conversation lacks one of them",
    ),
    r("SHAPE needs chosen and rejected responses", &[FM], "a preference shape without its pair"),
    r(
        "message fields FIELDS cannot hold",
        &[FM],
        "message fields the target shape has no place for (--drop-extra)",
    ),
    r(
        "kept field KEY collides with SHAPE's own",
        &[FM],
        "a kept field has the name of a field the shape writes",
    ),
    r("no ROLE turn for FLAG", &[FM], "--template or --system has no turn to replace"),
    r(
        "PLACE has no WHAT",
        &[FM],
        "a part a conversion or template needs is absent (e.g. a turn, a text)",
    ),
    r("FIELD holds a ``` line", &[FM], "the text would end the default template's ```yaml block"),
    r("--extract NAME: no match", &[FM], "the --extract regex does not match the text"),
    r("--extract NAME: group did not capture", &[FM], "the regex matched, its group did not"),
    // fmt-migrate: CSV input rows
    r("unreadable CSV row", &[FM], "the CSV reader cannot read the row"),
    r(
        "unterminated quoted field",
        &[FM],
        "a quoted CSV field is not closed before the end of the file",
    ),
    r("row has more fields than the header", &[FM], "a CSV row longer than its header"),
    r("columns conflict", &[FM], "two CSV columns of the row write one field (a.b and a)"),
    r("not a reject", &[SM], "shard-merge rejects: a line without \"file\" and \"line\""),
    r(
        "line is not a line number",
        &[SM],
        "shard-merge rejects: \"line\" is not a whole number from 1",
    ),
    r("file is not a string", &[SM], "shard-merge rejects: \"file\" is not a string"),
    r("internal", &[FM], "a bug in synthkit: please report it with the command you ran"),
    r(
        "line too long",
        &[],
        "a line longer than --max-line-bytes (default 256M): its size is in the message; it is read through without being held, and --rejects keeps its first 4096 bytes and its full length (bytes)",
    ),
];

/// The reasons `tool` gives: the scanner's, then its own.
pub fn for_tool(tool: &str) -> Vec<&'static Reason> {
    REASONS.iter().filter(|r| r.tools.is_empty() || r.tools.contains(&tool)).collect()
}

/// The row whose reason (placeholders matching any text) is `category`.
pub fn find(category: &str) -> Option<&'static Reason> {
    REASONS.iter().find(|r| matches(r.reason, category))
}

/// Whether `category` is an instance of the reason `pattern`.
pub fn matches(pattern: &str, category: &str) -> bool {
    // Split the pattern into literal parts and placeholders, then match
    // greedily with backtracking (patterns are short).
    let mut parts: Vec<Option<&str>> = Vec::new();
    let mut literal_start = 0;
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let word_end = pattern[i..]
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .map_or(pattern.len(), |n| i + n);
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let word = &pattern[i..word_end];
        let at_word_end = word_end == pattern.len() || !bytes[word_end].is_ascii_alphanumeric();
        if word_end > i && at_word_start && at_word_end && PLACEHOLDERS.contains(&word) {
            parts.push(Some(&pattern[literal_start..i]));
            parts.push(None);
            literal_start = word_end;
            i = word_end;
        } else {
            i += pattern[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    parts.push(Some(&pattern[literal_start..]));
    fn go(parts: &[Option<&str>], text: &str) -> bool {
        match parts.split_first() {
            None => text.is_empty(),
            Some((Some(lit), rest)) => text.strip_prefix(lit).is_some_and(|t| go(rest, t)),
            Some((None, rest)) => {
                (1..=text.len()).filter(|&n| text.is_char_boundary(n)).any(|n| go(rest, &text[n..]))
            }
        }
    }
    go(&parts, category)
}

/// README's table (between `<!-- reasons -->` markers).
pub fn markdown() -> String {
    let mut out = String::from("| Reason | Tools | Meaning |\n|---|---|---|\n");
    for r in REASONS {
        let tools = if r.tools.is_empty() { "every tool".to_string() } else { r.tools.join(", ") };
        let reason = if r.reason.contains('`') {
            format!("`` {} ``", r.reason)
        } else {
            format!("`{}`", r.reason)
        };
        out.push_str(&format!("| {reason} | {tools} | {} |\n", r.meaning.replace('|', "\\|")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::validate_object;

    #[test]
    fn placeholders_match_any_text_and_literals_exactly() {
        assert!(matches("missing FIELD", "missing metadata.tier"));
        assert!(matches("FIELD is KIND", "score is an array"));
        assert!(matches(
            "kept field KEY collides with SHAPE's own",
            "kept field id collides with alpaca's own"
        ));
        assert!(!matches("missing FIELD", "missing"));
        assert!(!matches("no result", "no results"));
        // Capitals that are not placeholders are literal.
        assert!(matches("API error", "API error"));
        assert!(!matches("API error", "X error"));
        assert!(matches("invalid UTF-8", "invalid UTF-8"));
    }

    #[test]
    fn every_scanner_error_has_its_row() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        for line in [
            &b"{\"a\":"[..],
            b"{\"a\":\"\xff\"}",
            b"[1]",
            b"{\"a\":1e400}",
            b"{\"a\":\"\\ud800\"}",
            deep.as_bytes(),
        ] {
            let e = validate_object(line).expect_err("bad line");
            let row = find(e.category()).unwrap_or_else(|| panic!("{:?}", e.category()));
            assert!(row.tools.is_empty(), "{}", row.reason);
        }
        assert!(find("repeated key").is_some_and(|r| r.tools.is_empty()));
    }

    #[test]
    fn the_range_limits_python_accepts_are_said() {
        assert!(INTRO.contains("1e400") && INTRO.contains("\\ud800"));
        let row = find("invalid JSON").expect("row");
        assert!(row.meaning.contains("1e400") && row.meaning.contains("surrogate"));
    }

    #[test]
    fn every_tool_gets_the_scanner_reasons() {
        for tool in crate::TOOLS {
            let list = for_tool(tool.doc.name);
            assert!(list.iter().any(|r| r.reason == "invalid JSON"), "{}", tool.doc.name);
        }
    }
}
