//! fixtures/hunan-yueyang-2018: the published 部门整体支出绩效评价评分表 of 岳阳市审计局 (2018),
//! Hunan's 参考样表. Every printed 评分标准 is stated in the rule language (per-point
//! deductions beyond a limit, bands, a checklist with and one without an item list, 结余 against
//! 上年结转); with inputs at the edge of each stated band, every printed score reproduces.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;

fn built() -> Built {
    build("hunan-yueyang-2018", "岳阳市审计局", 2018)
}

#[test]
fn every_printed_score_reproduces_and_the_cut_rows_are_pending() {
    let card = built().card();
    assert!(card.findings.is_empty(), "{:?}", finding_ids(&card));
    assert_eq!(card.claims_checked, 9);
    assert_eq!(Built::score_of(&card, "input"), "15.00");
    assert_eq!(Built::score_of(&card, "process.exec"), "14.00");
    assert_eq!(Built::score_of(&card, "process.exec.balance"), "2.00");
    assert_eq!(card.total.to_string(), "35.00");
    assert!(card.node("rest").unwrap().pending.is_some());
    let staff = card.node("input.alloc.staff").unwrap();
    assert_eq!(staff.method.as_deref(), Some("beyond_limit"));
    assert_eq!(staff.actual.unwrap().to_string(), "1");
}

#[test]
fn one_point_over_a_limit_costs_what_the_table_says() {
    // The same rule set with the staff rate one point over and 结余 above the carry-in.
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture("hunan-yueyang-2018");
    for e in std::fs::read_dir(&fx).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("05-recorder-later.toml"),
        r#"# role: recorder
format = "jixiao-events/1"

[[event]]
kind = "fact"
key = "staff.actual"
name = "在职人员数"
value = "51"
unit = "人"
date = "2018-12-31"
source = "test"

[[event]]
kind = "fact"
key = "balance.amount"
name = "年末结余"
value = "5.01"
unit = "万元"
date = "2018-12-31"
source = "test"
"#,
    )
    .unwrap();
    let card = build_dir(dir.path(), "岳阳市审计局", 2018).card();
    // 51 / 50 = 102 %: two points over, 2 × 0.5 deducted.
    assert_eq!(Built::score_of(&card, "input.alloc.staff"), "4.00");
    assert_eq!(Built::score_of(&card, "process.exec.balance"), "0.00");
    assert_eq!(
        finding_ids(&card),
        ["score.input.alloc.staff", "score.process.exec.balance"]
    );
}

#[test]
fn verify_and_score_name_the_forms_own_top_nodes() {
    let (_dir, path) = built().close();
    Test::new()
        .arg("verify")
        .arg(&path)
        .stdout_contains("= 投入 15.00 + 过程 20.00 + 产出、效果 (not in the excerpt) 0.00")
        .stdout_contains("9 claims checked, 0 finding(s)")
        .stdout_lacks("管理效能")
        .run();
    Test::new()
        .arg("score")
        .arg(&path)
        .stdout_contains("财政供养人员控制率")
        .stdout_contains("资金结余")
        .run();
}
