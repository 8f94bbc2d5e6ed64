//! `cargo attest release` and `cargo attest verify-release`: a release directory of one commit,
//! checksummed, signed and checkable (SSDF PS.2, PS.3).
//!
//! # `release`
//!
//! 1. The work tree must be clean (tracked files equal to `HEAD`, as [`crate::git`] counts it);
//!    otherwise the release is refused (exit 2) unless `--allow-dirty`, in which case the
//!    provenance records the source as dirty and the `source-control` findings about the changes
//!    (`dirty`) are lowered to warnings. The source archive always holds `HEAD`, never the
//!    uncommitted changes.
//! 2. `cargo build` runs as for `cargo attest build` ([`crate::build::build`]), in the `release`
//!    profile unless the cargo arguments choose one (`--release`, `-r`, `--profile`). Times
//!    (SBOM timestamps, provenance `startedOn`/`finishedOn`) are `SOURCE_DATE_EPOCH` when set,
//!    else the `HEAD` commit time, so two releases of one commit are identical.
//! 3. The policy ([`crate::policy::check`]) runs in release context (`strict`) on the built
//!    graph, with the built artifacts as the binaries of the `binary-hardening` rule. Its
//!    findings are printed as `cargo attest check` prints them; any `deny` finding stops the
//!    release (exit 1) and nothing is written.
//! 4. Everything is computed in memory, written into a temporary directory beside the release
//!    directory and renamed into place; an existing release directory is replaced only with
//!    `--force` (else exit 2).
//!
//! # The release directory `DIR/NAME-VERSION/`
//!
//! | file | content |
//! |---|---|
//! | `NAME-VERSION-TARGET.tar.gz` | the built binaries and linkable libraries, and the `README*`, `LICENSE*`/`LICENCE*` and `COPYING*` files of the package directory (for each of the three kinds, those of the workspace root when the package has none), under `NAME-VERSION-TARGET/` |
//! | `NAME-VERSION-src.tar.gz` | the tree of the `HEAD` commit (not the work tree) under `NAME-VERSION/`: blobs only (submodules are left out, with a warning), symlinks as symlinks, executables (`100755`) with mode `0755` |
//! | `NAME-VERSION.cdx.json`, `NAME-VERSION.spdx.json` | the SBOMs of the compiled graph, lifecycle `build` |
//! | `policy-report.json` | the policy findings, the same JSON as `cargo attest check --format json` |
//! | `ssdf-report.json`, `ssdf-report.md` | the SSDF report ([`crate::ssdf`]) of the policy findings and the release files |
//! | `SHA256SUMS` | `<sha256>  <name>` lines (as `sha256sum` writes them), sorted by name, of every file except `SHA256SUMS` itself and the bundle |
//! | `NAME-VERSION.provenance.sigstore.json` | the signed SLSA provenance (Sigstore bundle v0.3, DSSE) |
//!
//! **Subjects** of the provenance statement: every other file of the directory, i.e. the two
//! archives, the two SBOMs, `policy-report.json`, `ssdf-report.json`, `ssdf-report.md` and
//! `SHA256SUMS`, sorted by name. Its byproducts are the SBOMs, as for `cargo attest build`.
//! The directory's files are therefore exactly: the subjects, plus the bundle.
//!
//! The SSDF report lists `SHA256SUMS` and the provenance bundle as evidence **without digests**:
//! `SHA256SUMS` lists the report and the bundle signs it, so neither digest can be in it.
//!
//! Archives are deterministic ([`crate::archive`]): mtime = `SOURCE_DATE_EPOCH`, else the
//! `HEAD` commit time; no directory entries.
//!
//! # `verify-release DIR --key PUB`
//!
//! [`verify_release`] checks, reporting every problem with the file it concerns: the bundle
//! (exactly one `*.provenance.sigstore.json`, signature, in-toto Statement v1 with an SLSA
//! Provenance v1 predicate); every subject is a plain file name present in `DIR` with the signed
//! SHA-256; `SHA256SUMS` is a subject, well-formed, lists exactly the other subjects, with
//! their actual digests; `DIR` holds nothing else (no extra file, no directory, no symlink);
//! the SBOMs `NAME-VERSION.cdx.json` / `.spdx.json` exist and describe `NAME` `VERSION`
//! (CycloneDX `metadata.component`, SPDX `documentDescribes`), `NAME-VERSION` being the bundle's
//! name, which every archive name starts with (`NAME-VERSION-src.tar.gz` must exist); every
//! archive is safe to extract ([`crate::archive::check`], read without extracting) below its
//! directory (`NAME-VERSION/` for the source archive, the archive name without `.tar.gz` for
//! the others). A directory named other than `NAME-VERSION` is only noted: the file names are
//! what the signature binds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cargo_sbom::digest::Sha256Hex;
use cargo_sbom::{Subject, Timestamp};
use git2::{ObjectType, Repository, TreeWalkMode, TreeWalkResult};
use serde_json::Value;

use crate::archive::{self, Entry, EntryData};
use crate::build::{self, BuildRun, Built};
use crate::envelope::{self, ReadFailure};
use crate::error::io_reason;
use crate::error::{Error, Result};
use crate::keys::{Signer, VerifyingKey};
use crate::policy::report::{Reporter, Summary};
use crate::policy::{self, Config, PolicyContext, RuleId, Severity};
use crate::statement::{ResourceDescriptor, SLSA_PROVENANCE_V1, Statement};

/// The checksum file of a release.
pub const SHA256SUMS: &str = "SHA256SUMS";
/// The policy report of a release.
pub const POLICY_REPORT: &str = "policy-report.json";
/// The SSDF report of a release, JSON.
pub const SSDF_JSON: &str = "ssdf-report.json";
/// The SSDF report of a release, Markdown.
pub const SSDF_MARKDOWN: &str = "ssdf-report.md";
/// The suffix of the provenance bundle (`NAME-VERSION.provenance.sigstore.json`).
pub const BUNDLE_SUFFIX: &str = ".provenance.sigstore.json";

/// What `cargo attest release` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct ReleaseOptions {
    /// Arguments passed on to `cargo build` (`-p`, `--target` and the rest).
    pub cargo_args: Vec<String>,
    /// Where release directories go (default: `<target dir>/attest/release`).
    pub out_dir: Option<PathBuf>,
    /// Release a work tree with uncommitted changes to tracked files.
    pub allow_dirty: bool,
    /// Replace an existing release directory.
    pub force: bool,
    /// The policy file [default: `attest.toml` at the workspace root, else defaults].
    pub config: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    pub advisory_db: Option<PathBuf>,
    /// Colour in the printed findings.
    pub color: bool,
}

/// One file of the release, in memory.
struct ReleaseFile {
    name: String,
    bytes: Vec<u8>,
}

/// Runs `cargo attest release` (see the module documentation).
pub fn run(options: &ReleaseOptions, signer: &dyn Signer) -> Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok();
    let manifest_path = crate::cargo_build::CargoArgs::parse(
        &options.cargo_args,
        env("CARGO_BUILD_TARGET").as_deref(),
    )?
    .manifest_path;
    let root = policy::init::workspace_root(manifest_path.as_deref())?;

    // The source: a commit, and a clean tree unless allowed.
    let head = HeadCommit::open(&root)?;
    let source = crate::git::discover(&root, &env)
        .map_err(|reason| Error::Read {
            path: root.clone(),
            reason: format!("git: {reason}"),
        })?
        .ok_or_else(|| no_commit(&root))?;
    if source.dirty {
        if !options.allow_dirty {
            return Err(Error::Usage(format!(
                "the work tree of {} has uncommitted changes to tracked files; commit or stash \
                 them, or pass --allow-dirty to release anyway (the provenance then records the \
                 source as dirty, and the source archive holds HEAD {}, not the changes)",
                root.display(),
                short(&head.id)
            )));
        }
        eprintln!(
            "warning: releasing a work tree with uncommitted changes (--allow-dirty): the \
             provenance records the source as dirty; the source archive holds HEAD {}",
            short(&head.id)
        );
    }
    let epoch_env = env("SOURCE_DATE_EPOCH")
        .map(|text| Timestamp::from_source_date_epoch(&text))
        .transpose()?;
    let mtime = match &epoch_env {
        Some(_) => env("SOURCE_DATE_EPOCH")
            .and_then(|t| t.trim().parse::<u64>().ok())
            .unwrap_or(0),
        None => head.time,
    };
    let commit_epoch = Timestamp::from_source_date_epoch(&head.time.to_string())?;

    let mut cargo_args = options.cargo_args.clone();
    if !chooses_profile(&cargo_args) {
        let at = cargo_args
            .iter()
            .position(|a| a == "--")
            .unwrap_or(cargo_args.len());
        cargo_args.insert(at, "--release".to_owned());
    }
    let built = match build::build(&cargo_args, Some(commit_epoch))? {
        BuildRun::Built(built) => built,
        BuildRun::Failed(code) => return Ok(code),
    };
    let stem = built.stem();
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| built.target_dir.join("attest").join("release"));
    let final_dir = out_dir.join(&stem);
    if final_dir.exists() && !options.force {
        return Err(exists(&final_dir));
    }

    // The policy, in release context, on what was built.
    let (config, config_path) = Config::load(options.config.as_deref(), &built.root)?;
    let context = PolicyContext {
        workspace: &built.workspace,
        graph: &built.resolved,
        config: &config,
        config_path: config_path.clone(),
        strict: true,
        offline: built.args.network.offline || built.args.network.frozen,
        advisory_db: options.advisory_db.clone(),
        binaries: built.artifacts.iter().map(|a| a.path.clone()).collect(),
    };
    let mut findings = policy::check(&context)?;
    if options.allow_dirty {
        for finding in &mut findings {
            if finding.rule == RuleId::SourceControl && finding.code == "dirty" {
                finding.severity = Severity::Warn;
            }
        }
        findings.sort();
    }
    let reporter = Reporter::new(&built.root);
    let summary = Summary::of(&findings);
    eprint!("{}", reporter.human(&findings, options.color));
    if summary.deny > 0 {
        eprintln!(
            "error: the policy denies this release ({} denied); nothing was written",
            summary.deny
        );
        return Ok(ExitCode::from(1));
    }
    let mut policy_json = serde_json::to_vec_pretty(&reporter.json(&findings, &RuleId::ALL))
        .map_err(|e| Error::Usage(format!("internal error: policy report: {e}")))?;
    policy_json.push(b'\n');

    // The files.
    let target = built.graph.target.clone();
    let mut files = vec![
        ReleaseFile {
            name: format!("{stem}-{target}.tar.gz"),
            bytes: binary_archive(&built, &format!("{stem}-{target}"), mtime)?,
        },
        ReleaseFile {
            name: format!("{stem}-src.tar.gz"),
            bytes: source_archive(&head, &stem, mtime)?,
        },
    ];
    let (cdx_name, spdx_name) = built.sbom_names();
    files.push(ReleaseFile {
        name: cdx_name,
        bytes: built.cdx.clone(),
    });
    files.push(ReleaseFile {
        name: spdx_name,
        bytes: built.spdx.clone(),
    });
    files.push(ReleaseFile {
        name: POLICY_REPORT.to_owned(),
        bytes: policy_json,
    });
    let bundle_name = format!("{stem}{BUNDLE_SUFFIX}");
    let (ssdf_json, ssdf_markdown) = ssdf_reports(
        &files,
        &findings,
        &config,
        config_path.as_deref(),
        &built.root,
        &bundle_name,
        epoch_env.unwrap_or(commit_epoch),
    );
    files.push(ReleaseFile {
        name: SSDF_JSON.to_owned(),
        bytes: ssdf_json,
    });
    files.push(ReleaseFile {
        name: SSDF_MARKDOWN.to_owned(),
        bytes: ssdf_markdown,
    });
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let sums = sha256sums(&files);
    files.push(ReleaseFile {
        name: SHA256SUMS.to_owned(),
        bytes: sums,
    });
    files.sort_by(|a, b| a.name.cmp(&b.name));

    let subjects: Vec<ResourceDescriptor> = files
        .iter()
        .map(|f| ResourceDescriptor::file(f.name.clone(), Sha256Hex::digest(&f.bytes).as_str()))
        .collect();
    let predicate = built.provenance(built.sbom_byproducts());
    let bundle = build::sign_statement(
        &Statement::new(subjects, SLSA_PROVENANCE_V1, predicate),
        signer,
    )?;
    files.push(ReleaseFile {
        name: bundle_name,
        bytes: bundle,
    });

    write_release(&out_dir, &final_dir, &stem, &files, options.force)?;

    eprintln!(
        "{:>12} {} {} ({}), commit {}{}",
        "Released",
        built.name,
        built.version,
        target,
        short(&head.id),
        if source.dirty {
            " with uncommitted changes"
        } else {
            ""
        }
    );
    for file in &files {
        eprintln!(
            "{:>12} {}",
            "Wrote",
            build::shown(&final_dir.join(&file.name))
        );
    }
    eprintln!("{:>12} key {}", "Signed", signer.key_id());
    Ok(ExitCode::SUCCESS)
}

/// Whether the cargo arguments choose a profile.
fn chooses_profile(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--release" || a == "-r" || a == "--profile" || a.starts_with("--profile="))
}

fn no_commit(root: &Path) -> Error {
    Error::Usage(format!(
        "{} is not in a git repository with a commit; a release is made of a commit (its source \
         archive is the tree of HEAD)",
        root.display()
    ))
}

fn exists(dir: &Path) -> Error {
    Error::Usage(format!(
        "{} already exists; pass --force to replace it",
        dir.display()
    ))
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The `HEAD` commit of the repository around the workspace.
struct HeadCommit {
    repository: Repository,
    id: String,
    /// Commit time, seconds since the epoch (0 for times before it).
    time: u64,
}

impl HeadCommit {
    fn open(root: &Path) -> Result<Self> {
        let repository = Repository::discover(root).map_err(|_| no_commit(root))?;
        let (id, time) = {
            let commit = repository
                .head()
                .and_then(|h| h.peel_to_commit())
                .map_err(|_| no_commit(root))?;
            (
                commit.id().to_string(),
                u64::try_from(commit.time().seconds()).unwrap_or(0),
            )
        };
        Ok(Self {
            repository,
            id,
            time,
        })
    }
}

/// The binaries and libraries, plus README/LICENSE/COPYING files, below `prefix/`.
fn binary_archive(built: &Built, prefix: &str, mtime: u64) -> Result<Vec<u8>> {
    let names = build::artifact_names(&built.artifacts, &built.target_dir);
    let mut entries = Vec::new();
    for (artifact, name) in built.artifacts.iter().zip(names) {
        entries.push(Entry {
            path: format!("{prefix}/{name}"),
            data: EntryData::File {
                bytes: read(&artifact.path)?,
                executable: is_executable(&artifact.path),
            },
        });
    }
    let package_dir = match &built.graph.subject {
        Subject::Package(id) => {
            let package_id = &built.graph.component(*id).package_id;
            built
                .workspace
                .package_graph()
                .metadata(&guppy::PackageId::new(package_id.as_str()))
                .ok()
                .and_then(|m| {
                    m.manifest_path()
                        .parent()
                        .map(|p| p.as_std_path().to_owned())
                })
        }
        Subject::Workspace { .. } => None,
    }
    .unwrap_or_else(|| built.root.clone());
    for kind in [&["README"][..], &["LICENSE", "LICENCE"], &["COPYING"]] {
        let mut found = documents(&package_dir, kind)?;
        if found.is_empty() && package_dir != built.root {
            found = documents(&built.root, kind)?;
        }
        for (name, path) in found {
            let entry_path = format!("{prefix}/{name}");
            if entries.iter().any(|e| e.path == entry_path) {
                continue;
            }
            entries.push(Entry {
                path: entry_path,
                data: EntryData::File {
                    bytes: read(&path)?,
                    executable: false,
                },
            });
        }
    }
    archive::tar_gz(entries, mtime)
        .map_err(|e| Error::Usage(format!("internal error: {prefix}.tar.gz: {e}")))
}

/// The regular files of `dir` whose upper-cased name starts with one of `prefixes`.
fn documents(dir: &Path, prefixes: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let read_error = |e: std::io::Error| Error::Read {
        path: dir.to_owned(),
        reason: io_reason(&e),
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let upper = name.to_ascii_uppercase();
        if prefixes.iter().any(|p| upper.starts_with(p)) && entry.path().is_file() {
            found.push((name, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        reason: io_reason(&e),
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("exe") || e.eq_ignore_ascii_case("dll"))
}

/// The tree of `HEAD` below `prefix/`.
fn source_archive(head: &HeadCommit, prefix: &str, mtime: u64) -> Result<Vec<u8>> {
    let repository = &head.repository;
    let location = repository
        .workdir()
        .unwrap_or_else(|| repository.path())
        .to_owned();
    let git_error = |what: &str, e: git2::Error| Error::Read {
        path: location.clone(),
        reason: format!("git {what}: {}", e.message()),
    };
    let tree = repository
        .head()
        .and_then(|h| h.peel_to_tree())
        .map_err(|e| git_error("HEAD tree", e))?;
    let mut entries = Vec::new();
    let mut problem: Option<Error> = None;
    let mut submodules = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
        let path = format!("{dir}{name}");
        match entry.kind() {
            Some(ObjectType::Blob) => {
                let blob = match repository.find_blob(entry.id()) {
                    Ok(blob) => blob,
                    Err(e) => {
                        problem = Some(git_error(&format!("blob {path}"), e));
                        return TreeWalkResult::Abort;
                    }
                };
                let data = match entry.filemode() {
                    0o120000 => match std::str::from_utf8(blob.content()) {
                        Ok(target) => EntryData::Symlink {
                            target: target.to_owned(),
                        },
                        Err(_) => {
                            problem = Some(Error::Read {
                                path: location.join(&path),
                                reason: "the symbolic link's target is not UTF-8".into(),
                            });
                            return TreeWalkResult::Abort;
                        }
                    },
                    mode => EntryData::File {
                        bytes: blob.content().to_vec(),
                        executable: mode == 0o100755,
                    },
                };
                entries.push(Entry {
                    path: format!("{prefix}/{path}"),
                    data,
                });
            }
            Some(ObjectType::Commit) => submodules.push(path),
            _ => {}
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| problem.take().unwrap_or_else(|| git_error("tree walk", e)))?;
    if let Some(error) = problem {
        return Err(error);
    }
    if !submodules.is_empty() {
        eprintln!(
            "warning: the source archive leaves out the submodule(s) {}",
            submodules.join(", ")
        );
    }
    archive::tar_gz(entries, mtime)
        .map_err(|e| Error::Usage(format!("internal error: {prefix}-src.tar.gz: {e}")))
}

/// `SHA256SUMS` of `files` (already sorted by name).
fn sha256sums(files: &[ReleaseFile]) -> Vec<u8> {
    let mut text = String::new();
    for file in files {
        text.push_str(Sha256Hex::digest(&file.bytes).as_str());
        text.push_str("  ");
        text.push_str(&file.name);
        text.push('\n');
    }
    text.into_bytes()
}

/// The SSDF report of the release: JSON and Markdown.
fn ssdf_reports(
    files: &[ReleaseFile],
    findings: &[policy::Finding],
    config: &Config,
    config_path: Option<&Path>,
    root: &Path,
    bundle_name: &str,
    generated_at: Timestamp,
) -> (Vec<u8>, Vec<u8>) {
    // SHA256SUMS and the bundle cover the report, so their digests cannot be in it: they are
    // named with a placeholder digest that is removed again below.
    let placeholder = Sha256Hex::digest(b"");
    let mut evidence: Vec<(String, Sha256Hex)> = files
        .iter()
        .map(|f| (f.name.clone(), Sha256Hex::digest(&f.bytes)))
        .collect();
    evidence.push((SHA256SUMS.to_owned(), placeholder.clone()));
    evidence.push((bundle_name.to_owned(), placeholder));
    let input = crate::ssdf::SsdfInput {
        findings,
        rules: &RuleId::ALL,
        config,
        config_path,
        root,
        release_context: true,
        signed: true,
        evidence_files: &evidence,
        generated_at: Some(generated_at),
    };
    let mut report = crate::ssdf::report(&input);
    let evidence = std::mem::take(&mut report.evidence);
    report.evidence = evidence
        .into_iter()
        .map(|mut file| {
            if file.name == SHA256SUMS || file.name == bundle_name {
                file.sha256 = None;
            }
            file
        })
        .collect();
    (report.to_json_bytes(), report.to_markdown().into_bytes())
}

/// Writes `files` into a temporary directory in `out_dir` and renames it to `final_dir`,
/// replacing an existing one only when `force`.
fn write_release(
    out_dir: &Path,
    final_dir: &Path,
    stem: &str,
    files: &[ReleaseFile],
    force: bool,
) -> Result<()> {
    let write_error = |path: &Path, e: std::io::Error| Error::Write {
        path: path.to_owned(),
        reason: io_reason(&e),
    };
    std::fs::create_dir_all(out_dir).map_err(|e| write_error(out_dir, e))?;
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".tmp")
        .tempdir_in(out_dir)
        .map_err(|e| write_error(out_dir, e))?;
    for file in files {
        let path = temp.path().join(&file.name);
        std::fs::write(&path, &file.bytes)
            .map_err(|e| write_error(&final_dir.join(&file.name), e))?;
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| write_error(&final_dir.join(&file.name), e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| write_error(temp.path(), e))?;
    }
    // The old release, moved aside (and removed when the temporary directory is dropped).
    let old = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".old")
        .tempdir_in(out_dir)
        .map_err(|e| write_error(out_dir, e))?;
    let aside = old.path().join(stem);
    let moved_aside = if final_dir.exists() {
        if !force {
            return Err(exists(final_dir));
        }
        std::fs::rename(final_dir, &aside).map_err(|e| write_error(final_dir, e))?;
        true
    } else {
        false
    };
    if let Err(e) = std::fs::rename(temp.path(), final_dir) {
        if moved_aside {
            let _ = std::fs::rename(&aside, final_dir);
        }
        return Err(write_error(final_dir, e));
    }
    // Renamed: nothing is left at the temporary path to delete.
    let _ = temp.keep();
    Ok(())
}

// ---- verify-release ---------------------------------------------------------------------------

/// A release that verified.
#[derive(Clone, Debug)]
pub struct VerifiedRelease {
    /// `NAME-VERSION`.
    pub stem: String,
    /// The number of files checked (subjects and bundle).
    pub files: usize,
    /// The number of archive entries checked.
    pub archive_entries: usize,
    /// Notes that do not fail the verification.
    pub notes: Vec<String>,
}

/// Verifies a release directory (see the module documentation). `Err` when the directory
/// cannot be read (exit 2); `Ok(Err(problems))` lists every problem, each starting with the
/// file it concerns (exit 1).
pub fn verify_release(
    dir: &Path,
    key: &VerifyingKey,
) -> Result<std::result::Result<VerifiedRelease, Vec<String>>> {
    let read_error = |path: &Path, e: std::io::Error| Error::Read {
        path: path.to_owned(),
        reason: io_reason(&e),
    };
    let mut problems = Vec::new();
    let mut present: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let entry = entry.map_err(|e| read_error(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry
            .file_type()
            .map_err(|e| read_error(&entry.path(), e))?;
        if !file_type.is_file() {
            problems.push(format!(
                "{name}: not a regular file (a release holds only regular files)"
            ));
            continue;
        }
        present.insert(name);
    }
    let bundles: Vec<&String> = present
        .iter()
        .filter(|n| n.ends_with(BUNDLE_SUFFIX))
        .collect();
    let bundle_name = match bundles.as_slice() {
        [one] => (*one).clone(),
        [] => {
            problems.push(format!(
                "*{BUNDLE_SUFFIX}: missing (the signed provenance of the release)"
            ));
            return Ok(Err(problems));
        }
        many => {
            problems.push(format!(
                "{}: several provenance bundles; a release has one",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return Ok(Err(problems));
        }
    };
    let stem = bundle_name
        .strip_suffix(BUNDLE_SUFFIX)
        .unwrap_or_default()
        .to_owned();
    let bundle_path = dir.join(&bundle_name);
    let document = match envelope::read_signed(&bundle_path) {
        Ok(document) => document,
        Err(ReadFailure::Malformed(error)) => {
            problems.push(format!(
                "{bundle_name}: {}",
                strip_path(&error.to_string(), &bundle_path)
            ));
            return Ok(Err(problems));
        }
        Err(ReadFailure::Rejected(reason)) => {
            problems.push(format!("{bundle_name}: {reason}"));
            return Ok(Err(problems));
        }
    };
    let expectations = crate::verify::Expectations {
        predicate_type: Some(SLSA_PROVENANCE_V1.to_owned()),
        ..Default::default()
    };
    let verified = match crate::verify::verify(&document, key, &[], &expectations) {
        Ok(verified) => verified,
        Err(reasons) => {
            problems.extend(reasons.into_iter().map(|r| format!("{bundle_name}: {r}")));
            return Ok(Err(problems));
        }
    };

    // The subjects.
    let mut subjects: BTreeMap<String, String> = BTreeMap::new();
    for subject in verified
        .statement
        .get("subject")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = subject
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let digest = subject
            .pointer("/digest/sha256")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains(['/', '\\', '\0'])
            || name == bundle_name
        {
            problems.push(format!(
                "{bundle_name}: the subject `{}` is not a file name of the release",
                name.escape_debug()
            ));
            continue;
        }
        if subjects
            .insert(name.to_owned(), digest.to_owned())
            .is_some()
        {
            problems.push(format!("{bundle_name}: the subject `{name}` appears twice"));
        }
    }
    let mut actual: BTreeMap<String, String> = BTreeMap::new();
    for (name, signed) in &subjects {
        if !present.contains(name) {
            problems.push(format!(
                "{name}: missing (a subject of the signed provenance)"
            ));
            continue;
        }
        let path = dir.join(name);
        let digest = Sha256Hex::of_file(&path).map_err(|e| read_error(&path, e))?;
        if digest.as_str() != signed {
            problems.push(format!(
                "{name}: SHA-256 {} does not match the signed provenance ({signed})",
                digest.as_str()
            ));
        }
        actual.insert(name.clone(), digest.as_str().to_owned());
    }
    for name in &present {
        if name != &bundle_name && !subjects.contains_key(name) {
            problems.push(format!(
                "{name}: not part of the release (neither a subject of the signed provenance nor the bundle)"
            ));
        }
    }

    // SHA256SUMS.
    if !subjects.contains_key(SHA256SUMS) {
        problems.push(format!(
            "{SHA256SUMS}: missing (it must be a subject of the signed provenance)"
        ));
    } else if present.contains(SHA256SUMS) {
        let path = dir.join(SHA256SUMS);
        let bytes = std::fs::read(&path).map_err(|e| read_error(&path, e))?;
        problems.extend(check_sums(&bytes, &subjects, &actual));
    }

    // Names and the SBOMs' root component.
    let name_version = stem.clone();
    let mut notes = Vec::new();
    let dir_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    if dir_name.as_deref() != Some(name_version.as_str()) {
        notes.push(format!(
            "the directory is not named {name_version} (the release's NAME-VERSION)"
        ));
    }
    for (suffix, pointer) in [(".cdx.json", "cdx"), (".spdx.json", "spdx")] {
        let name = format!("{stem}{suffix}");
        if !subjects.contains_key(&name) {
            problems.push(format!("{name}: missing (the release's SBOM)"));
            continue;
        }
        if !present.contains(&name) {
            continue;
        }
        let path = dir.join(&name);
        let bytes = std::fs::read(&path).map_err(|e| read_error(&path, e))?;
        match sbom_root(&bytes, pointer) {
            Some((n, v)) if format!("{n}-{v}") == stem => {}
            Some((n, v)) => problems.push(format!(
                "{name}: the SBOM describes {n} {v}, but the release is {stem}"
            )),
            None => problems.push(format!(
                "{name}: not an SBOM whose root component (name and version) can be read"
            )),
        }
    }
    let source_archive = format!("{stem}-src.tar.gz");
    if !subjects.contains_key(&source_archive) {
        problems.push(format!(
            "{source_archive}: missing (the release's source archive)"
        ));
    }
    let mut archive_entries = 0;
    for name in subjects.keys().filter(|n| n.ends_with(".tar.gz")) {
        if !name.starts_with(&format!("{stem}-")) {
            problems.push(format!(
                "{name}: the archive's name does not start with {stem}-"
            ));
        }
        if !present.contains(name) {
            continue;
        }
        let root = if *name == source_archive {
            stem.clone()
        } else {
            name.trim_end_matches(".tar.gz").to_owned()
        };
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|e| read_error(&path, e))?;
        match archive::list(std::io::BufReader::new(file)) {
            Ok(entries) => {
                archive_entries += entries.len();
                problems.extend(
                    archive::check_entries(&entries, &root)
                        .into_iter()
                        .map(|p| format!("{name}: {p}")),
                );
            }
            Err(problem) => problems.push(format!("{name}: {problem}")),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(VerifiedRelease {
        stem,
        files: subjects.len() + 1,
        archive_entries,
        notes,
    }))
}

/// An error message without its leading path (the file is named by the caller).
fn strip_path(message: &str, path: &Path) -> String {
    let shown = path.display().to_string();
    message
        .strip_prefix(&shown)
        .map(|rest| rest.trim_start_matches(':').trim_start().to_owned())
        .unwrap_or_else(|| message.to_owned())
}

/// The problems of `SHA256SUMS` against the subjects and the files' actual digests.
fn check_sums(
    bytes: &[u8],
    subjects: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return vec![format!("{SHA256SUMS}: not UTF-8 text")];
    };
    let mut listed: BTreeMap<&str, &str> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let parsed = line.split_once("  ").filter(|(digest, name)| {
            digest.len() == 64
                && digest
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && !name.is_empty()
        });
        let Some((digest, name)) = parsed else {
            problems.push(format!(
                "{SHA256SUMS}: line {} is not `<sha256>  <file name>`",
                number + 1
            ));
            continue;
        };
        if listed.insert(name, digest).is_some() {
            problems.push(format!("{SHA256SUMS}: lists {name} twice"));
        }
    }
    for (name, digest) in &listed {
        if !subjects.contains_key(*name) || *name == SHA256SUMS {
            problems.push(format!(
                "{SHA256SUMS}: lists {name}, which is not a subject of the signed provenance"
            ));
        } else if let Some(actual) = actual.get(*name)
            && actual != digest
        {
            problems.push(format!(
                "{name}: SHA-256 {actual} does not match {SHA256SUMS} ({digest})"
            ));
        }
    }
    for name in subjects.keys() {
        if name != SHA256SUMS && !listed.contains_key(name.as_str()) {
            problems.push(format!("{name}: not listed in {SHA256SUMS}"));
        }
    }
    problems
}

/// `(name, version)` of an SBOM's root: CycloneDX `metadata.component`, SPDX the package the
/// document `DESCRIBES` (relationship, or `documentDescribes`).
fn sbom_root(bytes: &[u8], format: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    if format == "cdx" {
        let component = value.pointer("/metadata/component")?;
        return Some((text(component, "name")?, text(component, "version")?));
    }
    let described = value
        .get("relationships")
        .and_then(Value::as_array)
        .and_then(|relationships| {
            relationships.iter().find_map(|r| {
                (r.get("spdxElementId").and_then(Value::as_str) == Some("SPDXRef-DOCUMENT")
                    && r.get("relationshipType").and_then(Value::as_str) == Some("DESCRIBES"))
                .then(|| r.get("relatedSpdxElement").and_then(Value::as_str))
                .flatten()
            })
        })
        .or_else(|| {
            value
                .pointer("/documentDescribes/0")
                .and_then(Value::as_str)
        })?;
    let package = value
        .get("packages")?
        .as_array()?
        .iter()
        .find(|p| p.get("SPDXID").and_then(Value::as_str) == Some(described))?;
    Some((text(package, "name")?, text(package, "versionInfo")?))
}
