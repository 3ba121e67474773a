//! Rounding policy: per-indicator and totals rounding differ by 0.01 on the same entries.

mod eval_support;
use eval_support::*;
use jixiao::eval::{AsOf, score};
use jixiao::model::Direction;

fn rules_with(when: &str) -> String {
    format!(
        r#"
name = "rounding"
[rounding]
scale = 2
mode = "half_up"
when = "{when}"
[[grade]]
min = 2.02
name = "优"
[[grade]]
min = 0
name = "差"
[[node]]
id = "total"
name = "总分"
weight = 6
[[node]]
id = "a"
parent = "total"
name = "甲"
weight = 3
input = "indicator.a"
method = "qualitative"
[[node]]
id = "b"
parent = "total"
name = "乙"
weight = 3
input = "indicator.b"
method = "qualitative"
"#
    )
}

fn card(when: &str) -> jixiao::eval::Scorecard {
    let mut l = Ledger::new();
    l.push(rules(&rules_with(when)));
    for id in ["a", "b"] {
        l.push(target(id, Direction::AtLeast, "%", "80"));
        // 3 × 33.5 / 100 = 1.005 exactly: the half-up boundary.
        l.push(value(id, "33.5"));
    }
    score(&l.replay(AsOf::Latest)).unwrap()
}

#[test]
fn per_indicator_rounds_each_leaf_before_summing() {
    let c = card("per_indicator");
    assert_eq!(c.node("a").unwrap().raw, Some(d("1.005")));
    assert_eq!(c.node("a").unwrap().score.to_string(), "1.01");
    assert_eq!(c.total.to_string(), "2.02");
    assert_eq!(c.grade.unwrap().name, "优");
}

#[test]
fn totals_sums_exactly_and_rounds_only_what_is_shown() {
    let c = card("totals");
    assert_eq!(c.node("a").unwrap().score.to_string(), "1.01");
    assert_eq!(c.node("a").unwrap().score_exact, d("1.005"));
    assert_eq!(c.total_exact, d("2.010"));
    assert_eq!(c.total.to_string(), "2.01");
    assert_eq!(
        c.grade.unwrap().name,
        "差",
        "the grade follows the policy's total"
    );
}

#[test]
fn adjustments_are_clamped_to_the_weight() {
    let mut l = Ledger::new();
    l.push(rules(&rules_with("per_indicator")));
    for id in ["a", "b"] {
        l.push(target(id, Direction::AtLeast, "%", "80"));
        l.push(value(id, "100"));
    }
    l.push(adjust("a", "0.5", "cannot exceed the weight"));
    l.push(adjust("b", "-5", "cannot go below zero"));
    let c = score(&l.replay(AsOf::Latest)).unwrap();
    assert_eq!(c.node("a").unwrap().score, d("3.00"));
    assert_eq!(c.node("b").unwrap().score, d("0.00"));
    assert_eq!(c.total, d("3.00"));
}
