//! The summary of how a spreadsheet was read, as `import` prints it: the encoding or sheet,
//! the header row and what each column was read as, the columns the sheet lacks and the value
//! used instead, the rows skipped (title rows, 合计 rows, footers, blank rows), the rows
//! imported and their sum, and for a dry run the first rows as events.
//!
//! Owns: that summary and its text. Must not: read rows or decide anything about them.

use super::error::{Place, column_letters};
use super::header::{Field, Header, Use};
use super::value::yuan_text;
use crate::messages::{localize, text};
use crate::model::{BudgetEvent, BudgetKind, ExpenseType, FundSource};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Rows shown as events by a dry run.
pub const FIRST_ROWS: usize = 5;

/// Skipped rows listed by name; the rest are counted.
const LISTED: usize = 10;

/// How a spreadsheet was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableReport {
    /// The file.
    pub file: PathBuf,
    /// The encoding and separator of a CSV file, or the sheet of a workbook.
    pub source: String,
    /// The header's place.
    pub header_at: Option<Place>,
    /// The header's line or row.
    pub header_line: usize,
    /// The header as read.
    pub header: Option<Header>,
    /// Rows above the header (line, text): title rows.
    pub above: Vec<(usize, String)>,
    /// 合计/小计 rows (line, what was found).
    pub totals: Vec<(usize, String)>,
    /// Rows after a 合计 row without an amount (line, text).
    pub footer: Vec<(usize, String)>,
    /// Blank rows skipped.
    pub blank: usize,
    /// The kind of every row, when the sheet has no 类型 column.
    pub default_kind: Option<BudgetKind>,
    /// Fund source and expense type of every row given by the columns file.
    pub defaults: (Option<FundSource>, Option<ExpenseType>),
    /// Rows imported.
    pub rows: usize,
    /// Their sum, in fen.
    pub sum_fen: i128,
    /// The first rows as events, with their places.
    pub first: Vec<(Place, BudgetEvent)>,
}

impl TableReport {
    pub(super) fn new(file: &Path) -> TableReport {
        TableReport {
            file: file.to_path_buf(),
            source: String::new(),
            header_at: None,
            header_line: 0,
            header: None,
            above: Vec::new(),
            totals: Vec::new(),
            footer: Vec::new(),
            blank: 0,
            default_kind: None,
            defaults: (None, None),
            rows: 0,
            sum_fen: 0,
            first: Vec::new(),
        }
    }

    /// The summary as text; with `first_rows`, the first rows as events too.
    #[must_use]
    pub fn text(&self, first_rows: bool) -> String {
        let mut out = String::new();
        let at = self
            .header_at
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        let _ = writeln!(
            out,
            "{}",
            text(
                "sheet.header_at",
                &[
                    ("file", &self.file.display()),
                    ("source", &self.source),
                    ("at", &at)
                ]
            )
        );
        if let Some(h) = &self.header {
            let _ = writeln!(out, "  {}", text("sheet.columns", &[]));
            let first_col = match &self.header_at {
                Some(Place::Cell { col, .. }) => *col,
                _ => 1,
            };
            for c in &h.columns {
                let name = if matches!(self.header_at, Some(Place::Cell { .. })) {
                    column_letters(first_col + c.index)
                } else {
                    (c.index + 1).to_string()
                };
                let reads = match &c.used {
                    Use::Field(Field::Amount, u) => text("sheet.amount_in", &[("unit", &u.zh())]),
                    Use::Field(f, _) => f.name().to_string(),
                    Use::Ignored(why) => text("sheet.ignored", &[("why", &localize("cell", why))]),
                };
                let _ = writeln!(out, "    {name:>3} {} → {reads}", c.header);
            }
            let mut absent = Vec::new();
            if let Some(k) = self.default_kind {
                let why = if h.payments && k == BudgetKind::Execution {
                    text(
                        "sheet.as_amount_says",
                        &[("header", &h.header_of(Field::Amount))],
                    )
                } else {
                    String::new()
                };
                absent.push(text(
                    "sheet.no_kind",
                    &[
                        ("names", &Field::BudgetKind.names()),
                        ("kind", &k.zh()),
                        ("name", &k.name()),
                        ("why", &why),
                    ],
                ));
            }
            if let Some(f) = self
                .defaults
                .0
                .filter(|_| h.index(Field::FundSource).is_none())
            {
                absent.push(text("sheet.no_fund_source", &[("value", &f.zh())]));
            }
            if let Some(t) = self
                .defaults
                .1
                .filter(|_| h.index(Field::ExpenseType).is_none())
            {
                absent.push(text("sheet.no_expense_type", &[("value", &t.zh())]));
            }
            for a in absent {
                let _ = writeln!(out, "  {a}");
            }
        }
        let mut skipped: Vec<String> = Vec::new();
        skipped.extend(
            self.above
                .iter()
                .map(|(l, t)| text("sheet.above", &[("at", l), ("text", &shorten(t))])),
        );
        skipped.extend(
            self.totals
                .iter()
                .map(|(l, t)| format!("{l}: {}", localize("cell", t))),
        );
        skipped.extend(
            self.footer
                .iter()
                .map(|(l, t)| text("sheet.below_total", &[("at", l), ("text", &shorten(t))])),
        );
        if !skipped.is_empty() || self.blank > 0 {
            let _ = writeln!(out, "  {}", text("sheet.skipped", &[]));
            for s in skipped.iter().take(LISTED) {
                let _ = writeln!(out, "    {s}");
            }
            if skipped.len() > LISTED {
                let more = skipped.len() - LISTED;
                let _ = writeln!(out, "    {}", text("import.rows_more", &[("more", &more)]));
            }
            if self.blank > 0 {
                let _ = writeln!(
                    out,
                    "    {}",
                    text("sheet.blank", &[("count", &self.blank)])
                );
            }
        }
        let _ = writeln!(
            out,
            "  {}",
            text(
                "sheet.rows_read",
                &[("rows", &self.rows), ("sum", &yuan_text(self.sum_fen))]
            )
        );
        if first_rows && !self.first.is_empty() {
            let _ = writeln!(out, "  {}", text("sheet.first_rows", &[]));
            for (at, e) in &self.first {
                let _ = writeln!(out, "    {at}: {}", event_text(e));
            }
        }
        out
    }
}

fn shorten(t: &str) -> String {
    if t.chars().count() > 40 {
        format!("{}…", t.chars().take(40).collect::<String>())
    } else {
        t.to_string()
    }
}

/// `budget 支出 一般公共预算/基本支出 2022-01-15 1,200.00 元 "购买办公用品"`.
fn event_text(e: &BudgetEvent) -> String {
    let mut line = format!("{}/{}", e.line.fund_source.zh(), e.line.expense_type.zh());
    if !e.line.project.is_empty() {
        let _ = write!(line, "/{}", e.line.project);
    }
    let mut s = format!(
        "budget {} {line} {} {} 元 \"{}\"",
        e.kind.zh(),
        e.date,
        yuan_text(i128::from(e.amount.fen())),
        e.reason
    );
    if !e.document.is_empty() {
        let _ = write!(s, " 批文号 {}", e.document);
    }
    s
}
