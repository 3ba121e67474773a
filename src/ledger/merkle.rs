//! The Merkle tree over entry hashes: leaf and node hashing, the naive reference root, the
//! incremental frontier kept by the store, and the generation of inclusion and consistency
//! paths.
//!
//! Owns: the tree shape (RFC 9162: split at the largest power of two strictly below n) and the
//! byte form of the frontier; the two hashings a ledger may use are src/ledger/tree_hash.rs.
//! Must not: open storage, read files, or check signatures (checking proofs is `proof`'s job).

use super::EntryHash;
pub use super::tree_hash::{
    EMPTY_ROOT_CONTEXT, FRONTIER_VERSION, LEAF_KEY_CONTEXT, NODE_KEY_CONTEXT, TreeAlgorithm,
    TreeHash,
};

impl TreeAlgorithm {
    /// Root of the tree over any sequence of entry hashes, in one pass with O(log n) memory.
    #[must_use]
    pub fn root_streaming<'a>(self, hashes: impl IntoIterator<Item = &'a EntryHash>) -> TreeHash {
        let mut f = Frontier::new_with(self);
        for h in hashes {
            // Cannot be full: an iterator does not yield 2^64 − 1 items in practice, and if
            // it did the root of the leaves taken so far is still well defined.
            if f.push(h).is_err() {
                break;
            }
        }
        f.root()
    }
}

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
        "stored Merkle frontier has version {found}, this build reads versions 1 (keyed BLAKE3) and 2 (RFC 6962); use a build that matches the ledger's format"
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

/// Leaf hash in the current format's tree (RFC 6962: `SHA-256(0x00 ‖ entry hash)`).
#[must_use]
pub fn leaf_hash(entry: &EntryHash) -> TreeHash {
    TreeAlgorithm::CURRENT.leaf(entry)
}

/// Interior node hash in the current format's tree (RFC 6962: `SHA-256(0x01 ‖ l ‖ r)`).
#[must_use]
pub fn node_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    TreeAlgorithm::CURRENT.node(left, right)
}

/// Root of the empty tree in the current format (RFC 6962: `SHA-256("")`).
#[must_use]
pub fn empty_root() -> TreeHash {
    TreeAlgorithm::CURRENT.empty()
}

/// Largest power of two strictly below `n`, for `n ≥ 2` (callers split only such trees).
fn split_point(n: u64) -> u64 {
    1u64 << (n.saturating_sub(1).max(1)).ilog2()
}

/// [`TreeAlgorithm::root_of`] in the current format's tree.
#[must_use]
pub fn root_of(hashes: &[EntryHash]) -> TreeHash {
    TreeAlgorithm::CURRENT.root_of(hashes)
}

/// [`TreeAlgorithm::root_streaming`] in the current format's tree.
#[must_use]
pub fn root_streaming<'a>(hashes: impl IntoIterator<Item = &'a EntryHash>) -> TreeHash {
    TreeAlgorithm::CURRENT.root_streaming(hashes)
}

/// The incremental state of the tree: the roots of the perfect subtrees that make up a tree
/// of `size` leaves, one per set bit of `size`, largest (leftmost) first, and the hashing
/// they were made with.
///
/// `push` costs O(log n) hashes amortised O(1); `root` folds the subtrees right to left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontier {
    algorithm: TreeAlgorithm,
    size: u64,
    nodes: Vec<TreeHash>,
}

impl Default for Frontier {
    fn default() -> Frontier {
        Frontier::new()
    }
}

impl Frontier {
    /// The frontier of the empty tree in the current format.
    #[must_use]
    pub fn new() -> Frontier {
        Frontier::new_with(TreeAlgorithm::CURRENT)
    }

    /// The frontier of the empty tree hashed with `algorithm`.
    #[must_use]
    pub fn new_with(algorithm: TreeAlgorithm) -> Frontier {
        Frontier {
            algorithm,
            size: 0,
            nodes: Vec::new(),
        }
    }

    /// The frontier of the current format's tree over `hashes`.
    pub fn from_hashes<'a>(
        hashes: impl IntoIterator<Item = &'a EntryHash>,
    ) -> Result<Frontier, MerkleError> {
        Frontier::from_hashes_with(TreeAlgorithm::CURRENT, hashes)
    }

    /// The frontier of the tree over `hashes` hashed with `algorithm`.
    pub fn from_hashes_with<'a>(
        algorithm: TreeAlgorithm,
        hashes: impl IntoIterator<Item = &'a EntryHash>,
    ) -> Result<Frontier, MerkleError> {
        let mut f = Frontier::new_with(algorithm);
        for h in hashes {
            f.push(h)?;
        }
        Ok(f)
    }

    /// The hashing of this tree.
    #[must_use]
    pub fn algorithm(&self) -> TreeAlgorithm {
        self.algorithm
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
        self.push_leaf(self.algorithm.leaf(entry))
    }

    /// Appends a leaf given by its leaf hash.
    pub fn push_leaf(&mut self, leaf: TreeHash) -> Result<(), MerkleError> {
        let new_size = self
            .size
            .checked_add(1)
            .ok_or(MerkleError::Full(self.size))?;
        let a = self.algorithm;
        let mut h = leaf;
        // Each trailing set bit of the old size is a perfect subtree of the same height as
        // the one being carried; merge them as a binary counter does.
        let mut s = self.size;
        while s & 1 == 1 {
            match self.nodes.pop() {
                Some(left) => h = a.node(&left, &h),
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
        let a = self.algorithm;
        let mut it = self.nodes.iter().rev();
        match it.next() {
            None => a.empty(),
            Some(last) => it.fold(*last, |acc, left| a.node(left, &acc)),
        }
    }

    /// Byte form: version byte (`1` keyed BLAKE3, `2` RFC 6962), size as u64 big-endian, then
    /// the subtree roots largest first, 32 bytes each (1 + 8 + 32 × popcount(size) bytes).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + 32 * self.nodes.len());
        out.push(self.algorithm.frontier_byte());
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
        let algorithm = TreeAlgorithm::from_frontier_byte(*version)
            .ok_or(MerkleError::FrontierVersion { found: *version })?;
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
            algorithm,
            size,
            nodes: chunks.to_vec(),
        })
    }
}

/// Root of the subtree over leaves `[start, start + len)`, streaming from `get`.
fn range_root<E>(
    algorithm: TreeAlgorithm,
    start: u64,
    len: u64,
    get: &mut impl FnMut(u64) -> Result<TreeHash, E>,
) -> Result<TreeHash, E>
where
    E: From<MerkleError>,
{
    let mut f = Frontier::new_with(algorithm);
    for i in start..start.saturating_add(len) {
        f.push_leaf(get(i)?)?;
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

/// Accessor over leaf hashes, failing with [`MerkleError::NotEnoughLeaves`] past the end.
fn leaf_getter(leaves: &[TreeHash]) -> impl FnMut(u64) -> Result<TreeHash, MerkleError> + '_ {
    move |i| {
        usize::try_from(i)
            .ok()
            .and_then(|i| leaves.get(i))
            .copied()
            .ok_or(MerkleError::NotEnoughLeaves {
                size: i.saturating_add(1),
                available: leaves.len() as u64,
            })
    }
}

/// Inclusion path (RFC 9162 §2.1.3.1 `PATH`) of leaf `index` (0-based) in the tree of the
/// first `size` hashes, siblings from the leaf upwards (the order of tlog's `RecordProof`).
pub fn inclusion_path(
    algorithm: TreeAlgorithm,
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
    inclusion_path_by(algorithm, index, size, slice_getter(hashes))
}

/// [`inclusion_path`] reading entry hashes through `get(leaf_index)`, so a store can serve
/// them from disk. Reads O(size) hashes.
pub fn inclusion_path_by<E>(
    algorithm: TreeAlgorithm,
    index: u64,
    size: u64,
    mut get: impl FnMut(u64) -> Result<EntryHash, E>,
) -> Result<Vec<TreeHash>, E>
where
    E: From<MerkleError>,
{
    inclusion_path_of_leaves_by(algorithm, index, size, |i| {
        get(i).map(|e| algorithm.leaf(&e))
    })
}

/// Inclusion path of leaf `index` in the tree of the first `size` of `leaves`, given by their
/// leaf hashes (for leaves that are not entry hashes, such as the RFC 6962 test vectors).
pub fn inclusion_path_of_leaves(
    algorithm: TreeAlgorithm,
    leaves: &[TreeHash],
    index: u64,
    size: u64,
) -> Result<Vec<TreeHash>, MerkleError> {
    inclusion_path_of_leaves_by(algorithm, index, size, leaf_getter(leaves))
}

fn inclusion_path_of_leaves_by<E>(
    algorithm: TreeAlgorithm,
    index: u64,
    size: u64,
    mut get: impl FnMut(u64) -> Result<TreeHash, E>,
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
            top_down.push(range_root(algorithm, offset + k, n - k, &mut get)?);
            n = k;
        } else {
            top_down.push(range_root(algorithm, offset, k, &mut get)?);
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
    algorithm: TreeAlgorithm,
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
    consistency_path_by(algorithm, old, new, slice_getter(hashes))
}

/// [`consistency_path`] reading entry hashes through `get(leaf_index)`. Reads O(new) hashes.
pub fn consistency_path_by<E>(
    algorithm: TreeAlgorithm,
    old: u64,
    new: u64,
    mut get: impl FnMut(u64) -> Result<EntryHash, E>,
) -> Result<Vec<TreeHash>, E>
where
    E: From<MerkleError>,
{
    consistency_path_of_leaves_by(algorithm, old, new, |i| get(i).map(|e| algorithm.leaf(&e)))
}

/// Consistency path from the first `old` to the first `new` of `leaves`, given by their leaf
/// hashes.
pub fn consistency_path_of_leaves(
    algorithm: TreeAlgorithm,
    leaves: &[TreeHash],
    old: u64,
    new: u64,
) -> Result<Vec<TreeHash>, MerkleError> {
    if new > leaves.len() as u64 {
        return Err(MerkleError::NotEnoughLeaves {
            size: new,
            available: leaves.len() as u64,
        });
    }
    consistency_path_of_leaves_by(algorithm, old, new, leaf_getter(leaves))
}

fn consistency_path_of_leaves_by<E>(
    algorithm: TreeAlgorithm,
    old: u64,
    new: u64,
    mut get: impl FnMut(u64) -> Result<TreeHash, E>,
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
            top_down.push(range_root(algorithm, offset + k, n - k, &mut get)?);
            n = k;
        } else {
            top_down.push(range_root(algorithm, offset, k, &mut get)?);
            offset += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    let mut path = Vec::with_capacity(top_down.len() + 1);
    if !whole {
        path.push(range_root(algorithm, offset, n, &mut get)?);
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
