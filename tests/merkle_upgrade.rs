//! `jixiao upgrade` on a copy of the frozen format-1 fixture: only the derived tree state
//! changes (entries, hash rows, batch records and keys are byte-identical), the upgrade is
//! recorded with the old root, the format-1 checkpoints are kept and still check against the
//! keyed-BLAKE3 root, a second run changes nothing, the upgraded file accepts appends, and a
//! ledger that does not verify is refused (exit 1, its first failing seq) and left as it was.

mod common;

use jixiao::ledger::{Ledger, TreeAlgorithm, UpgradeRecord};
use redb::ReadableTable;
use std::path::{Path, PathBuf};
use std::process::Output;

const FROZEN: &str = "fixtures/ledgers/conghua-2022-v1.jixiao";
/// After the seed's last entry (2023-02-15T02:00:00Z).
const NOW: &str = "2023-03-01T00:00:00Z";

fn copy(dir: &Path) -> PathBuf {
    let p = dir.join("l.jixiao");
    std::fs::copy(FROZEN, &p).unwrap();
    p
}

fn jixiao(args: &[&std::ffi::OsStr]) -> Output {
    assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .env("JIXIAO_TIME", NOW)
        .output()
        .unwrap()
}

/// Every row of the stored tables an upgrade must not touch.
fn stored_rows(path: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = redb::ReadOnlyDatabase::open(path).unwrap();
    let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
    let mut out = Vec::new();
    for (name, def) in [
        ("entries", common::ENTRIES),
        ("hashes", common::HASHES),
        ("batches", common::BATCHES),
    ] {
        let t = txn.open_table(def).unwrap();
        for row in t.iter().unwrap() {
            let (k, v) = row.unwrap();
            out.push((
                name.to_owned(),
                k.value().to_le_bytes().to_vec(),
                v.value().to_vec(),
            ));
        }
    }
    let t = txn.open_table(common::KEYS).unwrap();
    for row in t.iter().unwrap() {
        let (k, v) = row.unwrap();
        out.push(("keys".into(), k.value().to_vec(), v.value().to_vec()));
    }
    out
}

#[test]
fn upgrade_rewrites_only_the_tree_state_and_keeps_old_checkpoints_checkable() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy(dir.path());
    let before = stored_rows(&p);
    let (old_size, old_root, old_kept) = {
        let l = Ledger::open_read(&p).unwrap();
        assert_eq!(l.format_version(), 1);
        let (n, r) = l.tree_head().unwrap();
        (n, r, l.checkpoints().unwrap())
    };
    assert_eq!(
        old_kept.len(),
        1,
        "the fixture keeps the checkpoint of 21 entries"
    );

    let o = jixiao(&["upgrade".as_ref(), p.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("to ledger format 2"));

    assert_eq!(
        stored_rows(&p),
        before,
        "entries, hashes, batches and keys are untouched"
    );
    let l = Ledger::open_read(&p).unwrap();
    assert_eq!(l.format_version(), 2);
    let hashes = l.entry_hashes(old_size).unwrap();
    assert_eq!(
        l.tree_head().unwrap(),
        (old_size, TreeAlgorithm::Rfc6962.root_of(&hashes))
    );
    let rec = l.upgrade_record().unwrap().unwrap();
    assert_eq!(
        rec,
        UpgradeRecord {
            upgraded_at: 1_677_628_800,
            size: old_size,
            v1_root: old_root,
            v2_root: TreeAlgorithm::Rfc6962.root_of(&hashes),
        }
    );
    assert_eq!(UpgradeRecord::from_bytes(&rec.to_bytes()), Some(rec));
    // The format-1 checkpoint moved to `checkpoints_v1`, and verify re-checks it there.
    assert!(l.checkpoints().unwrap().is_empty());
    assert_eq!(l.checkpoints_v1().unwrap(), old_kept);
    let v = l.verify(&mut |_| {}).unwrap();
    assert_eq!(v.size, 158);
    assert_eq!(
        v.v1_roots_at.get(&21),
        Some(&TreeAlgorithm::Blake3V1.root_of(&hashes[..21]))
    );
    let c = jixiao::check::check(&p, jixiao::eval::AsOf::Latest, &[]).unwrap();
    assert_eq!(c.scorecard.unwrap().unwrap().total.to_string(), "99.96");
    drop(l);

    // The old checkpoint, given as a file, still checks against the upgraded ledger.
    let cp = dir.path().join("cp21.txt");
    std::fs::write(&cp, &old_kept[0].1).unwrap();
    let o = jixiao(&[
        "verify".as_ref(),
        p.as_os_str(),
        "--checkpoint".as_ref(),
        cp.as_os_str(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("checkpoint ok: 21 entries"), "{out}");
    // A checkpoint of the format-2 tree at the same size checks too; one over neither tree
    // is a fork.
    let forged = old_kept[0].1.replacen(
        old_kept[0].1.lines().nth(2).unwrap(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        1,
    );
    std::fs::write(&cp, forged).unwrap();
    let o = jixiao(&[
        "verify".as_ref(),
        p.as_os_str(),
        "--checkpoint".as_ref(),
        cp.as_os_str(),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("checkpoint FAILED"));

    // Idempotent: a second run changes nothing.
    let o = jixiao(&["upgrade".as_ref(), p.as_os_str()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("already ledger format 2"));
    let l = Ledger::open_read(&p).unwrap();
    assert_eq!(l.upgrade_record().unwrap(), Some(rec));
    assert_eq!(stored_rows(&p), before);
    drop(l);
    // And it now opens for appending.
    Ledger::open(&p).unwrap();
}

#[test]
fn upgrade_refuses_a_ledger_that_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy(dir.path());
    common::edit(&p, |txn| {
        let mut bytes = common::get_u64(txn, common::ENTRIES, 5);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        common::put_u64(txn, common::ENTRIES, 5, &bytes);
    });
    let o = jixiao(&["upgrade".as_ref(), p.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("seq 5"), "{err}");
    let l = Ledger::open_read(&p).unwrap();
    assert_eq!(l.format_version(), 1, "nothing was written");
    assert_eq!(l.upgrade_record().unwrap(), None);
}

#[test]
fn an_altered_upgrade_record_or_format_1_checkpoint_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy(dir.path());
    jixiao::ledger::upgrade(&p, 1_677_628_800).unwrap();
    let good = {
        let l = Ledger::open_read(&p).unwrap();
        l.upgrade_record().unwrap().unwrap()
    };
    let mut bad = good;
    bad.v1_root[0] ^= 1;
    common::edit(&p, |txn| {
        let mut t = txn.open_table(common::META).unwrap();
        t.insert("upgrade_v1", bad.to_bytes().as_slice()).unwrap();
    });
    let f = common::failure(&p);
    assert_eq!(f.kind, jixiao::ledger::FailureKind::Checkpoint, "{f:?}");
    // Restored, then the kept format-1 checkpoint's root altered.
    common::edit(&p, |txn| {
        let mut t = txn.open_table(common::META).unwrap();
        t.insert("upgrade_v1", good.to_bytes().as_slice()).unwrap();
    });
    common::verify(&p).unwrap();
    const V1: redb::TableDefinition<u64, &str> = redb::TableDefinition::new("checkpoints_v1");
    common::edit(&p, |txn| {
        let mut t = txn.open_table(V1).unwrap();
        let text = t.get(21).unwrap().unwrap().value().to_owned();
        let root = text.lines().nth(2).unwrap().to_owned();
        let altered = text.replacen(&root, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1);
        t.insert(21, altered.as_str()).unwrap();
    });
    let f = common::failure(&p);
    assert_eq!(f.kind, jixiao::ledger::FailureKind::Checkpoint, "{f:?}");
    assert!(f.detail.contains("21"), "{f:?}");
}
