//! Scoring a replayed [`State`] with its adopted rule set into a [`Scorecard`]: per node the
//! method, input, target, actual value, raw and capped score, adjustments, final score and
//! every seq it came from; parents sum their children.

use super::EvalError;
use super::card::{
    AppliedAdjustment, GradeInfo, NodeScore, RuleSetInfo, Scorecard, TargetSource, TargetUsed,
    rules_of,
};
use super::claims::check_claims;
use super::orphans::orphaned_adjustments;
use super::replay::State;
use super::resolve::{Resolved, Resolver};
use super::seqs::SeqSet;
use crate::rules::{Node, Reference, Rounding, RoundingWhen, RuleSet, clamp};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

struct Engine<'a> {
    state: &'a State,
    rules: &'a RuleSet,
    rounding: Rounding,
    adjustments: BTreeMap<String, Vec<AppliedAdjustment>>,
    /// Value carried up to parents and to `score.` references, with seqs.
    carried: BTreeMap<String, (Decimal, SeqSet)>,
    results: BTreeMap<String, NodeScore>,
}

/// Scores the state with its adopted rule set and checks its claims; the rule-set changes are
/// left empty ([`super::score`] fills them in).
pub(crate) fn score_in_force(state: &State) -> Result<Scorecard, EvalError> {
    let (rules, rules_seq) = rules_of(state)?;
    let mut adjustments: BTreeMap<String, Vec<AppliedAdjustment>> = BTreeMap::new();
    for (seq, a) in &state.adjustments {
        if rules.node(&a.value.node).is_none() {
            // Not applied: listed as a finding below.
            continue;
        }
        adjustments
            .entry(a.value.node.clone())
            .or_default()
            .push(AppliedAdjustment {
                seq: *seq,
                corrected_by: a.corrected_by.clone(),
                delta: a.value.delta.value(),
                reason: a.value.reason.clone(),
                basis: a.value.basis.clone(),
            });
    }
    let mut eng = Engine {
        state,
        rules,
        rounding: rules.rounding,
        adjustments,
        carried: BTreeMap::new(),
        results: BTreeMap::new(),
    };
    eng.node(&rules.root, 0)?;
    let (extras, veto_grade) = super::extras::apply(&mut eng.results, &eng.carried, state, rules)?;
    let mut nodes = Vec::with_capacity(rules.nodes.len());
    for n in rules.preorder() {
        if let Some(r) = eng.results.remove(&n.id) {
            nodes.push(r);
        }
    }
    let (total, total_exact) = nodes
        .first()
        .map_or((Decimal::ZERO, Decimal::ZERO), |r| (r.score, r.score_exact));
    // A partial total (some parts not recorded yet) is not graded (docs/TIME.md).
    let partial = nodes.first().is_some_and(|r| r.pending.is_some());
    let grade = (!partial)
        .then(|| super::extras::capped_grade(rules, total, veto_grade.as_deref()))
        .flatten()
        .map(|g| GradeInfo {
            name: g.name.clone(),
            en: g.en.clone(),
            min: g.min,
        });
    let digest = state
        .rules
        .as_ref()
        .map_or_else(String::new, |r| hex::encode(r.digest));
    let mut card = Scorecard {
        rule_set: RuleSetInfo {
            name: rules.name.clone(),
            seq: rules_seq,
            digest,
        },
        as_of: state.as_of,
        last_seq: state.last_seq,
        rounding: rules.rounding,
        nodes,
        total,
        total_exact,
        grade,
        claims_checked: state
            .claims
            .values()
            .filter(|h| h.latest().is_some())
            .count(),
        findings: Vec::new(),
        rule_set_changes: Vec::new(),
        extras,
        form: rules.form.stated.then(|| rules.form.clone()),
        warnings: Vec::new(),
    };
    card.findings = check_claims(state, &card);
    card.findings
        .extend(orphaned_adjustments(state, rules, rules_seq));
    Ok(card)
}

/// `score.` references reachable from a reference (through derivations).
fn score_refs(rules: &RuleSet, r: &Reference, out: &mut Vec<String>) {
    match r {
        Reference::Score(k) | Reference::Coefficient(k) => {
            if let Some(n) = rules.score_node(k) {
                out.push(n.id.clone());
            }
        }
        Reference::Derived(d) => {
            if let Some(d) = rules.derived.get(d) {
                for i in &d.inputs {
                    score_refs(rules, i, out);
                }
            }
        }
        _ => {}
    }
}

impl Engine<'_> {
    fn depth_of(&self, id: &str) -> usize {
        let mut d = 0;
        let mut cur = self.rules.node(id).and_then(|n| n.parent.clone());
        while let Some(p) = cur {
            d += 1;
            cur = self.rules.node(&p).and_then(|n| n.parent.clone());
        }
        d
    }

    fn node(&mut self, id: &str, guard: usize) -> Result<(), EvalError> {
        if self.carried.contains_key(id) {
            return Ok(());
        }
        let Some(n) = self.rules.node(id) else {
            return Ok(());
        };
        // The rule set is validated acyclic; the guard only stops a corrupt in-memory set.
        if guard > self.rules.nodes.len() + self.rules.derived.len() + 1 {
            return Err(EvalError::UndefinedReference {
                reference: format!("score.{id}"),
                needed_by: "a reference cycle".into(),
            });
        }
        if n.not_applicable.is_some() || self.all_parts_not_applicable(n) {
            let why = n
                .not_applicable
                .clone()
                .unwrap_or_else(|| "所有下级指标均不适用 (no part applies)".into());
            self.not_applicable(n, why);
            return Ok(());
        }
        let mut seqs = SeqSet::new();
        let (mut ns, base) = match &n.scoring {
            Some(sc) => {
                let mut deps = Vec::new();
                score_refs(self.rules, &sc.input, &mut deps);
                for d in deps {
                    self.node(&d, guard + 1)?;
                }
                self.leaf(n, &mut seqs)?
            }
            None => {
                let mut sum = Decimal::ZERO;
                let mut dropped = Vec::new();
                let mut applicable_weight = Decimal::ZERO;
                for c in &n.children {
                    self.node(c, guard + 1)?;
                    if self
                        .results
                        .get(c)
                        .is_some_and(|r| r.not_applicable.is_some())
                    {
                        dropped.push(c.clone());
                        continue;
                    }
                    if let Some(cn) = self.rules.node(c) {
                        applicable_weight += cn.weight;
                    }
                    if let Some((v, s)) = self.carried.get(c) {
                        sum = sum.checked_add(*v).ok_or_else(|| EvalError::Overflow {
                            what: format!("score of {id}"),
                        })?;
                        seqs.extend(s);
                    }
                }
                let mut ns = self.blank(n);
                ns.children_sum = Some(sum);
                if !dropped.is_empty() && !applicable_weight.is_zero() {
                    // 10号文: the weight of what does not apply goes to the siblings in
                    // proportion to their weights.
                    let scaled = sum
                        .checked_mul(n.weight)
                        .and_then(|x| x.checked_div(applicable_weight))
                        .ok_or_else(|| EvalError::Overflow {
                            what: format!("redistributed score of {id}"),
                        })?;
                    ns.redistributed = Some(super::card::Redistribution {
                        dropped,
                        applicable_weight,
                        applicable_sum: sum,
                    });
                    sum = scaled;
                }
                let pending = n
                    .children
                    .iter()
                    .filter(|c| self.results.get(*c).is_some_and(|r| r.pending.is_some()))
                    .count();
                if pending > 0 {
                    ns.pending = Some(format!(
                        "{pending} of {} parts not scored yet",
                        n.children.len()
                    ));
                }
                (ns, clamp(sum, n.weight))
            }
        };
        let adjustments = self.adjustments.get(id).cloned().unwrap_or_default();
        let mut adjusted = base;
        // A node not scored yet has nothing to adjust: its adjustments wait, and say so.
        if let Some(p) = ns.pending.as_mut().filter(|_| !adjustments.is_empty()) {
            let list: Vec<String> = adjustments
                .iter()
                .map(|a| format!("{:+} (#{})", a.delta.normalize(), a.seq))
                .collect();
            p.push_str(&format!(
                "; adjustment {} not applied until this node is scored",
                list.join(", ")
            ));
        }
        let held = ns.pending.is_some();
        for a in adjustments.iter().filter(|_| !held) {
            adjusted = adjusted
                .checked_add(a.delta)
                .ok_or_else(|| EvalError::Overflow {
                    what: format!("adjusted score of {id}"),
                })?;
            seqs.insert(a.seq);
            for c in &a.corrected_by {
                seqs.insert(*c);
            }
        }
        if !adjustments.is_empty() && !held {
            adjusted = clamp(adjusted, n.weight);
        }
        let shown = self.rounding.round(adjusted);
        let carried = match self.rounding.when {
            RoundingWhen::PerIndicator => shown,
            RoundingWhen::Totals => adjusted,
        };
        ns.before_adjustments = base;
        ns.adjustments = adjustments;
        ns.score_exact = adjusted;
        ns.score = shown;
        ns.seqs = seqs.clone();
        self.carried.insert(id.to_string(), (carried, seqs));
        self.results.insert(id.to_string(), ns);
        Ok(())
    }

    /// Records a not-applicable node and everything below it (unscored, nothing resolved).
    fn not_applicable(&mut self, n: &Node, why: String) {
        let mut ns = self.blank(n);
        ns.not_applicable = Some(why);
        for c in &n.children {
            if let Some(cn) = self.rules.node(c) {
                let below = cn.not_applicable.clone().unwrap_or_else(|| {
                    format!("上级指标 {} 不适用 (its parent does not apply)", n.id)
                });
                self.not_applicable(cn, below);
            }
        }
        self.carried
            .insert(n.id.clone(), (Decimal::ZERO, SeqSet::new()));
        self.results.insert(n.id.clone(), ns);
    }

    /// A parent all of whose children are not applicable (directly or below).
    fn all_parts_not_applicable(&self, n: &Node) -> bool {
        !n.children.is_empty()
            && n.children.iter().all(|c| {
                self.rules.node(c).is_some_and(|cn| {
                    cn.not_applicable.is_some() || self.all_parts_not_applicable(cn)
                })
            })
    }

    fn blank(&self, n: &Node) -> NodeScore {
        NodeScore {
            id: n.id.clone(),
            name: n.name.clone(),
            en: n.en.clone(),
            weight: n.weight,
            depth: self.depth_of(&n.id),
            parent: n.parent.clone(),
            children: n.children.clone(),
            method: None,
            formula: None,
            input: None,
            input_definition: None,
            target: None,
            actual: None,
            raw: None,
            children_sum: None,
            before_adjustments: Decimal::ZERO,
            adjustments: Vec::new(),
            score_exact: Decimal::ZERO,
            score: Decimal::ZERO,
            seqs: SeqSet::new(),
            pending: None,
            not_applicable: n.not_applicable.clone(),
            redistributed: None,
            level: None,
        }
    }

    /// Scores a leaf: (node score so far, capped base score).
    fn leaf(&self, n: &Node, seqs: &mut SeqSet) -> Result<(NodeScore, Decimal), EvalError> {
        let mut ns = self.blank(n);
        let Some(sc) = &n.scoring else {
            return Ok((ns, Decimal::ZERO));
        };
        let resolver = Resolver {
            state: self.state,
            rules: self.rules,
            scores: &self.carried,
        };
        let needed_by = format!("node {}", n.id);
        let input: Resolved = match resolver.resolve(&sc.input, &needed_by) {
            Ok(r) => r,
            Err(e @ (EvalError::NoValue { .. } | EvalError::DivisionByZero { .. })) => {
                ns.method = Some(sc.method.name().to_string());
                ns.formula = Some(sc.method.formula());
                ns.input = Some(sc.input.to_string());
                ns.pending = Some(e.to_string());
                return Ok((ns, Decimal::ZERO));
            }
            Err(e) => return Err(e),
        };
        seqs.extend(&input.seqs);
        let target = if sc.method.uses_target() {
            self.target(n, &sc.input)
        } else {
            None
        };
        let target = target.map(|(t, s)| {
            seqs.extend(&s);
            t
        });
        let raw = sc
            .method
            .raw_score(n.weight, input.value, target.as_ref().map(|t| t.value))
            .map_err(|source| EvalError::Method {
                node: n.id.clone(),
                input: sc.input.to_string(),
                seqs: seqs
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                source,
            })?;
        let capped = clamp(raw, n.weight);
        let base = match self.rounding.when {
            RoundingWhen::PerIndicator => self.rounding.round(capped),
            RoundingWhen::Totals => capped,
        };
        ns.method = Some(sc.method.name().to_string());
        ns.formula = Some(sc.method.formula());
        ns.input = Some(sc.input.to_string());
        ns.input_definition = Some(input.definition);
        ns.target = target;
        ns.actual = Some(input.value);
        ns.raw = Some(raw);
        if let crate::rules::Method::Levels { levels } = &sc.method {
            ns.level = levels
                .iter()
                .find(|l| l.code == input.value)
                .map(|l| l.name.clone());
        }
        Ok((ns, base))
    }

    /// The recorded target of an indicator input (adjusted if given), else the rule's.
    fn target(&self, n: &Node, input: &Reference) -> Option<(TargetUsed, SeqSet)> {
        let recorded = match input {
            Reference::Indicator(id) => self.state.targets.get(id).and_then(|h| h.latest()),
            _ => None,
        };
        match recorded {
            Some(t) => Some((
                TargetUsed {
                    value: t.value.adjusted.unwrap_or(t.value.year_start).value(),
                    source: TargetSource::Recorded,
                    seq: Some(t.seq),
                    direction: Some(t.value.direction.symbol().to_string()),
                    unit: Some(t.value.unit.clone()),
                },
                t.seqs(),
            )),
            None => n
                .scoring
                .as_ref()
                .and_then(|s| s.method.rule_target())
                .map(|value| {
                    (
                        TargetUsed {
                            value,
                            source: TargetSource::Rule,
                            seq: None,
                            direction: None,
                            unit: None,
                        },
                        SeqSet::new(),
                    )
                }),
        }
    }
}
