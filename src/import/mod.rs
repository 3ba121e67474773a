//! Import of event files: a TOML file (`format = "jixiao-events/1"`, one `[[event]]` table per
//! event) becomes a validated `Vec<Event>`, one atomic batch. The format is specified in
//! docs/IMPORT.md.
//!
//! Owns: the event-file format, its validation, and the reading of the files an event names
//! (rule set, evidence, public key), each error with file:line:col, event and field.
//! Must not: open a ledger, sign, or know about keys beyond decoding public ones; return part
//! of a batch (any error rejects the whole file). Files are read through `crate::limits`:
//! an event or CSV file of more than 512 MiB, a rule set of more than 512 KiB and a public key
//! file of more than 64 KiB are refused unread.

mod csv;
mod error;
mod events;
mod fields;
pub mod form;

pub use csv::{parse_budget_csv, parse_budget_csv_with};
pub use error::{ImportError, Location};
pub use events::RULES_DIGEST_CONTEXT;

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
