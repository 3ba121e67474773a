//! Rebuilding a ledger from its export (`jixiao restore EXPORT NEW.jixiao`): every line read
//! strictly and checked against the stored bytes it carries, the ledger rebuilt from the stored
//! bytes and batch records alone, verified in full, its registry compared with the export's key
//! lines, its kept checkpoints put back and re-checked; only then is the new file put in place.
//!
//! Owns: reading an export and that order of checks. Must not: trust a decoded field of the
//! export (only `stored` and the batch records are written; every other field is compared
//! with what they give), or leave a file at the new path unless all of it passed.

use super::lines::{BatchLine, CheckpointLine, EntryLine, HeaderLine, KeyLine, LineType};
use super::{EXPORT_FORMAT, ExportError};
use crate::ledger::{
    BatchRecord, Entry, EntryHash, FORMAT_VERSION, Ledger, MAX_ENTRY_BYTES, StoredLedger, Verified,
};
use crate::model::KeyId;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The longest line read: an entry of the largest size, in hex, with its decoded event.
const MAX_LINE: usize = 4 * MAX_ENTRY_BYTES + 64 * 1024;

/// What was rebuilt.
#[derive(Debug)]
pub struct Restored {
    /// The new ledger file.
    pub path: PathBuf,
    /// The export's header.
    pub header: HeaderLine,
    /// The new ledger, verified.
    pub verified: Verified,
    /// Checkpoints put back.
    pub checkpoints: usize,
}

/// What the export holds, read and checked line by line.
struct Read {
    header: HeaderLine,
    stored: StoredLedger,
    keys: Vec<KeyLine>,
    checkpoints: Vec<CheckpointLine>,
}

/// Rebuilds the ledger that `export` describes as a new file `new` (which must not exist).
pub fn restore(export: &Path, new: &Path) -> Result<Restored, ExportError> {
    let io = |p: &Path, what: &str, e: &dyn std::fmt::Display| ExportError::Io {
        path: p.to_path_buf(),
        detail: format!("{what}: {e}"),
    };
    if new.exists() {
        return Err(ExportError::Io {
            path: new.to_path_buf(),
            detail:
                "already exists; restore writes a new ledger file: give a path that does not exist"
                    .into(),
        });
    }
    let file = std::fs::File::open(export).map_err(|e| io(export, "cannot open the export", &e))?;
    let read = read_export(export, std::io::BufReader::new(file))?;
    // The stored tables are rebuilt from the stored bytes and batch records; everything else
    // is derived again and compared with what the export says.
    let rebuilt = crate::ledger::restore(&read.stored)?;
    let integrity = |failure| ExportError::Integrity {
        path: export.to_path_buf(),
        failure,
    };
    let verified = rebuilt.ledger().verify(&mut |_| {}).map_err(integrity)?;
    let at_header = |detail: String| ExportError::Mismatch {
        path: export.to_path_buf(),
        line: 1,
        detail,
    };
    if verified.head.to_hex() != read.header.head {
        return Err(at_header(format!(
            "head: the header says {}, the entries give {}",
            read.header.head,
            verified.head.to_hex()
        )));
    }
    if hex::encode(verified.root) != read.header.merkle_root {
        return Err(at_header(format!(
            "merkle_root: the header says {}, the entries give {}",
            read.header.merkle_root,
            hex::encode(verified.root)
        )));
    }
    let mut derived: Vec<KeyLine> = verified.authority.records().map(KeyLine::of).collect();
    derived.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    if derived != read.keys {
        let first = derived
            .iter()
            .zip(&read.keys)
            .find(|(d, k)| d != k)
            .map_or_else(
                || {
                    format!(
                        "{} key lines, the history gives {} keys",
                        read.keys.len(),
                        derived.len()
                    )
                },
                |(d, k)| {
                    format!(
                        "key {}: the export says {k:?}, the history gives {d:?}",
                        k.key_id
                    )
                },
            );
        return Err(at_header(format!("keys do not match the history: {first}")));
    }
    // Into the new file's directory under a temporary name, checkpoints kept, verified again
    // (kept checkpoints are re-checked against the entries and the registry), then linked to
    // the new name, which fails rather than replace a file that appeared meanwhile.
    let dir = match new.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".jixiao-restore")
        .tempdir_in(dir)
        .map_err(|e| io(dir, "cannot create a temporary directory", &e))?;
    let staged = tmp.path().join("restored.jixiao");
    std::fs::copy(rebuilt.ledger().path(), &staged)
        .and_then(|_| std::fs::File::open(&staged)?.sync_all())
        .map_err(|e| io(&staged, "cannot write the rebuilt ledger", &e))?;
    drop(rebuilt);
    if !read.checkpoints.is_empty() {
        let l = Ledger::open(&staged)?;
        for c in &read.checkpoints {
            l.keep_checkpoint(c.size, &c.text)?;
        }
    }
    let verified = Ledger::open_read(&staged)?
        .verify(&mut |_| {})
        .map_err(integrity)?;
    // A link fails if `new` appeared meanwhile; where links are not supported, a rename.
    if let Err(e) = std::fs::hard_link(&staged, new) {
        if new.exists() {
            return Err(io(new, "appeared while restoring; not replaced", &e));
        }
        std::fs::rename(&staged, new).map_err(|e| io(new, "cannot create the new ledger", &e))?;
    }
    Ok(Restored {
        path: new.to_path_buf(),
        header: read.header,
        verified,
        checkpoints: read.checkpoints.len(),
    })
}

/// Which lines may come next.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Entries,
    Keys,
    Checkpoints,
}

fn read_export(path: &Path, mut input: impl BufRead) -> Result<Read, ExportError> {
    let malformed = |line: u64, detail: String| ExportError::Malformed {
        path: path.to_path_buf(),
        line,
        detail,
    };
    let mismatch = |line: u64, detail: String| ExportError::Mismatch {
        path: path.to_path_buf(),
        line,
        detail,
    };
    let mut buf = Vec::new();
    let mut number = 0u64;
    let mut next_line = |buf: &mut Vec<u8>| -> Result<Option<u64>, ExportError> {
        buf.clear();
        let n = std::io::Read::take(input.by_ref(), MAX_LINE as u64 + 1)
            .read_until(b'\n', buf)
            .map_err(|e| ExportError::Io {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        if n == 0 {
            return Ok(None);
        }
        number += 1;
        if buf.len() > MAX_LINE {
            return Err(malformed(
                number,
                format!("line longer than {MAX_LINE} bytes"),
            ));
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else {
            return Err(mismatch(
                number,
                "the last line has no line end: the export is truncated".into(),
            ));
        }
        Ok(Some(number))
    };
    let Some(first) = next_line(&mut buf)? else {
        return Err(malformed(
            1,
            "the file is empty; expected an export made by `jixiao export LEDGER --jsonl`".into(),
        ));
    };
    let header: HeaderLine = parse(&buf, "ledger").map_err(|d| malformed(first, d))?;
    if header.format != EXPORT_FORMAT {
        return Err(malformed(
            first,
            format!("format: {:?}, expected {EXPORT_FORMAT:?}", header.format),
        ));
    }
    if header.format_version == 0 || header.format_version > FORMAT_VERSION {
        return Err(malformed(
            first,
            format!(
                "format_version: the entries are of ledger format {}; this jixiao rebuilds formats 1 to {FORMAT_VERSION}",
                header.format_version
            ),
        ));
    }
    let ledger_id: [u8; 16] = fixed_hex(&header.ledger_id)
        .ok_or_else(|| malformed(first, "ledger_id: expected 32 lower-case hex digits".into()))?;
    let mut stored = StoredLedger {
        ledger_id,
        format_version: header.format_version,
        entries: Vec::new(),
        batches: Vec::new(),
    };
    let (mut keys, mut checkpoints) = (Vec::new(), Vec::new());
    let mut phase = Phase::Entries;
    // The batch the entries read so far belong to, until its batch line closes it.
    let mut open: Option<super::Span> = None;
    let mut scratch = Vec::new();
    while let Some(n) = next_line(&mut buf)? {
        let kind: LineType = serde_json::from_slice(&buf)
            .map_err(|e| malformed(n, format!("not a JSON object with a `type`: {e}")))?;
        let order = |want: Phase| {
            if phase > want {
                Err(malformed(
                    n,
                    format!("a `{}` line after the {} lines", kind.line, name(phase)),
                ))
            } else {
                Ok(())
            }
        };
        match kind.line.as_str() {
            "entry" => {
                order(Phase::Entries)?;
                let e: EntryLine = parse(&buf, "entry").map_err(|d| malformed(n, d))?;
                let expected = stored.entries.len() as u64 + 1;
                let bytes = check_entry(&e, expected, &mut scratch, &open)
                    .map_err(|(bad, d)| if bad { mismatch(n, d) } else { malformed(n, d) })?;
                open = Some(e.batch);
                stored.entries.push(bytes);
            }
            "batch" => {
                order(Phase::Entries)?;
                let b: BatchLine = parse(&buf, "batch").map_err(|d| malformed(n, d))?;
                let last = stored.entries.len() as u64;
                match open {
                    Some(s) if s.first == b.first && s.last == b.last && b.last == last => {}
                    _ => {
                        return Err(mismatch(
                            n,
                            format!(
                                "batch {}..={} does not close the entries before it (last entry read: seq {last})",
                                b.first, b.last
                            ),
                        ));
                    }
                }
                let author = fixed_hex(&b.author).map(KeyId).ok_or_else(|| {
                    malformed(n, "author: expected 16 lower-case hex digits".into())
                })?;
                let signature = fixed_hex(&b.signature).ok_or_else(|| {
                    malformed(n, "signature: expected 128 lower-case hex digits".into())
                })?;
                stored.batches.push(BatchRecord {
                    first: b.first,
                    last: b.last,
                    author,
                    signature,
                });
                open = None;
            }
            "key" => {
                order(Phase::Keys)?;
                if let Some(s) = open {
                    return Err(mismatch(
                        n,
                        format!("batch {}..={} has no batch line", s.first, s.last),
                    ));
                }
                phase = Phase::Keys;
                keys.push(parse::<KeyLine>(&buf, "key").map_err(|d| malformed(n, d))?);
            }
            "checkpoint" => {
                if let Some(s) = open {
                    return Err(mismatch(
                        n,
                        format!("batch {}..={} has no batch line", s.first, s.last),
                    ));
                }
                phase = Phase::Checkpoints;
                let c: CheckpointLine = parse(&buf, "checkpoint").map_err(|d| malformed(n, d))?;
                if checkpoints
                    .last()
                    .is_some_and(|p: &CheckpointLine| p.size >= c.size)
                {
                    return Err(malformed(
                        n,
                        "checkpoint lines must be in increasing size".into(),
                    ));
                }
                checkpoints.push(c);
            }
            other => {
                return Err(malformed(
                    n,
                    format!("type: {other:?}; expected entry, batch, key or checkpoint"),
                ));
            }
        }
    }
    if let Some(s) = open {
        return Err(mismatch(
            number,
            format!(
                "batch {}..={} has no batch line: the export is truncated",
                s.first, s.last
            ),
        ));
    }
    let counts = [
        ("entries", header.entries, stored.entries.len()),
        ("batches", header.batches, stored.batches.len()),
        ("keys", header.keys, keys.len()),
        ("checkpoints", header.checkpoints, checkpoints.len()),
    ];
    for (what, said, found) in counts {
        if said != found as u64 {
            return Err(mismatch(
                1,
                format!(
                    "{what}: the header says {said}, the file has {found} (truncated or edited)"
                ),
            ));
        }
    }
    Ok(Read {
        header,
        stored,
        keys,
        checkpoints,
    })
}

fn name(p: Phase) -> &'static str {
    match p {
        Phase::Entries => "entry",
        Phase::Keys => "key",
        Phase::Checkpoints => "checkpoint",
    }
}

/// Parses one line as `T`, whose `type` must be `want`.
fn parse<T: serde::de::DeserializeOwned + HasType>(buf: &[u8], want: &str) -> Result<T, String> {
    let v: T = serde_json::from_slice(buf).map_err(|e| format!("a `{want}` line: {e}"))?;
    if v.line_type() != want {
        return Err(format!("type: {:?}, expected {want:?}", v.line_type()));
    }
    Ok(v)
}

/// Lines know their `type` field.
trait HasType {
    fn line_type(&self) -> &str;
}

macro_rules! has_type {
    ($($t:ty),*) => {$(impl HasType for $t { fn line_type(&self) -> &str { &self.line } })*};
}
has_type!(HeaderLine, EntryLine, BatchLine, KeyLine, CheckpointLine);

/// Checks one entry line against its stored bytes; returns the bytes. The error says whether
/// the line is well formed but contradicts itself (`true`: damaged or edited) or malformed.
fn check_entry(
    e: &EntryLine,
    expected: u64,
    scratch: &mut Vec<u8>,
    open: &Option<super::Span>,
) -> Result<Vec<u8>, (bool, String)> {
    let seq = e.seq;
    if seq != expected {
        return Err((
            true,
            format!("seq {seq}: expected seq {expected} (entries are in seq order, none missing)"),
        ));
    }
    let bytes = lower_hex(&e.stored)
        .ok_or_else(|| (false, format!("seq {seq}: stored: expected lower-case hex")))?;
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err((
            true,
            format!(
                "seq {seq}: stored: {} bytes, more than {MAX_ENTRY_BYTES}",
                bytes.len()
            ),
        ));
    }
    let hash = EntryHash::of_stored(&bytes);
    if hash.to_hex() != e.hash {
        return Err((
            true,
            format!(
                "seq {seq}: hash {} is not the entry hash of the stored bytes ({})",
                e.hash,
                hash.to_hex()
            ),
        ));
    }
    let entry = Entry::decode_with(&bytes, scratch).map_err(|err| {
        (
            true,
            format!("seq {seq}: the stored bytes do not decode: {err}"),
        )
    })?;
    let event = serde_json::to_string(&entry.event)
        .map_err(|err| (false, format!("seq {seq}: event: {err}")))?;
    let fields = [
        ("seq", entry.seq.to_string(), seq.to_string()),
        ("version", entry.version.to_string(), e.version.to_string()),
        ("prev", entry.prev.to_hex(), e.prev.clone()),
        (
            "recorded_at",
            entry.recorded_at.to_string(),
            e.recorded_at.to_string(),
        ),
        ("author", entry.author.to_string(), e.author.clone()),
        (
            "kind",
            entry.event.kind().name().to_string(),
            e.kind.clone(),
        ),
        ("event", event, e.event.get().to_string()),
    ];
    for (field, decoded, said) in fields {
        if decoded != said {
            return Err((
                true,
                format!("seq {seq}: {field}: the line says {said}, its stored bytes say {decoded}"),
            ));
        }
    }
    let span = e.batch;
    let fits = match open {
        Some(s) => *s == span,
        None => span.first == seq,
    };
    if !fits || span.last < seq {
        return Err((
            true,
            format!(
                "seq {seq}: batch {}..={} does not follow the batches before it",
                span.first, span.last
            ),
        ));
    }
    Ok(bytes)
}

fn lower_hex(s: &str) -> Option<Vec<u8>> {
    if !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    hex::decode(s).ok()
}

fn fixed_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    lower_hex(s)?.try_into().ok()
}
