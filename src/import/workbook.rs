//! The rows of one sheet of a workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, read with
//! calamine), each cell with its sheet!cell place; numbers as their shortest exact decimal
//! text, date cells as dates.
//!
//! Owns: opening workbooks, choosing the sheet, turning cells into text. Must not: know what
//! the columns mean (`header.rs`, `table.rs`).

use super::ImportError;
use super::error::Place;
use super::rows::{Cell, RawRow};
use crate::model::BizDate;
use calamine::{Data, Reader};
use std::io::Cursor;
use std::path::Path;

/// Whether `bytes` start like a workbook: a zip archive (xlsx, ods) or an OLE file (xls).
#[must_use]
pub fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The rows of sheet `sheet` (the first when `None`) and a description of it.
pub(super) fn rows(
    bytes: Vec<u8>,
    origin: &Path,
    sheet: Option<&str>,
) -> Result<(Vec<RawRow>, String), ImportError> {
    let bad = |message: String| ImportError::Workbook {
        path: origin.to_path_buf(),
        message,
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        bad(format!(
            "not a workbook that can be read ({e}); save it as .xlsx, .xls or .ods, or as CSV"
        ))
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s || n.trim() == s.trim())
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "has no sheet `{s}`; its sheets are: {}; give one of them with --sheet",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad("has no sheets".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| bad(format!("sheet `{name}` cannot be read: {e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow {
            at: Place::Cell {
                file: origin.to_path_buf(),
                sheet: name.clone(),
                row: row0 as usize + i + 1,
                col: col0 as usize + 1,
            },
            cells: cells.iter().map(cell).collect(),
        })
        .collect();
    let position = names.iter().position(|n| *n == name).map_or(1, |p| p + 1);
    let description = if names.len() > 1 {
        format!(
            "sheet `{name}` ({position} of {}: {}; another with --sheet)",
            names.len(),
            names.join(", ")
        )
    } else {
        format!("sheet `{name}`")
    };
    Ok((rows, description))
}

/// A cell as text: numbers in their shortest form that reads back as the same binary value
/// (what the sheet shows at full precision), date cells as dates.
fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::text(String::new()),
        Data::String(s) => Cell::text(s.clone()),
        Data::Int(i) => Cell::text(i.to_string()),
        Data::Float(f) => Cell::text(float_text(*f)),
        Data::Bool(b) => Cell::text(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(dt) => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            let date = BizDate::from_ymd(i32::from(y), m, day);
            Cell {
                text: date.map_or_else(|| float_text(dt.as_f64()), |d| d.to_string()),
                date: date.filter(|_| dt.is_datetime()),
            }
        }
        Data::DateTimeIso(s) => {
            let date = super::value::date(s);
            Cell {
                text: s.clone(),
                date,
            }
        }
        Data::DurationIso(s) => Cell::text(s.clone()),
        Data::Error(e) => Cell::text(format!("#{e:?}")),
    }
}

/// The shortest decimal text of a float (Rust's `Display`, never an exponent).
fn float_text(f: f64) -> String {
    if f.is_finite() {
        format!("{f}")
    } else {
        "not a number".into()
    }
}
