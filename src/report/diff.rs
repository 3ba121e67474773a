//! The comparison of two points of history (`jixiao diff`): which nodes' scores changed, by
//! how much, and the entries between the two points behind each change.
//!
//! Owns: the diff model. Must not: format for an output (text.rs does), score, or import
//! `trace`.

use super::cite::{Citations, CiteGroup, Entries, EntryDetail};
use super::lang::Lang;
use super::lang::two;
use super::model::{Integrity, ReportError, integrity_of, node_name, scored};
use crate::check::Checked;
use crate::eval::{AsOf, NodeScore, SeqSet};
use crate::ledger::Ledger;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;

/// One node whose score changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    /// Node id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Depth.
    pub depth: usize,
    /// Score at A (none if the node is not in A's tree).
    pub old: Option<String>,
    /// Score at B (none if not in B's tree).
    pub new: Option<String>,
    /// New − old.
    pub delta: String,
    /// Entries between A and B behind the node at A or at B.
    pub entries: Vec<EntryDetail>,
    /// Groups of entries cited as one range (bounded citations), ascending.
    pub entry_groups: Vec<CiteGroup>,
}

/// Scorecards at two points and what changed between them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffModel {
    /// From.
    pub from: AsOf,
    /// How the rows cite their entries.
    pub citations: Citations,
    /// To.
    pub to: AsOf,
    /// Integrity (of the ledger as checked at B).
    pub integrity: Integrity,
    /// Total at A and at B.
    pub totals: (String, String),
    /// Changed nodes, in B's pre-order (nodes only in A at the end).
    pub changed: Vec<DiffRow>,
}

impl DiffModel {
    /// Compares `a` and `b` (both checked on `ledger`). The entries listed for a node are
    /// those behind its score at A or at B that lie between the two points: seq in
    /// (last seq at A, last seq at B], or in view at one point but not at the other.
    pub fn build(
        ledger: &Ledger,
        a: &Checked,
        b: &Checked,
        lang: Lang,
        citations: Citations,
    ) -> Result<DiffModel, ReportError> {
        let (ca, sa) = scored(a)?;
        let (cb, sb) = scored(b)?;
        let lo = sa.last_seq.unwrap_or(0);
        let hi = sb.last_seq.unwrap_or(0);
        let mut e = Entries::new(ledger)
            .citing(citations)
            .knowing(sb)
            .knowing(sa);
        let mut changed = Vec::new();
        let mut ids: Vec<&NodeScore> = cb.nodes.iter().collect();
        let in_b: BTreeSet<&str> = cb.nodes.iter().map(|n| n.id.as_str()).collect();
        ids.extend(ca.nodes.iter().filter(|n| !in_b.contains(n.id.as_str())));
        for n in ids {
            let na = ca.node(&n.id);
            let nb = cb.node(&n.id);
            let old = na.map(|x| x.score);
            let new = nb.map(|x| x.score);
            if old == new {
                continue;
            }
            let empty = SeqSet::new();
            let sa_ = na.map_or(&empty, |x| &x.seqs);
            let sb_ = nb.map_or(&empty, |x| &x.seqs);
            let mut between = SeqSet::new();
            for q in sa_.iter().chain(sb_.iter()) {
                let in_range = q > lo && q <= hi;
                let one_side = sa_.contains(q) != sb_.contains(q);
                if in_range || one_side {
                    between.insert(q);
                }
            }
            let (single, entry_groups) = e.split(&between);
            let delta = new.unwrap_or(Decimal::ZERO) - old.unwrap_or(Decimal::ZERO);
            changed.push(DiffRow {
                id: n.id.clone(),
                name: node_name(n, lang),
                depth: n.depth,
                old: old.map(two),
                new: new.map(two),
                delta: format!("{:+.2}", delta),
                entries: single.into_iter().map(|q| e.detail(q)).collect(),
                entry_groups,
            });
        }
        Ok(DiffModel {
            from: sa.as_of,
            citations,
            to: sb.as_of,
            integrity: integrity_of(b),
            totals: (two(ca.total), two(cb.total)),
            changed,
        })
    }
}
