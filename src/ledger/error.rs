//! Errors of the ledger layer, and how storage-engine errors and panics become them.

use super::auth::AuthError;
use crate::model::Seq;
use std::path::{Path, PathBuf};

/// Why a ledger could not be opened, created or appended to.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No file at the path.
    #[error("{}", crate::messages::text("ledger.not_found", &[("path", &path.display())]))]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// init refuses to touch an existing path.
    #[error("{}", crate::messages::text("ledger.exists", &[("path", &path.display())]))]
    Exists {
        /// The path.
        path: PathBuf,
    },
    /// Another process has the ledger open.
    #[error("{}", crate::messages::text("ledger.in_use", &[("path", &path.display())]))]
    InUse {
        /// The path.
        path: PathBuf,
    },
    /// The file is a database or something else, but not a jixiao ledger.
    #[error("{}", crate::messages::text("ledger.not_a_ledger", &[("path", &path.display()), ("why", &why)]))]
    NotALedger {
        /// The path.
        path: PathBuf,
        /// What was found instead.
        why: String,
    },
    /// Written by a newer jixiao.
    #[error("{}", crate::messages::text("ledger.newer_version", &[("path", &path.display()), ("found", &found), ("supported", &supported)]))]
    NewerVersion {
        /// The path.
        path: PathBuf,
        /// Format found.
        found: u16,
        /// Newest format supported.
        supported: u16,
    },
    /// Written by an older format that needs an upgrade step.
    #[error("{}", crate::messages::text("ledger.needs_upgrade", &[("path", &path.display()), ("found", &found)]))]
    NeedsUpgrade {
        /// The path.
        path: PathBuf,
        /// Format found.
        found: u16,
    },
    /// The storage is damaged.
    #[error("{}", crate::messages::text("ledger.corrupt", &[("path", &path.display()), ("detail", &detail)]))]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// An I/O or storage-engine error that is not corruption.
    #[error("{}", crate::messages::text("ledger.io", &[("path", &path.display()), ("detail", &detail)]))]
    Io {
        /// The path.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// The batch is not authorised; nothing was written.
    #[error("{}", crate::messages::text("ledger.unauthorized", &[("seq", &seq), ("source", &source)]))]
    Unauthorized {
        /// The seq the refused event would have had.
        seq: Seq,
        /// Why.
        source: AuthError,
    },
    /// The batch's recorded time is earlier than the last entry's: recorded times never go
    /// backwards.
    #[error("{}", crate::messages::text("ledger.time_backwards", &[("path", &path.display()), ("at", &at), ("last", &last), ("last_seq", &last_seq)]))]
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
    #[error("{}", crate::messages::text("ledger.entry_too_large", &[("seq", &seq), ("len", &len), ("limit", &limit)]))]
    EntryTooLarge {
        /// The seq the refused event would have had.
        seq: Seq,
        /// Its encoded size.
        len: usize,
        /// The limit ([`super::MAX_ENTRY_BYTES`]).
        limit: usize,
    },
    /// An empty batch.
    #[error("{}", crate::messages::text("ledger.empty_batch", &[]))]
    EmptyBatch,
    /// The ledger does not verify, so nothing is appended to it.
    #[error("{}", crate::messages::text("ledger.damaged", &[("path", &path.display()), ("seq", &seq), ("detail", &crate::messages::localize("detail", detail))]))]
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
    #[error("{}", crate::messages::text("ledger.derived_mismatch", &[("path", &path.display()), ("detail", &crate::messages::localize("detail", detail))]))]
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
