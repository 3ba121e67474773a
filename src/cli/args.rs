//! Arguments and values several command handlers share: the signing key flag, the recorded
//! time of new entries, and points of history.
//!
//! Owns: parsing those from flags and the environment. Must not: open ledgers or run a
//! command (handlers do), so every handler can import it without importing each other.

use super::CliError;
use crate::eval::AsOf;
use clap::Args;
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
                CliError::Usage(format!(
                    "JIXIAO_TIME=`{v}` is neither Unix seconds nor an RFC 3339 time such as 2023-03-01T09:00:00Z"
                ))
            }),
        Err(_) => Ok(time::OffsetDateTime::now_utc().unix_timestamp()),
    }
}

/// `41` → seq 41, `2022-06-30` → that business date, `latest` → every entry.
pub fn parse_as_of(flag: &str, s: &str) -> Result<AsOf, CliError> {
    if s == "latest" {
        return Ok(AsOf::Latest);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(AsOf::Seq).map_err(|_| {
            CliError::Usage(format!(
                "{flag} {s}: seq out of range; give a seq number or a date YYYY-MM-DD"
            ))
        });
    }
    s.parse().map(AsOf::Date).map_err(|e: crate::model::ParseError| {
        CliError::Usage(format!(
            "{flag} {s}: not a seq or a date ({e}); give a seq number (41), a date (2022-06-30) or `latest`"
        ))
    })
}
