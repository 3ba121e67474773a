//! The kinds of events: their stable names and the role each needs.
//!
//! Owns: [`EventKind`], the names used in the CLI, JSON and import files, and the role table
//! of docs/FORMAT.md §6. Must not: look inside events (that is `event.rs`).

use super::Role;

/// The kind of an event, for role checks, summaries and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// [`Event::Genesis`](super::Event::Genesis)
    Genesis,
    /// [`Event::Grant`](super::Event::Grant)
    Grant,
    /// [`Event::Revoke`](super::Event::Revoke)
    Revoke,
    /// [`Event::RuleSetAdopted`](super::Event::RuleSetAdopted)
    RuleSetAdopted,
    /// [`Event::Staffing`](super::Event::Staffing)
    Staffing,
    /// [`Event::Budget`](super::Event::Budget)
    Budget,
    /// [`Event::IndicatorTarget`](super::Event::IndicatorTarget)
    IndicatorTarget,
    /// [`Event::IndicatorValue`](super::Event::IndicatorValue)
    IndicatorValue,
    /// [`Event::Fact`](super::Event::Fact)
    Fact,
    /// [`Event::Evidence`](super::Event::Evidence)
    Evidence,
    /// [`Event::Claim`](super::Event::Claim)
    Claim,
    /// [`Event::ScoreAdjustment`](super::Event::ScoreAdjustment)
    ScoreAdjustment,
    /// [`Event::Correction`](super::Event::Correction)
    Correction,
    /// [`Event::Acknowledgement`](super::Event::Acknowledgement)
    Acknowledgement,
}

impl EventKind {
    /// Every kind, in the order of the `Event` enum's variants (docs/FORMAT.md §3): a kind's
    /// index here is its code in the derived state's body (§11.2).
    pub const ALL: [EventKind; 14] = [
        EventKind::Genesis,
        EventKind::Grant,
        EventKind::Revoke,
        EventKind::RuleSetAdopted,
        EventKind::Staffing,
        EventKind::Budget,
        EventKind::IndicatorTarget,
        EventKind::IndicatorValue,
        EventKind::Fact,
        EventKind::Evidence,
        EventKind::Claim,
        EventKind::ScoreAdjustment,
        EventKind::Correction,
        EventKind::Acknowledgement,
    ];

    /// Stable snake-case name (CLI, JSON, import files).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Genesis => "genesis",
            EventKind::Grant => "grant",
            EventKind::Revoke => "revoke",
            EventKind::RuleSetAdopted => "rule_set",
            EventKind::Staffing => "staffing",
            EventKind::Budget => "budget",
            EventKind::IndicatorTarget => "target",
            EventKind::IndicatorValue => "value",
            EventKind::Fact => "fact",
            EventKind::Evidence => "evidence",
            EventKind::Claim => "claim",
            EventKind::ScoreAdjustment => "adjustment",
            EventKind::Correction => "correction",
            EventKind::Acknowledgement => "acknowledgement",
        }
    }

    /// The role an author needs to append an event of this kind.
    ///
    /// A correction needs the role of the kind it replaces (see [`Event::required_role`](super::Event::required_role));
    /// genesis is authorised by being first and naming its author as an admin.
    #[must_use]
    pub fn required_role(self) -> Role {
        match self {
            EventKind::Genesis
            | EventKind::Grant
            | EventKind::Revoke
            | EventKind::RuleSetAdopted => Role::Admin,
            EventKind::Staffing
            | EventKind::Budget
            | EventKind::IndicatorTarget
            | EventKind::IndicatorValue
            | EventKind::Fact
            | EventKind::Evidence
            | EventKind::Claim
            | EventKind::Correction => Role::Recorder,
            EventKind::ScoreAdjustment | EventKind::Acknowledgement => Role::Evaluator,
        }
    }
}

/// A budget kind as typed on the command line: the Chinese or snake-case name
/// ([`BudgetKind::parse`](super::BudgetKind::parse)), ignoring case, surrounding space and
/// `-` for `_`. The error says what was typed and lists every accepted name, each with its
/// other form (`支出 (execution)`); for 执行数 and 预算数, common words that name no single
/// kind, it says which kinds they may mean.
pub fn budget_kind_from_input(s: &str) -> Result<super::BudgetKind, String> {
    use super::BudgetKind;
    let t = s.trim();
    let folded = t.to_ascii_lowercase().replace('-', "_");
    if let Some(k) = BudgetKind::parse(t).or_else(|| BudgetKind::parse(&folded)) {
        return Ok(k);
    }
    let all: Vec<String> = BudgetKind::ALL
        .iter()
        .map(|(_, zh, en)| format!("{zh} ({en})"))
        .collect();
    let hint = match t {
        "执行数" | "执行" | "实际支出" => {
            "; 执行数 is either 支出 (execution: one payment) or 累计支出 (execution_cumulative: the total spent to date); "
        }
        "预算数" | "全年预算数" | "调整后预算" => {
            "; a budget figure is recorded as its parts: 年初预算 (year_start) and then 追加 (adjust_add), 调减 (adjust_cut), 调剂 (reallocate); "
        }
        _ => "; ",
    };
    Err(format!(
        "`{s}` is not a budget kind{hint}use one of {}",
        all.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::budget_kind_from_input;
    use crate::model::BudgetKind;

    #[test]
    fn budget_kinds_are_read_in_either_language_and_refusals_list_both() {
        assert_eq!(budget_kind_from_input("支出"), Ok(BudgetKind::Execution));
        assert_eq!(
            budget_kind_from_input(" Execution-Cumulative "),
            Ok(BudgetKind::ExecutionCumulative)
        );
        assert_eq!(
            budget_kind_from_input("年初预算"),
            Ok(BudgetKind::YearStart)
        );
        let e = budget_kind_from_input("执行数").unwrap_err();
        assert!(
            e.contains("支出 (execution") && e.contains("累计支出 (execution_cumulative"),
            "{e}"
        );
        assert!(e.contains("年初预算 (year_start)"), "{e}");
        let e = budget_kind_from_input("spending").unwrap_err();
        assert!(
            e.starts_with("`spending` is not a budget kind; use one of 年初预算 (year_start)"),
            "{e}"
        );
    }
}
