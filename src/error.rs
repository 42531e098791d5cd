//! The library's typed errors. Every one of them is fatal (exit 2) except a
//! closed standard output, which ends a run quietly (CONVENTIONS §3.4). Bad
//! records are not errors: they are counted and reported by `report`.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or argument that cannot work, found after clap parsed it.
    #[error("{0}")]
    Usage(String),
    /// An input that cannot be opened or read.
    #[error("cannot read {name}: {source}")]
    Input { name: String, source: io::Error },
    /// An output file that cannot be created, written or moved into place.
    #[error("cannot write {path}: {source}")]
    Output { path: String, source: io::Error },
    /// Standard output failed; a closed pipe is not reported.
    #[error("cannot write to standard output: {0}")]
    Stdout(io::Error),
    /// A configuration file (persona, template, schema…) that is not usable.
    #[error("{0}")]
    Config(String),
    /// A failure that is not the user's: a broken invariant (a bug) or the
    /// system refusing a thread. Exit status 2, like every fatal error.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Whether the error is a reader closing our standard output.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Whether anything in an error chain is a closed pipe on standard output.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<Error>().is_some_and(Error::is_broken_pipe)
            || cause
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
