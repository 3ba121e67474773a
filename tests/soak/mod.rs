//! Shared support of the crash and corruption tests: the demo ledger as a sound base (its one
//! finding acknowledged, so `verify` exits 0), running the binary, event files of facts, and a
//! deterministic pseudo-random stream.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What every command says of a file whose last write was interrupted.
pub const NOTE: &str =
    "the last write was interrupted and left no trace; nothing committed was lost";

/// The recorded time every command of these tests uses: after every entry of the demo.
pub const TIME: &str = "2024-01-01T00:00:00Z";

/// Path of the built binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_jixiao"))
}

/// What one run printed.
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs the binary in `dir` with `args`.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .current_dir(dir)
        .env("JIXIAO_TIME", TIME)
        .env_remove("JIXIAO_KEY")
        .args(args)
        .output()
        .expect("run jixiao");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The demo kept in `dir` (ledger `conghua-2022.jixiao`, keys `*.key`), with its one finding
/// acknowledged so that the ledger verifies clean (exit 0).
pub fn demo_base(dir: &Path) -> PathBuf {
    let keep = dir.join("demo");
    let r = Command::new(bin())
        .args(["demo", "--keep"])
        .arg(&keep)
        .output()
        .expect("run demo");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = run(
        &keep,
        &[
            "acknowledge",
            "conghua-2022.jixiao",
            "budget.growth_rate",
            "--reason",
            "报告口径:按本年预算计算",
            "--key",
            "evaluator.key",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&keep, &["verify", "conghua-2022.jixiao"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    keep
}

/// Writes an event file of `n` facts with keys `x.{tag}.{i}` and returns its path.
pub fn facts_file(dir: &Path, tag: &str, n: usize) -> PathBuf {
    let mut s = format!("format = \"jixiao-events/1\"\ndescription = \"facts {tag}\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n[[event]]\nkind = \"fact\"\nkey = \"x.{tag}.f{i}\"\nname = \"fact {i}\"\nvalue = {i}\nunit = \"次\"\ndate = \"2022-12-31\"\nsource = \"test\"\n"
        ));
    }
    let p = dir.join(format!("facts-{tag}.toml"));
    std::fs::write(&p, s).unwrap();
    p
}

/// The entry count `verify --json` reports, if integrity is ok.
pub fn entries(dir: &Path, ledger: &str) -> Option<u64> {
    let r = run(dir, &["verify", "--json", ledger]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).ok()?;
    doc["integrity"]["entries"].as_u64()
}

/// A fixed xorshift64 stream.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// How many cases to run: the environment variable `var`, or `default`.
pub fn count(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
