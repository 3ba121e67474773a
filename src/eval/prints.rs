//! Fingerprints of the payments replayed so far, which find a payment recorded twice (same
//! line, date, amount and reason) for the plausibility warnings (`plausible.rs`).
//!
//! Owns: the fingerprint, the list of them and finding the repeats in it. Must not: decide
//! what is a warning.

use crate::model::{BudgetEvent, BudgetKind, Seq};
use std::hash::{Hash, Hasher};

/// Fingerprints of the payments seen so far, to find one recorded twice: a 64-bit fingerprint
/// (SipHash of line, date, amount and reason) and the seq per payment, 16 bytes each, kept in
/// a plain list and sorted once at the end (a hash map of the same pairs took three times the
/// memory, more while it grew).
#[derive(Debug, Default)]
pub(super) struct PaymentPrints(Vec<(u64, Seq)>);

impl PaymentPrints {
    /// Notes a payment (payments only: other budget kinds are not repeats of anything).
    pub(super) fn note(&mut self, seq: Seq, b: &BudgetEvent) {
        if b.kind != BudgetKind::Execution {
            return;
        }
        let mut h = std::hash::DefaultHasher::new();
        (&b.line, b.date, b.amount.fen(), &b.reason).hash(&mut h);
        self.0.push((h.finish(), seq));
    }

    /// Every repeat, as (the first payment with its fingerprint, the repeat), by the repeat's
    /// seq: the same pairs a one-by-one lookup in seq order gives.
    pub(super) fn repeats(mut self) -> Vec<(Seq, Seq)> {
        self.0.sort_unstable();
        let mut out = Vec::new();
        let mut first: Option<(u64, Seq)> = None;
        for &(print, seq) in &self.0 {
            match first {
                Some((p, f)) if p == print => out.push((f, seq)),
                _ => first = Some((print, seq)),
            }
        }
        out.sort_unstable_by_key(|&(_, again)| again);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BizDate, BudgetLine, ExpenseType, FundSource, Money};

    fn pay(amount: i64, reason: &str) -> BudgetEvent {
        BudgetEvent {
            line: BudgetLine {
                fund_source: FundSource::GeneralPublic,
                expense_type: ExpenseType::Basic,
                project: String::new(),
            },
            kind: BudgetKind::Execution,
            amount: Money::from_fen(amount),
            date: BizDate::from_ymd(2022, 3, 1).expect("date"),
            document: String::new(),
            reason: reason.into(),
        }
    }

    #[test]
    fn repeats_pair_each_with_the_first_in_seq_order() {
        let mut p = PaymentPrints::default();
        p.note(7, &pay(100, "a"));
        p.note(9, &pay(200, "b"));
        p.note(12, &pay(100, "a"));
        p.note(15, &pay(200, "b"));
        p.note(20, &pay(100, "a"));
        p.note(21, &pay(100, "c"));
        assert_eq!(p.repeats(), vec![(7, 12), (9, 15), (7, 20)]);
    }
}
