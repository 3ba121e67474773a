//! A ledger written by format version 1 is committed (fixtures/ledgers/conghua-2022-v1.jixiao,
//! the seed case built with fixed keys, id and times). Every later build must still verify it
//! and recompute its score; and building the same case today must give the same entries, so an
//! accidental change of the bytes on disk fails here before it ships.

use jixiao::check::check;
use jixiao::eval::AsOf;
use jixiao::ledger::Ledger;
use jixiao::seed::{self, SeedKeys};
use std::path::Path;

const FROZEN: &str = "fixtures/ledgers/conghua-2022-v1.jixiao";

/// Copies the frozen file (opening it must not change the committed one).
fn frozen_copy(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("frozen.jixiao");
    std::fs::copy(FROZEN, &p).unwrap();
    p
}

#[test]
fn the_frozen_v1_ledger_still_verifies_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let p = frozen_copy(dir.path());
    let c = check(&p, AsOf::Latest, &[]).unwrap();
    let v = c.integrity.as_ref().unwrap();
    assert_eq!(v.size, 158);
    let card = c.scorecard.unwrap().unwrap();
    assert_eq!(card.total.to_string(), "99.96");
    assert_eq!(card.node("mgmt").unwrap().score.to_string(), "49.96");
    assert_eq!(card.node("perf").unwrap().score.to_string(), "50.00");
    assert_eq!(card.findings.len(), 1);
}

#[test]
fn building_the_seed_case_today_gives_the_frozen_entries() {
    let dir = tempfile::tempdir().unwrap();
    let fx = seed::write_fixture(dir.path()).unwrap();
    let built = dir.path().join("built.jixiao");
    seed::build(&built, &fx, &SeedKeys::fixed(), [0x11; 16], |_| {}).unwrap();
    if std::env::var_os("JIXIAO_WRITE_FROZEN").is_some() {
        std::fs::copy(&built, FROZEN).unwrap();
    }
    let a = Ledger::open_read(&built).unwrap();
    let frozen = frozen_copy(dir.path());
    let b = Ledger::open_read(&frozen).unwrap();
    assert_eq!(a.head().unwrap(), b.head().unwrap());
    for seq in 1..=158 {
        assert_eq!(
            a.stored_bytes(seq).unwrap(),
            b.stored_bytes(seq).unwrap(),
            "entry {seq} differs from the frozen v1 ledger"
        );
    }
    assert_eq!(a.batches().unwrap(), b.batches().unwrap());
    assert_eq!(a.tree_head().unwrap(), b.tree_head().unwrap());
    assert_eq!(a.checkpoints().unwrap(), b.checkpoints().unwrap());
}
