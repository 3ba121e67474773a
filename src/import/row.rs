//! One data row of a budget table read as a budget event, with every bad cell of it; and the
//! 合计/小计 rows, checked against the rows above them.
//!
//! Owns: the meaning of each cell of a data row and the total check. Must not: find the
//! header, iterate over rows or collect errors across rows (`table.rs` does).

use super::error::RowError;
use super::header::{ColumnMap, Field, Header};
use super::report::TableReport;
use super::rows::RawRow;
use super::value::{self, Unit, compact, yuan_text};
use crate::model::{BudgetEvent, BudgetKind, BudgetLine, ExpenseType, FundSource};

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

/// The running sums that a 合计 or 小计 row is checked against.
#[derive(Default)]
pub(super) struct Sums {
    pub(super) all: i128,
    pub(super) all_rows: usize,
    pub(super) since: i128,
    pub(super) since_rows: usize,
    pub(super) bad_all: bool,
    pub(super) bad_since: bool,
}

/// The total word of a 合计/小计 row: a whole cell outside the amount column.
pub(super) fn total_word(row: &RawRow, amount: Option<usize>) -> Option<String> {
    row.cells.iter().enumerate().find_map(|(i, c)| {
        // Every total word starts with one of these: most cells are rejected unread.
        let first = c.text.trim_start().chars().next()?;
        if Some(i) == amount || !"合总小本tTgGｔＴｇＧ".contains(first) {
            return None;
        }
        let w = compact(&c.text);
        TOTAL_WORDS
            .contains(&w.trim_end_matches(':'))
            .then(|| c.text.trim().to_string())
    })
}

/// Checks a 合计 (all rows so far) or 小计 (rows since the last total) row's amount.
pub(super) fn check_total(
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
pub(super) struct RowReader<'h> {
    pub(super) header: &'h Header,
    pub(super) map: &'h ColumnMap,
    pub(super) default_kind: Option<BudgetKind>,
    pub(super) year: Option<i32>,
    pub(super) unit: Unit,
}

impl RowReader<'_> {
    /// The row's event, or every bad cell of it.
    pub(super) fn event(&self, row: &RawRow) -> Result<BudgetEvent, Vec<RowError>> {
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
