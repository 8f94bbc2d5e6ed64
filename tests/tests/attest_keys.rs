//! `cargo attest keygen`, `sign` and `verify` end to end: real keys of both algorithms, real
//! signatures and real files, through the real `cargo-attest` binary.
//!
//! Exit codes under test: 0 success, 1 verification failed (a reason is printed on stdout), 2 a
//! usage, key or input error (one `error:` line on stderr, no output file left behind).
//! The third-party interoperability checks are in `attest_interop.rs`.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use integration_tests::{attest_command, read_json, scratch_dir};
use serde_json::Value;

/// The `--algorithm` values of `keygen`.
const ALGORITHMS: [&str; 2] = ["ed25519", "ecdsa-p256"];
const PREDICATE_TYPE: &str = "https://example.org/predicate/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const BUILDER_ID: &str = "https://example.org/builders/test";
const SOURCE: &str = "git+https://github.com/cargo-attest/cargo-attest@refs/heads/main";

/// What a `cargo-attest` run did.
#[derive(Debug)]
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success:\n{}", self.all());
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// Exit 2 with one `error:` line naming the problem (`needle`), and no panic.
    #[track_caller]
    fn usage_error(&self, needle: &str) -> &Self {
        assert_eq!(self.code, Some(2), "expected exit 2:\n{}", self.all());
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// Exit 1 (verification failed), `FAILED` and the reason (`needle`) on stdout.
    #[track_caller]
    fn rejected(&self, needle: &str) -> &Self {
        assert_eq!(self.code, Some(1), "expected exit 1:\n{}", self.all());
        assert!(self.stdout.starts_with("FAILED "), "{}", self.stdout);
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

/// Runs `cargo-attest ARGS` in `dir` with extra environment and optional standard input.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
    let mut command = attest_command(dir);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    run_command(command, stdin)
}

fn run_command(mut command: Command, stdin: Option<&str>) -> Out {
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cargo-attest");
    if let Some(input) = stdin {
        // The process may exit without reading (e.g. on an earlier error): ignore EPIPE.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    let output = child.wait_with_output().unwrap();
    Out {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh directory for one test: `<scratch>/<name>`.
fn workdir(name: &str) -> PathBuf {
    let dir = scratch_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `keygen --algorithm ALG -o DIR/PREFIX`, asserted to succeed; returns (PREFIX.key, PREFIX.pub).
fn keygen(dir: &Path, prefix: &str, algorithm: &str) -> (PathBuf, PathBuf) {
    let base = dir.join(prefix);
    run_in(
        dir,
        &["keygen", "--algorithm", algorithm, "-o", s(&base)],
        &[],
        None,
    )
    .ok();
    (
        dir.join(format!("{prefix}.key")),
        dir.join(format!("{prefix}.pub")),
    )
}

/// A file with content unique to `tag`.
fn artifact(dir: &Path, name: &str, tag: &str) -> PathBuf {
    let path = dir.join(name);
    let mut bytes = Vec::new();
    for i in 0..512u32 {
        bytes.extend_from_slice(format!("{tag}:{i};").as_bytes());
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A SLSA Provenance v1 predicate naming [`BUILDER_ID`] and [`SOURCE`].
fn provenance_predicate(dir: &Path) -> PathBuf {
    let path = dir.join("provenance.json");
    let predicate = serde_json::json!({
        "buildDefinition": {
            "buildType": "https://example.org/buildtypes/test/v1",
            "externalParameters": {"source": {"uri": SOURCE}, "profile": "release"},
        },
        "runDetails": {"builder": {"id": BUILDER_ID}},
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&predicate).unwrap()).unwrap();
    path
}

/// A generic (non-SLSA) predicate.
fn plain_predicate(dir: &Path) -> PathBuf {
    let path = dir.join("predicate.json");
    std::fs::write(&path, br#"{"note": "a test predicate", "n": 1}"#).unwrap();
    path
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// Replaces the base64 character at the middle of `text` by another one, so the decoded bytes
/// change (a middle character never falls on padding bits).
fn flip_base64(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `openssl`, when it is installed.
fn openssl() -> Option<Command> {
    let probe = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if probe.is_ok_and(|s| s.success()) {
        Some(Command::new("openssl"))
    } else {
        eprintln!("note: openssl is not installed; skipping the openssl cross-checks");
        None
    }
}

/// With openssl installed: the private key parses (with `password` when encrypted), its public
/// half is exactly the `.pub` file, and the `.pub` file is the expected key type.
fn openssl_cross_check(private: &Path, public: &Path, algorithm: &str, password: Option<&str>) {
    let Some(mut command) = openssl() else { return };
    command.args(["pkey", "-in", s(private), "-pubout"]);
    if let Some(password) = password {
        command.args(["-passin", &format!("pass:{password}")]);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "openssl could not read {}: {}",
        private.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        std::fs::read_to_string(public).unwrap(),
        "openssl derives a different public key from {}",
        private.display()
    );
    let output = Command::new("openssl")
        .args(["pkey", "-pubin", "-in", s(public), "-noout", "-text"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let expected = if algorithm == "ed25519" {
        "ED25519 Public-Key"
    } else {
        "prime256v1"
    };
    assert!(text.contains(expected), "{text}");
}

/// A signed bundle of one algorithm and what it was made from.
struct Signed {
    dir: PathBuf,
    key: PathBuf,
    public: PathBuf,
    artifact: PathBuf,
    bundle: PathBuf,
}

/// Key pair, artifact, SLSA provenance predicate and the bundle signed over them.
fn signed_provenance(test: &str, algorithm: &str) -> Signed {
    let dir = workdir(&format!("{test}-{algorithm}"));
    let (key, public) = keygen(&dir, "signer", algorithm);
    let artifact = artifact(&dir, "app-1.0.0.crate", &format!("{test}-{algorithm}"));
    let predicate = provenance_predicate(&dir);
    let bundle = dir.join("app.sigstore.json");
    run_in(
        &dir,
        &[
            "sign",
            "--key",
            s(&key),
            "--predicate",
            s(&predicate),
            "--type",
            SLSA,
            "--subject",
            s(&artifact),
            "-o",
            s(&bundle),
        ],
        &[],
        None,
    )
    .ok();
    Signed {
        dir,
        key,
        public,
        artifact,
        bundle,
    }
}

impl Signed {
    fn verify(&self, bundle: &Path, public: &Path, extra: &[&str]) -> Out {
        let mut args = vec!["verify", "--key", s(public), "--bundle", s(bundle)];
        args.extend_from_slice(extra);
        run_in(&self.dir, &args, &[], None)
    }

    /// Writes the bundle with `change` applied to its JSON as `NAME.json` and verifies it.
    fn verify_changed(&self, name: &str, extra: &[&str], change: impl FnOnce(&mut Value)) -> Out {
        let mut value = read_json(&self.bundle);
        change(&mut value);
        let path = self.dir.join(format!("{name}.json"));
        write_json(&path, &value);
        self.verify(&path, &self.public, extra)
    }
}

// ---- keygen ------------------------------------------------------------------------------------

#[test]
fn keygen_writes_a_private_pkcs8_key_0600_and_a_public_spki_key() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("keygen-{algorithm}"));
        let (key, public) = keygen(&dir, "release", algorithm);
        let private_text = std::fs::read_to_string(&key).unwrap();
        assert!(
            private_text.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "{algorithm}: not PKCS#8 PEM"
        );
        assert!(
            private_text
                .trim_end()
                .ends_with("-----END PRIVATE KEY-----")
        );
        let public_text = std::fs::read_to_string(&public).unwrap();
        assert!(public_text.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(public_text.trim_end().ends_with("-----END PUBLIC KEY-----"));
        #[cfg(unix)]
        assert_eq!(mode(&key), 0o600, "{algorithm}: {}", key.display());
        openssl_cross_check(&key, &public, algorithm, None);
        // Nothing else is left in the directory (no temporary files).
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["release.key", "release.pub"]);
    }
}

#[test]
fn keygen_keeps_dots_in_the_prefix() {
    let dir = workdir("keygen-dots");
    let (key, public) = keygen(&dir, "release.v2", "ed25519");
    assert!(key.ends_with("release.v2.key") && key.is_file());
    assert!(public.ends_with("release.v2.pub") && public.is_file());
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("keygen-force-{algorithm}"));
        let (key, public) = keygen(&dir, "k", algorithm);
        let before = (
            std::fs::read(&key).unwrap(),
            std::fs::read(&public).unwrap(),
        );
        let prefix = dir.join("k");
        let keygen_args = ["keygen", "--algorithm", algorithm, "-o", s(&prefix)];
        run_in(&dir, &keygen_args, &[], None).usage_error("--force");
        assert_eq!(
            std::fs::read(&key).unwrap(),
            before.0,
            "private key changed"
        );
        assert_eq!(
            std::fs::read(&public).unwrap(),
            before.1,
            "public key changed"
        );

        // Either file alone blocks keygen too, and the missing one is not created.
        std::fs::remove_file(&key).unwrap();
        run_in(&dir, &keygen_args, &[], None).usage_error("k.pub already exists");
        assert!(!key.exists(), "keygen wrote the private key anyway");
        assert_eq!(std::fs::read(&public).unwrap(), before.1);
        std::fs::write(&key, &before.0).unwrap();

        let mut forced = keygen_args.to_vec();
        forced.push("--force");
        run_in(&dir, &forced, &[], None).ok();
        let after = (
            std::fs::read(&key).unwrap(),
            std::fs::read(&public).unwrap(),
        );
        assert_ne!(after.0, before.0, "--force did not replace the private key");
        assert_ne!(after.1, before.1, "--force did not replace the public key");
        #[cfg(unix)]
        assert_eq!(mode(&key), 0o600);
        assert!(String::from_utf8_lossy(&after.0).starts_with("-----BEGIN PRIVATE KEY-----"));
        openssl_cross_check(&key, &public, algorithm, None);
    }
}

#[test]
fn keygen_encrypts_with_a_password_from_the_environment_or_stdin() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("keygen-encrypted-{algorithm}"));
        let env_prefix = dir.join("env");
        run_in(
            &dir,
            &["keygen", "--algorithm", algorithm, "-o", s(&env_prefix)],
            &[("CARGO_ATTEST_PASSWORD", "from-the-env")],
            None,
        )
        .ok();
        let stdin_prefix = dir.join("stdin");
        run_in(
            &dir,
            &[
                "keygen",
                "--algorithm",
                algorithm,
                "-o",
                s(&stdin_prefix),
                "--password-stdin",
            ],
            // Only the first line is the password; the variable is ignored with --password-stdin.
            &[("CARGO_ATTEST_PASSWORD", "not-this-one")],
            Some("from stdin\nsecond line\n"),
        )
        .ok();
        for (prefix, password) in [("env", "from-the-env"), ("stdin", "from stdin")] {
            let key = dir.join(format!("{prefix}.key"));
            let text = std::fs::read_to_string(&key).unwrap();
            assert!(
                text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
                "{algorithm} {prefix}: not encrypted PKCS#8"
            );
            #[cfg(unix)]
            assert_eq!(mode(&key), 0o600);
            openssl_cross_check(
                &key,
                &dir.join(format!("{prefix}.pub")),
                algorithm,
                Some(password),
            );
        }

        // An empty password line is refused before anything is written.
        let empty = dir.join("empty");
        run_in(
            &dir,
            &["keygen", "-o", s(&empty), "--password-stdin"],
            &[],
            Some("\n"),
        )
        .usage_error("password is empty");
        assert!(!dir.join("empty.key").exists() && !dir.join("empty.pub").exists());
    }
}

// ---- sign and verify ---------------------------------------------------------------------------

#[test]
fn sign_and_verify_round_trip() {
    for algorithm in ALGORITHMS {
        let signed = signed_provenance("round-trip", algorithm);
        let bundle = read_json(&signed.bundle);
        assert_eq!(
            bundle["mediaType"],
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        assert_eq!(
            bundle["dsseEnvelope"]["payloadType"],
            "application/vnd.in-toto+json"
        );
        assert_eq!(
            bundle["dsseEnvelope"]["signatures"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            bundle["verificationMaterial"]["publicKey"]["hint"],
            bundle["dsseEnvelope"]["signatures"][0]["keyid"]
        );

        let artifact = s(&signed.artifact);
        let out = signed.verify(&signed.bundle, &signed.public, &[artifact]);
        out.ok();
        assert!(out.stdout.starts_with("Verified OK"), "{}", out.stdout);
        assert!(out.stdout.contains(SLSA), "{}", out.stdout);
        // Without artifacts, and with every expectation met.
        signed.verify(&signed.bundle, &signed.public, &[]).ok();
        signed
            .verify(
                &signed.bundle,
                &signed.public,
                &[
                    "--type",
                    SLSA,
                    "--builder-id",
                    BUILDER_ID,
                    "--source-uri",
                    "https://github.com/cargo-attest/cargo-attest",
                    artifact,
                ],
            )
            .ok();
        signed
            .verify(
                &signed.bundle,
                &signed.public,
                &["--source-uri", "github.com/Cargo-Attest/cargo-attest.git"],
            )
            .ok();
        // Cargo's calling convention: `cargo-attest attest verify …`.
        let mut command = attest_command(&signed.dir);
        command.args([
            "attest",
            "verify",
            "--key",
            s(&signed.public),
            "--bundle",
            s(&signed.bundle),
            artifact,
        ]);
        run_command(command, None).ok();
    }
}

#[test]
fn sign_several_subjects_to_stdout_with_the_key_in_the_environment() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("env-key-{algorithm}"));
        let (key, public) = keygen(&dir, "ci", algorithm);
        let pem = std::fs::read_to_string(&key).unwrap();
        let first = artifact(&dir, "a.bin", "first");
        let second = artifact(&dir, "b.bin", "second");
        let predicate = plain_predicate(&dir);
        let out = run_in(
            &dir,
            &[
                "sign",
                "--predicate",
                s(&predicate),
                "--type",
                PREDICATE_TYPE,
                "--subject",
                s(&first),
                "--subject",
                s(&second),
            ],
            &[("CARGO_ATTEST_KEY", &pem)],
            None,
        );
        out.ok();
        let bundle = dir.join("stdout.sigstore.json");
        std::fs::write(&bundle, &out.stdout).unwrap();
        let value = read_json(&bundle);
        assert_eq!(
            value["mediaType"],
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        let verify = |extra: &[&str]| {
            let mut args = vec!["verify", "--key", s(&public), "--bundle", s(&bundle)];
            args.extend_from_slice(extra);
            run_in(&dir, &args, &[], None)
        };
        let out = verify(&["--type", PREDICATE_TYPE, s(&first), s(&second)]);
        out.ok();
        assert!(out.stdout.contains("2 subject(s)"), "{}", out.stdout);
        // A non-SLSA predicate names no builder and no source.
        verify(&["--builder-id", BUILDER_ID]).rejected("names no builder id");
        verify(&["--source-uri", "github.com/cargo-attest/cargo-attest"])
            .rejected("source repository is not");
    }
}

#[test]
fn keys_made_by_openssl_sign_and_verify() {
    if openssl().is_none() {
        return;
    }
    let dir = workdir("openssl-keys");
    let subject = artifact(&dir, "x.bin", "openssl");
    let predicate = plain_predicate(&dir);
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    for (name, algorithm) in [
        ("ed25519", &["-algorithm", "ed25519"][..]),
        (
            "p256",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
    ] {
        for password in [None, Some("open sesame")] {
            let stem = format!(
                "{name}-{}",
                if password.is_some() { "enc" } else { "plain" }
            );
            let key = dir.join(format!("{stem}.key"));
            let public = dir.join(format!("{stem}.pub"));
            let mut genpkey = vec!["genpkey"];
            genpkey.extend_from_slice(algorithm);
            let pass_arg = password.map(|p| format!("pass:{p}"));
            if let Some(pass) = &pass_arg {
                // PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
                genpkey.extend(["-aes-256-cbc", "-pass", pass]);
            }
            genpkey.extend(["-out", s(&key)]);
            openssl(&genpkey);
            let mut pubout = vec!["pkey", "-in", s(&key), "-pubout", "-out", s(&public)];
            if let Some(pass) = &pass_arg {
                pubout.extend(["-passin", pass]);
            }
            openssl(&pubout);
            let bundle = dir.join(format!("{stem}.sigstore.json"));
            let env: Vec<(&str, &str)> = password
                .map(|p| vec![("CARGO_ATTEST_PASSWORD", p)])
                .unwrap_or_default();
            run_in(
                &dir,
                &[
                    "sign",
                    "--key",
                    s(&key),
                    "--predicate",
                    s(&predicate),
                    "--type",
                    PREDICATE_TYPE,
                    "--subject",
                    s(&subject),
                    "-o",
                    s(&bundle),
                ],
                &env,
                None,
            )
            .ok();
            run_in(
                &dir,
                &[
                    "verify",
                    "--key",
                    s(&public),
                    "--bundle",
                    s(&bundle),
                    s(&subject),
                ],
                &[],
                None,
            )
            .ok();
        }
    }
    // A SEC1 `EC PRIVATE KEY` is not PKCS#8: refused with a message naming the type.
    let sec1 = dir.join("sec1.key");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        s(&sec1),
    ]);
    let out_path = dir.join("sec1.sigstore.json");
    run_in(
        &dir,
        &[
            "sign",
            "--key",
            s(&sec1),
            "--predicate",
            s(&predicate),
            "--type",
            PREDICATE_TYPE,
            "--subject",
            s(&subject),
            "-o",
            s(&out_path),
        ],
        &[],
        None,
    )
    .usage_error("unsupported PEM type `EC PRIVATE KEY`");
    assert!(!out_path.exists());
}

#[test]
fn encrypted_keys_sign_with_the_right_password_only() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("encrypted-sign-{algorithm}"));
        let prefix = dir.join("enc");
        run_in(
            &dir,
            &["keygen", "--algorithm", algorithm, "-o", s(&prefix)],
            &[("CARGO_ATTEST_PASSWORD", "right horse")],
            None,
        )
        .ok();
        let key = dir.join("enc.key");
        let public = dir.join("enc.pub");
        let pem = std::fs::read_to_string(&key).unwrap();
        let subject = artifact(&dir, "x.bin", algorithm);
        let predicate = plain_predicate(&dir);
        let out_path = dir.join("out.sigstore.json");
        let sign_args = |key_flag: bool, stdin: bool| {
            let mut args = vec![
                "sign",
                "--predicate",
                s(&predicate),
                "--type",
                PREDICATE_TYPE,
                "--subject",
                s(&subject),
                "-o",
                s(&out_path),
            ];
            if key_flag {
                args.extend(["--key", s(&key)]);
            }
            if stdin {
                args.push("--password-stdin");
            }
            args
        };
        let verify = || {
            run_in(
                &dir,
                &[
                    "verify",
                    "--key",
                    s(&public),
                    "--bundle",
                    s(&out_path),
                    s(&subject),
                ],
                &[],
                None,
            )
            .ok();
            std::fs::remove_file(&out_path).unwrap();
        };

        // Right password: environment, stdin, and the key itself from the environment.
        let right = [("CARGO_ATTEST_PASSWORD", "right horse")];
        run_in(&dir, &sign_args(true, false), &right, None).ok();
        verify();
        run_in(&dir, &sign_args(true, true), &[], Some("right horse\n")).ok();
        verify();
        let env_key = [
            ("CARGO_ATTEST_KEY", pem.as_str()),
            ("CARGO_ATTEST_PASSWORD", "right horse"),
        ];
        run_in(&dir, &sign_args(false, false), &env_key, None).ok();
        verify();

        // Wrong or missing password: exit 2, a clear message, no bundle.
        let wrong = [("CARGO_ATTEST_PASSWORD", "wrong horse")];
        run_in(&dir, &sign_args(true, false), &wrong, None).usage_error("wrong password");
        assert!(!out_path.exists());
        run_in(&dir, &sign_args(true, true), &[], Some("wrong horse\n"))
            .usage_error("wrong password");
        assert!(!out_path.exists());
        run_in(&dir, &sign_args(true, false), &[], None).usage_error("CARGO_ATTEST_PASSWORD");
        assert!(!out_path.exists());
        run_in(&dir, &sign_args(true, true), &[], Some("")).usage_error("password is empty");
        assert!(!out_path.exists());
    }
}

#[test]
fn sign_errors_exit_2_and_leave_no_output() {
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("sign-errors-{algorithm}"));
        let (key, public) = keygen(&dir, "k", algorithm);
        let subject = artifact(&dir, "x.bin", algorithm);
        let predicate = plain_predicate(&dir);
        let out_path = dir.join("out.sigstore.json");
        let sign = |key: Option<&Path>,
                    predicate: &Path,
                    subject: &Path,
                    env: &[(&str, &str)],
                    needle: &str| {
            let mut args = vec![
                "sign",
                "--predicate",
                s(predicate),
                "--type",
                PREDICATE_TYPE,
                "--subject",
                s(subject),
                "-o",
                s(&out_path),
            ];
            if let Some(key) = key {
                args.extend(["--key", s(key)]);
            }
            run_in(&dir, &args, env, None).usage_error(needle);
            assert!(
                !out_path.exists(),
                "{needle}: an output file was left behind"
            );
            let leftovers: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect();
            assert!(leftovers.is_empty(), "{needle}: {leftovers:?}");
        };

        // Keys.
        sign(None, &predicate, &subject, &[], "no signing key");
        let missing = dir.join("missing.key");
        sign(Some(&missing), &predicate, &subject, &[], "cannot read it");
        // A directory is unreadable as a key even for root.
        sign(Some(&dir), &predicate, &subject, &[], "cannot read it");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let locked = dir.join("locked.key");
            std::fs::copy(&key, &locked).unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
            // Root reads mode-000 files anyway; then this case says nothing and is skipped.
            if std::fs::read(&locked).is_err() {
                sign(
                    Some(&locked),
                    &predicate,
                    &subject,
                    &[],
                    "Permission denied",
                );
            }
        }
        sign(
            Some(&public),
            &predicate,
            &subject,
            &[],
            "this is a public key",
        );
        let public_pem = std::fs::read_to_string(&public).unwrap();
        let env = [("CARGO_ATTEST_KEY", public_pem.as_str())];
        sign(None, &predicate, &subject, &env, "this is a public key");
        sign(
            None,
            &predicate,
            &subject,
            &[("CARGO_ATTEST_KEY", "")],
            "not a PEM",
        );
        let not_pem = dir.join("not-pem.key");
        std::fs::write(&not_pem, "hello\n").unwrap();
        sign(Some(&not_pem), &predicate, &subject, &[], "not a PEM");
        let binary = dir.join("binary.key");
        std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).unwrap();
        sign(Some(&binary), &predicate, &subject, &[], "binary.key");

        // Inputs.
        let absent = dir.join("absent.bin");
        sign(Some(&key), &predicate, &absent, &[], "could not read");
        sign(
            Some(&key),
            &dir.join("absent.json"),
            &subject,
            &[],
            "could not read",
        );
        let not_json = dir.join("not-json.json");
        std::fs::write(&not_json, "{\"unterminated\": ").unwrap();
        sign(Some(&key), &not_json, &subject, &[], "not valid JSON");
        let text = dir.join("text.json");
        std::fs::write(&text, "just some text\n").unwrap();
        sign(Some(&key), &text, &subject, &[], "not valid JSON");
        let array = dir.join("array.json");
        std::fs::write(&array, "[1, 2]").unwrap();
        sign(Some(&key), &array, &subject, &[], "JSON object");
        // in-toto-attestation validators reject an empty predicate (`Predicate object required`).
        let empty = dir.join("empty.json");
        std::fs::write(&empty, "{}").unwrap();
        sign(Some(&key), &empty, &subject, &[], "non-empty JSON object");

        // An existing output file is left as it was.
        std::fs::write(&out_path, "previous content").unwrap();
        let args = [
            "sign",
            "--key",
            s(&public),
            "--predicate",
            s(&predicate),
            "--type",
            PREDICATE_TYPE,
            "--subject",
            s(&subject),
            "-o",
            s(&out_path),
        ];
        run_in(&dir, &args, &[], None).usage_error("public key");
        assert_eq!(
            std::fs::read_to_string(&out_path).unwrap(),
            "previous content"
        );
        std::fs::remove_file(&out_path).unwrap();

        // `--subject` is required (clap's usage error, also exit 2).
        let out = run_in(
            &dir,
            &[
                "sign",
                "--key",
                s(&key),
                "--predicate",
                s(&predicate),
                "--type",
                PREDICATE_TYPE,
                "-o",
                s(&out_path),
            ],
            &[],
            None,
        );
        assert_eq!(out.code, Some(2), "{}", out.all());
        assert!(!out_path.exists());
    }
}

#[test]
fn verify_input_errors_exit_2() {
    for algorithm in ALGORITHMS {
        let signed = signed_provenance("verify-errors", algorithm);
        let dir = &signed.dir;
        let artifact = s(&signed.artifact);
        let verify = |key: &Path, bundle: &Path, extra: &[&str], needle: &str| {
            signed.verify(bundle, key, extra).usage_error(needle);
        };
        // The wrong half of the key pair, or no key.
        verify(
            &signed.key,
            &signed.bundle,
            &[artifact],
            "this is a private key",
        );
        let encrypted = dir.join("enc");
        run_in(
            dir,
            &["keygen", "--algorithm", algorithm, "-o", s(&encrypted)],
            &[("CARGO_ATTEST_PASSWORD", "pw")],
            None,
        )
        .ok();
        verify(
            &dir.join("enc.key"),
            &signed.bundle,
            &[],
            "this is a private key",
        );
        verify(&dir.join("none.pub"), &signed.bundle, &[], "cannot read it");
        let garbage = dir.join("garbage.pub");
        std::fs::write(&garbage, "not a key").unwrap();
        verify(&garbage, &signed.bundle, &[], "not a PEM");
        let damaged = dir.join("damaged.pub");
        std::fs::write(
            &damaged,
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        verify(
            &damaged,
            &signed.bundle,
            &[],
            "not an ECDSA P-256 or Ed25519",
        );

        // Bundles that are not there or not JSON.
        verify(
            &signed.public,
            &dir.join("none.json"),
            &[],
            "could not read",
        );
        let text = std::fs::read_to_string(&signed.bundle).unwrap();
        let truncated = dir.join("truncated.json");
        std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
        verify(&signed.public, &truncated, &[artifact], "not valid JSON");
        let not_json = dir.join("not-json.json");
        std::fs::write(&not_json, "-----BEGIN PUBLIC KEY-----\n").unwrap();
        verify(&signed.public, &not_json, &[], "not valid JSON");
        let empty = dir.join("empty.json");
        std::fs::write(&empty, "").unwrap();
        verify(&signed.public, &empty, &[], "not valid JSON");
        let array = dir.join("array.json");
        std::fs::write(&array, "[]").unwrap();
        verify(&signed.public, &array, &[], "not a JSON object");
        let neither = dir.join("neither.json");
        std::fs::write(&neither, r#"{"payload": "e30="}"#).unwrap();
        verify(&signed.public, &neither, &[], "neither a Sigstore bundle");

        // An artifact that does not exist.
        verify(
            &signed.public,
            &signed.bundle,
            &[s(&dir.join("absent.crate"))],
            "could not read",
        );
    }
}

#[test]
fn verify_rejects_every_tampered_bundle() {
    for algorithm in ALGORITHMS {
        let signed = signed_provenance("tamper", algorithm);
        let artifact = s(&signed.artifact);
        let envelope_sig = |v: &mut Value| -> String {
            v["dsseEnvelope"]["signatures"][0]["sig"]
                .as_str()
                .unwrap()
                .to_owned()
        };

        // Changed payload: one base64 character, and a whole other (valid) statement.
        signed
            .verify_changed("payload-flipped", &[], |v| {
                let payload = v["dsseEnvelope"]["payload"].as_str().unwrap();
                v["dsseEnvelope"]["payload"] = Value::String(flip_base64(payload));
            })
            .rejected("signature does not verify");
        let other = signed_provenance(&format!("tamper-other-{algorithm}"), algorithm);
        let other_bundle = read_json(&other.bundle);
        signed
            .verify_changed("payload-swapped", &[], |v| {
                v["dsseEnvelope"]["payload"] = other_bundle["dsseEnvelope"]["payload"].clone();
            })
            .rejected("signature does not verify");
        // Changed payload type (it is signed too, through the PAE).
        signed
            .verify_changed("payload-type", &[], |v| {
                v["dsseEnvelope"]["payloadType"] = Value::String("application/json".into());
            })
            .rejected("payload type is `application/json`");
        // Changed signature.
        signed
            .verify_changed("signature-flipped", &[], |v| {
                let sig = envelope_sig(v);
                v["dsseEnvelope"]["signatures"][0]["sig"] = Value::String(flip_base64(&sig));
            })
            .rejected("signature does not verify");
        // Another bundle's signature over this payload.
        signed
            .verify_changed("signature-swapped", &[], |v| {
                v["dsseEnvelope"]["signatures"] =
                    other_bundle["dsseEnvelope"]["signatures"].clone();
            })
            .rejected("signature does not verify");

        // Wrong key: another key of the same algorithm, and one of the other algorithm.
        signed
            .verify(&signed.bundle, &other.public, &[artifact])
            .rejected("signature does not verify");
        let other_algorithm = ALGORITHMS.iter().find(|a| **a != algorithm).unwrap();
        let (_, foreign) = keygen(&signed.dir, "foreign", other_algorithm);
        signed
            .verify(&signed.bundle, &foreign, &[artifact])
            .rejected("signature does not verify");

        // Artifact digest mismatch (also when a matching artifact is given beside it).
        let stranger = s(&other.artifact);
        signed
            .verify(&signed.bundle, &signed.public, &[stranger])
            .rejected("is not a subject of the statement");
        signed
            .verify(&signed.bundle, &signed.public, &[artifact, stranger])
            .rejected("is not a subject of the statement");

        // Expectations that do not hold.
        signed
            .verify(
                &signed.bundle,
                &signed.public,
                &["--type", "https://cyclonedx.org/bom", artifact],
            )
            .rejected("predicate type is `https://slsa.dev/provenance/v1`");
        signed
            .verify(
                &signed.bundle,
                &signed.public,
                &["--builder-id", "https://example.org/builders/evil"],
            )
            .rejected("builder id is `https://example.org/builders/test`");
        signed
            .verify(
                &signed.bundle,
                &signed.public,
                &["--source-uri", "github.com/cargo-attest/evil"],
            )
            .rejected("source repository is not `github.com/cargo-attest/evil`");
        // Every failed expectation is reported at once.
        let out = signed.verify(
            &signed.bundle,
            &signed.public,
            &[
                "--type",
                "https://spdx.dev/Document",
                "--builder-id",
                "x",
                "--source-uri",
                "github.com/x/y",
                stranger,
            ],
        );
        out.rejected("predicate type");
        assert_eq!(
            out.stdout.lines().filter(|l| l.starts_with("  ")).count(),
            4,
            "{}",
            out.stdout
        );

        // A second signature: a copy of the valid one, or a foreign one next to it. Exactly one
        // signature is accepted, as @sigstore/bundle requires of a bundle's envelope.
        signed
            .verify_changed("two-signatures-same", &[], |v| {
                let first = v["dsseEnvelope"]["signatures"][0].clone();
                v["dsseEnvelope"]["signatures"]
                    .as_array_mut()
                    .unwrap()
                    .push(first);
            })
            .rejected("exactly one signature");
        signed
            .verify_changed("two-signatures-foreign", &[], |v| {
                let foreign = other_bundle["dsseEnvelope"]["signatures"][0].clone();
                v["dsseEnvelope"]["signatures"]
                    .as_array_mut()
                    .unwrap()
                    .insert(0, foreign);
            })
            .rejected("exactly one signature");
        signed
            .verify_changed("no-signature", &[], |v| {
                v["dsseEnvelope"]["signatures"] = Value::Array(Vec::new());
            })
            .rejected("exactly one signature");

        // An older bundle version.
        signed
            .verify_changed("media-type-v0.1", &[], |v| {
                v["mediaType"] =
                    Value::String("application/vnd.dev.sigstore.bundle+json;version=0.1".into());
            })
            .rejected("bundle media type");
        // A certificate instead of a public key as verification material.
        signed
            .verify_changed("certificate", &[], |v| {
                v["verificationMaterial"] =
                    serde_json::json!({"certificate": {"rawBytes": "AAAA"}, "tlogEntries": []});
            })
            .rejected("not signed with a public key");
        // A transparency-log entry cannot be checked without a trusted root: refused, never
        // ignored (a forged entry would otherwise pass unnoticed).
        signed
            .verify_changed("tlog-entry", &[], |v| {
                let zero32 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
                v["verificationMaterial"]["tlogEntries"] = serde_json::json!([{
                    "logIndex": "0",
                    "logId": {"keyId": zero32},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": "1714564800",
                    "inclusionProof": {
                        "logIndex": "0",
                        "rootHash": zero32,
                        "treeSize": "1",
                        "hashes": [],
                        "checkpoint": {
                            "envelope": format!(
                                "log.example - test\n1\n{zero32}\n\n\u{2014} log.example AAAAAAAAAAAA\n"
                            )
                        }
                    },
                    "canonicalizedBody": "e30="
                }]);
            })
            .rejected("transparency-log entries");

        // Truncated JSON is malformed input: exit 2 (not 1), and never "Verified OK".
        let text = std::fs::read_to_string(&signed.bundle).unwrap();
        let truncated = signed.dir.join("truncated.json");
        std::fs::write(&truncated, &text[..text.len() - 3]).unwrap();
        let out = signed.verify(&truncated, &signed.public, &[artifact]);
        assert_ne!(out.code, Some(0), "{}", out.all());
        out.usage_error("not valid JSON");
        assert!(!out.stdout.contains("Verified OK"));

        // The untouched bundle still verifies, and the public-key hint is only a hint (as for
        // cosign and @sigstore/verify): changing it changes nothing.
        signed
            .verify(&signed.bundle, &signed.public, &[artifact])
            .ok();
        signed
            .verify_changed("hint", &[artifact], |v| {
                v["verificationMaterial"]["publicKey"]["hint"] = Value::String("other".into());
                v["dsseEnvelope"]["signatures"][0]["keyid"] = Value::String("other".into());
            })
            .ok();
    }
}

#[test]
fn verify_accepts_a_bare_dsse_envelope() {
    for algorithm in ALGORITHMS {
        let signed = signed_provenance("bare-envelope", algorithm);
        let bundle = read_json(&signed.bundle);
        let envelope = signed.dir.join("app.dsse.json");
        write_json(&envelope, &bundle["dsseEnvelope"]);
        let artifact = s(&signed.artifact);
        let out = signed.verify(&envelope, &signed.public, &["--type", SLSA, artifact]);
        out.ok();
        assert!(out.stdout.starts_with("Verified OK"), "{}", out.stdout);

        // Tampering with the bare envelope is caught the same way.
        let mut changed = bundle["dsseEnvelope"].clone();
        let payload = changed["payload"].as_str().unwrap().to_owned();
        changed["payload"] = Value::String(flip_base64(&payload));
        let tampered = signed.dir.join("tampered.dsse.json");
        write_json(&tampered, &changed);
        signed
            .verify(&tampered, &signed.public, &[artifact])
            .rejected("signature does not verify");
        let mut two = bundle["dsseEnvelope"].clone();
        let first = two["signatures"][0].clone();
        two["signatures"].as_array_mut().unwrap().push(first);
        let two_path = signed.dir.join("two.dsse.json");
        write_json(&two_path, &two);
        signed
            .verify(&two_path, &signed.public, &[artifact])
            .rejected("exactly one signature");
        let other = signed.dir.join("other.crate");
        std::fs::write(&other, "other").unwrap();
        signed
            .verify(&envelope, &signed.public, &[s(&other)])
            .rejected("is not a subject");
    }
}

// ---- secrets -----------------------------------------------------------------------------------

/// The base64 body lines of a PEM document.
fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn keys_and_passwords_never_appear_in_any_output() {
    const PASSWORD: &str = "pw-Zq8xT3-correct-horse";
    const WRONG_PASSWORD: &str = "pw-Wr0ng-battery-staple";
    const NOT_PEM: &str = "SECRET-key-material-7f3a9c1e-not-a-pem";
    let mut outputs: Vec<(String, Out)> = Vec::new();
    let mut secrets: Vec<String> = vec![
        PASSWORD.into(),
        WRONG_PASSWORD.into(),
        NOT_PEM.into(),
        "7f3a9c1e".into(),
    ];
    for algorithm in ALGORITHMS {
        let dir = workdir(&format!("secrets-{algorithm}"));
        let (plain_key, public) = keygen(&dir, "plain", algorithm);
        let encrypted_prefix = dir.join("enc");
        let out = run_in(
            &dir,
            &[
                "keygen",
                "--algorithm",
                algorithm,
                "-o",
                s(&encrypted_prefix),
            ],
            &[("CARGO_ATTEST_PASSWORD", PASSWORD)],
            None,
        );
        out.ok();
        outputs.push((format!("{algorithm} keygen encrypted"), out));
        let encrypted_key = dir.join("enc.key");
        let plain_pem = std::fs::read_to_string(&plain_key).unwrap();
        let encrypted_pem = std::fs::read_to_string(&encrypted_key).unwrap();
        let plain_body = pem_body_lines(&plain_pem);
        let encrypted_body = pem_body_lines(&encrypted_pem);
        secrets.extend(plain_body.iter().cloned());
        secrets.extend(encrypted_body.iter().cloned());
        // Shorter pieces too: a message quoting part of a line would leak as well.
        for line in plain_body.iter().chain(&encrypted_body) {
            secrets.extend(
                line.as_bytes()
                    .chunks(16)
                    .filter(|c| c.len() == 16)
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            );
        }

        let subject = artifact(&dir, "x.bin", algorithm);
        let predicate = plain_predicate(&dir);
        let out_path = dir.join("out.json");
        let sign_args = |key: Option<&Path>, stdin: bool| {
            let mut args = vec![
                "sign".to_owned(),
                "--predicate".into(),
                s(&predicate).into(),
                "--type".into(),
                PREDICATE_TYPE.into(),
                "--subject".into(),
                s(&subject).into(),
                "-o".into(),
                s(&out_path).into(),
            ];
            if let Some(key) = key {
                args.extend(["--key".into(), s(key).into()]);
            }
            if stdin {
                args.push("--password-stdin".into());
            }
            args
        };
        let mut record = |what: &str,
                          args: Vec<String>,
                          env: &[(&str, &str)],
                          stdin: Option<&str>,
                          expect: Option<i32>| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run_in(&dir, &args, env, stdin);
            assert_eq!(out.code, expect, "{what}: {}", out.all());
            assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
            outputs.push((format!("{algorithm} {what}"), out));
            let _ = std::fs::remove_file(&out_path);
        };

        // Wrong passwords, from the environment and from stdin, for a file and an env key.
        record(
            "wrong password env",
            sign_args(Some(&encrypted_key), false),
            &[("CARGO_ATTEST_PASSWORD", WRONG_PASSWORD)],
            None,
            Some(2),
        );
        record(
            "wrong password stdin",
            sign_args(Some(&encrypted_key), true),
            &[],
            Some(&format!("{WRONG_PASSWORD}\n")),
            Some(2),
        );
        record(
            "wrong password, key in env",
            sign_args(None, false),
            &[
                ("CARGO_ATTEST_KEY", &encrypted_pem),
                ("CARGO_ATTEST_PASSWORD", WRONG_PASSWORD),
            ],
            None,
            Some(2),
        );
        record(
            "encrypted key, no password",
            sign_args(None, false),
            &[("CARGO_ATTEST_KEY", &encrypted_pem)],
            None,
            Some(2),
        );
        // Malformed key text in CARGO_ATTEST_KEY.
        record(
            "env key not PEM",
            sign_args(None, false),
            &[("CARGO_ATTEST_KEY", NOT_PEM)],
            None,
            Some(2),
        );
        let damaged = plain_pem.replacen(&plain_body[0][8..24], "AAAAAAAAAAAAAAAA", 1);
        assert_ne!(damaged, plain_pem);
        record(
            "env key damaged body",
            sign_args(None, false),
            &[("CARGO_ATTEST_KEY", &damaged)],
            None,
            Some(2),
        );
        let truncated = plain_pem.replace("-----END PRIVATE KEY-----", "");
        record(
            "env key without END line",
            sign_args(None, false),
            &[("CARGO_ATTEST_KEY", &truncated)],
            None,
            Some(2),
        );
        let damaged_encrypted =
            encrypted_pem.replacen(&encrypted_body[1][8..24], "AAAAAAAAAAAAAAAA", 1);
        record(
            "env encrypted key damaged",
            sign_args(None, false),
            &[
                ("CARGO_ATTEST_KEY", &damaged_encrypted),
                ("CARGO_ATTEST_PASSWORD", PASSWORD),
            ],
            None,
            Some(2),
        );
        // Key files holding a different kind of PEM.
        for (name, label) in [
            ("sec1.key", "EC PRIVATE KEY"),
            ("rsa.key", "RSA PRIVATE KEY"),
            ("cert.pem", "CERTIFICATE"),
        ] {
            let path = dir.join(name);
            let relabelled = plain_pem.replace("PRIVATE KEY", label);
            std::fs::write(&path, relabelled).unwrap();
            record(
                &format!("key file is a {label}"),
                sign_args(Some(&path), false),
                &[],
                None,
                Some(2),
            );
        }
        let public_as_private = dir.join("public-label.key");
        std::fs::write(
            &public_as_private,
            plain_pem.replace("PRIVATE KEY", "PUBLIC KEY"),
        )
        .unwrap();
        record(
            "private key body labelled PUBLIC KEY",
            sign_args(Some(&public_as_private), false),
            &[],
            None,
            Some(2),
        );
        // Verify given the private key, plain and encrypted, and a bundle that is a key.
        let bundle = dir.join("good.json");
        let mut good_args = sign_args(Some(&plain_key), false);
        let last = good_args.len() - 3;
        good_args[last] = s(&bundle).into();
        record("sign ok", good_args, &[], None, Some(0));
        for key in [&plain_key, &encrypted_key] {
            record(
                "verify with a private key",
                vec![
                    "verify".into(),
                    "--key".into(),
                    s(key).into(),
                    "--bundle".into(),
                    s(&bundle).into(),
                ],
                &[("CARGO_ATTEST_PASSWORD", PASSWORD)],
                None,
                Some(2),
            );
            record(
                "verify a private key as the bundle",
                vec![
                    "verify".into(),
                    "--key".into(),
                    s(&public).into(),
                    "--bundle".into(),
                    s(key).into(),
                ],
                &[],
                None,
                Some(2),
            );
        }
        // The successful paths print no secrets either.
        record(
            "sign ok with encrypted key",
            sign_args(Some(&encrypted_key), true),
            &[],
            Some(&format!("{PASSWORD}\n")),
            Some(0),
        );
        let forced = dir.join("enc");
        record(
            "keygen --force --password-stdin",
            vec![
                "keygen".into(),
                "--algorithm".into(),
                algorithm.into(),
                "-o".into(),
                s(&forced).into(),
                "--force".into(),
                "--password-stdin".into(),
            ],
            &[],
            Some(&format!("{PASSWORD}\n")),
            Some(0),
        );
    }

    let mut leaks = Vec::new();
    for (what, out) in &outputs {
        for secret in &secrets {
            if out.stdout.contains(secret.as_str()) || out.stderr.contains(secret.as_str()) {
                leaks.push(format!(
                    "{what}: output contains {secret:?}:\n{}",
                    out.all()
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    // Every error path said something useful.
    for (what, out) in &outputs {
        if out.code == Some(2) {
            assert!(out.stderr.starts_with("error: "), "{what}: {}", out.stderr);
        }
    }
}
