//! Where a finding is: a crate of the graph (and where it is declared), a file and line, or
//! the workspace.

use serde::Serialize;

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// A crate of the graph.
    Crate {
        /// Its name.
        name: String,
        /// Its version.
        version: String,
        /// Its source (`crates.io`, a registry URL, `git+URL#commit`, or a workspace-relative path).
        source: String,
        /// Where it is declared, when known: a file relative to the workspace root and a line.
        #[serde(skip_serializing_if = "Option::is_none")]
        declared_at: Option<FileLine>,
    },
    /// A file (relative to the workspace root), optionally at a line.
    File(FileLine),
    /// The workspace as a whole.
    Workspace,
}

/// A file relative to the workspace root and an optional 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileLine {
    /// The file, relative to the workspace root, `/`-separated.
    pub path: String,
    /// The 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Location {
    /// The location of a component of the graph (no declaration line).
    pub fn of_component(component: &cargo_sbom::Component) -> Self {
        use cargo_sbom::ComponentSource;
        let source = match &component.source {
            ComponentSource::Registry {
                crates_io: true, ..
            } => "crates.io".to_owned(),
            ComponentSource::Registry { index, .. } => index.clone(),
            ComponentSource::Git { url, commit } => format!("git+{url}#{commit}"),
            ComponentSource::Workspace { path } | ComponentSource::Path { path } => path.clone(),
        };
        Location::Crate {
            name: component.name.clone(),
            version: component.version.clone(),
            source,
            declared_at: None,
        }
    }

    /// The same location with the line where the crate is declared.
    pub fn declared_at(self, at: Option<FileLine>) -> Self {
        match self {
            Location::Crate {
                name,
                version,
                source,
                ..
            } => Location::Crate {
                name,
                version,
                source,
                declared_at: at,
            },
            other => other,
        }
    }
}
