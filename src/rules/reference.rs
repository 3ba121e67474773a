//! Input references: the names by which a leaf's input, a derivation's inputs and a claim's
//! subject point at recorded data (`indicator.ID`, `fact.KEY`, `derived.NAME`,
//! `budget.METRIC`, `score.NODE`).

use crate::model::BizDate;
use serde::{Serialize, Serializer};
use std::fmt;

/// A budget figure computed from `Budget` events over all lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BudgetMetric {
    /// Σ year-start appropriations.
    YearStart,
    /// Σ carried in from the previous year.
    CarryIn,
    /// Σ additions − Σ cuts + Σ reallocations.
    Adjustments,
    /// carry_in + year_start + adjustments.
    FullYear,
    /// Σ per line of payments, a cumulative figure replacing the running total at its date.
    Executed,
    /// executed / full_year (a fraction).
    ExecutionRate,
    /// adjustments / year_start (a fraction).
    AdjustmentRate,
    /// |Σ reallocations| / full_year (a fraction).
    ReallocationRatio,
    /// Σ carried out to the next year.
    CarryOut,
    /// carry_out / executed (a fraction).
    BalanceRate,
    /// Σ previous-year full-year budgets.
    PriorFullYear,
    /// full_year − prior_full_year.
    GrowthAmount,
    /// growth_amount / prior_full_year (a fraction).
    GrowthRate,
    /// executed as of the date / full_year (a fraction).
    ProgressAt(BizDate),
    /// Σ additions + Σ cuts + Σ over lines |the line's reallocations| (every change counted
    /// as a change, none netted).
    GrossAdjustments,
    /// gross_adjustments / year_start (a fraction).
    GrossAdjustmentRate,
}

impl BudgetMetric {
    const NAMED: [(BudgetMetric, &'static str); 15] = [
        (BudgetMetric::YearStart, "year_start"),
        (BudgetMetric::CarryIn, "carry_in"),
        (BudgetMetric::Adjustments, "adjustments"),
        (BudgetMetric::FullYear, "full_year"),
        (BudgetMetric::Executed, "executed"),
        (BudgetMetric::ExecutionRate, "execution_rate"),
        (BudgetMetric::AdjustmentRate, "adjustment_rate"),
        (BudgetMetric::ReallocationRatio, "reallocation_ratio"),
        (BudgetMetric::CarryOut, "carry_out"),
        (BudgetMetric::BalanceRate, "balance_rate"),
        (BudgetMetric::PriorFullYear, "prior_full_year"),
        (BudgetMetric::GrowthAmount, "growth_amount"),
        (BudgetMetric::GrowthRate, "growth_rate"),
        (BudgetMetric::GrossAdjustments, "gross_adjustments"),
        (BudgetMetric::GrossAdjustmentRate, "gross_adjustment_rate"),
    ];

    /// Parses a metric name (`execution_rate`, `progress@2022-06-30`, ...).
    #[must_use]
    pub fn parse(s: &str) -> Option<BudgetMetric> {
        if let Some(date) = s.strip_prefix("progress@") {
            return date.parse().ok().map(BudgetMetric::ProgressAt);
        }
        BudgetMetric::NAMED
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(m, _)| *m)
    }

    /// Is the metric a fraction (rather than an amount in yuan)?
    #[must_use]
    pub fn is_fraction(self) -> bool {
        matches!(
            self,
            BudgetMetric::ExecutionRate
                | BudgetMetric::AdjustmentRate
                | BudgetMetric::ReallocationRatio
                | BudgetMetric::BalanceRate
                | BudgetMetric::GrowthRate
                | BudgetMetric::GrossAdjustmentRate
                | BudgetMetric::ProgressAt(_)
        )
    }

    /// The definition in words, as shown next to recomputed figures.
    #[must_use]
    pub fn definition(self) -> String {
        match self {
            BudgetMetric::YearStart => "year_start = Σ year-start appropriations (年初预算)".into(),
            BudgetMetric::CarryIn => "carry_in = Σ amounts carried in (上年结转)".into(),
            BudgetMetric::Adjustments => {
                "adjustments = Σ additions (追加) − Σ cuts (调减) + Σ reallocations (调剂)".into()
            }
            BudgetMetric::FullYear => "full_year = carry_in + year_start + adjustments".into(),
            BudgetMetric::Executed => {
                "executed = Σ per line of payments, a cumulative figure replacing the running total at its date".into()
            }
            BudgetMetric::ExecutionRate => "execution_rate = executed / full_year".into(),
            BudgetMetric::AdjustmentRate => "adjustment_rate = adjustments / year_start".into(),
            BudgetMetric::ReallocationRatio => {
                "reallocation_ratio = |Σ reallocations| / full_year".into()
            }
            BudgetMetric::CarryOut => "carry_out = Σ amounts carried out (结转下年)".into(),
            BudgetMetric::BalanceRate => "balance_rate = carry_out / executed".into(),
            BudgetMetric::PriorFullYear => {
                "prior_full_year = Σ previous-year full-year budgets (上年预算数)".into()
            }
            BudgetMetric::GrowthAmount => "growth_amount = full_year − prior_full_year".into(),
            BudgetMetric::GrowthRate => {
                "growth_rate = (full_year − prior_full_year) / prior_full_year".into()
            }
            BudgetMetric::ProgressAt(d) => {
                format!("progress@{d} = executed as of {d} / full_year")
            }
            BudgetMetric::GrossAdjustments => {
                "gross_adjustments = Σ additions (追加) + Σ cuts (调减) + Σ per line |reallocations (调剂)|".into()
            }
            BudgetMetric::GrossAdjustmentRate => {
                "gross_adjustment_rate = gross_adjustments / year_start".into()
            }
        }
    }
}

impl fmt::Display for BudgetMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetMetric::ProgressAt(d) => write!(f, "progress@{d}"),
            m => {
                let name = BudgetMetric::NAMED
                    .iter()
                    .find(|(x, _)| x == m)
                    .map_or("?", |(_, n)| n);
                f.write_str(name)
            }
        }
    }
}

/// Where a figure comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reference {
    /// `indicator.ID`: the latest effective value of indicator `ID`.
    Indicator(String),
    /// `fact.KEY`: the latest effective fact with that key.
    Fact(String),
    /// `derived.NAME`: a derivation of the rule set.
    Derived(String),
    /// `budget.METRIC`: computed from budget events.
    Budget(BudgetMetric),
    /// `score.NODE`: a node's score after adjustments (`score.total`, or bare `total`, is the
    /// root).
    Score(String),
    /// `target.ID`: the latest effective target of indicator `ID` (adjusted if given).
    Target(String),
    /// `coefficient.NODE`: the node's 得分系数, score ÷ weight (a fraction).
    Coefficient(String),
}

/// The accepted forms, for error messages.
pub(crate) const FORMS: &str = "indicator.ID, fact.KEY, derived.NAME, budget.METRIC, score.NODE, target.ID, coefficient.NODE or total";

impl Reference {
    /// Parses a reference. The error says what is wrong.
    pub fn parse(s: &str) -> Result<Reference, String> {
        let s = s.trim();
        if s == "total" {
            return Ok(Reference::Score("total".into()));
        }
        let Some((prefix, rest)) = s.split_once('.') else {
            return Err(format!("expected one of {FORMS}"));
        };
        if prefix == "budget" {
            return BudgetMetric::parse(rest).map(Reference::Budget).ok_or_else(|| {
                format!(
                    "unknown budget metric `{rest}`; use one of year_start, carry_in, adjustments, full_year, executed, execution_rate, adjustment_rate, reallocation_ratio, carry_out, balance_rate, prior_full_year, growth_amount, growth_rate, gross_adjustments, gross_adjustment_rate, progress@YYYY-MM-DD"
                )
            });
        }
        if !is_key(rest) {
            return Err(format!(
                "`{rest}` is not a key: use letters, digits, `_`, `-` and non-empty dot-separated parts"
            ));
        }
        let key = rest.to_string();
        match prefix {
            "indicator" => Ok(Reference::Indicator(key)),
            "fact" => Ok(Reference::Fact(key)),
            "derived" => Ok(Reference::Derived(key)),
            "score" => Ok(Reference::Score(key)),
            "target" => Ok(Reference::Target(key)),
            "coefficient" => Ok(Reference::Coefficient(key)),
            other => Err(format!(
                "unknown reference kind `{other}`; expected one of {FORMS}"
            )),
        }
    }
}

/// Is `s` a dot-separated key of letters, digits, `_` and `-` (non-ASCII letters allowed)?
pub(crate) fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        })
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Indicator(k) => write!(f, "indicator.{k}"),
            Reference::Fact(k) => write!(f, "fact.{k}"),
            Reference::Derived(k) => write!(f, "derived.{k}"),
            Reference::Budget(m) => write!(f, "budget.{m}"),
            Reference::Score(k) => write!(f, "score.{k}"),
            Reference::Target(k) => write!(f, "target.{k}"),
            Reference::Coefficient(k) => write!(f, "coefficient.{k}"),
        }
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for s in [
            "indicator.perf.output.quantity.archive",
            "fact.docs.paper_in_district",
            "derived.meetings.total",
            "budget.execution_rate",
            "budget.progress@2022-06-30",
            "score.mgmt",
            "target.perf.satisfaction",
            "coefficient.mgmt.exec",
            "budget.gross_adjustment_rate",
        ] {
            assert_eq!(Reference::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Reference::parse("total").unwrap(),
            Reference::Score("total".into())
        );
    }

    #[test]
    fn malformed_references_are_rejected() {
        for s in [
            "budget.nope",
            "budget.progress@2022-13-01",
            "facts.x",
            "fact.",
            "fact.a..b",
            "fact.a b",
            "indicator",
            "",
        ] {
            assert!(Reference::parse(s).is_err(), "{s}");
        }
    }
}
