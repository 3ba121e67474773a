//! Report JSON with proofs, checked as `check-proof` checks a report. Never a panic.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = shared::text(data) else {
        return;
    };
    if jixiao::report::is_report_json(text) {
        let _ = jixiao::report::check_report_proofs(text, &shared::trusted());
    }
});
