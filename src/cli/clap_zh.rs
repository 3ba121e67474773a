//! clap's own errors (unknown argument, missing value, bad value …) in the language in force:
//! what went wrong, a similar name, the usage line and where to read more, from the catalogue
//! (`clap.*`). English keeps clap's own rendering word for word.
//!
//! Owns: the wording of parse errors. Must not: decide whether a command line parses or the
//! exit code (clap and `cli::main` do).

use crate::messages::{Lang, lang, text};
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The text of a parse error `e` in the language in force, or `None` where clap's own is
/// it (English, and help or version, which the command tree already has in that language).
#[must_use]
pub fn render(e: &clap::Error) -> Option<String> {
    if lang() == Lang::En
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        return None;
    }
    let mut out = text("error.prefix", &[("message", &message(e))]);
    for (kind, key) in [
        (ContextKind::SuggestedSubcommand, "clap.tip_subcommand"),
        (ContextKind::SuggestedArg, "clap.tip_argument"),
        (ContextKind::SuggestedValue, "clap.tip_value"),
    ] {
        if let Some(v) = e.get(kind) {
            out.push_str("\n\n  ");
            out.push_str(&text(key, &[("similar", &quoted(v))]));
        }
    }
    if let Some(ContextValue::StyledStrs(tips)) = e.get(ContextKind::Suggested) {
        out.push('\n');
        for t in tips {
            out.push_str("\n  ");
            out.push_str(&tip(&t.to_string()));
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = e.get(ContextKind::Usage) {
        let u = usage.to_string();
        let u = u.trim().trim_start_matches("Usage:").trim();
        out.push_str("\n\n");
        out.push_str(&text("clap.usage", &[("usage", &u)]));
    }
    out.push_str("\n\n");
    out.push_str(&text("clap.more", &[]));
    out.push('\n');
    Some(out)
}

/// One of clap's tips: the one it gives for a value that looks like an option (`to pass
/// '-x' as a value, use '-- -x'`) in the catalogue's words, any other as clap words it.
fn tip(t: &str) -> String {
    let escaped = t
        .strip_prefix("to pass '")
        .and_then(|r| r.split_once("' as a value, use '"))
        .map(|(arg, _)| arg.to_string());
    match escaped {
        Some(arg) => text("clap.tip_escape", &[("arg", &arg)]),
        None => text("clap.tip", &[("tip", &t)]),
    }
}

/// A context value as clap names it: `'a'`, or `'a', 'b'`.
fn quoted(v: &ContextValue) -> String {
    match v {
        ContextValue::String(s) => format!("'{s}'"),
        ContextValue::Strings(v) => v
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

fn string(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join("、")),
        ContextValue::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// The first line: what is wrong, in the catalogue's words.
fn message(e: &clap::Error) -> String {
    let arg = string(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = string(e, ContextKind::InvalidValue).unwrap_or_default();
    let f = |key: &str| {
        text(
            key,
            &[
                ("arg", &arg),
                ("value", &value),
                (
                    "sub",
                    &string(e, ContextKind::InvalidSubcommand).unwrap_or_default(),
                ),
                (
                    "prior",
                    &string(e, ContextKind::PriorArg).unwrap_or_default(),
                ),
                (
                    "valid",
                    &string(e, ContextKind::ValidValue)
                        .or_else(|| string(e, ContextKind::ValidSubcommand))
                        .unwrap_or_default(),
                ),
                (
                    "expected",
                    &string(e, ContextKind::ExpectedNumValues)
                        .or_else(|| string(e, ContextKind::MinValues))
                        .unwrap_or_default(),
                ),
                (
                    "actual",
                    &string(e, ContextKind::ActualNumValues).unwrap_or_default(),
                ),
            ],
        )
    };
    let source = std::error::Error::source(e).map(ToString::to_string);
    match e.kind() {
        ErrorKind::UnknownArgument => f("clap.unknown_argument"),
        ErrorKind::InvalidSubcommand => f("clap.invalid_subcommand"),
        ErrorKind::InvalidValue if value.is_empty() => f("clap.value_required"),
        ErrorKind::InvalidValue if e.get(ContextKind::ValidValue).is_some() => {
            f("clap.invalid_value_of")
        }
        ErrorKind::InvalidValue => f("clap.invalid_value"),
        ErrorKind::ValueValidation => match source {
            Some(s) => format!("{}：{s}", f("clap.invalid_value")),
            None => f("clap.invalid_value"),
        },
        ErrorKind::MissingRequiredArgument => f("clap.missing_required"),
        ErrorKind::MissingSubcommand => f("clap.missing_subcommand"),
        ErrorKind::ArgumentConflict if e.get(ContextKind::PriorArg).is_none() => {
            f("clap.conflict_other")
        }
        ErrorKind::ArgumentConflict
            if arg == string(e, ContextKind::PriorArg).unwrap_or_default() =>
        {
            f("clap.repeated")
        }
        ErrorKind::ArgumentConflict => f("clap.conflict"),
        ErrorKind::NoEquals => f("clap.no_equals"),
        ErrorKind::TooManyValues => f("clap.too_many_values"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => f("clap.wrong_number"),
        ErrorKind::InvalidUtf8 => f("clap.invalid_utf8"),
        _ => source.unwrap_or_else(|| e.kind().to_string()),
    }
}
