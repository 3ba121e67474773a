//! The replayed [`State`] of a whole ledger as bytes: the body of the ledger's derived-state
//! row (docs/FORMAT.md "Derived state"), so that an append continues the replay from it
//! instead of replaying every entry.
//!
//! Owns: that byte form (postcard of a mirror of the state, versioned, deterministic: maps in
//! key order, seq sets as canonical ranges) and rebuilding a [`State`] from it. Rule sets are
//! kept by reference (the seq of the entry holding their text, with its recorded digest) and
//! re-read and re-parsed through the caller's lookup. Must not: open the ledger, or be trusted:
//! `verify` encodes its own replay and compares the bytes.

use super::replay::{
    AdoptedRules, AsOf, BudgetSlot, CorrectionRecord, History, LineTotals, Slot, State, Sum,
    Versioned,
};
use super::seqs::SeqSet;
use super::slots::parse_adopted;
use crate::model::{
    Acknowledgement, BizDate, BudgetKind, BudgetLine, Claim, Event, EventKind, Evidence, Fact,
    Genesis, IndicatorTarget, IndicatorValue, KeyId, Money, RuleSetAdopted, ScoreAdjustment, Seq,
    Staffing,
};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Version of the body's layout (its first field).
pub const SNAPSHOT_VERSION: u16 = 1;

/// Why a body could not be turned back into a state. Any of these means the row does not
/// belong to this ledger: the append is refused and `verify` says more.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SnapshotError(pub String);

/// Every kind, in the order of its code in the body.
const KINDS: [EventKind; 14] = [
    EventKind::Genesis,
    EventKind::Grant,
    EventKind::Revoke,
    EventKind::RuleSetAdopted,
    EventKind::Staffing,
    EventKind::Budget,
    EventKind::IndicatorTarget,
    EventKind::IndicatorValue,
    EventKind::Fact,
    EventKind::Evidence,
    EventKind::Claim,
    EventKind::ScoreAdjustment,
    EventKind::Correction,
    EventKind::Acknowledgement,
];

fn kind_code(k: EventKind) -> u8 {
    KINDS
        .iter()
        .position(|x| *x == k)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

fn kind_of(code: u8) -> Result<EventKind, SnapshotError> {
    KINDS
        .get(usize::from(code))
        .copied()
        .ok_or_else(|| SnapshotError(format!("unknown event kind code {code}")))
}

/// A seq set as its canonical bytes ([`SeqSet::canonical_bytes`]), length-prefixed.
#[derive(Clone, Debug, Default)]
struct Seqs(SeqSet);

impl Serialize for Seqs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0.canonical_bytes())
    }
}

impl<'de> Deserialize<'de> for Seqs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seqs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Seqs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a seq set's canonical bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Seqs, E> {
                SeqSet::from_canonical_bytes(b)
                    .map(Seqs)
                    .ok_or_else(|| E::custom("a malformed seq set"))
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(self, b: &'de [u8]) -> Result<Seqs, E> {
                self.visit_bytes(b)
            }
        }
        d.deserialize_bytes(V)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct V<T> {
    seq: Seq,
    corrected_by: Vec<Seq>,
    value: T,
}

impl<T: Clone> V<T> {
    fn of(v: &Versioned<T>) -> V<T> {
        V {
            seq: v.seq,
            corrected_by: v.corrected_by.clone(),
            value: v.value.clone(),
        }
    }
    fn back(self) -> Versioned<T> {
        Versioned {
            seq: self.seq,
            corrected_by: self.corrected_by,
            value: self.value,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct H<T> {
    entries: Vec<V<T>>,
    retractions: Vec<Seq>,
}

fn hists<T: Clone>(m: &BTreeMap<String, History<T>>) -> BTreeMap<String, H<T>> {
    m.iter()
        .map(|(k, h)| {
            let h = H {
                entries: h.entries.iter().map(V::of).collect(),
                retractions: h.retractions.clone(),
            };
            (k.clone(), h)
        })
        .collect()
}

fn hists_back<T: Clone>(m: BTreeMap<String, H<T>>) -> BTreeMap<String, History<T>> {
    m.into_iter()
        .map(|(k, h)| {
            let h = History {
                entries: h.entries.into_iter().map(V::back).collect(),
                retractions: h.retractions,
            };
            (k, h)
        })
        .collect()
}

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
struct LineS {
    by_kind: BTreeMap<BudgetKind, SumS>,
    payments: BTreeMap<BizDate, SumS>,
    cumulatives: BTreeMap<(BizDate, Seq), (Money, Seqs)>,
}

/// A rule-set adoption by reference: `source` is the entry holding its text (the adoption, or
/// the correction whose replacement it is), `digest` the digest recorded there and
/// `text_matches` whether the text hashed to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RulesRef {
    seq: Seq,
    corrected_by: Vec<Seq>,
    source: Seq,
    digest: [u8; 32],
    text_matches: bool,
    recorded_at: i64,
    author: KeyId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum SlotS {
    Genesis,
    Other(u8),
    RuleSet,
    Staffing(String),
    Budget {
        line: BudgetLine,
        kind: BudgetKind,
        amount: Money,
        date: BizDate,
        seqs: Seqs,
    },
    Target(String),
    Value(String),
    Fact(String),
    Evidence,
    Claim(String),
    Adjustment,
    Ack(String),
    Correction(Seq),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CorrS {
    correction_seq: Seq,
    superseded: Seq,
    slot: Seq,
    kind: u8,
    reason: String,
    old_value: Option<String>,
    new_value: Option<String>,
}

/// The body: every field of [`State`] but the parsed rule sets (kept by reference), the
/// replay point (always the latest) and the faults (a state with faults has no body).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Snap {
    version: u16,
    last_seq: Option<Seq>,
    genesis: Option<V<Genesis>>,
    rules: Option<RulesRef>,
    staffing: BTreeMap<String, H<Staffing>>,
    budget: BTreeMap<BudgetLine, LineS>,
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

fn rules_ref(r: &AdoptedRules) -> RulesRef {
    RulesRef {
        seq: r.seq,
        corrected_by: r.corrected_by.clone(),
        source: r.corrected_by.last().copied().unwrap_or(r.seq),
        digest: r.digest,
        text_matches: crate::rules::digest(&r.text) == r.digest,
        recorded_at: r.recorded_at,
        author: r.author,
    }
}

fn slot_s(s: &Slot) -> SlotS {
    match s {
        Slot::Genesis => SlotS::Genesis,
        Slot::Other(k) => SlotS::Other(kind_code(*k)),
        Slot::RuleSet => SlotS::RuleSet,
        Slot::Staffing(k) => SlotS::Staffing(k.clone()),
        Slot::Budget(b) => SlotS::Budget {
            line: b.line.clone(),
            kind: b.kind,
            amount: b.amount,
            date: b.date,
            seqs: Seqs(b.seqs.clone()),
        },
        Slot::Target(k) => SlotS::Target(k.clone()),
        Slot::Value(k) => SlotS::Value(k.clone()),
        Slot::Fact(k) => SlotS::Fact(k.clone()),
        Slot::Evidence => SlotS::Evidence,
        Slot::Claim(k) => SlotS::Claim(k.clone()),
        Slot::Adjustment => SlotS::Adjustment,
        Slot::Ack(k) => SlotS::Ack(k.clone()),
        Slot::Correction { slot } => SlotS::Correction(*slot),
    }
}

fn slot_back(s: SlotS) -> Result<Slot, SnapshotError> {
    Ok(match s {
        SlotS::Genesis => Slot::Genesis,
        SlotS::Other(k) => Slot::Other(kind_of(k)?),
        SlotS::RuleSet => Slot::RuleSet,
        SlotS::Staffing(k) => Slot::Staffing(k),
        SlotS::Budget {
            line,
            kind,
            amount,
            date,
            seqs,
        } => Slot::Budget(BudgetSlot {
            line,
            kind,
            amount,
            date,
            seqs: seqs.0,
        }),
        SlotS::Target(k) => Slot::Target(k),
        SlotS::Value(k) => Slot::Value(k),
        SlotS::Fact(k) => Slot::Fact(k),
        SlotS::Evidence => Slot::Evidence,
        SlotS::Claim(k) => Slot::Claim(k),
        SlotS::Adjustment => Slot::Adjustment,
        SlotS::Ack(k) => Slot::Ack(k),
        SlotS::Correction(slot) => Slot::Correction { slot },
    })
}

/// The body for `state`, the lean replay of a whole ledger ([`super::Replay::with_lookup`] as
/// of [`AsOf::Latest`]); `None` for any other state, and for one with entries that could not
/// be applied ([`State::replay_fault`]): such a ledger keeps no derived state and every append
/// to it replays the whole history.
#[must_use]
pub fn encode(state: &State) -> Option<Vec<u8>> {
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
    let snap = Snap {
        version: SNAPSHOT_VERSION,
        last_seq: *last_seq,
        genesis: genesis.as_ref().map(V::of),
        rules: rules.as_ref().map(rules_ref),
        staffing: hists(staffing),
        budget: budget
            .iter()
            .map(|(line, t)| {
                let l = LineS {
                    by_kind: t.by_kind.iter().map(|(k, s)| (*k, SumS::of(s))).collect(),
                    payments: t.payments.iter().map(|(d, s)| (*d, SumS::of(s))).collect(),
                    cumulatives: t
                        .cumulatives
                        .iter()
                        .map(|(k, (m, s))| (*k, (*m, Seqs(s.clone()))))
                        .collect(),
                };
                (line.clone(), l)
            })
            .collect(),
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
    };
    postcard::to_allocvec(&snap).ok()
}

/// The state a body stands for. `lookup(seq)` reads the event stored at a seq (the rule
/// sets' texts are re-read through it and must carry the digests the body records).
pub fn decode(
    body: &[u8],
    lookup: &mut dyn FnMut(Seq) -> Option<Event>,
) -> Result<State, SnapshotError> {
    let version = body.first().copied();
    if version != Some(SNAPSHOT_VERSION as u8) {
        return Err(SnapshotError(format!(
            "a derived state of layout {version:?}; this build reads {SNAPSHOT_VERSION}"
        )));
    }
    let (snap, rest): (Snap, &[u8]) = postcard::take_from_bytes(body)
        .map_err(|e| SnapshotError(format!("the derived state does not decode: {e}")))?;
    if !rest.is_empty() || snap.version != SNAPSHOT_VERSION {
        return Err(SnapshotError(
            "the derived state has bytes after its end".into(),
        ));
    }
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
    let budget = snap
        .budget
        .into_iter()
        .map(|(line, l)| {
            let t = LineTotals {
                by_kind: l.by_kind.into_iter().map(|(k, s)| (k, s.back())).collect(),
                payments: l.payments.into_iter().map(|(d, s)| (d, s.back())).collect(),
                cumulatives: l
                    .cumulatives
                    .into_iter()
                    .map(|(k, (m, s))| (k, (m, s.0)))
                    .collect(),
            };
            (line, t)
        })
        .collect();
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
    })
}

/// The state's body digest, as docs/FORMAT.md's known-answer vector gives it:
/// `blake3::derive_key("jixiao derived state v1 body", body)`.
#[must_use]
pub fn body_digest(body: &[u8]) -> [u8; 32] {
    blake3::derive_key("jixiao derived state v1 body", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(set: &SeqSet) -> SeqSet {
        let b = postcard::to_allocvec(&Seqs(set.clone())).unwrap();
        let (back, rest): (Seqs, _) = postcard::take_from_bytes(&b).unwrap();
        assert!(rest.is_empty());
        back.0
    }

    #[test]
    fn seq_sets_round_trip_through_their_ranges() {
        for set in [
            SeqSet::new(),
            SeqSet::of([0]),
            SeqSet::of([1, 2, 3, 7, 9, 10, 1 << 40]),
            SeqSet::of((0..5000).map(|i| i * 5 + 3)),
        ] {
            let back = round(&set);
            assert_eq!(
                back.ranges().collect::<Vec<_>>(),
                set.ranges().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn equal_sets_built_differently_have_equal_bytes() {
        // Built by ascending inserts, by ranges, by removals and by unions: containers of every
        // kind (arrays, bitmaps, runs after compacting) in the making.
        let mut a = SeqSet::new();
        for q in (0..200_000u64).filter(|q| q % 3 != 0 || *q > 150_000) {
            a.insert(q);
        }
        let mut b = SeqSet::new();
        b.insert_range(0, 199_999);
        for q in (0..=150_000u64).filter(|q| q % 3 == 0) {
            b.remove(q);
        }
        b.compact();
        let mut c = SeqSet::union_of([&SeqSet::of((0..100_000).filter(|q| q % 3 != 0)), &a]);
        c.compact();
        assert_eq!(a.canonical_bytes(), b.canonical_bytes());
        assert_eq!(a.canonical_bytes(), c.canonical_bytes());
        assert_eq!(round(&b).canonical_bytes(), a.canonical_bytes());
        // Not canonical: a chunk with runs, chunks out of order, trailing bytes.
        let mut runs = a.clone();
        runs.compact();
        assert_eq!(runs.canonical_bytes(), a.canonical_bytes());
        let mut bytes = a.canonical_bytes();
        bytes.push(0);
        assert!(SeqSet::from_canonical_bytes(&bytes).is_none());
        assert!(SeqSet::from_canonical_bytes(&[1, 2, 3]).is_none());
    }

    #[test]
    fn every_kind_has_its_own_code() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(usize::from(kind_code(*k)), i);
            assert_eq!(kind_of(kind_code(*k)).unwrap(), *k);
        }
        assert!(kind_of(14).is_err());
    }
}
