//! The vocabulary every scoring method shares: the error a method gives, how a started step
//! counts, and a band of points with the lookup of the band a value falls in.
//!
//! Owns: those types. Must not: know any particular method (src/rules/method.rs and bands.rs
//! do).

use rust_decimal::Decimal;
use serde::Serialize;

/// Why a method could not score its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MethodError {
    /// A ratio method has no target: neither the rule nor the ledger gives one.
    #[error("no target: record an IndicatorTarget for the indicator or give `target` in the rule")]
    MissingTarget,
    /// A negative target for a ratio method.
    #[error("target {0} is negative; ratio methods need a target ≥ 0")]
    NegativeTarget(Decimal),
    /// `ratio_lower` with target 0 and a non-zero actual needs `deduct_per`.
    #[error(
        "target is 0 and the actual value {0} is above it: add `deduct_per` to the rule (zero tolerance)"
    )]
    ZeroTargetNeedsDeduct(Decimal),
    /// A count of occurrences or breaches below zero.
    #[error("count {0} is negative; occurrences and breaches are counted from 0")]
    NegativeCount(Decimal),
    /// A qualitative judgement outside 0–100 percent.
    #[error("judged fraction {0} is outside 0–100 (percent); record a value between 0 and 100")]
    FractionOutOfRange(Decimal),
    /// A qualitative level's code that the rule's `levels` do not list.
    #[error("recorded level code {0} is not one of the rule's `levels`; record one of their codes")]
    UnknownLevel(Decimal),
    /// A deviation from a target of 0 with a non-zero actual value is not defined.
    #[error(
        "the target is 0 and the actual value {0} is not: a relative deviation is not defined; use `tiers` on the value instead"
    )]
    ZeroTargetDeviation(Decimal),
    /// Arithmetic overflow (the figures are far beyond any budget).
    #[error("arithmetic overflow; check the recorded figures for typing errors")]
    Overflow,
}

/// How a partial step counts in `step_deduction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Partial {
    /// A started step counts as a whole step (the default).
    Whole,
    /// A started step counts in proportion.
    Proportional,
}

/// One band of a `tiers` method: the value must be ≥ `min` (if given) and ≤ `max` (if
/// given); the first band that matches gives its points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tier {
    /// Lower bound, inclusive.
    #[serde(with = "crate::rules::dec_opt")]
    pub min: Option<Decimal>,
    /// Upper bound, inclusive.
    #[serde(with = "crate::rules::dec_opt")]
    pub max: Option<Decimal>,
    /// Points given.
    #[serde(with = "crate::rules::dec")]
    pub points: Decimal,
}

/// Tiers: the points of the first band the value falls in (bounds inclusive); none → 0.
#[must_use]
pub fn tiers_points(tiers: &[Tier], value: Decimal) -> Decimal {
    tiers
        .iter()
        .find(|t| t.min.is_none_or(|m| value >= m) && t.max.is_none_or(|m| value <= m))
        .map_or(Decimal::ZERO, |t| t.points)
}
