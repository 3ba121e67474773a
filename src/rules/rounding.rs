//! Rounding policy of a rule set: scale, mode (half-up) and when rounding happens.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// How ties are rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 四舍五入: x.xx5 goes away from zero.
    HalfUp,
}

/// When rounding happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingWhen {
    /// Each leaf's score is rounded before parents sum them.
    PerIndicator,
    /// Sums are exact; only each displayed subtotal and the total are rounded.
    Totals,
}

/// The rounding policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rounding {
    /// Decimals shown (2 in published tables).
    pub scale: u32,
    /// Tie rule.
    pub mode: RoundingMode,
    /// When rounding happens.
    pub when: RoundingWhen,
}

impl Rounding {
    /// Rounds to the policy's scale with its mode, padding to exactly `scale` decimals.
    #[must_use]
    pub fn round(&self, d: Decimal) -> Decimal {
        match self.mode {
            RoundingMode::HalfUp => round_half_up(d, self.scale),
        }
    }
}

/// Rounds half away from zero (四舍五入) to `scale` decimals, and pads to exactly that many.
#[must_use]
pub fn round_half_up(d: Decimal, scale: u32) -> Decimal {
    let mut r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    if r.scale() < scale {
        r.rescale(scale);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn half_up_at_exactly_five() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round_half_up(d("1.005"), 2).to_string(), "1.01");
        assert_eq!(round_half_up(d("1.0049999"), 2).to_string(), "1.00");
        assert_eq!(round_half_up(d("2.675"), 2).to_string(), "2.68");
        assert_eq!(round_half_up(d("-0.045"), 2).to_string(), "-0.05");
        assert_eq!(round_half_up(d("50"), 2).to_string(), "50.00");
        assert_eq!(round_half_up(d("3.45"), 1).to_string(), "3.5");
        assert_eq!(round_half_up(d("99.95"), 0).to_string(), "100");
    }
}
