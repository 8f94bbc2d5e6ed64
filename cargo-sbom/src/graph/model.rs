//! The resolved graph's value types: components, edges, sources, suppliers, the subject.

use std::collections::BTreeSet;

use crate::digest::Sha256Hex;
use crate::license::DeclaredLicense;

use super::FeatureSelection;
use super::builder::semver_key;

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
        ResolvedGraph {
            subject,
            components,
            edges,
            target: self.target.clone(),
            features: self.features.clone(),
            include_dev: self.include_dev,
        }
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

    /// Direct dependencies of each component (with edge kinds), in component order.
    pub fn dependencies(&self) -> Vec<Vec<(ComponentId, EdgeKind)>> {
        let mut out = vec![Vec::new(); self.components.len()];
        for edge in &self.edges {
            out[edge.from.0].push((edge.to, edge.kind));
        }
        out
    }
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
}
