//! `llm-batch merge`: reads every result file into an index by custom_id,
//! then streams the records, in their order, each with its answer (or with
//! the reason it has none). Records = merged + rejected + without a result,
//! always; results are accounted too (for no record, duplicate, not a result).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use regex::Regex;
use serde_json::{Map, Value, json};

use super::answer::{self, Rating};
use super::api::{self, Outcome};
use super::{Cli, Missing, Parse};
use crate::error::Error;
use crate::exit::Outcome as RunOutcome;
use crate::input::{Inputs, Line};
use crate::json::{self, PathSet, Raw};
use crate::path::ReadPlan;
use crate::pipeline::{self, Disposition, Emit, Flow, Processor, Settings};
use crate::run::{Run, Verdict};

/// One custom_id's result, and whether a record claimed it.
struct Entry {
    outcome: Outcome,
    input_tokens: u64,
    output_tokens: u64,
    used: AtomicBool,
}

/// What the result files held.
#[derive(Default)]
struct Index {
    entries: HashMap<String, Entry>,
    lines: u64,
    bad_lines: u64,
    duplicates: u64,
    replaced_failures: u64,
    input_tokens: u64,
    output_tokens: u64,
}

/// Parses result lines on the workers.
struct ResultReader;

impl Processor for ResultReader {
    type Acc = Vec<api::ResultLine>;

    fn acc(&self) -> Self::Acc {
        Vec::new()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Self::Acc) -> Disposition {
        match api::parse_result(line.bytes) {
            Ok(result) => {
                acc.push(result);
                emit.hold()
            }
            Err(why) => emit.reject("not a result", why),
        }
    }
}

/// Reads the result files in order; the first 20 lines that are not
/// results are named on stderr.
fn read_results(cli: &Cli) -> Result<Index, Error> {
    read_result_files(&cli.common.files, cli.common.threads)
}

/// The ids the result files `paths` hold an answer for (--only-missing).
pub(super) fn answered(
    paths: &[std::path::PathBuf],
    threads: Option<std::num::NonZeroUsize>,
) -> Result<std::collections::HashSet<String>, Error> {
    let index = read_result_files(paths, threads)?;
    Ok(index
        .entries
        .into_iter()
        .filter(|(_, e)| matches!(e.outcome, Outcome::Answer(_)))
        .map(|(id, _)| id)
        .collect())
}

fn read_result_files(
    paths: &[std::path::PathBuf],
    threads: Option<std::num::NonZeroUsize>,
) -> Result<Index, Error> {
    let inputs = Inputs::open(paths)?;
    let names = inputs.names();
    let settings = Settings::new(threads, false);
    let mut index = Index::default();
    pipeline::run(inputs, &settings, Arc::new(ResultReader), |done| {
        index.lines += done.counts.records;
        for reject in &done.rejects {
            index.bad_lines += 1;
            if index.bad_lines <= crate::report::SHOWN_REJECTS {
                let name = &names[done.chunk.source];
                let line = done.line_number(reject.index);
                let _ = writeln!(
                    crate::progress::stderr(),
                    "llm-batch: {}:{line}: not a result: {}",
                    crate::report::printable(name),
                    crate::report::printable(&reject.message)
                );
            }
        }
        for result in done.acc {
            index.add(result);
        }
        Ok(Flow::Continue)
    })?;
    Ok(index)
}

impl Index {
    fn add(&mut self, result: api::ResultLine) {
        self.input_tokens += result.input_tokens;
        self.output_tokens += result.output_tokens;
        let entry = Entry {
            outcome: result.outcome,
            input_tokens: result.input_tokens,
            output_tokens: result.output_tokens,
            used: AtomicBool::new(false),
        };
        match self.entries.get_mut(&result.custom_id) {
            None => {
                self.entries.insert(result.custom_id, entry);
            }
            // A retry's answer replaces the failure it was sent for.
            Some(was) if matches!(was.outcome, Outcome::Failed { .. }) => {
                if matches!(entry.outcome, Outcome::Answer(_)) {
                    self.replaced_failures += 1;
                } else {
                    self.duplicates += 1;
                }
                *was = entry;
            }
            Some(_) => self.duplicates += 1,
        }
    }
}

/// What a merged record is given.
enum Into {
    Text,
    Json,
    Explode,
    Rating(Rating),
}

struct Merger {
    index: Arc<Index>,
    /// With --id: each id's first record, (hash of its bytes, line), as
    /// `request` kept it; a later, different record with that id had no
    /// request and gets no answer.
    owners: Arc<HashMap<u64, (u64, u64)>>,
    into: Into,
    field: String,
    usage: bool,
    missing: Missing,
    n: u32,
    id_paths: PathSet,
    by_field: bool,
}

#[derive(Default)]
struct Acc {
    /// Failed variations of records that still had an answer: by category.
    partial: BTreeMap<&'static str, u64>,
    missing_kept: u64,
    scratch: Vec<u8>,
}

impl Processor for Merger {
    type Acc = Acc;

    fn acc(&self) -> Acc {
        Acc::default()
    }

    fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Acc) -> Disposition {
        let mut id_value: Option<Raw<'_>> = None;
        if let Err(e) = json::scan_object(line.bytes, &self.id_paths, &mut |_, raw| {
            id_value.get_or_insert(raw);
        }) {
            return emit.reject_json(&e);
        }
        emit.found(u64::from(id_value.is_some()));
        let base = match api::base_id(line.bytes, id_value.as_ref(), self.by_field, self.n) {
            Ok(id) => id,
            Err(why) => return emit.reject("bad custom_id", format!("--id field {why}")),
        };
        if let Some(&(owner, first_line)) = self.owners.get(&crate::hash::hash(0, base.as_bytes()))
            && owner != crate::hash::hash(1, line.bytes)
        {
            return emit.reject(
                "duplicate custom_id",
                format!("custom_id {base} is already used by line {first_line}; this record had no request"),
            );
        }
        let ids: Vec<String> = if self.n > 1 {
            (1..=self.n).map(|k| format!("{base}-{k}")).collect()
        } else {
            vec![base]
        };
        let mut written = 0;
        let mut failures: Vec<(&'static str, String)> = Vec::new();
        let mut found_any = false;
        for (k, id) in ids.iter().enumerate() {
            let Some(entry) = self.index.entries.get(id) else { continue };
            found_any = true;
            entry.used.store(true, Ordering::Relaxed);
            let failure = match &entry.outcome {
                Outcome::Answer(text) => match self.write(line.bytes, text, entry, k, emit, acc) {
                    Ok(lines) => {
                        written += lines;
                        continue;
                    }
                    Err(failure) => failure,
                },
                Outcome::Failed { category, message } => (*category, message.clone()),
            };
            failures.push((failure.0, format!("custom_id {id}: {}", failure.1)));
        }
        if written > 0 {
            // The record is merged; its failed variations are counted.
            for (category, _) in &failures {
                *acc.partial.entry(category).or_default() += 1;
            }
            return Disposition::Written;
        }
        if let Some((category, message)) = failures.into_iter().next() {
            return emit.reject(category, message);
        }
        if found_any {
            // An answer that exploded into nothing: an empty array.
            return emit.filter("empty array in the answer");
        }
        match self.missing {
            Missing::Reject => {
                emit.reject("no result", format!("no result for custom_id {}", ids[0]))
            }
            Missing::Drop => emit.filter("no result"),
            Missing::Keep => {
                acc.missing_kept += 1;
                emit.pass()
            }
        }
    }
}

impl Merger {
    /// Writes the record (or the exploded elements) with answer `text`;
    /// the lines written, or why the answer is unusable.
    fn write(
        &self,
        record: &[u8],
        text: &str,
        entry: &Entry,
        variation: usize,
        emit: &mut Emit<'_>,
        acc: &mut Acc,
    ) -> Result<u32, (&'static str, String)> {
        let value = match &self.into {
            Into::Text => json::quote(text),
            Into::Json | Into::Explode => {
                answer::json_in(text).map_err(|e| ("unparseable JSON", e))?
            }
            Into::Rating(r) => r.find(text).map_err(|e| ("no rating", e))?,
        };
        if matches!(self.into, Into::Explode) {
            let elements = answer::elements(&value).map_err(|e| ("unparseable JSON", e))?;
            // The record's disposition is `record`'s to return, once.
            for element in &elements {
                let _ = emit.write_with(0, |buf| buf.extend_from_slice(element.as_bytes()));
            }
            return Ok(elements.len() as u32);
        }
        // Built only when asked for: this runs once per merged record.
        let usage = self.usage.then(|| {
            format!(
                "{{\"input_tokens\":{},\"output_tokens\":{}}}",
                entry.input_tokens, entry.output_tokens
            )
        });
        let variation_text = (self.n > 1).then(|| (variation + 1).to_string());
        let mut fields: Vec<(&str, &[u8])> = vec![(&self.field, value.as_bytes())];
        if let Some(usage) = &usage {
            fields.push(("usage", usage.as_bytes()));
        }
        if let Some(variation) = &variation_text {
            fields.push(("variation", variation.as_bytes()));
        }
        acc.scratch.clear();
        json::set_fields(record, &fields, &mut acc.scratch)
            .map_err(|e| ("bad record", e.to_string()))?;
        let built = std::mem::take(&mut acc.scratch);
        let _ = emit.write_with(0, |buf| buf.extend_from_slice(&built));
        acc.scratch = built;
        Ok(1)
    }
}

/// Finds each --id's first record in a first pass over the records, the
/// order `request` saw them in (a file is read twice; standard input cannot
/// be, so with `--records -` the check is left out).
fn id_owners(cli: &Cli, records: &std::path::Path) -> Result<HashMap<u64, (u64, u64)>, Error> {
    struct Claims {
        paths: PathSet,
        n: u32,
    }
    impl Processor for Claims {
        type Acc = Vec<(u64, u64, u32)>;
        fn acc(&self) -> Self::Acc {
            Vec::new()
        }
        fn record(&self, line: &Line<'_>, emit: &mut Emit<'_>, acc: &mut Self::Acc) -> Disposition {
            let mut value: Option<Raw<'_>> = None;
            let scanned = json::scan_object(line.bytes, &self.paths, &mut |_, raw| {
                value.get_or_insert(raw);
            });
            if scanned.is_ok()
                && let Ok(id) = api::base_id(line.bytes, value.as_ref(), true, self.n)
            {
                let id_hash = crate::hash::hash(0, id.as_bytes());
                acc.push((id_hash, crate::hash::hash(1, line.bytes), line.index));
            }
            emit.hold()
        }
    }
    let mut owners = HashMap::new();
    if records.as_os_str() == "-" {
        return Ok(owners);
    }
    let Some(id) = &cli.id else { return Ok(owners) };
    let inputs = Inputs::open(std::slice::from_ref(&records.to_path_buf()))?;
    let claims = Claims { paths: crate::path::FieldPath::set([id]), n: cli.n };
    let settings = Settings::new(cli.common.threads, false);
    pipeline::run(inputs, &settings, Arc::new(claims), |done| {
        for &(id_hash, record_hash, index) in &done.acc {
            owners.entry(id_hash).or_insert((record_hash, done.line_number(index)));
        }
        Ok(Flow::Continue)
    })?;
    Ok(owners)
}

pub fn execute(cli: Cli) -> Result<RunOutcome, Error> {
    let Some(records) = cli.records.clone() else {
        return Err(Error::Usage(
            "llm-batch merge needs --records FILE (the records the requests were written from)"
                .into(),
        ));
    };
    if cli.common.files.is_empty() {
        return Err(Error::Usage(
            "llm-batch merge needs the result files as FILE arguments".into(),
        ));
    }
    let into = match (cli.rating, cli.explode, cli.parse) {
        (Some(_), true, _) => {
            return Err(Error::Usage("--rating and --explode do not go together".into()));
        }
        (Some((min, max)), false, _) => {
            let pattern = cli.rating_pattern.as_deref().unwrap_or(answer::DEFAULT_RATING_PATTERN);
            let pattern =
                Regex::new(pattern).map_err(|e| Error::Usage(format!("--rating-pattern: {e}")))?;
            if pattern.captures_len() < 2 {
                return Err(Error::Usage(
                    "--rating-pattern needs a group, (…), around the number".into(),
                ));
            }
            Into::Rating(Rating { min, max, pattern })
        }
        (None, true, _) => Into::Explode,
        (None, false, Parse::Json) => Into::Json,
        (None, false, Parse::Text) => Into::Text,
    };
    if cli.into.is_empty() {
        return Err(Error::Usage("--into needs a field name".into()));
    }
    let owners = if cli.id.is_some() { id_owners(&cli, &records)? } else { HashMap::new() };
    let records_inputs = Inputs::open(std::slice::from_ref(&records))?;
    let index = Arc::new(read_results(&cli)?);
    let mut reads = ReadPlan::<()>::default();
    if let Some(id) = &cli.id {
        reads.named("--id", id, ());
    }
    let merger = Merger {
        index: index.clone(),
        owners: Arc::new(owners),
        into,
        field: cli.into.clone(),
        usage: cli.usage,
        missing: cli.missing,
        n: cli.n,
        id_paths: reads.path_set(),
        by_field: cli.id.is_some(),
    };
    let mut common = cli.common.clone();
    common.files = vec![records];
    let mut run = Run::start("llm-batch", &common, &records_inputs, true)?;
    run.watch_fields(reads.watched());
    let mut partial: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut missing_kept = 0;
    let settings = run.settings.clone();
    pipeline::run(records_inputs, &settings, Arc::new(merger), |done| {
        let flow = run.account(&done)?;
        run.write(&done, 0)?;
        for (category, n) in &done.acc.partial {
            *partial.entry(category).or_default() += n;
        }
        missing_kept += done.acc.missing_kept;
        Ok(flow)
    })?;
    summarise(run, &cli, &index, &partial, missing_kept)
}

fn summarise(
    run: Run,
    cli: &Cli,
    index: &Index,
    partial: &BTreeMap<&'static str, u64>,
    missing_kept: u64,
) -> Result<RunOutcome, Error> {
    let counts = run.counts();
    let unmatched =
        index.entries.values().filter(|e| !e.used.load(Ordering::Relaxed)).count() as u64;
    let mut summary = format!(
        "merged {} of {} records ({}); {}",
        counts.written - missing_kept,
        counts.records,
        crate::report::percent(counts.written - missing_kept, counts.records),
        run.rejected_phrase()
    );
    if missing_kept > 0 {
        summary.push_str(&format!("; {missing_kept} without a result (kept unchanged)"));
    }
    for (reason, n) in counts.filtered.sorted() {
        summary.push_str(&format!("; {n} {reason} (dropped)"));
    }
    let failed_variations: u64 = partial.values().sum();
    if failed_variations > 0 {
        let list: Vec<String> =
            partial.iter().filter(|(_, n)| **n > 0).map(|(c, n)| format!("{n} {c}")).collect();
        summary.push_str(&format!(
            "; {failed_variations} failed variations of merged records ({})",
            list.join(", ")
        ));
    }
    summary.push_str(&format!(
        "\nllm-batch: {} result lines read: {} for no record, {} duplicate, {} not results{}; tokens {} in, {} out",
        index.lines,
        unmatched,
        index.duplicates,
        index.bad_lines,
        if index.replaced_failures > 0 {
            format!(", {} failures replaced by a retry's answer", index.replaced_failures)
        } else {
            String::new()
        },
        index.input_tokens,
        index.output_tokens
    ));
    let mut extra = Map::new();
    extra.insert("results_read".into(), json!(index.lines));
    extra.insert("results_for_no_record".into(), json!(unmatched));
    extra.insert("duplicate_results".into(), json!(index.duplicates));
    extra.insert("replaced_failures".into(), json!(index.replaced_failures));
    extra.insert("not_results".into(), json!(index.bad_lines));
    extra.insert("missing_kept".into(), json!(missing_kept));
    extra.insert(
        "failed_variations".into(),
        Value::Object(partial.iter().map(|(c, n)| (c.to_string(), json!(n))).collect()),
    );
    extra.insert("input_tokens".into(), json!(index.input_tokens));
    extra.insert("output_tokens".into(), json!(index.output_tokens));
    extra.insert("into".into(), json!(cli.into));
    let results_wrong = unmatched > 0 || index.duplicates > 0 || index.bad_lines > 0;
    run.finish(&summary, extra, Verdict::failed_if(results_wrong))
}
