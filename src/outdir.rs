//! `--out-dir DIR`: a set of output files that appear together or not at all
//! (CONVENTIONS §2.1), plus a `manifest.json` describing them.
//!
//! The whole set is written into a hidden staging folder next to DIR
//! (`.DIR.synthkit-PID-XXXXXX.staging`), each file through a buffer while its
//! xxh3 checksum, size and line count are kept up to date. [`OutDir::commit`]
//! writes the manifest into the staging folder, then swaps it with DIR in one
//! `renameat2(RENAME_EXCHANGE)` (or renames it into place when DIR does not
//! exist yet): a reader of DIR sees the complete old set or the complete new
//! one, never a mix (issue 18 §2: a file-by-file commit killed halfway once
//! left a manifest whose checksums did not match its files). The previous set,
//! now in the staging folder, is removed, after anything in it that its
//! manifest did not list (a user's `notes.txt`) has been moved back into DIR.
//! Where the filesystem cannot exchange, DIR is first renamed aside
//! (`….old`) and the new set renamed in; a run killed between the two leaves
//! DIR missing, and the next run puts the old set back.
//!
//! An `OutDir` dropped without commit (a fatal error, `--fail-fast`) removes
//! its staging folder and the folders it created; SIGINT, SIGTERM and SIGHUP
//! do the same ([`crate::signal`]), and the swap runs with them held off.
//! After SIGKILL, the next run into DIR recovers. Just before the swap a
//! marker file `….staging.swap` is made next to the staging folder (and
//! removed when the old set is gone): a dead run's staging folder without
//! it is an uncommitted set, all of it ours, and is removed; one with it may
//! be the displaced old set, so what its manifest did not list goes back
//! into DIR first (a new set has nothing unlisted: its manifest was written
//! before the marker). An `.old` folder is put back when DIR is missing.
//! Each recovery is said on stderr. A folder that already holds anything is refused
//! unless the tool was given `--force`. With a compression set, every file is
//! written compressed (`1-a.jsonl.zst`); the manifest's sizes, line counts and
//! checksums describe the content. Reference: rename(2), RENAME_EXCHANGE.

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use xxhash_rust::xxh3::Xxh3;

use crate::compress::Compression;
use crate::error::Error;
use crate::output::{self, AtomicFile, Output};
use crate::signal::{self, Kind, Temp};

/// Name of the file that describes the set, written last.
pub const MANIFEST: &str = "manifest.json";

const STAGING_SUFFIX: &str = ".staging";
/// Added to the staging folder's name for the marker of a swap under way.
const SWAP_SUFFIX: &str = ".swap";
const ASIDE_SUFFIX: &str = ".old";

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
    /// The folder as given, for messages.
    root: PathBuf,
    /// Where the set goes: `root` made absolute, links followed.
    real: PathBuf,
    /// The hidden sibling folder the set is written into.
    staging: PathBuf,
    temp: Option<Temp>,
    entries: Vec<Entry>,
    compression: Option<Compression>,
    /// Folders this run created above `root`, deepest last (removed again if
    /// uncommitted).
    created: Vec<PathBuf>,
    committed: bool,
}

fn output_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Output { path: path.display().to_string(), source }
}

/// Where the set of `root` goes: absolute, with links followed (an existing
/// folder is resolved whole, a new one through its parent).
fn resolve(root: &Path) -> Result<(PathBuf, PathBuf, String), Error> {
    let absolute = std::path::absolute(root).map_err(output_error(root))?;
    let real = std::fs::canonicalize(&absolute).unwrap_or(absolute);
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(Error::Usage(format!(
            "--out-dir {}: give a folder below /, not the root",
            root.display()
        )));
    };
    let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    let name = name.to_string_lossy().into_owned();
    Ok((parent.join(&name), parent, name))
}

/// A hook for the tests of the commit: `SYNTHKIT_TEST_KILL_AT_COMMIT=N`
/// kills the process (SIGKILL, no clean-up) at step N of [`OutDir::commit`].
fn test_kill_point(step: u32) {
    let wanted = std::env::var("SYNTHKIT_TEST_KILL_AT_COMMIT").ok();
    if wanted.and_then(|v| v.parse::<u32>().ok()) == Some(step) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    }
}

impl OutDir {
    /// Opens `root` for writing, creating its parents when missing (`root`
    /// itself appears at commit). A folder that already holds anything is a
    /// usage error unless `force`.
    pub fn create(root: &Path, force: bool) -> Result<OutDir, Error> {
        let (real, parent, name) = resolve(root)?;
        let mut created = Vec::new();
        make_dirs(&parent, &mut created)?;
        recover(&parent, &name, &real);
        match std::fs::metadata(&real) {
            Ok(meta) if !meta.is_dir() => {
                return Err(Error::Usage(format!(
                    "--out-dir {}: exists and is not a folder",
                    root.display()
                )));
            }
            Ok(meta) => {
                // The set is swapped in by renaming a sibling folder over it,
                // which a mount point cannot take part in.
                use std::os::unix::fs::MetadataExt;
                if std::fs::metadata(&parent).is_ok_and(|p| p.dev() != meta.dev()) {
                    return Err(Error::Usage(format!(
                        "--out-dir {} is a mount point: the set is renamed into place as a \
                         whole, so give a folder inside it (e.g. {}/set)",
                        root.display(),
                        root.display()
                    )));
                }
                let count = std::fs::read_dir(&real).map_err(output_error(root))?.count();
                if count > 0 && !force {
                    return Err(Error::Usage(format!(
                        "--out-dir {} is not empty ({count} entr{}); choose an empty folder or add --force to overwrite",
                        root.display(),
                        if count == 1 { "y" } else { "ies" }
                    )));
                }
            }
            Err(_) => {}
        }
        let prefix = format!(".{name}.{}{}-", signal::TAG, std::process::id());
        // 0777 less the umask, as mkdir(1) would make the folder (not 0700).
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(STAGING_SUFFIX)
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .tempdir_in(&parent)
            .map_err(output_error(&parent))?
            .keep();
        let temp = signal::track(&staging, Kind::Dir);
        let dir = OutDir {
            root: root.to_path_buf(),
            real,
            staging,
            temp: Some(temp),
            entries: Vec::new(),
            compression: None,
            created,
            committed: false,
        };
        // A folder replaced keeps its permissions.
        if let Ok(meta) = std::fs::metadata(&dir.real) {
            std::fs::set_permissions(&dir.staging, meta.permissions())
                .map_err(output_error(&dir.staging))?;
        }
        Ok(dir)
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
        let path = self.staging.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(output_error(parent))?;
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

    /// Finishes every file and writes `manifest` (pretty JSON) as
    /// `manifest.json` in the staging folder, then swaps the set into place
    /// in one rename. Files of the previous set go with it; anything its
    /// manifest did not list stays in the folder.
    pub fn commit(mut self, manifest: &Value) -> Result<(), Error> {
        for entry in std::mem::take(&mut self.entries) {
            entry.file.commit()?;
        }
        let mut text = serde_json::to_vec_pretty(manifest).unwrap_or_default();
        text.push(b'\n');
        AtomicFile::write_all(&self.staging.join(MANIFEST), &text)?;
        if let Ok(folder) = std::fs::File::open(&self.staging) {
            let _ = folder.sync_all();
        }
        test_kill_point(1);
        let temp = self.temp.take();
        let swap = || self.swap_in();
        let result = match temp {
            Some(temp) => temp.settle(swap),
            None => swap(),
        };
        self.committed = result.is_ok();
        result
    }

    /// The swap itself, with interruption held off.
    fn swap_in(&self) -> Result<(), Error> {
        let error = output_error(&self.root);
        let marker = swap_marker(&self.staging);
        std::fs::write(&marker, b"").map_err(output_error(&marker))?;
        test_kill_point(2);
        let displaced = if self.real.exists() {
            match rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.staging,
                rustix::fs::CWD,
                &self.real,
                rustix::fs::RenameFlags::EXCHANGE,
            ) {
                Ok(()) => Some(self.staging.clone()),
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                    // No exchange here: the old set aside, then the new one in.
                    let aside = self.staging.with_extension(&ASIDE_SUFFIX[1..]);
                    std::fs::rename(&self.real, &aside).map_err(&error)?;
                    test_kill_point(3);
                    std::fs::rename(&self.staging, &self.real).map_err(&error)?;
                    Some(aside)
                }
                Err(e) => return Err(error(e.into())),
            }
        } else {
            std::fs::rename(&self.staging, &self.real).map_err(&error)?;
            None
        };
        test_kill_point(3);
        if let Some(old) = displaced {
            keep_unlisted(&old, &self.real);
            test_kill_point(4);
            std::fs::remove_dir_all(&old).map_err(output_error(&old))?;
        }
        test_kill_point(5);
        let _ = std::fs::remove_file(&marker);
        test_kill_point(6);
        Ok(())
    }
}

/// The marker of a swap under way for a staging folder.
fn swap_marker(staging: &Path) -> PathBuf {
    let mut name = staging.as_os_str().to_owned();
    name.push(SWAP_SUFFIX);
    PathBuf::from(name)
}

/// Creates `path` and any missing parents, remembering which were new.
fn make_dirs(path: &Path, created: &mut Vec<PathBuf>) -> Result<(), Error> {
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
            .map_err(output_error(&p))?;
        created.push(p);
    }
    Ok(())
}

/// The files a folder's manifest lists (safe relative paths only).
fn listed_files(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read(dir.join(MANIFEST)) else {
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

/// Moves what a displaced set's folder holds besides its listed files (and
/// its manifest, marker and our temporary files) back into `root`, where
/// `root` has nothing of that name. Returns whether anything had to stay.
fn keep_unlisted(old: &Path, root: &Path) -> bool {
    let listed = listed_files(old);
    let mut stayed = false;
    walk_unlisted(old, Path::new(""), &listed, &mut |relative| {
        let (from, to) = (old.join(relative), root.join(relative));
        if to.symlink_metadata().is_ok() {
            stayed = true;
            return;
        }
        if let Some(parent) = to.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if std::fs::rename(&from, &to).is_err() {
            stayed = true;
        }
    });
    stayed
}

/// Calls `each` with every path under `dir` (relative to the set's folder)
/// that the set did not write: folders holding only set files are entered,
/// anything else is handed on whole.
fn walk_unlisted(dir: &Path, relative: &Path, listed: &[String], each: &mut impl FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir.join(relative)) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let path = relative.join(&name);
        let text = path.to_string_lossy();
        let top = relative.as_os_str().is_empty();
        let ours = (top && name == MANIFEST)
            || listed.iter().any(|l| *l == text)
            || name.to_str().is_some_and(|n| n.starts_with('.') && n.contains(signal::TAG));
        if ours {
            continue;
        }
        let holds_listed = listed.iter().any(|l| l.starts_with(&format!("{text}/")));
        if holds_listed && entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk_unlisted(dir, &path, listed, each);
        } else {
            each(&path);
        }
    }
}

/// Recovers what runs into `parent/name` killed without clean-up left: see
/// the module documentation. Only our names of dead processes are touched.
fn recover(parent: &Path, name: &str, real: &Path) {
    let prefix = format!(".{name}.{}", signal::TAG);
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut found: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if signal::is_stale(&path, file_name, &prefix, STAGING_SUFFIX) {
            found.push((path, false));
        } else if signal::is_stale(&path, file_name, &prefix, ASIDE_SUFFIX) {
            found.push((path, true));
        }
    }
    // Folders put aside first: one may be the only copy of the old set.
    found.sort_by_key(|(_, aside)| !aside);
    for (path, aside) in found {
        if aside && !real.exists() {
            if std::fs::rename(&path, real).is_ok() {
                signal::report_leftover("put back the previous set", real);
            }
            continue;
        }
        let marker = swap_marker(&path);
        if !aside && !marker.exists() {
            // An uncommitted set: all of it ours.
            if std::fs::remove_dir_all(&path).is_ok() {
                signal::report_leftover("removed an unfinished --out-dir set", &path);
            }
            continue;
        }
        // A displaced old set: what it did not list goes back.
        if keep_unlisted(&path, real) {
            signal::report_leftover("kept (it holds files not written by synthkit)", &path);
        } else if std::fs::remove_dir_all(&path).is_ok() {
            let _ = std::fs::remove_file(&marker);
            signal::report_leftover("removed the previous --out-dir set", &path);
        }
    }
    // Markers whose swap finished before its run died.
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let suffix = format!("{STAGING_SUFFIX}{SWAP_SUFFIX}");
        let path = entry.path();
        if signal::is_stale(&path, file_name, &prefix, &suffix) && !path.with_extension("").exists()
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Temporary files go with their entries; then the staging folder and
        // the folders we made, deepest first, as long as they are empty.
        self.entries.clear();
        let _ = std::fs::remove_dir_all(&self.staging);
        self.temp = None;
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
