//! `cargo attest build`: a real cargo build, its SBOMs and its signed provenance.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::keys::Signer;

/// What `cargo attest build` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Arguments passed on to `cargo build`.
    pub cargo_args: Vec<String>,
    /// Output directory [default: `target/attest`].
    pub out_dir: Option<PathBuf>,
}

/// Runs the build and writes the attestation.
pub fn run(_options: &BuildOptions, _signer: &dyn Signer) -> Result<ExitCode> {
    Err(Error::Usage(
        "cargo attest build is not implemented yet".into(),
    ))
}
