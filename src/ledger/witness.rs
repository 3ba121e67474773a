//! Submitting a ledger's latest checkpoint to a C2SP tlog-witness
//! (<https://c2sp.org/tlog-witness>, `add-checkpoint`) and keeping the cosignature it returns.
//!
//! Owns: the request body (`old N`, the consistency proof lines, a blank line, the signed
//! checkpoint), the meaning of the witness's answers (200 cosignature lines; 409 with the size it
//! knows; 403, 404, 422 refusals), one retry from the size a 409 names, and a minimal HTTP/1.1
//! client over `std::net` (plain `http://` only). Must not: trust a returned cosignature whose
//! witness key is given but does not verify, or keep anything on a refusal.

use super::checkpoint::SignedCheckpoint;
use super::cosig::WitnessKey;
use super::error::LedgerError;
use super::merkle::consistency_path_by;
use super::store::Ledger;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Largest witness response read (a few signature lines; anything bigger is not a witness).
const MAX_RESPONSE: u64 = 64 * 1024;

/// Why a submission to a witness did not end with a kept cosignature.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The URL is not `http://host[:port][/prefix]`.
    #[error(
        "--url {0:?}: give the witness as http://HOST[:PORT][/PREFIX] (plain HTTP; put an HTTPS witness behind a local proxy)"
    )]
    Url(String),
    /// The ledger has no kept checkpoint to submit.
    #[error("{0}: no checkpoint is kept in the ledger; issue one with `jixiao checkpoint` first")]
    NoCheckpoint(String),
    /// Network or HTTP trouble talking to the witness.
    #[error("witness {url}: {detail}")]
    Http {
        /// The endpoint.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// 409: the witness knows another size of this log than the one sent.
    #[error(
        "witness refused (409 Conflict): it knows this log at tree size {known}, the checkpoint is of size {size}{hint}"
    )]
    Conflict {
        /// The size the witness knows.
        known: u64,
        /// The checkpoint's size.
        size: u64,
        /// What it means.
        hint: &'static str,
    },
    /// 403: the witness could not verify the checkpoint's signature (it does not trust the key).
    #[error(
        "witness refused (403 Forbidden): it does not accept the checkpoint's signature; give the witness the ledger's public key (its vkey) for origin {origin}: {body}"
    )]
    Forbidden {
        /// Checkpoint origin.
        origin: String,
        /// Response body.
        body: String,
    },
    /// 404: the witness does not know this log.
    #[error(
        "witness refused (404 Not Found): it does not witness the log {origin}; register the origin and key with the witness: {body}"
    )]
    UnknownLog {
        /// Checkpoint origin.
        origin: String,
        /// Response body.
        body: String,
    },
    /// 422: the consistency proof did not verify.
    #[error(
        "witness refused (422): the consistency proof from size {old} does not verify against what it knows: the ledger was rewritten (a fork) since it last cosigned: {body}"
    )]
    BadProof {
        /// The old size sent.
        old: u64,
        /// Response body.
        body: String,
    },
    /// Any other status.
    #[error("witness answered HTTP {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// The response is not cosignature lines, or none is by the trusted witness key.
    #[error("witness response: {0}")]
    Response(String),
    /// The ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What a successful submission kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witnessed {
    /// Tree size of the checkpoint the witness cosigned.
    pub size: u64,
    /// The size the request was made from (`old`).
    pub old: u64,
    /// Names of the returned signature lines kept.
    pub names: Vec<String>,
    /// Whether they were checked against a given witness key.
    pub checked: bool,
}

/// A parsed `http://host:port/prefix` URL.
struct Endpoint {
    host: String,
    port: u16,
    path: String,
}

fn endpoint(url: &str) -> Result<Endpoint, WitnessError> {
    let bad = || WitnessError::Url(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, prefix) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let prefix = prefix.trim_end_matches('/');
    let path = if prefix.is_empty() {
        "/add-checkpoint".to_owned()
    } else {
        format!("/{prefix}/add-checkpoint")
    };
    Ok(Endpoint {
        host: host.to_owned(),
        port,
        path,
    })
}

/// One POST, `Connection: close`; returns (status, body).
fn post(e: &Endpoint, body: &[u8]) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect((e.host.as_str(), e.port)).map_err(|x| x.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|x| x.to_string())?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        e.path,
        e.host,
        e.port,
        body.len()
    );
    s.write_all(head.as_bytes()).map_err(|x| x.to_string())?;
    s.write_all(body).map_err(|x| x.to_string())?;
    let mut raw = Vec::new();
    s.take(MAX_RESPONSE)
        .read_to_end(&mut raw)
        .map_err(|x| x.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the response has no header end")?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or("the response has no HTTP status")?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// The add-checkpoint request body: `old N`, the proof lines, a blank line, the checkpoint.
#[must_use]
pub fn add_checkpoint_body(old: u64, proof: &[[u8; 32]], checkpoint: &SignedCheckpoint) -> String {
    let mut b = format!("old {old}\n");
    for h in proof {
        b.push_str(&B64.encode(h));
        b.push('\n');
    }
    b.push('\n');
    b.push_str(&checkpoint.to_text());
    b
}

/// Submits the ledger's latest kept checkpoint to the witness at `url` and keeps the returned
/// cosignature lines in it. The request starts from the size of the latest kept checkpoint
/// already cosigned by `witness` (or 0); a 409 naming a smaller size is retried once from
/// there. With `witness`, the returned lines must include a valid cosignature by that key,
/// and only its lines are kept.
pub fn submit(
    ledger: &Ledger,
    url: &str,
    witness: Option<&WitnessKey>,
) -> Result<Witnessed, WitnessError> {
    let e = endpoint(url)?;
    let kept = ledger.checkpoints()?;
    let (_, text) = kept
        .last()
        .ok_or_else(|| WitnessError::NoCheckpoint(ledger.path().display().to_string()))?;
    let mut cp = SignedCheckpoint::parse(text)
        .map_err(|x| WitnessError::Response(format!("the kept checkpoint does not parse: {x}")))?;
    let size = cp.checkpoint.size;
    let known_by_witness = witness.and_then(|w| {
        kept.iter().rev().find_map(|(n, t)| {
            let c = SignedCheckpoint::parse(t).ok()?;
            let ok = !c
                .verify_cosignatures(std::slice::from_ref(w))
                .ok()?
                .is_empty();
            (ok && *n <= size).then_some(*n)
        })
    });
    let mut old = known_by_witness.unwrap_or(0);
    let tree = ledger.tree_algorithm();
    let hashes = ledger.entry_hashes(size)?;
    let url_s = url.to_owned();
    for attempt in 0..2 {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            let get = |i: u64| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| hashes.get(i))
                    .copied()
                    .ok_or(super::merkle::MerkleError::NotEnoughLeaves {
                        size: i + 1,
                        available: hashes.len() as u64,
                    })
            };
            consistency_path_by(tree, old, size, get).map_err(|x| WitnessError::Http {
                url: url_s.clone(),
                detail: x.to_string(),
            })?
        };
        let body = add_checkpoint_body(old, &proof, &cp);
        let (status, resp) = post(&e, body.as_bytes()).map_err(|detail| WitnessError::Http {
            url: url_s.clone(),
            detail,
        })?;
        match status {
            200 => return keep(ledger, &mut cp, &resp, witness, old),
            409 => {
                let known = resp.trim().parse::<u64>().map_err(|_| {
                    WitnessError::Response(format!("409 without a tree size: {resp:?}"))
                })?;
                if known > size {
                    return Err(WitnessError::Conflict {
                        known,
                        size,
                        hint: ", larger than the ledger's latest checkpoint: the ledger was truncated or rolled back, or the witness saw another ledger under this origin",
                    });
                }
                if attempt == 1 || known == old {
                    return Err(WitnessError::Conflict {
                        known,
                        size,
                        hint: "",
                    });
                }
                old = known;
            }
            403 => {
                return Err(WitnessError::Forbidden {
                    origin: cp.checkpoint.origin.clone(),
                    body: resp.trim().to_owned(),
                });
            }
            404 => {
                return Err(WitnessError::UnknownLog {
                    origin: cp.checkpoint.origin.clone(),
                    body: resp.trim().to_owned(),
                });
            }
            422 => {
                return Err(WitnessError::BadProof {
                    old,
                    body: resp.trim().to_owned(),
                });
            }
            s => {
                return Err(WitnessError::Status {
                    status: s,
                    body: resp.trim().to_owned(),
                });
            }
        }
    }
    Err(WitnessError::Response("no answer".into()))
}

/// Adds the returned signature lines to `cp` and keeps it.
fn keep(
    ledger: &Ledger,
    cp: &mut SignedCheckpoint,
    resp: &str,
    witness: Option<&WitnessKey>,
    old: u64,
) -> Result<Witnessed, WitnessError> {
    // The lines parse as the signature lines of this checkpoint's own note.
    let mut text = cp.checkpoint.body();
    text.push('\n');
    text.push_str(resp);
    let returned = SignedCheckpoint::parse(&text)
        .map_err(|x| WitnessError::Response(format!("not signature lines: {x}")))?;
    let lines: Vec<_> = match witness {
        Some(w) => {
            let ok = returned
                .verify_cosignatures(std::slice::from_ref(w))
                .map_err(|x| WitnessError::Response(x.to_string()))?;
            if ok.is_empty() {
                return Err(WitnessError::Response(format!(
                    "no cosignature/v1 line by the witness key {} among the {} returned",
                    w.name,
                    returned.signatures.len()
                )));
            }
            let kh = super::cosig::cosignature_key_hash(&w.name, &w.key);
            returned
                .signatures
                .into_iter()
                .filter(|s| s.name == w.name && s.key_hash == kh)
                .collect()
        }
        None => returned.signatures,
    };
    let mut names = Vec::new();
    for l in lines {
        names.push(l.name.clone());
        // A line the checkpoint already carries (the witness cosigned this size before) is fine.
        if let Err(super::checkpoint::CheckpointError::AlreadySigned { .. }) =
            cp.add_signature_line(l)
        {
            continue;
        }
    }
    ledger.keep_checkpoint(cp.checkpoint.size, &cp.to_text())?;
    Ok(Witnessed {
        size: cp.checkpoint.size,
        old,
        names,
        checked: witness.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_plain_http_with_an_optional_prefix() {
        let e = endpoint("http://127.0.0.1:8080/witness/").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("127.0.0.1", 8080, "/witness/add-checkpoint")
        );
        let e = endpoint("http://w.example").unwrap();
        assert_eq!((e.port, e.path.as_str()), (80, "/add-checkpoint"));
        assert!(endpoint("https://w.example").is_err());
        assert!(endpoint("http://:80").is_err());
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("5\r\nhello\r\n3\r\n ok\r\n0\r\n\r\n"), "hello ok");
    }
}
