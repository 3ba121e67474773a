//! The Conghua 2022 rule set fixture: the tree, weights, methods and derivations it must
//! carry, and the digest recorded when it is adopted.

use jixiao::rules::{self, Method, Reference, RoundingWhen, RuleSet};
use rust_decimal::Decimal;

const TEXT: &str = include_str!("../fixtures/conghua-2022/rules.toml");

#[test]
fn tree_ids_weights_and_methods_are_as_specified() {
    let r = RuleSet::parse(TEXT).unwrap();
    let expect: &[(&str, &str, i64, Option<&str>)] = &[
        ("total", "总分", 100, None),
        ("mgmt", "管理效能", 50, None),
        ("mgmt.prep", "预算编制", 8, None),
        ("mgmt.prep.adjustment", "预算调整率", 4, Some("tiers")),
        (
            "mgmt.prep.accuracy",
            "预算编制准确性",
            4,
            Some("linear_penalty"),
        ),
        ("mgmt.exec", "预算执行", 12, None),
        ("mgmt.exec.rate", "预算执行率", 8, Some("step_deduction")),
        ("mgmt.exec.balance", "结转结余率", 4, Some("ratio_lower")),
        ("mgmt.fin", "财务管理", 10, None),
        (
            "mgmt.fin.rules",
            "财务管理制度健全性",
            4,
            Some("qualitative"),
        ),
        (
            "mgmt.fin.compliance",
            "资金使用合规性",
            4,
            Some("checklist"),
        ),
        (
            "mgmt.fin.disclosure",
            "预决算信息公开",
            2,
            Some("qualitative"),
        ),
        ("mgmt.proc", "采购管理", 5, None),
        (
            "mgmt.proc.compliance",
            "政府采购规范性",
            5,
            Some("qualitative"),
        ),
        ("mgmt.asset", "资产管理", 5, None),
        (
            "mgmt.asset.compliance",
            "资产管理规范性",
            5,
            Some("qualitative"),
        ),
        ("mgmt.perf", "绩效管理", 10, None),
        (
            "mgmt.perf.targets",
            "绩效目标设置质量",
            4,
            Some("qualitative"),
        ),
        (
            "mgmt.perf.monitoring",
            "绩效运行监控",
            3,
            Some("ratio_higher"),
        ),
        ("mgmt.perf.self_eval", "绩效自评", 3, Some("qualitative")),
        ("perf", "履职效能", 50, None),
        ("perf.output", "产出", 30, None),
        ("perf.output.quantity", "数量", 18, None),
        (
            "perf.output.quantity.archive",
            "档案数字化加工完成率",
            6,
            Some("ratio_higher"),
        ),
        (
            "perf.output.quantity.events",
            "大型会议和重大活动的组织完成率",
            6,
            Some("ratio_higher"),
        ),
        (
            "perf.output.quantity.gov_report",
            "政府工作报告编制完成率",
            6,
            Some("ratio_higher"),
        ),
        ("perf.output.quality", "质量", 12, None),
        (
            "perf.output.quality.supervision",
            "重点工作督办率",
            6,
            Some("ratio_higher"),
        ),
        (
            "perf.output.quality.archive_loss",
            "档案丢失",
            6,
            Some("zero_tolerance"),
        ),
        ("perf.benefit", "效益", 10, None),
        (
            "perf.benefit.foreign_complaints",
            "外事及涉外活动投诉",
            10,
            Some("zero_tolerance"),
        ),
        ("perf.satisfaction", "满意度", 10, None),
        (
            "perf.satisfaction.overall",
            "综合满意度",
            10,
            Some("ratio_higher"),
        ),
    ];
    let order: Vec<&str> = r.preorder().iter().map(|n| n.id.as_str()).collect();
    let want: Vec<&str> = expect.iter().map(|e| e.0).collect();
    assert_eq!(order, want);
    for (id, name, weight, method) in expect {
        let n = r.node(id).unwrap();
        assert_eq!(n.name, *name);
        assert_eq!(n.weight, Decimal::from(*weight), "{id}");
        assert_eq!(n.scoring.as_ref().map(|s| s.method.name()), *method, "{id}");
        if let Some(s) = &n.scoring
            && let Reference::Indicator(i) = &s.input
        {
            assert_eq!(i, id, "indicator leaves read the indicator of their own id");
        }
    }
    assert_eq!(r.rounding.when, RoundingWhen::PerIndicator);
    let grades: Vec<(String, &str)> = r
        .grades
        .iter()
        .map(|g| (g.min.to_string(), g.name.as_str()))
        .collect();
    assert_eq!(
        grades,
        [
            ("90".into(), "优"),
            ("80".into(), "良"),
            ("60".into(), "中"),
            ("0".into(), "差")
        ]
    );
    match &r
        .node("mgmt.exec.rate")
        .unwrap()
        .scoring
        .as_ref()
        .unwrap()
        .method
    {
        Method::StepDeduction {
            full_at,
            step,
            points,
            ..
        } => {
            assert_eq!(
                (full_at.to_string(), step.to_string(), points.to_string()),
                ("1".into(), "0.05".into(), "2".into())
            );
        }
        m => panic!("{m:?}"),
    }
}

#[test]
fn derivations_are_defined_exactly() {
    let r = RuleSet::parse(TEXT).unwrap();
    let defs: Vec<String> = r.derived.values().map(|d| d.definition()).collect();
    assert_eq!(
        defs,
        [
            "derived.docs.paper_total = fact.docs.paper_in_district + fact.docs.paper_out_district",
            "derived.hotline.on_time_rate = fact.hotline.on_time / fact.hotline.tickets",
            "derived.livelihood.total = fact.livelihood.done + fact.livelihood.lagging",
            "derived.meetings.higher_level = fact.meetings.video + fact.meetings.other_higher",
            "derived.meetings.total = fact.meetings.higher_level + fact.meetings.district",
            "derived.new_media.total = fact.new_media.weibo + fact.new_media.wechat + fact.new_media.douyin + fact.new_media.renmin + fact.new_media.app",
            "derived.proposals.municipal_cppcc = fact.proposals.municipal_cppcc_lead + fact.proposals.municipal_cppcc_joint",
            "derived.proposals.municipal_npc = fact.proposals.municipal_npc_lead + fact.proposals.municipal_npc_joint",
            "derived.proposals.total = derived.proposals.municipal_npc + derived.proposals.municipal_cppcc + fact.proposals.district_npc + fact.proposals.district_cppcc",
            "derived.supervision.tasks_total = fact.supervision.tasks_done + fact.supervision.tasks_lagging",
        ]
    );
}

#[test]
fn digest_is_the_derive_key_hash_of_the_text() {
    let mut h = blake3::Hasher::new_derive_key("jixiao rules v1 digest");
    h.update(TEXT.as_bytes());
    assert_eq!(rules::digest(TEXT), *h.finalize().as_bytes());
    assert_ne!(rules::digest(TEXT), rules::digest(&format!("{TEXT} ")));
}

#[test]
fn the_example_in_docs_rules_md_parses_and_scores_as_it_says() {
    let doc = include_str!("../docs/RULES.md");
    let start = doc.rfind("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let r = RuleSet::parse(&doc[start..end]).unwrap();
    let exec = r.node("exec").unwrap();
    let method = &exec.scoring.as_ref().unwrap().method;
    let raw = method
        .raw_score(exec.weight, "0.92".parse().unwrap(), None)
        .unwrap();
    assert_eq!(r.rounding.round(raw).to_string(), "4.00");
    assert!(r.derived.contains_key("meetings.total"));
}
