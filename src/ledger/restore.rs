//! The stored form of a ledger prefix (every entry's stored bytes and every batch record up to
//! a size) copied out of a ledger file, and a ledger file rebuilt from such a copy, so that the
//! ordinary `verify` and everything built on an open [`Ledger`] can run on it (docs/FORMAT.md
//! §10).
//!
//! Owns: the copy and the rebuild. The rebuild writes the stored tables (`meta`, `entries`,
//! `batches`) from the copy and re-derives the derived ones (`hashes`, `keys`, `merkle`) from
//! the entries, with the store's own tables and encoders. Must not: trust what it rebuilds. It
//! checks nothing; the caller verifies the rebuilt ledger like any other file.

use super::auth::Authority;
use super::entry::{Entry, EntryHash};
use super::error::{LedgerError, guarded, storage_err};
use super::merkle::{Frontier, TreeAlgorithm};
use super::store::{
    BATCHES, BatchRecord, ENTRIES, HASHES, Ledger, MAGIC, MERKLE, META, write_authority,
};
use crate::model::{Event, Seq};
use redb::Database;
use std::path::Path;

/// The stored bytes of a ledger's first `entries.len()` entries and its batch records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLedger {
    /// Ledger id (`meta.ledger_id`).
    pub ledger_id: [u8; 16],
    /// Format version (`meta.format_version`), which chooses the rebuilt Merkle tree.
    pub format_version: u16,
    /// Stored bytes of seq 1, 2, …, in order.
    pub entries: Vec<Vec<u8>>,
    /// Batch records, in seq order.
    pub batches: Vec<BatchRecord>,
}

impl Default for StoredLedger {
    fn default() -> StoredLedger {
        StoredLedger {
            ledger_id: [0; 16],
            format_version: super::entry::FORMAT_VERSION,
            entries: Vec::new(),
            batches: Vec::new(),
        }
    }
}

impl StoredLedger {
    /// Copies the stored bytes of seqs `1..=size` and the batch records ending at or before
    /// `size` out of `ledger` (not verified: the copy is as stored).
    pub fn read(ledger: &Ledger, size: Seq) -> Result<StoredLedger, LedgerError> {
        let path = ledger.path().to_path_buf();
        guarded(&path, || {
            let se = |e: &dyn std::fmt::Display| storage_err(&path, e);
            let txn = ledger.begin_read()?;
            let table = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
            // Reserve no more than the entries that can be there (a size is not yet trusted here).
            let mut entries = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
            for item in table.range(1..=size).map_err(|e| se(&e))? {
                let (k, v) = item.map_err(|e| se(&e))?;
                let expected = entries.len() as u64 + 1;
                if k.value() != expected {
                    return Err(LedgerError::Corrupt {
                        path: path.clone(),
                        detail: format!("entry {expected} is missing"),
                    });
                }
                entries.push(v.value().to_vec());
            }
            if (entries.len() as u64) < size {
                return Err(LedgerError::Corrupt {
                    path: path.clone(),
                    detail: format!("the ledger has {} entries, not {size}", entries.len()),
                });
            }
            let batches = ledger
                .batches()?
                .into_iter()
                .filter(|b| b.last <= size)
                .collect();
            Ok(StoredLedger {
                ledger_id: ledger.ledger_id(),
                format_version: ledger.format_version(),
                entries,
                batches,
            })
        })
    }
}

/// A ledger rebuilt in a temporary directory (deleted when this is dropped).
#[derive(Debug)]
pub struct RestoredLedger {
    // Declared before `dir`: the file is closed before its directory is removed.
    ledger: Ledger,
    dir: tempfile::TempDir,
}

impl RestoredLedger {
    /// The rebuilt ledger, opened read-only.
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The temporary directory holding it.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Rebuilds a ledger file from `stored` in a new temporary directory and opens it read-only.
/// Errors are I/O or storage errors of the temporary file; whether the content is a sound
/// ledger is for `verify` to say.
pub fn restore(stored: &StoredLedger) -> Result<RestoredLedger, LedgerError> {
    let dir = tempfile::tempdir().map_err(|e| LedgerError::Io {
        path: std::env::temp_dir(),
        detail: format!("creating a temporary directory to rebuild the ledger in: {e}"),
    })?;
    let path = dir.path().join("restored.jixiao");
    guarded(&path, || write_tables(&path, stored))?;
    let ledger = Ledger::open_read(&path)?;
    Ok(RestoredLedger { ledger, dir })
}

fn write_tables(path: &Path, stored: &StoredLedger) -> Result<(), LedgerError> {
    let se = |e: &dyn std::fmt::Display| storage_err(path, e);
    let db = Database::create(path).map_err(|e| se(&e))?;
    let txn = db.begin_write().map_err(|e| se(&e))?;
    let hashes: Vec<EntryHash> = stored
        .entries
        .iter()
        .map(|b| EntryHash::of_stored(b))
        .collect();
    {
        let mut meta = txn.open_table(META).map_err(|e| se(&e))?;
        meta.insert("magic", MAGIC).map_err(|e| se(&e))?;
        meta.insert(
            "format_version",
            stored.format_version.to_le_bytes().as_slice(),
        )
        .map_err(|e| se(&e))?;
        meta.insert("ledger_id", stored.ledger_id.as_slice())
            .map_err(|e| se(&e))?;
        let mut entries = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
        for (seq, bytes) in (1u64..).zip(&stored.entries) {
            entries.insert(seq, bytes.as_slice()).map_err(|e| se(&e))?;
        }
        let mut batches = txn.open_table(BATCHES).map_err(|e| se(&e))?;
        let mut blocks = txn.open_table(HASHES).map_err(|e| se(&e))?;
        let n = hashes.len() as u64;
        for b in &stored.batches {
            batches
                .insert(b.last, b.to_bytes().as_slice())
                .map_err(|e| se(&e))?;
            // The hashes of the entries the record claims (those that exist); a record that
            // does not fit the entries leaves a block verify refuses.
            let block: Vec<u8> = (b.first.max(1)..=b.last.min(n))
                .filter_map(|s| usize::try_from(s - 1).ok().and_then(|i| hashes.get(i)))
                .flat_map(|h| h.0)
                .collect();
            blocks
                .insert(b.last, block.as_slice())
                .map_err(|e| se(&e))?;
        }
        // A version without a tree (not 1 or 2) gets the current one; opening refuses it.
        let tree =
            TreeAlgorithm::for_format(stored.format_version).unwrap_or(TreeAlgorithm::CURRENT);
        let frontier = Frontier::from_hashes_with(tree, &hashes).map_err(|e| se(&e))?;
        let mut merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
        merkle
            .insert("frontier", frontier.to_bytes().as_slice())
            .map_err(|e| se(&e))?;
    }
    write_authority(path, &txn, &derived_authority(&stored.entries))?;
    txn.commit().map_err(|e| se(&e))?;
    Ok(())
}

/// The key registry the entries imply, applied without checks (verify checks every step and
/// compares its own derivation with this index).
fn derived_authority(entries: &[Vec<u8>]) -> Authority {
    let mut authority = Authority::default();
    for (seq, bytes) in (1 as Seq..).zip(entries) {
        let Ok(entry) = Entry::decode(bytes) else {
            continue;
        };
        match (&entry.event, seq) {
            (Event::Genesis(g), 1) => {
                if let Ok(a) = Authority::from_genesis(g, entry.author) {
                    authority = a;
                }
            }
            (event, _) => authority.apply(event),
        }
    }
    authority
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_copy_rebuilds_to_a_ledger_that_fails_verification_and_does_not_panic() {
        let r = restore(&StoredLedger::default()).unwrap();
        assert!(r.dir().exists());
        assert!(r.ledger().verify(&mut |_| {}).is_err());
    }
}
