//! Checks across a parsed rule set: every `derived.` and `score.`/`coefficient.` reference
//! names something defined, and no chain of references comes back to where it started.
//!
//! Owns: those two checks. Must not: read the file's fields beyond the references.

use super::RuleSet;
use super::error::RulesError;
use super::raw::{Ctx, RawFile};
use super::reference::Reference;
use std::collections::BTreeSet;
use toml::Spanned;

/// `derived.X` must be defined and `score.X` must be a node (or `total`).
pub(super) fn check_references(
    cx: &Ctx<'_>,
    raw: &RawFile,
    rules: &RuleSet,
) -> Result<(), RulesError> {
    let check = |r: &Reference, at: &Spanned<String>| -> Result<(), RulesError> {
        let why = match r {
            Reference::Derived(d) if !rules.derived.contains_key(d) => Some(format!(
                "no `[derived.\"{d}\"]` is defined in this rule set"
            )),
            Reference::Score(s) | Reference::Coefficient(s) if rules.score_node(s).is_none() => {
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
    for (name, d) in &raw.derived {
        if let Some(ins) = &d.get_ref().inputs {
            for inp in ins.get_ref() {
                check(&cx.reference(inp)?, inp)?;
            }
        }
        if let (Some(ex), Some(def)) = (&d.get_ref().expr, rules.derived.get(name)) {
            for r in &def.inputs {
                check(r, ex)?;
            }
        }
    }
    for e in &raw.extras {
        check(&cx.reference(&e.get_ref().input)?, &e.get_ref().input)?;
    }
    for n in &raw.nodes {
        if let Some(inp) = &n.get_ref().input {
            check(&cx.reference(inp)?, inp)?;
        }
    }
    Ok(())
}

/// Derivations and score references must not depend on themselves.
pub(super) fn check_cycles(rules: &RuleSet) -> Result<(), RulesError> {
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
                Reference::Score(s) | Reference::Coefficient(s) => {
                    rules.score_node(s).map(|n| format!("score.{}", n.id))
                }
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
