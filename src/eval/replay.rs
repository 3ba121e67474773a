//! Replaying ledger entries into a [`State`], optionally as of a seq or a business date.
//!
//! The state keeps, per key, the effective values with the seqs they came from, per budget
//! line the running sums (payments by day), and the trail of corrections. Corrections put a
//! replacement in the superseded entry's place; a retraction removes the entry.
//!
//! Memory: budget amounts are aggregated per line, kind and day; provenance seqs are kept as
//! ranges. [`Replay::new`] also keeps a small index record per budget event so a correction
//! can take its amount out; [`Replay::with_lookup`] keeps none and reads the superseded
//! event back instead, so memory grows with lines, keys and corrections, not payments.

use super::EvalError;
use super::seqs::SeqSet;
use crate::ledger::Recorded;
use crate::model::{
    Acknowledgement, BizDate, BudgetEvent, BudgetKind, BudgetLine, Claim, Event, EventKind,
    Evidence, Fact, Genesis, IndicatorTarget, IndicatorValue, Money, ScoreAdjustment, Seq,
    Staffing,
};
use crate::rules::{self, RuleSet, RulesError};
use serde::Serialize;
use std::collections::BTreeMap;

/// The point of history to replay to.
///
/// JSON: `{"kind": "latest"}`, `{"kind": "seq", "at": 41}`, `{"kind": "date", "at": "2022-06-30"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// Every entry.
    Latest,
    /// Entries with seq ≤ n.
    Seq(Seq),
    /// Events whose business date ≤ the date; events without one (rule sets, claims,
    /// adjustments, acknowledgements, grants, evidence) by their recorded-at UTC date.
    /// A correction of dated data always applies (its replacement counts if its own date is
    /// in range); a correction of undated data counts by its recorded-at date.
    Date(BizDate),
}

impl Serialize for AsOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            AsOf::Latest => m.serialize_entry("kind", "latest")?,
            AsOf::Seq(n) => {
                m.serialize_entry("kind", "seq")?;
                m.serialize_entry("at", n)?;
            }
            AsOf::Date(d) => {
                m.serialize_entry("kind", "date")?;
                m.serialize_entry("at", &d.to_string())?;
            }
        }
        m.end()
    }
}

/// A value with the entry it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The seq of the entry whose place this value holds (the original entry's seq, also
    /// after a correction replaced its content).
    pub seq: Seq,
    /// Seqs of the corrections that replaced the original content, oldest first.
    pub corrected_by: Vec<Seq>,
    /// The value.
    pub value: T,
}

impl<T> Versioned<T> {
    /// The seq and every correction seq behind this value.
    #[must_use]
    pub fn seqs(&self) -> SeqSet {
        let mut s = SeqSet::of(self.corrected_by.iter().copied());
        s.insert(self.seq);
        s
    }
}

/// The effective entries of one key, in seq order; the last is the latest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<T> {
    /// Effective entries, ascending by seq.
    pub entries: Vec<Versioned<T>>,
    /// Seqs of retractions that removed entries of this key.
    pub retractions: Vec<Seq>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        History {
            entries: Vec::new(),
            retractions: Vec::new(),
        }
    }
}

impl<T> History<T> {
    /// The latest effective entry.
    #[must_use]
    pub fn latest(&self) -> Option<&Versioned<T>> {
        self.entries.last()
    }

    /// The latest entry's seqs plus the retractions that made it the latest.
    #[must_use]
    pub fn latest_seqs(&self) -> SeqSet {
        let mut s = self.latest().map(Versioned::seqs).unwrap_or_default();
        for r in &self.retractions {
            s.insert(*r);
        }
        s
    }

    fn insert(&mut self, v: Versioned<T>) {
        let i = self.entries.partition_point(|e| e.seq < v.seq);
        self.entries.insert(i, v);
    }

    fn remove(&mut self, seq: Seq) -> Option<Versioned<T>> {
        let i = self.entries.iter().position(|e| e.seq == seq)?;
        Some(self.entries.remove(i))
    }
}

/// The adopted rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptedRules {
    /// Seq of the adoption (or of the entry whose place it holds).
    pub seq: Seq,
    /// Corrections that replaced it.
    pub corrected_by: Vec<Seq>,
    /// Name as recorded.
    pub name: String,
    /// Full text.
    pub text: String,
    /// Digest as recorded.
    pub digest: [u8; 32],
    /// The parsed rules, or why they do not parse / the digest does not match.
    pub parsed: Result<RuleSet, EvalError>,
}

/// An amount with the seqs that make it up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sum {
    /// The total.
    pub amount: Money,
    /// Contributing seqs (entries, corrections, retractions).
    pub seqs: SeqSet,
}

/// Aggregates of one budget line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineTotals {
    /// Sums by kind (all kinds but payments and cumulative figures).
    pub by_kind: BTreeMap<BudgetKind, Sum>,
    /// Payments (`Execution`) summed by business date.
    pub payments: BTreeMap<BizDate, Sum>,
    /// Cumulative executed figures by (business date, seq).
    pub cumulatives: BTreeMap<(BizDate, Seq), (Money, SeqSet)>,
}

impl LineTotals {
    /// Executed on this line as of a date (or overall): the latest cumulative figure at or
    /// before the date, plus payments dated after it (and at or before the date).
    pub fn executed(&self, as_of: Option<BizDate>) -> Result<Sum, EvalError> {
        let upto = |d: &BizDate| as_of.is_none_or(|a| *d <= a);
        let cum = self.cumulatives.iter().rev().find(|((d, _), _)| upto(d));
        let mut out = Sum::default();
        let after = cum.map(|((d, _), (m, seqs))| {
            out.amount = *m;
            out.seqs.extend(seqs);
            *d
        });
        for (d, s) in &self.payments {
            if after.is_some_and(|a| *d <= a) || !upto(d) {
                continue;
            }
            out.amount = out
                .amount
                .checked_add(s.amount)
                .ok_or_else(|| EvalError::Overflow {
                    what: "executed amount".into(),
                })?;
            out.seqs.extend(&s.seqs);
        }
        Ok(out)
    }
}

/// One correction, as kept in the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CorrectionRecord {
    /// The correction entry.
    pub correction_seq: Seq,
    /// The seq it names.
    pub superseded: Seq,
    /// The original entry whose place is corrected (differs from `superseded` when a
    /// correction is itself corrected).
    pub slot: Seq,
    /// Kind of the entry corrected.
    pub kind: &'static str,
    /// Why.
    pub reason: String,
    /// The value before, in words (none if it was not in view as of the replay point).
    pub old_value: Option<String>,
    /// The value after, in words; none for a retraction.
    pub new_value: Option<String>,
}

/// Where an entry's content lives in the state, so a correction can take it out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Slot {
    Genesis,
    Other(EventKind),
    RuleSet,
    Staffing(String),
    Budget(BudgetSlot),
    Target(String),
    Value(String),
    Fact(String),
    Evidence,
    Claim(String),
    Adjustment,
    Ack(String),
    Correction { slot: Seq },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct BudgetSlot {
    line: BudgetLine,
    kind: BudgetKind,
    amount: Money,
    date: BizDate,
    seqs: SeqSet,
}

impl Slot {
    fn kind(&self) -> EventKind {
        match self {
            Slot::Genesis => EventKind::Genesis,
            Slot::Other(k) => *k,
            Slot::RuleSet => EventKind::RuleSetAdopted,
            Slot::Staffing(_) => EventKind::Staffing,
            Slot::Budget(_) => EventKind::Budget,
            Slot::Target(_) => EventKind::IndicatorTarget,
            Slot::Value(_) => EventKind::IndicatorValue,
            Slot::Fact(_) => EventKind::Fact,
            Slot::Evidence => EventKind::Evidence,
            Slot::Claim(_) => EventKind::Claim,
            Slot::Adjustment => EventKind::ScoreAdjustment,
            Slot::Ack(_) => EventKind::Acknowledgement,
            Slot::Correction { .. } => EventKind::Correction,
        }
    }
}

/// Everything scoring needs, replayed from entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// The point replayed to.
    pub as_of: AsOf,
    /// Seq of the last entry within the replay point.
    pub last_seq: Option<Seq>,
    /// Department, year and admins.
    pub genesis: Option<Versioned<Genesis>>,
    /// The latest adopted rule set.
    pub rules: Option<AdoptedRules>,
    /// Staffing by category.
    pub staffing: BTreeMap<String, History<Staffing>>,
    /// Budget aggregates by line.
    pub budget: BTreeMap<BudgetLine, LineTotals>,
    /// Indicator targets by indicator id.
    pub targets: BTreeMap<String, History<IndicatorTarget>>,
    /// Indicator values by indicator id.
    pub values: BTreeMap<String, History<IndicatorValue>>,
    /// Facts by key.
    pub facts: BTreeMap<String, History<Fact>>,
    /// Evidence by seq.
    pub evidence: BTreeMap<Seq, Versioned<Evidence>>,
    /// Claims by claim id.
    pub claims: BTreeMap<String, History<Claim>>,
    /// Effective score adjustments by seq.
    pub adjustments: BTreeMap<Seq, Versioned<ScoreAdjustment>>,
    /// Acknowledgements by finding id.
    pub acknowledgements: BTreeMap<String, History<Acknowledgement>>,
    /// Every correction applied, in seq order.
    pub corrections: Vec<CorrectionRecord>,
    slots: BTreeMap<Seq, Slot>,
    /// Every effective rule-set adoption; the last is in force.
    adoptions: BTreeMap<Seq, AdoptedRules>,
    /// Entries not in view (excluded by the as-of date, or retracted), with their kinds.
    absent: BTreeMap<Seq, EventKind>,
    /// Budget events have no index entry (a lean replay, see [`Replay::with_lookup`]).
    lean: bool,
}

/// Reads the event recorded at a seq, as stored (for a lean replay).
pub type Lookup<'a> = Box<dyn FnMut(Seq) -> Option<Event> + 'a>;

/// Replays entries, in seq order, into a [`State`].
pub struct Replay<'a> {
    state: State,
    expected: Seq,
    lookup: Option<Lookup<'a>>,
}

impl std::fmt::Debug for Replay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("state", &self.state)
            .field("expected", &self.expected)
            .field("lean", &self.lookup.is_some())
            .finish()
    }
}

impl Replay<'static> {
    /// A replay up to `as_of`. It keeps a small index entry per budget event so that a later
    /// correction can take the amount out; see [`Replay::with_lookup`] to avoid that.
    #[must_use]
    pub fn new(as_of: AsOf) -> Replay<'static> {
        Replay::build(as_of, None)
    }
}

impl<'a> Replay<'a> {
    /// A lean replay: budget events (the bulk of a ledger: payments) leave nothing per
    /// entry but their seq in the provenance sets. When a correction supersedes one,
    /// `lookup(seq)` must return the event stored at that seq (e.g. read from the ledger).
    #[must_use]
    pub fn with_lookup(as_of: AsOf, lookup: impl FnMut(Seq) -> Option<Event> + 'a) -> Replay<'a> {
        Replay::build(as_of, Some(Box::new(lookup)))
    }

    /// Continues a lean replay from a state it finished with (for example to see what new
    /// events would change before they are appended). The next entry applied must be the one
    /// after `state.last_seq`.
    #[must_use]
    pub fn resume(state: State, lookup: impl FnMut(Seq) -> Option<Event> + 'a) -> Replay<'a> {
        let expected = state.last_seq.map_or(1, |s| s.saturating_add(1));
        Replay {
            state,
            expected,
            lookup: Some(Box::new(lookup)),
        }
    }

    fn build(as_of: AsOf, lookup: Option<Lookup<'a>>) -> Replay<'a> {
        Replay {
            state: State {
                lean: lookup.is_some(),
                as_of,
                last_seq: None,
                genesis: None,
                rules: None,
                staffing: BTreeMap::new(),
                budget: BTreeMap::new(),
                targets: BTreeMap::new(),
                values: BTreeMap::new(),
                facts: BTreeMap::new(),
                evidence: BTreeMap::new(),
                claims: BTreeMap::new(),
                adjustments: BTreeMap::new(),
                acknowledgements: BTreeMap::new(),
                corrections: Vec::new(),
                slots: BTreeMap::new(),
                adoptions: BTreeMap::new(),
                absent: BTreeMap::new(),
            },
            expected: 1,
            lookup,
        }
    }

    /// Applies the next entry. Entries after the replay point are skipped (but must still
    /// come in order).
    pub fn apply(&mut self, r: &Recorded) -> Result<(), EvalError> {
        let seq = r.entry.seq;
        if seq != self.expected {
            return Err(EvalError::OutOfOrder {
                seq,
                expected: self.expected,
            });
        }
        self.expected = seq.saturating_add(1);
        let st = &mut self.state;
        let recorded_on = recorded_date(seq, r.entry.recorded_at)?;
        match st.as_of {
            AsOf::Seq(n) if seq > n => return Ok(()),
            _ => {}
        }
        st.last_seq = Some(seq);
        let limit = match st.as_of {
            AsOf::Date(d) => Some(d),
            _ => None,
        };
        let in_view = |ev: &Event| -> bool {
            limit.is_none_or(|d| business_date(ev).unwrap_or(recorded_on) <= d)
        };
        match &r.entry.event {
            Event::Correction(c) => {
                let s = c.supersedes;
                if !st.slots.contains_key(&s) && !st.absent.contains_key(&s) && s < seq {
                    // A lean replay left no index entry for a budget event: read it back.
                    if let Some(Event::Budget(b)) = self.lookup.as_mut().and_then(|l| l(s)) {
                        if limit.is_none_or(|d| b.date <= d) {
                            let slot = BudgetSlot {
                                line: b.line,
                                kind: b.kind,
                                amount: b.amount,
                                date: b.date,
                                seqs: SeqSet::of([s]),
                            };
                            st.slots.insert(s, Slot::Budget(slot));
                        } else {
                            st.absent.insert(s, EventKind::Budget);
                        }
                    }
                }
                let target = st.resolve_slot(seq, c.supersedes)?;
                let target_kind = match st.slots.get(&target) {
                    Some(s) => s.kind(),
                    None => st
                        .absent
                        .get(&target)
                        .copied()
                        .unwrap_or(EventKind::Correction),
                };
                if let Some(rep) = &c.replacement
                    && rep.kind() != target_kind
                {
                    return Err(EvalError::CorrectionKindMismatch {
                        correction_seq: seq,
                        superseded: c.supersedes,
                        superseded_kind: target_kind.name(),
                        replacement_kind: rep.kind().name(),
                    });
                }
                // Undated data: the correction counts from its recorded-at date.
                let dated = match &c.replacement {
                    Some(rep) => business_date(rep).is_some(),
                    None => is_dated_kind(target_kind),
                };
                if !dated && limit.is_some_and(|d| recorded_on > d) {
                    // Not in view, but a later correction of this one targets the same place.
                    st.slots.insert(seq, Slot::Correction { slot: target });
                    return Ok(());
                }
                let taken = st.take(target)?;
                let mut corrected_by = taken
                    .as_ref()
                    .map(|t| t.corrected_by.clone())
                    .unwrap_or_default();
                corrected_by.push(seq);
                let new_value = c.replacement.as_ref().map(|rep| describe(rep));
                match &c.replacement {
                    Some(rep) if in_view(rep) => st.put(target, rep, corrected_by)?,
                    Some(_) => {
                        st.absent.insert(target, target_kind);
                    }
                    None => {
                        st.absent.insert(target, target_kind);
                        if let Some(t) = &taken {
                            st.note_retraction(t, seq);
                        }
                    }
                }
                st.slots.insert(seq, Slot::Correction { slot: target });
                st.corrections.push(CorrectionRecord {
                    correction_seq: seq,
                    superseded: c.supersedes,
                    slot: target,
                    kind: target_kind.name(),
                    reason: c.reason.clone(),
                    old_value: taken.map(|t| t.description),
                    new_value,
                });
                Ok(())
            }
            ev if in_view(ev) => st.put(seq, ev, Vec::new()),
            Event::Budget(_) if st.lean => Ok(()),
            ev => {
                st.absent.insert(seq, ev.kind());
                Ok(())
            }
        }
    }

    /// The replayed state.
    #[must_use]
    pub fn finish(self) -> State {
        self.state
    }
}

fn ver<T>(seq: Seq, corrected_by: &[Seq], value: T) -> Versioned<T> {
    Versioned {
        seq,
        corrected_by: corrected_by.to_vec(),
        value,
    }
}

fn recorded_date(seq: Seq, recorded_at: i64) -> Result<BizDate, EvalError> {
    time::OffsetDateTime::from_unix_timestamp(recorded_at)
        .map(|t| BizDate(t.date()))
        .map_err(|_| EvalError::BadRecordedAt { seq, recorded_at })
}

/// The business date of an event, if its kind has one.
fn business_date(ev: &Event) -> Option<BizDate> {
    match ev {
        Event::Staffing(s) => Some(s.date),
        Event::Budget(b) => Some(b.date),
        Event::IndicatorTarget(t) => Some(t.date),
        Event::IndicatorValue(v) => Some(v.date),
        Event::Fact(f) => Some(f.date),
        _ => None,
    }
}

fn is_dated_kind(k: EventKind) -> bool {
    matches!(
        k,
        EventKind::Staffing
            | EventKind::Budget
            | EventKind::IndicatorTarget
            | EventKind::IndicatorValue
            | EventKind::Fact
    )
}

/// An event in a few words, for the correction trail.
#[must_use]
pub fn describe(ev: &Event) -> String {
    match ev {
        Event::Genesis(g) => format!("genesis {} {}", g.department, g.year),
        Event::Grant(g) => format!("grant {} to {}", g.role, g.principal.name),
        Event::Revoke(r) => format!("revoke {} from {}", r.role, r.key_id),
        Event::RuleSetAdopted(r) => format!("rule set {}", r.name),
        Event::Staffing(s) => format!(
            "{}: establishment {}, actual {}, retired {} ({})",
            s.category, s.establishment, s.actual, s.retired, s.date
        ),
        Event::Budget(b) => describe_budget(&b.line, b.kind, b.amount, b.date),
        Event::IndicatorTarget(t) => format!(
            "{} target {}{}{}{} ({})",
            t.indicator,
            t.direction.symbol(),
            t.adjusted.unwrap_or(t.year_start),
            t.unit,
            if t.adjusted.is_some() {
                " (adjusted)"
            } else {
                ""
            },
            t.date
        ),
        Event::IndicatorValue(v) => format!("{} = {} ({})", v.indicator, v.value, v.date),
        Event::Fact(f) => format!("{} = {} {} ({})", f.key, f.value, f.unit, f.date),
        Event::Evidence(e) => format!("evidence {} ({} bytes)", e.name, e.size),
        Event::Claim(c) => format!("claim {}: {}{}", c.id, c.value, c.unit),
        Event::ScoreAdjustment(a) => format!("{} {:+}", a.node, a.delta.value()),
        Event::Correction(c) => format!("correction of seq {}", c.supersedes),
        Event::Acknowledgement(a) => format!("acknowledgement of {}", a.finding),
    }
}

fn describe_budget(line: &BudgetLine, kind: BudgetKind, amount: Money, date: BizDate) -> String {
    let project = if line.project.is_empty() {
        String::new()
    } else {
        format!("/{}", line.project)
    };
    format!(
        "{} {} 元 on {}/{}{} ({})",
        kind.name(),
        amount,
        line.fund_source.name(),
        line.expense_type.name(),
        project,
        date
    )
}

fn add(a: Money, b: Money, what: &str) -> Result<Money, EvalError> {
    a.checked_add(b).ok_or_else(|| EvalError::Overflow {
        what: what.to_string(),
    })
}

fn sub(a: Money, b: Money, what: &str) -> Result<Money, EvalError> {
    a.checked_sub(b).ok_or_else(|| EvalError::Overflow {
        what: what.to_string(),
    })
}

impl State {
    /// The original entry a correction at `correction_seq` targets.
    fn resolve_slot(&self, correction_seq: Seq, superseded: Seq) -> Result<Seq, EvalError> {
        if superseded >= correction_seq {
            return Err(EvalError::UnknownSuperseded {
                correction_seq,
                superseded,
            });
        }
        match self.slots.get(&superseded) {
            Some(Slot::Correction { slot }) => Ok(*slot),
            Some(_) => Ok(superseded),
            None if self.absent.contains_key(&superseded) => Ok(superseded),
            None => Err(EvalError::UnknownSuperseded {
                correction_seq,
                superseded,
            }),
        }
    }

    /// Records the content of an entry in the state, in the place of `seq`.
    fn put(&mut self, seq: Seq, ev: &Event, corrected_by: Vec<Seq>) -> Result<(), EvalError> {
        self.absent.remove(&seq);
        let by = corrected_by.as_slice();
        let slot = match ev {
            Event::Genesis(g) => {
                self.genesis = Some(ver(seq, by, g.clone()));
                Slot::Genesis
            }
            Event::Grant(_) | Event::Revoke(_) | Event::Correction(_) => Slot::Other(ev.kind()),
            Event::RuleSetAdopted(r) => {
                let parsed = if rules::digest(&r.text) == r.digest {
                    RuleSet::parse(&r.text)
                        .map_err(|source: RulesError| EvalError::RuleSetInvalid { seq, source })
                } else {
                    Err(EvalError::RuleSetDigest { seq })
                };
                self.adoptions.insert(
                    seq,
                    AdoptedRules {
                        seq,
                        corrected_by: corrected_by.clone(),
                        name: r.name.clone(),
                        text: r.text.clone(),
                        digest: r.digest,
                        parsed,
                    },
                );
                // The latest adoption (by seq) is the one in force.
                self.rules = self.adoptions.values().next_back().cloned();
                Slot::RuleSet
            }
            Event::Staffing(s) => {
                self.staffing
                    .entry(s.category.clone())
                    .or_default()
                    .insert(ver(seq, by, s.clone()));
                Slot::Staffing(s.category.clone())
            }
            Event::Budget(b) => {
                let slot = self.add_budget(seq, b, &corrected_by)?;
                if self.lean && corrected_by.is_empty() {
                    // A lean replay reads the event back if a correction ever needs it.
                    return Ok(());
                }
                Slot::Budget(slot)
            }
            Event::IndicatorTarget(t) => {
                self.targets
                    .entry(t.indicator.clone())
                    .or_default()
                    .insert(ver(seq, by, t.clone()));
                Slot::Target(t.indicator.clone())
            }
            Event::IndicatorValue(x) => {
                self.values
                    .entry(x.indicator.clone())
                    .or_default()
                    .insert(ver(seq, by, x.clone()));
                Slot::Value(x.indicator.clone())
            }
            Event::Fact(f) => {
                self.facts
                    .entry(f.key.clone())
                    .or_default()
                    .insert(ver(seq, by, f.clone()));
                Slot::Fact(f.key.clone())
            }
            Event::Evidence(e) => {
                self.evidence.insert(seq, ver(seq, by, e.clone()));
                Slot::Evidence
            }
            Event::Claim(c) => {
                self.claims
                    .entry(c.id.clone())
                    .or_default()
                    .insert(ver(seq, by, c.clone()));
                Slot::Claim(c.id.clone())
            }
            Event::ScoreAdjustment(a) => {
                self.adjustments.insert(seq, ver(seq, by, a.clone()));
                Slot::Adjustment
            }
            Event::Acknowledgement(a) => {
                self.acknowledgements
                    .entry(a.finding.clone())
                    .or_default()
                    .insert(ver(seq, by, a.clone()));
                Slot::Ack(a.finding.clone())
            }
        };
        self.slots.insert(seq, slot);
        Ok(())
    }

    fn add_budget(
        &mut self,
        seq: Seq,
        b: &BudgetEvent,
        corrected_by: &[Seq],
    ) -> Result<BudgetSlot, EvalError> {
        let mut seqs = SeqSet::of(corrected_by.iter().copied());
        seqs.insert(seq);
        let line = self.budget.entry(b.line.clone()).or_default();
        let what = "budget line total";
        match b.kind {
            BudgetKind::Execution => {
                let s = line.payments.entry(b.date).or_default();
                s.amount = add(s.amount, b.amount, what)?;
                s.seqs.extend(&seqs);
            }
            BudgetKind::ExecutionCumulative => {
                line.cumulatives
                    .insert((b.date, seq), (b.amount, seqs.clone()));
            }
            kind => {
                let s = line.by_kind.entry(kind).or_default();
                s.amount = add(s.amount, b.amount, what)?;
                s.seqs.extend(&seqs);
            }
        }
        Ok(BudgetSlot {
            line: b.line.clone(),
            kind: b.kind,
            amount: b.amount,
            date: b.date,
            seqs,
        })
    }

    fn remove_budget(&mut self, seq: Seq, b: &BudgetSlot) -> Result<(), EvalError> {
        let Some(line) = self.budget.get_mut(&b.line) else {
            return Ok(());
        };
        let what = "budget line total";
        let strip = |s: &mut Sum| -> Result<(), EvalError> {
            s.amount = sub(s.amount, b.amount, what)?;
            for q in b.seqs.iter() {
                s.seqs.remove(q);
            }
            Ok(())
        };
        match b.kind {
            BudgetKind::Execution => {
                if let Some(s) = line.payments.get_mut(&b.date) {
                    strip(s)?;
                    if s.seqs.is_empty() {
                        line.payments.remove(&b.date);
                    }
                }
            }
            BudgetKind::ExecutionCumulative => {
                line.cumulatives.remove(&(b.date, seq));
            }
            kind => {
                if let Some(s) = line.by_kind.get_mut(&kind) {
                    strip(s)?;
                }
            }
        }
        Ok(())
    }

    /// Takes the content at `slot` out of the state: its description, its corrections and
    /// where it was.
    fn take(&mut self, slot: Seq) -> Result<Option<Taken>, EvalError> {
        let Some(s) = self.slots.remove(&slot) else {
            return Ok(None);
        };
        fn hist<T>(
            m: &mut BTreeMap<String, History<T>>,
            kind: EventKind,
            key: String,
            slot: Seq,
            d: impl Fn(&T) -> String,
        ) -> Option<Taken> {
            let v = m.get_mut(&key).and_then(|h| h.remove(slot))?;
            Some(Taken {
                description: d(&v.value),
                corrected_by: v.corrected_by,
                place: Place::Key(kind, key),
            })
        }
        let plain = |description: String, corrected_by: Vec<Seq>| Taken {
            description,
            corrected_by,
            place: Place::None,
        };
        Ok(match s {
            Slot::Genesis => self
                .genesis
                .take()
                .map(|g| plain(describe(&Event::Genesis(g.value)), g.corrected_by)),
            Slot::Other(k) => Some(plain(k.name().to_string(), Vec::new())),
            Slot::Correction { .. } => None,
            Slot::RuleSet => {
                let gone = self.adoptions.remove(&slot);
                self.rules = self.adoptions.values().next_back().cloned();
                gone.map(|r| plain(format!("rule set {}", r.name), r.corrected_by))
            }
            Slot::Staffing(k) => hist(&mut self.staffing, EventKind::Staffing, k, slot, |x| {
                describe(&Event::Staffing(x.clone()))
            }),
            Slot::Budget(b) => {
                self.remove_budget(slot, &b)?;
                Some(Taken {
                    description: describe_budget(&b.line, b.kind, b.amount, b.date),
                    corrected_by: b.seqs.iter().filter(|q| *q != slot).collect(),
                    place: Place::Budget(b.line, b.kind, b.date),
                })
            }
            Slot::Target(k) => hist(
                &mut self.targets,
                EventKind::IndicatorTarget,
                k,
                slot,
                |x| describe(&Event::IndicatorTarget(x.clone())),
            ),
            Slot::Value(k) => hist(&mut self.values, EventKind::IndicatorValue, k, slot, |x| {
                describe(&Event::IndicatorValue(x.clone()))
            }),
            Slot::Fact(k) => hist(&mut self.facts, EventKind::Fact, k, slot, |x| {
                describe(&Event::Fact(x.clone()))
            }),
            Slot::Evidence => self
                .evidence
                .remove(&slot)
                .map(|e| plain(describe(&Event::Evidence(e.value)), e.corrected_by)),
            Slot::Claim(k) => hist(&mut self.claims, EventKind::Claim, k, slot, |x| {
                describe(&Event::Claim(x.clone()))
            }),
            Slot::Adjustment => self
                .adjustments
                .remove(&slot)
                .map(|a| plain(describe(&Event::ScoreAdjustment(a.value)), a.corrected_by)),
            Slot::Ack(k) => hist(
                &mut self.acknowledgements,
                EventKind::Acknowledgement,
                k,
                slot,
                |x| describe(&Event::Acknowledgement(x.clone())),
            ),
        })
    }

    /// A retraction is cited by what it changed: the key's history or the budget totals.
    fn note_retraction(&mut self, taken: &Taken, seq: Seq) {
        match &taken.place {
            Place::None => {}
            Place::Key(kind, key) => {
                let r = match kind {
                    EventKind::Fact => self.facts.get_mut(key).map(|h| &mut h.retractions),
                    EventKind::IndicatorValue => {
                        self.values.get_mut(key).map(|h| &mut h.retractions)
                    }
                    EventKind::IndicatorTarget => {
                        self.targets.get_mut(key).map(|h| &mut h.retractions)
                    }
                    EventKind::Claim => self.claims.get_mut(key).map(|h| &mut h.retractions),
                    EventKind::Staffing => self.staffing.get_mut(key).map(|h| &mut h.retractions),
                    EventKind::Acknowledgement => self
                        .acknowledgements
                        .get_mut(key)
                        .map(|h| &mut h.retractions),
                    _ => None,
                };
                if let Some(r) = r {
                    r.push(seq);
                }
            }
            Place::Budget(line, kind, date) => {
                let l = self.budget.entry(line.clone()).or_default();
                match kind {
                    BudgetKind::Execution => l.payments.entry(*date).or_default().seqs.insert(seq),
                    BudgetKind::ExecutionCumulative => {}
                    k => l.by_kind.entry(*k).or_default().seqs.insert(seq),
                }
            }
        }
    }
}

/// What [`State::take`] took out.
struct Taken {
    description: String,
    corrected_by: Vec<Seq>,
    place: Place,
}

enum Place {
    None,
    Key(EventKind, String),
    Budget(BudgetLine, BudgetKind, BizDate),
}
