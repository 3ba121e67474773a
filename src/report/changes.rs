//! The rule-set changes of a report: which rule set replaced which, when, by whom, and the
//! total under each (the same history scored both ways), as rows every format renders and as
//! one sentence per change for the text formats.
//!
//! Owns: wording of rule-set changes. Must not: score (the scorecard carries the totals) or
//! open the ledger (entry details come through [`Entries`]).

use super::cite::{Cite, Entries};
use super::lang::{Lang, two};
use crate::eval::{RuleSetChange, Scorecard};
use serde::Serialize;

/// One change of rule set, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleSetChangeRow {
    /// The adoption that made the change.
    pub adopted: Cite,
    /// Its rule-set name.
    pub name: String,
    /// Its digest (hex).
    pub digest: String,
    /// The adoption it replaced.
    pub previous: Cite,
    /// That rule set's name.
    pub previous_name: String,
    /// That rule set's digest (hex).
    pub previous_digest: String,
    /// The two names are equal.
    pub same_name: bool,
    /// The two texts are identical.
    pub same_text: bool,
    /// Who signed the adoption (key registry name).
    pub author: String,
    /// When, UTC.
    pub recorded_at: String,
    /// Total under the previous rule set, 2 decimals.
    pub score_before: Option<String>,
    /// Total under the new one, 2 decimals.
    pub score_after: Option<String>,
    /// After minus before, signed, 2 decimals.
    pub delta: Option<String>,
    /// Why a total is missing.
    pub problem: Option<String>,
}

fn row(c: &RuleSetChange, e: &mut Entries) -> RuleSetChangeRow {
    let d = e.detail(c.adopted.seq);
    RuleSetChangeRow {
        adopted: e.cite(c.adopted.seq),
        name: c.adopted.name.clone(),
        digest: c.adopted.digest.clone(),
        previous: e.cite(c.previous.seq),
        previous_name: c.previous.name.clone(),
        previous_digest: c.previous.digest.clone(),
        same_name: c.same_name,
        same_text: c.same_text,
        author: d.author,
        recorded_at: d.recorded_at,
        score_before: c.score_before.map(two),
        score_after: c.score_after.map(two),
        delta: c
            .score_before
            .zip(c.score_after)
            .map(|(b, a)| format!("{:+.2}", a - b)),
        problem: c.problem.clone(),
    }
}

/// The rows of every rule-set change of `card`, oldest first.
pub fn rule_set_change_rows(card: &Scorecard, e: &mut Entries) -> Vec<RuleSetChangeRow> {
    card.rule_set_changes.iter().map(|c| row(c, e)).collect()
}

/// One change in words, e.g. `#159·3ad890 (2023-03-01T09:00:00Z, admin): «A» #2·1a2b3c →
/// «A» #159·3ad890, same name, different text; total 99.96 → 100.00 (+0.04)`.
#[must_use]
pub fn change_sentence(r: &RuleSetChangeRow, l: Lang) -> String {
    let kind = match (r.same_name, r.same_text) {
        (_, true) => l.pick("同一规则重新采用", "the same text adopted again"),
        (true, false) => l.pick("名称相同、内容不同", "same name, different text"),
        (false, false) => l.pick("名称与内容均不同", "different name and text"),
    };
    let totals = match (&r.score_before, &r.score_after) {
        (Some(b), Some(a)) => format!(
            "{} {b} → {a} ({})",
            l.pick("总分", "total"),
            r.delta.as_deref().unwrap_or("")
        ),
        _ => format!(
            "{}: {}",
            l.pick("无法比较总分", "totals not comparable"),
            r.problem.as_deref().unwrap_or("")
        ),
    };
    format!(
        "{} ({}, {}): «{}» {} → «{}» {}, {kind} ({} {} → {}); {totals}",
        r.adopted,
        r.recorded_at,
        r.author,
        r.previous_name,
        r.previous,
        r.name,
        r.adopted,
        l.pick("摘要", "digest"),
        &r.previous_digest[..r.previous_digest.len().min(8)],
        &r.digest[..r.digest.len().min(8)],
    )
}
