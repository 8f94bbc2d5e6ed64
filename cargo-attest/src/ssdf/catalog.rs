//! The SSDF task catalogue this report follows (NIST SP 800-218 v1.1, PS and PW tasks), the
//! achievement level criteria and the CISA attestation form items: data, no evaluation.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The framework the task list follows, as reports name it.
pub const FRAMEWORK: &str = "NIST SP 800-218";
/// Its version (SSDF version 1.1, February 2022).
pub const FRAMEWORK_VERSION: &str = "1.1";
/// The part of it the report covers.
pub const SCOPE: &str = "PS and PW tasks";

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
    /// By policy rules (those whose `ssdf_tasks` name the task), plus optional manual
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

/// The CISA form items (section III) covered: number, text in short, the PS/PW tasks the form's
/// appendix cites for it, and the other (PO, RV) tasks it cites, outside this report.
pub const CISA_ITEMS: &[(&str, &str, &[&str], &[&str])] = &[
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
