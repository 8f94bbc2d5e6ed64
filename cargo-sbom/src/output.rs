//! Writing files whole or not at all: a temporary file in the same directory, renamed into place.
//!
//! The rename makes a failed or interrupted run leave the old file (or none), never a part. The
//! data is not forced to disk first (no fsync), as cargo does not for its own outputs: it would
//! cost each run milliseconds for protection against power loss only.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Where a command's output goes when no file is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal {
    /// Standard output (documents, reports meant for pipes).
    Stdout,
    /// Standard error (reports meant for people, beside cargo's own messages).
    Stderr,
}

/// Writes a command's output: to `path` atomically when given, else to `terminal`.
pub fn write_output(path: Option<&Path>, bytes: &[u8], terminal: Terminal) -> Result<()> {
    if let Some(path) = path {
        return write_atomic(path, bytes);
    }
    let (result, name) = match terminal {
        Terminal::Stdout => {
            let mut stdout = std::io::stdout().lock();
            (
                stdout.write_all(bytes).and_then(|()| stdout.flush()),
                "standard output",
            )
        }
        Terminal::Stderr => {
            let mut stderr = std::io::stderr().lock();
            (
                stderr.write_all(bytes).and_then(|()| stderr.flush()),
                "standard error",
            )
        }
    };
    result.map_err(|e| Error::write(Path::new(name), &e))
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one, never a part,
/// and a failure leaves nothing behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // Readable as any new file is (0666 less the umask), not the temporary file's 0600.
    write_atomic_mode(path, bytes, 0o666)
}

/// Like [`write_atomic`], for secrets: the file is created with mode 0600 (owner read/write
/// only) before any byte is written, so the content is never readable by others.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o600)
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let write_error = |error: std::io::Error| Error::write(path, &error);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cargo-sbom-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = builder.tempfile_in(dir).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        write_atomic_private(&path, b"secret").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let public = dir.path().join("public.json");
        write_atomic(&public, b"{}").unwrap();
        let mode = std::fs::metadata(&public).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "readable by group and others: {mode:o}"
        );
    }

    #[test]
    fn a_missing_directory_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("missing/out.json"), "{err}");
        assert!(!dir.path().join("missing").exists());
    }
}
