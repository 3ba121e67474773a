//! Inclusion and consistency proof files, checked as `check-proof` does. Never a panic.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use jixiao::ledger::check_proof_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = check_proof_bytes(data, &shared::trusted());
});
