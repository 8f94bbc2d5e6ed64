//! The `sources` rule (SSDF PW.4.1): dependencies come only from allowed registries and
//! allowed, pinned git repositories; path dependencies outside the workspace are flagged. The
//! rule reference is [`HELP`].

use guppy::graph::{ExternalSource, GitReq};
use serde::Deserialize;

use crate::config::SectionDef;
use crate::error::Result;
use crate::policy::rule::codes;
use crate::policy::{Finding, LintLevel, Location, PolicyContext, RuleDef, Severity};
use cargo_sbom::ComponentSource;
use cargo_sbom::cargo::{CRATES_IO_INDEX, CRATES_IO_SPARSE_INDEX};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "sources",
    name: "AllowedDependencySources",
    ssdf_tasks: &["PW.4.1"],
    description: "dependencies come only from allowed registries and pinned git sources",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: true,
    // Disallowed sources always deny.
    enforcing: |_, _| true,
    check: Some(check),
};

/// The `[sources]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("sources", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"Every crate of the resolved graph must come from a source the policy trusts: a registry
listed in `allow-registry`, or a git repository allowed by `allow-git` or `allow-org`. Git
dependencies that a local manifest (a workspace member or a path crate) declares must be pinned
to a commit with `rev = "<commit id>"` (7 to 64 hex digits), not a branch, a tag or the
default branch, so the build takes the reviewed code. Path dependencies outside the workspace
root are flagged, since their source is not part of the workspace.

**Why.** SSDF PW.4.1 asks that third-party components be acquired from trusted sources; a
crate from an unknown registry or an unpinned branch can change under the release.

**How to fix.** Take the crate from an allowed registry, add the registry or repository to the
allow lists after review, pin git dependencies with `rev`, or move path crates into the
workspace. The vocabulary is cargo-deny's `[sources]` section (`allow-registry`, `allow-git`,
`allow-org`, `unknown-registry`, `unknown-git`); `require-git-rev` is its
`required-git-spec = "rev"`.

```toml
[sources]
allow-registry = ["https://github.com/rust-lang/crates.io-index", "https://my-registry.example/index"]
allow-git = ["https://github.com/org/tool"]
unknown-git = "deny"
require-git-rev = true
path-outside-workspace = "warn"

[sources.allow-org]
github = ["rust-lang"]
```
"#;

codes! {
    /// The finding codes of the `sources` rule.
    pub enum Code {
        /// A crate comes from a registry that `allow-registry` does not list.
        UnknownRegistry = "unknown-registry",
        /// A crate comes from a git repository that neither `allow-git` nor `allow-org` allows.
        UnknownGit = "unknown-git",
        /// A path dependency lies outside the workspace root.
        PathOutsideWorkspace = "path-outside-workspace",
        /// A local manifest declares a git dependency by branch, tag or default branch, not by a
        /// pinned commit (`require-git-rev`).
        UnpinnedGit = "unpinned-git",
    }
}

/// Every spelling of crates.io accepted in `allow-registry` (after [`normalise_url`]).
const CRATES_IO_NAMES: &[&str] = &[
    CRATES_IO_INDEX,
    CRATES_IO_SPARSE_INDEX,
    "crates-io",
    "crates.io",
];

/// The commented `[sources]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# Dependency sources (SSDF PW.4.1), in cargo-deny's vocabulary. Levels: "deny", "warn", "allow".
[sources]
# Registries crates may come from (crates.io may also be written "sparse+https://index.crates.io/").
allow-registry = ["https://github.com/rust-lang/crates.io-index"]
# Git repositories crates may come from, e.g. ["https://github.com/org/repo"].
allow-git = []
# A crate from a registry not in allow-registry.
unknown-registry = "deny"
# A crate from a git repository allowed neither by allow-git nor by allow-org.
unknown-git = "deny"
# Git dependencies of the workspace's manifests must be pinned with `rev = "<commit>"`.
require-git-rev = true
# A path dependency outside the workspace root.
path-outside-workspace = "warn"

# Organisations whose repositories are allowed, per host.
[sources.allow-org]
github = []
gitlab = []
bitbucket = []
"#;

/// `[sources]` in `attest.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Registries crates may come from (index URLs; `registry+`/`sparse+` prefixes and the
    /// sparse crates.io form `https://index.crates.io` are accepted). Default: crates.io only.
    pub allow_registry: Vec<String>,
    /// Git repositories crates may come from (URLs compared without `git+`, a trailing `/` or
    /// `.git`, a query or a fragment).
    pub allow_git: Vec<String>,
    /// Organisations whose git repositories are allowed, per host.
    pub allow_org: AllowOrg,
    /// What a crate from a registry not in `allow-registry` is. Default `deny`.
    pub unknown_registry: LintLevel,
    /// What a crate from a git repository not allowed by `allow-git`/`allow-org` is.
    /// Default `deny`.
    pub unknown_git: LintLevel,
    /// Whether git dependencies of local manifests must be pinned with `rev`. Default `true`.
    pub require_git_rev: bool,
    /// What a path dependency outside the workspace root is. Default `warn`.
    pub path_outside_workspace: LintLevel,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            allow_registry: vec![CRATES_IO_INDEX.to_owned()],
            allow_git: Vec::new(),
            allow_org: AllowOrg::default(),
            unknown_registry: LintLevel::Deny,
            unknown_git: LintLevel::Deny,
            require_git_rev: true,
            path_outside_workspace: LintLevel::Warn,
        }
    }
}

/// `allow-org`: organisations (first path segment of the repository URL) per git host.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllowOrg {
    /// Organisations on `github.com`.
    pub github: Vec<String>,
    /// Organisations on `gitlab.com`.
    pub gitlab: Vec<String>,
    /// Organisations on `bitbucket.org`.
    pub bitbucket: Vec<String>,
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let mut findings = Vec::new();
    for (id, component) in context.graph.iter() {
        let (level, code, message, fix) = match &component.source {
            ComponentSource::Registry { index, crates_io } => {
                if registry_allowed(&config.allow_registry, index, *crates_io) {
                    continue;
                }
                let shown = if *crates_io { "crates.io" } else { index };
                (
                    config.unknown_registry,
                    Code::UnknownRegistry,
                    format!(
                        "{} {} comes from the registry {shown}, which `sources.allow-registry` does not list",
                        component.name, component.version
                    ),
                    format!(
                        "take the crate from an allowed registry, or add \"{index}\" to `allow-registry` in the `[sources]` section of attest.toml"
                    ),
                )
            }
            ComponentSource::Git { url, .. } => {
                // The repository as the manifest wrote it (the graph keeps local URLs
                // relative to the workspace root).
                let repository = context
                    .package(id)
                    .and_then(|p| match p.source().parse_external() {
                        Some(ExternalSource::Git { repository, .. }) => Some(repository.to_owned()),
                        _ => None,
                    })
                    .unwrap_or_else(|| url.clone());
                if git_allowed(config, &repository) {
                    continue;
                }
                (
                    config.unknown_git,
                    Code::UnknownGit,
                    format!(
                        "{} {} comes from the git repository {url}, which neither `sources.allow-git` nor `sources.allow-org` allows",
                        component.name, component.version
                    ),
                    format!(
                        "depend on a released version from an allowed registry, or add \"{repository}\" to `allow-git` (or its organisation to `allow-org`) in the `[sources]` section of attest.toml"
                    ),
                )
            }
            ComponentSource::Path { path } => {
                if !outside_workspace(path) {
                    continue;
                }
                (
                    config.path_outside_workspace,
                    Code::PathOutsideWorkspace,
                    format!(
                        "{} {} is a path dependency at {path}, outside the workspace root (its source is not part of the workspace)",
                        component.name, component.version
                    ),
                    "move the crate into the workspace (or a vendored directory inside it), or depend on a published version".to_owned(),
                )
            }
            ComponentSource::Workspace { .. } => continue,
        };
        let Some(severity) = level.severity() else {
            continue;
        };
        findings.push(Finding {
            severity,
            rule: RULE.rule_id(),
            location: Location::of_component(component).declared_at(context.declaration(id)),
            code: code.into(),
            message,
            fix,
        });
    }
    if config.require_git_rev {
        findings.extend(unpinned_git(context));
    }
    Ok(findings)
}

/// Git dependencies of local manifests that are not pinned with `rev`.
fn unpinned_git(context: &PolicyContext<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, component) in context.graph.iter() {
        if !component.source.is_local() {
            continue;
        }
        let Some(metadata) = context.package(id) else {
            continue;
        };
        for link in metadata.direct_links() {
            let to = link.to();
            let Some(ExternalSource::Git {
                repository, req, ..
            }) = to.source().parse_external()
            else {
                continue;
            };
            let pinned = matches!(req, GitReq::Rev(rev) if is_commit_id(rev));
            if pinned {
                continue;
            }
            // Only dependencies the described build uses.
            let Some(dependency) = context.graph.by_package(to.id()) else {
                continue;
            };
            let dependency = context.graph.component(dependency);
            let what = match req {
                GitReq::Branch(branch) => format!("the branch `{branch}`"),
                GitReq::Tag(tag) => format!("the tag `{tag}`"),
                GitReq::Rev(rev) => format!("`rev = \"{rev}\"`, which is not a commit id"),
                _ => "the default branch".to_owned(),
            };
            let commit = match &dependency.source {
                ComponentSource::Git { commit, .. } => commit.clone(),
                _ => String::new(),
            };
            let at = context
                .dependency_location(metadata.manifest_path().as_std_path(), link.dep_name());
            findings.push(Finding {
                severity: Severity::Deny,
                rule: RULE.rule_id(),
                location: Location::of_component(dependency).declared_at(at),
                code: Code::UnpinnedGit.into(),
                message: format!(
                    "{} declares the git dependency {} ({repository}) by {what}, not by a pinned commit",
                    component.name,
                    link.dep_name()
                ),
                fix: format!(
                    "pin the dependency with `rev = \"{commit}\"` in {}'s manifest",
                    component.name
                ),
            });
        }
    }
    findings
}

/// Whether `rev` looks like a (possibly abbreviated) commit id.
fn is_commit_id(rev: &str) -> bool {
    (7..=64).contains(&rev.len()) && rev.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether a path relative to the workspace root (as the graph records it) leaves the root.
fn outside_workspace(path: &str) -> bool {
    path == ".."
        || path.starts_with("../")
        || path.starts_with('/')
        || path.get(1..3) == Some(":/")
        || path.get(1..3) == Some(":\\")
}

/// Whether a registry is allowed.
fn registry_allowed(allowed: &[String], index: &str, crates_io: bool) -> bool {
    let index = normalise_url(index);
    allowed
        .iter()
        .map(|a| normalise_url(a))
        .any(|a| a == index || (crates_io && CRATES_IO_NAMES.contains(&a.as_str())))
}

/// Whether a git repository is allowed by `allow-git` or `allow-org`.
fn git_allowed(config: &Config, repository: &str) -> bool {
    let repository = normalise_url(repository);
    if config
        .allow_git
        .iter()
        .any(|a| normalise_url(a) == repository)
    {
        return true;
    }
    let Some((host, org)) = host_and_org(&repository) else {
        return false;
    };
    let orgs = match host.as_str() {
        "github.com" => &config.allow_org.github,
        "gitlab.com" => &config.allow_org.gitlab,
        "bitbucket.org" => &config.allow_org.bitbucket,
        _ => return false,
    };
    orgs.iter().any(|o| o.eq_ignore_ascii_case(&org))
}

/// A URL in the form sources are compared: without `registry+`/`sparse+`/`git+`, a query, a
/// fragment, a trailing `/` or `.git`; scheme and host lower-cased (all of it but `file:` URLs).
pub fn normalise_url(url: &str) -> String {
    let mut url = url.trim();
    for prefix in ["registry+", "sparse+", "git+"] {
        if let Some(rest) = url.strip_prefix(prefix) {
            url = rest;
        }
    }
    let url = url.split(['#', '?']).next().unwrap_or(url);
    let url = url.trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    if url.starts_with("file:") {
        url.to_owned()
    } else {
        url.to_ascii_lowercase()
    }
}

/// The host and the first path segment of a URL (`https://github.com/org/repo` →
/// `("github.com", "org")`; `ssh://git@github.com/org/repo` too).
fn host_and_org(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/')?;
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    let org = path.split('/').find(|s| !s.is_empty())?;
    Some((host.to_ascii_lowercase(), org.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        assert_eq!(
            normalise_url("registry+https://github.com/rust-lang/crates.io-index"),
            CRATES_IO_INDEX
        );
        assert_eq!(
            normalise_url("sparse+https://index.crates.io/"),
            "https://index.crates.io"
        );
        assert_eq!(
            normalise_url("git+https://GitHub.com/Org/Repo.git?rev=abc#abc"),
            "https://github.com/org/repo"
        );
        assert_eq!(normalise_url("file:///tmp/Repo/"), "file:///tmp/Repo");
    }

    #[test]
    fn crates_io_in_any_form() {
        let sparse = vec!["sparse+https://index.crates.io/".to_owned()];
        assert!(registry_allowed(&sparse, CRATES_IO_INDEX, true));
        assert!(registry_allowed(
            &Config::default().allow_registry,
            "https://index.crates.io/",
            true
        ));
        assert!(!registry_allowed(
            &Config::default().allow_registry,
            "https://my-registry.example/index",
            false
        ));
        let own = vec!["https://my-registry.example/index/".to_owned()];
        assert!(registry_allowed(
            &own,
            "https://my-registry.example/index",
            false
        ));
        assert!(!registry_allowed(&own, CRATES_IO_INDEX, true));
    }

    #[test]
    fn git_by_url_or_organisation() {
        let config: Config = toml::from_str(
            r#"
            allow-git = ["https://example.org/team/tool"]
            allow-org = { github = ["rust-lang"], gitlab = ["gnome"] }
            "#,
        )
        .unwrap();
        assert!(git_allowed(&config, "https://example.org/team/tool.git"));
        assert!(git_allowed(&config, "https://github.com/Rust-Lang/cargo"));
        assert!(git_allowed(&config, "ssh://git@github.com/rust-lang/rust"));
        assert!(git_allowed(&config, "https://gitlab.com/gnome/glib"));
        assert!(!git_allowed(&config, "https://github.com/someone/cargo"));
        assert!(!git_allowed(&config, "https://gitlab.com/rust-lang/cargo"));
        assert!(!git_allowed(&config, "https://example.org/team/other"));
    }

    #[test]
    fn defaults_and_levels() {
        let config = Config::default();
        assert_eq!(config.unknown_registry, LintLevel::Deny);
        assert_eq!(config.unknown_git, LintLevel::Deny);
        assert_eq!(config.path_outside_workspace, LintLevel::Warn);
        assert!(config.require_git_rev);
        let config: Config = toml::from_str(
            "unknown-git = \"warn\"\npath-outside-workspace = \"allow\"\nrequire-git-rev = false",
        )
        .unwrap();
        assert_eq!(config.unknown_git, LintLevel::Warn);
        assert_eq!(config.path_outside_workspace, LintLevel::Allow);
        assert!(!config.require_git_rev);
        assert!(toml::from_str::<Config>("unknown-git = \"sometimes\"").is_err());
        assert!(toml::from_str::<Config>("allow-registries = []").is_err());
    }

    #[test]
    fn commit_ids_and_outside_paths() {
        assert!(is_commit_id("0123abc"));
        assert!(is_commit_id("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_commit_id("main"));
        assert!(!is_commit_id("abc"));
        assert!(outside_workspace("../outside"));
        assert!(outside_workspace(".."));
        assert!(!outside_workspace("vendor/itoa"));
        assert!(!outside_workspace("..hidden/x"));
    }
}
