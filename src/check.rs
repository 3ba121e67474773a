//! One pass over a ledger file: verify its integrity, replay it, score it, check its claims.
//!
//! Owns: the order of those steps and what a caller gets back. Must not: print, or show a
//! score of a ledger that failed verification as if it were sound (callers get both and
//! decide; every renderer marks or refuses unverified numbers).

use crate::eval::{AsOf, EvalError, Replay, Scorecard, State, score};
use crate::ledger::{Failure, Ledger, LedgerError, Verified, open_failure};
use std::path::Path;

/// The outcome of [`check`].
#[derive(Debug)]
pub struct Checked {
    /// Integrity: the verified ledger, or its first failure.
    pub integrity: Result<Verified, Failure>,
    /// The replayed state (of the entries that passed), unless replay itself failed: an
    /// entry could not be applied and no later correction undid it
    /// ([`State::replay_fault`]).
    pub state: Result<State, EvalError>,
    /// When `state` is an error because of such entries, the state replayed without them,
    /// which corrections that undo them are appended to.
    pub faulted: Option<State>,
    /// The scorecard with its findings, when the state could be scored.
    pub scorecard: Option<Result<Scorecard, EvalError>>,
    /// Set when the file's last write had been interrupted and opening recovered it (in
    /// memory, for [`check`]): what to tell the user ([`Ledger::recovery_note`]).
    pub recovery_note: Option<String>,
}

impl Checked {
    /// Verified, replayed and scored, with no unacknowledged finding.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.integrity.is_ok()
            && self.state.is_ok()
            && match &self.scorecard {
                Some(Ok(card)) => card.findings.iter().all(|f| f.acknowledged.is_some()),
                Some(Err(EvalError::NoRuleSet)) | None => true,
                Some(Err(_)) => false,
            }
    }
}

/// Verifies, replays as of `as_of` and scores the ledger at `path`, capturing the Merkle root
/// at each of `tree_sizes`. `Err` only for usage and I/O problems (missing file, in use);
/// damaged or foreign files come back as an integrity failure.
pub fn check(path: &Path, as_of: AsOf, tree_sizes: &[u64]) -> Result<Checked, LedgerError> {
    let ledger = match Ledger::open_read(path) {
        Ok(l) => l,
        Err(e) => {
            return match open_failure(&e) {
                Some(f) => Ok(Checked {
                    integrity: Err(f),
                    state: Err(EvalError::NoRuleSet),
                    faulted: None,
                    scorecard: None,
                    recovery_note: None,
                }),
                None => Err(e),
            };
        }
    };
    check_open(&ledger, as_of, tree_sizes)
}

/// [`check`] on an open ledger.
pub fn check_open(
    ledger: &Ledger,
    as_of: AsOf,
    tree_sizes: &[u64],
) -> Result<Checked, LedgerError> {
    let mut replay = Replay::with_lookup(as_of, |seq| {
        ledger.entry(seq).ok().flatten().map(|r| r.entry.event)
    });
    // An entry the replay cannot apply is left out and the replay goes on (a later
    // correction may undo it); only a broken order or time stops it.
    let mut replay_error = None;
    let integrity = ledger.verify_capturing(
        &mut |r| {
            if replay_error.is_none()
                && let Err(e) = replay.apply(r)
                && !replay.left_out(r.entry.seq)
            {
                replay_error = Some(e);
            }
        },
        tree_sizes,
    );
    let (state, faulted) = match replay_error {
        Some(e) => (Err(e), None),
        None => {
            let s = replay.finish();
            match s.replay_fault() {
                Some(e) => (Err(e.clone()), Some(s)),
                None => (Ok(s), None),
            }
        }
    };
    let scorecard = state.as_ref().ok().map(score);
    Ok(Checked {
        integrity,
        state,
        faulted,
        scorecard,
        recovery_note: ledger.recovery_note(),
    })
}
