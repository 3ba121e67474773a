//! Witness cosignatures (C2SP cosignature/v1): lines made here straight from the specification
//! (https://c2sp.org/tlog-cosignature), with ed25519-dalek and sha2 and none of jixiao's
//! cosignature code, are parsed, checked against trusted witness vkeys and counted toward the
//! signature threshold as distinct keys; untrusted ones count for nothing, altered ones are
//! refused. (tests/interop.rs checks cosignatures made by Go's note package.)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey};
use jixiao::ledger::{Checkpoint, CheckpointError, SignedCheckpoint, WitnessKey};
use sha2::{Digest, Sha256};

const LEDGER: [u8; 16] = [0x42; 16];

fn log_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn witness(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// The vkey of a cosignature/v1 witness: `name+hex(keyhash)+base64(0x04 ‖ key)`.
fn vkey(name: &str, k: &SigningKey) -> String {
    let pk = k.verifying_key().to_bytes();
    let mut input = format!("{name}\n").into_bytes();
    input.push(0x04);
    input.extend_from_slice(&pk);
    let kh = &Sha256::digest(&input)[..4];
    let mut blob = vec![0x04];
    blob.extend_from_slice(&pk);
    format!("{name}+{}+{}", hex::encode(kh), B64.encode(blob))
}

/// A cosignature line from the specification: keyhash(4) ‖ time(8, BE) ‖
/// Ed25519(`cosignature/v1\ntime <t>\n` ‖ body).
fn cosignature_line(name: &str, k: &SigningKey, time: u64, body: &str) -> String {
    let mut input = format!("{name}\n").into_bytes();
    input.push(0x04);
    input.extend_from_slice(&k.verifying_key().to_bytes());
    let kh = Sha256::digest(&input);
    let msg = format!("cosignature/v1\ntime {time}\n{body}");
    let sig = k.sign(msg.as_bytes());
    let mut blob = kh[..4].to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    blob.extend_from_slice(&sig.to_bytes());
    format!("\u{2014} {name} {}\n", B64.encode(blob))
}

fn signed() -> SignedCheckpoint {
    Checkpoint::for_ledger(&LEDGER, 5, [7; 32])
        .sign(&log_key(), "dept")
        .unwrap()
}

fn cosigned(lines: &[(&str, &SigningKey, u64)]) -> SignedCheckpoint {
    let cp = signed();
    let body = cp.checkpoint.body();
    let mut text = cp.to_text();
    for (name, k, t) in lines {
        text.push_str(&cosignature_line(name, k, *t, &body));
    }
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(
        parsed.to_text(),
        text,
        "a cosigned checkpoint re-serialises byte for byte"
    );
    parsed
}

fn trusted() -> Vec<(&'static str, ed25519_dalek::VerifyingKey)> {
    vec![("dept", log_key().verifying_key())]
}

fn wk(name: &str, k: &SigningKey) -> WitnessKey {
    WitnessKey::parse(&vkey(name, k)).unwrap()
}

#[test]
fn cosignatures_by_trusted_witnesses_count_as_distinct_keys() {
    let (w1, w2) = (witness(11), witness(12));
    let cp = cosigned(&[
        ("w1.example", &w1, 1_700_000_000),
        ("w2.example", &w2, 1_700_000_001),
    ]);
    assert_eq!(cp.signatures[1].cosigned_at, Some(1_700_000_000));
    let ws = [wk("w1.example", &w1), wk("w2.example", &w2)];
    let s = cp.verify_quorum(&trusted(), &ws, 3).unwrap();
    assert_eq!(s, ["dept", "w1.example (witness)", "w2.example (witness)"]);
    assert!(matches!(
        cp.verify_quorum(&trusted(), &ws, 4),
        Err(CheckpointError::TooFewSignatures {
            found: 3,
            required: 4,
            ..
        })
    ));
    // The same witness key given twice is one key.
    let twice = [wk("w1.example", &w1), wk("w1.example", &w1)];
    assert_eq!(cp.verify_quorum(&trusted(), &twice, 2).unwrap().len(), 2);
    assert!(cp.verify_quorum(&trusted(), &twice, 3).is_err());
    // The cosignatures are not plain signatures: trusting w1's key as a note key finds none.
    let as_note = vec![("w1.example", w1.verifying_key())];
    assert!(matches!(
        cp.verify_signatures(&as_note),
        Err(CheckpointError::NotTrusted { .. })
    ));
}

#[test]
fn an_untrusted_witness_counts_for_nothing_and_an_altered_cosignature_is_refused() {
    let (w1, w2) = (witness(11), witness(12));
    let cp = cosigned(&[("w1.example", &w1, 1_700_000_000)]);
    // w2 is trusted, w1 (who cosigned) is not.
    let only_w2 = [wk("w2.example", &w2)];
    assert_eq!(cp.verify_quorum(&trusted(), &only_w2, 1).unwrap(), ["dept"]);
    assert!(cp.verify_quorum(&trusted(), &only_w2, 2).is_err());
    // w1's key trusted under another name does not match the line.
    let renamed = [wk("w9.example", &w1)];
    assert!(cp.verify_quorum(&trusted(), &renamed, 2).is_err());
    // The stated time is signed: changing it breaks the cosignature.
    let mut text = cp.to_text();
    let line = text.lines().last().unwrap().to_owned();
    let b64 = line.rsplit(' ').next().unwrap();
    let mut blob = B64.decode(b64).unwrap();
    blob[11] ^= 1; // last byte of the time
    text = text.replace(b64, &B64.encode(&blob));
    let altered = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(altered.signatures[1].cosigned_at, Some(1_700_000_001));
    let w1k = [wk("w1.example", &w1)];
    assert!(matches!(
        altered.verify_quorum(&trusted(), &w1k, 1),
        Err(CheckpointError::InvalidSignature { .. })
    ));
    // A cosignature of another checkpoint (another size) moved onto this one is refused.
    let other = Checkpoint::for_ledger(&LEDGER, 6, [7; 32]);
    let mut moved = signed().to_text();
    moved.push_str(&cosignature_line("w1.example", &w1, 5, &other.body()));
    let moved = SignedCheckpoint::parse(&moved).unwrap();
    assert!(moved.verify_quorum(&trusted(), &w1k, 1).is_err());
    // Cosignatures alone do not make a checkpoint trusted: the log's own signature is needed.
    assert!(matches!(
        cp.verify_quorum(&[("other", witness(3).verifying_key())], &w1k, 1),
        Err(CheckpointError::NotTrusted { .. })
    ));
}

#[test]
fn vkeys_are_parsed_strictly() {
    let w = witness(11);
    let good = vkey("w1.example", &w);
    assert_eq!(WitnessKey::parse(&good).unwrap().to_vkey(), good);
    let parts: Vec<&str> = good.split('+').collect();
    for bad in [
        "w1.example".to_owned(),
        format!("{}+{}", parts[0], parts[1]),
        format!("{}+00000000+{}", parts[0], parts[2]),
        format!("other+{}+{}", parts[1], parts[2]),
        // an Ed25519 note key (type 0x01) is not a cosignature/v1 witness key
        {
            let mut blob = vec![0x01];
            blob.extend_from_slice(&w.verifying_key().to_bytes());
            format!("{}+{}+{}", parts[0], parts[1], B64.encode(blob))
        },
    ] {
        assert!(WitnessKey::parse(&bad).is_err(), "{bad}");
    }
}

#[test]
fn one_witness_under_two_names_counts_once() {
    // The cosigned message does not include the name, so anyone can copy a witness's
    // cosignature under a second name (recomputing the key hash needs no secret). Trusting the
    // same key under both names must still count it once.
    let w1 = witness(11);
    let cp = cosigned(&[
        ("w1.example", &w1, 1_700_000_000),
        ("alias.example", &w1, 1_700_000_000),
    ]);
    let ws = [wk("w1.example", &w1), wk("alias.example", &w1)];
    assert_eq!(cp.verify_quorum(&trusted(), &ws, 2).unwrap().len(), 2);
    assert!(matches!(
        cp.verify_quorum(&trusted(), &ws, 3),
        Err(CheckpointError::TooFewSignatures { found: 2, .. })
    ));
}
