//! The replayed [`State`] of a whole ledger as bytes: the body of the ledger's derived-state
//! row and its day rows (docs/FORMAT.md "Derived state"), so that an append continues the
//! replay from it instead of replaying every entry.
//!
//! Owns: that byte form (postcard of a mirror of the state, versioned, deterministic: maps in
//! key order, seq sets as canonical bytes) and rebuilding a [`State`] from it. The seqs of each
//! day's payments on a line (the part that grows with the ledger) are kept in day rows of
//! their own, each bound to the body by its digest, so that an append reads and writes only
//! the days its batch touches. Rule sets are kept by reference (the seq of the entry holding
//! their text, with its recorded digest) and re-read and re-parsed through the caller's
//! lookup. Layout 1 (every day's seqs inline) is still read, and encoded for `verify` to
//! compare. Must not: open the ledger, or be trusted: `verify` encodes its own replay and
//! compares the bytes.

use super::replay::{AdoptedRules, AsOf, CorrectionRecord, LineTotals, State, Sum};
use super::seqs::SeqSet;
use super::slots::parse_adopted;
use super::snapshot_parts::{
    CorrS, H, KINDS, RulesRef, Seqs, SlotS, V, hists, hists_back, kind_code, kind_of, rules_ref,
    slot_back, slot_s,
};
use crate::model::{
    Acknowledgement, BizDate, BudgetKind, BudgetLine, Claim, Event, Evidence, Fact, Genesis,
    IndicatorTarget, IndicatorValue, KeyId, Money, RuleSetAdopted, ScoreAdjustment, Seq, Staffing,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use super::snapshot_parts::SnapshotError;

/// Version of the body's layout (its first field): 2, payments' seqs in day rows.
pub const SNAPSHOT_VERSION: u16 = 2;

/// The layout before day rows: every day's seqs inline in the body.
pub const SNAPSHOT_VERSION_INLINE: u16 = 1;

/// blake3 `derive_key` context of a day row's digest (its first 16 bytes are kept).
pub const DAY_DIGEST_CONTEXT: &str = "jixiao derived state v2 day";

/// One day's payments on a line in layout 2: the sum, and the digest of its day row.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct DayS {
    amount: Money,
    digest: [u8; 16],
}

/// A sum with its seqs inline (layout 1's payments; both layouts' other sums).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SumS {
    amount: Money,
    seqs: Seqs,
}

impl SumS {
    fn of(s: &Sum) -> SumS {
        SumS {
            amount: s.amount,
            seqs: Seqs(s.seqs.clone()),
        }
    }
    fn back(self) -> Sum {
        Sum {
            amount: self.amount,
            seqs: self.seqs.0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct LineS<P> {
    by_kind: BTreeMap<BudgetKind, SumS>,
    payments: BTreeMap<BizDate, P>,
    cumulatives: BTreeMap<(BizDate, Seq), (Money, Seqs)>,
}

/// The body: every field of [`State`] but the parsed rule sets (kept by reference), the
/// replay point (always the latest) and the faults (a state with faults has no body). `P` is
/// a day's payments: [`DayS`] in layout 2, [`SumS`] in layout 1.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Snap<P> {
    version: u16,
    last_seq: Option<Seq>,
    genesis: Option<V<Genesis>>,
    rules: Option<RulesRef>,
    staffing: BTreeMap<String, H<Staffing>>,
    budget: BTreeMap<BudgetLine, LineS<P>>,
    targets: BTreeMap<String, H<IndicatorTarget>>,
    values: BTreeMap<String, H<IndicatorValue>>,
    facts: BTreeMap<String, H<Fact>>,
    evidence: BTreeMap<Seq, V<Evidence>>,
    claims: BTreeMap<String, H<Claim>>,
    adjustments: BTreeMap<Seq, V<ScoreAdjustment>>,
    acknowledgements: BTreeMap<String, H<Acknowledgement>>,
    corrections: Vec<CorrS>,
    slots: BTreeMap<Seq, SlotS>,
    adoptions: BTreeMap<Seq, RulesRef>,
    absent: BTreeMap<Seq, u8>,
    current: (i64, KeyId),
}

/// The key of a day row: postcard of (line, date).
#[must_use]
pub fn day_key(line: &BudgetLine, date: BizDate) -> Vec<u8> {
    postcard::to_allocvec(&(line, date)).unwrap_or_default()
}

/// The digest binding a day row to the body: the first 16 bytes of
/// `derive_key(DAY_DIGEST_CONTEXT, len(key) u32 LE ‖ key ‖ value)`.
#[must_use]
pub fn day_digest(key: &[u8], value: &[u8]) -> [u8; 16] {
    let mut h = blake3::Hasher::new_derive_key(DAY_DIGEST_CONTEXT);
    h.update(&u32::try_from(key.len()).unwrap_or(u32::MAX).to_le_bytes());
    h.update(key);
    h.update(value);
    let mut out = [0; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

/// A state as stored: the body, and the day rows to write with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The body (layout [`SNAPSHOT_VERSION`]).
    pub body: Vec<u8>,
    /// Day rows (key, canonical seq-set bytes), in key order.
    pub days: Vec<(Vec<u8>, Vec<u8>)>,
    /// `days` are all the rows there are (the stored ones are replaced by them); otherwise
    /// they are the rows of the days the state had loaded, written over the stored ones.
    pub all_days: bool,
}

/// Which day rows [`decode`] reads.
#[derive(Clone, Copy, Debug)]
pub enum Days<'a> {
    /// All of them.
    All,
    /// Only these (line, date) days: the others keep their sums, not their seqs.
    Only(&'a BTreeSet<(BudgetLine, BizDate)>),
}

/// The days a batch of events touches, or `None` if it may touch any (a correction can take
/// out a payment of any day): the payments' (line, date).
#[must_use]
pub fn days_touched(events: &[Event]) -> Option<BTreeSet<(BudgetLine, BizDate)>> {
    let mut out = BTreeSet::new();
    for e in events {
        match e {
            Event::Budget(b) if b.kind == BudgetKind::Execution => {
                out.insert((b.line.clone(), b.date));
            }
            Event::Correction(_) => return None,
            _ => {}
        }
    }
    Some(out)
}

/// The stored form of `state`, the lean replay of a whole ledger
/// ([`super::Replay::with_lookup`] as of [`AsOf::Latest`]), or of one resumed from a body
/// decoded with [`Days::Only`] (then only the loaded days' rows are given). `None` for any
/// other state, for one with entries that could not be applied ([`State::replay_fault`]):
/// such a ledger keeps no derived state and every append to it replays the whole history;
/// and for a state whose unloaded day was changed (the caller named too few days).
#[must_use]
pub fn encode(state: &State) -> Option<Encoded> {
    let mut days = Vec::new();
    let snap = snap_of(state, &mut |line, date, s| {
        if let Some(digest) = state.unloaded.get(&(line.clone(), *date)) {
            // A day not loaded keeps its seqs' row; a seq added to it means it was touched.
            return s.seqs.is_empty().then_some(DayS {
                amount: s.amount,
                digest: *digest,
            });
        }
        let key = day_key(line, *date);
        let value = s.seqs.canonical_bytes();
        let digest = day_digest(&key, &value);
        days.push((key, value));
        Some(DayS {
            amount: s.amount,
            digest,
        })
    })?;
    let body = postcard::to_allocvec(&Snap {
        version: SNAPSHOT_VERSION,
        ..snap
    })
    .ok()?;
    days.sort_unstable();
    Some(Encoded {
        body,
        days,
        all_days: state.unloaded.is_empty(),
    })
}

/// The body of `state` in layout 1 (every day's seqs inline), for comparing with a row an
/// earlier build wrote. `None` as for [`encode`], and for a state with unloaded days.
#[must_use]
pub fn encode_inline(state: &State) -> Option<Vec<u8>> {
    if !state.unloaded.is_empty() {
        return None;
    }
    let snap = snap_of(state, &mut |_, _, s| Some(SumS::of(s)))?;
    postcard::to_allocvec(&Snap {
        version: SNAPSHOT_VERSION_INLINE,
        ..snap
    })
    .ok()
}

/// The layout version a body says it has.
#[must_use]
pub fn body_version(body: &[u8]) -> Option<u16> {
    body.first().map(|&b| u16::from(b))
}

fn snap_of<P>(
    state: &State,
    day: &mut dyn FnMut(&BudgetLine, &BizDate, &Sum) -> Option<P>,
) -> Option<Snap<P>> {
    let State {
        as_of,
        last_seq,
        genesis,
        rules,
        staffing,
        budget,
        targets,
        values,
        facts,
        evidence,
        claims,
        adjustments,
        acknowledgements,
        corrections,
        slots,
        adoptions,
        absent,
        lean,
        current,
        faults,
        // Warnings only, recomputed by a whole replay (docs/TIME.md): not kept.
        duplicate_payments: _,
        unloaded: _,
    } = state;
    if *as_of != AsOf::Latest || !*lean || !faults.is_empty() {
        return None;
    }
    let mut corr = Vec::with_capacity(corrections.len());
    for c in corrections {
        let kind = KINDS.iter().find(|k| k.name() == c.kind)?;
        corr.push(CorrS {
            correction_seq: c.correction_seq,
            superseded: c.superseded,
            slot: c.slot,
            kind: kind_code(*kind),
            reason: c.reason.clone(),
            old_value: c.old_value.clone(),
            new_value: c.new_value.clone(),
        });
    }
    let mut lines = BTreeMap::new();
    for (line, t) in budget {
        let mut payments = BTreeMap::new();
        for (d, s) in &t.payments {
            payments.insert(*d, day(line, d, s)?);
        }
        let l = LineS {
            by_kind: t.by_kind.iter().map(|(k, s)| (*k, SumS::of(s))).collect(),
            payments,
            cumulatives: t
                .cumulatives
                .iter()
                .map(|(k, (m, s))| (*k, (*m, Seqs(s.clone()))))
                .collect(),
        };
        lines.insert(line.clone(), l);
    }
    Some(Snap {
        version: 0,
        last_seq: *last_seq,
        genesis: genesis.as_ref().map(V::of),
        rules: rules.as_ref().map(rules_ref),
        staffing: hists(staffing),
        budget: lines,
        targets: hists(targets),
        values: hists(values),
        facts: hists(facts),
        evidence: evidence.iter().map(|(k, v)| (*k, V::of(v))).collect(),
        claims: hists(claims),
        adjustments: adjustments.iter().map(|(k, v)| (*k, V::of(v))).collect(),
        acknowledgements: hists(acknowledgements),
        corrections: corr,
        slots: slots.iter().map(|(k, s)| (*k, slot_s(s))).collect(),
        adoptions: adoptions.iter().map(|(k, r)| (*k, rules_ref(r))).collect(),
        absent: absent.iter().map(|(k, v)| (*k, kind_code(*v))).collect(),
        current: *current,
    })
}

/// Reads a day row by key: `Ok(None)` if there is none, `Err` if it cannot be read.
pub type DayLookup<'a> = dyn FnMut(&[u8]) -> Result<Option<Vec<u8>>, String> + 'a;

/// The state a body stands for. `lookup(seq)` reads the event stored at a seq (the rule
/// sets' texts are re-read through it and must carry the digests the body records);
/// `day(key)` reads a day row, for the days `want` names (layout 2; a layout-1 body holds
/// every day's seqs itself), each checked against the digest the body records.
pub fn decode(
    body: &[u8],
    lookup: &mut dyn FnMut(Seq) -> Option<Event>,
    day: &mut DayLookup<'_>,
    want: Days<'_>,
) -> Result<State, SnapshotError> {
    match body_version(body) {
        Some(SNAPSHOT_VERSION) => {
            let snap: Snap<DayS> = take(body, SNAPSHOT_VERSION)?;
            let mut unloaded = BTreeMap::new();
            let mut days = |line: &BudgetLine, date: BizDate, d: DayS| {
                let wanted = match want {
                    Days::All => true,
                    Days::Only(set) => set.contains(&(line.clone(), date)),
                };
                if !wanted {
                    unloaded.insert((line.clone(), date), d.digest);
                    return Ok(Sum {
                        amount: d.amount,
                        seqs: SeqSet::new(),
                    });
                }
                let key = day_key(line, date);
                let value = day(&key).map_err(SnapshotError)?.ok_or_else(|| {
                    SnapshotError(format!(
                        "the day row of {} on {date} is missing",
                        line.path()
                    ))
                })?;
                let seqs = SeqSet::from_canonical_bytes(&value)
                    .filter(|_| day_digest(&key, &value) == d.digest)
                    .ok_or_else(|| {
                        SnapshotError(format!(
                            "the day row of {} on {date} differs from the one the derived state was computed with",
                            line.path()
                        ))
                    })?;
                Ok(Sum {
                    amount: d.amount,
                    seqs,
                })
            };
            let mut state = state_of(snap, lookup, &mut days)?;
            state.unloaded = unloaded;
            Ok(state)
        }
        Some(SNAPSHOT_VERSION_INLINE) => {
            let snap: Snap<SumS> = take(body, SNAPSHOT_VERSION_INLINE)?;
            state_of(snap, lookup, &mut |_, _, s| Ok(s.back()))
        }
        v => Err(SnapshotError(format!(
            "a derived state of layout {v:?}; this build reads {SNAPSHOT_VERSION_INLINE} and {SNAPSHOT_VERSION}"
        ))),
    }
}

fn take<P: for<'de> Deserialize<'de>>(body: &[u8], version: u16) -> Result<Snap<P>, SnapshotError> {
    let (snap, rest): (Snap<P>, &[u8]) = postcard::take_from_bytes(body)
        .map_err(|e| SnapshotError(format!("the derived state does not decode: {e}")))?;
    if !rest.is_empty() || snap.version != version {
        return Err(SnapshotError(
            "the derived state has bytes after its end".into(),
        ));
    }
    Ok(snap)
}

type DayBack<'a, P> = dyn FnMut(&BudgetLine, BizDate, P) -> Result<Sum, SnapshotError> + 'a;

fn state_of<P>(
    snap: Snap<P>,
    lookup: &mut dyn FnMut(Seq) -> Option<Event>,
    day: &mut DayBack<'_, P>,
) -> Result<State, SnapshotError> {
    let mut adopted = |r: RulesRef| -> Result<AdoptedRules, SnapshotError> {
        let text_of = |e: Event| -> Option<RuleSetAdopted> {
            match e {
                Event::RuleSetAdopted(a) => Some(a),
                Event::Correction(c) => match c.replacement.map(|b| *b) {
                    Some(Event::RuleSetAdopted(a)) => Some(a),
                    _ => None,
                },
                _ => None,
            }
        };
        let a = lookup(r.source).and_then(text_of).ok_or_else(|| {
            SnapshotError(format!(
                "entry {} holds no rule set, but the derived state says it does",
                r.source
            ))
        })?;
        if a.digest != r.digest || (crate::rules::digest(&a.text) == a.digest) != r.text_matches {
            return Err(SnapshotError(format!(
                "the rule set of entry {} differs from the one the derived state was computed with",
                r.source
            )));
        }
        Ok(AdoptedRules {
            seq: r.seq,
            corrected_by: r.corrected_by,
            parsed: parse_adopted(r.seq, &a),
            name: a.name,
            text: a.text,
            digest: a.digest,
            recorded_at: r.recorded_at,
            author: r.author,
        })
    };
    let rules = snap.rules.map(&mut adopted).transpose()?;
    let mut adoptions = BTreeMap::new();
    for (k, r) in snap.adoptions {
        adoptions.insert(k, adopted(r)?);
    }
    let mut corrections = Vec::with_capacity(snap.corrections.len());
    for c in snap.corrections {
        corrections.push(CorrectionRecord {
            correction_seq: c.correction_seq,
            superseded: c.superseded,
            slot: c.slot,
            kind: kind_of(c.kind)?.name(),
            reason: c.reason,
            old_value: c.old_value,
            new_value: c.new_value,
        });
    }
    let mut slots = BTreeMap::new();
    for (k, s) in snap.slots {
        slots.insert(k, slot_back(s)?);
    }
    let mut absent = BTreeMap::new();
    for (k, c) in snap.absent {
        absent.insert(k, kind_of(c)?);
    }
    let mut budget = BTreeMap::new();
    for (line, l) in snap.budget {
        let mut payments = BTreeMap::new();
        for (d, p) in l.payments {
            payments.insert(d, day(&line, d, p)?);
        }
        let t = LineTotals {
            by_kind: l.by_kind.into_iter().map(|(k, s)| (k, s.back())).collect(),
            payments,
            cumulatives: l
                .cumulatives
                .into_iter()
                .map(|(k, (m, s))| (k, (m, s.0)))
                .collect(),
        };
        budget.insert(line, t);
    }
    Ok(State {
        as_of: AsOf::Latest,
        last_seq: snap.last_seq,
        genesis: snap.genesis.map(V::back),
        rules,
        staffing: hists_back(snap.staffing),
        budget,
        targets: hists_back(snap.targets),
        values: hists_back(snap.values),
        facts: hists_back(snap.facts),
        evidence: snap
            .evidence
            .into_iter()
            .map(|(k, v)| (k, v.back()))
            .collect(),
        claims: hists_back(snap.claims),
        adjustments: snap
            .adjustments
            .into_iter()
            .map(|(k, v)| (k, v.back()))
            .collect(),
        acknowledgements: hists_back(snap.acknowledgements),
        corrections,
        slots,
        adoptions,
        absent,
        lean: true,
        duplicate_payments: Vec::new(),
        current: snap.current,
        faults: BTreeMap::new(),
        unloaded: BTreeMap::new(),
    })
}

/// The state's body digest, as docs/FORMAT.md's known-answer vector gives it:
/// `blake3::derive_key("jixiao derived state v1 body", body)`.
#[must_use]
pub fn body_digest(body: &[u8]) -> [u8; 32] {
    blake3::derive_key("jixiao derived state v1 body", body)
}
