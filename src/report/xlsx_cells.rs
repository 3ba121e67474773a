//! The cells of the XLSX report that every sheet writes: the formats, figures as numbers or
//! text, and citations as one line.
//!
//! Owns: how one cell is formatted. Must not: lay out a sheet (src/report/xlsx.rs and
//! xlsx_sheets.rs do).

use super::cite::{CiteGroup, CiteItem, EntryDetail};
use super::lang::Lang;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

/// The cell formats of the workbook.
pub(super) struct Formats {
    pub title: Format,
    pub head: Format,
    pub text: Format,
    pub wrap: Format,
    pub bold: Format,
    pub num: Format,
    pub mono: Format,
    pub marker: Format,
    pub line: Format,
}

impl Formats {
    pub(super) fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_font_name("Noto Sans CJK SC")
            .set_font_size(10);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            head: cell
                .clone()
                .set_bold()
                .set_background_color(0x00EE_EEEE)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            text: cell.clone(),
            wrap: cell.clone().set_text_wrap(),
            bold: cell.clone().set_bold(),
            num: cell.clone().set_num_format("0.00"),
            mono: cell
                .clone()
                .set_font_name("Noto Sans Mono")
                .set_font_size(8)
                .set_text_wrap(),
            marker: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_font_color(0x00BB_0000)
                .set_border(FormatBorder::Thick),
            line: Format::new().set_border_bottom(FormatBorder::Thin),
        }
    }
}

/// A decimal figure (`"99.96"`) as the number Excel stores, or `None` when it is not one.
pub(super) fn number(s: &str) -> Option<f64> {
    s.parse::<rust_decimal::Decimal>().ok()?;
    s.parse::<f64>().ok()
}

/// Writes `s` as a number when it is one, else as text.
pub(super) fn figure(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    match number(s) {
        Some(v) => ws.write_number_with_format(row, col, v, &f.num)?,
        None => ws.write_string_with_format(row, col, s, &f.text)?,
    };
    Ok(())
}

/// At most this many citations are written in one cell or note (a cell holds 32767
/// characters); the rest are counted, and every cited entry has its row in 引用条目.
pub(super) const CELL_CITES: usize = 200;

/// Citations as one line of text: `#6·5fc760 #25·4bea82`, groups as their range.
pub(super) fn cite_text(c: &[CiteItem]) -> String {
    let mut s = c
        .iter()
        .take(CELL_CITES)
        .map(|i| match i {
            CiteItem::Entry(c) => c.to_string(),
            CiteItem::Group(g) => g.range(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    if c.len() > CELL_CITES {
        s.push_str(&format!(" … (+{})", c.len() - CELL_CITES));
    }
    s
}

pub(super) fn group_words(g: &CiteGroup, l: Lang) -> String {
    g.words(l)
}

pub(super) fn detail(evidence: &[EntryDetail], seq: u64) -> Option<&EntryDetail> {
    evidence
        .binary_search_by_key(&seq, |e| e.seq)
        .ok()
        .and_then(|i| evidence.get(i))
}
