//! The first hour of a new user (issue 13), on every binary of the suite:
//! no mistake passes silently or destroys data. One regression test each.

use std::process::Stdio;

use crate::conventions::SPECS;
use crate::util::{Dir, jsonl, run_with_stdin, std_tool, text, tool};

/// The key each tool reads in its good records (conventions table order).
fn read_key(name: &str) -> &'static str {
    match name {
        "score-filter" => "score",
        "fmt-migrate" => "messages",
        "persona-label" => "subject",
        "graph-validate" => "subject",
        "phase-split" => "output",
        "dist-report" => "status",
        "llm-batch" => "text",
        "shard-merge" => "line",
        other => panic!("no read key for {other}"),
    }
}

fn good_file(dir: &Dir, name: &str, spec: &crate::conventions::Spec) -> std::path::PathBuf {
    let lines: Vec<String> = (0..6).map(spec.good).collect();
    dir.write(name, jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>()))
}

#[test]
fn r_no_output_flag_may_name_an_input() {
    for spec in SPECS {
        for flag in ["--rejects", "--stats", "-o"] {
            if flag == "-o" && spec.name == "dist-report" && !spec.passes_through {
                continue; // -o needs --pass there; the --pass spec covers it.
            }
            let dir = Dir::new();
            let input = good_file(&dir, "in.jsonl", spec);
            let before = std::fs::read(&input).unwrap();
            let out =
                tool(spec.name).args(spec.args).arg(flag).arg(&input).arg(&input).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{} {flag}: {}", spec.name, text(&out.stderr));
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains(&format!("{flag} ")) && stderr.contains("is also an input"),
                "{} {flag}: {stderr}",
                spec.name
            );
            assert_eq!(
                std::fs::read(&input).unwrap(),
                before,
                "{} {flag} changed its input",
                spec.name
            );
            let leftovers = std::fs::read_dir(dir.root()).unwrap().count();
            assert_eq!(leftovers, 1, "{} {flag} left files behind", spec.name);
        }
    }
}

#[test]
fn r_an_output_reaching_an_input_through_a_link_or_stdin_is_refused() {
    let dir = Dir::new();
    let input = dir.write("scores.jsonl", "{\"score\":0.9}\n{\"score\":0.1}\n");
    let link = dir.path("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let out = tool("score-filter")
        .args(["--min", "0.5", "--rejects"])
        .arg(&link)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Standard input redirected from the file is the file.
    let out = std_tool("score-filter")
        .args(["--min", "0.5", "--stats"])
        .arg(&input)
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("<stdin>"), "{}", text(&out.stderr));
    // Appending standard output to the input.
    let append = std::fs::OpenOptions::new().append(true).open(&input).unwrap();
    let out = std_tool("score-filter")
        .args(["--min", "0.5"])
        .arg(&input)
        .stdout(Stdio::from(append))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("standard output is also an input"));
    assert_eq!(dir.read("scores.jsonl"), "{\"score\":0.9}\n{\"score\":0.1}\n");
}

#[test]
fn r_dist_report_report_and_partial_may_not_name_an_input() {
    let dir = Dir::new();
    let input = dir.write("in.jsonl", "{\"status\":\"a\"}\n");
    for flag in ["--report", "--partial"] {
        let out = tool("dist-report")
            .args(["--field", "status", flag])
            .arg(&input)
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
        assert_eq!(dir.read("in.jsonl"), "{\"status\":\"a\"}\n", "{flag}");
    }
    // --compare's file is an input too.
    let after = dir.write("after.jsonl", "{\"status\":\"a\"}\n");
    let out = tool("dist-report")
        .args(["--field", "status", "--compare"])
        .arg(&after)
        .arg("-o")
        .arg(&after)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(dir.read("after.jsonl"), "{\"status\":\"a\"}\n");
}

#[test]
fn r_phase_split_out_dir_holding_an_input_is_refused() {
    let dir = Dir::new();
    let input = dir.write("phases/1-extractive.jsonl", "{\"input\":\"q\",\"output\":\"a\"}\n");
    let out = tool("phase-split")
        .arg("--out-dir")
        .arg(dir.path("phases"))
        .arg("--force")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("holds the input"), "{}", text(&out.stderr));
    assert_eq!(dir.read("phases/1-extractive.jsonl"), "{\"input\":\"q\",\"output\":\"a\"}\n");
}

#[test]
fn r_a_json_document_gets_one_message_naming_the_conversion() {
    for spec in SPECS {
        let records: Vec<String> = (0..5).map(spec.good).collect();
        let array = format!("[\n  {}\n]\n", records.join(",\n  "));
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, array.as_bytes());
        let stderr = text(&out.stderr);
        if spec.name == "graph-validate" {
            // It reads Graph documents as their events (issue 15), from
            // standard input as from a FILE: the array is its 5 events.
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            assert_eq!(text(&out.stdout).lines().count(), 5, "{stderr}");
            assert!(stderr.contains("read 5 events from <stdin> (array)"), "{stderr}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{}", spec.name);
            assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", spec.name);
            assert!(stderr.contains("fmt-migrate --from json-array"), "{}: {stderr}", spec.name);
        }
        // A pretty-printed object, from a file.
        let dir = Dir::new();
        let doc = dir.write("export.json", "{\n  \"value\": [\n    {\"id\": 1}\n  ]\n}\n");
        let out = tool(spec.name).args(spec.args).arg(&doc).output().unwrap();
        if spec.name == "graph-validate" {
            // It reads Graph responses as their events (issue 15): {"id": 1}
            // is one invalid event, not a refused document.
            assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            assert!(text(&out.stderr).contains("read 1 event from"), "{}", text(&out.stderr));
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", spec.name);
        assert!(stderr.contains("--from graph-response"), "{}: {stderr}", spec.name);
    }
}

#[test]
fn r_a_repeated_key_the_tool_reads_is_a_bad_record() {
    for spec in SPECS {
        let key = read_key(spec.name);
        let good = (spec.good)(1);
        // The same key again, at the end, with another value of its kind.
        let start = good.find(&format!("\"{key}\":")).expect("read key in the good record");
        let value_start = start + key.len() + 3;
        let value = crate_value(&good[value_start..]);
        let repeated = format!("{},\"{key}\":{value}}}", &good[..good.len() - 1]);
        // A key repeated that no tool reads passes through.
        let other = format!("{},\"zz_unread\":1,\"zz_unread\":2}}", &good[..good.len() - 1]);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, jsonl(&[&(spec.good)(0), &repeated, &other]).as_bytes());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", spec.name);
        let reported = stderr.lines().find(|l| l.contains("<stdin>:2: ")).unwrap_or_default();
        assert!(
            reported.contains(key)
                && (reported.contains("repeated key") || reported.contains("appears twice")),
            "{}: {stderr}",
            spec.name
        );
        assert!(!stderr.contains("<stdin>:3:"), "{}: {stderr}", spec.name);
        if spec.passes_through {
            let stdout = text(&out.stdout);
            assert!(stdout.contains("zz_unread\":1,\"zz_unread\":2"), "{}: {stdout}", spec.name);
        }
    }
}

/// The JSON value at the start of `text` (a string, number or container).
fn crate_value(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    if depth == 0 {
                        return &text[..=i];
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..=i];
                }
                if depth < 0 {
                    return &text[..i];
                }
            }
            b',' if depth == 0 => return &text[..i],
            _ => {}
        }
    }
    text
}

#[test]
fn r_a_field_no_record_holds_is_reported_once_with_the_fields_seen() {
    let dir = Dir::new();
    let lines: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"id":{i},"score":0.{i:02},"metadata":{{"status":"s{}"}}}}"#, i % 3))
        .collect();
    let input =
        dir.write("teacher.jsonl", jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>()));
    let cases: &[(&str, &[&str], &str)] = &[
        ("score-filter", &["--by", "metadata.stauts", "--max-per", "5"], "--by metadata.stauts"),
        ("score-filter", &["--field", "scroe", "--missing", "drop", "-q"], "--field scroe"),
        ("score-filter", &["--group", "idd", "--max-samples", "5"], "--group idd"),
        ("dist-report", &["--field", "scroe"], "--field scroe"),
        ("dist-report", &["--by", "metadata.stauts"], "--by metadata.stauts"),
        (
            "phase-split",
            &["--split", "train=80,val=20", "--check-leakage", "nofield", "--answer", "id"],
            "--check-leakage nofield",
        ),
        (
            "phase-split",
            &["--split", "train=80,val=20", "--stratify", "nofield", "--answer", "id"],
            "--stratify nofield",
        ),
    ];
    for (name, args, said) in cases {
        let out = tool(name).args(*args).arg(&input).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {stderr}");
        let messages: Vec<&str> =
            stderr.lines().filter(|l| l.contains("no record has this field")).collect();
        assert_eq!(messages.len(), 1, "{name} {args:?}: {stderr}");
        assert!(
            messages[0].contains(said) && messages[0].contains("fields seen: id, score, metadata"),
            "{stderr}"
        );
    }
    // The nearest name is suggested.
    let out = tool("score-filter")
        .args(["--by", "metadata.stauts", "--max-per", "5"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("did you mean metadata.status?"), "{}", text(&out.stderr));
    // A leakage gate never passes on a field that was never there.
    let out = tool("phase-split")
        .args(["--split", "train=80,val=20", "--check-leakage", "nofield", "--answer", "id"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("no value in more than one split"),
        "{}",
        text(&out.stderr)
    );
    // A field some records hold is fine; an empty input has nothing to report.
    let out = tool("score-filter")
        .args(["--by", "metadata.status", "--max-per", "5"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let empty = dir.write("empty.jsonl", "");
    let out = tool("score-filter").args(["--field", "scroe"]).arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn bundled(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data").join(name)
}

#[test]
fn r_help_examples_that_failed_on_bundled_data_now_run() {
    // score-filter --key id and dist-report --field status named fields the
    // teacher data does not have; phase-split --group persona_id ran on
    // records with no answer (issue 13, item 6).
    let dir = Dir::new();
    let curated = dir.path("curated.jsonl");
    let out = tool("score-filter")
        .args([
            "--min",
            "0.82",
            "--by",
            "metadata.status",
            "--max-per",
            "100",
            "--key",
            "metadata.concept_id",
        ])
        .arg(bundled("teacher.jsonl"))
        .arg("-o")
        .arg(&curated)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("metadata.status=aligned: kept 100 of"),
        "{}",
        text(&out.stderr)
    );
    let out = tool("dist-report")
        .arg(bundled("teacher.jsonl"))
        .arg("--compare")
        .arg(&curated)
        .args(["--field", "metadata.status", "--field", "score", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("| conflicts |"), "{}", text(&out.stdout));
    let qa = dir.path("qa.jsonl");
    let out = tool("fmt-migrate")
        .args(["--from", "squad"])
        .arg(bundled("squad_sample.json"))
        .arg("-o")
        .arg(&qa)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = tool("phase-split")
        .args([
            "--split",
            "train=0.8,val=0.1,test=0.1",
            "--group",
            "title",
            "--seed",
            "7",
            "--out-dir",
        ])
        .arg(dir.path("phases"))
        .arg(&qa)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.path("phases/manifest.json").exists());
}

#[test]
fn r_a_persona_named_without_builtin_suggests_the_builtin() {
    let out = tool("persona-label")
        .args(["--persona", "tier1_sales_manager_pipeline"])
        .arg(bundled("meetings.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean builtin:tier1_sales_manager_pipeline?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn r_dist_report_shows_the_kind_where_values_would_look_alike() {
    let input = jsonl(&[
        r#"{"v":"1"}"#,
        r#"{"v":1}"#,
        r#"{"v":1.0}"#,
        r#"{"v":"null"}"#,
        r#"{"v":null}"#,
        r#"{"v":"x"}"#,
    ]);
    let report = |args: &[&str]| {
        let mut cmd = std_tool("dist-report");
        cmd.args(["-q", "--field", "v"]).args(args);
        run_with_stdin(cmd, input.as_bytes())
    };
    let table = text(&report(&["--format", "table"]).stdout);
    for shown in ["\"1\"", "\"null\""] {
        assert!(table.lines().any(|l| l.trim_start().starts_with(shown)), "{shown}:\n{table}");
    }
    assert!(table.lines().any(|l| l.trim_start().starts_with("1 ")), "{table}");
    assert!(table.lines().any(|l| l.trim_start().starts_with("x ")), "plain text: {table}");
    let csv = text(&report(&["--format", "csv"]).stdout);
    assert!(csv.contains(r#","""1""","#) && csv.contains(",null,"), "{csv}");
    // --expect follows JSON: the number 1 (written 1 or 1.0) is 2 records.
    let gate = |expect: &str| report(&["--expect", expect]).status.code();
    assert_eq!(gate("v=1:count==2"), Some(0));
    assert_eq!(gate(r#"v="1":count==1"#), Some(0));
    assert_eq!(gate("v=null:count==1"), Some(0));
    assert_eq!(gate(r#"v="null":count==1"#), Some(0));
    assert_eq!(gate("v=x:count==1"), Some(0));
    // A value of the wrong kind is corrected, not measured as 0.
    let input = jsonl(&[r#"{"v":"7"}"#]);
    let mut cmd = std_tool("dist-report");
    cmd.args(["-q", "--field", "v", "--expect", "v=7:count>=0"]);
    let out = run_with_stdin(cmd, input.as_bytes());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(r#"write v="7""#), "{stderr}");
}

#[test]
fn r_a_failed_gate_commits_no_records_but_explains_itself() {
    let dir = Dir::new();
    let input = dir.write(
        "in.jsonl",
        jsonl(&[
            r#"{"id":1,"input":"same prompt","output":"a"}"#,
            r#"{"id":2,"input":"same prompt","output":"b"}"#,
            r#"{"id":3,"input":"same prompt","output":"c"}"#,
            r#"{"id":4,"input":"same prompt","output":"d"}"#,
            r#"{"id":5,"input":"unique","output":"e"}"#,
        ]),
    );
    let gate = ["--split", "a=0.5,b=0.5", "--seed", "1", "--check-leakage", "input"];
    let (out_file, stats) = (dir.path("out.jsonl"), dir.path("stats.json"));
    let out = tool("phase-split")
        .args(gate)
        .arg("-o")
        .arg(&out_file)
        .arg("--stats")
        .arg(&stats)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!out_file.exists(), "the records of a failed gate are not committed: {stderr}");
    assert!(stderr.contains("not written: the check failed"), "{stderr}");
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    assert_eq!(st["leakage"]["values"], 1, "the explanation is written");
    assert_eq!(st["output_withheld"], true);
    // The same run without the leak commits its file.
    let out = tool("phase-split")
        .args(["--split", "a=0.5,b=0.5", "--seed", "1", "-o"])
        .arg(&out_file)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap().lines().count(), 5);
    // --out-dir: no phase file and no manifest.
    let folder = dir.path("phases");
    let out = tool("phase-split").args(gate).arg("--out-dir").arg(&folder).arg(&input).output();
    let out = out.unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&folder)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing committed to --out-dir: {left:?}");
    assert!(stderr.contains("no file written to"), "{stderr}");
}

#[test]
fn r_dist_report_discovery_refuses_a_repeated_key() {
    let input = jsonl(&[r#"{"a":1,"a":2}"#, r#"{"m":{"x":1,"x":1}}"#, r#"{"a":3,"m":{"x":2}}"#]);
    let mut cmd = std_tool("dist-report");
    cmd.args(["--format", "json", "-q"]);
    let out = run_with_stdin(cmd, input.as_bytes());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("<stdin>:1:") && stderr.contains("<stdin>:2:"), "{stderr}");
    assert!(stderr.contains("repeated") && stderr.contains("\"x\""), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["records"], 1, "only the clean record is counted: {report}");
}
