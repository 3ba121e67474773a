//! Handlers of `upgrade` (format 1 → 2) and `witness` (submit a checkpoint to a C2SP
//! tlog-witness): parse arguments, call the library, print.

use super::CliError;
use crate::ledger::{Upgraded, upgrade};
use crate::messages::text;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `upgrade`.
#[derive(Args, Debug)]
pub struct UpgradeArgs {
    /// The ledger file to upgrade in place (format 1 to format 2).
    pub ledger: PathBuf,
}

pub(super) fn upgrade_cmd(a: &UpgradeArgs, json: bool) -> Result<(), CliError> {
    let now = super::args::now()?;
    let done = upgrade(&a.ledger, now)?;
    if json {
        return super::print_json(&match &done {
            Upgraded::Done {
                record,
                checkpoints,
            } => json!({
                "ledger": a.ledger.display().to_string(),
                "upgraded": true,
                "format_version": 2,
                "entries": record.size,
                "root": hex::encode(record.v2_root),
                "v1_root": hex::encode(record.v1_root),
                "v1_checkpoints": checkpoints,
            }),
            Upgraded::AlreadyCurrent { record } => json!({
                "ledger": a.ledger.display().to_string(),
                "upgraded": false,
                "format_version": 2,
                "upgraded_from_v1_at": record.as_ref().map(|r| r.size),
            }),
        });
    }
    match done {
        Upgraded::Done {
            record,
            checkpoints,
        } => {
            println!(
                "{}",
                text(
                    "upgrade.done",
                    &[
                        ("ledger", &a.ledger.display()),
                        ("entries", &record.size),
                        ("root", &hex::encode(record.v2_root)),
                        ("v1_root", &hex::encode(record.v1_root)),
                        ("checkpoints", &checkpoints),
                    ],
                )
            );
        }
        Upgraded::AlreadyCurrent { record } => {
            let from = match record {
                Some(r) => text("upgrade.from_v1", &[("entries", &r.size)]),
                None => String::new(),
            };
            println!(
                "{}",
                text(
                    "upgrade.already",
                    &[("ledger", &a.ledger.display()), ("from", &from)],
                )
            );
        }
    }
    Ok(())
}

/// Arguments of `witness`.
#[derive(Args, Debug)]
pub struct WitnessArgs {
    /// The ledger whose latest kept checkpoint is submitted; the cosignature is kept in it.
    pub ledger: PathBuf,
    /// The witness, `http://HOST[:PORT][/PREFIX]` (its C2SP tlog-witness `add-checkpoint`
    /// endpoint is PREFIX/add-checkpoint).
    #[arg(long)]
    pub url: String,
    /// The witness's verifier key `name+hash+base64`: its cosignature must verify, and only
    /// its lines are kept.
    #[arg(long = "witness-key", value_name = "VKEY")]
    pub witness_key: Option<String>,
}

pub(super) fn witness_cmd(a: &WitnessArgs, json: bool) -> Result<(), CliError> {
    use crate::ledger::{Ledger, WitnessError, WitnessKey, submit};
    let key = a
        .witness_key
        .as_deref()
        .map(WitnessKey::parse)
        .transpose()
        .map_err(|e| {
            CliError::Usage(crate::messages::text(
                "usage.tlog.witness_key_2",
                &[("e", &e)],
            ))
        })?;
    let ledger = Ledger::open(&a.ledger)?;
    match submit(&ledger, &a.url, key.as_ref()) {
        Ok(w) if json => super::print_json(&json!({
            "ledger": a.ledger.display().to_string(),
            "size": w.size,
            "old_size": w.old,
            "kept": w.names,
            "cosignature_verified": w.checked,
        })),
        Ok(w) => {
            let checked = if w.checked {
                text("witness.checked", &[])
            } else {
                text("witness.not_checked", &[])
            };
            println!(
                "{}",
                text(
                    "witness.done",
                    &[
                        ("size", &w.size),
                        ("old", &w.old),
                        ("count", &w.names.len()),
                        ("names", &w.names.join(", ")),
                        ("checked", &checked),
                    ],
                )
            );
            Ok(())
        }
        Err(WitnessError::Ledger(e)) => Err(CliError::Ledger(e)),
        Err(e) => {
            super::eprint_error(&format!("{}: {e}", a.ledger.display()));
            // A witness that knows a different history, or refuses the proof, is evidence of a
            // rollback or fork (exit 1); anything else is configuration or transport (exit 2).
            let code = match e {
                WitnessError::Conflict { .. }
                | WitnessError::BadProof { .. }
                | WitnessError::Response(_) => 1,
                _ => 2,
            };
            Err(CliError::Reported(code))
        }
    }
}
