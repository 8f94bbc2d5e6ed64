//! What every rule reads ([`PolicyContext`]): the workspace, the resolved graph, the
//! configuration and the run's options, and the lookups rules share (a component's package,
//! its dependents, where it is declared, parsed manifests and lockfile).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cargo_sbom::spanned::TomlFile;
use cargo_sbom::{ComponentId, ResolvedGraph, Workspace};
use guppy::graph::PackageMetadata;

use super::advisory_db::Environment;
use super::level::Severity;
use super::locate;
use super::location::{FileLine, Location};
use crate::config::Config;

/// How a policy run is asked for: the same for `cargo attest check`, `release`, `ssdf` and the
/// build-time hook.
#[derive(Clone, Debug)]
pub struct PolicyOptions {
    /// Release context (`--strict`, `cargo attest release`): context rules deny instead of warn.
    pub strict: bool,
    /// Never touch the network.
    pub offline: bool,
    /// `--advisory-db PATH`, overriding the configuration.
    pub advisory_db: Option<PathBuf>,
    /// `--binary FILE…` for the binary-hardening rule.
    pub binaries: Vec<PathBuf>,
    /// `cargo attest release --allow-dirty`: uncommitted changes are reported as warnings.
    pub allow_dirty: bool,
    /// The cargo home, today's date and the fetch timeout the advisory rules use.
    pub environment: Environment,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        Self {
            strict: false,
            offline: false,
            advisory_db: None,
            binaries: Vec::new(),
            allow_dirty: false,
            environment: Environment::from_process(),
        }
    }
}

/// Everything a rule may read. Built once per run by [`super::run()`].
pub struct PolicyContext<'a> {
    /// The loaded workspace (package graph, manifests).
    pub workspace: &'a Workspace,
    /// The resolved graph of the selected packages, target and features.
    pub graph: &'a ResolvedGraph,
    /// The policy configuration.
    pub config: &'a Config,
    /// How the run was asked for.
    pub options: &'a PolicyOptions,
    /// TOML files read so far, by path (`None`: unreadable or invalid).
    files: Mutex<HashMap<PathBuf, Option<Arc<TomlFile>>>>,
}

impl<'a> PolicyContext<'a> {
    /// The context of one run.
    pub fn new(
        workspace: &'a Workspace,
        graph: &'a ResolvedGraph,
        config: &'a Config,
        options: &'a PolicyOptions,
    ) -> Self {
        Self {
            workspace,
            graph,
            config,
            options,
            files: Mutex::new(HashMap::new()),
        }
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        self.workspace.root()
    }

    /// The severity of a rule that depends on release context: `deny` under `--strict`,
    /// `warn` otherwise.
    pub fn context_severity(&self) -> Severity {
        if self.options.strict {
            Severity::Deny
        } else {
            Severity::Warn
        }
    }

    /// The guppy metadata of a component's package.
    pub fn package(&self, id: ComponentId) -> Option<PackageMetadata<'a>> {
        let package_id = &self.graph.component(id).package_id;
        self.workspace.package_graph().metadata(package_id).ok()
    }

    /// `NAME VERSION` of the components that depend on `id` directly, sorted.
    pub fn dependents(&self, id: ComponentId) -> Vec<String> {
        let mut names: Vec<String> = self
            .graph
            .dependents(id)
            .iter()
            .map(|from| {
                let c = self.graph.component(*from);
                format!("{} {}", c.name, c.version)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Where a component is declared: the line of the first local manifest (a workspace
    /// member's, else a path crate's) that depends on it directly.
    pub fn declaration(&self, id: ComponentId) -> Option<FileLine> {
        let target = self.graph.component(id);
        let mut dependents: Vec<ComponentId> = self
            .graph
            .dependents(id)
            .iter()
            .copied()
            .filter(|from| self.graph.component(*from).source.is_local())
            .collect();
        dependents.sort_by_key(|from| !self.graph.component(*from).is_workspace_member);
        dependents.into_iter().find_map(|from| {
            let metadata = self.package(from)?;
            let dep_name = metadata
                .direct_links()
                .find(|l| *l.to().id() == target.package_id)
                .map_or(target.name.as_str(), |l| l.dep_name());
            self.dependency_location(metadata.manifest_path().as_std_path(), dep_name)
        })
    }

    /// The declaration of dependency `name` in the manifest at `manifest`, relative to the
    /// workspace root.
    pub fn dependency_location(&self, manifest: &Path, name: &str) -> Option<FileLine> {
        let file = self.toml(manifest)?;
        let line = locate::dependency_line(&file, name)?;
        Some(FileLine {
            path: cargo_sbom::graph::relative_path(manifest, self.root()),
            line: Some(line),
        })
    }

    /// The location of a registry component: the crate, declared at its `[[package]]` entry of
    /// `Cargo.lock`.
    pub fn locked_at(&self, component: &cargo_sbom::Component) -> Location {
        let line = self.lockfile_line(&component.name, &component.version);
        Location::of_component(component).declared_at(line.map(|line| FileLine {
            path: locate::LOCKFILE.to_owned(),
            line: Some(line),
        }))
    }

    /// The `[[package]]` entry of `name` `version` in the workspace's `Cargo.lock`.
    pub fn lockfile_line(&self, name: &str, version: &str) -> Option<usize> {
        let file = self.toml(&self.root().join(locate::LOCKFILE))?;
        locate::package_line(&file, name, version)
    }

    /// A TOML file of the workspace with the positions of its keys, parsed once per run;
    /// `None` when it cannot be read or is not TOML (the rule that needs its content says so).
    pub fn toml(&self, path: &Path) -> Option<Arc<TomlFile>> {
        let mut files = self.files.lock().ok()?;
        files
            .entry(path.to_owned())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path).ok()?;
                TomlFile::parse(&text).ok().map(Arc::new)
            })
            .clone()
    }
}
