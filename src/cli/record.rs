//! Handlers that append one recorded event: `record ...`, `adjust`, `acknowledge`, `correct`,
//! `adopt`.

use super::CliError;
use super::args::KeyArg;
use super::ledger_cmds::append;
use crate::ledger::Ledger;
use crate::messages::text;
use crate::model::{
    Acknowledgement, BizDate, BudgetEvent, BudgetLine, Claim, Correction, Direction, Event,
    Evidence, ExpenseType, Fact, FundSource, IndicatorTarget, IndicatorValue, Money, Number,
    ParseError, ScoreAdjustment, Seq, Staffing, budget_kind_from_input,
};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// What `record` appends.
#[derive(Subcommand, Debug)]
pub enum RecordCommand {
    /// An amount on a budget line (recorder).
    Budget(BudgetArgs),
    /// An indicator's direction, unit and target (recorder).
    Target(TargetArgs),
    /// An indicator's actual value (recorder).
    Value(ValueArgs),
    /// A named count or amount (recorder).
    Fact(FactArgs),
    /// A figure as the report states it, verbatim (recorder).
    Claim(ClaimArgs),
    /// A file's name, size and blake3 digest; the file stays outside the ledger (recorder).
    Evidence(EvidenceArgs),
    /// Establishment and head count of one staff category (recorder).
    Staffing(StaffingArgs),
}

/// The ledger and the signing key, common to every record command.
#[derive(Args, Debug)]
pub struct LedgerAndKey {
    /// The ledger.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
}

/// `record budget`.
#[derive(Args, Debug)]
pub struct BudgetArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Fund source: 一般公共预算, 政府性基金, 财政专户, 单位资金, 其他 (or general_public, ...).
    #[arg(long)]
    pub fund_source: String,
    /// Expenditure type: 基本支出, 人员经费, 公用经费, 项目支出 (or basic, basic_staff, ...).
    #[arg(long)]
    pub expense_type: String,
    /// Project id (project lines only).
    #[arg(long, default_value = "")]
    pub project: String,
    /// year_start, carry_in, adjust_add, adjust_cut, reallocate, execution, execution_cumulative,
    /// carry_out, prior_year_budget, prior_year_executed (or the Chinese names).
    #[arg(long)]
    pub kind: String,
    /// Exact amount: yuan (`19236500.00`, `19236500元`) or 万元 (`1923.65万元`).
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// Business date, YYYY-MM-DD, within the ledger's fiscal year.
    #[arg(long)]
    pub date: String,
    /// Approval document number (批文号); required for adjustments.
    #[arg(long, default_value = "")]
    pub document: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
}

/// `record target`.
#[derive(Args, Debug)]
pub struct TargetArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Indicator id (a leaf of the adopted rule set).
    #[arg(long)]
    pub indicator: String,
    /// Indicator name as printed.
    #[arg(long)]
    pub name: String,
    /// `=`, `>=` (≥) or `<=` (≤).
    #[arg(long)]
    pub direction: String,
    /// Unit, e.g. `%`, `次`, `份`.
    #[arg(long)]
    pub unit: String,
    /// Year-start target.
    #[arg(long)]
    pub target: String,
    /// Adjusted target, if changed in year.
    #[arg(long)]
    pub adjusted: Option<String>,
    /// Business date.
    #[arg(long)]
    pub date: String,
}

/// `record value`.
#[derive(Args, Debug)]
pub struct ValueArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Indicator id.
    #[arg(long)]
    pub indicator: String,
    /// Actual value in the indicator's unit.
    #[arg(long, allow_hyphen_values = true)]
    pub value: String,
    /// Business date.
    #[arg(long)]
    pub date: String,
    /// Reason for a deviation from target.
    #[arg(long, default_value = "")]
    pub deviation_reason: String,
    /// Seq of an evidence entry supporting the value (repeatable).
    #[arg(long)]
    pub evidence: Vec<Seq>,
}

/// `record fact`.
#[derive(Args, Debug)]
pub struct FactArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Stable key, e.g. `docs.paper_in_district`.
    #[arg(long = "fact-key")]
    pub fact_key: String,
    /// Description as in the source.
    #[arg(long)]
    pub name: String,
    /// The value.
    #[arg(long, allow_hyphen_values = true)]
    pub value: String,
    /// Unit.
    #[arg(long)]
    pub unit: String,
    /// Business date.
    #[arg(long)]
    pub date: String,
    /// Where it comes from (report section, table).
    #[arg(long, default_value = "")]
    pub source: String,
}

/// `record claim`.
#[derive(Args, Debug)]
pub struct ClaimArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Stable id, e.g. `budget.growth_rate`.
    #[arg(long)]
    pub id: String,
    /// What recomputes it: `score.NODE`, `derived.NAME`, `fact.KEY`, `indicator.ID`, `budget.METRIC`.
    #[arg(long)]
    pub subject: String,
    /// The figure as printed, with its printed precision (`3.5`, `100.0`).
    #[arg(long, allow_hyphen_values = true)]
    pub value: String,
    /// Unit as printed: `%`, `万元`, `分`, `件`, ...
    #[arg(long)]
    pub unit: String,
    /// The sentence fragment, verbatim.
    #[arg(long)]
    pub text: String,
    /// The section it stands in, e.g. `一(三)`.
    #[arg(long)]
    pub section: String,
}

/// `record evidence`.
#[derive(Args, Debug)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// The file (read to compute size and blake3; not stored).
    pub file: PathBuf,
    /// What it is.
    #[arg(long, default_value = "")]
    pub description: String,
}

/// `record staffing`.
#[derive(Args, Debug)]
pub struct StaffingArgs {
    #[command(flatten)]
    pub at: LedgerAndKey,
    /// Category, e.g. 行政 or 事业.
    #[arg(long)]
    pub category: String,
    /// Establishment (编制).
    #[arg(long)]
    pub establishment: u32,
    /// Actual in post (实有).
    #[arg(long)]
    pub actual: u32,
    /// Retired.
    #[arg(long)]
    pub retired: u32,
    /// Date of the head count.
    #[arg(long)]
    pub date: String,
}

/// `adjust`.
#[derive(Args, Debug)]
pub struct AdjustArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Rule-set node id, e.g. `mgmt.perf.targets`.
    pub node: String,
    /// Signed change in points, e.g. `-0.04`.
    #[arg(allow_hyphen_values = true)]
    pub delta: String,
    #[command(flatten)]
    pub key: KeyArg,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// Basis (document, rule clause, report section).
    #[arg(long, default_value = "")]
    pub basis: String,
}

/// `acknowledge`.
#[derive(Args, Debug)]
pub struct AcknowledgeArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Finding id (the claim id, as `verify` lists it).
    pub finding: String,
    #[command(flatten)]
    pub key: KeyArg,
    /// Why it is accepted.
    #[arg(long)]
    pub reason: String,
}

/// `correct`.
#[derive(Args, Debug)]
pub struct CorrectArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// The seq to supersede.
    pub seq: Seq,
    #[command(flatten)]
    pub key: KeyArg,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// The corrected figure: amount for a budget entry, value for a value/fact/claim/target,
    /// delta for an adjustment.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "retract")]
    pub value: Option<String>,
    /// The corrected business date.
    #[arg(long, conflicts_with = "retract")]
    pub date: Option<String>,
    /// Withdraw the entry instead of replacing it.
    #[arg(long)]
    pub retract: bool,
}

fn bad(field: &str, e: impl std::fmt::Display) -> CliError {
    // `--FLAG: ` then the value's message, already in the language in force.
    CliError::Usage(format!("--{field}: {e}"))
}

/// A number, amount or date refused, in the language in force, with a form accepted.
fn refused(field: &str, e: &ParseError) -> CliError {
    let (key, value) = match e {
        ParseError::NotANumber(v) => ("input.not_a_number", v),
        ParseError::TooPrecise(v) => ("input.too_precise", v),
        ParseError::OutOfRange(v) => ("input.out_of_range", v),
        ParseError::NotADate(v) => ("input.not_a_date", v),
    };
    bad(field, text(key, &[("value", value)]))
}

fn date(field: &str, s: &str) -> Result<BizDate, CliError> {
    s.parse().map_err(|e| refused(field, &e))
}

fn number(field: &str, s: &str) -> Result<Number, CliError> {
    s.parse().map_err(|e| refused(field, &e))
}

fn money(field: &str, s: &str) -> Result<Money, CliError> {
    s.parse().map_err(|e| refused(field, &e))
}

/// Builds the event of a `record` command.
pub(super) fn record_event(cmd: &RecordCommand) -> Result<(&LedgerAndKey, Event), CliError> {
    Ok(match cmd {
        RecordCommand::Budget(a) => {
            let fund_source = FundSource::parse(&a.fund_source).ok_or_else(|| {
                bad(
                    "fund-source",
                    text("record.bad_fund_source", &[("value", &a.fund_source)]),
                )
            })?;
            let expense_type = ExpenseType::parse(&a.expense_type).ok_or_else(|| {
                bad(
                    "expense-type",
                    text("record.bad_expense_type", &[("value", &a.expense_type)]),
                )
            })?;
            let kind = budget_kind_from_input(&a.kind).map_err(|e| bad("kind", e))?;
            (
                &a.at,
                Event::Budget(BudgetEvent {
                    line: BudgetLine {
                        fund_source,
                        expense_type,
                        project: a.project.clone(),
                    },
                    kind,
                    amount: money("amount", &a.amount)?,
                    date: date("date", &a.date)?,
                    document: a.document.clone(),
                    reason: a.reason.clone(),
                }),
            )
        }
        RecordCommand::Target(a) => (
            &a.at,
            Event::IndicatorTarget(IndicatorTarget {
                indicator: a.indicator.clone(),
                name: a.name.clone(),
                direction: Direction::parse(&a.direction).ok_or_else(|| {
                    bad(
                        "direction",
                        text("record.bad_direction", &[("value", &a.direction)]),
                    )
                })?,
                unit: a.unit.clone(),
                year_start: number("target", &a.target)?,
                adjusted: a
                    .adjusted
                    .as_deref()
                    .map(|s| number("adjusted", s))
                    .transpose()?,
                date: date("date", &a.date)?,
            }),
        ),
        RecordCommand::Value(a) => (
            &a.at,
            Event::IndicatorValue(IndicatorValue {
                indicator: a.indicator.clone(),
                value: number("value", &a.value)?,
                date: date("date", &a.date)?,
                deviation_reason: a.deviation_reason.clone(),
                evidence: a.evidence.clone(),
            }),
        ),
        RecordCommand::Fact(a) => (
            &a.at,
            Event::Fact(Fact {
                key: a.fact_key.clone(),
                name: a.name.clone(),
                value: number("value", &a.value)?,
                unit: a.unit.clone(),
                date: date("date", &a.date)?,
                source: a.source.clone(),
            }),
        ),
        RecordCommand::Claim(a) => (
            &a.at,
            Event::Claim(Claim {
                id: a.id.clone(),
                subject: a.subject.clone(),
                value: number("value", &a.value)?,
                unit: a.unit.clone(),
                text: a.text.clone(),
                section: a.section.clone(),
            }),
        ),
        RecordCommand::Evidence(a) => {
            let bytes = std::fs::read(&a.file).map_err(|source| CliError::Io {
                path: a.file.clone(),
                source,
            })?;
            let name = a
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                &a.at,
                Event::Evidence(Evidence {
                    name,
                    size: bytes.len() as u64,
                    blake3: *blake3::hash(&bytes).as_bytes(),
                    description: a.description.clone(),
                }),
            )
        }
        RecordCommand::Staffing(a) => (
            &a.at,
            Event::Staffing(Staffing {
                category: a.category.clone(),
                establishment: a.establishment,
                actual: a.actual,
                retired: a.retired,
                date: date("date", &a.date)?,
            }),
        ),
    })
}

pub(super) fn adjust_event(a: &AdjustArgs) -> Result<Event, CliError> {
    Ok(Event::ScoreAdjustment(ScoreAdjustment {
        node: a.node.clone(),
        delta: number("delta", &a.delta)?,
        reason: a.reason.clone(),
        basis: a.basis.clone(),
    }))
}

pub(super) fn acknowledge_event(a: &AcknowledgeArgs) -> Event {
    Event::Acknowledgement(Acknowledgement {
        finding: a.finding.clone(),
        reason: a.reason.clone(),
    })
}

/// Builds a correction of `a.seq` from the superseded event with the given field replaced.
pub(super) fn correction_event(a: &CorrectArgs) -> Result<Event, CliError> {
    if a.reason.trim().is_empty() {
        return Err(bad("reason", text("record.no_reason", &[])));
    }
    let ledger = Ledger::open_read(&a.ledger)?;
    let old = ledger
        .entry(a.seq)?
        .ok_or_else(|| {
            CliError::Usage(crate::messages::text(
                "usage.record.seq_no_such_entry_2",
                &[("seq", &a.seq), ("ledger", &a.ledger.display())],
            ))
        })?
        .entry
        .event;
    drop(ledger);
    if a.retract {
        return Ok(Event::Correction(Correction {
            supersedes: a.seq,
            reason: a.reason.clone(),
            replacement: None,
            retracted_kind_role: old.required_role(),
        }));
    }
    if a.value.is_none() && a.date.is_none() {
        return Err(CliError::Usage(crate::messages::text(
            "usage.record.say_what_changes_value",
            &[],
        )));
    }
    let mut new = old.clone();
    let unsupported = |what: &str| {
        CliError::Usage(crate::messages::text(
            "usage.record.seq_entry_has_no",
            &[
                ("seq", &a.seq),
                ("kind", &old.kind().name()),
                ("what", &what),
            ],
        ))
    };
    if let Some(v) = &a.value {
        match &mut new {
            Event::Budget(b) => b.amount = money("value", v)?,
            Event::IndicatorValue(x) => x.value = number("value", v)?,
            Event::Fact(x) => x.value = number("value", v)?,
            Event::Claim(x) => x.value = number("value", v)?,
            Event::IndicatorTarget(x) => x.adjusted = Some(number("value", v)?),
            Event::ScoreAdjustment(x) => x.delta = number("value", v)?,
            _ => return Err(unsupported("value")),
        }
    }
    if let Some(d) = &a.date {
        let d = date("date", d)?;
        match &mut new {
            Event::Budget(b) => b.date = d,
            Event::IndicatorValue(x) => x.date = d,
            Event::Fact(x) => x.date = d,
            Event::IndicatorTarget(x) => x.date = d,
            Event::Staffing(x) => x.date = d,
            _ => return Err(unsupported("date")),
        }
    }
    let role = new.required_role();
    Ok(Event::Correction(Correction {
        supersedes: a.seq,
        reason: a.reason.clone(),
        replacement: Some(Box::new(new)),
        retracted_kind_role: role,
    }))
}

/// Appends one event built by a handler.
pub(super) fn append_one(at: &LedgerAndKey, event: Event, json: bool) -> Result<(), CliError> {
    append(&at.ledger, &at.key, vec![event], json)
}
