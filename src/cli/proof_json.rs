//! The JSON documents of `check-proof --json` (docs/JSON.md): a proof that checks or not, a
//! report that checks, and a report that does not.
//!
//! Owns: their shape. Must not: check anything (`crate::report_check` does).

use crate::ledger::{ProofError, ProofSummary};
use crate::report_check::ReportCheck;
use serde_json::{Value, json};
use std::path::Path;

/// A proof file's outcome.
pub(super) fn summary_doc(file: &Path, summary: &Result<ProofSummary, ProofError>) -> Value {
    let file = file.display().to_string();
    match summary {
        Ok(ProofSummary::Inclusion {
            seq,
            entry_hash,
            entry,
            tree_size,
            root,
            signers,
            ..
        }) => json!({
            "ok": true,
            "file": file,
            "kind": "inclusion",
            "seq": seq,
            "entry_hash": entry_hash.to_hex(),
            "summary": entry.event.summary(),
            "tree_size": tree_size,
            "root": hex::encode(root),
            "signers": signers,
        }),
        Ok(ProofSummary::Consistency {
            old_size,
            new_size,
            old_signers,
            new_signers,
            ..
        }) => json!({
            "ok": true,
            "file": file,
            "kind": "consistency",
            "old_size": old_size,
            "new_size": new_size,
            "old_signers": old_signers,
            "new_signers": new_signers,
        }),
        Err(e) => json!({
            "ok": false,
            "file": file,
            "kind": null,
            "problem": e.to_string(),
        }),
    }
}

/// A report whose every value was recomputed.
pub(super) fn report_doc(file: &Path, r: &ReportCheck) -> Value {
    json!({
        "ok": true,
        "file": file.display().to_string(),
        "kind": "report",
        "values": r.values,
        "size": r.size,
        "ledger_id": hex::encode(r.ledger_id),
        "embedded": r.embedded,
        "root": hex::encode(r.root),
        "signers": r.signers,
    })
}

/// A report that does not check: what differs, and how many more were not listed.
pub(super) fn refused_doc(file: &Path, problems: &[String], more: usize) -> Value {
    json!({
        "ok": false,
        "file": file.display().to_string(),
        "kind": "report",
        "problems": problems,
        "more": more,
    })
}
