//! Rule-set changes: each adoption after the first, with when and by whom it was recorded and
//! what it did to the total; and [`score`], the scorecard with those changes and the
//! plausibility warnings listed.
//!
//! Owns: comparing the adoptions of one replayed state. Must not: print, or change which rule
//! set is in force (the latest adoption by seq, see [`super::replay`]).

use super::EvalError;
use super::card::{RuleSetChange, Scorecard};
use super::replay::{AdoptedRules, State};
use super::score::score_in_force;
use rust_decimal::Decimal;

/// The total of `state` scored with `adopted` in force.
fn total_under(state: &State, adopted: &AdoptedRules) -> Result<Decimal, String> {
    let mut s = state.clone();
    s.rules = Some(adopted.clone());
    score_in_force(&s)
        .map(|c| c.total)
        .map_err(|e| e.to_string())
}

/// Every change of rule set in `state`, oldest first. `in_force_total` is the total already
/// computed under the rule set in force (it is not computed again).
#[must_use]
pub fn rule_set_changes(state: &State, in_force_total: Option<Decimal>) -> Vec<RuleSetChange> {
    let adoptions: Vec<&AdoptedRules> = state.adoptions().collect();
    let mut out = Vec::new();
    for (i, pair) in adoptions.windows(2).enumerate() {
        let (prev, next) = (pair[0], pair[1]);
        let last = i + 2 == adoptions.len();
        let before = total_under(state, prev);
        let after = match in_force_total {
            Some(t) if last => Ok(t),
            _ => total_under(state, next),
        };
        let problem = match (&before, &after) {
            (Err(b), _) => Some(format!("under #{}: {b}", prev.seq)),
            (_, Err(a)) => Some(format!("under #{}: {a}", next.seq)),
            _ => None,
        };
        out.push(RuleSetChange {
            adopted: next.into(),
            previous: prev.into(),
            same_name: prev.name == next.name,
            same_text: prev.digest == next.digest,
            recorded_at: next.recorded_at,
            author: next.author.to_string(),
            score_before: before.ok(),
            score_after: after.ok(),
            problem,
        });
    }
    out
}

/// Scores the state with its adopted rule set, checks its claims and lists the changes of
/// rule set with what each did to the total.
pub fn score(state: &State) -> Result<Scorecard, EvalError> {
    let mut card = score_in_force(state)?;
    card.rule_set_changes = rule_set_changes(state, Some(card.total));
    card.warnings = super::plausible::warnings(state);
    Ok(card)
}
