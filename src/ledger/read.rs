//! Reading a ledger for callers: head, entries, hashes, batches, kept checkpoints, the key
//! registry, in seq order and unverified (src/ledger/verify.rs judges them).
//!
//! Owns: read transactions over the tables and decoding their rows, with every step that
//! touches the file guarded against storage-engine panics. Must not: write, or vouch for what
//! it reads.

use super::auth::Authority;
use super::entry::{Entry, EntryHash, Recorded};
use super::error::LedgerError;
use super::error::{guarded, storage_err};
use super::merkle::Frontier;
use super::store::{
    BATCHES, BatchRecord, CHECKPOINTS, ENTRIES, HASHES, Head, KEYS, Ledger, MERKLE, decode_records,
    last_hash,
};
use crate::model::Seq;
use redb::{ReadTransaction, ReadableTable, TableError};
use std::path::Path;

impl Ledger {
    /// Entry count and head hash, from the `hashes` table (not verified).
    pub fn head(&self) -> Result<Head, LedgerError> {
        guarded(&self.path, || self.head_unguarded())
    }

    fn head_unguarded(&self) -> Result<Head, LedgerError> {
        let txn = self.begin_read()?;
        let t = txn
            .open_table(HASHES)
            .map_err(|e| storage_err(&self.path, e))?;
        let last = t.last().map_err(|e| storage_err(&self.path, e))?;
        match last {
            None => Ok(Head {
                size: 0,
                hash: EntryHash::genesis_prev(&self.ledger_id),
            }),
            Some((k, v)) => Ok(Head {
                size: k.value(),
                hash: last_hash(&self.path, k.value(), v.value())?,
            }),
        }
    }

    /// The key registry as stored in the derived `keys` index.
    pub fn authority(&self) -> Result<Authority, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            read_authority(&self.path, &txn)
        })
    }

    /// Reads and decodes one entry (not verified).
    pub fn entry(&self, seq: Seq) -> Result<Option<Recorded>, LedgerError> {
        guarded(&self.path, || self.entry_unguarded(seq))
    }

    fn entry_unguarded(&self, seq: Seq) -> Result<Option<Recorded>, LedgerError> {
        let txn = self.begin_read()?;
        let entries = txn
            .open_table(ENTRIES)
            .map_err(|e| storage_err(&self.path, e))?;
        let Some(bytes) = entries.get(seq).map_err(|e| storage_err(&self.path, e))? else {
            return Ok(None);
        };
        let entry = Entry::decode(bytes.value()).map_err(|e| LedgerError::Corrupt {
            path: self.path.clone(),
            detail: format!("seq {seq}: {e}"),
        })?;
        // The hash of the stored bytes, as `scan` gives it, not the batch's row of stored
        // hashes: that row holds 32 bytes for every entry of the batch and would be read whole
        // for one entry. (Where the two differ, `verify` reports the entry as changed.)
        let hash = EntryHash::of_stored(bytes.value());
        Ok(Some(Recorded { entry, hash }))
    }

    /// The stored bytes of one entry, as they are on disk.
    pub fn stored_bytes(&self, seq: Seq) -> Result<Option<Vec<u8>>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let entries = txn
                .open_table(ENTRIES)
                .map_err(|e| storage_err(&self.path, e))?;
            let v = entries.get(seq).map_err(|e| storage_err(&self.path, e))?;
            Ok(v.map(|g| g.value().to_vec()))
        })
    }

    /// Tree size and Merkle root from the stored frontier (not verified; `verify` recomputes).
    pub fn tree_head(&self) -> Result<(u64, super::merkle::TreeHash), LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let t = txn
                .open_table(MERKLE)
                .map_err(|e| storage_err(&self.path, e))?;
            let v = t
                .get("frontier")
                .map_err(|e| storage_err(&self.path, e))?
                .ok_or_else(|| LedgerError::Corrupt {
                    path: self.path.clone(),
                    detail: "the merkle frontier is missing".into(),
                })?;
            let f = Frontier::from_bytes(v.value()).map_err(|e| LedgerError::Corrupt {
                path: self.path.clone(),
                detail: format!("merkle frontier: {e}"),
            })?;
            Ok((f.size(), f.root()))
        })
    }

    /// The entry hashes of seqs `1..=upto`, from the hash blocks (not verified), for building
    /// Merkle proofs. Memory: 32 bytes per entry.
    pub fn entry_hashes(&self, upto: Seq) -> Result<Vec<EntryHash>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let t = txn
                .open_table(HASHES)
                .map_err(|e| storage_err(&self.path, e))?;
            let mut out = Vec::with_capacity(usize::try_from(upto).unwrap_or(0));
            for item in t.iter().map_err(|e| storage_err(&self.path, e))? {
                let (_, v) = item.map_err(|e| storage_err(&self.path, e))?;
                for chunk in v.value().chunks_exact(32) {
                    if out.len() as u64 >= upto {
                        return Ok(out);
                    }
                    let mut h = [0u8; 32];
                    h.copy_from_slice(chunk);
                    out.push(EntryHash(h));
                }
            }
            if (out.len() as u64) < upto {
                return Err(LedgerError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("the ledger has {} entry hashes, not {upto}", out.len()),
                });
            }
            Ok(out)
        })
    }

    /// Signed checkpoints kept in the ledger file, by tree size (texts as issued/cosigned).
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let t = match txn.open_table(CHECKPOINTS) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(storage_err(&self.path, e)),
            };
            let mut out = Vec::new();
            for item in t.iter().map_err(|e| storage_err(&self.path, e))? {
                let (k, v) = item.map_err(|e| storage_err(&self.path, e))?;
                out.push((k.value(), v.value().to_string()));
            }
            Ok(out)
        })
    }

    /// Every stored batch record, in seq order (not verified).
    pub fn batches(&self) -> Result<Vec<BatchRecord>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let t = txn
                .open_table(BATCHES)
                .map_err(|e| storage_err(&self.path, e))?;
            let mut out = Vec::new();
            for item in t.iter().map_err(|e| storage_err(&self.path, e))? {
                let (k, v) = item.map_err(|e| storage_err(&self.path, e))?;
                out.push(
                    BatchRecord::from_bytes(k.value(), v.value()).ok_or_else(|| {
                        LedgerError::Corrupt {
                            path: self.path.clone(),
                            detail: format!(
                                "batch record ending at seq {} is not 80 bytes",
                                k.value()
                            ),
                        }
                    })?,
                );
            }
            Ok(out)
        })
    }

    /// Calls `f` for each entry from `from` in seq order, decoded but not verified
    /// (use [`Ledger::verify`] for that). Stops at the first error.
    pub fn scan<E: From<LedgerError>>(
        &self,
        from: Seq,
        mut f: impl FnMut(Recorded) -> Result<(), E>,
    ) -> Result<(), E> {
        // The storage engine can panic on a damaged page; every step that reads the file is
        // guarded, but `f` (the caller's code) is not.
        let txn = guarded(&self.path, || self.begin_read())?;
        let entries = guarded(&self.path, || {
            txn.open_table(ENTRIES)
                .map_err(|e| storage_err(&self.path, e))
        })?;
        let mut range = guarded(&self.path, || {
            entries
                .range(from..)
                .map_err(|e| storage_err(&self.path, e))
        })?;
        let mut next = || {
            guarded(&self.path, || {
                // Reading the key and value parses the page too, so both happen in here.
                range
                    .next()
                    .map(|item| {
                        let (k, v) = item.map_err(|e| storage_err(&self.path, e))?;
                        Ok((k.value(), v.value().to_vec()))
                    })
                    .transpose()
            })
        };
        while let Some((seq, bytes)) = next()? {
            let entry = Entry::decode(&bytes).map_err(|e| LedgerError::Corrupt {
                path: self.path.clone(),
                detail: format!("seq {seq}: {e}"),
            })?;
            let hash = EntryHash::of_stored(&bytes);
            f(Recorded { entry, hash })?;
        }
        Ok(())
    }
}

pub(crate) fn read_authority(path: &Path, txn: &ReadTransaction) -> Result<Authority, LedgerError> {
    let t = match txn.open_table(KEYS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Authority::default()),
        Err(e) => return Err(storage_err(path, e)),
    };
    let it = t.iter().map_err(|e| storage_err(path, e))?;
    let records = decode_records(
        path,
        it.map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))),
    )?;
    Ok(Authority::from_records(records))
}
