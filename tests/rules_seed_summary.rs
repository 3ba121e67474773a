//! The seed case under the extended rule language: its rule set (which states no `[form]`,
//! params or extras) still scores 99.96 with the same single finding, and `verify` names its
//! own top nodes.

mod common;
use common::Test;
use jixiao::seed::{self, SeedKeys};

#[test]
fn verify_names_the_seed_rule_sets_top_nodes_and_the_same_finding() {
    let dir = tempfile::tempdir().unwrap();
    let fx = seed::write_fixture(dir.path()).unwrap();
    let path = dir.path().join("seed.jixiao");
    seed::build(&path, &fx, &SeedKeys::fixed(), [1; 16], |_| {}).unwrap();
    let r = Test::new()
        .arg("verify")
        .arg(&path)
        .status(1)
        .stdout_contains(
            "recompute ok: total 99.96  等级 优 = 管理效能 49.96 + 履职效能 50.00 (details: `jixiao score`)",
        )
        .stdout_contains("1 finding(s), 1 unacknowledged")
        .stdout_contains("budget.growth_rate")
        .run();
    assert!(!r.stdout.contains("etc."), "{}", r.stdout);
    // No extras, no not-applicable nodes, no levels: nothing extra is stated.
    let s = Test::new().arg("score").arg(&path).run();
    assert!(!s.stdout.contains("  * "), "{}", s.stdout);
}
