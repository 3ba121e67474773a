//! Checks of new events against the history they join, before they are appended: indicator
//! and node ids known to the rule set in force, claim subjects well-formed, dates within the
//! fiscal year, amounts of the right sign, findings that exist, evidence citations that name
//! evidence entries, retractions that name an entry no longer in effect.

use super::replay::State;
use crate::model::{BudgetKind, Event, Money, Seq};
use crate::rules::{Reference, RuleSet};
use std::collections::{BTreeMap, BTreeSet};

/// The largest score adjustment accepted, in points either way: far above any node's weight
/// (a whole self-evaluation is usually out of 100), so only typing errors are refused, and sums
/// of adjustments stay far from the limits of exact decimal arithmetic.
pub const MAX_ADJUSTMENT_POINTS: i64 = 1000;

/// Why one new event may not be appended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event #{} ({kind}), field `{field}`: {what}", .index + 1)]
pub struct Invalid {
    /// 0-based position of the event in the batch.
    pub index: usize,
    /// Its kind.
    pub kind: &'static str,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub what: String,
}

/// Indicator ids the rule set reads (directly or through derivations).
/// The level codes (with their names) an indicator scored by `levels` may take: `None` when no
/// node scores it by levels (docs/RULES.md, "levels").
fn level_codes(rules: &RuleSet, indicator: &str) -> Option<Vec<(rust_decimal::Decimal, String)>> {
    let mut out: Option<Vec<_>> = None;
    for n in rules.nodes.values() {
        if let Some(s) = &n.scoring
            && let (Reference::Indicator(id), crate::rules::Method::Levels { levels }) =
                (&s.input, &s.method)
            && id == indicator
        {
            out.get_or_insert_with(Vec::new)
                .extend(levels.iter().map(|l| (l.code, l.name.clone())));
        }
    }
    out
}

fn indicators(rules: &RuleSet) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |r: &Reference| {
        if let Reference::Indicator(id) = r {
            out.insert(id.clone());
        }
    };
    for n in rules.nodes.values() {
        if let Some(s) = &n.scoring {
            add(&s.input);
        }
    }
    for d in rules.derived.values() {
        d.inputs.iter().for_each(&mut add);
    }
    out
}

/// Validates `events`, in order, as if appended after `state` (the replay of the whole
/// ledger). A rule set adopted earlier in the same batch counts for the events after it.
pub fn validate_new_events(state: &State, events: &[Event]) -> Result<(), Invalid> {
    let year = state.genesis.as_ref().map(|g| g.value.year);
    let mut rules: Option<RuleSet> = state
        .rules
        .as_ref()
        .and_then(|r| r.parsed.as_ref().ok().cloned());
    let mut claims: BTreeSet<String> = state.claims.keys().cloned().collect();
    let first = state.last_seq.map_or(1, |s| s.saturating_add(1));
    // Evidence entries a value may cite: those recorded before, and earlier in this batch.
    let mut evidence: BTreeSet<Seq> = state.evidence.keys().copied().collect();
    // Per original entry, the latest correction of it and whether that was a retraction; per
    // correction entry, the original it corrected.
    let mut latest: BTreeMap<Seq, (Seq, bool)> = BTreeMap::new();
    let mut corrections: BTreeMap<Seq, Seq> = BTreeMap::new();
    for c in &state.corrections {
        latest.insert(c.slot, (c.correction_seq, c.new_value.is_none()));
        corrections.insert(c.correction_seq, c.slot);
    }
    for (index, event) in events.iter().enumerate() {
        let seq = first.saturating_add(index as u64);
        let kind = event.kind().name();
        let bad = |field: &'static str, what: String| Invalid {
            index,
            kind,
            field,
            what,
        };
        let check_date = |field: &'static str, d: crate::model::BizDate| match year {
            Some(y) if d.year() != y => Err(bad(
                field,
                format!("{d} is outside the fiscal year {y}; use a date in {y}"),
            )),
            _ => Ok(()),
        };
        let need_rules = |field: &'static str| -> Result<&RuleSet, Invalid> {
            rules.as_ref().ok_or_else(|| {
                bad(
                    field,
                    "no valid rule set is adopted yet; an admin must adopt one first (a `rule_set` event)".into(),
                )
            })
        };
        // A correction names the original entry, and a retraction one that is in effect.
        if let Event::Correction(c) = event {
            let s = c.supersedes;
            if let Some(original) = corrections.get(&s) {
                return Err(bad(
                    "supersedes",
                    format!(
                        "entry #{s} is a correction of #{original}, and corrections are not corrected themselves; correct or retract #{original} (the latest correction of it is in effect)"
                    ),
                ));
            }
            if let (None, Some(&(by, true))) = (&c.replacement, latest.get(&s)) {
                return Err(bad(
                    "supersedes",
                    format!(
                        "entry #{s} was already retracted by #{by}: nothing of it is in effect (to restore it, correct #{s} with a value)"
                    ),
                ));
            }
            latest.insert(s, (seq, c.replacement.is_none()));
            corrections.insert(seq, s);
        }
        let target = match event {
            Event::Correction(c) => c.replacement.as_deref().unwrap_or(event),
            other => other,
        };
        match target {
            Event::RuleSetAdopted(r) => match RuleSet::parse(&r.text) {
                Ok(parsed) => {
                    if crate::rules::digest(&r.text) != r.digest {
                        return Err(bad("digest", "does not match the text".into()));
                    }
                    rules = Some(parsed);
                }
                Err(e) => return Err(bad("text", format!("the rule set does not validate: {e}"))),
            },
            Event::IndicatorTarget(t) => {
                check_date("date", t.date)?;
                let known = indicators(need_rules("indicator")?);
                if !known.contains(&t.indicator) {
                    return Err(bad(
                        "indicator",
                        format!(
                            "`{}` is not an indicator of the rule set in force; known: {}",
                            t.indicator,
                            known.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            Event::IndicatorValue(v) => {
                check_date("date", v.date)?;
                if let Some(s) = v.evidence.iter().find(|s| !evidence.contains(s)) {
                    return Err(bad(
                        "evidence",
                        format!(
                            "#{s} is not an evidence entry recorded before this one (#{seq}); record the file first (`jixiao record evidence`) and cite the seq it gets"
                        ),
                    ));
                }
                let in_force = need_rules("indicator")?;
                let known = indicators(in_force);
                if !known.contains(&v.indicator) {
                    return Err(bad(
                        "indicator",
                        format!(
                            "`{}` is not an indicator of the rule set in force; known: {}",
                            v.indicator,
                            known.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                if let Some(codes) = level_codes(in_force, &v.indicator)
                    && !codes.iter().any(|(c, _)| *c == v.value.value())
                {
                    return Err(bad(
                        "value",
                        format!(
                            "{} is not a level of `{}`: record one of {}",
                            v.value,
                            v.indicator,
                            codes
                                .iter()
                                .map(|(c, name)| format!("{c} ({name})"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            Event::ScoreAdjustment(a) => {
                let limit = rust_decimal::Decimal::from(MAX_ADJUSTMENT_POINTS);
                if a.delta.value().abs() > limit || a.delta.scale() > 4 {
                    return Err(bad(
                        "delta",
                        format!(
                            "{} points is out of range: an adjustment is accepted from -{MAX_ADJUSTMENT_POINTS} to {MAX_ADJUSTMENT_POINTS} points with at most 4 decimals; check the figure for a typing error",
                            a.delta
                        ),
                    ));
                }
                let rules_in_force = need_rules("node")?;
                if rules_in_force.node(&a.node).is_none() {
                    return Err(bad(
                        "node",
                        format!("`{}` is not a node of the rule set in force", a.node),
                    ));
                }
            }
            Event::Claim(c) => {
                Reference::parse(&c.subject).map_err(|e| bad("subject", e))?;
                claims.insert(c.id.clone());
            }
            Event::Acknowledgement(a)
                if !claims.contains(&a.finding)
                    && !state
                        .adjustments
                        .keys()
                        .any(|seq| super::orphans::orphan_id(*seq) == a.finding) =>
            {
                return Err(bad(
                    "finding",
                    format!(
                        "no claim `{}` is recorded, nor an adjustment of that id; a finding is acknowledged by its id as `verify` lists it (a claim id, or `adjustment.SEQ`)",
                        a.finding
                    ),
                ));
            }
            Event::Budget(b) => {
                check_date("date", b.date)?;
                if !b.amount.in_input_range() {
                    return Err(bad(
                        "amount",
                        format!(
                            "{} 元 is out of range: amounts are accepted from -{max} to {max} 元 (±1 万亿元); check the figure for a typing error",
                            b.amount,
                            max = Money::MAX_INPUT
                        ),
                    ));
                }
                if b.amount.is_negative() && b.kind != BudgetKind::Reallocate {
                    return Err(bad(
                        "amount",
                        format!(
                            "{} 元 is negative; only a reallocation (调剂) may be negative — a cut is recorded as adjust_cut with a positive amount",
                            b.amount
                        ),
                    ));
                }
                if b.kind.needs_document() && b.document.trim().is_empty() {
                    return Err(bad(
                        "document",
                        "an adjustment needs its approval document number (批文号)".into(),
                    ));
                }
            }
            Event::Evidence(_) => {
                evidence.insert(seq);
            }
            Event::Fact(f) => check_date("date", f.date)?,
            Event::Staffing(s) => check_date("date", s.date)?,
            _ => {}
        }
    }
    Ok(())
}
