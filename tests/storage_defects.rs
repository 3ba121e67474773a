//! Regression tests of the storage defects: a file whose last write was interrupted (5), a
//! damaged page under the kept checkpoints (6), what verify must cover (7), and recorded times
//! that go backwards (8).

mod soak;

use soak::{NOTE, demo_base, facts_file, run};
use std::path::Path;

const L: &str = "conghua-2022.jixiao";

/// Copies `src` to `dst` as a writer killed with the file open leaves it: the storage engine
/// marks the file as needing recovery when a writer opens it and clears the mark when it
/// closes; this writer never closes (its handle is leaked) and its file is copied as it is.
fn interrupted_copy(src: &Path, dst: &Path) {
    let tmp = dst.with_extension("open-by-writer");
    std::fs::copy(src, &tmp).unwrap();
    let db = redb::Database::open(&tmp).unwrap();
    std::mem::forget(db);
    std::fs::copy(&tmp, dst).unwrap();
    assert!(matches!(
        redb::Database::builder().open_read_only(dst),
        Err(redb::DatabaseError::RepairAborted)
    ));
}

#[test]
fn defect_5_read_commands_recover_an_interrupted_write_in_memory_and_leave_the_file_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let sound = std::fs::read(base.join(L)).unwrap();
    interrupted_copy(&base.join(L), &base.join("I.jixiao"));
    let bytes = std::fs::read(base.join("I.jixiao")).unwrap();
    let l = jixiao::ledger::Ledger::open_read(&base.join("I.jixiao")).unwrap();
    assert!(l.recovered());
    drop(l);
    let reads: [&[&str]; 8] = [
        &["verify", "I.jixiao"],
        &["verify", "--json", "I.jixiao"],
        &["log", "I.jixiao"],
        &["score", "I.jixiao"],
        &["report", "I.jixiao", "--format", "json"],
        &["trace", "I.jixiao", "mgmt"],
        &["diff", "I.jixiao", "--from", "100", "--to", "latest"],
        &["prove", "I.jixiao", "158", "-o", "p.json"],
    ];
    for args in reads {
        let r = run(&base, args);
        assert_eq!(r.code, Some(0), "{args:?}\n{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(NOTE), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("the file was not changed"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("corrupt"), "{args:?}: {}", r.stderr);
        assert_eq!(
            std::fs::read(base.join("I.jixiao")).unwrap(),
            bytes,
            "{args:?} changed the file"
        );
    }
    let v = run(&base, &["verify", "--json", "I.jixiao"]);
    let doc: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    assert_eq!(doc["recovered"], true);
    // Read from the recovered copy, the ledger is the sound one.
    assert_eq!(
        run(&base, &["log", "I.jixiao"]).stdout,
        run(&base, &["log", L]).stdout
    );
    assert_eq!(std::fs::read(base.join(L)).unwrap(), sound);

    // Write commands recover the file itself, and say so: import --dry-run too.
    let one = facts_file(&base, "one", 1);
    let one = one.to_str().unwrap();
    let dry = run(
        &base,
        &[
            "import",
            "I.jixiao",
            one,
            "--key",
            "recorder.key",
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(dry.stderr.contains(NOTE), "{}", dry.stderr);
    assert!(
        dry.stderr.contains("the file was recovered"),
        "{}",
        dry.stderr
    );
    let v = run(&base, &["verify", "I.jixiao"]);
    assert_eq!(v.code, Some(0));
    assert!(!v.stderr.contains(NOTE), "{}", v.stderr);

    // import and correct, each on a fresh interrupted copy.
    interrupted_copy(&base.join(L), &base.join("J.jixiao"));
    let imp = run(&base, &["import", "J.jixiao", one, "--key", "recorder.key"]);
    assert_eq!(imp.code, Some(0), "{}", imp.stderr);
    assert!(imp.stderr.contains(NOTE), "{}", imp.stderr);
    interrupted_copy(&base.join(L), &base.join("K.jixiao"));
    let fact_seq = run(&base, &["log", "--json", "K.jixiao"])
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["kind"] == "fact")
        .and_then(|v| v["seq"].as_u64())
        .unwrap()
        .to_string();
    let cor = run(
        &base,
        &[
            "correct",
            "K.jixiao",
            &fact_seq,
            "--value",
            "2",
            "--reason",
            "复核更正",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(cor.code, Some(0), "{}", cor.stderr);
    assert!(cor.stderr.contains(NOTE), "{}", cor.stderr);
    assert_eq!(run(&base, &["verify", "K.jixiao"]).code, Some(0));
}

/// The demo ledger with the 4 KiB page that holds the kept checkpoints' text zeroed.
fn zeroed_checkpoint_page(base: &Path, name: &str) -> Vec<u8> {
    let mut b = std::fs::read(base.join(L)).unwrap();
    let at = b
        .windows(6)
        .position(|w| w == b"\n\n\xe2\x80\x94 ")
        .expect("a kept checkpoint's signature line");
    let page = at / 4096;
    b[page * 4096..(page + 1) * 4096].fill(0);
    std::fs::write(base.join(name), &b).unwrap();
    b
}

#[test]
fn defect_6_a_zeroed_checkpoint_page_is_exit_1_with_a_message_from_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let bytes = zeroed_checkpoint_page(&base, "Z.jixiao");
    let cmds: [&[&str]; 6] = [
        &["verify", "Z.jixiao"],
        &["log", "Z.jixiao"],
        &["prove", "Z.jixiao", "1", "-o", "p.json"],
        &["report", "Z.jixiao", "--format", "json"],
        &["score", "Z.jixiao"],
        &[
            "checkpoint",
            "Z.jixiao",
            "--key",
            "admin.key",
            "-o",
            "c.txt",
        ],
    ];
    for args in cmds {
        let r = run(&base, args);
        assert_eq!(r.code, Some(1), "{args:?}\n{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("Z.jixiao"), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("damaged") || r.stderr.contains("corrupt"),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(
            std::fs::read(base.join("Z.jixiao")).unwrap(),
            bytes,
            "{args:?} changed the file"
        );
    }
    // The refused checkpoint left no file needing recovery behind.
    assert!(
        redb::Database::builder()
            .open_read_only(base.join("Z.jixiao"))
            .is_ok()
    );
}

#[test]
fn defect_8_an_append_dated_before_the_last_entry_is_refused_with_both_times() {
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let r = std::process::Command::new(soak::bin())
        .current_dir(&base)
        .env("JIXIAO_TIME", "1970-01-01T00:00:00Z")
        .args([
            "record",
            "fact",
            L,
            "--key",
            "recorder.key",
            "--fact-key",
            "x.early",
            "--name",
            "early",
            "--value",
            "1",
            "--unit",
            "次",
            "--date",
            "2022-12-31",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("1970-01-01T00:00:00Z"), "{stderr}");
    assert!(stderr.contains(soak::TIME), "{stderr}");
    assert!(stderr.contains("never go backwards"), "{stderr}");
    assert!(stderr.contains("nothing was appended"), "{stderr}");
    // The same time as the last entry's is fine.
    let same = run(
        &base,
        &[
            "record",
            "fact",
            L,
            "--key",
            "recorder.key",
            "--fact-key",
            "x.same",
            "--name",
            "same",
            "--value",
            "1",
            "--unit",
            "次",
            "--date",
            "2022-12-31",
        ],
    );
    assert_eq!(same.code, Some(0), "{}", same.stderr);
}

#[test]
fn defect_5_a_reader_leaving_early_does_not_leave_the_file_needing_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let many = facts_file(&base, "many", 50);
    for dry in [true, false] {
        let mut cmd = std::process::Command::new(soak::bin());
        cmd.current_dir(&base)
            .env("JIXIAO_TIME", soak::TIME)
            .args(["import", L])
            .arg(&many)
            .args(["--key", "recorder.key"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if dry {
            cmd.arg("--dry-run");
        }
        let mut child = cmd.spawn().unwrap();
        // The reader goes away before the command prints anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "dry run {dry}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            redb::Database::builder()
                .open_read_only(base.join(L))
                .is_ok(),
            "dry run {dry}: the file was left needing recovery"
        );
    }
}

#[test]
fn defect_7_a_flipped_table_definition_is_a_damaged_file_not_an_io_error() {
    // A table definition stores its key and value types' names with their width and alignment;
    // flipping an alignment byte made the open fail with an engine error that was taken for
    // an I/O error (exit 2).
    let tmp = tempfile::tempdir().unwrap();
    let base = demo_base(tmp.path());
    let good = std::fs::read(base.join(L)).unwrap();
    let sound_log = run(&base, &["log", L]).stdout;
    let mut damaged = 0;
    let sites: Vec<usize> = good
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == b"\x01&str")
        .map(|(i, _)| i + 1 - 13)
        .collect();
    assert!(!sites.is_empty());
    for at in sites {
        let mut b = good.clone();
        b[at] ^= 0x81;
        std::fs::write(base.join("F.jixiao"), &b).unwrap();
        let v = run(&base, &["verify", "F.jixiao"]);
        match v.code {
            Some(0) => assert_eq!(run(&base, &["log", "F.jixiao"]).stdout, sound_log),
            Some(1) => {
                damaged += 1;
                assert!(v.stderr.contains("F.jixiao"), "{}", v.stderr);
                // score verifies first; log reads without verifying, and may manage.
                let s = run(&base, &["score", "F.jixiao"]);
                assert_eq!(s.code, Some(1), "score at {at}: {}", s.stderr);
                assert!(!s.stderr.is_empty());
                let l = run(&base, &["log", "F.jixiao"]);
                assert!(matches!(l.code, Some(0 | 1)), "log at {at}: {}", l.stderr);
                assert!(l.code == Some(0) || !l.stderr.is_empty());
            }
            other => panic!("flip at {at}: verify exit {other:?}: {}", v.stderr),
        }
    }
    assert!(damaged > 0);
}
