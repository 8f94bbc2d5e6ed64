//! The one code path of every caller of the policy (`cargo attest check`, `ssdf`, `release`
//! and the build-time hook of `build_hooks`): [`run`] the selected rules on a resolved graph,
//! and [`load_workspace`] without leaving `Cargo.lock` changed.

use std::path::Path;
use std::sync::Arc;

use cargo_sbom::spanned::TomlFile;
use cargo_sbom::{CargoNetwork, ResolvedGraph, Workspace};

use super::context::{PolicyContext, PolicyOptions};
use super::{Finding, RuleId};
use crate::config::Config;
use crate::error::{Error, Result};

/// What a policy run found.
#[derive(Clone, Debug)]
pub struct PolicyRun {
    /// Every finding, sorted (deny first, then by rule and subject).
    pub findings: Vec<Finding>,
    /// The rules that were asked for, in report order.
    pub rules: Vec<RuleId>,
    /// The workspace's `Cargo.lock` with its positions, as the run read it (for the reports'
    /// locations), when it exists and parses.
    pub lockfile: Option<Arc<TomlFile>>,
}

/// Runs the rules in `selected` (every rule when empty) on `graph` and returns the findings,
/// sorted, and the rules asked for. A rule this build of the library cannot run (see
/// [`super::RuleDef::check`]) finds nothing. An `Err` is an input or configuration error,
/// never a policy violation.
pub fn run(
    workspace: &Workspace,
    graph: &ResolvedGraph,
    config: &Config,
    options: &PolicyOptions,
    selected: &[RuleId],
) -> Result<PolicyRun> {
    let context = PolicyContext::new(workspace, graph, config, options);
    let rules: Vec<RuleId> = super::rules::all()
        .filter(|rule| selected.is_empty() || selected.contains(rule))
        .collect();
    let mut findings = Vec::new();
    for rule in &rules {
        findings.extend(rule.def().run(&context)?);
    }
    sort(&mut findings);
    let lockfile = context.toml(&context.root().join(super::locate::LOCKFILE));
    Ok(PolicyRun {
        findings,
        rules,
        lockfile,
    })
}

/// What `cargo attest check` and `cargo attest ssdf` check: the workspace at `root`, resolved
/// for `resolve` (with `targets` asked of rustc while cargo runs), against `config`.
pub struct WorkspaceCheck<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// `--manifest-path`, when given.
    pub manifest_path: Option<&'a Path>,
    /// The configuration in force (loaded first: its errors need no workspace).
    pub config: &'a Config,
    /// The member, feature and target selection.
    pub resolve: &'a cargo_sbom::ResolveOptions,
    /// How the run is asked for.
    pub options: &'a PolicyOptions,
    /// The rules to run (every rule when empty).
    pub rules: &'a [RuleId],
}

/// Loads the workspace without leaving `Cargo.lock` changed ([`load_workspace`]), resolves the
/// selection and [`run`]s the rules; returns what the run found.
pub fn check_workspace(check: &WorkspaceCheck<'_>) -> Result<PolicyRun> {
    let network = CargoNetwork {
        // `cargo metadata` writes a missing or stale Cargo.lock; the check must judge (and
        // leave) the lockfile as it was.
        locked: false,
        offline: check.options.offline,
        frozen: false,
    };
    let targets: Vec<String> = check.resolve.target.iter().cloned().collect();
    let workspace = load_workspace(check.root, check.manifest_path, network, &targets)?;
    let members = workspace.select(&check.resolve.packages)?;
    let graph = workspace.resolve(&members, check.resolve)?;
    run(&workspace, &graph, check.config, check.options, check.rules)
}

/// Sorts findings as reports list them: deny first, then by rule in report order, then by
/// subject, code and text.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, super::rules::rank(a.rule))
            .cmp(&(b.severity, super::rules::rank(b.rule)))
            .then_with(|| a.cmp(b))
    });
}

/// Runs `cargo metadata` (through [`Workspace::load`]) for `manifest_path` and puts the
/// workspace's `Cargo.lock` (at `root`) back as it was before cargo ran: `cargo metadata`
/// writes a missing or stale lockfile, and the policy must judge (and leave) the lockfile as
/// it was. A restoration is reported on standard error.
pub fn load_workspace(
    root: &Path,
    manifest_path: Option<&Path>,
    network: CargoNetwork,
    targets: &[String],
) -> Result<Workspace> {
    let lockfile = root.join("Cargo.lock");
    let before = std::fs::read(&lockfile).ok();
    let loaded = Workspace::load(manifest_path, network, targets);
    restore_lockfile(&lockfile, before.as_deref())?;
    Ok(loaded?)
}

/// Puts `Cargo.lock` back as it was before `cargo metadata` ran (removes it when it did not
/// exist), saying so on standard error.
pub fn restore_lockfile(path: &Path, before: Option<&[u8]>) -> Result<()> {
    let now = std::fs::read(path).ok();
    if now.as_deref() == before {
        return Ok(());
    }
    match before {
        None => {
            std::fs::remove_file(path).map_err(|e| Error::write(path, &e))?;
            eprintln!(
                "note: {} was missing; the one cargo generated to read the graph was removed again",
                path.display()
            );
        }
        Some(bytes) => {
            cargo_sbom::output::write_atomic(path, bytes)?;
            eprintln!(
                "note: {} is out of date; cargo's update was undone",
                path.display()
            );
        }
    }
    Ok(())
}
