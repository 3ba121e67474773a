//! Events in a few words, for the correction trail and the summaries of corrections.
//!
//! Owns: that wording. Must not: read the state or the ledger.

use crate::model::{BizDate, BudgetKind, BudgetLine, Event, Money};

/// An event in a few words, for the correction trail.
#[must_use]
pub fn describe(ev: &Event) -> String {
    match ev {
        Event::Genesis(g) => format!("genesis {} {}", g.department, g.year),
        Event::Grant(g) => format!("grant {} to {}", g.role, g.principal.name),
        Event::Revoke(r) => format!("revoke {} from {}", r.role, r.key_id),
        Event::RuleSetAdopted(r) => format!("rule set {}", r.name),
        Event::Staffing(s) => format!(
            "{}: establishment {}, actual {}, retired {} ({})",
            s.category, s.establishment, s.actual, s.retired, s.date
        ),
        Event::Budget(b) => describe_budget(&b.line, b.kind, b.amount, b.date),
        Event::IndicatorTarget(t) => format!(
            "{} target {}{}{}{} ({})",
            t.indicator,
            t.direction.symbol(),
            t.adjusted.unwrap_or(t.year_start),
            t.unit,
            if t.adjusted.is_some() {
                " (adjusted)"
            } else {
                ""
            },
            t.date
        ),
        Event::IndicatorValue(v) => format!("{} = {} ({})", v.indicator, v.value, v.date),
        Event::Fact(f) => format!("{} = {} {} ({})", f.key, f.value, f.unit, f.date),
        Event::Evidence(e) => format!("evidence {} ({} bytes)", e.name, e.size),
        Event::Claim(c) => format!("claim {}: {}{}", c.id, c.value, c.unit),
        Event::ScoreAdjustment(a) => format!("{} {:+}", a.node, a.delta.value()),
        Event::Correction(c) => format!("correction of seq {}", c.supersedes),
        Event::Acknowledgement(a) => format!("acknowledgement of {}", a.finding),
    }
}

pub(super) fn describe_budget(
    line: &BudgetLine,
    kind: BudgetKind,
    amount: Money,
    date: BizDate,
) -> String {
    let project = if line.project.is_empty() {
        String::new()
    } else {
        format!("/{}", line.project)
    };
    format!(
        "{} {} 元 on {}/{}{} ({})",
        kind.name(),
        amount,
        line.fund_source.name(),
        line.expense_type.name(),
        project,
        date
    )
}
