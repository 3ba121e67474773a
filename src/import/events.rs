//! One `[[event]]` table to one [`Event`]: the fields of each kind, their validation, and
//! the files that some kinds read (rule set, evidence, public key).

use super::error::ImportError;
use super::fields::{Field, Fields};
use crate::model::{
    Acknowledgement, BudgetEvent, BudgetKind, BudgetLine, Claim, Correction, Direction, Event,
    EventKind, Evidence, ExpenseType, Fact, FundSource, Grant, IndicatorTarget, IndicatorValue,
    KeyId, Principal, Revoke, Role, RuleSetAdopted, ScoreAdjustment, Staffing,
};
use base64::Engine as _;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;

/// blake3 derive-key context of a rule set's digest.
pub const RULES_DIGEST_CONTEXT: &str = "jixiao rules v1 digest";

/// Fields of each importable kind (besides `kind`).
pub(super) fn fields_of(kind: EventKind) -> &'static [&'static str] {
    match kind {
        EventKind::Genesis => &[],
        EventKind::Grant => &["name", "role", "public_key", "public_key_file"],
        EventKind::Revoke => &["key_id", "public_key", "public_key_file", "role", "reason"],
        EventKind::RuleSetAdopted => &["file"],
        EventKind::Staffing => &["category", "establishment", "actual", "retired", "date"],
        EventKind::Budget => &[
            "fund_source",
            "expense_type",
            "project",
            "budget_kind",
            "amount",
            "date",
            "document",
            "reason",
        ],
        EventKind::IndicatorTarget => &[
            "indicator",
            "name",
            "direction",
            "unit",
            "year_start",
            "adjusted",
            "date",
        ],
        EventKind::IndicatorValue => {
            &["indicator", "value", "date", "deviation_reason", "evidence"]
        }
        EventKind::Fact => &["key", "name", "value", "unit", "date", "source"],
        EventKind::Evidence => &["file", "description"],
        EventKind::Claim => &["id", "subject", "value", "unit", "text", "section"],
        EventKind::ScoreAdjustment => &["node", "delta", "reason", "basis"],
        EventKind::Correction => &[
            "supersedes",
            "reason",
            "replacement",
            "retract",
            "retracted_role",
        ],
        EventKind::Acknowledgement => &["finding", "reason"],
    }
}

/// Names of the kinds an event file (or a replacement, when `nested`) may hold.
fn importable(nested: bool) -> impl Iterator<Item = EventKind> {
    EventKind::ALL
        .into_iter()
        .filter(move |k| *k != EventKind::Genesis && !(nested && *k == EventKind::Correction))
}

fn list<T>(all: &[(T, &str, &str)]) -> String {
    all.iter()
        .map(|x| format!("{} ({})", x.1, x.2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the event of one table. `nested` is true inside a correction's replacement,
/// where neither genesis nor another correction may stand.
pub(super) fn build(f: &mut Fields<'_, '_>, nested: bool) -> Result<Event, ImportError> {
    let found = f.string("kind")?;
    let Some(kind) = importable(nested).find(|k| k.name() == found.trim()) else {
        return Err(ImportError::UnknownKind {
            at: f.value_at("kind"),
            event: f.event,
            found,
            allowed: importable(nested)
                .map(EventKind::name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    f.check_known(kind.name(), fields_of(kind))?;
    Ok(match kind {
        EventKind::Genesis => {
            // Unreachable through `importable`; kept total without panicking.
            return Err(ImportError::UnknownKind {
                at: f.value_at("kind"),
                event: f.event,
                found,
                allowed: String::new(),
            });
        }
        EventKind::Grant => Event::Grant(Grant {
            principal: Principal {
                public_key: public_key(f)?,
                name: f.text("name")?,
            },
            role: role(f, "role", true)?,
        }),
        EventKind::Revoke => Event::Revoke(Revoke {
            key_id: key_id(f)?,
            role: role(f, "role", true)?,
            reason: f.text("reason")?,
        }),
        EventKind::RuleSetAdopted => Event::RuleSetAdopted(rule_set(f)?),
        EventKind::Staffing => Event::Staffing(Staffing {
            category: f.text("category")?,
            establishment: f.count("establishment")?,
            actual: f.count("actual")?,
            retired: f.count("retired")?,
            date: f.date("date")?,
        }),
        EventKind::Budget => Event::Budget(budget(f)?),
        EventKind::IndicatorTarget => Event::IndicatorTarget(IndicatorTarget {
            indicator: f.text("indicator")?,
            name: f.text("name")?,
            direction: direction(f)?,
            unit: f.text("unit")?,
            year_start: f.number("year_start")?,
            adjusted: f.opt_number("adjusted")?,
            date: f.date("date")?,
        }),
        EventKind::IndicatorValue => Event::IndicatorValue(IndicatorValue {
            indicator: f.text("indicator")?,
            value: f.number("value")?,
            date: f.date("date")?,
            deviation_reason: f.opt_string("deviation_reason")?,
            evidence: f.opt_seqs("evidence")?,
        }),
        EventKind::Fact => Event::Fact(Fact {
            key: f.text("key")?,
            name: f.text("name")?,
            value: f.number("value")?,
            unit: f.text("unit")?,
            date: f.date("date")?,
            source: f.text("source")?,
        }),
        EventKind::Evidence => Event::Evidence(evidence(f)?),
        EventKind::Claim => Event::Claim(Claim {
            id: f.text("id")?,
            subject: f.text("subject")?,
            value: f.number("value")?,
            unit: f.text("unit")?,
            text: f.text("text")?,
            section: f.text("section")?,
        }),
        EventKind::ScoreAdjustment => Event::ScoreAdjustment(ScoreAdjustment {
            node: f.text("node")?,
            delta: f.number("delta")?,
            reason: f.text("reason")?,
            basis: f.text("basis")?,
        }),
        EventKind::Correction => Event::Correction(correction(f)?),
        EventKind::Acknowledgement => Event::Acknowledgement(Acknowledgement {
            finding: f.text("finding")?,
            reason: f.text("reason")?,
        }),
    })
}

fn budget(f: &Fields<'_, '_>) -> Result<BudgetEvent, ImportError> {
    let fund_source = f.named("fund_source", FundSource::parse, || list(&FundSource::ALL))?;
    let expense_type = f.named("expense_type", ExpenseType::parse, || {
        list(&ExpenseType::ALL)
    })?;
    let project = f.opt_string("project")?;
    if expense_type == ExpenseType::Project && project.trim().is_empty() {
        return Err(f.inconsistent(
            "project",
            "a 项目支出 (project) line needs its project id in `project`; add it",
        ));
    }
    if expense_type != ExpenseType::Project && !project.is_empty() {
        return Err(f.inconsistent(
            "project",
            "only 项目支出 (project) lines carry a project id; remove `project` or set expense_type = \"项目支出\"",
        ));
    }
    let kind = f.named("budget_kind", BudgetKind::parse, || list(&BudgetKind::ALL))?;
    let amount = f.money("amount")?;
    if amount.is_negative() && kind != BudgetKind::Reallocate {
        return Err(ImportError::Negative {
            at: f.value_at("amount"),
            event: f.event,
            budget_kind: kind.name(),
        });
    }
    let date = f.date("date")?;
    let document = f.opt_string("document")?;
    if kind.needs_document() && document.trim().is_empty() {
        return Err(ImportError::MissingDocument {
            at: f.value_at("document"),
            event: f.event,
            budget_kind: kind.name(),
        });
    }
    Ok(BudgetEvent {
        line: BudgetLine {
            fund_source,
            expense_type,
            project,
        },
        kind,
        amount,
        date,
        document,
        reason: f.opt_string("reason")?,
    })
}

fn direction(f: &Fields<'_, '_>) -> Result<Direction, ImportError> {
    let s = f.text("direction")?;
    Direction::parse(&s).ok_or_else(|| ImportError::BadDirection {
        at: f.value_at("direction"),
        event: f.event,
        found: s,
    })
}

fn role(f: &Fields<'_, '_>, key: &str, auditor_ok: bool) -> Result<Role, ImportError> {
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| auditor_ok || *r != Role::Auditor)
        .collect();
    f.named(
        key,
        |s| roles.iter().copied().find(|r| r.name() == s),
        || {
            roles
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        },
    )
}

/// Decodes a public key written as 64 hex digits or as base64 of its 32 bytes. In a file,
/// blank lines and `#` comments are skipped and the last word of the first other line is
/// the key (so `name KEY` and `KEY` both work). A `.pub` file written by `jixiao key new`
/// gives the key on its `public: ...` line.
pub(super) fn decode_public_key(text: &str) -> Result<[u8; 32], String> {
    let word = text
        .lines()
        .find_map(|l| l.strip_prefix("public: "))
        .map(str::trim)
        .or_else(|| {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .and_then(|l| l.split_whitespace().last())
        })
        .unwrap_or("");
    let bytes = if word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(word).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(word)
            .map_err(|_| {
                format!(
                    "`{word}` is not an Ed25519 public key; write 64 hex digits or the base64 of 32 bytes"
                )
            })?
    };
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("a public key is 32 bytes, found {}", b.len()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&key)
        .map_err(|_| "the 32 bytes are not a valid Ed25519 point; check the key".to_string())?;
    Ok(key)
}

/// The key from `public_key` (inline) or `public_key_file` (path), exactly one of them.
fn public_key(f: &Fields<'_, '_>) -> Result<[u8; 32], ImportError> {
    let (key, text) = match (f.has("public_key"), f.has("public_key_file")) {
        (true, true) => {
            return Err(f.inconsistent(
                "public_key_file",
                "give either public_key or public_key_file, not both",
            ));
        }
        (true, false) => ("public_key", f.text("public_key")?),
        (false, true) => {
            let path = f.path("public_key_file")?;
            let text = crate::limits::read_text_capped(
                &path,
                crate::limits::MAX_KEY_FILE_BYTES,
                "key file",
            )
            .map_err(|e| f.missing_file("public_key_file", path, e.into_io()))?;
            ("public_key_file", text)
        }
        (false, false) => {
            return Err(ImportError::MissingField {
                at: f.table_at(),
                event: f.event,
                kind: f.kind,
                field: f.name("public_key` or `public_key_file"),
            });
        }
    };
    decode_public_key(&text).map_err(|message| ImportError::BadKey {
        at: f.value_at(key),
        event: f.event,
        field: f.name(key),
        message,
    })
}

/// The key id from `key_id` (16 hex digits) or from a public key.
fn key_id(f: &Fields<'_, '_>) -> Result<KeyId, ImportError> {
    if !f.has("key_id") {
        if !f.has("public_key") && !f.has("public_key_file") {
            return Err(ImportError::MissingField {
                at: f.table_at(),
                event: f.event,
                kind: f.kind,
                field: f.name("key_id` (or `public_key` / `public_key_file"),
            });
        }
        return public_key(f).map(|k| KeyId::of(&k));
    }
    if f.has("public_key") || f.has("public_key_file") {
        return Err(f.inconsistent("key_id", "give either key_id or a public key, not both"));
    }
    let s = f.text("key_id")?;
    let mut id = [0u8; 8];
    hex::decode_to_slice(s.trim(), &mut id).map_err(|_| ImportError::BadKey {
        at: f.value_at("key_id"),
        event: f.event,
        field: f.name("key_id"),
        message: format!(
            "`{s}` is not a key id; write its 16 hex digits as `jixiao log` prints it"
        ),
    })?;
    Ok(KeyId(id))
}

fn rule_set(f: &Fields<'_, '_>) -> Result<RuleSetAdopted, ImportError> {
    let path = f.path("file")?;
    let text =
        crate::limits::read_text_capped(&path, crate::limits::MAX_RULES_BYTES, "rule set file")
            .map_err(|e| f.missing_file("file", path.clone(), e.into_io()))?;
    let bad = |message: String| ImportError::BadRules {
        at: f.value_at("file"),
        event: f.event,
        path: path.clone(),
        message,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad(format!("not valid TOML: {}", e.message())))?;
    let name = match table.get("name") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(bad(
                "it has no top-level `name = \"...\"`; name the rule set on its first lines"
                    .to_string(),
            ));
        }
    };
    let digest = blake3::derive_key(RULES_DIGEST_CONTEXT, text.as_bytes());
    Ok(RuleSetAdopted { name, text, digest })
}

fn evidence(f: &Fields<'_, '_>) -> Result<Evidence, ImportError> {
    let path = f.path("file")?;
    let (size, blake3) = hash_file(&path).map_err(|e| f.missing_file("file", path.clone(), e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Evidence {
        name,
        size,
        blake3,
        description: f.opt_string("description")?,
    })
}

/// Size and plain blake3 hash of a file, streamed.
fn hash_file(path: &PathBuf) -> std::io::Result<(u64, [u8; 32])> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        match buf.get(..n) {
            Some(chunk) if n > 0 => hasher.update(chunk),
            _ => break,
        };
        size = size.saturating_add(n as u64);
    }
    Ok((size, *hasher.finalize().as_bytes()))
}

fn correction(f: &Fields<'_, '_>) -> Result<Correction, ImportError> {
    let supersedes = f.seq("supersedes")?;
    let reason = f.text("reason")?;
    let retract = f.opt_bool("retract")?;
    let (replacement, retracted_kind_role) = match (f.raw("replacement"), retract) {
        (Some(_), Some(_)) => {
            return Err(f.inconsistent(
                "retract",
                "give either replacement = { kind = ..., ... } or retract = true, not both",
            ));
        }
        (Some(r), None) => {
            if f.has("retracted_role") {
                return Err(f.inconsistent(
                    "retracted_role",
                    "only a retraction names retracted_role; a replacement's kind gives the role",
                ));
            }
            let event = replacement(f, r)?;
            let role = event.required_role();
            (Some(Box::new(event)), role)
        }
        (None, Some(true)) => (None, role(f, "retracted_role", false)?),
        (None, _) => {
            return Err(f.inconsistent(
                "replacement",
                "a correction needs replacement = { kind = ..., ... } or retract = true with retracted_role",
            ));
        }
    };
    Ok(Correction {
        supersedes,
        reason,
        replacement,
        retracted_kind_role,
    })
}

/// The inline replacement table of a correction. Its keys carry no spans of their own, so
/// errors inside it point at the start of the replacement table.
fn replacement(f: &Fields<'_, '_>, r: &Field) -> Result<Event, ImportError> {
    let toml::Value::Table(table) = &r.value else {
        return Err(ImportError::WrongType {
            at: f.at(&r.value_span),
            event: f.event,
            field: f.name("replacement"),
            expected: "a table, e.g. replacement = { kind = \"fact\", ... }",
            found: super::fields::type_name(&r.value),
        });
    };
    let map: BTreeMap<String, Field> = table
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Field {
                    key_span: r.value_span.clone(),
                    value_span: r.value_span.clone(),
                    value: v.clone(),
                },
            )
        })
        .collect();
    let mut nested = Fields::new(f.ctx, f.event, "replacement.", r.value_span.clone(), map);
    build(&mut nested, true)
}
