//! Shared helpers of the integration tests: the `cargo-sbom` binary, the fixture workspace, and
//! readers for CycloneDX, SPDX and `cargo tree` output.
//!
//! # The binary
//!
//! The tests live in their own package, so cargo does not set `CARGO_BIN_EXE_cargo-sbom` for
//! them, and a dev-dependency on `cargo-sbom` builds only its library. [`cargo_sbom_bin`]
//! therefore runs `$CARGO build -p cargo-sbom --bin cargo-sbom --message-format json` once per
//! test process (a [`OnceLock`]), in the profile of the running test executable, and takes the
//! executable's path from cargo's `compiler-artifact` message, so `CARGO_TARGET_DIR` and
//! `--release` are honoured. `CARGO_SBOM_BIN=/path/to/cargo-sbom` skips the build.
//!
//! # The fixture
//!
//! `tests/fixtures/` holds a workspace (`workspace/`, members `app`, `lib-a`, `lib-b`, `macros`,
//! `nobuild`) with a committed `Cargo.lock`, two path crates beside it (`outside-crate/`,
//! `vendored-itoa/`) and the sources of a git dependency (`gitdep/`); `fixtures/README.md`
//! lists what each one covers. [`fixture`] copies them once per test process into a
//! directory of the build directory, makes `gitdep/` a git repository with a deterministic
//! commit, writes `gitdep = { git = "file:///…" }` into `app/Cargo.toml`, and lets cargo add
//! the git package to the lockfile and fetch every crate ([`fetch_crates`]: offline when the
//! registry crates are cached, else with network access). Everything after that runs with
//! `--offline`; every other fixture a test loads offline goes through [`fetch_crates`] first,
//! so the tests pass on a machine whose cargo cache is empty.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// `SOURCE_DATE_EPOCH` given to every `cargo-sbom` run.
pub const SOURCE_DATE_EPOCH: &str = "1700000000";

/// The Windows target used by the tests.
pub const WINDOWS: &str = "x86_64-pc-windows-msvc";
/// The Linux target used by the tests.
pub const LINUX: &str = "x86_64-unknown-linux-gnu";

/// The flag combinations whose SBOMs the tests compare with cargo and check.
pub const FLAG_COMBINATIONS: &[&[&str]] = &[
    &[],
    &["--target", WINDOWS],
    &["--target", LINUX],
    &["--features", "extra"],
    &["--features", "app/extra", "--target", WINDOWS],
    &["--no-default-features"],
    &["--no-default-features", "--features", "memchr/std"],
    &["--all-features"],
    &["-p", "lib-b"],
    &["-p", "nobuild"],
    &["-p", "app", "-p", "lib-b"],
    &["--workspace"],
    &["--workspace", "--exclude", "nobuild"],
    &["-p", "app@0.3.0", "--no-default-features"],
    &["--include-dev"],
    &[
        "--workspace",
        "--include-dev",
        "--all-features",
        "--target",
        WINDOWS,
    ],
];

/// The cargo program: `$CARGO` (set by `cargo test`), else `cargo`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The root of the main workspace (the parent of this package).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package is inside the workspace")
}

/// `tests/fixtures`, as committed.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The `cargo-sbom` executable, built once per process (see the crate documentation).
pub fn cargo_sbom_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("CARGO_SBOM_BIN") {
            return PathBuf::from(bin);
        }
        build_workspace_bin("cargo-sbom", "cargo-sbom")
    })
}

/// A fixture copy: the workspace and its neighbours in one directory.
#[derive(Debug)]
pub struct Fixture {
    /// The directory holding `workspace/`, `outside-crate/`, `vendored-itoa/` and `gitdep/`.
    pub base: PathBuf,
    /// The fixture workspace root.
    pub workspace: PathBuf,
    /// The commit of the `gitdep` repository.
    pub git_commit: String,
    /// The host triple of rustc.
    pub host: String,
}

/// The fixture copy of this test process, made on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::create(&scratch_dir().join("fixture")))
}

/// A directory for this test executable's files: `<target>/<profile>/sbom-it/<test-name>`,
/// emptied on first use. It lives in the build directory, so no temporary directory leaks, and
/// its path is stable, so cargo's git cache holds one entry per test executable.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("current_exe");
        let stem = exe
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `graph-0123456789abcdef` → `graph`.
        let name = match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
            _ => stem,
        };
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .map(|profile| profile.join("sbom-it").join(name))
            .unwrap_or_else(|| std::env::temp_dir().join("cargo-sbom-it"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("empty the scratch directory");
        }
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

impl Fixture {
    fn create(base: &Path) -> Self {
        std::fs::create_dir_all(base).expect("create fixture dir");
        for dir in ["workspace", "outside-crate", "vendored-itoa", "gitdep"] {
            copy_dir(&fixtures_dir().join(dir), &base.join(dir));
        }
        let git = git_dependency_repo(&base.join("gitdep"));
        let workspace = base.join("workspace");
        git.declare_in(&workspace.join("app/Cargo.toml"), GitPin::DefaultBranch);
        // Add the git package to the copied lockfile; the registry packages stay as committed.
        fetch_crates(&workspace);
        let host = host_triple();
        Fixture {
            base: base.to_owned(),
            workspace,
            git_commit: git.commit,
            host,
        }
    }

    /// Runs `cargo-sbom ARGS --offline` in the workspace with `SOURCE_DATE_EPOCH` set.
    pub fn run(&self, args: &[&str]) -> Output {
        run_sbom(&self.workspace, args)
    }

    /// Runs `cargo-sbom` and parses the document it prints, failing the test on any error.
    pub fn sbom(&self, args: &[&str]) -> Value {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "cargo-sbom {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("cargo-sbom printed JSON")
    }

    /// The CycloneDX document for `args` (default spec version).
    pub fn cdx(&self, args: &[&str]) -> Cdx {
        Cdx(self.sbom(args))
    }

    /// The SPDX document for `args`.
    pub fn spdx(&self, args: &[&str]) -> Spdx {
        let mut all = vec!["--format", "spdx-json"];
        all.extend_from_slice(args);
        Spdx(self.sbom(&all))
    }

    /// The packages `cargo tree` lists in the fixture for the cargo-sbom `flags`
    /// ([`cargo_tree_at`]).
    pub fn cargo_tree(&self, flags: &[&str]) -> BTreeSet<Pkg> {
        cargo_tree_at(&self.workspace, &self.host, flags)
    }

    /// The absolute paths that must never appear in an SBOM of this fixture.
    pub fn host_paths(&self) -> Vec<String> {
        let mut paths = vec![
            self.base.display().to_string(),
            self.workspace.display().to_string(),
            fixtures_dir().display().to_string(),
            repo_root().display().to_string(),
        ];
        if let Some(home) = std::env::var_os("HOME").filter(|h| h.len() > 1) {
            paths.push(PathBuf::from(home).display().to_string());
        }
        paths
    }
}

/// Runs `cargo-sbom ARGS --offline` in `dir` with `SOURCE_DATE_EPOCH` set.
pub fn run_sbom(dir: &Path, args: &[&str]) -> Output {
    Command::new(cargo_sbom_bin())
        .current_dir(dir)
        .args(args)
        .arg("--offline")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo-sbom")
}

/// Runs `cargo-sbom ARGS` in `dir` exactly as given (no `--offline`).
pub fn run_sbom_raw(dir: &Path, args: &[&str]) -> Output {
    Command::new(cargo_sbom_bin())
        .current_dir(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo-sbom")
}

fn host_triple() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV prints the host")
        .trim()
        .to_owned()
}

/// Copies a directory tree, leaving out `target/` directories.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &dest);
            }
        } else {
            std::fs::copy(&path, &dest).expect("copy file");
        }
    }
}

/// Writes `text` to `root/relative`, creating the directories on the way.
pub fn write_file(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(path, text).expect("write file");
}

/// Writes a path-only workspace at `root`, without a lockfile: the binary `app` depending on
/// the library `util`, both MIT.
pub fn write_app_util_workspace(root: &Path) {
    write_file(
        root,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"app\", \"util\"]\n",
    );
    write_file(
        root,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\n[dependencies]\nutil = { path = \"../util\" }\n",
    );
    write_file(
        root,
        "app/src/main.rs",
        "fn main() {\n    util::hello();\n}\n",
    );
    write_file(
        root,
        "util/Cargo.toml",
        "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n",
    );
    write_file(root, "util/src/lib.rs", "/// Hello.\npub fn hello() {}\n");
}

/// Runs git in `dir` without user or system configuration, with a fixed identity and fixed
/// dates (so commit ids depend only on content and history), and returns its standard output,
/// trimmed. Fails the test when git fails.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "core.autocrlf=false",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fixture Author")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.org")
        .env("GIT_AUTHOR_DATE", "2023-11-14T22:13:20Z")
        .env("GIT_COMMITTER_NAME", "Fixture Author")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.org")
        .env("GIT_COMMITTER_DATE", "2023-11-14T22:13:20Z")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Makes `dir` a git repository with one commit whose id does not depend on the time, the user
/// or the directory ([`git_in`]).
pub fn make_git_repo(dir: &Path) -> String {
    git_in(dir, &["init", "-q"]);
    git_in(dir, &["add", "-A"]);
    git_in(dir, &["commit", "-q", "-m", "gitdep fixture"]);
    git_in(dir, &["rev-parse", "HEAD"])
}

/// A fixture directory made a git repository, for a `git = "file://…"` dependency.
#[derive(Clone, Debug)]
pub struct GitDependency {
    /// The `file://` URL of the repository.
    pub url: String,
    /// Its one commit.
    pub commit: String,
}

impl GitDependency {
    /// Replaces the `# @GITDEP@` line of `manifest` with the `gitdep` dependency on this
    /// repository, pinned as `pin` says.
    pub fn declare_in(&self, manifest: &Path, pin: GitPin) {
        let Self { url, commit } = self;
        let line = match pin {
            GitPin::DefaultBranch => format!("gitdep = {{ git = \"{url}\" }}"),
            GitPin::Rev => format!("gitdep = {{ git = \"{url}\", rev = \"{commit}\" }}"),
        };
        let text = std::fs::read_to_string(manifest).expect("read the manifest");
        assert!(
            text.contains("# @GITDEP@"),
            "{} lost its # @GITDEP@ marker",
            manifest.display()
        );
        std::fs::write(manifest, text.replace("# @GITDEP@", &line)).expect("write the manifest");
    }
}

/// Makes `dir` a git repository ([`make_git_repo`]) and moves it to `DIR-COMMIT`. Cargo keys
/// its git cache by URL and, with `--offline`, resolves a branch from that cache: under a URL
/// that stayed the same while the fixture's files changed, a kept `CARGO_HOME` would give the
/// commit of an earlier run. A URL naming the commit cannot be stale.
pub fn git_dependency_repo(dir: &Path) -> GitDependency {
    let commit = make_git_repo(dir);
    let name = dir
        .file_name()
        .expect("a named fixture directory")
        .to_string_lossy();
    let moved = dir.with_file_name(format!("{name}-{}", &commit[..12]));
    if moved.exists() {
        std::fs::remove_dir_all(&moved).expect("remove an earlier copy of the repository");
    }
    std::fs::rename(dir, &moved).expect("move the git repository");
    GitDependency {
        url: format!("file://{}", moved.display()),
        commit,
    }
}

/// Where a package comes from, as far as the tests compare packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A registry (crates.io).
    Registry,
    /// A local path (workspace member or path dependency).
    Path,
    /// A git repository.
    Git,
}

/// A package as `NAME@VERSION` plus its origin, so that a path crate and the crates.io crate of
/// the same name and version stay two packages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pkg {
    /// The package name.
    pub name: String,
    /// The version.
    pub version: String,
    /// Where it comes from.
    pub origin: Origin,
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{} ({:?})", self.name, self.version, self.origin)
    }
}

impl Pkg {
    /// Parses a `cargo tree --prefix none --format {p}` line: `name v1.2.3`, optionally followed
    /// by ` (proc-macro)`, ` (/path)`, ` (file:///repo#commit)` and ` (*)`.
    pub fn from_cargo_tree(line: &str) -> Option<Self> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('[') {
            return None;
        }
        let mut words = line.split_whitespace();
        let name = words.next()?.to_owned();
        let version = words.next()?.strip_prefix('v')?.to_owned();
        let rest: Vec<&str> = words.collect();
        let origin = rest
            .iter()
            .filter_map(|w| w.strip_prefix('(')?.strip_suffix(')'))
            .find_map(|inner| {
                if inner.contains('#') || inner.starts_with("git+") {
                    Some(Origin::Git)
                } else if inner.starts_with('/') || inner.contains(":\\") || inner.contains(":/") {
                    Some(Origin::Path)
                } else {
                    None
                }
            })
            .unwrap_or(Origin::Registry);
        Some(Self {
            name,
            version,
            origin,
        })
    }

    /// The package of a CycloneDX component or SPDX package, from its purl.
    pub fn from_purl(name: &str, version: &str, purl: &str) -> Self {
        let origin = if purl.contains("vcs_url=") {
            Origin::Git
        } else if purl.contains("download_url=file") {
            Origin::Path
        } else {
            Origin::Registry
        };
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            origin,
        }
    }

    /// A registry package.
    pub fn registry(name: &str, version: &str) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            origin: Origin::Registry,
        }
    }
}

/// Formats a set of packages one per line, for assertion messages.
pub fn show(set: &BTreeSet<Pkg>) -> String {
    set.iter().map(|p| format!("  {p}\n")).collect()
}

/// A CycloneDX document.
#[derive(Clone, Debug)]
pub struct Cdx(pub Value);

impl Cdx {
    /// The described root component (`metadata.component`).
    pub fn root(&self) -> &Value {
        &self.0["metadata"]["component"]
    }

    /// Whether the root is the synthetic component of a multi-member selection (a
    /// `pkg:generic` workspace purl, not a cargo package).
    pub fn root_is_synthetic(&self) -> bool {
        !self.root()["purl"]
            .as_str()
            .is_some_and(|p| p.starts_with("pkg:cargo/"))
    }

    /// `components`.
    pub fn components(&self) -> &[Value] {
        self.0["components"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every package component: the root (unless synthetic) and `components`.
    pub fn all_components(&self) -> Vec<&Value> {
        let mut all: Vec<&Value> = Vec::new();
        if !self.root_is_synthetic() {
            all.push(self.root());
        }
        all.extend(self.components());
        all
    }

    /// The packages of [`Cdx::all_components`].
    pub fn packages(&self) -> BTreeSet<Pkg> {
        self.all_components().into_iter().map(cdx_pkg).collect()
    }

    /// The component with this name and version (panics if there is none or several).
    pub fn find(&self, name: &str, version: &str) -> &Value {
        let found: Vec<&Value> = self
            .all_components()
            .into_iter()
            .filter(|c| c["name"] == name && c["version"] == version)
            .collect();
        assert_eq!(found.len(), 1, "{name}@{version} in {:?}", self.packages());
        found[0]
    }

    /// Components by name (all versions).
    pub fn named(&self, name: &str) -> Vec<&Value> {
        self.all_components()
            .into_iter()
            .filter(|c| c["name"] == name)
            .collect()
    }

    /// The `dependencies` as a map from ref to its `dependsOn` set.
    pub fn dependencies(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.0["dependencies"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|d| {
                let to = d["dependsOn"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                (d["ref"].as_str().unwrap_or_default().to_owned(), to)
            })
            .collect()
    }
}

/// The package of a CycloneDX component.
pub fn cdx_pkg(c: &Value) -> Pkg {
    Pkg::from_purl(
        c["name"].as_str().unwrap_or_default(),
        c["version"].as_str().unwrap_or_default(),
        c["purl"].as_str().unwrap_or_default(),
    )
}

/// The value of a component's property, if present.
pub fn property<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

/// An SPDX document.
#[derive(Clone, Debug)]
pub struct Spdx(pub Value);

impl Spdx {
    /// `packages`.
    pub fn packages(&self) -> &[Value] {
        self.0["packages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The purl of a package, from its external references.
    pub fn purl(package: &Value) -> Option<&str> {
        package["externalRefs"]
            .as_array()?
            .iter()
            .find(|r| r["referenceType"] == "purl")
            .and_then(|r| r["referenceLocator"].as_str())
    }

    /// The packages that stand for cargo packages (those with a purl), as [`Pkg`]s.
    pub fn pkgs(&self) -> BTreeSet<Pkg> {
        self.packages()
            .iter()
            .filter_map(|p| {
                let purl = Self::purl(p).filter(|p| p.starts_with("pkg:cargo/"))?;
                Some(Pkg::from_purl(
                    p["name"].as_str()?,
                    p["versionInfo"].as_str()?,
                    purl,
                ))
            })
            .collect()
    }

    /// The SPDXID of the package with this name and version (panics unless exactly one).
    pub fn id_of(&self, name: &str, version: &str) -> String {
        let found: Vec<&Value> = self
            .packages()
            .iter()
            .filter(|p| p["name"] == name && p["versionInfo"] == version)
            .collect();
        assert_eq!(found.len(), 1, "one SPDX package {name}@{version}");
        found[0]["SPDXID"].as_str().unwrap_or_default().to_owned()
    }

    /// `relationships` as `(from, type, to)` triples.
    pub fn relationships(&self) -> Vec<(String, String, String)> {
        self.0["relationships"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                (
                    s("spdxElementId"),
                    s("relationshipType"),
                    s("relatedSpdxElement"),
                )
            })
            .collect()
    }
}

// ---- cargo-attest ------------------------------------------------------------------------------

/// The `cargo-attest` executable, built once per process like [`cargo_sbom_bin`] (same profile,
/// path from cargo's `compiler-artifact` message). `CARGO_ATTEST_BIN=/path/to/cargo-attest` skips
/// the build.
pub fn cargo_attest_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("CARGO_ATTEST_BIN") {
            return PathBuf::from(bin);
        }
        build_workspace_bin("cargo-attest", "cargo-attest")
    })
}

/// Builds the binary `bin` of the workspace package `package` with
/// `$CARGO build -p PACKAGE --bin BIN --message-format json`, in the profile of the running test
/// executable, and returns the executable's path as cargo reports it.
pub fn build_workspace_bin(package: &str, bin: &str) -> PathBuf {
    let mut command = cargo();
    command
        .current_dir(repo_root())
        .args([
            "build",
            "-p",
            package,
            "--bin",
            bin,
            "--message-format",
            "json",
        ])
        .arg("--manifest-path")
        .arg(repo_root().join("Cargo.toml"));
    // Same profile as this test executable: `<target>/<profile-dir>/deps/<test>`.
    let profile_dir = std::env::current_exe().ok().and_then(|exe| {
        Some(
            exe.parent()?
                .parent()?
                .file_name()?
                .to_string_lossy()
                .into_owned(),
        )
    });
    match profile_dir.as_deref() {
        Some("release") => {
            command.arg("--release");
        }
        Some("debug") | None => {}
        Some(other) => {
            command.args(["--profile", other]);
        }
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "`cargo build -p {package} --bin {bin}` failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo build reported no {bin} executable"))
}

/// A `cargo-attest` command run in `dir` with a clean key environment: `CARGO_ATTEST_KEY` and
/// `CARGO_ATTEST_PASSWORD` are removed (set them on the command when a test needs them) and
/// standard input is empty.
pub fn attest_command(dir: &Path) -> Command {
    let mut command = Command::new(cargo_attest_bin());
    command
        .current_dir(dir)
        .env_remove("CARGO_ATTEST_KEY")
        .env_remove("CARGO_ATTEST_PASSWORD")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdin(Stdio::null());
    command
}

/// The third-party verification harness directory from `CARGO_SBOM_VERIFY_DIR`, when set and not
/// empty; otherwise prints a note that `what` is skipped and returns `None`.
pub fn verify_dir(what: &str) -> Option<PathBuf> {
    match std::env::var_os("CARGO_SBOM_VERIFY_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!("note: CARGO_SBOM_VERIFY_DIR is not set; skipping {what}");
            None
        }
    }
}

/// How the `policy-deny` fixture declares its git dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitPin {
    /// `gitdep = { git = "file:///…" }`: the default branch, not pinned.
    DefaultBranch,
    /// `gitdep = { git = "file:///…", rev = "<commit>" }`: pinned to the commit.
    Rev,
}

/// A copy of `fixtures/policy-deny` (the workspace, `outside/` and `gitdep/`) in `dir`, with
/// `gitdep/` made a git repository, the `# @GITDEP@` line of `app/Cargo.toml` replaced as `pin`
/// says, and the git package added to the copied lockfile with `cargo fetch` (offline first).
/// Returns the workspace root and the git repository ([`git_dependency_repo`]).
pub fn policy_deny_fixture(dir: &Path, pin: GitPin) -> (PathBuf, GitDependency) {
    let source = fixtures_dir().join("policy-deny");
    for sub in ["workspace", "outside", "gitdep"] {
        copy_dir(&source.join(sub), &dir.join(sub));
    }
    let git = git_dependency_repo(&dir.join("gitdep"));
    let workspace = dir.join("workspace");
    git.declare_in(&workspace.join("app/Cargo.toml"), pin);
    fetch_crates(&workspace);
    (workspace, git)
}

/// Makes sure every crate the lockfile of the workspace at `dir` names is in cargo's cache, for
/// every target (what `cargo metadata` needs), so that everything after it can run with
/// `--offline` on a machine whose cache is empty: `cargo fetch --offline` first, and when the
/// cache lacks something, `cargo fetch` with the network. Adds git and path packages the
/// lockfile lacks as well. Once per directory and test process.
pub fn fetch_crates(dir: &Path) {
    fetch(dir, false);
}

/// [`fetch_crates`] with `--locked`: fails when the workspace's committed `Cargo.lock` is out
/// of date, instead of bringing it up to date (for fixtures later built with `--locked`).
pub fn fetch_locked_crates(dir: &Path) {
    fetch(dir, true);
}

fn fetch(dir: &Path, locked: bool) {
    static FETCHED: std::sync::Mutex<BTreeSet<PathBuf>> = std::sync::Mutex::new(BTreeSet::new());
    let mut fetched = FETCHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if fetched.contains(dir) {
        return;
    }
    let fetch = |offline: bool| {
        let mut command = cargo();
        command.current_dir(dir).arg("fetch");
        if offline {
            command.arg("--offline");
        }
        if locked {
            command.arg("--locked");
        }
        command.output().expect("run cargo fetch")
    };
    if !fetch(true).status.success() {
        let online = fetch(false);
        assert!(
            online.status.success(),
            "cargo fetch in {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&online.stderr)
        );
    }
    fetched.insert(dir.to_owned());
}

/// The JSON document in the file at `path`; fails the test naming the file.
pub fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The in-toto statement inside a Sigstore bundle (its DSSE payload, decoded).
pub fn bundle_statement(bundle: &Value) -> Value {
    let payload = bundle["dsseEnvelope"]["payload"]
        .as_str()
        .expect("a DSSE payload");
    serde_json::from_slice(&base64_decode(payload)).expect("the payload is JSON")
}

/// Standard base64 (with padding) decoding, as DSSE payloads are written. Panics on other input.
pub fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET
            .iter()
            .position(|c| *c == byte)
            .unwrap_or_else(|| panic!("not base64: {byte}"));
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// The host triple of rustc (`rustc -vV`).
pub fn rustc_host() -> String {
    host_triple()
}

/// The packages `cargo tree --offline -e normal,build` lists in the workspace at `dir` for the
/// cargo-sbom flags `flags` (`--target`, `-p`, `--workspace`, `--features`, `--all-features`,
/// `--no-default-features`, and `--include-dev`, which adds the dev edges); the target is always
/// passed, `host` when `flags` name none.
pub fn cargo_tree_at(dir: &Path, host: &str, flags: &[&str]) -> BTreeSet<Pkg> {
    let mut edges = "normal,build".to_owned();
    let mut args: Vec<String> = vec!["tree".into(), "--offline".into()];
    let mut target = host.to_owned();
    let mut iter = flags.iter();
    while let Some(flag) = iter.next() {
        match *flag {
            "--include-dev" => edges.push_str(",dev"),
            "--target" => target = iter.next().expect("--target value").to_string(),
            other => args.push(other.to_owned()),
        }
    }
    args.extend(["--target".into(), target, "-e".into(), edges]);
    args.extend([
        "--prefix".into(),
        "none".into(),
        "--format".into(),
        "{p}".into(),
    ]);
    let output = cargo()
        .current_dir(dir)
        .args(&args)
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(Pkg::from_cargo_tree)
        .collect()
}

/// A copy of `fixtures/hooks-app` in `dir`, its `build-hooks` path dependency rewritten to the
/// absolute path of this repository's `build-hooks/`, its crates fetched (`--locked`). Returns the
/// copy's root.
pub fn hooks_fixture(dir: &Path) -> PathBuf {
    let root = dir.join("hooks-app");
    copy_dir(&fixtures_dir().join("hooks-app"), &root);
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read hooks-app/Cargo.toml");
    let relative = "path = \"../../../build-hooks\"";
    assert!(
        text.contains(relative),
        "hooks-app/Cargo.toml lost its build-hooks path"
    );
    let absolute = repo_root().join("build-hooks");
    let text = text.replace(
        relative,
        &format!("path = {:?}", absolute.display().to_string()),
    );
    std::fs::write(&manifest, text).expect("write hooks-app/Cargo.toml");
    // The hook's `cargo metadata --offline` needs the crates of every target in the cache.
    fetch_locked_crates(&root);
    root
}

/// The build directory of the `hooks-app` fixture builds, shared by every test (and kept between
/// runs, beside the scratch directories: the fixture's build-dependency on `build-hooks`
/// compiles this whole workspace's dependency tree once).
pub fn hooks_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("sbom-it-hooks-target"))
        .unwrap_or_else(|| std::env::temp_dir().join("sbom-it-hooks-target"))
}

/// Every file under `dir` but `target/` directories, by `/`-separated relative path, with its
/// bytes: compare two snapshots to show that a build wrote nothing into a source tree.
pub fn tree_snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            if entry.file_type().expect("file type").is_dir() {
                if entry.file_name() != "target" {
                    walk(root, &path, into);
                }
            } else {
                let relative = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                into.insert(relative, std::fs::read(&path).expect("read file"));
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// Runs the third-party checker `checker` (e.g. `check-bundle`) of the harness at `verify` with
/// `args`, and asserts it passed: exit 0 and a `PASS` line.
#[track_caller]
pub fn assert_checker_passes(verify: &Path, checker: &str, args: &[&Path]) {
    let (passed, stdout, stderr) = run_checker(verify, checker, args);
    assert!(passed, "{checker} {args:?}:\n{stdout}{stderr}");
}

/// Runs `check-sarif` on `sarif` (named `*.sarif`, the only files the SARIF Multitool checks)
/// and asserts it passed with no finding: no error and no GitHub-rule warning.
#[track_caller]
pub fn assert_sarif_is_clean(verify: &Path, sarif: &Path) {
    assert!(
        sarif.extension().is_some_and(|e| e == "sarif"),
        "{}: the SARIF Multitool checks `.sarif` files only",
        sarif.display()
    );
    let (passed, stdout, stderr) = run_checker(verify, "check-sarif", &[sarif]);
    assert!(
        passed && stdout.contains("(no findings)"),
        "check-sarif {}: not free of errors and warnings:\n{stdout}{stderr}",
        sarif.display()
    );
}

/// Whether a checker exited 0 with a `PASS` line, and its standard output and error.
fn run_checker(verify: &Path, checker: &str, args: &[&Path]) -> (bool, String, String) {
    let output = Command::new(verify.join(checker))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {checker}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (
        output.status.success() && stdout.contains("PASS"),
        stdout,
        stderr,
    )
}
