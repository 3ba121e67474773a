//! A large append is stored as several signed batches of at most `MAX_BATCH` entries (docs/
//! FORMAT.md §5), each with its own row of hashes, all in one transaction: the file verifies,
//! each part's signature covers its own last entry, and damage in a later part is found at
//! its seq.

mod common;

use common::{BATCHES, T0, build, edit, fact, failure, get_u64, put_u64, verify};
use jixiao::ledger::{FailureKind, Ledger, MAX_BATCH};

#[test]
fn an_append_larger_than_a_batch_is_split_into_signed_batches() {
    let f = build();
    let before = Ledger::open_read(&f.path).unwrap().head().unwrap().size;
    let n = MAX_BATCH + 5;
    let events: Vec<_> = (0..n)
        .map(|i| fact(&format!("k{i}"), "事实", "1", "个"))
        .collect();
    let ledger = Ledger::open(&f.path).unwrap();
    let a = ledger
        .append(&f.recorder.signing, events, T0 + 3600)
        .unwrap();
    drop(ledger);
    assert_eq!((a.first, a.last), (before + 1, before + n as u64));
    let l = Ledger::open_read(&f.path).unwrap();
    let parts: Vec<(u64, u64)> = l
        .batches()
        .unwrap()
        .iter()
        .filter(|b| b.first > before)
        .map(|b| (b.first, b.last))
        .collect();
    let split = before + MAX_BATCH as u64;
    assert_eq!(
        parts,
        vec![(before + 1, split), (split + 1, before + n as u64)]
    );
    drop(l);
    let v = verify(&f.path).expect("a split append verifies");
    assert_eq!(v.size, before + n as u64);

    // The second part's record signed by the first part's signature: refused at its first seq.
    edit(&f.path, |txn| {
        let first = get_u64(txn, BATCHES, split);
        let mut second = get_u64(txn, BATCHES, before + n as u64);
        let sig = first.len() - 64;
        second[sig..].copy_from_slice(&first[sig..]);
        put_u64(txn, BATCHES, before + n as u64, &second);
    });
    let fail = failure(&f.path);
    assert_eq!(fail.seq, Some(split + 1), "{fail:?}");
    assert_eq!(fail.kind, FailureKind::BadSignature, "{fail:?}");
}
