//! Replaying ledger entries into a [`State`], optionally at a point of history ([`AsOf`]:
//! the ledger as it stood at a seq or time, the period up to a business date).
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
pub use super::as_of::AsOf;
use super::as_of::{Dating, dating, own_date, statement_date};
use super::prints::PaymentPrints;
use super::seqs::SeqSet;
use super::words::describe;
use crate::ledger::Recorded;
use crate::model::{
    Acknowledgement, BizDate, BudgetKind, BudgetLine, Claim, Event, EventKind, Evidence, Fact,
    Genesis, IndicatorTarget, IndicatorValue, KeyId, Money, ScoreAdjustment, Seq, Staffing,
};
use crate::rules::RuleSet;
use serde::Serialize;
use std::collections::BTreeMap;

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

    pub(super) fn insert(&mut self, v: Versioned<T>) {
        let i = self.entries.partition_point(|e| e.seq < v.seq);
        self.entries.insert(i, v);
    }

    pub(super) fn remove(&mut self, seq: Seq) -> Option<Versioned<T>> {
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
    /// When the entry that put it in force was recorded (Unix seconds; the correction's
    /// time if a correction replaced it).
    pub recorded_at: i64,
    /// Who signed that entry.
    pub author: KeyId,
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
pub(super) enum Slot {
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
pub(super) struct BudgetSlot {
    pub(super) line: BudgetLine,
    pub(super) kind: BudgetKind,
    pub(super) amount: Money,
    pub(super) date: BizDate,
    pub(super) seqs: SeqSet,
}

impl Slot {
    pub(super) fn kind(&self) -> EventKind {
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
    pub(super) slots: BTreeMap<Seq, Slot>,
    /// Every effective rule-set adoption; the last is in force.
    pub(super) adoptions: BTreeMap<Seq, AdoptedRules>,
    /// Entries not in view (excluded by the as-of date, or retracted), with their kinds.
    pub(super) absent: BTreeMap<Seq, EventKind>,
    /// Budget events have no index entry (a lean replay, see [`Replay::with_lookup`]).
    pub(super) lean: bool,
    /// Recorded-at time and author of the entry being applied.
    pub(super) current: (i64, KeyId),
    /// Entries that could not be applied and that no later correction undid, by seq.
    pub(super) faults: BTreeMap<Seq, Fault>,
    /// Payments in view recorded twice: (the first, the repeat), by the repeat's seq.
    pub(super) duplicate_payments: Vec<(Seq, Seq)>,
    /// Days of payments whose seqs were not read from the derived state (an append reads
    /// only the days its batch touches: src/eval/snapshot.rs), with their rows' digests.
    /// Their sums are right, their seq sets empty. Empty for a replayed state.
    pub(super) unloaded: BTreeMap<(BudgetLine, BizDate), [u8; 16]>,
}

/// An entry the replay could not apply. It is left out of the state; a later correction of
/// it (or, for a failed correction, of the entry that correction named) undoes the fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Fault {
    pub(super) error: EvalError,
    /// A plain event, tried again after each later correction (a retraction elsewhere may
    /// make room for it, e.g. on a budget line whose sum overflowed).
    pub(super) retry: Option<Event>,
    /// For a failed correction, the seq it named.
    pub(super) named: Option<Seq>,
}

/// Reads the event recorded at a seq, as stored (for a lean replay).
pub type Lookup<'a> = Box<dyn FnMut(Seq) -> Option<Event> + 'a>;

/// Replays entries, in seq order, into a [`State`].
pub struct Replay<'a> {
    state: State,
    expected: Seq,
    lookup: Option<Lookup<'a>>,
    /// Payments seen, to find one recorded twice (not part of the state: a resumed replay
    /// finds repeats among the entries it applies only).
    prints: PaymentPrints,
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
            prints: PaymentPrints::default(),
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
                current: (0, KeyId([0; 8])),
                faults: BTreeMap::new(),
                duplicate_payments: Vec::new(),
                unloaded: BTreeMap::new(),
            },
            expected: 1,
            lookup,
            prints: PaymentPrints::default(),
        }
    }

    /// Applies the next entry. Entries after the replay point are skipped (but must still
    /// come in order).
    ///
    /// An entry that cannot be applied (a sum that would overflow, a correction that does
    /// not fit) returns its error and is left out: the state is as before it, the replay can
    /// go on, and [`State::replay_fault`] reports it until a later correction undoes it.
    /// Entries out of order and unreadable times are not left out: the replay must stop.
    pub fn apply(&mut self, r: &Recorded) -> Result<(), EvalError> {
        let seq = r.entry.seq;
        if seq != self.expected {
            return Err(EvalError::OutOfOrder {
                seq,
                expected: self.expected,
            });
        }
        self.expected = seq.saturating_add(1);
        let recorded_on = recorded_date(seq, r.entry.recorded_at)?;
        if !self.state.as_of.knows(seq, r.entry.recorded_at) {
            return Ok(());
        }
        self.state.current = (r.entry.recorded_at, r.entry.author);
        // A correction touching budget sums may fail half-way; it is undone from a copy.
        // (Other corrections fail, if at all, before they change anything.)
        let backup = match &r.entry.event {
            Event::Correction(c) if self.state.may_touch_budget(c) => Some(self.state.clone()),
            _ => None,
        };
        match self.apply_entry(r, recorded_on) {
            Ok(Some((slot, named))) => {
                self.state.corrected(slot, named);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                if let Some(b) = backup {
                    self.state = b;
                }
                let error = match e {
                    EvalError::Overflow { what } => EvalError::EntryOverflow { seq, what },
                    e => e,
                };
                let ev = &r.entry.event;
                let (retry, named) = match ev {
                    Event::Correction(c) => (None, Some(c.supersedes)),
                    e => (Some(e.clone()), None),
                };
                let st = &mut self.state;
                st.last_seq = Some(seq);
                st.absent.insert(seq, ev.kind());
                st.faults.insert(
                    seq,
                    Fault {
                        error: error.clone(),
                        retry,
                        named,
                    },
                );
                Err(error)
            }
        }
    }

    /// Applies one entry within the replay point; for a correction, the slot it corrected
    /// and the seq it named.
    fn apply_entry(
        &mut self,
        r: &Recorded,
        recorded_on: BizDate,
    ) -> Result<Option<(Seq, Seq)>, EvalError> {
        let seq = r.entry.seq;
        let st = &mut self.state;
        st.last_seq = Some(seq);
        let limit = st.as_of.date();
        // A statement (claim, adjustment, ...) recorded now speaks of the period up to this
        // date; one recorded after the fiscal year, of the whole year.
        let stated_on = statement_date(recorded_on, st.genesis.as_ref().map(|g| g.value.year));
        let in_view = |ev: &Event| -> bool {
            limit.is_none_or(|d| match dating(ev.kind()) {
                Dating::Own => own_date(ev).is_none_or(|x| x <= d),
                Dating::Statement => stated_on <= d,
                Dating::Always => true,
            })
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
                // A correction of a statement counts as a statement; one of dated data or of
                // the ledger's own events always applies.
                let statement = match &c.replacement {
                    Some(rep) => dating(rep.kind()) == Dating::Statement,
                    None => dating(target_kind) == Dating::Statement,
                };
                if statement && limit.is_some_and(|d| stated_on > d) {
                    // Not in view, but a later correction of this one targets the same place.
                    st.slots.insert(seq, Slot::Correction { slot: target });
                    return Ok(None);
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
                Ok(Some((target, c.supersedes)))
            }
            ev if in_view(ev) => {
                st.put(seq, ev, Vec::new())?;
                if let Event::Budget(b) = ev {
                    self.prints.note(seq, b);
                }
                Ok(None)
            }
            Event::Budget(_) if st.lean => Ok(None),
            ev => {
                st.absent.insert(seq, ev.kind());
                Ok(None)
            }
        }
    }

    /// After [`Replay::apply`] failed on `seq`: was the entry left out, so the replay can go
    /// on? (No for an entry out of order or an unreadable time.)
    #[must_use]
    pub fn left_out(&self, seq: Seq) -> bool {
        self.state.faults.contains_key(&seq)
    }

    /// The replayed state.
    #[must_use]
    pub fn finish(self) -> State {
        let mut state = self.state;
        // A resumed replay's repeats come after those of the state it resumed.
        state.duplicate_payments.extend(self.prints.repeats());
        state
    }
}

fn recorded_date(seq: Seq, recorded_at: i64) -> Result<BizDate, EvalError> {
    time::OffsetDateTime::from_unix_timestamp(recorded_at)
        .map(|t| BizDate(t.date()))
        .map_err(|_| EvalError::BadRecordedAt { seq, recorded_at })
}
