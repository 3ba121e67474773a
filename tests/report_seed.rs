//! Reports of the Conghua 2022 seed ledger (fixed keys, ledger id 0x11…): snapshots of the
//! text, Markdown and HTML reports (reviewed expectations in `tests/snapshots/`, rewritten
//! only with `JIXIAO_BLESS=1`), the JSON read back with independent types, as-of views,
//! `trace`, `diff` across a correction, and the refusal to render a tampered ledger.

use assert_cmd::Command;
use jixiao::seed::{SeedKeys, build, write_fixture};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// The seed ledger, built once per run of this test binary (under the target directory's
/// scratch space); tests copy it before changing it.
fn seed() -> &'static Path {
    static SEED: OnceLock<PathBuf> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_seed");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fx = write_fixture(&dir).unwrap();
        let path = dir.join("conghua-2022.jixiao");
        build(&path, &fx, &SeedKeys::fixed(), [0x11; 16], |_| {}).unwrap();
        path
    })
}

/// A private copy of the seed ledger.
fn seed_copy() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("copy.jixiao");
    std::fs::copy(seed(), &p).unwrap();
    (dir, p)
}

fn jixiao() -> Command {
    Command::cargo_bin("jixiao").unwrap()
}

fn run(args: &[&str]) -> String {
    let out = jixiao().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "jixiao {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn report(format: &str, extra: &[&str]) -> String {
    let p = seed().to_str().unwrap().to_string();
    let mut args = vec!["report", p.as_str(), "--format", format];
    args.extend_from_slice(extra);
    run(&args)
}

/// Compares with the stored snapshot; `JIXIAO_BLESS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var("JIXIAO_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with JIXIAO_BLESS=1 once", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b);
        panic!(
            "{name} differs from the snapshot (first differing line: {first:?}); \
             review and rerun with JIXIAO_BLESS=1 if the change is intended"
        );
    }
}

/// The line of the text report that starts (after indentation) with `label`.
fn line_of<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no line starting with {label:?} in\n{text}"))
}

#[test]
fn text_report_snapshot_and_figures() {
    let t = report("text", &[]);
    snapshot("report_seed.txt", &t);
    // Totals and grade.
    assert!(
        line_of(&t, "自评总分").starts_with("自评总分 99.96  等级 优"),
        "{t}"
    );
    let mgmt = line_of(&t, "管理效能");
    assert!(mgmt.contains("49.96"), "{mgmt}");
    let perf = line_of(&t, "履职效能");
    assert!(perf.contains("50.00"), "{perf}");
    // Budget summary in 万元, exact.
    let budget = &t[t.find("二、预算执行情况").unwrap()..t.find("三、核对发现").unwrap()];
    assert!(line_of(budget, "年初预算数").contains("1923.65 万元"));
    assert!(line_of(budget, "全年预算数").contains("1923.65 万元"));
    assert!(line_of(budget, "执行数").contains("1923.65 万元"));
    assert!(line_of(budget, "预算执行率").contains("100.00 %"));
    assert!(line_of(budget, "上年预算数").contains("1856.39 万元"));
    assert!(line_of(budget, "较上年增减额").contains("67.26 万元"));
    assert!(line_of(budget, "较上年增长率").contains("3.62 %"));
    // The growth-rate finding, not acknowledged.
    let i = t.find("budget.growth_rate").expect("growth-rate finding");
    let f = &t[i..];
    assert!(f.contains("报告数 3.5%, 重算数 3.6%"), "{f}");
    assert!(f.lines().nth(3).unwrap().contains("未确认"), "{f}");
    // The −0.04 adjustment with its reason and author.
    let adj = &t[t.find("四、评分调整").unwrap()..];
    assert!(adj.contains("mgmt.perf.targets -0.04"), "{adj}");
    assert!(adj.contains("(evaluator, "), "{adj}");
    assert!(adj.contains("理由: "), "{adj}");
    // Footer binds the report to the ledger.
    assert!(t.contains("账本编号: 11111111111111111111111111111111"));
    assert!(line_of(&t, "默克尔根").len() > 60);
    // Every citation is seq·6 hex.
    for w in t
        .split_whitespace()
        .filter(|w| w.starts_with('#') && w.contains('·'))
    {
        let (seq, hash) = w[1..].split_once('·').unwrap();
        assert!(seq.parse::<u64>().is_ok(), "{w}");
        assert!(
            hash.len() == 6 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{w}"
        );
    }
    // No unverified marker on a sound ledger.
    assert!(!t.contains("UNVERIFIED"));
}

#[test]
fn text_columns_align_by_display_width() {
    use jixiao::report::display_width;
    let t = report("text", &[]);
    let rows: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.starts_with("指标"))
        .take_while(|l| !l.starts_with("自评总分"))
        .filter(|l| {
            let x = l.trim_start();
            !x.starts_with("方法:") && !x.starts_with("偏差原因:") && !x.starts_with("未评分原因:")
        })
        .collect();
    assert!(rows.len() > 30, "{rows:?}");
    // Name column 40 wide, then weight right-aligned in 6, target in 8, actual in 10, score
    // in 13, each after two spaces: the score ends at display column 40+2+6+2+8+2+10+2+13.
    for r in rows {
        let mut acc = 0;
        let mut cut = r.len();
        for (i, ch) in r.char_indices() {
            if acc == 85 {
                cut = i;
                break;
            }
            acc += display_width(ch.encode_utf8(&mut [0; 4]));
        }
        assert_eq!(acc, 85, "{r:?}");
        let (left, right) = r.split_at(cut);
        assert!(right.is_empty() || right.starts_with("  "), "{r:?}");
        assert!(!left.ends_with(' '), "score column right-aligned: {r:?}");
        assert_eq!(
            display_width(&left[..left.find(|c: char| c != ' ').unwrap()]) % 2,
            0
        );
    }
}

#[test]
fn english_labels() {
    let t = report("text", &["--lang", "en"]);
    snapshot("report_seed_en.txt", &t);
    assert!(t.contains("Total score 99.96  grade"));
    assert!(t.contains("Growth rate"));
    assert!(t.contains("stated 3.5%, recomputed 3.6%"));
    assert!(!t.contains("总分"));
}

#[test]
fn markdown_snapshot() {
    let m = report("md", &[]);
    snapshot("report_seed.md", &m);
    assert!(m.contains("**自评总分 99.96**, 等级 **优**"), "{m}");
    assert!(m.contains("| 较上年增长率 | 3.62 % |"));
    assert!(m.contains("报告数 **3.5%**, 重算数 **3.6%**"));
    assert!(m.contains("`mgmt.perf.targets` **-0.04**"));
    // Every table row has the same number of cells as its header.
    let mut cols = 0;
    for l in m.lines() {
        if l.starts_with("| ") {
            let n = l.replace("\\|", "").matches('|').count();
            if cols == 0 {
                cols = n;
            }
            assert_eq!(n, cols, "{l}");
        } else if !l.starts_with("|-") {
            cols = 0;
        }
    }
}

#[test]
fn html_is_self_contained_and_links_resolve() {
    let h = report("html", &[]);
    snapshot("report_seed.html", &h);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("@page { size: A4"));
    assert!(!h.to_lowercase().contains("<script"));
    assert!(!h.contains("http"));
    assert!(!h.contains("src="));
    let ids: std::collections::BTreeSet<&str> = h
        .split("id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let hrefs: Vec<&str> = h
        .split("href=\"#")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(hrefs.len() >= 30, "{}", hrefs.len());
    for r in &hrefs {
        assert!(ids.contains(r), "href #{r} has no target");
    }
    // The adjustment's row in the evidence table names its author and reason.
    assert!(h.contains("<strong>自评总分 99.96</strong>"));
    assert!(h.contains("-0.04"));
    // Text is escaped: no stray angle brackets from data inside cells.
    assert!(!h.contains("<<") && !h.contains(">>"));
}

#[test]
fn html_escapes() {
    assert_eq!(
        jixiao::report::escape("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn output_is_deterministic_and_o_writes_the_same() {
    let a = report("html", &[]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    report("html", &["-o", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), a);
    assert_eq!(report("json", &[]), report("json", &[]));
}

// Every field is declared (with `deny_unknown_fields`) so the read-back checks the whole
// schema, though not every field is asserted on.
#[allow(dead_code)]
mod json {
    //! Independent types: what a consumer of docs/REPORT-JSON.md would write.
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Report {
        pub schema: String,
        pub lang: String,
        pub citations: String,
        pub department: String,
        pub year: Option<i32>,
        pub as_of: AsOf,
        pub last_seq: Option<u64>,
        pub integrity: Integrity,
        pub score_error: Option<String>,
        pub rule_set: Option<(String, Cite)>,
        pub rule_set_changes: Vec<RuleSetChange>,
        pub nodes: Vec<Node>,
        pub total: Option<String>,
        pub grade: Option<String>,
        pub claims_checked: usize,
        pub budget: Vec<Budget>,
        pub findings: Vec<Finding>,
        pub adjustments: Vec<Adjustment>,
        pub ledger: Binding,
        pub evidence: Vec<Entry>,
        pub evidence_groups: Vec<Group>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Group {
        pub from: u64,
        pub to: u64,
        pub count: u64,
        pub kind: String,
        pub budget_kind: Option<String>,
        pub line: Option<String>,
        pub subject: Option<String>,
        pub sum: Option<String>,
        pub sum_exact: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RuleSetChange {
        pub adopted: Cite,
        pub name: String,
        pub digest: String,
        pub previous: Cite,
        pub previous_name: String,
        pub previous_digest: String,
        pub same_name: bool,
        pub same_text: bool,
        pub author: String,
        pub recorded_at: String,
        pub score_before: Option<String>,
        pub score_after: Option<String>,
        pub delta: Option<String>,
        pub problem: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct AsOf {
        pub kind: String,
        pub at: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Integrity {
        pub verified: bool,
        pub failed_seq: Option<u64>,
        pub failure_kind: Option<String>,
        pub failure_detail: Option<String>,
        pub marker: Option<String>,
    }
    #[derive(Deserialize, PartialEq, Eq, Debug)]
    #[serde(deny_unknown_fields)]
    pub struct Cite {
        pub seq: u64,
        pub hash: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Node {
        pub id: String,
        pub name: String,
        pub depth: usize,
        pub weight: String,
        pub target: Option<String>,
        pub actual: Option<String>,
        pub method: Option<String>,
        pub score: String,
        pub score_exact: String,
        pub adjustment: Option<String>,
        pub pending: Option<String>,
        pub deviation_reason: Option<String>,
        pub cites: Vec<Cite>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Budget {
        pub key: String,
        pub label: String,
        pub value: Option<String>,
        pub unit: String,
        pub exact: Option<String>,
        pub note: Option<String>,
        pub cites: Vec<Cite>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Finding {
        pub id: String,
        pub kind: String,
        pub section: String,
        pub text: String,
        pub stated: String,
        pub recomputed: Option<String>,
        pub recomputed_exact: Option<String>,
        pub definition: String,
        pub problem: Option<String>,
        pub claim: Cite,
        pub inputs: Vec<Cite>,
        pub acknowledged: Option<Ack>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Ack {
        pub cite: Cite,
        pub reason: String,
        pub author: String,
        pub recorded_at: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Adjustment {
        pub node: String,
        pub node_name: String,
        pub delta: String,
        pub reason: String,
        pub basis: String,
        pub author: String,
        pub recorded_at: String,
        pub cites: Vec<Cite>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Binding {
        pub ledger_id: String,
        pub entries: u64,
        pub head: String,
        pub merkle_root: Option<String>,
        pub signed_checkpoint: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Entry {
        pub seq: u64,
        pub hash: String,
        pub short: String,
        pub author: String,
        pub recorded_at: String,
        pub kind: String,
        pub summary: String,
        pub reason: Option<String>,
    }
}

#[test]
fn json_reads_back_with_independent_types() {
    let s = report("json", &[]);
    let r: json::Report = serde_json::from_str(&s).unwrap();
    assert_eq!(r.schema, "jixiao-report/2");
    assert_eq!(r.lang, "zh");
    // No figure of the seed case cites more than 20 entries: nothing is summarised.
    assert_eq!(r.citations, "bounded");
    assert!(r.evidence_groups.is_empty());
    assert_eq!(
        report("json", &["--citations", "all"])
            .replace("\"citations\": \"all\"", "\"citations\": \"bounded\""),
        s
    );
    assert_eq!(r.department, "广州市从化区人民政府办公室");
    assert_eq!(r.year, Some(2022));
    assert_eq!(r.as_of.kind, "latest");
    assert!(r.as_of.at.is_none());
    assert!(r.integrity.verified && r.integrity.failed_seq.is_none());
    assert!(r.integrity.marker.is_none());
    assert!(r.score_error.is_none());
    assert_eq!(r.total.as_deref(), Some("99.96"));
    assert_eq!(r.grade.as_deref(), Some("优"));
    assert_eq!(r.claims_checked, 26);
    let node = |id: &str| r.nodes.iter().find(|n| n.id == id).unwrap();
    assert_eq!(node("mgmt").score, "49.96");
    assert_eq!(node("perf").score, "50.00");
    assert_eq!(
        node("mgmt.perf.targets").adjustment.as_deref(),
        Some("-0.04")
    );
    assert!(r.nodes.iter().all(|n| n.pending.is_none()));
    let b = |k: &str| r.budget.iter().find(|x| x.key == k).unwrap();
    assert_eq!(b("year_start").value.as_deref(), Some("1923.65"));
    assert_eq!(b("year_start").exact.as_deref(), Some("19236500.00"));
    assert_eq!(b("growth_rate").value.as_deref(), Some("3.62"));
    assert_eq!(b("execution_rate").value.as_deref(), Some("100.00"));
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!(f.id, "budget.growth_rate");
    assert_eq!(f.kind, "mismatch");
    assert_eq!(f.stated, "3.5%");
    assert_eq!(f.recomputed.as_deref(), Some("3.6%"));
    assert!(f.acknowledged.is_none());
    assert!(f.problem.is_none());
    assert_eq!(r.adjustments.len(), 1);
    let a = &r.adjustments[0];
    assert_eq!(
        (a.node.as_str(), a.delta.as_str()),
        ("mgmt.perf.targets", "-0.04")
    );
    assert_eq!(a.author, "evaluator");
    assert!(a.reason.contains("绩效目标"), "{}", a.reason);
    assert!(!a.basis.is_empty() && !a.node_name.is_empty());
    assert!(a.recorded_at.ends_with('Z'));
    assert_eq!(r.ledger.ledger_id, "11".repeat(16));
    assert_eq!(r.ledger.head.len(), 64);
    assert_eq!(r.ledger.merkle_root.as_ref().map(String::len), Some(64));
    assert!(r.ledger.signed_checkpoint.is_none());
    // Every citation anywhere is in the evidence list with the same short hash.
    let ev: std::collections::BTreeMap<u64, &json::Entry> =
        r.evidence.iter().map(|e| (e.seq, e)).collect();
    let mut all: Vec<&json::Cite> = Vec::new();
    all.extend(r.nodes.iter().flat_map(|n| &n.cites));
    all.extend(r.budget.iter().flat_map(|n| &n.cites));
    all.extend(
        r.findings
            .iter()
            .flat_map(|f| f.inputs.iter().chain([&f.claim])),
    );
    all.extend(r.adjustments.iter().flat_map(|a| &a.cites));
    all.push(&r.rule_set.as_ref().unwrap().1);
    // The seed adopts one rule set: no change to show.
    assert!(r.rule_set_changes.is_empty());
    for c in all {
        let e = ev[&c.seq];
        assert_eq!(e.short, c.hash);
        assert!(e.hash.starts_with(&c.hash));
    }
    assert_eq!(ev[&a.cites[0].seq].kind, "adjustment");
    assert_eq!(ev[&a.cites[0].seq].author, "evaluator");
    assert_eq!(
        r.ledger.entries,
        *ev.keys().max().unwrap().max(&r.ledger.entries)
    );
}

#[test]
fn mid_year_view_has_no_year_end_values() {
    let t = report("json", &["--as-of", "2022-06-30"]);
    let r: json::Report = serde_json::from_str(&t).unwrap();
    assert_eq!(r.as_of.kind, "date");
    assert_eq!(r.as_of.at, Some(serde_json::json!("2022-06-30")));
    // No year-end figure is in view: nothing executed yet, no claims, no findings, no
    // adjustment (recorded 2023).
    let b = |k: &str| r.budget.iter().find(|x| x.key == k).unwrap();
    assert_eq!(b("year_start").value.as_deref(), Some("1923.65"));
    assert_eq!(b("executed").value.as_deref(), Some("0.00"));
    assert!(b("executed").cites.is_empty());
    assert_eq!(b("execution_rate").value.as_deref(), Some("0.00"));
    assert!(r.findings.is_empty(), "no claims are in view mid-year");
    assert_eq!(r.claims_checked, 0);
    assert!(r.adjustments.is_empty());
    assert!(
        r.evidence
            .iter()
            .all(|e| e.kind != "claim" && e.kind != "value")
    );
    // Every leaf without its year-end value is pending and none shows an actual; when the
    // evaluator cannot score the mid-year state at all, the report says why instead.
    match &r.score_error {
        None => {
            assert!(r.nodes.iter().any(|n| n.pending.is_some()));
            assert!(
                r.nodes
                    .iter()
                    .all(|n| n.pending.is_none() || n.actual.is_none())
            );
        }
        Some(e) => {
            assert!(r.nodes.is_empty() && r.total.is_none());
            assert!(e.contains("budget.executed"), "{e}");
        }
    }
    let text = report("text", &["--as-of", "2022-06-30"]);
    snapshot("report_seed_midyear.txt", &text);
    assert!(text.starts_with(
        "部门整体支出绩效自评报告  广州市从化区人民政府办公室 2022\n截至: 2022-06-30"
    ));
    assert!(!text.contains("1923.65 万元  #25"), "no year-end execution");
}

#[test]
fn trace_of_mgmt_reaches_the_adjustment() {
    let p = seed().to_str().unwrap();
    let t = run(&["trace", p, "mgmt"]);
    snapshot("trace_mgmt.txt", &t);
    assert!(t.starts_with("截至: 全部记录\nmgmt "), "{t}");
    let adj = t
        .lines()
        .find(|l| l.trim_start().starts_with("调整 -0.04"))
        .expect("the adjustment");
    assert!(adj.contains("(evaluator, "), "{adj}");
    // Its entry is listed under mgmt.perf.targets, indented below mgmt.
    let node = t.find("  mgmt.perf.targets").expect("child node");
    assert!(t[node..].contains("evaluator  评分调整"));
    let j = run(&["trace", p, "mgmt.perf.targets", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["root"]["adjustments"][0]["delta"], "-0.04");
    assert_eq!(v["root"]["score"], "3.96");
    assert_eq!(v["root"]["before_adjustments"], "4");
    let entries = v["root"]["entries"].as_array().unwrap();
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(seqs, sorted, "entries in seq order");
    assert!(entries.iter().any(|e| e["kind"] == "adjustment"));
    assert!(entries.iter().any(|e| e["kind"] == "value"));
}

#[test]
fn as_of_a_seq_is_before_the_adjustment() {
    let r: json::Report = serde_json::from_str(&report("json", &["--as-of", "157"])).unwrap();
    assert_eq!(r.as_of.kind, "seq");
    assert_eq!(r.as_of.at, Some(serde_json::json!(157)));
    assert_eq!(r.last_seq, Some(157));
    assert_eq!(r.total.as_deref(), Some("100.00"));
    assert!(r.adjustments.is_empty());
    assert!(r.evidence.iter().all(|e| e.seq <= 157));
    // The footer still binds the report to the whole ledger as verified.
    assert_eq!(r.ledger.entries, 158);
}

#[test]
fn trace_of_unknown_node_is_a_usage_error() {
    let out = jixiao()
        .args(["trace", seed().to_str().unwrap(), "no.such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no.such"));
}

/// Appends, signed by the seed's recorder, a correction of the 综合满意度 value to 81 %.
fn correct_satisfaction(path: &Path) -> u64 {
    use jixiao::ledger::Ledger;
    use jixiao::model::{Correction, Event, Number, Role};
    let ledger = Ledger::open(path).unwrap();
    let head = ledger.head().unwrap().size;
    let (seq, mut value) = (1..=head)
        .find_map(|s| match ledger.entry(s).unwrap().unwrap().entry.event {
            Event::IndicatorValue(v) if v.indicator == "perf.satisfaction.overall" => Some((s, v)),
            _ => None,
        })
        .expect("the satisfaction value");
    value.value = Number::from(81);
    value.deviation_reason = "问卷复核后综合满意度为 81%".into();
    let correction = Event::Correction(Correction {
        supersedes: seq,
        reason: "满意度调查表复核,原录入有误".into(),
        replacement: Some(Box::new(Event::IndicatorValue(value))),
        retracted_kind_role: Role::Recorder,
    });
    let at = 1_677_000_000; // 2023-02-21
    ledger
        .append(&SeedKeys::fixed().recorder.signing, vec![correction], at)
        .unwrap();
    seq
}

#[test]
fn diff_across_a_correction_names_the_node_and_the_entry() {
    let (_dir, p) = seed_copy();
    let corrected = correct_satisfaction(&p);
    let ps = p.to_str().unwrap();
    let d = run(&["diff", ps, "--from", "158", "--to", "159"]);
    snapshot("diff_correction.txt", &d);
    assert!(
        d.starts_with("比较 seq 158 → seq 159\n总分 99.96 → 98.96\n"),
        "{d}"
    );
    // 10 × 81 / 90 = 9.00: the leaf and every ancestor lose 1.00.
    for (id, old, new) in [
        ("perf.satisfaction.overall", "10.00", "9.00"),
        ("perf.satisfaction", "10.00", "9.00"),
        ("perf", "50.00", "49.00"),
        ("total", "99.96", "98.96"),
    ] {
        let line = d
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} not in\n{d}"));
        assert!(line.ends_with(&format!("{old} → {new} (-1.00)")), "{line}");
    }
    assert!(!d.contains("mgmt"), "unchanged nodes are not listed:\n{d}");
    // The correction entry is named under the changed leaf, with its reason.
    let leaf = d.find("perf.satisfaction.overall ").unwrap();
    let below = &d[leaf..];
    assert!(below.contains("#159·"), "{below}");
    assert!(below.contains("recorder  更正"), "{below}");
    assert!(below.contains("满意度调查表复核"), "{below}");
    // The trace shows the superseded value.
    let t = run(&["trace", ps, "perf.satisfaction.overall"]);
    assert!(t.contains(&format!("更正 #{corrected}·")), "{t}");
    assert!(t.contains("→ perf.satisfaction.overall = 81"), "{t}");
    assert!(t.contains("满意度调查表复核"), "{t}");
    // And the report shows the new figures and cites the correction.
    let r = run(&["report", ps]);
    assert!(r.contains("自评总分 98.96"), "{r}");
    let row = r
        .lines()
        .find(|l| l.trim_start().starts_with("综合满意度"))
        .unwrap();
    assert!(
        row.contains("81%") && row.contains("9.00") && row.contains("#159·"),
        "{row}"
    );
    assert!(r.contains("偏差原因: 问卷复核后综合满意度为 81%"), "{r}");
}

#[test]
fn diff_by_recorded_time_shows_the_adjustment_recorded_after_year_end() {
    let p = seed().to_str().unwrap();
    // As the ledger stood before 2023-02-15 the adjustment was not recorded yet: full marks,
    // then −0.04 with it (docs/TIME.md: the recording axis).
    let d = run(&[
        "diff",
        p,
        "--from",
        "2023-02-14T00:00:00Z",
        "--to",
        "latest",
    ]);
    snapshot("diff_yearend_latest.txt", &d);
    assert!(
        d.starts_with("比较 记录至 2023-02-14T00:00:00Z → 全部记录\n总分 100.00 → 99.96\n"),
        "{d}"
    );
    // The business date 2022-12-31 is the whole year: the adjustment, recorded in 2023 about
    // 2022, is in view, so nothing changes between it and the latest view.
    let same = run(&["diff", p, "--from", "2022-12-31", "--to", "latest"]);
    assert!(same.contains("总分 99.96 → 99.96"), "{same}");
    let leaf = d
        .lines()
        .find(|l| l.trim_start().starts_with("mgmt.perf.targets "))
        .unwrap_or_else(|| panic!("{d}"));
    assert!(leaf.ends_with("4.00 → 3.96 (-0.04)"), "{leaf}");
    assert!(d.contains("evaluator  评分调整"), "{d}");
    assert!(!d.contains("perf.satisfaction"), "{d}");
    let bad = jixiao()
        .args(["diff", p, "--from", "June", "--to", "latest"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from June"));
}

/// Flips one byte of the stored entry at `seq`, through redb.
fn tamper(path: &Path, seq: u64) {
    use redb::ReadableTable;
    let db = redb::Database::open(path).unwrap();
    let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("entries");
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(table).unwrap();
        let mut bytes = t.get(seq).unwrap().unwrap().value().to_vec();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        t.insert(seq, bytes.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn tampered_ledger_refuses_unless_unverified_and_then_is_marked() {
    let (_dir, p) = seed_copy();
    tamper(&p, 40);
    let ps = p.to_str().unwrap();
    for args in [
        vec!["report", ps],
        vec!["report", ps, "--format", "html"],
        vec!["trace", ps, "mgmt"],
        vec!["diff", ps, "--from", "30", "--to", "39"],
    ] {
        let out = jixiao().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: no figures on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("integrity check failed at seq 40"), "{err}");
    }
    let marker = "UNVERIFIED — integrity check failed at seq 40";
    for f in ["text", "md", "json", "html"] {
        let out = jixiao()
            .args(["report", ps, "--format", f, "--unverified"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{f}");
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains(marker), "{f}: {s}");
        if f == "json" {
            let r: json::Report = serde_json::from_str(&s).unwrap();
            assert!(!r.integrity.verified);
            assert_eq!(r.integrity.failed_seq, Some(40));
            assert_eq!(r.integrity.marker.as_deref(), Some(marker));
            assert!(r.ledger.merkle_root.is_none());
        }
        if f == "text" {
            assert!(
                s.starts_with(&format!("{}\n!! {marker}\n", "!".repeat(72))),
                "{s}"
            );
        }
        if f == "html" {
            assert!(s.contains(&format!("<div class=\"marker\">{marker}</div>")));
        }
    }
    let t = run(&["trace", ps, "mgmt", "--unverified"]);
    assert!(t.contains(marker));
    let d = run(&["diff", ps, "--from", "30", "--to", "39", "--unverified"]);
    assert!(d.contains(marker));
}

#[test]
fn acknowledged_finding_stays_listed_with_the_reason() {
    use jixiao::ledger::Ledger;
    use jixiao::model::{Acknowledgement, Event};
    let (_dir, p) = seed_copy();
    {
        let ledger = Ledger::open(&p).unwrap();
        let ack = Event::Acknowledgement(Acknowledgement {
            finding: "budget.growth_rate".into(),
            reason: "报告以本年数为基数计算,已知悉".into(),
        });
        ledger
            .append(
                &SeedKeys::fixed().evaluator.signing,
                vec![ack],
                1_677_000_000,
            )
            .unwrap();
    }
    let ps = p.to_str().unwrap();
    let t = run(&["report", ps]);
    let f = &t[t.find("budget.growth_rate").unwrap()..t.find("四、评分调整").unwrap()];
    assert!(f.contains("报告数 3.5%, 重算数 3.6%"), "{f}");
    assert!(
        f.contains("已确认 #159·")
            && f.contains(
                "(evaluator, 2023-02-22 01:20:00 北京时间): 报告以本年数为基数计算,已知悉"
            ),
        "{f}"
    );
    assert!(!f.contains("未确认"));
    let r: json::Report = serde_json::from_str(&run(&["report", ps, "--format", "json"])).unwrap();
    let a = r.findings[0].acknowledged.as_ref().unwrap();
    assert_eq!(a.cite.seq, 159);
    assert_eq!(a.author, "evaluator");
    assert!(
        r.evidence
            .iter()
            .any(|e| e.seq == 159 && e.kind == "acknowledgement")
    );
    // The score is unchanged: acknowledging a finding does not silence or alter figures.
    assert_eq!(r.total.as_deref(), Some("99.96"));
    let h = run(&["report", ps, "--format", "html"]);
    assert!(h.contains("href=\"#e159\"") && h.contains("id=\"e159\""));
}

#[test]
fn recorded_text_is_escaped_in_html_and_markdown() {
    use jixiao::ledger::Ledger;
    use jixiao::model::{Acknowledgement, Event};
    let (_dir, p) = seed_copy();
    {
        let ledger = Ledger::open(&p).unwrap();
        let ack = Event::Acknowledgement(Acknowledgement {
            finding: "budget.growth_rate".into(),
            reason: "<script>alert('x')</script> | a&b".into(),
        });
        ledger
            .append(
                &SeedKeys::fixed().evaluator.signing,
                vec![ack],
                1_677_000_000,
            )
            .unwrap();
    }
    let ps = p.to_str().unwrap();
    let h = run(&["report", ps, "--format", "html"]);
    assert!(!h.to_lowercase().contains("<script"));
    assert!(h.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; | a&amp;b"));
    let m = run(&["report", ps, "--format", "md"]);
    assert!(m.contains("<script>alert('x')</script> \\| a&b"), "{m}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let p = seed().to_str().unwrap();
    for (args, needle) in [
        (vec!["report", p, "--format", "pdf"], "--format pdf"),
        (vec!["report", p, "--lang", "fr"], "--lang fr"),
        (vec!["report", p, "--as-of", "mid-year"], "--as-of mid-year"),
        (
            vec!["trace", p, "mgmt", "--format", "html"],
            "--format html",
        ),
    ] {
        let out = jixiao().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
    let missing = jixiao()
        .args(["report", "/nonexistent/x.jixiao"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}
