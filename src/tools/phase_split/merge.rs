//! `phase-split --merge SET...`: the `--out-dir` sets of phase-split runs
//! over shards (GNU parallel jobs, Spark tasks, a loop over files), given in
//! shard order, merged into the set, or the output, that one run over the
//! whole input writes.
//!
//! A hash split decides each record on its own (its seeded hash, or its
//! group's), and so does the classifier, so a record gets the same split and
//! phase in a shard as in the whole run; only the grouping differs, each
//! shard grouping its own records. The merge therefore joins, for every
//! (split, phase) in the whole run's order, that file of each shard in shard
//! order, checking each against its shard's manifest (records, bytes, xxh3)
//! while it copies. The phase order is the union of the shards' orders in
//! shard order: a phase first seen in a later shard comes later, as it does
//! in the whole run. The settings are read back from the arguments each
//! shard's manifest records and must agree; the counts (records read, blank
//! lines, bad records by reason, the classifier's reasons, records per
//! split and phase) are added up. The run's own report code then writes the
//! summary, `--stats` and `manifest.json`, so they are the whole run's by
//! construction, except `args` (the merge's own) and the added `shards`
//! (each set's folder and the arguments of its run).
//!
//! Refused, because the whole run decides them over the whole input:
//! `--stratify` (splits assigned in input order), `--check-leakage` (values
//! compared across every split) and a shard whose gate failed or that
//! stopped at `--fail-fast` (it wrote no set). `--min-share` is best given to
//! the merge rather than the shards, where it judges the merged shares.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use clap::Parser;
use serde_json::{Value, json};
use xxhash_rust::xxh3::Xxh3;

use crate::error::Error;
use crate::exit::Outcome;
use crate::input::Inputs;
use crate::json;
use crate::outdir::MANIFEST;
use crate::report::{Counts, Tally, printable};
use crate::run::Run;

use super::classify::Reason;
use super::sink::{Phases, Sink, Target};
use super::summary::{MergedFrom, report};
use super::{Cli, open_target, plan_scan};

/// Copied in blocks of this size: memory does not grow with a file.
const BLOCK: usize = 1 << 20;

/// One shard's set: where it is, what its manifest says, and the settings
/// its run was given.
struct ShardSet {
    /// The folder, for messages.
    name: String,
    dir: PathBuf,
    manifest: Value,
    /// The arguments its run recorded, and those arguments parsed.
    args: Vec<String>,
    cli: Cli,
}

/// One file of a shard set, as its manifest lists it.
struct ListedFile {
    path: PathBuf,
    name: String,
    records: u64,
    bytes: u64,
    xxh3: String,
}

/// A set's files by (split, phase position) of the whole run.
type SetFiles = HashMap<(usize, usize), ListedFile>;

/// The plan: read and check the shard sets; take the whole run's settings
/// from them; open the destination and the run; copy every (split, phase)
/// file of every shard in order; report as the whole run.
pub(super) fn merge(cli: Cli) -> Result<Outcome, Error> {
    check_flags(&cli)?;
    let shards = read_sets(&cli.common.files)?;
    check_totals(&shards)?;
    let whole = whole_run(cli, &shards)?;
    let labels: Vec<String> = shards.iter().map(|s| format!("{}: {MANIFEST}", s.name)).collect();
    let names = super::union_of_orders(
        labels.iter().zip(&shards).map(|(label, s)| (label.as_str(), s.manifest.get("order"))),
    )?;
    let split_names: Vec<String> =
        whole.split.as_ref().map(|s| s.names.clone()).unwrap_or_default();
    let files = listed_files(&shards, &names, &split_names)?;

    let target = open_target(&whole)?;
    let inputs = Inputs::from_memory("<merge>", Vec::new());
    let mut run = Run::start("phase-split", &whole.common, &inputs, whole.out_dir.is_none())?;
    let mut sink = merged_sink(&whole, &shards, &names, split_names, target)?;
    absorb_accounts(&mut run, &whole, &shards)?;

    for split in 0..sink.splits() {
        for position in 0..names.len() {
            for (shard, listed) in shards.iter().zip(&files) {
                if let Some(file) = listed.get(&(split, position)) {
                    copy_file(&mut run, &mut sink, split, position, shard, file)?;
                }
            }
        }
    }
    let merged = MergedFrom {
        sets: shards.len(),
        shards: Value::Array(
            shards.iter().map(|s| json!({"set": s.name, "args": s.args})).collect(),
        ),
    };
    report(whole, run, sink, 0, Some(merged))
}

/// --merge reads sets, not records: the flags that would read records are
/// refused here (the settings ones by clap).
fn check_flags(cli: &Cli) -> Result<(), Error> {
    if cli.common.files.is_empty() {
        return Err(Error::Usage(
            "--merge needs the shards' --out-dir sets, in shard order".into(),
        ));
    }
    if cli.common.fail_fast {
        return Err(Error::Usage(
            "--fail-fast does not apply to --merge, which reads no records: give it to the shard \
runs (a shard that stops writes no set, and the merge then refuses)"
                .into(),
        ));
    }
    if cli.common.rejects.is_some() {
        return Err(Error::Usage(
            "--rejects does not apply to --merge, which reads no records: merge the shards' \
--rejects files with `shard-merge rejects`"
                .into(),
        ));
    }
    let real: Vec<PathBuf> = cli
        .common
        .files
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    for (i, a) in cli.common.files.iter().enumerate() {
        if real[..i].contains(&real[i]) {
            return Err(Error::Usage(format!(
                "--merge: {} is given twice; each shard's set once, in shard order",
                printable(&a.display().to_string())
            )));
        }
    }
    Ok(())
}

/// Reads each set's manifest and the arguments of its run.
fn read_sets(dirs: &[PathBuf]) -> Result<Vec<ShardSet>, Error> {
    let mut sets = Vec::new();
    for dir in dirs {
        let name = printable(&dir.display().to_string());
        let bad = |why: String| Error::Config(format!("{name}: {why}"));
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return Err(bad(format!(
                "no {MANIFEST}, so not a phase-split --out-dir set (a shard run whose gate \
failed, that stopped at --fail-fast or was interrupted writes none)"
            )));
        }
        crate::guard::input(&path, &name)?;
        let text = std::fs::read(&path).map_err(|source| Error::Input {
            name: printable(&path.display().to_string()),
            source,
        })?;
        let manifest: Value = serde_json::from_slice(&text)
            .map_err(|e| bad(format!("{MANIFEST} is not JSON: {e}")))?;
        if manifest.get("tool").and_then(Value::as_str) != Some("phase-split") {
            return Err(bad(format!("{MANIFEST} was not written by phase-split")));
        }
        let version = manifest.get("version").and_then(Value::as_str).unwrap_or("?");
        if version != env!("CARGO_PKG_VERSION") {
            return Err(bad(format!(
                "written by phase-split {}; merge sets written by this version ({})",
                printable(version),
                env!("CARGO_PKG_VERSION")
            )));
        }
        let args: Vec<String> = manifest
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .ok_or_else(|| bad(format!("{MANIFEST} does not record the run's arguments")))?;
        let cli = parse_args(&args).map_err(|e| {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            bad(format!(
                "the run's recorded arguments do not parse ({}): written by another phase-split?",
                first.trim_start_matches("error: ")
            ))
        })?;
        if cli.merge {
            return Err(bad("a merged set: merge the shards' own sets".into()));
        }
        // The same command line and the same files, checksums included: a copy
        // of one set (two shards run alike in their own folders differ in files).
        let twin = sets.iter().find(|s: &&ShardSet| {
            s.args == args && s.manifest.get("files") == manifest.get("files")
        });
        if let Some(twin) = twin {
            return Err(Error::Usage(format!(
                "{name} and {} record the same command line and the same files (one shard's set \
twice?)",
                twin.name
            )));
        }
        sets.push(ShardSet { name, dir: dir.clone(), manifest, args, cli });
    }
    Ok(sets)
}

/// The exact --split weights of a run with these recorded arguments.
pub(crate) fn split_weights(args: &[String]) -> Option<Vec<f64>> {
    parse_args(args).ok()?.split.map(|s| s.weights)
}

fn parse_args(args: &[String]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("phase-split").chain(args.iter().map(String::as_str)))
}

/// Every count the merge adds up fits in 64 bits when added (a hostile or
/// corrupted manifest could hold counts near the limit), so the sums below
/// cannot overflow.
fn check_totals(shards: &[ShardSet]) -> Result<(), Error> {
    let counts = |m: &Value| -> Vec<u64> {
        let top = ["records_in", "blank_lines", "records", "looked_up"];
        let mut v: Vec<u64> =
            top.iter().filter_map(|k| m.get(*k).and_then(Value::as_u64)).collect();
        let classifier = m.get("classifier");
        let reasons = classifier.and_then(|c| c.get("reasons")).and_then(Value::as_object);
        v.extend(reasons.into_iter().flat_map(|r| r.values()).filter_map(Value::as_u64));
        let present = m.get("fields_present").and_then(Value::as_array);
        v.extend(present.into_iter().flatten().filter_map(Value::as_u64));
        let chosen = classifier.and_then(|c| c.get("answers_from_chosen"));
        v.extend(chosen.and_then(Value::as_u64));
        let rejected = m.get("rejected").and_then(Value::as_object);
        v.push(
            rejected
                .into_iter()
                .flat_map(|r| r.values())
                .filter_map(Value::as_u64)
                .fold(0, u64::saturating_add),
        );
        v
    };
    let mut total = 0u64;
    for shard in shards {
        for n in counts(&shard.manifest) {
            total = total.checked_add(n).ok_or_else(|| {
                Error::Config(format!(
                    "{}: {MANIFEST} holds counts too large to add up: not a real run's",
                    shard.name
                ))
            })?;
        }
    }
    Ok(())
}

/// The settings that decide a record's phase and split, and the accounting
/// rules: what every shard must share for the merge to be the whole run.
fn settings(cli: &Cli, with_min_share: bool) -> String {
    format!(
        "{:?}",
        (
            (&cli.answer, &cli.context, cli.max_extractive_words, &cli.refusal_patterns),
            (cli.no_default_refusals, &cli.phase_field, &cli.phase_rules, &cli.order),
            (&cli.split, &cli.seed, &cli.group, cli.no_tag),
            (cli.common.max_line_bytes, cli.min_share.filter(|_| with_min_share)),
        )
    )
}

/// The whole run's flags: the first shard's settings (every shard's must
/// match), with the merge's own destination, --min-share and output flags.
fn whole_run(merge: Cli, shards: &[ShardSet]) -> Result<Cli, Error> {
    let first = &shards[0];
    let own_gate = merge.min_share.is_some();
    for shard in &shards[1..] {
        if settings(&shard.cli, !own_gate) != settings(&first.cli, !own_gate) {
            return Err(Error::Config(format!(
                "{} was split with other settings than {} (its arguments: {}): merge sets \
written with the same flags, inputs and --out-dir aside",
                shard.name,
                first.name,
                printable(&shard.manifest.get("args").map(Value::to_string).unwrap_or_default())
            )));
        }
    }
    let refuse = |why: &str| Err(Error::Usage(format!("cannot merge these sets: {why}")));
    if first.cli.stratify.is_some() {
        return refuse(
            "--stratify assigns splits in input order over the whole input, so a shard's \
splits are not the whole run's; run phase-split --stratify once over the whole input",
        );
    }
    if first.cli.check_leakage.is_some() {
        return refuse(
            "--check-leakage compares values across the whole input, which each shard saw \
only its part of; run the shards without it (with --group on the field, no value can \
straddle splits), or run the check once over the whole input",
        );
    }
    if merge.min_share.is_some() && first.cli.split.is_none() {
        return Err(Error::Usage("--min-share: these sets were written without --split".into()));
    }
    let mut whole = parse_args(&first.args)
        .map_err(|e| Error::Internal(format!("arguments that parsed once do not parse: {e}")))?;
    whole.common = merge.common;
    whole.common.files = Vec::new();
    whole.out_dir = merge.out_dir;
    whole.force = merge.force;
    whole.compress = merge.compress;
    whole.min_share = merge.min_share.or(first.cli.min_share);
    Ok(whole)
}

/// Each shard's files by (split, phase position) of the whole run, checked
/// to be inside their set and of the size their manifest says.
fn listed_files(
    shards: &[ShardSet],
    names: &[String],
    split_names: &[String],
) -> Result<Vec<SetFiles>, Error> {
    let mut all = Vec::new();
    for shard in shards {
        let bad = |why: String| Error::Config(format!("{}: {MANIFEST}: {why}", shard.name));
        let Some(list) = shard.manifest.get("files").and_then(Value::as_array) else {
            return Err(bad("no list of files".into()));
        };
        let mut files = HashMap::new();
        let mut listed_records = 0u64;
        for entry in list {
            let text = |key: &str| entry.get(key).and_then(Value::as_str);
            let count = |key: &str| entry.get(key).and_then(Value::as_u64);
            let (Some(path), Some(records), Some(bytes), Some(xxh3), Some(phase)) =
                (text("path"), count("records"), count("bytes"), text("xxh3"), text("phase"))
            else {
                return Err(bad(format!(
                    "a file entry without path, records, bytes, xxh3 or phase: {entry}"
                )));
            };
            let relative = Path::new(path);
            if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err(bad(format!("the file {} is not inside the set", printable(path))));
            }
            let position = names.iter().position(|n| n == phase);
            let split = match text("split") {
                None if split_names.is_empty() => Some(0),
                Some(s) => split_names.iter().position(|n| n == s),
                None => None,
            };
            let (Some(position), Some(split)) = (position, split) else {
                return Err(bad(format!(
                    "the file {} is of a phase or split the set does not list",
                    printable(path)
                )));
            };
            listed_records = listed_records
                .checked_add(records)
                .ok_or_else(|| bad("record counts that overflow".into()))?;
            let file = ListedFile {
                path: shard.dir.join(relative),
                name: format!("{}/{}", shard.name, printable(path)),
                records,
                bytes,
                xxh3: xxh3.to_string(),
            };
            check_present(&file)?;
            crate::guard::input(&file.path, &file.name)?;
            if files.insert((split, position), file).is_some() {
                return Err(bad(format!(
                    "two files for split {split}, phase {}",
                    printable(phase)
                )));
            }
        }
        if shard.manifest.get("records").and_then(Value::as_u64) != Some(listed_records) {
            return Err(bad(format!(
                "`records` is not the {listed_records} records its files hold: the set changed \
since its run"
            )));
        }
        all.push(files);
    }
    Ok(all)
}

/// A listed file exists and, when stored plain, has the size its manifest
/// says: a set changed since its run is found before anything is written.
fn check_present(file: &ListedFile) -> Result<(), Error> {
    let meta = std::fs::metadata(&file.path)
        .map_err(|source| Error::Input { name: file.name.clone(), source })?;
    let compressed = crate::compress::Compression::for_path(&file.path).is_some();
    if !compressed && meta.len() != file.bytes {
        return Err(Error::Config(format!(
            "{}: {} bytes, but its manifest says {}: the set changed since its run",
            file.name,
            meta.len(),
            file.bytes
        )));
    }
    Ok(())
}

/// The sink the report reads, holding the merged tallies.
fn merged_sink(
    whole: &Cli,
    shards: &[ShardSet],
    names: &[String],
    split_names: Vec<String>,
    target: Target,
) -> Result<Sink, Error> {
    let phases = Phases::new(names);
    let split_json = split_names.iter().map(|n| json::quote(n).into_bytes()).collect();
    let mut sink = Sink {
        matrix: vec![vec![0; names.len()]; split_names.len().max(1)],
        phases,
        leaks: None,
        split_names,
        split_json,
        target,
        reasons: [0; 6],
        from_chosen: 0,
        stratifier: None,
        groups: HashMap::new(),
        tag: !whole.no_tag,
        by: whole.phase_field.is_some(),
        buf: Vec::new(),
    };
    for p in 0..names.len() {
        sink.open_files(p)?;
    }
    for shard in shards {
        let classifier = shard.manifest.get("classifier");
        let reasons = classifier.and_then(|c| c.get("reasons"));
        for reason in Reason::ALL {
            let n = reasons.and_then(|r| r.get(reason.label())).and_then(Value::as_u64);
            sink.reasons[reason as usize] += n.unwrap_or(0);
        }
        let chosen = classifier.and_then(|c| c.get("answers_from_chosen")).and_then(Value::as_u64);
        sink.from_chosen += chosen.unwrap_or(0);
    }
    Ok(sink)
}

/// The shards' accounts, taken into the run: records read, blank lines,
/// bad records by reason (captured when the shard had --rejects), and, per
/// watched field, the records that held it and the field sample, so that a
/// field no record held is reported as the whole run reports it.
fn absorb_accounts(run: &mut Run, whole: &Cli, shards: &[ShardSet]) -> Result<(), Error> {
    let watched = plan_scan(whole)?.reads.watched();
    run.watch_fields(watched.clone());
    for shard in shards {
        let bad = |why: String| Error::Config(format!("{}: {MANIFEST}: {why}", shard.name));
        let m = &shard.manifest;
        let n = |key: &str| {
            m.get(key).and_then(Value::as_u64).ok_or_else(|| bad(format!("no count `{key}`")))
        };
        let present: Vec<u64> = m
            .get("fields_present")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .ok_or_else(|| bad("no list `fields_present`".into()))?;
        if present.len() > watched.len() {
            return Err(bad(format!(
                "{} watched fields, where the run's settings watch {}",
                present.len(),
                watched.len()
            )));
        }
        let counts = Counts {
            records: n("records_in")?,
            blank: n("blank_lines")?,
            written: n("records")?,
            lines_out: n("records")?,
            rejected: Tally::from_json(m.get("rejected")).map_err(&bad)?,
            looked_up: n("looked_up")?,
            present,
            ..Counts::default()
        };
        if !counts.balanced() {
            return Err(bad("records_in is not records + rejected".into()));
        }
        let total = counts.rejected.total();
        let (captured, uncaptured) =
            if shard.cli.common.rejects.is_some() { (total, 0) } else { (0, total) };
        run.absorb(&counts, captured, uncaptured, false);
        let sample = m.get("fields_seen").unwrap_or(&Value::Null);
        run.absorb_fields_seen(sample).map_err(bad)?;
    }
    Ok(())
}

/// Copies one shard file into the whole run's (split, phase) destination,
/// checking it against its manifest entry as it goes.
fn copy_file(
    run: &mut Run,
    sink: &mut Sink,
    split: usize,
    position: usize,
    shard: &ShardSet,
    file: &ListedFile,
) -> Result<(), Error> {
    let input_error = |source| Error::Input { name: file.name.clone(), source };
    let opened = std::fs::File::open(&file.path).map_err(input_error)?;
    let mut reader = crate::compress::maybe_decompress(opened).map_err(input_error)?;
    let (mut hasher, mut bytes, mut records) = (Xxh3::new(), 0u64, 0u64);
    let mut buf = vec![0u8; BLOCK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(input_error(e)),
        };
        let block = &buf[..n];
        hasher.update(block);
        bytes += n as u64;
        records += memchr::memchr_iter(b'\n', block).count() as u64;
        match &mut sink.target {
            Target::Dir { dir, files, .. } => {
                let Some(&id) = files.get(&(split, position)) else {
                    return Err(Error::Internal(format!(
                        "no merged file for split {split}, phase {position} (this is a bug; please report it)"
                    )));
                };
                dir.write(id, block)?;
            }
            Target::Stream { .. } => run.output_mut()?.write(block)?,
        }
    }
    let digest = format!("{:016x}", hasher.digest());
    if (records, bytes, digest.as_str()) != (file.records, file.bytes, file.xxh3.as_str()) {
        return Err(Error::Config(format!(
            "{}: {records} records, {bytes} bytes, xxh3 {digest}, but {}'s manifest says {} \
records, {} bytes, xxh3 {}: the set changed since its run; nothing merged",
            file.name,
            shard.name,
            file.records,
            file.bytes,
            printable(&file.xxh3)
        )));
    }
    sink.matrix[split][position] += records;
    Ok(())
}
