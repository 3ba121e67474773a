//! Handlers of `checkpoint` and `cosign`, the checkpoint part of `verify`, and the checkpoint
//! helpers `prove` and `check-proof` share (`proof_cmds`).
//!
//! Owns: their arguments and what they print. Must not: build or check proofs (the ledger
//! layer does).

use super::CliError;
use super::args::KeyArg;
use crate::check::check_open;
use crate::eval::AsOf;
use crate::ledger::keys::{self, KeyPair};
use crate::ledger::{
    Authority, Checkpoint, Ledger, LedgerError, SignedCheckpoint, Verified, WitnessKey,
};
use crate::messages::text as t;
use crate::model::Role;
use clap::Args;
use ed25519_dalek::VerifyingKey;
use std::path::{Path, PathBuf};

pub use crate::ledger::note_name;

/// Trusted (name, key) pairs: each `--trusted-key` file under its own name and, when known to
/// the ledger, under its registry name; with no `--trusted-key`, the ledger's admin and auditor
/// keys.
pub(super) fn trusted_keys(
    files: &[PathBuf],
    authority: Option<&Authority>,
) -> Result<Vec<(String, VerifyingKey)>, CliError> {
    let mut out = Vec::new();
    let mut push = |name: String, pk: [u8; 32]| -> Result<(), CliError> {
        let vk = VerifyingKey::from_bytes(&pk).map_err(|_| {
            CliError::Usage(crate::messages::text(
                "usage.checkpoint.trusted_key_not_valid",
                &[],
            ))
        })?;
        if !out.iter().any(|(n, k)| *n == name && *k == vk) {
            out.push((name, vk));
        }
        Ok(())
    };
    for f in files {
        let p = keys::read_public(f)?;
        let id = p.key_id();
        push(note_name(&p.name, id), p.public_key)?;
        if let Some(rec) = authority.and_then(|a| a.get(id)) {
            push(note_name(&rec.principal.name, id), p.public_key)?;
        }
    }
    if files.is_empty()
        && let Some(a) = authority
    {
        for rec in a.records() {
            if rec.roles.contains(&Role::Admin) || rec.roles.contains(&Role::Auditor) {
                let id = rec.principal.key_id();
                push(note_name(&rec.principal.name, id), rec.principal.public_key)?;
            }
        }
    }
    Ok(out)
}

pub(super) fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn write_text(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|source| CliError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn parse_checkpoint(path: &Path) -> Result<SignedCheckpoint, CliError> {
    SignedCheckpoint::parse(&read_text(path)?).map_err(|e| {
        CliError::Usage(crate::messages::text(
            "usage.checkpoint.not_jixiao_checkpoint",
            &[("path", &path.display()), ("e", &e)],
        ))
    })
}

pub(super) fn verified(ledger: &Ledger, sizes: &[u64]) -> Result<Verified, CliError> {
    let checked = check_open(ledger, AsOf::Latest, sizes)?;
    checked.integrity.map_err(|f| {
        CliError::Ledger(LedgerError::Damaged {
            path: ledger.path().to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: f.detail,
        })
    })
}

/// What is wrong with a checkpoint relative to a ledger, if anything, in the language in force.
pub(super) fn checkpoint_problem(
    ledger_id: [u8; 16],
    v: &Verified,
    cp: &SignedCheckpoint,
) -> Option<String> {
    debug_assert_eq!(ledger_id, v.ledger_id);
    v.problem_with(&cp.checkpoint)
        .map(|p| crate::messages::localize("detail", &p))
}

/// Reads a checkpoint file and checks it matches the verified ledger (for binding a report).
pub(super) fn matching_checkpoint(path: &Path, v: &Verified) -> Result<SignedCheckpoint, CliError> {
    let cp = parse_checkpoint(path)?;
    if cp.checkpoint.size != v.size {
        return Err(CliError::Usage(crate::messages::text(
            "usage.checkpoint.checkpoint_covers_entries_ledger",
            &[
                ("path", &path.display()),
                ("size", &cp.checkpoint.size),
                ("size2", &v.size),
            ],
        )));
    }
    if let Some(p) = checkpoint_problem(v.ledger_id, v, &cp) {
        super::eprint_error(&format!("{}: {p}", path.display()));
        return Err(CliError::Reported(1));
    }
    Ok(cp)
}

/// Arguments of `checkpoint`.
#[derive(Args, Debug)]
pub struct CheckpointArgs {
    /// The ledger.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
    /// Write the signed checkpoint here (default: standard output).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

pub(super) fn checkpoint(a: &CheckpointArgs, json: bool) -> Result<(), CliError> {
    let key = KeyPair::read(&a.key.key)?;
    let ledger = Ledger::open(&a.ledger)?;
    if let Some(note) = ledger.recovery_note() {
        eprintln!("{note}");
    }
    let v = verified(&ledger, &[])?;
    let id = key.key_id();
    let rec = v.authority.get(id).ok_or_else(|| {
        CliError::Usage(crate::messages::text(
            "usage.checkpoint.key_not_known_this",
            &[("id", &id)],
        ))
    })?;
    if !rec.roles.contains(&Role::Admin) {
        return Err(CliError::Usage(crate::messages::text(
            "usage.checkpoint.key_lacks_admin_role",
            &[("id", &id), ("name", &rec.principal.name)],
        )));
    }
    let cp = Checkpoint::for_ledger(&v.ledger_id, v.size, v.root)
        .sign(&key.signing, &note_name(&rec.principal.name, id))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let text = cp.to_text();
    ledger.keep_checkpoint(v.size, &text)?;
    drop(ledger);
    if json {
        if let Some(p) = &a.out {
            write_text(p, &text)?;
        }
        return super::print_json(&serde_json::json!({
            "ledger": a.ledger.display().to_string(),
            "size": v.size,
            "root": hex::encode(v.root),
            "signed_by": rec.principal.name,
            "file": a.out.as_ref().map(|p| p.display().to_string()),
            "checkpoint": text,
        }));
    }
    match &a.out {
        Some(p) => {
            write_text(p, &text)?;
            println!(
                "{}",
                t(
                    "checkpoint.issued",
                    &[
                        ("size", &v.size),
                        ("root", &hex::encode(&v.root[..8])),
                        ("signer", &rec.principal.name),
                        ("file", &p.display()),
                    ],
                )
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Arguments of `cosign`.
#[derive(Args, Debug)]
pub struct CosignArgs {
    /// The checkpoint file (rewritten with the added signature).
    pub checkpoint: PathBuf,
    /// The ledger it must match.
    pub ledger: PathBuf,
    #[command(flatten)]
    pub key: KeyArg,
}

pub(super) fn cosign(a: &CosignArgs, json: bool) -> Result<(), CliError> {
    let key = KeyPair::read(&a.key.key)?;
    let mut cp = parse_checkpoint(&a.checkpoint)?;
    let ledger = Ledger::open(&a.ledger)?;
    if let Some(note) = ledger.recovery_note() {
        eprintln!("{note}");
    }
    let v = verified(&ledger, &[cp.checkpoint.size])?;
    if let Some(p) = checkpoint_problem(v.ledger_id, &v, &cp) {
        super::eprint_error(&t(
            "cosign.refused",
            &[("file", &a.checkpoint.display()), ("problem", &p)],
        ));
        return Err(CliError::Reported(1));
    }
    let trusted = trusted_keys(&[], Some(&v.authority))?;
    if let Err(e) = cp.verify_signatures(&trusted) {
        super::eprint_error(&t(
            "cosign.not_admin",
            &[("file", &a.checkpoint.display()), ("error", &e)],
        ));
        return Err(CliError::Reported(1));
    }
    let id = key.key_id();
    let rec = v
        .authority
        .get(id)
        .filter(|r| r.roles.contains(&Role::Auditor))
        .ok_or_else(|| {
            CliError::Usage(crate::messages::text(
                "usage.checkpoint.key_does_not_hold",
                &[("id", &id)],
            ))
        })?;
    cp.cosign(&key.signing, &note_name(&rec.principal.name, id))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let text = cp.to_text();
    write_text(&a.checkpoint, &text)?;
    ledger.keep_checkpoint(cp.checkpoint.size, &text)?;
    drop(ledger);
    if json {
        return super::print_json(&serde_json::json!({
            "file": a.checkpoint.display().to_string(),
            "size": cp.checkpoint.size,
            "root": hex::encode(cp.checkpoint.root),
            "cosigned_by": rec.principal.name,
            "signatures": cp.signatures.len(),
        }));
    }
    println!(
        "{}",
        t(
            "checkpoint.cosigned",
            &[
                ("size", &cp.checkpoint.size),
                ("signer", &rec.principal.name),
                ("count", &cp.signatures.len()),
            ],
        )
    );
    Ok(())
}

/// The checkpoint options of `verify`.
#[derive(Args, Debug, Default)]
pub struct CheckpointCheck {
    /// Also check the ledger against this signed checkpoint (truncation, rollback, fork).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Public key whose signature on the checkpoint counts (repeatable; default: the ledger's
    /// admin and auditor keys).
    #[arg(long = "trusted-key", value_name = "PUB")]
    pub trusted_keys: Vec<PathBuf>,
    /// A witness's verifier key `name+hash+base64` whose C2SP cosignature/v1 on the
    /// checkpoint counts (repeatable).
    #[arg(long = "witness-key", value_name = "VKEY")]
    pub witness_keys: Vec<String>,
    /// How many distinct trusted keys (signers and witnesses) the checkpoint needs.
    #[arg(long, default_value_t = 1)]
    pub min_signatures: usize,
}

/// The witness keys of `--witness-key` options.
pub(super) fn witness_keys(vkeys: &[String]) -> Result<Vec<WitnessKey>, CliError> {
    vkeys
        .iter()
        .map(|v| {
            WitnessKey::parse(v).map_err(|e| {
                CliError::Usage(crate::messages::text(
                    "usage.checkpoint.witness_key",
                    &[("e", &e)],
                ))
            })
        })
        .collect()
}

/// Result of checking a checkpoint in `verify`: (ok, text, json).
pub(super) fn verify_checkpoint(
    opts: &CheckpointCheck,
    v: &Verified,
) -> Result<Option<(bool, String, serde_json::Value)>, CliError> {
    let Some(path) = &opts.checkpoint else {
        return Ok(None);
    };
    let cp = parse_checkpoint(path)?;
    let trusted = trusted_keys(&opts.trusted_keys, Some(&v.authority))?;
    let witnesses = witness_keys(&opts.witness_keys)?;
    let mut problem = checkpoint_problem(v.ledger_id, v, &cp);
    let mut signers = Vec::new();
    if problem.is_none() {
        match cp.verify_quorum(&trusted, &witnesses, opts.min_signatures) {
            Ok(s) => signers = s,
            Err(e) => problem = Some(e.to_string()),
        }
    }
    let ok = problem.is_none();
    let text = match &problem {
        None => {
            t(
                "checkpoint.ok",
                &[
                    ("size", &cp.checkpoint.size),
                    ("root", &hex::encode(&cp.checkpoint.root[..8])),
                    ("signers", &signers.join(", ")),
                ],
            ) + "\n"
        }
        Some(p) => t("checkpoint.failed", &[("problem", p)]) + "\n",
    };
    let json = serde_json::json!({
        "ok": ok,
        "file": path.display().to_string(),
        "size": cp.checkpoint.size,
        "root": hex::encode(cp.checkpoint.root),
        "signers": signers,
        "problem": problem,
    });
    Ok(Some((ok, text, json)))
}
