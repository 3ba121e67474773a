//! The ledger: redb schema, entry envelope and codec, blake3 hash chain, Ed25519 batch
//! signatures, role authorisation, and verification.
//!
//! Owns: every byte on disk. Must not: know what a score is.

mod auth;
mod entry;
mod error;
pub mod keys;
mod store;
mod verify;

pub use auth::{AuthError, Authority, KeyRecord};
pub use entry::{
    CodecError, ENTRY_HASH_CONTEXT, Entry, EntryHash, FORMAT_VERSION, GENESIS_PREV_CONTEXT,
    Recorded,
};
pub use error::LedgerError;
pub use store::{
    Appended, BATCH_SIGNATURE_CONTEXT, BatchRecord, Head, Ledger, MAGIC, batch_message,
};
pub use verify::{Failure, FailureKind, Verified, open_failure};
