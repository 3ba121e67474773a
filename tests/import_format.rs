//! The event-file format: every kind parses to the event it describes, and every kind of
//! error is reported as its typed variant at the right line.

use jixiao::import::{self, ImportError, RULES_DIGEST_CONTEXT};
use jixiao::ledger::{ENVELOPE_VERSION, Entry, EntryHash};
use jixiao::model::{
    Acknowledgement, BizDate, BudgetEvent, BudgetKind, BudgetLine, Claim, Correction, Direction,
    Event, Evidence, ExpenseType, Fact, FundSource, Grant, IndicatorTarget, IndicatorValue, KeyId,
    Money, Number, Principal, Revoke, Role, RuleSetAdopted, ScoreAdjustment, Staffing,
};
use std::path::{Path, PathBuf};

const RULES: &str = "name = \"test rules\"\n[tree]\n";
const EVIDENCE: &[u8] = b"scanned table \xe8\x87\xaa\xe8\xaf\x84\xe8\xa1\xa8\n";

fn public_key() -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
        .verifying_key()
        .to_bytes()
}

/// A directory with the files event files may name, and an event-file path inside it.
struct Dir {
    _tmp: tempfile::TempDir,
    events: PathBuf,
}

fn dir() -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("rules.toml"), RULES).unwrap();
    std::fs::write(tmp.path().join("noname.toml"), "version = 1\n").unwrap();
    std::fs::create_dir(tmp.path().join("ev")).unwrap();
    std::fs::write(tmp.path().join("ev/table.txt"), EVIDENCE).unwrap();
    std::fs::write(
        tmp.path().join("clerk.pub"),
        format!("# clerk\n张三 {}\n", hex::encode(public_key())),
    )
    .unwrap();
    let events = tmp.path().join("events.toml");
    Dir { _tmp: tmp, events }
}

fn parse(text: &str) -> Result<Vec<Event>, ImportError> {
    let d = dir();
    import::parse_events(text, &d.events, 2022)
}

fn date(s: &str) -> BizDate {
    s.parse().unwrap()
}

fn num(s: &str) -> Number {
    s.parse().unwrap()
}

const EVERY_KIND: &str = r#"format = "jixiao-events/1"
description = "every kind"

[[event]]
kind = "grant"
name = "张三 财务科"
role = "recorder"
public_key_file = "clerk.pub"

[[event]]
kind = "revoke"
key_id = "0102030405060708"
role = "evaluator"
reason = "调岗"

[[event]]
kind = "rule_set"
file = "rules.toml"

[[event]]
kind = "staffing"
category = "行政"
establishment = 36
actual = 31
retired = 16
date = 2022-12-31

[[event]]
kind = "budget"
fund_source = "一般公共预算"
expense_type = "project"
project = "P-2022-01"
budget_kind = "reallocate"
amount = "-12.5万元"
date = "2022-07-01"
document = "从财预〔2022〕12号"
reason = "调剂"

[[event]]
kind = "target"
indicator = "perf.output.quality.supervision"
name = "重点工作督办率"
direction = ">="
unit = "%"
year_start = "100"
adjusted = "95.0"
date = "2022-01-01"

[[event]]
kind = "value"
indicator = "perf.output.quality.supervision"
value = "100.0"
date = "2022-12-31"
evidence = [3, 4]

[[event]]
kind = "fact"
key = "hotline.tickets"
name = "受理广州 12345 政务服务便民热线工单 54906 件"
value = 54906
unit = "件"
date = "2022-12-31"
source = "二(四)2"

[[event]]
kind = "evidence"
file = "ev/table.txt"
description = "自评表"

[[event]]
kind = "claim"
id = "budget.growth_rate"
subject = "budget.growth_rate"
value = "3.5%"
unit = "%"
text = "增长 3.5%"
section = "一(三)"

[[event]]
kind = "adjustment"
node = "mgmt.perf.targets"
delta = "-0.04"
reason = "目标不够规范"
basis = "自评报告 三"

[[event]]
kind = "correction"
supersedes = 8
reason = "typo"
replacement = { kind = "fact", key = "hotline.tickets", name = "工单", value = "54907", unit = "件", date = "2022-12-31", source = "二(四)2" }

[[event]]
kind = "correction"
supersedes = 11
reason = "withdrawn"
retract = true
retracted_role = "evaluator"

[[event]]
kind = "acknowledgement"
finding = "budget.growth_rate"
reason = "报告以本年为基数"
"#;

fn expected_every_kind() -> Vec<Event> {
    let fact = |v: &str, name: &str, source: &str| Fact {
        key: "hotline.tickets".into(),
        name: name.into(),
        value: num(v),
        unit: "件".into(),
        date: date("2022-12-31"),
        source: source.into(),
    };
    vec![
        Event::Grant(Grant {
            principal: Principal {
                public_key: public_key(),
                name: "张三 财务科".into(),
            },
            role: Role::Recorder,
        }),
        Event::Revoke(Revoke {
            key_id: KeyId([1, 2, 3, 4, 5, 6, 7, 8]),
            role: Role::Evaluator,
            reason: "调岗".into(),
        }),
        Event::RuleSetAdopted(RuleSetAdopted {
            name: "test rules".into(),
            text: RULES.into(),
            digest: blake3::derive_key(RULES_DIGEST_CONTEXT, RULES.as_bytes()),
        }),
        Event::Staffing(Staffing {
            category: "行政".into(),
            establishment: 36,
            actual: 31,
            retired: 16,
            date: date("2022-12-31"),
        }),
        Event::Budget(BudgetEvent {
            line: BudgetLine {
                fund_source: FundSource::GeneralPublic,
                expense_type: ExpenseType::Project,
                project: "P-2022-01".into(),
            },
            kind: BudgetKind::Reallocate,
            amount: Money::from_fen(-12_500_000),
            date: date("2022-07-01"),
            document: "从财预〔2022〕12号".into(),
            reason: "调剂".into(),
        }),
        Event::IndicatorTarget(IndicatorTarget {
            indicator: "perf.output.quality.supervision".into(),
            name: "重点工作督办率".into(),
            direction: Direction::AtLeast,
            unit: "%".into(),
            year_start: num("100"),
            adjusted: Some(num("95.0")),
            date: date("2022-01-01"),
        }),
        Event::IndicatorValue(IndicatorValue {
            indicator: "perf.output.quality.supervision".into(),
            value: num("100.0"),
            date: date("2022-12-31"),
            deviation_reason: String::new(),
            evidence: vec![3, 4],
        }),
        Event::Fact(fact(
            "54906",
            "受理广州 12345 政务服务便民热线工单 54906 件",
            "二(四)2",
        )),
        Event::Evidence(Evidence {
            name: "table.txt".into(),
            size: EVIDENCE.len() as u64,
            blake3: *blake3::hash(EVIDENCE).as_bytes(),
            description: "自评表".into(),
        }),
        Event::Claim(Claim {
            id: "budget.growth_rate".into(),
            subject: "budget.growth_rate".into(),
            value: num("3.5"),
            unit: "%".into(),
            text: "增长 3.5%".into(),
            section: "一(三)".into(),
        }),
        Event::ScoreAdjustment(ScoreAdjustment {
            node: "mgmt.perf.targets".into(),
            delta: num("-0.04"),
            reason: "目标不够规范".into(),
            basis: "自评报告 三".into(),
        }),
        Event::Correction(Correction {
            supersedes: 8,
            reason: "typo".into(),
            replacement: Some(Box::new(Event::Fact(fact("54907", "工单", "二(四)2")))),
            retracted_kind_role: Role::Recorder,
        }),
        Event::Correction(Correction {
            supersedes: 11,
            reason: "withdrawn".into(),
            replacement: None,
            retracted_kind_role: Role::Evaluator,
        }),
        Event::Acknowledgement(Acknowledgement {
            finding: "budget.growth_rate".into(),
            reason: "报告以本年为基数".into(),
        }),
    ]
}

#[test]
fn every_importable_kind_parses_to_the_event_it_describes() {
    let d = dir();
    let batch = import::parse_batch(EVERY_KIND, &d.events, 2022).unwrap();
    let expected = expected_every_kind();
    assert_eq!(batch.events.len(), expected.len());
    for (got, want) in batch.events.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(batch.description.as_deref(), Some("every kind"));
    assert_eq!(batch.role, None);
    assert_eq!(batch.lines.first(), Some(&4));
    assert_eq!(batch.lines.len(), expected.len());
    // Printed precision survives: `100.0` is not `100`.
    let Event::IndicatorValue(v) = &batch.events[6] else {
        panic!("event 7 is a value")
    };
    assert_eq!(v.value.scale(), 1);
}

#[test]
fn imported_events_round_trip_through_the_entry_codec() {
    let d = dir();
    let events = import::parse_events(EVERY_KIND, &d.events, 2022).unwrap();
    for (i, event) in events.into_iter().enumerate() {
        let entry = Entry {
            version: ENVELOPE_VERSION,
            seq: i as u64 + 2,
            prev: EntryHash::default(),
            recorded_at: 1_672_531_200,
            author: KeyId::of(&public_key()),
            event,
        };
        let bytes = entry.encode();
        assert_eq!(Entry::decode(&bytes).unwrap(), entry);
    }
}

#[test]
fn read_events_file_reads_relative_to_the_file_and_names_it() {
    let d = dir();
    std::fs::write(&d.events, EVERY_KIND).unwrap();
    let events = import::read_events_file(&d.events, 2022).unwrap();
    assert_eq!(events, expected_every_kind());
    let missing = d.events.with_file_name("nope.toml");
    let err = import::read_events_file(&missing, 2022).unwrap_err();
    assert!(matches!(&err, ImportError::Read { path, .. } if *path == missing));
    assert!(err.to_string().contains("nope.toml"));
}

#[test]
fn inline_keys_hex_and_base64_and_names_in_both_languages_are_accepted() {
    use base64::Engine as _;
    let key = public_key();
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    let text = format!(
        "format = \"jixiao-events/1\"\n\
         [[event]]\nkind = \"grant\"\nname = \"a\"\nrole = \"evaluator\"\npublic_key = \"{}\"\n\
         [[event]]\nkind = \"grant\"\nname = \"b\"\nrole = \"auditor\"\npublic_key = \"{b64}\"\n\
         [[event]]\nkind = \"revoke\"\npublic_key = \"{b64}\"\nrole = \"auditor\"\nreason = \"left\"\n\
         [[event]]\nkind = \"budget\"\nfund_source = \"general_public\"\nexpense_type = \"基本支出\"\n\
         budget_kind = \"年初预算\"\namount = \"19236500\"\ndate = \"2022-01-01\"\n",
        hex::encode(key)
    );
    let events = parse(&text).unwrap();
    let Event::Grant(a) = &events[0] else {
        panic!()
    };
    let Event::Grant(b) = &events[1] else {
        panic!()
    };
    assert_eq!(a.principal.public_key, key);
    assert_eq!(b.principal.public_key, key);
    assert_eq!(b.role, Role::Auditor);
    let Event::Revoke(r) = &events[2] else {
        panic!()
    };
    assert_eq!(r.key_id, KeyId::of(&key));
    let Event::Budget(bud) = &events[3] else {
        panic!()
    };
    assert_eq!(bud.amount, "1923.65万元".parse::<Money>().unwrap());
    assert_eq!(bud.line.expense_type, ExpenseType::Basic);
    assert_eq!(bud.kind, BudgetKind::YearStart);
    assert!(bud.document.is_empty());
}

// ---------------------------------------------------------------------------------------
// One test per error kind: the typed variant, and the line it points at.

const HEAD: &str = "format = \"jixiao-events/1\"\n";

/// A budget event (lines 2..=9 after HEAD) with one line replaced or added.
fn budget_with(replace: &str, with: &str) -> String {
    let body = "[[event]]\n\
                kind = \"budget\"\n\
                fund_source = \"一般公共预算\"\n\
                expense_type = \"基本支出\"\n\
                budget_kind = \"execution\"\n\
                amount = \"100.00\"\n\
                date = \"2022-03-01\"\n\
                reason = \"x\"\n";
    assert!(replace.is_empty() || body.contains(replace), "{replace}");
    let body = if replace.is_empty() {
        format!("{body}{with}\n")
    } else {
        body.replacen(replace, with, 1)
    };
    format!("{HEAD}{body}")
}

fn line_of(err: &ImportError) -> usize {
    err.line().unwrap_or_else(|| panic!("no line in {err}"))
}

#[test]
fn error_syntax() {
    let err = parse(&format!("{HEAD}[[event]]\nkind = \"fact\nvalue = 1\n")).unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }), "{err}");
    assert_eq!(line_of(&err), 3);
    let err = parse(&format!("{HEAD}\nformats = 2\n")).unwrap_err();
    assert!(matches!(err, ImportError::Syntax { .. }), "{err}");
    assert_eq!(line_of(&err), 3);
}

#[test]
fn error_format() {
    let err = parse("# x\nformat = \"jixiao-events/2\"\n[[event]]\nkind = \"fact\"\n").unwrap_err();
    assert!(matches!(&err, ImportError::Format { found, .. } if found == "jixiao-events/2"));
    assert_eq!(line_of(&err), 2);
    let err = parse("[[event]]\nkind = \"fact\"\n").unwrap_err();
    assert!(matches!(err, ImportError::Format { .. }), "{err}");
}

#[test]
fn error_empty_batch() {
    let err = parse(HEAD).unwrap_err();
    assert!(matches!(err, ImportError::Empty { .. }), "{err}");
}

#[test]
fn error_unknown_kind_and_genesis_is_not_importable() {
    let err = parse(&budget_with("kind = \"budget\"", "kind = \"payment\"")).unwrap_err();
    assert!(matches!(&err, ImportError::UnknownKind { found, .. } if found == "payment"));
    assert_eq!(line_of(&err), 3);
    assert!(err.to_string().contains("acknowledgement"));
    let err = parse(&format!("{HEAD}[[event]]\nkind = \"genesis\"\n")).unwrap_err();
    assert!(matches!(err, ImportError::UnknownKind { .. }), "{err}");
}

#[test]
fn error_unknown_field() {
    let err = parse(&budget_with("amount = ", "amout = ")).unwrap_err();
    assert!(
        matches!(&err, ImportError::UnknownField { field, kind: "budget", .. } if field == "amout"),
        "{err}"
    );
    assert_eq!(line_of(&err), 7);
}

#[test]
fn error_missing_field_points_at_the_event_header() {
    let err = parse(&budget_with("amount = \"100.00\"\n", "")).unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingField { field, .. } if field == "amount"),
        "{err}"
    );
    assert_eq!(line_of(&err), 2);
    let err = parse(&format!("{HEAD}\n[[event]]\nname = \"x\"\n")).unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingField { field, .. } if field == "kind"),
        "{err}"
    );
    assert_eq!(line_of(&err), 3);
    let err = parse(&format!(
        "{HEAD}[[event]]\nkind = \"grant\"\nname = \"a\"\nrole = \"admin\"\n"
    ))
    .unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingField { field, .. } if field.contains("public_key")),
        "{err}"
    );
    let err = parse(&format!(
        "{HEAD}[[event]]\nkind = \"revoke\"\nrole = \"admin\"\nreason = \"r\"\n"
    ))
    .unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingField { field, .. } if field.contains("key_id")),
        "{err}"
    );
}

#[test]
fn error_empty_field() {
    let text = format!(
        "{HEAD}[[event]]\nkind = \"adjustment\"\nnode = \" \"\ndelta = \"-1\"\nreason = \"r\"\nbasis = \"b\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::EmptyField { field, .. } if field == "node"));
    assert_eq!(line_of(&err), 4);
}

#[test]
fn error_wrong_type_refuses_floats() {
    let err = parse(&budget_with("amount = \"100.00\"", "amount = 100.5")).unwrap_err();
    assert!(
        matches!(&err, ImportError::WrongType { field, found: "a float", .. } if field == "amount"),
        "{err}"
    );
    assert_eq!(line_of(&err), 7);
}

#[test]
fn error_bad_number() {
    let err = parse(&budget_with("amount = \"100.00\"", "amount = \"1百\"")).unwrap_err();
    assert!(matches!(err, ImportError::BadNumber { .. }), "{err}");
    assert_eq!(line_of(&err), 7);
}

#[test]
fn error_too_precise_yuan_and_wan() {
    let err = parse(&budget_with("amount = \"100.00\"", "amount = \"100.001\"")).unwrap_err();
    assert!(
        matches!(&err, ImportError::TooPrecise { found, .. } if found == "100.001"),
        "{err}"
    );
    assert_eq!(line_of(&err), 7);
    let err = parse(&budget_with(
        "amount = \"100.00\"",
        "amount = \"0.0000001万元\"",
    ))
    .unwrap_err();
    assert!(matches!(err, ImportError::TooPrecise { .. }), "{err}");
    assert!(
        parse(&budget_with(
            "amount = \"100.00\"",
            "amount = \"0.000001万元\""
        ))
        .is_ok()
    );
}

#[test]
fn error_bad_date() {
    let err = parse(&budget_with(
        "date = \"2022-03-01\"",
        "date = \"2022-02-30\"",
    ))
    .unwrap_err();
    assert!(matches!(err, ImportError::BadDate { .. }), "{err}");
    assert_eq!(line_of(&err), 8);
    let err = parse(&budget_with(
        "date = \"2022-03-01\"",
        "date = 2022-03-01T10:00:00",
    ))
    .unwrap_err();
    assert!(matches!(err, ImportError::WrongType { .. }), "{err}");
}

#[test]
fn error_date_outside_fiscal_year() {
    let err = parse(&budget_with("date = \"2022-03-01\"", "date = 2021-12-31")).unwrap_err();
    assert!(
        matches!(&err, ImportError::OutsideYear { year: 2022, found, .. } if found == "2021-12-31"),
        "{err}"
    );
    assert_eq!(line_of(&err), 8);
}

#[test]
fn error_negative_amount_only_reallocate_may_be_negative() {
    let err = parse(&budget_with("amount = \"100.00\"", "amount = \"-100.00\"")).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Negative {
                budget_kind: "execution",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(line_of(&err), 7);
    let text = budget_with("amount = \"100.00\"", "amount = \"-1万元\"")
        .replace("\"execution\"", "\"year_start\"");
    assert!(matches!(parse(&text), Err(ImportError::Negative { .. })));
    let text = budget_with(
        "amount = \"100.00\"",
        "amount = \"-1万元\"\ndocument = \"文1\"",
    )
    .replace("\"execution\"", "\"reallocate\"");
    assert!(parse(&text).is_ok());
}

#[test]
fn error_adjustment_without_document() {
    for kind in ["adjust_add", "adjust_cut", "reallocate"] {
        let text = budget_with(
            "budget_kind = \"execution\"",
            &format!("budget_kind = \"{kind}\""),
        );
        let err = parse(&text).unwrap_err();
        assert!(matches!(err, ImportError::MissingDocument { .. }), "{err}");
        assert_eq!(line_of(&err), 2, "absent document points at the event");
        let text = budget_with("reason = \"x\"", "document = \"  \"")
            .replace("\"execution\"", &format!("\"{kind}\""));
        let err = parse(&text).unwrap_err();
        assert!(matches!(err, ImportError::MissingDocument { .. }), "{err}");
        assert_eq!(line_of(&err), 9, "blank document points at itself");
    }
}

#[test]
fn error_bad_direction() {
    let text = format!(
        "{HEAD}[[event]]\nkind = \"target\"\nindicator = \"a\"\nname = \"n\"\ndirection = \">\"\nunit = \"%\"\nyear_start = \"100\"\ndate = \"2022-01-01\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::BadDirection { found, .. } if found == ">"));
    assert_eq!(line_of(&err), 6);
}

#[test]
fn error_bad_name_of_fund_source_budget_kind_and_role() {
    let err = parse(&budget_with("\"一般公共预算\"", "\"一般预算\"")).unwrap_err();
    assert!(
        matches!(&err, ImportError::BadName { field, .. } if field == "fund_source"),
        "{err}"
    );
    assert_eq!(line_of(&err), 4);
    assert!(err.to_string().contains("general_public"));
    let err = parse(&budget_with("\"execution\"", "\"payment\"")).unwrap_err();
    assert!(matches!(&err, ImportError::BadName { field, .. } if field == "budget_kind"));
    let text = format!(
        "{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 3\nreason = \"r\"\nretract = true\nretracted_role = \"auditor\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::BadName { field, .. } if field == "retracted_role"));
    assert_eq!(line_of(&err), 7);
}

#[test]
fn error_bad_key() {
    let text = format!(
        "{HEAD}[[event]]\nkind = \"grant\"\nname = \"a\"\nrole = \"recorder\"\npublic_key = \"abcd\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::BadKey { field, .. } if field == "public_key"));
    assert_eq!(line_of(&err), 6);
    let text = format!(
        "{HEAD}[[event]]\nkind = \"revoke\"\nkey_id = \"xyz\"\nrole = \"recorder\"\nreason = \"r\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::BadKey { field, .. } if field == "key_id"));
    assert_eq!(line_of(&err), 4);
}

#[test]
fn error_missing_referenced_file() {
    for (kind, key) in [
        ("evidence", "file"),
        ("rule_set", "file"),
        (
            "grant\"\nname = \"a\"\nrole = \"recorder",
            "public_key_file",
        ),
    ] {
        let text = format!("{HEAD}[[event]]\nkind = \"{kind}\"\n{key} = \"missing/x.bin\"\n");
        let err = parse(&text).unwrap_err();
        assert!(
            matches!(&err, ImportError::MissingFile { path, .. } if path.ends_with("missing/x.bin")),
            "{err}"
        );
        assert_eq!(line_of(&err), text.lines().count());
    }
}

#[test]
fn error_rule_set_without_name() {
    let text = format!("{HEAD}\n[[event]]\nkind = \"rule_set\"\nfile = \"noname.toml\"\n");
    let err = parse(&text).unwrap_err();
    assert!(matches!(&err, ImportError::BadRules { path, .. } if path.ends_with("noname.toml")));
    assert_eq!(line_of(&err), 5);
}

#[test]
fn error_inconsistent_correction_and_project_line() {
    let both = format!(
        "{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 3\nreason = \"r\"\nretract = true\nreplacement = {{ kind = \"acknowledgement\", finding = \"f\", reason = \"r\" }}\n"
    );
    let err = parse(&both).unwrap_err();
    assert!(matches!(&err, ImportError::Inconsistent { field, .. } if field == "retract"));
    assert_eq!(line_of(&err), 6);
    let neither =
        format!("{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 3\nreason = \"r\"\n");
    let err = parse(&neither).unwrap_err();
    assert!(matches!(err, ImportError::Inconsistent { .. }), "{err}");
    let err = parse(&budget_with("", "project = \"P1\"")).unwrap_err();
    assert!(matches!(&err, ImportError::Inconsistent { field, .. } if field == "project"));
    assert_eq!(line_of(&err), 10);
}

#[test]
fn error_inside_a_replacement_names_the_nested_field_and_its_line() {
    let text = format!(
        "{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 3\nreason = \"r\"\n\
         replacement = {{ kind = \"budget\", fund_source = \"其他\", expense_type = \"基本支出\", budget_kind = \"execution\", amount = \"1.001\", date = \"2022-05-05\" }}\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(
        matches!(&err, ImportError::TooPrecise { field, .. } if field == "replacement.amount"),
        "{err}"
    );
    assert_eq!(line_of(&err), 6);
    let nested = format!(
        "{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 3\nreason = \"r\"\n\
         replacement = {{ kind = \"correction\", supersedes = 2, reason = \"r\", retract = true, retracted_role = \"recorder\" }}\n"
    );
    assert!(matches!(
        parse(&nested),
        Err(ImportError::UnknownKind { .. })
    ));
}

#[test]
fn error_event_needing_another_role_than_the_file_declares() {
    let text = format!(
        "# role: recorder\n{HEAD}[[event]]\nkind = \"adjustment\"\nnode = \"n\"\ndelta = \"-1\"\nreason = \"r\"\nbasis = \"b\"\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::RoleMismatch {
                declared: Role::Recorder,
                needed: Role::Evaluator,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(line_of(&err), 3);
}

#[test]
fn errors_name_the_file_line_and_column() {
    let d = dir();
    let err =
        import::parse_events(&budget_with("amount = ", "amout = "), &d.events, 2022).unwrap_err();
    let at = err.location().unwrap();
    assert_eq!(at.file, d.events);
    assert_eq!((at.line, at.col), (7, 1));
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}:7:1: event #1", Path::new(&d.events).display())));
}

#[test]
fn a_replacement_may_be_a_sub_table_and_needs_its_kinds_role() {
    let text = format!(
        "{HEAD}[[event]]\nkind = \"correction\"\nsupersedes = 40\nreason = \"wrong node\"\n\
         [event.replacement]\nkind = \"adjustment\"\nnode = \"mgmt.perf.targets\"\ndelta = \"-0.04\"\n\
         reason = \"r\"\nbasis = \"b\"\n"
    );
    let events = parse(&text).unwrap();
    let [Event::Correction(c)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(c.retracted_kind_role, Role::Evaluator);
    assert_eq!(events[0].required_role(), Role::Evaluator);
    let Some(Event::ScoreAdjustment(a)) = c.replacement.as_deref() else {
        panic!("{c:?}")
    };
    assert_eq!(a.delta, num("-0.04"));
    let bad = text.replace("delta = \"-0.04\"", "delta = -0.04");
    let err = parse(&bad).unwrap_err();
    assert!(
        matches!(&err, ImportError::WrongType { field, .. } if field == "replacement.delta"),
        "{err}"
    );
    assert_eq!(line_of(&err), 6, "points at the replacement table");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Damaged files are rejected with an error, never a panic, and any located error points
    /// inside the file.
    #[test]
    fn damaged_files_never_panic(cut in 0usize..EVERY_KIND.len(), byte in 0u8..128, at in 0usize..EVERY_KIND.len()) {
        let d = dir();
        let mut bytes = EVERY_KIND.as_bytes().to_vec();
        bytes[at] = byte;
        bytes.truncate(cut.max(at + 1));
        let text = String::from_utf8_lossy(&bytes);
        let line = import::parse_events(&text, &d.events, 2022)
            .err()
            .and_then(|e| e.line());
        if let Some(line) = line {
            proptest::prop_assert!(line >= 1 && line <= text.lines().count() + 1);
        }
    }
}
