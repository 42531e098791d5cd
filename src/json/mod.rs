//! JSON, the way every synthkit tool reads it: a validating, non-allocating
//! scanner over one line.
//!
//! It checks that a line is exactly one well-formed JSON object (RFC 8259,
//! UTF-8, no lone surrogate escapes) and hands back the raw bytes of the values
//! at requested paths, without building a DOM; untouched values are never
//! re-serialised. Containers are skipped iteratively, so nesting costs no
//! stack: the depth limit exists so that every tool, including those that
//! build a serde_json value (limit 128), agrees on which records are valid.
//! Measured against serde_json, sonic-rs and simd-json in bench/README.md.
//!
//! The parts, each in its own file, all re-exported here:
//! - `scan`: validation, string/number scanning (the SSE2 search) and the
//!   path-directed walk ([`validate_object`], [`scan_object`], [`skip_value`]);
//! - `raw`: the values found ([`Raw`], [`Kind`], [`members`], class labels);
//! - `cursor`: the pull reader over one record ([`Cursor`], [`Next`]);
//! - `edit`: records rewritten with fields set, string literals written
//!   ([`set_fields`], [`write_str`], [`quote`]);
//! - `paths`: compiled field paths ([`PathSet`], [`Segment`]);
//! - `error`: what is wrong with a line ([`JsonError`], [`ErrorKind`]);
//! - `config`: configuration files refusing repeated keys ([`parse_config`]),
//!   their syntax errors described ([`config_error`]).

mod config;
mod cursor;
mod edit;
mod error;
mod paths;
mod raw;
mod scan;
#[cfg(test)]
mod tests;

pub use config::{ConfigError, config_error, parse_config};
pub use cursor::{Cursor, Next};
pub use edit::{append_fields, quote, set_fields, set_fields_at, write_str, write_str_inner};
pub use error::{ErrorKind, JsonError};
pub use paths::{PathSet, Segment};
pub use raw::{Kind, MISSING_LABEL, Member, OTHER_GROUPS_LABEL, Raw, class_label, members};
pub use scan::{
    MAX_DEPTH, array_elements, first_values, hex4, kind_of, scan_object, skip_value, skip_ws,
    validate_object,
};
