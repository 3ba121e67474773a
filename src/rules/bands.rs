//! The scoring methods that compare a value with a limit or a target by distance, and the
//! qualitative levels: `beyond_limit` (每超过/每低于一个百分点扣 P 分), `deviation` (偏差度
//! bands around a `=` target) and `levels` (优/良/中/差 → coefficient or points).
//!
//! Owns: these pure functions and their parameter types. Must not: read recorded data; the
//! raw score they return is capped and floored by [`super::clamp`] afterwards.

use super::basics::{MethodError, Partial, Tier, tiers_points};
use rust_decimal::Decimal;
use serde::Serialize;

/// Which side of the limit loses points in `beyond_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Values above the limit lose points (控制率: 每超过一个百分点扣 P 分).
    Over,
    /// Values below the limit lose points (完成率: 每低于一个百分点扣 P 分).
    Under,
}

/// One qualitative level: its name, the code recorded for it, and what it gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Name as in the table (优, 良, 达成, ...).
    pub name: String,
    /// The number recorded as the value for this level.
    #[serde(with = "crate::rules::dec")]
    pub code: Decimal,
    /// What the level gives.
    pub gives: LevelGives,
}

/// What a level gives: a share of the weight or fixed points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelGives {
    /// weight × coefficient (0–1).
    Coefficient(#[serde(with = "crate::rules::dec")] Decimal),
    /// Fixed points (0–weight).
    Points(#[serde(with = "crate::rules::dec")] Decimal),
}

/// Beyond a limit: `points` per `per` beyond `limit` on the losing `side`; a started unit
/// counts whole or in proportion. At or within the limit → weight.
pub fn beyond_limit(
    weight: Decimal,
    value: Decimal,
    limit: Decimal,
    per: Decimal,
    points: Decimal,
    side: Side,
    partial: Partial,
) -> Result<Decimal, MethodError> {
    let beyond = match side {
        Side::Over => value.checked_sub(limit),
        Side::Under => limit.checked_sub(value),
    }
    .ok_or(MethodError::Overflow)?;
    if beyond <= Decimal::ZERO {
        return Ok(weight);
    }
    let units = beyond.checked_div(per).ok_or(MethodError::Overflow)?;
    let units = match partial {
        Partial::Whole => units.ceil(),
        Partial::Proportional => units,
    };
    let lost = points.checked_mul(units).ok_or(MethodError::Overflow)?;
    weight.checked_sub(lost).ok_or(MethodError::Overflow)
}

/// The relative deviation |actual − target| / target, defined as 0 when both are 0.
pub fn deviation_of(actual: Decimal, target: Decimal) -> Result<Decimal, MethodError> {
    let diff = actual
        .checked_sub(target)
        .ok_or(MethodError::Overflow)?
        .abs();
    if target.is_zero() {
        return if diff.is_zero() {
            Ok(Decimal::ZERO)
        } else {
            Err(MethodError::ZeroTargetDeviation(actual))
        };
    }
    diff.checked_div(target.abs()).ok_or(MethodError::Overflow)
}

/// Deviation bands: the points of the first band the deviation falls in; none → 0.
pub fn deviation(tiers: &[Tier], actual: Decimal, target: Decimal) -> Result<Decimal, MethodError> {
    Ok(tiers_points(tiers, deviation_of(actual, target)?))
}

/// Levels: the level whose code is recorded gives its coefficient of the weight or its points.
pub fn level_score(
    levels: &[Level],
    weight: Decimal,
    code: Decimal,
) -> Result<Decimal, MethodError> {
    let l = levels
        .iter()
        .find(|l| l.code == code)
        .ok_or(MethodError::UnknownLevel(code))?;
    match l.gives {
        LevelGives::Coefficient(c) => weight.checked_mul(c).ok_or(MethodError::Overflow),
        LevelGives::Points(p) => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn beyond_limit_over_and_under() {
        // 以100%为标准,每超过一个百分点扣0.5分: 1.03 → 3 points over → 2 − 1.5.
        let over =
            |v: &str, p| beyond_limit(d("2"), d(v), d("1"), d("0.01"), d("0.5"), Side::Over, p);
        assert_eq!(over("1", Partial::Whole).unwrap(), d("2"));
        assert_eq!(over("0.9", Partial::Whole).unwrap(), d("2"));
        assert_eq!(over("1.03", Partial::Whole).unwrap(), d("0.5"));
        assert_eq!(over("1.025", Partial::Whole).unwrap(), d("0.5"));
        assert_eq!(over("1.025", Partial::Proportional).unwrap(), d("0.75"));
        let under = beyond_limit(
            d("5"),
            d("0.97"),
            d("1"),
            d("0.01"),
            d("1"),
            Side::Under,
            Partial::Whole,
        );
        assert_eq!(under.unwrap(), d("2"));
    }

    #[test]
    fn deviation_bands_and_zero_target() {
        let t = |max: &str, p: &str| Tier {
            min: None,
            max: Some(d(max)),
            points: d(p),
        };
        let bands = vec![t("0.05", "10"), t("0.10", "8"), t("0.20", "5")];
        assert_eq!(deviation(&bands, d("104"), d("100")).unwrap(), d("10"));
        assert_eq!(deviation(&bands, d("92"), d("100")).unwrap(), d("8"));
        assert_eq!(deviation(&bands, d("121"), d("100")).unwrap(), d("0"));
        assert_eq!(deviation_of(d("0"), d("0")).unwrap(), d("0"));
        assert_eq!(
            deviation_of(d("1"), d("0")),
            Err(MethodError::ZeroTargetDeviation(d("1")))
        );
    }

    #[test]
    fn levels_by_code() {
        let lv = vec![
            Level {
                name: "优".into(),
                code: d("1"),
                gives: LevelGives::Coefficient(d("1")),
            },
            Level {
                name: "良".into(),
                code: d("2"),
                gives: LevelGives::Coefficient(d("0.8")),
            },
            Level {
                name: "差".into(),
                code: d("4"),
                gives: LevelGives::Points(d("0")),
            },
        ];
        assert_eq!(level_score(&lv, d("5"), d("2")).unwrap(), d("4.0"));
        assert_eq!(level_score(&lv, d("5"), d("4")).unwrap(), d("0"));
        assert_eq!(
            level_score(&lv, d("5"), d("3")),
            Err(MethodError::UnknownLevel(d("3")))
        );
    }
}
