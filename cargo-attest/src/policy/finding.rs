//! Findings: what a rule found, where, how bad, which SSDF task it serves, and how to fix it.

use serde::Serialize;

/// The rules, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    /// Allowed registries, git sources, path dependencies.
    Sources,
    /// RustSec advisories (vulnerabilities, unmaintained, unsound, notices).
    Advisories,
    /// Yanked crate versions.
    Yanked,
    /// License expressions against allow/deny lists.
    Licenses,
    /// Denied crates, duplicate versions, wildcard requirements.
    Bans,
    /// Cargo.lock present, tracked, consistent, with checksums.
    Lockfile,
    /// Clean tree, signed commit, tag.
    SourceControl,
    /// Release profile, RUSTFLAGS, pinned toolchain.
    BuildSettings,
    /// PIE, RELRO, NX, … of built binaries.
    BinaryHardening,
    /// Workspace lints and `unsafe` code.
    Code,
}

impl RuleId {
    /// The id as written in configuration and reports (`source-control`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Sources => "sources",
            RuleId::Advisories => "advisories",
            RuleId::Yanked => "yanked",
            RuleId::Licenses => "licenses",
            RuleId::Bans => "bans",
            RuleId::Lockfile => "lockfile",
            RuleId::SourceControl => "source-control",
            RuleId::BuildSettings => "build-settings",
            RuleId::BinaryHardening => "binary-hardening",
            RuleId::Code => "code",
        }
    }

    /// The NIST SP 800-218 (SSDF v1.1) tasks the rule gives evidence for.
    pub fn ssdf_tasks(self) -> &'static [&'static str] {
        match self {
            RuleId::Sources | RuleId::Licenses | RuleId::Bans => &["PW.4.1"],
            RuleId::Advisories | RuleId::Yanked => &["PW.4.4"],
            RuleId::Lockfile => &["PW.4.1", "PS.1.1"],
            RuleId::SourceControl => &["PS.1.1"],
            RuleId::BuildSettings => &["PW.6.1", "PW.6.2"],
            RuleId::BinaryHardening => &["PW.6.2"],
            RuleId::Code => &["PW.5.1", "PW.7.1"],
        }
    }

    /// A one-line description.
    pub fn description(self) -> &'static str {
        match self {
            RuleId::Sources => {
                "dependencies come only from allowed registries and pinned git sources"
            }
            RuleId::Advisories => "no dependency is affected by a RustSec advisory",
            RuleId::Yanked => "no dependency version has been yanked from its registry",
            RuleId::Licenses => "every dependency's license is allowed",
            RuleId::Bans => "no denied crate, duplicate versions or wildcard requirements",
            RuleId::Lockfile => "Cargo.lock is present, tracked, up to date and has checksums",
            RuleId::SourceControl => "the release is built from a clean, signed, tagged commit",
            RuleId::BuildSettings => {
                "the release profile and compiler flags are hardened and the toolchain pinned"
            }
            RuleId::BinaryHardening => "built binaries have PIE, full RELRO, NX and no RPATH",
            RuleId::Code => "workspace lints forbid unsafe code, or its amount stays within bounds",
        }
    }

    /// Every rule, in report order.
    pub const ALL: [RuleId; 10] = [
        RuleId::Sources,
        RuleId::Advisories,
        RuleId::Yanked,
        RuleId::Licenses,
        RuleId::Bans,
        RuleId::Lockfile,
        RuleId::SourceControl,
        RuleId::BuildSettings,
        RuleId::BinaryHardening,
        RuleId::Code,
    ];
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails the check (exit 1).
    Deny,
    /// Reported; the check still passes.
    Warn,
}

impl Severity {
    /// `deny` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Warn => "warn",
        }
    }
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// A crate of the graph.
    Crate {
        /// Its name.
        name: String,
        /// Its version.
        version: String,
        /// Its source (`crates.io`, a registry URL, `git+URL#commit`, or a workspace-relative path).
        source: String,
        /// Where it is declared, when known: a file relative to the workspace root and a line.
        #[serde(skip_serializing_if = "Option::is_none")]
        declared_at: Option<FileLine>,
    },
    /// A file (relative to the workspace root), optionally at a line.
    File(FileLine),
    /// The workspace as a whole.
    Workspace,
}

/// A file relative to the workspace root and an optional 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileLine {
    /// The file, relative to the workspace root, `/`-separated.
    pub path: String,
    /// The 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One thing a rule found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// Deny or warn.
    pub severity: Severity,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub location: Location,
    /// A short code within the rule (e.g. an advisory id, `wildcard`, `not-pie`).
    pub code: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    /// The SSDF tasks of the finding's rule.
    pub fn ssdf_tasks(&self) -> &'static [&'static str] {
        self.rule.ssdf_tasks()
    }
}

impl Location {
    /// The location of a component of the graph (no declaration line).
    pub fn of_component(component: &cargo_sbom::Component) -> Self {
        use cargo_sbom::ComponentSource;
        let source = match &component.source {
            ComponentSource::Registry {
                crates_io: true, ..
            } => "crates.io".to_owned(),
            ComponentSource::Registry { index, .. } => index.clone(),
            ComponentSource::Git { url, commit } => format!("git+{url}#{commit}"),
            ComponentSource::Workspace { path } | ComponentSource::Path { path } => path.clone(),
        };
        Location::Crate {
            name: component.name.clone(),
            version: component.version.clone(),
            source,
            declared_at: None,
        }
    }

    /// The same location with the line where the crate is declared.
    pub fn declared_at(self, at: Option<FileLine>) -> Self {
        match self {
            Location::Crate {
                name,
                version,
                source,
                ..
            } => Location::Crate {
                name,
                version,
                source,
                declared_at: at,
            },
            other => other,
        }
    }
}
