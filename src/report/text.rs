//! Plain-text renderers of the report, the derivation tree (`trace`) and the comparison
//! (`diff`), with CJK columns aligned by display width.
//!
//! Owns: the text layout. Must not: compute figures or read the ledger.

use super::cite::{CiteItem, EntryDetail};
use super::diff::DiffModel;
use super::lang::{AsOfText, Lang, cst, kind_words, six};
use super::model::{Integrity, ReportModel};
use super::total::{held_text, node_score_text, total_words};
use super::trace::{TraceModel, TraceNode};
use super::width::{pad, pad_left};
use std::fmt::Write;

/// At most this many citations per figure in text; the rest are counted.
const MAX_CITES: usize = 6;

/// Citations joined by spaces: at most `max` entries, then `…+N`; every group, in words.
#[must_use]
pub(crate) fn cite_list(c: &[CiteItem], max: usize, l: Lang) -> String {
    let mut parts = Vec::new();
    let mut entries = 0;
    for i in c {
        match i {
            CiteItem::Entry(e) => {
                entries += 1;
                if entries <= max {
                    parts.push(e.to_string());
                }
            }
            CiteItem::Group(g) => parts.push(g.words(l)),
        }
    }
    if entries > max {
        parts.push(format!("…+{}", entries - max));
    }
    parts.join(" ")
}

fn banner(out: &mut String, i: &Integrity) {
    if let Some(m) = i.marker() {
        let line = "!".repeat(72);
        let _ = writeln!(out, "{line}\n!! {m}\n{line}");
    }
}

/// The report as aligned text.
#[must_use]
pub fn render_text(m: &ReportModel) -> String {
    let l = m.lang;
    let mut out = String::new();
    banner(&mut out, &m.integrity);
    let _ = writeln!(
        out,
        "{}  {} {}",
        m.title.as_deref().unwrap_or(l.pick(
            "部门整体支出绩效自评报告",
            "Department overall expenditure performance self-evaluation"
        )),
        m.department,
        m.year.map(|y| y.to_string()).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{}: {}{}",
        l.pick("截至", "As of"),
        m.as_of.text(l),
        m.last_seq
            .map(|s| format!(" ({} #{s})", l.pick("末条", "last entry")))
            .unwrap_or_default()
    );
    if let Some((name, cite)) = &m.rule_set {
        let _ = writeln!(out, "{}: {name} {cite}", l.pick("评分规则", "Rule set"));
    }
    for c in &m.rule_set_changes {
        let _ = writeln!(
            out,
            "{}: {}",
            l.pick("评分规则变更", "Rule set changed"),
            super::change_sentence(c, l)
        );
    }
    let _ = writeln!(out);
    let _ = match &m.scores_heading {
        Some(h) => writeln!(out, "{}{h}", l.pick("一、", "1. ")),
        None => writeln!(out, "{}", l.pick("一、自评表", "1. Self-evaluation table")),
    };
    if let Some(e) = &m.score_error {
        let _ = writeln!(out, "  {}: {e}", l.pick("无法评分", "not scored"));
    }
    if !m.nodes.is_empty() {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}  {}",
            pad(l.pick("指标", "Indicator"), 40),
            pad_left(l.pick("权重", "Weight"), 6),
            pad_left(l.pick("目标", "Target"), 8),
            pad_left(l.pick("实际", "Actual"), 10),
            pad_left(l.pick("得分", "Score"), 13),
            l.pick("来源", "Entries")
        );
    }
    for n in &m.nodes {
        let name = format!("{}{}", "  ".repeat(n.depth), n.name);
        let score = match (&n.pending, &n.adjustment) {
            (Some(_), _) => node_score_text(&n.score, true, n.leaf, l),
            (None, Some(a)) => format!("{} ({a})", n.score),
            (None, None) => n.score.clone(),
        };
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}  {}",
            pad(&name, 40),
            pad_left(&n.weight, 6),
            pad_left(n.target.as_deref().unwrap_or(""), 8),
            pad_left(n.actual.as_deref().unwrap_or(""), 10),
            pad_left(&score, 13),
            cite_list(&n.cites, MAX_CITES, l)
        );
        let indent = "  ".repeat(n.depth + 2);
        // Under zh the Chinese wording of the formula (as the HTML and XLSX show it).
        if let Some(method) = n.method_words.as_ref().or(n.method.as_ref()) {
            let _ = writeln!(out, "{indent}{}: {method}", l.pick("方法", "method"));
        }
        if let Some(p) = &n.pending {
            let _ = writeln!(out, "{indent}{}: {p}", l.pick("未评分原因", "pending"));
        }
        if let Some(r) = &n.deviation_reason {
            let _ = writeln!(
                out,
                "{indent}{}: {r}",
                l.pick("偏差原因", "deviation reason")
            );
        }
    }
    for note in &m.scoring_notes {
        let _ = writeln!(out, "  * {note}");
    }
    if let Some(t) = &m.total {
        let words = total_words(t, m.grade.as_deref(), m.pending_indicators, l);
        let _ = writeln!(
            out,
            "{} {words}  ({} {})",
            l.pick("自评总分", "Total score"),
            l.pick("核对声明数", "claims checked"),
            m.claims_checked
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", l.pick("二、预算执行情况", "2. Budget summary"));
    for b in &m.budget {
        let value = match &b.value {
            Some(v) => format!("{v} {}", b.unit),
            None => format!("— ({})", b.note.as_deref().unwrap_or("")),
        };
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            pad(&b.label, 22),
            pad_left(&value, 16),
            cite_list(&b.cites, MAX_CITES, l)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", l.pick("三、核对发现", "3. Findings"));
    if m.findings.is_empty() {
        let _ = writeln!(out, "  {}", l.pick("无", "none"));
    }
    for f in &m.findings {
        let _ = writeln!(out, "  - {} [{}] «{}» {}", f.id, f.section, f.text, f.claim);
        match &f.recomputed {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "    {} {}, {} {} ({} {})",
                    l.pick("报告数", "stated"),
                    f.stated,
                    l.pick("重算数", "recomputed"),
                    r,
                    l.pick("精确值", "exact"),
                    six(f.recomputed_exact.as_deref().unwrap_or(""))
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    {} {}, {}: {}",
                    l.pick("报告数", "stated"),
                    f.stated,
                    l.pick("无法重算", "cannot be recomputed"),
                    f.problem.as_deref().unwrap_or("")
                );
            }
        }
        let _ = writeln!(
            out,
            "    {}: {}; {} {}",
            l.pick("口径", "definition"),
            f.definition,
            l.pick("依据", "inputs"),
            cite_list(&f.inputs, MAX_CITES, l)
        );
        match &f.acknowledged {
            Some(a) => {
                let _ = writeln!(
                    out,
                    "    {} {} ({}, {}): {}",
                    l.pick("已确认", "acknowledged"),
                    a.cite,
                    a.author,
                    cst(&a.recorded_at, l),
                    a.reason
                );
            }
            None => {
                let _ = writeln!(out, "    {}", l.pick("未确认", "NOT acknowledged"));
            }
        }
    }
    if !m.warnings.is_empty() {
        let _ = writeln!(
            out,
            "  {}:",
            l.pick(
                "合理性提示 (不影响核对结果)",
                "Plausibility warnings (not failures)"
            )
        );
    }
    for w in &m.warnings {
        let _ = writeln!(out, "  ! {} {}", w.text, cite_list(&w.cites, MAX_CITES, l));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", l.pick("四、评分调整", "4. Score adjustments"));
    if m.adjustments.is_empty() {
        let _ = writeln!(out, "  {}", l.pick("无", "none"));
    }
    for a in &m.adjustments {
        let _ = writeln!(
            out,
            "  - {} {} {}{}  {} ({}, {})",
            a.node_name,
            a.node,
            a.delta,
            held_text(a.held, l),
            cite_list(&a.cites, MAX_CITES, l),
            a.author,
            cst(&a.recorded_at, l)
        );
        let _ = writeln!(out, "    {}: {}", l.pick("理由", "reason"), a.reason);
        let _ = writeln!(out, "    {}: {}", l.pick("依据", "basis"), a.basis);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", l.pick("五、账本", "5. Ledger"));
    let b = &m.ledger;
    let _ = writeln!(
        out,
        "  {}: {}",
        l.pick("账本编号", "ledger id"),
        b.ledger_id
    );
    let _ = writeln!(out, "  {}: {}", l.pick("条目数", "entries"), b.entries);
    let _ = writeln!(out, "  {}: {}", l.pick("末条哈希", "head hash"), b.head);
    let _ = writeln!(
        out,
        "  {}: {}",
        l.pick("默克尔根", "Merkle root"),
        b.merkle_root
            .as_deref()
            .unwrap_or(l.pick("(未验证)", "(not verified)"))
    );
    if let Some(c) = &b.signed_checkpoint {
        let _ = writeln!(out, "  {}:", l.pick("签名检查点", "signed checkpoint"));
        for line in c.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    banner(&mut out, &m.integrity);
    trim_lines(&out)
}

/// Removes trailing spaces from every line.
fn trim_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for l in s.lines() {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}

fn entry_line(out: &mut String, indent: &str, e: &EntryDetail, l: Lang) {
    let _ = writeln!(
        out,
        "{indent}#{}·{}  {}  {}  {}  {}",
        e.seq,
        e.short,
        cst(&e.recorded_at, l),
        e.author,
        kind_words(&e.kind, l),
        l.summary(&e.summary)
    );
    if let Some(r) = e
        .reason
        .as_ref()
        .filter(|r| !e.summary.contains(r.as_str()))
    {
        let _ = writeln!(out, "{indent}    {r}");
    }
}

fn trace_node(out: &mut String, n: &TraceNode, depth: usize, l: Lang) {
    let ind = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{ind}{} {}  {} {} / {}",
        n.id,
        n.name,
        l.pick("得分", "score"),
        n.score,
        n.weight
    );
    if let Some(m) = &n.method {
        let _ = writeln!(
            out,
            "{ind}  {}: {}",
            l.pick("方法", "method"),
            n.method_words
                .as_deref()
                .or(n.formula.as_deref())
                .unwrap_or(m)
        );
    }
    if let Some(i) = &n.input {
        let _ = writeln!(
            out,
            "{ind}  {}: {i}{}",
            l.pick("输入", "input"),
            n.input_definition
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    if n.target.is_some() || n.actual.is_some() {
        let _ = writeln!(
            out,
            "{ind}  {} {}  {} {}",
            l.pick("目标", "target"),
            n.target.as_deref().unwrap_or("-"),
            l.pick("实际", "actual"),
            n.actual.as_deref().unwrap_or("-")
        );
    }
    if let Some(p) = &n.pending {
        let _ = writeln!(out, "{ind}  {}: {p}", l.pick("未评分", "pending"));
    }
    if !n.adjustments.is_empty() {
        let _ = writeln!(
            out,
            "{ind}  {} {}",
            l.pick("调整前", "before adjustments"),
            n.before_adjustments
        );
    }
    if !n.entries.is_empty() || !n.entry_groups.is_empty() {
        let _ = writeln!(out, "{ind}  {}:", l.pick("条目", "entries"));
        for e in &n.entries {
            entry_line(out, &format!("{ind}    "), e, l);
        }
        for g in &n.entry_groups {
            let _ = writeln!(out, "{ind}    {}", g.words(l));
        }
    }
    for s in &n.superseded {
        let _ = writeln!(
            out,
            "{ind}  {} {}: {} → {} {} ({})",
            l.pick("更正", "superseded"),
            s.slot,
            s.old_value.as_deref().unwrap_or("?"),
            s.new_value
                .as_deref()
                .unwrap_or(l.pick("(撤回)", "(retracted)")),
            s.correction,
            s.reason
        );
    }
    for a in &n.adjustments {
        let _ = writeln!(
            out,
            "{ind}  {} {}{} {} ({}, {}): {}",
            l.pick("调整", "adjustment"),
            a.delta,
            held_text(a.held, l),
            cite_list(&a.cites, MAX_CITES, l),
            a.author,
            cst(&a.recorded_at, l),
            a.reason
        );
    }
    for c in &n.children {
        trace_node(out, c, depth + 1, l);
    }
}

/// The derivation tree as indented text.
#[must_use]
pub fn render_trace(t: &TraceModel, l: Lang) -> String {
    let mut out = String::new();
    banner(&mut out, &t.integrity);
    let _ = writeln!(out, "{}: {}", l.pick("截至", "As of"), t.as_of.text(l));
    trace_node(&mut out, &t.root, 0, l);
    trim_lines(&out)
}

/// The comparison as text.
#[must_use]
pub fn render_diff(d: &DiffModel, l: Lang) -> String {
    let mut out = String::new();
    banner(&mut out, &d.integrity);
    let _ = writeln!(
        out,
        "{} {} → {}",
        l.pick("比较", "diff"),
        d.from.text(l),
        d.to.text(l)
    );
    let _ = writeln!(
        out,
        "{} {} → {}",
        l.pick("总分", "total"),
        d.totals.0,
        d.totals.1
    );
    if d.changed.is_empty() {
        let _ = writeln!(out, "{}", l.pick("无得分变化", "no score changed"));
    }
    for c in &d.changed {
        let _ = writeln!(
            out,
            "{}{} {}: {} → {} ({})",
            "  ".repeat(c.depth),
            c.id,
            c.name,
            c.old.as_deref().unwrap_or("-"),
            c.new.as_deref().unwrap_or("-"),
            c.delta
        );
        for e in &c.entries {
            entry_line(&mut out, &"  ".repeat(c.depth + 2), e, l);
        }
        for g in &c.entry_groups {
            let _ = writeln!(out, "{}{}", "  ".repeat(c.depth + 2), g.words(l));
        }
    }
    trim_lines(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_citation_lists_are_counted_not_dropped_silently() {
        use crate::report::{Cite, CiteGroup};
        let c: Vec<CiteItem> = (1..=9)
            .map(|seq| {
                CiteItem::Entry(Cite {
                    seq,
                    hash: "abcdef".into(),
                })
            })
            .collect();
        assert_eq!(cite_list(&c[..2], 6, Lang::Zh), "#1·abcdef #2·abcdef");
        let all = cite_list(&c, 6, Lang::Zh);
        assert!(all.starts_with("#1·abcdef #2·abcdef"));
        assert!(all.ends_with("#6·abcdef …+3"), "{all}");
        let mut with_group = c.clone();
        with_group.push(CiteItem::Group(Box::new(CiteGroup {
            from: 10,
            to: 40,
            count: 31,
            kind: "budget".into(),
            budget_kind: Some("execution".into()),
            line: Some("一般公共预算/基本支出".into()),
            subject: Some("budget:一般公共预算/基本支出".into()),
            sum: Some("0.31".into()),
            sum_exact: Some("3100.00".into()),
        })));
        let g = cite_list(&with_group, 6, Lang::Zh);
        assert!(
            g.ends_with("#10–#40: 一般公共预算/基本支出 支出 31 条, 合计 0.31 万元 (jixiao log LEDGER --subject budget:一般公共预算/基本支出) …+3"),
            "{g}"
        );
        assert_eq!(trim_lines("a  \nb\n"), "a\nb\n");
    }
}
