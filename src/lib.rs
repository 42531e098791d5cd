//! synthkit: fast, composable Unix filters for the JSONL datasets of LLM
//! post-training.
//!
//! The library owns everything the tools share (CONVENTIONS §8): input and
//! framing ([`input`]), compressed data ([`compress`]), whole JSON documents
//! ([`document`]), JSON scanning ([`json`]), field paths ([`path`]), the
//! parallel ordered map ([`pipeline`]), output ([`output`], [`outdir`] for sets
//! of files, [`spool`] for output held back in bounded memory), what outputs
//! may not name ([`guard`]), fields no record holds ([`fields`]), accounting and
//! reports ([`report`], [`run`]), seeded hashing ([`hash`]), exactly mergeable
//! statistics ([`stats`]), numbers counted by value ([`number`]), distribution distances ([`divergence`]), timestamps
//! ([`time`]) and CLI plumbing ([`cli`], [`exit`]). Each tool is one module
//! under [`tools`]; its binary in `src/bin/` only calls the tool's `main`.
//!
//! `unsafe` is denied except at justified sites (the memory map in
//! [`input`], the SSE2 string scan in [`json`], the SIGBUS handler of mapped
//! inputs in [`signal_mmap`], reading a signal's disposition in [`signal`]), and `unwrap`/`expect` are
//! warned outside tests: a panic is a bug report, not error handling.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod compress;
pub mod csv_cell;
pub mod divergence;
pub mod document;
pub mod email;
pub mod error;
pub mod exit;
pub mod fields;
pub mod guard;
pub mod hash;
pub mod input;
pub mod json;
pub mod limits;
pub mod number;
pub mod outdir;
pub mod output;
pub mod path;
pub mod pipeline;
pub mod progress;
pub mod reasons;
pub mod report;
pub mod run;
pub mod signal;
pub mod signal_mmap;
pub mod spool;
pub mod stats;
pub mod template;
pub mod time;
pub mod tools;

/// A tool of the suite, for generated docs and the conventions tests.
pub struct Tool {
    pub doc: &'static cli::ToolDoc,
    /// The tool's full clap command, with shared help sections.
    pub command: fn() -> clap::Command,
}

/// Every tool of the suite.
pub const TOOLS: &[Tool] = &[
    tools::score_filter::TOOL,
    tools::dist_report::TOOL,
    tools::fmt_migrate::TOOL,
    tools::graph_validate::TOOL,
    tools::persona_label::TOOL,
    tools::phase_split::TOOL,
    tools::llm_batch::TOOL,
    tools::shard_merge::TOOL,
];
