//! The many-ledger table as a spreadsheet (`verify --format xlsx`): a sheet `ledgers` with one
//! row per ledger and the columns of the text table, and a sheet `summary`.
//!
//! Owns: the workbook's layout. Must not: decide anything (rows carry their verdicts), or make
//! a file that differs between runs on the same ledgers (the document's creation time is fixed).
//! Counts are written as numbers (exact: far below 2^53), totals as numbers with the two
//! decimals of their text (the file holds the decimal digits, e.g. `99.96`), hashes and ids as
//! text.

use super::{LedgerRow, Summary};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// The columns of sheet `ledgers`, in order.
pub const COLUMNS: [&str; 20] = [
    "file",
    "status",
    "ok",
    "department",
    "year",
    "ledger_id",
    "entries",
    "batches",
    "head",
    "merkle_root",
    "checkpoints_kept",
    "latest_checkpoint",
    "entries_since_checkpoint",
    "checkpoint_trusted",
    "total",
    "grade",
    "claims_checked",
    "findings",
    "unacknowledged",
    "problem",
];

/// Builds the workbook of `rows` and `summary` and returns its bytes.
pub fn workbook(rows: &[LedgerRow], summary: &Summary) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    let sheet = wb.add_worksheet();
    sheet.set_name("ledgers")?;
    for (c, name) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, c, name, &bold)?;
    }
    for (r, row) in (1u32..).zip(rows) {
        write_row(sheet, r, row, &two)?;
    }
    let last = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last, u16::try_from(COLUMNS.len() - 1).unwrap_or(0))?;
    for (c, w) in (0u16..).zip([
        40, 9, 6, 30, 6, 34, 9, 8, 66, 66, 8, 8, 8, 7, 6, 8, 8, 8, 60,
    ]) {
        sheet.set_column_width(c, w)?;
    }
    let s = wb.add_worksheet();
    s.set_name("summary")?;
    let counts: [(&str, u64); 5] = [
        ("ledgers", s_u64(summary.ledgers)),
        ("ok", s_u64(summary.ok)),
        ("findings", s_u64(summary.findings)),
        ("failed", s_u64(summary.failed)),
        ("entries", summary.entries),
    ];
    for (r, (name, n)) in (0u32..).zip(counts) {
        s.write_string_with_format(r, 0, name, &bold)?;
        write_count(s, r, 1, n)?;
    }
    s.write_string_with_format(6, 0, "not ok", &bold)?;
    s.write_string_with_format(6, 1, "status", &bold)?;
    s.write_string_with_format(6, 2, "problem", &bold)?;
    for (r, n) in (7u32..).zip(&summary.not_ok) {
        s.write_string(r, 0, n.ledger.display().to_string())?;
        s.write_string(r, 1, n.status.word())?;
        s.write_string(r, 2, &n.problem)?;
    }
    s.set_column_width(0, 40)?;
    s.set_column_width(2, 80)?;
    wb.save_to_buffer()
}

fn s_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A count as a number (exact while below 2^53, which any count of entries or ledgers is).
fn write_count(s: &mut Worksheet, r: u32, c: u16, n: u64) -> Result<(), XlsxError> {
    // u32 converts to f64 losslessly; larger counts go through their decimal text.
    match u32::try_from(n) {
        Ok(small) => s.write_number(r, c, small)?,
        Err(_) => s.write_number(r, c, n.to_string().parse::<f64>().unwrap_or(f64::MAX))?,
    };
    Ok(())
}

/// The double whose shortest decimal text has the value of `text` (so that the cell holds
/// exactly the figure), or `None` when there is none (then the cell is text).
fn number_of(text: &str) -> Option<f64> {
    use std::str::FromStr;
    let exact = rust_decimal::Decimal::from_str(text).ok()?;
    let v = text.parse::<f64>().ok()?;
    let back = rust_decimal::Decimal::from_str(&v.to_string()).ok()?;
    (back == exact).then_some(v)
}

fn write_row(s: &mut Worksheet, r: u32, row: &LedgerRow, two: &Format) -> Result<(), XlsxError> {
    let text = |s: &mut Worksheet, c: u16, v: Option<&str>| -> Result<(), XlsxError> {
        if let Some(v) = v {
            s.write_string(r, c, v)?;
        }
        Ok(())
    };
    let count = |s: &mut Worksheet, c: u16, v: Option<u64>| -> Result<(), XlsxError> {
        match v {
            Some(n) => write_count(s, r, c, n),
            None => Ok(()),
        }
    };
    text(s, 0, Some(&row.ledger.display().to_string()))?;
    text(s, 1, Some(row.status.word()))?;
    s.write_boolean(r, 2, row.ok)?;
    text(s, 3, row.department.as_deref())?;
    if let Some(y) = row.year {
        s.write_number(r, 4, y)?;
    }
    text(s, 5, row.ledger_id.as_deref())?;
    count(s, 6, row.entries)?;
    count(s, 7, row.batches)?;
    text(s, 8, row.head.as_deref())?;
    text(s, 9, row.merkle_root.as_deref())?;
    count(s, 10, Some(s_u64(row.checkpoint.kept)))?;
    count(s, 11, row.checkpoint.latest)?;
    count(s, 12, row.checkpoint.behind)?;
    if let Some(t) = &row.checkpoint.trusted {
        s.write_boolean(r, 13, t.ok)?;
    }
    if let Some(c) = &row.recompute {
        if let Some(t) = &c.total {
            // The decimal text of a two-decimal score parses to the double nearest it, which
            // the file writes back as the same digits.
            match number_of(t) {
                Some(v) => s.write_number_with_format(r, 14, v, two)?,
                None => s.write_string(r, 14, t)?,
            };
        }
        text(s, 15, c.grade.as_deref())?;
        count(s, 16, Some(s_u64(c.claims_checked)))?;
        count(s, 17, Some(s_u64(c.findings.len())))?;
        count(s, 18, Some(s_u64(c.unacknowledged)))?;
    }
    text(s, 19, row.problem().as_deref())?;
    Ok(())
}
