//! Tamper evidence: a real ledger is edited through redb, behind the library's back, and
//! verify must name the first failing seq with the right kind. Never a panic.

mod common;

use common::{
    BATCHES, ENTRIES, Fixture, HASHES, KEYS, MERKLE, META, T0, build, del_u64, edit, fact, failure,
    get_u64, hash_block, hash_range, put_frontier_bytes, put_u64, rewrite_frontier,
    rewrite_hash_blocks, set_stored_hash, stored_frontier, stored_hash, verify,
};
use ed25519_dalek::Signer;
use jixiao::ledger::keys::KeyPair;
use jixiao::ledger::{
    ENVELOPE_VERSION, Entry, EntryHash, FORMAT_VERSION, FailureKind, Frontier, KeyRecord, Ledger,
    LedgerError, batch_message,
};
use jixiao::model::{Event, Grant, KeyId, Role};
use redb::{Database, ReadableTable};
use std::path::Path;

fn entry_bytes(path: &Path, seq: u64) -> Vec<u8> {
    Ledger::open_read(path)
        .unwrap()
        .stored_bytes(seq)
        .unwrap()
        .unwrap()
}

/// Batch record bytes: first ‖ author ‖ signature.
fn batch_record(first: u64, author: KeyId, signature: &[u8; 64]) -> Vec<u8> {
    let mut b = first.to_le_bytes().to_vec();
    b.extend_from_slice(&author.0);
    b.extend_from_slice(signature);
    b
}

/// Writes `events` at the end of the ledger as a properly chained, hashed and signed batch by
/// `signer`, with the Merkle frontier brought up to date, without any authorisation check
/// (what a forger with raw file access can do).
fn forge_batch(f: &Fixture, signer: &KeyPair, events: Vec<Event>) -> (u64, u64) {
    forge_batch_with(f, signer, events, true)
}

/// [`forge_batch`], leaving the stored Merkle frontier as it was if `update_frontier` is false.
fn forge_batch_with(
    f: &Fixture,
    signer: &KeyPair,
    events: Vec<Event>,
    update_frontier: bool,
) -> (u64, u64) {
    let head = Ledger::open_read(&f.path).unwrap().head().unwrap();
    let first = head.size + 1;
    let mut prev = head.hash;
    let mut rows = Vec::new();
    for (i, event) in events.into_iter().enumerate() {
        let entry = Entry {
            version: ENVELOPE_VERSION,
            seq: first + i as u64,
            prev,
            recorded_at: T0 + 3600,
            author: signer.key_id(),
            event,
        };
        let bytes = entry.encode();
        prev = EntryHash::of_stored(&bytes);
        rows.push((entry.seq, bytes, prev));
    }
    let last = first + rows.len() as u64 - 1;
    let sig = signer
        .signing
        .sign(&batch_message(&f.ledger_id, first, last, &prev))
        .to_bytes();
    edit(&f.path, |txn| {
        let mut block = Vec::new();
        let mut frontier = stored_frontier(txn);
        for (seq, bytes, hash) in &rows {
            put_u64(txn, ENTRIES, *seq, bytes);
            block.extend_from_slice(&hash.0);
            frontier.push(hash).unwrap();
        }
        put_u64(txn, HASHES, last, &block);
        if update_frontier {
            put_frontier_bytes(txn, &frontier.to_bytes());
        }
        put_u64(
            txn,
            BATCHES,
            last,
            &batch_record(first, signer.key_id(), &sig),
        );
    });
    (first, last)
}

#[test]
fn the_untouched_fixture_verifies() {
    let f = build();
    let v = verify(&f.path).unwrap();
    assert_eq!(v.size, 20);
    assert_eq!(v.batches, 7);
    assert_eq!(f.batches.len(), 7);
    assert_eq!(f.batches.last(), Some(&(19, 20)));
    assert_eq!(v.ledger_id, f.ledger_id);
    let l = Ledger::open_read(&f.path).unwrap();
    assert_eq!(l.head().unwrap().hash, v.head);
    // The recorder's temporary auditor role is gone again; the index agrees with history.
    let rec = v.authority.get(f.recorder.key_id()).unwrap();
    assert_eq!(
        rec.roles.iter().copied().collect::<Vec<_>>(),
        vec![Role::Recorder]
    );
    assert_eq!(l.authority().unwrap(), v.authority);
    assert!(
        v.authority
            .get(f.evaluator.key_id())
            .unwrap()
            .roles
            .contains(&Role::Evaluator)
    );
}

#[test]
fn every_changed_byte_of_an_entry_names_that_entry() {
    let f = build();
    let seq = 5;
    let original = entry_bytes(&f.path, seq);
    assert!(
        original.len() > 60,
        "entry {seq} is {} bytes",
        original.len()
    );
    for i in 0..original.len() {
        let mut changed = original.clone();
        changed[i] ^= 0x5a;
        edit(&f.path, |txn| put_u64(txn, ENTRIES, seq, &changed));
        let fl = failure(&f.path);
        assert_eq!(fl.seq, Some(seq), "byte {i}: {fl:?}");
        assert!(
            matches!(fl.kind, FailureKind::HashMismatch),
            "byte {i}: {fl:?}"
        );
        edit(&f.path, |txn| put_u64(txn, ENTRIES, seq, &original));
    }
    assert!(
        verify(&f.path).is_ok(),
        "restoring the bytes restores the ledger"
    );
}

#[test]
fn a_changed_byte_with_a_recomputed_hash_is_still_caught() {
    // The stored hash (inside the hash block of batch 4..=9) and the Merkle frontier are
    // rewritten to match, so the chain, codec and signatures must catch it.
    let f = build();
    // Seq 9 ends batch 4..=9, so a change that keeps it decodable breaks that batch signature.
    let seq = 9;
    let original = entry_bytes(&f.path, seq);
    let original_frontier = {
        let mut b = Vec::new();
        edit(&f.path, |txn| b = stored_frontier(txn).to_bytes());
        b
    };
    for i in 0..original.len() {
        let mut changed = original.clone();
        changed[i] = changed[i].wrapping_add(1);
        edit(&f.path, |txn| {
            put_u64(txn, ENTRIES, seq, &changed);
            set_stored_hash(txn, seq, &EntryHash::of_stored(&changed));
            rewrite_frontier(txn);
            assert_eq!(stored_hash(txn, seq), EntryHash::of_stored(&changed));
        });
        let fl = failure(&f.path);
        let named = match fl.kind {
            // The signature covers the head of the batch; it names the batch's first seq.
            FailureKind::BadSignature => fl.seq == Some(4),
            // The next entry's prev no longer matches.
            FailureKind::BrokenChain => fl.seq == Some(seq) || fl.seq == Some(seq + 1),
            _ => fl.seq == Some(seq),
        };
        // The Merkle check (no seq) runs only after every entry passed, so it never fires here.
        assert!(named, "byte {i}: {fl:?}");
        edit(&f.path, |txn| {
            put_u64(txn, ENTRIES, seq, &original);
            set_stored_hash(txn, seq, &EntryHash::of_stored(&original));
            put_frontier_bytes(txn, &original_frontier);
        });
    }
    assert!(verify(&f.path).is_ok());
}

#[test]
fn a_changed_stored_hash_is_a_hash_mismatch() {
    // The hash of seq 7 is the fourth of the six in the block of batch 4..=9.
    for seq in [7, 4, 9] {
        let f = build();
        edit(&f.path, |txn| {
            let (last, mut block) = hash_block(txn, seq);
            assert_eq!((last, block.len()), (9, 6 * 32));
            let at = hash_range(last, block.len(), seq);
            block[at.end - 1] ^= 1;
            put_u64(txn, HASHES, last, &block);
        });
        let fl = failure(&f.path);
        assert!(matches!(fl.kind, FailureKind::HashMismatch), "{fl:?}");
        assert_eq!(fl.seq, Some(seq));
    }
}

#[test]
fn a_short_stored_hash_is_a_hash_table_failure() {
    // One byte short of its hash: the block of batch 2..=3 is no longer 32 bytes per entry.
    // The block's length is checked when its batch is reached, before the entries in it, so
    // the failure names the batch's first seq (2) rather than the seq whose hash is short (3).
    let f = build();
    edit(&f.path, |txn| {
        let block = get_u64(txn, HASHES, 3);
        assert_eq!(block.len(), 64);
        put_u64(txn, HASHES, 3, &block[..63]);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(2));
}

#[test]
fn a_hash_block_of_the_wrong_length_is_a_hash_table_failure() {
    // What is done to a block, given its original bytes.
    type Change = fn(&[u8]) -> Vec<u8>;
    let changes: [(&str, Change); 5] = [
        ("empty", |_| Vec::new()),
        ("one hash short", |b| b[..b.len() - 32].to_vec()),
        ("one hash too many", |b| [b, &b[..32]].concat()),
        ("one byte too many", |b| [b, &[0u8][..]].concat()),
        ("a single 32-byte hash", |b| b[b.len() - 32..].to_vec()),
    ];
    for (last, first) in [(9, 4), (14, 10), (20, 19), (1, 1)] {
        for (what, change) in changes {
            let f = build();
            let mut new_len = 0;
            edit(&f.path, |txn| {
                let block = get_u64(txn, HASHES, last);
                assert_eq!(block.len() as u64, 32 * (last - first + 1));
                let changed = change(&block);
                new_len = changed.len();
                put_u64(txn, HASHES, last, &changed);
            });
            if new_len as u64 == 32 * (last - first + 1) {
                // A single hash is the right length for a one-entry batch: not a length case.
                continue;
            }
            let fl = failure(&f.path);
            assert!(
                matches!(fl.kind, FailureKind::HashTable),
                "batch {first}..={last}, {what}: {fl:?}"
            );
            assert_eq!(
                fl.seq,
                Some(first),
                "batch {first}..={last}, {what}: {fl:?}"
            );
        }
    }
}

#[test]
fn a_missing_or_extra_hash_row_is_a_hash_table_failure() {
    // The last block, of batch 19..=20, is gone. The failure names the batch's first seq: the
    // block is looked for when the batch is reached, before its entries (seq 20 no longer has
    // a row of its own to be missing).
    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, HASHES, 20);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(19));

    // A block in the middle is gone: the next block (ending at 14) does not match batch 4..=9.
    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, HASHES, 9);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(4));

    // A block moved to a key no batch ends at.
    let f = build();
    edit(&f.path, |txn| {
        let b = del_u64(txn, HASHES, 14);
        put_u64(txn, HASHES, 13, &b);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(10));

    let f = build();
    edit(&f.path, |txn| put_u64(txn, HASHES, 21, &[7u8; 32]));
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}

/// Removes entry `seq` and cuts its hash out of its batch's hash block (the block keeps its
/// key, the batch's last seq).
fn remove_entry_and_its_hash(path: &Path, seq: u64) {
    edit(path, |txn| {
        let (last, mut block) = hash_block(txn, seq);
        let at = hash_range(last, block.len(), seq);
        block.drain(at);
        del_u64(txn, ENTRIES, seq);
        put_u64(txn, HASHES, last, &block);
    });
}

#[test]
fn a_removed_middle_entry_is_missing() {
    // The entry goes, its batch's hash block stays as signed: the gap is found at the seq.
    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, ENTRIES, 6);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Missing), "{fl:?}");
    assert_eq!(fl.seq, Some(6));

    // The entry goes with its hash. Hashes are stored per batch, so removing one shortens the
    // block of batch 4..=9, which is checked against the signed batch length when the batch is
    // reached, before its entries: a hash-table failure at the batch's first seq.
    let f = build();
    remove_entry_and_its_hash(&f.path, 6);
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(4));

    // The forger also recomputes the Merkle frontier over what is left: same finding.
    edit(&f.path, |txn| {
        assert_eq!(rewrite_frontier(txn).size(), 19);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(4));
}

#[test]
fn a_removed_entry_alone_is_caught_at_its_seq() {
    // Only the entry row goes; its hash stays in the block of batch 10..=14.
    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, ENTRIES, 12);
    });
    let fl = failure(&f.path);
    // The block still matches its signed batch, so the gap in `entries` is what is found.
    assert_eq!(fl.seq, Some(12), "{fl:?}");
    assert!(matches!(fl.kind, FailureKind::Missing), "{fl:?}");
}

#[test]
fn a_removed_last_entry_of_a_batch_is_missing() {
    let f = build();
    // Seq 9 ends batch 4..=9 and is followed by more batches.
    edit(&f.path, |txn| {
        del_u64(txn, ENTRIES, 9);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Missing), "{fl:?}");
    assert_eq!(fl.seq, Some(9));

    // With its hash cut from the block too, the block is one hash short for the signed batch
    // 4..=9; that is checked when the batch is reached (see a_removed_middle_entry_is_missing).
    let f = build();
    remove_entry_and_its_hash(&f.path, 9);
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(4));
}

#[test]
fn a_removed_last_entry_of_the_ledger_is_missing() {
    let f = build();
    // Seq 20 ends the last batch 19..=20; its signature still claims it.
    edit(&f.path, |txn| {
        del_u64(txn, ENTRIES, 20);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Missing), "{fl:?}");
    assert_eq!(fl.seq, Some(20));

    // With its hash cut from the block (and the frontier recomputed over 19 entries), the
    // block of batch 19..=20 is one hash short, found when that batch is reached.
    let f = build();
    remove_entry_and_its_hash(&f.path, 20);
    edit(&f.path, |txn| {
        rewrite_frontier(txn);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashTable), "{fl:?}");
    assert_eq!(fl.seq, Some(19));

    // Cutting the whole last batch (entries, hash block and batch record) leaves a shorter
    // ledger that is consistent in itself; only the stored Merkle frontier, which still
    // covers 20 entries, gives it away.
    let f = build();
    edit(&f.path, |txn| {
        for seq in [19, 20] {
            del_u64(txn, ENTRIES, seq);
        }
        del_u64(txn, HASHES, 20);
        del_u64(txn, BATCHES, 20);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Merkle), "{fl:?}");
    assert_eq!(fl.seq, None);
}

#[test]
fn an_inserted_entry_in_the_middle_is_caught() {
    // A forger inserts a well-formed, chained entry at seq 10 and renumbers the rest.
    let f = build();
    let prev = EntryHash::of_stored(&entry_bytes(&f.path, 9));
    let inserted = Entry {
        version: ENVELOPE_VERSION,
        seq: 10,
        prev,
        recorded_at: T0 + 60,
        author: f.recorder.key_id(),
        event: fact("inserted", "插入的事实", "1", "个"),
    }
    .encode();
    edit(&f.path, |txn| {
        for seq in (10..=20).rev() {
            let e = del_u64(txn, ENTRIES, seq);
            put_u64(txn, ENTRIES, seq + 1, &e);
        }
        put_u64(txn, ENTRIES, 10, &inserted);
        // Every stored hash is recomputed to match the entry now at its position: the blocks
        // keep the signed batch lengths (so each hash moves one place along, across batch
        // boundaries), the hash of the entry pushed to seq 21 gets a block of its own, and the
        // frontier covers all 21.
        let mut tiling = f.batches.clone();
        tiling.push((21, 21));
        rewrite_hash_blocks(txn, &tiling);
        assert_eq!(stored_hash(txn, 10), EntryHash::of_stored(&inserted));
        assert_eq!(rewrite_frontier(txn).size(), 21);
    });
    let fl = failure(&f.path);
    // The inserted entry itself is consistent; the old seq 10, now at 11, says it is seq 10.
    assert!(matches!(fl.kind, FailureKind::WrongSeq), "{fl:?}");
    assert_eq!(fl.seq, Some(11));
}

#[test]
fn an_inserted_entry_past_the_end_is_unsigned() {
    let f = build();
    let prev = EntryHash::of_stored(&entry_bytes(&f.path, 20));
    let extra = Entry {
        version: ENVELOPE_VERSION,
        seq: 21,
        prev,
        recorded_at: T0 + 60,
        author: f.admin.key_id(),
        event: fact("extra", "追加的事实", "1", "个"),
    }
    .encode();
    edit(&f.path, |txn| {
        put_u64(txn, ENTRIES, 21, &extra);
        put_u64(txn, HASHES, 21, &EntryHash::of_stored(&extra).0);
        assert_eq!(rewrite_frontier(txn).size(), 21);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unsigned), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}

#[test]
fn two_swapped_entries_are_caught_at_the_first() {
    let f = build();
    edit(&f.path, |txn| {
        let (e5, e6) = (get_u64(txn, ENTRIES, 5), get_u64(txn, ENTRIES, 6));
        let (h5, h6) = (stored_hash(txn, 5), stored_hash(txn, 6));
        put_u64(txn, ENTRIES, 5, &e6);
        put_u64(txn, ENTRIES, 6, &e5);
        // Both hashes are in the block of batch 4..=9; they swap places inside it.
        set_stored_hash(txn, 5, &h6);
        set_stored_hash(txn, 6, &h5);
        rewrite_frontier(txn);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::WrongSeq), "{fl:?}");
    assert_eq!(fl.seq, Some(5));
}

#[test]
fn swapped_entries_without_their_hashes_are_a_hash_mismatch() {
    let f = build();
    edit(&f.path, |txn| {
        let (a, b) = (get_u64(txn, ENTRIES, 15), get_u64(txn, ENTRIES, 16));
        put_u64(txn, ENTRIES, 15, &b);
        put_u64(txn, ENTRIES, 16, &a);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::HashMismatch), "{fl:?}");
    assert_eq!(fl.seq, Some(15));
}

#[test]
fn a_missing_batch_signature_is_unsigned() {
    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, BATCHES, 9);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unsigned), "{fl:?}");
    assert_eq!(fl.seq, Some(4));

    let f = build();
    edit(&f.path, |txn| {
        del_u64(txn, BATCHES, 20);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unsigned), "{fl:?}");
    assert_eq!(fl.seq, Some(19));
}

#[test]
fn a_short_batch_record_is_unsigned() {
    let f = build();
    edit(&f.path, |txn| {
        let b = get_u64(txn, BATCHES, 14);
        put_u64(txn, BATCHES, 14, &b[..79]);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unsigned), "{fl:?}");
    assert_eq!(fl.seq, Some(10));
}

#[test]
fn a_batch_record_with_a_wrong_first_seq_is_unsigned() {
    let f = build();
    edit(&f.path, |txn| {
        let mut b = get_u64(txn, BATCHES, 14);
        b[..8].copy_from_slice(&11u64.to_le_bytes());
        put_u64(txn, BATCHES, 14, &b);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unsigned), "{fl:?}");
    assert_eq!(fl.seq, Some(10));
}

#[test]
fn every_flipped_signature_bit_is_a_bad_signature() {
    let f = build();
    let original = edit_read(&f.path, 9);
    assert_eq!(original.len(), 80);
    // One bit in each signature byte (bytes 16..80 of the record).
    for byte in 16..80 {
        let mut b = original.clone();
        b[byte] ^= 1 << (byte % 8);
        edit(&f.path, |txn| put_u64(txn, BATCHES, 9, &b));
        let fl = failure(&f.path);
        assert!(
            matches!(fl.kind, FailureKind::BadSignature),
            "byte {byte}: {fl:?}"
        );
        assert_eq!(fl.seq, Some(4), "byte {byte}");
    }
    edit(&f.path, |txn| put_u64(txn, BATCHES, 9, &original));
    assert!(verify(&f.path).is_ok());
}

fn edit_read(path: &Path, last: u64) -> Vec<u8> {
    let mut out = Vec::new();
    edit(path, |txn| out = get_u64(txn, BATCHES, last));
    out
}

#[test]
fn a_batch_re_signed_by_another_known_key_is_caught() {
    // Batch 4..=9 is the recorder's; the evaluator re-signs it and puts its own id in.
    let f = build();
    let head9 = EntryHash::of_stored(&entry_bytes(&f.path, 9));
    let sig = f
        .evaluator
        .signing
        .sign(&batch_message(&f.ledger_id, 4, 9, &head9))
        .to_bytes();
    edit(&f.path, |txn| {
        put_u64(
            txn,
            BATCHES,
            9,
            &batch_record(4, f.evaluator.key_id(), &sig),
        );
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::AuthorMismatch), "{fl:?}");
    assert_eq!(fl.seq, Some(4));

    // Same signature, but the record keeps claiming the recorder signed it.
    edit(&f.path, |txn| {
        put_u64(txn, BATCHES, 9, &batch_record(4, f.recorder.key_id(), &sig));
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::BadSignature), "{fl:?}");
    assert_eq!(fl.seq, Some(4));
}

#[test]
fn a_batch_signed_by_an_unknown_key_is_a_bad_signature() {
    let f = build();
    let stranger = common::key("stranger", 9);
    let head = EntryHash::of_stored(&entry_bytes(&f.path, 20));
    let sig = stranger
        .signing
        .sign(&batch_message(&f.ledger_id, 19, 20, &head))
        .to_bytes();
    edit(&f.path, |txn| {
        put_u64(txn, BATCHES, 20, &batch_record(19, f.admin.key_id(), &sig));
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::BadSignature), "{fl:?}");
    assert_eq!(fl.seq, Some(19));
}

#[test]
fn a_signed_entry_by_an_author_without_the_role_is_unauthorized() {
    // The recorder forges a grant of admin to itself: chained, hashed and signed correctly.
    let f = build();
    let (first, last) = forge_batch(
        &f,
        &f.recorder,
        vec![Event::Grant(Grant {
            principal: f.recorder.principal(),
            role: Role::Admin,
        })],
    );
    assert_eq!((first, last), (21, 21));
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unauthorized), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}

#[test]
fn a_forged_batch_by_a_rightful_author_verifies_only_if_the_index_agrees() {
    // Sanity check of the forging helper: a batch the recorder may write passes every entry
    // check, and only the derived index (unchanged here, as a fact grants nothing) is compared.
    let f = build();
    forge_batch(
        &f,
        &f.recorder,
        vec![fact("forged.ok", "合规事实", "3", "个")],
    );
    let v = verify(&f.path).unwrap();
    assert_eq!(v.size, 21);
    assert_eq!(v.batches, 8);
}

#[test]
fn a_forged_batch_without_its_merkle_frontier_is_a_merkle_failure() {
    // Every entry check passes, but the stored tree still covers the 20 rightful entries.
    let f = build();
    forge_batch_with(
        &f,
        &f.recorder,
        vec![fact("forged.ok", "合规事实", "3", "个")],
        false,
    );
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Merkle), "{fl:?}");
    assert_eq!(fl.seq, None);
    assert!(fl.detail.contains("20 entries"), "{fl:?}");
}

// --- the stored Merkle frontier ------------------------------------------------------------

fn frontier_bytes(path: &Path) -> Vec<u8> {
    let mut b = Vec::new();
    edit(path, |txn| b = stored_frontier(txn).to_bytes());
    b
}

#[test]
fn the_stored_frontier_is_the_tree_over_the_entry_hashes() {
    let f = build();
    let v = verify(&f.path).unwrap();
    let mut hashes = Vec::new();
    edit(&f.path, |txn| {
        hashes = (1..=20).map(|seq| stored_hash(txn, seq)).collect();
    });
    let stored = Frontier::from_bytes(&frontier_bytes(&f.path)).unwrap();
    assert_eq!(stored, Frontier::from_hashes(&hashes).unwrap());
    assert_eq!(stored.size(), 20);
    assert_eq!(stored.root(), v.root);
}

#[test]
fn every_changed_byte_of_the_stored_frontier_is_a_merkle_failure() {
    // Version byte, size, and the two subtree roots of a 20-leaf tree (16 + 4): whatever
    // byte changes, the frontier either no longer parses or differs from the recomputed one.
    let f = build();
    let original = frontier_bytes(&f.path);
    assert_eq!(original.len(), 1 + 8 + 2 * 32);
    for i in 0..original.len() {
        for bit in [0, 7] {
            let mut changed = original.clone();
            changed[i] ^= 1 << bit;
            edit(&f.path, |txn| put_frontier_bytes(txn, &changed));
            let fl = failure(&f.path);
            assert!(
                matches!(fl.kind, FailureKind::Merkle),
                "byte {i} bit {bit}: {fl:?}"
            );
            assert_eq!(fl.seq, None, "byte {i} bit {bit}");
        }
    }
    edit(&f.path, |txn| put_frontier_bytes(txn, &original));
    assert!(
        verify(&f.path).is_ok(),
        "restoring the frontier restores the ledger"
    );
}

#[test]
fn a_truncated_extended_or_stale_frontier_is_a_merkle_failure() {
    let f = build();
    let original = frontier_bytes(&f.path);
    let mut stale = Vec::new();
    let mut grown = Vec::new();
    edit(&f.path, |txn| {
        let hashes: Vec<EntryHash> = (1..=20).map(|seq| stored_hash(txn, seq)).collect();
        // The tree as it was before the last batch, and with the last entry counted twice:
        // both well-formed, neither the tree of this ledger.
        stale = Frontier::from_hashes(&hashes[..18]).unwrap().to_bytes();
        let mut g = Frontier::from_hashes(&hashes).unwrap();
        g.push(&hashes[19]).unwrap();
        grown = g.to_bytes();
    });
    let cases: [(&str, Vec<u8>); 6] = [
        ("empty", Vec::new()),
        ("version only", original[..1].to_vec()),
        ("one byte short", original[..original.len() - 1].to_vec()),
        ("one hash too many", [&original[..], &[0u8; 32]].concat()),
        ("the tree of the first 18 entries", stale),
        ("the tree of 21 leaves", grown),
    ];
    for (what, bytes) in cases {
        edit(&f.path, |txn| put_frontier_bytes(txn, &bytes));
        let fl = failure(&f.path);
        assert!(matches!(fl.kind, FailureKind::Merkle), "{what}: {fl:?}");
        assert_eq!(fl.seq, None, "{what}");
    }
}

#[test]
fn a_removed_frontier_is_a_merkle_failure() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(MERKLE).unwrap();
        assert!(t.remove("frontier").unwrap().is_some());
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Merkle), "{fl:?}");
    assert_eq!(fl.seq, None);
    assert!(fl.detail.contains("missing"), "{fl:?}");

    // The whole `merkle` table dropped is the same finding.
    let f = build();
    edit(&f.path, |txn| {
        assert!(txn.delete_table(MERKLE).unwrap());
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Merkle), "{fl:?}");
    assert_eq!(fl.seq, None);
}

#[test]
fn a_missing_or_stale_frontier_refuses_appends() {
    // The frontier is extended on every append; without a frontier that matches the ledger's
    // size, nothing is appended.
    let f = build();
    let before = frontier_bytes(&f.path);
    edit(&f.path, |txn| {
        let mut t = txn.open_table(MERKLE).unwrap();
        t.remove("frontier").unwrap();
    });
    let l = Ledger::open(&f.path).unwrap();
    let e = l
        .append(
            &f.recorder.signing,
            vec![fact("x", "x", "1", "个")],
            T0 + 120,
        )
        .unwrap_err();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
    assert!(e.is_integrity());
    assert_eq!(l.head().unwrap().size, 20);
    drop(l);

    let f = build();
    edit(&f.path, |txn| {
        let hashes: Vec<EntryHash> = (1..=19).map(|seq| stored_hash(txn, seq)).collect();
        put_frontier_bytes(txn, &Frontier::from_hashes(&hashes).unwrap().to_bytes());
    });
    let l = Ledger::open(&f.path).unwrap();
    let e = l
        .append(
            &f.recorder.signing,
            vec![fact("x", "x", "1", "个")],
            T0 + 120,
        )
        .unwrap_err();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("19"), "{e}");
    assert_eq!(l.head().unwrap().size, 20);
    drop(l);

    // With the right frontier back, the append goes through and extends it.
    edit(&f.path, |txn| put_frontier_bytes(txn, &before));
    let l = Ledger::open(&f.path).unwrap();
    l.append(
        &f.recorder.signing,
        vec![fact("x", "x", "1", "个")],
        T0 + 120,
    )
    .unwrap();
    drop(l);
    let v = verify(&f.path).unwrap();
    assert_eq!(v.size, 21);
    assert_eq!(
        Frontier::from_bytes(&frontier_bytes(&f.path))
            .unwrap()
            .size(),
        21
    );
}

#[test]
fn a_genesis_later_in_the_ledger_is_unauthorized() {
    let f = build();
    let genesis = Ledger::open_read(&f.path)
        .unwrap()
        .entry(1)
        .unwrap()
        .unwrap()
        .entry
        .event;
    forge_batch(&f, &f.admin, vec![genesis]);
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unauthorized), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}

#[test]
fn a_changed_ledger_id_breaks_the_chain_at_seq_1() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.insert("ledger_id", b"another-ledger-2".as_slice())
            .unwrap();
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::BrokenChain), "{fl:?}");
    assert_eq!(fl.seq, Some(1));
}

#[test]
fn an_altered_key_index_is_an_index_failure() {
    // Give the recorder admin in the derived index only.
    let f = build();
    let id = f.recorder.key_id();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(KEYS).unwrap();
        let mut rec: KeyRecord = {
            let v = t.get(id.0.as_slice()).unwrap().unwrap();
            postcard::from_bytes(v.value()).unwrap()
        };
        assert!(rec.roles.insert(Role::Admin));
        let bytes = postcard::to_allocvec(&rec).unwrap();
        t.insert(id.0.as_slice(), bytes.as_slice()).unwrap();
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Index), "{fl:?}");
    assert_eq!(fl.seq, None);
    // The altered index is what an unverified reader sees.
    let a = Ledger::open_read(&f.path).unwrap().authority().unwrap();
    assert!(a.get(id).unwrap().roles.contains(&Role::Admin));

    // A removed key record is caught too.
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(KEYS).unwrap();
        assert!(
            t.remove(f.evaluator.key_id().0.as_slice())
                .unwrap()
                .is_some()
        );
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Index), "{fl:?}");
}

#[test]
fn an_undecodable_key_index_is_corrupt() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(KEYS).unwrap();
        t.insert(f.admin.key_id().0.as_slice(), [0xffu8; 3].as_slice())
            .unwrap();
    });
    let fl = failure(&f.path);
    assert!(
        matches!(fl.kind, FailureKind::Corrupt | FailureKind::Index),
        "{fl:?}"
    );
}

// --- files that are not (readable) ledgers --------------------------------------------------

#[test]
fn an_empty_redb_database_is_not_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.redb");
    drop(Database::create(&path).unwrap());
    let e = Ledger::open_read(&path).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
    assert!(e.is_integrity());
    let e = Ledger::open(&path).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
    let fl = failure(&path);
    assert!(matches!(fl.kind, FailureKind::NotALedger), "{fl:?}");
    assert_eq!(fl.seq, None);
}

#[test]
fn a_redb_database_with_another_magic_is_not_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.redb");
    let db = Database::create(&path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(META).unwrap();
        t.insert("magic", b"SOMETHING-ELSE".as_slice()).unwrap();
        t.insert("format_version", 1u16.to_le_bytes().as_slice())
            .unwrap();
        t.insert("ledger_id", [0u8; 16].as_slice()).unwrap();
    }
    txn.commit().unwrap();
    drop(db);
    let e = Ledger::open_read(&path).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");

    // The real ledger with its magic changed is no longer recognised either.
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.insert("magic", b"JIXIAO-LEDGEX".as_slice()).unwrap();
    });
    let e = Ledger::open_read(&f.path).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
}

#[test]
fn a_newer_format_version_is_refused_by_open() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.insert(
            "format_version",
            (FORMAT_VERSION + 1).to_le_bytes().as_slice(),
        )
        .unwrap();
    });
    let e = Ledger::open(&f.path).unwrap_err();
    match &e {
        LedgerError::NewerVersion {
            found, supported, ..
        } => {
            assert_eq!(*found, FORMAT_VERSION + 1);
            assert_eq!(*supported, FORMAT_VERSION);
        }
        other => panic!("expected NewerVersion, got {other:?}"),
    }
    assert!(!e.is_integrity(), "a newer file is not damaged");
    assert!(matches!(
        Ledger::open_read(&f.path).unwrap_err(),
        LedgerError::NewerVersion { .. }
    ));
}

#[test]
fn an_older_format_version_needs_an_upgrade() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.insert("format_version", 0u16.to_le_bytes().as_slice())
            .unwrap();
    });
    let e = Ledger::open_read(&f.path).unwrap_err();
    assert!(
        matches!(e, LedgerError::NeedsUpgrade { found: 0, .. }),
        "{e:?}"
    );
}

#[test]
fn a_malformed_meta_row_is_corrupt() {
    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.insert("format_version", [1u8, 0, 0].as_slice()).unwrap();
    });
    let e = Ledger::open_read(&f.path).unwrap_err();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
    assert!(e.is_integrity());

    let f = build();
    edit(&f.path, |txn| {
        let mut t = txn.open_table(META).unwrap();
        t.remove("ledger_id").unwrap();
    });
    let e = Ledger::open_read(&f.path).unwrap_err();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
}

#[test]
fn a_ledger_without_entries_is_empty() {
    let f = build();
    edit(&f.path, |txn| {
        for seq in 1..=20 {
            del_u64(txn, ENTRIES, seq);
        }
        // One hash block and one batch record per batch, under the same key.
        for (_, last) in &f.batches {
            del_u64(txn, HASHES, *last);
            del_u64(txn, BATCHES, *last);
        }
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Empty), "{fl:?}");
    assert_eq!(fl.seq, Some(1));

    // The frontier of the empty tree stored as well: still empty, not a Merkle finding.
    edit(&f.path, |txn| {
        assert_eq!(rewrite_frontier(txn).size(), 0);
    });
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Empty), "{fl:?}");
    assert_eq!(fl.seq, Some(1));
}

/// Either open refuses with an integrity error, or verify fails. Never a panic, never `Ok`.
fn assert_unreadable(path: &Path) {
    match Ledger::open_read(path) {
        Err(e) => {
            assert!(
                matches!(
                    e,
                    LedgerError::NotALedger { .. } | LedgerError::Corrupt { .. }
                ),
                "{e:?}"
            );
            assert!(e.is_integrity(), "{e:?}");
        }
        Ok(l) => {
            let r = l.verify(&mut |_| {});
            assert!(r.is_err(), "a damaged file verified: {r:?}");
        }
    }
}

#[test]
fn a_truncated_file_is_not_readable() {
    let f = build();
    let len = std::fs::metadata(&f.path).unwrap().len();
    assert!(len > 1024);
    for cut in [len / 2, len / 4, 512, 17, 0] {
        let copy = f.dir.path().join(format!("cut-{cut}.jixiao"));
        std::fs::copy(&f.path, &copy).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&copy).unwrap();
        file.set_len(cut).unwrap();
        drop(file);
        assert_unreadable(&copy);
    }
}

#[test]
fn a_garbage_file_is_not_readable() {
    let dir = tempfile::tempdir().unwrap();
    // A fixed xorshift stream: deterministic garbage of a few sizes.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for size in [1usize, 100, 4096, 100_000] {
        let bytes: Vec<u8> = (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        let path = dir.path().join(format!("garbage-{size}"));
        std::fs::write(&path, &bytes).unwrap();
        assert_unreadable(&path);
    }
}

/// Every read the library offers, on a possibly damaged file: each must return, not panic,
/// and errors must be integrity findings (or I/O). Returns whether anything was found wrong.
fn read_everything(path: &Path) -> bool {
    let ok = |e: &LedgerError| e.is_integrity() || matches!(e, LedgerError::Io { .. });
    let l = match Ledger::open_read(path) {
        Ok(l) => l,
        Err(e) => {
            assert!(ok(&e), "{e:?}");
            return true;
        }
    };
    let mut damaged = false;
    let mut note = |r: Result<(), LedgerError>| {
        if let Err(e) = r {
            assert!(ok(&e), "{e:?}");
            damaged = true;
        }
    };
    note(l.head().map(drop));
    note(l.authority().map(drop));
    for seq in 1..=21 {
        note(l.entry(seq).map(drop));
        note(l.stored_bytes(seq).map(drop));
    }
    let mut seen = 0u64;
    note(l.scan(1, |_| -> Result<(), LedgerError> {
        seen += 1;
        Ok(())
    }));
    match l.verify(&mut |_| {}) {
        Ok(v) => assert_eq!(v.size, 20),
        Err(_) => damaged = true,
    }
    damaged
}

#[test]
fn a_real_ledger_with_a_damaged_page_never_panics() {
    // Invert a run of bytes at many places: redb may notice, or verify does, or the damage is
    // in unused space. Whatever happens, every call returns.
    let f = build();
    let original = std::fs::read(&f.path).unwrap();
    let good = verify(&f.path).unwrap();
    let mut found = 0;
    // The start of every 4 KiB page (headers, node types, lengths), and two places inside it.
    let offsets = (0..original.len())
        .step_by(4096)
        .flat_map(|page| [page, page + 64, page + 2048])
        .filter(|at| *at < original.len());
    for at in offsets {
        let mut bytes = original.clone();
        let end = (at + 16).min(bytes.len());
        for b in &mut bytes[at..end] {
            *b = !*b;
        }
        let path = f.dir.path().join("damaged.jixiao");
        std::fs::write(&path, &bytes).unwrap();
        if read_everything(&path) {
            found += 1;
        } else {
            // Undetected damage must leave the same ledger.
            assert_eq!(verify(&path).unwrap().head, good.head, "offset {at}");
        }
    }
    assert!(found >= 3, "only {found} damaged copies were noticed");
}

#[test]
fn a_directory_and_a_missing_path_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let e = Ledger::open_read(dir.path()).unwrap_err();
    assert!(matches!(e, LedgerError::NotALedger { .. }), "{e:?}");
    let e = Ledger::open_read(&dir.path().join("nope.jixiao")).unwrap_err();
    assert!(matches!(e, LedgerError::NotFound { .. }), "{e:?}");
    assert!(!e.is_integrity());
}

// --- authorisation is judged at each entry's point in history ------------------------------------

fn adjustment() -> Event {
    Event::ScoreAdjustment(jixiao::model::ScoreAdjustment {
        node: "process.execution".into(),
        delta: common::num("0.5"),
        reason: "补充材料".into(),
        basis: "评分细则 2.1".into(),
    })
}

#[test]
fn a_role_revoked_earlier_no_longer_authorises() {
    let f = build();
    let l = Ledger::open(&f.path).unwrap();
    l.append(
        &f.admin.signing,
        vec![Event::Revoke(jixiao::model::Revoke {
            key_id: f.evaluator.key_id(),
            role: Role::Evaluator,
            reason: "评价结束".into(),
        })],
        T0 + 120,
    )
    .unwrap();
    // The library refuses the append, and writes nothing.
    let e = l
        .append(&f.evaluator.signing, vec![adjustment()], T0 + 180)
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::Unauthorized { seq: 22, .. }),
        "{e:?}"
    );
    assert_eq!(l.head().unwrap().size, 21);
    drop(l);
    assert_eq!(verify(&f.path).unwrap().size, 21);
    // Written behind its back, the same entry is caught at its seq, though the identical event
    // by the same key verified at seq 15.
    forge_batch(&f, &f.evaluator, vec![adjustment()]);
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unauthorized), "{fl:?}");
    assert_eq!(fl.seq, Some(22));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let f = build();
    let l = Ledger::open(&f.path).unwrap();
    let before = l.head().unwrap();
    // The recorder may write the fact but not the grant after it.
    let e = l
        .append(
            &f.recorder.signing,
            vec![
                fact("ok", "可以", "1", "个"),
                Event::Grant(Grant {
                    principal: f.recorder.principal(),
                    role: Role::Admin,
                }),
            ],
            T0 + 120,
        )
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::Unauthorized { seq: 22, .. }),
        "{e:?}"
    );
    assert_eq!(l.head().unwrap(), before);
    assert_eq!(l.stored_bytes(21).unwrap(), None);
    drop(l);
    assert_eq!(verify(&f.path).unwrap().size, 20);
}

#[test]
fn a_forged_correction_of_a_grant_is_unauthorized() {
    let f = build();
    forge_batch(
        &f,
        &f.recorder,
        vec![Event::Correction(jixiao::model::Correction {
            supersedes: 2,
            reason: "撤销授权".into(),
            replacement: None,
            retracted_kind_role: Role::Recorder,
        })],
    );
    let fl = failure(&f.path);
    assert!(matches!(fl.kind, FailureKind::Unauthorized), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}

#[test]
fn a_forged_entry_by_a_stranger_is_unauthorized() {
    let f = build();
    let stranger = common::key("stranger", 9);
    forge_batch(&f, &stranger, vec![fact("x", "x", "1", "个")]);
    let fl = failure(&f.path);
    // The stranger's entry fails its role check before its signature is looked at.
    assert!(matches!(fl.kind, FailureKind::Unauthorized), "{fl:?}");
    assert_eq!(fl.seq, Some(21));
}
