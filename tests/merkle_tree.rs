//! Merkle tree: streaming roots against the recursive definition, inclusion and consistency
//! paths against an independent transcription of RFC 9162's recursive PATH and PROOF, and
//! rejection of every altered path.

use jixiao::ledger::{
    EntryHash, Frontier, MerkleError, ProofError, TreeAlgorithm, TreeHash, consistency_path,
    consistency_path_by, empty_root, inclusion_path, inclusion_path_by, leaf_hash, node_hash,
    root_of, root_streaming, verify_consistency, verify_inclusion,
};

/// The tree these tests run on: the current format's (RFC 6962).
const T: jixiao::ledger::TreeAlgorithm = jixiao::ledger::TreeAlgorithm::CURRENT;

/// Entry hashes that differ from one leaf to the next in every byte.
fn leaves(n: usize) -> Vec<EntryHash> {
    (0..n)
        .map(|i| EntryHash(*blake3::hash(&(i as u64).to_be_bytes()).as_bytes()))
        .collect()
}

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 §2.1.3.1, written as recursion over slices.
fn rfc_path(m: usize, d: &[EntryHash]) -> Vec<TreeHash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = rfc_path(m, &d[..k]);
        p.push(root_of(&d[k..]));
        p
    } else {
        let mut p = rfc_path(m - k, &d[k..]);
        p.push(root_of(&d[..k]));
        p
    }
}

/// RFC 9162 §2.1.4.1 SUBPROOF, written as recursion over slices.
fn rfc_subproof(m: usize, d: &[EntryHash], b: bool) -> Vec<TreeHash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![root_of(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = rfc_subproof(m, &d[..k], b);
        p.push(root_of(&d[k..]));
        p
    } else {
        let mut p = rfc_subproof(m - k, &d[k..], false);
        p.push(root_of(&d[..k]));
        p
    }
}

fn flip(h: &TreeHash, byte: usize) -> TreeHash {
    let mut x = *h;
    x[byte] ^= 0x01;
    x
}

#[test]
fn empty_tree_root_is_the_documented_constant() {
    // Format 2: SHA-256 of the empty string (RFC 6962 §2.1).
    assert_eq!(
        hex::encode(root_of(&[])),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(Frontier::new().root(), empty_root());
    assert_eq!(Frontier::new().size(), 0);
    // Format 1: the derived constant.
    let v1 = TreeAlgorithm::Blake3V1;
    assert_eq!(
        v1.root_of(&[]),
        blake3::derive_key("jixiao ledger v1 merkle empty", b"")
    );
    assert_eq!(Frontier::new_with(v1).root(), v1.empty());
}

#[test]
fn hashing_uses_the_documented_prefixes_and_keys() {
    use sha2::{Digest, Sha256};
    let e = EntryHash([9; 32]);
    // Format 2: RFC 6962's 0x00 and 0x01 prefixes under SHA-256.
    let want_leaf: [u8; 32] = Sha256::new()
        .chain_update([0u8])
        .chain_update(e.0)
        .finalize()
        .into();
    assert_eq!(leaf_hash(&e), want_leaf);
    let want_node: [u8; 32] = Sha256::new()
        .chain_update([1u8])
        .chain_update([1; 32])
        .chain_update([2; 32])
        .finalize()
        .into();
    assert_eq!(node_hash(&[1; 32], &[2; 32]), want_node);
    assert_eq!(root_of(&[e]), leaf_hash(&e));
    // Format 1: the documented blake3 keys.
    let v1 = TreeAlgorithm::Blake3V1;
    let k_leaf = blake3::derive_key("jixiao ledger v1 merkle leaf", b"");
    let k_node = blake3::derive_key("jixiao ledger v1 merkle node", b"");
    assert_eq!(v1.leaf(&e), *blake3::keyed_hash(&k_leaf, &e.0).as_bytes());
    let mut lr = [0u8; 64];
    lr[..32].copy_from_slice(&[1; 32]);
    lr[32..].copy_from_slice(&[2; 32]);
    assert_eq!(
        v1.node(&[1; 32], &[2; 32]),
        *blake3::keyed_hash(&k_node, &lr).as_bytes()
    );
    assert_ne!(v1.leaf(&e), leaf_hash(&e));
}

#[test]
fn both_trees_have_the_same_shape_and_their_own_frontier_byte() {
    let h = leaves(37);
    for t in [TreeAlgorithm::Blake3V1, TreeAlgorithm::Rfc6962] {
        for n in 0..=37usize {
            let f = Frontier::from_hashes_with(t, &h[..n]).unwrap();
            assert_eq!(f.root(), t.root_of(&h[..n]), "{t:?} n = {n}");
            assert_eq!(f.root(), t.root_streaming(&h[..n]));
            let bytes = f.to_bytes();
            assert_eq!(bytes[0], t.frontier_byte());
            let back = Frontier::from_bytes(&bytes).unwrap();
            assert_eq!(back.algorithm(), t);
            assert_eq!(back, f);
            for index in 0..n as u64 {
                let path = inclusion_path(t, &h, index, n as u64).unwrap();
                verify_inclusion(t, &h[index as usize], index, n as u64, &path, &f.root()).unwrap();
            }
            for old in 1..=n as u64 {
                let path = consistency_path(t, &h, old, n as u64).unwrap();
                let old_root = t.root_of(&h[..old as usize]);
                verify_consistency(t, old, n as u64, &old_root, &f.root(), &path).unwrap();
            }
        }
    }
    // A path of one tree does not check in the other.
    let (v1, v2) = (TreeAlgorithm::Blake3V1, TreeAlgorithm::Rfc6962);
    let path = inclusion_path(v1, &h, 3, 37).unwrap();
    assert!(verify_inclusion(v2, &h[3], 3, 37, &path, &v1.root_of(&h)).is_err());
}

#[test]
fn frontier_root_equals_recursive_root_up_to_300() {
    let h = leaves(300);
    let mut f = Frontier::new();
    for n in 0..=300usize {
        assert_eq!(f.size(), n as u64);
        assert_eq!(f.subtrees().len(), n.count_ones() as usize, "n = {n}");
        let want = root_of(&h[..n]);
        assert_eq!(f.root(), want, "frontier root at n = {n}");
        assert_eq!(root_streaming(&h[..n]), want, "streaming root at n = {n}");
        // Stored and reloaded, it carries on identically.
        let bytes = f.to_bytes();
        assert_eq!(bytes.len(), 9 + 32 * n.count_ones() as usize);
        assert_eq!(Frontier::from_bytes(&bytes).unwrap(), f);
        if n < 300 {
            f.push(&h[n]).unwrap();
        }
    }
}

#[test]
fn frontier_bytes_are_validated() {
    let f = Frontier::from_hashes(&leaves(7)).unwrap();
    let bytes = f.to_bytes();
    assert_eq!(bytes[0], 2);
    assert_eq!(&bytes[1..9], &7u64.to_be_bytes());
    assert!(matches!(
        Frontier::from_bytes(&[]),
        Err(MerkleError::FrontierTruncated(0))
    ));
    assert!(matches!(
        Frontier::from_bytes(&bytes[..5]),
        Err(MerkleError::FrontierTruncated(5))
    ));
    for unknown in [0u8, 3, 0xff] {
        let mut v = bytes.clone();
        v[0] = unknown;
        assert!(matches!(
            Frontier::from_bytes(&v),
            Err(MerkleError::FrontierVersion { found }) if found == unknown
        ));
    }
    // Version byte 1 is the format-1 tree: same length rules, another hashing.
    let mut v1 = bytes.clone();
    v1[0] = 1;
    assert_eq!(
        Frontier::from_bytes(&v1).unwrap().algorithm(),
        TreeAlgorithm::Blake3V1
    );
    for cut in 9..bytes.len() {
        assert!(matches!(
            Frontier::from_bytes(&bytes[..cut]),
            Err(MerkleError::FrontierLength { size: 7, .. })
        ));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Frontier::from_bytes(&longer),
        Err(MerkleError::FrontierLength { .. })
    ));
    // A size whose popcount disagrees with the number of stored subtrees.
    let mut wrong_size = bytes.clone();
    wrong_size[8] = 8;
    assert!(matches!(
        Frontier::from_bytes(&wrong_size),
        Err(MerkleError::FrontierLength { size: 8, .. })
    ));
}

#[test]
fn full_frontier_refuses_to_grow() {
    let mut bytes = vec![1];
    bytes.extend_from_slice(&u64::MAX.to_be_bytes());
    bytes.extend(std::iter::repeat_n(0u8, 64 * 32));
    let mut f = Frontier::from_bytes(&bytes).unwrap();
    assert!(matches!(
        f.push(&EntryHash([0; 32])),
        Err(MerkleError::Full(u64::MAX))
    ));
}

#[test]
fn inclusion_paths_for_every_leaf_of_every_size_up_to_64() {
    let h = leaves(65);
    for size in 1..=64usize {
        let root = root_of(&h[..size]);
        for index in 0..size {
            let path = inclusion_path(T, &h, index as u64, size as u64).unwrap();
            assert_eq!(
                path,
                rfc_path(index, &h[..size]),
                "size {size} index {index}"
            );
            verify_inclusion(T, &h[index], index as u64, size as u64, &path, &root).unwrap();

            // Another leaf's hash, another index, a bigger tree: all refused.
            let other = h[(index + 1) % size];
            if size > 1 {
                assert!(
                    verify_inclusion(T, &other, index as u64, size as u64, &path, &root).is_err()
                );
                let other_index = (index + 1) % size;
                assert!(
                    verify_inclusion(T, &h[index], other_index as u64, size as u64, &path, &root)
                        .is_err()
                );
            }
            // The root of the next tree size is a different root.
            let next_root = root_of(&h[..size + 1]);
            assert!(
                verify_inclusion(
                    T,
                    &h[index],
                    index as u64,
                    size as u64 + 1,
                    &path,
                    &next_root
                )
                .is_err()
            );
            // Every element of the path, altered, is refused.
            for i in 0..path.len() {
                let mut bad = path.clone();
                bad[i] = flip(&bad[i], i % 32);
                assert!(matches!(
                    verify_inclusion(T, &h[index], index as u64, size as u64, &bad, &root),
                    Err(ProofError::InclusionRootMismatch { .. })
                ));
            }
            // Too short or too long.
            if let Some((_, shorter)) = path.split_last() {
                assert!(
                    verify_inclusion(T, &h[index], index as u64, size as u64, shorter, &root)
                        .is_err()
                );
            }
            let mut longer = path.clone();
            longer.push([0; 32]);
            assert!(matches!(
                verify_inclusion(T, &h[index], index as u64, size as u64, &longer, &root),
                Err(ProofError::PathLength { .. })
            ));
        }
        assert!(matches!(
            verify_inclusion(T, &h[0], size as u64, size as u64, &[], &root),
            Err(ProofError::IndexOutOfRange { .. })
        ));
    }
}

#[test]
fn consistency_paths_for_every_pair_of_sizes_up_to_64() {
    let h = leaves(64);
    for new in 1..=64usize {
        let new_root = root_of(&h[..new]);
        for old in 1..=new {
            let old_root = root_of(&h[..old]);
            let path = consistency_path(T, &h, old as u64, new as u64).unwrap();
            let want = if old == new {
                vec![]
            } else {
                rfc_subproof(old, &h[..new], true)
            };
            assert_eq!(path, want, "old {old} new {new}");
            verify_consistency(T, old as u64, new as u64, &old_root, &new_root, &path).unwrap();

            for i in 0..path.len() {
                let mut bad = path.clone();
                bad[i] = flip(&bad[i], (i * 7) % 32);
                assert!(
                    verify_consistency(T, old as u64, new as u64, &old_root, &new_root, &bad)
                        .is_err(),
                    "altered element {i} accepted for {old} -> {new}"
                );
            }
            // Wrong roots (a fork, or a rewritten prefix) are refused.
            assert!(
                verify_consistency(
                    T,
                    old as u64,
                    new as u64,
                    &flip(&old_root, 0),
                    &new_root,
                    &path
                )
                .is_err()
            );
            assert!(
                verify_consistency(
                    T,
                    old as u64,
                    new as u64,
                    &old_root,
                    &flip(&new_root, 31),
                    &path
                )
                .is_err()
            );
            let mut longer = path.clone();
            longer.push([0; 32]);
            assert!(
                verify_consistency(T, old as u64, new as u64, &old_root, &new_root, &longer)
                    .is_err()
            );
            if old < new {
                if let Some((_, shorter)) = path.split_last() {
                    assert!(
                        verify_consistency(
                            T, old as u64, new as u64, &old_root, &new_root, shorter
                        )
                        .is_err()
                    );
                }
                // The old tree's root does not pass for the root of a different old size.
                if old > 1 {
                    let other_old_root = root_of(&h[..old - 1]);
                    assert!(
                        verify_consistency(
                            T,
                            old as u64,
                            new as u64,
                            &other_old_root,
                            &new_root,
                            &path
                        )
                        .is_err()
                    );
                }
            }
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let h = leaves(5);
    let r5 = root_of(&h);
    let r3 = root_of(&h[..3]);
    assert!(matches!(
        verify_consistency(T, 5, 3, &r5, &r3, &[]),
        Err(ProofError::SizesReversed { old: 5, new: 3 })
    ));
    assert!(matches!(
        verify_consistency(T, 5, 5, &r5, &r3, &[]),
        Err(ProofError::SameSizeDifferentRoot { size: 5 })
    ));
    verify_consistency(T, 0, 5, &empty_root(), &r5, &[]).unwrap();
    assert!(verify_consistency(T, 0, 5, &empty_root(), &r5, &[r3]).is_err());
    assert!(matches!(
        verify_consistency(T, 3, 5, &r3, &r5, &[]),
        Err(ProofError::PathLength { .. })
    ));
    assert!(matches!(
        consistency_path(T, &h, 0, 5),
        Err(MerkleError::BadSizes { old: 0, new: 5 })
    ));
    assert!(matches!(
        consistency_path(T, &h, 4, 3),
        Err(MerkleError::BadSizes { old: 4, new: 3 })
    ));
    assert!(matches!(
        consistency_path(T, &h, 1, 6),
        Err(MerkleError::NotEnoughLeaves {
            size: 6,
            available: 5
        })
    ));
    assert!(matches!(
        inclusion_path(T, &h, 5, 5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    ));
    assert!(matches!(
        inclusion_path(T, &h, 0, 6),
        Err(MerkleError::NotEnoughLeaves { .. })
    ));
}

/// A store's own error type, converting from `MerkleError`, flows through the accessor API.
#[derive(Debug, PartialEq)]
enum StoreError {
    Missing(u64),
    Merkle(MerkleError),
}

impl From<MerkleError> for StoreError {
    fn from(e: MerkleError) -> Self {
        StoreError::Merkle(e)
    }
}

#[test]
fn accessor_variants_match_slices_and_pass_errors_through() {
    let h = leaves(37);
    let get = |i: u64| h.get(i as usize).copied().ok_or(StoreError::Missing(i));
    assert_eq!(
        inclusion_path_by(T, 20, 37, get).unwrap(),
        inclusion_path(T, &h, 20, 37).unwrap()
    );
    assert_eq!(
        consistency_path_by(T, 13, 37, get).unwrap(),
        consistency_path(T, &h, 13, 37).unwrap()
    );
    let broken = |i: u64| {
        if i == 30 {
            Err(StoreError::Missing(30))
        } else {
            Ok(h[i as usize])
        }
    };
    assert_eq!(
        inclusion_path_by(T, 3, 37, broken),
        Err(StoreError::Missing(30))
    );
    assert_eq!(
        inclusion_path_by(T, 37, 37, get),
        Err(StoreError::Merkle(MerkleError::IndexOutOfRange {
            index: 37,
            size: 37
        }))
    );
}
