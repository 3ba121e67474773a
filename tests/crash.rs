//! Crashes: `jixiao import` of a multi-batch workload is killed (SIGKILL) at pseudo-random
//! points, and then: no batch is partly present, nothing committed is lost, every read command
//! answers as for a sound ledger (with the interrupted-write note when the file needs
//! recovery) without changing the file's bytes, and the next write command recovers the file
//! and appends.
//!
//! `JIXIAO_CRASH_KILLS` sets the number of kills (default 16); `scripts/crash-soak.sh N` runs
//! many more.

mod soak;

use soak::{NOTE, Rng, count, demo_base, entries, facts_file, run};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const LEDGER: &str = "L.jixiao";

/// Runs the imports in order, killing the running one once `budget` has passed. Returns how
/// many finished (exit 0) and whether one was killed.
fn imports_killed_after(dir: &Path, files: &[&Path], budget: Duration) -> (usize, bool) {
    let start = Instant::now();
    for (i, f) in files.iter().enumerate() {
        let mut child = Command::new(soak::bin())
            .current_dir(dir)
            .env("JIXIAO_TIME", soak::TIME)
            .args(["import", LEDGER])
            .arg(f)
            .args(["--key", "recorder.key"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "import of {} failed", f.display());
                break;
            }
            if start.elapsed() >= budget {
                child.kill().unwrap();
                let status = child.wait().unwrap();
                // It may have finished just before the signal.
                return (i + usize::from(status.success()), !status.success());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    (files.len(), false)
}

#[derive(Default, Debug)]
struct Tally {
    kills: u64,
    interrupted: u64,
    batch_absent: u64,
    batch_present: u64,
}

#[test]
fn defect_5_killed_imports_lose_nothing_and_read_as_sound() {
    let base_dir = tempfile::tempdir().unwrap();
    let base = demo_base(base_dir.path());
    let sizes = [120usize, 240, 360];
    let files: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, n)| facts_file(&base, &format!("b{i}"), *n))
        .collect();
    let after = facts_file(&base, "after", 1);
    let base_entries = entries(&base, "conghua-2022.jixiao").unwrap();
    let pristine = std::fs::read(base.join("conghua-2022.jixiao")).unwrap();

    // How long the whole workload takes unkilled: kills land anywhere in it.
    std::fs::write(base.join(LEDGER), &pristine).unwrap();
    let t = Instant::now();
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    assert_eq!(
        imports_killed_after(&base, &refs, Duration::from_secs(600)),
        (3, false)
    );
    let full = t.elapsed().as_micros() as u64;

    let kills = count("JIXIAO_CRASH_KILLS", 16);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ count("JIXIAO_CRASH_SEED", 0));
    let mut tally = Tally::default();
    for trial in 0..kills {
        std::fs::write(base.join(LEDGER), &pristine).unwrap();
        let budget = Duration::from_micros(rng.below(full + full / 10));
        let (finished, killed) = imports_killed_after(&base, &refs, budget);
        tally.kills += u64::from(killed);
        let bytes = std::fs::read(base.join(LEDGER)).unwrap();

        // Read commands: as for a sound ledger, and the file untouched.
        let v = run(&base, &["verify", LEDGER]);
        assert_eq!(
            v.code,
            Some(0),
            "trial {trial}: verify\n{}{}",
            v.stdout,
            v.stderr
        );
        let noted = v.stderr.contains(NOTE);
        assert!(!v.stderr.contains("corrupt"), "trial {trial}: {}", v.stderr);
        tally.interrupted += u64::from(noted);
        for args in [&["log", LEDGER][..], &["score", LEDGER][..]] {
            let r = run(&base, args);
            assert_eq!(r.code, Some(0), "trial {trial}: {args:?}\n{}", r.stderr);
            assert_eq!(r.stderr.contains(NOTE), noted, "trial {trial}: {args:?}");
        }
        let n = entries(&base, LEDGER).expect("verify --json entries");
        assert_eq!(
            std::fs::read(base.join(LEDGER)).unwrap(),
            bytes,
            "trial {trial}: a read command changed the file"
        );

        // Whole batches only, and every finished import kept.
        let kept: u64 = sizes[..finished].iter().map(|s| *s as u64).sum();
        let next = sizes.get(finished).map_or(0, |s| *s as u64);
        assert!(
            n == base_entries + kept || (killed && n == base_entries + kept + next),
            "trial {trial}: {n} entries; base {base_entries}, finished {finished}, killed {killed}"
        );
        if killed {
            if n == base_entries + kept {
                tally.batch_absent += 1;
            } else {
                tally.batch_present += 1;
            }
        }

        // A write command recovers and appends.
        let w = run(
            &base,
            &[
                "import",
                LEDGER,
                after.to_str().unwrap(),
                "--key",
                "recorder.key",
            ],
        );
        assert_eq!(w.code, Some(0), "trial {trial}: import after\n{}", w.stderr);
        assert_eq!(
            w.stderr.contains(NOTE),
            noted,
            "trial {trial}: {}",
            w.stderr
        );
        let v = run(&base, &["verify", LEDGER]);
        assert_eq!(v.code, Some(0), "trial {trial}: {}{}", v.stdout, v.stderr);
        assert!(
            !v.stderr.contains(NOTE),
            "trial {trial}: still needs recovery"
        );
        assert_eq!(entries(&base, LEDGER), Some(n + 1), "trial {trial}");
    }
    eprintln!("crash test: {tally:?}");
    if kills >= 8 {
        assert!(
            tally.interrupted > 0,
            "no kill left a file needing recovery"
        );
    }
}
