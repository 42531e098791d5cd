//! A progress line on standard error (CONVENTIONS §4.3): only when stderr is
//! a terminal, only once a run has lasted a second, never with --quiet.
//!
//! Everything else written to the terminal goes through [`stderr`] (or calls
//! [`erase`] before writing to standard output), which erases a drawn line
//! first, from whichever thread writes: a message or a report never starts
//! on the progress line.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Whether a progress line is on the terminal now.
static DRAWN: AtomicBool = AtomicBool::new(false);

/// Erases the progress line, if one is drawn.
pub fn erase() {
    drop(stderr());
}

/// Standard error, locked, with any progress line erased first.
pub fn stderr() -> std::io::StderrLock<'static> {
    let mut err = std::io::stderr().lock();
    if DRAWN.swap(false, Ordering::SeqCst) {
        let _ = write!(err, "\r\x1b[K");
    }
    err
}

pub struct Progress {
    tool: &'static str,
    enabled: bool,
    started: Instant,
    last: Instant,
    total: Option<u64>,
    pub bytes: u64,
    pub records: u64,
}

impl Progress {
    pub fn new(tool: &'static str, quiet: bool, total: Option<u64>) -> Self {
        let now = Instant::now();
        Progress {
            tool,
            enabled: !quiet && std::io::stderr().is_terminal(),
            started: now,
            last: now,
            total,
            bytes: 0,
            records: 0,
        }
    }

    /// Adds work done and redraws at most four times a second.
    pub fn advance(&mut self, bytes: u64, records: u64) {
        self.bytes += bytes;
        self.records += records;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.started;
        if elapsed < Duration::from_secs(1) || now - self.last < Duration::from_millis(250) {
            return;
        }
        self.last = now;
        let rate = self.bytes as f64 / elapsed.as_secs_f64();
        let mut line = format!(
            "{}: {} records, {:.1} MB, {:.0} MB/s",
            self.tool,
            self.records,
            self.bytes as f64 / 1e6,
            rate / 1e6
        );
        if let Some(total) = self.total.filter(|t| *t > 0 && rate > 0.0) {
            let left = total.saturating_sub(self.bytes) as f64 / rate;
            line.push_str(&format!(
                ", {:.0}%, ETA {:.0}s",
                self.bytes as f64 * 100.0 / total as f64,
                left
            ));
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{line}");
        DRAWN.store(true, Ordering::SeqCst);
    }

    /// Erases the progress line before the summary is printed.
    pub fn clear(&mut self) {
        erase();
    }
}
