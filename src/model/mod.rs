//! The domain vocabulary: events, identifiers, exact money, numbers, dates and roles.
//!
//! Owns: every type that is written into a ledger entry, their validation and their
//! canonical serde shape (postcard on disk). Must not: do I/O, know about storage or scoring.
//!
//! postcard is not self-describing: the order of struct fields and enum variants below *is*
//! the on-disk format (docs/FORMAT.md). Never reorder; add enum variants only at the end;
//! a changed field is a new format version.

mod event;
mod kind;
mod num;
mod replacement;
mod subject;
mod summary;

pub use subject::BUDGET_SUBJECT;

pub use event::{
    Acknowledgement, BudgetEvent, BudgetKind, BudgetLine, Claim, Correction, Direction, Event,
    Evidence, ExpenseType, Fact, FundSource, Genesis, Grant, IndicatorTarget, IndicatorValue,
    Principal, Revoke, RuleSetAdopted, ScoreAdjustment, Staffing,
};
pub use kind::{EventKind, budget_kind_from_input};
pub use num::{BizDate, Money, Number, ParseError};
pub use replacement::may_replace;
pub(crate) use replacement::take_refusal;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Position of an entry in a ledger, starting at 1.
pub type Seq = u64;

/// Identifier of a public key: the first 8 bytes of
/// `blake3::derive_key("jixiao ledger v1 key id", public_key)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// Key id of an Ed25519 public key.
    #[must_use]
    pub fn of(public_key: &[u8; 32]) -> KeyId {
        let full = blake3::derive_key("jixiao ledger v1 key id", public_key);
        let mut id = [0u8; 8];
        id.copy_from_slice(&full[..8]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// What a key may append. A key may hold several roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Grants and revokes roles, adopts rule sets.
    Admin,
    /// Records budget events, staffing, targets, values, facts, evidence, claims, corrections.
    Recorder,
    /// Records score adjustments and acknowledgements of findings.
    Evaluator,
    /// Cosigns checkpoints; appends no events.
    Auditor,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Recorder, Role::Evaluator, Role::Auditor];

    /// The lower-case name used on the command line and in JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Recorder => "recorder",
            Role::Evaluator => "evaluator",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a role name as printed by [`Role::name`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
