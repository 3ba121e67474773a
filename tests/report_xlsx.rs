//! `report --format xlsx` of the seed ledger, read back with calamine (and, in the ignored
//! test CI runs, with openpyxl): the 自评表 holds the total and every node's score, weight,
//! target and actual as the JSON report states them, the budget block its figures, each
//! figure its citations; the cited-entries sheet has a row per entry of the JSON evidence with
//! the time in China Standard Time; the ledger sheet binds the workbook (id, size, head,
//! root); the same ledger gives the same bytes; a tampered ledger gives no workbook unless
//! `--unverified`, and then it is marked.

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx, open_workbook};
use jixiao::seed::{SeedKeys, build, write_fixture};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn seed() -> &'static Path {
    static SEED: OnceLock<PathBuf> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_xlsx");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fx = write_fixture(&dir).unwrap();
        let path = dir.join("conghua-2022.jixiao");
        build(&path, &fx, &SeedKeys::fixed(), [0x11; 16], |_| {}).unwrap();
        path
    })
}

fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("jixiao")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "jixiao {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn xlsx(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    let s = seed().to_str().unwrap();
    run(&["report", s, "--format", "xlsx", "-o", p.to_str().unwrap()]);
    p
}

fn json() -> Value {
    let s = seed().to_str().unwrap();
    serde_json::from_slice(&run(&["report", s, "--format", "json"])).unwrap()
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// The sheet as rows of cell texts (numbers at 2 decimals, as the form shows them).
fn sheet(p: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(p).unwrap();
    let r = wb.worksheet_range(name).unwrap();
    assert_eq!(r.start(), Some((0, 0)), "{name} starts at A1");
    r.rows().map(|row| row.iter().map(text).collect()).collect()
}

#[test]
fn the_form_sheet_holds_every_node_score_and_the_budget_block() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx(dir.path(), "r.xlsx");
    let wb: Xlsx<_> = open_workbook(&p).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "自评表",
            "预算执行",
            "核对发现",
            "评分调整",
            "引用条目",
            "账本"
        ]
    );
    let j = json();
    let rows = sheet(&p, "自评表");
    assert_eq!(rows[0][0], "2022年度部门整体支出绩效自评表");
    assert_eq!(rows[1][..2], ["填报单位", "广州市从化区人民政府办公室"]);
    let header = rows.iter().position(|r| r[0] == "一级指标").unwrap();
    assert_eq!(
        rows[header][..8],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "四级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分"
        ]
    );
    // The budget block: 1923.65 three times, 100.00%, and mgmt.exec.rate's 8 of 8.
    let b = rows.iter().position(|r| r[1] == "年初预算数").unwrap();
    assert_eq!(
        rows[b + 1][..7],
        [
            "年度资金总额",
            "1923.65",
            "1923.65",
            "1923.65",
            "100.00%",
            "8.00",
            "8.00"
        ]
    );
    assert_eq!(rows[b + 1][7], "#6·fec009 #25·132e89");
    // One row per node below the root, in the JSON order, with its name in its level column.
    let nodes = j["nodes"].as_array().unwrap();
    for (i, n) in nodes.iter().skip(1).enumerate() {
        let r = &rows[header + 1 + i];
        let depth = n["depth"].as_u64().unwrap() as usize;
        assert_eq!(
            r[depth - 1],
            n["name"].as_str().unwrap(),
            "row {}",
            header + 2 + i
        );
        let weight: f64 = n["weight"].as_str().unwrap().parse().unwrap();
        assert_eq!(r[6], format!("{weight:.2}"));
        assert_eq!(r[7], n["score"].as_str().unwrap(), "{}", n["id"]);
        assert_eq!(r[4], n["target"].as_str().unwrap_or(""));
        assert_eq!(r[5], n["actual"].as_str().unwrap_or(""));
        let cites: Vec<String> = n["cites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("#{}·{}", c["seq"], c["hash"].as_str().unwrap()))
            .collect();
        assert_eq!(r[10], cites.join(" "), "{}", n["id"]);
    }
    let total = &rows[header + nodes.len()];
    assert_eq!(total[0], "总分");
    assert_eq!(total[7], "99.96");
    assert_eq!(total[8], "等级 优");
    let adjusted = rows.iter().find(|r| r[2] == "绩效目标设置质量").unwrap();
    assert_eq!(adjusted[7], "3.96");
    assert!(adjusted[9].starts_with("定性评价"), "{}", adjusted[9]);
    assert!(adjusted[9].ends_with("评分调整 -0.04"), "{}", adjusted[9]);
    let sign = rows.last().unwrap();
    assert_eq!(
        [&sign[0], &sign[2], &sign[4], &sign[6]],
        ["负责人", "填表人", "联系电话", "填报日期"]
    );
}

#[test]
fn entries_and_ledger_sheets_bind_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx(dir.path(), "r.xlsx");
    let j = json();
    let ev = sheet(&p, "引用条目");
    let evidence = j["evidence"].as_array().unwrap();
    assert_eq!(
        ev.len(),
        evidence.len() + 1,
        "header + one row per cited entry"
    );
    let adj = ev.iter().find(|r| r[0] == "158.00").unwrap();
    assert_eq!(adj[2], "evaluator");
    assert_eq!(adj[3], "2023-02-15 10:00:00 北京时间");
    assert_eq!(adj[4], "评分调整");
    for (r, e) in ev.iter().skip(1).zip(evidence) {
        assert_eq!(r[1], e["hash"].as_str().unwrap());
    }
    let l = sheet(&p, "账本");
    let b = &j["ledger"];
    assert_eq!(l[0][1], b["ledger_id"].as_str().unwrap());
    assert_eq!(l[1][1], b["entries"].to_string());
    assert_eq!(l[2][1], b["head"].as_str().unwrap());
    assert_eq!(l[3][1], b["merkle_root"].as_str().unwrap());
    assert_eq!(l[5][1], "已验证");
    let f = sheet(&p, "核对发现");
    assert_eq!(f.len(), 2);
    assert!(f[1][0].starts_with("budget.growth_rate #137"), "{:?}", f[1]);
    assert_eq!(f[1][3], "3.5%");
}

#[test]
fn same_ledger_same_bytes_and_english_labels() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(xlsx(dir.path(), "a.xlsx")).unwrap();
    let b = std::fs::read(xlsx(dir.path(), "b.xlsx")).unwrap();
    assert!(a == b, "two renders of one ledger differ");
    let p = dir.path().join("en.xlsx");
    let s = seed().to_str().unwrap();
    run(&[
        "report",
        s,
        "--format",
        "xlsx",
        "--lang",
        "en",
        "-o",
        p.to_str().unwrap(),
    ]);
    let wb: Xlsx<_> = open_workbook(&p).unwrap();
    assert_eq!(wb.sheet_names()[4], "Cited entries");
    let rows = sheet(&p, "自评表");
    assert!(rows.iter().any(|r| r[2] == "budget adjustment rate"));
    assert!(rows.iter().any(|r| r[9].starts_with("tiers:")));
}

#[test]
#[ignore = "needs python3 with openpyxl; .ci/run installs it and runs ignored tests"]
fn openpyxl_reads_the_workbook_with_its_notes() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx(dir.path(), "r.xlsx");
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["自评表"]
out = {"sheets": wb.sheetnames, "rows": [], "notes": {}}
for row in ws.iter_rows():
    out["rows"].append([None if c.value is None else str(c.value) for c in row])
    for c in row:
        if c.comment is not None:
            out["notes"][c.coordinate] = c.comment.text
out["title"] = wb.properties.title
print(json.dumps(out, ensure_ascii=False))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&p)
        .output()
        .expect("python3 must be installed for this test");
    assert!(
        out.status.success(),
        "openpyxl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sheets"][0], "自评表");
    assert_eq!(v["title"], "2022年度部门整体支出绩效自评表");
    let rows = v["rows"].as_array().unwrap();
    let total = rows.iter().find(|r| r[0] == "总分").unwrap();
    assert_eq!(total[7], "99.96");
    let j = json();
    let scores: Vec<String> = j["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|n| {
            n["score"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
                .to_string()
        })
        .collect();
    let header = rows.iter().position(|r| r[0] == "一级指标").unwrap();
    let read: Vec<String> = rows[header + 1..header + 1 + scores.len()]
        .iter()
        .map(|r| r[7].as_str().unwrap().parse::<f64>().unwrap().to_string())
        .collect();
    assert_eq!(read, scores);
    // Every cited leaf score carries a note naming its entries, with CST times.
    let notes = v["notes"].as_object().unwrap();
    let adj = rows
        .iter()
        .position(|r| r[2] == "绩效目标设置质量")
        .unwrap();
    let note = notes[&format!("H{}", adj + 1)].as_str().unwrap();
    assert!(note.contains("#158·"), "{note}");
    assert!(
        note.contains("评分调整 evaluator 2023-02-15 10:00:00 北京时间"),
        "{note}"
    );
    for (i, r) in rows.iter().enumerate().skip(header + 1) {
        if r.get(10)
            .and_then(Value::as_str)
            .is_some_and(|c| c.starts_with('#'))
        {
            let note = notes
                .get(&format!("H{}", i + 1))
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no note on the score of row {}", i + 1));
            let first = r[10].as_str().unwrap().split(' ').next().unwrap();
            assert!(note.contains(first), "row {}: {note}", i + 1);
        }
    }
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
fn a_tampered_ledger_gives_no_workbook_unless_unverified_and_then_it_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.jixiao");
    std::fs::copy(seed(), &p).unwrap();
    tamper(&p, 40);
    let out_path = dir.path().join("t.xlsx");
    let (ps, os) = (p.to_str().unwrap(), out_path.to_str().unwrap());
    let out = Command::cargo_bin("jixiao")
        .unwrap()
        .args(["report", ps, "--format", "xlsx", "-o", os])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("integrity check failed at seq 40"));
    assert!(!out_path.exists(), "no workbook of a tampered ledger");
    run(&["report", ps, "--format", "xlsx", "--unverified", "-o", os]);
    let marker = "UNVERIFIED — integrity check failed at seq 40";
    assert_eq!(sheet(&out_path, "自评表")[0][0], marker);
    let l = sheet(&out_path, "账本");
    assert_eq!(l[3][1], "(未验证)");
    assert_eq!(l[5][1], marker);
}
