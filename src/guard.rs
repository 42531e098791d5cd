//! What an output may not name (CONVENTIONS §3.6): an input of the same run,
//! or another output.
//!
//! Every file a run reads is registered here when it is opened ([`input`],
//! [`input_file`]), every file it writes when it is created ([`output`],
//! [`output_file`], [`output_dir`]). Each registration is checked against the
//! other side, so whichever comes first, the second fails with a usage error
//! naming both, before a byte is written: `score-filter --rejects in.jsonl
//! in.jsonl` once replaced its input with the 3 rejected records of 6.
//!
//! Identity is the device and inode a path leads to, links followed, so
//! `a`, `./a`, a hard link and a symbolic link are the same file. An input is
//! looked up again by its path when compared (a test process that deleted a
//! file and got its inode number back for a new one must not see a clash).
//!
//! `-o` naming an input is refused like every other output: the output file
//! is renamed into place atomically, so the read itself would be safe, but
//! the input would lose every record the tool filtered or rejected.
//!
//! The registry is one per process, which is one run of one tool.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;

/// A file's identity: device and inode.
type Id = (u64, u64);

struct Input {
    id: Id,
    /// Where to look it up again; `None` for an open descriptor (stdin).
    path: Option<PathBuf>,
    name: String,
}

struct Output {
    /// The file it would replace, when it exists now.
    id: Option<Id>,
    /// The absolute path it is renamed to, for clashes between outputs.
    replaced: Option<PathBuf>,
    label: String,
}

#[derive(Default)]
struct Registry {
    inputs: Vec<Input>,
    outputs: Vec<Output>,
    /// Folders a tool writes a set of files into (absolute, links resolved).
    dirs: Vec<(PathBuf, String)>,
    /// What writes to standard output, once one output has claimed it.
    stdout_claim: Option<String>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    inputs: Vec::new(),
    outputs: Vec::new(),
    dirs: Vec::new(),
    stdout_claim: None,
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(unix)]
fn id_of(meta: &std::fs::Metadata) -> Id {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn id_of(_meta: &std::fs::Metadata) -> Id {
    (0, 0)
}

/// Whether two paths name the same file (links followed); false when either
/// cannot be read, so the caller's own open reports that.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.is_file() && id_of(&a) == id_of(&b),
        _ => false,
    }
}

/// The identity of the regular file `path` leads to, if it is one now.
fn file_id(path: &Path) -> Option<Id> {
    std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| id_of(&m))
}

impl Output {
    /// Whether the output's file is still the one registered: a file removed
    /// since (an abandoned output) frees its inode for another file, which
    /// must not be taken for this output.
    fn current(&self) -> bool {
        match (&self.replaced, self.id) {
            (Some(path), Some(id)) => file_id(path) == Some(id),
            _ => true,
        }
    }
}

impl Input {
    /// Whether the input is still the file it was when registered.
    fn current(&self) -> bool {
        match &self.path {
            Some(path) => file_id(path) == Some(self.id),
            None => true,
        }
    }
}

/// The absolute form of `path` with every link resolved as far as it exists.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    // Not there yet: resolve the folder, keep the name.
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            std::fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

fn clash(output: &str, input: &str) -> Error {
    Error::Usage(format!(
        "{output} is also an input ({input}): writing it would replace what is being read; \
         write the output to another file (and move it over the input afterwards if you mean to)"
    ))
}

fn holds(dir_label: &str, input: &str) -> Error {
    Error::Usage(format!(
        "{dir_label} holds the input {input}: the set written there could replace it; \
         choose another folder"
    ))
}

/// Registers a file that is about to be read; a usage error when an output of
/// this run already names it. Paths that are not regular files (pipes,
/// devices, `-`) are not tracked.
pub fn input(path: &Path, name: &str) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    let Some(id) = file_id(path) else { return Ok(()) };
    register_input(Input { id, path: Some(path.to_path_buf()), name: name.to_string() })
}

/// [`input`] for a file already open (standard input redirected from a file).
pub fn input_file(file: &File, name: &str) -> Result<(), Error> {
    match file.metadata() {
        Ok(meta) if meta.is_file() => {
            register_input(Input { id: id_of(&meta), path: None, name: name.to_string() })
        }
        _ => Ok(()),
    }
}

fn register_input(input: Input) -> Result<(), Error> {
    let mut reg = registry();
    if let Some(out) = reg.outputs.iter().find(|o| o.id == Some(input.id) && o.current()) {
        return Err(clash(&out.label, &input.name));
    }
    if let Some(real) = input.path.as_deref().map(resolved)
        && let Some((_, label)) = reg.dirs.iter().find(|(dir, _)| real.starts_with(dir))
    {
        return Err(holds(label, &input.name));
    }
    reg.inputs.push(input);
    Ok(())
}

/// The registered input that is the file `id`, if any.
fn input_named(reg: &Registry, id: Id) -> Option<&Input> {
    reg.inputs.iter().find(|i| i.id == id && i.current())
}

/// Registers an output given by a flag (`-o`, `--stats`, `--rejects`,
/// `--report`…): a usage error naming both when it is an input, or when
/// another output already names the same file (each is renamed into place on
/// its own, so the last would silently replace the other). `-` is standard
/// output and is not tracked.
pub fn output(flag: &str, path: &Path) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    let label = format!("{flag} {}", path.display());
    let id = file_id(path);
    let replaced = crate::output::replaced_file(path);
    let mut reg = registry();
    if let Some(input) = id.and_then(|id| input_named(&reg, id)) {
        return Err(clash(&label, &input.name));
    }
    let same =
        |o: &Output| (id.is_some() && o.id == id) || (replaced.is_some() && o.replaced == replaced);
    if let Some(other) = reg.outputs.iter().find(|o| same(o)) {
        let other_flag = other.label.split(' ').next().unwrap_or_default();
        if other_flag == flag {
            return Ok(());
        }
        return Err(Error::Usage(format!(
            "{other_flag} and {flag} both name {}: give each its own file",
            path.display()
        )));
    }
    if replaced.is_some() || id.is_some() {
        reg.outputs.push(Output { id, replaced, label });
    }
    Ok(())
}

/// Checks a file about to be created by the output layer against the inputs,
/// and remembers it (outputs registered by flag first keep their label).
pub fn output_file(path: &Path) -> Result<(), Error> {
    let id = file_id(path);
    let replaced = crate::output::replaced_file(path);
    let mut reg = registry();
    if let Some(input) = id.and_then(|id| input_named(&reg, id)) {
        let label = reg
            .outputs
            .iter()
            .find(|o| o.id == Some(input.id))
            .map_or_else(|| format!("output {}", path.display()), |o| o.label.clone());
        return Err(clash(&label, &input.name));
    }
    let known = reg.outputs.iter().any(|o| replaced.is_some() && o.replaced == replaced);
    if !known && (id.is_some() || replaced.is_some()) {
        reg.outputs.push(Output { id, replaced, label: format!("output {}", path.display()) });
    }
    Ok(())
}

/// Claims standard output for `what` (the records, `--stats -`, `--rejects
/// -`, a report…): `-` means standard output for every output flag, and two
/// outputs interleaved on one stream could not be told apart, so a second
/// claim is a usage error naming both. Also checks it is not an input.
pub fn claim_stdout(what: &str) -> Result<(), Error> {
    if crate::output::standard_stream_closed(1) {
        return Err(Error::Stdout(std::io::Error::other(format!(
            "it is closed (>&-), so {what} would be lost; redirect it to a file or /dev/null, or \
             give the output a FILE (a /dev/null opened read-write, as Python's \
             subprocess.DEVNULL opens it, looks closed: open it for writing)"
        ))));
    }
    {
        let mut reg = registry();
        match &reg.stdout_claim {
            Some(first) if first != what => {
                return Err(Error::Usage(format!(
                    "{first} and {what} both write to standard output: give one of them a file"
                )));
            }
            Some(_) => return Ok(()),
            None => reg.stdout_claim = Some(what.to_string()),
        }
    }
    stdout()
}

/// Registers standard output when it is a regular file (`tool in >> in`).
fn stdout() -> Result<(), Error> {
    let Ok(st) = rustix::fs::fstat(std::io::stdout()) else { return Ok(()) };
    if !rustix::fs::FileType::from_raw_mode(st.st_mode).is_file() {
        return Ok(());
    }
    #[allow(clippy::unnecessary_cast)] // not u64 on every platform
    let id = (st.st_dev as u64, st.st_ino as u64);
    let mut reg = registry();
    if let Some(input) = input_named(&reg, id) {
        return Err(clash("standard output", &input.name));
    }
    reg.outputs.push(Output { id: Some(id), replaced: None, label: "standard output".into() });
    Ok(())
}

/// Registers a folder a set of files is written into (`--out-dir`): a usage
/// error when an input of the run lives anywhere inside it.
pub fn output_dir(flag: &str, root: &Path) -> Result<(), Error> {
    let real = resolved(root);
    let label = format!("{flag} {}", root.display());
    let mut reg = registry();
    let inside = |i: &&Input| i.path.as_deref().is_some_and(|p| resolved(p).starts_with(&real));
    if let Some(input) = reg.inputs.iter().filter(|i| i.current()).find(inside) {
        return Err(holds(&label, &input.name));
    }
    reg.dirs.push((real, label));
    Ok(())
}

/// Forgets every registration. A tool's run never calls it: it is for a
/// process that performs many runs in a row, the fuzz targets (fuzz/checks),
/// where each run's files must not be compared with the previous run's.
#[doc(hidden)]
pub fn reset() {
    *registry() = Registry::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_naming_an_input_is_refused_whichever_comes_first() {
        let temp = tempfile::tempdir().unwrap();
        let a = temp.path().join("a.jsonl");
        let b = temp.path().join("b.jsonl");
        std::fs::write(&a, "{}\n").unwrap();
        std::fs::write(&b, "{}\n").unwrap();
        input(&a, "a.jsonl").unwrap();
        let err = output("--rejects", &a).unwrap_err().to_string();
        assert!(err.contains("--rejects") && err.contains("a.jsonl"), "{err}");
        // Through a symbolic link and a hard link too.
        let link = temp.path().join("link.jsonl");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        assert!(output("--stats", &link).is_err());
        let hard = temp.path().join("hard.jsonl");
        std::fs::hard_link(&a, &hard).unwrap();
        assert!(output_file(&hard).is_err());
        // The other order.
        output("--stats", &b).unwrap();
        assert!(input(&b, "b.jsonl").is_err());
    }

    #[test]
    fn two_flags_naming_one_file_are_refused() {
        let temp = tempfile::tempdir().unwrap();
        let out = temp.path().join("out.jsonl");
        output("-o", &out).unwrap();
        let err = output("--rejects", &out).unwrap_err().to_string();
        assert!(err.contains("-o and --rejects both name"), "{err}");
        // The same flag again (a tool that checks early and creates later) is fine.
        output("-o", &out).unwrap();
    }

    #[test]
    fn an_out_dir_holding_an_input_is_refused() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("phases");
        std::fs::create_dir(&dir).unwrap();
        let inside = dir.join("1-extractive.jsonl");
        std::fs::write(&inside, "{}\n").unwrap();
        input(&inside, "phases/1-extractive.jsonl").unwrap();
        let err = output_dir("--out-dir", &dir).unwrap_err().to_string();
        assert!(err.contains("holds the input"), "{err}");
    }
}
