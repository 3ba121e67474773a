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

impl CliError {
    /// The message in the language in force: the library's errors word themselves from the
    /// catalogue; a key file that exists or cannot be read, and I/O on a path, are worded here.
    #[must_use]
    pub fn localized(&self) -> String {
        use crate::messages::text;
        match self {
            CliError::Key(KeyError::Exists { path }) => {
                text("error.key_exists", &[("path", &path.display())])
            }
            CliError::Io { path, source } | CliError::Key(KeyError::Io { path, source }) => {
                text("error.io", &[("path", &path.display()), ("error", source)])
            }
            other => other.to_string(),
        }
    }

    /// Writing to standard output failed because its reader left (`jixiao log L | head`):
    /// not worth a message; the command ends quietly (exit 2).
    #[must_use]
    pub fn is_closed_stdout(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The message for a ledger argument that is plainly not a ledger (exit 2): what it is and
/// the order the command takes, or the command line that was probably meant.
pub(super) fn misplaced_message(
    path: &std::path::Path,
    m: &crate::usage::Misplaced,
    names: &[String],
) -> String {
    use crate::messages::text;
    use crate::usage::Misplaced;
    let mut cmd = super::help::command();
    cmd.build();
    let mut at = cmd;
    for n in names {
        match at.find_subcommand(n) {
            Some(s) => at = s.clone(),
            None => break,
        }
    }
    let usage = at.render_usage().to_string();
    let usage = usage
        .trim()
        .trim_start_matches("Usage:")
        .trim_start_matches("用法：")
        .trim()
        .to_string();
    let p = path.display();
    let body = match m {
        Misplaced::Directory { ledgers } if ledgers.is_empty() => text(
            "usage.ledger_is_directory",
            &[("path", &p), ("usage", &usage)],
        ),
        Misplaced::Directory { ledgers } => text(
            "usage.ledger_is_directory_with",
            &[
                ("path", &p),
                ("usage", &usage),
                (
                    "ledgers",
                    &ledgers
                        .iter()
                        .map(|l| l.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
        ),
        Misplaced::InputFile { swapped: Some(v) } => text(
            "usage.ledger_swapped",
            &[("path", &p), ("usage", &usage), ("command", &v.join(" "))],
        ),
        Misplaced::InputFile { swapped: None } => {
            text("usage.ledger_is_input", &[("path", &p), ("usage", &usage)])
        }
    };
    text("error.prefix", &[("message", &body)])
}
