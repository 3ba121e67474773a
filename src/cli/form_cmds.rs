//! Handler of `import-form`: a 自评表 the department already filled in (XLSX), read against
//! the ledger's rule set in force and appended as one signed batch.
//!
//! Owns: its arguments and what it prints. Must not: read the form or validate events (the
//! form reader and the checked append do).

use super::CliError;
use super::args::KeyArg;
use super::eval_cmds::{Origin, append_validated};
use super::outcome::FormSummary;
use crate::check::check_open;
use crate::eval::AsOf;
use crate::import::form::{FormMode, read_form};
use crate::ledger::Ledger;
use crate::messages::text;
use crate::model::Event;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `import-form`.
#[derive(Args, Debug)]
pub struct ImportFormArgs {
    /// The ledger (its rule set in force names the form's indicators).
    pub ledger: PathBuf,
    /// The filled-in 自评表 (.xlsx, .xls or .ods; layout in docs/FORM.md).
    pub file: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Import only the form's stated figures as claims, not its targets and actual values
    /// (when the ledger already holds those from their own sources).
    #[arg(long)]
    pub claims_only: bool,
    /// Check and show the score impact without writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `jixiao import-form`.
pub fn import_form(a: &ImportFormArgs, json: bool) -> Result<(), CliError> {
    let (rules, year) = {
        let ledger = Ledger::open_read(&a.ledger)?;
        let checked = check_open(&ledger, AsOf::Latest, &[])?;
        let state = checked.state.map_err(|e| {
            CliError::Usage(text(
                "form.no_replay",
                &[("ledger", &a.ledger.display()), ("error", &e)],
            ))
        })?;
        let year = state.genesis.as_ref().map(|g| g.value.year).unwrap_or(0);
        match state.rules.map(|r| r.parsed) {
            Some(Ok(r)) => (r, year),
            _ => {
                return Err(CliError::Usage(text(
                    "form.no_rules",
                    &[("ledger", &a.ledger.display())],
                )));
            }
        }
    };
    let mode = if a.claims_only {
        FormMode::ClaimsOnly
    } else {
        FormMode::All
    };
    let batch =
        read_form(&a.file, &rules, year, mode).map_err(|e| CliError::Usage(e.to_string()))?;
    let count = |k: fn(&Event) -> bool| batch.events.iter().filter(|e| k(e)).count();
    let form = FormSummary {
        file: a.file.display().to_string(),
        sheet: batch.sheet.clone(),
        targets: count(|e| matches!(e, Event::IndicatorTarget(_))),
        values: count(|e| matches!(e, Event::IndicatorValue(_))),
        facts: count(|e| matches!(e, Event::Fact(_))),
        claims: count(|e| matches!(e, Event::Claim(_))),
    };
    if !json {
        println!(
            "{}",
            text(
                "form.read",
                &[
                    ("file", &form.file),
                    ("sheet", &form.sheet),
                    ("targets", &form.targets),
                    ("values", &form.values),
                    ("facts", &form.facts),
                    ("claims", &form.claims),
                ],
            )
        );
    }
    let progress = super::progress::progress(json);
    append_validated(
        &a.ledger,
        &a.key,
        batch.events,
        Some(Origin {
            path: &a.file,
            lines: &batch.rows,
            sheet: Some(&batch.sheet),
            description: None,
            form: Some(form),
        }),
        a.dry_run,
        &*progress,
        json,
    )?;
    if json {
        return Ok(());
    }
    println!(
        "{}",
        text("form.verify_hint", &[("ledger", &a.ledger.display())])
    );
    Ok(())
}
