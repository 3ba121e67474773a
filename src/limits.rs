//! Size limits on the files jixiao reads, and the capped read every file reader goes through.
//!
//! Owns: the per-kind byte limits of input files (docs/FORMAT.md §3, §6, §9.4, §9.5;
//! docs/IMPORT.md) and reading a file without ever holding more than its limit plus one byte.
//! Must not: parse what it reads or know the error types of the readers that call it.

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Largest event file (TOML) or budget CSV file read by `import` (512 MiB: a year of payment
/// records of a large department, some six million CSV rows, fits).
pub const MAX_IMPORT_FILE_BYTES: u64 = 512 << 20;
/// Largest `.key` / `.pub` key file (64 KiB; a key file is about 150 bytes).
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;
/// Largest rule set file (512 KiB; the seed case's is under 10 KiB). A rule set is stored
/// whole in one entry, which [`crate::ledger::MAX_ENTRY_BYTES`] caps at 1 MiB.
pub const MAX_RULES_BYTES: u64 = 512 << 10;
/// Largest checkpoint file (256 KiB: 64 signature lines with long key names fit many times).
pub const MAX_CHECKPOINT_BYTES: u64 = 256 << 10;
/// Largest proof file (4 MiB: one entry of at most 1 MiB in hex, a path, a checkpoint).
pub const MAX_PROOF_FILE_BYTES: u64 = 4 << 20;

/// Why a capped read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than its kind may be.
    #[error(
        "{}: larger than the {} a {what} may have (docs/FORMAT.md §3, decoder limits); check that this is the right file",
        path.display(), human(*limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What kind of file it was read as.
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
}

impl ReadError {
    /// As an I/O error (a file too large is `InvalidData` with this error's message), for
    /// readers whose errors carry an `std::io::Error`.
    #[must_use]
    pub fn into_io(self) -> std::io::Error {
        match self {
            ReadError::Io { source, .. } => source,
            ReadError::TooLarge { what, limit, .. } => std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("larger than the {} a {what} may have", human(limit)),
            ),
        }
    }
}

/// `64 MiB`, `512 KiB`, `100 bytes`.
#[must_use]
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads at most `limit` bytes of `path`; a longer file is refused without reading the rest.
/// `what` names the kind of file in the error (`event file`, `key file`, ...).
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            what,
            limit,
        });
    }
    Ok(bytes)
}

/// [`read_capped`], then UTF-8; bytes that are not UTF-8 are an I/O error of kind
/// `InvalidData`, as `std::fs::read_to_string` reports them.
pub fn read_text_capped(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_capped(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, [b'a'; 10]).unwrap();
        assert_eq!(read_capped(&p, 10, "test file").unwrap().len(), 10);
        let e = read_capped(&p, 9, "test file").unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { limit: 9, .. }));
        assert!(
            e.to_string().contains("9 bytes a test file may have"),
            "{e}"
        );
        assert_eq!(human(MAX_IMPORT_FILE_BYTES), "512 MiB");
        assert_eq!(human(MAX_KEY_FILE_BYTES), "64 KiB");
    }
}
