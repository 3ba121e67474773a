//! The built-in seed case: the Conghua District government office's 2022 self-evaluation
//! (fixtures/conghua-2022), embedded in the binary and built into a ledger the way a
//! department would build it: an admin creates the ledger and grants roles, then each file of
//! the fixture is imported as one signed batch by the role it declares.
//!
//! Owns: the fixture's files and the order, roles and times of the batches. Must not: print.

use crate::import::{self, ImportError};
use crate::ledger::keys::KeyPair;
use crate::ledger::{Appended, Checkpoint, Ledger, LedgerError};
use crate::model::{Event, Genesis, Grant, Role};
use std::path::{Path, PathBuf};

/// The fixture's files, by name.
pub const FILES: [(&str, &str); 10] = [
    (
        "rules.toml",
        include_str!("../fixtures/conghua-2022/rules.toml"),
    ),
    (
        "source.txt",
        include_str!("../fixtures/conghua-2022/source.txt"),
    ),
    (
        "01-admin-rules.toml",
        include_str!("../fixtures/conghua-2022/01-admin-rules.toml"),
    ),
    (
        "02-recorder-budget.toml",
        include_str!("../fixtures/conghua-2022/02-recorder-budget.toml"),
    ),
    (
        "03-recorder-targets.toml",
        include_str!("../fixtures/conghua-2022/03-recorder-targets.toml"),
    ),
    (
        "04-recorder-midyear.toml",
        include_str!("../fixtures/conghua-2022/04-recorder-midyear.toml"),
    ),
    (
        "05-recorder-yearend.toml",
        include_str!("../fixtures/conghua-2022/05-recorder-yearend.toml"),
    ),
    (
        "06-recorder-claims.toml",
        include_str!("../fixtures/conghua-2022/06-recorder-claims.toml"),
    ),
    (
        "07-evaluator-adjustment.toml",
        include_str!("../fixtures/conghua-2022/07-evaluator-adjustment.toml"),
    ),
    (
        "README.md",
        include_str!("../fixtures/conghua-2022/README.md"),
    ),
];

/// The department of the seed case.
pub const DEPARTMENT: &str = "广州市从化区人民政府办公室";
/// Its fiscal year.
pub const YEAR: i32 = 2022;
/// The date of the mid-year monitoring in the fixture.
pub const MID_YEAR: &str = "2022-06-30";

/// The event files in import order, with the recorded-at time (UTC, RFC 3339) of each batch:
/// when such a department would plausibly have recorded it.
pub const BATCHES: [(&str, &str); 7] = [
    ("01-admin-rules.toml", "2022-01-05T02:00:00Z"),
    ("02-recorder-budget.toml", "2022-01-10T02:00:00Z"),
    ("03-recorder-targets.toml", "2022-01-10T03:00:00Z"),
    ("04-recorder-midyear.toml", "2022-07-15T02:00:00Z"),
    ("05-recorder-yearend.toml", "2023-01-20T02:00:00Z"),
    ("06-recorder-claims.toml", "2023-02-10T02:00:00Z"),
    ("07-evaluator-adjustment.toml", "2023-02-15T02:00:00Z"),
];

/// The batch after which the mid-year checkpoint is issued (signed by the admin, kept in the
/// ledger).
pub const MID_YEAR_BATCH: &str = "04-recorder-midyear.toml";

/// When the ledger is created and roles granted.
pub const CREATED_AT: &str = "2022-01-05T01:00:00Z";

/// The keys that build the seed ledger.
pub struct SeedKeys {
    /// Creates the ledger, grants roles, adopts the rule set.
    pub admin: KeyPair,
    /// Records budget, targets, values, facts, claims.
    pub recorder: KeyPair,
    /// Records the score adjustment.
    pub evaluator: KeyPair,
    /// Cosigns checkpoints.
    pub auditor: KeyPair,
}

impl SeedKeys {
    /// Fresh random keys named admin, recorder, evaluator and auditor.
    pub fn generate() -> Result<SeedKeys, crate::ledger::keys::KeyError> {
        Ok(SeedKeys {
            admin: KeyPair::generate("admin")?,
            recorder: KeyPair::generate("recorder")?,
            evaluator: KeyPair::generate("evaluator")?,
            auditor: KeyPair::generate("auditor")?,
        })
    }

    /// Fixed keys (secrets 32 × 0x01, 0x02, 0x03, 0x04), for reproducible ledgers in tests.
    #[must_use]
    pub fn fixed() -> SeedKeys {
        let k = |name: &str, b: u8| KeyPair {
            name: name.into(),
            signing: ed25519_dalek::SigningKey::from_bytes(&[b; 32]),
        };
        SeedKeys {
            admin: k("admin", 1),
            recorder: k("recorder", 2),
            evaluator: k("evaluator", 3),
            auditor: k("auditor", 4),
        }
    }

    fn for_role(&self, role: Option<Role>) -> &KeyPair {
        match role {
            Some(Role::Admin) => &self.admin,
            Some(Role::Evaluator) => &self.evaluator,
            Some(Role::Auditor) => &self.auditor,
            Some(Role::Recorder) | None => &self.recorder,
        }
    }
}

/// Why the seed ledger could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Writing the fixture files.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A fixture file does not import (a defect of the fixture).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The ledger refused a batch.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A checkpoint could not be signed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

/// One batch as appended, for display.
#[derive(Debug, Clone)]
pub struct BatchDone {
    /// The file.
    pub file: &'static str,
    /// Its description.
    pub description: String,
    /// Who signed.
    pub signer: String,
    /// What was written.
    pub appended: Appended,
}

fn time(s: &str) -> i64 {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_or(0, time::OffsetDateTime::unix_timestamp)
}

/// Writes the fixture files into `dir` and returns their directory.
pub fn write_fixture(dir: &Path) -> Result<PathBuf, SeedError> {
    let fx = dir.join("conghua-2022");
    std::fs::create_dir_all(&fx).map_err(|source| SeedError::Io {
        path: fx.clone(),
        source,
    })?;
    for (name, text) in FILES {
        let p = fx.join(name);
        std::fs::write(&p, text).map_err(|source| SeedError::Io { path: p, source })?;
    }
    Ok(fx)
}

/// Builds the seed ledger at `ledger_path` (which must not exist) from the fixture in
/// `fixture_dir`, with `ledger_id`, calling `progress` after each batch. Returns the batches.
pub fn build(
    ledger_path: &Path,
    fixture_dir: &Path,
    keys: &SeedKeys,
    ledger_id: [u8; 16],
    mut progress: impl FnMut(&BatchDone),
) -> Result<Vec<BatchDone>, SeedError> {
    let genesis = Genesis {
        department: DEPARTMENT.into(),
        department_code: String::new(),
        year: YEAR,
        admins: vec![keys.admin.principal()],
    };
    let t0 = time(CREATED_AT);
    let (ledger, first) = Ledger::create(ledger_path, genesis, &keys.admin.signing, ledger_id, t0)?;
    let mut done = vec![BatchDone {
        file: "(init)",
        description: format!("创建账本:{DEPARTMENT} {YEAR}"),
        signer: keys.admin.name.clone(),
        appended: first,
    }];
    progress(&done[0]);
    let grants = [
        (&keys.recorder, Role::Recorder),
        (&keys.evaluator, Role::Evaluator),
        (&keys.auditor, Role::Auditor),
    ]
    .into_iter()
    .map(|(k, role)| {
        Event::Grant(Grant {
            principal: k.principal(),
            role,
        })
    })
    .collect();
    let appended = ledger.append(&keys.admin.signing, grants, t0)?;
    done.push(BatchDone {
        file: "(grants)",
        description: "授权:recorder 记录员, evaluator 评价员, auditor 审计员".into(),
        signer: keys.admin.name.clone(),
        appended,
    });
    progress(&done[1]);
    for (file, at) in BATCHES {
        let batch = import::read_batch_file(&fixture_dir.join(file), YEAR)?;
        let key = keys.for_role(batch.role);
        let appended = ledger.append(&key.signing, batch.events, time(at))?;
        let d = BatchDone {
            file,
            description: batch.description.unwrap_or_default(),
            signer: key.name.clone(),
            appended,
        };
        progress(&d);
        done.push(d);
        if file == MID_YEAR_BATCH {
            // The department hands the finance bureau a signed checkpoint with its mid-year
            // monitoring report; it is kept in the ledger file.
            let (size, root) = ledger.tree_head()?;
            let cp = Checkpoint::for_ledger(&ledger_id, size, root)
                .sign(&keys.admin.signing, &keys.admin.name)
                .map_err(|e| SeedError::Checkpoint(e.to_string()))?;
            ledger.keep_checkpoint(size, &cp.to_text())?;
        }
    }
    Ok(done)
}
