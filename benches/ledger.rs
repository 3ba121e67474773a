//! Append and verify throughput against a raw redb baseline measured in the same run.
//!
//! `cargo bench --bench ledger` (add `-- --quick` for 100k entries only). For each size and batch
//! size it prints entries/s for (a) raw redb: the same stored bytes inserted into one
//! `u64 → &[u8]` table with the same batching and the same transaction settings (two-phase
//! commit, default durability), (b) `Ledger::append` (encode, chain, hash, authorise, sign,
//! index, Merkle frontier), and the ratio b/a; the Merkle tree's share of the append time
//! (the frontier pushes and per-batch serialisations an append does, timed on their own, as a
//! percentage of the rest of the append); then `Ledger::verify` over the whole ledger
//! (including the Merkle root recomputation) in entries/s and seconds.

use ed25519_dalek::SigningKey;
use jixiao::ledger::{EntryHash, Frontier, Ledger};
use jixiao::model::{Event, Fact, Genesis, Grant, Principal, Role};
use redb::{Database, TableDefinition};
use std::time::Instant;

const RAW: TableDefinition<u64, &[u8]> = TableDefinition::new("raw");

fn fact(i: u64) -> Event {
    Event::Fact(Fact {
        key: format!("payments.p{i}"),
        name: "支付".into(),
        value: i64::try_from(i).unwrap_or(0).into(),
        unit: "元".into(),
        date: jixiao::model::BizDate::from_ymd(2022, 6, 30).unwrap(),
        source: "bench".into(),
    })
}

fn setup(dir: &std::path::Path, name: &str) -> (Ledger, SigningKey) {
    let admin = SigningKey::from_bytes(&[1; 32]);
    let recorder = SigningKey::from_bytes(&[2; 32]);
    let genesis = Genesis {
        department: "bench".into(),
        department_code: String::new(),
        year: 2022,
        admins: vec![Principal {
            public_key: admin.verifying_key().to_bytes(),
            name: "admin".into(),
        }],
    };
    let (l, _) = Ledger::create(&dir.join(name), genesis, &admin, [7; 16], 0).unwrap();
    l.append(
        &admin,
        vec![Event::Grant(Grant {
            principal: Principal {
                public_key: recorder.verifying_key().to_bytes(),
                name: "recorder".into(),
            },
            role: Role::Recorder,
        })],
        0,
    )
    .unwrap();
    (l, recorder)
}

fn run(total: u64, batch: u64) {
    let dir = tempfile::tempdir().unwrap();
    // Ledger append.
    let (ledger, key) = setup(dir.path(), "l.jixiao");
    // Events are built before timing: the baseline's bytes are ready-made too.
    let mut batches = Vec::new();
    let mut i = 0;
    while i < total {
        batches.push(
            (i..(i + batch).min(total))
                .map(fact)
                .collect::<Vec<Event>>(),
        );
        i += batch;
    }
    let t = Instant::now();
    for events in batches {
        ledger.append(&key, events, 1_656_547_200).unwrap();
    }
    let ledger_s = t.elapsed().as_secs_f64();
    // The stored bytes, for the baseline.
    let mut stored = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    ledger
        .scan(3, |r| -> Result<(), jixiao::ledger::LedgerError> {
            stored.push(r.entry.encode());
            Ok(())
        })
        .unwrap();
    // Raw redb baseline: same bytes, same batching, same transaction settings.
    let db = Database::create(dir.path().join("raw.redb")).unwrap();
    let t = Instant::now();
    for (b, chunk) in stored
        .chunks(usize::try_from(batch).unwrap_or(1))
        .enumerate()
    {
        let mut txn = db.begin_write().unwrap();
        txn.set_two_phase_commit(true);
        {
            let mut table = txn.open_table(RAW).unwrap();
            for (j, bytes) in chunk.iter().enumerate() {
                let seq = (b as u64) * batch + j as u64 + 3;
                table.insert(seq, bytes.as_slice()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let raw_s = t.elapsed().as_secs_f64();
    // The Merkle tree's share of an append: the same frontier pushes and per-batch
    // serialisations the append does, timed on their own.
    let hashes: Vec<EntryHash> = stored.iter().map(|b| EntryHash::of_stored(b)).collect();
    let t = Instant::now();
    let mut frontier = Frontier::new();
    let mut frontier_bytes = 0usize;
    for chunk in hashes.chunks(usize::try_from(batch).unwrap_or(1)) {
        for h in chunk {
            frontier.push(h).unwrap();
        }
        frontier_bytes += frontier.to_bytes().len();
    }
    let tree_s = t.elapsed().as_secs_f64();
    assert!(frontier_bytes > 0);
    // Verify (including the Merkle root recomputation).
    let t = Instant::now();
    let v = ledger.verify(&mut |_| {}).unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    let n = total as f64;
    println!(
        "{total:>8} entries, batches of {batch:>5}: raw redb {:>9.0}/s  ledger append {:>9.0}/s  ratio {:.2}  tree share {:>4.1}%  |  verify {:>9.0}/s, {:.2} s",
        n / raw_s,
        n / ledger_s,
        raw_s / ledger_s,
        100.0 * tree_s / (ledger_s - tree_s),
        v.size as f64 / verify_s,
        verify_s
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "jixiao ledger benchmark (one thread; ratio = ledger append rate / raw redb rate, higher is better)"
    );
    for &total in if quick {
        &[100_000u64][..]
    } else {
        &[100_000u64, 1_000_000][..]
    } {
        for batch in [1_000u64, 10_000] {
            run(total, batch);
        }
    }
}
