//! Mergeable statistics over streams of numbers whose merged result does not
//! depend on how the stream was split: per chunk, per thread or per shard.
//!
//! Floating-point addition is not associative, so a sum accumulated chunk by
//! chunk differs in its last bits from one accumulated shard by shard. These
//! accumulators are instead *exact*: [`ExactSum`] adds every `f64` into a
//! fixed-point integer wide enough to hold any sum of doubles without rounding
//! (a superaccumulator), and the sum of squares is kept the same way from each
//! value's exact square. Reported figures are computed once, at the end, from
//! the exact state, so any split of the same values gives the same bits
//! ([`Moments`]). Quantiles keep the distinct values themselves, with their
//! counts, up to a cap ([`EXACT_VALUES`] by default), then switch to a logarithmic-bin sketch whose bins are
//! integer counts, so merging is again exact and order-free ([`Quantiles`]).
//!
//! The exact sums and [`Moments`] are in `moments`; the sketch, [`Quantiles`]
//! and the histogram in `quantiles`. Both are re-exported here, so callers
//! name everything as `crate::stats::X`.

mod moments;
mod quantiles;

pub use moments::{ExactSum, Moments, f64_from_json, f64_to_json};
pub use quantiles::{
    BINS_PER_OCTAVE, EXACT_VALUES, MAX_BINS, Quantiles, SKETCH_RELATIVE_ERROR, Sketch, bin_width,
    histogram_edges,
};
