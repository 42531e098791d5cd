//! `llm-batch request`: one request line per record (K with --n), with a
//! stable custom_id. Workers build the lines; the sink, which sees records
//! in input order, refuses an id an earlier record already used, so which
//! record keeps an id never depends on threads.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Cli;
use super::api::{self, Api, Settings};
use crate::error::Error;
use crate::exit::Outcome;
use crate::input::{Inputs, Line};
use crate::json::{self, PathSet, Raw};
use crate::path::ReadPlan;
use crate::pipeline::{self, Disposition, Emit, Flow, Processor};
use crate::run::{Run, Verdict};
use crate::template::{self, Template};

/// What a path of the scan is for.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Placeholder,
    Messages,
    Id,
}

struct Builder {
    settings: Settings,
    prompt: Option<Template>,
    paths: PathSet,
    roles: Vec<Role>,
    n: u32,
    /// --only-missing: the ids that already have an answer.
    answered: HashSet<String>,
}

/// A record whose requests are built, waiting for the sink's id check.
struct Held {
    index: u32,
    /// The record's bytes in the chunk (for --rejects).
    start: usize,
    end: usize,
    /// The record's base id, hashed, and as text; the hash of its bytes.
    id_hash: u64,
    record_hash: u64,
    id: String,
    /// Its request lines in the chunk's buffer, and how many.
    lines: std::ops::Range<usize>,
    requests: u32,
}

#[derive(Default)]
struct Acc {
    buf: Vec<u8>,
    held: Vec<Held>,
}

impl Processor for Builder {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let mut values: Vec<Option<Raw<'_>>> = vec![None; self.roles.len()];
        if let Err(e) = json::scan_object(line.bytes, &self.paths, &mut |slot, raw| {
            values[slot].get_or_insert(raw);
        }) {
            return emit.reject_json(&e);
        }
        emit.found(crate::fields::mask(&values));
        let at = |role: Role| self.roles.iter().position(|r| *r == role);
        let id_value = at(Role::Id).and_then(|slot| values[slot].as_ref());
        let id = match api::base_id(line.bytes, id_value, at(Role::Id).is_some(), self.n) {
            Ok(id) => id,
            Err(why) => return emit.reject("bad custom_id", format!("--id field {why}")),
        };
        let messages = match self.messages(&values) {
            Ok(messages) => messages,
            Err((category, message)) => return emit.reject(category, message),
        };
        let start = acc.buf.len();
        let mut requests = 0;
        for k in 1..=self.n {
            let (id, seed) = if self.n > 1 {
                (format!("{id}-{k}"), (self.settings.api == Api::Openai).then_some(k))
            } else {
                (id.clone(), None)
            };
            if self.answered.contains(&id) {
                continue;
            }
            api::write_request(&mut acc.buf, &self.settings, &id, &messages, seed);
            acc.buf.push(b'\n');
            requests += 1;
        }
        if requests == 0 {
            return emit.filter("already answered (--only-missing)");
        }
        acc.held.push(Held {
            index: line.index,
            start: line.start,
            end: line.start + line.bytes.len(),
            id_hash: crate::hash::hash(0, id.as_bytes()),
            record_hash: crate::hash::hash(1, line.bytes),
            id,
            lines: start..acc.buf.len(),
            requests,
        });
        emit.hold()
    }
}

impl Builder {
    /// The messages array of the request, as JSON text.
    fn messages(&self, values: &[Option<Raw<'_>>]) -> Result<Vec<u8>, (&'static str, String)> {
        if let Some(slot) = self.roles.iter().position(|r| *r == Role::Messages) {
            let Some(raw) = &values[slot] else {
                return Err(("missing messages", "missing messages (--messages)".into()));
            };
            return self.checked_messages(raw);
        }
        let Some(prompt) = &self.prompt else {
            return Err(("no prompt", "no prompt (give --prompt or --messages)".into()));
        };
        let mut out = b"[{\"role\":\"user\",\"content\":".to_vec();
        let mut k = 0;
        let filled = prompt.render_json(&mut out, |_| {
            let raw = values.get(k).copied().flatten();
            k += 1;
            raw
        });
        if let Err(path) = filled {
            return Err(("missing field", format!("missing {path} (used by --prompt)")));
        }
        out.extend_from_slice(b"}]");
        Ok(out)
    }

    /// A record's own conversation: an array of {role, content} objects
    /// with roles the API takes.
    fn checked_messages(&self, raw: &Raw<'_>) -> Result<Vec<u8>, (&'static str, String)> {
        let bad = |why: String| ("bad messages", format!("--messages: {why}"));
        let list: Vec<Map<String, Value>> = serde_json::from_str(raw.text())
            .map_err(|_| bad("not an array of {role, content} objects".into()))?;
        if list.is_empty() {
            return Err(bad("an empty conversation".into()));
        }
        let allowed: &[&str] = match self.settings.api {
            Api::Openai => &["system", "developer", "user", "assistant", "tool"],
            Api::Anthropic => &["user", "assistant"],
        };
        for (i, m) in list.iter().enumerate() {
            let role = m.get("role").and_then(Value::as_str).unwrap_or("");
            if !allowed.contains(&role) || !m.contains_key("content") {
                let hint = if self.settings.api == Api::Anthropic && role == "system" {
                    " (Anthropic takes the system prompt as --system)"
                } else {
                    " (convert with fmt-migrate --to messages)"
                };
                return Err(bad(format!(
                    "message {i} has role {role:?}; {} takes {}{hint}",
                    self.settings.api.name(),
                    allowed.join(", ")
                )));
            }
        }
        Ok(raw.text().as_bytes().to_vec())
    }
}

/// OpenAI's response_format from a --json-schema file.
fn response_format(path: &std::path::Path) -> Result<String, Error> {
    let (name, bytes) = crate::document::read_bytes(path)?;
    let schema: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Config(format!("--json-schema {name}: not JSON ({e})")))?;
    let wrapped = if schema.get("schema").is_some() && schema.get("name").is_some() {
        schema
    } else {
        json!({"name": "response", "schema": schema, "strict": true})
    };
    Ok(json!({"type": "json_schema", "json_schema": wrapped}).to_string())
}

pub fn execute(cli: Cli) -> Result<Outcome, Error> {
    let Some(model) = cli.model.clone().filter(|m| !m.trim().is_empty()) else {
        return Err(Error::Usage("llm-batch request needs --model NAME".into()));
    };
    if cli.prompt.is_none() && cli.messages.is_none() {
        return Err(Error::Usage(
            "llm-batch request needs the user message: --prompt TEMPLATE or --messages PATH".into(),
        ));
    }
    if cli.api == Api::Anthropic && cli.json_schema.is_some() {
        return Err(Error::Usage(
            "--json-schema is OpenAI's response_format; for Anthropic, describe the JSON in the prompt and merge with --parse json".into(),
        ));
    }
    let prompt = cli.prompt.as_deref().map(|spec| template::load(spec, "--prompt")).transpose();
    let prompt = prompt.map_err(Error::Usage)?;
    let response_format = cli.json_schema.as_deref().map(response_format).transpose()?;
    let mut reads = ReadPlan::default();
    if let Some(t) = &prompt {
        for field in t.fields() {
            reads.named("--prompt", field, Role::Placeholder);
        }
    }
    if let Some(m) = &cli.messages {
        reads.named("--messages", m, Role::Messages);
    }
    if let Some(id) = &cli.id {
        reads.named("--id", id, Role::Id);
    }
    let builder = Builder {
        settings: Settings {
            api: cli.api,
            model,
            url: cli.url.clone(),
            max_tokens: cli.max_tokens,
            temperature: cli.temperature,
            system: cli.system.clone(),
            response_format,
        },
        prompt,
        paths: reads.path_set(),
        roles: reads.roles().to_vec(),
        n: cli.n,
        answered: if cli.only_missing.is_empty() {
            HashSet::new()
        } else {
            super::merge::answered(&cli.only_missing, cli.common.threads)?
        },
    };
    let inputs = Inputs::open(&cli.common.files)?;
    let mut sink = match &cli.out_dir {
        Some(root) => Sink::Dir(Parts::new(root, cli.force, cli.api)?),
        None => Sink::Stream,
    };
    let mut run = Run::start("llm-batch", &cli.common, &inputs, cli.out_dir.is_none())?;
    run.watch_fields(reads.watched());

    // An id's first record, by hash: (source, line, hash of its bytes).
    let mut first: HashMap<u64, (usize, u64, u64)> = HashMap::new();
    let (mut requests, mut bytes) = (0u64, 0u64);
    let settings = run.settings.clone();
    pipeline::run(inputs, &settings, Arc::new(builder), |done| {
        let mut flow = run.account(&done)?;
        for held in &done.acc.held {
            let (_, line) = run.position(&done, held.index);
            let source = done.chunk.source;
            if let Some(&(was_source, was_line, was_bytes)) = first.get(&held.id_hash) {
                let place = if was_source == source {
                    format!("line {was_line}")
                } else {
                    format!("{}:{was_line}", run.source_name(was_source))
                };
                if was_bytes == held.record_hash {
                    // The same record again: its request is written once, and
                    // merge gives the answer to every copy.
                    run.decide_held(0, &[("the same record as an earlier one (one request)", 1)])?;
                    continue;
                }
                let message = format!("custom_id {} is already used by {place}", held.id);
                let record = &done.chunk.bytes()[held.start..held.end];
                if run.reject_held(&done, held.index, record, "duplicate custom_id", &message)?
                    == Flow::Stop
                {
                    flow = Flow::Stop;
                    break;
                }
                continue;
            }
            first.insert(held.id_hash, (source, line, held.record_hash));
            let lines = &done.acc.buf[held.lines.clone()];
            match &mut sink {
                Sink::Stream => run.output_mut()?.write(lines)?,
                Sink::Dir(parts) => parts.write(lines, u64::from(held.requests))?,
            }
            run.write_held(1, u64::from(held.requests))?;
            requests += u64::from(held.requests);
            bytes += lines.len() as u64;
        }
        run.flush_if_paused(&done)?;
        Ok(flow)
    })?;
    summarise(run, &cli, sink, requests, bytes)
}

/// Where the request lines go.
enum Sink {
    /// Standard output or -o, whole.
    Stream,
    Dir(Parts),
}

/// Numbered request files, each within the API's limits.
struct Parts {
    dir: crate::outdir::OutDir,
    limits: (u64, u64),
    /// The open file: (id, requests, bytes).
    current: Option<(usize, u64, u64)>,
    count: usize,
}

impl Parts {
    fn new(root: &Path, force: bool, api: Api) -> Result<Parts, Error> {
        crate::guard::output_dir("--out-dir", root)?;
        let dir = crate::outdir::OutDir::create(root, force)?;
        Ok(Parts { dir, limits: api.limits(), current: None, count: 0 })
    }

    /// Writes one record's request lines, starting a new file when they
    /// would take the open one past a limit (a record is never split).
    fn write(&mut self, lines: &[u8], requests: u64) -> Result<(), Error> {
        let bytes = lines.len() as u64;
        let (max_requests, max_bytes) = self.limits;
        let fits =
            |&(_, r, b): &(usize, u64, u64)| r + requests <= max_requests && b + bytes <= max_bytes;
        let current = match self.current.filter(fits) {
            Some(open) => open,
            None => {
                self.count += 1;
                let id = self.dir.add(&format!("requests-{:04}.jsonl", self.count))?;
                (id, 0, 0)
            }
        };
        self.dir.write(current.0, lines)?;
        self.current = Some((current.0, current.1 + requests, current.2 + bytes));
        Ok(())
    }
}

fn summarise(run: Run, cli: &Cli, sink: Sink, requests: u64, bytes: u64) -> Result<Outcome, Error> {
    let counts = run.counts();
    let (max_requests, max_bytes) = cli.api.limits();
    let mut summary = format!(
        "wrote {requests} {} request{} for {} of {} records; {}",
        cli.api.name(),
        if requests == 1 { "" } else { "s" },
        counts.written,
        counts.records,
        run.rejected_phrase()
    );
    let answered = counts.filtered.get("already answered (--only-missing)");
    if answered > 0 {
        summary.push_str(&format!("; {answered} already answered"));
    }
    let mut extra = Map::new();
    if let Sink::Dir(parts) = sink {
        let files: Vec<Value> = parts.dir.summaries().iter().map(|f| f.to_json()).collect();
        let root = crate::report::printable_path(parts.dir.root());
        if run.stopped_early() {
            drop(parts);
            summary.push_str(&format!("; stopped early: no file written to {root}"));
        } else {
            let manifest = json!({
                "tool": "llm-batch",
                "version": env!("CARGO_PKG_VERSION"),
                "api": cli.api.name(),
                "model": cli.model,
                "requests": requests,
                "records_in": counts.records,
                "files": files,
            });
            parts.dir.commit(&manifest)?;
            summary.push_str(&format!("; {} files and manifest.json in {root}", files.len()));
        }
        extra.insert("out_dir".into(), json!(root));
        extra.insert("files".into(), json!(files.len()));
    }
    let over = cli.out_dir.is_none() && (requests > max_requests || bytes > max_bytes);
    if over {
        summary.push_str(&format!(
            "\nllm-batch: the requests ({requests}, {} MB) exceed what one {} batch file takes ({max_requests} requests, {} MB): split the file before submitting (e.g. split -l {max_requests})",
            bytes / (1024 * 1024),
            cli.api.name(),
            max_bytes / (1024 * 1024)
        ));
    }
    extra.insert("api".into(), json!(cli.api.name()));
    extra.insert("requests".into(), json!(requests));
    extra.insert("request_bytes".into(), json!(bytes));
    extra.insert("variations".into(), json!(cli.n));
    extra.insert("over_file_limit".into(), json!(over));
    run.finish(&summary, extra, Verdict::Pass)
}
