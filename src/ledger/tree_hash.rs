//! The two ways a ledger's Merkle tree is hashed ([`TreeAlgorithm`]): RFC 6962 SHA-256 (format
//! 2) and keyed BLAKE3 (format 1), and the recursive reference root.
//!
//! Owns: the leaf, node and empty-tree hashes of both formats and which format uses which.
//! Must not: know the frontier or paths (src/ledger/merkle.rs), or read storage.

use super::EntryHash;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// A 32-byte Merkle tree hash (leaf, interior node or root).
pub type TreeHash = [u8; 32];

/// blake3 derive-key context of the key used to hash leaves (format 1).
pub const LEAF_KEY_CONTEXT: &str = "jixiao ledger v1 merkle leaf";
/// blake3 derive-key context of the key used to hash interior nodes (format 1).
pub const NODE_KEY_CONTEXT: &str = "jixiao ledger v1 merkle node";
/// blake3 derive-key context whose output is the root of the empty tree (format 1).
pub const EMPTY_ROOT_CONTEXT: &str = "jixiao ledger v1 merkle empty";

/// Version byte that opens the frontier's byte form of a format-2 (RFC 6962) tree; `1` is the
/// format-1 keyed-BLAKE3 tree. The byte names the hashing, so a frontier says how to extend it.
pub const FRONTIER_VERSION: u8 = 2;

static LEAF_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| blake3::derive_key(LEAF_KEY_CONTEXT, b""));
static NODE_KEY: LazyLock<[u8; 32]> = LazyLock::new(|| blake3::derive_key(NODE_KEY_CONTEXT, b""));

/// How the tree's leaves, nodes and empty root are hashed. The tree's shape is the same for
/// both; which one a ledger uses follows from its format version (docs/FORMAT.md §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TreeAlgorithm {
    /// Format 1: `blake3::keyed_hash(K_LEAF, e)`, `blake3::keyed_hash(K_NODE, l ‖ r)`,
    /// empty root `blake3::derive_key("jixiao ledger v1 merkle empty", "")`.
    Blake3V1,
    /// Format 2: RFC 6962 / RFC 9162 exactly: `SHA-256(0x00 ‖ e)`, `SHA-256(0x01 ‖ l ‖ r)`,
    /// empty root `SHA-256("")`. What `golang.org/x/mod/sumdb/tlog` computes.
    Rfc6962,
}

impl TreeAlgorithm {
    /// The tree of ledgers written by this build.
    pub const CURRENT: TreeAlgorithm = TreeAlgorithm::Rfc6962;

    /// The tree of a ledger of format `version` (1 or 2); `None` for any other version.
    #[must_use]
    pub fn for_format(version: u16) -> Option<TreeAlgorithm> {
        match version {
            1 => Some(TreeAlgorithm::Blake3V1),
            2 => Some(TreeAlgorithm::Rfc6962),
            _ => None,
        }
    }

    /// The frontier version byte that names this hashing (`1` or `2`).
    #[must_use]
    pub fn frontier_byte(self) -> u8 {
        match self {
            TreeAlgorithm::Blake3V1 => 1,
            TreeAlgorithm::Rfc6962 => 2,
        }
    }

    /// The hashing a frontier version byte names.
    #[must_use]
    pub fn from_frontier_byte(b: u8) -> Option<TreeAlgorithm> {
        match b {
            1 => Some(TreeAlgorithm::Blake3V1),
            2 => Some(TreeAlgorithm::Rfc6962),
            _ => None,
        }
    }

    /// The name used in proof files and JSON: `blake3-keyed-v1` or `rfc6962-sha256`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            TreeAlgorithm::Blake3V1 => "blake3-keyed-v1",
            TreeAlgorithm::Rfc6962 => "rfc6962-sha256",
        }
    }

    /// Hash of the leaf for one entry: the leaf hash of its 32 entry-hash bytes.
    #[must_use]
    pub fn leaf(self, entry: &EntryHash) -> TreeHash {
        self.leaf_bytes(&entry.0)
    }

    /// Hash of a leaf whose data is `data` (`SHA-256(0x00 ‖ data)` in RFC 6962, tlog's
    /// `RecordHash`). A ledger's leaf data is always a 32-byte entry hash; any length is
    /// accepted here so that the published RFC 6962 vectors can be checked.
    #[must_use]
    pub fn leaf_bytes(self, data: &[u8]) -> TreeHash {
        match self {
            TreeAlgorithm::Blake3V1 => *blake3::keyed_hash(&LEAF_KEY, data).as_bytes(),
            TreeAlgorithm::Rfc6962 => {
                let mut h = Sha256::new();
                h.update([0u8]);
                h.update(data);
                h.finalize().into()
            }
        }
    }

    /// Hash of an interior node over its left and right children.
    #[must_use]
    pub fn node(self, left: &TreeHash, right: &TreeHash) -> TreeHash {
        match self {
            TreeAlgorithm::Blake3V1 => {
                // One 64-byte block through the one-shot function: cheaper than a streaming
                // `Hasher`, and this is on the append path (about one node per entry).
                let mut block = [0u8; 64];
                block[..32].copy_from_slice(left);
                block[32..].copy_from_slice(right);
                *blake3::keyed_hash(&NODE_KEY, &block).as_bytes()
            }
            TreeAlgorithm::Rfc6962 => {
                let mut h = Sha256::new();
                h.update([1u8]);
                h.update(left);
                h.update(right);
                h.finalize().into()
            }
        }
    }

    /// Root of the tree with no leaves.
    #[must_use]
    pub fn empty(self) -> TreeHash {
        match self {
            TreeAlgorithm::Blake3V1 => blake3::derive_key(EMPTY_ROOT_CONTEXT, b""),
            TreeAlgorithm::Rfc6962 => Sha256::digest(b"").into(),
        }
    }

    /// Root of the tree over `hashes` by the recursive definition (RFC 9162 §2.1.1). The
    /// reference against which the streaming computations are tested.
    #[must_use]
    pub fn root_of(self, hashes: &[EntryHash]) -> TreeHash {
        match hashes {
            [] => self.empty(),
            [one] => self.leaf(one),
            _ => {
                // At least two hashes here, so k = 2^⌊log2(len − 1)⌋ is in 1..len.
                let k = 1usize << (hashes.len() - 1).ilog2();
                let (left, right) = hashes.split_at(k);
                self.node(&self.root_of(left), &self.root_of(right))
            }
        }
    }
}
