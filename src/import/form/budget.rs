//! The budget block of a 自评表 (年初预算数, 全年预算数, 全年执行数, 执行率, 分值, 得分) read
//! into claims of the budget metrics and of the score of the indicator scored on the
//! execution rate.
//!
//! Owns: that block's meaning. Must not: find the block (layout does) or parse cells.

use super::cells::Figure;
use super::{BUDGET_HEADERS, FormError, Reader, SCORE_HEADER, WEIGHT_HEADER};
use crate::rules::RuleSet;

impl<'a> Reader<'a> {
    /// The budget block's figures, as claims of the budget metrics (and the score of the
    /// indicator scored on the execution rate).
    pub(super) fn budget_block(&mut self) -> Result<(), FormError> {
        let Some(b) = self.layout.budget.clone() else {
            return Ok(());
        };
        let metrics = [
            ("year_start", "万元"),
            ("full_year", "万元"),
            ("executed", "万元"),
            ("execution_rate", "%"),
        ];
        for (i, (metric, unit)) in metrics.iter().enumerate() {
            let Some(c) = b.cols[i] else { continue };
            let Some(mut f) = self.figure(b.row, c, BUDGET_HEADERS[i], 2)? else {
                continue;
            };
            if f.unit.is_empty() {
                f.unit = (*unit).to_string();
            }
            let text = format!("{} {}", BUDGET_HEADERS[i], f.text);
            self.claim(
                format!("form.{}budget.{metric}", self.prefix()),
                format!("budget.{metric}"),
                &f,
                text,
                b.row,
                c,
            );
        }
        let rules: &'a RuleSet = self.rules;
        let exec_node = rules.preorder().into_iter().find(|n| {
            n.scoring
                .as_ref()
                .is_some_and(|s| s.input.to_string() == "budget.execution_rate")
        });
        if let Some(node) = exec_node {
            if let Some(c) = b.cols[4]
                && let Some(w) = self.figure(b.row, c, WEIGHT_HEADER, 0)?
                && w.value.value() != node.weight
            {
                return Err(self.err(
                            b.row,
                            c,
                            format!(
                                "the budget block's {WEIGHT_HEADER} {} but the rule set in force scores the execution rate (`{}`, {}) out of {}; correct the form or adopt the rule set it was scored with",
                                w.value, node.name, node.id, node.weight.normalize()
                            ),
                        ));
            }
            if let Some(c) = b.cols[5] {
                let label = format!("{} {}", BUDGET_HEADERS[3], node.name);
                let scale = self.rules.rounding.scale;
                if let Some(s) = self.figure(b.row, c, SCORE_HEADER, scale)? {
                    let f = Figure {
                        unit: "分".into(),
                        ..s
                    };
                    let text = format!("{label} {SCORE_HEADER} {}", f.text);
                    self.claim(
                        format!("form.{}budget.score", self.prefix()),
                        format!("score.{}", node.id),
                        &f,
                        text,
                        b.row,
                        c,
                    );
                }
            }
        }
        Ok(())
    }
}
