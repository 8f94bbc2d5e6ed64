//! The `advisories` and `yanked` rules (being implemented).

use serde::Deserialize;

use crate::error::Result;
use crate::policy::{Finding, PolicyContext, Rule, RuleId};

/// `[advisories]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {}

/// The advisories rule.
pub struct Advisories;

impl Rule for Advisories {
    fn id(&self) -> RuleId {
        RuleId::Advisories
    }

    fn check(&self, _context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}

/// The yanked rule.
pub struct Yanked;

impl Rule for Yanked {
    fn id(&self) -> RuleId {
        RuleId::Yanked
    }

    fn check(&self, _context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}
