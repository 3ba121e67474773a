//! jixiao (绩效): a tamper-evident, signed, append-only ledger for a department's budget
//! performance self-evaluation, kept in one redb file, with recomputation of the score from
//! the recorded history and reports whose every figure cites the entries behind it.
#![forbid(unsafe_code)]

pub mod append;
pub mod bureau;
pub mod check;
pub mod cli;
pub mod eval;
pub mod export;
pub mod import;
pub mod json_compare;
pub mod ledger;
pub mod limits;
pub mod listing;
pub mod messages;
pub mod model;
pub mod progress;
pub mod readiness;
pub mod report;
pub mod report_check;
pub mod rules;
pub mod seed;
pub mod strict_json;
pub mod usage;

rust_i18n::i18n!("locales", fallback = "en");
