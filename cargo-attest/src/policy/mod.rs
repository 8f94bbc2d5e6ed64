//! The SSDF PW/PS policy gate of `cargo attest check`: rules, findings, reports.
//!
//! Every rule is an independent module under [`rules`] that declares everything about itself in
//! a [`RuleDef`] (id, SSDF tasks, help, codes, configuration section, enforcement, build-time
//! use); [`rules::RULES`] lists them. [`run()`] feeds them the one resolved graph of the
//! `cargo_sbom` library through a [`PolicyContext`]; each returns [`Finding`]s, and one
//! reporter ([`report`]) renders them as text, JSON or SARIF.

pub mod advisory_db;
pub mod context;
pub mod docs;
pub mod level;
pub mod locate;
pub mod location;
pub mod report;
pub mod rule;
pub mod rules;
pub mod run;
pub mod unsafe_count;

pub use crate::config::Config;
pub use context::{PolicyContext, PolicyOptions};
pub use level::{LintLevel, Severity};
pub use location::{FileLine, Location};
pub use rule::{Finding, FindingCode, RuleDef, RuleId};
pub use run::{PolicyRun, WorkspaceCheck, check_workspace, load_workspace, run};
