//! The byte form of the `derived` table's one row (docs/FORMAT.md "Derived state"): its
//! envelope (version, the ledger size, head hash, Merkle frontier and key index it was computed
//! with, the body's length, the digest over all of it) and the digests it holds.
//!
//! Owns: that byte form. Must not: open the file (src/ledger/store.rs writes the row,
//! derived.rs reads and checks it) or know what the body means (src/eval/snapshot.rs).

use super::entry::EntryHash;
use redb::TableDefinition;

/// `derived`: "state" → the derived-state row ([`DerivedRow::to_bytes`]).
pub(crate) const DERIVED: TableDefinition<&str, &[u8]> = TableDefinition::new("derived");
/// The one row of the `derived` table.
pub(crate) const DERIVED_ROW: &str = "state";
/// `derived_days`: day key → the seqs of that day's payments on a line (docs/FORMAT.md §11.2),
/// each bound to the `derived` row's body by the digest the body holds.
pub(crate) const DERIVED_DAYS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("derived_days");

/// Day rows to write with a derived-state row.
#[derive(Clone, Copy, Debug)]
pub struct DayRows<'a> {
    /// (key, value) rows.
    pub rows: &'a [(Vec<u8>, Vec<u8>)],
    /// The rows are all there are: every stored day row is replaced by them. Otherwise each
    /// is written over the stored row of its key, and the others stay.
    pub all: bool,
}
/// Version of the row's envelope.
pub const DERIVED_VERSION: u16 = 1;
/// blake3 `derive_key` context of the row's digest.
pub const DERIVED_DIGEST_CONTEXT: &str = "jixiao derived state v1 digest";
/// blake3 `derive_key` context of the digest of the `merkle` frontier bytes.
pub const DERIVED_FRONTIER_CONTEXT: &str = "jixiao derived state v1 frontier";
/// blake3 `derive_key` context of the digest of the `keys` rows.
pub const DERIVED_KEYS_CONTEXT: &str = "jixiao derived state v1 keys";

/// Bytes before the body: version, size, head, frontier digest, keys digest, body length.
const HEADER: usize = 2 + 8 + 32 + 32 + 32 + 8;

/// The derived-state row, parsed (its digest checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedRow {
    /// Entries the body covers (seq 1 to `size`).
    pub size: u64,
    /// Hash of entry `size`.
    pub head: EntryHash,
    /// [`frontier_digest`] of the `merkle` frontier after entry `size`.
    pub frontier: [u8; 32],
    /// Digest of the `keys` rows after entry `size` (docs/FORMAT.md §11.1).
    pub keys: [u8; 32],
    /// The replayed state (src/eval/snapshot.rs).
    pub body: Vec<u8>,
}

impl DerivedRow {
    /// The stored row: the envelope fields little-endian, the body, then
    /// `blake3::derive_key(DERIVED_DIGEST_CONTEXT, everything before)`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER + self.body.len() + 32);
        b.extend_from_slice(&DERIVED_VERSION.to_le_bytes());
        b.extend_from_slice(&self.size.to_le_bytes());
        b.extend_from_slice(&self.head.0);
        b.extend_from_slice(&self.frontier);
        b.extend_from_slice(&self.keys);
        b.extend_from_slice(&(self.body.len() as u64).to_le_bytes());
        b.extend_from_slice(&self.body);
        let digest = blake3::derive_key(DERIVED_DIGEST_CONTEXT, &b);
        b.extend_from_slice(&digest);
        b
    }

    /// Parses a stored row; `Err` says what does not fit.
    pub fn from_bytes(b: &[u8]) -> Result<DerivedRow, String> {
        let short = || format!("the row is {} bytes, too short for its header", b.len());
        let (content, digest) = b
            .split_at_checked(b.len().checked_sub(32).ok_or_else(short)?)
            .ok_or_else(short)?;
        if content.len() < HEADER {
            return Err(short());
        }
        if blake3::derive_key(DERIVED_DIGEST_CONTEXT, content) != digest {
            return Err("its digest does not match its bytes".into());
        }
        let u64_at = |i: usize| {
            content
                .get(i..i + 8)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_le_bytes)
        };
        let h32 = |i: usize| {
            content
                .get(i..i + 32)
                .and_then(|s| <[u8; 32]>::try_from(s).ok())
        };
        let version = content
            .get(..2)
            .and_then(|s| <[u8; 2]>::try_from(s).ok())
            .map(u16::from_le_bytes);
        if version != Some(DERIVED_VERSION) {
            return Err(format!(
                "envelope version {version:?}, this build reads {DERIVED_VERSION}"
            ));
        }
        let (Some(size), Some(head), Some(frontier), Some(keys), Some(len)) =
            (u64_at(2), h32(10), h32(42), h32(74), u64_at(106))
        else {
            return Err(short());
        };
        let body = content.get(HEADER..).unwrap_or_default();
        if body.len() as u64 != len {
            return Err(format!(
                "its body is {} bytes but its header says {len}",
                body.len()
            ));
        }
        Ok(DerivedRow {
            size,
            head: EntryHash(head),
            frontier,
            keys,
            body: body.to_vec(),
        })
    }
}

/// `blake3::derive_key(DERIVED_FRONTIER_CONTEXT, frontier bytes)`.
#[must_use]
pub fn frontier_digest(frontier_bytes: &[u8]) -> [u8; 32] {
    blake3::derive_key(DERIVED_FRONTIER_CONTEXT, frontier_bytes)
}

/// The digest of the `keys` rows in key order: for each, the key's and the value's length
/// (u32 LE) followed by its bytes, under [`DERIVED_KEYS_CONTEXT`].
pub(crate) fn keys_digest<E>(
    rows: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), E>>,
) -> Result<[u8; 32], E> {
    let mut h = blake3::Hasher::new_derive_key(DERIVED_KEYS_CONTEXT);
    for row in rows {
        let (k, v) = row?;
        for part in [&k, &v] {
            h.update(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_le_bytes());
            h.update(part);
        }
    }
    Ok(*h.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> DerivedRow {
        DerivedRow {
            size: 3,
            head: EntryHash([7; 32]),
            frontier: [1; 32],
            keys: [2; 32],
            body: b"body".to_vec(),
        }
    }

    #[test]
    fn a_row_round_trips_and_any_flipped_byte_is_refused() {
        let bytes = row().to_bytes();
        assert_eq!(DerivedRow::from_bytes(&bytes).unwrap(), row());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(DerivedRow::from_bytes(&b).is_err(), "byte {i}");
        }
        assert!(DerivedRow::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(DerivedRow::from_bytes(&[]).is_err());
    }
}
