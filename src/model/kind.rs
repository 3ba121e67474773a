//! The kinds of events: their stable names and the role each needs.
//!
//! Owns: [`EventKind`], the names used in the CLI, JSON and import files, and the role table
//! of docs/FORMAT.md §6. Must not: look inside events (that is `event.rs`).

use super::Role;

/// The kind of an event, for role checks, summaries and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// [`Event::Genesis`](super::Event::Genesis)
    Genesis,
    /// [`Event::Grant`](super::Event::Grant)
    Grant,
    /// [`Event::Revoke`](super::Event::Revoke)
    Revoke,
    /// [`Event::RuleSetAdopted`](super::Event::RuleSetAdopted)
    RuleSetAdopted,
    /// [`Event::Staffing`](super::Event::Staffing)
    Staffing,
    /// [`Event::Budget`](super::Event::Budget)
    Budget,
    /// [`Event::IndicatorTarget`](super::Event::IndicatorTarget)
    IndicatorTarget,
    /// [`Event::IndicatorValue`](super::Event::IndicatorValue)
    IndicatorValue,
    /// [`Event::Fact`](super::Event::Fact)
    Fact,
    /// [`Event::Evidence`](super::Event::Evidence)
    Evidence,
    /// [`Event::Claim`](super::Event::Claim)
    Claim,
    /// [`Event::ScoreAdjustment`](super::Event::ScoreAdjustment)
    ScoreAdjustment,
    /// [`Event::Correction`](super::Event::Correction)
    Correction,
    /// [`Event::Acknowledgement`](super::Event::Acknowledgement)
    Acknowledgement,
}

impl EventKind {
    /// Stable snake-case name (CLI, JSON, import files).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Genesis => "genesis",
            EventKind::Grant => "grant",
            EventKind::Revoke => "revoke",
            EventKind::RuleSetAdopted => "rule_set",
            EventKind::Staffing => "staffing",
            EventKind::Budget => "budget",
            EventKind::IndicatorTarget => "target",
            EventKind::IndicatorValue => "value",
            EventKind::Fact => "fact",
            EventKind::Evidence => "evidence",
            EventKind::Claim => "claim",
            EventKind::ScoreAdjustment => "adjustment",
            EventKind::Correction => "correction",
            EventKind::Acknowledgement => "acknowledgement",
        }
    }

    /// The role an author needs to append an event of this kind.
    ///
    /// A correction needs the role of the kind it replaces (see [`Event::required_role`](super::Event::required_role));
    /// genesis is authorised by being first and naming its author as an admin.
    #[must_use]
    pub fn required_role(self) -> Role {
        match self {
            EventKind::Genesis
            | EventKind::Grant
            | EventKind::Revoke
            | EventKind::RuleSetAdopted => Role::Admin,
            EventKind::Staffing
            | EventKind::Budget
            | EventKind::IndicatorTarget
            | EventKind::IndicatorValue
            | EventKind::Fact
            | EventKind::Evidence
            | EventKind::Claim
            | EventKind::Correction => Role::Recorder,
            EventKind::ScoreAdjustment | EventKind::Acknowledgement => Role::Evaluator,
        }
    }
}
