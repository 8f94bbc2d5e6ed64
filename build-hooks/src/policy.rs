//! The SSDF policy of `attest.toml`, enforced while `cargo build` runs the build script.
//!
//! The rules that declare themselves fit for build time ([`build_time_rules`]: `sources`,
//! `advisories` (only when a RustSec database is available offline), `licenses`, `bans` and
//! `lockfile`) run from the same code as `cargo attest check` ([`cargo_attest::policy::run()`])
//! and on the same `attest.toml` (the workspace root's), for the package being built with its
//! enabled features and target. Nothing is fetched and nothing is written (the build script's
//! own `OUT_DIR` included).

use std::collections::BTreeSet;
use std::path::PathBuf;

use cargo_attest::config::Config;
use cargo_attest::policy::rules::advisories;
use cargo_attest::policy::{self, Finding, Location, PolicyOptions, RuleId, Severity};

use crate::env::{BuildEnv, EnvError};

/// The environment variable naming a local RustSec advisory database (a checkout of
/// `rustsec/advisory-db`) for the build-time check; it overrides `[advisories] db-path`.
pub const ADVISORY_DB_ENV: &str = "CARGO_ATTEST_ADVISORY_DB";

/// The rules run at build time (those whose definition says so), in report order.
pub fn build_time_rules() -> Vec<RuleId> {
    cargo_attest::policy::rules::all()
        .filter(|rule| rule.def().build_time)
        .collect()
}

/// The policy of `attest.toml`, checked during the build.
#[derive(Debug)]
pub struct Policy {
    env: Result<BuildEnv, EnvError>,
    advisory_db: Option<PathBuf>,
}

/// Why [`Policy::enforce`] failed. Its `Display` (and `Debug`, so that `.unwrap()` in a
/// build script prints it as is) is one line.
pub enum PolicyError {
    /// Not running as a build script.
    Env(EnvError),
    /// The workspace, the configuration or an input could not be read.
    Check(cargo_attest::Error),
    /// The policy denies the build.
    Denied {
        /// The package being built.
        package: String,
        /// The deny findings.
        findings: Vec<Finding>,
    },
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Env(e) => write!(f, "build_hooks::Policy: {e}"),
            PolicyError::Check(e) => {
                let text = e.to_string();
                let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                write!(
                    f,
                    "build_hooks::Policy could not check the build: {one_line}"
                )
            }
            PolicyError::Denied { package, findings } => {
                // In report order (the registry's), each once.
                let mut rules: Vec<RuleId> = findings.iter().map(|f| f.rule).collect();
                rules.sort_by_key(|rule| policy::rules::rank(*rule));
                rules.dedup();
                let mut tasks: Vec<&str> = Vec::new();
                for task in rules
                    .iter()
                    .flat_map(|r| r.def().ssdf_tasks.iter().copied())
                {
                    if !tasks.contains(&task) {
                        tasks.push(task);
                    }
                }
                let subjects: BTreeSet<String> = findings.iter().map(subject).collect();
                let shown: Vec<&str> = subjects.iter().take(5).map(String::as_str).collect();
                let more = subjects.len().saturating_sub(shown.len());
                write!(
                    f,
                    "attest.toml denies building `{package}`: {} deny finding{} on {}{} \
                     (rule{} {}; SSDF {}); see the cargo:warning lines, or run `cargo attest check`",
                    findings.len(),
                    if findings.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    },
                    if rules.len() == 1 { "" } else { "s" },
                    rules
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    tasks.join(", "),
                )
            }
        }
    }
}

impl std::fmt::Debug for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for PolicyError {}

impl From<cargo_attest::Error> for PolicyError {
    fn from(e: cargo_attest::Error) -> Self {
        PolicyError::Check(e)
    }
}

impl From<cargo_sbom::Error> for PolicyError {
    fn from(e: cargo_sbom::Error) -> Self {
        PolicyError::Check(e.into())
    }
}

/// What a passing check found (warnings only).
#[derive(Debug)]
pub struct Outcome {
    /// Every finding (none denies).
    pub findings: Vec<Finding>,
    /// The rules that ran.
    pub rules: Vec<RuleId>,
}

impl Policy {
    /// Reads the build script's environment (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, `TARGET`,
    /// `CARGO_FEATURE_*`, `CARGO_ATTEST_ADVISORY_DB`). Errors surface in [`Policy::enforce`].
    pub fn from_env() -> Self {
        Self {
            env: BuildEnv::from_env(),
            advisory_db: std::env::var_os(ADVISORY_DB_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// Runs the build-time rules, prints every finding as a `cargo:warning=` line, and returns
    /// `Err` when one denies. Prints the `cargo:rerun-if-*` lines that make cargo run the
    /// check again when the policy, the lockfile or a local manifest changes.
    pub fn enforce(self) -> Result<Outcome, PolicyError> {
        let env = self.env.map_err(PolicyError::Env)?;
        println!("cargo:rerun-if-env-changed={ADVISORY_DB_ENV}");
        let workspace = env.load_workspace()?;
        let root = workspace.root().to_owned();
        let lockfile = root.join("Cargo.lock");
        println!("cargo:rerun-if-changed={}", lockfile.display());
        let config = cargo_attest::attest_toml::load(None, &root)?;
        if let Some(path) = config.path() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if !env.is_member(&workspace) {
            println!(
                "cargo:warning=build_hooks::Policy: `{}` is not a member of the workspace at {}; not checked",
                env.package_name,
                root.display()
            );
            return Ok(Outcome {
                findings: Vec::new(),
                rules: Vec::new(),
            });
        }
        let options = env.resolve_options(&workspace);
        let members = workspace.select(&options.packages)?;
        let graph = workspace.resolve(&members, &options)?;
        // Local manifests carry licenses and dependency declarations the lockfile does not.
        for component in graph.components() {
            if let cargo_sbom::ComponentSource::Workspace { path }
            | cargo_sbom::ComponentSource::Path { path } = &component.source
            {
                let manifest = root.join(path).join("Cargo.toml");
                let manifest = manifest.canonicalize().unwrap_or(manifest);
                println!("cargo:rerun-if-changed={}", manifest.display());
            }
        }

        let options = PolicyOptions {
            offline: true,
            advisory_db: self.advisory_db.clone(),
            ..PolicyOptions::default()
        };
        let mut rules = build_time_rules();
        if !advisories_available(&options, &config) {
            rules.retain(|r| *r != advisories::RULE.rule_id());
            println!(
                "cargo:warning=build_hooks::Policy: advisories were skipped: no RustSec database \
                 offline (set {ADVISORY_DB_ENV}, `[advisories] db-path` in attest.toml, or clone \
                 it to CARGO_HOME/advisory-db); the build never fetches it"
            );
        }
        let run = policy::run(&workspace, &graph, &config, &options, &rules)?;
        let (findings, ran) = (run.findings, run.rules);
        for finding in &findings {
            println!("cargo:warning={}", warning_line(finding));
        }
        let denied: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == Severity::Deny)
            .cloned()
            .collect();
        if !denied.is_empty() {
            return Err(PolicyError::Denied {
                package: env.package_name.clone(),
                findings: denied,
            });
        }
        Ok(Outcome {
            findings,
            rules: ran,
        })
    }
}

/// Whether an advisory database can be used without the network: the variable, else
/// `db-path`, else the default location when it holds a database.
fn advisories_available(options: &PolicyOptions, config: &Config) -> bool {
    if options.advisory_db.is_some() || config.get(&advisories::SECTION).db_path.is_some() {
        return true;
    }
    options
        .environment
        .default_db_path()
        .is_some_and(|path| path.join("crates").is_dir())
}

/// What a finding is about, for the one-line error: `name version`, a file, or `workspace`.
fn subject(finding: &Finding) -> String {
    match &finding.location {
        Location::Crate { name, version, .. } => format!("{name} {version}"),
        Location::File(file) => file.path.clone(),
        Location::Workspace => "the workspace".to_owned(),
    }
}

/// `deny[rule] subject: message (SSDF task, …; fix: …)` on one line.
pub fn warning_line(finding: &Finding) -> String {
    let line = format!(
        "{}[{}] {}: {} (SSDF {}; fix: {})",
        finding.severity.as_str(),
        finding.rule,
        subject(finding),
        finding.message,
        finding.ssdf_tasks().join(", "),
        finding.fix
    );
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    use cargo_attest::policy::rules::{licenses, lockfile};

    fn finding(rule: RuleId, name: &str) -> Finding {
        Finding {
            severity: Severity::Deny,
            rule,
            location: Location::Crate {
                name: name.to_owned(),
                version: "0.1.0".to_owned(),
                source: "gpl".to_owned(),
                declared_at: None,
            },
            code: licenses::Code::LicenseNotAllowed.into(),
            message: "license GPL-3.0-only\nis not allowed".to_owned(),
            fix: "allow it".to_owned(),
        }
    }

    #[test]
    fn the_error_is_one_line_naming_crates_rules_and_tasks() {
        let error = PolicyError::Denied {
            package: "app".to_owned(),
            findings: vec![
                finding(licenses::RULE.rule_id(), "gpl"),
                finding(lockfile::RULE.rule_id(), "x"),
            ],
        };
        let text = format!("{error:?}");
        assert_eq!(text, error.to_string());
        assert!(!text.contains('\n'), "{text}");
        for part in [
            "`app`",
            "gpl 0.1.0",
            "x 0.1.0",
            "licenses, lockfile",
            "PW.4.1, PS.1.1",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }

    #[test]
    fn rules_are_named_in_report_order_not_alphabetically() {
        use cargo_attest::policy::rules::sources;
        let error = PolicyError::Denied {
            package: "app".to_owned(),
            findings: vec![
                finding(advisories::RULE.rule_id(), "a"),
                finding(sources::RULE.rule_id(), "s"),
                finding(advisories::RULE.rule_id(), "b"),
            ],
        };
        let text = error.to_string();
        assert!(text.contains("(rules sources, advisories;"), "{text}");
    }

    #[test]
    fn the_build_time_rules_are_the_declared_ones() {
        let ids: Vec<&str> = build_time_rules().into_iter().map(RuleId::as_str).collect();
        assert_eq!(
            ids,
            ["sources", "advisories", "licenses", "bans", "lockfile"]
        );
    }

    #[test]
    fn warning_lines_are_single_lines() {
        let line = warning_line(&finding(licenses::RULE.rule_id(), "gpl"));
        assert_eq!(
            line,
            "deny[licenses] gpl 0.1.0: license GPL-3.0-only is not allowed (SSDF PW.4.1; fix: allow it)"
        );
    }
}
