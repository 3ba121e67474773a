//! Export of a whole ledger as JSON Lines (`jixiao export L --jsonl`): every entry's stored
//! bytes, hash and decoded event, every batch signature, the key registry and the kept
//! checkpoints, so that an auditor's own program can re-verify the ledger from
//! docs/FORMAT.md alone; and the rebuild of an identical ledger from such an export
//! (`jixiao restore`, [`restore`]), a backup and restore path. The lines are specified in
//! docs/JSON.md ("export").
//!
//! Owns: the line types and their order, writing them from a verified ledger, reading them
//! back strictly. Must not: write a ledger table itself (the rebuild goes through
//! [`crate::ledger::restore`] and [`Ledger::keep_checkpoint`]), or export a ledger that does
//! not verify.

mod lines;
mod restore;

pub use lines::{BatchLine, CheckpointLine, EXPORT_FORMAT, EntryLine, HeaderLine, KeyLine, Span};
pub use restore::{Restored, restore};

use crate::ledger::{EntryHash, Failure, Ledger, LedgerError, Recorded, open_failure};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an export or a restore did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Opening or reading a ledger file failed (usage or I/O: exit 2).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The ledger does not verify (exit 1): it is not exported, or the rebuilt one is not
    /// written.
    #[error("{}: integrity check failed: {failure} ({})", path.display(), failure.kind.name())]
    Integrity {
        /// The ledger, or the export it was rebuilt from.
        path: PathBuf,
        /// The first failure.
        failure: Failure,
    },
    /// The export does not describe the ledger its own lines make (a hash, an event or a
    /// count differs; exit 1): damaged or edited.
    #[error("{}:{line}: {detail}", path.display())]
    Mismatch {
        /// The export file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// What differs, with the seq where there is one.
        detail: String,
    },
    /// The export is not well formed (exit 2): not JSON lines of the documented shape.
    #[error("{}:{line}: {detail}", path.display())]
    Malformed {
        /// The export file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// What is wrong and where (field).
        detail: String,
    },
    /// Reading or writing a file failed (exit 2).
    #[error("{}: {detail}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
}

impl ExportError {
    /// Exit 1 (a verification problem) rather than 2.
    #[must_use]
    pub fn is_integrity(&self) -> bool {
        match self {
            ExportError::Integrity { .. } | ExportError::Mismatch { .. } => true,
            ExportError::Ledger(e) => e.is_integrity(),
            ExportError::Malformed { .. } | ExportError::Io { .. } => false,
        }
    }
}

/// What was exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The header line's content.
    pub header: HeaderLine,
}

/// Verifies the ledger at `path` and writes its export to `out`: the header, then each entry
/// followed, after the last entry of each batch, by that batch's line, then the keys, then the
/// kept checkpoints (docs/JSON.md). A ledger that does not verify is not exported (nothing is
/// written).
pub fn export(path: &Path, out: &mut dyn Write) -> Result<Exported, ExportError> {
    let ledger = Ledger::open_read(path).map_err(|e| match open_failure(&e) {
        Some(failure) => ExportError::Integrity {
            path: path.to_path_buf(),
            failure,
        },
        None => ExportError::Ledger(e),
    })?;
    let verified = ledger
        .verify(&mut |_| {})
        .map_err(|failure| ExportError::Integrity {
            path: path.to_path_buf(),
            failure,
        })?;
    let batches = ledger.batches()?;
    let batches: Vec<_> = batches
        .into_iter()
        .filter(|b| b.last <= verified.size)
        .collect();
    let mut keys: Vec<KeyLine> = verified.authority.records().map(KeyLine::of).collect();
    keys.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    let checkpoints: Vec<CheckpointLine> = ledger
        .checkpoints()?
        .into_iter()
        .filter(|(size, _)| *size <= verified.size)
        .map(|(size, text)| CheckpointLine::new(size, text))
        .collect();
    let header = HeaderLine::new(
        &verified,
        ledger.format_version(),
        batches.len(),
        keys.len(),
        checkpoints.len(),
    );
    let io = |e: std::io::Error| ExportError::Io {
        path: PathBuf::from("<output>"),
        detail: e.to_string(),
    };
    write_line(out, &header).map_err(io)?;
    let mut batch_iter = batches.iter().peekable();
    let mut failed: Option<ExportError> = None;
    ledger.scan(1, |r: Recorded| -> Result<(), ExportError> {
        let seq = r.entry.seq;
        if seq > verified.size || failed.is_some() {
            return Ok(());
        }
        let Some(batch) = batch_iter.peek().copied() else {
            return Err(changed(path, seq, "no batch record covers it"));
        };
        // Verified canonical: the stored bytes are the encoding of the decoded entry. The
        // hash of the re-encoding is compared with that of the stored bytes all the same, in
        // case the file changed since it was verified.
        let stored = r.entry.encode();
        if EntryHash::of_stored(&stored) != r.hash {
            return Err(changed(path, seq, "its stored bytes changed"));
        }
        let line = lines::EntryOut::new(&r, &stored, Span::of(batch));
        if let Err(e) = write_line(out, &line) {
            failed = Some(io(e));
            return Ok(());
        }
        if seq == batch.last {
            if let Err(e) = write_line(out, &BatchLine::of(batch)) {
                failed = Some(io(e));
            }
            batch_iter.next();
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    for k in &keys {
        write_line(out, k).map_err(io)?;
    }
    for c in &checkpoints {
        write_line(out, c).map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(Exported { header })
}

fn changed(path: &Path, seq: u64, what: &str) -> ExportError {
    ExportError::Integrity {
        path: path.to_path_buf(),
        failure: Failure {
            seq: Some(seq),
            kind: crate::ledger::FailureKind::HashMismatch,
            detail: format!("{what} while it was being exported; verify it again"),
        },
    }
}

fn write_line<T: serde::Serialize>(out: &mut dyn Write, v: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
