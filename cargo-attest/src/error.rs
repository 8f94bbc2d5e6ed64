//! Errors of `cargo attest`, each naming the file or input at fault, never a secret; and the
//! exit codes of `cargo attest`.

use std::path::{Path, PathBuf};

use cargo_sbom::digest::Sha256Hex;

/// The exit codes of `cargo attest`, in one place (the README documents them): those of
/// `cargo sbom`, whose errors `cargo attest` passes on with their codes.
pub mod exit {
    use cargo_sbom::error::exit as sbom;

    /// Success (`check`: no deny finding; `verify`: verified).
    pub const SUCCESS: u8 = sbom::SUCCESS;
    /// A verdict against the input: a deny finding of `check` or `release`, a failed
    /// verification. (`build` and `release` return cargo's own code when cargo fails.)
    pub const FAILURE: u8 = sbom::FINDING;
    /// A usage, key, configuration or input error; one line on stderr names it.
    pub const USAGE: u8 = sbom::USAGE;
    /// A bug of this tool (an invariant broke); the message asks for a report.
    pub const INTERNAL: u8 = sbom::INTERNAL;
}

/// Everything that stops a command before it reaches a verdict ([`exit::USAGE`], or
/// [`exit::INTERNAL`] for a bug).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key could not be read or used. `source_name` is a path or an environment variable name.
    #[error("key {source_name}: {reason}")]
    Key {
        /// Where the key came from.
        source_name: String,
        /// What is wrong (never the key itself).
        reason: String,
    },
    /// A file could not be read.
    #[error("could not read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's words.
        reason: String,
    },
    /// A file could not be written; nothing is left at its path.
    #[error("could not write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's words.
        reason: String,
    },
    /// The policy configuration is invalid.
    #[error("{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (names the key).
        reason: String,
    },
    /// A bundle or envelope is not well-formed.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An error from the SBOM library (graph, cargo metadata, …).
    #[error(transparent)]
    Sbom(#[from] cargo_sbom::Error),
    /// A command-line combination that cannot work.
    #[error("{0}")]
    Usage(String),
    /// An invariant of this tool broke: a bug, not a problem of the input.
    #[error("{}", cargo_sbom::error::bug_report(.0))]
    Internal(String),
}

impl Error {
    /// Reading `path` failed (in the operating system's words, see [`io_reason`]).
    pub fn read(path: &Path, error: &std::io::Error) -> Self {
        Error::Read {
            path: path.to_owned(),
            reason: io_reason(error),
        }
    }

    /// Writing `path` failed.
    pub fn write(path: &Path, error: &std::io::Error) -> Self {
        Error::Write {
            path: path.to_owned(),
            reason: io_reason(error),
        }
    }

    /// The exit code: [`exit::INTERNAL`] for a bug (also one of the SBOM library), else
    /// [`exit::USAGE`].
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => exit::INTERNAL,
            Error::Sbom(error) => error.exit_code(),
            _ => exit::USAGE,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The SHA-256 of a file's contents, read in blocks; a failure names the file.
pub fn file_digest(path: &Path) -> Result<Sha256Hex> {
    Sha256Hex::of_file(path).map_err(|e| Error::read(path, &e))
}

/// The operating system's words for an I/O error (never the file contents).
pub fn io_reason(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => error.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let internal = Error::Internal("a statement that does not serialise".into());
        assert_eq!(internal.exit_code(), exit::INTERNAL);
        assert!(internal.to_string().contains("this is a bug"), "{internal}");
        assert_eq!(Error::Usage("no".into()).exit_code(), exit::USAGE);
        // An internal error of the SBOM library keeps its code.
        let sbom = Error::from(cargo_sbom::Error::Internal("x".into()));
        assert_eq!(sbom.exit_code(), exit::INTERNAL);
        let codes = [exit::SUCCESS, exit::FAILURE, exit::USAGE, exit::INTERNAL];
        let distinct: std::collections::BTreeSet<u8> = codes.into_iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
