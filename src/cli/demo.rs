//! `jixiao demo`: builds the built-in seed case (Conghua 2022) in a temporary directory (or
//! `--keep DIR`), verifies it, and shows the scorecard and the findings.

use super::CliError;
use super::args::KeyArg;
use super::checkpoint_cmds::{self, CheckpointArgs, CheckpointCheck, CosignArgs};
use super::proof_cmds::{self, CheckProofArgs, ProveArgs};
use super::report_cmds::{self, ReportArgs};
use super::verify_cmd::{self, VerifyArgs};
use crate::check::check;
use crate::eval::AsOf;
use crate::ledger::Ledger;
use crate::messages::text;
use crate::seed::{self, SeedKeys};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the ledger, the fixture files and the generated keys in DIR (created if missing)
    /// instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn run(a: &DemoArgs, json: bool) -> Result<(), CliError> {
    let tmp;
    let dir: &Path = if let Some(d) = &a.keep {
        std::fs::create_dir_all(d).map_err(io(d))?;
        d
    } else {
        tmp = tempfile::tempdir().map_err(io(&std::env::temp_dir()))?;
        tmp.path()
    };
    let ledger_path = dir.join("conghua-2022.jixiao");
    if ledger_path.exists() {
        return Err(CliError::Usage(text(
            "demo.exists",
            &[("path", &ledger_path.display())],
        )));
    }
    let keys = SeedKeys::generate()?;
    for k in [&keys.admin, &keys.recorder, &keys.evaluator, &keys.auditor] {
        k.write(&dir.join(format!("{}.key", k.name)))?;
    }
    let fixture = seed::write_fixture(dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut id = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    if !json {
        println!(
            "{}",
            text(
                "demo.building",
                &[("department", &seed::DEPARTMENT), ("year", &seed::YEAR)],
            )
        );
    }
    seed::build(&ledger_path, &fixture, &keys, id, |b| {
        if json {
            return;
        }
        let range = if b.appended.first == b.appended.last {
            format!("#{}", b.appended.first)
        } else {
            format!("#{}..#{}", b.appended.first, b.appended.last)
        };
        let by = text("demo.by", &[("signer", &format!("{:<9}", b.signer))]);
        println!("  {:<30} {:<10} {by} {}", b.file, range, b.description);
    })
    .map_err(|e| match e {
        seed::SeedError::Ledger(l) => CliError::Ledger(l),
        other => CliError::Usage(other.to_string()),
    })?;

    if json {
        // The built ledger's `verify --json` document (docs/JSON.md); the walkthrough of the
        // other commands is for reading, not for programs.
        return match verify_cmd::verify(
            &VerifyArgs {
                ledger: ledger_path.clone(),
                many: Default::default(),
                checkpoint: CheckpointCheck::default(),
                point: Default::default(),
                rebuild_derived: false,
            },
            true,
        ) {
            Ok(()) | Err(CliError::Reported(1)) => Ok(()),
            Err(e) => Err(e),
        };
    }
    println!("\n== jixiao verify {}", ledger_path.display());
    // Findings make verify exit 1: that is the point of the seed case (its report states a
    // growth rate that does not reproduce), so the demo shows them and goes on.
    match verify_cmd::verify(
        &VerifyArgs {
            ledger: ledger_path.clone(),
            many: Default::default(),
            checkpoint: CheckpointCheck::default(),
            point: Default::default(),
            rebuild_derived: false,
        },
        false,
    ) {
        Ok(()) | Err(CliError::Reported(1)) => {}
        Err(e) => return Err(e),
    }

    let cp_path = dir.join("checkpoint-final.txt");
    println!(
        "\n== jixiao checkpoint (admin), cosign (auditor), verify --checkpoint --min-signatures 2"
    );
    checkpoint_cmds::checkpoint(
        &CheckpointArgs {
            ledger: ledger_path.clone(),
            key: KeyArg {
                key: dir.join("admin.key"),
            },
            out: Some(cp_path.clone()),
        },
        false,
    )?;
    checkpoint_cmds::cosign(
        &CosignArgs {
            checkpoint: cp_path.clone(),
            ledger: ledger_path.clone(),
            key: KeyArg {
                key: dir.join("auditor.key"),
            },
        },
        false,
    )?;
    print!(
        "{}",
        std::fs::read_to_string(&cp_path).map_err(io(&cp_path))?
    );
    match verify_cmd::verify(
        &VerifyArgs {
            ledger: ledger_path.clone(),
            many: Default::default(),
            checkpoint: CheckpointCheck {
                checkpoint: Some(cp_path.clone()),
                trusted_keys: vec![dir.join("admin.key.pub"), dir.join("auditor.key.pub")],
                min_signatures: 2,
                ..Default::default()
            },
            point: Default::default(),
            rebuild_derived: false,
        },
        false,
    ) {
        Ok(()) | Err(CliError::Reported(1)) => {}
        Err(e) => return Err(e),
    }

    println!(
        "\n== jixiao prove --consistency (mid-year → final), prove #158, check-proof (offline)"
    );
    let mid_size = Ledger::open_read(&ledger_path)?
        .checkpoints()?
        .first()
        .map_or(0, |(n, _)| *n);
    let consistency = dir.join("proof-midyear-final.json");
    proof_cmds::prove(
        &ProveArgs {
            ledger: ledger_path.clone(),
            seq: None,
            consistency: Some(vec![mid_size.to_string(), cp_path.display().to_string()]),
            checkpoint: None,
            out: consistency.clone(),
        },
        false,
    )?;
    let trusted = vec![dir.join("admin.key.pub"), dir.join("auditor.key.pub")];
    proof_cmds::check_proof(
        &CheckProofArgs {
            proof: consistency,
            trusted_keys: trusted.clone(),
            ledger: None,
            ..Default::default()
        },
        false,
    )?;
    let inclusion = dir.join("proof-158.json");
    proof_cmds::prove(
        &ProveArgs {
            ledger: ledger_path.clone(),
            seq: Some(158),
            consistency: None,
            checkpoint: Some(cp_path.clone()),
            out: inclusion.clone(),
        },
        false,
    )?;
    proof_cmds::check_proof(
        &CheckProofArgs {
            proof: inclusion,
            trusted_keys: trusted.clone(),
            ledger: None,
            ..Default::default()
        },
        false,
    )?;

    println!(
        "\n== jixiao score {} --as-of {}",
        ledger_path.display(),
        seed::MID_YEAR
    );
    let mid = check(
        &ledger_path,
        AsOf::Date(
            seed::MID_YEAR
                .parse()
                .map_err(|e| CliError::Usage(format!("{e}")))?,
        ),
        &[],
    )?;
    if let Some(Ok(card)) = &mid.scorecard {
        let pending = card
            .nodes
            .iter()
            .filter(|n| n.pending.is_some() && n.children.is_empty())
            .count();
        let leaves = card.nodes.iter().filter(|n| n.children.is_empty()).count();
        println!(
            "{}",
            text(
                "demo.mid_year",
                &[
                    ("total", &format!("{:.2}", card.total)),
                    ("pending", &pending),
                    ("leaves", &leaves),
                ],
            )
        );
    }

    let html = dir.join("report.html");
    let json = dir.join("report.json");
    for (format, out, with_proofs) in [("html", &html, false), ("json", &json, true)] {
        report_cmds::report(&ReportArgs {
            ledger: ledger_path.clone(),
            format: format.into(),
            output: Some(out.clone()),
            point: Default::default(),
            lang: "zh".into(),
            unverified: false,
            citations: "bounded".into(),
            checkpoint: None,
            with_proofs: with_proofs.then(|| "entries".to_string()),
        })?;
    }
    println!(
        "\n{}",
        text("demo.check_proof", &[("file", &json.display())])
    );
    proof_cmds::check_proof(
        &CheckProofArgs {
            proof: json.clone(),
            trusted_keys: trusted,
            ledger: None,
            ..Default::default()
        },
        false,
    )?;
    println!("\n== jixiao report {}", ledger_path.display());
    report_cmds::report(&ReportArgs {
        ledger: ledger_path.clone(),
        format: "text".into(),
        output: None,
        point: Default::default(),
        lang: "zh".into(),
        unverified: false,
        citations: "bounded".into(),
        checkpoint: None,
        with_proofs: None,
    })?;
    match &a.keep {
        Some(d) => println!("\n{}", text("demo.kept", &[("dir", &d.display())])),
        None => println!("\n{}", text("demo.keep_hint", &[])),
    }
    Ok(())
}
