//! The seed case recorded in real time, shared by the tests/time_*.rs crates: budget and
//! targets in January 2022, the mid-year monitoring in July, the rule set adopted when the
//! finance bureau issues it in January 2023, the year-end books, indicator values and facts in
//! 2023-01..03, the report's claims in March, the evaluator's adjustment last.
#![allow(dead_code)]

use jixiao::import::read_batch_file;
use jixiao::ledger::Ledger;
use jixiao::model::{Event, EventKind, Genesis, Grant, Role};
use jixiao::seed::{self, SeedKeys};
use std::path::{Path, PathBuf};

/// The batches of the schedule, in order (after the genesis and grants).
pub const BATCHES: [&str; 9] = [
    "budget",
    "targets",
    "midyear",
    "rules",
    "books",
    "values",
    "facts",
    "claims",
    "adjustment",
];

/// When the last batch is recorded; later appends in tests are recorded after it.
pub const LAST_RECORDED: &str = "2023-03-20T02:00:00Z";

pub fn t(s: &str) -> i64 {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

/// Builds the real-time ledger in `dir` (keys `admin.key`, `recorder.key`, `evaluator.key`
/// written beside it) with the first `upto` batches of [`BATCHES`], and returns its path.
pub fn build_real_time(dir: &Path, upto: usize) -> PathBuf {
    let keys = SeedKeys::fixed();
    for k in [&keys.admin, &keys.recorder, &keys.evaluator] {
        k.write(&dir.join(format!("{}.key", k.name))).unwrap();
    }
    let fx = seed::write_fixture(dir).unwrap();
    let path = dir.join("real-time.jixiao");
    let genesis = Genesis {
        department: seed::DEPARTMENT.into(),
        department_code: String::new(),
        year: seed::YEAR,
        admins: vec![keys.admin.principal()],
    };
    let t0 = t("2022-01-05T01:00:00Z");
    let (l, _) = Ledger::create(&path, genesis, &keys.admin.signing, [0x22; 16], t0).unwrap();
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
    l.append(&keys.admin.signing, grants, t0).unwrap();
    let file = |name: &str| read_batch_file(&fx.join(name), seed::YEAR).unwrap().events;
    // Year-end figures, all dated 2022-12-31, entered over the first quarter of 2023.
    let year_end = file("05-recorder-yearend.toml");
    let (values, rest): (Vec<Event>, Vec<Event>) = year_end
        .into_iter()
        .partition(|e| e.kind() == EventKind::IndicatorValue);
    let (facts, books): (Vec<Event>, Vec<Event>) =
        rest.into_iter().partition(|e| e.kind() == EventKind::Fact);
    let (admin, rec, eva) = (
        &keys.admin.signing,
        &keys.recorder.signing,
        &keys.evaluator.signing,
    );
    let schedule = [
        (rec, file("02-recorder-budget.toml"), "2022-01-10T02:00:00Z"),
        (
            rec,
            file("03-recorder-targets.toml"),
            "2022-01-10T03:00:00Z",
        ),
        (
            rec,
            file("04-recorder-midyear.toml"),
            "2022-07-15T02:00:00Z",
        ),
        // The rule set comes with the finance bureau's notice on the self-evaluation.
        (admin, file("01-admin-rules.toml"), "2023-01-05T02:00:00Z"),
        (rec, books, "2023-01-20T02:00:00Z"),
        (rec, values, "2023-02-10T02:00:00Z"),
        (rec, facts, "2023-03-01T02:00:00Z"),
        (rec, file("06-recorder-claims.toml"), "2023-03-10T02:00:00Z"),
        (eva, file("07-evaluator-adjustment.toml"), LAST_RECORDED),
    ];
    for (key, events, at) in schedule.into_iter().take(upto) {
        l.append(key, events, t(at)).unwrap();
    }
    path
}
