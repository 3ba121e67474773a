//! Ed25519 key files: generation, reading and writing, key ids.
//!
//! Secret key file (mode 0600), three lines:
//! `jixiao-secret-key-v1` / `name: NAME` / `secret: 64 hex digits`.
//! Public key file (`FILE.pub`), four lines:
//! `jixiao-public-key-v1` / `name: NAME` / `public: 64 hex digits` / `key-id: 16 hex digits`.
//! (docs/FORMAT.md §6.1). A key file larger than [`MAX_KEY_FILE_BYTES`] is refused unread.
//!
//! Owns: the key file formats. Must not: decide which keys to trust or hold roles.

use crate::limits::{MAX_KEY_FILE_BYTES, ReadError};
use crate::model::{KeyId, Principal};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const SECRET_MAGIC: &str = "jixiao-secret-key-v1";
const PUBLIC_MAGIC: &str = "jixiao-public-key-v1";

/// Why a key file could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The output file exists; keys are never overwritten.
    #[error("{path}: already exists; choose another path (key files are never overwritten)")]
    Exists {
        /// The path.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a key file of the expected kind.
    #[error("{path}:{line}: {what}")]
    Malformed {
        /// The path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong and what was expected.
        what: String,
    },
    /// The key name is unusable.
    #[error("key name `{0}` is invalid: use 1-64 characters without line breaks")]
    BadName(String),
}

/// A secret key with the name it was created under.
pub struct KeyPair {
    /// Name given at creation.
    pub name: String,
    /// The Ed25519 signing key.
    pub signing: SigningKey,
}

impl KeyPair {
    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<KeyPair, KeyError> {
        check_name(name)?;
        let signing = SigningKey::generate(&mut rand_core::OsRng);
        Ok(KeyPair {
            name: name.to_string(),
            signing,
        })
    }

    /// Public half as a principal.
    #[must_use]
    pub fn principal(&self) -> Principal {
        Principal {
            public_key: self.signing.verifying_key().to_bytes(),
            name: self.name.clone(),
        }
    }

    /// Key id of the public key.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.signing.verifying_key().to_bytes())
    }

    /// Writes `path` (0600, refusing to overwrite) and `path.pub`.
    pub fn write(&self, path: &Path) -> Result<PathBuf, KeyError> {
        let pub_path = public_path(path);
        for p in [path, pub_path.as_path()] {
            if p.exists() {
                return Err(KeyError::Exists {
                    path: p.to_path_buf(),
                });
            }
        }
        let secret = format!(
            "{SECRET_MAGIC}\nname: {}\nsecret: {}\n",
            self.name,
            hex::encode(self.signing.to_bytes())
        );
        write_new(path, secret.as_bytes(), true)?;
        write_new(&pub_path, public_text(&self.principal()).as_bytes(), false)?;
        Ok(pub_path)
    }

    /// Reads a secret key file.
    pub fn read(path: &Path) -> Result<KeyPair, KeyError> {
        KeyPair::parse(&read_text(path)?, path)
    }

    /// Parses the text of a secret key file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<KeyPair, KeyError> {
        let mut lines = text.lines();
        expect_magic(path, lines.next(), SECRET_MAGIC)?;
        let name = field(path, 2, lines.next(), "name")?;
        let secret = field(path, 3, lines.next(), "secret")?;
        let bytes = hex32(path, 3, &secret, "secret")?;
        Ok(KeyPair {
            name,
            signing: SigningKey::from_bytes(&bytes),
        })
    }
}

/// `FILE.pub` next to `FILE`.
#[must_use]
pub fn public_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

/// Text of a public key file.
#[must_use]
pub fn public_text(p: &Principal) -> String {
    format!(
        "{PUBLIC_MAGIC}\nname: {}\npublic: {}\nkey-id: {}\n",
        p.name,
        hex::encode(p.public_key),
        p.key_id()
    )
}

/// Reads a public key file, or (if `arg` is 64 hex digits) takes it as the key itself with an
/// empty name.
pub fn read_public(arg: &Path) -> Result<Principal, KeyError> {
    if let Some(s) = arg.to_str()
        && s.len() == 64
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && !arg.exists()
    {
        let bytes = hex32(arg, 1, s, "public key")?;
        return checked_principal(arg, 1, bytes, String::new());
    }
    parse_public(&read_text(arg)?, arg)
}

/// Parses the text of a public key file; `arg` names it in errors.
pub fn parse_public(text: &str, arg: &Path) -> Result<Principal, KeyError> {
    let mut lines = text.lines();
    if text.lines().next() == Some(SECRET_MAGIC) {
        return Err(KeyError::Malformed {
            path: arg.to_path_buf(),
            line: 1,
            what: "this is a secret key file; pass its `.pub` file instead".into(),
        });
    }
    expect_magic(arg, lines.next(), PUBLIC_MAGIC)?;
    let name = field(arg, 2, lines.next(), "name")?;
    let public = field(arg, 3, lines.next(), "public")?;
    let bytes = hex32(arg, 3, &public, "public")?;
    checked_principal(arg, 3, bytes, name)
}

fn checked_principal(
    path: &Path,
    line: usize,
    bytes: [u8; 32],
    name: String,
) -> Result<Principal, KeyError> {
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Malformed {
        path: path.to_path_buf(),
        line,
        what: "not a valid Ed25519 public key".into(),
    })?;
    Ok(Principal {
        public_key: bytes,
        name,
    })
}

fn check_name(name: &str) -> Result<(), KeyError> {
    let n = name.chars().count();
    if n == 0 || n > 64 || name.contains(['\n', '\r']) || name.trim() != name {
        return Err(KeyError::BadName(name.to_string()));
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    let bytes =
        crate::limits::read_capped(path, MAX_KEY_FILE_BYTES, "key file").map_err(|e| match e {
            ReadError::Io { path, source } => KeyError::Io { path, source },
            too_large @ ReadError::TooLarge { .. } => KeyError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                what: format!("{too_large}"),
            },
        })?;
    String::from_utf8(bytes).map_err(|_| KeyError::Malformed {
        path: path.to_path_buf(),
        line: 1,
        what: "not a text key file (not UTF-8)".into(),
    })
}

fn expect_magic(path: &Path, line: Option<&str>, magic: &str) -> Result<(), KeyError> {
    if line == Some(magic) {
        Ok(())
    } else {
        Err(KeyError::Malformed {
            path: path.to_path_buf(),
            line: 1,
            what: format!("expected `{magic}`; is this a key made by `jixiao key new`?"),
        })
    }
}

fn field(path: &Path, n: usize, line: Option<&str>, key: &str) -> Result<String, KeyError> {
    line.and_then(|l| l.strip_prefix(key))
        .and_then(|l| l.strip_prefix(": "))
        .map(str::to_string)
        .ok_or_else(|| KeyError::Malformed {
            path: path.to_path_buf(),
            line: n,
            what: format!("expected `{key}: ...`"),
        })
}

fn hex32(path: &Path, line: usize, s: &str, what: &str) -> Result<[u8; 32], KeyError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).map_err(|_| KeyError::Malformed {
        path: path.to_path_buf(),
        line,
        what: format!("{what} must be 64 hex digits"),
    })?;
    Ok(out)
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), KeyError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    let _ = secret;
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            io(e)
        }
    })?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.key");
        let k = KeyPair::generate("alice").unwrap();
        let pub_path = k.write(&path).unwrap();
        let back = KeyPair::read(&path).unwrap();
        assert_eq!(back.signing.to_bytes(), k.signing.to_bytes());
        assert_eq!(back.name, "alice");
        let p = read_public(&pub_path).unwrap();
        assert_eq!(p, k.principal());
        assert!(matches!(k.write(&path), Err(KeyError::Exists { .. })));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_files_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        fs::write(&path, "jixiao-secret-key-v1\nname: x\nsecret: zz\n").unwrap();
        match KeyPair::read(&path) {
            Err(KeyError::Malformed { line, .. }) => assert_eq!(line, 3),
            other => panic!("unexpected {:?}", other.err()),
        }
        fs::write(&path, "hello\n").unwrap();
        assert!(matches!(
            KeyPair::read(&path),
            Err(KeyError::Malformed { line: 1, .. })
        ));
        assert!(matches!(
            read_public(&path),
            Err(KeyError::Malformed { line: 1, .. })
        ));
    }
}
