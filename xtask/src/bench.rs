//! `cargo xtask bench`: `cargo sbom` against its floor, `cargo metadata`, on large workspaces.
//!
//! Two workspaces are generated under `target/bench/` from the pinned crate lists below:
//! "single", one package whose ~40 direct dependencies resolve to ~200 packages, and
//! "workspace", ~20 members over a longer list, ~1000 packages. Their lockfiles are generated
//! and the crates fetched once (network); every timed run is `--offline`. The release build of
//! `cargo-sbom` is built first. Per workspace, after one warm-up run of each, the two commands
//! run N times interleaved (alternating which goes first), one at a time.
//!
//! The lockfiles pick the newest versions matching the requirements when first generated, and
//! are kept (with the fetched crates) until the lists below change, so later runs measure the
//! same graphs. When generated (Cargo 1.95), "single" had 209 packages and "workspace" 1011.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use clap::{Args, ValueEnum};

use crate::measure::{self, Measured};
use crate::{cargo, workspace_root};

/// Options of `cargo xtask bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Timed runs of each command per workspace (after one warm-up run of each).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Benchmark only this workspace.
    #[arg(long, value_enum)]
    only: Option<Which>,
}

/// The generated workspaces.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    /// One package, ~40 direct dependencies, ~200 packages in all.
    Single,
    /// ~20 members, ~1000 packages in all.
    Workspace,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Single => "single",
            Which::Workspace => "workspace",
        }
    }

    /// The goal for the median wall time of `cargo sbom` over that of `cargo metadata`.
    fn goal(self) -> f64 {
        match self {
            Which::Single => 1.10,
            Which::Workspace => 1.15,
        }
    }
}

/// A dependency: crate name, version requirement, features beyond the default ones.
type Dep = (&'static str, &'static str, &'static [&'static str]);

/// The direct dependencies of "single": popular crates.io crates, ~200 packages resolved.
const SINGLE: &[Dep] = &[
    ("anyhow", "1.0.98", &[]),
    ("base64", "0.22.1", &[]),
    ("bitflags", "2.9", &[]),
    ("bytes", "1.10", &[]),
    ("chrono", "0.4.41", &["serde"]),
    ("clap", "4.5", &["derive", "env"]),
    ("crossbeam", "0.8.4", &[]),
    ("env_logger", "0.11.8", &[]),
    ("flate2", "1.1", &[]),
    ("futures", "0.3.31", &[]),
    ("hex", "0.4.3", &[]),
    ("hyper", "1.6", &["full"]),
    ("indexmap", "2.10", &["serde"]),
    ("itertools", "0.14", &[]),
    ("libc", "0.2.170", &[]),
    ("log", "0.4.27", &[]),
    ("memchr", "2.7", &[]),
    ("once_cell", "1.21", &[]),
    ("parking_lot", "0.12.4", &[]),
    ("proc-macro2", "1.0.95", &[]),
    ("quote", "1.0.40", &[]),
    ("rand", "0.9.1", &[]),
    ("rayon", "1.10", &[]),
    ("regex", "1.11", &[]),
    ("semver", "1.0.26", &["serde"]),
    ("serde", "1.0.219", &["derive"]),
    ("serde_json", "1.0.140", &[]),
    ("sha2", "0.10.9", &[]),
    ("smallvec", "1.15", &[]),
    ("syn", "2.0.104", &["full"]),
    ("tempfile", "3.20", &[]),
    ("thiserror", "2.0.12", &[]),
    ("time", "0.3.41", &["formatting", "parsing"]),
    ("tokio", "1.46", &["full"]),
    ("toml", "0.9.2", &[]),
    ("tracing", "0.1.41", &[]),
    ("tracing-subscriber", "0.3.19", &["env-filter"]),
    ("url", "2.5.4", &["serde"]),
    ("uuid", "1.17", &["v4", "serde"]),
    ("walkdir", "2.5", &[]),
];

/// Members of "workspace".
const MEMBERS: usize = 20;

/// The dependencies of "workspace", dealt out to the members in contiguous slices.
const WORKSPACE: &[Dep] = &[
    // Web servers and clients.
    ("axum", "0.8.4", &["macros", "ws"]),
    ("actix-web", "4.11", &[]),
    ("rocket", "0.5.1", &["json"]),
    ("warp", "0.3.7", &[]),
    ("tower-http", "0.6.6", &["full"]),
    (
        "reqwest",
        "0.12.22",
        &["json", "stream", "cookies", "gzip", "brotli", "blocking"],
    ),
    ("ureq", "3.0", &["json"]),
    ("tonic", "0.13.1", &[]),
    ("prost", "0.13.5", &[]),
    ("async-graphql", "7.0", &[]),
    ("tokio-tungstenite", "0.27", &[]),
    ("hyper-util", "0.1.15", &["full"]),
    // Databases.
    (
        "sqlx",
        "0.8.6",
        &[
            "runtime-tokio",
            "postgres",
            "mysql",
            "chrono",
            "uuid",
            "json",
        ],
    ),
    ("diesel", "2.2", &["postgres", "chrono"]),
    ("sea-query", "0.32", &[]),
    ("redis", "0.32", &["tokio-comp"]),
    ("tokio-postgres", "0.7.13", &[]),
    ("deadpool-postgres", "0.14", &[]),
    // Cloud and observability.
    ("aws-config", "1.8", &[]),
    ("aws-sdk-s3", "1.96", &[]),
    ("aws-sdk-dynamodb", "1.84", &[]),
    ("opentelemetry", "0.30", &[]),
    ("opentelemetry_sdk", "0.30", &[]),
    ("opentelemetry-otlp", "0.30", &[]),
    ("metrics", "0.24", &[]),
    ("prometheus", "0.14", &[]),
    ("tracing-subscriber", "0.3.19", &["env-filter", "json"]),
    // Graphics and GUI.
    ("image", "0.25.6", &[]),
    ("egui", "0.32", &[]),
    // Data.
    ("polars", "0.49", &["lazy"]),
    ("arrow", "55.2", &[]),
    ("parquet", "55.2", &[]),
    ("ndarray", "0.16.1", &[]),
    ("nalgebra", "0.33.2", &[]),
    // Tooling.
    ("git2", "0.20.2", &[]),
    ("cargo_metadata", "0.21", &[]),
    ("ratatui", "0.29", &[]),
    ("crossterm", "0.29", &[]),
    ("indicatif", "0.18", &[]),
    ("dialoguer", "0.11", &[]),
    ("rustyline", "16.0", &[]),
    ("notify", "8.1", &[]),
    ("walkdir", "2.5", &[]),
    ("ignore", "0.4.23", &[]),
    // Parsing and formats.
    ("nom", "8.0", &[]),
    ("pest_derive", "2.8", &[]),
    ("logos", "0.15", &[]),
    ("quick-xml", "0.38", &["serialize"]),
    ("serde_yaml", "0.9.34", &[]),
    ("csv", "1.3.1", &[]),
    ("ron", "0.10.1", &[]),
    ("rmp-serde", "1.3", &[]),
    ("bincode", "2.0.1", &[]),
    ("postcard", "1.1", &["use-std"]),
    ("toml", "0.9.2", &[]),
    ("handlebars", "6.3", &[]),
    ("tera", "1.20", &[]),
    ("minijinja", "2.11", &[]),
    ("askama", "0.14", &[]),
    // Cryptography.
    ("rustls", "0.23.29", &[]),
    ("openssl", "0.10.73", &[]),
    ("ring", "0.17.14", &[]),
    ("ed25519-dalek", "2.2", &[]),
    ("rsa", "0.9.8", &[]),
    ("jsonwebtoken", "9.3", &[]),
    ("argon2", "0.5.3", &[]),
    ("aes-gcm", "0.10.3", &[]),
    // Everything else.
    ("lettre", "0.11.17", &[]),
    ("zip", "4.3", &[]),
    ("tar", "0.4.44", &[]),
    ("config", "0.15.13", &[]),
    ("figment", "0.10.19", &["toml", "env"]),
    ("async-std", "1.13", &[]),
    ("smol", "2.0", &[]),
    ("jiff", "0.2.15", &[]),
    ("chrono-tz", "0.10.4", &[]),
    ("validator", "0.20", &["derive"]),
    ("schemars", "1.0", &[]),
    ("utoipa", "5.4", &[]),
    ("wasm-bindgen", "0.2.100", &[]),
    ("web-sys", "0.3.77", &["Window", "Document"]),
    ("clap", "4.5", &["derive", "env"]),
    ("tokio", "1.46", &["full"]),
    ("serde", "1.0.219", &["derive"]),
];

/// Everything one run of the benchmark measures for one workspace.
struct Report {
    which: Which,
    packages: usize,
    components: Option<usize>,
    metadata: Vec<Measured>,
    sbom: Vec<Measured>,
}

/// Runs the benchmark.
pub fn run(args: &BenchArgs) -> Result<()> {
    let root = workspace_root();
    let bench_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let cargo = cargo();

    eprintln!("==> cargo build --release -p cargo-sbom");
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "cargo-sbom"])
        .current_dir(&root)
        .status()?;
    ensure!(status.success(), "building cargo-sbom failed ({status})");
    let sbom = root.join("target").join("release").join("cargo-sbom");

    let selected: Vec<Which> = match args.only {
        Some(which) => vec![which],
        None => vec![Which::Single, Which::Workspace],
    };
    let mut manifests = Vec::new();
    for &which in &selected {
        let dir = bench_dir.join(which.name());
        generate(which, &dir)?;
        prepare(&cargo, &dir)?;
        manifests.push((which, dir.join("Cargo.toml")));
    }

    let load_before = load_average();
    let mut reports = Vec::new();
    for (which, manifest) in &manifests {
        eprintln!("==> timing {} ({} runs of each)", which.name(), args.runs);
        let output = bench_dir.join(format!("{}.cdx.json", which.name()));
        reports.push(measure_workspace(
            *which, &cargo, &sbom, manifest, &output, args.runs,
        )?);
    }
    let load_after = load_average();

    println!(
        "{}",
        header(&cargo, &root, args.runs, &load_before, &load_after)
    );
    for report in &reports {
        println!("{}", report.render());
    }
    Ok(())
}

/// Writes the workspace's manifests and sources; an existing tree from another crate list is
/// removed first, so that its lockfile is regenerated.
fn generate(which: Which, dir: &Path) -> Result<()> {
    let files = match which {
        Which::Single => vec![
            (
                PathBuf::from("Cargo.toml"),
                package_manifest("bench-single", SINGLE, &[], true),
            ),
            (PathBuf::from("src/lib.rs"), lib_rs()),
        ],
        Which::Workspace => workspace_files(),
    };
    let mut stamp = String::new();
    for (path, text) in &files {
        let _ = write!(stamp, "== {}\n{text}", path.display());
    }
    let stamp_path = dir.join(".xtask-stamp");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    std::fs::write(&stamp_path, stamp)?;
    Ok(())
}

/// The files of "workspace": a virtual root and `MEMBERS` members, each with its slice of
/// [`WORKSPACE`] and a path dependency on an earlier member (a binary tree of members).
fn workspace_files() -> Vec<(PathBuf, String)> {
    let names: Vec<String> = (0..MEMBERS).map(|i| format!("bench-m{i:02}")).collect();
    let mut root = String::from(
        "# Generated by `cargo xtask bench`.\n[workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for name in &names {
        let _ = writeln!(root, "    \"members/{name}\",");
    }
    root.push_str("]\n");
    let mut files = vec![(PathBuf::from("Cargo.toml"), root)];
    for (i, name) in names.iter().enumerate() {
        let deps = &WORKSPACE[i * WORKSPACE.len() / MEMBERS..(i + 1) * WORKSPACE.len() / MEMBERS];
        let parent: Vec<&str> = if i == 0 {
            Vec::new()
        } else {
            vec![names[(i - 1) / 2].as_str()]
        };
        let dir = PathBuf::from("members").join(name);
        files.push((
            dir.join("Cargo.toml"),
            package_manifest(name, deps, &parent, false),
        ));
        files.push((dir.join("src/lib.rs"), lib_rs()));
    }
    files
}

/// A package manifest depending on `deps` and on the sibling members `siblings`.
fn package_manifest(name: &str, deps: &[Dep], siblings: &[&str], own_workspace: bool) -> String {
    let mut text = format!(
        "# Generated by `cargo xtask bench`.\n[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\
         edition = \"2024\"\npublish = false\n\n[dependencies]\n"
    );
    for (crate_name, req, features) in deps {
        if features.is_empty() {
            let _ = writeln!(text, "{crate_name} = \"{req}\"");
        } else {
            let list: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
            let _ = writeln!(
                text,
                "{crate_name} = {{ version = \"{req}\", features = [{}] }}",
                list.join(", ")
            );
        }
    }
    for sibling in siblings {
        let _ = writeln!(text, "{sibling} = {{ path = \"../{sibling}\" }}");
    }
    if own_workspace {
        // Not a member of the enclosing cargo-sbom workspace.
        text.push_str("\n[workspace]\n");
    }
    text
}

fn lib_rs() -> String {
    "//! Generated by `cargo xtask bench`: a package that only has dependencies.\n".to_owned()
}

/// Resolves the lockfile once (network) and fetches every crate, so timed runs can be offline.
fn prepare(cargo: &OsString, dir: &Path) -> Result<()> {
    if !dir.join("Cargo.lock").exists() {
        eprintln!("==> cargo generate-lockfile in {}", dir.display());
        let status = Command::new(cargo)
            .arg("generate-lockfile")
            .current_dir(dir)
            .status()?;
        ensure!(
            status.success(),
            "cargo generate-lockfile failed in {} ({status})",
            dir.display()
        );
    }
    let status = Command::new(cargo)
        .args(["fetch", "--locked", "--quiet"])
        .current_dir(dir)
        .status()?;
    ensure!(
        status.success(),
        "cargo fetch failed in {} ({status})",
        dir.display()
    );
    Ok(())
}

/// The two commands as the benchmark runs them.
fn commands(
    which: Which,
    cargo: &OsString,
    sbom: &Path,
    manifest: &Path,
    output: &Path,
) -> [Command; 2] {
    let dir = manifest.parent().unwrap_or(manifest);
    // Exactly the `cargo metadata` cargo-sbom runs, plus the flags passed to both.
    let mut metadata = Command::new(cargo);
    metadata
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest)
        .current_dir(dir);
    let mut sbom_command = Command::new(sbom);
    sbom_command
        .args(["sbom", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("-o")
        .arg(output)
        // The same cargo binary as the floor (cargo-sbom honours `$CARGO`).
        .env("CARGO", cargo)
        .current_dir(dir);
    if which == Which::Workspace {
        sbom_command.arg("--workspace");
    }
    [metadata, sbom_command]
}

/// One warm-up run of each command, then `runs` of each, interleaved.
fn measure_workspace(
    which: Which,
    cargo: &OsString,
    sbom: &Path,
    manifest: &Path,
    output: &Path,
    runs: u32,
) -> Result<Report> {
    let [mut metadata, mut sbom_command] = commands(which, cargo, sbom, manifest, output);
    let warm_metadata = measure::run(&mut metadata)?;
    let warm_sbom = measure::run(&mut sbom_command)?;
    let packages = count_packages(&warm_metadata.stdout)?;
    let components = count_components(&warm_sbom.stderr);
    let mut report = Report {
        which,
        packages,
        components,
        metadata: Vec::new(),
        sbom: Vec::new(),
    };
    for run in 0..runs {
        // Alternate the order, so neither command always runs right after the other.
        if run % 2 == 0 {
            report.metadata.push(measure::run(&mut metadata)?);
            report.sbom.push(measure::run(&mut sbom_command)?);
        } else {
            report.sbom.push(measure::run(&mut sbom_command)?);
            report.metadata.push(measure::run(&mut metadata)?);
        }
        // Keep only what the report needs.
        for measured in report.metadata.iter_mut().chain(report.sbom.iter_mut()) {
            measured.stdout = Vec::new();
        }
    }
    Ok(report)
}

/// The length of `packages` in `cargo metadata` output.
fn count_packages(json: &[u8]) -> Result<usize> {
    let value: serde_json::Value =
        serde_json::from_slice(json).context("parsing cargo metadata output")?;
    match value.get("packages").and_then(|p| p.as_array()) {
        Some(packages) => Ok(packages.len()),
        None => bail!("cargo metadata output has no `packages` array"),
    }
}

/// The component count from cargo-sbom's `Wrote FILE (N components)` line.
fn count_components(stderr: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Wrote "))?;
    let inner = line.rsplit_once('(')?.1;
    inner.split_whitespace().next()?.parse().ok()
}

/// The 1-, 5- and 15-minute load averages, as `uptime` prints them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn header(cargo: &OsString, root: &Path, runs: u32, before: &str, after: &str) -> String {
    let version = Command::new(cargo)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let revision = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "\ncargo xtask bench: {runs} timed runs of each command, interleaved, after one warm-up run of each\n\
         cargo:      {} ({version})\n\
         cargo-sbom: target/release/cargo-sbom at {revision}\n\
         machine:    {cpus} CPUs; load average {before} before, {after} after\n\
         peak RSS:   the largest ru_maxrss over the runs (for cargo sbom, the larger of itself and \
         the cargo metadata it runs)",
        cargo.to_string_lossy()
    )
}

impl Report {
    fn render(&self) -> String {
        let walls = |runs: &[Measured]| -> Vec<Duration> { runs.iter().map(|m| m.wall).collect() };
        let (metadata, sbom) = (walls(&self.metadata), walls(&self.sbom));
        let rss = |runs: &[Measured]| runs.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);
        let components = self
            .components
            .map_or_else(|| "?".to_owned(), |c| c.to_string());
        let mut text = format!(
            "\n{}: {} packages in cargo metadata, {components} components in the SBOM\n",
            self.which.name(),
            self.packages
        );
        let _ = writeln!(
            text,
            "  {:<16} {:>10} {:>10} {:>11}",
            "command", "median", "min", "peak RSS"
        );
        for (name, walls, runs) in [
            ("cargo metadata", &metadata, &self.metadata),
            ("cargo sbom", &sbom, &self.sbom),
        ] {
            let _ = writeln!(
                text,
                "  {name:<16} {:>10} {:>10} {:>8.1} MiB",
                millis(median(walls)),
                millis(min(walls)),
                rss(runs) as f64 / 1024.0
            );
        }
        let ratio = median(&sbom).as_secs_f64() / median(&metadata).as_secs_f64();
        let min_ratio = min(&sbom).as_secs_f64() / min(&metadata).as_secs_f64();
        let overhead = median(&sbom).as_secs_f64() - median(&metadata).as_secs_f64();
        let verdict = if ratio <= self.which.goal() {
            "met"
        } else {
            "MISSED"
        };
        let _ = write!(
            text,
            "  sbom/metadata    {ratio:>10.3} {min_ratio:>10.3}   (median overhead {:+.1} ms; goal <= {:.2}: {verdict})",
            overhead * 1000.0,
            self.which.goal()
        );
        text
    }
}

fn median(walls: &[Duration]) -> Duration {
    let mut sorted = walls.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn min(walls: &[Duration]) -> Duration {
    walls.iter().min().copied().unwrap_or_default()
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_minimums() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&ms(&[30, 10, 20])), Duration::from_millis(20));
        assert_eq!(median(&ms(&[40, 10, 20, 30])), Duration::from_millis(25));
        assert_eq!(min(&ms(&[40, 10, 20])), Duration::from_millis(10));
    }

    #[test]
    fn reads_the_component_count() {
        assert_eq!(
            count_components(b"     Wrote /x/single.cdx.json (173 components)\n"),
            Some(173)
        );
        assert_eq!(count_components(b"warning: something\n"), None);
    }

    #[test]
    fn every_workspace_dependency_goes_to_one_member() {
        let files = workspace_files();
        let member_manifests: Vec<&String> = files
            .iter()
            .filter(|(path, _)| path.starts_with("members") && path.ends_with("Cargo.toml"))
            .map(|(_, text)| text)
            .collect();
        assert_eq!(member_manifests.len(), MEMBERS);
        let registry_deps: usize = member_manifests
            .iter()
            .map(|text| {
                let deps = text
                    .split_once("[dependencies]\n")
                    .map_or("", |(_, deps)| deps);
                deps.lines()
                    .filter(|l| !l.is_empty() && !l.contains("path = "))
                    .count()
            })
            .sum();
        assert_eq!(registry_deps, WORKSPACE.len());
    }

    #[test]
    fn manifests_are_valid_toml_shapes() {
        let text = package_manifest(
            "p",
            &[("serde", "1", &["derive"]), ("log", "0.4", &[])],
            &["q"],
            true,
        );
        assert!(text.contains("serde = { version = \"1\", features = [\"derive\"] }\n"));
        assert!(text.contains("log = \"0.4\"\n"));
        assert!(text.contains("q = { path = \"../q\" }\n"));
        assert!(text.ends_with("[workspace]\n"));
    }
}
