//! Builders for eval tests: events and an in-memory list of recorded entries.
#![allow(dead_code, missing_docs, clippy::new_without_default)]

use jixiao::eval::{AsOf, Replay, State};
use jixiao::ledger::{ENVELOPE_VERSION, Entry, EntryHash, Recorded};
use jixiao::model::*;
use rust_decimal::Decimal;
use std::str::FromStr;

pub const RULES: &str = include_str!("../fixtures/conghua-2022/rules.toml");

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
pub fn n(s: &str) -> Number {
    s.parse().unwrap()
}
pub fn date(s: &str) -> BizDate {
    s.parse().unwrap()
}

/// 2022-12-31T00:00:00Z
pub const YEAR_END: i64 = 1_672_444_800;
pub const DAY: i64 = 86_400;

pub struct Ledger {
    pub entries: Vec<Recorded>,
    pub now: i64,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl Ledger {
    pub fn new() -> Ledger {
        let mut l = Ledger {
            entries: Vec::new(),
            now: YEAR_END,
        };
        l.push(Event::Genesis(Genesis {
            department: "广州市从化区人民政府办公室".into(),
            department_code: String::new(),
            year: 2022,
            admins: vec![Principal {
                public_key: [7; 32],
                name: "admin".into(),
            }],
        }));
        l
    }

    pub fn push(&mut self, ev: Event) -> Seq {
        let at = self.now;
        self.push_at(ev, at)
    }

    pub fn push_at(&mut self, event: Event, recorded_at: i64) -> Seq {
        let seq = self.entries.len() as u64 + 1;
        let prev = self.entries.last().map_or(EntryHash::default(), |r| r.hash);
        let entry = Entry {
            version: ENVELOPE_VERSION,
            seq,
            prev,
            recorded_at,
            author: KeyId([1; 8]),
            event,
        };
        let hash = EntryHash::of_stored(&entry.encode());
        self.entries.push(Recorded { entry, hash });
        seq
    }

    pub fn replay(&self, as_of: AsOf) -> State {
        replay(&self.entries, as_of)
    }
}

pub fn replay(entries: &[Recorded], as_of: AsOf) -> State {
    let mut r = Replay::new(as_of);
    for e in entries {
        r.apply(e).unwrap();
    }
    r.finish()
}

pub fn rules(text: &str) -> Event {
    Event::RuleSetAdopted(RuleSetAdopted {
        name: "test".into(),
        text: text.into(),
        digest: jixiao::rules::digest(text),
    })
}

pub fn line(expense: ExpenseType) -> BudgetLine {
    BudgetLine {
        fund_source: FundSource::GeneralPublic,
        expense_type: expense,
        project: String::new(),
    }
}

pub fn budget(expense: ExpenseType, kind: BudgetKind, amount: &str, on: &str) -> Event {
    Event::Budget(BudgetEvent {
        line: line(expense),
        kind,
        amount: amount.parse().unwrap(),
        date: date(on),
        document: if kind.needs_document() {
            "从财预〔2022〕1号".into()
        } else {
            String::new()
        },
        reason: String::new(),
    })
}

pub fn fact(key: &str, value: &str, unit: &str) -> Event {
    fact_on(key, value, unit, "2022-12-31")
}

pub fn fact_on(key: &str, value: &str, unit: &str, on: &str) -> Event {
    Event::Fact(Fact {
        key: key.into(),
        name: key.into(),
        value: n(value),
        unit: unit.into(),
        date: date(on),
        source: "二(四)".into(),
    })
}

pub fn target(ind: &str, dir: Direction, unit: &str, v: &str) -> Event {
    Event::IndicatorTarget(IndicatorTarget {
        indicator: ind.into(),
        name: ind.into(),
        direction: dir,
        unit: unit.into(),
        year_start: n(v),
        adjusted: None,
        date: date("2022-01-01"),
    })
}

pub fn value(ind: &str, v: &str) -> Event {
    Event::IndicatorValue(IndicatorValue {
        indicator: ind.into(),
        value: n(v),
        date: date("2022-12-31"),
        deviation_reason: String::new(),
        evidence: vec![],
    })
}

pub fn adjust(node: &str, delta: &str, reason: &str) -> Event {
    Event::ScoreAdjustment(ScoreAdjustment {
        node: node.into(),
        delta: n(delta),
        reason: reason.into(),
        basis: "自评报告 三".into(),
    })
}

pub fn claim(id: &str, subject: &str, v: &str, unit: &str) -> Event {
    Event::Claim(Claim {
        id: id.into(),
        subject: subject.into(),
        value: n(v),
        unit: unit.into(),
        text: format!("{v}{unit}"),
        section: "一(三)".into(),
    })
}

pub fn ack(finding: &str, reason: &str) -> Event {
    Event::Acknowledgement(Acknowledgement {
        finding: finding.into(),
        reason: reason.into(),
    })
}

pub fn correct(supersedes: Seq, replacement: Option<Event>, reason: &str) -> Event {
    Event::Correction(Correction {
        supersedes,
        reason: reason.into(),
        replacement: replacement.map(Box::new),
        retracted_kind_role: Role::Recorder,
    })
}

/// Seqs of the interesting entries of [`conghua`].
pub struct Seqs {
    pub rules: Seq,
    pub year_start_staff: Seq,
    pub cumulative_june: Seq,
    pub payment_dec: Seq,
    pub archive_value: Seq,
    pub archive_target: Seq,
    pub targets_value: Seq,
    pub adjustment: Seq,
    pub growth_claim: Seq,
}

/// The Conghua 2022 case in events: every indicator met, every amount executed, the one
/// evaluator adjustment of −0.04 on target quality, and the report's headline claims.
pub fn conghua() -> (Ledger, Seqs) {
    use BudgetKind::*;
    use ExpenseType::*;
    let mut l = Ledger::new();
    let rules_seq = l.push(rules(RULES));
    // Budget: 1923.65万元 = 1500万 staff + 423.65万 running; prior year 1856.39万.
    let ys = l.push(budget(BasicStaff, YearStart, "1500万元", "2022-01-01"));
    l.push(budget(BasicRunning, YearStart, "423.65万元", "2022-01-01"));
    l.push(budget(
        BasicStaff,
        PriorYearBudget,
        "1450万元",
        "2022-01-01",
    ));
    l.push(budget(
        BasicRunning,
        PriorYearBudget,
        "406.39万元",
        "2022-01-01",
    ));
    l.push(budget(BasicStaff, Execution, "300万元", "2022-03-31"));
    let cum = l.push(budget(
        BasicStaff,
        ExecutionCumulative,
        "750万元",
        "2022-06-30",
    ));
    l.push(budget(BasicStaff, Execution, "750万元", "2022-11-30"));
    l.push(budget(BasicRunning, Execution, "200万元", "2022-06-30"));
    let pay = l.push(budget(BasicRunning, Execution, "223.65万元", "2022-12-20"));
    // Indicators.
    use Direction::*;
    let mut archive_value = 0;
    let mut archive_target = 0;
    let mut targets_value = 0;
    for (id, dir, unit, t, v) in [
        ("mgmt.fin.rules", AtLeast, "%", "80", "100"),
        ("mgmt.fin.disclosure", AtLeast, "%", "80", "100"),
        ("mgmt.proc.compliance", AtLeast, "%", "80", "100"),
        ("mgmt.asset.compliance", AtLeast, "%", "80", "100"),
        ("mgmt.perf.targets", AtLeast, "%", "80", "100"),
        ("mgmt.perf.self_eval", AtLeast, "%", "80", "100"),
        ("perf.output.quantity.archive", AtLeast, "%", "100", "100"),
        ("perf.output.quantity.events", AtLeast, "%", "100", "100"),
        (
            "perf.output.quantity.gov_report",
            AtLeast,
            "%",
            "100",
            "100",
        ),
        (
            "perf.output.quality.supervision",
            AtLeast,
            "%",
            "100",
            "100.0",
        ),
        ("perf.output.quality.archive_loss", AtMost, "份", "0", "0"),
        ("perf.benefit.foreign_complaints", AtMost, "次", "0", "0"),
        ("perf.satisfaction.overall", AtLeast, "%", "90", "100"),
    ] {
        let ts = l.push(target(id, dir, unit, t));
        let vs = l.push(value(id, v));
        if id == "perf.output.quantity.archive" {
            archive_value = vs;
            archive_target = ts;
        }
        if id == "mgmt.perf.targets" {
            targets_value = vs;
        }
    }
    l.push(fact("fin.breaches", "0", "次"));
    l.push(fact_on("perf.monitoring_count", "1", "次", "2022-07-15"));
    l.push(fact("hotline.tickets", "54906", "件"));
    l.push(fact("hotline.on_time", "54849", "件"));
    l.push(fact("meetings.higher_level", "922", "场"));
    l.push(fact("meetings.district", "665", "场"));
    let adj = l.push(adjust(
        "mgmt.perf.targets",
        "-0.04",
        "绩效目标设置不够规范、不够清晰",
    ));
    l.push(claim("score.total", "score.total", "99.96", "分"));
    l.push(claim("score.mgmt", "score.mgmt", "49.96", "分"));
    l.push(claim("score.perf", "score.perf", "50", "分"));
    l.push(claim(
        "budget.full_year",
        "budget.full_year",
        "1923.65",
        "万元",
    ));
    l.push(claim(
        "budget.growth_amount",
        "budget.growth_amount",
        "67.26",
        "万元",
    ));
    let growth = l.push(claim("budget.growth", "budget.growth_rate", "3.5", "%"));
    l.push(claim(
        "budget.execution_rate",
        "budget.execution_rate",
        "100",
        "%",
    ));
    l.push(claim(
        "hotline.on_time_rate",
        "derived.hotline.on_time_rate",
        "99.9",
        "%",
    ));
    l.push(claim(
        "meetings.total",
        "derived.meetings.total",
        "1587",
        "场",
    ));
    (
        l,
        Seqs {
            rules: rules_seq,
            year_start_staff: ys,
            cumulative_june: cum,
            payment_dec: pay,
            archive_value,
            archive_target,
            targets_value,
            adjustment: adj,
            growth_claim: growth,
        },
    )
}
