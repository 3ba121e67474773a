//! The derivation tree of one node's score (`jixiao trace`): method, input, target, actual,
//! the entries behind it, the values corrections superseded, adjustments, and the children.
//!
//! Owns: the trace model. Must not: format for an output (text.rs does), score, or import
//! `diff`.

use super::cite::Cite;
use super::cite::{Citations, CiteGroup, Entries, EntryDetail};
use super::lang::{Lang, two};
use super::model::{
    AdjustmentRow, Integrity, ReportError, actual_text, integrity_of, node_name, own_seqs, scored,
    target_text,
};
use crate::check::Checked;
use crate::eval::{AsOf, NodeScore, Scorecard, SeqSet, State};
use crate::ledger::Ledger;
use serde::Serialize;

/// One node of a derivation tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceNode {
    /// Node id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Weight.
    pub weight: String,
    /// Final score (2 decimals).
    pub score: String,
    /// Score before adjustments, exact.
    pub before_adjustments: String,
    /// Method (leaves).
    pub method: Option<String>,
    /// Formula in words (leaves).
    pub formula: Option<String>,
    /// The method in the trace's language, for the text trace (Chinese: from the rule set in
    /// force). Not in the JSON, whose `method` and `formula` stay as the rule set states them.
    #[serde(skip)]
    pub method_words: Option<String>,
    /// Input reference (leaves).
    pub input: Option<String>,
    /// Input definition (leaves).
    pub input_definition: Option<String>,
    /// Target (leaves).
    pub target: Option<String>,
    /// Actual (leaves).
    pub actual: Option<String>,
    /// Why pending.
    pub pending: Option<String>,
    /// Entries behind the node (for parents, those not behind a child), in seq order.
    pub entries: Vec<EntryDetail>,
    /// Groups of entries cited as one range (bounded citations), ascending.
    pub entry_groups: Vec<CiteGroup>,
    /// Values superseded by corrections among those entries.
    pub superseded: Vec<Superseded>,
    /// Adjustments applied here.
    pub adjustments: Vec<AdjustmentRow>,
    /// Children.
    pub children: Vec<TraceNode>,
}

/// A value replaced by a correction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Superseded {
    /// The entry whose place was corrected.
    pub slot: Cite,
    /// The correcting entry.
    pub correction: Cite,
    /// Old value in words.
    pub old_value: Option<String>,
    /// New value in words (none: retracted).
    pub new_value: Option<String>,
    /// Reason of the correction.
    pub reason: String,
}

/// The derivation tree of one node's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceModel {
    /// Point of history.
    pub as_of: AsOf,
    /// How the nodes cite their entries.
    pub citations: Citations,
    /// Integrity.
    pub integrity: Integrity,
    /// The tree.
    pub root: TraceNode,
}

fn trace_node(
    card: &Scorecard,
    state: &State,
    n: &NodeScore,
    lang: Lang,
    e: &mut Entries,
) -> TraceNode {
    let leaf = n.children.is_empty();
    let (target, target_seq) = target_text(n, state);
    let mut seqs = if leaf {
        n.seqs.clone()
    } else {
        own_seqs(card, n)
    };
    if let Some(q) = target_seq {
        seqs.insert(q);
    }
    let (single, entry_groups) = e.split(&seqs);
    let entries: Vec<EntryDetail> = single.into_iter().map(|q| e.detail(q)).collect();
    let superseded = state
        .corrections
        .iter()
        .filter(|c| seqs.contains(c.correction_seq) || seqs.contains(c.slot))
        .map(|c| Superseded {
            slot: e.cite(c.slot),
            correction: e.cite(c.correction_seq),
            old_value: c.old_value.clone(),
            new_value: c.new_value.clone(),
            reason: c.reason.clone(),
        })
        .collect();
    let adjustments = n
        .adjustments
        .iter()
        .map(|a| {
            let d = e.detail(a.seq);
            let mut s = SeqSet::of(a.corrected_by.iter().copied());
            s.insert(a.seq);
            AdjustmentRow {
                node: n.id.clone(),
                node_name: node_name(n, lang),
                delta: format!("{:+}", a.delta.normalize()),
                held: n.pending.is_some(),
                reason: a.reason.clone(),
                basis: a.basis.clone(),
                author: d.author,
                recorded_at: d.recorded_at,
                cites: e.cite_set(&s),
            }
        })
        .collect();
    let children = n
        .children
        .iter()
        .filter_map(|c| card.node(c))
        .map(|c| trace_node(card, state, c, lang, e))
        .collect();
    TraceNode {
        id: n.id.clone(),
        name: node_name(n, lang),
        weight: n.weight.normalize().to_string(),
        score: two(n.score),
        before_adjustments: n.before_adjustments.normalize().to_string(),
        method: n.method.clone(),
        formula: n.formula.clone(),
        method_words: match lang {
            Lang::Zh if n.method.is_some() => super::model::method_zh(state, &n.id),
            _ => None,
        },
        input: n.input.clone(),
        input_definition: n.input_definition.clone(),
        target,
        actual: actual_text(n, state),
        pending: n.pending.clone(),
        entries,
        entry_groups,
        superseded,
        adjustments,
        children,
    }
}

impl TraceModel {
    /// The derivation tree of `node` in `checked`.
    pub fn build(
        ledger: &Ledger,
        checked: &Checked,
        node: &str,
        lang: Lang,
        citations: Citations,
    ) -> Result<TraceModel, ReportError> {
        let (card, state) = scored(checked)?;
        let n = card.node(node).ok_or_else(|| ReportError::UnknownNode {
            node: node.to_string(),
        })?;
        let mut e = Entries::new(ledger).citing(citations).knowing(state);
        Ok(TraceModel {
            as_of: state.as_of,
            citations,
            integrity: integrity_of(checked),
            root: trace_node(card, state, n, lang, &mut e),
        })
    }
}
