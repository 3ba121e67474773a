//! The ledger: redb schema, entry envelope and codec, blake3 hash chain, Ed25519 batch
//! signatures, role authorisation, Merkle tree, checkpoints, proofs and verification.
//!
//! Owns: every byte on disk. Must not: know what a score is.

mod auth;
mod checkpoint;
mod cosig;
mod derived;
mod derived_row;
mod derived_write;
mod encode;
mod entry;
mod error;
mod failure;
pub mod keys;
mod merkle;
mod open;
mod overlay;
mod proof;
mod proof_file;
mod proof_wire;
mod read;
mod restore;
mod store;
mod tree_hash;
mod upgrade;
mod upgrade_state;
mod verify;
mod verify_kept;
mod verify_read;
mod witness;

pub use auth::{AuthError, Authority, KeyRecord};
pub use checkpoint::{
    Checkpoint, CheckpointError, ED25519_SIGNATURE_TYPE, MAX_SIGNATURES, NoteSignature,
    ORIGIN_PREFIX, SignedCheckpoint, key_hash, note_name, origin_for,
};
pub use cosig::{
    COSIGNATURE_TYPE, VkeyError, WitnessKey, cosignature_key_hash, cosignature_message,
};
pub use derived_row::{
    DERIVED_DIGEST_CONTEXT, DERIVED_FRONTIER_CONTEXT, DERIVED_KEYS_CONTEXT, DERIVED_VERSION,
    DayRows, DerivedRow, frontier_digest,
};
pub use entry::{
    CodecError, ENTRY_HASH_CONTEXT, ENVELOPE_VERSION, Entry, EntryHash, FORMAT_VERSION,
    GENESIS_PREV_CONTEXT, MAX_ENTRY_BYTES, MIN_FORMAT_VERSION, Recorded,
};
pub use error::LedgerError;
pub use failure::{Failure, FailureKind, Verified, open_failure};
pub use merkle::{
    EMPTY_ROOT_CONTEXT, FRONTIER_VERSION, Frontier, LEAF_KEY_CONTEXT, MerkleError,
    NODE_KEY_CONTEXT, TreeAlgorithm, TreeHash, consistency_path, consistency_path_by,
    consistency_path_of_leaves, empty_root, inclusion_path, inclusion_path_by,
    inclusion_path_of_leaves, leaf_hash, node_hash, root_of, root_streaming,
};
pub use open::INTERRUPTED_WRITE;
pub use proof::{
    CONSISTENCY_FORMAT, CONSISTENCY_FORMAT_V1, INCLUSION_FORMAT, INCLUSION_FORMAT_V1, MAX_PATH_LEN,
    ProofError, verify_consistency, verify_inclusion, verify_inclusion_of_leaf,
};
pub use proof_file::{
    ConsistencyProof, InclusionProof, ProofSummary, check_proof_bytes, check_proof_bytes_with,
    check_proof_text, check_proof_text_with,
};
pub use restore::{RestoredLedger, StoredLedger, restore};
pub use store::{
    Appended, BATCH_SIGNATURE_CONTEXT, BatchRecord, Head, Ledger, MAGIC, MAX_BATCH, batch_message,
};
pub use upgrade::{Upgraded, upgrade};
pub use upgrade_state::{UPGRADE_ROW, UpgradeRecord};
pub use verify_kept::TABLES;
pub use witness::{WitnessError, Witnessed, add_checkpoint_body, submit};
