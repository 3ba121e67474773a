//! Errors of the ledger layer, and how storage-engine errors and panics become them.

use super::auth::AuthError;
use crate::model::Seq;
use std::path::{Path, PathBuf};

/// Why a ledger could not be opened, created or appended to.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No file at the path.
    #[error("{path}: no such ledger file; create one with `jixiao init {path} --department NAME --year YEAR --key ADMIN.key`", path = path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// init refuses to touch an existing path.
    #[error("{path}: already exists; `init` never overwrites; choose a new path", path = path.display())]
    Exists {
        /// The path.
        path: PathBuf,
    },
    /// Another process has the ledger open.
    #[error("{path}: in use by another process; wait for it to finish and try again", path = path.display())]
    InUse {
        /// The path.
        path: PathBuf,
    },
    /// The file is a database or something else, but not a jixiao ledger.
    #[error("{path}: not a jixiao ledger ({why})", path = path.display())]
    NotALedger {
        /// The path.
        path: PathBuf,
        /// What was found instead.
        why: String,
    },
    /// Written by a newer jixiao.
    #[error("{path}: written by a newer version of jixiao (ledger format {found}; this build reads up to {supported}); upgrade jixiao", path = path.display())]
    NewerVersion {
        /// The path.
        path: PathBuf,
        /// Format found.
        found: u16,
        /// Newest format supported.
        supported: u16,
    },
    /// Written by an older format that needs an upgrade step.
    #[error("{path}: ledger format {found} is older than this build writes; reading and verifying it work as they are, but to append to it run `jixiao upgrade {path}` first (a format before 1 cannot be upgraded)", path = path.display())]
    NeedsUpgrade {
        /// The path.
        path: PathBuf,
        /// Format found.
        found: u16,
    },
    /// The storage is damaged.
    #[error("{path}: corrupt ledger file: {detail}; run `jixiao verify` for the first failing entry", path = path.display())]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// An I/O or storage-engine error that is not corruption.
    #[error("{path}: {detail}", path = path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// The batch is not authorised; nothing was written.
    #[error("seq {seq}: {source}; nothing was appended")]
    Unauthorized {
        /// The seq the refused event would have had.
        seq: Seq,
        /// Why.
        source: AuthError,
    },
    /// The batch's recorded time is earlier than the last entry's: recorded times never go
    /// backwards.
    #[error("{path}: recorded time {at} is earlier than {last}, the time of the ledger's last entry #{last_seq}; recorded times never go backwards: check the clock (or JIXIAO_TIME); nothing was appended", path = path.display())]
    TimeBackwards {
        /// The path.
        path: PathBuf,
        /// The refused time (RFC 3339).
        at: String,
        /// The last entry's time (RFC 3339).
        last: String,
        /// The last entry's seq.
        last_seq: Seq,
    },
    /// An event whose entry would exceed the largest entry a ledger holds; nothing was written.
    #[error(
        "seq {seq}: the entry would be {len} bytes, more than the {limit} bytes an entry may have; nothing was appended"
    )]
    EntryTooLarge {
        /// The seq the refused event would have had.
        seq: Seq,
        /// Its encoded size.
        len: usize,
        /// The limit ([`super::MAX_ENTRY_BYTES`]).
        limit: usize,
    },
    /// An empty batch.
    #[error("nothing to append: the batch is empty")]
    EmptyBatch,
    /// The ledger does not verify, so nothing is appended to it.
    #[error("{path}: the ledger fails verification at seq {seq} ({detail}); nothing was appended", path = path.display())]
    Damaged {
        /// The path.
        path: PathBuf,
        /// First failing seq.
        seq: Seq,
        /// What failed.
        detail: String,
    },
    /// The derived state, or the tail of the ledger it was computed at, does not match the
    /// file (docs/FORMAT.md "Derived state"), so nothing is appended to it.
    #[error("{path}: {detail}; nothing was appended: the file was changed or damaged, run `jixiao verify {path}` to see where", path = path.display())]
    DerivedMismatch {
        /// The path.
        path: PathBuf,
        /// What does not match.
        detail: String,
    },
}

impl LedgerError {
    /// Is this a finding about the file's integrity (exit 1), as opposed to usage or I/O (exit 2)?
    #[must_use]
    pub fn is_integrity(&self) -> bool {
        matches!(
            self,
            LedgerError::NotALedger { .. }
                | LedgerError::Corrupt { .. }
                | LedgerError::Damaged { .. }
                | LedgerError::DerivedMismatch { .. }
        )
    }
}

/// A storage-engine error as a ledger error: damage to the file (corrupt pages, or a table
/// whose stored definition or type is not the one the format has, or one that is missing) is
/// [`LedgerError::Corrupt`] (exit 1); anything else, such as I/O, is [`LedgerError::Io`].
pub(crate) fn storage_err(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    let detail = e.to_string();
    let lower = detail.to_lowercase();
    let damaged = [
        "corrupt",
        "does not match stored definition",
        "multimap table",
        "has key type",
        "does not exist",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if damaged {
        LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail,
        }
    } else {
        LedgerError::Io {
            path: path.to_path_buf(),
            detail,
        }
    }
}

/// Runs `f`, turning a panic inside the storage engine (possible on deliberately corrupted
/// files in debug builds) into a corruption error. Our own code does not panic on bad bytes.
pub(crate) fn guarded<T>(
    path: &Path,
    f: impl FnOnce() -> Result<T, LedgerError>,
) -> Result<T, LedgerError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "the storage engine stopped on a damaged page of the file".into(),
        })
    })
}
