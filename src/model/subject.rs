//! Subjects of entries for `jixiao log --subject`: an indicator, node, fact, claim or finding
//! id and everything below it, or a budget line addressed as `budget:FUND/TYPE[/PROJECT]`
//! (`budget:一般公共预算/基本支出`), the form reports cite summarised budget entries by.
//!
//! Owns: the subject form of a budget line and what a subject matches. Must not: read the
//! ledger or print.

use super::{BudgetLine, Event, ExpenseType, FundSource};

/// Prefix of budget-line subjects.
pub const BUDGET_SUBJECT: &str = "budget:";

impl BudgetLine {
    /// `一般公共预算/基本支出`, with `/PROJECT` for a project line.
    #[must_use]
    pub fn path(&self) -> String {
        if self.project.is_empty() {
            format!("{}/{}", self.fund_source.zh(), self.expense_type.zh())
        } else {
            format!(
                "{}/{}/{}",
                self.fund_source.zh(),
                self.expense_type.zh(),
                self.project
            )
        }
    }

    /// `budget:一般公共预算/基本支出[/PROJECT]`, as `log --subject` takes it.
    #[must_use]
    pub fn subject(&self) -> String {
        format!("{BUDGET_SUBJECT}{}", self.path())
    }

    /// Is this line at or below `path` (`一般公共预算`, `一般公共预算/项目支出`, a whole line;
    /// Chinese or snake-case names; empty: every line)?
    #[must_use]
    pub fn is_under(&self, path: &str) -> bool {
        let mut parts = path.splitn(3, '/').filter(|p| !p.is_empty());
        let fund = parts.next().map(FundSource::parse);
        let kind = parts.next().map(ExpenseType::parse);
        let project = parts.next();
        fund.is_none_or(|f| f == Some(self.fund_source))
            && kind.is_none_or(|k| k == Some(self.expense_type))
            && project.is_none_or(|p| p == self.project)
    }
}

impl Event {
    /// The budget line a budget event, or a correction replacing one with a budget event, is on.
    #[must_use]
    pub fn budget_line(&self) -> Option<&BudgetLine> {
        match self {
            Event::Budget(b) => Some(&b.line),
            Event::Correction(c) => c.replacement.as_deref().and_then(Event::budget_line),
            _ => None,
        }
    }

    /// Is the event about `want` or below it: `mgmt.perf` matches `mgmt.perf.targets`;
    /// `budget:PATH` matches budget events on the lines at or below `PATH`
    /// ([`BudgetLine::is_under`]). Corrections match by their replacement.
    #[must_use]
    pub fn is_about(&self, want: &str) -> bool {
        if let Some(path) = want.strip_prefix(BUDGET_SUBJECT) {
            return self.budget_line().is_some_and(|l| l.is_under(path));
        }
        self.subject()
            .is_some_and(|s| s == want || s.strip_prefix(want).is_some_and(|r| r.starts_with('.')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_lines_are_addressed_by_path() {
        let line = BudgetLine {
            fund_source: FundSource::GeneralPublic,
            expense_type: ExpenseType::Project,
            project: "P-1".into(),
        };
        assert_eq!(line.subject(), "budget:一般公共预算/项目支出/P-1");
        for yes in [
            "",
            "一般公共预算",
            "general_public/project",
            "一般公共预算/项目支出/P-1",
        ] {
            assert!(line.is_under(yes), "{yes}");
        }
        for no in [
            "政府性基金",
            "一般公共预算/基本支出",
            "一般公共预算/项目支出/P-2",
            "x",
        ] {
            assert!(!line.is_under(no), "{no}");
        }
    }
}
