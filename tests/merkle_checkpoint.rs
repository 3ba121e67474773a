//! Checkpoints: signed-note text round trips, signature policy (unknown keys ignored, bad
//! signatures by known keys refused), and typed refusal of malformed texts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{SigningKey, VerifyingKey};
use jixiao::ledger::{Checkpoint, CheckpointError, SignedCheckpoint, key_hash};

const LEDGER: [u8; 16] = [0x5a; 16];

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn dept() -> (&'static str, SigningKey) {
    ("conghua.example/office", key(1))
}

fn bureau() -> (&'static str, SigningKey) {
    ("conghua.example/finance-bureau", key(2))
}

fn checkpoint() -> Checkpoint {
    Checkpoint::for_ledger(&LEDGER, 41, [0x33; 32])
}

fn signed_text() -> String {
    let (n, k) = dept();
    checkpoint().sign(&k, n).unwrap().to_text()
}

fn trusted(keys: &[(&'static str, SigningKey)]) -> Vec<(String, VerifyingKey)> {
    keys.iter()
        .map(|(n, k)| ((*n).to_owned(), k.verifying_key()))
        .collect()
}

fn parse_err(text: &str) -> CheckpointError {
    SignedCheckpoint::parse(text).unwrap_err()
}

/// A signature line for an arbitrary 68-byte blob.
fn sig_line(name: &str, blob: &[u8]) -> String {
    format!("\u{2014} {name} {}\n", B64.encode(blob))
}

#[test]
fn text_has_the_signed_note_shape_and_round_trips() {
    let text = signed_text();
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines[0], format!("jixiao/{}", "5a".repeat(16)));
    assert_eq!(lines[1], "41");
    assert_eq!(lines[2], B64.encode([0x33; 32]));
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("\u{2014} conghua.example/office "));
    assert_eq!(lines[5], "");
    assert_eq!(lines.len(), 6);

    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(parsed.checkpoint, checkpoint());
    assert_eq!(parsed.to_text(), text);
    assert_eq!(parsed.checkpoint.ledger_id(), Some(LEDGER));
    let (n, k) = dept();
    assert_eq!(
        parsed.signatures[0].key_hash,
        key_hash(n, &k.verifying_key())
    );
}

#[test]
fn trusted_signer_is_reported() {
    let cp = SignedCheckpoint::parse(&signed_text()).unwrap();
    assert_eq!(
        cp.verify_signatures(&trusted(&[dept()])).unwrap(),
        vec!["conghua.example/office".to_owned()]
    );
}

#[test]
fn unknown_key_is_not_trusted() {
    let cp = SignedCheckpoint::parse(&signed_text()).unwrap();
    assert!(matches!(
        cp.verify_signatures(&trusted(&[bureau()])),
        Err(CheckpointError::NotTrusted {
            size: 41,
            lines: 1,
            trusted: 1,
            ..
        })
    ));
    // Same name, other key: a different key hash, so ignored, so not trusted.
    let impostor = vec![("conghua.example/office".to_owned(), key(9).verifying_key())];
    assert!(matches!(
        cp.verify_signatures(&impostor),
        Err(CheckpointError::NotTrusted { .. })
    ));
    // Same key, other name: ignored as well.
    let renamed = vec![("someone.else/office".to_owned(), key(1).verifying_key())];
    assert!(matches!(
        cp.verify_signatures(&renamed),
        Err(CheckpointError::NotTrusted { .. })
    ));
    let none: Vec<(String, VerifyingKey)> = vec![];
    assert!(matches!(
        cp.verify_signatures(&none),
        Err(CheckpointError::NotTrusted { trusted: 0, .. })
    ));
}

#[test]
fn known_key_with_bad_signature_is_an_error() {
    let mut cp = SignedCheckpoint::parse(&signed_text()).unwrap();
    cp.checkpoint.size = 42;
    assert!(matches!(
        cp.verify_signatures(&trusted(&[dept()])),
        Err(CheckpointError::InvalidSignature { size: 42, .. })
    ));
    let mut cp = SignedCheckpoint::parse(&signed_text()).unwrap();
    cp.signatures[0].signature[10] ^= 1;
    assert!(matches!(
        cp.verify_signatures(&trusted(&[dept()])),
        Err(CheckpointError::InvalidSignature { .. })
    ));
    // A forged line claiming a trusted key spoils the note even next to a good signature.
    let mut cp = SignedCheckpoint::parse(&signed_text()).unwrap();
    let (bn, bk) = bureau();
    cp.cosign(&bk, bn).unwrap();
    cp.signatures[1].signature[0] ^= 0x80;
    assert!(matches!(
        cp.verify_signatures(&trusted(&[dept(), bureau()])),
        Err(CheckpointError::InvalidSignature { .. })
    ));
}

#[test]
fn witness_cosigns() {
    let (dn, dk) = dept();
    let (bn, bk) = bureau();
    let mut cp = checkpoint().sign(&dk, dn).unwrap();
    cp.cosign(&bk, bn).unwrap();
    let text = cp.to_text();
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(parsed, cp);
    assert_eq!(
        parsed
            .verify_signatures(&trusted(&[bureau(), dept()]))
            .unwrap(),
        vec![bn.to_owned(), dn.to_owned()]
    );
    assert_eq!(
        parsed.verify_signatures(&trusted(&[bureau()])).unwrap(),
        vec![bn.to_owned()]
    );
    assert!(matches!(
        cp.cosign(&dk, dn),
        Err(CheckpointError::AlreadySigned { .. })
    ));
    for bad in ["", "has space", "plus+sign", "tab\tname", "nbsp\u{a0}name"] {
        assert!(
            matches!(
                checkpoint().sign(&dk, bad),
                Err(CheckpointError::BadKeyName { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn malformed_texts_are_refused_with_typed_errors() {
    let good = signed_text();
    let (body, sigs) = good.split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    let root_line = B64.encode([0x33; 32]);
    let origin = format!("jixiao/{}", "5a".repeat(16));
    let with_body = |b: &str| format!("{b}\n{sigs}");

    assert_eq!(
        parse_err(good.strip_suffix('\n').unwrap()),
        CheckpointError::MissingFinalNewline
    );
    assert!(matches!(
        parse_err(&good.replace('\n', "\r\n")),
        CheckpointError::ControlCharacter {
            line: 1,
            code: 0x0d
        }
    ));
    assert!(matches!(
        parse_err(&good.replacen("41", "4\t1", 1)),
        CheckpointError::ControlCharacter { line: 2, code: 9 }
    ));
    assert!(matches!(
        parse_err(&good.replacen("\n\n", "\n", 1)),
        CheckpointError::MissingSeparator
    ));
    assert!(matches!(
        parse_err(&body),
        CheckpointError::MissingSeparator
    ));
    assert!(matches!(
        parse_err(&format!("{body}\n")),
        CheckpointError::NoSignatures
    ));
    assert!(matches!(
        parse_err(&format!("{body}\n\n")),
        CheckpointError::NoSignatures
    ));
    assert!(matches!(
        parse_err(&with_body(&format!("{body}extension\n"))),
        CheckpointError::BodyLines { found: 4 }
    ));
    assert!(matches!(
        parse_err(&with_body(&format!("{origin}\n41\n"))),
        CheckpointError::BodyLines { found: 2 }
    ));

    for o in [
        "example.com/log".to_owned(),
        format!("jixiao/{}", "5A".repeat(16)),
        format!("jixiao/{}", "5a".repeat(15)),
        format!("jixiao/{}", "5a".repeat(17)),
        format!("jixiao/{}g", "5a".repeat(15)),
        format!("JIXIAO/{}", "5a".repeat(16)),
        String::new(),
    ] {
        let t = with_body(&format!("{o}\n41\n{root_line}\n"));
        assert!(
            matches!(parse_err(&t), CheckpointError::BadOrigin { .. }),
            "{o:?}"
        );
    }
    for s in [
        "",
        "041",
        "00",
        "-1",
        "+41",
        " 41",
        "41 ",
        "4_1",
        "0x29",
        "18446744073709551616",
        "٤١",
    ] {
        let t = with_body(&format!("{origin}\n{s}\n{root_line}\n"));
        assert!(
            matches!(parse_err(&t), CheckpointError::BadSize { .. }),
            "{s:?}"
        );
    }
    let unpadded = root_line.trim_end_matches('=').to_owned();
    let mut trailing_bits = root_line.clone();
    trailing_bits.replace_range(42..43, "B"); // 'A' → 'B' sets a bit past the 32 bytes
    for r in [
        String::new(),
        unpadded,
        trailing_bits,
        B64.encode([0x33; 31]),
        B64.encode([0x33; 33]),
        root_line.replace('M', "-"),
        format!("{root_line} "),
    ] {
        let t = with_body(&format!("{origin}\n41\n{r}\n"));
        assert!(
            matches!(parse_err(&t), CheckpointError::BadRoot { .. }),
            "{r:?}"
        );
    }

    let blob = [7u8; 68];
    let sig_text = |line: &str| format!("{body}\n{line}");
    assert!(matches!(
        parse_err(&sig_text(&format!("-- a {}\n", B64.encode(blob)))),
        CheckpointError::SignatureLinePrefix { line: 5 }
    ));
    assert!(matches!(
        parse_err(&sig_text(&format!("\u{2014}a {}\n", B64.encode(blob)))),
        CheckpointError::SignatureLinePrefix { line: 5 }
    ));
    assert!(matches!(
        parse_err(&sig_text(&sig_line("", &blob))),
        CheckpointError::BadKeyName { line: 5, .. }
    ));
    assert!(matches!(
        parse_err(&sig_text(&sig_line("a+b", &blob))),
        CheckpointError::BadKeyName { line: 5, .. }
    ));
    assert!(matches!(
        parse_err(&sig_text("\u{2014} lonely-name\n")),
        CheckpointError::BadSignatureEncoding { line: 5 }
    ));
    assert!(matches!(
        parse_err(&sig_text(&sig_line("a", &[7u8; 64]))),
        CheckpointError::BadSignatureEncoding { line: 5 }
    ));
    // 76 bytes is a cosignature/v1 line (key hash, time, signature); 75 or 77 is nothing.
    for n in [75, 77] {
        assert!(matches!(
            parse_err(&sig_text(&sig_line("a", &vec![7u8; n]))),
            CheckpointError::BadSignatureEncoding { line: 5 }
        ));
    }
    let cosig = SignedCheckpoint::parse(&sig_text(&sig_line("a", &[7u8; 76]))).unwrap();
    assert_eq!(cosig.signatures[0].cosigned_at, Some(0x0707_0707_0707_0707));
    assert!(matches!(
        parse_err(&sig_text("\u{2014} a !!!!\n")),
        CheckpointError::BadSignatureEncoding { line: 5 }
    ));
    assert!(matches!(
        parse_err(&sig_text(&format!(
            "\u{2014} a {} extra\n",
            B64.encode(blob)
        ))),
        CheckpointError::BadSignatureEncoding { line: 5 }
    ));
    let twice = format!("{}{}", sig_line("a", &blob), sig_line("a", &blob));
    assert!(matches!(
        parse_err(&sig_text(&twice)),
        CheckpointError::DuplicateSignature { line: 6, .. }
    ));
    let many: String = (0..65).map(|i| sig_line(&format!("k{i}"), &blob)).collect();
    assert!(matches!(
        parse_err(&sig_text(&many)),
        CheckpointError::TooManySignatures { found: 65 }
    ));
    let enough: String = (0..16).map(|i| sig_line(&format!("k{i}"), &blob)).collect();
    assert_eq!(
        SignedCheckpoint::parse(&sig_text(&enough))
            .unwrap()
            .signatures
            .len(),
        16
    );
}

#[test]
fn every_flipped_byte_is_refused() {
    let text = signed_text();
    let t = trusted(&[dept()]);
    for i in 0..text.len() {
        for mask in [0x01u8, 0x20, 0x80] {
            let mut bytes = text.clone().into_bytes();
            bytes[i] ^= mask;
            let Ok(s) = String::from_utf8(bytes) else {
                continue; // not even text
            };
            let outcome = SignedCheckpoint::parse(&s).and_then(|cp| cp.verify_signatures(&t));
            assert!(outcome.is_err(), "byte {i} ^ {mask:#x} accepted: {s:?}");
        }
    }
}

#[test]
fn empty_tree_checkpoint_uses_size_zero() {
    let (n, k) = dept();
    let cp = Checkpoint::for_ledger(&LEDGER, 0, [0; 32])
        .sign(&k, n)
        .unwrap();
    let text = cp.to_text();
    assert!(text.contains("\n0\n"));
    assert_eq!(SignedCheckpoint::parse(&text).unwrap(), cp);
}
