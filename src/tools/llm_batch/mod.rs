//! llm-batch: the LLM step of a data pipeline as files, never a network
//! connection. `request` turns records into the request lines of a
//! provider's batch API (OpenAI Batch API, which vLLM's `run_batch` also
//! reads, or Anthropic Message Batches); `merge` joins the result files back
//! onto the records by `custom_id`, accounting for every record: merged,
//! rejected (with the API's reason) or without a result.
//!
//! The formats are in [`api`], with the references they were written from;
//! what is taken out of an answer (text, JSON, a rating) is in [`answer`].

pub mod answer;
pub mod api;
mod merge;
mod request;

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

pub use crate::cli::Missing;
use crate::cli::{self, Common, ToolDoc};
use crate::error::Error;
use crate::exit::Outcome;
use crate::path::{self, FieldPath};

use api::Api;

pub const DOC: ToolDoc = ToolDoc {
    name: "llm-batch",
    examples: &[
        (
            "Seed 002's judge: one request per conversation, a 1-5 rating back on each record",
            "llm-batch request --model gpt-4o-mini --prompt judge_prompt.txt --id id conversational.jsonl > requests.jsonl\n  # submit requests.jsonl (OpenAI Batch API, vLLM run_batch), download the output file, then:\n  llm-batch merge --records conversational.jsonl --id id --rating 1..5 --into rating \\\n    --rejects failed.jsonl judge_results.jsonl | score-filter --field rating --min 4",
        ),
        (
            "Seed 003's rewrite with Claude Haiku: Anthropic request lines from a template",
            "llm-batch request --api anthropic --model claude-haiku-4-5 --max-tokens 512 \\\n    --system 'Rewrite the answer as one friendly sentence.' --prompt 'Q: {{input}}\\nA: {{output}}' qa.jsonl",
        ),
        (
            "Seed 000's meetings: JSON in the answer, one Graph event per element",
            "persona-label --list --format jsonl > personas.jsonl\n  llm-batch merge --records personas.jsonl --id id --explode --missing drop \\\n    --rejects failed.jsonl meetings_results.jsonl | graph-validate",
        ),
        (
            "Five variations per record (each its own id and seed), for a local model with vLLM",
            "llm-batch request --model Qwen/Qwen2.5-7B-Instruct --messages messages --n 5 chats.jsonl > requests.jsonl\n  # then: python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o results.jsonl --model ...",
        ),
    ],
    sections: &[
        (
            "Modes",
            "llm-batch request reads records and writes one request line per record (--n K: K lines) in the \
format of --api. llm-batch merge --records FILE reads the result files given as FILE arguments (any \
order, several files, compressed, OpenAI output and error files, Anthropic results) and writes each \
record of --records, in its order, with the answer in --into FIELD. It never opens a network \
connection: submit the request file with the provider's SDK or CLI, curl, or vLLM's run_batch.",
        ),
        (
            "Requests",
            "The user message is --prompt TEMPLATE (text with {{path}} placeholders, or a file holding it; a \
placeholder whose field is absent or null makes the record a bad record, missing PATH), or the record's \
own conversation with --messages PATH (an array of {role, content}). --system TEXT is the system prompt \
(OpenAI: a first system message; Anthropic: the system parameter). --max-tokens N (default 1024; \
OpenAI max_completion_tokens, Anthropic max_tokens), --temperature X and, for OpenAI, --json-schema FILE \
(response_format: a JSON Schema, or a {name, schema, strict} object) complete the request.\n\n\
OpenAI lines are {\"custom_id\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\" (--url), \"body\": {…}}; \
Anthropic lines are {\"custom_id\", \"params\": {…}} (the create call takes them as {\"requests\": [...]}: \
jq -s '{requests: .}' requests.jsonl). A file holds at most 50,000 requests and 200 MB (OpenAI) or \
100,000 and 256 MB (Anthropic): a larger request file is written whole, and the summary says by how \
much it exceeds the limit, so split it (split -l) before submitting, or give --out-dir DIR: numbered files \
requests-0001.jsonl, requests-0002.jsonl … each within the limits (a record's variations stay in one \
file), and manifest.json (api, model, and per file its path, requests, bytes and xxh3), all committed \
together or not at all (--force to replace a previous run).\n\n\
--only-missing FILE (repeatable, one per result file) resumes a batch: requests are written only for \
the ids (variations) those result files have no answer for; a record with every answer is counted as already answered. Failed \
results (errors, truncations, refusals) count as no answer, so they are asked again; merge then takes \
the retry's answer over the failure.",
        ),
        (
            "Identifiers",
            "custom_id is r followed by the 16 hex digits of the xxh3 hash of the record's bytes (without its \
line end), or the value at --id PATH (a string's text or a number), so the same input always gives the \
same ids. It must be 1 to 64 characters of A-Z a-z 0-9 _ - (both APIs): another value is a bad record. \
With --n K the ids get -1 … -K and OpenAI requests the seeds 1 … K. A record whose id was already used \
by an earlier, different record is a bad record naming that record's line; the same record again (the \
same bytes) is written once and counted, and merge gives the answer to every copy (and refuses it to \
a later, different record with that id, which had no request). merge must be given \
the same --id and --n to find the answers.",
        ),
        (
            "Merging",
            "The answer goes into --into FIELD (default response) as a string; --parse json takes the JSON \
value out of it (alone, in a ``` fence or amid prose) and writes it as JSON, --explode writes one line \
per element of the array it holds (each element as it is, for example one Graph event per line); \
--rating MIN..MAX writes one number in range (the answer alone, or after --rating-pattern REGEX, by \
default a number after \"rating\" or \"score\", or the only number in range). --usage adds \
{\"input_tokens\", \"output_tokens\"}; with --n each line also gets \"variation\": k.\n\n\
Every record is accounted: merged, rejected (API error with its status and message, truncated answers \
— finish_reason length, stop_reason max_tokens —, refusals, errored, canceled or expired Anthropic \
results, empty answers, unparseable JSON or ratings) or without a result, which --missing decides: \
reject (the default, a bad record), drop (counted) or keep (written unchanged). Where a record has \
answers for some variations only, those are written and the failures counted. Results whose custom_id \
matches no record, lines that are not results, and duplicate results (a later success replaces a \
failure; of two successes the first is kept) are counted and make the exit status 1 (except \
replaced failures). Token usage of every result is summed in the summary and --stats.\n\n\
Memory: the results' answers and an index of their ids (about 100 bytes plus the answer per \
result); the records are streamed.",
        ),
    ],
};

pub const TOOL: crate::Tool = crate::Tool { doc: &DOC, command: || cli::command::<Cli>(&DOC) };

/// What llm-batch does.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write batch request lines from records
    Request,
    /// Join batch results back onto the records
    Merge,
}

/// What goes into --into.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parse {
    /// The answer's text, as a string
    Text,
    /// The JSON value in the answer
    Json,
}

/// Turn records into LLM batch requests, and join the answers back
///
/// `llm-batch request` writes one request line per record for the OpenAI
/// Batch API (also vLLM run_batch) or Anthropic Message Batches; `llm-batch
/// merge --records FILE RESULTS...` writes every record with its answer, and
/// accounts for every record without one. No network connection is opened.
#[derive(Parser, Debug)]
#[command(name = "llm-batch", version)]
pub struct Cli {
    /// request: write batch requests from records; merge: join results onto --records
    #[arg(value_enum, value_name = "MODE", help_heading = "Mode")]
    pub mode: Mode,

    /// The provider's batch format
    #[arg(long, value_enum, value_name = "API", default_value_t = Api::Openai, help_heading = "Requests")]
    pub api: Api,

    /// The model every request names
    #[arg(long, value_name = "NAME", help_heading = "Requests")]
    pub model: Option<String>,

    /// The user message: text with {{path}} placeholders, or a file holding it
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "messages", help_heading = "Prompt")]
    pub prompt: Option<String>,

    /// Take the conversation from the record: an array of {role, content} at PATH
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Prompt")]
    pub messages: Option<FieldPath>,

    /// The system prompt of every request
    #[arg(long, value_name = "TEXT", help_heading = "Prompt")]
    pub system: Option<String>,

    /// Most tokens an answer may have
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Requests")]
    pub max_tokens: u64,

    /// Sampling temperature, 0 to 2
    #[arg(long, value_name = "X", value_parser = temperature, help_heading = "Requests")]
    pub temperature: Option<f64>,

    /// OpenAI structured output: a JSON Schema file (or a {name, schema, strict} object)
    #[arg(long, value_name = "FILE", help_heading = "Requests")]
    pub json_schema: Option<PathBuf>,

    /// The OpenAI endpoint of every request
    #[arg(
        long,
        value_name = "URL",
        default_value = "/v1/chat/completions",
        help_heading = "Requests"
    )]
    pub url: String,

    /// Requests per record (variations), each with its own id (-1 … -K) and seed
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000), help_heading = "Requests")]
    pub n: u32,

    /// Take each record's custom_id from PATH instead of the hash of its bytes
    #[arg(long, value_name = "PATH", value_parser = path::single_field, help_heading = "Requests")]
    pub id: Option<FieldPath>,

    /// Write requests only for what this result file has no answer for (resume a batch; repeatable)
    #[arg(long, value_name = "FILE", help_heading = "Requests")]
    pub only_missing: Vec<PathBuf>,

    /// merge: the records the requests were written from
    #[arg(long, value_name = "FILE", help_heading = "Merging")]
    pub records: Option<PathBuf>,

    /// merge: the field the answer goes into
    #[arg(long, value_name = "NAME", default_value = "response", help_heading = "Merging")]
    pub into: String,

    /// merge: write the answer's text, or the JSON value in it
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = Parse::Text, help_heading = "Merging")]
    pub parse: Parse,

    /// merge: one line per element of the answer's JSON array (implies --parse json)
    #[arg(long, help_heading = "Merging")]
    pub explode: bool,

    /// merge: take one number in MIN..MAX out of the answer (a judge's rating)
    #[arg(long, value_name = "MIN..MAX", value_parser = answer::Rating::range, help_heading = "Merging")]
    pub rating: Option<(f64, f64)>,

    /// merge: where the rating is; group 1 is the number
    #[arg(long, value_name = "REGEX", requires = "rating", help_heading = "Merging")]
    pub rating_pattern: Option<String>,

    /// merge: add the answer's token usage as "usage"
    #[arg(long, help_heading = "Merging")]
    pub usage: bool,

    /// merge: what to do with a record that has no result
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Missing::Reject, help_heading = "Selection")]
    pub missing: Missing,

    #[command(flatten)]
    pub common: Common,

    /// request: numbered request files under DIR, each within the API's limits, with manifest.json
    #[arg(long, value_name = "DIR", conflicts_with = "output", help_heading = "Output")]
    pub out_dir: Option<PathBuf>,

    /// Write into a non-empty --out-dir, replacing the previous run's files
    #[arg(long, requires = "out_dir", help_heading = "Output")]
    pub force: bool,
}

/// clap value parser for --temperature: a number from 0 to 2 (OpenAI's
/// range; Anthropic's is 0 to 1, which it checks itself).
fn temperature(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(t),
        _ => Err(format!("`{text}` is not a temperature from 0 to 2")),
    }
}

pub fn main() -> std::process::ExitCode {
    cli::main::<Cli>(&DOC, execute)
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let misplaced = |flags: &[(&str, bool)], mode: &str| -> Result<(), Error> {
        match flags.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(Error::Usage(format!("{flag} is for llm-batch {mode}"))),
            None => Ok(()),
        }
    };
    match cli.mode {
        Mode::Request => {
            misplaced(
                &[
                    ("--records", cli.records.is_some()),
                    ("--explode", cli.explode),
                    ("--rating", cli.rating.is_some()),
                    ("--usage", cli.usage),
                    ("--parse", cli.parse != Parse::Text),
                    ("--into", cli.into != "response"),
                    ("--missing", cli.missing != Missing::Reject),
                ],
                "merge",
            )?;
            request::execute(cli)
        }
        Mode::Merge => {
            misplaced(
                &[
                    ("--model", cli.model.is_some()),
                    ("--prompt", cli.prompt.is_some()),
                    ("--messages", cli.messages.is_some()),
                    ("--json-schema", cli.json_schema.is_some()),
                    ("--temperature", cli.temperature.is_some()),
                    ("--only-missing", !cli.only_missing.is_empty()),
                    ("--out-dir", cli.out_dir.is_some()),
                ],
                "request",
            )?;
            merge::execute(cli)
        }
    }
}
