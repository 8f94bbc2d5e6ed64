//! `cargo xtask ci`: the steps of `.ci/run` minus the third-party verification harness.
//!
//! `.ci/run` also sets up `../shared/verify` and pipes this repository's own SBOMs through
//! third-party checkers; this wrapper runs only the cargo steps, in the same order, and stops at
//! the first failure.

use std::process::Command;

use anyhow::{Result, bail};

use crate::cargo;

/// The cargo invocations, in order.
const STEPS: &[&[&str]] = &[
    &["fmt", "--all", "--check"],
    &[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    // The lean library cores that build-hooks compiles into users' build scripts.
    &[
        "clippy",
        "-p",
        "cargo-sbom",
        "--no-default-features",
        "--lib",
        "--",
        "-D",
        "warnings",
    ],
    &[
        "clippy",
        "-p",
        "cargo-attest",
        "--no-default-features",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    &[
        "clippy",
        "-p",
        "build-hooks",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    &["test", "--workspace"],
];

/// Runs every step, failing on the first that fails.
pub fn run() -> Result<()> {
    let root = crate::workspace_root();
    for step in STEPS {
        eprintln!("\n==> cargo {}", step.join(" "));
        let status = Command::new(cargo())
            .args(*step)
            .current_dir(&root)
            .status()?;
        if !status.success() {
            bail!("`cargo {}` failed ({status})", step.join(" "));
        }
    }
    eprintln!("\nxtask ci passed (the third-party verification harness is `.ci/run` only)");
    Ok(())
}
