//! `--json` on every command that prints a result, read back with this file's own types
//! (docs/JSON.md): key and ledger creation, the appending commands, checkpoints and proofs,
//! the report commands, and `demo`.

mod common;

use common::{Ran, Test};
use serde::Deserialize;

const L: &str = "d/conghua-2022.jixiao";

/// English messages whatever the machine's locale.
fn en(t: Test) -> Test {
    t.env("LC_ALL", "C.UTF-8")
}

/// The seed case kept in `d/` (158 entries, one unacknowledged finding).
fn demo() -> Ran {
    Test::new().args(["demo", "--keep", "d"]).run()
}

/// What an appending command prints with `--json` (docs/JSON.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppendDoc {
    ledger: String,
    dry_run: bool,
    description: Option<String>,
    events: u64,
    first: u64,
    last: u64,
    head: Option<String>,
    signed_by: Signer,
    replays: bool,
    replay_error: Option<String>,
    was_failing: Option<String>,
    score: Option<ScoreChange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signer {
    name: String,
    key_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreChange {
    before: Option<String>,
    after: String,
    change: Option<String>,
    nodes: Vec<NodeChange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeChange {
    id: String,
    name: String,
    before: String,
    after: String,
    change: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDoc {
    name: String,
    secret_key: String,
    public_key: String,
    public: String,
    key_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitDoc {
    ledger: String,
    ledger_id: String,
    department: String,
    code: String,
    year: i32,
    admin: Signer,
    head: Head,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    seq: u64,
    hash: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointDoc {
    ledger: String,
    size: u64,
    root: String,
    signed_by: String,
    file: Option<String>,
    checkpoint: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CosignDoc {
    file: String,
    size: u64,
    root: String,
    cosigned_by: String,
    signatures: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProveDoc {
    proof: String,
    file: String,
}

#[derive(Debug, Deserialize)]
struct CheckDoc {
    ok: bool,
    kind: Option<String>,
    seq: Option<u64>,
    tree_size: Option<u64>,
    values: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct VerifyDoc {
    ok: bool,
    ready: bool,
    blockers: Vec<Blocker>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Blocker {
    kind: String,
    seq: Option<u64>,
    id: Option<String>,
    commands: Vec<String>,
}

fn parse<'a, T: Deserialize<'a>>(ran: &'a Ran) -> T {
    serde_json::from_str(&ran.stdout)
        .unwrap_or_else(|e| panic!("{e}: not the documented JSON:\n{}", ran.stdout))
}

// --- --json ------------------------------------------------------------------------------

#[test]
fn key_new_and_init_print_json() {
    let ran = Test::new()
        .args(["key", "new", "管理员", "--out", "a.key", "--json"])
        .stderr_empty()
        .run();
    let k: KeyDoc = parse(&ran);
    assert_eq!(k.name, "管理员");
    assert_eq!(k.secret_key, "a.key");
    assert_eq!(k.public_key, "a.key.pub");
    assert_eq!(k.public.len(), 64);
    assert_eq!(k.key_id.len(), 16);
    assert!(ran.path("a.key.pub").exists());
    let ran = ran
        .then()
        .args(["init", "l.jixiao", "--department", "某局", "--year", "2022"])
        .args(["--key", "a.key", "--json"])
        .run();
    let i: InitDoc = parse(&ran);
    assert_eq!(i.ledger, "l.jixiao");
    assert_eq!(i.ledger_id.len(), 32);
    assert_eq!(
        (i.department.as_str(), i.code.as_str(), i.year),
        ("某局", "", 2022)
    );
    assert_eq!(i.admin.name, "管理员");
    assert_eq!(i.admin.key_id, k.key_id);
    assert_eq!(i.head.seq, 1);
    assert_eq!(i.head.hash.len(), 64);
}

#[test]
fn appending_commands_print_json_with_the_score_change() {
    let ran = demo()
        .then()
        .args([
            "adjust",
            L,
            "mgmt.perf.targets",
            "−0.01",
            "--reason",
            "复核",
        ])
        .args(["--key", "d/evaluator.key", "--json"])
        .stderr_empty()
        .run();
    let a: AppendDoc = parse(&ran);
    assert_eq!(a.ledger, L);
    assert!(!a.dry_run);
    assert_eq!((a.events, a.first, a.last), (1, 159, 159));
    assert_eq!(a.head.as_ref().map(String::len), Some(64));
    assert_eq!(a.signed_by.name, "evaluator");
    assert!(a.replays && a.replay_error.is_none() && a.was_failing.is_none());
    assert!(a.description.is_none());
    let s = a.score.unwrap();
    assert_eq!(s.before.as_deref(), Some("99.96"));
    assert_eq!(s.after, "99.95");
    assert_eq!(s.change.as_deref(), Some("-0.01"));
    let leaf = s
        .nodes
        .iter()
        .find(|n| n.id == "mgmt.perf.targets")
        .unwrap();
    assert_eq!(
        (
            leaf.name.as_str(),
            leaf.before.as_str(),
            leaf.after.as_str(),
            leaf.change.as_str()
        ),
        ("绩效目标设置质量", "3.96", "3.95", "-0.01")
    );
    // acknowledge, correct and record print the same object.
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--reason",
            "口径不同",
        ])
        .args(["--key", "d/evaluator.key", "--json"])
        .run();
    let a: AppendDoc = parse(&ran);
    assert_eq!((a.first, a.last), (160, 160));
    assert_eq!(a.score.unwrap().change.as_deref(), Some("+0.00"));
    let ran = ran
        .then()
        .args(["correct", L, "159", "--value", "-0.02", "--reason", "复核"])
        .args(["--key", "d/evaluator.key", "--json"])
        .run();
    let a: AppendDoc = parse(&ran);
    assert_eq!(a.first, 161);
    assert_eq!(a.score.unwrap().after, "99.94");
    let ran = ran
        .then()
        .args([
            "record",
            "fact",
            L,
            "--fact-key",
            "docs.extra",
            "--name",
            "附加",
        ])
        .args([
            "--value",
            "１２",
            "--unit",
            "件",
            "--date",
            "2022年12月31日",
        ])
        .args(["--key", "d/recorder.key", "--json"])
        .run();
    let a: AppendDoc = parse(&ran);
    assert_eq!((a.first, a.signed_by.name.as_str()), (162, "recorder"));
}

#[test]
fn checkpoint_cosign_prove_and_check_proof_print_json() {
    let ran = demo()
        .then()
        .args([
            "checkpoint",
            L,
            "--key",
            "d/admin.key",
            "-o",
            "cp.txt",
            "--json",
        ])
        .run();
    let c: CheckpointDoc = parse(&ran);
    assert_eq!((c.ledger.as_str(), c.size), (L, 158));
    assert_eq!(c.root.len(), 64);
    assert_eq!(c.signed_by, "admin");
    assert_eq!(c.file.as_deref(), Some("cp.txt"));
    assert_eq!(
        std::fs::read_to_string(ran.path("cp.txt")).unwrap(),
        c.checkpoint
    );
    let ran = ran
        .then()
        .args(["cosign", "cp.txt", L, "--key", "d/auditor.key", "--json"])
        .run();
    let s: CosignDoc = parse(&ran);
    assert_eq!((s.file.as_str(), s.size, s.signatures), ("cp.txt", 158, 2));
    assert_eq!(s.root, c.root);
    assert_eq!(s.cosigned_by, "auditor");
    let ran = ran
        .then()
        .args([
            "prove",
            L,
            "100",
            "--checkpoint",
            "cp.txt",
            "-o",
            "p.json",
            "--json",
        ])
        .run();
    let p: ProveDoc = parse(&ran);
    assert_eq!((p.proof.as_str(), p.file.as_str()), ("inclusion", "p.json"));
    let ran = ran
        .then()
        .args([
            "check-proof",
            "p.json",
            "--trusted-key",
            "d/admin.key.pub",
            "--json",
        ])
        .run();
    let k: CheckDoc = parse(&ran);
    assert!(k.ok);
    assert_eq!(k.kind.as_deref(), Some("inclusion"));
    assert_eq!((k.seq, k.tree_size), (Some(100), Some(158)));
    let ran = ran
        .then()
        .args([
            "check-proof",
            "d/report.json",
            "--trusted-key",
            "d/admin.key.pub",
            "--json",
        ])
        .run();
    let k: CheckDoc = parse(&ran);
    assert_eq!(k.kind.as_deref(), Some("report"));
    assert!(k.values.unwrap() > 0);
}

#[test]
fn trace_diff_and_report_take_json_as_format_json() {
    let ran = demo().then().args(["trace", L, "mgmt", "--json"]).run();
    let t: serde_json::Value = parse(&ran);
    assert_eq!(t["root"]["id"], "mgmt");
    let ran = ran
        .then()
        .args(["diff", L, "--from", "21", "--to", "latest", "--json"])
        .run();
    let d: serde_json::Value = parse(&ran);
    assert!(d.is_object());
    let ran = ran.then().args(["report", L, "--json"]).run();
    let r: serde_json::Value = parse(&ran);
    assert!(r.is_object());
    ran.then()
        .args(["report", L, "--json", "--format", "html"])
        .status(2)
        .stderr_contains("--json asks for JSON but --format html")
        .run();
}

#[test]
fn demo_json_is_the_built_ledgers_verify_document_and_completions_refuse_json() {
    let ran = Test::new().args(["demo", "--json"]).stderr_empty().run();
    let v: VerifyDoc = parse(&ran);
    assert!(!v.ok && !v.ready);
    let b = &v.blockers[0];
    assert_eq!(
        (b.kind.as_str(), b.seq, b.id.as_deref()),
        ("finding", Some(137), Some("budget.growth_rate"))
    );
    assert!(
        b.commands[0].starts_with("jixiao acknowledge "),
        "{:?}",
        b.commands
    );
    en(ran.then())
        .args(["completions", "bash", "--json"])
        .status(2)
        .stderr_contains("--json: `completions` prints no result document")
        .run();
}
