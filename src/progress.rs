//! Progress of the long loops over a ledger's entries (verify's walk, for now), reported to a
//! [`Progress`] the caller supplies.
//!
//! Owns: that trait and how often the loops call it. Must not: print, or decide whether or how
//! progress is shown (the CLI does, on a terminal only).

/// Told how far a long loop has got. Called from whichever thread runs the loop.
pub trait Progress: Sync {
    /// `done` of `total` entries of `stage` are finished; within a stage `done` only grows,
    /// and the last call has `done == total`.
    fn update(&self, stage: &'static str, done: u64, total: u64);
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: &'static str, _: u64, _: u64) {}
}

/// Entries between two calls of [`Progress::update`] (a power of two).
pub const EVERY: u64 = 4096;
