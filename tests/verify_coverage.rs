//! What verify covers besides the chain (defects 7 and 8): the set of tables and their types,
//! every kept checkpoint (parsed, for this ledger, within its size, its root recomputed, its
//! registry signatures verified), size-0 checkpoints, and recorded times that never go
//! backwards.

mod common;

use common::{
    BATCHES, ENTRIES, Fixture, HASHES, MERKLE, build, edit, fact, failure, put_frontier_bytes,
    put_u64, stored_frontier, verify,
};
use ed25519_dalek::{Signer, SigningKey};
use jixiao::ledger::keys::KeyPair;
use jixiao::ledger::{
    Checkpoint, ENVELOPE_VERSION, Entry, EntryHash, FailureKind, Ledger, LedgerError,
    SignedCheckpoint, batch_message, empty_root, note_name,
};
use jixiao::model::Event;
use redb::TableDefinition;
use std::path::Path;

const CHECKPOINTS: TableDefinition<u64, &str> = TableDefinition::new("checkpoints");

fn root_at(path: &Path, size: u64) -> [u8; 32] {
    let l = Ledger::open_read(path).unwrap();
    let v = l.verify_capturing(&mut |_| {}, &[size]).unwrap();
    v.roots_at[&size]
}

fn signed(f: &Fixture, key: &KeyPair, size: u64, root: [u8; 32]) -> SignedCheckpoint {
    Checkpoint::for_ledger(&f.ledger_id, size, root)
        .sign(&key.signing, &note_name(&key.name, key.key_id()))
        .unwrap()
}

fn keep(path: &Path, size: u64, text: &str) {
    edit(path, |txn| {
        let mut t = txn.open_table(CHECKPOINTS).unwrap();
        t.insert(size, text).unwrap();
    });
}

fn assert_checkpoint_failure(path: &Path, says: &str) {
    let fl = failure(path);
    assert_eq!(fl.kind, FailureKind::Checkpoint, "{fl:?}");
    assert!(fl.detail.contains(says), "{fl:?}");
}

#[test]
fn defect_7_a_kept_checkpoint_is_rechecked_by_verify() {
    let f = build();
    let root = root_at(&f.path, 14);
    let good = signed(&f, &f.admin, 14, root);
    keep(&f.path, 14, &good.to_text());
    verify(&f.path).unwrap();

    // A tampered root, the signature left as it was: the root no longer matches.
    let mut forged = good.clone();
    forged.checkpoint.root[0] ^= 1;
    keep(&f.path, 14, &forged.to_text());
    assert_checkpoint_failure(&f.path, "Merkle root");

    // The right root with a broken signature by a registry key.
    let mut bad_sig = good.clone();
    bad_sig.signatures[0].signature[5] ^= 1;
    keep(&f.path, 14, &bad_sig.to_text());
    assert_checkpoint_failure(&f.path, "does not verify");

    // Signed only by a key outside the registry.
    let stranger = KeyPair {
        name: "stranger".into(),
        signing: SigningKey::from_bytes(&[9; 32]),
    };
    keep(&f.path, 14, &signed(&f, &stranger, 14, root).to_text());
    assert_checkpoint_failure(&f.path, "no signature by a trusted key");

    // Filed under another size, of another ledger, beyond the ledger, unparsable.
    keep(&f.path, 14, &good.to_text());
    keep(&f.path, 13, &good.to_text());
    assert_checkpoint_failure(&f.path, "tree size 14");
    edit(&f.path, |txn| {
        txn.open_table(CHECKPOINTS).unwrap().remove(13).unwrap();
    });
    let other = Checkpoint {
        origin: format!("jixiao/{}", "ab".repeat(16)),
        size: 14,
        root,
    }
    .sign(
        &f.admin.signing,
        &note_name(&f.admin.name, f.admin.key_id()),
    )
    .unwrap();
    keep(&f.path, 14, &other.to_text());
    assert_checkpoint_failure(&f.path, "not this ledger");
    keep(&f.path, 14, &good.to_text());
    keep(&f.path, 99, &signed(&f, &f.admin, 99, root).to_text());
    assert_checkpoint_failure(&f.path, "only 20");
    keep(&f.path, 99, "not a checkpoint\n");
    assert_checkpoint_failure(&f.path, "tree size 99");
}

#[test]
fn defect_7_a_size_0_checkpoint_must_carry_the_empty_tree_root() {
    let f = build();
    keep(&f.path, 0, &signed(&f, &f.admin, 0, empty_root()).to_text());
    let v = verify(&f.path).unwrap();
    let any = Checkpoint::for_ledger(&f.ledger_id, 0, [7; 32]);
    assert!(
        v.problem_with(&any)
            .is_some_and(|p| p.contains("Merkle root"))
    );
    assert_eq!(
        v.problem_with(&Checkpoint::for_ledger(&f.ledger_id, 0, empty_root())),
        None
    );
    keep(&f.path, 0, &signed(&f, &f.admin, 0, [7; 32]).to_text());
    assert_checkpoint_failure(&f.path, "Merkle root");
}

#[test]
fn defect_7_an_unknown_or_mistyped_table_fails_verify() {
    let f = build();
    let copy = f.dir.path().join("extra.jixiao");
    std::fs::copy(&f.path, &copy).unwrap();
    edit(&copy, |txn| {
        let mut t = txn
            .open_table(TableDefinition::<u64, u64>::new("checkpoinus"))
            .unwrap();
        t.insert(1, 2).unwrap();
    });
    let fl = failure(&copy);
    assert_eq!(fl.kind, FailureKind::Tables, "{fl:?}");
    assert!(fl.detail.contains("`checkpoinus`"), "{fl:?}");

    // `checkpoints` with the wrong value type: `log` would not see it, verify refuses it.
    let copy = f.dir.path().join("mistyped.jixiao");
    std::fs::copy(&f.path, &copy).unwrap();
    edit(&copy, |txn| {
        let mut t = txn
            .open_table(TableDefinition::<u64, &[u8]>::new("checkpoints"))
            .unwrap();
        t.insert(1, b"x".as_slice()).unwrap();
    });
    let fl = failure(&copy);
    assert_eq!(fl.kind, FailureKind::Tables, "{fl:?}");
    assert!(fl.detail.contains("`checkpoints`"), "{fl:?}");

    // A stray row in `meta` or `merkle`.
    let copy = f.dir.path().join("meta.jixiao");
    std::fs::copy(&f.path, &copy).unwrap();
    edit(&copy, |txn| {
        let mut t = txn.open_table(common::META).unwrap();
        t.insert("extra", b"1".as_slice()).unwrap();
    });
    assert_eq!(failure(&copy).kind, FailureKind::Tables);
    let copy = f.dir.path().join("merkle.jixiao");
    std::fs::copy(&f.path, &copy).unwrap();
    edit(&copy, |txn| {
        let mut t = txn.open_table(MERKLE).unwrap();
        t.insert("old", b"1".as_slice()).unwrap();
    });
    assert_eq!(failure(&copy).kind, FailureKind::Tables);
}

/// Appends a properly chained, hashed and signed batch of `events` recorded at `at`, behind
/// the library's back (what a writer with a wrong clock and raw access could leave).
fn forge_at(f: &Fixture, signer: &KeyPair, events: Vec<Event>, at: i64) -> u64 {
    let head = Ledger::open_read(&f.path).unwrap().head().unwrap();
    let first = head.size + 1;
    let mut prev = head.hash;
    let mut rows = Vec::new();
    for (i, event) in events.into_iter().enumerate() {
        let entry = Entry {
            version: ENVELOPE_VERSION,
            seq: first + i as u64,
            prev,
            recorded_at: at,
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
        put_frontier_bytes(txn, &frontier.to_bytes());
        let mut rec = first.to_le_bytes().to_vec();
        rec.extend_from_slice(&signer.key_id().0);
        rec.extend_from_slice(&sig);
        put_u64(txn, BATCHES, last, &rec);
    });
    first
}

#[test]
fn defect_8_recorded_at_never_goes_backwards() {
    let f = build();
    // The library refuses the append, naming both times.
    let l = Ledger::open(&f.path).unwrap();
    let e = l
        .append(
            &f.recorder.signing,
            vec![fact("x.early", "early", "1", "次")],
            0,
        )
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::TimeBackwards { last_seq: 20, .. }),
        "{e:?}"
    );
    assert!(!e.is_integrity());
    let msg = e.to_string();
    assert!(msg.contains("1970-01-01T00:00:00Z"), "{msg}");
    assert!(msg.contains("2023-01-01T00:01:00Z"), "{msg}");
    drop(l);
    verify(&f.path).unwrap();

    // A forged entry dated 1970 after 2023 ones fails verify at its seq.
    let seq = forge_at(
        &f,
        &f.recorder,
        vec![fact("x.early", "early", "1", "次")],
        0,
    );
    let fl = failure(&f.path);
    assert_eq!(fl.kind, FailureKind::TimeOrder, "{fl:?}");
    assert_eq!(fl.seq, Some(seq));
    assert_eq!(fl.kind.name(), "time_order");
    assert!(fl.detail.contains("1970-01-01T00:00:00Z"), "{fl:?}");
}
