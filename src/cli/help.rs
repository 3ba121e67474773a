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
    localize(Cli::command(), "")
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
            let a = match help {
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
