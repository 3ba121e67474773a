//! The printable report: the HTML report of the seed ledger printed to PDF by headless
//! Chromium (as README "Printing" says) holds, as pdftotext reads it, the department, the
//! total and every node's score on its row, the 填报 block and China Standard Time.

use assert_cmd::Command;
use jixiao::seed::{SeedKeys, build, write_fixture};
use serde_json::Value;
use std::path::Path;

#[test]
#[ignore = "needs chromium, pdftotext and fonts-noto-cjk; .ci/run installs them and runs ignored tests"]
fn chromium_prints_the_html_report_to_a_pdf_with_every_score() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fx = write_fixture(d).unwrap();
    let ledger = d.join("conghua-2022.jixiao");
    build(&ledger, &fx, &SeedKeys::fixed(), [0x11; 16], |_| {}).unwrap();
    let l = ledger.to_str().unwrap();
    let html = d.join("report.html");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("jixiao")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&[
        "report",
        l,
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    let j: Value = serde_json::from_slice(&run(&["report", l, "--format", "json"])).unwrap();
    let pdf = d.join("report.pdf");
    let profile = d.join("chromium-profile");
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(&html)
        .output()
        .expect("chromium must be installed for this test");
    assert!(
        out.status.success() && pdf.exists(),
        "chromium did not print: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("广州市从化区人民政府办公室"), "{text}");
    assert!(text.contains("自评总分 99.96"), "{text}");
    for n in j["nodes"].as_array().unwrap() {
        let name: String = n["name"].as_str().unwrap().chars().take(5).collect();
        let score = n["score"].as_str().unwrap();
        assert!(
            text.lines().any(|l| l.contains(&name) && l.contains(score)),
            "no line with {name} and its score {score} in\n{text}"
        );
    }
    for label in ["填报单位", "负责人", "填表人", "联系电话", "填报日期"] {
        assert!(text.contains(label), "{label} missing");
    }
    // The adjustment was recorded at 2023-02-15T02:00:00Z: 10:00 in Beijing (the cell may wrap).
    assert!(
        text.contains("10:00:00") && text.contains("北京时间"),
        "{text}"
    );
    assert!(
        !text.contains("T02:00:00Z"),
        "UTC time in the printout:\n{text}"
    );
}

fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
