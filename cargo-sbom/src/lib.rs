//! `cargo_sbom`: the dependency graph model of the cargo-attest suite and its SBOM writers.
//!
//! One run loads the workspace once ([`Workspace::load`], a single `cargo metadata`), resolves
//! what cargo builds for a target and feature selection ([`Workspace::resolve`]) and renders the
//! [`ResolvedGraph`] as CycloneDX or SPDX ([`render`]). The same graph feeds the policy checks
//! and provenance of `cargo attest`.
//!
//! ```no_run
//! use cargo_sbom::{CycloneDxVersion, DocumentOptions, Lifecycle, ResolveOptions, Timestamp, Workspace};
//!
//! let workspace = Workspace::load(None, Default::default(), &[])?;
//! let options = ResolveOptions::default();
//! let members = workspace.select(&options.packages)?;
//! let graph = workspace.resolve(&members, &options)?;
//! let bytes = cargo_sbom::render(&graph, &DocumentOptions {
//!     format: CycloneDxVersion::V1_6.format(),
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
//! - `sign`: `jsf`, JSF signatures embedded in CycloneDX (the keys of `attest-keys`).

pub mod cargo;
#[cfg(feature = "cli")]
pub mod cli;
pub mod crate_files;
#[cfg(feature = "validate")]
pub mod diff;
pub mod digest;
pub mod document;
pub mod embedded;
pub mod error;
pub mod format;
pub mod graph;
#[cfg(feature = "sign")]
pub mod jsf;
pub mod license;
pub mod lockfile;
pub mod output;
pub mod product;
pub mod purl;
pub mod source_tree;
pub mod spanned;
#[cfg(feature = "validate")]
pub mod validate;

pub use cargo::CargoNetwork;
pub use document::{Lifecycle, Timestamp};
pub use error::{Error, Result};
pub use format::cyclonedx::CycloneDxVersion;
pub use format::{DocumentOptions, FORMATS, Format, SbomFormat};
pub use graph::{
    Component, ComponentId, ComponentSource, Edge, EdgeKind, FeatureSelection, PackageId,
    PackageSelection, ResolveOptions, ResolvedGraph, Subject, Usage, Workspace,
};

/// Renders a resolved graph in the chosen format.
pub fn render(graph: &ResolvedGraph, options: &DocumentOptions) -> Vec<u8> {
    (options.format.family.write)(graph, options)
}
