//! Budget CSV files. Never a panic.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(text) = shared::text(data) else {
        return;
    };
    let _ = jixiao::import::parse_budget_csv(text, Path::new("budget.csv"));
});
