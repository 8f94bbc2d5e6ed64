//! The policy rules, one module each.

pub mod advisories;
pub mod bans;
pub mod binary_hardening;
pub mod build_settings;
pub mod code;
pub mod licenses;
pub mod lockfile;
pub mod source_control;
pub mod sources;

use super::Rule;

/// Every rule, in report order.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(sources::Sources),
        Box::new(advisories::Advisories),
        Box::new(advisories::Yanked),
        Box::new(licenses::Licenses),
        Box::new(bans::Bans),
        Box::new(lockfile::Lockfile),
        Box::new(source_control::SourceControl),
        Box::new(build_settings::BuildSettings),
        Box::new(binary_hardening::BinaryHardening),
        Box::new(code::Code),
    ]
}
