//! Output (CONVENTIONS §2): standard output, or a file written atomically.
//!
//! Records are written with vectored writes straight from the input chunks, so
//! a pass-through tool copies nothing in user space. Standard output is a
//! duplicate of fd 1 used as a plain file, bypassing std's line buffering.
//! A file output is a temporary file in the target's folder, renamed into
//! place only when the run succeeds; dropped uncommitted, it disappears. A
//! file named `*.gz` or `*.zst` is compressed on the way (see `compress`),
//! and still appears only when complete.

use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use crate::compress::{Compression, Encoder};
use crate::error::Error;
use crate::signal::{self, Kind, Temp};

/// Which of standard input, output and error were closed when the run
/// started (`>&-`), so that a run that needs one fails with a message
/// instead of losing its output.
static CLOSED: [std::sync::atomic::AtomicBool; 3] =
    [const { std::sync::atomic::AtomicBool::new(false) }; 3];

/// Whether a side output (`--rejects`, `--stats`…) writes to the same pipe
/// as standard output: a reader that closes it then loses more than records.
static SIDE_ON_STDOUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes, once at start-up, which of descriptors 0, 1 and 2 were closed.
/// Rust's runtime fills a closed one with `/dev/null` opened read-write
/// before `main` (so that no file the run opens gets its number); a shell
/// redirection to /dev/null opens it read-only or write-only. So a standard
/// stream that is /dev/null opened `O_RDWR` was closed by whoever started us.
pub fn check_standard_streams() {
    use rustix::fs::{FileType, OFlags};
    let streams: [&dyn AsFd; 3] = [&io::stdin(), &io::stdout(), &io::stderr()];
    let null = rustix::fs::stat("/dev/null").ok();
    for (n, stream) in streams.iter().enumerate() {
        let fd = stream.as_fd();
        let closed = match (rustix::fs::fstat(fd), rustix::fs::fcntl_getfl(fd), &null) {
            (Ok(st), Ok(flags), Some(null)) => {
                FileType::from_raw_mode(st.st_mode) == FileType::CharacterDevice
                    && st.st_rdev == null.st_rdev
                    && flags & OFlags::RWMODE == OFlags::RDWR
            }
            (Err(_), _, _) => true,
            _ => false,
        };
        CLOSED[n].store(closed, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether standard stream `fd` (0, 1, 2) was closed when the run started.
pub fn standard_stream_closed(fd: usize) -> bool {
    CLOSED.get(fd).is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
}

/// Whether a descriptor is the very file or pipe standard output is.
fn is_stdout(file: &File) -> bool {
    match (rustix::fs::fstat(file), rustix::fs::fstat(io::stdout())) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

/// Pipe buffer size asked for on pipes we read or write (Linux only; where
/// the call fails the default stays). `SYNTHKIT_PIPE_SIZE=0` disables it.
const PIPE_SIZE: usize = 1 << 20;

/// Enlarges the kernel buffer of a pipe, which cuts context switches between
/// the stages of a shell pipeline. Failure is harmless and ignored.
pub fn enlarge_pipe(fd: &impl AsFd) {
    let size = std::env::var("SYNTHKIT_PIPE_SIZE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(PIPE_SIZE);
    if size == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    if rustix::fs::fstat(fd)
        .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo())
    {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, size);
    }
}

/// A file that appears at its path only when committed.
///
/// A path that already exists and is not a regular file (`/dev/null`, a FIFO,
/// a terminal) is written in place instead: renaming a temporary file over it
/// would replace the device with a regular file. So is a name for an open
/// descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`), appending,
/// whatever it leads to. A symbolic link is followed: the file it points to
/// is replaced and the link stays.
pub struct AtomicFile {
    target: Pending,
    /// The temporary file's registration, removed on SIGINT/SIGTERM/SIGHUP.
    temp: Option<Temp>,
    /// The path as given, for messages.
    path: PathBuf,
    /// Where the file goes: `path` with symbolic links followed.
    dest: PathBuf,
}

/// For a path naming an open file descriptor (`/dev/stdout`, `/dev/fd/N`,
/// `/proc/self/fd/N`, or a link to one): `Some(Some(n))` when it is this
/// process's descriptor `n`, `Some(None)` for another process's.
fn named_descriptor(path: &Path) -> Option<Option<u32>> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        let text = at.to_string_lossy();
        let steps: Vec<&str> = text.split('/').collect();
        let found = match steps.as_slice() {
            ["", "dev", "stdin"] => Some(Some(0)),
            ["", "dev", "stdout"] => Some(Some(1)),
            ["", "dev", "stderr"] => Some(Some(2)),
            ["", "dev", "fd", n] => Some(n.parse().ok()),
            ["", "proc", process, "fd", n] => {
                let ours = matches!(*process, "self" | "thread-self")
                    || process.parse() == Ok(std::process::id());
                Some(n.parse().ok().filter(|_| ours))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        match std::fs::read_link(&at) {
            Ok(target) => at = at.parent().map_or_else(|| target.clone(), |dir| dir.join(&target)),
            Err(_) => return None,
        }
    }
    None
}

/// Opens a path that must be written in place: standard output and error
/// through their own descriptors (so the shell's redirection, its offset and
/// its append mode apply), anything else as it is, appending to a regular file.
fn open_in_place(path: &Path, regular: bool) -> io::Result<File> {
    match named_descriptor(path) {
        Some(Some(1)) => io::stdout().as_fd().try_clone_to_owned().map(File::from),
        Some(Some(2)) => io::stderr().as_fd().try_clone_to_owned().map(File::from),
        _ => std::fs::OpenOptions::new().write(true).append(regular).open(path),
    }
}

/// The file a path leads to through symbolic links (which may not exist yet).
fn follow_links(path: &Path) -> PathBuf {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(target) => at = at.parent().map_or_else(|| target.clone(), |dir| dir.join(&target)),
            Err(_) => break,
        }
    }
    at
}

enum Pending {
    Temp(tempfile::NamedTempFile),
    Direct(File),
}

/// Refuses, before any work, an output path that can never be written: a
/// folder. For files written only at the end of a run (`--stats`, a report).
pub fn check_target(path: &Path) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|meta| meta.is_dir()) {
        return Err(Error::Output {
            path: path.display().to_string(),
            source: io::Error::other("is a directory; give a file name"),
        });
    }
    Ok(())
}

/// [`check_target`], and for a file renamed into place at the end (a report,
/// a state), whether it can be created at all: its temporary file is made
/// and removed now, so a missing or read-only folder fails before any input
/// is read rather than after all of it. Devices, pipes and descriptors are
/// left alone (opening a pipe and closing it would end its reader's input).
pub fn probe_target(path: &Path) -> Result<(), Error> {
    check_target(path)?;
    if path.as_os_str() == "-"
        || named_descriptor(path).is_some()
        || std::fs::metadata(path).is_ok_and(|meta| !meta.is_file())
    {
        return Ok(());
    }
    drop(AtomicFile::create(path)?);
    Ok(())
}

/// The file an [`AtomicFile`] at `path` would replace (absolute, links
/// followed), or `None` when it writes in place (standard output, a device,
/// a pipe): for telling whether two outputs would replace the same file.
pub fn replaced_file(path: &Path) -> Option<PathBuf> {
    if path.as_os_str() == "-" || named_descriptor(path).is_some() {
        return None;
    }
    if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return None;
    }
    std::path::absolute(follow_links(path)).ok()
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        check_target(path)?;
        crate::guard::output_file(path)?;
        let error = |source| Error::Output { path: path.display().to_string(), source };
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() || named_descriptor(path).is_some() => {
                let file = open_in_place(path, meta.is_file()).map_err(error)?;
                return Ok(AtomicFile {
                    target: Pending::Direct(file),
                    temp: None,
                    path: path.to_path_buf(),
                    dest: path.to_path_buf(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // A loop of links, a file where a folder should be, no access.
            Err(e) => return Err(error(e)),
        }
        let real = follow_links(path);
        let dir = match real.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        remove_stale_temps(dir, &name);
        let prefix = format!("{}{}-", temp_prefix(&name), std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(TEMP_SUFFIX);
        // A file that exists keeps its permissions (a private dataset stays
        // private, from the first byte); a new one gets 0666 less the umask,
        // like any newly created file, not tempfile's 0600.
        let existing = std::fs::metadata(&real).ok().map(|meta| meta.permissions());
        #[cfg(unix)]
        builder.permissions(
            existing.clone().unwrap_or_else(|| std::os::unix::fs::PermissionsExt::from_mode(0o666)),
        );
        let temp = builder.tempfile_in(dir).map_err(|e| {
            // Name the folder, not the temporary file tempfile tried in it.
            let text = e.to_string();
            let reason = text.split(" at path ").next().unwrap_or_default();
            error(io::Error::new(e.kind(), format!("{reason} (in folder {})", dir.display())))
        })?;
        let registration = signal::track(temp.path(), Kind::File);
        if let Some(permissions) = existing {
            // Exactly, whatever the umask.
            temp.as_file().set_permissions(permissions).map_err(error)?;
        }
        Ok(AtomicFile {
            target: Pending::Temp(temp),
            temp: Some(registration),
            path: path.to_path_buf(),
            dest: real,
        })
    }

    pub fn file(&mut self) -> &mut File {
        match &mut self.target {
            Pending::Temp(temp) => temp.as_file_mut(),
            Pending::Direct(file) => file,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is written in place (a device, a pipe, a descriptor
    /// such as /dev/stdout) rather than renamed into place at the end.
    pub fn in_place(&self) -> bool {
        matches!(self.target, Pending::Direct(_))
    }

    /// Moves the finished file into place.
    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        let error = |source| Error::Output { path: path.display().to_string(), source };
        match self.target {
            Pending::Temp(temp) => {
                temp.as_file().sync_data().map_err(error)?;
                let persist = || temp.persist(&self.dest).map(drop).map_err(|e| error(e.error));
                match self.temp {
                    Some(registration) => registration.settle(persist)?,
                    None => persist()?,
                }
            }
            Pending::Direct(mut file) => file.flush().map_err(error)?,
        }
        Ok(())
    }

    /// Writes a whole file atomically.
    pub fn write_all(path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let mut file = AtomicFile::create(path)?;
        file.file()
            .write_all(bytes)
            .map_err(|source| Error::Output { path: path.display().to_string(), source })?;
        file.commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.file().write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

/// Suffix of every temporary file next to a target.
pub const TEMP_SUFFIX: &str = ".tmp";

/// The start of the temporary names of target `name`: `.NAME.synthkit-`,
/// then the creating process's id, `-`, six random characters and `.tmp`.
pub fn temp_prefix(name: &str) -> String {
    format!(".{name}.{}", signal::TAG)
}

/// Removes, from `dir`, the temporary files of target `name` that a run
/// killed without a chance to clean up (SIGKILL, a power cut) left behind,
/// and says so: only names of our pattern whose process is gone and that are
/// older than this run ([`signal::is_stale`]).
pub fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = temp_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_file())
            && signal::is_stale(&path, file_name, &prefix, TEMP_SUFFIX)
            && std::fs::remove_file(&path).is_ok()
        {
            signal::report_leftover("removed a temporary file", &path);
        }
    }
}

/// Writes every slice, in order, with as few system calls as the kernel
/// allows (std's `write_all_vectored` is not stable yet).
pub fn write_all_vectored(
    file: &mut (impl Write + ?Sized),
    slices: &mut [IoSlice<'_>],
) -> io::Result<()> {
    let mut rest = slices;
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

enum Target {
    Stdout(File),
    File(AtomicFile),
    Compressed(Box<Encoder>),
}

impl Target {
    fn path(&self) -> Option<&Path> {
        match self {
            Target::Stdout(_) => None,
            Target::File(file) => Some(file.path()),
            Target::Compressed(enc) => Some(enc.file().path()),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Target::Stdout(file) => file,
            Target::File(file) => file,
            Target::Compressed(enc) => enc.as_mut(),
        }
    }

    /// Finishes a compressed stream and moves a file into place.
    fn commit(self) -> Result<(), Error> {
        let error =
            |path: &Path, source| Error::Output { path: path.display().to_string(), source };
        match self {
            Target::Stdout(_) => Ok(()),
            Target::File(file) => file.commit(),
            Target::Compressed(enc) => {
                let path = enc.file().path().to_path_buf();
                (*enc).finish().map_err(|e| error(&path, e))?.commit()
            }
        }
    }
}

/// Creates `path` atomically, compressed when its name asks for it; the
/// returned writer's [`Output::commit`] moves it into place.
pub fn create_file(path: &Path) -> Result<Output, Error> {
    let file = AtomicFile::create(path)?;
    let target = match Compression::for_path(path) {
        None => Target::File(file),
        Some(format) => Target::Compressed(Box::new(
            Encoder::new(format, file)
                .map_err(|source| Error::Output { path: path.display().to_string(), source })?,
        )),
    };
    Ok(Output { target, pending: Vec::with_capacity(PENDING), side: false })
}

/// Where a tool's records go: standard output or `-o FILE`.
pub struct Output {
    target: Target,
    /// Not the records (--rejects, --stats, a report): losing it to a
    /// closed pipe is an error, not the quiet end a closed `| head` is.
    side: bool,
    /// Small writes collect here; large slices go straight to the kernel.
    pending: Vec<u8>,
}

const PENDING: usize = 256 * 1024;
/// Slices at least this long are not copied.
const SMALL: usize = 16 * 1024;

impl Output {
    /// Opens FILE, or standard output for no path or `-`; `what` names the
    /// output in the message when another one already writes to standard
    /// output (see [`crate::guard::claim_stdout`]).
    pub fn open(path: Option<&Path>, what: &str) -> Result<Output, Error> {
        let side = what != crate::run::RECORDS_ON_STDOUT;
        let target = match path {
            Some(path) if path.as_os_str() != "-" => {
                let mut output = create_file(path)?;
                output.side = side;
                if let Target::File(file) = &mut output.target
                    && file.in_place()
                    && side
                    && is_stdout(file.file())
                {
                    SIDE_ON_STDOUT.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                return Ok(output);
            }
            _ => {
                crate::guard::claim_stdout(what)?;
                if side {
                    SIDE_ON_STDOUT.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                let stdout = io::stdout();
                enlarge_pipe(&stdout);
                let fd = stdout.as_fd().try_clone_to_owned().map_err(Error::Stdout)?;
                Target::Stdout(File::from(fd))
            }
        };
        Ok(Output { target, pending: Vec::with_capacity(PENDING), side })
    }

    fn error(&self, source: io::Error) -> Error {
        let closed = source.kind() == io::ErrorKind::BrokenPipe;
        match self.target.path() {
            // A closed pipe ends the run quietly only when nothing but
            // records was lost with it (CONVENTIONS §3.4).
            None if closed && SIDE_ON_STDOUT.load(std::sync::atomic::Ordering::Relaxed) => {
                Error::Stdout(io::Error::other(
                    "Broken pipe: its reader closed it while --rejects or --stats also wrote to it; what they wrote there is lost",
                ))
            }
            None => Error::Stdout(source),
            Some(path) if closed && self.side => Error::Output {
                path: path.display().to_string(),
                source: io::Error::other(
                    "Broken pipe: its reader closed it before everything was written; the rest is lost",
                ),
            },
            Some(path) => Error::Output { path: path.display().to_string(), source },
        }
    }

    /// Writes slices in order: small ones are copied into a buffer, each
    /// large one goes to the kernel as it is, together with what is buffered.
    pub fn write_slices(&mut self, slices: &[&[u8]]) -> Result<(), Error> {
        for slice in slices {
            if slice.len() < SMALL {
                self.pending.extend_from_slice(slice);
                if self.pending.len() >= PENDING {
                    self.flush_pending()?;
                }
                continue;
            }
            let Output { target, pending, .. } = self;
            let file = target.writer();
            let result =
                write_all_vectored(file, &mut [IoSlice::new(pending), IoSlice::new(slice)]);
            self.pending.clear();
            result.map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Writes one buffer (copied when small).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.write_slices(&[bytes])
    }

    fn flush_pending(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let result = self.target.writer().write_all(&pending);
        self.pending = pending;
        self.pending.clear();
        result.map_err(|e| self.error(e))
    }

    pub fn flush(&mut self) -> Result<(), Error> {
        self.flush_pending()?;
        let result = self.target.writer().flush();
        result.map_err(|e| self.error(e))
    }

    /// Ends an incomplete run: what went to standard output (or to a pipe or
    /// device given as -o) stays written (flushed); a file is removed, never
    /// moved into place.
    pub fn abandon(mut self) -> Result<(), Error> {
        match &self.target {
            Target::Stdout(_) => self.flush(),
            Target::File(file) if file.in_place() => self.flush(),
            _ => Ok(()),
        }
    }

    /// The file that [`Output::abandon`] would leave unwritten, if any (not
    /// standard output, a pipe or a device).
    pub fn withheld_file(&self) -> Option<&Path> {
        match &self.target {
            Target::File(file) if file.in_place() => None,
            target => target.path(),
        }
    }

    /// Flushes and, for a file, moves it into place.
    pub fn commit(mut self) -> Result<(), Error> {
        self.flush()?;
        self.target.commit()
    }
}

#[cfg(test)]
mod commit_tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn commit_moves_the_file_into_place_and_abandon_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "old\n").unwrap();
        let mut out = Output::open(Some(&path), "test").unwrap();
        out.write(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n", "nothing before commit");
        out.abandon().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n", "abandon keeps the old file");
        assert_eq!(leftovers(dir.path()), ["out.jsonl"], "no temporary file left");
        let mut out = Output::open(Some(&path), "test").unwrap();
        out.write(b"new\n").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(leftovers(dir.path()), ["out.jsonl"]);
        // A compressed target is finished before it is moved into place.
        let gz = dir.path().join("out.jsonl.gz");
        let mut out = Output::open(Some(&gz), "test").unwrap();
        out.write(b"x\n").unwrap();
        out.commit().unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()),
            &mut text,
        )
        .unwrap();
        assert_eq!(text, "x\n");
    }
}
