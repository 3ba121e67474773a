//! Rule-set validation: one test per error kind, asserting the variant and the line.

use jixiao::rules::{RuleSet, RulesError};

/// A valid rule set; line numbers are those in comments below.
const BASE: &str = r#"name = "t"
[rounding]
scale = 2
mode = "half_up"
when = "per_indicator"
[[grade]]
min = 0
name = "差"
[[node]]
id = "total"
name = "总分"
weight = 10
[[node]]
id = "a"
parent = "total"
name = "甲"
weight = 10
input = "fact.a"
method = "zero_tolerance"
deduct_per = 1
"#;

/// BASE with line `n` (1-based) replaced.
fn with_line(n: usize, new: &str) -> String {
    BASE.lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == n {
                new.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn err(text: &str) -> RulesError {
    RuleSet::parse(text).unwrap_err()
}

#[test]
fn base_is_valid() {
    let r = RuleSet::parse(BASE).unwrap();
    assert_eq!(r.root, "total");
    assert_eq!(r.node("a").unwrap().line, 14);
}

#[test]
fn toml_syntax_and_shape_errors_carry_line_and_column() {
    let e = err(&with_line(17, "weight = "));
    assert!(matches!(e, RulesError::Syntax { line: 17, .. }), "{e:?}");
    let e = err(&with_line(17, "wieght = 10"));
    assert!(
        matches!(&e, RulesError::Syntax { line: 17, message, .. } if message.contains("wieght")),
        "{e:?}"
    );
    let e = err(&with_line(12, "weight = true"));
    assert!(matches!(e, RulesError::Syntax { line: 12, .. }), "{e:?}");
}

#[test]
fn unknown_method() {
    let e = err(&with_line(19, "method = \"zero_tol\""));
    assert!(
        matches!(&e, RulesError::UnknownMethod { line: 19, column: 10, owner, method, .. } if owner == "a" && method == "zero_tol"),
        "{e:?}"
    );
    let d = format!("{BASE}[derived.\"x\"]\nmethod = \"mean\"\ninputs = [\"fact.a\"]\n");
    assert!(matches!(
        err(&d),
        RulesError::UnknownMethod { line: 22, .. }
    ));
}

#[test]
fn children_weights_must_add_up_to_the_parent() {
    let e = err(&with_line(17, "weight = 9.5"));
    assert_eq!(
        e,
        RulesError::WeightMismatch {
            line: 12,
            column: 10,
            node: "total".into(),
            weight: "10".into(),
            children_sum: "9.5".into()
        }
    );
}

#[test]
fn cycles_among_derivations() {
    let text = format!(
        "{BASE}[derived.\"x\"]\nmethod = \"sum\"\ninputs = [\"derived.y\"]\n[derived.\"y\"]\nmethod = \"sum\"\ninputs = [\"fact.b\", \"derived.x\"]\n"
    );
    match err(&text) {
        RulesError::DerivationCycle { line, cycle, .. } => {
            assert_eq!(line, 21);
            assert_eq!(cycle, ["derived.x", "derived.y", "derived.x"]);
        }
        e => panic!("{e:?}"),
    }
    // A leaf fed by its own score through a derivation is a cycle too.
    let text = format!(
        "{}[derived.\"x\"]\nmethod = \"sum\"\ninputs = [\"score.a\"]\n",
        with_line(18, "input = \"derived.x\"")
    );
    assert!(matches!(err(&text), RulesError::DerivationCycle { .. }));
}

#[test]
fn unknown_references() {
    for (bad, why) in [
        ("facts.a", "unknown reference kind"),
        ("budget.spent", "unknown budget metric"),
        ("derived.nope", "no `[derived.\"nope\"]`"),
        ("score.nope", "not a node id"),
        ("fact.a..b", "not a key"),
    ] {
        let e = err(&with_line(18, &format!("input = \"{bad}\"")));
        assert!(
            matches!(&e, RulesError::UnknownReference { line: 18, column: 9, reference, why: w } if reference == bad && w.contains(why)),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn duplicate_ids() {
    let text = format!(
        "{BASE}[[node]]\nid = \"a\"\nparent = \"total\"\nname = \"乙\"\nweight = 0\ninput = \"fact.b\"\nmethod = \"qualitative\"\n"
    );
    assert_eq!(
        err(&text),
        RulesError::DuplicateId {
            line: 22,
            column: 6,
            id: "a".into(),
            first_line: 14
        }
    );
}

#[test]
fn bad_parameters() {
    // missing
    let e = err(&with_line(20, ""));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 19, param, .. } if param == "deduct_per"),
        "{e:?}"
    );
    // not applicable to the method
    let e = err(&with_line(20, "deduct_per = 1\nk = 2"));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 21, param, .. } if param == "k"),
        "{e:?}"
    );
    // out of range
    let e = err(&with_line(20, "deduct_per = -1"));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 20, param, .. } if param == "deduct_per"),
        "{e:?}"
    );
    // not a plain decimal
    let e = err(&with_line(20, "deduct_per = 1e3"));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 20, why, .. } if why.contains("plain decimal")),
        "{e:?}"
    );
    // step must be positive
    let e = err(&with_line(
        19,
        "method = \"step_deduction\"\nfull_at = 1\nstep = 0\npoints = 2",
    )
    .replace("deduct_per = 1\n", ""));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 21, param, .. } if param == "step"),
        "{e:?}"
    );
    // tier points above the weight
    let e = err(&with_line(
        19,
        "method = \"tiers\"\ntiers = [{ max = 0.1, points = 11 }]",
    )
    .replace("deduct_per = 1\n", ""));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 20, param, .. } if param == "tiers.points"),
        "{e:?}"
    );
    // ratio_lower with a zero target needs deduct_per
    let e =
        err(&with_line(19, "method = \"ratio_lower\"\ntarget = 0").replace("deduct_per = 1\n", ""));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 19, param, .. } if param == "deduct_per"),
        "{e:?}"
    );
    // checklist items must add up to the weight
    let e = err(&with_line(
        19,
        "method = \"checklist\"\nitems = [{ name = \"x\", points = 3 }]",
    ));
    assert!(
        matches!(&e, RulesError::BadParameter { line: 20, param, .. } if param == "items"),
        "{e:?}"
    );
    // derivation arity
    let d = format!("{BASE}[derived.\"x\"]\nmethod = \"ratio\"\ninputs = [\"fact.a\"]\n");
    assert!(matches!(err(&d), RulesError::BadParameter { line: 23, .. }));
}

#[test]
fn bad_trees() {
    let e = err(&with_line(15, "parent = \"nope\""));
    assert!(
        matches!(&e, RulesError::BadTree { line: 15, node, .. } if node == "a"),
        "{e:?}"
    );
    let e = err(&with_line(19, "").replace("deduct_per = 1\n", ""));
    assert!(
        matches!(&e, RulesError::BadTree { line: 14, why, .. } if why.contains("method")),
        "{e:?}"
    );
    let e = err(&with_line(15, ""));
    assert!(
        matches!(&e, RulesError::BadTree { line: 14, why, .. } if why.contains("second root")),
        "{e:?}"
    );
    let e = err(&with_line(12, "weight = 10\nmethod = \"qualitative\""));
    assert!(matches!(&e, RulesError::BadTree { line: 13, .. }), "{e:?}");
}

#[test]
fn bad_settings() {
    let e = err(&with_line(4, "mode = \"banker\""));
    assert!(
        matches!(&e, RulesError::BadSetting { line: 4, field, .. } if field == "rounding.mode"),
        "{e:?}"
    );
    let e = err(&with_line(5, "when = \"sometimes\""));
    assert!(
        matches!(&e, RulesError::BadSetting { line: 5, .. }),
        "{e:?}"
    );
    let e = err(&with_line(7, "min = 60"));
    assert!(
        matches!(&e, RulesError::BadSetting { line: 6, field, .. } if field == "grade.min"),
        "{e:?}"
    );
    let e = err(&with_line(1, "name = \" \""));
    assert!(
        matches!(&e, RulesError::BadSetting { line: 1, .. }),
        "{e:?}"
    );
}

#[test]
fn messages_say_where_and_what_to_do() {
    let e = err(&with_line(17, "weight = 9"));
    assert_eq!(e.line(), 12);
    let msg = e.to_string();
    assert!(msg.starts_with("line 12, column 10:"), "{msg}");
    assert!(msg.contains("make them equal"), "{msg}");
}
