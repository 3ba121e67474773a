//! A derived state that does not match: an append refuses it (exit 1, nothing appended, with
//! the advice to run `verify`), `verify` names it, `verify --rebuild-derived` repairs it when it
//! is all that fails; and what an append does not read is left for `verify`.

mod common;
mod derived_support;

use common::{ENTRIES, KEYS, edit};
use derived_support::*;
use jixiao::eval::snapshot;
use jixiao::ledger::{DerivedRow, Ledger};
use redb::ReadableTable;
use std::path::Path;

#[test]
fn a_damaged_derived_row_is_refused_and_verify_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    let mut row = stored_row(&l).unwrap();
    let mid = row.len() / 2;
    row[mid] ^= 0x01;
    put_row(&l, &row);
    refused_and_verify_fails(&d, "its digest does not match");
}

#[test]
fn a_consistently_rewritten_derived_state_is_caught_by_verify() {
    // Whoever rewrites the row and its digest gets past an append's check of the tail (that
    // check is against damage, not a deliberate rewrite); verify rebuilds the state from the
    // entries and finds it.
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    let mut row = DerivedRow::from_bytes(&stored_row(&l).unwrap()).unwrap();
    let state = {
        let ledger = Ledger::open_read(&l).unwrap();
        let days = ledger.derived_days(None).unwrap();
        snapshot::decode(
            &row.body,
            &mut |seq| ledger.entry(seq).ok().flatten().map(|r| r.entry.event),
            &mut |k| Ok(days.get(k).cloned()),
            snapshot::Days::All,
        )
        .unwrap()
    };
    let mut state = state;
    let removed = state.facts.pop_first();
    assert!(removed.is_some());
    row.body = snapshot::encode(&state).unwrap().body;
    put_row(&l, &row.to_bytes());
    let (code, out, _) = run(&d, "2023-03-01T11:00:00Z", &["verify", L, "--json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["integrity"]["failure"]["kind"], "derived", "{out}");
    assert!(
        doc["integrity"]["failure"]["detail"]
            .as_str()
            .unwrap()
            .contains("differs from the state replayed from the entries"),
        "{out}"
    );
}

#[test]
fn a_stale_derived_row_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    let old = stored_row(&l).unwrap();
    let (code, out, err) = append_value(&d, "2023-03-01T10:30:00Z");
    assert_eq!(code, 0, "{out} {err}");
    assert_ne!(stored_row(&l).unwrap(), old);
    put_row(&l, &old);
    refused_and_verify_fails(&d, "the derived state covers");
}

#[test]
fn a_changed_last_entry_or_key_index_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // The last entry's stored bytes: its hash is no longer the head the row was computed at.
    let d = with_derived(tmp.path());
    let l = d.join(L);
    let n = size(&l);
    edit(&l, |txn| {
        let mut t = txn.open_table(ENTRIES).unwrap();
        let mut b = t.get(n).unwrap().unwrap().value().to_vec();
        let last = b.len() - 1;
        b[last] ^= 0x01;
        t.insert(n, b.as_slice()).unwrap();
    });
    let (code, _, err) = append_value(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("but the derived state was computed at head"),
        "{err}"
    );
    assert!(err.contains("run `jixiao verify"), "{err}");
    assert_eq!(size(&l), n);

    // A row of the key index changed (a role added to the recorder).
    let tmp2 = tempfile::tempdir().unwrap();
    let d = with_derived(tmp2.path());
    let l = d.join(L);
    let n = size(&l);
    edit(&l, |txn| {
        let mut t = txn.open_table(KEYS).unwrap();
        let (k, mut v) = {
            let (k, v) = t.iter().unwrap().next().unwrap().unwrap();
            (k.value().to_vec(), v.value().to_vec())
        };
        let last = v.len() - 1;
        v[last] ^= 0x01;
        t.insert(k.as_slice(), v.as_slice()).unwrap();
    });
    let (code, _, err) = append_value(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("key index differs"), "{err}");
    assert_eq!(size(&l), n);
}

#[test]
fn an_old_entry_changed_behind_the_tail_is_left_for_verify_at_the_same_seq() {
    // An append reads the tail, not the history (docs/FORMAT.md §11.3): a changed old entry is
    // not what it builds on, so it is not refused; verify reports the same first failing seq
    // before and after, and the append is not mistaken for the damage.
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    edit(&l, |txn| {
        let mut t = txn.open_table(ENTRIES).unwrap();
        let mut b = t.get(50).unwrap().unwrap().value().to_vec();
        let mid = b.len() / 2;
        b[mid] ^= 0x01;
        t.insert(50, b.as_slice()).unwrap();
    });
    let failure = |d: &Path| {
        let (code, out, _) = run(d, "2023-03-01T12:00:00Z", &["verify", L, "--json"]);
        assert_eq!(code, 1);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        (
            doc["integrity"]["failure"]["seq"].clone(),
            doc["integrity"]["failure"]["kind"].clone(),
        )
    };
    let before = failure(&d);
    assert_eq!(before.0, 50);
    let (code, out, err) = append_value(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(failure(&d), before);
}

#[test]
fn verify_rebuild_derived_repairs_a_damaged_row_and_only_that() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    let good = stored_row(&l).unwrap();
    let mut row = good.clone();
    let mid = row.len() / 2;
    row[mid] ^= 0x01;
    put_row(&l, &row);
    let (code, _, err) = run(&d, "2023-03-01T11:00:00Z", &["verify", L]);
    assert_eq!(code, 1);
    assert!(err.contains("--rebuild-derived"), "{err}");
    let (code, out, err) = run(
        &d,
        "2023-03-01T11:00:00Z",
        &["verify", L, "--rebuild-derived"],
    );
    assert_eq!(code, 0, "{out} {err}");
    assert!(
        out.contains("rebuilt from the 159 verified entries"),
        "{out}"
    );
    // The rebuilt row is the one the append had written.
    assert_eq!(stored_row(&l).unwrap(), good);
    let (code, out, err) = append_value(&d, "2023-03-01T11:10:00Z");
    assert_eq!(code, 0, "{out} {err}");

    // A ledger whose entries do not verify is not "repaired": nothing is written.
    edit(&l, |txn| {
        let mut t = txn.open_table(ENTRIES).unwrap();
        let mut b = t.get(50).unwrap().unwrap().value().to_vec();
        let mid = b.len() / 2;
        b[mid] ^= 0x01;
        t.insert(50, b.as_slice()).unwrap();
    });
    put_row(&l, &row);
    let (code, _, err) = run(
        &d,
        "2023-03-01T11:20:00Z",
        &["verify", L, "--rebuild-derived"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("seq 50"), "{err}");
    assert_eq!(stored_row(&l).unwrap(), row);
}
