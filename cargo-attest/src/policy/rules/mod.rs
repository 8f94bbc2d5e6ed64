//! The policy rules, one module each; [`RULES`] is the registry everything else is derived
//! from. To add a rule, see "Recipe: add a policy rule" in `ARCHITECTURE.md`.

pub mod advisories;
pub mod bans;
pub mod binary_hardening;
pub mod build_settings;
pub mod code;
pub mod licenses;
pub mod lockfile;
pub mod source_control;
pub mod sources;
pub mod yanked;

use super::rule::{RuleDef, RuleId};

/// Every rule, in report order.
pub static RULES: &[&RuleDef] = &[
    &sources::RULE,
    &advisories::RULE,
    &yanked::RULE,
    &licenses::RULE,
    &bans::RULE,
    &lockfile::RULE,
    &source_control::RULE,
    &build_settings::RULE,
    &binary_hardening::RULE,
    &code::RULE,
];

/// Every rule, in report order.
pub fn all() -> impl Iterator<Item = RuleId> {
    RULES.iter().map(|rule| rule.rule_id())
}

/// The rule with this id (`source-control`).
pub fn by_id(id: &str) -> Option<RuleId> {
    all().find(|rule| rule.as_str() == id)
}

/// A rule's position in report order (after every registered rule when it is not one).
pub fn rank(rule: RuleId) -> usize {
    RULES
        .iter()
        .position(|def| def.id == rule.as_str())
        .unwrap_or(RULES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_complete_and_distinct() {
        let mut ids = std::collections::BTreeSet::new();
        for rule in RULES {
            assert!(ids.insert(rule.id), "{} twice", rule.id);
            assert!(
                !rule.name.eq_ignore_ascii_case(&rule.id.replace('-', "")),
                "{}: the SARIF name must say more than the id",
                rule.id
            );
            assert!(
                rule.name.chars().next().is_some_and(char::is_uppercase)
                    && rule.name.chars().all(char::is_alphanumeric),
                "{}: the SARIF name is PascalCase words",
                rule.id
            );
            assert!(!rule.ssdf_tasks.is_empty(), "{}", rule.id);
            for task in rule.ssdf_tasks {
                assert!(
                    crate::ssdf::catalog::task(task).is_some(),
                    "{}: {task}",
                    rule.id
                );
            }
            assert!(!rule.codes.is_empty(), "{}", rule.id);
            assert!(
                rule.help.contains("```toml"),
                "{}: the help has an example",
                rule.id
            );
            assert!(!rule.description.ends_with('.'), "{}", rule.id);
            assert_eq!(by_id(rule.id), Some(rule.rule_id()));
        }
    }

    #[test]
    fn rules_rank_as_registered() {
        let ranks: Vec<usize> = all().map(rank).collect();
        assert_eq!(ranks, (0..RULES.len()).collect::<Vec<_>>());
    }
}
