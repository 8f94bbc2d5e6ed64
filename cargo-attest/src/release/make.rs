//! Making a release: build, policy in release context, the files, signed provenance, written
//! whole or not at all.

use std::path::{Path, PathBuf};

use cargo_sbom::digest::Sha256Hex;
use cargo_sbom::{Subject, Timestamp};

use super::archive::{self, Entry, EntryData};
use super::{BUNDLE_SUFFIX, POLICY_REPORT, SHA256SUMS, SSDF_JSON, SSDF_MARKDOWN};
use crate::build::{self, BuildRun, Built};
use crate::error::{Error, Result, exit};
use crate::git::{Repo, TreeEntry};
use crate::policy::report::{Reporter, Summary};
use crate::policy::{self, Config, PolicyOptions};
use crate::signing::statement::{ResourceDescriptor, SLSA_PROVENANCE_V1, Statement};
use crate::signing::{Signer, sign_statement};

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

/// One file of the release, in memory, with its digest (computed once, for `SHA256SUMS`, the
/// subjects and the SSDF evidence).
struct ReleaseFile {
    name: String,
    bytes: Vec<u8>,
    sha256: Sha256Hex,
}

impl ReleaseFile {
    fn new(name: String, bytes: Vec<u8>) -> Self {
        let sha256 = Sha256Hex::digest(&bytes);
        Self {
            name,
            bytes,
            sha256,
        }
    }
}

/// Runs `cargo attest release` (see the module documentation) and returns the exit code:
/// cargo's own when the build fails, [`exit::FAILURE`] when the policy denies.
pub fn run(options: &ReleaseOptions, signer: &dyn Signer) -> Result<u8> {
    let env = |name: &str| std::env::var(name).ok();
    let manifest_path = crate::build::cargo_build::CargoArgs::parse(
        &options.cargo_args,
        env("CARGO_BUILD_TARGET").as_deref(),
    )?
    .manifest_path;
    let root = cargo_sbom::cargo::workspace_root(manifest_path.as_deref())?;

    // The source: a commit, and a clean tree unless allowed.
    let repository = Repo::discover(&root)
        .ok()
        .flatten()
        .ok_or_else(|| no_commit(&root))?;
    let head = repository
        .head()
        .ok()
        .flatten()
        .ok_or_else(|| no_commit(&root))?;
    let dirty = repository.is_dirty().map_err(|reason| Error::Read {
        path: root.clone(),
        reason: format!("git: {reason}"),
    })?;
    if dirty {
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
    // Every time of the release is `SOURCE_DATE_EPOCH`, else the commit's: the build's
    // (which parses `SOURCE_DATE_EPOCH` before it runs cargo).
    let commit_epoch = Timestamp::from_secs(head.time);

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
    let mtime = built.finished.secs();
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| built.target_dir.join("attest").join("release"));
    let final_dir = out_dir.join(&stem);
    if final_dir.exists() && !options.force {
        return Err(exists(&final_dir));
    }

    // The policy, in release context, on what was built.
    let config = crate::attest_toml::load(options.config.as_deref(), &built.root)?;
    let policy_options = PolicyOptions {
        strict: true,
        offline: built.args.network.offline || built.args.network.frozen,
        advisory_db: options.advisory_db.clone(),
        binaries: built.artifacts.iter().map(|a| a.path.clone()).collect(),
        allow_dirty: options.allow_dirty,
        ..PolicyOptions::default()
    };
    let run = policy::run(
        &built.workspace,
        &built.resolved,
        &config,
        &policy_options,
        &[],
    )?;
    let reporter = Reporter::new(&built.root, &run);
    let findings = run.findings;
    let summary = Summary::of(&findings);
    eprint!("{}", reporter.human(&findings, options.color));
    if summary.deny > 0 {
        eprintln!(
            "error: the policy denies this release ({} denied); nothing was written",
            summary.deny
        );
        return Ok(exit::FAILURE);
    }
    let policy_json = cargo_sbom::document::to_json_bytes(&reporter.json(&findings, &run.rules));

    // The files.
    let target = built.graph.target.clone();
    let mut files = vec![
        ReleaseFile::new(
            format!("{stem}-{target}.tar.gz"),
            binary_archive(&built, &format!("{stem}-{target}"), mtime)?,
        ),
        ReleaseFile::new(
            format!("{stem}-src.tar.gz"),
            source_archive(&repository, &stem, mtime)?,
        ),
    ];
    for sbom in &built.sboms {
        files.push(ReleaseFile::new(sbom.file_name(&stem), sbom.bytes.clone()));
    }
    files.push(ReleaseFile::new(POLICY_REPORT.to_owned(), policy_json));
    let bundle_name = format!("{stem}{BUNDLE_SUFFIX}");
    let (ssdf_json, ssdf_markdown) = ssdf_reports(
        &files,
        &findings,
        &run.rules,
        &config,
        &built.root,
        &bundle_name,
        built.finished,
    );
    files.push(ReleaseFile::new(SSDF_JSON.to_owned(), ssdf_json));
    files.push(ReleaseFile::new(SSDF_MARKDOWN.to_owned(), ssdf_markdown));
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let sums = sha256sums(&files);
    files.push(ReleaseFile::new(SHA256SUMS.to_owned(), sums));
    files.sort_by(|a, b| a.name.cmp(&b.name));

    let subjects: Vec<ResourceDescriptor> = files
        .iter()
        .map(|f| ResourceDescriptor::file(f.name.clone(), f.sha256.as_str()))
        .collect();
    let predicate = built.provenance(built.sbom_byproducts());
    let bundle = sign_statement(
        &Statement::new(subjects, SLSA_PROVENANCE_V1, predicate),
        signer,
    )?;
    files.push(ReleaseFile::new(bundle_name, bundle));

    write_release(&out_dir, &final_dir, &stem, &files, options.force)?;

    eprintln!(
        "{:>12} {} {} ({}), commit {}{}",
        "Released",
        built.name,
        built.version,
        target,
        short(&head.id),
        if dirty {
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
    eprintln!("{:>12} {}", "Signed", signer.describe());
    Ok(exit::SUCCESS)
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
                .metadata(package_id)
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
    archive::tar_gz(entries, mtime).map_err(|e| Error::Internal(format!("{prefix}.tar.gz: {e}")))
}

/// The regular files of `dir` whose upper-cased name starts with one of `prefixes`.
fn documents(dir: &Path, prefixes: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let read_error = |e: std::io::Error| Error::read(dir, &e);
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
    std::fs::read(path).map_err(|e| Error::read(path, &e))
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

/// The tree of `HEAD` below `prefix/`; submodules are left out, with a warning.
fn source_archive(repository: &Repo, prefix: &str, mtime: u64) -> Result<Vec<u8>> {
    let tree = repository.head_tree().map_err(|e| match e.entry {
        Some(entry) => Error::Read {
            path: repository.location().join(entry),
            reason: e.reason,
        },
        None => Error::Read {
            path: repository.location(),
            reason: format!("git {}", e.reason),
        },
    })?;
    let mut entries = Vec::new();
    let mut submodules = Vec::new();
    for entry in tree {
        match entry {
            TreeEntry::File {
                path,
                bytes,
                executable,
            } => entries.push(Entry {
                path: format!("{prefix}/{path}"),
                data: EntryData::File { bytes, executable },
            }),
            TreeEntry::Symlink { path, target } => entries.push(Entry {
                path: format!("{prefix}/{path}"),
                data: EntryData::Symlink { target },
            }),
            TreeEntry::Submodule { path } => submodules.push(path),
        }
    }
    if !submodules.is_empty() {
        eprintln!(
            "warning: the source archive leaves out the submodule(s) {}",
            submodules.join(", ")
        );
    }
    archive::tar_gz(entries, mtime)
        .map_err(|e| Error::Internal(format!("{prefix}-src.tar.gz: {e}")))
}

/// `SHA256SUMS` of `files` (already sorted by name).
fn sha256sums(files: &[ReleaseFile]) -> Vec<u8> {
    let mut text = String::new();
    for file in files {
        text.push_str(file.sha256.as_str());
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
    rules: &[policy::RuleId],
    config: &Config,
    root: &Path,
    bundle_name: &str,
    generated_at: Timestamp,
) -> (Vec<u8>, Vec<u8>) {
    // SHA256SUMS and the bundle cover the report, so their digests cannot be in it: they are
    // named with a placeholder digest that is removed again below.
    let placeholder = Sha256Hex::digest(b"");
    let mut evidence: Vec<(String, Sha256Hex)> = files
        .iter()
        .map(|f| (f.name.clone(), f.sha256.clone()))
        .collect();
    evidence.push((SHA256SUMS.to_owned(), placeholder.clone()));
    evidence.push((bundle_name.to_owned(), placeholder));
    let input = crate::ssdf::SsdfInput {
        findings,
        rules,
        config,
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
    let write_error = |path: &Path, e: std::io::Error| Error::write(path, &e);
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
