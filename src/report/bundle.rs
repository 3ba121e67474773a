//! The report bundle (docs/FORMAT.md §10): what a JSON report carries so that an auditor can
//! recompute every figure in it offline: the ledger id, tree size and Merkle root it is bound
//! to and, unless rendered for checking against the ledger file, the stored bytes of every
//! entry up to that size and every batch record.
//!
//! Owns: the bundle's JSON form, both ways, and strict reading of it (every refusal names its
//! JSON path). Must not: check what a bundle says (`report::check` does, by rebuilding and
//! verifying the ledger), open a ledger file for writing, or decide exit codes.

use super::{ReportModel, render_json};
use crate::ledger::{BatchRecord, Ledger, LedgerError, SignedCheckpoint, StoredLedger, TreeHash};
use crate::model::KeyId;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};

/// Value of `bundle.format` for a ledger of format 2 (RFC 6962 tree).
pub const BUNDLE_FORMAT: &str = "jixiao-report-bundle/2";
/// Value of `bundle.format` for a ledger of format 1 (keyed-BLAKE3 tree); still read.
pub const BUNDLE_FORMAT_V1: &str = "jixiao-report-bundle/1";

/// What `report --with-proofs=…` embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleMode {
    /// Every entry's stored bytes and every batch record (`--with-proofs`, `=entries`).
    Entries,
    /// Only the binding; the report is checked with `check-proof --ledger FILE`.
    Ledger,
}

impl BundleMode {
    /// `entries` or `ledger`.
    #[must_use]
    pub fn parse(s: &str) -> Option<BundleMode> {
        match s {
            "entries" => Some(BundleMode::Entries),
            "ledger" => Some(BundleMode::Ledger),
            _ => None,
        }
    }
}

/// A report bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// Tree size (= number of entries) of the checkpoint the report is bound to.
    pub size: u64,
    /// Merkle root of that tree.
    pub root: TreeHash,
    /// Format version of the ledger (which tree `root` is of): 1 for bundle `/1`, 2 for `/2`.
    pub format_version: u16,
    /// The stored entries and batch records (`None`: rendered for checking with `--ledger`).
    pub stored: Option<StoredLedger>,
}

impl Bundle {
    /// The bundle of `ledger` bound to `checkpoint` (which the caller matched to the ledger).
    pub fn of_ledger(
        ledger: &Ledger,
        checkpoint: &SignedCheckpoint,
        mode: BundleMode,
    ) -> Result<Bundle, LedgerError> {
        let c = &checkpoint.checkpoint;
        let stored = match mode {
            BundleMode::Entries => Some(StoredLedger::read(ledger, c.size)?),
            BundleMode::Ledger => None,
        };
        Ok(Bundle {
            ledger_id: ledger.ledger_id(),
            size: c.size,
            root: c.root,
            format_version: ledger.format_version(),
            stored,
        })
    }

    /// The bundle as a JSON value.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let (batches, entries) = match &self.stored {
            Some(s) => (
                Value::Array(
                    s.batches
                        .iter()
                        .map(|b| {
                            json!({
                                "first": b.first,
                                "last": b.last,
                                "author": hex::encode(b.author.0),
                                "signature": hex::encode(b.signature),
                            })
                        })
                        .collect(),
                ),
                Value::Array(
                    s.entries
                        .iter()
                        .map(|e| Value::String(B64.encode(e)))
                        .collect(),
                ),
            ),
            None => (Value::Null, Value::Null),
        };
        json!({
            "format": if self.format_version == 1 { BUNDLE_FORMAT_V1 } else { BUNDLE_FORMAT },
            "ledger_id": hex::encode(self.ledger_id),
            "size": self.size,
            "root": hex::encode(self.root),
            "batches": batches,
            "entries": entries,
        })
    }

    /// Reads the value of `$.bundle`, strictly: exactly the fields above, lower-case hex,
    /// canonical base64. The error names the JSON path and what is wrong.
    pub fn from_json(v: &Value) -> Result<Bundle, String> {
        let at = "$.bundle";
        let m = object(v, at, &FIELDS)?;
        let format = string(field(m, at, "format")?, &format!("{at}.format"))?;
        let format_version = match format {
            BUNDLE_FORMAT => 2,
            BUNDLE_FORMAT_V1 => 1,
            _ => {
                return Err(format!(
                    "{at}.format: the report says {format:?}, this build reads {BUNDLE_FORMAT:?} and {BUNDLE_FORMAT_V1:?}"
                ));
            }
        };
        let ledger_id = hex_array::<16>(field(m, at, "ledger_id")?, &format!("{at}.ledger_id"))?;
        let size = uint(field(m, at, "size")?, &format!("{at}.size"))?;
        let root = hex_array::<32>(field(m, at, "root")?, &format!("{at}.root"))?;
        let stored = match (field(m, at, "batches")?, field(m, at, "entries")?) {
            (Value::Null, Value::Null) => None,
            (Value::Array(b), Value::Array(e)) => Some(StoredLedger {
                ledger_id,
                format_version,
                batches: b
                    .iter()
                    .enumerate()
                    .map(|(i, v)| batch(v, &format!("{at}.batches[{i}]")))
                    .collect::<Result<_, _>>()?,
                entries: e
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let path = format!("{at}.entries[{i}]");
                        B64.decode(string(v, &path)?)
                            .map_err(|e| format!("{path}: not canonical base64 ({e})"))
                    })
                    .collect::<Result<_, _>>()?,
            }),
            (b, e) => {
                return Err(format!(
                    "{at}: `batches` and `entries` must both be arrays (entries embedded) or both null (checked with --ledger); the report has {} and {}",
                    json_kind(b),
                    json_kind(e)
                ));
            }
        };
        Ok(Bundle {
            ledger_id,
            size,
            root,
            format_version,
            stored,
        })
    }
}

/// The report as JSON with its bundle under `bundle` (schema in docs/REPORT-JSON.md).
#[must_use]
pub fn render_json_with_bundle(m: &ReportModel, bundle: &Bundle) -> String {
    let mut doc: Value = serde_json::from_str(&render_json(m)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut doc {
        map.insert("bundle".into(), bundle.to_json());
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

const FIELDS: [&str; 6] = ["format", "ledger_id", "size", "root", "batches", "entries"];
const BATCH_FIELDS: [&str; 4] = ["first", "last", "author", "signature"];

fn batch(v: &Value, at: &str) -> Result<BatchRecord, String> {
    let m = object(v, at, &BATCH_FIELDS)?;
    Ok(BatchRecord {
        first: uint(field(m, at, "first")?, &format!("{at}.first"))?,
        last: uint(field(m, at, "last")?, &format!("{at}.last"))?,
        author: KeyId(hex_array::<8>(
            field(m, at, "author")?,
            &format!("{at}.author"),
        )?),
        signature: hex_array::<64>(field(m, at, "signature")?, &format!("{at}.signature"))?,
    })
}

/// The JSON type of `v` in words (`a string`), for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, at: &str, fields: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{at}: expected an object, the report has {}", json_kind(v)))?;
    if let Some(k) = m.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(format!(
            "{at}.{k}: unknown field (a bundle has exactly {})",
            fields.join(", ")
        ));
    }
    Ok(m)
}

fn field<'a>(m: &'a Map<String, Value>, at: &str, name: &str) -> Result<&'a Value, String> {
    m.get(name)
        .ok_or_else(|| format!("{at}.{name}: missing from the report"))
}

fn string<'a>(v: &'a Value, at: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("{at}: expected a string, the report has {}", json_kind(v)))
}

fn uint(v: &Value, at: &str) -> Result<u64, String> {
    v.as_u64().ok_or_else(|| {
        format!(
            "{at}: expected a non-negative integer, the report has {}",
            compact(v)
        )
    })
}

fn hex_array<const N: usize>(v: &Value, at: &str) -> Result<[u8; N], String> {
    let s = string(v, at)?;
    let lower = s
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let mut out = [0u8; N];
    if lower && s.len() == 2 * N && hex::decode_to_slice(s, &mut out).is_ok() {
        Ok(out)
    } else {
        Err(format!(
            "{at}: expected {} lower-case hex digits, the report has {}",
            2 * N,
            compact(v)
        ))
    }
}

/// A JSON value on one line, cut to 120 characters.
pub fn compact(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        Bundle {
            ledger_id: [7; 16],
            size: 2,
            root: [9; 32],
            format_version: 2,
            stored: Some(StoredLedger {
                ledger_id: [7; 16],
                format_version: 2,
                entries: vec![vec![1, 2, 3], vec![4]],
                batches: vec![BatchRecord {
                    first: 1,
                    last: 2,
                    author: KeyId([5; 8]),
                    signature: [6; 64],
                }],
            }),
        }
    }

    #[test]
    fn a_bundle_reads_back_as_written_and_strictly() {
        let b = sample();
        assert_eq!(Bundle::from_json(&b.to_json()), Ok(b.clone()));
        let without = Bundle { stored: None, ..b };
        assert_eq!(Bundle::from_json(&without.to_json()), Ok(without));
        let bad = |edit: &dyn Fn(&mut Value)| {
            let mut v = sample().to_json();
            edit(&mut v);
            Bundle::from_json(&v).unwrap_err()
        };
        assert!(bad(&|v| v["root"] = json!("AB".repeat(32))).starts_with("$.bundle.root: "));
        assert!(bad(&|v| v["entries"][1] = json!("BB==")).starts_with("$.bundle.entries[1]: "));
        assert!(bad(&|v| v["batches"] = Value::Null).starts_with("$.bundle: `batches`"));
        assert!(bad(&|v| v["batches"][0]["x"] = json!(1)).starts_with("$.bundle.batches[0].x: "));
        assert!(bad(&|v| v["size"] = json!(-1)).starts_with("$.bundle.size: "));
        assert!(bad(&|v| v["format"] = json!("x")).starts_with("$.bundle.format: "));
    }
}
