//! The seed workflows end to end (examples/*/Makefile) on the bundled data:
//! exact final outputs, incremental re-runs, and a failing gate that stops the
//! pipeline without leaving a partial file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{Dir, text};

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_score-filter")).parent().expect("bin dir").to_path_buf()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Runs `make` in a workflow's folder with its outputs in `out`.
fn make(workflow: &str, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new("make");
    cmd.arg("--no-print-directory")
        .arg("-C")
        .arg(examples().join(workflow))
        .arg(format!("BIN={}", bin_dir().display()))
        .arg(format!("OUT={}", out.display()))
        .args(extra)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("SYNTHKIT_CHUNK_BYTES");
    cmd.output().expect("make must be installed to run the workflow tests")
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what}: {}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn distillation_catches_the_mixed_file_and_reproduces_seed_004() {
    let dir = Dir::new();
    let out = dir.path("distillation");
    let run = make("distillation", &out, &[]);
    ok(&run, "distillation");
    let detect = json(&out.join("detect.json"));
    assert_eq!(detect["records_in"], 379);
    let shapes = detect.to_string();
    assert!(shapes.contains("\"prompt-output\"") && shapes.contains("\"teacher\""), "{detect}");
    let curated = lines(&out.join("curated.jsonl"));
    assert_eq!(curated.len(), 359);
    let conflicts = curated.iter().filter(|l| l.contains("\"status\": \"conflicts\"")).count();
    assert_eq!(conflicts, 10, "every conflicts example must survive the migration and the filter");
    assert_eq!(lines(&out.join("supervised.jsonl")).len(), 359);
    let compare = std::fs::read_to_string(out.join("compare.md")).expect("compare.md");
    for row in [
        "| aligned | 259 | 68.3% | 240 | 66.9% | -19 | 92.7% |",
        "| needs_adjustment | 110 | 29.0% | 109 | 30.4% | -1 | 99.1% |",
        "| conflicts | 10 | 2.6% | 10 | 2.8% | +0 | 100.0% |",
    ] {
        assert!(compare.contains(row), "missing {row} in\n{compare}");
    }
    let stats = json(&out.join("curated.stats.json"));
    assert_eq!(stats["kept"], 359);
    assert_eq!(stats["filtered"]["below 0.82"], 20);
    // Nothing to do the second time; a changed input re-runs the chain.
    let again = make("distillation", &out, &["-q"]);
    assert_eq!(again.status.code(), Some(0), "make -q: everything should be up to date");
    let touched = make("distillation", &out, &["-q", "-W", "../data/teacher_mixed.jsonl"]);
    assert_eq!(touched.status.code(), Some(1), "a newer input must make targets out of date");
}

#[test]
fn a_failing_gate_stops_the_pipeline_without_a_partial_file() {
    let dir = Dir::new();
    let out = dir.path("gate");
    let run = make("distillation", &out, &["RETENTION=0.99"]);
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(stderr.contains("expectation failed: retention>=0.99 (measured 0.9472)"), "{stderr}");
    // The tool's own status is 1 (a data problem); make reports it and stops.
    assert!(stderr.contains("Error 1"), "{stderr}");
    assert!(!out.join("compare.md").exists(), "a failed gate must leave no report");
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // The steps before the gate completed and stay valid.
    assert_eq!(lines(&out.join("curated.jsonl")).len(), 359);
}

#[test]
fn judge_filtering_keeps_four_and_five_stars_and_captures_bad_ratings() {
    let dir = Dir::new();
    let out = dir.path("judge");
    let run = make("judge", &out, &[]);
    ok(&run, "judge");
    let rejects = lines(&out.join("rejects.jsonl"));
    assert_eq!(rejects.len(), 2);
    assert!(rejects[0].contains("\"line\":18") && rejects[0].contains("rating is a string"));
    assert!(rejects[1].contains("\"line\":30") && rejects[1].contains("missing rating"));
    let train = lines(&out.join("train.messages.jsonl"));
    assert_eq!(train.len(), 14);
    for line in &train {
        let record: serde_json::Value = serde_json::from_str(line).expect("json");
        assert!(record["rating"].as_i64().is_some_and(|r| r >= 4), "{line}");
        assert_eq!(record["messages"][0]["role"], "system");
        assert_eq!(record["messages"][2]["role"], "assistant");
    }
    let failed = make("judge", &dir.path("judge-gate"), &["MIN_COUNT=99"]);
    assert!(!failed.status.success());
    assert!(!dir.path("judge-gate/train.messages.jsonl").exists());
}

#[test]
fn oracle_labels_validate_and_align_with_the_calendar() {
    let dir = Dir::new();
    let out = dir.path("oracle");
    let run = make("oracle", &out, &[]);
    ok(&run, "oracle");
    let labeled = lines(&out.join("validated.jsonl"));
    assert_eq!(labeled.len(), 60 * 12, "60 meetings × 12 tier-1 personas");
    let first: serde_json::Value = serde_json::from_str(&labeled[0]).expect("json");
    for field in
        ["importance_label", "prep_needed", "prep_time_minutes", "rsvp", "reasoning", "persona_id"]
    {
        assert!(first.get(field).is_some(), "missing {field}");
    }
    // SOURCE_DATE_EPOCH in the Makefile makes the run reproducible.
    assert_eq!(first["generation_timestamp"], "2025-11-10T14:32:18Z");
    let validated = json(&out.join("validated.stats.json"));
    assert!(validated["rejected"].as_object().is_some_and(|m| m.is_empty()), "{validated}");
    assert_eq!(validated["valid"], 720);
    let alignment = &validated["alignment"];
    assert_eq!(alignment["passed"], true);
    let score = alignment["score"].as_f64().expect("alignment score");
    assert!((0.9..=1.0).contains(&score), "alignment {score}");
    // The example meetings lack only the export's webLink.
    assert_eq!(alignment["missing"][0]["path"], "/webLink");
    let report = std::fs::read_to_string(out.join("labels.report.md")).expect("report");
    assert!(report.contains("| pass | importance_label=critical:0..0.5 |"), "{report}");
    // Identical inputs, identical bytes.
    let again = dir.path("oracle-again");
    ok(&make("oracle", &again, &[]), "oracle again");
    assert_eq!(
        std::fs::read(out.join("validated.jsonl")).expect("a"),
        std::fs::read(again.join("validated.jsonl")).expect("b")
    );
    let strict = make("oracle", &dir.path("oracle-gate"), &["MIN_ALIGNMENT=0.99"]);
    assert!(!strict.status.success());
    assert!(!dir.path("oracle-gate/validated.jsonl").exists());
}

#[test]
fn curriculum_orders_phases_and_keeps_articles_in_one_split() {
    let dir = Dir::new();
    let out = dir.path("curriculum");
    let run = make("curriculum", &out, &[]);
    ok(&run, "curriculum");
    let manifest = json(&out.join("phases/manifest.json"));
    let files = manifest["files"].as_array().expect("files");
    let mut total = 0;
    let mut by_phase = std::collections::BTreeMap::new();
    let mut title_split = std::collections::BTreeMap::new();
    for file in files {
        let path = out.join("phases").join(file["path"].as_str().expect("path"));
        let records = lines(&path);
        assert_eq!(records.len() as u64, file["records"].as_u64().expect("records"), "{path:?}");
        total += records.len();
        *by_phase.entry(file["phase"].as_str().expect("phase").to_string()).or_insert(0) +=
            records.len();
        for record in records {
            let value: serde_json::Value = serde_json::from_str(&record).expect("json");
            let title = value["title"].as_str().expect("title").to_string();
            let split = value["split"].as_str().expect("split").to_string();
            let previous = title_split.insert(title.clone(), split.clone());
            assert!(previous.is_none_or(|p| p == split), "{title} is in two splits");
        }
    }
    assert_eq!(total, 42);
    assert_eq!(by_phase["extractive"], 18);
    assert_eq!(by_phase["conversational"], 10);
    assert_eq!(by_phase["refusal"], 14);
    let report = std::fs::read_to_string(out.join("phases.report.md")).expect("report");
    assert!(report.contains("| pass | phase=refusal:count>=3 |"), "{report}");
}

#[test]
fn r_paths_given_to_make_are_relative_to_where_make_runs() {
    // `make -C examples/distillation INPUT=my.jsonl` looked for my.jsonl in
    // examples/distillation (issue 13).
    let dir = Dir::new();
    let data = std::fs::read(examples().join("data/teacher_mixed.jsonl")).expect("bundled data");
    std::fs::write(dir.path("my_teacher.jsonl"), data).expect("copy");
    let out = Command::new("make")
        .current_dir(dir.root())
        .env("PWD", dir.root())
        .arg("--no-print-directory")
        .arg("-C")
        .arg(examples().join("distillation"))
        .arg(format!("BIN={}", bin_dir().display()))
        .args(["INPUT=my_teacher.jsonl", "OUT=results"])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("make must be installed to run the workflow tests");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path("results/supervised.jsonl").exists(), "outputs go where the caller said");
    assert!(!examples().join("distillation/results").exists());
}

/// The three LLM steps of the seeds (examples/llm-*), on the bundled example
/// results: every record accounted, the downstream tool fed (issue 16).
#[test]
fn llm_steps_turn_example_results_into_training_data() {
    let dir = Dir::new();
    // Seed 002: rate, keep 4 and 5; 3 failed requests captured, then retried.
    let out = dir.path("judge");
    ok(&make("llm-judge", &out, &[]), "llm-judge");
    assert_eq!(lines(&out.join("requests.jsonl")).len(), 14);
    let merge = json(&out.join("merge.stats.json"));
    assert_eq!(merge["records_in"], 14);
    assert_eq!(merge["records_written"], 11);
    assert_eq!(lines(&out.join("failed.jsonl")).len(), 3);
    let kept = lines(&out.join("kept.jsonl"));
    assert_eq!(kept.len(), 7, "ratings 4 and 5 of the 11 rated");
    ok(&make("llm-judge", &out, &["retry"]), "llm-judge retry");
    assert_eq!(lines(&out.join("retry.requests.jsonl")).len(), 3, "only what has no answer");
    // Seed 003: rewritten answers, one expired request kept extractive.
    let out = dir.path("rewrite");
    ok(&make("llm-rewrite", &out, &[]), "llm-rewrite");
    let merge = json(&out.join("merge.stats.json"));
    assert_eq!(merge["records_in"], 28);
    assert_eq!(lines(&out.join("failed.jsonl")).len(), 1, "the expired request");
    let phases = json(&out.join("curriculum.stats.json"));
    assert_eq!(phases["records_in"], 27, "the 28 less the failed one");
    let curriculum = lines(&out.join("curriculum.jsonl"));
    assert!(curriculum.iter().any(|l| l.contains("\"phase\":\"conversational\"")));
    assert!(curriculum.iter().any(|l| l.contains("\"phase\":\"refusal\"")));
    // Seeds 000/001: JSON arrays exploded into Graph events, validated, labeled.
    let out = dir.path("meetings");
    ok(&make("llm-meetings", &out, &[]), "llm-meetings");
    assert_eq!(lines(&out.join("events.jsonl")).len(), 3);
    assert_eq!(
        lines(&out.join("failed.jsonl")).len(),
        6,
        "truncated, errored, canceled, expired, refused, empty"
    );
    assert_eq!(lines(&out.join("labeled.jsonl")).len(), 3 * 12, "each event per tier-1 persona");
}
