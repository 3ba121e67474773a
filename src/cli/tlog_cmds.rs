//! Handlers of `upgrade` (format 1 → 2) and `witness` (submit a checkpoint to a C2SP
//! tlog-witness): parse arguments, call the library, print.

use super::CliError;
use crate::ledger::{Upgraded, upgrade};
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
                "upgraded {} to ledger format 2: {} entries untouched; Merkle tree now RFC 6962 (root {}), format-1 root {} recorded; {checkpoints} format-1 checkpoint(s) kept and still checked",
                a.ledger.display(),
                record.size,
                hex::encode(record.v2_root),
                hex::encode(record.v1_root),
            );
        }
        Upgraded::AlreadyCurrent { record } => {
            println!(
                "{} is already ledger format 2{}; nothing changed",
                a.ledger.display(),
                match record {
                    Some(r) => format!(" (upgraded from format 1 at {} entries)", r.size),
                    None => String::new(),
                }
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
            println!(
                "witness cosigned the checkpoint of {} entries (from size {}): kept {} line(s) by {}{}",
                w.size,
                w.old,
                w.names.len(),
                w.names.join(", "),
                if w.checked {
                    ", cosignature verified"
                } else {
                    "; not checked: pass --witness-key to check it"
                }
            );
            Ok(())
        }
        Err(WitnessError::Ledger(e)) => Err(CliError::Ledger(e)),
        Err(e) => {
            eprintln!("error: {}: {e}", a.ledger.display());
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
