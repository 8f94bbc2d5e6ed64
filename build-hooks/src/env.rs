//! The build script's environment, as cargo sets it, and the workspace loaded from inside a
//! running `cargo build`: shared by [`crate::Policy`] and [`crate::Sbom`].
//!
//! Loading runs `cargo metadata --offline --locked` for the package's manifest. It never
//! touches the network and never writes `Cargo.lock` (cargo refuses instead of updating it; the
//! outer `cargo build` has already brought the lockfile up to date before any build script
//! runs). Calling cargo from a build script does not wait on the outer build's locks: cargo
//! releases its package-cache lock once the downloads are done, before build scripts run
//! (checked with cargo 1.95 and nightly 1.97: the nested `cargo metadata` takes ~50 ms).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use cargo_sbom::{CargoNetwork, FeatureSelection, PackageSelection, ResolveOptions, Workspace};

/// A variable cargo sets for build scripts is missing or not Unicode: the hook is not running
/// as a build script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    /// The variable.
    pub variable: String,
}

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not set (or not Unicode): build_hooks runs only inside a build script (build.rs) under cargo",
            self.variable
        )
    }
}

impl std::error::Error for EnvError {}

/// What cargo tells a build script about the package being built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildEnv {
    /// `CARGO_MANIFEST_DIR`: the package's directory.
    pub manifest_dir: PathBuf,
    /// `CARGO_PKG_NAME`.
    pub package_name: String,
    /// `CARGO_PKG_VERSION`.
    pub package_version: String,
    /// `TARGET`: the triple the package is built for.
    pub target: String,
    /// `HOST`: the triple of the machine building it.
    pub host: String,
    /// `PROFILE` (`debug` or `release`, as cargo reports it to build scripts).
    pub profile: String,
    /// `OUT_DIR`: the only directory a build script may write to.
    pub out_dir: PathBuf,
    /// The `CARGO_FEATURE_*` suffixes as cargo sets them (upper case, `-` as `_`). Map them back
    /// to declared names with [`BuildEnv::features`].
    pub cargo_features: BTreeSet<String>,
}

impl BuildEnv {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(std::env::vars_os())
    }

    /// Reads the given variables (the process environment in a build script; tests pass their
    /// own).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, EnvError> {
        let mut map = std::collections::BTreeMap::new();
        let mut cargo_features = BTreeSet::new();
        for (name, value) in vars {
            let Some(name) = name.to_str() else { continue };
            if let Some(feature) = name.strip_prefix("CARGO_FEATURE_") {
                cargo_features.insert(feature.to_owned());
            }
            if let Ok(value) = value.into_string() {
                map.insert(name.to_owned(), value);
            }
        }
        let get = |name: &str| {
            map.get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| EnvError {
                    variable: name.to_owned(),
                })
        };
        Ok(Self {
            manifest_dir: PathBuf::from(get("CARGO_MANIFEST_DIR")?),
            package_name: get("CARGO_PKG_NAME")?,
            package_version: get("CARGO_PKG_VERSION").unwrap_or_default(),
            target: get("TARGET")?,
            host: get("HOST")?,
            profile: get("PROFILE").unwrap_or_default(),
            out_dir: PathBuf::from(get("OUT_DIR")?),
            cargo_features,
        })
    }

    /// The package's manifest, `CARGO_MANIFEST_DIR/Cargo.toml`.
    pub fn manifest_path(&self) -> PathBuf {
        self.manifest_dir.join("Cargo.toml")
    }

    /// The target to resolve for: `None` when it is the host (one rustc query fewer).
    pub fn resolve_target(&self) -> Option<String> {
        (self.target != self.host).then(|| self.target.clone())
    }

    /// Loads the workspace of the package with `cargo metadata --offline --locked`: no network,
    /// no write to `Cargo.lock` (the loaded workspace's root is [`Workspace::root`]).
    pub fn load_workspace(&self) -> Result<Workspace, cargo_sbom::Error> {
        let network = CargoNetwork {
            locked: true,
            offline: true,
            frozen: false,
        };
        let targets: Vec<String> = self.resolve_target().into_iter().collect();
        Workspace::load(Some(&self.manifest_path()), network, &targets)
    }

    /// Whether `member` (a workspace member's manifest path) is this package.
    fn is_this_package(&self, name: &str, manifest: &Path) -> bool {
        if name != self.package_name {
            return false;
        }
        let ours = self.manifest_path();
        manifest == ours
            || matches!(
                (manifest.canonicalize(), ours.canonicalize()),
                (Ok(a), Ok(b)) if a == b
            )
    }

    /// Whether the package being built is a member of `workspace` (a build script of a
    /// dependency outside the workspace is not checked).
    pub fn is_member(&self, workspace: &Workspace) -> bool {
        workspace
            .package_graph()
            .resolve_workspace()
            .packages(guppy::graph::DependencyDirection::Forward)
            .any(|p| self.is_this_package(p.name(), p.manifest_path().as_std_path()))
    }

    /// The package's declared features that are enabled in this build: each declared name
    /// whose `CARGO_FEATURE_*` form (upper case, `-` as `_`) cargo set, sorted.
    pub fn features(&self, workspace: &Workspace) -> Vec<String> {
        let graph = workspace.package_graph();
        let Some(package) = graph
            .resolve_workspace()
            .packages(guppy::graph::DependencyDirection::Forward)
            .find(|p| self.is_this_package(p.name(), p.manifest_path().as_std_path()))
        else {
            return Vec::new();
        };
        let mut names: Vec<String> = package
            .named_features()
            .filter(|name| self.cargo_features.contains(&cargo_feature_var(name)))
            .map(str::to_owned)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// What cargo is building: this package alone, exactly its enabled features (`default`
    /// included when enabled), for `TARGET`, without dev-dependencies.
    pub fn resolve_options(&self, workspace: &Workspace) -> ResolveOptions {
        ResolveOptions {
            packages: PackageSelection::Packages(vec![self.package_name.clone()]),
            features: FeatureSelection {
                features: self.features(workspace),
                all_features: false,
                no_default_features: true,
            },
            target: self.resolve_target(),
            include_dev: false,
            exclude_build: false,
        }
    }
}

/// The suffix of the `CARGO_FEATURE_*` variable cargo sets for a feature.
pub fn cargo_feature_var(feature: &str) -> String {
    feature.to_uppercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        let mut v: Vec<(OsString, OsString)> = [
            ("CARGO_MANIFEST_DIR", "/w/app"),
            ("CARGO_PKG_NAME", "app"),
            ("CARGO_PKG_VERSION", "0.1.0"),
            ("TARGET", "x86_64-unknown-linux-gnu"),
            ("HOST", "x86_64-unknown-linux-gnu"),
            ("PROFILE", "release"),
            ("OUT_DIR", "/w/target/release/build/app-1/out"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
        v.push((OsString::from("UNRELATED"), OsString::from("x")));
        v
    }

    #[test]
    fn reads_what_cargo_sets() {
        let env = BuildEnv::from_vars(vars(&[
            ("CARGO_FEATURE_DEFAULT", "1"),
            ("CARGO_FEATURE_FAST_HASH", "1"),
        ]))
        .unwrap();
        assert_eq!(env.package_name, "app");
        assert_eq!(env.manifest_path(), PathBuf::from("/w/app/Cargo.toml"));
        assert_eq!(env.resolve_target(), None);
        assert_eq!(
            env.cargo_features
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["DEFAULT", "FAST_HASH"]
        );
    }

    #[test]
    fn a_missing_variable_is_named() {
        let all = vars(&[]);
        let without: Vec<_> = all.into_iter().filter(|(k, _)| k != "OUT_DIR").collect();
        let err = BuildEnv::from_vars(without).unwrap_err();
        assert_eq!(err.variable, "OUT_DIR");
        assert!(err.to_string().contains("build script"), "{err}");
    }

    #[test]
    fn cross_targets_are_resolved_for_the_target() {
        let env = BuildEnv::from_vars(vars(&[("TARGET", "aarch64-unknown-linux-gnu")])).unwrap();
        assert_eq!(
            env.resolve_target().as_deref(),
            Some("aarch64-unknown-linux-gnu")
        );
    }

    #[test]
    fn feature_names_map_to_cargo_variables() {
        assert_eq!(cargo_feature_var("fast-hash"), "FAST_HASH");
        assert_eq!(cargo_feature_var("serde_json"), "SERDE_JSON");
        assert_eq!(cargo_feature_var("default"), "DEFAULT");
    }
}
