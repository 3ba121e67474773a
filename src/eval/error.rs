//! Errors of replay and scoring. Each names the seq, node or reference it is about and what
//! to do.

use crate::model::Seq;
use crate::rules::{MethodError, RulesError};

/// Why a replay or a score could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// Entries must be applied in seq order without gaps.
    #[error("{}", crate::messages::text("eval.out_of_order", &[("seq", &seq), ("expected", &expected)]))]
    OutOfOrder {
        /// The seq applied.
        seq: Seq,
        /// The seq expected next.
        expected: Seq,
    },
    /// The recorded-at time is not a representable date.
    #[error("{}", crate::messages::text("eval.bad_recorded_at", &[("seq", &seq), ("recorded_at", &recorded_at)]))]
    BadRecordedAt {
        /// The entry.
        seq: Seq,
        /// The stored value.
        recorded_at: i64,
    },
    /// A correction names a seq that was never recorded before it.
    #[error("{}", crate::messages::text("eval.unknown_superseded", &[("correction_seq", &correction_seq), ("superseded", &superseded)]))]
    UnknownSuperseded {
        /// The correction.
        correction_seq: Seq,
        /// The seq it names.
        superseded: Seq,
    },
    /// A correction's replacement is not of the superseded entry's kind.
    #[error("{}", crate::messages::text("eval.correction_kind_mismatch", &[("correction_seq", &correction_seq), ("superseded", &superseded), ("superseded_kind", &superseded_kind), ("replacement_kind", &replacement_kind)]))]
    CorrectionKindMismatch {
        /// The correction.
        correction_seq: Seq,
        /// The superseded seq.
        superseded: Seq,
        /// Kind of the superseded entry.
        superseded_kind: &'static str,
        /// Kind of the replacement.
        replacement_kind: &'static str,
    },
    /// No rule set has been adopted (as of the point replayed).
    #[error("{}", crate::messages::text("eval.no_rule_set", &[]))]
    NoRuleSet,
    /// The adopted rule set does not parse.
    #[error("{}", crate::messages::text("eval.rule_set_invalid", &[("seq", &seq), ("source", &source)]))]
    RuleSetInvalid {
        /// The adoption entry.
        seq: Seq,
        /// What is wrong with the text.
        source: RulesError,
    },
    /// The recorded digest does not match the rule-set text.
    #[error("{}", crate::messages::text("eval.rule_set_digest", &[("seq", &seq)]))]
    RuleSetDigest {
        /// The adoption entry.
        seq: Seq,
    },
    /// A reference has no recorded value.
    #[error("{}", crate::messages::text("eval.no_value", &[("reference", &reference), ("needed_by", &needed_by)]))]
    NoValue {
        /// The reference.
        reference: String,
        /// The node, derivation or claim that needs it.
        needed_by: String,
    },
    /// A scoring method rejected its input.
    #[error("{}", crate::messages::text("eval.method", &[("node", &node), ("input", &input), ("seqs", &seqs), ("source", &source)]))]
    Method {
        /// The node.
        node: String,
        /// Its input reference.
        input: String,
        /// Seqs of the input and target entries, for finding them.
        seqs: String,
        /// What the method said.
        source: MethodError,
    },
    /// A derivation or metric divides by zero.
    #[error("{}", crate::messages::text("eval.division_by_zero", &[("reference", &reference), ("denominator", &denominator)]))]
    DivisionByZero {
        /// The reference computed.
        reference: String,
        /// The denominator that is zero.
        denominator: String,
    },
    /// A reference names something the rule set does not define.
    #[error("{}", crate::messages::text("eval.undefined_reference", &[("reference", &reference), ("needed_by", &needed_by)]))]
    UndefinedReference {
        /// The reference.
        reference: String,
        /// Who needs it.
        needed_by: String,
    },
    /// Applying an entry would overflow a sum of recorded amounts.
    #[error("{}", crate::messages::text("eval.entry_overflow", &[("seq", &seq), ("what", &what)]))]
    EntryOverflow {
        /// The entry that could not be applied.
        seq: Seq,
        /// What was being summed.
        what: String,
    },
    /// Arithmetic overflow on recorded amounts.
    #[error("{}", crate::messages::text("eval.overflow", &[("what", &what)]))]
    Overflow {
        /// What was being computed.
        what: String,
    },
}
