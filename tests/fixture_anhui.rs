//! fixtures/anhui-chizhou-2022: a published 项目支出绩效自评表 (2022, 池州市贵池区棠溪镇) in the
//! 10号文 form. Its 年度资金总额 row prints 0 0 0 · 执行率 0 · 得分 0 while its own 本年财政拨款
//! row is 90 / 89.974 / 89.974: the tool names exactly those five figures; every indicator
//! row reproduces, the 达成预期指标 rows as recorded levels.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;

fn built() -> Built {
    build("anhui-chizhou-2022", "池州市贵池区棠溪镇人民政府", 2022)
}

#[test]
fn the_total_row_departs_from_its_own_sub_row_and_nothing_else_does() {
    let card = built().card();
    assert_eq!(
        finding_ids(&card),
        [
            "total_row.executed",
            "total_row.full_year",
            "total_row.rate",
            "total_row.score",
            "total_row.year_start"
        ]
    );
    let rate = card
        .findings
        .iter()
        .find(|f| f.id == "total_row.rate")
        .unwrap();
    assert_eq!(
        (
            rate.stated.as_str(),
            rate.recomputed.unwrap().to_string().as_str()
        ),
        ("0", "100")
    );
    let full = card
        .findings
        .iter()
        .find(|f| f.id == "total_row.full_year")
        .unwrap();
    assert_eq!(full.recomputed_exact.unwrap().to_string(), "89.974");
    assert_eq!(card.claims_checked, 16);
}

#[test]
fn levels_and_quantities_score_as_printed() {
    let card = built().card();
    assert_eq!(Built::score_of(&card, "exec"), "10.00");
    assert_eq!(Built::score_of(&card, "output"), "50.00");
    assert_eq!(Built::score_of(&card, "benefit"), "30.00");
    let c = card.node("output.quality.compliance").unwrap();
    assert_eq!(c.method.as_deref(), Some("levels"));
    assert_eq!(c.level.as_deref(), Some("达成预期指标"));
    // 项目总成本 ≤90万元 with 90: at the limit, full.
    assert_eq!(Built::score_of(&card, "output.cost.total"), "8.00");
    // The 满意度 row is cut from the source: pending, so the total is partial and has no grade
    // in the reports (one total everywhere).
    let s = card.node("satisfaction.public").unwrap();
    assert!(s.pending.is_some());
    assert!(card.node("total").unwrap().pending.is_some());
    assert_eq!(card.total.to_string(), "90.00");
    assert!(
        card.node("benefit.economic")
            .unwrap()
            .not_applicable
            .is_some()
    );
}

#[test]
fn verify_names_the_rows_and_the_report_uses_the_form_title() {
    let (_dir, path) = built().close();
    let r = Test::new()
        .arg("verify")
        .arg(&path)
        .status(1)
        .stdout_contains("= 预算执行率 10.00 + 产出指标 50.00 + 效益指标 30.00 + 满意度指标 0.00")
        .stdout_contains("16 claims checked, 5 finding(s), 5 unacknowledged")
        .run();
    for id in ["total_row.year_start", "total_row.rate", "total_row.score"] {
        assert!(r.stdout.contains(id), "{id}\n{}", r.stdout);
    }
    let s = Test::new().arg("score").arg(&path).run();
    assert!(s.stdout.contains("等级 达成预期指标"), "{}", s.stdout);
    Test::new()
        .args(["report", "--format", "text", "--unverified"])
        .arg(&path)
        .stdout_contains("项目支出绩效自评表  池州市贵池区棠溪镇人民政府 2022")
        .stdout_lacks("部门整体")
        .run();
}
