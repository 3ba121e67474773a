//! Known-answer vectors of the Merkle tree, frontier and checkpoint formats, checked against
//! the code and against the format document, byte for byte: the format-2 (RFC 6962) tree and
//! the format-1 (keyed BLAKE3) tree that older files keep. The format-2 values were computed
//! independently of this code (Python's hashlib, straight from RFC 9162 §2.1); the published
//! RFC 6962 vectors are checked in tests/merkle_rfc6962.rs.

use ed25519_dalek::SigningKey;
use jixiao::ledger::{
    Checkpoint, EntryHash, Frontier, SignedCheckpoint, TreeAlgorithm, consistency_path, empty_root,
    inclusion_path, key_hash, leaf_hash, origin_for, root_of,
};

const V2_LEAF_D0: &str = "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9";
const V2_ROOTS: [(usize, &str); 6] = [
    (
        0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        1,
        "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9",
    ),
    (
        2,
        "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444",
    ),
    (
        3,
        "ba8d94b7fbcecae7b81c4c80574fe24734a6917bf9c1ecd66ff3e0c34ead4620",
    ),
    (
        7,
        "7318881c41fce3c1de3640df8e8c110c93f43f686b74204a9d1ad5b8c71c2047",
    ),
    (
        8,
        "f907f23f76aa01b755a614d31ef9832909f44638b4590073301e61e6d01f9a1d",
    ),
];
const V2_FRONTIER_7: &str = "020000000000000007fdea52008cdae79fa8bf806261959e23f5e11681646a2fa2bc9b5e56b32030a2f1c176552a35e1d035f843d463220b6c85a90ea7f6644980630a6f71a3330ed3511c6562982c9bfa05ba4145ca5f2bba85a11a178a4131b5cebde26dd9ffe704";
const V2_INCLUSION_2_7: [&str; 3] = [
    "acaa04663a8547a2f70c60cc18f9378796b13c4f9a08f70d6adae662365b30c6",
    "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444",
    "1f3f95843413191fe7521996b6b1e4147d703b1702c475a478ad25a6f6b415b4",
];
const V2_CONSISTENCY_3_7: [&str; 4] = [
    "cba8c596120bdb69debbd923d92cba948bde7c7d06a465a1bb7d98d3116038fa",
    "acaa04663a8547a2f70c60cc18f9378796b13c4f9a08f70d6adae662365b30c6",
    "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444",
    "1f3f95843413191fe7521996b6b1e4147d703b1702c475a478ad25a6f6b415b4",
];

const DOC: &str = include_str!("../docs/FORMAT.md");

const K_LEAF: &str = "4dd708bf8a020ad1f34e8cc58fe7a887917bbab4875bd5cfe2d19cc228783776";
const K_NODE: &str = "4ad465e5f294d8b13ce36530a6303055cfe3d453520e94238aadc212125d2fff";
const LEAF_D0: &str = "486d0df186f26373ba1e2b1f50b71c55f10908f9acc6a655073909822a78d633";
const ROOTS: [(usize, &str); 6] = [
    (
        0,
        "66943c74f58aa3838535f34a91c874765392231e2e9c239316f4ced3f8b7a7df",
    ),
    (
        1,
        "486d0df186f26373ba1e2b1f50b71c55f10908f9acc6a655073909822a78d633",
    ),
    (
        2,
        "959c337a0936b0bb96bed3f7536498a21587853427945e183cfa5b9a8fe590be",
    ),
    (
        3,
        "81bdb28091f6de95c0a796e8013124ac8d5f5e777507d20e41a2985a14f7ceb4",
    ),
    (
        7,
        "e6ccc4f616fcc35a514b0212641970222b45c13aa5caeceec46472ebff092ae5",
    ),
    (
        8,
        "8e16cd87cbfd28ab048c98b70ac1fc1293e793335690d1669d4382f17a0f683d",
    ),
];
const FRONTIER_7: &str = "010000000000000007a97bf88a4bfc2678ae68344536dc00c6455f03845548b668b92818146cdc0a2dde32c9402f4c9657676987067ba22dc55501bde356629ccfe86452eefb4610be1870abe9cbdb9e314bdd8a96027c512c915f5471720f2ec6dea5144dedc93ff9";
const INCLUSION_2_7: [&str; 3] = [
    "8293ea0f477189f04b421dc525d9f6555111af950b9d3c0d0684de1b26ac2c79",
    "959c337a0936b0bb96bed3f7536498a21587853427945e183cfa5b9a8fe590be",
    "96ef518dc5aab0eb3d5efcffe65b9784ff852d0eea9b9eb735795e313bdad920",
];
const CONSISTENCY_3_7: [&str; 4] = [
    "d98ff2be6c4fdeb465af6364a561e757834fb7f8c62ffc4e463575a10f491bf5",
    "8293ea0f477189f04b421dc525d9f6555111af950b9d3c0d0684de1b26ac2c79",
    "959c337a0936b0bb96bed3f7536498a21587853427945e183cfa5b9a8fe590be",
    "96ef518dc5aab0eb3d5efcffe65b9784ff852d0eea9b9eb735795e313bdad920",
];
const PUBLIC_KEY: &str = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
const KEY_HASH: &str = "191a18ab";
const CHECKPOINT: &str = "jixiao/000102030405060708090a0b0c0d0e0f
8
+QfyP3aqAbdVphTTHvmDKQn0Rji0WQBzMB5h5tAfmh0=

\u{2014} jixiao/000102030405060708090a0b0c0d0e0f GRoYq46eGwZ5kBo1/sJWQ7BTGQOOYV+FHU0Sl8ZYowlfea+hmQiqIQ/Ha+CE0U12mzNQng24znAOF3LG8HaC2VfKVA4=
";

fn d(n: usize) -> Vec<EntryHash> {
    (0..n).map(|i| EntryHash([i as u8; 32])).collect()
}

fn hexes(v: &[[u8; 32]]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

#[test]
fn format_2_tree_vectors_match_code() {
    let t = TreeAlgorithm::Rfc6962;
    assert_eq!(TreeAlgorithm::for_format(2), Some(t));
    assert_eq!(hex::encode(leaf_hash(&EntryHash([0; 32]))), V2_LEAF_D0);
    assert_eq!(hex::encode(empty_root()), V2_ROOTS[0].1);
    for (n, root) in V2_ROOTS {
        assert_eq!(hex::encode(root_of(&d(n))), root, "size {n}");
        assert_eq!(hex::encode(t.root_of(&d(n))), root, "size {n}");
        assert_eq!(
            hex::encode(Frontier::from_hashes(&d(n)).unwrap().root()),
            root
        );
    }
    assert_eq!(
        hex::encode(Frontier::from_hashes(&d(7)).unwrap().to_bytes()),
        V2_FRONTIER_7
    );
    assert_eq!(
        hexes(&inclusion_path(t, &d(7), 2, 7).unwrap()),
        V2_INCLUSION_2_7
    );
    assert_eq!(
        hexes(&consistency_path(t, &d(7), 3, 7).unwrap()),
        V2_CONSISTENCY_3_7
    );
}

#[test]
fn format_1_tree_vectors_still_match_code() {
    let t = TreeAlgorithm::Blake3V1;
    assert_eq!(TreeAlgorithm::for_format(1), Some(t));
    assert_eq!(
        hex::encode(blake3::derive_key("jixiao ledger v1 merkle leaf", b"")),
        K_LEAF
    );
    assert_eq!(
        hex::encode(blake3::derive_key("jixiao ledger v1 merkle node", b"")),
        K_NODE
    );
    assert_eq!(hex::encode(t.leaf(&EntryHash([0; 32]))), LEAF_D0);
    assert_eq!(hex::encode(t.empty()), ROOTS[0].1);
    for (n, root) in ROOTS {
        assert_eq!(hex::encode(t.root_of(&d(n))), root, "size {n}");
        assert_eq!(
            hex::encode(Frontier::from_hashes_with(t, &d(n)).unwrap().root()),
            root
        );
    }
    let f7 = Frontier::from_hashes_with(t, &d(7)).unwrap();
    assert_eq!(hex::encode(f7.to_bytes()), FRONTIER_7);
    assert_eq!(Frontier::from_bytes(&f7.to_bytes()).unwrap().algorithm(), t);
    assert_eq!(
        hexes(&inclusion_path(t, &d(7), 2, 7).unwrap()),
        INCLUSION_2_7
    );
    assert_eq!(
        hexes(&consistency_path(t, &d(7), 3, 7).unwrap()),
        CONSISTENCY_3_7
    );
}

#[test]
fn checkpoint_vector_matches_code() {
    let id: [u8; 16] = core::array::from_fn(|i| i as u8);
    let key = SigningKey::from_bytes(&[1; 32]);
    let name = origin_for(&id);
    assert_eq!(hex::encode(key.verifying_key().to_bytes()), PUBLIC_KEY);
    assert_eq!(hex::encode(key_hash(&name, &key.verifying_key())), KEY_HASH);
    let signed = Checkpoint::for_ledger(&id, 8, root_of(&d(8)))
        .sign(&key, &name)
        .unwrap();
    assert_eq!(signed.to_text(), CHECKPOINT);
    let parsed = SignedCheckpoint::parse(CHECKPOINT).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(
        parsed
            .verify_signatures(&[(name.as_str(), key.verifying_key())])
            .unwrap(),
        vec![name.clone()]
    );
}

#[test]
fn document_states_the_same_vectors() {
    for v in [K_LEAF, K_NODE, PUBLIC_KEY, FRONTIER_7, V2_FRONTIER_7] {
        assert!(DOC.contains(v), "{v} missing from FORMAT.md");
    }
    assert!(DOC.contains(&format!("LEAF(d0) {LEAF_D0}\n")));
    assert!(DOC.contains(&format!("LEAF(d0) {V2_LEAF_D0}\n")));
    for (n, root) in ROOTS.iter().chain(&V2_ROOTS) {
        assert!(
            DOC.contains(&format!("size {n:<3} {root}\n")),
            "root of size {n} missing from FORMAT.md"
        );
    }
    for v in INCLUSION_2_7
        .iter()
        .chain(&CONSISTENCY_3_7)
        .chain(&V2_INCLUSION_2_7)
        .chain(&V2_CONSISTENCY_3_7)
    {
        assert!(
            DOC.contains(&format!("  {v}\n")),
            "{v} missing from FORMAT.md"
        );
    }
    assert!(DOC.contains(&format!("(key hash `{KEY_HASH}`)")));
    assert!(
        DOC.contains(&format!("```text\n{CHECKPOINT}```\n")),
        "checkpoint vector in FORMAT.md differs byte for byte"
    );
}
