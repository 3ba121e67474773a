//! Building a ledger from a fixture directory the way a department would: an admin creates it
//! and grants roles, then every `NN-ROLE-*.toml` file is imported in name order as one signed
//! batch by the role its first line declares. Shared by the `fixture_*` and `rules_*` tests.
#![allow(dead_code)]

use jixiao::check::{Checked, check_open};
use jixiao::eval::{AsOf, Scorecard};
use jixiao::import;
use jixiao::ledger::Ledger;
use jixiao::model::{Event, Genesis, Grant, Role};
use jixiao::seed::SeedKeys;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A fixture built into a ledger.
pub struct Built {
    /// Holds the ledger file.
    pub dir: TempDir,
    /// The ledger file.
    pub path: PathBuf,
    /// The open ledger (closed by [`Built::close`] before the command line opens the file).
    pub ledger: Option<Ledger>,
}

/// The repository's `fixtures/NAME` directory.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Builds `fixtures/NAME` for `department` and `year`; batches are recorded one hour apart.
pub fn build(name: &str, department: &str, year: i32) -> Built {
    build_dir(&fixture(name), department, year)
}

/// [`build`] from any directory of event files.
pub fn build_dir(fx: &Path, department: &str, year: i32) -> Built {
    let keys = SeedKeys::fixed();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.jixiao");
    let t0 = 1_700_000_000;
    let genesis = Genesis {
        department: department.into(),
        department_code: String::new(),
        year,
        admins: vec![keys.admin.principal()],
    };
    let (ledger, _) = Ledger::create(&path, genesis, &keys.admin.signing, [7; 16], t0).unwrap();
    let grants = [
        (&keys.recorder, Role::Recorder),
        (&keys.evaluator, Role::Evaluator),
    ]
    .into_iter()
    .map(|(k, role)| {
        Event::Grant(Grant {
            principal: k.principal(),
            role,
        })
    })
    .collect();
    ledger.append(&keys.admin.signing, grants, t0).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fx)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".toml") && n.as_bytes().first().is_some_and(u8::is_ascii_digit)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no event files in {}", fx.display());
    for (i, f) in files.iter().enumerate() {
        let batch =
            import::read_batch_file(f, year).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let key = match batch.role {
            Some(Role::Admin) => &keys.admin,
            Some(Role::Evaluator) => &keys.evaluator,
            _ => &keys.recorder,
        };
        ledger
            .append(&key.signing, batch.events, t0 + 3600 * (i as i64 + 1))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    Built {
        dir,
        path,
        ledger: Some(ledger),
    }
}

impl Built {
    /// Verifies and scores the latest state.
    pub fn checked(&self) -> Checked {
        check_open(self.ledger.as_ref().expect("open"), AsOf::Latest, &[]).unwrap()
    }

    /// Closes the ledger so that the command line can open the file.
    pub fn close(mut self) -> (TempDir, PathBuf) {
        self.ledger = None;
        (self.dir, self.path)
    }

    /// The scorecard of the latest state (panics if it cannot be scored).
    pub fn card(&self) -> Scorecard {
        let c = self.checked();
        assert!(c.integrity.is_ok(), "integrity: {:?}", c.integrity.err());
        c.scorecard.expect("scored").expect("scorecard")
    }

    /// A node's displayed score as text.
    pub fn score_of(card: &Scorecard, id: &str) -> String {
        card.node(id)
            .unwrap_or_else(|| panic!("no node {id}"))
            .score
            .to_string()
    }
}

/// The ids of a scorecard's findings, sorted.
pub fn finding_ids(card: &Scorecard) -> Vec<String> {
    let mut v: Vec<String> = card.findings.iter().map(|f| f.id.clone()).collect();
    v.sort();
    v
}
