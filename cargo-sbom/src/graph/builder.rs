//! Turning guppy's simulated cargo build into a [`ResolvedGraph`]: components, edge kinds,
//! usage (runtime, build, dev), sources and suppliers.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use guppy::PackageId;
use guppy::graph::cargo::CargoSet;
use guppy::graph::feature::{FeatureId, FeatureLabel, FeatureSet};
use guppy::graph::{
    BuildTargetKind, DependencyDirection, ExternalSource, PackageLink, PackageMetadata,
    PackageSource,
};
use guppy::platform::{EnabledTernary, PlatformSpec};

use crate::license::DeclaredLicense;
use crate::purl::{PurlSource, cargo_purl};

use super::model::*;
use super::{FeatureSelection, Workspace};

/// Collects packages and links from a `CargoSet` into a [`ResolvedGraph`].
pub(super) struct GraphBuilder<'w> {
    workspace: &'w Workspace,
    packages: BTreeMap<&'w PackageId, BTreeSet<String>>,
    links: BTreeSet<(&'w PackageId, &'w PackageId, EdgeKind)>,
    /// Normal links between packages built for the target: the only ones whose code ends up in
    /// the artifacts.
    runtime_links: BTreeSet<(&'w PackageId, &'w PackageId)>,
}

impl<'w> GraphBuilder<'w> {
    pub(super) fn new(workspace: &'w Workspace) -> Self {
        Self {
            workspace,
            packages: BTreeMap::new(),
            links: BTreeSet::new(),
            runtime_links: BTreeSet::new(),
        }
    }

    pub(super) fn collect(
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

    pub(super) fn finish(self, members: &[&PackageId], exclude_build: bool) -> ResolvedGraph {
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
        let edges: Vec<Edge> = self
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

        let mut graph = ResolvedGraph::new(
            Subject::Package(roots[0]),
            components,
            edges,
            String::new(),
            FeatureSelection::default(),
            false,
        );
        if exclude_build {
            graph = without_build_components(graph, &roots);
        }
        let roots: Vec<ComponentId> = members.iter().filter_map(|m| graph.by_package(m)).collect();
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
        let external = metadata.source().external_source();
        let sha256 = external
            .and_then(|s| self.workspace.checksums.get(&name, &version, s))
            .cloned();
        let package_dir = metadata
            .manifest_path()
            .parent()
            .map(|p| p.as_std_path().to_owned())
            .unwrap_or_else(|| PathBuf::from("."));
        let digests = match &source {
            ComponentSource::Registry { .. } => external
                .and_then(|s| self.workspace.checksums.crate_digests(&name, &version, s))
                .cloned(),
            _ => self.workspace.source_digests(metadata.id(), &package_dir),
        };
        let license = DeclaredLicense::from_manifest(
            metadata.license(),
            metadata.license_file().map(|f| f.as_str()),
            &package_dir,
        );
        let authors: Vec<Person> = metadata
            .authors()
            .iter()
            .flat_map(|a| Person::parse_all(a))
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
            digests,
            links: metadata.links().map(str::to_owned),
            build_deps_omitted: false,
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
            package_id: metadata.id().clone(),
        }
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
        if component.source.is_local() && component.supplier.is_none() {
            component.supplier = Some(inherited.clone());
        }
    }
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
        .iter()
        .map(|(id, c)| c.usage != Usage::Build || roots.contains(&id))
        .collect();
    let (mut components, edges, new_index) = graph.retain(&keep, |e| e.kind != EdgeKind::Build);
    for edge in graph.edges().iter().filter(|e| e.kind == EdgeKind::Build) {
        if let Some(from) = new_index[edge.from.index()] {
            components[from.index()].build_deps_omitted = true;
        }
    }
    ResolvedGraph::new(
        graph.subject,
        components,
        edges,
        graph.target,
        graph.features,
        graph.include_dev,
    )
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
                    crates_io: crate::cargo::is_crates_io_source(text),
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

pub(super) fn supplier(
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
            url: None,
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
}
