//! Applying a rule set's extras to the total: bonus items (加分项) add up to their `max`,
//! deduction items (扣分项) take up to theirs, the total is kept within 0 and `total_max`
//! (default the root's weight), and a breached veto (一票否决) caps the total and/or the
//! grade. Each extra is listed with its input, value, points and effect.
//!
//! Owns: that arithmetic and wording. Must not: score the tree (score.rs does, before this).

use super::EvalError;
use super::card::{ExtraApplied, NodeScore};
use super::replay::State;
use super::resolve::Resolver;
use super::seqs::SeqSet;
use crate::rules::{ExtraKind, Grade, RuleSet};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Applies the extras to the root's score in `results`; returns what each did and the grade
/// a breached veto caps at (the lowest such grade).
pub(super) fn apply(
    results: &mut BTreeMap<String, NodeScore>,
    scores: &BTreeMap<String, (Decimal, SeqSet)>,
    state: &State,
    rules: &RuleSet,
) -> Result<(Vec<ExtraApplied>, Option<String>), EvalError> {
    if rules.extras.is_empty() {
        return Ok((Vec::new(), None));
    }
    let resolver = Resolver {
        state,
        rules,
        scores,
    };
    let overflow = |what: &str| EvalError::Overflow {
        what: what.to_string(),
    };
    let mut out = Vec::new();
    let mut sum = Decimal::ZERO;
    let mut cap: Option<Decimal> = None;
    let mut veto_grade: Option<&Grade> = None;
    for e in &rules.extras {
        let needed_by = format!("extra {}", e.id);
        let (value, seqs) = match resolver.resolve(&e.input, &needed_by) {
            Ok(r) => (Some(r.value), r.seqs),
            Err(EvalError::NoValue { .. }) => (None, SeqSet::new()),
            Err(err) => return Err(err),
        };
        if let Some(v) = value.filter(|v| *v < Decimal::ZERO) {
            return Err(EvalError::Method {
                node: e.id.clone(),
                input: e.input.to_string(),
                seqs: seqs
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                source: crate::rules::MethodError::NegativeCount(v),
            });
        }
        let v = value.unwrap_or(Decimal::ZERO);
        let (kind, points, breached, effect) = match &e.kind {
            ExtraKind::Bonus { per, max } => {
                let p = per.checked_mul(v).ok_or_else(|| overflow(&e.id))?.min(*max);
                let p = rules.rounding.round(p);
                (
                    "bonus",
                    p,
                    false,
                    format!("+{p} (每单位 {per} 分, 最多 {max} 分)"),
                )
            }
            ExtraKind::Deduction { per, max } => {
                let mut p = per.checked_mul(v).ok_or_else(|| overflow(&e.id))?;
                if let Some(m) = max {
                    p = p.min(*m);
                }
                let p = rules.rounding.round(p);
                ("deduction", -p, false, format!("−{p} (每单位 {per} 分)"))
            }
            ExtraKind::Veto { grade, cap: c } => {
                let breached = v > Decimal::ZERO;
                let mut words = Vec::new();
                if breached {
                    if let Some(c) = c {
                        cap = Some(cap.map_or(*c, |x: Decimal| x.min(*c)));
                        words.push(format!("总分不超过 {c}"));
                    }
                    if let Some(g) = grade
                        .as_ref()
                        .and_then(|g| rules.grades.iter().find(|x| &x.name == g))
                    {
                        if veto_grade.is_none_or(|x| g.min < x.min) {
                            veto_grade = Some(g);
                        }
                        words.push(format!("等级不高于 {}", g.name));
                    }
                } else {
                    words.push("未触发 (not breached)".into());
                }
                ("veto", Decimal::ZERO, breached, words.join(", "))
            }
        };
        let effect = match value {
            None => format!("未录入 {}: 不计 (not recorded: no effect)", e.input),
            Some(_) => effect,
        };
        sum = sum.checked_add(points).ok_or_else(|| overflow("extras"))?;
        out.push(ExtraApplied {
            id: e.id.clone(),
            name: e.name.clone(),
            kind: kind.into(),
            input: e.input.to_string(),
            value,
            points,
            breached,
            effect,
            seqs,
        });
    }
    if let Some(root) = results.get_mut(&rules.root) {
        let max = rules.total_max.unwrap_or(root.weight);
        let mut total = root
            .score_exact
            .checked_add(sum)
            .ok_or_else(|| overflow("total"))?
            .max(Decimal::ZERO)
            .min(max);
        if let Some(c) = cap {
            total = total.min(c);
        }
        root.score_exact = total;
        root.score = rules.rounding.round(total);
        for e in &out {
            root.seqs.extend(&e.seqs);
        }
    }
    Ok((out, veto_grade.map(|g| g.name.clone())))
}

/// The grade of the total, no higher than the grade a breached veto allows.
pub(super) fn capped_grade<'a>(
    rules: &'a RuleSet,
    total: Decimal,
    veto: Option<&str>,
) -> Option<&'a Grade> {
    let g = rules.grade_for(total)?;
    match veto.and_then(|v| rules.grades.iter().find(|x| x.name == v)) {
        Some(vg) if vg.min < g.min => Some(vg),
        _ => Some(g),
    }
}
