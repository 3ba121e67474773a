//! Where each replayed entry's content lives in the [`State`], and the bookkeeping that puts it
//! there and takes it out again: histories by key, budget sums by line, kind and day, rule-set
//! adoptions, retraction notes, and the words the correction trail uses for an event.
//!
//! Owns: the effect of one entry on the state and its undoing. Must not: decide the order of
//! entries or which are in view (that is [`super::replay`]), read the ledger, or score.

use super::EvalError;
use super::replay::{AdoptedRules, BudgetSlot, History, LineTotals, Slot, State, Sum, Versioned};
use super::seqs::SeqSet;
use super::words::{describe, describe_budget};
use crate::model::{BizDate, BudgetEvent, BudgetKind, BudgetLine, Event, EventKind, Money, Seq};
use crate::rules::{self, RuleSet, RulesError};
use std::collections::BTreeMap;

pub(super) fn ver<T>(seq: Seq, corrected_by: &[Seq], value: T) -> Versioned<T> {
    Versioned {
        seq,
        corrected_by: corrected_by.to_vec(),
        value,
    }
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

/// The rule set an adoption in the place of `seq` puts in force, or why it cannot.
pub(super) fn parse_adopted(
    seq: Seq,
    r: &crate::model::RuleSetAdopted,
) -> Result<RuleSet, EvalError> {
    if rules::digest(&r.text) == r.digest {
        RuleSet::parse(&r.text)
            .map_err(|source: RulesError| EvalError::RuleSetInvalid { seq, source })
    } else {
        Err(EvalError::RuleSetDigest { seq })
    }
}

impl LineTotals {
    /// Executed on this line as of a date (or overall): the latest cumulative figure at or
    /// before the date, plus payments dated after it (and at or before the date).
    pub fn executed(&self, as_of: Option<BizDate>) -> Result<Sum, EvalError> {
        let upto = |d: &BizDate| as_of.is_none_or(|a| *d <= a);
        let cum = self.cumulatives.iter().rev().find(|((d, _), _)| upto(d));
        let mut out = Sum::default();
        let mut parts = Vec::new();
        let after = cum.map(|((d, _), (m, seqs))| {
            out.amount = *m;
            parts.push(seqs);
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
            parts.push(&s.seqs);
        }
        // One union of every day's seqs: extending by each day in turn re-copies the growing
        // set each time, which on a million payments made scoring most of an append's time.
        out.seqs = SeqSet::union_of(parts);
        Ok(out)
    }
}

impl State {
    /// Could applying `c` change budget sums? Yes unless it replaces with a non-budget event
    /// or retracts an entry known not to be a budget event.
    pub(super) fn may_touch_budget(&self, c: &crate::model::Correction) -> bool {
        if let Some(rep) = &c.replacement {
            return matches!(**rep, Event::Budget(_));
        }
        let slot = match self.slots.get(&c.supersedes) {
            Some(Slot::Correction { slot }) => *slot,
            _ => c.supersedes,
        };
        match self.slots.get(&slot) {
            Some(Slot::Budget(_)) | None => true,
            Some(_) => false,
        }
    }

    /// Every effective rule-set adoption, by seq; the last is in force.
    pub fn adoptions(&self) -> impl DoubleEndedIterator<Item = &AdoptedRules> {
        self.adoptions.values()
    }

    /// The original entry a correction at `correction_seq` targets.
    pub(super) fn resolve_slot(
        &self,
        correction_seq: Seq,
        superseded: Seq,
    ) -> Result<Seq, EvalError> {
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
    pub(super) fn put(
        &mut self,
        seq: Seq,
        ev: &Event,
        corrected_by: Vec<Seq>,
    ) -> Result<(), EvalError> {
        self.absent.remove(&seq);
        let by = corrected_by.as_slice();
        let slot = match ev {
            Event::Genesis(g) => {
                self.genesis = Some(ver(seq, by, g.clone()));
                Slot::Genesis
            }
            Event::Grant(_) | Event::Revoke(_) | Event::Correction(_) => Slot::Other(ev.kind()),
            Event::RuleSetAdopted(r) => {
                let parsed = parse_adopted(seq, r);
                self.adoptions.insert(
                    seq,
                    AdoptedRules {
                        seq,
                        corrected_by: corrected_by.clone(),
                        name: r.name.clone(),
                        text: r.text.clone(),
                        digest: r.digest,
                        parsed,
                        recorded_at: self.current.0,
                        author: self.current.1,
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
                // A lean replay keeps nothing per payment but its seq in the sums it is in,
                // and reads the event back if a correction ever needs it.
                let keep = !(self.lean && corrected_by.is_empty());
                match self.add_budget(seq, b, &corrected_by, keep)? {
                    Some(slot) => Slot::Budget(slot),
                    None => return Ok(()),
                }
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

    /// Adds a budget event to its line's sums; its slot (what a correction takes out again)
    /// if `keep`.
    fn add_budget(
        &mut self,
        seq: Seq,
        b: &BudgetEvent,
        corrected_by: &[Seq],
        keep: bool,
    ) -> Result<Option<BudgetSlot>, EvalError> {
        let add_seqs = |set: &mut SeqSet| {
            set.insert(seq);
            for q in corrected_by {
                set.insert(*q);
            }
        };
        let what = "budget line total";
        // The new sum is computed before anything changes, so an overflow leaves no trace. A
        // line seen before is found with one lookup and not cloned (this runs per payment).
        let mut fresh = None;
        let line = match self.budget.get_mut(&b.line) {
            Some(l) => l,
            None => fresh.insert(LineTotals::default()),
        };
        match b.kind {
            BudgetKind::Execution => {
                let current = line.payments.get(&b.date).map_or(Money::ZERO, |s| s.amount);
                let total = add(current, b.amount, what)?;
                let s = line.payments.entry(b.date).or_default();
                s.amount = total;
                add_seqs(&mut s.seqs);
            }
            BudgetKind::ExecutionCumulative => {
                let mut seqs = SeqSet::new();
                add_seqs(&mut seqs);
                line.cumulatives.insert((b.date, seq), (b.amount, seqs));
            }
            kind => {
                let current = line.by_kind.get(&kind).map_or(Money::ZERO, |s| s.amount);
                let total = add(current, b.amount, what)?;
                let s = line.by_kind.entry(kind).or_default();
                s.amount = total;
                add_seqs(&mut s.seqs);
            }
        }
        if let Some(l) = fresh {
            self.budget.insert(b.line.clone(), l);
        }
        Ok(keep.then(|| {
            let mut seqs = SeqSet::new();
            add_seqs(&mut seqs);
            BudgetSlot {
                line: b.line.clone(),
                kind: b.kind,
                amount: b.amount,
                date: b.date,
                seqs,
            }
        }))
    }

    fn remove_budget(&mut self, seq: Seq, b: &BudgetSlot) -> Result<(), EvalError> {
        let Some(line) = self.budget.get_mut(&b.line) else {
            return Ok(());
        };
        let what = "budget line total";
        let strip = |s: &mut Sum| -> Result<(), EvalError> {
            s.amount = sub(s.amount, b.amount, what)?;
            s.seqs.subtract(&b.seqs);
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
    pub(super) fn take(&mut self, slot: Seq) -> Result<Option<Taken>, EvalError> {
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
    pub(super) fn note_retraction(&mut self, taken: &Taken, seq: Seq) {
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
pub(super) struct Taken {
    pub(super) description: String,
    pub(super) corrected_by: Vec<Seq>,
    pub(super) place: Place,
}

pub(super) enum Place {
    None,
    Key(EventKind, String),
    Budget(BudgetLine, BudgetKind, BizDate),
}
