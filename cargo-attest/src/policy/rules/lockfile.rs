//! The `lockfile` rule (being implemented).

use serde::Deserialize;

use crate::error::Result;
use crate::policy::{Finding, PolicyContext, Rule, RuleId};

/// `[lockfile]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {}

/// The rule.
pub struct Lockfile;

impl Rule for Lockfile {
    fn id(&self) -> RuleId {
        RuleId::Lockfile
    }

    fn check(&self, _context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}
