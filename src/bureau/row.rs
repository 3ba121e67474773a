//! One ledger of many, verified: what a bureau's table shows of it (department, year, entries,
//! head, checkpoint status, total, grade, findings) and whether it passed.
//!
//! Owns: running the ordinary whole-ledger check ([`crate::check`]) on one file and reducing its
//! outcome to a [`LedgerRow`]. Must not: print, or judge anything itself (every verdict is the
//! check's: integrity, replay, scoring, claims, the kept checkpoints re-checked by verify).

use crate::check::{Checked, check_open};
use crate::eval::{AsOf, EvalError, Finding};
use crate::ledger::{Authority, Failure, Ledger, SignedCheckpoint, note_name, open_failure};
use crate::model::{Event, Principal};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Whether a ledger passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Intact, replayed and scored, every finding acknowledged.
    Ok,
    /// Intact, but the history does not replay or score, or a finding is unacknowledged.
    Findings,
    /// Not intact, not a ledger, or unreadable.
    Failed,
}

impl Status {
    /// The word shown in the text table.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Findings => "FINDINGS",
            Status::Failed => "FAILED",
        }
    }
}

/// The checkpoints kept in the file (verify re-checks every one of them against the entries
/// and the registry's keys; a bad one makes the ledger fail with kind `checkpoint`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckpointStatus {
    /// How many are kept.
    pub kept: usize,
    /// The largest tree size kept, if any.
    pub latest: Option<u64>,
    /// Entries appended after the latest kept checkpoint (null without one or when the entry
    /// count is unknown).
    pub behind: Option<u64>,
    /// Names on the latest kept checkpoint's signature lines.
    pub signed_by: Vec<String>,
    /// With trusted keys given ([`Trust`]): whether the latest kept checkpoint carries enough
    /// valid signatures by them; null without.
    pub trusted: Option<TrustedCheck>,
}

/// Keys a bureau trusts, and how many of them must have signed each ledger's latest kept
/// checkpoint (a department's checkpoint cosigned by the bureau as witness, FORMAT.md §9.4).
#[derive(Clone, Debug)]
pub struct Trust {
    /// The trusted public keys, with the names of their `.pub` files.
    pub keys: Vec<Principal>,
    /// Distinct trusted keys that must have signed.
    pub min_signatures: usize,
}

/// The latest kept checkpoint checked against the [`Trust`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustedCheck {
    /// Enough trusted keys signed.
    pub ok: bool,
    /// The trusted keys that signed (one name per key).
    pub signers: Vec<String>,
    /// Why not, when not ok.
    pub problem: Option<String>,
}

/// The recomputation of an intact ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recompute {
    /// Replayed and scored (or skipped: no rule set), and no unacknowledged finding.
    pub ok: bool,
    /// Total score, two decimals, when scored.
    pub total: Option<String>,
    /// Grade name, when the rule set has grades.
    pub grade: Option<String>,
    /// Claims checked.
    pub claims_checked: usize,
    /// Every finding (acknowledged ones included), as in `verify --json`.
    pub findings: Vec<Finding>,
    /// Findings not acknowledged.
    pub unacknowledged: usize,
    /// Why the history does not replay or score.
    pub error: Option<String>,
    /// Why scoring was skipped (`no rule set adopted`); that is not a failure.
    pub skipped: Option<String>,
}

/// One ledger's line in the bureau's table.
#[derive(Clone, Debug, Serialize)]
pub struct LedgerRow {
    /// The file, as found (the argument, or directory/name).
    pub ledger: PathBuf,
    /// Passed, findings, or failed.
    pub status: Status,
    /// Same meaning as `verify --json`'s `ok`: the exit code is 0 only if every row is ok.
    pub ok: bool,
    /// From the genesis entry (entry 1, as stored when integrity failed).
    pub department: Option<String>,
    /// Fiscal year, from the genesis entry.
    pub year: Option<i32>,
    /// 32 hex digits, when the file opened as a ledger.
    pub ledger_id: Option<String>,
    /// Entry count (verified; when integrity failed, as stored).
    pub entries: Option<u64>,
    /// Signed batches (when intact).
    pub batches: Option<u64>,
    /// Hash of the last entry, 64 hex digits (when intact).
    pub head: Option<String>,
    /// Merkle root over all entries, recomputed (when intact).
    pub merkle_root: Option<String>,
    /// The file's last write had been interrupted; it was read through an in-memory recovery.
    pub recovered: bool,
    /// Kept checkpoints.
    pub checkpoint: CheckpointStatus,
    /// The first integrity failure, if any (`kind` as in `verify --json`, plus `unreadable` for
    /// a file that could not be opened at all).
    pub failure: Option<RowFailure>,
    /// Null when integrity failed.
    pub recompute: Option<Recompute>,
}

/// Why a ledger failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowFailure {
    /// First failing seq, when the failure is about an entry.
    pub seq: Option<u64>,
    /// Failure kind (docs/JSON.md), or `unreadable`.
    pub kind: String,
    /// What was found.
    pub detail: String,
}

impl From<&Failure> for RowFailure {
    fn from(f: &Failure) -> RowFailure {
        RowFailure {
            seq: f.seq,
            kind: f.kind.name(),
            detail: f.detail.clone(),
        }
    }
}

impl LedgerRow {
    fn failed(path: &Path, failure: RowFailure) -> LedgerRow {
        LedgerRow {
            ledger: path.to_path_buf(),
            status: Status::Failed,
            ok: false,
            department: None,
            year: None,
            ledger_id: None,
            entries: None,
            batches: None,
            head: None,
            merkle_root: None,
            recovered: false,
            checkpoint: CheckpointStatus::default(),
            failure: Some(failure),
            recompute: None,
        }
    }

    /// What went wrong, in one phrase, when the row is not ok.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        if let Some(f) = &self.failure {
            let at = f.seq.map_or_else(String::new, |s| format!(" at seq {s}"));
            return Some(format!("integrity failed{at}: {} ({})", f.detail, f.kind));
        }
        let r = self.recompute.as_ref()?;
        let trust = self
            .checkpoint
            .trusted
            .as_ref()
            .and_then(|t| t.problem.clone())
            .map(|p| format!("checkpoint: {p}"));
        if r.ok {
            return trust;
        }
        let recompute = match &r.error {
            Some(e) => format!("recompute failed: {e}"),
            None => format!("{} unacknowledged finding(s)", r.unacknowledged),
        };
        Some(match trust {
            Some(t) => format!("{recompute}; {t}"),
            None => recompute,
        })
    }
}

/// Verifies the ledger at `path` as `jixiao verify` does and reduces the outcome to a row;
/// with `trust`, also checks its latest kept checkpoint's signatures by the trusted keys.
/// Never fails: a file that cannot be opened or read is a failed row naming why.
#[must_use]
pub fn verify_one(path: &Path, trust: Option<&Trust>) -> LedgerRow {
    let ledger = match Ledger::open_read(path) {
        Ok(l) => l,
        Err(e) => {
            let failure = open_failure(&e).map_or_else(
                || RowFailure {
                    seq: None,
                    kind: "unreadable".into(),
                    detail: e.to_string(),
                },
                |f| RowFailure::from(&f),
            );
            return LedgerRow::failed(path, failure);
        }
    };
    let checked = match check_open(&ledger, AsOf::Latest, &[]) {
        Ok(c) => c,
        Err(e) => {
            let failure = open_failure(&e).map_or_else(
                || RowFailure {
                    seq: None,
                    kind: "unreadable".into(),
                    detail: e.to_string(),
                },
                |f| RowFailure::from(&f),
            );
            return LedgerRow::failed(path, failure);
        }
    };
    row_of(path, &ledger, &checked, trust)
}

fn row_of(path: &Path, ledger: &Ledger, checked: &Checked, trust: Option<&Trust>) -> LedgerRow {
    // Department and year from entry 1: verified when integrity passed, as stored otherwise
    // (so that a bureau sees whose ledger failed).
    let genesis = ledger
        .entry(1)
        .ok()
        .flatten()
        .and_then(|r| match r.entry.event {
            Event::Genesis(g) => Some(g),
            _ => None,
        });
    let kept = ledger.checkpoints().unwrap_or_default();
    let mut row = LedgerRow {
        ledger: path.to_path_buf(),
        status: Status::Failed,
        ok: false,
        department: genesis.as_ref().map(|g| g.department.clone()),
        year: genesis.as_ref().map(|g| g.year),
        ledger_id: Some(hex::encode(ledger.ledger_id())),
        entries: None,
        batches: None,
        head: None,
        merkle_root: None,
        recovered: checked.recovery_note.is_some(),
        checkpoint: checkpoint_status(&kept),
        failure: None,
        recompute: None,
    };
    match &checked.integrity {
        Err(f) => {
            row.entries = ledger.head().ok().map(|h| h.size);
            row.failure = Some(RowFailure::from(f));
        }
        Ok(v) => {
            row.entries = Some(v.size);
            row.batches = Some(v.batches);
            row.head = Some(v.head.to_hex());
            row.merkle_root = Some(hex::encode(v.root));
            let r = recompute(checked);
            if let Some(t) = trust {
                row.checkpoint.trusted = Some(trusted_check(&kept, t, &v.authority));
            }
            let ok = r.ok && row.checkpoint.trusted.as_ref().is_none_or(|t| t.ok);
            row.status = if ok { Status::Ok } else { Status::Findings };
            row.ok = ok;
            row.recompute = Some(r);
        }
    }
    if let (Some(latest), Some(n)) = (row.checkpoint.latest, row.entries) {
        row.checkpoint.behind = n.checked_sub(latest);
    }
    row
}

fn checkpoint_status(kept: &[(u64, String)]) -> CheckpointStatus {
    let latest = kept.iter().map(|(s, _)| *s).max();
    let signed_by = kept
        .iter()
        .find(|(s, _)| Some(*s) == latest)
        .and_then(|(_, t)| SignedCheckpoint::parse(t).ok())
        .map(|c| c.signatures.into_iter().map(|s| s.name).collect())
        .unwrap_or_default();
    CheckpointStatus {
        kept: kept.len(),
        latest,
        behind: None,
        signed_by,
        trusted: None,
    }
}

/// The latest kept checkpoint against `trust`: each trusted key under the name of its `.pub`
/// file and under its name in this ledger's registry (as `verify --checkpoint` trusts them),
/// counting distinct keys.
fn trusted_check(kept: &[(u64, String)], trust: &Trust, authority: &Authority) -> TrustedCheck {
    let fail = |problem: String| TrustedCheck {
        ok: false,
        signers: Vec::new(),
        problem: Some(problem),
    };
    let Some((size, text)) = kept.iter().max_by_key(|(s, _)| *s) else {
        return fail("no checkpoint kept in the file".into());
    };
    let cp = match SignedCheckpoint::parse(text) {
        Ok(c) => c,
        Err(e) => return fail(format!("the checkpoint at #{size} does not parse: {e}")),
    };
    let mut pairs = Vec::new();
    for p in &trust.keys {
        let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&p.public_key) else {
            continue;
        };
        let id = p.key_id();
        let mut names = vec![note_name(&p.name, id)];
        if let Some(rec) = authority.get(id) {
            names.push(note_name(&rec.principal.name, id));
        }
        for n in names {
            if !pairs.iter().any(|(m, k)| *m == n && *k == vk) {
                pairs.push((n, vk));
            }
        }
    }
    match cp.verify_signatures(&pairs) {
        Ok(signers) if signers.len() >= trust.min_signatures => TrustedCheck {
            ok: true,
            signers,
            problem: None,
        },
        Ok(signers) => TrustedCheck {
            ok: false,
            problem: Some(format!(
                "the checkpoint at #{size} has {} trusted signature(s) ({}), {} required",
                signers.len(),
                signers.join(", "),
                trust.min_signatures
            )),
            signers,
        },
        Err(e) => fail(format!("the checkpoint at #{size}: {e}")),
    }
}

/// The same verdict as `verify`'s recompute step (`Checked::is_clean` once integrity holds).
fn recompute(c: &Checked) -> Recompute {
    let mut r = Recompute {
        ok: c.is_clean(),
        total: None,
        grade: None,
        claims_checked: 0,
        findings: Vec::new(),
        unacknowledged: 0,
        error: None,
        skipped: None,
    };
    match (&c.state, &c.scorecard) {
        (Err(e), _) => r.error = Some(format!("the history does not replay: {e}")),
        (Ok(_), Some(Err(EvalError::NoRuleSet)) | None) => {
            r.skipped = Some("no rule set adopted".into());
        }
        (Ok(_), Some(Err(e))) => r.error = Some(e.to_string()),
        (Ok(_), Some(Ok(card))) => {
            r.total = Some(format!("{:.2}", card.total));
            r.grade = card.grade.as_ref().map(|g| g.name.clone());
            r.claims_checked = card.claims_checked;
            r.unacknowledged = card
                .findings
                .iter()
                .filter(|f| f.acknowledged.is_none())
                .count();
            r.findings.clone_from(&card.findings);
        }
    }
    r
}
