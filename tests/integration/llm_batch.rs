//! llm-batch: request lines in each API's documented format (byte-stable),
//! ids that round-trip through merge, every failure class of the result
//! files accounted, shuffled and split and compressed results.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text};

fn batch(args: &[&str], stdin: &str) -> std::process::Output {
    let mut cmd = std_tool("llm-batch");
    cmd.args(args);
    run_with_stdin(cmd, stdin.as_bytes())
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

/// An OpenAI output-file line answering `id` with `content`.
fn openai_ok(id: &str, content: &str) -> String {
    json!({"id": format!("batch_req_{id}"), "custom_id": id, "response": {"status_code": 200,
        "request_id": "req", "body": {"id": "chatcmpl-1", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
        "content": content, "refusal": null}}], "usage": {"prompt_tokens": 10,
        "completion_tokens": 5, "total_tokens": 15}}}, "error": null})
    .to_string()
}

/// An Anthropic results line answering `id` with `content`.
fn anthropic_ok(id: &str, content: &str) -> String {
    json!({"custom_id": id, "result": {"type": "succeeded", "message": {"id": "msg_1",
        "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": content}], "stop_reason": "end_turn",
        "stop_sequence": null, "usage": {"input_tokens": 7, "output_tokens": 2}}}})
    .to_string()
}

#[test]
fn requests_are_byte_stable_in_both_formats() {
    let input = jsonl(&[
        r#"{"id":"q1","question":"What is 2+2?"}"#,
        r#"{"id":"q2","question":"Capital of Peru?"}"#,
    ]);
    let out = batch(
        &[
            "request",
            "--model",
            "gpt-4o-mini",
            "--prompt",
            "Q: {{question}}",
            "--id",
            "id",
            "--system",
            "Be brief.",
            "--temperature",
            "0.2",
            "--max-tokens",
            "64",
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().next().unwrap(),
        r#"{"custom_id":"q1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Q: What is 2+2?"}],"max_completion_tokens":64,"temperature":0.2}}"#
    );
    let out = batch(
        &[
            "request",
            "--api",
            "anthropic",
            "--model",
            "claude-haiku-4-5",
            "--prompt",
            "Q: {{question}}",
            "--system",
            "Be brief.",
            "--n",
            "2",
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = text(&out.stdout).lines().next().unwrap().to_string();
    let id = format!(
        "r{:016x}",
        xxhash_rust::xxh3::xxh3_64_with_seed(br#"{"id":"q1","question":"What is 2+2?"}"#, 0)
    );
    assert_eq!(
        first,
        format!(
            r#"{{"custom_id":"{id}-1","params":{{"model":"claude-haiku-4-5","max_tokens":1024,"system":"Be brief.","messages":[{{"role":"user","content":"Q: What is 2+2?"}}]}}}}"#
        )
    );
    assert_eq!(lines(&out).len(), 4, "two variations per record");
}

#[test]
fn structured_output_variations_and_messages() {
    let dir = Dir::new();
    let schema =
        dir.write("schema.json", r#"{"type":"object","properties":{"rating":{"type":"integer"}}}"#);
    let input = jsonl(&[
        r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"rate"}]}"#,
    ]);
    let out = batch(
        &[
            "request",
            "--model",
            "m",
            "--messages",
            "messages",
            "--n",
            "3",
            "--json-schema",
            schema.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let reqs = lines(&out);
    assert_eq!(reqs.len(), 3);
    for (k, r) in reqs.iter().enumerate() {
        assert!(r["custom_id"].as_str().unwrap().ends_with(&format!("-{}", k + 1)));
        assert_eq!(r["body"]["seed"], k + 1);
        assert_eq!(r["body"]["messages"].as_array().unwrap().len(), 3);
        assert_eq!(r["body"]["response_format"]["type"], "json_schema");
        assert_eq!(r["body"]["response_format"]["json_schema"]["schema"]["type"], "object");
    }
    // Anthropic has no system role in messages and no response_format.
    let sys = jsonl(&[
        r#"{"messages":[{"role":"system","content":"x"},{"role":"user","content":"hi"}]}"#,
    ]);
    let out =
        batch(&["request", "--api", "anthropic", "--model", "m", "--messages", "messages"], &sys);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Anthropic takes the system prompt as --system"),
        "{}",
        text(&out.stderr)
    );
    let out = batch(
        &[
            "request",
            "--api",
            "anthropic",
            "--model",
            "m",
            "--prompt",
            "{{a}}",
            "--json-schema",
            "x.json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_ids_missing_fields_and_duplicates_are_bad_records() {
    let input = jsonl(&[
        r#"{"id":"a","q":"1"}"#,
        r#"{"id":"a","q":"2"}"#,
        r#"{"id":"a","q":"1"}"#,
        r#"{"id":"no spaces","q":"3"}"#,
        r#"{"id":"b"}"#,
        r#"{"id":["x"],"q":"4"}"#,
    ]);
    let dir = Dir::new();
    let st = dir.path("s.json");
    let out = batch(
        &[
            "request",
            "--model",
            "m",
            "--prompt",
            "{{q}}",
            "--id",
            "id",
            "--stats",
            st.to_str().unwrap(),
        ],
        &input,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(lines(&out).len(), 1, "only the first record is requested");
    assert!(stderr.contains("<stdin>:2: custom_id a is already used by line 1"), "{stderr}");
    assert!(stderr.contains("<stdin>:4: --id field \"no spaces\" is not a custom_id"), "{stderr}");
    assert!(stderr.contains("<stdin>:5: missing q (used by --prompt)"), "{stderr}");
    assert!(stderr.contains("<stdin>:6: --id field is array"), "{stderr}");
    let s = stats(&st);
    assert_eq!(s["records_in"], 6);
    assert_eq!(s["filtered"]["the same record as an earlier one (one request)"], 1);
    assert_eq!(s["rejected"]["duplicate custom_id"], 1);
    assert_eq!(s["requests"], 1);
}

#[test]
fn merge_accounts_for_every_failure_class_of_both_apis() {
    let dir = Dir::new();
    let ids = [
        "ok", "http", "expired", "cut", "refused", "empty", "a_ok", "a_err", "a_cancel", "a_exp",
        "a_max", "none",
    ];
    let records: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}","q":"x"}}"#)).collect();
    let recs =
        dir.write("records.jsonl", jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()));
    let ok = openai_ok("ok", "fine");
    let http = json!({"id": "x", "custom_id": "http", "response": {"status_code": 400, "request_id": "r",
        "body": {"error": {"message": "context_length_exceeded: too long", "type": "invalid_request_error",
        "param": "messages", "code": "context_length_exceeded"}}}, "error": null}).to_string();
    let expired = json!({"id": "x", "custom_id": "expired", "response": null, "error": {"code": "batch_expired",
        "message": "This request could not be executed before the completion window expired."}}).to_string();
    let cut = openai_ok("cut", "half an ans").replace("\"stop\"", "\"length\"");
    let refused = openai_ok("refused", "")
        .replace("\"refusal\":null", "\"refusal\":\"I can't help with that.\"");
    let empty = openai_ok("empty", "");
    let a_ok = anthropic_ok("a_ok", "bonjour");
    let a_err =
        json!({"custom_id": "a_err", "result": {"type": "errored", "error": {"type": "error",
        "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}}}})
        .to_string();
    let a_cancel = json!({"custom_id": "a_cancel", "result": {"type": "canceled"}}).to_string();
    let a_exp = json!({"custom_id": "a_exp", "result": {"type": "expired"}}).to_string();
    let a_max = anthropic_ok("a_max", "cut").replace("end_turn", "max_tokens");
    let stray = openai_ok("stray", "for nobody");
    // Shuffled, split over two files, one compressed.
    let one = jsonl(&[&a_max, &ok, &stray, &http, &a_err, &cut]);
    let two = jsonl(&[&refused, &a_cancel, &expired, &a_ok, &empty, &a_exp, "not a result"]);
    let f1 = dir.write("out.jsonl", one);
    let f2 = dir.write("errors.jsonl.zst", zstd::encode_all(two.as_bytes(), 3).unwrap());
    let st = dir.path("s.json");
    let out = std_tool("llm-batch")
        .args([
            "merge",
            "--records",
            recs.to_str().unwrap(),
            "--id",
            "id",
            "--usage",
            "--stats",
            st.to_str().unwrap(),
        ])
        .arg(&f1)
        .arg(&f2)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let merged = lines(&out);
    let got: Vec<(&str, &str)> = merged
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["response"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("ok", "fine"), ("a_ok", "bonjour")], "in the records' order");
    assert_eq!(merged[0]["usage"], json!({"input_tokens": 10, "output_tokens": 5}));
    let s = stats(&st);
    assert_eq!(s["records_in"], 12);
    assert_eq!(s["records_written"], 2);
    let rejected = &s["rejected"];
    assert_eq!(rejected["API error"], 2, "{s}");
    assert_eq!(rejected["truncated"], 2);
    assert_eq!(rejected["refusal"], 1);
    assert_eq!(rejected["empty answer"], 1);
    assert_eq!(rejected["errored"], 1);
    assert_eq!(rejected["canceled"], 1);
    assert_eq!(rejected["expired"], 1);
    assert_eq!(rejected["no result"], 1);
    assert_eq!(s["results_for_no_record"], 1);
    assert_eq!(s["not_results"], 1);
    assert_eq!(s["input_tokens"], 10 * 5 + 7 * 2, "every result counts, failed ones too");
    assert!(stderr.contains("status 400: context_length_exceeded: too long"), "{stderr}");
    assert!(stderr.contains("errors.jsonl.zst:7: not a result"), "{stderr}");
    // --missing keep writes the record unchanged; drop counts it.
    let out = std_tool("llm-batch")
        .args([
            "merge",
            "--records",
            recs.to_str().unwrap(),
            "--id",
            "id",
            "--missing",
            "keep",
            "-q",
        ])
        .arg(&f1)
        .arg(&f2)
        .output()
        .unwrap();
    assert!(lines(&out).iter().any(|r| r["id"] == "none" && r.get("response").is_none()));
}

#[test]
fn json_answers_explode_and_ratings_are_numbers() {
    let dir = Dir::new();
    let recs = dir.write("r.jsonl", jsonl(&[r#"{"id":"p1"}"#, r#"{"id":"p2"}"#, r#"{"id":"p3"}"#]));
    let res = dir.write(
        "res.jsonl",
        jsonl(&[
            &openai_ok("p1", "Here you go:\n```json\n[{\"subject\": \"A\"}, {\"subject\": \"B\", \"n\": 1.50}]\n```"),
            &openai_ok("p2", "[]"),
            &openai_ok("p3", "Sorry, no JSON today."),
        ]),
    );
    let out = std_tool("llm-batch")
        .args(["merge", "--records", recs.to_str().unwrap(), "--id", "id", "--explode", "-q"])
        .arg(&res)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "{\"subject\":\"A\"}\n{\"subject\":\"B\",\"n\":1.50}\n");
    assert!(text(&out.stderr).contains("p3: no JSON value in the answer"), "{}", text(&out.stderr));
    let res = dir.write(
        "rate.jsonl",
        jsonl(&[
            &openai_ok("p1", "Clear and kind. Rating: 4/5"),
            &openai_ok("p2", "5"),
            &openai_ok("p3", "Rating: 7"),
        ]),
    );
    let out = std_tool("llm-batch")
        .args([
            "merge",
            "--records",
            recs.to_str().unwrap(),
            "--id",
            "id",
            "--rating",
            "1..5",
            "--into",
            "rating",
            "-q",
        ])
        .arg(&res)
        .output()
        .unwrap();
    let ratings: Vec<Value> = lines(&out).iter().map(|r| r["rating"].clone()).collect();
    assert_eq!(ratings, [json!(4), json!(5)]);
    assert!(text(&out.stderr).contains("rating 7 is outside 1..5"), "{}", text(&out.stderr));
}

#[test]
fn a_retry_replaces_a_failure_and_two_answers_keep_the_first() {
    let dir = Dir::new();
    let recs = dir.write("r.jsonl", jsonl(&[r#"{"id":"a"}"#, r#"{"id":"b"}"#]));
    let failed = json!({"id": "x", "custom_id": "a", "response": null, "error": {"code": "request_timeout", "message": "timed out"}}).to_string();
    let res = dir
        .write("res.jsonl", jsonl(&[&failed, &openai_ok("b", "first"), &openai_ok("b", "second")]));
    let retry = dir.write("retry.jsonl", jsonl(&[&openai_ok("a", "retried")]));
    let st = dir.path("s.json");
    let out = std_tool("llm-batch")
        .args([
            "merge",
            "--records",
            recs.to_str().unwrap(),
            "--id",
            "id",
            "-q",
            "--stats",
            st.to_str().unwrap(),
        ])
        .arg(&res)
        .arg(&retry)
        .output()
        .unwrap();
    let got: Vec<String> =
        lines(&out).iter().map(|r| r["response"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, ["retried", "first"]);
    let s = stats(&st);
    assert_eq!(s["replaced_failures"], 1);
    assert_eq!(s["duplicate_results"], 1);
    assert_eq!(out.status.code(), Some(1), "a duplicate answer is a data problem");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every record ends merged, rejected or without a result, and the ids
    /// `request` writes are the ids `merge` looks for, whatever the order of
    /// the results and however many variations.
    #[test]
    fn every_record_is_accounted_and_ids_round_trip(
        texts in proptest::collection::vec("[a-z]{1,8}", 1..30),
        answered in proptest::collection::vec(any::<bool>(), 30),
        n in 1u32..4,
        seed in any::<u64>(),
    ) {
        let dir = Dir::new();
        let records: Vec<String> = texts.iter().enumerate().map(|(i, t)| format!(r#"{{"i":{i},"t":"{t}"}}"#)).collect();
        let recs = dir.write("r.jsonl", jsonl(&records.iter().map(String::as_str).collect::<Vec<_>>()));
        let n_arg = n.to_string();
        let out = std_tool("llm-batch")
            .args(["request", "--model", "m", "--prompt", "{{t}}", "--n", &n_arg, "-q"])
            .arg(&recs)
            .output()
            .unwrap();
        prop_assert_eq!(out.status.code(), Some(0));
        let requests = lines(&out);
        prop_assert_eq!(requests.len(), records.len() * n as usize);
        // Answer a subset of the requests, in a shuffled order.
        let mut results: Vec<String> = requests
            .iter()
            .enumerate()
            .filter(|(i, _)| answered[i % answered.len()])
            .map(|(_, r)| openai_ok(r["custom_id"].as_str().unwrap(), "yes"))
            .collect();
        let len = results.len().max(1);
        results.rotate_left((seed as usize) % len);
        let res = dir.write("res.jsonl", jsonl(&results.iter().map(String::as_str).collect::<Vec<_>>()));
        let st = dir.path("s.json");
        let out = std_tool("llm-batch")
            .args(["merge", "--records", recs.to_str().unwrap(), "--n", &n_arg, "-q", "--stats", st.to_str().unwrap()])
            .arg(&res)
            .output()
            .unwrap();
        let s = stats(&st);
        let written = s["records_written"].as_u64().unwrap();
        let rejected: u64 = s["rejected"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        prop_assert_eq!(written + rejected, records.len() as u64, "{}", s);
        prop_assert_eq!(s["results_for_no_record"].as_u64(), Some(0));
        prop_assert_eq!(lines(&out).len(), results.len(), "one line per answered variation");
    }
}

#[test]
fn out_dir_splits_at_the_api_limit_with_a_manifest() {
    let dir = Dir::new();
    let records: String = (0..50_001).map(|i| format!("{{\"t\":\"{i}\"}}\n")).collect();
    let input = dir.write("in.jsonl", records);
    let out_dir = dir.path("batches");
    let out = std_tool("llm-batch")
        .args(["request", "--model", "m", "--prompt", "{{t}}", "-q", "--out-dir"])
        .arg(&out_dir)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{manifest}");
    assert_eq!(files[0]["path"], "requests-0001.jsonl");
    assert_eq!(files[0]["records"], 50_000);
    assert_eq!(files[1]["records"], 1);
    assert_eq!(manifest["requests"], 50_001);
    let first = std::fs::read_to_string(out_dir.join("requests-0001.jsonl")).unwrap();
    assert_eq!(first.lines().count(), 50_000);
    // A second run into the same folder needs --force.
    let again = std_tool("llm-batch")
        .args(["request", "--model", "m", "--prompt", "{{t}}", "-q", "--out-dir"])
        .arg(&out_dir)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn only_missing_asks_again_for_what_has_no_answer() {
    let dir = Dir::new();
    let recs = dir.write(
        "r.jsonl",
        jsonl(&[r#"{"id":"a","q":"1"}"#, r#"{"id":"b","q":"2"}"#, r#"{"id":"c","q":"3"}"#]),
    );
    let failed = json!({"id": "x", "custom_id": "b", "response": null, "error": {"code": "batch_expired", "message": "expired"}}).to_string();
    let res = dir.write("res.jsonl", jsonl(&[&openai_ok("a", "done"), &failed]));
    let out = std_tool("llm-batch")
        .args(["request", "--model", "m", "--prompt", "{{q}}", "--id", "id", "--only-missing"])
        .arg(&res)
        .arg(&recs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ids: Vec<String> =
        lines(&out).iter().map(|r| r["custom_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["b", "c"], "the failed and the unanswered ones");
    assert!(text(&out.stderr).contains("1 already answered"), "{}", text(&out.stderr));
}

#[test]
fn merge_gives_an_id_s_answer_only_to_the_record_that_was_asked() {
    // Two different records with one --id: request wrote one request (for
    // the first); the second must not receive the first one's answer.
    let dir = Dir::new();
    let recs = dir.write(
        "r.jsonl",
        jsonl(&[r#"{"id":"a","q":"1"}"#, r#"{"id":"a","q":"2"}"#, r#"{"id":"a","q":"1"}"#]),
    );
    let res = dir.write("res.jsonl", jsonl(&[&openai_ok("a", "one")]));
    let out = std_tool("llm-batch")
        .args(["merge", "--records", recs.to_str().unwrap(), "--id", "id"])
        .arg(&res)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let merged: Vec<String> =
        lines(&out).iter().map(|r| r["q"].as_str().unwrap().to_string()).collect();
    assert_eq!(merged, ["1", "1"], "the asked record and its identical copy");
    assert!(
        stderr.contains(
            "r.jsonl:2: custom_id a is already used by line 1; this record had no request"
        ),
        "{stderr}"
    );
}

#[test]
fn wrong_flag_values_are_usage_errors_before_any_record() {
    for args in [
        vec!["request", "--model", "m", "--prompt", "{{q}}", "--temperature", "NaN"],
        vec!["request", "--model", "m", "--prompt", "{{q}}", "--temperature", "3"],
        vec!["request", "--model", "", "--prompt", "{{q}}"],
        vec!["request", "--model", "m"],
        vec!["request", "--model", "m", "--prompt", "{{q}}", "--n", "0"],
        vec!["request", "--model", "m", "--prompt", "{{q}}", "--id", "a.*"],
        vec!["request", "--model", "m", "--prompt", "{{q}}", "--records", "r.jsonl"],
        vec!["merge", "res.jsonl"],
        vec!["merge", "--records", "r.jsonl", "--rating", "5..1", "res.jsonl"],
        vec![
            "merge",
            "--records",
            "r.jsonl",
            "--rating",
            "1..5",
            "--rating-pattern",
            "(",
            "res.jsonl",
        ],
        vec!["merge", "--records", "r.jsonl", "--model", "m", "res.jsonl"],
        vec!["bogus"],
    ] {
        let out = batch(&args, "{\"q\":\"x\"}\n");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(text(&out.stderr).starts_with("llm-batch: "), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn r_an_api_message_never_drives_the_terminal() {
    // An error message from a results file went to stderr as it was: an
    // escape sequence in it recoloured (or rewrote) the user's terminal.
    let dir = Dir::new();
    let recs = dir.write("r.jsonl", jsonl(&[r#"{"id":"a"}"#]));
    let hostile =
        json!({"id": "x", "custom_id": "a", "response": {"status_code": 500, "request_id": "r",
        "body": {"error": {"message": "boom\u{1b}[2J\u{202e}gnp"}}}, "error": null})
        .to_string();
    let res = dir.write("res.jsonl", jsonl(&[&hostile]));
    let out = std_tool("llm-batch")
        .args(["merge", "--records", recs.to_str().unwrap(), "--id", "id"])
        .arg(&res)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{202e}'), "{stderr:?}");
    assert!(stderr.contains("boom\\u{1b}[2J\\u{202e}gnp"), "{stderr}");
}
