//! The parsers of persona files, `--expect`, `--phase` and `--split`: no
//! panic on any text, every refusal says something, and what they accept
//! keeps its invariants. A persona file that loads is also used for a run of
//! persona-label, so its rules meet records.

use std::ffi::OsString;

use synthkit::cli::{self, Parsed};
use synthkit::tools::{dist_report, persona_label, phase_split};

use crate::shown;
use crate::tools::{check_run, run_tool};

const EVENTS: &[u8] = br#"{"id":"1","subject":"Design review","bodyPreview":"architecture","importance":"high","organizer":{"emailAddress":{"address":"a@contoso.com"}},"attendees":[{"type":"required","emailAddress":{"address":"b@contoso.com"}}],"start":{"dateTime":"2025-11-10T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-11-10T11:00:00","timeZone":"UTC"}}
{"id":"2","subject":"1:1","isAllDay":true}
not json
"#;

const RECORDS: &[u8] =
    br#"{"id":1,"input":"Context: a\nQuestion: b?","output":"a","meta":{"k":[1,"x"]}}
{"id":2,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"I cannot help"}]}
{"id":3,"output":null}
[1]
"#;

pub fn persona_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mode in [persona_label::Mode::Default, persona_label::Mode::Seed] {
        match persona_label::load_persona_text(text, mode) {
            Ok(()) => {
                assert!(
                    serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'))
                        .is_ok_and(|v| v.is_object()),
                    "a persona that is not one JSON object loaded: {}",
                    shown(data)
                );
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "refused without a reason: {}", shown(data));
                assert!(errors.iter().all(|e| !e.is_empty()), "an empty reason: {}", shown(data));
                return;
            }
        }
    }
    let args = ["--persona", "{dir}/persona.json", "--timestamp", "none"];
    let run = run_tool("persona-label", &args, EVENTS, &[("persona.json", data)], 1);
    check_run("persona-label", None, true, &run, EVENTS);
}

pub fn expect(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = dist_report::expect::parse(text);
    match &parsed {
        Ok(e) => assert_eq!(e.to_string(), e.text, "an expectation shows its text"),
        Err(why) => assert!(!why.is_empty()),
    }
    // The command line agrees with the parser.
    let argv = ["dist-report".into(), OsString::from(format!("--expect={text}"))];
    let cli = cli::parse_from::<dist_report::Cli, _, _>(dist_report::TOOL.doc, argv);
    assert_eq!(cli.is_ok(), parsed.is_ok(), "--expect={} on the command line", shown(data));
}

pub fn phase_rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let argv = ["phase-split".into(), OsString::from(format!("--phase={text}"))];
    match cli::parse_from::<phase_split::Cli, _, _>(phase_split::TOOL.doc, argv) {
        Ok(Parsed::Run(cli)) => {
            assert_eq!(cli.phase_rules.len(), 1);
            let name = &cli.phase_rules[0].name;
            assert!(!name.is_empty() && !name.contains(',') && !name.chars().any(char::is_control));
            // The rule meets records: each one is in some phase, or rejected.
            let rule = format!("--phase={text}");
            let args = [rule.as_str(), "--phase", "rest", "--no-tag"];
            let run = run_tool("phase-split", &args, RECORDS, &[], 1);
            check_run("phase-split", None, true, &run, RECORDS);
        }
        Ok(Parsed::Generated) => panic!("--generate was not asked for"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

pub fn split_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let argv = ["phase-split".into(), OsString::from(format!("--split={text}"))];
    match cli::parse_from::<phase_split::Cli, _, _>(phase_split::TOOL.doc, argv) {
        Ok(Parsed::Run(cli)) => {
            let spec = cli.split.expect("--split was given");
            assert!(!spec.names.is_empty() && spec.names.len() == spec.weights.len());
            let sum: f64 = spec.weights.iter().sum();
            assert!((sum - 1.0).abs() < 1e-9, "weights of {} sum to {sum}", shown(data));
            assert!(spec.weights.iter().all(|w| w.is_finite() && *w >= 0.0), "{spec:?}");
            for (i, a) in spec.names.iter().enumerate() {
                assert!(!a.is_empty() && !a.starts_with('.') && !a.contains('/'), "{a:?}");
                for b in &spec.names[i + 1..] {
                    assert!(!a.eq_ignore_ascii_case(b), "{a:?} and {b:?}");
                }
            }
        }
        Ok(Parsed::Generated) => panic!("--generate was not asked for"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
