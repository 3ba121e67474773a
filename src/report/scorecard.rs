//! The scorecard as an aligned text table, and findings as text: what `score` and `verify`
//! print on a terminal.

use super::cite::format_time;
use super::lang::{Lang, two};
use super::total::{node_score_text, pending_indicators, total_text};
use super::width::{pad, pad_left};
use crate::eval::{Finding, FindingKind, RuleSetChange, Scorecard, SeqSet};
use crate::ledger::Authority;
use std::fmt::Write;

/// `#3-5,9` style short list of seqs (at most `max` ranges, then `…`).
#[must_use]
pub fn seq_list(s: &SeqSet, max: usize) -> String {
    let mut ranges = s.ranges();
    let mut parts: Vec<String> = ranges
        .by_ref()
        .take(max)
        .map(|(a, b)| {
            if a == b {
                format!("#{a}")
            } else {
                format!("#{a}-{b}")
            }
        })
        .collect();
    if ranges.next().is_some() {
        parts.push("…".into());
    }
    parts.join(",")
}

/// The indicator tree with weight, actual, target, score and source entries.
#[must_use]
pub fn scorecard_table(card: &Scorecard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  {}  {}  来源 entries",
        pad("指标 indicator", 44),
        pad_left("权重", 6),
        pad_left("实际/目标", 16),
        pad_left("得分", 7),
    );
    for n in &card.nodes {
        let name = format!("{}{}", "  ".repeat(n.depth), n.name);
        let actual = match (&n.actual, &n.target) {
            (Some(a), Some(t)) => format!(
                "{}/{}{}",
                a.normalize(),
                t.direction.as_deref().unwrap_or(""),
                t.value.normalize()
            ),
            (Some(a), None) => a.normalize().to_string(),
            _ => String::new(),
        };
        let score = node_score_text(
            &two(n.score),
            n.pending.is_some(),
            n.children.is_empty(),
            Lang::Zh,
        );
        let adj: String = n
            .adjustments
            .iter()
            .map(|a| format!(" (调整 {} #{})", a.delta, a.seq))
            .collect();
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}{}",
            pad(&name, 44),
            pad_left(&n.weight.normalize().to_string(), 6),
            pad_left(&actual, 16),
            pad_left(&score, 7),
            seq_list(&n.seqs, 3),
            adj
        );
    }
    for note in crate::eval::scoring_notes(card) {
        let _ = writeln!(out, "  * {note}");
    }
    let gloss = match (&card.grade, pending_indicators(card)) {
        (_, 1..) => {
            " (partial total, no grade: * = some parts not recorded yet, 未录入 = not recorded)"
                .to_string()
        }
        (Some(g), 0) => format!(" ({})", g.en),
        (None, 0) => String::new(),
    };
    let _ = writeln!(
        out,
        "总分 total {}{gloss}   (rule set {} #{}, rounding {:?} {:?} to {} places)",
        total_text(card, Lang::Zh),
        card.rule_set.name,
        card.rule_set.seq,
        card.rounding.mode,
        card.rounding.when,
        card.rounding.scale
    );
    out
}

/// Findings, one paragraph each, in the language of the message catalogue (`finding.*`).
#[must_use]
pub fn findings_text(findings: &[Finding]) -> String {
    use crate::messages::text;
    let mut out = String::new();
    for f in findings {
        let status = match &f.acknowledged {
            Some(a) => text(
                "finding.acknowledged",
                &[("seq", &a.seq), ("reason", &a.reason)],
            ),
            None => text("finding.open", &[]),
        };
        let problem = f.problem.as_deref().unwrap_or("");
        let line = match f.kind {
            FindingKind::Mismatch => text(
                "finding.mismatch",
                &[
                    ("id", &f.id),
                    ("section", &f.section),
                    ("text", &f.text),
                    ("seq", &f.claim_seq),
                    ("stated", &format!("{}{}", f.stated, f.unit)),
                    (
                        "recomputed",
                        &format!(
                            "{}{}",
                            f.recomputed.map(|d| d.to_string()).unwrap_or_default(),
                            f.unit
                        ),
                    ),
                    (
                        "exact",
                        &f.recomputed_exact
                            .map(|d| d.round_dp(6).normalize().to_string())
                            .unwrap_or_default(),
                    ),
                    ("status", &status),
                ],
            ),
            FindingKind::Orphaned => text(
                "finding.orphaned",
                &[
                    ("id", &f.id),
                    ("section", &f.section),
                    ("text", &f.text),
                    ("seq", &f.claim_seq),
                    ("stated", &format!("{}{}", f.stated, f.unit)),
                    ("problem", &problem),
                    ("status", &status),
                ],
            ),
            FindingKind::Unresolvable => text(
                "finding.unresolvable",
                &[
                    ("id", &f.id),
                    ("section", &f.section),
                    ("text", &f.text),
                    ("seq", &f.claim_seq),
                    ("problem", &problem),
                    ("status", &status),
                ],
            ),
        };
        let _ = writeln!(out, "{line}");
        let _ = writeln!(
            out,
            "    {}",
            text(
                "finding.definition",
                &[
                    (
                        "definition",
                        &crate::messages::localize("formula", &f.definition),
                    ),
                    ("inputs", &seq_list(&f.input_seqs, 6)),
                ],
            )
        );
    }
    out
}

/// The name `authority` knows key id `hex` by, else the id.
fn author_name(hex: &str, authority: Option<&Authority>) -> String {
    authority
        .and_then(|a| {
            a.records()
                .find(|r| r.principal.key_id().to_string() == hex)
        })
        .map_or_else(|| hex.to_string(), |r| r.principal.name.clone())
}

/// Rule-set changes as text, one line each: what `score` and `verify` print.
#[must_use]
pub fn rule_set_changes_text(changes: &[RuleSetChange], authority: Option<&Authority>) -> String {
    let mut out = String::new();
    for c in changes {
        let kind = match (c.same_name, c.same_text) {
            (_, true) => "rule_change.same_text",
            (true, false) => "rule_change.same_name",
            (false, false) => "rule_change.different",
        };
        let kind = crate::messages::text(kind, &[]);
        let totals = match (c.score_before, c.score_after) {
            (Some(b), Some(a)) => crate::messages::text(
                "rule_change.totals",
                &[
                    ("before", &two(b)),
                    ("previous", &c.previous.seq),
                    ("after", &two(a)),
                    ("adopted", &c.adopted.seq),
                    ("change", &format!("{:+.2}", a - b)),
                ],
            ),
            _ => crate::messages::text(
                "rule_change.not_comparable",
                &[("problem", &c.problem.as_deref().unwrap_or(""))],
            ),
        };
        let line = crate::messages::text(
            "rule_change.line",
            &[
                ("seq", &c.adopted.seq),
                ("time", &format_time(c.recorded_at)),
                ("author", &author_name(&c.author, authority)),
                ("previous_name", &c.previous.name),
                ("previous", &c.previous.seq),
                ("adopted_name", &c.adopted.name),
                ("adopted", &c.adopted.seq),
                ("kind", &kind),
                (
                    "previous_digest",
                    &&c.previous.digest[..c.previous.digest.len().min(8)],
                ),
                (
                    "adopted_digest",
                    &&c.adopted.digest[..c.adopted.digest.len().min(8)],
                ),
                ("totals", &totals),
            ],
        );
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Rule-set changes as JSON (docs/JSON.md): each change with `author_name` and
/// `recorded_at_utc` added.
#[must_use]
pub fn rule_set_changes_json(
    changes: &[RuleSetChange],
    authority: Option<&Authority>,
) -> serde_json::Value {
    serde_json::Value::Array(
        changes
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert(
                        "author_name".into(),
                        author_name(&c.author, authority).into(),
                    );
                    o.insert("recorded_at_utc".into(), format_time(c.recorded_at).into());
                }
                v
            })
            .collect(),
    )
}

/// Plausibility warnings, one line each under a heading (nothing when there are none).
#[must_use]
pub fn warnings_text(warnings: &[crate::eval::Warning]) -> String {
    let mut out = String::new();
    if warnings.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n{}",
        crate::messages::text("score.warnings", &[("count", &warnings.len())])
    );
    for w in warnings {
        let _ = writeln!(out, "! {}  {}", w.text, seq_list(&w.seqs, 6));
    }
    out
}
