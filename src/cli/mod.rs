//! The command line: clap types, one handler per command, output, exit codes.
//!
//! Owns: argument parsing, printing, the exit-code policy (0 good, 1 a verification problem,
//! 2 usage/input/I-O error). Must not: hold domain logic; handlers call library functions.

mod args;
mod bureau_cmds;
mod checkpoint_cmds;
mod demo;
mod error;
mod eval_cmds;
mod form_cmds;
mod ledger_cmds;
mod progress;
mod record;
mod report_cmds;
mod tlog_cmds;

pub use error::CliError;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// jixiao (绩效): a signed, append-only ledger for a department's budget performance
/// self-evaluation, with recomputation and verification.
#[derive(Parser, Debug)]
#[command(name = "jixiao", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
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
    Verify(ledger_cmds::VerifyArgs),
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
    Prove(checkpoint_cmds::ProveArgs),
    /// Check a proof file, or a JSON report by recomputing every figure in it, offline with the
    /// trusted public keys (`--ledger FILE` for a report made with `--with-proofs=ledger`).
    CheckProof(checkpoint_cmds::CheckProofArgs),
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let ledger = cli.command.ledger().map(std::path::Path::to_path_buf);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            let code = e.exit_code();
            if !matches!(e, CliError::Reported(_)) {
                eprintln!("error: {e}");
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

/// What the last panic was: (in the storage engine, payload and place).
static LAST_PANIC: std::sync::Mutex<Option<Panic>> = std::sync::Mutex::new(None);

/// A panic, as the hook saw it.
enum Panic {
    /// In the storage engine: payload and place.
    Engine(String),
    /// Standard output was closed by its reader.
    StdoutClosed,
    /// Anything else: payload and place.
    Other(String),
}

/// The message and exit code of a panic that reached `main`: one in the storage engine is a
/// damaged ledger file (exit 1); any other is a bug (exit 101), said as such.
fn panic_message(ledger: Option<&std::path::Path>) -> (Option<String>, u8) {
    let last = LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut g| g.take())
        .unwrap_or_else(|| Panic::Other("unknown panic".into()));
    match (last, ledger) {
        // The reader left early (`jixiao log L | head`): an I/O error, nothing to say.
        (Panic::StdoutClosed, _) => (None, 2),
        (Panic::Engine(what), Some(p)) => (
            Some(format!(
                "error: {}: the ledger file is damaged: the storage engine stopped on it ({what}); run `jixiao verify {}` to see what is damaged, and restore the file from a copy",
                p.display(),
                p.display()
            )),
            1,
        ),
        (Panic::Engine(what), None) => (
            Some(format!(
                "error: a ledger file is damaged: the storage engine stopped on it ({what}); run `jixiao verify LEDGER` to see what is damaged"
            )),
            1,
        ),
        (Panic::Other(what), _) => (
            Some(format!(
                "error: internal error ({what}); this is a bug in jixiao: please report it with the command that caused it"
            )),
            101,
        ),
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
            Command::Key { .. } | Command::CheckProof(_) | Command::Demo(_) => return None,
        })
    }
}

/// The storage engine panics on some damaged files instead of returning an error; the ledger
/// layer catches those panics and reports the file as corrupt (exit 1). This keeps the panic
/// message, meant for the engine's developers, off the user's terminal, and remembers it: a
/// panic that is not caught reaches `main`, which says what it was (see [`panic_message`]).
/// Any other panic is reported as usual too.
///
/// Printing to a closed stdout (`jixiao score L | head`) also panics in the standard library's
/// `println!`; that is not a fault of the program but the reader leaving early, so it ends the
/// command quietly with exit 2 (an I/O error) instead of a panic message and backtrace. It
/// unwinds to `main` rather than exiting on the spot, so that a ledger open for writing is
/// closed properly and not left needing recovery.
fn silence_storage_engine_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_engine = info.location().is_some_and(|l| l.file().contains("redb-"));
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        let place = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let panic = if payload.starts_with("failed printing to stdout") {
            Panic::StdoutClosed
        } else if in_engine {
            Panic::Engine(format!("{payload}{place}"))
        } else {
            default(info);
            Panic::Other(format!("{payload}{place}"))
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(panic);
        }
    }));
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Key {
            command: KeyCommand::New { name, out },
        } => ledger_cmds::key_new(&name, &out),
        Command::Init(a) => ledger_cmds::init(&a),
        Command::Grant(a) => ledger_cmds::grant(&a),
        Command::Revoke(a) => ledger_cmds::revoke(&a),
        Command::Log(a) => ledger_cmds::log(&a),
        Command::Verify(a) => ledger_cmds::verify(&a),
        Command::Import(a) => eval_cmds::import(&a),
        Command::ImportForm(a) => form_cmds::import_form(&a),
        Command::Checkpoint(a) => checkpoint_cmds::checkpoint(&a),
        Command::Cosign(a) => checkpoint_cmds::cosign(&a),
        Command::Prove(a) => checkpoint_cmds::prove(&a),
        Command::CheckProof(a) => checkpoint_cmds::check_proof(&a),
        Command::Adopt(a) => eval_cmds::adopt(&a),
        Command::Score(a) => eval_cmds::score_cmd(&a),
        Command::Record { command } => {
            let (at, event) = record::record_event(&command)?;
            record::append_one(at, event)
        }
        Command::Adjust(a) => {
            let e = record::adjust_event(&a)?;
            ledger_cmds::append(&a.ledger, &a.key, vec![e])
        }
        Command::Acknowledge(a) => {
            ledger_cmds::append(&a.ledger, &a.key, vec![record::acknowledge_event(&a)])
        }
        Command::Correct(a) => {
            let e = record::correction_event(&a)?;
            ledger_cmds::append(&a.ledger, &a.key, vec![e])
        }
        Command::Demo(a) => demo::run(&a),
        Command::Upgrade(a) => tlog_cmds::upgrade_cmd(&a),
        Command::Witness(a) => tlog_cmds::witness_cmd(&a),
        Command::Report(a) => report_cmds::report(&a),
        Command::Trace(a) => report_cmds::trace(&a),
        Command::Diff(a) => report_cmds::diff(&a),
        Command::Export(a) => bureau_cmds::export(&a),
        Command::Restore(a) => bureau_cmds::restore(&a),
    }
}
