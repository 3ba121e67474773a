//! Opening a ledger file: create, open for appending, open read-only; what the storage
//! engine's open errors mean for a ledger; recovery of a file whose last write was interrupted.
//!
//! Owns: the choice of how a file is opened (a writer recovers an interrupted write in the file
//! itself; a reader recovers it in memory, through [`super::overlay`], and never changes the
//! file), the `meta` check, and turning engine errors and panics into [`LedgerError`]s.
//! Must not: read entries, verify the chain, or write anything but what recovery writes.

use super::auth::Authority;
use super::entry::{FORMAT_VERSION, MIN_FORMAT_VERSION};
use super::error::{LedgerError, guarded, storage_err};
use super::overlay::Overlay;
use super::store::{Appended, Db, Ledger, MAGIC, META};
use crate::model::{Event, Genesis, KeyId};
use ed25519_dalek::SigningKey;
use redb::{Database, DatabaseError, ReadOnlyDatabase, TableError};
use std::fs::OpenOptions;
use std::path::Path;

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
        // Only a recovery that was declined ends so; the opens here never decline one.
        DatabaseError::RepairAborted => LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "the file needs recovery and its recovery was stopped".into(),
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

/// What a recovered file is told as: the interrupted write is gone, nothing before it.
pub const INTERRUPTED_WRITE: &str = "the last write was interrupted and left no trace";

/// Whether the file is marked as needing recovery: its last writer stopped without closing it
/// (killed, or the machine stopped), or its length no longer matches its layout.
fn interrupted(path: &Path) -> Result<bool, LedgerError> {
    match Database::builder().open_read_only(path) {
        Ok(db) => {
            drop(db);
            Ok(false)
        }
        Err(DatabaseError::RepairAborted) => Ok(true),
        Err(e) => Err(open_err(path, e)),
    }
}

/// Page cache of a ledger opened read-only ([`Ledger::open_read`]): enough for the index pages
/// of a large file (under 1 MiB for a million entries) and the recent leaves of a scan, which
/// reads each leaf once; independent of the number of entries. (16 MiB cost `verify` of a
/// million entries 12 MB of its peak memory and no time.)
const READ_CACHE_BYTES: usize = 4 << 20;

/// How long a read-only open waits out another reader's momentary lock before saying the file
/// is in use: readers share the file, but two opening at the same instant can see each other's
/// brief lock on the storage engine's lock bytes.
const READ_OPEN_RETRIES: u32 = 40;

/// A read-only open of `path` with the capped page cache (the engine's default is 1 GiB, which
/// a full scan fills with the whole file; reads past the cap come from the operating system's
/// cache), retried for about a second while the file is locked: a writer holding it is still
/// reported as in use after that, another reader opening at the same instant is not.
fn open_read_only_retrying(path: &Path) -> Result<ReadOnlyDatabase, DatabaseError> {
    let mut tries = 0;
    loop {
        match Database::builder()
            .set_cache_size(READ_CACHE_BYTES)
            .open_read_only(path)
        {
            Err(DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch)
                if tries < READ_OPEN_RETRIES =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

/// Page cache of a ledger opened for writing. The storage engine keeps a transaction's dirty
/// pages in up to half of it before writing them out early: with its default (1 GiB), a
/// million-entry import held all 160 MB of its new pages in memory until the commit.
const WRITE_CACHE_BYTES: usize = 64 << 20;

/// Page cache of a view opened only to check the pages.
const CHECK_CACHE_BYTES: usize = 16 << 20;

/// The file opened through an in-memory layer, recovered there if it needs recovery, and with
/// every page checksum checked (`check`, or as part of the recovery).
fn view(path: &Path, needs_recovery: bool) -> Result<Database, LedgerError> {
    let file = OpenOptions::new()
        .read(true)
        .open(path)
        .map_err(|e| LedgerError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let backend = Overlay::new(file).map_err(|e| open_err(path, e))?;
    let mut builder = Database::builder();
    if !needs_recovery {
        // Only checked, then closed: each page is read once, so a small cache will do.
        builder.set_cache_size(CHECK_CACHE_BYTES);
    }
    builder
        .set_check_integrity_on_open(true)
        .create_with_backend(backend)
        .map_err(|e| recovery_err(path, needs_recovery, e))
}

/// An error of an open that came after the file was found to be a database (the probe read
/// its header): the engine's "corrupted" now means damaged pages, not a foreign file. Says so
/// when the open was recovering an interrupted write.
fn recovery_err(path: &Path, recovering: bool, e: DatabaseError) -> LedgerError {
    let detail = match e {
        DatabaseError::Storage(redb::StorageError::Corrupted(d)) if d.contains("Primary is corrupted") => {
            "a page of the committed data fails its checksum (bytes were zeroed, overwritten or flipped)"
                .to_string()
        }
        DatabaseError::Storage(redb::StorageError::Corrupted(d)) => d,
        other => match open_err(path, other) {
            LedgerError::Corrupt { detail, .. } => detail,
            LedgerError::NotALedger { why, .. } => why,
            other => return other,
        },
    };
    let detail = if recovering {
        format!(
            "the file needs recovery (its last write was interrupted, or it was truncated or damaged) and cannot be recovered: {detail}; the file is damaged"
        )
    } else {
        format!("the storage engine's page check failed: {detail}; the file is damaged")
    };
    LedgerError::Corrupt {
        path: path.to_path_buf(),
        detail,
    }
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
                format_version: FORMAT_VERSION,
                recovered: false,
                pages_checked: true,
            };
            let appended = ledger.write_batch(
                signer,
                vec![event],
                recorded_at,
                Some(authority),
                true,
                None,
            )?;
            Ok((ledger, appended))
        })();
        if result.is_err() {
            // Nothing half-written: the file did not exist before this call.
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Opens an existing ledger for appending (takes the file lock). The storage engine checks
    /// the checksum of every page first; a file whose last write was interrupted is recovered
    /// in place (see [`Ledger::recovered`]).
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        Self::open_write(path, false)
    }

    /// [`Ledger::open`]; with `older`, a file of an older supported format is opened too (for
    /// `upgrade`), otherwise it is refused with [`LedgerError::NeedsUpgrade`].
    pub(super) fn open_write(path: &Path, older: bool) -> Result<Ledger, LedgerError> {
        Self::check_exists(path)?;
        guarded(path, || {
            let recovered = interrupted(path)?;
            let db = Database::builder()
                .set_cache_size(WRITE_CACHE_BYTES)
                .set_check_integrity_on_open(true)
                .open(path)
                .map_err(|e| recovery_err(path, recovered, e))?;
            let mut l = Ledger {
                path: path.to_path_buf(),
                db: Db::Write(db),
                ledger_id: [0; 16],
                format_version: FORMAT_VERSION,
                recovered,
                pages_checked: true,
            };
            (l.ledger_id, l.format_version) = l.read_meta(older)?;
            Ok(l)
        })
    }

    /// Opens an existing ledger for a checked append ([`crate::append::append_checked`]). A file
    /// that keeps a derived state (docs/FORMAT.md "Derived state") is opened without the
    /// storage engine's check of every page, which reads the whole file: the append checks the
    /// tail it extends against the derived state instead. Any other file (none kept, or its
    /// last write interrupted) is opened as by [`Ledger::open`], pages checked.
    pub fn open_to_append(path: &Path) -> Result<Ledger, LedgerError> {
        Self::check_exists(path)?;
        let fast = guarded(path, || {
            if interrupted(path)? {
                return Ok(None);
            }
            let db = Database::builder()
                .set_cache_size(WRITE_CACHE_BYTES)
                .open(path)
                .map_err(|e| recovery_err(path, false, e))?;
            let mut l = Ledger {
                path: path.to_path_buf(),
                db: Db::Write(db),
                ledger_id: [0; 16],
                format_version: FORMAT_VERSION,
                recovered: false,
                pages_checked: false,
            };
            (l.ledger_id, l.format_version) = l.read_meta(false)?;
            Ok(l.has_derived()?.then_some(l))
        })?;
        match fast {
            Some(l) => Ok(l),
            None => Self::open(path),
        }
    }

    /// Opens an existing ledger read-only; never modifies the file. A file whose last write was
    /// interrupted is recovered in memory, the file left as it is (see [`Ledger::recovered`]).
    pub fn open_read(path: &Path) -> Result<Ledger, LedgerError> {
        Self::check_exists(path)?;
        guarded(path, || {
            // The page cache is capped (the engine's default is 1 GiB, which a full scan
            // fills with the whole file); reads past it come from the operating system's cache.
            let (db, recovered) = match open_read_only_retrying(path) {
                Ok(db) => (Db::Read(db), false),
                Err(DatabaseError::RepairAborted) => (Db::View(view(path, true)?), true),
                Err(e) => return Err(open_err(path, e)),
            };
            let mut l = Ledger {
                path: path.to_path_buf(),
                db,
                ledger_id: [0; 16],
                format_version: FORMAT_VERSION,
                recovered,
                pages_checked: true,
            };
            (l.ledger_id, l.format_version) = l.read_meta(true)?;
            Ok(l)
        })
    }

    /// The file's format version (`meta.format_version`, docs/FORMAT.md §1).
    #[must_use]
    pub fn format_version(&self) -> u16 {
        self.format_version
    }

    /// The Merkle tree this file keeps, chosen by its format version: every root, path and
    /// checkpoint of this ledger uses it.
    #[must_use]
    pub fn tree_algorithm(&self) -> super::merkle::TreeAlgorithm {
        // read_meta admits only versions for_format knows.
        super::merkle::TreeAlgorithm::for_format(self.format_version)
            .unwrap_or(super::merkle::TreeAlgorithm::CURRENT)
    }

    /// Did opening find the last write interrupted (the file marked as needing recovery) and
    /// recover it: in the file for [`Ledger::open`], in memory for [`Ledger::open_read`]? What
    /// such a write left is gone; every earlier commit is intact (the engine commits in two
    /// phases, so a commit is either complete or absent).
    #[must_use]
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// What to tell the user when opening recovered an interrupted write, if it did.
    #[must_use]
    pub fn recovery_note(&self) -> Option<String> {
        if !self.recovered {
            return None;
        }
        let how = match self.db {
            Db::Write(_) => "the file was recovered",
            Db::Read(_) | Db::View(_) | Db::Closed => {
                "read through a copy recovered in memory; the file was not changed, the next command that writes recovers it"
            }
        };
        Some(format!(
            "note: {}: {INTERRUPTED_WRITE}; nothing committed was lost ({how})",
            self.path.display()
        ))
    }

    /// Has the storage engine check the checksum of every page of the file's committed trees,
    /// through an in-memory view (the file is not changed). `Err` names the damage.
    pub(crate) fn check_pages(&self) -> Result<(), LedgerError> {
        match &self.db {
            // Opened with the check (a writer), or recovered, which checks the same pages.
            Db::Write(_) if !self.pages_checked => Err(LedgerError::Io {
                path: self.path.clone(),
                detail: "opened to append from its derived state, without the check of every page; open it with `Ledger::open` to verify it".into(),
            }),
            Db::Write(_) | Db::View(_) | Db::Closed => Ok(()),
            Db::Read(_) => guarded(&self.path, || view(&self.path, false).map(drop)),
        }
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

    /// The ledger id and format version from `meta`. A version newer than this build's is
    /// refused; an older one ([`MIN_FORMAT_VERSION`] or later) only where `older` is allowed
    /// (reading, verifying, upgrading), never for an append.
    fn read_meta(&self, older: bool) -> Result<([u8; 16], u16), LedgerError> {
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
            std::cmp::Ordering::Less if older && version >= MIN_FORMAT_VERSION => {}
            std::cmp::Ordering::Less => {
                return Err(LedgerError::NeedsUpgrade {
                    path: self.path.clone(),
                    found: version,
                });
            }
            std::cmp::Ordering::Equal => {}
        }
        let id = get("ledger_id")?
            .and_then(|v| <[u8; 16]>::try_from(v.as_slice()).ok())
            .ok_or_else(|| LedgerError::Corrupt {
                path: self.path.clone(),
                detail: "meta.ledger_id is missing or not 16 bytes".into(),
            })?;
        Ok((id, version))
    }
}
