//! What a policy rule declares about itself ([`RuleDef`]), and its typed id ([`RuleId`]).
//!
//! Each rule module under [`super::rules`] owns one `pub static RULE: RuleDef`; the registry
//! [`super::rules::RULES`] lists them in report order. Everything else is derived from it: the
//! rules that run, the sections `cargo attest init` writes, the SSDF mapping and enforcement,
//! the build-time set, the SARIF rule metadata and the rule reference (`docs/rules/`).

use serde::Serialize;

use super::context::PolicyContext;
use super::finding::{CodeDef, Finding};
use super::rules::RULES;
use crate::config::{AnySection, Config};
use crate::error::Result;

/// Everything about one rule.
pub struct RuleDef {
    /// The id as written in configuration, reports and on the command line (`source-control`).
    pub id: &'static str,
    /// The SARIF `name`: PascalCase words that say what the rule wants (`CleanSourceControl`).
    pub name: &'static str,
    /// The NIST SP 800-218 (SSDF v1.1) tasks the rule gives evidence for.
    pub ssdf_tasks: &'static [&'static str],
    /// One line: what holds when the rule passes.
    pub description: &'static str,
    /// The rule reference, Markdown: what it checks, why, how to fix a finding, an example.
    pub help: &'static str,
    /// Every code its findings carry, with its meaning.
    pub codes: &'static [CodeDef],
    /// The section of `attest.toml` that configures it.
    pub section: &'static dyn AnySection,
    /// The keys of `section` that configure this rule, when it shares the section with another
    /// rule (`yanked` in `[advisories]`); `None`: the whole section.
    pub section_keys: Option<&'static [&'static str]>,
    /// Whether the build-time hook (`build_hooks::Policy`) runs it.
    pub build_time: bool,
    /// Whether its findings fail `cargo attest check` in this configuration and context
    /// (`true`: release context), for the SSDF report's "enforced" and level 2.
    pub enforcing: fn(&Config, bool) -> bool,
    /// The check; `None` when this build of the library lacks what it needs (the `git` or
    /// `attest` feature).
    pub check: Option<fn(&PolicyContext<'_>) -> Result<Vec<Finding>>>,
}

impl RuleDef {
    /// This rule's id.
    pub const fn rule_id(&'static self) -> RuleId {
        RuleId(self)
    }

    /// Runs the rule's check (nothing when this build cannot run it), findings unsorted.
    pub fn run(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        match self.check {
            Some(check) => check(context),
            None => Ok(Vec::new()),
        }
    }
}

/// A rule, by id: compared and printed as its id, ordered as the registry lists the rules.
#[derive(Clone, Copy)]
pub struct RuleId(&'static RuleDef);

impl RuleId {
    /// The id (`source-control`).
    pub fn as_str(self) -> &'static str {
        self.0.id
    }

    /// Everything the rule declares.
    pub fn def(self) -> &'static RuleDef {
        self.0
    }

    /// The rule with this id.
    pub fn parse(text: &str) -> Option<RuleId> {
        RULES
            .iter()
            .find(|rule| rule.id == text)
            .map(|rule| rule.rule_id())
    }

    /// Every rule, in report order.
    pub fn all() -> impl Iterator<Item = RuleId> {
        RULES.iter().map(|rule| rule.rule_id())
    }

    /// The rule's position in the registry (report order).
    fn position(self) -> usize {
        RULES
            .iter()
            .position(|rule| rule.id == self.0.id)
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Debug for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for RuleId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RuleId {}

impl std::hash::Hash for RuleId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.position(), self.as_str()).cmp(&(other.position(), other.as_str()))
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
