//! `build`, `release` and `verify-release`.

use std::path::PathBuf;

use clap::Args;

use super::{KeyArgs, Outcome, use_color, verdict, without_separator};
use cargo_attest::Error;
use cargo_attest::release::ReleaseOptions;
use cargo_attest::signing::Verifier;
use cargo_attest::signing::keys::VerifyingKey;

#[derive(Args, Debug)]
pub(super) struct BuildArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Where to write SBOMs and the bundle [default: target/attest].
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Arguments for `cargo build` (with or without a leading `--`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO_BUILD_ARGS"
    )]
    cargo_args: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct ReleaseArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Where release directories go [default: target/attest/release].
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Release this package (passed on to cargo build).
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Build for this target triple (passed on to cargo build).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Release although tracked files have uncommitted changes (recorded as dirty).
    #[arg(long)]
    allow_dirty: bool,
    /// Replace an existing release directory.
    #[arg(long)]
    force: bool,
    /// The policy file [default: attest.toml at the workspace root, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
    /// Arguments for `cargo build` (with or without a leading `--`) [default profile: release].
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO_BUILD_ARGS"
    )]
    cargo_args: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct VerifyReleaseArgs {
    /// The release directory (`.../NAME-VERSION`).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The public key (SPKI PEM).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

pub(super) fn build(args: BuildArgs) -> Outcome {
    let signer = args.key.load()?;
    let options = cargo_attest::build::BuildOptions {
        cargo_args: without_separator(args.cargo_args),
        out_dir: args.out_dir,
    };
    cargo_attest::build::run(&options, &signer)
}

pub(super) fn release(args: ReleaseArgs) -> Outcome {
    let signer = args.key.load()?;
    let mut cargo_args = Vec::new();
    for package in args.packages {
        cargo_args.extend(["--package".to_owned(), package]);
    }
    if let Some(target) = args.target {
        cargo_args.extend(["--target".to_owned(), target]);
    }
    cargo_args.extend(without_separator(args.cargo_args));
    let options = ReleaseOptions {
        cargo_args,
        out_dir: args.out_dir,
        allow_dirty: args.allow_dirty,
        force: args.force,
        config: args.config,
        advisory_db: args.advisory_db,
        color: use_color(),
    };
    cargo_attest::release::run(&options, &signer)
}

pub(super) fn verify_release(args: &VerifyReleaseArgs) -> Outcome {
    let key = VerifyingKey::read(&args.key)?;
    if !args.dir.is_dir() {
        return Err(Error::Read {
            path: args.dir.clone(),
            reason: "not a directory (expected a release directory NAME-VERSION)".into(),
        });
    }
    let result = cargo_attest::release::verify_release(&args.dir, &key)?;
    match &result {
        Ok(verified) => {
            for note in &verified.notes {
                eprintln!("note: {note}");
            }
            println!(
                "Verified OK {}: release {}, signed by {}, {} file(s), {} archive entries safe",
                args.dir.display(),
                verified.stem,
                key.describe(),
                verified.files,
                verified.archive_entries
            );
        }
        Err(problems) => {
            println!("FAILED {}:", args.dir.display());
            for problem in problems {
                println!("  {problem}");
            }
        }
    }
    Ok(verdict(result.is_ok()))
}
