//! The Conghua 2022 case, built as events in Rust, scored with the fixture rule set.

mod eval_support;
use eval_support::*;
use jixiao::eval::{AsOf, FindingKind, TargetSource, score};

#[test]
fn conghua_scores_49_96_plus_50_is_99_96_excellent() {
    let (l, s) = conghua();
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let shown = |id: &str| card.node(id).unwrap().score.to_string();
    assert_eq!(shown("mgmt"), "49.96");
    assert_eq!(shown("perf"), "50.00");
    assert_eq!(shown("total"), "99.96");
    assert_eq!(card.total.to_string(), "99.96");
    let g = card.grade.as_ref().unwrap();
    assert_eq!((g.name.as_str(), g.en.as_str()), ("优", "excellent"));
    assert_eq!(card.rule_set.seq, s.rules);
    assert_eq!(card.nodes.first().unwrap().id, "total");
    assert_eq!(card.nodes.len(), 33);

    // The adjustment sits on target quality, with its seq and reason.
    let t = card.node("mgmt.perf.targets").unwrap();
    assert_eq!(t.before_adjustments.to_string(), "4.00");
    assert_eq!(t.score.to_string(), "3.96");
    assert_eq!(t.adjustments.len(), 1);
    assert_eq!(t.adjustments[0].seq, s.adjustment);
    assert_eq!(t.adjustments[0].delta, d("-0.04"));
    assert!(t.seqs.contains(s.adjustment) && t.seqs.contains(s.targets_value));
    // ... and propagates to the parents' provenance.
    assert!(card.node("mgmt").unwrap().seqs.contains(s.adjustment));
    assert!(card.node("total").unwrap().seqs.contains(s.adjustment));
    assert!(!card.node("perf").unwrap().seqs.contains(s.adjustment));
}

#[test]
fn every_leaf_shows_method_input_target_and_sources() {
    let (l, s) = conghua();
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let archive = card.node("perf.output.quantity.archive").unwrap();
    assert_eq!(archive.method.as_deref(), Some("ratio_higher"));
    assert_eq!(
        archive.input.as_deref(),
        Some("indicator.perf.output.quantity.archive")
    );
    let target = archive.target.as_ref().unwrap();
    assert_eq!(target.source, TargetSource::Recorded);
    assert_eq!(target.seq, Some(s.archive_target));
    assert_eq!(target.value, d("100"));
    assert_eq!(archive.actual, Some(d("100")));
    assert!(archive.seqs.contains(s.archive_value) && archive.seqs.contains(s.archive_target));

    let monitoring = card.node("mgmt.perf.monitoring").unwrap();
    assert_eq!(
        monitoring.target.as_ref().unwrap().source,
        TargetSource::Rule
    );

    // Execution rate: the June cumulative figure replaced the March payment.
    let rate = card.node("mgmt.exec.rate").unwrap();
    assert_eq!(rate.actual, Some(d("1")));
    assert_eq!(rate.score.to_string(), "8.00");
    assert!(rate.seqs.contains(s.cumulative_june));
    assert!(rate.seqs.contains(s.payment_dec));
    assert!(rate.seqs.contains(s.year_start_staff));
    assert!(
        !rate.seqs.contains(s.cumulative_june - 1),
        "the replaced March payment is not a source"
    );

    for n in card.nodes.iter().filter(|n| n.children.is_empty()) {
        assert!(
            n.method.is_some() && n.input.is_some() && n.actual.is_some(),
            "{}",
            n.id
        );
        assert!(!n.seqs.is_empty(), "{} has no sources", n.id);
    }
}

#[test]
fn the_stated_growth_rate_does_not_reproduce_and_is_a_finding() {
    let (l, s) = conghua();
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    assert_eq!(card.claims_checked, 9);
    let ids: Vec<&str> = card.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["budget.growth"], "only the growth rate differs");
    let f = &card.findings[0];
    assert_eq!(f.kind, FindingKind::Mismatch);
    assert_eq!(f.claim_seq, s.growth_claim);
    assert_eq!(f.stated, "3.5");
    // 67.26 / 1856.39 = 3.6231...%
    assert_eq!(f.recomputed, Some(d("3.6")));
    assert!(
        f.recomputed_exact
            .unwrap()
            .to_string()
            .starts_with("3.6231")
    );
    assert!(
        f.definition
            .contains("growth_rate = (full_year − prior_full_year) / prior_full_year"),
        "{}",
        f.definition
    );
    assert!(f.definition.contains("× 100"));
    assert!(f.input_seqs.contains(s.year_start_staff));
    assert!(f.acknowledged.is_none());
}

#[test]
fn an_acknowledged_finding_stays_listed_and_is_marked() {
    let (mut l, _) = conghua();
    let a = l.push(ack("budget.growth", "报告按四舍五入前口径填列"));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    assert_eq!(card.findings.len(), 1);
    let ackd = card.findings[0].acknowledged.as_ref().unwrap();
    assert_eq!(ackd.seq, a);
    assert_eq!(ackd.reason, "报告按四舍五入前口径填列");
}

#[test]
fn scorecard_json_uses_exact_decimal_strings() {
    let (l, _) = conghua();
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let v: serde_json::Value = serde_json::to_value(&card).unwrap();
    assert_eq!(v["total"], "99.96");
    assert_eq!(v["grade"]["name"], "优");
    assert_eq!(v["rounding"]["when"], "per_indicator");
    assert_eq!(v["as_of"]["kind"], "latest");
    assert_eq!(v["nodes"][0]["id"], "total");
    assert_eq!(v["findings"][0]["kind"], "mismatch");
    assert!(v["nodes"][0]["seqs"].is_array());
}

#[test]
fn as_of_serialises_with_a_kind_and_a_readable_point() {
    let j = |a: AsOf| serde_json::to_string(&a).unwrap();
    assert_eq!(j(AsOf::Latest), r#"{"kind":"latest"}"#);
    assert_eq!(j(AsOf::Seq(41)), r#"{"kind":"seq","at":41}"#);
    assert_eq!(
        j(AsOf::Date(date("2022-06-30"))),
        r#"{"kind":"date","at":"2022-06-30"}"#
    );
}
