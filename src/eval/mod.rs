//! Evaluation: replays ledger entries into a [`State`] (optionally as the ledger stood at a
//! seq or time, and for the period up to a business date: [`AsOf`]), scores it with the
//! adopted rule set into a [`Scorecard`] whose every figure names the entries it came from,
//! and checks the report's claims into [`Finding`]s.
//!
//! Owns: which recorded value is effective, corrections, recomputation and provenance. Must
//! not: print, open the ledger file, or change what a rule set means.

mod as_of;
mod card;
mod changes;
mod claims;
mod error;
mod extras;
mod faults;
mod orphans;
mod payments;
mod plausible;
mod prints;
mod replay;
mod resolve;
mod resolve_ext;
mod score;
mod seqs;
mod slots;
pub mod snapshot;
mod snapshot_parts;
mod validate;
mod words;

pub use as_of::{KnownAt, rfc3339};
pub use card::{Acknowledged, Finding, FindingKind, scoring_notes};
pub use card::{
    AdoptionRef, AppliedAdjustment, ExtraApplied, GradeInfo, NodeScore, Redistribution,
    RuleSetChange, RuleSetInfo, Scorecard, TargetSource, TargetUsed,
};
pub use changes::score;
pub use claims::check_claims;
pub use error::EvalError;
pub use orphans::orphan_id;
pub use payments::PaymentDay;
pub use plausible::{Warning, WarningKind, warnings};
pub use replay::{
    AdoptedRules, AsOf, CorrectionRecord, History, LineTotals, Lookup, Replay, State, Sum,
    Versioned,
};
pub use seqs::{SeqRanges, SeqSet};
pub use validate::{Invalid, validate_new_events};
pub use words::describe;
