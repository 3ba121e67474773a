//! Helpers of the derived-state tests (tests/append_derived.rs, tests/append_tamper.rs): the
//! seed case through the real binary, and the `derived` row read and written with redb directly.
#![allow(dead_code)]

use crate::common::edit;
use jixiao::ledger::Ledger;
use redb::{ReadableDatabase, TableDefinition};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `derived`: "state" → the row.
pub const DERIVED: TableDefinition<&str, &[u8]> = TableDefinition::new("derived");

/// `derived_days`: day key → that day's payment seqs on a line.
pub const DERIVED_DAYS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("derived_days");

/// Every stored day row, by key.
pub fn day_rows(ledger: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = redb::Database::open(ledger).unwrap();
    let txn = db.begin_read().unwrap();
    let t = match txn.open_table(DERIVED_DAYS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Vec::new(),
        Err(e) => panic!("{e}"),
    };
    use redb::ReadableTable;
    t.iter()
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap();
            (k.value().to_vec(), v.value().to_vec())
        })
        .collect()
}

/// The ledger inside a `demo --keep` directory.
pub const L: &str = "conghua-2022.jixiao";

/// Builds the seed case in `dir/name` and returns that directory.
pub fn demo(dir: &Path, name: &str) -> PathBuf {
    let out = Command::new(crate::common::bin())
        .current_dir(dir)
        .args(["demo", "--keep", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    dir.join(name)
}

/// One run of the binary in `dir` at recorded time `at`: exit code, stdout, stderr (with the
/// directory's path taken out, so that two directories' runs compare).
pub fn run(dir: &Path, at: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(crate::common::bin())
        .current_dir(dir)
        .env_remove("JIXIAO_KEY")
        .env("JIXIAO_TIME", at)
        .args(args)
        .output()
        .unwrap();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir.display().to_string(), "DIR");
    (
        out.status.code().unwrap_or(-1),
        clean(&out.stdout),
        clean(&out.stderr),
    )
}

/// The stored derived-state row, if any (read with redb directly).
pub fn stored_row(ledger: &Path) -> Option<Vec<u8>> {
    let db = redb::Database::open(ledger).unwrap();
    let txn = db.begin_read().unwrap();
    let t = match txn.open_table(DERIVED) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return None,
        Err(e) => panic!("{e}"),
    };
    t.get("state").unwrap().map(|v| v.value().to_vec())
}

pub fn put_row(ledger: &Path, bytes: &[u8]) {
    edit(ledger, |txn| {
        txn.open_table(DERIVED)
            .unwrap()
            .insert("state", bytes)
            .unwrap();
    });
}

/// Removes the derived state, as the library's unchecked append does: the row and the day
/// rows that belong to it.
pub fn remove_row(ledger: &Path) {
    edit(ledger, |txn| {
        txn.open_table(DERIVED).unwrap().remove("state").unwrap();
        txn.delete_table(DERIVED_DAYS).unwrap();
    });
}

/// Number of entries.
pub fn size(ledger: &Path) -> u64 {
    Ledger::open_read(ledger).unwrap().head().unwrap().size
}

/// A payments CSV of `n` payments on two budget lines.
pub fn payments(n: usize) -> String {
    let mut s = String::from("资金来源,支出类型,项目,类型,金额,日期,批文号,事由\n");
    for i in 0..n {
        let line = if i % 2 == 0 {
            "一般公共预算,基本支出,"
        } else {
            "一般公共预算,项目支出,机关运行"
        };
        s.push_str(&format!(
            "{line},支出,{}.{:02},2022-{:02}-15,,凭证{i}\n",
            100 + i,
            i % 100,
            1 + i % 12
        ));
    }
    s
}

/// A seed ledger with one checked append done (so it keeps a derived state).
pub fn with_derived(tmp: &Path) -> PathBuf {
    let d = demo(tmp, "d");
    assert_eq!(stored_row(&d.join(L)), None);
    let (code, out, err) = append_value(&d, "2023-03-01T10:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    assert!(stored_row(&d.join(L)).is_some());
    d
}

pub fn append_value(d: &Path, at: &str) -> (i32, String, String) {
    run(
        d,
        at,
        &[
            "record",
            "value",
            L,
            "--key",
            "recorder.key",
            "--indicator",
            "perf.output.quality.archive_loss",
            "--value",
            "0",
            "--date",
            "2022-12-31",
        ],
    )
}

/// The append is refused (exit 1, nothing appended, pointing to `verify`) and `verify` fails
/// naming the derived state.
pub fn refused_and_verify_fails(d: &Path, wants: &str) {
    let l = d.join(L);
    let before = size(&l);
    let (code, out, err) = append_value(d, "2023-03-01T11:00:00Z");
    assert_eq!(code, 1, "{out} {err}");
    assert!(err.contains("run `jixiao verify"), "{err}");
    assert!(err.contains(wants), "wants {wants:?}: {err}");
    assert!(err.contains("nothing was appended"), "{err}");
    assert_eq!(size(&l), before);
    let (code, out, _) = run(d, "2023-03-01T11:00:00Z", &["verify", L, "--json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["integrity"]["ok"], false, "{out}");
    assert_eq!(doc["integrity"]["failure"]["kind"], "derived", "{out}");
}
