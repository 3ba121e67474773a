//! What an upgraded file keeps of its format-1 past (docs/FORMAT.md §9.6): the upgrade record
//! (`meta.upgrade_v1`) and the checkpoints issued under format 1 (table `checkpoints_v1`), how
//! they are read, and verify's checks of them against the keyed-BLAKE3 tree of the same entries.
//!
//! Owns: their byte form, reading and checking. Must not: write anything (src/ledger/upgrade.rs
//! performs the upgrade) or walk the entries.

use super::entry::FORMAT_VERSION;
use super::error::{LedgerError, guarded, storage_err};
use super::failure::{Failure, FailureKind, Verified};
use super::merkle::{Frontier, TreeAlgorithm, TreeHash};
use super::store::{Ledger, META};
use crate::model::Seq;
use redb::{ReadableTable, TableDefinition, TableError};

/// `meta` row recording the upgrade from format 1.
pub const UPGRADE_ROW: &str = "upgrade_v1";
/// Checkpoints kept under format 1, moved out of `checkpoints` by the upgrade: tree size →
/// signed checkpoint text whose root is the keyed-BLAKE3 root.
pub(crate) const CHECKPOINTS_V1: TableDefinition<u64, &str> =
    TableDefinition::new("checkpoints_v1");

/// The upgrade record: when, at which size, and the roots of both trees there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpgradeRecord {
    /// When the upgrade ran, Unix seconds.
    pub upgraded_at: i64,
    /// Entries the ledger had.
    pub size: Seq,
    /// The format-1 (keyed-BLAKE3) root at that size.
    pub v1_root: TreeHash,
    /// The format-2 (RFC 6962) root at that size.
    pub v2_root: TreeHash,
}

impl UpgradeRecord {
    /// Byte form: `upgraded_at` i64 LE (8) ‖ `size` u64 LE (8) ‖ v1 root (32) ‖ v2 root (32).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut b = [0u8; 80];
        b[..8].copy_from_slice(&self.upgraded_at.to_le_bytes());
        b[8..16].copy_from_slice(&self.size.to_le_bytes());
        b[16..48].copy_from_slice(&self.v1_root);
        b[48..].copy_from_slice(&self.v2_root);
        b
    }

    /// Reads [`UpgradeRecord::to_bytes`]; `None` for any other length.
    #[must_use]
    pub fn from_bytes(b: &[u8]) -> Option<UpgradeRecord> {
        let b: &[u8; 80] = b.try_into().ok()?;
        let (t, rest) = b.split_first_chunk::<8>()?;
        let (s, rest) = rest.split_first_chunk::<8>()?;
        let (r1, r2) = rest.split_first_chunk::<32>()?;
        Some(UpgradeRecord {
            upgraded_at: i64::from_le_bytes(*t),
            size: u64::from_le_bytes(*s),
            v1_root: *r1,
            v2_root: r2.try_into().ok()?,
        })
    }
}

impl Ledger {
    /// The upgrade record of a file upgraded from format 1 (not verified; `verify` checks it).
    pub fn upgrade_record(&self) -> Result<Option<UpgradeRecord>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let meta = txn
                .open_table(META)
                .map_err(|e| storage_err(&self.path, e))?;
            let row = meta
                .get(UPGRADE_ROW)
                .map_err(|e| storage_err(&self.path, e))?;
            match row {
                None => Ok(None),
                Some(v) => UpgradeRecord::from_bytes(v.value())
                    .map(Some)
                    .ok_or_else(|| LedgerError::Corrupt {
                        path: self.path.clone(),
                        detail: format!("meta.{UPGRADE_ROW} is not 80 bytes"),
                    }),
            }
        })
    }

    /// The checkpoints kept under format 1 of an upgraded file (tree size, text), unverified.
    pub fn checkpoints_v1(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        guarded(&self.path, || {
            let txn = self.begin_read()?;
            let t = match txn.open_table(CHECKPOINTS_V1) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(storage_err(&self.path, e)),
            };
            let mut out = Vec::new();
            for row in t.iter().map_err(|e| storage_err(&self.path, e))? {
                let (k, v) = row.map_err(|e| storage_err(&self.path, e))?;
                out.push((k.value(), v.value().to_owned()));
            }
            Ok(out)
        })
    }
}

fn upgrade_failure(detail: impl Into<String>) -> Failure {
    Failure {
        seq: None,
        kind: FailureKind::Checkpoint,
        detail: detail.into(),
    }
}

/// Verify's checks of an upgraded file's format-1 past, after the walk: the upgrade record
/// matches the entries (its size is not beyond them, its two roots are the two trees' roots at
/// its size), only a format-2 file has one, and every checkpoint kept under format 1 matches
/// the keyed-BLAKE3 root of its size (and is signed as a kept checkpoint must be). Fills
/// [`Verified::v1_roots_at`] for `sizes` not beyond the upgrade, so that a checkpoint issued
/// before the upgrade still checks. Returns the format-1 checkpoints, for the caller to
/// re-check as kept checkpoints.
pub(super) fn check_upgraded(
    ledger: &Ledger,
    v: &mut Verified,
    sizes: &[u64],
) -> Result<Vec<(u64, String)>, Failure> {
    let storage = |e: &dyn std::fmt::Display| Failure {
        seq: None,
        kind: FailureKind::Corrupt,
        detail: format!("storage: {e}"),
    };
    let record = ledger
        .upgrade_record()
        .map_err(|e| upgrade_failure(e.to_string()))?;
    let kept_v1 = ledger.checkpoints_v1().map_err(|e| storage(&e))?;
    let Some(record) = record else {
        if let Some((size, _)) = kept_v1.first() {
            return Err(upgrade_failure(format!(
                "a format-1 checkpoint of size {size} is kept but the file records no upgrade"
            )));
        }
        return Ok(Vec::new());
    };
    if ledger.format_version() != FORMAT_VERSION {
        return Err(upgrade_failure(format!(
            "a format-{} file carries an upgrade record",
            ledger.format_version()
        )));
    }
    if record.size > v.size {
        return Err(upgrade_failure(format!(
            "the upgrade record says the ledger had {} entries when upgraded, it has {}: the ledger was truncated",
            record.size, v.size
        )));
    }
    let hashes = ledger.entry_hashes(record.size).map_err(|e| storage(&e))?;
    let mut want: Vec<u64> = sizes
        .iter()
        .copied()
        .chain(kept_v1.iter().map(|(s, _)| *s))
        .chain([record.size])
        .filter(|s| *s <= record.size)
        .collect();
    want.sort_unstable();
    want.dedup();
    let mut f1 = Frontier::new_with(TreeAlgorithm::Blake3V1);
    let mut f2 = Frontier::new_with(TreeAlgorithm::Rfc6962);
    let mut next = want.iter().peekable();
    while next.peek() == Some(&&0) {
        v.v1_roots_at.insert(0, f1.root());
        next.next();
    }
    for (i, h) in (1u64..).zip(&hashes) {
        f1.push(h).map_err(|e| storage(&e))?;
        f2.push(h).map_err(|e| storage(&e))?;
        if next.peek() == Some(&&i) {
            v.v1_roots_at.insert(i, f1.root());
            next.next();
        }
    }
    if f1.root() != record.v1_root || f2.root() != record.v2_root {
        return Err(upgrade_failure(format!(
            "the upgrade record's roots at size {} are not the entries' roots: the record was altered",
            record.size
        )));
    }
    for (size, _) in &kept_v1 {
        if *size > record.size {
            return Err(upgrade_failure(format!(
                "a format-1 checkpoint of size {size} is kept, beyond the {} entries the ledger had when upgraded",
                record.size
            )));
        }
    }
    Ok(kept_v1)
}
