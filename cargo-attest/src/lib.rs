//! `cargo_attest`: signed in-toto / SLSA v1 provenance of real Cargo builds in Sigstore bundle
//! form, its verification, the SSDF policy gate, releases and the SSDF report. The dependency
//! graph comes from the `cargo_sbom` library. `ARCHITECTURE.md` at the repository root maps
//! the modules.
//!
//! | module | owns |
//! |---|---|
//! | [`policy`] | the rules (one module each, listed in [`policy::rules::RULES`]), findings, one run, reports |
//! | [`ssdf`] | the SSDF task catalogue, its evaluation from the policy and the release, rendering |
//! | [`config`], [`attest_toml`] | `attest.toml`: sections declared by their modules, spans, the default file |
//! | `signing` | keys, DSSE envelopes in Sigstore bundles, statements, the one signing path and verification |
//! | `build` | the `cargo build` driver, SLSA provenance, CI detection (`cargo attest build`) |
//! | `release` | making and verifying release directories, their archives |
//! | `git` | the repository around a workspace (libgit2) |
//! | [`error`] | errors and the exit codes of `cargo attest` |
//!
//! Without the default `attest` feature the library is the SSDF policy engine alone
//! ([`policy`], [`ssdf`] reports without signing): what `build-hooks` runs inside a build
//! script, compiled without signing, git, archive or command-line dependencies.

pub mod attest_toml;
#[cfg(feature = "attest")]
pub mod build;
pub mod config;
pub mod error;
#[cfg(feature = "git")]
pub mod git;
pub mod policy;
#[cfg(feature = "attest")]
pub mod release;
pub mod signing;
pub mod ssdf;

pub use error::{Error, Result};
