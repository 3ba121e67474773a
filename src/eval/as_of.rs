//! A point of history on two axes (docs/TIME.md): the recording axis (`--known-at`: the
//! ledger as it stood after a seq or at a recorded time) and the business axis (`--as-of`:
//! the period up to a business date), and which events a business date keeps in view.
//!
//! Owns: the [`AsOf`] type, its JSON form and the business date of each kind of event. Must
//! not: apply entries to a state (that is [`super::replay`]) or read the ledger.

use crate::model::{BizDate, Event, EventKind, Seq};
use serde::Serialize;

/// A point on the recording axis: how much of the ledger is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownAt {
    /// Entries with seq ≤ n.
    Seq(Seq),
    /// Entries recorded at or before this time (Unix seconds). Recorded times never go
    /// backwards, so these are a prefix of the ledger.
    Time(i64),
}

impl KnownAt {
    /// Is the entry at `seq`, recorded at `recorded_at`, known at this point?
    #[must_use]
    pub fn includes(self, seq: Seq, recorded_at: i64) -> bool {
        match self {
            KnownAt::Seq(n) => seq <= n,
            KnownAt::Time(t) => recorded_at <= t,
        }
    }
}

/// The point of history to replay to: how much of the ledger is read (the recording axis)
/// and up to which business date the scorecard speaks (the business axis). Each variant is
/// the only way to state its point, so equal points compare equal.
///
/// JSON: `{"kind": "latest"}`, `{"kind": "seq", "at": 41}`,
/// `{"kind": "time", "at": "2023-01-31T00:00:00Z"}`, `{"kind": "date", "at": "2022-06-30"}`,
/// and for both axes `{"kind": "date", "at": "2022-06-30", "known_at": {"kind": "seq", "at": 41}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// Every entry, every business date.
    Latest,
    /// The ledger as it stood after seq n, every business date (`--known-at 41`).
    Seq(Seq),
    /// The ledger as it stood at a recorded time (Unix seconds), every business date.
    Time(i64),
    /// Every entry, the period up to a business date (`--as-of 2022-06-30`).
    ///
    /// Events with a date of their own (staffing, budget, targets, values, facts) count if
    /// that date is on or before it. Statements about the period (claims, score adjustments,
    /// acknowledgements, evidence) count by their recorded-at UTC date, but one recorded after
    /// the fiscal year closed counts as of the year's last day: it speaks of the year. The
    /// ledger's own events (genesis, grants, rule sets) always count, so the rule set in
    /// force is the latest one adopted. A correction of dated data always applies (its
    /// replacement counts if its own date is in range); a correction of a statement counts
    /// as a statement.
    Date(BizDate),
    /// Both axes: the ledger as it stood then, the period up to the date.
    Both(KnownAt, BizDate),
}

impl AsOf {
    /// The point with these axes (`None`: all of it).
    #[must_use]
    pub fn new(known_at: Option<KnownAt>, date: Option<BizDate>) -> AsOf {
        match (known_at, date) {
            (None, None) => AsOf::Latest,
            (Some(KnownAt::Seq(n)), None) => AsOf::Seq(n),
            (Some(KnownAt::Time(t)), None) => AsOf::Time(t),
            (None, Some(d)) => AsOf::Date(d),
            (Some(k), Some(d)) => AsOf::Both(k, d),
        }
    }

    /// The recording axis: how much of the ledger is read (`None`: every entry).
    #[must_use]
    pub fn known_at(self) -> Option<KnownAt> {
        match self {
            AsOf::Latest | AsOf::Date(_) => None,
            AsOf::Seq(n) => Some(KnownAt::Seq(n)),
            AsOf::Time(t) => Some(KnownAt::Time(t)),
            AsOf::Both(k, _) => Some(k),
        }
    }

    /// The business axis: the last business date in view (`None`: every date).
    #[must_use]
    pub fn date(self) -> Option<BizDate> {
        match self {
            AsOf::Date(d) | AsOf::Both(_, d) => Some(d),
            _ => None,
        }
    }

    /// Is the entry at `seq`, recorded at `recorded_at`, read at this point?
    #[must_use]
    pub fn knows(self, seq: Seq, recorded_at: i64) -> bool {
        self.known_at().is_none_or(|k| k.includes(seq, recorded_at))
    }
}

/// `2023-01-31T00:00:00Z` for Unix seconds (the number itself if out of range).
#[must_use]
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

fn known_entry<M: serde::ser::SerializeMap>(m: &mut M, k: KnownAt) -> Result<(), M::Error> {
    match k {
        KnownAt::Seq(n) => {
            m.serialize_entry("kind", "seq")?;
            m.serialize_entry("at", &n)
        }
        KnownAt::Time(t) => {
            m.serialize_entry("kind", "time")?;
            m.serialize_entry("at", &rfc3339(t))
        }
    }
}

struct KnownJson(KnownAt);

impl Serialize for KnownJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        known_entry(&mut m, self.0)?;
        m.end()
    }
}

impl Serialize for AsOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            AsOf::Latest => m.serialize_entry("kind", "latest")?,
            AsOf::Seq(n) => known_entry(&mut m, KnownAt::Seq(*n))?,
            AsOf::Time(t) => known_entry(&mut m, KnownAt::Time(*t))?,
            AsOf::Date(d) | AsOf::Both(_, d) => {
                m.serialize_entry("kind", "date")?;
                m.serialize_entry("at", &d.to_string())?;
                if let AsOf::Both(k, _) = self {
                    m.serialize_entry("known_at", &KnownJson(*k))?;
                }
            }
        }
        m.end()
    }
}

/// How a business date decides whether an event of a kind is in view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dating {
    /// By the event's own date ([`own_date`]).
    Own,
    /// A statement about the period: by its recorded-at date, at most the fiscal year's end.
    Statement,
    /// The ledger's own events: always.
    Always,
}

/// How events of kind `k` are dated.
pub(super) fn dating(k: EventKind) -> Dating {
    match k {
        EventKind::Genesis | EventKind::Grant | EventKind::Revoke | EventKind::RuleSetAdopted => {
            Dating::Always
        }
        EventKind::Staffing
        | EventKind::Budget
        | EventKind::IndicatorTarget
        | EventKind::IndicatorValue
        | EventKind::Fact => Dating::Own,
        _ => Dating::Statement,
    }
}

/// The date of an event of a kind dated [`Dating::Own`].
pub(super) fn own_date(ev: &Event) -> Option<BizDate> {
    match ev {
        Event::Staffing(s) => Some(s.date),
        Event::Budget(b) => Some(b.date),
        Event::IndicatorTarget(t) => Some(t.date),
        Event::IndicatorValue(v) => Some(v.date),
        Event::Fact(f) => Some(f.date),
        _ => None,
    }
}

/// The business date of a statement recorded on `recorded_on` in a ledger of fiscal year
/// `year` (if known): the recorded date, or the year's last day if it was recorded after.
pub(super) fn statement_date(recorded_on: BizDate, year: Option<i32>) -> BizDate {
    let end = year.and_then(|y| BizDate::from_ymd(y, 12, 31));
    match end {
        Some(e) if recorded_on > e => e,
        _ => recorded_on,
    }
}
