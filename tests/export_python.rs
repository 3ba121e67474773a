//! The example re-verifier (scripts/reverify-export.py: Python, blake3 and pynacl, written
//! from docs/FORMAT.md alone) accepts the seed ledger's export and refuses damaged ones.

use jixiao::seed::{self, SeedKeys};
use std::path::{Path, PathBuf};
use std::process::Command;

fn export(dir: &Path) -> String {
    let fx = seed::write_fixture(dir).unwrap();
    let p = dir.join("seed.jixiao");
    seed::build(&p, &fx, &SeedKeys::fixed(), [0x77; 16], |_| {}).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("export")
        .arg(&p)
        .arg("--jsonl")
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

fn reverify(file: &Path) -> (Option<i32>, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/reverify-export.py");
    let o = Command::new("python3")
        .arg(script)
        .arg(file)
        .output()
        .expect("python3 must be installed");
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(3), "python packages missing: {text}");
    (o.status.code(), text)
}

#[test]
#[ignore = "needs python blake3, pynacl; .ci/run installs them and runs ignored tests"]
fn the_python_reverifier_accepts_the_seed_export_and_refuses_tampered_ones() {
    let d = tempfile::tempdir().unwrap();
    let good = export(d.path());
    let f = d.path().join("e.jsonl");
    std::fs::write(&f, &good).unwrap();
    let (code, text) = reverify(&f);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("158 entries in 9 signed batches, 1 checkpoints"),
        "{text}"
    );

    let line6 = good
        .lines()
        .find(|l| l.starts_with("{\"type\":\"entry\",\"seq\":6,"))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(line6).unwrap();
    let stored = v["stored"].as_str().unwrap();
    let mut flipped = stored.to_string();
    let last = if stored.ends_with('0') { "1" } else { "0" };
    flipped.replace_range(stored.len() - 1.., last);
    // Each tampering, and what the script must say.
    let sigs: Vec<String> = good
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"batch\""))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["signature"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let cases = [
        (
            "stored byte",
            good.replacen(stored, &flipped, 1),
            "seq 6: hash",
        ),
        (
            "decoded event",
            good.replacen("\"amount\":1923650000", "\"amount\":1923650001", 1),
            "seq 6: the decoded event differs",
        ),
        (
            "signature",
            good.replacen(&sigs[4], &sigs[3], 1),
            "bad signature",
        ),
        (
            "header root",
            {
                let i = good.find("\"merkle_root\":\"").unwrap() + 15;
                let c = if &good[i..=i] == "0" { "1" } else { "0" };
                format!("{}{c}{}", &good[..i], &good[i + 1..])
            },
            "merkle_root differs",
        ),
    ];
    for (what, text, want) in cases {
        assert_ne!(text, good, "{what}");
        std::fs::write(&f, &text).unwrap();
        let (code, out) = reverify(&f);
        assert_eq!(code, Some(1), "{what}: {out}");
        assert!(out.contains(want), "{what}: wanted {want:?} in {out}");
    }
}
