//! Append and verify throughput against a raw redb baseline measured in the same run.
//!
//! `cargo bench --bench ledger --features bench-internals` (add `-- --quick` for 100k entries
//! only). For each size and batch size, best of three rounds (fresh files each round), it
//! prints entries/s for:
//! - raw redb: the same stored bytes inserted into one `u64 → &[u8]` table with the same
//!   batching and transaction settings (two-phase commit, default durability);
//! - `Ledger::append` (encode, chain, hash, authorise, sign, index, Merkle frontier), and its
//!   ratio to raw redb;
//! - the Merkle tree's cost: append with the tree maintained against the same append without
//!   it (`append_without_tree_for_bench`), as a percentage;
//! - `Ledger::verify` over the whole ledger, including the Merkle root recomputation, in
//!   entries/s and seconds.

use ed25519_dalek::SigningKey;
use jixiao::ledger::Ledger;
use jixiao::model::{Event, Fact, Genesis, Grant, Principal, Role};
use redb::{Database, TableDefinition};
use std::time::Instant;

const RAW: TableDefinition<u64, &[u8]> = TableDefinition::new("raw");
const ROUNDS: usize = 3;

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

fn setup(path: &std::path::Path) -> (Ledger, SigningKey) {
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
    let (l, _) = Ledger::create(path, genesis, &admin, [7; 16], 0).unwrap();
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

fn batches(total: u64, batch: u64) -> Vec<Vec<Event>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < total {
        out.push((i..(i + batch).min(total)).map(fact).collect());
        i += batch;
    }
    out
}

struct Round {
    raw_s: f64,
    ledger_s: f64,
    untreed_s: f64,
    verify_s: f64,
    verified: u64,
}

fn round(total: u64, batch: u64) -> Round {
    let dir = tempfile::tempdir().unwrap();
    // Events are built before timing: the baseline's bytes are ready-made too.
    let (ledger, key) = setup(&dir.path().join("l.jixiao"));
    let work = batches(total, batch);
    let t = Instant::now();
    for events in work {
        ledger.append(&key, events, 1_656_547_200).unwrap();
    }
    let ledger_s = t.elapsed().as_secs_f64();

    let (untreed, key2) = setup(&dir.path().join("u.jixiao"));
    let work = batches(total, batch);
    let t = Instant::now();
    for events in work {
        untreed
            .append_without_tree_for_bench(&key2, events, 1_656_547_200)
            .unwrap();
    }
    let untreed_s = t.elapsed().as_secs_f64();

    // The stored bytes, for the baseline.
    let mut stored = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    ledger
        .scan(3, |r| -> Result<(), jixiao::ledger::LedgerError> {
            stored.push(r.entry.encode());
            Ok(())
        })
        .unwrap();
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

    let t = Instant::now();
    let v = ledger.verify(&mut |_| {}).unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    Round {
        raw_s,
        ledger_s,
        untreed_s,
        verify_s,
        verified: v.size,
    }
}

fn run(total: u64, batch: u64) {
    let rounds: Vec<Round> = (0..ROUNDS).map(|_| round(total, batch)).collect();
    let best = |f: fn(&Round) -> f64| rounds.iter().map(f).fold(f64::INFINITY, f64::min);
    let (raw_s, ledger_s, untreed_s, verify_s) = (
        best(|r| r.raw_s),
        best(|r| r.ledger_s),
        best(|r| r.untreed_s),
        best(|r| r.verify_s),
    );
    let n = total as f64;
    println!(
        "{total:>8} entries, batches of {batch:>5}: raw redb {:>9.0}/s  append {:>9.0}/s  ratio {:.2}  tree +{:>4.1}%  |  verify {:>9.0}/s, {:.2} s",
        n / raw_s,
        n / ledger_s,
        raw_s / ledger_s,
        100.0 * (ledger_s - untreed_s) / untreed_s,
        rounds[0].verified as f64 / verify_s,
        verify_s
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "jixiao ledger benchmark, best of {ROUNDS} rounds (ratio = append rate / raw redb rate; tree = append with the Merkle tree vs without)"
    );
    let sizes: &[u64] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &total in sizes {
        for batch in [1_000u64, 10_000] {
            run(total, batch);
        }
    }
}
