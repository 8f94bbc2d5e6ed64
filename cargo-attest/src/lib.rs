//! `cargo_attest`: signed in-toto / SLSA v1 provenance of real Cargo builds, in Sigstore bundle
//! v0.3 form, and its verification. The dependency graph comes from the `cargo_sbom` library.
//!
//! Without the default `attest` feature the library is the SSDF policy engine alone
//! ([`policy`], [`ssdf`] reports without signing): what `build-hooks` runs inside a build
//! script, compiled without signing, git, archive or command-line dependencies.

#[cfg(feature = "attest")]
pub mod archive;
#[cfg(feature = "attest")]
pub mod build;
#[cfg(feature = "attest")]
pub mod cargo_build;
#[cfg(feature = "attest")]
pub mod ci;
#[cfg(feature = "attest")]
pub mod envelope;
pub mod error;
#[cfg(feature = "git")]
pub mod git;
#[cfg(feature = "attest")]
pub mod keys;
pub mod policy;
#[cfg(feature = "attest")]
pub mod provenance;
#[cfg(feature = "attest")]
pub mod release;
pub mod ssdf;
pub mod statement;
#[cfg(feature = "attest")]
pub mod verify;

pub use error::{Error, Result};
