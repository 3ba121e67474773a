//! The derived state (docs/FORMAT.md "Derived state"): written with every checked append,
//! continued from by the next one, rebuilt and compared by `verify`; an append whose derived
//! state or tail does not match is refused with a pointer to `verify`; and an append that
//! continues from the derived state answers exactly as one that verifies and replays the whole
//! ledger.

mod common;

use common::{ENTRIES, KEYS, edit};
use jixiao::check::check_open;
use jixiao::eval::AsOf;
use jixiao::eval::snapshot::{self, body_digest};
use jixiao::ledger::{DerivedRow, EntryHash, Ledger};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `derived`: "state" → the row.
const DERIVED: TableDefinition<&str, &[u8]> = TableDefinition::new("derived");

/// The ledger inside a `demo --keep` directory.
const L: &str = "conghua-2022.jixiao";

/// Builds the seed case in `dir/name` and returns that directory.
fn demo(dir: &Path, name: &str) -> PathBuf {
    let out = Command::new(common::bin())
        .current_dir(dir)
        .args(["demo", "--keep", name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    dir.join(name)
}

/// One run of the binary in `dir` at recorded time `at`: exit code, stdout, stderr (with the
/// directory's path taken out, so that two directories' runs compare).
fn run(dir: &Path, at: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::bin())
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
fn stored_row(ledger: &Path) -> Option<Vec<u8>> {
    let db = redb::Database::open(ledger).unwrap();
    let txn = db.begin_read().unwrap();
    let t = match txn.open_table(DERIVED) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return None,
        Err(e) => panic!("{e}"),
    };
    t.get("state").unwrap().map(|v| v.value().to_vec())
}

fn put_row(ledger: &Path, bytes: &[u8]) {
    edit(ledger, |txn| {
        txn.open_table(DERIVED)
            .unwrap()
            .insert("state", bytes)
            .unwrap();
    });
}

fn remove_row(ledger: &Path) {
    edit(ledger, |txn| {
        txn.open_table(DERIVED).unwrap().remove("state").unwrap();
    });
}

/// Number of entries.
fn size(ledger: &Path) -> u64 {
    Ledger::open_read(ledger).unwrap().head().unwrap().size
}

/// A payments CSV of `n` payments on two budget lines.
fn payments(n: usize) -> String {
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

/// The commands both paths run, in order: accepted ones of every kind that touches the
/// derived state (values, facts, a batch of payments, a correction of a payment read back from
/// the ledger, a retraction, an adjustment, an acknowledgement) and refused ones (a role the
/// key lacks, a retraction of a seq that does not exist, an indicator the rule set does not
/// know, a dry run).
fn script() -> Vec<Vec<&'static str>> {
    let l = L;
    vec![
        vec![
            "record",
            "value",
            l,
            "--key",
            "recorder.key",
            "--indicator",
            "perf.output.quality.archive_loss",
            "--value",
            "1",
            "--date",
            "2022-12-31",
        ],
        vec!["import", l, "pay.csv", "--key", "recorder.key"],
        vec![
            "correct",
            l,
            "161",
            "--value",
            "5000",
            "--reason",
            "复核",
            "--key",
            "recorder.key",
        ],
        vec![
            "correct",
            l,
            "162",
            "--retract",
            "--reason",
            "重复录入",
            "--key",
            "recorder.key",
        ],
        vec![
            "correct",
            l,
            "9999",
            "--retract",
            "--reason",
            "x",
            "--key",
            "recorder.key",
        ],
        vec![
            "adjust",
            l,
            "mgmt.fin.rules",
            "-0.5",
            "--key",
            "recorder.key",
            "--reason",
            "制度未更新",
        ],
        vec![
            "adjust",
            l,
            "mgmt.fin.rules",
            "-0.5",
            "--key",
            "evaluator.key",
            "--reason",
            "制度未更新",
            "--basis",
            "评分细则",
        ],
        vec![
            "record",
            "value",
            l,
            "--key",
            "recorder.key",
            "--indicator",
            "no.such.indicator",
            "--value",
            "1",
            "--date",
            "2022-12-31",
        ],
        vec![
            "record",
            "value",
            l,
            "--key",
            "recorder.key",
            "--indicator",
            "perf.output.quality.archive_loss",
            "--value",
            "0",
            "--date",
            "2022-12-31",
            "--dry-run",
        ],
        vec![
            "correct",
            l,
            "159",
            "--value",
            "0",
            "--reason",
            "复核后无丢失",
            "--key",
            "recorder.key",
        ],
        vec![
            "acknowledge",
            l,
            "budget.growth_rate",
            "--key",
            "evaluator.key",
            "--reason",
            "口径差异",
        ],
    ]
}

#[test]
fn an_append_from_the_derived_state_answers_as_one_that_replays_the_whole_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let fast = demo(tmp.path(), "fast");
    // The same ledger (its id is random) and keys in a second directory.
    let full = tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    for f in [
        "conghua-2022.jixiao",
        "recorder.key",
        "evaluator.key",
        "admin.key",
    ] {
        std::fs::copy(fast.join(f), full.join(f)).unwrap();
    }
    for d in [&fast, &full] {
        std::fs::write(d.join("pay.csv"), payments(30)).unwrap();
    }
    let (fl, ul) = (fast.join(L), full.join(L));
    // The seed ledger was built by the library's unchecked append: no derived state yet.
    assert_eq!(stored_row(&fl), None);
    for (i, args) in script().iter().enumerate() {
        let at = format!("2023-03-01T10:{:02}:00Z", i);
        // `full` never has a derived state when a command starts: each append verifies and
        // replays the whole ledger. `fast` keeps the one the previous append wrote.
        remove_row(&ul);
        let a = run(&fast, &at, args);
        let b = run(&full, &at, args);
        assert_eq!(a, b, "command {i}: {args:?}");
        assert!(
            stored_row(&fl).is_some() || (i == 0 && a.0 != 0),
            "command {i} left no derived state"
        );
    }
    // The state kept step by step is, byte for byte, the one a whole replay gives.
    let kept = DerivedRow::from_bytes(&stored_row(&fl).unwrap()).unwrap();
    let l = Ledger::open_read(&fl).unwrap();
    let checked = check_open(&l, AsOf::Latest, &[]).unwrap();
    assert!(checked.integrity.is_ok(), "{:?}", checked.integrity);
    let body = snapshot::encode(checked.state.as_ref().unwrap()).unwrap();
    assert_eq!(kept.body, body);
    assert_eq!(kept.size, size(&fl));
    // And it decodes to a state that encodes to the same bytes.
    let decoded = snapshot::decode(&kept.body, &mut |seq| {
        l.entry(seq).ok().flatten().map(|r| r.entry.event)
    })
    .unwrap();
    assert_eq!(snapshot::encode(&decoded).unwrap(), kept.body);
    // Both ledgers verify (exit 1 only for the seed's unacknowledged findings, as before).
    for d in [&fast, &full] {
        let (code, out, err) = run(d, "2023-03-01T12:00:00Z", &["verify", L, "--json"]);
        let doc: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
        assert_eq!(doc["integrity"]["ok"], true, "{out}");
        assert!(code == 0 || code == 1, "{code} {err}");
    }
}

/// A seed ledger with one checked append done (so it keeps a derived state).
fn with_derived(tmp: &Path) -> PathBuf {
    let d = demo(tmp, "d");
    assert_eq!(stored_row(&d.join(L)), None);
    let (code, out, err) = append_value(&d, "2023-03-01T10:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    assert!(stored_row(&d.join(L)).is_some());
    d
}

fn append_value(d: &Path, at: &str) -> (i32, String, String) {
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
fn refused_and_verify_fails(d: &Path, wants: &str) {
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
        snapshot::decode(&row.body, &mut |seq| {
            ledger.entry(seq).ok().flatten().map(|r| r.entry.event)
        })
        .unwrap()
    };
    let mut state = state;
    let removed = state.facts.pop_first();
    assert!(removed.is_some());
    row.body = snapshot::encode(&state).unwrap();
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
fn the_unchecked_library_append_drops_the_row_and_the_next_append_rebuilds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = with_derived(tmp.path());
    let l = d.join(L);
    {
        let ledger = Ledger::open(&l).unwrap();
        let recorder = jixiao::ledger::keys::KeyPair::read(&d.join("recorder.key")).unwrap();
        let event = common::fact("x.y", "x", "1", "个");
        ledger
            .append(&recorder.signing, vec![event], 1_677_700_000)
            .unwrap();
    }
    assert_eq!(stored_row(&l), None);
    let (code, out, err) = append_value(&d, "2023-03-02T10:00:00Z");
    assert_eq!(code, 0, "{out} {err}");
    let row = DerivedRow::from_bytes(&stored_row(&l).unwrap()).unwrap();
    assert_eq!(row.size, size(&l));
    let (_, out, _) = run(&d, "2023-03-02T11:00:00Z", &["verify", L, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["integrity"]["ok"], true, "{out}");
}

#[test]
fn known_answer_the_seed_ledgers_derived_state() {
    // The seed ledger built with the fixed keys and ledger id 0x11…, replayed whole: the
    // body's digest as docs/FORMAT.md "Derived state" gives it. (The body holds no entry hash,
    // so it does not depend on the envelope format of the entries.)
    let tmp = tempfile::tempdir().unwrap();
    let fx = jixiao::seed::write_fixture(tmp.path()).unwrap();
    let path = tmp.path().join(L);
    jixiao::seed::build(
        &path,
        &fx,
        &jixiao::seed::SeedKeys::fixed(),
        [0x11; 16],
        |_| {},
    )
    .unwrap();
    let l = Ledger::open_read(&path).unwrap();
    let checked = check_open(&l, AsOf::Latest, &[]).unwrap();
    let body = snapshot::encode(checked.state.as_ref().unwrap()).unwrap();
    assert_eq!(
        hex::encode(body_digest(&body)),
        SEED_BODY_DIGEST,
        "{} bytes",
        body.len()
    );
    assert_eq!(body.len(), SEED_BODY_LEN);
    // The envelope around a fixed body.
    let row = DerivedRow {
        size: 158,
        head: EntryHash([0x11; 32]),
        frontier: [0x22; 32],
        keys: [0x33; 32],
        body: b"jixiao".to_vec(),
    };
    let bytes = row.to_bytes();
    assert_eq!(bytes.len(), 2 + 8 + 32 * 3 + 8 + 6 + 32);
    assert_eq!(hex::encode(&bytes[bytes.len() - 32..]), ENVELOPE_DIGEST);
}

const SEED_BODY_DIGEST: &str = "d996df51dbe404c56d89cc3fc1f36147f1212d9c0fc49c8d77c1f1f2a53e50f5";
const SEED_BODY_LEN: usize = 20839;
const ENVELOPE_DIGEST: &str = "61485ad687b7333fec1560783c978f6e6501c737534513ee0973a04fc294a89f";

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

/// The figures of a scorecard, without provenance: total, grade, every node's score, every
/// finding's recomputed value.
fn figures(card: &jixiao::eval::Scorecard) -> String {
    let mut out = format!(
        "total {} exact {} grade {:?}\n",
        card.total,
        card.total_exact,
        card.grade.as_ref().map(|g| g.name.clone())
    );
    for n in &card.nodes {
        out.push_str(&format!(
            "{} {} {} {:?} {:?}\n",
            n.id, n.score, n.score_exact, n.actual, n.raw
        ));
    }
    for f in &card.findings {
        out.push_str(&format!(
            "{} {:?} {:?} {:?}\n",
            f.id, f.kind, f.recomputed, f.recomputed_exact
        ));
    }
    out
}

#[test]
fn the_score_impact_an_append_reports_is_the_score_of_the_ledger_it_leaves() {
    // The append scores without the provenance of budget sums; its figures must be those
    // `score` gives (with provenance) on the ledger after the append.
    let tmp = tempfile::tempdir().unwrap();
    let d = demo(tmp.path(), "d");
    std::fs::write(d.join("pay.csv"), payments(40)).unwrap();
    let (code, out, err) = run(
        &d,
        "2023-03-01T10:00:00Z",
        &["import", L, "pay.csv", "--key", "recorder.key"],
    );
    assert_eq!(code, 0, "{out} {err}");
    let recorder = jixiao::ledger::keys::KeyPair::read(&d.join("recorder.key")).unwrap();
    let l = d.join(L);
    for (i, event) in [
        common::budget(jixiao::model::BudgetKind::Execution, 123_456, ""),
        common::fact("x.y", "x", "1", "个"),
    ]
    .into_iter()
    .enumerate()
    {
        let done = {
            let ledger = Ledger::open_to_append(&l).unwrap();
            jixiao::append::append_checked(
                &ledger,
                &recorder.signing,
                vec![event],
                1_677_700_000 + i as i64,
                false,
                &jixiao::progress::Silent,
            )
            .unwrap()
        };
        let after = done.after.unwrap().unwrap();
        let ledger = Ledger::open_read(&l).unwrap();
        let checked = check_open(&ledger, AsOf::Latest, &[]).unwrap();
        let full = checked.scorecard.unwrap().unwrap();
        assert_eq!(figures(&after), figures(&full));
        assert!(!full.findings.is_empty());
    }
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
