//! Citations: `#41·3fa2c1` for one entry, and the details of every cited entry (author,
//! time, kind, summary, reason) read from the ledger once and cached, for the evidence table.
//!
//! Owns: what a citation and an evidence row say. Must not: decide which entries a figure
//! cites (the report model does), format for an output, or write anything.

use crate::eval::SeqSet;
use crate::ledger::Ledger;
use crate::model::{Event, Seq};
use serde::Serialize;
use std::collections::BTreeMap;

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
    ledger: &'a Ledger,
    names: BTreeMap<crate::model::KeyId, String>,
    cache: BTreeMap<Seq, EntryDetail>,
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
        }
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
}
