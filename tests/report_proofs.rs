//! A report bound to a signed checkpoint, and a JSON report carrying the bundle of entries it
//! was computed from, checked offline by `check-proof` (the forgeries: tests/report_bundle.rs).

mod common;

use common::Test;

#[test]
fn a_json_report_with_proofs_checks_offline_and_a_changed_citation_does_not() {
    let ran = Test::new()
        .args(["demo", "--keep", "d"])
        .run()
        .then()
        .args([
            "report",
            "d/conghua-2022.jixiao",
            "--format",
            "json",
            "--with-proofs",
            "-o",
            "r.json",
        ])
        .run()
        .then()
        .args([
            "check-proof",
            "r.json",
            "--trusted-key",
            "d/auditor.key.pub",
        ])
        .stdout_contains("report ok: all ")
        .stdout_contains("recomputed from the 158 entries of jixiao/")
        .stdout_contains("embedded in the report")
        .run();
    // Change one cited hash: refused, naming the field and both values.
    let text = std::fs::read_to_string(ran.path("r.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cited = doc["evidence"][0]["hash"].as_str().unwrap().to_string();
    doc["evidence"][0]["hash"] = serde_json::Value::String("0".repeat(64));
    std::fs::write(ran.path("bad.json"), doc.to_string()).unwrap();
    ran.then()
        .args([
            "check-proof",
            "bad.json",
            "--trusted-key",
            "d/admin.key.pub",
        ])
        .status(1)
        .stderr_contains(&format!(
            "$.evidence[0].hash: the report says \"{}\", the ledger gives \"{cited}\"",
            "0".repeat(64)
        ))
        .run()
        .then()
        // A key that did not sign the checkpoint establishes nothing.
        .args([
            "check-proof",
            "r.json",
            "--trusted-key",
            "d/recorder.key.pub",
        ])
        .status(1)
        .stderr_contains("$.ledger.signed_checkpoint")
        .run();
}

#[test]
fn the_report_footer_carries_the_checkpoint_of_its_size_and_proofs_need_one() {
    Test::new()
        .args(["demo", "--keep", "d"])
        .run()
        .then()
        .args(["report", "d/conghua-2022.jixiao"])
        .stdout_contains("签名检查点:")
        .stdout_contains("    — auditor ")
        .run()
        .then()
        // One more entry: the kept checkpoints no longer cover the whole ledger.
        .args([
            "record",
            "fact",
            "d/conghua-2022.jixiao",
            "--key",
            "d/recorder.key",
            "--fact-key",
            "demo.extra",
            "--name",
            "补充",
            "--value",
            "1",
            "--unit",
            "个",
            "--date",
            "2022-12-31",
        ])
        .run()
        .then()
        .args(["report", "d/conghua-2022.jixiao"])
        .stdout_lacks("签名检查点:")
        .run()
        .then()
        .args([
            "report",
            "d/conghua-2022.jixiao",
            "--format",
            "json",
            "--with-proofs",
        ])
        .status(2)
        .stderr_contains("--with-proofs needs a signed checkpoint of the ledger's current size")
        .run()
        .then()
        .args([
            "report",
            "d/conghua-2022.jixiao",
            "--checkpoint",
            "d/checkpoint-final.txt",
        ])
        .status(2)
        .stderr_contains("the checkpoint covers 158 entries, the ledger has 159")
        .run();
}
