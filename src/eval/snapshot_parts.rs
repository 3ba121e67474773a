//! The pieces of the derived-state body (docs/FORMAT.md "Derived state") that mirror the
//! replayed state's own types: event kind codes, seq sets as canonical bytes, versioned
//! values and histories, rule sets by reference, slots and corrections.
//!
//! Owns: the byte form of those pieces and their way back. Must not: decide what the body
//! holds or in which order (snapshot.rs), or open the ledger.

use super::replay::{AdoptedRules, BudgetSlot, History, Slot, Versioned};
use super::seqs::SeqSet;
use crate::model::{BizDate, BudgetKind, BudgetLine, EventKind, KeyId, Money, Seq};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Why a body could not be turned back into a state. Any of these means the row does not
/// belong to this ledger: the append is refused and `verify` says more.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SnapshotError(pub String);

/// Every kind, in the order of its code in the body: [`EventKind::ALL`].
pub(super) const KINDS: [EventKind; 14] = EventKind::ALL;

pub(super) fn kind_code(k: EventKind) -> u8 {
    KINDS
        .iter()
        .position(|x| *x == k)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

pub(super) fn kind_of(code: u8) -> Result<EventKind, SnapshotError> {
    KINDS
        .get(usize::from(code))
        .copied()
        .ok_or_else(|| SnapshotError(format!("unknown event kind code {code}")))
}

/// A seq set as its canonical bytes ([`SeqSet::canonical_bytes`]), length-prefixed.
#[derive(Clone, Debug, Default)]
pub(super) struct Seqs(pub(super) SeqSet);

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
pub(super) struct V<T> {
    seq: Seq,
    corrected_by: Vec<Seq>,
    value: T,
}

impl<T: Clone> V<T> {
    pub(super) fn of(v: &Versioned<T>) -> V<T> {
        V {
            seq: v.seq,
            corrected_by: v.corrected_by.clone(),
            value: v.value.clone(),
        }
    }
    pub(super) fn back(self) -> Versioned<T> {
        Versioned {
            seq: self.seq,
            corrected_by: self.corrected_by,
            value: self.value,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct H<T> {
    entries: Vec<V<T>>,
    retractions: Vec<Seq>,
}

pub(super) fn hists<T: Clone>(m: &BTreeMap<String, History<T>>) -> BTreeMap<String, H<T>> {
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

pub(super) fn hists_back<T: Clone>(m: BTreeMap<String, H<T>>) -> BTreeMap<String, History<T>> {
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

/// A rule-set adoption by reference: `source` is the entry holding its text (the adoption, or
/// the correction whose replacement it is), `digest` the digest recorded there and
/// `text_matches` whether the text hashed to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct RulesRef {
    pub(super) seq: Seq,
    pub(super) corrected_by: Vec<Seq>,
    pub(super) source: Seq,
    pub(super) digest: [u8; 32],
    pub(super) text_matches: bool,
    pub(super) recorded_at: i64,
    pub(super) author: KeyId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum SlotS {
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
pub(super) struct CorrS {
    pub(super) correction_seq: Seq,
    pub(super) superseded: Seq,
    pub(super) slot: Seq,
    pub(super) kind: u8,
    pub(super) reason: String,
    pub(super) old_value: Option<String>,
    pub(super) new_value: Option<String>,
}

pub(super) fn rules_ref(r: &AdoptedRules) -> RulesRef {
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

pub(super) fn slot_s(s: &Slot) -> SlotS {
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

pub(super) fn slot_back(s: SlotS) -> Result<Slot, SnapshotError> {
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
