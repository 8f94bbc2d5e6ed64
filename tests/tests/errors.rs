//! Bad input: exit code 2, one `error:` line naming the file and the problem, no output file.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::path::{Path, PathBuf};
use std::process::Output;

use integration_tests::{fixture, run_sbom, run_sbom_raw, scratch_dir};

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = scratch_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts the documented failure shape and that `out` (and no temporary file) was written.
fn assert_fails(output: &Output, out: &Path, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code 2; stderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line of stderr: {stderr}");
    assert!(
        lines[0].starts_with("error: "),
        "starts with `error: `: {stderr}"
    );
    for needle in needles {
        assert!(lines[0].contains(needle), "`{needle}` in: {stderr}");
    }
    assert!(output.stdout.is_empty(), "nothing on stdout");
    assert!(!out.exists(), "{} was left behind", out.display());
    if let Some(parent) = out.parent().filter(|p| p.is_dir()) {
        for entry in std::fs::read_dir(parent).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with(".cargo-sbom-"),
                "temporary file {name} left in {}",
                parent.display()
            );
        }
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    run_sbom(dir, args)
}

#[test]
fn missing_manifest() {
    let d = dir("missing-manifest");
    let out = d.join("out.json");
    let manifest = d.join("nope/Cargo.toml");
    let output = run_in(
        &d,
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_fails(
        &output,
        &out,
        &[manifest.to_str().unwrap(), "does not exist"],
    );
}

#[test]
fn broken_manifest() {
    let d = dir("broken-manifest");
    std::fs::write(
        d.join("Cargo.toml"),
        "[workspace]\n[package\nname = \"broken\"\n",
    )
    .unwrap();
    let out = d.join("out.json");
    let output = run_in(
        &d,
        &["--manifest-path", "Cargo.toml", "-o", out.to_str().unwrap()],
    );
    assert_fails(&output, &out, &["Cargo.toml", "expected `]`"]);
}

#[test]
fn missing_lockfile_with_locked() {
    let d = dir("no-lockfile");
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"nolock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(d.join("src/lib.rs"), "").unwrap();
    let out = d.join("out.json");
    let output = run_sbom_raw(&d, &["--locked", "-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &["Cargo.lock", "--locked"]);
    assert!(!d.join("Cargo.lock").exists(), "no lockfile was created");
}

#[test]
fn unknown_package() {
    let fx = fixture();
    let out = dir("unknown-package").join("out.json");
    let output = fx.run(&["-p", "nope", "-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &["`nope`", "not a member", "app, lib-a"]);
}

#[test]
fn unknown_target() {
    let fx = fixture();
    let out = dir("unknown-target").join("out.json");
    for triple in ["nope-nope-nope", "x86_64-unknown-nonesuch"] {
        let output = fx.run(&["--target", triple, "-o", out.to_str().unwrap()]);
        assert_fails(&output, &out, &[triple, "unknown target"]);
    }
}

#[test]
fn unknown_feature() {
    let fx = fixture();
    let out = dir("unknown-feature").join("out.json");
    for feature in ["nope", "app/nope"] {
        let output = fx.run(&["--features", feature, "-o", out.to_str().unwrap()]);
        assert_fails(&output, &out, &[feature, "app/Cargo.toml"]);
    }
    let output = fx.run(&["--features", "nope/extra", "-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &["nope"]);
}

#[test]
fn spec_version_with_spdx() {
    let fx = fixture();
    let out = dir("spec-version").join("out.json");
    let output = fx.run(&[
        "--format",
        "spdx-json",
        "--spec-version",
        "1.6",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_fails(&output, &out, &["--spec-version", "SPDX"]);
    // A version the format does not have names the versions it has.
    let output = fx.run(&["--spec-version", "1.4", "-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &["--spec-version 1.4", "1.5, 1.6 or 1.7"]);
}

#[test]
fn unwritable_output() {
    let fx = fixture();
    let out = PathBuf::from("/nonexistent-dir/x.json");
    let output = fx.run(&["-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &["/nonexistent-dir/x.json", "No such file"]);

    // The parent is a regular file.
    let d = dir("unwritable");
    std::fs::write(d.join("file"), "").unwrap();
    let out = d.join("file/x.json");
    let output = fx.run(&["-o", out.to_str().unwrap()]);
    assert_fails(&output, &out, &[out.to_str().unwrap()]);

    // --output-dir under a regular file.
    let out_dir = d.join("file/sub");
    let output = fx.run(&["--workspace", "--output-dir", out_dir.to_str().unwrap()]);
    assert_fails(&output, &out_dir, &[out_dir.to_str().unwrap()]);
}

#[cfg(unix)]
#[test]
fn read_only_output_directory() {
    use std::os::unix::fs::PermissionsExt;
    let fx = fixture();
    let d = dir("read-only");
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Permission bits do not bind root (CAP_DAC_OVERRIDE): then the case cannot be made.
    let probe = ro.join("probe");
    if std::fs::write(&probe, "").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!(
            "note: skipping the read-only directory case: this user can write into a 0555 directory"
        );
        return;
    }
    let out = ro.join("x.json");
    let output = fx.run(&["-o", out.to_str().unwrap()]);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_fails(&output, &out, &[out.to_str().unwrap(), "Permission denied"]);
}

#[test]
fn a_failed_run_keeps_an_existing_output_file() {
    let fx = fixture();
    let d = dir("keep-existing");
    let out = d.join("out.json");
    std::fs::write(&out, "previous").unwrap();
    let output = fx.run(&["--features", "nope", "-o", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
}
