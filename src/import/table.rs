//! Rows of a spreadsheet (CSV or workbook sheet) to budget events: the header found under any
//! title rows, every data row read and checked with all its bad cells reported (up to a
//! limit), blank rows skipped, 合计/小计 rows checked against the rows above and not imported.
//!
//! Owns: the reading of data rows and the summary of how the table was read. Must not: read
//! files or decode bytes (`mod.rs`, `decode.rs`, `csv.rs`, `workbook.rs` do), or open a ledger.

use super::error::{ImportError, Place, RowError};
use super::header::{ColumnMap, Field, Header, read_header};
use super::report::TableReport;
use super::value::{self, Unit, compact, yuan_text};
use super::{Batch, TableImport};
use crate::model::{
    BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, ExpenseType, FundSource, Role,
};
use crate::progress::{EVERY, Progress};
use std::path::Path;

/// Most bad cells listed for one file; the rest are counted.
pub const MAX_ROW_ERRORS: usize = 100;

/// Rows looked at for the header before giving up.
const HEADER_SEARCH_ROWS: usize = 30;

/// Words of a row that totals the rows above it (the whole cell, spaces and colons aside).
const TOTAL_WORDS: [&str; 8] = [
    "合计",
    "总计",
    "小计",
    "本页合计",
    "本月合计",
    "total",
    "subtotal",
    "grandtotal",
];

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

/// One cell as read: its text, and for workbook cells whether it was a number or a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The text (for a number cell, its shortest exact decimal form).
    pub text: String,
    /// The date of a date cell.
    pub date: Option<BizDate>,
}

impl Cell {
    /// A text cell.
    #[must_use]
    pub fn text(text: String) -> Cell {
        Cell { text, date: None }
    }
}

/// One row with the place of its first cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    /// The place of the row's first cell (index 0).
    pub at: Place,
    /// The cells, from the first column.
    pub cells: Vec<Cell>,
}

impl RawRow {
    /// The place of the cell at `index`.
    #[must_use]
    pub fn place(&self, index: usize) -> Place {
        let first = match &self.at {
            Place::Line(l) => l.col,
            Place::Cell { col, .. } => *col,
        };
        self.at.with_col(first + index)
    }

    fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.cells.get(i))
            .map_or("", |c| c.text.trim())
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

/// The running sums that a 合计 or 小计 row is checked against.
#[derive(Default)]
struct Sums {
    all: i128,
    all_rows: usize,
    since: i128,
    since_rows: usize,
    bad_all: bool,
    bad_since: bool,
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
                if report.above.len() >= HEADER_SEARCH_ROWS {
                    return Err(no_header(first_at, origin));
                }
                report
                    .above
                    .push((row.at.line(), texts.join(" ").trim().to_string()));
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
    let mut events = Vec::new();
    let mut lines = Vec::new();
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

/// The total word of a 合计/小计 row: a whole cell outside the amount column.
fn total_word(row: &RawRow, amount: Option<usize>) -> Option<String> {
    row.cells.iter().enumerate().find_map(|(i, c)| {
        let w = compact(&c.text);
        let w = w.trim_end_matches(':');
        (Some(i) != amount && TOTAL_WORDS.contains(&w)).then(|| c.text.trim().to_string())
    })
}

/// Checks a 合计 (all rows so far) or 小计 (rows since the last total) row's amount.
fn check_total(
    row: &RawRow,
    word: &str,
    amount: Option<usize>,
    unit: Unit,
    sums: &mut Sums,
    report: &mut TableReport,
) -> Option<RowError> {
    let subtotal = compact(word).starts_with("小计") || compact(word) == "subtotal";
    let (sum, n, bad) = if subtotal {
        (sums.since, sums.since_rows, sums.bad_since)
    } else {
        (sums.all, sums.all_rows, sums.bad_all)
    };
    sums.since = 0;
    sums.since_rows = 0;
    sums.bad_since = false;
    let line = row.at.line();
    let text = row.get(amount);
    if text.is_empty() {
        report
            .totals
            .push((line, format!("{word} row without an amount; not checked")));
        return None;
    }
    let at = row.place(amount.unwrap_or(0));
    let stated = match value::amount(text, unit) {
        Ok(m) => i128::from(m.fen()),
        Err(message) => {
            return Some(RowError {
                at,
                column: word.to_string(),
                message,
            });
        }
    };
    if bad {
        report.totals.push((
            line,
            format!(
                "{word} {} 元 not checked: rows above it are in error",
                yuan_text(stated)
            ),
        ));
        return None;
    }
    if stated != sum {
        return Some(RowError {
            at,
            column: word.to_string(),
            message: format!(
                "the {word} row says {} 元 but the {n} row(s) above it sum to {} 元 (a difference of {} 元); correct the {word} or the rows (the {word} row itself is never imported)",
                yuan_text(stated),
                yuan_text(sum),
                yuan_text(stated - sum)
            ),
        });
    }
    report.totals.push((
        line,
        format!(
            "{word} {} 元 = the sum of the {n} row(s) above; checked, not imported",
            yuan_text(stated)
        ),
    ));
    None
}

/// Reads data rows as budget events.
struct RowReader<'h> {
    header: &'h Header,
    map: &'h ColumnMap,
    default_kind: Option<BudgetKind>,
    year: Option<i32>,
    unit: Unit,
}

impl RowReader<'_> {
    /// The row's event, or every bad cell of it.
    fn event(&self, row: &RawRow) -> Result<BudgetEvent, Vec<RowError>> {
        let mut errors = Vec::new();
        let h = self.header;
        let mut bad = |field: Field, message: String| {
            let index = h.index(field).unwrap_or(0);
            errors.push(RowError {
                at: row.place(index),
                column: h.header_of(field),
                message,
            });
        };
        let named = |field: Field| row.get(h.index(field));
        let fund_source = match h.index(Field::FundSource) {
            None => self.map.fund_source,
            Some(_) => value::fund_source(named(Field::FundSource)),
        };
        if fund_source.is_none() {
            bad(
                Field::FundSource,
                format!(
                    "`{}` is not a fund source; write one of {}",
                    named(Field::FundSource),
                    FundSource::ALL.map(|x| x.1).join(", ")
                ),
            );
        }
        let expense_type = match h.index(Field::ExpenseType) {
            None => self.map.expense_type,
            Some(_) => value::expense_type(named(Field::ExpenseType)),
        };
        if expense_type.is_none() {
            bad(
                Field::ExpenseType,
                format!(
                    "`{}` is not an expense type; write one of {}",
                    named(Field::ExpenseType),
                    ExpenseType::ALL.map(|x| x.1).join(", ")
                ),
            );
        }
        let kind = match self.default_kind {
            Some(k) => Some(k),
            None => value::kind(named(Field::BudgetKind)),
        };
        if kind.is_none() {
            bad(
                Field::BudgetKind,
                format!(
                    "`{}` is not a budget kind; write one of {} (or 支付 for a payment)",
                    named(Field::BudgetKind),
                    BudgetKind::ALL.map(|x| x.1).join(", ")
                ),
            );
        }
        let amount = value::amount(named(Field::Amount), self.unit)
            .map_err(|m| bad(Field::Amount, m))
            .ok();
        let date_cell = h.index(Field::Date).and_then(|i| row.cells.get(i));
        let date = date_cell
            .and_then(|c| c.date)
            .or_else(|| value::date(named(Field::Date)));
        match (date, self.year) {
            (None, _) => bad(
                Field::Date,
                format!(
                    "`{}` is not a date; {}",
                    named(Field::Date),
                    value::DATE_FORMS
                ),
            ),
            (Some(d), Some(y)) if d.year() != y => bad(
                Field::Date,
                format!(
                    "{d} is outside fiscal year {y}; the ledger takes dates from {y}-01-01 to {y}-12-31"
                ),
            ),
            _ => {}
        }
        let reason = named(Field::Reason).to_string();
        if reason.is_empty() {
            bad(
                Field::Reason,
                "empty; every budget entry needs a reason (摘要/事由), e.g. 购买办公用品".into(),
            );
        }
        let project = named(Field::Project).to_string();
        match expense_type {
            Some(ExpenseType::Project) if project.is_empty() => bad(
                Field::Project,
                "a 项目支出 row needs its project in 项目; fill it in".into(),
            ),
            Some(t) if t != ExpenseType::Project && !project.is_empty() => bad(
                Field::Project,
                format!(
                    "`{project}` on a {} row: only 项目支出 rows carry a project; empty the cell or set 支出类型 to 项目支出",
                    t.zh()
                ),
            ),
            _ => {}
        }
        let document = named(Field::Document).to_string();
        if let Some(k) = kind {
            if k.needs_document() && document.is_empty() {
                bad(
                    Field::Document,
                    format!(
                        "a {} row needs the approval document number (批文号), e.g. 财预〔2022〕12号",
                        k.zh()
                    ),
                );
            }
            if let Some(a) = amount
                && a.is_negative()
                && k != BudgetKind::Reallocate
            {
                bad(
                    Field::Amount,
                    format!(
                        "{} 元 is negative on a {} row; only 调剂 may be negative (a cut is 调减 with a positive amount, a refund a correction)",
                        yuan_text(i128::from(a.fen())),
                        k.zh()
                    ),
                );
            }
        }
        match (fund_source, expense_type, kind, amount, date) {
            (Some(fund_source), Some(expense_type), Some(kind), Some(amount), Some(date))
                if errors.is_empty() =>
            {
                Ok(BudgetEvent {
                    line: BudgetLine {
                        fund_source,
                        expense_type,
                        project,
                    },
                    kind,
                    amount,
                    date,
                    document,
                    reason,
                })
            }
            _ => Err(errors),
        }
    }
}
