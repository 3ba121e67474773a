//! Scoring methods described in Chinese, for the 自评表 of a Chinese report: the same
//! formula as [`Method::formula`] gives in English, parameter for parameter.
//!
//! Owns: that wording. Must not: compute scores, read the ledger or know about report
//! sections.

use crate::rules::{LevelGives, Method, Partial, Side, Tier};

/// The formula of `m` in Chinese words (`定性评价:分值 × 评定百分比 / 100 ...`).
#[must_use]
pub fn formula_zh(m: &Method) -> String {
    match m {
        Method::RatioHigher { .. } => {
            "比率法(越高越好):实际值 ≥ 目标值 得满分;否则 分值 × 实际值 / 目标值;目标值为 0 得满分"
                .into()
        }
        Method::RatioLower { deduct_per, .. } => match deduct_per {
            Some(d) => format!(
                "比率法(越低越好):实际值 ≤ 目标值 得满分;否则 分值 × 目标值 / 实际值;目标值为 0 时 分值 − {d} × 实际值"
            ),
            None => "比率法(越低越好):实际值 ≤ 目标值 得满分;否则 分值 × 目标值 / 实际值".into(),
        },
        Method::ZeroTolerance { deduct_per } => {
            format!("零容忍:为 0 得满分;否则 分值 − {deduct_per} × 发生次数")
        }
        Method::Tiers { tiers } => {
            format!("分档计分:{};不在任何档 得 0 分", bands_zh(tiers, "实际值"))
        }
        Method::BeyondLimit {
            limit,
            per,
            points,
            side,
            partial,
        } => format!(
            "以 {limit} 为标准:实际值 {} {limit} 得满分;否则每{} {per} 扣 {points} 分,扣完为止({})",
            match side {
                Side::Over => "≤",
                Side::Under => "≥",
            },
            match side {
                Side::Over => "超过",
                Side::Under => "低于",
            },
            match partial {
                Partial::Whole => "不足一个单位按一个计",
                Partial::Proportional => "不足一个单位按比例计",
            }
        ),
        Method::Deviation { tiers, .. } => format!(
            "偏差度 d = |实际值 − 目标值| / 目标值:{};不在任何档 得 0 分",
            bands_zh(tiers, "d")
        ),
        Method::Levels { levels } => {
            let ls: Vec<String> = levels
                .iter()
                .map(|l| match l.gives {
                    LevelGives::Coefficient(c) => {
                        format!("{}(记为 {})得 分值 × {c}", l.name, l.code)
                    }
                    LevelGives::Points(p) => format!("{}(记为 {})得 {p} 分", l.name, l.code),
                })
                .collect();
            format!("等级评价:{}", ls.join(";"))
        }
        Method::LinearPenalty { k } => format!("线性扣分:分值 × (1 − {k} × 实际值)"),
        Method::StepDeduction {
            full_at,
            step,
            points,
            partial,
        } => format!(
            "阶梯扣分:实际值 ≥ {full_at} 得满分;否则每低 {step} 扣 {points} 分({})",
            match partial {
                Partial::Whole => "不足一档按一档计",
                Partial::Proportional => "不足一档按比例计",
            }
        ),
        Method::Qualitative => {
            "定性评价:分值 × 评定百分比 / 100(达成 80–100,部分达成 60–80,未达成 0–60)".into()
        }
        Method::Checklist { deduct_per, .. } => {
            format!("清单扣分:分值 − {deduct_per} × 违规项数")
        }
    }
}

/// Bands in Chinese words, the value called `v`.
fn bands_zh(tiers: &[Tier], v: &str) -> String {
    let bands: Vec<String> = tiers
        .iter()
        .map(|t| match (t.min, t.max) {
            (Some(a), Some(b)) => format!("{a} ≤ {v} ≤ {b} 得 {} 分", t.points),
            (Some(a), None) => format!("{v} ≥ {a} 得 {} 分", t.points),
            (None, Some(b)) => format!("{v} ≤ {b} 得 {} 分", t.points),
            (None, None) => format!("其余 得 {} 分", t.points),
        })
        .collect();
    bands.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn parameters_are_kept() {
        let m = Method::ZeroTolerance {
            deduct_per: Decimal::new(2, 0),
        };
        assert_eq!(
            formula_zh(&m),
            "零容忍:为 0 得满分;否则 分值 − 2 × 发生次数"
        );
        let m = Method::StepDeduction {
            full_at: Decimal::ONE,
            step: Decimal::new(5, 2),
            points: Decimal::new(2, 0),
            partial: Partial::Whole,
        };
        assert_eq!(
            formula_zh(&m),
            "阶梯扣分:实际值 ≥ 1 得满分;否则每低 0.05 扣 2 分(不足一档按一档计)"
        );
        assert!(formula_zh(&Method::Qualitative).starts_with("定性评价"));
    }
}
