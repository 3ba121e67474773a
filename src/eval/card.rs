//! The scorecard as data: what scoring a replayed state produces (per node scores, targets,
//! adjustments, the rule set in force and its changes, the grade) and the findings attached to
//! it, with the lookup of the rule set in force.
//!
//! Owns: these types, and the sentences that state what a rule set did beyond summing the
//! tree ([`scoring_notes`]). Must not: compute scores or check claims (src/eval/score.rs,
//! src/eval/claims.rs, src/eval/orphans.rs build them), so that those can share the types
//! without importing each other in a circle.

use super::EvalError;
use super::replay::{AdoptedRules, AsOf, State};
use super::seqs::SeqSet;
use crate::model::Seq;
use crate::rules::{Form, Rounding, RuleSet, dec, dec_opt};
use rust_decimal::Decimal;
use serde::Serialize;

/// Where a leaf's target came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// The recorded `IndicatorTarget` (adjusted target if given, else year-start).
    Recorded,
    /// The rule's `target` parameter.
    Rule,
}

/// The target a leaf was scored against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetUsed {
    /// The target value.
    #[serde(with = "dec")]
    pub value: Decimal,
    /// Where it came from.
    pub source: TargetSource,
    /// The target entry (for recorded targets).
    pub seq: Option<Seq>,
    /// Direction as recorded (`≥`, `≤`, `=`), if recorded.
    pub direction: Option<String>,
    /// Unit as recorded, if recorded.
    pub unit: Option<String>,
}

/// An evaluator adjustment applied to a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedAdjustment {
    /// The adjustment entry.
    pub seq: Seq,
    /// Corrections that replaced its content.
    pub corrected_by: Vec<Seq>,
    /// Signed change in points.
    #[serde(with = "dec")]
    pub delta: Decimal,
    /// Why.
    pub reason: String,
    /// Basis.
    pub basis: String,
}

/// One node's score with its provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeScore {
    /// Node id.
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// English gloss.
    pub en: String,
    /// Weight (points).
    #[serde(with = "dec")]
    pub weight: Decimal,
    /// Depth in the tree (root 0).
    pub depth: usize,
    /// Parent id.
    pub parent: Option<String>,
    /// Child ids.
    pub children: Vec<String>,
    /// Scoring method (leaves).
    pub method: Option<String>,
    /// The method's formula in words (leaves).
    pub formula: Option<String>,
    /// Input reference (leaves).
    pub input: Option<String>,
    /// How the input is defined, in words (leaves).
    pub input_definition: Option<String>,
    /// Target used (ratio methods).
    pub target: Option<TargetUsed>,
    /// Actual value of the input (leaves).
    #[serde(with = "dec_opt")]
    pub actual: Option<Decimal>,
    /// Method output before capping (leaves).
    #[serde(with = "dec_opt")]
    pub raw: Option<Decimal>,
    /// Sum of the children's scores (parents).
    #[serde(with = "dec_opt")]
    pub children_sum: Option<Decimal>,
    /// Score capped to [0, weight] (and, per-indicator rounding, rounded) before adjustments.
    #[serde(with = "dec")]
    pub before_adjustments: Decimal,
    /// Evaluator adjustments applied here.
    pub adjustments: Vec<AppliedAdjustment>,
    /// Final score, exact (after adjustments, clamped to [0, weight]).
    #[serde(with = "dec")]
    pub score_exact: Decimal,
    /// Final score at the rounding scale, as displayed.
    #[serde(with = "dec")]
    pub score: Decimal,
    /// Every entry the score came from (values, targets, budget events, facts,
    /// adjustments, corrections; for parents, the children's too).
    pub seqs: SeqSet,
    /// Why a leaf could not be scored yet (its input has no recorded value at this point of
    /// history, e.g. a year-end value as of mid-year); the leaf then counts 0. `None` when
    /// scored. A parent is pending when any of its leaves is.
    pub pending: Option<String>,
    /// 不适用: why the node does not apply (it scores nothing and its parent redistributes
    /// its weight over the siblings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    /// For a parent with not-applicable children: how their weight was redistributed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redistributed: Option<Redistribution>,
    /// For a `levels` leaf: the name of the recorded level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// A parent's redistribution of the weight of its not-applicable children (财预〔2020〕10号:
/// 按其他指标权重比例调整): the applicable children's sum × weight ÷ their weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redistribution {
    /// The children dropped as not applicable.
    pub dropped: Vec<String>,
    /// Σ weights of the applicable children.
    #[serde(with = "dec")]
    pub applicable_weight: Decimal,
    /// Σ scores of the applicable children before scaling.
    #[serde(with = "dec")]
    pub applicable_sum: Decimal,
}

/// What an extra (bonus, deduction, veto) did to the total, with its cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtraApplied {
    /// The extra's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `bonus`, `deduction` or `veto`.
    pub kind: String,
    /// Its input reference.
    pub input: String,
    /// The input's value (none if not recorded: the extra then does nothing).
    #[serde(with = "dec_opt")]
    pub value: Option<Decimal>,
    /// Signed points added to the total (0 for a veto).
    #[serde(with = "dec")]
    pub points: Decimal,
    /// Whether a veto is breached (value above 0).
    pub breached: bool,
    /// What it did, in words.
    pub effect: String,
    /// The entries of the input.
    pub seqs: SeqSet,
}

/// The rule set a scorecard was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleSetInfo {
    /// Name.
    pub name: String,
    /// Adoption entry.
    pub seq: Seq,
    /// Digest, lower-case hex.
    pub digest: String,
}

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

/// The grade reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GradeInfo {
    /// Chinese name.
    pub name: String,
    /// English gloss.
    pub en: String,
    /// Lowest score of the band.
    #[serde(with = "dec")]
    pub min: Decimal,
}

/// The whole evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    /// Rule set used.
    pub rule_set: RuleSetInfo,
    /// Point of history evaluated.
    pub as_of: AsOf,
    /// Last entry within that point.
    pub last_seq: Option<Seq>,
    /// Rounding policy used.
    pub rounding: Rounding,
    /// Every node, pre-order (root first).
    pub nodes: Vec<NodeScore>,
    /// Total at the rounding scale.
    #[serde(with = "dec")]
    pub total: Decimal,
    /// Total, exact.
    #[serde(with = "dec")]
    pub total_exact: Decimal,
    /// Grade of the total.
    pub grade: Option<GradeInfo>,
    /// Number of claims checked.
    pub claims_checked: usize,
    /// Claims that do not reproduce, or cannot be computed, and adjustments whose node the
    /// rule set in force does not have (kind `orphaned`).
    pub findings: Vec<Finding>,
    /// Every change of rule set, oldest first, with the total before and after it.
    pub rule_set_changes: Vec<RuleSetChange>,
    /// Bonus items, deduction items and vetoes, as applied to the total.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraApplied>,
    /// The form's wording, when the rule set states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<Form>,
    /// Plausibility warnings (not failures): see [`super::warnings`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<super::Warning>,
}

impl Scorecard {
    /// The total in terms of the rule set's own top nodes, e.g. `管理效能 49.96 + 履职效能
    /// 50.00`, followed by any bonus, deduction or veto applied.
    #[must_use]
    pub fn top_line(&self) -> String {
        let mut parts: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| n.depth == 1)
            .map(|n| match &n.not_applicable {
                Some(_) => format!("{} 不适用", n.name),
                None => format!("{} {:.2}", n.name, n.score),
            })
            .collect();
        let mut line = parts.join(" + ");
        parts.clear();
        for e in &self.extras {
            if e.kind == "veto" {
                if e.breached {
                    parts.push(format!("{}: {}", e.name, e.effect));
                }
            } else if !e.points.is_zero() {
                parts.push(format!("{} {:+.2}", e.name, e.points));
            }
        }
        for p in parts {
            line.push_str(if p.contains(':') { "; " } else { " " });
            line.push_str(&p);
        }
        line
    }

    /// The node with this id.
    #[must_use]
    pub fn node(&self, id: &str) -> Option<&NodeScore> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// The rule set in force, or why there is none usable.
pub(crate) fn rules_of(state: &State) -> Result<(&RuleSet, Seq), EvalError> {
    let adopted = state.rules.as_ref().ok_or(EvalError::NoRuleSet)?;
    match &adopted.parsed {
        Ok(r) => Ok((r, adopted.seq)),
        Err(e) => Err(e.clone()),
    }
}

/// What is wrong with a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The recomputed figure, at the printed precision, differs from the stated one.
    Mismatch,
    /// The subject cannot be computed (missing input, division by zero, not a reference).
    Unresolvable,
    /// What it is about is not in the rule set in force: a claim whose subject names a node,
    /// derivation or indicator the rule set does not define, or a score adjustment whose node
    /// it does not have (then not applied). Typically left behind by a change of rule set.
    Orphaned,
}

/// An evaluator's acceptance of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Acknowledged {
    /// The acknowledgement entry.
    pub seq: Seq,
    /// Why it was accepted.
    pub reason: String,
}

/// A claim that does not reproduce. It stays listed even when acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The claim id (findings are acknowledged by it).
    pub id: String,
    /// Mismatch or unresolvable.
    pub kind: FindingKind,
    /// The claim entry (for an orphaned adjustment, the adjustment entry).
    pub claim_seq: Seq,
    /// The claim's subject reference.
    pub subject: String,
    /// The sentence fragment as printed.
    pub text: String,
    /// Where it stands in the report.
    pub section: String,
    /// The stated figure as printed.
    pub stated: String,
    /// The stated unit.
    pub unit: String,
    /// The recomputed figure in the stated unit, exact.
    #[serde(with = "dec_opt")]
    pub recomputed_exact: Option<Decimal>,
    /// The recomputed figure at the printed precision (half-up).
    #[serde(with = "dec_opt")]
    pub recomputed: Option<Decimal>,
    /// The definition used, in words, with the unit conversion.
    pub definition: String,
    /// Seqs of the inputs.
    pub input_seqs: SeqSet,
    /// Why the subject could not be computed (unresolvable findings).
    pub problem: Option<String>,
    /// The latest acknowledgement of this finding, if any.
    pub acknowledged: Option<Acknowledged>,
}

/// What the rule set did beyond summing the tree, one sentence each, in tree order then the
/// extras: not-applicable indicators, the redistribution of their weight, recorded levels,
/// bonus, deduction and veto items with their cause.
#[must_use]
pub fn scoring_notes(card: &Scorecard) -> Vec<String> {
    let mut out = Vec::new();
    for n in &card.nodes {
        let parent_na = n
            .parent
            .as_ref()
            .and_then(|p| card.node(p))
            .is_some_and(|p| p.not_applicable.is_some());
        if let Some(why) = n.not_applicable.as_ref().filter(|_| !parent_na) {
            out.push(format!(
                "{} ({}) 不适用 (not applicable): {why}",
                n.name, n.id
            ));
        }
        if let Some(r) = &n.redistributed {
            out.push(format!(
                "{} ({}): 不适用指标 {} 的权重按比例分配给同级指标: {} × {} / {} = {:.2}",
                n.name,
                n.id,
                r.dropped.join(", "),
                r.applicable_sum.normalize(),
                n.weight,
                r.applicable_weight,
                n.score
            ));
        }
        if let Some(l) = &n.level {
            out.push(format!(
                "{} ({}): 等级 {l} (recorded code {})",
                n.name,
                n.id,
                n.actual
                    .map(|a| a.normalize().to_string())
                    .unwrap_or_default()
            ));
        }
    }
    for e in &card.extras {
        let v = e
            .value
            .map_or_else(|| "—".to_string(), |v| v.normalize().to_string());
        out.push(format!(
            "{} ({}, {}): {} = {v} → {}",
            e.name, e.id, e.kind, e.input, e.effect
        ));
    }
    out
}
