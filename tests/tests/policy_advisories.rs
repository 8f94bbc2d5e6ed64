//! The `advisories` and `yanked` policy rules, run through the library against the fixture
//! workspace `fixtures/policy-advisories` and the fake database `fixtures/advisory-db-mini`
//! (always on), and against the real RustSec snapshot when `CARGO_ATTEST_ADVISORY_DB` names it.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cargo_attest::attest_toml;
use cargo_attest::config::Config;
use cargo_attest::policy::advisory_db::{Date, Environment};
use cargo_attest::policy::rules::{advisories, yanked};
use cargo_attest::policy::{
    self, Finding, Location, PolicyContext, PolicyOptions, RuleDef, Severity,
};
use cargo_sbom::spanned::TomlFile;
use cargo_sbom::{CargoNetwork, PackageSelection, ResolveOptions, ResolvedGraph, Workspace};
use integration_tests::{
    LINUX, WINDOWS, copy_dir, fetch_crates, fixtures_dir, repo_root, scratch_dir,
};

/// The fixture workspace, copied once, loaded offline, resolved for the host.
struct Loaded {
    root: PathBuf,
    workspace: Workspace,
    graph: ResolvedGraph,
}

fn load(root: &Path) -> Loaded {
    load_selected(root, &PackageSelection::Default, &ResolveOptions::default())
}

/// The workspace at `root` (its crates fetched first), loaded offline, `selection` resolved.
fn load_selected(root: &Path, selection: &PackageSelection, options: &ResolveOptions) -> Loaded {
    fetch_crates(root);
    let network = CargoNetwork {
        offline: true,
        ..Default::default()
    };
    let workspace = Workspace::load(Some(&root.join("Cargo.toml")), network, &[]).unwrap();
    let members = workspace.select(selection).unwrap();
    let graph = workspace.resolve(&members, options).unwrap();
    Loaded {
        root: root.to_owned(),
        workspace,
        graph,
    }
}

fn fixture() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let root = scratch_dir().join("policy-advisories");
        copy_dir(&fixtures_dir().join("policy-advisories"), &root);
        load(&root)
    })
}

fn mini_db() -> PathBuf {
    fixtures_dir().join("advisory-db-mini")
}

/// The fixture graph, resolved for `target`'s name (the rules read only `graph.target`).
fn graph_for(target: &str) -> ResolvedGraph {
    let mut graph = fixture().graph.clone();
    graph.target = target.to_owned();
    graph
}

/// A fresh directory under the scratch directory.
fn temp(name: &str) -> PathBuf {
    let dir = scratch_dir().join("tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An environment whose cargo home is `home` (nothing of the real one is read).
fn env(home: Option<&Path>) -> Environment {
    Environment {
        cargo_home: home.map(Path::to_owned),
        today: Date::today(),
        fetch_timeout: Duration::from_secs(30),
    }
}

struct Run {
    config: Config,
    graph: ResolvedGraph,
    advisory_db: Option<PathBuf>,
    offline: bool,
    strict: bool,
}

impl Run {
    fn new() -> Self {
        Self {
            config: attest_toml::defaults(),
            graph: graph_for(LINUX),
            advisory_db: Some(mini_db()),
            offline: true,
            strict: false,
        }
    }

    /// Writes `text` as `dir/attest.toml` and uses it.
    fn config(mut self, dir: &Path, text: &str) -> Self {
        let path = dir.join("attest.toml");
        std::fs::write(&path, text).unwrap();
        self.config = attest_toml::read(&path).unwrap();
        self
    }

    /// Runs one rule on the shared fixture with the cargo home and date of `env`.
    fn rule(
        &self,
        rule: &'static RuleDef,
        env: &Environment,
    ) -> cargo_attest::Result<Vec<Finding>> {
        let options = PolicyOptions {
            strict: self.strict,
            offline: self.offline,
            advisory_db: self.advisory_db.clone(),
            environment: env.clone(),
            ..PolicyOptions::default()
        };
        rule.run(&PolicyContext::new(
            &fixture().workspace,
            &self.graph,
            &self.config,
            &options,
        ))
    }

    fn advisories(&self, env: &Environment) -> cargo_attest::Result<Vec<Finding>> {
        self.rule(&advisories::RULE, env)
    }

    fn yanked(&self, env: &Environment) -> Vec<Finding> {
        self.rule(&yanked::RULE, env).unwrap()
    }
}

/// The advisories rule through the policy run, with the default configuration.
fn advisories_of(
    workspace: &Workspace,
    graph: &ResolvedGraph,
    options: &PolicyOptions,
) -> Vec<Finding> {
    let config = attest_toml::defaults();
    policy::run(
        workspace,
        graph,
        &config,
        options,
        &[advisories::RULE.rule_id()],
    )
    .unwrap()
    .findings
}

fn codes(findings: &[Finding]) -> BTreeSet<(String, Severity)> {
    findings
        .iter()
        .map(|f| (f.code.to_string(), f.severity))
        .collect()
}

fn set(items: &[(&str, Severity)]) -> BTreeSet<(String, Severity)> {
    items.iter().map(|(c, s)| ((*c).to_owned(), *s)).collect()
}

fn find<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} finding in {findings:#?}"))
}

fn crate_of(finding: &Finding) -> (String, String, String) {
    match &finding.location {
        Location::Crate {
            name,
            version,
            source,
            ..
        } => (name.clone(), version.clone(), source.clone()),
        other => panic!("not a crate location: {other:?}"),
    }
}

use Severity::{Deny, Warn};

#[test]
fn fixture_graph_has_the_expected_crates() {
    let names: BTreeSet<(String, String)> = fixture()
        .graph
        .components()
        .iter()
        .map(|c| (c.name.clone(), c.version.clone()))
        .collect();
    for (name, version) in [
        ("itoa", "1.0.19"),
        ("itoa", "0.4.8"),
        ("either", "1.15.0"),
        ("memchr", "2.8.0"),
        ("cfg-if", "1.0.4"),
        ("scopeguard", "1.2.0"),
        ("version_check", "0.9.5"),
    ] {
        assert!(
            names.contains(&(name.to_owned(), version.to_owned())),
            "{name} {version} missing from {names:?}"
        );
    }
}

#[test]
fn mini_database_findings_on_linux() {
    let findings = Run::new().advisories(&env(None)).unwrap();
    // 0003 is Windows-only, 0004 withdrawn, itoa 0.4.8 unaffected.
    assert_eq!(
        codes(&findings),
        set(&[
            ("RUSTSEC-2099-0001", Deny),
            ("RUSTSEC-2099-0002", Warn),
            ("RUSTSEC-2099-0005", Warn),
            ("RUSTSEC-2099-0006", Deny),
        ]),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .all(|f| f.rule == advisories::RULE.rule_id())
    );
    assert_eq!(findings.len(), 4, "one finding per advisory and crate");

    let itoa = find(&findings, "RUSTSEC-2099-0001");
    assert_eq!(
        crate_of(itoa),
        ("itoa".into(), "1.0.19".into(), "crates.io".into())
    );
    for part in [
        "itoa 1.0.19 is affected by RUSTSEC-2099-0001",
        "CVE-2099-0001",
        "GHSA-xxxx-yyyy-zzzz",
        "Fake out-of-bounds write in `Buffer::format`",
        "patched: >=1.0.20",
        "affected functions: itoa::Buffer::format",
        "https://rustsec.org/advisories/RUSTSEC-2099-0001",
    ] {
        assert!(
            itoa.message.contains(part),
            "{part:?} not in {}",
            itoa.message
        );
    }
    assert!(
        itoa.fix.contains("upgrade itoa to >=1.0.20"),
        "{}",
        itoa.fix
    );
    // declared_at: the `[[package]]` line of itoa 1.0.19 in Cargo.lock.
    let lock = std::fs::read_to_string(fixture().root.join("Cargo.lock")).unwrap();
    let line =
        policy::locate::package_line(&TomlFile::parse(&lock).unwrap(), "itoa", "1.0.19").unwrap();
    assert_eq!(lock.lines().nth(line - 1), Some("[[package]]"));
    assert_eq!(lock.lines().nth(line), Some("name = \"itoa\""));
    assert_eq!(lock.lines().nth(line + 1), Some("version = \"1.0.19\""));
    match &itoa.location {
        Location::Crate {
            declared_at: Some(at),
            ..
        } => {
            assert_eq!(at.path, "Cargo.lock");
            assert_eq!(at.line, Some(line));
        }
        other => panic!("no declaration line: {other:?}"),
    }

    let either = find(&findings, "RUSTSEC-2099-0002");
    assert!(
        either.message.contains("either 1.15.0 is unmaintained"),
        "{}",
        either.message
    );
    assert!(
        either.fix.contains("no patched version") && either.fix.contains("maintained"),
        "{}",
        either.fix
    );

    let scopeguard = find(&findings, "RUSTSEC-2099-0005");
    assert!(
        scopeguard.message.contains("is unsound"),
        "{}",
        scopeguard.message
    );

    let version_check = find(&findings, "RUSTSEC-2099-0006");
    assert!(
        version_check
            .fix
            .starts_with("no patched version: replace version_check"),
        "{}",
        version_check.fix
    );
    assert!(
        version_check.fix.contains("reason"),
        "{}",
        version_check.fix
    );
}

#[test]
fn os_specific_advisories_follow_the_target() {
    let mut run = Run::new();
    run.graph = graph_for(WINDOWS);
    let findings = run.advisories(&env(None)).unwrap();
    let memchr = find(&findings, "RUSTSEC-2099-0003");
    assert_eq!(memchr.severity, Deny);
    assert_eq!(crate_of(memchr).0, "memchr");
    assert!(memchr.fix.contains(">=2.8.1"), "{}", memchr.fix);
    run.graph = graph_for("aarch64-apple-darwin");
    let findings = run.advisories(&env(None)).unwrap();
    assert!(findings.iter().all(|f| f.code != "RUSTSEC-2099-0003"));
}

#[test]
fn levels_are_configurable() {
    let dir = temp("levels");
    let run = Run::new().config(
        &dir,
        "[advisories]\nvulnerability = \"warn\"\nunmaintained = \"allow\"\nunsound = \"deny\"\n",
    );
    let findings = run.advisories(&env(None)).unwrap();
    assert_eq!(
        codes(&findings),
        set(&[
            ("RUSTSEC-2099-0001", Warn),
            ("RUSTSEC-2099-0005", Deny),
            ("RUSTSEC-2099-0006", Warn),
        ])
    );
}

#[test]
fn ignore_entries_expire_and_go_stale() {
    let dir = temp("ignore");
    let run = Run::new().config(
        &dir,
        r#"# the policy
[advisories]
ignore = [
  { id = "RUSTSEC-2099-0001", reason = "Buffer::format is never called", until = 2999-12-31 },
  { id = "CVE-2099-0006", reason = "build-time only, RUSTC is trusted" },
  { id = "RUSTSEC-2099-0002", reason = "replacement planned", until = "2000-01-01" },
  { id = "RUSTSEC-2099-0004", reason = "withdrawn anyway" },
  { id = "RUSTSEC-2099-9999", reason = "typo" },
]
"#,
    );
    let findings = run.advisories(&env(None)).unwrap();
    assert_eq!(
        codes(&findings),
        set(&[
            // The expired entry is reported and no longer ignores 0002.
            ("expired-ignore", Warn),
            ("RUSTSEC-2099-0002", Warn),
            ("RUSTSEC-2099-0005", Warn),
            ("stale-ignore", Warn),
        ]),
        "{findings:#?}"
    );
    let expired = find(&findings, "expired-ignore");
    assert!(
        expired.message.contains("RUSTSEC-2099-0002") && expired.message.contains("2000-01-01"),
        "{}",
        expired.message
    );
    // The line of the entry in attest.toml (here outside the workspace, so `../…`).
    match &expired.location {
        Location::File(at) => {
            assert!(at.path.ends_with("ignore/attest.toml"), "{at:?}");
            assert_eq!(at.line, Some(6));
        }
        other => panic!("{other:?}"),
    }
    let stale: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.code == "stale-ignore")
        .collect();
    assert_eq!(stale.len(), 2, "{stale:#?}");
    assert!(stale[0].message.contains("RUSTSEC-2099-0004"));
    assert!(stale[0].message.contains("matches no crate"));
    assert!(stale[1].message.contains("RUSTSEC-2099-9999"));
    assert!(stale[1].message.contains("names no advisory"));
}

#[test]
fn an_ignore_entry_without_reason_is_a_config_error() {
    let dir = temp("no-reason");
    let path = dir.join("attest.toml");
    std::fs::write(
        &path,
        "[advisories]\nignore = [\n  { id = \"RUSTSEC-2099-0001\", until = 2999-01-01 },\n]\n",
    )
    .unwrap();
    let err = attest_toml::read(&path).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(text.contains("attest.toml:3"), "{text}");
    assert!(
        text.contains("RUSTSEC-2099-0001") && text.contains("reason"),
        "{text}"
    );
}

#[test]
fn a_bad_database_path_is_an_input_error_naming_it() {
    let mut run = Run::new();
    let missing = scratch_dir().join("no-such-advisory-db");
    run.advisory_db = Some(missing.clone());
    let err = run.advisories(&env(None)).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
    // A directory that is not a database.
    run.advisory_db = Some(fixture().root.clone());
    let err = run.advisories(&env(None)).unwrap_err();
    assert!(
        err.to_string().contains("not an advisory database"),
        "{err}"
    );

    // `db-path` in the configuration: a config error naming the file, line and key.
    let dir = temp("bad-db-path");
    let mut run = Run::new().config(&dir, "[advisories]\n\ndb-path = \"nowhere\"\n");
    run.advisory_db = None;
    let err = run.advisories(&env(None)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("attest.toml:3"), "{text}");
    assert!(text.contains("advisories.db-path"), "{text}");
    assert!(text.contains("nowhere"), "{text}");
}

#[test]
fn db_path_is_relative_to_the_configuration() {
    let dir = temp("db-path");
    copy_dir(&mini_db(), &dir.join("db"));
    let mut run = Run::new().config(&dir, "[advisories]\ndb-path = \"db\"\n");
    run.advisory_db = None;
    let findings = run.advisories(&env(None)).unwrap();
    assert!(findings.iter().any(|f| f.code == "RUSTSEC-2099-0001"));
    // --advisory-db wins over db-path.
    let dir = temp("db-path-overridden");
    let mut run = Run::new().config(&dir, "[advisories]\ndb-path = \"nowhere\"\n");
    run.advisory_db = Some(mini_db());
    assert!(run.advisories(&env(None)).is_ok());
}

#[test]
fn offline_without_a_database_says_how_to_provide_one() {
    let home = temp("offline-home");
    let mut run = Run::new();
    run.advisory_db = None;
    run.offline = true;
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert_eq!(codes(&findings), set(&[("advisory-db-unavailable", Warn)]));
    let finding = &findings[0];
    assert!(finding.message.contains("--offline"), "{}", finding.message);
    assert!(
        finding
            .message
            .contains(&home.join("advisory-db").display().to_string()),
        "{}",
        finding.message
    );
    assert!(finding.fix.contains("--advisory-db"), "{}", finding.fix);
    assert!(finding.fix.contains("db-path"), "{}", finding.fix);
    assert!(!home.join("advisory-db").exists());
    // Release context: no PW.4.4 evidence is a violation.
    run.strict = true;
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert_eq!(codes(&findings), set(&[("advisory-db-unavailable", Deny)]));
}

#[test]
fn a_failed_fetch_is_reported_quickly() {
    let home = temp("fetch-home");
    let dir = temp("fetch-config");
    let mut run = Run::new().config(
        &dir,
        "[advisories]\ndb-urls = [\"https://127.0.0.1:9/advisory-db.git\", \"/nonexistent/advisory-db\"]\n",
    );
    run.advisory_db = None;
    run.offline = false;
    let started = Instant::now();
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(codes(&findings), set(&[("advisory-db-unavailable", Warn)]));
    let message = &findings[0].message;
    assert!(message.contains("fetching it failed"), "{message}");
    assert!(
        message.contains("https://127.0.0.1:9/advisory-db.git"),
        "{message}"
    );
    assert!(message.contains("/nonexistent/advisory-db"), "{message}");
    assert!(findings[0].fix.contains("--advisory-db"));
    assert!(!home.join("advisory-db").exists());
}

#[test]
fn a_local_url_is_fetched_with_git2() {
    // A git repository holding the mini database stands in for GitHub.
    let upstream = temp("fetch-upstream");
    copy_dir(&mini_db(), &upstream);
    integration_tests::make_git_repo(&upstream);
    let home = temp("fetch-local-home");
    let dir = temp("fetch-local-config");
    let mut run = Run::new().config(
        &dir,
        &format!("[advisories]\ndb-urls = [\"{}\"]\n", upstream.display()),
    );
    run.advisory_db = None;
    run.offline = false;
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert!(home.join("advisory-db/crates/itoa").is_dir());
    assert!(
        findings.iter().any(|f| f.code == "RUSTSEC-2099-0001"),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .all(|f| !f.code.as_str().starts_with("advisory-db"))
    );
    // Its HEAD commit time is fixed in the past: stale, so the next run fetches it again.
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert!(findings.iter().any(|f| f.code == "RUSTSEC-2099-0001"));
}

#[test]
fn a_stale_default_database_is_used_with_a_warning() {
    let home = temp("stale-home");
    copy_dir(&mini_db(), &home.join("advisory-db"));
    let dir = temp("stale-config");
    let mut run = Run::new().config(
        &dir,
        "[advisories]\nmax-age = \"1ns\"\ndb-urls = [\"/nonexistent/advisory-db\"]\n",
    );
    run.advisory_db = None;
    // Offline: no fetch attempted.
    let findings = run.advisories(&env(Some(&home))).unwrap();
    let stale = find(&findings, "advisory-db-stale");
    assert_eq!(stale.severity, Warn);
    assert!(stale.message.contains("--offline"), "{}", stale.message);
    assert!(findings.iter().any(|f| f.code == "RUSTSEC-2099-0001"));
    // Online: the fetch fails, the stale database is still used.
    run.offline = false;
    let findings = run.advisories(&env(Some(&home))).unwrap();
    let stale = find(&findings, "advisory-db-stale");
    assert!(
        stale.message.contains("fetching it failed"),
        "{}",
        stale.message
    );
    assert!(findings.iter().any(|f| f.code == "RUSTSEC-2099-0001"));
}

#[test]
fn a_fresh_default_database_is_used_without_fetching() {
    let home = temp("fresh-home");
    copy_dir(&mini_db(), &home.join("advisory-db"));
    let dir = temp("fresh-config");
    let mut run = Run::new().config(&dir, "[advisories]\ndb-urls = []\n");
    run.advisory_db = None;
    run.offline = false;
    let findings = run.advisories(&env(Some(&home))).unwrap();
    assert_eq!(findings.len(), 4, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.code.as_str().starts_with("RUSTSEC-"))
    );
}

/// Writes a cargo index cache file (`.cache/…`) for `name` with `(version, yanked)` entries.
fn write_cache(home: &Path, name: &str, entries: &[(&str, bool)]) {
    let relative = cargo_attest::policy::advisory_db::index_path(name).unwrap();
    let path = home
        .join("registry/index/index.crates.io-1949cf8c6b5b557f/.cache")
        .join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut bytes = vec![3u8, 2, 0, 0, 0];
    bytes.extend_from_slice(b"etag: W/\"fixture\"\0");
    for (version, yanked) in entries {
        bytes.extend_from_slice(version.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(
            format!(
                r#"{{"name":"{name}","vers":"{version}","deps":[],"cksum":"00","features":{{}},"yanked":{yanked},"v":2}}"#
            )
            .as_bytes(),
        );
        bytes.push(0);
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn yanked_versions_from_the_index_cache() {
    let home = temp("yanked-home");
    write_cache(&home, "itoa", &[("0.4.8", false), ("1.0.19", true)]);
    write_cache(&home, "either", &[("1.15.0", false), ("1.16.0", true)]);
    write_cache(&home, "memchr", &[("2.8.0", false)]);
    write_cache(&home, "cfg-if", &[("1.0.4", false)]);
    let run = Run::new();
    let findings = run.yanked(&env(Some(&home)));
    assert!(findings.iter().all(|f| f.rule == yanked::RULE.rule_id()));
    assert_eq!(
        codes(&findings),
        set(&[("yanked", Warn), ("yanked-unknown", Warn)]),
        "{findings:#?}"
    );
    let yanked: Vec<&Finding> = findings.iter().filter(|f| f.code == "yanked").collect();
    assert_eq!(yanked.len(), 1);
    assert_eq!(crate_of(yanked[0]).0, "itoa");
    assert_eq!(crate_of(yanked[0]).1, "1.0.19");
    assert!(
        yanked[0].message.contains("yanked"),
        "{}",
        yanked[0].message
    );
    assert!(
        yanked[0].fix.contains("cargo update -p itoa@1.0.19"),
        "{}",
        yanked[0].fix
    );
    // One summary for scopeguard and version_check, the crates the cache does not know.
    let unknown = find(&findings, "yanked-unknown");
    assert_eq!(unknown.location, Location::Workspace);
    assert!(
        unknown
            .message
            .contains("cannot tell whether 2 crates.io crates are yanked"),
        "{}",
        unknown.message
    );
    assert!(unknown.message.contains("scopeguard 1.2.0"));
    assert!(unknown.fix.contains("cargo update --dry-run"));
    assert!(unknown.fix.contains("cargo fetch"));
}

#[test]
fn yanked_level_and_missing_cache() {
    let home = temp("yanked-level-home");
    write_cache(&home, "itoa", &[("1.0.19", true), ("0.4.8", true)]);
    let dir = temp("yanked-level");
    let run = Run::new().config(&dir, "[advisories]\nyanked = \"deny\"\n");
    let findings = run.yanked(&env(Some(&home)));
    let yanked: Vec<&Finding> = findings.iter().filter(|f| f.code == "yanked").collect();
    assert_eq!(yanked.len(), 2);
    assert!(yanked.iter().all(|f| f.severity == Deny));
    // The summary stays a warning: not knowing is not a violation.
    assert_eq!(find(&findings, "yanked-unknown").severity, Warn);

    let run = Run::new().config(&dir, "[advisories]\nyanked = \"allow\"\n");
    assert!(run.yanked(&env(Some(&home))).is_empty());

    // No cache at all: one summary for every crates.io crate, never one per crate.
    let empty = temp("yanked-empty-home");
    let findings = Run::new().yanked(&env(Some(&empty)));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]
            .message
            .contains("cannot tell whether 7 crates.io crates"),
        "{}",
        findings[0].message
    );
    let findings = Run::new().yanked(&env(None));
    assert_eq!(codes(&findings), set(&[("yanked-unknown", Warn)]));
}

/// The real RustSec snapshot, when `CARGO_ATTEST_ADVISORY_DB` names it (CI sets it to
/// `../shared/advisory-db`).
fn real_db() -> Option<PathBuf> {
    match std::env::var_os("CARGO_ATTEST_ADVISORY_DB") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            Some(if path.is_relative() {
                repo_root().join(path)
            } else {
                path
            })
        }
        _ => {
            eprintln!(
                "note: CARGO_ATTEST_ADVISORY_DB is not set; the real-database test is skipped"
            );
            None
        }
    }
}

#[test]
fn real_snapshot_against_this_workspace() {
    let Some(db_path) = real_db() else { return };
    let db = rustsec_db(&db_path);
    // This repository's own graph (a few hundred crates), every member.
    let Loaded {
        root,
        workspace,
        graph,
    } = load_selected(
        repo_root(),
        &PackageSelection::Workspace { exclude: vec![] },
        &ResolveOptions {
            include_dev: true,
            ..Default::default()
        },
    );
    let options = PolicyOptions {
        offline: true,
        advisory_db: Some(db_path.clone()),
        environment: env(None),
        ..PolicyOptions::default()
    };
    let started = Instant::now();
    let findings = advisories_of(&workspace, &graph, &options);
    eprintln!(
        "advisories: {} crates, {} findings, {:?} (database load included)",
        graph.components().len(),
        findings.len(),
        started.elapsed()
    );
    // Every finding is an advisory of the database about a crate of the graph, and rustsec's own
    // lockfile scan agrees on the vulnerabilities of crates in the graph.
    let ours: BTreeSet<(String, String, String)> = findings
        .iter()
        .filter(|f| f.code.as_str().starts_with("RUSTSEC-"))
        .map(|f| {
            let (name, version, _) = crate_of(f);
            (f.code.to_string(), name, version)
        })
        .collect();
    let lockfile = rustsec_lockfile(&root.join("Cargo.lock"));
    let in_graph: BTreeSet<(String, String)> = graph
        .components()
        .iter()
        .map(|c| (c.name.clone(), c.version.clone()))
        .collect();
    let theirs: BTreeSet<(String, String, String)> = db
        .vulnerabilities(&lockfile)
        .into_iter()
        .map(|v| {
            (
                v.advisory.id.to_string(),
                v.package.name.to_string(),
                v.package.version.to_string(),
            )
        })
        .filter(|(_, name, version)| in_graph.contains(&(name.clone(), version.clone())))
        .collect();
    let our_vulns: BTreeSet<(String, String, String)> = findings
        .iter()
        .filter(|f| f.code.as_str().starts_with("RUSTSEC-") && f.severity == Deny)
        .map(|f| {
            let (name, version, _) = crate_of(f);
            (f.code.to_string(), name, version)
        })
        .collect();
    // rustsec ignores `[affected] os` without a target: ours may only be fewer, by target.
    assert!(our_vulns.is_subset(&theirs), "{our_vulns:?} vs {theirs:?}");
    eprintln!("ours: {ours:?}\nrustsec lockfile scan (vulnerabilities): {theirs:?}");
}

#[test]
fn real_snapshot_loads_and_matches_the_fixture() {
    let Some(db_path) = real_db() else { return };
    let mut run = Run::new();
    run.advisory_db = Some(db_path);
    let started = Instant::now();
    let findings = run.advisories(&env(None)).unwrap();
    eprintln!(
        "fixture against the snapshot: {findings:#?} in {:?}",
        started.elapsed()
    );
    // The fixture's fake ids never appear in the real database.
    assert!(
        findings
            .iter()
            .all(|f| !f.code.as_str().starts_with("RUSTSEC-2099"))
    );
}

fn rustsec_db(path: &Path) -> rustsec::Database {
    rustsec::Database::open(path).unwrap()
}

fn rustsec_lockfile(path: &Path) -> rustsec::Lockfile {
    rustsec::Lockfile::load(path).unwrap()
}

#[test]
fn the_cli_reports_advisories() {
    let dir = temp("cli");
    copy_dir(&fixtures_dir().join("policy-advisories"), &dir);
    let output = integration_tests::attest_command(&dir)
        .args([
            "attest",
            "check",
            "--offline",
            "--format",
            "json",
            "--advisory-db",
        ])
        .arg(mini_db())
        .args(["advisories", "yanked"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("RUSTSEC-2099-0001"), "{stdout}");
    assert!(stdout.contains("RUSTSEC-2099-0006"), "{stdout}");
    assert!(!stdout.contains("RUSTSEC-2099-0004"), "{stdout}");

    let output = integration_tests::attest_command(&dir)
        .args(["attest", "check", "--offline", "--advisory-db"])
        .arg(dir.join("missing-db"))
        .arg("advisories")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing-db"), "{stderr}");
}

#[test]
fn real_snapshot_finds_known_advisories() {
    let Some(db_path) = real_db() else { return };
    let root = scratch_dir().join("policy-advisories-real");
    copy_dir(&fixtures_dir().join("policy-advisories/real"), &root);
    let loaded = load(&root);
    let mut graph = loaded.graph.clone();
    graph.target = LINUX.to_owned();
    let options = PolicyOptions {
        offline: true,
        advisory_db: Some(db_path),
        environment: env(None),
        ..PolicyOptions::default()
    };
    let findings = advisories_of(&loaded.workspace, &graph, &options);
    let found: BTreeSet<(String, String, Severity)> = findings
        .iter()
        .map(|f| (f.code.to_string(), crate_of(f).0, f.severity))
        .collect();
    let expected: BTreeSet<(String, String, Severity)> = [
        // Unmaintained: warn.
        ("RUSTSEC-2023-0089", "atomic-polyfill", Warn),
        ("RUSTSEC-2024-0370", "proc-macro-error", Warn),
        ("RUSTSEC-2024-0436", "paste", Warn),
        ("RUSTSEC-2025-0057", "fxhash", Warn),
        // Vulnerabilities: deny.
        ("RUSTSEC-2026-0098", "rustls-webpki", Deny),
        ("RUSTSEC-2026-0099", "rustls-webpki", Deny),
        ("RUSTSEC-2026-0104", "rustls-webpki", Deny),
    ]
    .into_iter()
    .map(|(id, name, severity)| (id.to_owned(), name.to_owned(), severity))
    .collect();
    assert_eq!(found, expected, "{findings:#?}");
    // rustsec's own lockfile scan (what cargo-audit runs), informational advisories included.
    let db = rustsec_db(options.advisory_db.as_deref().unwrap());
    let query = rustsec::database::Query::new()
        .collection(rustsec::Collection::Crates)
        .withdrawn(false);
    let theirs: BTreeSet<(String, String)> = db
        .query_vulnerabilities(&rustsec_lockfile(&root.join("Cargo.lock")), &query)
        .into_iter()
        .map(|v| (v.advisory.id.to_string(), v.package.name.to_string()))
        .collect();
    let ours: BTreeSet<(String, String)> =
        found.into_iter().map(|(id, name, _)| (id, name)).collect();
    assert_eq!(ours, theirs);
    let webpki = find(&findings, "RUSTSEC-2026-0098");
    assert!(
        webpki.fix.starts_with("upgrade rustls-webpki to"),
        "{}",
        webpki.fix
    );
    assert!(
        webpki
            .message
            .contains("https://rustsec.org/advisories/RUSTSEC-2026-0098")
    );
}
