//! Validating a leaf's `method` and its parameters into a [`Method`]: which parameters each
//! method takes, their ranges, and the errors naming the parameter's line and column.
//!
//! Owns: method parameter validation. Must not: score (method.rs and bands.rs do).

use super::bands::{Level, LevelGives, Side};
use super::basics::{Partial, Tier};
use super::error::{RulesError, pos_of};
use super::method::{ChecklistItem, METHOD_NAMES, Method};
use super::raw::{Ctx, RawNode, RawNum, RawTier};
use rust_decimal::Decimal;
use toml::Spanned;

pub(super) fn method(
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
        "beyond_limit" => &["limit", "per", "points", "side", "partial"],
        "deviation" => &["target", "tiers"],
        "levels" => &["levels"],
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
    let present: [(&str, Option<usize>); 13] = [
        ("target", n.target.as_ref().map(|s| s.span().start)),
        ("deduct_per", n.deduct_per.as_ref().map(|s| s.span().start)),
        ("k", n.k.as_ref().map(|s| s.span().start)),
        ("full_at", n.full_at.as_ref().map(|s| s.span().start)),
        ("step", n.step.as_ref().map(|s| s.span().start)),
        ("points", n.points.as_ref().map(|s| s.span().start)),
        ("partial", n.partial.as_ref().map(|s| s.span().start)),
        ("tiers", n.tiers.as_ref().map(|s| s.span().start)),
        ("items", n.items.as_ref().map(|s| s.span().start)),
        ("limit", n.limit.as_ref().map(|s| s.span().start)),
        ("per", n.per.as_ref().map(|s| s.span().start)),
        ("side", n.side.as_ref().map(|s| s.span().start)),
        ("levels", n.levels.as_ref().map(|s| s.span().start)),
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
        "tiers" => Method::Tiers {
            tiers: tiers(cx, n.tiers.as_ref(), m, id, weight)?,
        },
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
            let partial = partial(cx, n, id)?;
            Method::StepDeduction {
                full_at,
                step,
                points,
                partial,
            }
        }
        "qualitative" => Method::Qualitative,
        "beyond_limit" => {
            let per = req(&n.per, "per")?;
            if per <= Decimal::ZERO {
                return Err(match &n.per {
                    Some(s) => cx.bad_param(
                        s,
                        id,
                        "per",
                        "must be > 0 (one percentage point of a fraction is 0.01)",
                    ),
                    None => cx.bad_param(m, id, "per", "must be > 0"),
                });
            }
            let side = match n.side.as_ref().map(|s| s.get_ref().as_str()) {
                Some("over") => Side::Over,
                Some("under") => Side::Under,
                Some(other) => {
                    return Err(cx.bad_param(
                        n.side.as_ref().unwrap_or(m),
                        id,
                        "side",
                        format!(
                            "`{other}` is not a choice; use \"over\" (每超过) or \"under\" (每低于)"
                        ),
                    ));
                }
                None => {
                    return Err(cx.bad_param(
                        m,
                        id,
                        "side",
                        "method `beyond_limit` needs `side = \"over\"` or `\"under\"`",
                    ));
                }
            };
            Method::BeyondLimit {
                limit: req(&n.limit, "limit")?,
                per,
                points: non_negative(req(&n.points, "points")?, &n.points, "points")?,
                side,
                partial: partial(cx, n, id)?,
            }
        }
        "deviation" => {
            let target = opt(&n.target, "target")?;
            if let Some(t) = target {
                non_negative(t, &n.target, "target")?;
            }
            Method::Deviation {
                target,
                tiers: tiers(cx, n.tiers.as_ref(), m, id, weight)?,
            }
        }
        "levels" => Method::Levels {
            levels: levels(cx, n, m, id, weight)?,
        },
        _ => {
            // checklist; without `items` it is 每例扣 P 分 with no list
            let no_items = Spanned::new(0..0, Vec::new());
            let items = n.items.as_ref().unwrap_or(&no_items);
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
            if n.items.is_some() && sum != weight {
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

fn tiers(
    cx: &Ctx<'_>,
    raw: Option<&Spanned<Vec<Spanned<RawTier>>>>,
    m: &Spanned<String>,
    id: &str,
    weight: Decimal,
) -> Result<Vec<Tier>, RulesError> {
    let Some(ts) = raw else {
        return Err(cx.bad_param(
            m,
            id,
            "tiers",
            format!(
                "method `{}` needs `tiers = [{{ max = X, points = P }}, ...]`",
                m.get_ref()
            ),
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
            return Err(cx.bad_param(t, id, "tiers", format!("band min {a} is above its max {b}")));
        }
        tiers.push(Tier { min, max, points });
    }
    Ok(tiers)
}

fn partial(cx: &Ctx<'_>, n: &RawNode, id: &str) -> Result<Partial, RulesError> {
    match n.partial.as_ref().map(|p| (p, p.get_ref().as_str())) {
        None | Some((_, "whole")) => Ok(Partial::Whole),
        Some((_, "proportional")) => Ok(Partial::Proportional),
        Some((p, other)) => Err(cx.bad_param(
            p,
            id,
            "partial",
            format!("`{other}` is not a choice; use \"whole\" or \"proportional\""),
        )),
    }
}

fn levels(
    cx: &Ctx<'_>,
    n: &RawNode,
    m: &Spanned<String>,
    id: &str,
    weight: Decimal,
) -> Result<Vec<Level>, RulesError> {
    let Some(ls) = &n.levels else {
        return Err(cx.bad_param(
            m,
            id,
            "levels",
            "method `levels` needs `levels = [{ name = \"优\", code = 1, coefficient = 1 }, ...]`",
        ));
    };
    if ls.get_ref().is_empty() {
        return Err(cx.bad_param(ls, id, "levels", "needs at least one level"));
    }
    let mut out: Vec<Level> = Vec::new();
    for l in ls.get_ref() {
        let r = l.get_ref();
        let code = cx.num(&r.code, id, "levels.code")?;
        if out.iter().any(|x| x.code == code || x.name == r.name) {
            return Err(cx.bad_param(
                l,
                id,
                "levels",
                format!(
                    "level `{}` (code {code}) repeats a name or code; give each level its own",
                    r.name
                ),
            ));
        }
        let gives = match (&r.coefficient, &r.points) {
            (Some(c), None) => {
                let v = cx.num(c, id, "levels.coefficient")?;
                if v < Decimal::ZERO || v > Decimal::ONE {
                    return Err(cx.bad_param(
                        c,
                        id,
                        "levels.coefficient",
                        format!("{v} is outside 0..=1"),
                    ));
                }
                LevelGives::Coefficient(v)
            }
            (None, Some(p)) => {
                let v = cx.num(p, id, "levels.points")?;
                if v < Decimal::ZERO || v > weight {
                    return Err(cx.bad_param(
                        p,
                        id,
                        "levels.points",
                        format!("{v} is outside 0..={weight} (the weight)"),
                    ));
                }
                LevelGives::Points(v)
            }
            _ => {
                return Err(cx.bad_param(
                    l,
                    id,
                    "levels",
                    format!(
                        "level `{}` needs exactly one of `coefficient` (0–1) or `points`",
                        r.name
                    ),
                ));
            }
        };
        out.push(Level {
            name: r.name.clone(),
            code,
            gives,
        });
    }
    Ok(out)
}
