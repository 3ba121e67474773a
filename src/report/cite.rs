//! Citations: `#41·3fa2c1` for one entry, and the details of every cited entry (author,
//! time, kind, summary, reason) read from the ledger once and cached, for the evidence table.
//! Bounded citations: a figure built from many entries cites them as groups, one per kind of
//! entry and budget line (`#4–#60003: 20,000 支出 entries on 一般公共预算/基本支出, Σ 1923.65
//! 万元`), with the `log --subject` that lists them, so a report stays readable whatever the
//! ledger's size; `--citations all` cites every entry.
//!
//! Owns: what a citation, a group and an evidence row say, when a figure is summarised and
//! which entries stay cited one by one. Must not: decide which entries a figure cites (the
//! report model does), format for an output, or write anything.

use super::lang::Lang;
use crate::eval::SeqSet;
use crate::ledger::Ledger;
use crate::model::{BudgetKind, BudgetLine, Event, Money, Seq};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// A citation of one entry: `#41·3fa2c1` (seq and first 6 hex digits of its hash).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cite {
    /// Entry seq.
    pub seq: Seq,
    /// First 6 hex digits of the entry hash (`??????` if the entry cannot be read).
    pub hash: String,
}

impl std::fmt::Display for Cite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}·{}", self.seq, self.hash)
    }
}

/// One cited entry, as listed in the evidence table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryDetail {
    /// Entry seq.
    pub seq: Seq,
    /// Full entry hash, lower-case hex (empty if unreadable).
    pub hash: String,
    /// First 6 hex digits.
    pub short: String,
    /// Author's name from the key registry (or key id).
    pub author: String,
    /// Recorded-at time, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub recorded_at: String,
    /// Event kind (stable snake-case name).
    pub kind: String,
    /// One-line summary of the event.
    pub summary: String,
    /// The reason recorded with the event, if it has one.
    pub reason: Option<String>,
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn format_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t).map_or_else(
        |_| t.to_string(),
        |d| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        },
    )
}

/// Reads entry details from the ledger, caching them.
pub struct Entries<'a> {
    pub(super) ledger: &'a Ledger,
    names: BTreeMap<crate::model::KeyId, String>,
    cache: BTreeMap<Seq, EntryDetail>,
    pub(super) citations: Citations,
    pub(super) classes: BTreeMap<Seq, (usize, Option<Money>)>,
    pub(super) keys: Vec<GroupKey>,
    pub(super) groups: BTreeSet<CiteGroup>,
    pub(super) paid: Vec<PaidLine>,
}

impl<'a> Entries<'a> {
    /// A reader over `ledger`, naming authors from its key registry.
    #[must_use]
    pub fn new(ledger: &'a Ledger) -> Entries<'a> {
        let names = ledger
            .authority()
            .map(|a| {
                a.records()
                    .map(|r| (r.principal.key_id(), r.principal.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Entries {
            ledger,
            names,
            cache: BTreeMap::new(),
            citations: Citations::All,
            classes: BTreeMap::new(),
            keys: Vec::new(),
            groups: BTreeSet::new(),
            paid: Vec::new(),
        }
    }

    /// The same reader citing under `c` (a new reader cites every entry).
    #[must_use]
    pub fn citing(mut self, c: Citations) -> Entries<'a> {
        self.citations = c;
        self
    }

    /// Details of the entry at `seq` (a placeholder row if it cannot be read).
    pub fn detail(&mut self, seq: Seq) -> EntryDetail {
        if let Some(d) = self.cache.get(&seq) {
            return d.clone();
        }
        let d = match self.ledger.entry(seq) {
            Ok(Some(r)) => EntryDetail {
                seq,
                hash: r.hash.to_hex(),
                short: r.hash.short(),
                author: self
                    .names
                    .get(&r.entry.author)
                    .cloned()
                    .unwrap_or_else(|| r.entry.author.to_string()),
                recorded_at: format_time(r.entry.recorded_at),
                kind: r.entry.event.kind().name().to_string(),
                summary: r.entry.event.summary(),
                reason: reason_of(&r.entry.event),
            },
            Ok(None) | Err(_) => EntryDetail {
                seq,
                hash: String::new(),
                short: "??????".into(),
                author: String::new(),
                recorded_at: String::new(),
                kind: String::new(),
                summary: "(entry cannot be read)".into(),
                reason: None,
            },
        };
        self.cache.insert(seq, d.clone());
        d
    }

    /// The citation of `seq`.
    pub fn cite(&mut self, seq: Seq) -> Cite {
        let d = self.detail(seq);
        Cite { seq, hash: d.short }
    }

    /// Citations of every seq in `s`, ascending.
    pub fn cites(&mut self, s: &SeqSet) -> Vec<Cite> {
        s.iter().map(|q| self.cite(q)).collect()
    }

    /// Every entry read so far, by seq.
    #[must_use]
    pub fn into_details(self) -> Vec<EntryDetail> {
        self.cache.into_values().collect()
    }

    /// Every entry cited one by one, by seq, and every group cited, ascending.
    #[must_use]
    pub fn into_evidence(self) -> (Vec<EntryDetail>, Vec<CiteGroup>) {
        (
            self.cache.into_values().collect(),
            self.groups.into_iter().collect(),
        )
    }
}

fn reason_of(ev: &Event) -> Option<String> {
    let r = match ev {
        Event::Revoke(r) => r.reason.clone(),
        Event::Budget(b) => b.reason.clone(),
        Event::IndicatorValue(v) => v.deviation_reason.clone(),
        Event::ScoreAdjustment(a) => a.reason.clone(),
        Event::Correction(c) => c.reason.clone(),
        Event::Acknowledgement(a) => a.reason.clone(),
        _ => String::new(),
    };
    (!r.is_empty()).then_some(r)
}

/// A figure citing more entries than this is summarised (in [`Citations::Bounded`]).
pub const CITE_LIMIT: u64 = 20;

/// In a summarised figure, a group of fewer entries than this is cited entry by entry.
pub const GROUP_MIN: u64 = 4;

/// How figures cite their entries (`report --citations bounded|all`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Citations {
    /// Figures citing more than [`CITE_LIMIT`] entries cite groups (the default).
    #[default]
    Bounded,
    /// Every figure cites every entry.
    All,
}

impl Citations {
    /// `bounded` or `all`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Citations> {
        match s {
            "bounded" => Some(Citations::Bounded),
            "all" => Some(Citations::All),
            _ => None,
        }
    }
}

/// Entries of one kind on one budget line cited as one range. Only entries on a budget line
/// (budget events and corrections of them: payments are what grows with a ledger) are
/// grouped; a summarised figure still cites every other entry one by one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CiteGroup {
    /// First seq.
    pub from: Seq,
    /// Last seq.
    pub to: Seq,
    /// Number of entries (those between `from` and `to` of this kind and line, that the
    /// figure cites).
    pub count: u64,
    /// Entry kind (`budget`, `correction`, ...).
    pub kind: String,
    /// Budget kind, snake-case (`execution`), for budget entries and corrections of them.
    pub budget_kind: Option<String>,
    /// Budget line, `一般公共预算/基本支出[/PROJECT]`.
    pub line: Option<String>,
    /// What `jixiao log LEDGER --subject …` takes to list them (`budget:…`), if anything.
    pub subject: Option<String>,
    /// Σ of the recorded amounts in 万元, 2 decimals (budget entries only).
    pub sum: Option<String>,
    /// Σ exact, in yuan.
    pub sum_exact: Option<String>,
}

impl CiteGroup {
    /// `#4–#60003`.
    #[must_use]
    pub fn range(&self) -> String {
        format!("#{}–#{}", self.from, self.to)
    }

    /// The group in words: `#4–#60003: 20,000 execution entries on 一般公共预算/基本支出, Σ
    /// 1923.65 万元 (jixiao log LEDGER --subject budget:…)`; in Chinese `#4–#60003:
    /// 一般公共预算/基本支出 支出 20,000 条, 合计 1923.65 万元 (…)`.
    #[must_use]
    pub fn words(&self, l: Lang) -> String {
        let what = match (&self.budget_kind, l) {
            (Some(k), Lang::Zh) => {
                let zh = BudgetKind::parse(k).map_or_else(|| k.clone(), |b| b.zh().to_string());
                if self.kind == "budget" {
                    zh.to_string()
                } else {
                    format!("{} ({zh})", self.kind)
                }
            }
            (Some(k), Lang::En) if self.kind == "budget" => k.clone(),
            (Some(k), Lang::En) => format!("{} ({k})", self.kind),
            (None, _) => self.kind.clone(),
        };
        let count = thousands(self.count);
        let mut s = match (l, &self.line) {
            (Lang::Zh, Some(line)) => format!("{}: {line} {what} {count} 条", self.range()),
            (Lang::Zh, None) => format!("{}: {what} {count} 条", self.range()),
            (Lang::En, Some(line)) => format!("{}: {count} {what} entries on {line}", self.range()),
            (Lang::En, None) => format!("{}: {count} {what} entries", self.range()),
        };
        if let Some(sum) = &self.sum {
            s.push_str(&format!(", {} {sum} 万元", l.pick("合计", "Σ")));
        }
        if let Some(subject) = &self.subject {
            s.push_str(&format!(" (jixiao log LEDGER --subject {subject})"));
        }
        s
    }
}

/// `333334` → `333,334`.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One citation of a figure: an entry, or a group of entries.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CiteItem {
    /// `{"seq": 41, "hash": "3fa2c1"}`.
    Entry(Cite),
    /// `{"group": {...}}` (boxed: a figure may cite every payment one by one, and each item
    /// then costs no more than a [`Cite`]).
    Group(Box<CiteGroup>),
}

impl CiteItem {
    /// The first seq it cites.
    #[must_use]
    pub fn first(&self) -> Seq {
        match self {
            CiteItem::Entry(c) => c.seq,
            CiteItem::Group(g) => g.from,
        }
    }
}

impl Serialize for CiteItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wrapped<'a> {
            group: &'a CiteGroup,
        }
        match self {
            CiteItem::Entry(c) => c.serialize(s),
            CiteItem::Group(g) => Wrapped { group: g.as_ref() }.serialize(s),
        }
    }
}

/// What grouping needs of one entry: its group key and amount.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct GroupKey {
    pub(super) kind: &'static str,
    pub(super) budget_kind: Option<BudgetKind>,
    pub(super) line: Option<BudgetLine>,
}

/// Payments the replay summed by line and date, untouched by corrections
/// ([`crate::eval::State::plain_payment_days`]): what a figure built from many payments is
/// mostly made of. Kept by [`Entries`]; built and used by grouping.rs.
pub(super) struct PaidLine {
    pub(super) key: GroupKey,
    /// Every plain payment of the line, and their Σ.
    pub(super) all: PaidSet,
    /// The same by business date.
    pub(super) days: Vec<PaidSet>,
}

/// Plain payments and their Σ (none if it overflowed).
pub(super) struct PaidSet {
    pub(super) seqs: SeqSet,
    pub(super) amount: Option<Money>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_format_exactly() {
        let c = Cite {
            seq: 41,
            hash: "3fa2c1".into(),
        };
        assert_eq!(c.to_string(), "#41·3fa2c1");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn counts_have_separators_and_items_serialise_as_documented() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(333_334), "333,334");
        assert_eq!(thousands(1_000_003), "1,000,003");
        let g = CiteGroup {
            from: 4,
            to: 9,
            count: 5,
            kind: "budget".into(),
            budget_kind: Some("execution".into()),
            line: Some("一般公共预算/基本支出".into()),
            subject: Some("budget:一般公共预算/基本支出".into()),
            sum: Some("1.00".into()),
            sum_exact: Some("10000.00".into()),
        };
        let v = serde_json::to_value(CiteItem::Group(Box::new(g.clone()))).unwrap();
        assert_eq!(v["group"]["count"], 5);
        assert_eq!(
            g.words(Lang::En),
            "#4–#9: 5 execution entries on 一般公共预算/基本支出, Σ 1.00 万元 (jixiao log LEDGER --subject budget:一般公共预算/基本支出)"
        );
        let c = serde_json::to_value(CiteItem::Entry(Cite {
            seq: 3,
            hash: "abcdef".into(),
        }))
        .unwrap();
        assert_eq!(c, serde_json::json!({"seq": 3, "hash": "abcdef"}));
    }
}
