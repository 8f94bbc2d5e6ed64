//! The `lockfile` rule (SSDF PW.4.1, PS.1.1): the exact dependency versions of a release are
//! recorded, kept under version control and protected by checksums. The rule reference is
//! [`HELP`].

use std::path::Path;
use std::process::{Command, Stdio};

use serde::Deserialize;

use cargo_sbom::lockfile;

use crate::config::SectionDef;
use crate::error::{Error, Result};
use crate::policy::FileLine;
use crate::policy::locate::LOCKFILE;
use crate::policy::rule::codes;
use crate::policy::{Finding, Location, PolicyContext, RuleDef, Severity};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "lockfile",
    name: "CommittedLockfileWithChecksums",
    ssdf_tasks: &["PW.4.1", "PS.1.1"],
    description: "Cargo.lock is present, tracked, up to date and has checksums",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: true,
    // A missing or inconsistent lockfile always denies.
    enforcing: |_, _| true,
    check: Some(check),
};

/// The `[lockfile]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("lockfile", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"* `Cargo.lock` exists at the workspace root (always denied when missing).
* It is tracked by git when the workspace is in a git repository (`require-tracked`).
* It matches the manifests (`require-up-to-date`): the `cargo metadata` that loaded the
  workspace must have left it unchanged, as `--locked` requires (when that was not observed,
  a `cargo metadata --locked --offline` run decides). `cargo attest check` restores the
  lockfile if loading the workspace changed it, so later steps see the file as committed.
* Every registry package has a checksum (`require-checksums`), in the current format (a
  `checksum` key per `[[package]]`) or the v1 format (`[metadata]` `"checksum …"` keys).

Findings point at `Cargo.lock`, at the line of the `[[package]]` entry when one is
concerned. The build-time hook, built without libgit2, does not check that the lockfile is
tracked (`cargo attest check` does).

**Why.** SSDF PW.4.1 and PS.1.1: the exact versions of every component are recorded and kept
under version control, and each download is verified against a checksum.

**How to fix.** Run `cargo generate-lockfile` (or any cargo build) and commit `Cargo.lock`;
restore missing checksums with `cargo update -p NAME@VERSION` against a registry that
publishes them.

```toml
[lockfile]
require-tracked = true
require-up-to-date = true
require-checksums = true
```
"#;

codes! {
    /// The finding codes of the `lockfile` rule.
    pub enum Code {
        /// There is no `Cargo.lock` at the workspace root.
        Missing = "missing",
        /// `Cargo.lock` is not tracked by git (or is ignored).
        Untracked = "untracked",
        /// `Cargo.lock` does not match the manifests: cargo has to update it.
        Outdated = "outdated",
        /// A registry package has no checksum in `Cargo.lock`.
        MissingChecksum = "missing-checksum",
    }
}

/// The commented `[lockfile]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# Cargo.lock (SSDF PW.4.1, PS.1.1). A missing Cargo.lock is always denied.
[lockfile]
# Deny when the workspace is in a git repository and Cargo.lock is not tracked (or is ignored).
require-tracked = true
# Deny when Cargo.lock does not match the manifests (`cargo metadata --locked --offline` fails).
require-up-to-date = true
# Deny registry packages without a checksum in Cargo.lock.
require-checksums = true
"#;

/// `[lockfile]` in `attest.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// Deny an untracked or ignored `Cargo.lock` inside a git repository (default `true`).
    pub require_tracked: bool,
    /// Deny a `Cargo.lock` that `cargo --locked` would have to update (default `true`).
    pub require_up_to_date: bool,
    /// Deny registry packages without a checksum (default `true`).
    pub require_checksums: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            require_tracked: true,
            require_up_to_date: true,
            require_checksums: true,
        }
    }
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let root = context.root();
    let path = root.join(LOCKFILE);
    if !path.is_file() {
        return Ok(vec![finding(
            file(None),
            Code::Missing,
            format!(
                "there is no {LOCKFILE} at the workspace root, so dependency versions are not pinned"
            ),
            format!("run `cargo generate-lockfile` and commit {LOCKFILE}"),
        )]);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::read(&path, &e))?;
    let mut findings = Vec::new();
    // Reading the git index needs libgit2: the build-time hook, built without the `git`
    // feature, leaves this part to `cargo attest check`.
    #[cfg(feature = "git")]
    if config.require_tracked {
        findings.extend(tracked(root, &path)?);
    }
    if config.require_up_to_date {
        // Loading the workspace already ran `cargo metadata`: when it had to rewrite the
        // lockfile, `--locked` would have failed. A second cargo run is needed only when
        // that was not observed.
        let outdated = match context.workspace.lockfile_updated() {
            Some(true) => Some(outdated_finding()),
            Some(false) => None,
            None => up_to_date(root, &path)?,
        };
        findings.extend(outdated);
    }
    if config.require_checksums {
        findings.extend(checksums(&path, &text, |name, version| {
            context.lockfile_line(name, version)
        })?);
    }
    Ok(findings)
}

fn finding(location: Location, code: Code, message: String, fix: String) -> Finding {
    Finding {
        severity: Severity::Deny,
        rule: RULE.rule_id(),
        location,
        code: code.into(),
        message,
        fix,
    }
}

fn file(line: Option<usize>) -> Location {
    Location::File(FileLine {
        path: LOCKFILE.to_owned(),
        line,
    })
}

/// A finding when `Cargo.lock` is inside a git work tree but not in its index.
#[cfg(feature = "git")]
fn tracked(root: &Path, lockfile: &Path) -> Result<Option<Finding>> {
    let git_error = |reason: String| Error::Read {
        path: root.to_owned(),
        reason: format!("git repository: {reason}"),
    };
    // Not a repository: the source-control rule reports that.
    let Some(repository) = crate::git::Repo::discover(root).map_err(git_error)? else {
        return Ok(None);
    };
    let tracked = repository
        .is_tracked(lockfile)
        .map_err(|reason| Error::Read {
            path: repository.index_path(),
            reason,
        })?;
    match tracked {
        Some(false) => {}
        // Tracked, or outside the work tree.
        _ => return Ok(None),
    }
    let (message, fix) = if repository.is_ignored(lockfile) {
        (
            format!("{LOCKFILE} is ignored by git and not committed"),
            format!("remove {LOCKFILE} from .gitignore, then `git add {LOCKFILE}` and commit it"),
        )
    } else {
        (
            format!("{LOCKFILE} is not tracked by git"),
            format!("`git add {LOCKFILE}` and commit it"),
        )
    };
    Ok(Some(finding(file(None), Code::Untracked, message, fix)))
}

/// The finding for a lockfile that cargo has to update (what `--locked` refuses).
fn outdated_finding() -> Finding {
    finding(
        file(None),
        Code::Outdated,
        format!(
            "{LOCKFILE} does not match the manifests: cargo has to update it, which `--locked` refuses"
        ),
        format!("run `cargo update --workspace` (or any cargo build) and commit {LOCKFILE}"),
    )
}

/// A finding when `cargo metadata --locked --offline` says the lockfile needs updating.
fn up_to_date(root: &Path, lockfile: &Path) -> Result<Option<Finding>> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&program)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::Usage(format!("could not run cargo metadata --locked: {e}")))?;
    if output.status.success() {
        return Ok(None);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reason = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| stderr.trim())
        .trim_start_matches("error:")
        .trim()
        .replace(&format!("{}/", root.display()), "");
    if stderr.contains("--locked") || stderr.contains("needs to be updated") {
        let mut outdated = outdated_finding();
        outdated.message = format!("{LOCKFILE} does not match the manifests (cargo: {reason})");
        return Ok(Some(outdated));
    }
    Err(Error::Malformed {
        path: lockfile.to_owned(),
        reason: format!("`cargo metadata --locked --offline` failed: {reason}"),
    })
}

/// Findings for registry packages without a checksum, located by `line_of(name, version)`.
fn checksums(
    path: &Path,
    text: &str,
    line_of: impl Fn(&str, &str) -> Option<usize>,
) -> Result<Vec<Finding>> {
    let lock = lockfile::Lockfile::parse(text).map_err(|message| Error::Malformed {
        path: path.to_owned(),
        reason: format!("not a valid Cargo.lock: {}", message.trim()),
    })?;
    let mut findings = Vec::new();
    for package in &lock.packages {
        let Some(source) = package.source.as_deref() else {
            continue;
        };
        if !(source.starts_with("registry+") || source.starts_with("sparse+")) {
            continue;
        }
        let has_checksum = package.checksum.as_deref().is_some_and(|c| !c.is_empty())
            || lock
                .metadata_checksum(&package.name, &package.version, source)
                .is_some_and(|c| !c.is_empty() && c != "<none>");
        if has_checksum {
            continue;
        }
        let line = line_of(&package.name, &package.version);
        let shown_source = if cargo_sbom::cargo::is_crates_io_source(source) {
            "crates.io".to_owned()
        } else {
            source.to_owned()
        };
        findings.push(finding(
            Location::Crate {
                name: package.name.clone(),
                version: package.version.clone(),
                source: shown_source,
                declared_at: Some(FileLine {
                    path: LOCKFILE.to_owned(),
                    line,
                }),
            },
            Code::MissingChecksum,
            format!(
                "registry package {} {} has no checksum in {LOCKFILE}, so its download is not verified",
                package.name, package.version
            ),
            format!(
                "restore the checksum (`cargo update -p {}@{}` against a registry that publishes checksums); never delete checksums by hand",
                package.name, package.version
            ),
        ));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n";

    #[test]
    fn registry_packages_need_checksums() {
        let spans = cargo_sbom::spanned::TomlFile::parse(LOCK).unwrap();
        let line_of =
            |name: &str, version: &str| crate::policy::locate::package_line(&spans, name, version);
        let findings = checksums(Path::new("Cargo.lock"), LOCK, line_of).unwrap();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, "missing-checksum");
        assert!(matches!(
            &findings[0].location,
            Location::Crate { name, version, source, declared_at: Some(FileLine { line: Some(7), .. }) }
                if name == "itoa" && version == "1.0.0" && source == "crates.io"
        ));
    }

    #[test]
    fn v1_metadata_checksums_count() {
        let text = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[metadata]\n\"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = \"abc\"\n";
        let no_line = |_: &str, _: &str| None;
        assert!(
            checksums(Path::new("Cargo.lock"), text, no_line)
                .unwrap()
                .is_empty()
        );
    }
}
