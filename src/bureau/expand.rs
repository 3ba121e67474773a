//! The ledger files a list of arguments names: files as given, directories expanded to the
//! `*.jixiao` files directly inside them, sorted by name.
//!
//! Owns: that expansion and its one usage error (a path that does not exist). Must not: open a
//! ledger (a file that is not one is a failed row, found by the verification itself).

use std::path::{Path, PathBuf};

/// The extension of ledger files a directory argument expands to.
pub const EXTENSION: &str = "jixiao";

/// A path given that does not exist, or a directory that cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    /// Nothing at the path.
    #[error("{}: no such file or directory; give ledger files or directories holding *.jixiao files", .0.display())]
    NotFound(PathBuf),
    /// Listing a directory failed.
    #[error("{}: cannot list the directory: {source}", path.display())]
    List {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A directory holds no ledger file.
    #[error("{}: the directory holds no *.jixiao file", .0.display())]
    EmptyDirectory(PathBuf),
}

/// Expands `args` in order: a file stays as it is (whatever its name: it is verified and fails
/// if it is not a ledger), a directory becomes its `*.jixiao` entries (files or links to files,
/// not subdirectories), sorted by file name. A path that does not exist, or a directory
/// without a ledger file, is an error.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, ExpandError> {
    let mut out = Vec::new();
    for a in args {
        let meta = std::fs::metadata(a).map_err(|_| ExpandError::NotFound(a.clone()))?;
        if !meta.is_dir() {
            out.push(a.clone());
            continue;
        }
        let list = |source| ExpandError::List {
            path: a.clone(),
            source,
        };
        let mut found = Vec::new();
        for item in std::fs::read_dir(a).map_err(list)? {
            let path = item.map_err(list)?.path();
            if is_ledger_name(&path) && path.is_file() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(ExpandError::EmptyDirectory(a.clone()));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

fn is_ledger_name(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == EXTENSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_to_their_sorted_ledger_files_and_files_stay_in_place() {
        let d = tempfile::tempdir().unwrap();
        for n in ["b.jixiao", "a.jixiao", "notes.txt", "c.jixiao.bak"] {
            std::fs::write(d.path().join(n), b"x").unwrap();
        }
        std::fs::create_dir(d.path().join("sub.jixiao")).unwrap();
        let lone = d.path().join("notes.txt");
        let got = expand(&[lone.clone(), d.path().to_path_buf()]).unwrap();
        assert_eq!(
            got,
            vec![lone, d.path().join("a.jixiao"), d.path().join("b.jixiao")]
        );
    }

    #[test]
    fn a_missing_path_and_an_empty_directory_are_errors_naming_them() {
        let d = tempfile::tempdir().unwrap();
        let missing = d.path().join("nope.jixiao");
        let e = expand(std::slice::from_ref(&missing)).unwrap_err();
        assert!(e.to_string().contains("nope.jixiao"), "{e}");
        let e = expand(&[d.path().to_path_buf()]).unwrap_err();
        assert!(e.to_string().contains("no *.jixiao"), "{e}");
    }
}
