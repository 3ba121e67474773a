//! A ledger file: open it, verify it, read its head. Never a panic outside the storage
//! engine (whose panics the ledger layer turns into "corrupt").
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use jixiao::ledger::Ledger;
use libfuzzer_sys::fuzz_target;
use std::io::Write as _;

fuzz_target!(|data: &[u8]| {
    shared::tolerate_storage_engine_panics();
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    if let Ok(ledger) = Ledger::open_read(file.path()) {
        let _ = ledger.verify(&mut |_| {});
        let _ = ledger.head();
        let _ = ledger.entry(1);
    }
});
