//! The `source-control` rule (SSDF PS.1.1): a release is built from a commit that provenance
//! can name, with nothing uncommitted, optionally signed and tagged. The rule reference is
//! [`HELP`].

use serde::Deserialize;

use crate::config::SectionDef;
use crate::policy::RuleDef;
use crate::policy::rule::codes;

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "source-control",
    name: "CleanTaggedSourceCommit",
    ssdf_tasks: &["PS.1.1"],
    description: "the release is built from a clean, signed, tagged commit",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: false,
    // Context rule: it denies in a release context only.
    enforcing: |_, release_context| release_context,
    // Reading the repository needs libgit2 (the `git` feature).
    #[cfg(feature = "git")]
    check: Some(check::check),
    #[cfg(not(feature = "git"))]
    check: None,
};

/// The `[source-control]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("source-control", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"The workspace must be in a git repository with at least one commit, and the work tree must be
clean: no tracked file differs from `HEAD` (in the index or the work tree); untracked files
count only with `include-untracked = true`, ignored files never. With
`require-signed-commit = true` the `HEAD` commit must carry a signature (`gpgsig` header:
OpenPGP, SSH or X.509); only its presence is checked, since verifying it needs the signers'
keys and trust policy (use `git verify-commit`). With `require-tag = true` a tag
(lightweight or annotated) must point at `HEAD`.

All findings depend on the release context: `warn` by default, `deny` under `--strict` and
in `cargo attest release` (where `--allow-dirty` turns the `dirty` findings back into
warnings).

**Why.** SSDF PS.1.1: code is kept in a repository that records every change, and a
release's provenance names the exact commit it was built from; uncommitted changes make
that record false.

**How to fix.** Commit or stash the changes and build from a clean checkout of the release
commit; sign release commits and tag them.

```toml
[source-control]
include-untracked = false
require-signed-commit = true
require-tag = true
```
"#;

codes! {
    /// The finding codes of the `source-control` rule.
    pub enum Code {
        /// The workspace is not in a git repository, so provenance cannot name a commit.
        NotARepository = "not-a-repository",
        /// The repository has no commit yet.
        NoCommit = "no-commit",
        /// A file differs from `HEAD` (listed one by one, up to 25, then counted).
        Dirty = "dirty",
        /// The `HEAD` commit carries no signature (`require-signed-commit`).
        UnsignedCommit = "unsigned-commit",
        /// No tag points at the `HEAD` commit (`require-tag`).
        Untagged = "untagged",
    }
}

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

// The check reads the repository with libgit2 (the `git` feature).
#[cfg(feature = "git")]
mod check {
    use super::{Code, Config, RULE, SECTION};
    use crate::error::{Error, Result};
    use crate::git::Repo;
    use crate::policy::FileLine;
    use crate::policy::{Finding, Location, PolicyContext, Severity};

    /// At most this many changed files are reported one by one; the rest are counted.
    const MAX_LISTED: usize = 25;

    pub(super) fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        check_repository(context, context.config.get(&SECTION))
    }

    /// The findings for the repository around the workspace.
    fn check_repository(context: &PolicyContext<'_>, config: &Config) -> Result<Vec<Finding>> {
        let root = context.root();
        let severity = context.context_severity();
        let git_error = |reason: String| Error::Read {
            path: root.to_owned(),
            reason: format!("git {reason}"),
        };
        // `--allow-dirty`: uncommitted changes are still reported, as warnings.
        let allowed_dirty = context.options.allow_dirty;
        let finding = |location: Location, code: Code, message: String, fix: &str| Finding {
            severity: if code == Code::Dirty && allowed_dirty {
                Severity::Warn
            } else {
                severity
            },
            rule: RULE.rule_id(),
            location,
            code: code.into(),
            message,
            fix: fix.to_owned(),
        };
        let Some(repository) =
            Repo::discover(root).map_err(|e| git_error(format!("repository: {e}")))?
        else {
            return Ok(vec![finding(
                Location::Workspace,
                Code::NotARepository,
                "the workspace is not in a git repository, so provenance cannot name a source commit".into(),
                "build releases from a git checkout of the tagged release commit",
            )]);
        };
        let Some(head) = repository.head().map_err(git_error)? else {
            return Ok(vec![finding(
                Location::Workspace,
                Code::NoCommit,
                "the git repository has no commit yet, so provenance cannot name a source commit"
                    .into(),
                "commit the sources and build from that commit",
            )]);
        };
        let short = head.id.chars().take(12).collect::<String>();
        let mut findings = Vec::new();

        // Uncommitted changes.
        let workdir = repository.workdir().unwrap_or_else(|| root.to_owned());
        let root_canonical = root.canonicalize().unwrap_or_else(|_| root.to_owned());
        let mut changed: Vec<(String, &'static str)> = repository
            .changes(config.include_untracked)
            .map_err(git_error)?
            .into_iter()
            .map(|(path, change)| {
                let path = cargo_sbom::graph::relative_path(&workdir.join(path), &root_canonical);
                (path, change.as_str())
            })
            .collect();
        changed.sort();
        let total = changed.len();
        for (path, kind) in changed.iter().take(MAX_LISTED) {
            findings.push(finding(
                Location::File(FileLine {
                    path: path.clone(),
                    line: None,
                }),
                Code::Dirty,
                format!("{path} is {kind} but not committed (HEAD is {short})"),
                "commit or stash the change, then build from a clean checkout",
            ));
        }
        if total > MAX_LISTED {
            findings.push(finding(
                Location::Workspace,
                Code::Dirty,
                format!(
                    "{} more uncommitted change(s) in the work tree",
                    total - MAX_LISTED
                ),
                "commit or stash the changes, then build from a clean checkout",
            ));
        }

        if config.require_signed_commit && !repository.is_signed(&head.id).map_err(git_error)? {
            findings.push(finding(
                Location::Workspace,
                Code::UnsignedCommit,
                format!("the HEAD commit {short} is not signed"),
                "sign release commits (`git commit -S`, or `git config commit.gpgsign true`)",
            ));
        }

        if config.require_tag && !repository.is_tagged(&head.id) {
            findings.push(finding(
                Location::Workspace,
                Code::Untagged,
                format!("no tag points at the HEAD commit {short}"),
                "build releases from a tag (`git tag -s vX.Y.Z`, then check out the tag)",
            ));
        }
        Ok(findings)
    }
}
