//! Checked appends, as the command line makes them: check the ledger (at its tail against its
//! derived state, or whole when it has none), validate the new events against its history,
//! continue the replay with them, and append them as one signed batch, with the derived state
//! after it, only if the ledger still replays afterwards.
//!
//! A ledger whose history does not replay (an entry that cannot be applied, e.g. a budget sum
//! that overflows, recorded by a bulk load through the unchecked [`Ledger::append`]) still
//! accepts corrections and retractions, so the damage can be undone; nothing else.
//!
//! Owns: whether a batch may be appended. Must not: print, parse input, or relax what
//! [`crate::ledger`] authorises (roles and correction targets are checked there).

use crate::check::check_open_with;
use crate::eval::snapshot::{self, Days, SnapshotError};
use crate::eval::{
    AsOf, EvalError, LineTotals, Replay, Scorecard, SeqSet, State, Sum, score, validate_new_events,
};
use crate::ledger::{
    Appended, DayRows, DerivedRow, ENVELOPE_VERSION, Entry, EntryHash, FailureKind, Ledger,
    LedgerError, Recorded,
};
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
///
/// Its scorecards carry every score and finding, but figures computed from budget sums cite
/// none of the payments behind them: an append reports score changes, and the provenance of a
/// million payments is what would make it cost O(history). `score` and `report` cite them.
#[derive(Debug)]
pub struct Admitted {
    /// Entries in the ledger before the batch.
    pub size: u64,
    /// The scorecard before the batch (none when it did not replay or has no rule set), its
    /// budget sums without their provenance (see [`Admitted`]).
    pub before: Option<Result<Scorecard, EvalError>>,
    /// The scorecard after the batch, as replayed before writing, likewise.
    pub after: Option<Result<Scorecard, EvalError>>,
    /// Why the history did not replay before the batch, if it did not.
    pub was_failing: Option<EvalError>,
    /// Why it still does not replay after the batch, if it does not.
    pub still_failing: Option<EvalError>,
    /// What was written; `None` for a dry run.
    pub appended: Option<Appended>,
}

/// What a batch is checked against: the replayed state of the ledger it extends.
struct Base {
    /// Entries in the ledger.
    size: u64,
    /// Their replay (without the entries that could not be applied, if any).
    state: State,
    /// Why the history does not replay, if it does not.
    was_failing: Option<EvalError>,
    /// Its scorecard, when it replays.
    before: Option<Result<Scorecard, EvalError>>,
}

/// Checks `ledger` and appends `events` signed by `signer` at `recorded_at` (unless
/// `dry_run`), telling `progress` how far verifying the ledger has got when it must.
///
/// A ledger with a derived-state row (docs/FORMAT.md "Derived state") is checked at its tail
/// only ([`Ledger::derived_tail`]) and its replay continues from the row: the cost is that of
/// the batch, not of the history. A ledger without one (an older file, or one last extended
/// by [`Ledger::append`]) is verified and replayed whole, as `verify` does. Either way the
/// batch is written with the derived state after it.
///
/// Refused: a ledger that does not verify, or whose derived state or tail does not match;
/// an event that does not validate ([`validate_new_events`]); an event after which the
/// history would not replay; on a ledger whose history already does not replay, any event
/// that is not a correction or retraction.
pub fn append_checked(
    ledger: &Ledger,
    signer: &SigningKey,
    events: Vec<Event>,
    recorded_at: i64,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Admitted, Refused> {
    let mismatch = |detail: String| LedgerError::DerivedMismatch {
        path: ledger.path().to_path_buf(),
        detail,
    };
    let base = match ledger.derived_tail()? {
        Ok(Some(row)) => continue_from(ledger, &row, &events)?,
        Ok(None) => check_whole(ledger, progress)?,
        Err(why) => return Err(mismatch(why).into()),
    };
    let Base {
        size,
        state,
        was_failing,
        before,
    } = base;
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
    if let Err(inv) = validate_new_events(&state, &events) {
        return Err(Refused::Event {
            index: inv.index,
            message: inv.to_string(),
        });
    }
    let author = KeyId::of(&signer.verifying_key().to_bytes());
    let damage = std::cell::RefCell::new(None);
    let after_state = replay_with(ledger, &state, size, author, recorded_at, &events, &damage);
    if let Some(why) = damage.into_inner() {
        return Err(mismatch(why).into());
    }
    let after_state = after_state?;
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
    let mut after_state = after_state;
    let after = still_failing
        .is_none()
        .then(|| impact_card(&mut after_state));
    // A batch after which a ledger that scored no longer does (an overflow in the sums of
    // scores) is refused like one after which it would not replay; corrections stay accepted
    // so that such a state, if ever reached, can be undone.
    if let (Some(Ok(_)), Some(Err(e))) = (&before, &after)
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
        Some(match snapshot::encode(&after_state) {
            Some(enc) => ledger.append_deriving(
                signer,
                events,
                recorded_at,
                size,
                &enc.body,
                DayRows {
                    rows: &enc.days,
                    all: enc.all_days,
                },
            )?,
            // A history that does not replay keeps no derived state.
            None => ledger.append(signer, events, recorded_at)?,
        })
    };
    Ok(Admitted {
        size,
        before,
        after,
        was_failing,
        still_failing,
        appended,
    })
}

/// The base of a ledger whose derived-state row matched its tail: the state decoded from it
/// (its rule sets re-read from their entries, each checked against its batch's hashes), with
/// the seqs of only the payment days `events` touch read from their day rows.
fn continue_from(ledger: &Ledger, row: &DerivedRow, events: &[Event]) -> Result<Base, Refused> {
    let touched = snapshot::days_touched(events);
    let (want, keys) = match &touched {
        Some(set) => (
            Days::Only(set),
            Some(
                set.iter()
                    .map(|(line, date)| snapshot::day_key(line, *date))
                    .collect::<Vec<_>>(),
            ),
        ),
        None => (Days::All, None),
    };
    let rows = ledger.derived_days(keys.as_deref())?;
    let mut damage = None;
    let decoded = snapshot::decode(
        &row.body,
        &mut |seq| match ledger.entry_against_block(seq) {
            Ok(Ok(r)) => r.map(|r| r.entry.event),
            Ok(Err(why)) => {
                damage.get_or_insert(why);
                None
            }
            Err(e) => {
                damage.get_or_insert(e.to_string());
                None
            }
        },
        &mut |key| Ok(rows.get(key).cloned()),
        want,
    );
    let state = match (decoded, damage) {
        (_, Some(why)) | (Err(SnapshotError(why)), None) => {
            return Err(LedgerError::DerivedMismatch {
                path: ledger.path().to_path_buf(),
                detail: why,
            }
            .into());
        }
        (Ok(state), None) => state,
    };
    let mut state = state;
    let before = Some(impact_card(&mut state));
    Ok(Base {
        size: row.size,
        state,
        was_failing: None,
        before,
    })
}

/// The base of a ledger without a derived-state row: verified and replayed whole.
fn check_whole(ledger: &Ledger, progress: &dyn Progress) -> Result<Base, Refused> {
    let checked = check_open_with(ledger, AsOf::Latest, &[], progress)?;
    let verified = checked
        .integrity
        .as_ref()
        .map_err(|f| LedgerError::Damaged {
            path: ledger.path().to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: f.detail.clone(),
        })?;
    let size = verified.size;
    let (state, was_failing) = match (checked.state, checked.faulted) {
        (Ok(s), _) => (s, None),
        (Err(e), Some(s)) => (s, Some(e)),
        (Err(e), None) => {
            return Err(Refused::Event {
                index: 0,
                message: format!("the ledger's history does not replay: {e}"),
            });
            // (an entry out of order or an unreadable time: verify reports those first)
        }
    };
    let mut state = state;
    let before = checked.scorecard.is_some().then(|| impact_card(&mut state));
    Ok(Base {
        size,
        state,
        was_failing,
        before,
    })
}

/// The scorecard an append reports the impact of its batch with: every score and finding as
/// [`score`] gives them, computed without the provenance of budget sums (which seqs each
/// day's payments are: a million of them on a large ledger, and unions of those sets were most
/// of an append's time). Scores depend on amounts, never on which seqs make them up; the
/// scorecard's budget citations are left empty.
fn impact_card(state: &mut State) -> Result<Scorecard, EvalError> {
    let lean = state
        .budget
        .iter()
        .map(|(line, t)| {
            let bare = |s: &Sum| Sum {
                amount: s.amount,
                seqs: SeqSet::new(),
            };
            let totals = LineTotals {
                by_kind: t.by_kind.iter().map(|(k, s)| (*k, bare(s))).collect(),
                payments: t.payments.iter().map(|(d, s)| (*d, bare(s))).collect(),
                cumulatives: t
                    .cumulatives
                    .iter()
                    .map(|(k, (m, _))| (*k, (*m, SeqSet::new())))
                    .collect(),
            };
            (line.clone(), totals)
        })
        .collect();
    let full = std::mem::replace(&mut state.budget, lean);
    let card = score(state);
    state.budget = full;
    card
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
    damage: &std::cell::RefCell<Option<String>>,
) -> Result<State, Refused> {
    let mut replay = Replay::resume(state.clone(), |seq| {
        if seq > size {
            usize::try_from(seq - size - 1)
                .ok()
                .and_then(|i| events.get(i))
                .cloned()
        } else {
            // An entry read back (a payment a correction takes out) is checked against its
            // batch's hashes: the derived state was checked at the tail only.
            match ledger.entry_against_block(seq) {
                Ok(Ok(r)) => r.map(|r| r.entry.event),
                Ok(Err(why)) => {
                    damage.borrow_mut().get_or_insert(why);
                    None
                }
                Err(e) => {
                    damage.borrow_mut().get_or_insert(e.to_string());
                    None
                }
            }
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

/// Rebuilds the derived state of `ledger` (opened for writing) from its entries: verifies and
/// replays it whole, as `verify` does, and writes the state it reaches (or, for a history that
/// does not replay, removes the row). The way out when an append refuses a derived state that
/// does not match but `verify` finds nothing else wrong. Returns the number of entries.
///
/// Refused (nothing written) if the ledger fails verification for any other reason.
pub fn rebuild_derived(ledger: &Ledger, progress: &dyn Progress) -> Result<u64, Refused> {
    let checked = check_open_with(ledger, AsOf::Latest, &[], progress)?;
    if let Err(f) = &checked.integrity
        && f.kind != FailureKind::Derived
    {
        return Err(LedgerError::Damaged {
            path: ledger.path().to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: format!(
                "{}; the derived state is rebuilt only from a ledger that verifies",
                f.detail
            ),
        }
        .into());
    }
    let (size, enc) = match (&checked.state, &checked.faulted) {
        (Ok(s), _) => (s.last_seq, snapshot::encode(s)),
        (Err(_), Some(s)) => (s.last_seq, None),
        (Err(e), None) => {
            return Err(Refused::Event {
                index: 0,
                message: format!("the ledger's history does not replay: {e}"),
            });
        }
    };
    let size = size.unwrap_or(0);
    ledger.replace_derived(
        size,
        enc.as_ref().map(|e| {
            (
                e.body.as_slice(),
                DayRows {
                    rows: &e.days,
                    all: true,
                },
            )
        }),
    )?;
    Ok(size)
}
