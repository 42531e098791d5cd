//! fmt-migrate on the formats the most downloaded datasets ship in (issue
//! 15): Anthropic HH-RLHF transcripts, OpenAssistant message trees, shapes
//! built by --extract and --template before detection, positions in whole
//! documents, and SQuAD's answerability marker carried to phase-split.

use crate::util::{Dir, jsonl, run_with_stdin, stats, std_tool, text};

use super::{lines, migrate, one};

const HH: &str = r#"{"chosen":"\n\nHuman: What is 2+2?\n\nAssistant: 4.","rejected":"\n\nHuman: What is 2+2?\n\nAssistant: 5.","id":1}"#;
const HH_LONG: &str = r#"{"chosen":"\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Add 1\n\nAssistant: 2","rejected":"\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Add 1\n\nAssistant: 3"}"#;

#[test]
fn hh_rlhf_pairs_convert_to_every_target() {
    let cases = [
        (
            "preference",
            r#"{"prompt":"\n\nHuman: What is 2+2?\n\nAssistant:","chosen":"4.","rejected":"5.","id":1}"#,
        ),
        (
            "preference-messages",
            r#"{"prompt":[{"role":"user","content":"What is 2+2?"}],"chosen":[{"role":"assistant","content":"4."}],"rejected":[{"role":"assistant","content":"5."}],"id":1}"#,
        ),
        (
            "messages",
            r#"{"messages":[{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":"4."}],"id":1}"#,
        ),
        (
            "sharegpt",
            r#"{"conversations":[{"from":"human","value":"What is 2+2?"},{"from":"gpt","value":"4."}],"id":1}"#,
        ),
        ("alpaca", r#"{"instruction":"What is 2+2?","input":"","output":"4.","id":1}"#),
    ];
    for (to, want) in cases {
        assert_eq!(one(&["--to", to], HH), want, "--to {to}");
        assert_eq!(one(&["--from", "hh-rlhf", "--to", to], HH), want, "--from hh-rlhf --to {to}");
    }
    // A multi-turn pair: the shared prompt is every turn before the last.
    assert_eq!(
        one(&["--to", "preference-messages"], HH_LONG),
        r#"{"prompt":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Add 1"}],"chosen":[{"role":"assistant","content":"2"}],"rejected":[{"role":"assistant","content":"3"}]}"#
    );
    assert_eq!(
        one(&["--to", "preference"], HH_LONG),
        r#"{"prompt":"\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Add 1\n\nAssistant:","chosen":"2","rejected":"3"}"#
    );
    let out = migrate(&["--detect"], &jsonl(&[HH, HH_LONG]));
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("2 records: 2 hh-rlhf;"), "{}", text(&out.stderr));
}

#[test]
fn hh_rlhf_markers_inside_a_turn_do_not_split_it() {
    // "Human:" inside a line, a human turn quoting "\n\nHuman: …", and an
    // "\n\nAssistant:" glued to text are all text of their turn.
    let side = |answer: &str| {
        format!(
            r#"\n\nHuman: Reply with Human: and then\n\nHuman: quoted\n\nAssistant: As the Assistant: {answer}\n\nAssistant:x"#
        )
    };
    let record = format!(r#"{{"chosen":"{}","rejected":"{}"}}"#, side("yes"), side("no"));
    assert_eq!(
        one(&["--to", "preference-messages"], &record),
        r#"{"prompt":[{"role":"user","content":"Reply with Human: and then\n\nHuman: quoted"}],"chosen":[{"role":"assistant","content":"As the Assistant: yes\n\nAssistant:x"}],"rejected":[{"role":"assistant","content":"As the Assistant: no\n\nAssistant:x"}]}"#
    );
}

#[test]
fn hh_rlhf_sides_with_different_prompts_are_bad_records() {
    let other =
        r#"{"chosen":"\n\nHuman: A?\n\nAssistant: 1","rejected":"\n\nHuman: B?\n\nAssistant: 2"}"#;
    let longer = r#"{"chosen":"\n\nHuman: A?\n\nAssistant: 1","rejected":"\n\nHuman: A?\n\nAssistant: 1\n\nHuman: more\n\nAssistant: 2"}"#;
    let no_answer = r#"{"chosen":"\n\nHuman: A?\n\nAssistant: 1\n\nHuman: and?","rejected":"\n\nHuman: A?\n\nAssistant: 2"}"#;
    let out = migrate(&["--to", "messages"], &jsonl(&[HH, other, longer, no_answer]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(":2: chosen and rejected do not share the prompt: they differ at turn 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            ":3: chosen and rejected do not share the prompt: chosen has 1 turns before its response, rejected 3"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(":4: chosen ends with a Human turn"), "{stderr}");
    assert!(stderr.contains("3 rejected (2 chosen and rejected do not share the prompt, 1 transcript ends without an Assistant turn)"), "{stderr}");
}

/// An oasst export tree: a ranked first level, a deleted reply with a reply
/// under it, a reply that failed review, a deeper ranked pair, an unranked
/// reply, and a prompter message nobody answered.
const TREE: &str = r#"{"message_tree_id":"t1","tree_state":"ready_for_export","prompt":{"message_id":"p","parent_id":null,"text":"Q","role":"prompter","lang":"en","review_count":3,"review_result":true,"deleted":false,"rank":null,"replies":[{"message_id":"a1","parent_id":"p","text":"A1","role":"assistant","lang":"en","rank":1,"replies":[{"message_id":"p2","parent_id":"a1","text":"more?","role":"prompter","replies":[]}]},{"message_id":"a0","parent_id":"p","text":"A0","role":"assistant","lang":"en","rank":0,"replies":[{"message_id":"p3","parent_id":"a0","text":"Q2","role":"prompter","replies":[{"message_id":"b","text":"B","role":"assistant","rank":0},{"message_id":"b2","text":"B2","role":"assistant","rank":1},{"message_id":"b3","text":"B3","role":"assistant","rank":null}]}]},{"message_id":"ax","text":"gone","role":"assistant","deleted":true,"rank":null,"replies":[{"message_id":"px","text":"x","role":"prompter"}]},{"message_id":"ar","text":"rude","role":"assistant","review_result":false},{"message_id":"a2","text":"A2","role":"assistant","rank":2}]},"origin":"oasst"}"#;
const LONELY: &str = r#"{"message_tree_id":"t2","prompt":{"message_id":"q","text":"lonely","role":"prompter","replies":[]}}"#;

#[test]
fn oasst_trees_give_one_conversation_per_path() {
    let dir = Dir::new();
    let stats_file = dir.path("stats.json");
    let out = migrate(
        &["--to", "messages", "--stats", stats_file.to_str().unwrap()],
        &jsonl(&[TREE, LONELY]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tail = r#""message_tree_id":"t1","tree_state":"ready_for_export","origin":"oasst""#;
    let conversation = |turns: &[(&str, &str)], ids: &str| {
        let messages: Vec<String> = turns
            .iter()
            .map(|(role, content)| format!(r#"{{"role":"{role}","content":"{content}"}}"#))
            .collect();
        format!(
            r#"{{"messages":[{}],{tail},"message_ids":[{ids}],"lang":"en"}}"#,
            messages.join(",")
        )
    };
    assert_eq!(
        lines(&out),
        [
            conversation(&[("user", "Q"), ("assistant", "A1")], r#""p","a1""#),
            conversation(
                &[("user", "Q"), ("assistant", "A0"), ("user", "Q2"), ("assistant", "B")],
                r#""p","a0","p3","b""#
            ),
            conversation(
                &[("user", "Q"), ("assistant", "A0"), ("user", "Q2"), ("assistant", "B2")],
                r#""p","a0","p3","b2""#
            ),
            conversation(
                &[("user", "Q"), ("assistant", "A0"), ("user", "Q2"), ("assistant", "B3")],
                r#""p","a0","p3","b3""#
            ),
            conversation(&[("user", "Q"), ("assistant", "A2")], r#""p","a2""#),
        ]
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("converted 1 of 2 records to messages (50.0%): 1 from oasst-tree, giving 5 records; 1 left out (1 oasst tree has no answered prompt); 0 rejected"), "{stderr}");
    assert!(
        stderr.contains(
            "messages left out: 1 deleted, 1 failed review, 1 under those; 2 prompts unanswered"
        ),
        "{stderr}"
    );
    let s = stats(&stats_file);
    assert_eq!(s["records_in"], 2);
    assert_eq!(s["records_written"], 1);
    assert_eq!(s["lines_out"], 5);
    assert_eq!(s["filtered"]["oasst tree has no answered prompt"], 1);
    assert_eq!(s["oasst_trees"]["records_out"], 5);
    assert_eq!(s["oasst_trees"]["deleted"], 1);
    assert_eq!(s["oasst_trees"]["failed_review"], 1);
    assert_eq!(s["oasst_trees"]["under_left_out"], 1);
    // sharegpt too, and --drop-extra keeps the ids a split groups by.
    let got = migrate(&["--to", "sharegpt", "--drop-extra"], &jsonl(&[TREE]));
    assert_eq!(
        lines(&got)[0],
        r#"{"conversations":[{"from":"human","value":"Q"},{"from":"gpt","value":"A1"}],"message_tree_id":"t1","message_ids":["p","a1"]}"#
    );
}

#[test]
fn oasst_pairs_follow_the_pair_rule() {
    let pairs = |args: &[&str]| {
        let out = migrate(args, &jsonl(&[TREE, LONELY]));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let got: Vec<(String, String)> = lines(&out)
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["chosen_id"].as_str().unwrap().into(), v["rejected_id"].as_str().unwrap().into())
            })
            .collect();
        (got, text(&out.stderr))
    };
    let ids = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    let (got, stderr) = pairs(&["--to", "preference-messages"]);
    assert_eq!(got, ids(&[("a0", "a2"), ("b", "b2")]));
    assert!(stderr.contains("1 unranked replies not paired"), "{stderr}");
    let (got, _) = pairs(&["--to", "preference-messages", "--pairs", "best-rest"]);
    assert_eq!(got, ids(&[("a0", "a1"), ("a0", "a2"), ("b", "b2")]));
    let (got, _) = pairs(&["--to", "preference-messages", "--pairs", "all"]);
    assert_eq!(got, ids(&[("a0", "a1"), ("a0", "a2"), ("a1", "a2"), ("b", "b2")]));
    // preference holds a one-turn prompt: the deeper pair is counted, not written.
    let (got, stderr) = pairs(&["--to", "preference"]);
    assert_eq!(got, ids(&[("a0", "a2")]));
    assert!(
        stderr.contains(
            "1 pairs under a multi-turn prompt left out (--to preference-messages keeps them)"
        ),
        "{stderr}"
    );
    assert_eq!(
        one(&["--to", "preference"], TREE),
        r#"{"prompt":"Q","chosen":"A0","rejected":"A2","message_tree_id":"t1","tree_state":"ready_for_export","origin":"oasst","message_ids":["p"],"lang":"en","chosen_id":"a0","rejected_id":"a2"}"#
    );
    let out = migrate(&["--from", "oasst-tree", "--to", "input-output"], &jsonl(&[TREE]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn oasst_bad_trees_are_bad_records_and_output_is_the_same_for_every_thread_count() {
    let same_role = r#"{"message_tree_id":"t3","prompt":{"message_id":"r","text":"Q","role":"prompter","replies":[{"message_id":"s","text":"Q again","role":"prompter"}]}}"#;
    let odd_role = "{\"message_tree_id\":\"t4\",\"prompt\":{\"message_id\":\"r\",\"text\":\"Q\",\"role\":\"\\u001b[31mnarrator\"}}";
    let out = migrate(&["--to", "messages"], &jsonl(&[same_role, odd_role]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(":1: message s replies to a message of its own role (prompter)"),
        "{stderr}"
    );
    assert!(stderr.contains(r"unknown role '\u{1b}[31mnarrator'"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "raw ESC reached the terminal: {stderr}");
    // Many trees, many chunks: the same bytes whatever -j.
    let mut records = Vec::new();
    for i in 0..300 {
        records.push(TREE.replace("\"t1\"", &format!("\"t{i}\"")));
        if i % 7 == 0 {
            records.push(LONELY.to_string());
        }
    }
    let input = records.join("\n") + "\n";
    let run = |threads: &str, chunk: &str| {
        let mut cmd = std_tool("fmt-migrate");
        cmd.args(["--to", "preference-messages", "-j", threads]);
        cmd.env("SYNTHKIT_CHUNK_BYTES", chunk);
        run_with_stdin(cmd, input.as_bytes())
    };
    let reference = run("1", "67108864");
    assert_eq!(reference.status.code(), Some(0));
    assert_eq!(lines(&reference).len(), 300 * 2);
    for (threads, chunk) in [("2", "4096"), ("4", "1000")] {
        let out = run(threads, chunk);
        assert_eq!(out.stdout, reference.stdout);
        assert_eq!(out.stderr, reference.stderr);
    }
}

#[test]
fn extract_and_template_build_the_input_shape_before_detection() {
    let record = r#"{"question":"Why?","chosen":"Because.","rejected":"No.","n":1}"#;
    let out = migrate(&["--detect"], &jsonl(&[record]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(
        "matches no shape (fields: question, chosen, rejected, n); nearest: preference, which lacks the field prompt"
    ), "{}", text(&out.stderr));
    // --detect sees the record as the template makes it.
    let out = migrate(&["--detect", "--template", "prompt={{question}}"], &jsonl(&[record]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("1 record: 1 preference;"), "{}", text(&out.stderr));
    assert_eq!(
        one(&["--to", "preference-messages", "--template", "prompt={{question}}"], record),
        r#"{"prompt":[{"role":"user","content":"Why?"}],"chosen":[{"role":"assistant","content":"Because."}],"rejected":[{"role":"assistant","content":"No."}],"n":1}"#
    );
    // An in-house shape: the templates make prompt and response, --extract a field.
    let house = r#"{"q":"Name a colour","a":"Blue, as in label: sky","id":"h1"}"#;
    assert_eq!(
        one(
            &[
                "--to",
                "messages",
                "--template",
                "prompt={{q}}",
                "--template",
                "response={{a}}",
                "--extract",
                "label=a:label: (\\w+)"
            ],
            house
        ),
        r#"{"messages":[{"role":"user","content":"Name a colour"},{"role":"assistant","content":"Blue, as in label: sky"}],"id":"h1","label":"sky"}"#
    );
    // With --from SHAPE the templates build that shape's own fields.
    assert_eq!(
        one(
            &[
                "--from",
                "input-output",
                "--to",
                "messages",
                "--template",
                "prompt={{q}}",
                "--template",
                "response={{a}}"
            ],
            house
        ),
        r#"{"messages":[{"role":"user","content":"Name a colour"},{"role":"assistant","content":"Blue, as in label: sky"}],"id":"h1"}"#
    );
    // A record already of a shape is not rebuilt: the template replaces its turn.
    assert_eq!(
        one(
            &["--to", "messages", "--template", "prompt=Q: {{prompt}}"],
            r#"{"prompt":"x","response":"y"}"#
        ),
        r#"{"messages":[{"role":"user","content":"Q: x"},{"role":"assistant","content":"y"}]}"#
    );
}

#[test]
fn no_shape_messages_name_the_nearest_shape_and_the_field_it_lacks() {
    let out = migrate(
        &["--to", "messages"],
        &jsonl(&[
            r#"{"instruction":"Sum 1 and 2"}"#,
            r#"{"input":"x","answer":"y"}"#,
            r#"{"z":1}"#,
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(":1: matches no shape (fields: instruction); nearest: alpaca, which lacks the field output"), "{stderr}");
    assert!(stderr.contains(":2: matches no shape (fields: input, answer); nearest: input-output, which lacks the field output"), "{stderr}");
    assert!(stderr.contains(":3: matches no shape (fields: z)\n"), "{stderr}");
}

#[test]
fn r_the_nearest_shape_of_a_record_with_a_prompt_field_is_the_one_sharing_most_fields() {
    // What broke: every shape lacking one field tied, and the first in
    // detection order won, so a string prompt made oasst-tree (which needs
    // message_tree_id and an object prompt) the "nearest" shape of
    // {prompt, rejected}, {prompt, answer} and {system, prompt}.
    let out = migrate(
        &["--detect"],
        &jsonl(&[
            r#"{"prompt":"p","rejected":"r"}"#,
            r#"{"prompt":"p","answer":"a"}"#,
            r#"{"system":"s","prompt":"p"}"#,
            r#"{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"a"}]}"#,
            r#"{"message_tree_id":"t","answer":"a"}"#,
            r#"{"chosen":"\n\nHuman: hi\n\nAssistant: yo"}"#,
        ]),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("nearest: oasst-tree, which lacks the field message_tree_id"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":1: matches no shape (fields: prompt, rejected); nearest: preference, which lacks the field chosen (build it with"),
        "{stderr}"
    );
    // Equally near shapes are all named, so none is passed off as the one.
    assert!(
        stderr.contains(":2: matches no shape (fields: prompt, answer); nearest: prompt-output, which lacks the field output; as near: supervised, which lacks the field response; prompt-completion, which lacks the field completion; qa, which lacks the field question (build what the one you mean lacks with"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":3: matches no shape (fields: system, prompt); nearest: prompt-output, which lacks the field output; as near: supervised, which lacks the field response; prompt-completion, which lacks the field completion ("),
        "{stderr}"
    );
    // Lists of messages are preference-messages' kind, not preference's.
    assert!(stderr.contains(":4: matches no shape (fields: prompt, chosen); nearest: preference-messages, which lacks the field rejected ("), "{stderr}");
    // Without a prompt, oasst-tree is as near as any other.
    assert!(stderr.contains(":5: matches no shape (fields: message_tree_id, answer); nearest: oasst-tree, which lacks the field prompt; as near: qa, which lacks the field question ("), "{stderr}");
    assert!(stderr.contains(":6: matches no shape (fields: chosen); nearest: hh-rlhf, which lacks the field rejected ("), "{stderr}");
}

#[test]
fn r_template_parts_are_named_known_parts_in_any_order() {
    // What broke: a PART= prefix naming no part was read as the prompt's
    // text (--template 'instruction={{q}}' built the prompt "instruction=x"),
    // and so took the prompt's place: --template 'completion={{a}}'
    // --template 'prompt={{q}}' failed with "that part already has a template".
    let house = r#"{"q":"x","a":"y"}"#;
    for spec in ["instruction={{q}}", "completion={{a}}", "Answer={{a}}"] {
        let out = migrate(&["--to", "messages", "--template", spec], &jsonl(&[house]));
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let stderr = text(&out.stderr);
        let name = spec.split('=').next().unwrap();
        assert!(
            stderr.contains(&format!("--template {spec}: `{name}` is not a template part; the parts are prompt=, response= and system=")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("--template 'prompt={spec}'")), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // Each part once, in any order; prompt= makes a literal `word=` text.
    let want = r#"{"messages":[{"role":"system","content":"S x"},{"role":"user","content":"instruction=x"},{"role":"assistant","content":"y"}]}"#;
    for order in [
        ["response={{a}}", "system=S {{q}}", "prompt=instruction={{q}}"],
        ["system=S {{q}}", "prompt=instruction={{q}}", "response={{a}}"],
    ] {
        let mut args = vec!["--to", "messages"];
        for spec in order {
            args.extend(["--template", spec]);
        }
        assert_eq!(one(&args, house), want, "{order:?}");
    }
    // Text that is no `word=` stays the prompt, as before.
    assert_eq!(
        one(
            &["--to", "messages", "--template", "Q: {{q}} (a=b)", "--template", "response={{a}}"],
            house
        ),
        r#"{"messages":[{"role":"user","content":"Q: x (a=b)"},{"role":"assistant","content":"y"}]}"#
    );
    // A part given twice (no PART= is the prompt) is still a usage error naming both.
    let out = migrate(
        &["--to", "messages", "--template", "{{q}}", "--template", "prompt={{a}}"],
        &jsonl(&[house]),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "--template prompt={{a}}: the prompt has a template already (--template {{q}})"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn r_without_to_template_and_extract_alike_write_a_record_of_no_shape_as_built() {
    // What broke: without --to, --extract wrote a record of no shape with its
    // field, but --template made the same record a bad record ("matches no
    // shape"), though nothing asked for a shape.
    let input =
        jsonl(&[r#"{"q":"x","n":1}"#, r#"{"prompt":"p","response":"r","q":"y"}"#, r#"{"z":1}"#]);
    let dir = Dir::new();
    let s = dir.path("s.json");
    let run = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend(["--stats", s.to_str().unwrap()]);
        let out = migrate(&args, &input);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out.stderr));
        let st = stats(&s);
        // in = out + filtered + rejected: only the record without q is bad.
        assert_eq!((st["records_in"].as_u64(), st["records_written"].as_u64()), (Some(3), Some(2)));
        assert_eq!(st["rejected"]["missing q"], 1, "{st}");
        (lines(&out), text(&out.stderr), st)
    };
    let (got, _, _) = run(&["--extract", "f=q:(.*)"]);
    assert_eq!(
        got,
        [r#"{"q":"x","n":1,"f":"x"}"#, r#"{"prompt":"p","response":"r","q":"y","f":"y"}"#]
    );
    let (got, stderr, st) = run(&["--template", "prompt=Q: {{q}}"]);
    // The record of no shape is written as built; the supervised one gets the template.
    assert_eq!(got, [r#"{"q":"x","n":1,"prompt":"Q: x"}"#, r#"{"prompt":"Q: y","response":"r"}"#]);
    assert!(stderr.contains(": 1 supervised, 1 of no shape, as built; 1 rejected"), "{stderr}");
    assert_eq!(st["no_shape_written"], 1);
    // A shape is needed with --to, --detect or --system: there it is a bad record.
    for args in [&["--to", "messages"][..], &["--detect"], &["--system", "S"]] {
        let mut args = args.to_vec();
        args.extend(["--template", "prompt=Q: {{q}}"]);
        let out = migrate(&args, &jsonl(&[r#"{"q":"x"}"#]));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(text(&out.stderr).contains("matches no shape (fields: q, prompt)"), "{args:?}");
    }
}

#[test]
fn detect_on_documents_reports_positions_in_the_document() {
    let dir = Dir::new();
    let array = dir.write(
        "a.json",
        r#"[{"z":1},{"prompt":"p","response":"r"},{"prompt":"p","response":"r"},{"messages":[]}]"#,
    );
    let out = std_tool("fmt-migrate")
        .args(["--detect", "--from", "json-array"])
        .arg(&array)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("a.json:1: matches no shape (fields: z) (at /0)"), "{stderr}");
    assert!(stderr.contains("supervised: 2 (50.0%), first at lines 1 (/1), 1 (/2)"), "{stderr}");
    assert!(stderr.contains("messages: 1 (25.0%), first at line 1 (/3)"), "{stderr}");
    let squad = dir.write("s.json", squad_file());
    let out =
        std_tool("fmt-migrate").args(["--detect", "--from", "squad"]).arg(&squad).output().unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("first at lines 1 (/data/0/paragraphs/0/qas/0), 1 (/data/0/paragraphs/0/qas/1), 1 (/data/1/paragraphs/0/qas/0)"),
        "{stderr}"
    );
}

#[test]
fn a_multi_turn_preference_record_is_pointed_to_preference_messages() {
    let out = migrate(&["--to", "preference"], &jsonl(&[HH_LONG]));
    // The hh transcript form holds it; a message-list pair does not.
    assert_eq!(out.status.code(), Some(0));
    let pair = r#"{"prompt":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}],"chosen":[{"role":"assistant","content":"d"}],"rejected":[{"role":"assistant","content":"e"}]}"#;
    let out = migrate(&["--to", "preference"], &jsonl(&[pair]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "(convert it to preference-messages, sharegpt or alpaca, which hold it whole)"
        ),
        "{stderr}"
    );
    // ... and the target named accepts it.
    assert_eq!(one(&["--to", "preference-messages"], pair), pair);
}

#[test]
fn r_the_hint_for_a_pair_a_shape_cannot_hold_names_only_shapes_that_take_it() {
    // What broke: --to messages on a multi-turn preference record suggested
    // "preference, preference-messages, sharegpt or alpaca", and preference
    // rejects a prompt of several turns.
    let multi = r#"{"prompt":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}],"chosen":[{"role":"assistant","content":"d"}],"rejected":[{"role":"assistant","content":"e"}]}"#;
    // A field on a response turn: sharegpt and the message lists keep it,
    // alpaca (strings only) cannot, so alpaca is not named.
    let named = r#"{"prompt":[{"role":"user","content":"a"}],"chosen":[{"role":"assistant","content":"d","weight":1}],"rejected":[{"role":"assistant","content":"e"}]}"#;
    let single = r#"{"prompt":"p","chosen":"c","rejected":"r"}"#;
    for (record, to, want) in [
        (
            multi,
            "messages",
            "(convert it to preference-messages, sharegpt or alpaca, which hold it whole)",
        ),
        (
            multi,
            "supervised",
            "(convert it to preference-messages, sharegpt or alpaca, which hold it whole)",
        ),
        (
            multi,
            "teacher",
            "(convert it to preference-messages, sharegpt or alpaca, which hold it whole)",
        ),
        (
            multi,
            "preference",
            "this record has 3 turns (convert it to preference-messages, sharegpt or alpaca, which hold it whole)",
        ),
        (named, "messages", "(convert it to preference-messages or sharegpt, which hold it whole)"),
        (
            single,
            "messages",
            "(convert it to preference, preference-messages, sharegpt or alpaca, which hold it whole)",
        ),
    ] {
        let out = migrate(&["--to", to], &jsonl(&[record]));
        assert_eq!(out.status.code(), Some(1), "{to}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(want), "--to {to}: {stderr}");
        assert!(
            !stderr.contains("preference, preference-messages") || record == single,
            "{stderr}"
        );
        // ... and every shape the hint names takes the record.
        let list = want.split("convert it to ").nth(1).unwrap().split(", which").next().unwrap();
        for shape in list.split([',', ' ']).filter(|w| !w.is_empty() && *w != "or") {
            let out = migrate(&["--to", shape], &jsonl(&[record]));
            assert_eq!(out.status.code(), Some(0), "--to {shape}: {}", text(&out.stderr));
        }
    }
    // A conversation of several exchanges too, for the one-exchange shapes.
    let long = r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d"}]}"#;
    let out = migrate(&["--to", "qa"], &jsonl(&[long]));
    assert!(
        text(&out.stderr).contains("this record has 4 turns (convert it to messages, sharegpt or alpaca, which hold it whole)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn r_pairs_needs_a_target_that_makes_pairs() {
    // What broke: --pairs was silently ignored with a target that makes no
    // pairs (--to messages gave conversations whatever the rule).
    for args in [
        &["--to", "messages", "--pairs", "all"][..],
        &["--to", "sharegpt", "--pairs", "best-rest"],
        &["--to", "csv", "--pairs", "all"],
        &["--pairs", "all"],
        &["--detect", "--pairs", "all"],
        &["--from", "alpaca", "--to", "preference", "--pairs", "all"],
    ] {
        let out = migrate(args, &jsonl(&[TREE]));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(
                "--pairs chooses which ranked OpenAssistant replies become preference pairs, so it needs --to preference or --to preference-messages; "
            ),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    for args in [
        &["--to", "preference-messages", "--pairs", "all"][..],
        &["--from", "oasst-tree", "--to", "preference", "--pairs", "best-worst"],
    ] {
        assert_eq!(migrate(args, &jsonl(&[TREE])).status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn r_replies_of_equal_rank_are_counted_not_silently_unpaired() {
    // What broke: sibling replies with tied ranks (0, 0) gave no pair and
    // no reason: the tree was "left out (no ranked pair of replies)" and a
    // tie beside other pairs was not counted anywhere.
    let tied = r#"{"message_tree_id":"tt","prompt":{"message_id":"p","text":"Q","role":"prompter","replies":[{"message_id":"a","text":"A","role":"assistant","rank":0},{"message_id":"b","text":"B","role":"assistant","rank":0}]}}"#;
    let three = r#"{"message_tree_id":"t3","prompt":{"message_id":"p","text":"Q","role":"prompter","replies":[{"message_id":"a","text":"A","role":"assistant","rank":0},{"message_id":"b","text":"B","role":"assistant","rank":0},{"message_id":"c","text":"C","role":"assistant","rank":1}]}}"#;
    let dir = Dir::new();
    let s = dir.path("s.json");
    let run = |rule: &str| {
        let args = ["--to", "preference-messages", "--pairs", rule, "--stats", s.to_str().unwrap()];
        let out = migrate(&args, &jsonl(&[tied, three]));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let st = stats(&s);
        assert_eq!(st["records_in"], 2);
        (lines(&out).len(), text(&out.stderr), st)
    };
    let (written, stderr, st) = run("all");
    // all: a-c and b-c from the second tree; a-b of each tree tied.
    assert_eq!(written, 2);
    assert_eq!(st["oasst_trees"]["tied_pairs"], 2, "{st}");
    assert_eq!(
        st["filtered"]["oasst tree has only equally ranked replies (no preference between them)"],
        1,
        "{st}"
    );
    assert!(
        stderr
            .contains("; 2 pairs of equally ranked replies not made (no preference between them)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 left out (1 oasst tree has only equally ranked replies"),
        "{stderr}"
    );
    let (written, _, st) = run("best-worst");
    assert_eq!(written, 1);
    assert_eq!(st["oasst_trees"]["tied_pairs"], 1, "{st}");
    let (written, _, st) = run("best-rest");
    assert_eq!(written, 1);
    assert_eq!(st["oasst_trees"]["tied_pairs"], 2, "{st}");
}

/// A compact (one-line) SQuAD 2.0 file: two articles, answerable and
/// unanswerable questions.
fn squad_file() -> String {
    r#"{"version":"v2.0","data":[{"title":"Normans","paragraphs":[{"context":"The Normans lived in Normandy, in France.","qas":[{"question":"Where is Normandy?","id":"n1","answers":[{"text":"France","answer_start":34}],"is_impossible":false},{"question":"Who ruled Mars?","id":"n2","answers":[],"plausible_answers":[{"text":"Normans","answer_start":4}],"is_impossible":true}]}]},{"title":"Rivers","paragraphs":[{"context":"The Seine flows through Paris.","qas":[{"question":"What flows through Lyon?","id":"r1","answers":[],"is_impossible":true},{"question":"What flows through Paris?","id":"r2","answers":[{"text":"The Seine","answer_start":0}],"is_impossible":false}]}]}]}"#.to_string()
}

#[test]
fn squad_answerability_is_carried_in_every_shape() {
    let dir = Dir::new();
    let squad = dir.write("s.json", squad_file());
    for to in [
        "input-output",
        "messages",
        "sharegpt",
        "alpaca",
        "supervised",
        "prompt-completion",
        "qa",
        "prompt-output",
        "json-array",
    ] {
        for drop in [false, true] {
            let mut cmd = std_tool("fmt-migrate");
            cmd.args(["--from", "squad", "--to", to]).arg(&squad);
            if drop {
                cmd.arg("--drop-extra");
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{to}: {}", text(&out.stderr));
            let records: Vec<serde_json::Value> = if to == "json-array" {
                serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
            } else {
                lines(&out).iter().map(|l| serde_json::from_str(l).unwrap()).collect()
            };
            let flags: Vec<bool> =
                records.iter().map(|r| r["is_impossible"].as_bool().unwrap()).collect();
            assert_eq!(flags, [false, true, true, false], "--to {to} (drop {drop})");
        }
    }
}

#[test]
fn squad_refusals_reach_phase_splits_refusal_phase_whatever_the_text() {
    let dir = Dir::new();
    let squad = dir.write("s.json", squad_file());
    // None of the last two matches a built-in refusal pattern.
    for refusal in
        ["Not found in provided context.", "I don't know.", "Zebra crossing ahead.", "Paris"]
    {
        // Every shape that keeps the record (sharegpt, qa and alpaca were
        // rejected "no answer" or read without their passage: review finding).
        for to in [
            "input-output",
            "messages",
            "supervised",
            "prompt-completion",
            "sharegpt",
            "qa",
            "alpaca",
            "prompt-output",
        ] {
            let out = std_tool("fmt-migrate")
                .args(["--from", "squad", "--to", to, "--refusal", refusal])
                .arg(&squad)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let split = run_with_stdin(std_tool("phase-split"), &out.stdout);
            assert_eq!(split.status.code(), Some(0), "{to} {refusal}: {}", text(&split.stderr));
            let records: Vec<serde_json::Value> =
                lines(&split).iter().map(|l| serde_json::from_str(l).unwrap()).collect();
            assert_eq!(records.len(), 4);
            for record in &records {
                // The answerable ones are spans of their passage: extractive.
                let want = if record["is_impossible"] == true { "refusal" } else { "extractive" };
                assert_eq!(record["phase"], want, "--to {to} --refusal {refusal:?}: {record}");
            }
        }
    }
}

#[test]
fn r_oasst_tree_stats_of_shards_merge_into_the_whole_runs() {
    // Found by the scale-out test: keys added to fmt-migrate's --stats
    // (no_shape_written, oasst_trees) had no shard-merge rule, so merging
    // every fmt-migrate run's stats was refused.
    let dir = Dir::new();
    let trees = [TREE, LONELY, TREE];
    let run = |records: &[&str], name: &str| {
        let stats_file = dir.path(name);
        let mut cmd = std_tool("fmt-migrate");
        cmd.args(["--to", "preference-messages", "--pairs", "all", "-q", "--stats"])
            .arg(&stats_file);
        let out = run_with_stdin(cmd, jsonl(records).as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        stats_file
    };
    let whole = run(&trees, "whole.json");
    run(&trees[..1], "a.json");
    run(&trees[1..], "b.json");
    dir.write("map.jsonl", "{\"file\":\"<stdin>\",\"stats\":\"a.json\"}\n{\"file\":\"<stdin>\",\"stats\":\"b.json\"}\n");
    let out = std_tool("shard-merge")
        .args(["stats", "--map", "map.jsonl", "a.json", "b.json", "-o", "m.json"])
        .current_dir(dir.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (merged, whole) = (stats(&dir.path("m.json")), stats(&whole));
    assert_eq!(merged["oasst_trees"], whole["oasst_trees"]);
    assert_eq!(merged["no_shape_written"], whole["no_shape_written"]);
    assert_eq!(merged["records_out"], whole["records_out"]);
}
