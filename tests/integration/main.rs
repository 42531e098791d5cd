//! The one integration-test binary (linking is the slow step on small
//! machines). Tests run the real binaries on small fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conventions;
mod dist_report;
mod examples;
mod first_hour;
mod fmt_migrate;
mod generated;
mod graph_validate;
mod hostile_input;
mod library;
mod llm_batch;
mod persona_label;
mod phase_merge;
mod phase_split;
mod properties;
mod reasons;
mod scale_out;
mod score_filter;
mod util;
mod vocabulary;
mod workflows;
