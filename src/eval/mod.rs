//! Evaluation: replays ledger entries into a [`State`] (optionally as of a seq or a business
//! date), scores it with the adopted rule set into a [`Scorecard`] whose every figure names
//! the entries it came from, and checks the report's claims into [`Finding`]s.
//!
//! Owns: which recorded value is effective, corrections, recomputation and provenance. Must
//! not: print, open the ledger file, or change what a rule set means.

mod changes;
mod claims;
mod error;
mod faults;
mod replay;
mod resolve;
mod score;
mod seqs;
mod slots;
mod validate;

pub use changes::{AdoptionRef, RuleSetChange, orphan_id};
pub use claims::{Acknowledged, Finding, FindingKind, check_claims};
pub use error::EvalError;
pub use replay::{
    AdoptedRules, AsOf, CorrectionRecord, History, LineTotals, Lookup, Replay, State, Sum,
    Versioned,
};
pub use score::{
    AppliedAdjustment, GradeInfo, NodeScore, RuleSetInfo, Scorecard, TargetSource, TargetUsed,
    score,
};
pub use seqs::SeqSet;
pub use slots::describe;
pub use validate::{Invalid, validate_new_events};
