//! `jixiao verify` of many ledgers: directories expanded in name order, one row per ledger in
//! argument order whatever the number of workers, failed rows for damaged and foreign files
//! without aborting, exit codes, JSON Lines and the spreadsheet.

use jixiao::ledger::{Checkpoint, Ledger};
use jixiao::model::{Acknowledgement, Event};
use jixiao::seed::{self, SeedKeys};
use redb::{Database, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::process::Command;

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
/// 2023-03-01T09:00:00Z, after the seed's last entry.
const LATER: i64 = 1_677_661_200;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jixiao"))
}

/// The seed ledger at `dir/name` with ledger id `[id; 16]`.
fn seed_at(dir: &Path, name: &str, id: u8) -> PathBuf {
    let fx = seed::write_fixture(dir).unwrap();
    let p = dir.join(name);
    seed::build(&p, &fx, &SeedKeys::fixed(), [id; 16], |_| {}).unwrap();
    p
}

/// The seed ledger with its one finding acknowledged: verify passes it.
fn clean_at(dir: &Path, name: &str, id: u8) -> PathBuf {
    let p = seed_at(dir, name, id);
    let l = Ledger::open(&p).unwrap();
    let ack = Event::Acknowledgement(Acknowledgement {
        finding: "budget.growth_rate".into(),
        reason: "报告以本年预算为分母, 已说明".into(),
    });
    l.append(&SeedKeys::fixed().evaluator.signing, vec![ack], LATER)
        .unwrap();
    p
}

/// Flips one byte of entry `seq`'s stored bytes with redb directly.
fn tamper(path: &Path, seq: u64) {
    let db = Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(ENTRIES).unwrap();
        let mut v = t.get(seq).unwrap().unwrap().value().to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x01;
        t.insert(seq, v.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&std::ffi::OsStr]) -> Out {
    let o = Command::new(bin()).args(args).output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn os(s: &Path) -> &std::ffi::OsStr {
    s.as_os_str()
}

/// A bureau's directory: two sound ledgers, one with an open finding, one tampered at seq 5,
/// one file that is not a ledger. Returns the directory.
fn bureau() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    clean_at(d.path(), "a-clean.jixiao", 0xa1);
    seed_at(d.path(), "b-finding.jixiao", 0xb2);
    let t = seed_at(d.path(), "c-tampered.jixiao", 0xc3);
    tamper(&t, 5);
    std::fs::write(d.path().join("d-notes.jixiao"), "not a ledger\n").unwrap();
    clean_at(d.path(), "e-clean.jixiao", 0xe5);
    d
}

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_directory_gives_one_json_row_per_ledger_in_name_order_then_the_summary() {
    let d = bureau();
    let o = run(&[
        "verify".as_ref(),
        os(d.path()),
        "--json".as_ref(),
        "--jobs".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let lines = json_lines(&o.stdout);
    assert_eq!(lines.len(), 6, "{}", o.stdout);
    let names: Vec<String> = lines[..5]
        .iter()
        .map(|v| {
            Path::new(v["ledger"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "a-clean.jixiao",
            "b-finding.jixiao",
            "c-tampered.jixiao",
            "d-notes.jixiao",
            "e-clean.jixiao"
        ]
    );
    let status: Vec<&str> = lines[..5]
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "findings", "failed", "failed", "ok"]);

    // The sound ledger: the seed's figures, recomputed, and its kept mid-year checkpoint.
    let a = &lines[0];
    assert_eq!(a["ok"], true);
    assert_eq!(a["department"], seed::DEPARTMENT);
    assert_eq!(a["year"], 2022);
    assert_eq!(a["entries"], 159);
    assert_eq!(a["ledger_id"], "a1".repeat(16));
    assert_eq!(a["recompute"]["total"], "99.96");
    assert_eq!(a["recompute"]["grade"], "优");
    assert_eq!(a["recompute"]["unacknowledged"], 0);
    assert_eq!(a["recompute"]["findings"].as_array().unwrap().len(), 1);
    assert_eq!(a["checkpoint"]["kept"], 1);
    let latest = a["checkpoint"]["latest"].as_u64().unwrap();
    assert_eq!(a["checkpoint"]["behind"].as_u64().unwrap(), 159 - latest);
    let l = Ledger::open_read(&d.path().join("a-clean.jixiao")).unwrap();
    let head = l.head().unwrap();
    assert_eq!(a["head"], head.hash.to_hex());
    assert_eq!(a["merkle_root"], hex::encode(l.tree_head().unwrap().1));

    let b = &lines[1];
    assert_eq!(b["ok"], false);
    assert_eq!(b["recompute"]["unacknowledged"], 1);
    assert_eq!(b["recompute"]["findings"][0]["id"], "budget.growth_rate");

    let c = &lines[2];
    assert_eq!(c["failure"]["seq"], 5);
    assert_eq!(c["failure"]["kind"], "hash_mismatch");
    assert_eq!(
        c["department"],
        seed::DEPARTMENT,
        "whose ledger failed is still shown"
    );
    assert!(c["recompute"].is_null());

    let n = &lines[3];
    assert_eq!(n["failure"]["kind"], "not_a_ledger");
    assert!(n["department"].is_null());

    let s = &lines[5]["summary"];
    assert_eq!(s["ledgers"], 5);
    assert_eq!(s["ok"], 2);
    assert_eq!(s["findings"], 1);
    assert_eq!(s["failed"], 2);
    assert_eq!(s["all_ok"], false);
    assert_eq!(s["not_ok"].as_array().unwrap().len(), 3);
    // The exit says which.
    for f in ["b-finding.jixiao", "c-tampered.jixiao", "d-notes.jixiao"] {
        assert!(o.stderr.contains(f), "{}", o.stderr);
    }
    assert!(!o.stderr.contains("a-clean.jixiao"), "{}", o.stderr);
}

#[test]
fn rows_follow_the_arguments_and_are_the_same_bytes_whatever_the_number_of_workers() {
    let d = bureau();
    let p = |n: &str| d.path().join(n);
    // Files in a given order (not sorted), a file twice, then the directory.
    let args = |jobs: &str| {
        vec![
            "verify".into(),
            p("e-clean.jixiao").into_os_string(),
            p("c-tampered.jixiao").into_os_string(),
            p("a-clean.jixiao").into_os_string(),
            p("e-clean.jixiao").into_os_string(),
            d.path().as_os_str().to_owned(),
            "--jobs".into(),
            jobs.into(),
        ]
    };
    let one = Command::new(bin()).args(args("1")).output().unwrap();
    let four = Command::new(bin()).args(args("4")).output().unwrap();
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(one.stdout, four.stdout);
    let text = String::from_utf8(one.stdout).unwrap();
    let files: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .take(9)
        .map(|l| l.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "e-clean.jixiao",
            "c-tampered.jixiao",
            "a-clean.jixiao",
            "e-clean.jixiao",
            "a-clean.jixiao",
            "b-finding.jixiao",
            "c-tampered.jixiao",
            "d-notes.jixiao",
            "e-clean.jixiao"
        ],
        "{text}"
    );
    assert!(text.starts_with("STATUS"), "{text}");
    assert!(text.contains("integrity failed at seq 5"), "{text}");
    assert!(text.contains("9 ledger(s)"), "{text}");
    assert!(text.contains("5 ok, 1 with findings, 3 failed"), "{text}");
}

#[test]
fn sound_ledgers_only_exit_0_and_the_text_row_shows_the_scores() {
    let d = tempfile::tempdir().unwrap();
    let a = clean_at(d.path(), "a.jixiao", 1);
    let b = clean_at(d.path(), "b.jixiao", 2);
    let o = run(&["verify".as_ref(), os(&a), os(&b)]);
    assert_eq!(o.code, Some(0), "{}{}", o.stdout, o.stderr);
    let rows: Vec<&str> = o.stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    assert_eq!(rows.len(), 2, "{}", o.stdout);
    for r in rows {
        assert!(r.contains("99.96"), "{r}");
        assert!(r.contains("优"), "{r}");
        assert!(r.contains("#159·"), "{r}");
        assert!(r.contains(seed::DEPARTMENT), "{r}");
    }
    assert!(o.stdout.contains("2 ok, 0 with findings, 0 failed"));
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error_and_nothing_is_verified() {
    let d = tempfile::tempdir().unwrap();
    let a = clean_at(d.path(), "a.jixiao", 1);
    let missing = d.path().join("missing.jixiao");
    let o = run(&["verify".as_ref(), os(&a), os(&missing), "--json".as_ref()]);
    assert_eq!(o.code, Some(2));
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.contains("missing.jixiao"), "{}", o.stderr);
    assert!(o.stderr.contains("no such file"), "{}", o.stderr);
    // --checkpoint is for one ledger.
    let o = run(&[
        "verify".as_ref(),
        os(&a),
        os(&a),
        "--checkpoint".as_ref(),
        os(&a),
    ]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("single ledger"), "{}", o.stderr);
    let o = run(&[
        "verify".as_ref(),
        os(&a),
        os(&a),
        "--min-signatures".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(
        o.code,
        Some(2),
        "a threshold without keys is not silently ignored"
    );
    assert!(o.stderr.contains("--trusted-key"), "{}", o.stderr);
    // A directory without ledgers.
    let empty = tempfile::tempdir().unwrap();
    let o = run(&["verify".as_ref(), os(empty.path())]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("no *.jixiao"), "{}", o.stderr);
}

#[test]
fn one_ledger_alone_keeps_the_single_ledger_output() {
    let d = tempfile::tempdir().unwrap();
    let a = clean_at(d.path(), "a.jixiao", 1);
    let o = run(&["verify".as_ref(), os(&a), "--json".as_ref()]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["integrity"]["entries"], 159);
    assert!(v.get("summary").is_none());
    // --format json asks for rows, even of one ledger (for schedulers that hand out one file).
    let o = run(&[
        "verify".as_ref(),
        os(&a),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let lines = json_lines(&o.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["entries"], 159);
    assert_eq!(lines[1]["summary"]["ok"], 1);
}

#[test]
fn xlsx_is_written_whole_only_with_an_output_file_and_is_the_same_bytes_each_run() {
    let d = bureau();
    let x1 = d.path().join("t1.xlsx");
    let x2 = d.path().join("t2.xlsx");
    let o = run(&[
        "verify".as_ref(),
        os(d.path()),
        "--format".as_ref(),
        "xlsx".as_ref(),
    ]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("-o FILE"), "{}", o.stderr);
    for x in [&x1, &x2] {
        let o = run(&[
            "verify".as_ref(),
            os(d.path()),
            "--format".as_ref(),
            "xlsx".as_ref(),
            "-o".as_ref(),
            os(x),
        ]);
        assert_eq!(o.code, Some(1), "{}", o.stderr);
        assert!(o.stdout.contains("5 ledger(s)"), "{}", o.stdout);
    }
    let b1 = std::fs::read(&x1).unwrap();
    assert!(b1.starts_with(b"PK\x03\x04"), "an xlsx is a zip file");
    assert_eq!(b1, std::fs::read(&x2).unwrap());
}

#[test]
#[ignore = "needs python3 openpyxl; .ci/run installs it and runs ignored tests"]
fn the_spreadsheet_holds_one_row_per_ledger_with_the_figures() {
    let d = bureau();
    let x = d.path().join("t.xlsx");
    let o = run(&[
        "verify".as_ref(),
        os(d.path()),
        "--format".as_ref(),
        "xlsx".as_ref(),
        "-o".as_ref(),
        os(&x),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["ledgers"]
rows = [[c.value for c in r] for r in ws.iter_rows()]
s = wb["summary"]
print(json.dumps({"rows": rows, "summary": [[c.value for c in r] for r in s.iter_rows()]}, default=str))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&x)
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "python3 with openpyxl must be installed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let header: Vec<&str> = rows[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(header, jixiao::bureau::xlsx::COLUMNS);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let a = rows[1].as_array().unwrap();
    assert!(a[col("file")].as_str().unwrap().ends_with("a-clean.jixiao"));
    assert_eq!(a[col("status")], "ok");
    assert_eq!(a[col("ok")], true);
    assert_eq!(a[col("department")], seed::DEPARTMENT);
    assert_eq!(a[col("entries")], 159);
    assert_eq!(a[col("total")], 99.96);
    assert_eq!(a[col("grade")], "优");
    let c = rows[3].as_array().unwrap();
    assert_eq!(c[col("status")], "FAILED");
    assert!(
        c[col("problem")]
            .as_str()
            .unwrap()
            .contains("integrity failed at seq 5")
    );
    let summary = v["summary"].as_array().unwrap();
    assert_eq!(summary[0], serde_json::json!(["ledgers", 5, null]));
    assert_eq!(summary[3], serde_json::json!(["failed", 2, null]));
}

/// Keeps a checkpoint of the whole ledger signed by the admin and cosigned by the auditor.
fn cosigned_at_head(path: &Path, id: u8) {
    let keys = SeedKeys::fixed();
    let l = Ledger::open(path).unwrap();
    let (size, root) = l.tree_head().unwrap();
    let mut cp = Checkpoint::for_ledger(&[id; 16], size, root)
        .sign(&keys.admin.signing, &keys.admin.name)
        .unwrap();
    cp.cosign(&keys.auditor.signing, &keys.auditor.name)
        .unwrap();
    l.keep_checkpoint(size, &cp.to_text()).unwrap();
}

#[test]
fn trusted_keys_require_each_latest_kept_checkpoint_to_be_signed_by_them() {
    let d = tempfile::tempdir().unwrap();
    let keys = SeedKeys::fixed();
    let bureau_pub = keys.auditor.write(&d.path().join("bureau.key")).unwrap();
    let admin_pub = keys.admin.write(&d.path().join("admin.key")).unwrap();
    let a = clean_at(d.path(), "a.jixiao", 0xa1);
    cosigned_at_head(&a, 0xa1);
    // Only the department's own mid-year checkpoint, not cosigned, not at the head.
    let b = clean_at(d.path(), "b.jixiao", 0xb2);
    let rows = |extra: &[&std::ffi::OsStr]| {
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["verify".as_ref(), os(&a), os(&b), "--json".as_ref()];
        args.extend_from_slice(extra);
        let o = run(&args);
        (o.code, json_lines(&o.stdout), o.stderr)
    };
    let (code, lines, err) = rows(&["--trusted-key".as_ref(), os(&bureau_pub)]);
    assert_eq!(code, Some(1), "{err}");
    let (ta, tb) = (&lines[0]["checkpoint"], &lines[1]["checkpoint"]);
    assert_eq!(lines[0]["status"], "ok");
    assert_eq!(ta["trusted"]["ok"], true);
    assert_eq!(ta["trusted"]["signers"], serde_json::json!(["auditor"]));
    assert_eq!(ta["behind"], 0);
    assert_eq!(lines[1]["status"], "findings");
    assert_eq!(tb["trusted"]["ok"], false);
    assert!(
        tb["trusted"]["problem"]
            .as_str()
            .unwrap()
            .contains("the checkpoint at #"),
        "{tb}"
    );
    assert!(
        err.contains("b.jixiao") && !err.contains("a.jixiao"),
        "{err}"
    );

    // Two distinct trusted keys required: the bureau's alone is not enough.
    let two: [&std::ffi::OsStr; 4] = [
        "--trusted-key".as_ref(),
        os(&bureau_pub),
        "--min-signatures".as_ref(),
        "2".as_ref(),
    ];
    let (_, lines, _) = rows(&two);
    assert_eq!(lines[0]["status"], "findings");
    assert!(
        lines[0]["checkpoint"]["trusted"]["problem"]
            .as_str()
            .unwrap()
            .contains("1 trusted signature(s) (auditor), 2 required")
    );
    let (_, lines, _) = rows(&[
        "--trusted-key".as_ref(),
        os(&bureau_pub),
        "--trusted-key".as_ref(),
        os(&admin_pub),
        "--min-signatures".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(lines[0]["status"], "ok", "{}", lines[0]);
    // Without trusted keys the check is not made.
    let (_, lines, _) = rows(&[]);
    assert!(lines[0]["checkpoint"]["trusted"].is_null());
    assert_eq!(lines[1]["status"], "ok");
}
