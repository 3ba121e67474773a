//! The derived state (docs/FORMAT.md "Derived state"): written with every checked append and
//! continued from by the next one; an append that continues from it answers exactly as one
//! that verifies and replays the whole ledger; its known-answer vectors.

mod common;
mod derived_support;

use derived_support::*;
use jixiao::check::check_open;
use jixiao::eval::AsOf;
use jixiao::eval::snapshot::{self, body_digest};
use jixiao::ledger::{DerivedRow, EntryHash, Ledger};

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
    let enc = snapshot::encode(checked.state.as_ref().unwrap()).unwrap();
    assert_eq!(kept.body, enc.body);
    assert_eq!(kept.size, size(&fl));
    // Its day rows too, every one of them (the appends wrote only the days they touched).
    let stored_days: Vec<_> = l.derived_days(None).unwrap().into_iter().collect();
    assert!(stored_days.len() > 5, "{} day rows", stored_days.len());
    assert_eq!(stored_days, enc.days);
    // And it decodes to a state that encodes to the same bytes.
    let days = l.derived_days(None).unwrap();
    let decoded = snapshot::decode(
        &kept.body,
        &mut |seq| l.entry(seq).ok().flatten().map(|r| r.entry.event),
        &mut |k| Ok(days.get(k).cloned()),
        snapshot::Days::All,
    )
    .unwrap();
    assert_eq!(snapshot::encode(&decoded).unwrap(), enc);
    // Both ledgers verify (exit 1 only for the seed's unacknowledged findings, as before).
    for d in [&fast, &full] {
        let (code, out, err) = run(d, "2023-03-01T12:00:00Z", &["verify", L, "--json"]);
        let doc: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
        assert_eq!(doc["integrity"]["ok"], true, "{out}");
        assert!(code == 0 || code == 1, "{code} {err}");
    }
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
    let state = checked.state.as_ref().unwrap();
    // Layout 1 (an earlier build's rows, still compared by verify): unchanged.
    let inline = snapshot::encode_inline(state).unwrap();
    assert_eq!(
        hex::encode(body_digest(&inline)),
        SEED_BODY_DIGEST,
        "{} bytes",
        inline.len()
    );
    assert_eq!(inline.len(), SEED_BODY_LEN);
    // Layout 2: the body (the seed records no payments, so it has no day rows), and the
    // key, value and digest of a fixed day row.
    let enc = snapshot::encode(state).unwrap();
    assert!(enc.days.is_empty());
    assert_eq!(
        (hex::encode(body_digest(&enc.body)).as_str(), enc.body.len()),
        SEED_V2
    );
    let line = jixiao::model::BudgetLine {
        fund_source: jixiao::model::FundSource::GeneralPublic,
        expense_type: jixiao::model::ExpenseType::Basic,
        project: String::new(),
    };
    let key = snapshot::day_key(
        &line,
        jixiao::model::BizDate::from_ymd(2022, 3, 15).unwrap(),
    );
    let value = jixiao::eval::SeqSet::of([159, 161, 200]).canonical_bytes();
    assert_eq!(
        (
            hex::encode(&key).as_str(),
            hex::encode(&value).as_str(),
            hex::encode(snapshot::day_digest(&key, &value)).as_str(),
        ),
        DAY_VECTOR
    );
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
/// Layout 2 of the same state: body digest and length.
const SEED_V2: (&str, usize) = (
    "d4974a61b9df18f65d664dda4515ca7f2f3f6a3120340facd9bdec93a9ed13bf",
    20839,
);
/// The day row of 一般公共预算/基本支出 on 2022-03-15 holding seqs 159, 161 and 200: key,
/// value, digest.
const DAY_VECTOR: (&str, &str, &str) = (
    "000000cc1f030f",
    "0000000016000000000000003a3000000100000000000200100000009f00a100c800",
    "e1bb131004f7200d95c4f200400684fa",
);
const ENVELOPE_DIGEST: &str = "61485ad687b7333fec1560783c978f6e6501c737534513ee0973a04fc294a89f";

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
