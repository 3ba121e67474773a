//! Scoring methods: pure functions from a leaf's weight, actual value and target to a raw
//! score. The raw score is not yet capped at the weight or floored at 0: [`clamp`] does that,
//! so a report can show both.

use super::bands::{Level, Side, beyond_limit, deviation, level_score};
use super::basics::{MethodError, Partial, Tier, tiers_points};
use rust_decimal::Decimal;
use serde::Serialize;

/// One item of a `checklist`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// What is checked.
    pub name: String,
    /// Its points (the items add up to the leaf's weight).
    #[serde(with = "crate::rules::dec")]
    pub points: Decimal,
}

/// A leaf's scoring method with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// Higher is better: full at or above target, else weight × actual / target.
    RatioHigher {
        /// Fixed target from the rule (else the recorded indicator target).
        #[serde(with = "crate::rules::dec_opt")]
        target: Option<Decimal>,
    },
    /// Lower is better: full at or below target, else weight × target / actual.
    RatioLower {
        /// Fixed target from the rule (else the recorded indicator target).
        #[serde(with = "crate::rules::dec_opt")]
        target: Option<Decimal>,
        /// Deduction per unit above a zero target.
        #[serde(with = "crate::rules::dec_opt")]
        deduct_per: Option<Decimal>,
    },
    /// Full if 0, else weight − deduct_per × occurrences.
    ZeroTolerance {
        /// Deduction per occurrence.
        #[serde(with = "crate::rules::dec")]
        deduct_per: Decimal,
    },
    /// Fixed points by band.
    Tiers {
        /// Bands, checked in order.
        tiers: Vec<Tier>,
    },
    /// weight × (1 − k × value).
    LinearPenalty {
        /// Penalty factor.
        #[serde(with = "crate::rules::dec")]
        k: Decimal,
    },
    /// Full at ≥ full_at; minus `points` per `step` below.
    StepDeduction {
        /// Value at and above which the weight is given in full.
        #[serde(with = "crate::rules::dec")]
        full_at: Decimal,
        /// Size of one step.
        #[serde(with = "crate::rules::dec")]
        step: Decimal,
        /// Points deducted per step.
        #[serde(with = "crate::rules::dec")]
        points: Decimal,
        /// How a started step counts.
        partial: Partial,
    },
    /// The evaluator's judged fraction in percent (0–100) of the weight.
    Qualitative,
    /// Points per unit beyond a limit (每超过/每低于一个百分点扣 P 分).
    BeyondLimit {
        /// The limit (以 100% 为标准: 1).
        #[serde(with = "crate::rules::dec")]
        limit: Decimal,
        /// Size of one unit (a percentage point of a fraction: 0.01).
        #[serde(with = "crate::rules::dec")]
        per: Decimal,
        /// Points lost per unit.
        #[serde(with = "crate::rules::dec")]
        points: Decimal,
        /// Which side loses.
        side: Side,
        /// How a started unit counts.
        partial: Partial,
    },
    /// Bands of the relative deviation |actual − target| / target (偏差度).
    Deviation {
        /// Fixed target from the rule (else the recorded indicator target).
        #[serde(with = "crate::rules::dec_opt")]
        target: Option<Decimal>,
        /// Bands on the deviation (a fraction), checked in order.
        tiers: Vec<Tier>,
    },
    /// Qualitative levels: the recorded code names a level, which gives a coefficient of the
    /// weight or fixed points.
    Levels {
        /// The levels.
        levels: Vec<Level>,
    },
    /// Each breach deducts a fixed amount; items (optional) document what is checked.
    Checklist {
        /// The items checked (may be empty: 每例扣 P 分 without a list).
        items: Vec<ChecklistItem>,
        /// Deduction per breach.
        #[serde(with = "crate::rules::dec")]
        deduct_per: Decimal,
    },
}

/// Method names accepted in a rule set.
pub(crate) const METHOD_NAMES: &str = "ratio_higher, ratio_lower, zero_tolerance, tiers, linear_penalty, step_deduction, qualitative, checklist, beyond_limit, deviation, levels";

impl Method {
    /// The method's name as written in a rule set.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Method::RatioHigher { .. } => "ratio_higher",
            Method::RatioLower { .. } => "ratio_lower",
            Method::ZeroTolerance { .. } => "zero_tolerance",
            Method::Tiers { .. } => "tiers",
            Method::LinearPenalty { .. } => "linear_penalty",
            Method::StepDeduction { .. } => "step_deduction",
            Method::Qualitative => "qualitative",
            Method::Checklist { .. } => "checklist",
            Method::BeyondLimit { .. } => "beyond_limit",
            Method::Deviation { .. } => "deviation",
            Method::Levels { .. } => "levels",
        }
    }

    /// Does the method compare the actual value with a target?
    #[must_use]
    pub fn uses_target(&self) -> bool {
        matches!(
            self,
            Method::RatioHigher { .. } | Method::RatioLower { .. } | Method::Deviation { .. }
        )
    }

    /// The target fixed by the rule, if any.
    #[must_use]
    pub fn rule_target(&self) -> Option<Decimal> {
        match self {
            Method::RatioHigher { target }
            | Method::RatioLower { target, .. }
            | Method::Deviation { target, .. } => *target,
            _ => None,
        }
    }

    /// The formula in words, as shown next to a node's score.
    #[must_use]
    pub fn formula(&self) -> String {
        match self {
            Method::RatioHigher { .. } => {
                "ratio_higher: actual ≥ target → weight; else weight × actual / target; target 0 → weight".into()
            }
            Method::RatioLower { deduct_per, .. } => match deduct_per {
                Some(d) => format!(
                    "ratio_lower: actual ≤ target → weight; else weight × target / actual; target 0 → weight − {d} × actual"
                ),
                None => "ratio_lower: actual ≤ target → weight; else weight × target / actual".into(),
            },
            Method::ZeroTolerance { deduct_per } => {
                format!("zero_tolerance: 0 → weight; else weight − {deduct_per} × occurrences")
            }
            Method::Tiers { tiers } => format!("tiers: {}; no band → 0", bands_words(tiers, "v")),
            Method::BeyondLimit { limit, per, points, side, partial } => format!(
                "beyond_limit: value {} {limit} → weight; else weight − {points} per {per} {} ({})",
                match side { Side::Over => "≤", Side::Under => "≥" },
                match side { Side::Over => "above", Side::Under => "below" },
                match partial {
                    Partial::Whole => "a started unit counts whole",
                    Partial::Proportional => "a started unit counts in proportion",
                }
            ),
            Method::Deviation { tiers, .. } => format!(
                "deviation: d = |actual − target| / target; {}; no band → 0",
                bands_words(tiers, "d")
            ),
            Method::Levels { levels } => {
                let ls: Vec<String> = levels
                    .iter()
                    .map(|l| match l.gives {
                        super::bands::LevelGives::Coefficient(c) => format!("{} ({}) → weight × {c}", l.name, l.code),
                        super::bands::LevelGives::Points(p) => format!("{} ({}) → {p}", l.name, l.code),
                    })
                    .collect();
                format!("levels: {}", ls.join("; "))
            }
            Method::LinearPenalty { k } => format!("linear_penalty: weight × (1 − {k} × value)"),
            Method::StepDeduction { full_at, step, points, partial } => format!(
                "step_deduction: value ≥ {full_at} → weight; else weight − {points} per {step} below ({})",
                match partial {
                    Partial::Whole => "a started step counts whole",
                    Partial::Proportional => "a started step counts in proportion",
                }
            ),
            Method::Qualitative => "qualitative: weight × judged percent / 100 (met 80–100, partly 60–80, not met 0–60)".into(),
            Method::Checklist { deduct_per, .. } => {
                format!("checklist: weight − {deduct_per} × breaches")
            }
        }
    }

    /// The raw score: not yet capped at the weight nor floored at 0 (see [`clamp`]).
    pub fn raw_score(
        &self,
        weight: Decimal,
        actual: Decimal,
        target: Option<Decimal>,
    ) -> Result<Decimal, MethodError> {
        match self {
            Method::RatioHigher { .. } => {
                ratio_higher(weight, actual, target.ok_or(MethodError::MissingTarget)?)
            }
            Method::RatioLower { deduct_per, .. } => ratio_lower(
                weight,
                actual,
                target.ok_or(MethodError::MissingTarget)?,
                *deduct_per,
            ),
            Method::ZeroTolerance { deduct_per } => zero_tolerance(weight, actual, *deduct_per),
            Method::Tiers { tiers } => Ok(tiers_points(tiers, actual)),
            Method::LinearPenalty { k } => linear_penalty(weight, *k, actual),
            Method::StepDeduction {
                full_at,
                step,
                points,
                partial,
            } => step_deduction(weight, actual, *full_at, *step, *points, *partial),
            Method::Qualitative => qualitative(weight, actual),
            Method::Checklist { deduct_per, .. } => zero_tolerance(weight, actual, *deduct_per),
            Method::BeyondLimit {
                limit,
                per,
                points,
                side,
                partial,
            } => beyond_limit(weight, actual, *limit, *per, *points, *side, *partial),
            Method::Deviation { tiers, .. } => {
                deviation(tiers, actual, target.ok_or(MethodError::MissingTarget)?)
            }
            Method::Levels { levels } => level_score(levels, weight, actual),
        }
    }
}

/// Bands in words: `v ≤ 0.1 → 4; ...`.
fn bands_words(tiers: &[Tier], v: &str) -> String {
    let bands: Vec<String> = tiers
        .iter()
        .map(|t| match (t.min, t.max) {
            (Some(a), Some(b)) => format!("{a} ≤ {v} ≤ {b} → {}", t.points),
            (Some(a), None) => format!("{v} ≥ {a} → {}", t.points),
            (None, Some(b)) => format!("{v} ≤ {b} → {}", t.points),
            (None, None) => format!("otherwise → {}", t.points),
        })
        .collect();
    bands.join("; ")
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, MethodError> {
    a.checked_mul(b).ok_or(MethodError::Overflow)
}

fn div(a: Decimal, b: Decimal) -> Result<Decimal, MethodError> {
    a.checked_div(b).ok_or(MethodError::Overflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, MethodError> {
    a.checked_sub(b).ok_or(MethodError::Overflow)
}

/// Caps a score at the weight and floors it at 0 (扣完为止).
#[must_use]
pub fn clamp(score: Decimal, weight: Decimal) -> Decimal {
    score.max(Decimal::ZERO).min(weight)
}

/// Higher is better: `actual ≥ target` → weight; else `weight × actual / target`.
/// A target of 0 is always met.
pub fn ratio_higher(
    weight: Decimal,
    actual: Decimal,
    target: Decimal,
) -> Result<Decimal, MethodError> {
    if target.is_sign_negative() && !target.is_zero() {
        return Err(MethodError::NegativeTarget(target));
    }
    if target.is_zero() || actual >= target {
        return Ok(weight);
    }
    div(mul(weight, actual)?, target)
}

/// Lower is better: `actual ≤ target` → weight; else `weight × target / actual`. With target
/// 0 it is zero tolerance: `weight − deduct_per × actual`, and `deduct_per` is required.
pub fn ratio_lower(
    weight: Decimal,
    actual: Decimal,
    target: Decimal,
    deduct_per: Option<Decimal>,
) -> Result<Decimal, MethodError> {
    if target.is_sign_negative() && !target.is_zero() {
        return Err(MethodError::NegativeTarget(target));
    }
    if actual <= target {
        return Ok(weight);
    }
    if target.is_zero() {
        let d = deduct_per.ok_or(MethodError::ZeroTargetNeedsDeduct(actual))?;
        return sub(weight, mul(d, actual)?);
    }
    // actual > target > 0 here, so the division is defined.
    div(mul(weight, target)?, actual)
}

/// Zero tolerance: 0 occurrences → weight; else `weight − deduct_per × occurrences`.
pub fn zero_tolerance(
    weight: Decimal,
    occurrences: Decimal,
    deduct_per: Decimal,
) -> Result<Decimal, MethodError> {
    if occurrences.is_sign_negative() && !occurrences.is_zero() {
        return Err(MethodError::NegativeCount(occurrences));
    }
    if occurrences.is_zero() {
        return Ok(weight);
    }
    sub(weight, mul(deduct_per, occurrences)?)
}

/// Linear penalty: `weight × (1 − k × value)`.
pub fn linear_penalty(weight: Decimal, k: Decimal, value: Decimal) -> Result<Decimal, MethodError> {
    mul(weight, sub(Decimal::ONE, mul(k, value)?)?)
}

/// Step deduction: `value ≥ full_at` → weight; else `weight − points × steps`, where steps =
/// (full_at − value) / step, rounded up unless `partial` is proportional.
pub fn step_deduction(
    weight: Decimal,
    value: Decimal,
    full_at: Decimal,
    step: Decimal,
    points: Decimal,
    partial: Partial,
) -> Result<Decimal, MethodError> {
    if value >= full_at {
        return Ok(weight);
    }
    let steps = div(sub(full_at, value)?, step)?;
    let steps = match partial {
        Partial::Whole => steps.ceil(),
        Partial::Proportional => steps,
    };
    sub(weight, mul(points, steps)?)
}

/// Qualitative: `weight × percent / 100`, the percent judged by the evaluator (0–100).
pub fn qualitative(weight: Decimal, percent: Decimal) -> Result<Decimal, MethodError> {
    if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
        return Err(MethodError::FractionOutOfRange(percent));
    }
    div(mul(weight, percent)?, Decimal::ONE_HUNDRED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn ratio_higher_edges() {
        assert_eq!(ratio_higher(d("6"), d("100"), d("100")).unwrap(), d("6"));
        assert_eq!(ratio_higher(d("6"), d("120"), d("100")).unwrap(), d("6"));
        assert_eq!(ratio_higher(d("6"), d("50"), d("100")).unwrap(), d("3"));
        assert_eq!(ratio_higher(d("10"), d("81"), d("90")).unwrap(), d("9"));
        // target 0 → full, whatever the actual
        assert_eq!(ratio_higher(d("6"), d("0"), d("0")).unwrap(), d("6"));
        // below 0 stays raw; clamp floors it
        assert_eq!(
            clamp(ratio_higher(d("6"), d("-10"), d("100")).unwrap(), d("6")),
            d("0")
        );
        assert_eq!(
            ratio_higher(d("6"), d("1"), d("-1")),
            Err(MethodError::NegativeTarget(d("-1")))
        );
    }

    #[test]
    fn ratio_lower_edges_and_zero_target() {
        assert_eq!(ratio_lower(d("4"), d("10"), d("10"), None).unwrap(), d("4"));
        assert_eq!(ratio_lower(d("4"), d("5"), d("10"), None).unwrap(), d("4"));
        assert_eq!(ratio_lower(d("4"), d("20"), d("10"), None).unwrap(), d("2"));
        assert_eq!(ratio_lower(d("4"), d("0"), d("0"), None).unwrap(), d("4"));
        assert_eq!(
            ratio_lower(d("4"), d("0.02"), d("0"), None),
            Err(MethodError::ZeroTargetNeedsDeduct(d("0.02")))
        );
        assert_eq!(
            ratio_lower(d("4"), d("0.02"), d("0"), Some(d("40"))).unwrap(),
            d("3.2")
        );
        assert_eq!(
            clamp(
                ratio_lower(d("4"), d("0.5"), d("0"), Some(d("40"))).unwrap(),
                d("4")
            ),
            d("0")
        );
    }

    #[test]
    fn zero_tolerance_and_checklist_floor_at_zero() {
        assert_eq!(zero_tolerance(d("6"), d("0"), d("2")).unwrap(), d("6"));
        assert_eq!(zero_tolerance(d("6"), d("1"), d("2")).unwrap(), d("4"));
        assert_eq!(zero_tolerance(d("6"), d("3"), d("2")).unwrap(), d("0"));
        assert_eq!(
            clamp(zero_tolerance(d("6"), d("4"), d("2")).unwrap(), d("6")),
            d("0")
        );
        assert_eq!(
            zero_tolerance(d("6"), d("-1"), d("2")),
            Err(MethodError::NegativeCount(d("-1")))
        );
        let m = Method::Checklist {
            items: vec![],
            deduct_per: d("1"),
        };
        assert_eq!(m.raw_score(d("4"), d("2"), None).unwrap(), d("2"));
    }

    #[test]
    fn tier_boundaries_are_inclusive_and_first_match_wins() {
        let t = |max: &str, p: &str| Tier {
            min: None,
            max: Some(d(max)),
            points: d(p),
        };
        let tiers = vec![t("0.10", "4"), t("0.20", "3"), t("0.30", "2")];
        assert_eq!(tiers_points(&tiers, d("0")), d("4"));
        assert_eq!(tiers_points(&tiers, d("0.10")), d("4"));
        assert_eq!(tiers_points(&tiers, d("0.1000001")), d("3"));
        assert_eq!(tiers_points(&tiers, d("0.20")), d("3"));
        assert_eq!(tiers_points(&tiers, d("0.30")), d("2"));
        assert_eq!(tiers_points(&tiers, d("0.31")), d("0"));
        let mins = vec![
            Tier {
                min: Some(d("90")),
                max: None,
                points: d("5"),
            },
            Tier {
                min: None,
                max: None,
                points: d("1"),
            },
        ];
        assert_eq!(tiers_points(&mins, d("90")), d("5"));
        assert_eq!(tiers_points(&mins, d("89.99")), d("1"));
    }

    #[test]
    fn linear_penalty_edges() {
        assert_eq!(linear_penalty(d("4"), d("10"), d("0")).unwrap(), d("4"));
        assert_eq!(linear_penalty(d("4"), d("10"), d("0.05")).unwrap(), d("2"));
        assert_eq!(
            clamp(linear_penalty(d("4"), d("10"), d("0.2")).unwrap(), d("4")),
            d("0")
        );
    }

    #[test]
    fn step_deduction_whole_and_proportional() {
        let w = |v: &str| {
            step_deduction(d("8"), d(v), d("1"), d("0.05"), d("2"), Partial::Whole).unwrap()
        };
        assert_eq!(w("1"), d("8"));
        assert_eq!(w("1.2"), d("8"));
        assert_eq!(w("0.95"), d("6"));
        assert_eq!(w("0.9499"), d("4"));
        assert_eq!(w("0.99"), d("6"));
        assert_eq!(clamp(w("0.5"), d("8")), d("0"));
        let p = step_deduction(
            d("8"),
            d("0.99"),
            d("1"),
            d("0.05"),
            d("2"),
            Partial::Proportional,
        )
        .unwrap();
        assert_eq!(p, d("7.6"));
    }

    #[test]
    fn qualitative_range() {
        assert_eq!(qualitative(d("4"), d("100")).unwrap(), d("4"));
        assert_eq!(qualitative(d("4"), d("0")).unwrap(), d("0"));
        assert_eq!(qualitative(d("4"), d("99")).unwrap(), d("3.96"));
        assert_eq!(
            qualitative(d("4"), d("100.1")),
            Err(MethodError::FractionOutOfRange(d("100.1")))
        );
        assert_eq!(
            qualitative(d("4"), d("-1")),
            Err(MethodError::FractionOutOfRange(d("-1")))
        );
    }

    #[test]
    fn ratio_methods_without_target_say_so() {
        let m = Method::RatioHigher { target: None };
        assert_eq!(
            m.raw_score(d("1"), d("1"), None),
            Err(MethodError::MissingTarget)
        );
    }
}
