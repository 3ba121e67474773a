//! The rows of a CSV file (comma-, semicolon- or tab-separated, as Excel saves "CSV" and
//! "Unicode text"), each with its line, for the table reader; and the budget-CSV entry points
//! kept from before workbooks were read ([`parse_budget_csv`]).
//!
//! Owns: splitting decoded text into rows and fields with their lines. Must not: decode bytes
//! (`decode.rs`), or know what the columns mean (`header.rs`, `table.rs`).

use super::decode::normalise_line_ends;
use super::error::{ImportError, Location, Place};
use super::rows::{Cell, RawRow};
use super::table::{TableOptions, read_rows};
use super::{Batch, TableImport};
use crate::progress::{Progress, Silent};
use std::path::Path;

/// The separator of a CSV text: tab if its first lines have more tabs than commas (Excel's
/// "Unicode text"), semicolon likewise, comma otherwise.
#[must_use]
pub fn sniff_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (tabs, commas, semis) = (count('\t'), count(','), count(';'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// The name of a separator, for the import summary.
#[must_use]
pub fn delimiter_name(d: u8) -> &'static str {
    match d {
        b'\t' => "tab-separated",
        b';' => "semicolon-separated",
        _ => "comma-separated",
    }
}

/// The rows of `text` (line ends already `\n`), each with the line it starts on.
pub(super) fn rows<'t>(
    text: &'t str,
    origin: &'t Path,
    delimiter: u8,
) -> impl Iterator<Item = Result<RawRow, ImportError>> + 't {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let at = move |line: u64| {
        Place::Line(Location {
            file: origin.to_path_buf(),
            line: usize::try_from(line).unwrap_or(usize::MAX),
            col: 1,
        })
    };
    std::iter::from_fn(move || match rdr.read_record(&mut record) {
        Ok(false) => None,
        Ok(true) => Some(Ok(RawRow {
            at: at(record.position().map_or(0, csv::Position::line)),
            cells: record.iter().map(|t| Cell::text(t.to_string())).collect(),
        })),
        Err(e) => {
            let line = e.position().map_or(0, csv::Position::line);
            Some(Err(ImportError::Table {
                at: at(line),
                column: "row".into(),
                message: format!("{e}; check the quotes on this line"),
            }))
        }
    })
}

/// Parses a budget CSV file's text into one batch of budget events. Fiscal-year checks
/// happen when the batch is validated against the ledger.
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
    parse_csv_text(text, origin, &TableOptions::default(), progress).map(|t| t.batch)
}

/// Reads decoded CSV text as a table of budget rows (see [`super::read_table_file`]).
pub fn parse_csv_text(
    text: &str,
    origin: &Path,
    options: &TableOptions,
    progress: &dyn Progress,
) -> Result<TableImport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = normalise_line_ends(text);
    let delimiter = sniff_delimiter(&text);
    let total = text.bytes().filter(|&b| b == b'\n').count() as u64;
    let mut t = read_rows(
        rows(&text, origin, delimiter),
        origin,
        options,
        progress,
        total,
    )?;
    t.report.source = delimiter_name(delimiter).to_string();
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BudgetKind, Event, Money};

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
    fn crlf_and_cr_line_ends_count_lines_as_lf_does() {
        let lf = "fund_source,expense_type,budget_kind,amount,date,reason\n\
                  一般公共预算,基本支出,支出,1,2022-01-01,a\n\
                  一般公共预算,基本支出,支出,x,2022-01-01,b\n";
        for text in [
            lf.to_string(),
            lf.replace('\n', "\r\n"),
            lf.replace('\n', "\r"),
        ] {
            let e = parse_budget_csv(&text, Path::new("b.csv")).unwrap_err();
            assert!(
                e.to_string().starts_with("b.csv:3:4: column `amount`"),
                "{e}"
            );
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
        assert!(e.to_string().contains("no header row"), "{e}");
        let e = parse_budget_csv(
            "fund_source,expense_type,budget_kind,amount,date\n",
            Path::new("b.csv"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no column for reason"), "{e}");
    }
}
