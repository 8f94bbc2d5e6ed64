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

/// Every rule this build of the library can run, in report order: `source-control` needs the
/// `git` feature and `binary-hardening` the `attest` feature.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(sources::Sources),
        Box::new(advisories::Advisories),
        Box::new(advisories::Yanked),
        Box::new(licenses::Licenses),
        Box::new(bans::Bans),
        Box::new(lockfile::Lockfile),
        #[cfg(feature = "git")]
        Box::new(source_control::SourceControl),
        Box::new(build_settings::BuildSettings),
        #[cfg(feature = "attest")]
        Box::new(binary_hardening::BinaryHardening),
        Box::new(code::Code),
    ]
}
