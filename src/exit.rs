//! One exit-code policy for every tool (CONVENTIONS §3.3–§3.5).
//!
//! 0 success (also: nothing matched, a reader closed the pipe); 1 a data
//! problem; 2 a usage or environment error. Tools return an [`Outcome`] or an
//! error and [`run`] maps it: the library never calls `process::exit`.

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use crate::error::is_broken_pipe;

/// How a run that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every record was accounted for and every check passed.
    Clean,
    /// Bad records not captured by --rejects, or a failed check or gate.
    DataErrors,
}

/// Runs a tool's body and turns its result into the exit status.
pub fn run(tool: &'static str, body: impl FnOnce() -> anyhow::Result<Outcome>) -> ExitCode {
    panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at =
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let _ = writeln!(
            crate::progress::stderr(),
            "{tool}: internal error: {message}{at}\n{tool}: this is a bug in synthkit; please report it with the command you ran"
        );
    }));
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(Outcome::Clean)) => ExitCode::SUCCESS,
        Ok(Ok(Outcome::DataErrors)) => ExitCode::from(1),
        Ok(Err(err)) => {
            if let Some(clap_error) = err.downcast_ref::<clap::Error>() {
                // --help and --version arrive here too, with status 0, and
                // go to standard output as clap prints them.
                if clap_error.use_stderr() {
                    // A usage error carries the `tool:` prefix of every
                    // other message (clap's own colours are dropped).
                    // It quotes the command line, which may hold any byte.
                    // ansi(): the text with every byte kept (plain rendering
                    // would drop escape sequences the user typed, unseen).
                    let text =
                        crate::report::printable_lines(&clap_error.render().ansi().to_string());
                    let _ = write!(crate::progress::stderr(), "{tool}: {text}");
                } else {
                    let _ = clap_error.print();
                }
                return ExitCode::from(clap_error.exit_code().clamp(0, 255) as u8);
            }
            // Quiet only when it is standard output whose reader left: a
            // closed --rejects or --stats pipe is an error like any other.
            if is_broken_pipe(&err) && stdout_is_closed() {
                return ExitCode::SUCCESS;
            }
            // Messages quote file names, flag values and file contents:
            // nothing in them may drive the terminal (CONVENTIONS §3.10).
            let text = crate::report::printable_lines(&message(&err));
            let _ = writeln!(crate::progress::stderr(), "{tool}: {text}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// The error and its causes on one line, leaving out a cause whose text the
/// message already carries (our errors quote their source themselves).
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Whether standard output is a pipe (or socket) whose reader has gone.
fn stdout_is_closed() -> bool {
    #[cfg(unix)]
    {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let stdout = std::io::stdout();
        let mut fds = [PollFd::new(&stdout, PollFlags::empty())];
        let now = Timespec { tv_sec: 0, tv_nsec: 0 };
        if poll(&mut fds, Some(&now)).is_ok() {
            return fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn outcomes_and_errors_map_to_the_exit_policy() {
        assert_eq!(run("t", || Ok(Outcome::Clean)), ExitCode::SUCCESS);
        assert_eq!(run("t", || Ok(Outcome::DataErrors)), ExitCode::from(1));
        assert_eq!(run("t", || Err(Error::Usage("bad flag".into()).into())), ExitCode::from(2));
        assert_eq!(run("t", || Err(Error::Internal("bug".into()).into())), ExitCode::from(2));
    }

    #[test]
    fn a_panic_is_exit_2_not_a_crash() {
        #[allow(clippy::panic)]
        let code = run("t", || panic!("a bug"));
        assert_eq!(code, ExitCode::from(2));
        let _ = panic::take_hook();
    }
}
