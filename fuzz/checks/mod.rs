//! The checks behind every fuzz target: each takes the fuzzer's bytes and
//! panics when synthkit disagrees with its oracle or breaks an invariant.
//!
//! One copy serves two callers: the libFuzzer targets in `fuzz/fuzz_targets/`
//! (this file is the `synthkit_fuzz` library) and the replay test
//! `fuzz_replay` (Cargo.toml's test target with this file as its root; the test is `replay.rs`), so a
//! crash found once and saved under `fuzz/regressions/<target>/` fails the
//! normal `cargo test` on stable until it is fixed. Only synthkit's public API
//! is used, plus serde_json and tempfile, which both callers have.
//!
//! The oracles, one per module:
//! - `json`: serde_json, for which lines are one JSON object and what their
//!   values are (the two documented differences are allowed: the scanner
//!   refuses numbers beyond the f64 range and lone surrogate escapes);
//! - `framing`: a plain line splitter, against the chunker fed from memory,
//!   from a memory-mapped file and from a pipe written in random pieces with
//!   pauses, at random chunk sizes;
//! - `documents`: serde_json's stream reader for JSON arrays and Graph
//!   responses; conservation for CSV and SQuAD read by fmt-migrate;
//! - `parsers`: no panic, and the invariants of what the persona-file,
//!   `--expect`, `--phase` and `--split` parsers return;
//! - `tools`: each tool's whole record path run in-process, where every
//!   record read must be written, filtered, rejected or held (`--stats`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod documents;
mod framing;
mod json;
mod parsers;
#[cfg(test)]
mod replay;
mod tools;

pub use documents::{doc_csv, doc_graph_response, doc_json_array, doc_squad};
pub use framing::framing;
pub use json::json_scanner;
pub use parsers::{expect, persona_file, phase_rule, split_spec};
pub use tools::tools;

/// A target's check: panics when the input breaks it.
pub type Check = fn(&[u8]);

/// Every target by name (the folder names under `fuzz/corpus/` and
/// `fuzz/regressions/`), for the replay test.
pub const TARGETS: &[(&str, Check)] = &[
    ("json_scanner", json_scanner),
    ("framing", framing),
    ("doc_json_array", doc_json_array),
    ("doc_graph_response", doc_graph_response),
    ("doc_csv", doc_csv),
    ("doc_squad", doc_squad),
    ("persona_file", persona_file),
    ("expect", expect),
    ("phase_rule", phase_rule),
    ("split_spec", split_spec),
    ("tools", tools),
];

/// This process's scratch folder, `synthkit-fuzz-PID`, in memory where the
/// system has it (/dev/shm): every run commits its outputs with fsync, which
/// on a disk would be most of a run's time. libFuzzer ends the process with
/// `exit`, so nothing is dropped: fuzz/run.sh removes the folders of
/// processes that are gone, and the replay test calls [`remove_scratch`].
pub(crate) fn scratch_root() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let name = format!("synthkit-fuzz-{}", std::process::id());
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

/// Removes this process's scratch folder (the replay test's last step).
pub fn remove_scratch() {
    let _ = std::fs::remove_dir_all(scratch_root());
}

/// Bytes for a message: valid UTF-8 shown as text, the rest escaped.
pub(crate) fn shown(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// A small deterministic generator (SplitMix64) for choices a target derives
/// from its input, so that a saved input replays exactly.
pub(crate) struct Choices(u64);

impl Choices {
    pub(crate) fn new(seed: &[u8]) -> Choices {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for &b in seed {
            state = (state ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
        Choices(state)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
