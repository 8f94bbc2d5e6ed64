//! How bad a finding is ([`Severity`]), and the one configured level of every rule and kind of
//! finding ([`LintLevel`]: `"deny"`, `"warn"` or `"allow"` in `attest.toml`, cargo-deny's lint
//! levels).

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails the check (exit 1).
    Deny,
    /// Reported; the check still passes.
    Warn,
}

impl Severity {
    /// `deny` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Warn => "warn",
        }
    }
}

/// How a kind of finding is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintLevel {
    /// A finding that fails the check (exit 1).
    Deny,
    /// A finding that is reported only.
    Warn,
    /// Not reported.
    Allow,
}

impl LintLevel {
    /// The severity of a finding at this level; `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            LintLevel::Deny => Some(Severity::Deny),
            LintLevel::Warn => Some(Severity::Warn),
            LintLevel::Allow => None,
        }
    }

    /// Whether findings at this level fail the check.
    pub fn denies(self) -> bool {
        self == LintLevel::Deny
    }
}

/// The severity of a rule whose level is optional (`severity = …` of the context rules): the
/// configured level, else `context` (the context severity: warn, deny under `--strict`). `None`
/// when the rule is set to `allow`.
pub fn severity_or_context(configured: Option<LintLevel>, context: Severity) -> Option<Severity> {
    configured.map_or(Some(context), LintLevel::severity)
}

/// Whether a rule with an optional level denies: the level, else the release context.
pub fn denies_or_context(configured: Option<LintLevel>, release_context: bool) -> bool {
    configured.map_or(release_context, LintLevel::denies)
}
