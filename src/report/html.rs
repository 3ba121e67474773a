//! HTML renderer of the report: one self-contained, print-friendly (A4) file with inline CSS,
//! no scripts and no external resources; every citation links to its row in the evidence
//! table at the end. The 填报 block (填报单位 from the ledger; 负责人, 填表人, 联系电话 and
//! 填报日期 as lines to fill in and sign by hand) follows the table; entry kinds are in words
//! and times in China Standard Time (the JSON report keeps UTC).
//!
//! Owns: HTML layout and escaping. Must not: compute figures, read the ledger, or emit
//! anything that loads from elsewhere.

use super::cite::{Cite, CiteGroup, CiteItem};
use super::lang::{AsOfText, Lang, cst, kind_words, six};
use super::model::ReportModel;
use super::total::{held_text, node_score_text, total_parts};
use std::fmt::Write;

const STYLE: &str = "@page { size: A4; margin: 15mm; }
body { font-family: \"Noto Serif CJK SC\", \"Songti SC\", SimSun, serif; font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 16pt; text-align: center; }
h2 { font-size: 13pt; margin-top: 1.2em; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #555; padding: 2px 4px; vertical-align: top; }
th { background: #eee; }
td:first-child { min-width: 7em; }
tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
a.cite { font-family: monospace; font-size: 8.5pt; color: #035; text-decoration: none; white-space: nowrap; }
.marker { border: 3px solid #b00; color: #b00; font-weight: bold; font-size: 14pt; padding: 6px; text-align: center; }
.mono { font-family: monospace; font-size: 8.5pt; word-break: break-all; }
pre.mono { white-space: pre-wrap; margin: 0; }
td.hash { font-family: monospace; font-size: 7.5pt; word-break: break-all; width: 17ch; }
td.seq { text-align: right; white-space: nowrap; width: 1%; }
.small { font-size: 9pt; }
td.method { min-width: 11em; }
table.sign { border: none; margin-top: 1.5em; }
table.sign td { border: none; padding: 6px 4px; }
table.sign td.blank { border-bottom: 1px solid #000; width: 30%; }
@media print { a.cite { color: #000; } h2 { break-after: avoid; } }
";

/// `s` with `&`, `<`, `>`, `"` and `'` escaped.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cite(c: &Cite) -> String {
    format!(
        "<a class=\"cite\" href=\"#e{}\">{}</a>",
        c.seq,
        escape(&c.to_string())
    )
}

/// The anchor of a group in the evidence table (`g1`, `g2`, ... in the order of
/// `evidence_groups`).
fn group_anchor(g: &CiteGroup, groups: &[CiteGroup]) -> String {
    format!("g{}", groups.binary_search(g).map_or(0, |i| i + 1))
}

fn cites(c: &[CiteItem], groups: &[CiteGroup], l: Lang) -> String {
    c.iter()
        .map(|i| match i {
            CiteItem::Entry(c) => cite(c),
            CiteItem::Group(g) => format!(
                "<a class=\"cite\" href=\"#{}\">{}</a> <span class=\"small\">{}</span>",
                group_anchor(g, groups),
                escape(&g.range()),
                escape(g.words(l).split_once(": ").map_or("", |x| x.1))
            ),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt(s: Option<&str>) -> String {
    escape(s.unwrap_or(""))
}

/// A summary row of the evidence table: one group of entries cited as a range.
fn group_row(out: &mut String, i: usize, g: &CiteGroup, l: Lang) {
    let _ = writeln!(
        out,
        "<tr id=\"g{}\"><td class=\"seq\">{}</td><td colspan=\"6\">{}</td></tr>",
        i + 1,
        escape(&g.range()),
        escape(g.words(l).split_once(": ").map_or("", |x| x.1))
    );
}

/// The 填报 block: 填报单位 is the ledger's department (from its signed genesis entry); the
/// responsible person, the preparer, the telephone and the date are lines to fill in and sign
/// on the printout, because a printed name is not a signature (README "The bureau's forms").
fn sign_block(out: &mut String, m: &ReportModel) {
    let l = m.lang;
    let _ = writeln!(
        out,
        "<table class=\"sign\">\n<tr><td>{}:</td><td colspan=\"3\">{}</td></tr>\n<tr><td>{}:</td><td class=\"blank\"></td><td>{}:</td><td class=\"blank\"></td></tr>\n<tr><td>{}:</td><td class=\"blank\"></td><td>{}:</td><td class=\"blank\"></td></tr>\n</table>",
        l.pick("填报单位(盖章)", "Reporting unit (seal)"),
        escape(&m.department),
        l.pick("负责人(签字)", "Head (signature)"),
        l.pick("填表人(签字)", "Prepared by (signature)"),
        l.pick("联系电话", "Telephone"),
        l.pick("填报日期", "Date"),
    );
}

/// The report as one self-contained HTML file.
#[must_use]
pub fn render_html(m: &ReportModel) -> String {
    let l = m.lang;
    let mut out = String::new();
    // The rule set's own form title (`[form]`, docs/RULES.md), else the 部门整体 report's.
    let title = format!(
        "{} — {} {}",
        m.title.as_deref().unwrap_or(l.pick(
            "部门整体支出绩效自评报告",
            "Department overall expenditure performance self-evaluation"
        )),
        m.department,
        m.year.map(|y| y.to_string()).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>",
        l.pick("zh-CN", "en"),
        escape(&title)
    );
    let marker = m.integrity.marker();
    if let Some(mk) = &marker {
        let _ = writeln!(out, "<div class=\"marker\">{}</div>", escape(mk));
    }
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let _ = write!(
        out,
        "<p class=\"small\">{}: {}{}",
        l.pick("截至", "As of"),
        escape(&m.as_of.text(l)),
        m.last_seq
            .map(|s| format!(" ({} #{s})", l.pick("末条", "last entry")))
            .unwrap_or_default()
    );
    if let Some((name, c)) = &m.rule_set {
        let _ = write!(
            out,
            "; {}: {} {}",
            l.pick("评分规则", "rule set"),
            escape(name),
            cite(c)
        );
    }
    let _ = writeln!(out, "</p>");
    for c in &m.rule_set_changes {
        let _ = writeln!(
            out,
            "<p class=\"marker\">{}: {}</p>",
            l.pick("评分规则变更", "Rule set changed"),
            escape(&super::change_sentence(c, l))
        );
    }
    let heading = match &m.scores_heading {
        Some(h) => format!("{}{h}", l.pick("一、", "1. ")),
        None => l.pick("一、自评表", "1. Self-evaluation table").to_string(),
    };
    let _ = writeln!(out, "<h2 id=\"table\">{}</h2>", escape(&heading));
    if let Some(e) = &m.score_error {
        let _ = writeln!(
            out,
            "<p>{}: {}</p>",
            l.pick("无法评分", "Not scored"),
            escape(e)
        );
    }
    if !m.nodes.is_empty() {
        let _ = writeln!(
            out,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            l.pick("指标", "Indicator"),
            l.pick("权重", "Weight"),
            l.pick("目标", "Target"),
            l.pick("实际", "Actual"),
            l.pick("评分方法", "Method"),
            l.pick("得分", "Score"),
            l.pick("偏差原因", "Deviation reason"),
            l.pick("来源", "Entries")
        );
        for n in &m.nodes {
            let score = match (&n.pending, &n.adjustment) {
                (Some(p), _) => format!(
                    "{} <span class=\"small\">({})</span>",
                    escape(&node_score_text(&n.score, true, n.leaf, l)),
                    escape(p)
                ),
                (None, Some(a)) => format!("{} ({})", escape(&n.score), escape(a)),
                (None, None) => escape(&n.score),
            };
            let name = if n.depth == 0 {
                format!("<strong>{}</strong>", escape(&n.name))
            } else {
                escape(&n.name)
            };
            let _ = writeln!(
                out,
                "<tr id=\"n-{}\"><td style=\"padding-left:{}em\">{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"small method\">{}</td><td class=\"num\">{score}</td><td class=\"small\">{}</td><td>{}</td></tr>",
                escape(&n.id),
                n.depth + 1,
                escape(&n.weight),
                opt(n.target.as_deref()),
                opt(n.actual.as_deref()),
                opt(n.method_words.as_deref()),
                opt(n.deviation_reason.as_deref()),
                cites(&n.cites, &m.evidence_groups, l)
            );
        }
        let _ = writeln!(out, "</table>");
    }
    for note in &m.scoring_notes {
        let _ = writeln!(out, "<p class=\"small\">* {}</p>", escape(note));
    }
    if let Some(t) = &m.total {
        let (figure, note) = total_parts(t, m.grade.as_deref(), m.pending_indicators, l);
        let _ = writeln!(
            out,
            "<p><strong>{} {}</strong>, {} ({} {})</p>",
            l.pick("自评总分", "Total score"),
            escape(&figure),
            if m.pending_indicators > 0 {
                format!("({})", escape(&note))
            } else {
                format!(
                    "{} <strong>{}</strong>",
                    l.pick("等级", "grade"),
                    opt(m.grade.as_deref())
                )
            },
            l.pick("核对声明数", "claims checked"),
            m.claims_checked
        );
    }
    sign_block(&mut out, m);
    let _ = writeln!(
        out,
        "<h2 id=\"budget\">{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        l.pick("二、预算执行情况", "2. Budget summary"),
        l.pick("项目", "Item"),
        l.pick("金额/比率", "Amount/rate"),
        l.pick("来源", "Entries")
    );
    for b in &m.budget {
        let value = match &b.value {
            Some(v) => format!("{} {}", escape(v), escape(&b.unit)),
            None => format!("— ({})", opt(b.note.as_deref())),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{value}</td><td>{}</td></tr>",
            escape(&b.label),
            cites(&b.cites, &m.evidence_groups, l)
        );
    }
    let _ = writeln!(out, "</table>");
    let _ = writeln!(
        out,
        "<h2 id=\"findings\">{}</h2>",
        l.pick("三、核对发现", "3. Findings")
    );
    if m.findings.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l.pick("无。", "None."));
    } else {
        let _ = writeln!(
            out,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            l.pick("声明", "Claim"),
            l.pick("报告数", "Stated"),
            l.pick("重算数", "Recomputed"),
            l.pick("口径", "Definition"),
            l.pick("依据", "Inputs"),
            l.pick("确认", "Acknowledgement")
        );
        for f in &m.findings {
            let recomputed = match &f.recomputed {
                Some(r) => format!(
                    "{} <span class=\"small\">({} {})</span>",
                    escape(r),
                    l.pick("精确值", "exact"),
                    escape(&six(f.recomputed_exact.as_deref().unwrap_or("")))
                ),
                None => format!(
                    "{}: {}",
                    l.pick("无法重算", "cannot be recomputed"),
                    opt(f.problem.as_deref())
                ),
            };
            let ack = match &f.acknowledged {
                Some(a) => format!(
                    "{} {} ({}, {}): {}",
                    l.pick("已确认", "acknowledged"),
                    cite(&a.cite),
                    escape(&a.author),
                    escape(&cst(&a.recorded_at, l)),
                    escape(&a.reason)
                ),
                None => format!("<strong>{}</strong>", l.pick("未确认", "NOT acknowledged")),
            };
            let _ = writeln!(
                out,
                "<tr><td>{} [{}] «{}» {}</td><td class=\"num\">{}</td><td class=\"num\">{recomputed}</td><td class=\"small\">{}</td><td>{}</td><td class=\"small\">{ack}</td></tr>",
                escape(&f.id),
                escape(&f.section),
                escape(&f.text),
                cite(&f.claim),
                escape(&f.stated),
                escape(&f.definition),
                cites(&f.inputs, &m.evidence_groups, l)
            );
        }
        let _ = writeln!(out, "</table>");
    }
    if !m.warnings.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}:</p>\n<ul>",
            l.pick(
                "合理性提示 (不影响核对结果)",
                "Plausibility warnings (not failures)"
            )
        );
        for w in &m.warnings {
            let _ = writeln!(
                out,
                "<li>{} {}</li>",
                escape(&w.text),
                cites(&w.cites, &m.evidence_groups, l)
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(
        out,
        "<h2 id=\"adjustments\">{}</h2>",
        l.pick("四、评分调整", "4. Score adjustments")
    );
    if m.adjustments.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l.pick("无。", "None."));
    } else {
        let _ = writeln!(
            out,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            l.pick("指标", "Node"),
            l.pick("调整", "Delta"),
            l.pick("理由", "Reason"),
            l.pick("依据", "Basis"),
            l.pick("评价人", "Author"),
            l.pick("条目", "Entries")
        );
        for a in &m.adjustments {
            let _ = writeln!(
                out,
                "<tr><td>{} <span class=\"mono\">{}</span></td><td class=\"num\">{}</td><td class=\"small\">{}</td><td class=\"small\">{}</td><td>{}<br><span class=\"small\">{}</span></td><td>{}</td></tr>",
                escape(&a.node_name),
                escape(&a.node),
                escape(&format!("{}{}", a.delta, held_text(a.held, l))),
                escape(&a.reason),
                escape(&a.basis),
                escape(&a.author),
                escape(&cst(&a.recorded_at, l)),
                cites(&a.cites, &m.evidence_groups, l)
            );
        }
        let _ = writeln!(out, "</table>");
    }
    let b = &m.ledger;
    let _ = writeln!(
        out,
        "<h2 id=\"ledger\">{}</h2>\n<table class=\"small\">",
        l.pick("五、账本", "5. Ledger")
    );
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
    ];
    for (k, v) in rows {
        let _ = writeln!(
            out,
            "<tr><th>{k}</th><td class=\"mono\">{}</td></tr>",
            escape(&v)
        );
    }
    if let Some(c) = &b.signed_checkpoint {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td><pre class=\"mono\">{}</pre></td></tr>",
            l.pick("签名检查点", "Signed checkpoint"),
            escape(c)
        );
    }
    let _ = writeln!(out, "</table>");
    let _ = writeln!(
        out,
        "<h2 id=\"evidence\">{}</h2>\n<table class=\"small\">\n<tr><th>seq</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        l.pick("六、引用条目", "6. Cited entries"),
        l.pick("哈希", "Hash"),
        l.pick("录入人", "Author"),
        l.pick("时间(北京时间)", "Time (CST)"),
        l.pick("类型", "Kind"),
        l.pick("摘要", "Summary"),
        l.pick("理由", "Reason")
    );
    let mut groups = m.evidence_groups.iter().enumerate().peekable();
    for e in &m.evidence {
        while let Some((i, g)) = groups.next_if(|(_, g)| g.from < e.seq) {
            group_row(&mut out, i, g, l);
        }
        let _ = writeln!(
            out,
            "<tr id=\"e{}\"><td class=\"seq\">#{}</td><td class=\"hash\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.seq,
            e.seq,
            escape(&e.hash),
            escape(&e.author),
            escape(&cst(&e.recorded_at, l)),
            escape(kind_words(&e.kind, l)),
            escape(&l.summary(&e.summary)),
            opt(e.reason.as_deref())
        );
    }
    for (i, g) in groups {
        group_row(&mut out, i, g, l);
    }
    let _ = writeln!(out, "</table>");
    if let Some(mk) = &marker {
        let _ = writeln!(out, "<div class=\"marker\">{}</div>", escape(mk));
    }
    let _ = writeln!(out, "</body>\n</html>");
    out
}
