//! Checking a file offline (`check-proof`): a proof file is checked as such; a JSON report is
//! checked by recomputing it. The report's bundle (or a ledger file) is rebuilt into a ledger,
//! verified like any ledger (bytes, chain, hashes, signatures, roles, Merkle tree), its Merkle
//! root compared with the root of the report's signed checkpoint (trusted keys only), then
//! replayed, scored and built into a report model with the options the report records
//! (`as_of`, `lang`) and compared with the report value by value (docs/FORMAT.md §10).
//!
//! Owns: reading the file with a size cap, the order of those checks and the differences they
//! name. Must not: print, write to a ledger, or pass a report any of whose values it did not
//! recompute.

use crate::check::check_open_with;
use crate::eval::{AsOf, KnownAt};
use crate::json_compare::{Differences, compare, leaves};
use crate::ledger::{
    FailureKind, Ledger, LedgerError, ProofError, ProofSummary, RestoredLedger, SignedCheckpoint,
    StoredLedger, TreeHash, check_proof_text, restore,
};
use crate::progress::Progress;
use crate::report::{Bundle, Citations, Lang, ReportModel, SCHEMA, compact};
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use std::io::Read as _;
use std::path::Path;

/// The largest report or proof file read (256 MiB): a ledger too large to embed is checked
/// with `report --with-proofs=ledger` and `check-proof --ledger FILE`.
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

pub use crate::json_compare::MAX_LISTED;

/// What a checked file established.
#[derive(Debug)]
pub enum FileCheck {
    /// A report whose every value was recomputed.
    Report(ReportCheck),
    /// A proof file (docs/FORMAT.md §9.5).
    Proof(ProofSummary),
}

/// What checking a report established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportCheck {
    /// Ledger id.
    pub ledger_id: [u8; 16],
    /// Entries recomputed from (the checkpoint's tree size).
    pub size: u64,
    /// Merkle root, equal to the checkpoint's.
    pub root: TreeHash,
    /// Trusted keys that signed the checkpoint.
    pub signers: Vec<String>,
    /// Values of the report compared (every leaf of the JSON but the bundle).
    pub values: usize,
    /// Whether the entries came from the report's bundle (else from the ledger file).
    pub embedded: bool,
}

/// Why a file does not check.
#[derive(Debug)]
pub enum CheckError {
    /// The file cannot be read as a report or proof at all, or the check needs an input it
    /// was not given (exit 2).
    Input(String),
    /// A proof file that does not check (exit 1).
    Proof(ProofError),
    /// A report that does not check: each line names a JSON path or the part that failed,
    /// at most [`MAX_LISTED`]; `more` counts the rest (exit 1).
    Refused {
        /// What differs or failed.
        problems: Vec<String>,
        /// How many more were found and not listed.
        more: usize,
    },
}

fn refused(p: impl Into<String>) -> CheckError {
    CheckError::Refused {
        problems: vec![p.into()],
        more: 0,
    }
}

/// Reads `path` (at most [`MAX_REPORT_BYTES`]) and checks it as a report or a proof file
/// against `trusted` keys; a report is recomputed from its bundle, or from `ledger` if given,
/// telling `progress` how far verifying its entries has got.
pub fn check_file<N: AsRef<str>>(
    path: &Path,
    trusted: &[(N, VerifyingKey)],
    ledger: Option<&Path>,
    progress: &dyn Progress,
) -> Result<FileCheck, CheckError> {
    let text = read_capped(path, MAX_REPORT_BYTES)?;
    check_text(
        &text,
        &path.display().to_string(),
        trusted,
        ledger,
        progress,
    )
}

/// [`check_file`] on text already read; `name` names it in messages.
pub fn check_text<N: AsRef<str>>(
    text: &str,
    name: &str,
    trusted: &[(N, VerifyingKey)],
    ledger: Option<&Path>,
    progress: &dyn Progress,
) -> Result<FileCheck, CheckError> {
    let doc: Value = match crate::strict_json::parse(text) {
        Ok(doc) => doc,
        Err(crate::strict_json::StrictError::DuplicateKey { key, at }) => {
            return Err(refused(format!(
                "{}: the key `{key}` appears twice in one object ({at}): readers disagree on which value the report states, so it is refused",
                name
            )));
        }
        Err(crate::strict_json::StrictError::Syntax(e)) => {
            return Err(CheckError::Input(format!(
                "{}: not JSON ({e}); give a proof file from `jixiao prove` or a report from `jixiao report --format json --with-proofs`",
                name
            )));
        }
    };
    let is_report = doc
        .get("schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("jixiao-report/"));
    if is_report {
        return check_report(doc, trusted, ledger, progress).map(FileCheck::Report);
    }
    if ledger.is_some() {
        return Err(CheckError::Input(format!(
            "{}: --ledger is for checking a JSON report; a proof file is checked with the trusted keys alone",
            name
        )));
    }
    check_proof_text(text, trusted)
        .map(FileCheck::Proof)
        .map_err(CheckError::Proof)
}

/// Reads a file of at most `cap` bytes as UTF-8 text.
pub fn read_capped(path: &Path, cap: u64) -> Result<String, CheckError> {
    let io = |e: std::io::Error| CheckError::Input(format!("{}: {e}", path.display()));
    let too_large = || {
        CheckError::Input(format!(
            "{}: larger than {} MiB, the most a report or proof file may have; render a report of a larger ledger with `--with-proofs=ledger` and check it with `check-proof --ledger FILE`",
            path.display(),
            cap / (1024 * 1024)
        ))
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        CheckError::Input(format!(
            "{}: not UTF-8 text (at byte {}); a report or proof file is UTF-8 JSON",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Where the recomputation reads the entries from.
enum Source {
    Rebuilt(RestoredLedger),
    File(Ledger),
}

impl Source {
    fn ledger(&self) -> &Ledger {
        match self {
            Source::Rebuilt(r) => r.ledger(),
            Source::File(l) => l,
        }
    }
}

/// Checks a parsed report (see the module documentation), telling `progress` how far
/// verifying its entries has got.
pub fn check_report<N: AsRef<str>>(
    mut doc: Value,
    trusted: &[(N, VerifyingKey)],
    ledger: Option<&Path>,
    progress: &dyn Progress,
) -> Result<ReportCheck, CheckError> {
    let schema = doc.get("schema").cloned().unwrap_or(Value::Null);
    if schema.as_str() != Some(SCHEMA) {
        return Err(refused(format!(
            "$.schema: the report says {}, this build checks {SCHEMA:?} reports, which carry the bundle to recompute them from; render it again with `jixiao report --format json --with-proofs`",
            compact(&schema)
        )));
    }
    let bundle = match doc.as_object_mut().and_then(|m| m.remove("bundle")) {
        Some(b) => Bundle::from_json(&b).map_err(refused)?,
        None => {
            return Err(refused(
                "$.bundle: missing; only a report rendered with `jixiao report --format json --with-proofs` can be checked",
            ));
        }
    };
    let cp_at = "$.ledger.signed_checkpoint";
    let cp_text = doc
        .pointer("/ledger/signed_checkpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            refused(format!(
                "{cp_at}: missing; a checked report is bound to a signed checkpoint"
            ))
        })?;
    let cp = SignedCheckpoint::parse(cp_text)
        .map_err(|e| refused(format!("{cp_at}: not a signed checkpoint: {e}")))?;
    let signers = cp.verify_signatures(trusted).map_err(|e| {
        refused(format!(
            "{cp_at}: {e}; nothing in the report is established without a checkpoint signed by a trusted key"
        ))
    })?;
    agreement(&doc, &bundle, &cp)?;
    let size = bundle.size;
    let (source, embedded) = match ledger {
        None => {
            let stored = bundle.stored.as_ref().ok_or_else(|| {
                CheckError::Input(
                    "the report was rendered with --with-proofs=ledger and carries no entries; check it against the ledger file with `jixiao check-proof REPORT.json --trusted-key PUB --ledger FILE`".into(),
                )
            })?;
            if stored.entries.len() as u64 != size {
                return Err(refused(format!(
                    "$.bundle.entries: the report embeds {} entries, its checkpoint covers {size}",
                    stored.entries.len()
                )));
            }
            (Source::Rebuilt(restore(stored).map_err(input)?), true)
        }
        Some(path) => (from_file(path, &bundle, &cp, progress)?, false),
    };
    let lang = options_lang(&doc)?;
    let as_of = options_as_of(&doc)?;
    let citations = options_citations(&doc)?;
    let l = source.ledger();
    let checked = check_open_with(l, as_of, &[size], progress).map_err(input)?;
    let v = match &checked.integrity {
        Ok(v) => v,
        Err(f) => {
            let at = match (&bundle.stored, f.seq) {
                (Some(stored), Some(s)) if embedded => where_in_bundle(stored, s, f.kind),
                _ if embedded => "$.bundle".into(),
                _ => ledger.map_or_else(String::new, |p| p.display().to_string()),
            };
            return Err(refused(format!(
                "{at}: the ledger does not verify: {}: {}",
                f.kind.name(),
                f
            )));
        }
    };
    if v.size != size || v.root != cp.checkpoint.root {
        return Err(refused(format!(
            "$.bundle.entries: the Merkle root of the {} entries is {}, the signed checkpoint of {size} entries says {}: they are not the checkpoint's ledger",
            v.size,
            hex::encode(v.root),
            hex::encode(cp.checkpoint.root)
        )));
    }
    let model =
        ReportModel::build(l, &checked, lang, citations).with_signed_checkpoint(cp.to_text());
    let recomputed = serde_json::to_value(&model)
        .map_err(|e| CheckError::Input(format!("serialising the recomputed report: {e}")))?;
    let mut d = Differences::default();
    compare(&mut "$".to_string(), &doc, &recomputed, &mut d);
    if d.count > 0 {
        return Err(CheckError::Refused {
            more: d.count - d.listed.len(),
            problems: d.listed,
        });
    }
    Ok(ReportCheck {
        ledger_id: v.ledger_id,
        size,
        root: v.root,
        signers,
        values: leaves(&recomputed),
        embedded,
    })
}

/// The JSON path of what failed at `seq`: its batch record for a signature or tiling
/// failure, else its entry.
fn where_in_bundle(stored: &StoredLedger, seq: u64, kind: FailureKind) -> String {
    let batch = matches!(
        kind,
        FailureKind::BadSignature | FailureKind::Unsigned | FailureKind::AuthorMismatch
    );
    match stored
        .batches
        .iter()
        .position(|b| b.first <= seq && seq <= b.last)
    {
        Some(i) if batch => format!("$.bundle.batches[{i}]"),
        // The link between two entries broke: either may have been changed.
        _ if kind == FailureKind::BrokenChain && seq > 1 => format!(
            "$.bundle.entries[{}] or [{}] (seq {} or {seq})",
            seq - 2,
            seq - 1,
            seq - 1
        ),
        _ => format!("$.bundle.entries[{}] (seq {seq})", seq.saturating_sub(1)),
    }
}

fn input(e: LedgerError) -> CheckError {
    CheckError::Input(e.to_string())
}

/// The bundle, the checkpoint and the report's `ledger` binding name one ledger id, size
/// and root.
fn agreement(doc: &Value, b: &Bundle, cp: &SignedCheckpoint) -> Result<(), CheckError> {
    let c = &cp.checkpoint;
    let cp_id = c.ledger_id().map(hex::encode).unwrap_or_default();
    let mut problems = Vec::new();
    let mut agree = |at: &str, says: Value, gives: Value| {
        if says != gives {
            problems.push(format!(
                "{at}: the report says {}, its signed checkpoint gives {}",
                compact(&says),
                compact(&gives)
            ));
        }
    };
    let field = |p: &str| doc.pointer(p).cloned().unwrap_or(Value::Null);
    agree(
        "$.bundle.ledger_id",
        hex::encode(b.ledger_id).into(),
        cp_id.clone().into(),
    );
    agree("$.bundle.size", b.size.into(), c.size.into());
    agree(
        "$.bundle.root",
        hex::encode(b.root).into(),
        hex::encode(c.root).into(),
    );
    agree(
        "$.ledger.ledger_id",
        field("/ledger/ledger_id"),
        cp_id.into(),
    );
    agree("$.ledger.entries", field("/ledger/entries"), c.size.into());
    agree(
        "$.ledger.merkle_root",
        field("/ledger/merkle_root"),
        hex::encode(c.root).into(),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CheckError::Refused { problems, more: 0 })
    }
}

/// The ledger file, verified, whose root at the checkpoint's size is the checkpoint's root,
/// with any entries the bundle embeds equal to the file's; a prefix rebuilt when the file
/// has grown since.
fn from_file(
    path: &Path,
    b: &Bundle,
    cp: &SignedCheckpoint,
    progress: &dyn Progress,
) -> Result<Source, CheckError> {
    let at = path.display().to_string();
    let file = Ledger::open_read(path).map_err(|e| {
        if e.is_integrity() {
            refused(format!("{at}: the ledger does not verify: {e}"))
        } else {
            input(e)
        }
    })?;
    let size = b.size;
    let v = file
        .verify_with(&mut |_| {}, &[size], progress)
        .map_err(|f| {
            refused(format!(
                "{at}: the ledger does not verify: {}: {f}",
                f.kind.name()
            ))
        })?;
    if v.ledger_id != b.ledger_id {
        return Err(refused(format!(
            "{at}: the ledger is jixiao/{}, the report's checkpoint is of jixiao/{}",
            hex::encode(v.ledger_id),
            hex::encode(b.ledger_id)
        )));
    }
    match v.roots_at.get(&size) {
        Some(r) if *r == cp.checkpoint.root => {}
        Some(r) => {
            return Err(refused(format!(
                "{at}: the Merkle root of its first {size} entries is {}, the report's signed checkpoint says {}: a different history (a fork)",
                hex::encode(r),
                hex::encode(cp.checkpoint.root)
            )));
        }
        None => {
            return Err(refused(format!(
                "{at}: the ledger has {} entries, the report's checkpoint covers {size}: truncated or rolled back",
                v.size
            )));
        }
    }
    let prefix = if v.size == size && b.stored.is_none() {
        None
    } else {
        Some(StoredLedger::read(&file, size).map_err(input)?)
    };
    if let (Some(mine), Some(theirs)) = (&prefix, &b.stored) {
        if let Some(i) = (0..mine.entries.len().max(theirs.entries.len()))
            .find(|&i| mine.entries.get(i) != theirs.entries.get(i))
        {
            return Err(refused(format!(
                "$.bundle.entries[{i}]: differs from the stored bytes of seq {} in {at}",
                i + 1
            )));
        }
        if let Some(i) = (0..mine.batches.len().max(theirs.batches.len()))
            .find(|&i| mine.batches.get(i) != theirs.batches.get(i))
        {
            return Err(refused(format!(
                "$.bundle.batches[{i}]: differs from the batch records in {at}"
            )));
        }
    }
    match prefix {
        Some(p) if v.size != size => Ok(Source::Rebuilt(restore(&p).map_err(input)?)),
        _ => Ok(Source::File(file)),
    }
}

fn options_lang(doc: &Value) -> Result<Lang, CheckError> {
    let v = doc.get("lang").unwrap_or(&Value::Null);
    v.as_str().and_then(Lang::parse).ok_or_else(|| {
        refused(format!(
            "$.lang: the report says {}, a report's language is \"zh\" or \"en\"",
            compact(v)
        ))
    })
}

fn options_citations(doc: &Value) -> Result<Citations, CheckError> {
    let v = doc.get("citations").unwrap_or(&Value::Null);
    v.as_str().and_then(Citations::parse).ok_or_else(|| {
        refused(format!(
            "$.citations: the report says {}, a report cites its entries \"bounded\" or \"all\" (a report without it predates bounded citations: render it again)",
            compact(v)
        ))
    })
}

fn options_as_of(doc: &Value) -> Result<AsOf, CheckError> {
    let v = doc.get("as_of").unwrap_or(&Value::Null);
    let known = |v: &Value| -> Option<KnownAt> {
        let at = v.get("at");
        match v.get("kind").and_then(Value::as_str) {
            Some("seq") => at.and_then(Value::as_u64).map(KnownAt::Seq),
            Some("time") => at
                .and_then(Value::as_str)
                .and_then(|s| {
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .map(|t| KnownAt::Time(t.unix_timestamp())),
            _ => None,
        }
    };
    let parsed = match v.get("kind").and_then(Value::as_str) {
        Some("latest") => Some(AsOf::Latest),
        Some("seq" | "time") => known(v).map(|k| AsOf::new(Some(k), None)),
        Some("date") => v
            .get("at")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .and_then(|d| match v.get("known_at") {
                None => Some(AsOf::Date(d)),
                Some(k) => known(k).map(|k| AsOf::Both(k, d)),
            }),
        _ => None,
    };
    parsed.ok_or_else(|| {
        refused(format!(
            "$.as_of: the report says {}, a point of history is {{\"kind\": \"latest\"}}, {{\"kind\": \"seq\", \"at\": N}}, {{\"kind\": \"time\", \"at\": \"RFC 3339\"}} or {{\"kind\": \"date\", \"at\": \"YYYY-MM-DD\"}} (with an optional \"known_at\": seq or time) (docs/TIME.md)",
            compact(v)
        ))
    })
}
