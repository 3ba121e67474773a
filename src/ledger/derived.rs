//! The `derived` table (docs/FORMAT.md "Derived state"): the replayed state of the whole
//! history, kept as one row written in the same transaction as each batch, so that an append
//! continues from it instead of replaying every entry; and the check of the tail an append
//! extends.
//!
//! Owns: the row's envelope (version, the ledger size, head hash, Merkle frontier and key index
//! it was computed with, the body's length, the digest over all of it), reading and checking
//! it against the file's tail, and reading an entry checked against its batch's hash block.
//! Must not: know what the body means (src/eval/snapshot.rs encodes and decodes it), or vouch
//! for anything before the tail: `verify` rebuilds the body from the entries and compares.

use super::auth::Authority;
use super::entry::{Entry, EntryHash, Recorded};
use super::error::{LedgerError, guarded, storage_err};
use super::merkle::Frontier;
use super::store::{
    BATCHES, BatchRecord, Db, ENTRIES, HASHES, KEYS, Ledger, MERKLE, batch_message, decode_records,
    hash_in_block,
};
use crate::model::Seq;
use ed25519_dalek::{Signature, VerifyingKey};
use redb::{ReadableTable, TableDefinition, TableError};

/// `derived`: "state" → the derived-state row ([`DerivedRow::to_bytes`]).
pub(crate) const DERIVED: TableDefinition<&str, &[u8]> = TableDefinition::new("derived");
/// The one row of the `derived` table.
pub(crate) const DERIVED_ROW: &str = "state";
/// Version of the row's envelope.
pub const DERIVED_VERSION: u16 = 1;
/// blake3 `derive_key` context of the row's digest.
pub const DERIVED_DIGEST_CONTEXT: &str = "jixiao derived state v1 digest";
/// blake3 `derive_key` context of the digest of the `merkle` frontier bytes.
pub const DERIVED_FRONTIER_CONTEXT: &str = "jixiao derived state v1 frontier";
/// blake3 `derive_key` context of the digest of the `keys` rows.
pub const DERIVED_KEYS_CONTEXT: &str = "jixiao derived state v1 keys";

/// Bytes before the body: version, size, head, frontier digest, keys digest, body length.
const HEADER: usize = 2 + 8 + 32 + 32 + 32 + 8;

/// The derived-state row, parsed (its digest checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedRow {
    /// Entries the body covers (seq 1 to `size`).
    pub size: u64,
    /// Hash of entry `size`.
    pub head: EntryHash,
    /// [`frontier_digest`] of the `merkle` frontier after entry `size`.
    pub frontier: [u8; 32],
    /// Digest of the `keys` rows after entry `size` (docs/FORMAT.md §11.1).
    pub keys: [u8; 32],
    /// The replayed state (src/eval/snapshot.rs).
    pub body: Vec<u8>,
}

impl DerivedRow {
    /// The stored row: the envelope fields little-endian, the body, then
    /// `blake3::derive_key(DERIVED_DIGEST_CONTEXT, everything before)`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER + self.body.len() + 32);
        b.extend_from_slice(&DERIVED_VERSION.to_le_bytes());
        b.extend_from_slice(&self.size.to_le_bytes());
        b.extend_from_slice(&self.head.0);
        b.extend_from_slice(&self.frontier);
        b.extend_from_slice(&self.keys);
        b.extend_from_slice(&(self.body.len() as u64).to_le_bytes());
        b.extend_from_slice(&self.body);
        let digest = blake3::derive_key(DERIVED_DIGEST_CONTEXT, &b);
        b.extend_from_slice(&digest);
        b
    }

    /// Parses a stored row; `Err` says what does not fit.
    pub fn from_bytes(b: &[u8]) -> Result<DerivedRow, String> {
        let short = || format!("the row is {} bytes, too short for its header", b.len());
        let (content, digest) = b
            .split_at_checked(b.len().checked_sub(32).ok_or_else(short)?)
            .ok_or_else(short)?;
        if content.len() < HEADER {
            return Err(short());
        }
        if blake3::derive_key(DERIVED_DIGEST_CONTEXT, content) != digest {
            return Err("its digest does not match its bytes".into());
        }
        let u64_at = |i: usize| {
            content
                .get(i..i + 8)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_le_bytes)
        };
        let h32 = |i: usize| {
            content
                .get(i..i + 32)
                .and_then(|s| <[u8; 32]>::try_from(s).ok())
        };
        let version = content
            .get(..2)
            .and_then(|s| <[u8; 2]>::try_from(s).ok())
            .map(u16::from_le_bytes);
        if version != Some(DERIVED_VERSION) {
            return Err(format!(
                "envelope version {version:?}, this build reads {DERIVED_VERSION}"
            ));
        }
        let (Some(size), Some(head), Some(frontier), Some(keys), Some(len)) =
            (u64_at(2), h32(10), h32(42), h32(74), u64_at(106))
        else {
            return Err(short());
        };
        let body = content.get(HEADER..).unwrap_or_default();
        if body.len() as u64 != len {
            return Err(format!(
                "its body is {} bytes but its header says {len}",
                body.len()
            ));
        }
        Ok(DerivedRow {
            size,
            head: EntryHash(head),
            frontier,
            keys,
            body: body.to_vec(),
        })
    }
}

/// `blake3::derive_key(DERIVED_FRONTIER_CONTEXT, frontier bytes)`.
#[must_use]
pub fn frontier_digest(frontier_bytes: &[u8]) -> [u8; 32] {
    blake3::derive_key(DERIVED_FRONTIER_CONTEXT, frontier_bytes)
}

/// The digest of the `keys` rows in key order: for each, the key's and the value's length
/// (u32 LE) followed by its bytes, under [`DERIVED_KEYS_CONTEXT`].
pub(crate) fn keys_digest<E>(
    rows: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), E>>,
) -> Result<[u8; 32], E> {
    let mut h = blake3::Hasher::new_derive_key(DERIVED_KEYS_CONTEXT);
    for row in rows {
        let (k, v) = row?;
        for part in [&k, &v] {
            h.update(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_le_bytes());
            h.update(part);
        }
    }
    Ok(*h.finalize().as_bytes())
}

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
    pub fn replace_derived(&self, size: u64, body: Option<&[u8]>) -> Result<(), LedgerError> {
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
                write_row(
                    self,
                    &txn,
                    body.map(|b| (size, head, frontier.as_slice(), b)),
                )?;
            }
            txn.commit().map_err(|e| se(&e))
        })
    }
}

/// Writes the row for the state after a batch, or removes it (`body` none), in `txn`.
pub(super) fn write_row(
    ledger: &Ledger,
    txn: &redb::WriteTransaction,
    after: Option<(u64, EntryHash, &[u8], &[u8])>,
) -> Result<(), LedgerError> {
    let se = |e: &dyn std::fmt::Display| storage_err(&ledger.path, e);
    let mut table = txn.open_table(DERIVED).map_err(|e| se(&e))?;
    let Some((size, head, frontier_bytes, body)) = after else {
        table.remove(DERIVED_ROW).map_err(|e| se(&e))?;
        return Ok(());
    };
    let keys_table = txn.open_table(KEYS).map_err(|e| se(&e))?;
    let keys = keys_digest(
        keys_table
            .iter()
            .map_err(|e| se(&e))?
            .map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))),
    )
    .map_err(|e| se(&e))?;
    let row = DerivedRow {
        size,
        head,
        frontier: frontier_digest(frontier_bytes),
        keys,
        body: body.to_vec(),
    };
    table
        .insert(DERIVED_ROW, row.to_bytes().as_slice())
        .map_err(|e| se(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> DerivedRow {
        DerivedRow {
            size: 3,
            head: EntryHash([7; 32]),
            frontier: [1; 32],
            keys: [2; 32],
            body: b"body".to_vec(),
        }
    }

    #[test]
    fn a_row_round_trips_and_any_flipped_byte_is_refused() {
        let bytes = row().to_bytes();
        assert_eq!(DerivedRow::from_bytes(&bytes).unwrap(), row());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(DerivedRow::from_bytes(&b).is_err(), "byte {i}");
        }
        assert!(DerivedRow::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(DerivedRow::from_bytes(&[]).is_err());
    }
}
