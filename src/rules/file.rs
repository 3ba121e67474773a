//! Reading a rule-set TOML text into a validated [`RuleSet`].
//!
//! Numbers in parameters are exact: an integer, a string (`"0.05"`), or a TOML float whose
//! literal text is re-read from the source as a decimal (the float value itself is unused).

use super::error::{Pos, RulesError, pos_of};
use super::method::{ChecklistItem, METHOD_NAMES, Method, Partial, Tier};
use super::reference::{Reference, is_key};
use super::rounding::{Rounding, RoundingMode, RoundingWhen};
use super::{Derivation, DerivedOp, Grade, Node, RuleSet, Scoring};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    rounding: Spanned<RawRounding>,
    #[serde(default, rename = "grade")]
    grades: Vec<Spanned<RawGrade>>,
    #[serde(rename = "node")]
    nodes: Vec<Spanned<RawNode>>,
    #[serde(default)]
    derived: BTreeMap<String, Spanned<RawDerived>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRounding {
    scale: Spanned<u32>,
    mode: Spanned<String>,
    when: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrade {
    min: Spanned<RawNum>,
    name: String,
    #[serde(default)]
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    en: String,
    weight: Spanned<RawNum>,
    parent: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    input: Option<Spanned<String>>,
    target: Option<Spanned<RawNum>>,
    deduct_per: Option<Spanned<RawNum>>,
    k: Option<Spanned<RawNum>>,
    full_at: Option<Spanned<RawNum>>,
    step: Option<Spanned<RawNum>>,
    points: Option<Spanned<RawNum>>,
    partial: Option<Spanned<String>>,
    tiers: Option<Spanned<Vec<Spanned<RawTier>>>>,
    items: Option<Spanned<Vec<Spanned<RawItem>>>>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    min: Option<Spanned<RawNum>>,
    max: Option<Spanned<RawNum>>,
    points: Spanned<RawNum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: String,
    points: Spanned<RawNum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDerived {
    method: Spanned<String>,
    inputs: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    description: String,
}

/// A number as written: its exact value is taken from the source text.
enum RawNum {
    Int(i64),
    Float,
    Str(String),
}

impl<'de> Deserialize<'de> for RawNum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RawNum, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (integer, decimal, or decimal in a string)")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawNum, E> {
                Ok(RawNum::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawNum, E> {
                i64::try_from(v)
                    .map(RawNum::Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E>(self, _v: f64) -> Result<RawNum, E> {
                Ok(RawNum::Float)
            }
            fn visit_str<E>(self, v: &str) -> Result<RawNum, E> {
                Ok(RawNum::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

struct Ctx<'a> {
    text: &'a str,
}

impl Ctx<'_> {
    fn pos<T>(&self, s: &Spanned<T>) -> Pos {
        pos_of(self.text, s.span().start)
    }

    /// The exact decimal a number literal stands for.
    fn num(&self, n: &Spanned<RawNum>, owner: &str, param: &str) -> Result<Decimal, RulesError> {
        let literal = match n.get_ref() {
            RawNum::Int(i) => return Ok(Decimal::from(*i)),
            RawNum::Str(s) => s.trim().to_string(),
            RawNum::Float => self.text.get(n.span()).unwrap_or_default().replace('_', ""),
        };
        let literal = literal.strip_prefix('+').unwrap_or(&literal);
        Decimal::from_str_exact(literal).map_err(|_| {
            let p = self.pos(n);
            RulesError::BadParameter {
                line: p.line,
                column: p.column,
                owner: owner.to_string(),
                param: param.to_string(),
                why: format!(
                    "`{literal}` is not a plain decimal; write digits with an optional point (no exponent, inf or nan)"
                ),
            }
        })
    }

    fn bad_param<T>(
        &self,
        at: &Spanned<T>,
        owner: &str,
        param: &str,
        why: impl Into<String>,
    ) -> RulesError {
        let p = self.pos(at);
        RulesError::BadParameter {
            line: p.line,
            column: p.column,
            owner: owner.to_string(),
            param: param.to_string(),
            why: why.into(),
        }
    }

    fn bad_setting<T>(&self, at: &Spanned<T>, field: &str, why: impl Into<String>) -> RulesError {
        let p = self.pos(at);
        RulesError::BadSetting {
            line: p.line,
            column: p.column,
            field: field.to_string(),
            why: why.into(),
        }
    }

    fn bad_tree<T>(&self, at: &Spanned<T>, node: &str, why: impl Into<String>) -> RulesError {
        let p = self.pos(at);
        RulesError::BadTree {
            line: p.line,
            column: p.column,
            node: node.to_string(),
            why: why.into(),
        }
    }

    fn reference(&self, s: &Spanned<String>) -> Result<Reference, RulesError> {
        Reference::parse(s.get_ref()).map_err(|why| {
            let p = self.pos(s);
            RulesError::UnknownReference {
                line: p.line,
                column: p.column,
                reference: s.get_ref().clone(),
                why,
            }
        })
    }
}

pub(super) fn parse(text: &str) -> Result<RuleSet, RulesError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let p = pos_of(text, e.span().map_or(0, |s| s.start));
        RulesError::Syntax {
            line: p.line,
            column: p.column,
            message: e.message().trim().to_string(),
        }
    })?;
    let cx = Ctx { text };

    if raw.name.get_ref().trim().is_empty() {
        return Err(cx.bad_setting(&raw.name, "name", "the rule set needs a non-empty name"));
    }
    let rounding = rounding(&cx, &raw.rounding)?;
    let grades = grades(&cx, &raw)?;
    let derived = derivations(&cx, &raw.derived)?;
    let (root, nodes) = tree(&cx, &raw.nodes)?;
    let rules = RuleSet {
        name: raw.name.get_ref().clone(),
        description: raw.description.clone(),
        root,
        nodes,
        derived,
        rounding,
        grades,
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
        let op = match dr.method.get_ref().as_str() {
            "sum" => DerivedOp::Sum,
            "difference" => DerivedOp::Difference,
            "ratio" => DerivedOp::Ratio,
            "growth" => DerivedOp::Growth,
            other => {
                let mp = cx.pos(&dr.method);
                return Err(RulesError::UnknownMethod {
                    line: mp.line,
                    column: mp.column,
                    owner: format!("derived.{name}"),
                    method: other.to_string(),
                    known: "sum, difference, ratio, growth",
                });
            }
        };
        let inputs = dr
            .inputs
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
                &dr.inputs,
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
        if node.children.is_empty() {
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

fn method(
    cx: &Ctx<'_>,
    n: &RawNode,
    id: &str,
    weight: Decimal,
    m: &Spanned<String>,
) -> Result<Method, RulesError> {
    let name = m.get_ref().as_str();
    let allowed: &[&str] = match name {
        "ratio_higher" => &["target"],
        "ratio_lower" => &["target", "deduct_per"],
        "zero_tolerance" => &["deduct_per"],
        "tiers" => &["tiers"],
        "linear_penalty" => &["k"],
        "step_deduction" => &["full_at", "step", "points", "partial"],
        "qualitative" => &[],
        "checklist" => &["items", "deduct_per"],
        other => {
            let p = cx.pos(m);
            return Err(RulesError::UnknownMethod {
                line: p.line,
                column: p.column,
                owner: id.to_string(),
                method: other.to_string(),
                known: METHOD_NAMES,
            });
        }
    };
    let present: [(&str, Option<usize>); 9] = [
        ("target", n.target.as_ref().map(|s| s.span().start)),
        ("deduct_per", n.deduct_per.as_ref().map(|s| s.span().start)),
        ("k", n.k.as_ref().map(|s| s.span().start)),
        ("full_at", n.full_at.as_ref().map(|s| s.span().start)),
        ("step", n.step.as_ref().map(|s| s.span().start)),
        ("points", n.points.as_ref().map(|s| s.span().start)),
        ("partial", n.partial.as_ref().map(|s| s.span().start)),
        ("tiers", n.tiers.as_ref().map(|s| s.span().start)),
        ("items", n.items.as_ref().map(|s| s.span().start)),
    ];
    for (param, at) in present {
        if let Some(at) = at
            && !allowed.contains(&param)
        {
            let p = pos_of(cx.text, at);
            return Err(RulesError::BadParameter {
                line: p.line,
                column: p.column,
                owner: id.to_string(),
                param: param.to_string(),
                why: format!(
                    "does not apply to method `{name}` (it takes: {})",
                    if allowed.is_empty() {
                        "no parameters".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            });
        }
    }
    let opt = |s: &Option<Spanned<RawNum>>, param: &str| -> Result<Option<Decimal>, RulesError> {
        s.as_ref().map(|v| cx.num(v, id, param)).transpose()
    };
    let req = |s: &Option<Spanned<RawNum>>, param: &str| -> Result<Decimal, RulesError> {
        opt(s, param)?
            .ok_or_else(|| cx.bad_param(m, id, param, format!("method `{name}` needs `{param}`")))
    };
    let non_negative =
        |v: Decimal, s: &Option<Spanned<RawNum>>, param: &str| -> Result<Decimal, RulesError> {
            if v < Decimal::ZERO {
                Err(match s {
                    Some(s) => cx.bad_param(s, id, param, "must be ≥ 0"),
                    None => cx.bad_param(m, id, param, "must be ≥ 0"),
                })
            } else {
                Ok(v)
            }
        };
    Ok(match name {
        "ratio_higher" => {
            let target = opt(&n.target, "target")?;
            if let Some(t) = target {
                non_negative(t, &n.target, "target")?;
            }
            Method::RatioHigher { target }
        }
        "ratio_lower" => {
            let target = opt(&n.target, "target")?;
            let deduct_per = opt(&n.deduct_per, "deduct_per")?;
            if let Some(t) = target {
                non_negative(t, &n.target, "target")?;
                if t.is_zero() && deduct_per.is_none() {
                    return Err(cx.bad_param(m, id, "deduct_per", "`target = 0` makes `ratio_lower` zero tolerance: add `deduct_per` (points per unit above 0)"));
                }
            }
            if let Some(d) = deduct_per {
                non_negative(d, &n.deduct_per, "deduct_per")?;
            }
            Method::RatioLower { target, deduct_per }
        }
        "zero_tolerance" => Method::ZeroTolerance {
            deduct_per: non_negative(
                req(&n.deduct_per, "deduct_per")?,
                &n.deduct_per,
                "deduct_per",
            )?,
        },
        "tiers" => {
            let Some(ts) = &n.tiers else {
                return Err(cx.bad_param(
                    m,
                    id,
                    "tiers",
                    "method `tiers` needs `tiers = [{ max = X, points = P }, ...]`",
                ));
            };
            if ts.get_ref().is_empty() {
                return Err(cx.bad_param(ts, id, "tiers", "needs at least one band"));
            }
            let mut tiers = Vec::new();
            for t in ts.get_ref() {
                let tr = t.get_ref();
                let min = tr
                    .min
                    .as_ref()
                    .map(|v| cx.num(v, id, "tiers.min"))
                    .transpose()?;
                let max = tr
                    .max
                    .as_ref()
                    .map(|v| cx.num(v, id, "tiers.max"))
                    .transpose()?;
                let points = cx.num(&tr.points, id, "tiers.points")?;
                if points < Decimal::ZERO || points > weight {
                    return Err(cx.bad_param(
                        &tr.points,
                        id,
                        "tiers.points",
                        format!("{points} is outside 0..={weight} (the weight)"),
                    ));
                }
                if let (Some(a), Some(b)) = (min, max)
                    && a > b
                {
                    return Err(cx.bad_param(
                        t,
                        id,
                        "tiers",
                        format!("band min {a} is above its max {b}"),
                    ));
                }
                tiers.push(Tier { min, max, points });
            }
            Method::Tiers { tiers }
        }
        "linear_penalty" => Method::LinearPenalty {
            k: non_negative(req(&n.k, "k")?, &n.k, "k")?,
        },
        "step_deduction" => {
            let full_at = req(&n.full_at, "full_at")?;
            let step = req(&n.step, "step")?;
            if step <= Decimal::ZERO {
                return Err(match &n.step {
                    Some(s) => cx.bad_param(s, id, "step", "must be > 0"),
                    None => cx.bad_param(m, id, "step", "must be > 0"),
                });
            }
            let points = non_negative(req(&n.points, "points")?, &n.points, "points")?;
            let partial = match n.partial.as_ref().map(|p| p.get_ref().as_str()) {
                None | Some("whole") => Partial::Whole,
                Some("proportional") => Partial::Proportional,
                Some(other) => {
                    let at = n.partial.as_ref().map_or_else(|| cx.pos(m), |p| cx.pos(p));
                    return Err(RulesError::BadParameter {
                        line: at.line,
                        column: at.column,
                        owner: id.to_string(),
                        param: "partial".into(),
                        why: format!(
                            "`{other}` is not a choice; use \"whole\" or \"proportional\""
                        ),
                    });
                }
            };
            Method::StepDeduction {
                full_at,
                step,
                points,
                partial,
            }
        }
        "qualitative" => Method::Qualitative,
        _ => {
            // checklist
            let Some(items) = &n.items else {
                return Err(cx.bad_param(
                    m,
                    id,
                    "items",
                    "method `checklist` needs `items = [{ name = \"...\", points = P }, ...]`",
                ));
            };
            let mut out = Vec::new();
            let mut sum = Decimal::ZERO;
            for it in items.get_ref() {
                let points = cx.num(&it.get_ref().points, id, "items.points")?;
                if points < Decimal::ZERO {
                    return Err(cx.bad_param(
                        &it.get_ref().points,
                        id,
                        "items.points",
                        "must be ≥ 0",
                    ));
                }
                sum = sum.checked_add(points).unwrap_or(Decimal::MAX);
                out.push(ChecklistItem {
                    name: it.get_ref().name.clone(),
                    points,
                });
            }
            if sum != weight {
                return Err(cx.bad_param(
                    items,
                    id,
                    "items",
                    format!(
                        "item points add up to {sum}, but the weight is {weight}; make them equal"
                    ),
                ));
            }
            let deduct_per = non_negative(
                req(&n.deduct_per, "deduct_per")?,
                &n.deduct_per,
                "deduct_per",
            )?;
            Method::Checklist {
                items: out,
                deduct_per,
            }
        }
    })
}

/// `derived.X` must be defined and `score.X` must be a node (or `total`).
fn check_references(cx: &Ctx<'_>, raw: &RawFile, rules: &RuleSet) -> Result<(), RulesError> {
    let check = |r: &Reference, at: &Spanned<String>| -> Result<(), RulesError> {
        let why = match r {
            Reference::Derived(d) if !rules.derived.contains_key(d) => Some(format!(
                "no `[derived.\"{d}\"]` is defined in this rule set"
            )),
            Reference::Score(s) if rules.score_node(s).is_none() => {
                Some(format!("`{s}` is not a node id of this rule set"))
            }
            _ => None,
        };
        match why {
            Some(why) => {
                let p = cx.pos(at);
                Err(RulesError::UnknownReference {
                    line: p.line,
                    column: p.column,
                    reference: at.get_ref().clone(),
                    why,
                })
            }
            None => Ok(()),
        }
    };
    for d in raw.derived.values() {
        for inp in d.get_ref().inputs.get_ref() {
            check(&cx.reference(inp)?, inp)?;
        }
    }
    for n in &raw.nodes {
        if let Some(inp) = &n.get_ref().input {
            check(&cx.reference(inp)?, inp)?;
        }
    }
    Ok(())
}

/// Derivations and score references must not depend on themselves.
fn check_cycles(rules: &RuleSet) -> Result<(), RulesError> {
    // Vertices: "derived.X" and "score.ID"; edges: what each needs to be computed.
    let deps = |v: &str| -> Vec<String> {
        let refs: Vec<&Reference> = if let Some(d) = v.strip_prefix("derived.") {
            rules
                .derived
                .get(d)
                .map(|d| d.inputs.iter().collect())
                .unwrap_or_default()
        } else if let Some(id) = v.strip_prefix("score.") {
            match rules.score_node(id) {
                Some(n) => match &n.scoring {
                    Some(s) => vec![&s.input],
                    None => {
                        return n.children.iter().map(|c| format!("score.{c}")).collect();
                    }
                },
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        refs.into_iter()
            .filter_map(|r| match r {
                Reference::Derived(d) => Some(format!("derived.{d}")),
                Reference::Score(s) => rules.score_node(s).map(|n| format!("score.{}", n.id)),
                _ => None,
            })
            .collect()
    };
    let mut starts: Vec<String> = rules
        .derived
        .keys()
        .map(|d| format!("derived.{d}"))
        .collect();
    starts.extend(rules.nodes.keys().map(|n| format!("score.{n}")));
    let mut done: BTreeSet<String> = BTreeSet::new();
    for s in starts {
        if done.contains(&s) {
            continue;
        }
        // Iterative DFS with an explicit path.
        let mut path: Vec<(String, Vec<String>)> = vec![(s.clone(), deps(&s))];
        let mut on_path: BTreeSet<String> = BTreeSet::from([s.clone()]);
        while let Some((v, rest)) = path.last_mut() {
            match rest.pop() {
                Some(w) => {
                    if on_path.contains(&w) {
                        let start = path.iter().position(|(x, _)| *x == w).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            path.iter().skip(start).map(|(x, _)| x.clone()).collect();
                        cycle.push(w.clone());
                        let line = cycle
                            .iter()
                            .find_map(|c| {
                                c.strip_prefix("derived.")
                                    .and_then(|d| rules.derived.get(d))
                                    .map(|d| d.line)
                                    .or_else(|| {
                                        c.strip_prefix("score.")
                                            .and_then(|n| rules.nodes.get(n))
                                            .map(|n| n.line)
                                    })
                            })
                            .unwrap_or(1);
                        return Err(RulesError::DerivationCycle {
                            line,
                            column: 1,
                            cycle,
                        });
                    }
                    if !done.contains(&w) {
                        on_path.insert(w.clone());
                        let d = deps(&w);
                        path.push((w, d));
                    }
                }
                None => {
                    let v = v.clone();
                    on_path.remove(&v);
                    done.insert(v);
                    path.pop();
                }
            }
        }
    }
    Ok(())
}
