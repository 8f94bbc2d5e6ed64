//! The `yanked` rule (SSDF PW.4.4): crates.io versions that have been yanked, from the local
//! index cache. Configured by the `yanked` key of `[advisories]`. The rule reference is
//! [`HELP`].

use super::advisories;
use crate::error::Result;
use crate::policy::advisory_db::YankedIndex;
use crate::policy::rule::codes;
use crate::policy::{Finding, Location, PolicyContext, RuleDef, Severity};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "yanked",
    name: "NoYankedVersions",
    ssdf_tasks: &["PW.4.4"],
    description: "no dependency version has been yanked from its registry",
    help: HELP,
    codes: Code::DEFS,
    section: &advisories::SECTION,
    section_keys: Some(&["yanked"]),
    build_time: false,
    enforcing: |config, _| config.get(&advisories::SECTION).yanked.denies(),
    check: Some(check),
};

/// The rule reference.
pub const HELP: &str = r#"Every crates.io crate of the resolved graph is looked up in the local index cache of the
cargo home (sparse and git index caches); a version its registry has yanked is reported
(warn by default). The network is never used: crates the cache does not know are counted in
one `yanked-unknown` finding that says how to refresh the cache.

**Why.** SSDF PW.4.4: a yanked version was withdrawn by its authors, usually for a defect or
a security problem; a release should not ship it.

**How to fix.** Update to a version that is not yanked (`cargo update -p NAME@VERSION`).

```toml
[advisories]
yanked = "deny"
```
"#;

codes! {
    /// The finding codes of the `yanked` rule.
    pub enum Code {
        /// The crate version has been yanked from crates.io.
        Yanked = "yanked",
        /// The local index cache does not know some crates, so whether they are yanked is
        /// unknown.
        YankedUnknown = "yanked-unknown",
    }
}

/// Only the local index cache of the cargo home is read, never the network: for crates the
/// cache does not know, one summary finding (`yanked-unknown`) says how many and how to refresh
/// the cache.
fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let Some(severity) = context.config.get(&advisories::SECTION).yanked.severity() else {
        return Ok(Vec::new());
    };
    let env = &context.options.environment;
    let index = env
        .cargo_home
        .as_deref()
        .map(YankedIndex::crates_io)
        .unwrap_or_default();
    let mut findings = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for component in context
        .graph
        .components()
        .iter()
        .filter(|c| c.source.is_crates_io())
    {
        match index.is_yanked(&component.name, &component.version) {
            Some(true) => findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location: context.locked_at(component),
                code: Code::Yanked.into(),
                message: format!(
                    "{} {} has been yanked from crates.io",
                    component.name, component.version
                ),
                fix: format!(
                    "update to a version that is not yanked (`cargo update -p {}@{}`)",
                    component.name, component.version
                ),
            }),
            Some(false) => {}
            None => unknown.push(format!("{} {}", component.name, component.version)),
        }
    }
    if !unknown.is_empty() {
        const SHOWN: usize = 5;
        let mut list = unknown
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if unknown.len() > SHOWN {
            list.push_str(&format!(", and {} more", unknown.len() - SHOWN));
        }
        let cache = env.cargo_home.as_ref().map_or_else(
            || "no CARGO_HOME".to_owned(),
            |home| home.join("registry").join("index").display().to_string(),
        );
        findings.push(Finding {
            severity: Severity::Warn,
            rule: RULE.rule_id(),
            location: Location::Workspace,
            code: Code::YankedUnknown.into(),
            message: format!(
                "cannot tell whether {} crates.io crate{} {} yanked: the local index cache \
                 ({cache}) has no entry for {} ({list})",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" },
                if unknown.len() == 1 { "is" } else { "are" },
                if unknown.len() == 1 { "it" } else { "them" },
            ),
            fix: "refresh the local index cache with `cargo update --dry-run` or `cargo fetch`, \
                  then check again"
                .to_owned(),
        });
    }
    Ok(findings)
}
