//! `cargo attest ssdf` end to end: the real binary on a small path-only workspace in a temporary
//! directory (offline, no registry) with a declared manual evidence file: exit code, the
//! Markdown and JSON reports (every PS/PW task, the manual evidence digest, determinism), a
//! configuration error, and a report signed with `--key` that `cargo attest verify` accepts
//! (and `check-bundle` / `check-dsse` when `CARGO_SBOM_VERIFY_DIR` is set).

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::path::Path;
use std::process::{Command, Output};

use integration_tests::{
    assert_checker_passes, attest_command, bundle_statement, read_json, verify_dir,
    write_app_util_workspace, write_file,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const THREAT_MODEL: &str = "# Threat model\n\nAssets, actors, mitigations.\n";

/// A path-only workspace (`app` → `util`) with a lockfile, an `attest.toml` declaring a threat
/// model for PW.1.1 and a test report that does not exist for PW.8.2.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("attest-ssdf-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    write_app_util_workspace(root);
    write_file(root, "docs/threat-model.md", THREAT_MODEL);
    write_file(
        root,
        "attest.toml",
        r#"[ssdf]
manual = [
  { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model" },
  { task = "PW.8.2", path = "docs/test-report.md", description = "Test report" },
]
not-applicable = [{ task = "PW.4.2", reason = "No components for reuse" }]
"#,
    );
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["generate-lockfile", "--offline"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn ssdf(root: &Path, args: &[&str]) -> Output {
    attest_command(root)
        .args(["attest", "ssdf", "--offline"])
        .args(args)
        .output()
        .unwrap()
}

fn assert_ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn task<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn json_report_has_every_task_and_the_manual_evidence() {
    let ws = workspace();
    let stdout = assert_ok(&ssdf(ws.path(), &["--format", "json"]));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "PS.1.1", "PS.2.1", "PS.3.1", "PS.3.2", "PW.1.1", "PW.1.2", "PW.1.3", "PW.2.1",
            "PW.4.1", "PW.4.2", "PW.4.4", "PW.5.1", "PW.6.1", "PW.6.2", "PW.7.1", "PW.7.2",
            "PW.8.1", "PW.8.2", "PW.9.1", "PW.9.2",
        ]
    );
    let pw11 = task(&report, "PW.1.1");
    assert_eq!(pw11["status"], "attested-manually");
    assert_eq!(pw11["level"], 1);
    assert_eq!(
        pw11["manual"][0]["sha256"],
        sha256_hex(THREAT_MODEL.as_bytes())
    );
    let pw82 = task(&report, "PW.8.2");
    assert_eq!(pw82["status"], "not-met");
    assert!(pw82["manual"][0].get("sha256").is_none());
    assert!(
        pw82["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("docs/test-report.md does not exist")),
        "{pw82}"
    );
    assert_eq!(task(&report, "PW.4.2")["status"], "not-applicable");
    // Every rule ran; the lockfile is evidence with its digest; attest.toml is recorded.
    assert!(
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ran"] == true)
    );
    let lock = std::fs::read(ws.path().join("Cargo.lock")).unwrap();
    let evidence = report["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e["name"] == "Cargo.lock" && e["sha256"] == sha256_hex(&lock))
    );
    assert!(
        evidence
            .iter()
            .any(|e| e["name"] == "attest.toml" && e["kind"] == "policy")
    );
    assert_eq!(report["context"]["configuration"], "attest.toml");
    let items: Vec<&str> = report["cisaAttestationForm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["2", "3", "4"]);
    // SOURCE_DATE_EPOCH (set by attest_command) is the generation time.
    assert!(report["generated"].as_str().unwrap().ends_with('Z'));

    // Deterministic: a second run writes the same bytes.
    let again = assert_ok(&ssdf(ws.path(), &["--format", "json"]));
    assert_eq!(stdout, again);
}

#[test]
fn markdown_report_to_a_file() {
    let ws = workspace();
    let out = ws.path().join("ssdf.md");
    let output = ssdf(ws.path(), &["--out", out.to_str().unwrap()]);
    assert_ok(&output);
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("# SSDF report"), "{md}");
    for needle in [
        "| PW.9.2 ",
        "attested manually",
        "docs/threat-model.md",
        "## Achievement levels",
        "CISA Secure Software Development Attestation Form",
    ] {
        assert!(md.contains(needle), "{needle} missing:\n{md}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("SSDF 20 tasks"));
}

#[test]
fn an_unknown_task_is_a_configuration_error() {
    let ws = workspace();
    write_file(
        ws.path(),
        "attest.toml",
        "[ssdf]\nmanual = [{ task = \"PO.1.1\", path = \"x.md\", description = \"x\" }]\n",
    );
    let output = ssdf(ws.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("attest.toml:2"), "{stderr}");
    assert!(stderr.contains("unknown SSDF task `PO.1.1`"), "{stderr}");
}

#[test]
fn signed_report_verifies() {
    let ws = workspace();
    let root = ws.path();
    let keys = root.join("keys");
    std::fs::create_dir(&keys).unwrap();
    let output = attest_command(root)
        .args(["attest", "keygen", "--algorithm", "ed25519", "-o"])
        .arg(keys.join("k"))
        .output()
        .unwrap();
    assert_ok(&output);
    let key = keys.join("k.key");
    let public = keys.join("k.pub");

    // --key without --out is a usage error.
    let output = ssdf(root, &["--key", key.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));

    let out = root.join("ssdf.json");
    let output = ssdf(
        root,
        &[
            "--format",
            "json",
            "--key",
            key.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_ok(&output);
    let bundle = root.join("ssdf.json.sigstore.json");
    let bundle_json = read_json(&bundle);
    let payload = bundle_statement(&bundle_json);
    assert_eq!(
        payload["predicateType"],
        "https://github.com/cargo-attest/cargo-attest/ssdf-report/v1"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(payload["predicate"], report);
    assert_eq!(report["context"]["signed"], true);
    let subjects: Vec<&str> = payload["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for name in [
        "Cargo.lock",
        "attest.toml",
        "docs/threat-model.md",
        "ssdf.json",
    ] {
        assert!(subjects.contains(&name), "{name} not in {subjects:?}");
    }

    let verify = attest_command(root)
        .args(["attest", "verify", "--key"])
        .arg(&public)
        .arg("--bundle")
        .arg(&bundle)
        .args([
            "--type",
            "https://github.com/cargo-attest/cargo-attest/ssdf-report/v1",
        ])
        .arg(root.join("Cargo.lock"))
        .arg(&out)
        .output()
        .unwrap();
    let stdout = assert_ok(&verify);
    assert!(stdout.contains("Verified OK"), "{stdout}");

    if let Some(dir) = verify_dir("the third-party checks of the signed SSDF report") {
        let envelope = root.join("ssdf.envelope.json");
        std::fs::write(&envelope, bundle_json["dsseEnvelope"].to_string()).unwrap();
        let lockfile = root.join("Cargo.lock");
        for (checker, file) in [("check-bundle", &bundle), ("check-dsse", &envelope)] {
            assert_checker_passes(
                &dir,
                checker,
                &[file.as_path(), public.as_path(), &lockfile],
            );
        }
    }
}
