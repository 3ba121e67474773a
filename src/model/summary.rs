//! One-line human summaries of events, for `log` and reports.

use super::Event;

impl Event {
    /// What the event is about, for filtering a log: the indicator id, fact key, claim id,
    /// node id or finding id (for a correction, its replacement's).
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        match self {
            Event::IndicatorTarget(t) => Some(&t.indicator),
            Event::IndicatorValue(v) => Some(&v.indicator),
            Event::Fact(f) => Some(&f.key),
            Event::Claim(c) => Some(&c.id),
            Event::ScoreAdjustment(a) => Some(&a.node),
            Event::Acknowledgement(a) => Some(&a.finding),
            Event::Staffing(s) => Some(&s.category),
            Event::Correction(c) => c.replacement.as_deref().and_then(Event::subject),
            _ => None,
        }
    }

    /// A one-line summary in the language of the records (Chinese names as recorded).
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Event::Genesis(g) => format!(
                "genesis: {} {} ({} admin key{})",
                g.department,
                g.year,
                g.admins.len(),
                if g.admins.len() == 1 { "" } else { "s" }
            ),
            Event::Grant(g) => format!(
                "grant {} to {} ({})",
                g.role,
                g.principal.name,
                g.principal.key_id()
            ),
            Event::Revoke(r) => format!("revoke {} from {}: {}", r.role, r.key_id, r.reason),
            Event::RuleSetAdopted(r) => format!(
                "rule set {} ({} bytes, digest {})",
                r.name,
                r.text.len(),
                hex::encode(&r.digest[..4])
            ),
            Event::Staffing(s) => format!(
                "staffing {}: establishment {}, actual {}, retired {}",
                s.category, s.establishment, s.actual, s.retired
            ),
            Event::Budget(b) => {
                let project = if b.line.project.is_empty() {
                    String::new()
                } else {
                    format!("/{}", b.line.project)
                };
                format!(
                    "budget {} {}/{}{}: {} 元 on {}",
                    b.kind.zh(),
                    b.line.fund_source.zh(),
                    b.line.expense_type.zh(),
                    project,
                    b.amount,
                    b.date
                )
            }
            Event::IndicatorTarget(t) => format!(
                "target {} {} {}{}{}",
                t.indicator,
                t.name,
                t.direction.symbol(),
                t.adjusted.unwrap_or(t.year_start),
                t.unit
            ),
            Event::IndicatorValue(v) => {
                format!("value {} = {} on {}", v.indicator, v.value, v.date)
            }
            Event::Fact(f) => format!("fact {} = {}{} ({})", f.key, f.value, f.unit, f.name),
            Event::Evidence(e) => format!(
                "evidence {} ({} bytes, blake3 {})",
                e.name,
                e.size,
                hex::encode(&e.blake3[..4])
            ),
            Event::Claim(c) => format!(
                "claim {} = {}{} [{}] «{}»",
                c.id, c.value, c.unit, c.section, c.text
            ),
            Event::ScoreAdjustment(a) => {
                format!("adjust {} by {}: {}", a.node, a.delta, a.reason)
            }
            Event::Correction(c) => match &c.replacement {
                Some(r) => format!("correct #{}: {} → {}", c.supersedes, c.reason, r.summary()),
                None => format!("retract #{}: {}", c.supersedes, c.reason),
            },
            Event::Acknowledgement(a) => format!("acknowledge finding {}: {}", a.finding, a.reason),
        }
    }
}
