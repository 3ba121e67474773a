//! XLSX renderer of the report (`report --format xlsx`): the 自评表 in the layout the bureau's
//! form uses (and [`crate::import::read_form`] reads back): the budget block, one row per node
//! with 一级/二级/三级… 指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因, then the 总分 row
//! and the 填报 block; every figure's citations in a 来源 column and in a note on the figure;
//! then sheets of the budget summary, findings, adjustments, the cited entries and the ledger
//! binding. Times in China Standard Time.
//!
//! Owns: the workbook's layout. Must not: compute figures, read the ledger, or write files
//! (it returns the bytes). Figures are written as the report model states them: scores and
//! amounts as numbers (Excel holds them as binary doubles; the shortest decimal of each is the
//! model's figure), targets, actuals and rates as the text the report shows.

use super::cite::CiteItem;
use super::lang::{Lang, cst, kind_words};
use super::model::{NodeRow, ReportModel};
use super::xlsx_cells::{CELL_CITES, Formats, cite_text, detail, figure, group_words};
use super::xlsx_sheets::{evidence_sheet, findings_sheets, ledger_sheet};
use crate::import::form::{
    BUDGET_HEADERS, FORM_SHEET, LEVEL_HEADERS, REASON_HEADER, SCORE_HEADER, SIGN_BLOCK,
    TARGET_HEADER, TOTAL_LABEL, WEIGHT_HEADER,
};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Note, Workbook, Worksheet, XlsxError};

/// Why the workbook could not be written (a limit of the format, e.g. a text over 32767
/// characters in one cell).
#[derive(Debug, thiserror::Error)]
#[error("writing the XLSX report: {0}")]
pub struct XlsxReportError(#[from] XlsxError);

/// The note on a figure: each cited entry with its kind, author, time and summary.
fn cite_note(c: &[CiteItem], m: &ReportModel) -> Option<Note> {
    if c.is_empty() {
        return None;
    }
    let l = m.lang;
    let mut lines = vec![l.pick("来源条目:", "Cited entries:").to_string()];
    for i in c.iter().take(CELL_CITES) {
        match i {
            CiteItem::Entry(c) => {
                let d = detail(&m.evidence, c.seq);
                lines.push(match d {
                    Some(d) => format!(
                        "{c} {} {} {}: {}",
                        kind_words(&d.kind, l),
                        d.author,
                        cst(&d.recorded_at, l),
                        d.summary
                    ),
                    None => c.to_string(),
                });
            }
            CiteItem::Group(g) => lines.push(group_words(g, l)),
        }
    }
    if c.len() > CELL_CITES {
        lines.push(format!(
            "… +{} ({})",
            c.len() - CELL_CITES,
            l.pick("见“引用条目”", "see Cited entries")
        ));
    }
    let height = u32::try_from(40 + 16 * lines.len()).unwrap_or(400).min(400);
    Some(
        Note::new(lines.join("\n"))
            .set_author("jixiao")
            .add_author_prefix(false)
            .set_width(420)
            .set_height(height),
    )
}

/// Writes a figure and, when it cites entries, its note.
fn cited(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    c: &[CiteItem],
    m: &ReportModel,
    f: &Formats,
) -> Result<(), XlsxError> {
    figure(ws, row, col, s, f)?;
    if let Some(n) = cite_note(c, m) {
        ws.insert_note(row, col, &n)?;
    }
    Ok(())
}

/// The report as an XLSX workbook (bytes). Same model, same bytes.
pub fn render_xlsx(m: &ReportModel) -> Result<Vec<u8>, XlsxReportError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let created = created_at(m)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title(m))
            .set_author("jixiao")
            .set_company(&m.department)
            .set_creation_datetime(&created),
    );
    form_sheet(wb.add_worksheet(), m, &f)?;
    findings_sheets(&mut wb, m, &f)?;
    evidence_sheet(wb.add_worksheet(), m, &f)?;
    ledger_sheet(wb.add_worksheet(), m, &f)?;
    Ok(wb.save_to_buffer()?)
}

fn title(m: &ReportModel) -> String {
    let year = m.year.map(|y| y.to_string()).unwrap_or_default();
    match m.lang {
        Lang::Zh => format!("{year}年度部门整体支出绩效自评表"),
        Lang::En => format!("Department overall expenditure performance self-evaluation {year}"),
    }
}

/// The workbook's creation time: the latest recorded time among the cited entries (so the
/// same ledger gives the same bytes), or 2000-01-01.
fn created_at(m: &ReportModel) -> Result<ExcelDateTime, XlsxError> {
    let latest = m.evidence.iter().map(|e| e.recorded_at.as_str()).max();
    let parse = |s: &str| -> Option<ExcelDateTime> {
        let n = |a: usize, b: usize| s.get(a..b)?.parse::<u16>().ok();
        let (y, mo, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
        let (h, mi, se) = (n(11, 13)?, n(14, 16)?, n(17, 19)?);
        ExcelDateTime::from_ymd(y, u8::try_from(mo).ok()?, u8::try_from(d).ok()?)
            .ok()?
            .and_hms(h, u8::try_from(mi).ok()?, se)
            .ok()
    };
    match latest.and_then(parse) {
        Some(t) => Ok(t),
        None => ExcelDateTime::from_ymd(2000, 1, 1),
    }
}

/// How many 指标 level columns the table needs: the depth of the deepest node (root is 0).
fn levels(m: &ReportModel) -> u16 {
    let deepest = m.nodes.iter().map(|n| n.depth).max().unwrap_or(1).max(1);
    u16::try_from(deepest.min(LEVEL_HEADERS.len())).unwrap_or(1)
}

fn form_sheet(ws: &mut Worksheet, m: &ReportModel, f: &Formats) -> Result<(), XlsxError> {
    let l = m.lang;
    ws.set_name(FORM_SHEET)?;
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    let lv = levels(m);
    // Columns: levels, target, actual, weight, score, reason, method, sources.
    let (c_target, c_actual, c_weight, c_score) = (lv, lv + 1, lv + 2, lv + 3);
    let (c_reason, c_method, c_cites) = (lv + 4, lv + 5, lv + 6);
    for c in 0..lv {
        ws.set_column_width(c, 14)?;
    }
    ws.set_column_width(c_target, 11)?;
    ws.set_column_width(c_actual, 11)?;
    ws.set_column_width(c_weight, 7)?;
    ws.set_column_width(c_score, 8)?;
    ws.set_column_width(c_reason, 24)?;
    ws.set_column_width(c_method, 30)?;
    ws.set_column_width(c_cites, 22)?;
    let mut r: u32 = 0;
    if let Some(mk) = m.integrity.marker() {
        ws.merge_range(r, 0, r, c_cites, &mk, &f.marker)?;
        r += 1;
    }
    ws.merge_range(r, 0, r, c_cites, &title(m), &f.title)?;
    ws.set_row_height(r, 26)?;
    r += 1;
    ws.write_string_with_format(r, 0, SIGN_BLOCK[0], &f.bold)?;
    ws.merge_range(r, 1, r, c_cites, &m.department, &f.text)?;
    r += 1;
    if let Some((name, c)) = &m.rule_set {
        ws.write_string_with_format(r, 0, l.pick("评分规则", "Rule set"), &f.bold)?;
        ws.merge_range(r, 1, r, c_cites, &format!("{name} {c}"), &f.text)?;
        r += 1;
    }
    if let Some(e) = &m.score_error {
        ws.write_string_with_format(r, 0, l.pick("无法评分", "Not scored"), &f.bold)?;
        ws.merge_range(r, 1, r, c_cites, e, &f.wrap)?;
        r += 1;
    }
    r += 1;
    r = budget_block(ws, r, m, f)?;
    r += 1;
    for (c, h) in LEVEL_HEADERS.iter().take(usize::from(lv)).enumerate() {
        ws.write_string_with_format(r, u16::try_from(c).unwrap_or(0), *h, &f.head)?;
    }
    let heads = [
        (c_target, TARGET_HEADER),
        (c_actual, crate::import::form::ACTUAL_HEADER),
        (c_weight, WEIGHT_HEADER),
        (c_score, SCORE_HEADER),
        (c_reason, REASON_HEADER),
        (c_method, l.pick("评分方法", "Method")),
        (c_cites, l.pick("来源", "Entries")),
    ];
    for (c, h) in heads {
        ws.write_string_with_format(r, c, h, &f.head)?;
    }
    ws.set_repeat_rows(r, r)?;
    r += 1;
    for n in m.nodes.iter().filter(|n| n.depth > 0) {
        node_row(ws, r, n, m, f, lv)?;
        r += 1;
    }
    if let Some(root) = m.nodes.iter().find(|n| n.depth == 0) {
        ws.merge_range(r, 0, r, c_actual, TOTAL_LABEL, &f.bold)?;
        figure(ws, r, c_weight, &root.weight, f)?;
        let total = m.total.as_deref().unwrap_or(&root.score);
        cited(ws, r, c_score, total, &root.cites, m, f)?;
        let grade = m
            .grade
            .as_ref()
            .map(|g| format!("{} {g}", l.pick("等级", "Grade")))
            .unwrap_or_default();
        ws.write_string_with_format(r, c_reason, &grade, &f.bold)?;
        ws.write_string_with_format(
            r,
            c_method,
            format!(
                "{} {}",
                l.pick("核对声明数", "Claims checked"),
                m.claims_checked
            ),
            &f.text,
        )?;
        ws.write_string_with_format(r, c_cites, cite_text(&root.cites), &f.mono)?;
        r += 1;
    }
    r += 1;
    // 负责人, 填表人 and 联系电话 are left to be filled in and signed by hand; 填报单位 is the
    // ledger's department (above). See README "The bureau's forms".
    for (i, label) in SIGN_BLOCK.iter().enumerate().skip(1) {
        let col = u16::try_from((i - 1) * 2).unwrap_or(0);
        ws.write_string(r, col, *label)?;
        ws.write_blank(r, col + 1, &f.line)?;
    }
    Ok(())
}

/// The budget block: 年初预算数, 全年预算数, 全年执行数, 执行率, and the 分值/得分 of the
/// execution-rate indicator.
fn budget_block(
    ws: &mut Worksheet,
    mut r: u32,
    m: &ReportModel,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let l = m.lang;
    ws.write_string_with_format(
        r,
        0,
        l.pick("年度预算执行情况(万元)", "Budget execution (10k yuan)"),
        &f.head,
    )?;
    for (i, h) in BUDGET_HEADERS.iter().enumerate() {
        ws.write_string_with_format(r, u16::try_from(i + 1).unwrap_or(0), *h, &f.head)?;
    }
    ws.write_string_with_format(r, 7, l.pick("来源", "Entries"), &f.head)?;
    r += 1;
    ws.write_string_with_format(r, 0, l.pick("年度资金总额", "All funds"), &f.text)?;
    let keys = ["year_start", "full_year", "executed", "execution_rate"];
    let mut all = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let col = u16::try_from(i + 1).unwrap_or(0);
        match m.budget.iter().find(|b| b.key == *k) {
            Some(b) => {
                let shown = match (&b.value, b.unit.as_str()) {
                    (Some(v), "%") => format!("{v}%"),
                    (Some(v), _) => v.clone(),
                    (None, _) => String::new(),
                };
                cited(ws, r, col, &shown, &b.cites, m, f)?;
                all.extend(b.cites.iter().cloned());
            }
            None => {
                ws.write_blank(r, col, &f.text)?;
            }
        }
    }
    match m.nodes.iter().find(|n| n.id == exec_rate_node(m)) {
        Some(n) => {
            figure(ws, r, 5, &n.weight, f)?;
            cited(ws, r, 6, &n.score, &n.cites, m, f)?;
        }
        None => {
            ws.write_blank(r, 5, &f.text)?;
            ws.write_blank(r, 6, &f.text)?;
        }
    }
    all.sort_by_key(CiteItem::first);
    all.dedup();
    ws.write_string_with_format(r, 7, cite_text(&all), &f.mono)?;
    Ok(r + 1)
}

/// The node scored on the budget execution rate (its 分值/得分 stand in the budget block).
fn exec_rate_node(m: &ReportModel) -> String {
    m.nodes
        .iter()
        .find(|n| n.input.as_deref() == Some("budget.execution_rate"))
        .map(|n| n.id.clone())
        .unwrap_or_default()
}

fn node_row(
    ws: &mut Worksheet,
    r: u32,
    n: &NodeRow,
    m: &ReportModel,
    f: &Formats,
    lv: u16,
) -> Result<(), XlsxError> {
    let l = m.lang;
    let level = u16::try_from(n.depth.saturating_sub(1))
        .unwrap_or(0)
        .min(lv - 1);
    for c in 0..lv {
        if c == level {
            let fmt = if n.depth == 1 { &f.bold } else { &f.wrap };
            ws.write_string_with_format(r, c, &n.name, fmt)?;
        } else {
            ws.write_blank(r, c, &f.text)?;
        }
    }
    let text = |ws: &mut Worksheet, c: u16, s: Option<&str>| -> Result<(), XlsxError> {
        ws.write_string_with_format(r, c, s.unwrap_or(""), &f.text)?;
        Ok(())
    };
    text(ws, lv, n.target.as_deref())?;
    text(ws, lv + 1, n.actual.as_deref())?;
    figure(ws, r, lv + 2, &n.weight, f)?;
    if n.pending.is_some() {
        ws.write_string_with_format(r, lv + 3, l.pick("未录入", "pending"), &f.text)?;
    } else {
        cited(ws, r, lv + 3, &n.score, &n.cites, m, f)?;
    }
    ws.write_string_with_format(
        r,
        lv + 4,
        n.deviation_reason.as_deref().unwrap_or(""),
        &f.wrap,
    )?;
    let mut method = n.method_words.clone().unwrap_or_default();
    if let Some(a) = &n.adjustment {
        method = format!(
            "{method}{}{} {a}",
            if method.is_empty() { "" } else { ";" },
            l.pick("评分调整", "adjusted")
        );
    }
    if let Some(p) = &n.pending {
        method = format!("{method} ({} {p})", l.pick("未录入:", "pending:"));
    }
    ws.write_string_with_format(r, lv + 5, &method, &f.wrap)?;
    ws.write_string_with_format(r, lv + 6, cite_text(&n.cites), &f.mono)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::xlsx_cells::number;
    use super::*;
    use crate::report::Cite;

    #[test]
    fn cells_cite_at_most_200_entries_and_count_the_rest() {
        let c: Vec<CiteItem> = (1..=250)
            .map(|seq| {
                CiteItem::Entry(Cite {
                    seq,
                    hash: "abcdef".into(),
                })
            })
            .collect();
        let t = cite_text(&c);
        assert!(t.starts_with("#1·abcdef #2·abcdef"), "{t}");
        assert!(t.ends_with("#200·abcdef … (+50)"), "{t}");
        assert_eq!(cite_text(&c[..2]), "#1·abcdef #2·abcdef");
        assert_eq!(number("99.96"), Some(99.96));
        assert_eq!(number("≥100%"), None);
    }
}
