//! Checking the report's claims: each stated figure is recomputed from its subject, converted
//! to the printed unit, rounded half-up to the printed precision and compared.

use super::EvalError;
use super::card::{Acknowledged, Finding, FindingKind, Scorecard, rules_of};
use super::replay::State;
use super::resolve::{Resolved, Resolver, ValueUnit};
use super::seqs::SeqSet;
use crate::model::Claim;
use crate::rules::{Reference, RoundingWhen, round_half_up};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Converts a recomputed value to the claim's unit: `%` → fraction × 100, `万元` → yuan /
/// 10000 (budget amounts, and facts recorded in 元), `元` → yuan; values already recorded in
/// the claim's unit, and other units, as is.
fn convert(r: &Resolved, unit: &str) -> Option<(Decimal, &'static str)> {
    match (unit.trim(), &r.unit) {
        ("%", ValueUnit::Fraction) => r
            .value
            .checked_mul(Decimal::ONE_HUNDRED)
            .map(|v| (v, "; × 100 for %")),
        ("万元", ValueUnit::Yuan) => r
            .value
            .checked_div(Decimal::from(10_000))
            .map(|v| (v, "; yuan / 10000 for 万元")),
        ("万元", ValueUnit::Recorded(u)) if u.trim() == "元" => r
            .value
            .checked_div(Decimal::from(10_000))
            .map(|v| (v, "; yuan / 10000 for 万元")),
        _ => Some((r.value, "")),
    }
}

/// Checks every effective claim against its recomputation; returns the findings in claim-id
/// order.
#[must_use]
pub fn check_claims(state: &State, card: &Scorecard) -> Vec<Finding> {
    let scores: BTreeMap<String, (Decimal, SeqSet)> = card
        .nodes
        .iter()
        .map(|n| {
            let v = match card.rounding.when {
                RoundingWhen::PerIndicator => n.score,
                RoundingWhen::Totals => n.score_exact,
            };
            (n.id.clone(), (v, n.seqs.clone()))
        })
        .collect();
    let rules = rules_of(state).ok().map(|(r, _)| r);
    let mut out = Vec::new();
    for (id, h) in &state.claims {
        let Some(c) = h.latest() else { continue };
        let claim: &Claim = &c.value;
        let acknowledged = state
            .acknowledgements
            .get(id)
            .and_then(|a| a.latest())
            .map(|a| Acknowledged {
                seq: a.seq,
                reason: a.value.reason.clone(),
            });
        let mut orphaned = false;
        let resolved = match (rules, Reference::parse(&claim.subject)) {
            (_, Err(why)) => Err(format!(
                "subject `{}` is not a reference: {why}",
                claim.subject
            )),
            (None, _) => Err("no usable rule set is adopted".to_string()),
            (Some(rules), Ok(r)) => Resolver {
                state,
                rules,
                scores: &scores,
            }
            .resolve(&r, &format!("claim {id}"))
            .map_err(|e| {
                orphaned = matches!(e, EvalError::UndefinedReference { .. });
                e.to_string()
            }),
        };
        let mut f = Finding {
            id: id.clone(),
            kind: FindingKind::Unresolvable,
            claim_seq: c.seq,
            subject: claim.subject.clone(),
            text: claim.text.clone(),
            section: claim.section.clone(),
            stated: claim.value.to_string(),
            unit: claim.unit.clone(),
            recomputed_exact: None,
            recomputed: None,
            definition: String::new(),
            input_seqs: SeqSet::new(),
            problem: None,
            acknowledged,
        };
        match resolved {
            Err(problem) => {
                if orphaned {
                    f.kind = FindingKind::Orphaned;
                }
                f.problem = Some(problem);
                out.push(f);
            }
            Ok(r) => {
                let Some((value, note)) = convert(&r, &claim.unit) else {
                    f.problem = Some("unit conversion overflows".into());
                    out.push(f);
                    continue;
                };
                let at = round_half_up(value, claim.value.scale());
                if at != claim.value.value() {
                    f.kind = FindingKind::Mismatch;
                    f.recomputed_exact = Some(value.normalize());
                    f.recomputed = Some(at);
                    f.definition = format!(
                        "{}{note}; rounded half-up to {} decimals",
                        r.definition,
                        claim.value.scale()
                    );
                    f.input_seqs = r.seqs;
                    out.push(f);
                }
            }
        }
    }
    out
}
