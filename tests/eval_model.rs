//! Replay against a naive reference model: random facts, budget amounts, corrections and
//! retractions; the effective values and budget sums must agree with a model that keeps
//! every entry, and every as-of-seq view must equal the replay of that prefix.

mod eval_support;
use eval_support::*;
use jixiao::eval::{AsOf, Replay};
use jixiao::model::{BudgetKind, Event, ExpenseType, Money, Seq};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn expense(i: u16) -> ExpenseType {
    if i.is_multiple_of(2) {
        ExpenseType::BasicStaff
    } else {
        ExpenseType::BasicRunning
    }
}

fn kind(i: u16) -> BudgetKind {
    if i.is_multiple_of(2) {
        BudgetKind::YearStart
    } else {
        BudgetKind::Execution
    }
}

/// Builds a ledger from ops; returns it with the model's effective events by slot.
fn build(ops: &[(u8, u16, u16)]) -> (Ledger, BTreeMap<Seq, Event>) {
    let mut l = Ledger::new();
    let mut effective: BTreeMap<Seq, Event> = BTreeMap::new();
    let mut slot_of: BTreeMap<Seq, Seq> = BTreeMap::new();
    let mut kinds: BTreeMap<Seq, bool> = BTreeMap::new(); // slot → is a fact
    let fact_ev = |a: u16, b: u16| {
        fact(
            if a.is_multiple_of(2) { "a" } else { "b" },
            &b.to_string(),
            "件",
        )
    };
    let budget_ev = |a: u16, b: u16| {
        let on = format!("2022-{:02}-01", 1 + b % 12);
        budget(expense(a), kind(a / 2), &format!("{}", b + 1), &on)
    };
    for &(op, a, b) in ops {
        match op % 4 {
            0 => {
                let s = l.push(fact_ev(a, b));
                effective.insert(s, fact_ev(a, b));
                kinds.insert(s, true);
            }
            1 => {
                let s = l.push(budget_ev(a, b));
                effective.insert(s, budget_ev(a, b));
                kinds.insert(s, false);
            }
            op => {
                // Correct (2) or retract (3) an earlier entry other than genesis.
                let n = l.entries.len() as u64;
                if n < 2 {
                    continue;
                }
                let target = 2 + u64::from(a) % (n - 1);
                let slot = *slot_of.get(&target).unwrap_or(&target);
                let is_fact = kinds[&slot];
                let rep = (op == 2).then(|| {
                    if is_fact {
                        fact_ev(b, b)
                    } else {
                        budget_ev(a, b)
                    }
                });
                let c = l.push(correct(target, rep.clone(), "fix"));
                slot_of.insert(c, slot);
                match rep {
                    Some(r) => {
                        effective.insert(slot, r);
                    }
                    None => {
                        effective.remove(&slot);
                    }
                }
            }
        }
    }
    (l, effective)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn replay_agrees_with_a_model_that_keeps_every_entry(ops in prop::collection::vec((0u8..4, 0u16..50, 0u16..1000), 1..40)) {
        let (l, effective) = build(&ops);
        let state = l.replay(AsOf::Latest);

        // Facts: the latest effective entry per key.
        let mut latest: BTreeMap<String, (Seq, String)> = BTreeMap::new();
        let mut sums: BTreeMap<(ExpenseType, BudgetKind), Money> = BTreeMap::new();
        for (seq, ev) in &effective {
            match ev {
                Event::Fact(f) => { latest.insert(f.key.clone(), (*seq, f.value.to_string())); }
                Event::Budget(b) => {
                    let e = sums.entry((b.line.expense_type, b.kind)).or_default();
                    *e = e.checked_add(b.amount).unwrap();
                }
                _ => unreachable!(),
            }
        }
        for key in ["a", "b"] {
            let got = state.facts.get(key).and_then(|h| h.latest()).map(|v| (v.seq, v.value.value.to_string()));
            prop_assert_eq!(got, latest.get(key).cloned(), "fact {}", key);
        }
        for e in [ExpenseType::BasicStaff, ExpenseType::BasicRunning] {
            let line = state.budget.get(&line(e));
            let ys = line.and_then(|t| t.by_kind.get(&BudgetKind::YearStart)).map_or(Money::ZERO, |s| s.amount);
            let ex = line.map_or(Money::ZERO, |t| t.executed(None).unwrap().amount);
            prop_assert_eq!(ys, sums.get(&(e, BudgetKind::YearStart)).copied().unwrap_or_default());
            prop_assert_eq!(ex, sums.get(&(e, BudgetKind::Execution)).copied().unwrap_or_default());
        }

        // Every as-of-seq view equals the replay of that prefix.
        for n in 1..=l.entries.len() {
            let mut a = l.replay(AsOf::Seq(n as u64));
            let mut b = replay(&l.entries[..n], AsOf::Latest);
            a.as_of = AsOf::Latest;
            b.as_of = AsOf::Latest;
            prop_assert_eq!(a, b);
        }
    }
}

fn lean(l: &Ledger, as_of: AsOf) -> jixiao::eval::State {
    let mut r = Replay::with_lookup(as_of, |seq| {
        l.entries
            .get(usize::try_from(seq).ok()? - 1)
            .map(|e| e.entry.event.clone())
    });
    for e in &l.entries {
        r.apply(e).unwrap();
    }
    r.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_lean_replay_reads_back_corrected_budget_events_and_agrees(ops in prop::collection::vec((0u8..4, 0u16..50, 0u16..1000), 1..40), cut in 0usize..40) {
        let (l, _) = build(&ops);
        for as_of in [AsOf::Latest, AsOf::Seq(1 + (cut as u64) % l.entries.len() as u64), AsOf::Date(date("2022-05-01"))] {
            let full = l.replay(as_of);
            let lean = lean(&l, as_of);
            prop_assert_eq!(&full.budget, &lean.budget);
            prop_assert_eq!(&full.facts, &lean.facts);
            prop_assert_eq!(&full.corrections, &lean.corrections);
            prop_assert_eq!(full.last_seq, lean.last_seq);
        }
    }
}
