//! `jixiao demo`: builds the built-in seed case in a temporary directory, verifies it and
//! shows it.

use super::CliError;
use super::ledger_cmds::{self, LogArgs, VerifyArgs, now};
use crate::ledger::Ledger;
use crate::ledger::keys::KeyPair;
use crate::model::{Event, Fact, Genesis, Grant, Role};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the ledger and the generated keys in DIR (created if missing) instead of a
    /// temporary directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

pub(super) fn run(a: &DemoArgs) -> Result<(), CliError> {
    let tmp;
    let dir: &Path = if let Some(d) = &a.keep {
        std::fs::create_dir_all(d).map_err(|source| CliError::Io {
            path: d.clone(),
            source,
        })?;
        d
    } else {
        tmp = tempfile::tempdir().map_err(|source| CliError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        tmp.path()
    };
    let ledger_path = dir.join("conghua-2022.jixiao");
    if ledger_path.exists() {
        return Err(CliError::Usage(format!(
            "{}: already exists; --keep needs a directory without a previous demo ledger",
            ledger_path.display()
        )));
    }
    let mut keys = Vec::new();
    for name in ["admin", "recorder", "evaluator"] {
        let k = KeyPair::generate(name)?;
        k.write(&dir.join(format!("{name}.key")))?;
        keys.push(k);
    }
    let [admin, recorder, _evaluator] = [&keys[0], &keys[1], &keys[2]];
    let t = now()?;
    let mut id = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    let genesis = Genesis {
        department: "广州市从化区人民政府办公室".into(),
        department_code: String::new(),
        year: 2022,
        admins: vec![admin.principal()],
    };
    let (ledger, _) = Ledger::create(&ledger_path, genesis, &admin.signing, id, t)?;
    let grants = [(1usize, Role::Recorder), (2, Role::Evaluator)]
        .into_iter()
        .map(|(i, role)| {
            Event::Grant(Grant {
                principal: keys[i].principal(),
                role,
            })
        })
        .collect();
    ledger.append(&admin.signing, grants, t)?;
    let date = "2022-12-31"
        .parse()
        .map_err(|e| CliError::Usage(format!("{e}")))?;
    let facts = [
        ("staff.sections", "内设科室", 8),
        ("staff.attached_bodies", "直属机构", 2),
    ]
    .into_iter()
    .map(|(key, name, v)| {
        Event::Fact(Fact {
            key: key.into(),
            name: name.into(),
            value: i64::from(v).into(),
            unit: "个".into(),
            date,
            source: "一(一)".into(),
        })
    })
    .collect();
    ledger.append(&recorder.signing, facts, t)?;
    drop(ledger);
    ledger_cmds::verify(&VerifyArgs {
        ledger: ledger_path.clone(),
        json: false,
    })?;
    println!();
    ledger_cmds::log(&LogArgs {
        ledger: ledger_path.clone(),
        json: false,
    })?;
    if let Some(d) = &a.keep {
        println!("\nkept the ledger and keys in {}", d.display());
    }
    Ok(())
}
