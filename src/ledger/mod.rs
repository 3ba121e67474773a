//! The ledger: redb schema, entry envelope and codec, blake3 hash chain, Ed25519 batch
//! signatures, role authorisation, and verification.
//!
//! Owns: every byte on disk. Must not: know what a score is.

mod entry;

pub use entry::{
    CodecError, ENTRY_HASH_CONTEXT, Entry, EntryHash, FORMAT_VERSION, GENESIS_PREV_CONTEXT,
    Recorded,
};
