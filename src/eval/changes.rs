//! Rule-set changes: each adoption after the first, with when and by whom it was recorded and
//! what it did to the total, and the adjustments a change left without their node.
//!
//! Owns: comparing the adoptions of one replayed state. Must not: print, or change which rule
//! set is in force (the latest adoption by seq, see [`super::replay`]).

use super::claims::{Finding, FindingKind};
use super::replay::{AdoptedRules, State};
use super::score::score_in_force;
use super::seqs::SeqSet;
use crate::rules::{RuleSet, dec_opt};
use rust_decimal::Decimal;
use serde::Serialize;

/// One adoption as a change names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdoptionRef {
    /// The adoption entry (or the entry whose place it holds).
    pub seq: u64,
    /// Name as recorded.
    pub name: String,
    /// Digest of the text, lower-case hex.
    pub digest: String,
}

impl From<&AdoptedRules> for AdoptionRef {
    fn from(a: &AdoptedRules) -> AdoptionRef {
        AdoptionRef {
            seq: a.seq,
            name: a.name.clone(),
            digest: hex::encode(a.digest),
        }
    }
}

/// A rule set adopted over an earlier one.
///
/// `score_before` and `score_after` score the same history (the state replayed) under the
/// previous rule set and under this one, so the difference is what the change of rules alone
/// did; `None` with a reason when one of them cannot be scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleSetChange {
    /// The rule set adopted.
    pub adopted: AdoptionRef,
    /// The one it replaced.
    pub previous: AdoptionRef,
    /// The names are equal although the texts differ (or the texts are the same).
    pub same_name: bool,
    /// The texts are byte-identical (a re-adoption).
    pub same_text: bool,
    /// When the adoption was recorded (Unix seconds).
    pub recorded_at: i64,
    /// Key id (hex) of the admin who signed it.
    pub author: String,
    /// Total under the previous rule set.
    #[serde(with = "dec_opt")]
    pub score_before: Option<Decimal>,
    /// Total under this one.
    #[serde(with = "dec_opt")]
    pub score_after: Option<Decimal>,
    /// Why `score_before` or `score_after` is missing.
    pub problem: Option<String>,
}

/// The total of `state` scored with `adopted` in force.
fn total_under(state: &State, adopted: &AdoptedRules) -> Result<Decimal, String> {
    let mut s = state.clone();
    s.rules = Some(adopted.clone());
    score_in_force(&s)
        .map(|c| c.total)
        .map_err(|e| e.to_string())
}

/// Every change of rule set in `state`, oldest first. `in_force_total` is the total already
/// computed under the rule set in force (it is not computed again).
#[must_use]
pub fn rule_set_changes(state: &State, in_force_total: Option<Decimal>) -> Vec<RuleSetChange> {
    let adoptions: Vec<&AdoptedRules> = state.adoptions().collect();
    let mut out = Vec::new();
    for (i, pair) in adoptions.windows(2).enumerate() {
        let (prev, next) = (pair[0], pair[1]);
        let last = i + 2 == adoptions.len();
        let before = total_under(state, prev);
        let after = match in_force_total {
            Some(t) if last => Ok(t),
            _ => total_under(state, next),
        };
        let problem = match (&before, &after) {
            (Err(b), _) => Some(format!("under #{}: {b}", prev.seq)),
            (_, Err(a)) => Some(format!("under #{}: {a}", next.seq)),
            _ => None,
        };
        out.push(RuleSetChange {
            adopted: next.into(),
            previous: prev.into(),
            same_name: prev.name == next.name,
            same_text: prev.digest == next.digest,
            recorded_at: next.recorded_at,
            author: next.author.to_string(),
            score_before: before.ok(),
            score_after: after.ok(),
            problem,
        });
    }
    out
}

/// Findings for effective adjustments whose node the rule set in force does not have: they
/// are not applied, and say so, until corrected, retracted or acknowledged (by the finding id
/// `adjustment.SEQ`).
#[must_use]
pub fn orphaned_adjustments(state: &State, rules: &RuleSet, rules_seq: u64) -> Vec<Finding> {
    state
        .adjustments
        .iter()
        .filter(|(_, a)| rules.node(&a.value.node).is_none())
        .map(|(seq, a)| {
            let id = orphan_id(*seq);
            let acknowledged = state
                .acknowledgements
                .get(&id)
                .and_then(|h| h.latest())
                .map(|k| super::claims::Acknowledged {
                    seq: k.seq,
                    reason: k.value.reason.clone(),
                });
            let mut input_seqs = SeqSet::of(a.corrected_by.iter().copied());
            input_seqs.insert(*seq);
            input_seqs.insert(rules_seq);
            Finding {
                id,
                kind: FindingKind::Orphaned,
                claim_seq: *seq,
                subject: format!("score.{}", a.value.node),
                text: a.value.reason.clone(),
                section: a.value.basis.clone(),
                stated: format!("{:+}", a.value.delta.value()),
                unit: "分".into(),
                recomputed_exact: None,
                recomputed: None,
                definition: format!(
                    "score adjustment of node `{}` (seq {seq})",
                    a.value.node
                ),
                input_seqs,
                problem: Some(format!(
                    "node `{}` is not in the rule set in force («{}», adopted at seq {rules_seq}), so the adjustment of {:+} is not applied; correct or retract seq {seq}, or acknowledge `{}`",
                    a.value.node,
                    rules.name,
                    a.value.delta.value(),
                    orphan_id(*seq)
                )),
                acknowledged,
            }
        })
        .collect()
}

/// The finding id of an adjustment without its node.
#[must_use]
pub fn orphan_id(seq: u64) -> String {
    format!("adjustment.{seq}")
}
