//! Handlers of the ledger-core commands: key, init, grant, revoke, log, verify.

use super::CliError;
use super::args::{KeyArg, now};
use crate::ledger::Ledger;
use crate::ledger::keys::{self, KeyPair};
use crate::messages::text;
use crate::model::{Event, Genesis, Grant, KeyId, Revoke, Role};
use crate::report::format_time;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Path of the new ledger file (must not exist).
    pub ledger: PathBuf,
    /// Department name, e.g. 广州市从化区人民政府办公室.
    #[arg(long)]
    pub department: String,
    /// Department code, if any.
    #[arg(long, default_value = "")]
    pub code: String,
    /// Fiscal year.
    #[arg(long)]
    pub year: i32,
    #[command(flatten)]
    pub key: KeyArg,
}

/// Arguments of `grant`.
#[derive(Args, Debug)]
pub struct GrantArgs {
    /// The ledger.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Public key file (`NAME.key.pub`) or 64 hex digits of the key receiving the role.
    #[arg(long)]
    pub public_key: PathBuf,
    /// Display name the key is known by in this ledger.
    #[arg(long)]
    pub name: String,
    /// admin, recorder, evaluator or auditor.
    #[arg(long)]
    pub role: String,
}

/// Arguments of `revoke`.
#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// The ledger.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Public key file or 64 hex digits of the key losing the role.
    #[arg(long)]
    pub public_key: PathBuf,
    /// admin, recorder, evaluator or auditor.
    #[arg(long)]
    pub role: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
}

/// Arguments of `log`.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Only entries about this subject or below it: an indicator or node id (`mgmt.perf`
    /// matches `mgmt.perf.targets`), a fact key, a claim id, or a budget line
    /// `budget:FUND/TYPE[/PROJECT]` (`budget:一般公共预算/基本支出`; `budget:一般公共预算` is
    /// every line of that fund source), as reports cite summarised entries; plus corrections
    /// of those entries.
    #[arg(long)]
    pub subject: Option<String>,
    /// Only the entries known at this point: a seq (`41`) or a recorded time (RFC 3339, or
    /// `2023-01-31` for the end of that UTC day); docs/TIME.md.
    #[arg(long, value_name = "TIME|SEQ")]
    pub known_at: Option<String>,
}

pub(super) fn key_new(name: &str, out: &Path, json: bool) -> Result<(), CliError> {
    let k = KeyPair::generate(name)?;
    let pub_path = k.write(out)?;
    let public = hex::encode(k.principal().public_key);
    if json {
        return super::print_json(&json!({
            "name": name,
            "secret_key": out.display().to_string(),
            "public_key": pub_path.display().to_string(),
            "public": public,
            "key_id": k.key_id().to_string(),
        }));
    }
    super::print_out(&text(
        "key.new",
        &[
            ("secret", &out.display()),
            ("public_file", &pub_path.display()),
            ("public", &public),
            ("key_id", &k.key_id()),
        ],
    ))
}

pub(super) fn init(a: &InitArgs, json: bool) -> Result<(), CliError> {
    let key = KeyPair::read(&a.key.key)?;
    if !(1990..=2100).contains(&a.year) {
        return Err(CliError::Usage(crate::messages::text(
            "usage.ledger.year_expected_fiscal_year",
            &[("year", &a.year)],
        )));
    }
    if a.department.trim().is_empty() {
        return Err(CliError::Usage(crate::messages::text(
            "usage.ledger.department_must_not_empty",
            &[],
        )));
    }
    let mut id = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    let genesis = Genesis {
        department: a.department.clone(),
        department_code: a.code.clone(),
        year: a.year,
        admins: vec![key.principal()],
    };
    let (ledger, appended) = Ledger::create(&a.ledger, genesis, &key.signing, id, now()?)?;
    drop(ledger);
    if json {
        return super::print_json(&json!({
            "ledger": a.ledger.display().to_string(),
            "ledger_id": hex::encode(id),
            "department": a.department,
            "code": a.code,
            "year": a.year,
            "admin": { "name": key.name, "key_id": key.key_id().to_string() },
            "head": { "seq": appended.last, "hash": appended.head.to_hex() },
        }));
    }
    super::print_out(&text(
        "init.created",
        &[
            ("ledger", &a.ledger.display()),
            ("id", &hex::encode(id)),
            ("department", &a.department),
            ("year", &a.year),
            ("admin", &key.name),
            ("key_id", &key.key_id()),
            ("seq", &appended.last),
            ("hash", &appended.head.short()),
        ],
    ))
}

fn parse_role(s: &str) -> Result<Role, CliError> {
    Role::parse(s).ok_or_else(|| {
        CliError::Usage(crate::messages::text(
            "usage.ledger.role_unknown_role_use",
            &[("s", &s)],
        ))
    })
}

/// Appends `events` signed by `key` after verifying the ledger and validating them.
pub(super) fn append(
    ledger: &Path,
    key: &KeyArg,
    events: Vec<Event>,
    json: bool,
) -> Result<(), CliError> {
    super::eval_cmds::append_validated(
        ledger,
        key,
        events,
        None,
        false,
        &crate::progress::Silent,
        json,
    )
}

pub(super) fn grant(a: &GrantArgs, json: bool) -> Result<(), CliError> {
    let role = parse_role(&a.role)?;
    let mut principal = keys::read_public(&a.public_key)?;
    principal.name.clone_from(&a.name);
    append(
        &a.ledger,
        &a.key,
        vec![Event::Grant(Grant { principal, role })],
        json,
    )
}

pub(super) fn revoke(a: &RevokeArgs, json: bool) -> Result<(), CliError> {
    let role = parse_role(&a.role)?;
    let principal = keys::read_public(&a.public_key)?;
    append(
        &a.ledger,
        &a.key,
        vec![Event::Revoke(Revoke {
            key_id: KeyId::of(&principal.public_key),
            role,
            reason: a.reason.clone(),
        })],
        json,
    )
}

pub(super) fn log(a: &LogArgs, json: bool) -> Result<(), CliError> {
    let known = match &a.known_at {
        Some(s) => Some(super::args::parse_known_at("--known-at", s)?),
        None => None,
    };
    let l = Ledger::open_read(&a.ledger)?;
    if let Some(k) = known {
        super::args::within(
            "--known-at",
            crate::eval::AsOf::new(Some(k), None),
            l.head()?.size,
        )?;
    }
    if let Some(note) = l.recovery_note() {
        eprintln!("{note}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| CliError::Io {
        path: PathBuf::from("<stdout>"),
        source: e,
    };
    let (checkpoints, failure) = crate::listing::list(
        &l,
        a.subject.as_deref(),
        known,
        |e| -> Result<(), CliError> {
            if json {
                let line = json!({
                    "seq": e.seq,
                    "recorded_at": format_time(e.recorded_at),
                    "author": { "key_id": e.author.to_string(), "name": e.author_name },
                    "kind": e.kind,
                    "summary": e.summary,
                    "hash": e.hash,
                    "verified": e.verified,
                });
                writeln!(out, "{line}").map_err(io)
            } else {
                writeln!(
                    out,
                    "{}{:<5} {}  {}  {}  ·{}",
                    if e.verified { "#" } else { "!" },
                    e.seq,
                    format_time(e.recorded_at),
                    crate::report::pad(&e.author_name, 10),
                    crate::messages::localize("summary", &e.summary),
                    e.short
                )
                .map_err(io)
            }
        },
    )?;
    // Checkpoints kept in the file (not entries: statements about the chain, re-checked by
    // `verify --checkpoint`).
    for cp in checkpoints {
        if json {
            let line = json!({ "checkpoint": { "size": cp.size, "root": cp.root, "signed_by": cp.signed_by } });
            writeln!(out, "{line}").map_err(io)?;
        } else {
            let line = text(
                "log.checkpoint",
                &[
                    ("size", &cp.size),
                    ("root", &cp.root.get(..16).unwrap_or(&cp.root)),
                    ("signers", &cp.signed_by.join(", ")),
                ],
            );
            writeln!(out, "{line}").map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    match failure {
        None => Ok(()),
        Some(f) => {
            let marked = match f.seq {
                Some(s) => text("log.marked", &[("seq", &s)]),
                None => String::new(),
            };
            let message = text(
                "log.failed",
                &[
                    ("ledger", &a.ledger.display()),
                    ("failure", &f),
                    ("marked", &marked),
                ],
            );
            eprintln!("{}", text("error.prefix", &[("message", &message)]));
            Err(CliError::Reported(1))
        }
    }
}
