//! Markdown renderer of the report: the same sections as the text report, as tables.
//!
//! Owns: Markdown layout and escaping of table cells. Must not: compute figures or read the
//! ledger.

use super::cite::CiteItem;
use super::lang::{AsOfText, Lang, cst, six};
use super::model::ReportModel;
use super::total::{held_text, node_score_text, total_parts};
use std::fmt::Write;

/// A table cell: `|`, backslashes and line breaks escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn cites(c: &[CiteItem], l: Lang) -> String {
    c.iter()
        .map(|i| match i {
            CiteItem::Entry(c) => format!("`{c}`"),
            CiteItem::Group(g) => cell(&g.words(l)),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report as Markdown.
#[must_use]
pub fn render_markdown(m: &ReportModel) -> String {
    let l = m.lang;
    let mut out = String::new();
    let marker = m.integrity.marker();
    if let Some(mk) = &marker {
        let _ = writeln!(out, "> **{mk}**\n");
    }
    let _ = writeln!(
        out,
        "# {} — {} {}\n",
        m.title.as_deref().unwrap_or(l.pick(
            "部门整体支出绩效自评报告",
            "Department overall expenditure performance self-evaluation"
        )),
        cell(&m.department),
        m.year.map(|y| y.to_string()).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "- {}: {}{}",
        l.pick("截至", "As of"),
        m.as_of.text(l),
        m.last_seq
            .map(|s| format!(" ({} #{s})", l.pick("末条", "last entry")))
            .unwrap_or_default()
    );
    if let Some((name, c)) = &m.rule_set {
        let _ = writeln!(
            out,
            "- {}: {} `{c}`",
            l.pick("评分规则", "Rule set"),
            cell(name)
        );
    }
    for c in &m.rule_set_changes {
        let _ = writeln!(
            out,
            "- **{}**: {}",
            l.pick("评分规则变更", "Rule set changed"),
            cell(&super::change_sentence(c, l))
        );
    }
    let _ = writeln!(out);
    let _ = match &m.scores_heading {
        Some(h) => writeln!(out, "## {}{}\n", l.pick("一、", "1. "), cell(h)),
        None => writeln!(
            out,
            "## {}\n",
            l.pick("一、自评表", "1. Self-evaluation table")
        ),
    };
    if let Some(e) = &m.score_error {
        let _ = writeln!(out, "{}: {}\n", l.pick("无法评分", "Not scored"), cell(e));
    }
    if !m.nodes.is_empty() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            l.pick("指标", "Indicator"),
            l.pick("权重", "Weight"),
            l.pick("目标", "Target"),
            l.pick("实际", "Actual"),
            l.pick("评分方法", "Method"),
            l.pick("得分", "Score"),
            l.pick("偏差原因", "Deviation reason"),
            l.pick("来源", "Entries")
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---|---:|---|---|");
    }
    for n in &m.nodes {
        let name = format!(
            "{}{}",
            "\u{3000}".repeat(n.depth),
            if n.depth == 0 {
                format!("**{}**", cell(&n.name))
            } else {
                cell(&n.name)
            }
        );
        let score = match (&n.pending, &n.adjustment) {
            (Some(p), _) => format!(
                "{} ({})",
                node_score_text(&n.score, true, n.leaf, l).replace('*', "\\*"),
                cell(p)
            ),
            (None, Some(a)) => format!("{} ({a})", n.score),
            (None, None) => n.score.clone(),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {score} | {} | {} |",
            n.weight,
            cell(n.target.as_deref().unwrap_or("")),
            cell(n.actual.as_deref().unwrap_or("")),
            cell(
                n.method_words
                    .as_deref()
                    .or(n.method.as_deref())
                    .unwrap_or("")
            ),
            cell(n.deviation_reason.as_deref().unwrap_or("")),
            cites(&n.cites, l)
        );
    }
    if !m.scoring_notes.is_empty() {
        let _ = writeln!(out);
        for n in &m.scoring_notes {
            let _ = writeln!(out, "- {}", cell(n));
        }
    }
    if let Some(t) = &m.total {
        let (figure, note) = total_parts(t, m.grade.as_deref(), m.pending_indicators, l);
        let _ = writeln!(
            out,
            "\n**{} {}**, {} ({} {})",
            l.pick("自评总分", "Total score"),
            figure.replace('*', "\\*"),
            if m.pending_indicators > 0 {
                format!("({})", cell(&note))
            } else {
                format!(
                    "{} **{}**",
                    l.pick("等级", "grade"),
                    cell(m.grade.as_deref().unwrap_or("-"))
                )
            },
            l.pick("核对声明数", "claims checked"),
            m.claims_checked
        );
    }
    let _ = writeln!(
        out,
        "\n## {}\n",
        l.pick("二、预算执行情况", "2. Budget summary")
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---:|---|",
        l.pick("项目", "Item"),
        l.pick("金额/比率", "Amount/rate"),
        l.pick("来源", "Entries")
    );
    for b in &m.budget {
        let value = match &b.value {
            Some(v) => format!("{v} {}", b.unit),
            None => format!("— ({})", cell(b.note.as_deref().unwrap_or(""))),
        };
        let _ = writeln!(
            out,
            "| {} | {value} | {} |",
            cell(&b.label),
            cites(&b.cites, l)
        );
    }
    let _ = writeln!(out, "\n## {}\n", l.pick("三、核对发现", "3. Findings"));
    if m.findings.is_empty() {
        let _ = writeln!(out, "{}", l.pick("无。", "None."));
    }
    for f in &m.findings {
        let _ = writeln!(
            out,
            "- **{}** [{}] «{}» `{}`",
            cell(&f.id),
            cell(&f.section),
            cell(&f.text),
            f.claim
        );
        match &f.recomputed {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "  - {} **{}**, {} **{}** ({} {})",
                    l.pick("报告数", "stated"),
                    cell(&f.stated),
                    l.pick("重算数", "recomputed"),
                    cell(r),
                    l.pick("精确值", "exact"),
                    six(f.recomputed_exact.as_deref().unwrap_or(""))
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  - {} **{}**, {}: {}",
                    l.pick("报告数", "stated"),
                    cell(&f.stated),
                    l.pick("无法重算", "cannot be recomputed"),
                    cell(f.problem.as_deref().unwrap_or(""))
                );
            }
        }
        let _ = writeln!(
            out,
            "  - {}: {}; {} {}",
            l.pick("口径", "definition"),
            cell(&f.definition),
            l.pick("依据", "inputs"),
            cites(&f.inputs, l)
        );
        match &f.acknowledged {
            Some(a) => {
                let _ = writeln!(
                    out,
                    "  - {} `{}` ({}, {}): {}",
                    l.pick("已确认", "acknowledged"),
                    a.cite,
                    cell(&a.author),
                    cst(&a.recorded_at, l),
                    cell(&a.reason)
                );
            }
            None => {
                let _ = writeln!(out, "  - **{}**", l.pick("未确认", "NOT acknowledged"));
            }
        }
    }
    if !m.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}:\n",
            l.pick(
                "合理性提示 (不影响核对结果)",
                "Plausibility warnings (not failures)"
            )
        );
    }
    for w in &m.warnings {
        let _ = writeln!(out, "- ⚠ {} {}", cell(&w.text), cites(&w.cites, l));
    }
    let _ = writeln!(
        out,
        "\n## {}\n",
        l.pick("四、评分调整", "4. Score adjustments")
    );
    if m.adjustments.is_empty() {
        let _ = writeln!(out, "{}", l.pick("无。", "None."));
    }
    for a in &m.adjustments {
        let _ = writeln!(
            out,
            "- {} `{}` **{}**{} {} ({}, {})\n  - {}: {}\n  - {}: {}",
            cell(&a.node_name),
            a.node,
            a.delta,
            held_text(a.held, l),
            cites(&a.cites, l),
            cell(&a.author),
            cst(&a.recorded_at, l),
            l.pick("理由", "reason"),
            cell(&a.reason),
            l.pick("依据", "basis"),
            cell(&a.basis)
        );
    }
    let b = &m.ledger;
    let _ = writeln!(out, "\n## {}\n", l.pick("五、账本", "5. Ledger"));
    let _ = writeln!(
        out,
        "- {}: `{}`",
        l.pick("账本编号", "ledger id"),
        b.ledger_id
    );
    let _ = writeln!(out, "- {}: {}", l.pick("条目数", "entries"), b.entries);
    let _ = writeln!(out, "- {}: `{}`", l.pick("末条哈希", "head hash"), b.head);
    let _ = writeln!(
        out,
        "- {}: `{}`",
        l.pick("默克尔根", "Merkle root"),
        b.merkle_root
            .as_deref()
            .unwrap_or(l.pick("(未验证)", "(not verified)"))
    );
    if let Some(c) = &b.signed_checkpoint {
        let _ = writeln!(
            out,
            "- {}:\n\n```\n{c}\n```",
            l.pick("签名检查点", "signed checkpoint")
        );
    }
    if let Some(mk) = &marker {
        let _ = writeln!(out, "\n> **{mk}**");
    }
    out
}
