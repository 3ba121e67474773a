//! The redb file: its schema (tables and row layouts, docs/FORMAT.md §2), the open-ledger
//! handle, and the writes: batch append and kept checkpoints.
//!
//! Owns: every write to the file (one write transaction with two-phase commit per batch or
//! checkpoint). Must not: open files (src/ledger/open.rs), read for callers
//! (src/ledger/read.rs), or judge the history (src/ledger/verify.rs).

use super::auth::{Authority, KeyRecord};
use super::derived_row::{DayRows, keys_digest};
use super::derived_write::{After, write_row};
use super::encode::{BatchInput, Encoded, EncodedChunk, PARALLEL_FROM};

/// The most entries one signed batch holds (docs/FORMAT.md §5): a larger append is stored as
/// several batches in one transaction. 2^16 entries keep a batch's `hashes` row at 2 MiB.
pub const MAX_BATCH: usize = 1 << 16;
use super::entry::{Entry, EntryHash, FORMAT_VERSION};
use super::error::LedgerError;
use super::error::{guarded, storage_err};
use super::merkle::Frontier;
use crate::model::{Event, KeyId, Seq};
use ed25519_dalek::{Signer, SigningKey};
use redb::{
    Database, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `meta`: "magic" → `JIXIAO-LEDGER`, "format_version" → u16 LE, "ledger_id" → 16 bytes.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// `entries`: seq → stored entry bytes.
pub(crate) const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
/// `hashes`: last seq of a batch → the 32-byte entry hashes of the batch's entries, in order
/// (one row per batch rather than per entry: appends do one index insert per batch).
pub(crate) const HASHES: TableDefinition<u64, &[u8]> = TableDefinition::new("hashes");
/// `batches`: last seq of a batch → first seq (u64 LE) ‖ author key id (8) ‖ signature (64).
pub(crate) const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
/// `merkle`: "frontier" → `Frontier::to_bytes()` of the tree over all entries (docs/FORMAT.md §9).
pub(crate) const MERKLE: TableDefinition<&str, &[u8]> = TableDefinition::new("merkle");
/// `checkpoints`: tree size → signed checkpoint text issued (and cosigned) for that size.
pub(crate) const CHECKPOINTS: TableDefinition<u64, &str> = TableDefinition::new("checkpoints");
/// `keys` (derived index, rebuilt and cross-checked by verify): key id → postcard(KeyRecord).
pub(crate) const KEYS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("keys");

/// Value of `meta["magic"]`.
pub const MAGIC: &[u8] = b"JIXIAO-LEDGER";
/// Signature context prefix (docs/FORMAT.md §4).
pub const BATCH_SIGNATURE_CONTEXT: &[u8] = b"jixiao ledger v1 batch signature";

/// A recorded time (Unix seconds) as RFC 3339 UTC, or the bare number if out of range.
#[must_use]
pub(crate) fn time_text(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// The message an Ed25519 batch signature covers.
#[must_use]
pub fn batch_message(ledger_id: &[u8; 16], first: Seq, last: Seq, head: &EntryHash) -> Vec<u8> {
    let mut m = Vec::with_capacity(BATCH_SIGNATURE_CONTEXT.len() + 16 + 16 + 32);
    m.extend_from_slice(BATCH_SIGNATURE_CONTEXT);
    m.extend_from_slice(ledger_id);
    m.extend_from_slice(&first.to_le_bytes());
    m.extend_from_slice(&last.to_le_bytes());
    m.extend_from_slice(&head.0);
    m
}

/// One signed batch as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// First seq of the batch.
    pub first: Seq,
    /// Last seq (the table key).
    pub last: Seq,
    /// The signer.
    pub author: KeyId,
    /// Ed25519 signature over [`batch_message`].
    pub signature: [u8; 64],
}

impl BatchRecord {
    pub(crate) fn to_bytes(&self) -> [u8; 80] {
        let mut b = [0u8; 80];
        b[..8].copy_from_slice(&self.first.to_le_bytes());
        b[8..16].copy_from_slice(&self.author.0);
        b[16..].copy_from_slice(&self.signature);
        b
    }

    pub(crate) fn from_bytes(last: Seq, b: &[u8]) -> Option<BatchRecord> {
        let first = u64::from_le_bytes(b.get(..8)?.try_into().ok()?);
        let author = KeyId(b.get(8..16)?.try_into().ok()?);
        let signature: [u8; 64] = b.get(16..)?.try_into().ok()?;
        Some(BatchRecord {
            first,
            last,
            author,
            signature,
        })
    }
}

/// What an append wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// First seq written.
    pub first: Seq,
    /// Last seq written.
    pub last: Seq,
    /// Hash of the last entry (the new head).
    pub head: EntryHash,
}

/// The head of a ledger: entry count and last hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of entries (= last seq).
    pub size: u64,
    /// Hash of the last entry.
    pub hash: EntryHash,
}

/// How the file is open.
pub(super) enum Db {
    /// For appending, with the file lock.
    Write(Database),
    /// Read-only, straight from the file.
    Read(ReadOnlyDatabase),
    /// Read-only, through an in-memory layer that took the recovery of an interrupted write
    /// (the file itself is never written through it).
    View(Database),
    /// Closed (only while dropping).
    Closed,
}

/// An open ledger file.
pub struct Ledger {
    pub(super) path: PathBuf,
    pub(super) db: Db,
    pub(super) ledger_id: [u8; 16],
    /// `meta.format_version` (docs/FORMAT.md §1): which Merkle tree the file keeps.
    pub(super) format_version: u16,
    /// The last write had been interrupted and opening recovered it.
    pub(super) recovered: bool,
    /// The storage engine checked every page's checksum when the file was opened for writing
    /// (false only after [`Ledger::open_to_append`] found a derived state to continue from).
    pub(super) pages_checked: bool,
}

impl Drop for Ledger {
    /// Closing flushes and writes the file's header; on a damaged file the storage engine can
    /// panic doing so, which must not escape as a crash after the command has finished.
    fn drop(&mut self) {
        let db = std::mem::replace(&mut self.db, Db::Closed);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(db)));
    }
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("ledger_id", &hex::encode(self.ledger_id))
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// The file path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 16-byte ledger id chosen at creation.
    #[must_use]
    pub fn ledger_id(&self) -> [u8; 16] {
        self.ledger_id
    }

    pub(crate) fn begin_read(&self) -> Result<ReadTransaction, LedgerError> {
        let r = match &self.db {
            Db::Write(db) => db.begin_read(),
            Db::Read(db) => db.begin_read(),
            Db::View(db) => db.begin_read(),
            Db::Closed => {
                return Err(LedgerError::Io {
                    path: self.path.clone(),
                    detail: "the ledger is closed".into(),
                });
            }
        };
        r.map_err(|e| storage_err(&self.path, e))
    }

    /// Keeps a signed checkpoint text under its tree size (replacing the one kept for that
    /// size, which the caller merged or checked). Not part of the hash chain: checkpoints
    /// are checked against the entries, never trusted from here.
    pub fn keep_checkpoint(&self, size: u64, text: &str) -> Result<(), LedgerError> {
        guarded(&self.path, || {
            let Db::Write(db) = &self.db else {
                return Err(LedgerError::Io {
                    path: self.path.clone(),
                    detail: "opened read-only".into(),
                });
            };
            let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
            let mut txn = db.begin_write().map_err(|e| se(&e))?;
            txn.set_two_phase_commit(true);
            {
                let mut t = txn.open_table(CHECKPOINTS).map_err(|e| se(&e))?;
                t.insert(size, text).map_err(|e| se(&e))?;
            }
            txn.commit().map_err(|e| se(&e))
        })
    }

    /// Appends `events` as one batch signed by `signer`: all or nothing, one write transaction
    /// with two-phase commit, one signature over the head after the batch.
    pub fn append(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
    ) -> Result<Appended, LedgerError> {
        guarded(&self.path, || {
            self.write_batch(signer, events, recorded_at, None, true, None)
        })
    }

    /// [`Ledger::append`] that also keeps the derived state: `body` is the replayed state after
    /// the batch (src/eval/snapshot.rs), computed from the state of the first `size_before`
    /// entries; refused if the ledger no longer has that many. Written in the same transaction
    /// as the batch, with the size, head, frontier and key index it belongs to
    /// (docs/FORMAT.md "Derived state").
    pub fn append_deriving(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
        size_before: u64,
        body: &[u8],
        days: DayRows<'_>,
    ) -> Result<Appended, LedgerError> {
        guarded(&self.path, || {
            self.write_batch(
                signer,
                events,
                recorded_at,
                None,
                true,
                Some((size_before, body, days)),
            )
        })
    }

    /// [`Ledger::append`] without maintaining the Merkle tree, so that a benchmark can measure
    /// what the tree costs. The ledger it leaves fails verification (its stored tree is stale);
    /// only for benchmarks, behind the `bench-internals` feature.
    #[cfg(feature = "bench-internals")]
    #[doc(hidden)]
    pub fn append_without_tree_for_bench(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
    ) -> Result<Appended, LedgerError> {
        self.write_batch(signer, events, recorded_at, None, false, None)
    }

    pub(super) fn write_batch(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
        genesis_authority: Option<Authority>,
        tree: bool,
        derived: Option<(u64, &[u8], DayRows<'_>)>,
    ) -> Result<Appended, LedgerError> {
        let Db::Write(db) = &self.db else {
            return Err(LedgerError::Io {
                path: self.path.clone(),
                detail: "opened read-only".into(),
            });
        };
        if events.is_empty() {
            return Err(LedgerError::EmptyBatch);
        }
        let se = |e: &dyn std::fmt::Display| storage_err(&self.path, e);
        let author = KeyId::of(&signer.verifying_key().to_bytes());
        let mut txn = db.begin_write().map_err(|e| se(&e))?;
        txn.set_two_phase_commit(true);
        let is_genesis = genesis_authority.is_some();
        let (authority, head, last_time) = if let Some(a) = genesis_authority {
            let mut meta = txn.open_table(META).map_err(|e| se(&e))?;
            meta.insert("magic", MAGIC).map_err(|e| se(&e))?;
            meta.insert("format_version", FORMAT_VERSION.to_le_bytes().as_slice())
                .map_err(|e| se(&e))?;
            meta.insert("ledger_id", self.ledger_id.as_slice())
                .map_err(|e| se(&e))?;
            (
                a,
                Head {
                    size: 0,
                    hash: EntryHash::genesis_prev(&self.ledger_id),
                },
                None,
            )
        } else {
            let (head, last_time) = head_w(&self.path, &txn, &self.ledger_id)?;
            (read_authority_w(&self.path, &txn)?, head, last_time)
        };
        if let Some((size_before, _, _)) = derived
            && size_before != head.size
        {
            return Err(LedgerError::Io {
                path: self.path.clone(),
                detail: format!(
                    "the ledger has {} entries, not the {size_before} the batch was checked against; nothing was appended, try again",
                    head.size
                ),
            });
        }
        let count = events.len() as u64;
        let first = head.size + 1;
        let keys_before = authority.clone();
        let frontier = if is_genesis {
            Frontier::new()
        } else {
            read_frontier_w(&self.path, &txn)?
        };
        if tree && frontier.size() != head.size {
            return Err(LedgerError::Corrupt {
                path: self.path.clone(),
                detail: format!(
                    "the stored Merkle frontier covers {} entries but the ledger has {}",
                    frontier.size(),
                    head.size
                ),
            });
        }
        // The entries of an earlier batch that corrections in this one supersede (those in
        // this batch are looked up in `events` itself).
        let mut prior = BTreeMap::new();
        let mut entries = txn.open_table(ENTRIES).map_err(|e| se(&e))?;
        // Recorded times never go backwards (docs/FORMAT.md §6).
        if let Some(last) = last_time
            && recorded_at < last
        {
            return Err(LedgerError::TimeBackwards {
                path: self.path.clone(),
                at: time_text(recorded_at),
                last: time_text(last),
                last_seq: head.size,
            });
        }
        for event in &events {
            if let Event::Correction(c) = event
                && c.supersedes < first
                && let Some(b) = entries.get(c.supersedes).map_err(|e| se(&e))?
                && let Ok(e) = Entry::decode(b.value())
            {
                prior.insert(c.supersedes, e.event);
            }
        }
        // Encoding, hashing, authorising and the Merkle tree are one sequential pass (the
        // chain is); inserting the encoded entries is another. For large batches they run on
        // two threads and overlap; small ones are not worth a thread.
        let batch = BatchInput {
            events: &events,
            first,
            prev: head.hash,
            recorded_at,
            author,
            genesis: is_genesis,
            prior: &prior,
            path: &self.path,
            tree,
        };
        let mut insert_error = None;
        let mut insert = |chunk: &EncodedChunk| -> bool {
            for &(seq, from, to) in &chunk.items {
                let Some(bytes) = chunk.data.get(from..to) else {
                    insert_error = Some(se(&"encoded chunk out of range"));
                    return false;
                };
                if let Err(e) = entries.insert(seq, bytes) {
                    insert_error = Some(se(&e));
                    return false;
                }
            }
            true
        };
        let encoded = if events.len() < PARALLEL_FROM {
            batch.encode(authority, frontier, &mut |c| insert(&c))
        } else {
            let (tx, rx) = std::sync::mpsc::sync_channel::<EncodedChunk>(4);
            std::thread::scope(|scope| {
                let producer = scope
                    .spawn(move || batch.encode(authority, frontier, &mut |c| tx.send(c).is_ok()));
                for chunk in rx.iter() {
                    if !insert(&chunk) {
                        break;
                    }
                }
                drop(rx);
                producer.join().unwrap_or_else(|_| {
                    Err(LedgerError::Io {
                        path: self.path.clone(),
                        detail: "the encoding thread failed".into(),
                    })
                })
            })
        };
        drop(entries);
        if let Some(e) = insert_error {
            return Err(e);
        }
        let Encoded {
            authority,
            frontier,
            block,
            head: prev,
        } = encoded?;
        let last = first + count - 1;
        if block.len() as u64 != count * 32 {
            return Err(se(&"hash block does not match the batch"));
        }
        {
            // A large append is stored as consecutive batches of at most `MAX_BATCH` entries,
            // each signed over its own last entry's hash (docs/FORMAT.md §5), so that no
            // `hashes` row is larger than 2 MiB and `verify` reads one at a time.
            let mut batches = txn.open_table(BATCHES).map_err(|e| se(&e))?;
            let mut hashes = txn.open_table(HASHES).map_err(|e| se(&e))?;
            for (i, part) in block.chunks(MAX_BATCH * 32).enumerate() {
                let part_first = first + (i * MAX_BATCH) as u64;
                let part_last = part_first + (part.len() / 32) as u64 - 1;
                let part_head = part
                    .get(part.len() - 32..)
                    .and_then(|h| <[u8; 32]>::try_from(h).ok())
                    .map(EntryHash)
                    .ok_or_else(|| se(&"hash block shorter than the batch"))?;
                let message = batch_message(&self.ledger_id, part_first, part_last, &part_head);
                let rec = BatchRecord {
                    first: part_first,
                    last: part_last,
                    author,
                    signature: signer.sign(&message).to_bytes(),
                };
                batches
                    .insert(part_last, rec.to_bytes().as_slice())
                    .map_err(|e| se(&e))?;
                hashes.insert(part_last, part).map_err(|e| se(&e))?;
            }
            let mut merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
            if is_genesis || authority != keys_before {
                write_authority(&self.path, &txn, &authority)?;
            }
            let frontier_bytes = frontier.to_bytes();
            merkle
                .insert("frontier", frontier_bytes.as_slice())
                .map_err(|e| se(&e))?;
            drop(merkle);
            let after = match derived {
                Some((_, body, days)) => Some(After {
                    size: last,
                    head: prev,
                    frontier_bytes: frontier_bytes.as_slice(),
                    keys: keys_digest_w(&self.path, &txn)?,
                    body,
                    days,
                }),
                None => None,
            };
            write_row(&self.path, &txn, after)?;
        }
        txn.commit().map_err(|e| se(&e))?;
        Ok(Appended {
            first,
            last,
            head: prev,
        })
    }
}

fn read_frontier_w(path: &Path, txn: &redb::WriteTransaction) -> Result<Frontier, LedgerError> {
    let t = txn.open_table(MERKLE).map_err(|e| storage_err(path, e))?;
    let v = t.get("frontier").map_err(|e| storage_err(path, e))?;
    match v {
        Some(b) => Frontier::from_bytes(b.value()).map_err(|e| LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("merkle frontier: {e}"),
        }),
        None => Err(LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "the merkle frontier is missing".into(),
        }),
    }
}

/// The head a batch extends, from the last entry's stored bytes (not from its batch's row of
/// hashes, which holds 32 bytes for every entry of that batch and would be read whole), with
/// that entry's recorded time.
fn head_w(
    path: &Path,
    txn: &redb::WriteTransaction,
    ledger_id: &[u8; 16],
) -> Result<(Head, Option<i64>), LedgerError> {
    let t = txn.open_table(ENTRIES).map_err(|e| storage_err(path, e))?;
    let last = t.last().map_err(|e| storage_err(path, e))?;
    Ok(match last {
        None => (
            Head {
                size: 0,
                hash: EntryHash::genesis_prev(ledger_id),
            },
            None,
        ),
        Some((k, v)) => (
            Head {
                size: k.value(),
                hash: EntryHash::of_stored(v.value()),
            },
            Entry::decode(v.value()).ok().map(|e| e.recorded_at),
        ),
    })
}

fn read_authority_w(path: &Path, txn: &redb::WriteTransaction) -> Result<Authority, LedgerError> {
    let t = txn.open_table(KEYS).map_err(|e| storage_err(path, e))?;
    let it = t.iter().map_err(|e| storage_err(path, e))?;
    let records = decode_records(
        path,
        it.map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))),
    )?;
    Ok(Authority::from_records(records))
}

pub(crate) fn write_authority(
    path: &Path,
    txn: &redb::WriteTransaction,
    a: &Authority,
) -> Result<(), LedgerError> {
    let mut t = txn.open_table(KEYS).map_err(|e| storage_err(path, e))?;
    for rec in a.records() {
        let bytes = postcard::to_allocvec(rec).map_err(|e| storage_err(path, e))?;
        t.insert(rec.principal.key_id().0.as_slice(), bytes.as_slice())
            .map_err(|e| storage_err(path, e))?;
    }
    Ok(())
}

/// The hash of the last entry of a hash block.
pub(super) fn last_hash(path: &Path, last: Seq, block: &[u8]) -> Result<EntryHash, LedgerError> {
    hash_in_block(last, block, last).ok_or_else(|| LedgerError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("the hash block ending at seq {last} is malformed"),
    })
}

/// The hash of `seq` in the hash block of the batch ending at `last`, if the block covers it.
#[must_use]
pub(crate) fn hash_in_block(last: Seq, block: &[u8], seq: Seq) -> Option<EntryHash> {
    if block.is_empty() || !block.len().is_multiple_of(32) || seq > last {
        return None;
    }
    let from_end = usize::try_from(last - seq).ok()?;
    let end = block.len().checked_sub(from_end.checked_mul(32)?)?;
    let start = end.checked_sub(32)?;
    block.get(start..end)?.try_into().ok().map(EntryHash)
}

pub(crate) fn decode_records(
    path: &Path,
    items: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), redb::StorageError>>,
) -> Result<Vec<KeyRecord>, LedgerError> {
    let mut out = Vec::new();
    for item in items {
        let (k, v) = item.map_err(|e| storage_err(path, e))?;
        let rec: KeyRecord = postcard::from_bytes(&v).map_err(|e| LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("keys index entry {}: {e}", hex::encode(&k)),
        })?;
        out.push(rec);
    }
    Ok(out)
}

/// The digest of the `keys` rows as `txn` has them (docs/FORMAT.md §11.1).
pub(super) fn keys_digest_w(
    path: &Path,
    txn: &redb::WriteTransaction,
) -> Result<[u8; 32], LedgerError> {
    let se = |e: &dyn std::fmt::Display| storage_err(path, e);
    let keys_table = txn.open_table(KEYS).map_err(|e| se(&e))?;
    keys_digest(
        keys_table
            .iter()
            .map_err(|e| se(&e))?
            .map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec()))),
    )
    .map_err(|e| se(&e))
}
