//! Typed access to the fields of one `[[event]]` table, with spans turned into errors that
//! name the file, line, column, event and field.

use super::error::{ImportError, Location};
use crate::model::{BizDate, Money, Number, ParseError};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::Value;

/// What every field accessor needs to know about the file being read.
pub(super) struct Ctx<'a> {
    /// The event file, as named in errors.
    pub origin: &'a Path,
    /// Directory that relative paths in the file are resolved against.
    pub dir: PathBuf,
    /// The file's text.
    pub text: &'a str,
    /// Byte offsets at which lines start.
    line_starts: Vec<usize>,
    /// Fiscal year that business dates must fall in.
    pub year: i32,
}

impl<'a> Ctx<'a> {
    pub fn new(text: &'a str, origin: &'a Path, year: i32) -> Ctx<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let dir = match origin.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ctx {
            origin,
            dir,
            text,
            line_starts,
            year,
        }
    }

    /// Line and column (1-based, columns in characters) of a byte offset.
    pub fn at(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let idx = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Location {
            file: self.origin.to_path_buf(),
            line: idx + 1,
            col: col + 1,
        }
    }

    /// Resolves a path written in the file against the file's directory.
    pub fn resolve(&self, written: &str) -> PathBuf {
        let p = Path::new(written);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }
}

/// One key of an event table with its value and where both stand.
pub(super) struct Field {
    pub key_span: Range<usize>,
    pub value_span: Range<usize>,
    pub value: Value,
}

/// The fields of one event table (or of a correction's inline replacement).
pub(super) struct Fields<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    /// 1-based position of the event in the file.
    pub event: usize,
    /// Event kind name, once known.
    pub kind: &'static str,
    /// `""`, or `"replacement."` inside a correction's replacement.
    prefix: &'static str,
    /// Span of the whole table (for missing fields).
    table_span: Range<usize>,
    map: BTreeMap<String, Field>,
}

/// TOML type name for messages.
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl<'c, 'a> Fields<'c, 'a> {
    pub fn new(
        ctx: &'c Ctx<'a>,
        event: usize,
        prefix: &'static str,
        table_span: Range<usize>,
        map: BTreeMap<String, Field>,
    ) -> Fields<'c, 'a> {
        Fields {
            ctx,
            event,
            kind: "kind not given",
            prefix,
            table_span,
            map,
        }
    }

    /// The key as named in errors.
    pub fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Location of a byte span's start.
    pub fn at(&self, span: &Range<usize>) -> Location {
        self.ctx.at(span.start)
    }

    /// Location of the table (its header, or the start of an inline table).
    pub fn table_at(&self) -> Location {
        self.at(&self.table_span)
    }

    /// Location of a field's value, or of the table if the field is absent.
    pub fn value_at(&self, key: &str) -> Location {
        self.map
            .get(key)
            .map_or_else(|| self.table_at(), |f| self.at(&f.value_span))
    }

    /// Rejects any key outside `allowed` (plus `kind`), naming the first one.
    pub fn check_known(&mut self, kind: &'static str, allowed: &[&str]) -> Result<(), ImportError> {
        self.kind = kind;
        if let Some((key, f)) = self
            .map
            .iter()
            .find(|(k, _)| k.as_str() != "kind" && !allowed.contains(&k.as_str()))
        {
            return Err(ImportError::UnknownField {
                at: self.at(&f.key_span),
                event: self.event,
                kind,
                field: self.name(key),
                allowed: allowed.join(", "),
            });
        }
        Ok(())
    }

    /// Is the key present?
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The field, or a missing-field error.
    pub fn req(&self, key: &str) -> Result<&Field, ImportError> {
        self.map.get(key).ok_or_else(|| ImportError::MissingField {
            at: self.table_at(),
            event: self.event,
            kind: self.kind,
            field: self.name(key),
        })
    }

    fn wrong_type(&self, key: &str, f: &Field, expected: &'static str) -> ImportError {
        ImportError::WrongType {
            at: self.at(&f.value_span),
            event: self.event,
            field: self.name(key),
            expected,
            found: type_name(&f.value),
        }
    }

    fn as_str<'f>(&self, key: &str, f: &'f Field) -> Result<&'f str, ImportError> {
        match &f.value {
            Value::String(s) => Ok(s),
            _ => Err(self.wrong_type(key, f, "a string")),
        }
    }

    /// A required string, possibly empty.
    pub fn string(&self, key: &str) -> Result<String, ImportError> {
        let f = self.req(key)?;
        self.as_str(key, f).map(str::to_string)
    }

    /// A required, non-blank string.
    pub fn text(&self, key: &str) -> Result<String, ImportError> {
        let f = self.req(key)?;
        let s = self.as_str(key, f)?;
        if s.trim().is_empty() {
            return Err(ImportError::EmptyField {
                at: self.at(&f.value_span),
                event: self.event,
                field: self.name(key),
            });
        }
        Ok(s.to_string())
    }

    /// An optional string; absent is empty.
    pub fn opt_string(&self, key: &str) -> Result<String, ImportError> {
        match self.map.get(key) {
            None => Ok(String::new()),
            Some(f) => self.as_str(key, f).map(str::to_string),
        }
    }

    /// A required name resolved by `parse`, with the accepted names for the error.
    pub fn named<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: impl FnOnce() -> String,
    ) -> Result<T, ImportError> {
        let f = self.req(key)?;
        let s = self.as_str(key, f)?;
        parse(s.trim()).ok_or_else(|| ImportError::BadName {
            at: self.at(&f.value_span),
            event: self.event,
            field: self.name(key),
            found: s.to_string(),
            allowed: allowed(),
        })
    }

    /// Text of a numeric field: a string as written, or an integer. Floats are refused
    /// because TOML floats are binary and would lose the printed digits.
    fn numeric_text(&self, key: &str, f: &Field) -> Result<String, ImportError> {
        match &f.value {
            Value::String(s) => Ok(s.clone()),
            Value::Integer(i) => Ok(i.to_string()),
            _ => Err(self.wrong_type(
                key,
                f,
                "a quoted decimal (e.g. \"99.9\") or an integer; floats are not exact",
            )),
        }
    }

    fn bad_number(&self, key: &str, f: &Field, e: &ParseError, found: String) -> ImportError {
        let at = self.at(&f.value_span);
        let field = self.name(key);
        match e {
            ParseError::TooPrecise(_) => ImportError::TooPrecise {
                at,
                event: self.event,
                field,
                found,
            },
            ParseError::OutOfRange(_) => ImportError::AmountOutOfRange {
                at,
                event: self.event,
                field,
                found,
            },
            _ => ImportError::BadNumber {
                at,
                event: self.event,
                field,
                found,
            },
        }
    }

    /// An exact decimal keeping its written precision.
    pub fn number(&self, key: &str) -> Result<Number, ImportError> {
        let f = self.req(key)?;
        let s = self.numeric_text(key, f)?;
        Number::from_str(&s).map_err(|e| self.bad_number(key, f, &e, s))
    }

    /// An optional exact decimal.
    pub fn opt_number(&self, key: &str) -> Result<Option<Number>, ImportError> {
        if self.has(key) {
            self.number(key).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An amount of money: yuan or 万元, exact to the fen.
    pub fn money(&self, key: &str) -> Result<Money, ImportError> {
        let f = self.req(key)?;
        let s = self.numeric_text(key, f)?;
        Money::from_str(&s).map_err(|e| self.bad_number(key, f, &e, s))
    }

    /// A business date in the fiscal year: `"2022-06-30"` or a bare TOML date.
    pub fn date(&self, key: &str) -> Result<BizDate, ImportError> {
        let f = self.req(key)?;
        let s = match &f.value {
            Value::String(s) => s.clone(),
            Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
            _ => {
                return Err(self.wrong_type(key, f, "a date \"YYYY-MM-DD\" (no time of day)"));
            }
        };
        let d = BizDate::from_str(&s).map_err(|_| ImportError::BadDate {
            at: self.at(&f.value_span),
            event: self.event,
            field: self.name(key),
            found: s.clone(),
        })?;
        if d.year() != self.ctx.year {
            return Err(ImportError::OutsideYear {
                at: self.at(&f.value_span),
                event: self.event,
                field: self.name(key),
                found: d.to_string(),
                year: self.ctx.year,
            });
        }
        Ok(d)
    }

    fn integer(&self, key: &str, f: &Field, expected: &'static str) -> Result<i64, ImportError> {
        match &f.value {
            Value::Integer(i) => Ok(*i),
            _ => Err(self.wrong_type(key, f, expected)),
        }
    }

    /// A head count (non-negative integer).
    pub fn count(&self, key: &str) -> Result<u32, ImportError> {
        const EXPECTED: &str = "a non-negative integer, e.g. 36";
        let f = self.req(key)?;
        let i = self.integer(key, f, EXPECTED)?;
        u32::try_from(i).map_err(|_| ImportError::BadNumber {
            at: self.at(&f.value_span),
            event: self.event,
            field: self.name(key),
            found: format!("{i} (a count must be 0..=4294967295)"),
        })
    }

    fn seq_of(&self, key: &str, i: i64, span: &Range<usize>) -> Result<u64, ImportError> {
        match u64::try_from(i) {
            Ok(s) if s >= 1 => Ok(s),
            _ => Err(ImportError::BadNumber {
                at: self.at(span),
                event: self.event,
                field: self.name(key),
                found: format!("{i} (an entry seq is 1 or more)"),
            }),
        }
    }

    /// An entry seq (integer ≥ 1).
    pub fn seq(&self, key: &str) -> Result<u64, ImportError> {
        let f = self.req(key)?;
        let i = self.integer(key, f, "an entry seq number, e.g. 41")?;
        self.seq_of(key, i, &f.value_span)
    }

    /// An optional list of entry seqs; absent is empty.
    pub fn opt_seqs(&self, key: &str) -> Result<Vec<u64>, ImportError> {
        const EXPECTED: &str = "an array of entry seq numbers, e.g. [3, 4]";
        let Some(f) = self.map.get(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = &f.value else {
            return Err(self.wrong_type(key, f, EXPECTED));
        };
        items
            .iter()
            .map(|v| match v {
                Value::Integer(i) => self.seq_of(key, *i, &f.value_span),
                _ => Err(self.wrong_type(key, f, EXPECTED)),
            })
            .collect()
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Field {
                value: Value::Boolean(b),
                ..
            }) => Ok(Some(*b)),
            Some(f) => Err(self.wrong_type(key, f, "true or false")),
        }
    }

    /// The raw field, if present (for nested tables).
    pub fn raw(&self, key: &str) -> Option<&Field> {
        self.map.get(key)
    }

    /// A required path, resolved against the event file's directory.
    pub fn path(&self, key: &str) -> Result<PathBuf, ImportError> {
        let s = self.text(key)?;
        Ok(self.ctx.resolve(&s))
    }

    /// An error about a file named by `key` that cannot be read.
    pub fn missing_file(&self, key: &str, path: PathBuf, source: std::io::Error) -> ImportError {
        ImportError::MissingFile {
            at: self.value_at(key),
            event: self.event,
            field: self.name(key),
            path,
            source,
        }
    }

    /// An error about fields that contradict each other.
    pub fn inconsistent(&self, key: &str, message: impl Into<String>) -> ImportError {
        ImportError::Inconsistent {
            at: self.value_at(key),
            event: self.event,
            field: self.name(key),
            message: message.into(),
        }
    }
}
