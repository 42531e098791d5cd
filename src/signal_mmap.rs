//! Memory-mapped inputs that another program truncates or rewrites while a
//! tool reads them (issue 18 §2): `FILE: changed while being read`, exit 2,
//! no partial output, instead of death by SIGBUS.
//!
//! Reading a page of a mapping past the end of a truncated file raises
//! SIGBUS. Rust cannot unwind out of a signal handler, and `siglongjmp` past
//! Rust frames is undefined behaviour, so the handler does the one thing that
//! is sound and async-signal-safe: when the faulting address lies in a map we
//! registered, it maps an anonymous zero page over the faulting page
//! (`mmap(MAP_FIXED)`, a raw system call through rustix) and records which
//! map it was in an atomic. The interrupted instruction then reads zeros and
//! the program goes on; the pipeline checks [`faulted`] before it hands a
//! processed chunk to the tool, so nothing computed from those zeros is ever
//! written, and the run ends with the error. Every mapped source also keeps
//! its size and modification time from when it was opened ([`Snapshot`]) and
//! compares them when its last chunk is cut, which catches a change that
//! never faulted (a file rewritten in place, or truncated in pages already
//! read). A fault outside our maps is not ours: the handler restores the
//! default action and returns, so the fault repeats and ends the process as
//! it would have.
//!
//! Files that other programs are still writing should be read with
//! `--no-mmap`: read(2) sees a truncated file end early and never faults.
//! References: mmap(2), sigaction(2) and signal-safety(7) (Linux man-pages).

use std::fs::File;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use memmap2::Mmap;

/// Maps guarded at once; a source beyond them is read with read(2).
const SLOTS: usize = 64;

/// Start and length of each registered map (0 = free).
static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
/// 1 + the slot of the first map that faulted, or 0.
static FAULTED: AtomicUsize = AtomicUsize::new(0);
static PAGE: AtomicUsize = AtomicUsize::new(4096);
/// Names of the registered maps, for the message (never touched by the handler).
static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// A memory map whose pages, should the file shrink under it, read as zeros
/// and report the change instead of killing the process.
pub struct GuardedMap {
    map: Mmap,
    slot: usize,
}

impl std::ops::Deref for GuardedMap {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl GuardedMap {
    /// Registers `map` (named `name` in messages), or gives it back when the
    /// handler cannot be installed or every slot is taken: the caller then
    /// reads the file with read(2) instead.
    pub fn guard(map: Mmap, name: &str) -> Result<GuardedMap, Mmap> {
        if !install() || map.is_empty() {
            return Err(map);
        }
        let start = map.as_ptr() as usize;
        for slot in 0..SLOTS {
            if STARTS[slot].compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed).is_ok()
            {
                LENS[slot].store(map.len(), Ordering::Release);
                let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
                if names.len() < SLOTS {
                    names.resize(SLOTS, String::new());
                }
                names[slot] = name.to_string();
                return Ok(GuardedMap { map, slot });
            }
        }
        Err(map)
    }

    pub fn advise_sequential(&self) {
        #[cfg(unix)]
        let _ = self.map.advise(memmap2::Advice::Sequential);
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        LENS[self.slot].store(0, Ordering::Release);
        STARTS[self.slot].store(0, Ordering::Release);
    }
}

/// The name of the first mapped input that faulted (truncated under us).
pub fn faulted() -> Option<String> {
    let slot = FAULTED.load(Ordering::Acquire).checked_sub(1)?;
    let names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    Some(names.get(slot).cloned().unwrap_or_else(|| "an input".into()))
}

/// The error every check reports.
pub fn changed(name: &str) -> crate::error::Error {
    crate::error::Error::Input {
        name: name.to_string(),
        source: std::io::Error::other(
            "changed while being read (truncated or rewritten by another program); no output file \
             was committed; read files that are still being written with --no-mmap",
        ),
    }
}

/// What a mapped file looked like when it was opened.
pub struct Snapshot {
    file: File,
    len: u64,
    modified: Option<SystemTime>,
}

impl Snapshot {
    pub fn take(file: &File) -> Option<Snapshot> {
        let meta = file.metadata().ok()?;
        Some(Snapshot {
            file: file.try_clone().ok()?,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// Whether the file still has the size and modification time it had.
    pub fn unchanged(&self) -> bool {
        self.file
            .metadata()
            .is_ok_and(|meta| meta.len() == self.len && meta.modified().ok() == self.modified)
    }
}

/// The handler that was there before ours (Rust's own, which reports a
/// stack overflow): a fault outside our maps is handed to it.
static PREVIOUS: std::sync::OnceLock<libc::sigaction> = std::sync::OnceLock::new();

fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        PAGE.store(rustix::param::page_size(), Ordering::Relaxed);
        // Our own sigaction rather than signal-hook-registry's chain: that
        // runs the previous handler first, and Rust's resets SIGBUS to its
        // default action for any fault that is not a stack overflow, so the
        // second faulting page would kill the process.
        // SAFETY: `on_sigbus` is async-signal-safe (see there); the structs
        // are zeroed and owned here; the previous action is kept for faults
        // that are not ours.
        #[allow(unsafe_code)]
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut previous) != 0 {
                return false;
            }
            let _ = PREVIOUS.set(previous);
        }
        true
    })
}

/// The SIGBUS handler. It only reads atomics and makes the mmap(2) system
/// call (rustix's raw syscall: no libc lock, no allocation), or hands the
/// fault on: all async-signal-safe (signal-safety(7)).
extern "C" fn on_sigbus(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo_t with SA_SIGINFO, and
    // si_addr is defined for SIGBUS (sigaction(2)).
    #[allow(unsafe_code)]
    let addr = unsafe { info.as_ref().map_or(0, |info| info.si_addr() as usize) };
    for slot in 0..SLOTS {
        let start = STARTS[slot].load(Ordering::Acquire);
        let len = LENS[slot].load(Ordering::Acquire);
        if start == 0 || addr < start || addr >= start + len {
            continue;
        }
        let page = PAGE.load(Ordering::Relaxed);
        let at = addr & !(page - 1);
        // SAFETY: the page lies inside a read-only private map of ours that
        // stays mapped until its GuardedMap is dropped; replacing it with
        // zeros changes only what a reader of that map sees.
        #[allow(unsafe_code)]
        let mapped = unsafe {
            rustix::mm::mmap_anonymous(
                at as *mut _,
                page,
                rustix::mm::ProtFlags::READ,
                rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::FIXED,
            )
        };
        if mapped.is_ok() {
            let _ = FAULTED.compare_exchange(0, slot + 1, Ordering::AcqRel, Ordering::Relaxed);
            return;
        }
        break;
    }
    // Not a page of ours (or it could not be replaced): the previous
    // handler decides, or the default action ends the process as it would
    // have (the fault repeats once this returns).
    // SAFETY: calling the handler that was installed before ours, with the
    // arguments the kernel gave us, or signal(2), async-signal-safe.
    #[allow(unsafe_code)]
    unsafe {
        match PREVIOUS.get() {
            Some(previous)
                if previous.sa_sigaction != libc::SIG_DFL
                    && previous.sa_sigaction != libc::SIG_IGN
                    && previous.sa_flags & libc::SA_SIGINFO != 0 =>
            {
                let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(previous.sa_sigaction as *const ());
                handler(signal, info, context);
            }
            _ => {
                libc::signal(libc::SIGBUS, libc::SIG_DFL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The handler itself is tested end to end on the real binaries
    // (hostile_input.rs: a mapped input truncated while read): a fault here
    // would set the process-wide flag under the other tests' feet.
    #[test]
    fn a_snapshot_sees_a_file_cut_short_or_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let file = File::open(&path).unwrap();
        let snapshot = Snapshot::take(&file).unwrap();
        assert!(snapshot.unchanged());
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(100).unwrap();
        assert!(!snapshot.unchanged());
    }
}
