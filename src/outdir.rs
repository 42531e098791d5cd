//! `--out-dir DIR`: a set of output files that appear together or not at all
//! (CONVENTIONS §2.1), plus a `manifest.json` describing them.
//!
//! Each file is an [`AtomicFile`] (a temporary file in its final folder),
//! written through a buffer while its xxh3 checksum, size and line count are
//! kept up to date. [`OutDir::commit`] moves every file into place and writes
//! the manifest last, so a manifest means a complete set; an `OutDir` dropped
//! without commit (a fatal error, `--fail-fast`) removes its temporary files
//! and the folders it created, leaving no partial file. A folder that already
//! holds anything is refused unless the tool was given `--force`.

use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use xxhash_rust::xxh3::Xxh3;

use crate::error::Error;
use crate::output::AtomicFile;

/// Name of the file that describes the set, written last.
pub const MANIFEST: &str = "manifest.json";

const BUFFER: usize = 256 * 1024;

struct Entry {
    /// Path relative to the folder, `/`-separated.
    name: String,
    file: BufWriter<AtomicFile>,
    hasher: Xxh3,
    bytes: u64,
    lines: u64,
}

/// What the manifest says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// Path relative to the folder, `/`-separated.
    pub name: String,
    pub bytes: u64,
    /// Newline-terminated lines (records, for JSONL).
    pub lines: u64,
    /// XXH3-64 (seed 0) of the file's bytes, 16 lowercase hex digits.
    pub xxh3: String,
}

impl FileSummary {
    pub fn to_json(&self) -> Value {
        json!({"path": self.name, "records": self.lines, "bytes": self.bytes, "xxh3": self.xxh3})
    }
}

/// A folder of output files committed together.
pub struct OutDir {
    root: PathBuf,
    entries: Vec<Entry>,
    /// Folders this run created, deepest last (removed again if uncommitted).
    created: Vec<PathBuf>,
    committed: bool,
}

impl OutDir {
    /// Opens `root` for writing, creating it (and its parents) when missing.
    /// A folder that already holds anything is a usage error unless `force`.
    pub fn create(root: &Path, force: bool) -> Result<OutDir, Error> {
        let mut dir = OutDir {
            root: root.to_path_buf(),
            entries: Vec::new(),
            created: Vec::new(),
            committed: false,
        };
        match std::fs::metadata(root) {
            Ok(meta) if !meta.is_dir() => {
                return Err(Error::Usage(format!(
                    "--out-dir {}: exists and is not a folder",
                    root.display()
                )));
            }
            Ok(_) => {
                let count = std::fs::read_dir(root)
                    .map_err(|source| Error::Output { path: root.display().to_string(), source })?
                    .count();
                if count > 0 && !force {
                    return Err(Error::Usage(format!(
                        "--out-dir {} is not empty ({count} entr{}); choose an empty folder or add --force to overwrite",
                        root.display(),
                        if count == 1 { "y" } else { "ies" }
                    )));
                }
            }
            Err(_) => dir.make_dirs(root)?,
        }
        Ok(dir)
    }

    /// Creates `path` and any missing parents, remembering which were new.
    fn make_dirs(&mut self, path: &Path) -> Result<(), Error> {
        let mut missing = Vec::new();
        let mut at = Some(path);
        while let Some(p) = at {
            if p.as_os_str().is_empty() || p.exists() {
                break;
            }
            missing.push(p.to_path_buf());
            at = p.parent();
        }
        for p in missing.into_iter().rev() {
            std::fs::create_dir(&p)
                .or_else(|e| if p.is_dir() { Ok(()) } else { Err(e) })
                .map_err(|source| Error::Output { path: p.display().to_string(), source })?;
            self.created.push(p);
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts a file at `name` (relative, `/`-separated, no `..`), creating
    /// its folders; returns its number for [`OutDir::write`].
    pub fn add(&mut self, name: &str) -> Result<usize, Error> {
        let relative = Path::new(name);
        let safe = !name.is_empty()
            && name != MANIFEST
            && relative.components().all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(Error::Usage(format!("internal error: unsafe output file name {name:?}")));
        }
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            self.make_dirs(parent)?;
        }
        let file = AtomicFile::create(&path)?;
        self.entries.push(Entry {
            name: name.to_string(),
            file: BufWriter::with_capacity(BUFFER, file),
            hasher: Xxh3::new(),
            bytes: 0,
            lines: 0,
        });
        Ok(self.entries.len() - 1)
    }

    /// Appends bytes to file `id`.
    pub fn write(&mut self, id: usize, bytes: &[u8]) -> Result<(), Error> {
        let Some(entry) = self.entries.get_mut(id) else {
            return Err(Error::Usage(format!("internal error: no output file {id}")));
        };
        entry.hasher.update(bytes);
        entry.bytes += bytes.len() as u64;
        entry.lines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        entry.file.write_all(bytes).map_err(|source| Error::Output {
            path: entry.file.get_ref().path().display().to_string(),
            source,
        })
    }

    /// The files so far, in the order they were added.
    pub fn summaries(&self) -> Vec<FileSummary> {
        self.entries
            .iter()
            .map(|e| FileSummary {
                name: e.name.clone(),
                bytes: e.bytes,
                lines: e.lines,
                xxh3: format!("{:016x}", e.hasher.digest()),
            })
            .collect()
    }

    /// Moves every file into place, then writes `manifest` (pretty JSON) as
    /// `manifest.json`, last.
    pub fn commit(mut self, manifest: &Value) -> Result<(), Error> {
        for entry in std::mem::take(&mut self.entries) {
            let path = entry.file.get_ref().path().display().to_string();
            let file = entry
                .file
                .into_inner()
                .map_err(|e| Error::Output { path, source: e.into_error() })?;
            file.commit()?;
        }
        let mut text = serde_json::to_vec_pretty(manifest).unwrap_or_default();
        text.push(b'\n');
        AtomicFile::write_all(&self.root.join(MANIFEST), &text)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Temporary files go with their entries; then the folders we made,
        // deepest first, as long as they are empty.
        self.entries.clear();
        for dir in self.created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit_with_a_manifest() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("out/deeper");
        let mut dir = OutDir::create(&root, false).unwrap();
        let a = dir.add("train/1-a.jsonl").unwrap();
        let b = dir.add("2-b.jsonl").unwrap();
        dir.write(a, b"{\"x\":1}\n{\"x\":2}\n").unwrap();
        dir.write(b, b"").unwrap();
        assert!(!root.join("train/1-a.jsonl").exists());
        let summaries = dir.summaries();
        assert_eq!(summaries[0].lines, 2);
        assert_eq!(
            summaries[0].xxh3,
            format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b"{\"x\":1}\n{\"x\":2}\n"))
        );
        dir.commit(
            &json!({"files": summaries.iter().map(FileSummary::to_json).collect::<Vec<_>>()}),
        )
        .unwrap();
        assert_eq!(std::fs::read(root.join("train/1-a.jsonl")).unwrap(), b"{\"x\":1}\n{\"x\":2}\n");
        assert!(root.join("2-b.jsonl").exists());
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(root.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(manifest["files"][0]["records"], 2);
        // Now the folder is not empty.
        assert!(OutDir::create(&root, false).is_err());
        assert!(OutDir::create(&root, true).is_ok());
    }

    #[test]
    fn an_uncommitted_set_leaves_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("phases");
        {
            let mut dir = OutDir::create(&root, false).unwrap();
            let a = dir.add("val/1-a.jsonl").unwrap();
            dir.write(a, b"{}\n").unwrap();
        }
        assert!(!root.exists());
        assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
    }
}
