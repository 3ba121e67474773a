//! Words and numbers shared by every part of the report: the language of the labels, a point
//! of history in words, and decimals shown at 2 or at most 6 places.
//!
//! Owns: those conversions. Must not: read the ledger, know about report sections, or depend
//! on any other report module.

use crate::eval::{AsOf, rfc3339};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// Language of the labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the Chinese or English wording.
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// `d` rounded half-up to 2 decimals, always showing 2.
#[must_use]
pub fn two(d: Decimal) -> String {
    format!(
        "{:.2}",
        d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// An exact decimal string shown to at most 6 decimals (half-up), for display.
#[must_use]
pub fn six(s: &str) -> String {
    s.parse::<Decimal>().map_or_else(
        |_| s.to_string(),
        |d| {
            d.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
                .to_string()
        },
    )
}

/// A point of history in words.
pub trait AsOfText {
    /// `全部记录` / `latest`, `seq 41`, `2022-06-30`.
    fn text(&self, l: Lang) -> String;
}

impl AsOfText for AsOf {
    fn text(&self, l: Lang) -> String {
        match self {
            AsOf::Latest => l.pick("全部记录", "all entries").to_string(),
            AsOf::Seq(s) => format!("seq {s}"),
            AsOf::Time(t) => format!("{} {}", l.pick("记录至", "recorded by"), rfc3339(*t)),
            AsOf::Date(d) => d.to_string(),
            AsOf::Both(k, d) => {
                let known = AsOf::new(Some(*k), None).text(l);
                format!("{d} ({known})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    #[test]
    fn numbers_format_exactly() {
        assert_eq!(two(Decimal::new(49_955, 3)), "49.96");
        assert_eq!(two(Decimal::new(-45, 3)), "-0.05");
        assert_eq!(two(Decimal::new(100, 0)), "100.00");
        assert_eq!(two(Money::from_fen(1_923_650_000).wan()), "1923.65");
        assert_eq!(six("3.6231610814537893438340004"), "3.623161");
        assert_eq!(six("0.5"), "0.5");
        assert_eq!(six("n/a"), "n/a");
    }

    #[test]
    fn languages_and_points_of_history() {
        assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::En.pick("总分", "Total"), "Total");
        assert_eq!(AsOf::Latest.text(Lang::Zh), "全部记录");
        assert_eq!(AsOf::Seq(7).text(Lang::En), "seq 7");
    }
}
