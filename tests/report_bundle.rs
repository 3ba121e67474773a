//! A forged report never passes `check-proof`: the check recomputes every value of a JSON
//! report from the entries its bundle embeds (or a ledger file), proven by the trusted signed
//! checkpoint, and names the JSON path of every difference (docs/FORMAT.md §10).
//!
//! One seed ledger is built once (`demo --keep`) with two forks of it that differ in one
//! entry at the same size; each test forges a copy of an honest report in its own directory.

mod common;

use common::{Test, bin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The shared, never-modified material: `d/` (the demo's keys and ledger, and the forks
/// `a.jixiao`, `b.jixiao`), `r.json` (the honest report with embedded entries), `rl.json`
/// (the same for checking with --ledger), `ra.json` and `rb.json` (the reports of the forks).
fn base() -> &'static Path {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let run = |args: &[&str]| {
            let out = Command::new(bin())
                .current_dir(dir.path())
                .env_remove("JIXIAO_KEY")
                .env("JIXIAO_TIME", "2023-03-01T09:00:00Z")
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "jixiao {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&["demo", "--keep", "d"]);
        let l = "d/conghua-2022.jixiao";
        run(&[
            "report",
            l,
            "--format",
            "json",
            "--with-proofs",
            "-o",
            "r.json",
        ]);
        run(&[
            "report",
            l,
            "--format",
            "json",
            "--with-proofs=ledger",
            "-o",
            "rl.json",
        ]);
        // Two ledgers sharing the seed's 158 entries, then one differing fact each: same
        // ledger id, same keys, same size, different roots.
        for (name, value) in [("a", "1"), ("b", "2")] {
            let f = format!("d/{name}.jixiao");
            std::fs::copy(dir.path().join(l), dir.path().join(&f)).unwrap();
            run(&[
                "record",
                "fact",
                &f,
                "--key",
                "d/recorder.key",
                "--fact-key",
                "demo.extra",
                "--name",
                "补充",
                "--value",
                value,
                "--unit",
                "个",
                "--date",
                "2022-12-31",
            ]);
            run(&["checkpoint", &f, "--key", "d/admin.key"]);
            let out = format!("r{name}.json");
            run(&[
                "report",
                &f,
                "--format",
                "json",
                "--with-proofs",
                "-o",
                &out,
            ]);
        }
        dir
    })
    .path()
}

/// A fresh directory holding a copy of the shared material.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(base(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn read(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

/// `check-proof forged.json --trusted-key d/auditor.key.pub` on `r.json` changed by `forge`,
/// expecting exit 1.
fn forged(forge: impl FnOnce(&mut Value)) -> Test {
    forged_from("r.json", forge)
}

fn forged_from(report: &str, forge: impl FnOnce(&mut Value)) -> Test {
    let dir = workdir();
    let mut doc = read(dir.path(), report);
    forge(&mut doc);
    std::fs::write(
        dir.path().join("forged.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
    Test::with_dir(dir)
        .args([
            "check-proof",
            "forged.json",
            "--trusted-key",
            "d/auditor.key.pub",
        ])
        .status(1)
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn b64_flip(entry: &Value, at: usize) -> Value {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut bytes = b64.decode(entry.as_str().unwrap()).unwrap();
    bytes[at] ^= 0x01;
    Value::String(b64.encode(bytes))
}

#[test]
fn defect_1_forgery_1_forged_total_with_no_evidence_and_no_proofs_is_refused() {
    forged(|d| {
        d["evidence"] = Value::Array(Vec::new());
        d["proofs"] = Value::Array(Vec::new());
        d["total"] = s("100.00");
    })
    .stderr_contains(r#"$.total: the report says "100.00", the ledger gives "99.96""#)
    .stderr_contains("$.evidence: the report has 0 items, the ledger gives 34")
    .stderr_contains("$.proofs: the report says [], the ledger gives no such field")
    .run();
    // Without its bundle nothing is established at all.
    forged(|d| {
        d.as_object_mut().unwrap().remove("bundle");
        d["total"] = s("100.00");
    })
    .stderr_contains("$.bundle: missing")
    .run();
}

#[test]
fn defect_1_forgery_2_an_edited_node_score_is_refused() {
    let honest = read(base(), "r.json")["nodes"][3]["score"].clone();
    forged(|d| d["nodes"][3]["score"] = s("0.01"))
        .stderr_contains(&format!(
            "$.nodes[3].score: the report says \"0.01\", the ledger gives {honest}"
        ))
        .run();
    forged(|d| d["nodes"][0]["score_exact"] = s("100"))
        .stderr_contains("$.nodes[0].score_exact: the report says \"100\"")
        .run();
}

#[test]
fn defect_1_forgery_3_an_edited_grade_is_refused() {
    forged(|d| d["grade"] = s("良"))
        .stderr_contains(r#"$.grade: the report says "良", the ledger gives "优""#)
        .run();
}

#[test]
fn defect_1_forgery_4_a_removed_or_edited_finding_is_refused() {
    forged(|d| d["findings"] = Value::Array(Vec::new()))
        .stderr_contains("$.findings: the report has 0 items, the ledger gives 1")
        .run();
    forged(|d| d["findings"][0]["recomputed"] = s("3.5%"))
        .stderr_contains(
            r#"$.findings[0].recomputed: the report says "3.5%", the ledger gives "3.6%""#,
        )
        .run();
}

#[test]
fn defect_1_forgery_5_an_edited_evidence_author_or_summary_is_refused() {
    forged(|d| d["evidence"][0]["author"] = s("auditor"))
        .stderr_contains(
            r#"$.evidence[0].author: the report says "auditor", the ledger gives "admin""#,
        )
        .run();
    forged(|d| d["evidence"][2]["summary"] = s("nothing to see"))
        .stderr_contains(r#"$.evidence[2].summary: the report says "nothing to see""#)
        .run();
}

#[test]
fn defect_1_forgery_6_an_edited_ledger_id_is_refused() {
    forged(|d| d["ledger"]["ledger_id"] = s(&"0".repeat(32)))
        .stderr_contains(&format!(
            "$.ledger.ledger_id: the report says \"{}\", its signed checkpoint gives",
            "0".repeat(32)
        ))
        .run();
    // The bundle's own id, and both together: the chain of the entries is bound to the id.
    forged(|d| {
        d["ledger"]["ledger_id"] = s(&"0".repeat(32));
        d["bundle"]["ledger_id"] = s(&"0".repeat(32));
    })
    .stderr_contains("$.bundle.ledger_id: the report says")
    .run();
}

#[test]
fn defect_1_forgery_7_a_flipped_byte_in_an_embedded_entry_is_refused() {
    forged(|d| {
        let e = b64_flip(&d["bundle"]["entries"][40], 60);
        d["bundle"]["entries"][40] = e;
    })
    .stderr_contains("$.bundle.entries[40] or [41] (seq 41 or 42): the ledger does not verify")
    .run();
    // The last entry: nothing after it chains to it, its batch signature does.
    forged(|d| {
        let e = b64_flip(&d["bundle"]["entries"][157], 40);
        d["bundle"]["entries"][157] = e;
    })
    .stderr_contains("the ledger does not verify")
    .run();
}

#[test]
fn defect_1_forgery_8_an_entry_dropped_from_the_bundle_is_refused() {
    forged(|d| {
        d["bundle"]["entries"].as_array_mut().unwrap().remove(40);
    })
    .stderr_contains("$.bundle.entries: the report embeds 157 entries, its checkpoint covers 158")
    .run();
    // Dropped and the counts edited to match: the chain and the root say no.
    forged(|d| {
        d["bundle"]["entries"].as_array_mut().unwrap().remove(157);
        d["bundle"]["size"] = 157.into();
    })
    .stderr_contains("$.bundle.size: the report says 157, its signed checkpoint gives 158")
    .run();
}

#[test]
fn defect_1_forgery_9_a_flipped_batch_signature_is_refused() {
    forged(|d| {
        let sig = d["bundle"]["batches"][2]["signature"].as_str().unwrap();
        let flipped = format!(
            "{}{}",
            if sig.starts_with('0') { "1" } else { "0" },
            &sig[1..]
        );
        d["bundle"]["batches"][2]["signature"] = s(&flipped);
    })
    .stderr_contains("$.bundle.batches[2]: the ledger does not verify: bad_signature")
    .run();
    // A batch record removed: its entries are signed by nobody.
    forged(|d| {
        d["bundle"]["batches"].as_array_mut().unwrap().remove(2);
    })
    .stderr_contains("the ledger does not verify: unsigned")
    .run();
}

#[test]
fn defect_1_forgery_10_a_checkpoint_of_a_fork_swapped_in_is_refused() {
    let other = read(base(), "rb.json");
    let trusted = |t: Test| {
        t.args(["--trusted-key", "d/admin.key.pub"]) // the fork's checkpoint is admin-signed
    };
    // Only the checkpoint swapped: its root is not the bundle's.
    let cp = other["ledger"]["signed_checkpoint"].clone();
    trusted(forged_from("ra.json", |d| {
        d["ledger"]["signed_checkpoint"] = cp.clone();
    }))
    .stderr_contains("$.bundle.root: the report says")
    .run();
    // Checkpoint and the stated roots swapped: the embedded entries do not give that root.
    let root = other["bundle"]["root"].clone();
    trusted(forged_from("ra.json", |d| {
        d["ledger"]["signed_checkpoint"] = cp.clone();
        d["ledger"]["merkle_root"] = root.clone();
        d["bundle"]["root"] = root.clone();
    }))
    .stderr_contains("$.bundle.entries: the Merkle root of the 159 entries is")
    .stderr_contains("they are not the checkpoint's ledger")
    .run();
    // The whole bundle and checkpoint of the fork: the recomputed report is the fork's.
    trusted(forged_from("ra.json", |d| {
        d["bundle"] = other["bundle"].clone();
        d["ledger"]["signed_checkpoint"] = cp.clone();
        d["ledger"]["merkle_root"] = root.clone();
    }))
    .stderr_contains("$.ledger.head: the report says")
    .run();
}

#[test]
fn defect_1_forgery_11_an_unknown_field_is_refused() {
    forged(|d| d["note"] = s("approved"))
        .stderr_contains(r#"$.note: the report says "approved", the ledger gives no such field"#)
        .run();
    forged(|d| d["nodes"][1]["verified_by"] = s("auditor"))
        .stderr_contains("$.nodes[1].verified_by: the report says")
        .run();
    forged(|d| d["bundle"]["proofs"] = Value::Array(Vec::new()))
        .stderr_contains("$.bundle.proofs: unknown field")
        .run();
    forged(|d| {
        d["ledger"].as_object_mut().unwrap().remove("head");
    })
    .stderr_contains("$.ledger.head: missing from the report, the ledger gives")
    .run();
}

#[test]
fn defect_1_forgery_12_the_options_a_report_records_are_checked() {
    // The options are inputs: the report is recomputed for the options it states, so a
    // report whose stated options are not the ones it was rendered with differs in figures.
    forged(|d| d["as_of"] = serde_json::json!({"kind": "date", "at": "2022-06-30"}))
        .stderr_contains("$.nodes[0].score: the report says \"99.96\", the ledger gives \"11.00\"")
        .run();
    forged(|d| d["lang"] = s("en"))
        .stderr_contains(r#"$.grade: the report says "优""#)
        .run();
    forged(|d| d["as_of"] = serde_json::json!({"kind": "seq"}))
        .stderr_contains(r#"$.as_of: the report says {"kind":"seq"}, a point of history is"#)
        .run();
    forged(|d| d["lang"] = s("fr"))
        .stderr_contains(r#"$.lang: the report says "fr""#)
        .run();
    forged(|d| d["schema"] = s("jixiao-report/1"))
        .stderr_contains(r#"$.schema: the report says "jixiao-report/1""#)
        .run();
}

#[test]
fn a_report_for_other_options_checks_as_rendered() {
    Test::with_dir(workdir())
        .args([
            "report",
            "d/conghua-2022.jixiao",
            "--format",
            "json",
            "--with-proofs",
            "--as-of",
            "2022-06-30",
            "--lang",
            "en",
            "-o",
            "mid.json",
        ])
        .run()
        .then()
        .args([
            "check-proof",
            "mid.json",
            "--trusted-key",
            "d/admin.key.pub",
        ])
        .stdout_contains("report ok:")
        .run();
}

#[test]
fn the_honest_bundle_passes_with_a_trusted_key_only() {
    Test::with_dir(workdir())
        .args([
            "check-proof",
            "r.json",
            "--trusted-key",
            "d/auditor.key.pub",
        ])
        .stdout_contains("report ok: all ")
        .stdout_contains("recomputed from the 158 entries of jixiao/")
        .stdout_contains("checkpoint signed by auditor")
        .stderr_empty()
        .run()
        .then()
        .args([
            "check-proof",
            "r.json",
            "--trusted-key",
            "d/recorder.key.pub",
        ])
        .status(1)
        .stderr_contains("$.ledger.signed_checkpoint: ")
        .stderr_contains("no signature by a trusted key")
        .run();
}

#[test]
fn the_honest_bundle_passes_against_its_ledger_file_and_not_against_another() {
    let ledger = |report: &str, file: &str| {
        Test::with_dir(workdir()).args([
            "check-proof",
            report,
            "--trusted-key",
            "d/admin.key.pub",
            "--ledger",
            file,
        ])
    };
    ledger("r.json", "d/conghua-2022.jixiao")
        .stdout_contains("in d/conghua-2022.jixiao")
        .run();
    // A ledger that has grown since: its first 158 entries are the report's.
    ledger("r.json", "d/a.jixiao")
        .stdout_contains("recomputed from the 158 entries")
        .run();
    // A fork of the same size: refused.
    ledger("ra.json", "d/b.jixiao")
        .status(1)
        .stderr_contains("d/b.jixiao: the Merkle root of its first 159 entries is")
        .stderr_contains("a fork")
        .run();
    // A shorter ledger, and no ledger at all.
    ledger("ra.json", "d/conghua-2022.jixiao")
        .status(1)
        .stderr_contains("truncated or rolled back")
        .run();
    ledger("r.json", "d/none.jixiao").status(2).run();
}

#[test]
fn a_bundle_without_entries_is_checked_against_the_ledger_file() {
    let t = || Test::with_dir(workdir());
    t().args(["check-proof", "rl.json", "--trusted-key", "d/admin.key.pub"])
        .status(2)
        .stderr_contains("carries no entries")
        .stderr_contains("--ledger FILE")
        .run();
    t().args([
        "check-proof",
        "rl.json",
        "--trusted-key",
        "d/admin.key.pub",
        "--ledger",
        "d/conghua-2022.jixiao",
    ])
    .stdout_contains("report ok:")
    .run();
    let doc = read(base(), "rl.json");
    assert!(doc["bundle"]["entries"].is_null() && doc["bundle"]["batches"].is_null());
    // Entries embedded but edited, checked against the file: the edit is named.
    let dir = workdir();
    let mut d = read(dir.path(), "r.json");
    d["bundle"]["entries"][3] = b64_flip(&d["bundle"]["entries"][3], 50);
    std::fs::write(dir.path().join("e.json"), d.to_string()).unwrap();
    Test::with_dir(dir)
        .args([
            "check-proof",
            "e.json",
            "--trusted-key",
            "d/admin.key.pub",
            "--ledger",
            "d/conghua-2022.jixiao",
        ])
        .status(1)
        .stderr_contains("$.bundle.entries[3]: differs from the stored bytes of seq 4")
        .run();
}

#[test]
fn oversized_deep_or_non_json_files_exit_2_without_a_panic() {
    let dir = workdir();
    let big = std::fs::File::create(dir.path().join("big.json")).unwrap();
    big.set_len(257 * 1024 * 1024).unwrap(); // sparse: nothing is written
    drop(big);
    std::fs::write(dir.path().join("deep.json"), "[".repeat(100_000)).unwrap();
    std::fs::write(dir.path().join("text.json"), "report ok").unwrap();
    let check = |name: &str| {
        let p: PathBuf = name.into();
        [
            "check-proof".into(),
            p,
            "--trusted-key".into(),
            "d/admin.key.pub".into(),
        ]
    };
    Test::with_dir(dir)
        .args(check("big.json"))
        .status(2)
        .stderr_contains("larger than 256 MiB")
        .run()
        .then()
        .args(check("deep.json"))
        .status(2)
        .stderr_contains("not JSON (recursion limit exceeded")
        .run()
        .then()
        .args(check("text.json"))
        .status(2)
        .stderr_contains("not JSON")
        .run();
}

#[test]
fn a_ledger_rebuilt_from_its_stored_bytes_verifies_to_the_same_root_and_head() {
    use jixiao::ledger::{Ledger, StoredLedger, restore};
    let f = common::build();
    let ledger = Ledger::open_read(&f.path).unwrap();
    let v = ledger.verify(&mut |_| {}).unwrap();
    let stored = StoredLedger::read(&ledger, v.size).unwrap();
    assert_eq!(stored.entries.len() as u64, v.size);
    assert_eq!(stored.batches.len(), f.batches.len());
    let rebuilt = restore(&stored).unwrap();
    let w = rebuilt.ledger().verify(&mut |_| {}).unwrap();
    assert_eq!(
        (w.ledger_id, w.size, w.head, w.root),
        (v.ledger_id, v.size, v.head, v.root)
    );
    assert_eq!(w.authority, v.authority);
    // A prefix at a batch boundary rebuilds to the ledger of that size.
    let prefix = StoredLedger::read(&ledger, 9).unwrap();
    let p = restore(&prefix)
        .unwrap()
        .ledger()
        .verify(&mut |_| {})
        .unwrap()
        .size;
    assert_eq!(p, 9);
}

/// `{"total": "100.00", "total": "99.96"}`: a plain JSON reader keeps the last value and
/// recomputes happily, while a person (or a reader that keeps the first) sees 100.00. A report
/// with a key twice in one object is refused.
#[test]
fn defect_1_forgery_13_a_duplicated_key_is_refused() {
    let dir = workdir();
    let text = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    let at = text.find("\n  \"total\": ").unwrap();
    let forged = format!("{}\n  \"total\": \"100.00\",{}", &text[..at], &text[at..]);
    std::fs::write(dir.path().join("forged.json"), forged).unwrap();
    Test::with_dir(dir)
        .args([
            "check-proof",
            "forged.json",
            "--trusted-key",
            "d/auditor.key.pub",
        ])
        .status(1)
        .stderr_contains("the key `total` appears twice in one object")
        .run();
}
