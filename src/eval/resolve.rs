//! Computing the value of a reference (`indicator.`, `fact.`, `derived.`, `budget.`,
//! `score.`) from a [`State`], with the seqs it came from and its definition in words.

use super::EvalError;
use super::replay::{State, Sum};
use super::seqs::SeqSet;
use crate::model::{BizDate, BudgetKind, Money};
use crate::rules::{BudgetMetric, DerivedOp, Reference, RuleSet};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What a resolved value measures, for unit conversion of claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ValueUnit {
    /// A fraction (0.035 = 3.5%).
    Fraction,
    /// Yuan.
    Yuan,
    /// Points of a score.
    Points,
    /// The unit recorded with the value (`%`, `次`, `份`, ...), or empty if none.
    Recorded(String),
}

/// A computed value with its provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub value: Decimal,
    pub unit: ValueUnit,
    pub seqs: SeqSet,
    pub definition: String,
}

/// Looks up references; `scores` holds node scores already computed (for `score.`).
pub(crate) struct Resolver<'a> {
    pub state: &'a State,
    pub rules: &'a RuleSet,
    pub scores: &'a BTreeMap<String, (Decimal, SeqSet)>,
}

fn overflow(what: &str) -> EvalError {
    EvalError::Overflow {
        what: what.to_string(),
    }
}

impl Resolver<'_> {
    pub fn resolve(&self, r: &Reference, needed_by: &str) -> Result<Resolved, EvalError> {
        let none = || EvalError::NoValue {
            reference: r.to_string(),
            needed_by: needed_by.to_string(),
        };
        match r {
            Reference::Indicator(id) => {
                let h = self.state.values.get(id).ok_or_else(none)?;
                let v = h.latest().ok_or_else(none)?;
                let unit = self
                    .state
                    .targets
                    .get(id)
                    .and_then(|t| t.latest())
                    .map_or_else(String::new, |t| t.value.unit.clone());
                Ok(Resolved {
                    value: v.value.value.value(),
                    unit: ValueUnit::Recorded(unit),
                    seqs: h.latest_seqs(),
                    definition: format!("{r} = latest recorded value of indicator {id}"),
                })
            }
            Reference::Fact(key) => {
                let h = self.state.facts.get(key).ok_or_else(none)?;
                let f = h.latest().ok_or_else(none)?;
                Ok(Resolved {
                    value: f.value.value.value(),
                    unit: ValueUnit::Recorded(f.value.unit.clone()),
                    seqs: h.latest_seqs(),
                    definition: format!("{r} = latest recorded fact {key}"),
                })
            }
            Reference::Score(key) => {
                let node =
                    self.rules
                        .score_node(key)
                        .ok_or_else(|| EvalError::UndefinedReference {
                            reference: r.to_string(),
                            needed_by: needed_by.to_string(),
                        })?;
                let (v, seqs) = self.scores.get(&node.id).ok_or_else(none)?;
                Ok(Resolved {
                    value: *v,
                    unit: ValueUnit::Points,
                    seqs: seqs.clone(),
                    definition: format!(
                        "{r} = score of node {} ({}) after adjustments",
                        node.id, node.name
                    ),
                })
            }
            Reference::Derived(name) => {
                let d =
                    self.rules
                        .derived
                        .get(name)
                        .ok_or_else(|| EvalError::UndefinedReference {
                            reference: r.to_string(),
                            needed_by: needed_by.to_string(),
                        })?;
                let me = r.to_string();
                if d.op == DerivedOp::Expr {
                    return self.expression(d, &me);
                }
                let ins = d
                    .inputs
                    .iter()
                    .map(|i| self.resolve(i, &me))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut seqs = SeqSet::new();
                for i in &ins {
                    seqs.extend(&i.seqs);
                }
                let first = ins.first().map_or(Decimal::ZERO, |i| i.value);
                let second = ins.get(1).map_or(Decimal::ZERO, |i| i.value);
                if let Some(z) = d.on_zero.filter(|_| second.is_zero())
                    && matches!(d.op, DerivedOp::Ratio | DerivedOp::Growth)
                {
                    return Ok(Resolved {
                        value: z,
                        unit: ValueUnit::Fraction,
                        seqs,
                        definition: format!("{}; its denominator is 0", d.definition()),
                    });
                }
                let zero = || EvalError::DivisionByZero {
                    reference: me.clone(),
                    denominator: d
                        .inputs
                        .get(1)
                        .map_or_else(String::new, ToString::to_string),
                };
                let (value, unit) = match d.op {
                    DerivedOp::Sum => {
                        let mut s = Decimal::ZERO;
                        for i in &ins {
                            s = s.checked_add(i.value).ok_or_else(|| overflow(&me))?;
                        }
                        (s, common_unit(&ins))
                    }
                    DerivedOp::Difference => (
                        first.checked_sub(second).ok_or_else(|| overflow(&me))?,
                        common_unit(&ins),
                    ),
                    DerivedOp::Ratio => {
                        if second.is_zero() {
                            return Err(zero());
                        }
                        (
                            first.checked_div(second).ok_or_else(|| overflow(&me))?,
                            ValueUnit::Fraction,
                        )
                    }
                    DerivedOp::Expr => return self.expression(d, &me),
                    DerivedOp::Growth => {
                        if second.is_zero() {
                            return Err(zero());
                        }
                        let diff = first.checked_sub(second).ok_or_else(|| overflow(&me))?;
                        (
                            diff.checked_div(second).ok_or_else(|| overflow(&me))?,
                            ValueUnit::Fraction,
                        )
                    }
                };
                Ok(Resolved {
                    value,
                    unit,
                    seqs,
                    definition: d.definition(),
                })
            }
            Reference::Budget(m) => self.budget(*m, &r.to_string()),
            Reference::Target(id) => self.target(id, r, needed_by),
            Reference::Coefficient(key) => self.coefficient(key, r, needed_by),
        }
    }

    pub(super) fn kind_sum(&self, kinds: &[BudgetKind]) -> Result<Sum, EvalError> {
        let mut out = Sum::default();
        for line in self.state.budget.values() {
            for k in kinds {
                if let Some(s) = line.by_kind.get(k) {
                    out.amount = out
                        .amount
                        .checked_add(s.amount)
                        .ok_or_else(|| overflow("budget sum"))?;
                    out.seqs.extend(&s.seqs);
                }
            }
        }
        Ok(out)
    }

    fn executed(&self, as_of: Option<BizDate>) -> Result<Sum, EvalError> {
        let mut out = Sum::default();
        for line in self.state.budget.values() {
            let e = line.executed(as_of)?;
            out.amount = out
                .amount
                .checked_add(e.amount)
                .ok_or_else(|| overflow("executed"))?;
            out.seqs.extend(&e.seqs);
        }
        Ok(out)
    }

    fn adjustments(&self) -> Result<(Sum, Sum), EvalError> {
        let add = self.kind_sum(&[BudgetKind::AdjustAdd])?;
        let cut = self.kind_sum(&[BudgetKind::AdjustCut])?;
        let re = self.kind_sum(&[BudgetKind::Reallocate])?;
        let amount = add
            .amount
            .checked_sub(cut.amount)
            .and_then(|x| x.checked_add(re.amount))
            .ok_or_else(|| overflow("adjustments"))?;
        let mut seqs = add.seqs;
        seqs.extend(&cut.seqs);
        seqs.extend(&re.seqs);
        Ok((Sum { amount, seqs }, re))
    }

    fn full_year(&self) -> Result<Sum, EvalError> {
        let base = self.kind_sum(&[BudgetKind::CarryIn, BudgetKind::YearStart])?;
        let (adj, _) = self.adjustments()?;
        let mut seqs = base.seqs;
        seqs.extend(&adj.seqs);
        let amount = base
            .amount
            .checked_add(adj.amount)
            .ok_or_else(|| overflow("full_year"))?;
        Ok(Sum { amount, seqs })
    }

    fn budget(&self, m: BudgetMetric, me: &str) -> Result<Resolved, EvalError> {
        let money = |s: Sum| Resolved {
            value: s.amount.yuan(),
            unit: ValueUnit::Yuan,
            seqs: s.seqs,
            definition: m.definition(),
        };
        let ratio = |num: Sum, den: Sum, den_name: &str| -> Result<Resolved, EvalError> {
            if den.amount == Money::ZERO {
                return Err(EvalError::DivisionByZero {
                    reference: me.to_string(),
                    denominator: format!("budget.{den_name}"),
                });
            }
            let value = num
                .amount
                .yuan()
                .checked_div(den.amount.yuan())
                .ok_or_else(|| overflow(me))?;
            let mut seqs = num.seqs;
            seqs.extend(&den.seqs);
            Ok(Resolved {
                value,
                unit: ValueUnit::Fraction,
                seqs,
                definition: m.definition(),
            })
        };
        match m {
            BudgetMetric::YearStart => Ok(money(self.kind_sum(&[BudgetKind::YearStart])?)),
            BudgetMetric::CarryIn => Ok(money(self.kind_sum(&[BudgetKind::CarryIn])?)),
            BudgetMetric::CarryOut => Ok(money(self.kind_sum(&[BudgetKind::CarryOut])?)),
            BudgetMetric::PriorFullYear => {
                Ok(money(self.kind_sum(&[BudgetKind::PriorYearBudget])?))
            }
            BudgetMetric::Adjustments => Ok(money(self.adjustments()?.0)),
            BudgetMetric::FullYear => Ok(money(self.full_year()?)),
            BudgetMetric::Executed => Ok(money(self.executed(None)?)),
            BudgetMetric::ExecutionRate => {
                ratio(self.executed(None)?, self.full_year()?, "full_year")
            }
            BudgetMetric::AdjustmentRate => ratio(
                self.adjustments()?.0,
                self.kind_sum(&[BudgetKind::YearStart])?,
                "year_start",
            ),
            BudgetMetric::ReallocationRatio => {
                let (_, re) = self.adjustments()?;
                let abs = Sum {
                    amount: Money::from_fen(
                        re.amount.fen().checked_abs().ok_or_else(|| overflow(me))?,
                    ),
                    seqs: re.seqs,
                };
                ratio(abs, self.full_year()?, "full_year")
            }
            BudgetMetric::BalanceRate => ratio(
                self.kind_sum(&[BudgetKind::CarryOut])?,
                self.executed(None)?,
                "executed",
            ),
            BudgetMetric::GrowthAmount | BudgetMetric::GrowthRate => {
                let full = self.full_year()?;
                let prior = self.kind_sum(&[BudgetKind::PriorYearBudget])?;
                let amount = full
                    .amount
                    .checked_sub(prior.amount)
                    .ok_or_else(|| overflow(me))?;
                let mut seqs = full.seqs;
                seqs.extend(&prior.seqs);
                let growth = Sum { amount, seqs };
                if m == BudgetMetric::GrowthAmount {
                    Ok(money(growth))
                } else {
                    ratio(growth, prior, "prior_full_year")
                }
            }
            BudgetMetric::ProgressAt(d) => {
                ratio(self.executed(Some(d))?, self.full_year()?, "full_year")
            }
            BudgetMetric::GrossAdjustments => Ok(money(self.gross_adjustments(me)?)),
            BudgetMetric::GrossAdjustmentRate => ratio(
                self.gross_adjustments(me)?,
                self.kind_sum(&[BudgetKind::YearStart])?,
                "year_start",
            ),
        }
    }
}

/// The unit shared by every input, else none.
fn common_unit(ins: &[Resolved]) -> ValueUnit {
    match ins.first() {
        Some(f) if ins.iter().all(|i| i.unit == f.unit) => f.unit.clone(),
        _ => ValueUnit::Recorded(String::new()),
    }
}
