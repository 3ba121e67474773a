//! Where things stand in a 自评表: the sheet, the indicator table's header row and columns,
//! and the budget block above it. Cells are kept at their sheet positions, so every fault is
//! named by its real cell.
//!
//! Owns: reading the workbook (calamine) and finding the header rows. Must not: interpret
//! figures or know the rule set.

use super::{
    ACTUAL_HEADER, BUDGET_HEADERS, FORM_SHEET, FormError, LEVEL_HEADERS, MAX_FORM_BYTES,
    SCORE_HEADER, WEIGHT_HEADER, norm,
};
use calamine::{Data, Reader, open_workbook_auto};
use std::path::Path;

/// One sheet's cells, by absolute position.
pub(super) struct Table {
    pub sheet: String,
    origin: (u32, u32),
    cells: Vec<Vec<Data>>,
}

const EMPTY: Data = Data::Empty;

impl Table {
    /// One past the last row.
    pub fn rows(&self) -> u32 {
        self.origin.0 + u32::try_from(self.cells.len()).unwrap_or(u32::MAX)
    }

    pub fn cell(&self, row: u32, col: u32) -> &Data {
        let (Some(r), Some(c)) = (
            row.checked_sub(self.origin.0),
            col.checked_sub(self.origin.1),
        ) else {
            return &EMPTY;
        };
        self.cells
            .get(r as usize)
            .and_then(|cells| cells.get(c as usize))
            .unwrap_or(&EMPTY)
    }

    /// The cell's text, trimmed, if it has any (numbers as their shortest decimal).
    pub fn text(&self, row: u32, col: u32) -> Option<String> {
        let t = match self.cell(row, col) {
            Data::Empty => return None,
            Data::String(s) => s.trim().to_string(),
            Data::Float(f) => format!("{f}"),
            Data::Int(i) => i.to_string(),
            other => other.to_string(),
        };
        (!t.is_empty()).then_some(t)
    }

    /// The first non-empty text of a row.
    pub fn first_text(&self, row: u32) -> Option<String> {
        let width = self.width();
        (self.origin.1..width).find_map(|c| self.text(row, c))
    }

    /// One past the last column.
    pub fn width(&self) -> u32 {
        let w = self.cells.iter().map(Vec::len).max().unwrap_or(0);
        self.origin.1 + u32::try_from(w).unwrap_or(u32::MAX)
    }
}

/// The budget block: the row of figures and the columns of 年初预算数, 全年预算数, 全年执行数,
/// 执行率, 分值, 得分 (each if present).
#[derive(Clone, Debug)]
pub(super) struct Budget {
    pub row: u32,
    pub cols: [Option<u32>; 6],
}

/// The indicator table's columns.
pub(super) struct Layout {
    pub header_row: u32,
    pub levels: Vec<u32>,
    pub target: Option<u32>,
    pub actual: Option<u32>,
    pub weight: Option<u32>,
    pub score: Option<u32>,
    pub reason: Option<u32>,
    pub budget: Option<Budget>,
}

/// Reads the form's sheet: the one named 自评表, else the first with a `一级指标` header.
pub(super) fn load(path: &Path) -> Result<Table, FormError> {
    let open_err = |message: String| FormError::Open {
        path: path.to_path_buf(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| open_err(format!("cannot read: {e}")))?
        .len();
    if size > MAX_FORM_BYTES {
        return Err(open_err(format!(
            "{size} bytes; a 自评表 of more than {} MiB is refused unread",
            MAX_FORM_BYTES >> 20
        )));
    }
    let mut wb = open_workbook_auto(path)
        .map_err(|e| open_err(format!("not a readable spreadsheet: {e}")))?;
    let names = wb.sheet_names();
    let mut order: Vec<String> = names.iter().filter(|n| *n == FORM_SHEET).cloned().collect();
    order.extend(names.iter().filter(|n| *n != FORM_SHEET).cloned());
    for name in order {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| open_err(format!("sheet {name}: {e}")))?;
        let origin = range.start().unwrap_or((0, 0));
        let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let t = Table {
            sheet: name,
            origin,
            cells,
        };
        if header_row(&t).is_some() {
            return Ok(t);
        }
    }
    Err(FormError::Open {
        path: path.to_path_buf(),
        message: format!(
            "no sheet has a header row with `{}` (sheets: {}); the 自评表's indicator table starts with the headers {} … {SCORE_HEADER} (docs/FORM.md)",
            LEVEL_HEADERS[0],
            names.join(", "),
            LEVEL_HEADERS[..3].join("/")
        ),
    })
}

fn header_row(t: &Table) -> Option<u32> {
    (t.origin.0..t.rows()).find(|&r| {
        (t.origin.1..t.width()).any(|c| t.text(r, c).is_some_and(|s| norm(&s) == LEVEL_HEADERS[0]))
    })
}

impl Layout {
    pub fn find(t: &Table, path: &Path) -> Result<Layout, FormError> {
        let Some(h) = header_row(t) else {
            return Err(FormError::At {
                path: path.to_path_buf(),
                at: t.sheet.clone(),
                message: format!("no `{}` header", LEVEL_HEADERS[0]),
            });
        };
        let heads: Vec<(u32, String)> = (t.origin.1..t.width())
            .filter_map(|c| t.text(h, c).map(|s| (c, norm(&s))))
            .collect();
        let find = |p: &dyn Fn(&str) -> bool| heads.iter().find(|(_, s)| p(s)).map(|(c, _)| *c);
        let mut levels = Vec::new();
        for l in LEVEL_HEADERS {
            match heads.iter().find(|(_, s)| s == l) {
                Some((c, _)) => levels.push(*c),
                None => break,
            }
        }
        let layout = Layout {
            header_row: h,
            levels,
            target: find(&|s| s.contains("指标值") || s.contains("年度目标")),
            actual: find(&|s| s.contains(ACTUAL_HEADER) || s == "实际完成"),
            weight: find(&|s| s.contains(WEIGHT_HEADER) || s == "权重"),
            score: find(&|s| s.contains(SCORE_HEADER)),
            reason: find(&|s| s.contains("偏差原因")),
            budget: budget(t, h),
        };
        if layout.score.is_none() {
            return Err(FormError::At {
                path: path.to_path_buf(),
                at: format!("{}!{}", t.sheet, super::cell_name(h, t.origin.1)),
                message: format!(
                    "the header row has no `{SCORE_HEADER}` column; the 自评表 needs one (docs/FORM.md)"
                ),
            });
        }
        Ok(layout)
    }
}

/// The budget block above the indicator table: a row with `年初预算数` or `全年执行数`, and
/// the first row below it with a figure in one of its columns.
fn budget(t: &Table, before: u32) -> Option<Budget> {
    let (hr, cols) = (t.origin.0..before).find_map(|r| {
        let mut cols = [None; 6];
        for c in t.origin.1..t.width() {
            if let Some(s) = t.text(r, c).map(|s| norm(&s)) {
                for (i, h) in BUDGET_HEADERS.iter().enumerate() {
                    if cols[i].is_none() && s.contains(h) {
                        cols[i] = Some(c);
                    }
                }
            }
        }
        (cols[0].is_some() || cols[2].is_some()).then_some((r, cols))
    })?;
    let row = (hr + 1..before).find(|&r| cols.iter().flatten().any(|&c| t.text(r, c).is_some()))?;
    Some(Budget { row, cols })
}

/// The fiscal year the form's title states (`2022年度…`), with its cell, if a cell above the
/// indicator table states one.
pub(super) fn stated_year(t: &Table, before: u32) -> Option<(i32, u32, u32)> {
    (t.origin.0..before).find_map(|r| {
        (t.origin.1..t.width()).find_map(|c| {
            let s = t.text(r, c)?;
            let at = s.find("年度")?;
            let digits: String = s[..at]
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect();
            let year: String = digits.chars().rev().collect();
            (year.len() == 4).then(|| year.parse().ok().map(|y| (y, r, c)))?
        })
    })
}
