//! The deployable form of a component as BSI TR-03183-2 v2.1 describes it (§5.2.2, §8.1.3–5):
//! its file name and whether the file is executable, an archive, and structured. Both
//! CycloneDX (`bsi:component:*` properties) and SPDX 3 (a `software_File` with purposes)
//! write it from here.

use crate::digest::{Digests, DigestsHasher};
use crate::graph::{Artifact, Component, ResolvedGraph, Subject};

/// A component's deployable file and its three properties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployable {
    /// The file name, without a directory.
    pub file_name: String,
    /// A program that can be run.
    pub is_executable: bool,
    /// A container of other files (a compressed file alone is not one).
    pub is_archive: bool,
    /// Whether the file keeps metadata about what it holds (names and sizes of its entries).
    pub is_structured: bool,
}

impl Deployable {
    /// The `.crate` file: a gzipped tar of the package's source, named and listed entry by
    /// entry (an archive and structured), not itself runnable.
    pub fn crate_file(c: &Component) -> Self {
        Self {
            file_name: c.file_name(),
            is_executable: false,
            is_archive: true,
            is_structured: true,
        }
    }

    /// A file a build made: a program or a library, a single object file that lists no
    /// contained files.
    pub fn artifact(artifact: &Artifact) -> Self {
        Self {
            file_name: artifact.file_name.clone(),
            is_executable: artifact.executable,
            is_archive: false,
            is_structured: false,
        }
    }

    /// The TR's value of the executable property.
    pub fn executable(&self) -> &'static str {
        if self.is_executable {
            "executable"
        } else {
            "non-executable"
        }
    }

    /// The TR's value of the archive property.
    pub fn archive(&self) -> &'static str {
        if self.is_archive {
            "archive"
        } else {
            "no archive"
        }
    }

    /// The TR's value of the structured property.
    pub fn structured(&self) -> &'static str {
        if self.is_structured {
            "structured"
        } else {
            "unstructured"
        }
    }
}

/// The artifact that stands for the described root: the first program, else the first file.
pub fn primary_artifact(artifacts: &[Artifact]) -> Option<&Artifact> {
    artifacts
        .iter()
        .find(|a| a.executable)
        .or_else(|| artifacts.first())
}

/// What the stand-in root of a workspace described as a whole says of itself.
pub struct WorkspaceRoot {
    /// [`crate::purl::workspace_purl`].
    pub purl: String,
    /// The members' concluded licenses joined with `AND` (each once), when all have one.
    pub license: Option<String>,
    /// Method `cargo-sbom-workspace-v1`: SHA-256 and SHA-512 over one line per member,
    /// `SHA256-HEX  PURL\n` (its source digest, [`crate::source_tree`]), sorted.
    pub digests: Option<Digests>,
}

/// The method name of [`WorkspaceRoot::digests`].
pub const WORKSPACE_METHOD: &str = "cargo-sbom-workspace-v1";

/// The stand-in root of a workspace subject (`None` for a single package).
pub fn workspace_root(graph: &ResolvedGraph) -> Option<WorkspaceRoot> {
    let Subject::Workspace {
        name,
        version,
        members,
    } = &graph.subject
    else {
        return None;
    };
    let members: Vec<&Component> = members.iter().map(|m| graph.component(*m)).collect();
    let mut repositories = members.iter().map(|m| m.repository.as_deref());
    let first = repositories.next().flatten();
    let shared = first.filter(|f| repositories.all(|r| r == Some(f)));
    let mut licenses: Vec<String> = Vec::new();
    for member in &members {
        let concluded = member.license.concluded(&member.name);
        match concluded {
            Some(text) if !licenses.contains(&text) => licenses.push(text),
            Some(_) => {}
            None => {
                licenses.clear();
                break;
            }
        }
    }
    let license = crate::license::conjunction(licenses);
    let lines: Option<Vec<String>> = members
        .iter()
        .map(|m| Some(format!("{}  {}\n", m.digests.as_ref()?.sha256, m.purl)))
        .collect();
    let digests = lines.map(|mut lines| {
        lines.sort();
        let mut hasher = DigestsHasher::default();
        for line in &lines {
            hasher.update(line.as_bytes());
        }
        hasher.finish()
    });
    Some(WorkspaceRoot {
        purl: crate::purl::workspace_purl(name, version, shared),
        license,
        digests,
    })
}
