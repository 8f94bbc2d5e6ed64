//! The one graph model of the suite: what cargo builds for a target and a feature selection.
//!
//! [`Workspace::load`] runs `cargo metadata` once and keeps guppy's package graph;
//! [`Workspace::resolve`] simulates the cargo build (guppy's `CargoSet`: resolver version, target
//! and host platforms, feature unification) and returns a [`ResolvedGraph`] of plain values that
//! every consumer (SBOM writers, policy rules, provenance) reads. The graph holds no host paths:
//! local packages are located relative to the workspace root.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use guppy::graph::cargo::{CargoOptions, CargoResolverVersion, CargoSet};
use guppy::graph::feature::{
    FeatureId, FeatureLabel, FeatureSet, StandardFeatures, feature_id_filter,
};
use guppy::graph::{PackageGraph, PackageLink, PackageMetadata};
use guppy::platform::{Platform, PlatformSpec, TargetFeatures};

mod builder;
mod model;
pub mod person;

pub use builder::relative_path;
pub use model::*;

use crate::cargo::{CargoNetwork, EarlyLockfile, RustcPlatform, run_cargo, target_platform};
use crate::digest::Digests;
use crate::error::{Error, Result};
use crate::lockfile::Checksums;
use crate::product::{Producer, ProducerSources, SbomSection};
use builder::GraphBuilder;

/// Which workspace members an SBOM is about, as cargo's `-p`, `--workspace` and `--exclude`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PackageSelection {
    /// What a bare `cargo build` builds: the root package, or the default members.
    #[default]
    Default,
    /// Every member but the excluded ones.
    Workspace {
        /// Members left out (`--exclude`).
        exclude: Vec<String>,
    },
    /// The named members (`-p`).
    Packages(Vec<String>),
}

/// Features requested on the command line, as cargo's flags of the same names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeatureSelection {
    /// `--features`: plain names for every selected member, or `MEMBER/FEATURE`.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
}

impl FeatureSelection {
    /// The features as one sorted, comma-separated list (for SBOM metadata).
    pub fn describe(&self) -> String {
        if self.all_features {
            return "all".to_owned();
        }
        let mut names: Vec<&str> = self.names().collect();
        names.sort_unstable();
        names.dedup();
        let mut parts: Vec<String> = Vec::new();
        if !self.no_default_features {
            parts.push("default".to_owned());
        }
        parts.extend(names.into_iter().map(str::to_owned));
        parts.join(",")
    }

    /// Every feature name given, split on commas and spaces as cargo does.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.features
            .iter()
            .flat_map(|f| f.split([',', ' ']))
            .filter(|f| !f.is_empty())
    }
}

/// Options of one resolution.
#[derive(Clone, Debug, Default)]
pub struct ResolveOptions {
    /// The packages whose build is described.
    pub packages: PackageSelection,
    /// The requested features.
    pub features: FeatureSelection,
    /// The target triple; `None` for the host.
    pub target: Option<String>,
    /// Include dev-dependencies of the selected members (`cargo test` rather than `cargo build`).
    pub include_dev: bool,
    /// Leave out build-time-only crates (build-dependencies, proc-macros and what only they use).
    pub exclude_build: bool,
}

/// A loaded workspace: the package graph, the lockfile checksums and the platforms.
pub struct Workspace {
    graph: PackageGraph,
    checksums: Checksums,
    host: RustcPlatform,
    /// Target platforms already asked of rustc, by the triple as given.
    targets: Mutex<HashMap<String, RustcPlatform>>,
    resolver: CargoResolverVersion,
    lockfile_updated: Option<bool>,
    /// `[sbom]` of `attest.toml` and `[workspace.metadata.sbom]`.
    sbom_config: (Option<SbomSection>, Option<SbomSection>),
    /// Source-tree digests of local and git packages, computed once per package.
    source_digests: Mutex<HashMap<PackageId, Option<Digests>>>,
    /// The workspace's files hashed while cargo ran.
    file_hashes: crate::source_tree::FileHashes,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("root", &self.graph.workspace().root())
            .field("packages", &self.graph.package_count())
            .field("host", &self.host.triple)
            .finish()
    }
}

impl Workspace {
    /// Runs `cargo metadata` for `manifest_path` (or the current directory) and loads the graph.
    ///
    /// `targets` are the triples that will be resolved: rustc is asked about them while cargo
    /// runs, so that their cfg costs no extra time ([`Workspace::resolve`] asks about any other
    /// triple when it needs it).
    pub fn load(
        manifest_path: Option<&Path>,
        network: CargoNetwork,
        targets: &[String],
    ) -> Result<Self> {
        let output = run_cargo(manifest_path, network, targets)?;
        let workspace =
            Self::from_parts(&output.metadata_json, output.host, output.early_lockfile)?;
        if let Ok(mut known) = workspace.targets.lock() {
            for (triple, platform) in output.targets {
                // A failed query is asked again by `resolve`, which reports rustc's error.
                if let Ok(platform) = platform {
                    known.insert(triple, platform);
                }
            }
        }
        Ok(workspace)
    }

    /// Loads a workspace from `cargo metadata --format-version 1 --all-features` output and the
    /// host platform.
    pub fn from_metadata_json(json: &str, host: RustcPlatform) -> Result<Self> {
        Self::from_parts(json, host, None)
    }

    fn from_parts(
        json: &str,
        host: RustcPlatform,
        early_lockfile: Option<EarlyLockfile>,
    ) -> Result<Self> {
        let graph = PackageGraph::from_json(json).map_err(|e| Error::Graph(e.to_string()))?;
        let root = graph.workspace().root().as_std_path().to_owned();
        let lockfile_path = root.join("Cargo.lock");
        // Whether `cargo metadata` rewrote the workspace's lockfile: known when it was read
        // before cargo ran.
        let early = early_lockfile.filter(|early| early.path == lockfile_path);
        let lockfile_updated = early.as_ref().map(|early| {
            std::fs::read_to_string(&lockfile_path).map_or(true, |now| now != early.text)
        });
        let mut file_hashes = crate::source_tree::FileHashes::default();
        let mut checksums = match early {
            // The early parse counts only if cargo left that very file as it was.
            Some(early) if lockfile_updated == Some(false) => {
                early.crate_hashing?;
                file_hashes = early.files;
                early.checksums.map_err(|reason| Error::Lockfile {
                    path: lockfile_path.clone(),
                    reason,
                })?
            }
            _ => Checksums::read(&lockfile_path)?,
        };
        if crate::cargo::crate_hashes_enabled() {
            // What was not cached before cargo ran (it may have downloaded it since).
            checksums.hash_cached_crates(&crate::crate_files::CrateCache::open_default())?;
        }
        let resolver = resolver_version(&root.join("Cargo.toml"))?;
        let attest_toml = root.join("attest.toml");
        let from_attest_toml = match std::fs::read_to_string(&attest_toml) {
            Ok(text) => SbomSection::from_attest_toml(&attest_toml, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(Error::Read {
                    path: attest_toml,
                    source,
                });
            }
        };
        let from_workspace = SbomSection::from_metadata(
            &root.join("Cargo.toml"),
            "workspace",
            graph.workspace().metadata_table(),
        )?;
        Ok(Self {
            graph,
            checksums,
            host,
            targets: Mutex::new(HashMap::new()),
            resolver,
            lockfile_updated,
            sbom_config: (from_attest_toml, from_workspace),
            source_digests: Mutex::new(HashMap::new()),
            file_hashes,
        })
    }

    /// The source-tree digests of a local or git package ([`crate::source_tree`]), once each.
    pub(crate) fn source_digests(&self, id: &PackageId, dir: &Path) -> Option<Digests> {
        if let Some(known) = self.source_digests.lock().ok()?.get(id) {
            return known.clone();
        }
        let digests = crate::source_tree::digests(dir, &self.file_hashes);
        if let Ok(mut known) = self.source_digests.lock() {
            known.insert(id.clone(), digests.clone());
        }
        digests
    }

    /// The producer facts of a graph whose described members are `roots` ([`crate::product`]).
    fn producer(&self, graph: &ResolvedGraph) -> Result<Producer> {
        let roots = graph.roots();
        let first = roots.first().map(|r| graph.component(*r));
        let metadata = first
            .map(|root| self.graph.metadata(&root.package_id))
            .transpose()
            .map_err(|e| Error::Graph(e.to_string()))?;
        let mut security_md_dirs = vec![self.root().to_owned()];
        let mut package = None;
        if let Some(metadata) = metadata {
            let manifest = metadata.manifest_path().as_std_path();
            if let Some(dir) = manifest.parent() {
                security_md_dirs.push(dir.to_owned());
            }
            // Package metadata counts when one package is described.
            if matches!(graph.subject, Subject::Package(_)) {
                package =
                    SbomSection::from_metadata(manifest, "package", metadata.metadata_table())?;
            }
        }
        Ok(ProducerSources {
            attest_toml: self.sbom_config.0.as_ref(),
            package: package.as_ref(),
            workspace: self.sbom_config.1.as_ref(),
            authors: first.map(|c| c.authors.as_slice()).unwrap_or_default(),
            repository: first.and_then(|c| c.repository.as_deref()),
            homepage: first.and_then(|c| c.homepage.as_deref()),
            security_md_dirs,
        }
        .resolve())
    }

    /// The guppy package graph, for consumers that need more than the resolved graph.
    pub fn package_graph(&self) -> &PackageGraph {
        &self.graph
    }

    /// The workspace root directory.
    pub fn root(&self) -> &Path {
        self.graph.workspace().root().as_std_path()
    }

    /// Whether loading had cargo update the workspace's existing `Cargo.lock` (what `--locked`
    /// would refuse): `Some(true)` when it changed, `Some(false)` when cargo left it as it was,
    /// `None` when it was not read before cargo ran (no lockfile yet, or loaded from JSON).
    pub fn lockfile_updated(&self) -> Option<bool> {
        self.lockfile_updated
    }

    /// The host triple reported by rustc.
    pub fn host_triple(&self) -> &str {
        &self.host.triple
    }

    /// The platform of a target triple (the host for `None`), asking rustc when not yet known.
    fn rustc_platform(&self, triple: Option<&str>) -> Result<RustcPlatform> {
        let Some(triple) = triple else {
            return Ok(self.host.clone());
        };
        if let Some(known) = self
            .targets
            .lock()
            .ok()
            .and_then(|t| t.get(triple).cloned())
        {
            return Ok(known);
        }
        let platform = target_platform(triple)?;
        if let Ok(mut known) = self.targets.lock() {
            known.insert(triple.to_owned(), platform.clone());
        }
        Ok(platform)
    }

    /// The members a selection names, in workspace order, each checked to exist.
    pub fn select(&self, selection: &PackageSelection) -> Result<Vec<&PackageId>> {
        let workspace = self.graph.workspace();
        let ids: Vec<&PackageId> = match selection {
            PackageSelection::Default => workspace.default_member_ids().collect(),
            PackageSelection::Workspace { exclude } => {
                let excluded: Vec<&PackageId> = exclude
                    .iter()
                    .map(|spec| self.member_by_name(spec))
                    .collect::<Result<_>>()?;
                workspace
                    .iter()
                    .map(|p| p.id())
                    .filter(|id| !excluded.contains(id))
                    .collect()
            }
            PackageSelection::Packages(names) => {
                let mut ids = Vec::new();
                for name in names {
                    let id = self.member_by_name(name)?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            }
        };
        if ids.is_empty() {
            return Err(Error::Usage(format!(
                "no workspace member selected in {}",
                self.root().display()
            )));
        }
        Ok(ids)
    }

    /// The member a `-p`/`--exclude` argument names: `NAME`, or a package id spec
    /// `NAME@VERSION` as cargo accepts it (a partial version such as `NAME@1.2` matches 1.2.x).
    fn member_by_name(&self, spec: &str) -> Result<&PackageId> {
        let workspace = self.graph.workspace();
        let (name, version) = match spec.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (spec, None),
        };
        let version_matches = |actual: String| {
            version.is_none_or(|v| actual == v || actual.starts_with(&format!("{v}.")))
        };
        workspace
            .member_by_name(name)
            .ok()
            .filter(|p| version_matches(p.version().to_string()))
            .map(|p| p.id())
            .ok_or_else(|| {
                let mut members: Vec<&str> = workspace.iter().map(|p| p.name()).collect();
                members.sort_unstable();
                Error::UnknownPackage {
                    name: spec.to_owned(),
                    workspace: self.root().display().to_string(),
                    members: members.join(", "),
                }
            })
    }

    /// Resolves what cargo builds for `members` with `options` (the member selection in
    /// `options` is ignored: `members` come from [`Workspace::select`]).
    pub fn resolve(
        &self,
        members: &[&PackageId],
        options: &ResolveOptions,
    ) -> Result<ResolvedGraph> {
        if members.is_empty() {
            return Err(Error::Usage("no workspace member selected".into()));
        }
        let target_rustc = self.rustc_platform(options.target.as_deref())?;
        let target = guppy_platform(&target_rustc)?;
        let host = guppy_platform(&self.host)?;

        let (initials, dependency_features) = self.initial_features(members, &options.features)?;
        let target_spec = PlatformSpec::from(target);
        let host_spec = PlatformSpec::from(host);
        let mut cargo_options = CargoOptions::new();
        cargo_options
            .set_resolver(self.resolver)
            .set_include_dev(options.include_dev)
            .set_target_platform(target_spec.clone())
            .set_host_platform(host_spec.clone());
        // `--features DEPENDENCY/FEATURE`: unified into the build, without making the
        // dependency a root.
        let features_only = self
            .graph
            .feature_graph()
            .resolve_ids(dependency_features)
            .map_err(|e| Error::Graph(e.to_string()))?;
        let cargo_set = CargoSet::new(initials, features_only, &cargo_options)
            .map_err(|e| Error::Graph(e.to_string()))?;

        let mut builder = GraphBuilder::new(self);
        builder.collect(&cargo_set, members, &target_spec, &host_spec);
        let mut graph = builder.finish(members, options.exclude_build);
        graph.target = target_rustc.triple;
        graph.features = options.features.clone();
        graph.include_dev = options.include_dev;
        graph.producer = self.producer(&graph)?;
        Ok(graph)
    }

    /// The initial feature set: the members with their standard features plus the named ones,
    /// each checked to exist (guppy would silently ignore an unknown name).
    ///
    /// Also returns the features that `DEPENDENCY/FEATURE` names on dependencies of the members
    /// (cargo accepts these on the command line as well as in `[features]`).
    fn initial_features<'a>(
        &'a self,
        members: &[&PackageId],
        selection: &'a FeatureSelection,
    ) -> Result<(FeatureSet<'a>, Vec<FeatureId<'a>>)> {
        let base = if selection.all_features {
            StandardFeatures::All
        } else if selection.no_default_features {
            StandardFeatures::None
        } else {
            StandardFeatures::Default
        };
        let metadata: Vec<PackageMetadata<'_>> = members
            .iter()
            .map(|id| {
                self.graph
                    .metadata(id)
                    .map_err(|e| Error::Graph(e.to_string()))
            })
            .collect::<Result<_>>()?;
        let mut feature_ids: Vec<FeatureId<'_>> = Vec::new();
        let mut dependency_features: Vec<FeatureId<'_>> = Vec::new();
        for requested in selection.names() {
            let (package, feature) = match requested.split_once('/') {
                Some((package, feature)) => (Some(package), feature),
                None => (None, requested),
            };
            let candidates: Vec<&PackageMetadata<'_>> = metadata
                .iter()
                .filter(|m| package.is_none_or(|p| p == m.name()))
                .collect();
            if let Some(package) = package
                && candidates.is_empty()
            {
                let links: Vec<PackageLink<'_>> = metadata
                    .iter()
                    .flat_map(|m| m.direct_links())
                    .filter(|l| l.dep_name() == package && !l.dev_only())
                    .collect();
                for link in &links {
                    let dependency = link.to();
                    if !dependency.named_features().any(|f| f == feature)
                        && !self.has_optional_dependency(&dependency, feature)
                    {
                        return Err(Error::UnknownFeature {
                            feature: requested.to_owned(),
                            packages: format!(
                                "{} {} (a dependency of {})",
                                dependency.name(),
                                dependency.version(),
                                link.from().name()
                            ),
                        });
                    }
                    // As in `[features]`, `dep/feature` also enables an optional `dep`.
                    let label = FeatureLabel::OptionalDependency(link.dep_name());
                    let optional = FeatureId::new(link.from().id(), label);
                    if self.graph.feature_graph().metadata(optional).is_ok() {
                        feature_ids.push(optional);
                    }
                    let label = FeatureLabel::Named(feature);
                    dependency_features.push(FeatureId::new(dependency.id(), label));
                }
                if !links.is_empty() {
                    continue;
                }
                return Err(Error::Usage(format!(
                    "`--features {requested}`: `{package}` is not a selected workspace member; \
                     select it with `-p {package}` or name a feature of a selected member"
                )));
            }
            let mut found = false;
            for candidate in candidates {
                let has_feature = candidate.named_features().any(|f| f == feature)
                    || self.has_optional_dependency(candidate, feature);
                if has_feature {
                    found = true;
                    feature_ids.push(FeatureId::new(candidate.id(), FeatureLabel::Named(feature)));
                }
            }
            if !found {
                let names: Vec<String> = metadata
                    .iter()
                    .filter(|m| package.is_none_or(|p| p == m.name()))
                    .map(|m| format!("{} ({})", m.name(), m.manifest_path()))
                    .collect();
                return Err(Error::UnknownFeature {
                    feature: requested.to_owned(),
                    packages: names.join(", "),
                });
            }
        }
        let members = self
            .graph
            .resolve_ids(members.iter().copied())
            .map_err(|e| Error::Graph(e.to_string()))?;
        let initials = members.to_feature_set(feature_id_filter(base, feature_ids));
        Ok((initials, dependency_features))
    }

    fn has_optional_dependency(&self, package: &PackageMetadata<'_>, name: &str) -> bool {
        let feature = FeatureId::new(package.id(), FeatureLabel::Named(name));
        self.graph.feature_graph().metadata(feature).is_ok()
    }
}

/// A guppy platform that evaluates `cfg(…)` as rustc does for this target: the target's own
/// cfg, its enabled target features and any `--cfg` flags. Targets unknown to guppy's built-in
/// list (new or custom ones) are built from rustc's cfg output alone.
fn guppy_platform(rustc: &RustcPlatform) -> Result<Platform> {
    let features = TargetFeatures::features(rustc.target_features());
    let mut platform =
        match Platform::new(rustc.triple.clone(), features.clone()) {
            Ok(platform) => platform,
            Err(_) => Platform::new_custom_cfg(rustc.triple.clone(), &rustc.cfg, features)
                .map_err(|e| Error::UnknownTarget {
                    triple: rustc.triple.clone(),
                    reason: e.to_string(),
                })?,
        };
    platform.add_flags(rustc.cfg_flags());
    Ok(platform)
}

/// Reads the resolver version cargo uses for the workspace: `[workspace] resolver`, else the
/// root package's edition (2021 → 2, 2024 → 3), else 1, as cargo does.
fn resolver_version(root_manifest: &Path) -> Result<CargoResolverVersion> {
    let text = std::fs::read_to_string(root_manifest).map_err(|source| Error::Read {
        path: root_manifest.to_owned(),
        source,
    })?;
    let manifest: toml::Table = toml::from_str(&text).map_err(|e| Error::NotAnSbom {
        path: root_manifest.to_owned(),
        reason: format!("invalid TOML: {}", e.message()),
    })?;
    let workspace = manifest.get("workspace").and_then(|w| w.as_table());
    let resolver = workspace
        .and_then(|w| w.get("resolver"))
        .or_else(|| manifest.get("package").and_then(|p| p.get("resolver")))
        .and_then(|r| r.as_str());
    let edition = manifest
        .get("package")
        .and_then(|p| p.get("edition"))
        .and_then(|e| match e {
            toml::Value::String(s) => Some(s.as_str()),
            // `edition.workspace = true` inherits `[workspace.package] edition`.
            toml::Value::Table(_) => workspace
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get("edition"))
                .and_then(|e| e.as_str()),
            _ => None,
        });
    Ok(match (resolver, edition) {
        (Some("3"), _) => CargoResolverVersion::V3,
        (Some("2"), _) => CargoResolverVersion::V2,
        (Some(_), _) => CargoResolverVersion::V1,
        (None, Some("2024")) => CargoResolverVersion::V3,
        (None, Some("2021")) => CargoResolverVersion::V2,
        (None, _) => CargoResolverVersion::V1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_selection_is_described() {
        let selection = FeatureSelection {
            features: vec!["b,a".into(), "c".into()],
            ..Default::default()
        };
        assert_eq!(selection.describe(), "default,a,b,c");
        let none = FeatureSelection {
            no_default_features: true,
            ..Default::default()
        };
        assert_eq!(none.describe(), "");
    }
}
