//! How a node's figures read in a report, `trace` and `diff`: its name in the report's
//! language, the seqs behind it and not behind its children, and its target and actual value
//! as text (budget ratios as percentages).
//!
//! Owns: that wording. Must not: choose what a report shows (model.rs) or compute scores.

use super::lang::Lang;
use crate::eval::{NodeScore, Scorecard, SeqSet, State};
use crate::model::Seq;
use rust_decimal::Decimal;

pub(super) fn node_name(n: &NodeScore, lang: Lang) -> String {
    match lang {
        Lang::Zh => n.name.clone(),
        Lang::En if n.en.is_empty() => n.name.clone(),
        Lang::En => n.en.clone(),
    }
}

/// The seqs of a node not behind any of its children.
pub(super) fn own_seqs(card: &Scorecard, n: &NodeScore) -> SeqSet {
    let mut s = n.seqs.clone();
    for c in &n.children {
        if let Some(child) = card.node(c) {
            // One difference, linear in the chunks (removing seq by seq cost a report of a
            // million payments 5% of its time).
            s.subtract(&child.seqs);
        }
    }
    s
}

pub(super) fn indicator_of(n: &NodeScore) -> Option<&str> {
    n.input
        .as_deref()
        .and_then(|i| i.strip_prefix("indicator."))
}

/// The target shown for a leaf: the one it was scored against, else the recorded target of
/// its indicator (qualitative items are judged against it), with that entry's seq.
pub(super) fn target_text(n: &NodeScore, state: &State) -> (Option<String>, Option<Seq>) {
    if let Some(t) = &n.target {
        let (value, unit) = if is_ratio(n) && t.unit.is_none() {
            (t.value * Decimal::ONE_HUNDRED, "%")
        } else {
            (t.value, t.unit.as_deref().unwrap_or(""))
        };
        let text = format!(
            "{}{}{unit}",
            t.direction.as_deref().unwrap_or(""),
            value.normalize(),
        );
        return (Some(text), t.seq);
    }
    match indicator_of(n)
        .and_then(|i| state.targets.get(i))
        .and_then(|h| h.latest())
    {
        Some(v) => {
            let t = &v.value;
            let value = t.adjusted.unwrap_or(t.year_start);
            (
                Some(format!(
                    "{}{}{}",
                    t.direction.symbol(),
                    value.value().normalize(),
                    t.unit
                )),
                Some(v.seq),
            )
        }
        None => (None, None),
    }
}

/// The leaf's input is a budget ratio (a fraction, shown as a percentage).
fn is_ratio(n: &NodeScore) -> bool {
    n.input.as_deref().is_some_and(|i| i.starts_with("budget."))
        && n.input_definition
            .as_deref()
            .is_some_and(|d| d.contains(" / "))
}

/// The actual value with its unit; budget ratios (fractions) as percentages.
pub(super) fn actual_text(n: &NodeScore, state: &State) -> Option<String> {
    let a = n.actual?;
    if is_ratio(n) {
        return Some(format!("{}%", (a * Decimal::ONE_HUNDRED).normalize()));
    }
    let unit = indicator_of(n)
        .and_then(|i| state.targets.get(i))
        .and_then(|h| h.latest())
        .map(|t| t.value.unit.clone())
        .or_else(|| n.target.as_ref().and_then(|t| t.unit.clone()))
        .unwrap_or_default();
    Some(format!("{}{unit}", a.normalize()))
}
