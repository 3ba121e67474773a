//! The Merkle tree over entry hashes: leaf and node hashing, the naive reference root, the
//! incremental frontier kept by the store, and the generation of inclusion and consistency
//! paths.
//!
//! Owns: the tree shape (RFC 9162: split at the largest power of two strictly below n) and
//! its blake3 keyed-hash domain separation, and the byte form of the frontier.
//! Must not: open storage, read files, or check signatures (checking proofs is `proof`'s job).

use super::EntryHash;
use std::sync::LazyLock;

/// A 32-byte Merkle tree hash (leaf, interior node or root).
pub type TreeHash = [u8; 32];

/// blake3 derive-key context of the key used to hash leaves.
pub const LEAF_KEY_CONTEXT: &str = "jixiao ledger v1 merkle leaf";
/// blake3 derive-key context of the key used to hash interior nodes.
pub const NODE_KEY_CONTEXT: &str = "jixiao ledger v1 merkle node";
/// blake3 derive-key context whose output is the root of the empty tree.
pub const EMPTY_ROOT_CONTEXT: &str = "jixiao ledger v1 merkle empty";

/// Version byte that opens the frontier's byte form.
pub const FRONTIER_VERSION: u8 = 1;

static LEAF_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| blake3::derive_key(LEAF_KEY_CONTEXT, b""));
static NODE_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| blake3::derive_key(NODE_KEY_CONTEXT, b""));

/// Why a Merkle computation or a stored frontier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A leaf index is not inside the tree.
    #[error(
        "leaf index {index} is outside a tree of size {size}; a seq must be between 1 and the tree size"
    )]
    IndexOutOfRange {
        /// The 0-based leaf index asked for (seq − 1).
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency path was asked for between sizes that are not 0 < old ≤ new.
    #[error(
        "no consistency path from tree size {old} to {new}: the old size must be at least 1 and at most the new size"
    )]
    BadSizes {
        /// Older tree size.
        old: u64,
        /// Newer tree size.
        new: u64,
    },
    /// A tree size needs more leaves than the slice holds.
    #[error("tree size {size} asked for, but only {available} entry hashes were given")]
    NotEnoughLeaves {
        /// Tree size asked for.
        size: u64,
        /// Entry hashes available.
        available: u64,
    },
    /// The frontier holds 2^64 − 1 leaves and cannot grow.
    #[error("the Merkle frontier is full at {0} leaves; start a new ledger")]
    Full(u64),
    /// Stored frontier bytes are shorter than the 9-byte header.
    #[error(
        "stored Merkle frontier is {0} bytes, shorter than its 9-byte header; the ledger's Merkle state is corrupted, rebuild it from the hashes table"
    )]
    FrontierTruncated(usize),
    /// Stored frontier bytes carry a version this build does not know.
    #[error(
        "stored Merkle frontier has version {found}, this build reads version {FRONTIER_VERSION}; use a build that matches the ledger's format"
    )]
    FrontierVersion {
        /// Version byte found.
        found: u8,
    },
    /// Stored frontier length does not match the number of subtrees its size implies.
    #[error(
        "stored Merkle frontier for {size} leaves must be {expected} bytes, found {found}; the ledger's Merkle state is corrupted, rebuild it from the hashes table"
    )]
    FrontierLength {
        /// Leaf count in the header.
        size: u64,
        /// Length the header implies.
        expected: usize,
        /// Length found.
        found: usize,
    },
}

/// Hash of the leaf for one entry: `blake3::keyed_hash(K_LEAF, entry_hash)`.
#[must_use]
pub fn leaf_hash(entry: &EntryHash) -> TreeHash {
    *blake3::keyed_hash(&LEAF_KEY, &entry.0).as_bytes()
}

/// Hash of an interior node: `blake3::keyed_hash(K_NODE, left || right)`.
#[must_use]
pub fn node_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    // One 64-byte block through the one-shot function: cheaper than a streaming `Hasher`,
    // and this is on the append path (about one node per entry).
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(left);
    block[32..].copy_from_slice(right);
    *blake3::keyed_hash(&NODE_KEY, &block).as_bytes()
}

/// Root of the tree with no leaves: `blake3::derive_key(EMPTY_ROOT_CONTEXT, b"")`.
#[must_use]
pub fn empty_root() -> TreeHash {
    blake3::derive_key(EMPTY_ROOT_CONTEXT, b"")
}

/// Largest power of two strictly below `n`, for `n ≥ 2` (callers split only such trees).
fn split_point(n: u64) -> u64 {
    1u64 << (n.saturating_sub(1).max(1)).ilog2()
}

/// Root of the tree over `hashes` by the recursive definition (RFC 9162 §2.1.1). The
/// reference against which the streaming computations are tested.
#[must_use]
pub fn root_of(hashes: &[EntryHash]) -> TreeHash {
    match hashes {
        [] => empty_root(),
        [one] => leaf_hash(one),
        _ => {
            // At least two hashes here, so k = 2^⌊log2(len − 1)⌋ is in 1..len.
            let k = 1usize << (hashes.len() - 1).ilog2();
            let (left, right) = hashes.split_at(k);
            node_hash(&root_of(left), &root_of(right))
        }
    }
}

/// Root of the tree over any sequence of entry hashes, in one pass with O(log n) memory.
#[must_use]
pub fn root_streaming<'a>(hashes: impl IntoIterator<Item = &'a EntryHash>) -> TreeHash {
    let mut f = Frontier::new();
    for h in hashes {
        // Cannot be full: an iterator does not yield 2^64 − 1 items in practice, and if it
        // did the root of the leaves taken so far is still well defined.
        if f.push(h).is_err() {
            break;
        }
    }
    f.root()
}

/// The incremental state of the tree: the roots of the perfect subtrees that make up a tree
/// of `size` leaves, one per set bit of `size`, largest (leftmost) first.
///
/// `push` costs O(log n) hashes amortised O(1); `root` folds the subtrees right to left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<TreeHash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    #[must_use]
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The frontier of the tree over `hashes`.
    pub fn from_hashes<'a>(
        hashes: impl IntoIterator<Item = &'a EntryHash>,
    ) -> Result<Frontier, MerkleError> {
        let mut f = Frontier::new();
        for h in hashes {
            f.push(h)?;
        }
        Ok(f)
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the perfect subtrees, largest first (one per set bit of the size).
    #[must_use]
    pub fn subtrees(&self) -> &[TreeHash] {
        &self.nodes
    }

    /// Appends the leaf for `entry`.
    pub fn push(&mut self, entry: &EntryHash) -> Result<(), MerkleError> {
        let new_size = self
            .size
            .checked_add(1)
            .ok_or(MerkleError::Full(self.size))?;
        let mut h = leaf_hash(entry);
        // Each trailing set bit of the old size is a perfect subtree of the same height as
        // the one being carried; merge them as a binary counter does.
        let mut s = self.size;
        while s & 1 == 1 {
            match self.nodes.pop() {
                Some(left) => h = node_hash(&left, &h),
                None => break, // unreachable: one node per set bit is an invariant
            }
            s >>= 1;
        }
        self.nodes.push(h);
        self.size = new_size;
        Ok(())
    }

    /// Root of the tree (the empty root if there are no leaves).
    #[must_use]
    pub fn root(&self) -> TreeHash {
        let mut it = self.nodes.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(last) => it.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }

    /// Byte form: version byte `1`, size as u64 big-endian, then the subtree roots largest
    /// first, 32 bytes each (1 + 8 + 32 × popcount(size) bytes).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + 32 * self.nodes.len());
        out.push(FRONTIER_VERSION);
        out.extend_from_slice(&self.size.to_be_bytes());
        for n in &self.nodes {
            out.extend_from_slice(n);
        }
        out
    }

    /// Reads the byte form written by [`Frontier::to_bytes`], checking version and length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Frontier, MerkleError> {
        let (version, rest) = bytes
            .split_first()
            .ok_or(MerkleError::FrontierTruncated(0))?;
        let (size_bytes, hashes) = rest
            .split_first_chunk::<8>()
            .ok_or(MerkleError::FrontierTruncated(bytes.len()))?;
        if *version != FRONTIER_VERSION {
            return Err(MerkleError::FrontierVersion { found: *version });
        }
        let size = u64::from_be_bytes(*size_bytes);
        let count = size.count_ones() as usize;
        let expected = 9 + 32 * count;
        let (chunks, rem) = hashes.as_chunks::<32>();
        if chunks.len() != count || !rem.is_empty() {
            return Err(MerkleError::FrontierLength {
                size,
                expected,
                found: bytes.len(),
            });
        }
        Ok(Frontier {
            size,
            nodes: chunks.to_vec(),
        })
    }
}

/// Root of the subtree over leaves `[start, start + len)`, streaming from `get`.
fn range_root<E>(
    start: u64,
    len: u64,
    get: &mut impl FnMut(u64) -> Result<EntryHash, E>,
) -> Result<TreeHash, E>
where
    E: From<MerkleError>,
{
    let mut f = Frontier::new();
    for i in start..start.saturating_add(len) {
        f.push(&get(i)?)?;
    }
    Ok(f.root())
}

/// Accessor over a slice, failing with [`MerkleError::NotEnoughLeaves`] past its end.
fn slice_getter(hashes: &[EntryHash]) -> impl FnMut(u64) -> Result<EntryHash, MerkleError> + '_ {
    move |i| {
        usize::try_from(i)
            .ok()
            .and_then(|i| hashes.get(i))
            .copied()
            .ok_or(MerkleError::NotEnoughLeaves {
                size: i.saturating_add(1),
                available: hashes.len() as u64,
            })
    }
}

/// Inclusion path (RFC 9162 §2.1.3.1 `PATH`) of leaf `index` (0-based) in the tree of the
/// first `size` hashes, siblings from the leaf upwards.
pub fn inclusion_path(
    hashes: &[EntryHash],
    index: u64,
    size: u64,
) -> Result<Vec<TreeHash>, MerkleError> {
    if size > hashes.len() as u64 {
        return Err(MerkleError::NotEnoughLeaves {
            size,
            available: hashes.len() as u64,
        });
    }
    inclusion_path_by(index, size, slice_getter(hashes))
}

/// [`inclusion_path`] reading entry hashes through `get(leaf_index)`, so a store can serve
/// them from disk. Reads O(size) hashes.
pub fn inclusion_path_by<E>(
    index: u64,
    size: u64,
    mut get: impl FnMut(u64) -> Result<EntryHash, E>,
) -> Result<Vec<TreeHash>, E>
where
    E: From<MerkleError>,
{
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size }.into());
    }
    // Walk down from the root; each step records the sibling subtree, which sits one level
    // higher than the next one recorded, so the list is reversed at the end.
    let mut top_down = Vec::new();
    let (mut offset, mut m, mut n) = (0u64, index, size);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            top_down.push(range_root(offset + k, n - k, &mut get)?);
            n = k;
        } else {
            top_down.push(range_root(offset, k, &mut get)?);
            offset += k;
            m -= k;
            n -= k;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// Consistency path (RFC 9162 §2.1.4.1 `PROOF`) from the tree of the first `old` hashes to
/// the tree of the first `new`. Empty when `old == new`.
pub fn consistency_path(
    hashes: &[EntryHash],
    old: u64,
    new: u64,
) -> Result<Vec<TreeHash>, MerkleError> {
    if new > hashes.len() as u64 {
        return Err(MerkleError::NotEnoughLeaves {
            size: new,
            available: hashes.len() as u64,
        });
    }
    consistency_path_by(old, new, slice_getter(hashes))
}

/// [`consistency_path`] reading entry hashes through `get(leaf_index)`. Reads O(new) hashes.
pub fn consistency_path_by<E>(
    old: u64,
    new: u64,
    mut get: impl FnMut(u64) -> Result<EntryHash, E>,
) -> Result<Vec<TreeHash>, E>
where
    E: From<MerkleError>,
{
    if old == 0 || old > new {
        return Err(MerkleError::BadSizes { old, new }.into());
    }
    if old == new {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[offset..offset+n], b), unrolled: siblings are collected top-down.
    let mut top_down = Vec::new();
    let (mut offset, mut m, mut n, mut whole) = (0u64, old, new, true);
    while m != n {
        let k = split_point(n);
        if m <= k {
            top_down.push(range_root(offset + k, n - k, &mut get)?);
            n = k;
        } else {
            top_down.push(range_root(offset, k, &mut get)?);
            offset += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    let mut path = Vec::with_capacity(top_down.len() + 1);
    if !whole {
        path.push(range_root(offset, n, &mut get)?);
    }
    path.extend(top_down.into_iter().rev());
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(n: u8) -> Vec<EntryHash> {
        (0..n).map(|i| EntryHash([i; 32])).collect()
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn shape_of_three_leaves() {
        let h = hashes(3);
        let want = node_hash(
            &node_hash(&leaf_hash(&h[0]), &leaf_hash(&h[1])),
            &leaf_hash(&h[2]),
        );
        assert_eq!(root_of(&h), want);
        assert_eq!(Frontier::from_hashes(&h).unwrap().root(), want);
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        let e = EntryHash([7; 32]);
        assert_ne!(leaf_hash(&e), *blake3::hash(&e.0).as_bytes());
        assert_ne!(leaf_hash(&e), node_hash(&[7; 32], &[7; 32]));
        assert_ne!(empty_root(), [0; 32]);
    }

    #[test]
    fn frontier_has_one_subtree_per_set_bit() {
        let h = hashes(13);
        let f = Frontier::from_hashes(&h).unwrap();
        assert_eq!(f.subtrees().len(), 3);
        assert_eq!(f.subtrees()[0], root_of(&h[..8]));
        assert_eq!(f.subtrees()[1], root_of(&h[8..12]));
        assert_eq!(f.subtrees()[2], root_of(&h[12..]));
    }
}
