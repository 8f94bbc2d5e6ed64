//! The build-time SBOM: resolved from a `build.rs` for the package being built, written into
//! `OUT_DIR` and, with [`Sbom::embed`], linked into the package's binaries.
//!
//! # Locks
//!
//! The hook runs `$CARGO metadata --offline --all-features` while the outer `cargo build` is
//! running. This does not block: `cargo build` holds the build directory lock
//! (`target/debug/.cargo-lock`) for the whole build, but `cargo metadata` never takes it (it
//! does not touch the build directory), and the package cache lock of `CARGO_HOME` is only held
//! by the outer cargo while it resolves and downloads, which is finished before any build script
//! runs. `--offline` keeps the inner cargo from ever trying to update the index, which would
//! need that lock and the network. The lockfile is already written by the outer cargo, so the
//! inner one reads it unchanged.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use cargo_sbom::format::cyclonedx;
use cargo_sbom::{
    CargoNetwork, CycloneDxVersion, DocumentOptions, FeatureSelection, Format, Lifecycle,
    PackageId, PackageSelection, ResolveOptions, ResolvedGraph, SbomFormat as Family, Timestamp,
    Workspace,
};

use crate::embed;
use crate::precursor::{self, PackageSpec, Precursor};

pub use cargo_sbom::CycloneDxVersion as SpecVersion;

/// An error of the build hook. Its `Debug` output is its message, so that `.unwrap()` in a
/// `build.rs` prints a readable error.
#[derive(thiserror::Error)]
pub enum Error {
    /// A variable cargo sets for build scripts is missing or not Unicode.
    #[error(
        "build_hooks: environment variable {name} is {problem} (Sbom::from_env() must run inside a build script)"
    )]
    Env {
        /// The variable.
        name: &'static str,
        /// `not set` or `not valid Unicode`.
        problem: &'static str,
    },
    /// Loading or resolving the package's dependency graph failed.
    #[error("build_hooks: the dependency graph of {manifest}: {source}")]
    Graph {
        /// The package's manifest.
        manifest: PathBuf,
        /// What went wrong.
        source: cargo_sbom::Error,
    },
    /// A `CARGO_FEATURE_*` variable matches no feature declared by the package.
    #[error("build_hooks: {variable} matches no feature of {manifest} (declared: {declared})")]
    UnknownFeature {
        /// The environment variable.
        variable: String,
        /// The package's manifest.
        manifest: PathBuf,
        /// The declared features.
        declared: String,
    },
    /// A file could not be written.
    #[error("build_hooks: could not write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A cargo SBOM precursor file named by `CARGO_SBOM_PATH` cannot be used.
    #[error("build_hooks: {0}")]
    Precursor(#[from] crate::precursor::PrecursorError),
    /// The SBOM cannot be embedded for this target.
    #[error("build_hooks: cannot embed the SBOM for target {target}: {reason}")]
    Embed {
        /// The target triple.
        target: String,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// What [`Sbom::write`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Every document written into `OUT_DIR`, with its format.
    pub documents: Vec<(Format, PathBuf)>,
    /// The object file linked into the binaries ([`Sbom::embed`]).
    pub object: Option<PathBuf>,
    /// The number of components of the SBOM.
    pub components: usize,
}

/// The SBOM of the package being built, configured by a builder and produced by [`Sbom::write`].
#[derive(Debug)]
pub struct Sbom {
    formats: Vec<&'static Family>,
    spec_version: CycloneDxVersion,
    include_dev: bool,
    include_build_deps: bool,
    embed: bool,
    vars: Vec<(OsString, OsString)>,
}

impl Written {
    /// The document of a format, when written (`cargo_sbom::format::spdx::FORMAT`, …).
    pub fn document(&self, family: &Family) -> Option<&Path> {
        self.documents
            .iter()
            .find(|(format, _)| format.family == family)
            .map(|(_, path)| path.as_path())
    }
}

impl Default for Sbom {
    fn default() -> Self {
        Self::from_env()
    }
}

impl Sbom {
    /// Reads the build script's environment (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`,
    /// `CARGO_PKG_VERSION`, `CARGO_FEATURE_*`, `TARGET`, `OUT_DIR`). Missing variables are
    /// reported by [`Sbom::write`].
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars_os())
    }

    /// Like [`Sbom::from_env`], from the given variables (for tests and wrappers).
    pub fn from_vars(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        Self {
            formats: cargo_sbom::FORMATS.to_vec(),
            spec_version: CycloneDxVersion::V1_6,
            include_dev: false,
            include_build_deps: true,
            embed: false,
            vars: vars.into_iter().collect(),
        }
    }

    /// Which formats to write into `OUT_DIR` (default: every format of
    /// [`cargo_sbom::FORMATS`], CycloneDX and SPDX), e.g.
    /// `&[&cargo_sbom::format::spdx::FORMAT]`. CycloneDX is written in [`Sbom::spec_version`],
    /// the others in their default version.
    pub fn formats(mut self, formats: &[&'static Family]) -> Self {
        self.formats = formats.to_vec();
        self
    }

    /// The CycloneDX version, of the file and of the embedded document (default: 1.6).
    pub fn spec_version(mut self, version: SpecVersion) -> Self {
        self.spec_version = version;
        self
    }

    /// Include the package's dev-dependencies (default: no; they are not in the binaries).
    pub fn include_dev(mut self, include: bool) -> Self {
        self.include_dev = include;
        self
    }

    /// Include build-time-only crates: build-dependencies (this hook among them), proc-macros
    /// and what only they use (default: yes).
    pub fn include_build_deps(mut self, include: bool) -> Self {
        self.include_build_deps = include;
        self
    }

    /// Also link the SBOM into the package's binaries (see [`cargo_sbom::embedded`] for the
    /// sections), with cargo-auditable's `.dep-v0` data beside it.
    pub fn embed(mut self) -> Self {
        self.embed = true;
        self
    }

    fn var(&self, name: &'static str) -> Result<String, Error> {
        let value = self
            .vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .ok_or(Error::Env {
                name,
                problem: "not set",
            })?;
        value.to_str().map(str::to_owned).ok_or(Error::Env {
            name,
            problem: "not valid Unicode",
        })
    }

    /// The suffixes of the `CARGO_FEATURE_*` variables, sorted.
    fn feature_vars(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .vars
            .iter()
            .filter_map(|(k, _)| {
                k.to_str()?
                    .strip_prefix("CARGO_FEATURE_")
                    .map(str::to_owned)
            })
            .collect();
        names.sort_unstable();
        names
    }

    /// Resolves the graph, writes the documents into `OUT_DIR` (never elsewhere), prints the
    /// `cargo:rerun-if-changed` lines and, with [`Sbom::embed`], the linker arguments.
    ///
    /// When `CARGO_SBOM_PATH` names cargo SBOM precursor files (see [`crate::precursor`]), the
    /// SBOM lists exactly the packages they record as built.
    pub fn write(self) -> Result<Written, Error> {
        let out_dir = PathBuf::from(self.var("OUT_DIR")?);
        let manifest_dir = PathBuf::from(self.var("CARGO_MANIFEST_DIR")?);
        let name = self.var("CARGO_PKG_NAME")?;
        let version = self.var("CARGO_PKG_VERSION")?;
        let target = self.var("TARGET")?;
        let manifest = manifest_dir.join("Cargo.toml");
        let graph_error = |source| Error::Graph {
            manifest: manifest.clone(),
            source,
        };

        // Never the network, and never a write to Cargo.lock (outside OUT_DIR): the outer cargo
        // has resolved, locked and fetched everything already.
        let network = CargoNetwork {
            offline: true,
            locked: true,
            ..CargoNetwork::default()
        };
        let workspace = Workspace::load(Some(&manifest), network, std::slice::from_ref(&target))
            .map_err(graph_error)?;
        let spec = format!("{name}@{version}");
        let members = workspace
            .select(&PackageSelection::Packages(vec![spec.clone()]))
            .map_err(graph_error)?;
        let features = self.features(&workspace, &members, &manifest)?;
        let options = ResolveOptions {
            packages: PackageSelection::Packages(vec![spec]),
            features,
            target: Some(target.clone()),
            include_dev: self.include_dev,
            exclude_build: !self.include_build_deps,
        };
        let mut graph = workspace.resolve(&members, &options).map_err(graph_error)?;
        print_rerun_lines(&workspace);
        let precursors = self.precursors()?;
        if !precursors.is_empty() {
            graph = self.as_built(&graph, &precursors);
        }

        let timestamp = Timestamp::from_env().map_err(graph_error)?;
        let render = |format: Format| {
            let options = DocumentOptions {
                format,
                timestamp,
                lifecycle: Lifecycle::Build,
            };
            cargo_sbom::render(&graph, &options)
        };
        // The embedded document is CycloneDX in the chosen version, whatever is written.
        let cyclonedx_format = self.spec_version.format();
        let cyclonedx_bytes = render(cyclonedx_format);
        let stem = format!("{name}-{version}");
        let mut written = Written {
            components: graph.components().len(),
            ..Written::default()
        };
        for family in &self.formats {
            let (format, bytes) = if **family == cyclonedx::FORMAT {
                (cyclonedx_format, Cow::Borrowed(cyclonedx_bytes.as_slice()))
            } else {
                let format = family.default_format();
                (format, Cow::Owned(render(format)))
            };
            let path = out_dir.join(format.file_name(&stem));
            write_file(&path, &bytes)?;
            written.documents.push((format, path));
        }
        if self.embed {
            written.object = Some(self.embed_into(&out_dir, &target, &graph, &cyclonedx_bytes)?);
        }
        Ok(written)
    }

    /// The precursor files named by `CARGO_SBOM_PATH`, each also a `rerun-if-changed` input.
    fn precursors(&self) -> Result<Vec<Precursor>, Error> {
        println!("cargo:rerun-if-env-changed={}", precursor::ENV_VAR);
        let Some((_, value)) = self.vars.iter().find(|(k, _)| k == precursor::ENV_VAR) else {
            return Ok(Vec::new());
        };
        Precursor::paths(value)
            .into_iter()
            .map(|path| {
                println!("cargo:rerun-if-changed={}", path.display());
                Precursor::read(&path).map_err(Error::from)
            })
            .collect()
    }

    /// The resolved graph restricted to the packages cargo's precursor files record as built
    /// (with build-time units unless build dependencies are excluded). A recorded package the
    /// resolution does not have is named in a `cargo:warning` line: the document cannot
    /// describe a package `cargo metadata` does not know.
    fn as_built(&self, graph: &ResolvedGraph, precursors: &[Precursor]) -> ResolvedGraph {
        let linked_only = !self.include_build_deps;
        // Older cargo wrote other package id forms: those are matched on name and version.
        // (The first of two packages with one name and version, as the graph orders them.)
        let mut by_name: BTreeMap<(&str, &str), &PackageId> = BTreeMap::new();
        for c in graph.components() {
            by_name
                .entry((c.name.as_str(), c.version.as_str()))
                .or_insert(&c.package_id);
        }
        let mut built: BTreeSet<PackageId> = BTreeSet::new();
        for precursor in precursors {
            for index in precursor.reachable(linked_only) {
                let id = &precursor.crates[index].id;
                let package = PackageId::new(id.as_str());
                if graph.by_package(&package).is_some() {
                    built.insert(package);
                    continue;
                }
                let spec = PackageSpec::parse(id);
                let same = spec
                    .as_ref()
                    .and_then(|spec| by_name.get(&(spec.name.as_str(), spec.version.as_str())));
                match same {
                    Some(package) => {
                        built.insert((*package).clone());
                    }
                    None => println!(
                        "cargo:warning=build_hooks: {id} is in cargo's SBOM precursor but not in \
                         the resolved graph; it is left out of the SBOM"
                    ),
                }
            }
        }
        graph.restrict_to(&built)
    }

    /// The features cargo enabled for the package, named as declared: cargo upper-cases the
    /// names and replaces `-` by `_` in `CARGO_FEATURE_*`, so the declared names are mapped the
    /// same way and matched.
    fn features(
        &self,
        workspace: &Workspace,
        members: &[&guppy::PackageId],
        manifest: &Path,
    ) -> Result<FeatureSelection, Error> {
        let mut declared: BTreeSet<String> = BTreeSet::new();
        let mut dependencies: BTreeSet<String> = BTreeSet::new();
        for id in members {
            if let Ok(package) = workspace.package_graph().metadata(id) {
                declared.extend(package.named_features().map(str::to_owned));
                dependencies.extend(package.direct_links().map(|l| l.dep_name().to_owned()));
            }
        }
        let env_name = |feature: &str| feature.to_uppercase().replace('-', "_");
        let mut features = Vec::new();
        for variable in self.feature_vars() {
            // Named features first; then the implicit feature of an optional dependency.
            let found = declared
                .iter()
                .chain(dependencies.iter())
                .find(|f| env_name(f) == variable);
            match found {
                Some(feature) => features.push(feature.clone()),
                None => {
                    return Err(Error::UnknownFeature {
                        variable: format!("CARGO_FEATURE_{variable}"),
                        manifest: manifest.to_owned(),
                        declared: declared.iter().cloned().collect::<Vec<_>>().join(", "),
                    });
                }
            }
        }
        Ok(FeatureSelection {
            features,
            all_features: false,
            // `default` is among the variables when cargo enabled it.
            no_default_features: true,
        })
    }

    fn embed_into(
        &self,
        out_dir: &Path,
        target: &str,
        graph: &ResolvedGraph,
        cyclonedx: &[u8],
    ) -> Result<PathBuf, Error> {
        let embed_error = |reason: String| Error::Embed {
            target: target.to_owned(),
            reason,
        };
        let cfg = |name: &'static str| self.var(name).unwrap_or_default();
        let platform = embed::Platform {
            arch: cfg("CARGO_CFG_TARGET_ARCH"),
            endian: cfg("CARGO_CFG_TARGET_ENDIAN"),
            pointer_width: cfg("CARGO_CFG_TARGET_POINTER_WIDTH"),
            os: cfg("CARGO_CFG_TARGET_OS"),
            env: cfg("CARGO_CFG_TARGET_ENV"),
            vendor: cfg("CARGO_CFG_TARGET_VENDOR"),
        };
        let dep_v0 = crate::dep_v0::render(graph);
        let object = embed::object_file(&platform, cyclonedx, &dep_v0).map_err(embed_error)?;
        let path = out_dir.join("cargo-sbom-embedded.o");
        write_file(&path, &object.bytes)?;
        println!("cargo:rustc-link-arg-bins={}", path.display());
        for arg in object.link_args {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
        Ok(path)
    }
}

/// `cargo:rerun-if-changed` for what the graph is made of: the lockfile and the manifest of every
/// local package (workspace members and path dependencies). Git and registry packages are pinned
/// by the lockfile. `SOURCE_DATE_EPOCH` is the document's timestamp.
fn print_rerun_lines(workspace: &Workspace) {
    println!(
        "cargo:rerun-if-changed={}",
        workspace.root().join("Cargo.lock").display()
    );
    let mut manifests: BTreeSet<PathBuf> = BTreeSet::new();
    manifests.insert(workspace.root().join("Cargo.toml"));
    for package in workspace.package_graph().packages() {
        if package.source().is_local() {
            manifests.insert(package.manifest_path().as_std_path().to_owned());
        }
    }
    for manifest in manifests {
        println!("cargo:rerun-if-changed={}", manifest.display());
    }
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    cargo_sbom::output::write_atomic(path, bytes).map_err(|e| Error::Write {
        path: path.to_owned(),
        reason: match e {
            cargo_sbom::Error::Write { reason, .. } => reason,
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_document_is_found_by_its_format() {
        let path = PathBuf::from("out/app-0.1.0.cdx.json");
        let written = Written {
            documents: vec![(cyclonedx::FORMAT.default_format(), path.clone())],
            ..Written::default()
        };
        assert_eq!(written.document(&cyclonedx::FORMAT), Some(path.as_path()));
        assert_eq!(written.document(&cargo_sbom::format::spdx::FORMAT), None);
    }
}
