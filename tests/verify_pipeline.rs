//! `check_open` runs the integrity walk and the replay on separate threads joined by bounded
//! channels of 1024-entry chunks: on a ledger of several thousand entries, intact and damaged
//! at and around chunk boundaries, it finds the same first failure and replays the same state
//! as feeding each verified entry straight into the replay on one thread. Its progress
//! callback sees growing counts, and the CLI shows no progress where stderr is not a terminal.

mod common;

use common::{ENTRIES, edit, put_u64, set_stored_hash};
use jixiao::check::{check_open, check_open_with};
use jixiao::eval::{AsOf, Replay, State};
use jixiao::ledger::{EntryHash, Failure, FailureKind, Ledger};
use jixiao::model::{
    BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, ExpenseType, FundSource, Money,
};
use jixiao::progress::Progress;
use jixiao::seed::{SeedKeys, build, write_fixture};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The seed ledger plus `n` payments on one budget line, in batches of 1,000.
fn ledger(dir: &Path, n: u64) -> PathBuf {
    let fx = write_fixture(dir).unwrap();
    let path = dir.join("big.jixiao");
    let keys = SeedKeys::fixed();
    build(&path, &fx, &keys, [0x23; 16], |_| {}).unwrap();
    let l = Ledger::open(&path).unwrap();
    let mut i = 0;
    while i < n {
        let batch = (i..(i + 1000).min(n))
            .map(|k| {
                Event::Budget(BudgetEvent {
                    line: BudgetLine {
                        fund_source: FundSource::GeneralPublic,
                        expense_type: ExpenseType::BasicRunning,
                        project: String::new(),
                    },
                    kind: BudgetKind::Execution,
                    amount: Money::from_fen(100 + i64::try_from(k).unwrap()),
                    date: BizDate::from_ymd(2022, 1 + u8::try_from(k % 12).unwrap(), 1).unwrap(),
                    document: String::new(),
                    reason: format!("付款{k}"),
                })
            })
            .collect();
        l.append(&keys.recorder.signing, batch, 1_677_000_000)
            .unwrap();
        i += 1000;
    }
    path
}

/// The first failure and the replayed state, every entry replayed as the walk passes it, on
/// one thread.
fn one_thread(l: &Ledger) -> (Option<Failure>, String) {
    let mut replay = Replay::with_lookup(AsOf::Latest, |seq| {
        l.entry(seq).ok().flatten().map(|r| r.entry.event)
    });
    let mut error = None;
    let integrity = l.verify(&mut |r| {
        if error.is_none()
            && let Err(e) = replay.apply(r)
            && !replay.left_out(r.entry.seq)
        {
            error = Some(e);
        }
    });
    let state: Result<State, _> = match error {
        Some(e) => Err(e),
        None => Ok(replay.finish()),
    };
    (integrity.err(), format!("{state:?}"))
}

fn both_ways(path: &Path) -> (Option<Failure>, String) {
    let l = Ledger::open_read(path).unwrap();
    let expected = one_thread(&l);
    let checked = check_open(&l, AsOf::Latest, &[]).unwrap();
    let state = match (checked.state, checked.faulted) {
        (Err(_), Some(s)) => Ok(s),
        (s, _) => s,
    };
    let got = (checked.integrity.err(), format!("{state:?}"));
    assert_eq!(got.0, expected.0);
    assert_eq!(got.1, expected.1);
    got
}

#[test]
fn the_pipeline_replays_what_one_thread_replays_up_to_the_same_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), 4000);
    let intact = both_ways(&path);
    assert_eq!(intact.0, None);
    let size = Ledger::open_read(&path).unwrap().head().unwrap().size;
    assert!(size > 4000);
    for seq in [1023, 1024, 1025, 2049, size] {
        let copy = dir.path().join(format!("hash-{seq}.jixiao"));
        std::fs::copy(&path, &copy).unwrap();
        edit(&copy, |txn| set_stored_hash(txn, seq, &EntryHash([0; 32])));
        let (failure, state) = both_ways(&copy);
        let f = failure.expect("a changed hash fails");
        assert_eq!((f.seq, f.kind), (Some(seq), FailureKind::HashMismatch));
        assert_ne!(
            state, intact.1,
            "the entries from seq {seq} on are not replayed"
        );
    }
    // Bytes that hash right but do not decode: the reader's decoding is reported at its seq.
    let copy = dir.path().join("decode.jixiao");
    std::fs::copy(&path, &copy).unwrap();
    edit(&copy, |txn| {
        put_u64(txn, ENTRIES, 3000, &[0xff, 0xff]);
        set_stored_hash(txn, 3000, &EntryHash::of_stored(&[0xff, 0xff]));
    });
    let f = both_ways(&copy).0.expect("undecodable bytes fail");
    assert_eq!((f.seq, f.kind), (Some(3000), FailureKind::Decode));
}

/// Records every call.
struct Calls(Mutex<Vec<(&'static str, u64, u64)>>);

impl Progress for Calls {
    fn update(&self, stage: &'static str, done: u64, total: u64) {
        self.0.lock().unwrap().push((stage, done, total));
    }
}

#[test]
fn progress_is_told_growing_counts_up_to_the_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), 9000);
    let l = Ledger::open_read(&path).unwrap();
    let size = l.head().unwrap().size;
    let calls = Calls(Mutex::new(Vec::new()));
    let checked = check_open_with(&l, AsOf::Latest, &[], &calls).unwrap();
    assert!(checked.integrity.is_ok());
    let calls = calls.0.into_inner().unwrap();
    let done: Vec<u64> = calls.iter().map(|c| c.1).collect();
    assert_eq!(done, [4096, 8192, size]);
    assert!(calls.iter().all(|c| c.0 == "verify" && c.2 == size));
}

#[test]
fn no_progress_is_shown_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), 50_000);
    for json in [false, true] {
        let mut cmd = std::process::Command::new(common::bin());
        cmd.arg("verify").arg(&path);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        // The seed's one unacknowledged finding.
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    }
    let mut csv = String::from("资金来源,支出类型,项目,类型,金额,日期,批文号,事由\n");
    for i in 0..60_000 {
        let month = 1 + i % 12;
        csv.push_str(&format!(
            "一般公共预算,项目支出,政务信息化,支出,1.00,2022-{month:02}-15,,凭证{i}\n"
        ));
    }
    let file = dir.path().join("pay.csv");
    std::fs::write(&file, csv).unwrap();
    let key = dir.path().join("recorder.key");
    SeedKeys::fixed().recorder.write(&key).unwrap();
    let out = std::process::Command::new(common::bin())
        .args([
            "import".as_ref(),
            path.as_os_str(),
            file.as_os_str(),
            "--key".as_ref(),
        ])
        .arg(&key)
        .env("JIXIAO_TIME", "2023-03-01T00:00:00Z")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.status.success());
}
