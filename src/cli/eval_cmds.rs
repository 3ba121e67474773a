//! Handlers that need the recomputation: validated appends, `import`, `adopt`, `score`, and the
//! findings part of `verify`.

use super::CliError;
use super::args::{KeyArg, now};
use crate::append::{Refused, append_checked};
use crate::check::{Checked, check};
use crate::eval::{EvalError, Scorecard, State};
use crate::import;
use crate::ledger::keys::KeyPair;
use crate::ledger::{Ledger, LedgerError};
use crate::model::{Event, RuleSetAdopted};
use crate::progress::{Progress, Silent};
use crate::report::{findings_text, rule_set_changes_json, rule_set_changes_text, scorecard_table};
use clap::Args;
use rust_decimal::Decimal;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where each event of a batch came from, for error messages.
pub struct Origin<'a> {
    /// The file.
    pub path: &'a Path,
    /// Line of each event.
    pub lines: &'a [usize],
    /// For a workbook, the sheet: lines are its rows, named `FILE:Sheet!A<row>`.
    pub sheet: Option<&'a str>,
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
/// ([`crate::append::append_checked`]), showing `progress` of verifying it. Nothing is
/// written if any step fails.
pub fn append_validated(
    ledger_path: &Path,
    key: &KeyArg,
    events: Vec<Event>,
    origin: Option<Origin<'_>>,
    dry_run: bool,
    progress: &dyn Progress,
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
            return Err(CliError::Usage(format!(
                "{}{message}; nothing was appended",
                at(index)
            )));
        }
        Err(Refused::Ledger(LedgerError::Unauthorized { seq, source })) if origin.is_some() => {
            // Point at the event in the file: the seq it would have had exists nowhere.
            let size = ledger.head().map(|h| h.size).unwrap_or(0);
            let index = usize::try_from(seq.saturating_sub(size + 1)).unwrap_or(0);
            return Err(CliError::Usage(format!(
                "{}event #{}: {source}; nothing was appended",
                at(index),
                index + 1
            )));
        }
        Err(Refused::Ledger(e)) => return Err(e.into()),
    };
    // Closed before printing: a reader that leaves early must not leave the file needing
    // recovery (the storage engine does not close a file cleanly while a panic unwinds).
    drop(ledger);
    if let Some(e) = &done.was_failing {
        println!("note: the history did not replay before this: {e}");
    }
    match &done.appended {
        None => println!(
            "dry run: {count} event(s) would be appended as #{}..#{} signed by {}; nothing written",
            done.size + 1,
            done.size + count,
            key.name
        ),
        Some(a) if a.first == a.last => {
            println!(
                "appended #{}·{} signed by {}",
                a.last,
                a.head.short(),
                key.name
            );
        }
        Some(a) => println!(
            "appended #{}..#{} ({} entries) signed by {}, head #{}·{}",
            a.first,
            a.last,
            a.last - a.first + 1,
            key.name,
            a.last,
            a.head.short()
        ),
    }
    match (&done.was_failing, &done.still_failing) {
        (_, Some(e)) => println!("the history still does not replay: {e}"),
        (Some(_), None) => println!("the history replays again"),
        (None, None) => {}
    }
    print!("{}", score_impact(done.before.as_ref(), &done.after));
    Ok(())
}

fn total_of(card: Option<&Result<Scorecard, EvalError>>) -> Option<&Scorecard> {
    card.and_then(|c| c.as_ref().ok())
}

/// "score 99.96 → 99.92 (−0.04): mgmt 49.96 → 49.92" lines, or nothing without scores.
fn score_impact(
    before: Option<&Result<Scorecard, EvalError>>,
    after: &Option<Result<Scorecard, EvalError>>,
) -> String {
    let (Some(b), Some(a)) = (total_of(before), total_of(after.as_ref())) else {
        return match after {
            Some(Ok(a)) => format!("score now {:.2}\n", a.total),
            _ => String::new(),
        };
    };
    if a.total == b.total
        && a.nodes
            .iter()
            .zip(&b.nodes)
            .all(|(x, y)| x.score == y.score)
    {
        return format!("score unchanged: {:.2}\n", a.total);
    }
    let mut out = format!(
        "score {:.2} → {:.2} ({:+})\n",
        b.total,
        a.total,
        a.total - b.total
    );
    for n in &a.nodes {
        let old = b.node(&n.id).map_or(Decimal::ZERO, |o| o.score);
        if old != n.score {
            out.push_str(&format!(
                "  {} {}: {:.2} → {:.2} ({:+})\n",
                n.id,
                n.name,
                old,
                n.score,
                n.score - old
            ));
        }
    }
    out
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

pub(super) fn import(a: &ImportArgs) -> Result<(), CliError> {
    let year = fiscal_year(&a.ledger)?;
    let progress = super::progress::progress(false);
    let usage = |e: import::ImportError| CliError::Usage(e.to_string());
    if import::is_table_file(&a.file) {
        let options = table_options(a, year)?;
        let t = import::read_table_file(&a.file, &options, &*progress).map_err(usage)?;
        print!("{}", t.report.text(a.dry_run));
        let sheet = t.sheet();
        return append_validated(
            &a.ledger,
            &a.key,
            t.batch.events,
            Some(Origin {
                path: &a.file,
                lines: &t.batch.lines,
                sheet: sheet.as_deref(),
            }),
            a.dry_run,
            &*progress,
        );
    }
    if a.encoding.is_some() || a.sheet.is_some() || a.columns.is_some() {
        return Err(CliError::Usage(format!(
            "{}: --encoding, --sheet and --columns are for spreadsheets (.csv, .xlsx, .xls, .ods); an event file is UTF-8 TOML",
            a.file.display()
        )));
    }
    let batch = import::read_batch_file(&a.file, year).map_err(usage)?;
    if let Some(d) = &batch.description {
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
        }),
        a.dry_run,
        &*progress,
    )
}

/// The spreadsheet options of `import`.
fn table_options(a: &ImportArgs, year: i32) -> Result<import::TableOptions, CliError> {
    let encoding = match &a.encoding {
        None => None,
        Some(name) => Some(import::Encoding::parse(name).ok_or_else(|| {
            CliError::Usage(format!(
                "--encoding `{name}` is not known; use one of: {}",
                import::Encoding::NAMES
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
            return Err(CliError::Usage(format!(
                "{}:{line}: event #{} (rule_set): {rules}: {e}; nothing was appended",
                file.display(),
                i + 1
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

pub(super) fn adopt(a: &AdoptArgs) -> Result<(), CliError> {
    let text =
        crate::limits::read_text_capped(&a.rules, crate::limits::MAX_RULES_BYTES, "rule set")
            .map_err(|e| match e {
                crate::limits::ReadError::Io { path, source } => CliError::Io { path, source },
                too_large => CliError::Usage(too_large.to_string()),
            })?;
    let parsed = crate::rules::RuleSet::parse(&text)
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.rules.display())))?;
    let event = Event::RuleSetAdopted(RuleSetAdopted {
        name: parsed.name.clone(),
        digest: crate::rules::digest(&text),
        text,
    });
    append_validated(&a.ledger, &a.key, vec![event], None, false, &Silent)
}

/// Arguments of `score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Point of history: `--as-of DATE`, `--known-at TIME|SEQ` (docs/TIME.md).
    #[command(flatten)]
    pub point: super::args::PointArgs,
    /// The scorecard as JSON (docs/REPORT-JSON.md, `scorecard`).
    #[arg(long)]
    pub json: bool,
}

/// Refuses to go on with a ledger that failed verification (exit 1).
pub fn require_integrity(path: &Path, c: &Checked) -> Result<(), CliError> {
    if let Err(f) = &c.integrity {
        let at = f.seq.map_or_else(String::new, |s| format!(" at seq {s}"));
        eprintln!(
            "error: {}: integrity check failed{at}: {} ({}); no scores are shown for a ledger that does not verify",
            path.display(),
            f.detail,
            f.kind.name()
        );
        return Err(CliError::Reported(1));
    }
    Ok(())
}

fn state_or_err(c: &Checked) -> Result<&State, CliError> {
    c.state
        .as_ref()
        .map_err(|e| CliError::Usage(format!("the history does not replay: {e}")))
}

pub(super) fn score_cmd(a: &ScoreArgs) -> Result<(), CliError> {
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
        Some(Err(e)) => return Err(CliError::Usage(format!("cannot score: {e}"))),
        None => return Err(CliError::Usage("cannot score".into())),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(card).unwrap_or_default());
    } else {
        print!("{}", scorecard_table(card));
        let authority = c.integrity.as_ref().ok().map(|v| &v.authority);
        print!(
            "{}",
            rule_set_changes_text(&card.rule_set_changes, authority)
        );
        if !card.findings.is_empty() {
            println!(
                "\nfindings ({} of {} claims do not reproduce):",
                card.findings.len(),
                card.claims_checked
            );
            print!("{}", findings_text(&card.findings));
        }
        print!("{}", crate::report::warnings_text(&card.warnings));
    }
    Ok(())
}

/// The findings part of `verify`: text lines and JSON, and whether it is clean.
pub fn findings_report(c: &Checked) -> (String, serde_json::Value, bool) {
    match (&c.state, &c.scorecard) {
        (Err(e), _) => (
            format!("recompute FAILED: the history does not replay: {e}\n"),
            json!({ "ok": false, "error": e.to_string() }),
            false,
        ),
        (Ok(_), Some(Err(EvalError::NoRuleSet)) | None) => (
            "recompute skipped: no rule set adopted\n".into(),
            json!({ "ok": true, "skipped": "no rule set adopted", "findings": [] }),
            true,
        ),
        (Ok(_), Some(Err(e))) => (
            format!("recompute FAILED: {e}\n"),
            json!({ "ok": false, "error": e.to_string() }),
            false,
        ),
        (Ok(_), Some(Ok(card))) => {
            let open = card
                .findings
                .iter()
                .filter(|f| f.acknowledged.is_none())
                .count();
            let mut text = format!(
                "recompute ok: total {} = {} (details: `jixiao score`); {} claims checked, {} finding(s), {} unacknowledged\n",
                crate::report::total_text(card, crate::report::Lang::Zh),
                card.top_line(),
                card.claims_checked,
                card.findings.len(),
                open
            );
            let authority = c.integrity.as_ref().ok().map(|v| &v.authority);
            text.push_str(&rule_set_changes_text(&card.rule_set_changes, authority));
            text.push_str(&findings_text(&card.findings));
            text.push_str(&crate::report::warnings_text(&card.warnings));
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
            (text, v, open == 0)
        }
    }
}
