//! Running Cargo and rustc: `cargo metadata` for the package graph, `rustc -vV` for the host.
//!
//! Both run concurrently: `cargo metadata` is the floor of this tool's run time, and the host
//! query would otherwise add its own start-up on top of it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// How Cargo may touch the network and the lockfile, as the flags of the same names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CargoNetwork {
    /// `--locked`: fail if `Cargo.lock` is missing or would change.
    pub locked: bool,
    /// `--offline`: never touch the network.
    pub offline: bool,
    /// `--frozen`: both of the above.
    pub frozen: bool,
}

/// What `cargo metadata` printed, and the host triple, read once per run.
#[derive(Debug)]
pub struct CargoOutput {
    /// The JSON printed by `cargo metadata --format-version 1 --all-features`.
    pub metadata_json: String,
    /// The host triple from `rustc -vV`.
    pub host_triple: String,
}

/// The cargo program: `$CARGO` when cargo runs us as a subcommand, else `cargo`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The rustc program: `$RUSTC` as cargo honours it, else `rustc`.
fn rustc_program() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Runs `cargo metadata` (all features, so the graph holds every optional edge) and `rustc -vV`.
///
/// `manifest_path` is passed on as `--manifest-path`; without it cargo looks upward from the
/// current directory as usual.
pub fn run_cargo(manifest_path: Option<&Path>, network: CargoNetwork) -> Result<CargoOutput> {
    let rustc = rustc_program();
    let host = std::thread::scope(|scope| {
        let host = scope.spawn(|| host_triple(&rustc));
        let metadata = cargo_metadata(manifest_path, network);
        let host = host.join().unwrap_or_else(|_| {
            Err(Error::HostTriple {
                program: rustc.to_string_lossy().into_owned(),
                reason: "the query thread panicked".into(),
            })
        });
        metadata.and_then(|json| Ok((json, host?)))
    })?;
    Ok(CargoOutput {
        metadata_json: host.0,
        host_triple: host.1,
    })
}

fn cargo_metadata(manifest_path: Option<&Path>, network: CargoNetwork) -> Result<String> {
    let program = cargo_program();
    let mut command = Command::new(&program);
    command.args(["metadata", "--format-version", "1", "--all-features"]);
    if let Some(path) = manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    if network.locked {
        command.arg("--locked");
    }
    if network.offline {
        command.arg("--offline");
    }
    if network.frozen {
        command.arg("--frozen");
    }
    command.stdin(Stdio::null());
    let output = command.output().map_err(|source| Error::CargoNotFound {
        program: program.to_string_lossy().into_owned(),
        source,
    })?;
    let manifest = manifest_path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "Cargo.toml in the current directory".to_owned());
    if !output.status.success() {
        return Err(Error::CargoMetadata {
            manifest,
            message: condense_cargo_error(&String::from_utf8_lossy(&output.stderr)),
        });
    }
    String::from_utf8(output.stdout).map_err(|_| Error::CargoMetadata {
        manifest,
        message: "its output is not UTF-8".into(),
    })
}

/// Turns cargo's multi-line error into one line: the `error:` line and its `Caused by:` chain.
fn condense_cargo_error(stderr: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut in_error = false;
    for line in stderr.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("error:") {
            in_error = true;
            parts.push(rest.trim().to_owned());
        } else if in_error && !trimmed.is_empty() && trimmed != "Caused by:" {
            // Cargo prints source snippets (`-->`, `|`) after TOML errors; keep only prose.
            let snippet = trimmed
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ')
                .starts_with('|');
            if let Some(location) = trimmed.strip_prefix("-->") {
                // Where in the manifest: `Cargo.toml:1:9`.
                if let Some(last) = parts.last_mut() {
                    *last = format!("{last} (at {})", location.trim());
                }
            } else if !snippet && !trimmed.starts_with('^') {
                parts.push(trimmed.to_owned());
            }
        }
    }
    if parts.is_empty() {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return last.unwrap_or("cargo exited with an error").trim().to_owned();
    }
    parts.join(": ")
}

fn host_triple(rustc: &OsString) -> Result<String> {
    let program = rustc.to_string_lossy().into_owned();
    let output = Command::new(rustc)
        .arg("-vV")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::HostTriple {
            program: program.clone(),
            reason: e.to_string(),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .ok_or_else(|| Error::HostTriple {
            program,
            reason: "no `host:` line in its output".into(),
        })
}

/// The manifest path cargo will use, for messages and for finding `Cargo.lock`.
pub fn display_manifest(manifest_path: Option<&Path>) -> PathBuf {
    manifest_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("Cargo.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condenses_a_manifest_parse_error() {
        let stderr = "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n  TOML parse error at line 1, column 5\n    |\n  1 | [package\n    |     ^\n  invalid table header\n";
        assert_eq!(
            condense_cargo_error(stderr),
            "failed to parse manifest at `/x/Cargo.toml`: TOML parse error at line 1, column 5: invalid table header"
        );
    }

    #[test]
    fn keeps_the_manifest_location() {
        let stderr = "error: unclosed table, expected `]`\n --> bad/Cargo.toml:1:9\n  |\n1 | [package\n  |         ^\n";
        assert_eq!(
            condense_cargo_error(stderr),
            "unclosed table, expected `]` (at bad/Cargo.toml:1:9)"
        );
    }

    #[test]
    fn falls_back_to_the_last_line() {
        assert_eq!(condense_cargo_error("warning: x\nsomething odd\n"), "something odd");
        assert_eq!(condense_cargo_error(""), "cargo exited with an error");
    }
}
