//! The `bans` rule (SSDF PW.4.1): denied crates and versions, several versions of one crate,
//! wildcard version requirements. The rule reference is [`HELP`].

use std::collections::BTreeMap;

use guppy::graph::ExternalSource;
use guppy::{Version, VersionReq};
use serde::Deserialize;

use crate::config::SectionDef;
use crate::error::Result;
use crate::policy::FileLine;
use crate::policy::rule::codes;
use crate::policy::{Finding, LintLevel, Location, PolicyContext, RuleDef, Severity};
use cargo_sbom::{Component, ComponentId};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "bans",
    name: "NoBannedOrDuplicateCrates",
    ssdf_tasks: &["PW.4.1"],
    description: "no denied crate, duplicate versions or wildcard requirements",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: true,
    // Banned crates always deny.
    enforcing: |_, _| true,
    check: Some(check),
};

/// The `[bans]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("bans", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"Crates the policy denies must not be in the resolved graph; one crate in several versions
(or from several sources) is reported; and the workspace members must not depend on a
registry crate with the wildcard requirement `*`.

* Denied crates are matched against every component of the resolved graph, by name and, when
  given, by version requirement (`name`, `name@1.2.3` for exactly that version,
  `name:<req>`, or a table with `name`, `version` and `reason`).
* `multiple-versions` counts every component of the graph (runtime, build and dev), one
  finding per crate name listing its versions; `skip` entries take matching versions out of
  the count. Two packages of one name and version from different sources count as two.
* `wildcards` checks the dependency declarations of the workspace members in the graph. Path
  and git dependencies are exempt (cargo-deny's `allow-wildcard-paths`): their source fixes
  their version.

**Why.** SSDF PW.4.1: components must be acquired deliberately; a banned crate (known bad,
unwanted licence or implementation) must not slip in, duplicates widen the attack surface,
and `*` accepts any future version, breaking ones included.

**How to fix.** Remove or replace the denied crate (the finding names who requires it),
update the dependents so they share one version (or `skip` the versions to keep), and give
wildcard dependencies a real requirement. The vocabulary is cargo-deny's `[bans]` section.

```toml
[bans]
deny = ["openssl-sys", "ring@0.16.20", { name = "openssl", version = "<1.1", reason = "use rustls" }]
multiple-versions = "warn"
skip = [{ name = "itoa", version = "=0.4.8" }]
wildcards = "deny"
```
"#;

codes! {
    /// The finding codes of the `bans` rule.
    pub enum Code {
        /// A crate of the graph matches a `deny` entry.
        DeniedCrate = "denied-crate",
        /// Several versions (or sources) of one crate are in the graph.
        Duplicate = "duplicate",
        /// A workspace member depends on a registry crate with the requirement `*`.
        Wildcard = "wildcard",
    }
}

/// The commented `[bans]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# Banned crates, duplicates, wildcards (SSDF PW.4.1), in cargo-deny's vocabulary.
[bans]
# Crates that must not be in the graph: "name", "name@1.2.3" (exactly), "name:<req>" or
# { name = "openssl", version = "<1.1", reason = "…" }.
deny = []
# Several versions (or sources) of one crate: "deny", "warn" or "allow".
multiple-versions = "warn"
# Crate versions left out of the multiple-versions count, e.g. [{ name = "itoa", version = "=0.4.8" }].
skip = []
# `*` requirements on registry crates in the workspace's manifests (path and git dependencies
# are exempt): "deny", "warn" or "allow".
wildcards = "deny"
"#;

/// `[bans]` in `attest.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Crates (optionally only some versions) that must not be in the graph.
    pub deny: Vec<CrateSpec>,
    /// What several versions of one crate are. Default `warn`.
    pub multiple_versions: LintLevel,
    /// Crate versions left out of the multiple-versions count.
    pub skip: Vec<CrateSpec>,
    /// What a `*` requirement in a workspace manifest is. Default `deny`.
    pub wildcards: LintLevel,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            deny: Vec::new(),
            multiple_versions: LintLevel::Warn,
            skip: Vec::new(),
            wildcards: LintLevel::Deny,
        }
    }
}

/// A crate, optionally restricted to versions, as cargo-deny writes one: `"name"`,
/// `"name@1.2.3"` (exactly that version), `"name:<req>"`, `{ name = "…", version = "<req>",
/// reason = "…" }` or `{ crate = "name@1.2.3", reason = "…" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawCrateSpec")]
pub struct CrateSpec {
    /// The crate name.
    pub name: String,
    /// The versions meant (a semver requirement such as `<1.1` or `=0.4.8`); all when `None`.
    pub version: Option<VersionReq>,
    /// Why (shown in findings).
    pub reason: Option<String>,
}

impl CrateSpec {
    /// Whether a crate of this name and version is meant.
    pub fn matches(&self, name: &str, version: &str) -> bool {
        name == self.name
            && match &self.version {
                None => true,
                Some(req) => Version::parse(version).is_ok_and(|v| req.matches(&v)),
            }
    }
}

/// A crate spec as written.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawCrateSpec {
    Plain(String),
    Table(RawCrateTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrateTable {
    name: Option<String>,
    #[serde(rename = "crate")]
    krate: Option<String>,
    version: Option<String>,
    reason: Option<String>,
}

/// cargo-deny's package specs: `name`, `name@version` (exactly that version) or
/// `name:requirement`.
fn split_spec(text: &str) -> (String, Option<String>) {
    if let Some((name, version)) = text.split_once('@') {
        (name.to_owned(), Some(format!("={}", version.trim())))
    } else if let Some((name, req)) = text.split_once(':') {
        (name.to_owned(), Some(req.to_owned()))
    } else {
        (text.to_owned(), None)
    }
}

impl TryFrom<RawCrateSpec> for CrateSpec {
    type Error = String;

    fn try_from(raw: RawCrateSpec) -> std::result::Result<Self, String> {
        let (name, version, reason) = match raw {
            RawCrateSpec::Plain(text) => {
                let (name, version) = split_spec(&text);
                (name, version, None)
            }
            RawCrateSpec::Table(t) => match (t.name, t.krate) {
                (Some(name), None) => (name, t.version, t.reason),
                (None, Some(spec)) if t.version.is_none() => {
                    let (name, version) = split_spec(&spec);
                    (name, version, t.reason)
                }
                _ => {
                    return Err(
                        "a crate entry needs either `name` (and optionally `version`) or `crate`"
                            .to_owned(),
                    );
                }
            },
        };
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err("a crate entry needs a `name`".to_owned());
        }
        let version = version
            .map(|v| {
                VersionReq::parse(v.trim()).map_err(|e| {
                    format!("`{v}` (version of `{name}`) is not a semver requirement: {e}")
                })
            })
            .transpose()?;
        Ok(Self {
            name,
            version,
            reason,
        })
    }
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let mut findings = denied(context, config);
    if let Some(severity) = config.multiple_versions.severity() {
        findings.extend(duplicates(context, config, severity));
    }
    if let Some(severity) = config.wildcards.severity() {
        findings.extend(wildcards(context, severity));
    }
    Ok(findings)
}

/// Components that a `deny` entry names.
fn denied(context: &PolicyContext<'_>, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, component) in context.graph.iter() {
        let Some(spec) = config
            .deny
            .iter()
            .find(|s| s.matches(&component.name, &component.version))
        else {
            continue;
        };
        let which = spec
            .version
            .as_ref()
            .map(|v| format!(" (versions {v})"))
            .unwrap_or_default();
        let reason = spec
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let required_by = context.dependents(id);
        let required_by = if required_by.is_empty() {
            String::new()
        } else {
            format!(" (required by {})", required_by.join(", "))
        };
        findings.push(Finding {
            severity: Severity::Deny,
            rule: RULE.rule_id(),
            location: Location::of_component(component).declared_at(context.declaration(id)),
            code: Code::DeniedCrate.into(),
            message: format!(
                "{} {} is denied by `bans.deny`{which}{reason}",
                component.name, component.version
            ),
            fix: format!(
                "remove or replace the dependency on {}{required_by}",
                component.name
            ),
        });
    }
    findings
}

/// One finding per crate name with several versions (or sources) in the graph.
fn duplicates(context: &PolicyContext<'_>, config: &Config, severity: Severity) -> Vec<Finding> {
    let mut by_name: BTreeMap<&str, Vec<(ComponentId, &Component)>> = BTreeMap::new();
    for (id, component) in context.graph.iter() {
        if config
            .skip
            .iter()
            .any(|s| s.matches(&component.name, &component.version))
        {
            continue;
        }
        by_name
            .entry(component.name.as_str())
            .or_default()
            .push((id, component));
    }
    let mut findings = Vec::new();
    for (name, mut components) in by_name {
        if components.len() < 2 {
            continue;
        }
        components.sort_by(|a, b| version_key(&a.1.version).cmp(&version_key(&b.1.version)));
        let listed: Vec<String> = components
            .iter()
            .map(|(id, c)| {
                let Location::Crate { source, .. } = Location::of_component(c) else {
                    return c.version.clone();
                };
                let by = context.dependents(*id);
                if by.is_empty() {
                    format!("{} ({source})", c.version)
                } else {
                    format!("{} ({source}, required by {})", c.version, by.join(", "))
                }
            })
            .collect();
        let (first_id, first) = components[0];
        findings.push(Finding {
            severity,
            rule: RULE.rule_id(),
            location: Location::of_component(first).declared_at(context.declaration(first_id)),
            code: Code::Duplicate.into(),
            message: format!(
                "{} versions of {name} are in the graph: {}",
                components.len(),
                listed.join("; ")
            ),
            fix: format!(
                "update the dependents so that they share one version of {name}, or add a `skip` entry for the versions to keep in the `[bans]` section of attest.toml"
            ),
        });
    }
    findings
}

/// A sort key for versions: parsed semver first, the text otherwise.
fn version_key(version: &str) -> (Option<Version>, &str) {
    (Version::parse(version).ok(), version)
}

/// `*` requirements on registry crates in the manifests of the workspace members in the graph.
fn wildcards(context: &PolicyContext<'_>, severity: Severity) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, member) in context.graph.iter().filter(|(_, c)| c.is_workspace_member) {
        let Some(metadata) = context.package(id) else {
            continue;
        };
        for link in metadata.direct_links() {
            let to = link.to();
            let exempt = to.source().is_local()
                || matches!(
                    to.source().parse_external(),
                    Some(ExternalSource::Git { .. })
                );
            if exempt || *link.version_req() != VersionReq::STAR {
                continue;
            }
            let at = context
                .dependency_location(metadata.manifest_path().as_std_path(), link.dep_name());
            let location = match context.graph.by_package(to.id()) {
                Some(dependency) => {
                    Location::of_component(context.graph.component(dependency)).declared_at(at)
                }
                None => Location::File(at.unwrap_or_else(|| FileLine {
                    path: cargo_sbom::graph::relative_path(
                        metadata.manifest_path().as_std_path(),
                        context.root(),
                    ),
                    line: None,
                })),
            };
            findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location,
                code: Code::Wildcard.into(),
                message: format!(
                    "{} depends on {} with the wildcard requirement `*`, which accepts any version, including future breaking ones",
                    member.name,
                    link.dep_name()
                ),
                fix: format!(
                    "give {} a real requirement, e.g. `{} = \"{}\"`",
                    link.dep_name(),
                    link.dep_name(),
                    to.version()
                ),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_crate_specs() {
        let config: Config = toml::from_str(
            r#"
            deny = ["openssl-sys", "time:<0.2", { name = "openssl", version = "<1.1", reason = "use rustls" }, "ring@0.16.20", { crate = "libz-sys@1.1.0", reason = "zlib-rs" }]
            multiple-versions = "deny"
            skip = [{ name = "itoa", version = "=0.4.8" }]
            wildcards = "warn"
            "#,
        )
        .unwrap();
        assert_eq!(config.deny.len(), 5);
        assert!(config.deny[3].matches("ring", "0.16.20"));
        assert!(!config.deny[3].matches("ring", "0.16.21"));
        assert!(config.deny[4].matches("libz-sys", "1.1.0"));
        assert!(!config.deny[4].matches("libz-sys", "1.1.1"));
        assert_eq!(config.deny[4].reason.as_deref(), Some("zlib-rs"));
        assert!(config.deny[0].matches("openssl-sys", "0.9.0"));
        assert!(config.deny[1].matches("time", "0.1.45"));
        assert!(!config.deny[1].matches("time", "0.3.0"));
        assert!(config.deny[2].matches("openssl", "1.0.2"));
        assert!(!config.deny[2].matches("openssl", "1.1.0"));
        assert!(!config.deny[2].matches("openssl-sys", "1.0.0"));
        assert_eq!(config.deny[2].reason.as_deref(), Some("use rustls"));
        assert_eq!(config.multiple_versions, LintLevel::Deny);
        assert_eq!(config.wildcards, LintLevel::Warn);
        assert!(config.skip[0].matches("itoa", "0.4.8"));
        assert!(!config.skip[0].matches("itoa", "1.0.19"));
    }

    #[test]
    fn defaults() {
        let config = Config::default();
        assert!(config.deny.is_empty());
        assert_eq!(config.multiple_versions, LintLevel::Warn);
        assert_eq!(config.wildcards, LintLevel::Deny);
        assert_eq!(LintLevel::Allow.severity(), None);
    }

    #[test]
    fn bad_versions_are_config_errors() {
        let err = crate::attest_toml::parse(
            std::path::Path::new("attest.toml"),
            "[bans]\n\ndeny = [{ name = \"openssl\", version = \"not a version\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("attest.toml:3"), "{err}");
        assert!(err.contains("not a semver requirement"), "{err}");
        assert!(toml::from_str::<Config>("deny = [{ name = \"a\", versoin = \"1\" }]").is_err());
    }
}
