//! Handlers that need the recomputation: validated appends, `import`, `adopt`, `score`, and the
//! findings part of `verify`.

use super::CliError;
use super::ledger_cmds::{KeyArg, now};
use crate::check::{Checked, check, check_open};
use crate::eval::{AsOf, EvalError, Replay, Scorecard, State, score, validate_new_events};
use crate::import;
use crate::ledger::keys::KeyPair;
use crate::ledger::{Entry, EntryHash, FORMAT_VERSION, Ledger, LedgerError, Recorded};
use crate::model::{Event, KeyId, RuleSetAdopted};
use crate::report::{findings_text, scorecard_table};
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
}

/// Opens the ledger for writing, verifies it, validates `events` against its history, and
/// appends them as one batch signed by `key`. Nothing is written if any step fails.
pub fn append_validated(
    ledger_path: &Path,
    key: &KeyArg,
    events: Vec<Event>,
    origin: Option<Origin<'_>>,
    dry_run: bool,
) -> Result<(), CliError> {
    let key = KeyPair::read(&key.key)?;
    let ledger = Ledger::open(ledger_path)?;
    let before = check_open(&ledger, AsOf::Latest, &[])?;
    let verified = before.integrity.as_ref().map_err(|f| {
        CliError::Ledger(LedgerError::Damaged {
            path: ledger_path.to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: f.detail.clone(),
        })
    })?;
    let state = before
        .state
        .as_ref()
        .map_err(|e| CliError::Usage(format!("the ledger's history does not replay: {e}")))?;
    if let Err(inv) = validate_new_events(state, &events) {
        let at = match &origin {
            Some(o) => format!(
                "{}:{}: ",
                o.path.display(),
                o.lines.get(inv.index).copied().unwrap_or(0)
            ),
            None => String::new(),
        };
        return Err(CliError::Usage(format!("{at}{inv}; nothing was appended")));
    }
    let after = simulate(
        &ledger,
        state,
        verified.size,
        KeyId::of(&key.signing.verifying_key().to_bytes()),
        &events,
    )?;
    let impact = score_impact(before.scorecard.as_ref(), &after);
    if dry_run {
        println!(
            "dry run: {} event(s) would be appended as #{}..#{} signed by {}; nothing written",
            events.len(),
            verified.size + 1,
            verified.size + events.len() as u64,
            key.name
        );
        print!("{impact}");
        return Ok(());
    }
    let appended = match ledger.append(&key.signing, events, now()?) {
        Ok(a) => a,
        Err(LedgerError::Unauthorized { seq, source }) if origin.is_some() => {
            // Point at the event in the file: the seq it would have had exists nowhere.
            let index = seq.saturating_sub(verified.size + 1);
            let (file, line) = origin.as_ref().map_or((String::new(), 0), |o| {
                let line = usize::try_from(index)
                    .ok()
                    .and_then(|i| o.lines.get(i).copied())
                    .unwrap_or(0);
                (o.path.display().to_string(), line)
            });
            return Err(CliError::Usage(format!(
                "{file}:{line}: event #{}: {source}; nothing was appended",
                index + 1
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if appended.first == appended.last {
        println!(
            "appended #{}·{} signed by {}",
            appended.last,
            appended.head.short(),
            key.name
        );
    } else {
        println!(
            "appended #{}..#{} ({} entries) signed by {}, head #{}·{}",
            appended.first,
            appended.last,
            appended.last - appended.first + 1,
            key.name,
            appended.last,
            appended.head.short()
        );
    }
    print!("{impact}");
    Ok(())
}

/// Continues the verified replay `state` with `events` (as if appended after `size` entries)
/// and scores the result; the ledger is not read again except for entries a correction needs.
fn simulate(
    ledger: &Ledger,
    state: &State,
    size: u64,
    author: KeyId,
    events: &[Event],
) -> Result<Option<Result<Scorecard, EvalError>>, CliError> {
    if state.as_of != AsOf::Latest {
        return Ok(None);
    }
    let mut replay = Replay::resume(state.clone(), |seq| {
        if seq > size {
            usize::try_from(seq - size - 1)
                .ok()
                .and_then(|i| events.get(i))
                .cloned()
        } else {
            ledger.entry(seq).ok().flatten().map(|r| r.entry.event)
        }
    });
    let recorded_at = now()?;
    for (i, e) in events.iter().enumerate() {
        let r = Recorded {
            entry: Entry {
                version: FORMAT_VERSION,
                seq: size + 1 + i as u64,
                prev: EntryHash::default(),
                recorded_at,
                author,
                event: e.clone(),
            },
            hash: EntryHash::default(),
        };
        if let Err(e) = replay.apply(&r) {
            return Ok(Some(Err(e)));
        }
    }
    Ok(Some(score(&replay.finish())))
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
    /// Event file (TOML, docs/IMPORT.md) or budget spreadsheet (`.csv`, one budget event per
    /// row): imported whole as one signed batch, or not at all.
    pub file: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Check and show the score impact without writing.
    #[arg(long)]
    pub dry_run: bool,
}

pub(super) fn import(a: &ImportArgs) -> Result<(), CliError> {
    let year = fiscal_year(&a.ledger)?;
    let is_csv = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let batch = if is_csv {
        import::read_budget_csv_file(&a.file)
    } else {
        import::read_batch_file(&a.file, year)
    }
    .map_err(|e| CliError::Usage(e.to_string()))?;
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
        }),
        a.dry_run,
    )
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
    append_validated(&a.ledger, &a.key, vec![event], None, false)
}

/// Arguments of `score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Score the history as of a business date (YYYY-MM-DD) or a seq.
    #[arg(long)]
    pub as_of: Option<String>,
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
    let as_of = match &a.as_of {
        Some(s) => super::report_cmds::parse_as_of("--as-of", s)?,
        None => AsOf::Latest,
    };
    let c = check(&a.ledger, as_of, &[])?;
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
        if !card.findings.is_empty() {
            println!(
                "\nfindings ({} of {} claims do not reproduce):",
                card.findings.len(),
                card.claims_checked
            );
            print!("{}", findings_text(&card.findings));
        }
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
                "recompute ok: total {:.2}{} (管理效能 etc. below with `jixiao score`); {} claims checked, {} finding(s), {} unacknowledged\n",
                card.total,
                card.grade
                    .as_ref()
                    .map_or_else(String::new, |g| format!(" {}", g.name)),
                card.claims_checked,
                card.findings.len(),
                open
            );
            text.push_str(&findings_text(&card.findings));
            let v = json!({
                "ok": open == 0,
                "total": format!("{:.2}", card.total),
                "grade": card.grade.as_ref().map(|g| g.name.clone()),
                "claims_checked": card.claims_checked,
                "findings": card.findings,
                "unacknowledged": open,
            });
            (text, v, open == 0)
        }
    }
}
