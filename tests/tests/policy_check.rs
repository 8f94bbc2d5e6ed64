//! `cargo attest check` and `cargo attest init` end to end: the real binary on small path-only
//! workspaces made in temporary directories (offline, no registry), covering the `lockfile` and
//! `source-control` rules, exit codes, the human, JSON and SARIF reports (SARIF validated against
//! the vendored SARIF 2.1.0 schema) and configuration errors.
//!
//! Most runs name the rules they are about (`check lockfile source-control`), so that the
//! verdicts do not depend on the other rules; `every_rule_runs_and_reports` runs them all.

use std::path::{Path, PathBuf};
use std::process::Output;

use integration_tests::{
    assert_sarif_is_clean, attest_command, fixtures_dir, git_in, repo_root, verify_dir,
    write_app_util_workspace, write_file,
};
use serde_json::Value;

const MY_RULES: [&str; 2] = ["lockfile", "source-control"];

/// A temporary workspace: `app` (bin) depending on the path member `util`.
struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    /// The workspace with a generated `Cargo.lock`, not a git repository.
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("attest-policy-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path();
        write_app_util_workspace(root);
        let ws = Self { dir };
        ws.cargo(&["generate-lockfile", "--offline"]);
        ws
    }

    /// The workspace as a git repository with everything committed.
    fn committed() -> Self {
        let ws = Self::new();
        ws.git(&["init", "-q"]);
        ws.git(&["add", "-A"]);
        ws.git(&["commit", "-q", "-m", "initial"]);
        ws
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn cargo(&self, args: &[&str]) {
        let output = integration_tests::cargo()
            .current_dir(self.root())
            .args(args)
            .output()
            .expect("run cargo");
        assert!(
            output.status.success(),
            "cargo {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs git in the workspace ([`git_in`]).
    fn git(&self, args: &[&str]) -> String {
        git_in(self.root(), args)
    }

    /// `cargo-attest attest check ARGS --offline` (as cargo runs it).
    fn check(&self, args: &[&str]) -> Run {
        let output = attest_command(self.root())
            .args(["attest", "check", "--offline"])
            .args(args)
            .env_remove("CARGO_TERM_COLOR")
            .env("NO_COLOR", "1")
            .output()
            .expect("run cargo-attest check");
        Run(output)
    }

    /// `check --format json` of the given rules.
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = self.check(&all);
        let value = serde_json::from_slice(&run.0.stdout).unwrap_or_else(|e| {
            panic!("check printed no JSON ({e}): {}", run.stderr());
        });
        (run.code(), value)
    }
}

struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exit code")
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
}

/// The `code`s of the findings of `rule` in a JSON report.
fn codes(report: &Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["code"].as_str().expect("code").to_owned())
        .collect()
}

fn finding<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding in {report:#}"))
}

// ---- lockfile ------------------------------------------------------------------------------

#[test]
fn a_clean_committed_workspace_passes() {
    let ws = Ws::committed();
    let run = ws.check(&MY_RULES);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().trim_end().ends_with("0 denied, 0 warnings"),
        "{}",
        run.stderr()
    );
    let (code, report) = ws.json(&MY_RULES);
    assert_eq!(code, 0);
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(
        ws.git(&["status", "--porcelain"]),
        "",
        "check changed files"
    );
}

#[test]
fn a_missing_lockfile_is_denied_and_not_created() {
    let ws = Ws::committed();
    ws.git(&["rm", "-q", "Cargo.lock"]);
    ws.git(&["commit", "-q", "-m", "no lockfile"]);
    let run = ws.check(&MY_RULES);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(
        stderr.contains("deny[lockfile]: there is no Cargo.lock"),
        "{stderr}"
    );
    assert!(stderr.contains("SSDF: PW.4.1, PS.1.1"), "{stderr}");
    assert!(
        stderr.contains("fix: run `cargo generate-lockfile`"),
        "{stderr}"
    );
    assert!(stderr.contains("1 denied, 0 warnings"), "{stderr}");
    assert!(!ws.path("Cargo.lock").exists(), "check left a Cargo.lock");
}

#[test]
fn an_untracked_or_ignored_lockfile_is_denied() {
    let ws = Ws::new();
    write_file(ws.root(), ".gitignore", "/target\n");
    ws.git(&["init", "-q"]);
    ws.git(&["add", "Cargo.toml", "app", "util", ".gitignore"]);
    ws.git(&["commit", "-q", "-m", "without the lockfile"]);
    let (code, report) = ws.json(&["lockfile"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&report, "lockfile"), ["untracked"]);
    assert_eq!(finding(&report, "untracked")["file"], "Cargo.lock");

    write_file(ws.root(), ".gitignore", "/target\nCargo.lock\n");
    let (code, report) = ws.json(&["lockfile"]);
    assert_eq!(code, 1);
    let message = finding(&report, "untracked")["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("ignored"), "{message}");

    // `require-tracked = false` turns the check off.
    write_file(
        ws.root(),
        "attest.toml",
        "[lockfile]\nrequire-tracked = false\n",
    );
    let (code, report) = ws.json(&["lockfile"]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn an_outdated_lockfile_is_denied_and_left_as_it_was() {
    let ws = Ws::committed();
    // A new path dependency that Cargo.lock does not list.
    write_file(
        ws.root(),
        "extra/Cargo.toml",
        "[package]\nname = \"extra\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write_file(ws.root(), "extra/src/lib.rs", "");
    let manifest = ws.path("app/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(
        &manifest,
        text.replace(
            "[dependencies]\n",
            "[dependencies]\nextra = { path = \"../extra\" }\n",
        ),
    )
    .expect("write");
    ws.git(&["add", "-A"]);
    ws.git(&["commit", "-q", "-m", "new dependency, stale lockfile"]);
    let before = std::fs::read(ws.path("Cargo.lock")).expect("read lockfile");

    let (code, report) = ws.json(&MY_RULES);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(codes(&report, "lockfile"), ["outdated"]);
    assert!(codes(&report, "source-control").is_empty(), "{report:#}");
    assert_eq!(
        std::fs::read(ws.path("Cargo.lock")).expect("read lockfile"),
        before,
        "check must restore the lockfile"
    );
}

/// Appends a crates.io package without a checksum to Cargo.lock (and commits it).
fn add_unchecked_registry_package(ws: &Ws) -> usize {
    let path = ws.path("Cargo.lock");
    let mut text = std::fs::read_to_string(&path).expect("read lockfile");
    let line = text.lines().count() + 2;
    text.push_str("\n[[package]]\nname = \"itoa\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n");
    std::fs::write(&path, text).expect("write lockfile");
    ws.git(&["commit", "-q", "-am", "unchecked package"]);
    line
}

#[test]
fn a_registry_package_without_checksum_is_denied_at_its_lockfile_line() {
    let ws = Ws::committed();
    let line = add_unchecked_registry_package(&ws);
    write_file(
        ws.root(),
        "attest.toml",
        "[lockfile]\nrequire-up-to-date = false\n",
    );
    ws.git(&["add", "attest.toml"]);
    ws.git(&["commit", "-q", "-m", "policy"]);
    let (code, report) = ws.json(&MY_RULES);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(codes(&report, "lockfile"), ["missing-checksum"]);
    let f = finding(&report, "missing-checksum");
    assert_eq!(f["severity"], "deny");
    assert_eq!(f["location"]["kind"], "crate");
    assert_eq!(f["location"]["name"], "itoa");
    assert_eq!(f["location"]["source"], "crates.io");
    assert_eq!(f["file"], "Cargo.lock");
    assert_eq!(f["line"], line);

    let run = ws.check(&["lockfile"]);
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!("--> Cargo.lock:{line}")),
        "{stderr}"
    );
    assert!(stderr.contains("crate: itoa 1.0.0 (crates.io)"), "{stderr}");
}

// ---- source-control ------------------------------------------------------------------------

#[test]
fn outside_git_source_control_warns_and_strict_denies() {
    let ws = Ws::new();
    let (code, report) = ws.json(&["source-control"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(codes(&report, "source-control"), ["not-a-repository"]);
    assert_eq!(finding(&report, "not-a-repository")["severity"], "warn");
    assert_eq!(report["summary"]["warn"], 1);

    let (code, report) = ws.json(&["--strict", "source-control"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&report, "not-a-repository")["severity"], "deny");
    // The lockfile rule needs no repository.
    let (code, report) = ws.json(&["lockfile"]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn a_dirty_tree_warns_and_strict_denies() {
    let ws = Ws::committed();
    write_file(
        ws.root(),
        "util/src/lib.rs",
        "/// Changed.\npub fn hello() {}\n",
    );
    write_file(ws.root(), "notes.txt", "untracked\n");
    let (code, report) = ws.json(&MY_RULES);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(codes(&report, "source-control"), ["dirty"]);
    let f = finding(&report, "dirty");
    assert_eq!(f["file"], "util/src/lib.rs");
    assert_eq!(f["severity"], "warn");

    let (code, report) = ws.json(&["--strict", "source-control"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["deny"], 1);

    // Untracked files count only when asked.
    write_file(
        ws.root(),
        "attest.toml",
        "[source-control]\ninclude-untracked = true\n",
    );
    let (_, report) = ws.json(&["source-control"]);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files, ["attest.toml", "notes.txt", "util/src/lib.rs"]);
}

#[test]
fn signed_commit_and_tag_are_required_when_configured() {
    let ws = Ws::committed();
    write_file(
        ws.root(),
        ".git/info/exclude",
        "attest.toml\n", // the policy itself stays out of the status
    );
    write_file(
        ws.root(),
        "attest.toml",
        "[source-control]\nrequire-signed-commit = true\nrequire-tag = true\n",
    );
    let (code, report) = ws.json(&["source-control"]);
    assert_eq!(code, 0, "{report:#}");
    let mut found = codes(&report, "source-control");
    found.sort();
    assert_eq!(found, ["unsigned-commit", "untagged"]);

    // A commit with a signature header (its presence is checked, not its validity) and a tag.
    let head = ws.git(&["rev-parse", "HEAD"]);
    let tree = ws.git(&["rev-parse", "HEAD^{tree}"]);
    let object = format!(
        "tree {tree}\nparent {head}\nauthor Policy Test <policy@example.org> 1700000000 +0000\ncommitter Policy Test <policy@example.org> 1700000000 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lHAAAAAQ==\n -----END SSH SIGNATURE-----\n\nsigned release\n"
    );
    let object_path = ws.path(".git/signed-commit");
    std::fs::write(&object_path, object).expect("write commit object");
    let signed = ws.git(&[
        "hash-object",
        "-t",
        "commit",
        "-w",
        object_path.to_str().expect("utf-8 path"),
    ]);
    ws.git(&["update-ref", "HEAD", &signed]);
    ws.git(&["tag", "v1.0.0"]);
    let (code, report) = ws.json(&["--strict", "source-control"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(codes(&report, "source-control").is_empty(), "{report:#}");
}

// ---- reports -------------------------------------------------------------------------------

#[test]
fn json_report_has_findings_summary_and_rules() {
    let ws = Ws::committed();
    ws.git(&["rm", "-q", "--cached", "Cargo.lock"]);
    ws.git(&["commit", "-q", "-m", "untrack the lockfile"]);
    let (code, report) = ws.json(&MY_RULES);
    assert_eq!(code, 1, "{report:#}");
    let f = finding(&report, "untracked");
    for key in [
        "severity", "rule", "location", "code", "message", "fix", "ssdf",
    ] {
        assert!(!f[key].is_null(), "{key} missing in {f:#}");
    }
    assert_eq!(f["rule"], "lockfile");
    assert_eq!(f["ssdf"], serde_json::json!(["PW.4.1", "PS.1.1"]));
    assert_eq!(f["location"]["kind"], "file");
    assert_eq!(report["summary"]["deny"], 1);
    assert_eq!(report["summary"]["warn"], 0);
    let rules = report["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1]["id"], "source-control");
    assert_eq!(rules[1]["ssdf"], serde_json::json!(["PS.1.1"]));
    assert!(rules[1]["description"].is_string());
}

#[test]
fn sarif_report_is_valid_sarif_2_1_0() {
    let ws = Ws::committed();
    let line = add_unchecked_registry_package(&ws);
    write_file(
        ws.root(),
        "util/src/lib.rs",
        "/// Dirty.\npub fn hello() {}\n",
    );
    let out = ws.path("results.sarif");
    let run = ws.check(&[
        "--format",
        "sarif",
        "-o",
        out.to_str().expect("utf-8 path"),
        "lockfile",
        "source-control",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("denied"), "{}", run.stderr());
    let log: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read SARIF")).expect("SARIF is JSON");

    let schema: Value = serde_json::from_slice(
        &std::fs::read(fixtures_dir().join("policy-sarif/sarif-schema-2.1.0.json"))
            .expect("read the vendored schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("compile the SARIF schema");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    // The schema does reject what is not SARIF.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !validator.is_valid(&broken),
        "the schema accepted level `fatal`"
    );

    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cargo-attest");
    assert!(driver["informationUri"].is_string());
    assert!(driver["version"].is_string());
    assert_eq!(driver["rules"][0]["id"], "lockfile");
    assert_eq!(
        driver["rules"][0]["properties"]["tags"],
        serde_json::json!(["PW.4.1", "PS.1.1"])
    );
    assert!(driver["rules"][0]["shortDescription"]["text"].is_string());
    let results = run["results"].as_array().expect("results");
    let checksum = results
        .iter()
        .find(|r| r["ruleId"] == "lockfile")
        .expect("lockfile result");
    assert_eq!(checksum["level"], "error");
    let location = &checksum["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "Cargo.lock");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], line);
    let text = checksum["message"]["text"].as_str().expect("text");
    assert!(text.contains("Fix: "), "{text}");
    let dirty = results
        .iter()
        .find(|r| r["ruleId"] == "source-control")
        .expect("source-control result");
    assert_eq!(dirty["level"], "warning");
    assert_eq!(
        dirty["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "util/src/lib.rs"
    );
    // A finding on a whole file covers its lines (GitHub shows a region, not a file-level alert).
    assert_eq!(
        dirty["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({ "startLine": 1, "endLine": 2 })
    );

    // What GitHub code scanning needs of every rule: a name that is not its id, descriptions,
    // help and a reference page; of every result: a region and a stable fingerprint.
    for rule in driver["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let name = rule["name"].as_str().expect("name");
        assert!(
            !name.eq_ignore_ascii_case(&id.replace('-', "")),
            "{id}: {name}"
        );
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{id} {key}"
            );
        }
        assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/cargo-attest/cargo-attest/blob/main/docs/rules/{id}.md")
        );
        assert!(
            repo_root().join(format!("docs/rules/{id}.md")).is_file(),
            "{id}: no reference page"
        );
    }
    for result in results {
        assert!(result["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64());
        assert!(result["partialFingerprints"]["cargoAttestFinding/v1"].is_string());
    }
    let again = ws.check(&["--format", "sarif", "lockfile", "source-control"]);
    let again: Value = serde_json::from_slice(&again.0.stdout).expect("SARIF is JSON");
    let prints = |log: &Value| -> Vec<Value> {
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert_eq!(prints(&log), prints(&again), "fingerprints are stable");

    // GitHub's upload rules and the SARIF Multitool.
    if let Some(verify) = verify_dir("check-sarif") {
        assert_sarif_is_clean(&verify, &out);
    }
}

#[test]
fn every_rule_runs_and_reports() {
    let ws = Ws::committed();
    let (code, report) = ws.json(&[]);
    assert!(code == 0 || code == 1, "exit {code}: {report:#}");
    let ids: Vec<&str> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    // Every rule of the registry, in its order.
    let registry: Vec<&str> = cargo_attest::policy::rules::all()
        .map(|rule| rule.as_str())
        .collect();
    assert_eq!(ids, registry);
    assert!(ids.len() >= 10, "{ids:?}");
    assert!(codes(&report, "lockfile").is_empty(), "{report:#}");
    assert!(codes(&report, "source-control").is_empty(), "{report:#}");
}

#[test]
fn human_report_can_go_to_a_file() {
    let ws = Ws::new();
    let out = ws.path("report.txt");
    let run = ws.check(&[
        "-o",
        out.to_str().expect("utf-8 path"),
        "--strict",
        "source-control",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let text = std::fs::read_to_string(&out).expect("read report");
    assert!(
        text.contains("deny[source-control]: the workspace is not in a git repository"),
        "{text}"
    );
    assert!(text.contains("--> Cargo.toml"), "{text}");
    assert!(text.trim_end().ends_with("1 denied, 0 warnings"), "{text}");
    assert!(!text.contains('\x1b'), "no colour in files");
}

// ---- usage and configuration errors ----------------------------------------------------------

#[test]
fn configuration_errors_name_file_line_and_key() {
    let ws = Ws::committed();
    write_file(
        ws.root(),
        "attest.toml",
        "# policy\n\n[lockfile]\nrequire-tracked = true\nrequire-everything = true\n",
    );
    let run = ws.check(&MY_RULES);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(stderr.contains("attest.toml:5"), "{stderr}");
    assert!(stderr.contains("require-everything"), "{stderr}");

    write_file(
        ws.root(),
        "attest.toml",
        "[source-control]\n\nrequire-tag = \"yes\"\n",
    );
    let run = ws.check(&MY_RULES);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(stderr.contains("attest.toml:3"), "{stderr}");
    assert!(stderr.contains("bool"), "{stderr}");

    let run = ws.check(&["--config", "nowhere.toml"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("nowhere.toml"), "{}", run.stderr());
}

#[test]
fn usage_errors_exit_2() {
    let ws = Ws::committed();
    let run = ws.check(&["no-such-rule"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("unknown rule"), "{}", run.stderr());
    let run = ws.check(&["-p", "no-such-member", "lockfile"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let run = ws.check(&["--format", "xml"]);
    assert_eq!(run.code(), 2);
    let empty = tempfile::tempdir().expect("tempdir");
    let output = attest_command(empty.path())
        .args(["attest", "check", "--offline"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

// ---- init ----------------------------------------------------------------------------------

#[test]
fn init_writes_a_default_config_that_parses_to_the_defaults() {
    let ws = Ws::committed();
    let init = |args: &[&str]| {
        attest_command(&ws.path("app"))
            .args(["attest", "init"])
            .args(args)
            .output()
            .expect("run init")
    };
    let output = init(&[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Written at the workspace root, not in the member directory.
    let path = ws.path("attest.toml");
    let text = std::fs::read_to_string(&path).expect("attest.toml written");
    let parsed = cargo_attest::attest_toml::parse(&path, &text).expect("the default config parses");
    assert_eq!(
        format!("{parsed:?}"),
        format!("{:?}", cargo_attest::attest_toml::defaults())
    );
    for section in ["[lockfile]", "[source-control]", "require-signed-commit"] {
        assert!(text.contains(section), "{section} missing");
    }

    // Never overwritten without --force.
    std::fs::write(&path, "# mine\n").expect("write");
    let output = init(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "# mine\n");
    let output = init(&["--force"]);
    assert!(output.status.success());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);

    // The generated policy gives the same verdict as no policy.
    let with = ws.json(&MY_RULES);
    std::fs::remove_file(&path).expect("remove");
    let without = ws.json(&MY_RULES);
    assert_eq!(with.0, 0, "{:#}", with.1);
    assert_eq!(with.1["findings"], without.1["findings"]);
}

#[test]
fn readme_documents_pre_merge_use() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("read README");
    assert!(readme.contains("cargo attest check --format sarif -o results.sarif"));
    assert!(readme.contains("github/codeql-action/upload-sarif"));
    assert!(readme.contains("cargo attest init"));
}
