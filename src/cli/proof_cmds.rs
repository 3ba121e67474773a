//! Handlers of `prove` (an inclusion or consistency proof file) and `check-proof` (a proof file
//! or a JSON report, checked offline).
//!
//! Owns: their arguments and what they print. Must not: build or check proofs (the ledger
//! layer and `report_check` do).

use super::CliError;
use super::checkpoint_cmds::{
    checkpoint_problem, parse_checkpoint, trusted_keys, verified, witness_keys, write_text,
};
use crate::ledger::{
    ConsistencyProof, InclusionProof, Ledger, ProofSummary, SignedCheckpoint,
    check_proof_bytes_with, consistency_path, inclusion_path,
};
use crate::messages::text as t;
use clap::Args;
use std::path::{Path, PathBuf};

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
                CliError::Usage(crate::messages::text(
                    "usage.checkpoint.no_checkpoint_entries_kept",
                    &[
                        ("size", &size),
                        (
                            "sizes",
                            &kept
                                .iter()
                                .map(|(n, _)| n.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ],
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
            return Err(CliError::Usage(crate::messages::text(
                "usage.checkpoint.consistency_takes_old_new",
                &[],
            )));
        };
        let old = kept_or_file(&ledger, old)?;
        let new = kept_or_file(&ledger, new)?;
        let v = verified(&ledger, &[old.checkpoint.size, new.checkpoint.size])?;
        for cp in [&old, &new] {
            if let Some(p) = checkpoint_problem(v.ledger_id, &v, cp) {
                return Err(CliError::Usage(crate::messages::text(
                    "usage.checkpoint.checkpoint",
                    &[("size", &cp.checkpoint.size), ("p", &p)],
                )));
            }
        }
        if old.checkpoint.size > new.checkpoint.size {
            return Err(CliError::Usage(crate::messages::text(
                "usage.checkpoint.consistency_old_new_old",
                &[
                    ("size", &old.checkpoint.size),
                    ("size2", &new.checkpoint.size),
                ],
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
                        CliError::Usage(crate::messages::text(
                            "usage.checkpoint.no_checkpoint_covering_seq",
                            &[("seq", &seq), ("ledger", &a.ledger.display())],
                        ))
                    })?;
                SignedCheckpoint::parse(&text).map_err(|e| CliError::Usage(e.to_string()))?
            }
        };
        let size = cp.checkpoint.size;
        if seq == 0 || seq > size {
            return Err(CliError::Usage(crate::messages::text(
                "usage.checkpoint.seq_not_checkpoint_s",
                &[("seq", &seq), ("size", &size)],
            )));
        }
        let v = verified(&ledger, &[size])?;
        if let Some(p) = checkpoint_problem(v.ledger_id, &v, &cp) {
            return Err(CliError::Usage(crate::messages::text(
                "usage.checkpoint.checkpoint_2",
                &[("p", &p)],
            )));
        }
        let hashes = ledger.entry_hashes(size)?;
        let path = inclusion_path(v.tree, &hashes, seq - 1, size)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let bytes = ledger.stored_bytes(seq)?.ok_or_else(|| {
            CliError::Usage(crate::messages::text(
                "usage.checkpoint.seq_no_such_entry",
                &[("seq", &seq)],
            ))
        })?;
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
        return Err(CliError::Usage(crate::messages::text(
            "usage.proof.witness_key_min_signatures",
            &[],
        )));
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
            println!(
                "  #{seq}: {}",
                crate::messages::localize("summary", &entry.event.summary())
            );
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
