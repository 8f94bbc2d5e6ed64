//! The real `cargo build`: what its arguments select, running it, and reading its JSON messages.
//!
//! [`CargoArgs::parse`] reads the `cargo build` flags that decide the dependency graph (package
//! selection, features, target, manifest, network) and the profile; every argument is passed on
//! to cargo unchanged. [`run`] adds `--message-format json-render-diagnostics`, leaves cargo's
//! standard error (progress, rendered diagnostics) on the terminal, reads the JSON messages from
//! its standard output and forwards any other line.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_sbom::{CargoNetwork, FeatureSelection, PackageId, PackageSelection};
use serde_json::Value;

use crate::error::{Error, Result};

/// The `cargo build` arguments that decide what is built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoArgs {
    /// `-p`/`--package`, `--workspace`/`--all` and `--exclude`.
    pub packages: PackageSelection,
    /// `--features`/`-F`, `--all-features`, `--no-default-features`.
    pub features: FeatureSelection,
    /// `--target` (else `CARGO_BUILD_TARGET`).
    pub target: Option<String>,
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `--locked`, `--offline`, `--frozen`.
    pub network: CargoNetwork,
    /// The profile name: `dev`, `release` or a custom one.
    pub profile: String,
    /// Whether targets that use dev-dependencies are built (`--tests`, `--all-targets`, …).
    pub dev_targets: bool,
}

/// Flags of `cargo build` that take a value as the next argument (or after `=`).
const VALUE_FLAGS: &[&str] = &[
    "-p",
    "--package",
    "--exclude",
    "-F",
    "--features",
    "--target",
    "--manifest-path",
    "--profile",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "-j",
    "--jobs",
    "--target-dir",
    "--artifact-dir",
    "--out-dir",
    "--color",
    "--config",
    "-Z",
    "--lockfile-path",
];

impl CargoArgs {
    /// Reads the arguments given to `cargo attest build` (everything cargo would accept after
    /// `cargo build`). `build_target_env` is `CARGO_BUILD_TARGET`.
    pub fn parse(args: &[String], build_target_env: Option<&str>) -> Result<Self> {
        let mut packages: Vec<String> = Vec::new();
        let mut exclude: Vec<String> = Vec::new();
        let mut workspace = false;
        let mut parsed = CargoArgs {
            profile: "dev".to_owned(),
            ..Self::default()
        };
        let mut targets: Vec<String> = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                break;
            }
            // `--flag=value`, `-pNAME`/`-Ffeat`, or `--flag value`.
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
                _ => match arg.as_str() {
                    short
                        if short.len() > 2
                            && !short.starts_with("--")
                            && ["-p", "-F", "-j", "-Z"].contains(&&short[..2]) =>
                    {
                        (&short[..2], Some(short[2..].to_owned()))
                    }
                    other => (other, None),
                },
            };
            if flag == "--message-format" || flag.starts_with("--message-format=") {
                return Err(Error::Usage(
                    "cargo attest build sets --message-format itself; remove it from the cargo arguments".into(),
                ));
            }
            let value = if VALUE_FLAGS.contains(&flag) {
                match inline {
                    Some(value) => Some(value),
                    None => Some(iter.next().cloned().ok_or_else(|| {
                        Error::Usage(format!("the cargo argument `{flag}` needs a value"))
                    })?),
                }
            } else {
                None
            };
            let value = value.unwrap_or_default();
            match flag {
                "-p" | "--package" => packages.push(value),
                "--exclude" => exclude.push(value),
                "--workspace" | "--all" => workspace = true,
                "-F" | "--features" => parsed.features.features.push(value),
                "--all-features" => parsed.features.all_features = true,
                "--no-default-features" => parsed.features.no_default_features = true,
                "--target" => targets.push(value),
                "--manifest-path" => parsed.manifest_path = Some(PathBuf::from(value)),
                "--locked" => parsed.network.locked = true,
                "--offline" => parsed.network.offline = true,
                "--frozen" => parsed.network.frozen = true,
                "-r" | "--release" => parsed.profile = "release".to_owned(),
                "--profile" => parsed.profile = value,
                "--tests" | "--test" | "--benches" | "--bench" | "--examples" | "--example"
                | "--all-targets" => parsed.dev_targets = true,
                _ => {}
            }
        }
        if targets.len() > 1 {
            return Err(Error::Usage(format!(
                "cargo attest build records one target per build; got --target {}",
                targets.join(", --target ")
            )));
        }
        parsed.target = targets.pop().or_else(|| {
            build_target_env
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        });
        parsed.packages = if workspace {
            PackageSelection::Workspace { exclude }
        } else if !exclude.is_empty() {
            return Err(Error::Usage(
                "--exclude can only be used together with --workspace".into(),
            ));
        } else if packages.is_empty() {
            PackageSelection::Default
        } else {
            PackageSelection::Packages(packages)
        };
        Ok(parsed)
    }
}

/// A file the build produced that is attested: a binary or a linkable library.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuiltArtifact {
    /// The file (as cargo reported it: absolute).
    pub path: PathBuf,
    /// Cargo's package id of the package it belongs to.
    pub package_id: String,
    /// The target's name.
    pub target_name: String,
}

/// What a finished `cargo build` reported.
#[derive(Clone, Debug, Default)]
pub struct BuildOutcome {
    /// Cargo's exit code (101 when it was killed by a signal).
    pub exit_code: i32,
    /// The attested artifacts, in the order cargo reported them, without duplicates.
    pub artifacts: Vec<BuiltArtifact>,
    /// The package ids of every compiled unit (`compiler-artifact` messages, fresh or not).
    pub compiled: BTreeSet<PackageId>,
}

/// Runs `cargo build ARGS --message-format json-render-diagnostics` in the current directory.
pub fn run(args: &[String]) -> Result<BuildOutcome> {
    let program = cargo_sbom::cargo::cargo_program();
    let mut command = Command::new(&program);
    command
        .arg("build")
        .args(["--message-format", "json-render-diagnostics"]);
    command.args(args);
    command
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let program_name = program.to_string_lossy().into_owned();
    let mut child = command.spawn().map_err(|e| {
        Error::Usage(format!(
            "could not run `{program_name} build`: {}",
            crate::error::io_reason(&e)
        ))
    })?;
    let mut outcome = BuildOutcome::default();
    if let Some(stdout) = child.stdout.take() {
        let mut forward = std::io::stdout().lock();
        for line in BufReader::new(stdout).split(b'\n') {
            let line = line.map_err(|e| Error::Read {
                path: PathBuf::from(format!("the output of `{program_name} build`")),
                reason: crate::error::io_reason(&e),
            })?;
            match parse_message(&line) {
                Some(message) => outcome.record(&message),
                None => {
                    // Not a cargo message: pass it on as cargo would have printed it.
                    let _ = forward.write_all(&line);
                    let _ = forward.write_all(b"\n");
                }
            }
        }
        let _ = forward.flush();
    }
    let status = child.wait().map_err(|e| {
        Error::Usage(format!(
            "`{program_name} build` could not be waited for: {}",
            crate::error::io_reason(&e)
        ))
    })?;
    outcome.exit_code = status.code().unwrap_or(101);
    Ok(outcome)
}

/// A JSON message of cargo (an object with a `reason`).
fn parse_message(line: &[u8]) -> Option<Value> {
    if line.first() != Some(&b'{') {
        return None;
    }
    let value: Value = serde_json::from_slice(line).ok()?;
    value.get("reason")?.as_str()?;
    Some(value)
}

/// Target kinds whose outputs are attested.
const ATTESTED_KINDS: &[&str] = &["bin", "cdylib", "staticlib", "dylib"];

impl BuildOutcome {
    /// Takes one cargo message into account.
    pub fn record(&mut self, message: &Value) {
        if message.get("reason").and_then(Value::as_str) != Some("compiler-artifact") {
            return;
        }
        let Some(package_id) = message.get("package_id").and_then(Value::as_str) else {
            return;
        };
        self.compiled.insert(PackageId::new(package_id));
        let target = &message["target"];
        let kinds: Vec<&str> = target["kind"]
            .as_array()
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // Build scripts are compiled and run by the build, never shipped; test harnesses
        // (`profile.test`) are not deliverables either.
        if kinds.contains(&"custom-build") || message["profile"]["test"].as_bool() == Some(true) {
            return;
        }
        if !kinds.iter().any(|k| ATTESTED_KINDS.contains(k)) {
            return;
        }
        let mut paths: Vec<PathBuf> = Vec::new();
        if kinds.contains(&"bin") {
            if let Some(executable) = message.get("executable").and_then(Value::as_str) {
                paths.push(PathBuf::from(executable));
            }
        } else {
            let filenames = message["filenames"].as_array().cloned().unwrap_or_default();
            paths.extend(
                filenames
                    .iter()
                    .filter_map(Value::as_str)
                    .map(PathBuf::from)
                    .filter(|p| is_deliverable_library(p)),
            );
        }
        let target_name = target["name"].as_str().unwrap_or_default().to_owned();
        for path in paths {
            if !self.artifacts.iter().any(|a| a.path == path) {
                self.artifacts.push(BuiltArtifact {
                    path,
                    package_id: package_id.to_owned(),
                    target_name: target_name.clone(),
                });
            }
        }
    }
}

/// Whether a file of a library target is a deliverable (not Rust metadata or a dep-info file).
fn is_deliverable_library(path: &Path) -> bool {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    !matches!(extension.as_deref(), Some("d" | "rlib" | "rmeta" | "pdb"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_the_flags_that_shape_the_graph() {
        let args = CargoArgs::parse(
            &strings(&[
                "-p",
                "app",
                "--package=lib-b",
                "-Fextra",
                "--features",
                "a,b",
                "--no-default-features",
                "--target=x86_64-unknown-linux-gnu",
                "--manifest-path",
                "ws/Cargo.toml",
                "--locked",
                "--release",
                "-j",
                "2",
                "--bin",
                "app",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            args.packages,
            PackageSelection::Packages(vec!["app".into(), "lib-b".into()])
        );
        assert_eq!(args.features.features, vec!["extra", "a,b"]);
        assert!(args.features.no_default_features);
        assert_eq!(args.target.as_deref(), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(args.manifest_path, Some(PathBuf::from("ws/Cargo.toml")));
        assert!(args.network.locked);
        assert_eq!(args.profile, "release");
        assert!(!args.dev_targets);

        let args = CargoArgs::parse(
            &strings(&["--workspace", "--exclude", "x", "--profile", "dist"]),
            Some("wasm32-unknown-unknown"),
        )
        .unwrap();
        assert_eq!(
            args.packages,
            PackageSelection::Workspace {
                exclude: vec!["x".into()]
            }
        );
        assert_eq!(args.profile, "dist");
        assert_eq!(args.target.as_deref(), Some("wasm32-unknown-unknown"));
    }

    #[test]
    fn refuses_what_cannot_be_recorded() {
        for bad in [
            &["--message-format", "short"][..],
            &["--message-format=json"],
            &["--target", "a", "--target", "b"],
            &["--exclude", "x"],
            &["-p"],
        ] {
            assert!(CargoArgs::parse(&strings(bad), None).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn records_binaries_and_linkable_libraries_only() {
        let mut outcome = BuildOutcome::default();
        let messages = [
            serde_json::json!({"reason": "compiler-artifact", "package_id": "p#app@1.0.0",
                "target": {"kind": ["bin"], "name": "app"}, "profile": {"test": false},
                "filenames": ["/t/debug/app"], "executable": "/t/debug/app"}),
            serde_json::json!({"reason": "compiler-artifact", "package_id": "p#app@1.0.0",
                "target": {"kind": ["custom-build"], "name": "build-script-build"},
                "profile": {"test": false}, "filenames": ["/t/debug/build/x/build-script-build"],
                "executable": "/t/debug/build/x/build-script-build"}),
            serde_json::json!({"reason": "compiler-artifact", "package_id": "p#lib@1.0.0",
                "target": {"kind": ["lib", "cdylib"], "name": "lib"}, "profile": {"test": false},
                "filenames": ["/t/debug/liblib.rlib", "/t/debug/liblib.so", "/t/debug/deps/liblib.rmeta"],
                "executable": null}),
            serde_json::json!({"reason": "compiler-artifact", "package_id": "r#itoa@1.0.0",
                "target": {"kind": ["lib"], "name": "itoa"}, "profile": {"test": false},
                "filenames": ["/t/debug/deps/libitoa.rlib"], "executable": null}),
            serde_json::json!({"reason": "build-finished", "success": true}),
        ];
        for message in &messages {
            outcome.record(message);
        }
        let paths: Vec<&Path> = outcome.artifacts.iter().map(|a| a.path.as_path()).collect();
        assert_eq!(
            paths,
            [Path::new("/t/debug/app"), Path::new("/t/debug/liblib.so")]
        );
        assert_eq!(outcome.compiled.len(), 3);
        assert!(parse_message(b"   Compiling x").is_none());
        assert!(parse_message(br#"{"reason":"build-finished"}"#).is_some());
    }
}
