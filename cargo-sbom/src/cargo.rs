//! Running Cargo and rustc: `cargo metadata` for the package graph, `rustc --print host-tuple
//! --print cfg` for the host.
//!
//! Both run concurrently: `cargo metadata` is the floor of this tool's run time, and the host
//! query would otherwise add its own start-up on top of it.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// crates.io's index as cargo writes a package's source: the git and the sparse form.
pub const CRATES_IO_SOURCES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// crates.io's index URL in its git form (cargo's name for crates.io in configuration).
pub const CRATES_IO_INDEX: &str = "https://github.com/rust-lang/crates.io-index";

/// crates.io's sparse index URL.
pub const CRATES_IO_SPARSE_INDEX: &str = "https://index.crates.io";

/// Whether a package source (as `Cargo.lock` and `cargo metadata` write it) is crates.io.
pub fn is_crates_io_source(source: &str) -> bool {
    CRATES_IO_SOURCES.contains(&source)
}

/// The root of the workspace of `manifest_path` (or of the current directory), as
/// `cargo locate-project --workspace` reports it.
pub fn workspace_root(manifest_path: Option<&Path>) -> Result<std::path::PathBuf> {
    let mut command = Command::new(cargo_program());
    command.args(["locate-project", "--workspace", "--message-format", "plain"]);
    if let Some(path) = manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("could not run cargo locate-project: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::Usage(format!(
            "could not find the workspace: {}",
            stderr.trim().trim_start_matches("error:").trim()
        )));
    }
    let manifest = std::path::PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(Path::to_owned)
        .ok_or_else(|| Error::Usage(format!("{}: no workspace root", manifest.display())))
}

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

/// A platform as rustc describes it: its triple and its `rustc --print cfg` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustcPlatform {
    /// The target triple (or a custom target's name).
    pub triple: String,
    /// The `cfg` lines rustc prints for it, with the user's RUSTFLAGS applied as cargo does.
    pub cfg: String,
}

impl RustcPlatform {
    /// The bare names of the cfg (`unix`, `debug_assertions`, and any `--cfg NAME` from RUSTFLAGS).
    pub fn cfg_flags(&self) -> Vec<String> {
        self.cfg
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.contains('='))
            .map(str::to_owned)
            .collect()
    }

    /// The `target_feature` values of the cfg.
    pub fn target_features(&self) -> Vec<String> {
        self.cfg
            .lines()
            .filter_map(|line| line.trim().strip_prefix("target_feature=\""))
            .filter_map(|rest| rest.strip_suffix('"'))
            .map(str::to_owned)
            .collect()
    }
}

/// What `cargo metadata` printed, and the platforms, read once per run.
#[derive(Debug)]
pub struct CargoOutput {
    /// The JSON printed by `cargo metadata --format-version 1 --all-features`.
    pub metadata_json: String,
    /// The host platform.
    pub host: RustcPlatform,
    /// The requested target platforms, queried up front (each may have failed).
    pub targets: Vec<(String, Result<RustcPlatform>)>,
    /// The lockfile as read while cargo ran, when one was found.
    pub early_lockfile: Option<EarlyLockfile>,
}

/// `Cargo.lock` read and parsed while `cargo metadata` runs. Cargo may still rewrite it, so the
/// parse is used only if the file at the workspace root turns out to be the same bytes.
#[derive(Debug)]
pub struct EarlyLockfile {
    /// The file read.
    pub path: std::path::PathBuf,
    /// Its text.
    pub text: String,
    /// Its checksums, or the parse error.
    pub checksums: std::result::Result<crate::lockfile::Checksums, String>,
    /// Whether hashing the cached `.crate` files found one that differs from its checksum.
    pub crate_hashing: Result<()>,
    /// The workspace's files hashed ahead of time ([`crate::source_tree::FileHashes`]).
    pub files: crate::source_tree::FileHashes,
}

impl EarlyLockfile {
    /// Reads the nearest `Cargo.lock` above the manifest (the workspace root's, in the usual
    /// layouts).
    fn read(manifest_path: Option<&Path>, stop: &std::sync::atomic::AtomicBool) -> Option<Self> {
        let start = match manifest_path {
            Some(path) => std::path::absolute(path).ok()?.parent()?.to_owned(),
            None => std::env::current_dir().ok()?,
        };
        let path = start
            .ancestors()
            .map(|dir| dir.join("Cargo.lock"))
            .find(|p| p.is_file())?;
        let text = std::fs::read_to_string(&path).ok()?;
        let mut checksums = crate::lockfile::Checksums::parse(&text);
        // Hashed while cargo runs, on the core it leaves idle; what cargo downloads now is
        // hashed after it ([`crate::Workspace::load`]).
        let crate_hashing = match &mut checksums {
            Ok(sums) if crate_hashes_enabled() => {
                sums.hash_cached_crates(&crate::crate_files::CrateCache::open_default())
            }
            _ => Ok(()),
        };
        let files = path
            .parent()
            .map(|root| crate::source_tree::FileHashes::prehash(root, stop))
            .unwrap_or_default();
        Some(Self {
            path,
            text,
            checksums,
            crate_hashing,
            files,
        })
    }
}

/// Whether the cached `.crate` files are hashed (SHA-512 for the SBOM profiles): unless
/// `CARGO_SBOM_NO_CRATE_HASHES` is set (to measure what the hashing costs, or to save it).
pub fn crate_hashes_enabled() -> bool {
    std::env::var_os("CARGO_SBOM_NO_CRATE_HASHES").is_none_or(|v| v.is_empty())
}

/// The cargo program: `$CARGO` when cargo runs us as a subcommand, else `cargo`.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The rustc program: `$RUSTC` as cargo honours it, else `rustc`.
pub fn rustc_program() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Runs `cargo metadata` (all features, so the graph holds every optional edge) and, at the same
/// time, asks rustc for the host triple and the cfg of the host and of each of `targets`.
///
/// `manifest_path` is passed on as `--manifest-path`; without it cargo looks upward from the
/// current directory as usual.
pub fn run_cargo(
    manifest_path: Option<&Path>,
    network: CargoNetwork,
    targets: &[String],
) -> Result<CargoOutput> {
    // Set when cargo is done: the source files not hashed by then are hashed when needed.
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let host = scope.spawn(host_platform);
        let lockfile = scope.spawn(|| EarlyLockfile::read(manifest_path, &stop));
        let target_queries: Vec<_> = targets
            .iter()
            .map(|triple| (triple.clone(), scope.spawn(move || target_platform(triple))))
            .collect();
        let metadata = cargo_metadata(manifest_path, network);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let metadata_json = metadata?;
        let host = join(host)?;
        let targets = target_queries
            .into_iter()
            .map(|(triple, query)| (triple, join(query)))
            .collect();
        let early_lockfile = lockfile.join().ok().flatten();
        Ok(CargoOutput {
            metadata_json,
            host,
            targets,
            early_lockfile,
        })
    })
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle.join().unwrap_or_else(|_| {
        Err(Error::HostTriple {
            program: rustc_program().to_string_lossy().into_owned(),
            reason: "the query thread panicked".into(),
        })
    })
}

/// The host: one `rustc --print host-tuple --print cfg` (one process: on two cores every
/// process started beside `cargo metadata` shows in the wall time). The first line is the
/// triple, the rest the cfg.
pub fn host_platform() -> Result<RustcPlatform> {
    let output =
        rustc_print(&["--print", "host-tuple", "--print", "cfg"]).map_err(|e| match e {
            Error::UnknownTarget { reason, .. } => Error::HostTriple {
                program: rustc_program().to_string_lossy().into_owned(),
                reason,
            },
            other => other,
        })?;
    let (triple, cfg) = output.split_once('\n').unwrap_or((output.as_str(), ""));
    let triple = triple.trim();
    if triple.is_empty() {
        return Err(Error::HostTriple {
            program: rustc_program().to_string_lossy().into_owned(),
            reason: "it printed no host triple".into(),
        });
    }
    Ok(RustcPlatform {
        triple: triple.to_owned(),
        cfg: cfg.to_owned(),
    })
}

/// A target: its cfg from `rustc --print cfg --target TRIPLE`; rustc's refusal means the target
/// is unknown.
pub fn target_platform(triple: &str) -> Result<RustcPlatform> {
    let cfg = rustc_print(&["--print", "cfg", "--target", triple]).map_err(|e| match e {
        Error::UnknownTarget { reason, .. } => Error::UnknownTarget {
            triple: triple.to_owned(),
            reason,
        },
        other => other,
    })?;
    // A custom target given as a JSON file is named by its file stem, as cargo does.
    let name = if triple.ends_with(".json") {
        Path::new(triple)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| triple.to_owned())
    } else {
        triple.to_owned()
    };
    Ok(RustcPlatform { triple: name, cfg })
}

/// The user's rustflags as cargo reads them from the environment.
fn env_rustflags() -> Vec<String> {
    if let Ok(encoded) = std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        return encoded
            .split('\x1f')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
    }
    std::env::var("RUSTFLAGS")
        .map(|flags| flags.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Runs rustc with `args` and the user's rustflags; a refusal is reported as an unknown target.
fn rustc_print(args: &[&str]) -> Result<String> {
    let rustc = rustc_program();
    let program = rustc.to_string_lossy().into_owned();
    let mut command = Command::new(&rustc);
    command
        .args(args)
        .args(env_rustflags())
        .stdin(Stdio::null());
    let output = command.output().map_err(|e| Error::HostTriple {
        program: program.clone(),
        reason: e.to_string(),
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("error:"))
            .unwrap_or("rustc rejected it")
            .trim()
            .to_owned();
        return Err(Error::UnknownTarget {
            triple: "host".to_owned(),
            reason,
        });
    }
    String::from_utf8(output.stdout).map_err(|_| Error::HostTriple {
        program,
        reason: "its output is not UTF-8".into(),
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
        return last
            .unwrap_or("cargo exited with an error")
            .trim()
            .to_owned();
    }
    let parts: Vec<&str> = parts.iter().map(|p| p.trim_end_matches(':')).collect();
    parts.join(": ")
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
    fn reads_target_features_from_cfg() {
        let platform = RustcPlatform {
            triple: "x".into(),
            cfg: "debug_assertions\ntarget_arch=\"x86_64\"\ntarget_feature=\"sse2\"\ntarget_feature=\"fxsr\"\n".into(),
        };
        assert_eq!(
            platform.target_features(),
            vec!["sse2".to_owned(), "fxsr".to_owned()]
        );
    }

    #[test]
    fn asks_rustc_about_targets() {
        let host = host_platform().unwrap();
        assert!(host.cfg.contains("target_os="), "{}", host.cfg);
        let err = target_platform("no-such-target-triple").unwrap_err();
        assert!(err.to_string().contains("no-such-target-triple"), "{err}");
    }

    #[test]
    fn falls_back_to_the_last_line() {
        assert_eq!(
            condense_cargo_error("warning: x\nsomething odd\n"),
            "something odd"
        );
        assert_eq!(condense_cargo_error(""), "cargo exited with an error");
    }
}
