//! The `source-control` rule (SSDF PS.1.1): a release is built from a commit that provenance can
//! name, with nothing uncommitted, optionally signed and tagged.
//!
//! * The workspace is in a git repository with at least one commit.
//! * The work tree is clean: no tracked file differs from `HEAD` (index or work tree); untracked
//!   files count only with `include-untracked = true`, ignored files never.
//! * `require-signed-commit = true`: the `HEAD` commit carries a signature (`gpgsig` header,
//!   OpenPGP, SSH or X.509). Only its presence is checked: verifying it needs the signers' keys
//!   and trust policy, which is out of scope here (use `git verify-commit`).
//! * `require-tag = true`: a tag points at `HEAD` (lightweight or annotated).
//!
//! All findings depend on the release context: `warn` by default, `deny` under `--strict`.

use serde::Deserialize;

/// The commented `[source-control]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# Source control (SSDF PS.1.1). Findings warn, or deny under `--strict`. Outside a git
# repository one finding says that provenance cannot name a commit.
[source-control]
# Count untracked (not ignored) files as uncommitted changes.
include-untracked = false
# Require the HEAD commit to carry a signature (its presence only: it is not verified).
require-signed-commit = false
# Require a tag pointing at HEAD (release builds).
require-tag = false
"#;

/// `[source-control]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// Untracked files make the tree dirty (default `false`).
    pub include_untracked: bool,
    /// `HEAD` must be signed (default `false`).
    pub require_signed_commit: bool,
    /// A tag must point at `HEAD` (default `false`).
    pub require_tag: bool,
}

/// The rule.
pub struct SourceControl;

// The check reads the repository with libgit2 (the `git` feature).
#[cfg(feature = "git")]
mod check {
    use std::path::Path;

    use git2::{Repository, Status, StatusOptions};

    use super::{Config, SourceControl};
    use crate::error::{Error, Result};
    use crate::policy::finding::FileLine;
    use crate::policy::{Finding, Location, PolicyContext, Rule, RuleId, Severity};

    /// At most this many changed files are reported one by one; the rest are counted.
    const MAX_LISTED: usize = 25;

    impl Rule for SourceControl {
        fn id(&self) -> RuleId {
            RuleId::SourceControl
        }

        fn check(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
            check_repository(
                context.root(),
                &context.config.source_control,
                context.context_severity(),
            )
        }
    }

    fn git_error(root: &Path, what: &str, error: &git2::Error) -> Error {
        Error::Read {
            path: root.to_owned(),
            reason: format!("git {what}: {}", error.message()),
        }
    }

    /// The findings for the repository around `root`.
    fn check_repository(root: &Path, config: &Config, severity: Severity) -> Result<Vec<Finding>> {
        let finding = |location: Location, code: &str, message: String, fix: &str| Finding {
            severity,
            rule: RuleId::SourceControl,
            location,
            code: code.to_owned(),
            message,
            fix: fix.to_owned(),
        };
        let repository = match Repository::discover(root) {
            Ok(repository) => repository,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                return Ok(vec![finding(
                Location::Workspace,
                "not-a-repository",
                "the workspace is not in a git repository, so provenance cannot name a source commit".into(),
                "build releases from a git checkout of the tagged release commit",
            )]);
            }
            Err(e) => return Err(git_error(root, "repository", &e)),
        };
        let head = match repository.head() {
            Ok(head) => head,
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                return Ok(vec![finding(
                Location::Workspace,
                "no-commit",
                "the git repository has no commit yet, so provenance cannot name a source commit"
                    .into(),
                "commit the sources and build from that commit",
            )]);
            }
            Err(e) => return Err(git_error(root, "HEAD", &e)),
        };
        let commit = head
            .peel_to_commit()
            .map_err(|e| git_error(root, "HEAD", &e))?;
        let short = commit.id().to_string().chars().take(12).collect::<String>();
        let mut findings = Vec::new();

        // Uncommitted changes.
        let mut options = StatusOptions::new();
        options
            .include_untracked(config.include_untracked)
            .recurse_untracked_dirs(config.include_untracked)
            .include_ignored(false)
            .exclude_submodules(false);
        let statuses = repository
            .statuses(Some(&mut options))
            .map_err(|e| git_error(root, "status", &e))?;
        let workdir = repository
            .workdir()
            .and_then(|w| w.canonicalize().ok())
            .unwrap_or_else(|| root.to_owned());
        let root_canonical = root.canonicalize().unwrap_or_else(|_| root.to_owned());
        let mut changed: Vec<(String, &'static str)> = Vec::new();
        for entry in statuses.iter() {
            let status = entry.status();
            let Some(kind) = change_kind(status, config.include_untracked) else {
                continue;
            };
            let Ok(path) = entry.path() else { continue };
            let path = cargo_sbom::graph::relative_path(&workdir.join(path), &root_canonical);
            changed.push((path, kind));
        }
        changed.sort();
        let total = changed.len();
        for (path, kind) in changed.iter().take(MAX_LISTED) {
            findings.push(finding(
                Location::File(FileLine {
                    path: path.clone(),
                    line: None,
                }),
                "dirty",
                format!("{path} is {kind} but not committed (HEAD is {short})"),
                "commit or stash the change, then build from a clean checkout",
            ));
        }
        if total > MAX_LISTED {
            findings.push(finding(
                Location::Workspace,
                "dirty",
                format!(
                    "{} more uncommitted change(s) in the work tree",
                    total - MAX_LISTED
                ),
                "commit or stash the changes, then build from a clean checkout",
            ));
        }

        if config.require_signed_commit {
            match repository.extract_signature(&commit.id(), None) {
                Ok(_) => {}
                Err(e) if e.code() == git2::ErrorCode::NotFound => findings.push(finding(
                    Location::Workspace,
                    "unsigned-commit",
                    format!("the HEAD commit {short} is not signed"),
                    "sign release commits (`git commit -S`, or `git config commit.gpgsign true`)",
                )),
                Err(e) => return Err(git_error(root, "commit signature", &e)),
            }
        }

        if config.require_tag && !tagged(&repository, commit.id()) {
            findings.push(finding(
                Location::Workspace,
                "untagged",
                format!("no tag points at the HEAD commit {short}"),
                "build releases from a tag (`git tag -s vX.Y.Z`, then check out the tag)",
            ));
        }
        Ok(findings)
    }

    /// How a status entry differs from `HEAD`, when it counts as a change.
    fn change_kind(status: Status, include_untracked: bool) -> Option<&'static str> {
        if status.is_ignored() {
            return None;
        }
        if status.is_conflicted() {
            return Some("in conflict");
        }
        if status.intersects(Status::INDEX_NEW) {
            return Some("added");
        }
        if status.intersects(Status::INDEX_DELETED | Status::WT_DELETED) {
            return Some("deleted");
        }
        if status.intersects(Status::INDEX_RENAMED | Status::WT_RENAMED) {
            return Some("renamed");
        }
        if status.intersects(
            Status::INDEX_MODIFIED
                | Status::WT_MODIFIED
                | Status::INDEX_TYPECHANGE
                | Status::WT_TYPECHANGE,
        ) {
            return Some("modified");
        }
        if include_untracked && status.intersects(Status::WT_NEW) {
            return Some("untracked");
        }
        None
    }

    /// Whether a tag (lightweight or annotated, peeled) points at `commit`.
    fn tagged(repository: &Repository, commit: git2::Oid) -> bool {
        let Ok(tags) = repository.tag_names(None) else {
            return false;
        };
        tags.iter().flatten().flatten().any(|name| {
            repository
                .revparse_single(&format!("refs/tags/{name}"))
                .and_then(|object| object.peel_to_commit())
                .is_ok_and(|c| c.id() == commit)
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn change_kinds() {
            assert_eq!(change_kind(Status::WT_MODIFIED, false), Some("modified"));
            assert_eq!(change_kind(Status::WT_NEW, false), None);
            assert_eq!(change_kind(Status::WT_NEW, true), Some("untracked"));
            assert_eq!(change_kind(Status::IGNORED, true), None);
            assert_eq!(change_kind(Status::INDEX_NEW, false), Some("added"));
        }
    }
}
