//! The SSDF PW/PS policy gate of `cargo attest check`: configuration, rules, findings, reports.
//!
//! Every rule is an independent module under [`rules`] fed by the one resolved graph of the
//! `cargo_sbom` library (and, for some rules, files of the workspace); each returns
//! [`Finding`]s, and one reporter ([`report`]) renders them as text, JSON or SARIF.

pub mod advisory_db;
#[cfg(feature = "attest")]
pub mod binary;
pub mod config;
pub mod finding;
pub mod init;
pub mod level;
pub mod manifest;
pub mod report;
pub mod rules;
pub mod run;
pub mod unsafe_count;

use std::path::{Path, PathBuf};

use cargo_sbom::{ResolvedGraph, Workspace};

pub use config::Config;
pub use finding::{Finding, Location, RuleId, Severity};
pub use run::{load_workspace, run_rules};

use crate::error::Result;

/// Everything a rule may read. Built once per run.
pub struct PolicyContext<'a> {
    /// The loaded workspace (package graph, manifests).
    pub workspace: &'a Workspace,
    /// The resolved graph of the selected packages, target and features.
    pub graph: &'a ResolvedGraph,
    /// The policy configuration.
    pub config: &'a Config,
    /// Where the configuration came from (for messages), if a file.
    pub config_path: Option<PathBuf>,
    /// Release context (`--strict`, `cargo attest release`): context rules deny instead of warn.
    pub strict: bool,
    /// Never touch the network.
    pub offline: bool,
    /// `--advisory-db PATH`, overriding the configuration.
    pub advisory_db: Option<PathBuf>,
    /// `--binary FILE…` for the binary-hardening rule.
    pub binaries: Vec<PathBuf>,
}

impl PolicyContext<'_> {
    /// The workspace root.
    pub fn root(&self) -> &Path {
        self.workspace.root()
    }

    /// The severity of a rule that depends on release context: `deny` under `--strict`,
    /// `warn` otherwise.
    pub fn context_severity(&self) -> Severity {
        if self.strict {
            Severity::Deny
        } else {
            Severity::Warn
        }
    }
}

/// A policy rule: reads the context, returns findings. An `Err` is an input or configuration
/// error (exit 2), never a policy violation.
pub trait Rule {
    /// The rule's id.
    fn id(&self) -> RuleId;
    /// Runs the rule.
    fn check(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>>;
}

/// Runs every rule and returns all findings, sorted (deny first, then by rule and subject).
pub fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for rule in rules::all() {
        findings.extend(rule.check(context)?);
    }
    findings.sort();
    Ok(findings)
}
