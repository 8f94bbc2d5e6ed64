//! The resolved graph's value types: components, edges, sources, suppliers, the subject.

use std::collections::{BTreeSet, HashMap};

pub use guppy::PackageId;

use crate::digest::Sha256Hex;
use crate::license::DeclaredLicense;

use super::FeatureSelection;
pub use super::person::Person;

/// A component of one [`ResolvedGraph`]: its position in [`ResolvedGraph::components`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub(super) usize);

impl ComponentId {
    /// The position in [`ResolvedGraph::components`].
    pub fn index(self) -> usize {
        self.0
    }
}

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

impl ComponentSource {
    /// The source kind as a word: `workspace`, `path`, `registry` or `git`.
    pub fn kind(&self) -> &'static str {
        match self {
            ComponentSource::Workspace { .. } => "workspace",
            ComponentSource::Path { .. } => "path",
            ComponentSource::Registry { .. } => "registry",
            ComponentSource::Git { .. } => "git",
        }
    }

    /// Whether this is a local package (a workspace member or a path dependency).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            ComponentSource::Workspace { .. } | ComponentSource::Path { .. }
        )
    }

    /// Whether this is crates.io.
    pub fn is_crates_io(&self) -> bool {
        matches!(
            self,
            ComponentSource::Registry {
                crates_io: true,
                ..
            }
        )
    }
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
    /// SHA-256 and SHA-512 of the deployable form: the `.crate` file of a registry crate, when
    /// it was in Cargo's cache and matched `sha256` ([`crate::crate_files`]); the source tree
    /// of a local or git package ([`crate::source_tree`]).
    pub digests: Option<crate::digest::Digests>,
    /// The native library the package links (`links`): dependencies the SBOM cannot list.
    pub links: Option<String>,
    /// Whether its build-time dependencies were left out of this graph (`--no-build-deps`).
    pub build_deps_omitted: bool,
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
    /// JSON build messages): the key into guppy's package graph and into a real build's
    /// messages ([`ResolvedGraph::by_package`]).
    ///
    /// In memory only: it is never written to a document, because for local packages it holds
    /// an absolute host path (`path+file:///…`).
    pub package_id: PackageId,
}

impl Component {
    /// The file name of the deployable form: `NAME-VERSION.crate` (the file `cargo package`
    /// makes, which a registry serves).
    pub fn file_name(&self) -> String {
        format!("{}-{}.crate", self.name, self.version)
    }

    /// Whether [`Component::digests`] are of a source tree ([`crate::source_tree`]) rather than of
    /// a `.crate` file.
    pub fn digests_of_source(&self) -> bool {
        !matches!(self.source, ComponentSource::Registry { .. })
    }

    /// Where the exact source of the component can be downloaded, when it is public: the
    /// crates.io download URL, or `git+URL@COMMIT` of a hosted repository.
    pub fn distribution_url(&self) -> Option<String> {
        match &self.source {
            ComponentSource::Registry {
                crates_io: true, ..
            } => Some(format!(
                "https://crates.io/api/v1/crates/{}/{}/download",
                self.name, self.version
            )),
            ComponentSource::Git { url, commit } if crate::document::is_url(url) => {
                Some(format!("git+{url}@{commit}"))
            }
            _ => None,
        }
    }
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
///
/// The components and edges are read-only once built: the graph keeps indexes over them (by
/// package id, dependencies and dependents of each component), so lookups never scan.
#[derive(Clone, Debug)]
pub struct ResolvedGraph {
    /// What the SBOM is about.
    pub subject: Subject,
    /// The components, sorted by name, version and purl.
    components: Vec<Component>,
    /// The edges, sorted and free of duplicates.
    edges: Vec<Edge>,
    /// The target triple the graph was resolved for.
    pub target: String,
    /// The requested features.
    pub features: FeatureSelection,
    /// Whether dev-dependencies are included.
    pub include_dev: bool,
    /// Who makes, supplies and takes vulnerability reports for the described product.
    pub producer: crate::product::Producer,
    /// The files a real build made of the described package (empty before a build).
    pub artifacts: Vec<Artifact>,
    index: GraphIndex,
}

/// A file a build made of the described package (a binary, a library), named and hashed for
/// the SBOM's root component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// The file name (no directory).
    pub file_name: String,
    /// Its digests.
    pub digests: crate::digest::Digests,
    /// Whether it is an executable program (else a library).
    pub executable: bool,
}

/// Lookups over the components and edges of a [`ResolvedGraph`].
#[derive(Clone, Debug, Default)]
struct GraphIndex {
    by_package: HashMap<PackageId, ComponentId>,
    dependencies: Vec<Vec<(ComponentId, EdgeKind)>>,
    dependents: Vec<Vec<ComponentId>>,
}

impl GraphIndex {
    fn new(components: &[Component], edges: &[Edge]) -> Self {
        let by_package = components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.package_id.clone(), ComponentId(i)))
            .collect();
        let mut dependencies = vec![Vec::new(); components.len()];
        let mut dependents = vec![Vec::new(); components.len()];
        for edge in edges {
            dependencies[edge.from.0].push((edge.to, edge.kind));
            dependents[edge.to.0].push(edge.from);
        }
        for list in &mut dependents {
            list.sort_unstable();
            list.dedup();
        }
        Self {
            by_package,
            dependencies,
            dependents,
        }
    }
}

impl ResolvedGraph {
    /// A graph of `components` and the `edges` among them (sorted and deduplicated here).
    pub(super) fn new(
        subject: Subject,
        components: Vec<Component>,
        mut edges: Vec<Edge>,
        target: String,
        features: FeatureSelection,
        include_dev: bool,
    ) -> Self {
        edges.sort();
        edges.dedup();
        let index = GraphIndex::new(&components, &edges);
        Self {
            subject,
            components,
            edges,
            target,
            features,
            include_dev,
            producer: crate::product::Producer::default(),
            artifacts: Vec::new(),
            index,
        }
    }

    /// The components, sorted by name, version and purl.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// Every component with its id, in order.
    pub fn iter(&self) -> impl Iterator<Item = (ComponentId, &Component)> {
        self.components
            .iter()
            .enumerate()
            .map(|(i, c)| (ComponentId(i), c))
    }

    /// The edges, sorted and free of duplicates.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The component with this id (an id of this graph).
    pub fn component(&self, id: ComponentId) -> &Component {
        &self.components[id.0]
    }

    /// The component of a cargo package, when the graph has it.
    pub fn by_package(&self, package: &PackageId) -> Option<ComponentId> {
        self.index.by_package.get(package).copied()
    }

    /// The direct dependencies of a component, with the kind of each edge, in edge order.
    pub fn dependencies(&self, id: ComponentId) -> &[(ComponentId, EdgeKind)] {
        &self.index.dependencies[id.0]
    }

    /// The components that depend on `id` directly, each once, in component order.
    pub fn dependents(&self, id: ComponentId) -> &[ComponentId] {
        &self.index.dependents[id.0]
    }

    /// The roots: the described members.
    pub fn roots(&self) -> Vec<ComponentId> {
        match &self.subject {
            Subject::Package(id) => vec![*id],
            Subject::Workspace { members, .. } => members.clone(),
        }
    }

    /// The graph of exactly the given packages and the edges among them, e.g. the packages a
    /// real `cargo build` compiled.
    ///
    /// Components keep their order, usage, features and bom-refs. The subject keeps the
    /// described members that are among `packages`; a workspace subject left with one member
    /// becomes that package, and one left with several keeps its name and takes the highest
    /// remaining version. When none of the members is among `packages`, the members are kept
    /// anyway, so the document still says what it describes.
    pub fn restrict_to(&self, packages: &BTreeSet<PackageId>) -> ResolvedGraph {
        let roots = self.roots();
        let any_root = roots
            .iter()
            .any(|r| packages.contains(&self.component(*r).package_id));
        let keep: Vec<bool> = self
            .iter()
            .map(|(id, c)| packages.contains(&c.package_id) || (!any_root && roots.contains(&id)))
            .collect();
        let (components, edges, new_index) = self.retain(&keep, |_| true);
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
        let mut graph = ResolvedGraph::new(
            subject,
            components,
            edges,
            self.target.clone(),
            self.features.clone(),
            self.include_dev,
        );
        graph.producer = self.producer.clone();
        graph.artifacts = self.artifacts.clone();
        graph
    }

    /// The components whose `keep` flag is set, renumbered in order, and the edges among them
    /// that `keep_edge` accepts; also the map from old to new ids.
    pub(super) fn retain(
        &self,
        keep: &[bool],
        keep_edge: impl Fn(&Edge) -> bool,
    ) -> (Vec<Component>, Vec<Edge>, Vec<Option<ComponentId>>) {
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
            .filter(|e| keep_edge(e))
            .filter_map(|e| {
                Some(Edge {
                    from: new_index[e.from.0]?,
                    to: new_index[e.to.0]?,
                    kind: e.kind,
                })
            })
            .collect();
        (components, edges, new_index)
    }
}

/// Sort key for versions: semver order, falling back to text for the unparsable.
pub(crate) fn semver_key(version: &str) -> (Option<guppy::Version>, &str) {
    (guppy::Version::parse(version).ok(), version)
}
