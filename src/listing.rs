//! What `log` lists: each entry (optionally only those about one subject, and corrections of
//! those) marked verified or not, and the checkpoints the file keeps.
//!
//! Owns: choosing and describing the entries and checkpoints listed, and which are marked
//! unverified (from the first seq at which the integrity check fails). Must not: print (the
//! caller formats each line, as text or JSON), or decide the exit code.

use crate::ledger::{Failure, Ledger, LedgerError, Recorded, SignedCheckpoint};
use crate::model::{Event, KeyId, Seq};
use std::collections::BTreeSet;

/// One entry as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its seq.
    pub seq: Seq,
    /// When it was appended (Unix seconds).
    pub recorded_at: i64,
    /// Its author's key id.
    pub author: KeyId,
    /// The author's name in the key registry (the key id if unknown).
    pub author_name: String,
    /// The event kind's stable name.
    pub kind: &'static str,
    /// One-line summary.
    pub summary: String,
    /// The entry hash, hex.
    pub hash: String,
    /// The short hash shown in text.
    pub short: String,
    /// Before the first failing seq of the integrity check.
    pub verified: bool,
}

/// A checkpoint the file keeps, as listed (not checked: `verify --checkpoint` checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCheckpoint {
    /// Entries covered.
    pub size: u64,
    /// The Merkle root, hex, or `(unreadable: …)` for a text that does not parse.
    pub root: String,
    /// Names in its signature lines.
    pub signed_by: Vec<String>,
}

/// Calls `each` for every entry of `ledger` in seq order (with `subject`, only those about it
/// or below it and corrections of those; with `known`, only those known at that point of the
/// recording axis, docs/TIME.md), then returns the checkpoints (none with `subject`)
/// and the integrity failure, if any: entries from its seq on are `verified: false`.
pub fn list<E: From<LedgerError>>(
    ledger: &Ledger,
    subject: Option<&str>,
    known: Option<crate::eval::KnownAt>,
    mut each: impl FnMut(Listed) -> Result<(), E>,
) -> Result<(Vec<ListedCheckpoint>, Option<Failure>), E> {
    // The listing shows what the file holds; whether it can be trusted is verify's answer,
    // taken first so that entries from the first failing seq on are marked.
    let failure = ledger.verify(&mut |_| {}).err();
    let bad_from = failure.as_ref().map(|f| f.seq.unwrap_or(Seq::MAX));
    let authority = ledger.authority()?;
    let mut shown = BTreeSet::new();
    ledger.scan(1, |r: Recorded| -> Result<(), E> {
        let e = &r.entry;
        if known.is_some_and(|k| !k.includes(e.seq, e.recorded_at)) {
            return Ok(());
        }
        if let Some(want) = subject {
            let direct = e.event.is_about(want);
            let corrects_shown =
                matches!(&e.event, Event::Correction(c) if shown.contains(&c.supersedes));
            if !(direct || corrects_shown) {
                return Ok(());
            }
            shown.insert(e.seq);
        }
        each(Listed {
            seq: e.seq,
            recorded_at: e.recorded_at,
            author: e.author,
            author_name: authority.name_of(e.author),
            kind: e.event.kind().name(),
            summary: e.event.summary(),
            hash: r.hash.to_hex(),
            short: r.hash.short(),
            verified: bad_from.is_none_or(|b| e.seq < b),
        })
    })?;
    let checkpoints = if subject.is_some() {
        Vec::new()
    } else {
        ledger
            .checkpoints()?
            .into_iter()
            .map(|(size, text)| match SignedCheckpoint::parse(&text) {
                Ok(cp) => ListedCheckpoint {
                    size,
                    root: hex::encode(cp.checkpoint.root),
                    signed_by: cp.signatures.iter().map(|s| s.name.clone()).collect(),
                },
                Err(e) => ListedCheckpoint {
                    size,
                    root: format!("(unreadable: {e})"),
                    signed_by: Vec::new(),
                },
            })
            .collect()
    };
    Ok((checkpoints, failure))
}
