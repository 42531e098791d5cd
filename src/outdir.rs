//! `--out-dir DIR`: a set of output files that appear together or not at all
//! (CONVENTIONS §2.1), plus a `manifest.json` describing them.
//!
//! Each file is an [`AtomicFile`] (a temporary file in its final folder),
//! written through a buffer while its xxh3 checksum, size and line count are
//! kept up to date. [`OutDir::commit`] moves every file into place and writes
//! the manifest last, so a manifest means a complete set; an `OutDir` dropped
//! without commit (a fatal error, `--fail-fast`) removes its temporary files
//! and the folders it created, leaving no partial file. A folder that already
//! holds anything is refused unless the tool was given `--force`; a forced
//! run that commits also removes the files the folder's previous manifest
//! listed and this run did not write, so a folder never mixes two runs.
//! With a compression set, every file is written compressed (`1-a.jsonl.zst`);
//! the manifest's sizes, line counts and checksums describe the content.

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use xxhash_rust::xxh3::Xxh3;

use crate::compress::Compression;
use crate::error::Error;
use crate::output::{self, AtomicFile, Output};

/// Name of the file that describes the set, written last.
pub const MANIFEST: &str = "manifest.json";

struct Entry {
    /// Path relative to the folder, `/`-separated.
    name: String,
    file: Output,
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
    /// XXH3-64 (seed 0) of the file's content (decompressed, for a
    /// compressed file), 16 lowercase hex digits.
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
    compression: Option<Compression>,
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
            compression: None,
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

    /// Writes every file added from now on compressed, its name extended
    /// with `.gz` or `.zst`.
    pub fn set_compression(&mut self, compression: Option<Compression>) {
        self.compression = compression;
    }

    /// Starts a file at `name` (relative, `/`-separated, no `..`; the
    /// compression's extension is added), creating its folders; returns its
    /// number for [`OutDir::write`].
    pub fn add(&mut self, name: &str) -> Result<usize, Error> {
        let name = match self.compression {
            Some(format) => format!("{name}.{}", format.extension()),
            None => name.to_string(),
        };
        let name = name.as_str();
        let relative = Path::new(name);
        let safe = !name.is_empty()
            && name != MANIFEST
            && relative.components().all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(Error::Internal(format!(
                "unsafe output file name {name:?} (this is a bug; please report it)"
            )));
        }
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            self.make_dirs(parent)?;
        }
        let file = output::create_file(&path)?;
        self.entries.push(Entry {
            name: name.to_string(),
            file,
            hasher: Xxh3::new(),
            bytes: 0,
            lines: 0,
        });
        Ok(self.entries.len() - 1)
    }

    /// Appends bytes to file `id`.
    pub fn write(&mut self, id: usize, bytes: &[u8]) -> Result<(), Error> {
        let Some(entry) = self.entries.get_mut(id) else {
            return Err(Error::Internal(format!(
                "no output file {id} (this is a bug; please report it)"
            )));
        };
        entry.hasher.update(bytes);
        entry.bytes += bytes.len() as u64;
        entry.lines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        entry.file.write(bytes)
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

    /// Moves every file into place, removes the files of the previous
    /// manifest that this run did not write, then writes `manifest` (pretty
    /// JSON) as `manifest.json`, last.
    pub fn commit(mut self, manifest: &Value) -> Result<(), Error> {
        let previous = self.previous_files();
        let written: Vec<String> = self.entries.iter().map(|e| e.name.clone()).collect();
        for entry in std::mem::take(&mut self.entries) {
            entry.file.commit()?;
        }
        for stale in previous.iter().filter(|name| !written.contains(name)) {
            let path = self.root.join(stale);
            std::fs::remove_file(&path)
                .or_else(|e| if path.exists() { Err(e) } else { Ok(()) })
                .map_err(|source| Error::Output { path: path.display().to_string(), source })?;
            // Its folders inside the root go too, once empty (train/, val/).
            let mut folder = path.parent();
            while let Some(dir) = folder.filter(|d| *d != self.root && d.starts_with(&self.root)) {
                if std::fs::remove_dir(dir).is_err() {
                    break;
                }
                folder = dir.parent();
            }
        }
        let mut text = serde_json::to_vec_pretty(manifest).unwrap_or_default();
        text.push(b'\n');
        AtomicFile::write_all(&self.root.join(MANIFEST), &text)?;
        self.committed = true;
        Ok(())
    }

    /// The files the folder's current manifest lists (safe relative paths
    /// only), or none when there is no readable manifest.
    fn previous_files(&self) -> Vec<String> {
        let Ok(text) = std::fs::read(self.root.join(MANIFEST)) else {
            return Vec::new();
        };
        let Ok(manifest) = serde_json::from_slice::<Value>(&text) else {
            return Vec::new();
        };
        let files = manifest.get("files").and_then(Value::as_array).cloned().unwrap_or_default();
        files
            .iter()
            .filter_map(|f| f.get("path").and_then(Value::as_str))
            .filter(|name| {
                !name.is_empty()
                    && *name != MANIFEST
                    && Path::new(name).components().all(|c| matches!(c, Component::Normal(_)))
            })
            .map(str::to_string)
            .collect()
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
    fn a_forced_run_replaces_the_previous_set_and_can_compress() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("phases");
        let manifest = |dir: &OutDir| json!({"files": dir.summaries().iter().map(FileSummary::to_json).collect::<Vec<_>>()});
        let mut first = OutDir::create(&root, false).unwrap();
        let a = first.add("train/1-a.jsonl").unwrap();
        first.write(a, b"{}\n").unwrap();
        let m = manifest(&first);
        first.commit(&m).unwrap();
        // A file nobody listed stays; the previous run's files go.
        std::fs::write(root.join("notes.txt"), "mine").unwrap();
        let mut second = OutDir::create(&root, true).unwrap();
        second.set_compression(Some(Compression::Zstd));
        let b = second.add("1-a.jsonl").unwrap();
        second.write(b, b"{\"x\":1}\n").unwrap();
        let summaries = second.summaries();
        assert_eq!(summaries[0].name, "1-a.jsonl.zst");
        assert_eq!(
            summaries[0].xxh3,
            format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b"{\"x\":1}\n"))
        );
        let m = manifest(&second);
        second.commit(&m).unwrap();
        assert!(!root.join("train/1-a.jsonl").exists());
        assert!(!root.join("train").exists(), "the emptied split folder goes too");
        assert!(root.join("notes.txt").exists());
        let packed = std::fs::read(root.join("1-a.jsonl.zst")).unwrap();
        assert_eq!(zstd::stream::decode_all(&packed[..]).unwrap(), b"{\"x\":1}\n");
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
