//! Scoring methods described in Chinese, for the 自评表 of a Chinese report: the same
//! formula as [`Method::formula`] gives in English, parameter for parameter.
//!
//! Owns: that wording. Must not: compute scores, read the ledger or know about report
//! sections.

use crate::rules::{Method, Partial};

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
            let bands: Vec<String> = tiers
                .iter()
                .map(|t| match (t.min, t.max) {
                    (Some(a), Some(b)) => format!("{a} ≤ 实际值 ≤ {b} 得 {} 分", t.points),
                    (Some(a), None) => format!("实际值 ≥ {a} 得 {} 分", t.points),
                    (None, Some(b)) => format!("实际值 ≤ {b} 得 {} 分", t.points),
                    (None, None) => format!("其余 得 {} 分", t.points),
                })
                .collect();
            format!("分档计分:{};不在任何档 得 0 分", bands.join(";"))
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
