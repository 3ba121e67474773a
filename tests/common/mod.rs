//! Shared test support: a real multi-batch ledger built with the library API, raw redb table
//! editing for tamper cases, and a fluent builder for running the `jixiao` binary.
//!
//! Each integration test crate uses a different part of this module.
#![allow(dead_code)]

use assert_cmd::Command;
use ed25519_dalek::SigningKey;
use jixiao::ledger::keys::KeyPair;
use jixiao::ledger::{EntryHash, Failure, Frontier, Ledger, Verified, open_failure};
use jixiao::model::{
    Acknowledgement, BizDate, BudgetEvent, BudgetKind, BudgetLine, Claim, Correction, Direction,
    Event, Evidence, ExpenseType, Fact, FundSource, Genesis, Grant, IndicatorTarget,
    IndicatorValue, Money, Number, Revoke, Role, ScoreAdjustment, Staffing,
};
use redb::{Database, TableDefinition, WriteTransaction};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Raw tables, as documented in src/ledger/store.rs (docs/FORMAT.md §2).

/// `meta`: name → bytes.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// `entries`: seq → stored entry bytes.
pub const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
/// `hashes`: last seq of a batch → the 32-byte entry hashes of the batch's entries, in seq
/// order (32 × batch length bytes, same keys as `batches`).
pub const HASHES: TableDefinition<u64, &[u8]> = TableDefinition::new("hashes");
/// `batches`: last seq → first seq LE ‖ key id ‖ signature (80 bytes).
pub const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
/// `merkle`: "frontier" → `Frontier::to_bytes()` of the tree over all entry hashes.
pub const MERKLE: TableDefinition<&str, &[u8]> = TableDefinition::new("merkle");
/// `keys`: key id → postcard(KeyRecord).
pub const KEYS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("keys");

/// Opens the file with redb directly and runs `edit` in one committed write transaction.
pub fn edit(path: &Path, edit: impl FnOnce(&WriteTransaction)) {
    let db = Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    edit(&txn);
    txn.commit().unwrap();
}

/// Reads one row of a u64-keyed table inside a write transaction.
pub fn get_u64(txn: &WriteTransaction, def: TableDefinition<u64, &[u8]>, k: u64) -> Vec<u8> {
    use redb::ReadableTable;
    let t = txn.open_table(def).unwrap();
    let v = t.get(k).unwrap().unwrap_or_else(|| panic!("no row {k}"));
    v.value().to_vec()
}

/// Writes one row of a u64-keyed table.
pub fn put_u64(txn: &WriteTransaction, def: TableDefinition<u64, &[u8]>, k: u64, v: &[u8]) {
    let mut t = txn.open_table(def).unwrap();
    t.insert(k, v).unwrap();
}

/// Removes one row of a u64-keyed table, asserting it was there.
pub fn del_u64(txn: &WriteTransaction, def: TableDefinition<u64, &[u8]>, k: u64) -> Vec<u8> {
    let mut t = txn.open_table(def).unwrap();
    let old = t.remove(k).unwrap().unwrap_or_else(|| panic!("no row {k}"));
    old.value().to_vec()
}

/// The hash block (its key, the last seq of its batch, and its bytes) whose batch covers
/// `seq`: the first block keyed at or after `seq`.
pub fn hash_block(txn: &WriteTransaction, seq: u64) -> (u64, Vec<u8>) {
    use redb::ReadableTable;
    let t = txn.open_table(HASHES).unwrap();
    let mut range = t.range(seq..).unwrap();
    let (k, v) = range
        .next()
        .unwrap_or_else(|| panic!("no hash block covers seq {seq}"))
        .unwrap();
    (k.value(), v.value().to_vec())
}

/// Byte range of the hash of `seq` inside the block of the batch ending at `last` (the block
/// holds the batch's hashes in seq order and ends with the hash of `last`).
pub fn hash_range(last: u64, block_len: usize, seq: u64) -> std::ops::Range<usize> {
    assert!(seq <= last, "seq {seq} is past the block ending at {last}");
    let end = block_len - 32 * usize::try_from(last - seq).unwrap();
    end - 32..end
}

/// The stored hash of entry `seq`, read from its batch's hash block.
pub fn stored_hash(txn: &WriteTransaction, seq: u64) -> EntryHash {
    let (last, block) = hash_block(txn, seq);
    EntryHash(
        block[hash_range(last, block.len(), seq)]
            .try_into()
            .unwrap(),
    )
}

/// Overwrites the stored hash of entry `seq` in place, inside its batch's hash block.
pub fn set_stored_hash(txn: &WriteTransaction, seq: u64, hash: &EntryHash) {
    let (last, mut block) = hash_block(txn, seq);
    let at = hash_range(last, block.len(), seq);
    block[at].copy_from_slice(&hash.0);
    put_u64(txn, HASHES, last, &block);
}

/// The hashes of the stored bytes of every row of `entries`, in seq order, as they are now.
pub fn hashes_of_entries(txn: &WriteTransaction) -> Vec<(u64, EntryHash)> {
    use redb::ReadableTable;
    let t = txn.open_table(ENTRIES).unwrap();
    t.iter()
        .unwrap()
        .map(|row| {
            let (k, v) = row.unwrap();
            (k.value(), EntryHash::of_stored(v.value()))
        })
        .collect()
}

/// Replaces the whole `hashes` table by one block per `(first, last)` of `tiling`, each the
/// hashes of the entries now stored at `first..=last`, in seq order (absent entries skipped):
/// what a forger who recomputes every hash writes.
pub fn rewrite_hash_blocks(txn: &WriteTransaction, tiling: &[(u64, u64)]) {
    use redb::ReadableTable;
    let hashes = hashes_of_entries(txn);
    let mut t = txn.open_table(HASHES).unwrap();
    let keys: Vec<u64> = t
        .iter()
        .unwrap()
        .map(|row| row.unwrap().0.value())
        .collect();
    for k in keys {
        t.remove(k).unwrap();
    }
    for (first, last) in tiling {
        let block: Vec<u8> = hashes
            .iter()
            .filter(|(seq, _)| (*first..=*last).contains(seq))
            .flat_map(|(_, h)| h.0)
            .collect();
        t.insert(*last, block.as_slice()).unwrap();
    }
}

/// Reads the stored Merkle frontier.
pub fn stored_frontier(txn: &WriteTransaction) -> Frontier {
    use redb::ReadableTable;
    let t = txn.open_table(MERKLE).unwrap();
    let v = t.get("frontier").unwrap().expect("no stored frontier");
    Frontier::from_bytes(v.value()).unwrap()
}

/// Writes the stored Merkle frontier bytes as given.
pub fn put_frontier_bytes(txn: &WriteTransaction, bytes: &[u8]) {
    let mut t = txn.open_table(MERKLE).unwrap();
    t.insert("frontier", bytes).unwrap();
}

/// Rewrites the stored Merkle frontier as the tree over the hashes of the entries now stored,
/// in seq order (so that only the per-entry checks can catch what else was changed).
pub fn rewrite_frontier(txn: &WriteTransaction) -> Frontier {
    let hashes: Vec<EntryHash> = hashes_of_entries(txn).into_iter().map(|(_, h)| h).collect();
    let f = Frontier::from_hashes(&hashes).unwrap();
    put_frontier_bytes(txn, &f.to_bytes());
    f
}

/// Opens read-only and verifies; open errors that are integrity findings become failures.
pub fn verify(path: &Path) -> Result<Verified, Failure> {
    match Ledger::open_read(path) {
        Ok(l) => l.verify(&mut |_| {}),
        Err(e) => Err(open_failure(&e).unwrap_or_else(|| panic!("not an integrity error: {e}"))),
    }
}

/// Verifies and returns the failure, panicking if the ledger verified.
pub fn failure(path: &Path) -> Failure {
    match verify(path) {
        Ok(v) => panic!(
            "expected a verification failure, got a good ledger of {} entries",
            v.size
        ),
        Err(f) => f,
    }
}

// ---------------------------------------------------------------------------------------------
// A real ledger.

/// A deterministic key.
pub fn key(name: &str, seed: u8) -> KeyPair {
    KeyPair {
        name: name.to_string(),
        signing: SigningKey::from_bytes(&[seed; 32]),
    }
}

/// A date that exists.
pub fn date(y: i32, m: u8, d: u8) -> BizDate {
    BizDate::from_ymd(y, m, d).unwrap()
}

/// A number from text, keeping its scale.
pub fn num(s: &str) -> Number {
    s.parse().unwrap()
}

/// A fact event.
pub fn fact(key: &str, name: &str, value: &str, unit: &str) -> Event {
    Event::Fact(Fact {
        key: key.into(),
        name: name.into(),
        value: num(value),
        unit: unit.into(),
        date: date(2022, 12, 31),
        source: "一(一)".into(),
    })
}

/// A budget event on the general-public basic line.
pub fn budget(kind: BudgetKind, fen: i64, document: &str) -> Event {
    Event::Budget(BudgetEvent {
        line: BudgetLine {
            fund_source: FundSource::GeneralPublic,
            expense_type: ExpenseType::BasicStaff,
            project: String::new(),
        },
        kind,
        amount: Money::from_fen(fen),
        date: date(2022, 3, 1),
        document: document.into(),
        reason: "年度预算".into(),
    })
}

/// The keys and layout of the fixture ledger.
pub struct Fixture {
    /// Holds the ledger file.
    pub dir: TempDir,
    /// The ledger file.
    pub path: PathBuf,
    /// Genesis admin.
    pub admin: KeyPair,
    /// Holds the recorder role.
    pub recorder: KeyPair,
    /// Holds the evaluator role.
    pub evaluator: KeyPair,
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// (first, last) seq of every batch, in order.
    pub batches: Vec<(u64, u64)>,
}

/// Recording time of every fixture entry.
pub const T0: i64 = 1_672_531_200;

/// Builds the fixture ledger: 20 entries in 7 batches by 3 keys.
///
/// | batch | seqs   | author    | events                                           |
/// |-------|--------|-----------|--------------------------------------------------|
/// | 1     | 1      | admin     | genesis                                          |
/// | 2     | 2–3    | admin     | grant recorder, grant evaluator                  |
/// | 3     | 4–9    | recorder  | budget ×3, facts ×3                              |
/// | 4     | 10–14  | recorder  | staffing, target, evidence, value, claim         |
/// | 5     | 15–16  | evaluator | score adjustment, acknowledgement                |
/// | 6     | 17–18  | recorder  | correction of seq 4, fact                        |
/// | 7     | 19–20  | admin     | grant auditor to recorder, revoke it again       |
pub fn build() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conghua-2022.jixiao");
    let admin = key("admin 办公室", 1);
    let recorder = key("张三 财务科", 2);
    let evaluator = key("李四 评价组", 3);
    let ledger_id = *b"fixture-ledger-1";
    let genesis = Genesis {
        department: "广州市从化区人民政府办公室".into(),
        department_code: "001".into(),
        year: 2022,
        admins: vec![admin.principal()],
    };
    let (ledger, _) = Ledger::create(&path, genesis, &admin.signing, ledger_id, T0).unwrap();
    let mut batches = vec![(1, 1)];
    let mut add = |signer: &KeyPair, events: Vec<Event>| {
        let a = ledger.append(&signer.signing, events, T0 + 60).unwrap();
        batches.push((a.first, a.last));
    };
    add(
        &admin,
        vec![
            Event::Grant(Grant {
                principal: recorder.principal(),
                role: Role::Recorder,
            }),
            Event::Grant(Grant {
                principal: evaluator.principal(),
                role: Role::Evaluator,
            }),
        ],
    );
    add(
        &recorder,
        vec![
            budget(BudgetKind::YearStart, 1_923_650_000, ""),
            budget(BudgetKind::AdjustAdd, 12_345_678, "从府办〔2022〕12号"),
            budget(BudgetKind::Execution, 1_800_000_001, ""),
            fact("staff.sections", "内设科室", "8", "个"),
            fact("docs.paper.in_district", "区内纸质公文", "1234", "份"),
            fact("meetings", "会议保障", "56.5", "场次"),
        ],
    );
    add(
        &recorder,
        vec![
            Event::Staffing(Staffing {
                category: "行政".into(),
                establishment: 40,
                actual: 37,
                retired: 12,
                date: date(2022, 12, 31),
            }),
            Event::IndicatorTarget(IndicatorTarget {
                indicator: "output.docs".into(),
                name: "公文处理及时率".into(),
                direction: Direction::AtLeast,
                unit: "%".into(),
                year_start: num("95"),
                adjusted: Some(num("98.0")),
                date: date(2022, 1, 1),
            }),
            Event::Evidence(Evidence {
                name: "公文台账.xlsx".into(),
                size: 40_960,
                blake3: *blake3::hash(b"ledger of documents").as_bytes(),
                description: "2022 年公文台账".into(),
            }),
            Event::IndicatorValue(IndicatorValue {
                indicator: "output.docs".into(),
                value: num("100.00"),
                date: date(2022, 12, 31),
                deviation_reason: String::new(),
                evidence: vec![12],
            }),
            Event::Claim(Claim {
                id: "budget.execution_rate".into(),
                subject: "budget.execution_rate".into(),
                value: num("93.57"),
                unit: "%".into(),
                text: "预算执行率为93.57%".into(),
                section: "二(一)".into(),
            }),
        ],
    );
    add(
        &evaluator,
        vec![
            Event::ScoreAdjustment(ScoreAdjustment {
                node: "process.execution".into(),
                delta: num("-0.5"),
                reason: "执行率未达 100%".into(),
                basis: "评分细则 2.1".into(),
            }),
            Event::Acknowledgement(Acknowledgement {
                finding: "budget.execution_rate".into(),
                reason: "口径差异已说明".into(),
            }),
        ],
    );
    add(
        &recorder,
        vec![
            Event::Correction(Correction {
                supersedes: 4,
                reason: "年初预算录入错误".into(),
                replacement: Some(Box::new(budget(BudgetKind::YearStart, 1_923_650_100, ""))),
                retracted_kind_role: Role::Recorder,
            }),
            fact("staff.attached_bodies", "直属机构", "2", "个"),
        ],
    );
    add(
        &admin,
        vec![
            Event::Grant(Grant {
                principal: recorder.principal(),
                role: Role::Auditor,
            }),
            Event::Revoke(Revoke {
                key_id: recorder.key_id(),
                role: Role::Auditor,
                reason: "临时授权结束".into(),
            }),
        ],
    );
    drop(ledger);
    Fixture {
        dir,
        path,
        admin,
        recorder,
        evaluator,
        ledger_id,
        batches,
    }
}

// ---------------------------------------------------------------------------------------------
// Running the binary.

/// Path of the built `jixiao` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jixiao"))
}

/// One run of the binary with its expectations; see [`Test::run`].
#[must_use]
pub struct Test {
    dir: TempDir,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    status: i32,
    stdout_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stdout_lacks: Vec<String>,
    stderr_empty: bool,
    within: Option<Duration>,
}

/// What a [`Test`] ran, and the directory it ran in (for the next step).
pub struct Ran {
    /// The working directory (kept alive for the next command).
    pub dir: TempDir,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

impl Test {
    /// A run in a fresh temporary directory, expecting exit 0.
    pub fn new() -> Test {
        Test::with_dir(tempfile::tempdir().unwrap())
    }

    /// A run in `dir` (the working directory, so relative paths land there).
    pub fn with_dir(dir: TempDir) -> Test {
        Test {
            dir,
            args: Vec::new(),
            env: vec![("JIXIAO_TIME".into(), "2023-03-01T09:00:00Z".into())],
            status: 0,
            stdout_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stdout_lacks: Vec::new(),
            stderr_empty: false,
            within: None,
        }
    }

    /// The working directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Adds one argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Test {
        self.args.push(a.as_ref().to_os_string());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, k: &str, v: &str) -> Test {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Expected exit status.
    pub fn status(mut self, code: i32) -> Test {
        self.status = code;
        self
    }

    /// stdout must contain `s`.
    pub fn stdout_contains(mut self, s: &str) -> Test {
        self.stdout_contains.push(s.to_string());
        self
    }

    /// stdout must not contain `s`.
    pub fn stdout_lacks(mut self, s: &str) -> Test {
        self.stdout_lacks.push(s.to_string());
        self
    }

    /// stderr must contain `s`.
    pub fn stderr_contains(mut self, s: &str) -> Test {
        self.stderr_contains.push(s.to_string());
        self
    }

    /// stderr must be empty.
    pub fn stderr_empty(mut self) -> Test {
        self.stderr_empty = true;
        self
    }

    /// The run must finish within `d` (it is killed after twice that).
    pub fn within(mut self, d: Duration) -> Test {
        self.within = Some(d);
        self
    }

    /// Runs the binary and asserts every expectation.
    pub fn run(self) -> Ran {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.dir.path())
            .env_remove("JIXIAO_KEY")
            .env_remove("JIXIAO_TIME")
            .args(&self.args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(d) = self.within {
            cmd.timeout(d * 2);
        }
        let started = Instant::now();
        let out = cmd.output().unwrap();
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let ctx = format!(
            "jixiao {:?}\n--- status: {:?}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}",
            self.args, out.status
        );
        assert_eq!(out.status.code(), Some(self.status), "{ctx}");
        for s in &self.stdout_contains {
            assert!(stdout.contains(s.as_str()), "stdout lacks {s:?}\n{ctx}");
        }
        for s in &self.stdout_lacks {
            assert!(!stdout.contains(s.as_str()), "stdout has {s:?}\n{ctx}");
        }
        for s in &self.stderr_contains {
            assert!(stderr.contains(s.as_str()), "stderr lacks {s:?}\n{ctx}");
        }
        if self.stderr_empty {
            assert!(stderr.is_empty(), "stderr not empty\n{ctx}");
        }
        if let Some(d) = self.within {
            assert!(took <= d, "took {took:?}, more than {d:?}\n{ctx}");
        }
        Ran {
            dir: self.dir,
            stdout,
            stderr,
        }
    }
}

impl Ran {
    /// The next command, in the same directory.
    pub fn then(self) -> Test {
        Test::with_dir(self.dir)
    }

    /// A path in the working directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}
