//! Fingerprints of the payments replayed so far, which find a payment recorded twice (same
//! line, date, amount and reason) for the plausibility warnings (`plausible.rs`).
//!
//! Owns: the fingerprint and its map. Must not: decide what is a warning.

use crate::model::{BudgetEvent, BudgetKind, Seq};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Fingerprints of the payments seen so far, to find one recorded twice. Keeps a 64-bit
/// fingerprint (SipHash of line, date, amount and reason) and the seq per payment.
#[derive(Debug, Default)]
pub(super) struct PaymentPrints(HashMap<u64, Seq, BuildHasherDefault<Prehashed>>);

/// The map's keys are fingerprints already: use them as their own hash.
#[derive(Debug, Default)]
pub(super) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold anything else in, for completeness.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl PaymentPrints {
    /// Notes a payment; the seq of an earlier one with the same line, date, amount and reason.
    pub(super) fn seen(&mut self, seq: Seq, b: &BudgetEvent) -> Option<Seq> {
        if b.kind != BudgetKind::Execution {
            return None;
        }
        let mut h = std::hash::DefaultHasher::new();
        (&b.line, b.date, b.amount.fen(), &b.reason).hash(&mut h);
        match self.0.entry(h.finish()) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(seq);
                None
            }
        }
    }
}
