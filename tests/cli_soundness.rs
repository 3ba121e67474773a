//! Soundness of the recomputation through the real binary, on the seed case (`demo --keep`):
//! amounts that would overflow a sum are refused at the door, a ledger whose history does not
//! replay can still be repaired by a retraction, the last admin cannot be revoked, and a
//! change of rule set is shown with the score it changed and never drops an adjustment
//! silently.

mod common;

use common::{Ran, Test};
use jixiao::ledger::Ledger;
use jixiao::ledger::keys::KeyPair;
use jixiao::model::{
    BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, ExpenseType, FundSource, Money,
};

/// The seed ledger, relative to the working directory of every run.
const L: &str = "d/conghua-2022.jixiao";

/// Builds the seed case (158 entries) in a fresh directory, keeping ledger, keys and fixture
/// under `d/`.
fn demo() -> Ran {
    let ran = Test::new().args(["demo", "--keep", "d"]).run();
    assert_eq!(size(&ran), 158);
    ran
}

/// Number of entries in the seed ledger.
fn size(ran: &Ran) -> u64 {
    Ledger::open_read(&ran.path(L))
        .unwrap()
        .head()
        .unwrap()
        .size
}

/// A budget CSV with one execution row per amount, all paid on 2022-05-01 (payments are
/// summed per line and day).
fn rows_csv(amounts: &[&str]) -> String {
    let mut s = String::from("fund_source,expense_type,budget_kind,amount,date,reason\n");
    for a in amounts {
        s.push_str(&format!(
            "一般公共预算,基本支出,execution,{a},2022-05-01,支付\n"
        ));
    }
    s
}

/// An execution payment of `fen` on the general-public basic line.
fn payment(fen: i64, day: u8) -> Event {
    Event::Budget(BudgetEvent {
        line: BudgetLine {
            fund_source: FundSource::GeneralPublic,
            expense_type: ExpenseType::Basic,
            project: String::new(),
        },
        kind: BudgetKind::Execution,
        amount: Money::from_fen(fen),
        date: BizDate::from_ymd(2022, 5, day).unwrap(),
        document: String::new(),
        reason: "支付".into(),
    })
}

#[test]
fn defect_4_two_huge_rows_do_not_brick_the_ledger() {
    let ran = demo();
    std::fs::write(
        ran.path("rows.csv"),
        rows_csv(&["92233720368547758.07", "0.01"]),
    )
    .unwrap();
    let ran = ran
        .then()
        .args(["import", L, "rows.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("rows.csv:2:")
        .stderr_contains("amount")
        .stderr_contains("accepted from -1000000000000.00 to 1000000000000.00 元")
        .run();
    assert_eq!(size(&ran), 158, "a refused import appended entries");
    // The ledger still takes appends and still scores.
    ran.then().args(["score", L]).stdout_contains("99.96").run();
}

#[test]
fn defect_4_amounts_just_inside_the_range_are_accepted_just_outside_refused() {
    let ran = demo();
    std::fs::write(
        ran.path("outside.csv"),
        rows_csv(&["1000", "1000000000000.01"]),
    )
    .unwrap();
    std::fs::write(
        ran.path("negative_outside.csv"),
        "fund_source,expense_type,budget_kind,amount,date,reason\n\
         一般公共预算,基本支出,reallocate,-1000000000000.01,2022-05-01,调剂\n",
    )
    .unwrap();
    std::fs::write(
        ran.path("wan_outside.csv"),
        rows_csv(&["100000000.000001万元"]),
    )
    .unwrap();
    std::fs::write(
        ran.path("inside.csv"),
        rows_csv(&["1000000000000.00", "100000000万元"]),
    )
    .unwrap();
    let ran = ran
        .then()
        .args(["import", L, "outside.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("outside.csv:3:")
        .stderr_contains("out of range")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "negative_outside.csv",
            "--key",
            "d/recorder.key",
        ])
        .status(2)
        .stderr_contains("negative_outside.csv:2:")
        .stderr_contains("out of range")
        .run();
    let ran = ran
        .then()
        .args(["import", L, "wan_outside.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("wan_outside.csv:2:")
        .run();
    let ran = ran
        .then()
        .args([
            "record",
            "budget",
            L,
            "--key",
            "d/recorder.key",
            "--fund-source",
            "一般公共预算",
            "--expense-type",
            "基本支出",
            "--kind",
            "execution",
            "--amount",
            "1000000000000.01",
            "--date",
            "2022-05-01",
            "--reason",
            "x",
        ])
        .status(2)
        .stderr_contains("--amount")
        .stderr_contains("accepted from -1000000000000.00 to 1000000000000.00 元")
        .run();
    // 28 digits overflowed the fen conversion itself (a panic before).
    std::fs::write(
        ran.path("digits.csv"),
        rows_csv(&["9999999999999999999999999999"]),
    )
    .unwrap();
    let ran = ran
        .then()
        .args(["import", L, "digits.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("digits.csv:2:")
        .stderr_contains("out of range")
        .run();
    assert_eq!(size(&ran), 158);
    let ran = ran
        .then()
        .args(["import", L, "inside.csv", "--key", "d/recorder.key"])
        .stdout_contains("appended #159..#160")
        .run();
    assert_eq!(size(&ran), 160);
    // Exit 1 only for the seed's one unacknowledged finding (growth rate 3.5% vs 3.6%).
    ran.then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("recompute ok: total 99.96")
        .stdout_contains("1 unacknowledged")
        .run();
}

#[test]
fn defect_4_a_retraction_repairs_a_ledger_whose_history_does_not_replay() {
    let ran = demo();
    // A bulk load through the unchecked library append can still record what the command
    // line refuses: two payments whose day sum overflows.
    {
        let ledger = Ledger::open(&ran.path(L)).unwrap();
        let bob = KeyPair::read(&ran.path("d/recorder.key")).unwrap();
        ledger
            .append(
                &bob.signing,
                vec![payment(i64::MAX, 1), payment(1, 1)],
                1_677_661_200,
            )
            .unwrap();
    }
    assert_eq!(size(&ran), 160);
    let ran = ran
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("the history does not replay: entry seq 160")
        .stdout_contains("overflows")
        .run();
    // Nothing but a correction is accepted meanwhile, and the refusal says why.
    let ran = ran
        .then()
        .args([
            "record",
            "value",
            L,
            "--key",
            "d/recorder.key",
            "--indicator",
            "perf.output.quality.archive_loss",
            "--value",
            "0",
            "--date",
            "2022-12-31",
        ])
        .status(2)
        .stderr_contains("does not replay")
        .stderr_contains("only corrections and retractions are accepted")
        .run();
    // A retraction still needs the right role and an existing target.
    let ran = ran
        .then()
        .args([
            "correct",
            L,
            "159",
            "--retract",
            "--reason",
            "录入错误",
            "--key",
            "d/evaluator.key",
        ])
        .status(2)
        .stderr_contains("recorder")
        .run();
    assert_eq!(size(&ran), 160);
    // Retracting the huge row (the one before the entry named) repairs it.
    let ran = ran
        .then()
        .args([
            "correct",
            L,
            "159",
            "--retract",
            "--reason",
            "录入错误:金额多录",
            "--key",
            "d/recorder.key",
        ])
        .stdout_contains("the history did not replay before this")
        .stdout_contains("appended #161")
        .stdout_contains("the history replays again")
        .run();
    // Exit 1 only for the seed's one unacknowledged finding (growth rate 3.5% vs 3.6%).
    let ran = ran
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("recompute ok: total 99.96")
        .stdout_contains("1 unacknowledged")
        .run();
    ran.then().args(["score", L]).stdout_contains("99.96").run();
}

#[test]
fn defect_8_the_last_admin_cannot_be_revoked() {
    let ran = demo();
    let revoke = |ran: Ran, key: &str, whose: &str| {
        ran.then().args([
            "revoke",
            L,
            "--key",
            key,
            "--public-key",
            whose,
            "--role",
            "admin",
            "--reason",
            "调岗",
        ])
    };
    let ran = revoke(ran, "d/admin.key", "d/admin.key.pub")
        .status(2)
        .stderr_contains("is the last admin of this ledger")
        .stderr_contains("grant another key the admin role first")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(size(&ran), 158);
    // With a second admin granted, the first may step down; the second then is the last.
    let ran = ran
        .then()
        .args([
            "grant",
            L,
            "--key",
            "d/admin.key",
            "--public-key",
            "d/auditor.key.pub",
            "--name",
            "auditor",
            "--role",
            "admin",
        ])
        .run();
    let ran = revoke(ran, "d/admin.key", "d/admin.key.pub").run();
    let ran = revoke(ran, "d/auditor.key", "d/auditor.key.pub")
        .status(2)
        .stderr_contains("is the last admin of this ledger")
        .run();
    assert_eq!(size(&ran), 160);
    ran.then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("integrity ok: 160 entries")
        .run();
}

/// The seed rule set with node `mgmt.perf.targets` (where the −0.04 adjustment sits) renamed,
/// under the same name: adopting it raises the total to 100.00.
fn renamed_rules(ran: &Ran) {
    let text = std::fs::read_to_string(ran.path("d/conghua-2022/rules.toml")).unwrap();
    let renamed = text.replace("id = \"mgmt.perf.targets\"", "id = \"mgmt.perf.goals\"");
    assert_ne!(text, renamed);
    std::fs::write(ran.path("rules2.toml"), renamed).unwrap();
}

#[test]
fn defect_8_a_second_rule_set_is_shown_with_its_score_change_and_orphans_are_findings() {
    let ran = demo();
    renamed_rules(&ran);
    let ran = ran
        .then()
        .args(["adopt", L, "rules2.toml", "--key", "d/admin.key"])
        .stdout_contains("score 99.96 → 100.00 (+0.04)")
        .run();
    let change = "total 99.96 under #5 → 100.00 under #159 (+0.04)";
    let ran = ran
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("rule set changed at #159 (2023-03-01T09:00:00Z, by admin)")
        .stdout_contains("SAME NAME, different text")
        .stdout_contains(change)
        .stdout_contains("- adjustment.158 ")
        .stdout_contains("orphaned: node `mgmt.perf.targets` is not in the rule set in force")
        .stdout_contains("the adjustment of -0.04 is not applied")
        .run();
    let ran = ran.then().args(["verify", L, "--json"]).status(1).run();
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let c = &v["recompute"]["rule_set_changes"][0];
    assert_eq!(c["previous"]["seq"], 5);
    assert_eq!(c["adopted"]["seq"], 159);
    assert_eq!(c["same_name"], true);
    assert_eq!(c["author_name"], "admin");
    assert_eq!(c["recorded_at_utc"], "2023-03-01T09:00:00Z");
    assert_eq!(
        (c["score_before"].as_str(), c["score_after"].as_str()),
        (Some("99.96"), Some("100.00"))
    );
    let orphan = v["recompute"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "adjustment.158")
        .unwrap();
    assert_eq!(orphan["kind"], "orphaned");
    assert_eq!(orphan["acknowledged"], serde_json::Value::Null);
    // Every report format shows the change and the orphaned adjustment.
    let mut ran = ran;
    for (format, wants) in [
        ("text", "评分规则变更: #159·"),
        ("md", "**评分规则变更**: #159·"),
        ("html", "<p class=\"marker\">评分规则变更: #159·"),
    ] {
        ran = ran
            .then()
            .args(["report", L, "--format", format])
            .stdout_contains(wants)
            .stdout_contains("总分 99.96 → 100.00 (+0.04)")
            .stdout_contains("adjustment.158")
            .run();
    }
    ran = ran
        .then()
        .args(["report", L, "--format", "json"])
        .stdout_contains("\"rule_set_changes\": [")
        .stdout_contains("\"score_before\": \"99.96\"")
        .stdout_contains("\"score_after\": \"100.00\"")
        .stdout_contains("\"delta\": \"+0.04\"")
        .stdout_contains("\"id\": \"adjustment.158\"")
        .stdout_contains("\"kind\": \"orphaned\"")
        .run();
    // The orphan is acknowledged like any finding, and stays listed.
    ran.then()
        .args([
            "acknowledge",
            L,
            "adjustment.158",
            "--reason",
            "新规则不再单列该指标,扣分另行认定",
            "--key",
            "d/evaluator.key",
        ])
        .run()
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("orphaned: node `mgmt.perf.targets`")
        .stdout_contains("acknowledged #160")
        .run();
}

#[test]
fn defect_4_an_append_after_which_the_history_would_not_replay_is_refused_with_file_and_line() {
    let ran = demo();
    // A correction of the adjustment (seq 158) whose replacement is an indicator value: each
    // field validates, but the replay cannot put a value in an adjustment's place.
    std::fs::write(
        ran.path("bad.toml"),
        "format = \"jixiao-events/1\"\n\n\
         [[event]]\n\
         kind = \"correction\"\n\
         supersedes = 158\n\
         reason = \"复核更正\"\n\
         replacement = { kind = \"value\", indicator = \"perf.output.quality.archive_loss\", value = \"0\", date = \"2022-12-31\" }\n",
    )
    .unwrap();
    let ran = ran
        .then()
        .args(["import", L, "bad.toml", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("bad.toml:3: event #1: after it the history would not replay")
        .stderr_contains("replaces seq 158 (a adjustment) with a value")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(size(&ran), 158);
}

/// FORMAT.md §6: a value's `evidence` names evidence entries recorded before it. Citing a
/// grant or a seq that does not exist yet is refused at the door (exit 2, the field named).
#[test]
fn defect_8_a_value_citing_a_seq_that_is_not_evidence_is_refused() {
    let ran = demo();
    let value = |evidence: &str| {
        [
            "record",
            "value",
            L,
            "--key",
            "d/recorder.key",
            "--indicator",
            "perf.output.quantity.archive",
            "--value",
            "100",
            "--date",
            "2022-12-31",
            "--evidence",
        ]
        .into_iter()
        .map(str::to_string)
        .chain([evidence.to_string()])
        .collect::<Vec<_>>()
    };
    let ran = ran
        .then()
        .args(value("2"))
        .status(2)
        .stderr_contains("field `evidence`: #2 is not an evidence entry recorded before this one")
        .run()
        .then()
        .args(value("999"))
        .status(2)
        .stderr_contains("#999 is not an evidence entry")
        .run();
    assert_eq!(size(&ran), 158);
    // #22 is the seed's evidence entry (source.txt).
    let ran = ran
        .then()
        .args(value("22"))
        .stdout_contains("appended #159")
        .run();
    assert_eq!(size(&ran), 159);
}

/// A score adjustment of 7.9 × 10^28 points was appended and then every recomputation failed
/// with an overflow. Deltas have a documented range (±1000 points, 4 decimals).
#[test]
fn defect_4_an_absurd_score_adjustment_is_refused() {
    let ran = demo();
    let adjust = |delta: &str| {
        [
            "adjust",
            L,
            "mgmt.perf.targets",
            delta,
            "--key",
            "d/evaluator.key",
            "--reason",
            "复核",
            "--basis",
            "评分细则",
        ]
        .map(str::to_string)
    };
    let ran = ran
        .then()
        .args(adjust("79228162514264337593543950335"))
        .status(2)
        .stderr_contains("field `delta`")
        .stderr_contains("accepted from -1000 to 1000 points")
        .run()
        .then()
        .args(adjust("-1000.00001"))
        .status(2)
        .stderr_contains("out of range")
        .run();
    assert_eq!(size(&ran), 158);
    let ran = ran
        .then()
        .args(adjust("-0.5"))
        .stdout_contains("appended #159")
        .run();
    assert_eq!(size(&ran), 159);
    ran.then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("recompute ok")
        .run();
}
