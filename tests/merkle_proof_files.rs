//! Proof files: built from a small ledger of real entries, checked offline with public keys
//! only; every flipped byte and every kind of mismatch refused with a typed error.

use ed25519_dalek::{SigningKey, VerifyingKey};
use jixiao::ledger::{
    Checkpoint, CheckpointError, ConsistencyProof, ENVELOPE_VERSION, Entry, EntryHash, Frontier,
    InclusionProof, ProofError, ProofSummary, SignedCheckpoint, check_proof_bytes,
    check_proof_text, consistency_path, inclusion_path,
};

/// The tree these tests run on: the current format's (RFC 6962).
const T: jixiao::ledger::TreeAlgorithm = jixiao::ledger::TreeAlgorithm::CURRENT;
use jixiao::model::{Event, Genesis, Grant, KeyId, Principal, Role};

const LEDGER: [u8; 16] = *b"conghua-2022-gov";
const DEPT: &str = "conghua.example/office";

fn dept_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn trusted() -> Vec<(&'static str, VerifyingKey)> {
    vec![(DEPT, dept_key().verifying_key())]
}

/// Stored bytes of a small chained ledger: a genesis, then grants.
fn ledger(n: usize, department: &str) -> Vec<Vec<u8>> {
    let admin = Principal {
        public_key: dept_key().verifying_key().to_bytes(),
        name: "办公室 管理员".to_owned(),
    };
    let mut prev = EntryHash::genesis_prev(&LEDGER);
    let mut out = Vec::new();
    for seq in 1..=n as u64 {
        let event = if seq == 1 {
            Event::Genesis(Genesis {
                department: department.to_owned(),
                department_code: "440117".to_owned(),
                year: 2022,
                admins: vec![admin.clone()],
            })
        } else {
            Event::Grant(Grant {
                principal: Principal {
                    public_key: SigningKey::from_bytes(&[seq as u8 + 10; 32])
                        .verifying_key()
                        .to_bytes(),
                    name: format!("财务科 {seq}"),
                },
                role: Role::Recorder,
            })
        };
        let entry = Entry {
            version: ENVELOPE_VERSION,
            seq,
            prev,
            recorded_at: 1_672_531_200 + seq as i64,
            author: KeyId::of(&admin.public_key),
            event,
        };
        let bytes = entry.encode();
        prev = EntryHash::of_stored(&bytes);
        out.push(bytes);
    }
    out
}

fn hashes(entries: &[Vec<u8>]) -> Vec<EntryHash> {
    entries.iter().map(|b| EntryHash::of_stored(b)).collect()
}

fn signed_at(h: &[EntryHash], size: usize) -> SignedCheckpoint {
    let root = Frontier::from_hashes(&h[..size]).unwrap().root();
    Checkpoint::for_ledger(&LEDGER, size as u64, root)
        .sign(&dept_key(), DEPT)
        .unwrap()
}

fn inclusion(entries: &[Vec<u8>], seq: u64, size: usize) -> InclusionProof {
    let h = hashes(entries);
    let path = inclusion_path(T, &h, seq - 1, size as u64).unwrap();
    InclusionProof::new(
        LEDGER,
        seq,
        entries[seq as usize - 1].clone(),
        path,
        signed_at(&h, size),
    )
}

fn consistency(entries: &[Vec<u8>], old: usize, new: usize) -> ConsistencyProof {
    let h = hashes(entries);
    ConsistencyProof {
        ledger_id: LEDGER,
        old_checkpoint: signed_at(&h, old),
        new_checkpoint: signed_at(&h, new),
        path: consistency_path(T, &h, old as u64, new as u64).unwrap(),
        tree: T,
    }
}

#[test]
fn inclusion_proof_of_every_entry_checks() {
    let entries = ledger(10, "广州市从化区人民政府办公室");
    let h = hashes(&entries);
    for seq in 1..=10u64 {
        let text = inclusion(&entries, seq, 10).to_json();
        let summary = check_proof_text(&text, &trusted()).unwrap();
        assert_eq!(
            summary,
            ProofSummary::Inclusion {
                ledger_id: LEDGER,
                seq,
                entry_hash: h[seq as usize - 1],
                entry: Box::new(Entry::decode(&entries[seq as usize - 1]).unwrap()),
                tree_size: 10,
                root: Frontier::from_hashes(&h).unwrap().root(),
                signers: vec![DEPT.to_owned()],
            }
        );
        let parsed = InclusionProof::parse(&text).unwrap();
        assert_eq!(parsed, inclusion(&entries, seq, 10));
        assert_eq!(parsed.to_json(), text);
    }
}

#[test]
fn inclusion_file_fields_are_as_documented() {
    let entries = ledger(5, "办公室");
    let text = inclusion(&entries, 3, 5).to_json();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let o = v.as_object().unwrap();
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checkpoint",
            "entry",
            "entry_hash",
            "format",
            "index",
            "ledger_id",
            "record_hash",
            "record_proof",
            "seq",
            "tree_hash",
            "tree_size"
        ]
    );
    assert_eq!(o["format"], "jixiao-inclusion-proof/2");
    // What tlog.CheckRecord(p, t, th, n, h) takes, by name: p = record_proof, t = tree_size,
    // th = tree_hash, n = index, h = record_hash = SHA-256(0x00 ‖ entry hash).
    use base64::Engine as _;
    let b64 = |h: &[u8]| base64::engine::general_purpose::STANDARD.encode(h);
    assert_eq!(o["index"], 2);
    assert_eq!(
        o["record_hash"],
        b64(&jixiao::ledger::leaf_hash(&EntryHash::of_stored(
            &entries[2]
        )))
    );
    let h = hashes(&entries);
    assert_eq!(
        o["tree_hash"],
        b64(&Frontier::from_hashes(&h).unwrap().root())
    );
    assert_eq!(
        o["record_proof"],
        serde_json::json!(
            inclusion_path(T, &h, 2, 5)
                .unwrap()
                .iter()
                .map(|x| b64(x))
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(o["ledger_id"], hex::encode(LEDGER));
    assert_eq!(o["seq"], 3);
    assert_eq!(o["tree_size"], 5);
    assert_eq!(o["entry"], hex::encode(&entries[2]));
    assert_eq!(o["entry_hash"], EntryHash::of_stored(&entries[2]).to_hex());
    let cp = SignedCheckpoint::parse(o["checkpoint"].as_str().unwrap()).unwrap();
    assert_eq!(cp.checkpoint.size, 5);
    assert!(text.ends_with("}\n"));
}

#[test]
fn consistency_proof_between_every_pair_checks() {
    let entries = ledger(10, "办公室");
    let h = hashes(&entries);
    for new in 1..=10 {
        for old in 1..=new {
            let text = consistency(&entries, old, new).to_json();
            let summary = check_proof_text(&text, &trusted()).unwrap();
            assert_eq!(
                summary,
                ProofSummary::Consistency {
                    ledger_id: LEDGER,
                    old_size: old as u64,
                    old_root: Frontier::from_hashes(&h[..old]).unwrap().root(),
                    new_size: new as u64,
                    new_root: Frontier::from_hashes(&h[..new]).unwrap().root(),
                    old_signers: vec![DEPT.to_owned()],
                    new_signers: vec![DEPT.to_owned()],
                }
            );
            let parsed = ConsistencyProof::parse(&text).unwrap();
            assert_eq!(parsed.to_json(), text);
        }
    }
}

fn assert_every_flip_refused(text: &str, what: &str) {
    for i in 0..text.len() {
        for mask in [0x01u8, 0x20, 0x80] {
            let mut bytes = text.as_bytes().to_vec();
            bytes[i] ^= mask;
            let r = check_proof_bytes(&bytes, &trusted());
            assert!(
                r.is_err(),
                "{what}: byte {i} ({:?}) ^ {mask:#04x} accepted",
                text.as_bytes()[i] as char
            );
        }
    }
}

#[test]
fn every_flipped_byte_of_an_inclusion_proof_is_refused() {
    let entries = ledger(7, "办公室");
    let text = inclusion(&entries, 6, 7).to_json();
    check_proof_text(&text, &trusted()).unwrap();
    assert_every_flip_refused(&text, "inclusion");
}

#[test]
fn every_flipped_byte_of_a_consistency_proof_is_refused() {
    let entries = ledger(7, "办公室");
    let text = consistency(&entries, 3, 7).to_json();
    check_proof_text(&text, &trusted()).unwrap();
    assert_every_flip_refused(&text, "consistency");
}

#[test]
fn inclusion_mismatches_are_typed() {
    let entries = ledger(8, "办公室");
    let good = inclusion(&entries, 5, 8);

    // Entry bytes changed, stated hash kept.
    let mut p = good.clone();
    p.entry[3] ^= 1;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::EntryHashMismatch { seq: 5, .. })
    ));
    // Entry replaced consistently (bytes and hash) by seq 5 of a forked ledger: the path no
    // longer leads to the root.
    let mut p = good.clone();
    p.entry = ledger(8, "另一个办公室")[4].clone();
    p.entry_hash = EntryHash::of_stored(&p.entry);
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::InclusionRootMismatch { index: 4, size: 8 })
    ));
    // Bytes that hash as stated but are no entry, or an entry with another seq: the file
    // was rebuilt around other bytes.
    let mut p = good.clone();
    p.entry = b"not an entry".to_vec();
    p.entry_hash = EntryHash::of_stored(&p.entry);
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::EntryUndecodable { seq: 5, .. })
    ));
    let mut p = good.clone();
    p.entry = entries[3].clone();
    p.entry_hash = EntryHash::of_stored(&p.entry);
    p.seq = 5;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::EntrySeqMismatch {
            stated: 5,
            in_entry: 4
        })
    ));
    // Each path element altered.
    for i in 0..good.path.len() {
        let mut p = good.clone();
        p.path[i][0] ^= 0x40;
        assert!(matches!(
            p.check(&trusted()),
            Err(ProofError::InclusionRootMismatch { .. })
        ));
    }
    // Stated size disagrees with the checkpoint.
    let mut p = good.clone();
    p.tree_size = 9;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::CheckpointMismatch {
            field: "tree_size",
            ..
        })
    ));
    // Checkpoint of another ledger.
    let mut p = good.clone();
    p.ledger_id[0] ^= 1;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::CheckpointMismatch {
            field: "ledger_id",
            ..
        })
    ));
    // Signed by a key nobody trusts.
    let stranger = SigningKey::from_bytes(&[77; 32]);
    let mut p = good.clone();
    p.checkpoint = p
        .checkpoint
        .checkpoint
        .sign(&stranger, "stranger.example/x")
        .unwrap();
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::Checkpoint {
            source: CheckpointError::NotTrusted { .. },
            ..
        })
    ));
    // Signed under the trusted name by another key: ignored, so untrusted.
    let mut p = good.clone();
    p.checkpoint = p.checkpoint.checkpoint.sign(&stranger, DEPT).unwrap();
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::Checkpoint {
            source: CheckpointError::NotTrusted { .. },
            ..
        })
    ));
    // A checkpoint for another root, resigned by the real key: the path does not fit.
    let mut p = good.clone();
    p.checkpoint = Checkpoint::for_ledger(&LEDGER, 8, [0; 32])
        .sign(&dept_key(), DEPT)
        .unwrap();
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::InclusionRootMismatch { .. })
    ));
    // seq 0 and seq past the tree.
    let mut p = good.clone();
    p.seq = 0;
    assert!(matches!(p.check(&trusted()), Err(ProofError::SeqZero)));
    // Entry 9 of the same ledger, against the checkpoint of its first 8 entries.
    let mut p = good.clone();
    p.entry = ledger(9, "办公室")[8].clone();
    p.entry_hash = EntryHash::of_stored(&p.entry);
    p.seq = 9;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::IndexOutOfRange { index: 8, size: 8 })
    ));
}

#[test]
fn forks_and_rollbacks_are_refused() {
    let entries = ledger(9, "办公室");
    // The same ledger id, rewritten from entry 1 on (another department name in genesis).
    let forked = ledger(9, "另一个办公室");
    let honest = consistency(&entries, 4, 9);

    let mut p = honest.clone();
    p.new_checkpoint = consistency(&forked, 4, 9).new_checkpoint;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::ConsistencyRootMismatch { .. })
    ));
    let mut p = honest.clone();
    p.old_checkpoint = consistency(&forked, 4, 9).old_checkpoint;
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::ConsistencyRootMismatch { .. })
    ));
    // Rollback: the "new" checkpoint is older than the old one.
    let p = ConsistencyProof {
        ledger_id: LEDGER,
        old_checkpoint: honest.new_checkpoint.clone(),
        new_checkpoint: honest.old_checkpoint.clone(),
        path: vec![],
        tree: T,
    };
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::SizesReversed { old: 9, new: 4 })
    ));
    // Same size, different roots.
    let p = ConsistencyProof {
        ledger_id: LEDGER,
        old_checkpoint: honest.new_checkpoint.clone(),
        new_checkpoint: consistency(&forked, 4, 9).new_checkpoint,
        path: vec![],
        tree: T,
    };
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::SameSizeDifferentRoot { size: 9 })
    ));
    // Old checkpoint untrusted.
    let mut p = honest.clone();
    p.old_checkpoint = p
        .old_checkpoint
        .checkpoint
        .sign(&SigningKey::from_bytes(&[5; 32]), DEPT)
        .unwrap();
    assert!(matches!(
        p.check(&trusted()),
        Err(ProofError::Checkpoint {
            which: "old checkpoint",
            ..
        })
    ));
}

#[test]
fn malformed_files_are_typed() {
    let entries = ledger(4, "办公室");
    let good = inclusion(&entries, 2, 4).to_json();
    let t = trusted();

    assert!(matches!(
        check_proof_text("", &t),
        Err(ProofError::Json { .. })
    ));
    assert!(matches!(
        check_proof_text("{}", &t),
        Err(ProofError::Json { .. })
    ));
    assert!(matches!(
        check_proof_text(
            &good.replace("jixiao-inclusion-proof/2", "jixiao-inclusion-proof/3"),
            &t
        ),
        Err(ProofError::UnknownFormat { .. })
    ));
    assert!(matches!(
        check_proof_text(&good.replacen("{", "{\n  \"extra\": 1,", 1), &t),
        Err(ProofError::Json { .. })
    ));
    let ledger_hex = hex::encode(LEDGER);
    assert!(matches!(
        check_proof_text(&good.replace(&ledger_hex, &ledger_hex.to_uppercase()), &t),
        Err(ProofError::BadHex { .. })
    ));
    let p = InclusionProof::parse(&good).unwrap();
    use base64::Engine as _;
    let first = base64::engine::general_purpose::STANDARD.encode(p.path[0]);
    assert!(matches!(
        check_proof_text(&good.replace(&first, &first[..40]), &t),
        Err(ProofError::BadBase64 { field }) if field == "record_proof[0]"
    ));
    assert!(matches!(
        check_proof_text(&good.replace("\"seq\": 2", "\"seq\": 0"), &t),
        Err(ProofError::SeqZero)
    ));
    assert!(matches!(
        check_proof_text(&good.replace("\"seq\": 2", "\"seq\": -2"), &t),
        Err(ProofError::Json { .. })
    ));
    assert!(matches!(
        check_proof_text(&good.replace("\"seq\": 2", "\"seq\": 2.0"), &t),
        Err(ProofError::Json { .. })
    ));
    assert!(matches!(
        check_proof_text(&good.replace("\\n\\n", "\\n"), &t),
        Err(ProofError::Checkpoint {
            source: CheckpointError::MissingSeparator,
            ..
        })
    ));
    assert!(matches!(
        check_proof_bytes(b"{\"format\": \"\xff\"}", &t),
        Err(ProofError::NotUtf8(12))
    ));
    let long_path = format!(
        "[{}]",
        vec![format!("\"{}\"", "A".repeat(43) + "="); 129].join(",")
    );
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let mut o = v.as_object().unwrap().clone();
    o.insert(
        "record_proof".into(),
        serde_json::from_str(&long_path).unwrap(),
    );
    assert!(matches!(
        check_proof_text(&serde_json::to_string(&o).unwrap(), &t),
        Err(ProofError::PathLength { found: 129, .. })
    ));
}

/// The fields `/2` restates for tlog (index, record hash, tree hash; old and new sizes and
/// hashes) must agree with what they restate: an edit of one alone is refused, naming it.
#[test]
fn a_restated_tlog_field_that_disagrees_is_refused() {
    let entries = ledger(6, "办公室");
    let good = inclusion(&entries, 3, 6).to_json();
    let t = trusted();
    let edit = |text: &str, field: &str, value: serde_json::Value| {
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        v[field] = value;
        serde_json::to_string(&v).unwrap()
    };
    let other = serde_json::json!("A".repeat(43) + "=");
    for (field, value) in [
        ("index", serde_json::json!(3)),
        ("record_hash", other.clone()),
        ("tree_hash", other.clone()),
    ] {
        let e = check_proof_text(&edit(&good, field, value), &t).unwrap_err();
        assert!(
            matches!(&e, ProofError::Restated { field: f, .. } if *f == field),
            "{field}: {e:?}"
        );
    }
    let good = consistency(&entries, 2, 6).to_json();
    for (field, value) in [
        ("old_size", serde_json::json!(3)),
        ("new_size", serde_json::json!(5)),
        ("old_hash", other.clone()),
        ("new_hash", other.clone()),
    ] {
        let e = check_proof_text(&edit(&good, field, value), &t).unwrap_err();
        assert!(
            matches!(&e, ProofError::Restated { field: f, .. } if *f == field),
            "{field}: {e:?}"
        );
    }
    // A flipped hash of the proof itself is a path failure.
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["tree_proof"][0] = other;
    assert!(matches!(
        check_proof_text(&serde_json::to_string(&v).unwrap(), &t),
        Err(ProofError::ConsistencyRootMismatch { .. })
    ));
}

/// Proof files of a format-1 ledger are still `/1`, over its keyed-BLAKE3 tree, and check.
#[test]
fn format_1_proof_files_are_still_written_and_checked() {
    let v1 = jixiao::ledger::TreeAlgorithm::Blake3V1;
    let entries = ledger(9, "办公室");
    let h = hashes(&entries);
    let signed = |n: usize| {
        Checkpoint::for_ledger(&LEDGER, n as u64, v1.root_of(&h[..n]))
            .sign(&dept_key(), DEPT)
            .unwrap()
    };
    let p = InclusionProof::new_in(
        v1,
        LEDGER,
        4,
        entries[3].clone(),
        inclusion_path(v1, &h, 3, 9).unwrap(),
        signed(9),
    );
    let text = p.to_json();
    let o: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checkpoint",
            "entry",
            "entry_hash",
            "format",
            "ledger_id",
            "path",
            "seq",
            "tree_size"
        ]
    );
    assert_eq!(o["format"], "jixiao-inclusion-proof/1");
    assert_eq!(InclusionProof::parse(&text).unwrap(), p);
    assert!(matches!(
        check_proof_text(&text, &trusted()),
        Ok(ProofSummary::Inclusion { seq: 4, .. })
    ));
    let c = ConsistencyProof {
        ledger_id: LEDGER,
        old_checkpoint: signed(5),
        new_checkpoint: signed(9),
        path: consistency_path(v1, &h, 5, 9).unwrap(),
        tree: v1,
    };
    let text = c.to_json();
    assert!(text.contains("\"jixiao-consistency-proof/1\""));
    assert!(check_proof_text(&text, &trusted()).is_ok());
    // The same path relabelled as a format-2 file checks against the other tree, and fails.
    let relabelled = ConsistencyProof {
        tree: jixiao::ledger::TreeAlgorithm::Rfc6962,
        ..c
    };
    assert!(matches!(
        check_proof_text(&relabelled.to_json(), &trusted()),
        Err(ProofError::ConsistencyRootMismatch { .. })
    ));
}
