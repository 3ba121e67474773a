//! Arguments and values several command handlers share: the signing key flag, the recorded
//! time of new entries, and points of history.
//!
//! Owns: parsing those from flags and the environment. Must not: open ledgers or run a
//! command (handlers do), so every handler can import it without importing each other.

use super::CliError;
use crate::eval::{AsOf, KnownAt};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `--key FILE` (or `JIXIAO_KEY`): the secret key that signs.
#[derive(Args, Debug, Clone)]
pub struct KeyArg {
    /// Secret key file that signs the new entries (made by `jixiao key new`).
    #[arg(long = "key", env = "JIXIAO_KEY", value_name = "FILE")]
    pub key: PathBuf,
}

/// Seconds since the epoch for `recorded_at`: `JIXIAO_TIME` (seconds or RFC 3339) if set, for
/// reproducible ledgers; otherwise the clock.
pub fn now() -> Result<i64, CliError> {
    match std::env::var("JIXIAO_TIME") {
        Ok(v) => v
            .parse::<i64>()
            .ok()
            .or_else(|| {
                time::OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339)
                    .ok()
                    .map(time::OffsetDateTime::unix_timestamp)
            })
            .ok_or_else(|| {
                CliError::Usage(crate::messages::text(
                    "usage.args.jixiao_time_neither_unix",
                    &[("v", &v)],
                ))
            }),
        Err(_) => Ok(time::OffsetDateTime::now_utc().unix_timestamp()),
    }
}

/// `--as-of DATE` and `--known-at TIME|SEQ`: a point of history on its two axes
/// (docs/TIME.md).
#[derive(Args, Debug, Clone, Default)]
pub struct PointArgs {
    /// Business date (截至) YYYY-MM-DD: the scorecard for the period up to that date, from
    /// everything recorded (see --known-at), under the rule set in force. Values, payments and
    /// facts count by their own date; claims and adjustments by when they were recorded, those
    /// recorded after the fiscal year as of its last day. A seq here is read as --known-at SEQ.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Recording axis: the ledger as it stood after a seq (`41`) or at a recorded time
    /// (RFC 3339 `2023-01-31T09:00:00Z`, or `2023-01-31` for the end of that UTC day).
    #[arg(long, value_name = "TIME|SEQ")]
    pub known_at: Option<String>,
}

impl PointArgs {
    /// The point these flags name (every entry, every date when neither is given).
    pub fn point(&self) -> Result<AsOf, CliError> {
        let known = match &self.known_at {
            Some(s) => Some(parse_known_at("--known-at", s)?),
            None => None,
        };
        let Some(s) = &self.as_of else {
            return Ok(AsOf::new(known, None));
        };
        match (parse_as_of("--as-of", s)?, known) {
            (p, None) => Ok(p),
            (AsOf::Latest, k) => Ok(AsOf::new(k, None)),
            (AsOf::Date(d), k) => Ok(AsOf::new(k, Some(d))),
            (_, Some(_)) => Err(CliError::Usage(crate::messages::text(
                "usage.args.as_with_known_at",
                &[("s", &s)],
            ))),
        }
    }
}

/// `--known-at`: `41` → seq 41; `2023-01-31T09:00:00Z` → that time; `2023-01-31` → the end of
/// that UTC day.
pub fn parse_known_at(flag: &str, s: &str) -> Result<KnownAt, CliError> {
    use time::format_description::well_known::Rfc3339;
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(KnownAt::Seq).map_err(|_| {
            CliError::Usage(crate::messages::text(
                "usage.args.seq_out_range_give",
                &[("flag", &flag), ("s", &s)],
            ))
        });
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(KnownAt::Time(t.unix_timestamp()));
    }
    match s.parse::<crate::model::BizDate>() {
        Ok(d) => Ok(KnownAt::Time(
            d.0.with_hms(23, 59, 59)
                .map_or(i64::MAX, |t| t.assume_utc().unix_timestamp()),
        )),
        Err(_) => Err(CliError::Usage(crate::messages::text(
            "usage.args.not_seq_time_date",
            &[("flag", &flag), ("s", &s)],
        ))),
    }
}

/// A point within the ledger's `size` entries, or a usage error naming the flag.
pub fn within(flag: &str, p: AsOf, size: u64) -> Result<AsOf, CliError> {
    match p.known_at() {
        Some(KnownAt::Seq(n)) if n > size || n == 0 => Err(CliError::Usage(crate::messages::text(
            "usage.args.seq_not_ledger_which",
            &[("flag", &flag), ("n", &n), ("size", &size)],
        ))),
        _ => Ok(p),
    }
}

/// A point of `diff --from/--to`: a seq (`41`, the ledger as it stood then), a time (RFC 3339,
/// the same), a business date (`2022-06-30`) or `latest`.
pub fn parse_point(flag: &str, s: &str) -> Result<AsOf, CliError> {
    if time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok() {
        return parse_known_at(flag, s).map(|k| AsOf::new(Some(k), None));
    }
    parse_as_of(flag, s)
}

/// `41` → seq 41, `2022-06-30` → that business date, `latest` → every entry.
pub fn parse_as_of(flag: &str, s: &str) -> Result<AsOf, CliError> {
    if s == "latest" {
        return Ok(AsOf::Latest);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(AsOf::Seq).map_err(|_| {
            CliError::Usage(crate::messages::text(
                "usage.args.seq_out_range_give_2",
                &[("flag", &flag), ("s", &s)],
            ))
        });
    }
    s.parse()
        .map(AsOf::Date)
        .map_err(|e: crate::model::ParseError| {
            CliError::Usage(crate::messages::text(
                "usage.args.not_seq_date_give",
                &[("flag", &flag), ("s", &s), ("e", &e)],
            ))
        })
}

/// Output format of `verify` over many ledgers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ManyFormat {
    /// A table, one line per ledger, then the summary.
    Text,
    /// JSON Lines: one object per ledger, then `{"summary": …}` (docs/JSON.md).
    Json,
    /// A spreadsheet written to `-o FILE` (sheets `ledgers` and `summary`); the summary is
    /// printed as text.
    Xlsx,
}

/// The `verify` flags for many ledgers.
#[derive(Args, Debug, Default)]
pub struct ManyArgs {
    /// More ledgers, or directories whose `*.jixiao` files are all verified (in name order).
    /// With more than one ledger (or a directory), one row per ledger and a summary.
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// Ledgers verified at the same time, one per worker (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Output of the many-ledger table (`--json` is `--format json`).
    #[arg(long, value_enum)]
    pub format: Option<ManyFormat>,
    /// Where `--format xlsx` writes the spreadsheet (replaced whole, never half-written).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}
