//! `jixiao verify`: the integrity check, the recomputation, the checkpoint check, and the
//! closing line saying whether the ledger is ready to submit (就绪/未就绪) with the command
//! that resolves each thing blocking it.
//!
//! Owns: its arguments and its output, text and JSON. Must not: check anything itself (the
//! library's `check`, `readiness` and the checkpoint check do).

use super::CliError;
use crate::messages::text;
use crate::readiness::{Blocker, BlockerKind, blockers};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The ledger (or the first of many, or a directory of `*.jixiao` files).
    pub ledger: PathBuf,
    #[command(flatten)]
    pub many: super::args::ManyArgs,
    #[command(flatten)]
    pub checkpoint: super::checkpoint_cmds::CheckpointCheck,
    /// The recompute's point of history: `--as-of DATE`, `--known-at TIME|SEQ` (the integrity
    /// check always covers the whole file).
    #[command(flatten)]
    pub point: super::args::PointArgs,
    /// Rebuild the derived state (docs/FORMAT.md §11) from the entries, when it is all that
    /// fails; writes the file.
    #[arg(long)]
    pub rebuild_derived: bool,
}

/// One ledger (`bureau_cmds::verify_many` takes many).
pub(super) fn verify(a: &VerifyArgs, json: bool) -> Result<(), CliError> {
    if a.rebuild_derived {
        if json {
            return Err(CliError::Usage(crate::messages::text(
                "usage.verify.rebuild_derived_writes_file",
                &[],
            )));
        }
        let ledger = crate::ledger::Ledger::open(&a.ledger)?;
        let progress = super::progress::progress(false);
        let n = match crate::append::rebuild_derived(&ledger, &*progress) {
            Ok(n) => n,
            Err(crate::append::Refused::Ledger(e)) => return Err(e.into()),
            Err(crate::append::Refused::Event { message, .. }) => {
                return Err(CliError::Usage(message));
            }
        };
        return super::print_out(&format!(
            "the derived state was rebuilt from the {n} verified entries\n"
        ));
    }
    let cp_size = match &a.checkpoint.checkpoint {
        Some(p) => std::fs::read_to_string(p)
            .ok()
            .and_then(|t| crate::ledger::SignedCheckpoint::parse(&t).ok())
            .map(|c| c.checkpoint.size),
        None => None,
    };
    let sizes: Vec<u64> = cp_size.into_iter().collect();
    let progress = super::progress::progress(json);
    let point = a.point.point()?;
    let checked = crate::check::check_with(&a.ledger, point, &sizes, &*progress)?;
    if let Ok(v) = &checked.integrity {
        super::args::within("--known-at", point, v.size)?;
    }
    drop(progress);
    if let Some(note) = &checked.recovery_note {
        eprintln!("{note}");
    }
    let integrity_ok = checked.integrity.is_ok();
    let cp = match &checked.integrity {
        Ok(v) => super::checkpoint_cmds::verify_checkpoint(&a.checkpoint, v)?,
        Err(_) => None,
    };
    let (findings_text, findings_json, findings_ok) = if integrity_ok {
        super::eval_cmds::findings_report(&checked, json)
    } else {
        (String::new(), json!(null), false)
    };
    let cp_ok = cp.as_ref().is_none_or(|c| c.0);
    let ok = integrity_ok && findings_ok && cp_ok;
    let blocking = blockers(&a.ledger, &checked, cp.as_ref().map(|c| c.0));
    if json {
        let integrity = match &checked.integrity {
            Ok(v) => json!({
                "ok": true,
                "ledger_id": hex::encode(v.ledger_id),
                "entries": v.size,
                "batches": v.batches,
                "head": v.head.to_hex(),
                "merkle_root": hex::encode(v.root),
                "failure": null,
            }),
            Err(f) => json!({
                "ok": false,
                "failure": { "seq": f.seq, "kind": f.kind.name(), "detail": f.detail },
            }),
        };
        let doc = json!({
            "ledger": a.ledger.display().to_string(),
            "ok": ok,
            "ready": blocking.is_empty(),
            "blockers": blocking,
            "recovered": checked.recovery_note.is_some(),
            "integrity": integrity,
            "recompute": findings_json,
            "checkpoint": cp.as_ref().map(|c| c.2.clone()),
        });
        super::print_json(&doc)?;
    } else {
        let mut out = text("verify.ledger", &[("ledger", &a.ledger.display())]) + "\n";
        match &checked.integrity {
            Ok(v) => {
                out += &(text("verify.ledger_id", &[("id", &hex::encode(v.ledger_id))]) + "\n");
                out += &(text(
                    "verify.integrity_ok",
                    &[
                        ("entries", &v.size),
                        ("batches", &v.batches),
                        ("seq", &v.size),
                        ("hash", &v.head.short()),
                        ("root", &hex::encode(&v.root[..8])),
                    ],
                ) + "\n");
                if let Some((_, t, _)) = &cp {
                    out += t;
                }
                out += &findings_text;
            }
            Err(f) => {
                let at = f
                    .seq
                    .map_or_else(String::new, |s| text("verify.at_seq", &[("seq", &s)]));
                out += &(text(
                    "verify.integrity_failed",
                    &[
                        ("at", &at),
                        ("detail", &f.detail_here()),
                        ("kind", &f.kind.label()),
                    ],
                ) + "\n");
                out += &(text("verify.not_recomputed", &[]) + "\n");
            }
        }
        out += &ready_text(&blocking);
        super::print_out(&out)?;
    }
    if ok {
        return Ok(());
    }
    // A damaged file is also said on standard error (the report above is on standard output);
    // findings and checkpoint problems are the report itself.
    if let Err(f) = &checked.integrity {
        let at = f
            .seq
            .map_or_else(String::new, |s| text("verify.at_seq", &[("seq", &s)]));
        eprintln!(
            "{}",
            text(
                "error.prefix",
                &[(
                    "message",
                    &text(
                        "verify.integrity_failed_err",
                        &[
                            ("ledger", &a.ledger.display()),
                            ("at", &at),
                            ("detail", &f.detail_here()),
                            ("kind", &f.kind.label()),
                        ],
                    )
                )]
            )
        );
    }
    Err(CliError::Reported(1))
}

/// The closing lines: each blocker with the commands that resolve it, then the one line
/// saying whether the ledger is ready to submit.
fn ready_text(blocking: &[Blocker]) -> String {
    if blocking.is_empty() {
        return text("ready.yes", &[]) + "\n";
    }
    let mut out = text("ready.heading", &[]) + "\n";
    for b in blocking {
        let what = match b.kind {
            BlockerKind::Integrity => text(
                "ready.integrity",
                &[(
                    "seq",
                    &b.seq.map_or_else(|| "-".to_string(), |s| s.to_string()),
                )],
            ),
            BlockerKind::Replay => text("ready.replay", &[]),
            BlockerKind::NoRuleSet => text("ready.no_rule_set", &[]),
            BlockerKind::Finding => text(
                "ready.finding",
                &[
                    ("id", &b.id.as_deref().unwrap_or("")),
                    ("seq", &b.seq.unwrap_or(0)),
                ],
            ),
            BlockerKind::MissingValue => text(
                "ready.missing_value",
                &[("id", &b.id.as_deref().unwrap_or(""))],
            ),
            BlockerKind::Checkpoint => text("ready.checkpoint", &[]),
        };
        out += &format!("  - {what}\n");
        for (i, c) in b.commands.iter().enumerate() {
            let lead = if i == 0 {
                text("ready.run", &[])
            } else {
                text("ready.or", &[])
            };
            out += &format!("      {lead} {c}\n");
        }
    }
    out + &text("ready.no", &[("count", &blocking.len())]) + "\n"
}
