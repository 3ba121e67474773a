//! The self-contained proof files an auditor checks offline with nothing but public keys:
//! `jixiao-inclusion-proof/2` and `jixiao-consistency-proof/2` over the RFC 6962 tree of a
//! format-2 ledger (they carry tlog's `CheckRecord` / `CheckTree` inputs), and `/1` over the
//! keyed-BLAKE3 tree of a format-1 ledger (docs/FORMAT.md §9.5).
//!
//! Owns: building and checking them against trusted keys, with the path algorithms of
//! src/ledger/proof.rs; the file version follows the tree. Their JSON wire form is
//! src/ledger/proof_wire.rs. Must not: open the ledger or decide which keys to trust.

use super::checkpoint::{SignedCheckpoint, origin_for};
use super::cosig::WitnessKey;
use super::merkle::{TreeAlgorithm, TreeHash};
use super::proof::{
    CONSISTENCY_FORMAT, CONSISTENCY_FORMAT_V1, INCLUSION_FORMAT, INCLUSION_FORMAT_V1, ProofError,
    verify_consistency, verify_inclusion,
};
use super::proof_wire::{
    ConsistencyV1, ConsistencyV2, FormatOnly, InclusionV1, InclusionV2, b64, b64_hash, b64_path,
    check_size, from_json, hex_array, hex_path, hex_vec, to_json_text,
};
use super::{Entry, EntryHash};
use crate::model::Seq;
use ed25519_dalek::VerifyingKey;

/// An inclusion proof file: one entry, its place in a tree, and the signed checkpoint of
/// that tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// The entry's seq (leaf index + 1).
    pub seq: Seq,
    /// The entry's stored bytes.
    pub entry: Vec<u8>,
    /// Its entry hash.
    pub entry_hash: EntryHash,
    /// Tree size the path is for (the checkpoint's size).
    pub tree_size: u64,
    /// Inclusion path, leaf upwards.
    pub path: Vec<TreeHash>,
    /// Signed checkpoint of the tree of `tree_size` entries.
    pub checkpoint: SignedCheckpoint,
    /// The tree's hashing: RFC 6962 (written as `/2`) or keyed BLAKE3 (`/1`).
    pub tree: TreeAlgorithm,
}

/// A consistency proof file: two signed checkpoints of one ledger and the path between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// Signed checkpoint of the older tree.
    pub old_checkpoint: SignedCheckpoint,
    /// Signed checkpoint of the newer tree.
    pub new_checkpoint: SignedCheckpoint,
    /// Consistency path from the older to the newer tree.
    pub path: Vec<TreeHash>,
    /// The tree's hashing: RFC 6962 (written as `/2`) or keyed BLAKE3 (`/1`).
    pub tree: TreeAlgorithm,
}

/// What a checked proof file established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofSummary {
    /// Entry `seq` with `entry_hash` is in the tree of `tree_size` entries with `root`,
    /// whose checkpoint is signed by `signers`.
    Inclusion {
        /// Ledger id.
        ledger_id: [u8; 16],
        /// The entry's seq.
        seq: Seq,
        /// The entry's hash.
        entry_hash: EntryHash,
        /// The entry, decoded from the proven bytes.
        entry: Box<Entry>,
        /// Tree size.
        tree_size: u64,
        /// Root of that tree.
        root: TreeHash,
        /// Trusted keys that signed the checkpoint.
        signers: Vec<String>,
    },
    /// The tree of `new_size` entries extends the tree of `old_size` entries.
    Consistency {
        /// Ledger id.
        ledger_id: [u8; 16],
        /// Older size.
        old_size: u64,
        /// Older root.
        old_root: TreeHash,
        /// Newer size.
        new_size: u64,
        /// Newer root.
        new_root: TreeHash,
        /// Trusted keys that signed the old checkpoint.
        old_signers: Vec<String>,
        /// Trusted keys that signed the new checkpoint.
        new_signers: Vec<String>,
    },
}

fn restated(field: &'static str, stated: u64, derived: u64) -> Result<(), ProofError> {
    if stated != derived {
        return Err(ProofError::Restated {
            field,
            stated: stated.to_string(),
            derived: derived.to_string(),
        });
    }
    Ok(())
}

fn restated_hash(
    field: &'static str,
    stated: &TreeHash,
    derived: &TreeHash,
) -> Result<(), ProofError> {
    if stated != derived {
        return Err(ProofError::Restated {
            field,
            stated: b64(stated),
            derived: b64(derived),
        });
    }
    Ok(())
}

fn parse_checkpoint(which: &'static str, text: &str) -> Result<SignedCheckpoint, ProofError> {
    SignedCheckpoint::parse(text).map_err(|source| ProofError::Checkpoint { which, source })
}

fn check_origin(ledger_id: &[u8; 16], cp: &SignedCheckpoint) -> Result<(), ProofError> {
    let want = origin_for(ledger_id);
    if cp.checkpoint.origin != want {
        return Err(ProofError::CheckpointMismatch {
            field: "ledger_id",
            stated: want,
            in_checkpoint: cp.checkpoint.origin.clone(),
        });
    }
    Ok(())
}

impl InclusionProof {
    /// Assembles a proof of entry `seq` from its stored bytes, its inclusion path in the
    /// current format's tree and the signed checkpoint the path leads to; the entry hash and
    /// tree size are derived.
    #[must_use]
    pub fn new(
        ledger_id: [u8; 16],
        seq: Seq,
        entry: Vec<u8>,
        path: Vec<TreeHash>,
        checkpoint: SignedCheckpoint,
    ) -> InclusionProof {
        InclusionProof::new_in(
            TreeAlgorithm::CURRENT,
            ledger_id,
            seq,
            entry,
            path,
            checkpoint,
        )
    }

    /// [`InclusionProof::new`] for a path in the tree hashed by `tree`.
    #[must_use]
    pub fn new_in(
        tree: TreeAlgorithm,
        ledger_id: [u8; 16],
        seq: Seq,
        entry: Vec<u8>,
        path: Vec<TreeHash>,
        checkpoint: SignedCheckpoint,
    ) -> InclusionProof {
        InclusionProof {
            ledger_id,
            seq,
            entry_hash: EntryHash::of_stored(&entry),
            tree_size: checkpoint.checkpoint.size,
            entry,
            path,
            checkpoint,
            tree,
        }
    }

    /// The proof file text (pretty JSON, newline-terminated): `/2` for an RFC 6962 tree, `/1`
    /// for a keyed-BLAKE3 one.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self.tree {
            TreeAlgorithm::Blake3V1 => to_json_text(&InclusionV1 {
                format: INCLUSION_FORMAT_V1.to_owned(),
                ledger_id: hex::encode(self.ledger_id),
                seq: self.seq,
                entry: hex::encode(&self.entry),
                entry_hash: self.entry_hash.to_hex(),
                tree_size: self.tree_size,
                path: self.path.iter().map(hex::encode).collect(),
                checkpoint: self.checkpoint.to_text(),
            }),
            TreeAlgorithm::Rfc6962 => to_json_text(&InclusionV2 {
                format: INCLUSION_FORMAT.to_owned(),
                ledger_id: hex::encode(self.ledger_id),
                seq: self.seq,
                entry: hex::encode(&self.entry),
                entry_hash: self.entry_hash.to_hex(),
                index: self.seq.saturating_sub(1),
                tree_size: self.tree_size,
                record_hash: b64(&self.tree.leaf(&self.entry_hash)),
                tree_hash: b64(&self.checkpoint.checkpoint.root),
                record_proof: self.path.iter().map(b64).collect(),
                checkpoint: self.checkpoint.to_text(),
            }),
        }
    }

    /// Parses an inclusion proof file of either version (strict: unknown fields, upper-case
    /// hex, non-canonical base64 and malformed checkpoints are refused; in `/2` the fields
    /// that restate others for tlog must agree with them). Checks no signature or path.
    pub fn parse(text: &str) -> Result<InclusionProof, ProofError> {
        let head: FormatOnly = from_json("proof", text)?;
        let p = match head.format.as_str() {
            INCLUSION_FORMAT_V1 => {
                let w: InclusionV1 = from_json(INCLUSION_FORMAT_V1, text)?;
                InclusionProof {
                    ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
                    seq: w.seq,
                    entry: hex_vec("entry", &w.entry)?,
                    entry_hash: EntryHash(hex_array::<32>("entry_hash", &w.entry_hash)?),
                    tree_size: w.tree_size,
                    path: hex_path(&w.path)?,
                    checkpoint: parse_checkpoint("checkpoint", &w.checkpoint)?,
                    tree: TreeAlgorithm::Blake3V1,
                }
            }
            INCLUSION_FORMAT => {
                let w: InclusionV2 = from_json(INCLUSION_FORMAT, text)?;
                if w.seq == 0 {
                    return Err(ProofError::SeqZero);
                }
                let p = InclusionProof {
                    ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
                    seq: w.seq,
                    entry: hex_vec("entry", &w.entry)?,
                    entry_hash: EntryHash(hex_array::<32>("entry_hash", &w.entry_hash)?),
                    tree_size: w.tree_size,
                    path: b64_path("record_proof", &w.record_proof)?,
                    checkpoint: parse_checkpoint("checkpoint", &w.checkpoint)?,
                    tree: TreeAlgorithm::Rfc6962,
                };
                restated("index", w.index, p.seq - 1)?;
                let record_hash = b64_hash("record_hash", &w.record_hash)?;
                restated_hash("record_hash", &record_hash, &p.tree.leaf(&p.entry_hash))?;
                let tree_hash = b64_hash("tree_hash", &w.tree_hash)?;
                restated_hash("tree_hash", &tree_hash, &p.checkpoint.checkpoint.root)?;
                p
            }
            _ => return Err(ProofError::UnknownFormat { found: head.format }),
        };
        if p.seq == 0 {
            return Err(ProofError::SeqZero);
        }
        Ok(p)
    }

    /// Checks the proof: the entry bytes hash to the stated hash and decode to an entry with
    /// the stated seq, the checkpoint names this ledger and size and is signed by a trusted
    /// key, and the path leads from the entry to the checkpoint's root.
    pub fn check<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
    ) -> Result<ProofSummary, ProofError> {
        self.check_with(trusted, &[], 1)
    }

    /// [`InclusionProof::check`], also counting cosignatures by `witnesses` and requiring at
    /// least `min` distinct trusted keys on the checkpoint.
    pub fn check_with<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
        witnesses: &[WitnessKey],
        min: usize,
    ) -> Result<ProofSummary, ProofError> {
        if self.seq == 0 {
            return Err(ProofError::SeqZero);
        }
        let computed = EntryHash::of_stored(&self.entry);
        if computed != self.entry_hash {
            return Err(ProofError::EntryHashMismatch {
                seq: self.seq,
                computed: computed.to_hex(),
                stated: self.entry_hash.to_hex(),
            });
        }
        let entry = Entry::decode(&self.entry).map_err(|source| ProofError::EntryUndecodable {
            seq: self.seq,
            source,
        })?;
        if entry.seq != self.seq {
            return Err(ProofError::EntrySeqMismatch {
                stated: self.seq,
                in_entry: entry.seq,
            });
        }
        check_origin(&self.ledger_id, &self.checkpoint)?;
        let cp = &self.checkpoint.checkpoint;
        if cp.size != self.tree_size {
            return Err(ProofError::CheckpointMismatch {
                field: "tree_size",
                stated: self.tree_size.to_string(),
                in_checkpoint: cp.size.to_string(),
            });
        }
        let signers = self
            .checkpoint
            .verify_quorum(trusted, witnesses, min)
            .map_err(|source| ProofError::Checkpoint {
                which: "checkpoint",
                source,
            })?;
        verify_inclusion(
            self.tree,
            &self.entry_hash,
            self.seq - 1,
            self.tree_size,
            &self.path,
            &cp.root,
        )?;
        Ok(ProofSummary::Inclusion {
            ledger_id: self.ledger_id,
            seq: self.seq,
            entry_hash: self.entry_hash,
            entry: Box::new(entry),
            tree_size: self.tree_size,
            root: cp.root,
            signers,
        })
    }
}

impl ConsistencyProof {
    /// The proof file text (pretty JSON, newline-terminated): `/2` for an RFC 6962 tree, `/1`
    /// for a keyed-BLAKE3 one.
    #[must_use]
    pub fn to_json(&self) -> String {
        let (old, new) = (
            &self.old_checkpoint.checkpoint,
            &self.new_checkpoint.checkpoint,
        );
        match self.tree {
            TreeAlgorithm::Blake3V1 => to_json_text(&ConsistencyV1 {
                format: CONSISTENCY_FORMAT_V1.to_owned(),
                ledger_id: hex::encode(self.ledger_id),
                old_checkpoint: self.old_checkpoint.to_text(),
                new_checkpoint: self.new_checkpoint.to_text(),
                path: self.path.iter().map(hex::encode).collect(),
            }),
            TreeAlgorithm::Rfc6962 => to_json_text(&ConsistencyV2 {
                format: CONSISTENCY_FORMAT.to_owned(),
                ledger_id: hex::encode(self.ledger_id),
                old_size: old.size,
                old_hash: b64(&old.root),
                new_size: new.size,
                new_hash: b64(&new.root),
                tree_proof: self.path.iter().map(b64).collect(),
                old_checkpoint: self.old_checkpoint.to_text(),
                new_checkpoint: self.new_checkpoint.to_text(),
            }),
        }
    }

    /// Parses a consistency proof file of either version (strict, as
    /// [`InclusionProof::parse`]; in `/2` the sizes and hashes restated for tlog must be the
    /// checkpoints').
    pub fn parse(text: &str) -> Result<ConsistencyProof, ProofError> {
        let head: FormatOnly = from_json("proof", text)?;
        match head.format.as_str() {
            CONSISTENCY_FORMAT_V1 => {
                let w: ConsistencyV1 = from_json(CONSISTENCY_FORMAT_V1, text)?;
                Ok(ConsistencyProof {
                    ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
                    old_checkpoint: parse_checkpoint("old checkpoint", &w.old_checkpoint)?,
                    new_checkpoint: parse_checkpoint("new checkpoint", &w.new_checkpoint)?,
                    path: hex_path(&w.path)?,
                    tree: TreeAlgorithm::Blake3V1,
                })
            }
            CONSISTENCY_FORMAT => {
                let w: ConsistencyV2 = from_json(CONSISTENCY_FORMAT, text)?;
                let p = ConsistencyProof {
                    ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
                    old_checkpoint: parse_checkpoint("old checkpoint", &w.old_checkpoint)?,
                    new_checkpoint: parse_checkpoint("new checkpoint", &w.new_checkpoint)?,
                    path: b64_path("tree_proof", &w.tree_proof)?,
                    tree: TreeAlgorithm::Rfc6962,
                };
                let (old, new) = (&p.old_checkpoint.checkpoint, &p.new_checkpoint.checkpoint);
                restated("old_size", w.old_size, old.size)?;
                restated_hash("old_hash", &b64_hash("old_hash", &w.old_hash)?, &old.root)?;
                restated("new_size", w.new_size, new.size)?;
                restated_hash("new_hash", &b64_hash("new_hash", &w.new_hash)?, &new.root)?;
                Ok(p)
            }
            _ => Err(ProofError::UnknownFormat { found: head.format }),
        }
    }

    /// Checks the proof: both checkpoints name this ledger and are signed by a trusted key,
    /// and the path shows the newer tree extends the older one.
    pub fn check<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
    ) -> Result<ProofSummary, ProofError> {
        self.check_with(trusted, &[], 1)
    }

    /// [`ConsistencyProof::check`], also counting cosignatures by `witnesses` and requiring at
    /// least `min` distinct trusted keys on each checkpoint.
    pub fn check_with<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
        witnesses: &[WitnessKey],
        min: usize,
    ) -> Result<ProofSummary, ProofError> {
        check_origin(&self.ledger_id, &self.old_checkpoint)?;
        check_origin(&self.ledger_id, &self.new_checkpoint)?;
        let old_signers = self
            .old_checkpoint
            .verify_quorum(trusted, witnesses, min)
            .map_err(|source| ProofError::Checkpoint {
                which: "old checkpoint",
                source,
            })?;
        let new_signers = self
            .new_checkpoint
            .verify_quorum(trusted, witnesses, min)
            .map_err(|source| ProofError::Checkpoint {
                which: "new checkpoint",
                source,
            })?;
        let (old, new) = (
            &self.old_checkpoint.checkpoint,
            &self.new_checkpoint.checkpoint,
        );
        verify_consistency(
            self.tree, old.size, new.size, &old.root, &new.root, &self.path,
        )?;
        Ok(ProofSummary::Consistency {
            ledger_id: self.ledger_id,
            old_size: old.size,
            old_root: old.root,
            new_size: new.size,
            new_root: new.root,
            old_signers,
            new_signers,
        })
    }
}

/// Reads a proof file of either format and checks it against `trusted` keys.
pub fn check_proof_text<N: AsRef<str>>(
    text: &str,
    trusted: &[(N, VerifyingKey)],
) -> Result<ProofSummary, ProofError> {
    check_proof_text_with(text, trusted, &[], 1)
}

/// [`check_proof_text`], also counting cosignatures by `witnesses` toward at least `min`
/// distinct trusted keys on every checkpoint of the file.
pub fn check_proof_text_with<N: AsRef<str>>(
    text: &str,
    trusted: &[(N, VerifyingKey)],
    witnesses: &[WitnessKey],
    min: usize,
) -> Result<ProofSummary, ProofError> {
    check_size(text)?;
    let head: FormatOnly = from_json("proof", text)?;
    match head.format.as_str() {
        INCLUSION_FORMAT | INCLUSION_FORMAT_V1 => {
            InclusionProof::parse(text)?.check_with(trusted, witnesses, min)
        }
        CONSISTENCY_FORMAT | CONSISTENCY_FORMAT_V1 => {
            ConsistencyProof::parse(text)?.check_with(trusted, witnesses, min)
        }
        _ => Err(ProofError::UnknownFormat { found: head.format }),
    }
}

/// [`check_proof_text`] over raw file bytes, refusing bytes that are not UTF-8.
pub fn check_proof_bytes<N: AsRef<str>>(
    bytes: &[u8],
    trusted: &[(N, VerifyingKey)],
) -> Result<ProofSummary, ProofError> {
    check_proof_bytes_with(bytes, trusted, &[], 1)
}

/// [`check_proof_text_with`] over raw file bytes, refusing bytes that are not UTF-8.
pub fn check_proof_bytes_with<N: AsRef<str>>(
    bytes: &[u8],
    trusted: &[(N, VerifyingKey)],
    witnesses: &[WitnessKey],
    min: usize,
) -> Result<ProofSummary, ProofError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ProofError::NotUtf8(e.valid_up_to()))?;
    check_proof_text_with(text, trusted, witnesses, min)
}
