//! Entry envelope decoder: never panics, and whatever decodes re-encodes to the same bytes.
#![no_main]

use jixiao::ledger::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entry) = Entry::decode(data) {
        assert_eq!(
            entry.encode(),
            data,
            "a decoded entry must re-encode to its bytes"
        );
        let _ = entry.event.summary();
    }
});
