//! Byte streams held back for later, in bounded memory (CONVENTIONS §5.3).
//!
//! A tool that reorders its output (phase-split writes the records of later
//! phases after the first) appends each held-back stream to a [`Spools`]
//! part. The parts share one memory budget: while the total stays under it,
//! bytes stay in memory; past it, every part moves to an anonymous temporary
//! file and keeps only a small write buffer. Draining a part gives its bytes
//! back in the order they were appended. Temporary files have no name on disk
//! (or lose it at once), so nothing is left behind whatever way the run ends.

use std::fs::File;
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::output::write_all_vectored;

/// Largest write buffer of a part that has moved to disk (never more than
/// the budget, so a tiny budget really keeps almost nothing in memory).
const SPILLED_BUFFER: usize = 256 * 1024;
/// Read block when draining a part from disk.
const READ_BLOCK: usize = 1 << 20;

#[derive(Default)]
struct Part {
    memory: Vec<u8>,
    file: Option<File>,
    /// Bytes appended in all.
    len: u64,
}

/// Several held-back streams sharing one memory budget. Memory stays below
/// the budget plus, once spilled, one write buffer per part (at most 256 KiB,
/// and never more than the budget).
pub struct Spools {
    parts: Vec<Part>,
    budget: usize,
    /// Bytes held in memory by parts that have not moved to disk.
    held: usize,
    dir: Option<PathBuf>,
    /// Whether the budget was ever exceeded (every part then lives on disk).
    spilled: bool,
    /// Bytes written to temporary files.
    written_to_disk: u64,
}

impl Spools {
    /// `budget`: bytes held in memory before spilling; `dir`: where the
    /// temporary files go (the system's temporary folder when `None`).
    pub fn new(budget: usize, dir: Option<&Path>) -> Self {
        Spools {
            parts: Vec::new(),
            budget,
            held: 0,
            dir: dir.map(Path::to_path_buf),
            spilled: false,
            written_to_disk: 0,
        }
    }

    /// Adds an empty part and returns its number.
    pub fn add(&mut self) -> usize {
        self.parts.push(Part::default());
        self.parts.len() - 1
    }

    /// Bytes appended to a part.
    pub fn len(&self, part: usize) -> u64 {
        self.parts.get(part).map_or(0, |p| p.len)
    }

    /// Whether a part holds nothing.
    pub fn is_empty(&self, part: usize) -> bool {
        self.len(part) == 0
    }

    /// Bytes that went through temporary files.
    pub fn spilled_bytes(&self) -> u64 {
        self.written_to_disk
    }

    fn temp_error(&self, source: io::Error) -> Error {
        let dir = self.dir.clone().unwrap_or_else(std::env::temp_dir);
        Error::Output {
            path: format!("a temporary file in {} (choose another with --temp-dir)", dir.display()),
            source,
        }
    }

    /// Appends bytes to a part.
    pub fn append(&mut self, part: usize, bytes: &[u8]) -> Result<(), Error> {
        let Some(p) = self.parts.get_mut(part) else {
            return Err(Error::Internal(format!(
                "no spool part {part} (this is a bug; please report it)"
            )));
        };
        p.len += bytes.len() as u64;
        if p.file.is_some() {
            let buffer = self.budget.min(SPILLED_BUFFER);
            if p.memory.len() + bytes.len() > buffer {
                self.flush_part(part)?;
                if bytes.len() > buffer {
                    return self.write_part(part, bytes);
                }
            }
            self.parts[part].memory.extend_from_slice(bytes);
            return Ok(());
        }
        p.memory.extend_from_slice(bytes);
        self.held += bytes.len();
        if self.held > self.budget || self.spilled {
            self.spill()?;
        }
        Ok(())
    }

    /// Appends several slices to a part, in order. Once the part is on disk,
    /// a large batch goes to its file in one vectored write, without being
    /// copied into the buffer first.
    pub fn append_slices(&mut self, part: usize, slices: &[&[u8]]) -> Result<(), Error> {
        let total: usize = slices.iter().map(|s| s.len()).sum();
        let on_disk = self.parts.get(part).is_some_and(|p| p.file.is_some());
        if !on_disk || total < self.budget.min(SPILLED_BUFFER) {
            for slice in slices {
                self.append(part, slice)?;
            }
            return Ok(());
        }
        self.flush_part(part)?;
        self.parts[part].len += total as u64;
        let mut batch: Vec<IoSlice<'_>> = slices.iter().map(|s| IoSlice::new(s)).collect();
        let result = match self.parts[part].file.as_mut() {
            Some(file) => write_all_vectored(file, &mut batch),
            None => Ok(()),
        };
        result.map_err(|e| self.temp_error(e))?;
        self.written_to_disk += total as u64;
        Ok(())
    }

    /// Moves every part to disk: from now on memory holds write buffers only.
    fn spill(&mut self) -> Result<(), Error> {
        self.spilled = true;
        for part in 0..self.parts.len() {
            if self.parts[part].file.is_none() {
                let file = match &self.dir {
                    Some(dir) => tempfile::tempfile_in(dir),
                    None => tempfile::tempfile(),
                }
                .map_err(|e| self.temp_error(e))?;
                self.parts[part].file = Some(file);
            }
            self.flush_part(part)?;
            self.parts[part].memory = Vec::new();
        }
        self.held = 0;
        Ok(())
    }

    fn flush_part(&mut self, part: usize) -> Result<(), Error> {
        let memory = std::mem::take(&mut self.parts[part].memory);
        let result = self.write_part(part, &memory);
        let mut memory = memory;
        memory.clear();
        self.parts[part].memory = memory;
        result
    }

    fn write_part(&mut self, part: usize, bytes: &[u8]) -> Result<(), Error> {
        if bytes.is_empty() {
            return Ok(());
        }
        let result = match self.parts[part].file.as_mut() {
            Some(file) => file.write_all(bytes),
            None => Ok(()),
        };
        result.map_err(|e| self.temp_error(e))?;
        self.written_to_disk += bytes.len() as u64;
        Ok(())
    }

    /// Hands a part's bytes to `sink` in the order they were appended, then
    /// empties the part.
    pub fn drain(
        &mut self,
        part: usize,
        mut sink: impl FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Some(p) = self.parts.get_mut(part) else {
            return Ok(());
        };
        let memory = std::mem::take(&mut p.memory);
        p.len = 0;
        if let Some(mut file) = p.file.take() {
            file.seek(SeekFrom::Start(0)).map_err(|e| self.temp_error(e))?;
            let mut block = vec![0u8; READ_BLOCK];
            loop {
                let n = match file.read(&mut block) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(self.temp_error(e)),
                };
                sink(&block[..n])?;
            }
        } else {
            self.held -= memory.len().min(self.held);
        }
        sink(&memory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drained(spools: &mut Spools, part: usize) -> Vec<u8> {
        let mut out = Vec::new();
        spools
            .drain(part, |bytes| {
                out.extend_from_slice(bytes);
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn parts_keep_their_order_in_memory_and_on_disk() {
        for budget in [0, 7, 100, 1 << 30] {
            let mut spools = Spools::new(budget, None);
            let (a, b) = (spools.add(), spools.add());
            let mut want_a = Vec::new();
            let mut want_b = Vec::new();
            for i in 0..500 {
                let line = format!("record {i}\n");
                if i % 3 == 0 {
                    spools.append(b, line.as_bytes()).unwrap();
                    want_b.extend_from_slice(line.as_bytes());
                } else {
                    spools.append(a, line.as_bytes()).unwrap();
                    want_a.extend_from_slice(line.as_bytes());
                }
            }
            let big = vec![b'x'; 3 * SPILLED_BUFFER];
            spools.append(a, &big).unwrap();
            want_a.extend_from_slice(&big);
            let pieces: Vec<Vec<u8>> =
                (0..2000).map(|i| format!("piece {i}\n").into_bytes()).collect();
            let slices: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
            spools.append_slices(a, &slices).unwrap();
            for piece in &pieces {
                want_a.extend_from_slice(piece);
            }
            spools.append(a, b"tail\n").unwrap();
            want_a.extend_from_slice(b"tail\n");
            assert_eq!(spools.len(a), want_a.len() as u64);
            assert_eq!(drained(&mut spools, a), want_a, "budget {budget}");
            assert_eq!(drained(&mut spools, b), want_b, "budget {budget}");
            assert_eq!(spools.spilled_bytes() > 0, budget < 1 << 30, "budget {budget}");
        }
    }
}
