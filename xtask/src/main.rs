//! The project's own tasks, run as `cargo xtask TASK` (an alias in `.cargo/config.toml`).
//!
//! * `cargo xtask bench [--runs N] [--only WORKSPACE] [--check --advisory-db PATH]`:
//!   times `cargo sbom` (with and without its SHA-512 hashing; with `--check`, `cargo attest
//!   check`, with cargo-audit and cargo-deny as peers when installed) against their floor,
//!   `cargo metadata`, on two generated workspaces and three published applications (see
//!   `bench.rs`).
//! * `cargo xtask ci`: the cargo steps of `.ci/run` (see `ci.rs`).
//! * `cargo xtask docs`: writes the rule reference `docs/rules/` from the rule registry (the
//!   test that checks it, run in writing mode).
//! * `cargo xtask dist [--key FILE] [--out-dir DIR] [--allow-dirty]`: releases this project with
//!   `cargo attest release` and checks it with `verify-release` (see `dist.rs`).

mod bench;
mod bench_hooks;
mod ci;
mod dist;
mod measure;

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Time `cargo sbom` (and with --check, `cargo attest check`) against `cargo metadata` alone
    /// on two large generated workspaces.
    Bench(bench::BenchArgs),
    /// Measure what build-hooks adds to a clean `cargo build --release` of the applications in
    /// xtask/bench-apps/ (build time, rebuilds, binary size, the hook's own run).
    BenchHooks(bench_hooks::BenchHooksArgs),
    /// Run the cargo steps of `.ci/run` (fmt --check, clippy -D warnings, test), without the
    /// third-party verification harness; stops at the first failure.
    Ci,
    /// Write the rule reference docs/rules/ and the README's rule table from the rules' own
    /// declarations.
    Docs,
    /// Release cargo-sbom and cargo-attest with their own tools (`cargo attest release`, then
    /// `verify-release`), signed with --key or an ephemeral key.
    Dist(dist::DistArgs),
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::Bench(args) => bench::run(&args),
        Task::BenchHooks(args) => bench_hooks::run(&args),
        Task::Ci => ci::run(),
        Task::Docs => docs(),
        Task::Dist(args) => dist::run(&args),
    }
}

/// Runs the rule reference test of cargo-attest in writing mode (`CARGO_ATTEST_WRITE_DOCS`).
fn docs() -> Result<()> {
    let status = std::process::Command::new(cargo())
        .args([
            "test",
            "--quiet",
            "-p",
            "cargo-attest",
            "--lib",
            "policy::docs::tests::the_committed_reference_is_up_to_date",
        ])
        .env("CARGO_ATTEST_WRITE_DOCS", "1")
        .current_dir(workspace_root())
        .status()?;
    anyhow::ensure!(status.success(), "writing docs/rules failed ({status})");
    eprintln!("     Wrote {}/docs/rules", workspace_root().display());
    Ok(())
}

/// The cargo program: `$CARGO` when run through cargo (the real binary, not the rustup proxy),
/// else `cargo` from `PATH`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The root of this workspace (the parent of the xtask package).
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
