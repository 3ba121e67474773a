//! `completions` and `man`: the command tree itself as a shell completion script
//! (clap_complete) or manual pages (clap_mangen).
//!
//! Owns: their arguments and where the output goes. Must not: describe commands by hand
//! (both are generated from the same tree the parser uses, in the language in force).

use super::CliError;
use crate::messages::text;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `jixiao.1` and one `jixiao-COMMAND.1` per command into DIR (created if missing)
    /// instead of printing `jixiao.1` to standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn no_json(command: &str, json: bool) -> Result<(), CliError> {
    if json {
        return Err(CliError::Usage(text(
            "usage.no_json",
            &[("command", &command)],
        )));
    }
    Ok(())
}

fn stdout_err(source: std::io::Error) -> CliError {
    CliError::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

/// `jixiao completions SHELL`.
pub(super) fn completions(a: &CompletionsArgs, json: bool) -> Result<(), CliError> {
    no_json("completions", json)?;
    let mut cmd = super::help::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "jixiao", &mut buf);
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)
        .and_then(|()| out.flush())
        .map_err(stdout_err)
}

/// `jixiao man [--out DIR]`.
pub(super) fn man(a: &ManArgs, json: bool) -> Result<(), CliError> {
    no_json("man", json)?;
    let cmd = super::help::command();
    let Some(dir) = &a.out else {
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut buf)
            .map_err(stdout_err)?;
        let mut out = std::io::stdout().lock();
        return out
            .write_all(&buf)
            .and_then(|()| out.flush())
            .map_err(stdout_err);
    };
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| CliError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    let mut pages = vec![("jixiao".to_string(), cmd.clone())];
    let mut built = cmd;
    built.build();
    for sub in built.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("jixiao-{}", sub.get_name());
        pages.push((
            name.clone(),
            sub.clone().name(name).version(env!("CARGO_PKG_VERSION")),
        ));
        for inner in sub.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("jixiao-{}-{}", sub.get_name(), inner.get_name());
            pages.push((
                name.clone(),
                inner.clone().name(name).version(env!("CARGO_PKG_VERSION")),
            ));
        }
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut buf)
            .map_err(io(&path))?;
        std::fs::write(&path, buf).map_err(io(&path))?;
        written.push(path);
    }
    println!(
        "{}",
        text(
            "man.written",
            &[("count", &written.len()), ("dir", &dir.display())]
        )
    );
    Ok(())
}
