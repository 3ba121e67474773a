//! Proofs: checking inclusion and consistency paths (RFC 9162 §2.1.3.2 and §2.1.4.2), and the
//! self-contained proof files an auditor checks offline with nothing but public keys.
//!
//! Owns: the verification algorithms and the JSON proof file formats
//! (`jixiao-inclusion-proof/1`, `jixiao-consistency-proof/1`).
//! Must not: open the ledger or decide which keys to trust.
//!
//! Limits: a proof file of more than [`crate::limits::MAX_PROOF_FILE_BYTES`] is refused before
//! parsing; JSON nesting is bounded by serde_json's recursion limit (128); a path holds at
//! most [`MAX_PATH_LEN`] hashes; the entry is decoded under the entry decoder's limits.

use super::checkpoint::{CheckpointError, SignedCheckpoint, origin_for};
use super::merkle::{TreeHash, leaf_hash, node_hash};
use super::{CodecError, Entry, EntryHash};
use crate::model::Seq;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

/// `format` of an inclusion proof file.
pub const INCLUSION_FORMAT: &str = "jixiao-inclusion-proof/1";
/// `format` of a consistency proof file.
pub const CONSISTENCY_FORMAT: &str = "jixiao-consistency-proof/1";
/// Most path elements accepted (trees of up to 2^64 leaves need at most 65).
pub const MAX_PATH_LEN: usize = 128;

/// Why a proof or proof file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("inclusion proof: leaf index {index} (seq {}) is outside a tree of size {size}", index.saturating_add(1))]
    IndexOutOfRange {
        /// 0-based leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The path has the wrong number of elements for this index and size.
    #[error(
        "{kind} proof: path has {found} hashes, which does not fit the tree sizes; the proof is damaged or for another tree"
    )]
    PathLength {
        /// `inclusion` or `consistency`.
        kind: &'static str,
        /// Path length found.
        found: usize,
    },
    /// The path does not lead to the stated root.
    #[error("inclusion proof: the path from seq {} does not lead to the root of tree size {size}; the entry is not in that tree or the proof was altered", index.saturating_add(1))]
    InclusionRootMismatch {
        /// 0-based leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// Sizes are not old ≤ new.
    #[error("consistency proof: old tree size {old} is larger than new size {new}")]
    SizesReversed {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// Equal sizes but different roots: a fork.
    #[error(
        "consistency proof: both trees have size {size} but different roots; the ledger was forked or rewritten"
    )]
    SameSizeDifferentRoot {
        /// The size.
        size: u64,
    },
    /// The path does not reproduce the old root, the new root, or both.
    #[error(
        "consistency proof: the path does not reproduce the {which} root (sizes {old} → {new}); the new tree does not extend the old one, or the proof was altered"
    )]
    ConsistencyRootMismatch {
        /// `old`, `new` or `old and new`.
        which: &'static str,
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The file is larger than any proof file may be.
    #[error(
        "proof file is {found} bytes, more than the {} a proof file may have; it is not a jixiao proof file",
        crate::limits::human(crate::limits::MAX_PROOF_FILE_BYTES)
    )]
    TooLarge {
        /// Bytes found.
        found: usize,
    },
    /// The bytes are not UTF-8.
    #[error("proof file is not UTF-8 text (byte {0}); it is damaged")]
    NotUtf8(usize),
    /// The file is not JSON of the expected shape.
    #[error("proof file is not valid {format} JSON: {message}")]
    Json {
        /// Format being read (or `proof` before the format is known).
        format: String,
        /// What serde_json found, with line and column.
        message: String,
    },
    /// The file names a format this build does not read.
    #[error(
        "proof file format {found:?} is not one this build reads ({INCLUSION_FORMAT}, {CONSISTENCY_FORMAT})"
    )]
    UnknownFormat {
        /// The format found.
        found: String,
    },
    /// A hex field is not lower-case hex of the right length.
    #[error("proof file field {field}: not {expected} lower-case hex digits")]
    BadHex {
        /// Field name (with index for path elements).
        field: String,
        /// Expected description, e.g. `64`.
        expected: String,
    },
    /// seq is 0.
    #[error("proof file field seq: seq is counted from 1, found 0")]
    SeqZero,
    /// The stored entry bytes do not hash to the stated entry hash.
    #[error(
        "proof file: entry bytes of seq {seq} hash to {computed}, not the stated {stated}; the entry was altered"
    )]
    EntryHashMismatch {
        /// The seq.
        seq: Seq,
        /// Hash computed from the bytes.
        computed: String,
        /// Hash stated in the file.
        stated: String,
    },
    /// The entry bytes are not a canonical entry.
    #[error(
        "proof file: entry bytes of seq {seq} are not a canonical jixiao entry ({source}); the file is damaged or from an incompatible format version"
    )]
    EntryUndecodable {
        /// The seq stated in the file.
        seq: Seq,
        /// Why decoding failed.
        #[source]
        source: CodecError,
    },
    /// The entry's own seq differs from the seq stated in the file.
    #[error(
        "proof file: field seq says {stated} but the entry records seq {in_entry}; the proof was altered"
    )]
    EntrySeqMismatch {
        /// seq stated in the file.
        stated: Seq,
        /// seq inside the entry.
        in_entry: Seq,
    },
    /// A stated field disagrees with the checkpoint.
    #[error("proof file field {field}: {stated} disagrees with the checkpoint's {in_checkpoint}")]
    CheckpointMismatch {
        /// Field name.
        field: &'static str,
        /// Value in the proof file.
        stated: String,
        /// Value in the checkpoint.
        in_checkpoint: String,
    },
    /// A checkpoint is malformed or not trusted.
    #[error("proof file, {which}: {source}")]
    Checkpoint {
        /// `checkpoint`, `old checkpoint` or `new checkpoint`.
        which: &'static str,
        /// The checkpoint error.
        #[source]
        source: CheckpointError,
    },
}

/// Checks that `path` proves `leaf_entry_hash` is leaf `index` (0-based) of the tree of
/// `size` leaves with root `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_entry_hash: &EntryHash,
    index: u64,
    size: u64,
    path: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let bad_len = || ProofError::PathLength {
        kind: "inclusion",
        found: path.len(),
    };
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = leaf_hash(leaf_entry_hash);
    for p in path {
        if snode == 0 {
            return Err(bad_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(bad_len());
    }
    if r != *root {
        return Err(ProofError::InclusionRootMismatch { index, size });
    }
    Ok(())
}

/// Checks that `path` proves the tree of size `new` with root `new_root` extends the tree of
/// size `old` with root `old_root` (RFC 9162 §2.1.4.2). Equal sizes need an empty path and
/// equal roots; the empty tree (old = 0) is extended by every tree, with an empty path.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &TreeHash,
    new_root: &TreeHash,
    path: &[TreeHash],
) -> Result<(), ProofError> {
    let bad_len = || ProofError::PathLength {
        kind: "consistency",
        found: path.len(),
    };
    if old > new {
        return Err(ProofError::SizesReversed { old, new });
    }
    if old == new {
        if !path.is_empty() {
            return Err(bad_len());
        }
        if old_root != new_root {
            return Err(ProofError::SameSizeDifferentRoot { size: old });
        }
        return Ok(());
    }
    if old == 0 {
        return if path.is_empty() {
            Ok(())
        } else {
            Err(bad_len())
        };
    }
    // If old is a power of two the old root is itself the first node of the path.
    let (first, rest) = if old.is_power_of_two() {
        (old_root, path)
    } else {
        path.split_first().ok_or_else(bad_len)?
    };
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(bad_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(bad_len());
    }
    match (fr == *old_root, sr == *new_root) {
        (true, true) => Ok(()),
        (false, true) => Err(ProofError::ConsistencyRootMismatch {
            which: "old",
            old,
            new,
        }),
        (true, false) => Err(ProofError::ConsistencyRootMismatch {
            which: "new",
            old,
            new,
        }),
        (false, false) => Err(ProofError::ConsistencyRootMismatch {
            which: "old and new",
            old,
            new,
        }),
    }
}

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
