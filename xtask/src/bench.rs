//! `cargo xtask bench`: `cargo sbom` against its floor, `cargo metadata`, on large workspaces;
//! with `--check`, the policy gate `cargo attest check` as well (and cargo-audit and cargo-deny,
//! when installed, as peers).
//!
//! Three published applications (ripgrep, cargo, nushell: [`Which::published`]) are fetched
//! from crates.io once (a scratch package has cargo download the `.crate`, which is unpacked with
//! the `Cargo.lock` it was published with). Two workspaces are generated under `target/bench/` from the pinned crate lists below:
//! "single", one package whose ~40 direct dependencies resolve to ~200 packages, and
//! "workspace", ~20 members over a longer list, ~1000 packages. Their lockfiles are generated
//! and the crates fetched once (network); every timed run is `--offline`. The release builds of
//! `cargo-sbom` (and with `--check`, `cargo-attest`) are built first. Per workspace, after one
//! warm-up run of each, the commands run N times interleaved (rotating which goes first), one at
//! a time.
//!
//! `--check --advisory-db PATH` adds `cargo attest check --offline --advisory-db PATH` (every
//! rule, JSON report to `target/bench/NAME.check.json`); exit 1 (deny findings) counts as a
//! completed run, exit 2 fails the benchmark. Its goal is an absolute one: a median at most
//! 0.5 s over that of `cargo metadata`. Peers, timed the same way but without a goal:
//!
//! * `cargo audit --db PATH --no-fetch --file Cargo.lock` (reads the lockfile only, no
//!   `cargo metadata`), from `$CARGO_AUDIT_BIN` or `cargo-audit` on `PATH`;
//! * `cargo deny --offline check advisories bans licenses sources`, from `$CARGO_DENY_BIN` or
//!   `cargo-deny` on `PATH`, with a generated `target/bench/NAME/deny.toml`. cargo-deny only
//!   reads an advisory database that is a git checkout in the directory it names after the
//!   database URL, so PATH is copied once into `target/bench/deny-advisory-dbs/` and committed.
//!
//! The lockfiles pick the newest versions matching the requirements when first generated, and
//! are kept (with the fetched crates) until the lists below change, so later runs measure the
//! same graphs. When generated (Cargo 1.95), "single" had 209 packages and "workspace" 1011.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
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
    /// Also time the policy gate `cargo attest check` (and cargo-audit and cargo-deny as peers,
    /// when found: $CARGO_AUDIT_BIN / $CARGO_DENY_BIN, else on PATH).
    #[arg(long, requires = "advisory_db")]
    check: bool,
    /// The local RustSec advisory database the check (and the peers) use.
    #[arg(long, value_name = "PATH", requires = "check")]
    advisory_db: Option<PathBuf>,
}

/// The benchmarked workspaces: two generated ones and three published applications.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    /// One package, ~40 direct dependencies, ~200 packages in all.
    Single,
    /// ~20 members, ~1000 packages in all.
    Workspace,
    /// ripgrep, as published on crates.io (~30 built crates).
    Ripgrep,
    /// cargo itself, as published (~330 built crates).
    Cargo,
    /// nushell (`nu`), as published (~560 built crates).
    Nushell,
}

/// Every workspace, in the order the report lists them.
const ALL: [Which; 5] = [
    Which::Single,
    Which::Workspace,
    Which::Ripgrep,
    Which::Cargo,
    Which::Nushell,
];

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Single => "single",
            Which::Workspace => "workspace",
            Which::Ripgrep => "ripgrep",
            Which::Cargo => "cargo",
            Which::Nushell => "nushell",
        }
    }

    /// The published crate and exact version of an application.
    fn published(self) -> Option<(&'static str, &'static str)> {
        match self {
            Which::Single | Which::Workspace => None,
            Which::Ripgrep => Some(("ripgrep", "15.2.0")),
            Which::Cargo => Some(("cargo", "0.100.0")),
            Which::Nushell => Some(("nu", "0.116.1")),
        }
    }

    /// The goal for the median wall time of `cargo sbom` (SHA-512 hashing on) over that of
    /// `cargo metadata`.
    fn goal(self) -> f64 {
        1.10
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

/// The goal for `cargo attest check`: its median wall time at most this much over that of
/// `cargo metadata`, with the full advisory database.
const CHECK_GOAL_OVERHEAD: Duration = Duration::from_millis(500);

/// A timed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    /// `cargo metadata`, the floor.
    Metadata,
    /// `cargo sbom`.
    Sbom,
    /// `cargo sbom` with `CARGO_SBOM_NO_CRATE_HASHES`: what the SHA-512 hashing costs.
    SbomNoHashes,
    /// `cargo attest check`.
    Check,
    /// `cargo audit`, a peer of the check.
    Audit,
    /// `cargo deny check`, a peer of the check.
    Deny,
}

impl Tool {
    /// The name in the table.
    fn label(self) -> &'static str {
        match self {
            Tool::Metadata => "cargo metadata",
            Tool::Sbom => "cargo sbom",
            Tool::SbomNoHashes => "cargo sbom, no hash",
            Tool::Check => "cargo attest check",
            Tool::Audit => "cargo audit (peer)",
            Tool::Deny => "cargo deny (peer)",
        }
    }

    /// The name in the ratio lines.
    fn short(self) -> &'static str {
        match self {
            Tool::Metadata => "metadata",
            Tool::Sbom => "sbom",
            Tool::SbomNoHashes => "sbom-nohash",
            Tool::Check => "check",
            Tool::Audit => "audit",
            Tool::Deny => "deny",
        }
    }

    fn is_peer(self) -> bool {
        matches!(self, Tool::Audit | Tool::Deny)
    }

    /// Whether a run completed: the policy tools exit non-zero when they have findings.
    fn accepts(self, status: ExitStatus, stdout: &[u8], stderr: &[u8]) -> bool {
        match self {
            Tool::Metadata | Tool::Sbom | Tool::SbomNoHashes => status.success(),
            // 1: deny findings; 2: usage, configuration or input error.
            Tool::Check => matches!(status.code(), Some(0 | 1)),
            // 1 both for vulnerabilities and for errors; only the former follow the scan.
            Tool::Audit => {
                status.success()
                    || (status.code() == Some(1)
                        && String::from_utf8_lossy(stderr).contains("Scanning "))
            }
            // A bit per failed check (advisories 1, bans 2, licenses 4, sources 8), after the
            // summary line (on standard output); errors exit without one.
            Tool::Deny => {
                status.code().is_some_and(|code| (0..16).contains(&code))
                    && deny_summary(stdout).is_some()
            }
        }
    }
}

/// Everything one run of the benchmark measures for one workspace.
struct Report {
    which: Which,
    packages: usize,
    components: Option<usize>,
    /// What the policy tools found in their warm-up runs.
    outcomes: Vec<(Tool, String)>,
    /// The timed runs of each command, `cargo metadata` first.
    timings: Vec<(Tool, Vec<Measured>)>,
}

/// The programs and inputs of a benchmark run.
struct Setup {
    cargo: OsString,
    sbom: PathBuf,
    check: Option<CheckSetup>,
}

/// What `--check` adds.
struct CheckSetup {
    attest: PathBuf,
    advisory_db: PathBuf,
    audit: Option<PathBuf>,
    deny: Option<DenySetup>,
}

/// cargo-deny and the directory holding its git copy of the advisory database.
struct DenySetup {
    program: PathBuf,
    db_root: PathBuf,
}

/// Runs the benchmark.
pub fn run(args: &BenchArgs) -> Result<()> {
    let root = workspace_root();
    let bench_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&bench_dir)?;
    let cargo = cargo();

    let mut packages = vec!["cargo-sbom"];
    if args.check {
        packages.push("cargo-attest");
    }
    let mut build = Command::new(&cargo);
    build.args(["build", "--release"]);
    for package in &packages {
        build.args(["-p", package]);
    }
    eprintln!("==> cargo build --release -p {}", packages.join(" -p "));
    let status = build.current_dir(&root).status()?;
    ensure!(
        status.success(),
        "building {} failed ({status})",
        packages.join(" and ")
    );
    let release = root.join("target").join("release");
    let check = match (&args.check, &args.advisory_db) {
        (true, Some(advisory_db)) => Some(check_setup(
            release.join("cargo-attest"),
            advisory_db,
            &bench_dir,
        )?),
        _ => None,
    };
    let setup = Setup {
        cargo,
        sbom: release.join("cargo-sbom"),
        check,
    };

    let selected: Vec<Which> = match args.only {
        Some(which) => vec![which],
        None => ALL.to_vec(),
    };
    let mut manifests = Vec::new();
    for &which in &selected {
        let dir = bench_dir.join(which.name());
        generate(which, &dir)?;
        prepare(&setup.cargo, &dir)?;
        manifests.push((which, dir.join("Cargo.toml")));
    }

    let load_before = load_average();
    let mut reports = Vec::new();
    for (which, manifest) in &manifests {
        eprintln!("==> timing {} ({} runs of each)", which.name(), args.runs);
        reports.push(measure_workspace(
            *which, &setup, manifest, &bench_dir, args.runs,
        )?);
    }
    let load_after = load_average();

    println!(
        "{}",
        header(&setup, &root, args.runs, &load_before, &load_after)
    );
    for report in &reports {
        println!("{}", report.render());
    }
    Ok(())
}

/// Checks the advisory database, finds the peers and prepares cargo-deny's copy of the database.
fn check_setup(attest: PathBuf, advisory_db: &Path, bench_dir: &Path) -> Result<CheckSetup> {
    let advisory_db = std::fs::canonicalize(advisory_db)
        .with_context(|| format!("the advisory database {}", advisory_db.display()))?;
    ensure!(
        advisory_db.join("crates").is_dir(),
        "{} is not a RustSec advisory database (no crates/ directory)",
        advisory_db.display()
    );
    let audit = find_peer("CARGO_AUDIT_BIN", "cargo-audit")?;
    let deny = match find_peer("CARGO_DENY_BIN", "cargo-deny")? {
        Some(program) => {
            let db_root = bench_dir.join("deny-advisory-dbs");
            match deny_database(&advisory_db, &db_root) {
                Ok(()) => Some(DenySetup { program, db_root }),
                Err(error) => {
                    eprintln!("warning: cargo-deny left out: {error:#}");
                    None
                }
            }
        }
        None => None,
    };
    Ok(CheckSetup {
        attest,
        advisory_db,
        audit,
        deny,
    })
}

/// A peer program: `$env` when set (it must exist), else `program` on `PATH`.
fn find_peer(env: &str, program: &str) -> Result<Option<PathBuf>> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        ensure!(path.is_file(), "${env} is {}, not a file", path.display());
        return Ok(Some(path));
    }
    let Some(paths) = std::env::var_os("PATH") else {
        return Ok(None);
    };
    Ok(std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file()))
}

/// The database URL in the generated deny.toml (cargo-deny's default).
const DENY_DB_URL: &str = "https://github.com/rustsec/advisory-db";

/// The directory cargo-deny (0.20) keeps [`DENY_DB_URL`] in under its `db-path`: the last path
/// segment of the URL and a hash of it. Another version naming it differently fails in its
/// warm-up run ("failed to get HEAD timestamp" with the path it expected), which leaves
/// cargo-deny out of the results.
const DENY_DB_DIR: &str = "advisory-db-3157b0e258782691";

/// Makes `db_root/DENY_DB_DIR` a git repository holding a copy of `advisory_db` (its files at
/// one commit), unless it already holds one of the same database.
fn deny_database(advisory_db: &Path, db_root: &Path) -> Result<()> {
    let mut files = Vec::new();
    list_files(advisory_db, Path::new(""), &mut files)?;
    let bytes: u64 = files.iter().map(|(_, len)| len).sum();
    let snapshot = std::fs::read_to_string(advisory_db.join("SNAPSHOT")).unwrap_or_default();
    let stamp = format!(
        "{}\n{} files, {bytes} bytes\n{snapshot}",
        advisory_db.display(),
        files.len()
    );
    let stamp_path = db_root.join(".xtask-stamp");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(());
    }
    eprintln!(
        "==> copying {} into {} (a git checkout, for cargo-deny)",
        advisory_db.display(),
        db_root.display()
    );
    if db_root.exists() {
        std::fs::remove_dir_all(db_root)
            .with_context(|| format!("removing {}", db_root.display()))?;
    }
    let repo = db_root.join(DENY_DB_DIR);
    for (relative, _) in &files {
        let to = repo.join(relative);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(advisory_db.join(relative), &to)
            .with_context(|| format!("copying {}", relative.display()))?;
    }
    let git = |args: &[&str]| -> Result<()> {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=cargo xtask bench",
                "-c",
                "user.email=bench@localhost",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&repo)
            .status()
            .context("running git")?;
        ensure!(status.success(), "git {} failed ({status})", args.join(" "));
        Ok(())
    };
    git(&["init", "--quiet"])?;
    git(&["add", "--all"])?;
    git(&[
        "commit",
        "--quiet",
        "--message",
        "advisory database snapshot",
    ])?;
    std::fs::write(&stamp_path, stamp)?;
    Ok(())
}

/// The files under `top/relative` (their paths relative to `top`, and lengths), leaving out
/// `.git`.
fn list_files(top: &Path, relative: &Path, files: &mut Vec<(PathBuf, u64)>) -> Result<()> {
    let dir = top.join(relative);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        if entry.file_name() == ".git" {
            continue;
        }
        let path = relative.join(entry.file_name());
        // Follows symbolic links, as the copy does.
        let metadata = std::fs::metadata(entry.path())?;
        if metadata.is_dir() {
            list_files(top, &path, files)?;
        } else {
            files.push((path, metadata.len()));
        }
    }
    Ok(())
}

/// A TOML basic string: JSON's escapes are TOML's.
fn toml_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The deny.toml of the cargo-deny peer: the same features as the `cargo metadata` floor, the
/// git copy of the advisory database (never stale: its commit is as old as the copy), and an
/// allow list of the common permissive licenses, so that only the unusual ones are reported
/// (the generated packages themselves are unpublished and have no license: ignored).
fn deny_toml(db_root: &Path) -> String {
    format!(
        "# Generated by `cargo xtask bench --check`, for cargo-deny as a peer of cargo attest \
         check.\n\
         [graph]\nall-features = true\n\n\
         [advisories]\ndb-path = {}\ndb-urls = [{}]\nmaximum-db-staleness = \"P36500D\"\n\n\
         [licenses]\nallow = [\n    \"0BSD\",\n    \"Apache-2.0\",\n    \
         \"Apache-2.0 WITH LLVM-exception\",\n    \"BSD-2-Clause\",\n    \"BSD-3-Clause\",\n    \
         \"BSL-1.0\",\n    \"CC0-1.0\",\n    \"ISC\",\n    \"MIT\",\n    \"MPL-2.0\",\n    \
         \"Unicode-3.0\",\n    \"Unlicense\",\n    \"Zlib\",\n]\n\
         unused-allowed-license = \"allow\"\nprivate = {{ ignore = true }}\n",
        toml_string(&db_root.to_string_lossy()),
        toml_string(DENY_DB_URL)
    )
}

/// cargo-deny's summary line, `advisories ok, bans ok, licenses FAILED, sources ok`, from its
/// standard output.
fn deny_summary(stdout: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("advisories ") && line.contains(", sources "))
        .map(str::to_owned)
}

/// What a policy tool found, from its warm-up run: the summary of the check's JSON report,
/// cargo-audit's closing lines, cargo-deny's summary line; and the exit code.
fn outcome(tool: Tool, measured: &Measured, check_report: &Path) -> String {
    let stderr = String::from_utf8_lossy(&measured.stderr);
    let found = match tool {
        Tool::Check => std::fs::read(check_report)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|report| {
                let summary = report.get("summary")?;
                Some(format!(
                    "{} denied, {} warnings",
                    summary.get("deny")?.as_u64()?,
                    summary.get("warn")?.as_u64()?
                ))
            }),
        Tool::Audit => {
            let lines: Vec<&str> = stderr
                .lines()
                .filter_map(|l| l.strip_prefix("error: ").or(l.strip_prefix("warning: ")))
                .collect();
            (!lines.is_empty()).then(|| lines.join("; "))
        }
        Tool::Deny => deny_summary(&measured.stdout),
        Tool::Metadata | Tool::Sbom | Tool::SbomNoHashes => None,
    };
    let code = measured
        .status
        .code()
        .map_or_else(|| measured.status.to_string(), |c| c.to_string());
    format!(
        "{} (exit {code})",
        found.unwrap_or_else(|| "no findings reported".to_owned())
    )
}

/// Writes the workspace's manifests and sources; an existing tree from another crate list is
/// removed first, so that its lockfile is regenerated. An application is fetched instead.
fn generate(which: Which, dir: &Path) -> Result<()> {
    if let Some((name, version)) = which.published() {
        return fetch_application(name, version, dir);
    }
    let files = match which {
        Which::Single => vec![
            (
                PathBuf::from("Cargo.toml"),
                package_manifest("bench-single", SINGLE, &[], true),
            ),
            (PathBuf::from("src/lib.rs"), lib_rs()),
        ],
        Which::Workspace => workspace_files(),
        Which::Ripgrep | Which::Cargo | Which::Nushell => Vec::new(),
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

/// A published application, as its users get it from crates.io: a scratch package depending on
/// `NAME = "=VERSION"` has cargo download its `.crate` (network, once; cargo checks it against
/// the index), which is unpacked to `dir` (with the `Cargo.lock` it was published with) and made
/// a workspace of its own.
fn fetch_application(name: &str, version: &str, dir: &Path) -> Result<()> {
    let stamp = format!("{name}@{version}\n");
    let stamp_path = dir.join(".xtask-stamp");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(());
    }
    let scratch = dir.with_extension("fetch");
    std::fs::create_dir_all(scratch.join("src"))?;
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "# Generated by `cargo xtask bench`: downloads {name} {version}.\n[package]\n\
             name = \"bench-fetch\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{name} = \"={version}\"\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(scratch.join("src/lib.rs"), lib_rs())?;
    eprintln!("==> fetching {name} {version} from crates.io");
    let status = Command::new(cargo())
        .args(["fetch", "--quiet"])
        .current_dir(&scratch)
        .status()?;
    ensure!(
        status.success(),
        "cargo fetch failed in {}",
        scratch.display()
    );
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|h| h.join(".cargo")))
        .context("no Cargo home")?;
    let file_name = format!("{name}-{version}.crate");
    let cache = home.join("registry").join("cache");
    let archive = std::fs::read_dir(&cache)
        .with_context(|| format!("reading {}", cache.display()))?
        .filter_map(|e| e.ok().map(|e| e.path().join(&file_name)))
        .find(|p| p.is_file())
        .with_context(|| format!("{file_name} is not in {}", cache.display()))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    // The archive holds one directory, `NAME-VERSION/`; its content becomes `dir`.
    let prefix = format!("{name}-{version}");
    let mut entries =
        tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(&archive)?));
    for entry in entries.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let relative = path
            .strip_prefix(&prefix)
            .ok()
            .filter(|r| {
                r.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
            })
            .with_context(|| {
                format!(
                    "{}: {} is outside {prefix}/",
                    archive.display(),
                    path.display()
                )
            })?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let to = dir.join(relative);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry
            .unpack(&to)
            .with_context(|| format!("unpacking {}", to.display()))?;
    }
    // Not a member of the enclosing cargo-sbom workspace.
    let manifest = dir.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest)?;
    if !text.lines().any(|l| l.trim() == "[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text)?;
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

/// The commands as the benchmark runs them, `cargo metadata` first.
fn commands(
    which: Which,
    setup: &Setup,
    manifest: &Path,
    bench_dir: &Path,
) -> Result<Vec<(Tool, Command)>> {
    let cargo = &setup.cargo;
    let dir = manifest.parent().unwrap_or(manifest);
    let workspace = which == Which::Workspace;
    // Every tool that runs `cargo metadata` runs the same cargo binary as the floor.
    let tool = |program: &Path| {
        let mut command = Command::new(program);
        command.env("CARGO", cargo).current_dir(dir);
        command
    };
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
    let mut sbom = tool(&setup.sbom);
    sbom.args(["sbom", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("-o")
        .arg(bench_dir.join(format!("{}.cdx.json", which.name())));
    if workspace {
        sbom.arg("--workspace");
    }
    let mut no_hashes = tool(&setup.sbom);
    no_hashes
        .env("CARGO_SBOM_NO_CRATE_HASHES", "1")
        .args(["sbom", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("-o")
        .arg(bench_dir.join(format!("{}.nohash.cdx.json", which.name())));
    if workspace {
        no_hashes.arg("--workspace");
    }
    let mut commands = vec![
        (Tool::Metadata, metadata),
        (Tool::Sbom, sbom),
        (Tool::SbomNoHashes, no_hashes),
    ];
    let Some(check_setup) = &setup.check else {
        return Ok(commands);
    };

    let mut check = tool(&check_setup.attest);
    check
        .args(["attest", "check", "--offline", "--advisory-db"])
        .arg(&check_setup.advisory_db)
        .arg("--manifest-path")
        .arg(manifest);
    if workspace {
        check.arg("--workspace");
    }
    check
        .args(["--format", "json", "-o"])
        .arg(check_report(which, bench_dir));
    commands.push((Tool::Check, check));

    if let Some(program) = &check_setup.audit {
        let mut audit = tool(program);
        audit
            .args(["audit", "--color", "never", "--db"])
            .arg(&check_setup.advisory_db)
            .args(["--no-fetch", "--file"])
            .arg(dir.join("Cargo.lock"));
        commands.push((Tool::Audit, audit));
    }
    if let Some(deny_setup) = &check_setup.deny {
        let config = dir.join("deny.toml");
        std::fs::write(&config, deny_toml(&deny_setup.db_root))
            .with_context(|| format!("writing {}", config.display()))?;
        let mut deny = tool(&deny_setup.program);
        deny.args(["--offline", "--color", "never", "--manifest-path"])
            .arg(manifest)
            .arg("--config")
            .arg(&config);
        if workspace {
            deny.arg("--workspace");
        }
        deny.args(["check", "advisories", "bans", "licenses", "sources"]);
        commands.push((Tool::Deny, deny));
    }
    Ok(commands)
}

/// Where `cargo attest check` writes its JSON report.
fn check_report(which: Which, bench_dir: &Path) -> PathBuf {
    bench_dir.join(format!("{}.check.json", which.name()))
}

/// One warm-up run of each command, then `runs` of each, interleaved. A peer whose warm-up run
/// fails is left out, with a warning; any other failure ends the benchmark.
fn measure_workspace(
    which: Which,
    setup: &Setup,
    manifest: &Path,
    bench_dir: &Path,
    runs: u32,
) -> Result<Report> {
    let mut commands = commands(which, setup, manifest, bench_dir)?;
    let mut packages = None;
    let mut components = None;
    let mut outcomes = Vec::new();
    let mut timings = Vec::new();
    let mut kept = Vec::new();
    for (tool, mut command) in commands.drain(..) {
        let warm = match measure::run(&mut command, |status, stdout, stderr| {
            tool.accepts(status, stdout, stderr)
        }) {
            Ok(warm) => warm,
            Err(error) if tool.is_peer() => {
                eprintln!("warning: {} left out: {error:#}", tool.label());
                continue;
            }
            Err(error) => return Err(error),
        };
        match tool {
            Tool::Metadata => packages = Some(count_packages(&warm.stdout)?),
            Tool::Sbom => components = count_components(&warm.stderr),
            Tool::SbomNoHashes => {}
            Tool::Check | Tool::Audit | Tool::Deny => {
                outcomes.push((tool, outcome(tool, &warm, &check_report(which, bench_dir))))
            }
        }
        timings.push((tool, Vec::new()));
        kept.push((tool, command));
    }
    let n = kept.len();
    for run in 0..runs as usize {
        // Rotate the order, so that no command always runs first or right after another.
        for k in 0..n {
            let (tool, command) = &mut kept[(run + k) % n];
            let tool = *tool;
            let mut measured = measure::run(command, |status, stdout, stderr| {
                tool.accepts(status, stdout, stderr)
            })?;
            // Keep only what the report needs.
            measured.stdout = Vec::new();
            measured.stderr = Vec::new();
            timings[(run + k) % n].1.push(measured);
        }
    }
    Ok(Report {
        which,
        packages: packages.context("no cargo metadata run")?,
        components,
        outcomes,
        timings,
    })
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
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The program's version line (`NAME X.Y.Z`), or `?`.
pub(crate) fn version(program: &OsStr, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "?".to_owned())
}

fn header(setup: &Setup, root: &Path, runs: u32, before: &str, after: &str) -> String {
    let cargo = &setup.cargo;
    let revision = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut text = format!(
        "\ncargo xtask bench: {runs} timed runs of each command, interleaved, after one warm-up run of each\n\
         cargo:        {} ({})\n\
         cargo-sbom:   target/release/cargo-sbom at {revision}\n",
        cargo.to_string_lossy(),
        version(cargo, &["--version"])
    );
    if let Some(check) = &setup.check {
        let snapshot = std::fs::read_to_string(check.advisory_db.join("SNAPSHOT"))
            .ok()
            .and_then(|s| {
                let first = s.lines().next()?.split(';').next()?.trim().to_owned();
                Some(format!(" ({first})"))
            })
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "cargo-attest: target/release/cargo-attest at {revision}, every rule, JSON report\n\
             advisories:   {}{snapshot}",
            check.advisory_db.display()
        );
        let mut peers = Vec::new();
        if let Some(audit) = &check.audit {
            peers.push(format!(
                "{} ({})",
                version(audit.as_os_str(), &["--version"]),
                audit.display()
            ));
        }
        if let Some(deny) = &check.deny {
            peers.push(format!(
                "{} ({})",
                version(deny.program.as_os_str(), &["--version"]),
                deny.program.display()
            ));
        }
        let peers = if peers.is_empty() {
            "none found (set CARGO_AUDIT_BIN / CARGO_DENY_BIN)".to_owned()
        } else {
            peers.join(", ")
        };
        let _ = writeln!(text, "peers:        {peers}");
    }
    let _ = write!(
        text,
        "machine:      {cpus} CPUs; load average {before} before, {after} after\n\
         peak RSS:     the largest ru_maxrss over the runs (for a tool that runs cargo metadata \
         itself, the larger of the two; cargo audit reads Cargo.lock alone)"
    );
    text
}

impl Report {
    fn render(&self) -> String {
        let walls = |runs: &[Measured]| -> Vec<Duration> { runs.iter().map(|m| m.wall).collect() };
        let rss = |runs: &[Measured]| runs.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);
        let components = self
            .components
            .map_or_else(|| "?".to_owned(), |c| c.to_string());
        let mut text = format!(
            "\n{}: {} packages in cargo metadata, {components} components in the SBOM\n",
            self.which.name(),
            self.packages
        );
        for (tool, outcome) in &self.outcomes {
            let _ = writeln!(text, "  {}: {outcome}", tool.label());
        }
        let _ = writeln!(
            text,
            "  {:<20} {:>10} {:>10} {:>11}",
            "command", "median", "min", "peak RSS"
        );
        for (tool, runs) in &self.timings {
            let walls = walls(runs);
            let _ = writeln!(
                text,
                "  {:<20} {:>10} {:>10} {:>8.1} MiB",
                tool.label(),
                millis(median(&walls)),
                millis(min(&walls)),
                rss(runs) as f64 / 1024.0
            );
        }
        let Some((_, floor)) = self.timings.first() else {
            return text;
        };
        let floor = walls(floor);
        let mut lines = Vec::new();
        for (tool, runs) in self.timings.iter().skip(1) {
            let walls = walls(runs);
            let ratio = median(&walls).as_secs_f64() / median(&floor).as_secs_f64();
            let min_ratio = min(&walls).as_secs_f64() / min(&floor).as_secs_f64();
            let overhead = median(&walls).as_secs_f64() - median(&floor).as_secs_f64();
            let verdict = |met: bool| if met { "met" } else { "MISSED" };
            let goal = match tool {
                Tool::Sbom => format!(
                    "goal ratio <= {:.2}: {}",
                    self.which.goal(),
                    verdict(ratio <= self.which.goal())
                ),
                Tool::Check => format!(
                    "goal overhead <= {:.0} ms: {}",
                    CHECK_GOAL_OVERHEAD.as_secs_f64() * 1000.0,
                    verdict(overhead <= CHECK_GOAL_OVERHEAD.as_secs_f64())
                ),
                Tool::SbomNoHashes => "without the SHA-512 hashing, no goal".to_owned(),
                _ => "peer, no goal".to_owned(),
            };
            lines.push(format!(
                "  {:<20} {ratio:>10.3} {min_ratio:>10.3}   (median overhead {:+.1} ms; {goal})",
                format!("{}/metadata", tool.short()),
                overhead * 1000.0
            ));
        }
        text.push_str(&lines.join("\n"));
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
    fn policy_tools_may_exit_with_findings() {
        use std::os::unix::process::ExitStatusExt;
        let exit = |code: i32| ExitStatus::from_raw(code << 8);
        assert!(Tool::Check.accepts(exit(0), b"", b""));
        assert!(Tool::Check.accepts(exit(1), b"", b""));
        assert!(!Tool::Check.accepts(exit(2), b"", b"error: bad attest.toml"));
        assert!(!Tool::Metadata.accepts(exit(1), b"", b""));
        let scanned = b"    Scanning Cargo.lock for vulnerabilities (209 crate dependencies)\n";
        assert!(Tool::Audit.accepts(exit(1), b"", scanned));
        assert!(!Tool::Audit.accepts(exit(1), b"", b"error: error loading advisory database"));
        let summary = b"...\nadvisories FAILED, bans ok, licenses FAILED, sources ok\n";
        assert!(Tool::Deny.accepts(exit(5), summary, b""));
        assert!(!Tool::Deny.accepts(exit(1), b"", b"[ERROR] failed to get HEAD timestamp"));
        assert_eq!(
            deny_summary(summary).as_deref(),
            Some("advisories FAILED, bans ok, licenses FAILED, sources ok")
        );
    }

    #[test]
    fn deny_toml_quotes_the_database_path() {
        let text = deny_toml(Path::new("/a \"b\"\\c"));
        assert!(text.contains("db-path = \"/a \\\"b\\\"\\\\c\"\n"));
        assert!(text.contains("db-urls = [\"https://github.com/rustsec/advisory-db\"]\n"));
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
