//! Every example of every `--help` (and so of every man page) runs on the
//! suite's bundled data, with the exit status and a line of output the table
//! below says (issue 13: three help examples failed on the bundled data). An
//! example added without a row here fails the test, as does a row whose
//! example is gone. README examples are in `readme_examples_run`.

use std::path::Path;
use std::process::Command;

use crate::util::{Dir, bin, text};

/// Writes the files the examples name, from the bundled data: `$E` is
/// examples/data, `$T` tests/data; the suite's binaries are on PATH.
const SETUP: &str = r#"set -e
cp "$E/meetings.jsonl" meetings.jsonl
cp "$E/calendar_sample.json" my_calendar_events.json
cp "$E/calendar_sample.json" calendar_export.json
cp "$E/teacher.jsonl" teacher.jsonl
cp "$E/judged.jsonl" judged.jsonl
fmt-migrate -q --to messages "$E/conversational.jsonl" > chats.jsonl
cp "$T/fmt-migrate/mixed_teacher.jsonl" po_teacher_dataset.jsonl
cp "$T/persona_label/account_director.json" my_persona.json
cp "$T/persona_label/seed_rules.json" p.json
cp "$T/persona_label/meetings.jsonl" old.jsonl
cp "$E/squad_sample.json" dev-v2.0.json
fmt-migrate -q --to json-array judged.jsonl > alpaca_data.json
fmt-migrate -q --from squad dev-v2.0.json > qa.jsonl
score-filter -q --min 0.82 teacher.jsonl > curated.jsonl
persona-label -q --tier 1 meetings.jsonl > labeled.jsonl
persona-label -q --list --format jsonl > personas.jsonl
cp "$E/conversational.jsonl" conversational.jsonl
cp "$E/../llm/judge_results.jsonl" "$E/../llm/meetings_results.jsonl" "$E/../llm/judge_prompt.txt" .
cp labeled.jsonl tier1_combined.jsonl
cp meetings.jsonl synthetic.jsonl
fmt-migrate -q --from graph-response calendar_export.json > graph_events.jsonl
fmt-migrate -q --to input-output teacher.jsonl > answers.jsonl
printf 'Check this review and give its status.\n{{input}}\n' > prompt.txt
cp "$T/fmt-migrate/hh_rlhf.jsonl" hh-rlhf-train.jsonl
cp "$T/fmt-migrate/oasst.trees.jsonl" oasst2.trees.jsonl
printf '{"question":"Why?","chosen":"Because.","rejected":"No."}\n' > pairs.jsonl
head -n 200 teacher.jsonl > shard-1.jsonl
tail -n +201 teacher.jsonl > shard-2.jsonl
score-filter -q --min 0.82 --stats s1.json --rejects r1.jsonl < shard-1.jsonl > kept-1.jsonl
score-filter -q --min 0.82 --stats s2.json --rejects r2.jsonl < shard-2.jsonl > kept-2.jsonl
printf '{"file":"teacher.jsonl","stats":"s1.json"}\n{"file":"teacher.jsonl","stats":"s2.json"}\n' > map.jsonl
head -n 14 qa.jsonl > qa-1.jsonl
tail -n +15 qa.jsonl > qa-2.jsonl
phase-split -q --split train=0.8,test=0.2 --group title --out-dir sets/1 qa-1.jsonl
phase-split -q --split train=0.8,test=0.2 --group title --out-dir sets/2 qa-2.jsonl
"#;

/// One example's expected result. Output is standard output and standard
/// error together, followed by the output of `then` (run after the example,
/// for examples whose result is a file or that are quiet).
struct Row {
    tool: &'static str,
    what: &'static str,
    exit: i32,
    line: &'static str,
    then: &'static str,
}

const fn row(tool: &'static str, what: &'static str, exit: i32, line: &'static str) -> Row {
    Row { tool, what, exit, line, then: "" }
}

const EXPECTED: &[Row] = &[
    row(
        "score-filter",
        "Keep teacher records scoring at least 0.82, at most 400 of them, reproducibly",
        0,
        "score-filter: kept 359 of 379 (94.7%) with score >= 0.82",
    ),
    Row {
        then: "wc -l < rejects.jsonl",
        ..row(
            "score-filter",
            "LLM-judge curation on a 1-5 scale; records without a usable rating kept aside",
            0,
            "2 rejected (1 missing rating, 1 rating is a string) (written to --rejects)\n2\n",
        )
    },
    Row {
        then: "grep -c '\"kept\": 15' stats.json",
        ..row(
            "score-filter",
            "Read scores written as strings, drop records without one, keep the report for CI",
            0,
            "kept 15 of 40 (37.5%) with rating >= 4; filtered 25 (24 below 4, 1 missing rating)",
        )
    },
    row(
        "score-filter",
        "Cap every class at 100 records so a minority class is not crowded out",
        0,
        "score-filter:   metadata.status=conflicts: kept 10 of 10 (100.0%)",
    ),
    Row {
        then: "cat kept-shard-*.jsonl | score-filter -q --max-samples 400 --seed 42 | cmp - sample.jsonl && echo same",
        ..row(
            "score-filter",
            "Sample shards in parallel, then merge: the same set as one run over the whole file",
            0,
            "score-filter: kept 379 of 379 (100.0%) with a numeric score",
        )
    },
    Row {
        then: "grep -c importance_label labels.md",
        ..row(
            "dist-report",
            "Label distribution of persona-labelled meetings, in the middle of a pipeline",
            0,
            "graph-validate: 60 of 60 events valid (100.0%)",
        )
    },
    row(
        "dist-report",
        "Seed 004's before/after table: status distribution and score range, with retention",
        0,
        "dist-report: compared 379 records before with 359 after (94.7% retained)",
    ),
    row(
        "dist-report",
        "A CI gate: fail the build when the label mix or the scores drift",
        0,
        "dist-report: reported 720 records; diversity 0.485; 2 of 2 expectations met",
    ),
    row(
        "dist-report",
        "Persona diversity across six dimensions (seed 000: target > 0.85)",
        0,
        "dist-report: reported 30 records; diversity 0.917; 1 of 1 expectations met",
    ),
    row(
        "dist-report",
        "What is in this file? Every field to depth 2 with its JSON type mix; text lengths per turn",
        0,
        "dist-report: reported 14 records in 9 groups",
    ),
    row(
        "dist-report",
        "Shards in parallel, one report: merge the partial states",
        0,
        "dist-report: merged 2 partial states: reported 379 records; diversity 0.651; 1 of 1 expectations met",
    ),
    row(
        "fmt-migrate",
        "Seed 004's check: does the teacher file mix shapes? (exit 1 if it does)",
        1,
        "fmt-migrate: mixed shapes: a reader that expects teacher would skip 2 of 9 records",
    ),
    row(
        "fmt-migrate",
        "Bring the curated prompt/output records into the teacher schema; teacher records pass unchanged",
        0,
        "converted 9 of 9 records to teacher (100.0%): 7 from teacher (7 unchanged), 2 from prompt-output",
    ),
    row(
        "fmt-migrate",
        "The distillation pipeline: teacher records to prompt/response pairs, then curation",
        0,
        "score-filter: kept 359 of 379 (94.7%) with score >= 0.82",
    ),
    row(
        "fmt-migrate",
        "Alpaca (a JSON array, as LLaMA-Factory ships it) to OpenAI chat fine-tuning JSONL with a system prompt",
        0,
        "fmt-migrate: converted 40 of 40 records to messages (100.0%): 40 from alpaca",
    ),
    Row {
        then: "grep -c 'Not found in provided context.' layer1_squad.jsonl",
        ..row(
            "fmt-migrate",
            "SQuAD 2.0 to extractive input/output pairs; unanswerable questions get the refusal",
            0,
            "28 from squad; 0 rejected\n10\n",
        )
    },
    row(
        "fmt-migrate",
        "Anthropic HH-RLHF transcripts to TRL's conversational preference format",
        0,
        "converted 3 of 3 records to preference-messages (100.0%): 3 from hh-rlhf; 0 rejected",
    ),
    row(
        "fmt-migrate",
        "OpenAssistant trees: every conversation for SFT, then pairs of ranked replies; split by tree",
        0,
        "phase-split: wrote 3 of 3 records",
    ),
    row(
        "fmt-migrate",
        "Pairs without a prompt field become preference records: the template builds it before detection",
        0,
        "{\"prompt\":\"Why?\",\"chosen\":\"Because.\",\"rejected\":\"No.\"}",
    ),
    row(
        "fmt-migrate",
        "Pull a field out of a model's answer and build the prompt from a template",
        0,
        "\"prompt\":\"Check this review and give its status.\\nYou are a Product Owner.",
    ),
    row(
        "graph-validate",
        "Keep the valid synthetic meetings; every invalid one is reported with all its errors",
        0,
        "graph-validate: 60 of 60 events valid (100.0%)",
    ),
    row(
        "graph-validate",
        "The seeds' pipeline: label, check against the real calendar export (90% target), report the labels",
        0,
        "(--min-alignment 0.9: passed)",
    ),
    row(
        "graph-validate",
        "A CI report: one JSON line per invalid event, labels and one time zone required, unknown properties flagged",
        0,
        "graph-validate: 720 of 720 events valid (100.0%)",
    ),
    Row {
        then: "grep -c '\"max_drift\": 0.3' realism.json",
        ..row(
            "graph-validate",
            "Realism gate: fail when any distribution drifts too far from the real calendar; keep the figures",
            0,
            "1\n",
        )
    },
    row(
        "graph-validate",
        "A Graph response on standard input, as curl …/me/events | graph-validate gives it: its events are checked and written as JSONL",
        0,
        "graph-validate:   read 48 events from <stdin> (events)",
    ),
    row(
        "graph-validate",
        "Check real Graph responses themselves (no required properties), e.g. before using them as the reference",
        0,
        "graph-validate: 48 of 48 events valid (100.0%)",
    ),
    row(
        "persona-label",
        "Label meetings as the built-in pipeline-juggling sales manager would",
        0,
        "persona-label: labeled 60 of 60 events with 1 persona (60 lines)",
    ),
    row(
        "persona-label",
        "Label a real calendar export with every tier-1 persona and see which rules fire",
        0,
        "persona-label: labeled 48 of 48 events with 12 personas (576 lines)",
    ),
    row(
        "persona-label",
        "Check your own persona, then label with it and a built-in one (two lines per event)",
        0,
        "persona-label: labeled 60 of 60 events with 2 personas (120 lines)",
    ),
    row(
        "persona-label",
        "Re-label old data exactly as the seed generator did, then see what the default rules change",
        0,
        "dist-report: compared 8 records before with 8 after (100.0% retained)",
    ),
    row(
        "persona-label",
        "Measure the diversity of the built-in library (normalized entropy over six dimensions)",
        0,
        "dist-report: reported 30 records; diversity 0.917",
    ),
    row(
        "phase-split",
        "Seed 003's curriculum: extractive, then conversational, then refusal records, tagged",
        0,
        "phase-split: wrote 28 of 28 records in 3 phases: extractive 18 (64.3%)",
    ),
    row(
        "phase-split",
        "One file per phase and split, each article's questions in one split only, with a manifest",
        0,
        "phase-split:   wrote 9 files and manifest.json to phases/",
    ),
    row(
        "phase-split",
        "The suite's pipeline: migrate, curate, then split into phases",
        0,
        "phase-split:   wrote 3 files and manifest.json to phases/",
    ),
    row(
        "phase-split",
        "Keep every title's share equal across splits and prove no prompt is in two of them",
        0,
        "phase-split:   leakage check on input: no value in more than one split",
    ),
    row(
        "phase-split",
        "Explicit rules instead of the built-in classifier, refusals first",
        0,
        "short 4 (14.3%), rest 14 (50.0%), refusal 10 (35.7%)",
    ),
    Row {
        then: "phase-split -q --split train=0.8,test=0.2 --group title --out-dir whole/ qa.jsonl && diff -r -x manifest.json whole merged && echo the same files",
        ..row(
            "phase-split",
            "Two shards' sets (GNU parallel jobs, Spark tasks) merged into the set one run over both writes",
            0,
            "the same files",
        )
    },
    Row {
        then: "score-filter -q --min 0.82 --stats whole.json teacher.jsonl > /dev/null && grep -v -e elapsed -e '\"--' -e '\"-o' whole.json | grep -c records_in",
        ..row(
            "shard-merge",
            "Two shards read from standard input: their stats merged into the whole run's",
            0,
            "shard-merge: merged the stats of 2 score-filter shards: 379 records",
        )
    },
    row(
        "llm-batch",
        "Seed 002's judge: one request per conversation, a 1-5 rating back on each record",
        0,
        "llm-batch: merged 11 of 14 records (78.6%); 3 rejected (2 API error, 1 truncated)",
    ),
    row(
        "llm-batch",
        "Seed 003's rewrite with Claude Haiku: Anthropic request lines from a template",
        0,
        "llm-batch: wrote 28 anthropic requests for 28 of 28 records",
    ),
    row(
        "llm-batch",
        "Seed 000's meetings: JSON in the answer, one Graph event per element",
        0,
        "graph-validate: 3 of 3 events valid (100.0%)",
    ),
    row(
        "llm-batch",
        "Five variations per record (each its own id and seed), for a local model with vLLM",
        0,
        "llm-batch: wrote 70 openai requests for 14 of 14 records",
    ),
];

/// Runs `script` with bash (pipefail) in a fresh folder holding the bundled
/// files; returns (exit status, stdout + stderr).
fn run_in_sandbox(script: &str, dir: &Dir) -> (i32, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bins = bin("score-filter").parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bins.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .args(["-o", "pipefail", "-c", &format!("{SETUP}\nset +e\n{script}")])
        .current_dir(dir.root())
        .env("PATH", path)
        .env("E", root.join("examples/data"))
        .env("T", root.join("tests/data"))
        .env_remove("NO_COLOR")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run bash");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.code().unwrap_or(-1), all)
}

/// Runs a follow-up check in the folder of a finished example.
fn run_in_sandbox_again(script: &str, dir: &Dir) -> String {
    let bins = bin("score-filter").parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bins.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .current_dir(dir.root())
        .env("PATH", path)
        .output()
        .expect("run bash");
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn every_help_example_runs_on_bundled_data() {
    let dump = std::env::var_os("EXAMPLES_DUMP").is_some();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for tool in synthkit::TOOLS {
        for (what, command) in tool.doc.examples {
            let name = tool.doc.name;
            seen.push((name, *what));
            let row = EXPECTED.iter().find(|r| r.tool == name && r.what == *what);
            let then = row.map_or("", |r| r.then);
            let dir = Dir::new();
            let (code, mut output) = run_in_sandbox(command, &dir);
            if !then.is_empty() {
                output.push_str(&run_in_sandbox_again(then, &dir));
            }
            if dump {
                eprintln!("=== {name} | {what}\n--- exit {code}\n{output}");
                continue;
            }
            match row {
                None => problems.push(format!("{name}: no row for the example {what:?}")),
                Some(r) if code != r.exit || !output.contains(r.line) => problems.push(format!(
                    "{name}: {command}\n  wanted exit {} and {:?}, got exit {code}:\n{output}",
                    r.exit, r.line
                )),
                Some(_) => {}
            }
        }
    }
    for r in EXPECTED {
        if !seen.contains(&(r.tool, r.what)) {
            problems.push(format!("a row for an example that no longer exists: {}", r.what));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// README commands whose documented exit status is 1 (the README says so
/// next to them); every other README command exits 0.
const README_EXIT_1: &[&str] = &["fmt-migrate --detect tests/data/fmt-migrate/mixed_teacher.jsonl"];

/// One README command and the output lines the README shows after it
/// (`# TOOL: …` and `# | …` comment lines).
struct ReadmeCommand {
    block_line: usize,
    command: String,
    shown: Vec<String>,
}

/// The ```sh blocks of the README, as runnable commands. Blocks about
/// building and installing (`make`, `cargo install`) are left to CI itself.
fn readme_blocks() -> Vec<Vec<ReadmeCommand>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let tools: Vec<&str> = synthkit::TOOLS.iter().map(|t| t.doc.name).collect();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<ReadmeCommand>> = None;
    let mut pending = String::new();
    for (n, line) in readme.lines().enumerate() {
        if current.is_none() {
            if line.trim_end() == "```sh" {
                current = Some(Vec::new());
            }
            continue;
        }
        let block = current.as_mut().expect("in a block");
        if line.starts_with("```") {
            blocks.push(current.take().expect("in a block"));
            continue;
        }
        if let Some(comment) = line.trim_start().strip_prefix("# ") {
            let shows_output = comment.starts_with("| ")
                || tools.iter().any(|t| comment.starts_with(&format!("{t}:")));
            if shows_output && let Some(last) = block.last_mut() {
                last.shown.push(comment.to_string());
            }
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        pending.push_str(line);
        if pending.ends_with('\\') {
            pending.push('\n');
            continue;
        }
        // A trailing `# comment` on a command line is not part of the check.
        block.push(ReadmeCommand {
            block_line: n + 1,
            command: std::mem::take(&mut pending),
            shown: Vec::new(),
        });
    }
    blocks
        .into_iter()
        .filter(|b| {
            !b.iter()
                .any(|c| c.command.starts_with("make ") || c.command.starts_with("cargo install"))
        })
        .collect()
}

#[test]
fn readme_examples_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bins = bin("score-filter").parent().expect("bin dir").to_path_buf();
    let gen_data = bins.join("examples/gen-data");
    let path = format!("{}:{}", bins.display(), std::env::var("PATH").unwrap_or_default());
    let mut problems = Vec::new();
    let mut ran = 0;
    for block in readme_blocks() {
        let dir = Dir::new();
        for folder in ["examples", "tests"] {
            std::os::unix::fs::symlink(root.join(folder), dir.root().join(folder)).expect("link");
        }
        for c in &block {
            // The README builds its sample with cargo; the test build made it.
            let script =
                c.command.replace("cargo run -q --release --example gen-data --", "\"$GEN_DATA\"");
            if script.contains("$GEN_DATA") && !gen_data.exists() {
                panic!("{} is missing: `cargo test` builds the examples", gen_data.display());
            }
            let out = Command::new("bash")
                .args(["-o", "pipefail", "-c", &script])
                .current_dir(dir.root())
                .env("PATH", &path)
                .env("GEN_DATA", &gen_data)
                .env_remove("NO_COLOR")
                .env_remove("SOURCE_DATE_EPOCH")
                .output()
                .expect("run bash");
            ran += 1;
            let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
            let want = if README_EXIT_1.contains(&c.command.as_str()) { 1 } else { 0 };
            if out.status.code() != Some(want) {
                problems.push(format!(
                    "README.md:{}: {}\n  exit {:?}, wanted {want}:\n{output}",
                    c.block_line,
                    c.command,
                    out.status.code()
                ));
            }
            for line in &c.shown {
                if !output.contains(line.as_str()) {
                    problems.push(format!(
                        "README.md:{}: {}\n  the README shows {line:?}; the output was:\n{output}",
                        c.block_line, c.command
                    ));
                }
            }
        }
    }
    assert!(ran >= 30, "only {ran} README commands found: is the parser still right?");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
