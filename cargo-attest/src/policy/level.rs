//! A configured severity: `severity = "deny" | "warn"` in a rule's section of `attest.toml`,
//! overriding the rule's default.

use serde::Deserialize;

use super::{PolicyContext, Severity};

/// `deny` or `warn`, as written in `attest.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the check.
    Deny,
    /// Reported only.
    Warn,
}

impl From<Level> for Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Deny => Severity::Deny,
            Level::Warn => Severity::Warn,
        }
    }
}

/// The configured severity, else the context severity (warn; deny under `--strict`).
pub fn severity_or_context(configured: Option<Level>, context: &PolicyContext<'_>) -> Severity {
    configured.map_or_else(|| context.context_severity(), Severity::from)
}
