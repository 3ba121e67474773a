//! The values of spreadsheet cells as finance staff write them: amounts with `−`, full-width
//! digits, thousands separators, `万`/`万元`/`元` suffixes or the header's unit; dates as
//! `2022-06-30`, `2022/6/30`, `2022年6月30日`, `20220630` or Excel serial numbers; Chinese
//! and English names of fund sources, expense types and kinds.
//!
//! Owns: this parsing of import input, each refusal with an accepted form. Must not: know
//! about rows, columns or files; change how `model::num` reads command-line input.

use crate::model::{BizDate, BudgetKind, ExpenseType, FundSource, Money, ParseError};
use std::str::FromStr;

/// The unit an amount column is in, from its header (`金额（万元）`), yuan otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// 元.
    Yuan,
    /// 万元 (10,000 yuan).
    Wan,
}

impl Unit {
    /// `元` or `万元`.
    #[must_use]
    pub fn zh(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::Wan => "万元",
        }
    }
}

/// Full-width ASCII (`１２３．４５`, `（`, `，`) and ideographic spaces as ASCII; `−` (U+2212)
/// and other dashes used as minus signs as `-`.
#[must_use]
pub fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            '\u{2212}' | '\u{2012}' | '\u{2013}' | '\u{FE63}' => '-',
            '\u{FFE5}' => '¥',
            _ => c,
        })
        .collect()
}

/// An amount of money as a cell holds it; `unit` applies when the text has no unit of its own.
pub fn amount(text: &str, unit: Unit) -> Result<Money, String> {
    const FORM: &str = "write it as 1923.65, 1,923.65, −200.00, 1923.65元 or 19.2365万元";
    // Plain yuan digits (most cells of a large export) need none of the rewriting below.
    let plain = text.trim();
    if unit == Unit::Yuan
        && !plain.is_empty()
        && plain.len() < 40
        && plain
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || b == b'.' || (i == 0 && b == b'-'))
        && let Ok(m) = Money::from_str(plain)
    {
        return Ok(m);
    }
    let t: String = halfwidth(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (t, negative_paren) = match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (inner.to_string(), true),
        None => (t, false),
    };
    let t = t.trim_start_matches('¥');
    let (body, unit) = if let Some(b) = t.strip_suffix("万元") {
        (b, Unit::Wan)
    } else if let Some(b) = t.strip_suffix('万') {
        (b, Unit::Wan)
    } else if let Some(b) = t.strip_suffix('元') {
        (b, Unit::Yuan)
    } else {
        (t, unit)
    };
    let body = body.trim_start_matches('¥');
    if body.is_empty() {
        return Err(format!("the amount is empty; {FORM}"));
    }
    if body.contains(['e', 'E']) && body.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is in scientific notation, which has lost digits; format the column as a number with 2 decimals before saving, or {FORM}"
        ));
    }
    let (sign, digits) = match body.as_bytes().first() {
        Some(b'-') => ("-", &body[1..]),
        Some(b'+') => ("", &body[1..]),
        _ => ("", body),
    };
    let sign = if negative_paren {
        if sign.is_empty() { "-" } else { "!" }
    } else {
        sign
    };
    let plain = without_separators(digits)
        .filter(|d| {
            sign != "!" && !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
        .ok_or_else(|| format!("`{text}` is not an amount; {FORM}"))?;
    let written = format!(
        "{sign}{plain}{}",
        if unit == Unit::Wan { "万元" } else { "" }
    );
    Money::from_str(&written).map_err(|e| match e {
        ParseError::TooPrecise(_) => format!(
            "`{text}` has more than 2 decimals in 元 (6 in 万元); amounts are exact to the fen: round it as the source document does (in a sheet, =ROUND(x,2))"
        ),
        ParseError::OutOfRange(_) => format!(
            "`{text}` is out of range: amounts are accepted from -1000000000000.00 to 1000000000000.00 元 (±1 万亿元); check the figure for a typing error"
        ),
        _ => format!("`{text}` is not an amount; {FORM}"),
    })
}

/// Digits with thousands separators (`1,923,650.00`) as plain digits; `None` if the commas
/// do not group the integer part by three.
fn without_separators(digits: &str) -> Option<String> {
    if !digits.contains(',') {
        return Some(digits.to_string());
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let groups: Vec<&str> = int.split(',').collect();
    let ok = !frac.contains(',')
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3);
    ok.then(|| {
        let mut s = groups.concat();
        if digits.contains('.') {
            s.push('.');
            s.push_str(frac);
        }
        s
    })
}

/// The accepted date forms, for messages.
pub const DATE_FORMS: &str =
    "write it as 2022-06-30, 2022/6/30, 2022年6月30日 or 20220630 (an Excel date cell works too)";

/// A date as a cell holds it (a time of day after it is ignored), or an Excel serial day
/// number (1900 date system: 44742 = 2022-06-30).
#[must_use]
pub fn date(text: &str) -> Option<BizDate> {
    let plain = text.trim();
    if plain.len() == 10
        && plain.as_bytes()[4] == b'-'
        && let Ok(d) = BizDate::from_str(plain)
    {
        return Some(d);
    }
    let t = halfwidth(text);
    let t = t.trim();
    let day = t.split([' ', 'T']).next().unwrap_or("");
    if !day.is_empty() && day.chars().all(|c| c.is_ascii_digit()) {
        return match day.len() {
            8 => ymd(&day[..4], &day[4..6], &day[6..]),
            1..=7 if t == day => day.parse().ok().and_then(excel_serial),
            _ => None,
        };
    }
    if let Some((whole, frac)) = day.split_once('.')
        && !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && whole.len() <= 7
    {
        return whole.parse().ok().and_then(excel_serial);
    }
    let day = day.trim_end_matches('日');
    let parts: Vec<&str> = day.split(['-', '/', '.', '年', '月']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => ymd(y, m, d),
        _ => None,
    }
}

fn ymd(y: &str, m: &str, d: &str) -> Option<BizDate> {
    let ok = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(ok(y, 4) && ok(m, 2) && ok(d, 2)) {
        return None;
    }
    BizDate::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The date of an Excel serial day number in the 1900 date system, whose day 60 is the
/// 1900-02-29 that never was (refused); 1 is 1900-01-01.
#[must_use]
pub fn excel_serial(serial: u32) -> Option<BizDate> {
    if serial == 0 || serial == 60 || serial > 2_958_465 {
        return None;
    }
    let base = time::Date::from_calendar_date(1899, time::Month::December, 31).ok()?;
    let days = i64::from(serial) - i64::from(serial > 60);
    base.checked_add(time::Duration::days(days)).map(BizDate)
}

/// Written forms accepted for each kind besides its Chinese and snake-case names.
const KIND_SYNONYMS: [(&str, BudgetKind); 14] = [
    ("年初预算数", BudgetKind::YearStart),
    ("年初", BudgetKind::YearStart),
    ("结转", BudgetKind::CarryIn),
    ("上年结转结余", BudgetKind::CarryIn),
    ("追加预算", BudgetKind::AdjustAdd),
    ("调增", BudgetKind::AdjustAdd),
    ("调减预算", BudgetKind::AdjustCut),
    ("预算调剂", BudgetKind::Reallocate),
    ("支付", BudgetKind::Execution),
    ("付款", BudgetKind::Execution),
    ("实际支出", BudgetKind::Execution),
    ("执行", BudgetKind::Execution),
    ("累计执行", BudgetKind::ExecutionCumulative),
    ("结转下年度", BudgetKind::CarryOut),
];

/// A budget kind by its Chinese or snake-case name or a common synonym (`支付`, `付款`).
#[must_use]
pub fn kind(s: &str) -> Option<BudgetKind> {
    if let Some(k) = BudgetKind::parse(s.trim()) {
        return Some(k);
    }
    let s = compact(s);
    BudgetKind::parse(&s).or_else(|| KIND_SYNONYMS.iter().find(|x| x.0 == s).map(|x| x.1))
}

/// A fund source by its Chinese or snake-case name, or with `资金`/`拨款` after it.
#[must_use]
pub fn fund_source(s: &str) -> Option<FundSource> {
    if let Some(f) = FundSource::parse(s.trim()) {
        return Some(f);
    }
    let s = compact(s);
    FundSource::parse(&s).or_else(|| {
        ["拨款", "资金", "收入"]
            .iter()
            .find_map(|suffix| s.strip_suffix(suffix).and_then(FundSource::parse))
    })
}

/// An expense type by its Chinese or snake-case name.
#[must_use]
pub fn expense_type(s: &str) -> Option<ExpenseType> {
    ExpenseType::parse(s.trim()).or_else(|| ExpenseType::parse(&compact(s)))
}

/// Half-width, without spaces, lower-case ASCII.
#[must_use]
pub fn compact(s: &str) -> String {
    halfwidth(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `1,923,650.00` for a yuan amount (for messages and reports).
#[must_use]
pub fn yuan_text(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(s: &str, unit: Unit) -> i64 {
        amount(s, unit).unwrap_or_else(|e| panic!("{s}: {e}")).fen()
    }

    #[test]
    fn amounts_in_the_forms_finance_staff_write() {
        assert_eq!(fen("1,923.65", Unit::Yuan), 192_365);
        assert_eq!(fen("１，９２３．６５", Unit::Yuan), 192_365);
        assert_eq!(fen("\u{2212}200.00", Unit::Yuan), -20_000);
        assert_eq!(fen("－200", Unit::Yuan), -20_000);
        assert_eq!(fen("(1,000.00)", Unit::Yuan), -100_000);
        assert_eq!(fen("¥1,000.00", Unit::Yuan), 100_000);
        assert_eq!(fen("1923.65万元", Unit::Yuan), 1_923_650_000);
        assert_eq!(fen("1923.65万", Unit::Yuan), 1_923_650_000);
        assert_eq!(fen("1923.65", Unit::Wan), 1_923_650_000);
        assert_eq!(fen("100元", Unit::Wan), 10_000, "the text's own unit wins");
        assert_eq!(fen(" 12 345.00 ", Unit::Yuan), 1_234_500);
        for bad in ["1,92,3.00", "abc", "1.92E+07", "", "1.234", "--5", "(-5)"] {
            let e = amount(bad, Unit::Yuan).unwrap_err();
            assert!(e.contains("1,923.65") || e.contains("fen"), "{bad}: {e}");
        }
        assert!(
            amount("1.234", Unit::Yuan)
                .unwrap_err()
                .contains("2 decimals")
        );
        assert!(
            amount("1.9E+07", Unit::Yuan)
                .unwrap_err()
                .contains("scientific")
        );
    }

    #[test]
    fn dates_in_the_forms_sheets_hold() {
        let d = |s: &str| date(s).map(|d| d.to_string());
        for s in [
            "2022-06-30",
            "2022/6/30",
            "2022.6.30",
            "2022年6月30日",
            "２０２２－０６－３０",
            "20220630",
            "44742",
            "44742.5",
            "2022/6/30 0:00",
            "2022-06-30T00:00:00",
        ] {
            assert_eq!(d(s).as_deref(), Some("2022-06-30"), "{s}");
        }
        assert_eq!(
            excel_serial(1).map(|d| d.to_string()).as_deref(),
            Some("1900-01-01")
        );
        assert_eq!(
            excel_serial(61).map(|d| d.to_string()).as_deref(),
            Some("1900-03-01")
        );
        for bad in ["2022-02-30", "60", "6/30/2022", "x", "2022-6", ""] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_and_synonyms() {
        assert_eq!(kind("支 出"), Some(BudgetKind::Execution));
        assert_eq!(kind("支付"), Some(BudgetKind::Execution));
        assert_eq!(kind("Year_Start"), Some(BudgetKind::YearStart));
        assert_eq!(
            fund_source("一般公共预算拨款"),
            Some(FundSource::GeneralPublic)
        );
        assert_eq!(expense_type("项目支出"), Some(ExpenseType::Project));
        assert_eq!(yuan_text(-123_456_789), "-1,234,567.89");
        assert_eq!(yuan_text(5), "0.05");
    }
}
