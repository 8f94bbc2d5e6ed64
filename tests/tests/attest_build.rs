//! `cargo attest build` on the `attest-app` fixture (a binary, a cdylib, a build script and the
//! registry crate `itoa`): artifacts as subjects with their SHA-256, SBOMs of exactly the compiled
//! packages with lifecycle `build`, the provenance content, byte-identical output of two builds
//! with `SOURCE_DATE_EPOCH`, cargo's exit code and no files for a failed build, and the
//! third-party checkers (`check-bundle`, `check-dsse`, `check-cyclonedx`, `check-spdx`) when
//! `CARGO_SBOM_VERIFY_DIR` is set.
//!
//! The fixture is copied once per test process into the build directory and made a git
//! repository with a deterministic commit and an `origin` URL that carries credentials (which
//! must never reach a statement).

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use integration_tests::{
    assert_checker_passes, attest_command, bundle_statement, copy_dir, fetch_crates, fixtures_dir,
    git_in, make_git_repo, read_json, scratch_dir, verify_dir,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const ORIGIN_WITH_CREDENTIALS: &str = "https://ci-user:s3cr3t-t0ken@example.com/org/attest-app.git";
const ORIGIN: &str = "https://example.com/org/attest-app.git";
const LOCAL_BUILDER: &str = "https://github.com/cargo-attest/cargo-attest/builders/local";
const STEM: &str = "attest-app-0.1.0";

/// The fixture copy: its directory, the commit and the key pairs.
struct App {
    dir: PathBuf,
    commit: String,
    /// `(algorithm, private key, public key)`.
    keys: Vec<(&'static str, PathBuf, PathBuf)>,
}

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let base = scratch_dir().join("attest-app");
        let dir = base.join("app");
        copy_dir(&fixtures_dir().join("attest-app"), &dir);
        fetch_crates(&dir);
        let commit = make_git_repo(&dir);
        git_in(&dir, &["remote", "add", "origin", ORIGIN_WITH_CREDENTIALS]);
        let keys = ["ecdsa-p256", "ed25519"]
            .into_iter()
            .map(|algorithm| {
                let prefix = base.join(algorithm);
                let output = attest_command(&base)
                    .args(["keygen", "--algorithm", algorithm, "-o"])
                    .arg(&prefix)
                    .output()
                    .unwrap();
                assert!(output.status.success(), "{output:?}");
                (
                    algorithm,
                    prefix.with_extension("key"),
                    prefix.with_extension("pub"),
                )
            })
            .collect();
        App { dir, commit, keys }
    })
}

/// Runs `cargo attest build --key KEY --out-dir OUT -- --offline EXTRA…` in the fixture, with
/// the fixture's own target directory and no CI variables.
fn attest_build(key: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut command = attest_command(&app().dir);
    command
        .args(["build", "--key"])
        .arg(key)
        .arg("--out-dir")
        .arg(out)
        .args(["--", "--offline"])
        .args(extra)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI");
    command.output().unwrap()
}

/// Builds with the given key into a fresh directory and returns it.
fn built(algorithm: &str, name: &str) -> PathBuf {
    let (_, key, _) = key_pair(algorithm);
    let out = scratch_dir().join("attest-out").join(name);
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap();
    }
    let output = attest_build(key, &out, &[]);
    assert!(
        output.status.success(),
        "cargo attest build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn key_pair(algorithm: &str) -> &'static (&'static str, PathBuf, PathBuf) {
    app().keys.iter().find(|(a, _, _)| *a == algorithm).unwrap()
}

/// The statement inside a Sigstore bundle.
fn statement(bundle: &Path) -> Value {
    bundle_statement(&read_json(bundle))
}

fn sha256_of(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The artifacts cargo leaves in the fixture's target directory.
fn artifacts() -> Vec<(String, PathBuf)> {
    let debug = app().dir.join("target/debug");
    let library = if cfg!(target_os = "macos") {
        "libattest_app.dylib"
    } else if cfg!(windows) {
        "attest_app.dll"
    } else {
        "libattest_app.so"
    };
    let binary = format!("attest-app{}", std::env::consts::EXE_SUFFIX);
    vec![
        (binary.clone(), debug.join(binary)),
        (library.to_owned(), debug.join(library)),
    ]
}

fn subjects(statement: &Value) -> BTreeSet<(String, String)> {
    statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["digest"]["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn artifacts_are_the_subjects_of_every_attestation() {
    let out = built("ecdsa-p256", "subjects");
    let expected: BTreeSet<(String, String)> = artifacts()
        .iter()
        .map(|(name, path)| (name.clone(), sha256_of(path)))
        .collect();
    for (suffix, predicate_type) in [
        ("provenance", "https://slsa.dev/provenance/v1"),
        ("cdx", "https://cyclonedx.org/bom"),
        ("spdx", "https://spdx.dev/Document"),
    ] {
        let statement = statement(&out.join(format!("{STEM}.{suffix}.sigstore.json")));
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(statement["predicateType"], predicate_type);
        // Build scripts and `.rlib`/`.rmeta` files are never subjects.
        assert_eq!(subjects(&statement), expected, "{suffix}");
    }
    // The SBOM attestations carry the SBOM files as their predicates.
    assert_eq!(
        statement(&out.join(format!("{STEM}.cdx.sigstore.json")))["predicate"],
        read_json(&out.join(format!("{STEM}.cdx.json")))
    );
    assert_eq!(
        statement(&out.join(format!("{STEM}.spdx.sigstore.json")))["predicate"],
        read_json(&out.join(format!("{STEM}.spdx.json")))
    );
}

#[test]
fn sboms_hold_exactly_the_compiled_packages_with_lifecycle_build() {
    let out = built("ecdsa-p256", "sboms");
    let compiled: BTreeSet<String> = ["attest-app@0.1.0", "itoa@1.0.19"]
        .map(str::to_owned)
        .into();

    let cdx = read_json(&out.join(format!("{STEM}.cdx.json")));
    assert_eq!(cdx["specVersion"], "1.6");
    assert_eq!(cdx["metadata"]["lifecycles"][0]["phase"], "build");
    let mut cdx_packages: BTreeSet<String> = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}@{}",
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap()
            )
        })
        .collect();
    let root = &cdx["metadata"]["component"];
    cdx_packages.insert(format!(
        "{}@{}",
        root["name"].as_str().unwrap(),
        root["version"].as_str().unwrap()
    ));
    assert_eq!(cdx_packages, compiled);

    let spdx = read_json(&out.join(format!("{STEM}.spdx.json")));
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    let spdx_packages: BTreeSet<String> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["versionInfo"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(spdx_packages, compiled);
}

#[test]
fn provenance_records_source_toolchain_dependencies_and_byproducts() {
    let app = app();
    let out = built("ed25519", "provenance");
    let statement = statement(&out.join(format!("{STEM}.provenance.sigstore.json")));
    let predicate = &statement["predicate"];
    let definition = &predicate["buildDefinition"];
    assert_eq!(
        definition["buildType"],
        "https://github.com/cargo-attest/cargo-attest/buildtypes/cargo-build/v1"
    );
    let external = &definition["externalParameters"];
    assert_eq!(
        external["source"]["uri"],
        format!("git+{ORIGIN}@refs/heads/main")
    );
    assert_eq!(external["source"]["digest"]["gitCommit"], app.commit);
    assert_eq!(external["package"], "attest-app");
    assert_eq!(external["profile"], "dev");
    assert_eq!(external["cargoArgs"], serde_json::json!(["--offline"]));
    assert!(external["target"].as_str().is_some_and(|t| !t.is_empty()));

    let internal = &definition["internalParameters"];
    assert!(
        internal["rustc"]["version"]
            .as_str()
            .unwrap()
            .starts_with("rustc ")
    );
    assert!(internal["cargo"].as_str().unwrap().starts_with("cargo "));
    assert_eq!(internal["env"]["SOURCE_DATE_EPOCH"], "1700000000");

    let dependencies = definition["resolvedDependencies"].as_array().unwrap();
    let source = &dependencies[0];
    assert_eq!(source["uri"], format!("git+{ORIGIN}"));
    assert_eq!(source["digest"]["gitCommit"], app.commit);
    assert_eq!(source["annotations"]["dirty"], false);
    let by_name = |name: &str| {
        dependencies
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no resolved dependency {name}"))
    };
    assert_eq!(
        by_name("Cargo.lock")["digest"]["sha256"],
        sha256_of(&app.dir.join("Cargo.lock"))
    );
    assert!(
        by_name("rustc")["uri"]
            .as_str()
            .unwrap()
            .starts_with("pkg:generic/rustc@")
    );
    let itoa = by_name("itoa@1.0.19");
    assert_eq!(itoa["uri"], "pkg:cargo/itoa@1.0.19");
    assert_eq!(
        itoa["digest"]["sha256"],
        "3bd1574e617a9a6c1f8f8181bd7e841e1f20e4277607ef28945765188d6284d4"
    );
    by_name("attest-app@0.1.0");

    let run = &predicate["runDetails"];
    assert_eq!(run["builder"]["id"], LOCAL_BUILDER);
    assert_eq!(
        run["builder"]["version"]["cargo-attest"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(run["metadata"]["startedOn"], "2023-11-14T22:13:20Z");
    assert_eq!(run["metadata"]["finishedOn"], "2023-11-14T22:13:20Z");
    assert!(run["metadata"].get("invocationId").is_none());
    let byproducts = run["byproducts"].as_array().unwrap();
    assert_eq!(byproducts.len(), 3);
    for (byproduct, media_type) in byproducts.iter().zip([
        "application/vnd.cyclonedx+json",
        "application/spdx+json",
        "application/spdx+json",
    ]) {
        let file = out.join(byproduct["name"].as_str().unwrap());
        assert_eq!(byproduct["digest"]["sha256"], sha256_of(&file));
        assert_eq!(byproduct["mediaType"], media_type);
    }

    // No credentials and no host paths anywhere in what was written.
    let home = std::env::var("HOME").unwrap_or_default();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let mut texts = vec![std::fs::read_to_string(&path).unwrap()];
        if path.to_string_lossy().ends_with(".sigstore.json") {
            texts.push(self::statement(&path).to_string());
        }
        for text in texts {
            assert!(!text.contains("s3cr3t"), "{}", path.display());
            assert!(!text.contains("ci-user"), "{}", path.display());
            assert!(
                !text.contains(&app.dir.display().to_string()),
                "{}",
                path.display()
            );
            if home.len() > 1 {
                assert!(!text.contains(&home), "{}", path.display());
            }
        }
    }
}

#[test]
fn cargo_attest_verify_accepts_the_build() {
    let out = built("ecdsa-p256", "verify");
    let (_, _, public) = key_pair("ecdsa-p256");
    let output = attest_command(&app().dir)
        .args(["verify", "--key"])
        .arg(public)
        .arg("--bundle")
        .arg(out.join(format!("{STEM}.provenance.sigstore.json")))
        .args([
            "--type",
            "https://slsa.dev/provenance/v1",
            "--builder-id",
            LOCAL_BUILDER,
            "--source-uri",
            "example.com/org/attest-app",
        ])
        .args(artifacts().iter().map(|(_, path)| path))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn two_builds_of_one_commit_are_byte_identical() {
    for algorithm in ["ecdsa-p256", "ed25519"] {
        let first = built(algorithm, &format!("same-{algorithm}-1"));
        let second = built(algorithm, &format!("same-{algorithm}-2"));
        let names: BTreeSet<String> = std::fs::read_dir(&first)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "cdx.json",
                "cdx.sigstore.json",
                "provenance.sigstore.json",
                "spdx.json",
                "spdx.sigstore.json",
                "spdx3.json",
                "spdx3.sigstore.json"
            ]
            .map(|suffix| format!("{STEM}.{suffix}"))
            .into()
        );
        for name in names {
            assert!(
                std::fs::read(first.join(&name)).unwrap()
                    == std::fs::read(second.join(&name)).unwrap(),
                "{algorithm}: {name} differs between two builds"
            );
        }
    }
}

#[test]
fn a_failed_build_returns_cargos_exit_code_and_writes_nothing() {
    let (_, key, _) = key_pair("ed25519");
    let out = scratch_dir().join("attest-out").join("failed");
    let output = attest_build(key, &out, &["--features", "broken"]);
    assert_eq!(output.status.code(), Some(101), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no attestation was written"), "{stderr}");
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn a_message_format_of_the_user_is_refused() {
    let (_, key, _) = key_pair("ed25519");
    let out = scratch_dir().join("attest-out").join("message-format");
    let output = attest_build(key, &out, &["--message-format", "short"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(!out.exists());
}

#[test]
fn third_party_checkers_accept_the_output() {
    let Some(verify) = verify_dir("the third-party checks of cargo attest build") else {
        return;
    };
    for algorithm in ["ecdsa-p256", "ed25519"] {
        let out = built(algorithm, &format!("third-party-{algorithm}"));
        let (_, _, public) = key_pair(algorithm);
        let run = |checker: &str, args: &[&Path]| assert_checker_passes(&verify, checker, args);
        for suffix in ["provenance", "cdx", "spdx"] {
            let bundle = out.join(format!("{STEM}.{suffix}.sigstore.json"));
            let envelope = out.join(format!("{STEM}.{suffix}.envelope.json"));
            std::fs::write(&envelope, read_json(&bundle)["dsseEnvelope"].to_string()).unwrap();
            for (_, artifact) in artifacts() {
                run("check-bundle", &[&bundle, public, &artifact]);
                run("check-dsse", &[&envelope, public, &artifact]);
            }
        }
        run("check-cyclonedx", &[&out.join(format!("{STEM}.cdx.json"))]);
        run("check-spdx", &[&out.join(format!("{STEM}.spdx.json"))]);
    }
}
