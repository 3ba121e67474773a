//! A JSON report with an inclusion proof for every entry it cites, so an auditor can check
//! with `jixiao check-proof REPORT.json` (no ledger needed) that every cited entry is in the
//! ledger the signed checkpoint pins.

use super::model::SCHEMA;
use super::{ReportModel, render_json};
use crate::ledger::{InclusionProof, ProofError, ProofSummary, check_proof_text};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;

/// The report as JSON with `proofs`: one inclusion proof object (the proof file's JSON, see
/// docs/FORMAT.md §9.5) per cited entry, in the order of `evidence`.
#[must_use]
pub fn render_json_with_proofs(m: &ReportModel, proofs: &[InclusionProof]) -> String {
    let mut doc: Value = serde_json::from_str(&render_json(m)).unwrap_or(Value::Null);
    let list: Vec<Value> = proofs
        .iter()
        .filter_map(|p| serde_json::from_str(&p.to_json()).ok())
        .collect();
    if let Value::Object(map) = &mut doc {
        map.insert("proofs".into(), Value::Array(list));
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// What checking a report's proofs established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportProofs {
    /// Cited entries, each proven.
    pub entries: usize,
    /// Tree size of the checkpoint the proofs are against.
    pub tree_size: u64,
    /// Trusted keys that signed it.
    pub signers: Vec<String>,
}

/// Why a report's proofs do not check.
#[derive(Debug, thiserror::Error)]
pub enum ReportProofError {
    /// Not a report JSON with proofs.
    #[error("not a jixiao report with proofs: {0}")]
    Shape(String),
    /// One proof failed.
    #[error("the proof of #{seq}: {source}")]
    Proof {
        /// The seq.
        seq: u64,
        /// Why.
        source: ProofError,
    },
    /// A cited entry has no proof, or its proof is of other bytes.
    #[error("cited entry #{seq}: {why}")]
    Citation {
        /// The seq.
        seq: u64,
        /// What is wrong.
        why: String,
    },
}

/// Is this text a report JSON (as opposed to a proof file)?
#[must_use]
pub fn is_report_json(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("schema").and_then(Value::as_str).map(str::to_string))
        .is_some_and(|s| s == SCHEMA)
}

/// Checks every proof in a report JSON against `trusted` keys, and that every cited entry
/// (`evidence`) has a proof of exactly the cited hash, all against one checkpoint.
pub fn check_report_proofs<N: AsRef<str>>(
    text: &str,
    trusted: &[(N, VerifyingKey)],
) -> Result<ReportProofs, ReportProofError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| ReportProofError::Shape(e.to_string()))?;
    let proofs = doc.get("proofs").and_then(Value::as_array).ok_or_else(|| {
        ReportProofError::Shape("no `proofs` array (render with --with-proofs)".into())
    })?;
    let evidence = doc
        .get("evidence")
        .and_then(Value::as_array)
        .ok_or_else(|| ReportProofError::Shape("no `evidence` array".into()))?;
    let mut proven = std::collections::BTreeMap::new();
    let mut head: Option<(u64, Vec<String>)> = None;
    for p in proofs {
        let seq = p.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let text = serde_json::to_string_pretty(p).unwrap_or_default() + "\n";
        match check_proof_text(&text, trusted) {
            Ok(ProofSummary::Inclusion {
                seq,
                entry_hash,
                tree_size,
                signers,
                ..
            }) => {
                match &head {
                    Some((size, _)) if *size != tree_size => {
                        return Err(ReportProofError::Citation {
                            seq,
                            why: format!(
                                "proven against a tree of {tree_size} entries, the others against {size}"
                            ),
                        });
                    }
                    _ => head = Some((tree_size, signers)),
                }
                proven.insert(seq, entry_hash.to_hex());
            }
            Ok(ProofSummary::Consistency { .. }) => {
                return Err(ReportProofError::Shape(
                    "a consistency proof among the entry proofs".into(),
                ));
            }
            Err(source) => return Err(ReportProofError::Proof { seq, source }),
        }
    }
    for e in evidence {
        let seq = e.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let hash = e.get("hash").and_then(Value::as_str).unwrap_or("");
        match proven.get(&seq) {
            Some(h) if h == hash => {}
            Some(h) => {
                return Err(ReportProofError::Citation {
                    seq,
                    why: format!("the report cites hash {hash}, the proof proves {h}"),
                });
            }
            None => {
                return Err(ReportProofError::Citation {
                    seq,
                    why: "no proof in the report".into(),
                });
            }
        }
    }
    let (tree_size, signers) = head.unwrap_or((0, Vec::new()));
    Ok(ReportProofs {
        entries: evidence.len(),
        tree_size,
        signers,
    })
}
