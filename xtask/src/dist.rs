//! `cargo xtask dist`: releases this project with its own tools.
//!
//! 1. Builds `cargo-attest` and `cargo-sbom` (`cargo build -p cargo-attest -p cargo-sbom`).
//! 2. Uses `--key FILE` (its public key `--public-key`, default: the key path with extension
//!    `.pub`), or generates an ephemeral Ed25519 key pair with `cargo attest keygen` into a
//!    temporary directory that is removed afterwards.
//! 3. For each released package (`cargo-sbom`, `cargo-attest`; or those given with `-p`), runs
//!    `cargo attest release --key KEY --out-dir DIR -p PACKAGE` (policy in release context,
//!    release build, archives, SBOMs, SSDF report, `SHA256SUMS`, signed provenance), then
//!    `cargo attest verify-release DIR/NAME-VERSION --key PUB`.
//! 4. Prints where each release is (and the public key, when it was kept).
//!
//! The release needs a clean work tree (a CI clone is); `--allow-dirty` releases a work tree
//! with uncommitted changes (recorded as dirty in the provenance).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;

/// The packages released by default.
const PACKAGES: [&str; 2] = ["cargo-sbom", "cargo-attest"];

/// `cargo xtask dist` options.
#[derive(Args, Debug)]
pub struct DistArgs {
    /// The signing key (PKCS#8 PEM) [default: an ephemeral key generated for this run].
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The public key of --key [default: the key path with extension .pub].
    #[arg(long, value_name = "FILE", requires = "key")]
    public_key: Option<PathBuf>,
    /// Where release directories go [default: target/dist].
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Release these packages (repeatable) [default: cargo-sbom and cargo-attest].
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Release although tracked files have uncommitted changes (recorded as dirty).
    #[arg(long)]
    allow_dirty: bool,
    /// Replace existing release directories.
    #[arg(long)]
    force: bool,
    /// A local RustSec advisory database [default: CARGO_ATTEST_ADVISORY_DB when set].
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
}

/// Runs the release of this project.
pub fn run(args: &DistArgs) -> Result<()> {
    let root = crate::workspace_root();
    let metadata = Metadata::read(&root)?;
    let packages: Vec<String> = if args.packages.is_empty() {
        PACKAGES.iter().map(|p| (*p).to_owned()).collect()
    } else {
        args.packages.clone()
    };
    let out_dir = match &args.out_dir {
        Some(dir) => absolute(dir)?,
        None => metadata.target_dir.join("dist"),
    };

    eprintln!("==> building cargo-attest and cargo-sbom");
    let status = Command::new(crate::cargo())
        .current_dir(&root)
        .args(["build", "--quiet", "-p", "cargo-attest", "-p", "cargo-sbom"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build -p cargo-attest -p cargo-sbom failed");
    }
    let attest = metadata
        .target_dir
        .join("debug")
        .join(format!("cargo-attest{}", std::env::consts::EXE_SUFFIX));

    let ephemeral = match &args.key {
        Some(_) => None,
        None => Some(EphemeralKey::generate(&attest)?),
    };
    let (key, public) = match (&args.key, &ephemeral) {
        (Some(key), _) => {
            let public = args
                .public_key
                .clone()
                .unwrap_or_else(|| key.with_extension("pub"));
            if !public.is_file() {
                bail!(
                    "{}: no public key for --key {} (give it with --public-key)",
                    public.display(),
                    key.display()
                );
            }
            (absolute(key)?, absolute(&public)?)
        }
        (None, Some(ephemeral)) => (ephemeral.key(), ephemeral.public()),
        (None, None) => bail!("no signing key"),
    };
    let advisory_db = args
        .advisory_db
        .clone()
        .or_else(|| std::env::var_os("CARGO_ATTEST_ADVISORY_DB").map(PathBuf::from))
        .map(|path| absolute(&path))
        .transpose()?;

    let mut released = Vec::new();
    for package in &packages {
        let version = metadata.version_of(package)?;
        eprintln!("==> cargo attest release -p {package}");
        let mut command = attest_command(&attest, &root);
        command
            .args(["attest", "release", "--key"])
            .arg(&key)
            .arg("--out-dir")
            .arg(&out_dir)
            .args(["-p", package]);
        if args.allow_dirty {
            command.arg("--allow-dirty");
        }
        if args.force {
            command.arg("--force");
        }
        if let Some(db) = &advisory_db {
            command.arg("--advisory-db").arg(db);
        }
        run_checked(&mut command, &format!("cargo attest release -p {package}"))?;

        let dir = out_dir.join(format!("{package}-{version}"));
        eprintln!("==> cargo attest verify-release {}", dir.display());
        let mut verify = attest_command(&attest, &root);
        verify
            .args(["attest", "verify-release"])
            .arg(&dir)
            .arg("--key")
            .arg(&public);
        run_checked(&mut verify, "cargo attest verify-release")?;
        released.push(dir);
    }

    println!();
    for dir in &released {
        println!("Released {}", dir.display());
    }
    match (&ephemeral, &args.key) {
        (Some(ephemeral), _) => {
            // Keep the public key beside the releases: the ephemeral private key is removed.
            let kept = out_dir.join("release.pub");
            std::fs::copy(ephemeral.public(), &kept)
                .with_context(|| format!("copying the public key to {}", kept.display()))?;
            println!(
                "Signed with an ephemeral key (discarded); public key: {}",
                kept.display()
            );
        }
        (None, Some(key)) => println!(
            "Signed with {}; public key: {}",
            key.display(),
            public.display()
        ),
        (None, None) => {}
    }
    Ok(())
}

/// A `cargo-attest` command in the workspace root with a clean key environment.
fn attest_command(attest: &Path, root: &Path) -> Command {
    let mut command = Command::new(attest);
    command
        .current_dir(root)
        .env_remove("CARGO_ATTEST_KEY")
        .env_remove("CARGO_ATTEST_PASSWORD");
    command
}

/// Runs `command`, failing with `what` when it does not succeed.
fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `path` made absolute against the current directory.
fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("{}: not a usable path", path.display()))
}

/// What `cargo metadata --no-deps` says about the workspace.
struct Metadata {
    target_dir: PathBuf,
    versions: Vec<(String, String)>,
}

impl Metadata {
    fn read(root: &Path) -> Result<Self> {
        let output = Command::new(crate::cargo())
            .current_dir(root)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let value: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("reading cargo metadata's JSON")?;
        let target_dir = value["target_directory"]
            .as_str()
            .map(PathBuf::from)
            .context("cargo metadata: no target_directory")?;
        let versions = value["packages"]
            .as_array()
            .map(|packages| {
                packages
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p["name"].as_str()?.to_owned(),
                            p["version"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            target_dir,
            versions,
        })
    }

    fn version_of(&self, package: &str) -> Result<&str> {
        self.versions
            .iter()
            .find(|(name, _)| name == package)
            .map(|(_, version)| version.as_str())
            .with_context(|| format!("{package} is not a package of this workspace"))
    }
}

/// A key pair generated by `cargo attest keygen` in a temporary directory, removed on drop.
struct EphemeralKey {
    dir: PathBuf,
}

impl EphemeralKey {
    fn generate(attest: &Path) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("removing the stale {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let key = Self { dir };
        let prefix: OsString = key.dir.join("release").into_os_string();
        eprintln!("==> cargo attest keygen (ephemeral ed25519 key)");
        let mut command = Command::new(attest);
        command
            .args(["attest", "keygen", "--algorithm", "ed25519", "-o"])
            .arg(&prefix)
            .env_remove("CARGO_ATTEST_PASSWORD");
        run_checked(&mut command, "cargo attest keygen")?;
        Ok(key)
    }

    fn key(&self) -> PathBuf {
        self.dir.join("release.key")
    }

    fn public(&self) -> PathBuf {
        self.dir.join("release.pub")
    }
}

impl Drop for EphemeralKey {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
