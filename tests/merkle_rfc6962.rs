//! The format-2 tree against the published RFC 6962 test vectors, computed by code nobody here
//! wrote: the eight standard leaf inputs, the node hashes of every complete subtree and the root
//! of every tree size 0..=8 from transparency-dev/merkle `testonly/constants.go`
//! (`LeafInputs`, `NodeHashes`, `RootHashes`, `EmptyRootHash`), and the inclusion and
//! consistency proofs from transparency-dev/merkle `proof/verify_test.go` (`inclusionProofs`,
//! `consistencyProofs`; the same vectors as certificate-transparency-go's `merkle` tests). Their
//! leaf indices there are 1-based; they are 0-based here.

use jixiao::ledger::{
    Frontier, TreeAlgorithm, TreeHash, consistency_path_of_leaves, inclusion_path_of_leaves,
    verify_consistency, verify_inclusion_of_leaf,
};

const T: TreeAlgorithm = TreeAlgorithm::Rfc6962;

const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `NodeHashes()[0]`: the leaf hashes.
const LEAF_HASHES: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];

/// `NodeHashes()[1]`: the four two-leaf subtrees.
const LEVEL_1: [&str; 4] = [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
];

/// `RootHashes()`, indexed by tree size.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `inclusionProofs`: (0-based leaf index, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `consistencyProofs`: (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(s: &str) -> TreeHash {
    let mut out = [0; 32];
    hex::decode_to_slice(s, &mut out).unwrap();
    out
}

fn hs(v: &[&str]) -> Vec<TreeHash> {
    v.iter().map(|s| h(s)).collect()
}

fn leaves() -> Vec<TreeHash> {
    LEAF_INPUTS
        .iter()
        .map(|s| T.leaf_bytes(&hex::decode(s).unwrap()))
        .collect()
}

#[test]
fn leaf_and_node_hashes_are_the_published_ones() {
    assert_eq!(leaves(), hs(&LEAF_HASHES));
    let l = leaves();
    for (i, want) in LEVEL_1.iter().enumerate() {
        assert_eq!(
            T.node(&l[2 * i], &l[2 * i + 1]),
            h(want),
            "level 1 node {i}"
        );
    }
}

#[test]
fn every_root_of_sizes_0_to_8_is_the_published_one() {
    assert_eq!(T.empty(), h(ROOTS[0]));
    let mut f = Frontier::new_with(T);
    assert_eq!(f.root(), h(ROOTS[0]));
    for (n, leaf) in leaves().into_iter().enumerate() {
        f.push_leaf(leaf).unwrap();
        assert_eq!(f.root(), h(ROOTS[n + 1]), "root of size {}", n + 1);
    }
    // The frontier's subtrees of size 7 are the published complete subtrees (4, 2, 1 leaves).
    let seven = Frontier::from_bytes(&{
        let mut f = Frontier::new_with(T);
        for l in &leaves()[..7] {
            f.push_leaf(*l).unwrap();
        }
        f.to_bytes()
    })
    .unwrap();
    assert_eq!(
        seven.subtrees(),
        &[h(ROOTS[4]), h(LEVEL_1[2]), h(LEAF_HASHES[6])]
    );
}

#[test]
fn inclusion_proofs_are_generated_and_checked_as_published() {
    let l = leaves();
    for (index, size, proof) in INCLUSION {
        let want = hs(proof);
        assert_eq!(
            inclusion_path_of_leaves(T, &l, index, size).unwrap(),
            want,
            "inclusion of leaf {index} in size {size}"
        );
        let root = h(ROOTS[size as usize]);
        verify_inclusion_of_leaf(T, &l[index as usize], index, size, &want, &root).unwrap();
        // The probes of verify_test.go: a wrong index, leaf or root, or a flipped bit fails.
        let mut flipped = want.clone();
        if let Some(first) = flipped.first_mut() {
            first[0] ^= 8;
            assert!(
                verify_inclusion_of_leaf(T, &l[index as usize], index, size, &flipped, &root)
                    .is_err()
            );
        }
        assert!(
            verify_inclusion_of_leaf(T, &l[index as usize], index ^ 1, size, &want, &root).is_err()
                || size == 1
        );
        assert!(verify_inclusion_of_leaf(T, &h(ROOTS[0]), index, size, &want, &root).is_err());
        assert!(
            verify_inclusion_of_leaf(T, &l[index as usize], index, size, &want, &h(ROOTS[0]))
                .is_err()
        );
    }
}

#[test]
fn consistency_proofs_are_generated_and_checked_as_published() {
    let l = leaves();
    for (old, new, proof) in CONSISTENCY {
        let want = hs(proof);
        assert_eq!(
            consistency_path_of_leaves(T, &l, old, new).unwrap(),
            want,
            "consistency from {old} to {new}"
        );
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        verify_consistency(T, old, new, &r1, &r2, &want).unwrap();
        if old != new {
            assert!(
                verify_consistency(T, old, new, &r2, &r1, &want).is_err(),
                "swapped roots"
            );
            assert!(verify_consistency(T, old, new, &r1, &r2, &want[..want.len() - 1]).is_err());
            for i in 0..want.len() {
                let mut bad = want.clone();
                bad[i][0] ^= 16;
                assert!(
                    verify_consistency(T, old, new, &r1, &r2, &bad).is_err(),
                    "flipped proof[{i}]"
                );
            }
        }
    }
}
