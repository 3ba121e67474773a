//! The rule language's newer constructs as text: what parses, and what is refused with the
//! line and column of the offending text and what to change. Scoring with them is in
//! tests/rules_templates.rs and the fixture_* tests.

mod fixture_support;
use fixture_support::*;
use jixiao::rules::{DerivedOp, ExtraKind, Method, RuleSet, RulesError, Side};

/// A minimal rule set with one leaf `x` of weight 10 written as `leaf`, and `rest` appended.
fn one_leaf(leaf: &str, rest: &str) -> String {
    format!(
        "name = \"t\"\n[rounding]\nscale = 2\nmode = \"half_up\"\nwhen = \"per_indicator\"\n[[grade]]\nmin = 0\nname = \"差\"\n{rest}\n[[node]]\nid = \"total\"\nname = \"总分\"\nweight = 10\n[[node]]\nid = \"x\"\nparent = \"total\"\nname = \"x\"\nweight = 10\n{leaf}\n"
    )
}

fn err(text: &str) -> RulesError {
    RuleSet::parse(text).expect_err("must be refused")
}

#[test]
fn beyond_limit_reads_params_and_needs_a_side() {
    let ok = RuleSet::parse(&one_leaf(
        "input = \"fact.x\"\nmethod = \"beyond_limit\"\nside = \"over\"\nlimit = \"param.limit\"\nper = 0.01\npoints = 0.5",
        "[params]\nlimit = 1.05",
    ))
    .unwrap();
    match &ok.node("x").unwrap().scoring.as_ref().unwrap().method {
        Method::BeyondLimit { limit, side, .. } => {
            assert_eq!(limit.to_string(), "1.05");
            assert_eq!(*side, Side::Over);
        }
        m => panic!("{m:?}"),
    }
    let e = err(&one_leaf(
        "input = \"fact.x\"\nmethod = \"beyond_limit\"\nlimit = 1\nper = 0.01\npoints = 0.5",
        "",
    ));
    assert!(
        matches!(&e, RulesError::BadParameter { param, line: 20, .. } if param == "side"),
        "{e}"
    );
    let e = err(&one_leaf(
        "input = \"fact.x\"\nmethod = \"beyond_limit\"\nside = \"over\"\nlimit = \"param.nope\"\nper = 0.01\npoints = 0.5",
        "",
    ));
    assert!(
        e.to_string()
            .contains("`param.nope` is not defined in `[params]`"),
        "{e}"
    );
    assert_eq!(e.line(), 22);
}

#[test]
fn levels_need_distinct_codes_and_one_kind_of_result() {
    let e = err(&one_leaf(
        "input = \"indicator.x\"\nmethod = \"levels\"\nlevels = [{ name = \"优\", code = 1, coefficient = 1 }, { name = \"良\", code = 1, coefficient = 0.8 }]",
        "",
    ));
    assert!(e.to_string().contains("repeats a name or code"), "{e}");
    let e = err(&one_leaf(
        "input = \"indicator.x\"\nmethod = \"levels\"\nlevels = [{ name = \"优\", code = 1, coefficient = 1, points = 10 }]",
        "",
    ));
    assert!(
        e.to_string().contains("exactly one of `coefficient`"),
        "{e}"
    );
    let e = err(&one_leaf(
        "input = \"indicator.x\"\nmethod = \"levels\"\nlevels = [{ name = \"优\", code = 1, points = 11 }]",
        "",
    ));
    assert!(e.to_string().contains("outside 0..=10"), "{e}");
}

#[test]
fn expressions_parse_with_positions_inside_the_string() {
    let ok = RuleSet::parse(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"abs(fact.a - fact.b) / max(fact.c, 1)\"\non_zero = 0",
    ))
    .unwrap();
    let d = ok.derived.get("d").unwrap();
    assert_eq!(d.op, DerivedOp::Expr);
    assert_eq!(d.inputs.len(), 3);
    assert_eq!(
        d.definition(),
        "derived.d = abs(fact.a − fact.b) / max(fact.c, 1) (a zero denominator gives 0)"
    );
    // `expr = "fact.a +"`: the error points after the `+` (column 1 + 7 + len("fact.a +")).
    let e = err(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"fact.a +\"",
    ));
    match &e {
        RulesError::BadParameter {
            line,
            column,
            param,
            ..
        } => {
            assert_eq!((*line, *column, param.as_str()), (10, 17, "expr"));
        }
        e => panic!("{e}"),
    }
    let e = err(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"fact.a-fact.b\"",
    ));
    assert!(e.to_string().contains("write spaces around `-`"), "{e}");
    let e = err(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"fact.a\"\nmethod = \"sum\"",
    ));
    assert!(e.to_string().contains("not both"), "{e}");
    // A reference in an expression must be defined like any other.
    let e = err(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"derived.nope * 2\"",
    ));
    assert!(matches!(e, RulesError::UnknownReference { .. }), "{e}");
    // ... and may not come back to itself.
    let e = err(&one_leaf(
        "input = \"derived.d\"\nmethod = \"ratio_higher\"\ntarget = 1",
        "[derived.\"d\"]\nexpr = \"derived.d + 1\"",
    ));
    assert!(matches!(e, RulesError::DerivationCycle { .. }), "{e}");
}

#[test]
fn extras_and_the_total_cap_are_validated() {
    let ok = RuleSet::parse(&format!("total_max = 12\n{}", one_leaf(
        "input = \"fact.x\"\nmethod = \"zero_tolerance\"\ndeduct_per = 1",
        "[[extra]]\nid = \"b\"\nkind = \"bonus\"\nname = \"加分\"\ninput = \"fact.b\"\nper = 1\nmax = 2\n[[extra]]\nid = \"v\"\nkind = \"veto\"\nname = \"否决\"\ninput = \"fact.v\"\ngrade = \"差\"",
    )))
    .unwrap();
    assert_eq!(ok.total_max.unwrap().to_string(), "12");
    assert!(matches!(
        ok.extras[1].kind,
        ExtraKind::Veto { cap: None, .. }
    ));
    let e = err(&one_leaf(
        "input = \"fact.x\"\nmethod = \"zero_tolerance\"\ndeduct_per = 1",
        "[[extra]]\nid = \"v\"\nkind = \"veto\"\nname = \"否决\"\ninput = \"fact.v\"\ngrade = \"优\"",
    ));
    assert!(e.to_string().contains("`优` is not a grade"), "{e}");
    let e = err(&one_leaf(
        "input = \"fact.x\"\nmethod = \"zero_tolerance\"\ndeduct_per = 1",
        "[[extra]]\nid = \"b\"\nkind = \"bonus\"\nname = \"加分\"\ninput = \"fact.b\"\nper = 1",
    ));
    assert!(e.to_string().contains("needs `max`"), "{e}");
    let e = err(&format!(
        "total_max = 9\n{}",
        one_leaf(
            "input = \"fact.x\"\nmethod = \"zero_tolerance\"\ndeduct_per = 1",
            ""
        )
    ));
    assert!(e.to_string().contains("below the root's weight"), "{e}");
}

#[test]
fn not_applicable_leaves_need_no_method_and_checklists_no_items() {
    let text = "name = \"t\"\n[rounding]\nscale = 2\nmode = \"half_up\"\nwhen = \"per_indicator\"\n[[grade]]\nmin = 0\nname = \"差\"\n[[node]]\nid = \"total\"\nname = \"总分\"\nweight = 10\n[[node]]\nid = \"a\"\nparent = \"total\"\nname = \"a\"\nweight = 4\nnot_applicable = \"本年无此项\"\n[[node]]\nid = \"b\"\nparent = \"total\"\nname = \"b\"\nweight = 6\ninput = \"fact.cases\"\nmethod = \"checklist\"\ndeduct_per = 1\n";
    let r = RuleSet::parse(text).unwrap();
    assert_eq!(
        r.node("a").unwrap().not_applicable.as_deref(),
        Some("本年无此项")
    );
    assert!(r.node("a").unwrap().scoring.is_none());
    match &r.node("b").unwrap().scoring.as_ref().unwrap().method {
        Method::Checklist { items, .. } => assert!(items.is_empty()),
        m => panic!("{m:?}"),
    }
}

#[test]
fn a_zero_denominator_is_pending_without_on_zero_and_defined_with_it() {
    // The Hunan fixture's rule set, with its 三公 change rate's `on_zero` removed and the
    // previous year's figure 0: the row cannot be scored and says which denominator is 0.
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture("hunan-yueyang-2018");
    for e in std::fs::read_dir(&fx).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let zero_prev = "# role: recorder\nformat = \"jixiao-events/1\"\n\n[[event]]\nkind = \"fact\"\nkey = \"three_public.last_year\"\nname = \"上年度\"\nvalue = \"0\"\nunit = \"万元\"\ndate = \"2018-12-31\"\nsource = \"test\"\n";
    std::fs::write(dir.path().join("05-recorder-zero.toml"), zero_prev).unwrap();
    let with = build_dir(dir.path(), "岳阳市审计局", 2018).card();
    // on_zero = 0: a change rate of 0, full points.
    assert_eq!(
        Built::score_of(&with, "input.alloc.three_public_change"),
        "5.00"
    );
    let rules = std::fs::read_to_string(dir.path().join("rules.toml")).unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        rules.replace("on_zero = 0\n", ""),
    )
    .unwrap();
    let without = build_dir(dir.path(), "岳阳市审计局", 2018).card();
    let n = without.node("input.alloc.three_public_change").unwrap();
    let why = n.pending.as_deref().unwrap();
    assert!(why.contains("fact.three_public.last_year"), "{why}");
    assert_eq!(
        finding_ids(&without),
        ["score.input.alloc.three_public_change"]
    );
}
