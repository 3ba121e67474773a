//! Properties of how spreadsheet cells are read: every amount in the accepted range reads back
//! to the same fen in each written form (thousands separators, full-width, U+2212 minus,
//! accounting parentheses, 万元), and every date reads back from its Excel serial number and
//! its Chinese form.

use jixiao::import::{Unit, parse_amount, parse_date};
use jixiao::model::{BizDate, Money};
use proptest::prelude::*;

/// `1,234,567.89` (negative with a leading `-`).
fn grouped(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}.{:02}", if fen < 0 { "-" } else { "" }, abs % 100)
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap(),
            _ => c,
        })
        .collect()
}

fn fen_of(s: &str, unit: Unit) -> i64 {
    parse_amount(s, unit)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .fen()
}

proptest! {
    #[test]
    fn every_written_form_of_an_amount_reads_back(fen in -Money::MAX_INPUT.fen()..=Money::MAX_INPUT.fen()) {
        let g = grouped(fen);
        prop_assert_eq!(fen_of(&g, Unit::Yuan), fen);
        prop_assert_eq!(fen_of(&full_width(&g), Unit::Yuan), fen);
        prop_assert_eq!(fen_of(&g.replace('-', "\u{2212}"), Unit::Yuan), fen);
        prop_assert_eq!(fen_of(&format!("{g}元"), Unit::Wan), fen);
        if fen < 0 {
            prop_assert_eq!(fen_of(&format!("({})", &g[1..]), Unit::Yuan), fen);
        }
        // The same amount in 万元: fen / 10^6, exact to 6 decimals.
        let abs = fen.unsigned_abs();
        let wan = format!("{}{}.{:06}", if fen < 0 { "-" } else { "" }, abs / 1_000_000, abs % 1_000_000);
        prop_assert_eq!(fen_of(&wan, Unit::Wan), fen);
        prop_assert_eq!(fen_of(&format!("{wan}万元"), Unit::Yuan), fen);
        prop_assert_eq!(fen_of(&format!("{wan}万"), Unit::Yuan), fen);
    }

    #[test]
    fn a_finer_amount_than_a_fen_is_refused_not_rounded(fen in 0i64..1_000_000_000, extra in 1u8..10) {
        let s = format!("{}{extra}", grouped(fen));
        let e = parse_amount(&s, Unit::Yuan).unwrap_err();
        prop_assert!(e.contains("more than 2 decimals"), "{}: {}", s, e);
    }

    #[test]
    fn every_date_reads_back_from_its_serial_and_chinese_form(days in 61i64..=2_958_465) {
        let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).unwrap();
        let date = BizDate(epoch + time::Duration::days(days));
        prop_assert_eq!(parse_date(&days.to_string()), Some(date));
        prop_assert_eq!(parse_date(&format!("{days}.75")), Some(date));
        let d = date.0;
        let zh = format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day());
        prop_assert_eq!(parse_date(&zh), Some(date));
        let slash = format!("{}/{}/{} 14:30", d.year(), u8::from(d.month()), d.day());
        prop_assert_eq!(parse_date(&slash), Some(date));
    }
}
