//! Handlers of the bureau commands: `verify` of many ledgers, `export`, `restore`.
//!
//! Owns: their arguments, output and exit codes. Must not: verify, export or rebuild anything
//! itself (src/bureau and src/export do).

use super::CliError;
use super::args::ManyFormat;
use super::verify_cmd::VerifyArgs;
use crate::messages::text;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether `verify` was asked about many ledgers (more than one path, a directory, or one of
/// the many-ledger flags).
pub(super) fn is_many(a: &VerifyArgs) -> bool {
    !a.many.more.is_empty()
        || a.ledger.is_dir()
        || a.many.jobs.is_some()
        || a.many.format.is_some()
        || a.many.output.is_some()
}

pub(super) fn verify_many(a: &VerifyArgs, json: bool) -> Result<(), CliError> {
    if a.checkpoint.checkpoint.is_some() {
        return Err(CliError::Usage(crate::messages::text(
            "usage.bureau.checkpoint_checks_one_ledger",
            &[],
        )));
    }
    // Over many ledgers, trusted keys qualify each ledger's latest kept checkpoint.
    let trust = if a.checkpoint.trusted_keys.is_empty() {
        if a.checkpoint.min_signatures != 1 {
            return Err(CliError::Usage(crate::messages::text(
                "usage.bureau.min_signatures_counts_signatures",
                &[],
            )));
        }
        None
    } else {
        let keys = a
            .checkpoint
            .trusted_keys
            .iter()
            .map(|p| crate::ledger::keys::read_public(p))
            .collect::<Result<Vec<_>, _>>()?;
        Some(crate::bureau::Trust {
            keys,
            min_signatures: a.checkpoint.min_signatures,
        })
    };
    let format = match (a.many.format, json) {
        (Some(ManyFormat::Text) | None, true) => ManyFormat::Json,
        (Some(f), _) => f,
        (None, false) => ManyFormat::Text,
    };
    let output = match (format, &a.many.output) {
        (ManyFormat::Xlsx, Some(p)) => Some(p.clone()),
        (ManyFormat::Xlsx, None) => {
            return Err(CliError::Usage(crate::messages::text(
                "usage.bureau.format_xlsx_writes_file",
                &[],
            )));
        }
        (_, Some(_)) => {
            return Err(CliError::Usage(crate::messages::text(
                "usage.bureau.o_file_format_xlsx",
                &[],
            )));
        }
        (_, None) => None,
    };
    let jobs = match a.many.jobs {
        Some(0) => {
            return Err(CliError::Usage(crate::messages::text(
                "usage.bureau.jobs_give_at_least",
                &[],
            )));
        }
        Some(n) => n,
        None => crate::bureau::default_jobs(),
    };
    let mut args = vec![a.ledger.clone()];
    args.extend(a.many.more.iter().cloned());
    let files = crate::bureau::expand(&args).map_err(|e| CliError::Usage(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| CliError::Io {
        path: PathBuf::from("<stdout>"),
        source: e,
    };
    let mut failed_write = None;
    let mut kept = Vec::new();
    if format == ManyFormat::Text {
        writeln!(out, "{}", crate::bureau::render::text_header()).map_err(io)?;
    }
    let summary = crate::bureau::verify_many(&files, jobs, trust.as_ref(), |row| {
        let line = match format {
            ManyFormat::Text => crate::bureau::render::text_row(row),
            ManyFormat::Json => crate::bureau::render::json_row(row),
            ManyFormat::Xlsx => {
                kept.push(row.clone());
                return;
            }
        };
        if failed_write.is_none()
            && let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush())
        {
            failed_write = Some(e);
        }
    });
    if let Some(e) = failed_write {
        return Err(io(e));
    }
    match format {
        ManyFormat::Json => {
            writeln!(out, "{}", crate::bureau::render::json_summary(&summary)).map_err(io)?;
        }
        ManyFormat::Text | ManyFormat::Xlsx => {
            if let Some(p) = &output {
                let bytes = crate::bureau::xlsx::workbook(&kept, &summary).map_err(|e| {
                    CliError::Usage(crate::messages::text(
                        "usage.bureau.message",
                        &[("p", &p.display()), ("e", &e)],
                    ))
                })?;
                write_whole(p, &bytes)?;
                writeln!(out, "wrote {}", p.display()).map_err(io)?;
            }
            write!(out, "{}", crate::bureau::render::text_summary(&summary)).map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    if summary.all_ok() {
        return Ok(());
    }
    let names: Vec<String> = summary
        .not_ok
        .iter()
        .take(20)
        .map(|n| n.ledger.display().to_string())
        .collect();
    let more = summary.not_ok.len().saturating_sub(names.len());
    let more = if more > 0 {
        text("many.and_more", &[("more", &more)])
    } else {
        String::new()
    };
    super::eprint_error(&text(
        "many.not_passed",
        &[
            ("failed", &summary.not_ok.len()),
            ("ledgers", &summary.ledgers),
            ("names", &names.join(", ")),
            ("more", &more),
        ],
    ));
    Err(CliError::Reported(1))
}

/// Writes `bytes` to `path` through a temporary file in the same directory, renamed over it.
pub(super) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let err = |e: std::io::Error| CliError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Arguments of `export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The ledger (verified first; one that does not verify is not exported).
    pub ledger: PathBuf,
    /// JSON Lines (docs/JSON.md, "export"): the only format, and the default.
    #[arg(long)]
    pub jsonl: bool,
    /// Write to FILE (replaced whole, never half-written) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `restore`.
#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// An export made by `jixiao export LEDGER --jsonl`.
    pub export: PathBuf,
    /// The ledger file to create (must not exist).
    pub new: PathBuf,
}

fn export_error(e: crate::export::ExportError) -> CliError {
    if e.is_integrity() {
        super::eprint_error(&e.to_string());
        return CliError::Reported(1);
    }
    match e {
        crate::export::ExportError::Ledger(l) => CliError::Ledger(l),
        other => CliError::Usage(other.to_string()),
    }
}

/// `--json` changes nothing: the export is JSON Lines already.
pub(super) fn export(a: &ExportArgs, _json: bool) -> Result<(), CliError> {
    let Some(path) = &a.output else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        crate::export::export(&a.ledger, &mut out).map_err(export_error)?;
        return Ok(());
    };
    let err = |e: std::io::Error| CliError::Io {
        path: path.clone(),
        source: e,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    let mut out = std::io::BufWriter::new(tmp);
    let done = crate::export::export(&a.ledger, &mut out).map_err(export_error)?;
    let tmp = out.into_inner().map_err(|e| err(e.into_error()))?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    let h = &done.header;
    eprintln!(
        "{}",
        text(
            "export.done",
            &[
                ("ledger", &a.ledger.display()),
                ("entries", &h.entries),
                ("batches", &h.batches),
                ("keys", &h.keys),
                ("checkpoints", &h.checkpoints),
                ("head", &&h.head[..16.min(h.head.len())]),
                ("root", &&h.merkle_root[..16.min(h.merkle_root.len())]),
            ],
        )
    );
    Ok(())
}

pub(super) fn restore(a: &RestoreArgs, json: bool) -> Result<(), CliError> {
    let r = crate::export::restore(&a.export, &a.new).map_err(export_error)?;
    if json {
        return super::print_json(&serde_json::json!({
            "ledger": r.path.display().to_string(),
            "from": a.export.display().to_string(),
            "entries": r.verified.size,
            "batches": r.verified.batches,
            "checkpoints": r.checkpoints,
            "head": r.verified.head.to_hex(),
            "merkle_root": hex::encode(r.verified.root),
        }));
    }
    println!(
        "{}",
        text(
            "restore.done",
            &[
                ("ledger", &r.path.display()),
                ("export", &a.export.display()),
                ("entries", &r.verified.size),
                ("batches", &r.verified.batches),
                ("checkpoints", &r.checkpoints),
                ("hash", &r.verified.head.short()),
                ("root", &hex::encode(&r.verified.root[..8])),
            ],
        )
    );
    Ok(())
}
