//! The project's own tasks, run as `cargo xtask TASK` (an alias in `.cargo/config.toml`).
//!
//! * `cargo xtask bench [--runs N] [--only single|workspace]`: times `cargo sbom` against its
//!   floor, `cargo metadata`, on two generated workspaces (see `bench.rs`).
//! * `cargo xtask ci`: the cargo steps of `.ci/run` (see `ci.rs`).

mod bench;
mod ci;
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
    /// Time `cargo sbom` against `cargo metadata` alone on two large generated workspaces.
    Bench(bench::BenchArgs),
    /// Run the cargo steps of `.ci/run` (fmt --check, clippy -D warnings, test), without the
    /// third-party verification harness; stops at the first failure.
    Ci,
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::Bench(args) => bench::run(&args),
        Task::Ci => ci::run(),
    }
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
