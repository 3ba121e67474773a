//! Encoding a batch: authorising, encoding, hashing and chaining every event in order, growing
//! the Merkle frontier and the batch's hash block, handed to the inserting side in chunks (on a
//! second thread for large batches, see src/ledger/store.rs).
//!
//! Owns: that sequential pass. Must not: touch the file (the store inserts what it emits).

use super::auth::Authority;
use super::entry::{ENVELOPE_VERSION, EntryHash, EntryRef};
use super::error::LedgerError;
use super::merkle::Frontier;
use crate::model::{Event, KeyId, Seq};
use std::collections::BTreeMap;
use std::path::Path;

/// Entries encoded by the encoding thread: their bytes back to back, with (seq, from, to).
pub(super) struct EncodedChunk {
    pub(super) data: Vec<u8>,
    pub(super) items: Vec<(Seq, usize, usize)>,
}

/// How many entries travel in one chunk between the two halves of an append.
const CHUNK_ENTRIES: usize = 64;

/// Batches at least this large are encoded on a second thread while the first inserts.
pub(super) const PARALLEL_FROM: usize = 512;

/// What the encoding thread of an append needs.
pub(super) struct BatchInput<'a> {
    pub(super) events: &'a [Event],
    pub(super) first: Seq,
    pub(super) prev: EntryHash,
    pub(super) recorded_at: i64,
    pub(super) author: KeyId,
    pub(super) genesis: bool,
    pub(super) prior: &'a BTreeMap<Seq, Event>,
    pub(super) path: &'a Path,
    /// Maintain the Merkle frontier (always, but for the benchmark's comparison).
    pub(super) tree: bool,
}

/// What the encoding thread of an append produces besides the entries.
pub(super) struct Encoded {
    pub(super) authority: Authority,
    pub(super) frontier: Frontier,
    pub(super) block: Vec<u8>,
    pub(super) head: EntryHash,
}

impl BatchInput<'_> {
    /// Authorises, encodes and hashes every event in order, chaining `prev`, growing the
    /// Merkle frontier and the hash block, and hands the encoded entries to `emit` in chunks.
    /// Stops when `emit` says the inserting side failed (it keeps its own error).
    pub(super) fn encode(
        self,
        mut authority: Authority,
        mut frontier: Frontier,
        emit: &mut dyn FnMut(EncodedChunk) -> bool,
    ) -> Result<Encoded, LedgerError> {
        let fail = |detail: String| LedgerError::Io {
            path: self.path.to_path_buf(),
            detail,
        };
        let mut prev = self.prev;
        let mut block = Vec::with_capacity(self.events.len() * 32);
        let mut chunk = EncodedChunk {
            data: Vec::with_capacity(CHUNK_ENTRIES * 128),
            items: Vec::with_capacity(CHUNK_ENTRIES),
        };
        for (i, event) in self.events.iter().enumerate() {
            let seq = self.first + i as u64;
            if !(self.genesis && seq == 1) {
                let mut lookup = |s: Seq| -> Option<Event> {
                    if s >= self.first {
                        usize::try_from(s - self.first)
                            .ok()
                            .and_then(|j| self.events.get(j))
                            .cloned()
                    } else {
                        self.prior.get(&s).cloned()
                    }
                };
                authority
                    .check(self.author, seq, event, &mut lookup)
                    .map_err(|source| LedgerError::Unauthorized { seq, source })?;
                authority.apply(event);
            }
            let entry = EntryRef {
                version: ENVELOPE_VERSION,
                seq,
                prev,
                recorded_at: self.recorded_at,
                author: self.author,
                event,
            };
            let from = chunk.data.len();
            chunk.data = postcard::to_extend(&entry, std::mem::take(&mut chunk.data))
                .map_err(|e| fail(e.to_string()))?;
            let to = chunk.data.len();
            if to - from > super::entry::MAX_ENTRY_BYTES {
                let (len, limit) = (to - from, super::entry::MAX_ENTRY_BYTES);
                return Err(LedgerError::EntryTooLarge { seq, len, limit });
            }
            let hash = EntryHash::of_stored(chunk.data.get(from..to).unwrap_or_default());
            chunk.items.push((seq, from, to));
            block.extend_from_slice(&hash.0);
            if self.tree {
                frontier.push(&hash).map_err(|e| fail(e.to_string()))?;
            }
            prev = hash;
            if chunk.items.len() == CHUNK_ENTRIES {
                let full = std::mem::replace(
                    &mut chunk,
                    EncodedChunk {
                        data: Vec::with_capacity(CHUNK_ENTRIES * 128),
                        items: Vec::with_capacity(CHUNK_ENTRIES),
                    },
                );
                if !emit(full) {
                    return Err(fail("the inserting side stopped".into()));
                }
            }
        }
        if !chunk.items.is_empty() && !emit(chunk) {
            return Err(fail("the inserting side stopped".into()));
        }
        Ok(Encoded {
            authority,
            frontier,
            block,
            head: prev,
        })
    }
}
