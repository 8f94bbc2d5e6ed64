//! Cargo's SBOM precursor files (unstable `-Z sbom`, `build.sbom = true`): the exact record,
//! written by cargo, of the units one artifact was built from.
//!
//! Cargo writes `ARTIFACT.cargo-sbom.json` next to each artifact before it runs rustc for it,
//! and passes the files of a primary package's unit to **rustc** (not to build scripts) in
//! `CARGO_SBOM_PATH`, joined with the platform's path-list separator (`:`, `;` on Windows) as
//! `std::env::join_paths` does. The format (`version` 1, as cargo 1.97-nightly writes it):
//!
//! ```json
//! { "version": 1, "root": 1,
//!   "crates": [
//!     { "id": "registry+https://github.com/rust-lang/crates.io-index#itoa@1.0.19",
//!       "features": [], "dependencies": [], "kind": ["lib"] },
//!     { "id": "path+file:///w/app#0.1.0", "features": ["default"],
//!       "dependencies": [{ "index": 0, "kind": "normal" }, { "index": 2, "kind": "build" }],
//!       "kind": ["bin"] },
//!     { "id": "path+file:///w/app#0.1.0", "features": [], "dependencies": [],
//!       "kind": ["custom-build"] } ],
//!   "rustc": { "version": "1.97.0-nightly", "wrapper": null, "workspace_wrapper": null,
//!              "commit_hash": "…", "host": "x86_64-unknown-linux-gnu", "verbose_version": "…" },
//!   "target": "x86_64-unknown-linux-gnu" }
//! ```
//!
//! `id` is a package id spec: `KIND+URL#NAME@VERSION`, or `KIND+URL#VERSION` when the name is
//! the URL's last path segment. A crate appears once per distinct unit (features, profile,
//! target kind), so the same package may appear more than once.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The environment variable cargo sets (for rustc) to the precursor files of a unit.
pub const ENV_VAR: &str = "CARGO_SBOM_PATH";

/// The format version this parser reads.
pub const FORMAT_VERSION: u32 = 1;

/// A precursor file could not be read or is not in the known format.
#[derive(Debug, thiserror::Error)]
#[error("cargo SBOM precursor {path}: {reason}")]
pub struct PrecursorError {
    /// The file (or `-` for text given directly).
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
}

/// One parsed precursor file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Precursor {
    /// The format version (1).
    #[serde(alias = "format_version")]
    pub version: u32,
    /// The index in `crates` of the unit the artifact is.
    pub root: usize,
    /// The units, each once per distinct build of a package.
    pub crates: Vec<PrecursorCrate>,
    /// The compiler.
    pub rustc: PrecursorRustc,
    /// The target triple of the root unit.
    pub target: String,
}

/// One unit of the build.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PrecursorCrate {
    /// The package id spec (`registry+URL#name@version`, `path+file:///dir#version`, …).
    pub id: String,
    /// The features the unit was compiled with.
    #[serde(default)]
    pub features: Vec<String>,
    /// Its dependencies, by index into `crates`.
    #[serde(default)]
    pub dependencies: Vec<PrecursorDependency>,
    /// The target kind (`["lib"]`, `["bin"]`, `["proc-macro"]`, `["custom-build"]`, …).
    #[serde(default)]
    pub kind: Vec<String>,
}

/// An edge of the unit graph.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PrecursorDependency {
    /// The index into `crates`.
    pub index: usize,
    /// `normal` (linked into the artifact) or `build` (build script, proc-macro: not linked).
    pub kind: String,
}

/// The compiler that built the units.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PrecursorRustc {
    /// `rustc --version`'s version (`1.97.0-nightly`).
    pub version: String,
    /// The commit hash, when known.
    #[serde(default)]
    pub commit_hash: Option<String>,
    /// The host triple.
    pub host: String,
    /// `rustc -vV`.
    #[serde(default)]
    pub verbose_version: String,
    /// `RUSTC_WRAPPER`, when set.
    #[serde(default)]
    pub wrapper: Option<PathBuf>,
    /// `RUSTC_WORKSPACE_WRAPPER`, when set.
    #[serde(default)]
    pub workspace_wrapper: Option<PathBuf>,
}

/// A package id spec taken apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageSpec {
    /// The package name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The source: `registry+URL`, `path+file:///…`, `git+URL…`, or empty when the spec has
    /// none.
    pub source: String,
}

impl PackageSpec {
    /// Parses `KIND+URL#NAME@VERSION`, `KIND+URL#VERSION` (the name is the URL's last path
    /// segment) or `NAME@VERSION`.
    pub fn parse(spec: &str) -> Option<Self> {
        let (source, fragment) = match spec.split_once('#') {
            Some((source, fragment)) => (source, fragment),
            None => ("", spec),
        };
        let (name, version) = match fragment.split_once('@') {
            Some((name, version)) => (name.to_owned(), version.to_owned()),
            None => {
                // `URL#VERSION`: the name is the last path segment of the URL (without a query).
                let url = source.split(['?']).next().unwrap_or(source);
                let name = url.trim_end_matches('/').rsplit('/').next()?;
                (name.to_owned(), fragment.to_owned())
            }
        };
        if name.is_empty() || version.is_empty() {
            return None;
        }
        Some(Self {
            name,
            version,
            source: source.to_owned(),
        })
    }
}

impl Precursor {
    /// Parses the text of a precursor file (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Self, PrecursorError> {
        let error = |reason: String| PrecursorError {
            path: path.to_owned(),
            reason,
        };
        let precursor: Self = serde_json::from_str(text).map_err(|e| error(e.to_string()))?;
        if precursor.version != FORMAT_VERSION {
            return Err(error(format!(
                "format version {} (this reader knows {FORMAT_VERSION})",
                precursor.version
            )));
        }
        let count = precursor.crates.len();
        if precursor.root >= count {
            return Err(error(format!(
                "root {} is not one of {count} crates",
                precursor.root
            )));
        }
        for (i, krate) in precursor.crates.iter().enumerate() {
            if PackageSpec::parse(&krate.id).is_none() {
                return Err(error(format!(
                    "crate {i}: `{}` is not a package id",
                    krate.id
                )));
            }
            if let Some(dep) = krate.dependencies.iter().find(|d| d.index >= count) {
                return Err(error(format!(
                    "crate {i}: dependency index {} is not one of {count} crates",
                    dep.index
                )));
            }
        }
        Ok(precursor)
    }

    /// Reads one precursor file.
    pub fn read(path: &Path) -> Result<Self, PrecursorError> {
        let text = std::fs::read_to_string(path).map_err(|e| PrecursorError {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Self::parse(path, &text)
    }

    /// The files a `CARGO_SBOM_PATH` value names: a path list joined as
    /// [`std::env::join_paths`] does, empty entries skipped. Cargo sets the variable for the rustc
    /// run of a primary package, not for build scripts.
    pub fn paths(value: &OsStr) -> Vec<PathBuf> {
        std::env::split_paths(value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    }

    /// The root unit (the artifact itself).
    pub fn root_crate(&self) -> &PrecursorCrate {
        &self.crates[self.root]
    }

    /// The units reachable from the root; with `linked_only`, only through `normal` edges
    /// (what is linked into the artifact, without build scripts and proc-macros).
    pub fn reachable(&self, linked_only: bool) -> BTreeSet<usize> {
        let mut seen = BTreeSet::from([self.root]);
        let mut queue = vec![self.root];
        while let Some(i) = queue.pop() {
            for dep in &self.crates[i].dependencies {
                if linked_only && dep.kind != "normal" {
                    continue;
                }
                if seen.insert(dep.index) {
                    queue.push(dep.index);
                }
            }
        }
        seen
    }

    /// The packages (name, version, source) of the units reachable from the root, each once.
    pub fn packages(&self, linked_only: bool) -> BTreeSet<PackageSpec> {
        self.reachable(linked_only)
            .into_iter()
            .filter_map(|i| PackageSpec::parse(&self.crates[i].id))
            .collect()
    }

    /// The (name, version) pairs of [`Precursor::packages`].
    pub fn name_versions(&self, linked_only: bool) -> BTreeSet<(String, String)> {
        self.packages(linked_only)
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect()
    }

    /// The features each package was built with (the union over its units), by package.
    pub fn features(&self, linked_only: bool) -> BTreeMap<PackageSpec, BTreeSet<String>> {
        let mut features: BTreeMap<PackageSpec, BTreeSet<String>> = BTreeMap::new();
        for i in self.reachable(linked_only) {
            let krate = &self.crates[i];
            if let Some(spec) = PackageSpec::parse(&krate.id) {
                features
                    .entry(spec)
                    .or_default()
                    .extend(krate.features.iter().cloned());
            }
        }
        features
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built from the format cargo 1.97-nightly writes (`-Z sbom`, `build.sbom = true`).
    const SAMPLE: &str = r#"{
      "version": 1,
      "root": 1,
      "crates": [
        { "id": "registry+https://github.com/rust-lang/crates.io-index#itoa@1.0.19",
          "features": [], "dependencies": [], "kind": ["lib"] },
        { "id": "path+file:///w/app#0.1.0", "features": ["default", "fast"],
          "dependencies": [ { "index": 0, "kind": "normal" }, { "index": 2, "kind": "build" },
                            { "index": 4, "kind": "build" } ],
          "kind": ["bin"] },
        { "id": "path+file:///w/app#0.1.0", "features": [],
          "dependencies": [ { "index": 3, "kind": "normal" } ], "kind": ["custom-build"] },
        { "id": "path+file:///w/build-hooks#build-hooks@0.1.0", "features": [],
          "dependencies": [], "kind": ["lib"] },
        { "id": "git+https://github.com/o/derive-it?rev=abc#derive-it@2.0.0",
          "features": ["std"], "dependencies": [ { "index": 0, "kind": "normal" } ],
          "kind": ["proc-macro"] }
      ],
      "rustc": { "version": "1.97.0-nightly", "wrapper": null, "workspace_wrapper": null,
                 "commit_hash": "e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a",
                 "host": "x86_64-unknown-linux-gnu",
                 "verbose_version": "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)\n" },
      "target": "x86_64-unknown-linux-gnu"
    }"#;

    fn pairs(set: BTreeSet<(String, String)>) -> Vec<String> {
        set.into_iter().map(|(n, v)| format!("{n}@{v}")).collect()
    }

    #[test]
    fn parses_the_sample() {
        let p = Precursor::parse(Path::new("app.cargo-sbom.json"), SAMPLE).unwrap();
        assert_eq!(p.target, "x86_64-unknown-linux-gnu");
        assert_eq!(p.rustc.version, "1.97.0-nightly");
        assert_eq!(p.root_crate().kind, ["bin"]);
        assert_eq!(pairs(p.name_versions(true)), ["app@0.1.0", "itoa@1.0.19"]);
        assert_eq!(
            pairs(p.name_versions(false)),
            [
                "app@0.1.0",
                "build-hooks@0.1.0",
                "derive-it@2.0.0",
                "itoa@1.0.19"
            ]
        );
        let features = p.features(false);
        let app = features.iter().find(|(k, _)| k.name == "app").unwrap().1;
        assert_eq!(app.iter().collect::<Vec<_>>(), ["default", "fast"]);
        let derive = features.keys().find(|k| k.name == "derive-it").unwrap();
        assert_eq!(derive.source, "git+https://github.com/o/derive-it?rev=abc");
    }

    #[test]
    fn package_id_specs() {
        let spec = PackageSpec::parse("path+file:///tmp/lockexp#0.1.0").unwrap();
        assert_eq!(
            (spec.name.as_str(), spec.version.as_str()),
            ("lockexp", "0.1.0")
        );
        let spec = PackageSpec::parse("serde@1.0.200").unwrap();
        assert_eq!((spec.name.as_str(), spec.source.as_str()), ("serde", ""));
        assert!(PackageSpec::parse("registry+https://x#").is_none());
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        let path = Path::new("x.json");
        let newer = SAMPLE.replacen("\"version\": 1", "\"version\": 2", 1);
        assert!(
            Precursor::parse(path, &newer)
                .unwrap_err()
                .to_string()
                .contains("format version 2")
        );
        let dangling = SAMPLE.replacen("\"index\": 3", "\"index\": 9", 1);
        assert!(
            Precursor::parse(path, &dangling)
                .unwrap_err()
                .to_string()
                .contains("index 9")
        );
        let root = SAMPLE.replacen("\"root\": 1", "\"root\": 7", 1);
        assert!(Precursor::parse(path, &root).is_err());
        assert!(Precursor::parse(path, "{").is_err());
    }

    #[test]
    fn the_variable_is_a_path_list() {
        let joined =
            std::env::join_paths(["/a/x.cargo-sbom.json", "/b/y.cargo-sbom.json"]).unwrap();
        assert_eq!(
            Precursor::paths(&joined),
            [
                PathBuf::from("/a/x.cargo-sbom.json"),
                PathBuf::from("/b/y.cargo-sbom.json")
            ]
        );
        assert!(Precursor::paths(OsStr::new("")).is_empty());
    }
}
