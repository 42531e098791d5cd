//! Each tool's record path, run in-process on the fuzzer's bytes as its
//! input file: no panic, and conservation (CONVENTIONS): every record read
//! is written, filtered, rejected or held, `--rejects` holds one line per
//! rejected record, `-o` holds `lines_out` lines, and a failed run leaves
//! neither its output nor a temporary file behind.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;

use clap::{CommandFactory, FromArgMatches};
use serde_json::Value;
use synthkit::cli::{self, Parsed, ToolDoc};
use synthkit::error::Error;
use synthkit::exit::Outcome;
use synthkit::tools;

use crate::{Choices, shown};

/// One way of running a tool on fuzzed records.
struct Spec {
    tool: &'static str,
    args: &'static [&'static str],
    /// The `--stats` key of records held for a report (dist-report).
    held_key: Option<&'static str>,
    /// Whether `-o` receives the records (`lines_out` lines).
    records_out: bool,
}

const SPECS: &[Spec] = &[
    Spec { tool: "score-filter", args: &["--min", "0.1"], held_key: None, records_out: true },
    Spec {
        tool: "score-filter",
        args: &["--field", "s.v", "--by", "g", "--max-per", "2", "--missing", "drop"],
        held_key: None,
        records_out: true,
    },
    Spec { tool: "fmt-migrate", args: &["--to", "messages"], held_key: None, records_out: true },
    Spec { tool: "fmt-migrate", args: &["--detect"], held_key: None, records_out: true },
    Spec {
        tool: "persona-label",
        args: &["--persona", "builtin:tier2_senior_ic_architect", "--timestamp", "none"],
        held_key: None,
        records_out: true,
    },
    Spec { tool: "graph-validate", args: &[], held_key: None, records_out: true },
    Spec { tool: "phase-split", args: &["--no-tag"], held_key: None, records_out: true },
    Spec {
        tool: "phase-split",
        args: &["--split", "train=0.8,test=0.2", "--group", "id", "--stratify", "phase"],
        held_key: None,
        records_out: true,
    },
    Spec {
        tool: "dist-report",
        args: &["--field", "status", "--field", "score", "--text", "text"],
        held_key: Some("records_held"),
        records_out: false,
    },
    Spec {
        tool: "dist-report",
        args: &["--pass", "--field", "status", "--field", "score"],
        held_key: Some("records_held"),
        records_out: true,
    },
    Spec {
        tool: "llm-batch",
        args: &["request", "--model", "m", "--prompt", "Say {{text}}", "--id", "id"],
        held_key: None,
        records_out: true,
    },
];

/// The first byte picks a spec (and the thread count), the rest is the input.
pub fn tools(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else { return };
    let spec = &SPECS[usize::from(pick) % SPECS.len()];
    let threads = 1 + Choices::new(&[pick]).below(3);
    let run = run_tool(spec.tool, spec.args, input, &[], threads);
    check_run(spec.tool, spec.held_key, spec.records_out, &run, input);
}

/// What one in-process run left.
pub(crate) struct Ran {
    pub outcome: Result<Outcome, String>,
    pub stats: Option<Value>,
    pub output: Option<Vec<u8>>,
    pub rejects: Option<Vec<u8>>,
    /// Names left in the scratch folder besides the ones the run was given.
    pub leftovers: Vec<String>,
}

/// Runs `tool ARGS IN -o OUT --stats STATS --rejects REJECTS -q -j N` in
/// this process, with `input` as IN and each of `files` written beside it
/// (`{dir}` in an argument is the scratch folder).
pub(crate) fn run_tool(
    tool: &str,
    args: &[&str],
    input: &[u8],
    files: &[(&str, &[u8])],
    threads: u64,
) -> Ran {
    // One run at a time per process: the path registry is process-wide.
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|p| p.into_inner());
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch folder");
    let path = |name: &str| dir.join(name);
    std::fs::write(path("in.jsonl"), input).expect("write the input");
    let mut given = vec!["in.jsonl".to_string(), "report.txt".to_string()];
    for (name, bytes) in files {
        std::fs::write(path(name), bytes).expect("write a file");
        given.push((*name).to_string());
    }
    let dir_text = dir.display().to_string();
    let mut argv: Vec<OsString> = vec![tool.into()];
    argv.extend(args.iter().map(|a| OsString::from(a.replace("{dir}", &dir_text))));
    if tool == "dist-report" && !args.contains(&"--pass") {
        argv.extend(["--report".into(), path("report.txt").into_os_string()]);
    } else {
        argv.extend(["-o".into(), path("out.jsonl").into_os_string()]);
        if tool == "dist-report" {
            argv.extend(["--report".into(), path("report.txt").into_os_string()]);
        }
    }
    argv.extend([
        path("in.jsonl").into_os_string(),
        "--stats".into(),
        path("stats.json").into_os_string(),
        "--rejects".into(),
        path("rejects.jsonl").into_os_string(),
        "-q".into(),
        "-j".into(),
        threads.to_string().into(),
    ]);
    synthkit::guard::reset();
    let outcome = match tool {
        "score-filter" => execute(&tools::score_filter::TOOL, tools::score_filter::execute, argv),
        "fmt-migrate" => execute(&tools::fmt_migrate::TOOL, tools::fmt_migrate::execute, argv),
        "persona-label" => {
            execute(&tools::persona_label::TOOL, tools::persona_label::execute, argv)
        }
        "graph-validate" => {
            execute(&tools::graph_validate::TOOL, tools::graph_validate::execute, argv)
        }
        "phase-split" => execute(&tools::phase_split::TOOL, tools::phase_split::execute, argv),
        "dist-report" => execute(&tools::dist_report::TOOL, tools::dist_report::execute, argv),
        "llm-batch" => execute(&tools::llm_batch::TOOL, tools::llm_batch::execute, argv),
        other => panic!("no tool {other}"),
    };
    synthkit::guard::reset();
    let read = |name: &str| std::fs::read(path(name)).ok();
    let stats = read("stats.json").map(|b| {
        serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{tool}: --stats is not JSON: {e}"))
    });
    given.extend(["out.jsonl", "stats.json", "rejects.jsonl"].map(String::from));
    let leftovers = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !given.contains(name))
                .collect()
        })
        .unwrap_or_default();
    Ran { outcome, stats, output: read("out.jsonl"), rejects: read("rejects.jsonl"), leftovers }
}

fn execute<C: CommandFactory + FromArgMatches>(
    tool: &synthkit::Tool,
    run: fn(C) -> Result<Outcome, Error>,
    argv: Vec<OsString>,
) -> Result<Outcome, String> {
    let doc: &'static ToolDoc = tool.doc;
    match cli::parse_from::<C, _, _>(doc, argv.clone()) {
        Ok(Parsed::Run(cli)) => run(cli).map_err(|e| e.to_string()),
        Ok(Parsed::Generated) => panic!("{}: --generate was not asked for", doc.name),
        // The arguments are the harness's own: they must parse.
        Err(e) => panic!("{}: the harness's arguments {argv:?} do not parse: {e}", doc.name),
    }
}

/// A temporary folder for this process's runs.
fn scratch() -> PathBuf {
    crate::scratch_root().join("run")
}

fn lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The conservation checks on one run.
pub(crate) fn check_run(
    tool: &str,
    held_key: Option<&str>,
    records_out: bool,
    run: &Ran,
    input: &[u8],
) {
    assert!(
        run.leftovers.is_empty(),
        "{tool}: left {:?} behind on {}",
        run.leftovers,
        shown(input)
    );
    let outcome = match &run.outcome {
        Ok(outcome) => *outcome,
        Err(message) => {
            // A refused run writes no records.
            assert!(run.output.is_none(), "{tool}: failed ({message}) but wrote -o");
            return;
        }
    };
    let stats =
        run.stats.as_ref().unwrap_or_else(|| panic!("{tool}: no --stats after {outcome:?}"));
    let n = |key: &str| stats[key].as_u64().unwrap_or(0);
    let sum = |key: &str| {
        stats[key].as_object().map_or(0, |m| m.values().filter_map(Value::as_u64).sum::<u64>())
    };
    let held = held_key.map_or(0, n);
    let accounted = n("records_written") + held + sum("filtered") + sum("rejected");
    assert_eq!(
        accounted,
        n("records_in"),
        "{tool}: records do not balance: {stats} on {}",
        shown(input)
    );
    let rejected = run.rejects.as_deref().map_or(0, lines);
    assert_eq!(rejected, sum("rejected"), "{tool}: --rejects lines vs rejected: {stats}");
    if records_out {
        let written = run.output.as_deref().map_or(0, lines);
        assert_eq!(written, n("lines_out"), "{tool}: -o lines vs lines_out: {stats}");
    }
}
