//! One pass over a ledger file: verify its integrity, replay it, compare the replay with the
//! stored derived state (when replaying to the latest entry), score it, check its claims.
//!
//! Owns: the order of those steps, running the integrity walk and the replay on two threads
//! joined by a bounded channel, and what a caller gets back. Must not: print, or show a
//! score of a ledger that failed verification as if it were sound (callers get both and
//! decide; every renderer marks or refuses unverified numbers).

use crate::eval::snapshot;
use crate::eval::{AsOf, EvalError, Replay, Scorecard, State, score};
use crate::ledger::{Failure, FailureKind, Ledger, LedgerError, Recorded, Verified, open_failure};
use crate::progress::{Progress, Silent};
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
    check_with(path, as_of, tree_sizes, &Silent)
}

/// [`check`], telling `progress` how far the integrity walk has got.
pub fn check_with(
    path: &Path,
    as_of: AsOf,
    tree_sizes: &[u64],
    progress: &dyn Progress,
) -> Result<Checked, LedgerError> {
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
    check_open_with(&ledger, as_of, tree_sizes, progress)
}

/// Entries per message from the integrity walk to the replay.
const CHUNK: usize = 1024;
/// Messages in flight: the walk runs at most this many chunks ahead of the replay, which
/// bounds the memory the two threads hold between them.
const CHUNKS_IN_FLIGHT: usize = 4;

/// [`check`] on an open ledger.
///
/// The integrity walk runs on a second thread and hands the entries that passed their own
/// checks, in seq order and in chunks, through a bounded channel to the replay on this one, so
/// the two overlap. The replay sees exactly what it would see fed from the walk directly: every
/// entry that passed, up to the first integrity failure, and nothing once it has stopped.
pub fn check_open(
    ledger: &Ledger,
    as_of: AsOf,
    tree_sizes: &[u64],
) -> Result<Checked, LedgerError> {
    check_open_with(ledger, as_of, tree_sizes, &Silent)
}

/// [`check_open`], telling `progress` how far the integrity walk has got.
pub fn check_open_with(
    ledger: &Ledger,
    as_of: AsOf,
    tree_sizes: &[u64],
    progress: &dyn Progress,
) -> Result<Checked, LedgerError> {
    let mut all = check_open_points(ledger, &[as_of], tree_sizes, progress)?;
    Ok(all.remove(0))
}

/// [`check_open_with`] for several replay points at once (`diff`'s two): the file is verified
/// once, and every entry that passed is fed to one replay per point. One [`Checked`] per
/// point, in order, each with the same integrity result.
pub fn check_open_points(
    ledger: &Ledger,
    points: &[AsOf],
    tree_sizes: &[u64],
    progress: &dyn Progress,
) -> Result<Vec<Checked>, LedgerError> {
    let (integrity, replays) = std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Recorded>>(CHUNKS_IN_FLIGHT);
        let walk = s.spawn(move || {
            let mut chunk = Vec::with_capacity(CHUNK);
            // Cleared when the replay has stopped listening; the walk goes on to the end.
            let mut listening = true;
            let integrity = ledger.verify_with(
                &mut |r| {
                    if listening {
                        chunk.push(r);
                        if chunk.len() == CHUNK {
                            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                            listening = tx.send(full).is_ok();
                        }
                    }
                },
                tree_sizes,
                progress,
            );
            if listening && !chunk.is_empty() {
                let _ = tx.send(chunk);
            }
            integrity
        });
        let mut replays: Vec<(Replay, Option<EvalError>)> = points
            .iter()
            .map(|p| {
                let replay = Replay::with_lookup(*p, |seq| {
                    ledger.entry(seq).ok().flatten().map(|r| r.entry.event)
                });
                (replay, None)
            })
            .collect();
        // An entry the replay cannot apply is left out and the replay goes on (a later
        // correction may undo it); only a broken order or time stops it.
        'feed: for chunk in &rx {
            for (replay, replay_error) in &mut replays {
                if replay_error.is_some() {
                    continue;
                }
                for r in &chunk {
                    if let Err(e) = replay.apply(r)
                        && !replay.left_out(r.entry.seq)
                    {
                        *replay_error = Some(e);
                        break;
                    }
                }
            }
            if replays.iter().all(|(_, e)| e.is_some()) {
                break 'feed;
            }
        }
        drop(rx);
        let integrity = walk
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (integrity, replays)
    });
    let mut out = Vec::with_capacity(points.len());
    for ((replay, replay_error), as_of) in replays.into_iter().zip(points) {
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
        let integrity = match (integrity.clone(), as_of) {
            (Ok(v), AsOf::Latest) => compare_derived(ledger, state.as_ref().ok()).map(|()| v),
            (other, _) => other,
        };
        let scorecard = state.as_ref().ok().map(score);
        out.push(Checked {
            integrity,
            state,
            faulted,
            scorecard,
            recovery_note: ledger.recovery_note(),
        });
    }
    Ok(out)
}

/// The stored derived state (docs/FORMAT.md "Derived state"), if the file keeps one, matches
/// the tail it was computed at and is, byte for byte, the body of `state`, the replay of every
/// entry (none when the history does not replay: such a ledger keeps no derived state).
fn compare_derived(ledger: &Ledger, state: Option<&State>) -> Result<(), Failure> {
    let failure = |detail: String| Failure {
        seq: None,
        kind: FailureKind::Derived,
        detail,
    };
    let storage = |e: LedgerError| Failure {
        seq: None,
        kind: FailureKind::Corrupt,
        detail: format!("storage: {e}"),
    };
    let stored_days = ledger.derived_days(None).map_err(storage)?;
    let row = match ledger.derived_tail() {
        // Day rows belong to a row's body: without one, nothing reads them.
        Ok(Ok(None)) if stored_days.is_empty() => return Ok(()),
        Ok(Ok(None)) => {
            return Err(failure(format!(
                "table `derived_days` holds {} day rows but there is no derived-state row they belong to; the file was altered; if this is the only failure, `jixiao verify LEDGER --rebuild-derived` rebuilds the derived state from the entries",
                stored_days.len()
            )));
        }
        Ok(Ok(Some(row))) => row,
        Ok(Err(why)) => {
            return Err(failure(format!(
                "table `derived`: {why}; if this is the only failure, `jixiao verify LEDGER --rebuild-derived` rebuilds it from the entries"
            )));
        }
        Err(e) => return Err(storage(e)),
    };
    let differs = || {
        failure(
            "table `derived`: the stored derived state differs from the state replayed from the entries; the file was altered (the next append would have continued from it); if this is the only failure, `jixiao verify LEDGER --rebuild-derived` rebuilds it from the entries".into(),
        )
    };
    let Some(state) = state.filter(|s| s.replay_fault().is_none()) else {
        return Err(failure(
            "table `derived`: a derived state is stored, but the history does not replay, so there can be none; the file was altered".into(),
        ));
    };
    let matches = if snapshot::body_version(&row.body) == Some(snapshot::SNAPSHOT_VERSION_INLINE) {
        // A row an earlier build wrote, every day's seqs inline (and no day rows).
        snapshot::encode_inline(state).is_some_and(|b| b == row.body) && stored_days.is_empty()
    } else {
        snapshot::encode(state).is_some_and(|e| {
            e.body == row.body
                && e.days.len() == stored_days.len()
                && e.days
                    .iter()
                    .zip(&stored_days)
                    .all(|(a, b)| a.0 == *b.0 && a.1 == *b.1)
        })
    };
    if matches { Ok(()) } else { Err(differs()) }
}
