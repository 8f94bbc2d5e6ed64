//! The SSDF report (`cargo attest ssdf`, and `ssdf-report.json` / `ssdf-report.md` in every
//! release): for every PS and PW task of NIST SP 800-218 (SSDF v1.1), a status, an achievement
//! level and the evidence behind them, and a summary for items 2, 3 and 4 of the CISA Secure
//! Software Development Attestation Form.
//!
//! # Inputs
//!
//! [`report`] reads an [`SsdfInput`]: the findings of the policy rules that ran (`cargo attest
//! check`), the configuration in force, the workspace root, whether this is a release, and the
//! digests of release evidence (archives, SBOMs, provenance). It records the SHA-256 of
//! `Cargo.lock`, `attest.toml`, `rust-toolchain.toml` and every manual evidence file declared in
//! the `[ssdf]` section of `attest.toml`:
//!
//! ```toml
//! [ssdf]
//! manual = [
//!   { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model, reviewed 2025-01" },
//! ]
//! not-applicable = [
//!   { task = "PW.4.2", reason = "No components are developed for reuse by other projects" },
//! ]
//! ```
//!
//! # Statuses
//!
//! | status | when |
//! |---|---|
//! | `met` | every rule of the task ran without findings (or, for the release tasks, the release evidence is complete), and every declared manual evidence file exists |
//! | `partial` | only `warn` findings, some supporting rules did not run, or the release evidence is incomplete |
//! | `not-met` | a `deny` finding, no evidence at all, or a declared manual evidence file is missing |
//! | `not-applicable` | declared so in `[ssdf] not-applicable`, with a reason |
//! | `attested-manually` | a task no tool can check, with declared manual evidence whose files exist |
//!
//! # Achievement levels
//!
//! A level is given to tasks that are `met`, `partial` or `attested-manually` (none otherwise):
//!
//! | level | criterion |
//! |---|---|
//! | 1 | evidence exists: a rule ran, or a manual evidence / release file is recorded with its digest (every `partial` and `attested-manually` task stops here) |
//! | 2 | automated and enforced: the task is `met` and a supporting rule is configured at `deny` level (it fails `cargo attest check`), or the release evidence was produced by `cargo attest release` |
//! | 3 | level 2, in a release context (`cargo attest release`, or `--strict` policy) with signed evidence (the signed provenance of the release, or the report signed with `--key`) |
//!
//! # Output
//!
//! [`SsdfReport::to_json`] and [`SsdfReport::to_markdown`] are deterministic: tasks in SSDF
//! order, files and rules sorted, no time unless [`SsdfInput::generated_at`] is given (the CLI
//! uses `SOURCE_DATE_EPOCH` when it is set). `sign` (with the `attest` feature) wraps the JSON
//! report as the predicate of an in-toto Statement v1 ([`PREDICATE_TYPE`]) whose subjects are
//! the evidence files, in a Sigstore bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use cargo_sbom::Timestamp;
use cargo_sbom::digest::Sha256Hex;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

#[cfg(feature = "attest")]
use crate::error::Error;
use crate::error::Result;
#[cfg(feature = "attest")]
use crate::keys::Signer;
use crate::policy::level::Level;
use crate::policy::rules::advisories::AdvisoryLevel;
use crate::policy::{Config as PolicyConfig, Finding, RuleId, Severity};
use crate::statement::ResourceDescriptor;
#[cfg(feature = "attest")]
use crate::statement::{PAYLOAD_TYPE, Statement};

/// The predicate type of a signed SSDF report (owned by this project, versioned).
pub const PREDICATE_TYPE: &str = "https://github.com/cargo-attest/cargo-attest/ssdf-report/v1";

/// The SSDF version the task list follows.
pub const SSDF_VERSION: &str = "NIST SP 800-218 v1.1 (SSDF version 1.1, February 2022)";

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

/// One SSDF task of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDef {
    /// The task id (`PW.4.4`).
    pub id: &'static str,
    /// The practice, `PW.4` with its name.
    pub practice: &'static str,
    /// What the task asks, in short.
    pub title: &'static str,
    /// How the task is evidenced.
    pub kind: TaskKind,
}

/// How a task is evidenced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// By policy rules (those whose [`RuleId::ssdf_tasks`] name the task), plus optional manual
    /// evidence.
    Rules,
    /// By the files of a release (archives, checksums, SBOMs, signed provenance).
    Release,
    /// Only by manual evidence declared in `[ssdf] manual`.
    Manual,
}

/// Every PS and PW task of SSDF v1.1, in document order. (v1.1 withdrew PW.3.1, PW.3.2 and
/// PW.4.3 — moved into PW.4 — so they are not listed.)
pub const TASKS: &[TaskDef] = &[
    TaskDef {
        id: "PS.1.1",
        practice: "PS.1 Protect all forms of code from unauthorized access and tampering",
        title: "Keep all code in repositories that enforce least-privilege access and record every change (version control, signed commits)",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PS.2.1",
        practice: "PS.2 Provide a mechanism for verifying software release integrity",
        title: "Publish integrity information (cryptographic hashes, signatures) that lets acquirers verify a release",
        kind: TaskKind::Release,
    },
    TaskDef {
        id: "PS.3.1",
        practice: "PS.3 Archive and protect each software release",
        title: "Archive each release with its integrity information and provenance so it can be analyzed and reproduced later",
        kind: TaskKind::Release,
    },
    TaskDef {
        id: "PS.3.2",
        practice: "PS.3 Archive and protect each software release",
        title: "Collect, protect and share provenance data for every component of each release (e.g. an SBOM)",
        kind: TaskKind::Release,
    },
    TaskDef {
        id: "PW.1.1",
        practice: "PW.1 Design software to meet security requirements and mitigate security risks",
        title: "Identify and assess the security risks of the software (threat modeling, attack surface)",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.1.2",
        practice: "PW.1 Design software to meet security requirements and mitigate security risks",
        title: "Track and maintain the security requirements, risks and design decisions",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.1.3",
        practice: "PW.1 Design software to meet security requirements and mitigate security risks",
        title: "Prefer well-secured, standardized security features and services over building proprietary ones",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.2.1",
        practice: "PW.2 Review the software design to verify compliance with security requirements and risk information",
        title: "Have a qualified reviewer check that the design meets the security requirements and addresses the identified risks",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.4.1",
        practice: "PW.4 Reuse existing, well-secured software when feasible instead of duplicating functionality",
        title: "Acquire and maintain well-secured third-party components (allowed sources, licenses, banned crates, locked versions)",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.4.2",
        practice: "PW.4 Reuse existing, well-secured software when feasible instead of duplicating functionality",
        title: "Create and maintain well-secured components in-house for reuse where no suitable third-party component exists",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.4.4",
        practice: "PW.4 Reuse existing, well-secured software when feasible instead of duplicating functionality",
        title: "Verify that acquired components meet the requirements throughout their life cycle (known vulnerabilities, yanked versions)",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.5.1",
        practice: "PW.5 Create source code by adhering to secure coding practices",
        title: "Follow secure coding practices suited to the language and environment (lints, no or bounded unsafe code)",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.6.1",
        practice: "PW.6 Configure the compilation, interpreter, and build processes to improve executable security",
        title: "Use compilers and build tools whose features improve executable security (a pinned, current toolchain)",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.6.2",
        practice: "PW.6 Configure the compilation, interpreter, and build processes to improve executable security",
        title: "Decide on, configure and check the compiler and build settings that harden executables",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.7.1",
        practice: "PW.7 Review and/or analyze human-readable code to identify vulnerabilities and verify compliance with security requirements",
        title: "Decide whether and how code review or code analysis is used",
        kind: TaskKind::Rules,
    },
    TaskDef {
        id: "PW.7.2",
        practice: "PW.7 Review and/or analyze human-readable code to identify vulnerabilities and verify compliance with security requirements",
        title: "Perform the code review / analysis and record and triage its results",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.8.1",
        practice: "PW.8 Test executable code to identify vulnerabilities and verify compliance with security requirements",
        title: "Decide whether and how executable code testing is performed",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.8.2",
        practice: "PW.8 Test executable code to identify vulnerabilities and verify compliance with security requirements",
        title: "Scope and design the tests, run them, and document and triage the results",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.9.1",
        practice: "PW.9 Configure software to have secure settings by default",
        title: "Define a secure baseline of the software's configuration settings",
        kind: TaskKind::Manual,
    },
    TaskDef {
        id: "PW.9.2",
        practice: "PW.9 Configure software to have secure settings by default",
        title: "Make the secure baseline the default and document it for administrators",
        kind: TaskKind::Manual,
    },
];

/// The definition of a task id, if it is one of [`TASKS`].
pub fn task(id: &str) -> Option<&'static TaskDef> {
    TASKS.iter().find(|t| t.id == id)
}

/// The rules that give evidence for a task (from [`RuleId::ssdf_tasks`]).
pub fn rules_of(task_id: &str) -> Vec<RuleId> {
    RuleId::ALL
        .into_iter()
        .filter(|rule| rule.ssdf_tasks().contains(&task_id))
        .collect()
}

/// A task id of [`TASKS`], as written in `attest.toml`: anything else is a configuration error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(&'static str);

impl TaskId {
    /// Parses an id of [`TASKS`].
    pub fn parse(text: &str) -> Option<Self> {
        task(text.trim()).map(|t| TaskId(t.id))
    }

    /// The id.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TaskId::parse(&text).ok_or_else(|| {
            let ids: Vec<&str> = TASKS.iter().map(|t| t.id).collect();
            serde::de::Error::custom(format!(
                "unknown SSDF task `{text}`: expected one of {}",
                ids.join(", ")
            ))
        })
    }
}

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

/// Everything [`report`] reads.
#[derive(Clone, Copy, Debug)]
pub struct SsdfInput<'a> {
    /// The findings of the policy rules that ran.
    pub findings: &'a [Finding],
    /// The rules that ran (all of [`RuleId::ALL`] for a full check).
    pub rules: &'a [RuleId],
    /// The policy configuration in force (its `[ssdf]` section declares manual evidence).
    pub config: &'a PolicyConfig,
    /// The configuration file, if one was read.
    pub config_path: Option<&'a Path>,
    /// The workspace root: relative paths (manual evidence, `Cargo.lock`, …) are resolved here.
    pub root: &'a Path,
    /// A release context (`cargo attest release`, `--strict`): context rules deny.
    pub release_context: bool,
    /// Whether the evidence is signed: the release's provenance bundle, or the report itself
    /// (`--key`). Needed for level 3.
    pub signed: bool,
    /// Release evidence (archives, SBOMs, provenance, `SHA256SUMS`): file name and SHA-256.
    pub evidence_files: &'a [(String, Sha256Hex)],
    /// The generation time to record (`SOURCE_DATE_EPOCH`); none: no time in the report.
    pub generated_at: Option<Timestamp>,
}

/// A task's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Fully evidenced.
    Met,
    /// Some evidence, or warnings.
    Partial,
    /// No evidence, a deny finding, or missing declared evidence.
    NotMet,
    /// Declared not applicable.
    NotApplicable,
    /// Evidenced only by declared manual evidence.
    AttestedManually,
}

impl Status {
    /// The id in JSON (`not-met`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partial => "partial",
            Status::NotMet => "not-met",
            Status::NotApplicable => "not-applicable",
            Status::AttestedManually => "attested-manually",
        }
    }

    /// The words in Markdown (`not met`).
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partial => "partial",
            Status::NotMet => "not met",
            Status::NotApplicable => "not applicable",
            Status::AttestedManually => "attested manually",
        }
    }

    /// Counts as satisfied (met, attested manually or not applicable).
    pub fn is_satisfied(self) -> bool {
        matches!(
            self,
            Status::Met | Status::AttestedManually | Status::NotApplicable
        )
    }
}

/// The achievement level criteria, for the report and the documentation.
pub const LEVEL_CRITERIA: [(u8, &str); 3] = [
    (
        1,
        "evidence exists: a rule ran, or a manual evidence or release file is recorded with its digest",
    ),
    (
        2,
        "automated and enforced: met, with a supporting rule configured at deny level (or release evidence produced by cargo attest release)",
    ),
    (
        3,
        "level 2 in a release context with signed evidence (signed provenance, or the report signed with --key)",
    ),
];

/// A file recorded as evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceFile {
    /// The name (workspace-relative path, or the release file name).
    pub name: String,
    /// What it is (`lockfile`, `policy`, `toolchain`, `manual`, `release`).
    pub kind: &'static str,
    /// Its SHA-256; none when the file is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The result of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleResult {
    /// The rule id.
    pub rule: &'static str,
    /// The SSDF tasks it serves.
    pub ssdf: Vec<&'static str>,
    /// Whether it ran.
    pub ran: bool,
    /// Whether it is configured to deny (fail the check) in this context.
    pub enforcing: bool,
    /// Its deny findings.
    pub deny: usize,
    /// Its warn findings.
    pub warn: usize,
    /// Its section of `attest.toml` as written (absent keys take their defaults).
    pub configuration: Value,
}

/// Manual evidence as recorded for a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManualRecord {
    /// The declared path, as written.
    pub path: String,
    /// The declared description.
    pub description: String,
    /// The file's SHA-256; none when it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One task's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskResult {
    /// The task id.
    pub id: &'static str,
    /// Its practice.
    pub practice: &'static str,
    /// What it asks.
    pub title: &'static str,
    /// How it is evidenced.
    pub kind: TaskKind,
    /// The status.
    pub status: Status,
    /// The achievement level (1–3); none when not met or not applicable.
    pub level: Option<u8>,
    /// Why this level (the criterion met).
    pub level_criterion: String,
    /// The supporting rules (ids).
    pub rules: Vec<&'static str>,
    /// Release evidence files used (names).
    pub files: Vec<String>,
    /// Manual evidence.
    pub manual: Vec<ManualRecord>,
    /// Explanations, in order.
    pub notes: Vec<String>,
}

/// A CISA attestation form item and the tasks behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CisaItem {
    /// The item number in section III of the form.
    pub item: &'static str,
    /// What the producer attests, in short.
    pub title: &'static str,
    /// The PS/PW tasks of this report that support it.
    pub tasks: Vec<&'static str>,
    /// Other SSDF tasks the form relates to it (PO, RV): outside this report.
    pub other_tasks: Vec<&'static str>,
    /// Met when every supporting task is satisfied, partial when some are, else not met.
    pub status: Status,
}

/// The SSDF report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsdfReport {
    /// The tasks, in SSDF order.
    pub tasks: Vec<TaskResult>,
    /// The rules, in report order.
    pub rules: Vec<RuleResult>,
    /// The evidence files, sorted by name.
    pub evidence: Vec<EvidenceFile>,
    /// The CISA form items 2, 3 and 4.
    pub cisa: Vec<CisaItem>,
    /// Release context.
    pub release_context: bool,
    /// Signed evidence.
    pub signed: bool,
    /// The configuration file (workspace-relative when inside it).
    pub config_path: Option<String>,
    /// The generation time (RFC 3339), when given.
    pub generated: Option<String>,
}

/// The CISA form items (section III) covered: number, text in short, the PS/PW tasks the form's
/// appendix cites for it, and the other (PO, RV) tasks it cites, outside this report.
const CISA_ITEMS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "2",
        "A good-faith effort is made to maintain trusted source code supply chains: automated tools or comparable processes address the security of internal code and third-party components and manage related vulnerabilities",
        &[
            "PS.1.1", "PS.2.1", "PS.3.1", "PW.4.1", "PW.4.4", "PW.7.1", "PW.8.1",
        ],
        &["PO.1.1", "PO.3.1", "PO.3.2", "PO.5.1", "PO.5.2", "RV.1.1"],
    ),
    (
        "3",
        "Provenance is maintained for internal code and third-party components incorporated into the software, to the greatest extent feasible",
        &["PS.3.1", "PS.3.2", "PW.4.1", "PW.4.4"],
        &["PO.1.3", "PO.3.2", "PO.5.1", "PO.5.2", "RV.1.1", "RV.1.2"],
    ),
    (
        "4",
        "Automated tools or comparable processes check for security vulnerabilities, on an ongoing basis and before every release; discovered vulnerabilities are addressed before release; a vulnerability disclosure program is operated",
        &[
            "PS.1.1", "PW.2.1", "PW.4.4", "PW.5.1", "PW.6.1", "PW.6.2", "PW.7.1", "PW.7.2",
            "PW.8.2", "PW.9.1", "PW.9.2",
        ],
        &[
            "PO.4.1", "PO.4.2", "RV.1.1", "RV.1.2", "RV.1.3", "RV.2.1", "RV.2.2", "RV.3.3",
        ],
    ),
];

/// Builds the report. Reads the digests of `Cargo.lock`, the configuration file,
/// `rust-toolchain.toml` and the declared manual evidence files; never fails (a missing file is
/// recorded as such).
pub fn report(input: &SsdfInput<'_>) -> SsdfReport {
    let rules = rule_results(input);
    let mut evidence: BTreeSet<EvidenceFile> = BTreeSet::new();

    let lockfile = input.root.join("Cargo.lock");
    evidence.insert(EvidenceFile {
        name: "Cargo.lock".into(),
        kind: "lockfile",
        sha256: digest_of(&lockfile),
    });
    let config_path = input
        .config_path
        .map(|path| relative_name(input.root, path));
    if let (Some(path), Some(name)) = (input.config_path, &config_path) {
        evidence.insert(EvidenceFile {
            name: name.clone(),
            kind: "policy",
            sha256: digest_of(&resolve(input.root, path)),
        });
    }
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        let path = input.root.join(name);
        if path.is_file() {
            evidence.insert(EvidenceFile {
                name: name.into(),
                kind: "toolchain",
                sha256: digest_of(&path),
            });
        }
    }
    for (name, digest) in input.evidence_files {
        evidence.insert(EvidenceFile {
            name: name.clone(),
            kind: "release",
            sha256: Some(digest.as_str().to_owned()),
        });
    }

    let mut tasks = Vec::with_capacity(TASKS.len());
    for def in TASKS {
        let manual: Vec<ManualRecord> = input
            .config
            .ssdf
            .manual
            .iter()
            .filter(|m| m.task.as_str() == def.id)
            .map(|m| {
                let sha256 = digest_of(&resolve(input.root, &m.path));
                let path = m.path.to_string_lossy().replace('\\', "/");
                evidence.insert(EvidenceFile {
                    name: path.clone(),
                    kind: "manual",
                    sha256: sha256.clone(),
                });
                ManualRecord {
                    path,
                    description: m.description.clone(),
                    sha256,
                }
            })
            .collect();
        tasks.push(evaluate(def, input, &rules, manual));
    }

    let cisa = CISA_ITEMS
        .iter()
        .map(|(item, title, supporting, other)| {
            let statuses: Vec<Status> = tasks
                .iter()
                .filter(|t| supporting.contains(&t.id))
                .map(|t| t.status)
                .collect();
            let satisfied = statuses.iter().filter(|s| s.is_satisfied()).count();
            let some = statuses.iter().any(|s| *s != Status::NotMet);
            let status = if satisfied == statuses.len() {
                Status::Met
            } else if some {
                Status::Partial
            } else {
                Status::NotMet
            };
            CisaItem {
                item,
                title,
                tasks: supporting.to_vec(),
                other_tasks: other.to_vec(),
                status,
            }
        })
        .collect();

    SsdfReport {
        tasks,
        rules,
        evidence: evidence.into_iter().collect(),
        cisa,
        release_context: input.release_context,
        signed: input.signed,
        config_path,
        generated: input.generated_at.map(Timestamp::rfc3339),
    }
}

/// The result of every rule: ran, enforcing, counts, configuration.
fn rule_results(input: &SsdfInput<'_>) -> Vec<RuleResult> {
    let sections = config_sections(input);
    RuleId::ALL
        .into_iter()
        .map(|rule| {
            let count = |severity: Severity| {
                input
                    .findings
                    .iter()
                    .filter(|f| f.rule == rule && f.severity == severity)
                    .count()
            };
            let section = config_section(rule);
            let mut configuration = sections.get(section).cloned().unwrap_or(json!({}));
            if rule == RuleId::Yanked {
                // Yanked versions are configured by `[advisories] yanked`.
                configuration = configuration
                    .get("yanked")
                    .map(|v| json!({ "yanked": v }))
                    .unwrap_or(json!({}));
            }
            RuleResult {
                rule: rule.as_str(),
                ssdf: rule.ssdf_tasks().to_vec(),
                ran: input.rules.contains(&rule),
                enforcing: enforcing(rule, input.config, input.release_context),
                deny: count(Severity::Deny),
                warn: count(Severity::Warn),
                configuration,
            }
        })
        .collect()
}

/// The `attest.toml` section of a rule.
fn config_section(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Yanked => "advisories",
        other => other.as_str(),
    }
}

/// The sections of the configuration file as written, as JSON (empty without a file or when it
/// cannot be read again).
fn config_sections(input: &SsdfInput<'_>) -> serde_json::Map<String, Value> {
    let Some(path) = input.config_path else {
        return serde_json::Map::new();
    };
    let text = std::fs::read_to_string(resolve(input.root, path)).unwrap_or_default();
    toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|table| serde_json::to_value(table).ok())
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether a rule fails `cargo attest check` on what it finds, in this configuration and context.
pub fn enforcing(rule: RuleId, config: &PolicyConfig, release_context: bool) -> bool {
    let by_level =
        |level: Option<Level>| level.map_or(release_context, |l| matches!(l, Level::Deny));
    match rule {
        // Disallowed sources, denied licenses, banned crates and a missing lockfile always deny.
        RuleId::Sources | RuleId::Licenses | RuleId::Bans | RuleId::Lockfile => true,
        RuleId::Advisories => config.advisories.vulnerability == AdvisoryLevel::Deny,
        RuleId::Yanked => config.advisories.yanked == AdvisoryLevel::Deny,
        RuleId::SourceControl => release_context,
        RuleId::BuildSettings => by_level(config.build_settings.severity),
        RuleId::BinaryHardening => by_level(config.binary_hardening.severity),
        RuleId::Code => by_level(config.code.severity),
    }
}

/// Evaluates one task.
fn evaluate(
    def: &'static TaskDef,
    input: &SsdfInput<'_>,
    rules: &[RuleResult],
    manual: Vec<ManualRecord>,
) -> TaskResult {
    let supporting = rules_of(def.id);
    let mut result = TaskResult {
        id: def.id,
        practice: def.practice,
        title: def.title,
        kind: def.kind,
        status: Status::NotMet,
        level: None,
        level_criterion: String::new(),
        rules: supporting.iter().map(|r| r.as_str()).collect(),
        files: Vec::new(),
        manual,
        notes: Vec::new(),
    };
    let missing: Vec<String> = result
        .manual
        .iter()
        .filter(|m| m.sha256.is_none())
        .map(|m| m.path.clone())
        .collect();
    let manual_ok = !result.manual.is_empty() && missing.is_empty();
    for path in &missing {
        result.notes.push(format!(
            "declared manual evidence {path} does not exist (relative to the workspace root)"
        ));
    }

    if let Some(na) = input
        .config
        .ssdf
        .not_applicable
        .iter()
        .find(|n| n.task.as_str() == def.id)
    {
        result.status = Status::NotApplicable;
        result.notes.push(format!("not applicable: {}", na.reason));
        result.level_criterion = "no level: not applicable".into();
        return result;
    }

    // (status, automated-and-enforced, evidence exists)
    let (status, enforced) = match def.kind {
        TaskKind::Rules => evaluate_rules(&mut result, &supporting, rules, manual_ok),
        TaskKind::Release => evaluate_release(&mut result, input, manual_ok),
        TaskKind::Manual => {
            if manual_ok {
                (Status::AttestedManually, false)
            } else {
                if result.manual.is_empty() {
                    result.notes.push(format!(
                        "no tool checks this task: declare evidence with [ssdf] manual = [{{ task = \"{}\", path = \"…\", description = \"…\" }}] in attest.toml, or mark it not-applicable",
                        def.id
                    ));
                }
                (Status::NotMet, false)
            }
        }
    };
    // A declared manual evidence file that is missing fails the task, whatever else is known.
    result.status = if missing.is_empty() {
        status
    } else {
        Status::NotMet
    };
    let (level, criterion) = match result.status {
        Status::NotMet | Status::NotApplicable => (None, "no level: not met".to_owned()),
        Status::Partial | Status::AttestedManually => (Some(1), LEVEL_CRITERIA[0].1.to_owned()),
        Status::Met if enforced && input.release_context && input.signed => {
            (Some(3), LEVEL_CRITERIA[2].1.to_owned())
        }
        Status::Met if enforced => (Some(2), LEVEL_CRITERIA[1].1.to_owned()),
        Status::Met => (
            Some(1),
            format!(
                "{} (no supporting rule is configured at deny level)",
                LEVEL_CRITERIA[0].1
            ),
        ),
    };
    result.level = level;
    result.level_criterion = if result.status == Status::NotApplicable {
        "no level: not applicable".into()
    } else {
        criterion
    };
    result
}

/// A task evidenced by rules. Returns the status and whether it is enforced.
fn evaluate_rules(
    result: &mut TaskResult,
    supporting: &[RuleId],
    rules: &[RuleResult],
    manual_ok: bool,
) -> (Status, bool) {
    let relevant: Vec<&RuleResult> = rules
        .iter()
        .filter(|r| supporting.iter().any(|s| s.as_str() == r.rule))
        .collect();
    let ran: Vec<&&RuleResult> = relevant.iter().filter(|r| r.ran).collect();
    let deny: usize = ran.iter().map(|r| r.deny).sum();
    let warn: usize = ran.iter().map(|r| r.warn).sum();
    for rule in &relevant {
        if rule.ran {
            result.notes.push(format!(
                "rule {}: {} deny, {} warn finding(s){}",
                rule.rule,
                rule.deny,
                rule.warn,
                if rule.enforcing {
                    ", enforced (deny level)"
                } else {
                    ", report only (warn level)"
                }
            ));
        } else {
            result
                .notes
                .push(format!("rule {}: did not run", rule.rule));
        }
    }
    if ran.is_empty() {
        return if manual_ok {
            (Status::AttestedManually, false)
        } else {
            result
                .notes
                .push("no supporting rule ran and no manual evidence is declared".into());
            (Status::NotMet, false)
        };
    }
    let enforced = ran.iter().any(|r| r.enforcing);
    if deny > 0 {
        (Status::NotMet, enforced)
    } else if warn > 0 || ran.len() < relevant.len() {
        (Status::Partial, enforced)
    } else {
        (Status::Met, enforced)
    }
}

/// A task evidenced by release files. Returns the status and whether it is enforced (the files
/// were produced by `cargo attest release`).
fn evaluate_release(
    result: &mut TaskResult,
    input: &SsdfInput<'_>,
    manual_ok: bool,
) -> (Status, bool) {
    let names: Vec<&str> = input
        .evidence_files
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let is_bundle = |n: &&str| n.ends_with(".sigstore.json");
    let is_sums = |n: &&str| *n == "SHA256SUMS" || n.ends_with("/SHA256SUMS");
    let is_sbom = |n: &&str| n.ends_with(".cdx.json") || n.ends_with(".spdx.json");
    let is_provenance = |n: &&str| n.contains("provenance") && is_bundle(n);
    let is_archive =
        |n: &&str| n.ends_with(".tar.gz") || n.ends_with(".tgz") || n.ends_with(".zip");
    let (required, wanted): (Vec<&str>, &str) = match result.id {
        "PS.2.1" => (
            names
                .iter()
                .copied()
                .filter(|n| is_sums(n) || is_bundle(n))
                .collect(),
            "SHA256SUMS and a signed bundle",
        ),
        "PS.3.1" => (
            names
                .iter()
                .copied()
                .filter(|n| is_archive(n) || is_provenance(n) || is_sums(n))
                .collect(),
            "release archives with SHA256SUMS and signed provenance",
        ),
        _ => (
            names
                .iter()
                .copied()
                .filter(|n| is_sbom(n) || is_provenance(n))
                .collect(),
            "SBOMs (CycloneDX, SPDX) and provenance of every component",
        ),
    };
    let complete = match result.id {
        "PS.2.1" => required.iter().any(is_sums) && required.iter().any(is_bundle),
        "PS.3.1" => {
            input.release_context
                && required.iter().any(is_archive)
                && required.iter().any(is_provenance)
        }
        _ => required.iter().any(is_sbom) && required.iter().any(is_provenance),
    };
    result.files = required.iter().map(|n| (*n).to_owned()).collect();
    result.files.sort();
    let partial_lockfile =
        result.id == "PS.3.2" && input.root.join("Cargo.lock").is_file() && required.is_empty();
    if partial_lockfile {
        result.files.push("Cargo.lock".into());
    }
    if complete {
        return (Status::Met, input.release_context);
    }
    if !required.is_empty() || partial_lockfile {
        result.notes.push(format!(
            "incomplete release evidence: expected {wanted}{}",
            if partial_lockfile {
                " (Cargo.lock records every component's version and checksum)"
            } else {
                ""
            }
        ));
        return (Status::Partial, false);
    }
    if manual_ok {
        return (Status::AttestedManually, false);
    }
    result.notes.push(format!(
        "no release evidence ({wanted}): `cargo attest release` produces it"
    ));
    (Status::NotMet, false)
}

/// The SHA-256 of a file, none when it cannot be read.
fn digest_of(path: &Path) -> Option<String> {
    Sha256Hex::of_file(path).ok().map(|d| d.as_str().to_owned())
}

/// `path` resolved against the workspace root.
fn resolve(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        root.join(path)
    }
}

/// `path` relative to the root when inside it, `/`-separated; else as given.
fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

impl SsdfReport {
    /// Counts by status.
    pub fn summary(&self) -> BTreeMap<&'static str, usize> {
        let mut counts: BTreeMap<&'static str, usize> = [
            Status::Met,
            Status::Partial,
            Status::NotMet,
            Status::NotApplicable,
            Status::AttestedManually,
        ]
        .into_iter()
        .map(|s| (s.as_str(), 0))
        .collect();
        for task in &self.tasks {
            *counts.entry(task.status.as_str()).or_default() += 1;
        }
        counts
    }

    /// The evidence files with a digest, as in-toto subjects (sorted by name).
    pub fn subjects(&self) -> Vec<ResourceDescriptor> {
        self.evidence
            .iter()
            .filter_map(|file| {
                file.sha256
                    .as_ref()
                    .map(|digest| ResourceDescriptor::file(file.name.clone(), digest.clone()))
            })
            .collect()
    }

    /// The report as JSON (the predicate of the signed statement).
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "reportType": PREDICATE_TYPE,
            "framework": { "name": "NIST SP 800-218", "version": "1.1", "scope": "PS and PW tasks" },
            "tool": { "name": "cargo-attest", "version": env!("CARGO_PKG_VERSION") },
            "context": {
                "release": self.release_context,
                "signed": self.signed,
                "configuration": self.config_path,
            },
            "summary": self.summary(),
            "levels": LEVEL_CRITERIA.iter().map(|(level, criterion)| json!({
                "level": level,
                "criterion": criterion,
            })).collect::<Vec<_>>(),
            "tasks": self.tasks.iter().map(|t| json!({
                "id": t.id,
                "practice": t.practice,
                "title": t.title,
                "kind": t.kind,
                "status": t.status,
                "level": t.level,
                "levelCriterion": t.level_criterion,
                "rules": t.rules,
                "files": t.files,
                "manual": t.manual,
                "notes": t.notes,
            })).collect::<Vec<_>>(),
            "rules": self.rules,
            "evidence": self.evidence,
            "cisaAttestationForm": self.cisa.iter().map(|c| json!({
                "item": c.item,
                "title": c.title,
                "status": c.status,
                "ssdfTasks": c.tasks,
                "otherSsdfTasks": c.other_tasks,
            })).collect::<Vec<_>>(),
        });
        if let (Some(time), Value::Object(map)) = (&self.generated, &mut value) {
            map.insert("generated".into(), Value::String(time.clone()));
        }
        value
    }

    /// The report as pretty JSON bytes with a final newline.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(&self.to_json()).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        md.push_str("# SSDF report (NIST SP 800-218 v1.1, PS and PW tasks)\n\n");
        md.push_str(&format!(
            "Generated by cargo-attest {}{}. Context: {}, evidence {}. Configuration: {}.\n\n",
            env!("CARGO_PKG_VERSION"),
            self.generated
                .as_ref()
                .map(|t| format!(" at {t}"))
                .unwrap_or_default(),
            if self.release_context {
                "release"
            } else {
                "development"
            },
            if self.signed { "signed" } else { "unsigned" },
            self.config_path
                .as_deref()
                .map(|p| format!("`{p}`"))
                .unwrap_or_else(|| "built-in defaults".into()),
        ));
        let summary = self.summary();
        md.push_str("| status | tasks |\n|---|---|\n");
        for status in [
            Status::Met,
            Status::AttestedManually,
            Status::Partial,
            Status::NotMet,
            Status::NotApplicable,
        ] {
            md.push_str(&format!(
                "| {} | {} |\n",
                status.label(),
                summary.get(status.as_str()).copied().unwrap_or(0)
            ));
        }

        md.push_str("\n## Tasks\n\n| task | status | level | evidence |\n|---|---|---|---|\n");
        for task in &self.tasks {
            let mut evidence: Vec<String> =
                task.rules.iter().map(|r| format!("rule `{r}`")).collect();
            evidence.extend(task.files.iter().map(|f| format!("`{f}`")));
            evidence.extend(task.manual.iter().map(|m| format!("`{}`", m.path)));
            md.push_str(&format!(
                "| {} {} | {} | {} | {} |\n",
                task.id,
                escape(task.title),
                task.status.label(),
                task.level
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "–".into()),
                if evidence.is_empty() {
                    "–".into()
                } else {
                    evidence.join(", ")
                }
            ));
        }

        md.push_str("\n## Task details\n");
        for task in &self.tasks {
            md.push_str(&format!(
                "\n### {} — {}\n\n{}.\n\n- Status: **{}**; level: {} ({})\n",
                task.id,
                task.status.label(),
                task.title,
                task.status.label(),
                task.level
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "none".into()),
                task.level_criterion
            ));
            for manual in &task.manual {
                md.push_str(&format!(
                    "- Manual evidence `{}`{}: {}\n",
                    manual.path,
                    if manual.description.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", escape(&manual.description))
                    },
                    manual
                        .sha256
                        .as_deref()
                        .map(|d| format!("sha256 `{d}`"))
                        .unwrap_or_else(|| "**missing**".into())
                ));
            }
            for file in &task.files {
                md.push_str(&format!("- Release file `{file}`\n"));
            }
            for note in &task.notes {
                md.push_str(&format!("- {}\n", escape(note)));
            }
        }

        md.push_str("\n## Achievement levels\n\n| level | criterion |\n|---|---|\n");
        for (level, criterion) in LEVEL_CRITERIA {
            md.push_str(&format!("| {level} | {criterion} |\n"));
        }

        md.push_str(
            "\n## Rules\n\n| rule | SSDF | ran | enforced | deny | warn |\n|---|---|---|---|---|---|\n",
        );
        for rule in &self.rules {
            md.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                rule.rule,
                rule.ssdf.join(", "),
                yes_no(rule.ran),
                yes_no(rule.enforcing),
                rule.deny,
                rule.warn
            ));
        }

        md.push_str("\n## Evidence files\n\n| file | kind | sha256 |\n|---|---|---|\n");
        for file in &self.evidence {
            md.push_str(&format!(
                "| `{}` | {} | {} |\n",
                file.name,
                file.kind,
                match (&file.sha256, file.kind) {
                    (Some(digest), _) => format!("`{digest}`"),
                    (None, "release") => "not recorded (the file covers this report)".into(),
                    (None, _) => "**missing**".into(),
                }
            ));
        }

        md.push_str(
            "\n## CISA Secure Software Development Attestation Form\n\n| item | attestation | status | SSDF tasks (this report) | related PO/RV tasks |\n|---|---|---|---|---|\n",
        );
        for item in &self.cisa {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                item.item,
                escape(item.title),
                item.status.label(),
                item.tasks.join(", "),
                item.other_tasks.join(", ")
            ));
        }
        md
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// Escapes `|` for Markdown table cells, and line breaks.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Signs the report: an in-toto Statement v1 with the JSON report as predicate
/// ([`PREDICATE_TYPE`]) and, as subjects, the evidence files with a digest plus `extra_subjects`
/// (e.g. the written report file), as Sigstore bundle v0.3 JSON. Fails when `Cargo.lock` has no
/// digest (it is the one subject every report has).
#[cfg(feature = "attest")]
pub fn sign(
    report: &SsdfReport,
    extra_subjects: &[ResourceDescriptor],
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    if !report
        .evidence
        .iter()
        .any(|f| f.name == "Cargo.lock" && f.sha256.is_some())
    {
        return Err(Error::Usage(
            "cannot sign the SSDF report: Cargo.lock is missing (it is the statement's subject)"
                .into(),
        ));
    }
    let mut subjects = report.subjects();
    for extra in extra_subjects {
        if !subjects.iter().any(|s| s.name == extra.name) {
            subjects.push(extra.clone());
        }
    }
    let statement = Statement::new(subjects, PREDICATE_TYPE, report.to_json());
    let payload = serde_json::to_vec(&statement).map_err(|e| Error::Usage(e.to_string()))?;
    let envelope = crate::envelope::sign(&payload, PAYLOAD_TYPE, signer)?;
    Ok(crate::envelope::bundle_json(envelope, &signer.key_id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::finding::Location;

    fn config(text: &str) -> PolicyConfig {
        PolicyConfig::parse(Path::new("attest.toml"), text).unwrap()
    }

    fn finding(rule: RuleId, severity: Severity) -> Finding {
        Finding {
            severity,
            rule,
            location: Location::Workspace,
            code: "x".into(),
            message: "m".into(),
            fix: "f".into(),
        }
    }

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();
        dir
    }

    fn run(
        root: &Path,
        config: &PolicyConfig,
        findings: &[Finding],
        evidence: &[(String, Sha256Hex)],
        release: bool,
    ) -> SsdfReport {
        report(&SsdfInput {
            findings,
            rules: &RuleId::ALL,
            config,
            config_path: None,
            root,
            release_context: release,
            signed: release,
            evidence_files: evidence,
            generated_at: None,
        })
    }

    fn status(report: &SsdfReport, id: &str) -> (Status, Option<u8>) {
        let task = report.tasks.iter().find(|t| t.id == id).unwrap();
        (task.status, task.level)
    }

    #[test]
    fn every_ps_and_pw_task_is_reported_in_order() {
        let expected = [
            "PS.1.1", "PS.2.1", "PS.3.1", "PS.3.2", "PW.1.1", "PW.1.2", "PW.1.3", "PW.2.1",
            "PW.4.1", "PW.4.2", "PW.4.4", "PW.5.1", "PW.6.1", "PW.6.2", "PW.7.1", "PW.7.2",
            "PW.8.1", "PW.8.2", "PW.9.1", "PW.9.2",
        ];
        let dir = workspace();
        let report = run(dir.path(), &config(""), &[], &[], false);
        let ids: Vec<&str> = report.tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids, expected);
        // Every rule's tasks are tasks of the report.
        for rule in RuleId::ALL {
            for id in rule.ssdf_tasks() {
                assert!(task(id).is_some(), "{id} of {}", rule.as_str());
            }
        }
        let items: Vec<&str> = report.cisa.iter().map(|c| c.item).collect();
        assert_eq!(items, ["2", "3", "4"]);
        for item in &report.cisa {
            for id in &item.tasks {
                assert!(task(id).is_some(), "{id}");
            }
        }
    }

    #[test]
    fn statuses_follow_the_findings() {
        let dir = workspace();
        let config = config("");
        let findings = [
            finding(RuleId::Advisories, Severity::Deny),
            finding(RuleId::Code, Severity::Warn),
        ];
        let report = run(dir.path(), &config, &findings, &[], false);
        assert_eq!(status(&report, "PW.4.4"), (Status::NotMet, None));
        assert_eq!(status(&report, "PW.5.1"), (Status::Partial, Some(1)));
        // Sources, licenses, bans and the lockfile always deny: automated and enforced.
        assert_eq!(status(&report, "PW.4.1"), (Status::Met, Some(2)));
        // Build settings warn outside a release: met, level 1.
        assert_eq!(status(&report, "PW.6.1"), (Status::Met, Some(1)));
        assert_eq!(status(&report, "PW.1.1"), (Status::NotMet, None));
        assert_eq!(status(&report, "PS.2.1"), (Status::NotMet, None));
        let advisories = report
            .rules
            .iter()
            .find(|r| r.rule == "advisories")
            .unwrap();
        assert_eq!((advisories.deny, advisories.warn), (1, 0));
        assert!(advisories.enforcing);
    }

    #[test]
    fn rules_that_did_not_run_give_no_evidence() {
        let dir = workspace();
        let config = config("");
        let report = report(&SsdfInput {
            findings: &[],
            rules: &[RuleId::Code],
            config: &config,
            config_path: None,
            root: dir.path(),
            release_context: false,
            signed: false,
            evidence_files: &[],
            generated_at: None,
        });
        assert_eq!(status(&report, "PW.4.4").0, Status::NotMet);
        assert_eq!(status(&report, "PW.5.1").0, Status::Met);
        assert_eq!(status(&report, "PW.6.2").0, Status::NotMet);
    }

    #[test]
    fn release_context_with_signed_evidence_reaches_level_3() {
        let dir = workspace();
        let config = config("[build-settings]\nseverity = \"deny\"\n");
        let digest = Sha256Hex::digest(b"x");
        let evidence: Vec<(String, Sha256Hex)> = [
            "demo-1.0.0-x86_64-unknown-linux-gnu.tar.gz",
            "demo-1.0.0.provenance.sigstore.json",
            "demo-1.0.0.cdx.json",
            "demo-1.0.0.spdx.json",
            "SHA256SUMS",
        ]
        .into_iter()
        .map(|n| (n.to_owned(), digest.clone()))
        .collect();
        let report = run(dir.path(), &config, &[], &evidence, true);
        assert_eq!(status(&report, "PW.6.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.2.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.3.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.3.2"), (Status::Met, Some(3)));
        let cisa3 = report.cisa.iter().find(|c| c.item == "3").unwrap();
        assert_eq!(cisa3.status, Status::Met);
        assert!(
            report
                .evidence
                .iter()
                .any(|f| f.name == "SHA256SUMS" && f.kind == "release")
        );
        // Outside a release the same files are incomplete for PS.3.1 and not enforced.
        let report = run(dir.path(), &config, &[], &evidence, false);
        assert_eq!(status(&report, "PS.3.1").0, Status::Partial);
        assert_eq!(status(&report, "PS.2.1"), (Status::Met, Some(1)));
    }

    #[test]
    fn manual_evidence_is_digested_and_a_missing_file_is_not_met() {
        let dir = workspace();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/threat-model.md"), "threats\n").unwrap();
        let config = config(
            r#"[ssdf]
manual = [
  { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model" },
  { task = "PW.2.1", path = "docs/missing.md", description = "Design review" },
  { task = "PW.4.4", path = "docs/missing.md", description = "Audit" },
]
not-applicable = [{ task = "PW.4.2", reason = "nothing for reuse" }]
"#,
        );
        let report = run(dir.path(), &config, &[], &[], false);
        assert_eq!(
            status(&report, "PW.1.1"),
            (Status::AttestedManually, Some(1))
        );
        let pw11 = report.tasks.iter().find(|t| t.id == "PW.1.1").unwrap();
        assert_eq!(
            pw11.manual[0].sha256.as_deref(),
            Some(Sha256Hex::digest(b"threats\n").as_str())
        );
        assert_eq!(status(&report, "PW.2.1"), (Status::NotMet, None));
        let pw21 = report.tasks.iter().find(|t| t.id == "PW.2.1").unwrap();
        assert!(
            pw21.notes
                .iter()
                .any(|n| n.contains("docs/missing.md does not exist"))
        );
        // A missing declared file fails even a task whose rules pass.
        assert_eq!(status(&report, "PW.4.4").0, Status::NotMet);
        assert_eq!(status(&report, "PW.4.2"), (Status::NotApplicable, None));
        let manual = report
            .evidence
            .iter()
            .find(|f| f.name == "docs/threat-model.md")
            .unwrap();
        assert_eq!(manual.kind, "manual");
        assert!(
            report
                .evidence
                .iter()
                .any(|f| f.name == "docs/missing.md" && f.sha256.is_none())
        );
    }

    #[test]
    fn unknown_tasks_and_keys_are_config_errors_with_file_and_line() {
        let err = PolicyConfig::parse(
            Path::new("attest.toml"),
            "[ssdf]\n\nmanual = [{ task = \"PW.3.1\", path = \"x\", description = \"y\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("attest.toml:3"), "{err}");
        assert!(err.contains("unknown SSDF task `PW.3.1`"), "{err}");
        let err = PolicyConfig::parse(
            Path::new("attest.toml"),
            "[ssdf]\nmanual = [{ task = \"PW.1.1\", file = \"x\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("attest.toml:2"), "{err}");
        assert!(err.contains("file"), "{err}");
        let err = PolicyConfig::parse(Path::new("attest.toml"), "[ssdf]\nmanuals = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("manuals"), "{err}");
        // The default section parses to the defaults.
        let parsed = PolicyConfig::parse(Path::new("attest.toml"), DEFAULT_CONFIG).unwrap();
        assert!(parsed.ssdf.manual.is_empty() && parsed.ssdf.not_applicable.is_empty());
    }

    #[test]
    fn output_is_deterministic_and_timed_only_when_asked() {
        let dir = workspace();
        std::fs::write(dir.path().join("b.md"), "b").unwrap();
        std::fs::write(dir.path().join("a.md"), "a").unwrap();
        let config = config(
            "[ssdf]\nmanual = [{ task = \"PW.8.2\", path = \"b.md\", description = \"tests\" }, { task = \"PW.1.2\", path = \"a.md\", description = \"reqs\" }]\n",
        );
        let findings = [finding(RuleId::Bans, Severity::Warn)];
        let first = run(dir.path(), &config, &findings, &[], false);
        let second = run(dir.path(), &config, &findings, &[], false);
        assert_eq!(first.to_json_bytes(), second.to_json_bytes());
        assert_eq!(first.to_markdown(), second.to_markdown());
        let json = first.to_json();
        assert!(json.get("generated").is_none());
        let names: Vec<&str> = first.evidence.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(json["tasks"].as_array().unwrap().len(), TASKS.len());
        assert_eq!(json["summary"]["attested-manually"], 2);
        let md = first.to_markdown();
        assert!(md.contains("| PW.8.2 "), "{md}");
        assert!(md.contains("CISA Secure Software Development Attestation Form"));

        let timed = report(&SsdfInput {
            findings: &findings,
            rules: &RuleId::ALL,
            config: &config,
            config_path: None,
            root: dir.path(),
            release_context: false,
            signed: false,
            evidence_files: &[],
            generated_at: Some(Timestamp::from_source_date_epoch("1700000000").unwrap()),
        });
        assert_eq!(timed.to_json()["generated"], "2023-11-14T22:13:20Z");
    }

    #[test]
    #[cfg(feature = "attest")]
    fn the_signed_statement_has_the_evidence_as_subjects() {
        let dir = workspace();
        let config = config("");
        let report = run(dir.path(), &config, &[], &[], false);
        let key = crate::keys::SigningKey::generate(crate::keys::KeyAlgorithm::Ed25519);
        let extra = ResourceDescriptor::file("ssdf.md", Sha256Hex::digest(b"md").as_str());
        let bundle = sign(&report, &[extra], &key).unwrap();
        let document = crate::envelope::parse_signed(Path::new("ssdf.sigstore.json"), &bundle)
            .unwrap_or_else(|_| panic!("not a bundle"));
        let verified = crate::verify::verify(
            &document,
            &key.verifying_key(),
            &[crate::verify::Artifact {
                name: "Cargo.lock".into(),
                sha256: Sha256Hex::digest(b"version = 4\n").as_str().to_owned(),
            }],
            &crate::verify::Expectations {
                predicate_type: Some(PREDICATE_TYPE.into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(verified.subject_count, 2);

        let empty = tempfile::tempdir().unwrap();
        let report = run(empty.path(), &config, &[], &[], false);
        assert!(sign(&report, &[], &key).is_err());
    }
}
