//! The `bans` rule (being implemented).

use serde::Deserialize;

use crate::error::Result;
use crate::policy::{Finding, PolicyContext, Rule, RuleId};

/// `[bans]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {}

/// The rule.
pub struct Bans;

impl Rule for Bans {
    fn id(&self) -> RuleId {
        RuleId::Bans
    }

    fn check(&self, _context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}
