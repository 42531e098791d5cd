//! The sink: takes processed chunks in input order, maps their phase slots
//! to output positions, writes each destination (the streamed first phase,
//! spools for the others, or --out-dir files), decides --stratify splits in
//! order, and keeps the tallies the summary reports.

use std::collections::HashMap;

use crate::error::Error;
use crate::json;
use crate::outdir::OutDir;
use crate::pipeline::Done;
use crate::run::Run;
use crate::spool::Spools;

use super::record::{Acc, tag_into};
use super::split::{LeakTracker, Loc, Stratifier};
use super::{MAX_PHASES, too_many_phases};

/// The phases of the run, by output position.
pub(super) struct Phases {
    pub(super) names: Vec<String>,
    pub(super) json: Vec<Vec<u8>>,
    pub(super) index: HashMap<String, usize>,
}

impl Phases {
    pub(super) fn new(names: &[String]) -> Self {
        let mut phases = Phases { names: Vec::new(), json: Vec::new(), index: HashMap::new() };
        for name in names {
            phases.push(name);
        }
        phases
    }

    pub(super) fn push(&mut self, name: &str) -> usize {
        self.names.push(name.to_string());
        self.json.push(json::quote(name).into_bytes());
        self.index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }
}

/// The longest file stem kept whole: with the `N-` prefix, `.jsonl.zst` and
/// the hidden temporary name around it, the file name stays under the 255
/// bytes most file systems allow.
const MAX_STEM: usize = 160;

/// A phase name as a file name: letters, digits, `-`, `_`, `.` and non-ASCII
/// letters as they are, every other byte as %XX. A stem longer than
/// [`MAX_STEM`] bytes keeps its first 140 bytes and ends in `~` and 16 hex
/// digits of the whole name's XXH3, so long names stay distinct; the
/// manifest keeps the full name.
pub(super) fn file_stem(name: &str) -> String {
    let stem = escaped_stem(name);
    if stem.len() <= MAX_STEM {
        return stem;
    }
    let mut cut = 140;
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{:016x}", &stem[..cut], crate::hash::hash(0, name.as_bytes()))
}

fn escaped_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | '.')
            || (!c.is_ascii() && c.is_alphanumeric())
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Where the records go.
pub(super) enum Target {
    /// Standard output or -o: the first phase of the first split streams,
    /// the rest waits in spools.
    Stream { spools: Spools, parts: HashMap<(usize, usize), usize> },
    /// --out-dir: one file per (split, phase).
    Dir { dir: OutDir, files: HashMap<(usize, usize), usize>, labels: Vec<(Option<usize>, usize)> },
}

/// The sink's state: phases, targets, tallies, split decisions.
pub(super) struct Sink {
    pub(super) phases: Phases,
    pub(super) split_names: Vec<String>,
    pub(super) split_json: Vec<Vec<u8>>,
    pub(super) target: Target,
    /// Records per [split][phase position].
    pub(super) matrix: Vec<Vec<u64>>,
    pub(super) reasons: [u64; 6],
    /// Records answered by a preference record's `chosen` (the default).
    pub(super) from_chosen: u64,
    pub(super) stratifier: Option<Stratifier>,
    pub(super) groups: HashMap<u128, usize>,
    pub(super) leaks: Option<LeakTracker>,
    pub(super) tag: bool,
    pub(super) by: bool,
    pub(super) buf: Vec<u8>,
}

impl Sink {
    pub(super) fn splits(&self) -> usize {
        self.split_names.len().max(1)
    }

    /// Registers a new phase and creates its files under --out-dir.
    pub(super) fn add_phase(&mut self, name: &str) -> Result<usize, Error> {
        if self.phases.names.len() >= MAX_PHASES {
            return Err(too_many_phases(name));
        }
        let position = self.phases.push(name);
        for row in &mut self.matrix {
            row.push(0);
        }
        self.open_files(position)?;
        Ok(position)
    }

    pub(super) fn open_files(&mut self, position: usize) -> Result<(), Error> {
        let Target::Dir { dir, files, labels } = &mut self.target else {
            return Ok(());
        };
        let stem = format!("{}-{}.jsonl", position + 1, file_stem(&self.phases.names[position]));
        if self.split_names.is_empty() {
            files.insert((0, position), dir.add(&stem)?);
            labels.push((None, position));
        } else {
            for (s, split) in self.split_names.iter().enumerate() {
                files.insert((s, position), dir.add(&format!("{split}/{stem}"))?);
                labels.push((Some(s), position));
            }
        }
        Ok(())
    }

    /// Chunk slots → output positions.
    /// Static modes: workers already emit positions.
    pub(super) fn positions(&mut self, acc: &Acc) -> Result<Vec<usize>, Error> {
        if let Some(name) = &acc.too_many {
            return Err(too_many_phases(name));
        }
        if !self.by {
            return Ok((0..self.phases.names.len()).collect());
        }
        let mut out = Vec::with_capacity(acc.names.len());
        for name in &acc.names {
            let position = match self.phases.index.get(name) {
                Some(&p) => p,
                None => self.add_phase(name)?,
            };
            out.push(position);
        }
        Ok(out)
    }

    pub(super) fn write(
        &mut self,
        run: &mut Run,
        split: usize,
        position: usize,
        slices: &[&[u8]],
    ) -> Result<(), Error> {
        match &mut self.target {
            Target::Stream { spools, parts } => {
                if split == 0 && position == 0 {
                    return run.output_mut()?.write_slices(slices);
                }
                let part = *parts.entry((split, position)).or_insert_with(|| spools.add());
                spools.append_slices(part, slices)
            }
            Target::Dir { dir, files, .. } => {
                let Some(&id) = files.get(&(split, position)) else {
                    return Err(Error::Internal(format!(
                        "no output file for split {split}, phase {position} (this is a bug; please report it)"
                    )));
                };
                for slice in slices {
                    dir.write(id, slice)?;
                }
                Ok(())
            }
        }
    }

    /// Takes a processed chunk: writes what the workers placed, decides and
    /// writes what they held for --stratify, and tallies.
    pub(super) fn take(&mut self, run: &mut Run, done: &Done<Acc>) -> Result<(), Error> {
        let positions = self.positions(&done.acc)?;
        let splits = self.splits();
        for (r, n) in self.reasons.iter_mut().zip(&done.acc.reasons) {
            *r += n;
        }
        self.from_chosen += done.acc.from_chosen;
        for dest in done.destinations() {
            let (slot, split) = (dest as usize / splits, dest as usize % splits);
            let position = positions[slot];
            let slices: Vec<&[u8]> = done.slices(dest).collect();
            self.write(run, split, position, &slices)?;
        }
        if matches!(self.target, Target::Stream { .. }) {
            run.flush_if_paused(done)?;
        }
        for (dest, &n) in done.acc.counts.iter().enumerate() {
            if n > 0 {
                self.matrix[dest % splits][positions[dest / splits]] += n;
            }
        }
        if let Some(leaks) = &mut self.leaks {
            leaks.missing += done.acc.leak_missing;
            for &(index, key, split) in &done.acc.leaks {
                let at = Loc {
                    source: done.chunk.source,
                    line: done.line_number(index),
                    split: split as usize,
                };
                leaks.add(key, at);
            }
        }
        if done.acc.held.is_empty() {
            return Ok(());
        }
        let bytes = done.chunk.bytes();
        let mut buf = std::mem::take(&mut self.buf);
        for held in &done.acc.held {
            let stratum = &done.acc.strata[held.stratum as usize];
            let Some(stratifier) = &mut self.stratifier else { break };
            let proposal = held.proposal as usize;
            let split = match held.group {
                Some(group) => *self
                    .groups
                    .entry(group)
                    .or_insert_with(|| stratifier.assign(stratum, proposal)),
                None => stratifier.assign(stratum, proposal),
            };
            let position = positions[held.slot as usize];
            let line = &bytes[held.start..held.end];
            buf.clear();
            if self.tag {
                let phase = &self.phases.json[position];
                let split_json = self.split_json.get(split).map(Vec::as_slice);
                tag_into(line, phase, split_json, held.tag_keys, &mut buf);
            } else {
                buf.extend_from_slice(line);
            }
            buf.push(b'\n');
            self.write(run, split, position, &[&buf])?;
            self.matrix[split][position] += 1;
            if let (Some(leaks), Some(key)) = (&mut self.leaks, held.leak) {
                let at =
                    Loc { source: done.chunk.source, line: done.line_number(held.index), split };
                leaks.add(key, at);
            }
        }
        self.buf = buf;
        run.decide_held(done.acc.held.len() as u64, &[])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("extractive"), "extractive");
        assert_eq!(file_stem("a/b c"), "a%2Fb%20c");
        assert_eq!(file_stem("réponse"), "réponse");
        assert_eq!(file_stem(".."), "..");
        // Long names: bounded, distinct, a prefix of the name.
        let (a, b) = ("x".repeat(300), format!("{}y", "x".repeat(299)));
        assert!(file_stem(&a).len() <= MAX_STEM && file_stem(&a).starts_with("xxxx"));
        assert_ne!(file_stem(&a), file_stem(&b));
        let wide = "é".repeat(200);
        assert!(file_stem(&wide).len() <= MAX_STEM);
    }
}
