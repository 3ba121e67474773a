//! Whether a ledger is ready to submit (就绪), and for each thing that blocks it the exact
//! command that resolves it: acknowledge a finding with a reason or correct its claim, record
//! a value an indicator still lacks, issue a checkpoint that matches, or restore a damaged
//! file.
//!
//! Owns: the list of blockers and the commands that resolve them, from a [`Checked`] ledger
//! and the outcome of its checkpoint check. Must not: print or word anything beyond the
//! commands (the CLI words the lines from the catalogue), or change what `verify` checks.

use crate::check::Checked;
use crate::eval::{EvalError, FindingKind};
use crate::model::Seq;
use serde::Serialize;
use std::path::Path;

/// One thing that keeps the ledger from being ready to submit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// What kind of thing.
    pub kind: BlockerKind,
    /// The entry it is about, when there is one (the claim, the failing entry).
    pub seq: Option<Seq>,
    /// The finding, indicator or node id it is about, when there is one.
    pub id: Option<String>,
    /// Commands any one of which resolves it (`REASON`, `VALUE`, `DATE` and key files stand
    /// for what the user supplies). Empty when no command does (a damaged file is restored
    /// from a copy).
    pub commands: Vec<String>,
}

/// The kinds of [`Blocker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// The integrity check failed: nothing in the file can be trusted.
    Integrity,
    /// The history does not replay or score.
    Replay,
    /// No rule set is adopted, so nothing is scored.
    NoRuleSet,
    /// A finding (a stated figure that does not reproduce) is not acknowledged.
    Finding,
    /// A leaf of the rule set has no recorded value (it counts 0).
    MissingValue,
    /// The checkpoint given does not match the ledger or lacks signatures.
    Checkpoint,
}

/// Quotes an argument for a POSIX shell when it needs it.
fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./:=+,@%".contains(c) || !c.is_ascii())
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What blocks submitting the ledger at `path`, as checked (`checkpoint_ok`: `None` when no
/// checkpoint was given, else whether it checked). Empty: ready.
#[must_use]
pub fn blockers(path: &Path, checked: &Checked, checkpoint_ok: Option<bool>) -> Vec<Blocker> {
    let l = sh(&path.display().to_string());
    let mut out = Vec::new();
    if let Err(f) = &checked.integrity {
        out.push(Blocker {
            kind: BlockerKind::Integrity,
            seq: f.seq,
            id: None,
            commands: Vec::new(),
        });
        return out;
    }
    match (&checked.state, &checked.scorecard) {
        (Err(_), _) => out.push(Blocker {
            kind: BlockerKind::Replay,
            seq: None,
            id: None,
            commands: vec![format!(
                "jixiao correct {l} SEQ --retract --reason REASON --key RECORDER.key"
            )],
        }),
        (Ok(_), Some(Err(EvalError::NoRuleSet)) | None) => out.push(Blocker {
            kind: BlockerKind::NoRuleSet,
            seq: None,
            id: None,
            commands: vec![format!("jixiao adopt {l} RULES.toml --key ADMIN.key")],
        }),
        (Ok(_), Some(Err(_))) => out.push(Blocker {
            kind: BlockerKind::Replay,
            seq: None,
            id: None,
            commands: vec![format!("jixiao score {l}")],
        }),
        (Ok(_), Some(Ok(card))) => {
            // A value not recorded first: findings that depend on it resolve once it is.
            for n in card
                .nodes
                .iter()
                .filter(|n| n.children.is_empty() && n.pending.is_some())
            {
                let command = match n
                    .input
                    .as_deref()
                    .and_then(|i| i.strip_prefix("indicator."))
                {
                    Some(ind) => format!(
                        "jixiao record value {l} --indicator {} --value VALUE --date DATE --key RECORDER.key",
                        sh(ind)
                    ),
                    None => format!("jixiao trace {l} {}", sh(&n.id)),
                };
                out.push(Blocker {
                    kind: BlockerKind::MissingValue,
                    seq: None,
                    id: Some(n.id.clone()),
                    commands: vec![command],
                });
            }
            for f in card.findings.iter().filter(|f| f.acknowledged.is_none()) {
                let id = sh(&f.id);
                let mut commands = vec![format!(
                    "jixiao acknowledge {l} {id} --reason REASON --key EVALUATOR.key"
                )];
                if f.kind != FindingKind::Orphaned {
                    let value = f
                        .recomputed
                        .map_or_else(|| "VALUE".to_string(), |d| d.to_string());
                    commands.push(format!(
                        "jixiao correct {l} {} --value {value} --reason REASON --key RECORDER.key",
                        f.claim_seq
                    ));
                }
                out.push(Blocker {
                    kind: BlockerKind::Finding,
                    seq: Some(f.claim_seq),
                    id: Some(f.id.clone()),
                    commands,
                });
            }
        }
    }
    if checkpoint_ok == Some(false) {
        out.push(Blocker {
            kind: BlockerKind::Checkpoint,
            seq: None,
            id: None,
            commands: vec![format!(
                "jixiao checkpoint {l} --key ADMIN.key -o CHECKPOINT.txt"
            )],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sh;

    #[test]
    fn arguments_are_quoted_only_when_a_shell_needs_it() {
        assert_eq!(sh("d/conghua-2022.jixiao"), "d/conghua-2022.jixiao");
        assert_eq!(sh("budget.growth_rate"), "budget.growth_rate");
        assert_eq!(sh("my ledger.jixiao"), "'my ledger.jixiao'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }
}
