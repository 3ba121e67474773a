//! The CLI in both of its languages: the main messages pinned in English (`LC_ALL=en_US.UTF-8`)
//! and in Chinese (`LC_ALL=zh_CN.UTF-8`, or `--lang zh`): a clap usage error, a `--help`
//! heading, a ledger that does not exist, a tampered ledger's verify failure, a spreadsheet's
//! bad row with its file:line, score's output, the first lines of `demo`, the text report's
//! method wording; and `import-form --json` read back with its own types.

mod common;

use common::{ENTRIES, Ran, Test, edit, get_u64, put_u64};
use serde::Deserialize;

const EN: &str = "en_US.UTF-8";
const ZH: &str = "zh_CN.UTF-8";
const L: &str = "d/conghua-2022.jixiao";

/// A run in language `lang` (the locale wins over any `LANG` of the machine).
fn in_lang(lang: &str) -> Test {
    Test::new().env("LC_ALL", lang)
}

fn demo(lang: &str) -> Ran {
    in_lang(lang).args(["demo", "--keep", "d"]).run()
}

#[test]
fn a_clap_usage_error_in_both_languages() {
    let en = in_lang(EN).args(["verify", "--bogus"]).status(2).run();
    for s in [
        "error: unexpected argument '--bogus' found",
        "Usage: jixiao verify [OPTIONS] <LEDGER> [MORE]...",
        "For more information, try '--help'.",
    ] {
        assert!(en.stderr.contains(s), "{s:?} not in\n{}", en.stderr);
    }
    for args in [
        vec!["verify", "--bogus"],
        vec!["--lang", "zh", "verify", "--bogus"],
    ] {
        let lang = if args[0] == "--lang" { EN } else { ZH };
        let zh = in_lang(lang).args(&args).status(2).run();
        for s in [
            "错误：无法识别的参数 '--bogus'",
            "提示：若要把 '--bogus' 作为值传入，请写作 '-- --bogus'",
            "用法：jixiao verify [OPTIONS] <LEDGER> [MORE]...",
            "更多信息请运行 '--help'。",
        ] {
            assert!(
                zh.stderr.contains(s),
                "{args:?}: {s:?} not in\n{}",
                zh.stderr
            );
        }
        assert!(!zh.stderr.contains("error:"), "{}", zh.stderr);
    }
    // A misspelt command names the one meant; a missing argument names it.
    let zh = in_lang(ZH).arg("verfy").status(2).run();
    assert!(
        zh.stderr.contains("错误：无法识别的子命令 'verfy'"),
        "{}",
        zh.stderr
    );
    assert!(
        zh.stderr.contains("提示：有相近的子命令：'verify'"),
        "{}",
        zh.stderr
    );
    let zh = in_lang(ZH).args(["init", "x.jixiao"]).status(2).run();
    assert!(
        zh.stderr.contains(
            "错误：缺少以下必需参数：--department <DEPARTMENT>、--year <YEAR>、--key <FILE>"
        ),
        "{}",
        zh.stderr
    );
    let en = in_lang(EN).args(["init", "x.jixiao"]).status(2).run();
    assert!(
        en.stderr
            .contains("error: the following required arguments were not provided:"),
        "{}",
        en.stderr
    );
}

#[test]
fn help_headings_and_texts_in_both_languages() {
    let en = in_lang(EN).args(["init", "--help"]).run();
    for s in [
        "Create a new ledger for one department and year",
        "Usage: jixiao init [OPTIONS] --department <DEPARTMENT> --year <YEAR> --key <FILE> <LEDGER>",
        "Arguments:",
        "Options:",
        "Department name, e.g. 广州市从化区人民政府办公室",
        "Print help",
    ] {
        assert!(en.stdout.contains(s), "{s:?} not in\n{}", en.stdout);
    }
    let zh = in_lang(ZH).args(["init", "--help"]).run();
    for s in [
        "为一个部门和年度新建台账；所用密钥成为首位管理员。",
        "用法：jixiao init [OPTIONS] --department <DEPARTMENT> --year <YEAR> --key <FILE> <LEDGER>",
        "参数:",
        "选项:",
        "部门名称，如 广州市从化区人民政府办公室",
        "预算年度",
        "显示帮助",
    ] {
        assert!(zh.stdout.contains(s), "{s:?} not in\n{}", zh.stdout);
    }
    // clap's brackets too: the environment variable, the default, the possible values.
    assert!(
        zh.stdout.contains("［环境变量：JIXIAO_KEY］"),
        "{}",
        zh.stdout
    );
    assert!(en.stdout.contains("[env: JIXIAO_KEY="), "{}", en.stdout);
    for s in [
        "Usage:",
        "Options:",
        "Department name",
        "Fiscal year",
        "[env:",
        "[default:",
    ] {
        assert!(!zh.stdout.contains(s), "{s:?} in\n{}", zh.stdout);
    }
    // The `help` subcommand clap adds has the catalogue's summary too.
    let top = in_lang(ZH).arg("--help").run();
    assert!(
        top.stdout
            .contains("help         显示本帮助，或所给子命令的帮助"),
        "{}",
        top.stdout
    );
    // A long help (several paragraphs in the source) is in Chinese too.
    let zh = in_lang(ZH).args(["check-proof", "--help"]).run();
    assert!(
        zh.stdout
            .contains("其检查点签名计入的公钥（可重复；至少一个）"),
        "{}",
        zh.stdout
    );
    let zh = in_lang(ZH).args(["verify", "--help"]).run();
    assert!(
        zh.stdout.contains(
            "多台账列表的输出格式（`--json` 即 `--format json`）［可选值：text、json、xlsx］"
        ),
        "{}",
        zh.stdout
    );
    assert!(!zh.stdout.contains("possible values"), "{}", zh.stdout);
    let zh = in_lang(ZH).args(["import", "--help"]).run();
    assert!(
        zh.stdout
            .contains("CSV 文件的编码（utf-8、gbk、utf-16le、utf-16be）；不给出时自动识别"),
        "{}",
        zh.stdout
    );
}

#[test]
fn a_ledger_that_does_not_exist_in_both_languages() {
    in_lang(EN)
        .args(["score", "missing.jixiao"])
        .status(2)
        .stderr_contains("error: missing.jixiao: no such ledger file; create one with `jixiao init missing.jixiao --department NAME --year YEAR --key ADMIN.key`")
        .run();
    in_lang(ZH)
        .args(["score", "missing.jixiao"])
        .status(2)
        .stderr_contains("错误：missing.jixiao：没有这个台账文件；可用 `jixiao init missing.jixiao --department 部门名称 --year 年度 --key ADMIN.key` 新建")
        .run();
}

#[test]
fn a_tampered_ledger_fails_verify_in_both_languages() {
    let ran = demo(EN);
    let path = ran.path(L);
    edit(&path, |txn| {
        let mut bytes = get_u64(txn, ENTRIES, 50);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        put_u64(txn, ENTRIES, 50, &bytes);
    });
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(["verify", L])
        .status(1)
        .stdout_contains("integrity FAILED at seq 50: ")
        .run();
    let en_line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("integrity FAILED"))
        .unwrap()
        .to_string();
    let ran = ran
        .then()
        .env("LC_ALL", ZH)
        .args(["verify", L])
        .status(1)
        .stdout_contains("完整性校验失败（第 50 条）：")
        .stdout_contains("未就绪")
        .run();
    let zh_line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("完整性校验失败"))
        .unwrap();
    // The same failure: its kind by its JSON name in English, with its Chinese words in zh.
    let kind = en_line
        .rsplit_once('(')
        .map(|(_, k)| k.trim_end_matches(')'))
        .unwrap();
    assert!(
        zh_line.ends_with(&format!(" {kind}）")),
        "{zh_line} / {en_line}"
    );
    assert!(zh_line.contains('（'), "{zh_line}");
}

#[test]
fn a_bad_spreadsheet_row_names_its_file_and_line_in_both_languages() {
    let ran = demo(EN);
    std::fs::write(
        ran.path("bad.csv"),
        "资金来源,支出类型,类型,金额,日期,事由\r\n一般公共预算,基本支出,支出,100,2022-03-01,ok\r\n一般公共预算,基本支出,支出,100,2022-13-01,x\r\n",
    )
    .unwrap();
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(["import", L, "bad.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("error: bad.csv:3:5: column `日期`: `2022-13-01` is not a date")
        .stderr_contains("bad.csv: 1 error(s) in 1 row(s); nothing was imported: fix them and import the file again")
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(["import", L, "bad.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("错误：bad.csv:3:5：列 `日期`：")
        .stderr_contains("bad.csv：1 行中有 1 处错误；未导入任何内容：请改正后重新导入")
        .run();
}

#[test]
fn score_output_in_both_languages() {
    let ran = demo(EN);
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(["score", L])
        .stdout_contains("99.96")
        .stdout_contains("findings (1 of 26 claims do not reproduce):")
        .stdout_contains(
            "(claim #137): stated 3.5%, recomputed 3.6% (exact 3.623161) — NOT acknowledged",
        )
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(["score", L])
        .stdout_contains("99.96")
        .stdout_contains("核对发现（26 项陈述中有 1 项无法复算）：")
        .stdout_contains("（陈述 #137）：报告数 3.5%，重算数 3.6%（精确值 3.623161）— 未确认")
        .stdout_lacks("findings (")
        .run();
}

#[test]
fn demo_begins_in_the_language_in_force() {
    let en = demo(EN);
    let first: Vec<&str> = en.stdout.lines().take(2).collect();
    assert_eq!(
        first[0],
        "== building the seed case: 广州市从化区人民政府办公室 2022 self-evaluation (fixtures/conghua-2022)"
    );
    assert!(
        first[1].contains("#1         by admin     "),
        "{}",
        first[1]
    );
    assert!(
        en.stdout
            .contains("integrity ok: 158 entries in 9 signed batches"),
        "{}",
        en.stdout
    );
    let zh = in_lang(ZH).arg("demo").run();
    let first: Vec<&str> = zh.stdout.lines().take(2).collect();
    assert_eq!(
        first[0],
        "== 构建示例案例：广州市从化区人民政府办公室 2022 年度绩效自评（fixtures/conghua-2022）"
    );
    assert!(
        first[1].contains("#1         签名 admin     "),
        "{}",
        first[1]
    );
    assert!(
        zh.stdout.contains("完整性通过：158 条记录，9 个签名批次"),
        "{}",
        zh.stdout
    );
    assert!(
        zh.stdout
            .contains("（运行 `jixiao demo --keep 目录` 可保留台账与密钥）"),
        "{}",
        zh.stdout
    );
}

#[test]
fn the_text_and_markdown_reports_word_the_method_in_the_reports_language() {
    let ran = demo(EN);
    let ran = ran
        .then()
        .args(["report", L, "--lang", "zh"])
        .stdout_contains("方法: 比率法(越高越好):实际值 ≥ 目标值 得满分")
        .stdout_lacks("ratio_higher: actual ≥ target")
        .run();
    let ran = ran
        .then()
        .args(["report", L, "--lang", "zh", "--format", "md"])
        .stdout_contains("比率法(越高越好):实际值 ≥ 目标值 得满分")
        .stdout_lacks("ratio_higher: actual ≥ target")
        .run();
    ran.then()
        .args(["report", L, "--lang", "en"])
        .stdout_contains("ratio_higher: actual ≥ target → weight")
        .stdout_lacks("比率法")
        .run();
}

/// `import-form --json` (docs/JSON.md, "appending commands"), as a reader would declare it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FormImport {
    ledger: String,
    dry_run: bool,
    description: Option<String>,
    events: u64,
    first: u64,
    last: u64,
    head: Option<String>,
    signed_by: serde_json::Value,
    replays: bool,
    replay_error: Option<String>,
    was_failing: Option<String>,
    score: Option<serde_json::Value>,
    form: FormRead,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormRead {
    file: String,
    sheet: String,
    targets: u64,
    values: u64,
    facts: u64,
    claims: u64,
}

#[test]
fn import_form_json_says_what_it_read_from_the_form() {
    let ran = demo(EN);
    let form = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/conghua-2022/自评表.xlsx")
        .display()
        .to_string();
    let ran = ran
        .then()
        .args(["import-form", L, &form, "--key", "d/recorder.key", "--json"])
        .run();
    let doc: FormImport = serde_json::from_str(&ran.stdout).unwrap();
    assert!(!doc.dry_run);
    assert_eq!(doc.form.file, form);
    assert_eq!(doc.form.sheet, "自评表");
    assert_eq!(
        (
            doc.form.targets,
            doc.form.values,
            doc.form.facts,
            doc.form.claims
        ),
        (13, 13, 2, 42)
    );
    assert_eq!(
        doc.form.targets + doc.form.values + doc.form.facts + doc.form.claims,
        doc.events
    );
    assert_eq!((doc.first, doc.last), (159, 228));
    assert_eq!(doc.head.as_deref().map(str::len), Some(64));
    assert!(doc.replays);
    // The other appending commands have no `form`.
    let adj = ran
        .then()
        .args([
            "acknowledge",
            L,
            "budget.growth_rate",
            "--reason",
            "stated from the rounded figures",
            "--key",
            "d/evaluator.key",
            "--json",
        ])
        .run();
    let v: serde_json::Value = serde_json::from_str(&adj.stdout).unwrap();
    assert!(v.get("form").is_none(), "{v}");
    assert_eq!(v["first"], 229);
}

#[test]
fn library_errors_word_themselves_in_both_languages() {
    let ran = demo(EN);
    std::fs::write(
        ran.path("bad.toml"),
        "format = \"jixiao-events/1\"\n[[event]]\nkind = \"nope\"\n",
    )
    .unwrap();
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(["import", L, "bad.toml", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains(
            "error: bad.toml:3:8: event #1: kind `nope` is not importable; use one of: ",
        )
        .run();
    let ran = ran
        .then()
        .env("LC_ALL", ZH)
        .args(["import", L, "bad.toml", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("错误：bad.toml:3:8：第 1 条事件：类型 `nope` 不可导入；可用：")
        .run();
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(["trace", L, "没有的节点"])
        .status(2)
        .stderr_contains("`没有的节点` is not a node of the rule set in force; give a node id or its Chinese name, e.g. mgmt or 管理效能")
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(["trace", L, "没有的节点"])
        .status(2)
        .stderr_contains("`没有的节点` 不是现行评分规则中的节点；请给出节点 ID 或其中文名称，如 mgmt 或 管理效能")
        .run();
}

#[test]
fn json_is_the_same_in_both_languages() {
    let ran = demo(EN);
    let mut outputs = Vec::new();
    let mut ran = Some(ran);
    for lang in [EN, ZH] {
        for args in [
            vec!["verify", L, "--json"],
            vec!["report", L, "--format", "json"],
            vec!["score", L, "--json"],
        ] {
            let r = ran
                .take()
                .unwrap()
                .then()
                .env("LC_ALL", lang)
                .args(&args)
                .status(if args[0] == "verify" { 1 } else { 0 })
                .run();
            outputs.push((lang, args[0], r.stdout.clone()));
            ran = Some(r);
        }
    }
    let (en, zh) = outputs.split_at(3);
    for (e, z) in en.iter().zip(zh) {
        assert_eq!(e.1, z.1);
        assert!(e.2.starts_with('{'), "{}", e.2);
        assert_eq!(
            e.2, z.2,
            "{} --json differs between {} and {}",
            e.1, e.0, z.0
        );
    }
    // An error of a command printing JSON is in English too, whatever the locale.
    ran.unwrap()
        .then()
        .env("LC_ALL", ZH)
        .args(["score", "missing.jixiao", "--json"])
        .status(2)
        .stderr_contains("error: missing.jixiao: no such ledger file")
        .run();
}
