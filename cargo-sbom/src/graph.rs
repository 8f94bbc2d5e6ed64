//! The one graph model of the suite: what cargo builds for a target and a feature selection.
//!
//! [`Workspace::load`] runs `cargo metadata` once and keeps guppy's package graph;
//! [`Workspace::resolve`] simulates the cargo build (guppy's `CargoSet`: resolver version, target
//! and host platforms, feature unification) and returns a [`ResolvedGraph`] of plain values that
//! every consumer (SBOM writers, policy rules, provenance) reads. The graph holds no host paths:
//! local packages are located relative to the workspace root.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use guppy::PackageId;
use guppy::graph::cargo::{CargoOptions, CargoResolverVersion, CargoSet};
use guppy::graph::feature::{
    FeatureId, FeatureLabel, FeatureSet, StandardFeatures, feature_id_filter,
};
use guppy::graph::{
    BuildTargetKind, DependencyDirection, ExternalSource, PackageGraph, PackageLink,
    PackageMetadata, PackageSource,
};
use guppy::platform::{EnabledTernary, Platform, PlatformSpec, TargetFeatures};

use crate::cargo::{CargoNetwork, EarlyLockfile, RustcPlatform, run_cargo, target_platform};
use crate::digest::Sha256Hex;
use crate::error::{Error, Result};
use crate::license::DeclaredLicense;
use crate::lockfile::Checksums;
use crate::purl::{PurlSource, cargo_purl};

/// The crates.io index as cargo names it in git and sparse form.
const CRATES_IO_SOURCES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

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
        let checksums = match early_lockfile {
            // The early parse counts only if cargo left that very file as it was.
            Some(early)
                if early.path == lockfile_path
                    && std::fs::read_to_string(&lockfile_path)
                        .is_ok_and(|now| now == early.text) =>
            {
                early.checksums.map_err(|reason| Error::Lockfile {
                    path: lockfile_path.clone(),
                    reason,
                })?
            }
            _ => Checksums::read(&lockfile_path)?,
        };
        let resolver = resolver_version(&root.join("Cargo.toml"))?;
        Ok(Self {
            graph,
            checksums,
            host,
            targets: Mutex::new(HashMap::new()),
            resolver,
        })
    }

    /// The guppy package graph, for consumers that need more than the resolved graph.
    pub fn package_graph(&self) -> &PackageGraph {
        &self.graph
    }

    /// The workspace root directory.
    pub fn root(&self) -> &Path {
        self.graph.workspace().root().as_std_path()
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

/// Index of a component in [`ResolvedGraph::components`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub usize);

/// How a component is used by the described build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Usage {
    /// Compiled into the artifacts for the target (the members themselves and their normal
    /// dependencies).
    Runtime,
    /// Runs only at build time: build scripts' dependencies, proc-macros and what only they pull in.
    Build,
    /// Only needed for tests, examples and benches (dev-dependencies).
    Dev,
}

impl Usage {
    /// The lowercase name used in SBOM properties.
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Runtime => "runtime",
            Usage::Build => "build",
            Usage::Dev => "dev",
        }
    }
}

/// The kind of a dependency edge, as the `[dependencies]` tables of a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// `[dependencies]`.
    Normal,
    /// `[build-dependencies]`.
    Build,
    /// `[dev-dependencies]`.
    Dev,
}

/// One resolved dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// The dependent.
    pub from: ComponentId,
    /// The dependency.
    pub to: ComponentId,
    /// Which table of `from`'s manifest declares it.
    pub kind: EdgeKind,
}

/// Where a component comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentSource {
    /// A workspace member, at a path relative to the workspace root (`.` for the root).
    Workspace {
        /// The member's directory relative to the workspace root.
        path: String,
    },
    /// A path dependency outside the workspace, relative to the workspace root.
    Path {
        /// The package's directory relative to the workspace root.
        path: String,
    },
    /// A registry.
    Registry {
        /// The index URL without the `registry+`/`sparse+` prefix.
        index: String,
        /// Whether this is crates.io.
        crates_io: bool,
    },
    /// A git repository.
    Git {
        /// The repository URL (a local `file:` URL is made relative to the workspace root).
        url: String,
        /// The resolved commit.
        commit: String,
    },
}

/// Who supplies a component: the distribution source (a registry or git host) for external
/// crates, the first author for local ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Supplier {
    /// An organisation (a registry or a repository owner).
    Organization {
        /// Its name.
        name: String,
        /// Its web address.
        url: Option<String>,
    },
    /// A person (a crate author).
    Person(Person),
}

/// A person as cargo's `authors` entries write one: `Name <email>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The name.
    pub name: String,
    /// The e-mail address, when given.
    pub email: Option<String>,
}

impl Person {
    /// Parses `Name <email>` (or a bare name, or a bare `<email>`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (name, email) = match (text.find('<'), text.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let email = text[open + 1..close].trim();
                (
                    text[..open].trim(),
                    (!email.is_empty()).then(|| email.to_owned()),
                )
            }
            _ => (text, None),
        };
        let name = if name.is_empty() {
            email.clone()?
        } else {
            name.to_owned()
        };
        Some(Self { name, email })
    }
}

/// One package of the resolved graph with everything an SBOM says about it.
#[derive(Clone, Debug)]
pub struct Component {
    /// The package name.
    pub name: String,
    /// The exact version.
    pub version: String,
    /// Where it comes from.
    pub source: ComponentSource,
    /// Its package URL.
    pub purl: String,
    /// An id unique within the document (the purl, suffixed only if two sources share one).
    pub bom_ref: String,
    /// SHA-256 of the `.crate` file from `Cargo.lock` (registry crates).
    pub sha256: Option<Sha256Hex>,
    /// The declared license.
    pub license: DeclaredLicense,
    /// The `authors` entries.
    pub authors: Vec<Person>,
    /// The supplier (see [`Supplier`]).
    pub supplier: Option<Supplier>,
    /// `description`.
    pub description: Option<String>,
    /// `repository`.
    pub repository: Option<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `documentation`.
    pub documentation: Option<String>,
    /// Whether this is a workspace member.
    pub is_workspace_member: bool,
    /// Whether it has a binary target (a workspace application).
    pub has_binary: bool,
    /// Whether it is a proc-macro crate.
    pub is_proc_macro: bool,
    /// How the build uses it.
    pub usage: Usage,
    /// The named features cargo enables on it (target and host builds together).
    pub features: BTreeSet<String>,
    /// Cargo's package id (`cargo metadata` `id`, the same string as `package_id` in cargo's
    /// JSON build messages), for matching the graph against a real build.
    ///
    /// In memory only: it is never written to a document, because for local packages it holds
    /// an absolute host path (`path+file:///…`).
    pub package_id: String,
}

/// What the SBOM describes: one package, or several members of a workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A single package.
    Package(ComponentId),
    /// Several workspace members, described together under the workspace's name.
    Workspace {
        /// The workspace directory's name.
        name: String,
        /// The members' common version, or the highest when they differ.
        version: String,
        /// The members.
        members: Vec<ComponentId>,
    },
}

/// The resolved graph: every package the build uses, every edge, and the build's parameters.
#[derive(Clone, Debug)]
pub struct ResolvedGraph {
    /// What the SBOM is about.
    pub subject: Subject,
    /// The components, sorted by name, version and purl.
    pub components: Vec<Component>,
    /// The edges, sorted and free of duplicates.
    pub edges: Vec<Edge>,
    /// The target triple the graph was resolved for.
    pub target: String,
    /// The requested features.
    pub features: FeatureSelection,
    /// Whether dev-dependencies are included.
    pub include_dev: bool,
}

impl ResolvedGraph {
    /// The component with this id.
    pub fn component(&self, id: ComponentId) -> &Component {
        &self.components[id.0]
    }

    /// The roots: the described members.
    pub fn roots(&self) -> Vec<ComponentId> {
        match &self.subject {
            Subject::Package(id) => vec![*id],
            Subject::Workspace { members, .. } => members.clone(),
        }
    }

    /// The graph of exactly the given packages (by [`Component::package_id`]) and the edges
    /// among them, e.g. the packages a real `cargo build` compiled.
    ///
    /// Components keep their order, usage, features and bom-refs. The subject keeps the
    /// described members that are among `package_ids`; a workspace subject left with one member
    /// becomes that package, and one left with several keeps its name and takes the highest
    /// remaining version. When none of the members is among `package_ids`, the members are kept
    /// anyway, so the document still says what it describes.
    pub fn restrict_to(&self, package_ids: &BTreeSet<String>) -> ResolvedGraph {
        let roots = self.roots();
        let any_root = roots
            .iter()
            .any(|r| package_ids.contains(&self.component(*r).package_id));
        let keep: Vec<bool> = self
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                package_ids.contains(&c.package_id)
                    || (!any_root && roots.contains(&ComponentId(i)))
            })
            .collect();
        let mut new_index = vec![None; keep.len()];
        let mut components = Vec::new();
        for (i, component) in self.components.iter().enumerate() {
            if keep[i] {
                new_index[i] = Some(ComponentId(components.len()));
                components.push(component.clone());
            }
        }
        let edges = self
            .edges
            .iter()
            .filter_map(|e| {
                Some(Edge {
                    from: new_index[e.from.0]?,
                    to: new_index[e.to.0]?,
                    kind: e.kind,
                })
            })
            .collect();
        let kept_roots: Vec<ComponentId> = roots.iter().filter_map(|r| new_index[r.0]).collect();
        let subject = match (&self.subject, kept_roots.as_slice()) {
            (_, [only]) => Subject::Package(*only),
            (Subject::Workspace { name, .. }, members) => Subject::Workspace {
                name: name.clone(),
                version: members
                    .iter()
                    .map(|m| components[m.0].version.clone())
                    .max_by(|a, b| semver_key(a).cmp(&semver_key(b)))
                    .unwrap_or_default(),
                members: members.to_vec(),
            },
            // A package subject always keeps its one root (see above).
            (Subject::Package(id), _) => Subject::Package(new_index[id.0].unwrap_or(*id)),
        };
        ResolvedGraph {
            subject,
            components,
            edges,
            target: self.target.clone(),
            features: self.features.clone(),
            include_dev: self.include_dev,
        }
    }

    /// Direct dependencies of each component (with edge kinds), in component order.
    pub fn dependencies(&self) -> Vec<Vec<(ComponentId, EdgeKind)>> {
        let mut out = vec![Vec::new(); self.components.len()];
        for edge in &self.edges {
            out[edge.from.0].push((edge.to, edge.kind));
        }
        out
    }
}

/// Collects packages and links from a `CargoSet` into a [`ResolvedGraph`].
struct GraphBuilder<'w> {
    workspace: &'w Workspace,
    packages: BTreeMap<&'w PackageId, BTreeSet<String>>,
    links: BTreeSet<(&'w PackageId, &'w PackageId, EdgeKind)>,
    /// Normal links between packages built for the target: the only ones whose code ends up in
    /// the artifacts.
    runtime_links: BTreeSet<(&'w PackageId, &'w PackageId)>,
}

impl<'w> GraphBuilder<'w> {
    fn new(workspace: &'w Workspace) -> Self {
        Self {
            workspace,
            packages: BTreeMap::new(),
            links: BTreeSet::new(),
            runtime_links: BTreeSet::new(),
        }
    }

    fn collect(
        &mut self,
        cargo_set: &CargoSet<'w>,
        members: &[&'w PackageId],
        target: &PlatformSpec,
        host: &PlatformSpec,
    ) {
        for (_, features) in cargo_set.all_features() {
            for list in features.packages_with_features(DependencyDirection::Forward) {
                let entry = self.packages.entry(list.package().id()).or_default();
                entry.extend(list.named_features().map(str::to_owned));
            }
        }
        for id in members {
            self.packages.entry(id).or_default();
        }
        let target_features = cargo_set.target_features();
        let host_features = cargo_set.host_features();
        for link in cargo_set.target_links() {
            let kind = if normal_edge_enabled(&link, target_features, target) {
                self.runtime_links
                    .insert((link.from().id(), link.to().id()));
                EdgeKind::Normal
            } else {
                EdgeKind::Dev
            };
            self.links.insert((link.from().id(), link.to().id(), kind));
        }
        for link in cargo_set.proc_macro_links() {
            let kind = if normal_edge_enabled(&link, target_features, target) {
                EdgeKind::Normal
            } else {
                EdgeKind::Dev
            };
            self.links.insert((link.from().id(), link.to().id(), kind));
        }
        for link in cargo_set.build_dep_links() {
            self.links
                .insert((link.from().id(), link.to().id(), EdgeKind::Build));
        }
        for link in cargo_set.host_links() {
            let kind = if normal_edge_enabled(&link, host_features, host) {
                EdgeKind::Normal
            } else {
                EdgeKind::Build
            };
            self.links.insert((link.from().id(), link.to().id(), kind));
        }
    }

    fn finish(self, members: &[&PackageId], exclude_build: bool) -> ResolvedGraph {
        let root = self.workspace.root();
        let mut components: Vec<(Component, &PackageId)> = self
            .packages
            .iter()
            .filter_map(|(id, features)| {
                let metadata = self.workspace.graph.metadata(id).ok()?;
                Some((self.component(&metadata, features.clone(), root), *id))
            })
            .collect();
        components.sort_by(|(a, _), (b, _)| {
            (&a.name, semver_key(&a.version), &a.purl).cmp(&(
                &b.name,
                semver_key(&b.version),
                &b.purl,
            ))
        });
        // bom-refs must be unique even if two cargo sources map to one purl (e.g. the git and
        // sparse forms of one registry).
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (component, _) in &mut components {
            let count = seen.entry(component.purl.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                component.bom_ref = format!("{}#{}", component.purl, count);
            }
        }
        let index: HashMap<&PackageId, ComponentId> = components
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, ComponentId(i)))
            .collect();
        let mut edges: Vec<Edge> = self
            .links
            .iter()
            .filter_map(|(from, to, kind)| {
                Some(Edge {
                    from: *index.get(from)?,
                    to: *index.get(to)?,
                    kind: *kind,
                })
            })
            .collect();
        edges.sort();
        edges.dedup();
        let roots: Vec<ComponentId> = members
            .iter()
            .filter_map(|m| index.get(m).copied())
            .collect();
        let runtime_edges: Vec<(ComponentId, ComponentId)> = self
            .runtime_links
            .iter()
            .filter_map(|(from, to)| Some((*index.get(from)?, *index.get(to)?)))
            .collect();
        let mut components: Vec<Component> = components.into_iter().map(|(c, _)| c).collect();
        inherit_local_supplier(&mut components, &roots);
        classify_usage(&mut components, &edges, &runtime_edges, &roots);

        let mut graph = ResolvedGraph {
            subject: Subject::Package(roots[0]),
            components,
            edges,
            target: String::new(),
            features: FeatureSelection::default(),
            include_dev: false,
        };
        if exclude_build {
            graph = without_build_components(graph, &roots);
        }
        let roots = graph.roots_from_members(&roots_names(members, self.workspace));
        graph.subject = if roots.len() == 1 {
            Subject::Package(roots[0])
        } else {
            let version = roots
                .iter()
                .map(|r| graph.component(*r).version.clone())
                .max_by(|a, b| semver_key(a).cmp(&semver_key(b)))
                .unwrap_or_default();
            Subject::Workspace {
                name: workspace_name(&graph, &roots, root),
                version,
                members: roots,
            }
        };
        graph
    }

    fn component(
        &self,
        metadata: &PackageMetadata<'_>,
        features: BTreeSet<String>,
        root: &Path,
    ) -> Component {
        let name = metadata.name().to_owned();
        let version = metadata.version().to_string();
        let source = component_source(metadata, root);
        let purl_source = match &source {
            ComponentSource::Workspace { path } | ComponentSource::Path { path } => {
                PurlSource::Path(path)
            }
            ComponentSource::Registry {
                crates_io: true, ..
            } => PurlSource::CratesIo,
            ComponentSource::Registry { index, .. } => PurlSource::Registry(index),
            ComponentSource::Git { url, commit } => PurlSource::Git { url, commit },
        };
        let purl = cargo_purl(&name, &version, purl_source);
        let sha256 = metadata
            .source()
            .external_source()
            .and_then(|s| self.workspace.checksums.get(&name, &version, s))
            .cloned();
        let package_dir = metadata
            .manifest_path()
            .parent()
            .map(|p| p.as_std_path().to_owned())
            .unwrap_or_else(|| PathBuf::from("."));
        let license = DeclaredLicense::from_manifest(
            metadata.license(),
            metadata.license_file().map(|f| f.as_str()),
            &package_dir,
        );
        let authors: Vec<Person> = metadata
            .authors()
            .iter()
            .filter_map(|a| Person::parse(a))
            .collect();
        let supplier = supplier(&source, &authors, metadata.repository());
        let non_empty = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Component {
            bom_ref: purl.clone(),
            purl,
            name,
            version,
            source,
            sha256,
            license,
            supplier,
            authors,
            description: non_empty(metadata.description())
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
            repository: non_empty(metadata.repository()),
            homepage: non_empty(metadata.homepage()),
            documentation: non_empty(metadata.documentation()),
            is_workspace_member: metadata.in_workspace(),
            has_binary: metadata
                .build_targets()
                .any(|t| matches!(t.kind(), BuildTargetKind::Binary)),
            is_proc_macro: metadata.is_proc_macro(),
            usage: Usage::Runtime,
            features,
            package_id: metadata.id().repr().to_owned(),
        }
    }
}

fn roots_names(members: &[&PackageId], workspace: &Workspace) -> Vec<(String, String)> {
    members
        .iter()
        .filter_map(|id| workspace.graph.metadata(id).ok())
        .map(|m| (m.name().to_owned(), m.version().to_string()))
        .collect()
}

impl ResolvedGraph {
    /// Finds member components by name and version after the components were renumbered.
    fn roots_from_members(&self, members: &[(String, String)]) -> Vec<ComponentId> {
        members
            .iter()
            .filter_map(|(name, version)| {
                self.components
                    .iter()
                    .position(|c| c.is_workspace_member && &c.name == name && &c.version == version)
                    .map(ComponentId)
            })
            .collect()
    }
}

/// The name of a workspace described as a whole: the last segment of the members' shared
/// `repository` URL (stable across clones), else the workspace directory's name.
fn workspace_name(graph: &ResolvedGraph, members: &[ComponentId], root: &Path) -> String {
    let mut repositories = members
        .iter()
        .map(|m| graph.component(*m).repository.as_deref());
    let shared = match repositories.next().flatten() {
        Some(first) if repositories.all(|r| r == Some(first)) => Some(first),
        _ => None,
    };
    let from_repository = shared.and_then(|url| {
        let segment = url.trim_end_matches('/').rsplit('/').next()?;
        let segment = segment.strip_suffix(".git").unwrap_or(segment);
        (!segment.is_empty()).then(|| segment.to_owned())
    });
    from_repository.unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workspace".to_owned())
    })
}

/// Local crates that name no supplier of their own are supplied by whoever supplies the
/// described members: they ship only inside this workspace's build.
fn inherit_local_supplier(components: &mut [Component], roots: &[ComponentId]) {
    let Some(inherited) = roots.iter().find_map(|r| components[r.0].supplier.clone()) else {
        return;
    };
    for component in components.iter_mut() {
        let local = matches!(
            component.source,
            ComponentSource::Workspace { .. } | ComponentSource::Path { .. }
        );
        if local && component.supplier.is_none() {
            component.supplier = Some(inherited.clone());
        }
    }
}

/// Sort key for versions: semver order, falling back to text for the unparsable.
fn semver_key(version: &str) -> (Option<guppy::Version>, &str) {
    (guppy::Version::parse(version).ok(), version)
}

/// Marks each component runtime, build or dev by reachability from the roots: runtime over normal
/// links between target packages (never through a proc-macro, which runs in the compiler), build
/// over every edge but dev ones, dev the rest.
fn classify_usage(
    components: &mut [Component],
    edges: &[Edge],
    runtime_edges: &[(ComponentId, ComponentId)],
    roots: &[ComponentId],
) {
    let reach = |next_of: &dyn Fn(&mut Vec<Vec<ComponentId>>)| {
        let mut adjacency: Vec<Vec<ComponentId>> = vec![Vec::new(); components.len()];
        next_of(&mut adjacency);
        let mut seen = vec![false; components.len()];
        let mut queue: VecDeque<ComponentId> = roots.iter().copied().collect();
        for root in roots {
            seen[root.0] = true;
        }
        while let Some(node) = queue.pop_front() {
            for &next in &adjacency[node.0] {
                if !seen[next.0] {
                    seen[next.0] = true;
                    queue.push_back(next);
                }
            }
        }
        seen
    };
    let runtime = reach(&|adjacency| {
        for &(from, to) in runtime_edges {
            if !components[to.0].is_proc_macro {
                adjacency[from.0].push(to);
            }
        }
    });
    let non_dev = reach(&|adjacency| {
        for edge in edges.iter().filter(|e| e.kind != EdgeKind::Dev) {
            adjacency[edge.from.0].push(edge.to);
        }
    });
    for (i, component) in components.iter_mut().enumerate() {
        component.usage = if runtime[i] {
            Usage::Runtime
        } else if non_dev[i] {
            Usage::Build
        } else {
            Usage::Dev
        };
    }
}

/// Whether a link is a `[dependencies]` edge that is really enabled on `platform`: required
/// there, or optional there and switched on by a feature of the dependent. A link that is also a
/// dev- or build-dependency is otherwise counted as that kind.
fn normal_edge_enabled(
    link: &PackageLink<'_>,
    features: &FeatureSet<'_>,
    platform: &PlatformSpec,
) -> bool {
    let normal = link.normal();
    if !normal.is_present() {
        return false;
    }
    let status = normal.status();
    if status.required_on(platform) != EnabledTernary::Disabled {
        return true;
    }
    if status.enabled_on(platform) == EnabledTernary::Disabled {
        return false;
    }
    let optional = FeatureId::new(
        link.from().id(),
        FeatureLabel::OptionalDependency(link.dep_name()),
    );
    features.contains(optional).unwrap_or(false)
}

/// Drops build-time-only components and their edges, renumbering the rest.
fn without_build_components(graph: ResolvedGraph, roots: &[ComponentId]) -> ResolvedGraph {
    let keep: Vec<bool> = graph
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| c.usage != Usage::Build || roots.contains(&ComponentId(i)))
        .collect();
    let mut new_index = vec![None; keep.len()];
    let mut components = Vec::new();
    for (i, component) in graph.components.into_iter().enumerate() {
        if keep[i] {
            new_index[i] = Some(ComponentId(components.len()));
            components.push(component);
        }
    }
    let edges = graph
        .edges
        .iter()
        .filter(|e| e.kind != EdgeKind::Build)
        .filter_map(|e| {
            Some(Edge {
                from: new_index[e.from.0]?,
                to: new_index[e.to.0]?,
                kind: e.kind,
            })
        })
        .collect();
    ResolvedGraph {
        components,
        edges,
        ..graph
    }
}

fn component_source(metadata: &PackageMetadata<'_>, root: &Path) -> ComponentSource {
    let source = metadata.source();
    match source {
        PackageSource::Workspace(path) => ComponentSource::Workspace {
            path: relative_display(path.as_str()),
        },
        PackageSource::Path(path) => ComponentSource::Path {
            path: relative_display(path.as_str()),
        },
        PackageSource::External(text) => match source.parse_external() {
            Some(ExternalSource::Registry(url)) | Some(ExternalSource::Sparse(url)) => {
                ComponentSource::Registry {
                    index: url.to_owned(),
                    crates_io: CRATES_IO_SOURCES.contains(&text),
                }
            }
            Some(ExternalSource::Git {
                repository,
                resolved,
                ..
            }) => ComponentSource::Git {
                url: local_git_url(repository, root),
                commit: resolved.to_owned(),
            },
            // Sources guppy does not know (future cargo forms): keep the text as the index.
            _ => ComponentSource::Registry {
                index: text.to_owned(),
                crates_io: false,
            },
        },
    }
}

/// Workspace-relative paths with `/` separators; the root itself is `.`.
fn relative_display(path: &str) -> String {
    let path = path.replace('\\', "/");
    if path.is_empty() {
        ".".to_owned()
    } else {
        path
    }
}

/// A `file://` repository URL made relative to the workspace root, so no host path is written.
fn local_git_url(repository: &str, root: &Path) -> String {
    let Some(path) = repository.strip_prefix("file://") else {
        return repository.to_owned();
    };
    format!("file:{}", relative_path(Path::new(path), root))
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn relative_path(path: &Path, base: &Path) -> String {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

fn supplier(
    source: &ComponentSource,
    authors: &[Person],
    repository: Option<&str>,
) -> Option<Supplier> {
    // Local and unhosted crates: the first author, else the owner of the declared repository.
    let from_manifest = || {
        authors.first().cloned().map(Supplier::Person).or_else(|| {
            let url = repository?;
            repository_owner(url).map(|owner| Supplier::Organization {
                name: owner,
                url: Some(url.to_owned()),
            })
        })
    };
    match source {
        ComponentSource::Registry {
            crates_io: true, ..
        } => Some(Supplier::Organization {
            name: "crates.io".to_owned(),
            url: Some("https://crates.io".to_owned()),
        }),
        ComponentSource::Registry { index, .. } => url_host(index)
            .map(|host| Supplier::Organization {
                name: host.to_owned(),
                url: Some(format!("https://{host}")),
            })
            .or_else(from_manifest),
        ComponentSource::Git { url, .. } => match repository_owner(url) {
            Some(owner) => Some(Supplier::Organization {
                name: owner,
                url: Some(url.clone()),
            }),
            None => from_manifest(),
        },
        ComponentSource::Workspace { .. } | ComponentSource::Path { .. } => from_manifest(),
    }
}

/// The host of an `http(s)://` or `ssh://` URL.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// `host/owner` of a hosted repository URL (`https://github.com/owner/repo` → `github.com/owner`).
fn repository_owner(url: &str) -> Option<String> {
    if url.starts_with("file:") {
        return None;
    }
    let host = url_host(url)?;
    let path = url.split_once("://")?.1.split_once('/')?.1;
    let owner = path.split('/').find(|s| !s.is_empty());
    Some(match owner {
        Some(owner) => format!("{host}/{owner}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_authors() {
        assert_eq!(
            Person::parse("Jane Doe <jane@example.org>"),
            Some(Person {
                name: "Jane Doe".into(),
                email: Some("jane@example.org".into())
            })
        );
        assert_eq!(
            Person::parse("Team"),
            Some(Person {
                name: "Team".into(),
                email: None
            })
        );
        assert_eq!(
            Person::parse("<a@b.c>"),
            Some(Person {
                name: "a@b.c".into(),
                email: Some("a@b.c".into())
            })
        );
        assert_eq!(Person::parse("  "), None);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path(Path::new("/a/b/c"), Path::new("/a/b")), "c");
        assert_eq!(relative_path(Path::new("/a/x"), Path::new("/a/b")), "../x");
        assert_eq!(relative_path(Path::new("/a/b"), Path::new("/a/b")), ".");
    }

    #[test]
    fn suppliers_of_sources() {
        let git = ComponentSource::Git {
            url: "https://github.com/owner/repo".into(),
            commit: "c".into(),
        };
        assert_eq!(
            supplier(&git, &[], None),
            Some(Supplier::Organization {
                name: "github.com/owner".into(),
                url: Some("https://github.com/owner/repo".into())
            })
        );
        let registry = ComponentSource::Registry {
            index: "https://my.example:8443/index".into(),
            crates_io: false,
        };
        assert_eq!(
            supplier(&registry, &[], None),
            Some(Supplier::Organization {
                name: "my.example".into(),
                url: Some("https://my.example".into())
            })
        );
        let path = ComponentSource::Path {
            path: "../x".into(),
        };
        assert_eq!(supplier(&path, &[], None), None);
        assert_eq!(
            supplier(&path, &[], Some("https://gitlab.com/group/project")),
            Some(Supplier::Organization {
                name: "gitlab.com/group".into(),
                url: Some("https://gitlab.com/group/project".into())
            })
        );
        let author = Person {
            name: "A".into(),
            email: None,
        };
        assert_eq!(
            supplier(
                &path,
                std::slice::from_ref(&author),
                Some("https://gitlab.com/group/project")
            ),
            Some(Supplier::Person(author))
        );
    }

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
