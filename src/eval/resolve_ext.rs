//! The references added to the rule language beyond the first form: `target.ID`,
//! `coefficient.NODE` (得分系数), derivation expressions (`expr`, with `on_zero`) and the
//! gross budget adjustments.
//!
//! Owns: computing those values with their seqs and definitions, as further methods of the
//! [`Resolver`]. Must not: decide which recorded value is effective (replay does) or what a
//! rule means (src/rules).

use super::EvalError;
use super::replay::Sum;
use super::resolve::{Resolved, Resolver, ValueUnit};
use super::seqs::SeqSet;
use crate::model::{BudgetKind, Money};
use crate::rules::{Derivation, EvalFail, Reference};
use rust_decimal::Decimal;

impl Resolver<'_> {
    /// `target.ID`: the latest effective target of the indicator, adjusted if given.
    pub(super) fn target(
        &self,
        id: &str,
        r: &Reference,
        needed_by: &str,
    ) -> Result<Resolved, EvalError> {
        let t = self
            .state
            .targets
            .get(id)
            .and_then(|h| h.latest())
            .ok_or_else(|| EvalError::NoValue {
                reference: r.to_string(),
                needed_by: needed_by.to_string(),
            })?;
        Ok(Resolved {
            value: t.value.adjusted.unwrap_or(t.value.year_start).value(),
            unit: ValueUnit::Recorded(t.value.unit.clone()),
            seqs: t.seqs(),
            definition: format!(
                "{r} = latest recorded target of indicator {id} (adjusted if given)"
            ),
        })
    }

    /// `coefficient.NODE`: the node's score ÷ its weight, a fraction.
    pub(super) fn coefficient(
        &self,
        key: &str,
        r: &Reference,
        needed_by: &str,
    ) -> Result<Resolved, EvalError> {
        let node = self
            .rules
            .score_node(key)
            .ok_or_else(|| EvalError::UndefinedReference {
                reference: r.to_string(),
                needed_by: needed_by.to_string(),
            })?;
        let (v, seqs) = self
            .scores
            .get(&node.id)
            .ok_or_else(|| EvalError::NoValue {
                reference: r.to_string(),
                needed_by: needed_by.to_string(),
            })?;
        if node.weight.is_zero() {
            return Err(EvalError::DivisionByZero {
                reference: r.to_string(),
                denominator: format!("the weight of {}", node.id),
            });
        }
        Ok(Resolved {
            value: v
                .checked_div(node.weight)
                .ok_or_else(|| EvalError::Overflow {
                    what: r.to_string(),
                })?,
            unit: ValueUnit::Fraction,
            seqs: seqs.clone(),
            definition: format!(
                "{r} = score of node {} ({}) / its weight {}",
                node.id, node.name, node.weight
            ),
        })
    }

    /// A derivation written as an expression; a zero denominator gives `on_zero` if the
    /// derivation states one, else it is an error naming the denominator.
    pub(super) fn expression(&self, d: &Derivation, me: &str) -> Result<Resolved, EvalError> {
        let Some(e) = &d.expr else {
            return Err(EvalError::UndefinedReference {
                reference: me.to_string(),
                needed_by: "an expression derivation without its expression".into(),
            });
        };
        let mut seqs = SeqSet::new();
        let mut units: Vec<ValueUnit> = Vec::new();
        let result = e.eval(&mut |r: &Reference| {
            let v = self.resolve(r, me)?;
            seqs.extend(&v.seqs);
            units.push(v.unit);
            Ok::<Decimal, EvalError>(v.value)
        });
        let unit = match units.first() {
            _ if has_division(d) => ValueUnit::Fraction,
            Some(f) if units.iter().all(|u| u == f) => f.clone(),
            _ => ValueUnit::Recorded(String::new()),
        };
        match result {
            Ok(value) => Ok(Resolved {
                value,
                unit,
                seqs,
                definition: d.definition(),
            }),
            Err(EvalFail::Input(e)) => Err(e),
            Err(EvalFail::Overflow) => Err(EvalError::Overflow {
                what: me.to_string(),
            }),
            Err(EvalFail::DivisionByZero(den)) => match d.on_zero {
                Some(z) => Ok(Resolved {
                    value: z,
                    unit,
                    seqs,
                    definition: format!("{}; its denominator {den} is 0", d.definition()),
                }),
                None => Err(EvalError::DivisionByZero {
                    reference: me.to_string(),
                    denominator: den,
                }),
            },
        }
    }

    /// Σ additions + Σ cuts + Σ over lines |the line's reallocations|.
    pub(super) fn gross_adjustments(&self, me: &str) -> Result<Sum, EvalError> {
        let add = self.kind_sum(&[BudgetKind::AdjustAdd])?;
        let cut = self.kind_sum(&[BudgetKind::AdjustCut])?;
        let overflow = || EvalError::Overflow {
            what: me.to_string(),
        };
        let mut fen = add
            .amount
            .fen()
            .checked_add(cut.amount.fen())
            .ok_or_else(overflow)?;
        let mut seqs = add.seqs;
        seqs.extend(&cut.seqs);
        for line in self.state.budget.values() {
            if let Some(re) = line.by_kind.get(&BudgetKind::Reallocate) {
                let abs = re.amount.fen().checked_abs().ok_or_else(overflow)?;
                fen = fen.checked_add(abs).ok_or_else(overflow)?;
                seqs.extend(&re.seqs);
            }
        }
        Ok(Sum {
            amount: Money::from_fen(fen),
            seqs,
        })
    }
}

/// A derivation whose expression divides gives a ratio (a fraction, × 100 for a `%` claim),
/// not a value in its inputs' unit.
fn has_division(d: &Derivation) -> bool {
    d.expr.as_ref().is_some_and(crate::rules::Expr::divides)
}
