//! The self-contained proof files an auditor checks offline with nothing but public keys:
//! `jixiao-inclusion-proof/1` and `jixiao-consistency-proof/1` (docs/FORMAT.md §9.5).
//!
//! Owns: their JSON form, parsing (strict, capped) and checking against trusted keys, with the
//! path algorithms of src/ledger/proof.rs. Must not: open the ledger or decide which keys to
//! trust.

use super::checkpoint::{SignedCheckpoint, origin_for};
use super::merkle::TreeHash;
use super::proof::{
    CONSISTENCY_FORMAT, INCLUSION_FORMAT, MAX_PATH_LEN, ProofError, verify_consistency,
    verify_inclusion,
};
use super::{Entry, EntryHash};
use crate::model::Seq;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

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

#[derive(Deserialize)]
struct FormatOnly {
    format: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionWire {
    format: String,
    ledger_id: String,
    seq: u64,
    entry: String,
    entry_hash: String,
    tree_size: u64,
    path: Vec<String>,
    checkpoint: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyWire {
    format: String,
    ledger_id: String,
    old_checkpoint: String,
    new_checkpoint: String,
    path: Vec<String>,
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex_array<const N: usize>(field: &str, s: &str) -> Result<[u8; N], ProofError> {
    let err = || ProofError::BadHex {
        field: field.to_owned(),
        expected: (2 * N).to_string(),
    };
    if s.len() != 2 * N || !is_lower_hex(s) {
        return Err(err());
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| err())?;
    Ok(out)
}

fn hex_vec(field: &str, s: &str) -> Result<Vec<u8>, ProofError> {
    if !s.len().is_multiple_of(2) || !is_lower_hex(s) {
        return Err(ProofError::BadHex {
            field: field.to_owned(),
            expected: "an even number of".to_owned(),
        });
    }
    hex::decode(s).map_err(|_| ProofError::BadHex {
        field: field.to_owned(),
        expected: "an even number of".to_owned(),
    })
}

fn hex_path(s: &[String]) -> Result<Vec<TreeHash>, ProofError> {
    if s.len() > MAX_PATH_LEN {
        return Err(ProofError::PathLength {
            kind: "file",
            found: s.len(),
        });
    }
    s.iter()
        .enumerate()
        .map(|(i, h)| hex_array::<32>(&format!("path[{i}]"), h))
        .collect()
}

/// Refuses a text longer than [`crate::limits::MAX_PROOF_FILE_BYTES`] before parsing it.
fn check_size(text: &str) -> Result<(), ProofError> {
    if text.len() as u64 > crate::limits::MAX_PROOF_FILE_BYTES {
        return Err(ProofError::TooLarge { found: text.len() });
    }
    Ok(())
}

fn json_err(format: &str, e: &serde_json::Error) -> ProofError {
    ProofError::Json {
        format: format.to_owned(),
        message: e.to_string(),
    }
}

fn to_json_text<T: Serialize>(v: &T) -> String {
    // Serialising structs of strings and integers into a String cannot fail.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
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
    /// Assembles a proof of entry `seq` from its stored bytes, its inclusion path and the
    /// signed checkpoint the path leads to; the entry hash and tree size are derived.
    #[must_use]
    pub fn new(
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
        }
    }

    /// The proof file text (pretty JSON, newline-terminated).
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json_text(&InclusionWire {
            format: INCLUSION_FORMAT.to_owned(),
            ledger_id: hex::encode(self.ledger_id),
            seq: self.seq,
            entry: hex::encode(&self.entry),
            entry_hash: self.entry_hash.to_hex(),
            tree_size: self.tree_size,
            path: self.path.iter().map(hex::encode).collect(),
            checkpoint: self.checkpoint.to_text(),
        })
    }

    /// Parses an inclusion proof file (strict: unknown fields, upper-case hex and malformed
    /// checkpoints are refused). Checks nothing cryptographic.
    pub fn parse(text: &str) -> Result<InclusionProof, ProofError> {
        check_size(text)?;
        let w: InclusionWire =
            serde_json::from_str(text).map_err(|e| json_err(INCLUSION_FORMAT, &e))?;
        if w.format != INCLUSION_FORMAT {
            return Err(ProofError::UnknownFormat { found: w.format });
        }
        if w.seq == 0 {
            return Err(ProofError::SeqZero);
        }
        Ok(InclusionProof {
            ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
            seq: w.seq,
            entry: hex_vec("entry", &w.entry)?,
            entry_hash: EntryHash(hex_array::<32>("entry_hash", &w.entry_hash)?),
            tree_size: w.tree_size,
            path: hex_path(&w.path)?,
            checkpoint: parse_checkpoint("checkpoint", &w.checkpoint)?,
        })
    }

    /// Checks the proof: the entry bytes hash to the stated hash and decode to an entry with
    /// the stated seq, the checkpoint names this ledger and size and is signed by a trusted
    /// key, and the path leads from the entry to the checkpoint's root.
    pub fn check<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
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
            .verify_signatures(trusted)
            .map_err(|source| ProofError::Checkpoint {
                which: "checkpoint",
                source,
            })?;
        verify_inclusion(
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
    /// The proof file text (pretty JSON, newline-terminated).
    #[must_use]
    pub fn to_json(&self) -> String {
        to_json_text(&ConsistencyWire {
            format: CONSISTENCY_FORMAT.to_owned(),
            ledger_id: hex::encode(self.ledger_id),
            old_checkpoint: self.old_checkpoint.to_text(),
            new_checkpoint: self.new_checkpoint.to_text(),
            path: self.path.iter().map(hex::encode).collect(),
        })
    }

    /// Parses a consistency proof file (strict, as [`InclusionProof::parse`]).
    pub fn parse(text: &str) -> Result<ConsistencyProof, ProofError> {
        check_size(text)?;
        let w: ConsistencyWire =
            serde_json::from_str(text).map_err(|e| json_err(CONSISTENCY_FORMAT, &e))?;
        if w.format != CONSISTENCY_FORMAT {
            return Err(ProofError::UnknownFormat { found: w.format });
        }
        Ok(ConsistencyProof {
            ledger_id: hex_array::<16>("ledger_id", &w.ledger_id)?,
            old_checkpoint: parse_checkpoint("old checkpoint", &w.old_checkpoint)?,
            new_checkpoint: parse_checkpoint("new checkpoint", &w.new_checkpoint)?,
            path: hex_path(&w.path)?,
        })
    }

    /// Checks the proof: both checkpoints name this ledger and are signed by a trusted key,
    /// and the path shows the newer tree extends the older one.
    pub fn check<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
    ) -> Result<ProofSummary, ProofError> {
        check_origin(&self.ledger_id, &self.old_checkpoint)?;
        check_origin(&self.ledger_id, &self.new_checkpoint)?;
        let old_signers = self
            .old_checkpoint
            .verify_signatures(trusted)
            .map_err(|source| ProofError::Checkpoint {
                which: "old checkpoint",
                source,
            })?;
        let new_signers = self
            .new_checkpoint
            .verify_signatures(trusted)
            .map_err(|source| ProofError::Checkpoint {
                which: "new checkpoint",
                source,
            })?;
        let (old, new) = (
            &self.old_checkpoint.checkpoint,
            &self.new_checkpoint.checkpoint,
        );
        verify_consistency(old.size, new.size, &old.root, &new.root, &self.path)?;
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
    check_size(text)?;
    let head: FormatOnly = serde_json::from_str(text).map_err(|e| json_err("proof", &e))?;
    match head.format.as_str() {
        INCLUSION_FORMAT => InclusionProof::parse(text)?.check(trusted),
        CONSISTENCY_FORMAT => ConsistencyProof::parse(text)?.check(trusted),
        _ => Err(ProofError::UnknownFormat { found: head.format }),
    }
}

/// [`check_proof_text`] over raw file bytes, refusing bytes that are not UTF-8.
pub fn check_proof_bytes<N: AsRef<str>>(
    bytes: &[u8],
    trusted: &[(N, VerifyingKey)],
) -> Result<ProofSummary, ProofError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ProofError::NotUtf8(e.valid_up_to()))?;
    check_proof_text(text, trusted)
}
