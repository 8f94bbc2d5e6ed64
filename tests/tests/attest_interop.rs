//! `cargo attest` against the third-party verification harness (`../shared/verify`):
//!
//! - every bundle `cargo attest sign` writes, with either key type, passes `check-bundle`
//!   (@sigstore/verify) and its envelope passes `check-dsse` (securesystemslib, in-toto);
//! - `cargo attest verify` gives the harness's own verdict on the harness's valid and tampered
//!   samples (`selftest.sh`, made with openssl and pyca/cryptography), with the two documented
//!   exceptions below.
//!
//! The harness is not part of this repository. Set `CARGO_SBOM_VERIFY_DIR` to its directory (as
//! `.ci/run` does) to run these tests; without it they print a note and pass. When it is set,
//! every failure fails. The self-test needs `openssl`.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use integration_tests::{attest_command, scratch_dir, verify_dir};
use serde_json::Value;

const ALGORITHMS: [&str; 2] = ["ed25519", "ecdsa-p256"];

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn attest(dir: &Path, args: &[&str]) -> Output {
    attest_command(dir).args(args).output().unwrap()
}

#[track_caller]
fn attest_ok(dir: &Path, args: &[&str]) -> Output {
    let output = attest(dir, args);
    assert!(
        output.status.success(),
        "cargo-attest {args:?}:\n{}",
        text(&output)
    );
    output
}

/// Runs the harness commands several at a time; fails with every one whose exit status is not
/// the expected one (`true`: PASS, exit 0; `false`: FAIL, exit 1).
fn run_checks(jobs: Vec<(String, Command, bool)>) {
    let queue = Mutex::new(jobs);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some((what, mut command, pass)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let output = command.stdin(Stdio::null()).output().unwrap();
                    let expected = if pass { 0 } else { 1 };
                    if output.status.code() != Some(expected) {
                        failures.lock().unwrap().push(format!(
                            "{what}: expected exit {expected}, got {:?}\n{}",
                            output.status.code(),
                            text(&output)
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A fresh directory for one test.
fn workdir(name: &str) -> PathBuf {
    let dir = scratch_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The predicates signed: SLSA provenance (parsed strictly into the SLSA protobuf by the
/// harness), a CycloneDX SBOM and an arbitrary predicate.
fn predicates(dir: &Path) -> Vec<(&'static str, &'static str, PathBuf)> {
    let slsa = serde_json::json!({
        "buildDefinition": {
            "buildType": "https://example.org/buildtypes/test/v1",
            "externalParameters": {"source": {"uri": "git+https://github.com/cargo-attest/cargo-attest@refs/heads/main"}},
            "internalParameters": {"profile": "release"},
            "resolvedDependencies": [{
                "uri": "pkg:cargo/serde@1.0.200",
                "digest": {"sha256": "ab".repeat(32)}
            }]
        },
        "runDetails": {
            "builder": {"id": "https://example.org/builders/test"},
            "metadata": {"invocationId": "interop-1", "startedOn": "2024-05-01T12:00:00Z"}
        }
    });
    let cyclonedx = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "version": "1.0.0"}},
        "components": []
    });
    let plain = serde_json::json!({"note": "any JSON object", "list": [1, 2, 3]});
    [
        ("slsa", "https://slsa.dev/provenance/v1", slsa),
        ("cyclonedx", "https://cyclonedx.org/bom", cyclonedx),
        ("plain", "https://example.org/predicate/v1", plain),
    ]
    .into_iter()
    .map(|(name, predicate_type, value)| {
        let path = dir.join(format!("{name}.predicate.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        (name, predicate_type, path)
    })
    .collect()
}

/// Writes the `dsseEnvelope` of a bundle as a bare envelope next to it.
fn extract_envelope(bundle: &Path) -> PathBuf {
    let value: Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    let path = bundle.with_extension("dsse.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&value["dsseEnvelope"]).unwrap(),
    )
    .unwrap();
    path
}

#[test]
fn our_bundles_pass_check_bundle_and_check_dsse() {
    let Some(harness) = verify_dir("the third-party attestation checks") else {
        return;
    };
    let check_bundle = harness.join("check-bundle");
    let check_dsse = harness.join("check-dsse");
    assert!(
        check_bundle.is_file(),
        "{} is missing",
        check_bundle.display()
    );
    assert!(check_dsse.is_file(), "{} is missing", check_dsse.display());
    let dir = workdir("interop-ours");
    let mut jobs: Vec<(String, Command, bool)> = Vec::new();
    let job = |program: &Path, args: &[&Path]| {
        let mut command = Command::new(program);
        command.args(args);
        command
    };

    for algorithm in ALGORITHMS {
        // A plain key and an encrypted one (the encryption must not change the signature).
        let prefix = dir.join(algorithm);
        attest_ok(
            &dir,
            &["keygen", "--algorithm", algorithm, "-o", s(&prefix)],
        );
        let encrypted_prefix = dir.join(format!("{algorithm}-enc"));
        let output = attest_command(&dir)
            .args(["keygen", "--algorithm", algorithm, "-o"])
            .arg(&encrypted_prefix)
            .env("CARGO_ATTEST_PASSWORD", "pw")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
        let other_prefix = dir.join(format!("{algorithm}-other"));
        attest_ok(
            &dir,
            &["keygen", "--algorithm", algorithm, "-o", s(&other_prefix)],
        );
        let other_public = dir.join(format!("{algorithm}-other.pub"));

        let first = dir.join(format!("{algorithm}-app-1.0.0.crate"));
        std::fs::write(&first, format!("first artifact {algorithm}").repeat(100)).unwrap();
        let second = dir.join(format!("{algorithm}-app-1.0.0.tar.gz"));
        std::fs::write(&second, format!("second artifact {algorithm}").repeat(100)).unwrap();
        let stranger = dir.join(format!("{algorithm}-stranger.bin"));
        std::fs::write(&stranger, "not a subject").unwrap();

        for (name, predicate_type, predicate) in predicates(&dir) {
            for encrypted in [false, true] {
                let stem = format!("{algorithm}{}", if encrypted { "-enc" } else { "" });
                let key = dir.join(format!("{stem}.key"));
                let public = dir.join(format!("{stem}.pub"));
                let tag = format!("{stem}-{name}");
                let bundle = dir.join(format!("{tag}.sigstore.json"));
                let output = attest_command(&dir)
                    .args(["sign", "--key", s(&key), "--predicate", s(&predicate)])
                    .args(["--type", predicate_type, "--subject", s(&first)])
                    .args(["--subject", s(&second), "-o", s(&bundle)])
                    .env("CARGO_ATTEST_PASSWORD", "pw")
                    .output()
                    .unwrap();
                assert!(output.status.success(), "{tag}: {}", text(&output));
                // Our own verifier agrees first.
                attest_ok(
                    &dir,
                    &[
                        "verify",
                        "--key",
                        s(&public),
                        "--bundle",
                        s(&bundle),
                        "--type",
                        predicate_type,
                        s(&first),
                        s(&second),
                    ],
                );
                let envelope = extract_envelope(&bundle);
                for artifact in [&first, &second] {
                    jobs.push((
                        format!("check-bundle {tag} {}", artifact.display()),
                        job(&check_bundle, &[&bundle, &public, artifact]),
                        true,
                    ));
                    jobs.push((
                        format!("check-dsse {tag} {}", artifact.display()),
                        job(&check_dsse, &[&envelope, &public, artifact]),
                        true,
                    ));
                }
                jobs.push((
                    format!("check-bundle {tag} (no artifact)"),
                    job(&check_bundle, &[&bundle, &public]),
                    true,
                ));
                // The checks can fail: another key, an artifact that is not a subject.
                if name == "slsa" && !encrypted {
                    jobs.push((
                        format!("check-bundle {tag} with another key"),
                        job(&check_bundle, &[&bundle, &other_public, &first]),
                        false,
                    ));
                    jobs.push((
                        format!("check-dsse {tag} with another key"),
                        job(&check_dsse, &[&envelope, &other_public, &first]),
                        false,
                    ));
                    jobs.push((
                        format!("check-bundle {tag} with a stranger artifact"),
                        job(&check_bundle, &[&bundle, &public, &stranger]),
                        false,
                    ));
                }
            }
        }
    }
    run_checks(jobs);
}

/// Deletes the self-test's work directory, also when an assertion fails.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `cargo attest verify` must say about a sample.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// Exit 0, `Verified OK`.
    Pass,
    /// Exit 1, `FAILED` and this text on stdout.
    Fail(&'static str),
}

/// One `cargo attest verify` run over a harness sample: the file (relative to the self-test's
/// work directory), the public key (`keys/NAME.pub.pem`), the artifact, and our verdict.
struct Case {
    sample: String,
    key: String,
    artifact: Option<&'static str>,
    verdict: Verdict,
}

fn case(sample: &str, key: &str, artifact: Option<&'static str>, verdict: Verdict) -> Case {
    Case {
        sample: sample.to_owned(),
        key: key.to_owned(),
        artifact,
        verdict,
    }
}

/// The samples of `lib/selftest_samples.py` with the keys and artifacts `selftest.sh` checks them
/// with. Our verdict is the harness's verdict except where a comment says otherwise.
fn sample_cases() -> Vec<Case> {
    use Verdict::{Fail, Pass};
    const A: Option<&str> = Some("artifact.crate");
    const O: Option<&str> = Some("other.crate");
    const BAD_SIGNATURE: Verdict = Fail("signature does not verify");
    let mut cases = Vec::new();
    for alg in ["ed25519", "p256"] {
        let other = format!("{alg}-other");
        let dsse = |name: &str| format!("dsse/{name}.dsse.json");
        let bundle = |name: &str| format!("bundle/{name}.sigstore.json");
        cases.extend([
            case(&dsse(alg), alg, A, Pass),
            case(&dsse(alg), alg, None, Pass),
            case(&dsse(&format!("{alg}-bad-sig")), alg, None, BAD_SIGNATURE),
            case(
                &dsse(&format!("{alg}-modified-payload")),
                alg,
                None,
                BAD_SIGNATURE,
            ),
            case(&dsse(alg), &other, None, BAD_SIGNATURE),
            case(&dsse(alg), alg, O, Fail("is not a subject")),
            case(&bundle(alg), alg, A, Pass),
            case(&bundle(alg), alg, None, Pass),
            case(&bundle(&format!("{alg}-bad-sig")), alg, None, BAD_SIGNATURE),
            case(
                &bundle(&format!("{alg}-modified-payload")),
                alg,
                None,
                BAD_SIGNATURE,
            ),
            case(&bundle(alg), &other, None, BAD_SIGNATURE),
            case(&bundle(alg), alg, O, Fail("is not a subject")),
        ]);
    }
    cases.extend([
        // Exception: securesystemslib (check-dsse) accepts an envelope with one foreign and one
        // valid signature, because its threshold is "at least one". Our rule is that of
        // @sigstore/bundle and cosign for a key-signed attestation: exactly one signature. A
        // second, unverifiable signature is something a verifier cannot vouch for, so we reject
        // it (and check-bundle rejects the same envelope inside a bundle).
        case(
            "dsse/ed25519-two-signatures.dsse.json",
            "ed25519",
            A,
            Fail("exactly one signature"),
        ),
        case(
            "dsse/ed25519-wrong-payloadtype.dsse.json",
            "ed25519",
            None,
            Fail("payload type is `application/json`"),
        ),
        case(
            "dsse/p256-raw-rs-sig.dsse.json",
            "p256",
            None,
            BAD_SIGNATURE,
        ),
        case("dsse/ed25519.dsse.json", "p256", None, BAD_SIGNATURE),
        case(
            "dsse/ed25519-no-builder-id.dsse.json",
            "ed25519",
            None,
            Fail("runDetails.builder.id"),
        ),
        case(
            "dsse/ed25519-statement-v0.1.dsse.json",
            "ed25519",
            None,
            Fail("`_type`"),
        ),
        case(
            "dsse/ed25519-no-sha256.dsse.json",
            "ed25519",
            None,
            Fail("SHA-256"),
        ),
        case(
            "bundle/ed25519-no-builder-id.sigstore.json",
            "ed25519",
            None,
            Fail("runDetails.builder.id"),
        ),
        case(
            "bundle/ed25519-wrong-mediatype.sigstore.json",
            "ed25519",
            None,
            Fail("bundle media type"),
        ),
        case(
            "bundle/p256-raw-rs-sig.sigstore.json",
            "p256",
            None,
            BAD_SIGNATURE,
        ),
        case(
            "bundle/ed25519-two-signatures.sigstore.json",
            "ed25519",
            None,
            Fail("exactly one signature"),
        ),
        case(
            "bundle/ed25519-wrong-payloadtype.sigstore.json",
            "ed25519",
            None,
            Fail("payload type is `application/json`"),
        ),
        // Transparency-log entries: check-bundle verifies them against SIGSTORE_TRUSTED_ROOT and
        // fails without it. `cargo attest verify` has no trusted root, so its verdict is the
        // harness's verdict without one: both samples fail, refused rather than the entry being
        // ignored (ignoring it would accept the forged entry of the wrong-body sample).
        case(
            "bundle/ed25519-tlog.sigstore.json",
            "ed25519",
            A,
            Fail("transparency-log entries"),
        ),
        case(
            "bundle/ed25519-tlog-wrong-body.sigstore.json",
            "ed25519",
            None,
            Fail("transparency-log entries"),
        ),
    ]);
    cases
}

#[test]
fn our_verify_agrees_with_the_harness_samples() {
    let Some(harness) = verify_dir("the third-party attestation samples") else {
        return;
    };
    let openssl = Command::new("openssl").arg("version").output();
    assert!(
        openssl.is_ok_and(|o| o.status.success()),
        "the harness self-test needs openssl on PATH"
    );
    let output = Command::new(harness.join("selftest.sh"))
        .env("KEEP", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let work = stdout
        .lines()
        .find_map(|l| l.strip_prefix("work dir: "))
        .map(|d| PathBuf::from(d.trim()))
        .unwrap_or_else(|| panic!("selftest.sh printed no work dir:\n{}", text(&output)));
    assert!(work.is_absolute(), "{}", work.display());
    let _cleanup = RemoveOnDrop(work.clone());
    assert!(
        output.status.success(),
        "the harness self-test failed:\n{}",
        text(&output)
    );

    let cases = sample_cases();
    // Every sample the harness writes is covered (a new sample must be added here).
    for sub in ["dsse", "bundle"] {
        for entry in std::fs::read_dir(work.join(sub)).unwrap() {
            let name = format!("{sub}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                cases.iter().any(|c| c.sample == name),
                "harness sample {name} is not covered by this test"
            );
        }
    }

    let mut wrong = Vec::new();
    for c in &cases {
        let key = work.join(format!("keys/{}.pub.pem", c.key));
        let mut args = vec![
            "verify".to_owned(),
            "--key".into(),
            s(&key).into(),
            "--bundle".into(),
            s(&work.join(&c.sample)).into(),
        ];
        if let Some(artifact) = c.artifact {
            args.push(s(&work.join(artifact)).into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = attest(&work, &args);
        let out = String::from_utf8_lossy(&output.stdout);
        let ok = match c.verdict {
            Verdict::Pass => output.status.code() == Some(0) && out.starts_with("Verified OK"),
            Verdict::Fail(reason) => {
                output.status.code() == Some(1)
                    && out.starts_with("FAILED ")
                    && out.contains(reason)
            }
        };
        if !ok {
            wrong.push(format!(
                "{} (key {}, artifact {:?}): expected {:?}, got exit {:?}\n{}",
                c.sample,
                c.key,
                c.artifact,
                c.verdict,
                output.status.code(),
                text(&output)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} verdicts differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );

    // The valid samples also meet the expectations they were made with, and our key id is the
    // harness's key id (SHA-256 of the SPKI DER, its `publicKey.hint` for the Ed25519 bundle).
    let bundle_path = work.join("bundle/ed25519.sigstore.json");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
    let hint = bundle["verificationMaterial"]["publicKey"]["hint"]
        .as_str()
        .unwrap();
    let output = attest_ok(
        &work,
        &[
            "verify",
            "--key",
            s(&work.join("keys/ed25519.pub.pem")),
            "--bundle",
            s(&bundle_path),
            "--type",
            "https://slsa.dev/provenance/v1",
            "--builder-id",
            "https://example.com/builders/selftest",
            s(&work.join("artifact.crate")),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("signed by key {hint}")),
        "{stdout}"
    );

    // The harness's openssl keys sign with `cargo attest sign`, and check-bundle accepts that.
    let predicate = work.join("predicate.json");
    std::fs::write(&predicate, r#"{"from": "cargo attest sign"}"#).unwrap();
    let mut jobs = Vec::new();
    for alg in ["ed25519", "p256"] {
        let out = work.join(format!("ours-{alg}.sigstore.json"));
        attest_ok(
            &work,
            &[
                "sign",
                "--key",
                s(&work.join(format!("keys/{alg}.key"))),
                "--predicate",
                s(&predicate),
                "--type",
                "https://example.org/predicate/v1",
                "--subject",
                s(&work.join("artifact.crate")),
                "-o",
                s(&out),
            ],
        );
        let mut command = Command::new(harness.join("check-bundle"));
        command
            .arg(&out)
            .arg(work.join(format!("keys/{alg}.pub.pem")))
            .arg(work.join("artifact.crate"));
        jobs.push((format!("check-bundle ours-{alg}"), command, true));
    }
    run_checks(jobs);
}
