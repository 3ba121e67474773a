//! The budget summary (预算执行情况): year-start, adjustments, full-year, executed, execution
//! rate, prior year, growth, summed over every budget line of the replayed state, each with
//! the entries summed.
//!
//! Owns: those sums and their rows. Must not: score, read entries other than through
//! [`Entries`], or format for an output.

use super::cite::{CiteItem, Entries};
use super::lang::{Lang, two};
use crate::eval::{State, Sum};
use crate::model::{BudgetKind, Money};
use rust_decimal::Decimal;
use serde::Serialize;

/// One line of the budget summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetRow {
    /// Stable key (`year_start`, `adjustments`, `full_year`, `executed`, `execution_rate`,
    /// `prior_year`, `growth_amount`, `growth_rate`).
    pub key: String,
    /// Label in the report's language.
    pub label: String,
    /// Value at 2 decimals (万元 or %), or none when it cannot be computed.
    pub value: Option<String>,
    /// `万元` or `%`.
    pub unit: String,
    /// Exact value (yuan for amounts, a fraction for rates).
    pub exact: Option<String>,
    /// Why there is no value.
    pub note: Option<String>,
    /// Entries behind the figure.
    pub cites: Vec<CiteItem>,
}

fn money_row(key: &str, label: &str, sum: &Sum, e: &mut Entries) -> BudgetRow {
    BudgetRow {
        key: key.into(),
        label: label.into(),
        value: Some(two(sum.amount.wan())),
        unit: "万元".into(),
        exact: Some(sum.amount.yuan().to_string()),
        note: None,
        cites: e.cite_set(&sum.seqs),
    }
}

fn rate_row(
    key: &str,
    label: &str,
    num: &Sum,
    den: &Sum,
    lang: Lang,
    e: &mut Entries,
) -> BudgetRow {
    let mut seqs = num.seqs.clone();
    seqs.extend(&den.seqs);
    let ratio = (den.amount != Money::ZERO)
        .then(|| num.amount.yuan().checked_div(den.amount.yuan()))
        .flatten();
    BudgetRow {
        key: key.into(),
        label: label.into(),
        value: ratio.map(|r| two(r * Decimal::ONE_HUNDRED)),
        unit: "%".into(),
        exact: ratio.map(|r| r.normalize().to_string()),
        note: ratio
            .is_none()
            .then(|| lang.pick("分母为零", "denominator is zero").to_string()),
        cites: e.cite_set(&seqs),
    }
}

/// Budget aggregates over every line.
struct BudgetTotals {
    year_start: Sum,
    adjustments: Sum,
    full_year: Sum,
    executed: Sum,
    prior_year: Sum,
    growth: Sum,
}

fn overflow(what: &str) -> String {
    format!("{what} overflows the money range; check the recorded amounts")
}

fn plus(a: &Sum, b: &Sum, what: &str) -> Result<Sum, String> {
    let mut seqs = a.seqs.clone();
    seqs.extend(&b.seqs);
    Ok(Sum {
        amount: a
            .amount
            .checked_add(b.amount)
            .ok_or_else(|| overflow(what))?,
        seqs,
    })
}

fn minus(a: &Sum, b: &Sum, what: &str) -> Result<Sum, String> {
    let mut seqs = a.seqs.clone();
    seqs.extend(&b.seqs);
    Ok(Sum {
        amount: a
            .amount
            .checked_sub(b.amount)
            .ok_or_else(|| overflow(what))?,
        seqs,
    })
}

impl BudgetTotals {
    fn of(state: &State) -> Result<BudgetTotals, String> {
        let kind = |k: BudgetKind| -> Result<Sum, String> {
            let mut out = Sum::default();
            for line in state.budget.values() {
                if let Some(s) = line.by_kind.get(&k) {
                    out = plus(&out, s, k.name())?;
                }
            }
            Ok(out)
        };
        let mut executed = Sum::default();
        for line in state.budget.values() {
            let x = line.executed(None).map_err(|e| e.to_string())?;
            executed = plus(&executed, &x, "executed")?;
        }
        let year_start = kind(BudgetKind::YearStart)?;
        let carry_in = kind(BudgetKind::CarryIn)?;
        let adjustments = plus(
            &minus(
                &kind(BudgetKind::AdjustAdd)?,
                &kind(BudgetKind::AdjustCut)?,
                "adjustments",
            )?,
            &kind(BudgetKind::Reallocate)?,
            "adjustments",
        )?;
        let full_year = plus(
            &plus(&carry_in, &year_start, "full_year")?,
            &adjustments,
            "full_year",
        )?;
        let prior_year = kind(BudgetKind::PriorYearBudget)?;
        let growth = minus(&full_year, &prior_year, "growth")?;
        Ok(BudgetTotals {
            year_start,
            adjustments,
            full_year,
            executed,
            prior_year,
            growth,
        })
    }
}

pub(super) fn budget_rows(state: &State, lang: Lang, e: &mut Entries) -> Vec<BudgetRow> {
    let t = match BudgetTotals::of(state) {
        Ok(t) => t,
        Err(err) => {
            return vec![BudgetRow {
                key: "error".into(),
                label: lang.pick("预算汇总", "budget summary").into(),
                value: None,
                unit: String::new(),
                exact: None,
                note: Some(err),
                cites: Vec::new(),
            }];
        }
    };
    vec![
        money_row(
            "year_start",
            lang.pick("年初预算数", "Year-start budget"),
            &t.year_start,
            e,
        ),
        money_row(
            "adjustments",
            lang.pick("全年预算调整数", "In-year adjustments"),
            &t.adjustments,
            e,
        ),
        money_row(
            "full_year",
            lang.pick("全年预算数", "Full-year budget"),
            &t.full_year,
            e,
        ),
        money_row("executed", lang.pick("执行数", "Executed"), &t.executed, e),
        rate_row(
            "execution_rate",
            lang.pick("预算执行率", "Execution rate"),
            &t.executed,
            &t.full_year,
            lang,
            e,
        ),
        money_row(
            "prior_year",
            lang.pick("上年预算数", "Prior-year budget"),
            &t.prior_year,
            e,
        ),
        money_row(
            "growth_amount",
            lang.pick("较上年增减额", "Change on prior year"),
            &t.growth,
            e,
        ),
        rate_row(
            "growth_rate",
            lang.pick("较上年增长率", "Growth rate"),
            &t.growth,
            &t.prior_year,
            lang,
            e,
        ),
    ]
}
