//! The clap command tree in the user's language: help texts, headings and the help flags
//! taken from the catalogue (`locales/`) where it has them (every command's summary and the
//! shared arguments, in English and Chinese); an argument it lacks keeps the English of its
//! documentation comment.
//!
//! Owns: turning the derived command into the shown one. Must not: change what parses
//! (names, values, defaults) — only what the help says.

use super::Cli;
use crate::messages::lookup;
use clap::{Arg, ArgAction, Command, CommandFactory};

/// The command tree as shown in the language in force.
#[must_use]
pub fn command() -> Command {
    let mut cmd = localize(Cli::command(), "");
    // clap adds the `help` subcommand while building; built here, it gets the catalogue's
    // summary too.
    if let Some(about) = lookup("help.help") {
        cmd.build();
        cmd = help_about(cmd, &about);
    }
    cmd
}

/// `cmd` with the summary of every `help` subcommand in it (at any depth) set to `about`.
fn help_about(cmd: Command, about: &str) -> Command {
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    subs.into_iter().fold(cmd, |cmd, name| {
        if name == "help" {
            cmd.mut_subcommand(name, |s| s.about(about.to_string()))
        } else {
            cmd.mut_subcommand(name, |s| help_about(s, about))
        }
    })
}

/// `help.<path>` (about) and `help.<path>.<arg>` or `help.arg.<arg>` (argument help) in the
/// language in force, with the headings and help flags of that language.
fn localize(cmd: Command, parent: &str) -> Command {
    let path = if parent.is_empty() {
        if cmd.get_name() == "jixiao" {
            String::new()
        } else {
            cmd.get_name().to_string()
        }
    } else {
        format!("{parent}.{}", cmd.get_name())
    };
    let about_key = if path.is_empty() {
        "help.jixiao".to_string()
    } else {
        format!("help.{path}")
    };
    let zh = crate::messages::lang() == crate::messages::Lang::Zh;
    let mut cmd = cmd;
    if let Some(about) = lookup(&about_key) {
        cmd = cmd.about(about);
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let own = format!("{about_key}.{id}");
        let shared = format!("help.arg.{id}");
        let heading = |a: &Arg| {
            if a.is_positional() {
                lookup("help.heading.arguments")
            } else {
                lookup("help.heading.options")
            }
        };
        let help = lookup(&own).or_else(|| lookup(&shared));
        cmd = cmd.mut_arg(id, |a| {
            let h = heading(&a);
            // A long help (a documentation comment of several paragraphs) is what `--help`
            // shows; in Chinese it is the catalogue's text too.
            let a = match help {
                Some(t) if zh => {
                    let t = with_values_zh(&a, t);
                    hide_values(a).help(t.clone()).long_help(t)
                }
                Some(t) => a.help(t),
                None => a,
            };
            match h {
                Some(h) => a.help_heading(h),
                None => a,
            }
        });
    }
    let mut cmd = cmd
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(lookup("help.flag.help").unwrap_or_else(|| "Print help".into()))
                .help_heading(lookup("help.heading.options").unwrap_or_else(|| "Options".into())),
        )
        .help_template(lookup("help.template").unwrap_or_default());
    if let Some(h) = lookup("help.heading.commands") {
        cmd = cmd.subcommand_help_heading(h);
    }
    if path.is_empty() {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(lookup("help.flag.version").unwrap_or_else(|| "Print version".into()))
                .help_heading(lookup("help.heading.options").unwrap_or_else(|| "Options".into())),
        );
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let p = path.clone();
        cmd = cmd.mut_subcommand(name, |s| localize(s, &p));
    }
    cmd
}

/// `help` followed by what clap would show in brackets — the possible values, the default,
/// the environment variable — in Chinese (`［可选值：…］［默认：…］［环境变量：…］`).
fn with_values_zh(a: &Arg, help: String) -> String {
    let text = crate::messages::text;
    let mut out = help;
    if !a.get_action().takes_values() {
        return out;
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_string())
        .collect();
    if !possible.is_empty() && !a.is_hide_possible_values_set() {
        out.push_str(&text("help.possible", &[("values", &possible.join("、"))]));
    }
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !defaults.is_empty() && !a.is_hide_default_value_set() {
        out.push_str(&text("help.default", &[("value", &defaults.join("、"))]));
    }
    if let Some(env) = a.get_env().filter(|_| !a.is_hide_env_set()) {
        out.push_str(&text("help.env", &[("name", &env.to_string_lossy())]));
    }
    out
}

/// The same argument with clap's own English brackets hidden (`with_values_zh` words them).
fn hide_values(a: Arg) -> Arg {
    if a.get_action().takes_values() {
        a.hide_possible_values(true)
            .hide_default_value(true)
            .hide_env(true)
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use crate::messages::{Lang, text_in};
    use clap::CommandFactory;

    /// `(key, English help)` of every argument of `cmd` and its subcommands that has neither
    /// its own text in `lang` nor a shared one.
    fn missing(cmd: &clap::Command, parent: &str, lang: Lang, out: &mut Vec<String>) {
        let path = match (parent, cmd.get_name()) {
            ("", "jixiao") => String::new(),
            ("", n) => n.to_string(),
            (p, n) => format!("{p}.{n}"),
        };
        let about = if path.is_empty() {
            "help.jixiao".to_string()
        } else {
            format!("help.{path}")
        };
        if text_in(lang, &about).is_none() {
            out.push(format!(
                "{about}\t{}",
                cmd.get_about().map(ToString::to_string).unwrap_or_default()
            ));
        }
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if ["help", "version"].contains(&id) {
                continue;
            }
            if text_in(lang, &format!("{about}.{id}")).is_none()
                && text_in(lang, &format!("help.arg.{id}")).is_none()
            {
                let help = a
                    .get_long_help()
                    .or(a.get_help())
                    .map(ToString::to_string)
                    .unwrap_or_default();
                out.push(format!("{about}.{id}\t{help}"));
            }
        }
        for s in cmd.get_subcommands() {
            missing(s, &path, lang, out);
        }
    }

    #[test]
    fn every_command_and_argument_has_its_help_in_chinese() {
        let mut out = Vec::new();
        missing(&super::Cli::command(), "", Lang::Zh, &mut out);
        assert!(out.is_empty(), "no Chinese help:\n{}", out.join("\n"));
    }
}
