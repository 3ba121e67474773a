//! Checkpoint texts: never a panic, and a parsed checkpoint re-serialises to the same text.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use jixiao::ledger::SignedCheckpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = shared::text(data) else {
        return;
    };
    if let Ok(cp) = SignedCheckpoint::parse(text) {
        assert_eq!(
            cp.to_text(),
            text,
            "a parsed checkpoint must re-serialise identically"
        );
        let _ = cp.verify_signatures(&shared::trusted());
    }
});
