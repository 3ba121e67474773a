//! Checked appends, as the command line makes them: verify the ledger, validate the new events
//! against its history, replay the history with them, and append them as one signed batch only
//! if the ledger still replays afterwards.
//!
//! A ledger whose history does not replay (an entry that cannot be applied, e.g. a budget sum
//! that overflows, recorded by a bulk load through the unchecked [`Ledger::append`]) still
//! accepts corrections and retractions, so the damage can be undone; nothing else.
//!
//! Owns: whether a batch may be appended. Must not: print, parse input, or relax what
//! [`crate::ledger`] authorises (roles and correction targets are checked there).

use crate::check::check_open_with;
use crate::eval::{AsOf, EvalError, Replay, Scorecard, State, score, validate_new_events};
use crate::ledger::{Appended, ENVELOPE_VERSION, Entry, EntryHash, Ledger, LedgerError, Recorded};
use crate::model::{Event, KeyId};
use crate::progress::Progress;
use ed25519_dalek::SigningKey;

/// Why a batch was not appended. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The ledger cannot be opened, does not verify, or refused the batch (e.g. a role).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// One event of the batch, by its 0-based index; the message names it (`event #N`).
    #[error("{message}")]
    Event {
        /// Position in the batch.
        index: usize,
        /// What is wrong and what to do.
        message: String,
    },
}

/// What an append did, or (dry run) would do.
#[derive(Debug)]
pub struct Admitted {
    /// Entries in the ledger before the batch.
    pub size: u64,
    /// The scorecard before the batch (none when it did not replay or has no rule set).
    pub before: Option<Result<Scorecard, EvalError>>,
    /// The scorecard after the batch, as replayed before writing.
    pub after: Option<Result<Scorecard, EvalError>>,
    /// Why the history did not replay before the batch, if it did not.
    pub was_failing: Option<EvalError>,
    /// Why it still does not replay after the batch, if it does not.
    pub still_failing: Option<EvalError>,
    /// What was written; `None` for a dry run.
    pub appended: Option<Appended>,
}

/// Verifies `ledger`, checks `events` against its history and appends them signed by
/// `signer` at `recorded_at` (unless `dry_run`), telling `progress` how far verifying the
/// ledger has got.
///
/// Refused: a ledger that does not verify; an event that does not validate
/// ([`validate_new_events`]); an event after which the history would not replay; on a ledger
/// whose history already does not replay, any event that is not a correction or retraction.
pub fn append_checked(
    ledger: &Ledger,
    signer: &SigningKey,
    events: Vec<Event>,
    recorded_at: i64,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Admitted, Refused> {
    let before = check_open_with(ledger, AsOf::Latest, &[], progress)?;
    let verified = before
        .integrity
        .as_ref()
        .map_err(|f| LedgerError::Damaged {
            path: ledger.path().to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: f.detail.clone(),
        })?;
    let size = verified.size;
    let (state, was_failing) = match (&before.state, &before.faulted) {
        (Ok(s), _) => (s, None),
        (Err(e), Some(s)) => (s, Some(e.clone())),
        (Err(e), None) => {
            return Err(Refused::Event {
                index: 0,
                message: format!("the ledger's history does not replay: {e}"),
            });
            // (an entry out of order or an unreadable time: verify reports those first)
        }
    };
    if let Some(e) = &was_failing
        && let Some(index) = events
            .iter()
            .position(|ev| !matches!(ev, Event::Correction(_)))
    {
        return Err(Refused::Event {
            index,
            message: format!(
                "event #{}: the ledger's history does not replay ({e}); until it does, only corrections and retractions are accepted (`jixiao correct LEDGER SEQ --retract --reason \"...\"`)",
                index + 1
            ),
        });
    }
    if let Err(inv) = validate_new_events(state, &events) {
        return Err(Refused::Event {
            index: inv.index,
            message: inv.to_string(),
        });
    }
    let author = KeyId::of(&signer.verifying_key().to_bytes());
    let after_state = replay_with(ledger, state, size, author, recorded_at, &events)?;
    let still_failing = after_state.replay_fault().cloned();
    if was_failing.is_none()
        && let Some(e) = &still_failing
    {
        // Not reached: replay_with refuses the event at fault first.
        return Err(Refused::Event {
            index: 0,
            message: format!("event #1: after this batch the history would not replay: {e}"),
        });
    }
    let after = still_failing.is_none().then(|| score(&after_state));
    // A batch after which a ledger that scored no longer does (an overflow in the sums of
    // scores) is refused like one after which it would not replay; corrections stay accepted
    // so that such a state, if ever reached, can be undone.
    if let (Some(Ok(_)), Some(Err(e))) = (&before.scorecard, &after)
        && !events.iter().all(|ev| matches!(ev, Event::Correction(_)))
    {
        return Err(Refused::Event {
            index: events.len().saturating_sub(1),
            message: format!(
                "event #{}: after this batch the score could not be computed: {e}",
                events.len()
            ),
        });
    }
    let appended = if dry_run {
        None
    } else {
        Some(ledger.append(signer, events, recorded_at)?)
    };
    Ok(Admitted {
        size,
        before: before.scorecard,
        after,
        was_failing,
        still_failing,
        appended,
    })
}

/// Continues the replay `state` of the first `size` entries with `events`; an event the
/// replay cannot apply is refused (unless the history already did not replay and the event
/// is a correction: then its own failure is refused, others' are reported after).
fn replay_with(
    ledger: &Ledger,
    state: &State,
    size: u64,
    author: KeyId,
    recorded_at: i64,
    events: &[Event],
) -> Result<State, Refused> {
    let mut replay = Replay::resume(state.clone(), |seq| {
        if seq > size {
            usize::try_from(seq - size - 1)
                .ok()
                .and_then(|i| events.get(i))
                .cloned()
        } else {
            ledger.entry(seq).ok().flatten().map(|r| r.entry.event)
        }
    });
    for (i, e) in events.iter().enumerate() {
        let r = Recorded {
            entry: Entry {
                version: ENVELOPE_VERSION,
                seq: size + 1 + i as u64,
                prev: EntryHash::default(),
                recorded_at,
                author,
                event: e.clone(),
            },
            hash: EntryHash::default(),
        };
        if let Err(err) = replay.apply(&r) {
            return Err(Refused::Event {
                index: i,
                message: format!(
                    "event #{}: after it the history would not replay: {err}",
                    i + 1
                ),
            });
        }
    }
    Ok(replay.finish())
}
