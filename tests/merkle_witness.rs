//! `jixiao witness` against a local C2SP tlog-witness (https://c2sp.org/tlog-witness) written
//! here from the specification with std's TcpListener, sha2 and ed25519-dalek, none of
//! jixiao's tree, checkpoint or cosignature code: it checks the log's signature (403), knows
//! its origins (404), refuses a request whose `old` size is not the size it knows (409 with that
//! size), verifies the consistency proof from the root it keeps (RFC 9162 §2.1.4.2, 422), and
//! answers a cosignature/v1 line. The cosignature is kept in the ledger and counts in
//! `verify --checkpoint --witness-key`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

type Hash = [u8; 32];

/// What the witness knows of one log.
#[derive(Clone)]
struct Log {
    name: String,
    key: VerifyingKey,
    size: u64,
    root: Hash,
}

struct Witness {
    name: String,
    key: SigningKey,
    logs: Mutex<HashMap<String, Log>>,
    requests: Mutex<Vec<String>>,
}

fn node(l: &Hash, r: &Hash) -> Hash {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(l)
        .chain_update(r)
        .finalize()
        .into()
}

/// RFC 9162 §2.1.4.2, verbatim.
fn consistent(first: u64, second: u64, h1: &Hash, h2: &Hash, proof: &[Hash]) -> bool {
    if first == second {
        return proof.is_empty() && h1 == h2;
    }
    if first == 0 || first > second {
        return first == 0 && proof.is_empty();
    }
    let mut p = proof.to_vec();
    if first.is_power_of_two() {
        p.insert(0, *h1);
    }
    let Some((first_node, rest)) = p.split_first() else {
        return false;
    };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first_node, *first_node);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && fr == *h1 && sr == *h2
}

fn key_hash(name: &str, kind: u8, key: &VerifyingKey) -> [u8; 4] {
    let d = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', kind])
        .chain_update(key.as_bytes())
        .finalize();
    [d[0], d[1], d[2], d[3]]
}

impl Witness {
    fn vkey(&self) -> String {
        let pk = self.key.verifying_key();
        let mut b = vec![0x04];
        b.extend_from_slice(pk.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(key_hash(&self.name, 0x04, &pk)),
            B64.encode(b)
        )
    }

    /// The add-checkpoint handler: (status, body).
    fn add_checkpoint(&self, req: &str) -> (u16, String) {
        self.requests.lock().unwrap().push(req.to_owned());
        let Some((head, note)) = req.split_once("\n\n") else {
            return (400, "no blank line\n".into());
        };
        let mut lines = head.split('\n');
        let Some(old) = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return (400, "no old line\n".into());
        };
        let mut proof = Vec::new();
        for l in lines {
            match B64.decode(l).ok().and_then(|v| Hash::try_from(v).ok()) {
                Some(h) => proof.push(h),
                None => return (400, "bad proof line\n".into()),
            }
        }
        let Some((body, sigs)) = note.split_once("\n\n") else {
            return (400, "not a signed note\n".into());
        };
        let body = format!("{body}\n");
        let b: Vec<&str> = body.lines().collect();
        let (origin, size, root) = (b[0], b[1].parse::<u64>().unwrap(), b[2]);
        let root: Hash = B64.decode(root).unwrap().try_into().unwrap();
        let mut logs = self.logs.lock().unwrap();
        let Some(log) = logs.get(origin).cloned() else {
            return (404, format!("unknown log {origin}\n"));
        };
        let kh = key_hash(&log.name, 0x01, &log.key);
        let signed = sigs.lines().any(|l| {
            let Some((name, b64)) = l.strip_prefix("\u{2014} ").and_then(|r| r.split_once(' '))
            else {
                return false;
            };
            let Ok(blob) = B64.decode(b64) else {
                return false;
            };
            name == log.name
                && blob.len() == 68
                && blob[..4] == kh
                && ed25519_dalek::Signature::from_slice(&blob[4..])
                    .is_ok_and(|s| log.key.verify(body.as_bytes(), &s).is_ok())
        });
        if !signed {
            return (403, "no valid signature by the log's key\n".into());
        }
        if old > size {
            return (400, "old size beyond the checkpoint\n".into());
        }
        if old != log.size {
            return (409, format!("{}\n", log.size));
        }
        if !consistent(old, size, &log.root, &root, &proof) {
            return (422, "consistency proof does not verify\n".into());
        }
        logs.insert(
            origin.to_owned(),
            Log {
                size,
                root,
                ..log.clone()
            },
        );
        let time: u64 = 1_700_000_000 + size;
        let msg = format!("cosignature/v1\ntime {time}\n{body}");
        let sig = self.key.sign(msg.as_bytes());
        let mut blob = key_hash(&self.name, 0x04, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&time.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        (
            200,
            format!("\u{2014} {} {}\n", self.name, B64.encode(blob)),
        )
    }
}

/// Serves `w` over HTTP/1.1 on a local port; returns the base URL.
fn serve(w: Arc<Witness>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/w", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut start = String::new();
            r.read_line(&mut start).unwrap();
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let (status, resp) = if start.starts_with("POST /w/add-checkpoint ") {
                w.add_checkpoint(&String::from_utf8(body).unwrap())
            } else {
                (404, "no such endpoint\n".into())
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: text/x.tlog.size\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{resp}",
                resp.len()
            );
        }
    });
    url
}

fn jixiao(dir: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .env("JIXIAO_TIME", "2023-03-01T00:00:00Z")
        .output()
        .unwrap()
}

fn public(dir: &Path, pub_file: &str) -> VerifyingKey {
    let text = std::fs::read_to_string(dir.join(pub_file)).unwrap();
    let hx = text
        .lines()
        .find_map(|l| l.strip_prefix("public: "))
        .unwrap();
    let mut b = [0u8; 32];
    hex::decode_to_slice(hx.trim(), &mut b).unwrap();
    VerifyingKey::from_bytes(&b).unwrap()
}

fn kept_158(dir: &Path) -> String {
    let l = jixiao::ledger::Ledger::open_read(&dir.join("conghua-2022.jixiao")).unwrap();
    l.checkpoints()
        .unwrap()
        .into_iter()
        .find(|(n, _)| *n == 158)
        .unwrap()
        .1
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn witness_cosigns_through_the_protocol_and_its_refusals_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let o = jixiao(tmp.path(), &["demo", "--keep", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let admin = public(&d, "admin.key.pub");
    let origin = {
        let t = kept_158(&d);
        t.lines().next().unwrap().to_owned()
    };
    // The kept checkpoints are of sizes 21 and 158; the witness has seen 21 before.
    let (root21, root158) = {
        let l = jixiao::ledger::Ledger::open_read(&d.join("conghua-2022.jixiao")).unwrap();
        let h = l.entry_hashes(158).unwrap();
        let t = jixiao::ledger::TreeAlgorithm::Rfc6962;
        (t.root_of(&h[..21]), t.root_of(&h))
    };
    let witness = |size: u64, root: Hash, key: VerifyingKey, seed: u8| {
        let w = Arc::new(Witness {
            name: "witness.example/w1".into(),
            key: SigningKey::from_bytes(&[seed; 32]),
            logs: Mutex::new(HashMap::from([(
                origin.clone(),
                Log {
                    name: "admin".into(),
                    key,
                    size,
                    root,
                },
            )])),
            requests: Mutex::new(Vec::new()),
        });
        let url = serve(w.clone());
        (w, url)
    };
    let before = kept_158(&d);

    // A rollback: the witness knows 200 entries, the ledger's checkpoint is of 158. Exit 1,
    // the 409's size named, nothing kept.
    let (_, url) = witness(200, [0; 32], admin, 9);
    let o = jixiao(&d, &["witness", "conghua-2022.jixiao", "--url", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("409") && stderr(&o).contains("200"),
        "{}",
        stderr(&o)
    );
    assert_eq!(kept_158(&d), before);

    // A fork: the witness has another root at 21; the retry's proof fails there (422).
    let (w, url) = witness(21, [7; 32], admin, 9);
    let o = jixiao(&d, &["witness", "conghua-2022.jixiao", "--url", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("422"), "{}", stderr(&o));
    assert_eq!(
        w.requests.lock().unwrap().len(),
        2,
        "one try, one retry from 21"
    );
    assert_eq!(kept_158(&d), before);

    // The witness does not trust the log's key (403), or does not know the log (404): exit 2.
    let (_, url) = witness(
        0,
        [0; 32],
        SigningKey::from_bytes(&[5; 32]).verifying_key(),
        9,
    );
    let o = jixiao(&d, &["witness", "conghua-2022.jixiao", "--url", &url]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("403"), "{}", stderr(&o));
    let unknown = Arc::new(Witness {
        name: "w".into(),
        key: SigningKey::from_bytes(&[9; 32]),
        logs: Mutex::new(HashMap::new()),
        requests: Mutex::new(Vec::new()),
    });
    let url = serve(unknown);
    let o = jixiao(&d, &["witness", "conghua-2022.jixiao", "--url", &url]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("404"), "{}", stderr(&o));

    // A cosignature by another witness than the one trusted is not kept (exit 1).
    let (other, url) = witness(21, root21, admin, 8);
    let (good, _) = witness(21, root21, admin, 9);
    let o = jixiao(
        &d,
        &[
            "witness",
            "conghua-2022.jixiao",
            "--url",
            &url,
            "--witness-key",
            &good.vkey(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(kept_158(&d), before);
    drop(other);

    // The honest witness that saw 21: 409 → retry from 21 with the consistency proof → 200.
    let (w, url) = witness(21, root21, admin, 9);
    let o = jixiao(
        &d,
        &[
            "witness",
            "conghua-2022.jixiao",
            "--url",
            &url,
            "--witness-key",
            &w.vkey(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("from size 21") && out.contains("cosignature verified"),
        "{out}"
    );
    let reqs = w.requests.lock().unwrap().clone();
    assert!(reqs[0].starts_with("old 0\n\n"), "{}", reqs[0]);
    assert!(reqs[1].starts_with("old 21\n"), "{}", reqs[1]);
    assert_eq!(w.logs.lock().unwrap()[&origin].size, 158);
    assert_eq!(w.logs.lock().unwrap()[&origin].root, root158);
    // The kept checkpoint now carries the cosignature; verify re-checks the file, and the
    // cosignature counts toward --min-signatures (admin, auditor, witness).
    let kept = kept_158(&d);
    assert_eq!(
        kept.matches('\u{2014}').count(),
        before.matches('\u{2014}').count() + 1
    );
    std::fs::write(d.join("cp.txt"), &kept).unwrap();
    let o = jixiao(
        &d,
        &[
            "verify",
            "conghua-2022.jixiao",
            "--checkpoint",
            "cp.txt",
            "--trusted-key",
            "admin.key.pub",
            "--trusted-key",
            "auditor.key.pub",
            "--witness-key",
            &w.vkey(),
            "--min-signatures",
            "3",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("integrity ok") && out.contains("checkpoint ok"),
        "{out}"
    );
    assert!(out.contains("witness.example/w1 (witness)"), "{out}");

    // Submitting again: the witness already knows 158; the client starts from the size it
    // finds already cosigned by that witness (158), so no retry is needed.
    let o = jixiao(
        &d,
        &[
            "witness",
            "conghua-2022.jixiao",
            "--url",
            &url,
            "--witness-key",
            &w.vkey(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        w.requests
            .lock()
            .unwrap()
            .last()
            .unwrap()
            .starts_with("old 158\n\n")
    );
}
