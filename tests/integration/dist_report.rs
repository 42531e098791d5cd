//! dist-report behaviour: golden reports in every format, gates, comparison,
//! type mix, text lengths, diversity, caps, pass-through, and the invariants
//! (conservation, thread/chunk invariance, shard merges equal one run).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dist_report").join(name)
}

fn report(args: &[&str], input: &str) -> std::process::Output {
    let mut cmd = std_tool("dist-report");
    cmd.args(args);
    run_with_stdin(cmd, input.as_bytes())
}

fn run(args: &[&str]) -> std::process::Output {
    std_tool("dist-report").args(args).output().expect("run dist-report")
}

fn json_report(args: &[&str], input: &str) -> Value {
    let mut all = vec!["--format", "json", "-q"];
    all.extend_from_slice(args);
    let out = report(&all, input);
    assert!(out.status.code() == Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn rows(stdout: &[u8]) -> Vec<Value> {
    text(stdout).lines().map(|l| serde_json::from_str(l).expect("a JSONL row")).collect()
}

/// Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &[u8]) {
    let path = data(&format!("golden/{name}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it):\n{}",
        text(actual)
    );
}

#[test]
fn golden_reports_in_every_format() {
    let before = data("before.jsonl");
    let after = data("after.jsonl");
    let before = before.to_str().expect("utf8 path");
    let after = after.to_str().expect("utf8 path");
    let fields =
        ["--field", "status", "--field", "score", "--field", "reviewed", "--text", "prompt"];
    for (format, ext) in
        [("table", "txt"), ("markdown", "md"), ("json", "json"), ("jsonl", "jsonl"), ("csv", "csv")]
    {
        let mut args = vec![before, "--format", format, "-q"];
        args.extend(fields);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        golden(&format!("fields.{ext}"), &out.stdout);

        let out = run(&[
            before,
            "--compare",
            after,
            "--field",
            "status",
            "--field",
            "score",
            "--format",
            format,
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        golden(&format!("compare.{ext}"), &out.stdout);

        let out = run(&[before, "--format", format, "-q"]);
        golden(&format!("discover.{ext}"), &out.stdout);

        let out =
            run(&[before, "--field", "status", "--by", "metadata.tier", "--format", format, "-q"]);
        golden(&format!("by.{ext}"), &out.stdout);
    }
}

#[test]
fn categorical_counts_shares_and_missing() {
    let doc = json_report(
        &["--field", "status", "--field", "metadata.tier"],
        &std::fs::read_to_string(data("before.jsonl")).unwrap(),
    );
    assert_eq!(doc["records"], 10);
    let status = &doc["fields"][0];
    assert_eq!(status["role"], "categorical");
    assert_eq!(status["distinct"], 3);
    assert_eq!(
        status["counts"][0],
        serde_json::json!({"value": "aligned", "count": 6, "share": 0.6})
    );
    assert_eq!(status["counts"][1]["value"], "needs_adjustment");
    assert_eq!(
        status["counts"][2],
        serde_json::json!({"value": "conflicts", "count": 1, "share": 0.1})
    );
    let tier = &doc["fields"][1];
    assert_eq!(tier["missing"], 1);
    assert_eq!(tier["missing_share"], 0.1);
    // Ties in count are ordered by value.
    let values: Vec<&str> =
        tier["counts"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["simple", "medium", "complex"]);
}

#[test]
fn top_k_folds_the_tail_into_other() {
    let lines: Vec<String> = (0..30).map(|i| format!(r#"{{"v":"x{:02}"}}"#, i % 10)).collect();
    let input = jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let doc = json_report(&["--field", "v", "--top", "4"], &input);
    let f = &doc["fields"][0];
    assert_eq!(f["counts"].as_array().unwrap().len(), 4);
    assert_eq!(f["other"], serde_json::json!({"values": 6, "count": 18, "share": 0.6}));
    let out = report(&["--field", "v", "--top", "4", "--format", "table"], &input);
    assert!(text(&out.stdout).contains("other (6 values)"), "{}", text(&out.stdout));
}

#[test]
fn numeric_fields_report_moments_quantiles_and_histogram() {
    let input = jsonl(&[
        r#"{"score":1}"#,
        r#"{"score":2}"#,
        r#"{"score":3}"#,
        r#"{"score":4}"#,
        r#"{"score":"5"}"#,
        r#"{"score":null}"#,
        r#"{"other":1}"#,
    ]);
    let doc = json_report(&["--field", "score", "--bins", "3"], &input);
    let f = &doc["fields"][0];
    assert_eq!(f["role"], "numeric");
    assert_eq!(f["missing"], 1);
    assert_eq!(f["types"], serde_json::json!({"number": 4, "string": 1, "null": 1}));
    let n = &f["numeric"];
    assert_eq!(n["count"], 4);
    assert_eq!(n["non_numeric"], 2);
    assert_eq!(
        (n["min"].as_f64(), n["max"].as_f64(), n["mean"].as_f64()),
        (Some(1.0), Some(4.0), Some(2.5))
    );
    assert_eq!(n["p50"], 2.5);
    assert_eq!(n["p25"], 1.75);
    assert_eq!(n["std"].as_f64().unwrap(), (5.0f64 / 3.0).sqrt());
    assert_eq!(n["quantiles"], "exact");
    let counts: Vec<u64> =
        n["histogram"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [1, 1, 2]);
}

#[test]
fn type_mix_is_reported_for_every_field_to_depth_2() {
    let input = jsonl(&[
        r#"{"a":1,"m":{"x":1,"y":{"deep":1}},"@odata.etag":"e"}"#,
        r#"{"a":"1","m":{"x":null}}"#,
        r#"{"a":2.5,"m":[],"b":true}"#,
        r#"{"a":3}"#,
    ]);
    let doc = json_report(&[], &input);
    let found: Vec<(String, Value, u64)> = doc["discovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap().to_string(),
                p["types"].clone(),
                p["missing"].as_u64().unwrap(),
            )
        })
        .collect();
    let names: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["a", "m", "m.x", "m.y", "/@odata.etag", "b"]);
    assert_eq!(found[0].1, serde_json::json!({"number": 3, "string": 1}));
    assert_eq!(found[1].1, serde_json::json!({"object": 2, "array": 1}));
    assert_eq!(found[2].1, serde_json::json!({"number": 1, "null": 1}));
    assert_eq!(found[2].2, 2);
    let a = &doc["discovered"][0];
    assert_eq!((a["min"].as_f64(), a["max"].as_f64()), (Some(1.0), Some(3.0)));
    // A discovered name works as --field.
    let doc = json_report(&["--field", "/@odata.etag", "--field", "m.x"], &input);
    assert_eq!(doc["fields"][0]["counts"][0]["value"], "e");
    assert_eq!(doc["fields"][1]["records"], 2);
}

#[test]
fn booleans_report_true_false_and_missing() {
    let doc = json_report(
        &["--field", "reviewed"],
        &std::fs::read_to_string(data("before.jsonl")).unwrap(),
    );
    let f = &doc["fields"][0];
    assert_eq!(f["role"], "boolean");
    assert_eq!(f["counts"][0], serde_json::json!({"value": true, "count": 6, "share": 0.6}));
    assert_eq!(f["counts"][1], serde_json::json!({"value": false, "count": 3, "share": 0.3}));
    assert_eq!(f["missing"], 1);
}

#[test]
fn text_lengths_with_wildcards() {
    let input = jsonl(&[
        r#"{"messages":[{"role":"user","content":"hello there"},{"role":"assistant","content":"héllo — wörld\nbye"}]}"#,
        r#"{"messages":[{"role":"user","content":""},{"role":"assistant","content":7}]}"#,
        r#"{"messages":[]}"#,
    ]);
    let doc = json_report(&["--text", "messages.*.content", "--field", "messages.*.role"], &input);
    let t = &doc["text"][0];
    assert_eq!(t["strings"], 3);
    assert_eq!(t["empty"], 1);
    assert_eq!(t["non_string"], 1);
    assert_eq!(t["records"], 2);
    assert_eq!(t["missing"], 1);
    assert_eq!(t["chars"]["max"], 17.0);
    assert_eq!(t["words"]["max"], 4.0);
    assert_eq!(t["chars"]["min"], 0.0);
    let role = &doc["fields"][0];
    assert_eq!(role["values"], 4);
    assert_eq!(role["records"], 2);
    assert_eq!(
        role["counts"][0],
        serde_json::json!({"value": "assistant", "count": 2, "share": 0.4})
    );
}

#[test]
fn diversity_is_normalised_entropy_and_its_mean() {
    // Six personas over two dimensions: level uniform over 3 (diversity 1),
    // function 5/1 (H = 0.650 bits over log2(2)).
    let input = jsonl(&[
        r#"{"level":"Manager","function":"Sales"}"#,
        r#"{"level":"Manager","function":"Sales"}"#,
        r#"{"level":"Director","function":"Sales"}"#,
        r#"{"level":"Director","function":"Sales"}"#,
        r#"{"level":"IC","function":"Sales"}"#,
        r#"{"level":"IC","function":"Legal"}"#,
    ]);
    let doc = json_report(&["--field", "level", "--field", "function"], &input);
    assert_eq!(doc["fields"][0]["diversity"], 1.0);
    let f = doc["fields"][1]["diversity"].as_f64().unwrap();
    let expected = -(5.0f64 / 6.0) * (5.0f64 / 6.0).log2() - (1.0f64 / 6.0) * (1.0f64 / 6.0).log2();
    assert!((f - expected).abs() < 1e-12);
    assert!((doc["diversity"].as_f64().unwrap() - (1.0 + expected) / 2.0).abs() < 1e-12);
    let out =
        report(&["--field", "level", "--field", "function", "--expect", "diversity>=0.8"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out =
        report(&["--field", "level", "--field", "function", "--expect", "diversity>=0.85"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("dist-report: expectation failed: diversity>=0.85 (measured 0.825)")
    );
}

#[test]
fn gates_pass_fail_and_report_every_failure() {
    let file = data("before.jsonl");
    let file = file.to_str().unwrap();
    let out = run(&[
        file,
        "--field",
        "status",
        "--field",
        "score",
        "-q",
        "--expect",
        "count>=10",
        "--expect",
        "status=aligned:0.5..0.7",
        "--expect",
        "status=conflicts:count>=1",
        "--expect",
        "score.min>=0.8",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let expect_rows: Vec<Value> =
        rows(&out.stdout).into_iter().filter(|r| r["kind"] == "expect").collect();
    assert_eq!(expect_rows.len(), 4);
    assert!(expect_rows.iter().all(|r| r["pass"] == true));

    let out = run(&[
        file,
        "--field",
        "status",
        "--field",
        "score",
        "--expect",
        "score.min>=0.82",
        "--expect",
        "status=conflicts:count>=10",
        "--expect",
        "count>=11",
        "--expect",
        "status=aligned:0.1..0.15",
        "--expect",
        "score.max<=1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for line in [
        "dist-report: expectation failed: score.min>=0.82 (measured 0.8)",
        "dist-report: expectation failed: status=conflicts:count>=10 (measured 1)",
        "dist-report: expectation failed: count>=11 (measured 10)",
        "dist-report: expectation failed: status=aligned:0.1..0.15 (measured 0.6)",
    ] {
        assert!(stderr.contains(line), "{line}\n{stderr}");
    }
    assert!(!stderr.contains("score.max<=1"));
    assert!(stderr.contains("1 of 5 expectations met"), "{stderr}");
}

#[test]
fn malformed_gates_are_usage_errors_that_say_what_was_expected() {
    for bad in
        ["score.min", "score.min>=high", "status=aligned:0.9..0.1", "score.average>=1", "nothing"]
    {
        let out = report(&["--field", "score", "--expect", bad], "{}\n");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("expected SUBJECT OP NUMBER or SUBJECT:LOW..HIGH"),
            "{bad}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    // A field no --field lists is added to the report (issue 15 §3); no
    // record holds it here, a data problem (exit 1), never a pass.
    let out = report(&["--field", "score", "--expect", "status=x>=0.1", "--pass"], "{}\n");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--field status: no record has this field"),
        "{}",
        text(&out.stderr)
    );
    let out = report(&["--field", "score", "--expect", "retention>=0.9"], "{}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs --compare"));
}

#[test]
fn comparison_gives_counts_shares_change_and_retention() {
    let before = data("before.jsonl");
    let after = data("after.jsonl");
    let out = run(&[
        before.to_str().unwrap(),
        "--compare",
        after.to_str().unwrap(),
        "--field",
        "status",
        "--field",
        "score",
        "--format",
        "jsonl",
        "--expect",
        "retention>=0.6",
        "--expect",
        "status=aligned:retention>=0.5",
        "--expect",
        "score.min>=0.83",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = rows(&out.stdout);
    assert_eq!(
        rows[0],
        serde_json::json!({
            "kind": "dataset", "before_records": 10, "after_records": 6, "change": -4,
            "retention": 0.6, "before_diversity": rows[0]["before_diversity"], "after_diversity": rows[0]["after_diversity"],
        })
    );
    let aligned = rows.iter().find(|r| r["field"] == "status" && r["value"] == "aligned").unwrap();
    assert_eq!(aligned["before_count"], 6);
    assert_eq!(aligned["after_count"], 3);
    assert_eq!(aligned["before_share"], 0.6);
    assert_eq!(aligned["after_share"], 0.5);
    assert_eq!(aligned["change"], -3);
    assert_eq!(aligned["retention"], 0.5);
    let min = rows.iter().find(|r| r["field"] == "score" && r["stat"] == "min").unwrap();
    assert_eq!((min["before"].as_f64(), min["after"].as_f64()), (Some(0.8), Some(0.83)));
    assert!(text(&out.stderr).contains("compared 10 records before with 6 after (60.0% retained)"));
    assert!(text(&out.stderr).contains("3 of 3 expectations met"));
}

#[test]
fn pass_writes_records_byte_for_byte_and_the_report_elsewhere() {
    let input = std::fs::read_to_string(data("before.jsonl")).unwrap();
    let out = report(&["--pass", "--field", "status", "--format", "markdown"], &input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), input);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("| aligned | 6 | 60.0% |"), "{stderr}");
    let dir = Dir::new();
    let records = dir.path("records.jsonl");
    let rep = dir.path("report.json");
    let out = report(
        &[
            "--pass",
            "--field",
            "status",
            "--report",
            rep.to_str().unwrap(),
            "-o",
            records.to_str().unwrap(),
            "-q",
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    assert_eq!(std::fs::read_to_string(&records).unwrap(), input);
    // A file gets jsonl unless --format says otherwise.
    let first: Value =
        serde_json::from_str(dir.read("report.json").lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "dataset");
    // -o is the records in every tool: without --pass there are none (issue 14).
    let out = report(&["--field", "status", "-o", rep.to_str().unwrap()], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("only with --pass"), "{}", text(&out.stderr));
}

#[test]
fn conservation_records_read_equal_reported_plus_rejected() {
    let input = "{\"status\":\"a\"}\nnot json\n{\"status\":\"b\"}\n[1]\n\n{\"status\":\"a\"}\n";
    let dir = Dir::new();
    let stats_path = dir.path("stats.json");
    let out = report(
        &["--field", "status", "--format", "json", "--stats", stats_path.to_str().unwrap()],
        input,
    );
    assert_eq!(out.status.code(), Some(1));
    let s = stats(&stats_path);
    assert_eq!(s["records_in"], 5);
    assert_eq!(s["records_reported"], 3);
    assert_eq!(s["records_held"], 3);
    let rejected: u64 =
        s["rejected"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(s["records_reported"].as_u64().unwrap() + rejected, 5);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["records"], 3);
    assert_eq!(
        doc["fields"][0]["counts"][0],
        serde_json::json!({"value": "a", "count": 2, "share": 0.666667})
    );
    assert!(text(&out.stderr).contains("reported 3 records"));
    assert!(text(&out.stderr).contains("2 rejected"));
}

#[test]
fn distinct_cap_counts_the_rest_and_says_so() {
    let lines: Vec<String> =
        (0..500).map(|i| format!(r#"{{"id":"u{i}","k":"{}"}}"#, i % 3)).collect();
    let input = jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let doc = json_report(&["--field", "id", "--field", "k", "--max-distinct", "50"], &input);
    let id = &doc["fields"][0];
    assert_eq!(id["distinct_estimated"], true);
    let tracked: u64 =
        id["counts"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(tracked + id["other"]["count"].as_u64().unwrap(), 500);
    let estimate = id["distinct"].as_u64().unwrap();
    assert!((250..=1000).contains(&estimate), "{estimate}");
    assert_eq!(doc["fields"][1]["distinct_estimated"], false);
    let out = report(&["--field", "id", "--max-distinct", "50", "--format", "table"], &input);
    assert!(text(&out.stdout).contains("over the --max-distinct cap"), "{}", text(&out.stdout));
    // The kept values do not depend on order or chunking.
    let mut reversed = lines.clone();
    reversed.reverse();
    let rev = jsonl(&reversed.iter().map(String::as_str).collect::<Vec<_>>());
    let a = report(&["--field", "id", "--max-distinct", "50", "--format", "jsonl"], &input);
    let mut cmd = std_tool("dist-report");
    cmd.args(["--field", "id", "--max-distinct", "50", "--format", "jsonl", "-j3"])
        .env("SYNTHKIT_CHUNK_BYTES", "64");
    let b = run_with_stdin(cmd, rev.as_bytes());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn by_reports_every_group_after_all_records() {
    let doc = json_report(
        &["--field", "status", "--by", "metadata.tier"],
        &std::fs::read_to_string(data("before.jsonl")).unwrap(),
    );
    assert_eq!(doc["by"], "metadata.tier");
    let groups: Vec<(&str, u64)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["group"].as_str().unwrap(), g["records"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, [("simple", 4), ("medium", 3), ("complex", 2), ("(missing)", 1)]);
    assert_eq!(doc["records"], 10);
}

#[test]
fn gates_work_on_fields_found_without_field() {
    let input = jsonl(&[r#"{"a":1,"m":{"n":5}}"#, r#"{"a":3}"#]);
    let out = report(&["--expect", "a.max<=3", "--expect", "m.n.missing==1", "-q"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = report(&["--expect", "a.max<=2"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("expectation failed: a.max<=2 (measured 3)"));
    // A statistic discovery does not report adds the field (p95 of 1, 3 is 2.9).
    let out = report(&["--expect", "a.p95<=2"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("expectation failed: a.p95<=2 (measured 2.9)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fail_fast_leaves_no_report_file() {
    let dir = Dir::new();
    let path = dir.path("report.json");
    let out = report(
        &["--field", "a", "--fail-fast", "--report", path.to_str().unwrap()],
        "{\"a\":1}\nbad\n{\"a\":2}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!path.exists());
    assert!(text(&out.stderr).contains("stopped at the first bad record"));
}

#[test]
fn flag_conflicts_are_usage_errors() {
    for args in [
        &["--merge", "--field", "a", "x.state"][..],
        &["--compare", "b.jsonl", "--pass"],
        &["--compare", "b.jsonl", "--by", "a"],
        &["--partial", "s.json", "--expect", "count>=1"],
        &["--merge"],
    ] {
        let out = report(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).starts_with("dist-report: "), "{args:?}");
    }
}

#[test]
fn merge_rejects_states_that_do_not_match() {
    let dir = Dir::new();
    let a = dir.path("a.state");
    let b = dir.path("b.state");
    report(&["--field", "status", "--partial", a.to_str().unwrap()], "{\"status\":1}\n");
    report(&["--field", "score", "--partial", b.to_str().unwrap()], "{\"status\":1}\n");
    let out = run(&["--merge", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("same --field"), "{}", text(&out.stderr));
    let junk = dir.write("junk.json", "{\"x\":1}");
    let out = run(&["--merge", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a dist-report partial state"));
}

/// Splits `lines` at `cuts`, runs --partial on each shard and --merge on the
/// states; checks that the merge exits as the whole-file run does, with the
/// same messages (a field no record holds, say), and returns the merged
/// report and the whole-file report.
fn merged_and_whole(lines: &[String], cuts: &[usize], args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let dir = Dir::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (lines.len() + 1)).collect();
    bounds.push(0);
    bounds.push(lines.len());
    bounds.sort_unstable();
    let mut states = Vec::new();
    for (i, pair) in bounds.windows(2).enumerate() {
        let shard = dir.write(
            &format!("shard{i}.jsonl"),
            jsonl(&lines[pair[0]..pair[1]].iter().map(String::as_str).collect::<Vec<_>>()),
        );
        let state = dir.path(&format!("shard{i}.state"));
        let mut cmd = std_tool("dist-report");
        cmd.args(args).arg(&shard).arg("--partial").arg(&state).arg("-q");
        let out = cmd.output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        states.push(state);
    }
    let merged = std_tool("dist-report")
        .arg("--merge")
        .args(&states)
        .args(["--format", "json", "-q"])
        .output()
        .expect("merge");
    let whole_file =
        dir.write("whole.jsonl", jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>()));
    let whole = std_tool("dist-report")
        .args(args)
        .arg(&whole_file)
        .args(["--format", "json", "-q", "-j2"])
        .env("SYNTHKIT_CHUNK_BYTES", "300")
        .output()
        .expect("whole");
    // A shard without a field another shard holds is no failure; the merge
    // fails where the whole run does (issue 17: exits as the whole run).
    assert_eq!(merged.status.code(), whole.status.code(), "{}", text(&merged.stderr));
    assert!(matches!(whole.status.code(), Some(0 | 1)), "{}", text(&whole.stderr));
    assert_eq!(text(&merged.stderr), text(&whole.stderr));
    (merged.stdout, whole.stdout)
}

fn record() -> impl Strategy<Value = String> {
    let score = prop_oneof![
        (-1e3f64..1e3).prop_map(|f| format!("{f}")),
        (0u32..100).prop_map(|n| format!("0.{n:02}")),
        (-5i64..5).prop_map(|n| n.to_string()),
        Just("null".to_string()),
        Just("\"0.5\"".to_string()),
        (1e-300f64..1e300).prop_map(|f| format!("{f:e}")),
    ];
    (0usize..5, score, "[a-z é]{0,12}", any::<bool>(), 0usize..4).prop_map(|(s, score, text, flag, tier)| {
        let status = ["aligned", "needs_adjustment", "conflicts", "a\\\"b", "x"][s];
        let tier = ["simple", "medium", "complex", "other"][tier];
        if flag {
            format!(r#"{{"status":"{status}","score":{score},"prompt":"{text}","metadata":{{"tier":"{tier}"}}}}"#)
        } else {
            format!(r#"{{"score":{score},"status":"{status}","extra":[1],"prompt":"{text}"}}"#)
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Shard states merged in order give the report of one run over the
    /// concatenation, byte for byte: counts, moments, quantiles, field order.
    #[test]
    fn merged_shards_equal_one_run(
        lines in prop::collection::vec(record(), 1..120),
        cuts in prop::collection::vec(0usize..200, 0..4),
        mode in 0usize..3,
    ) {
        let args: &[&str] = match mode {
            0 => &["--field", "status", "--field", "score", "--text", "prompt", "--max-distinct", "40"],
            1 => &["--field", "score", "--by", "metadata.tier"],
            _ => &[],
        };
        let (merged, whole) = merged_and_whole(&lines, &cuts, args);
        prop_assert_eq!(text(&merged), text(&whole));
    }
}

#[test]
fn r_a_field_absent_from_a_shard_fails_only_where_the_whole_run_fails() {
    // CI found it: a shard whose records lack the --by field wrote its state
    // (exit 0) and the merge failed, as the whole run does, but without the
    // fields the records held; a shard lacking a field another shard holds
    // is no failure at all.
    let with = r#"{"score":1,"metadata":{"tier":"simple"}}"#.to_string();
    let without = r#"{"score":0,"status":"aligned","extra":[1],"prompt":""}"#.to_string();
    let args = ["--field", "score", "--by", "metadata.tier"];
    let (merged, whole) = merged_and_whole(std::slice::from_ref(&without), &[], &args);
    assert_eq!(text(&merged), text(&whole));
    let (merged, whole) = merged_and_whole(&[without, with], &[1], &args);
    assert_eq!(text(&merged), text(&whole));
}

#[test]
fn merged_shards_equal_one_run_past_the_exact_quantile_limit() {
    // 25,000 numbers: quantiles come from the sketch; sums stay exact.
    let lines: Vec<String> = (0..25_000u64)
        .map(|i| {
            format!(
                r#"{{"v":{},"k":"{}"}}"#,
                ((i * 2_654_435_761) % 100_003) as f64 / 7.0 - 3000.0,
                i % 17
            )
        })
        .collect();
    let (merged, whole) = merged_and_whole(
        &lines,
        &[7_000, 7_001, 19_999],
        &["--field", "v", "--field", "k", "--max-distinct", "5"],
    );
    assert_eq!(text(&merged), text(&whole));
    let doc: Value = serde_json::from_slice(&whole).unwrap();
    let n = &doc["fields"][0]["numeric"];
    assert_eq!(n["quantiles"], "sketch");
    let mut values: Vec<f64> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["v"].as_f64().unwrap())
        .collect();
    values.sort_by(f64::total_cmp);
    for (name, q) in [("p5", 0.05), ("p50", 0.5), ("p95", 0.95)] {
        let exact = values[(q * (values.len() - 1) as f64).round() as usize];
        let got = n[name].as_f64().unwrap();
        assert!((got - exact).abs() <= exact.abs() * 0.0078 + 1e-9, "{name}: {got} vs {exact}");
    }
}

#[test]
fn report_is_identical_across_threads_and_chunk_sizes() {
    let input = std::fs::read_to_string(data("before.jsonl")).unwrap().repeat(40);
    let args = [
        "--field",
        "status",
        "--field",
        "score",
        "--text",
        "prompt",
        "--by",
        "metadata.tier",
        "--format",
        "json",
    ];
    let reference = report(&args, &input);
    for (threads, chunk) in [("1", "100"), ("3", "1"), ("8", "4096")] {
        let mut cmd = std_tool("dist-report");
        cmd.args(args).args(["-j", threads]).env("SYNTHKIT_CHUNK_BYTES", chunk);
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.stdout, reference.stdout, "-j{threads} chunk {chunk}");
    }
}

#[test]
fn r_a_repeated_key_without_field_is_a_bad_record() {
    // Discovery once counted both values of a repeated key ("a" in 3 of 2
    // records), then the first only; it reads every path, so a key written
    // twice is a bad record, as on any path a tool reads (issue 13).
    let input = jsonl(&[r#"{"a":null,"a":2,"m":{"x":1,"x":"s"},"m":{"x":3,"y":4}}"#, r#"{"b":1}"#]);
    let out = report(&["--format", "json", "-q"], &input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("<stdin>:1: repeated key"), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let found: Vec<&str> = doc["discovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["b"]);
}

#[test]
fn r_merge_stats_count_the_merged_records() {
    // --merge --stats said records_reported 0 for a report of 3 records.
    let dir = Dir::new();
    let a = dir.path("a.state");
    let b = dir.path("b.state");
    report(&["--field", "s", "--partial", a.to_str().unwrap()], "{\"s\":1}\n{\"s\":2}\n");
    report(&["--field", "s", "--partial", b.to_str().unwrap()], "{\"s\":3}\n");
    let st = dir.path("st.json");
    let out = run(&[
        "--merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--stats",
        st.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(stats(&st)["records_reported"], 3);
}

#[test]
fn r_partial_dash_is_standard_output_and_pass_refuses_dash() {
    // --partial - and --pass --report - wrote a file called "-".
    let dir = Dir::new();
    let input = "{\"s\":\"a\"}\n{\"s\":\"b\"}\n";
    let mut cmd = std_tool("dist-report");
    cmd.current_dir(dir.root()).args(["--field", "s", "--partial", "-", "-q"]);
    let state = run_with_stdin(cmd, input.as_bytes());
    assert_eq!(state.status.code(), Some(0), "{}", text(&state.stderr));
    assert!(!dir.path("-").exists());
    let out = report(&["--merge", "-", "-q"], &text(&state.stdout));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rows(&out.stdout)[0]["records"], 2);
    for flag in ["--report", "--partial"] {
        let out = std_tool("dist-report")
            .current_dir(dir.root())
            .args(["--field", "s", "--pass", flag, "-"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run dist-report");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(text(&out.stderr).contains("give --report or --partial a file"));
        assert!(!dir.path("-").exists(), "{flag}");
    }
}

#[test]
fn r_one_text_value_is_one_string() {
    let out = report(&["--text", "p", "--format", "table", "-q"], "{\"p\":\"x y\"}\n");
    assert!(text(&out.stdout).contains("p · text · 1 string · 0 missing"), "{}", text(&out.stdout));
}

#[test]
fn r_report_and_state_files_honour_gz_and_zst() {
    // --report report.jsonl.gz (then -o) wrote plain text under a .gz name, unlike every
    // other synthkit -o file; --merge now reads compressed states too.
    let dir = Dir::new();
    let input = "{\"s\":\"a\"}\n{\"s\":\"b\"}\n";
    let rep = dir.path("report.jsonl.gz");
    let out = report(&["--field", "s", "-q", "--report", rep.to_str().unwrap()], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::read(&rep).expect("report");
    assert_eq!(&bytes[..2], [0x1f, 0x8b]);
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain)
        .expect("gzip");
    assert_eq!(rows(plain.as_bytes())[0]["records"], 2);
    let (a, b) = (dir.path("a.state.zst"), dir.path("b.state.gz"));
    for state in [&a, &b] {
        report(&["--field", "s", "-q", "--partial", state.to_str().unwrap()], input);
    }
    assert_eq!(&std::fs::read(&a).expect("state")[..4], [0x28, 0xb5, 0x2f, 0xfd]);
    let out = run(&["--merge", a.to_str().unwrap(), b.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rows(&out.stdout)[0]["records"], 4);
}

#[test]
fn r_a_gate_on_a_value_past_the_distinct_cap_has_no_value() {
    // Past --max-distinct an untracked value measured 0: 'k=common:count==0'
    // passed although "common" is in every other record.
    let mut lines = Vec::new();
    for i in 0..400 {
        lines.push(if i % 2 == 0 {
            format!("{{\"k\":\"v{i}\"}}")
        } else {
            r#"{"k":"common"}"#.into()
        });
    }
    let input = lines.join("\n") + "\n";
    let mut gates = Vec::new();
    for value in ["common", "absent"] {
        gates.push(format!("k={value}:count==0"));
    }
    let args =
        ["--field", "k", "--max-distinct", "8", "-q", "--expect", &gates[0], "--expect", &gates[1]];
    let out = report(&args, &input);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Each gate either measured the true count or said it cannot.
    let tracked =
        report(&["--field", "k", "--max-distinct", "8", "-q", "--format", "json"], &input);
    let doc: Value = serde_json::from_slice(&tracked.stdout).expect("json");
    let shown: Vec<&str> = doc["fields"][0]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    for value in ["common", "absent"] {
        if !shown.contains(&value) {
            assert!(
                stderr.contains(&format!(
                    "expectation failed: k={value}:count==0 (measured no value)"
                )),
                "{value}: {stderr}"
            );
        }
    }
    // Without the cap the same gates measure exactly.
    let args =
        ["--field", "k", "-q", "--expect", "k=common:count==200", "--expect", "k=absent:count==0"];
    assert_eq!(report(&args, &input).status.code(), Some(0));
}

#[test]
fn r_text_statistics_of_a_path_also_given_as_field() {
    // With --field p --text p, 'p.chars.max' was read as a field statistic
    // and refused as a usage error.
    let gates = ["p.chars.max==3", "p.words.p50==2", "p.empty==0", "p.distinct==1", "p.count==1"];
    let mut args = vec!["--field", "p", "--text", "p", "-q"];
    for g in &gates {
        args.extend(["--expect", g]);
    }
    let out = report(&args, "{\"p\":\"a b\"}\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn r_records_report_and_state_cannot_share_a_file() {
    // --pass -o out --report out renamed both into one file: the records or
    // the report was silently lost.
    let dir = Dir::new();
    let input = "{\"s\":\"a\"}\n";
    for (first, second) in [("-o", "--report"), ("-o", "--partial"), ("--report", "--partial")] {
        let mut cmd = std_tool("dist-report");
        cmd.current_dir(dir.root());
        cmd.args(["--field", "s", "--pass", first, "same.out", second, "./same.out"]);
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{first} {second}");
        assert!(text(&out.stderr).contains("both name"), "{}", text(&out.stderr));
        assert!(!dir.path("same.out").exists());
    }
}

#[test]
fn r_fields_past_the_discovery_cap_are_said_in_every_format() {
    // The table said "past the first 1000" although the listed fields are
    // chosen by hash, and JSONL did not say it at all.
    let record: Vec<String> = (0..1200).map(|i| format!("\"k{i}\":{i}")).collect();
    let input = format!("{{{}}}\n", record.join(","));
    let out = report(&["-q"], &input);
    let rows = rows(&out.stdout);
    assert_eq!(rows[0]["discovered_other"], 200);
    assert_eq!(rows.iter().filter(|r| r["kind"] == "field").count(), 1000);
    let out = report(&["-q", "--format", "table"], &input);
    assert!(
        text(&out.stdout).contains("200 more values in fields not listed (at most 1000 fields are"),
        "{}",
        text(&out.stdout)
    );
}

/// A hand-edited partial state with a count at u64::MAX made `--merge`
/// overflow (a panic in debug builds, wrapped counts in release).
#[test]
fn r_an_edited_state_with_huge_counts_never_panics_a_merge() {
    let dir = Dir::new();
    let input = dir.write("in.jsonl", jsonl(&[r#"{"a":"x","n":1}"#, r#"{"a":"y","n":2}"#]));
    let first = dir.path("p1.json");
    let out = run(&[
        "--field",
        "a",
        "--field",
        "n",
        "--partial",
        first.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    fn saturate(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if key == "records_with" && v.is_u64() {
                        *v = Value::from(u64::MAX);
                    } else {
                        saturate(v);
                    }
                }
            }
            Value::Array(list) => list.iter_mut().for_each(saturate),
            _ => {}
        }
    }
    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    saturate(&mut state);
    let second = dir.write("p2.json", state.to_string());
    for format in ["json", "jsonl", "table", "markdown", "csv"] {
        let out = run(&[
            "--merge",
            first.to_str().unwrap(),
            second.to_str().unwrap(),
            "--format",
            format,
        ]);
        let stderr = text(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{format}: {stderr}"
        );
        assert!(matches!(out.status.code(), Some(0..=2)), "{format}: {stderr}");
    }
}

#[test]
fn r_markdown_cells_escape_backslashes_and_formatting() {
    // `a\|b` became `a\\|b`: an escaped backslash, then a pipe that ended the cell.
    let out = report(
        &["--field", "s", "--format", "markdown", "-q"],
        "{\"s\":\"a\\\\|b\"}\n{\"s\":\"*x*\"}\n",
    );
    let md = text(&out.stdout);
    assert!(md.contains("| a\\\\\\|b | 1 | 50.0% |"), "{md}");
    assert!(md.contains("| \\*x\\* | 1 | 50.0% |"), "{md}");
}

#[test]
fn r_table_columns_align_wide_and_combining_characters() {
    let input = "{\"s\":\"漢字漢字\"}\n{\"s\":\"e\\u0301\"}\n{\"s\":\"abcdefgh\"}\n";
    let out = report(&["--field", "s", "--format", "table", "-q"], input);
    let table = text(&out.stdout);
    // The count column ends at the same terminal column on every value row.
    let ends: Vec<usize> = table
        .lines()
        .filter(|l| l.contains(" 1  33.3%"))
        .map(|l| {
            let head = &l[..l.find(" 1  33.3%").unwrap()];
            head.chars()
                .map(|c| match c as u32 {
                    0x0301 => 0,
                    0x4E00..=0x9FFF => 2,
                    _ => 1,
                })
                .sum()
        })
        .collect();
    assert_eq!(ends.len(), 3, "{table}");
    assert!(ends.iter().all(|&e| e == ends[0]), "{ends:?}\n{table}");
}

#[test]
fn r_by_keeps_groups_of_different_kinds_apart() {
    // 1 and "1" were one group, and so were records without the field and
    // records whose field is the string "(missing)".
    let input =
        "{\"g\":\"1\"}\n{\"g\":1}\n{\"g\":\"(missing)\"}\n{}\n{\"g\":\"\"}\n{\"g\":\"a\"}\n";
    let out = report(&["--by", "g", "--field", "g", "--format", "jsonl", "-q"], input);
    let groups: Vec<(String, u64)> = rows(&out.stdout)
        .iter()
        .filter(|r| r["kind"] == "dataset" && r.get("group").is_some())
        .map(|r| (r["group"].as_str().unwrap().to_string(), r["records"].as_u64().unwrap()))
        .collect();
    let mut labels: Vec<&str> = groups.iter().map(|g| g.0.as_str()).collect();
    labels.sort();
    assert_eq!(labels, ["\"\"", "\"(missing)\"", "\"1\"", "(missing)", "1", "a"], "{groups:?}");
    assert!(groups.iter().all(|g| g.1 == 1), "{groups:?}");
}

#[test]
fn r_compare_counts_zero_numbers_on_a_side_without_any() {
    let dir = Dir::new();
    let after = dir.path("after.jsonl");
    std::fs::write(&after, "{\"s\":\"a\"}\n").unwrap();
    let out = report(
        &["--compare", after.to_str().unwrap(), "--field", "n", "--format", "jsonl", "-q"],
        "{\"n\":1}\n{\"n\":2}\n",
    );
    let count = rows(&out.stdout)
        .into_iter()
        .find(|r| r["kind"] == "stat" && r["stat"] == "count")
        .expect("a count row");
    assert_eq!(count["before"], 2);
    assert_eq!(count["after"], 0, "no numbers after is a count of 0, not null");
}

#[test]
fn r_markdown_headings_fence_field_names_holding_backticks() {
    let out = report(&["--field", "/a`b", "--format", "markdown", "-q"], "{\"a`b\":\"x\"}\n");
    let md = text(&out.stdout);
    assert!(md.contains("### `` /a`b `` · categorical"), "{md}");
}

#[test]
fn r_merge_checks_stats_before_writing_the_report() {
    // --merge opened --stats after the report: a bad --stats path exited 2
    // with the report already written (issue 14).
    let dir = Dir::new();
    let state = dir.path("a.state");
    let out = report(&["--field", "s", "-q", "--partial", state.to_str().unwrap()], "{\"s\":1}\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rep = dir.path("report.txt");
    let out = run(&[
        "--merge",
        state.to_str().unwrap(),
        "--report",
        rep.to_str().unwrap(),
        "--stats",
        "/no/such/folder/stats.json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!rep.exists(), "no report when the run fails");
}

// Issue 15 §3, issue 17 item 4, issue 18 §3.

#[test]
fn numbers_are_counted_by_value_in_every_format() {
    let input = jsonl(&[
        r#"{"score":0}"#,
        r#"{"score":0.0}"#,
        r#"{"score":1}"#,
        r#"{"score":1.0}"#,
        r#"{"score":1e0}"#,
        r#"{"score":"1"}"#,
        r#"{"score":9007199254740993}"#,
        r#"{"score":9007199254740992}"#,
    ]);
    let doc = json_report(&["--field", "score", "--max-distinct", "100"], &input);
    let field = &doc["fields"][0];
    assert_eq!(field["distinct"], 5, "{field}");
    let values: Vec<(String, u64)> = field["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].to_string(), v["count"].as_u64().unwrap()))
        .collect();
    assert!(values.contains(&("1".into(), 3)), "{values:?}");
    assert!(values.contains(&("0".into(), 2)), "{values:?}");
    assert!(values.contains(&("\"1\"".into(), 1)), "{values:?}");
    assert!(values.contains(&("9007199254740993".into(), 1)), "{values:?}");
    // JSONL and CSV rows: one value row per numeric value.
    let out = report(&["--field", "score", "--format", "jsonl", "-q"], &input);
    let value_rows: Vec<Value> =
        rows(&out.stdout).into_iter().filter(|r| r["kind"] == "value").collect();
    assert_eq!(value_rows.len(), 5, "{value_rows:?}");
    for format in ["table", "markdown"] {
        let out = report(&["--field", "score", "--format", format, "-q"], &input);
        let t = text(&out.stdout);
        assert!(!t.contains("1.0") && !t.contains("1e0") && !t.contains("0.0"), "{format}: {t}");
    }
    // --by: one group per value, shown in its canonical spelling.
    let doc = json_report(&["--by", "score", "--field", "score"], &input);
    let groups: Vec<(String, u64)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["group"].as_str().unwrap().to_string(), g["records"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups[0], ("1".to_string(), 3), "{groups:?}");
    assert_eq!(groups[1], ("0".to_string(), 2), "{groups:?}");
    assert!(groups.contains(&("\"1\"".to_string(), 1)), "{groups:?}");
    // --expect: any spelling of the number names the value.
    for gate in [
        "score=1:count==3",
        "score=1.0:count==3",
        "score=10e-1:count==3",
        "score=\"1\":count==1",
        "score.distinct==5",
    ] {
        let out = report(&["--field", "score", "--expect", gate, "-q"], &input);
        assert_eq!(out.status.code(), Some(0), "{gate}: {}", text(&out.stderr));
    }
    // Merged states agree with the whole run.
    let lines: Vec<String> = input.lines().map(str::to_string).collect();
    let (merged, whole) = merged_and_whole(&lines, &[3], &["--field", "score", "--by", "score"]);
    assert_eq!(text(&merged), text(&whole));
}

#[test]
fn quantiles_are_exact_while_distinct_values_fit_and_say_when_approximate() {
    // 20,000 integer ratings, median 9: past the old 10,000-value limit.
    let lines: Vec<String> = (0..20_000)
        .map(|i| format!("{{\"score\":{}}}", if i % 10 < 6 { 9 } else { 1 + i % 10 }))
        .collect();
    let input = jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let doc = json_report(&["--field", "score"], &input);
    let n = &doc["fields"][0]["numeric"];
    assert_eq!(n["quantiles"], "exact", "{n}");
    assert_eq!(n["p50"], 9.0, "{n}");
    assert_eq!(n["quantiles_relative_error"], 0.0);
    let out = report(&["--field", "score", "--expect", "score.p50>=9", "-q"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // More distinct values than --max-distinct: the sketch, and it says so.
    let many: Vec<String> =
        (0..300).map(|i| format!("{{\"score\":{}}}", i as f64 * 0.37 + 1.0)).collect();
    let input = jsonl(&many.iter().map(String::as_str).collect::<Vec<_>>());
    let doc = json_report(&["--field", "score", "--max-distinct", "50"], &input);
    let n = &doc["fields"][0]["numeric"];
    assert_eq!(n["quantiles"], "sketch");
    assert!(n["quantiles_relative_error"].as_f64().unwrap() > 0.0, "{n}");
    let out = report(&["--field", "score", "--max-distinct", "50", "--format", "table"], &input);
    assert!(text(&out.stdout).contains("approximate"), "{}", text(&out.stdout));
    let out = report(
        &["--field", "score", "--max-distinct", "50", "--expect", "score.p50>=1000"],
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("expectation failed: score.p50>=1000")
            && stderr.contains("approximate: within ±0.78%"),
        "{stderr}"
    );
}

#[test]
fn histogram_edges_print_as_decimals() {
    let input =
        jsonl(&[r#"{"x":0.1}"#, r#"{"x":0.2}"#, r#"{"x":0.3}"#, r#"{"x":0.5}"#, r#"{"x":0.45}"#]);
    let out = report(&["--field", "x", "--bins", "4", "--format", "json", "-q"], &input);
    let t = text(&out.stdout);
    assert!(!t.contains("0.30000000000000004") && !t.contains("0.30000000000000004"), "{t}");
    let doc: Value = serde_json::from_str(&t).unwrap();
    let edges: Vec<f64> = doc["fields"][0]["numeric"]["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["low"].as_f64().unwrap())
        .collect();
    assert_eq!(edges, vec![0.1, 0.2, 0.3, 0.4]);
}

#[test]
fn expect_adds_the_field_it_names() {
    let input = jsonl(&[r#"{"status":"conflicts","s":1}"#, r#"{"status":"ok","s":2}"#]);
    let out = report(&["--expect", "status=conflicts:count>=1", "-q"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = report(
        &["--field", "s", "--expect", "status=conflicts:count>=2", "--format", "json", "-q"],
        &input,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap_or(""))
        .collect();
    assert!(names.len() == 2, "{doc}");
}

#[test]
fn merge_accepts_the_flags_the_states_were_made_with() {
    let dir = Dir::new();
    let a = dir.path("a.state");
    report(&["--field", "s", "--by", "g", "--partial", a.to_str().unwrap()], "{\"s\":1,\"g\":1}\n");
    let out = run(&["--merge", a.to_str().unwrap(), "--field", "s", "--by", "g", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A path written as a JSON pointer names the same field.
    let out = run(&["--merge", a.to_str().unwrap(), "--field", "/s", "--by", "/g", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["--merge", a.to_str().unwrap(), "--field", "t", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--field t differs from the partial states' --field (s)"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["--merge", a.to_str().unwrap(), "--by", "h", "-q"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn merged_shard_states_report_and_exit_as_the_whole_run() {
    let dir = Dir::new();
    let shards = [
        "{\"s\":1}\nnot json\n\n{\"s\":2}\n",
        "{\"s\":3}\n[1]\n{\"s\":1.0}\n",
        "\n{\"s\":\"x\"}\n{\"s\":4\n",
    ];
    let mut states = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let file = dir.write(&format!("s{i}.jsonl"), shard);
        let state = dir.path(&format!("s{i}.state"));
        let out = run(&[
            "--field",
            "s",
            file.to_str().unwrap(),
            "--partial",
            state.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        states.push(state.to_str().unwrap().to_string());
    }
    let whole = dir.write("whole.jsonl", shards.concat());
    let (ws, ms) = (dir.path("whole.stats"), dir.path("merged.stats"));
    let w = run(&[
        "--field",
        "s",
        whole.to_str().unwrap(),
        "--format",
        "json",
        "--stats",
        ws.to_str().unwrap(),
    ]);
    let mut args = vec!["--merge"];
    args.extend(states.iter().map(String::as_str));
    args.extend(["--format", "json", "--stats", ms.to_str().unwrap()]);
    let m = run(&args);
    assert_eq!(w.status.code(), Some(1));
    assert_eq!(m.status.code(), Some(1), "{}", text(&m.stderr));
    assert_eq!(text(&m.stdout), text(&w.stdout));
    let strip = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        o.remove("elapsed_seconds");
        o.remove("args");
        v
    };
    let (ws, ms) = (strip(stats(&ws)), strip(stats(&ms)));
    assert_eq!(ms, ws);
    assert_eq!(ms["records_in"], 8);
    assert_eq!(ms["blank_lines"], 2);
    assert_eq!(
        ms["rejected"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum::<u64>(),
        3
    );
    assert!(text(&m.stderr).contains("3 rejected"), "{}", text(&m.stderr));
    // Rejects captured by --rejects in every shard: the merge exits 0, as the whole run.
    let mut captured = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let file = dir.write(&format!("c{i}.jsonl"), shard);
        let state = dir.path(&format!("c{i}.state"));
        let rejects = dir.path(&format!("c{i}.rejects"));
        let out = run(&[
            "--field",
            "s",
            file.to_str().unwrap(),
            "--partial",
            state.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        captured.push(state.to_str().unwrap().to_string());
    }
    let mut args = vec!["--merge"];
    args.extend(captured.iter().map(String::as_str));
    let m = run(&args);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m.stderr));
    assert!(text(&m.stderr).contains("(written to --rejects)"), "{}", text(&m.stderr));
}

#[test]
fn control_bytes_in_values_are_shown_escaped() {
    let input =
        jsonl(&[r#"{"g":"a\u001b[31mred\u0007","v":"x\u001by"}"#, r#"{"g":"b","v":"\u009bz"}"#]);
    for format in ["table", "markdown"] {
        let out = report(&["--by", "g", "--field", "v", "--format", format, "-q"], &input);
        let t = text(&out.stdout);
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{7}') && !t.contains('\u{9b}'),
            "{format}: {t:?}"
        );
        assert!(t.contains("a\\u{1b}[31mred\\u{7}"), "{format}: {t}");
        // Markdown shows a backslash as \\ (it renders as one).
        let shown = |v: &str| t.contains(v) || t.contains(&v.replace('\\', "\\\\"));
        assert!(shown("x\\u{1b}y"), "{format}: {t}");
        assert!(shown("\\u{9b}z"), "{format}: {t}");
    }
    // Machine formats keep the exact value.
    let doc = json_report(&["--by", "g", "--field", "v"], &input);
    assert!(doc.to_string().contains("x\\u001by"), "{doc}");
}

#[test]
fn r_a_merge_gate_on_a_field_the_states_lack_says_to_write_them_again() {
    // Review: the message said "add --field status", which --merge then
    // refused (its --field must be the states' own).
    let dir = Dir::new();
    let state = dir.path("s.state");
    let input = dir.write("in.jsonl", "{\"status\":\"a\",\"score\":1}\n");
    let out = run(&[
        "--field",
        "score",
        "-q",
        "--partial",
        state.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["--merge", state.to_str().unwrap(), "--expect", "status=a:count>=1"]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(said.contains("write them again with that --field"), "{said}");
    assert!(!said.contains("add --field"), "{said}");
}

#[test]
fn r_negative_zero_is_the_value_zero_in_every_figure() {
    // Review: min of {0, 0.0, -0.0} was shown as -0 (and -0.0 in JSON), a
    // bin edge as -0.0, though -0 counts as the value 0.
    let input = jsonl(&[r#"{"s":0}"#, r#"{"s":0.0}"#, r#"{"s":-0.0}"#, r#"{"s":-0}"#]);
    let out = report(&["--field", "s", "--format", "json", "-q"], &input);
    let said = text(&out.stdout);
    assert!(!said.contains("-0"), "{said}");
    let doc: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(doc["fields"][0]["counts"][0]["count"], 4, "{said}");
    let table = report(&["--field", "s", "--format", "markdown", "-q"], &input);
    assert!(!text(&table.stdout).contains("-0"), "{}", text(&table.stdout));
}
