//! Known-answer vectors of docs/FORMAT.md: a fixed 3-entry ledger built with fixed keys, ids
//! and times must have exactly the stored bytes, hashes and signatures the document lists, and
//! those must check with nothing but blake3 and Ed25519 as the document describes them.

use ed25519_dalek::{Signature, SigningKey, Verifier};
use jixiao::ledger::{EntryHash, Ledger};
use jixiao::model::{Event, Fact, Genesis, Grant, Principal, Role};

const LEDGER_ID: [u8; 16] = [0x11; 16];
const T: i64 = 1_672_531_200; // 2023-01-01T00:00:00Z

// The vectors, as printed in docs/FORMAT.md §6.
const ENTRY_HEX: [&str; 3] = [
    "0101b7c98cbcaab42391ef1965bdaac3be33d749f337209afe7923255560719a79d680b486bb0ce34ec7dfb9a88217000ce6b58be8af95e983a8e997a803543031cc1f018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c0561646d696e",
    "010268780de6aa8245609f9c0408f28710665e103c02f1ba8b578ff05e6426491e15f8b486bb0ce34ec7dfb9a88217018139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394087265636f7264657201",
    "01037697841b3e2cb6fc740acca7165a3487b2a6ea3e930da050299a46a5b1b5b000f0b586bb0c85de00b345942ca6080e73746166662e73656374696f6e730ce58685e8aebee7a791e5aea4100003e4b8aacc1f0c1f08e4b88028e4b88029",
];
const HASH_HEX: [&str; 3] = [
    "68780de6aa8245609f9c0408f28710665e103c02f1ba8b578ff05e6426491e15",
    "7697841b3e2cb6fc740acca7165a3487b2a6ea3e930da050299a46a5b1b5b000",
    "7906009d88bcd1370b56a7b2c2fd6e277aca653daecee3a139385477bb7323b8",
];
/// Format 2 (RFC 6962) root of the three entry hashes, the `merkle` frontier's root.
const ROOT_HEX: &str = "0e055d37764929c1d78daccf27b0a53cb3324db11f35e5ef56da1f70778d106a";
/// Format 1 (keyed BLAKE3) root of the same entry hashes, as a format-1 file of these entries
/// keeps it.
const ROOT_V1_HEX: &str = "d62530cbca96407c25cd8aa7b105185144e6bb8ef54a0436dc85dec11f756f93";
const SIG_HEX: [&str; 3] = [
    "b38dfe815151a09291edb48ddbfd45915efeed4a325a29b71f74d346b0606854aaecb5072f6e87c069df4b5dd403f815c7cf20ecc56d061962e9815c554ec901",
    "3ba85276a4a68a718d7e4e8d0ced3787000566a4d22993a2bbf11d2ece3da31f24f0cffdab19cc69458ce27e90acca077bf309c14a0e4f5bf9f80677a2dcb608",
    "92367b39ad6a4c91941a39697d7ecaaf074d539613b18f0638a72bcb0fbb6393a1b865334a7464abe73faeb8da0fb75bde87541749d469ee996e93b99416db05",
];

fn keys() -> (SigningKey, SigningKey) {
    (
        SigningKey::from_bytes(&[1u8; 32]),
        SigningKey::from_bytes(&[2u8; 32]),
    )
}

fn build(dir: &std::path::Path) -> Ledger {
    let (admin, recorder) = keys();
    let genesis = Genesis {
        department: "测试部门".into(),
        department_code: "T01".into(),
        year: 2022,
        admins: vec![Principal {
            public_key: admin.verifying_key().to_bytes(),
            name: "admin".into(),
        }],
    };
    let path = dir.join("kat.jixiao");
    let (ledger, _) = Ledger::create(&path, genesis, &admin, LEDGER_ID, T).unwrap();
    ledger
        .append(
            &admin,
            vec![Event::Grant(Grant {
                principal: Principal {
                    public_key: recorder.verifying_key().to_bytes(),
                    name: "recorder".into(),
                },
                role: Role::Recorder,
            })],
            T + 60,
        )
        .unwrap();
    ledger
        .append(
            &recorder,
            vec![Event::Fact(Fact {
                key: "staff.sections".into(),
                name: "内设科室".into(),
                value: "8".parse().unwrap(),
                unit: "个".into(),
                date: "2022-12-31".parse().unwrap(),
                source: "一(一)".into(),
            })],
            T + 120,
        )
        .unwrap();
    ledger
}

#[test]
fn fixed_ledger_matches_the_documented_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = build(dir.path());
    let batches = ledger.batches().unwrap();
    let mut got = Vec::new();
    for seq in 1..=3u64 {
        let bytes = ledger.stored_bytes(seq).unwrap().unwrap();
        let hash = EntryHash::of_stored(&bytes);
        let sig = &batches[(seq - 1) as usize].signature;
        got.push((hex::encode(&bytes), hash.to_hex(), hex::encode(sig)));
    }
    if std::env::var_os("JIXIAO_PRINT_KAT").is_some() {
        for (i, (b, h, s)) in got.iter().enumerate() {
            println!(
                "entry {}: {b}\nhash {}: {h}\nsig {}: {s}",
                i + 1,
                i + 1,
                i + 1
            );
        }
    }
    for (i, (b, h, s)) in got.iter().enumerate() {
        assert_eq!(b, ENTRY_HEX[i], "stored bytes of entry {}", i + 1);
        assert_eq!(h, HASH_HEX[i], "hash of entry {}", i + 1);
        assert_eq!(s, SIG_HEX[i], "signature of batch {}", i + 1);
    }
    let v = ledger.verify(&mut |_| {}).unwrap();
    // The Merkle tree over the three entry hashes (FORMAT.md §7 and §9.1).
    let (size, root) = ledger.tree_head().unwrap();
    assert_eq!((size, v.root), (3, root));
    if std::env::var_os("JIXIAO_PRINT_KAT").is_some() {
        println!("root: {}", hex::encode(root));
    }
    assert_eq!(hex::encode(root), ROOT_HEX);
    assert_eq!(ledger.format_version(), 2);
    let hashes = ledger.entry_hashes(3).unwrap();
    assert_eq!(
        hex::encode(jixiao::ledger::TreeAlgorithm::Blake3V1.root_of(&hashes)),
        ROOT_V1_HEX
    );
}

/// The format-2 root the way an independent verifier computes it: SHA-256 with RFC 6962's
/// 0x00 / 0x01 prefixes over the documented entry hashes, no jixiao code.
#[test]
fn the_format_2_root_checks_independently() {
    use sha2::{Digest, Sha256};
    let leaf = |h: &str| -> [u8; 32] {
        Sha256::new()
            .chain_update([0u8])
            .chain_update(hex::decode(h).unwrap())
            .finalize()
            .into()
    };
    let node = |l: &[u8; 32], r: &[u8; 32]| -> [u8; 32] {
        Sha256::new()
            .chain_update([1u8])
            .chain_update(l)
            .chain_update(r)
            .finalize()
            .into()
    };
    let l: Vec<[u8; 32]> = HASH_HEX.iter().map(|h| leaf(h)).collect();
    assert_eq!(hex::encode(node(&node(&l[0], &l[1]), &l[2])), ROOT_HEX);
}

/// Checks the vectors the way an independent verifier would: raw blake3 and Ed25519 over the
/// byte layouts of FORMAT.md, no jixiao code.
#[test]
fn vectors_check_independently() {
    let (admin, recorder) = keys();
    let mut prev = *blake3::Hasher::new_derive_key("jixiao ledger v1 genesis prev")
        .update(&LEDGER_ID)
        .finalize()
        .as_bytes();
    for i in 0..3 {
        let bytes = hex::decode(ENTRY_HEX[i]).unwrap();
        // envelope: version varint (1), seq varint, prev 32 bytes
        assert_eq!(bytes[0], 1, "envelope version");
        assert_eq!(bytes[1], (i + 1) as u8, "seq");
        assert_eq!(&bytes[2..34], &prev, "prev of entry {}", i + 1);
        let hash = *blake3::Hasher::new_derive_key("jixiao ledger v1 entry hash")
            .update(&bytes)
            .finalize()
            .as_bytes();
        assert_eq!(hex::encode(hash), HASH_HEX[i]);
        let signer = if i < 2 { &admin } else { &recorder };
        let seq = (i + 1) as u64;
        let mut msg = b"jixiao ledger v1 batch signature".to_vec();
        msg.extend_from_slice(&LEDGER_ID);
        msg.extend_from_slice(&seq.to_le_bytes());
        msg.extend_from_slice(&seq.to_le_bytes());
        msg.extend_from_slice(&hash);
        let sig = Signature::from_slice(&hex::decode(SIG_HEX[i]).unwrap()).unwrap();
        signer.verifying_key().verify(&msg, &sig).unwrap();
        prev = hash;
    }
}

// The key file vectors of docs/FORMAT.md §6.1.
const SECRET_KEY_FILE: &str = "jixiao-secret-key-v1\nname: admin\nsecret: 0101010101010101010101010101010101010101010101010101010101010101\n";
const PUBLIC_KEY_FILE: &str = "jixiao-public-key-v1\nname: admin\npublic: 8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c\nkey-id: e34ec7dfb9a88217\n";

#[test]
fn key_file_vectors_are_what_key_new_writes_and_reads() {
    use jixiao::ledger::keys::{KeyPair, parse_public, public_path};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("admin.key");
    let k = KeyPair {
        name: "admin".into(),
        signing: keys().0,
    };
    k.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SECRET_KEY_FILE);
    assert_eq!(
        std::fs::read_to_string(public_path(&path)).unwrap(),
        PUBLIC_KEY_FILE
    );
    let origin = std::path::Path::new("admin.key");
    let back = KeyPair::parse(SECRET_KEY_FILE, origin).unwrap();
    assert_eq!(back.signing.to_bytes(), [1u8; 32]);
    let p = parse_public(PUBLIC_KEY_FILE, origin).unwrap();
    assert_eq!(p, k.principal());
    assert_eq!(p.key_id().to_string(), "e34ec7dfb9a88217");
    // CRLF line ends and upper-case hex read the same
    let crlf = PUBLIC_KEY_FILE
        .replace('\n', "\r\n")
        .replace("8a88e3dd", "8A88E3DD");
    assert_eq!(parse_public(&crlf, origin).unwrap(), p);
}
