//! How a score that is not complete reads, the same in every command and format
//! (docs/TIME.md): an indicator with no recorded value reads `未录入` / `pending`; a node some
//! of whose parts are pending reads its partial score with a `*`; a partial total reads
//! `11.00*` with the number of indicators not recorded yet, and never a grade.
//!
//! Owns: those words. Must not: compute scores or decide what is pending (the scorecard says).

use super::lang::{Lang, two};
use crate::eval::Scorecard;

/// The score cell of a node: `未录入` for an indicator with no value, `3.00*` for a node with
/// pending parts, the score otherwise.
#[must_use]
pub fn node_score_text(score: &str, pending: bool, leaf: bool, l: Lang) -> String {
    match (pending, leaf) {
        (true, true) => l.pick("未录入", "pending").to_string(),
        (true, false) => format!("{score}*"),
        (false, _) => score.to_string(),
    }
}

/// What an adjustment of a node with no score yet says beside its delta.
#[must_use]
pub fn held_text(held: bool, l: Lang) -> &'static str {
    if held {
        l.pick(
            " (未计入: 该节点尚未评分)",
            " (not applied: the node is not scored yet)",
        )
    } else {
        ""
    }
}

/// Indicators (leaves) of the scorecard with no score yet.
#[must_use]
pub fn pending_indicators(card: &Scorecard) -> usize {
    card.nodes
        .iter()
        .filter(|n| n.children.is_empty() && n.pending.is_some())
        .count()
}

/// A total as a figure and a note: (`99.96`, `等级 优`) or, when `pending` indicators have
/// no score yet, (`11.00*`, `13 项指标未录入; 部分得分, 不评等级`).
#[must_use]
pub fn total_parts(total: &str, grade: Option<&str>, pending: usize, l: Lang) -> (String, String) {
    if pending > 0 {
        return (
            format!("{total}*"),
            match l {
                Lang::Zh => format!("{pending} 项指标未录入; 部分得分, 不评等级"),
                Lang::En => format!(
                    "{pending} indicator{} pending; partial total, no grade",
                    if pending == 1 { "" } else { "s" }
                ),
            },
        );
    }
    let note = match grade {
        Some(g) => format!("{} {g}", l.pick("等级", "grade")),
        None => l.pick("无等级", "no grade").to_string(),
    };
    (total.to_string(), note)
}

/// A total in words: `99.96  等级 优`, `11.00*  (13 项指标未录入; 部分得分, 不评等级)`.
#[must_use]
pub fn total_words(total: &str, grade: Option<&str>, pending: usize, l: Lang) -> String {
    let (figure, note) = total_parts(total, grade, pending, l);
    if pending > 0 {
        format!("{figure}  ({note})")
    } else {
        format!("{figure}  {note}")
    }
}

/// The total of a scorecard in words, as [`total_words`].
#[must_use]
pub fn total_text(card: &Scorecard, l: Lang) -> String {
    let grade = card.grade.as_ref().map(|g| match l {
        Lang::Zh => g.name.as_str(),
        Lang::En => g.en.as_str(),
    });
    total_words(&two(card.total), grade, pending_indicators(card), l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_total_has_a_star_a_count_and_no_grade() {
        let (f, n) = total_parts("11.00", Some("差"), 13, Lang::Zh);
        assert_eq!(f, "11.00*");
        assert_eq!(n, "13 项指标未录入; 部分得分, 不评等级");
        let (_, n) = total_parts("11.00", Some("poor"), 1, Lang::En);
        assert_eq!(n, "1 indicator pending; partial total, no grade");
        assert_eq!(
            total_parts("99.96", Some("优"), 0, Lang::Zh),
            ("99.96".into(), "等级 优".into())
        );
        assert_eq!(node_score_text("3.00", true, false, Lang::Zh), "3.00*");
        assert_eq!(node_score_text("0.00", true, true, Lang::En), "pending");
        assert_eq!(node_score_text("4.00", false, true, Lang::Zh), "4.00");
    }
}
