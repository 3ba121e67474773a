//! The entry envelope, its canonical codec and its hash.
//!
//! Owns: the envelope's byte form (docs/FORMAT.md §3), the decoder's limits (at most
//! [`MAX_ENTRY_BYTES`] per entry; a correction's replacement may not nest, see
//! `model::replacement`) and the entry hash (§4).
//! Must not: read storage or decide whether an entry is authorised.

use crate::model::{Event, KeyId, Seq};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Ledger format version written by this build, stored in `meta` (docs/FORMAT.md §1). Format 2
/// hashes the Merkle tree as RFC 6962; format 1 (keyed BLAKE3) is still read and verified, and
/// `jixiao upgrade` turns it into format 2.
pub const FORMAT_VERSION: u16 = 2;

/// Oldest format version this build reads and verifies.
pub const MIN_FORMAT_VERSION: u16 = 1;

/// Version of the entry envelope (the `version` field of every entry). The envelope's layout is
/// the same in formats 1 and 2, so it is `1` in both: an upgrade leaves every entry untouched.
pub const ENVELOPE_VERSION: u16 = 1;

/// Largest stored entry, in bytes, that is written or decoded (1 MiB). The largest legitimate
/// entry is a rule set with its whole TOML text, itself capped at
/// [`crate::limits::MAX_RULES_BYTES`]; the seed case's is under 10 KiB.
pub const MAX_ENTRY_BYTES: usize = 1 << 20;

/// blake3 derive-key context of entry hashes.
pub const ENTRY_HASH_CONTEXT: &str = "jixiao ledger v1 entry hash";
/// blake3 derive-key context of the `prev` of entry 1, derived from the ledger id.
pub const GENESIS_PREV_CONTEXT: &str = "jixiao ledger v1 genesis prev";

/// A 32-byte blake3 digest of an entry's stored bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct EntryHash(pub [u8; 32]);

impl EntryHash {
    /// Hash of stored entry bytes (never of a re-encoding).
    #[must_use]
    pub fn of_stored(bytes: &[u8]) -> EntryHash {
        // Same as `blake3::derive_key(ENTRY_HASH_CONTEXT, bytes)`, with the context key
        // derived once instead of on every entry (append and verify hash every entry).
        use blake3::hazmat::HasherExt;
        static CONTEXT_KEY: std::sync::LazyLock<blake3::hazmat::ContextKey> =
            std::sync::LazyLock::new(|| {
                blake3::hazmat::hash_derive_key_context(ENTRY_HASH_CONTEXT)
            });
        let mut h = blake3::Hasher::new_from_context_key(&CONTEXT_KEY);
        h.update(bytes);
        EntryHash(*h.finalize().as_bytes())
    }

    /// The `prev` value of entry 1 of the ledger with this id.
    #[must_use]
    pub fn genesis_prev(ledger_id: &[u8; 16]) -> EntryHash {
        EntryHash(blake3::derive_key(GENESIS_PREV_CONTEXT, ledger_id))
    }

    /// Lower-case hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// First 6 hex digits, as used in citations (`#41·3fa2c1`).
    #[must_use]
    pub fn short(&self) -> String {
        hex::encode(&self.0[..3])
    }
}

impl fmt::Display for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryHash({})", self.to_hex())
    }
}

/// One ledger entry: the envelope around an event. Field order is the on-disk format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Envelope version ([`ENVELOPE_VERSION`]).
    pub version: u16,
    /// Position in the ledger, from 1, contiguous.
    pub seq: Seq,
    /// Hash of entry `seq - 1` (for entry 1: [`EntryHash::genesis_prev`]).
    pub prev: EntryHash,
    /// When it was appended: UTC, seconds since the Unix epoch.
    pub recorded_at: i64,
    /// Key id of the author (the batch signer).
    pub author: KeyId,
    /// What is recorded.
    pub event: Event,
}

/// An [`Entry`] that borrows its event: same fields, same order, same bytes (postcard
/// serialises a reference as the value). Appends encode through it so that events are not
/// moved around.
#[derive(Serialize)]
pub(crate) struct EntryRef<'a> {
    pub(crate) version: u16,
    pub(crate) seq: Seq,
    pub(crate) prev: EntryHash,
    pub(crate) recorded_at: i64,
    pub(crate) author: KeyId,
    pub(crate) event: &'a Event,
}

/// Why stored bytes are not a canonical entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// postcard could not decode the bytes.
    #[error("entry bytes do not decode: {0}")]
    Decode(String),
    /// Bytes left over after the entry.
    #[error("{0} trailing bytes after the entry")]
    Trailing(usize),
    /// Decoding then encoding gives different bytes.
    #[error("entry bytes are not in canonical form (re-encoding differs)")]
    NotCanonical,
    /// More bytes than any entry may have.
    #[error("entry is {0} bytes, more than the {MAX_ENTRY_BYTES} bytes an entry may have")]
    TooLarge(usize),
    /// A correction whose replacement may not stand there (docs/FORMAT.md §3).
    #[error("entry bytes do not decode: {0}")]
    Nested(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fact, Number};

    #[test]
    fn a_borrowing_entry_encodes_to_the_same_bytes() {
        let event = Event::Fact(Fact {
            key: "k".into(),
            name: "名".into(),
            value: Number::from(3),
            unit: "个".into(),
            date: "2022-01-02".parse().unwrap(),
            source: String::new(),
        });
        let owned = Entry {
            version: ENVELOPE_VERSION,
            seq: 7,
            prev: EntryHash([9; 32]),
            recorded_at: -5,
            author: KeyId([1; 8]),
            event: event.clone(),
        };
        let borrowed = EntryRef {
            version: ENVELOPE_VERSION,
            seq: 7,
            prev: EntryHash([9; 32]),
            recorded_at: -5,
            author: KeyId([1; 8]),
            event: &event,
        };
        assert_eq!(owned.encode(), postcard::to_allocvec(&borrowed).unwrap());
    }
}

impl Entry {
    /// Canonical bytes of this entry.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        // postcard serialisation into a Vec cannot fail for these types (no maps, no
        // unsized sequences of unknown length); an empty Vec would fail decode anyway.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes stored bytes, requiring that they re-encode to exactly the same bytes.
    pub fn decode(bytes: &[u8]) -> Result<Entry, CodecError> {
        Entry::decode_with(bytes, &mut Vec::new())
    }

    /// [`Entry::decode`] re-encoding into `scratch`, so a loop over many entries allocates once.
    /// Refuses more than [`MAX_ENTRY_BYTES`] before decoding, and a correction whose
    /// replacement is a Correction, Genesis, Grant or Revoke before descending into it.
    pub fn decode_with(bytes: &[u8], scratch: &mut Vec<u8>) -> Result<Entry, CodecError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(CodecError::TooLarge(bytes.len()));
        }
        let _ = crate::model::take_refusal();
        let (entry, rest) = postcard::take_from_bytes::<Entry>(bytes).map_err(|e| {
            crate::model::take_refusal()
                .map_or_else(|| CodecError::Decode(e.to_string()), CodecError::Nested)
        })?;
        if !rest.is_empty() {
            return Err(CodecError::Trailing(rest.len()));
        }
        scratch.clear();
        let reencoded = postcard::to_extend(&entry, std::mem::take(scratch))
            .map_err(|e| CodecError::Decode(e.to_string()))?;
        let same = reencoded == bytes;
        *scratch = reencoded;
        if !same {
            return Err(CodecError::NotCanonical);
        }
        Ok(entry)
    }
}

/// An entry as read from a ledger, with its stored hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The decoded entry.
    pub entry: Entry,
    /// Its hash (of the stored bytes).
    pub hash: EntryHash,
}
