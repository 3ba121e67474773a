//! Random damage to a real ledger file: byte flips, zeroed 4 KiB pages and truncations of the
//! demo ledger, deterministic and pseudo-random. For each damaged copy `verify` ends in 0 or 1
//! (never a crash, never silent), and a copy that passes `verify` is the same ledger: `log` and
//! `report --format json` print what the undamaged ledger prints, and `score`, `prove 1` and an
//! append all work.
//!
//! `JIXIAO_CORRUPTIONS` sets the number of damaged copies (default 300);
//! `scripts/corrupt-soak.sh N` runs many more.

mod soak;

use soak::{Rng, count, demo_base, facts_file, run};
use std::path::Path;

const LEDGER: &str = "C.jixiao";

#[derive(Debug, Clone, Copy)]
enum Damage {
    Flip { at: usize, mask: u8 },
    ZeroPage { page: usize },
    Truncate { len: usize },
}

fn damage(rng: &mut Rng, len: usize) -> Damage {
    let len64 = len as u64;
    match rng.below(8) {
        0..=4 => Damage::Flip {
            at: rng.below(len64) as usize,
            mask: 1 + rng.below(255) as u8,
        },
        5 | 6 => Damage::ZeroPage {
            page: rng.below(len64.div_ceil(4096)) as usize,
        },
        _ => Damage::Truncate {
            len: rng.below(len64) as usize,
        },
    }
}

fn apply(d: Damage, bytes: &mut Vec<u8>) {
    match d {
        Damage::Flip { at, mask } => bytes[at] ^= mask,
        Damage::ZeroPage { page } => {
            let end = ((page + 1) * 4096).min(bytes.len());
            bytes[page * 4096..end].fill(0);
        }
        Damage::Truncate { len } => bytes.truncate(len),
    }
}

fn out(dir: &Path, args: &[&str]) -> soak::Run {
    run(dir, args)
}

#[test]
fn defect_7_a_damaged_file_that_passes_verify_holds_the_same_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let one = facts_file(&base, "append", 1);
    let one = one.to_str().unwrap();
    let good = std::fs::read(base.join("conghua-2022.jixiao")).unwrap();
    std::fs::write(base.join(LEDGER), &good).unwrap();
    let log = out(&base, &["log", LEDGER]);
    let report = out(&base, &["report", LEDGER, "--format", "json"]);
    assert_eq!(log.code, Some(0));
    assert_eq!(report.code, Some(0), "{}", report.stderr);

    let n = count("JIXIAO_CORRUPTIONS", 300);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ count("JIXIAO_CORRUPTION_SEED", 0));
    let (mut passed, mut failed) = (0u64, 0u64);
    for case in 0..n {
        let d = damage(&mut rng, good.len());
        let mut bytes = good.clone();
        apply(d, &mut bytes);
        std::fs::write(base.join(LEDGER), &bytes).unwrap();
        let v = out(&base, &["verify", LEDGER]);
        match v.code {
            Some(0) => passed += 1,
            Some(1) => {
                failed += 1;
                assert!(
                    !v.stderr.trim().is_empty(),
                    "case {case} {d:?}: verify exit 1 without a message on stderr\n{}",
                    v.stdout
                );
                continue;
            }
            other => panic!(
                "case {case} {d:?}: verify exit {other:?}\n{}{}",
                v.stdout, v.stderr
            ),
        }
        // It passed: it must hold the same history, and every command must work on it.
        let l = out(&base, &["log", LEDGER]);
        assert_eq!(l.code, Some(0), "case {case} {d:?}: log\n{}", l.stderr);
        assert_eq!(l.stdout, log.stdout, "case {case} {d:?}: log differs");
        let r = out(&base, &["report", LEDGER, "--format", "json"]);
        assert_eq!(r.code, Some(0), "case {case} {d:?}: report\n{}", r.stderr);
        assert_eq!(r.stdout, report.stdout, "case {case} {d:?}: report differs");
        let s = out(&base, &["score", LEDGER]);
        assert_eq!(s.code, Some(0), "case {case} {d:?}: score\n{}", s.stderr);
        let p = out(&base, &["prove", LEDGER, "1", "-o", "p.json"]);
        assert_eq!(p.code, Some(0), "case {case} {d:?}: prove\n{}", p.stderr);
        let a = out(&base, &["import", LEDGER, one, "--key", "recorder.key"]);
        assert_eq!(a.code, Some(0), "case {case} {d:?}: append\n{}", a.stderr);
        let v = out(&base, &["verify", LEDGER]);
        assert_eq!(
            v.code,
            Some(0),
            "case {case} {d:?}: verify after the append\n{}{}",
            v.stdout,
            v.stderr
        );
    }
    eprintln!("corruption test: {n} damaged copies, {passed} passed verify, {failed} failed it");
}
