//! Import errors: one enum, every variant naming the file, line and column, the event and
//! the field it is about, and what to do about it.

use crate::model::Role;
use std::fmt;
use std::path::PathBuf;

/// A position in an event file (1-based line and column; columns count characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The event file as given to the importer.
    pub file: PathBuf,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// Why an event file was rejected. Nothing of a rejected file is imported.
///
/// `event` is the 1-based position of the `[[event]]` table in the file; `field` is the key
/// as written (`replacement.amount` inside a correction's replacement).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The event file itself could not be read.
    #[error("cannot read event file {}: {source}; check the path and its permissions", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The event or CSV file is larger than an import file may be; nothing was read past it.
    #[error("{}: larger than the {} an import file may have ({}); split it into several files, each one batch", path.display(), crate::limits::human(*limit), "docs/IMPORT.md")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes ([`crate::limits::MAX_IMPORT_FILE_BYTES`]).
        limit: u64,
    },
    /// Not valid TOML, or a top-level key other than `format`, `description`, `event`.
    #[error(
        "{at}: {message}; fix the TOML syntax (top-level keys: format, description, [[event]])"
    )]
    Syntax {
        /// Where.
        at: Location,
        /// The parser's message.
        message: String,
    },
    /// `format` is missing or names another format.
    #[error(
        "{at}: format `{found}` is not supported; the first key must be format = \"{expected}\""
    )]
    Format {
        /// Where.
        at: Location,
        /// The format found (empty if missing).
        found: String,
        /// The supported format.
        expected: &'static str,
    },
    /// The file has no `[[event]]` table.
    #[error(
        "{at}: the file has no [[event]] table; an event file is one batch of at least one event"
    )]
    Empty {
        /// Where.
        at: Location,
    },
    /// `kind` names no importable event.
    #[error("{at}: event #{event}: kind `{found}` is not importable; use one of: {allowed}")]
    UnknownKind {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The kind found.
        found: String,
        /// The importable kinds.
        allowed: String,
    },
    /// A field that the event's kind does not have.
    #[error(
        "{at}: event #{event} ({kind}): unknown field `{field}`; remove it or use one of: {allowed}"
    )]
    UnknownField {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// Event kind.
        kind: &'static str,
        /// The unknown key.
        field: String,
        /// The fields of this kind.
        allowed: String,
    },
    /// A required field is absent.
    #[error("{at}: event #{event} ({kind}): missing required field `{field}`; add it")]
    MissingField {
        /// Where (the event's table).
        at: Location,
        /// Event number in the file.
        event: usize,
        /// Event kind.
        kind: &'static str,
        /// The missing key.
        field: String,
    },
    /// A required text field is empty.
    #[error("{at}: event #{event}: field `{field}` is empty; give it a value")]
    EmptyField {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
    },
    /// A value of the wrong TOML type (e.g. a float where exact decimals must be quoted).
    #[error("{at}: event #{event}: field `{field}` must be {expected}, found {found}")]
    WrongType {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// What is expected, with a hint.
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// Not a number or amount.
    #[error(
        "{at}: event #{event}: field `{field}`: `{found}` is not a number; write digits with an optional sign and decimal point, e.g. \"99.9\" or \"1923.65万元\""
    )]
    BadNumber {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The text found.
        found: String,
    },
    /// An amount outside the accepted input range (±10^12 yuan, `Money::MAX_INPUT`).
    #[error(
        "{at}: event #{event}: field `{field}`: `{found}` is out of range: amounts are accepted from -1000000000000.00 to 1000000000000.00 元 (±1 万亿元); check the figure for a typing error"
    )]
    AmountOutOfRange {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The text found.
        found: String,
    },
    /// A yuan amount finer than one fen.
    #[error(
        "{at}: event #{event}: field `{field}`: `{found}` has more than 2 decimals in yuan (6 in 万元); amounts are exact to the fen, round it as the source document does"
    )]
    TooPrecise {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The text found.
        found: String,
    },
    /// Not a `YYYY-MM-DD` calendar date.
    #[error(
        "{at}: event #{event}: field `{field}`: `{found}` is not a date; write YYYY-MM-DD, e.g. \"2022-06-30\""
    )]
    BadDate {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The text found.
        found: String,
    },
    /// A business date outside the ledger's fiscal year.
    #[error(
        "{at}: event #{event}: field `{field}`: {found} is outside fiscal year {year}; business dates must fall in {year}-01-01..{year}-12-31 (prior-year figures use budget_kind prior_year_budget dated in {year})"
    )]
    OutsideYear {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The date found.
        found: String,
        /// The fiscal year.
        year: i32,
    },
    /// A negative budget amount on a kind other than `reallocate`.
    #[error(
        "{at}: event #{event}: amount is negative for budget_kind `{budget_kind}`; only reallocate may be negative (a cut is adjust_cut with a positive amount, a mistake is a correction)"
    )]
    Negative {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The budget kind.
        budget_kind: &'static str,
    },
    /// An adjustment without its approval document number.
    #[error(
        "{at}: event #{event}: budget_kind `{budget_kind}` needs the approval document number (批文号) in `document`; add it"
    )]
    MissingDocument {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The budget kind.
        budget_kind: &'static str,
    },
    /// A target direction other than `=`, `>=`, `≥`, `<=`, `≤`.
    #[error("{at}: event #{event}: direction `{found}` is not one of =, >=, ≥, <=, ≤")]
    BadDirection {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The text found.
        found: String,
    },
    /// A name (fund source, expense type, budget kind, role) that is not in its list.
    #[error("{at}: event #{event}: field `{field}`: `{found}` is not known; use one of: {allowed}")]
    BadName {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The text found.
        found: String,
        /// The accepted names.
        allowed: String,
    },
    /// A public key or key id that does not decode.
    #[error("{at}: event #{event}: field `{field}`: {message}")]
    BadKey {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A file named by the event (evidence, rule set, public key) cannot be read.
    #[error("{at}: event #{event}: field `{field}`: cannot read {} ({source}); paths are relative to the event file's directory", path.display())]
    MissingFile {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A rule-set file that is not TOML or has no top-level `name`.
    #[error("{at}: event #{event}: rule set {}: {message}", path.display())]
    BadRules {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The resolved path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Fields that contradict each other (e.g. a correction with both replacement and retract).
    #[error("{at}: event #{event}: field `{field}`: {message}")]
    Inconsistent {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file's first line declares a role that this event does not need.
    #[error(
        "{at}: event #{event} ({kind}) needs role {needed}, but the file declares `# role: {declared}`; move it to a file of that role"
    )]
    RoleMismatch {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// Event kind.
        kind: &'static str,
        /// Role declared on the first line.
        declared: Role,
        /// Role the event needs.
        needed: Role,
    },
    /// A row of a budget CSV file that is not a budget event.
    #[error("{at}: column `{column}`: {message}")]
    Csv {
        /// Where (line of the row; column counted in fields).
        at: Location,
        /// The column header.
        column: String,
        /// What is wrong and what to do.
        message: String,
    },
}

impl ImportError {
    fn csv_at(&self) -> Option<&Location> {
        match self {
            ImportError::Csv { at, .. } => Some(at),
            _ => None,
        }
    }

    /// Where in the event file the error is, if it is about a place in it.
    #[must_use]
    pub fn location(&self) -> Option<&Location> {
        match self {
            ImportError::Read { .. } | ImportError::TooLarge { .. } => None,
            ImportError::Csv { .. } => self.csv_at(),
            ImportError::Syntax { at, .. }
            | ImportError::Format { at, .. }
            | ImportError::Empty { at }
            | ImportError::UnknownKind { at, .. }
            | ImportError::UnknownField { at, .. }
            | ImportError::MissingField { at, .. }
            | ImportError::EmptyField { at, .. }
            | ImportError::WrongType { at, .. }
            | ImportError::BadNumber { at, .. }
            | ImportError::TooPrecise { at, .. }
            | ImportError::AmountOutOfRange { at, .. }
            | ImportError::BadDate { at, .. }
            | ImportError::OutsideYear { at, .. }
            | ImportError::Negative { at, .. }
            | ImportError::MissingDocument { at, .. }
            | ImportError::BadDirection { at, .. }
            | ImportError::BadName { at, .. }
            | ImportError::BadKey { at, .. }
            | ImportError::MissingFile { at, .. }
            | ImportError::BadRules { at, .. }
            | ImportError::Inconsistent { at, .. }
            | ImportError::RoleMismatch { at, .. } => Some(at),
        }
    }

    /// The line of the error, if it is about a place in the file.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        self.location().map(|l| l.line)
    }
}
