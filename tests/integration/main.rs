//! The one integration-test binary (linking is the slow step on small
//! machines). Tests run the real binaries on small fixtures.

mod conventions;
mod generated;
mod phase_split;
mod score_filter;
mod util;
