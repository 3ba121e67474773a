//! Errors of replay and scoring. Each names the seq, node or reference it is about and what
//! to do.

use crate::model::Seq;
use crate::rules::{MethodError, RulesError};

/// Why a replay or a score could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// Entries must be applied in seq order without gaps.
    #[error(
        "entry seq {seq} applied out of order (expected seq {expected}); replay entries in ledger order from seq 1"
    )]
    OutOfOrder {
        /// The seq applied.
        seq: Seq,
        /// The seq expected next.
        expected: Seq,
    },
    /// The recorded-at time is not a representable date.
    #[error(
        "entry seq {seq}: recorded_at {recorded_at} is not a valid UTC time; run `jixiao verify`"
    )]
    BadRecordedAt {
        /// The entry.
        seq: Seq,
        /// The stored value.
        recorded_at: i64,
    },
    /// A correction names a seq that was never recorded before it.
    #[error(
        "correction seq {correction_seq} supersedes seq {superseded}, which is not an earlier entry; correct it to name an earlier seq"
    )]
    UnknownSuperseded {
        /// The correction.
        correction_seq: Seq,
        /// The seq it names.
        superseded: Seq,
    },
    /// A correction's replacement is not of the superseded entry's kind.
    #[error(
        "correction seq {correction_seq} replaces seq {superseded} (a {superseded_kind}) with a {replacement_kind}; a replacement must be of the same kind: record a retraction and a new entry instead"
    )]
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
    #[error(
        "no rule set adopted in the ledger as known at this point; an admin adopts one with `jixiao adopt LEDGER rules.toml --key ADMIN.key` (or look at a later point: --known-at)"
    )]
    NoRuleSet,
    /// The adopted rule set does not parse.
    #[error("rule set adopted at seq {seq} is invalid: {source}; adopt a corrected rule set")]
    RuleSetInvalid {
        /// The adoption entry.
        seq: Seq,
        /// What is wrong with the text.
        source: RulesError,
    },
    /// The recorded digest does not match the rule-set text.
    #[error(
        "rule set adopted at seq {seq}: the recorded digest does not match its text; the entry is corrupt or forged: run `jixiao verify`"
    )]
    RuleSetDigest {
        /// The adoption entry.
        seq: Seq,
    },
    /// A reference has no recorded value.
    #[error(
        "`{reference}` has no recorded value (needed by {needed_by}); record it (`jixiao record fact|value|budget ...`)"
    )]
    NoValue {
        /// The reference.
        reference: String,
        /// The node, derivation or claim that needs it.
        needed_by: String,
    },
    /// A scoring method rejected its input.
    #[error("node `{node}` (input {input}, seqs {seqs}): {source}")]
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
    #[error(
        "`{reference}` divides by zero: `{denominator}` is 0; record the amounts it is computed from"
    )]
    DivisionByZero {
        /// The reference computed.
        reference: String,
        /// The denominator that is zero.
        denominator: String,
    },
    /// A reference names something the rule set does not define.
    #[error("`{reference}` is not defined by the adopted rule set (needed by {needed_by})")]
    UndefinedReference {
        /// The reference.
        reference: String,
        /// Who needs it.
        needed_by: String,
    },
    /// Applying an entry would overflow a sum of recorded amounts.
    #[error(
        "entry seq {seq}: the {what} overflows (beyond ±92233720368547758.07 元) with this entry; an amount on that line is a typing error: retract or correct it (`jixiao correct LEDGER SEQ --retract --reason \"...\"`) and the history replays again"
    )]
    EntryOverflow {
        /// The entry that could not be applied.
        seq: Seq,
        /// What was being summed.
        what: String,
    },
    /// Arithmetic overflow on recorded amounts.
    #[error("arithmetic overflow computing {what}; check the recorded amounts for typing errors")]
    Overflow {
        /// What was being computed.
        what: String,
    },
}
