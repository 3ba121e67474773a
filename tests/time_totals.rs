//! One total everywhere: a ledger whose indicator values are not recorded yet reads the same
//! partial total, with the number of indicators pending and no grade, in `score`, `verify`
//! and every report format; `log` and `verify` take the time axes; the frozen v1 ledger keeps
//! its meaning on both.

mod time_support;

use assert_cmd::Command;
use jixiao::check::check;
use jixiao::eval::{AsOf, KnownAt};
use jixiao::model::BizDate;
use serde_json::Value;
use time_support::{BATCHES, build_real_time};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "jixiao {args:?}: {err}");
    out
}

#[test]
fn a_partial_total_reads_the_same_in_every_command_and_format() {
    let dir = tempfile::tempdir().unwrap();
    // Rule set and books recorded; no indicator value yet.
    let upto = BATCHES.iter().position(|b| *b == "books").unwrap() + 1;
    let l = build_real_time(dir.path(), upto);
    let l = l.to_str().unwrap();
    let card: Value = serde_json::from_str(&ok(&["score", l, "--json"])).unwrap();
    assert_eq!(card["grade"], Value::Null);
    let total = card["total"].as_str().unwrap().to_string();
    let pending = card["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["children"].as_array().unwrap().is_empty() && n["pending"].is_string())
        .count();
    assert!(pending > 0);
    let zh = format!("{total}*  ({pending} 项指标未录入; 部分得分, 不评等级)");
    let en = format!("{total}*  ({pending} indicators pending; partial total, no grade)");

    let score = ok(&["score", l]);
    assert!(score.contains(&format!("总分 total {zh}")), "{score}");
    let text = ok(&["report", l]);
    assert!(text.contains(&format!("自评总分 {zh}")), "{text}");
    let root = text.lines().find(|s| s.starts_with("总分")).unwrap();
    assert!(root.trim_end().ends_with(&format!("{total}*")), "{root}");
    let english = ok(&["report", l, "--lang", "en"]);
    assert!(english.contains(&format!("Total score {en}")), "{english}");
    let md = ok(&["report", l, "--format", "md"]);
    assert!(
        md.contains(&format!(
            "**自评总分 {total}\\***, ({pending} 项指标未录入; 部分得分, 不评等级)"
        )),
        "{md}"
    );
    let html = ok(&["report", l, "--format", "html"]);
    assert!(
        html.contains(&format!(
            "自评总分 {total}*</strong>, ({pending} 项指标未录入; 部分得分, 不评等级)"
        )),
        "{html}"
    );
    let json: Value = serde_json::from_str(&ok(&["report", l, "--format", "json"])).unwrap();
    assert_eq!(json["total"], total.as_str());
    assert_eq!(json["grade"], Value::Null);
    let (_, verify, _) = run(&["verify", l]);
    assert!(
        verify.contains(&format!("recompute ok: total {zh}")),
        "{verify}"
    );
    let vj: Value = serde_json::from_str(&run(&["verify", l, "--json"]).1).unwrap();
    assert_eq!(vj["recompute"]["total"], total.as_str(), "{vj}");
    assert!(vj["recompute"]["grade"].is_null(), "{vj}");
    // No command shows a grade for it.
    for out in [&score, &text, &md, &html, &verify] {
        assert!(
            !out.contains("等级 差") && !out.contains("等级 优"),
            "{out}"
        );
    }
}

#[test]
fn log_and_verify_take_the_time_axes() {
    let dir = tempfile::tempdir().unwrap();
    let l = build_real_time(dir.path(), BATCHES.len());
    let l = l.to_str().unwrap();
    // Entries recorded in 2022: genesis, grants, budget, targets and the monitoring.
    let log = ok(&["log", l, "--known-at", "2022-12-31"]);
    let seqs: Vec<&str> = log.lines().filter(|s| s.starts_with('#')).collect();
    assert_eq!(seqs.len(), 19, "{log}");
    assert!(seqs.iter().all(|s| s.contains(" 2022-")), "{log}");
    let (code, _, err) = run(&["log", l, "--known-at", "999"]);
    assert_eq!(code, 2);
    assert!(err.contains("seq 999 is not in the ledger"), "{err}");
    // verify: integrity of the whole file, the recompute at the point.
    let (_, mid, _) = run(&["verify", l, "--as-of", "2022-06-30"]);
    assert!(mid.contains("recompute ok: total 11.00*"), "{mid}");
    let (_, before, _) = run(&["verify", l, "--known-at", "2023-03-15"]);
    assert!(
        before.contains("recompute ok: total 100.00  等级 优"),
        "{before}"
    );
}

#[test]
fn the_frozen_v1_ledger_keeps_its_meaning_on_both_axes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("frozen.jixiao");
    std::fs::copy("fixtures/ledgers/conghua-2022-v1.jixiao", &p).unwrap();
    let date = |s: &str| s.parse::<BizDate>().unwrap();
    let card = |a: AsOf| check(&p, a, &[]).unwrap().scorecard.unwrap().unwrap();
    let latest = card(AsOf::Latest);
    assert_eq!(latest.total.to_string(), "99.96");
    // Its statements were recorded in 2023 about 2022: the year-end view is the same.
    let year_end = card(AsOf::Date(date("2022-12-31")));
    assert_eq!(year_end.total.to_string(), "99.96");
    assert_eq!(year_end.findings.len(), 1);
    assert_eq!(year_end.findings[0].id, "budget.growth_rate");
    assert_eq!(year_end.nodes, latest.nodes);
    // The mid-year view as before: 11.00 scored so far, not graded.
    let mid = card(AsOf::Date(date("2022-06-30")));
    assert_eq!(mid.total.to_string(), "11.00");
    assert!(mid.grade.is_none());
    assert!(mid.findings.is_empty());
    // As recorded before the adjustment (2023-02-15): full marks.
    let t = time::macros::datetime!(2023-02-14 00:00 UTC).unix_timestamp();
    let before = card(AsOf::new(Some(KnownAt::Time(t)), None));
    assert_eq!(before.total.to_string(), "100.00");
    assert_eq!(card(AsOf::Seq(157)).total, before.total);
}
