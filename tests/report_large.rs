//! Reports stay readable whatever the ledger's size: the seed ledger plus thousands of
//! payments on three budget lines (dates across the year, appended through the library
//! without CLI validation) renders to the same size at 5,000 and 20,000 payments in every
//! format, because figures built from more than 20 entries cite them as one range per kind
//! and budget line; `--citations all` still lists every seq; `check-proof` passes honest
//! reports in both modes and refuses a forged group count or sum.

mod common;

use common::bin;
use jixiao::check::check_open;
use jixiao::eval::AsOf;
use jixiao::ledger::Ledger;
use jixiao::model::{
    BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, ExpenseType, FundSource, Money,
};
use jixiao::report::{
    Citations, ReportModel, render_html, render_json, render_markdown, render_text,
};
use jixiao::seed::{SeedKeys, build, write_fixture};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const LINES: [(FundSource, ExpenseType, &str); 3] = [
    (FundSource::GeneralPublic, ExpenseType::BasicStaff, ""),
    (FundSource::GeneralPublic, ExpenseType::BasicRunning, ""),
    (
        FundSource::GovernmentFund,
        ExpenseType::Project,
        "P-2022-07",
    ),
];

/// The seed ledger (fixed keys) plus `n` payments round-robin on [`LINES`], in batches of
/// 5,000, dates spread over 2022; the keys are written next to it.
fn ledger(dir: &Path, n: u64) -> PathBuf {
    let fx = write_fixture(dir).unwrap();
    let path = dir.join("big.jixiao");
    let keys = SeedKeys::fixed();
    build(&path, &fx, &keys, [0x22; 16], |_| {}).unwrap();
    keys.admin.write(&dir.join("admin.key")).unwrap();
    let l = Ledger::open(&path).unwrap();
    let mut i = 0;
    while i < n {
        let batch = (i..(i + 5000).min(n))
            .map(|k| {
                let (fund_source, expense_type, project) = LINES[(k % 3) as usize];
                let month = u8::try_from(1 + k * 12 / n).unwrap();
                let day = u8::try_from(1 + k % 28).unwrap();
                Event::Budget(BudgetEvent {
                    line: BudgetLine {
                        fund_source,
                        expense_type,
                        project: project.into(),
                    },
                    kind: BudgetKind::Execution,
                    // The same 1万元 in total whatever `n`, so that no figure changes but its citations.
                    amount: Money::from_fen(1_000_000 / i64::try_from(n).unwrap()),
                    date: BizDate::from_ymd(2022, month, day).unwrap(),
                    document: String::new(),
                    reason: format!("付款{k}"),
                })
            })
            .collect();
        // After the seed's last entry (2023-02-15): recorded times never go backwards.
        l.append(&keys.recorder.signing, batch, 1_677_000_000)
            .unwrap();
        i += 5000;
    }
    path
}

fn reports(path: &Path, c: Citations) -> [String; 4] {
    let l = Ledger::open_read(path).unwrap();
    let size = l.head().unwrap().size;
    let checked = check_open(&l, AsOf::Latest, &[size]).unwrap();
    assert!(checked.integrity.is_ok());
    let m = ReportModel::build(&l, &checked, jixiao::report::Lang::Zh, c);
    [
        render_text(&m),
        render_markdown(&m),
        render_json(&m),
        render_html(&m),
    ]
}

fn jixiao(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .current_dir(dir)
        .env_remove("JIXIAO_KEY")
        .env("JIXIAO_TIME", "2023-03-01T09:00:00Z")
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = jixiao(dir, args);
    assert!(
        out.status.success(),
        "jixiao {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reports_do_not_grow_with_the_ledger_and_all_lists_every_seq() {
    let small = tempfile::tempdir().unwrap();
    let large = tempfile::tempdir().unwrap();
    let a = reports(&ledger(small.path(), 5_000), Citations::Bounded);
    let b = reports(&ledger(large.path(), 20_000), Citations::Bounded);
    for (i, name) in ["text", "md", "json", "html"].iter().enumerate() {
        let (x, y) = (a[i].len(), b[i].len());
        // Only the digits of seqs, counts and sums differ.
        assert!(x.abs_diff(y) < 400, "{name}: {x} bytes at 5k, {y} at 20k");
        assert!(y < 120_000, "{name}: {y} bytes");
    }
    let json: Value = serde_json::from_str(&b[2]).unwrap();
    assert_eq!(json["citations"], "bounded");
    let executed = json["budget"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "executed")
        .unwrap();
    let groups: Vec<&Value> = executed["cites"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.get("group"))
        .collect();
    assert_eq!(groups.len(), 3, "{executed}");
    let counted: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 20_000);
    assert!(
        groups
            .iter()
            .any(|g| g["subject"] == "budget:政府性基金/项目支出/P-2022-07")
    );
    let evidence = json["evidence"].as_array().unwrap().len();
    assert!(evidence < 200, "{evidence} evidence rows");
    assert!(b[0].contains("jixiao log LEDGER --subject budget:一般公共预算/人员经费"));
    assert!(b[3].contains("<tr id=\"g1\">"));

    // `--citations all`: every payment is cited by the executed figure and in the evidence.
    let all = reports(
        &ledger(small.path().join("all").as_path(), 5_000),
        Citations::All,
    );
    let json: Value = serde_json::from_str(&all[2]).unwrap();
    assert_eq!(json["citations"], "all");
    let executed = json["budget"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "executed")
        .unwrap();
    let seqs: Vec<u64> = executed["cites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    let payments: Vec<u64> = (159..159 + 5_000).collect();
    assert!(payments.iter().all(|q| seqs.binary_search(q).is_ok()));
    let evidence: Vec<u64> = json["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert!(payments.iter().all(|q| evidence.binary_search(q).is_ok()));
    assert!(json["evidence_groups"].as_array().unwrap().is_empty());

    // `log --subject budget:LINE` lists that line's entries.
    let p = large.path().join("big.jixiao");
    let log = ok(
        large.path(),
        &[
            "log",
            p.to_str().unwrap(),
            "--subject",
            "budget:政府性基金/项目支出/P-2022-07",
        ],
    );
    assert_eq!(log.lines().count(), 20_000 / 3);
    assert!(
        log.lines()
            .all(|l| l.contains("政府性基金/项目支出/P-2022-07"))
    );

    // `trace` and `diff` cite the same way, bounded unless `--citations all`.
    let ledger = p.to_str().unwrap();
    for args in [
        vec!["trace", ledger, "mgmt"],
        vec!["diff", ledger, "--from", "2022-06-30", "--to", "latest"],
    ] {
        let bounded = ok(large.path(), &args);
        let all = ok(
            large.path(),
            &[args.clone(), vec!["--citations", "all"]].concat(),
        );
        assert!(bounded.len() < 20_000, "{args:?}: {} bytes", bounded.len());
        assert!(
            bounded.contains("--subject budget:一般公共预算/公用经费"),
            "{bounded}"
        );
        assert!(all.contains("#20158·") && !all.contains("--subject budget:"));
    }
}

#[test]
fn check_proof_passes_honest_bounded_and_full_reports_and_refuses_forged_groups() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let l = ledger(d, 3_000);
    let l = l.to_str().unwrap();
    ok(d, &["checkpoint", l, "--key", "admin.key"]);
    for mode in ["bounded", "all"] {
        let out = format!("r-{mode}.json");
        ok(
            d,
            &[
                "report",
                l,
                "--format",
                "json",
                "--with-proofs",
                "--citations",
                mode,
                "-o",
                &out,
            ],
        );
        ok(d, &["check-proof", &out, "--trusted-key", "admin.key.pub"]);
    }
    let honest: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r-bounded.json")).unwrap()).unwrap();
    let at = honest["budget"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["key"] == "executed")
        .unwrap();
    let forge = |field: &str, value: Value, expect: &str| {
        let mut doc = honest.clone();
        let cites = doc["budget"][at]["cites"].as_array_mut().unwrap();
        let i = cites.iter().position(|c| c.get("group").is_some()).unwrap();
        cites[i]["group"][field] = value;
        std::fs::write(d.join("forged.json"), serde_json::to_string(&doc).unwrap()).unwrap();
        let out = jixiao(
            d,
            &[
                "check-proof",
                "forged.json",
                "--trusted-key",
                "admin.key.pub",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "$.budget[{at}].cites[{i}].group.{field}: the report says {expect}"
            )),
            "{err}"
        );
    };
    forge("count", Value::from(999), "999");
    forge("sum", Value::from("1.00"), "\"1.00\"");
    // Claiming the full list for a bounded report is refused too.
    let mut doc = honest.clone();
    doc["citations"] = Value::from("all");
    std::fs::write(d.join("forged.json"), serde_json::to_string(&doc).unwrap()).unwrap();
    let out = jixiao(
        d,
        &[
            "check-proof",
            "forged.json",
            "--trusted-key",
            "admin.key.pub",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Grouping that takes the replay's plain payment sums whole (`Entries::knowing`) cites
/// exactly what grouping entry by entry cites: the same singles and the same groups (range,
/// count, Σ), for a figure of all payments, of half the year, and of days a correction
/// touched (a retraction and a changed amount).
#[test]
fn grouping_from_the_replays_sums_equals_grouping_entry_by_entry() {
    use jixiao::eval::SeqSet;
    use jixiao::model::{Correction, Role};
    use jixiao::report::Entries;
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), 3000);
    let keys = SeedKeys::fixed();
    let l = Ledger::open(&path).unwrap();
    let first_payment = l.head().unwrap().size - 2999;
    let changed = |seq: u64| {
        let Some(r) = l.entry(seq).unwrap() else {
            panic!("no entry {seq}")
        };
        let Event::Budget(mut b) = r.entry.event else {
            panic!("not a payment")
        };
        b.amount = Money::from_fen(b.amount.fen() + 77);
        Event::Budget(b)
    };
    let fixes = vec![
        Event::Correction(Correction {
            supersedes: first_payment + 10,
            reason: "重复录入".into(),
            replacement: None,
            retracted_kind_role: Role::Recorder,
        }),
        Event::Correction(Correction {
            supersedes: first_payment + 20,
            reason: "金额有误".into(),
            replacement: Some(Box::new(changed(first_payment + 20))),
            retracted_kind_role: Role::Recorder,
        }),
    ];
    l.append(&keys.recorder.signing, fixes, 1_677_000_100)
        .unwrap();
    drop(l);
    let l = Ledger::open_read(&path).unwrap();
    let size = l.head().unwrap().size;
    let checked = check_open(&l, AsOf::Latest, &[size]).unwrap();
    let state = checked.state.as_ref().unwrap();
    let days: Vec<_> = state
        .budget
        .values()
        .flat_map(|t| t.payments.iter())
        .collect();
    let all = SeqSet::union_of(days.iter().map(|(_, s)| &s.seqs));
    let half = SeqSet::union_of(
        days.iter()
            .filter(|(d, _)| d.0.month() as u8 <= 6)
            .map(|(_, s)| &s.seqs),
    );
    // The days the corrections touched, and the second half of the year.
    let touched = SeqSet::union_of(
        days.iter()
            .filter(|(d, s)| {
                s.seqs.contains(size - 1) || s.seqs.contains(size) || d.0.month() as u8 > 6
            })
            .map(|(_, s)| &s.seqs),
    );
    let mut with_rules = all.clone();
    with_rules.extend(&SeqSet::of(1..=40));
    assert!(touched.contains(size) && touched.contains(size - 1));
    for (name, set) in [
        ("all", &all),
        ("half", &half),
        ("touched", &touched),
        ("all and the seed's first entries", &with_rules),
    ] {
        let slow = Entries::new(&l).citing(Citations::Bounded).split(set);
        let fast = Entries::new(&l)
            .citing(Citations::Bounded)
            .knowing(state)
            .split(set);
        assert_eq!(slow, fast, "{name}");
        assert!(!fast.1.is_empty(), "{name}: grouped");
    }
}
