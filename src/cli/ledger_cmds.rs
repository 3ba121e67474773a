//! Handlers of the ledger-core commands: key, init, grant, revoke, log, verify.

use super::CliError;
use super::args::{KeyArg, now};
use crate::ledger::keys::{self, KeyPair};
use crate::ledger::{Ledger, Recorded};
use crate::model::{Event, Genesis, Grant, KeyId, Revoke, Role, Seq};
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
    /// One JSON object per entry per line (docs/JSON.md).
    #[arg(long)]
    pub json: bool,
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

/// Arguments of `verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The ledger (or the first of many, or a directory of `*.jixiao` files).
    pub ledger: PathBuf,
    #[command(flatten)]
    pub many: super::bureau_cmds::ManyArgs,
    /// Machine-readable result (docs/JSON.md).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub checkpoint: super::checkpoint_cmds::CheckpointCheck,
    /// The recompute's point of history: `--as-of DATE`, `--known-at TIME|SEQ` (the integrity
    /// check always covers the whole file).
    #[command(flatten)]
    pub point: super::args::PointArgs,
    /// Rebuild the derived state (docs/FORMAT.md §11) from the entries, when it is all that
    /// fails; writes the file.
    #[arg(long, conflicts_with = "json")]
    pub rebuild_derived: bool,
}

pub(super) fn key_new(name: &str, out: &Path) -> Result<(), CliError> {
    let k = KeyPair::generate(name)?;
    let pub_path = k.write(out)?;
    println!("secret key: {} (keep it private)", out.display());
    println!("public key: {}", pub_path.display());
    println!("public:     {}", hex::encode(k.principal().public_key));
    println!("key id:     {}", k.key_id());
    Ok(())
}

pub(super) fn init(a: &InitArgs) -> Result<(), CliError> {
    let key = KeyPair::read(&a.key.key)?;
    if !(1990..=2100).contains(&a.year) {
        return Err(CliError::Usage(format!(
            "--year {}: expected a fiscal year such as 2022",
            a.year
        )));
    }
    if a.department.trim().is_empty() {
        return Err(CliError::Usage("--department must not be empty".into()));
    }
    let mut id = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    let genesis = Genesis {
        department: a.department.clone(),
        department_code: a.code.clone(),
        year: a.year,
        admins: vec![key.principal()],
    };
    let (_, appended) = Ledger::create(&a.ledger, genesis, &key.signing, id, now()?)?;
    println!(
        "created {} (ledger id {}) for {} {}; admin {} ({})",
        a.ledger.display(),
        hex::encode(id),
        a.department,
        a.year,
        key.name,
        key.key_id()
    );
    println!("head #{}·{}", appended.last, appended.head.short());
    Ok(())
}

fn parse_role(s: &str) -> Result<Role, CliError> {
    Role::parse(s).ok_or_else(|| {
        CliError::Usage(format!(
            "--role {s}: unknown role; use one of admin, recorder, evaluator, auditor"
        ))
    })
}

/// Appends `events` signed by `key` after verifying the ledger and validating them.
pub(super) fn append(ledger: &Path, key: &KeyArg, events: Vec<Event>) -> Result<(), CliError> {
    super::eval_cmds::append_validated(ledger, key, events, None, false, &crate::progress::Silent)
}

pub(super) fn grant(a: &GrantArgs) -> Result<(), CliError> {
    let role = parse_role(&a.role)?;
    let mut principal = keys::read_public(&a.public_key)?;
    principal.name.clone_from(&a.name);
    append(
        &a.ledger,
        &a.key,
        vec![Event::Grant(Grant { principal, role })],
    )
}

pub(super) fn revoke(a: &RevokeArgs) -> Result<(), CliError> {
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
    )
}

pub(super) fn log(a: &LogArgs) -> Result<(), CliError> {
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
    // The listing shows what the file holds; whether it can be trusted is verify's answer,
    // taken first so that entries from the first failing seq on are marked, and the command
    // fails after listing them.
    let failure = l.verify(&mut |_| {}).err();
    let bad_from = failure.as_ref().map(|f| f.seq.unwrap_or(Seq::MAX));
    let authority = l.authority()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| CliError::Io {
        path: PathBuf::from("<stdout>"),
        source: e,
    };
    let mut shown = std::collections::BTreeSet::new();
    l.scan(1, |r: Recorded| -> Result<(), CliError> {
        let e = &r.entry;
        if known.is_some_and(|k| !k.includes(e.seq, e.recorded_at)) {
            return Ok(());
        }
        if let Some(want) = &a.subject {
            let direct = e.event.is_about(want);
            let corrects_shown = matches!(&e.event, crate::model::Event::Correction(c) if shown.contains(&c.supersedes));
            if !(direct || corrects_shown) {
                return Ok(());
            }
            shown.insert(e.seq);
        }
        let name = authority.name_of(e.author);
        let verified = bad_from.is_none_or(|b| e.seq < b);
        if a.json {
            let line = json!({
                "seq": e.seq,
                "recorded_at": format_time(e.recorded_at),
                "author": { "key_id": e.author.to_string(), "name": name },
                "kind": e.event.kind().name(),
                "summary": e.event.summary(),
                "hash": r.hash.to_hex(),
                "verified": verified,
            });
            writeln!(out, "{line}").map_err(io)
        } else {
            writeln!(
                out,
                "{}{:<5} {}  {}  {}  ·{}",
                if verified { "#" } else { "!" },
                e.seq,
                format_time(e.recorded_at),
                crate::report::pad(&name, 10),
                e.event.summary(),
                r.hash.short()
            )
            .map_err(io)
        }
    })?;
    // Checkpoints kept in the file (not entries: statements about the chain, re-checked by
    // `verify --checkpoint`).
    let checkpoints = if a.subject.is_some() {
        Vec::new()
    } else {
        l.checkpoints()?
    };
    for (size, text) in checkpoints {
        let (root, signers) = match crate::ledger::SignedCheckpoint::parse(&text) {
            Ok(cp) => (
                hex::encode(cp.checkpoint.root),
                cp.signatures
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>(),
            ),
            Err(e) => (format!("(unreadable: {e})"), Vec::new()),
        };
        if a.json {
            let line =
                json!({ "checkpoint": { "size": size, "root": root, "signed_by": signers } });
            writeln!(out, "{line}").map_err(io)?;
        } else {
            writeln!(
                out,
                "checkpoint at #{size}: root {}…, signed by {}",
                root.get(..16).unwrap_or(&root),
                signers.join(", ")
            )
            .map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    match failure {
        None => Ok(()),
        Some(f) => {
            let marked = match f.seq {
                Some(s) => format!("; entries from #{s} on are not verified (marked `!`)"),
                None => String::new(),
            };
            eprintln!(
                "error: {}: integrity check failed: {f}{marked}; run `jixiao verify {}` for details",
                a.ledger.display(),
                a.ledger.display()
            );
            Err(CliError::Reported(1))
        }
    }
}

pub(super) fn verify(a: &VerifyArgs) -> Result<(), CliError> {
    if super::bureau_cmds::is_many(a) {
        return super::bureau_cmds::verify_many(a);
    }
    if a.rebuild_derived {
        let ledger = crate::ledger::Ledger::open(&a.ledger)?;
        let progress = super::progress::progress(false);
        let n = match crate::append::rebuild_derived(&ledger, &*progress) {
            Ok(n) => n,
            Err(crate::append::Refused::Ledger(e)) => return Err(e.into()),
            Err(crate::append::Refused::Event { message, .. }) => {
                return Err(CliError::Usage(message));
            }
        };
        println!("the derived state was rebuilt from the {n} verified entries");
        return Ok(());
    }
    let cp_size = match &a.checkpoint.checkpoint {
        Some(p) => std::fs::read_to_string(p)
            .ok()
            .and_then(|t| crate::ledger::SignedCheckpoint::parse(&t).ok())
            .map(|c| c.checkpoint.size),
        None => None,
    };
    let sizes: Vec<u64> = cp_size.into_iter().collect();
    let progress = super::progress::progress(a.json);
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
        super::eval_cmds::findings_report(&checked)
    } else {
        (String::new(), json!(null), false)
    };
    let cp_ok = cp.as_ref().is_none_or(|c| c.0);
    let ok = integrity_ok && findings_ok && cp_ok;
    if a.json {
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
            "recovered": checked.recovery_note.is_some(),
            "integrity": integrity,
            "recompute": findings_json,
            "checkpoint": cp.as_ref().map(|c| c.2.clone()),
        });
        println!("{doc:#}");
    } else {
        println!("ledger    {}", a.ledger.display());
        match &checked.integrity {
            Ok(v) => {
                println!("ledger id {}", hex::encode(v.ledger_id));
                println!(
                    "integrity ok: {} entries in {} signed batches, head #{}·{}, merkle root {}",
                    v.size,
                    v.batches,
                    v.size,
                    v.head.short(),
                    hex::encode(&v.root[..8])
                );
                if let Some((_, text, _)) = &cp {
                    print!("{text}");
                }
                print!("{findings_text}");
            }
            Err(f) => {
                let at = f.seq.map_or_else(String::new, |s| format!(" at seq {s}"));
                println!("integrity FAILED{at}: {} ({})", f.detail, f.kind.name());
                println!("recompute not attempted: the history is not intact");
            }
        }
    }
    if ok {
        return Ok(());
    }
    // A damaged file is also said on standard error (the report above is on standard output);
    // findings and checkpoint problems are the report itself.
    if let Err(f) = &checked.integrity {
        let at = f.seq.map_or_else(String::new, |s| format!(" at seq {s}"));
        eprintln!(
            "error: {}: integrity check failed{at}: {} ({})",
            a.ledger.display(),
            f.detail,
            f.kind.name()
        );
    }
    Err(CliError::Reported(1))
}
