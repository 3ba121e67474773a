//! Many ledgers at once: a finance bureau's verification of every department's ledger, one
//! row per ledger in a table (text, JSON Lines, or a spreadsheet), and a summary.
//!
//! Owns: expanding the arguments to ledger files ([`expand()`]), verifying them on a bounded pool
//! of worker threads, one file per worker, with rows handed over in argument order ([`pool`]),
//! reducing each outcome to a row ([`row`]), and rendering rows and summary ([`render`],
//! [`xlsx`]). Must not: verify anything itself (each file goes through the same check as
//! `jixiao verify`), print (callers write the rendered lines), or hold more than a bounded
//! window of rows when streaming.

pub mod expand;
pub mod pool;
pub mod render;
pub mod row;
pub mod xlsx;

pub use expand::{EXTENSION, ExpandError, expand};
pub use row::{
    CheckpointStatus, LedgerRow, Recompute, RowFailure, Status, Trust, TrustedCheck, verify_one,
};

use serde::Serialize;
use std::path::PathBuf;

/// What the rows add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Ledgers verified.
    pub ledgers: usize,
    /// Rows that are ok.
    pub ok: usize,
    /// Intact ledgers with an unacknowledged finding or a history that does not replay.
    pub findings: usize,
    /// Ledgers that failed integrity or could not be read.
    pub failed: usize,
    /// Entries of the ledgers whose entry count is known.
    pub entries: u64,
    /// Every ledger that is not ok, in order, with what is wrong with it.
    pub not_ok: Vec<NotOk>,
}

/// A ledger that did not pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotOk {
    /// The file.
    pub ledger: PathBuf,
    /// `findings` or `failed`.
    pub status: Status,
    /// What is wrong, in one phrase.
    pub problem: String,
}

impl Summary {
    /// Counts `row` in.
    pub fn add(&mut self, row: &LedgerRow) {
        self.ledgers += 1;
        self.entries = self.entries.saturating_add(row.entries.unwrap_or(0));
        match row.status {
            Status::Ok => self.ok += 1,
            Status::Findings => self.findings += 1,
            Status::Failed => self.failed += 1,
        }
        if !row.ok {
            self.not_ok.push(NotOk {
                ledger: row.ledger.clone(),
                status: row.status,
                problem: row.problem().unwrap_or_default(),
            });
        }
    }

    /// Every ledger passed.
    #[must_use]
    pub fn all_ok(&self) -> bool {
        self.not_ok.is_empty()
    }
}

/// The number of workers to use by default: the cores this process may run on.
#[must_use]
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Verifies every file of `files` on `jobs` worker threads (each file on one worker, through
/// the same check as `jixiao verify`, and with `trust` the latest kept checkpoint's trusted
/// signatures) and calls `emit` with each row in the order of `files`, as soon as it and every
/// row before it are done. Returns the summary. At most `jobs × 4` finished rows wait for
/// `emit` at any time.
pub fn verify_many(
    files: &[PathBuf],
    jobs: usize,
    trust: Option<&Trust>,
    mut emit: impl FnMut(&LedgerRow),
) -> Summary {
    let mut summary = Summary::default();
    pool::ordered_map(
        files,
        jobs,
        |p| verify_one(p, trust),
        |_, row| {
            summary.add(&row);
            emit(&row);
        },
    );
    summary
}
