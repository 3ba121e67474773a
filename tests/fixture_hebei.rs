//! fixtures/hebei-langfang-2019: a published 项目支出绩效自评表 (2019, 廊坊市食品工程学校) in the
//! 10号文 form. It reproduces at its printed precision: the execution row and the first output
//! row score 37.24 / 43.2 × 10 = 8.62 by the form's proportional rule, printed as 9 (whole
//! points); every other row is full.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;

fn built() -> Built {
    build("hebei-langfang-2019", "廊坊市食品工程学校", 2019)
}

#[test]
fn every_printed_row_reproduces_at_its_precision() {
    let b = built();
    let card = b.card();
    assert_eq!(Built::score_of(&card, "exec"), "8.62");
    assert_eq!(Built::score_of(&card, "output.quantity.funds"), "8.62");
    assert_eq!(Built::score_of(&card, "output"), "48.62");
    assert_eq!(Built::score_of(&card, "benefit"), "30.00");
    assert_eq!(card.total.to_string(), "97.24");
    assert_eq!(card.claims_checked, 11);
    assert!(card.findings.is_empty(), "{:?}", finding_ids(&card));
    let funds = card.node("output.quantity.funds").unwrap();
    assert_eq!(funds.actual.unwrap().to_string(), "37.24");
    assert_eq!(funds.target.as_ref().unwrap().value.to_string(), "43.2");
}

#[test]
fn the_blank_ecological_row_is_not_applicable_and_said_so() {
    let card = built().card();
    let eco = card.node("benefit.ecological").unwrap();
    assert!(eco.not_applicable.is_some());
    let notes = jixiao::eval::scoring_notes(&card);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("生态效益指标") && n.contains("不适用")),
        "{notes:?}"
    );
}

#[test]
fn verify_and_score_on_the_command_line() {
    let (_dir, path) = built().close();
    let r = Test::new()
        .arg("verify")
        .arg(&path)
        .stdout_contains("recompute ok: total 97.24  等级 优 = 预算执行率 8.62 + 产出指标 48.62 + 效益指标 30.00 + 满意度指标 10.00")
        .stdout_contains("11 claims checked, 0 finding(s)")
        .run();
    assert!(!r.stdout.contains("管理效能"), "{}", r.stdout);
    Test::new()
        .args(["report", "--format", "text"])
        .arg(&path)
        .stdout_contains("项目支出绩效自评表  廊坊市食品工程学校 2019")
        .stdout_contains("一、绩效指标")
        .run();
}

#[test]
fn score_prints_the_form_rows() {
    let (_dir, path) = built().close();
    let r = Test::new().arg("score").arg(&path).run();
    assert!(r.stdout.contains("工程资金金额"), "{}", r.stdout);
    assert!(r.stdout.contains("8.62"), "{}", r.stdout);
    assert!(r.stdout.contains("97.24"), "{}", r.stdout);
    println!("{}", r.stdout);
}
