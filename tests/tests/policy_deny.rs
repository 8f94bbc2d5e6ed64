//! The `licenses`, `bans` and `sources` rules of `cargo attest check`, run through the library on
//! the `fixtures/policy-deny` workspace (see its `README.md`), each with a failing and a
//! passing configuration.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cargo_attest::attest_toml;
use cargo_attest::policy::rules::{bans, licenses, sources};
use cargo_attest::policy::{self, Finding, Location, PolicyOptions, RuleDef, Severity};
use cargo_sbom::{CargoNetwork, PackageSelection, ResolveOptions, ResolvedGraph, Workspace};
use integration_tests::{GitDependency, GitPin, policy_deny_fixture, scratch_dir};
use sha2::{Digest, Sha256};

/// One loaded copy of the fixture.
struct Loaded {
    root: PathBuf,
    git: GitDependency,
    workspace: Workspace,
    graph: ResolvedGraph,
}

/// The fixture with its git dependency declared as `pin` says, loaded once per process.
fn loaded(pin: GitPin) -> &'static Loaded {
    static UNPINNED: OnceLock<Loaded> = OnceLock::new();
    static PINNED: OnceLock<Loaded> = OnceLock::new();
    let (cell, name) = match pin {
        GitPin::DefaultBranch => (&UNPINNED, "unpinned"),
        GitPin::Rev => (&PINNED, "pinned"),
    };
    cell.get_or_init(|| {
        let (root, git) = policy_deny_fixture(&scratch_dir().join(name), pin);
        let workspace = Workspace::load(
            Some(&root.join("Cargo.toml")),
            CargoNetwork {
                offline: true,
                ..CargoNetwork::default()
            },
            &[],
        )
        .expect("load the fixture workspace");
        let members = workspace
            .select(&PackageSelection::Workspace {
                exclude: Vec::new(),
            })
            .expect("select the members");
        let graph = workspace
            .resolve(&members, &ResolveOptions::default())
            .expect("resolve the graph");
        Loaded {
            root,
            git,
            workspace,
            graph,
        }
    })
}

/// Runs `rule` with the configuration `toml` (the text of an `attest.toml`).
fn run(loaded: &Loaded, rule: &'static RuleDef, toml: &str) -> Vec<Finding> {
    let config = attest_toml::parse(Path::new("attest.toml"), toml).expect("valid configuration");
    let options = PolicyOptions {
        offline: true,
        ..PolicyOptions::default()
    };
    policy::run(
        &loaded.workspace,
        &loaded.graph,
        &config,
        &options,
        &[rule.rule_id()],
    )
    .expect("the rule runs")
    .findings
}

/// `(severity, code, crate)` of each finding.
fn summary(findings: &[Finding]) -> BTreeSet<(Severity, String, String)> {
    findings
        .iter()
        .map(|f| {
            let subject = match &f.location {
                Location::Crate { name, version, .. } => format!("{name} {version}"),
                Location::File(file) => file.path.clone(),
                Location::Workspace => "workspace".to_owned(),
            };
            (f.severity, f.code.to_string(), subject)
        })
        .collect()
}

fn set(items: &[(Severity, &str, &str)]) -> BTreeSet<(Severity, String, String)> {
    items
        .iter()
        .map(|(s, c, n)| (*s, (*c).to_owned(), (*n).to_owned()))
        .collect()
}

fn denies(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Deny)
        .collect()
}

/// Every finding says what is wrong and how to fix it.
fn assert_complete(findings: &[Finding]) {
    for finding in findings {
        assert!(!finding.message.is_empty(), "{finding:?}");
        assert!(!finding.fix.is_empty(), "{finding:?}");
        assert!(!finding.code.as_str().is_empty(), "{finding:?}");
    }
}

/// The 1-based line of the first line of `app/Cargo.toml` that starts with `prefix`.
fn app_line(loaded: &Loaded, prefix: &str) -> usize {
    let text = std::fs::read_to_string(loaded.root.join("app/Cargo.toml")).expect("read");
    text.lines()
        .position(|l| l.starts_with(prefix))
        .map(|i| i + 1)
        .expect("line in app/Cargo.toml")
}

/// `(path, line)` where a crate finding says the crate is declared.
fn declared_at(finding: &Finding) -> Option<(String, Option<usize>)> {
    match &finding.location {
        Location::Crate {
            declared_at: Some(at),
            ..
        } => Some((at.path.clone(), at.line)),
        Location::File(at) => Some((at.path.clone(), at.line)),
        _ => None,
    }
}

// --- licenses -------------------------------------------------------------------------------

#[test]
fn licenses_without_an_allow_list_are_one_summary_warning() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(loaded, &licenses::RULE, "");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let summary = &findings[0];
    assert_eq!(summary.severity, Severity::Warn);
    assert_eq!(summary.code, "license-summary");
    assert_eq!(summary.location, Location::Workspace);
    let message = &summary.message;
    assert!(
        message.contains("licenses are reported only until an allow list is given"),
        "{message}"
    );
    for expected in [
        "MIT OR Apache-2.0 (4)",
        "Apache-2.0 WITH LLVM-exception (1)",
        "GPL-3.0-only (1)",
        "MPL-2.0+ (1)",
        "license file only (1)",
        "unrecognized `Foo Bar License` (1)",
    ] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    // The same with an empty section.
    assert_eq!(run(loaded, &licenses::RULE, "[licenses]\n").len(), 1);
}

#[test]
fn licenses_deny_list_is_enforced_without_an_allow_list() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(
        loaded,
        &licenses::RULE,
        "[licenses]\ndeny = [\"GPL-3.0-only\"]\n",
    );
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "license-denied", "gpl-lib 0.1.0"),
            (Severity::Warn, "license-summary", "workspace"),
        ])
    );
}

const LICENSES_FAILING: &str = r#"
[licenses]
allow = ["MIT", "Apache-2.0"]
deny = ["GPL-3.0-only"]
"#;

#[test]
fn licenses_failing_config() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(loaded, &licenses::RULE, LICENSES_FAILING);
    assert_complete(&findings);
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "license-denied", "gpl-lib 0.1.0"),
            (Severity::Deny, "license-file-only", "filelic 0.1.0"),
            (Severity::Deny, "unrecognized-license", "weird 0.1.0"),
            (Severity::Deny, "license-not-allowed", "outside 0.2.0"),
            // `Apache-2.0` alone does not accept `Apache-2.0 WITH LLVM-exception` (as in
            // cargo-deny).
            (Severity::Deny, "license-not-allowed", "gitdep 0.5.0"),
        ])
    );
    let outside = findings
        .iter()
        .find(|f| f.code == "license-not-allowed" && f.message.starts_with("outside"))
        .expect("outside");
    assert!(outside.message.contains("MPL-2.0+"), "{}", outside.message);
    assert!(outside.fix.contains("exception"), "{}", outside.fix);
    // Findings point at the declaration in the workspace member that depends on the crate.
    assert_eq!(
        declared_at(outside),
        Some((
            "app/Cargo.toml".to_owned(),
            Some(app_line(loaded, "outside"))
        ))
    );
}

fn filelic_sha256(loaded: &Loaded) -> String {
    let bytes = std::fs::read(loaded.root.join("filelic/LICENSE")).expect("read LICENSE");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn licenses_passing_config_with_exceptions_and_clarifications() {
    let loaded = loaded(GitPin::DefaultBranch);
    let config = format!(
        r#"
[licenses]
allow = ["MIT", "Apache-2.0", "MPL-2.0", "Apache-2.0 WITH LLVM-exception"]
exceptions = [{{ name = "gpl-lib", version = "0.1", allow = ["GPL-3.0-only"] }}]

[[licenses.clarify]]
name = "filelic"
expression = "MIT"
license-files = [{{ path = "LICENSE", sha256 = "{}" }}]

[[licenses.clarify]]
name = "weird"
version = "=0.1.0"
expression = "Apache-2.0"
"#,
        filelic_sha256(loaded)
    );
    let findings = run(loaded, &licenses::RULE, &config);
    assert!(findings.is_empty(), "{findings:#?}");

    // `ignore-workspace` leaves the members (gpl-lib, filelic, weird) out.
    let findings = run(
        loaded,
        &licenses::RULE,
        "[licenses]\nallow = [\"MIT\", \"Apache-2.0\", \"MPL-2.0\", \"Apache-2.0 WITH LLVM-exception\"]\nignore-workspace = true\n",
    );
    assert!(findings.is_empty(), "{findings:#?}");

    // An exception for another version does not apply.
    let findings = run(
        loaded,
        &licenses::RULE,
        "[licenses]\nallow = [\"MIT\", \"Apache-2.0\", \"MPL-2.0\"]\nignore-workspace = false\nexceptions = [{ name = \"gpl-lib\", version = \">=0.2\", allow = [\"GPL-3.0-only\"] }]\n",
    );
    assert!(
        summary(&findings).contains(&(
            Severity::Deny,
            "license-not-allowed".to_owned(),
            "gpl-lib 0.1.0".to_owned()
        )),
        "{findings:#?}"
    );
}

#[test]
fn licenses_clarification_with_a_changed_file_is_not_applied() {
    let loaded = loaded(GitPin::DefaultBranch);
    let config = format!(
        r#"
[licenses]
allow = ["MIT", "Apache-2.0", "MPL-2.0", "GPL-3.0-only", "Apache-2.0 WITH LLVM-exception"]

[[licenses.clarify]]
name = "weird"
expression = "MIT"

[[licenses.clarify]]
name = "filelic"
expression = "MIT"
license-files = [{{ path = "LICENSE", sha256 = "{}" }}]
"#,
        "0".repeat(64)
    );
    let findings = run(loaded, &licenses::RULE, &config);
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "clarification-mismatch", "filelic 0.1.0"),
            (Severity::Deny, "license-file-only", "filelic 0.1.0"),
        ])
    );
    let mismatch = &findings
        .iter()
        .find(|f| f.code == "clarification-mismatch")
        .expect("mismatch");
    assert!(
        mismatch.message.contains(&filelic_sha256(loaded)),
        "the message names the actual hash: {}",
        mismatch.message
    );
    // A missing license file is a mismatch too.
    let findings = run(
        loaded,
        &licenses::RULE,
        "[licenses]\nallow = [\"MIT\"]\nignore-workspace = true\n[[licenses.clarify]]\nname = \"outside\"\nexpression = \"MIT\"\nlicense-files = [{ path = \"NOPE\" }]\n",
    );
    assert!(
        findings
            .iter()
            .any(|f| f.code == "clarification-mismatch" && f.message.contains("NOPE")),
        "{findings:#?}"
    );
}

#[test]
fn licenses_invalid_ids_in_a_config_file_are_config_errors() {
    let dir = scratch_dir().join("bad-config");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("attest.toml");
    std::fs::write(&path, "[licenses]\nallow = [\"MIT\", \"Apache2\"]\n").expect("write");
    let err = attest_toml::read(&path).expect_err("invalid id");
    let text = err.to_string();
    assert!(text.contains(&format!("{}:2", path.display())), "{text}");
    assert!(text.contains("licenses.allow"), "{text}");
    assert!(text.contains("Apache2"), "{text}");
    assert_eq!(err.exit_code(), 2);
}

// --- bans -----------------------------------------------------------------------------------

#[test]
fn bans_failing_config() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(
        loaded,
        &bans::RULE,
        r#"
[bans]
deny = [{ name = "itoa", version = "<1", reason = "itoa 0.4 is unmaintained" }, "openssl"]
multiple-versions = "deny"
wildcards = "deny"
"#,
    );
    assert_complete(&findings);
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "denied-crate", "itoa 0.4.8"),
            (Severity::Deny, "duplicate", "itoa 0.4.8"),
            (Severity::Deny, "wildcard", "cfg-if 1.0.5"),
        ])
    );
    let denied = findings
        .iter()
        .find(|f| f.code == "denied-crate")
        .expect("denied");
    assert!(
        denied.message.contains("unmaintained"),
        "{}",
        denied.message
    );
    // The renamed dependency `numfmt = { package = "itoa", … }` is found in the manifest.
    assert_eq!(
        declared_at(denied),
        Some((
            "app/Cargo.toml".to_owned(),
            Some(app_line(loaded, "numfmt"))
        ))
    );
    let duplicate = findings
        .iter()
        .find(|f| f.code == "duplicate")
        .expect("duplicate");
    assert!(
        duplicate.message.contains("0.4.8") && duplicate.message.contains("1.0.19"),
        "{}",
        duplicate.message
    );
    let wildcard = findings
        .iter()
        .find(|f| f.code == "wildcard")
        .expect("wildcard");
    assert_eq!(
        declared_at(wildcard),
        Some((
            "app/Cargo.toml".to_owned(),
            Some(app_line(loaded, "cfg-if"))
        ))
    );
}

#[test]
fn bans_defaults_warn_on_duplicates_and_deny_wildcards() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(loaded, &bans::RULE, "");
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Warn, "duplicate", "itoa 0.4.8"),
            (Severity::Deny, "wildcard", "cfg-if 1.0.5"),
        ])
    );
}

#[test]
fn bans_passing_config() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(
        loaded,
        &bans::RULE,
        r#"
[bans]
deny = ["openssl", { name = "itoa", version = ">=2" }]
multiple-versions = "deny"
skip = [{ name = "itoa", version = "=0.4.8" }]
wildcards = "warn"
"#,
    );
    assert!(denies(&findings).is_empty(), "{findings:#?}");
    assert_eq!(
        summary(&findings),
        set(&[(Severity::Warn, "wildcard", "cfg-if 1.0.5")])
    );
    let findings = run(
        loaded,
        &bans::RULE,
        "[bans]\nmultiple-versions = \"allow\"\nwildcards = \"allow\"\n",
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

// --- sources --------------------------------------------------------------------------------

#[test]
fn sources_failing_defaults() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(loaded, &sources::RULE, "");
    assert_complete(&findings);
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "unknown-git", "gitdep 0.5.0"),
            (Severity::Deny, "unpinned-git", "gitdep 0.5.0"),
            (Severity::Warn, "path-outside-workspace", "outside 0.2.0"),
        ])
    );
    let unpinned = findings
        .iter()
        .find(|f| f.code == "unpinned-git")
        .expect("unpinned");
    assert_eq!(
        declared_at(unpinned),
        Some((
            "app/Cargo.toml".to_owned(),
            Some(app_line(loaded, "gitdep"))
        ))
    );
    assert!(
        unpinned.fix.contains(&loaded.git.commit),
        "the fix names the locked commit: {}",
        unpinned.fix
    );
    assert!(
        unpinned.message.contains("default branch"),
        "{}",
        unpinned.message
    );
}

#[test]
fn sources_unknown_registry() {
    let loaded = loaded(GitPin::DefaultBranch);
    let findings = run(
        loaded,
        &sources::RULE,
        r#"
[sources]
allow-registry = ["https://registry.example.org/index"]
unknown-git = "allow"
require-git-rev = false
path-outside-workspace = "deny"
"#,
    );
    assert_eq!(
        summary(&findings),
        set(&[
            (Severity::Deny, "unknown-registry", "cfg-if 1.0.5"),
            (Severity::Deny, "unknown-registry", "itoa 0.4.8"),
            (Severity::Deny, "unknown-registry", "itoa 1.0.19"),
            (Severity::Deny, "path-outside-workspace", "outside 0.2.0"),
        ])
    );
    // crates.io in its sparse form is crates.io.
    let findings = run(
        loaded,
        &sources::RULE,
        "[sources]\nallow-registry = [\"sparse+https://index.crates.io/\"]\nunknown-git = \"allow\"\nrequire-git-rev = false\npath-outside-workspace = \"allow\"\n",
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn sources_passing_config_with_a_pinned_allowed_git_dependency() {
    let loaded = loaded(GitPin::Rev);
    let url = &loaded.git.url;
    let config = format!(
        "[sources]\nallow-git = [\"{url}\"]\nrequire-git-rev = true\npath-outside-workspace = \"allow\"\n"
    );
    let findings = run(loaded, &sources::RULE, &config);
    assert!(findings.is_empty(), "{findings:#?}");
    // Pinned but not allowed: only unknown-git.
    let findings = run(
        loaded,
        &sources::RULE,
        "[sources]\npath-outside-workspace = \"allow\"\n",
    );
    assert_eq!(
        summary(&findings),
        set(&[(Severity::Deny, "unknown-git", "gitdep 0.5.0")])
    );
}

// --- the command line -----------------------------------------------------------------------

/// `cargo attest check --offline --workspace --format FORMAT --config CONFIG` in the fixture.
fn check_command(loaded: &Loaded, format: &str, config: &Path) -> std::process::Command {
    let mut command = integration_tests::attest_command(&loaded.root);
    command
        .args([
            "attest",
            "check",
            "--offline",
            "--workspace",
            "--format",
            format,
        ])
        .arg("--config")
        .arg(config);
    command
}

/// Runs `cargo attest check --offline --workspace --format json --config CONFIG licenses bans
/// sources` in the fixture and returns the exit code and the report.
fn cli(loaded: &Loaded, name: &str, config: &str) -> (Option<i32>, serde_json::Value) {
    let path = scratch_dir().join(format!("{name}.toml"));
    std::fs::write(&path, config).expect("write the configuration");
    let output = check_command(loaded, "json", &path)
        .args(["licenses", "bans", "sources"])
        .output()
        .expect("run cargo-attest check");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "cargo attest check printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), report)
}

#[test]
fn sarif_of_the_fixture_is_what_code_scanning_takes() {
    let loaded = loaded(GitPin::DefaultBranch);
    let config = scratch_dir().join("sarif.toml");
    std::fs::write(
        &config,
        format!("{LICENSES_FAILING}\n[bans]\nmultiple-versions = \"deny\"\n"),
    )
    .expect("write the configuration");
    let out = scratch_dir().join("policy-deny.sarif");
    let output = check_command(loaded, "sarif", &config)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run cargo-attest check");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let log = integration_tests::read_json(&out);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() > 5, "{log:#}");
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{result:#}"
        );
    }
    if let Some(verify) = integration_tests::verify_dir("check-sarif") {
        integration_tests::assert_sarif_is_clean(&verify, &out);
    }
}

#[test]
fn cli_check_fails_and_passes_with_the_configuration() {
    let loaded = loaded(GitPin::DefaultBranch);
    let failing = format!("{LICENSES_FAILING}\n[bans]\nmultiple-versions = \"deny\"\n");
    let (code, report) = cli(loaded, "failing", &failing);
    assert_eq!(code, Some(1), "{report:#}");
    let codes: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("licenses", "license-denied"),
        ("licenses", "license-not-allowed"),
        ("bans", "duplicate"),
        ("bans", "wildcard"),
        ("sources", "unknown-git"),
        ("sources", "unpinned-git"),
        ("sources", "path-outside-workspace"),
    ] {
        assert!(
            codes.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {codes:?}"
        );
    }
    let wildcard = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "wildcard"))
        .expect("wildcard finding");
    assert_eq!(wildcard["ssdf"], serde_json::json!(["PW.4.1"]));
    assert_eq!(wildcard["file"], "app/Cargo.toml");
    assert_eq!(wildcard["line"], app_line(loaded, "cfg-if"));

    // Warnings only: exit 0.
    let url = &loaded.git.url;
    let passing = format!(
        "[bans]\nwildcards = \"warn\"\n[sources]\nallow-git = [\"{url}\"]\nrequire-git-rev = false\n"
    );
    let (code, report) = cli(loaded, "passing", &passing);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["summary"]["deny"], 0, "{report:#}");

    // An invalid license id: a configuration error (exit 2).
    let path = scratch_dir().join("invalid.toml");
    std::fs::write(&path, "[licenses]\nallow = [\"MIT\", \"Apache 2\"]\n").expect("write");
    let output = integration_tests::attest_command(&loaded.root)
        .args(["attest", "check", "--offline", "--config"])
        .arg(&path)
        .output()
        .expect("run cargo-attest check");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid.toml:2"), "{stderr}");
    assert!(stderr.contains("licenses.allow"), "{stderr}");
}
