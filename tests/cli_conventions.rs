//! The command line's conventions through the real binary: a quiet end on a closed pipe,
//! usage errors for a ledger argument that is not a ledger, completions and manual pages,
//! inputs as people type them, the closing "ready to submit" line of `verify`, and the main
//! messages and help in English and in Chinese (`--json` itself: tests/cli_json.rs).

mod common;

use common::{Ran, Test};
use serde::Deserialize;
use std::process::Stdio;

const L: &str = "d/conghua-2022.jixiao";

/// English messages whatever the machine's locale.
fn en(t: Test) -> Test {
    t.env("LC_ALL", "C.UTF-8")
}

/// Chinese messages through the locale.
fn zh(t: Test) -> Test {
    t.env("LC_ALL", "zh_CN.UTF-8")
}

/// The seed case kept in `d/` (158 entries, one unacknowledged finding).
fn demo() -> Ran {
    Test::new().args(["demo", "--keep", "d"]).run()
}

/// The part of an appending command's `--json` these tests read (all of it: tests/cli_json.rs).
#[derive(Debug, Deserialize)]
struct AppendDoc {
    first: u64,
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

// --- closed pipes and usage errors ---------------------------------------------------------

/// Runs `args` in `ran`'s directory with its standard output closed before anything is read.
fn closed_stdout(ran: &Ran, args: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(common::bin())
        .current_dir(ran.dir.path())
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let ran = demo();
    for args in [
        vec!["log", L],
        vec!["log", L, "--json"],
        vec!["verify", L],
        vec!["report", L],
        vec!["trace", L, "total"],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        let (code, stderr) = closed_stdout(&ran, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn swapped_arguments_a_csv_or_a_directory_as_ledger_are_usage_errors_naming_the_order() {
    let ran = demo();
    std::fs::write(
        ran.path("utf8.csv"),
        "资金性质,支出类型\n一般公共预算,基本支出\n",
    )
    .unwrap();
    let ran = en(ran.then())
        .args(["import", "utf8.csv", L, "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("utf8.csv: is an input file (CSV, TOML, …), not a jixiao ledger")
        .stderr_contains(
            "the ledger comes first (jixiao import [OPTIONS] --key <FILE> <LEDGER> <FILE>)",
        )
        .stderr_contains(&format!(
            "did you mean `jixiao import {L} utf8.csv --key d/recorder.key`?"
        ))
        .run();
    let ran = zh(ran.then())
        .args(["import", "utf8.csv", L, "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("错误：utf8.csv：是输入文件")
        .stderr_contains("台账应放在前面")
        .run();
    let ran = en(ran.then())
        .args(["verify", "utf8.csv"])
        .status(2)
        .stderr_contains(
            "give the ledger (made by `jixiao init`) where the command takes it: jixiao verify",
        )
        .run();
    // (`verify d` verifies every ledger in d: README "Many ledgers".)
    let ran = en(ran.then())
        .args(["score", "d"])
        .status(2)
        .stderr_contains("d: is a directory, not a ledger file")
        .stderr_contains("(here: d/conghua-2022.jixiao)")
        .run();
    zh(ran.then())
        .args(["log", "d"])
        .status(2)
        .stderr_contains("d：是目录，不是台账文件")
        .run();
}

// --- completions and man -------------------------------------------------------------------

#[test]
fn completions_for_each_shell_and_manual_pages_are_generated() {
    for (shell, marker, json) in [
        ("bash", "_jixiao()", "--json"),
        ("zsh", "#compdef jixiao", "--json"),
        ("fish", "complete -c jixiao", "-l json"),
        ("powershell", "Register-ArgumentCompleter", "--json"),
    ] {
        let ran = Test::new().args(["completions", shell]).run();
        assert!(ran.stdout.contains(marker), "{shell}: no {marker}");
        assert!(ran.stdout.contains("check-proof"), "{shell}: no subcommand");
        assert!(ran.stdout.contains(json), "{shell}: no --json");
    }
    Test::new()
        .args(["completions", "tcsh"])
        .status(2)
        .stderr_contains("possible values: bash")
        .run();
    let ran = en(Test::new()).args(["man"]).run();
    assert!(ran.stdout.contains(".TH jixiao 1"), "{}", ran.stdout);
    assert!(ran.stdout.contains("check\\-proof"));
    let ran = en(ran.then())
        .args(["man", "--out", "man"])
        .stdout_contains("manual pages to man")
        .run();
    let verify = std::fs::read_to_string(ran.path("man/jixiao-verify.1")).unwrap();
    assert!(
        verify.contains(".TH jixiao-verify 1  \"jixiao-verify 0.1.0\""),
        "{verify}"
    );
    assert!(verify.contains("\\-\\-checkpoint"), "{verify}");
    assert!(ran.path("man/jixiao-record-budget.1").exists());
    let ran = zh(ran.then()).args(["man"]).run();
    assert!(ran.stdout.contains("校验整本台账"));
}

// --- inputs as typed -----------------------------------------------------------------------

#[test]
fn amounts_numbers_and_kinds_are_read_as_typed_and_refusals_show_accepted_forms() {
    let ran = demo();
    let budget = |t: Test, kind: &str, amount: &str| {
        t.args(["record", "budget", L, "--key", "d/recorder.key"])
            .args([
                "--fund-source",
                "一般公共预算",
                "--expense-type",
                "基本支出",
            ])
            .args(["--kind", kind, "--amount", amount, "--date", "2022-12-30"])
            .args(["--reason", "补录", "--json"])
    };
    let ran = budget(ran.then(), "支出", "1,923.65万").run();
    let a: AppendDoc = parse(&ran);
    assert_eq!(a.first, 159);
    let ran = budget(ran.then(), "execution", "1.2万").run();
    let ran = budget(ran.then(), "支出", "１２００元").run();
    let log = ran.then().args(["log", L, "--json"]).run();
    let lines: Vec<serde_json::Value> = log
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v.get("seq").is_some())
        .collect();
    let summaries: Vec<&str> = lines[158..161]
        .iter()
        .map(|v| v["summary"].as_str().unwrap())
        .collect();
    assert!(summaries[0].contains("19236500.00"), "{summaries:?}");
    assert!(summaries[1].contains("12000.00"), "{summaries:?}");
    assert!(summaries[2].contains("1200.00"), "{summaries:?}");
    let ran = en(budget(log.then(), "执行数", "1"))
        .status(2)
        .stderr_contains("`执行数` is not a budget kind")
        .stderr_contains("支出 (execution")
        .stderr_contains("累计支出 (execution_cumulative")
        .run();
    let ran = en(budget(ran.then(), "支出", "1.2亿"))
        .status(2)
        .stderr_contains("--amount: `1.2亿` is not a number")
        .stderr_contains("1,923.65万")
        .run();
    let ran = en(ran.then())
        .args(["adjust", L, "mgmt.perf.targets", "3,5", "--reason", "x"])
        .args(["--key", "d/evaluator.key"])
        .status(2)
        .stderr_contains("e.g. -0.04")
        .run();
    zh(ran.then())
        .args(["adjust", L, "mgmt.perf.targets", "3,5", "--reason", "x"])
        .args(["--key", "d/evaluator.key"])
        .status(2)
        .stderr_contains("错误：--delta: `3,5` 不是数字")
        .stderr_contains("如 -0.04")
        .run();
}

#[test]
fn trace_takes_a_node_chinese_name() {
    let ran = demo().then().args(["trace", L, "管理效能", "--json"]).run();
    let t: serde_json::Value = parse(&ran);
    assert_eq!(t["root"]["id"], "mgmt");
    en(ran.then())
        .args(["trace", L, "管理"])
        .status(2)
        .stderr_contains("`管理` is not a node of the rule set in force")
        .stderr_contains("mgmt or 管理效能")
        .run();
}

// --- ready to submit -----------------------------------------------------------------------

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

#[test]
fn verify_ends_with_whether_the_ledger_is_ready_and_the_command_that_resolves_each_blocker() {
    let ran = en(demo().then()).args(["verify", L]).status(1).run();
    assert!(
        last_line(&ran.stdout)
            .starts_with("not ready to submit (未就绪): 1 thing(s) above block it"),
        "{}",
        ran.stdout
    );
    let ack = format!(
        "run: jixiao acknowledge {L} budget.growth_rate --reason REASON --key EVALUATOR.key"
    );
    assert!(ran.stdout.contains(&ack), "{}", ran.stdout);
    assert!(ran.stdout.contains(&format!(
        "or:  jixiao correct {L} 137 --value 3.6 --reason REASON --key RECORDER.key"
    )));
    let ran = zh(ran.then()).args(["verify", L]).status(1).run();
    assert!(
        last_line(&ran.stdout).starts_with("未就绪：上面列出 1 项待处理"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("完整性通过：158 条记录"),
        "{}",
        ran.stdout
    );
    let ran = ran.then().args(["verify", L, "--json"]).status(1).run();
    let v: VerifyDoc = parse(&ran);
    assert!(!v.ok && !v.ready);
    assert_eq!(v.blockers.len(), 1);
    let b = &v.blockers[0];
    assert_eq!(
        (b.kind.as_str(), b.seq, b.id.as_deref()),
        ("finding", Some(137), Some("budget.growth_rate"))
    );
    assert_eq!(b.commands.len(), 2);
    // Run the first command given, with a reason: the ledger becomes ready.
    let cmd = b.commands[0]
        .replace("REASON", "口径差异")
        .replace("EVALUATOR.key", "d/evaluator.key");
    let argv: Vec<&str> = cmd.split(' ').skip(1).collect();
    let ran = ran.then().args(argv).run();
    let ran = en(ran.then()).args(["verify", L]).run();
    assert!(
        last_line(&ran.stdout).starts_with("ready to submit (就绪)"),
        "{}",
        ran.stdout
    );
    let ran = zh(ran.then()).args(["verify", L]).run();
    assert!(
        last_line(&ran.stdout).starts_with("就绪："),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_value_not_recorded_blocks_first_with_the_record_command() {
    let ran = demo()
        .then()
        .args(["correct", L, "27", "--retract", "--reason", "复核"])
        .args(["--key", "d/recorder.key"])
        .run();
    let ran = en(ran.then()).args(["verify", L]).status(1).run();
    let blocks: Vec<&str> = ran
        .stdout
        .lines()
        .skip_while(|l| *l != "to resolve before submitting:")
        .collect();
    assert_eq!(
        blocks.get(1).copied(),
        Some(
            "  - indicator perf.output.quantity.events has no recorded value (it scores 0): record it"
        ),
        "{}",
        ran.stdout
    );
    assert_eq!(
        blocks.get(2).copied(),
        Some(
            "      run: jixiao record value d/conghua-2022.jixiao --indicator perf.output.quantity.events --value VALUE --date DATE --key RECORDER.key"
        )
    );
    let ran = zh(ran.then()).args(["verify", L]).status(1).run();
    assert!(
        ran.stdout
            .contains("指标 perf.output.quantity.events 尚无录入值（按 0 分计）：请录入"),
        "{}",
        ran.stdout
    );
    // Recording it, as the command says, resolves it.
    let ran = ran
        .then()
        .args([
            "record",
            "value",
            L,
            "--indicator",
            "perf.output.quantity.events",
        ])
        .args([
            "--value",
            "100",
            "--date",
            "2022-12-31",
            "--key",
            "d/recorder.key",
        ])
        .stdout_contains("score 93.96 → 99.96 (+6.00)")
        .run();
    en(ran.then())
        .args(["verify", L])
        .status(1)
        .stdout_lacks("has no recorded value")
        .stdout_contains("not ready to submit (未就绪): 1 thing(s) above block it")
        .run();
}

// --- Chinese first -------------------------------------------------------------------------

#[test]
fn help_and_messages_follow_the_locale_and_lang_overrides_it() {
    let ran = zh(Test::new())
        .args(["verify", "--help"])
        .stdout_contains("用法：jixiao verify")
        .stdout_contains("校验整本台账")
        .stdout_contains("显示帮助")
        .run();
    let ran = en(ran.then())
        .args(["verify", "--help"])
        .stdout_contains("Usage: jixiao verify")
        .stdout_contains("ready to submit")
        .stdout_lacks("用法")
        .run();
    let ran = en(ran.then())
        .args(["--lang", "zh", "--help"])
        .stdout_contains("命令")
        .stdout_contains("部门整体支出绩效自评")
        .run();
    let ran = zh(ran.then())
        .args(["log", "none.jixiao", "--lang", "en"])
        .status(2)
        .stderr_contains("error: none.jixiao: no such ledger file")
        .run();
    let ran = zh(ran.then())
        .args(["log", "none.jixiao"])
        .status(2)
        .stderr_contains("错误：none.jixiao：没有这个台账文件")
        .run();
    en(ran.then())
        .args(["log", "x", "--lang", "fr"])
        .status(2)
        .stderr_contains("--lang fr: unknown language; use zh or en")
        .run();
}

#[test]
fn appends_and_key_messages_in_both_languages() {
    let ran = en(Test::new())
        .args(["key", "new", "a", "--out", "a.key"])
        .stdout_contains("secret key: a.key (keep it private)")
        .run();
    let ran = zh(ran.then())
        .args(["key", "new", "b", "--out", "b.key"])
        .stdout_contains("私钥：  b.key（请妥善保管，勿外传）")
        .run();
    let ran = zh(ran.then())
        .args([
            "init",
            "l.jixiao",
            "--department",
            "某局",
            "--year",
            "2022",
            "--key",
            "a.key",
        ])
        .stdout_contains("已创建 l.jixiao")
        .run();
    let ran = en(ran.then())
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "a.key",
            "--public-key",
            "b.key.pub",
        ])
        .args(["--name", "b", "--role", "recorder"])
        .stdout_contains("appended #2·")
        .stdout_contains("signed by a")
        .run();
    zh(ran.then())
        .args([
            "grant",
            "l.jixiao",
            "--key",
            "a.key",
            "--public-key",
            "b.key.pub",
        ])
        .args(["--name", "b", "--role", "evaluator"])
        .stdout_contains("已追加 #3·")
        .stdout_contains("由 a 签名")
        .run();
}
