//! The many-ledger table as text and as JSON Lines: one line per ledger, then the summary.
//!
//! Owns: the columns and their order, and the JSON shape of a row and of the summary
//! (docs/JSON.md, "verify of many ledgers"). Must not: decide anything (rows carry their
//! verdicts) or write (callers print the strings). The text is in the language in force
//! (`messages`); the JSON is English in every language.

use super::{LedgerRow, Status, Summary};
use crate::messages::{localize, text};
use crate::report::{pad, pad_left};

/// A column heading of the text table.
fn col(name: &str) -> String {
    text(&format!("many.col.{name}"), &[])
}

/// The status word of the text table (`ok`, `FINDINGS`, `FAILED` in English).
#[must_use]
pub fn status_word(s: Status) -> String {
    text(
        &format!("many.status.{}", s.word().to_ascii_lowercase()),
        &[],
    )
}

/// The header line of the text table.
#[must_use]
pub fn text_header() -> String {
    format!(
        "{} {} {} {} {} {} {} {} {}  {}",
        pad(&col("status"), 8),
        pad(&col("year"), 4),
        pad_left(&col("entries"), 9),
        pad(&col("head"), 16),
        pad(&col("checkpoint"), 18),
        pad_left(&col("total"), 6),
        pad(&col("grade"), 5),
        pad(&col("findings"), 12),
        pad(&col("department"), 28),
        col("file"),
    )
}

/// The text line(s) of one row: the columns, then, when it is not ok, an indented line saying
/// why.
#[must_use]
pub fn text_row(r: &LedgerRow) -> String {
    let dash = || "-".to_string();
    let head = match (&r.head, r.entries) {
        (Some(h), Some(n)) => format!("#{n}·{}", h.get(..6).unwrap_or(h)),
        _ => dash(),
    };
    let mut cp = match (r.checkpoint.latest, r.checkpoint.behind) {
        (None, _) => text("many.cell.none", &[]),
        (Some(s), Some(0)) => text("many.cell.at_head", &[("seq", &s)]),
        (Some(s), Some(b)) => format!("#{s} (+{b})"),
        (Some(s), None) => format!("#{s}"),
    };
    match &r.checkpoint.trusted {
        Some(t) if t.ok => cp.push_str(&text("many.cell.trusted", &[])),
        Some(_) => cp.push_str(&text("many.cell.untrusted", &[])),
        None => {}
    }
    let (total, grade, findings) = match &r.recompute {
        None => (dash(), dash(), dash()),
        Some(c) if c.error.is_some() => (text("many.cell.error", &[]), dash(), dash()),
        Some(c) if c.skipped.is_some() => (text("many.cell.no_rules", &[]), dash(), dash()),
        Some(c) => (
            c.total.clone().unwrap_or_else(dash),
            c.grade.clone().unwrap_or_else(dash),
            if c.findings.is_empty() {
                "0".into()
            } else {
                text(
                    "many.cell.findings",
                    &[("findings", &c.findings.len()), ("open", &c.unacknowledged)],
                )
            },
        ),
    };
    let mut line = format!(
        "{} {} {} {} {} {} {} {} {}  {}",
        pad(&status_word(r.status), 8),
        pad(&r.year.map_or_else(dash, |y| y.to_string()), 4),
        pad_left(&r.entries.map_or_else(dash, |n| n.to_string()), 9),
        pad(&head, 16),
        pad(&cp, 18),
        pad_left(&total, 6),
        pad(&grade, 5),
        pad(&findings, 12),
        pad(r.department.as_deref().unwrap_or("-"), 28),
        r.ledger.display()
    );
    if r.recovered {
        line.push_str(&text("many.recovered", &[]));
    }
    if let Some(p) = r.problem() {
        line.push_str("\n         ");
        line.push_str(&localize("bureau", &p));
    }
    line
}

/// The summary after the text table.
#[must_use]
pub fn text_summary(s: &Summary) -> String {
    let mut t = text(
        "many.summary",
        &[
            ("ledgers", &s.ledgers),
            ("entries", &s.entries),
            ("ok", &s.ok),
            ("findings", &s.findings),
            ("failed", &s.failed),
        ],
    ) + "\n";
    for n in &s.not_ok {
        t.push_str(&format!(
            "  {} {}: {}\n",
            status_word(n.status),
            n.ledger.display(),
            localize("bureau", &n.problem)
        ));
    }
    t
}

/// One row as a single-line JSON object.
#[must_use]
pub fn json_row(r: &LedgerRow) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "ledger".into(),
            serde_json::Value::String(r.ledger.display().to_string()),
        );
    }
    v.to_string()
}

/// The summary as a single-line JSON object `{"summary": {...}}`.
#[must_use]
pub fn json_summary(s: &Summary) -> String {
    let not_ok: Vec<serde_json::Value> = s
        .not_ok
        .iter()
        .map(|n| {
            serde_json::json!({
                "ledger": n.ledger.display().to_string(),
                "status": n.status,
                "problem": n.problem,
            })
        })
        .collect();
    serde_json::json!({
        "summary": {
            "ledgers": s.ledgers,
            "ok": s.ok,
            "findings": s.findings,
            "failed": s.failed,
            "entries": s.entries,
            "all_ok": s.all_ok(),
            "not_ok": not_ok,
        }
    })
    .to_string()
}
