//! Import errors: one enum, every variant naming the file, line and column, the event and
//! the field it is about, and what to do about it.

use crate::model::Role;
use std::fmt;
use std::path::PathBuf;

/// A position in an event or CSV file (1-based line and column; columns count characters).
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
    #[error("cannot read import file {}: {source}; check the path and its permissions", path.display())]
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
    /// A spreadsheet (CSV or workbook) that cannot be read as a table of budget rows: no
    /// header, missing columns, an unreadable row, a `--columns` file at fault.
    #[error("{at}: column `{column}`: {message}")]
    Table {
        /// Where (file:line:column for CSV, file:Sheet!A1 for workbooks).
        at: Place,
        /// The column (header as written, or the field it was read as).
        column: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Rows of a spreadsheet that are not budget events: every one found (up to
    /// [`super::MAX_ROW_ERRORS`]), so that one run shows them all. Nothing was imported.
    #[error("{}", rows_message(file, errors, *more))]
    Rows {
        /// The spreadsheet.
        file: PathBuf,
        /// The errors, in row order.
        errors: Vec<RowError>,
        /// How many more errors were found but not listed.
        more: usize,
    },
    /// A file that is not text in the encoding it was read in, nor a workbook.
    #[error("{}: {message}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What is wrong, where and what to do.
        message: String,
    },
    /// A workbook (`.xlsx`, `.xls`, `.ods`) that cannot be opened, or lacks the sheet asked for.
    #[error("{}: {message}", path.display())]
    Workbook {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Where in a spreadsheet: a line and column of a CSV file, or a cell of a workbook's sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A CSV (or columns) file: line from 1, column counted in fields from 1.
    Line(Location),
    /// A workbook cell.
    Cell {
        /// The workbook.
        file: PathBuf,
        /// The sheet's name.
        sheet: String,
        /// Row, from 1 (as the spreadsheet shows it).
        row: usize,
        /// Column, from 1 (A = 1).
        col: usize,
    },
}

impl Place {
    /// The line (CSV) or row (sheet).
    #[must_use]
    pub fn line(&self) -> usize {
        match self {
            Place::Line(l) => l.line,
            Place::Cell { row, .. } => *row,
        }
    }

    /// The same row, another column.
    #[must_use]
    pub fn with_col(&self, col: usize) -> Place {
        match self {
            Place::Line(l) => Place::Line(Location { col, ..l.clone() }),
            Place::Cell {
                file, sheet, row, ..
            } => Place::Cell {
                file: file.clone(),
                sheet: sheet.clone(),
                row: *row,
                col,
            },
        }
    }
}

/// Column letters of a 1-based column number: 1 → A, 27 → AA.
#[must_use]
pub fn column_letters(col: usize) -> String {
    let mut n = col.max(1);
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(r).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// A sheet name as a cell reference writes it: quoted when it has spaces or punctuation.
pub(super) fn sheet_ref(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(l) => l.fmt(f),
            Place::Cell {
                file,
                sheet,
                row,
                col,
            } => write!(
                f,
                "{}:{}!{}{row}",
                file.display(),
                sheet_ref(sheet),
                column_letters(*col)
            ),
        }
    }
}

/// One bad cell of a spreadsheet row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The cell.
    pub at: Place,
    /// The field the column is read as (`amount`, ...), with its header as written.
    pub column: String,
    /// What is wrong, with an accepted form.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: column `{}`: {}", self.at, self.column, self.message)
    }
}

fn rows_message(file: &std::path::Path, errors: &[RowError], more: usize) -> String {
    let mut out: Vec<String> = errors.iter().map(ToString::to_string).collect();
    if more > 0 {
        out.push(format!("... and {more} more"));
    }
    let rows: std::collections::BTreeSet<usize> = errors.iter().map(|e| e.at.line()).collect();
    out.push(format!(
        "{}: {} error(s) in {}{} row(s); nothing was imported: fix them and import the file again",
        file.display(),
        errors.len() + more,
        if more > 0 { "at least " } else { "" },
        rows.len()
    ));
    out.join("\n")
}

impl ImportError {
    fn table_at(&self) -> Option<&Location> {
        match self {
            ImportError::Table {
                at: Place::Line(at),
                ..
            } => Some(at),
            ImportError::Rows { errors, .. } => match errors.first().map(|e| &e.at) {
                Some(Place::Line(at)) => Some(at),
                _ => None,
            },
            _ => None,
        }
    }

    /// Where in the spreadsheet the (first) error is, for CSV files and workbooks alike.
    #[must_use]
    pub fn place(&self) -> Option<Place> {
        match self {
            ImportError::Table { at, .. } => Some(at.clone()),
            ImportError::Rows { errors, .. } => errors.first().map(|e| e.at.clone()),
            other => other.location().cloned().map(Place::Line),
        }
    }

    /// Where in the event file the error is, if it is about a place in it.
    #[must_use]
    pub fn location(&self) -> Option<&Location> {
        match self {
            ImportError::Read { .. }
            | ImportError::TooLarge { .. }
            | ImportError::Decode { .. }
            | ImportError::Workbook { .. } => None,
            ImportError::Table { .. } | ImportError::Rows { .. } => self.table_at(),
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
