//! Schema alignment: which field paths, with which JSON types, a stream has,
//! and how well a synthetic stream covers what a real sample has.
//!
//! A path is a JSON Pointer with `*` for every array index
//! (`/attendees/*/emailAddress/address`); annotation keys (`@odata.etag`,
//! `x@odata.type`) are protocol metadata and are left out. For each path and
//! JSON type the profile counts the records in which that path holds a value
//! of that type (a record counts once however many attendees it has).
//!
//! The score is, over the (path, type) pairs of the real sample, weighted by
//! the share of real records that have them, the share present in the
//! synthetic stream: `Σ w·[synthetic has (path, type)] / Σ w`.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Value, json};

use crate::json::Kind;
pub use crate::report::round6;

const KINDS: [Kind; 6] =
    [Kind::Null, Kind::Bool, Kind::Number, Kind::String, Kind::Array, Kind::Object];

fn kind_index(kind: Kind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
}

/// FNV-1a: paths are short strings looked up for every value of every
/// record, where SipHash's per-call setup dominates; no untrusted-key DoS
/// concern applies to a batch tool's own table.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Records having a path: with any value, and with a value of each type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PathCounts {
    pub any: u64,
    pub kinds: [u64; 6],
}

/// Collects the paths of the records of one chunk (or one real sample).
#[derive(Default)]
pub struct PathRecorder {
    ids: HashMap<String, usize, BuildHasherDefault<Fnv>>,
    names: Vec<String>,
    counts: Vec<PathCounts>,
    /// For each path, the last record that counted it (any type, then each type).
    stamps: Vec<[u64; 7]>,
    /// (path, type slot) seen in the current record, counted at commit.
    pending: Vec<(usize, usize)>,
    record: u64,
    records: u64,
}

impl PathRecorder {
    pub fn begin_record(&mut self) {
        self.record += 1;
        self.pending.clear();
    }

    /// A value of `kind` at `path` in the current record.
    pub fn see(&mut self, path: &str, kind: Kind) {
        let id = match self.ids.get(path) {
            Some(&id) => id,
            None => {
                let id = self.names.len();
                self.ids.insert(path.to_string(), id);
                self.names.push(path.to_string());
                self.counts.push(PathCounts::default());
                self.stamps.push([0; 7]);
                id
            }
        };
        let stamps = &mut self.stamps[id];
        for slot in [6, kind_index(kind)] {
            if stamps[slot] != self.record {
                stamps[slot] = self.record;
                self.pending.push((id, slot));
            }
        }
    }

    /// Counts the current record (call once it was read whole).
    pub fn commit(&mut self) {
        self.records += 1;
        for &(id, slot) in &self.pending {
            let counts = &mut self.counts[id];
            if slot == 6 {
                counts.any += 1;
            } else {
                counts.kinds[slot] += 1;
            }
        }
        self.pending.clear();
    }
}

/// The paths of a whole stream, merged from its chunks.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    pub records: u64,
    pub paths: BTreeMap<String, PathCounts>,
}

impl Profile {
    pub fn add(&mut self, recorder: &PathRecorder) {
        self.records += recorder.records;
        for (name, counts) in recorder.names.iter().zip(&recorder.counts) {
            if counts.any == 0 {
                continue;
            }
            let into = self.paths.entry(name.clone()).or_default();
            into.any += counts.any;
            for (a, b) in into.kinds.iter_mut().zip(counts.kinds) {
                *a += b;
            }
        }
    }

    fn share(&self, n: u64) -> f64 {
        if self.records == 0 { 0.0 } else { n as f64 / self.records as f64 }
    }

    fn kind_shares(&self, counts: &PathCounts) -> Value {
        let mut map = serde_json::Map::new();
        for (kind, n) in KINDS.iter().zip(counts.kinds) {
            if n > 0 {
                map.insert(kind.name().into(), json!(round6(self.share(n))));
            }
        }
        Value::Object(map)
    }
}

/// A path one side has and the other lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct OneSided {
    pub path: String,
    /// Share of that side's records having it.
    pub share: f64,
    pub types: Vec<&'static str>,
}

/// A path both sides have with different sets of types.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: String,
    pub real: Vec<&'static str>,
    pub synthetic: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// `None` when the real sample has no paths.
    pub score: Option<f64>,
    pub missing: Vec<OneSided>,
    pub extra: Vec<OneSided>,
    pub mismatches: Vec<Mismatch>,
}

fn types_of(counts: &PathCounts) -> Vec<&'static str> {
    KINDS.iter().zip(counts.kinds).filter(|(_, n)| *n > 0).map(|(k, _)| k.name()).collect()
}

pub fn align(real: &Profile, synthetic: &Profile) -> Alignment {
    let (mut total, mut covered) = (0.0, 0.0);
    let mut missing = Vec::new();
    let mut mismatches = Vec::new();
    for (path, r) in &real.paths {
        let s = synthetic.paths.get(path);
        for (slot, &n) in r.kinds.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let weight = real.share(n);
            total += weight;
            if s.is_some_and(|s| s.kinds[slot] > 0) {
                covered += weight;
            }
        }
        match s {
            None => missing.push(OneSided {
                path: path.clone(),
                share: real.share(r.any),
                types: types_of(r),
            }),
            Some(s) if types_of(s) != types_of(r) => mismatches.push(Mismatch {
                path: path.clone(),
                real: types_of(r),
                synthetic: types_of(s),
            }),
            Some(_) => {}
        }
    }
    let mut extra: Vec<OneSided> = synthetic
        .paths
        .iter()
        .filter(|(path, _)| !real.paths.contains_key(*path))
        .map(|(path, s)| OneSided {
            path: path.clone(),
            share: synthetic.share(s.any),
            types: types_of(s),
        })
        .collect();
    let by_share =
        |a: &OneSided, b: &OneSided| b.share.total_cmp(&a.share).then(a.path.cmp(&b.path));
    missing.sort_by(by_share);
    extra.sort_by(by_share);
    let score = (total > 0.0).then(|| covered / total);
    Alignment { score, missing, extra, mismatches }
}

impl Alignment {
    pub fn to_json(&self, real: &Profile, synthetic: &Profile) -> Value {
        let one_sided = |list: &[OneSided]| -> Value {
            list.iter()
                .map(|e| json!({"path": e.path, "share": round6(e.share), "types": e.types}))
                .collect()
        };
        let mismatches: Value = self
            .mismatches
            .iter()
            .map(|m| {
                json!({
                    "path": m.path,
                    "real": real.kind_shares(&real.paths[&m.path]),
                    "synthetic": synthetic.kind_shares(&synthetic.paths[&m.path]),
                })
            })
            .collect();
        json!({
            "score": self.score.map(round6),
            "real_paths": real.paths.len(),
            "synthetic_paths": synthetic.paths.len(),
            "missing": one_sided(&self.missing),
            "extra": one_sided(&self.extra),
            "type_mismatches": mismatches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(records: &[&[(&str, Kind)]]) -> Profile {
        let mut rec = PathRecorder::default();
        for record in records {
            rec.begin_record();
            for (path, kind) in *record {
                rec.see(path, *kind);
            }
            rec.commit();
        }
        let mut p = Profile::default();
        p.add(&rec);
        p
    }

    #[test]
    fn score_weights_real_paths_by_frequency() {
        // Real: /a string in 2 of 2 records, /b number in 1 of 2 → weights 1 and 0.5.
        let real = profile(&[
            &[("/a", Kind::String), ("/b", Kind::Number)],
            &[("/a", Kind::String), ("/a", Kind::String)],
        ]);
        assert_eq!(real.paths["/a"].kinds[3], 2);
        let synthetic = profile(&[&[("/a", Kind::String), ("/c", Kind::Bool)]]);
        let al = align(&real, &synthetic);
        assert_eq!(al.score, Some(1.0 / 1.5));
        assert_eq!(al.missing.len(), 1);
        assert_eq!((al.missing[0].path.as_str(), al.missing[0].share), ("/b", 0.5));
        assert_eq!(al.extra[0].path, "/c");
        // A type mismatch: /b is a string on the synthetic side.
        let synthetic = profile(&[&[("/a", Kind::String), ("/b", Kind::String)]]);
        let al = align(&real, &synthetic);
        assert_eq!(al.score, Some(1.0 / 1.5));
        assert_eq!(
            al.mismatches,
            vec![Mismatch { path: "/b".into(), real: vec!["number"], synthetic: vec!["string"] }]
        );
        assert_eq!(align(&real, &real).score, Some(1.0));
        assert_eq!(align(&Profile::default(), &real).score, None);
    }

    #[test]
    fn an_uncommitted_record_counts_nothing() {
        let mut rec = PathRecorder::default();
        rec.begin_record();
        rec.see("/a", Kind::String);
        rec.begin_record();
        rec.see("/b", Kind::String);
        rec.commit();
        let mut p = Profile::default();
        p.add(&rec);
        assert_eq!(p.records, 1);
        assert!(!p.paths.contains_key("/a"));
    }
}
