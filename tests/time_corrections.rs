//! Corrections that make sense, on the seed case recorded in real time: a retraction or
//! correction of an entry already retracted or superseded is refused naming the entry that did
//! it; an adjustment of a node with no score yet waits and says so; plausibility warnings
//! (a payment recorded twice, a line executed beyond its budget, an execution rate above 100%)
//! are shown in `score`, `verify` and the reports without failing anything.

mod time_support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use time_support::{BATCHES, build_real_time};

struct Case {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    ledger: String,
    /// Seconds after the last recorded batch, one more for each write.
    clock: std::cell::Cell<i64>,
}

impl Case {
    fn new(upto: usize) -> Case {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_path_buf();
        let ledger = build_real_time(&dir, upto).to_str().unwrap().to_string();
        Case {
            _dir: d,
            dir,
            ledger,
            clock: std::cell::Cell::new(time_support::t(time_support::LAST_RECORDED) + 86_400),
        }
    }

    fn key(&self, name: &str) -> String {
        self.dir
            .join(format!("{name}.key"))
            .to_str()
            .unwrap()
            .to_string()
    }

    /// Runs `jixiao ARGS` with the next recorded time; (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let at = self.clock.get() + 60;
        self.clock.set(at);
        let out = Command::cargo_bin("jixiao")
            .unwrap()
            .env("JIXIAO_TIME", at.to_string())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "jixiao {args:?}: {err}{out}");
        out
    }

    fn score(&self) -> Value {
        serde_json::from_str(&self.ok(&["score", &self.ledger, "--json"])).unwrap()
    }

    /// The seq of the entry of `kind` (as `log --json` names kinds) about `subject`.
    fn seq_of(&self, kind: &str, subject: &str) -> u64 {
        let out = self.ok(&["log", &self.ledger, "--json", "--subject", subject]);
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|e| e["kind"] == kind)
            .unwrap()["seq"]
            .as_u64()
            .unwrap()
    }
}

fn node<'a>(card: &'a Value, id: &str) -> &'a Value {
    card["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap()
}

#[test]
fn a_second_retraction_is_refused_with_the_seq_that_retracted_it() {
    let c = Case::new(BATCHES.len());
    let adj = c.score()["last_seq"].as_u64().unwrap().to_string();
    let eva = c.key("evaluator");
    let l = c.ledger.as_str();
    let args = [
        "correct",
        l,
        &adj,
        "--retract",
        "--reason",
        "撤回",
        "--key",
        &eva,
    ];
    c.ok(&args);
    let retraction = c.score()["last_seq"].as_u64().unwrap();
    assert_eq!(c.score()["total"], "100.00");
    let (code, _, err) = c.run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "entry #{adj} was already retracted by #{retraction}"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("correct #{adj} with a value")),
        "{err}"
    );
    // Nothing was appended.
    assert_eq!(c.score()["last_seq"].as_u64().unwrap(), retraction);
}

#[test]
fn a_correction_names_the_original_entry_and_a_retraction_one_in_effect() {
    let c = Case::new(BATCHES.len());
    let rec = c.key("recorder");
    let l = c.ledger.as_str();
    let value = c
        .seq_of("value", "perf.output.quality.archive_loss")
        .to_string();
    let fix = |seq: &str, v: &str| {
        c.run(&[
            "correct", l, seq, "--value", v, "--reason", "盘点", "--key", &rec,
        ])
    };
    assert_eq!(fix(&value, "1").0, 0);
    let first = c.score()["last_seq"].as_u64().unwrap();
    // A new value may replace it again: the latest correction is in effect.
    assert_eq!(fix(&value, "2").0, 0);
    assert_eq!(
        node(&c.score(), "perf.output.quality.archive_loss")["actual"],
        "2"
    );
    // A correction is not corrected itself: the message names the original entry.
    let f = first.to_string();
    let (code, _, err) = c.run(&[
        "correct",
        l,
        &f,
        "--retract",
        "--reason",
        "撤回",
        "--key",
        &rec,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "entry #{first} is a correction of #{value}, and corrections are not corrected themselves; correct or retract #{value}"
        )),
        "{err}"
    );
    // Retracting the original withdraws the value in effect; a second retraction is refused.
    let retract = [
        "correct",
        l,
        &value,
        "--retract",
        "--reason",
        "撤回",
        "--key",
        &rec,
    ];
    c.ok(&retract);
    let by = c.score()["last_seq"].as_u64().unwrap();
    let n = node(&c.score(), "perf.output.quality.archive_loss").clone();
    assert!(n["pending"].is_string(), "{n}");
    let (code, _, err) = c.run(&retract);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("entry #{value} was already retracted by #{by}")),
        "{err}"
    );
}

#[test]
fn an_adjustment_of_a_node_with_no_value_waits_and_says_so() {
    // The books are in; the indicator values are not.
    let c = Case::new(BATCHES.iter().position(|b| *b == "books").unwrap() + 1);
    let eva = c.key("evaluator");
    let l = c.ledger.as_str();
    c.ok(&[
        "adjust",
        l,
        "mgmt.perf.targets",
        "+1",
        "--reason",
        "先行调整",
        "--basis",
        "自评报告 三",
        "--key",
        &eva,
    ]);
    let seq = c.score()["last_seq"].as_u64().unwrap();
    let card = c.score();
    let n = node(&card, "mgmt.perf.targets");
    assert_eq!(n["score"], "0.00", "a pending node gains nothing");
    let p = n["pending"].as_str().unwrap();
    assert!(
        p.contains(&format!(
            "adjustment +1 (#{seq}) not applied until this node is scored"
        )),
        "{p}"
    );
    let text = c.ok(&["report", l]);
    assert!(
        text.contains("not applied until this node is scored"),
        "{text}"
    );
    // Once the values are recorded it applies (clamped to the weight 4: no change from 4.00).
    let rec = c.key("recorder");
    c.ok(&[
        "record",
        "value",
        l,
        "--key",
        &rec,
        "--indicator",
        "mgmt.perf.targets",
        "--value",
        "80",
        "--date",
        "2022-12-31",
    ]);
    let n = node(&c.score(), "mgmt.perf.targets").clone();
    assert_eq!(n["pending"], Value::Null);
    assert_eq!(n["before_adjustments"], "3.20");
    assert_eq!(n["score"], "4.00");
}

fn pay(c: &Case, expense: &str, amount: &str) {
    let rec = c.key("recorder");
    c.ok(&[
        "record",
        "budget",
        &c.ledger,
        "--key",
        &rec,
        "--fund-source",
        "一般公共预算",
        "--expense-type",
        expense,
        "--kind",
        "execution",
        "--amount",
        amount,
        "--date",
        "2022-11-30",
        "--reason",
        "办公用品",
    ]);
}

#[test]
fn a_payment_recorded_twice_is_a_warning_not_a_failure() {
    let c = Case::new(BATCHES.len());
    let l = c.ledger.as_str();
    let eva = c.key("evaluator");
    c.ok(&[
        "acknowledge",
        l,
        "budget.growth_rate",
        "--reason",
        "报告口径不同",
        "--key",
        &eva,
    ]);
    // Two equal payments before the year-end cumulative figure: the score does not change.
    pay(&c, "基本支出", "1000");
    let first = c.score()["last_seq"].as_u64().unwrap();
    pay(&c, "基本支出", "1000");
    let second = first + 1;
    let card = c.score();
    assert_eq!(card["total"], "99.96");
    let w = card["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["kind"], "duplicate_payment");
    assert!(
        w[0]["text"].as_str().unwrap().contains(&format!(
            "payment #{second} has the same line, date, amount and reason as #{first}"
        )),
        "{w:?}"
    );
    // verify still passes (exit 0) and shows it; so do the reports.
    let v = c.ok(&["verify", l]);
    assert!(v.contains("warnings (1, not failures"), "{v}");
    let t = c.ok(&["report", l]);
    assert!(
        t.contains("合理性提示") && t.contains(&format!("payment #{second}")),
        "{t}"
    );
    let j: Value = serde_json::from_str(&c.ok(&["report", l, "--format", "json"])).unwrap();
    assert_eq!(j["warnings"][0]["kind"], "duplicate_payment");
    // Retracting the repeat ends the warning.
    let rec = c.key("recorder");
    let s = second.to_string();
    c.ok(&[
        "correct",
        l,
        &s,
        "--retract",
        "--reason",
        "重复录入",
        "--key",
        &rec,
    ]);
    assert_eq!(c.score().get("warnings"), None);
}

#[test]
fn execution_beyond_the_budget_is_a_warning() {
    let c = Case::new(BATCHES.len());
    // A project line with no budget: executed beyond it, and the overall rate above 100%.
    pay(&c, "项目支出", "50000");
    let card = c.score();
    let kinds: Vec<&str> = card["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["execution_rate_above_100", "executed_beyond_budget"]
    );
    let w = &card["warnings"][0]["text"];
    assert!(w.as_str().unwrap().contains("100.3%"), "{w}");
    let line = &card["warnings"][1];
    assert_eq!(line["subject"], "budget:一般公共预算/项目支出");
    // The executed claim (执行数 1923.65 万元) no longer reproduces: that is a finding.
    assert!(
        card["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["subject"] == "budget.executed"),
        "{card}"
    );
    let out = c.run(&["score", &c.ledger]).1;
    assert!(out.contains("! budget.execution_rate is 100.3%"), "{out}");
}

#[test]
fn a_seq_beyond_the_ledger_is_a_usage_error_everywhere() {
    let c = Case::new(BATCHES.len());
    let l = c.ledger.as_str();
    for args in [
        vec!["diff", l, "--from", "999", "--to", "latest"],
        vec!["diff", l, "--from", "1", "--to", "999"],
        vec!["score", l, "--known-at", "999"],
        vec!["report", l, "--known-at", "999"],
        vec!["trace", l, "mgmt", "--known-at", "999"],
    ] {
        let (code, out, err) = c.run(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(
            err.contains("seq 999 is not in the ledger"),
            "{args:?}: {err}"
        );
        assert!(!out.contains("无得分变化"));
    }
}
