//! `cargo_sbom`: the dependency graph model of the cargo-attest suite and its SBOM writers.
//!
//! One run loads the workspace once ([`Workspace::load`], a single `cargo metadata`), resolves
//! what cargo builds for a target and feature selection ([`Workspace::resolve`]) and renders the
//! [`ResolvedGraph`] as CycloneDX or SPDX ([`render`]). The same graph feeds the policy checks
//! and provenance of `cargo attest`.
//!
//! ```no_run
//! use cargo_sbom::{DocumentOptions, Format, CycloneDxVersion, Lifecycle, ResolveOptions, Timestamp, Workspace};
//!
//! let workspace = Workspace::load(None, Default::default(), &[])?;
//! let options = ResolveOptions::default();
//! let members = workspace.select(&options.packages)?;
//! let graph = workspace.resolve(&members, &options)?;
//! let bytes = cargo_sbom::render(&graph, &DocumentOptions {
//!     format: Format::CycloneDx(CycloneDxVersion::V1_6),
//!     timestamp: Timestamp::from_env()?,
//!     lifecycle: Lifecycle::PreBuild,
//! });
//! # Ok::<(), cargo_sbom::Error>(())
//! ```
//!
//! # Features
//!
//! All on by default; without them the library is the graph model and the two writers, which is
//! what `build-hooks` compiles into a user's build script.
//!
//! - `cli`: `cli::GraphArgs`, the command-line flags shared with `cargo attest` (clap).
//! - `validate`: the `validate` and `diff` modules, with the official JSON schemas (jsonschema).
//! - `from-binary`: `embedded::read_sbom`, the SBOM section of an executable (object).

pub mod cargo;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cyclonedx;
#[cfg(feature = "validate")]
pub mod diff;
pub mod digest;
pub mod document;
pub mod embedded;
pub mod error;
pub mod graph;
pub mod license;
pub mod lockfile;
pub mod output;
pub mod purl;
pub mod spdx;
#[cfg(feature = "validate")]
pub mod validate;

pub use cargo::CargoNetwork;
pub use document::{CycloneDxVersion, DocumentOptions, Format, Lifecycle, Timestamp};
pub use error::{Error, Result};
pub use graph::{
    Component, ComponentId, ComponentSource, Edge, EdgeKind, FeatureSelection, PackageSelection,
    ResolveOptions, ResolvedGraph, Subject, Usage, Workspace,
};

/// Renders a resolved graph in the chosen format.
pub fn render(graph: &ResolvedGraph, options: &DocumentOptions) -> Vec<u8> {
    match options.format {
        Format::CycloneDx(version) => cyclonedx::render(graph, version, options),
        Format::Spdx23 => spdx::render(graph, options),
    }
}
