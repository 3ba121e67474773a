//! Handlers of `checkpoint`, `cosign`, `prove`, `check-proof`, and the checkpoint part of
//! `verify`.

use super::CliError;
use super::args::KeyArg;
use crate::check::check_open;
use crate::eval::AsOf;
use crate::ledger::keys::{self, KeyPair};
use crate::ledger::{
    Authority, Checkpoint, ConsistencyProof, InclusionProof, Ledger, LedgerError, ProofSummary,
    SignedCheckpoint, Verified, WitnessKey, check_proof_bytes_with, consistency_path,
    inclusion_path,
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
fn trusted_keys(
    files: &[PathBuf],
    authority: Option<&Authority>,
) -> Result<Vec<(String, VerifyingKey)>, CliError> {
    let mut out = Vec::new();
    let mut push = |name: String, pk: [u8; 32]| -> Result<(), CliError> {
        let vk = VerifyingKey::from_bytes(&pk)
            .map_err(|_| CliError::Usage("a trusted key is not a valid Ed25519 key".into()))?;
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

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_text(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|source| CliError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn parse_checkpoint(path: &Path) -> Result<SignedCheckpoint, CliError> {
    SignedCheckpoint::parse(&read_text(path)?)
        .map_err(|e| CliError::Usage(format!("{}: not a jixiao checkpoint: {e}", path.display())))
}

fn verified(ledger: &Ledger, sizes: &[u64]) -> Result<Verified, CliError> {
    let checked = check_open(ledger, AsOf::Latest, sizes)?;
    checked.integrity.map_err(|f| {
        CliError::Ledger(LedgerError::Damaged {
            path: ledger.path().to_path_buf(),
            seq: f.seq.unwrap_or(0),
            detail: f.detail,
        })
    })
}

/// What is wrong with a checkpoint relative to a ledger, if anything.
fn checkpoint_problem(ledger_id: [u8; 16], v: &Verified, cp: &SignedCheckpoint) -> Option<String> {
    debug_assert_eq!(ledger_id, v.ledger_id);
    v.problem_with(&cp.checkpoint)
}

/// Reads a checkpoint file and checks it matches the verified ledger (for binding a report).
pub(super) fn matching_checkpoint(path: &Path, v: &Verified) -> Result<SignedCheckpoint, CliError> {
    let cp = parse_checkpoint(path)?;
    if cp.checkpoint.size != v.size {
        return Err(CliError::Usage(format!(
            "{}: the checkpoint covers {} entries, the ledger has {}; a report binds to a checkpoint of the ledger's current size",
            path.display(),
            cp.checkpoint.size,
            v.size
        )));
    }
    if let Some(p) = checkpoint_problem(v.ledger_id, v, &cp) {
        eprintln!("error: {}: {p}", path.display());
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
        CliError::Usage(format!(
            "key {id} is not known to this ledger; the department signs checkpoints with an admin key"
        ))
    })?;
    if !rec.roles.contains(&Role::Admin) {
        return Err(CliError::Usage(format!(
            "key {id} ({}) lacks the admin role; the department signs checkpoints with an admin key, an auditor cosigns them with `jixiao cosign`",
            rec.principal.name
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
        eprintln!("error: {}: {p}; not cosigned", a.checkpoint.display());
        return Err(CliError::Reported(1));
    }
    let trusted = trusted_keys(&[], Some(&v.authority))?;
    if let Err(e) = cp.verify_signatures(&trusted) {
        eprintln!(
            "error: {}: {e}; only a checkpoint signed by this ledger's admin can be cosigned",
            a.checkpoint.display()
        );
        return Err(CliError::Reported(1));
    }
    let id = key.key_id();
    let rec = v
        .authority
        .get(id)
        .filter(|r| r.roles.contains(&Role::Auditor))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "key {id} does not hold the auditor role in this ledger; an admin grants it with `jixiao grant LEDGER --key ADMIN.key --public-key AUDITOR.key.pub --name NAME --role auditor`"
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
fn witness_keys(vkeys: &[String]) -> Result<Vec<WitnessKey>, CliError> {
    vkeys
        .iter()
        .map(|v| WitnessKey::parse(v).map_err(|e| CliError::Usage(format!("--witness-key: {e}"))))
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

/// Arguments of `prove`.
#[derive(Args, Debug)]
pub struct ProveArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// The seq to prove included.
    #[arg(required_unless_present = "consistency")]
    pub seq: Option<u64>,
    /// Prove the checkpoint NEW extends OLD instead (checkpoint files or tree sizes of
    /// checkpoints kept in the ledger).
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "seq")]
    pub consistency: Option<Vec<String>>,
    /// The checkpoint to prove against (default: the newest one kept in the ledger that covers
    /// the seq).
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Where to write the proof file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

fn kept_or_file(ledger: &Ledger, s: &str) -> Result<SignedCheckpoint, CliError> {
    if let Ok(size) = s.parse::<u64>() {
        let kept = ledger.checkpoints()?;
        let text = kept
            .iter()
            .find(|(n, _)| *n == size)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "no checkpoint of {size} entries is kept in the ledger; kept sizes: {}",
                    kept.iter()
                        .map(|(n, _)| n.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        SignedCheckpoint::parse(&text).map_err(|e| CliError::Usage(e.to_string()))
    } else {
        parse_checkpoint(Path::new(s))
    }
}

pub(super) fn prove(a: &ProveArgs, json: bool) -> Result<(), CliError> {
    let ledger = Ledger::open_read(&a.ledger)?;
    if let Some(note) = ledger.recovery_note() {
        eprintln!("{note}");
    }
    let text = if let Some(pair) = &a.consistency {
        let (Some(old), Some(new)) = (pair.first(), pair.get(1)) else {
            return Err(CliError::Usage("--consistency takes OLD and NEW".into()));
        };
        let old = kept_or_file(&ledger, old)?;
        let new = kept_or_file(&ledger, new)?;
        let v = verified(&ledger, &[old.checkpoint.size, new.checkpoint.size])?;
        for cp in [&old, &new] {
            if let Some(p) = checkpoint_problem(v.ledger_id, &v, cp) {
                return Err(CliError::Usage(format!(
                    "checkpoint of {}: {p}",
                    cp.checkpoint.size
                )));
            }
        }
        if old.checkpoint.size > new.checkpoint.size {
            return Err(CliError::Usage(format!(
                "--consistency OLD NEW: OLD is the checkpoint of {} entries, larger than NEW of {}; \
                 OLD must not be larger than NEW: give the earlier checkpoint first",
                old.checkpoint.size, new.checkpoint.size
            )));
        }
        let hashes = ledger.entry_hashes(new.checkpoint.size)?;
        let path = consistency_path(v.tree, &hashes, old.checkpoint.size, new.checkpoint.size)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        ConsistencyProof {
            ledger_id: v.ledger_id,
            old_checkpoint: old,
            new_checkpoint: new,
            path,
            tree: v.tree,
        }
        .to_json()
    } else {
        let seq = a.seq.unwrap_or(0);
        let cp = match &a.checkpoint {
            Some(p) => parse_checkpoint(p)?,
            None => {
                let kept = ledger.checkpoints()?;
                let text = kept
                    .iter()
                    .rev()
                    .find(|(n, _)| *n >= seq)
                    .map(|(_, t)| t.clone())
                    .ok_or_else(|| {
                        CliError::Usage(format!(
                            "no checkpoint covering seq {seq} is kept; issue one with `jixiao checkpoint {} --key ADMIN.key` or pass --checkpoint FILE",
                            a.ledger.display()
                        ))
                    })?;
                SignedCheckpoint::parse(&text).map_err(|e| CliError::Usage(e.to_string()))?
            }
        };
        let size = cp.checkpoint.size;
        if seq == 0 || seq > size {
            return Err(CliError::Usage(format!(
                "seq {seq} is not in the checkpoint's tree of {size} entries"
            )));
        }
        let v = verified(&ledger, &[size])?;
        if let Some(p) = checkpoint_problem(v.ledger_id, &v, &cp) {
            return Err(CliError::Usage(format!("checkpoint: {p}")));
        }
        let hashes = ledger.entry_hashes(size)?;
        let path = inclusion_path(v.tree, &hashes, seq - 1, size)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let bytes = ledger
            .stored_bytes(seq)?
            .ok_or_else(|| CliError::Usage(format!("seq {seq}: no such entry")))?;
        InclusionProof::new_in(v.tree, v.ledger_id, seq, bytes, path, cp).to_json()
    };
    write_text(&a.out, &text)?;
    if json {
        return super::print_json(&serde_json::json!({
            "proof": if a.consistency.is_some() { "consistency" } else { "inclusion" },
            "file": a.out.display().to_string(),
        }));
    }
    println!("{}", t("prove.wrote", &[("file", &a.out.display())]));
    Ok(())
}

/// Arguments of `check-proof`.
#[derive(Args, Debug, Default)]
pub struct CheckProofArgs {
    /// The proof file (from `prove`), or a JSON report made with `report --with-proofs`.
    pub proof: PathBuf,
    /// Public key whose checkpoint signature counts (repeatable; at least one).
    #[arg(long = "trusted-key", value_name = "PUB", required = true)]
    pub trusted_keys: Vec<PathBuf>,
    /// Recompute a report from this ledger file instead of the entries it embeds (a report
    /// made with `--with-proofs=ledger` needs it).
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
    /// A witness's verifier key `name+hash+base64` whose cosignature/v1 on a proof file's
    /// checkpoints counts (repeatable).
    #[arg(long = "witness-key", value_name = "VKEY")]
    pub witness_keys: Vec<String>,
    /// How many distinct trusted keys (signers and witnesses) each checkpoint of a proof file
    /// needs.
    #[arg(long, default_value_t = 1)]
    pub min_signatures: usize,
}

pub(super) fn check_proof(a: &CheckProofArgs, json: bool) -> Result<(), CliError> {
    use crate::report_check::{CheckError, FileCheck, check_file};
    let trusted = trusted_keys(&a.trusted_keys, None)?;
    let progress = super::progress::progress(json);
    let checked = check_file(&a.proof, &trusted, a.ledger.as_deref(), &*progress);
    if matches!(checked, Ok(FileCheck::Report(_)))
        && (!a.witness_keys.is_empty() || a.min_signatures > 1)
    {
        return Err(CliError::Usage(
            "--witness-key and --min-signatures apply to proof files; a report is checked against its --trusted-key signers".into(),
        ));
    }
    drop(progress);
    let summary = match checked {
        Ok(FileCheck::Report(r)) if json => {
            return super::print_json(&super::proof_json::report_doc(&a.proof, &r));
        }
        Ok(FileCheck::Report(r)) => {
            let source = if r.embedded {
                t("check_proof.embedded", &[])
            } else {
                t(
                    "check_proof.in_ledger",
                    &[(
                        "ledger",
                        &a.ledger.as_deref().unwrap_or(Path::new("")).display(),
                    )],
                )
            };
            println!(
                "{}",
                t(
                    "check_proof.report_ok",
                    &[
                        ("values", &r.values),
                        ("size", &r.size),
                        ("id", &hex::encode(r.ledger_id)),
                        ("source", &source),
                        ("root", &hex::encode(&r.root[..8])),
                        ("signers", &r.signers.join(", ")),
                    ],
                )
            );
            return Ok(());
        }
        Ok(FileCheck::Proof(s)) if a.witness_keys.is_empty() && a.min_signatures <= 1 => Ok(s),
        Ok(FileCheck::Proof(_)) => {
            let bytes = std::fs::read(&a.proof).map_err(|source| CliError::Io {
                path: a.proof.clone(),
                source,
            })?;
            let witnesses = witness_keys(&a.witness_keys)?;
            check_proof_bytes_with(&bytes, &trusted, &witnesses, a.min_signatures)
        }
        Err(CheckError::Proof(e)) => Err(e),
        Err(CheckError::Input(m)) => return Err(CliError::Usage(m)),
        Err(CheckError::Refused { problems, more }) if json => {
            super::print_json(&super::proof_json::refused_doc(&a.proof, &problems, more))?;
            return Err(CliError::Reported(1));
        }
        Err(CheckError::Refused { problems, more }) => {
            let m = t("check_proof.refused", &[("file", &a.proof.display())]);
            eprintln!("{}", t("error.prefix", &[("message", &m)]));
            for p in &problems {
                eprintln!("  {p}");
            }
            if more > 0 {
                eprintln!("  {}", t("import.rows_more", &[("more", &more)]));
            }
            return Err(CliError::Reported(1));
        }
    };
    if json {
        super::print_json(&super::proof_json::summary_doc(&a.proof, &summary))?;
        return if summary.is_ok() {
            Ok(())
        } else {
            Err(CliError::Reported(1))
        };
    }
    match summary {
        Ok(ProofSummary::Inclusion {
            seq,
            entry_hash,
            entry,
            tree_size,
            root,
            signers,
            ..
        }) => {
            println!(
                "{}",
                t(
                    "check_proof.inclusion_ok",
                    &[
                        ("seq", &seq),
                        ("hash", &entry_hash.short()),
                        ("size", &tree_size),
                        ("root", &hex::encode(&root[..8])),
                        ("signers", &signers.join(", ")),
                    ],
                )
            );
            println!("  #{seq}: {}", entry.event.summary());
            Ok(())
        }
        Ok(ProofSummary::Consistency {
            old_size,
            new_size,
            old_signers,
            new_signers,
            ..
        }) => {
            println!(
                "{}",
                t(
                    "check_proof.consistency_ok",
                    &[
                        ("new_size", &new_size),
                        ("old_size", &old_size),
                        ("old_signers", &old_signers.join(", ")),
                        ("new_signers", &new_signers.join(", ")),
                    ],
                )
            );
            Ok(())
        }
        Err(e) => {
            println!("{}", t("check_proof.failed", &[("error", &e)]));
            Err(CliError::Reported(1))
        }
    }
}
