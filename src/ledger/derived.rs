//! The `derived` table (docs/FORMAT.md "Derived state"): the replayed state of the whole
//! history, kept as one row written in the same transaction as each batch, so that an append
//! continues from it instead of replaying every entry; and the check of the tail an append
//! extends.
//!
//! Owns: reading the row (its byte form is derived_row.rs) and checking it against the file's
//! tail, and reading an entry checked against its batch's hash block.
//! Must not: know what the body means (src/eval/snapshot.rs encodes and decodes it), or vouch
//! for anything before the tail: `verify` rebuilds the body from the entries and compares.

use super::auth::Authority;
use super::derived_row::{
    DERIVED, DERIVED_DAYS, DERIVED_ROW, DayRows, DerivedRow, frontier_digest, keys_digest,
};
use super::derived_write::{After, write_row};
use super::entry::{Entry, EntryHash, Recorded};
use super::error::{LedgerError, guarded, storage_err};
use super::merkle::Frontier;
use super::store::{
    BATCHES, BatchRecord, Db, ENTRIES, HASHES, KEYS, Ledger, MERKLE, batch_message, decode_records,
    hash_in_block, keys_digest_w,
};
use crate::model::Seq;
use ed25519_dalek::{Signature, VerifyingKey};
use redb::{ReadableTable, TableError};

impl Ledger {
    /// The derived-state row, after checking the tail it claims to extend: the row's digest;
    /// that it covers exactly the entries there are; the last entry's stored bytes hash to its
    /// head; the last batch's signature over that head verifies with its author's key and the
    /// last entry is by that author; the last entry's `prev` is the hash of the one before;
    /// and the stored Merkle frontier and key index are the ones the row was computed with.
    ///
    /// `Ok(Ok(None))`: the file has no row (an older file, or one last extended by
    /// [`Ledger::append`]). `Ok(Err(why))`: the row or the tail does not match. `Err`: the
    /// file could not be read.
    pub fn derived_tail(&self) -> Result<Result<Option<DerivedRow>, String>, LedgerError> {
        guarded(&self.path, || self.derived_tail_unguarded())
    }

    fn derived_tail_unguarded(&self) -> Result<Result<Option<DerivedRow>, String>, LedgerError> {
        let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
        let txn = self.begin_read()?;
        let table = match txn.open_table(DERIVED) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Ok(None)),
            Err(e) => return Err(se(&e)),
        };
        let Some(raw) = table.get(DERIVED_ROW).map_err(|e| se(&e))? else {
            return Ok(Ok(None));
        };
        let row = match DerivedRow::from_bytes(raw.value()) {
            Ok(r) => r,
            Err(why) => return Ok(Err(format!("the derived-state row is damaged: {why}"))),
        };
        drop(raw);
        let entries = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
        let Some((k, v)) = entries.last().map_err(|e| se(&e))? else {
            return Ok(Err("the ledger has no entries but a derived state".into()));
        };
        let size = k.value();
        if size != row.size {
            return Ok(Err(format!(
                "the derived state covers {} entries but the ledger has {size}",
                row.size
            )));
        }
        let head = EntryHash::of_stored(v.value());
        if head != row.head {
            return Ok(Err(format!(
                "entry {size} hashes to {} but the derived state was computed at head {}",
                head.short(),
                row.head.short()
            )));
        }
        let Ok(last) = Entry::decode(v.value()) else {
            return Ok(Err(format!("entry {size} does not decode")));
        };
        drop((k, v));
        let prev = if size == 1 {
            EntryHash::genesis_prev(&self.ledger_id)
        } else {
            match entries.get(size - 1).map_err(|e| se(&e))? {
                Some(b) => EntryHash::of_stored(b.value()),
                None => return Ok(Err(format!("entry {} is missing", size - 1))),
            }
        };
        if last.seq != size || last.prev != prev {
            return Ok(Err(format!(
                "entry {size} does not chain to the entry before it"
            )));
        }
        let batches = txn.open_table(BATCHES).map_err(|e| se(&e))?;
        let record = match batches.last().map_err(|e| se(&e))? {
            Some((k, v)) if k.value() == size => BatchRecord::from_bytes(size, v.value()),
            _ => None,
        };
        let Some(record) = record else {
            return Ok(Err(format!("no batch record ends at entry {size}")));
        };
        let keys = txn.open_table(KEYS).map_err(|e| se(&e))?;
        let rows = || {
            keys.iter()
                .map(|it| it.map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))))
        };
        let authority =
            Authority::from_records(decode_records(&self.path, rows().map_err(|e| se(&e))?)?);
        let signed = authority
            .get(record.author)
            .and_then(|r| VerifyingKey::from_bytes(&r.principal.public_key).ok())
            .is_some_and(|key| {
                let message = batch_message(&self.ledger_id, record.first, size, &head);
                key.verify_strict(&message, &Signature::from_bytes(&record.signature))
                    .is_ok()
            });
        if !signed || last.author != record.author {
            return Ok(Err(format!(
                "the signature of the batch ending at entry {size} does not verify over its head"
            )));
        }
        if keys_digest(rows().map_err(|e| se(&e))?).map_err(|e| se(&e))? != row.keys {
            return Ok(Err(
                "the key index differs from the one the derived state was computed with".into(),
            ));
        }
        let merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
        let frontier = merkle.get("frontier").map_err(|e| se(&e))?;
        let fits = frontier.as_ref().is_some_and(|f| {
            frontier_digest(f.value()) == row.frontier
                && Frontier::from_bytes(f.value()).is_ok_and(|f| f.size() == size)
        });
        if !fits {
            return Ok(Err(
                "the Merkle frontier differs from the one the derived state was computed with"
                    .into(),
            ));
        }
        Ok(Ok(Some(row)))
    }

    /// The stored day rows of the derived state (docs/FORMAT.md §11.2) whose keys are in
    /// `keys` (all of them for `None`), by key. Not checked here: each is checked against the
    /// digest the row's body holds for it when it is decoded, and `verify` compares them all.
    pub fn derived_days(
        &self,
        keys: Option<&[Vec<u8>]>,
    ) -> Result<std::collections::BTreeMap<Vec<u8>, Vec<u8>>, LedgerError> {
        guarded(&self.path, || {
            let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
            let txn = self.begin_read()?;
            let table = match txn.open_table(DERIVED_DAYS) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(Default::default()),
                Err(e) => return Err(se(&e)),
            };
            let mut out = std::collections::BTreeMap::new();
            match keys {
                Some(keys) => {
                    for k in keys {
                        if let Some(v) = table.get(k.as_slice()).map_err(|e| se(&e))? {
                            out.insert(k.clone(), v.value().to_vec());
                        }
                    }
                }
                None => {
                    for row in table.iter().map_err(|e| se(&e))? {
                        let (k, v) = row.map_err(|e| se(&e))?;
                        out.insert(k.value().to_vec(), v.value().to_vec());
                    }
                }
            }
            Ok(out)
        })
    }

    /// Does the file keep a derived-state row (matching or not)?
    pub(super) fn has_derived(&self) -> Result<bool, LedgerError> {
        let txn = self.begin_read()?;
        match txn.open_table(DERIVED) {
            Ok(t) => Ok(t
                .get(DERIVED_ROW)
                .map_err(|e| storage_err(&self.path, e))?
                .is_some()),
            Err(TableError::TableDoesNotExist(_)) => Ok(false),
            Err(e) => Err(storage_err(&self.path, e)),
        }
    }

    /// Reads one entry and checks its stored bytes against the hash its batch's row of the
    /// `hashes` table holds for it. `Ok(Err(why))` when they differ or the row is missing.
    pub fn entry_against_block(
        &self,
        seq: Seq,
    ) -> Result<Result<Option<Recorded>, String>, LedgerError> {
        guarded(&self.path, || {
            let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
            let txn = self.begin_read()?;
            let entries = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
            let Some(bytes) = entries.get(seq).map_err(|e| se(&e))? else {
                return Ok(Ok(None));
            };
            let hash = EntryHash::of_stored(bytes.value());
            let hashes = txn.open_table(HASHES).map_err(|e| se(&e))?;
            let stored = match hashes.range(seq..).map_err(|e| se(&e))?.next() {
                Some(item) => {
                    let (k, v) = item.map_err(|e| se(&e))?;
                    hash_in_block(k.value(), v.value(), seq)
                }
                None => None,
            };
            if stored != Some(hash) {
                return Ok(Err(format!(
                    "entry {seq}'s stored bytes do not match its batch's hash"
                )));
            }
            match Entry::decode(bytes.value()) {
                Ok(entry) => Ok(Ok(Some(Recorded { entry, hash }))),
                Err(e) => Ok(Err(format!("entry {seq} does not decode: {e}"))),
            }
        })
    }
}

impl Ledger {
    /// Replaces the derived-state row with one for `body`, the replayed state of the ledger's
    /// `size` entries (none: removes it), in a transaction of its own. For a ledger that has
    /// just been verified whole apart from its derived state; refused if the ledger no longer
    /// has `size` entries.
    pub fn replace_derived(
        &self,
        size: u64,
        body: Option<(&[u8], DayRows<'_>)>,
    ) -> Result<(), LedgerError> {
        guarded(&self.path, || {
            let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
            let Db::Write(db) = &self.db else {
                return Err(LedgerError::Io {
                    path: self.path.clone(),
                    detail: "opened read-only".into(),
                });
            };
            let mut txn = db.begin_write().map_err(|e| se(&e))?;
            txn.set_two_phase_commit(true);
            {
                let entries = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
                let last = entries.last().map_err(|e| se(&e))?;
                let head = match &last {
                    Some((k, v)) if k.value() == size => EntryHash::of_stored(v.value()),
                    _ => {
                        return Err(LedgerError::Io {
                            path: self.path.clone(),
                            detail: format!("the ledger no longer has {size} entries"),
                        });
                    }
                };
                drop(last);
                drop(entries);
                let merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
                let frontier = merkle
                    .get("frontier")
                    .map_err(|e| se(&e))?
                    .map(|f| f.value().to_vec())
                    .unwrap_or_default();
                drop(merkle);
                let after = match body {
                    Some((body, days)) => Some(After {
                        size,
                        head,
                        frontier_bytes: frontier.as_slice(),
                        keys: keys_digest_w(&self.path, &txn)?,
                        body,
                        days,
                    }),
                    None => None,
                };
                write_row(&self.path, &txn, after)?;
            }
            txn.commit().map_err(|e| se(&e))
        })
    }
}
