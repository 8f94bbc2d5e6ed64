//! The `[ssdf]` section of `attest.toml`: manual evidence and tasks that do not apply.

use std::path::PathBuf;

use serde::Deserialize;

use super::catalog::TaskId;
use crate::config::SectionDef;

/// The `[ssdf]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("ssdf", DEFAULT_CONFIG);

/// The `[ssdf]` section of `attest.toml`, commented, for `cargo attest init`.
pub const DEFAULT_CONFIG: &str = r#"# The SSDF report (`cargo attest ssdf`, and every `cargo attest release`).
# Evidence for tasks no tool can check (threat model, design review, test reports), by SSDF task
# id (PS.1.1 ... PW.9.2). The SHA-256 of each file (relative to the workspace root) is recorded in
# the report; a missing file makes its task "not met".
[ssdf]
manual = []
# manual = [
#   { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model" },
#   { task = "PW.2.1", path = "docs/design-review.md", description = "Security design review" },
#   { task = "PW.8.2", path = "docs/test-report.md", description = "Test plan and results" },
# ]
# Tasks that do not apply, each with a reason.
not-applicable = []
# not-applicable = [
#   { task = "PW.4.2", reason = "No components are developed for reuse outside this project" },
# ]
"#;

/// The `[ssdf]` section of `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Manual evidence files, by task.
    #[serde(default)]
    pub manual: Vec<ManualEvidence>,
    /// Tasks that do not apply, with a reason.
    #[serde(default)]
    pub not_applicable: Vec<NotApplicable>,
}

/// One manual evidence declaration: `{ task = "PW.1.1", path = "…", description = "…" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualEvidence {
    /// The SSDF task it supports.
    pub task: TaskId,
    /// The file, relative to the workspace root (or absolute).
    pub path: PathBuf,
    /// What the file is.
    #[serde(default)]
    pub description: String,
}

/// A task declared not applicable: `{ task = "PW.4.2", reason = "…" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotApplicable {
    /// The SSDF task.
    pub task: TaskId,
    /// Why it does not apply.
    pub reason: String,
}
