//! `build_hooks::Policy::from_env().enforce()` in a real `cargo build`: the fixture
//! `tests/fixtures/hooks-policy` (its own workspace and `Cargo.lock`) has a build script that
//! enforces its `attest.toml`, whose license allow list does not cover the path dependency
//! `gpl-dep` (`GPL-3.0-only`, behind the default feature `gpl-support`).
//!
//! Each test builds its own copy of the fixture (with the `build-hooks` dependency rewritten to
//! this repository's absolute path) offline, in one target directory shared by all of them and
//! kept between runs ([`hooks_target_dir`]), and checks that the build wrote nothing into the
//! copy: `Cargo.lock` keeps its bytes and the tree (without `target/`) is unchanged.

use std::path::Path;
use std::process::Output;

use integration_tests::{
    cargo, copy_dir, fetch_crates, fixtures_dir, hooks_target_dir, repo_root, tree_snapshot,
};

/// A copy of the fixture in a temporary directory, its lockfile brought up to date with the
/// `build-hooks` of this repository (without any build script running).
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("hooks-policy-")
        .tempdir()
        .expect("tempdir");
    copy_dir(&fixtures_dir().join("hooks-policy"), dir.path());
    let manifest = dir.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read manifest");
    let hooks = repo_root().join("build-hooks");
    let text = text.replace(
        "path = \"../../../build-hooks\"",
        &format!("path = {:?}", hooks.display().to_string()),
    );
    std::fs::write(&manifest, text).expect("write manifest");
    fetch_crates(dir.path());
    let output = cargo()
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(dir.path())
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

/// `cargo build --offline ARGS` in `dir`, in the shared target directory.
fn build(dir: &Path, args: &[&str]) -> Output {
    cargo()
        .args(["build", "--offline"])
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", hooks_target_dir())
        .env_remove("CARGO_ATTEST_ADVISORY_DB")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo build")
}

/// Builds and checks that nothing but `target/` changed in the copy.
fn build_without_writes(dir: &Path, args: &[&str]) -> Output {
    let before = tree_snapshot(dir);
    let output = build(dir, args);
    let after = tree_snapshot(dir);
    assert_eq!(
        before.get("Cargo.lock"),
        after.get("Cargo.lock"),
        "the build changed Cargo.lock"
    );
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "the build wrote into the source tree: {changed:?}"
    );
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_denied_license_fails_the_build_naming_crate_rule_and_task() {
    let dir = fixture_copy();
    let output = build_without_writes(dir.path(), &[]);
    let text = stderr(&output);
    assert!(!output.status.success(), "the build passed:\n{text}");
    // The one-line error of `.unwrap()`.
    let error = text
        .lines()
        .find(|l| l.contains("attest.toml denies building `hooks-policy`"))
        .unwrap_or_else(|| panic!("no policy error line:\n{text}"));
    for part in ["gpl-dep 0.1.0", "rule licenses", "SSDF PW.4.1"] {
        assert!(error.contains(part), "{part} missing from: {error}");
    }
    // The finding itself, as a cargo warning.
    assert!(
        text.contains("deny[licenses] gpl-dep 0.1.0:") && text.contains("GPL-3.0-only"),
        "{text}"
    );
    // No database offline: one warning, no fetch.
    let skipped = text
        .lines()
        .filter(|l| {
            l.starts_with("warning: hooks-policy@0.1.0:") && l.contains("advisories were skipped")
        })
        .count();
    assert_eq!(skipped, 1, "{text}");
}

#[test]
fn fixing_the_policy_makes_it_build() {
    let dir = fixture_copy();
    let config = dir.path().join("attest.toml");
    let text = std::fs::read_to_string(&config).expect("read attest.toml");
    let fixed = text.replace(
        "exceptions = []",
        "exceptions = [{ name = \"gpl-dep\", allow = [\"GPL-3.0-only\"] }]",
    );
    assert_ne!(
        fixed, text,
        "the fixture's attest.toml has `exceptions = []`"
    );
    std::fs::write(&config, fixed).expect("write attest.toml");
    let output = build_without_writes(dir.path(), &[]);
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("deny["), "{text}");
}

#[test]
fn only_the_enabled_features_count() {
    // Without the default feature, gpl-dep is not part of the build: the same policy passes.
    let dir = fixture_copy();
    let output = build_without_writes(dir.path(), &["--no-default-features"]);
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("gpl-dep"), "{text}");
}
