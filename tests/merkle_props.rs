//! Property tests: the checkpoint, frontier and proof-file readers never panic on arbitrary
//! input, and whatever they accept is in canonical form (re-serialises to the same bytes).

use ed25519_dalek::SigningKey;
use jixiao::ledger::{
    Checkpoint, EntryHash, Frontier, SignedCheckpoint, check_proof_bytes, verify_consistency,
    verify_inclusion,
};

/// The tree these tests run on: the current format's (RFC 6962).
const T: jixiao::ledger::TreeAlgorithm = jixiao::ledger::TreeAlgorithm::CURRENT;
use proptest::prelude::*;

proptest! {
    #[test]
    fn signed_checkpoints_round_trip(
        id in any::<[u8; 16]>(),
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        seeds in proptest::collection::btree_set(any::<u8>(), 1..4),
        name in "[a-z0-9.-]{1,20}(/[a-z0-9_-]{1,12})?",
    ) {
        let cp = Checkpoint::for_ledger(&id, size, root);
        let keys: Vec<SigningKey> = seeds.iter().map(|s| SigningKey::from_bytes(&[*s; 32])).collect();
        let mut signed = cp.sign(&keys[0], &name).unwrap();
        for k in &keys[1..] {
            signed.cosign(k, &name).unwrap();
        }
        let text = signed.to_text();
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &signed);
        prop_assert_eq!(parsed.to_text(), text);
        let trusted: Vec<(&str, _)> = keys.iter().map(|k| (name.as_str(), k.verifying_key())).collect();
        prop_assert_eq!(parsed.verify_signatures(&trusted).unwrap().len(), keys.len());
    }

    #[test]
    fn checkpoint_parser_accepts_only_canonical_text(text in "\\PC{0,200}|(jixiao/[0-9a-f]{32}\n[0-9]{1,3}\n[A-Za-z0-9+/=]{44}\n\n\u{2014} [a-z]{1,3} [A-Za-z0-9+/=]{92}\n)") {
        if let Ok(cp) = SignedCheckpoint::parse(&text) {
            prop_assert_eq!(cp.to_text(), text);
        }
    }

    #[test]
    fn frontier_reader_accepts_only_canonical_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(f) = Frontier::from_bytes(&bytes) {
            prop_assert_eq!(f.to_bytes(), bytes);
        }
    }

    #[test]
    fn frontier_reader_on_plausible_headers(size in 0u64..40, extra in 0usize..3, fill in any::<u8>()) {
        let mut bytes = vec![1];
        bytes.extend_from_slice(&size.to_be_bytes());
        let n = size.count_ones() as usize + extra;
        bytes.extend(std::iter::repeat_n(fill, 32 * n));
        let r = Frontier::from_bytes(&bytes);
        prop_assert_eq!(r.is_ok(), extra == 0);
    }

    #[test]
    fn proof_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let trusted = [("k", SigningKey::from_bytes(&[1; 32]).verifying_key())];
        let _ = check_proof_bytes(&bytes, &trusted);
    }

    #[test]
    fn path_checkers_never_panic(
        index in any::<u64>(),
        size in any::<u64>(),
        old in any::<u64>(),
        path in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
    ) {
        let _ = verify_inclusion(T, &EntryHash([0; 32]), index, size, &path, &[0; 32]);
        let _ = verify_consistency(T, old, size, &[0; 32], &[1; 32], &path);
    }
}
