//! phase-split behaviour: classification (with near misses), explicit rules,
//! curriculum order, spilling, splits (grouped, shard-invariant,
//! stratified), the leakage check, --out-dir, and conservation.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use serde_json::Value;

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text, tool};

fn split_tool(args: &[&str], input: &str) -> std::process::Output {
    let mut cmd = std_tool("phase-split");
    cmd.args(args);
    run_with_stdin(cmd, input.as_bytes())
}

fn records(out: &std::process::Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// id → phase, from tagged output.
fn phases(out: &std::process::Output) -> BTreeMap<String, String> {
    records(out)
        .iter()
        .map(|r| {
            (
                r["id"].to_string().trim_matches('"').to_string(),
                r["phase"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn qa(id: &str, context: &str, answer: &str) -> String {
    serde_json::json!({"id": id, "input": format!("Context: {context}\nQuestion: what?"), "output": answer})
        .to_string()
}

fn lines_of(list: &[String]) -> String {
    jsonl(&list.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn hand_written_records_and_near_misses() {
    let long_span = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
fifteen sixteen seventeen eighteen nineteen twenty twentyone twentytwo twentythree twentyfour twentyfive \
twentysix twentyseven twentyeight twentynine thirty thirtyone";
    let input = lines_of(&[
        qa("exact", "The capital of France is Paris.", "Paris"),
        qa("seed003", "RAM usage 7.8GB/8GB (97%)", "RAM usage 7.8GB/8GB (97%)"),
        qa("case-space", "He moved to New York City in 1990.", "new  york\tCITY"),
        qa("nbsp-umlaut", "Flights land at Zürich\u{a0}Airport daily.", "ZÜRICH AIRPORT"),
        qa("newline-in-context", "The treaty of Saint-Clair-sur-\nEpte was signed.", "saint-clair-sur- epte"),
        qa("no-accent-folding", "Flights land at Zürich Airport daily.", "Zurich Airport"),
        qa("long-but-in-context", long_span, long_span),
        qa("conversational", "RAM usage 7.8GB/8GB (97%)", "Your computer is slow because RAM is at 97% capacity."),
        qa("refusal", "random text", "Not found in provided context."),
        qa("curly-refusal", "random text", "I couldn\u{2019}t find information about your boss in the provided context."),
        qa("other-refusal", "random text", "That detail isn't in the passage."),
        r#"{"id":"flagged","input":"Context: Paris\nQuestion: ?","output":"Paris","is_impossible":true}"#.into(),
        r#"{"id":"unanswerable","input":"Context: Paris\nQuestion: ?","output":"Paris","answerable":false}"#.into(),
        r#"{"id":"flag-string","input":"Context: Paris\nQuestion: ?","output":"Paris","is_impossible":"true"}"#.into(),
        r#"{"id":"escaped","input":"Context: Z\u00fcrich\nQuestion: ?","output":"z\u00FCRICH"}"#.into(),
        r#"{"id":"prompt-response","prompt":"Context: Sarah was born on March 15th.","response":"March 15th"}"#.into(),
        r#"{"id":"completion","prompt":"Context: blue sky","completion":"Blue  Sky"}"#.into(),
        r#"{"id":"messages","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Context: Sarah was born on March 15th.\nQuestion: When?"},{"role":"assistant","content":"march 15TH"}]}"#.into(),
        r#"{"id":"parts","messages":[{"role":"user","content":[{"type":"text","text":"Context: the key is under the mat"}]},{"role":"assistant","content":[{"type":"text","text":"under the mat"}]}]}"#.into(),
        r#"{"id":"no-context","output":"Paris"}"#.into(),
        r#"{"id":"number","input":"Context: it happened in 1066","output":1066}"#.into(),
    ]);
    let out = split_tool(&[], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = phases(&out);
    let expect = [
        ("exact", "extractive"),
        ("seed003", "extractive"),
        ("case-space", "extractive"),
        ("nbsp-umlaut", "extractive"),
        ("newline-in-context", "extractive"),
        ("no-accent-folding", "conversational"),
        ("long-but-in-context", "conversational"),
        ("conversational", "conversational"),
        ("refusal", "refusal"),
        ("curly-refusal", "refusal"),
        ("other-refusal", "conversational"),
        ("flagged", "refusal"),
        ("unanswerable", "refusal"),
        ("flag-string", "extractive"),
        ("escaped", "extractive"),
        ("prompt-response", "extractive"),
        ("completion", "extractive"),
        ("messages", "extractive"),
        ("parts", "extractive"),
        ("no-context", "conversational"),
        ("number", "extractive"),
    ];
    for (id, phase) in expect {
        assert_eq!(got.get(id).map(String::as_str), Some(phase), "{id}");
    }
    assert!(text(&out.stderr).contains("1 record without a context, so not extractive"));

    // The knobs move the near misses.
    let out = split_tool(
        &["--max-extractive-words", "31", "--refusal-pattern", r"isn't in the (passage|text)"],
        &input,
    );
    let got = phases(&out);
    assert_eq!(got["long-but-in-context"], "extractive");
    assert_eq!(got["other-refusal"], "refusal");
    let out = split_tool(&["--no-default-refusals"], &input);
    let got = phases(&out);
    assert_eq!(got["refusal"], "conversational");
    assert_eq!(got["flagged"], "refusal", "flags do not depend on patterns");
    // Only the named fields with --answer/--context.
    let out = split_tool(
        &["--answer", "response", "--context", "prompt"],
        &lines_of(&[
            r#"{"id":"a","prompt":"Context: x","output":"x","response":"x"}"#.into(),
            r#"{"id":"b","prompt":"Context: x","output":"x"}"#.into(),
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(phases(&out)["a"], "extractive");
    assert!(text(&out.stderr).contains("<stdin>:2: no answer: response is missing or null"));
}

#[test]
fn records_without_a_usable_answer_are_bad_records() {
    let input = lines_of(&[
        qa("good", "ctx", "ctx"),
        r#"{"id":"none","input":"Context: x"}"#.into(),
        r#"{"id":"null","input":"Context: x","output":null}"#.into(),
        r#"{"id":"empty","input":"Context: x","output":"  \n "}"#.into(),
        r#"{"id":"array","input":"Context: x","output":["x"]}"#.into(),
        r#"{"id":"tool-call","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[]}]}"#.into(),
    ]);
    let dir = Dir::new();
    let s = dir.path("s.json");
    let out = split_tool(&["--stats", s.to_str().unwrap()], &input);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for (line, reason) in [
        (
            2,
            "no answer: none of output, response, completion, chosen, answer or an assistant (gpt) message",
        ),
        (3, "no answer"),
        (4, "the answer (output) is empty"),
        (5, "the answer (output) is an array, not text"),
        (6, "no answer"),
    ] {
        assert!(
            stderr.contains(&format!("phase-split: <stdin>:{line}: {reason}")),
            "{line}: {stderr}"
        );
    }
    assert_eq!(records(&out).len(), 1);
    let st = stats(&s);
    assert_eq!(st["rejected"]["no answer"], 3);
    assert_eq!(st["rejected"]["empty answer"], 1);
    assert_eq!(st["rejected"]["answer is an array"], 1);
    assert!(stderr.contains("wrote 1 of 6 records in 3 phases"));
}

#[test]
fn explicit_rules_first_match_wins() {
    let input = lines_of(&[
        r#"{"id":1,"kind":"span","tags":["x"]}"#.into(),
        r#"{"id":2,"kind":"chat","tags":["hard","x"]}"#.into(),
        r#"{"id":3,"kind":"span","tags":["hard"]}"#.into(),
        r#"{"id":4,"a/b":"yes"}"#.into(),
        r#"{"id":5}"#.into(),
    ]);
    let rules =
        ["--phase", "hard=tags.*~^hard$", "--phase", "easy=kind~span", "--phase", "slash=/a~1b~^y"];
    let out = split_tool(&rules, &input);
    assert_eq!(out.status.code(), Some(1), "record 5 matches no rule");
    let got = phases(&out);
    assert_eq!(got["1"], "easy");
    assert_eq!(got["2"], "hard");
    assert_eq!(got["3"], "hard", "the first matching rule wins");
    assert_eq!(got["4"], "slash");
    assert!(text(&out.stderr).contains("<stdin>:5: no --phase rule matched this record"));
    // Curriculum order: the order the phase names first appear in the rules.
    let order: Vec<String> =
        records(&out).iter().map(|r| r["phase"].as_str().unwrap().to_string()).collect();
    assert_eq!(order, ["hard", "hard", "easy", "slash"]);
    // A catch-all rule takes the rest; --order reorders.
    let mut args = rules.to_vec();
    args.extend(["--phase", "rest", "--order", "rest,easy"]);
    let out = split_tool(&args, &input);
    assert_eq!(out.status.code(), Some(0));
    let order: Vec<String> =
        records(&out).iter().map(|r| r["phase"].as_str().unwrap().to_string()).collect();
    assert_eq!(order, ["rest", "easy", "hard", "hard", "slash"]);
    // Naming a phase no rule has is a usage error.
    let out = split_tool(&["--phase", "a=x~y", "--order", "b"], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--order names \"b\", which is not a phase here"));
}

#[test]
fn by_field_names_the_phases() {
    let input = lines_of(&[
        r#"{"id":1,"stage":"warmup"}"#.into(),
        r#"{"id":2,"stage":"main"}"#.into(),
        r#"{"id":3,"stage":"warmup"}"#.into(),
        r#"{"id":4}"#.into(),
        r#"{"id":5,"stage":"cool/down"}"#.into(),
    ]);
    let out = split_tool(&["--phase-field", "stage"], &input);
    assert_eq!(out.status.code(), Some(1));
    let ids: Vec<i64> = records(&out).iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 3, 2, 5], "phases in order of first appearance");
    assert!(text(&out.stderr).contains("<stdin>:4: missing stage, the --phase-field phase field"));
    let out = split_tool(&["--phase-field", "stage", "--order", "main,never"], &input);
    let ids: Vec<i64> = records(&out).iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [2, 1, 3, 5]);
    // File names keep unsafe characters out.
    let dir = Dir::new();
    let root = dir.path("out");
    let out = split_tool(&["--phase-field", "stage", "--out-dir", root.to_str().unwrap()], &input);
    assert_eq!(out.status.code(), Some(1));
    for name in ["1-warmup.jsonl", "2-main.jsonl", "3-cool%2Fdown.jsonl", "manifest.json"] {
        assert!(root.join(name).exists(), "{name}");
    }
    // --phase-field conflicts with the classifier's flags.
    assert_eq!(
        split_tool(&["--phase-field", "stage", "--answer", "x"], &input).status.code(),
        Some(2)
    );
}

#[test]
fn curriculum_keeps_phase_order_then_input_order() {
    let mut list = Vec::new();
    for i in 0..60 {
        list.push(match i % 3 {
            0 => {
                qa(&format!("c{i}"), "abc", &format!("A full sentence number {i} about something."))
            }
            1 => qa(&format!("r{i}"), "abc", "Not found in provided context."),
            _ => qa(&format!("e{i}"), &format!("word{i} here"), &format!("word{i}")),
        });
    }
    let input = lines_of(&list);
    let out = split_tool(&[], &input);
    let got: Vec<String> =
        records(&out).iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    let mut expected: Vec<String> = Vec::new();
    for prefix in ["e", "c", "r"] {
        expected.extend(
            (0..60)
                .map(|i| format!("{prefix}{i}"))
                .filter(|id| got.contains(id) && id.starts_with(prefix)),
        );
    }
    assert_eq!(got, expected);
    assert_eq!(got.len(), 60);
    // Tags are appended (or replace a key in place); everything else is kept.
    assert!(
        text(&out.stdout).starts_with(&format!(
            "{},\"phase\":\"extractive\"}}\n",
            &list[2][..list[2].len() - 1]
        ))
    );
    let out = split_tool(&[], "{\"phase\":\"old\", \"output\":\"x\",\"input\":\"x\"}\n");
    assert_eq!(text(&out.stdout), "{\"phase\":\"extractive\", \"output\":\"x\",\"input\":\"x\"}\n");
    // --order reorders the built-in phases; unnamed ones follow.
    let out = split_tool(&["--order", "refusal"], &input);
    let first: Vec<String> =
        records(&out).iter().map(|r| r["phase"].as_str().unwrap().to_string()).collect();
    let boundaries: Vec<&String> =
        first.windows(2).filter(|w| w[0] != w[1]).map(|w| &w[1]).collect();
    assert_eq!(first[0], "refusal");
    assert_eq!(boundaries, ["extractive", "conversational"]);
    assert_eq!(split_tool(&["--order", "refusals"], &input).status.code(), Some(2));
}

#[test]
fn later_phases_spill_beyond_the_memory_cap_without_changing_the_output() {
    let mut list = Vec::new();
    for i in 0..3000 {
        list.push(match i % 4 {
            0 => qa(&format!("e{i}"), &format!("tok{i} and more"), &format!("tok{i}")),
            1 | 2 => qa(
                &format!("c{i}"),
                "ctx",
                &format!("Sentence {i} that is not in the context at all."),
            ),
            _ => qa(&format!("r{i}"), "ctx", "I don't have enough information."),
        });
    }
    let dir = Dir::new();
    let file = dir.write("in.jsonl", lines_of(&list));
    let temp = dir.path("tmp");
    std::fs::create_dir(&temp).unwrap();
    let run = |extra: &[&str], chunk: &str, threads: &str| {
        let s = dir.path("s.json");
        let out = std_tool("phase-split")
            .arg(&file)
            .args(["--split", "a=0.5,b=0.5", "--stats"])
            .arg(&s)
            .args(extra)
            .args(["-j", threads])
            .env("SYNTHKIT_CHUNK_BYTES", chunk)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        (out.stdout, stats(&s))
    };
    let (reference, st) = run(&[], "1000000", "1");
    assert_eq!(st["spilled_bytes"], 0);
    let (spilled, st) =
        run(&["--spill-after", "1K", "--temp-dir", temp.to_str().unwrap()], "4096", "3");
    assert!(st["spilled_bytes"].as_u64().unwrap() > reference.len() as u64 / 2, "{st}");
    assert_eq!(spilled, reference);
    // Spill files have no name: nothing is left in the temporary folder.
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    let (zero, _) = run(&["--spill-after", "0"], "777", "2");
    assert_eq!(zero, reference);
    assert_eq!(split_tool(&["--spill-after", "12Q"], "").status.code(), Some(2));
}

/// id → split, from tagged output.
fn splits(out: &std::process::Output) -> HashMap<String, String> {
    records(out)
        .iter()
        .map(|r| (r["id"].to_string(), r["split"].as_str().unwrap_or("?").to_string()))
        .collect()
}

fn persona_records(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"persona_id":"p{}","tier":"t{}","input":"Context: fact {i}","output":"fact {i}"}}"#,
                i % 37,
                i % 3
            )
        })
        .collect()
}

#[test]
fn groups_never_straddle_splits_and_ratios_are_reported() {
    let list = persona_records(2000);
    let args = ["--split", "train=0.8,val=0.1,test=0.1", "--group", "persona_id", "--seed", "7"];
    let out = split_tool(&args, &lines_of(&list));
    assert_eq!(out.status.code(), Some(0));
    let mut of_persona: HashMap<String, String> = HashMap::new();
    for r in records(&out) {
        let persona = r["persona_id"].as_str().unwrap().to_string();
        let split = r["split"].as_str().unwrap().to_string();
        assert_eq!(of_persona.entry(persona).or_insert(split.clone()), &split);
    }
    assert!(of_persona.values().any(|s| s == "train") && of_persona.values().any(|s| s != "train"));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("phase-split:   splits (seed 7, by persona_id): train "), "{stderr}");
    assert!(stderr.contains("asked 80.0%"), "{stderr}");
    // Split-major order: every train record before any val record.
    let order: Vec<String> =
        records(&out).iter().map(|r| r["split"].as_str().unwrap().to_string()).collect();
    let mut seen: Vec<String> = order.clone();
    seen.dedup();
    assert_eq!(seen, ["train", "val", "test"]);
    // A record without the group is a bad record.
    let out = split_tool(&args, "{\"input\":\"x\",\"output\":\"x\"}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing or null persona_id, the --group of the split"));
    // Another seed, another assignment.
    let other = split_tool(
        &["--split", "train=0.8,val=0.1,test=0.1", "--group", "persona_id", "--seed", "8"],
        &lines_of(&list),
    );
    assert_ne!(splits(&other), splits(&split_tool(&args, &lines_of(&list))));
}

#[test]
fn stratified_splits_stay_within_one_record_of_their_share() {
    let list: Vec<String> = (0..3000)
        .map(|i| {
            let tier = if i % 10 == 0 {
                "rare"
            } else if i % 3 == 0 {
                "mid"
            } else {
                "common"
            };
            format!(r#"{{"id":{i},"tier":"{tier}","input":"Context: f{i}","output":"f{i}"}}"#)
        })
        .collect();
    let dir = Dir::new();
    let s = dir.path("s.json");
    let weights = [("train", 0.7), ("val", 0.2), ("test", 0.1)];
    let out = split_tool(
        &[
            "--split",
            "train=0.7,val=0.2,test=0.1",
            "--stratify",
            "tier",
            "--stats",
            s.to_str().unwrap(),
        ],
        &lines_of(&list),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut counts: HashMap<(String, String), f64> = HashMap::new();
    let mut totals: HashMap<String, f64> = HashMap::new();
    for r in records(&out) {
        let tier = r["tier"].as_str().unwrap().to_string();
        *counts.entry((tier.clone(), r["split"].as_str().unwrap().to_string())).or_default() += 1.0;
        *totals.entry(tier).or_default() += 1.0;
    }
    for (tier, total) in &totals {
        for (split, w) in weights {
            let c = counts.get(&(tier.clone(), split.to_string())).copied().unwrap_or(0.0);
            assert!((c - w * total).abs() < 1.0, "{tier} {split}: {c} of {total}");
        }
    }
    let st = stats(&s);
    assert!(st["stratify"]["max_deviation"].as_f64().unwrap() < 1.0);
    assert_eq!(st["stratify"]["strata"], 3);
    assert!(
        text(&out.stderr)
            .contains("stratified by tier: 3 values; largest deviation from the exact share")
    );
    assert!(text(&out.stderr).contains("(guaranteed below 1)"));
    // Deterministic across threads and chunkings.
    let again = {
        let mut cmd = std_tool("phase-split");
        cmd.args(["--split", "train=0.7,val=0.2,test=0.1", "--stratify", "tier", "-j", "3"])
            .env("SYNTHKIT_CHUNK_BYTES", "300");
        run_with_stdin(cmd, lines_of(&list).as_bytes())
    };
    assert_eq!(again.stdout, out.stdout);
    // With groups, whole groups are the unit and still never straddle.
    let out = split_tool(
        &["--split", "a=0.5,b=0.5", "--stratify", "tier", "--group", "persona_id"],
        &lines_of(&persona_records(900)),
    );
    let mut of_persona: HashMap<String, String> = HashMap::new();
    for r in records(&out) {
        let split = r["split"].as_str().unwrap().to_string();
        assert_eq!(of_persona.entry(r["persona_id"].to_string()).or_insert(split.clone()), &split);
    }
    assert!(text(&out.stderr).contains("groups (guaranteed below 1)"));
}

#[test]
fn leakage_is_reported_with_counts_and_exit_1() {
    let input = lines_of(&[
        r#"{"id":1,"input":"same prompt","output":"a"}"#.into(),
        r#"{"id":2,"input":"same prompt","output":"b"}"#.into(),
        r#"{"id":3,"input":"same prompt","output":"c"}"#.into(),
        r#"{"id":4,"input":"same prompt","output":"d"}"#.into(),
        r#"{"id":5,"input":"unique","output":"e"}"#.into(),
        r#"{"id":6,"output":"f"}"#.into(),
    ]);
    let dir = Dir::new();
    let s = dir.path("s.json");
    let out = split_tool(
        &[
            "--split",
            "a=0.5,b=0.5",
            "--seed",
            "1",
            "--check-leakage",
            "input",
            "--stats",
            s.to_str().unwrap(),
            "-q",
        ],
        &input,
    );
    let by_id = splits(&out);
    let leaked = ["1", "2", "3", "4"]
        .iter()
        .map(|i| &by_id[*i])
        .collect::<std::collections::HashSet<_>>()
        .len()
        > 1;
    assert!(leaked, "seed 1 puts the four copies in both splits: {by_id:?}");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("phase-split: leak: input of <stdin>:1 ("),
        "reported even with -q: {stderr}"
    );
    let st = stats(&s);
    assert_eq!(st["leakage"]["values"], 1);
    assert_eq!(st["leakage"]["records"], 4);
    assert_eq!(st["leakage"]["without_path"], 1);
    assert_eq!(records(&out).len(), 6, "outputs are still written");
    // Grouping by the prompt makes leaks impossible.
    let out = split_tool(
        &["--split", "a=0.5,b=0.5", "--seed", "1", "--group", "input", "--check-leakage", "input"],
        &input,
    );
    assert_eq!(out.status.code(), Some(1), "record 6 has no group");
    assert!(text(&out.stderr).contains("leakage check on input: no value in more than one split"));
    assert_eq!(
        split_tool(&["--check-leakage", "input"], &input).status.code(),
        Some(2),
        "needs --split"
    );
}

fn dir_files(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walk(root) {
        out.push(entry.strip_prefix(root).unwrap().display().to_string());
    }
    out.sort();
    out
}

fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn out_dir_is_atomic_with_a_checksummed_manifest() {
    let dir = Dir::new();
    let mut list = persona_records(300);
    list.push(
        r#"{"id":"r","persona_id":"p1","input":"ctx","output":"Not found in provided context."}"#
            .into(),
    );
    let file = dir.write("in.jsonl", lines_of(&list));
    let root = dir.path("phases");
    let out = std_tool("phase-split")
        .arg(&file)
        .args(["--split", "train=0.8,val=0.1,test=0.1", "--group", "persona_id", "--out-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let mut expected = vec!["manifest.json".to_string()];
    for split in ["test", "train", "val"] {
        for phase in ["1-extractive", "2-conversational", "3-refusal"] {
            expected.push(format!("{split}/{phase}.jsonl"));
        }
    }
    expected.sort();
    assert_eq!(dir_files(&root), expected, "empty phases get files too");
    let manifest: Value = serde_json::from_str(&dir.read("phases/manifest.json")).unwrap();
    assert_eq!(manifest["tool"], "phase-split");
    assert_eq!(manifest["seed"], 42);
    assert_eq!(manifest["records"], 301);
    assert!(manifest["args"].as_array().unwrap().iter().any(|a| a == "--group"));
    let mut total = 0;
    for f in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(root.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(f["xxh3"], format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes)));
        assert_eq!(f["bytes"], bytes.len());
        let n = bytes.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(f["records"], n);
        total += n;
        let text = String::from_utf8(bytes).unwrap();
        for line in text.lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            assert_eq!(r["split"], f["split"]);
            assert_eq!(r["phase"], f["phase"]);
        }
    }
    assert_eq!(total, 301);
    assert_eq!(manifest["phases"][2]["records"], 1);
    // The files hold what standard output would, per split and phase.
    let stdout = std_tool("phase-split")
        .arg(&file)
        .args(["--split", "train=0.8,val=0.1,test=0.1", "--group", "persona_id"])
        .output()
        .unwrap();
    let mut concatenated = Vec::new();
    for split in ["train", "val", "test"] {
        for phase in ["1-extractive", "2-conversational", "3-refusal"] {
            concatenated
                .extend(std::fs::read(root.join(format!("{split}/{phase}.jsonl"))).unwrap());
        }
    }
    assert_eq!(concatenated, stdout.stdout);

    // A non-empty folder is refused without --force, and nothing changes.
    let before = std::fs::read(root.join("manifest.json")).unwrap();
    let out = std_tool("phase-split").arg(&file).arg("--out-dir").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not empty"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(root.join("manifest.json")).unwrap(), before);
    let out = std_tool("phase-split")
        .arg(&file)
        .arg("--out-dir")
        .arg(&root)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(root.join("1-extractive.jsonl").exists());

    // A failed run (unreadable second input) and --fail-fast leave nothing.
    let fresh = dir.path("fresh/phases");
    let out = std_tool("phase-split")
        .arg(&file)
        .arg(dir.path("missing.jsonl"))
        .arg("--out-dir")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!fresh.exists());
    let bad = dir
        .write("bad.jsonl", format!("{}not json\n{}", lines_of(&list[..5]), lines_of(&list[5..])));
    let out = std_tool("phase-split")
        .arg(&bad)
        .arg("--out-dir")
        .arg(&fresh)
        .arg("--fail-fast")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!fresh.exists(), "{:?}", fresh.exists().then(|| dir_files(&fresh)));
    // Without --fail-fast, bad records do not stop the files.
    let out = std_tool("phase-split").arg(&bad).arg("--out-dir").arg(&fresh).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(fresh.join("manifest.json").exists());
    // -o and --out-dir do not mix; --force needs --out-dir.
    assert_eq!(split_tool(&["--out-dir", "x", "-o", "y"], "").status.code(), Some(2));
    assert_eq!(split_tool(&["--force"], "").status.code(), Some(2));
}

#[test]
fn bad_flags_exit_2_and_say_why() {
    for (args, says) in [
        (vec!["--split", "train=0.8,val"], "NAME=WEIGHT"),
        (vec!["--split", "train=0"], "positive"),
        (vec!["--split", "../x=1"], "folder"),
        (vec!["--group", "g"], "--split"),
        (vec!["--stratify", "g"], "--split"),
        (vec!["--refusal-pattern", "("], "not a valid regex"),
        (vec!["--phase", "a=b"], "NAME=PATH~REGEX"),
        (vec!["--phase", "a,b"], "commas"),
        (vec!["--order", "extractive,extractive"], "twice"),
        (vec!["--phase", "x", "--answer", "a"], "cannot be used"),
    ] {
        let out = split_tool(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(says), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn r_catch_all_rule_before_other_rules_is_a_usage_error() {
    // `--phase a --phase b=output~x` sent every record to a and b never applied.
    let input = lines_of(&[qa("1", "ctx", "x")]);
    let out = split_tool(&["--phase", "a", "--phase", "b=output~x"], &input);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("--phase a: a rule without a condition matches every record")
    );
    let out = split_tool(&["--phase", "b=output~x", "--phase", "a"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn r_fail_fast_out_dir_summary_says_no_file_was_written() {
    let dir = Dir::new();
    let file = dir.write("in.jsonl", format!("{}not json\n", lines_of(&[qa("1", "c", "c")])));
    let root = dir.path("phases");
    let out = std_tool("phase-split")
        .arg(&file)
        .arg("--fail-fast")
        .arg("--out-dir")
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!root.exists());
    assert!(
        text(&out.stderr).contains("stopped early: no file written to"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn r_non_utf8_file_name_does_not_panic_the_manifest() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let name = std::ffi::OsStr::from_bytes(b"in\xff.jsonl");
    let file = dir.root().join(name);
    std::fs::write(&file, lines_of(&[qa("1", "c", "c")])).unwrap();
    let root = dir.path("phases");
    let out = std_tool("phase-split").arg(&file).arg("--out-dir").arg(&root).output().unwrap();
    assert!(!text(&out.stderr).contains("internal error"), "{}", text(&out.stderr));
    let manifest: Value = serde_json::from_str(&dir.read("phases/manifest.json")).unwrap();
    assert!(manifest["args"][0].as_str().unwrap().ends_with("in\u{fffd}.jsonl"));
}

fn record_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u32..50, 0u32..5).prop_map(|(i, g)| format!(r#"{{"g":"p{g}","input":"Context: w{i} x","output":"w{i}"}}"#)),
        2 => (0u32..50, 0u32..5).prop_map(|(i, g)| format!(r#"{{"g":"p{g}","input":"Context: y","output":"Sentence {i} here."}}"#)),
        2 => (0u32..5).prop_map(|g| format!(r#"{{"g":"p{g}","input":"Context: y","output":"Not found in provided context."}}"#)),
        1 => Just(r#"{"g":"p1","input":"Context: y"}"#.to_string()),
        1 => Just(r#"{"input":"x","output":"x"}"#.to_string()),
        1 => Just("not json".to_string()),
        1 => Just("".to_string()),
    ]
}

fn run_stats(args: &[&str], input: &str, threads: &str, dir: &Dir) -> (Vec<u8>, Value) {
    let s = dir.path("s.json");
    let mut cmd = std_tool("phase-split");
    cmd.args(args).args(["-j", threads, "--stats"]).arg(&s).env("SYNTHKIT_CHUNK_BYTES", "200");
    let out = run_with_stdin(cmd, input.as_bytes());
    (out.stdout, stats(&s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn conservation_outputs_sum_to_input_minus_rejected(records in prop::collection::vec(record_strategy(), 0..150), stratify in any::<bool>()) {
        let dir = Dir::new();
        let input = jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let root = dir.path("out");
        let mut args = vec!["--split", "a=0.6,b=0.4", "--group", "g", "--spill-after", "300", "--out-dir", root.to_str().unwrap()];
        if stratify {
            args.extend(["--stratify", "output"]);
        }
        let (_, st) = run_stats(&args, &input, "2", &dir);
        let sum = |v: &Value| v.as_object().map_or(0, |m| m.values().filter_map(Value::as_u64).sum::<u64>());
        let records_in = st["records_in"].as_u64().unwrap();
        prop_assert_eq!(records_in, records.iter().filter(|r| !r.is_empty()).count() as u64);
        let written: usize = walk(&root)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .map(|p| std::fs::read(p).unwrap().iter().filter(|&&b| b == b'\n').count())
            .sum();
        prop_assert_eq!(written as u64 + sum(&st["rejected"]), records_in);
        prop_assert_eq!(st["records_written"].as_u64().unwrap(), written as u64);
        prop_assert_eq!(sum(&st["filtered"]), 0);
    }

    #[test]
    fn output_does_not_depend_on_thread_count(records in prop::collection::vec(record_strategy(), 0..150)) {
        let dir = Dir::new();
        let input = jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let args = ["--split", "a=0.5,b=0.3,c=0.2", "--stratify", "g", "--spill-after", "100"];
        let (one, _) = run_stats(&args, &input, "1", &dir);
        let (two, _) = run_stats(&args, &input, "2", &dir);
        let (eight, _) = run_stats(&args, &input, "8", &dir);
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&one, &eight);
    }

    #[test]
    fn split_assignment_is_shard_invariant_and_stable_under_appends(
        n in 1usize..200,
        cuts in prop::collection::vec(0usize..200, 0..4),
        seed in 0u64..1000,
        grouped in any::<bool>(),
    ) {
        let list: Vec<String> = (0..n).map(|i| format!(r#"{{"id":{i},"g":"p{}","input":"Context: w{i}","output":"w{i}"}}"#, i % 7)).collect();
        let seed = seed.to_string();
        let mut args = vec!["--split", "train=0.7,val=0.2,test=0.1", "--seed", &seed];
        if grouped {
            args.extend(["--group", "g"]);
        }
        let whole = splits(&split_tool(&args, &lines_of(&list)));
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(n)).collect();
        cuts.sort();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(n);
        let mut sharded = HashMap::new();
        for w in bounds.windows(2) {
            sharded.extend(splits(&split_tool(&args, &lines_of(&list[w[0]..w[1]]))));
        }
        prop_assert_eq!(&sharded, &whole);
        // Appending records moves none of the earlier ones.
        let mut longer = list.clone();
        longer.extend((n..n + 20).map(|i| format!(r#"{{"id":{i},"g":"q","input":"Context: w","output":"w"}}"#)));
        let extended = splits(&split_tool(&args, &lines_of(&longer)));
        for (id, split) in &whole {
            prop_assert_eq!(&extended[id], split);
        }
    }
}

#[test]
fn r_dev_null_output_to_a_device_or_fifo_is_written_in_place() {
    // `-o /dev/null` once renamed a temporary file over /dev/null. A FIFO
    // stands in for the device: it must still be a FIFO afterwards, and the
    // records must have gone through it.
    let dir = Dir::new();
    let fifo = dir.path("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here: nothing to check
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap_or_default())
    };
    let out = std_tool("phase-split")
        .args(["--no-tag", "-q", "-o"])
        .arg(&fifo)
        .arg("--stats")
        .arg(dir.path("s.json"))
        .arg(dir.write("in.jsonl", qa("a", "x", "x") + "\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Checked before joining: a replaced FIFO would leave the reader blocked.
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(text(&reader.join().unwrap()), qa("a", "x", "x") + "\n");
}

/// `--out-dir … --compress zst|gz` writes every file compressed and
/// atomically; the manifest describes the content, which decompresses to
/// exactly what an uncompressed run writes.
#[test]
fn out_dir_files_can_be_compressed() {
    let dir = Dir::new();
    let input = dir.write(
        "qa.jsonl",
        lines_of(&[
            qa("a", "Paris is the capital of France.", "Paris"),
            qa("b", "The sky is blue.", "It is blue because of Rayleigh scattering of sunlight."),
            qa("c", "Nothing here.", "Not found in provided context."),
        ]),
    );
    let plain = dir.path("plain");
    let out =
        std_tool("phase-split").arg("--out-dir").arg(&plain).arg(&input).output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (format, ext) in [("zst", "zst"), ("gz", "gz")] {
        let packed = dir.path(&format!("packed-{format}"));
        let out = std_tool("phase-split")
            .args(["--compress", format, "--out-dir"])
            .arg(&packed)
            .arg(&input)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(packed.join("manifest.json")).unwrap())
                .unwrap();
        let plain_manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(plain.join("manifest.json")).unwrap())
                .unwrap();
        for (file, plain_file) in manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .zip(plain_manifest["files"].as_array().unwrap())
        {
            let name = file["path"].as_str().unwrap();
            assert!(name.ends_with(&format!(".jsonl.{ext}")), "{name}");
            assert_eq!(file["xxh3"], plain_file["xxh3"], "the checksum is of the content");
            assert_eq!(file["records"], plain_file["records"]);
            let bytes = std::fs::read(packed.join(name)).unwrap();
            let mut content = Vec::new();
            if ext == "zst" {
                content = zstd::stream::decode_all(&bytes[..]).unwrap();
            } else {
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(&bytes[..]),
                    &mut content,
                )
                .unwrap();
            }
            assert_eq!(
                content,
                std::fs::read(plain.join(plain_file["path"].as_str().unwrap())).unwrap()
            );
        }
    }
    let out =
        std_tool("phase-split").args(["--compress", "zst"]).arg(&input).output().expect("run");
    assert_eq!(out.status.code(), Some(2), "--compress needs --out-dir");
}

/// `--force` over a folder from an earlier run with splits left the old
/// `train/…` files next to the new ones, so `**/*.jsonl` counted both runs.
#[test]
fn r_forced_out_dir_removes_the_previous_runs_files() {
    let dir = Dir::new();
    let input = dir.write("qa.jsonl", lines_of(&[qa("a", "Paris is the capital.", "Paris")]));
    let out_dir = dir.path("phases");
    let first = std_tool("phase-split")
        .args(["--split", "train=1,test=1", "--out-dir"])
        .arg(&out_dir)
        .arg(&input)
        .output()
        .expect("run");
    assert!(first.status.success());
    assert!(out_dir.join("train/1-extractive.jsonl").exists());
    std::fs::write(out_dir.join("README.txt"), "kept").unwrap();
    let second = std_tool("phase-split")
        .args(["--force", "--out-dir"])
        .arg(&out_dir)
        .arg(&input)
        .output()
        .expect("run");
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(out_dir.join("1-extractive.jsonl").exists());
    assert!(!out_dir.join("train").exists() && !out_dir.join("test").exists());
    assert!(out_dir.join("README.txt").exists(), "files the run did not write stay");
}

/// The help and the man page offered `--split 8,1,1`, which the parser
/// refuses: weights need names, and the error now says so.
#[test]
fn r_split_weights_without_names_say_how_to_name_them() {
    let out = split_tool(&["--split", "8,1,1"], &lines_of(&[qa("a", "ctx", "ans")]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without a name") && err.contains("train=8,val=1,test=1"), "{err}");
    let help = tool("phase-split").arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(!help.contains("weights 8,1,1"), "{help}");
}

#[test]
fn r_group_rejects_count_in_no_classifier_reason_or_by_phase() {
    let dir = Dir::new();
    let st = dir.path("st.json");
    let input = jsonl(&[
        r#"{"output":"a","persona_id":"p1"}"#,
        r#"{"output":"a"}"#,
        r#"{"output":"a","persona_id":null}"#,
    ]);
    let out = split_tool(
        &["--split", "a=1,b=1", "--group", "persona_id", "--stats", st.to_str().unwrap()],
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    // A null group is no group: it would pool every such record in one group.
    assert!(stderr.contains("<stdin>:3: missing or null persona_id"), "{stderr}");
    assert!(stderr.contains("1 record without a context"), "{stderr}");
    let st = stats(&st);
    assert_eq!(st["rejected"]["missing persona_id"], 2);
    assert_eq!(st["classifier"]["reasons"]["no context"], 1);
    // With --phase-field, a rejected record names no phase.
    let out = split_tool(
        &["--phase-field", "ph", "--split", "a=1,b=1", "--group", "g"],
        &jsonl(&[r#"{"ph":"x","g":"1"}"#, r#"{"ph":"lonely"}"#]),
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("in 1 phases: x 1") || stderr.contains("in 1 phase: x 1"), "{stderr}");
    assert!(!stderr.contains("lonely"), "{stderr}");
}

#[test]
fn r_manifest_accounts_for_rejected_records() {
    let dir = Dir::new();
    let root = dir.path("out");
    let mut cmd = std_tool("phase-split");
    cmd.arg("--out-dir").arg(&root).args(["--rejects", dir.path("rej.jsonl").to_str().unwrap()]);
    let out = run_with_stdin(
        cmd,
        jsonl(&[r#"{"input":"a b","output":"a"}"#, r#"{"input":"x"}"#, r#"{"output":""}"#])
            .as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest: Value = serde_json::from_str(&dir.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["records_in"], 3);
    assert_eq!(manifest["records"], 1);
    assert_eq!(manifest["rejected"], serde_json::json!({"no answer": 1, "empty answer": 1}));
}

#[test]
fn r_message_list_answers_and_contexts_are_read_as_conversations() {
    let out = split_tool(
        &[],
        &jsonl(&[
            r#"{"id":"a","prompt":[{"role":"user","content":"Paris is big"}],"completion":[{"role":"assistant","content":"Paris"}]}"#,
            // The context is the user text, not the list's JSON text with its keys.
            r#"{"id":"b","prompt":[{"role":"user","content":"Paris is big"}],"completion":"content"}"#,
            r#"{"id":"c","prompt":[{"role":"user","content":[{"type":"text","text":"Paris"}]}],"completion":[{"role":"assistant","content":"I could not find it"}]}"#,
            r#"{"id":"d","input":"x","output":["Paris"]}"#,
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    let got = phases(&out);
    assert_eq!(got["a"], "extractive");
    assert_eq!(got["b"], "conversational");
    assert_eq!(got["c"], "refusal");
    assert!(text(&out.stderr).contains("<stdin>:4: the answer (output) is an array, not text"));
}

// Issue 15: a preference record's `chosen` is its answer by default, counted.
#[test]
fn preference_records_are_answered_by_chosen() {
    let dir = Dir::new();
    let input = jsonl(&[
        r#"{"id":"a","prompt":"Context: the sky is blue. What colour is the sky?","chosen":"blue","rejected":"green"}"#,
        r#"{"id":"b","prompt":"Say hi","chosen":[{"role":"assistant","content":"Hello there, how can I help you today?"}],"rejected":[{"role":"assistant","content":"no"}]}"#,
        r#"{"id":"c","prompt":"Q","output":"from output","chosen":"not this one"}"#,
    ]);
    let stats_path = dir.path("s.json");
    let out = split_tool(&["--stats", stats_path.to_str().unwrap()], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = phases(&out);
    assert_eq!(got["a"], "extractive");
    assert_eq!(got["b"], "conversational");
    let s = stats(&stats_path);
    // Record c has an output: output comes first, so only a and b count.
    assert_eq!(s["classifier"]["answers_from_chosen"], 2, "{s}");
    assert!(text(&out.stderr).contains("2 records answered by chosen"), "{}", text(&out.stderr));
    // --answer names the field: chosen is not read then.
    let out = split_tool(&["--answer", "output"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no answer"), "{}", text(&out.stderr));
}

// Issue 15: the answerability flag decides the refusal phase whatever the
// answer text says.
#[test]
fn an_unanswerable_flag_is_a_refusal_whatever_the_text() {
    for refusal in ["I don't know.", "Nobody can tell from this passage", "blue"] {
        let record = serde_json::json!({
            "id": "u", "input": "Context: the sky is blue.", "output": refusal, "is_impossible": true,
        });
        let other = serde_json::json!({
            "id": "n", "input": "Context: the sky is blue.", "output": refusal, "answerable": false,
        });
        // sharegpt's conversations hold the answer where the classifier does
        // not look; the flag alone decides.
        let sharegpt = serde_json::json!({
            "id": "s", "conversations": [{"from": "human", "value": "Q?"}, {"from": "gpt", "value": refusal}],
            "is_impossible": true,
        });
        let lines = [record.to_string(), other.to_string(), sharegpt.to_string()];
        let out = split_tool(&[], &lines_of(&lines));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got = phases(&out);
        assert_eq!(got["u"], "refusal", "{refusal}");
        assert_eq!(got["n"], "refusal", "{refusal}");
        assert_eq!(got["s"], "refusal", "{refusal}");
    }
    // Without the flag, a sharegpt record is answered by its last gpt turn
    // and its human turns are the context (it was "no answer" until review).
    let plain = serde_json::json!({"id": "s", "conversations": [
        {"from": "human", "value": "Context: the sky is blue.\nQuestion: What colour?"},
        {"from": "gpt", "value": "blue"}]});
    let chat = serde_json::json!({"id": "c", "conversations": [
        {"from": "human", "value": "Tell me about the sea."},
        {"from": "gpt", "value": "It is large, salty and covers most of the planet."}]});
    let out = split_tool(&[], &lines_of(&[plain.to_string(), chat.to_string()]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = phases(&out);
    assert_eq!((got["s"].as_str(), got["c"].as_str()), ("extractive", "conversational"));
}

fn grouped(groups: usize, per_group: usize) -> String {
    let mut lines = Vec::new();
    for g in 0..groups {
        for r in 0..per_group {
            lines.push(
                serde_json::json!({"title": format!("article {g}"), "input": "c", "output": format!("a long answer {r}")})
                    .to_string(),
            );
        }
    }
    lines_of(&lines)
}

// Issue 15: a split far below its share is reported, and --min-share gates.
#[test]
fn a_split_far_below_its_share_is_reported_and_min_share_fails_the_run() {
    let dir = Dir::new();
    let input = dir.write("grouped.jsonl", grouped(10, 3));
    // Ten groups for a 10% split: some seed puts every group in train.
    let stats_path = dir.path("s.json");
    let run = |seed: &str| {
        tool("phase-split")
            .args(["--split", "train=0.9,test=0.1", "--group", "title", "--seed", seed, "--stats"])
            .arg(&stats_path)
            .arg(&input)
            .args(["-o", dir.path("out.jsonl").to_str().unwrap()])
            .output()
            .unwrap()
    };
    let (seed, out) = (1..100)
        .map(|seed| seed.to_string())
        .map(|seed| {
            let out = run(&seed);
            (seed, out)
        })
        .find(|(_, _)| stats(&stats_path)["splits"][1]["records"] == 0)
        .expect("a seed with an empty test split");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("split test got 0.0% of its requested 10.0%"), "{err}");
    let s = stats(&stats_path);
    assert_eq!(s["splits"][1]["records"], 0, "{s}");
    assert_eq!(s["splits"][1]["of_requested"], 0.0, "{s}");
    assert_eq!(s["min_share"]["below"], serde_json::json!(["test"]), "{s}");
    assert_eq!(s["min_share"]["failed"], false, "{s}");
    assert!(dir.path("out.jsonl").exists());

    let gated = dir.path("gated.jsonl");
    let out = tool("phase-split")
        .args(["--split", "train=0.9,test=0.1", "--group", "title", "--seed", &seed])
        .args(["--min-share", "0.5", "--stats"])
        .arg(&stats_path)
        .arg(&input)
        .arg("-o")
        .arg(&gated)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("below --min-share 0.5"), "{}", text(&out.stderr));
    assert!(!gated.exists(), "a failed gate commits no records");
    assert_eq!(stats(&stats_path)["min_share"]["failed"], true);
    // With --quiet the failed gate still says why (it exited 1 silently).
    let out = tool("phase-split")
        .args(["--split", "train=0.9,test=0.1", "--group", "title", "--seed", &seed])
        .args(["--min-share", "0.5", "-q", "-o"])
        .arg(&gated)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("phase-split: split test got 0.0%")
            && err.contains("below --min-share 0.5"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // Enough groups: the same gate passes.
    let many = dir.write("many.jsonl", grouped(2000, 1));
    let out = tool("phase-split")
        .args(["--split", "train=0.9,test=0.1", "--group", "title", "--min-share", "0.5", "-q"])
        .arg(&many)
        .args(["-o", "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A wrong value is a usage error.
    let out = tool("phase-split")
        .args(["--split", "train=0.9,test=0.1", "--min-share", "2"])
        .arg(&many)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// Issue 18: a phase name from the data never drives the terminal.
#[test]
fn phase_names_from_records_are_escaped_in_the_summary() {
    let input = jsonl(&[r#"{"p":"evil\u001b[31m\u0007\n"}"#]);
    let out = split_tool(&["--phase-field", "p"], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("evil\\u{1b}[31m"), "{err:?}");
    // The record itself keeps the exact value.
    assert!(text(&out.stdout).contains(r#""p":"evil\u001b[31m\u0007\n""#), "{}", text(&out.stdout));
}

// Issue 18: a --phase-field value of 255+ characters names a shortened,
// distinct file; the manifest keeps the full value.
#[test]
fn long_phase_names_get_short_distinct_files_and_full_names_in_the_manifest() {
    let dir = Dir::new();
    let (a, b) = ("p".repeat(300), format!("{}q", "p".repeat(299)));
    let input = dir.write(
        "in.jsonl",
        jsonl(&[
            &serde_json::json!({"phase": a, "n": 1}).to_string(),
            &serde_json::json!({"phase": b, "n": 2}).to_string(),
        ]),
    );
    let out_dir = dir.path("out");
    let out = tool("phase-split")
        .args(["--phase-field", "phase", "--out-dir"])
        .arg(&out_dir)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_array().expect("files");
    let phases: Vec<&str> = files.iter().map(|f| f["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, [a.as_str(), b.as_str()]);
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.len() < 200), "{names:?}");
}
