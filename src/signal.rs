//! No leftovers (issue 18 §2): SIGINT, SIGTERM and SIGHUP remove every
//! temporary file and folder of the run, then end the process by the same
//! signal (so the shell's status is 130, 143 or 129, and a calling script
//! or `make` sees an interrupted command, as with GNU sort); after SIGKILL
//! the next run into the same place removes what the dead run left.
//!
//! Every temporary path a run creates on disk (the hidden
//! `.NAME.synthkit-PID-XXXXXX.tmp` file next to an `-o`, `--stats` or
//! `--rejects` target, an `--out-dir` staging folder) is [`track`]ed in one
//! registry. The signal handler itself does nothing but wake a dedicated
//! thread (`signal_hook::iterator::Signals`: the handler writes to a pipe,
//! which is async-signal-safe), and that thread, in ordinary Rust, takes the
//! registry's lock, removes what it lists and re-raises the signal with its
//! default action. Committing a file (the rename into place) happens under
//! the same lock ([`Temp::settle`]), so a signal either comes before the
//! commit (the temporary file is removed, the target untouched) or after it
//! (nothing left to remove): never half of one. Spool files (phase-split's
//! spilled phases) are anonymous (`O_TMPFILE`, or unlinked at once) and
//! vanish with the process whatever ends it.
//!
//! A signal the tool was started with ignored (`nohup`, `&` in a
//! non-interactive shell) stays ignored. Temporary names carry the creating
//! process's id, so a later run can tell a dead run's leftovers from a live
//! run's files ([`is_stale`]): only names of our pattern, whose process no
//! longer exists and that are older than the current run, are ever removed.
//! References: signal-safety(7); signal-hook's `iterator` module documentation.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// What a tracked path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    /// A folder of ours, removed with everything in it.
    Dir,
}

struct Tracked {
    id: u64,
    path: PathBuf,
    kind: Kind,
}

static TRACKED: Mutex<Vec<Tracked>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);
static TOOL: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
static STARTED: std::sync::OnceLock<SystemTime> = std::sync::OnceLock::new();

/// The part of every temporary name that says it is ours.
pub const TAG: &str = "synthkit-";

fn tracked() -> std::sync::MutexGuard<'static, Vec<Tracked>> {
    TRACKED.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered temporary path; dropping it forgets it (the owner removes
/// or commits the path itself).
#[must_use]
pub struct Temp {
    id: u64,
}

/// Registers a temporary path to remove should the run be interrupted.
pub fn track(path: &Path, kind: Kind) -> Temp {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    tracked().push(Tracked { id, path, kind });
    Temp { id }
}

impl Temp {
    /// Runs `commit` (moving the path into place) with interruption held
    /// off, then forgets the path: a signal waits until it is done.
    pub fn settle<T>(self, commit: impl FnOnce() -> T) -> T {
        let mut list = tracked();
        let out = commit();
        list.retain(|t| t.id != self.id);
        out
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        tracked().retain(|t| t.id != self.id);
    }
}

/// The tool's name, for messages of the library (`TOOL: …`).
pub fn tool() -> &'static str {
    TOOL.get().copied().unwrap_or("synthkit")
}

/// When this run started: leftovers must be older.
pub fn started() -> SystemTime {
    *STARTED.get_or_init(SystemTime::now)
}

/// Installs the handlers of SIGINT, SIGTERM and SIGHUP (those not ignored)
/// for the run of `tool`. Called once, before any file is created.
pub fn install(tool: &'static str) {
    let _ = TOOL.set(tool);
    started();
    let wanted: Vec<i32> = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP]
        .into_iter()
        .filter(|&signal| !ignored(signal))
        .collect();
    let Ok(mut signals) = signal_hook::iterator::Signals::new(&wanted) else {
        return;
    };
    let _ = std::thread::Builder::new().name("synthkit-signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            clean_up_and_die(signal);
        }
    });
}

/// Whether `signal` was ignored when the process started.
fn ignored(signal: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current one
    // into a zeroed struct we own.
    #[allow(unsafe_code)]
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

fn clean_up_and_die(signal: i32) -> ! {
    // Held until the process ends: no commit can start after this.
    let list = tracked();
    let mut removed = 0;
    for t in list.iter() {
        let gone = match t.kind {
            Kind::File => std::fs::remove_file(&t.path),
            Kind::Dir => std::fs::remove_dir_all(&t.path),
        };
        removed += usize::from(gone.is_ok());
    }
    let name = match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "SIGHUP",
    };
    let what = match removed {
        0 => String::new(),
        1 => "; removed its temporary file".into(),
        n => format!("; removed its {n} temporary files"),
    };
    let _ = std::io::Write::write_all(
        &mut crate::progress::stderr(),
        format!("{}: stopped by {name}{what}\n", tool()).as_bytes(),
    );
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    std::process::exit(128 + signal)
}

/// Whether a temporary name of ours, `{prefix}{pid}-…{suffix}` (prefix
/// ending in [`TAG`]), at `path` was left by a run that is gone: its process
/// no longer exists and it was last changed before this run started.
pub fn is_stale(path: &Path, file_name: &str, prefix: &str, suffix: &str) -> bool {
    let Some(rest) = file_name.strip_prefix(prefix).and_then(|r| r.strip_suffix(suffix)) else {
        return false;
    };
    let Some((pid, random)) = rest.split_once('-') else {
        return false;
    };
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    if random.is_empty() || random.contains('/') || pid as u32 == std::process::id() {
        return false;
    }
    let alive = match rustix::process::Pid::from_raw(pid) {
        // EPERM means it exists (another user's): alive.
        Some(pid) => {
            !matches!(rustix::process::test_kill_process(pid), Err(rustix::io::Errno::SRCH))
        }
        None => true,
    };
    if alive {
        return false;
    }
    std::fs::symlink_metadata(path)
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| modified < started())
}

/// Says on stderr that a dead run's leftover was removed (or restored).
pub fn report_leftover(what: &str, path: &Path) {
    let _ = std::io::Write::write_all(
        &mut crate::progress::stderr(),
        format!(
            "{}: {what} left by an interrupted run: {}\n",
            tool(),
            crate::report::printable(&path.display().to_string())
        )
        .as_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_of_dead_processes_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let dead = std::process::Command::new("true").spawn().unwrap();
        let pid = dead.id();
        let mut dead = dead;
        dead.wait().unwrap();
        let name = format!(".out.jsonl.{TAG}{pid}-aB3xYz.tmp");
        let path = dir.path().join(&name);
        std::fs::write(&path, "x").unwrap();
        let long_ago = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(long_ago).unwrap();
        let prefix = format!(".out.jsonl.{TAG}");
        assert!(is_stale(&path, &name, &prefix, ".tmp"));
        let ours = format!(".out.jsonl.{TAG}{}-aB3xYz.tmp", std::process::id());
        assert!(!is_stale(&path, &ours, &prefix, ".tmp"), "this process is alive");
        assert!(!is_stale(&path, ".out.jsonl.1234.tmp", &prefix, ".tmp"), "not our pattern");
        assert!(!is_stale(&path, &name, ".other.synthkit-", ".tmp"), "another target");
    }
}
