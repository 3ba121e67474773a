//! Entries the replay could not apply (a sum that would overflow, a correction that does not
//! fit): they are left out of the [`State`] and named, a later correction of them undoes the
//! fault, and left-out plain events are tried again after each correction.
//!
//! Owns: the bookkeeping of those faults. Must not: decide what an entry does to the state
//! ([`super::slots`]) or the order entries come in ([`super::replay`]).

use super::EvalError;
use super::replay::State;
use crate::model::{Event, Seq};

impl State {
    /// The first entry the replay could not apply (and no later correction undid): while
    /// there is one, the history does not replay and scores are not computed; corrections
    /// and retractions can still be appended to undo it.
    #[must_use]
    pub fn replay_fault(&self) -> Option<&EvalError> {
        self.faults.values().next().map(|f| &f.error)
    }

    /// The seqs of the entries the replay could not apply, ascending.
    pub fn fault_seqs(&self) -> impl Iterator<Item = Seq> + '_ {
        self.faults.keys().copied()
    }

    /// After a correction of the entry at `slot` (naming `named`): faults it undoes go, and
    /// left-out plain events are tried again.
    pub(super) fn corrected(&mut self, slot: Seq, named: Seq) {
        self.faults.retain(|s, f| {
            *s != slot && *s != named && f.named != Some(named) && f.named != Some(slot)
        });
        let retry: Vec<(Seq, Event)> = self
            .faults
            .iter()
            .filter_map(|(s, f)| f.retry.clone().map(|e| (*s, e)))
            .collect();
        for (seq, ev) in retry {
            let kind = ev.kind();
            if self.put(seq, &ev, Vec::new()).is_ok() {
                self.faults.remove(&seq);
            } else {
                self.absent.insert(seq, kind);
            }
        }
    }
}
