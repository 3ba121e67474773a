//! Checkpoints and proofs through the real binary, on real files: `checkpoint`, `cosign`,
//! `verify --checkpoint`, `prove` (inclusion and consistency) and `check-proof`, including
//! truncated, rolled-back and forked copies of a ledger and damaged proof files.

mod common;

use assert_cmd::Command;
use common::{Ran, Test, bin};
use jixiao::ledger::keys::KeyPair;
use jixiao::ledger::{Ledger, SignedCheckpoint};
use std::path::Path;

/// The seed ledger, relative to the working directory of every run.
const L: &str = "d/conghua-2022.jixiao";

/// Builds the seed case (158 entries) in a fresh directory, keeping ledger, keys and fixture
/// under `d/`.
fn demo() -> Ran {
    let ran = Test::new().args(["demo", "--keep", "d"]).run();
    assert_eq!(size(&ran.path(L)), 158);
    ran
}

/// Number of entries in the ledger file.
fn size(path: &Path) -> u64 {
    Ledger::open_read(path).unwrap().head().unwrap().size
}

/// Acknowledges the seed case's one finding, so that `verify` reports on the checkpoint alone.
fn acknowledge_growth(ran: Ran) -> Ran {
    ran.then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--key",
            "d/evaluator.key",
            "--reason",
            "上年数为推算,口径差异已说明",
        ])
        .stdout_contains("appended #159")
        .run()
}

/// Appends one fact by the recorder to the ledger at `ledger`.
fn append_fact(ran: Ran, ledger: &str, key: &str) -> Ran {
    ran.then()
        .args([
            "record",
            "fact",
            ledger,
            "--key",
            "d/recorder.key",
            "--fact-key",
            key,
            "--name",
            "补充数据",
            "--value",
            "1",
            "--unit",
            "个",
            "--date",
            "2022-12-31",
        ])
        .run()
}

/// Runs the binary in `dir` and returns (exit code, stdout, stderr), for runs whose exact code
/// is not fixed in advance.
fn run_any(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(bin())
        .current_dir(dir)
        .env_remove("JIXIAO_KEY")
        .env("JIXIAO_TIME", "2023-03-01T09:00:00Z")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn checkpoint_cosign_and_verify_with_a_signature_threshold() {
    let ran = acknowledge_growth(demo());
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .stdout_contains("checkpoint of 159 entries")
        .stdout_contains("signed by admin")
        .run();
    let text = std::fs::read_to_string(ran.path("cp.txt")).unwrap();
    let cp = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(cp.checkpoint.size, 159);
    assert_eq!(cp.signatures.len(), 1);

    let ran = ran
        .then()
        .args(["cosign", "cp.txt", L, "--key", "d/auditor.key"])
        .stdout_contains("2 signatures")
        .run();
    let cp =
        SignedCheckpoint::parse(&std::fs::read_to_string(ran.path("cp.txt")).unwrap()).unwrap();
    let names: Vec<&str> = cp.signatures.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["admin", "auditor"]);

    let trusted = [
        "--trusted-key",
        "d/admin.key.pub",
        "--trusted-key",
        "d/auditor.key.pub",
    ];
    let ran = ran
        .then()
        .args(["verify", L, "--checkpoint", "cp.txt"])
        .args(trusted)
        .args(["--min-signatures", "2"])
        .stdout_contains("checkpoint ok: 159 entries")
        .stdout_contains("signed by admin, auditor")
        .stdout_contains("0 unacknowledged")
        .run();
    let ran = ran
        .then()
        .args(["verify", L, "--checkpoint", "cp.txt"])
        .args(trusted)
        .args(["--min-signatures", "3"])
        .status(1)
        .stdout_contains("checkpoint FAILED")
        .stdout_contains("2 trusted signature(s)")
        .stdout_contains("3 required")
        .run();
    // Verifying wrote nothing.
    assert_eq!(size(&ran.path(L)), 159);
}

#[test]
fn only_an_admin_issues_and_only_an_auditor_cosigns() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/recorder.key", "-o", "bad.txt"])
        .status(2)
        .stderr_contains("lacks the admin role")
        .stderr_contains("jixiao cosign")
        .run();
    assert!(
        !ran.path("bad.txt").exists(),
        "a refused checkpoint was written"
    );

    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .run();
    let before = std::fs::read_to_string(ran.path("cp.txt")).unwrap();
    let ran = ran
        .then()
        .args(["cosign", "cp.txt", L, "--key", "d/evaluator.key"])
        .status(2)
        .stderr_contains("does not hold the auditor role")
        .stderr_contains("--role auditor")
        .run();
    let after = std::fs::read_to_string(ran.path("cp.txt")).unwrap();
    assert_eq!(
        before, after,
        "a refused cosignature changed the checkpoint file"
    );
    assert_eq!(size(&ran.path(L)), 158);
}

#[test]
fn an_old_copy_against_a_newer_checkpoint_is_truncated_or_rolled_back() {
    let ran = demo();
    std::fs::copy(ran.path(L), ran.path("old.jixiao")).unwrap();
    let ran = append_fact(ran, L, "extra.one");
    let ran = append_fact(ran, L, "extra.two");
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "new.txt"])
        .stdout_contains("checkpoint of 160 entries")
        .run();
    let ran = ran
        .then()
        .args(["verify", "old.jixiao", "--checkpoint", "new.txt"])
        .args(["--trusted-key", "d/admin.key.pub"])
        .status(1)
        .stdout_contains("integrity ok: 158 entries")
        .stdout_contains("covers 160 entries but the ledger has only 158")
        .stdout_contains("truncated or rolled back")
        .run();
    // The newer ledger itself matches its checkpoint.
    let (code, out, _) = run_any(
        ran.dir.path(),
        &[
            "verify",
            L,
            "--checkpoint",
            "new.txt",
            "--trusted-key",
            "d/admin.key.pub",
        ],
    );
    assert!(out.contains("checkpoint ok: 160 entries"), "{out}");
    // Exit 1 there comes from the seed case's unacknowledged finding only.
    assert_eq!(code, Some(1));
    assert!(out.contains("1 unacknowledged"), "{out}");
}

#[test]
fn a_copy_with_a_different_append_is_a_fork() {
    let ran = demo();
    std::fs::copy(ran.path(L), ran.path("fork.jixiao")).unwrap();
    let ran = append_fact(ran, L, "extra.mine");
    let ran = append_fact(ran, "fork.jixiao", "extra.theirs");
    assert_eq!(size(&ran.path(L)), 159);
    assert_eq!(size(&ran.path("fork.jixiao")), 159);
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .run();
    let ran = ran
        .then()
        .args(["verify", "fork.jixiao", "--checkpoint", "cp.txt"])
        .args(["--trusted-key", "d/admin.key.pub"])
        .status(1)
        .stdout_contains("integrity ok: 159 entries")
        .stdout_contains("checkpoint FAILED")
        .stdout_contains("fork")
        .run();
    // A consistency proof cannot be made from the forked copy to the other's checkpoint.
    ran.then()
        .args(["prove", "fork.jixiao", "--consistency", "21", "cp.txt"])
        .args(["-o", "c.json"])
        .status(2)
        .stderr_contains("checkpoint of 159")
        .stderr_contains("fork")
        .run();
}

#[test]
fn a_checkpoint_signed_by_a_stranger_is_not_trusted() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["key", "new", "stranger", "--out", "stranger.key"])
        .run();
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .run();
    // The same tree head, signed by a key that holds no role in the ledger.
    let real =
        SignedCheckpoint::parse(&std::fs::read_to_string(ran.path("cp.txt")).unwrap()).unwrap();
    let stranger = KeyPair::read(&ran.path("stranger.key")).unwrap();
    let forged = real
        .checkpoint
        .sign(&stranger.signing, "admin")
        .unwrap()
        .to_text();
    std::fs::write(ran.path("forged.txt"), &forged).unwrap();

    // Only the department's keys trusted: the stranger's signature counts for nothing.
    let ran = ran
        .then()
        .args(["verify", L, "--checkpoint", "forged.txt"])
        .args(["--trusted-key", "d/admin.key.pub"])
        .args(["--trusted-key", "d/auditor.key.pub"])
        .status(1)
        .stdout_contains("checkpoint FAILED")
        .stdout_contains("no signature by a trusted key")
        .run();
    // The stranger cannot cosign either: it holds no auditor role.
    let ran = ran
        .then()
        .args(["cosign", "cp.txt", L, "--key", "stranger.key"])
        .status(2)
        .stderr_contains("does not hold the auditor role")
        .run();
    // A stranger's signature added to the admin's does not raise the count of trusted ones.
    let mut both = real.clone();
    both.cosign(&stranger.signing, "stranger").unwrap();
    std::fs::write(ran.path("both.txt"), both.to_text()).unwrap();
    let ran = ran
        .then()
        .args(["verify", L, "--checkpoint", "both.txt"])
        .args(["--trusted-key", "d/admin.key.pub"])
        .args(["--min-signatures", "2"])
        .status(1)
        .stdout_contains("1 trusted signature(s) (admin), 2 required")
        .run();
    // Trust is the verifier's choice (docs/FORMAT-merkle.md §4): a key given with
    // `--trusted-key` counts even if it holds no role in the ledger, and the tree head it
    // signed is the ledger's own, so the checkpoint check passes. Exit 1 is the seed case's
    // unacknowledged finding.
    let own = real
        .checkpoint
        .sign(&stranger.signing, "stranger")
        .unwrap()
        .to_text();
    std::fs::write(ran.path("own.txt"), own).unwrap();
    ran.then()
        .args(["verify", L, "--checkpoint", "own.txt"])
        .args(["--trusted-key", "stranger.key.pub"])
        .status(1)
        .stdout_contains("checkpoint ok: 158 entries")
        .stdout_contains("signed by stranger")
        .stdout_contains("1 unacknowledged")
        .run();
}

#[test]
fn inclusion_proof_checks_offline_and_every_damaged_byte_is_refused() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .run();
    let ran = ran
        .then()
        .args(["prove", L, "100", "--checkpoint", "cp.txt", "-o", "p.json"])
        .stdout_contains("p.json")
        .run();
    // The proof stands alone: check it without the ledger.
    std::fs::remove_file(ran.path(L)).unwrap();
    let ran = ran
        .then()
        .args(["check-proof", "p.json", "--trusted-key", "d/admin.key.pub"])
        .stdout_contains("proof ok: entry #100")
        .stdout_contains("tree of 158 entries")
        .stdout_contains("reform.paperless_licences")
        .run();
    // A trusted key that did not sign the checkpoint.
    let ran = ran
        .then()
        .args([
            "check-proof",
            "p.json",
            "--trusted-key",
            "d/auditor.key.pub",
        ])
        .status(1)
        .stdout_contains("proof FAILED")
        .stdout_contains("no signature by a trusted key")
        .run();

    let good = std::fs::read(ran.path("p.json")).unwrap();
    assert!(good.len() > 500);
    let mut accepted = Vec::new();
    for pos in 0..good.len() {
        let mut bad = good.clone();
        bad[pos] ^= 0x01;
        std::fs::write(ran.path("bad.json"), &bad).unwrap();
        let (code, out, err) = run_any(
            ran.dir.path(),
            &[
                "check-proof",
                "bad.json",
                "--trusted-key",
                "d/admin.key.pub",
            ],
        );
        assert!(!err.contains("panicked"), "byte {pos}: {err}");
        assert!(
            matches!(code, Some(1) | Some(2)),
            "byte {pos} flipped: exit {code:?}\n{out}{err}"
        );
        if code == Some(0) {
            accepted.push(pos);
        }
    }
    assert!(
        accepted.is_empty(),
        "accepted with flipped bytes at {accepted:?}"
    );
}

#[test]
fn consistency_from_the_mid_year_checkpoint_to_year_end() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["prove", L, "--consistency", "21", "d/checkpoint-final.txt"])
        .args(["-o", "c.json"])
        .run();
    let ran = ran
        .then()
        .args(["check-proof", "c.json", "--trusted-key", "d/admin.key.pub"])
        .stdout_contains("proof ok: the ledger of 158 entries extends the one of 21 entries")
        .run();

    // Asked the wrong way round.
    let ran = ran
        .then()
        .args(["prove", L, "--consistency", "d/checkpoint-final.txt", "21"])
        .args(["-o", "swapped.json"])
        .status(2)
        .stderr_contains("OLD is the checkpoint of 158 entries, larger than NEW of 21")
        .stderr_contains("give the earlier checkpoint first")
        .run();
    assert!(!ran.path("swapped.json").exists());

    // The two checkpoints swapped inside a real proof file.
    let text = std::fs::read_to_string(ran.path("c.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let old = doc["old_checkpoint"].clone();
    doc["old_checkpoint"] = doc["new_checkpoint"].clone();
    doc["new_checkpoint"] = old;
    std::fs::write(
        ran.path("swapped.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
    let (code, out, err) = run_any(
        ran.dir.path(),
        &[
            "check-proof",
            "swapped.json",
            "--trusted-key",
            "d/admin.key.pub",
        ],
    );
    assert!(matches!(code, Some(1) | Some(2)), "{out}{err}");
    assert!(!out.contains("proof ok"), "{out}");

    // A forked copy: same first 158 entries, then a different 159th. Its own checkpoint is
    // genuine (signed by the admin), but the mid-year proof path of the real ledger does not
    // lead to it, and the real year-end checkpoint's proof does not lead to the fork's.
    std::fs::copy(ran.path(L), ran.path("fork.jixiao")).unwrap();
    let ran = append_fact(ran, L, "extra.mine");
    let ran = append_fact(ran, "fork.jixiao", "extra.theirs");
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "mine.txt"])
        .run();
    let ran = ran
        .then()
        .args([
            "checkpoint",
            "fork.jixiao",
            "--key",
            "d/admin.key",
            "-o",
            "theirs.txt",
        ])
        .run();
    let ran = ran
        .then()
        .args([
            "prove",
            L,
            "--consistency",
            "21",
            "mine.txt",
            "-o",
            "c2.json",
        ])
        .run();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ran.path("c2.json")).unwrap()).unwrap();
    doc["new_checkpoint"] =
        serde_json::Value::String(std::fs::read_to_string(ran.path("theirs.txt")).unwrap());
    std::fs::write(
        ran.path("forked.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
    let ran = ran
        .then()
        .args([
            "check-proof",
            "forked.json",
            "--trusted-key",
            "d/admin.key.pub",
        ])
        .status(1)
        .stdout_contains("proof FAILED")
        .run();
    // The genuine pair still checks.
    ran.then()
        .args(["check-proof", "c2.json", "--trusted-key", "d/admin.key.pub"])
        .stdout_contains("extends the one of 21 entries")
        .run();
}

/// A copied signature line relabelled with another name of the same key is still one signer:
/// `--min-signatures` counts distinct public keys, not trusted (name, key) pairs.
#[test]
fn defect_2_one_key_under_two_names_counts_once() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use jixiao::ledger::key_hash;

    let ran = acknowledge_growth(demo());
    let ran = ran
        .then()
        .args(["checkpoint", L, "--key", "d/admin.key", "-o", "cp.txt"])
        .run();
    // The admin's public key under a second name, as a verifier might hold it.
    let public = std::fs::read_to_string(ran.path("d/admin.key.pub")).unwrap();
    let hex_key = public
        .lines()
        .find_map(|l| l.strip_prefix("public: "))
        .unwrap()
        .to_string();
    std::fs::write(
        ran.path("alias.pub"),
        public.replace("name: admin", "name: alias"),
    )
    .unwrap();
    // Forge a second signature line: the admin's signature bytes under the other name, with
    // that name's key hash (no secret key needed).
    let text = std::fs::read_to_string(ran.path("cp.txt")).unwrap();
    let line = text.lines().find(|l| l.starts_with("— admin ")).unwrap();
    let raw = STANDARD.decode(line.rsplit(' ').next().unwrap()).unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(
        &hex::decode(&hex_key).unwrap().try_into().unwrap(),
    )
    .unwrap();
    let mut relabelled = key_hash("alias", &key).to_vec();
    relabelled.extend_from_slice(&raw[4..]);
    let forged = format!("{text}— alias {}\n", STANDARD.encode(relabelled));
    std::fs::write(ran.path("forged.txt"), &forged).unwrap();
    SignedCheckpoint::parse(&forged).unwrap();

    let ran = ran
        .then()
        .args(["verify", L, "--checkpoint", "forged.txt"])
        .args(["--trusted-key", "alias.pub", "--min-signatures", "2"])
        .status(1)
        .stdout_contains("checkpoint FAILED")
        .stdout_contains("1 trusted signature(s)")
        .stdout_contains("2 required")
        .run();
    // One signature is still enough for a threshold of one.
    ran.then()
        .args(["verify", L, "--checkpoint", "forged.txt"])
        .args(["--trusted-key", "alias.pub"])
        .stdout_contains("checkpoint ok: 159 entries")
        .run();
}

/// A key renamed after it signed a kept checkpoint (a re-grant under a new name) leaves the
/// checkpoint checkable: verify matches a signature line by its own name and the key, not by
/// the key's current registry name.
#[test]
fn defect_7_kept_checkpoints_stay_valid_after_their_signer_is_renamed() {
    let ran = acknowledge_growth(demo());
    let ran = ran
        .then()
        .args([
            "grant",
            L,
            "--key",
            "d/admin.key",
            "--public-key",
            "d/admin.key.pub",
        ])
        .args(["--name", "办公室主任", "--role", "admin"])
        .stdout_contains("appended #160")
        .run();
    let ran = ran
        .then()
        .args(["log", L])
        .stdout_contains("checkpoint at #21")
        .run();
    ran.then()
        .args(["verify", L])
        .stdout_contains("integrity ok")
        .stdout_contains("0 unacknowledged")
        .run();
}
