//! The cargo-style flags that select what is resolved (`-p`, `--workspace`, `--exclude`,
//! `--target`, `--features`, `--all-features`, `--no-default-features`), shared by every command
//! of the suite that reads the graph, so they mean the same everywhere.

use crate::graph::{FeatureSelection, PackageSelection, ResolveOptions};

/// Package, target and feature selection, as `cargo build` takes them (flatten into a command).
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphArgs {
    /// Package to select (repeatable; several are one build, as `cargo build -p a -p b`).
    #[arg(short, long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Select all workspace members.
    #[arg(long, conflicts_with = "packages")]
    pub workspace: bool,
    /// Leave a member out of --workspace (repeatable).
    #[arg(long, value_name = "SPEC", requires = "workspace")]
    pub exclude: Vec<String>,
    /// The target triple whose build is resolved [default: the host].
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Features to activate (comma or space separated; MEMBER/FEATURE or DEPENDENCY/FEATURE).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate all features of the selected packages.
    #[arg(long)]
    pub all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
}

impl GraphArgs {
    /// The member selection.
    pub fn package_selection(&self) -> PackageSelection {
        if self.workspace {
            PackageSelection::Workspace {
                exclude: self.exclude.clone(),
            }
        } else if self.packages.is_empty() {
            PackageSelection::Default
        } else {
            PackageSelection::Packages(self.packages.clone())
        }
    }

    /// The feature selection.
    pub fn feature_selection(&self) -> FeatureSelection {
        FeatureSelection {
            features: self.features.clone(),
            all_features: self.all_features,
            no_default_features: self.no_default_features,
        }
    }

    /// The targets to ask rustc about while cargo runs ([`crate::Workspace::load`]).
    pub fn targets(&self) -> Vec<String> {
        self.target.iter().cloned().collect()
    }

    /// Resolution options for these flags.
    pub fn resolve_options(&self, include_dev: bool, exclude_build: bool) -> ResolveOptions {
        ResolveOptions {
            packages: self.package_selection(),
            features: self.feature_selection(),
            target: self.target.clone(),
            include_dev,
            exclude_build,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections() {
        let default = GraphArgs::default();
        assert_eq!(default.package_selection(), PackageSelection::Default);
        let named = GraphArgs {
            packages: vec!["a".into()],
            ..GraphArgs::default()
        };
        assert_eq!(
            named.package_selection(),
            PackageSelection::Packages(vec!["a".into()])
        );
        let workspace = GraphArgs {
            workspace: true,
            exclude: vec!["b".into()],
            target: Some("x86_64-pc-windows-msvc".into()),
            ..GraphArgs::default()
        };
        assert_eq!(
            workspace.package_selection(),
            PackageSelection::Workspace {
                exclude: vec!["b".into()]
            }
        );
        assert_eq!(
            workspace.targets(),
            vec!["x86_64-pc-windows-msvc".to_owned()]
        );
        let options = workspace.resolve_options(true, false);
        assert!(options.include_dev && !options.exclude_build);
    }
}
