//! Usage mistakes the command line can recognise before a command runs: a ledger argument
//! that is a directory, or a text file (a CSV or TOML given where the ledger goes, typically
//! with the arguments swapped).
//!
//! Owns: telling such a path from a ledger (or from a damaged ledger, which stays an
//! integrity failure, exit 1) and finding the order the user meant. Must not: open the
//! ledger, print, or word the message (the CLI words it from the catalogue).

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first bytes of every redb file, so of every ledger.
const REDB_MAGIC: &[u8] = b"redb\x1a\x0a";

/// Extensions of files a user hands to jixiao as input, never as the ledger.
const INPUT_EXTENSIONS: &[&str] = &[
    "csv", "toml", "txt", "tsv", "json", "xlsx", "xls", "md", "html", "pub", "key",
];

/// What is wrong with the path given as the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misplaced {
    /// A directory; `ledgers` are the `*.jixiao` files in it (sorted), if any.
    Directory {
        /// Ledger files found in the directory.
        ledgers: Vec<PathBuf>,
    },
    /// A text or spreadsheet file, not a database; `swapped` is the command line with the
    /// ledger and this file exchanged, when another argument is a ledger.
    InputFile {
        /// The corrected command line, if one argument is a ledger file.
        swapped: Option<Vec<String>>,
    },
}

/// Whether the file at `path`, given where a ledger goes in `args` (the whole command line),
/// is plainly not a ledger: a directory, or a file that is not a database and either is
/// named like an input (`.csv`, `.toml`, …) or is text of several lines. A file that starts
/// like a database, or binary bytes of any other kind, is left to the ledger layer (damaged
/// or not a ledger: exit 1). A missing path is left to it too.
#[must_use]
pub fn misplaced_ledger(path: &Path, args: &[OsString]) -> Option<Misplaced> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_dir() {
        let mut ledgers: Vec<PathBuf> = std::fs::read_dir(path)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "jixiao"))
            .collect();
        ledgers.sort();
        return Some(Misplaced::Directory { ledgers });
    }
    let head = read_head(path)?;
    if head.starts_with(REDB_MAGIC) {
        return None;
    }
    let named_as_input = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| INPUT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if !(named_as_input || is_text_of_lines(&head)) {
        return None;
    }
    let given = path.as_os_str();
    let swapped = args
        .iter()
        .position(|a| a.as_os_str() == given)
        .and_then(|at| {
            let other = args
                .iter()
                .enumerate()
                .skip(1)
                .find(|(i, a)| {
                    *i != at
                        && !a.to_string_lossy().starts_with('-')
                        && is_ledger_file(Path::new(a))
                })?
                .0;
            let mut v: Vec<String> = args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            v.swap(at, other);
            if let Some(first) = v.first_mut() {
                *first = "jixiao".into();
            }
            Some(v)
        });
    Some(Misplaced::InputFile { swapped })
}

/// Does the file start like a database (so possibly a ledger)?
fn is_ledger_file(path: &Path) -> bool {
    path.is_file() && read_head(path).is_some_and(|h| h.starts_with(REDB_MAGIC))
}

/// The first 4 KiB of a file.
fn read_head(path: &Path) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

/// UTF-8 (a cut last character allowed) with at least one line break and no control bytes
/// but tab, CR and LF: a CSV, TOML or other text file.
fn is_text_of_lines(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    text.contains('\n')
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

/// A node named on the command line that the scorecard does not have, or has more than one
/// of by that name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_unknown(given, ambiguous, examples))]
pub struct UnknownNode {
    /// What was typed.
    pub given: String,
    /// Ids of the nodes sharing that name, when it is ambiguous.
    pub ambiguous: Vec<String>,
    /// (id, Chinese name) of the top-level nodes, as accepted forms.
    pub examples: Vec<(String, String)>,
}

fn describe_unknown(given: &str, ambiguous: &[String], examples: &[(String, String)]) -> String {
    use crate::messages::text;
    if !ambiguous.is_empty() {
        return text(
            "node.ambiguous",
            &[
                ("given", &given),
                ("count", &ambiguous.len()),
                ("ids", &ambiguous.join(", ")),
            ],
        );
    }
    let e: Vec<String> = examples
        .iter()
        .map(|(id, name)| text("node.example", &[("id", id), ("name", name)]))
        .collect();
    text(
        "node.unknown",
        &[("given", &given), ("examples", &e.join(", "))],
    )
}

/// The id of the node `given` names in `card`: its id, or its Chinese name (`管理效能`) or
/// English gloss (any case) when exactly one node has it.
pub fn node_id<'a>(card: &'a crate::eval::Scorecard, given: &str) -> Result<&'a str, UnknownNode> {
    let t = given.trim();
    if let Some(n) = card.node(t) {
        return Ok(n.id.as_str());
    }
    let named: Vec<&str> = card
        .nodes
        .iter()
        .filter(|n| n.name == t || (!n.en.is_empty() && n.en.eq_ignore_ascii_case(t)))
        .map(|n| n.id.as_str())
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        _ => Err(UnknownNode {
            given: given.to_string(),
            ambiguous: if named.len() > 1 {
                named.iter().map(|s| (*s).to_string()).collect()
            } else {
                Vec::new()
            },
            examples: card
                .nodes
                .iter()
                .filter(|n| n.depth == 1)
                .map(|n| (n.id.clone(), n.name.clone()))
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_lines_is_told_from_bytes_and_from_one_long_line() {
        assert!(is_text_of_lines("类型,金额\n年初预算,1\n".as_bytes()));
        assert!(is_text_of_lines(b"[[event]]\r\nkind = \"fact\"\r\n"));
        assert!(!is_text_of_lines(&[0x42; 8192]));
        assert!(!is_text_of_lines(b""));
        assert!(!is_text_of_lines(b"ab\ncd\x00ef"));
        assert!(!is_text_of_lines(&[0xff, 0xfe, b'\n', 0x80]));
        // A multi-byte character cut by the 4 KiB read is still text.
        let mut cut = "a\n".repeat(10).into_bytes();
        cut.extend_from_slice(&"政".as_bytes()[..2]);
        assert!(is_text_of_lines(&cut));
    }
}
