//! The events a ledger records. Field and variant order is the on-disk format.

use super::{BizDate, EventKind, KeyId, Money, Number, Role, Seq};
use serde::{Deserialize, Serialize};

/// One recorded fact or decision. Variants are appended at the end, never reordered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// First entry of every ledger: the department, the fiscal year and the admin key(s).
    Genesis(Genesis),
    /// Gives a role to a public key.
    Grant(Grant),
    /// Takes a role away from a key.
    Revoke(Revoke),
    /// A rule set (TOML text) becomes the one scores are computed with.
    RuleSetAdopted(RuleSetAdopted),
    /// Establishment and head count of one staff category.
    Staffing(Staffing),
    /// An amount on a budget line: appropriation, adjustment, execution, carry-over, prior year.
    Budget(BudgetEvent),
    /// An indicator's direction, unit and targets.
    IndicatorTarget(IndicatorTarget),
    /// An indicator's actual value.
    IndicatorValue(IndicatorValue),
    /// A named count or amount with its unit (e.g. one part of a stated total).
    Fact(Fact),
    /// A file that supports other entries: its name, size and blake3 digest.
    Evidence(Evidence),
    /// A figure as stated in the report, verbatim, to be checked against its recomputation.
    Claim(Claim),
    /// An evaluator's signed change to a node's score, with reason and basis.
    ScoreAdjustment(ScoreAdjustment),
    /// Supersedes an earlier entry, with a reason.
    Correction(Correction),
    /// An evaluator accepts a finding with a reason; the finding stays in every report.
    Acknowledgement(Acknowledgement),
}

impl Event {
    /// This event's kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Genesis(_) => EventKind::Genesis,
            Event::Grant(_) => EventKind::Grant,
            Event::Revoke(_) => EventKind::Revoke,
            Event::RuleSetAdopted(_) => EventKind::RuleSetAdopted,
            Event::Staffing(_) => EventKind::Staffing,
            Event::Budget(_) => EventKind::Budget,
            Event::IndicatorTarget(_) => EventKind::IndicatorTarget,
            Event::IndicatorValue(_) => EventKind::IndicatorValue,
            Event::Fact(_) => EventKind::Fact,
            Event::Evidence(_) => EventKind::Evidence,
            Event::Claim(_) => EventKind::Claim,
            Event::ScoreAdjustment(_) => EventKind::ScoreAdjustment,
            Event::Correction(_) => EventKind::Correction,
            Event::Acknowledgement(_) => EventKind::Acknowledgement,
        }
    }

    /// The role needed to append this event. A correction carrying a replacement needs the
    /// replacement's role (an evaluator corrects an adjustment); a bare retraction needs
    /// recorder, or evaluator when it says it retracts an evaluator's entry.
    #[must_use]
    pub fn required_role(&self) -> Role {
        match self {
            Event::Correction(c) => match &c.replacement {
                Some(r) => r.required_role(),
                None => c.retracted_kind_role,
            },
            other => other.kind().required_role(),
        }
    }
}

/// A public key with the display name it was granted under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Ed25519 public key.
    pub public_key: [u8; 32],
    /// Display name (e.g. `张三 财务科`).
    pub name: String,
}

impl Principal {
    /// The key id of this principal's key.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.public_key)
    }
}

/// The first entry: who, which year, who administers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Department name, e.g. 广州市从化区人民政府办公室.
    pub department: String,
    /// Department code, if known.
    pub department_code: String,
    /// Fiscal year (calendar year in China).
    pub year: i32,
    /// Admin keys; the genesis author must be among them.
    pub admins: Vec<Principal>,
}

/// Role grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who receives the role.
    pub principal: Principal,
    /// The role.
    pub role: Role,
}

/// Role revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoke {
    /// Whose role ends.
    pub key_id: KeyId,
    /// The role.
    pub role: Role,
    /// Why.
    pub reason: String,
}

/// A rule set adopted for scoring. The text is kept whole so a recomputation needs nothing
/// but the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetAdopted {
    /// Rule set name from its file.
    pub name: String,
    /// Full TOML text.
    pub text: String,
    /// `blake3::derive_key("jixiao rules v1 digest", text)`; verify recomputes it.
    pub digest: [u8; 32],
}

/// Staffing of one category (e.g. 行政, 事业).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staffing {
    /// Category, e.g. `行政` (administrative) or `事业` (public institution).
    pub category: String,
    /// Establishment (编制).
    pub establishment: u32,
    /// Actual in post at the date (实有).
    pub actual: u32,
    /// Retired.
    pub retired: u32,
    /// Date the head count refers to.
    pub date: BizDate,
}

/// Fund source of a budget line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FundSource {
    /// 一般公共预算
    GeneralPublic,
    /// 政府性基金
    GovernmentFund,
    /// 财政专户
    SpecialAccount,
    /// 单位资金
    UnitFunds,
    /// 其他
    Other,
}

impl FundSource {
    /// All sources with their Chinese and import names.
    pub const ALL: [(FundSource, &'static str, &'static str); 5] = [
        (FundSource::GeneralPublic, "一般公共预算", "general_public"),
        (FundSource::GovernmentFund, "政府性基金", "government_fund"),
        (FundSource::SpecialAccount, "财政专户", "special_account"),
        (FundSource::UnitFunds, "单位资金", "unit_funds"),
        (FundSource::Other, "其他", "other"),
    ];

    /// Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        FundSource::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.1)
    }

    /// Snake-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        FundSource::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.2)
    }

    /// Parses the Chinese or snake-case name.
    #[must_use]
    pub fn parse(s: &str) -> Option<FundSource> {
        FundSource::ALL
            .iter()
            .find(|x| x.1 == s || x.2 == s)
            .map(|x| x.0)
    }
}

/// Expenditure type of a budget line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ExpenseType {
    /// 基本支出 where the staff/running split is not recorded.
    Basic,
    /// 人员经费 (basic: staff).
    BasicStaff,
    /// 公用经费 (basic: running costs).
    BasicRunning,
    /// 项目支出 (project).
    Project,
}

impl ExpenseType {
    /// All types with their Chinese and import names.
    pub const ALL: [(ExpenseType, &'static str, &'static str); 4] = [
        (ExpenseType::Basic, "基本支出", "basic"),
        (ExpenseType::BasicStaff, "人员经费", "basic_staff"),
        (ExpenseType::BasicRunning, "公用经费", "basic_running"),
        (ExpenseType::Project, "项目支出", "project"),
    ];

    /// Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        ExpenseType::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.1)
    }

    /// Snake-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        ExpenseType::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.2)
    }

    /// Parses the Chinese or snake-case name.
    #[must_use]
    pub fn parse(s: &str) -> Option<ExpenseType> {
        ExpenseType::ALL
            .iter()
            .find(|x| x.1 == s || x.2 == s)
            .map(|x| x.0)
    }
}

/// A budget line: fund source × expenditure type (× project).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BudgetLine {
    /// Where the money comes from.
    pub fund_source: FundSource,
    /// What it is spent on.
    pub expense_type: ExpenseType,
    /// Project id for project lines; empty otherwise.
    pub project: String,
}

/// What a budget amount is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BudgetKind {
    /// 年初预算: year-start appropriation.
    YearStart,
    /// 上年结转: carried in from the previous year (part of the full-year budget).
    CarryIn,
    /// 追加: in-year addition (needs an approval document number).
    AdjustAdd,
    /// 调减: in-year cut (amount positive; it reduces the line).
    AdjustCut,
    /// 调剂: reallocation into (+) or out of (−) this line (needs a document number).
    Reallocate,
    /// 支出: one payment, added to the executed amount.
    Execution,
    /// 累计支出: executed to date as of the business date; replaces the running figure.
    ExecutionCumulative,
    /// 结转下年: carried out to the next year.
    CarryOut,
    /// 上年预算数: the previous year's full-year budget on this line (for growth).
    PriorYearBudget,
    /// 上年执行数: the previous year's executed amount on this line.
    PriorYearExecuted,
}

impl BudgetKind {
    /// All kinds with their Chinese and import names.
    pub const ALL: [(BudgetKind, &'static str, &'static str); 10] = [
        (BudgetKind::YearStart, "年初预算", "year_start"),
        (BudgetKind::CarryIn, "上年结转", "carry_in"),
        (BudgetKind::AdjustAdd, "追加", "adjust_add"),
        (BudgetKind::AdjustCut, "调减", "adjust_cut"),
        (BudgetKind::Reallocate, "调剂", "reallocate"),
        (BudgetKind::Execution, "支出", "execution"),
        (
            BudgetKind::ExecutionCumulative,
            "累计支出",
            "execution_cumulative",
        ),
        (BudgetKind::CarryOut, "结转下年", "carry_out"),
        (
            BudgetKind::PriorYearBudget,
            "上年预算数",
            "prior_year_budget",
        ),
        (
            BudgetKind::PriorYearExecuted,
            "上年执行数",
            "prior_year_executed",
        ),
    ];

    /// Chinese name.
    #[must_use]
    pub fn zh(self) -> &'static str {
        BudgetKind::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.1)
    }

    /// Snake-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        BudgetKind::ALL
            .iter()
            .find(|x| x.0 == self)
            .map_or("", |x| x.2)
    }

    /// Parses the Chinese or snake-case name.
    #[must_use]
    pub fn parse(s: &str) -> Option<BudgetKind> {
        BudgetKind::ALL
            .iter()
            .find(|x| x.1 == s || x.2 == s)
            .map(|x| x.0)
    }

    /// Adjustments need an approval document number.
    #[must_use]
    pub fn needs_document(self) -> bool {
        matches!(
            self,
            BudgetKind::AdjustAdd | BudgetKind::AdjustCut | BudgetKind::Reallocate
        )
    }
}

/// An amount on a budget line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetEvent {
    /// The line.
    pub line: BudgetLine,
    /// What the amount is.
    pub kind: BudgetKind,
    /// Exact amount in yuan. Only `Reallocate` may be negative.
    pub amount: Money,
    /// Business date.
    pub date: BizDate,
    /// Approval document number (批文号), required for adjustments.
    pub document: String,
    /// Why.
    pub reason: String,
}

/// Direction of an indicator's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// `=`: equal to target.
    Equal,
    /// `≥`: at least the target (higher is better).
    AtLeast,
    /// `≤`: at most the target (lower is better).
    AtMost,
}

impl Direction {
    /// The symbol as printed in tables.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::Equal => "=",
            Direction::AtLeast => "≥",
            Direction::AtMost => "≤",
        }
    }

    /// Parses `=`, `>=`, `≥`, `<=`, `≤`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "=" | "==" => Some(Direction::Equal),
            ">=" | "≥" => Some(Direction::AtLeast),
            "<=" | "≤" => Some(Direction::AtMost),
            _ => None,
        }
    }
}

/// An indicator's definition and targets. The indicator id is a leaf id of the rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorTarget {
    /// Rule-set node id of the indicator.
    pub indicator: String,
    /// Name as printed in the table (Chinese).
    pub name: String,
    /// Target direction.
    pub direction: Direction,
    /// Unit, e.g. `%`, `次`, `份`.
    pub unit: String,
    /// Year-start target.
    pub year_start: Number,
    /// Adjusted target, if it was changed in year.
    pub adjusted: Option<Number>,
    /// Business date.
    pub date: BizDate,
}

/// An indicator's actual value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// Rule-set node id of the indicator.
    pub indicator: String,
    /// Actual value in the indicator's unit.
    pub value: Number,
    /// Business date the value refers to.
    pub date: BizDate,
    /// Reason for any deviation from target; empty if none.
    pub deviation_reason: String,
    /// Seqs of evidence entries supporting the value.
    pub evidence: Vec<Seq>,
}

/// A named count or amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Stable key, e.g. `docs.paper.in_district`.
    pub key: String,
    /// Description as in the source (Chinese).
    pub name: String,
    /// The value.
    pub value: Number,
    /// Unit, e.g. `份`, `场次`, `件`.
    pub unit: String,
    /// Business date.
    pub date: BizDate,
    /// Where it comes from (report section, table).
    pub source: String,
}

/// An evidence file, kept outside the ledger, pinned by its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// File name (without directories).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// blake3 (plain hash mode) of the file's bytes.
    pub blake3: [u8; 32],
    /// What it is.
    pub description: String,
}

/// A figure as the report states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Stable id, e.g. `budget.growth`.
    pub id: String,
    /// What is recomputed to check it: a reference resolved by the rule set
    /// (`score.NODE`, `total`, `derived.NAME`, `fact.KEY`, `budget.METRIC`).
    pub subject: String,
    /// The figure as printed, with its printed precision (`3.5` has scale 1).
    pub value: Number,
    /// Unit as printed: `%`, `万元`, `分`, `件`, ...
    pub unit: String,
    /// The sentence fragment verbatim from the report.
    pub text: String,
    /// The section it stands in, e.g. `一(三)`.
    pub section: String,
}

/// An evaluator's change to one node's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreAdjustment {
    /// Rule-set node id.
    pub node: String,
    /// Signed change in points.
    pub delta: Number,
    /// Why.
    pub reason: String,
    /// Basis (document, rule clause, report section).
    pub basis: String,
}

/// Supersedes an earlier entry. With a replacement, the replacement takes the earlier entry's
/// place; without, the earlier entry is retracted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The entry superseded.
    pub supersedes: Seq,
    /// Why.
    pub reason: String,
    /// The corrected event (same kind as the superseded one), or none for a retraction. Never
    /// a Correction, Genesis, Grant or Revoke: the decoder refuses those before reading them.
    #[serde(deserialize_with = "super::replacement::deserialize")]
    pub replacement: Option<Box<Event>>,
    /// For a retraction: the role the retracted entry's kind needs (checked against it).
    pub retracted_kind_role: Role,
}

/// Acceptance of a finding by an evaluator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The finding's id (the claim id it is about).
    pub finding: String,
    /// Why it is accepted.
    pub reason: String,
}
