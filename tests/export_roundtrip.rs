//! `jixiao export --jsonl` and `jixiao restore`: the seed ledger exported, rebuilt and
//! exported again byte for byte; the export re-verified here from docs/FORMAT.md alone (blake3
//! and Ed25519, not the crate's ledger code); damaged or edited exports refused with the line
//! and seq, leaving no file; a damaged ledger not exported.

use jixiao::ledger::{Checkpoint, Ledger, StoredLedger};
use jixiao::seed::{self, SeedKeys};
use redb::{Database, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::process::Command;

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jixiao"))
}

/// The seed ledger with its kept mid-year checkpoint and a final one cosigned by the auditor.
fn seed_at(dir: &Path) -> PathBuf {
    let fx = seed::write_fixture(dir).unwrap();
    let p = dir.join("seed.jixiao");
    let keys = SeedKeys::fixed();
    seed::build(&p, &fx, &keys, [0x5e; 16], |_| {}).unwrap();
    let l = Ledger::open(&p).unwrap();
    let (size, root) = l.tree_head().unwrap();
    let mut cp = Checkpoint::for_ledger(&[0x5e; 16], size, root)
        .sign(&keys.admin.signing, &keys.admin.name)
        .unwrap();
    cp.cosign(&keys.auditor.signing, &keys.auditor.name)
        .unwrap();
    l.keep_checkpoint(size, &cp.to_text()).unwrap();
    p
}

struct Out {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Out {
    let o = Command::new(bin()).args(args).output().unwrap();
    Out {
        code: o.status.code(),
        stdout: o.stdout,
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn export_bytes(ledger: &Path) -> Vec<u8> {
    let o = run(&[
        "export".as_ref(),
        ledger.as_os_str(),
        std::ffi::OsStr::new("--jsonl"),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    o.stdout
}

#[test]
fn the_seed_ledger_round_trips_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    let orig = seed_at(d.path());
    let e1 = d.path().join("e1.jsonl");
    let o = run(&[
        "export".as_ref(),
        orig.as_os_str(),
        "--jsonl".as_ref(),
        "-o".as_ref(),
        e1.as_os_str(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.is_empty());
    let first = std::fs::read(&e1).unwrap();
    assert_eq!(
        first,
        export_bytes(&orig),
        "-o and stdout give the same bytes"
    );

    let new = d.path().join("new.jixiao");
    let o = run(&["restore".as_ref(), e1.as_os_str(), new.as_os_str()]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let said = String::from_utf8(o.stdout).unwrap();
    assert!(
        said.contains("158 entries in 9 signed batches, 2 checkpoints"),
        "{said}"
    );
    assert_eq!(
        export_bytes(&new),
        first,
        "the rebuilt ledger exports the same bytes"
    );

    // And table by table, through the ledger's own reads.
    let (a, b) = (
        Ledger::open_read(&orig).unwrap(),
        Ledger::open_read(&new).unwrap(),
    );
    assert_eq!(
        StoredLedger::read(&a, 158).unwrap(),
        StoredLedger::read(&b, 158).unwrap(),
        "entries and batch records"
    );
    assert_eq!(a.checkpoints().unwrap(), b.checkpoints().unwrap());
    assert_eq!(a.checkpoints().unwrap().len(), 2);
    assert_eq!(a.tree_head().unwrap(), b.tree_head().unwrap());
    assert_eq!(a.head().unwrap(), b.head().unwrap());
    assert_eq!(a.ledger_id(), b.ledger_id());
    let keys = |l: &Ledger| {
        let mut v: Vec<_> = l.authority().unwrap().records().cloned().collect();
        v.sort_by_key(|r| r.principal.public_key);
        v
    };
    assert_eq!(keys(&a), keys(&b));
    // The rebuilt ledger verifies and scores as the original does.
    let checked = jixiao::check::check(&new, jixiao::eval::AsOf::Latest, &[]).unwrap();
    let card = checked.scorecard.unwrap().unwrap();
    assert_eq!(format!("{:.2}", card.total), "99.96");
}

#[test]
fn the_export_re_verifies_from_the_format_document_alone() {
    let d = tempfile::tempdir().unwrap();
    let orig = seed_at(d.path());
    let text = String::from_utf8(export_bytes(&orig)).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let header = &lines[0];
    assert_eq!(header["type"], "ledger");
    assert_eq!(header["format"], "jixiao-export/1");
    assert_eq!(header["entries"], 158);
    assert_eq!(header["batches"], 9);
    assert_eq!(header["keys"], 4);
    assert_eq!(header["checkpoints"], 2);
    let ledger_id = hex::decode(header["ledger_id"].as_str().unwrap()).unwrap();
    assert_eq!(ledger_id, [0x5e; 16]);

    // FORMAT.md §4: entry hash and chain; §5: batch signatures, with the public keys the
    // Genesis and Grant events carry (§6: key id = first 8 bytes of derive_key).
    let mut prev = blake3::derive_key("jixiao ledger v1 genesis prev", &ledger_id);
    let mut public: std::collections::HashMap<String, [u8; 32]> = Default::default();
    let mut hashes = Vec::new();
    let (mut entries, mut batches) = (0, 0);
    for v in &lines[1..] {
        match v["type"].as_str().unwrap() {
            "entry" => {
                entries += 1;
                let stored = hex::decode(v["stored"].as_str().unwrap()).unwrap();
                let h = blake3::derive_key("jixiao ledger v1 entry hash", &stored);
                assert_eq!(v["hash"], hex::encode(h));
                assert_eq!(v["prev"], hex::encode(prev));
                assert_eq!(v["seq"], entries);
                // The envelope's first fields (§3): version 1 (varint), seq (LEB128), prev.
                assert_eq!(stored[0], 1);
                let (mut seq, mut at) = (0u64, 1);
                loop {
                    seq |= u64::from(stored[at] & 0x7f) << (7 * (at - 1));
                    at += 1;
                    if stored[at - 1] & 0x80 == 0 {
                        break;
                    }
                }
                assert_eq!(seq, entries);
                assert_eq!(stored[at..at + 32], prev);
                prev = h;
                hashes.push(h);
                let event = &v["event"];
                let mut principals = Vec::new();
                if let Some(g) = event.get("Genesis") {
                    principals.extend(g["admins"].as_array().unwrap().iter().cloned());
                }
                if let Some(g) = event.get("Grant") {
                    principals.push(g["principal"].clone());
                }
                for p in principals {
                    let key: Vec<u8> = p["public_key"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
                        .collect();
                    let key: [u8; 32] = key.try_into().unwrap();
                    let id = blake3::derive_key("jixiao ledger v1 key id", &key);
                    public.insert(hex::encode(&id[..8]), key);
                }
            }
            "batch" => {
                batches += 1;
                let (first, last) = (v["first"].as_u64().unwrap(), v["last"].as_u64().unwrap());
                assert_eq!(last, entries, "a batch line follows its last entry");
                let mut m = b"jixiao ledger v1 batch signature".to_vec();
                m.extend_from_slice(&ledger_id);
                m.extend_from_slice(&first.to_le_bytes());
                m.extend_from_slice(&last.to_le_bytes());
                m.extend_from_slice(&prev);
                let key = public[v["author"].as_str().unwrap()];
                let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
                let sig: [u8; 64] = hex::decode(v["signature"].as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap();
                key.verify_strict(&m, &ed25519_dalek::Signature::from_bytes(&sig))
                    .unwrap();
            }
            "key" | "checkpoint" => {}
            other => panic!("unexpected line type {other}"),
        }
    }
    assert_eq!((entries, batches), (158, 9));
    assert_eq!(header["head"], hex::encode(prev));
    // FORMAT.md §9.1: the Merkle root over the entry hashes; the seed ledger is format 2,
    // whose tree is RFC 6962's (SHA-256 with 0x00 / 0x01 prefixes).
    assert_eq!(header["format_version"], 2);
    fn mth(d: &[[u8; 32]]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        if d.len() == 1 {
            return Sha256::new()
                .chain_update([0u8])
                .chain_update(d[0])
                .finalize()
                .into();
        }
        let k = d.len().next_power_of_two() / 2;
        let (l, r) = (mth(&d[..k]), mth(&d[k..]));
        Sha256::new()
            .chain_update([1u8])
            .chain_update(l)
            .chain_update(r)
            .finalize()
            .into()
    }
    assert_eq!(header["merkle_root"], hex::encode(mth(&hashes)));
}

/// Rewrites line `n` (from 1) of `text` with `f`.
fn edit_line(text: &str, n: usize, f: impl FnOnce(&str) -> String) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[n - 1] = f(&lines[n - 1]);
    lines.join("\n") + "\n"
}

#[test]
fn an_edited_or_damaged_export_is_refused_naming_line_and_seq_and_leaves_no_file() {
    let d = tempfile::tempdir().unwrap();
    let orig = seed_at(d.path());
    let good = String::from_utf8(export_bytes(&orig)).unwrap();
    let line_of_seq = |seq: u64| {
        good.lines()
            .position(|l| l.starts_with(&format!("{{\"type\":\"entry\",\"seq\":{seq},")))
            .unwrap()
            + 1
    };
    let l6 = line_of_seq(6);
    let cases: Vec<(&str, String, i32, Vec<String>)> = vec![
        (
            "a stored byte flipped",
            edit_line(&good, l6, |l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let s = v["stored"].as_str().unwrap();
                let flipped = if s.ends_with('0') { "1" } else { "0" };
                l.replace(s, &format!("{}{flipped}", &s[..s.len() - 1]))
            }),
            1,
            vec![format!(":{l6}: seq 6: hash")],
        ),
        (
            "the decoded event edited (the stored bytes intact)",
            edit_line(&good, l6, |l| {
                l.replace("\"amount\":1923650000", "\"amount\":1923650001")
            }),
            1,
            vec![format!(":{l6}: seq 6: event: the line says")],
        ),
        (
            "an entry line removed",
            good.lines()
                .enumerate()
                .filter(|(i, _)| *i + 1 != l6)
                .map(|(_, l)| format!("{l}\n"))
                .collect(),
            1,
            vec!["seq 7: expected seq 6".into()],
        ),
        (
            "truncated after an entry",
            good.lines().take(l6).map(|l| format!("{l}\n")).collect(),
            1,
            vec!["truncated".into()],
        ),
        (
            "a batch signature replaced by another batch's",
            {
                let sigs: Vec<&str> = good
                    .lines()
                    .filter(|l| l.starts_with("{\"type\":\"batch\""))
                    .map(|l| {
                        let i = l.find("\"signature\":\"").unwrap() + 13;
                        &l[i..i + 128]
                    })
                    .collect();
                good.replacen(sigs[4], sigs[3], 1)
            },
            1,
            vec!["bad_signature".into()],
        ),
        (
            "a key renamed",
            good.replacen(
                "\"name\":\"recorder\",\"roles\"",
                "\"name\":\"mallory\",\"roles\"",
                1,
            ),
            1,
            vec!["keys do not match the history".into()],
        ),
        (
            "a kept checkpoint's root changed",
            {
                let v: serde_json::Value =
                    serde_json::from_str(good.lines().last().unwrap()).unwrap();
                let text = v["text"].as_str().unwrap();
                let root = text.lines().nth(2).unwrap();
                let mut other = root.to_string();
                other.replace_range(0..1, if root.starts_with('A') { "B" } else { "A" });
                good.replace(root, &other)
            },
            1,
            vec!["checkpoint".into()],
        ),
        (
            "not JSON",
            edit_line(&good, 3, |l| l[..l.len() / 2].to_string()),
            2,
            vec![":3: not a JSON object".into()],
        ),
        (
            "an unknown field",
            edit_line(&good, 1, |l| l.replacen('{', "{\"extra\":1,", 1)),
            2,
            vec![":1: a `ledger` line: unknown field `extra`".into()],
        ),
    ];
    for (what, text, code, wants) in cases {
        assert_ne!(text, good, "{what}: the case changes nothing");
        let e = d.path().join("bad.jsonl");
        std::fs::write(&e, &text).unwrap();
        let new = d.path().join("new.jixiao");
        let o = run(&["restore".as_ref(), e.as_os_str(), new.as_os_str()]);
        assert_eq!(o.code, Some(code), "{what}: {}", o.stderr);
        for w in wants {
            assert!(
                o.stderr.contains(&w),
                "{what}: stderr lacks {w:?}: {}",
                o.stderr
            );
        }
        assert!(!new.exists(), "{what}: a file was left");
        let strays: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".jixiao-restore")
            })
            .collect();
        assert!(strays.is_empty(), "{what}: temporary files left");
    }
}

#[test]
fn restore_never_replaces_a_file_and_a_damaged_ledger_is_not_exported() {
    let d = tempfile::tempdir().unwrap();
    let orig = seed_at(d.path());
    let e = d.path().join("e.jsonl");
    std::fs::write(&e, export_bytes(&orig)).unwrap();
    let before = std::fs::read(&orig).unwrap();
    let o = run(&["restore".as_ref(), e.as_os_str(), orig.as_os_str()]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("already exists"), "{}", o.stderr);
    assert_eq!(std::fs::read(&orig).unwrap(), before);

    // Damage entry 12 with redb directly: export refuses, naming the seq, writing nothing.
    {
        let db = Database::open(&orig).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(ENTRIES).unwrap();
            let mut v = t.get(12).unwrap().unwrap().value().to_vec();
            let i = v.len() - 1;
            v[i] ^= 0x20;
            t.insert(12, v.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let out = d.path().join("out.jsonl");
    let o = run(&[
        "export".as_ref(),
        orig.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.code, Some(1));
    assert!(o.stderr.contains("seq 12"), "{}", o.stderr);
    assert!(!out.exists());
    let o = run(&["export".as_ref(), orig.as_os_str()]);
    assert_eq!(o.code, Some(1));
    assert!(
        o.stdout.is_empty(),
        "nothing is written to standard output either"
    );
}
