//! The renderer-independent report: the self-evaluation table, budget summary, findings,
//! adjustments, the ledger binding and the details of every cited entry, built from a
//! [`Checked`] and the open ledger.
//!
//! Owns: what a report says and which entries every figure cites (the node wording that
//! `trace` and `diff` share is figures.rs). Must not: format for a particular output (renderers do), compute
//! scores (the evaluator does), write files, or import `trace` or `diff` (they import it).

use super::budget::{BudgetRow, budget_rows};
use super::cite::{Citations, Cite, CiteGroup, CiteItem, Entries, EntryDetail};
pub(super) use super::figures::{actual_text, indicator_of, node_name, own_seqs, target_text};
use super::lang::{AsOfText, Lang, two};
use crate::check::Checked;
use crate::eval::{AsOf, Scorecard, SeqSet, State};
use crate::ledger::Ledger;
use crate::model::Seq;
use rust_decimal::Decimal;
use serde::Serialize;

/// Schema version of the JSON report (`docs/REPORT-JSON.md`).
pub const SCHEMA: &str = "jixiao-report/2";

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the ledger failed (I/O or storage, not integrity).
    #[error("{}", crate::messages::text("report.error_ledger", &[("error", &.0)]))]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The node asked for is not in the scorecard.
    #[error("{}", crate::messages::text("report.error_unknown_node", &[("node", node)]))]
    UnknownNode {
        /// The id given.
        node: String,
    },
    /// There is no scorecard to trace or compare.
    #[error("{}", crate::messages::text("report.error_no_scorecard", &[("as_of", as_of), ("reason", reason)]))]
    NoScorecard {
        /// The point of history.
        as_of: String,
        /// Why.
        reason: String,
    },
}

/// Integrity of the ledger behind the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Integrity {
    /// True when every check passed.
    pub verified: bool,
    /// First failing seq, when the failure is about an entry.
    pub failed_seq: Option<Seq>,
    /// Kind of failure (snake-case), if failed.
    pub failure_kind: Option<String>,
    /// Detail of the failure, if failed.
    pub failure_detail: Option<String>,
    /// `UNVERIFIED — integrity check failed at seq N` when failed; every format shows it.
    pub marker: Option<String>,
}

impl Integrity {
    /// The marker every unverified output carries, or `None` when verified.
    #[must_use]
    pub fn marker(&self) -> Option<String> {
        self.marker.clone()
    }
}

/// What binds the report to the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Binding {
    /// Ledger id, hex.
    pub ledger_id: String,
    /// Number of entries.
    pub entries: u64,
    /// Hash of the last entry, hex.
    pub head: String,
    /// Merkle root over all entries, hex (none when not verified).
    pub merkle_root: Option<String>,
    /// A signed checkpoint's text, when one is attached.
    pub signed_checkpoint: Option<String>,
}

/// One row of the self-evaluation table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeRow {
    /// Node id.
    pub id: String,
    /// An indicator (no children): its pending score reads `未录入`, a node's `3.00*`.
    #[serde(skip)]
    pub leaf: bool,
    /// Name in the report's language.
    pub name: String,
    /// Depth (root 0).
    pub depth: usize,
    /// Weight in points.
    pub weight: String,
    /// Target, e.g. `≥100%` (leaves with a target).
    pub target: Option<String>,
    /// Actual value with unit (leaves).
    pub actual: Option<String>,
    /// Method and formula (leaves).
    pub method: Option<String>,
    /// Final score, at the rounding scale (2 decimals).
    pub score: String,
    /// Final score, exact.
    pub score_exact: String,
    /// Sum of adjustments applied here (signed), if any.
    pub adjustment: Option<String>,
    /// Why the leaf is not scored yet.
    pub pending: Option<String>,
    /// The deviation reason recorded with the value.
    pub deviation_reason: Option<String>,
    /// Entries behind the figure (for parents: those not behind a child, e.g. adjustments).
    pub cites: Vec<CiteItem>,
    /// The leaf's input reference (`budget.execution_rate`, `indicator.ID`, ...), for the
    /// 自评表 layouts; not part of the JSON report.
    #[serde(skip)]
    pub input: Option<String>,
    /// The method in the report's language (Chinese for `zh`), for the printable formats;
    /// not part of the JSON report, whose `method` stays the rule set's formula.
    #[serde(skip)]
    pub method_words: Option<String>,
}

/// An acknowledgement of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AckRow {
    /// The acknowledgement entry.
    pub cite: Cite,
    /// Its reason.
    pub reason: String,
    /// Who.
    pub author: String,
    /// When.
    pub recorded_at: String,
}

/// A claim that does not reproduce, or cannot be recomputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    /// Finding id.
    pub id: String,
    /// `mismatch`, `unresolvable` or `orphaned`.
    pub kind: String,
    /// Report section.
    pub section: String,
    /// The claim's text, verbatim.
    pub text: String,
    /// Stated value with unit.
    pub stated: String,
    /// Recomputed at the stated precision, with unit.
    pub recomputed: Option<String>,
    /// Recomputed, exact.
    pub recomputed_exact: Option<String>,
    /// Definition used.
    pub definition: String,
    /// Why it cannot be recomputed.
    pub problem: Option<String>,
    /// The claim entry.
    pub claim: Cite,
    /// Entries of the inputs.
    pub inputs: Vec<CiteItem>,
    /// The acknowledgement, if any.
    pub acknowledged: Option<AckRow>,
}

/// An evaluator's score adjustment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdjustmentRow {
    /// Node id.
    pub node: String,
    /// Node name.
    pub node_name: String,
    /// Signed delta.
    pub delta: String,
    /// Not applied: the node has no score yet (docs/TIME.md).
    #[serde(skip)]
    pub held: bool,
    /// Reason.
    pub reason: String,
    /// Basis.
    pub basis: String,
    /// Who (key registry name).
    pub author: String,
    /// When.
    pub recorded_at: String,
    /// The adjustment entry and the corrections of it.
    pub cites: Vec<CiteItem>,
}

/// A plausibility warning: allowed, but usually a recording mistake (not a failure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WarningRow {
    /// What kind.
    pub kind: crate::eval::WarningKind,
    /// What it concerns.
    pub subject: String,
    /// In words.
    pub text: String,
    /// The entries it comes from.
    pub cites: Vec<CiteItem>,
}

/// The whole report, before rendering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportModel {
    /// Schema version.
    pub schema: String,
    /// Language of the labels.
    pub lang: Lang,
    /// How figures cite their entries.
    pub citations: Citations,
    /// Department.
    pub department: String,
    /// Fiscal year.
    pub year: Option<i32>,
    /// Point of history.
    pub as_of: AsOf,
    /// Last entry within it.
    pub last_seq: Option<Seq>,
    /// Integrity.
    pub integrity: Integrity,
    /// Why there is no scorecard, if there is none.
    pub score_error: Option<String>,
    /// Rule set name and its adoption entry.
    pub rule_set: Option<(String, Cite)>,
    /// Every change of rule set, oldest first, with the total before and after it.
    pub rule_set_changes: Vec<super::changes::RuleSetChangeRow>,
    /// The self-evaluation table, pre-order.
    pub nodes: Vec<NodeRow>,
    /// Total at 2 decimals.
    pub total: Option<String>,
    /// Grade name (none for a partial total).
    pub grade: Option<String>,
    /// Indicators with no score yet (the total is partial when any); in the JSON, the nodes'
    /// `pending` says it.
    #[serde(skip)]
    pub pending_indicators: usize,
    /// Number of claims checked.
    pub claims_checked: usize,
    /// Budget summary.
    pub budget: Vec<BudgetRow>,
    /// Findings.
    pub findings: Vec<FindingRow>,
    /// Plausibility warnings (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<WarningRow>,
    /// Score adjustments.
    pub adjustments: Vec<AdjustmentRow>,
    /// Binding to the ledger.
    pub ledger: Binding,
    /// Every cited entry, by seq.
    pub evidence: Vec<EntryDetail>,
    /// Every group of entries cited as one range (bounded citations), ascending.
    pub evidence_groups: Vec<CiteGroup>,
    /// The form's title, when the rule set states its form (else the renderers' default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The heading of the score table, when the rule set states its form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scores_heading: Option<String>,
    /// What the rule set did beyond summing the tree: not-applicable indicators and the
    /// redistribution of their weight, recorded levels, bonus, deduction and veto items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scoring_notes: Vec<String>,
}

pub(super) fn integrity_of(checked: &Checked) -> Integrity {
    match &checked.integrity {
        Ok(_) => Integrity {
            verified: true,
            failed_seq: None,
            failure_kind: None,
            failure_detail: None,
            marker: None,
        },
        Err(f) => Integrity {
            verified: false,
            failed_seq: f.seq,
            failure_kind: Some(f.kind.name()),
            failure_detail: Some(f.detail.clone()),
            marker: Some(match f.seq {
                Some(s) => format!("UNVERIFIED — integrity check failed at seq {s}"),
                None => format!("UNVERIFIED — integrity check failed: {}", f.detail),
            }),
        },
    }
}

fn binding_of(ledger: &Ledger, checked: &Checked) -> Binding {
    match &checked.integrity {
        Ok(v) => Binding {
            ledger_id: hex::encode(v.ledger_id),
            entries: v.size,
            head: v.head.to_hex(),
            merkle_root: Some(hex::encode(v.root)),
            signed_checkpoint: None,
        },
        Err(_) => {
            let head = ledger.head().ok();
            Binding {
                ledger_id: hex::encode(ledger.ledger_id()),
                entries: head.as_ref().map_or(0, |h| h.size),
                head: head.map(|h| h.hash.to_hex()).unwrap_or_default(),
                merkle_root: None,
                signed_checkpoint: None,
            }
        }
    }
}

fn node_rows(card: &Scorecard, state: &State, lang: Lang, e: &mut Entries) -> Vec<NodeRow> {
    card.nodes
        .iter()
        .map(|n| {
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
            let cites = e.cite_set(&seqs);
            let adj: Decimal = n.adjustments.iter().map(|a| a.delta).sum();
            let deviation = indicator_of(n)
                .and_then(|i| state.values.get(i))
                .and_then(|h| h.latest())
                .map(|v| v.value.deviation_reason.clone())
                .filter(|r| !r.is_empty());
            let method = n.formula.clone().or_else(|| n.method.clone());
            let method_words = match lang {
                Lang::Zh => method_zh(state, &n.id).or_else(|| method.clone()),
                Lang::En => method.clone(),
            };
            NodeRow {
                id: n.id.clone(),
                leaf,
                name: node_name(n, lang),
                depth: n.depth,
                weight: n.weight.normalize().to_string(),
                target,
                actual: actual_text(n, state),
                method,
                score: two(n.score),
                score_exact: n.score_exact.normalize().to_string(),
                adjustment: (!n.adjustments.is_empty()).then(|| format!("{:+}", adj.normalize())),
                pending: n.pending.clone(),
                deviation_reason: deviation,
                cites,
                input: n.input.clone(),
                method_words,
            }
        })
        .collect()
}

/// The scoring formula of node `id` in Chinese, from the rule set in force.
pub(super) fn method_zh(state: &State, id: &str) -> Option<String> {
    let rules = state.rules.as_ref()?.parsed.as_ref().ok()?;
    let scoring = rules.node(id)?.scoring.as_ref()?;
    Some(super::method_zh::formula_zh(&scoring.method))
}

fn finding_rows(card: &Scorecard, state: &State, e: &mut Entries) -> Vec<FindingRow> {
    card.findings
        .iter()
        .map(|f| {
            let acknowledged = f.acknowledged.as_ref().map(|a| {
                let d = e.detail(a.seq);
                AckRow {
                    cite: e.cite(a.seq),
                    reason: a.reason.clone(),
                    author: d.author,
                    recorded_at: d.recorded_at,
                }
            });
            let _ = state;
            FindingRow {
                id: f.id.clone(),
                kind: match f.kind {
                    crate::eval::FindingKind::Mismatch => "mismatch".into(),
                    crate::eval::FindingKind::Unresolvable => "unresolvable".into(),
                    crate::eval::FindingKind::Orphaned => "orphaned".into(),
                },
                section: f.section.clone(),
                text: f.text.clone(),
                stated: format!("{}{}", f.stated, f.unit),
                recomputed: f.recomputed.map(|d| format!("{d}{}", f.unit)),
                recomputed_exact: f.recomputed_exact.map(|d| d.normalize().to_string()),
                definition: f.definition.clone(),
                problem: f.problem.clone(),
                claim: e.cite(f.claim_seq),
                inputs: e.cite_set(&f.input_seqs),
                acknowledged,
            }
        })
        .collect()
}

fn adjustment_rows(card: &Scorecard, lang: Lang, e: &mut Entries) -> Vec<AdjustmentRow> {
    let mut rows = Vec::new();
    for n in &card.nodes {
        for a in &n.adjustments {
            let d = e.detail(a.seq);
            let mut seqs = SeqSet::of(a.corrected_by.iter().copied());
            seqs.insert(a.seq);
            rows.push(AdjustmentRow {
                node: n.id.clone(),
                node_name: node_name(n, lang),
                delta: format!("{:+}", a.delta.normalize()),
                held: n.pending.is_some(),
                reason: a.reason.clone(),
                basis: a.basis.clone(),
                author: d.author,
                recorded_at: d.recorded_at,
                cites: e.cite_set(&seqs),
            });
        }
    }
    rows.sort_by_key(|r| r.cites.first().map(CiteItem::first));
    rows
}

impl ReportModel {
    /// Attaches the text of a signed checkpoint of this ledger's tree to the footer.
    #[must_use]
    pub fn with_signed_checkpoint(mut self, text: String) -> ReportModel {
        self.ledger.signed_checkpoint = Some(text);
        self
    }

    /// Builds the report of `checked` (from [`crate::check::check_open`] on `ledger`).
    /// Figures cite their entries under `citations` (bounded: groups for large figures).
    pub fn build(
        ledger: &Ledger,
        checked: &Checked,
        lang: Lang,
        citations: Citations,
    ) -> ReportModel {
        let mut e = Entries::new(ledger).citing(citations);
        if let Ok(s) = &checked.state {
            e = e.knowing(s);
        }
        let integrity = integrity_of(checked);
        let binding = binding_of(ledger, checked);
        let (department, year, as_of, last_seq) = match &checked.state {
            Ok(s) => (
                s.genesis
                    .as_ref()
                    .map(|g| g.value.department.clone())
                    .unwrap_or_default(),
                s.genesis.as_ref().map(|g| g.value.year),
                s.as_of,
                s.last_seq,
            ),
            Err(_) => (String::new(), None, AsOf::Latest, None),
        };
        let mut model = ReportModel {
            schema: SCHEMA.into(),
            lang,
            citations,
            department,
            year,
            as_of,
            last_seq,
            integrity,
            score_error: None,
            rule_set: None,
            rule_set_changes: Vec::new(),
            nodes: Vec::new(),
            total: None,
            grade: None,
            pending_indicators: 0,
            claims_checked: 0,
            budget: Vec::new(),
            findings: Vec::new(),
            warnings: Vec::new(),
            adjustments: Vec::new(),
            ledger: binding,
            evidence: Vec::new(),
            evidence_groups: Vec::new(),
            title: None,
            scores_heading: None,
            scoring_notes: Vec::new(),
        };
        let state = match &checked.state {
            Ok(s) => s,
            Err(err) => {
                model.score_error = Some(err.to_string());
                return model;
            }
        };
        model.budget = budget_rows(state, lang, &mut e);
        match &checked.scorecard {
            Some(Ok(card)) => {
                model.rule_set = Some((card.rule_set.name.clone(), e.cite(card.rule_set.seq)));
                model.rule_set_changes = super::changes::rule_set_change_rows(card, &mut e);
                model.nodes = node_rows(card, state, lang, &mut e);
                model.total = Some(two(card.total));
                model.grade = card.grade.as_ref().map(|g| match lang {
                    Lang::Zh => g.name.clone(),
                    Lang::En => g.en.clone(),
                });
                model.pending_indicators = super::total::pending_indicators(card);
                model.claims_checked = card.claims_checked;
                if let Some(f) = &card.form {
                    model.title = Some(lang.pick(&f.title, &f.title_en).to_string());
                    model.scores_heading = Some(
                        lang.pick(&f.scores_heading, &f.scores_heading_en)
                            .to_string(),
                    );
                }
                model.scoring_notes = crate::eval::scoring_notes(card);
                model.findings = finding_rows(card, state, &mut e);
                model.warnings = card
                    .warnings
                    .iter()
                    .map(|w| WarningRow {
                        kind: w.kind,
                        subject: w.subject.clone(),
                        text: w.text.clone(),
                        cites: e.cite_set(&w.seqs),
                    })
                    .collect();
                model.adjustments = adjustment_rows(card, lang, &mut e);
            }
            Some(Err(err)) => model.score_error = Some(err.to_string()),
            None => model.score_error = Some("not scored".into()),
        }
        (model.evidence, model.evidence_groups) = e.into_evidence();
        model
    }
}

pub(super) fn scored(checked: &Checked) -> Result<(&Scorecard, &State), ReportError> {
    // In the language of the messages (the error is one).
    let lang = match crate::messages::lang() {
        crate::messages::Lang::Zh => Lang::Zh,
        crate::messages::Lang::En => Lang::En,
    };
    let as_of = |s: &State| s.as_of.text(lang);
    match (&checked.state, &checked.scorecard) {
        (Ok(s), Some(Ok(c))) => Ok((c, s)),
        (Ok(s), Some(Err(err))) => Err(ReportError::NoScorecard {
            as_of: as_of(s),
            reason: err.to_string(),
        }),
        (Ok(s), None) => Err(ReportError::NoScorecard {
            as_of: as_of(s),
            reason: "not scored".into(),
        }),
        (Err(err), _) => Err(ReportError::NoScorecard {
            as_of: "-".into(),
            reason: err.to_string(),
        }),
    }
}
