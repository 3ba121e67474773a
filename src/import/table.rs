//! Rows of a spreadsheet (CSV or workbook sheet) to budget events: the header found under any
//! title rows, every data row read and checked with all its bad cells reported (up to a
//! limit), blank rows skipped, 合计/小计 rows checked against the rows above and not imported.
//!
//! Owns: the walk over the rows (header search, blank, total and footer rows, the error limit)
//! and filling in the summary. Must not: read files or decode bytes (`mod.rs`, `decode.rs`,
//! `csv.rs`, `workbook.rs` do), give cells their meaning (`row.rs`), or open a ledger.

use super::error::{ImportError, Place, RowError};
use super::header::{ColumnMap, Field, Header, read_header};
use super::report::TableReport;
use super::row::{RowReader, Sums, check_total, total_word};
use super::rows::RawRow;
use super::{Batch, TableImport};
use crate::model::{BudgetKind, Event, Role};
use crate::progress::{EVERY, Progress};
use std::path::Path;

/// Most bad cells listed for one file; the rest are counted.
pub const MAX_ROW_ERRORS: usize = 100;

/// Rows looked at for the header before giving up.
const HEADER_SEARCH_ROWS: usize = 30;

/// How to read a spreadsheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableOptions {
    /// The text encoding of a CSV file; detected when `None`.
    pub encoding: Option<super::Encoding>,
    /// The sheet of a workbook; the first when `None`.
    pub sheet: Option<String>,
    /// The `--columns` mapping.
    pub columns: ColumnMap,
    /// The ledger's fiscal year, to check dates in (not checked when `None`; the ledger does).
    pub year: Option<i32>,
    /// Most bad cells listed.
    pub max_errors: usize,
}

impl Default for TableOptions {
    fn default() -> TableOptions {
        TableOptions {
            encoding: None,
            sheet: None,
            columns: ColumnMap::default(),
            year: None,
            max_errors: MAX_ROW_ERRORS,
        }
    }
}

/// Reads `rows` as a budget table (see the module doc).
pub(super) fn read_rows(
    mut rows: impl Iterator<Item = Result<RawRow, ImportError>>,
    origin: &Path,
    options: &TableOptions,
    progress: &dyn Progress,
    total_hint: u64,
) -> Result<TableImport, ImportError> {
    let map = &options.columns;
    let mut report = TableReport::new(origin);
    let mut first_at = None;
    let (header, header_at, width) = loop {
        match rows.next().transpose()? {
            None => return Err(no_header(first_at, origin)),
            Some(row) => {
                first_at.get_or_insert_with(|| row.at.clone());
                let texts: Vec<String> = row.cells.iter().map(|c| c.text.clone()).collect();
                if let Some(h) = read_header(&texts, map) {
                    let width = texts
                        .iter()
                        .rposition(|t| !t.trim().is_empty())
                        .map_or(0, |i| i + 1);
                    break (h, row.at, width);
                }
                if report.above.len() + report.blank >= HEADER_SEARCH_ROWS {
                    return Err(no_header(first_at, origin));
                }
                if row.is_blank() {
                    report.blank += 1;
                } else {
                    report.above.push((row.at.line(), row_text(&row)));
                }
            }
        }
    };
    check_columns(&header, &header_at, map)?;
    let default_kind = header
        .index(Field::BudgetKind)
        .is_none()
        .then(|| map.budget_kind.unwrap_or(BudgetKind::Execution));
    let reader = RowReader {
        header: &header,
        map,
        default_kind,
        year: options.year,
        unit: header.unit(),
    };
    // Sized once from the number of lines: growing by doubling held the old and the new
    // buffer at once, 140 MB more at the peak of a million-row import.
    let rows_hint = usize::try_from(total_hint).unwrap_or(0).min(1 << 26);
    let mut events = Vec::with_capacity(rows_hint);
    let mut lines = Vec::with_capacity(rows_hint);
    let mut errors = Vec::new();
    let mut more = 0usize;
    let mut sums = Sums::default();
    let mut after_total = false;
    let mut seen = 0u64;
    let mut push_errors = |found: Vec<RowError>, errors: &mut Vec<RowError>| {
        for e in found {
            if errors.len() < options.max_errors {
                errors.push(e);
            } else {
                more += 1;
            }
        }
    };
    for row in rows {
        seen += 1;
        if seen.is_multiple_of(EVERY) {
            progress.update("parse", seen, total_hint.max(seen));
        }
        let row = match row {
            Ok(r) => r,
            Err(ImportError::Table {
                at,
                column,
                message,
            }) => {
                push_errors(
                    vec![RowError {
                        at,
                        column,
                        message,
                    }],
                    &mut errors,
                );
                break;
            }
            Err(e) => return Err(e),
        };
        if row.is_blank() {
            report.blank += 1;
            continue;
        }
        let amount_index = header.index(Field::Amount);
        if let Some(word) = total_word(&row, amount_index) {
            let found = check_total(
                &row,
                &word,
                amount_index,
                reader.unit,
                &mut sums,
                &mut report,
            );
            push_errors(found.into_iter().collect(), &mut errors);
            after_total = true;
            continue;
        }
        if after_total && row.get(amount_index).is_empty() {
            report.footer.push((row.at.line(), row_text(&row)));
            continue;
        }
        if let (Place::Line(_), Some(extra)) = (&row.at, beyond(&row, width)) {
            sums.bad_all = true;
            sums.bad_since = true;
            push_errors(vec![extra], &mut errors);
            continue;
        }
        match reader.event(&row) {
            Ok(b) => {
                let fen = i128::from(b.amount.fen());
                sums.all += fen;
                sums.since += fen;
                sums.all_rows += 1;
                sums.since_rows += 1;
                report.sum_fen += fen;
                if report.first.len() < super::report::FIRST_ROWS {
                    report.first.push((row.at.clone(), b.clone()));
                }
                events.push(Event::Budget(b));
                lines.push(row.at.line());
            }
            Err(found) => {
                sums.bad_all = true;
                sums.bad_since = true;
                push_errors(found, &mut errors);
            }
        }
    }
    progress.update("parse", seen, seen);
    if !errors.is_empty() {
        return Err(ImportError::Rows {
            file: origin.to_path_buf(),
            errors,
            more,
        });
    }
    if events.is_empty() {
        return Err(ImportError::Table {
            at: header_at,
            column: "row".into(),
            message: "no rows after the header; a batch has at least one event".into(),
        });
    }
    report.header_line = header_at.line();
    report.header_at = Some(header_at);
    report.header = Some(header.clone());
    report.default_kind = default_kind;
    report.defaults = (map.fund_source, map.expense_type);
    report.rows = events.len();
    Ok(TableImport {
        batch: Batch {
            description: None,
            role: Some(Role::Recorder),
            events,
            lines,
        },
        report,
    })
}

fn no_header(first: Option<Place>, origin: &Path) -> ImportError {
    ImportError::Table {
        at: first.unwrap_or_else(|| {
            Place::Line(super::Location {
                file: origin.to_path_buf(),
                line: 1,
                col: 1,
            })
        }),
        column: "header".into(),
        message: format!(
            "no header row in the first {HEADER_SEARCH_ROWS} rows: a header names at least the amount and one other column, e.g. 日期, 摘要, 金额（元） (date, reason, amount); rename yours or map them with --columns FILE (docs/IMPORT.md)"
        ),
    }
}

/// Refuses a header without the columns every row needs, naming them all at once.
fn check_columns(header: &Header, at: &Place, map: &ColumnMap) -> Result<(), ImportError> {
    let mut missing = Vec::new();
    for f in [
        Field::FundSource,
        Field::ExpenseType,
        Field::Amount,
        Field::Date,
        Field::Reason,
    ] {
        let defaulted = match f {
            Field::FundSource => map.fund_source.is_some(),
            Field::ExpenseType => map.expense_type.is_some(),
            _ => false,
        };
        if header.index(f).is_none() && !defaulted {
            missing.push(f.names());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let found: Vec<&str> = header.columns.iter().map(|c| c.header.as_str()).collect();
    Err(ImportError::Table {
        at: at.clone(),
        column: "header".into(),
        message: format!(
            "no column for {}; the header has: {}; rename a column to one of those names, or map it (or give a value for every row) with --columns FILE (docs/IMPORT.md)",
            missing.join(", "),
            found.join(", ")
        ),
    })
}

/// A CSV row with a value past the header's last column: an unquoted thousands separator
/// (`1,280.00`) or a shifted row, either way not safe to read.
fn beyond(row: &RawRow, width: usize) -> Option<RowError> {
    let i = row
        .cells
        .iter()
        .skip(width)
        .position(|c| !c.text.trim().is_empty())?;
    Some(RowError {
        at: row.place(width + i),
        column: format!("#{}", width + i + 1),
        message: format!(
            "the row has {} fields but the header only {width}: an amount like 1,280.00 must be quoted (\"1,280.00\") in CSV, as spreadsheet programs save it; or a cell holds a separator",
            row.cells.len()
        ),
    })
}

fn row_text(row: &RawRow) -> String {
    row.cells
        .iter()
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
