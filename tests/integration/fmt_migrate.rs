//! fmt-migrate behaviour: each conversion on hand-written records with the
//! exact expected output, seed 004's mixed teacher file, every rejection
//! reason, kept and dropped fields, documents (SQuAD, JSON arrays, CSV), and
//! the invariants: A → B → A round trips and conservation of records.

use proptest::prelude::*;
use synthkit::json::quote;

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text};

fn migrate(args: &[&str], input: &str) -> std::process::Output {
    let mut cmd = std_tool("fmt-migrate");
    cmd.args(args);
    run_with_stdin(cmd, input.as_bytes())
}

fn lines(out: &std::process::Output) -> Vec<String> {
    text(&out.stdout).lines().map(str::to_string).collect()
}

/// Converts one record and returns the one output line (must succeed).
fn one(args: &[&str], record: &str) -> String {
    let out = migrate(args, &jsonl(&[record]));
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
    let got = lines(&out);
    assert_eq!(got.len(), 1, "{got:?}");
    got[0].clone()
}

const TEACHER: &str = r#"{"concept": "Radar: brand mentions", "requirements_yaml": "- id: R1\n  text: Track mentions", "teacher_product_vision": "product: Radar", "teacher_product_owner_review": "status: aligned", "score": 0.91, "metadata": {"concept_id": "POCON-0001", "tier": "simple"}}"#;
const CURATED: &str = r#"{"concept_id": "POCON-0061-CONFLICT", "tier": "simple", "prompt": "You are a Product Owner.\n\nConcept: Brand Sentiment Radar\n\nRequirements:\n```yaml\n- id: R1\n  text: Inventory via SAP\n```", "output": "```yaml VISION\nproduct: Brand Sentiment Radar\n```\n```yaml REVIEW\nstatus: conflicts\n```", "score": 0.85}"#;

#[test]
fn seed_004_detect_catches_the_mixed_teacher_file() {
    let input = jsonl(&[TEACHER, TEACHER, CURATED, TEACHER, CURATED]);
    let out = migrate(&["--detect"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("5 records: 3 teacher, 2 prompt-output"), "{stderr}");
    assert!(stderr.contains("teacher: 3 (60.0%), first at lines 1, 2, 4"), "{stderr}");
    assert!(stderr.contains("prompt-output: 2 (40.0%), first at lines 3, 5"), "{stderr}");
    assert!(stderr.contains("would skip 2 of 5 records"), "{stderr}");
    assert_eq!(migrate(&["--detect", "--allow-mixed"], &input).status.code(), Some(0));
    assert_eq!(migrate(&["--detect"], &jsonl(&[TEACHER, TEACHER])).status.code(), Some(0));
    // A record that matches no shape is reported with its line.
    let out = migrate(&["--detect"], &jsonl(&[TEACHER, r#"{"text":"c4"}"#]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("<stdin>:2: matches no shape (fields: text)"));
}

#[test]
fn seed_004_curated_records_become_teacher_records() {
    let out = migrate(&["--to", "teacher"], &jsonl(&[TEACHER, CURATED]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        lines(&out),
        [
            TEACHER.to_string(),
            r#"{"concept":"Brand Sentiment Radar","requirements_yaml":"- id: R1\n  text: Inventory via SAP","teacher_product_vision":"product: Brand Sentiment Radar","teacher_product_owner_review":"status: conflicts","concept_id":"POCON-0061-CONFLICT","tier":"simple","score":0.85}"#.to_string(),
        ]
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("converted 2 of 2 records to teacher (100.0%): 1 from teacher (1 unchanged), 1 from prompt-output; 0 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: the input mixes shapes (1 teacher, 1 prompt-output)"),
        "{stderr}"
    );
}

#[test]
fn teacher_to_supervised_uses_the_documented_template_and_keeps_score() {
    let got = one(&["--to", "supervised"], TEACHER);
    assert_eq!(
        got,
        r#"{"prompt":"You are a Product Owner. Review the requirements against the product concept.\n\nConcept: Radar: brand mentions\n\nRequirements:\n```yaml\n- id: R1\n  text: Track mentions\n```\n\nAnswer with a ```yaml VISION block and a ```yaml REVIEW block.","response":"```yaml VISION\nproduct: Radar\n```\n```yaml REVIEW\nstatus: aligned\n```","score":0.91,"metadata":{"concept_id": "POCON-0001", "tier": "simple"}}"#
    );
    // And back: the default extraction rules invert the default templates.
    assert_eq!(
        one(&["--to", "teacher"], &got),
        r#"{"concept":"Radar: brand mentions","requirements_yaml":"- id: R1\n  text: Track mentions","teacher_product_vision":"product: Radar","teacher_product_owner_review":"status: aligned","score":0.91,"metadata":{"concept_id": "POCON-0001", "tier": "simple"}}"#
    );
    // A custom template replaces the default one and consumes its fields.
    assert_eq!(
        one(&["--to", "supervised", "--template", "Plan {{concept}} ({{metadata.tier}})"], TEACHER),
        r#"{"prompt":"Plan Radar: brand mentions (simple)","response":"```yaml VISION\nproduct: Radar\n```\n```yaml REVIEW\nstatus: aligned\n```","requirements_yaml":"- id: R1\n  text: Track mentions","score":0.91,"metadata":{"concept_id": "POCON-0001", "tier": "simple"}}"#
    );
}

#[test]
fn every_chat_conversion_writes_the_exact_record() {
    let alpaca = r#"{"instruction":"Add","input":"1, 2","output":"3","id":9}"#;
    let cases: &[(&str, &str, &str)] = &[
        (
            alpaca,
            "messages",
            r#"{"messages":[{"role":"user","content":"Add\n1, 2"},{"role":"assistant","content":"3"}],"id":9}"#,
        ),
        (
            alpaca,
            "sharegpt",
            r#"{"conversations":[{"from":"human","value":"Add\n1, 2"},{"from":"gpt","value":"3"}],"id":9}"#,
        ),
        (alpaca, "input-output", r#"{"input":"Add\n1, 2","output":"3","id":9}"#),
        (alpaca, "prompt-completion", r#"{"prompt":"Add\n1, 2","completion":"3","id":9}"#),
        (alpaca, "qa", r#"{"question":"Add\n1, 2","answer":"3","id":9}"#),
        (
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"},{"from":"human","value":"bye"},{"from":"gpt","value":"ciao"}],"system":"be brief","tools":"[{\"name\":\"f\"}]"}"#,
            "messages",
            r#"{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"bye"},{"role":"assistant","content":"ciao"}],"tools":[{"name":"f"}]}"#,
        ),
        (
            r#"{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"bye"},{"role":"assistant","content":"ciao"}],"id":"x"}"#,
            "alpaca",
            r#"{"instruction":"bye","input":"","output":"ciao","system":"be brief","history":[["hi","hello"]],"id":"x"}"#,
        ),
        (
            r#"{"input":"Context: C\nQuestion: Q","output":"A","system":"s"}"#,
            "supervised",
            r#"{"prompt":"Context: C\nQuestion: Q","response":"A","system":"s"}"#,
        ),
        (
            r#"{"prompt":"p","chosen":"good","rejected":"bad","id":1}"#,
            "preference-messages",
            r#"{"prompt":[{"role":"user","content":"p"}],"chosen":[{"role":"assistant","content":"good"}],"rejected":[{"role":"assistant","content":"bad"}],"id":1}"#,
        ),
        (
            r#"{"conversations":[{"from":"human","value":"p"}],"chosen":{"from":"gpt","value":"good"},"rejected":{"from":"gpt","value":"bad"}}"#,
            "alpaca",
            r#"{"instruction":"p","input":"","chosen":"good","rejected":"bad"}"#,
        ),
        (
            r#"{"prompt":[{"role":"system","content":"s"},{"role":"user","content":"p"}],"chosen":[{"role":"assistant","content":"good"}],"rejected":[{"role":"assistant","content":"bad"}]}"#,
            "sharegpt",
            r#"{"conversations":[{"from":"human","value":"p"}],"chosen":{"from":"gpt","value":"good"},"rejected":{"from":"gpt","value":"bad"},"system":"s"}"#,
        ),
        (
            r#"{"messages":[{"role":"user","content":"up"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"fly","arguments":"{\"h\": 100}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"},{"role":"assistant","content":"flying"}]}"#,
            "sharegpt",
            r#"{"conversations":[{"from":"human","value":"up"},{"from":"function_call","value":"{\"name\":\"fly\",\"arguments\":{\"h\": 100},\"id\":\"c1\"}"},{"from":"observation","value":"ok","tool_call_id":"c1"},{"from":"gpt","value":"flying"}]}"#,
        ),
    ];
    for (input, to, expected) in cases {
        assert_eq!(one(&["--to", to], input), *expected, "{input} --to {to}");
    }
}

#[test]
fn a_record_already_in_the_target_shape_passes_byte_for_byte() {
    let odd = r#"{ "messages" : [ {"content": "hi", "role": "user"}, {"role":"assistant","content":"\u00e9"} ], "score": 1.0 }"#;
    assert_eq!(one(&["--to", "messages"], odd), odd);
    let out = migrate(&["--to", "messages"], &jsonl(&[odd]));
    assert!(text(&out.stderr).contains("1 from messages (1 unchanged)"));
}

#[test]
fn extra_fields_are_kept_unless_drop_extra() {
    let input = r#"{"instruction":"q","input":"","output":"a","score":0.5,"metadata":{"k":[1,2.50]},"persona_id":"p-7"}"#;
    assert_eq!(
        one(&["--to", "messages"], input),
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"score":0.5,"metadata":{"k":[1,2.50]},"persona_id":"p-7"}"#
    );
    assert_eq!(
        one(&["--to", "messages", "--drop-extra"], input),
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#
    );
    // Message fields a flat shape cannot hold make the record bad, unless dropped.
    let weighted = r#"{"messages":[{"role":"user","content":"q","loss_weight":0.0},{"role":"assistant","content":"a","loss_weight":1.0}]}"#;
    let out = migrate(&["--to", "alpaca"], &jsonl(&[weighted]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(
        "turn 1 has fields alpaca cannot hold (loss_weight); --drop-extra leaves them out"
    ));
    assert_eq!(
        one(&["--to", "alpaca", "--drop-extra"], weighted),
        r#"{"instruction":"q","input":"","output":"a"}"#
    );
}

#[test]
fn every_rejection_reason_is_precise() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--to", "supervised"],
            r#"{"concept":"c","teacher_product_vision":"v","teacher_product_owner_review":"r"}"#,
            "missing requirements_yaml (used by the teacher prompt template)",
        ),
        (
            &["--to", "supervised"],
            r#"{"concept":"c","requirements_yaml":" ","teacher_product_vision":"v","teacher_product_owner_review":"r"}"#,
            "requirements_yaml is empty",
        ),
        (
            &["--to", "teacher"],
            r#"{"prompt":"Concept: c\nRequirements:\n```yaml\nr\n```","output":"```yaml VISION\nv\n```"}"#,
            "output has no ```yaml REVIEW block",
        ),
        (
            &["--to", "teacher"],
            r#"{"prompt":"Concept: c\nRequirements:\n```yaml\nr\n```","response":"```yaml REVIEW\nv\n```"}"#,
            "response has no ```yaml VISION block",
        ),
        (
            &["--to", "teacher"],
            r#"{"prompt":"no concept here","output":"x"}"#,
            "prompt has no `Concept:` line followed by `Requirements:`",
        ),
        (
            &["--to", "sharegpt"],
            r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"}]}"#,
            "sharegpt has no gpt turn",
        ),
        (
            &["--to", "messages"],
            r#"{"messages":[{"role":"user","content":"q"}]}"#,
            "messages has no assistant turn",
        ),
        (
            &["--to", "messages"],
            r#"{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}"#,
            "messages has no user turn",
        ),
        (
            &["--to", "messages"],
            r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"},{"from":"gpt","value":"c"}]}"#,
            "",
        ),
        (
            &["--to", "sharegpt"],
            r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"},{"from":"gpt","value":"c"}]}"#,
            "sharegpt turn 3 has role 'gpt' twice in a row",
        ),
        (
            &["--to", "sharegpt"],
            r#"{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"}]}"#,
            "sharegpt turn 1 has role 'gpt', but a conversation starts with human",
        ),
        (
            &["--to", "sharegpt"],
            r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#,
            "sharegpt conversation ends with turn 3 ('human'): no gpt response to learn",
        ),
        (
            &["--to", "messages"],
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"  \n"}]}"#,
            "message 2 (assistant) has empty content",
        ),
        (
            &["--to", "messages"],
            r#"{"messages":[{"role":"user","content":"q"},{"role":"narrator","content":"a"}]}"#,
            "messages message 2 has an unknown role 'narrator' (expected system, user, assistant, tool or function, or a name given to --role-map)",
        ),
        (
            &["--to", "messages"],
            r#"{"conversations":[{"from":"human","value":"q"},{"from":"bard","value":"a"}]}"#,
            "sharegpt turn 2 has an unknown role 'bard'",
        ),
        (
            &["--to", "messages"],
            r#"{"messages":[{"role":"user","content":"q"},{"content":"a"}]}"#,
            "messages message 2 has no role",
        ),
        (
            &["--to", "sharegpt"],
            r#"{"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":"a"}]}"#,
            "sharegpt turn 1 (human): content is an array, but sharegpt stores text",
        ),
        (
            &["--to", "input-output"],
            r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d"}]}"#,
            "input-output holds one prompt and one response; this record has 4 turns",
        ),
        (
            &["--to", "messages"],
            r#"{"prompt":"p","chosen":"c","rejected":"r"}"#,
            "this record is a preference pair (chosen and rejected); messages holds one conversation",
        ),
        (
            &["--to", "preference"],
            r#"{"input":"p","output":"o"}"#,
            "preference needs chosen and rejected responses",
        ),
        (
            &["--to", "alpaca"],
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","tool_calls":[{"id":"1"}]},{"role":"tool","content":"r"},{"role":"assistant","content":"a"}]}"#,
            "turn 2 calls tools; alpaca has no place for tool calls",
        ),
        (
            &["--to", "messages"],
            r#"{"conversations":[{"from":"human","value":"q"},{"from":"function_call","value":"not json"}]}"#,
            "sharegpt turn 2: a function_call value must hold the call as JSON text",
        ),
        (
            &["--to", "messages"],
            r#"{"instruction":"q","output":5}"#,
            "output is a number, not a string",
        ),
        (
            &["--to", "messages"],
            r#"{"instruction":"q","output":"a","history":[["only one"]]}"#,
            "history must be a list of [prompt, response] pairs of strings",
        ),
        (&["--to", "messages"], r#"{"text":"pretraining"}"#, "matches no shape (fields: text)"),
        (
            &["--from", "alpaca", "--to", "messages"],
            r#"{"prompt":"p","output":"o"}"#,
            "missing instruction",
        ),
        (
            &["--to", "messages", "--template", "{{title}}: {{instruction}}"],
            r#"{"instruction":"q","output":"a"}"#,
            "missing title (used by the prompt template)",
        ),
        (
            &["--to", "messages", "--extract", "n=output:(\\d+)"],
            r#"{"instruction":"q","output":"none"}"#,
            "--extract n: output does not match /(\\d+)/",
        ),
        (
            &["--to", "messages", "--extract", "n=meta.x:(\\d+)"],
            r#"{"instruction":"q","output":"a"}"#,
            "missing meta.x (read by --extract n)",
        ),
        (
            &["--to", "messages"],
            "[1, 2]",
            "not a JSON object: the line is an array (every record must be an object) (a JSON document rather than JSONL? read it with --from json-array)",
        ),
    ];
    for (args, record, reason) in cases {
        let out = migrate(args, &jsonl(&[record]));
        if reason.is_empty() {
            // messages holds any order: this one converts.
            assert_eq!(out.status.code(), Some(0), "{record}: {}", text(&out.stderr));
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{args:?} {record}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{record}");
        let expected = format!("fmt-migrate: <stdin>:1: {reason}");
        assert!(
            text(&out.stderr).contains(&expected),
            "{args:?} {record}\nwanted: {expected}\ngot: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn rejected_records_are_counted_by_reason_and_good_ones_still_written() {
    let dir = Dir::new();
    let s = dir.path("s.json");
    let input = jsonl(&[
        r#"{"instruction":"q","output":"a"}"#,
        r#"{"instruction":"q","output":""}"#,
        r#"{"text":"x"}"#,
        "not json",
        r#"{"instruction":"q2","output":"a2"}"#,
    ]);
    let out = migrate(&["--to", "messages", "--stats", s.to_str().unwrap()], &input);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 2);
    let st = stats(&s);
    assert_eq!(st["records_in"], 5);
    assert_eq!(st["records_written"], 2);
    assert_eq!(st["rejected"]["empty content"], 1);
    assert_eq!(st["rejected"]["matches no shape"], 1);
    assert_eq!(st["rejected"]["invalid JSON"], 1);
    assert_eq!(st["shapes"]["alpaca"]["records"], 3);
    assert_eq!(st["shapes"]["alpaca"]["written"], 2);
}

#[test]
fn extract_and_template_and_system() {
    let record = r#"{"prompt":"Rate it","output":"Verdict: good\nstatus: aligned","id":3}"#;
    assert_eq!(
        one(
            &[
                "--to",
                "messages",
                "--extract",
                "status=output:status: (?P<s>\\w+)",
                "--system",
                "Be fair."
            ],
            record
        ),
        r#"{"messages":[{"role":"system","content":"Be fair."},{"role":"user","content":"Rate it"},{"role":"assistant","content":"Verdict: good\nstatus: aligned"}],"id":3,"status":"aligned"}"#
    );
    // Without --to the record keeps its shape; extracted fields are appended.
    assert_eq!(
        one(&["--extract", "verdict=output:Verdict: (\\w+)"], record),
        r#"{"prompt":"Rate it","output":"Verdict: good\nstatus: aligned","id":3,"verdict":"good"}"#
    );
    let dir = Dir::new();
    let template = dir.write("t.txt", "#{{id}}: {{prompt}} ({{verdict}})");
    assert_eq!(
        one(
            &[
                "--to",
                "input-output",
                "--extract",
                "verdict=output:Verdict: (\\w+)",
                "--template",
                template.to_str().unwrap(),
                "--template",
                "response={{verdict}}"
            ],
            record
        ),
        r##"{"input":"#3: Rate it (good)","output":"good","verdict":"good"}"##
    );
}

#[test]
fn squad_questions_become_input_output_records() {
    let dir = Dir::new();
    let squad = r#"{"version": "v2.0", "data": [{"title": "Normans", "paragraphs": [
  {"context": "The Normans were in France.", "qas": [
    {"question": "Where were the Normans?", "id": "q1", "answers": [{"text": "France", "answer_start": 22}], "is_impossible": false},
    {"question": "Who ruled Mars?", "id": "q2", "answers": [], "plausible_answers": [{"text": "Rollo", "answer_start": 0}], "is_impossible": true},
    {"question": "When?", "id": "q3", "answers": []}
  ]}]}]}"#;
    let file = dir.write("dev.json", squad);
    let out = std_tool("fmt-migrate").args(["--from", "squad"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        lines(&out),
        [
            r#"{"input":"Context: The Normans were in France.\nQuestion: Where were the Normans?","output":"France","title":"Normans","id":"q1","is_impossible":false}"#,
            r#"{"input":"Context: The Normans were in France.\nQuestion: Who ruled Mars?","output":"Not found in provided context.","title":"Normans","id":"q2","plausible_answers":[{"text": "Rollo", "answer_start": 0}],"is_impossible":true}"#,
        ]
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:5: question q3 has no answers and is not marked is_impossible (an unlabelled split, such as a test set?) (at /data/0/paragraphs/0/qas/2)",
            file.display()
        )),
        "{stderr}"
    );
    let out = std_tool("fmt-migrate")
        .args(["--from", "squad", "--to", "messages", "--drop-extra", "--refusal", "No idea."])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(
        lines(&out)[1],
        r#"{"messages":[{"role":"user","content":"Context: The Normans were in France.\nQuestion: Who ruled Mars?"},{"role":"assistant","content":"No idea."}],"is_impossible":true}"#
    );
    let bad = dir.write("bad.json", r#"{"data": {"title": 1}}"#);
    let out = std_tool("fmt-migrate").args(["--from", "squad"]).arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a SQuAD file"));
}

#[test]
fn json_arrays_in_and_out_with_original_line_numbers() {
    let dir = Dir::new();
    let file = dir.write(
        "data.json",
        "[\n  {\"instruction\": \"a\",\n   \"input\": \"\", \"output\": \"b\"},\n  {\"instruction\": \"c\", \"input\": \"\", \"output\": \"\"}\n]\n",
    );
    let out = std_tool("fmt-migrate")
        .args(["--from", "json-array", "--to", "sharegpt"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        lines(&out),
        [r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"}]}"#]
    );
    assert!(
        text(&out.stderr)
            .contains(&format!("{}:4: sharegpt turn 2 (gpt) has empty content", file.display()))
    );
    // No --to: the records as JSONL; --to json-array: back to one array.
    let out =
        std_tool("fmt-migrate").args(["--from", "json-array"]).arg(&file).output().expect("run");
    assert_eq!(lines(&out).len(), 2);
    let out = migrate(&["--to", "json-array"], &jsonl(&[r#"{"a":1}"#, r#"{"b":2}"#]));
    assert_eq!(text(&out.stdout), "[\n{\"a\":1},\n{\"b\":2}\n]\n");
    assert_eq!(text(&migrate(&["--to", "json-array"], "").stdout), "[]\n");
    // Graph list pages: one event per line.
    let pages = dir.write("pages.json", "{\"value\":[{\"id\":\"e1\"},{\"id\":\"e2\"}],\"@odata.nextLink\":\"x\"}\n{\"value\":[{\"id\":\"e3\"}]}\n");
    let out = std_tool("fmt-migrate")
        .args(["--from", "graph-response"])
        .arg(&pages)
        .output()
        .expect("run");
    assert_eq!(lines(&out), [r#"{"id":"e1"}"#, r#"{"id":"e2"}"#, r#"{"id":"e3"}"#]);
}

#[test]
fn csv_round_trips_records_and_reports_bad_rows() {
    let records = [
        r#"{"id":1,"prompt":"Say \"hi\"","completion":"42","meta":{"tier":"gold","ok":true},"tags":["a","b"]}"#,
        r#"{"id":2,"prompt":"p,2","completion":"","meta":{"tier":null}}"#,
    ];
    let out = migrate(&["--to", "csv"], &jsonl(&records));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert_eq!(csv.lines().next(), Some("id,prompt,completion,meta.tier,meta.ok,tags"));
    let dir = Dir::new();
    let file = dir.write("data.csv", format!("{csv}3,x,y,,,,extra\n"));
    let out = std_tool("fmt-migrate").args(["--from", "csv"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out), records);
    assert!(
        text(&out.stderr)
            .contains(&format!("{}:4: row has 7 fields but the header has 6", file.display()))
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--to", "squad"][..],
        &["--to", "auto"],
        &[],
        &["--allow-mixed"],
        &["--detect", "--to", "messages"],
        &["--detect", "--system", "s"],
        &["--to", "messages", "--extract", "nofield"],
        &["--to", "messages", "--extract", "a=b:("],
        &["--to", "messages", "--template", "/no/such/template.txt"],
        &["--to", "messages", "--template", "{{a..b}}"],
    ] {
        let out = migrate(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).starts_with("fmt-migrate") || text(&out.stderr).contains("error"),
            "{args:?}"
        );
    }
}

#[test]
fn conversions_are_identical_across_threads_and_chunks() {
    let dir = Dir::new();
    let mut records = Vec::new();
    for i in 0..2000 {
        records.push(match i % 4 {
            0 => format!(r#"{{"instruction":"q{i}","input":"x","output":"a{i}"}}"#),
            1 => format!(r#"{{"conversations":[{{"from":"human","value":"q{i}"}},{{"from":"gpt","value":"a"}}],"id":{i}}}"#),
            2 => format!(r#"{{"instruction":"q{i}","output":""}}"#),
            _ => format!(r#"{{"text":"{i}"}}"#),
        });
    }
    let file =
        dir.write("in.jsonl", jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()));
    let reference =
        std_tool("fmt-migrate").args(["--to", "messages", "-j1"]).arg(&file).output().expect("run");
    for (threads, chunk) in [("2", "4096"), ("4", "333")] {
        let out = std_tool("fmt-migrate")
            .args(["--to", "messages", "-j", threads])
            .arg(&file)
            .env("SYNTHKIT_CHUNK_BYTES", chunk)
            .output()
            .expect("run");
        assert_eq!(out.stdout, reference.stdout);
        assert_eq!(out.stderr, reference.stderr);
    }
}

// ---------------------------------------------------------------------------
// Properties

/// A conversation: system prompt, (user, assistant) exchanges, extra fields.
#[derive(Debug, Clone)]
struct Conversation {
    system: Option<String>,
    exchanges: Vec<(String, String)>,
    extra: Vec<(&'static str, String)>,
}

fn text_strategy() -> impl Strategy<Value = String> {
    "[a-z \"\\\\\n\té日😀]{0,10}[a-z]".prop_map(|s| s)
}

fn conversation(max_exchanges: usize) -> impl Strategy<Value = Conversation> {
    (
        proptest::option::of(text_strategy()),
        proptest::collection::vec((text_strategy(), text_strategy()), 1..=max_exchanges),
        proptest::collection::vec(
            prop_oneof![
                any::<u32>().prop_map(|n| ("id", n.to_string())),
                text_strategy().prop_map(|t| ("source", quote(&t))),
                Just(("metadata", r#"{"tier":"gold","n":[1,2.50]}"#.to_string())),
            ],
            0..3,
        ),
    )
        .prop_map(|(system, exchanges, extra)| {
            let mut seen = Vec::new();
            let extra = extra
                .into_iter()
                .filter(|(k, _)| {
                    !seen.contains(k) && {
                        seen.push(*k);
                        true
                    }
                })
                .collect();
            Conversation { system, exchanges, extra }
        })
}

/// The conversation in `shape`'s canonical form.
fn render(c: &Conversation, shape: &str) -> String {
    let q = |s: &str| quote(s);
    let mut fields: Vec<String> = Vec::new();
    let (last_user, last_answer) = c.exchanges.last().cloned().unwrap_or_default();
    match shape {
        "messages" => {
            let mut list: Vec<String> = Vec::new();
            if let Some(s) = &c.system {
                list.push(format!(r#"{{"role":"system","content":{}}}"#, q(s)));
            }
            for (u, a) in &c.exchanges {
                list.push(format!(r#"{{"role":"user","content":{}}}"#, q(u)));
                list.push(format!(r#"{{"role":"assistant","content":{}}}"#, q(a)));
            }
            fields.push(format!(r#""messages":[{}]"#, list.join(",")));
        }
        "sharegpt" => {
            let list: Vec<String> = c
                .exchanges
                .iter()
                .flat_map(|(u, a)| {
                    [
                        format!(r#"{{"from":"human","value":{}}}"#, q(u)),
                        format!(r#"{{"from":"gpt","value":{}}}"#, q(a)),
                    ]
                })
                .collect();
            fields.push(format!(r#""conversations":[{}]"#, list.join(",")));
            if let Some(s) = &c.system {
                fields.push(format!(r#""system":{}"#, q(s)));
            }
        }
        "alpaca" => {
            fields.push(format!(r#""instruction":{}"#, q(&last_user)));
            fields.push(r#""input":"""#.to_string());
            fields.push(format!(r#""output":{}"#, q(&last_answer)));
            if let Some(s) = &c.system {
                fields.push(format!(r#""system":{}"#, q(s)));
            }
            let history = &c.exchanges[..c.exchanges.len() - 1];
            if !history.is_empty() {
                let pairs: Vec<String> =
                    history.iter().map(|(u, a)| format!("[{},{}]", q(u), q(a))).collect();
                fields.push(format!(r#""history":[{}]"#, pairs.join(",")));
            }
        }
        pair => {
            let (p, r) = match pair {
                "input-output" => ("input", "output"),
                "prompt-completion" => ("prompt", "completion"),
                "supervised" => ("prompt", "response"),
                "prompt-output" => ("prompt", "output"),
                _ => ("question", "answer"),
            };
            fields.push(format!(r#""{p}":{}"#, q(&last_user)));
            fields.push(format!(r#""{r}":{}"#, q(&last_answer)));
            if let Some(s) = &c.system {
                fields.push(format!(r#""system":{}"#, q(s)));
            }
        }
    }
    for (key, value) in &c.extra {
        fields.push(format!(r#""{key}":{value}"#));
    }
    format!("{{{}}}", fields.join(","))
}

const MULTI_TURN: [&str; 3] = ["messages", "sharegpt", "alpaca"];
const ONE_EXCHANGE: [&str; 5] =
    ["input-output", "prompt-completion", "supervised", "prompt-output", "qa"];

fn convert_file(from: &str, to: &str, input: &str) -> String {
    let out = migrate(&["--from", from, "--to", to], input);
    assert_eq!(out.status.code(), Some(0), "{from} -> {to}: {}", text(&out.stderr));
    text(&out.stdout)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// A → B → A returns the original, byte for byte, for every pair of chat
    /// shapes (multi-turn conversations among the shapes that hold them).
    #[test]
    fn round_trips_return_the_original(
        single in proptest::collection::vec(conversation(1), 1..6),
        multi in proptest::collection::vec(conversation(3), 1..6),
    ) {
        let all: Vec<&str> = MULTI_TURN.iter().chain(ONE_EXCHANGE.iter()).copied().collect();
        for (conversations, shapes) in [(&single, &all[..]), (&multi, &MULTI_TURN[..])] {
            for a in shapes {
                let original: String = conversations.iter().map(|c| render(c, a) + "\n").collect();
                for b in shapes.iter().filter(|b| *b != a) {
                    let there = convert_file(a, b, &original);
                    let back = convert_file(b, a, &there);
                    prop_assert_eq!(&back, &original, "{} -> {} -> {}", a, b, a);
                }
            }
        }
    }

    /// Every record ends in exactly one place, whatever the mix of shapes,
    /// bad lines and conversions.
    #[test]
    fn every_record_is_accounted_for(kinds in proptest::collection::vec(0u8..6, 0..60), to in 0usize..4) {
        let target = ["messages", "sharegpt", "alpaca", "teacher"][to];
        let records: Vec<String> = kinds.iter().enumerate().map(|(i, k)| match k {
            0 => format!(r#"{{"instruction":"q{i}","output":"a"}}"#),
            1 => TEACHER.to_string(),
            2 => CURATED.to_string(),
            3 => format!(r#"{{"messages":[{{"role":"user","content":"q{i}"}}]}}"#),
            4 => "{broken".to_string(),
            _ => format!(r#"{{"other":{i}}}"#),
        }).collect();
        let dir = Dir::new();
        let s = dir.path("s.json");
        let out = migrate(&["--to", target, "--stats", s.to_str().unwrap()], &jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()));
        let st = stats(&s);
        let sum = |v: &serde_json::Value| v.as_object().map_or(0, |m| m.values().filter_map(|n| n.as_u64()).sum::<u64>());
        let written = st["records_written"].as_u64().unwrap_or(0);
        prop_assert_eq!(written + sum(&st["rejected"]) + sum(&st["filtered"]), records.len() as u64);
        prop_assert_eq!(lines(&out).len() as u64, written);
        prop_assert_eq!(out.status.code(), Some(if sum(&st["rejected"]) > 0 { 1 } else { 0 }));
    }
}

#[test]
fn the_readme_fixture_is_fixed_by_one_conversion() {
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fmt-migrate/mixed_teacher.jsonl");
    let out = std_tool("fmt-migrate").args(["--detect", fixture]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("9 records: 7 teacher, 2 prompt-output"));
    let fixed = std_tool("fmt-migrate").args(["--to", "teacher", fixture]).output().expect("run");
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
    let again = migrate(&["--detect"], &text(&fixed.stdout));
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("9 records: 9 teacher"));
}

#[test]
fn r_kept_field_named_like_a_target_field_is_a_bad_record_not_a_duplicate_key() {
    // A kept field whose name the target shape writes itself used to be
    // written after it: `{"input":"p",…,"input":"keep"}`, a record whose
    // readers keep one of the two values and silently lose the other.
    for (args, record, key) in [
        (
            &["--from", "supervised", "--to", "input-output"][..],
            r#"{"prompt":"p","response":"r","input":"keep"}"#,
            "input",
        ),
        (
            &["--to", "supervised"][..],
            r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}],"system":"other"}"#,
            "system",
        ),
        (
            &["--to", "alpaca"][..],
            r#"{"question":"q","answer":"a","instruction":"keep"}"#,
            "instruction",
        ),
        (
            &["--from", "sharegpt", "--to", "messages"][..],
            r#"{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}],"tools":[],"x":1,"messages":"keep"}"#,
            "messages",
        ),
    ] {
        let out = migrate(args, &jsonl(&[record]));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out.stdout));
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("the record keeps a field `{key}` besides the `{key}` that")),
            "{stderr}"
        );
    }
    // --drop-extra leaves the kept field out, so nothing collides.
    let got = one(
        &["--from", "supervised", "--to", "input-output", "--drop-extra"],
        r#"{"prompt":"p","response":"r","input":"keep"}"#,
    );
    assert_eq!(got, r#"{"input":"p","output":"r"}"#);
    // An --extract FIELD replaces a kept field of that name, for teacher too.
    let curated = r#"{"prompt":"Concept: X\nRequirements:\n```yaml\nR\n```","output":"```yaml VISION\nV\n```\n```yaml REVIEW\nW\n```","concept":"mine","id":1}"#;
    let got = one(&["--to", "teacher", "--extract", "concept=concept:(?s)(.*)"], curated);
    assert_eq!(
        got,
        r#"{"concept":"mine","requirements_yaml":"R","teacher_product_vision":"V","teacher_product_owner_review":"W","id":1}"#
    );
    let out = migrate(&["--to", "teacher"], &jsonl(&[curated]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("keeps a field `concept` besides"), "{}", text(&out.stderr));
}

#[test]
fn r_an_empty_squad_question_is_a_bad_record() {
    // {"question": ""} became the input "Context: …\nQuestion: " with an
    // answer to nothing.
    let dir = Dir::new();
    let squad = r#"{"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "C.", "qas": [
    {"question": " ", "id": "q1", "answers": [{"text": "C", "answer_start": 0}]},
    {"question": "What?", "id": "q2", "answers": [{"text": "C", "answer_start": 0}]}
  ]}]}]}"#;
    let file = dir.write("v1.json", squad);
    let out = std_tool("fmt-migrate").args(["--from", "squad"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        lines(&out),
        [
            r#"{"input":"Context: C.\nQuestion: What?","output":"C","title":"T","id":"q2","is_impossible":false}"#
        ]
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{}:2: question q1 is empty", file.display())), "{stderr}");
}

#[test]
fn r_detect_with_output_file_is_a_usage_error() {
    // --detect -o FILE exited 0 and created no FILE.
    let dir = Dir::new();
    let target = dir.path("out.jsonl");
    let out = migrate(
        &["--detect", "-o", target.to_str().unwrap()],
        &jsonl(&[r#"{"prompt":"p","response":"r"}"#]),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--detect writes no records"), "{}", text(&out.stderr));
    // One record is one record.
    let out = migrate(&["--detect"], &jsonl(&[r#"{"prompt":"p","response":"r"}"#]));
    assert!(
        text(&out.stderr).contains("fmt-migrate: 1 record: 1 supervised"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn r_system_and_a_system_template_together_are_a_usage_error() {
    // --system silently won over --template system=….
    let out = migrate(
        &["--to", "messages", "--system", "S", "--template", "system={{prompt}}"],
        &jsonl(&[r#"{"prompt":"p","response":"r"}"#]),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("give one of them"), "{}", text(&out.stderr));
}

#[test]
fn r_fail_fast_on_a_bad_csv_row_writes_the_records_before_it() {
    // The bad row was accounted for before any record was processed, so
    // --fail-fast wrote nothing ("0 of 1 records") instead of the rows above it.
    let dir = Dir::new();
    let ok = dir.write("ok.csv", "a\n1\n2\n");
    let bad = dir.write("bad.csv", "a\n3\n4,5\n6\n");
    let out = std_tool("fmt-migrate")
        .args(["--from", "csv", "--fail-fast"])
        .args([&ok, &bad, &ok])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out), [r#"{"a":1}"#, r#"{"a":2}"#, r#"{"a":3}"#]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{}:3: row has 2 fields", bad.display())), "{stderr}");
    assert!(stderr.contains("wrote 3 of 4 records"), "{stderr}");
    // A bad record before the bad row stops the run there, and only there.
    let mixed = dir.write("m.csv", "prompt,response\np,r\nx\na,b,c\n");
    let out = std_tool("fmt-migrate")
        .args(["--from", "csv", "--to", "messages", "--fail-fast"])
        .arg(&mixed)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 1);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(":3: matches no shape"), "{stderr}");
    assert!(!stderr.contains("row has 3 fields"), "{stderr}");
}

#[test]
fn r_detect_with_a_record_shape_as_from_is_a_usage_error() {
    // --detect --from teacher counted every record as teacher, unchecked.
    let out =
        migrate(&["--detect", "--from", "teacher"], &jsonl(&[r#"{"prompt":"p","response":"r"}"#]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--from teacher would only assume it"),
        "{}",
        text(&out.stderr)
    );
    // A document format still reads the file for detection.
    let out = migrate(&["--detect", "--from", "json-array"], r#"[{"prompt":"p","response":"r"}]"#);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn r_empty_system_or_refusal_is_a_usage_error() {
    let record = r#"{"prompt":"q","completion":"a"}"#;
    for args in [
        &["--to", "messages", "--system", ""][..],
        &["--to", "sharegpt", "--system", "  "][..],
        &["--from", "squad", "--refusal", ""][..],
    ] {
        let out = migrate(args, &jsonl(&[record]));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let flag =
            if args.contains(&"--system") { "--system is empty" } else { "--refusal is empty" };
        assert!(text(&out.stderr).contains(flag), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn r_csv_quote_left_open_is_a_bad_row() {
    let out = migrate(&["--from", "csv"], "a,b\n1,2\n3,\"open\n4,5\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out), [r#"{"a":1,"b":2}"#]);
    assert!(
        text(&out.stderr).contains("<stdin>:3: a quoted field is not closed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn r_extract_group_that_took_no_part_says_so_not_no_match() {
    let out = migrate(
        &["--to", "prompt-completion", "--extract", "st=completion:(x)?none"],
        &jsonl(&[r#"{"prompt":"p","completion":"none"}"#]),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("matches /(x)?none/, but its group captured nothing"), "{stderr}");
}

#[test]
fn r_teacher_field_with_a_fence_line_is_a_bad_record_not_a_cut_round_trip() {
    // A ``` line inside a fenced field ended its block: → supervised → teacher
    // gave back "x" as the vision and "y" as the review, losing "r".
    let record = r#"{"concept":"C","requirements_yaml":"- r","teacher_product_vision":"x\n  ```yaml REVIEW\ny","teacher_product_owner_review":"r"}"#;
    let out = migrate(&["--to", "supervised"], &jsonl(&[record]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("teacher_product_vision holds a line starting with ```"));
    // Inline backticks, and a custom response template, are fine.
    let inline = r#"{"concept":"C","requirements_yaml":"- r","teacher_product_vision":"a ``` b","teacher_product_owner_review":"r"}"#;
    let there = one(&["--to", "supervised"], inline);
    assert_eq!(one(&["--to", "teacher"], &there), inline);
    one(&["--to", "supervised", "--template", "response={{teacher_product_owner_review}}"], record);
}

#[test]
fn r_jsonl_read_with_from_csv_is_refused_instead_of_losing_its_first_record() {
    let input =
        jsonl(&[r#"{"instruction":"a","output":"b"}"#, r#"{"instruction":"c","output":"d"}"#]);
    let out = migrate(&["--from", "csv", "--to", "messages"], &input);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("looks like JSONL"), "{}", text(&out.stderr));
    // A header whose names merely start with a brace is still a header.
    let out = migrate(&["--from", "csv"], "{a,b\n1,2\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn role_names_of_the_common_datasets_and_role_map() {
    // OpenAssistant's prompter, Gemini's model, ShareGPT's bot (issue 15).
    let oasst =
        r#"{"messages":[{"role":"prompter","content":"hi"},{"role":"model","content":"hello"}]}"#;
    assert_eq!(
        one(&["--to", "sharegpt"], oasst),
        r#"{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}]}"#
    );
    let bot = r#"{"conversations":[{"from":"user","value":"q"},{"from":"bot","value":"a"}]}"#;
    assert_eq!(
        one(&["--to", "messages"], bot),
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#
    );
    // An unknown role stays a bad record naming it, until --role-map says what it is.
    let narrator = r#"{"messages":[{"role":"narrator","content":"Once"},{"role":"user","content":"go"},{"role":"assistant","content":"ok"}]}"#;
    let out = migrate(&["--to", "sharegpt"], &jsonl(&[narrator]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown role 'narrator'"), "{}", text(&out.stderr));
    let mapped = one(&["--to", "sharegpt", "--role-map", "narrator=system"], narrator);
    assert!(mapped.contains(r#""system":"Once""#), "{mapped}");
    let out = migrate(&["--role-map", "narrator=author"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a role"), "{}", text(&out.stderr));
}

#[test]
fn r_roles_are_mapped_in_a_record_already_in_the_target_shape() {
    // What broke: a record already in the target shape passed byte for byte,
    // so its role names were never mapped: prompter/model stayed in messages,
    // --role-map was ignored, and sharegpt prompter/model went to
    // LLaMA-Factory (which expects human/gpt) as "1 unchanged".
    let summary = |args: &[&str], record: &str| {
        let out = migrate(args, &jsonl(&[record]));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        (lines(&out).join("\n"), text(&out.stderr))
    };
    let aliases =
        r#"{"messages":[{"role":"prompter","content":"a"},{"role":"model","content":"b"}],"id":1}"#;
    let (got, stderr) = summary(&["--to", "messages"], aliases);
    assert_eq!(
        got,
        r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"id":1}"#
    );
    assert!(stderr.contains("1 from messages;"), "converted, not unchanged: {stderr}");
    let custom =
        r#"{"messages":[{"role":"customer","content":"a"},{"role":"agent","content":"b"}]}"#;
    let (got, _) = summary(
        &["--to", "messages", "--role-map", "customer=user", "--role-map", "agent=assistant"],
        custom,
    );
    assert_eq!(
        got,
        r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}"#
    );
    let sharegpt =
        r#"{"conversations":[{"from":"prompter","value":"a"},{"from":"model","value":"b"}]}"#;
    let (got, stderr) = summary(&["--to", "sharegpt"], sharegpt);
    assert_eq!(
        got,
        r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"}]}"#
    );
    assert!(!stderr.contains("unchanged"), "{stderr}");
    // messages' names in sharegpt are not sharegpt's own either.
    let (got, _) = summary(
        &["--to", "sharegpt"],
        r#"{"conversations":[{"from":"user","value":"a"},{"from":"assistant","value":"b"}]}"#,
    );
    assert_eq!(
        got,
        r#"{"conversations":[{"from":"human","value":"a"},{"from":"gpt","value":"b"}]}"#
    );
    // The lists of a preference-messages record too.
    let pair = r#"{"prompt":[{"role":"human","content":"q"}],"chosen":[{"role":"gpt","content":"y"}],"rejected":[{"role":"assistant","content":"n"}]}"#;
    assert_eq!(
        summary(&["--to", "preference-messages"], pair).0,
        r#"{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"y"}],"rejected":[{"role":"assistant","content":"n"}]}"#
    );
    // A --role-map over a shape's own name is a rename too.
    let (got, _) = summary(
        &["--to", "messages", "--role-map", "user=system"],
        r#"{"messages":[{"role":"user","content":"s"},{"role":"human","content":"a"},{"role":"assistant","content":"b"}]}"#,
    );
    assert_eq!(
        got,
        r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}"#
    );
    // Canonical roles (tool roles included) still pass byte for byte, odd spacing and all.
    let canonical = r#"{ "messages" : [ {"role":"system","content":"s"}, {"role":"user","content":"a"}, {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}, {"role":"tool","content":"ok","tool_call_id":"c"}, {"role":"assistant","content":"b"} ] }"#;
    let (got, stderr) = summary(&["--to", "messages"], canonical);
    assert_eq!(got, canonical);
    assert!(stderr.contains("(1 unchanged)"), "{stderr}");
    let canonical = r#"{"conversations": [{"from":"system","value":"s"}, {"from":"human","value":"a"}, {"from":"function_call","value":"{\"name\":\"f\",\"arguments\":{}}"}, {"from":"observation","value":"o"}, {"from":"gpt","value":"b"}], "id": 1}"#;
    let (got, stderr) = summary(&["--to", "sharegpt"], canonical);
    assert_eq!(got, canonical);
    assert!(stderr.contains("(1 unchanged)"), "{stderr}");
    // An unknown role is still a bad record with its name, and nothing is lost.
    let out = migrate(&["--to", "messages"], &jsonl(&[custom, aliases]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 1);
    assert!(text(&out.stderr).contains("unknown role 'customer'"), "{}", text(&out.stderr));
}

mod formats;
