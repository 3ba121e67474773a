//! The JSON wire forms of proof files: `jixiao-inclusion-proof/1` and `/2`,
//! `jixiao-consistency-proof/1` and `/2` (docs/FORMAT.md §9.5), and their strict field codecs.
//!
//! Owns: field names, hex and base64 decoding (lower-case hex, canonical padded base64), the
//! JSON text. Must not: check a proof (src/ledger/proof_file.rs does) or read files.

use super::merkle::TreeHash;
use super::proof::{MAX_PATH_LEN, ProofError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// Only the `format` field, to choose the reader.
#[derive(Deserialize)]
pub(super) struct FormatOnly {
    pub(super) format: String,
}

/// `jixiao-inclusion-proof/1`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InclusionV1 {
    pub(super) format: String,
    pub(super) ledger_id: String,
    pub(super) seq: u64,
    pub(super) entry: String,
    pub(super) entry_hash: String,
    pub(super) tree_size: u64,
    pub(super) path: Vec<String>,
    pub(super) checkpoint: String,
}

/// `jixiao-inclusion-proof/2`: the tlog `CheckRecord(p, t, th, n, h)` inputs by name
/// (`record_proof`, `tree_size`, `tree_hash`, `index`, `record_hash`), hashes in base64 as
/// tlog's `Hash` marshals them to JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InclusionV2 {
    pub(super) format: String,
    pub(super) ledger_id: String,
    pub(super) seq: u64,
    pub(super) entry: String,
    pub(super) entry_hash: String,
    pub(super) index: u64,
    pub(super) tree_size: u64,
    pub(super) record_hash: String,
    pub(super) tree_hash: String,
    pub(super) record_proof: Vec<String>,
    pub(super) checkpoint: String,
}

/// `jixiao-consistency-proof/1`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsistencyV1 {
    pub(super) format: String,
    pub(super) ledger_id: String,
    pub(super) old_checkpoint: String,
    pub(super) new_checkpoint: String,
    pub(super) path: Vec<String>,
}

/// `jixiao-consistency-proof/2`: the tlog `CheckTree(p, t, th, n, h)` inputs by name
/// (`tree_proof`, `new_size`, `new_hash`, `old_size`, `old_hash`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsistencyV2 {
    pub(super) format: String,
    pub(super) ledger_id: String,
    pub(super) old_size: u64,
    pub(super) old_hash: String,
    pub(super) new_size: u64,
    pub(super) new_hash: String,
    pub(super) tree_proof: Vec<String>,
    pub(super) old_checkpoint: String,
    pub(super) new_checkpoint: String,
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `N` bytes from exactly `2N` lower-case hex digits.
pub(super) fn hex_array<const N: usize>(field: &str, s: &str) -> Result<[u8; N], ProofError> {
    let err = || ProofError::BadHex {
        field: field.to_owned(),
        expected: (2 * N).to_string(),
    };
    if s.len() != 2 * N || !is_lower_hex(s) {
        return Err(err());
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| err())?;
    Ok(out)
}

/// Bytes from an even number of lower-case hex digits.
pub(super) fn hex_vec(field: &str, s: &str) -> Result<Vec<u8>, ProofError> {
    let err = || ProofError::BadHex {
        field: field.to_owned(),
        expected: "an even number of".to_owned(),
    };
    if !s.len().is_multiple_of(2) || !is_lower_hex(s) {
        return Err(err());
    }
    hex::decode(s).map_err(|_| err())
}

/// A 32-byte hash from canonical padded standard base64 (44 characters).
pub(super) fn b64_hash(field: &str, s: &str) -> Result<TreeHash, ProofError> {
    let err = || ProofError::BadBase64 {
        field: field.to_owned(),
    };
    let bytes = B64.decode(s).map_err(|_| err())?;
    let h: TreeHash = bytes.try_into().map_err(|_| err())?;
    if B64.encode(h) != s {
        return Err(err());
    }
    Ok(h)
}

/// Standard padded base64 of a hash.
pub(super) fn b64(h: &TreeHash) -> String {
    B64.encode(h)
}

fn check_len(s: &[String]) -> Result<(), ProofError> {
    if s.len() > MAX_PATH_LEN {
        return Err(ProofError::PathLength {
            kind: "file",
            found: s.len(),
        });
    }
    Ok(())
}

/// A path of hex hashes (format 1 files), at most [`MAX_PATH_LEN`].
pub(super) fn hex_path(s: &[String]) -> Result<Vec<TreeHash>, ProofError> {
    check_len(s)?;
    s.iter()
        .enumerate()
        .map(|(i, h)| hex_array::<32>(&format!("path[{i}]"), h))
        .collect()
}

/// A path of base64 hashes (format 2 files) in field `name`, at most [`MAX_PATH_LEN`].
pub(super) fn b64_path(name: &str, s: &[String]) -> Result<Vec<TreeHash>, ProofError> {
    check_len(s)?;
    s.iter()
        .enumerate()
        .map(|(i, h)| b64_hash(&format!("{name}[{i}]"), h))
        .collect()
}

/// Refuses a text longer than [`crate::limits::MAX_PROOF_FILE_BYTES`] before parsing it.
pub(super) fn check_size(text: &str) -> Result<(), ProofError> {
    if text.len() as u64 > crate::limits::MAX_PROOF_FILE_BYTES {
        return Err(ProofError::TooLarge { found: text.len() });
    }
    Ok(())
}

/// Parses `text` as `T`, naming `format` in the error.
pub(super) fn from_json<'a, T: Deserialize<'a>>(
    format: &str,
    text: &'a str,
) -> Result<T, ProofError> {
    check_size(text)?;
    serde_json::from_str(text).map_err(|e| ProofError::Json {
        format: format.to_owned(),
        message: e.to_string(),
    })
}

/// Pretty JSON with a final newline.
pub(super) fn to_json_text<T: Serialize>(v: &T) -> String {
    // Serialising structs of strings and integers into a String cannot fail.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
