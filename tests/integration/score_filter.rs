//! score-filter behaviour: thresholds, missing scores, sampling, classes,
//! statistics, and the invariants (conservation, thread and shard invariance).

use proptest::prelude::*;

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text, tool};

fn filter(args: &[&str], input: &str) -> std::process::Output {
    let mut cmd = std_tool("score-filter");
    cmd.args(args);
    run_with_stdin(cmd, input.as_bytes())
}

fn lines(out: &std::process::Output) -> Vec<String> {
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bounds_are_inclusive_at_both_edges() {
    let input = jsonl(&[
        r#"{"score":0.8199999}"#,
        r#"{"score":0.82}"#,
        r#"{"score":0.9}"#,
        r#"{"score":0.95}"#,
        r#"{"score":0.9500001}"#,
    ]);
    let out = filter(&["--min", "0.82", "--max", "0.95"], &input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out), [r#"{"score":0.82}"#, r#"{"score":0.9}"#, r#"{"score":0.95}"#]);
    assert!(text(&out.stderr).contains(
        "kept 3 of 5 (60.0%) with 0.82 <= score <= 0.95; filtered 2 (1 above 0.95, 1 below 0.82)"
    ));
    let out = filter(&["--max", "0.82"], &input);
    assert_eq!(lines(&out).len(), 2);
    // Integers, negatives and exponents are numbers like any other.
    let out = filter(
        &["--min", "-1", "--max", "1e1"],
        &jsonl(&[r#"{"score":-1}"#, r#"{"score":10}"#, r#"{"score":-2E0}"#]),
    );
    assert_eq!(lines(&out), [r#"{"score":-1}"#, r#"{"score":10}"#]);
}

#[test]
fn summary_matches_the_documented_form() {
    let mut records = Vec::new();
    for i in 0..379 {
        let score = if i < 20 { 0.80 } else { 0.90 };
        records.push(format!(r#"{{"id":{i},"score":{score}}}"#));
    }
    let out =
        filter(&["--min", "0.82"], &jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(
        text(&out.stderr),
        "score-filter: kept 359 of 379 (94.7%) with score >= 0.82; filtered 20 below 0.82; 0 missing; 0 rejected\n"
    );
}

const MIXED: &str = r#"{"id":1,"score":0.9}
{"id":2}
{"id":3,"score":null}
{"id":4,"score":"0.95"}
{"id":5,"score":true}
{"id":6,"score":[0.9]}
{"id":7,"score":{"v":1}}
{"id":8,"score":"NaN"}
{"id":9,"score":0.1}
"#;

#[test]
fn missing_reject_makes_every_non_number_a_bad_record() {
    let out = filter(&["--min", "0.5"], MIXED);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out), [r#"{"id":1,"score":0.9}"#]);
    let stderr = text(&out.stderr);
    for (line, reason) in [
        (2, "missing score"),
        (3, "score is null"),
        (4, "score is a string"),
        (5, "score is a bool"),
        (6, "score is an array"),
        (7, "score is an object"),
        (8, "score is a string"),
    ] {
        assert!(stderr.contains(&format!("<stdin>:{line}: {reason}")), "line {line}: {stderr}");
    }
    // Each record is said once (issue 13): the 7 are in the rejected count only.
    assert!(
        stderr.contains("; 7 rejected (") && !stderr.contains("missing (rejected)"),
        "{stderr}"
    );
}

#[test]
fn missing_drop_filters_under_its_own_reason() {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let out = filter(&["--min", "0.5", "--missing", "drop", "--stats", s.to_str().unwrap()], MIXED);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(lines(&out), [r#"{"id":1,"score":0.9}"#]);
    let st = stats(&s);
    assert_eq!(st["filtered"]["missing score"], 1);
    assert_eq!(st["filtered"]["score is a string"], 2);
    assert_eq!(st["filtered"]["below 0.5"], 1);
    assert_eq!(st["missing"]["count"], 7);
    assert_eq!(st["missing"]["policy"], "dropped");
}

#[test]
fn missing_keep_passes_records_through_and_counts_them() {
    let out = filter(&["--min", "0.5", "--missing", "keep"], MIXED);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<String> = lines(&out).iter().map(|l| l[6..7].to_string()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert!(text(&out.stderr).contains("7 missing (kept)"));
}

#[test]
fn coerce_reads_numbers_written_as_strings_only() {
    let input = jsonl(&[
        r#"{"score":"0.95"}"#,
        r#"{"score":" 7 "}"#,
        r#"{"score":"NaN"}"#,
        r#"{"score":"inf"}"#,
        r#"{"score":"high"}"#,
        r#"{"score":"0.1"}"#,
    ]);
    let out = filter(&["--min", "0.5", "--coerce", "--missing", "drop"], &input);
    assert_eq!(lines(&out), [r#"{"score":"0.95"}"#, r#"{"score":" 7 "}"#]);
    let out = filter(&["--min", "0.5", "--coerce"], &input);
    assert!(
        text(&out.stderr)
            .contains("<stdin>:3: score is a string that does not hold a finite number")
    );
}

#[test]
fn nested_field_paths_in_both_spellings() {
    let input = jsonl(&[
        r#"{"metadata":{"quality":{"score":9}}}"#,
        r#"{"metadata":{"quality":{"score":3}}}"#,
    ]);
    for field in ["metadata.quality.score", "/metadata/quality/score"] {
        let out = filter(&["--field", field, "--min", "7"], &input);
        assert_eq!(lines(&out), [r#"{"metadata":{"quality":{"score":9}}}"#], "{field}");
    }
    let out = filter(
        &["--field", "rating", "--min", "7"],
        &jsonl(&[r#"{"rating":7}"#, r#"{"rating":6}"#]),
    );
    assert!(text(&out.stderr).contains("with rating >= 7"));
}

#[test]
fn usage_errors_exit_2_and_explain() {
    for (args, needle) in [
        (&["--min", "0.9", "--max", "0.5"][..], "greater than --max"),
        (&["--min", "NaN"][..], "not a finite number"),
        (&["--min", "abc"][..], "not a finite number"),
        (&["--max-per", "3"][..], "--by"),
        (&["--key", "id"][..], "--max-samples"),
        (&["--max-samples", "0"][..], "0"),
        (&["--field", "a..b"][..], "JSON Pointer"),
        (&["--field", "a.*"][..], "wildcard"),
        (&["--missing", "ignore"][..], "ignore"),
    ] {
        let out = tool("score-filter").args(args).write_stdin("{}\n").output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(needle), "{args:?}: {}", text(&out.stderr));
    }
}

fn scored(n: usize) -> String {
    let lines: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":"r{i}","score":{},"status":"{}"}}"#,
                0.5 + (i % 50) as f64 / 100.0,
                ["a", "b", "c"][i % 7 % 3]
            )
        })
        .collect();
    jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn max_samples_keeps_n_in_input_order_and_depends_on_the_seed() {
    let input = scored(500);
    let out = filter(&["--min", "0.6", "--max-samples", "40", "--seed", "42"], &input);
    let kept = lines(&out);
    assert_eq!(kept.len(), 40);
    let all = lines(&filter(&["--min", "0.6"], &input));
    let positions: Vec<usize> =
        kept.iter().map(|k| all.iter().position(|a| a == k).expect("kept ⊆ passing")).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "not in input order");
    assert!(text(&out.stderr).contains("over --max-samples 40"));
    let again = lines(&filter(&["--min", "0.6", "--max-samples", "40", "--seed", "42"], &input));
    assert_eq!(kept, again);
    let other = lines(&filter(&["--min", "0.6", "--max-samples", "40", "--seed", "7"], &input));
    assert_ne!(kept, other);
    // Fewer passing records than N: all of them.
    assert_eq!(lines(&filter(&["--min", "0.98", "--max-samples", "400"], &input)).len(), 20);
}

#[test]
fn key_sampling_ignores_everything_but_the_key() {
    // Same ids, different other fields: the same ids are chosen.
    let a: Vec<String> =
        (0..200).map(|i| format!(r#"{{"id":"k{i}","score":1,"v":{i}}}"#)).collect();
    let b: Vec<String> =
        (0..200).map(|i| format!(r#"{{"v":"changed","score":1,"id":"k{i}"}}"#)).collect();
    let pick = |records: &[String]| -> Vec<String> {
        let out = filter(
            &["--max-samples", "15", "--key", "id"],
            &jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()),
        );
        lines(&out)
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(pick(&a), pick(&b));
    // A record without the key is a bad record.
    let out = filter(&["--max-samples", "1", "--key", "id"], "{\"score\":1}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing id"));
}

#[test]
fn by_reports_retention_per_class_and_max_per_caps_each() {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let input = scored(700);
    let out = filter(
        &["--min", "0.6", "--by", "status", "--max-per", "30", "--stats", s.to_str().unwrap()],
        &input,
    );
    assert_eq!(out.status.code(), Some(0));
    let kept = lines(&out);
    let count = |status: &str| {
        kept.iter().filter(|l| l.contains(&format!("\"status\":\"{status}\""))).count()
    };
    assert_eq!((count("a"), count("b"), count("c")), (30, 30, 30));
    let st = stats(&s);
    let classes = &st["by"]["classes"];
    for class in ["a", "b", "c"] {
        assert_eq!(classes[class]["kept"], 30, "{st}");
        let records = classes[class]["in"].as_u64().unwrap();
        assert_eq!(
            classes[class]["kept"].as_u64().unwrap() + classes[class]["filtered"].as_u64().unwrap(),
            records
        );
    }
    assert!(text(&out.stderr).contains("score-filter:   status=a: kept 30 of"));
    // A class smaller than the cap keeps everything that passes.
    let minority = format!("{input}{{\"score\":0.9,\"status\":\"conflicts\"}}\n");
    let out = filter(&["--min", "0.6", "--by", "status", "--max-per", "30"], &minority);
    assert!(text(&out.stdout).contains("conflicts"));
    // A missing class field is its own class.
    let out = filter(&["--by", "status"], "{\"score\":1}\n");
    assert!(text(&out.stderr).contains("status=(missing): kept 1 of 1"));
}

#[test]
fn stats_json_has_the_tools_figures() {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let out = filter(
        &[
            "--min",
            "0.6",
            "--max-samples",
            "5",
            "--seed",
            "3",
            "--by",
            "status",
            "--stats",
            s.to_str().unwrap(),
        ],
        &scored(100),
    );
    assert_eq!(out.status.code(), Some(0));
    let st = stats(&s);
    assert_eq!(st["tool"], "score-filter");
    assert_eq!(st["kept"], 5);
    assert_eq!(st["records_written"], 5);
    assert_eq!(st["min"], 0.6);
    assert_eq!(st["max"], serde_json::Value::Null);
    assert_eq!(st["field"], "score");
    assert_eq!(st["sampling"]["max_samples"], 5);
    assert_eq!(st["sampling"]["seed"], 3);
    let passing = st["sampling"]["candidates"].as_u64().unwrap();
    assert_eq!(st["filtered"]["over --max-samples 5"].as_u64().unwrap(), passing - 5);
    assert_eq!(st["retention"], 0.05);
    assert_eq!(st["complete"], true);
}

/// Runs score-filter on `input` with `args`; returns (stdout, stats).
fn run_stats(args: &[&str], input: &str, threads: &str) -> (Vec<u8>, serde_json::Value) {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let mut cmd = std_tool("score-filter");
    cmd.args(args).args(["-j", threads, "--stats"]).arg(&s).env("SYNTHKIT_CHUNK_BYTES", "256");
    let out = run_with_stdin(cmd, input.as_bytes());
    (out.stdout, stats(&s))
}

fn record_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..1000, "[a-c]").prop_map(|(s, c)| format!(r#"{{"score":{},"status":"{c}"}}"#, s as f64 / 1000.0)),
        1 => Just(r#"{"status":"a"}"#.to_string()),
        1 => Just(r#"{"score":"0.9"}"#.to_string()),
        1 => Just("not json".to_string()),
        1 => Just("[1,2]".to_string()),
        1 => Just("".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn conservation_every_record_ends_in_one_place(records in prop::collection::vec(record_strategy(), 0..120), missing in 0usize..3) {
        let policy = ["reject", "drop", "keep"][missing];
        let input = jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let (_, st) = run_stats(&["--min", "0.3", "--max-samples", "25", "--missing", policy, "--by", "status"], &input, "2");
        let sum = |v: &serde_json::Value| v.as_object().map_or(0, |m| m.values().filter_map(|n| n.as_u64()).sum::<u64>());
        let records_in = st["records_in"].as_u64().unwrap();
        prop_assert_eq!(records_in, records.iter().filter(|r| !r.is_empty()).count() as u64);
        prop_assert_eq!(st["records_written"].as_u64().unwrap() + sum(&st["filtered"]) + sum(&st["rejected"]), records_in);
    }

    #[test]
    fn output_does_not_depend_on_thread_count(records in prop::collection::vec(record_strategy(), 0..150)) {
        let input = jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let args = ["--min", "0.2", "--max-samples", "30", "--missing", "drop"];
        let (one, _) = run_stats(&args, &input, "1");
        let (two, _) = run_stats(&args, &input, "2");
        let (eight, _) = run_stats(&args, &input, "8");
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&one, &eight);
    }

    #[test]
    fn sampling_shards_then_merging_equals_the_whole(
        scores in prop::collection::vec(0u32..1000, 1..200),
        cuts in prop::collection::vec(0usize..200, 0..4),
        n in 1u64..40,
        seed in 0u64..1000,
        per_class in any::<bool>(),
    ) {
        // Classes of --by: numbers by value (1 and 1.0 are one class).
        let class = |i: usize| ["\"a\"", "1", "1.0", "\"b\""][i % 4];
        let records: Vec<String> = scores.iter().enumerate().map(|(i, s)| format!(r#"{{"i":{i},"score":{},"c":{}}}"#, *s as f64 / 1000.0, class(i))).collect();
        let n = n.to_string();
        let seed = seed.to_string();
        // --max-samples, or --max-per within --by classes: both bottom-k, so
        // sampling the joined shard samples again gives the whole run's.
        let args: Vec<&str> = if per_class {
            vec!["--min", "0.25", "--by", "c", "--max-per", &n, "--seed", &seed]
        } else {
            vec!["--min", "0.25", "--max-samples", &n, "--seed", &seed]
        };
        let whole = jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let expected = filter(&args, &whole).stdout;
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(records.len())).collect();
        cuts.sort();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(records.len());
        let mut merged = Vec::new();
        for w in bounds.windows(2) {
            let shard = jsonl(&records[w[0]..w[1]].iter().map(String::as_str).collect::<Vec<_>>());
            merged.extend(filter(&args, &shard).stdout);
        }
        let again = filter(&args, &text(&merged)).stdout;
        prop_assert_eq!(text(&again), text(&expected));
    }
}

#[test]
fn r_by_classes_of_different_kinds_are_not_merged() {
    // 1 and "1" were one class under --max-per, and so were records without
    // the field and records whose field is the string "(missing)".
    let dir = Dir::new();
    let st = dir.path("st.json");
    let input = "{\"score\":1,\"c\":1}\n{\"score\":1,\"c\":\"1\"}\n{\"score\":1,\"c\":\"(missing)\"}\n\
                 {\"score\":1}\n{\"score\":1,\"c\":\"a\"}\n";
    let out =
        filter(&["--by", "c", "--max-per", "1", "-q", "--stats", st.to_str().unwrap()], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(lines(&out).len(), 5, "every record is alone in its class");
    let classes = stats(&st)["by"]["classes"].as_object().unwrap().clone();
    let mut names: Vec<&str> = classes.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["\"(missing)\"", "\"1\"", "(missing)", "1", "a"]);
}

#[test]
fn r_records_kept_by_missing_keep_compete_for_max_samples() {
    // Half the records have no score; with --missing keep they pass, so the cap
    // of 3 is shared by all eight passing records, as the help says.
    let records: Vec<String> = (1..=8)
        .map(|i| {
            if i % 2 == 0 {
                format!(r#"{{"id":{i}}}"#)
            } else {
                format!(r#"{{"id":{i},"score":0.9}}"#)
            }
        })
        .collect();
    let refs: Vec<&str> = records.iter().map(String::as_str).collect();
    let input = jsonl(&refs);
    let capped = filter(&["--min", "0.5", "--missing", "keep", "--max-samples", "3"], &input);
    assert_eq!(capped.status.code(), Some(0), "{}", text(&capped.stderr));
    assert_eq!(lines(&capped).len(), 3);
    // The three are exactly the first three, in input order, of everything
    // --missing keep passes when the cap is large enough to hold them all.
    let all = filter(&["--min", "0.5", "--missing", "keep", "--max-samples", "8"], &input);
    let all = lines(&all);
    assert_eq!(all.len(), 8);
    let mut by_hash: Vec<(u64, String)> =
        all.iter().map(|l| (synthkit::hash::hash(42, l.as_bytes()), l.clone())).collect();
    by_hash.sort();
    let mut want: Vec<String> = by_hash[..3].iter().map(|(_, l)| l.clone()).collect();
    want.sort_by_key(|l| all.iter().position(|a| a == l));
    assert_eq!(lines(&capped), want);
}

#[test]
fn by_classes_count_numbers_by_value_and_escape_control_bytes() {
    let input = jsonl(&[
        r#"{"score":0.9,"label":1}"#,
        r#"{"score":0.9,"label":1.0}"#,
        r#"{"score":0.9,"label":1e0}"#,
        r#"{"score":0.9,"label":"1"}"#,
        r#"{"score":0.9,"label":"a\u001b[2Jb\u0007"}"#,
    ]);
    let dir = Dir::new();
    let st = dir.path("st.json");
    let out = filter(&["--by", "label", "--stats", st.to_str().unwrap()], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("label=1: kept 3 of 3"), "{stderr}");
    assert!(stderr.contains("label=\"1\": kept 1 of 1"), "{stderr}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert!(stderr.contains("label=a\\u{1b}[2Jb\\u{7}: kept 1 of 1"), "{stderr}");
    let classes = &stats(&st)["by"]["classes"];
    assert_eq!(classes["1"]["in"], 3, "{classes}");
    // --max-per caps the value, however it is written.
    let out = filter(&["--by", "label", "--max-per", "2", "-q"], &input);
    assert_eq!(lines(&out).len(), 4, "{}", text(&out.stdout));
}
