//! The first stage of verify's walk over the `entries` table: reading each row, hashing its
//! stored bytes and decoding them, on a thread of its own that runs ahead of the checks.
//!
//! Owns: that per-row work, which depends on no other row, and handing its results over in
//! key order through a bounded channel. Must not: judge a row (src/ledger/verify.rs checks
//! every row in order, so the first failure and its seq are the same as reading them there),
//! or read ahead without bound.

use super::entry::{CodecError, Entry, EntryHash};
use super::failure::{Failure, FailureKind, fail};
use crate::model::Seq;
use std::sync::mpsc::SyncSender;

/// Rows per message.
const CHUNK: usize = 1024;
/// Messages in flight between the reader and the checks.
pub(super) const CHUNKS_IN_FLIGHT: usize = 4;

/// One row of `entries`, read: its key, the hash of its stored bytes and their decoding.
pub(super) struct Row {
    pub seq: Seq,
    pub hash: EntryHash,
    pub decoded: Result<Entry, CodecError>,
}

/// What the reader hands over, in key order.
pub(super) enum Read {
    /// A row read.
    Row(Row),
    /// Reading the next row failed; nothing follows.
    Storage(Failure),
    /// The storage engine panicked reading the next row; nothing follows. The checks re-raise
    /// it on their own thread, where it is caught as before.
    Panicked,
}

/// Reads every row of `rows` in order into `tx`, in chunks, until the rows end, one fails or
/// the receiver hangs up (the checks stopped at a failure).
pub(super) fn read_rows(mut rows: redb::Range<'_, u64, &'static [u8]>, tx: &SyncSender<Vec<Read>>) {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut scratch = Vec::with_capacity(256);
    loop {
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rows.next().map(|item| match item {
                Ok((k, v)) => {
                    let bytes = v.value();
                    Read::Row(Row {
                        seq: k.value(),
                        hash: EntryHash::of_stored(bytes),
                        decoded: Entry::decode_with(bytes, &mut scratch),
                    })
                }
                Err(e) => Read::Storage(fail(None, FailureKind::Corrupt, format!("storage: {e}"))),
            })
        }));
        let (item, last) = match next {
            Ok(None) => break,
            Ok(Some(r @ Read::Row(_))) => (r, false),
            Ok(Some(r)) => (r, true),
            Err(_) => (Read::Panicked, true),
        };
        chunk.push(item);
        if (last || chunk.len() == CHUNK)
            && tx
                .send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                .is_err()
        {
            return;
        }
        if last {
            return;
        }
    }
    if !chunk.is_empty() {
        let _ = tx.send(chunk);
    }
}
