//! Reading a rule-set TOML text into a validated [`RuleSet`]: settings, grades, the tree,
//! derivations, and the checks across them (references defined, no cycles).
//!
//! Numbers in parameters are exact: an integer, a string (`"0.05"`, or `"param.NAME"` for a
//! constant of `[params]`), or a TOML float whose literal text is re-read from the source as a
//! decimal (the float value itself is unused). Must not: score.

use super::checks::{check_cycles, check_references};
use super::error::{RulesError, pos_of};
use super::expr::Expr;
use super::extras;
use super::method_parse::method;
use super::raw::{Ctx, RawDerived, RawFile, RawNode, RawRounding};
use super::reference::is_key;
use super::rounding::{Rounding, RoundingMode, RoundingWhen};
use super::{Derivation, DerivedOp, Grade, Node, RuleSet, Scoring};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

pub(super) fn parse(text: &str) -> Result<RuleSet, RulesError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let p = pos_of(text, e.span().map_or(0, |s| s.start));
        RulesError::Syntax {
            line: p.line,
            column: p.column,
            message: e.message().trim().to_string(),
        }
    })?;
    let mut cx = Ctx {
        text,
        params: BTreeMap::new(),
    };
    let mut params = BTreeMap::new();
    for (k, v) in &raw.params {
        if !is_key(k) {
            return Err(cx.bad_setting(
                v,
                "params",
                format!("`{k}` is not a name: use letters, digits, `_`, `-`"),
            ));
        }
        if matches!(v.get_ref(), super::raw::RawNum::Str(s) if s.trim().starts_with("param.")) {
            return Err(cx.bad_setting(
                v,
                "params",
                "a parameter is a number, not another parameter",
            ));
        }
        params.insert(k.clone(), cx.num(v, "params", k)?);
    }
    cx.params = params;

    if raw.name.get_ref().trim().is_empty() {
        return Err(cx.bad_setting(&raw.name, "name", "the rule set needs a non-empty name"));
    }
    let rounding = rounding(&cx, &raw.rounding)?;
    let grades = grades(&cx, &raw)?;
    let derived = derivations(&cx, &raw.derived)?;
    let (root, nodes) = tree(&cx, &raw.nodes)?;
    let extras = extras::extras(&cx, &raw.extras, &grades)?;
    let total_max = raw
        .total_max
        .as_ref()
        .map(|t| cx.num(t, "total_max", "total_max"))
        .transpose()?;
    if let (Some(t), Some(at)) = (total_max, &raw.total_max) {
        let w = nodes.get(&root).map_or(Decimal::ZERO, |n| n.weight);
        if t < w {
            return Err(cx.bad_setting(at, "total_max", format!("{t} is below the root's weight {w}; the cap on the total is at least the weight")));
        }
    }
    let rules = RuleSet {
        name: raw.name.get_ref().clone(),
        description: raw.description.clone(),
        root,
        nodes,
        derived,
        rounding,
        grades,
        params: cx.params.clone(),
        form: extras::form(raw.form.as_ref()),
        extras,
        total_max,
    };
    check_references(&cx, &raw, &rules)?;
    check_cycles(&rules)?;
    Ok(rules)
}

fn rounding(cx: &Ctx<'_>, r: &Spanned<RawRounding>) -> Result<Rounding, RulesError> {
    let r = r.get_ref();
    let scale = *r.scale.get_ref();
    if scale > 10 {
        return Err(cx.bad_setting(
            &r.scale,
            "rounding.scale",
            "use 0 to 10 decimals (published tables use 2)",
        ));
    }
    let mode = match r.mode.get_ref().as_str() {
        "half_up" => RoundingMode::HalfUp,
        other => {
            return Err(cx.bad_setting(
                &r.mode,
                "rounding.mode",
                format!("`{other}` is not supported; use \"half_up\""),
            ));
        }
    };
    let when = match r.when.get_ref().as_str() {
        "per_indicator" => RoundingWhen::PerIndicator,
        "totals" => RoundingWhen::Totals,
        other => {
            return Err(cx.bad_setting(
                &r.when,
                "rounding.when",
                format!("`{other}` is not a policy; use \"per_indicator\" or \"totals\""),
            ));
        }
    };
    Ok(Rounding { scale, mode, when })
}

fn grades(cx: &Ctx<'_>, raw: &RawFile) -> Result<Vec<Grade>, RulesError> {
    let mut out: Vec<Grade> = Vec::new();
    for g in &raw.grades {
        let min = cx.num(&g.get_ref().min, &g.get_ref().name, "min")?;
        if out.iter().any(|x| x.min == min) {
            return Err(cx.bad_setting(
                g,
                "grade.min",
                format!("two grades start at {min}; give each band its own `min`"),
            ));
        }
        out.push(Grade {
            min,
            name: g.get_ref().name.clone(),
            en: g.get_ref().en.clone(),
        });
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.min));
    match out.last() {
        None => Err(cx.bad_setting(
            &raw.name,
            "grade",
            "no `[[grade]]` bands; add at least one with `min = 0`",
        )),
        Some(low) if low.min > Decimal::ZERO => {
            let at = raw
                .grades
                .iter()
                .find(|g| cx.num(&g.get_ref().min, "", "").ok() == Some(low.min));
            let why = format!(
                "the lowest band starts at {}; scores below it would have no grade: add a band with `min = 0`",
                low.min
            );
            Err(match at {
                Some(g) => cx.bad_setting(g, "grade.min", why),
                None => cx.bad_setting(&raw.name, "grade.min", why),
            })
        }
        Some(_) => Ok(out),
    }
}

fn derivations(
    cx: &Ctx<'_>,
    raw: &BTreeMap<String, Spanned<RawDerived>>,
) -> Result<BTreeMap<String, Derivation>, RulesError> {
    let mut out = BTreeMap::new();
    for (name, d) in raw {
        let dr = d.get_ref();
        let p = cx.pos(d);
        if !is_key(name) {
            return Err(RulesError::UnknownReference {
                line: p.line,
                column: p.column,
                reference: format!("derived.{name}"),
                why: "a derivation name uses letters, digits, `_`, `-` and non-empty dot-separated parts".into(),
            });
        }
        if let Some(ex) = &dr.expr {
            if let Some(m) = &dr.method {
                return Err(cx.bad_param(
                    m,
                    &format!("derived.{name}"),
                    "method",
                    "give either `expr` or `method` with `inputs`, not both",
                ));
            }
            if let Some(i) = &dr.inputs {
                return Err(cx.bad_param(
                    i,
                    &format!("derived.{name}"),
                    "inputs",
                    "an `expr` names its inputs itself: remove `inputs`",
                ));
            }
            let e = Expr::parse(ex.get_ref(), &cx.params).map_err(|(at, why)| {
                // The expression is a TOML string: its characters start one after the quote.
                let base = pos_of(cx.text, ex.span().start);
                RulesError::BadParameter {
                    line: base.line,
                    column: base.column + 1 + at,
                    owner: format!("derived.{name}"),
                    param: "expr".into(),
                    why,
                }
            })?;
            let on_zero = dr
                .on_zero
                .as_ref()
                .map(|z| cx.num(z, &format!("derived.{name}"), "on_zero"))
                .transpose()?;
            out.insert(
                name.clone(),
                Derivation {
                    name: name.clone(),
                    op: DerivedOp::Expr,
                    inputs: e.references(),
                    description: dr.description.clone(),
                    line: p.line,
                    expr: Some(e),
                    on_zero,
                },
            );
            continue;
        }
        let Some(method) = &dr.method else {
            return Err(cx.bad_param(
                d,
                &format!("derived.{name}"),
                "method",
                "a derivation needs `expr = \"...\"` or `method` with `inputs`",
            ));
        };
        let Some(raw_inputs) = &dr.inputs else {
            return Err(cx.bad_param(
                method,
                &format!("derived.{name}"),
                "inputs",
                "`method` needs `inputs = [...]`",
            ));
        };
        let on_zero = dr
            .on_zero
            .as_ref()
            .map(|z| cx.num(z, &format!("derived.{name}"), "on_zero"))
            .transpose()?;
        let op = match method.get_ref().as_str() {
            "sum" => DerivedOp::Sum,
            "difference" => DerivedOp::Difference,
            "ratio" => DerivedOp::Ratio,
            "growth" => DerivedOp::Growth,
            other => {
                let mp = cx.pos(method);
                return Err(RulesError::UnknownMethod {
                    line: mp.line,
                    column: mp.column,
                    owner: format!("derived.{name}"),
                    method: other.to_string(),
                    known: "sum, difference, ratio, growth (or write `expr`)",
                });
            }
        };
        let inputs = raw_inputs
            .get_ref()
            .iter()
            .map(|r| cx.reference(r))
            .collect::<Result<Vec<_>, _>>()?;
        let arity_ok = match op {
            DerivedOp::Sum => !inputs.is_empty(),
            _ => inputs.len() == 2,
        };
        if !arity_ok {
            return Err(cx.bad_param(
                raw_inputs,
                &format!("derived.{name}"),
                "inputs",
                match op {
                    DerivedOp::Sum => "`sum` needs at least one input".to_string(),
                    _ => format!(
                        "`{}` needs exactly two inputs, got {}",
                        op.name(),
                        inputs.len()
                    ),
                },
            ));
        }
        out.insert(
            name.clone(),
            Derivation {
                name: name.clone(),
                op,
                inputs,
                description: dr.description.clone(),
                line: p.line,
                expr: None,
                on_zero,
            },
        );
    }
    Ok(out)
}

fn tree(
    cx: &Ctx<'_>,
    raw: &[Spanned<RawNode>],
) -> Result<(String, BTreeMap<String, Node>), RulesError> {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    let mut root: Option<String> = None;
    for rn in raw {
        let n = rn.get_ref();
        let id = n.id.get_ref().clone();
        let p = cx.pos(&n.id);
        if !is_key(&id) {
            return Err(cx.bad_tree(
                &n.id,
                &id,
                "a node id uses letters, digits, `_`, `-` and non-empty dot-separated parts",
            ));
        }
        if let Some(first) = lines.get(&id) {
            return Err(RulesError::DuplicateId {
                line: p.line,
                column: p.column,
                id,
                first_line: *first,
            });
        }
        lines.insert(id.clone(), p.line);
        let weight = cx.num(&n.weight, &id, "weight")?;
        if weight < Decimal::ZERO {
            return Err(cx.bad_param(&n.weight, &id, "weight", "a weight is ≥ 0 points"));
        }
        match &n.parent {
            None => {
                if let Some(r) = &root {
                    return Err(cx.bad_tree(
                        &n.id,
                        &id,
                        format!(
                            "a second root (no `parent`); `{r}` is already the root: add `parent`"
                        ),
                    ));
                }
                root = Some(id.clone());
            }
            Some(par) if par.get_ref() == &id => {
                return Err(cx.bad_tree(par, &id, "a node cannot be its own parent"));
            }
            Some(_) => {}
        }
        nodes.insert(
            id.clone(),
            Node {
                id: id.clone(),
                name: n.name.clone(),
                en: n.en.clone(),
                weight,
                parent: n.parent.as_ref().map(|p| p.get_ref().clone()),
                children: Vec::new(),
                scoring: None,
                note: n.note.clone(),
                line: p.line,
                not_applicable: n.not_applicable.as_ref().map(|r| r.get_ref().clone()),
            },
        );
    }
    let Some(root) = root else {
        let first = raw.first();
        return Err(match first {
            Some(f) => cx.bad_tree(
                &f.get_ref().id,
                f.get_ref().id.get_ref(),
                "no root: exactly one node must have no `parent`",
            ),
            None => RulesError::BadTree {
                line: 1,
                column: 1,
                node: String::new(),
                why: "no `[[node]]` entries".into(),
            },
        });
    };
    // Link children in file order.
    for rn in raw {
        let n = rn.get_ref();
        if let Some(par) = &n.parent {
            match nodes.get_mut(par.get_ref()) {
                Some(parent) => parent.children.push(n.id.get_ref().clone()),
                None => {
                    return Err(cx.bad_tree(
                        par,
                        n.id.get_ref(),
                        format!("parent `{}` is not a node id", par.get_ref()),
                    ));
                }
            }
        }
    }
    // Every node must hang from the root (no parent cycles).
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone())
            && let Some(n) = nodes.get(&id)
        {
            stack.extend(n.children.iter().cloned());
        }
    }
    for rn in raw {
        let n = rn.get_ref();
        if !seen.contains(n.id.get_ref()) {
            return Err(cx.bad_tree(
                &n.id,
                n.id.get_ref(),
                format!("not reachable from the root `{root}`: its parents form a cycle"),
            ));
        }
    }
    // Weights add up; leaves have a method and input, parents have neither.
    for rn in raw {
        let n = rn.get_ref();
        let id = n.id.get_ref();
        let Some(node) = nodes.get(id) else { continue };
        if node.children.is_empty() && n.not_applicable.is_some() && n.method.is_none() {
            // 不适用 and not scored: method and input may be left out.
            if let Some(i) = &n.input {
                return Err(cx.bad_tree(i, id, "a not-applicable leaf without `method` has no `input`: remove it or add the method"));
            }
        } else if node.children.is_empty() {
            let (Some(m), Some(inp)) = (&n.method, &n.input) else {
                return Err(cx.bad_tree(&n.id, id, "a leaf needs both `method` and `input`"));
            };
            let method = method(cx, n, id, node.weight, m)?;
            let input = cx.reference(inp)?;
            if let Some(nd) = nodes.get_mut(id) {
                nd.scoring = Some(Scoring { method, input });
            }
        } else {
            if let Some(m) = &n.method {
                return Err(cx.bad_tree(m, id, "a node with children is the sum of its children: remove `method` (and its parameters)"));
            }
            if let Some(i) = &n.input {
                return Err(cx.bad_tree(i, id, "a node with children has no `input`: remove it"));
            }
            let mut sum = Decimal::ZERO;
            for c in &node.children {
                if let Some(cn) = nodes.get(c) {
                    sum = sum
                        .checked_add(cn.weight)
                        .ok_or_else(|| cx.bad_param(&n.weight, id, "weight", "weights overflow"))?;
                }
            }
            if sum != node.weight {
                let p = cx.pos(&n.weight);
                return Err(RulesError::WeightMismatch {
                    line: p.line,
                    column: p.column,
                    node: id.clone(),
                    weight: node.weight.to_string(),
                    children_sum: sum.to_string(),
                });
            }
        }
    }
    Ok((root, nodes))
}
