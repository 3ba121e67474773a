//! Plausibility warnings: figures that are allowed but usually a recording mistake — an
//! execution rate above 100%, a budget line executed beyond its full-year budget, the same
//! payment recorded twice (same line, date, amount and reason). They are warnings, never
//! failures: `verify` still passes, and the score is computed as recorded.
//!
//! Owns: those checks (the fingerprints of payments that find a duplicate are
//! `prints.rs`). Must not: change the state or the score, or print.

use super::replay::{LineTotals, State};
use super::seqs::SeqSet;
use crate::model::{BudgetKind, BudgetLine, Money};
use rust_decimal::Decimal;
use serde::Serialize;

/// What a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// Executed / full-year budget over all lines is above 100%.
    #[serde(rename = "execution_rate_above_100")]
    ExecutionRateAbove100,
    /// One line's executed amount is more than its full-year budget.
    ExecutedBeyondBudget,
    /// Two payments with the same line, date, amount and reason.
    DuplicatePayment,
}

/// A plausibility warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind.
    pub kind: WarningKind,
    /// What it concerns: `budget.execution_rate` or a budget line `budget:FUND/TYPE[/PROJECT]`.
    pub subject: String,
    /// In words, with the figures and what to do.
    pub text: String,
    /// The entries it comes from.
    pub seqs: SeqSet,
}

/// `budget:一般公共预算/基本支出[/PROJECT]`, as `jixiao log --subject` takes it.
fn subject(line: &BudgetLine) -> String {
    let mut s = format!(
        "budget:{}/{}",
        line.fund_source.zh(),
        line.expense_type.zh()
    );
    if !line.project.is_empty() {
        s.push('/');
        s.push_str(&line.project);
    }
    s
}

/// Full-year budget of one line: carry-in + year start + additions − cuts + reallocations.
fn full_year(t: &LineTotals) -> Option<(Money, SeqSet)> {
    let mut amount = Money::ZERO;
    let mut seqs = SeqSet::new();
    for (k, sign) in [
        (BudgetKind::CarryIn, false),
        (BudgetKind::YearStart, false),
        (BudgetKind::AdjustAdd, false),
        (BudgetKind::AdjustCut, true),
        (BudgetKind::Reallocate, false),
    ] {
        if let Some(s) = t.by_kind.get(&k) {
            amount = if sign {
                amount.checked_sub(s.amount)?
            } else {
                amount.checked_add(s.amount)?
            };
            seqs.extend(&s.seqs);
        }
    }
    Some((amount, seqs))
}

fn percent(num: Money, den: Money) -> Option<Decimal> {
    let d = den.yuan();
    if d.is_zero() {
        return None;
    }
    num.yuan()
        .checked_div(d)
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .map(|p| p.round_dp(1))
}

/// The warnings of a replayed state, in a fixed order: the overall rate, then lines in order,
/// then duplicate payments by seq.
#[must_use]
pub fn warnings(state: &State) -> Vec<Warning> {
    let mut out = Vec::new();
    let (mut executed, mut budget) = (Money::ZERO, Money::ZERO);
    let (mut all_seqs, mut overflow) = (SeqSet::new(), false);
    let mut lines = Vec::new();
    for (line, t) in &state.budget {
        let (Ok(e), Some((f, fseqs))) = (t.executed(None), full_year(t)) else {
            overflow = true;
            continue;
        };
        match (executed.checked_add(e.amount), budget.checked_add(f)) {
            (Some(a), Some(b)) => (executed, budget) = (a, b),
            _ => overflow = true,
        }
        let mut seqs = e.seqs.clone();
        seqs.extend(&fseqs);
        all_seqs.extend(&seqs);
        if e.amount > f && e.amount > Money::ZERO {
            let rate = percent(e.amount, f).map_or_else(
                || "no full-year budget recorded on the line".to_string(),
                |p| format!("{p}% of it"),
            );
            lines.push(Warning {
                kind: WarningKind::ExecutedBeyondBudget,
                subject: subject(line),
                text: format!(
                    "{}: executed {} 元 is more than its full-year budget {} 元 ({rate}); check for a payment recorded twice or a missing budget adjustment",
                    subject(line),
                    e.amount,
                    f
                ),
                seqs,
            });
        }
    }
    if !overflow
        && executed > budget
        && let Some(p) = percent(executed, budget)
    {
        out.push(Warning {
            kind: WarningKind::ExecutionRateAbove100,
            subject: "budget.execution_rate".into(),
            text: format!(
                "budget.execution_rate is {p}% (executed {executed} 元 / full-year budget {budget} 元), above 100%; check the executed figures and the budget adjustments"
            ),
            seqs: all_seqs,
        });
    }
    out.extend(lines);
    let corrected: SeqSet = SeqSet::of(
        state
            .corrections
            .iter()
            .flat_map(|c| [c.superseded, c.slot]),
    );
    for &(first, again) in &state.duplicate_payments {
        if corrected.contains(first) || corrected.contains(again) {
            continue;
        }
        out.push(Warning {
            kind: WarningKind::DuplicatePayment,
            subject: "budget.payment".into(),
            text: format!(
                "payment #{again} has the same line, date, amount and reason as #{first}; if it was recorded twice, retract it (`jixiao correct LEDGER {again} --retract --reason ...`)"
            ),
            seqs: SeqSet::of([first, again]),
        });
    }
    out
}
