//! Report JSON (or a proof file), checked as `check-proof` checks it: strict JSON, the bundle
//! rebuilt into a ledger, the report recomputed and compared. Never a panic.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = shared::text(data) else {
        return;
    };
    let _ = jixiao::report_check::check_text(
        text,
        "fuzz.json",
        &shared::trusted(),
        None,
        &jixiao::progress::Silent,
    );
});
