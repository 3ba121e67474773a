//! `jixiao upgrade`: turning a format-1 file into format 2 (docs/FORMAT.md §9.6).
//!
//! Owns: the upgrade, one write transaction: format version, frontier, the upgrade record, the
//! moved checkpoints (their form is src/ledger/upgrade_state.rs). Must not: touch an entry, a
//! hash row or a batch record, or upgrade a file that does not verify.

use super::entry::FORMAT_VERSION;
use super::error::{LedgerError, guarded, storage_err};
use super::failure::Failure;
use super::merkle::{Frontier, TreeAlgorithm};
use super::store::{CHECKPOINTS, Db, Ledger, MERKLE, META};
use super::upgrade_state::{CHECKPOINTS_V1, UPGRADE_ROW, UpgradeRecord};
use redb::ReadableTable;
use std::path::Path;

/// What `upgrade` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upgraded {
    /// The file was format 1 and is now format 2.
    Done {
        /// The record written.
        record: UpgradeRecord,
        /// Format-1 checkpoints moved to `checkpoints_v1`.
        checkpoints: usize,
    },
    /// The file was already format 2; nothing was written.
    AlreadyCurrent {
        /// Its upgrade record, if it was upgraded from format 1.
        record: Option<UpgradeRecord>,
    },
}

fn damaged(path: &Path, f: Failure) -> LedgerError {
    LedgerError::Damaged {
        path: path.to_path_buf(),
        seq: f.seq.unwrap_or(0),
        detail: format!(
            "{}; a ledger that does not verify is not upgraded",
            f.detail
        ),
    }
}

/// Upgrades the ledger at `path` to format 2 at time `now` (Unix seconds): verifies it in full
/// first (a failure is [`LedgerError::Damaged`] with the first failing seq, and nothing is
/// written), then in one transaction sets `meta.format_version` to 2, replaces the frontier by
/// the RFC 6962 one, moves the kept checkpoints to `checkpoints_v1` and writes the upgrade
/// record. Entries, hash rows, batch records and the key index are not touched. A file already
/// of format 2 is left as it is.
pub fn upgrade(path: &Path, now: i64) -> Result<Upgraded, LedgerError> {
    let ledger = Ledger::open_write(path, true)?;
    let v = ledger.verify(&mut |_| {}).map_err(|f| damaged(path, f))?;
    if ledger.format_version() == FORMAT_VERSION {
        return Ok(Upgraded::AlreadyCurrent {
            record: ledger.upgrade_record()?,
        });
    }
    let hashes = ledger.entry_hashes(v.size)?;
    let v1_root = TreeAlgorithm::Blake3V1.root_of(&hashes);
    if v1_root != v.root {
        // verify just recomputed it; a difference means the file changed under us.
        return Err(LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "the ledger changed while it was being upgraded".into(),
        });
    }
    let frontier = Frontier::from_hashes_with(TreeAlgorithm::Rfc6962, &hashes)
        .map_err(|e| storage_err(path, e))?;
    let record = UpgradeRecord {
        upgraded_at: now,
        size: v.size,
        v1_root,
        v2_root: frontier.root(),
    };
    let Db::Write(db) = &ledger.db else {
        return Err(LedgerError::Io {
            path: path.to_path_buf(),
            detail: "opened read-only".into(),
        });
    };
    let se = |e: &dyn std::fmt::Display| storage_err(path, e);
    let moved = guarded(path, || {
        let mut txn = db.begin_write().map_err(|e| se(&e))?;
        txn.set_two_phase_commit(true);
        let mut moved = 0;
        {
            let mut meta = txn.open_table(META).map_err(|e| se(&e))?;
            meta.insert("format_version", FORMAT_VERSION.to_le_bytes().as_slice())
                .map_err(|e| se(&e))?;
            meta.insert(UPGRADE_ROW, record.to_bytes().as_slice())
                .map_err(|e| se(&e))?;
            let mut merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
            merkle
                .insert("frontier", frontier.to_bytes().as_slice())
                .map_err(|e| se(&e))?;
            let kept: Vec<(u64, String)> = match txn.open_table(CHECKPOINTS) {
                Ok(t) => t
                    .iter()
                    .map_err(|e| se(&e))?
                    .map(|r| r.map(|(k, v)| (k.value(), v.value().to_owned())))
                    .collect::<Result<_, _>>()
                    .map_err(|e| se(&e))?,
                Err(e) => return Err(se(&e)),
            };
            let mut v1 = txn.open_table(CHECKPOINTS_V1).map_err(|e| se(&e))?;
            let mut cps = txn.open_table(CHECKPOINTS).map_err(|e| se(&e))?;
            for (size, text) in &kept {
                v1.insert(*size, text.as_str()).map_err(|e| se(&e))?;
                cps.remove(*size).map_err(|e| se(&e))?;
                moved += 1;
            }
        }
        txn.commit().map_err(|e| se(&e))?;
        Ok(moved)
    })?;
    Ok(Upgraded::Done {
        record,
        checkpoints: moved,
    })
}
