//! Handlers of `upgrade` (format 1 → 2) and `witness` (submit a checkpoint to a C2SP
//! tlog-witness): parse arguments, call the library, print.

use super::CliError;
use crate::ledger::{Upgraded, upgrade};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `upgrade`.
#[derive(Args, Debug)]
pub struct UpgradeArgs {
    /// The ledger file to upgrade in place (format 1 to format 2).
    pub ledger: PathBuf,
}

pub(super) fn upgrade_cmd(a: &UpgradeArgs) -> Result<(), CliError> {
    let now = super::args::now()?;
    match upgrade(&a.ledger, now)? {
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
