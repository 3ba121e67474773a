//! The two axes of a point of history (docs/TIME.md) on a ledger recorded in real time: the
//! seed case's facts, recorded when a department records them — budget and targets in January
//! 2022, the mid-year monitoring in July, the rule set adopted when the finance bureau issues
//! it in January 2023, year-end values, facts and claims in 2023-01..03, the evaluator's
//! adjustment last. `--as-of 2022-12-31` must score it as `score` without a flag does;
//! `--known-at` shows it as it stood while it was being recorded.

mod time_support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use time_support::{BATCHES, build_real_time};

/// The real-time ledger, built once per run of this test binary.
fn ledger() -> &'static str {
    static L: OnceLock<PathBuf> = OnceLock::new();
    L.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("time_axes");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        build_real_time(&dir, BATCHES.len())
    })
    .to_str()
    .unwrap()
}

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
    // Exit 1 is an unacknowledged finding (the seed's growth rate), not a failure to run.
    assert!(code == 0, "jixiao {args:?}: exit {code}: {err}");
    out
}

fn score_json(extra: &[&str]) -> Value {
    let mut args = vec!["score", ledger(), "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&args)).unwrap()
}

#[test]
fn year_end_view_of_a_ledger_recorded_in_2023_equals_the_latest_view() {
    let latest = score_json(&[]);
    assert_eq!(latest["total"], "99.96");
    assert_eq!(latest["grade"]["name"], "优");
    let year_end = score_json(&["--as-of", "2022-12-31"]);
    assert_eq!(
        year_end["as_of"],
        serde_json::json!({"kind": "date", "at": "2022-12-31"})
    );
    // The same scorecard in every figure: nodes, total, grade, findings.
    for k in [
        "total",
        "grade",
        "nodes",
        "findings",
        "claims_checked",
        "rule_set",
    ] {
        assert_eq!(year_end[k], latest[k], "{k} differs as of 2022-12-31");
    }
    let f = year_end["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["id"], "budget.growth_rate");
    let node = |v: &Value, id: &str| {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()["score"]
            .clone()
    };
    assert_eq!(node(&year_end, "mgmt"), "49.96");
    assert_eq!(node(&year_end, "perf"), "50.00");
    // A date after the year (the self-evaluation is written in 2023) is the same view.
    assert_eq!(score_json(&["--as-of", "2023-03-31"])["total"], "99.96");
}

#[test]
fn the_rule_set_adopted_in_2023_scores_the_mid_year_view() {
    // The rule set was adopted on 2023-01-05; the mid-year view uses it (the rule set in
    // force now), and the statements recorded in 2023 speak of the whole year, not of June.
    let mid = score_json(&["--as-of", "2022-06-30"]);
    assert_eq!(mid["rule_set"]["seq"], 20);
    assert_eq!(mid["total"], "11.00");
    assert_eq!(mid["grade"], Value::Null, "a partial total has no grade");
    assert_eq!(mid["findings"].as_array().unwrap().len(), 0);
    assert_eq!(mid["claims_checked"], 0);
}

#[test]
fn known_at_shows_the_ledger_as_it_stood_while_being_recorded() {
    // Before the rule set was adopted nothing can be scored: exit 2, saying how to adopt one.
    let (code, _, err) = run(&["score", ledger(), "--known-at", "2022-12-31"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("jixiao adopt"), "{err}");
    // On 2023-01-31 the books were in, the indicator values not yet.
    let jan = score_json(&["--known-at", "2023-01-31"]);
    assert_eq!(jan["as_of"]["kind"], "time");
    assert_eq!(jan["as_of"]["at"], "2023-01-31T23:59:59Z");
    assert_eq!(jan["grade"], Value::Null);
    assert_ne!(jan["total"], "99.96");
    // By 2023-03-15 the claims are in but not the adjustment: full marks, and the report's
    // printed 99.96 does not reproduce yet.
    let march = score_json(&["--known-at", "2023-03-15T00:00:00Z"]);
    assert_eq!(march["total"], "100.00");
    assert_eq!(march["grade"]["name"], "优");
    let ids: Vec<&str> = march["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"score.total"), "{ids:?}");
    // A seq and the time of that entry are the same point.
    let last = march["last_seq"].as_u64().unwrap().to_string();
    let by_seq = score_json(&["--known-at", &last]);
    assert_eq!(by_seq["nodes"], march["nodes"]);
    assert_eq!(
        by_seq["as_of"],
        serde_json::json!({"kind": "seq", "at": march["last_seq"]})
    );
    // `--as-of SEQ` is still read as `--known-at SEQ`.
    assert_eq!(score_json(&["--as-of", &last])["as_of"], by_seq["as_of"]);
}

#[test]
fn both_axes_combine() {
    // As recorded by the end of January, for the period to June: the targets and the
    // monitoring only, under the rule set adopted on 2023-01-05.
    let v = score_json(&["--known-at", "2023-01-31", "--as-of", "2022-06-30"]);
    assert_eq!(
        v["as_of"],
        serde_json::json!({"kind": "date", "at": "2022-06-30",
            "known_at": {"kind": "time", "at": "2023-01-31T23:59:59Z"}})
    );
    assert_eq!(v["total"], score_json(&["--as-of", "2022-06-30"])["total"]);
    // Known by 2023-03-15, to year end: no adjustment yet.
    let w = score_json(&["--known-at", "2023-03-15", "--as-of", "2022-12-31"]);
    assert_eq!(w["total"], "100.00");
    // A seq on both flags is refused.
    let (code, _, err) = run(&["score", ledger(), "--as-of", "20", "--known-at", "30"]);
    assert_eq!(code, 2);
    assert!(err.contains("--known-at"), "{err}");
}

#[test]
fn report_in_every_format_and_trace_take_both_axes() {
    let text = ok(&["report", ledger(), "--as-of", "2022-12-31"]);
    assert!(text.contains("自评总分 99.96  等级 优"), "{text}");
    assert!(text.contains("budget.growth_rate"), "{text}");
    let md = ok(&[
        "report",
        ledger(),
        "--as-of",
        "2022-12-31",
        "--format",
        "md",
    ]);
    assert!(
        md.contains("99.96") && md.contains("budget.growth_rate"),
        "{md}"
    );
    let html = ok(&[
        "report",
        ledger(),
        "--as-of",
        "2022-12-31",
        "--format",
        "html",
    ]);
    assert!(html.contains("99.96") && html.contains("budget.growth_rate"));
    let json: Value = serde_json::from_str(&ok(&[
        "report",
        ledger(),
        "--as-of",
        "2022-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["as_of"]["at"], "2022-12-31");
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    let early = ok(&["report", ledger(), "--known-at", "2023-03-15"]);
    assert!(
        early.contains("截至: 记录至 2023-03-15T23:59:59Z"),
        "{early}"
    );
    assert!(early.contains("自评总分 100.00"), "{early}");
    let trace = ok(&["trace", ledger(), "mgmt", "--as-of", "2022-12-31"]);
    assert!(trace.contains("49.96"), "{trace}");
    let before = ok(&["trace", ledger(), "mgmt", "--known-at", "2023-03-15"]);
    assert!(
        before.contains("50.00") && !before.contains("49.96"),
        "{before}"
    );
}

#[test]
fn diff_between_points_on_either_axis() {
    let d = ok(&[
        "diff",
        ledger(),
        "--from",
        "2022-06-30",
        "--to",
        "2022-12-31",
    ]);
    assert!(d.contains("总分 11.00 → 99.96"), "{d}");
    let adj = ok(&[
        "diff",
        ledger(),
        "--from",
        "2023-03-15T00:00:00Z",
        "--to",
        "latest",
    ]);
    assert!(adj.contains("总分 100.00 → 99.96"), "{adj}");
    assert!(adj.contains("评分调整"), "{adj}");
    let (code, out, err) = run(&["diff", ledger(), "--from", "999", "--to", "latest"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("seq 999") && err.contains("#1 to #"), "{err}");
}

#[test]
fn a_report_at_both_axes_is_checked_offline_at_the_same_point() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().join("copy.jixiao");
    std::fs::copy(ledger(), &l).unwrap();
    let l = l.to_str().unwrap();
    let keys = Path::new(ledger()).parent().unwrap();
    let admin = keys.join("admin.key");
    let cp = dir.path().join("cp.txt");
    let (code, _, err) = run(&[
        "checkpoint",
        l,
        "--key",
        admin.to_str().unwrap(),
        "-o",
        cp.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("r.json");
    ok(&[
        "report",
        l,
        "--format",
        "json",
        "--with-proofs",
        "--known-at",
        "2023-03-15",
        "--as-of",
        "2022-12-31",
        "-o",
        out.to_str().unwrap(),
    ]);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(r["as_of"]["known_at"]["kind"], "time");
    assert_eq!(r["total"], "100.00");
    let checked = ok(&[
        "check-proof",
        out.to_str().unwrap(),
        "--trusted-key",
        keys.join("admin.key.pub").to_str().unwrap(),
    ]);
    assert!(checked.starts_with("report ok"), "{checked}");
    // The same report claiming another point does not check.
    let mut forged = r.clone();
    forged["as_of"]["known_at"] = serde_json::json!({"kind": "time", "at": "2023-03-31T00:00:00Z"});
    std::fs::write(&out, serde_json::to_string(&forged).unwrap()).unwrap();
    let (code, _, err) = run(&[
        "check-proof",
        out.to_str().unwrap(),
        "--trusted-key",
        keys.join("admin.key.pub").to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("$.adjustments: the report has 0 items, the ledger gives 1"),
        "{err}"
    );
}

#[test]
fn a_point_serialises_with_its_axes() {
    use jixiao::eval::{AsOf, KnownAt};
    let d: jixiao::model::BizDate = "2022-06-30".parse().unwrap();
    let j = |a: AsOf| serde_json::to_string(&a).unwrap();
    assert_eq!(AsOf::new(None, None), AsOf::Latest);
    assert_eq!(AsOf::new(Some(KnownAt::Seq(41)), None), AsOf::Seq(41));
    assert_eq!(AsOf::new(None, Some(d)), AsOf::Date(d));
    assert_eq!(
        j(AsOf::new(Some(KnownAt::Time(1_675_209_599)), None)),
        r#"{"kind":"time","at":"2023-01-31T23:59:59Z"}"#
    );
    let both = AsOf::new(Some(KnownAt::Seq(41)), Some(d));
    assert_eq!(
        j(both),
        r#"{"kind":"date","at":"2022-06-30","known_at":{"kind":"seq","at":41}}"#
    );
    assert_eq!(both.known_at(), Some(KnownAt::Seq(41)));
    assert_eq!(both.date(), Some(d));
    assert!(both.knows(41, i64::MAX) && !both.knows(42, 0));
}
