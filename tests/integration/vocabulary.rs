//! One vocabulary across the tools (issue 14): the same long flag has the
//! same value name, takes a value or not alike, sits under the same help
//! heading and is listed with its meaning in ARCHITECTURE.md's vocabulary
//! table; shared headings come in one order; `-` is standard output for
//! every output flag, and only one output may be standard output.

use std::collections::BTreeMap;
use std::path::Path;

use crate::conventions::SPECS;
use crate::util::{Dir, jsonl, run_with_stdin, std_tool, text};

/// One visible long flag of one tool.
#[derive(Debug, Clone, PartialEq)]
struct Flag {
    tool: &'static str,
    value: String,
    takes_value: bool,
    heading: String,
}

fn flags() -> BTreeMap<String, Vec<Flag>> {
    let mut by_name: BTreeMap<String, Vec<Flag>> = BTreeMap::new();
    for tool in synthkit::TOOLS {
        let mut cmd = (tool.command)();
        cmd.build();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "help" | "version") {
                continue;
            }
            let takes_value =
                matches!(arg.get_action(), clap::ArgAction::Set | clap::ArgAction::Append);
            let value = arg
                .get_value_names()
                .map(|v| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            by_name.entry(format!("--{long}")).or_default().push(Flag {
                tool: tool.doc.name,
                value: if takes_value { value } else { String::new() },
                takes_value,
                heading: arg.get_help_heading().unwrap_or("Options").to_string(),
            });
        }
    }
    by_name
}

/// The rows of ARCHITECTURE.md's vocabulary table: flag → (value, heading).
fn documented() -> BTreeMap<String, (String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = doc.split("<!-- vocabulary -->").nth(1).expect("a <!-- vocabulary --> table");
    let mut rows = BTreeMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `-")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let flag = cells[1].split(", ").last().unwrap_or_default().trim_matches('`').to_string();
        let value = cells[2].trim_matches('`').to_string();
        let heading = cells[3].to_string();
        rows.insert(flag, (value, heading));
    }
    rows
}

#[test]
fn a_flag_shared_by_tools_means_one_thing() {
    let documented = documented();
    let mut problems = Vec::new();
    for (name, uses) in flags() {
        let first = &uses[0];
        for other in &uses[1..] {
            for (what, a, b) in [
                ("value name", &first.value, &other.value),
                ("heading", &first.heading, &other.heading),
            ] {
                if a != b {
                    problems.push(format!(
                        "{name}: {what} {a:?} in {} but {b:?} in {}",
                        first.tool, other.tool
                    ));
                }
            }
            if first.takes_value != other.takes_value {
                problems.push(format!(
                    "{name}: takes a value in one of {} and {} only",
                    first.tool, other.tool
                ));
            }
        }
        if uses.len() > 1 {
            match documented.get(&name) {
                None => problems.push(format!(
                    "{name} is used by {} tools but has no row in ARCHITECTURE.md's vocabulary",
                    uses.len()
                )),
                Some((value, heading)) => {
                    if *value != first.value || *heading != first.heading {
                        problems.push(format!(
                            "{name}: ARCHITECTURE.md says {value:?} under {heading:?}, the tools {:?} under {:?}",
                            first.value, first.heading
                        ));
                    }
                }
            }
        }
    }
    for name in documented.keys() {
        if !flags().contains_key(name) && name != "-o" && name != "-j" && name != "-q" {
            problems.push(format!("ARCHITECTURE.md lists {name}, which no tool has"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The shared headings, in the order every tool shows them (after its own).
const SHARED_HEADINGS: [&str; 4] = ["Input", "Output", "Bad records", "Performance"];

#[test]
fn every_tool_lists_its_headings_in_one_order() {
    for tool in synthkit::TOOLS {
        let mut cmd = (tool.command)();
        cmd.build();
        let mut headings: Vec<&str> = Vec::new();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(h) = arg.get_help_heading()
                && !headings.contains(&h)
            {
                headings.push(h);
            }
        }
        let shared_at = headings.iter().position(|h| SHARED_HEADINGS.contains(h));
        let (own, shared) = headings.split_at(shared_at.unwrap_or(headings.len()));
        assert_eq!(shared, SHARED_HEADINGS, "{}: headings {headings:?}", tool.doc.name);
        assert!(
            own.iter().all(|h| !SHARED_HEADINGS.contains(h)),
            "{}: {headings:?}",
            tool.doc.name
        );
    }
}

/// Where a spec's main output goes instead of standard output.
fn elsewhere(spec: &crate::conventions::Spec, dir: &Dir) -> Vec<String> {
    let file = dir.path("main.out").display().to_string();
    if spec.name == "dist-report" && !spec.passes_through {
        vec!["--report".into(), file]
    } else {
        vec!["-o".into(), file]
    }
}

#[test]
fn dash_is_standard_output_for_stats_and_rejects_and_only_one_output_may_take_it() {
    for spec in SPECS {
        let dir = Dir::new();
        let good = (spec.good)(0);
        let input = jsonl(&[&good, "not json", &good]);
        // --stats - with the records elsewhere: the stats object on stdout.
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).args(["--stats", "-", "-q"]).args(elsewhere(spec, &dir));
        let out = run_with_stdin(cmd, jsonl(&[&good, &good]).as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", spec.name, text(&out.stdout)));
        assert_eq!(stats["tool"], spec.name);
        // --rejects -: the reject lines on stdout, exit 0.
        let mut cmd = std_tool(spec.name);
        cmd.args(spec.args).args(["--rejects", "-", "-q"]).args(elsewhere(spec, &dir));
        let out = run_with_stdin(cmd, input.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}: {}", spec.name, text(&out.stderr));
        let reject: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", spec.name, text(&out.stdout)));
        assert_eq!(reject["raw"], "not json", "{}", spec.name);
        // Both on standard output: refused before anything is read.
        for flag in ["--stats", "--rejects"] {
            let mut cmd = std_tool(spec.name);
            cmd.args(spec.args).args([flag, "-"]);
            let out = run_with_stdin(cmd, input.as_bytes());
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{} {flag} -: {stderr}", spec.name);
            assert!(stderr.contains("both write to standard output"), "{}: {stderr}", spec.name);
            assert!(out.stdout.is_empty(), "{} {flag} -", spec.name);
        }
    }
}

#[test]
fn usage_errors_carry_the_tool_prefix() {
    for tool in synthkit::TOOLS {
        let out = std_tool(tool.doc.name).arg("--no-such-flag").output().expect("run");
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("{}: error: unexpected argument", tool.doc.name)),
            "{stderr}"
        );
    }
}
