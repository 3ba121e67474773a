//! Recording, recomputation and findings through the real binary, on the seed case
//! (`demo --keep`): every refused input says what, where and what to do, and appends nothing;
//! every accepted one changes exactly what it should.

mod common;

use common::{ENTRIES, Ran, Test, edit, get_u64, put_u64};
use jixiao::ledger::Ledger;

/// The seed ledger, relative to the working directory of every run.
const L: &str = "d/conghua-2022.jixiao";

/// Builds the seed case (158 entries) in a fresh directory, keeping ledger, keys and fixture
/// under `d/`.
fn demo() -> Ran {
    let ran = Test::new().args(["demo", "--keep", "d"]).run();
    assert_eq!(size(&ran), 158);
    ran
}

/// Number of entries in the seed ledger.
fn size(ran: &Ran) -> u64 {
    Ledger::open_read(&ran.path(L))
        .unwrap()
        .head()
        .unwrap()
        .size
}

/// Writes an import file (with the format line) into the working directory.
fn write_events(ran: &Ran, name: &str, events: &str) {
    let text = format!("format = \"jixiao-events/1\"\n\n{events}");
    std::fs::write(ran.path(name), text).unwrap();
}

/// `import FILE --key KEY` expected to be refused with exit 2 and `wants` in the message;
/// asserts that nothing was appended.
fn refused_import(ran: Ran, file: &str, key: &str, wants: &[&str]) -> Ran {
    let before = size(&ran);
    let mut t = ran.then().args(["import", L, file, "--key", key]).status(2);
    for w in wants {
        t = t.stderr_contains(w);
    }
    let ran = t.run();
    assert_eq!(size(&ran), before, "import of {file} appended entries");
    ran
}

/// The line of `score` output for the indicator named `name`.
fn line_of<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no line for {name} in\n{out}"))
}

const VALUE_UNKNOWN: &str = r#"[[event]]
kind = "value"
indicator = "perf.output.no_such"
value = "1"
date = "2022-12-31"
"#;

const AMOUNT_3_DECIMALS: &str = r#"[[event]]
kind = "budget"
fund_source = "一般公共预算"
expense_type = "基本支出"
budget_kind = "execution"
amount = "1.234"
date = "2022-05-01"
reason = "执行数"
"#;

const DATE_2023: &str = r#"[[event]]
kind = "value"
indicator = "perf.output.quality.archive_loss"
value = "0"
date = "2023-01-05"
"#;

const NEGATIVE_EXECUTION: &str = r#"[[event]]
kind = "budget"
fund_source = "一般公共预算"
expense_type = "基本支出"
budget_kind = "execution"
amount = "-100.00"
date = "2022-05-01"
reason = "执行数"
"#;

const ADJUSTMENT_NO_DOCUMENT: &str = r#"[[event]]
kind = "budget"
fund_source = "一般公共预算"
expense_type = "基本支出"
budget_kind = "adjust_add"
amount = "100.00"
date = "2022-05-01"
reason = "追加"
"#;

const UNKNOWN_KIND: &str = r#"[[event]]
kind = "frobnicate"
value = "1"
"#;

const SCORE_ADJUSTMENT: &str = r#"[[event]]
kind = "adjustment"
node = "mgmt.perf.targets"
delta = "-0.04"
reason = "绩效目标仍不够清晰"
basis = "自评报告 三"
"#;

#[test]
fn import_refuses_bad_input_with_file_line_and_appends_nothing() {
    let ran = demo();
    write_events(&ran, "unknown.toml", VALUE_UNKNOWN);
    let ran = refused_import(
        ran,
        "unknown.toml",
        "d/recorder.key",
        &[
            "unknown.toml:3: event #1 (value)",
            "field `indicator`",
            "`perf.output.no_such` is not an indicator of the rule set in force",
            "perf.output.quality.archive_loss",
            "nothing was appended",
        ],
    );
    write_events(&ran, "decimals.toml", AMOUNT_3_DECIMALS);
    let ran = refused_import(
        ran,
        "decimals.toml",
        "d/recorder.key",
        &[
            "decimals.toml:8:",
            "`amount`",
            "more than 2 decimals",
            "round it",
        ],
    );
    write_events(&ran, "date.toml", DATE_2023);
    let ran = refused_import(
        ran,
        "date.toml",
        "d/recorder.key",
        &[
            "date.toml:7:",
            "`date`",
            "outside fiscal year 2022",
            "2022-01-01..2022-12-31",
        ],
    );
    write_events(&ran, "negative.toml", NEGATIVE_EXECUTION);
    let ran = refused_import(
        ran,
        "negative.toml",
        "d/recorder.key",
        &["negative.toml:8:", "negative", "execution", "correction"],
    );
    write_events(&ran, "nodoc.toml", ADJUSTMENT_NO_DOCUMENT);
    let ran = refused_import(
        ran,
        "nodoc.toml",
        "d/recorder.key",
        &["nodoc.toml:3:", "adjust_add", "document", "批文号"],
    );
    write_events(&ran, "kind.toml", UNKNOWN_KIND);
    let ran = refused_import(
        ran,
        "kind.toml",
        "d/recorder.key",
        &["kind.toml:4:", "`frobnicate`", "use one of", "claim"],
    );

    // A rule set whose level-1 weights add up to 102 under a total of 100.
    let rules = std::fs::read_to_string(ran.path("d/conghua-2022/rules.toml")).unwrap();
    let bad = rules.replacen("weight = 50\n", "weight = 52\n", 1);
    assert_ne!(bad, rules);
    let total_weight_line = 1 + bad
        .lines()
        .position(|l| l == "weight = 100")
        .expect("the total's weight line");
    std::fs::write(ran.path("badrules.toml"), bad).unwrap();
    write_events(
        &ran,
        "rules.toml",
        "[[event]]\nkind = \"rule_set\"\nfile = \"badrules.toml\"\n",
    );
    let ran = refused_import(
        ran,
        "rules.toml",
        "d/admin.key",
        &[
            &format!(
                "rules.toml:3: event #1 (rule_set): badrules.toml: line {total_weight_line}, column 10:"
            ),
            "add up to 102",
            "`total` has weight 100",
            "nothing was appended",
        ],
    );

    // The recorder may not import a score adjustment; the message says how to grant the role.
    write_events(&ran, "adjust.toml", SCORE_ADJUSTMENT);
    let ran = refused_import(
        ran,
        "adjust.toml",
        "d/recorder.key",
        &[
            "adjust.toml:3: event #1: key ",
            "lacks the evaluator role",
            "jixiao grant",
            "--role evaluator",
            "nothing was appended",
        ],
    );

    // The evaluator may; a dry run shows the impact and writes nothing.
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "adjust.toml",
            "--key",
            "d/evaluator.key",
            "--dry-run",
        ])
        .stdout_contains("dry run: 1 event(s) would be appended as #159..#159")
        .stdout_contains("nothing written")
        .stdout_contains("score 99.96 → 99.92 (-0.04)")
        .stdout_contains("mgmt.perf.targets 绩效目标设置质量: 3.96 → 3.92 (-0.04)")
        .run();
    assert_eq!(size(&ran), 158);
    let ran = ran
        .then()
        .args(["import", L, "adjust.toml", "--key", "d/evaluator.key"])
        .stdout_contains("appended #159")
        .stdout_contains("score 99.96 → 99.92 (-0.04)")
        .run();
    assert_eq!(size(&ran), 159);
    ran.then()
        .args(["score", L])
        .stdout_contains("总分 total 99.92")
        .run();
}

#[test]
fn record_adjust_acknowledge_and_correct_work_with_the_right_keys_only() {
    let ran = demo();
    std::fs::write(ran.path("台账.txt"), "2022 年档案台账\n").unwrap();
    let rk = ["--key", "d/recorder.key"];
    let steps: Vec<Vec<&str>> = vec![
        vec![
            "record",
            "value",
            L,
            "--indicator",
            "perf.output.quantity.archive",
            "--value",
            "100",
            "--date",
            "2022-12-31",
        ],
        vec![
            "record",
            "fact",
            L,
            "--fact-key",
            "archive.boxes",
            "--name",
            "档案盒",
            "--value",
            "120",
            "--unit",
            "盒",
            "--date",
            "2022-12-31",
            "--source",
            "二(二)",
        ],
        vec![
            "record",
            "claim",
            L,
            "--id",
            "fact.archive.boxes",
            "--subject",
            "fact.archive.boxes",
            "--value",
            "120",
            "--unit",
            "盒",
            "--text",
            "档案盒 120 盒",
            "--section",
            "二(二)",
        ],
        vec![
            "record",
            "budget",
            L,
            "--fund-source",
            "一般公共预算",
            "--expense-type",
            "基本支出",
            "--kind",
            "adjust_add",
            "--amount",
            "10000.00",
            "--date",
            "2022-07-01",
            "--document",
            "从府办〔2022〕99号",
            "--reason",
            "追加",
        ],
        vec![
            "record",
            "target",
            L,
            "--indicator",
            "perf.output.quantity.events",
            "--name",
            "大型会议和重大活动的组织完成率",
            "--direction",
            ">=",
            "--unit",
            "%",
            "--target",
            "100",
            "--date",
            "2022-01-01",
        ],
        vec![
            "record",
            "staffing",
            L,
            "--category",
            "工勤",
            "--establishment",
            "3",
            "--actual",
            "2",
            "--retired",
            "0",
            "--date",
            "2022-12-31",
        ],
        vec![
            "record",
            "evidence",
            L,
            "台账.txt",
            "--description",
            "档案台账",
        ],
    ];
    let mut ran = ran;
    for (i, step) in steps.iter().enumerate() {
        let seq = 159 + i as u64;
        // The evaluator holds no recorder role: refused, nothing written.
        ran = ran
            .then()
            .args(step)
            .args(["--key", "d/evaluator.key"])
            .status(2)
            .stderr_contains("lacks the recorder role")
            .stderr_contains("--role recorder")
            .run();
        assert_eq!(size(&ran), seq - 1, "{step:?}");
        ran = ran
            .then()
            .args(step)
            .args(rk)
            .stdout_contains(&format!("appended #{seq}"))
            .stdout_contains("signed by recorder")
            .run();
        assert_eq!(size(&ran), seq, "{step:?}");
    }
    let log = ran.then().args(["log", L]).run();
    for want in [
        "value perf.output.quantity.archive = 100",
        "archive.boxes",
        "台账.txt",
        "工勤",
    ] {
        assert!(
            log.stdout.contains(want),
            "log lacks {want}\n{}",
            log.stdout
        );
    }

    // adjust: evaluator only.
    let ran = log
        .then()
        .args([
            "adjust",
            L,
            "mgmt.fin.rules",
            "-0.5",
            "--key",
            "d/recorder.key",
        ])
        .args(["--reason", "制度未更新"])
        .status(2)
        .stderr_contains("lacks the evaluator role")
        .run();
    assert_eq!(size(&ran), 165);
    let ran = ran
        .then()
        .args([
            "adjust",
            L,
            "mgmt.fin.rules",
            "-0.5",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "制度未更新", "--basis", "评分细则"])
        .stdout_contains("appended #166")
        .stdout_contains("mgmt.fin.rules 财务管理制度健全性: 4.00 → 3.50 (-0.50)")
        .run();
    let ran = ran
        .then()
        .args([
            "adjust",
            L,
            "mgmt.no_such",
            "-0.5",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "x"])
        .status(2)
        .stderr_contains("mgmt.no_such")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(size(&ran), 166);

    // acknowledge: evaluator only.
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--key",
            "d/recorder.key",
        ])
        .args(["--reason", "口径差异"])
        .status(2)
        .stderr_contains("lacks the evaluator role")
        .run();
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "口径差异"])
        .stdout_contains("appended #167")
        .run();

    // correct: the role of the superseded entry's kind (recorder for a fact).
    let ran = ran
        .then()
        .args([
            "correct",
            L,
            "160",
            "--value",
            "121",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "复核"])
        .status(2)
        .stderr_contains("recorder")
        .run();
    assert_eq!(size(&ran), 167);
    let ran = ran
        .then()
        .args([
            "correct",
            L,
            "160",
            "--value",
            "121",
            "--key",
            "d/recorder.key",
        ])
        .args(["--reason", "复核后为 121 盒"])
        .stdout_contains("appended #168")
        .run();
    // The claim of 120 boxes no longer reproduces.
    ran.then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("fact.archive.boxes")
        .stdout_contains("stated 120盒, recomputed 121盒")
        .stdout_contains("6 finding(s), 5 unacknowledged")
        .run();
}

#[test]
fn a_wrong_claim_is_a_second_finding_until_acknowledged() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["record", "claim", L, "--key", "d/recorder.key"])
        .args([
            "--id",
            "meetings.total",
            "--subject",
            "derived.meetings.total",
        ])
        .args([
            "--value",
            "1588",
            "--unit",
            "场次",
            "--text",
            "会议保障 1588 场次",
        ])
        .args(["--section", "二(一)"])
        .stdout_contains("appended #159")
        .stdout_contains("score unchanged: 99.96")
        .run();
    let ran = ran
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("27 claims checked, 2 finding(s), 2 unacknowledged")
        .stdout_contains("meetings.total [二(一)] «会议保障 1588 场次» (claim #159)")
        .stdout_contains("stated 1588场次, recomputed 1587场次")
        .stdout_contains("budget.growth_rate")
        .run();
    let ran = ran.then().args(["verify", L, "--json"]).status(1).run();
    let doc: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["integrity"]["ok"], true);
    let findings = doc["recompute"]["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["budget.growth_rate", "meetings.total"]);
    assert_eq!(findings[1]["stated"], "1588");
    assert_eq!(findings[1]["recomputed"], "1587");
    assert_eq!(findings[1]["claim_seq"], 159);
    assert!(findings.iter().all(|f| f["acknowledged"].is_null()));

    // Acknowledging one leaves the other open.
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "上年数为推算"])
        .stdout_contains("appended #160")
        .run();
    let ran = ran
        .then()
        .args(["verify", L])
        .status(1)
        .stdout_contains("2 finding(s), 1 unacknowledged")
        .stdout_contains("acknowledged #160: 上年数为推算")
        .run();
    // A finding id with no claim behind it.
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "no.such.claim",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "x"])
        .status(2)
        .stderr_contains("no claim `no.such.claim` is recorded")
        .stderr_contains("as `verify` lists it")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(size(&ran), 160);
    let ran = ran
        .then()
        .args([
            "acknowledge",
            L,
            "meetings.total",
            "--key",
            "d/evaluator.key",
        ])
        .args(["--reason", "含线上会议"])
        .stdout_contains("appended #161")
        .run();
    // Every finding acknowledged: exit 0, and both are still listed, marked.
    let ran = ran
        .then()
        .args(["verify", L])
        .stdout_contains("2 finding(s), 0 unacknowledged")
        .stdout_contains("acknowledged #160: 上年数为推算")
        .stdout_contains("acknowledged #161: 含线上会议")
        .stdout_lacks("NOT acknowledged")
        .run();
    let ran = ran
        .then()
        .args(["score", L])
        .stdout_contains("budget.growth_rate")
        .stdout_contains("meetings.total")
        .stdout_contains("acknowledged #161")
        .run();
    let ran = ran.then().args(["verify", L, "--json"]).run();
    let doc: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    let findings = doc["recompute"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings.iter().all(|f| !f["acknowledged"].is_null()));
}

#[test]
fn a_correction_changes_the_score_and_the_trail_keeps_both() {
    let ran = demo();
    // The seed's 档案丢失 value is #30.
    let ran = ran.then().args(["log", L]).run();
    let line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("#30 "))
        .unwrap()
        .to_string();
    assert!(
        line.contains("value perf.output.quality.archive_loss = 0"),
        "{line}"
    );
    // zero_tolerance, weight 6, deduct_per 2: one lost file scores 6 − 2 = 4.00, so 质量 12 → 10,
    // 产出 30 → 28, 履职效能 50 → 48, total 99.96 → 97.96, still 优 (min 90).
    let ran = ran
        .then()
        .args([
            "correct",
            L,
            "30",
            "--value",
            "1",
            "--key",
            "d/recorder.key",
        ])
        .args(["--reason", "年末盘点发现丢失 1 份"])
        .stdout_contains("appended #159")
        .stdout_contains("score 99.96 → 97.96 (-2.00)")
        .stdout_contains("perf.output.quality.archive_loss 档案丢失: 6.00 → 4.00 (-2.00)")
        .run();
    let ran = ran.then().args(["score", L]).status(0).run();
    let out = &ran.stdout;
    let loss = line_of(out, "档案丢失");
    assert!(loss.contains(" 1 ") && loss.contains("4.00"), "{loss}");
    assert!(loss.contains("#30,#159"), "{loss}");
    assert!(line_of(out, "质量").contains("10.00"));
    assert!(line_of(out, "产出").contains("28.00"));
    assert!(line_of(out, "履职效能").contains("48.00"));
    assert!(out.contains("总分 total 97.96  等级 优"), "{out}");
    // The report's own figures (total 99.96, 履职效能 50, 档案丢失 0) now disagree.
    assert!(out.contains("score.total"), "{out}");
    assert!(out.contains("stated 99.96分, recomputed 97.96分"), "{out}");

    let ran = ran
        .then()
        .args(["score", L, "--as-of", "158"])
        .stdout_contains("总分 total 99.96  等级 优")
        .run();
    assert!(line_of(&ran.stdout, "档案丢失").contains("6.00"));
    let ran = ran.then().args(["score", L, "--json"]).run();
    let doc: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(doc["total"], "97.96");
    ran.then()
        .args(["log", L])
        .stdout_contains("value perf.output.quality.archive_loss = 0 on 2022-12-31")
        .stdout_contains(
            "correct #30: 年末盘点发现丢失 1 份 → value perf.output.quality.archive_loss = 1",
        )
        .run();
}

#[test]
fn mid_year_view_and_json_score() {
    let ran = demo();
    let ran = ran
        .then()
        .args(["score", L, "--as-of", "2022-06-30"])
        .stdout_contains("未录入")
        .stdout_contains("总分 total 11.00")
        .stdout_contains("partial")
        .stdout_contains("no grade")
        .run();
    assert!(line_of(&ran.stdout, "档案丢失").contains("未录入"));
    assert!(line_of(&ran.stdout, "绩效运行监控").contains("3.00"));
    let ran = ran.then().args(["score", L, "--json"]).run();
    let doc: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(doc["total"], "99.96");
    assert_eq!(doc["grade"]["name"], "优");
    assert_eq!(doc["last_seq"], 158);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["id"], "budget.growth_rate");
    let ran = ran
        .then()
        .args(["score", L, "--as-of", "2022-13-01"])
        .status(2)
        .stderr_contains("--as-of 2022-13-01")
        .stderr_contains("YYYY-MM-DD")
        .run();
    assert_eq!(size(&ran), 158);
}

#[test]
fn a_tampered_ledger_is_refused_by_score_and_import() {
    let ran = demo();
    write_events(&ran, "adjust.toml", SCORE_ADJUSTMENT);
    edit(&ran.path(L), |txn| {
        let mut bytes = get_u64(txn, ENTRIES, 50);
        let last = bytes.len() - 1;
        bytes[last / 2] ^= 0x01;
        put_u64(txn, ENTRIES, 50, &bytes);
    });
    let ran = ran
        .then()
        .args(["score", L])
        .status(1)
        .stderr_contains("integrity check failed at seq 50")
        .stderr_contains("the entry or its hash was changed")
        .stderr_contains("no scores are shown")
        .run();
    let ran = ran
        .then()
        .args(["import", L, "adjust.toml", "--key", "d/evaluator.key"])
        .status(1)
        .stderr_contains("fails verification at seq 50")
        .stderr_contains("nothing was appended")
        .run();
    assert_eq!(size(&ran), 158);
}

#[test]
fn a_reader_that_leaves_early_gets_no_panic() {
    let ran = demo();
    let mut child = std::process::Command::new(common::bin())
        .current_dir(ran.dir.path())
        .args(["score", L])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the scorecard (verified and recomputed first) is printed.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}
