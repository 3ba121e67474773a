//! Which column of a spreadsheet is which field: the header row found below any title rows,
//! its names read in Chinese or English with their synonyms (`摘要`/`事由`/`用途` → reason,
//! `金额（万元）` → amount in 万元), a `--columns` file for any other name, and the columns
//! that are ignored.
//!
//! Owns: the field list, the synonyms, header detection and the `--columns` file. Must not:
//! read cell values of data rows (`table.rs` does).

use super::error::{ImportError, Location, Place};
use super::value::{Unit, compact, halfwidth};
use crate::model::{BudgetKind, ExpenseType, FundSource};
use std::collections::BTreeMap;
use std::path::Path;

/// A field of a budget row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// 资金来源.
    FundSource,
    /// 支出类型.
    ExpenseType,
    /// 项目.
    Project,
    /// 类型.
    BudgetKind,
    /// 金额.
    Amount,
    /// 日期.
    Date,
    /// 批文号.
    Document,
    /// 事由.
    Reason,
}

/// Every field with its English name, its Chinese name and the other names it is read by.
pub const FIELDS: [(Field, &str, &str, &[&str]); 8] = [
    (
        Field::FundSource,
        "fund_source",
        "资金来源",
        &["资金性质", "经费来源", "资金渠道", "fundsource"],
    ),
    (
        Field::ExpenseType,
        "expense_type",
        "支出类型",
        &[
            "支出类别",
            "支出性质",
            "经费类型",
            "支出分类",
            "expensetype",
        ],
    ),
    (
        Field::Project,
        "project",
        "项目",
        &["项目名称", "项目编号", "项目代码", "项目编码"],
    ),
    (
        Field::BudgetKind,
        "budget_kind",
        "类型",
        &["预算类型", "业务类型", "类别", "kind", "budgetkind"],
    ),
    (
        Field::Amount,
        "amount",
        "金额",
        &[
            "支出金额",
            "支付金额",
            "发生额",
            "执行数",
            "执行金额",
            "实际支出",
            "实际支出数",
            "支出数",
            "本期支出",
        ],
    ),
    (
        Field::Date,
        "date",
        "日期",
        &[
            "支付日期",
            "业务日期",
            "记账日期",
            "凭证日期",
            "支出日期",
            "发生日期",
        ],
    ),
    (
        Field::Document,
        "document",
        "批文号",
        &["文号", "指标文号", "批复文号", "文件号"],
    ),
    (
        Field::Reason,
        "reason",
        "事由",
        &["摘要", "用途", "说明", "内容", "支出内容"],
    ),
];

/// Amount headers that say the rows are payments (支出).
const PAYMENT_HEADERS: [&str; 5] = ["执行数", "执行金额", "实际支出", "实际支出数", "本期支出"];

impl Field {
    /// The English (snake-case) name.
    #[must_use]
    pub fn name(self) -> &'static str {
        FIELDS.iter().find(|f| f.0 == self).map_or("", |f| f.1)
    }

    /// The Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        FIELDS.iter().find(|f| f.0 == self).map_or("", |f| f.2)
    }

    fn by_name(s: &str) -> Option<Field> {
        let c = compact(s);
        FIELDS
            .iter()
            .find(|f| c == f.1 || c == compact(f.2) || c == f.1.replace('_', ""))
            .map(|f| f.0)
    }

    /// `date (日期, 支付日期, ...)`, for messages.
    #[must_use]
    pub fn names(self) -> String {
        let f = FIELDS.iter().find(|f| f.0 == self);
        f.map_or_else(String::new, |f| {
            let mut all = vec![f.2];
            all.extend(f.3.iter().filter(|s| !s.is_ascii()));
            format!("{} ({})", f.1, all.join("/"))
        })
    }
}

/// What a header cell was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Use {
    /// The column is this field; amounts in this unit.
    Field(Field, Unit),
    /// Ignored: not a known name, mapped to `ignore`, or a second column of a field.
    Ignored(&'static str),
}

/// A header cell and how it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Index in the row (from 0).
    pub index: usize,
    /// The header as written.
    pub header: String,
    /// How it is read.
    pub used: Use,
}

/// The `--columns` file: header names mapped to fields (or `ignore`), and values for fields
/// the sheet has no column for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Header (compacted) → field, `None` for `ignore`.
    pub names: BTreeMap<String, Option<Field>>,
    /// Fund source of every row, when the sheet has no such column.
    pub fund_source: Option<FundSource>,
    /// Expense type of every row, when the sheet has no such column.
    pub expense_type: Option<ExpenseType>,
    /// Kind of every row, when the sheet has no such column.
    pub budget_kind: Option<BudgetKind>,
    /// Unit of amounts without one, when the header does not say.
    pub unit: Option<Unit>,
}

impl ColumnMap {
    /// Reads a `--columns` file (TOML, docs/IMPORT.md): `[columns]` header = field name or
    /// `"ignore"`, `[defaults]` fund_source / expense_type / budget_kind / unit.
    pub fn parse(text: &str, origin: &Path) -> Result<ColumnMap, ImportError> {
        let bad = |line: usize, column: &str, message: String| ImportError::Table {
            at: Place::Line(Location {
                file: origin.to_path_buf(),
                line,
                col: 1,
            }),
            column: column.to_string(),
            message,
        };
        let line_of = |key: &str| {
            text.lines()
                .position(|l| l.contains(key))
                .map_or(1, |i| i + 1)
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map_or(1, |s| {
                text.get(..s.start).unwrap_or(text).matches('\n').count() + 1
            });
            bad(
                line,
                "columns file",
                format!("not TOML: {}", e.message().trim()),
            )
        })?;
        let mut map = ColumnMap::default();
        for (section, value) in &table {
            let toml::Value::Table(entries) = value else {
                return Err(bad(
                    line_of(section),
                    section,
                    "write [columns] and [defaults] tables".into(),
                ));
            };
            for (key, v) in entries {
                let line = line_of(key);
                let Some(s) = v.as_str() else {
                    return Err(bad(line, key, "the value must be a quoted name".into()));
                };
                match section.as_str() {
                    "columns" => {
                        let field = if compact(s) == "ignore" {
                            None
                        } else {
                            Some(Field::by_name(s).ok_or_else(|| {
                                bad(
                                    line,
                                    key,
                                    format!(
                                        "`{s}` is not a field; use one of: {}, or \"ignore\"",
                                        FIELDS.map(|f| format!("{} ({})", f.1, f.2)).join(", ")
                                    ),
                                )
                            })?)
                        };
                        map.names.insert(compact(key), field);
                    }
                    "defaults" => map.set_default(key, s).map_err(|m| bad(line, key, m))?,
                    other => {
                        return Err(bad(
                            line_of(other),
                            other,
                            "unknown table; a columns file has [columns] and [defaults]".into(),
                        ));
                    }
                }
            }
        }
        Ok(map)
    }

    fn set_default(&mut self, key: &str, s: &str) -> Result<(), String> {
        let unknown =
            |what: &str, list: String| format!("`{s}` is not a {what}; use one of: {list}");
        match key {
            "fund_source" => {
                self.fund_source = Some(super::value::fund_source(s).ok_or_else(|| {
                    unknown("fund source", FundSource::ALL.map(|x| x.1).join(", "))
                })?);
            }
            "expense_type" => {
                self.expense_type = Some(super::value::expense_type(s).ok_or_else(|| {
                    unknown("expense type", ExpenseType::ALL.map(|x| x.1).join(", "))
                })?);
            }
            "budget_kind" => {
                self.budget_kind = Some(super::value::kind(s).ok_or_else(|| {
                    unknown("budget kind", BudgetKind::ALL.map(|x| x.1).join(", "))
                })?);
            }
            "unit" => {
                self.unit = Some(match compact(s).as_str() {
                    "元" | "yuan" => Unit::Yuan,
                    "万元" | "wan" => Unit::Wan,
                    _ => return Err(format!("`{s}` is not a unit; use 元 or 万元")),
                });
            }
            _ => {
                return Err(
                    "unknown default; give fund_source, expense_type, budget_kind or unit".into(),
                );
            }
        }
        Ok(())
    }
}

/// A header name without its unit: `金额（元）` → (`金额`, 元), `金额(单位:万元)` → (`金额`, 万元).
fn split_unit(header: &str) -> (String, Option<Unit>) {
    let c = compact(header).trim_end_matches('*').to_string();
    if let Some(open) = c.rfind('(')
        && c.ends_with(')')
    {
        let inner = c[open + 1..c.len() - 1]
            .trim_start_matches("单位")
            .trim_start_matches(':');
        let unit = match inner {
            "元" => Some(Unit::Yuan),
            "万元" => Some(Unit::Wan),
            _ => None,
        };
        if unit.is_some() {
            return (c[..open].to_string(), unit);
        }
    }
    (c, None)
}

/// What the header cell `header` names, by the `--columns` map first, then the names above.
fn recognise(header: &str, map: &ColumnMap) -> Option<Option<(Field, Option<Unit>)>> {
    let whole = compact(header);
    if let Some(f) = map.names.get(&whole) {
        return Some(f.map(|f| (f, split_unit(header).1)));
    }
    let (base, unit) = split_unit(header);
    if let Some(f) = map.names.get(&base) {
        return Some(f.map(|f| (f, unit)));
    }
    FIELDS
        .iter()
        .find(|f| base == f.1 || base == compact(f.2) || f.3.iter().any(|s| compact(s) == base))
        .map(|f| Some((f.0, unit)))
}

/// The header as read: one [`Column`] per non-blank header cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Every non-blank header cell.
    pub columns: Vec<Column>,
    /// Whether the amount header says the rows are payments (`执行数`, `实际支出`).
    pub payments: bool,
}

impl Header {
    /// Index of the column read as `field`.
    #[must_use]
    pub fn index(&self, field: Field) -> Option<usize> {
        self.columns.iter().find_map(|c| match c.used {
            Use::Field(f, _) if f == field => Some(c.index),
            _ => None,
        })
    }

    /// The unit of the amount column.
    #[must_use]
    pub fn unit(&self) -> Unit {
        self.columns
            .iter()
            .find_map(|c| match c.used {
                Use::Field(Field::Amount, u) => Some(u),
                _ => None,
            })
            .unwrap_or(Unit::Yuan)
    }

    /// The header of the column read as `field`, as written.
    #[must_use]
    pub fn header_of(&self, field: Field) -> String {
        self.columns
            .iter()
            .find(|c| matches!(c.used, Use::Field(f, _) if f == field))
            .map_or_else(|| field.name().to_string(), |c| c.header.clone())
    }
}

/// Reads `cells` as a header row if at least two of its cells name fields, one of them the
/// amount; `None` otherwise (a title row, a blank row, a data row).
#[must_use]
pub fn read_header(cells: &[String], map: &ColumnMap) -> Option<Header> {
    let mut columns = Vec::new();
    let mut seen = Vec::new();
    let mut payments = false;
    for (index, raw) in cells.iter().enumerate() {
        let header = halfwidth(raw).trim().to_string();
        if header.is_empty() {
            continue;
        }
        let used = match recognise(&header, map) {
            None => Use::Ignored("not a known column"),
            Some(None) => Use::Ignored("ignored by the columns file"),
            Some(Some((f, _))) if seen.contains(&f) => Use::Ignored("a second column of a field"),
            Some(Some((f, unit))) => {
                seen.push(f);
                if f == Field::Amount {
                    payments = PAYMENT_HEADERS.contains(&split_unit(&header).0.as_str());
                }
                Use::Field(f, unit.or(map.unit).unwrap_or(Unit::Yuan))
            }
        };
        columns.push(Column {
            index,
            header: raw.trim().to_string(),
            used,
        });
    }
    (seen.len() >= 2 && seen.contains(&Field::Amount)).then_some(Header { columns, payments })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn a_clerks_header_with_extra_columns_and_units() {
        let h = read_header(
            &row("序号,日期,凭证号,摘要,资金来源,支出类型,项目,金额（元）"),
            &ColumnMap::default(),
        )
        .unwrap();
        assert_eq!(h.index(Field::Date), Some(1));
        assert_eq!(h.index(Field::Reason), Some(3));
        assert_eq!(h.index(Field::Amount), Some(7));
        assert_eq!(h.index(Field::BudgetKind), None);
        assert_eq!(h.unit(), Unit::Yuan);
        assert_eq!(h.columns[0].used, Use::Ignored("not a known column"));
        assert!(!h.payments);
        let h = read_header(&row("日期,用途,执行数(万元)"), &ColumnMap::default()).unwrap();
        assert_eq!((h.unit(), h.payments), (Unit::Wan, true));
        assert_eq!(
            read_header(&row("2022年支出明细表,,"), &ColumnMap::default()),
            None
        );
        assert_eq!(read_header(&row("日期,摘要"), &ColumnMap::default()), None);
    }

    #[test]
    fn a_columns_file_maps_other_names() {
        let map = ColumnMap::parse(
            "[columns]\n\"付款额\" = \"amount\"\n\"摘要\" = \"ignore\"\n\"附言\" = \"事由\"\n\
             [defaults]\nfund_source = \"一般公共预算\"\nunit = \"万元\"\n",
            Path::new("cols.toml"),
        )
        .unwrap();
        let h = read_header(&row("日期,摘要,附言,付款额"), &map).unwrap();
        assert_eq!(h.index(Field::Amount), Some(3));
        assert_eq!(h.index(Field::Reason), Some(2));
        assert_eq!(h.unit(), Unit::Wan);
        assert_eq!(map.fund_source, Some(FundSource::GeneralPublic));
        let e =
            ColumnMap::parse("[columns]\n\"x\" = \"colour\"\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2:1: column `x`:"), "{e}");
    }
}
