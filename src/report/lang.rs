//! Words and numbers shared by every part of the report: the language of the labels, a point
//! of history in words, decimals shown at 2 or at most 6 places, entry kinds in words and
//! recorded times in China Standard Time for human-readable output (JSON keeps UTC).
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

    /// An entry's one-line summary (worded in English by the model) in this language: the
    /// catalogue's `summary.*` forms (src/messages.rs), so that a report's bytes depend on its
    /// `--lang` alone, never on the locale.
    #[must_use]
    pub fn summary(self, english: &str) -> String {
        match self {
            Lang::Zh => crate::messages::localize_in(crate::messages::Lang::Zh, "summary", english),
            Lang::En => english.to_string(),
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

/// An entry kind's stable name (`rule_set`, `budget`, ...) in the report's language: the
/// Chinese name (`评分规则`, `预算`) or, in English, the name itself.
#[must_use]
pub fn kind_words(kind: &str, l: Lang) -> &str {
    if l == Lang::En {
        return kind;
    }
    match kind {
        "genesis" => "建账",
        "grant" => "授权",
        "revoke" => "撤销授权",
        "rule_set" => "评分规则",
        "staffing" => "人员编制",
        "budget" => "预算",
        "target" => "绩效目标",
        "value" => "指标实际值",
        "fact" => "事实数据",
        "evidence" => "佐证材料",
        "claim" => "报告声明数",
        "adjustment" => "评分调整",
        "correction" => "更正",
        "acknowledgement" => "确认发现",
        other => other,
    }
}

/// A recorded time as the ledger keeps it (`2023-02-15T02:00:00Z`, UTC) shown in China
/// Standard Time (UTC+8, no daylight saving): `2023-02-15 10:00:00 北京时间` (`... CST` in
/// English). Text that is not such a time is returned as it is.
#[must_use]
pub fn cst(utc: &str, l: Lang) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let Ok(t) = time::PrimitiveDateTime::parse(utc, fmt) else {
        return utc.to_string();
    };
    let Some(t) = t.checked_add(time::Duration::hours(8)) else {
        return utc.to_string();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        l.pick("北京时间", "CST")
    )
}

/// The date part of [`cst`]: `2023-02-15` (or the text as it is).
#[must_use]
pub fn cst_date(utc: &str) -> String {
    let full = cst(utc, Lang::Zh);
    match full.split_once(' ') {
        Some((d, _)) if full != utc => d.to_string(),
        _ => utc.to_string(),
    }
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

    #[test]
    fn times_in_china_standard_time() {
        assert_eq!(
            cst("2023-02-15T02:00:00Z", Lang::Zh),
            "2023-02-15 10:00:00 北京时间"
        );
        assert_eq!(
            cst("2022-12-31T20:30:05Z", Lang::En),
            "2023-01-01 04:30:05 CST"
        );
        assert_eq!(cst_date("2022-12-31T16:00:00Z"), "2023-01-01");
        assert_eq!(cst("", Lang::Zh), "");
        assert_eq!(cst_date("not a time"), "not a time");
    }

    #[test]
    fn kinds_in_words() {
        assert_eq!(kind_words("rule_set", Lang::Zh), "评分规则");
        assert_eq!(kind_words("budget", Lang::Zh), "预算");
        assert_eq!(kind_words("budget", Lang::En), "budget");
        assert_eq!(kind_words("something_new", Lang::Zh), "something_new");
    }
}
