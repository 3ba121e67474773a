//! `.key` and `.pub` key files. Never a panic.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use jixiao::ledger::keys::{KeyPair, parse_public};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(text) = shared::text(data) else {
        return;
    };
    let path = Path::new("fuzz.key");
    if let Ok(k) = KeyPair::parse(text, path) {
        let _ = k.principal();
    }
    let _ = parse_public(text, path);
});
