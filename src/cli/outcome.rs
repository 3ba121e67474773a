//! What an append says: the text lines and the JSON object (docs/JSON.md, "appending
//! commands") of `import`, `record …`, `adjust`, `acknowledge`, `correct`, `adopt`, `grant`
//! and `revoke`.
//!
//! Owns: the shape of that output. Must not: decide whether to append (`crate::append`).

use crate::append::Admitted;
use crate::eval::{EvalError, Scorecard};
use crate::messages::text;
use rust_decimal::Decimal;
use serde::Serialize;
use std::path::Path;

/// The JSON object of an append.
#[derive(Serialize)]
pub(super) struct AppendDoc {
    ledger: String,
    dry_run: bool,
    /// `description` of an import file.
    description: Option<String>,
    /// The events' count.
    events: u64,
    /// First and last seq written (or, for a dry run, that would be).
    first: u64,
    last: u64,
    /// Hash of the new head (null for a dry run).
    head: Option<String>,
    signed_by: Signer,
    /// Whether the history replays after the batch, and if not why.
    replays: bool,
    replay_error: Option<String>,
    /// Why it did not replay before the batch, if it did not.
    was_failing: Option<String>,
    score: Option<ScoreChange>,
    /// What `import-form` read from the 自评表 (absent for the other commands).
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<FormSummary>,
}

/// What `import-form` read from a 自评表: the file, its sheet and the events of each kind.
#[derive(Serialize, Clone, Debug)]
pub(super) struct FormSummary {
    /// The form as given.
    pub file: String,
    /// The sheet read.
    pub sheet: String,
    /// Indicator targets.
    pub targets: usize,
    /// Indicator values (实际完成值).
    pub values: usize,
    /// Facts (the budget block's figures).
    pub facts: usize,
    /// Claims: every score and figure the form states.
    pub claims: usize,
}

#[derive(Serialize)]
struct Signer {
    name: String,
    key_id: String,
}

#[derive(Serialize)]
struct ScoreChange {
    before: Option<String>,
    after: String,
    change: Option<String>,
    nodes: Vec<NodeChange>,
}

#[derive(Serialize)]
struct NodeChange {
    id: String,
    name: String,
    before: String,
    after: String,
    change: String,
}

fn card(c: Option<&Result<Scorecard, EvalError>>) -> Option<&Scorecard> {
    c.and_then(|c| c.as_ref().ok())
}

fn two(d: Decimal) -> String {
    format!("{d:.2}")
}

fn signed(d: Decimal) -> String {
    format!("{d:+}")
}

/// The nodes whose score changed: (id, name, before, after).
fn changed_nodes<'a>(b: &Scorecard, a: &'a Scorecard) -> Vec<(&'a str, &'a str, Decimal, Decimal)> {
    a.nodes
        .iter()
        .filter_map(|n| {
            let old = b.node(&n.id).map_or(Decimal::ZERO, |o| o.score);
            (old != n.score).then_some((n.id.as_str(), n.name.as_str(), old, n.score))
        })
        .collect()
}

/// The JSON object of an append of `count` events signed by `name` (`key_id`).
pub(super) fn append_doc(
    ledger: &Path,
    done: &Admitted,
    count: u64,
    signer: (&str, String),
    description: Option<&str>,
    form: Option<FormSummary>,
) -> AppendDoc {
    let (first, last, head) = match &done.appended {
        Some(a) => (a.first, a.last, Some(a.head.to_hex())),
        None => (done.size + 1, done.size + count, None),
    };
    let score = card(done.after.as_ref()).map(|a| {
        let b = card(done.before.as_ref());
        ScoreChange {
            before: b.map(|b| two(b.total)),
            after: two(a.total),
            change: b.map(|b| signed(a.total - b.total)),
            nodes: b.map_or_else(Vec::new, |b| {
                changed_nodes(b, a)
                    .into_iter()
                    .map(|(id, name, old, new)| NodeChange {
                        id: id.into(),
                        name: name.into(),
                        before: two(old),
                        after: two(new),
                        change: signed(new - old),
                    })
                    .collect()
            }),
        }
    });
    AppendDoc {
        ledger: ledger.display().to_string(),
        dry_run: done.appended.is_none(),
        description: description.map(str::to_string),
        events: count,
        first,
        last,
        head,
        signed_by: Signer {
            name: signer.0.to_string(),
            key_id: signer.1,
        },
        replays: done.still_failing.is_none(),
        replay_error: done.still_failing.as_ref().map(ToString::to_string),
        was_failing: done.was_failing.as_ref().map(ToString::to_string),
        score,
        form,
    }
}

/// The text lines of an append of `count` events signed by `signer`.
pub(super) fn append_text(done: &Admitted, count: u64, signer: &str) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    if let Some(e) = &done.was_failing {
        line(text("append.was_failing", &[("error", e)]));
    }
    match &done.appended {
        None => line(text(
            "append.dry_run",
            &[
                ("count", &count),
                ("first", &(done.size + 1)),
                ("last", &(done.size + count)),
                ("signer", &signer),
            ],
        )),
        Some(a) if a.first == a.last => line(text(
            "append.one",
            &[
                ("seq", &a.last),
                ("hash", &a.head.short()),
                ("signer", &signer),
            ],
        )),
        Some(a) => line(text(
            "append.many",
            &[
                ("first", &a.first),
                ("last", &a.last),
                ("count", &(a.last - a.first + 1)),
                ("signer", &signer),
                ("hash", &a.head.short()),
            ],
        )),
    }
    match (&done.was_failing, &done.still_failing) {
        (_, Some(e)) => line(text("append.still_failing", &[("error", e)])),
        (Some(_), None) => line(text("append.replays_again", &[])),
        (None, None) => {}
    }
    out.push_str(&score_impact(
        card(done.before.as_ref()),
        card(done.after.as_ref()),
    ));
    out
}

/// "score 99.96 → 99.92 (-0.04)" and one line per changed node, or nothing without scores.
fn score_impact(before: Option<&Scorecard>, after: Option<&Scorecard>) -> String {
    let Some(a) = after else {
        return String::new();
    };
    let Some(b) = before else {
        return text("append.score_now", &[("total", &two(a.total))]) + "\n";
    };
    let nodes = changed_nodes(b, a);
    if a.total == b.total && nodes.is_empty() {
        return text("append.score_unchanged", &[("total", &two(a.total))]) + "\n";
    }
    let mut out = text(
        "append.score_change",
        &[
            ("before", &two(b.total)),
            ("after", &two(a.total)),
            ("change", &signed(a.total - b.total)),
        ],
    ) + "\n";
    for (id, name, old, new) in nodes {
        out.push_str(&format!(
            "  {id} {name}: {} → {} ({})\n",
            two(old),
            two(new),
            signed(new - old)
        ));
    }
    out
}
