//! What verify returns: the first failure (its kind, seq and detail) or the verified ledger's
//! head, tree and registry.
//!
//! Owns: those types and the mapping of open errors to failures. Must not: check anything.

use super::auth::Authority;
use super::entry::EntryHash;
use super::error::LedgerError;
use super::merkle::{TreeAlgorithm, TreeHash};
use crate::model::Seq;
use serde::Serialize;
use std::collections::BTreeMap;

/// What failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The file is not a jixiao ledger (or unreadable as a database).
    NotALedger,
    /// The storage engine reports damage.
    Corrupt,
    /// The ledger has no entries at all.
    Empty,
    /// Stored bytes do not decode.
    Decode,
    /// Stored bytes decode but are not in canonical form.
    NotCanonical,
    /// An envelope of an unknown format version.
    Version,
    /// A seq is missing (an entry was removed).
    Missing,
    /// The entry's own seq differs from its position (inserted, swapped or moved).
    WrongSeq,
    /// `prev` is not the hash of the entry before.
    BrokenChain,
    /// The stored hash differs from the hash of the stored bytes.
    HashMismatch,
    /// The `hashes` table lacks a row, or has one too many.
    HashTable,
    /// An entry is not covered by a batch signature, or batches do not tile the ledger.
    Unsigned,
    /// A batch signature does not verify.
    BadSignature,
    /// An entry's author differs from its batch's signer.
    AuthorMismatch,
    /// The author lacked the role for the event at that point.
    Unauthorized,
    /// The derived `keys` index differs from the one re-derived from history.
    Index,
    /// The stored Merkle tree state differs from the tree recomputed from the entries.
    Merkle,
    /// An entry's `recorded_at` is earlier than the entry before it.
    TimeOrder,
    /// The file holds a table the format does not have, a table of the wrong type, or a row
    /// of `meta` or `merkle` the format does not have.
    Tables,
    /// The derived-state row does not match the tail it was computed at, or differs from the
    /// state replayed from the entries (docs/FORMAT.md "Derived state").
    Derived,
    /// A checkpoint kept in the file does not parse, does not match the ledger, or carries a
    /// signature by a registry key that does not verify (or none by a registry key).
    Checkpoint,
}

impl FailureKind {
    /// Stable snake-case name (JSON).
    #[must_use]
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl FailureKind {
    /// What failed in the language in force, for people: `hash_mismatch` in English (the
    /// JSON name), 哈希不符 (hash_mismatch) in Chinese.
    #[must_use]
    pub fn label(self) -> String {
        let name = self.name();
        let words = crate::messages::text(&format!("failure.{name}"), &[]);
        if words == name {
            name
        } else {
            format!("{words} {name}")
        }
    }
}

/// The first failure verify found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// First failing seq, when the failure is about an entry.
    pub seq: Option<Seq>,
    /// What failed.
    pub kind: FailureKind,
    /// Human-readable detail.
    pub detail: String,
}

impl Failure {
    /// The detail in the language in force, for people (the `detail` field stays English:
    /// JSON carries it so).
    #[must_use]
    pub fn detail_here(&self) -> String {
        crate::messages::localize("detail", &self.detail)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(s) => write!(f, "seq {s}: {}", self.detail),
            None => f.write_str(&self.detail),
        }
    }
}

/// A ledger that verified.
#[derive(Clone, Debug)]
pub struct Verified {
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// Number of entries.
    pub size: u64,
    /// Number of signed batches.
    pub batches: u64,
    /// Hash of the last entry.
    pub head: EntryHash,
    /// The key registry re-derived from history.
    pub authority: Authority,
    /// Merkle root over all entries, recomputed.
    pub root: TreeHash,
    /// Recomputed Merkle roots at the tree sizes asked for and at those of the checkpoints kept
    /// in the file (those not above `size`).
    pub roots_at: BTreeMap<u64, TreeHash>,
    /// The Merkle tree of the file's format (docs/FORMAT.md §9.1), which those roots use.
    pub tree: TreeAlgorithm,
    /// For a file upgraded from format 1: the keyed-BLAKE3 roots at those sizes (and at those
    /// of its format-1 checkpoints) not beyond the upgrade, so that checkpoints issued before
    /// the upgrade still check (docs/FORMAT.md §9.6). Empty otherwise.
    pub v1_roots_at: BTreeMap<u64, TreeHash>,
}

pub(super) fn fail(seq: Option<Seq>, kind: FailureKind, detail: impl Into<String>) -> Failure {
    Failure {
        seq,
        kind,
        detail: detail.into(),
    }
}

/// Maps an open error to a verify failure (integrity problems) or passes it on (usage, I/O).
pub fn open_failure(e: &LedgerError) -> Option<Failure> {
    match e {
        LedgerError::NotALedger { .. } => Some(fail(None, FailureKind::NotALedger, e.to_string())),
        // Without the path and the advice to run verify: whoever shows a failure names the file.
        LedgerError::Corrupt { detail, .. } => Some(fail(
            None,
            FailureKind::Corrupt,
            format!("corrupt ledger file: {detail}"),
        )),
        _ => None,
    }
}
