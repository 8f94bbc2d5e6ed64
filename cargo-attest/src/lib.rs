//! `cargo_attest`: signed in-toto / SLSA v1 provenance of real Cargo builds, in Sigstore bundle
//! v0.3 form, and its verification. The dependency graph comes from the `cargo_sbom` library.

pub mod archive;
pub mod build;
pub mod cargo_build;
pub mod ci;
pub mod envelope;
pub mod error;
pub mod git;
pub mod keys;
pub mod policy;
pub mod provenance;
pub mod release;
pub mod ssdf;
pub mod statement;
pub mod verify;

pub use error::{Error, Result};
