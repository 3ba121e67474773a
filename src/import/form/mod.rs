//! The 自评表 a department already filled in (XLSX, XLS or ODS), read into events: its
//! targets (年度指标值), actual values (实际完成值) with their deviation reasons, and every
//! figure it states — each 得分, the 总分, the budget block's 年初预算数/全年预算数/全年执行数/
//! 执行率/得分, and the actuals of indicators computed from the budget — as claims, so the
//! claims check recomputes every score they typed. The layout is described in docs/FORM.md;
//! `report --format xlsx` writes the same layout, so a report reads back.
//!
//! Owns: finding the table in a sheet, matching its rows to the rule set's nodes by name,
//! reading cells exactly (text as written; a number cell as the shortest decimal of the
//! number Excel holds), and naming every fault by sheet!cell. Must not: open a ledger, sign,
//! or return part of a form (any error rejects the whole file).

mod budget;
mod cells;
mod layout;

use crate::model::{
    BizDate, Claim, Direction, Event, Fact, IndicatorTarget, IndicatorValue, Number,
};
use crate::rules::{Method, Node, Reference, RuleSet};
use cells::{Figure, cell_name};
use layout::{Layout, Table};
use std::path::{Path, PathBuf};

/// The sheet the report writes the 自评表 to (a form's sheet of another name is found by its
/// header row).
pub const FORM_SHEET: &str = "自评表";
/// Headers of the indicator levels, left to right.
pub const LEVEL_HEADERS: [&str; 5] = ["一级指标", "二级指标", "三级指标", "四级指标", "五级指标"];
/// Header of the target column (also read: `指标值`, `年度目标`, `年度目标值`).
pub const TARGET_HEADER: &str = "年度指标值";
/// Header of the actual-value column.
pub const ACTUAL_HEADER: &str = "实际完成值";
/// Header of the weight column (also read: `权重`).
pub const WEIGHT_HEADER: &str = "分值";
/// Header of the score column.
pub const SCORE_HEADER: &str = "得分";
/// Header of the deviation-reason column (read: any header containing `偏差原因`).
pub const REASON_HEADER: &str = "偏差原因分析及改进措施";
/// Headers of the budget block, left to right after its label.
pub const BUDGET_HEADERS: [&str; 6] = [
    "年初预算数",
    "全年预算数",
    "全年执行数",
    "执行率",
    "分值",
    "得分",
];
/// Label of the total row (also read: `合计`, `总计`, and the root node's name).
pub const TOTAL_LABEL: &str = "总分";
/// The 填报 block: 填报单位 (the ledger's department) and the lines filled in by hand.
pub const SIGN_BLOCK: [&str; 5] = ["填报单位", "负责人", "填表人", "联系电话", "填报日期"];

/// Largest form file read: 64 MiB.
pub const MAX_FORM_BYTES: u64 = 64 << 20;

/// What of the form becomes events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormMode {
    /// Targets, actual values (indicator values, facts) and claims.
    All,
    /// Only the claims: the ledger already holds the targets and values (from their own
    /// sources) and the form's figures are checked against them.
    ClaimsOnly,
}

/// Why a form could not be read; nothing of it is imported.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The file cannot be opened or is not a spreadsheet.
    #[error("{path}: {message}; save the form as .xlsx (or .xls, .ods) and try again")]
    Open {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A fault at a place in the form.
    #[error("{path}: {at}: {message}")]
    At {
        /// The file.
        path: PathBuf,
        /// `sheet!cell` (or `sheet`).
        at: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// A form read into events, one batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormBatch {
    /// The sheet read.
    pub sheet: String,
    /// The events, in the form's order (targets, values, facts and claims of each row).
    pub events: Vec<Event>,
    /// For each event, the spreadsheet row (1-based) it came from.
    pub rows: Vec<usize>,
    /// For each event, the `sheet!cell` it came from.
    pub cells: Vec<String>,
}

/// Reads the 自评表 at `path` against `rules` (the rule set in force): targets are dated
/// `year`-01-01, actual values `year`-12-31.
pub fn read_form(
    path: &Path,
    rules: &RuleSet,
    year: i32,
    mode: FormMode,
) -> Result<FormBatch, FormError> {
    let table = layout::load(path)?;
    let layout = Layout::find(&table, path)?;
    Reader {
        path,
        rules,
        table: &table,
        layout: &layout,
        start: date(year, 1, 1, path)?,
        end: date(year, 12, 31, path)?,
        mode,
        out: FormBatch {
            sheet: table.sheet.clone(),
            events: Vec::new(),
            rows: Vec::new(),
            cells: Vec::new(),
        },
    }
    .read()
}

fn date(y: i32, m: u8, d: u8, path: &Path) -> Result<BizDate, FormError> {
    BizDate::from_ymd(y, m, d).ok_or_else(|| FormError::Open {
        path: path.to_path_buf(),
        message: format!("fiscal year {y} has no date {m}-{d}"),
    })
}

struct Reader<'a> {
    path: &'a Path,
    rules: &'a RuleSet,
    table: &'a Table,
    layout: &'a Layout,
    start: BizDate,
    end: BizDate,
    mode: FormMode,
    out: FormBatch,
}

/// Names compared without whitespace (line breaks inside merged cells).
fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl<'a> Reader<'a> {
    fn err(&self, row: u32, col: u32, message: String) -> FormError {
        FormError::At {
            path: self.path.to_path_buf(),
            at: format!("{}!{}", self.table.sheet, cell_name(row, col)),
            message,
        }
    }

    fn push(&mut self, ev: Event, row: u32, col: u32) {
        self.out.events.push(ev);
        self.out.rows.push(row as usize + 1);
        self.out
            .cells
            .push(format!("{}!{}", self.table.sheet, cell_name(row, col)));
    }

    fn claim(&mut self, id: String, subject: String, f: &Figure, text: String, row: u32, col: u32) {
        let section = format!("{}!{}", self.table.sheet, cell_name(row, col));
        self.push(
            Event::Claim(Claim {
                id,
                subject,
                value: f.value,
                unit: f.unit.clone(),
                text,
                section,
            }),
            row,
            col,
        );
    }

    fn read(mut self) -> Result<FormBatch, FormError> {
        let year = self.end.year();
        if let Some((stated, r, c)) = layout::stated_year(self.table, self.layout.header_row)
            && stated != year
        {
            return Err(self.err(
                r,
                c,
                format!(
                    "the form is of fiscal year {stated}, the ledger of {year}; import it into that year's ledger"
                ),
            ));
        }
        self.budget_block()?;
        let lv = &self.layout.levels;
        let mut path: Vec<String> = vec![String::new(); lv.len()];
        let mut seen_total = false;
        let mut rows_of: std::collections::BTreeMap<String, u32> =
            std::collections::BTreeMap::new();
        for row in self.layout.header_row + 1..self.table.rows() {
            let first = self.table.first_text(row);
            if first
                .as_deref()
                .is_some_and(|t| SIGN_BLOCK.iter().skip(1).any(|s| norm(t).starts_with(s)))
            {
                break;
            }
            if first.as_deref().is_some_and(|t| self.is_total(t)) {
                self.total_row(row)?;
                seen_total = true;
                break;
            }
            let mut deepest = None;
            for (i, &c) in lv.iter().enumerate() {
                if let Some(t) = self.table.text(row, c) {
                    path[i] = norm(&t);
                    path.iter_mut().skip(i + 1).for_each(String::clear);
                    deepest = Some(i);
                }
            }
            let Some(k) = deepest else {
                if self.row_has_figures(row) {
                    return Err(self.err(
                        row,
                        lv[0],
                        "this row has figures but no indicator name in any 指标 column; write the indicator's name (as in the rule set) in its level's column".into(),
                    ));
                }
                continue;
            };
            let node = self.node_of(&path[..=k], row, lv[k])?;
            if let Some(first) = rows_of.insert(node.id.clone(), row) {
                return Err(self.err(
                    row,
                    lv[k],
                    format!(
                        "`{}` ({}) is already on row {}; each indicator has one row: delete one of them",
                        node.name,
                        node.id,
                        first + 1
                    ),
                ));
            }
            self.node_row(node, row)?;
        }
        if !seen_total && self.out.events.is_empty() {
            return Err(FormError::At {
                path: self.path.to_path_buf(),
                at: self.table.sheet.clone(),
                message: "no indicator rows under the header row; nothing to import".into(),
            });
        }
        Ok(self.out)
    }

    fn is_total(&self, t: &str) -> bool {
        let t = norm(t);
        t == TOTAL_LABEL
            || t == "合计"
            || t == "总计"
            || self
                .rules
                .node(&self.rules.root)
                .is_some_and(|r| norm(&r.name) == t)
    }

    fn row_has_figures(&self, row: u32) -> bool {
        [self.layout.weight, self.layout.score, self.layout.actual]
            .into_iter()
            .flatten()
            .any(|c| self.table.text(row, c).is_some())
    }

    /// The node a row names: the deepest name, among nodes of that name the one whose
    /// ancestors carry the row's other names.
    fn node_of(&self, names: &[String], row: u32, col: u32) -> Result<&'a Node, FormError> {
        let rules: &'a RuleSet = self.rules;
        let Some(name) = names.last() else {
            return Err(self.err(row, col, "no indicator name".into()));
        };
        let candidates: Vec<&'a Node> = rules
            .preorder()
            .into_iter()
            .filter(|n| norm(&n.name) == *name)
            .collect();
        let fits = |n: &Node| {
            let mut anc = Vec::new();
            let mut cur = n.parent.as_deref();
            while let Some(p) = cur.and_then(|p| self.rules.node(p)) {
                anc.push(norm(&p.name));
                cur = p.parent.as_deref();
            }
            names[..names.len() - 1]
                .iter()
                .filter(|s| !s.is_empty())
                .all(|s| anc.contains(s))
        };
        let fitting: Vec<&'a Node> = candidates.iter().copied().filter(|n| fits(n)).collect();
        match (fitting.as_slice(), candidates.as_slice()) {
            ([one], _) => Ok(one),
            ([], []) => Err(self.err(
                row,
                col,
                format!(
                    "indicator `{name}` is not a node of the rule set in force (`{}`); name it as the rule set does (see `jixiao score LEDGER` for the names), or adopt the rule set the form was scored with",
                    self.rules.name
                ),
            )),
            ([], _) => Err(self.err(
                row,
                col,
                format!(
                    "indicator `{name}` stands under {} here, but in the rule set in force it stands elsewhere; check the higher-level names of this row",
                    names[..names.len() - 1].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("/")
                ),
            )),
            (many, _) => Err(self.err(
                row,
                col,
                format!(
                    "indicator `{name}` matches {} nodes of the rule set ({}); fill in the higher-level 指标 columns of this row so it names one",
                    many.len(),
                    many.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    fn figure(
        &self,
        row: u32,
        col: u32,
        what: &str,
        scale: u32,
    ) -> Result<Option<Figure>, FormError> {
        cells::figure(self.table.cell(row, col), scale)
            .map_err(|why| self.err(row, col, format!("{what}: {why}")))
    }

    fn check_weight(&self, node: &Node, row: u32) -> Result<(), FormError> {
        let Some(c) = self.layout.weight else {
            return Ok(());
        };
        if let Some(w) = self.figure(row, c, WEIGHT_HEADER, 0)?
            && w.value.value() != node.weight
        {
            return Err(self.err(
                    row,
                    c,
                    format!(
                        "{WEIGHT_HEADER} {} but the rule set in force (`{}`) gives `{}` ({}) {} points; the form was scored with another rule set: adopt that one, or correct the form",
                        w.value, self.rules.name, node.name, node.id, node.weight.normalize()
                    ),
                ));
        }
        Ok(())
    }

    fn score_claim(
        &mut self,
        node: &Node,
        row: u32,
        col: u32,
        label: &str,
    ) -> Result<(), FormError> {
        let scale = self.rules.rounding.scale;
        if let Some(s) = self.figure(row, col, SCORE_HEADER, scale)? {
            let subject = if node.id == self.rules.root {
                "total".to_string()
            } else {
                format!("score.{}", node.id)
            };
            let text = format!("{label} {SCORE_HEADER} {}", s.text);
            let f = Figure {
                unit: "分".into(),
                ..s
            };
            self.claim(
                format!("form.{}score.{}", self.prefix(), node.id),
                subject,
                &f,
                text,
                row,
                col,
            );
        }
        Ok(())
    }

    /// Claim ids are prefixed by the sheet's name when it is not the standard one, so two
    /// sheets' claims do not replace each other.
    fn prefix(&self) -> String {
        if self.table.sheet == FORM_SHEET {
            String::new()
        } else {
            let s: String = self
                .table
                .sheet
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { '_' })
                .collect();
            format!("{s}.")
        }
    }

    fn total_row(&mut self, row: u32) -> Result<(), FormError> {
        let rules: &'a RuleSet = self.rules;
        let Some(root) = rules.node(&rules.root) else {
            return Ok(());
        };
        self.check_weight(root, row)?;
        if let Some(c) = self.layout.score {
            self.score_claim(root, row, c, TOTAL_LABEL)?;
        }
        Ok(())
    }

    fn node_row(&mut self, node: &Node, row: u32) -> Result<(), FormError> {
        self.check_weight(node, row)?;
        let name = node.name.clone();
        if let Some(sc) = &node.scoring {
            self.leaf(node, &sc.input, &sc.method, row)?;
        }
        if let Some(c) = self.layout.score {
            self.score_claim(node, row, c, &name)?;
        }
        Ok(())
    }

    fn leaf(
        &mut self,
        node: &Node,
        input: &Reference,
        method: &Method,
        row: u32,
    ) -> Result<(), FormError> {
        let reason = self
            .layout
            .reason
            .and_then(|c| self.table.text(row, c))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let target = match self.layout.target {
            Some(c) => self.figure(row, c, TARGET_HEADER, 0)?.map(|f| (f, c)),
            None => None,
        };
        let actual = match self.layout.actual {
            Some(c) => self.figure(row, c, ACTUAL_HEADER, 0)?.map(|f| (f, c)),
            None => None,
        };
        let all = self.mode == FormMode::All;
        match input {
            Reference::Indicator(id) => {
                let unit = target
                    .as_ref()
                    .map(|(t, _)| t.unit.clone())
                    .or_else(|| actual.as_ref().map(|(a, _)| a.unit.clone()))
                    .unwrap_or_default();
                if let Some((t, c)) = &target
                    && all
                {
                    let direction = t.direction.unwrap_or(match method {
                        Method::RatioLower { .. } | Method::ZeroTolerance { .. } => {
                            Direction::AtMost
                        }
                        Method::RatioHigher { .. } | Method::Qualitative => Direction::AtLeast,
                        _ => Direction::Equal,
                    });
                    self.push(
                        Event::IndicatorTarget(IndicatorTarget {
                            indicator: id.clone(),
                            name: node.name.clone(),
                            direction,
                            unit: unit.clone(),
                            year_start: t.value,
                            adjusted: None,
                            date: self.start,
                        }),
                        row,
                        *c,
                    );
                }
                if let Some((a, c)) = &actual {
                    if all {
                        self.push(
                            Event::IndicatorValue(IndicatorValue {
                                indicator: id.clone(),
                                value: a.value,
                                date: self.end,
                                deviation_reason: reason,
                                evidence: Vec::new(),
                            }),
                            row,
                            *c,
                        );
                    } else {
                        let text = format!("{} {ACTUAL_HEADER} {}", node.name, a.text);
                        let f = Figure {
                            unit: if a.unit.is_empty() {
                                unit
                            } else {
                                a.unit.clone()
                            },
                            ..a.clone()
                        };
                        self.claim(
                            format!("form.{}actual.{}", self.prefix(), node.id),
                            input.to_string(),
                            &f,
                            text,
                            row,
                            *c,
                        );
                    }
                }
            }
            Reference::Fact(key) => {
                if let Some((a, c)) = &actual {
                    if all {
                        self.push(
                            Event::Fact(Fact {
                                key: key.clone(),
                                name: node.name.clone(),
                                value: a.value,
                                unit: a.unit.clone(),
                                date: self.end,
                                source: format!("{}!{}", self.table.sheet, cell_name(row, *c)),
                            }),
                            row,
                            *c,
                        );
                    } else {
                        let text = format!("{} {ACTUAL_HEADER} {}", node.name, a.text);
                        self.claim(
                            format!("form.{}actual.{}", self.prefix(), node.id),
                            input.to_string(),
                            a,
                            text,
                            row,
                            *c,
                        );
                    }
                }
            }
            Reference::Budget(_)
            | Reference::Derived(_)
            | Reference::Score(_)
            | Reference::Target(_)
            | Reference::Coefficient(_) => {
                // Computed from other entries: what the form states is a claim.
                if let Some((a, c)) = &actual {
                    let text = format!("{} {ACTUAL_HEADER} {}", node.name, a.text);
                    self.claim(
                        format!("form.{}actual.{}", self.prefix(), node.id),
                        input.to_string(),
                        a,
                        text,
                        row,
                        *c,
                    );
                }
            }
        }
        Ok(())
    }
}

/// Parses a target or actual as written (`≥100%`, `≤0份`, `100.0%`), for tests and callers
/// that have the text alone. The scale is the one written.
pub fn parse_figure(text: &str) -> Result<(Option<Direction>, Number, String), String> {
    let f = cells::text_figure(text)?;
    Ok((f.direction, f.value, f.unit))
}
