//! Witness cosignatures: C2SP `cosignature/v1` (<https://c2sp.org/tlog-cosignature>) on
//! checkpoints, the witness verifier keys (`name+hash+base64`, <https://c2sp.org/signed-note>)
//! that are trusted to make them, and the count of distinct trusted signers a checkpoint needs.
//!
//! Owns: the cosignature message and key hash, vkey parsing, cosignature checking and signing,
//! the signer quorum. Must not: parse checkpoint text (src/ledger/checkpoint.rs does) or decide
//! which keys to trust.

use super::checkpoint::{CheckpointError, NoteSignature, SignedCheckpoint};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// signed-note signature type byte of a timestamped Ed25519 witness cosignature.
pub const COSIGNATURE_TYPE: u8 = 0x04;

/// A witness key trusted to cosign checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    /// The witness's key name.
    pub name: String,
    /// Its Ed25519 public key.
    pub key: VerifyingKey,
}

/// Why a witness vkey was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VkeyError {
    /// Not `name+hash+base64`.
    #[error(
        "witness key {0:?} is not a vkey `name+hash+base64` (name, 8 hex digits of key hash, standard base64 of 0x04 and the 32-byte Ed25519 key)"
    )]
    Shape(String),
    /// The key type byte is not 0x04 (a timestamped Ed25519 cosignature key).
    #[error(
        "witness key {name:?} has key type 0x{found:02x}; a cosignature/v1 witness key has type 0x04"
    )]
    KeyType {
        /// Key name.
        name: String,
        /// Type byte found.
        found: u8,
    },
    /// The stated key hash is not the key's.
    #[error(
        "witness key {name:?}: its key hash {stated} is not {computed}, the hash of its name and key; the vkey is damaged"
    )]
    Hash {
        /// Key name.
        name: String,
        /// Hash in the vkey.
        stated: String,
        /// Hash computed.
        computed: String,
    },
    /// Not a valid Ed25519 point.
    #[error("witness key {0:?}: the public key is not a valid Ed25519 key")]
    Key(String),
}

/// Key hash of a cosignature/v1 key: `SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[..4]`.
#[must_use]
pub fn cosignature_key_hash(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', COSIGNATURE_TYPE]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a cosignature signs: `cosignature/v1\ntime <t>\n` followed by the body.
#[must_use]
pub fn cosignature_message(body: &str, time: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(body.as_bytes());
    m
}

impl WitnessKey {
    /// Parses a vkey `name+hash+base64(0x04 ‖ key)`, checking the hash and the key.
    pub fn parse(vkey: &str) -> Result<WitnessKey, VkeyError> {
        let shape = || VkeyError::Shape(vkey.to_owned());
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(hash), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(shape());
        };
        let valid_name = !name.is_empty()
            && !name
                .chars()
                .any(|c| c.is_whitespace() || c == '+' || c.is_control());
        let hash_ok = hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        let bytes = B64.decode(b64).map_err(|_| shape())?;
        if !valid_name || !hash_ok || B64.encode(&bytes) != b64 {
            return Err(shape());
        }
        let (&kind, key) = bytes.split_first().ok_or_else(shape)?;
        if kind != COSIGNATURE_TYPE {
            return Err(VkeyError::KeyType {
                name: name.to_owned(),
                found: kind,
            });
        }
        let key: [u8; 32] = key.try_into().map_err(|_| shape())?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| VkeyError::Key(name.to_owned()))?;
        let computed = hex::encode(cosignature_key_hash(name, &key));
        if !computed.eq_ignore_ascii_case(hash) {
            return Err(VkeyError::Hash {
                name: name.to_owned(),
                stated: hash.to_owned(),
                computed,
            });
        }
        Ok(WitnessKey {
            name: name.to_owned(),
            key,
        })
    }

    /// The vkey text of this key.
    #[must_use]
    pub fn to_vkey(&self) -> String {
        let mut b = vec![COSIGNATURE_TYPE];
        b.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(cosignature_key_hash(&self.name, &self.key)),
            B64.encode(b)
        )
    }
}

impl SignedCheckpoint {
    /// Adds a cosignature/v1 line by `key` under `name` at `time` (what a witness returns).
    pub fn add_cosignature(
        &mut self,
        key: &SigningKey,
        name: &str,
        time: u64,
    ) -> Result<(), CheckpointError> {
        let kh = cosignature_key_hash(name, &key.verifying_key());
        let sig = key.sign(&cosignature_message(&self.checkpoint.body(), time));
        self.add_signature_line(NoteSignature {
            name: name.to_owned(),
            key_hash: kh,
            signature: sig.to_bytes(),
            cosigned_at: Some(time),
        })
    }

    /// Adds a signature line made elsewhere (a witness's response), refusing a repeated
    /// (name, key hash) and more than the maximum number of lines.
    pub fn add_signature_line(&mut self, line: NoteSignature) -> Result<(), CheckpointError> {
        if self
            .signatures
            .iter()
            .any(|s| s.name == line.name && s.key_hash == line.key_hash)
        {
            return Err(CheckpointError::AlreadySigned { name: line.name });
        }
        if self.signatures.len() >= super::checkpoint::MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures {
                found: self.signatures.len() + 1,
            });
        }
        self.signatures.push(line);
        Ok(())
    }

    /// Checks the cosignature/v1 lines against `witnesses`: a line whose name and key hash
    /// match a witness key must verify over the cosignature message of its time, else
    /// [`CheckpointError::InvalidSignature`]; lines of other keys count for nothing. Returns
    /// one name per distinct witness public key that cosigned, in the order of `witnesses`.
    pub fn verify_cosignatures(
        &self,
        witnesses: &[WitnessKey],
    ) -> Result<Vec<String>, CheckpointError> {
        let body = self.checkpoint.body();
        let mut seen: Vec<&VerifyingKey> = Vec::new();
        let mut names = Vec::new();
        for w in witnesses {
            let kh = cosignature_key_hash(&w.name, &w.key);
            for s in &self.signatures {
                let Some(time) = s.cosigned_at else { continue };
                if s.name != w.name || s.key_hash != kh {
                    continue;
                }
                let msg = cosignature_message(&body, time);
                if w.key
                    .verify_strict(&msg, &Signature::from_bytes(&s.signature))
                    .is_err()
                {
                    return Err(CheckpointError::InvalidSignature {
                        name: w.name.clone(),
                        origin: self.checkpoint.origin.clone(),
                        size: self.checkpoint.size,
                    });
                }
                if !seen.contains(&&w.key) {
                    seen.push(&w.key);
                    names.push(w.name.clone());
                }
            }
        }
        Ok(names)
    }

    /// The distinct trusted signers of this checkpoint: at least one of the `trusted` note keys
    /// (the ledger's own signature, [`SignedCheckpoint::verify_signatures`]), then the
    /// `witnesses` that cosigned; refused with [`CheckpointError::TooFewSignatures`] when the
    /// total of distinct keys is below `min`. Witness names are listed as `name (witness)`.
    pub fn verify_quorum<N: AsRef<str>>(
        &self,
        trusted: &[(N, VerifyingKey)],
        witnesses: &[WitnessKey],
        min: usize,
    ) -> Result<Vec<String>, CheckpointError> {
        let mut signers = self.verify_signatures(trusted)?;
        // Distinct public keys: a witness key that is also a trusted key that signed counts once.
        let signed_keys: Vec<&VerifyingKey> = trusted
            .iter()
            .filter(|(n, _)| signers.iter().any(|s| s == n.as_ref()))
            .map(|(_, k)| k)
            .collect();
        for name in self.verify_cosignatures(witnesses)? {
            let key = witnesses.iter().find(|w| w.name == name).map(|w| &w.key);
            if !key.is_some_and(|k| signed_keys.contains(&k)) {
                signers.push(format!("{name} (witness)"));
            }
        }
        if signers.len() < min {
            return Err(CheckpointError::TooFewSignatures {
                found: signers.len(),
                required: min,
                signers: signers.join(", "),
            });
        }
        Ok(signers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vkey_round_trips_and_its_hash_is_checked() {
        let w = WitnessKey {
            name: "witness.example/w1".into(),
            key: SigningKey::from_bytes(&[7; 32]).verifying_key(),
        };
        let v = w.to_vkey();
        assert_eq!(WitnessKey::parse(&v), Ok(w.clone()));
        let parts: Vec<&str> = v.split('+').collect();
        let wrong = format!("{}+00000000+{}", parts[0], parts[2]);
        assert!(matches!(
            WitnessKey::parse(&wrong),
            Err(VkeyError::Hash { .. })
        ));
        assert!(matches!(WitnessKey::parse("x"), Err(VkeyError::Shape(_))));
    }
}
