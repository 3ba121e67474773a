//! Event files (`jixiao-events/1` TOML). Never a panic. Paths in the file resolve against an
//! empty directory.
#![no_main]

#[path = "shared/mod.rs"]
mod shared;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static DIR: LazyLock<Option<tempfile::TempDir>> = LazyLock::new(|| tempfile::tempdir().ok());

fuzz_target!(|data: &[u8]| {
    let (Some(text), Some(dir)) = (shared::text(data), DIR.as_ref()) else {
        return;
    };
    let _ = jixiao::import::parse_batch(text, &dir.path().join("events.toml"), 2022);
});
