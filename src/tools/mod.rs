//! One module per tool: its flags, its per-record logic and its summary.
//! Everything the tools share lives in the library modules above.

pub mod dist_report;
pub mod fmt_migrate;
pub mod graph_validate;
pub mod llm_batch;
pub mod persona_label;
pub mod phase_split;
pub mod score_filter;
pub mod shard_merge;
