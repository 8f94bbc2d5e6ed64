//! Third-party validation of every fixture SBOM: `check-cyclonedx` (official JSON schema of the
//! spec version, purl syntax) and `check-spdx` (spdx-tools, NTIA minimum elements).
//!
//! The checkers are not part of this repository. Set `CARGO_SBOM_VERIFY_DIR` to the directory
//! holding `check-cyclonedx` and `check-spdx` (e.g. `../shared/verify`) to run them; without
//! it these tests print a note and pass, so `cargo test` works on a fresh clone.

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a test failure.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use integration_tests::{FLAG_COMBINATIONS, fixture, scratch_dir, verify_dir};

/// Writes the SBOM of every flag combination in `formats` and runs `checker` on each, several
/// at a time; fails with every checker failure.
fn check_all(checker: &str, formats: &[(&str, &[&str])]) {
    let Some(verify) = verify_dir("the third-party SBOM checks") else {
        return;
    };
    let checker = verify.join(checker);
    assert!(checker.is_file(), "{} does not exist", checker.display());
    let fx = fixture();
    let dir = scratch_dir().join(format!(
        "third-party-{}",
        checker.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();

    let mut combinations: Vec<Vec<&str>> = FLAG_COMBINATIONS.iter().map(|f| f.to_vec()).collect();
    combinations.push(vec!["--include-dev", "--no-build-deps"]);
    combinations.push(vec![
        "--workspace",
        "--no-default-features",
        "--target",
        integration_tests::LINUX,
    ]);
    let mut jobs: Vec<(String, PathBuf)> = Vec::new();
    // Identical documents (e.g. the host target named or not) are checked once.
    let mut seen = std::collections::BTreeSet::new();
    for (name, format) in formats {
        for (i, flags) in combinations.iter().enumerate() {
            let path = dir.join(format!("{name}-{i}.json"));
            let args: Vec<&str> = format.iter().chain(flags.iter()).copied().collect();
            let path_text = path.to_str().unwrap().to_owned();
            let mut all = args.clone();
            all.extend(["-q", "-o", &path_text]);
            let output = fx.run(&all);
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            if seen.insert(std::fs::read(&path).unwrap()) {
                jobs.push((format!("{args:?}"), path));
            }
        }
    }

    let queue = Mutex::new(jobs);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some((what, path)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let output = Command::new(&checker)
                        .arg(&path)
                        .output()
                        .expect("run the checker");
                    if !output.status.success() {
                        let stdout = String::from_utf8_lossy(&output.stdout);
                        let last = stdout
                            .lines()
                            .filter(|l| !l.starts_with("ok"))
                            .collect::<Vec<_>>()
                            .join("\n");
                        failures.lock().unwrap().push(format!(
                            "{what} ({}): exit {:?}\n{last}{}",
                            path.display(),
                            output.status.code(),
                            String::from_utf8_lossy(&output.stderr)
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        checker.display(),
        failures.join("\n\n")
    );
}

#[test]
fn cyclonedx_documents_pass_the_official_schemas() {
    check_all(
        "check-cyclonedx",
        &[
            ("cdx15", &["--spec-version", "1.5"]),
            ("cdx16", &["--spec-version", "1.6"]),
            ("cdx17", &["--spec-version", "1.7"]),
        ],
    );
}

#[test]
fn spdx_documents_pass_spdx_tools_and_ntia() {
    check_all("check-spdx", &[("spdx", &["--format", "spdx-json"])]);
}

#[test]
fn spdx3_documents_pass_the_schema_and_shapes() {
    check_all("check-spdx3", &[("spdx3", &["--format", "spdx3-json"])]);
}
