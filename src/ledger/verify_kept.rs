//! What verify checks besides the chain of entries: the file's set of tables and their types,
//! the rows of `meta` and `merkle`, and every checkpoint kept in the `checkpoints` table,
//! re-checked against the recomputed tree and the ledger's key registry.
//!
//! Owns: those checks and the check of one checkpoint against a verified ledger (shared with
//! `verify --checkpoint`, `cosign` and reports). Must not: walk the entries (src/ledger/verify.rs
//! does), or trust a kept checkpoint for anything.

use super::auth::Authority;
use super::checkpoint::{Checkpoint, SignedCheckpoint, key_hash};
use super::derived_row::{DERIVED, DERIVED_DAYS, DERIVED_ROW};
use super::failure::{Failure, FailureKind, Verified};
use super::store::{BATCHES, CHECKPOINTS, ENTRIES, HASHES, KEYS, MERKLE, META};
use super::upgrade_state::{CHECKPOINTS_V1, UPGRADE_ROW};
use ed25519_dalek::VerifyingKey;
use redb::{MultimapTableHandle, ReadTransaction, ReadableTable, TableError, TableHandle};

/// The tables of a ledger file (docs/FORMAT.md §2); a file with any other table fails.
/// `checkpoints_v1` exists only in a file upgraded from format 1 (§9.6).
pub const TABLES: [&str; 10] = [
    "meta",
    "entries",
    "hashes",
    "batches",
    "merkle",
    "checkpoints",
    "keys",
    "checkpoints_v1",
    "derived",
    "derived_days",
];

/// The rows `meta` may hold; `upgrade_v1` only in a file upgraded from format 1.
const META_ROWS: [&str; 4] = ["format_version", "ledger_id", "magic", UPGRADE_ROW];

fn tables_failure(detail: impl Into<String>) -> Failure {
    Failure {
        seq: None,
        kind: FailureKind::Tables,
        detail: detail.into(),
    }
}

fn storage(e: &dyn std::fmt::Display) -> Failure {
    Failure {
        seq: None,
        kind: FailureKind::Corrupt,
        detail: format!("storage: {e}"),
    }
}

/// Every table of the file is one of [`TABLES`], with the key and value types of its
/// definition; there are no multimap tables; `meta` and `merkle` hold exactly their rows.
pub(super) fn check_tables(txn: &ReadTransaction) -> Result<(), Failure> {
    for t in txn.list_tables().map_err(|e| storage(&e))? {
        if !TABLES.contains(&t.name()) {
            return Err(tables_failure(format!(
                "the file holds a table `{}` that is not part of the ledger format (tables: {}); the file was altered",
                t.name(),
                TABLES.join(", ")
            )));
        }
    }
    if let Some(t) = txn.list_multimap_tables().map_err(|e| storage(&e))?.next() {
        return Err(tables_failure(format!(
            "the file holds a multimap table `{}`, which the ledger format has none of; the file was altered",
            t.name()
        )));
    }
    let typed = |name: &str, r: Result<(), TableError>| match r {
        Ok(()) | Err(TableError::TableDoesNotExist(_)) => Ok(()),
        Err(e @ TableError::TableTypeMismatch { .. }) => Err(tables_failure(format!(
            "table `{name}` has the wrong key or value type ({e}); the file was altered"
        ))),
        Err(e) => Err(storage(&e)),
    };
    typed("meta", txn.open_table(META).map(drop))?;
    typed("entries", txn.open_table(ENTRIES).map(drop))?;
    typed("hashes", txn.open_table(HASHES).map(drop))?;
    typed("batches", txn.open_table(BATCHES).map(drop))?;
    typed("merkle", txn.open_table(MERKLE).map(drop))?;
    typed("checkpoints", txn.open_table(CHECKPOINTS).map(drop))?;
    typed("keys", txn.open_table(KEYS).map(drop))?;
    typed("checkpoints_v1", txn.open_table(CHECKPOINTS_V1).map(drop))?;
    typed("derived", txn.open_table(DERIVED).map(drop))?;
    typed("derived_days", txn.open_table(DERIVED_DAYS).map(drop))?;
    if let Ok(meta) = txn.open_table(META) {
        for row in meta.iter().map_err(|e| storage(&e))? {
            let (k, _) = row.map_err(|e| storage(&e))?;
            if !META_ROWS.contains(&k.value()) {
                return Err(tables_failure(format!(
                    "table `meta` holds a row `{}` that is not part of the ledger format",
                    k.value()
                )));
            }
        }
    }
    if let Ok(merkle) = txn.open_table(MERKLE) {
        for row in merkle.iter().map_err(|e| storage(&e))? {
            let (k, _) = row.map_err(|e| storage(&e))?;
            if k.value() != "frontier" {
                return Err(tables_failure(format!(
                    "table `merkle` holds a row `{}` besides `frontier`",
                    k.value()
                )));
            }
        }
    }
    if let Ok(derived) = txn.open_table(DERIVED) {
        for row in derived.iter().map_err(|e| storage(&e))? {
            let (k, _) = row.map_err(|e| storage(&e))?;
            if k.value() != DERIVED_ROW {
                return Err(tables_failure(format!(
                    "table `derived` holds a row `{}` besides `{DERIVED_ROW}`",
                    k.value()
                )));
            }
        }
    }
    Ok(())
}

/// Every row of the `checkpoints` table, read in full.
pub(super) fn kept_checkpoints(txn: &ReadTransaction) -> Result<Vec<(u64, String)>, Failure> {
    let t = match txn.open_table(CHECKPOINTS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(storage(&e)),
    };
    let mut out = Vec::new();
    for row in t.iter().map_err(|e| storage(&e))? {
        let (k, v) = row.map_err(|e| storage(&e))?;
        out.push((k.value(), v.value().to_string()));
    }
    Ok(out)
}

/// The (name, key) pairs under which `cp`'s signature lines claim keys of the registry: a line
/// whose key hash is that of its own name and a registry key. Matching by the line's name, not
/// the key's current registry name, keeps a checkpoint signed before a rename checkable.
fn registry_signers(authority: &Authority, cp: &SignedCheckpoint) -> Vec<(String, VerifyingKey)> {
    let keys: Vec<VerifyingKey> = authority
        .records()
        .filter_map(|r| VerifyingKey::from_bytes(&r.principal.public_key).ok())
        .collect();
    let mut out: Vec<(String, VerifyingKey)> = Vec::new();
    for line in &cp.signatures {
        for key in &keys {
            if key_hash(&line.name, key) == line.key_hash
                && !out.iter().any(|(n, k)| *n == line.name && k == key)
            {
                out.push((line.name.clone(), *key));
            }
        }
    }
    out
}

fn kept_failure(size: u64, detail: impl std::fmt::Display) -> Failure {
    Failure {
        seq: None,
        kind: FailureKind::Checkpoint,
        detail: format!("the checkpoint kept for tree size {size}: {detail}"),
    }
}

/// Re-checks every kept checkpoint: it parses, its size is its row's key, it matches the
/// verified ledger ([`Verified::problem_with`]), and every signature line by a key of the
/// ledger's registry verifies, with at least one such line.
pub(super) fn check_kept(v: &Verified, kept: &[(u64, String)]) -> Result<(), Failure> {
    for (size, text) in kept {
        let cp = SignedCheckpoint::parse(text).map_err(|e| kept_failure(*size, e))?;
        let trusted = registry_signers(&v.authority, &cp);
        if cp.checkpoint.size != *size {
            return Err(kept_failure(
                *size,
                format!("its text says tree size {}", cp.checkpoint.size),
            ));
        }
        if let Some(p) = v.problem_with(&cp.checkpoint) {
            return Err(kept_failure(*size, p));
        }
        cp.verify_signatures(&trusted)
            .map_err(|e| kept_failure(*size, e))?;
    }
    Ok(())
}

impl Verified {
    /// What is wrong with checkpoint `c` as a statement about this verified ledger, if
    /// anything: another ledger's origin, more entries than the ledger has, or a root other
    /// than the recomputed root at its size (a size-0 checkpoint must carry the empty-tree
    /// root). Needs the root at `c.size` in [`Verified::roots_at`] (verify captures it).
    #[must_use]
    pub fn problem_with(&self, c: &Checkpoint) -> Option<String> {
        if c.ledger_id() != Some(self.ledger_id) {
            return Some(format!(
                "the checkpoint is for `{}`, not this ledger (jixiao/{})",
                c.origin,
                hex::encode(self.ledger_id)
            ));
        }
        if c.size > self.size {
            return Some(format!(
                "the checkpoint covers {} entries but the ledger has only {}: the ledger was truncated or rolled back",
                c.size, self.size
            ));
        }
        let root = if c.size == 0 {
            Some(self.tree.empty())
        } else {
            self.roots_at.get(&c.size).copied()
        };
        match root {
            Some(root) if root == c.root => None,
            // Issued before the upgrade from format 1: over the keyed-BLAKE3 tree.
            _ if self.v1_roots_at.get(&c.size) == Some(&c.root) => None,
            Some(root) => Some(format!(
                "the ledger's first {} entries have Merkle root {}, the checkpoint says {}: the history was rewritten (a fork)",
                c.size,
                hex::encode(root),
                hex::encode(c.root)
            )),
            None if self.v1_roots_at.contains_key(&c.size) => Some(format!(
                "the ledger's first {} entries do not have Merkle root {} in the format-1 tree they had before the upgrade: the history was rewritten (a fork)",
                c.size,
                hex::encode(c.root)
            )),
            None => Some(format!("no root computed at size {}", c.size)),
        }
    }
}

/// The sizes verify must capture roots at: those asked for and those of kept checkpoints.
pub(super) fn sizes_to_capture(asked: &[u64], kept: &[(u64, String)]) -> Vec<u64> {
    let mut all: Vec<u64> = asked
        .iter()
        .copied()
        .chain(kept.iter().map(|(s, _)| *s))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}
