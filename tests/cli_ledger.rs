//! The ledger commands through the real binary: outputs, error messages and exit codes
//! (0 ok, 1 a verification problem, 2 usage, input or I/O).

mod common;

use common::{ENTRIES, Ran, Test, edit, get_u64, put_u64};
use jixiao::ledger::Ledger;
use serde::Deserialize;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

/// One line of `log --json`, read independently of the code that writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogLine {
    seq: u64,
    recorded_at: String,
    author: Author,
    kind: String,
    summary: String,
    hash: String,
    verified: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Author {
    key_id: String,
    name: String,
}

/// The document `verify --json` prints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyDoc {
    ledger: String,
    ok: bool,
    /// Nothing blocks submitting the ledger.
    ready: bool,
    /// What blocks it, each with the commands that resolve it (tests/cli_conventions.rs).
    blockers: Vec<serde_json::Value>,
    /// The last write had been interrupted and verify read a recovered copy.
    recovered: bool,
    integrity: Integrity,
    /// Recomputation and claim checks; `null` when integrity failed.
    recompute: Option<Recompute>,
    /// The `--checkpoint` check; `null` without one.
    checkpoint: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recompute {
    ok: bool,
    skipped: Option<String>,
    error: Option<String>,
    total: Option<String>,
    grade: Option<String>,
    claims_checked: Option<u64>,
    findings: Option<Vec<serde_json::Value>>,
    unacknowledged: Option<u64>,
    rule_set_changes: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Integrity {
    ok: bool,
    ledger_id: Option<String>,
    entries: Option<u64>,
    batches: Option<u64>,
    head: Option<String>,
    merkle_root: Option<String>,
    failure: Option<FailureDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureDoc {
    seq: Option<u64>,
    kind: String,
    detail: String,
}

fn entry_count(path: &Path) -> u64 {
    Ledger::open_read(path).unwrap().head().unwrap().size
}

fn log_json(stdout: &str) -> Vec<LogLine> {
    stdout
        .lines()
        .filter(|l| !l.starts_with("{\"checkpoint\""))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Keys `admin.key` and `rec.key`, and `l.jixiao` with the admin as genesis admin.
fn ledger_with_keys() -> Ran {
    Test::new()
        .args(["key", "new", "admin 办公室", "--out", "admin.key"])
        .run()
        .then()
        .args(["key", "new", "张三", "--out", "rec.key"])
        .run()
        .then()
        .args(["init", "l.jixiao", "--department", "从化区人民政府办公室"])
        .args(["--year", "2022", "--key", "admin.key"])
        .stdout_contains("created l.jixiao")
        .stdout_contains("head #1·")
        .stderr_empty()
        .run()
}

/// As [`ledger_with_keys`], with the recorder granted the recorder role (2 entries).
fn ledger_with_recorder() -> Ran {
    ledger_with_keys()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三 财务科", "--role", "recorder"])
        .stdout_contains("appended #2·")
        .run()
}

// --- key new -----------------------------------------------------------------------------------

#[test]
fn key_new_writes_a_private_secret_and_a_public_file() {
    use std::os::unix::fs::PermissionsExt;
    let ran = Test::new()
        .args(["key", "new", "李四", "--out", "li.key"])
        .stdout_contains("secret key: li.key")
        .stdout_contains("public key: li.key.pub")
        .stdout_contains("key id:")
        .stderr_empty()
        .run();
    let secret = ran.path("li.key");
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&secret).unwrap();
    assert!(
        text.starts_with("jixiao-secret-key-v1\nname: 李四\nsecret: "),
        "{text}"
    );
    let public = std::fs::read_to_string(ran.path("li.key.pub")).unwrap();
    assert!(
        public.starts_with("jixiao-public-key-v1\nname: 李四\npublic: "),
        "{public}"
    );
    // The printed key id is the one in the public file.
    let id_line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("key id:"))
        .unwrap();
    let id = id_line.trim_start_matches("key id:").trim();
    assert_eq!(id.len(), 16);
    assert!(public.contains(&format!("key-id: {id}\n")), "{public}");
}

#[test]
fn key_new_refuses_to_overwrite() {
    let ran = Test::new()
        .args(["key", "new", "a", "--out", "a.key"])
        .run();
    let before = std::fs::read(ran.path("a.key")).unwrap();
    let ran = ran
        .then()
        .args(["key", "new", "b", "--out", "a.key"])
        .status(2)
        .stderr_contains("a.key: already exists")
        .stderr_contains("never overwritten")
        .run();
    assert_eq!(std::fs::read(ran.path("a.key")).unwrap(), before);

    // An existing .pub alone is enough to refuse, and nothing is written.
    let ran = ran.then();
    std::fs::write(ran.path("c.key.pub"), "x").unwrap();
    let ran = ran
        .args(["key", "new", "c", "--out", "c.key"])
        .status(2)
        .stderr_contains("c.key.pub: already exists")
        .run();
    assert!(!ran.path("c.key").exists());
}

#[test]
fn key_new_refuses_a_bad_name() {
    let ran = Test::new()
        .args(["key", "new", "", "--out", "e.key"])
        .status(2)
        .stderr_contains("key name `` is invalid")
        .run();
    assert!(!ran.path("e.key").exists());
}

// --- init --------------------------------------------------------------------------------------

#[test]
fn init_creates_a_ledger_that_verifies() {
    let ran = ledger_with_keys();
    assert!(
        ran.stdout.contains("从化区人民政府办公室 2022"),
        "{}",
        ran.stdout
    );
    assert_eq!(entry_count(&ran.path("l.jixiao")), 1);
    ran.then()
        .args(["verify", "l.jixiao"])
        .stdout_contains("integrity ok: 1 entries in 1 signed batches")
        .run();
}

#[test]
fn init_refuses_an_existing_path_and_changes_nothing() {
    let ran = ledger_with_keys();
    let before = std::fs::read(ran.path("l.jixiao")).unwrap();
    let ran = ran
        .then()
        .args([
            "init",
            "l.jixiao",
            "--department",
            "另一个部门",
            "--year",
            "2023",
        ])
        .args(["--key", "rec.key"])
        .status(2)
        .stderr_contains("l.jixiao: already exists; `init` never overwrites")
        .run();
    assert_eq!(std::fs::read(ran.path("l.jixiao")).unwrap(), before);

    // Any existing file, not only ledgers.
    let ran = ran.then();
    std::fs::write(ran.path("notes.txt"), "keep me").unwrap();
    let ran = ran
        .args(["init", "notes.txt", "--department", "d", "--year", "2022"])
        .args(["--key", "admin.key"])
        .status(2)
        .stderr_contains("notes.txt: already exists")
        .run();
    assert_eq!(
        std::fs::read_to_string(ran.path("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn init_with_a_bad_key_file_names_its_path_and_line() {
    let t = Test::new();
    std::fs::write(t.path("bad.key"), "hello\n").unwrap();
    std::fs::write(
        t.path("badhex.key"),
        "jixiao-secret-key-v1\nname: x\nsecret: zz\n",
    )
    .unwrap();
    std::fs::write(t.path("noname.key"), "jixiao-secret-key-v1\nnom: x\n").unwrap();
    let ran = t
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "bad.key"])
        .status(2)
        .stderr_contains("bad.key:1: expected `jixiao-secret-key-v1`")
        .run();
    assert!(!ran.path("l.jixiao").exists());
    let ran = ran
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "badhex.key"])
        .status(2)
        .stderr_contains("badhex.key:3: secret must be 64 hex digits")
        .run();
    let ran = ran
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "noname.key"])
        .status(2)
        .stderr_contains("noname.key:2: expected `name: ...`")
        .run();
    // A public key file is not a secret key.
    let ran = ran
        .then()
        .args(["key", "new", "p", "--out", "p.key"])
        .run()
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "p.key.pub"])
        .status(2)
        .stderr_contains("p.key.pub:1:")
        .run();
    assert!(!ran.path("l.jixiao").exists());
}

#[test]
fn init_with_a_missing_key_is_a_usage_error() {
    let ran = Test::new()
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "none.key"])
        .status(2)
        .stderr_contains("none.key:")
        .run();
    assert!(!ran.path("l.jixiao").exists());
    // No --key at all, and no JIXIAO_KEY.
    let ran = ran
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .status(2)
        .stderr_contains("--key")
        .run();
    assert!(!ran.path("l.jixiao").exists());
}

#[test]
fn init_takes_the_key_from_the_environment() {
    let ran = Test::new()
        .args(["key", "new", "a", "--out", "a.key"])
        .run()
        .then()
        .env("JIXIAO_KEY", "a.key")
        .env("JIXIAO_TIME", "1672531200")
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .run();
    assert_eq!(entry_count(&ran.path("l.jixiao")), 1);
    // JIXIAO_TIME in Unix seconds sets recorded_at.
    ran.then()
        .args(["log", "l.jixiao"])
        .stdout_contains("2023-01-01T00:00:00Z")
        .run();
}

#[test]
fn init_refuses_bad_years_departments_and_times() {
    let ran = Test::new()
        .args(["key", "new", "a", "--out", "a.key"])
        .run()
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "1800"])
        .args(["--key", "a.key"])
        .status(2)
        .stderr_contains("--year 1800: expected a fiscal year")
        .run()
        .then()
        .args(["init", "l.jixiao", "--department", "  ", "--year", "2022"])
        .args(["--key", "a.key"])
        .status(2)
        .stderr_contains("--department must not be empty")
        .run()
        .then()
        .args(["init", "l.jixiao", "--department", "d", "--year", "twenty"])
        .args(["--key", "a.key"])
        .status(2)
        .stderr_contains("--year")
        .run()
        .then()
        .env("JIXIAO_TIME", "yesterday")
        .args(["init", "l.jixiao", "--department", "d", "--year", "2022"])
        .args(["--key", "a.key"])
        .status(2)
        .stderr_contains("JIXIAO_TIME=`yesterday` is neither Unix seconds nor an RFC 3339 time")
        .run();
    assert!(!ran.path("l.jixiao").exists());
}

#[test]
fn a_non_utf8_department_is_refused_and_nothing_is_written() {
    let ran = Test::new()
        .args(["key", "new", "a", "--out", "a.key"])
        .run()
        .then()
        .args(["init", "l.jixiao", "--year", "2022", "--key", "a.key"])
        .arg("--department")
        .arg(OsStr::from_bytes(b"\xff"))
        .status(2)
        .stderr_contains("UTF-8")
        .run();
    assert!(!ran.path("l.jixiao").exists());
    let names: Vec<_> = std::fs::read_dir(ran.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

// --- grant and revoke --------------------------------------------------------------------------

#[test]
fn grant_and_revoke_by_the_admin_append_one_entry_each() {
    let ran = ledger_with_recorder();
    let path = ran.path("l.jixiao");
    assert_eq!(entry_count(&path), 2);
    let a = Ledger::open_read(&path).unwrap().authority().unwrap();
    let rec = a
        .records()
        .find(|r| r.principal.name == "张三 财务科")
        .unwrap();
    assert_eq!(rec.roles.len(), 1);
    let ran = ran
        .then()
        .args([
            "revoke",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--role", "recorder", "--reason", "调岗"])
        .stdout_contains("appended #3·")
        .run();
    assert_eq!(entry_count(&path), 3);
    let ran = ran.then().args(["log", "l.jixiao"]).run();
    let lines: Vec<_> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", ran.stdout);
    assert!(
        lines[1].contains("grant recorder to 张三 财务科"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("revoke recorder from"), "{}", lines[2]);
    assert!(lines[2].contains("调岗"), "{}", lines[2]);
}

#[test]
fn grant_accepts_a_public_key_as_hex() {
    let ran = ledger_with_keys();
    let public = std::fs::read_to_string(ran.path("rec.key.pub")).unwrap();
    let hex = public
        .lines()
        .find_map(|l| l.strip_prefix("public: "))
        .unwrap()
        .to_string();
    let ran = ran
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            &hex,
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .run()
        .then()
        .args(["log", "l.jixiao"])
        .stdout_contains("grant evaluator to 张三")
        .run();
    assert_eq!(entry_count(&ran.path("l.jixiao")), 2);
}

#[test]
fn grant_by_a_non_admin_is_refused_and_appends_nothing() {
    let ran = ledger_with_recorder();
    let path = ran.path("l.jixiao");
    let (entry1, entry2) = {
        let l = Ledger::open_read(&path).unwrap();
        (
            l.stored_bytes(1).unwrap().unwrap(),
            l.stored_bytes(2).unwrap().unwrap(),
        )
    };
    let ran = ran
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "rec.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "admin"])
        .status(2)
        .stderr_contains("lacks the admin role")
        .stderr_contains("jixiao grant LEDGER --key ADMIN.key")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(entry_count(&path), 2);
    let ran = ran
        .then()
        .args([
            "revoke",
            "l.jixiao",
            "--key",
            "rec.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--role", "recorder", "--reason", "x"])
        .status(2)
        .stderr_contains("lacks the admin role")
        .stderr_contains("--role admin")
        .run();
    assert_eq!(entry_count(&path), 2);
    // The file still verifies and holds the same entries.
    let ran = ran
        .then()
        .args(["verify", "l.jixiao"])
        .stdout_contains("integrity ok: 2 entries")
        .run();
    let after = Ledger::open_read(&ran.path("l.jixiao")).unwrap();
    assert_eq!(after.stored_bytes(3).unwrap(), None);
    for (seq, bytes) in [(1, entry1), (2, entry2)] {
        assert_eq!(after.stored_bytes(seq).unwrap(), Some(bytes));
    }
}

#[test]
fn grant_by_an_unknown_key_says_how_to_get_one() {
    let ran = ledger_with_keys()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "rec.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "recorder"])
        .status(2)
        .stderr_contains("is not known to this ledger; an admin must first grant it a role")
        .run();
    assert_eq!(entry_count(&ran.path("l.jixiao")), 1);
}

#[test]
fn grant_and_revoke_refuse_bad_input() {
    let ran = ledger_with_recorder()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "boss"])
        .status(2)
        .stderr_contains(
            "--role boss: unknown role; use one of admin, recorder, evaluator, auditor",
        )
        .run()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key",
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .status(2)
        .stderr_contains("this is a secret key file; pass its `.pub` file instead")
        .run()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "nobody.pub",
        ])
        .args(["--name", "x", "--role", "evaluator"])
        .status(2)
        .stderr_contains("nobody.pub:")
        .run()
        .then()
        .args([
            "revoke",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--role", "evaluator", "--reason", "x"])
        .status(2)
        .stderr_contains("does not hold the evaluator role, so it cannot be revoked")
        .run()
        .then()
        .args([
            "grant",
            "nope.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "x", "--role", "evaluator"])
        .status(2)
        .stderr_contains("nope.jixiao: no such ledger file; create one with `jixiao init")
        .run();
    assert_eq!(entry_count(&ran.path("l.jixiao")), 2);
    assert!(!ran.path("nope.jixiao").exists());
}

#[test]
fn a_non_utf8_name_is_refused_and_nothing_is_appended() {
    let ran = ledger_with_keys()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--role", "recorder", "--name"])
        .arg(OsStr::from_bytes(b"\xffname"))
        .status(2)
        .stderr_contains("UTF-8")
        .run();
    assert_eq!(entry_count(&ran.path("l.jixiao")), 1);
}

#[test]
fn a_second_writer_is_told_the_ledger_is_in_use() {
    let ran = ledger_with_recorder();
    let path = ran.path("l.jixiao");
    let held = Ledger::open(&path).unwrap();
    let ran = ran
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .status(2)
        .stderr_contains("l.jixiao: in use by another process; wait for it to finish and try again")
        .within(Duration::from_secs(5))
        .run();
    drop(held);
    assert_eq!(entry_count(&path), 2);
    // Once released, the same command goes through.
    ran.then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .stdout_contains("appended #3·")
        .run();
}

#[test]
fn a_second_writer_is_refused_while_redb_itself_holds_the_file() {
    let ran = ledger_with_keys();
    let db = redb::Database::open(ran.path("l.jixiao")).unwrap();
    let ran = ran
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .status(2)
        .stderr_contains("in use by another process")
        .within(Duration::from_secs(5))
        .run();
    drop(db);
    assert_eq!(entry_count(&ran.path("l.jixiao")), 1);
}

// --- log ---------------------------------------------------------------------------------------

#[test]
fn log_lists_every_entry_and_log_json_parses() {
    let ran = ledger_with_recorder()
        .then()
        .args(["log", "l.jixiao"])
        .stdout_contains("#1 ")
        .stdout_contains("2023-03-01T09:00:00Z")
        .stdout_contains("genesis: 从化区人民政府办公室 2022 (1 admin key)")
        .stdout_contains("grant recorder to 张三 财务科")
        .stderr_empty()
        .run();
    assert_eq!(ran.stdout.lines().count(), 2);
    let ran = ran
        .then()
        .args(["log", "--json", "l.jixiao"])
        .stderr_empty()
        .run();
    let lines = log_json(&ran.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(lines[0].kind, "genesis");
    assert_eq!(lines[1].kind, "grant");
    assert!(
        lines[1]
            .summary
            .starts_with("grant recorder to 张三 财务科")
    );
    for l in &lines {
        assert_eq!(l.recorded_at, "2023-03-01T09:00:00Z");
        assert_eq!(l.author.name, "admin 办公室");
        assert_eq!(l.author.key_id.len(), 16);
        assert_eq!(l.hash.len(), 64);
        assert!(l.hash.chars().all(|c| c.is_ascii_hexdigit()));
    }
    // Each hash is the one the ledger stores, and the last one is verify's head.
    let l = Ledger::open_read(&ran.path("l.jixiao")).unwrap();
    for line in &lines {
        assert_eq!(l.entry(line.seq).unwrap().unwrap().hash.to_hex(), line.hash);
    }
    drop(l);
    let ran = ran.then().args(["verify", "--json", "l.jixiao"]).run();
    let doc: VerifyDoc = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(doc.integrity.head.as_deref(), Some(lines[1].hash.as_str()));
}

/// `log` of a tampered ledger lists what the file holds, marks the entries from the first
/// failing seq on, and exits 1 (it printed them as sound with exit 0).
#[test]
fn defect_8_log_marks_tampered_entries_and_exits_1() {
    let ran = ledger_with_recorder();
    // Entry 2 (the grant) ends with its role: recorder (1) becomes evaluator (2). The bytes
    // still decode canonically; only the stored hash and the chain give it away.
    edit(&ran.path("l.jixiao"), |txn| {
        let mut bytes = get_u64(txn, ENTRIES, 2);
        let last = bytes.len() - 1;
        assert_eq!(bytes[last], 1);
        bytes[last] = 2;
        put_u64(txn, ENTRIES, 2, &bytes);
    });
    let ran = ran
        .then()
        .args(["log", "l.jixiao"])
        .status(1)
        .stdout_contains("#1 ")
        .stdout_contains("!2 ")
        .stdout_contains("grant evaluator to 张三")
        .stderr_contains("integrity check failed: seq 2")
        .stderr_contains("entries from #2 on are not verified")
        .run();
    let ran = ran
        .then()
        .args(["log", "--json", "l.jixiao"])
        .status(1)
        .run();
    let lines = log_json(&ran.stdout);
    assert_eq!(
        lines
            .iter()
            .map(|l| (l.seq, l.verified))
            .collect::<Vec<_>>(),
        vec![(1, true), (2, false)]
    );
}

#[test]
fn log_of_a_missing_or_garbage_file_fails_with_the_right_code() {
    let t = Test::new();
    std::fs::write(t.path("g.jixiao"), vec![0x42u8; 8192]).unwrap();
    t.args(["log", "none.jixiao"])
        .status(2)
        .stderr_contains("none.jixiao: no such ledger file")
        .run()
        .then()
        .args(["log", "g.jixiao"])
        .status(1)
        .stderr_contains("g.jixiao: not a jixiao ledger")
        .run();
}

// --- verify ------------------------------------------------------------------------------------

#[test]
fn verify_a_good_ledger() {
    let ran = ledger_with_recorder()
        .then()
        .args(["verify", "l.jixiao"])
        .stdout_contains("ledger    l.jixiao")
        .stdout_contains("integrity ok: 2 entries in 2 signed batches, head #2·")
        .stderr_empty()
        .run()
        .then()
        .args(["verify", "--json", "l.jixiao"])
        .stderr_empty()
        .run();
    let doc: VerifyDoc = serde_json::from_str(&ran.stdout).unwrap();
    assert!(doc.ok);
    assert!(!doc.recovered);
    assert_eq!(doc.ledger, "l.jixiao");
    assert!(doc.integrity.ok);
    assert_eq!(doc.integrity.entries, Some(2));
    assert_eq!(doc.integrity.batches, Some(2));
    assert!(doc.integrity.failure.is_none());
    let l = Ledger::open_read(&ran.path("l.jixiao")).unwrap();
    assert_eq!(
        doc.integrity.ledger_id.as_deref(),
        Some(hex::encode(l.ledger_id()).as_str())
    );
    assert_eq!(
        doc.integrity.head.as_deref(),
        Some(l.head().unwrap().hash.to_hex().as_str())
    );
    let v = l.verify(&mut |_| {}).unwrap();
    assert_eq!(
        doc.integrity.merkle_root.as_deref(),
        Some(hex::encode(v.root).as_str())
    );
    // No rule set adopted: nothing to recompute, which is not a problem.
    let r = doc.recompute.unwrap();
    assert!(r.ok);
    assert_eq!(r.skipped.as_deref(), Some("no rule set adopted"));
    assert!(r.error.is_none() && r.total.is_none() && r.grade.is_none());
    assert!(r.claims_checked.is_none() && r.unacknowledged.is_none());
    assert_eq!(r.findings.map(|f| f.len()), Some(0));
    assert!(doc.checkpoint.is_none());
}

#[test]
fn verify_json_of_the_seed_case_lists_the_finding() {
    let ran = Test::new()
        .args(["demo", "--keep", "d"])
        .run()
        .then()
        .args(["verify", "--json", "d/conghua-2022.jixiao"])
        .status(1)
        .run();
    let doc: VerifyDoc = serde_json::from_str(&ran.stdout).unwrap();
    assert!(!doc.ok);
    assert!(doc.integrity.ok);
    // Not ready: the one unacknowledged finding blocks it.
    assert!(!doc.ready);
    assert_eq!(doc.blockers.len(), 1);
    assert_eq!(doc.blockers[0]["id"], "budget.growth_rate");
    let r = doc.recompute.unwrap();
    assert!(!r.ok);
    assert_eq!(r.total.as_deref(), Some("99.96"));
    assert_eq!(r.grade.as_deref(), Some("优"));
    assert_eq!(r.claims_checked, Some(26));
    assert_eq!(r.unacknowledged, Some(1));
    let findings = r.findings.unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["id"], "budget.growth_rate");
    assert_eq!(findings[0]["stated"], "3.5");
    assert_eq!(findings[0]["recomputed"], "3.6");
    // One rule set: no change to show.
    assert_eq!(r.rule_set_changes.map(|c| c.len()), Some(0));
}

#[test]
fn verify_a_tampered_ledger_names_the_seq() {
    let ran = ledger_with_recorder()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "evaluator"])
        .run();
    edit(&ran.path("l.jixiao"), |txn| {
        let mut b = get_u64(txn, ENTRIES, 2);
        let last = b.len() - 1;
        b[last] ^= 0x01;
        put_u64(txn, ENTRIES, 2, &b);
    });
    let ran = ran
        .then()
        .args(["verify", "l.jixiao"])
        .status(1)
        .stdout_contains("integrity FAILED at seq 2:")
        .stdout_contains("(hash_mismatch)")
        .stdout_lacks("integrity ok")
        .run()
        .then()
        .args(["verify", "--json", "l.jixiao"])
        .status(1)
        .run();
    let doc: VerifyDoc = serde_json::from_str(&ran.stdout).unwrap();
    assert!(!doc.ok);
    assert!(!doc.integrity.ok);
    assert_eq!(doc.integrity.entries, None);
    let f = doc.integrity.failure.unwrap();
    assert_eq!(f.seq, Some(2));
    assert_eq!(f.kind, "hash_mismatch");
    assert!(!f.detail.is_empty());
}

#[test]
fn verify_a_garbage_file_is_1_and_a_missing_path_is_2() {
    let t = Test::new();
    let mut x: u32 = 2_463_534_242;
    let garbage: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[1]
        })
        .collect();
    std::fs::write(t.path("g.jixiao"), &garbage).unwrap();
    std::fs::write(t.path("empty.jixiao"), b"").unwrap();
    let ran = t
        .args(["verify", "g.jixiao"])
        .status(1)
        .stdout_contains("integrity FAILED")
        .stdout_contains("(not_a_ledger)")
        .run()
        .then()
        .args(["verify", "--json", "g.jixiao"])
        .status(1)
        .run();
    let doc: VerifyDoc = serde_json::from_str(&ran.stdout).unwrap();
    assert!(!doc.ok);
    let f = doc.integrity.failure.unwrap();
    assert_eq!(f.kind, "not_a_ledger");
    assert_eq!(f.seq, None);
    let ran = ran
        .then()
        .args(["verify", "empty.jixiao"])
        .status(1)
        .stdout_contains("(not_a_ledger)")
        .run()
        .then()
        .args(["verify", "missing.jixiao"])
        .status(2)
        .stderr_contains("missing.jixiao: no such ledger file")
        .stdout_lacks("integrity ok")
        .run()
        .then()
        .args(["verify", "--json", "missing.jixiao"])
        .status(2)
        .stderr_contains("no such ledger file")
        .run();
    assert_eq!(std::fs::read(ran.path("g.jixiao")).unwrap(), garbage);
    assert!(!ran.path("missing.jixiao").exists());
}

#[test]
fn verify_a_truncated_ledger_is_1() {
    let ran = ledger_with_recorder();
    let path = ran.path("l.jixiao");
    let len = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    ran.then()
        .args(["verify", "l.jixiao"])
        .status(1)
        .stdout_contains("integrity FAILED")
        .run();
}

#[test]
fn damaged_files_are_reported_not_panicked_on() {
    // Invert 16 bytes at many offsets of a real ledger; log and verify must each exit 0 (the
    // damage hit unused space) or 1, and never show a panic.
    let ran = ledger_with_recorder();
    let original = std::fs::read(ran.path("l.jixiao")).unwrap();
    let t = ran.then();
    let mut failed = 0;
    for at in (0..original.len()).step_by(1024) {
        let mut bytes = original.clone();
        let end = (at + 16).min(bytes.len());
        for b in &mut bytes[at..end] {
            *b = !*b;
        }
        std::fs::write(t.path("d.jixiao"), &bytes).unwrap();
        for cmd in ["verify", "log"] {
            let out = assert_cmd::Command::new(common::bin())
                .current_dir(t.path(""))
                .args([cmd, "d.jixiao"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{cmd} at {at}: {code:?} {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{cmd} at {at}: {stderr}");
            if cmd == "verify" && code == Some(1) {
                failed += 1;
                assert!(String::from_utf8_lossy(&out.stdout).contains("integrity FAILED"));
            }
        }
    }
    assert!(
        failed >= 2,
        "only {failed} damaged copies failed verification"
    );
}

#[test]
fn verify_a_plain_redb_database_is_1() {
    let t = Test::new();
    drop(redb::Database::create(t.path("plain.redb")).unwrap());
    t.args(["verify", "plain.redb"])
        .status(1)
        .stdout_contains("not a jixiao ledger")
        .stdout_contains("(not_a_ledger)")
        .run();
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    Test::new()
        .args(["verify"])
        .status(2)
        .stderr_contains("LEDGER")
        .run()
        .then()
        .args(["frobnicate"])
        .status(2)
        .run()
        .then()
        .args(["--help"])
        .stdout_contains("verify")
        .stdout_contains("demo")
        .run();
}

// --- demo --------------------------------------------------------------------------------------

#[test]
fn demo_builds_verifies_and_shows_the_seed_case() {
    let ran = Test::new()
        .args(["demo"])
        .stdout_contains("integrity ok: 158 entries in 9 signed batches")
        .stdout_contains("广州市从化区人民政府办公室 2022")
        .stdout_contains("自评总分 99.96  等级 优")
        .stdout_contains("mid-year view: ")
        .stdout_contains("proof ok: the ledger of 158 entries extends the one of 21 entries")
        .stdout_contains("stated 3.5%, recomputed 3.6%")
        .stdout_lacks("kept in")
        .stderr_empty()
        .run();
    // Nothing is left in the working directory.
    assert_eq!(std::fs::read_dir(ran.dir.path()).unwrap().count(), 0);
}

#[test]
fn demo_keep_leaves_a_ledger_that_verifies() {
    let ran = Test::new()
        .args(["demo", "--keep", "out/demo"])
        .stdout_contains("integrity ok")
        .stdout_contains("kept in out/demo")
        .run();
    let dir = ran.path("out/demo");
    for f in [
        "conghua-2022.jixiao",
        "admin.key",
        "admin.key.pub",
        "recorder.key",
        "recorder.key.pub",
        "evaluator.key",
        "evaluator.key.pub",
        "auditor.key",
        "auditor.key.pub",
        "conghua-2022/rules.toml",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    assert_eq!(entry_count(&dir.join("conghua-2022.jixiao")), 158);
    let ran = ran
        .then()
        .args(["verify", "out/demo/conghua-2022.jixiao"])
        // The seed report's growth-rate claim does not reproduce: verify reports it, exit 1.
        .status(1)
        .stdout_contains("integrity ok: 158 entries")
        .stdout_contains("1 unacknowledged")
        .run()
        .then()
        // The kept keys work: the kept admin can grant.
        .args([
            "grant",
            "out/demo/conghua-2022.jixiao",
            "--key",
            "out/demo/admin.key",
        ])
        .args([
            "--public-key",
            "out/demo/recorder.key.pub",
            "--name",
            "recorder",
        ])
        .args(["--role", "auditor"])
        .stdout_contains("appended #159·")
        .run()
        .then()
        .args(["demo", "--keep", "out/demo"])
        .status(2)
        .stderr_contains("already exists; --keep needs a directory without a previous demo ledger")
        .run();
    assert_eq!(entry_count(&ran.path("out/demo/conghua-2022.jixiao")), 159);
}

#[test]
fn readers_share_the_file_but_not_with_a_writer() {
    let ran = ledger_with_recorder();
    let path = ran.path("l.jixiao");
    // A reader in this process: other readers go ahead, a writer is told to wait.
    let reader = Ledger::open_read(&path).unwrap();
    let ran = ran
        .then()
        .args(["verify", "l.jixiao"])
        .stdout_contains("integrity ok: 2 entries")
        .within(Duration::from_secs(5))
        .run()
        .then()
        .args(["log", "l.jixiao"])
        .stdout_contains("grant recorder")
        .run()
        .then()
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "admin.key",
            "--public-key",
            "rec.key.pub",
        ])
        .args(["--name", "张三", "--role", "auditor"])
        .status(2)
        .stderr_contains("in use by another process")
        .within(Duration::from_secs(5))
        .run();
    drop(reader);
    // A writer in this process: readers are told the same, never that the file is damaged.
    let writer = Ledger::open(&path).unwrap();
    let ran = ran
        .then()
        .args(["verify", "l.jixiao"])
        .status(2)
        .stderr_contains("in use by another process")
        .stdout_lacks("integrity FAILED")
        .within(Duration::from_secs(5))
        .run()
        .then()
        .args(["log", "--json", "l.jixiao"])
        .status(2)
        .stderr_contains("in use by another process")
        .within(Duration::from_secs(5))
        .run();
    drop(writer);
    assert_eq!(entry_count(&ran.path("l.jixiao")), 2);
}

#[test]
fn log_lists_the_checkpoints_kept_in_the_ledger() {
    let ran = Test::new()
        .args(["demo", "--keep", "d"])
        .run()
        .then()
        .args(["log", "d/conghua-2022.jixiao"])
        .stdout_contains("checkpoint at #21: root ")
        .stdout_contains("checkpoint at #158: root ")
        .run()
        .then()
        .args(["log", "--json", "d/conghua-2022.jixiao"])
        .run();
    let cps: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("{\"checkpoint\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cps.len(), 2);
    assert_eq!(cps[0]["checkpoint"]["size"], 21);
    assert_eq!(
        cps[0]["checkpoint"]["signed_by"],
        serde_json::json!(["admin"])
    );
    assert_eq!(cps[1]["checkpoint"]["size"], 158);
    assert_eq!(
        cps[1]["checkpoint"]["signed_by"],
        serde_json::json!(["admin", "auditor"])
    );
}

#[test]
fn log_subject_shows_the_entries_about_one_indicator_and_their_corrections() {
    let ran = Test::new()
        .args(["demo", "--keep", "d"])
        .run()
        .then()
        // #30 is the year-end value of 档案丢失; correct it, then filter on the indicator.
        .args([
            "correct",
            "d/conghua-2022.jixiao",
            "30",
            "--value",
            "1",
            "--reason",
            "复核更正",
            "--key",
            "d/recorder.key",
        ])
        .run()
        .then()
        .args([
            "log",
            "d/conghua-2022.jixiao",
            "--subject",
            "perf.output.quality.archive_loss",
        ])
        .run();
    let seqs: Vec<&str> = ran
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(seqs, ["#12", "#30", "#159"], "{}", ran.stdout);
    assert!(!ran.stdout.contains("checkpoint at"));
}

/// Readers share a ledger: many read-only commands started at the same instant all read it
/// (two opening together could see each other's brief lock and report "in use").
#[test]
fn read_commands_started_together_all_succeed() {
    let ran = ledger_with_recorder();
    let dir = ran.path("");
    let runs: Vec<_> = (0..16)
        .map(|_| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                assert_cmd::Command::new(common::bin())
                    .current_dir(&dir)
                    .args(["log", "--json", "l.jixiao"])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for r in runs {
        let out = r.join().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
