//! The payments of a replayed state grouped as they were summed: per budget line and
//! business date, with their total, for citing a figure built from many payments by group
//! without reading each entry again (report/grouping.rs).
//!
//! Owns: which of those sums are plain, that is, made of payments no correction touched, so
//! that the sum's amount is exactly the sum of the amounts its entries record. Must not:
//! decide how a figure cites, or read the ledger.

use super::replay::State;
use super::seqs::SeqSet;
use crate::model::{BizDate, BudgetLine, Money};

/// The payments on one line on one business date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentDay<'a> {
    /// The line.
    pub line: &'a BudgetLine,
    /// The business date.
    pub date: BizDate,
    /// Σ of the amounts the entries record.
    pub amount: Money,
    /// The entries: payments only, each recorded with this line, date and kind.
    pub seqs: &'a SeqSet,
}

impl State {
    /// Every sum of payments by line and date that no correction touched (neither a
    /// correction entry nor an entry a correction names or replaces is among its seqs), in
    /// line and date order. Sums a correction touched are left out: their provenance mixes
    /// kinds of entries and their amount is not the recorded amounts' sum.
    pub fn plain_payment_days(&self) -> Vec<PaymentDay<'_>> {
        let touched = SeqSet::of(
            self.corrections
                .iter()
                .flat_map(|c| [c.correction_seq, c.superseded, c.slot]),
        );
        let mut out = Vec::new();
        for (line, totals) in &self.budget {
            for (date, sum) in &totals.payments {
                if sum.seqs.is_empty() || !sum.seqs.is_disjoint(&touched) {
                    continue;
                }
                out.push(PaymentDay {
                    line,
                    date: *date,
                    amount: sum.amount,
                    seqs: &sum.seqs,
                });
            }
        }
        out
    }
}
