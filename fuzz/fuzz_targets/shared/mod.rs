//! What several fuzz targets share: the keys the committed seeds were signed with, and the
//! panic policy of the command line for the storage engine.
#![allow(dead_code)]

use ed25519_dalek::VerifyingKey;
use std::sync::Once;

/// Public keys of the demo ledger the seeds were built from (`demo --keep`): admin and
/// auditor, under the names its checkpoints are signed with. Trusting them lets mutated seeds
/// reach the path checks behind the signature checks.
pub const SEED_KEYS: [(&str, &str); 2] = [
    (
        "admin",
        "afd1186b99960013e98aab8311368620e992bee80103de7f32da1a5f0bb52812",
    ),
    (
        "auditor",
        "f8067a309e64e8616c9812960447b6f6adcfe36c6a2a1000a5e3d28732b8a06b",
    ),
];

/// The seed keys as (name, key) pairs, as `check-proof --trusted-key` passes them.
pub fn trusted() -> Vec<(String, VerifyingKey)> {
    SEED_KEYS
        .iter()
        .filter_map(|(name, hex)| {
            let mut b = [0u8; 32];
            for (i, byte) in b.iter_mut().enumerate() {
                *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            Some((name.to_string(), VerifyingKey::from_bytes(&b).ok()?))
        })
        .collect()
}

/// The storage engine panics on some damaged files (debug assertions); the ledger layer
/// catches those panics and reports the file as corrupt, and the command line keeps them off
/// the terminal. libFuzzer's panic hook would abort on them even though they are caught, so
/// this hook passes only the engine's own panics by; every other panic is still a crash.
pub fn tolerate_storage_engine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_engine = info.location().is_some_and(|l| l.file().contains("redb-"));
            if !in_engine {
                fuzzer_hook(info);
            }
        }));
    });
}

/// Text of the input, or `None` if it is not UTF-8 (every text reader refuses those first).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
