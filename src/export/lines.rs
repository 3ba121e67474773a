//! The lines of an export (docs/JSON.md, "export"): their fields, in the order they are
//! written, and their strict reading (unknown or missing fields refused).
//!
//! Owns: those types. Must not: read or write a file.

use crate::ledger::{BatchRecord, KeyRecord, Recorded, Verified};
use crate::model::{Event, KeyId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The `format` of an export's first line.
pub const EXPORT_FORMAT: &str = "jixiao-export/1";

/// Line 1: the ledger as verified when exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLine {
    /// `"ledger"`.
    #[serde(rename = "type")]
    pub line: String,
    /// [`EXPORT_FORMAT`].
    pub format: String,
    /// The ledger format version (docs/FORMAT.md §1) of the entries.
    pub format_version: u16,
    /// 32 hex digits.
    pub ledger_id: String,
    /// Entry lines that follow.
    pub entries: u64,
    /// Batch lines.
    pub batches: u64,
    /// Key lines.
    pub keys: u64,
    /// Checkpoint lines.
    pub checkpoints: u64,
    /// Hash of the last entry (the genesis `prev` for an empty ledger), 64 hex digits.
    pub head: String,
    /// Merkle root over all entries, 64 hex digits.
    pub merkle_root: String,
}

impl HeaderLine {
    pub(super) fn new(
        v: &Verified,
        format_version: u16,
        batches: usize,
        keys: usize,
        checkpoints: usize,
    ) -> Self {
        let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        HeaderLine {
            line: "ledger".into(),
            format: EXPORT_FORMAT.into(),
            format_version,
            ledger_id: hex::encode(v.ledger_id),
            entries: v.size,
            batches: n(batches),
            keys: n(keys),
            checkpoints: n(checkpoints),
            head: v.head.to_hex(),
            merkle_root: hex::encode(v.root),
        }
    }
}

/// The batch an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// First seq of the batch.
    pub first: u64,
    /// Last seq of the batch (its batch line follows that entry's line).
    pub last: u64,
}

impl Span {
    pub(super) fn of(b: &BatchRecord) -> Span {
        Span {
            first: b.first,
            last: b.last,
        }
    }
}

/// One entry, as written (the event borrowed).
#[derive(Serialize)]
pub(super) struct EntryOut<'a> {
    #[serde(rename = "type")]
    line: &'static str,
    seq: u64,
    hash: String,
    stored: String,
    batch: Span,
    version: u16,
    prev: String,
    recorded_at: i64,
    author: String,
    kind: &'static str,
    event: &'a Event,
}

/// One entry, as read: its seq, entry hash, stored bytes (hex), batch, and the envelope and
/// event decoded from those bytes (FORMAT.md §3; `event` in serde's shape of the `Event`
/// enum: `{"Variant": {fields…}}`, money in fen, numbers as `[mantissa, scale]`, dates as
/// `[year, month, day]`, byte arrays as arrays of integers).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryLine {
    /// `"entry"`.
    #[serde(rename = "type")]
    pub line: String,
    /// Position.
    pub seq: u64,
    /// Entry hash (FORMAT.md §4), 64 hex digits.
    pub hash: String,
    /// The stored bytes, lower-case hex.
    pub stored: String,
    /// The batch it was signed in.
    pub batch: Span,
    /// Envelope `version`.
    pub version: u16,
    /// Envelope `prev`, 64 hex digits.
    pub prev: String,
    /// Envelope `recorded_at`, Unix seconds.
    pub recorded_at: i64,
    /// Envelope `author`, the key id in 16 hex digits.
    pub author: String,
    /// The event kind's name, as in `log --json`.
    pub kind: String,
    /// The event, as JSON text.
    pub event: Box<RawValue>,
}

impl<'a> EntryOut<'a> {
    pub(super) fn new(r: &'a Recorded, stored: &[u8], batch: Span) -> EntryOut<'a> {
        let e = &r.entry;
        EntryOut {
            line: "entry",
            seq: e.seq,
            hash: r.hash.to_hex(),
            stored: hex::encode(stored),
            batch,
            version: e.version,
            prev: e.prev.to_hex(),
            recorded_at: e.recorded_at,
            author: e.author.to_string(),
            kind: e.event.kind().name(),
            event: &e.event,
        }
    }
}

/// One signed batch (the `batches` table's row, FORMAT.md §2 and §5), after its last entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchLine {
    /// `"batch"`.
    #[serde(rename = "type")]
    pub line: String,
    /// First seq.
    pub first: u64,
    /// Last seq.
    pub last: u64,
    /// The signer's key id, 16 hex digits.
    pub author: String,
    /// Ed25519 signature over the batch message (FORMAT.md §5), 128 hex digits.
    pub signature: String,
}

impl BatchLine {
    pub(super) fn of(b: &BatchRecord) -> BatchLine {
        BatchLine {
            line: "batch".into(),
            first: b.first,
            last: b.last,
            author: b.author.to_string(),
            signature: hex::encode(b.signature),
        }
    }
}

/// One key of the registry after the last entry (derived from the history; the `keys` table,
/// FORMAT.md §6), in key-id order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyLine {
    /// `"key"`.
    #[serde(rename = "type")]
    pub line: String,
    /// 16 hex digits.
    pub key_id: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Display name in the registry.
    pub name: String,
    /// Roles held after the last entry, in the order admin, recorder, evaluator, auditor.
    pub roles: Vec<String>,
}

impl KeyLine {
    pub(super) fn of(k: &KeyRecord) -> KeyLine {
        KeyLine {
            line: "key".into(),
            key_id: KeyId::of(&k.principal.public_key).to_string(),
            public_key: hex::encode(k.principal.public_key),
            name: k.principal.name.clone(),
            roles: k.roles.iter().map(|r| r.name().to_string()).collect(),
        }
    }
}

/// One checkpoint kept in the file (FORMAT.md §9.4), in tree-size order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointLine {
    /// `"checkpoint"`.
    #[serde(rename = "type")]
    pub line: String,
    /// Tree size (the table key).
    pub size: u64,
    /// The signed note, verbatim.
    pub text: String,
}

impl CheckpointLine {
    pub(super) fn new(size: u64, text: String) -> CheckpointLine {
        CheckpointLine {
            line: "checkpoint".into(),
            size,
            text,
        }
    }
}

/// Just the `type` of a line, read before the line itself.
#[derive(Deserialize)]
pub(super) struct LineType {
    #[serde(rename = "type")]
    pub line: String,
}
