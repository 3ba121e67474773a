//! Budget events from a spreadsheet exported as CSV (UTF-8, header row, comma-separated), the
//! way finance staff keep them: one row per appropriation, adjustment, payment or carry-over.
//!
//! Columns (header names, any order; Chinese headers accepted): `fund_source` (资金来源),
//! `expense_type` (支出类型), `project` (项目, optional), `budget_kind` (类型), `amount` (金额),
//! `date` (日期), `document` (批文号, optional), `reason` (事由). The whole file is one batch.

use super::{Batch, ImportError, Location};
use crate::model::{
    BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, ExpenseType, FundSource, Money,
};
use crate::progress::{EVERY, Progress, Silent};
use std::path::Path;

const COLUMNS: [(&str, &str, bool); 8] = [
    ("fund_source", "资金来源", true),
    ("expense_type", "支出类型", true),
    ("project", "项目", false),
    ("budget_kind", "类型", true),
    ("amount", "金额", true),
    ("date", "日期", true),
    ("document", "批文号", false),
    ("reason", "事由", true),
];

/// Parses a budget CSV file's text into one batch of budget events. Fiscal-year, sign and
/// document checks happen when the batch is validated against the ledger.
pub fn parse_budget_csv(text: &str, origin: &Path) -> Result<Batch, ImportError> {
    parse_budget_csv_with(text, origin, &Silent)
}

/// [`parse_budget_csv`], telling `progress` how many rows have been parsed (stage `"parse"`,
/// of about as many as the text has lines).
pub fn parse_budget_csv_with(
    text: &str,
    origin: &Path,
    progress: &dyn Progress,
) -> Result<Batch, ImportError> {
    let total = text.bytes().filter(|&b| b == b'\n').count() as u64;
    let at = |line: usize, col: usize| Location {
        file: origin.to_path_buf(),
        line,
        col,
    };
    let err = |line: usize, col: usize, column: &str, message: String| ImportError::Csv {
        at: at(line, col),
        column: column.to_string(),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            err(
                1,
                1,
                "header",
                format!("{e}; the first row must name the columns"),
            )
        })?
        .clone();
    let mut index = [None; 8];
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|(en, zh, _)| h == *en || h == *zh) {
            Some(c) => index[c] = Some(i),
            None => {
                return Err(err(
                    1,
                    i + 1,
                    h,
                    format!(
                        "unknown column; use {}",
                        COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    for (c, (en, zh, required)) in COLUMNS.iter().enumerate() {
        if *required && index[c].is_none() {
            return Err(err(1, 1, en, format!("missing column `{en}` ({zh})")));
        }
    }
    let mut events = Vec::new();
    let mut lines = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            err(line, 1, "row", format!("{e}"))
        })?;
        let line = row
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let get = |c: usize| -> (&str, usize) {
            index[c].map_or(("", 1), |i| (row.get(i).unwrap_or(""), i + 1))
        };
        let (fs, col) = get(0);
        let fund_source = FundSource::parse(fs).ok_or_else(|| {
            err(
                line,
                col,
                "fund_source",
                format!("`{fs}` is not one of 一般公共预算, 政府性基金, 财政专户, 单位资金, 其他"),
            )
        })?;
        let (et, col) = get(1);
        let expense_type = ExpenseType::parse(et).ok_or_else(|| {
            err(
                line,
                col,
                "expense_type",
                format!("`{et}` is not one of 基本支出, 人员经费, 公用经费, 项目支出"),
            )
        })?;
        let (bk, col) = get(3);
        let kind = BudgetKind::parse(bk).ok_or_else(|| {
            let names: Vec<&str> = BudgetKind::ALL.iter().map(|k| k.1).collect();
            err(
                line,
                col,
                "budget_kind",
                format!("`{bk}` is not one of {}", names.join(", ")),
            )
        })?;
        let (amt, col) = get(4);
        let amount: Money = amt
            .parse()
            .map_err(|e| err(line, col, "amount", format!("{e}")))?;
        let (d, col) = get(5);
        let date: BizDate = d
            .parse()
            .map_err(|e| err(line, col, "date", format!("{e}")))?;
        let (reason, col) = get(7);
        if reason.is_empty() {
            return Err(err(
                line,
                col,
                "reason",
                "every budget entry needs a reason".into(),
            ));
        }
        events.push(Event::Budget(BudgetEvent {
            line: BudgetLine {
                fund_source,
                expense_type,
                project: get(2).0.to_string(),
            },
            kind,
            amount,
            date,
            document: get(6).0.to_string(),
            reason: reason.to_string(),
        }));
        lines.push(line);
        let done = lines.len() as u64;
        if done.is_multiple_of(EVERY) {
            progress.update("parse", done, total.max(done));
        }
    }
    progress.update("parse", lines.len() as u64, lines.len() as u64);
    if events.is_empty() {
        return Err(err(
            1,
            1,
            "row",
            "no rows after the header; a batch has at least one event".into(),
        ));
    }
    Ok(Batch {
        description: None,
        role: Some(crate::model::Role::Recorder),
        events,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_budget_events_with_their_lines() {
        let text = "资金来源,支出类型,类型,金额,日期,批文号,事由\n\
                    一般公共预算,人员经费,年初预算,1200.50万元,2022-01-01,,年初批复\n\
                    一般公共预算,人员经费,追加,\"1,000.00\",2022-05-10,从财预〔2022〕12号,人员增加\n";
        let b = parse_budget_csv(text, Path::new("b.csv")).unwrap();
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.lines, vec![2, 3]);
        match &b.events[1] {
            Event::Budget(e) => {
                assert_eq!(e.kind, BudgetKind::AdjustAdd);
                assert_eq!(e.amount, Money::from_fen(100_000));
                assert_eq!(e.document, "从财预〔2022〕12号");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let text = "fund_source,expense_type,budget_kind,amount,date,reason\n\
                    一般公共预算,人员经费,year_start,1.234,2022-01-01,x\n";
        let e = parse_budget_csv(text, Path::new("b.csv")).unwrap_err();
        assert_eq!(e.to_string().split(": ").next(), Some("b.csv:2:4"));
        assert!(e.to_string().contains("amount"));
        let e = parse_budget_csv("fund_source,colour\n", Path::new("b.csv")).unwrap_err();
        assert!(e.to_string().contains("unknown column"), "{e}");
        let e = parse_budget_csv(
            "fund_source,expense_type,budget_kind,amount,date\n",
            Path::new("b.csv"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("missing column `reason`"), "{e}");
    }
}
