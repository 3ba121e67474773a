//! Verification of a whole ledger: the storage engine's page checksums, the set of tables,
//! codec, seq, chain, recorded-time order, hashes, batch signatures, authorisation, derived
//! index, Merkle tree, and (src/ledger/verify_kept.rs) the kept checkpoints. Names the first
//! failing seq; never panics on bad bytes. The rows are read, hashed and decoded on a second
//! thread (src/ledger/verify_read.rs) and checked here in key order, so that work overlaps.

use super::auth::Authority;
use super::entry::{CodecError, ENVELOPE_VERSION, Entry, EntryHash, Recorded};
use super::error::guarded;
use super::failure::{Failure, FailureKind, Verified, fail, open_failure};
use super::merkle::Frontier;
use super::read::read_authority;
use super::store::{
    BATCHES, BatchRecord, ENTRIES, HASHES, Ledger, MERKLE, batch_message, hash_in_block, time_text,
};
use super::verify_kept::{check_kept, check_tables, kept_checkpoints, sizes_to_capture};
use super::verify_read::{CHUNKS_IN_FLIGHT, Read, Row, read_rows};
use crate::model::{Event, Seq};
use crate::progress::{EVERY, Progress, Silent};
use ed25519_dalek::{Signature, VerifyingKey};
use redb::{ReadableTable, TableError};
use std::collections::BTreeMap;

impl Ledger {
    /// Verifies the whole ledger, calling `observe` with every entry that passed its own checks,
    /// in seq order. Returns the first failure.
    pub fn verify(&self, observe: &mut dyn FnMut(&Recorded)) -> Result<Verified, Failure> {
        self.verify_capturing(observe, &[])
    }

    /// [`Ledger::verify`], also recording the Merkle root at each of `sizes` (to check
    /// checkpoints against).
    pub fn verify_capturing(
        &self,
        observe: &mut dyn FnMut(&Recorded),
        sizes: &[u64],
    ) -> Result<Verified, Failure> {
        self.verify_owned(&mut |r| observe(&r), sizes)
    }

    /// [`Ledger::verify_capturing`], handing each entry that passed over by value (so that a
    /// caller can send it on to another thread without copying it).
    pub fn verify_owned(
        &self,
        observe: &mut dyn FnMut(Recorded),
        sizes: &[u64],
    ) -> Result<Verified, Failure> {
        self.verify_with(observe, sizes, &Silent)
    }

    /// [`Ledger::verify_owned`], telling `progress` how many entries have been checked (stage
    /// `"verify"`, every [`crate::progress::EVERY`] entries and at the end).
    pub fn verify_with(
        &self,
        observe: &mut dyn FnMut(Recorded),
        sizes: &[u64],
        progress: &dyn Progress,
    ) -> Result<Verified, Failure> {
        let path = self.path().to_path_buf();
        let outcome = guarded(&path, || Ok(self.verify_inner(observe, sizes, progress)));
        match outcome {
            Ok(r) => r,
            Err(e) => {
                Err(open_failure(&e)
                    .unwrap_or_else(|| fail(None, FailureKind::Corrupt, e.to_string())))
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn verify_inner(
        &self,
        observe: &mut dyn FnMut(Recorded),
        sizes: &[u64],
        progress: &dyn Progress,
    ) -> Result<Verified, Failure> {
        let storage =
            |e: &dyn std::fmt::Display| fail(None, FailureKind::Corrupt, format!("storage: {e}"));
        let ledger_id = self.ledger_id();
        self.check_pages()
            .map_err(|e| open_failure(&e).unwrap_or_else(|| storage(&e)))?;
        let txn = self.begin_read().map_err(|e| storage(&e))?;
        check_tables(&txn)?;
        let kept = kept_checkpoints(&txn)?;
        let sizes = sizes_to_capture(sizes, &kept);
        let open = |name: &str, r: Result<_, TableError>| {
            r.map_err(|e| match e {
                TableError::TableDoesNotExist(_) => fail(
                    Some(1),
                    FailureKind::Empty,
                    format!("the `{name}` table is missing: the ledger has no entries"),
                ),
                other => storage(&other),
            })
        };
        let entries = open("entries", txn.open_table(ENTRIES))?;
        let hashes = open("hashes", txn.open_table(HASHES))?;
        let batches = open("batches", txn.open_table(BATCHES))?;
        let mut hash_rows = hashes.iter().map_err(|e| storage(&e))?;
        let mut batch_rows = batches.iter().map_err(|e| storage(&e))?;
        // The batch starting at `start` and its block of entry hashes (borrowed from the
        // storage engine, not copied: 32 bytes per entry of the batch).
        type Block<'t> = redb::AccessGuard<'t, &'static [u8]>;
        let mut next_batch = |start: Seq| -> Result<Option<(BatchRecord, Block<'_>)>, Failure> {
            let rec = match batch_rows.next() {
                None => return Ok(None),
                Some(Err(e)) => return Err(storage(&e)),
                Some(Ok((k, v))) => {
                    BatchRecord::from_bytes(k.value(), v.value()).ok_or_else(|| {
                        fail(
                            Some(start),
                            FailureKind::Unsigned,
                            format!("batch record ending at seq {} is not 80 bytes", k.value()),
                        )
                    })?
                }
            };
            if rec.first != start || rec.last < rec.first {
                return Err(fail(
                    Some(start),
                    FailureKind::Unsigned,
                    format!(
                        "expected a signed batch starting at seq {start}, found one covering seqs {}..={}",
                        rec.first, rec.last
                    ),
                ));
            }
            let block = match hash_rows.next() {
                Some(Ok((k, v))) if k.value() == rec.last => v,
                Some(Ok((k, _))) => {
                    return Err(fail(
                        Some(start),
                        FailureKind::HashTable,
                        format!(
                            "the hash block of batch {}..={} is missing (next block ends at seq {})",
                            rec.first,
                            rec.last,
                            k.value()
                        ),
                    ));
                }
                Some(Err(e)) => return Err(storage(&e)),
                None => {
                    return Err(fail(
                        Some(start),
                        FailureKind::HashTable,
                        format!(
                            "the hash block of batch {}..={} is missing",
                            rec.first, rec.last
                        ),
                    ));
                }
            };
            let expected_len = (rec.last - rec.first + 1).checked_mul(32);
            if expected_len != u64::try_from(block.value().len()).ok() {
                return Err(fail(
                    Some(start),
                    FailureKind::HashTable,
                    format!(
                        "the hash block of batch {}..={} has {} bytes, not 32 per entry",
                        rec.first,
                        rec.last,
                        block.value().len()
                    ),
                ));
            }
            Ok(Some((rec, block)))
        };

        let mut expected: Seq = 1;
        let mut prev = EntryHash::genesis_prev(&ledger_id);
        let mut authority: Option<Authority> = None;
        let mut batch = next_batch(1)?;
        let mut batch_count = 0u64;
        let mut frontier = Frontier::new_with(self.tree_algorithm());
        let mut roots_at = BTreeMap::new();
        let mut last_time = i64::MIN;
        // The entry count the hash blocks claim, for progress only (the walk checks it).
        let total = hashes.last().ok().flatten().map_or(0, |(k, _)| k.value());
        let range = entries.iter().map_err(|e| storage(&e))?;
        // Reading, hashing and decoding the rows runs on a second thread, ahead of the checks
        // (src/ledger/verify_read.rs); the checks below take its rows in key order.
        std::thread::scope(|s| -> Result<(), Failure> {
            let (tx, rx) = std::sync::mpsc::sync_channel(CHUNKS_IN_FLIGHT);
            s.spawn(move || read_rows(range, &tx));
            for read in rx.iter().flatten() {
                let Row { seq, hash, decoded } = match read {
                    Read::Row(row) => row,
                    Read::Storage(failure) => return Err(failure),
                    // Caught by `guarded` in `verify_owned`, as a panic here always was.
                    Read::Panicked => std::panic::resume_unwind(Box::new(())),
                };
                if seq != expected {
                    return Err(fail(
                        Some(expected),
                        FailureKind::Missing,
                        format!(
                            "entry {expected} is missing (the next stored entry is {seq}): an entry was removed"
                        ),
                    ));
                }
                let Some((b, block)) = &batch else {
                    return Err(fail(
                        Some(seq),
                        FailureKind::Unsigned,
                        "no batch signature covers this entry",
                    ));
                };
                let b = b.clone();
                let stored = hash_in_block(b.last, block.value(), seq);
                if stored != Some(hash) {
                    return Err(fail(
                        Some(seq),
                        FailureKind::HashMismatch,
                        format!(
                            "stored hash {} differs from the hash of the stored bytes {}: the entry or its hash was changed",
                            stored.map_or_else(|| "(none)".to_string(), |h| h.to_hex()),
                            hash.to_hex()
                        ),
                    ));
                }
                let entry = decoded.map_err(|e| {
                    let kind = match e {
                        CodecError::NotCanonical => FailureKind::NotCanonical,
                        _ => FailureKind::Decode,
                    };
                    fail(Some(seq), kind, e.to_string())
                })?;
                if entry.version != ENVELOPE_VERSION {
                    return Err(fail(
                        Some(seq),
                        FailureKind::Version,
                        format!(
                            "envelope version {} (formats 1 and 2 have envelope version {ENVELOPE_VERSION})",
                            entry.version
                        ),
                    ));
                }
                if entry.seq != seq {
                    return Err(fail(
                        Some(seq),
                        FailureKind::WrongSeq,
                        format!(
                            "the entry stored at seq {seq} says it is seq {}: entries were inserted, swapped or moved",
                            entry.seq
                        ),
                    ));
                }
                if entry.prev != prev {
                    return Err(fail(
                        Some(seq),
                        FailureKind::BrokenChain,
                        "prev does not match the hash of the entry before: the chain is broken",
                    ));
                }
                if entry.author != b.author {
                    return Err(fail(
                        Some(seq),
                        FailureKind::AuthorMismatch,
                        format!(
                            "author {} differs from the batch signer {}",
                            entry.author, b.author
                        ),
                    ));
                }
                if entry.recorded_at < last_time {
                    return Err(fail(
                        Some(seq),
                        FailureKind::TimeOrder,
                        format!(
                            "recorded_at {} is earlier than {} of the entry before: recorded times never go backwards",
                            time_text(entry.recorded_at),
                            time_text(last_time)
                        ),
                    ));
                }
                last_time = entry.recorded_at;
                match (&mut authority, &entry.event) {
                    (None, Event::Genesis(g)) if seq == 1 => {
                        authority =
                            Some(Authority::from_genesis(g, entry.author).map_err(|e| {
                                fail(Some(seq), FailureKind::Unauthorized, e.to_string())
                            })?);
                    }
                    (None, _) => {
                        return Err(fail(
                            Some(seq),
                            FailureKind::Unauthorized,
                            "the first entry is not a genesis entry",
                        ));
                    }
                    (Some(a), event) => {
                        let mut lookup = |s: Seq| -> Option<Event> {
                            entries
                                .get(s)
                                .ok()
                                .flatten()
                                .and_then(|g| Entry::decode(g.value()).ok())
                                .map(|e| e.event)
                        };
                        a.check(entry.author, seq, event, &mut lookup)
                            .map_err(|e| {
                                fail(Some(seq), FailureKind::Unauthorized, e.to_string())
                            })?;
                        a.apply(event);
                    }
                }
                if seq == b.last {
                    let key = authority
                        .as_ref()
                        .and_then(|a| a.get(b.author))
                        .and_then(|r| VerifyingKey::from_bytes(&r.principal.public_key).ok())
                        .ok_or_else(|| {
                            fail(
                                Some(b.first),
                                FailureKind::BadSignature,
                                format!("batch signer {} is not a known key", b.author),
                            )
                        })?;
                    let msg = batch_message(&ledger_id, b.first, b.last, &hash);
                    key.verify_strict(&msg, &Signature::from_bytes(&b.signature))
                        .map_err(|_| {
                            fail(
                                Some(b.first),
                                FailureKind::BadSignature,
                                format!(
                                    "the signature of batch {}..={} by {} does not verify",
                                    b.first, b.last, b.author
                                ),
                            )
                        })?;
                    batch_count += 1;
                    batch = next_batch(seq + 1)?;
                }
                frontier
                    .push(&hash)
                    .map_err(|e| fail(Some(seq), FailureKind::Merkle, e.to_string()))?;
                if sizes.contains(&seq) {
                    roots_at.insert(seq, frontier.root());
                }
                observe(Recorded { entry, hash });
                prev = hash;
                expected += 1;
                if seq.is_multiple_of(EVERY) {
                    progress.update("verify", seq, total.max(seq));
                }
            }
            Ok(())
        })?;
        let size = expected - 1;
        progress.update("verify", size, size);
        if size == 0 {
            return Err(fail(
                Some(1),
                FailureKind::Empty,
                "the ledger has no entries",
            ));
        }
        if let Some((b, _)) = batch {
            return Err(fail(
                Some(expected),
                FailureKind::Missing,
                format!(
                    "batch {}..={} is signed but the ledger ends at seq {size}: entries were removed",
                    b.first, b.last
                ),
            ));
        }
        if let Some(row) = hash_rows.next() {
            let k = row.map_err(|e| storage(&e))?.0.value();
            return Err(fail(
                Some(k),
                FailureKind::HashTable,
                format!("a hash is stored for seq {k}, past the last entry {size}"),
            ));
        }
        let authority = authority.unwrap_or_default();
        let stored = read_authority(self.path(), &txn).map_err(|e| storage(&e))?;
        if stored != authority {
            return Err(fail(
                None,
                FailureKind::Index,
                "the stored key/role index differs from the one derived from the entries",
            ));
        }
        // A dropped `merkle` table is a missing frontier, not damage to the storage engine.
        let stored_frontier = match txn.open_table(MERKLE) {
            Ok(t) => t
                .get("frontier")
                .map_err(|e| storage(&e))?
                .map(|v| Frontier::from_bytes(v.value())),
            Err(TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(storage(&e)),
        };
        match stored_frontier {
            Some(Ok(f)) if f == frontier => {}
            Some(Ok(f)) => {
                return Err(fail(
                    None,
                    FailureKind::Merkle,
                    format!(
                        "the stored Merkle tree ({} entries, root {}) differs from the one recomputed from the entries ({size} entries, root {})",
                        f.size(),
                        hex::encode(f.root()),
                        hex::encode(frontier.root())
                    ),
                ));
            }
            Some(Err(e)) => {
                return Err(fail(
                    None,
                    FailureKind::Merkle,
                    format!("stored Merkle frontier: {e}"),
                ));
            }
            None => {
                return Err(fail(
                    None,
                    FailureKind::Merkle,
                    "the stored Merkle frontier is missing",
                ));
            }
        }
        let verified = Verified {
            root: frontier.root(),
            roots_at,
            tree: frontier.algorithm(),
            v1_roots_at: BTreeMap::new(),
            ledger_id,
            size,
            batches: batch_count,
            head: prev,
            authority,
        };
        let mut verified = verified;
        let kept_v1 = super::upgrade_state::check_upgraded(self, &mut verified, &sizes)?;
        check_kept(&verified, &kept)?;
        check_kept(&verified, &kept_v1)?;
        Ok(verified)
    }
}
