//! The XLSX report's sheets after the 自评表: the budget summary (预算执行), findings (核对发现),
//! score adjustments (评分调整), the cited entries (引用条目) and the ledger binding (账本).
//!
//! Owns: those sheets' layout. Must not: compute figures, read the ledger, or lay out the
//! 自评表 (src/report/xlsx.rs does).

use super::lang::{cst, kind_words, six};
use super::model::ReportModel;
use super::xlsx_cells::{Formats, cite_text, figure, group_words};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

fn heads(ws: &mut Worksheet, r: u32, hs: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (c, h) in hs.iter().enumerate() {
        ws.write_string_with_format(r, u16::try_from(c).unwrap_or(0), *h, &f.head)?;
    }
    ws.set_repeat_rows(r, r)?;
    Ok(())
}

fn widths(ws: &mut Worksheet, w: &[f64]) -> Result<(), XlsxError> {
    for (c, w) in w.iter().enumerate() {
        ws.set_column_width(u16::try_from(c).unwrap_or(0), *w)?;
    }
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The budget summary, findings and adjustments sheets.
pub(super) fn findings_sheets(
    wb: &mut Workbook,
    m: &ReportModel,
    f: &Formats,
) -> Result<(), XlsxError> {
    let l = m.lang;
    let ws = wb.add_worksheet();
    ws.set_name(l.pick("预算执行", "Budget"))?;
    widths(ws, &[22.0, 14.0, 8.0, 40.0])?;
    heads(
        ws,
        0,
        &[
            l.pick("项目", "Item"),
            l.pick("金额/比率", "Amount/rate"),
            l.pick("单位", "Unit"),
            l.pick("来源", "Entries"),
        ],
        f,
    )?;
    for (i, b) in m.budget.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string_with_format(r, 0, &b.label, &f.text)?;
        match &b.value {
            Some(v) => figure(ws, r, 1, v, f)?,
            None => {
                ws.write_string_with_format(r, 1, b.note.as_deref().unwrap_or("—"), &f.text)?;
            }
        }
        ws.write_string_with_format(r, 2, &b.unit, &f.text)?;
        ws.write_string_with_format(r, 3, cite_text(&b.cites), &f.mono)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(l.pick("核对发现", "Findings"))?;
    widths(ws, &[24.0, 10.0, 28.0, 10.0, 14.0, 36.0, 24.0, 30.0])?;
    heads(
        ws,
        0,
        &[
            l.pick("声明", "Claim"),
            l.pick("章节", "Section"),
            l.pick("原文", "Text"),
            l.pick("报告数", "Stated"),
            l.pick("重算数", "Recomputed"),
            l.pick("口径", "Definition"),
            l.pick("依据", "Inputs"),
            l.pick("确认", "Acknowledgement"),
        ],
        f,
    )?;
    if m.findings.is_empty() {
        ws.write_string(1, 0, l.pick("无。", "None."))?;
    }
    for (i, x) in m.findings.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string_with_format(r, 0, format!("{} {}", x.id, x.claim), &f.wrap)?;
        ws.write_string_with_format(r, 1, &x.section, &f.text)?;
        ws.write_string_with_format(r, 2, &x.text, &f.wrap)?;
        ws.write_string_with_format(r, 3, &x.stated, &f.text)?;
        let recomputed = match &x.recomputed {
            Some(v) => format!(
                "{v} ({} {})",
                l.pick("精确值", "exact"),
                six(x.recomputed_exact.as_deref().unwrap_or(""))
            ),
            None => format!(
                "{}: {}",
                l.pick("无法重算", "cannot be recomputed"),
                x.problem.as_deref().unwrap_or("")
            ),
        };
        ws.write_string_with_format(r, 4, &recomputed, &f.wrap)?;
        ws.write_string_with_format(r, 5, &x.definition, &f.wrap)?;
        ws.write_string_with_format(r, 6, cite_text(&x.inputs), &f.mono)?;
        let ack = match &x.acknowledged {
            Some(a) => format!(
                "{} {} ({}, {}): {}",
                l.pick("已确认", "acknowledged"),
                a.cite,
                a.author,
                cst(&a.recorded_at, l),
                a.reason
            ),
            None => l.pick("未确认", "NOT acknowledged").to_string(),
        };
        ws.write_string_with_format(r, 7, &ack, &f.wrap)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(l.pick("评分调整", "Adjustments"))?;
    widths(ws, &[24.0, 8.0, 48.0, 24.0, 12.0, 22.0, 22.0])?;
    heads(
        ws,
        0,
        &[
            l.pick("指标", "Node"),
            l.pick("调整", "Delta"),
            l.pick("理由", "Reason"),
            l.pick("依据", "Basis"),
            l.pick("评价人", "Author"),
            l.pick("时间", "Time"),
            l.pick("条目", "Entries"),
        ],
        f,
    )?;
    if m.adjustments.is_empty() {
        ws.write_string(1, 0, l.pick("无。", "None."))?;
    }
    for (i, a) in m.adjustments.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string_with_format(r, 0, format!("{} {}", a.node_name, a.node), &f.wrap)?;
        figure(ws, r, 1, &a.delta, f)?;
        ws.write_string_with_format(r, 2, &a.reason, &f.wrap)?;
        ws.write_string_with_format(r, 3, &a.basis, &f.wrap)?;
        ws.write_string_with_format(r, 4, &a.author, &f.text)?;
        ws.write_string_with_format(r, 5, cst(&a.recorded_at, l), &f.text)?;
        ws.write_string_with_format(r, 6, cite_text(&a.cites), &f.mono)?;
    }
    Ok(())
}

/// Every cited entry (and every group cited as a range), by seq: seq, hash, author, time
/// (China Standard Time), kind, summary, reason.
pub(super) fn evidence_sheet(
    ws: &mut Worksheet,
    m: &ReportModel,
    f: &Formats,
) -> Result<(), XlsxError> {
    let l = m.lang;
    ws.set_name(l.pick("引用条目", "Cited entries"))?;
    widths(ws, &[8.0, 30.0, 12.0, 22.0, 12.0, 48.0, 40.0])?;
    heads(
        ws,
        0,
        &[
            "seq",
            l.pick("哈希", "Hash"),
            l.pick("录入人", "Author"),
            l.pick("时间(北京时间)", "Time (CST)"),
            l.pick("类型", "Kind"),
            l.pick("摘要", "Summary"),
            l.pick("理由", "Reason"),
        ],
        f,
    )?;
    let mut r: u32 = 1;
    let mut groups = m.evidence_groups.iter().peekable();
    let group_row = |ws: &mut Worksheet, r: u32, g: &super::cite::CiteGroup| {
        ws.write_string_with_format(r, 0, g.range(), &f.text)?;
        ws.merge_range(r, 1, r, 6, &group_words(g, l), &f.wrap)?;
        Ok::<(), XlsxError>(())
    };
    for e in &m.evidence {
        while let Some(g) = groups.next_if(|g| g.from < e.seq) {
            group_row(ws, r, g)?;
            r += 1;
        }
        ws.write_number_with_format(r, 0, e.seq as f64, &f.text)?;
        ws.write_string_with_format(r, 1, &e.hash, &f.mono)?;
        ws.write_string_with_format(r, 2, &e.author, &f.text)?;
        ws.write_string_with_format(r, 3, cst(&e.recorded_at, l), &f.text)?;
        ws.write_string_with_format(r, 4, kind_words(&e.kind, l), &f.text)?;
        ws.write_string_with_format(r, 5, l.summary(&e.summary), &f.wrap)?;
        ws.write_string_with_format(r, 6, e.reason.as_deref().unwrap_or(""), &f.wrap)?;
        r += 1;
    }
    for g in groups {
        group_row(ws, r, g)?;
        r += 1;
    }
    Ok(())
}

/// What binds the workbook to the ledger: id, size, head, Merkle root, signed checkpoint,
/// integrity.
pub(super) fn ledger_sheet(
    ws: &mut Worksheet,
    m: &ReportModel,
    f: &Formats,
) -> Result<(), XlsxError> {
    let l = m.lang;
    let b = &m.ledger;
    ws.set_name(l.pick("账本", "Ledger"))?;
    widths(ws, &[16.0, 90.0])?;
    let verified = match m.integrity.marker() {
        Some(mk) => mk,
        None => l.pick("已验证", "verified").to_string(),
    };
    let rows = [
        (l.pick("账本编号", "Ledger id"), b.ledger_id.clone()),
        (l.pick("条目数", "Entries"), b.entries.to_string()),
        (l.pick("末条哈希", "Head hash"), b.head.clone()),
        (
            l.pick("默克尔根", "Merkle root"),
            b.merkle_root
                .clone()
                .unwrap_or_else(|| l.pick("(未验证)", "(not verified)").to_string()),
        ),
        (
            l.pick("签名检查点", "Signed checkpoint"),
            b.signed_checkpoint.clone().unwrap_or_else(|| {
                l.pick("(无该规模的检查点)", "(none of this size)")
                    .to_string()
            }),
        ),
        (l.pick("完整性", "Integrity"), verified),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        let r = u32::try_from(i).unwrap_or(0);
        ws.write_string_with_format(r, 0, *k, &f.head)?;
        ws.write_string_with_format(r, 1, v, &f.mono)?;
    }
    if let Some(c) = &b.signed_checkpoint {
        let lines = u16::try_from(c.lines().count()).unwrap_or(1);
        ws.set_row_height(4, f64::from(lines) * 11.0 + 4.0)?;
    }
    Ok(())
}
