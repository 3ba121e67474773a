//! Handlers of the report commands: `report`, `trace`, `diff`.
//!
//! Owns: their arguments, the refusal to show numbers of a ledger that failed verification
//! (exit 1 unless `--unverified`), and where output goes. Must not: compute or lay out
//! figures (the report module does).

use super::CliError;
use super::args::{PointArgs, parse_point, within};
use crate::check::{Checked, check_open};
use crate::ledger::{Ledger, SignedCheckpoint, open_failure};
use crate::report::{
    Bundle, BundleMode, Citations, DiffModel, Lang, ReportModel, TraceModel, render_diff,
    render_html, render_json, render_json_with_bundle, render_markdown, render_text, render_trace,
};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Output format: text, md, json, html (A4, print it to PDF: README) or xlsx (the 自评表
    /// workbook).
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Point of history: `--as-of DATE`, `--known-at TIME|SEQ`.
    #[command(flatten)]
    pub point: PointArgs,
    /// Language of the labels: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Render even if the integrity check fails, marked UNVERIFIED.
    #[arg(long)]
    pub unverified: bool,
    /// How figures cite their entries: `bounded` (the default) cites a figure built from more
    /// than 20 entries as one range per kind and budget line, with a count, a sum and the
    /// `jixiao log --subject` that lists them; `all` cites every entry.
    #[arg(long, value_name = "bounded|all", default_value = "bounded")]
    pub citations: String,
    /// Bind the report to this signed checkpoint (default: the one kept in the ledger for its
    /// current size, if any). It must match the ledger.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// JSON only: embed the bundle `check-proof` recomputes the report from (docs/FORMAT.md
    /// §10): `entries` (the default) embeds every stored entry and batch signature up to the
    /// checkpoint, so `jixiao check-proof REPORT.json --trusted-key PUB` needs nothing else;
    /// `ledger` embeds only the binding, for a ledger too large to embed, checked with
    /// `check-proof REPORT.json --trusted-key PUB --ledger FILE`.
    #[arg(
        long,
        value_name = "entries|ledger",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "entries"
    )]
    pub with_proofs: Option<String>,
}

/// Arguments of `trace`.
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// Node id (`mgmt`, `mgmt.perf.targets`) or its Chinese name (`管理效能`).
    pub node: String,
    /// Point of history: `--as-of DATE`, `--known-at TIME|SEQ`.
    #[command(flatten)]
    pub point: PointArgs,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Language of the labels: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Render even if the integrity check fails, marked UNVERIFIED.
    #[arg(long)]
    pub unverified: bool,
    /// How figures cite their entries: `bounded` (the default) cites a figure built from more
    /// than 20 entries as one range per kind and budget line, with a count, a sum and the
    /// `jixiao log --subject` that lists them; `all` cites every entry.
    #[arg(long, value_name = "bounded|all", default_value = "bounded")]
    pub citations: String,
}

/// Arguments of `diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The ledger.
    pub ledger: PathBuf,
    /// From this point: a seq or an RFC 3339 time (the ledger as it stood then), a business
    /// date (the period up to it), or `latest` (docs/TIME.md).
    #[arg(long)]
    pub from: String,
    /// To this point: a seq, a time, a business date, or `latest`.
    #[arg(long)]
    pub to: String,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Language of the labels: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Render even if the integrity check fails, marked UNVERIFIED.
    #[arg(long)]
    pub unverified: bool,
    /// How figures cite their entries: `bounded` (the default) cites a figure built from more
    /// than 20 entries as one range per kind and budget line, with a count, a sum and the
    /// `jixiao log --subject` that lists them; `all` cites every entry.
    #[arg(long, value_name = "bounded|all", default_value = "bounded")]
    pub citations: String,
}

fn parse_citations(s: &str) -> Result<Citations, CliError> {
    Citations::parse(s).ok_or_else(|| {
        CliError::Usage(crate::messages::text(
            "usage.report.citations_unknown_use_bounded",
            &[("s", &s)],
        ))
    })
}

fn parse_lang(s: &str) -> Result<Lang, CliError> {
    Lang::parse(s).ok_or_else(|| {
        CliError::Usage(crate::messages::text(
            "usage.report.lang_unknown_language_use",
            &[("s", &s)],
        ))
    })
}

fn open(path: &Path) -> Result<Ledger, CliError> {
    match Ledger::open_read(path) {
        Ok(l) => {
            if let Some(note) = l.recovery_note() {
                eprintln!("{note}");
            }
            Ok(l)
        }
        Err(e) => {
            if let Some(f) = open_failure(&e) {
                eprintln!(
                    "{}",
                    crate::messages::text(
                        "report.unverified_open",
                        &[("ledger", &path.display()), ("failure", &f)],
                    )
                );
                return Err(CliError::Reported(1));
            }
            Err(e.into())
        }
    }
}

/// Refuses (exit 1, naming the failing seq) unless `unverified`, in which case a warning
/// goes to standard error and the output carries the marker.
fn gate(path: &Path, checked: &Checked, unverified: bool) -> Result<(), CliError> {
    if let Err(f) = &checked.integrity {
        let at = f.seq.map_or_else(String::new, |s| {
            crate::messages::text("verify.at_seq", &[("seq", &s)])
        });
        if unverified {
            eprintln!(
                "{}",
                crate::messages::text(
                    "report.unverified_warning",
                    &[
                        ("ledger", &path.display()),
                        ("at", &at),
                        ("detail", &f.detail_here()),
                    ],
                )
            );
        } else {
            let message = crate::messages::text(
                "error.refused_unverified",
                &[
                    ("ledger", &path.display()),
                    ("at", &at),
                    ("detail", &f.detail_here()),
                ],
            );
            eprintln!(
                "{}",
                crate::messages::text("error.prefix", &[("message", &message)])
            );
            return Err(CliError::Reported(1));
        }
    }
    Ok(())
}

fn emit(out: Option<&Path>, text: &str) -> Result<(), CliError> {
    emit_bytes(out, text.as_bytes())
}

fn emit_bytes(out: Option<&Path>, text: &[u8]) -> Result<(), CliError> {
    match out {
        Some(p) => std::fs::write(p, text).map_err(|source| CliError::Io {
            path: p.to_path_buf(),
            source,
        }),
        None => {
            let mut so = std::io::stdout().lock();
            so.write_all(text)
                .and_then(|()| so.flush())
                .map_err(|source| CliError::Io {
                    path: PathBuf::from("<stdout>"),
                    source,
                })
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| {
        CliError::Usage(crate::messages::text(
            "usage.report.serialising_output",
            &[("e", &e)],
        ))
    })?;
    s.push('\n');
    Ok(s)
}

/// `jixiao report`.
pub fn report(a: &ReportArgs) -> Result<(), CliError> {
    let lang = parse_lang(&a.lang)?;
    let citations = parse_citations(&a.citations)?;
    let as_of = a.point.point()?;
    // `None`: the XLSX workbook, which is bytes.
    let render: Option<fn(&ReportModel) -> String> = match a.format.as_str() {
        "text" | "txt" => Some(render_text),
        "md" | "markdown" => Some(render_markdown),
        "json" => Some(render_json),
        "html" => Some(render_html),
        "xlsx" => None,
        f => {
            return Err(CliError::Usage(crate::messages::text(
                "usage.report.format_unknown_format_use",
                &[("f", &f)],
            )));
        }
    };
    let bundle_mode = match a.with_proofs.as_deref() {
        None => None,
        Some(m) => Some(BundleMode::parse(m).ok_or_else(|| {
            CliError::Usage(crate::messages::text(
                "usage.report.with_proofs_unknown_use",
                &[("m", &m)],
            ))
        })?),
    };
    if bundle_mode.is_some() && a.format != "json" {
        return Err(CliError::Usage(crate::messages::text(
            "usage.report.with_proofs_embeds_report",
            &[],
        )));
    }
    let ledger = open(&a.ledger)?;
    let size = ledger.head()?.size;
    let as_of = within("--known-at", as_of, size)?;
    let progress = super::progress::progress(false);
    let checked = crate::check::check_open_with(&ledger, as_of, &[size], &*progress)?;
    drop(progress);
    gate(&a.ledger, &checked, a.unverified)?;
    let mut model = ReportModel::build(&ledger, &checked, lang, citations);
    let checkpoint = match (&checked.integrity, &a.checkpoint) {
        (Ok(v), Some(p)) => Some(super::checkpoint_cmds::matching_checkpoint(p, v)?),
        (Ok(v), None) => ledger
            .checkpoints()?
            .into_iter()
            .find(|(n, _)| *n == v.size)
            .and_then(|(_, t)| SignedCheckpoint::parse(&t).ok())
            .filter(|cp| v.roots_at.get(&cp.checkpoint.size) == Some(&cp.checkpoint.root)),
        (Err(_), _) => None,
    };
    if let Some(cp) = &checkpoint {
        model = model.with_signed_checkpoint(cp.to_text());
    }
    if let Some(mode) = bundle_mode {
        let Some(cp) = checkpoint else {
            return Err(CliError::Usage(crate::messages::text(
                "usage.report.with_proofs_needs_signed",
                &[("ledger", &a.ledger.display())],
            )));
        };
        let bundle = Bundle::of_ledger(&ledger, &cp, mode)?;
        return emit(
            a.output.as_deref(),
            &render_json_with_bundle(&model, &bundle),
        );
    }
    match render {
        Some(render) => emit(a.output.as_deref(), &render(&model)),
        None => {
            let bytes = crate::report::render_xlsx(&model).map_err(|e| {
                CliError::Usage(crate::messages::text(
                    "usage.report.nothing_was_written",
                    &[("e", &e)],
                ))
            })?;
            emit_bytes(a.output.as_deref(), &bytes)
        }
    }
}

/// `jixiao trace`.
pub fn trace(a: &TraceArgs) -> Result<(), CliError> {
    let lang = parse_lang(&a.lang)?;
    let citations = parse_citations(&a.citations)?;
    let as_of = a.point.point()?;
    if !matches!(a.format.as_str(), "text" | "json") {
        return Err(CliError::Usage(crate::messages::text(
            "usage.report.format_unknown_format_trace",
            &[("format", &a.format)],
        )));
    }
    let ledger = open(&a.ledger)?;
    let as_of = within("--known-at", as_of, ledger.head()?.size)?;
    let checked = check_open(&ledger, as_of, &[])?;
    gate(&a.ledger, &checked, a.unverified)?;
    // A Chinese name (管理效能) or English gloss names the node as well as its id does.
    let node = match checked.scorecard.as_ref().and_then(|c| c.as_ref().ok()) {
        Some(card) => crate::usage::node_id(card, &a.node)
            .map_err(|e| CliError::Usage(e.to_string()))?
            .to_string(),
        None => a.node.clone(),
    };
    let t = TraceModel::build(&ledger, &checked, &node, lang, citations)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let text = if a.format == "json" {
        json(&t)?
    } else {
        render_trace(&t, lang)
    };
    emit(None, &text)
}

/// `jixiao diff`.
pub fn diff(a: &DiffArgs) -> Result<(), CliError> {
    let lang = parse_lang(&a.lang)?;
    let citations = parse_citations(&a.citations)?;
    let from = parse_point("--from", &a.from)?;
    let to = parse_point("--to", &a.to)?;
    if !matches!(a.format.as_str(), "text" | "json") {
        return Err(CliError::Usage(crate::messages::text(
            "usage.report.format_unknown_format_diff",
            &[("format", &a.format)],
        )));
    }
    let ledger = open(&a.ledger)?;
    let size = ledger.head()?.size;
    let (from, to) = (within("--from", from, size)?, within("--to", to, size)?);
    // Verified once, replayed to both points in the same pass.
    let mut both =
        crate::check::check_open_points(&ledger, &[from, to], &[], &crate::progress::Silent)?;
    let (ca, cb) = (both.remove(0), both.remove(0));
    gate(&a.ledger, &cb, a.unverified)?;
    let d = DiffModel::build(&ledger, &ca, &cb, lang, citations)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let text = if a.format == "json" {
        json(&d)?
    } else {
        render_diff(&d, lang)
    };
    emit(None, &text)
}
