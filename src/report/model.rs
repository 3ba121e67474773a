//! The renderer-independent report: the self-evaluation table, budget summary, findings,
//! adjustments, the ledger binding and the details of every cited entry, built from a
//! [`Checked`] and the open ledger; also the derivation tree of one node (`trace`) and the
//! comparison of two points of history (`diff`).
//!
//! Owns: what a report says and which entries every figure cites. Must not: format for a
//! particular output (renderers do), compute scores (the evaluator does), or write files.

use crate::check::Checked;
use crate::eval::{AsOf, NodeScore, Scorecard, SeqSet, State, Sum};
use crate::ledger::Ledger;
use crate::model::BudgetKind;
use crate::model::{Event, Money, Seq};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Schema version of the JSON report (`docs/REPORT-JSON.md`).
pub const SCHEMA: &str = "jixiao-report/2";

/// Language of the labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the Chinese or English wording.
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading the ledger failed (I/O or storage, not integrity).
    #[error("reading the ledger for the report: {0}; check the file is readable and not in use")]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The node asked for is not in the scorecard.
    #[error(
        "node `{node}` is not in the rule set's indicator tree; see `jixiao score` for the ids"
    )]
    UnknownNode {
        /// The id given.
        node: String,
    },
    /// There is no scorecard to trace or compare.
    #[error("no scorecard as of {as_of}: {reason}")]
    NoScorecard {
        /// The point of history.
        as_of: String,
        /// Why.
        reason: String,
    },
}

/// A citation of one entry: `#41·3fa2c1` (seq and first 6 hex digits of its hash).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cite {
    /// Entry seq.
    pub seq: Seq,
    /// First 6 hex digits of the entry hash (`??????` if the entry cannot be read).
    pub hash: String,
}

impl std::fmt::Display for Cite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}·{}", self.seq, self.hash)
    }
}

/// One cited entry, as listed in the evidence table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryDetail {
    /// Entry seq.
    pub seq: Seq,
    /// Full entry hash, lower-case hex (empty if unreadable).
    pub hash: String,
    /// First 6 hex digits.
    pub short: String,
    /// Author's name from the key registry (or key id).
    pub author: String,
    /// Recorded-at time, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: String,
    /// Event kind (stable snake-case name).
    pub kind: String,
    /// One-line summary of the event.
    pub summary: String,
    /// The reason recorded with the event, if it has one.
    pub reason: Option<String>,
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
    pub cites: Vec<Cite>,
}

/// One line of the budget summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetRow {
    /// Stable key (`year_start`, `adjustments`, `full_year`, `executed`, `execution_rate`,
    /// `prior_year`, `growth_amount`, `growth_rate`).
    pub key: String,
    /// Label in the report's language.
    pub label: String,
    /// Value at 2 decimals (万元 or %), or none when it cannot be computed.
    pub value: Option<String>,
    /// `万元` or `%`.
    pub unit: String,
    /// Exact value (yuan for amounts, a fraction for rates).
    pub exact: Option<String>,
    /// Why there is no value.
    pub note: Option<String>,
    /// Entries behind the figure.
    pub cites: Vec<Cite>,
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
    pub inputs: Vec<Cite>,
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
    /// Reason.
    pub reason: String,
    /// Basis.
    pub basis: String,
    /// Who (key registry name).
    pub author: String,
    /// When.
    pub recorded_at: String,
    /// The adjustment entry and the corrections of it.
    pub cites: Vec<Cite>,
}

/// The whole report, before rendering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportModel {
    /// Schema version.
    pub schema: String,
    /// Language of the labels.
    pub lang: Lang,
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
    /// Grade name.
    pub grade: Option<String>,
    /// Number of claims checked.
    pub claims_checked: usize,
    /// Budget summary.
    pub budget: Vec<BudgetRow>,
    /// Findings.
    pub findings: Vec<FindingRow>,
    /// Score adjustments.
    pub adjustments: Vec<AdjustmentRow>,
    /// Binding to the ledger.
    pub ledger: Binding,
    /// Every cited entry, by seq.
    pub evidence: Vec<EntryDetail>,
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn format_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t).map_or_else(
        |_| t.to_string(),
        |d| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        },
    )
}

/// `d` rounded half-up to 2 decimals, always showing 2.
#[must_use]
pub fn two(d: Decimal) -> String {
    format!(
        "{:.2}",
        d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// An exact decimal string shown to at most 6 decimals (half-up), for display.
#[must_use]
pub fn six(s: &str) -> String {
    s.parse::<Decimal>().map_or_else(
        |_| s.to_string(),
        |d| {
            d.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
                .to_string()
        },
    )
}

/// Reads entry details from the ledger, caching them.
pub struct Entries<'a> {
    ledger: &'a Ledger,
    names: BTreeMap<crate::model::KeyId, String>,
    cache: BTreeMap<Seq, EntryDetail>,
}

impl<'a> Entries<'a> {
    /// A reader over `ledger`, naming authors from its key registry.
    #[must_use]
    pub fn new(ledger: &'a Ledger) -> Entries<'a> {
        let names = ledger
            .authority()
            .map(|a| {
                a.records()
                    .map(|r| (r.principal.key_id(), r.principal.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Entries {
            ledger,
            names,
            cache: BTreeMap::new(),
        }
    }

    /// Details of the entry at `seq` (a placeholder row if it cannot be read).
    pub fn detail(&mut self, seq: Seq) -> EntryDetail {
        if let Some(d) = self.cache.get(&seq) {
            return d.clone();
        }
        let d = match self.ledger.entry(seq) {
            Ok(Some(r)) => EntryDetail {
                seq,
                hash: r.hash.to_hex(),
                short: r.hash.short(),
                author: self
                    .names
                    .get(&r.entry.author)
                    .cloned()
                    .unwrap_or_else(|| r.entry.author.to_string()),
                recorded_at: format_time(r.entry.recorded_at),
                kind: r.entry.event.kind().name().to_string(),
                summary: r.entry.event.summary(),
                reason: reason_of(&r.entry.event),
            },
            Ok(None) | Err(_) => EntryDetail {
                seq,
                hash: String::new(),
                short: "??????".into(),
                author: String::new(),
                recorded_at: String::new(),
                kind: String::new(),
                summary: "(entry cannot be read)".into(),
                reason: None,
            },
        };
        self.cache.insert(seq, d.clone());
        d
    }

    /// The citation of `seq`.
    pub fn cite(&mut self, seq: Seq) -> Cite {
        let d = self.detail(seq);
        Cite { seq, hash: d.short }
    }

    /// Citations of every seq in `s`, ascending.
    pub fn cites(&mut self, s: &SeqSet) -> Vec<Cite> {
        s.iter().map(|q| self.cite(q)).collect()
    }

    /// Every entry read so far, by seq.
    #[must_use]
    pub fn into_details(self) -> Vec<EntryDetail> {
        self.cache.into_values().collect()
    }
}

fn reason_of(ev: &Event) -> Option<String> {
    let r = match ev {
        Event::Revoke(r) => r.reason.clone(),
        Event::Budget(b) => b.reason.clone(),
        Event::IndicatorValue(v) => v.deviation_reason.clone(),
        Event::ScoreAdjustment(a) => a.reason.clone(),
        Event::Correction(c) => c.reason.clone(),
        Event::Acknowledgement(a) => a.reason.clone(),
        _ => String::new(),
    };
    (!r.is_empty()).then_some(r)
}

fn integrity_of(checked: &Checked) -> Integrity {
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

fn node_name(n: &NodeScore, lang: Lang) -> String {
    match lang {
        Lang::Zh => n.name.clone(),
        Lang::En if n.en.is_empty() => n.name.clone(),
        Lang::En => n.en.clone(),
    }
}

/// The seqs of a node not behind any of its children.
fn own_seqs(card: &Scorecard, n: &NodeScore) -> SeqSet {
    let mut s = n.seqs.clone();
    for c in &n.children {
        if let Some(child) = card.node(c) {
            for q in child.seqs.iter() {
                s.remove(q);
            }
        }
    }
    s
}

fn indicator_of(n: &NodeScore) -> Option<&str> {
    n.input
        .as_deref()
        .and_then(|i| i.strip_prefix("indicator."))
}

/// The target shown for a leaf: the one it was scored against, else the recorded target of
/// its indicator (qualitative items are judged against it), with that entry's seq.
fn target_text(n: &NodeScore, state: &State) -> (Option<String>, Option<Seq>) {
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
fn actual_text(n: &NodeScore, state: &State) -> Option<String> {
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
            let cites = e.cites(&seqs);
            let adj: Decimal = n.adjustments.iter().map(|a| a.delta).sum();
            let deviation = indicator_of(n)
                .and_then(|i| state.values.get(i))
                .and_then(|h| h.latest())
                .map(|v| v.value.deviation_reason.clone())
                .filter(|r| !r.is_empty());
            let method = n.formula.clone().or_else(|| n.method.clone());
            NodeRow {
                id: n.id.clone(),
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
            }
        })
        .collect()
}

fn money_row(key: &str, label: &str, sum: &Sum, e: &mut Entries) -> BudgetRow {
    BudgetRow {
        key: key.into(),
        label: label.into(),
        value: Some(two(sum.amount.wan())),
        unit: "万元".into(),
        exact: Some(sum.amount.yuan().to_string()),
        note: None,
        cites: e.cites(&sum.seqs),
    }
}

fn rate_row(
    key: &str,
    label: &str,
    num: &Sum,
    den: &Sum,
    lang: Lang,
    e: &mut Entries,
) -> BudgetRow {
    let mut seqs = num.seqs.clone();
    seqs.extend(&den.seqs);
    let ratio = (den.amount != Money::ZERO)
        .then(|| num.amount.yuan().checked_div(den.amount.yuan()))
        .flatten();
    BudgetRow {
        key: key.into(),
        label: label.into(),
        value: ratio.map(|r| two(r * Decimal::ONE_HUNDRED)),
        unit: "%".into(),
        exact: ratio.map(|r| r.normalize().to_string()),
        note: ratio
            .is_none()
            .then(|| lang.pick("分母为零", "denominator is zero").to_string()),
        cites: e.cites(&seqs),
    }
}

/// Budget aggregates over every line.
struct BudgetTotals {
    year_start: Sum,
    adjustments: Sum,
    full_year: Sum,
    executed: Sum,
    prior_year: Sum,
    growth: Sum,
}

fn overflow(what: &str) -> String {
    format!("{what} overflows the money range; check the recorded amounts")
}

fn plus(a: &Sum, b: &Sum, what: &str) -> Result<Sum, String> {
    let mut seqs = a.seqs.clone();
    seqs.extend(&b.seqs);
    Ok(Sum {
        amount: a
            .amount
            .checked_add(b.amount)
            .ok_or_else(|| overflow(what))?,
        seqs,
    })
}

fn minus(a: &Sum, b: &Sum, what: &str) -> Result<Sum, String> {
    let mut seqs = a.seqs.clone();
    seqs.extend(&b.seqs);
    Ok(Sum {
        amount: a
            .amount
            .checked_sub(b.amount)
            .ok_or_else(|| overflow(what))?,
        seqs,
    })
}

impl BudgetTotals {
    fn of(state: &State) -> Result<BudgetTotals, String> {
        let kind = |k: BudgetKind| -> Result<Sum, String> {
            let mut out = Sum::default();
            for line in state.budget.values() {
                if let Some(s) = line.by_kind.get(&k) {
                    out = plus(&out, s, k.name())?;
                }
            }
            Ok(out)
        };
        let mut executed = Sum::default();
        for line in state.budget.values() {
            let x = line.executed(None).map_err(|e| e.to_string())?;
            executed = plus(&executed, &x, "executed")?;
        }
        let year_start = kind(BudgetKind::YearStart)?;
        let carry_in = kind(BudgetKind::CarryIn)?;
        let adjustments = plus(
            &minus(
                &kind(BudgetKind::AdjustAdd)?,
                &kind(BudgetKind::AdjustCut)?,
                "adjustments",
            )?,
            &kind(BudgetKind::Reallocate)?,
            "adjustments",
        )?;
        let full_year = plus(
            &plus(&carry_in, &year_start, "full_year")?,
            &adjustments,
            "full_year",
        )?;
        let prior_year = kind(BudgetKind::PriorYearBudget)?;
        let growth = minus(&full_year, &prior_year, "growth")?;
        Ok(BudgetTotals {
            year_start,
            adjustments,
            full_year,
            executed,
            prior_year,
            growth,
        })
    }
}

fn budget_rows(state: &State, lang: Lang, e: &mut Entries) -> Vec<BudgetRow> {
    let t = match BudgetTotals::of(state) {
        Ok(t) => t,
        Err(err) => {
            return vec![BudgetRow {
                key: "error".into(),
                label: lang.pick("预算汇总", "budget summary").into(),
                value: None,
                unit: String::new(),
                exact: None,
                note: Some(err),
                cites: Vec::new(),
            }];
        }
    };
    vec![
        money_row(
            "year_start",
            lang.pick("年初预算数", "Year-start budget"),
            &t.year_start,
            e,
        ),
        money_row(
            "adjustments",
            lang.pick("全年预算调整数", "In-year adjustments"),
            &t.adjustments,
            e,
        ),
        money_row(
            "full_year",
            lang.pick("全年预算数", "Full-year budget"),
            &t.full_year,
            e,
        ),
        money_row("executed", lang.pick("执行数", "Executed"), &t.executed, e),
        rate_row(
            "execution_rate",
            lang.pick("预算执行率", "Execution rate"),
            &t.executed,
            &t.full_year,
            lang,
            e,
        ),
        money_row(
            "prior_year",
            lang.pick("上年预算数", "Prior-year budget"),
            &t.prior_year,
            e,
        ),
        money_row(
            "growth_amount",
            lang.pick("较上年增减额", "Change on prior year"),
            &t.growth,
            e,
        ),
        rate_row(
            "growth_rate",
            lang.pick("较上年增长率", "Growth rate"),
            &t.growth,
            &t.prior_year,
            lang,
            e,
        ),
    ]
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
                inputs: e.cites(&f.input_seqs),
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
                reason: a.reason.clone(),
                basis: a.basis.clone(),
                author: d.author,
                recorded_at: d.recorded_at,
                cites: e.cites(&seqs),
            });
        }
    }
    rows.sort_by_key(|r| r.cites.first().map(|c| c.seq));
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
    pub fn build(ledger: &Ledger, checked: &Checked, lang: Lang) -> ReportModel {
        let mut e = Entries::new(ledger);
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
            claims_checked: 0,
            budget: Vec::new(),
            findings: Vec::new(),
            adjustments: Vec::new(),
            ledger: binding,
            evidence: Vec::new(),
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
                model.claims_checked = card.claims_checked;
                model.findings = finding_rows(card, state, &mut e);
                model.adjustments = adjustment_rows(card, lang, &mut e);
            }
            Some(Err(err)) => model.score_error = Some(err.to_string()),
            None => model.score_error = Some("not scored".into()),
        }
        model.evidence = e.into_details();
        model
    }
}

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
    let entries: Vec<EntryDetail> = seqs.iter().map(|q| e.detail(q)).collect();
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
                reason: a.reason.clone(),
                basis: a.basis.clone(),
                author: d.author,
                recorded_at: d.recorded_at,
                cites: e.cites(&s),
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
        input: n.input.clone(),
        input_definition: n.input_definition.clone(),
        target,
        actual: actual_text(n, state),
        pending: n.pending.clone(),
        entries,
        superseded,
        adjustments,
        children,
    }
}

fn scored(checked: &Checked) -> Result<(&Scorecard, &State), ReportError> {
    let as_of = |s: &State| s.as_of.text(Lang::En);
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

impl TraceModel {
    /// The derivation tree of `node` in `checked`.
    pub fn build(
        ledger: &Ledger,
        checked: &Checked,
        node: &str,
        lang: Lang,
    ) -> Result<TraceModel, ReportError> {
        let (card, state) = scored(checked)?;
        let n = card.node(node).ok_or_else(|| ReportError::UnknownNode {
            node: node.to_string(),
        })?;
        let mut e = Entries::new(ledger);
        Ok(TraceModel {
            as_of: state.as_of,
            integrity: integrity_of(checked),
            root: trace_node(card, state, n, lang, &mut e),
        })
    }
}

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
}

/// Scorecards at two points and what changed between them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffModel {
    /// From.
    pub from: AsOf,
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
    ) -> Result<DiffModel, ReportError> {
        let (ca, sa) = scored(a)?;
        let (cb, sb) = scored(b)?;
        let lo = sa.last_seq.unwrap_or(0);
        let hi = sb.last_seq.unwrap_or(0);
        let mut e = Entries::new(ledger);
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
            let mut between = BTreeSet::new();
            for q in sa_.iter().chain(sb_.iter()) {
                let in_range = q > lo && q <= hi;
                let one_side = sa_.contains(q) != sb_.contains(q);
                if in_range || one_side {
                    between.insert(q);
                }
            }
            let delta = new.unwrap_or(Decimal::ZERO) - old.unwrap_or(Decimal::ZERO);
            changed.push(DiffRow {
                id: n.id.clone(),
                name: node_name(n, lang),
                depth: n.depth,
                old: old.map(two),
                new: new.map(two),
                delta: format!("{:+.2}", delta),
                entries: between.into_iter().map(|q| e.detail(q)).collect(),
            });
        }
        Ok(DiffModel {
            from: sa.as_of,
            to: sb.as_of,
            integrity: integrity_of(b),
            totals: (two(ca.total), two(cb.total)),
            changed,
        })
    }
}

/// A point of history in words.
pub trait AsOfText {
    /// `全部记录` / `latest`, `seq 41`, `2022-06-30`.
    fn text(&self, l: Lang) -> String;
}

impl AsOfText for AsOf {
    fn text(&self, l: Lang) -> String {
        match self {
            AsOf::Latest => l.pick("全部记录", "all entries").to_string(),
            AsOf::Seq(s) => format!("seq {s}"),
            AsOf::Date(d) => d.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_and_numbers_format_exactly() {
        let c = Cite {
            seq: 41,
            hash: "3fa2c1".into(),
        };
        assert_eq!(c.to_string(), "#41·3fa2c1");
        assert_eq!(two(Decimal::new(49_955, 3)), "49.96");
        assert_eq!(two(Decimal::new(-45, 3)), "-0.05");
        assert_eq!(two(Decimal::new(100, 0)), "100.00");
        assert_eq!(two(Money::from_fen(1_923_650_000).wan()), "1923.65");
        assert_eq!(six("3.6231610814537893438340004"), "3.623161");
        assert_eq!(six("0.5"), "0.5");
        assert_eq!(six("n/a"), "n/a");
    }

    #[test]
    fn languages_and_points_of_history() {
        assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::En.pick("总分", "Total"), "Total");
        assert_eq!(AsOf::Latest.text(Lang::Zh), "全部记录");
        assert_eq!(AsOf::Seq(7).text(Lang::En), "seq 7");
    }
}
