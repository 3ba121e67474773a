//! Checkpoints: a tree size and root for one ledger, as a C2SP tlog-checkpoint signed note
//! with Ed25519 signature lines, signed by the department and cosigned by witnesses.
//!
//! Owns: the checkpoint text (body, signature lines, key hashes), its strict parser, signing
//! and signature checking against trusted keys. Witness cosignature lines (C2SP
//! `cosignature/v1`) are parsed here and checked in src/ledger/cosig.rs.
//! Must not: compute trees or read the ledger; which keys to trust is the caller's decision.

use super::merkle::TreeHash;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// Prefix of the origin line; the 16-byte ledger id follows in lower-case hex.
pub const ORIGIN_PREFIX: &str = "jixiao/";
/// signed-note signature type byte of Ed25519.
pub const ED25519_SIGNATURE_TYPE: u8 = 0x01;
/// Most signature lines accepted in one checkpoint (signed-note asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;
/// Start of every signature line: em dash U+2014 and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a checkpoint text was refused, or a checkpoint could not be signed or trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The text contains a control character other than newline.
    #[error(
        "checkpoint line {line}: control character U+{code:04X}; checkpoints are plain text with LF line ends, re-export it without CR, tabs or other control characters"
    )]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
        /// The character's code point.
        code: u32,
    },
    /// The text does not end with a newline.
    #[error(
        "checkpoint text does not end with a newline; it was probably truncated, get the full file again"
    )]
    MissingFinalNewline,
    /// No blank line separates the body from the signatures.
    #[error("checkpoint has no blank line before its signature lines; it is not a signed note")]
    MissingSeparator,
    /// The body is not exactly origin, size, root.
    #[error("checkpoint body has {found} lines, expected exactly 3 (origin, tree size, root hash)")]
    BodyLines {
        /// Lines found in the body.
        found: usize,
    },
    /// The origin line is not `jixiao/<32 lower-case hex digits>`.
    #[error(
        "checkpoint line 1: origin {found:?} is not \"jixiao/\" followed by a 32-digit lower-case hex ledger id"
    )]
    BadOrigin {
        /// The origin line as found.
        found: String,
    },
    /// The size line is not a canonical decimal u64.
    #[error(
        "checkpoint line 2: tree size {found:?} is not a decimal number without leading zeros that fits in 64 bits"
    )]
    BadSize {
        /// The size line as found.
        found: String,
    },
    /// The root line is not canonical padded base64 of 32 bytes.
    #[error("checkpoint line 3: root hash {found:?} is not standard padded base64 of 32 bytes")]
    BadRoot {
        /// The root line as found.
        found: String,
    },
    /// A signature line does not start with an em dash and a space.
    #[error(
        "checkpoint line {line}: a signature line must start with an em dash (U+2014) and a space"
    )]
    SignatureLinePrefix {
        /// 1-based line number.
        line: usize,
    },
    /// A signature line lacks its key name or has an invalid one.
    #[error("checkpoint line {line}: key name {name:?} is empty or contains a space or '+'")]
    BadKeyName {
        /// 1-based line number (0 when signing).
        line: usize,
        /// The key name.
        name: String,
    },
    /// A signature is not canonical base64 of a 4-byte key hash and a 64-byte Ed25519 signature.
    #[error(
        "checkpoint line {line}: signature is not standard padded base64 of 68 bytes (4-byte key hash, 64-byte Ed25519 signature) or of 76 bytes (a cosignature/v1: key hash, 8-byte time, signature)"
    )]
    BadSignatureEncoding {
        /// 1-based line number.
        line: usize,
    },
    /// There are no signature lines.
    #[error("checkpoint has no signature lines; sign it before handing it out")]
    NoSignatures,
    /// The text is longer than any checkpoint may be.
    #[error(
        "checkpoint text is {found} bytes, more than the {} a checkpoint may have; it is not a jixiao checkpoint",
        crate::limits::human(crate::limits::MAX_CHECKPOINT_BYTES)
    )]
    TooLarge {
        /// Bytes found.
        found: usize,
    },
    /// Too many signature lines.
    #[error("checkpoint has {found} signature lines, more than the {MAX_SIGNATURES} accepted")]
    TooManySignatures {
        /// Signature lines found.
        found: usize,
    },
    /// Two signature lines carry the same key name and key hash.
    #[error(
        "checkpoint line {line}: a second signature by key {name:?} (key hash {key_hash}); each key signs once"
    )]
    DuplicateSignature {
        /// 1-based line number of the repeat.
        line: usize,
        /// Key name.
        name: String,
        /// Key hash, hex.
        key_hash: String,
    },
    /// A signature by a trusted key (matching name and key hash) does not verify.
    #[error(
        "signature by trusted key {name:?} on checkpoint {origin} size {size} does not verify: the checkpoint was altered or the signature forged"
    )]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Origin of the checkpoint.
        origin: String,
        /// Tree size of the checkpoint.
        size: u64,
    },
    /// No trusted key signed the checkpoint.
    #[error(
        "checkpoint {origin} size {size} carries no signature by a trusted key ({lines} signature lines, none from the {trusted} keys given); pass the signer's public key"
    )]
    NotTrusted {
        /// Origin of the checkpoint.
        origin: String,
        /// Tree size of the checkpoint.
        size: u64,
        /// Signature lines in the checkpoint.
        lines: usize,
        /// Trusted keys given.
        trusted: usize,
    },
    /// Fewer distinct trusted keys signed than required.
    #[error(
        "{found} trusted signature(s) ({signers}), {required} required; pass more --trusted-key or --witness-key keys, or have more witnesses cosign"
    )]
    TooFewSignatures {
        /// Distinct trusted keys that signed.
        found: usize,
        /// Required.
        required: usize,
        /// Their names.
        signers: String,
    },
    /// The key already signed this checkpoint.
    #[error("key {name:?} has already signed this checkpoint")]
    AlreadySigned {
        /// Key name.
        name: String,
    },
}

/// A tree head: which ledger, how many entries, and the Merkle root over them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// `jixiao/<ledger id hex>`.
    pub origin: String,
    /// Tree size (number of entries).
    pub size: u64,
    /// Merkle root over the first `size` entry hashes.
    pub root: TreeHash,
}

/// One signature line of a signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
    pub key_hash: [u8; 4],
    /// Ed25519 signature: over the checkpoint body, or for a cosignature over the
    /// cosignature/v1 message of `cosigned_at` (src/ledger/cosig.rs).
    pub signature: [u8; 64],
    /// For a C2SP `cosignature/v1` line (76 bytes: key hash, 8-byte big-endian time,
    /// signature), the time it states, Unix seconds; `None` for a plain Ed25519 line.
    pub cosigned_at: Option<u64>,
}

/// A checkpoint with its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The signed body.
    pub checkpoint: Checkpoint,
    /// Signature lines, in text order.
    pub signatures: Vec<NoteSignature>,
}

/// The signed-note key hash of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[..4].
#[must_use]
pub fn key_hash(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519_SIGNATURE_TYPE]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The origin line of the ledger with this id.
#[must_use]
pub fn origin_for(ledger_id: &[u8; 16]) -> String {
    format!("{ORIGIN_PREFIX}{}", hex::encode(ledger_id))
}

/// The signed-note key name of a principal: its display name with spaces, `+` and control
/// characters replaced by `_` (signed-note names have none), or its key id if the name is empty.
#[must_use]
pub fn note_name(name: &str, id: crate::model::KeyId) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '+' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if n.is_empty() { id.to_string() } else { n }
}

fn valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

fn parse_ledger_id(origin: &str) -> Option<[u8; 16]> {
    let hex_part = origin.strip_prefix(ORIGIN_PREFIX)?;
    if hex_part.len() != 32
        || !hex_part
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let mut id = [0u8; 16];
    hex::decode_to_slice(hex_part, &mut id).ok()?;
    Some(id)
}

/// Decodes canonical standard padded base64 into exactly `N` bytes.
fn decode_b64<const N: usize>(s: &str) -> Option<[u8; N]> {
    let v = B64.decode(s).ok()?;
    let arr: [u8; N] = v.try_into().ok()?;
    // Reject encodings that decode but are not the one this code writes.
    (B64.encode(arr) == s).then_some(arr)
}

impl Checkpoint {
    /// The checkpoint of ledger `ledger_id` at `size` entries with Merkle root `root`.
    #[must_use]
    pub fn for_ledger(ledger_id: &[u8; 16], size: u64, root: TreeHash) -> Checkpoint {
        Checkpoint {
            origin: origin_for(ledger_id),
            size,
            root,
        }
    }

    /// The ledger id named by the origin, if the origin has the jixiao form.
    #[must_use]
    pub fn ledger_id(&self) -> Option<[u8; 16]> {
        parse_ledger_id(&self.origin)
    }

    /// The note body: origin, size in decimal, base64 root, each ended by `\n`.
    #[must_use]
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Signs the body with `key` under key name `name`.
    pub fn sign(&self, key: &SigningKey, name: &str) -> Result<SignedCheckpoint, CheckpointError> {
        let mut signed = SignedCheckpoint {
            checkpoint: self.clone(),
            signatures: Vec::new(),
        };
        signed.cosign(key, name)?;
        Ok(signed)
    }
}

impl SignedCheckpoint {
    /// Adds a signature by `key` under `name` (a witness cosigning, for example).
    pub fn cosign(&mut self, key: &SigningKey, name: &str) -> Result<(), CheckpointError> {
        if !valid_key_name(name) {
            return Err(CheckpointError::BadKeyName {
                line: 0,
                name: name.to_owned(),
            });
        }
        let kh = key_hash(name, &key.verifying_key());
        if self
            .signatures
            .iter()
            .any(|s| s.name == name && s.key_hash == kh)
        {
            return Err(CheckpointError::AlreadySigned {
                name: name.to_owned(),
            });
        }
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures {
                found: self.signatures.len() + 1,
            });
        }
        let sig = key.sign(self.checkpoint.body().as_bytes());
        self.signatures.push(NoteSignature {
            name: name.to_owned(),
            key_hash: kh,
            signature: sig.to_bytes(),
            cosigned_at: None,
        });
        Ok(())
    }

    /// The signed note: body, blank line, one `— name base64(key hash || signature)` line per
    /// signature.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = self.checkpoint.body();
        out.push('\n');
        for s in &self.signatures {
            let mut blob = Vec::with_capacity(76);
            blob.extend_from_slice(&s.key_hash);
            if let Some(t) = s.cosigned_at {
                blob.extend_from_slice(&t.to_be_bytes());
            }
            blob.extend_from_slice(&s.signature);
            out.push_str(SIG_PREFIX);
            out.push_str(&s.name);
            out.push(' ');
            out.push_str(&B64.encode(&blob));
            out.push('\n');
        }
        out
    }

    /// Parses a signed checkpoint, strictly: exactly the form [`SignedCheckpoint::to_text`]
    /// writes, with a jixiao origin, at least one and at most [`MAX_SIGNATURES`] Ed25519
    /// signature lines, no repeated signer. Signatures are not checked here.
    /// Texts longer than [`crate::limits::MAX_CHECKPOINT_BYTES`] are refused unread.
    pub fn parse(text: &str) -> Result<SignedCheckpoint, CheckpointError> {
        if text.len() as u64 > crate::limits::MAX_CHECKPOINT_BYTES {
            return Err(CheckpointError::TooLarge { found: text.len() });
        }
        for (i, line) in text.split('\n').enumerate() {
            if let Some(c) = line.chars().find(|c| c.is_control()) {
                return Err(CheckpointError::ControlCharacter {
                    line: i + 1,
                    code: u32::from(c),
                });
            }
        }
        let Some(without_last) = text.strip_suffix('\n') else {
            return Err(CheckpointError::MissingFinalNewline);
        };
        // signed-note: the last empty line separates the text from the signatures.
        let Some(sep) = without_last.rfind("\n\n") else {
            return Err(if without_last.ends_with('\n') {
                CheckpointError::NoSignatures
            } else {
                CheckpointError::MissingSeparator
            });
        };
        let (body, sig_part) = without_last.split_at(sep + 1);
        let sig_part = sig_part.strip_prefix('\n').unwrap_or(sig_part);
        let body_lines: Vec<&str> = body
            .strip_suffix('\n')
            .unwrap_or(body)
            .split('\n')
            .collect();
        let [origin, size, root] = body_lines.as_slice() else {
            return Err(CheckpointError::BodyLines {
                found: body_lines.len(),
            });
        };
        if parse_ledger_id(origin).is_none() {
            return Err(CheckpointError::BadOrigin {
                found: (*origin).to_owned(),
            });
        }
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (*size == "0" || !size.starts_with('0'));
        let size_val = size_ok
            .then(|| size.parse::<u64>().ok())
            .flatten()
            .ok_or_else(|| CheckpointError::BadSize {
                found: (*size).to_owned(),
            })?;
        let root_val = decode_b64::<32>(root).ok_or_else(|| CheckpointError::BadRoot {
            found: (*root).to_owned(),
        })?;
        let checkpoint = Checkpoint {
            origin: (*origin).to_owned(),
            size: size_val,
            root: root_val,
        };

        let first_sig_line = body_lines.len() + 2;
        let sig_lines: Vec<&str> = sig_part.split('\n').collect();
        if sig_lines.len() > MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures {
                found: sig_lines.len(),
            });
        }
        let mut signatures: Vec<NoteSignature> = Vec::with_capacity(sig_lines.len());
        for (i, line) in sig_lines.iter().enumerate() {
            let line_no = first_sig_line + i;
            if line.is_empty() && sig_lines.len() == 1 {
                return Err(CheckpointError::NoSignatures);
            }
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(CheckpointError::SignatureLinePrefix { line: line_no })?;
            let (name, b64) = rest.split_once(' ').unwrap_or((rest, ""));
            if !valid_key_name(name) {
                return Err(CheckpointError::BadKeyName {
                    line: line_no,
                    name: name.to_owned(),
                });
            }
            let bad = || CheckpointError::BadSignatureEncoding { line: line_no };
            // 68 bytes: an Ed25519 signature line; 76: a cosignature/v1 with its time.
            let (key_hash, cosigned_at, signature) = if let Some(blob) = decode_b64::<68>(b64) {
                let (kh, sig) = blob.split_at(4);
                (
                    kh.try_into().map_err(|_| bad())?,
                    None,
                    sig.try_into().map_err(|_| bad())?,
                )
            } else {
                let blob = decode_b64::<76>(b64).ok_or_else(bad)?;
                let (kh, rest) = blob.split_at(4);
                let (t, sig) = rest.split_at(8);
                let t: [u8; 8] = t.try_into().map_err(|_| bad())?;
                (
                    kh.try_into().map_err(|_| bad())?,
                    Some(u64::from_be_bytes(t)),
                    sig.try_into().map_err(|_| bad())?,
                )
            };
            let key_hash: [u8; 4] = key_hash;
            let signature: [u8; 64] = signature;
            if signatures
                .iter()
                .any(|s| s.name == name && s.key_hash == key_hash)
            {
                return Err(CheckpointError::DuplicateSignature {
                    line: line_no,
                    name: name.to_owned(),
                    key_hash: hex::encode(key_hash),
                });
            }
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_hash,
                signature,
                cosigned_at,
            });
        }
        Ok(SignedCheckpoint {
            checkpoint,
            signatures,
        })
    }

    /// Checks the signatures against `trusted` (key name, public key) pairs, per signed-note:
    /// lines whose (name, key hash) match no trusted key are ignored; a line that matches a
    /// trusted key must verify, else [`CheckpointError::InvalidSignature`]; at least one must
    /// verify, else [`CheckpointError::NotTrusted`]. Returns one name per distinct public key
    /// that signed (the first name it is trusted under), in the order of `trusted`: a key
    /// trusted under two names counts once toward any signature threshold.
    pub fn verify_signatures<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
    ) -> Result<Vec<String>, CheckpointError> {
        let body = self.checkpoint.body();
        let mut signed = vec![false; trusted.len()];
        // Cosignature lines are checked against witness keys (src/ledger/cosig.rs), never here.
        for s in self.signatures.iter().filter(|s| s.cosigned_at.is_none()) {
            for (t, (name, key)) in trusted.iter().enumerate() {
                let name = name.as_ref();
                if s.name != name || s.key_hash != key_hash(name, key) {
                    continue;
                }
                let sig = Signature::from_bytes(&s.signature);
                if key.verify_strict(body.as_bytes(), &sig).is_err() {
                    return Err(CheckpointError::InvalidSignature {
                        name: name.to_owned(),
                        origin: self.checkpoint.origin.clone(),
                        size: self.checkpoint.size,
                    });
                }
                if let Some(flag) = signed.get_mut(t) {
                    *flag = true;
                }
            }
        }
        // One name per distinct public key: the same key trusted under two names (its `.pub`
        // name and its registry name) is one signer, however many lines carry it.
        let mut keys_seen: Vec<&VerifyingKey> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for ((n, key), _) in trusted.iter().zip(&signed).filter(|(_, s)| **s) {
            if !keys_seen.contains(&key) {
                keys_seen.push(key);
                names.push(n.as_ref().to_owned());
            }
        }
        if names.is_empty() {
            return Err(CheckpointError::NotTrusted {
                origin: self.checkpoint.origin.clone(),
                size: self.checkpoint.size,
                lines: self.signatures.len(),
                trusted: trusted.len(),
            });
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_follows_signed_note() {
        let key = SigningKey::from_bytes(&[1; 32]).verifying_key();
        let mut input = b"a/b\n\x01".to_vec();
        input.extend_from_slice(key.as_bytes());
        let d = Sha256::digest(&input);
        assert_eq!(key_hash("a/b", &key), [d[0], d[1], d[2], d[3]]);
    }

    #[test]
    fn body_shape() {
        let c = Checkpoint::for_ledger(&[0xab; 16], 12, [0; 32]);
        assert_eq!(
            c.body(),
            format!(
                "jixiao/{}\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                "ab".repeat(16)
            )
        );
        assert_eq!(c.ledger_id(), Some([0xab; 16]));
    }
}
