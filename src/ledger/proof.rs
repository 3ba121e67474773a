//! Proofs: checking inclusion and consistency paths (RFC 9162 §2.1.3.2 and §2.1.4.2), and why
//! a proof or proof file is refused.
//!
//! Owns: the verification algorithms and [`ProofError`]. Must not: read proof files (their
//! JSON form is src/ledger/proof_file.rs), open the ledger or decide which keys to trust.
//!
//! Limits: a proof file of more than [`crate::limits::MAX_PROOF_FILE_BYTES`] is refused before
//! parsing; JSON nesting is bounded by serde_json's recursion limit (128); a path holds at
//! most [`MAX_PATH_LEN`] hashes; the entry is decoded under the entry decoder's limits.

use super::checkpoint::CheckpointError;
use super::merkle::{TreeAlgorithm, TreeHash};
use super::{CodecError, EntryHash};
use crate::model::Seq;

/// `format` of an inclusion proof file over an RFC 6962 tree (format-2 ledgers), carrying
/// tlog's `CheckRecord` inputs.
pub const INCLUSION_FORMAT: &str = "jixiao-inclusion-proof/2";
/// `format` of a consistency proof file over an RFC 6962 tree, carrying tlog's `CheckTree`
/// inputs.
pub const CONSISTENCY_FORMAT: &str = "jixiao-consistency-proof/2";
/// `format` of an inclusion proof file over a keyed-BLAKE3 tree (format-1 ledgers).
pub const INCLUSION_FORMAT_V1: &str = "jixiao-inclusion-proof/1";
/// `format` of a consistency proof file over a keyed-BLAKE3 tree (format-1 ledgers).
pub const CONSISTENCY_FORMAT_V1: &str = "jixiao-consistency-proof/1";
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
        "proof file format {found:?} is not one this build reads ({INCLUSION_FORMAT}, {CONSISTENCY_FORMAT}, {INCLUSION_FORMAT_V1}, {CONSISTENCY_FORMAT_V1})"
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
    /// A base64 field is not canonical standard base64 of a 32-byte hash.
    #[error("proof file field {field}: not canonical base64 (RFC 4648, padded) of 32 bytes")]
    BadBase64 {
        /// Field name (with index for path elements).
        field: String,
    },
    /// A field that restates another (for tlog) disagrees with what it restates.
    #[error(
        "proof file field {field}: {stated} disagrees with the {derived} the other fields give; the proof was altered"
    )]
    Restated {
        /// Field name.
        field: &'static str,
        /// Value in the proof file.
        stated: String,
        /// Value derived from the other fields.
        derived: String,
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
/// `size` leaves with root `root` (RFC 9162 §2.1.3.2), in the tree hashed by `tree`.
pub fn verify_inclusion(
    tree: TreeAlgorithm,
    leaf_entry_hash: &EntryHash,
    index: u64,
    size: u64,
    path: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofError> {
    verify_inclusion_of_leaf(tree, &tree.leaf(leaf_entry_hash), index, size, path, root)
}

/// [`verify_inclusion`] for a leaf given by its leaf hash (tlog's record hash).
pub fn verify_inclusion_of_leaf(
    tree: TreeAlgorithm,
    leaf: &TreeHash,
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
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return Err(bad_len());
        }
        if fnode & 1 == 1 || fnode == snode {
            r = tree.node(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = tree.node(&r, p);
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
    tree: TreeAlgorithm,
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
            fr = tree.node(c, &fr);
            sr = tree.node(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = tree.node(&sr, c);
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
