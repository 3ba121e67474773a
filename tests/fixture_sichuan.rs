//! fixtures/sichuan-qingshen-2023: a published 部门预算项目支出绩效自评表 (2023, 青神县发展和改革局)
//! whose indicators are two-sided (指标性质 "=") and whose 完成值 and 得分 are left blank: the
//! execution figures reproduce, the indicators are pending, and once values are recorded they
//! score by their deviation from the "=" target.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;

#[test]
fn execution_reproduces_and_blank_indicators_are_pending() {
    let card = build("sichuan-qingshen-2023", "青神县发展和改革局", 2023).card();
    assert_eq!(Built::score_of(&card, "exec"), "10.00");
    assert_eq!(card.claims_checked, 4);
    assert!(card.findings.is_empty(), "{:?}", finding_ids(&card));
    let c = card.node("output.quantity.coverage").unwrap();
    assert!(c.pending.is_some());
    assert!(card.node("total").unwrap().pending.is_some());
}

#[test]
fn recorded_values_score_by_deviation_from_the_equal_target() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture("sichuan-qingshen-2023");
    for e in std::fs::read_dir(&fx).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("05-recorder-values.toml"),
        "# role: recorder\nformat = \"jixiao-events/1\"\n\n[[event]]\nkind = \"value\"\nindicator = \"output.quantity.coverage\"\nvalue = \"100\"\ndate = \"2023-12-31\"\n\n[[event]]\nkind = \"value\"\nindicator = \"benefit.social.guarantee\"\nvalue = \"103\"\ndate = \"2023-12-31\"\n",
    )
    .unwrap();
    let b = build_dir(dir.path(), "青神县发展和改革局", 2023);
    let card = b.card();
    assert_eq!(Built::score_of(&card, "output.quantity.coverage"), "60.00");
    // 103 against = 100: 3 % off, above as much as below would be.
    let g = card.node("benefit.social.guarantee").unwrap();
    assert_eq!(g.score.to_string(), "27.00");
    assert_eq!(g.target.as_ref().unwrap().direction.as_deref(), Some("="));
    assert_eq!(card.total.to_string(), "97.00");
    let (_d, path) = b.close();
    Test::new()
        .arg("verify")
        .arg(&path)
        .stdout_contains("recompute ok: total 97.00  等级 优 = 预算执行情况 10.00 + 绩效指标 87.00")
        .run();
}
