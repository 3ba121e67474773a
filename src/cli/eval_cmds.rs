//! Handlers that need the recomputation: validated appends, `import`, `adopt`, `score`, and the
//! findings part of `verify`.

use super::CliError;
use super::args::{KeyArg, now};
use crate::append::{Refused, append_checked};
use crate::check::{Checked, check};
use crate::eval::{EvalError, State};
use crate::import;
use crate::ledger::keys::KeyPair;
use crate::ledger::{Ledger, LedgerError};
use crate::messages::text;
use crate::model::{Event, RuleSetAdopted};
use crate::progress::{Progress, Silent};
use crate::report::{findings_text, rule_set_changes_json, rule_set_changes_text, scorecard_table};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where each event of a batch came from, for error messages.
pub struct Origin<'a> {
    /// The file.
    pub path: &'a Path,
    /// Line of each event.
    pub lines: &'a [usize],
    /// The file's `description`, if it has one.
    pub description: Option<&'a str>,
    /// For a workbook, the sheet: lines are its rows, named `FILE:Sheet!A<row>`.
    pub sheet: Option<&'a str>,
    /// For a 自评表 (`import-form`), what was read from it (the JSON's `form`).
    pub form: Option<super::outcome::FormSummary>,
}

impl Origin<'_> {
    /// `FILE:LINE: ` (or `FILE:Sheet!A<row>: `) of event `index`, to start a message with.
    fn at(&self, index: usize) -> String {
        let line = self.lines.get(index).copied().unwrap_or(0);
        match self.sheet {
            Some(sheet) => format!("{}:{sheet}!A{line}: ", self.path.display()),
            None => format!("{}:{line}: ", self.path.display()),
        }
    }
}

/// Opens the ledger for writing and appends `events` signed by `key` if the ledger verifies,
/// they validate against its history and it still replays after them
/// ([`crate::append::append_checked`]), showing `progress` of verifying it, and prints what
/// was appended (as JSON with `json`). Nothing is written if any step fails.
pub fn append_validated(
    ledger_path: &Path,
    key: &KeyArg,
    events: Vec<Event>,
    origin: Option<Origin<'_>>,
    dry_run: bool,
    progress: &dyn Progress,
    json: bool,
) -> Result<(), CliError> {
    let key = KeyPair::read(&key.key)?;
    let ledger = Ledger::open_to_append(ledger_path)?;
    if let Some(note) = ledger.recovery_note() {
        eprintln!("{note}");
    }
    let count = events.len() as u64;
    let at = |index: usize| origin.as_ref().map_or_else(String::new, |o| o.at(index));
    let done = match append_checked(&ledger, &key.signing, events, now()?, dry_run, progress) {
        Ok(d) => d,
        Err(Refused::Event { index, message }) => {
            return Err(CliError::Usage(crate::messages::text(
                "usage.eval.nothing_was_appended",
                &[("at", &at(index)), ("message", &message)],
            )));
        }
        Err(Refused::Ledger(LedgerError::Unauthorized { seq, source })) if origin.is_some() => {
            // Point at the event in the file: the seq it would have had exists nowhere.
            let size = ledger.head().map(|h| h.size).unwrap_or(0);
            let index = usize::try_from(seq.saturating_sub(size + 1)).unwrap_or(0);
            return Err(CliError::Usage(crate::messages::text(
                "usage.eval.event_nothing_was_appended",
                &[
                    ("at", &at(index)),
                    ("event", &(index + 1)),
                    ("source", &source),
                ],
            )));
        }
        Err(Refused::Ledger(e)) => return Err(e.into()),
    };
    // Closed before printing: a reader that leaves early must not leave the file needing
    // recovery (the storage engine does not close a file cleanly while a panic unwinds).
    drop(ledger);
    if json {
        let doc = super::outcome::append_doc(
            ledger_path,
            &done,
            count,
            (&key.name, key.key_id().to_string()),
            origin.as_ref().and_then(|o| o.description),
            origin.as_ref().and_then(|o| o.form.clone()),
        );
        return super::print_json(&doc);
    }
    print!("{}", super::outcome::append_text(&done, count, &key.name));
    Ok(())
}

/// Genesis year of the ledger at `path` (for import validation of dates).
fn fiscal_year(path: &Path) -> Result<i32, CliError> {
    let l = Ledger::open_read(path)?;
    match l.entry(1)?.map(|r| r.entry.event) {
        Some(Event::Genesis(g)) => Ok(g.year),
        _ => Err(CliError::Ledger(LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: "entry 1 is not a genesis entry".into(),
        })),
    }
}

/// Arguments of `import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Event file (TOML, docs/IMPORT.md) or budget spreadsheet (`.csv` in UTF-8, GBK or
    /// UTF-16; `.xlsx`, `.xls`, `.ods`), one budget event per row: imported whole as one
    /// signed batch, or not at all.
    pub file: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Check and show the score impact without writing; for a spreadsheet, also how each
    /// column was read and the first rows as events.
    #[arg(long)]
    pub dry_run: bool,
    /// Encoding of a CSV file (utf-8, gbk, utf-16le, utf-16be); detected when not given.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Sheet of a workbook to import (the first when not given).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Column mapping for a spreadsheet (TOML: `[columns]` header = field, `[defaults]`
    /// values for missing columns; docs/IMPORT.md).
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
}

pub(super) fn import(a: &ImportArgs, json: bool) -> Result<(), CliError> {
    let year = fiscal_year(&a.ledger)?;
    let progress = super::progress::progress(json);
    let usage = |e: import::ImportError| CliError::Usage(e.to_string());
    if import::is_table_file(&a.file) {
        let options = table_options(a, year)?;
        let t = import::read_table_file(&a.file, &options, &*progress).map_err(usage)?;
        if !json {
            print!("{}", t.report.text(a.dry_run));
        }
        let sheet = t.sheet();
        return append_validated(
            &a.ledger,
            &a.key,
            t.batch.events,
            Some(Origin {
                path: &a.file,
                lines: &t.batch.lines,
                sheet: sheet.as_deref(),
                description: None,
                form: None,
            }),
            a.dry_run,
            &*progress,
            json,
        );
    }
    if a.encoding.is_some() || a.sheet.is_some() || a.columns.is_some() {
        return Err(CliError::Usage(crate::messages::text(
            "usage.eval.encoding_sheet_columns_are",
            &[("file", &a.file.display())],
        )));
    }
    let batch = import::read_batch_file(&a.file, year).map_err(usage)?;
    if let Some(d) = batch.description.as_ref().filter(|_| !json) {
        println!("{}: {d}", a.file.display());
    }
    check_rule_sets(&a.file, &batch)?;
    append_validated(
        &a.ledger,
        &a.key,
        batch.events,
        Some(Origin {
            path: &a.file,
            lines: &batch.lines,
            sheet: None,
            description: batch.description.as_deref(),
            form: None,
        }),
        a.dry_run,
        &*progress,
        json,
    )
}

/// The spreadsheet options of `import`.
fn table_options(a: &ImportArgs, year: i32) -> Result<import::TableOptions, CliError> {
    let encoding = match &a.encoding {
        None => None,
        Some(name) => Some(import::Encoding::parse(name).ok_or_else(|| {
            CliError::Usage(crate::messages::text(
                "usage.eval.encoding_not_known_use",
                &[("name", &name), ("names", &import::Encoding::NAMES)],
            ))
        })?),
    };
    let columns = match &a.columns {
        None => import::ColumnMap::default(),
        Some(p) => import::read_columns_file(p).map_err(|e| CliError::Usage(e.to_string()))?,
    };
    Ok(import::TableOptions {
        encoding,
        sheet: a.sheet.clone(),
        columns,
        year: Some(year),
        ..import::TableOptions::default()
    })
}

/// Refuses a batch whose `rule_set` event names a rules file that does not validate, saying
/// both where the event stands in the import file and where the fault is in the rules file.
fn check_rule_sets(file: &Path, batch: &import::Batch) -> Result<(), CliError> {
    for (i, event) in batch.events.iter().enumerate() {
        let Event::RuleSetAdopted(r) = event else {
            continue;
        };
        if let Err(e) = crate::rules::RuleSet::parse(&r.text) {
            let line = batch.lines.get(i).copied().unwrap_or(0);
            let rules = rules_file_of(file, i)
                .map_or_else(|| "the rules file".to_string(), |p| p.display().to_string());
            return Err(CliError::Usage(crate::messages::text(
                "usage.eval.event_rule_set_nothing",
                &[
                    ("file", &file.display()),
                    ("line", &line),
                    ("event", &(i + 1)),
                    ("rules", &rules),
                    ("e", &e),
                ],
            )));
        }
    }
    Ok(())
}

/// The rules file named by the `file` key of event `index` of an import file, resolved the
/// way the importer resolves it (relative to the import file's directory).
fn rules_file_of(file: &Path, index: usize) -> Option<PathBuf> {
    let table: toml::Table = std::fs::read_to_string(file).ok()?.parse().ok()?;
    let written = table
        .get("event")?
        .as_array()?
        .get(index)?
        .get("file")?
        .as_str()?;
    let p = Path::new(written);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new("")).join(p)
    })
}

/// Arguments of `adopt`.
#[derive(Args, Debug)]
pub struct AdoptArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Rule-set file (TOML, docs/RULES.md).
    pub rules: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
}

pub(super) fn adopt(a: &AdoptArgs, json: bool) -> Result<(), CliError> {
    let text =
        crate::limits::read_text_capped(&a.rules, crate::limits::MAX_RULES_BYTES, "rule set")
            .map_err(|e| match e {
                crate::limits::ReadError::Io { path, source } => CliError::Io { path, source },
                too_large => CliError::Usage(too_large.to_string()),
            })?;
    let parsed = crate::rules::RuleSet::parse(&text).map_err(|e| {
        CliError::Usage(crate::messages::text(
            "usage.eval.message_2",
            &[("rules", &a.rules.display()), ("e", &e)],
        ))
    })?;
    let event = Event::RuleSetAdopted(RuleSetAdopted {
        name: parsed.name.clone(),
        digest: crate::rules::digest(&text),
        text,
    });
    append_validated(&a.ledger, &a.key, vec![event], None, false, &Silent, json)
}

/// Arguments of `score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Point of history: `--as-of DATE`, `--known-at TIME|SEQ` (docs/TIME.md).
    #[command(flatten)]
    pub point: super::args::PointArgs,
}

/// Refuses to go on with a ledger that failed verification (exit 1).
pub fn require_integrity(path: &Path, c: &Checked) -> Result<(), CliError> {
    if let Err(f) = &c.integrity {
        let at = f
            .seq
            .map_or_else(String::new, |s| text("verify.at_seq", &[("seq", &s)]));
        let message = text(
            "error.no_scores_unverified",
            &[
                ("ledger", &path.display()),
                ("at", &at),
                ("detail", &f.detail_here()),
                ("kind", &f.kind.label()),
            ],
        );
        eprintln!("{}", text("error.prefix", &[("message", &message)]));
        return Err(CliError::Reported(1));
    }
    Ok(())
}

fn state_or_err(c: &Checked) -> Result<&State, CliError> {
    c.state
        .as_ref()
        .map_err(|e| CliError::Usage(text("score.no_replay", &[("error", e)])))
}

pub(super) fn score_cmd(a: &ScoreArgs, json: bool) -> Result<(), CliError> {
    let as_of = a.point.point()?;
    let c = check(&a.ledger, as_of, &[])?;
    if let Ok(v) = &c.integrity {
        super::args::within("--known-at", as_of, v.size)?;
    }
    if let Some(note) = &c.recovery_note {
        eprintln!("{note}");
    }
    require_integrity(&a.ledger, &c)?;
    state_or_err(&c)?;
    let card = match &c.scorecard {
        Some(Ok(card)) => card,
        Some(Err(e)) => return Err(CliError::Usage(text("score.cannot", &[("error", e)]))),
        None => return Err(CliError::Usage(text("score.cannot_bare", &[]))),
    };
    if json {
        return super::print_json(card);
    } else {
        print!("{}", scorecard_table(card));
        let authority = c.integrity.as_ref().ok().map(|v| &v.authority);
        print!(
            "{}",
            rule_set_changes_text(&card.rule_set_changes, authority)
        );
        if !card.findings.is_empty() {
            println!(
                "\n{}",
                text(
                    "score.findings",
                    &[
                        ("count", &card.findings.len()),
                        ("claims", &card.claims_checked)
                    ],
                )
            );
            print!("{}", findings_text(&card.findings));
        }
        print!("{}", crate::report::warnings_text(&card.warnings));
    }
    Ok(())
}

/// The findings part of `verify`: text lines and (with `json`; null otherwise: on a large
/// ledger the seqs a warning cites make it tens of megabytes) JSON, and whether it is clean.
pub fn findings_report(c: &Checked, json: bool) -> (String, serde_json::Value, bool) {
    match (&c.state, &c.scorecard) {
        (Err(e), _) => (
            text("verify.recompute_failed_replay", &[("error", e)]) + "\n",
            json!({ "ok": false, "error": e.to_string() }),
            false,
        ),
        (Ok(_), Some(Err(EvalError::NoRuleSet)) | None) => (
            text("verify.recompute_skipped", &[]) + "\n",
            json!({ "ok": true, "skipped": "no rule set adopted", "findings": [] }),
            true,
        ),
        (Ok(_), Some(Err(e))) => (
            text("verify.recompute_failed", &[("error", e)]) + "\n",
            json!({ "ok": false, "error": e.to_string() }),
            false,
        ),
        (Ok(_), Some(Ok(card))) => {
            let open = card
                .findings
                .iter()
                .filter(|f| f.acknowledged.is_none())
                .count();
            let mut out = text(
                "verify.recompute_ok",
                &[
                    (
                        "total",
                        &crate::report::total_text(card, crate::report::Lang::Zh),
                    ),
                    ("top", &card.top_line()),
                    ("claims", &card.claims_checked),
                    ("findings", &card.findings.len()),
                    ("open", &open),
                ],
            ) + "\n";
            let authority = c.integrity.as_ref().ok().map(|v| &v.authority);
            out.push_str(&rule_set_changes_text(&card.rule_set_changes, authority));
            out.push_str(&findings_text(&card.findings));
            out.push_str(&crate::report::warnings_text(&card.warnings));
            if !json {
                return (out, serde_json::Value::Null, open == 0);
            }
            let v = json!({
                "ok": open == 0,
                "total": format!("{:.2}", card.total),
                "grade": card.grade.as_ref().map(|g| g.name.clone()),
                "claims_checked": card.claims_checked,
                "findings": card.findings,
                "unacknowledged": open,
                "rule_set_changes": rule_set_changes_json(&card.rule_set_changes, authority),
            });
            let mut v = v;
            if !card.warnings.is_empty() {
                v["warnings"] = json!(card.warnings);
            }
            (out, v, open == 0)
        }
    }
}
