//! `build_hooks`: the SBOM produced at build time from a `build.rs`, embedded in the binary, and
//! the SSDF policy of `attest.toml` enforced during `cargo build`.
//!
//! ```no_run
//! // build.rs — build-hooks is a [build-dependencies] entry only; the body of its `fn main`:
//! build_hooks::Sbom::from_env().embed().write().unwrap();
//! build_hooks::Policy::from_env().enforce().unwrap();
//! ```

mod dep_v0;
mod embed;
pub mod env;
pub mod policy;
pub mod precursor;
mod sbom;

pub use env::BuildEnv;
pub use policy::{Outcome, Policy, PolicyError};
pub use precursor::Precursor;
pub use sbom::{Error, Sbom, SpecVersion, Written};
