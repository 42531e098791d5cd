//! Helpers shared by the integration tests: the binaries, fixtures, runs.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of a suite binary, by name.
pub fn bin(name: &str) -> PathBuf {
    let path = match name {
        "score-filter" => env!("CARGO_BIN_EXE_score-filter"),
        "fmt-migrate" => env!("CARGO_BIN_EXE_fmt-migrate"),
        "persona-label" => env!("CARGO_BIN_EXE_persona-label"),
        "dist-report" => env!("CARGO_BIN_EXE_dist-report"),
        "graph-validate" => env!("CARGO_BIN_EXE_graph-validate"),
        "phase-split" => env!("CARGO_BIN_EXE_phase-split"),
        "llm-batch" => env!("CARGO_BIN_EXE_llm-batch"),
        "shard-merge" => env!("CARGO_BIN_EXE_shard-merge"),
        other => panic!("unknown tool {other}"),
    };
    PathBuf::from(path)
}

/// A command for a tool with a scrubbed environment.
pub fn tool(name: &str) -> assert_cmd::Command {
    assert_cmd::Command::from_std(std_tool(name))
}

/// A plain std command for a tool (for pipes and early closes).
pub fn std_tool(name: &str) -> Command {
    let mut cmd = Command::new(bin(name));
    scrub(&mut cmd);
    cmd
}

fn scrub(cmd: &mut Command) {
    for var in [
        "SYNTHKIT_CHUNK_BYTES",
        "SYNTHKIT_PIPE_SIZE",
        "SOURCE_DATE_EPOCH",
        "NO_COLOR",
        "RUST_BACKTRACE",
    ] {
        cmd.env_remove(var);
    }
}

/// A temporary directory with files written into it.
pub struct Dir {
    pub dir: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read output")
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs a command with `stdin` bytes; returns its output.
pub fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Lines of JSONL text joined with `\n`, each terminated.
pub fn jsonl(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Reads a `--stats` file as JSON.
pub fn stats(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("stats file")).expect("stats JSON")
}

/// Says on the terminal that a test did not run and why. Written to the
/// process's stderr directly: the test harness captures `eprintln!`, which
/// would hide the message from a user's `make test` when the test passes.
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}
