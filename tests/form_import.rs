//! `import-form`: the seed case's filled-in 自评表 (fixtures/conghua-2022/自评表.xlsx, and its
//! .xls copy) read into
//! targets, values, facts and claims of every score it states; a ledger holding only the rule
//! set, the budget and the evaluator's adjustment besides it scores 99.96 with every one of the
//! form's figures reproducing; its `report --format xlsx` reads back to the same figures (the
//! round trip XLSX → ledger → XLSX); a form whose typed score does not reproduce is a finding;
//! a form naming an indicator the rule set does not have, or a different 分值, is refused with
//! its sheet!cell and nothing is appended.

use assert_cmd::Command;
use jixiao::import::form::{FormBatch, FormMode, read_form};
use jixiao::model::Event;
use jixiao::rules::RuleSet;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const FIXTURE: &str = "fixtures/conghua-2022";
const TIME: &str = "2023-03-01T00:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURE)
        .join(name)
}

fn rules() -> RuleSet {
    RuleSet::parse(&std::fs::read_to_string(fixture("rules.toml")).unwrap()).unwrap()
}

fn jixiao(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("jixiao")
        .unwrap()
        .current_dir(dir)
        .env("JIXIAO_TIME", TIME)
        .env_remove("JIXIAO_KEY")
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = jixiao(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A ledger with the seed's rule set, budget and year-end execution only: no targets, values,
/// facts or claims (those come from the form).
fn base_ledger() -> (TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    for k in ["admin", "recorder", "evaluator"] {
        ok(d, &["key", "new", k, "--out", &format!("{k}.key")]);
    }
    ok(
        d,
        &[
            "init",
            "L.jixiao",
            "--department",
            "广州市从化区人民政府办公室",
            "--year",
            "2022",
            "--key",
            "admin.key",
        ],
    );
    for r in ["recorder", "evaluator"] {
        ok(
            d,
            &[
                "grant",
                "L.jixiao",
                "--key",
                "admin.key",
                "--public-key",
                &format!("{r}.key.pub"),
                "--name",
                r,
                "--role",
                r,
            ],
        );
    }
    let f = |n: &str| fixture(n).display().to_string();
    ok(
        d,
        &[
            "import",
            "L.jixiao",
            &f("01-admin-rules.toml"),
            "--key",
            "admin.key",
        ],
    );
    ok(
        d,
        &[
            "import",
            "L.jixiao",
            &f("02-recorder-budget.toml"),
            "--key",
            "recorder.key",
        ],
    );
    std::fs::write(
        d.join("exec.toml"),
        "format = \"jixiao-events/1\"\n[[event]]\nkind = \"budget\"\nfund_source = \"一般公共预算\"\nexpense_type = \"基本支出\"\nbudget_kind = \"execution_cumulative\"\namount = \"1923.65万元\"\ndate = \"2022-12-31\"\nreason = \"2022年全年执行数 1923.65 万元(一(三))\"\n",
    )
    .unwrap();
    ok(
        d,
        &["import", "L.jixiao", "exec.toml", "--key", "recorder.key"],
    );
    let p = d.join("L.jixiao");
    (t, p)
}

/// (kind, what, exact value, unit) of every event, for comparing forms whose printed precision
/// differs (`100.0%` in the fixture, `100%` in a report).
fn figures(b: &FormBatch) -> Vec<(String, String, Decimal, String)> {
    let mut v: Vec<_> = b
        .events
        .iter()
        .map(|e| match e {
            Event::IndicatorTarget(t) => (
                "target".into(),
                format!("{} {}", t.indicator, t.direction.symbol()),
                t.year_start.value().normalize(),
                t.unit.clone(),
            ),
            Event::IndicatorValue(x) => (
                "value".into(),
                format!("{} {}", x.indicator, x.deviation_reason),
                x.value.value().normalize(),
                String::new(),
            ),
            Event::Fact(f) => (
                "fact".into(),
                f.key.clone(),
                f.value.value().normalize(),
                f.unit.clone(),
            ),
            Event::Claim(c) => (
                "claim".into(),
                format!("{} {}", c.id, c.subject),
                c.value.value().normalize(),
                c.unit.clone(),
            ),
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_fixture_reads_into_targets_values_facts_and_a_claim_per_typed_figure() {
    let b = read_form(&fixture("自评表.xlsx"), &rules(), 2022, FormMode::All).unwrap();
    assert_eq!(b.sheet, "自评表");
    let count = |k: fn(&Event) -> bool| b.events.iter().filter(|e| k(e)).count();
    // 13 indicator leaves: 6 qualitative + 7 履职效能 (targets and values); 2 fact leaves.
    assert_eq!(count(|e| matches!(e, Event::IndicatorTarget(_))), 13);
    assert_eq!(count(|e| matches!(e, Event::IndicatorValue(_))), 13);
    assert_eq!(count(|e| matches!(e, Event::Fact(_))), 2);
    // 32 rows + 总分 give 33 score claims; 4 budget-computed actuals; 5 budget-block figures.
    assert_eq!(count(|e| matches!(e, Event::Claim(_))), 33 + 4 + 5);
    let claim = |id: &str| {
        b.events
            .iter()
            .find_map(|e| match e {
                Event::Claim(c) if c.id == id => Some(c.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no claim {id}"))
    };
    let total = claim("form.score.total");
    assert_eq!(
        (total.subject.as_str(), total.value.to_string().as_str()),
        ("total", "99.96")
    );
    assert_eq!(total.unit, "分");
    assert!(total.section.starts_with("自评表!H"), "{}", total.section);
    // A number cell typed 50 is the score 50.00, checked at the rule set's 2 decimals.
    assert_eq!(claim("form.score.perf").value.to_string(), "50.00");
    assert_eq!(
        claim("form.score.mgmt.perf.targets").value.to_string(),
        "3.96"
    );
    let rate = claim("form.budget.execution_rate");
    assert_eq!(
        (rate.value.to_string().as_str(), rate.unit.as_str()),
        ("100", "%")
    );
    assert_eq!(claim("form.budget.executed").value.to_string(), "1923.65");
    assert_eq!(claim("form.budget.score").subject, "score.mgmt.exec.rate");
    assert_eq!(
        claim("form.actual.mgmt.prep.adjustment").subject,
        "budget.adjustment_rate"
    );
    // The value keeps its printed precision and the deviation reason is carried.
    let supervision = b
        .events
        .iter()
        .find_map(|e| match e {
            Event::IndicatorValue(v) if v.indicator == "perf.output.quality.supervision" => {
                Some(v.value.to_string())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(supervision, "100.0");
    assert!(b.events.iter().any(|e| matches!(e,
        Event::IndicatorValue(v) if v.indicator == "mgmt.perf.targets" && v.deviation_reason.contains("不够规范"))));
    // Claims only: no targets, values or facts; indicator actuals become claims.
    let c = read_form(
        &fixture("自评表.xlsx"),
        &rules(),
        2022,
        FormMode::ClaimsOnly,
    )
    .unwrap();
    assert!(c.events.iter().all(|e| matches!(e, Event::Claim(_))));
    assert_eq!(c.events.len(), 42 + 13 + 2);
}

#[test]
fn the_xls_copy_reads_to_the_same_figures() {
    // LibreOffice's conversion (make_form.py) of the same form to the older .xls format.
    let xls = read_form(&fixture("自评表.xls"), &rules(), 2022, FormMode::All).unwrap();
    let xlsx = read_form(&fixture("自评表.xlsx"), &rules(), 2022, FormMode::All).unwrap();
    assert_eq!(xls.events.len(), 70);
    assert_eq!(figures(&xls), figures(&xlsx));
    assert_eq!(xls.cells, xlsx.cells);
}

#[test]
fn seed_form_round_trips_xlsx_ledger_xlsx_and_every_typed_figure_reproduces() {
    let (t, ledger) = base_ledger();
    let d = t.path();
    let form = fixture("自评表.xlsx").display().to_string();
    let out = ok(
        d,
        &["import-form", "L.jixiao", &form, "--key", "recorder.key"],
    );
    assert!(
        out.contains("13 targets, 13 values, 2 facts, 42 claims"),
        "{out}"
    );
    // Without the evaluator's −0.04 the typed 3.96, 9.96, 49.96 and 99.96 do not reproduce.
    let v = jixiao(d, &["verify", "L.jixiao"]);
    assert_eq!(v.status.code(), Some(1));
    let text = String::from_utf8_lossy(&v.stdout);
    for id in [
        "form.score.mgmt.perf.targets",
        "form.score.mgmt.perf",
        "form.score.mgmt",
        "form.score.total",
    ] {
        assert!(text.contains(id), "{id} missing from\n{text}");
    }
    let adj = fixture("07-evaluator-adjustment.toml")
        .display()
        .to_string();
    ok(d, &["import", "L.jixiao", &adj, "--key", "evaluator.key"]);
    let v = ok(d, &["verify", "L.jixiao"]);
    assert!(v.contains("total 99.96"), "{v}");
    assert!(v.contains("42 claims checked, 0 finding"), "{v}");
    ok(
        d,
        &["report", "L.jixiao", "--format", "xlsx", "-o", "out.xlsx"],
    );
    let again = read_form(&d.join("out.xlsx"), &rules(), 2022, FormMode::All).unwrap();
    let first = read_form(&fixture("自评表.xlsx"), &rules(), 2022, FormMode::All).unwrap();
    assert_eq!(figures(&again), figures(&first));
    drop(ledger);
}

#[test]
fn a_typed_score_that_does_not_reproduce_is_a_finding_naming_its_cell() {
    let (t, _) = base_ledger();
    let d = t.path();
    let p = d.join("wrong.xlsx");
    write_form(&p, &[("预算编制", "预算调整率", "4", "3.5")]);
    ok(
        d,
        &[
            "import-form",
            "L.jixiao",
            "wrong.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    let v = jixiao(d, &["verify", "L.jixiao"]);
    assert_eq!(v.status.code(), Some(1));
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(
        text.contains("form.score.mgmt.prep.adjustment [自评表!E3]"),
        "{text}"
    );
    assert!(text.contains("stated 3.50分, recomputed 4.00分"), "{text}");
}

#[test]
fn unknown_indicator_or_other_weight_is_refused_at_its_cell_and_nothing_is_appended() {
    let (t, ledger) = base_ledger();
    let d = t.path();
    let before = std::fs::read(&ledger).unwrap();
    write_form(
        &d.join("name.xlsx"),
        &[("预算编制", "预算调整幅度", "4", "4")],
    );
    let out = jixiao(
        d,
        &[
            "import-form",
            "L.jixiao",
            "name.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("name.xlsx: 自评表!C3: indicator `预算调整幅度` is not a node"),
        "{err}"
    );
    write_form(
        &d.join("weight.xlsx"),
        &[("预算编制", "预算调整率", "5", "4")],
    );
    let out = jixiao(
        d,
        &[
            "import-form",
            "L.jixiao",
            "weight.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("自评表!D3: 分值 5 but the rule set"), "{err}");
    write_form(
        &d.join("twice.xlsx"),
        &[
            ("预算编制", "预算调整率", "4", "4"),
            ("预算编制", "预算调整率", "4", "4"),
        ],
    );
    let out = jixiao(
        d,
        &[
            "import-form",
            "L.jixiao",
            "twice.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("自评表!C4: `预算调整率` (mgmt.prep.adjustment) is already on row 3"),
        "{err}"
    );
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("自评表").unwrap();
    ws.write_string(0, 0, "2021年度部门整体支出绩效自评表")
        .unwrap();
    for (c, h) in ["一级指标", "二级指标", "得分"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    wb.save(d.join("year.xlsx")).unwrap();
    let out = jixiao(
        d,
        &[
            "import-form",
            "L.jixiao",
            "year.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("自评表!A1: the form is of fiscal year 2021, the ledger of 2022"),
        "{err}"
    );
    std::fs::write(d.join("not.xlsx"), "plain text").unwrap();
    let out = jixiao(
        d,
        &[
            "import-form",
            "L.jixiao",
            "not.xlsx",
            "--key",
            "recorder.key",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable spreadsheet"));
    assert_eq!(std::fs::read(&ledger).unwrap(), before, "nothing appended");
}

/// A small form in the standard layout, header in row 2: 一级指标 (always 管理效能), 二级指标,
/// 三级指标, 分值, 得分; one row per (二级, 三级, 分值, 得分).
fn write_form(path: &Path, rows: &[(&str, &str, &str, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("自评表").unwrap();
    for (c, h) in ["一级指标", "二级指标", "三级指标", "分值", "得分"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (i, (l2, l3, w, s)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, "管理效能").unwrap();
        ws.write_string(r, 1, *l2).unwrap();
        ws.write_string(r, 2, *l3).unwrap();
        ws.write_number(r, 3, w.parse::<f64>().unwrap()).unwrap();
        ws.write_number(r, 4, s.parse::<f64>().unwrap()).unwrap();
    }
    wb.save(path).unwrap();
}
