//! A ledger written by format version 1 is committed (fixtures/ledgers/conghua-2022-v1.jixiao,
//! the seed case built with fixed keys, id and times). Every later build must still verify it
//! and recompute its score; and building the same case today must give the same entries, so an
//! accidental change of the bytes on disk fails here before it ships.

use jixiao::check::check;
use jixiao::eval::AsOf;
use jixiao::ledger::{Ledger, TreeAlgorithm};
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
    // Same entries, each file's own tree: format 2 (RFC 6962) built today, format 1 (keyed
    // BLAKE3) in the frozen file.
    let hashes = b.entry_hashes(158).unwrap();
    assert_eq!((a.format_version(), b.format_version()), (2, 1));
    assert_eq!(
        a.tree_head().unwrap(),
        (158, TreeAlgorithm::Rfc6962.root_of(&hashes))
    );
    assert_eq!(
        b.tree_head().unwrap(),
        (158, TreeAlgorithm::Blake3V1.root_of(&hashes))
    );
    // Both keep the seed's checkpoint of 21 entries, each over its own tree's root.
    let (ka, kb) = (a.checkpoints().unwrap(), b.checkpoints().unwrap());
    assert_eq!(ka.len(), kb.len());
    for ((sa, ta), (sb, tb)) in ka.iter().zip(&kb) {
        assert_eq!(sa, sb);
        let ca = jixiao::ledger::SignedCheckpoint::parse(ta)
            .unwrap()
            .checkpoint;
        let cb = jixiao::ledger::SignedCheckpoint::parse(tb)
            .unwrap()
            .checkpoint;
        let n = usize::try_from(*sa).unwrap();
        assert_eq!(ca.root, TreeAlgorithm::Rfc6962.root_of(&hashes[..n]));
        assert_eq!(cb.root, TreeAlgorithm::Blake3V1.root_of(&hashes[..n]));
    }
}

const ADMIN_PUB: &str = "jixiao-public-key-v1\nname: admin\npublic: 8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c\nkey-id: e34ec7dfb9a88217\n";

fn jixiao(args: &[&std::ffi::OsStr]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .env("JIXIAO_TIME", "2023-03-01T00:00:00Z")
        .output()
        .unwrap()
}

/// The format-1 file is read with its own tree everywhere: `prove` writes `/1` proof files
/// over the keyed-BLAKE3 tree that its kept checkpoint (signed when it was written) roots, and
/// `check-proof` accepts them; an append is refused with a pointer to `jixiao upgrade`, and the
/// file is left as it was.
#[test]
fn the_frozen_v1_ledger_proves_with_its_own_tree_and_refuses_appends() {
    let dir = tempfile::tempdir().unwrap();
    let p = frozen_copy(dir.path());
    let before = Ledger::open_read(&p).unwrap().tree_head().unwrap();
    let out = dir.path().join("inc.json");
    let o = jixiao(&[
        "prove".as_ref(),
        p.as_os_str(),
        "7".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("\"format\": \"jixiao-inclusion-proof/1\""),
        "{text}"
    );
    let key = dir.path().join("admin.pub");
    std::fs::write(&key, ADMIN_PUB).unwrap();
    let o = jixiao(&[
        "check-proof".as_ref(),
        out.as_os_str(),
        "--trusted-key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same path read as an RFC 6962 one does not lead to the checkpoint's root.
    let relabelled = text.replace("jixiao-inclusion-proof/1", "jixiao-inclusion-proof/2");
    assert!(jixiao::ledger::check_proof_text(&relabelled, &[("admin", admin_key())]).is_err());

    match Ledger::open(&p) {
        Err(e @ jixiao::ledger::LedgerError::NeedsUpgrade { found: 1, .. }) => {
            assert!(e.to_string().contains("jixiao upgrade"), "{e}");
        }
        other => panic!("expected NeedsUpgrade, got {other:?}"),
    }
    let l = Ledger::open_read(&p).unwrap();
    assert_eq!(l.format_version(), 1);
    assert_eq!(l.tree_head().unwrap(), before);
    assert_eq!(l.verify(&mut |_| {}).unwrap().size, 158);
}

fn admin_key() -> ed25519_dalek::VerifyingKey {
    ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key()
}

/// A report bundle of the format-1 ledger is `jixiao-report-bundle/1`, and `check-proof`
/// rebuilds it as a format-1 ledger, so its keyed-BLAKE3 root matches the checkpoint's.
#[test]
fn a_report_bundle_of_the_v1_ledger_checks_with_its_own_tree() {
    let dir = tempfile::tempdir().unwrap();
    let p = frozen_copy(dir.path());
    let l = Ledger::open_read(&p).unwrap();
    let root = TreeAlgorithm::Blake3V1.root_of(&l.entry_hashes(158).unwrap());
    drop(l);
    let cp = jixiao::ledger::Checkpoint::for_ledger(&[0x11; 16], 158, root)
        .sign(&ed25519_dalek::SigningKey::from_bytes(&[1; 32]), "admin")
        .unwrap();
    let cp_file = dir.path().join("cp.txt");
    std::fs::write(&cp_file, cp.to_text()).unwrap();
    let report = dir.path().join("r.json");
    let o = jixiao(&[
        "report".as_ref(),
        p.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--with-proofs".as_ref(),
        "--checkpoint".as_ref(),
        cp_file.as_os_str(),
        "-o".as_ref(),
        report.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("\"format\": \"jixiao-report-bundle/1\""));
    let key = dir.path().join("admin.pub");
    std::fs::write(&key, ADMIN_PUB).unwrap();
    let o = jixiao(&[
        "check-proof".as_ref(),
        report.as_os_str(),
        "--trusted-key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // Relabelled as a format-2 bundle, the rebuilt ledger's root is the other tree's: refused.
    std::fs::write(
        &report,
        text.replace("jixiao-report-bundle/1", "jixiao-report-bundle/2"),
    )
    .unwrap();
    let o = jixiao(&[
        "check-proof".as_ref(),
        report.as_os_str(),
        "--trusted-key".as_ref(),
        key.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
