//! `cargo_attest`: signed in-toto / SLSA v1 provenance of real Cargo builds, in Sigstore bundle
//! v0.3 form, and its verification. The dependency graph comes from the `cargo_sbom` library.

pub mod build;
pub mod envelope;
pub mod error;
pub mod keys;
pub mod statement;
pub mod verify;

pub use error::{Error, Result};
