//! The command line: clap types, one handler per command, output, exit codes.
//!
//! Owns: argument parsing, printing, the exit-code policy (0 good, 1 a verification problem,
//! 2 usage/input/I-O error). Must not: hold domain logic; handlers call library functions.

mod args;
mod bureau_cmds;
mod checkpoint_cmds;
mod clap_zh;
mod demo;
mod error;
mod eval_cmds;
mod form_cmds;
mod help;
mod ledger_cmds;
mod meta_cmds;
mod outcome;
mod panic;
mod progress;
mod proof_cmds;
mod proof_json;
mod record;
mod report_cmds;
mod tlog_cmds;
mod verify_cmd;

pub use error::CliError;

use crate::messages::{Lang, set_lang, text};
use clap::{FromArgMatches, Parser, Subcommand};
use panic::{panic_message, silence_storage_engine_panics};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// jixiao (绩效): a signed, append-only ledger for a department's budget performance
/// self-evaluation, with recomputation and verification.
#[derive(Parser, Debug)]
#[command(name = "jixiao", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print the result as JSON (docs/JSON.md) instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Language of messages and help: zh or en (default: from LC_ALL, LC_MESSAGES, LANG).
    #[arg(long, global = true, value_name = "zh|en", value_parser = parse_lang)]
    lang: Option<String>,
}

/// `--lang` as a value: one of the catalogue's languages (a string, as the report commands'
/// own `--lang` of the same name is).
fn parse_lang(s: &str) -> Result<String, String> {
    Lang::parse(s)
        .map(|l| l.code().to_string())
        .ok_or_else(|| text("usage.lang", &[("lang", &s)]))
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage signing keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Create a new ledger for one department and year; the key becomes its first admin.
    Init(ledger_cmds::InitArgs),
    /// Give a role to a public key (admin only).
    Grant(ledger_cmds::GrantArgs),
    /// Take a role away from a key (admin only).
    Revoke(ledger_cmds::RevokeArgs),
    /// List entries: seq, time, author, summary, short hash.
    Log(ledger_cmds::LogArgs),
    /// Check the whole ledger: bytes, chain, hashes, signatures, roles. Exit 1 on a problem.
    Verify(verify_cmd::VerifyArgs),
    /// Import an event file (TOML) as one signed batch: all or nothing; shows the score impact.
    Import(eval_cmds::ImportArgs),
    /// Import a filled-in 自评表 (XLSX): its targets, values and every stated score as claims.
    ImportForm(form_cmds::ImportFormArgs),
    /// Adopt a rule set (TOML) for scoring (admin).
    Adopt(eval_cmds::AdoptArgs),
    /// Recompute the scorecard from the history, optionally for the period up to a business
    /// date (--as-of) and as the ledger stood at a time or seq (--known-at).
    Score(eval_cmds::ScoreArgs),
    /// Issue a signed checkpoint (tree size + Merkle root) of the ledger (admin).
    Checkpoint(checkpoint_cmds::CheckpointArgs),
    /// Add an auditor's witness signature to a checkpoint after checking it against the ledger.
    Cosign(checkpoint_cmds::CosignArgs),
    /// Write an inclusion proof of one entry, or a consistency proof between two checkpoints.
    Prove(proof_cmds::ProveArgs),
    /// Check a proof file, or a JSON report by recomputing every figure in it, offline with the
    /// trusted public keys (`--ledger FILE` for a report made with `--with-proofs=ledger`).
    CheckProof(proof_cmds::CheckProofArgs),
    /// Append one recorded fact: budget, target, value, fact, claim, evidence, staffing.
    Record {
        #[command(subcommand)]
        command: record::RecordCommand,
    },
    /// Change a node's score by a signed delta, with reason and basis (evaluator).
    Adjust(record::AdjustArgs),
    /// Accept a finding with a reason; it stays listed in every report (evaluator).
    Acknowledge(record::AcknowledgeArgs),
    /// Supersede an earlier entry with a corrected figure or date, or retract it.
    Correct(record::CorrectArgs),
    /// Build the built-in seed case in a temporary directory, verify it and show it.
    Demo(demo::DemoArgs),
    /// Upgrade a format-1 ledger to format 2 (RFC 6962 tree); entries are not touched.
    Upgrade(tlog_cmds::UpgradeArgs),
    /// Submit the latest kept checkpoint to a C2SP tlog-witness and keep its cosignature.
    Witness(tlog_cmds::WitnessArgs),
    /// Render the self-evaluation report (text, md, json, html, xlsx); every figure cites entries.
    Report(report_cmds::ReportArgs),
    /// Show how one node's score derives from the entries, down to each entry.
    Trace(report_cmds::TraceArgs),
    /// Compare the scorecards at two points of history and name the entries that changed them.
    Diff(report_cmds::DiffArgs),
    /// Write every entry (stored bytes, hash, decoded event), batch signature, key and kept
    /// checkpoint as JSON Lines, for re-verification by other tools and as a backup.
    Export(bureau_cmds::ExportArgs),
    /// Rebuild a ledger from its export as a new file, verifying everything first.
    Restore(bureau_cmds::RestoreArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions(meta_cmds::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    Man(meta_cmds::ManArgs),
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Create a new Ed25519 key: FILE (secret, mode 0600) and FILE.pub.
    New {
        /// Display name of the key's holder.
        name: String,
        /// Where to write the secret key (its public key goes to FILE.pub).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Parses the command line, runs the command, and maps the outcome to an exit code.
#[must_use]
pub fn main() -> ExitCode {
    silence_storage_engine_panics();
    let args: Vec<OsString> = std::env::args_os().collect();
    set_lang(Lang::from_args(&args));
    let parsed = help::command().try_get_matches_from(&args).and_then(|m| {
        let mut names = Vec::new();
        let mut at = &m;
        while let Some((name, sub)) = at.subcommand() {
            names.push(name.to_string());
            at = sub;
        }
        Cli::from_arg_matches(&m).map(|c| (c, names))
    });
    let (cli, names) = match parsed {
        Ok(c) => c,
        Err(e) => {
            match clap_zh::render(&e) {
                Some(s) => {
                    use std::io::Write;
                    let _ = std::io::stderr().write_all(s.as_bytes());
                }
                None => {
                    let _ = e.print();
                }
            }
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // JSON is for programs: its texts (an error inside a document, a report's `score_error`,
    // which `check-proof` recomputes) are the same whatever the locale, so a command printing
    // JSON speaks English from here on (its help and parse errors above stay localized).
    if cli.prints_json() {
        set_lang(Lang::En);
    }
    let ledger = cli.command.ledger().map(std::path::Path::to_path_buf);
    if let Some(path) = &ledger
        && !matches!(cli.command, Command::Init(_))
        && let Some(m) = crate::usage::misplaced_ledger(path, &args)
    {
        eprintln!("{}", error::misplaced_message(path, &m, &names));
        return ExitCode::from(2);
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.is_closed_stdout() => ExitCode::from(2),
        Ok(Err(e)) => {
            let code = e.exit_code();
            if !matches!(e, CliError::Reported(_)) {
                eprintln!("{}", text("error.prefix", &[("message", &e.localized())]));
            }
            ExitCode::from(code)
        }
        Err(_) => {
            let (message, code) = panic_message(ledger.as_deref());
            if let Some(m) = message {
                eprintln!("{m}");
            }
            ExitCode::from(code)
        }
    }
}

impl Cli {
    /// Whether the command prints JSON: `--json`, `--format json` of `report`, `trace` and
    /// `diff`, or `verify --format json` over many ledgers.
    fn prints_json(&self) -> bool {
        self.json
            || match &self.command {
                Command::Report(a) => a.format == "json",
                Command::Trace(a) => a.format == "json",
                Command::Diff(a) => a.format == "json",
                Command::Verify(a) => a.many.format == Some(args::ManyFormat::Json),
                _ => false,
            }
    }
}

impl Command {
    /// The ledger file the command works on, if it names one (for the message of a panic).
    fn ledger(&self) -> Option<&std::path::Path> {
        Some(match self {
            Command::Init(a) => &a.ledger,
            Command::Grant(a) => &a.ledger,
            Command::Revoke(a) => &a.ledger,
            Command::Log(a) => &a.ledger,
            // A directory, or more than one path, is a request to verify many ledgers.
            Command::Verify(a) if a.ledger.is_dir() || !a.many.more.is_empty() => return None,
            Command::Verify(a) => &a.ledger,
            Command::Import(a) => &a.ledger,
            Command::ImportForm(a) => &a.ledger,
            Command::Adopt(a) => &a.ledger,
            Command::Score(a) => &a.ledger,
            Command::Checkpoint(a) => &a.ledger,
            Command::Cosign(a) => &a.ledger,
            Command::Prove(a) => &a.ledger,
            Command::Upgrade(a) => &a.ledger,
            Command::Witness(a) => &a.ledger,
            Command::Adjust(a) => &a.ledger,
            Command::Acknowledge(a) => &a.ledger,
            Command::Correct(a) => &a.ledger,
            Command::Report(a) => &a.ledger,
            Command::Trace(a) => &a.ledger,
            Command::Diff(a) => &a.ledger,
            Command::Export(a) => &a.ledger,
            Command::Restore(a) => &a.new,
            Command::Record { command } => {
                use record::RecordCommand as R;
                match command {
                    R::Budget(a) => &a.at.ledger,
                    R::Target(a) => &a.at.ledger,
                    R::Value(a) => &a.at.ledger,
                    R::Fact(a) => &a.at.ledger,
                    R::Claim(a) => &a.at.ledger,
                    R::Evidence(a) => &a.at.ledger,
                    R::Staffing(a) => &a.at.ledger,
                }
            }
            Command::CheckProof(a) => a.ledger.as_ref()?,
            Command::Key { .. } | Command::Demo(_) | Command::Completions(_) | Command::Man(_) => {
                return None;
            }
        })
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    // In force already: chosen from the raw arguments before parsing, so that the help texts
    // are in it too (parsing only checks the value). `report`'s own `--lang` (labels, default
    // zh) fills this field with its default, so it must not choose the messages' language.
    drop(cli.lang);
    match cli.command {
        Command::Key {
            command: KeyCommand::New { name, out },
        } => ledger_cmds::key_new(&name, &out, json),
        Command::Init(a) => ledger_cmds::init(&a, json),
        Command::Grant(a) => ledger_cmds::grant(&a, json),
        Command::Revoke(a) => ledger_cmds::revoke(&a, json),
        Command::Log(a) => ledger_cmds::log(&a, json),
        Command::Verify(a) if bureau_cmds::is_many(&a) => bureau_cmds::verify_many(&a, json),
        Command::Verify(a) => verify_cmd::verify(&a, json),
        Command::Import(a) => eval_cmds::import(&a, json),
        Command::ImportForm(a) => form_cmds::import_form(&a, json),
        Command::Checkpoint(a) => checkpoint_cmds::checkpoint(&a, json),
        Command::Cosign(a) => checkpoint_cmds::cosign(&a, json),
        Command::Prove(a) => proof_cmds::prove(&a, json),
        Command::CheckProof(a) => proof_cmds::check_proof(&a, json),
        Command::Adopt(a) => eval_cmds::adopt(&a, json),
        Command::Score(a) => eval_cmds::score_cmd(&a, json),
        Command::Record { command } => {
            let (at, event) = record::record_event(&command)?;
            record::append_one(at, event, json)
        }
        Command::Adjust(a) => {
            let e = record::adjust_event(&a)?;
            ledger_cmds::append(&a.ledger, &a.key, vec![e], json)
        }
        Command::Acknowledge(a) => {
            ledger_cmds::append(&a.ledger, &a.key, vec![record::acknowledge_event(&a)], json)
        }
        Command::Correct(a) => {
            let e = record::correction_event(&a)?;
            ledger_cmds::append(&a.ledger, &a.key, vec![e], json)
        }
        Command::Demo(a) => demo::run(&a, json),
        Command::Upgrade(a) => tlog_cmds::upgrade_cmd(&a, json),
        Command::Witness(a) => tlog_cmds::witness_cmd(&a, json),
        Command::Export(a) => bureau_cmds::export(&a, json),
        Command::Restore(a) => bureau_cmds::restore(&a, json),
        Command::Report(mut a) => {
            a.format = json_format(json, a.format)?;
            report_cmds::report(&a)
        }
        Command::Trace(mut a) => {
            a.format = json_format(json, a.format)?;
            report_cmds::trace(&a)
        }
        Command::Diff(mut a) => {
            a.format = json_format(json, a.format)?;
            report_cmds::diff(&a)
        }
        Command::Completions(a) => meta_cmds::completions(&a, json),
        Command::Man(a) => meta_cmds::man(&a, json),
    }
}

/// `--json` on a command with `--format`: the same as `--format json`; with another explicit
/// format it is a contradiction.
fn json_format(json: bool, format: String) -> Result<String, CliError> {
    match (json, format.as_str()) {
        (false, _) | (true, "json") => Ok(format),
        (true, "text") => Ok("json".into()),
        (true, other) => Err(CliError::Usage(text(
            "usage.json_and_format",
            &[("format", &other)],
        ))),
    }
}

/// Prints `message` on standard error as an error (`error: …`, `错误：…`).
fn eprint_error(message: &str) {
    eprintln!("{}", text("error.prefix", &[("message", &message)]));
}

/// Prints `value` as pretty JSON and a newline on standard output.
fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| {
        CliError::Usage(crate::messages::text(
            "usage.mod.serialising_output_2",
            &[("e", &e)],
        ))
    })?;
    s.push('\n');
    print_out(&s)
}

/// Writes `s` to standard output; a closed pipe is an error the caller ends quietly on.
fn print_out(s: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Io {
            path: PathBuf::from("<stdout>"),
            source,
        })
}
