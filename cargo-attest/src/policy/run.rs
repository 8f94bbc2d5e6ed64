//! One code path for every caller of the policy (`cargo attest check`, the build-time hook of
//! `build_hooks`): load the workspace without leaving `Cargo.lock` changed, then run the
//! selected rules.

use std::path::Path;

use cargo_sbom::{CargoNetwork, Workspace};

use super::{Finding, PolicyContext, RuleId, rules};
use crate::error::{Error, Result};

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

/// Runs the rules in `selected` (every rule when empty) and returns the findings, sorted (deny
/// first, then by rule and subject), and the rules that ran, in report order.
pub fn run_rules(
    context: &PolicyContext<'_>,
    selected: &[RuleId],
) -> Result<(Vec<Finding>, Vec<RuleId>)> {
    if selected.is_empty() {
        return Ok((super::check(context)?, RuleId::ALL.to_vec()));
    }
    let mut findings = Vec::new();
    for rule in rules::all() {
        if selected.contains(&rule.id()) {
            findings.extend(rule.check(context)?);
        }
    }
    findings.sort();
    let ran = RuleId::ALL
        .into_iter()
        .filter(|r| selected.contains(r))
        .collect();
    Ok((findings, ran))
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
            std::fs::remove_file(path).map_err(|e| Error::Write {
                path: path.to_owned(),
                reason: crate::error::io_reason(&e),
            })?;
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
