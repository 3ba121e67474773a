//! The texts the library words in English, read by people in both languages: a tampered
//! entry's integrity-failure detail, a spreadsheet cell's complaint, `log`'s entry summaries,
//! a finding's formula after 口径, the many-ledger verify table, a checkpoint that does not
//! match its ledger, and a columns file's complaint. Each is pinned in English
//! (`LC_ALL=en_US.UTF-8`) and in Chinese (`LC_ALL=zh_CN.UTF-8`), and the JSON of the same
//! command is byte-identical in both.

mod common;

use common::{
    BATCHES, ENTRIES, HASHES, Ran, Test, build, del_u64, edit, failure, get_u64, hash_block,
    hash_range, put_frontier_bytes, put_u64, rewrite_frontier, set_stored_hash, stored_hash,
};
use jixiao::messages::{Lang, localize_in};
use redb::WriteTransaction;

const EN: &str = "en_US.UTF-8";
const ZH: &str = "zh_CN.UTF-8";
const L: &str = "d/conghua-2022.jixiao";

fn demo() -> Ran {
    Test::new()
        .env("LC_ALL", EN)
        .args(["demo", "--keep", "d"])
        .run()
}

/// Runs `args` in `lang`, expecting exit `status`.
fn run(ran: Ran, lang: &str, args: &[&str], status: i32) -> Ran {
    ran.then()
        .env("LC_ALL", lang)
        .args(args)
        .status(status)
        .run()
}

/// The one line of `out` that contains `needle`.
fn line_with<'a>(out: &'a str, needle: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{out}"))
}

/// A demo ledger whose entry 50 has one byte of its stored bytes flipped.
fn tampered() -> Ran {
    let ran = demo();
    edit(&ran.path(L), |txn| {
        let mut bytes = get_u64(txn, ENTRIES, 50);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        put_u64(txn, ENTRIES, 50, &bytes);
    });
    ran
}

/// The two hex hashes of a hash-mismatch detail, in the order they are written.
fn hashes(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 16)
        .map(str::to_string)
        .collect()
}

#[test]
fn an_integrity_failure_detail_in_both_languages() {
    let ran = run(tampered(), EN, &["verify", L], 1);
    let en = line_with(&ran.stdout, "integrity FAILED").to_string();
    assert!(
        en.starts_with("integrity FAILED at seq 50: stored hash "),
        "{en}"
    );
    assert!(
        en.contains(" differs from the hash of the stored bytes ",)
            && en.contains(": the entry or its hash was changed (hash_mismatch)"),
        "{en}"
    );
    let ran = run(ran, ZH, &["verify", L], 1);
    let zh = line_with(&ran.stdout, "完整性校验失败").to_string();
    assert!(
        zh.starts_with("完整性校验失败（第 50 条）：存储的哈希 "),
        "{zh}"
    );
    assert!(
        zh.contains(" 与存储字节的哈希 ") && zh.contains(" 不符：条目或其哈希被改动"),
        "{zh}"
    );
    assert!(!zh.contains("differs") && !zh.contains("stored"), "{zh}");
    // The same two hashes, in the same places.
    assert_eq!(hashes(&en).len(), 2, "{en}");
    assert_eq!(hashes(&en), hashes(&zh), "{en}\n{zh}");
    // On standard error too.
    assert!(ran.stderr.contains("存储的哈希 "), "{}", ran.stderr);
    // The JSON detail stays English, byte for byte the same in both languages.
    let e = run(ran, EN, &["verify", L, "--json"], 1);
    let en_json = e.stdout.clone();
    let zh_json = run(e, ZH, &["verify", L, "--json"], 1);
    assert_eq!(en_json, zh_json.stdout);
    assert!(
        zh_json
            .stdout
            .contains(": the entry or its hash was changed\""),
        "{}",
        zh_json.stdout
    );
}

#[test]
fn a_cell_complaint_in_both_languages() {
    let ran = demo();
    std::fs::write(
        ran.path("bad.csv"),
        "资金来源,支出类型,类型,金额,日期,事由\r\n一般公共预算,基本支出,支出,100,2022-03-01,ok\r\n一般公共预算,基本支出,支出,1.234,2022-13-01,x\r\n",
    )
    .unwrap();
    let args = ["import", L, "bad.csv", "--key", "d/recorder.key"];
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(args)
        .status(2)
        .stderr_contains("bad.csv:3:5: column `日期`: `2022-13-01` is not a date; write it as 2022-06-30, 2022/6/30, 2022年6月30日 or 20220630 (an Excel date cell works too)")
        .stderr_contains("bad.csv:3:4: column `金额`: `1.234` has more than 2 decimals in 元 (6 in 万元); amounts are exact to the fen: round it as the source document does (in a sheet, =ROUND(x,2))")
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(args)
        .status(2)
        .stderr_contains("bad.csv:3:5：列 `日期`：`2022-13-01` 不是日期；请写成 2022-06-30、2022/6/30、2022年6月30日 或 20220630（Excel 日期单元格也可以）")
        .stderr_contains("bad.csv:3:4：列 `金额`：`1.234` 以元计超过 2 位小数（以万元计超过 6 位）；金额精确到分：请按原始凭证的方式取整（表格中用 =ROUND(x,2)）")
        .run();
}

#[test]
fn a_columns_file_complaint_in_both_languages() {
    let ran = demo();
    std::fs::write(
        ran.path("ok.csv"),
        "资金来源,支出类型,类型,金额,日期,事由\r\n一般公共预算,基本支出,支出,100,2022-03-01,ok\r\n",
    )
    .unwrap();
    std::fs::write(ran.path("cols.toml"), "[defaults]\nunit = \"磅\"\n").unwrap();
    let args = [
        "import",
        L,
        "ok.csv",
        "--columns",
        "cols.toml",
        "--key",
        "d/recorder.key",
    ];
    let ran = ran
        .then()
        .env("LC_ALL", EN)
        .args(args)
        .status(2)
        .stderr_contains("error: cols.toml:2:1: column `unit`: `磅` is not a unit; use 元 or 万元")
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(args)
        .status(2)
        .stderr_contains("错误：cols.toml:2:1：列 `unit`：`磅` 不是单位；请用 元 或 万元")
        .run();
}

#[test]
fn log_summaries_in_both_languages() {
    let ran = run(demo(), EN, &["log", L], 0);
    let en = ran.stdout.clone();
    assert!(
        line_with(&en, "#1 ")
            .contains("  genesis: 广州市从化区人民政府办公室 2022 (1 admin key)  ·"),
        "{en}"
    );
    let rules = line_with(&en, "#5 ");
    assert!(
        rules.contains("rule set 从化区部门整体支出绩效自评 2022 (reconstruction) (")
            && rules.contains(" bytes, digest "),
        "{rules}"
    );
    assert!(
        line_with(&en, "#6 ")
            .contains("budget 年初预算 一般公共预算/基本支出: 19236500.00 元 on 2022-01-01"),
        "{en}"
    );
    assert!(line_with(&en, "#158 ").contains("adjust mgmt.perf.targets by -0.04: 我办"));
    let ran = run(ran, ZH, &["log", L], 0);
    let zh = ran.stdout.clone();
    assert!(
        line_with(&zh, "#1 ")
            .contains("  创始：广州市从化区人民政府办公室 2022（1 把管理员密钥）  ·"),
        "{zh}"
    );
    // The name keeps its own brackets; the byte count and digest are the English ones.
    let zh_rules = line_with(&zh, "#5 ");
    let tail = |s: &str, from: &str| s.split(from).nth(1).unwrap().to_string();
    assert!(
        zh_rules.contains("规则集 从化区部门整体支出绩效自评 2022 (reconstruction)（"),
        "{zh_rules}"
    );
    assert_eq!(
        tail(zh_rules, "（")
            .replace(" 字节，摘要 ", " bytes, digest ")
            .replace('）', ")"),
        tail(rules, "(reconstruction) (")
    );
    assert!(
        line_with(&zh, "#6 ")
            .contains("预算 年初预算 一般公共预算/基本支出：19236500.00 元，日期 2022-01-01"),
        "{zh}"
    );
    assert!(line_with(&zh, "#158 ").contains("调整 mgmt.perf.targets -0.04：我办"));
    assert!(!zh.contains("genesis") && !zh.contains(" on 2022"), "{zh}");
    // Every line is still one entry, in the same order, with the same hash.
    let short = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| l.rsplit_once('·').map(|(_, h)| h.to_string()))
            .collect()
    };
    assert_eq!(short(&en), short(&zh));
    let e = run(ran, EN, &["log", L, "--json"], 0);
    let en_json = e.stdout.clone();
    let zh_json = run(e, ZH, &["log", L, "--json"], 0);
    assert_eq!(en_json, zh_json.stdout);
    assert!(en_json.contains("\"summary\":\"genesis: "));
}

#[test]
fn a_finding_formula_in_both_languages() {
    let ran = demo()
        .then()
        .env("LC_ALL", EN)
        .args(["score", L])
        .stdout_contains("    definition: growth_rate = (full_year − prior_full_year) / prior_full_year; × 100 for %; rounded half-up to 1 decimals; inputs #6-7")
        .run();
    ran.then()
        .env("LC_ALL", ZH)
        .args(["score", L])
        .stdout_contains("    口径：growth_rate = (full_year − prior_full_year) / prior_full_year；按百分数 ×100；四舍五入保留 1 位小数；依据 #6-7")
        .stdout_lacks("rounded half-up")
        .run();
}

#[test]
fn the_many_ledger_table_in_both_languages() {
    let ran = tampered();
    let good = ran.path("good.jixiao");
    let fresh = demo();
    std::fs::copy(fresh.path(L), &good).unwrap();
    let args = ["verify", "good.jixiao", L];
    let ran = run(ran, EN, &args, 1);
    let en = ran.stdout.clone();
    assert!(
        en.starts_with("STATUS   YEAR   ENTRIES HEAD             CHECKPOINT          TOTAL GRADE FINDINGS     DEPARTMENT                    FILE\n"),
        "{en}"
    );
    assert!(
        line_with(&en, "good.jixiao").starts_with("FINDINGS 2022       158 #158·"),
        "{en}"
    );
    assert!(line_with(&en, "good.jixiao").contains(" (head) "), "{en}");
    assert!(
        line_with(&en, "good.jixiao").contains(" 1 (1 open) "),
        "{en}"
    );
    assert!(line_with(&en, L).starts_with("FAILED "), "{en}");
    assert!(
        en.contains("\n         integrity failed at seq 50: stored hash "),
        "{en}"
    );
    assert!(en.contains("2 ledger(s), "), "{en}");
    assert!(en.contains(": 0 ok, 1 with findings, 1 failed\n"), "{en}");
    let ran = run(ran, ZH, &args, 1);
    let zh = ran.stdout.clone();
    assert!(
        zh.starts_with("状态     年度    条目数 头部             检查点               总分 等级  问题         部门                          文件\n"),
        "{zh}"
    );
    assert!(
        line_with(&zh, "good.jixiao").starts_with("有问题   2022       158 #158·"),
        "{zh}"
    );
    assert!(
        line_with(&zh, "good.jixiao").contains(" #158（头部） "),
        "{zh}"
    );
    assert!(
        line_with(&zh, "good.jixiao").contains(" 1（未确认1） "),
        "{zh}"
    );
    assert!(line_with(&zh, L).starts_with("失败 "), "{zh}");
    assert!(
        zh.contains("\n         完整性校验失败（第 50 条）：存储的哈希 "),
        "{zh}"
    );
    assert!(zh.contains("条目或其哈希被改动（hash_mismatch）"), "{zh}");
    assert!(zh.contains("\n         1 项问题未确认\n"), "{zh}");
    assert!(zh.contains("2 本台账，"), "{zh}");
    assert!(zh.contains("：0 本通过，1 本有问题，1 本失败\n"), "{zh}");
    assert!(!zh.contains("FAILED") && !zh.contains("integrity"), "{zh}");
    let args = ["verify", "good.jixiao", L, "--format", "json"];
    let e = run(ran, EN, &args, 1);
    let en_json = e.stdout.clone();
    let zh_json = run(e, ZH, &args, 1);
    assert_eq!(en_json, zh_json.stdout);
    assert!(en_json.contains("\"problem\":\"integrity failed at seq 50: stored hash "));
}

/// Whether `s` still holds English prose: three lower-case ASCII words in a row (a list of
/// names, `meta, entries, hashes`, is not prose).
fn english_prose(s: &str) -> bool {
    let words: Vec<&str> = s.split(' ').collect();
    words.windows(3).any(|w| {
        w.iter().all(|x| {
            x.len() > 1
                && x.chars()
                    .all(|c| c.is_ascii_lowercase() || matches!(c, ':' | ';'))
        })
    })
}

/// An edit of a ledger file behind the library's back.
type Tamper = dyn Fn(&WriteTransaction);

#[test]
fn every_kind_of_tampering_has_its_detail_in_chinese() {
    let tamperings: Vec<(&str, Box<Tamper>)> = vec![
        (
            "flipped entry byte",
            Box::new(|txn| {
                let mut b = get_u64(txn, ENTRIES, 7);
                let last = b.len() - 1;
                b[last] ^= 1;
                put_u64(txn, ENTRIES, 7, &b);
            }),
        ),
        (
            "changed stored hash",
            Box::new(|txn| {
                let (last, mut block) = hash_block(txn, 7);
                let at = hash_range(last, block.len(), 7);
                block[at.end - 1] ^= 1;
                put_u64(txn, HASHES, last, &block);
            }),
        ),
        (
            "removed entry",
            Box::new(|txn| drop(del_u64(txn, ENTRIES, 6))),
        ),
        (
            "swapped entries",
            Box::new(|txn| {
                let (e5, e6) = (get_u64(txn, ENTRIES, 5), get_u64(txn, ENTRIES, 6));
                let (h5, h6) = (stored_hash(txn, 5), stored_hash(txn, 6));
                put_u64(txn, ENTRIES, 5, &e6);
                put_u64(txn, ENTRIES, 6, &e5);
                set_stored_hash(txn, 5, &h6);
                set_stored_hash(txn, 6, &h5);
                rewrite_frontier(txn);
            }),
        ),
        (
            "missing batch",
            Box::new(|txn| drop(del_u64(txn, BATCHES, 9))),
        ),
        (
            "short batch record",
            Box::new(|txn| {
                let b = get_u64(txn, BATCHES, 14);
                put_u64(txn, BATCHES, 14, &b[..79]);
            }),
        ),
        (
            "extra table",
            Box::new(|txn| {
                let t: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("extra");
                txn.open_table(t).unwrap().insert(1, 1).unwrap();
            }),
        ),
        (
            "damaged frontier",
            Box::new(|txn| put_frontier_bytes(txn, &[1, 2, 3])),
        ),
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for (what, tamper) in &tamperings {
        let f = build();
        edit(&f.path, |txn| tamper(txn));
        let fl = failure(&f.path);
        kinds.insert(fl.kind.name());
        let zh = localize_in(Lang::Zh, "detail", &fl.detail);
        assert!(english_prose(&fl.detail), "{what}: {}", fl.detail);
        assert!(!english_prose(&zh), "{what}: {} -> {zh}", fl.detail);
        assert_eq!(localize_in(Lang::En, "detail", &fl.detail), fl.detail);
    }
    // Six different kinds of failure, each worded in Chinese.
    assert!(kinds.len() >= 6, "{kinds:?}");
}

#[test]
fn a_checkpoint_of_another_ledger_in_both_languages() {
    let other = demo();
    let ran = demo();
    std::fs::copy(other.path("d/checkpoint-final.txt"), ran.path("other.txt")).unwrap();
    let args = ["verify", L, "--checkpoint", "other.txt"];
    let ran = run(ran, EN, &args, 1);
    let en = line_with(&ran.stdout, "checkpoint FAILED").to_string();
    assert!(
        en.starts_with("checkpoint FAILED: the checkpoint is for `jixiao/")
            && en.contains("`, not this ledger (jixiao/"),
        "{en}"
    );
    let ran = run(ran, ZH, &args, 1);
    let zh = line_with(&ran.stdout, "检查点校验失败").to_string();
    assert!(
        zh.starts_with("检查点校验失败：该检查点属于 `jixiao/")
            && zh.contains("`，不是本台账（jixiao/"),
        "{zh}"
    );
    // The same two ledger ids.
    assert_eq!(hashes(&en), hashes(&zh));
    assert_eq!(hashes(&en).len(), 2, "{en}");
    let json = [&args[..], &["--json"]].concat();
    let e = run(ran, EN, &json, 1);
    let en_json = e.stdout.clone();
    let zh_json = run(e, ZH, &json, 1);
    assert_eq!(en_json, zh_json.stdout);
    assert!(en_json.contains("not this ledger"), "{en_json}");
}
