//! The shipped rule-set templates (fixtures/templates) scored on small demonstration ledgers
//! (tests/data): the 10号文 project form and the department form, which between them use every
//! construct of the rule language: per-point deductions beyond `[params]` limits, levels, the
//! gross adjustment rate beside the net one, expressions over two figures with `on_zero`,
//! deviation from a `=` target and `target.` in a derivation, checklists with and without
//! items, 得分系数 claims, not-applicable redistribution, bonus, deduction and veto.

mod common;
mod fixture_support;
use common::Test;
use fixture_support::*;
use jixiao::rules::RuleSet;
use std::path::Path;

fn with_rules(events: &str, rules_text: &str) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(events);
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("rules.toml"), rules_text).unwrap();
    let b = build_dir(dir.path(), "示例部门", 2024);
    drop(dir);
    b
}

fn template(name: &str) -> String {
    std::fs::read_to_string(fixture("templates").join(name)).unwrap()
}

#[test]
fn templates_parse_and_name_their_form() {
    let p = RuleSet::parse(&template("project-10hao.toml")).unwrap();
    let top: Vec<(&str, String)> = p
        .top_nodes()
        .iter()
        .map(|n| (n.name.as_str(), n.weight.to_string()))
        .collect();
    assert_eq!(
        top,
        [
            ("预算执行率", "10".to_string()),
            ("产出指标", "50".to_string()),
            ("效益指标", "30".to_string()),
            ("满意度指标", "10".to_string())
        ]
    );
    assert_eq!(p.form.title, "项目支出绩效自评表");
    let d = RuleSet::parse(&template("department.toml")).unwrap();
    assert_eq!(d.form.title, "部门整体支出绩效自评报告");
    assert_eq!(d.extras.len(), 3);
    assert_eq!(d.params.get("staff_limit").unwrap().to_string(), "1");
}

#[test]
fn project_template_scores_execution_proportionally() {
    let b = with_rules("project-demo", &template("project-10hao.toml"));
    let card = b.card();
    // 86 of 100 万元 executed: 0.86 × 10.
    assert_eq!(Built::score_of(&card, "exec"), "8.60");
    assert_eq!(Built::score_of(&card, "output.quantity"), "18.00");
    assert_eq!(Built::score_of(&card, "output.time"), "7.00");
    assert_eq!(Built::score_of(&card, "output.cost"), "9.09");
    assert_eq!(Built::score_of(&card, "benefit"), "23.00");
    assert_eq!(card.total.to_string(), "85.69");
    assert_eq!(card.grade.as_ref().unwrap().name, "良");
    assert!(card.findings.is_empty(), "{:?}", finding_ids(&card));
}

#[test]
fn department_template_uses_every_construct() {
    let card = with_rules("department-demo", &template("department.toml")).card();
    let s = |id: &str| Built::score_of(&card, id);
    // 50 of 52 staff: within 100 %.
    assert_eq!(s("input.staff"), "5.00");
    // 三公 +3 %: three points over 0, 0.5 each.
    assert_eq!(s("input.three_public_change"), "3.50");
    // 1012000 / 1100000 = 92 %.
    assert_eq!(s("input.key_spending"), "5.00");
    // gross (10 + 5 + 2 + 2) / 100 = 19 %: 1 point; the net rate (10 − 5 + 0) would give 2.
    assert_eq!(s("process.exec.adjustment"), "1.00");
    assert_eq!(s("process.exec.payment"), "2.50");
    // 结余 3 万 ≤ 上年结转 5 万: 2 points.
    assert_eq!(s("process.exec.balance"), "2.00");
    // 10.3 / 9.8 = 105.1 %: six started points over, 1 each.
    assert_eq!(s("process.exec.three_public"), "0.00");
    assert_eq!(s("process.mgmt.compliance"), "1.00");
    assert_eq!(s("process.mgmt.disclosure"), "2.40");
    assert_eq!(s("process.mgmt.assets"), "4.00");
    // 108 against = 100: deviation 8 %, the ≤10 % band.
    assert_eq!(s("output.cost"), "4.00");
    // 95 % against 100 %: five points under, 0.2 each.
    assert_eq!(s("output.timeliness"), "4.00");
    assert_eq!(s("output"), "23.00");
    // Tree 82.40, bonus +2 (3 commendations, at most 2), audit −1.
    assert_eq!(
        card.node("total")
            .unwrap()
            .children_sum
            .unwrap()
            .to_string(),
        "82.40"
    );
    assert_eq!(card.total.to_string(), "83.40");
    assert_eq!(card.grade.as_ref().unwrap().name, "良");
    let kinds: Vec<(&str, String)> = card
        .extras
        .iter()
        .map(|e| (e.kind.as_str(), e.points.to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bonus", "2.00".to_string()),
            ("deduction", "-1.00".to_string()),
            ("veto", "0".to_string())
        ]
    );
    assert!(!card.extras[2].breached);
    // Every claim reproduces: the total with extras, gross and net rates, 得分系数 as a
    // fraction and in %, the deviation through `target.`, and the class of 结余.
    assert_eq!(card.claims_checked, 8);
    assert!(card.findings.is_empty(), "{:?}", card.findings);
}

#[test]
fn a_breached_veto_caps_total_and_grade_with_its_cause() {
    let text = template("department.toml");
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/department-demo");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("rules.toml"), text).unwrap();
    std::fs::write(
        dir.path().join("06-recorder-veto.toml"),
        "# role: recorder\nformat = \"jixiao-events/1\"\n\n[[event]]\nkind = \"fact\"\nkey = \"veto.major_violations\"\nname = \"重大违纪\"\nvalue = \"1\"\nunit = \"件\"\ndate = \"2024-12-31\"\nsource = \"demo\"\n",
    )
    .unwrap();
    let b = build_dir(dir.path(), "示例部门", 2024);
    let card = b.card();
    assert_eq!(card.total.to_string(), "59.00");
    assert_eq!(card.grade.as_ref().unwrap().name, "差");
    let v = &card.extras[2];
    assert!(v.breached);
    assert!(
        v.effect.contains("总分不超过 59") && v.effect.contains("等级不高于 差"),
        "{}",
        v.effect
    );
    assert_eq!(finding_ids(&card), ["total"]);
    let (_d, path) = b.close();
    Test::new()
        .arg("score")
        .arg(&path)
        .stdout_contains("重大违纪违法问题一票否决")
        .stdout_contains("总分不超过 59")
        .run();
}

#[test]
fn not_applicable_weight_goes_to_the_siblings_in_proportion() {
    let text = template("department.toml").replace(
        "name = \"成本控制 (偏差度)\"",
        "name = \"成本控制 (偏差度)\"\nnot_applicable = \"本年度无成本目标\"",
    );
    let card = with_rules("department-demo", &text).card();
    let out = card.node("output").unwrap();
    // (10 + 4 + 5) × 25 / 20 = 23.75.
    assert_eq!(out.score.to_string(), "23.75");
    let r = out.redistributed.as_ref().unwrap();
    assert_eq!(r.dropped, ["output.cost"]);
    assert_eq!(r.applicable_weight.to_string(), "20");
    let notes = jixiao::eval::scoring_notes(&card);
    assert!(
        notes.iter().any(|n| n.contains("19 × 25 / 20 = 23.75")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("本年度无成本目标")),
        "{notes:?}"
    );
}

#[test]
fn a_bonus_goes_beyond_the_weights_only_up_to_total_max() {
    // The department demo (tree 82.40, audit −1) with a bonus of 10 per commendation, at most
    // 20: 82.40 + 20 − 1 = 101.40, within a cap of 105; the template's own cap is 100.
    let big_bonus = template("department.toml").replace(
        "input = \"fact.bonus.commendations\"\nper = 1\nmax = 2",
        "input = \"fact.bonus.commendations\"\nper = 10\nmax = 20",
    );
    let capped = with_rules("department-demo", &big_bonus).card();
    assert_eq!(capped.total.to_string(), "100.00");
    let wider = with_rules(
        "department-demo",
        &big_bonus.replace("total_max = 100", "total_max = 105"),
    )
    .card();
    assert_eq!(wider.total.to_string(), "101.40");
    assert_eq!(wider.extras[0].points.to_string(), "20.00");
    assert_eq!(wider.grade.as_ref().unwrap().name, "优");
}

#[test]
fn the_text_report_states_redistribution_and_extras() {
    let text = template("department.toml").replace(
        "name = \"成本控制 (偏差度)\"",
        "name = \"成本控制 (偏差度)\"\nnot_applicable = \"本年度无成本目标\"",
    );
    let (_d, path) = with_rules("department-demo", &text).close();
    Test::new()
        .args(["report", "--format", "text", "--unverified"])
        .arg(&path)
        .stdout_contains("部门整体支出绩效自评报告  示例部门 2024")
        .stdout_contains("一、部门整体支出绩效评价评分表")
        .stdout_contains(
            "成本控制 (偏差度) (output.cost) 不适用 (not applicable): 本年度无成本目标",
        )
        .stdout_contains("19 × 25 / 20 = 23.75")
        .stdout_contains(
            "获上级表彰加分 (bonus.commended, bonus): fact.bonus.commendations = 3 → +2.00",
        )
        .run();
    Test::new()
        .args(["report", "--format", "md", "--unverified"])
        .arg(&path)
        .stdout_contains("## 一、部门整体支出绩效评价评分表")
        .stdout_contains("- 审计发现问题扣分 (deduction.audit, deduction)")
        .run();
}

#[test]
fn a_not_applicable_parent_takes_its_children_along_unscored() {
    let text = template("department.toml").replace(
        "name = \"效果\"",
        "name = \"效果\"\nnot_applicable = \"本部门为内部管理机构\"",
    );
    let card = with_rules("department-demo", &text).card();
    for id in ["effect", "effect.social", "effect.satisfaction"] {
        let n = card.node(id).unwrap();
        assert!(n.not_applicable.is_some(), "{id}");
        assert!(
            n.actual.is_none() && n.pending.is_none(),
            "{id} must not be scored"
        );
    }
    // (13.50 + 25.90 + 23.00) × 100 / 80 = 78.00, then bonus +2 and audit −1.
    let root = card.node("total").unwrap();
    assert_eq!(root.redistributed.as_ref().unwrap().dropped, ["effect"]);
    assert_eq!(card.total.to_string(), "79.00");
    assert_eq!(card.grade.as_ref().unwrap().name, "中");
    let notes = jixiao::eval::scoring_notes(&card);
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("不适用 (not applicable)"))
            .count(),
        1,
        "{notes:?}"
    );
}

#[test]
fn the_html_report_takes_the_form_title_and_heading_from_the_rule_set() {
    let (_d, path) = with_rules("project-demo", &template("project-10hao.toml")).close();
    let html = Test::new()
        .args(["report", "--format", "html", "--unverified"])
        .arg(&path)
        .run()
        .stdout;
    assert!(html.contains("<h1>项目支出绩效自评表 — "), "{html}");
    assert!(
        html.contains("<h2 id=\"table\">一、绩效指标</h2>"),
        "{html}"
    );
    assert!(
        !html.contains("部门整体支出绩效自评报告"),
        "a project form must not carry the department report's title"
    );
}

#[test]
fn a_level_is_recorded_by_one_of_its_codes_and_any_other_value_is_refused() {
    use jixiao::eval::validate_new_events;
    use jixiao::model::{BizDate, Event, IndicatorValue};
    let b = with_rules("department-demo", &template("department.toml"));
    let state = b.checked().state.expect("replays");
    let value = |v: &str| {
        Event::IndicatorValue(IndicatorValue {
            indicator: "process.mgmt.disclosure".into(),
            value: v.parse().unwrap(),
            date: BizDate::from_ymd(2024, 12, 31).unwrap(),
            deviation_reason: String::new(),
            evidence: Vec::new(),
        })
    };
    validate_new_events(&state, &[value("2")]).expect("良 (code 2) is a level");
    let refused = validate_new_events(&state, &[value("5")]).unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("5 is not a level of `process.mgmt.disclosure`") && text.contains("2 (良)"),
        "{text}"
    );
    assert!(validate_new_events(&state, &[value("2.5")]).is_err());
}
