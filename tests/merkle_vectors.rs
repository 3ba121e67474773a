//! Known-answer vectors of the Merkle tree, frontier and checkpoint formats, checked against
//! the code and against the format document, byte for byte.

use ed25519_dalek::SigningKey;
use jixiao::ledger::{
    Checkpoint, EntryHash, Frontier, SignedCheckpoint, consistency_path, empty_root,
    inclusion_path, key_hash, leaf_hash, origin_for, root_of,
};

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
jhbNh8v9KKsEjJi3CsH8EpPnkzNWkNFmnUOC8XoPaD0=

\u{2014} jixiao/000102030405060708090a0b0c0d0e0f GRoYq3jyAGdErwrLVgnjfm1xCmoMD7odsUvTiJkhjHcPezp/on5MPU4AIFJLMA95/EPo+RPX8XXGnZdXlRBKIbUriwM=
";

fn d(n: usize) -> Vec<EntryHash> {
    (0..n).map(|i| EntryHash([i as u8; 32])).collect()
}

fn hexes(v: &[[u8; 32]]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

#[test]
fn tree_vectors_match_code() {
    assert_eq!(
        hex::encode(blake3::derive_key("jixiao ledger v1 merkle leaf", b"")),
        K_LEAF
    );
    assert_eq!(
        hex::encode(blake3::derive_key("jixiao ledger v1 merkle node", b"")),
        K_NODE
    );
    assert_eq!(hex::encode(leaf_hash(&EntryHash([0; 32]))), LEAF_D0);
    assert_eq!(hex::encode(empty_root()), ROOTS[0].1);
    for (n, root) in ROOTS {
        assert_eq!(hex::encode(root_of(&d(n))), root, "size {n}");
        assert_eq!(
            hex::encode(Frontier::from_hashes(&d(n)).unwrap().root()),
            root
        );
    }
    assert_eq!(
        hex::encode(Frontier::from_hashes(&d(7)).unwrap().to_bytes()),
        FRONTIER_7
    );
    assert_eq!(hexes(&inclusion_path(&d(7), 2, 7).unwrap()), INCLUSION_2_7);
    assert_eq!(
        hexes(&consistency_path(&d(7), 3, 7).unwrap()),
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
    for v in [K_LEAF, K_NODE, PUBLIC_KEY, FRONTIER_7] {
        assert!(DOC.contains(v), "{v} missing from FORMAT.md");
    }
    assert!(DOC.contains(&format!("LEAF(d0) {LEAF_D0}\n")));
    for (n, root) in ROOTS {
        assert!(
            DOC.contains(&format!("size {n:<3} {root}\n")),
            "root of size {n} missing from FORMAT.md"
        );
    }
    for v in INCLUSION_2_7.iter().chain(&CONSISTENCY_3_7) {
        assert!(DOC.contains(&format!("  {v}\n")));
    }
    assert!(DOC.contains(&format!("(key hash `{KEY_HASH}`)")));
    assert!(
        DOC.contains(&format!("```text\n{CHECKPOINT}```\n")),
        "checkpoint vector in FORMAT.md differs byte for byte"
    );
}
