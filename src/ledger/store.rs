//! The redb file: schema, open/create, batch append. Layout: docs/FORMAT.md §2.

use super::auth::{Authority, KeyRecord};
use super::entry::{Entry, EntryHash, EntryRef, FORMAT_VERSION, Recorded};
use super::error::LedgerError;
use super::merkle::Frontier;
use crate::model::{Event, Genesis, KeyId, Seq};
use ed25519_dalek::{Signer, SigningKey};
use redb::{
    Database, DatabaseError, ReadOnlyDatabase, ReadTransaction, ReadableDatabase, ReadableTable,
    TableDefinition, TableError,
};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// `meta`: "magic" → `JIXIAO-LEDGER`, "format_version" → u16 LE, "ledger_id" → 16 bytes.
/// Page cache of a ledger opened read-only ([`Ledger::open_read`]): enough for the index pages
/// of a large file and the recent leaves of a scan, independent of the number of entries.
pub(crate) const READ_CACHE_BYTES: usize = 16 << 20;

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

enum Db {
    Write(Database),
    Read(ReadOnlyDatabase),
}

/// An open ledger file.
pub struct Ledger {
    path: PathBuf,
    db: Db,
    ledger_id: [u8; 16],
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("ledger_id", &hex::encode(self.ledger_id))
            .finish_non_exhaustive()
    }
}

pub(crate) fn storage_err(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    let detail = e.to_string();
    if detail.to_lowercase().contains("corrupt") {
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

fn open_err(path: &Path, e: DatabaseError) -> LedgerError {
    match e {
        DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch => {
            LedgerError::InUse {
                path: path.to_path_buf(),
            }
        }
        DatabaseError::UpgradeRequired(v) => LedgerError::NotALedger {
            path: path.to_path_buf(),
            why: format!("a redb file of storage format {v}"),
        },
        // redb reports a file without its magic number (garbage, or an empty file) as an I/O
        // error of kind InvalidData, and one too short for its header as UnexpectedEof: the
        // file is not a database, so not a ledger either.
        DatabaseError::Storage(redb::StorageError::Io(io))
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            LedgerError::NotALedger {
                path: path.to_path_buf(),
                why: format!("not a readable database file: {io}"),
            }
        }
        // A read-only open of a file whose header says it needs recovery (truncated or damaged,
        // or its last writer stopped mid-commit): nothing can be verified without repairing it.
        DatabaseError::RepairAborted => LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "the database needs recovery (the file was truncated or damaged, or its last \
                     writer stopped mid-commit)"
                .into(),
        },
        DatabaseError::Storage(redb::StorageError::Io(io)) => LedgerError::Io {
            path: path.to_path_buf(),
            detail: io.to_string(),
        },
        DatabaseError::Storage(redb::StorageError::Corrupted(d)) => {
            // redb calls a file that does not start with its magic number "corrupted"; so is a
            // truncated or garbage file. Either way it is not a readable ledger.
            LedgerError::NotALedger {
                path: path.to_path_buf(),
                why: format!("not a readable database file: {d}"),
            }
        }
        other => storage_err(path, other),
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
            detail: "the storage engine rejected the file's structure".into(),
        })
    })
}

impl Ledger {
    /// Creates a new ledger at `path` (which must not exist) whose first entry is `genesis`,
    /// signed by `signer` (who must be among its admins).
    pub fn create(
        path: &Path,
        genesis: Genesis,
        signer: &SigningKey,
        ledger_id: [u8; 16],
        recorded_at: i64,
    ) -> Result<(Ledger, Appended), LedgerError> {
        let author = KeyId::of(&signer.verifying_key().to_bytes());
        let authority = Authority::from_genesis(&genesis, author)
            .map_err(|source| LedgerError::Unauthorized { seq: 1, source })?;
        let event = Event::Genesis(genesis);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    LedgerError::Exists {
                        path: path.to_path_buf(),
                    }
                } else {
                    LedgerError::Io {
                        path: path.to_path_buf(),
                        detail: e.to_string(),
                    }
                }
            })?;
        let result = (|| {
            let backend = redb::backends::FileBackend::new(file).map_err(|e| open_err(path, e))?;
            let db = Database::builder()
                .create_with_backend(backend)
                .map_err(|e| open_err(path, e))?;
            let ledger = Ledger {
                path: path.to_path_buf(),
                db: Db::Write(db),
                ledger_id,
            };
            let appended =
                ledger.write_batch(signer, vec![event], recorded_at, Some(authority), true)?;
            Ok((ledger, appended))
        })();
        if result.is_err() {
            // Nothing half-written: the file did not exist before this call.
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Opens an existing ledger for appending (takes the file lock).
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        Self::check_exists(path)?;
        guarded(path, || {
            let db = Database::builder()
                .open(path)
                .map_err(|e| open_err(path, e))?;
            let mut l = Ledger {
                path: path.to_path_buf(),
                db: Db::Write(db),
                ledger_id: [0; 16],
            };
            l.ledger_id = l.read_meta()?;
            Ok(l)
        })
    }

    /// Opens an existing ledger read-only; never modifies the file.
    ///
    /// Memory: the storage engine's page cache is capped at `READ_CACHE_BYTES` (its default
    /// is 1 GiB, which a full scan fills with the whole file); reads past it come from the
    /// operating system's cache.
    pub fn open_read(path: &Path) -> Result<Ledger, LedgerError> {
        Self::check_exists(path)?;
        guarded(path, || {
            let db = Database::builder()
                .set_cache_size(READ_CACHE_BYTES)
                .open_read_only(path)
                .map_err(|e| open_err(path, e))?;
            let mut l = Ledger {
                path: path.to_path_buf(),
                db: Db::Read(db),
                ledger_id: [0; 16],
            };
            l.ledger_id = l.read_meta()?;
            Ok(l)
        })
    }

    fn check_exists(path: &Path) -> Result<(), LedgerError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(_) => Err(LedgerError::NotALedger {
                path: path.to_path_buf(),
                why: "a directory, not a file".into(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LedgerError::NotFound {
                path: path.to_path_buf(),
            }),
            Err(e) => Err(LedgerError::Io {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }),
        }
    }

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
        };
        r.map_err(|e| storage_err(&self.path, e))
    }

    fn read_meta(&self) -> Result<[u8; 16], LedgerError> {
        let not_ledger = |why: &str| LedgerError::NotALedger {
            path: self.path.clone(),
            why: why.to_string(),
        };
        let txn = self.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => {
                return Err(not_ledger("a database without a jixiao `meta` table"));
            }
            Err(e) => return Err(storage_err(&self.path, e)),
        };
        let get = |k: &str| -> Result<Option<Vec<u8>>, LedgerError> {
            meta.get(k)
                .map(|v| v.map(|g| g.value().to_vec()))
                .map_err(|e| storage_err(&self.path, e))
        };
        if get("magic")?.as_deref() != Some(MAGIC) {
            return Err(not_ledger("the `meta` table has no jixiao magic"));
        }
        let version = get("format_version")?
            .and_then(|v| <[u8; 2]>::try_from(v.as_slice()).ok())
            .map(u16::from_le_bytes)
            .ok_or_else(|| LedgerError::Corrupt {
                path: self.path.clone(),
                detail: "meta.format_version is missing or not 2 bytes".into(),
            })?;
        match version.cmp(&FORMAT_VERSION) {
            std::cmp::Ordering::Greater => {
                return Err(LedgerError::NewerVersion {
                    path: self.path.clone(),
                    found: version,
                    supported: FORMAT_VERSION,
                });
            }
            std::cmp::Ordering::Less => {
                return Err(LedgerError::NeedsUpgrade {
                    path: self.path.clone(),
                    found: version,
                });
            }
            std::cmp::Ordering::Equal => {}
        }
        get("ledger_id")?
            .and_then(|v| <[u8; 16]>::try_from(v.as_slice()).ok())
            .ok_or_else(|| LedgerError::Corrupt {
                path: self.path.clone(),
                detail: "meta.ledger_id is missing or not 16 bytes".into(),
            })
    }

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
    }

    /// The entry hashes of seqs `1..=upto`, from the hash blocks (not verified), for building
    /// Merkle proofs. Memory: 32 bytes per entry.
    pub fn entry_hashes(&self, upto: Seq) -> Result<Vec<EntryHash>, LedgerError> {
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
    }

    /// Signed checkpoints kept in the ledger file, by tree size (texts as issued/cosigned).
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, LedgerError> {
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
    }

    /// Keeps a signed checkpoint text under its tree size (replacing the one kept for that
    /// size, which the caller merged or checked). Not part of the hash chain: checkpoints
    /// are checked against the entries, never trusted from here.
    pub fn keep_checkpoint(&self, size: u64, text: &str) -> Result<(), LedgerError> {
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
    }

    /// Every stored batch record, in seq order (not verified).
    pub fn batches(&self) -> Result<Vec<BatchRecord>, LedgerError> {
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
                        detail: format!("batch record ending at seq {} is not 80 bytes", k.value()),
                    }
                })?,
            );
        }
        Ok(out)
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

    /// Appends `events` as one batch signed by `signer`: all or nothing, one write transaction
    /// with two-phase commit, one signature over the head after the batch.
    pub fn append(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
    ) -> Result<Appended, LedgerError> {
        guarded(&self.path, || {
            self.write_batch(signer, events, recorded_at, None, true)
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
        self.write_batch(signer, events, recorded_at, None, false)
    }

    fn write_batch(
        &self,
        signer: &SigningKey,
        events: Vec<Event>,
        recorded_at: i64,
        genesis_authority: Option<Authority>,
        tree: bool,
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
        let (authority, head) = if let Some(a) = genesis_authority {
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
            )
        } else {
            (
                read_authority_w(&self.path, &txn)?,
                head_w(&self.path, &txn, &self.ledger_id)?,
            )
        };
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
        let message = batch_message(&self.ledger_id, first, last, &prev);
        let signature = signer.sign(&message).to_bytes();
        {
            let mut batches = txn.open_table(BATCHES).map_err(|e| se(&e))?;
            let rec = BatchRecord {
                first,
                last,
                author,
                signature,
            };
            batches
                .insert(last, rec.to_bytes().as_slice())
                .map_err(|e| se(&e))?;
            let mut hashes = txn.open_table(HASHES).map_err(|e| se(&e))?;
            hashes.insert(last, block.as_slice()).map_err(|e| se(&e))?;
            let mut merkle = txn.open_table(MERKLE).map_err(|e| se(&e))?;
            merkle
                .insert("frontier", frontier.to_bytes().as_slice())
                .map_err(|e| se(&e))?;
            if is_genesis || authority != keys_before {
                write_authority(&self.path, &txn, &authority)?;
            }
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

fn head_w(
    path: &Path,
    txn: &redb::WriteTransaction,
    ledger_id: &[u8; 16],
) -> Result<Head, LedgerError> {
    let t = txn.open_table(HASHES).map_err(|e| storage_err(path, e))?;
    let last = t.last().map_err(|e| storage_err(path, e))?;
    Ok(match last {
        None => Head {
            size: 0,
            hash: EntryHash::genesis_prev(ledger_id),
        },
        Some((k, v)) => Head {
            size: k.value(),
            hash: last_hash(path, k.value(), v.value())?,
        },
    })
}

/// The hash of the last entry of a hash block.
fn last_hash(path: &Path, last: Seq, block: &[u8]) -> Result<EntryHash, LedgerError> {
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

/// Entries encoded by the encoding thread: their bytes back to back, with (seq, from, to).
struct EncodedChunk {
    data: Vec<u8>,
    items: Vec<(Seq, usize, usize)>,
}

/// How many entries travel in one chunk between the two halves of an append.
const CHUNK_ENTRIES: usize = 64;

/// Batches at least this large are encoded on a second thread while the first inserts.
const PARALLEL_FROM: usize = 512;

/// What the encoding thread of an append needs.
struct BatchInput<'a> {
    events: &'a [Event],
    first: Seq,
    prev: EntryHash,
    recorded_at: i64,
    author: KeyId,
    genesis: bool,
    prior: &'a BTreeMap<Seq, Event>,
    path: &'a Path,
    /// Maintain the Merkle frontier (always, but for the benchmark's comparison).
    tree: bool,
}

/// What the encoding thread of an append produces besides the entries.
struct Encoded {
    authority: Authority,
    frontier: Frontier,
    block: Vec<u8>,
    head: EntryHash,
}

impl BatchInput<'_> {
    /// Authorises, encodes and hashes every event in order, chaining `prev`, growing the
    /// Merkle frontier and the hash block, and hands the encoded entries to `emit` in chunks.
    /// Stops when `emit` says the inserting side failed (it keeps its own error).
    fn encode(
        self,
        mut authority: Authority,
        mut frontier: Frontier,
        emit: &mut dyn FnMut(EncodedChunk) -> bool,
    ) -> Result<Encoded, LedgerError> {
        let fail = |detail: String| LedgerError::Io {
            path: self.path.to_path_buf(),
            detail,
        };
        let mut prev = self.prev;
        let mut block = Vec::with_capacity(self.events.len() * 32);
        let mut chunk = EncodedChunk {
            data: Vec::with_capacity(CHUNK_ENTRIES * 128),
            items: Vec::with_capacity(CHUNK_ENTRIES),
        };
        for (i, event) in self.events.iter().enumerate() {
            let seq = self.first + i as u64;
            if !(self.genesis && seq == 1) {
                let mut lookup = |s: Seq| -> Option<Event> {
                    if s >= self.first {
                        usize::try_from(s - self.first)
                            .ok()
                            .and_then(|j| self.events.get(j))
                            .cloned()
                    } else {
                        self.prior.get(&s).cloned()
                    }
                };
                authority
                    .check(self.author, seq, event, &mut lookup)
                    .map_err(|source| LedgerError::Unauthorized { seq, source })?;
                authority.apply(event);
            }
            let entry = EntryRef {
                version: FORMAT_VERSION,
                seq,
                prev,
                recorded_at: self.recorded_at,
                author: self.author,
                event,
            };
            let from = chunk.data.len();
            chunk.data = postcard::to_extend(&entry, std::mem::take(&mut chunk.data))
                .map_err(|e| fail(e.to_string()))?;
            let to = chunk.data.len();
            let hash = EntryHash::of_stored(chunk.data.get(from..to).unwrap_or_default());
            chunk.items.push((seq, from, to));
            block.extend_from_slice(&hash.0);
            if self.tree {
                frontier.push(&hash).map_err(|e| fail(e.to_string()))?;
            }
            prev = hash;
            if chunk.items.len() == CHUNK_ENTRIES {
                let full = std::mem::replace(
                    &mut chunk,
                    EncodedChunk {
                        data: Vec::with_capacity(CHUNK_ENTRIES * 128),
                        items: Vec::with_capacity(CHUNK_ENTRIES),
                    },
                );
                if !emit(full) {
                    return Err(fail("the inserting side stopped".into()));
                }
            }
        }
        if !chunk.items.is_empty() && !emit(chunk) {
            return Err(fail("the inserting side stopped".into()));
        }
        Ok(Encoded {
            authority,
            frontier,
            block,
            head: prev,
        })
    }
}
