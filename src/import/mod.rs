//! Import of event files and budget spreadsheets: a TOML file (`format = "jixiao-events/1"`,
//! one `[[event]]` table per event) becomes a validated `Vec<Event>`, one atomic batch; so
//! does a spreadsheet of budget rows (CSV in UTF-8, GBK or UTF-16, or a `.xlsx`/`.xls`/`.ods`
//! sheet). Both are specified in docs/IMPORT.md.
//!
//! Owns: the event-file format, its validation, and the reading of the files an event names
//! (rule set, evidence, public key), each error with file:line:col, event and field; the
//! reading of spreadsheets (`decode`, `csv`, `workbook`, `header`, `value`, `table`, `report`),
//! each error with file:line:col or file:Sheet!A1.
//! Must not: open a ledger, sign, or know about keys beyond decoding public ones; return part
//! of a batch (any error rejects the whole file). Files are read through `crate::limits`:
//! an event or CSV file of more than 512 MiB, a rule set of more than 512 KiB and a public key
//! file of more than 64 KiB are refused unread.

mod csv;
mod decode;
mod error;
mod events;
mod fields;
pub mod form;
mod header;
mod report;
mod row;
mod rows;
mod table;
mod value;
mod workbook;

pub use csv::{parse_budget_csv, parse_budget_csv_with, parse_csv_text};
pub use decode::{Decoded, Encoding, decode};
pub use error::{ImportError, Location, Place, RowError, column_letters};
pub use events::RULES_DIGEST_CONTEXT;
pub use header::{ColumnMap, Field as ColumnField};
pub use report::TableReport;
pub use table::{MAX_ROW_ERRORS, TableOptions};
pub use value::{Unit, amount as parse_amount, date as parse_date};

use crate::model::{Event, Role};
use fields::{Ctx, Field, Fields};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The format name this importer reads (the file's `format` key).
pub const FORMAT: &str = "jixiao-events/1";

/// A validated event file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The file's `description`, shown when importing.
    pub description: Option<String>,
    /// The role declared on the file's first line (`# role: recorder ...`), if any. When
    /// declared, every event was checked to need exactly this role.
    pub role: Option<Role>,
    /// The events, in file order.
    pub events: Vec<Event>,
    /// For each event, the line of its `[[event]]` header.
    pub lines: Vec<usize>,
}

/// An event table as read, every key and value with its span.
type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    #[serde(default)]
    event: Vec<Spanned<RawTable>>,
}

/// Parses and validates an event file's text. `origin` is the file's path: it names the
/// file in errors, and relative paths in the file (`file = ...`, `public_key_file = ...`) are
/// resolved against its directory. Every business date must fall in fiscal `year`.
pub fn parse_events(text: &str, origin: &Path, year: i32) -> Result<Vec<Event>, ImportError> {
    parse_batch(text, origin, year).map(|b| b.events)
}

/// Reads and validates an event file (see [`parse_events`]).
pub fn read_events_file(path: &Path, year: i32) -> Result<Vec<Event>, ImportError> {
    read_batch_file(path, year).map(|b| b.events)
}

/// Reads and validates an event file, keeping its description, declared role and lines.
pub fn read_batch_file(path: &Path, year: i32) -> Result<Batch, ImportError> {
    parse_batch(&read_import_file(path)?, path, year)
}

/// A spreadsheet read as one batch of budget events, with how it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableImport {
    /// The events; `lines` are the CSV lines or sheet rows.
    pub batch: Batch,
    /// How the file was read, for the import summary.
    pub report: TableReport,
}

impl TableImport {
    /// The sheet read, for a workbook, as a cell reference writes it (quoted if need be).
    #[must_use]
    pub fn sheet(&self) -> Option<String> {
        match &self.report.header_at {
            Some(Place::Cell { sheet, .. }) => Some(error::sheet_ref(sheet)),
            _ => None,
        }
    }
}

/// Whether `path` is read as a spreadsheet rather than an event file: by its extension
/// (`.csv`, `.tsv`, `.txt`, `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`), or for any other name
/// but `.toml` by starting like a workbook.
#[must_use]
pub fn is_table_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "txt" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => true,
        "toml" => false,
        _ => {
            let mut head = [0u8; 4];
            std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
                .is_ok_and(|()| workbook::looks_like_workbook(&head))
        }
    }
}

/// Reads a spreadsheet of budget rows: a workbook's sheet, or a CSV file in the encoding
/// detected (or given), as one batch (docs/IMPORT.md "Budget spreadsheets").
pub fn read_table_file(
    path: &Path,
    options: &TableOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<TableImport, ImportError> {
    use crate::limits::{MAX_IMPORT_FILE_BYTES, ReadError, read_capped};
    let bytes = read_capped(path, MAX_IMPORT_FILE_BYTES, "import file").map_err(|e| match e {
        ReadError::Io { path, source } => ImportError::Read { path, source },
        ReadError::TooLarge { path, limit, .. } => ImportError::TooLarge { path, limit },
    })?;
    if workbook::looks_like_workbook(&bytes) {
        let (rows, source) = workbook::rows(bytes, path, options.sheet.as_deref())?;
        let total = rows.len() as u64;
        let mut t = table::read_rows(rows.into_iter().map(Ok), path, options, progress, total)?;
        t.report.source = source;
        return Ok(t);
    }
    if let Some(s) = &options.sheet {
        return Err(ImportError::Workbook {
            path: path.to_path_buf(),
            message: format!(
                "--sheet {s} is given, but the file is not a workbook (.xlsx, .xls, .ods)"
            ),
        });
    }
    let d = decode(&bytes, options.encoding, path)?;
    drop(bytes);
    let mut t = parse_csv_text(&d.text, path, options, progress)?;
    t.report.source = format!(
        "{}{} ({}), {} line ends, {}",
        d.encoding,
        if d.bom { " with BOM" } else { "" },
        if d.detected { "detected" } else { "as given" },
        d.line_ends,
        t.report.source
    );
    Ok(t)
}

/// Reads a `--columns` file (docs/IMPORT.md).
pub fn read_columns_file(path: &Path) -> Result<ColumnMap, ImportError> {
    ColumnMap::parse(&read_import_file(path)?, path)
}

/// Reads and parses a budget CSV file (see [`parse_budget_csv`]).
pub fn read_budget_csv_file(path: &Path) -> Result<Batch, ImportError> {
    read_budget_csv_file_with(path, &crate::progress::Silent)
}

/// [`read_budget_csv_file`], reporting the rows parsed to `progress`.
pub fn read_budget_csv_file_with(
    path: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<Batch, ImportError> {
    parse_budget_csv_with(&read_import_file(path)?, path, progress)
}

/// The text of an event or CSV file, refusing one larger than
/// [`crate::limits::MAX_IMPORT_FILE_BYTES`] without reading it whole.
fn read_import_file(path: &Path) -> Result<String, ImportError> {
    use crate::limits::{MAX_IMPORT_FILE_BYTES, ReadError, read_text_capped};
    read_text_capped(path, MAX_IMPORT_FILE_BYTES, "import file").map_err(|e| match e {
        ReadError::Io { path, source } => ImportError::Read { path, source },
        ReadError::TooLarge { path, limit, .. } => ImportError::TooLarge { path, limit },
    })
}

/// Parses and validates an event file's text, keeping its description, declared role and
/// the line of each event (see [`parse_events`]).
pub fn parse_batch(text: &str, origin: &Path, year: i32) -> Result<Batch, ImportError> {
    let ctx = Ctx::new(text, origin, year);
    let role = declared_role(&ctx)?;
    let raw: RawFile = toml::from_str(text).map_err(|e| ImportError::Syntax {
        at: ctx.at(e.span().map_or(0, |s| s.start)),
        message: e.message().trim().replace('\n', " "),
    })?;
    match &raw.format {
        Some(f) if f.get_ref() == FORMAT => {}
        Some(f) => {
            return Err(ImportError::Format {
                at: ctx.at(f.span().start),
                found: f.get_ref().clone(),
                expected: FORMAT,
            });
        }
        None => {
            return Err(ImportError::Format {
                at: ctx.at(0),
                found: String::new(),
                expected: FORMAT,
            });
        }
    }
    if raw.event.is_empty() {
        return Err(ImportError::Empty { at: ctx.at(0) });
    }
    let mut events = Vec::with_capacity(raw.event.len());
    let mut lines = Vec::with_capacity(raw.event.len());
    for (i, table) in raw.event.into_iter().enumerate() {
        let span = table.span();
        let map = table
            .into_inner()
            .into_iter()
            .map(|(k, v)| {
                let key_span = k.span();
                let value_span = v.span();
                (
                    k.into_inner(),
                    Field {
                        key_span,
                        value_span,
                        value: v.into_inner(),
                    },
                )
            })
            .collect();
        let mut fields = Fields::new(&ctx, i + 1, "", span.clone(), map);
        let event = events::build(&mut fields, false)?;
        if let Some(declared) = role {
            let needed = event.required_role();
            if needed != declared {
                return Err(ImportError::RoleMismatch {
                    at: ctx.at(span.start),
                    event: i + 1,
                    kind: event.kind().name(),
                    declared,
                    needed,
                });
            }
        }
        lines.push(ctx.at(span.start).line);
        events.push(event);
    }
    Ok(Batch {
        description: raw.description.map(Spanned::into_inner),
        role,
        events,
        lines,
    })
}

/// The role named on the first line, if it is a comment of the form `# role: NAME ...`.
fn declared_role(ctx: &Ctx<'_>) -> Result<Option<Role>, ImportError> {
    let first = ctx.text.lines().next().unwrap_or("").trim();
    let Some(rest) = first
        .strip_prefix('#')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("role:"))
    else {
        return Ok(None);
    };
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    match Role::parse(&name) {
        Some(Role::Auditor) | None => Err(ImportError::Syntax {
            at: ctx.at(0),
            message: format!(
                "the first line declares role `{name}`; write `# role: admin`, `# role: recorder` or `# role: evaluator`"
            ),
        }),
        Some(r) => Ok(Some(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let text = "a = 1\n# 中文注释\nbb = 2\n";
        let ctx = Ctx::new(text, Path::new("x.toml"), 2022);
        let at = ctx.at(text.find("bb").unwrap());
        assert_eq!((at.line, at.col), (3, 1));
        let at = ctx.at(text.find("注").unwrap());
        assert_eq!((at.line, at.col), (2, 5));
        assert_eq!(at.to_string(), "x.toml:2:5");
        assert_eq!(ctx.at(text.len() + 10).line, 4);
    }

    #[test]
    fn first_line_role_is_read_and_checked() {
        let ctx = Ctx::new("# role: evaluator — adjustments\n", Path::new("x"), 2022);
        assert_eq!(declared_role(&ctx).unwrap(), Some(Role::Evaluator));
        let ctx = Ctx::new("# plain comment\n", Path::new("x"), 2022);
        assert_eq!(declared_role(&ctx).unwrap(), None);
        let ctx = Ctx::new("# role: auditor\n", Path::new("x"), 2022);
        assert!(matches!(
            declared_role(&ctx),
            Err(ImportError::Syntax { .. })
        ));
    }
}
