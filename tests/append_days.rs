//! The derived state's day rows (docs/FORMAT.md §11.2): an append reads only the days its
//! batch touches, checks each against the digest the body holds, and writes back only those;
//! a damaged or missing day row is refused when read and named by `verify` when not; and a
//! row an earlier build wrote (layout 1, every day inline) still verifies and is converted by
//! the next append.

mod common;
mod derived_support;

use common::edit;
use derived_support::*;
use jixiao::eval::snapshot;
use jixiao::ledger::{DerivedRow, Ledger};
use jixiao::model::{BizDate, BudgetLine, ExpenseType, FundSource};
use redb::ReadableTable;
use std::path::{Path, PathBuf};

/// The seed case with 40 payments imported through the CLI (so it keeps a derived state with
/// day rows).
fn with_payments(tmp: &Path) -> PathBuf {
    let d = demo(tmp, "d");
    std::fs::write(d.join("pay.csv"), payments(40)).unwrap();
    let (code, out, err) = run(
        &d,
        "2023-03-01T10:00:00Z",
        &["import", L, "pay.csv", "--key", "recorder.key"],
    );
    assert_eq!(code, 0, "{out} {err}");
    assert!(day_rows(&d.join(L)).len() >= 12);
    d
}

/// The key of 一般公共预算/基本支出's payments on 2022-01-15 (payments 0, 12, 24, 36).
fn january_key() -> Vec<u8> {
    let line = BudgetLine {
        fund_source: FundSource::GeneralPublic,
        expense_type: ExpenseType::Basic,
        project: String::new(),
    };
    snapshot::day_key(&line, BizDate::from_ymd(2022, 1, 15).unwrap())
}

fn change_day_row(l: &Path, key: &[u8], change: impl FnOnce(&mut Vec<u8>)) {
    edit(l, |txn| {
        let mut t = txn.open_table(DERIVED_DAYS).unwrap();
        let mut v = t.get(key).unwrap().expect("the day row").value().to_vec();
        change(&mut v);
        t.insert(key, v.as_slice()).unwrap();
    });
}

/// Imports one more payment on 一般公共预算/基本支出 dated 2022-01-15.
fn pay_in_january(d: &Path, at: &str) -> (i32, String, String) {
    std::fs::write(
        d.join("one.csv"),
        "资金来源,支出类型,项目,类型,金额,日期,批文号,事由\n一般公共预算,基本支出,,支出,5.00,2022-01-15,,补录\n",
    )
    .unwrap();
    run(d, at, &["import", L, "one.csv", "--key", "recorder.key"])
}

fn verify_kind(d: &Path) -> serde_json::Value {
    let (_, out, _) = run(d, "2023-03-01T12:00:00Z", &["verify", L, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    doc["integrity"]["failure"]["kind"].clone()
}

#[test]
fn a_payment_is_appended_reading_and_writing_only_its_days_row() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    let before = day_rows(&l);
    let (code, out, err) = pay_in_january(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    let after = day_rows(&l);
    // Every row but January's is byte for byte what it was; January's holds the new seq.
    assert_eq!(after.len(), before.len());
    let n = Ledger::open_read(&l).unwrap().head().unwrap().size;
    for ((k0, v0), (k1, v1)) in before.iter().zip(&after) {
        assert_eq!(k0, k1);
        if *k0 == january_key() {
            let seqs = jixiao::eval::SeqSet::from_canonical_bytes(v1).unwrap();
            assert!(seqs.contains(n), "the new payment #{n} is in its day");
            assert_eq!(seqs.len(), 5);
        } else {
            assert_eq!(v0, v1);
        }
    }
    // And the whole is what a replay of every entry gives.
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
}

#[test]
fn a_damaged_day_row_the_batch_reads_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    let n = Ledger::open_read(&l).unwrap().head().unwrap().size;
    change_day_row(&l, &january_key(), |v| {
        let last = v.len() - 1;
        v[last] ^= 0x01;
    });
    let (code, out, err) = pay_in_january(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 1, "{out} {err}");
    assert!(err.contains("the day row of"), "{err}");
    assert!(err.contains("run `jixiao verify"), "{err}");
    assert_eq!(Ledger::open_read(&l).unwrap().head().unwrap().size, n);
    assert_eq!(verify_kind(&d), "derived");
}

#[test]
fn a_damaged_or_missing_day_row_the_batch_does_not_read_is_named_by_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    // Changed: the append of an indicator value does not read it; verify finds it.
    change_day_row(&l, &january_key(), |v| {
        let last = v.len() - 1;
        v[last] ^= 0x01;
    });
    let (code, out, err) = append_value(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(verify_kind(&d), "derived");
    let (code, out, err) = run(
        &d,
        "2023-03-01T11:10:00Z",
        &["verify", L, "--rebuild-derived"],
    );
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
    // Removed.
    edit(&l, |txn| {
        txn.open_table(DERIVED_DAYS)
            .unwrap()
            .remove(january_key().as_slice())
            .unwrap();
    });
    assert_eq!(verify_kind(&d), "derived");
    let (code, _, err) = pay_in_january(&d, "2023-03-01T11:20:00Z");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is missing"), "{err}");
}

#[test]
fn a_layout_1_row_verifies_and_the_next_append_converts_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    // The row as an earlier build wrote it: the body with every day inline, no day rows.
    let mut row = DerivedRow::from_bytes(&stored_row(&l).unwrap()).unwrap();
    {
        let ledger = Ledger::open_read(&l).unwrap();
        let checked = jixiao::check::check_open(&ledger, jixiao::eval::AsOf::Latest, &[]).unwrap();
        row.body = snapshot::encode_inline(checked.state.as_ref().unwrap()).unwrap();
    }
    assert_eq!(snapshot::body_version(&row.body), Some(1));
    put_row(&l, &row.to_bytes());
    edit(&l, |txn| {
        txn.delete_table(DERIVED_DAYS).unwrap();
    });
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
    // A layout-1 row with a day changed is still caught.
    let good = row.body.clone();
    let mut bad = row.clone();
    let at = bad.body.len() - 40;
    bad.body[at] ^= 0x01;
    put_row(&l, &bad.to_bytes());
    assert_eq!(verify_kind(&d), "derived");
    row.body = good;
    put_row(&l, &row.to_bytes());
    // A layout-1 row has no day rows: one left beside it is caught.
    edit(&l, |txn| {
        txn.open_table(DERIVED_DAYS)
            .unwrap()
            .insert(january_key().as_slice(), b"".as_slice())
            .unwrap();
    });
    assert_eq!(verify_kind(&d), "derived");
    edit(&l, |txn| {
        txn.delete_table(DERIVED_DAYS).unwrap();
    });
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
    // The next append continues from it and writes layout 2 with every day row.
    let (code, out, err) = pay_in_january(&d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    let now = DerivedRow::from_bytes(&stored_row(&l).unwrap()).unwrap();
    assert_eq!(snapshot::body_version(&now.body), Some(2));
    assert!(day_rows(&l).len() >= 12);
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
}

#[test]
fn a_stray_day_row_or_day_rows_without_a_row_fail_verify() {
    // An extra row (a day no line has): verify compares every row with its replay's.
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    let line = BudgetLine {
        fund_source: FundSource::GovernmentFund,
        expense_type: ExpenseType::Basic,
        project: String::new(),
    };
    let stray = snapshot::day_key(&line, BizDate::from_ymd(2022, 2, 2).unwrap());
    edit(&l, |txn| {
        txn.open_table(DERIVED_DAYS)
            .unwrap()
            .insert(
                stray.as_slice(),
                jixiao::eval::SeqSet::of([3]).canonical_bytes().as_slice(),
            )
            .unwrap();
    });
    assert_eq!(verify_kind(&d), "derived");

    // Day rows left without the row they belong to: nothing reads them, so they are a failure.
    let tmp2 = tempfile::tempdir().unwrap();
    let d = with_payments(tmp2.path());
    let l = d.join(L);
    edit(&l, |txn| {
        txn.open_table(DERIVED).unwrap().remove("state").unwrap();
    });
    let (_, out, _) = run(&d, "2023-03-01T12:00:00Z", &["verify", L, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["integrity"]["failure"]["kind"], "derived", "{out}");
    assert!(
        doc["integrity"]["failure"]["detail"]
            .as_str()
            .unwrap()
            .contains("no derived-state row they belong to"),
        "{out}"
    );
    // In Chinese too; and `--rebuild-derived` repairs it.
    let (_, out, _) = run(&d, "2023-03-01T12:00:00Z", &["verify", L, "--lang", "zh"]);
    assert!(out.contains("却没有它们所属的派生状态行"), "{out}");
    let (code, out, err) = run(
        &d,
        "2023-03-01T12:10:00Z",
        &["verify", L, "--rebuild-derived"],
    );
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(verify_kind(&d), serde_json::Value::Null);
}

#[test]
fn a_day_rows_table_of_another_type_is_a_tables_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_payments(tmp.path());
    let l = d.join(L);
    edit(&l, |txn| {
        txn.delete_table(DERIVED_DAYS).unwrap();
        let wrong: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("derived_days");
        txn.open_table(wrong)
            .unwrap()
            .insert(1, b"x".as_slice())
            .unwrap();
    });
    assert_eq!(verify_kind(&d), "tables");
}
