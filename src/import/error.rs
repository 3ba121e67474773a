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
    #[error("{}", crate::messages::text("import.read", &[("path", &path.display()), ("source", &source)]))]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The event or CSV file is larger than an import file may be; nothing was read past it.
    #[error("{}", crate::messages::text("import.too_large", &[("path", &path.display()), ("limit", &crate::limits::human(*limit)), ("doc", &"docs/IMPORT.md")]))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes ([`crate::limits::MAX_IMPORT_FILE_BYTES`]).
        limit: u64,
    },
    /// Not valid TOML, or a top-level key other than `format`, `description`, `event`.
    #[error("{}", crate::messages::text("import.syntax", &[("at", &at), ("message", &message)]))]
    Syntax {
        /// Where.
        at: Location,
        /// The parser's message.
        message: String,
    },
    /// `format` is missing or names another format.
    #[error("{}", crate::messages::text("import.format", &[("at", &at), ("found", &found), ("expected", &expected)]))]
    Format {
        /// Where.
        at: Location,
        /// The format found (empty if missing).
        found: String,
        /// The supported format.
        expected: &'static str,
    },
    /// The file has no `[[event]]` table.
    #[error("{}", crate::messages::text("import.empty", &[("at", &at)]))]
    Empty {
        /// Where.
        at: Location,
    },
    /// `kind` names no importable event.
    #[error("{}", crate::messages::text("import.unknown_kind", &[("at", &at), ("event", &event), ("found", &found), ("allowed", &allowed)]))]
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
    #[error("{}", crate::messages::text("import.unknown_field", &[("at", &at), ("event", &event), ("kind", &kind), ("field", &field), ("allowed", &allowed)]))]
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
    #[error("{}", crate::messages::text("import.missing_field", &[("at", &at), ("event", &event), ("kind", &kind), ("field", &field)]))]
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
    #[error("{}", crate::messages::text("import.empty_field", &[("at", &at), ("event", &event), ("field", &field)]))]
    EmptyField {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The key.
        field: String,
    },
    /// A value of the wrong TOML type (e.g. a float where exact decimals must be quoted).
    #[error("{}", crate::messages::text("import.wrong_type", &[("at", &at), ("event", &event), ("field", &field), ("expected", &crate::messages::localize("cell", expected)), ("found", &crate::messages::localize("cell", found))]))]
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
    #[error("{}", crate::messages::text("import.bad_number", &[("at", &at), ("event", &event), ("field", &field), ("found", &crate::messages::localize("cell", found))]))]
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
    #[error("{}", crate::messages::text("import.amount_out_of_range", &[("at", &at), ("event", &event), ("field", &field), ("found", &found)]))]
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
    #[error("{}", crate::messages::text("import.too_precise", &[("at", &at), ("event", &event), ("field", &field), ("found", &found)]))]
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
    #[error("{}", crate::messages::text("import.bad_date", &[("at", &at), ("event", &event), ("field", &field), ("found", &found)]))]
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
    #[error("{}", crate::messages::text("import.outside_year", &[("at", &at), ("event", &event), ("field", &field), ("found", &found), ("year", &year)]))]
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
    #[error("{}", crate::messages::text("import.negative", &[("at", &at), ("event", &event), ("budget_kind", &budget_kind)]))]
    Negative {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The budget kind.
        budget_kind: &'static str,
    },
    /// An adjustment without its approval document number.
    #[error("{}", crate::messages::text("import.missing_document", &[("at", &at), ("event", &event), ("budget_kind", &budget_kind)]))]
    MissingDocument {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The budget kind.
        budget_kind: &'static str,
    },
    /// A target direction other than `=`, `>=`, `≥`, `<=`, `≤`.
    #[error("{}", crate::messages::text("import.bad_direction", &[("at", &at), ("event", &event), ("found", &found)]))]
    BadDirection {
        /// Where.
        at: Location,
        /// Event number in the file.
        event: usize,
        /// The text found.
        found: String,
    },
    /// A name (fund source, expense type, budget kind, role) that is not in its list.
    #[error("{}", crate::messages::text("import.bad_name", &[("at", &at), ("event", &event), ("field", &field), ("found", &found), ("allowed", &allowed)]))]
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
    #[error("{}", crate::messages::text("import.bad_key", &[("at", &at), ("event", &event), ("field", &field), ("message", &message)]))]
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
    #[error("{}", crate::messages::text("import.missing_file", &[("at", &at), ("event", &event), ("field", &field), ("path", &path.display()), ("source", &source)]))]
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
    #[error("{}", crate::messages::text("import.bad_rules", &[("at", &at), ("event", &event), ("path", &path.display()), ("message", &message)]))]
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
    #[error("{}", crate::messages::text("import.inconsistent", &[("at", &at), ("event", &event), ("field", &field), ("message", &message)]))]
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
    #[error("{}", crate::messages::text("import.role_mismatch", &[("at", &at), ("event", &event), ("kind", &kind), ("needed", &needed), ("declared", &declared)]))]
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
    #[error("{}", crate::messages::text("import.table", &[("at", &at), ("column", &column), ("message", &crate::messages::localize("cell", message))]))]
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
    #[error("{}", crate::messages::text("import.decode", &[("path", &path.display()), ("message", &message)]))]
    Decode {
        /// The file.
        path: PathBuf,
        /// What is wrong, where and what to do.
        message: String,
    },
    /// A workbook (`.xlsx`, `.xls`, `.ods`) that cannot be opened, or lacks the sheet asked for.
    #[error("{}", crate::messages::text("import.workbook", &[("path", &path.display()), ("message", &message)]))]
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
        f.write_str(&crate::messages::text(
            "import.row",
            &[
                ("at", &self.at),
                ("column", &self.column),
                ("message", &crate::messages::localize("cell", &self.message)),
            ],
        ))
    }
}

fn rows_message(file: &std::path::Path, errors: &[RowError], more: usize) -> String {
    let mut out: Vec<String> = errors.iter().map(ToString::to_string).collect();
    if more > 0 {
        out.push(crate::messages::text(
            "import.rows_more",
            &[("more", &more)],
        ));
    }
    let rows: std::collections::BTreeSet<usize> = errors.iter().map(|e| e.at.line()).collect();
    let key = if more > 0 {
        "import.rows_at_least"
    } else {
        "import.rows"
    };
    out.push(crate::messages::text(
        key,
        &[
            ("file", &file.display()),
            ("errors", &(errors.len() + more)),
            ("rows", &rows.len()),
        ],
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
