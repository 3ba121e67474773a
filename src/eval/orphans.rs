//! Adjustments the rule set in force has no node for: not applied, and each a finding of kind
//! `orphaned` (id `adjustment.SEQ`), so a change of rule set never drops one silently.
//!
//! Owns: those findings. Must not: apply adjustments (that is [`super::score`]) or print.

use super::card::{Acknowledged, Finding, FindingKind};
use super::replay::State;
use super::seqs::SeqSet;
use crate::rules::RuleSet;

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
                .map(|k| Acknowledged {
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
