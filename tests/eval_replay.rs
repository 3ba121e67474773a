//! Replay: determinism, as-of views, corrections and their trail, typed errors.

mod eval_support;
use eval_support::*;
use jixiao::eval::State;
use jixiao::eval::{AsOf, EvalError, FindingKind, Replay, score};
use jixiao::model::{BudgetEvent, BudgetKind, Event, ExpenseType, Money};

#[test]
fn replay_is_deterministic() {
    let (l, _) = conghua();
    let a = l.replay(AsOf::Latest);
    let b = l.replay(AsOf::Latest);
    assert_eq!(a, b);
    let ja = serde_json::to_string(&score(&a).unwrap()).unwrap();
    let jb = serde_json::to_string(&score(&b).unwrap()).unwrap();
    assert_eq!(ja, jb);
}

#[test]
fn as_of_seq_n_equals_replaying_the_first_n_entries() {
    let (l, _) = conghua();
    let total = l.entries.len() as u64;
    for n in 1..=total {
        let mut as_of = l.replay(AsOf::Seq(n));
        let mut prefix = replay(&l.entries[..n as usize], AsOf::Latest);
        assert_eq!(as_of.last_seq, Some(n));
        as_of.as_of = AsOf::Latest;
        prefix.as_of = AsOf::Latest;
        assert_eq!(as_of, prefix, "as of seq {n}");
    }
    // Before the rule set there is nothing to score with.
    assert_eq!(
        score(&l.replay(AsOf::Seq(1))).unwrap_err(),
        EvalError::NoRuleSet
    );
}

#[test]
fn a_correction_changes_the_score_and_the_trail_keeps_both_values() {
    let (mut l, s) = conghua();
    let before = score(&l.replay(AsOf::Latest)).unwrap();
    assert_eq!(
        before.node("perf.output.quantity.archive").unwrap().score,
        d("6.00")
    );
    let c = l.push(correct(
        s.archive_value,
        Some(value("perf.output.quantity.archive", "50")),
        "数字化加工量按验收单重新核定",
    ));
    let state = l.replay(AsOf::Latest);
    let after = score(&state).unwrap();
    let node = after.node("perf.output.quantity.archive").unwrap();
    assert_eq!(node.actual, Some(d("50")));
    assert_eq!(node.score, d("3.00"));
    assert_eq!(after.total, d("96.96"));
    assert_eq!(after.grade.as_ref().unwrap().name, "优");
    assert!(node.seqs.contains(s.archive_value) && node.seqs.contains(c));

    assert_eq!(state.corrections.len(), 1);
    let t = &state.corrections[0];
    assert_eq!(
        (t.correction_seq, t.superseded, t.slot),
        (c, s.archive_value, s.archive_value)
    );
    assert_eq!(t.kind, "value");
    assert_eq!(t.reason, "数字化加工量按验收单重新核定");
    assert!(
        t.old_value
            .as_deref()
            .unwrap()
            .contains("perf.output.quantity.archive = 100 ")
    );
    assert!(
        t.new_value
            .as_deref()
            .unwrap()
            .contains("perf.output.quantity.archive = 50 ")
    );

    // The replacement holds the superseded entry's place.
    let h = &state.values["perf.output.quantity.archive"];
    assert_eq!(h.entries.len(), 1);
    assert_eq!(h.entries[0].seq, s.archive_value);
    assert_eq!(h.entries[0].corrected_by, vec![c]);

    // Correcting the correction targets the same place.
    let c2 = l.push(correct(
        c,
        Some(value("perf.output.quantity.archive", "90")),
        "再次核定",
    ));
    let state = l.replay(AsOf::Latest);
    let card = score(&state).unwrap();
    assert_eq!(
        card.node("perf.output.quantity.archive").unwrap().score,
        d("5.40")
    );
    assert_eq!(state.corrections[1].slot, s.archive_value);
    assert_eq!(
        state.values["perf.output.quantity.archive"].entries[0].corrected_by,
        vec![c, c2]
    );
}

#[test]
fn a_retracted_payment_stops_counting() {
    let (mut l, s) = conghua();
    let c = l.push(correct(s.payment_dec, None, "重复录入"));
    let state = l.replay(AsOf::Latest);
    let card = score(&state).unwrap();
    let rate = card.node("mgmt.exec.rate").unwrap();
    // executed 1700万 of 1923.65万 = 88.37%: 3 started 5% steps below 100% → 8 − 6 = 2.
    assert_eq!(rate.actual.unwrap().round_dp(4), d("0.8837"));
    assert_eq!(rate.score, d("2.00"));
    assert!(!rate.seqs.contains(s.payment_dec));
    assert!(rate.seqs.contains(c), "the retraction is cited");
    assert_eq!(state.corrections[0].new_value, None);
    assert!(
        state.corrections[0]
            .old_value
            .as_deref()
            .unwrap()
            .starts_with("execution 2236500.00 元")
    );
    // The budget claim now differs too.
    assert!(
        card.findings
            .iter()
            .any(|f| f.id == "budget.execution_rate")
    );
}

#[test]
fn a_replacement_of_another_kind_is_refused_naming_both_seqs() {
    let (mut l, s) = conghua();
    let c = l.push(correct(
        s.archive_value,
        Some(fact("x", "1", "件")),
        "wrong",
    ));
    let mut r = Replay::new(AsOf::Latest);
    let mut err = None;
    for e in &l.entries {
        if let Err(e) = r.apply(e) {
            err = Some(e);
        }
    }
    assert_eq!(
        err,
        Some(EvalError::CorrectionKindMismatch {
            correction_seq: c,
            superseded: s.archive_value,
            superseded_kind: "value",
            replacement_kind: "fact",
        })
    );
}

#[test]
fn a_correction_of_a_later_or_unknown_seq_is_refused() {
    let mut l = Ledger::new();
    let c = l.push(correct(5, None, "x"));
    let mut r = Replay::new(AsOf::Latest);
    r.apply(&l.entries[0]).unwrap();
    assert_eq!(
        r.apply(&l.entries[1]),
        Err(EvalError::UnknownSuperseded {
            correction_seq: c,
            superseded: 5
        })
    );
}

#[test]
fn entries_must_come_in_order() {
    let (l, _) = conghua();
    let mut r = Replay::new(AsOf::Latest);
    r.apply(&l.entries[0]).unwrap();
    assert_eq!(
        r.apply(&l.entries[2]),
        Err(EvalError::OutOfOrder {
            seq: 3,
            expected: 2
        })
    );
}

#[test]
fn as_of_a_business_date_counts_dated_events_by_date_and_others_by_recording() {
    use BudgetKind::*;
    use ExpenseType::*;
    let mut l = Ledger::new();
    l.push(budget(BasicStaff, YearStart, "100", "2022-01-01"));
    l.push(budget(BasicStaff, Execution, "10", "2022-02-01"));
    l.push(budget(BasicStaff, ExecutionCumulative, "40", "2022-06-30"));
    l.push(budget(BasicStaff, Execution, "5", "2022-06-30")); // included in the cumulative figure
    l.push(budget(BasicStaff, Execution, "20", "2022-07-10"));
    l.push_at(claim("c", "budget.executed", "60", "元"), YEAR_END); // recorded 2022-12-31
    let july = l.replay(AsOf::Date(date("2022-07-31")));
    let staff = &july.budget[&line(BasicStaff)];
    assert_eq!(staff.executed(None).unwrap().amount, Money::from_fen(6000));
    assert_eq!(
        staff.executed(Some(date("2022-06-30"))).unwrap().amount,
        Money::from_fen(4000)
    );
    assert_eq!(
        staff.executed(Some(date("2022-03-01"))).unwrap().amount,
        Money::from_fen(1000)
    );
    assert!(july.claims.is_empty(), "the claim was recorded after July");
    let march = l.replay(AsOf::Date(date("2022-03-01")));
    assert_eq!(
        march.budget[&line(BasicStaff)]
            .executed(None)
            .unwrap()
            .amount,
        Money::from_fen(1000)
    );
    let all = l.replay(AsOf::Latest);
    assert_eq!(all.claims.len(), 1);
}

const SMALL: &str = r#"
name = "small"
[rounding]
scale = 2
mode = "half_up"
when = "per_indicator"
[[grade]]
min = 0
name = "差"
[[node]]
id = "total"
name = "总分"
weight = 10
[[node]]
id = "progress"
parent = "total"
name = "支出进度"
weight = 5
input = "budget.progress@2022-06-30"
method = "ratio_higher"
target = 0.6
[[node]]
id = "balance"
parent = "total"
name = "结转结余率"
weight = 5
input = "budget.balance_rate"
method = "ratio_lower"
target = 0
deduct_per = 10
[derived."hotline.on_time_rate"]
method = "ratio"
inputs = ["fact.hotline.on_time", "fact.hotline.tickets"]
"#;

#[test]
fn progress_at_a_date_and_division_by_zero_are_typed() {
    use BudgetKind::*;
    use ExpenseType::*;
    let mut l = Ledger::new();
    l.push(rules(SMALL));
    l.push(budget(BasicStaff, YearStart, "100", "2022-01-01"));
    l.push(claim("progress", "budget.progress@2022-06-30", "50", "%"));
    l.push(claim(
        "hotline",
        "derived.hotline.on_time_rate",
        "99.9",
        "%",
    ));
    // Nothing executed: balance_rate = carry_out / executed divides by zero. The leaf is
    // pending with the typed error's message, not scored as if the rate were known.
    let early = score(&l.replay(AsOf::Latest)).unwrap();
    let expected = EvalError::DivisionByZero {
        reference: "budget.balance_rate".into(),
        denominator: "budget.executed".into(),
    }
    .to_string();
    assert_eq!(
        early.node("balance").unwrap().pending.as_deref(),
        Some(expected.as_str())
    );
    l.push(budget(BasicStaff, Execution, "45", "2022-06-01"));
    l.push(budget(BasicStaff, Execution, "53", "2022-08-01"));
    l.push(budget(BasicStaff, CarryOut, "2", "2022-12-31"));
    for (k, v) in [("hotline.tickets", "0"), ("hotline.on_time", "0")] {
        l.push(fact(k, v, "件"));
    }
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    // progress 45% against 60%: 5 × 0.45 / 0.6 = 3.75
    let p = card.node("progress").unwrap();
    assert_eq!(p.actual, Some(d("0.45")));
    assert_eq!(p.score, d("3.75"));
    // balance 2 / 98 above a zero target: 5 − 10 × 0.0204… = 4.80
    assert_eq!(card.node("balance").unwrap().score, d("4.80"));
    // An unresolvable claim is a finding, not a crash.
    let f: Vec<_> = card
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.kind))
        .collect();
    assert_eq!(
        f,
        [
            ("hotline", FindingKind::Unresolvable),
            ("progress", FindingKind::Mismatch)
        ]
    );
    assert!(
        card.findings[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("divides by zero")
    );
    assert_eq!(card.findings[1].recomputed, Some(d("45")));
    assert!(
        card.findings[1]
            .definition
            .contains("progress@2022-06-30 = executed as of 2022-06-30 / full_year")
    );
}

#[test]
fn an_adjustment_on_an_unknown_node_is_an_orphaned_finding_naming_its_seq() {
    let mut l = Ledger::new();
    l.push(rules(RULES));
    let a = l.push(adjust("mgmt.nope", "-1", "x"));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let f = card
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Orphaned)
        .unwrap();
    assert_eq!(f.id, format!("adjustment.{a}"));
    assert_eq!(f.claim_seq, a);
    assert!(f.problem.as_deref().unwrap().contains("`mgmt.nope`"));
    assert!(card.nodes.iter().all(|n| n.adjustments.is_empty()));
}

#[test]
fn a_rule_set_whose_digest_does_not_match_is_refused() {
    let mut l = Ledger::new();
    let mut ev = rules(RULES);
    if let jixiao::model::Event::RuleSetAdopted(r) = &mut ev {
        r.digest[0] ^= 1;
    }
    let s = l.push(ev);
    assert_eq!(
        score(&l.replay(AsOf::Latest)).unwrap_err(),
        EvalError::RuleSetDigest { seq: s }
    );
}

#[test]
fn a_missing_input_leaves_the_leaf_pending_naming_the_reference_and_the_node() {
    let mut l = Ledger::new();
    l.push(rules(RULES));
    l.push(budget(
        ExpenseType::BasicStaff,
        BudgetKind::YearStart,
        "100",
        "2022-01-01",
    ));
    l.push(budget(
        ExpenseType::BasicStaff,
        BudgetKind::Execution,
        "100",
        "2022-12-01",
    ));
    // A leaf whose input is not recorded yet is pending (counts 0) and says what is missing.
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let leaf = card.node("mgmt.fin.rules").unwrap();
    let why = leaf.pending.as_deref().unwrap();
    assert!(why.contains("indicator.mgmt.fin.rules"), "{why}");
    assert!(why.contains("node mgmt.fin.rules"), "{why}");
    assert_eq!(leaf.score, rust_decimal::Decimal::ZERO);
    assert!(card.node("mgmt.fin").unwrap().pending.is_some());
    assert!(card.node("mgmt.exec.rate").unwrap().pending.is_none());
}

#[test]
fn retracting_the_rule_set_in_force_brings_back_the_one_before() {
    let (mut l, s) = conghua();
    let small = RULES.replace(
        "name = \"从化区部门整体支出绩效自评 2022 (reconstruction)\"",
        "name = \"second\"",
    );
    let second = l.push(rules(&small));
    assert_eq!(score(&l.replay(AsOf::Latest)).unwrap().rule_set.seq, second);
    l.push(correct(second, None, "adopted by mistake"));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    assert_eq!(card.rule_set.seq, s.rules);
    assert_eq!(card.total, d("99.96"));
}

#[test]
fn claims_in_wan_yuan_convert_budget_amounts_and_yuan_facts() {
    let (mut l, _) = conghua();
    l.push(fact("spend.training", "123456.78", "元"));
    l.push(claim("training", "fact.spend.training", "12.35", "万元"));
    l.push(claim(
        "training.wrong",
        "fact.spend.training",
        "12.34",
        "万元",
    ));
    l.push(claim(
        "satisfaction",
        "indicator.perf.satisfaction.overall",
        "100",
        "%",
    ));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let ids: Vec<&str> = card.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["budget.growth", "training.wrong"]);
    let f = &card.findings[1];
    assert_eq!(f.recomputed, Some(d("12.35")));
    assert_eq!(f.recomputed_exact, Some(d("12.345678")));
}

#[test]
fn resuming_a_lean_replay_equals_replaying_everything() {
    let (l, _) = conghua();
    let lookup = |entries: &[jixiao::ledger::Recorded], s: u64| {
        entries
            .get(usize::try_from(s).unwrap() - 1)
            .map(|r| r.entry.event.clone())
    };
    let mut whole = Replay::with_lookup(AsOf::Latest, |s| lookup(&l.entries, s));
    for e in &l.entries {
        whole.apply(e).unwrap();
    }
    let whole = whole.finish();
    for cut in [1, 5, l.entries.len() / 2, l.entries.len() - 1] {
        let mut head = Replay::with_lookup(AsOf::Latest, |s| lookup(&l.entries, s));
        for e in &l.entries[..cut] {
            head.apply(e).unwrap();
        }
        let mut rest = Replay::resume(head.finish(), |s| lookup(&l.entries, s));
        for e in &l.entries[cut..] {
            rest.apply(e).unwrap();
        }
        let resumed = rest.finish();
        assert_eq!(resumed, whole, "cut at {cut}");
        assert_eq!(score(&resumed).unwrap(), score(&whole).unwrap());
    }
}

/// Two payments on one line and day whose sum passes the stored range, as a bulk load could
/// record them (the command line refuses both the amount and the append).
fn overflowing_payments(l: &mut Ledger) -> (u64, u64) {
    let huge = Event::Budget(BudgetEvent {
        amount: Money::from_fen(i64::MAX),
        ..match budget(ExpenseType::Basic, BudgetKind::Execution, "1", "2022-05-01") {
            Event::Budget(b) => b,
            _ => unreachable!(),
        }
    });
    let a = l.push(huge);
    let b = l.push(budget(
        ExpenseType::Basic,
        BudgetKind::Execution,
        "0.01",
        "2022-05-01",
    ));
    (a, b)
}

/// Replays every entry, going on past entries that are left out.
fn replay_tolerant(l: &Ledger) -> State {
    let mut r = Replay::new(AsOf::Latest);
    for e in &l.entries {
        if r.apply(e).is_err() {
            assert!(r.left_out(e.entry.seq));
        }
    }
    r.finish()
}

#[test]
fn defect_4_an_overflowing_entry_is_left_out_and_named_until_a_retraction_undoes_it() {
    for retract_first in [true, false] {
        let (mut l, _) = conghua();
        let total = score(&l.replay(AsOf::Latest)).unwrap().total;
        let (a, b) = overflowing_payments(&mut l);
        let state = replay_tolerant(&l);
        let fault = state.replay_fault().cloned().unwrap();
        assert!(
            matches!(fault, EvalError::EntryOverflow { seq, .. } if seq == b),
            "{fault:?}"
        );
        assert!(fault.to_string().contains("retract or correct"), "{fault}");
        assert_eq!(state.fault_seqs().collect::<Vec<_>>(), vec![b]);
        // Either row's retraction makes room: the one left out is tried again.
        let target = if retract_first { a } else { b };
        l.push(correct(target, None, "录入错误"));
        let state = replay_tolerant(&l);
        assert_eq!(state.replay_fault(), None, "retracting seq {target}");
        if retract_first {
            assert_eq!(score(&state).unwrap().total, total);
        } else {
            // The huge row alone replays, but summing the year's payments passes the range:
            // a clear error, never a wrapped sum.
            let e = score(&state).unwrap_err();
            assert!(matches!(e, EvalError::Overflow { .. }), "{e:?}");
        }
    }
}

#[test]
fn defect_8_a_claim_whose_subject_left_the_rule_set_is_an_orphaned_finding() {
    let (mut l, s) = conghua();
    l.push(claim(
        "perf.targets",
        "score.mgmt.perf.targets",
        "3.96",
        "分",
    ));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    assert!(card.findings.iter().all(|f| f.id != "perf.targets"));
    // A second rule set under the same name without that node.
    let renamed = RULES.replace("id = \"mgmt.perf.targets\"", "id = \"mgmt.perf.goals\"");
    let second = l.push(rules(&renamed));
    let card = score(&l.replay(AsOf::Latest)).unwrap();
    let kinds: Vec<_> = card
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Orphaned)
        .map(|f| f.id.as_str())
        .collect();
    let orphan = format!("adjustment.{}", s.adjustment);
    assert_eq!(kinds, ["perf.targets", orphan.as_str()]);
    // The change is listed with the totals under each rule set.
    assert_eq!(card.rule_set_changes.len(), 1);
    let c = &card.rule_set_changes[0];
    assert_eq!(c.adopted.seq, second);
    assert!(c.same_name && !c.same_text);
    assert_eq!(c.score_before, Some(d("99.96")));
    assert_eq!(c.score_after, Some(d("100.00")));
}

#[test]
fn defect_4_a_correction_that_would_overflow_is_left_out_whole_and_a_later_one_replaces_it() {
    let (mut l, _) = conghua();
    let huge = Event::Budget(BudgetEvent {
        amount: Money::from_fen(i64::MAX),
        ..match budget(ExpenseType::Basic, BudgetKind::Execution, "1", "2022-05-01") {
            Event::Budget(b) => b,
            _ => unreachable!(),
        }
    });
    l.push(huge);
    let small = l.push(budget(
        ExpenseType::Basic,
        BudgetKind::Execution,
        "0.01",
        "2022-05-02",
    ));
    let before = replay_tolerant(&l);
    assert_eq!(before.replay_fault(), None);
    // Moving the small payment onto the huge one's day overflows that day's sum: the
    // correction is left out whole (the payment stays where it was).
    let bad = l.push(correct(
        small,
        Some(budget(
            ExpenseType::Basic,
            BudgetKind::Execution,
            "0.01",
            "2022-05-01",
        )),
        "日期更正",
    ));
    let after = replay_tolerant(&l);
    assert_eq!(after.fault_seqs().collect::<Vec<_>>(), vec![bad]);
    assert_eq!(after.budget, before.budget);
    assert!(after.corrections.is_empty());
    // A later correction of the same entry supersedes the failed one.
    l.push(correct(small, None, "重复录入"));
    let fixed = replay_tolerant(&l);
    assert_eq!(fixed.replay_fault(), None);
}
