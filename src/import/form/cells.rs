//! Cells of a 自评表 read exactly: a figure as written (`≥100%`, `≤0份`, `1,923.65`), a number
//! cell as the shortest decimal of the number Excel holds, and A1 cell names.
//!
//! Owns: those conversions. Must not: know the form's layout or the rule set.

use crate::model::{Direction, Number};
use calamine::Data;
use rust_decimal::Decimal;

/// A figure of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Figure {
    /// `≥`, `≤` or `=` if written.
    pub direction: Option<Direction>,
    /// The number, at the precision written.
    pub value: Number,
    /// The unit written after it (`%`, `份`, `次`), or empty.
    pub unit: String,
    /// The cell's text as it stands (a number cell: its shortest decimal).
    pub text: String,
}

/// `A1` name of a 0-based row and column.
#[must_use]
pub(super) fn cell_name(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// The figure in a cell, or `None` for an empty cell (or one holding only `—`, `-`, `/`, or
/// `未录入`, which a report writes for a leaf whose input is not recorded yet).
/// A number cell is read at `min_scale` decimals at least: it is shown at that precision in
/// the form (scores and amounts with two decimals).
pub(super) fn figure(d: &Data, min_scale: u32) -> Result<Option<Figure>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::String(s) => {
            let t = s.trim();
            if t.is_empty() || matches!(t, "—" | "–" | "-" | "/" | "／" | "——" | "未录入")
            {
                return Ok(None);
            }
            text_figure(t).map(Some)
        }
        Data::Int(i) => Ok(Some(number(Decimal::from(*i), min_scale))),
        Data::Float(f) => {
            if !f.is_finite() {
                return Err("not a finite number".into());
            }
            // Rust prints the shortest decimal that reads back as the same double.
            let text = format!("{f}");
            let d = text
                .parse::<Decimal>()
                .map_err(|_| format!("{text} is out of range"))?;
            Ok(Some(number(d, min_scale)))
        }
        Data::Bool(b) => Err(format!("a truth value ({b}), expected a number")),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err("a date or time, expected a number; format the cell as a number or text".into())
        }
        Data::Error(e) => Err(format!(
            "the cell holds an error ({e}); fix the formula or type the figure"
        )),
    }
}

fn number(d: Decimal, min_scale: u32) -> Figure {
    let text = d.normalize().to_string();
    let mut v = d.normalize();
    if v.scale() < min_scale {
        v.rescale(min_scale);
    }
    Figure {
        direction: None,
        value: Number::new(v),
        unit: String::new(),
        text,
    }
}

/// A figure written as text: an optional direction, a number (thousands commas allowed), an
/// optional unit.
pub(super) fn text_figure(s: &str) -> Result<Figure, String> {
    let t = s.trim();
    let dirs: [(&str, Direction); 9] = [
        ("≥", Direction::AtLeast),
        (">=", Direction::AtLeast),
        ("＞＝", Direction::AtLeast),
        ("≤", Direction::AtMost),
        ("<=", Direction::AtMost),
        ("＜＝", Direction::AtMost),
        ("==", Direction::Equal),
        ("=", Direction::Equal),
        ("＝", Direction::Equal),
    ];
    let (direction, rest) = dirs
        .iter()
        .find_map(|(p, d)| t.strip_prefix(p).map(|r| (Some(*d), r)))
        .unwrap_or((None, t));
    let rest = rest.trim_start();
    let end = rest
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || *c == ',' || (*i == 0 && *c == '-')))
        .map_or(rest.len(), |(i, _)| i);
    let (num, unit) = rest.split_at(end);
    let num: String = num.chars().filter(|c| *c != ',').collect();
    if num.is_empty() || num == "-" {
        return Err(format!(
            "`{s}` is not a figure; write a number with an optional ≥/≤ before it and a unit after it (`≥100%`, `0份`)"
        ));
    }
    let value: Number = num
        .parse()
        .map_err(|_| format!("`{s}`: `{num}` is not a number"))?;
    let unit = unit.trim().replace('％', "%");
    if unit.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{s}`: more than one number; write one figure per cell"
        ));
    }
    Ok(Figure {
        direction,
        value,
        unit,
        text: t.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(11, 7), "H12");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
    }

    #[test]
    fn figures_keep_what_was_written() {
        let f = text_figure("≥100%").unwrap();
        assert_eq!(f.direction, Some(Direction::AtLeast));
        assert_eq!(f.value.to_string(), "100");
        assert_eq!(f.unit, "%");
        let f = text_figure("≤0份").unwrap();
        assert_eq!(
            (f.direction, f.value.to_string(), f.unit.as_str()),
            (Some(Direction::AtMost), "0".into(), "份")
        );
        let f = text_figure("100.0％").unwrap();
        assert_eq!((f.value.scale(), f.unit.as_str()), (1, "%"));
        assert_eq!(
            text_figure("1,923.65").unwrap().value.to_string(),
            "1923.65"
        );
        assert!(text_figure("良好").is_err());
        assert!(text_figure("3 of 4").is_err());
    }

    #[test]
    fn number_cells_are_exact_at_the_printed_precision() {
        let f = figure(&Data::Float(99.96), 2).unwrap().unwrap();
        assert_eq!(f.value.to_string(), "99.96");
        let f = figure(&Data::Float(50.0), 2).unwrap().unwrap();
        assert_eq!(
            (f.value.to_string(), f.text.as_str()),
            ("50.00".into(), "50")
        );
        let f = figure(&Data::Float(0.1 + 0.2), 0).unwrap().unwrap();
        assert_eq!(f.value.to_string(), "0.30000000000000004");
        assert_eq!(figure(&Data::String(" — ".into()), 2).unwrap(), None);
        assert_eq!(figure(&Data::String("未录入".into()), 2).unwrap(), None);
        assert!(figure(&Data::Bool(true), 2).is_err());
    }
}
