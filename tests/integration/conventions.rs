//! CONVENTIONS.md, checked on every binary of the suite: one table row per
//! tool, the same tests for all of them.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::util::{Dir, bin, jsonl, run_with_stdin, stats, std_tool, text, tool};

/// How a tool takes part in the conventions tests.
pub struct Spec {
    pub name: &'static str,
    /// Arguments that make the tool run on plain valid records.
    pub args: &'static [&'static str],
    /// The i-th valid record of a test input.
    pub good: fn(usize) -> String,
    /// Whether it writes each good record unchanged to standard output.
    pub passes_through: bool,
    /// The `--stats` key counting records the tool kept for a report rather
    /// than writing them (dist-report without --pass); they balance the
    /// accounts with the written, filtered and rejected ones.
    pub held_key: Option<&'static str>,
    /// Whether each record's output leaves as soon as a paused pipe has
    /// delivered it (not dist-report's report, written at the end).
    pub streams: bool,
    /// The flag naming the file that takes what would go to standard output:
    /// `-o` (the records), or dist-report's `--report` without `--pass`.
    pub output_flag: &'static str,
}

pub const SPECS: &[Spec] = &[
    Spec {
        name: "score-filter",
        args: &["--min", "0.1"],
        good: |i| format!(r#"{{"id":{i},"score":0.5,"text":"record {i}"}}"#),
        passes_through: true,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "fmt-migrate",
        args: &["--to", "messages"],
        good: |i| {
            format!(
                r#"{{"id":{i},"messages":[{{"role":"user","content":"question {i}"}},{{"role":"assistant","content":"answer"}}]}}"#
            )
        },
        passes_through: true,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "persona-label",
        args: &["--persona", "builtin:tier2_senior_ic_architect", "--timestamp", "none"],
        good: |i| {
            format!(r#"{{"id":{i},"subject":"Design review {i}","bodyPreview":"record {i}"}}"#)
        },
        // Every record gains label fields, so the pass-through tests do not apply;
        // tests/integration/persona_label.rs has its own closed-pipe test.
        passes_through: false,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "graph-validate",
        args: &[],
        good: |i| {
            format!(
                r#"{{"id":"e{i}","subject":"meeting {i}","start":{{"dateTime":"2025-11-15T10:00:00.0000000","timeZone":"Asia/Shanghai"}},"end":{{"dateTime":"2025-11-15T11:00:00.0000000","timeZone":"Asia/Shanghai"}},"organizer":{{"emailAddress":{{"name":"A","address":"a@contoso.com"}}}},"attendees":[{{"type":"required","emailAddress":{{"address":"b{i}@contoso.com"}}}}]}}"#
            )
        },
        passes_through: true,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "phase-split",
        // Untagged, and every record extractive: the curriculum is the input.
        args: &["--no-tag"],
        good: |i| {
            format!(
                r#"{{"id":{i},"input":"Context: fact {i}\nQuestion: which?","output":"fact {i}"}}"#
            )
        },
        passes_through: true,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    // dist-report writes a report, not records: its standard output (or -o
    // FILE) is the report over the good records, which every test compares.
    Spec {
        name: "dist-report",
        args: &["--field", "status", "--field", "score", "--text", "text"],
        good: dist_report_record,
        passes_through: false,
        held_key: Some("records_held"),
        streams: false,
        output_flag: "--report",
    },
    // ...and with --pass it is a pass-through filter (report to a file).
    Spec {
        name: "dist-report",
        args: &["--pass", "--field", "status", "--field", "score", "--report", "/dev/null"],
        good: dist_report_record,
        passes_through: true,
        held_key: Some("records_held"),
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "llm-batch",
        args: &["request", "--model", "m", "--prompt", "Say {{text}}", "--id", "id"],
        good: |i| format!(r#"{{"id":{i},"text":"hello {i}"}}"#),
        passes_through: false,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
    Spec {
        name: "shard-merge",
        args: &["rejects"],
        good: |i| {
            let line = i + 1;
            format!(
                r#"{{"file":"<stdin>","line":{line},"reason":"invalid JSON","raw":"not json {i}"}}"#
            )
        },
        passes_through: true,
        held_key: None,
        streams: true,
        output_flag: "-o",
    },
];

fn dist_report_record(i: usize) -> String {
    let status = ["aligned", "needs_adjustment", "conflicts"][i % 3];
    format!(r#"{{"id":{i},"status":"{status}","score":0.{},"text":"record {i}"}}"#, 50 + i % 47)
}

fn good_input(spec: &Spec, n: usize) -> String {
    let lines: Vec<String> = (0..n).map(spec.good).collect();
    jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The tool's standard output for `input` on stdin (must succeed).
fn clean_output(spec: &Spec, input: &str) -> Vec<u8> {
    let mut cmd = std_tool(spec.name);
    cmd.args(spec.args);
    let out = run_with_stdin(cmd, input.as_bytes());
    assert!(out.status.success(), "{}: {}", spec.name, text(&out.stderr));
    out.stdout
}

#[test]
fn help_exits_0_with_examples() {
    for spec in SPECS {
        let out = tool(spec.name).arg("--help").output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", spec.name);
        let help = text(&out.stdout);
        assert!(
            help.contains("Examples:") && help.contains("Exit status:"),
            "{}: {help}",
            spec.name
        );
        tool(spec.name).arg("-h").assert().code(0);
        tool(spec.name).arg("--version").assert().code(0);
    }
}

/// A description clap wrapped into a line without `#` ran as a command when
/// the example was pasted (fmt-migrate's "... with a system\n  prompt").
#[test]
fn r_help_examples_fit_80_columns_and_comments_keep_their_hash() {
    for spec in SPECS {
        let out = tool(spec.name).arg("--help").output().expect("run");
        let help = text(&out.stdout);
        let examples = help.split("Examples:").nth(1).expect("Examples block");
        let examples = examples.split("Exit status:").next().unwrap_or_default();
        let mut previous = "";
        for line in examples.lines() {
            assert!(line.chars().count() <= 80, "{}: too wide: {line:?}", spec.name);
            // A line is a comment, a command, or continues a command.
            let continues = previous.ends_with('\\') || line.trim_start().starts_with('|');
            if !line.trim().is_empty() && !line.trim_start().starts_with('#') && !continues {
                assert!(
                    line.trim_start().starts_with(spec.name)
                        || line.split_whitespace().next().is_some_and(|w| {
                            [
                                "cat",
                                "jq",
                                "for",
                                "persona-label",
                                "score-filter",
                                "dist-report",
                                "fmt-migrate",
                            ]
                            .contains(&w)
                        }),
                    "{}: an example line that is neither a comment nor a command: {line:?}",
                    spec.name
                );
            }
            previous = line;
        }
    }
}

/// Opening standard input sniffed it for a compression magic, which waited
/// for the producer's first bytes: `slow | tool -o /missing/x` said nothing
/// until the producer wrote (and dist-report's report file was only tried
/// after the whole input). An output that cannot be written now fails at once.
#[test]
fn r_records_flow_through_while_the_producer_pauses() {
    // A slow producer (an LLM writing a record every few seconds, `tail -f`)
    // must not wait for a megabyte of input before seeing any output.
    use std::io::Write;
    for spec in SPECS.iter().filter(|s| s.streams) {
        let mut child = std_tool(spec.name)
            .args(spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.expect("utf-8 output")).is_err() {
                    break;
                }
            }
        });
        let wait = std::time::Duration::from_secs(20);
        for i in 0..2 {
            writeln!(stdin, "{}", (spec.good)(i)).expect("write");
            stdin.flush().expect("flush");
            // Standard input stays open: the record must come out anyway.
            let line = rx.recv_timeout(wait).unwrap_or_else(|_| {
                panic!("{}: record {i} still held while its producer pauses", spec.name)
            });
            if spec.passes_through {
                assert_eq!(line, (spec.good)(i), "{}", spec.name);
            } else {
                // A rewritten record keeps its id; a request names it as its custom_id.
                let id = format!("\"id\":{i}");
                let custom_id = format!("\"custom_id\":\"{i}\"");
                assert!(line.contains(&id) || line.contains(&custom_id), "{}: {line}", spec.name);
            }
        }
        drop(stdin);
        let status = child.wait().expect("wait");
        assert!(status.success(), "{}", spec.name);
        assert!(rx.recv_timeout(wait).is_err(), "{}: more output than records", spec.name);
    }
}

#[test]
fn r_unwritable_output_fails_before_waiting_for_standard_input() {
    let dir = Dir::new();
    let missing = dir.path("no-such-folder/out.jsonl");
    let missing = missing.to_str().expect("utf-8 path");
    let mut cases: Vec<(&str, Vec<&str>)> = SPECS
        .iter()
        .map(|spec| {
            let mut args = spec.args.to_vec();
            args.extend([spec.output_flag, missing]);
            (spec.name, args)
        })
        .collect();
    cases.push(("dist-report", vec!["--partial", missing]));
    cases.push(("dist-report", vec!["--pass", "--report", missing]));
    for (name, args) in cases {
        let mut child = std_tool(name)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Standard input stays open and silent while we wait.
        let _stdin = child.stdin.take();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let status = status.unwrap_or_else(|| panic!("{name} {args:?}: still waiting for input"));
        assert_eq!(status.code(), Some(2), "{name} {args:?}");
        let mut err = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut err).expect("read");
        assert!(err.contains("no-such-folder"), "{name} {args:?}: {err}");
    }
}

#[test]
fn bad_flag_exits_2() {
    for spec in SPECS {
        let out = tool(spec.name).arg("--no-such-flag").output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        assert!(text(&out.stderr).contains("--no-such-flag"), "{}", spec.name);
    }
}

#[test]
fn dash_file_and_stdin_are_the_same_input() {
    for spec in SPECS {
        let dir = Dir::new();
        let input = good_input(spec, 50);
        let file = dir.write("in.jsonl", &input);
        let expected = clean_output(spec, &input);
        let mut dash = std_tool(spec.name);
        dash.args(spec.args).arg("-");
        assert_eq!(run_with_stdin(dash, input.as_bytes()).stdout, expected, "{}: -", spec.name);
        let from_file = std_tool(spec.name).args(spec.args).arg(&file).output().expect("run");
        assert_eq!(from_file.stdout, expected, "{}: file", spec.name);
        // `tool < file` is a regular file on stdin; it must read the same.
        let redirected = std_tool(spec.name)
            .args(spec.args)
            .stdin(std::fs::File::open(&file).expect("open"))
            .output()
            .expect("run");
        assert_eq!(redirected.stdout, expected, "{}: < file", spec.name);
        // Several files read in order, as one stream.
        let twice =
            std_tool(spec.name).args(spec.args).arg(&file).arg(&file).output().expect("run");
        let doubled = clean_output(spec, &format!("{input}{input}"));
        assert_eq!(twice.stdout, doubled, "{}: two files", spec.name);
    }
}

#[test]
fn dash_twice_is_a_usage_error() {
    for spec in SPECS {
        let out = std_tool(spec.name).args(spec.args).args(["-", "-"]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        assert!(text(&out.stderr).contains("only once"), "{}", spec.name);
    }
}

#[test]
fn closed_pipe_exits_0_quietly() {
    for spec in SPECS.iter().filter(|s| s.passes_through) {
        let dir = Dir::new();
        let file = dir.write("big.jsonl", good_input(spec, 200_000));
        let mut child = std_tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("first line");
        drop(stdout);
        let mut stderr = String::new();
        child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{}: {stderr}", spec.name);
        assert_eq!(stderr, "", "{}", spec.name);
        assert!(!first.is_empty());
    }
}

#[test]
fn malformed_line_is_reported_and_good_records_survive() {
    for spec in SPECS {
        let good = [(spec.good)(0), (spec.good)(1), (spec.good)(2)];
        let expected = clean_output(spec, &jsonl(&[&good[0], &good[1], &good[2]]));
        let input = jsonl(&[&good[0], "{\"oops\": ", &good[1], &good[2]]);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{}", spec.name);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("{}: <stdin>:2: invalid JSON", spec.name)),
            "{}: {stderr}",
            spec.name
        );
        assert_eq!(out.stdout, expected, "{}", spec.name);
    }
}

#[test]
fn rejects_file_captures_bad_records_with_exit_0() {
    for spec in SPECS {
        let dir = Dir::new();
        let good = (spec.good)(0);
        let input = dir.write("in.jsonl", jsonl(&[&good, "not json", &good]));
        let rejects = dir.path("rejects.jsonl");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&input)
            .arg("--rejects")
            .arg(&rejects)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        let line: serde_json::Value =
            serde_json::from_str(dir.read("rejects.jsonl").trim()).expect("one reject line");
        assert_eq!(line["line"], 2, "{}", spec.name);
        assert_eq!(line["raw"], "not json", "{}", spec.name);
        assert_eq!(line["file"], input.display().to_string(), "{}", spec.name);
        assert!(line["reason"].as_str().unwrap_or("").contains("invalid JSON"), "{}", spec.name);
        assert!(!text(&out.stderr).contains("not json"), "{}: rejects also on stderr", spec.name);
    }
}

#[test]
fn fail_fast_stops_at_the_first_bad_record() {
    for spec in SPECS {
        let good = [(spec.good)(0), (spec.good)(1)];
        let expected = clean_output(spec, &jsonl(&[&good[0]]));
        let input = jsonl(&[&good[0], "[1]", &good[1], "also bad"]);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).arg("--fail-fast");
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{}", spec.name);
        assert_eq!(out.stdout, expected, "{}", spec.name);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("<stdin>:2:") && !stderr.contains("<stdin>:4:"),
            "{}: {stderr}",
            spec.name
        );
    }
}

#[test]
fn crlf_bom_blank_lines_and_missing_last_newline() {
    for spec in SPECS {
        let (a, b) = ((spec.good)(0), (spec.good)(1));
        let expected = clean_output(spec, &jsonl(&[&a, &b]));
        let dir = Dir::new();
        let messy = format!("\u{feff}{a}\r\n\r\n   \n\t\n{b}");
        let file = dir.write("messy.jsonl", &messy);
        let stats_path = dir.path("stats.json");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg("--stats")
            .arg(&stats_path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        assert_eq!(out.stdout, expected, "{}", spec.name);
        let stats = stats(&stats_path);
        assert_eq!(stats["blank_lines"], 3, "{}", spec.name);
        assert_eq!(stats["records_in"], 2, "{}", spec.name);
        // The same bytes through a pipe.
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        assert_eq!(run_with_stdin(cmd, messy.as_bytes()).stdout, expected, "{}: stdin", spec.name);
    }
}

#[test]
fn invalid_utf8_and_non_objects_are_bad_records() {
    for spec in SPECS {
        let good = (spec.good)(0);
        let mut input = jsonl(&[&good]).into_bytes();
        input.extend_from_slice(b"{\"a\":\"\xff\xfe\"}\n[1,2]\n\"text\"\n42\nnull\n");
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, &input);
        assert_eq!(out.status.code(), Some(1), "{}", spec.name);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("<stdin>:2: invalid UTF-8"), "{}: {stderr}", spec.name);
        for (line, what) in [(3, "an array"), (4, "a string"), (5, "a number"), (6, "null")] {
            assert!(
                stderr.contains(&format!("<stdin>:{line}: not a JSON object: the line is {what}")),
                "{}: {stderr}",
                spec.name
            );
        }
        assert_eq!(out.stdout, clean_output(spec, &jsonl(&[&good])), "{}", spec.name);
    }
}

#[test]
fn a_50_mb_line_is_an_ordinary_record() {
    for spec in SPECS.iter().filter(|s| s.passes_through) {
        let good = (spec.good)(7);
        let big = format!("{},\"blob\":\"{}\"}}", &good[..good.len() - 1], "x".repeat(50 << 20));
        let dir = Dir::new();
        let file = dir.write("big.jsonl", format!("{big}\n{good}\n"));
        let out = std_tool(spec.name).args(spec.args).arg(&file).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        assert_eq!(out.stdout.len(), big.len() + good.len() + 2, "{}", spec.name);
        assert!(out.stdout.starts_with(big.as_bytes()), "{}", spec.name);
    }
}

#[test]
fn deep_nesting_is_a_clear_error_not_a_crash() {
    for spec in SPECS {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let good = (spec.good)(0);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, jsonl(&[&deep, &good]).as_bytes());
        assert_eq!(out.status.code(), Some(1), "{}", spec.name);
        assert!(
            text(&out.stderr).contains("<stdin>:1: nested 128 levels deep or more"),
            "{}",
            spec.name
        );
        assert_eq!(out.stdout, clean_output(spec, &jsonl(&[&good])), "{}", spec.name);
    }
}

#[test]
fn unreadable_input_exits_2_naming_the_file() {
    for spec in SPECS {
        let dir = Dir::new();
        let missing = dir.path("no-such-file.jsonl");
        let out = std_tool(spec.name).args(spec.args).arg(&missing).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("no-such-file.jsonl") && stderr.starts_with(spec.name),
            "{}: {stderr}",
            spec.name
        );
        assert!(out.stdout.is_empty(), "{}", spec.name);
        let out = std_tool(spec.name).args(spec.args).arg(dir.root()).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}: a directory", spec.name);
    }
}

#[test]
fn output_file_is_atomic_and_equals_stdout() {
    for spec in SPECS {
        let dir = Dir::new();
        let input = good_input(spec, 20);
        let file = dir.write("in.jsonl", &input);
        let out_path = dir.path("out/result.jsonl");
        std::fs::create_dir_all(out_path.parent().expect("parent")).expect("mkdir");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg(spec.output_flag)
            .arg(&out_path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", spec.name);
        assert!(out.stdout.is_empty(), "{}", spec.name);
        assert_eq!(
            std::fs::read(&out_path).expect("output"),
            clean_output(spec, &input),
            "{}",
            spec.name
        );
        let leftovers: Vec<_> = std::fs::read_dir(out_path.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{}: temporary files left: {leftovers:?}", spec.name);
        // A fatal error (unreadable second input) leaves no file at all.
        let failed = dir.path("out/failed.jsonl");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg(dir.path("missing.jsonl"))
            .arg(spec.output_flag)
            .arg(&failed)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", spec.name);
        assert!(!failed.exists(), "{}", spec.name);
    }
}

#[test]
fn output_is_identical_across_thread_counts_and_chunkings() {
    for spec in SPECS {
        let dir = Dir::new();
        let mut lines: Vec<String> = (0..3000).map(spec.good).collect();
        lines.insert(1234, "bad line".into());
        let file =
            dir.write("in.jsonl", jsonl(&lines.iter().map(String::as_str).collect::<Vec<_>>()));
        let reference =
            std_tool(spec.name).args(spec.args).arg(&file).arg("-j1").output().expect("run");
        for (threads, chunk) in [("1", "1000"), ("2", "4096"), ("8", "777"), ("3", "1")] {
            let out = std_tool(spec.name)
                .args(spec.args)
                .arg(&file)
                .args(["-j", threads])
                .env("SYNTHKIT_CHUNK_BYTES", chunk)
                .output()
                .expect("run");
            assert_eq!(out.stdout, reference.stdout, "{}: -j{threads} chunk {chunk}", spec.name);
            assert_eq!(out.stderr, reference.stderr, "{}: -j{threads} chunk {chunk}", spec.name);
            assert_eq!(out.status.code(), Some(1));
        }
    }
}

#[test]
fn pass_through_is_byte_exact() {
    for spec in SPECS.iter().filter(|s| s.passes_through) {
        let good = (spec.good)(3);
        let odd = format!(
            "{} , \"f\": 1.0, \"e\":1e-7,\"big\": 12345678901234567890, \"u\":\"\\u00e9\\ud83d\\ude00 é\", \"z\" : [ 1 , {{ }} ] }}",
            &good[..good.len() - 1]
        );
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, format!("{odd}\n").as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{odd}\n"), "{}", spec.name);
    }
}

#[test]
fn stats_have_the_common_facts_and_balance() {
    for spec in SPECS {
        let dir = Dir::new();
        let input = dir.write("in.jsonl", format!("{}not json\n", good_input(spec, 10)));
        let stats_path = dir.path("stats.json");
        let out = std_tool(spec.name)
            .args(spec.args)
            .arg(&input)
            .arg("--stats")
            .arg(&stats_path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        let s = stats(&stats_path);
        assert_eq!(s["tool"], spec.name);
        assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
        assert!(s["args"].as_array().is_some_and(|a| a.iter().any(|v| v == "--stats")));
        assert!(s["elapsed_seconds"].is_number());
        assert_eq!(s["records_in"], 11);
        let sum = |v: &serde_json::Value| {
            v.as_object().map_or(0, |m| m.values().filter_map(|n| n.as_u64()).sum::<u64>())
        };
        let held = spec.held_key.map_or(0, |key| s[key].as_u64().unwrap_or(0));
        let accounted = s["records_written"].as_u64().unwrap_or(0)
            + held
            + sum(&s["filtered"])
            + sum(&s["rejected"]);
        assert_eq!(accounted, 11, "{}: {s}", spec.name);
    }
}

#[test]
fn quiet_silences_the_summary_but_not_errors() {
    for spec in SPECS {
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).arg("-q");
        let out = run_with_stdin(cmd, good_input(spec, 3).as_bytes());
        assert_eq!(text(&out.stderr), "", "{}", spec.name);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).arg("-q");
        let out = run_with_stdin(cmd, b"nope\n");
        assert!(text(&out.stderr).contains("<stdin>:1:"), "{}", spec.name);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let out = run_with_stdin(cmd, good_input(spec, 3).as_bytes());
        assert!(
            text(&out.stderr).starts_with(&format!("{}: ", spec.name)),
            "{}: summary missing",
            spec.name
        );
    }
}

#[test]
fn every_binary_is_in_the_table() {
    let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
    for t in synthkit::TOOLS {
        assert!(names.contains(&t.doc.name), "{} has no conventions row", t.doc.name);
        assert!(bin(t.doc.name).exists());
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 3).expect("zstd")
}

#[test]
fn compressed_input_is_read_transparently_with_right_line_numbers() {
    for spec in SPECS {
        let good = [(spec.good)(0), (spec.good)(1), (spec.good)(2)];
        let plain = jsonl(&[&good[0], "{broken", &good[1], &good[2]]);
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args);
        let expected = run_with_stdin(cmd, plain.as_bytes());
        assert_eq!(expected.status.code(), Some(1), "{}", spec.name);
        let dir = Dir::new();
        // Two gzip members concatenated, as `cat a.gz b.gz` makes.
        let (head, tail) = plain.split_at(plain.find("{broken").expect("marker"));
        let mut members = gzip(head.as_bytes());
        members.extend(gzip(tail.as_bytes()));
        for (name, bytes) in [
            ("in.jsonl.gz", gzip(plain.as_bytes())),
            ("in.jsonl.zst", zstd(plain.as_bytes())),
            ("no-extension", zstd(plain.as_bytes())),
            ("members.gz", members),
        ] {
            let file = dir.write(name, &bytes);
            let out = std_tool(spec.name).args(spec.args).arg(&file).output().expect("run");
            assert_eq!(out.status.code(), Some(1), "{}: {name}", spec.name);
            assert_eq!(out.stdout, expected.stdout, "{}: {name}", spec.name);
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains(&format!("{}:2: invalid JSON", file.display())),
                "{}: {name}: {stderr}",
                spec.name
            );
            let mut cmd = std_tool(spec.name);
            cmd.args(spec.args);
            let piped = run_with_stdin(cmd, &bytes);
            assert_eq!(piped.stdout, expected.stdout, "{}: {name} on stdin", spec.name);
            assert!(
                text(&piped.stderr).contains("<stdin>:2: invalid JSON"),
                "{}: {name} on stdin",
                spec.name
            );
        }
        // A damaged stream is an input error naming the file, not a data problem.
        let mut damaged = gzip(plain.as_bytes());
        damaged.truncate(damaged.len() / 2);
        let file = dir.write("damaged.gz", &damaged);
        let out = std_tool(spec.name).args(spec.args).arg(&file).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}: damaged", spec.name);
        assert!(text(&out.stderr).contains("damaged.gz"), "{}", spec.name);
    }
}

#[test]
fn output_file_is_compressed_by_its_extension() {
    for spec in SPECS.iter().filter(|s| s.passes_through) {
        let dir = Dir::new();
        let input = good_input(spec, 30);
        let file = dir.write("in.jsonl", &input);
        let expected = clean_output(spec, &input);
        for name in ["out.jsonl.gz", "out.jsonl.zst"] {
            let path = dir.path(name);
            let out = std_tool(spec.name)
                .args(spec.args)
                .arg(&file)
                .arg(spec.output_flag)
                .arg(&path)
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(0), "{}: {name}", spec.name);
            let bytes = std::fs::read(&path).expect("compressed output");
            let mut decoded = Vec::new();
            if name.ends_with(".gz") {
                flate2::read::MultiGzDecoder::new(&bytes[..])
                    .read_to_end(&mut decoded)
                    .expect("gunzip");
            } else {
                decoded = zstd::stream::decode_all(&bytes[..]).expect("unzstd");
            }
            assert_eq!(decoded, expected, "{}: {name}", spec.name);
        }
    }
}

/// The sequences the hostile inputs below carry: none may reach a person raw.
const HOSTILE: &[&[u8]] = &[
    b"\x1b[31m",
    b"\x1b[2J",
    b"\x1b]0;pwn",
    b"\x07",
    b"\x08",
    "\u{9b}".as_bytes(),
    "\u{202e}".as_bytes(),
];

/// Whether `bytes` hold a control character (other than newline and tab),
/// a C1 control or a bidirectional override.
fn raw_control(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

// Issue 18 §3: a hostile file name and hostile bytes in records never reach
// standard error raw, in a file or on a terminal; --rejects keeps them exactly.
#[test]
fn hostile_text_is_shown_escaped_in_files_and_on_a_terminal() {
    let have_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_script {
        crate::util::skip("conventions: the terminal half: util-linux `script` is not installed");
    }
    for spec in SPECS {
        let dir = Dir::new();
        let name = "evil\u{1b}[31m\u{7}\u{202e}\u{9b}\u{8}.jsonl";
        let mut bytes = (spec.good)(1).into_bytes();
        bytes.extend_from_slice(b"\nnot json \x1b[2J\x07\xc2\x9b here\n");
        bytes.extend_from_slice(b"{\"id\":\"\x1b]0;pwn\x07\",\"x\":1}\n");
        let file = dir.write(name, &bytes);
        let out = tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg(spec.output_flag)
            .arg(dir.path("out"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}: {}", spec.name, text(&out.stderr));
        assert!(!raw_control(&out.stderr), "{}: {:?}", spec.name, text(&out.stderr));
        assert!(
            text(&out.stderr).contains("evil\\u{1b}[31m"),
            "{}: {}",
            spec.name,
            text(&out.stderr)
        );

        // --rejects keeps the exact bytes and the exact file name.
        let rejects = dir.path("rejects.jsonl");
        let out = tool(spec.name)
            .args(spec.args)
            .arg(&file)
            .arg(spec.output_flag)
            .arg(dir.path("out"))
            .arg("--rejects")
            .arg(&rejects)
            .output()
            .unwrap();
        assert!(!raw_control(&out.stderr), "{}: {:?}", spec.name, text(&out.stderr));
        let kept = std::fs::read_to_string(&rejects).unwrap();
        let lines: Vec<serde_json::Value> =
            kept.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "{}: {kept}", spec.name);
        assert_eq!(lines[0]["file"], file.display().to_string(), "{}", spec.name);
        assert_eq!(lines[0]["raw"], "not json \u{1b}[2J\u{7}\u{9b} here", "{}", spec.name);

        if have_script {
            // On a terminal: standard output and error both reach it.
            let mut command = bin(spec.name).display().to_string();
            for arg in spec.args {
                command.push_str(&format!(" '{arg}'"));
            }
            command.push_str(" evil*.jsonl");
            if spec.output_flag != "-o" {
                command.push_str(&format!(" {} -", spec.output_flag));
            }
            let shown = std::process::Command::new("script")
                .args(["-qec", &command, "/dev/null"])
                .current_dir(dir.root())
                .env_remove("SOURCE_DATE_EPOCH")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let screen = shown.stdout;
            assert!(
                String::from_utf8_lossy(&screen).contains("evil\\u{1b}[31m"),
                "{}: {:?}",
                spec.name,
                text(&screen)
            );
            for seq in HOSTILE {
                assert!(
                    !screen.windows(seq.len()).any(|w| w == *seq),
                    "{}: {:?} reached the terminal: {:?}",
                    spec.name,
                    String::from_utf8_lossy(seq),
                    text(&screen)
                );
            }
        }
    }
}
