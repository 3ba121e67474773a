//! `jixiao import` of spreadsheets through the real binary, on the seed case (`demo --keep`):
//! a clerk's GBK CSV and an xlsx import in one run with the summary of how they were read,
//! a wrong 合计 or bad rows are refused with every fault and nothing appended, and the seed
//! still scores 99.96.

mod common;

use common::{Ran, Test};
use jixiao::ledger::Ledger;
use std::path::Path;

const L: &str = "d/conghua-2022.jixiao";

fn demo() -> Ran {
    let ran = Test::new().args(["demo", "--keep", "d"]).run();
    assert_eq!(size(&ran), 158);
    ran
}

fn size(ran: &Ran) -> u64 {
    Ledger::open_read(&ran.path(L))
        .unwrap()
        .head()
        .unwrap()
        .size
}

/// Copies fixtures/import/NAME into the run's directory.
fn copy(ran: &Ran, name: &str) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name);
    std::fs::copy(from, ran.path(name)).unwrap();
}

#[test]
fn a_clerks_gbk_export_imports_in_one_run_and_the_seed_still_scores() {
    let ran = demo();
    copy(&ran, "clerk-gbk.csv");
    let ran = ran
        .then()
        .args(["import", L, "clerk-gbk.csv", "--key", "d/recorder.key", "--dry-run"])
        .stdout_contains("clerk-gbk.csv: GBK/GB18030 (detected), CRLF line ends, comma-separated; header at clerk-gbk.csv:2:1")
        .stdout_contains("序号 → ignored (not a known column)")
        .stdout_contains("金额（元） → amount, in 元")
        .stdout_contains("every row is 支出 (execution)")
        .stdout_contains("1: above the header (2022年支出明细表)")
        .stdout_contains("13: 合计 431,440.00 元 = the sum of the 10 row(s) above; checked, not imported")
        .stdout_contains("clerk-gbk.csv:3:1: budget 支出 一般公共预算/人员经费 2022-01-18 186,420.00 元 \"1月工资发放\"")
        .stdout_contains("dry run: 10 event(s) would be appended as #159..#168")
        .stdout_contains("99.96")
        .run();
    assert_eq!(size(&ran), 158, "a dry run wrote");
    let ran = ran
        .then()
        .args(["import", L, "clerk-gbk.csv", "--key", "d/recorder.key"])
        .stdout_contains("appended #159..#168 (10 entries)")
        .stdout_lacks("first rows as events")
        .run();
    assert_eq!(size(&ran), 168);
    // Payments on the basic and project lines change no indicator of the seed's scoring.
    ran.then().args(["score", L]).stdout_contains("99.96").run();
}

#[test]
fn an_xlsx_imports_and_names_its_cells() {
    let ran = demo();
    copy(&ran, "clerk-openpyxl.xlsx");
    copy(&ran, "clerk-libreoffice.ods");
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-openpyxl.xlsx",
            "--key",
            "d/recorder.key",
            "--dry-run",
        ])
        .stdout_contains("header at clerk-openpyxl.xlsx:2022年支出明细!A2")
        .stdout_contains("      H 金额（元） → amount, in 元")
        .stdout_contains("clerk-openpyxl.xlsx:2022年支出明细!A3: budget 支出")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-openpyxl.xlsx",
            "--key",
            "d/recorder.key",
            "--sheet",
            "汇总",
        ])
        .status(2)
        .stderr_contains(
            "clerk-openpyxl.xlsx: has no sheet `汇总`; its sheets are: 2022年支出明细, 说明",
        )
        .run();
    // A refusal by the ledger names the row's first cell.
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-openpyxl.xlsx",
            "--key",
            "d/evaluator.key",
        ])
        .status(2)
        .stderr_contains("clerk-openpyxl.xlsx:2022年支出明细!A3: event #1:")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-libreoffice.ods",
            "--key",
            "d/recorder.key",
        ])
        .stdout_contains("appended #159..#168")
        .run();
    assert_eq!(size(&ran), 168);
}

#[test]
fn a_wrong_total_and_bad_rows_are_refused_whole_with_every_fault() {
    let ran = demo();
    copy(&ran, "clerk-wrong-total.csv");
    copy(&ran, "clerk-bad-rows.csv");
    let ran = ran
        .then()
        .args(["import", L, "clerk-wrong-total.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("clerk-wrong-total.csv:13:8: column `合计`: the 合计 row says 431,400.00 元 but the 10 row(s) above it sum to 431,440.00 元")
        .run();
    let ran = ran
        .then()
        .args(["import", L, "clerk-bad-rows.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("clerk-bad-rows.csv:4:2: column `日期`")
        .stderr_contains("clerk-bad-rows.csv:6:8: column `金额（元）`")
        .stderr_contains("clerk-bad-rows.csv:8:5: column `资金来源`")
        .stderr_contains("3 error(s) in 3 row(s); nothing was imported")
        .run();
    assert_eq!(size(&ran), 158);
}

#[test]
fn crlf_line_numbers_are_the_lines_an_editor_shows() {
    let ran = demo();
    std::fs::write(
        ran.path("first_bad.csv"),
        "资金来源,支出类型,类型,金额,日期,事由\r\n一般公共预算,基本支出,支出,100,2022-13-01,x\r\n",
    )
    .unwrap();
    let ran = ran
        .then()
        .args(["import", L, "first_bad.csv", "--key", "d/recorder.key"])
        .status(2)
        .stderr_contains("first_bad.csv:2:5: column `日期`: `2022-13-01` is not a date")
        .run();
    assert_eq!(size(&ran), 158);
}

#[test]
fn spreadsheet_options_are_checked() {
    let ran = demo();
    copy(&ran, "clerk-gbk.csv");
    copy(&ran, "bank.csv");
    copy(&ran, "bank-columns.toml");
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-gbk.csv",
            "--key",
            "d/recorder.key",
            "--encoding",
            "latin1",
        ])
        .status(2)
        .stderr_contains("--encoding `latin1` is not known; use one of: utf-8, gbk")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-gbk.csv",
            "--key",
            "d/recorder.key",
            "--encoding",
            "utf-8",
        ])
        .status(2)
        .stderr_contains("clerk-gbk.csv: line 1: byte 5 is not UTF-8")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "clerk-gbk.csv",
            "--key",
            "d/recorder.key",
            "--sheet",
            "x",
        ])
        .status(2)
        .stderr_contains("--sheet x is given, but the file is not a workbook")
        .run();
    let ran = ran
        .then()
        .args([
            "import",
            L,
            "bank.csv",
            "--key",
            "d/recorder.key",
            "--columns",
            "bank-columns.toml",
        ])
        .stdout_contains("no 资金来源 column: every row is 一般公共预算 (columns file)")
        .stdout_contains("appended #159..#160")
        .run();
    assert_eq!(size(&ran), 160);
}
