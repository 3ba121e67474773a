//! fixtures/chongqing-kexuecheng-2021: a published Chongqing 部门整体绩效自评表 (2021, 西部(重庆)
//! 科学城融媒体中心) whose every row prints a 得分系数. Its 政府采购执行率 row prints 得分系数 100 %
//! and the full 2 points for 72.74 % against a target of 100 %: by the form's own rule (系数 =
//! 完成值 / 指标值) that is 72.74 %, 1.45 points. The tool names exactly that row; every other
//! recorded row, and the execution score 76 % × 10 = 7.6, reproduce.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;

fn built() -> Built {
    build(
        "chongqing-kexuecheng-2021",
        "西部(重庆)科学城融媒体中心",
        2021,
    )
}

#[test]
fn only_the_procurement_row_departs_from_the_forms_rule() {
    let card = built().card();
    assert_eq!(card.claims_checked, 29);
    assert_eq!(
        finding_ids(&card),
        ["coefficient.q.procurement", "score.q.procurement"]
    );
    let coef = card
        .findings
        .iter()
        .find(|f| f.id == "coefficient.q.procurement")
        .unwrap();
    assert_eq!(coef.stated, "100");
    assert_eq!(coef.recomputed.unwrap().to_string(), "73");
    assert!(
        coef.definition.contains("/ its weight 2"),
        "{}",
        coef.definition
    );
    assert_eq!(Built::score_of(&card, "q.procurement"), "1.45");
    assert_eq!(Built::score_of(&card, "exec"), "7.60");
    // ≤ rows at or under their 指标值 are full; 定性 rows at the level reached.
    assert_eq!(Built::score_of(&card, "q.staff_control"), "2.00");
    assert_eq!(
        card.node("m.compliance").unwrap().level.as_deref(),
        Some("好")
    );
}

#[test]
fn verify_names_the_row_with_its_definition() {
    let (_dir, path) = built().close();
    let r = Test::new()
        .arg("verify")
        .arg(&path)
        .status(1)
        .stdout_contains("29 claims checked, 2 finding(s), 2 unacknowledged")
        .stdout_contains("= 部门预算执行情况 7.60 + 绩效指标")
        .run();
    assert!(
        r.stdout.contains("coefficient.q.procurement"),
        "{}",
        r.stdout
    );
}
