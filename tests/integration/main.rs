//! The one integration-test binary (linking is the slow step on small
//! machines). Tests run the real binaries on small fixtures.

mod conventions;
mod generated;
mod graph_validate;
mod score_filter;
mod util;
