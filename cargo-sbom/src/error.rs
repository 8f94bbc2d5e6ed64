//! Errors of the library, each one a sentence a user can act on, and the exit codes of
//! `cargo sbom`.

use std::path::PathBuf;

/// The exit codes of `cargo sbom`, in one place (the README documents them).
pub mod exit {
    /// Success (`validate`: every file valid; `diff`: no differences).
    pub const SUCCESS: u8 = 0;
    /// A finding: `validate` found an invalid SBOM, `diff` found differences.
    pub const FINDING: u8 = 1;
    /// A usage, configuration or input error; one line on stderr names the file and problem.
    pub const USAGE: u8 = 2;
    /// A bug of this tool (an invariant broke); the message asks for a report.
    pub const INTERNAL: u8 = 3;
}

/// Where bugs are reported (named in internal errors).
pub const ISSUES_URL: &str = "https://github.com/cargo-attest/cargo-attest/issues";

/// The message of an internal error (of either tool): what broke, that it is a bug, where to
/// report it.
pub fn bug_report(what: &str) -> String {
    format!("internal error: {what}; this is a bug, please report it at {ISSUES_URL}")
}

/// Everything that can go wrong while building, writing or checking an SBOM.
///
/// Every variant names the file or the input at fault; [`Error::exit_code`] maps them to the
/// documented exit codes ([`exit`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `cargo metadata` could not be started at all.
    #[error("could not run `{program}`: {source}; is cargo installed and on PATH?")]
    CargoNotFound {
        /// The program that failed to start.
        program: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// `cargo metadata` ran and failed (broken manifest, missing lockfile with `--locked`, …).
    #[error("cargo metadata failed for {manifest}: {message}")]
    CargoMetadata {
        /// The manifest cargo was asked about (as given, or `Cargo.toml` of the current directory).
        manifest: String,
        /// Cargo's own error, condensed to one line.
        message: String,
    },
    /// The JSON from `cargo metadata` could not be loaded into a package graph.
    #[error("could not load the package graph from `cargo metadata`: {0}")]
    Graph(String),
    /// A `-p/--package` that is not a workspace member.
    #[error(
        "package `{name}` is not a member of the workspace at {workspace}; members are: {members}"
    )]
    UnknownPackage {
        /// The name given.
        name: String,
        /// The workspace root, relative or as given.
        workspace: String,
        /// The members' names, comma-separated.
        members: String,
    },
    /// A feature that no selected package defines.
    #[error("feature `{feature}` is not defined by {packages}; check `[features]` in the manifest")]
    UnknownFeature {
        /// The feature as given on the command line.
        feature: String,
        /// The packages searched for it.
        packages: String,
    },
    /// `--target` named a triple that is not known to rustc.
    #[error("unknown target triple `{triple}`: {reason}; see `rustc --print target-list`")]
    UnknownTarget {
        /// The triple given.
        triple: String,
        /// What the platform parser said.
        reason: String,
    },
    /// `rustc -vV` could not be run or understood.
    #[error("could not determine the host triple from `{program} -vV`: {reason}")]
    HostTriple {
        /// The rustc program used.
        program: String,
        /// What went wrong.
        reason: String,
    },
    /// `Cargo.lock` could not be read or parsed.
    #[error("could not read lockfile {path}: {reason}")]
    Lockfile {
        /// The lockfile.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A `.crate` file in Cargo's registry cache is not the file `Cargo.lock` locked.
    #[error(
        "{path}: SHA-256 {actual} differs from {expected}, the checksum of {package} in Cargo.lock; \
         the cached file was altered or corrupted: remove it and let cargo download it again"
    )]
    CrateChecksum {
        /// The cached `.crate` file.
        path: PathBuf,
        /// The package, `NAME VERSION`.
        package: String,
        /// The checksum in `Cargo.lock`.
        expected: String,
        /// The file's SHA-256.
        actual: String,
    },
    /// A configuration value (`[sbom]` of `attest.toml`, `[package.metadata.sbom]`) is malformed.
    #[error("{}", config_message(.path, *.line, .key.as_deref(), .reason))]
    Config {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// The dotted key, when the problem is one key's.
        key: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// A key (`--sign`, `validate --key`) could not be loaded; never shows the key's content.
    #[error("key {source_name}: {reason}")]
    Key {
        /// The file.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// `SOURCE_DATE_EPOCH` is not a whole number of seconds.
    #[error("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01, got `{0}`")]
    SourceDateEpoch(String),
    /// A file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file could not be written; nothing was left behind at its path.
    #[error("could not write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said, without temporary file names.
        reason: String,
    },
    /// A file is not an SBOM this tool understands.
    #[error("{path}: {reason}")]
    NotAnSbom {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A command-line combination that cannot work.
    #[error("{0}")]
    Usage(String),
    /// An invariant of this tool broke: a bug, not a problem of the input.
    #[error("{}", bug_report(.0))]
    Internal(String),
}

impl Error {
    /// A write error for `path` from an I/O error, keeping only the operating system's words
    /// (helper crates add the temporary file's name, which means nothing to the user).
    pub fn write(path: &std::path::Path, error: &std::io::Error) -> Self {
        // tempfile appends ` at path "<temporary file>"` to the operating system's message.
        let text = error.to_string();
        let reason = match text.split_once(" at path \"") {
            Some((reason, _)) => reason.to_owned(),
            None => text,
        };
        Error::Write {
            path: path.to_owned(),
            reason,
        }
    }

    /// The process exit code for this error: [`exit::INTERNAL`] for a bug, else
    /// [`exit::USAGE`] ("usage, configuration or input error").
    ///
    /// [`exit::FINDING`] is reserved for a *finding* (an invalid SBOM, a difference).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => exit::INTERNAL,
            _ => exit::USAGE,
        }
    }
}

fn config_message(
    path: &std::path::Path,
    line: Option<usize>,
    key: Option<&str>,
    reason: &str,
) -> String {
    let mut text = path.display().to_string();
    if let Some(line) = line {
        text.push_str(&format!(":{line}"));
    }
    text.push_str(": ");
    if let Some(key) = key {
        text.push_str(&format!("`{key}`: "));
    }
    text.push_str(reason);
    text
}

#[cfg(feature = "sign")]
impl From<attest_keys::KeyError> for Error {
    fn from(error: attest_keys::KeyError) -> Self {
        let reason = match error.problem {
            attest_keys::KeyProblem::Read(e) => format!("cannot read it: {e}"),
            attest_keys::KeyProblem::NotSet => "it is not set or not valid UTF-8".into(),
            attest_keys::KeyProblem::Invalid(reason) => reason,
        };
        Error::Key {
            source_name: error.source_name,
            reason,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let internal = Error::Internal("the schema does not compile".into());
        assert_eq!(internal.exit_code(), exit::INTERNAL);
        assert!(internal.to_string().contains("this is a bug"), "{internal}");
        assert!(internal.to_string().contains(ISSUES_URL), "{internal}");
        assert_eq!(Error::Usage("no".into()).exit_code(), exit::USAGE);
        assert_ne!(exit::INTERNAL, exit::USAGE);
    }
}
