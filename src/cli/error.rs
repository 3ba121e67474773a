//! The binary's error type and exit-code policy.

use crate::ledger::LedgerError;
use crate::ledger::keys::KeyError;

/// Anything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A ledger error (integrity problems exit 1, others 2).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A key file problem.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Bad usage or input, with what to do.
    #[error("{0}")]
    Usage(String),
    /// I/O on a named path.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A problem already printed (verify output); carries the exit code.
    #[error("reported")]
    Reported(u8),
}

impl CliError {
    /// 1 for integrity problems, 2 for usage, input and I/O.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Ledger(e) if e.is_integrity() => 1,
            CliError::Reported(c) => *c,
            _ => 2,
        }
    }
}
