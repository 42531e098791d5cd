//! The batch file formats of the providers, written and read exactly as
//! their references describe them (read 2026-12 with the search tool):
//!
//! - OpenAI Batch API, request input object and request output object
//!   (<https://platform.openai.com/docs/api-reference/batch/request-input>,
//!   `.../batch/request-output`; the openai-openapi spec's
//!   `BatchRequestInput`/`BatchRequestOutput`): one request per line,
//!   `{"custom_id","method":"POST","url":"/v1/chat/completions","body":{…}}`;
//!   a result line is `{"id","custom_id","response":{"status_code",
//!   "request_id","body"},"error"}`, where an HTTP failure is a
//!   `status_code` other than 200 with `body.error.{message,type,code}`
//!   (openai-openapi issue #302) and a non-HTTP failure (the error file:
//!   `batch_expired`, `batch_cancelled`, `request_timeout`) is `error:
//!   {code, message}` with no response. A file holds at most 50,000 requests
//!   and 200 MB. vLLM's `run_batch` and Azure OpenAI read and write the same
//!   lines.
//! - Anthropic Message Batches (<https://docs.claude.com/en/api/creating-message-batches>,
//!   `.../retrieving-message-batch-results`): a request is `{"custom_id",
//!   "params":{…Messages API parameters…}}` (the create call takes them as
//!   `{"requests": [...]}`); a result line is `{"custom_id","result":{"type":
//!   "succeeded","message":{…}}}`, or `result.type` `errored` (with
//!   `error.error.{type,message}`), `canceled` or `expired`. A batch holds at
//!   most 100,000 requests and 256 MB; `custom_id` is 1 to 64 characters of
//!   `[A-Za-z0-9_-]`.
//!
//! The chat answer is `choices[0].message.content` (OpenAI; `refusal` set
//! when the model refused, `finish_reason: "length"` when cut off) or the
//! text blocks of `message.content` (Anthropic; `stop_reason` `max_tokens`
//! or `refusal`). Token usage is `usage.{prompt,completion}_tokens` and
//! `usage.{input,output}_tokens`.

use clap::ValueEnum;

use crate::json::{Kind, Raw};
use serde_json::Value;

/// Which provider's batch format.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI Batch API (also vLLM run_batch and Azure OpenAI)
    Openai,
    /// Anthropic Message Batches
    Anthropic,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Openai => "openai",
            Api::Anthropic => "anthropic",
        }
    }

    /// (requests, bytes) one request file or batch may hold.
    pub fn limits(self) -> (u64, u64) {
        match self {
            Api::Openai => (50_000, 200 * 1024 * 1024),
            Api::Anthropic => (100_000, 256 * 1024 * 1024),
        }
    }
}

/// The longest custom_id either API takes.
pub const MAX_ID_LEN: usize = 64;

/// Whether `id` is a custom_id both APIs accept: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A record's base custom_id, the same in `request` and `merge`: the value at
/// --id (a string's text or a number), or r + the xxh3 of its bytes.
pub fn base_id(
    record: &[u8],
    value: Option<&Raw<'_>>,
    by_field: bool,
    n: u32,
) -> Result<String, String> {
    if !by_field {
        return Ok(format!("r{:016x}", crate::hash::hash(0, record)));
    }
    let text = match value {
        None => return Err("missing".into()),
        Some(raw) if raw.kind == Kind::String => raw.as_str().unwrap_or_default().into_owned(),
        Some(raw) if raw.kind == Kind::Number => raw.text().to_string(),
        Some(raw) => return Err(format!("is {}, not a string or number", raw.kind.name())),
    };
    let suffix = if n > 1 { n.to_string().len() + 1 } else { 0 };
    if !valid_id(&text) || text.len() + suffix > MAX_ID_LEN {
        return Err(format!(
            "\"{}\" is not a custom_id: 1 to {} characters of A-Z a-z 0-9 _ -",
            crate::report::printable(&text),
            MAX_ID_LEN - suffix
        ));
    }
    Ok(text)
}

/// What one request asks, apart from its id and messages.
pub struct Settings {
    pub api: Api,
    pub model: String,
    pub url: String,
    pub max_tokens: u64,
    pub temperature: Option<f64>,
    /// The system prompt (OpenAI: a first message; Anthropic: `system`).
    pub system: Option<String>,
    /// OpenAI `response_format` (JSON text).
    pub response_format: Option<String>,
}

/// Appends one request line (without newline): `messages` is the JSON text
/// of the conversation's messages array, `seed` the variation's seed.
pub fn write_request(
    out: &mut Vec<u8>,
    s: &Settings,
    id: &str,
    messages: &[u8],
    seed: Option<u32>,
) {
    let quote = crate::json::quote;
    out.extend_from_slice(b"{\"custom_id\":");
    out.extend_from_slice(quote(id).as_bytes());
    match s.api {
        Api::Openai => {
            out.extend_from_slice(b",\"method\":\"POST\",\"url\":");
            out.extend_from_slice(quote(&s.url).as_bytes());
            out.extend_from_slice(b",\"body\":{\"model\":");
            out.extend_from_slice(quote(&s.model).as_bytes());
            out.extend_from_slice(b",\"messages\":");
            match &s.system {
                Some(system) => {
                    out.extend_from_slice(b"[{\"role\":\"system\",\"content\":");
                    out.extend_from_slice(quote(system).as_bytes());
                    out.push(b'}');
                    let inner = &messages[1..messages.len() - 1];
                    if inner.iter().any(|b| !b.is_ascii_whitespace()) {
                        out.push(b',');
                        out.extend_from_slice(inner);
                    }
                    out.push(b']');
                }
                None => out.extend_from_slice(messages),
            }
            out.extend_from_slice(
                format!(",\"max_completion_tokens\":{}", s.max_tokens).as_bytes(),
            );
            if let Some(t) = s.temperature {
                out.extend_from_slice(format!(",\"temperature\":{}", Value::from(t)).as_bytes());
            }
            if let Some(seed) = seed {
                out.extend_from_slice(format!(",\"seed\":{seed}").as_bytes());
            }
            if let Some(format) = &s.response_format {
                out.extend_from_slice(b",\"response_format\":");
                out.extend_from_slice(format.as_bytes());
            }
            out.extend_from_slice(b"}}");
        }
        Api::Anthropic => {
            out.extend_from_slice(b",\"params\":{\"model\":");
            out.extend_from_slice(quote(&s.model).as_bytes());
            out.extend_from_slice(format!(",\"max_tokens\":{}", s.max_tokens).as_bytes());
            if let Some(system) = &s.system {
                out.extend_from_slice(b",\"system\":");
                out.extend_from_slice(quote(system).as_bytes());
            }
            out.extend_from_slice(b",\"messages\":");
            out.extend_from_slice(messages);
            if let Some(t) = s.temperature {
                out.extend_from_slice(format!(",\"temperature\":{}", Value::from(t)).as_bytes());
            }
            out.extend_from_slice(b"}}");
        }
    }
}

/// How one request ended, as its result line says.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The model answered with this text.
    Answer(String),
    /// No usable answer: `category` is what the summary counts.
    Failed { category: &'static str, message: String },
}

/// One parsed result line.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultLine {
    pub custom_id: String,
    pub outcome: Outcome,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

fn failed(category: &'static str, message: impl Into<String>) -> Outcome {
    Outcome::Failed { category, message: message.into() }
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, key| v.get(key))?.as_str()
}

fn tokens(usage: Option<&Value>, key: &str) -> u64 {
    usage.and_then(|u| u.get(key)).and_then(Value::as_u64).unwrap_or(0)
}

/// Reads a result line of either API (told apart by `result` vs
/// `response`/`error`); `Err` says why the line is not a result.
pub fn parse_result(line: &[u8]) -> Result<ResultLine, String> {
    let v: Value = serde_json::from_slice(line).map_err(|e| format!("invalid JSON ({e})"))?;
    let Some(custom_id) = v.get("custom_id").and_then(Value::as_str) else {
        return Err("no custom_id: not an OpenAI or Anthropic batch result".into());
    };
    let custom_id = custom_id.to_string();
    if let Some(result) = v.get("result") {
        return Ok(anthropic(custom_id, result));
    }
    if v.get("response").is_some() || v.get("error").is_some() {
        return Ok(openai(custom_id, &v));
    }
    Err("neither `response` nor `result`: not an OpenAI or Anthropic batch result".into())
}

fn openai(custom_id: String, v: &Value) -> ResultLine {
    let mut line = ResultLine {
        custom_id,
        outcome: failed("API error", ""),
        input_tokens: 0,
        output_tokens: 0,
    };
    if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
        let code = error.get("code").and_then(Value::as_str).unwrap_or("error");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        line.outcome = failed("API error", format!("{code}: {message}"));
        return line;
    }
    let Some(response) = v.get("response").filter(|r| !r.is_null()) else {
        line.outcome = failed("API error", "a result with neither response nor error");
        return line;
    };
    let status = response.get("status_code").and_then(Value::as_u64).unwrap_or(0);
    let body = response.get("body").unwrap_or(&Value::Null);
    let usage = body.get("usage");
    line.input_tokens = tokens(usage, "prompt_tokens");
    line.output_tokens = tokens(usage, "completion_tokens");
    if status != 200 {
        let message = text_at(body, &["error", "message"]).unwrap_or("");
        line.outcome = failed("API error", format!("status {status}: {message}"));
        return line;
    }
    let choice = body.get("choices").and_then(|c| c.get(0)).unwrap_or(&Value::Null);
    let message = choice.get("message").unwrap_or(&Value::Null);
    if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
        line.outcome = failed("refusal", format!("the model refused: {refusal}"));
        return line;
    }
    match choice.get("finish_reason").and_then(Value::as_str) {
        Some("length") => {
            line.outcome = failed("truncated", "the answer was cut off (finish_reason: length)");
            return line;
        }
        Some("content_filter") => {
            line.outcome =
                failed("refusal", "the answer was filtered (finish_reason: content_filter)");
            return line;
        }
        _ => {}
    }
    line.outcome = match message.get("content").and_then(Value::as_str) {
        Some(text) if !text.trim().is_empty() => Outcome::Answer(text.to_string()),
        _ => failed("empty answer", "the answer has no text"),
    };
    line
}

fn anthropic(custom_id: String, result: &Value) -> ResultLine {
    let mut line = ResultLine {
        custom_id,
        outcome: failed("API error", ""),
        input_tokens: 0,
        output_tokens: 0,
    };
    let message = result.get("message").unwrap_or(&Value::Null);
    let usage = message.get("usage");
    line.input_tokens = tokens(usage, "input_tokens");
    line.output_tokens = tokens(usage, "output_tokens");
    line.outcome = match result.get("type").and_then(Value::as_str) {
        Some("succeeded") => match message.get("stop_reason").and_then(Value::as_str) {
            Some("max_tokens") => {
                failed("truncated", "the answer was cut off (stop_reason: max_tokens)")
            }
            Some("refusal") => failed("refusal", "the model refused (stop_reason: refusal)"),
            _ => {
                let text: String = message
                    .get("content")
                    .and_then(Value::as_array)
                    .map(|blocks| {
                        blocks
                            .iter()
                            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                            .filter_map(|b| b.get("text").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                if text.trim().is_empty() {
                    failed("empty answer", "the answer has no text")
                } else {
                    Outcome::Answer(text)
                }
            }
        },
        Some("errored") => {
            let kind = text_at(result, &["error", "error", "type"]).unwrap_or("error");
            let message = text_at(result, &["error", "error", "message"]).unwrap_or("");
            failed("errored", format!("{kind}: {message}"))
        }
        Some("canceled") => failed("canceled", "the request was canceled before it ran"),
        Some("expired") => failed("expired", "the batch expired before the request ran"),
        other => failed("API error", format!("unknown result type {other:?}")),
    };
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(line: &str) -> Outcome {
        parse_result(line.as_bytes()).unwrap().outcome
    }

    #[test]
    fn every_documented_result_shape_is_read() {
        let ok = r#"{"id":"batch_req_1","custom_id":"a","response":{"status_code":200,"request_id":"r","body":{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"4","refusal":null}}],"usage":{"prompt_tokens":24,"completion_tokens":8}}},"error":null}"#;
        let parsed = parse_result(ok.as_bytes()).unwrap();
        assert_eq!(parsed.outcome, Outcome::Answer("4".into()));
        assert_eq!((parsed.input_tokens, parsed.output_tokens), (24, 8));
        let http = r#"{"id":"x","custom_id":"a","response":{"status_code":400,"request_id":"r","body":{"error":{"message":"context too long","type":"invalid_request_error","code":"context_length_exceeded"}}},"error":null}"#;
        assert!(
            matches!(outcome(http), Outcome::Failed { category: "API error", message } if message.contains("400: context too long"))
        );
        let expired = r#"{"id":"x","custom_id":"a","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#;
        assert!(
            matches!(outcome(expired), Outcome::Failed { category: "API error", message } if message.starts_with("batch_expired"))
        );
        let cut = ok.replace("\"stop\"", "\"length\"");
        assert!(matches!(outcome(&cut), Outcome::Failed { category: "truncated", .. }));
        let refused = ok.replace("\"refusal\":null", "\"refusal\":\"I can't help\"");
        assert!(matches!(outcome(&refused), Outcome::Failed { category: "refusal", .. }));
        let a = r#"{"custom_id":"b","result":{"type":"succeeded","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Hi"},{"type":"text","text":" there"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":3}}}}"#;
        let parsed = parse_result(a.as_bytes()).unwrap();
        assert_eq!(parsed.outcome, Outcome::Answer("Hi there".into()));
        assert_eq!((parsed.input_tokens, parsed.output_tokens), (10, 3));
        let max = a.replace("end_turn", "max_tokens");
        assert!(matches!(outcome(&max), Outcome::Failed { category: "truncated", .. }));
        let errored = r#"{"custom_id":"b","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}}}"#;
        assert!(
            matches!(outcome(errored), Outcome::Failed { category: "errored", message } if message == "invalid_request_error: bad")
        );
        for kind in ["canceled", "expired"] {
            let line = format!(r#"{{"custom_id":"b","result":{{"type":"{kind}"}}}}"#);
            assert!(matches!(outcome(&line), Outcome::Failed { category, .. } if category == kind));
        }
        assert!(parse_result(b"{\"x\":1}").unwrap_err().contains("custom_id"));
    }

    #[test]
    fn ids_follow_both_alphabets() {
        assert!(valid_id("r0123abcd-2") && valid_id(&"a".repeat(64)));
        assert!(!valid_id("") && !valid_id(&"a".repeat(65)) && !valid_id("a b") && !valid_id("é"));
    }
}
