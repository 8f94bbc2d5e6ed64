//! `cargo attest build`: a real cargo build, its SBOMs and its signed provenance. The cargo
//! build driver is [`cargo_build`], the SLSA predicate [`provenance`], the builder's identity
//! [`ci`].
//!
//! 1. The cargo arguments are read for what shapes the build (package selection, features,
//!    target, manifest, network flags, profile; see [`CargoArgs`]).
//! 2. `cargo build ARGS --message-format json-render-diagnostics` runs with cargo's progress and
//!    diagnostics on standard error; its `compiler-artifact` messages give the compiled packages
//!    and the attested artifacts (outputs of `bin`, `cdylib`, `staticlib` and `dylib` targets;
//!    never build scripts, test harnesses, `.rlib`, `.rmeta` or `.d` files). If cargo fails, its
//!    exit code is returned and nothing is written.
//! 3. The dependency graph is resolved with `cargo_sbom` for the same selection, features and
//!    target, then restricted to the packages cargo compiled, and rendered in every format of
//!    [`sbom_formats`] (CycloneDX 1.6 and SPDX 2.3) with lifecycle `build`.
//! 4. One in-toto Statement v1 with an SLSA Provenance v1 predicate ([`provenance`])
//!    about all artifacts, and one statement per SBOM (predicate types
//!    `https://cyclonedx.org/bom` and `https://spdx.dev/Document`) about the same artifacts, are
//!    signed as DSSE envelopes in Sigstore bundles v0.3.
//!
//! Files, in `--out-dir` (default `<target dir>/attest/`), named after the SBOM subject (the
//! package, or the workspace for a build of several members) as `NAME-VERSION`:
//! `NAME-VERSION.cdx.json`, `NAME-VERSION.spdx.json`, `NAME-VERSION.cdx.sigstore.json`,
//! `NAME-VERSION.spdx.sigstore.json` and `NAME-VERSION.provenance.sigstore.json`. Everything is
//! computed before the first file is written; each file is written atomically, the provenance
//! bundle last.

pub mod cargo_build;
pub mod ci;
pub mod provenance;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_sbom::digest::Sha256Hex;
use cargo_sbom::{
    DocumentOptions, Format, Lifecycle, PackageId, ResolveOptions, ResolvedGraph, Subject,
    Timestamp, Workspace,
};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::signing::statement::{ResourceDescriptor, SLSA_PROVENANCE_V1, Statement};
use crate::signing::{Signer, sign_statement};
use cargo_build::{BuiltArtifact, CargoArgs};
use provenance::{ProvenanceInput, Toolchain};

/// The SBOMs of every build and release: each format's default version.
pub fn sbom_formats() -> Vec<Format> {
    cargo_sbom::FORMATS
        .iter()
        .map(|family| family.default_format())
        .collect()
}

/// One SBOM of a build.
#[derive(Clone, Debug)]
pub struct BuiltSbom {
    /// Its format.
    pub format: Format,
    /// The document.
    pub bytes: Vec<u8>,
}

/// What `cargo attest build` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Arguments passed on to `cargo build`.
    pub cargo_args: Vec<String>,
    /// Output directory [default: `target/attest`].
    pub out_dir: Option<PathBuf>,
}

/// One file to write.
struct OutputFile {
    path: PathBuf,
    bytes: Vec<u8>,
    what: String,
}

/// Everything a successful build produced, in memory: nothing is written yet.
///
/// [`run`] turns it into the files of `cargo attest build`; `cargo attest release`
/// ([`crate::release`]) into a release directory.
#[derive(Debug)]
pub struct Built {
    /// The cargo arguments as given (without a leading `--`).
    pub cargo_args: Vec<String>,
    /// What the cargo arguments select.
    pub args: CargoArgs,
    /// The loaded workspace.
    pub workspace: Workspace,
    /// The resolved graph of the selection (before it is restricted to what cargo compiled),
    /// e.g. for the policy rules.
    pub resolved: ResolvedGraph,
    /// The graph of exactly the compiled packages (what the SBOMs and the provenance describe).
    pub graph: ResolvedGraph,
    /// The attested artifacts, as cargo reported them.
    pub artifacts: Vec<BuiltArtifact>,
    /// One subject per artifact, named as [`artifact_names`] says, sorted by name.
    pub subjects: Vec<ResourceDescriptor>,
    /// The workspace root.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// `NAME` of the SBOM subject.
    pub name: String,
    /// `VERSION` of the SBOM subject.
    pub version: String,
    /// The SBOMs (lifecycle `build`), one per format of [`sbom_formats`].
    pub sboms: Vec<BuiltSbom>,
    /// The source repository, when the workspace is in one that could be read.
    pub source: Option<crate::git::Source>,
    /// The digest of `Cargo.lock`, when the workspace has one.
    pub lockfile: Option<Sha256Hex>,
    /// The toolchain.
    pub toolchain: Toolchain,
    /// The builder (local or detected CI).
    pub builder: ci::BuilderInfo,
    /// When the build started (the epoch, when one is set).
    pub started: Timestamp,
    /// When the build finished (the epoch, when one is set).
    pub finished: Timestamp,
    /// The recorded build environment ([`provenance::build_env`]).
    pub env: BTreeMap<String, String>,
}

impl BuiltSbom {
    /// Its file name in a build or release: `NAME-VERSION.cdx.json`.
    pub fn file_name(&self, stem: &str) -> String {
        self.format.file_name(stem)
    }

    /// The file name of its signed attestation: `NAME-VERSION.cdx.sigstore.json`.
    pub fn bundle_name(&self, stem: &str) -> String {
        let kind = self.format.extension().trim_end_matches(".json");
        format!("{stem}.{kind}.sigstore.json")
    }
}

impl Built {
    /// `NAME-VERSION`.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// The SBOMs as provenance byproducts (name, digest, media type).
    pub fn sbom_byproducts(&self) -> Vec<ResourceDescriptor> {
        let stem = self.stem();
        self.sboms
            .iter()
            .map(|sbom| ResourceDescriptor {
                media_type: Some(sbom.format.family.media_type.to_owned()),
                ..ResourceDescriptor::file(
                    sbom.file_name(&stem),
                    Sha256Hex::digest(&sbom.bytes).as_str(),
                )
            })
            .collect()
    }

    /// The SLSA provenance predicate of this build with the given byproducts.
    pub fn provenance(
        &self,
        byproducts: Vec<ResourceDescriptor>,
    ) -> crate::signing::statement::Provenance {
        let input = ProvenanceInput {
            graph: &self.graph,
            cargo_args: &self.args,
            recorded_args: provenance::record_cargo_args(&self.cargo_args, &self.root),
            source: self.source.as_ref(),
            lockfile: self.lockfile.clone(),
            toolchain: &self.toolchain,
            env: self.env.clone(),
            builder: &self.builder,
            started_on: self.started.rfc3339(),
            finished_on: self.finished.rfc3339(),
            byproducts,
        };
        provenance::predicate(&input)
    }
}

/// The outcome of [`build`].
#[derive(Debug)]
pub enum BuildRun {
    /// The build succeeded.
    Built(Box<Built>),
    /// Cargo failed with this exit code (the message is already printed); nothing was built to
    /// attest.
    Failed(u8),
}

/// Runs `cargo build ARGS` and computes everything an attestation of it needs, without writing
/// any file. Times are `SOURCE_DATE_EPOCH` when set, else `fallback_epoch` when given, else the
/// clock.
pub fn build(cargo_args: &[String], fallback_epoch: Option<Timestamp>) -> Result<BuildRun> {
    let env = |name: &str| std::env::var(name).ok();
    let args = CargoArgs::parse(cargo_args, env("CARGO_BUILD_TARGET").as_deref())?;
    let epoch = env("SOURCE_DATE_EPOCH")
        .map(|text| Timestamp::from_source_date_epoch(&text))
        .transpose()?
        .or(fallback_epoch);
    let toolchain = Toolchain::query()?;
    let started = epoch.unwrap_or_else(Timestamp::now);

    let outcome = cargo_build::run(cargo_args)?;
    if outcome.exit_code != 0 {
        eprintln!(
            "error: cargo build failed (exit code {}); no attestation was written",
            outcome.exit_code
        );
        return Ok(BuildRun::Failed(
            u8::try_from(outcome.exit_code)
                .ok()
                .filter(|c| *c != 0)
                .unwrap_or(101),
        ));
    }
    let finished = epoch.unwrap_or_else(Timestamp::now);
    if outcome.artifacts.is_empty() {
        return Err(Error::Usage(
            "the build produced no binary or linkable library (bin, cdylib, staticlib or dylib \
             target) to attest; nothing was written"
                .into(),
        ));
    }

    let targets: Vec<String> = args.target.iter().cloned().collect();
    let workspace = Workspace::load(args.manifest_path.as_deref(), args.network, &targets)?;
    let resolve_options = ResolveOptions {
        packages: args.packages.clone(),
        features: args.features.clone(),
        target: args.target.clone(),
        include_dev: args.dev_targets,
        exclude_build: false,
    };
    let members = workspace.select(&resolve_options.packages)?;
    let resolved = workspace.resolve(&members, &resolve_options)?;
    let mut graph = resolved.restrict_to(&outcome.compiled);
    warn_about_unresolved(&graph, &outcome.compiled);

    let root = workspace.root().to_owned();
    let target_dir = workspace
        .package_graph()
        .workspace()
        .target_directory()
        .as_std_path()
        .to_owned();

    let subjects = subjects(&outcome.artifacts, &target_dir)?;
    graph.artifacts = sbom_artifacts(&outcome.artifacts, &target_dir)?;
    let (name, version) = subject_name(&graph);

    let sboms = sbom_formats()
        .into_iter()
        .map(|format| BuiltSbom {
            format,
            bytes: cargo_sbom::render(
                &graph,
                &DocumentOptions {
                    format,
                    timestamp: finished,
                    lifecycle: Lifecycle::Build,
                },
            ),
        })
        .collect();

    let source = match crate::git::discover(&root, &env) {
        Ok(source) => source,
        Err(reason) => {
            eprintln!(
                "warning: the git repository of {} could not be read ({reason}); the source is not recorded",
                root.display()
            );
            None
        }
    };
    let lockfile_path = root.join("Cargo.lock");
    let lockfile = lockfile_path
        .is_file()
        .then(|| crate::error::file_digest(&lockfile_path))
        .transpose()?;
    let builder = ci::detect(&env);
    Ok(BuildRun::Built(Box::new(Built {
        cargo_args: cargo_args.to_vec(),
        args,
        workspace,
        resolved,
        graph,
        artifacts: outcome.artifacts,
        subjects,
        root,
        target_dir,
        name,
        version,
        sboms,
        source,
        lockfile,
        toolchain,
        builder,
        started,
        finished,
        env: provenance::build_env(std::env::vars_os()),
    })))
}

/// Runs the build and writes the attestation. Returns the exit code: cargo's own when the
/// build fails.
pub fn run(options: &BuildOptions, signer: &dyn Signer) -> Result<u8> {
    let built = match build(&options.cargo_args, None)? {
        BuildRun::Built(built) => built,
        BuildRun::Failed(code) => return Ok(code),
    };
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| built.target_dir.join("attest"));
    let subjects = &built.subjects;
    let (name, version) = (&built.name, &built.version);
    let stem = built.stem();
    let predicate = built.provenance(built.sbom_byproducts());
    let provenance_bundle = sign_statement(
        &Statement::new(subjects.clone(), SLSA_PROVENANCE_V1, predicate),
        signer,
    )?;

    let components = built.graph.components().len();
    let mut files = Vec::new();
    for sbom in &built.sboms {
        files.push(OutputFile {
            path: out_dir.join(sbom.file_name(&stem)),
            bytes: sbom.bytes.clone(),
            what: format!(
                "{} SBOM, {components} {}",
                sbom.format.label(),
                sbom.format.family.elements
            ),
        });
    }
    for sbom in &built.sboms {
        let statement = Statement::new(
            subjects.clone(),
            sbom.format.family.predicate_type,
            sbom_value(&sbom.bytes)?,
        );
        files.push(OutputFile {
            path: out_dir.join(sbom.bundle_name(&stem)),
            bytes: sign_statement(&statement, signer)?,
            what: format!("signed {} attestation", sbom.format.family.name),
        });
    }
    files.push(OutputFile {
        path: out_dir.join(format!("{stem}.provenance.sigstore.json")),
        bytes: provenance_bundle,
        what: "signed SLSA provenance".into(),
    });
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::write(&out_dir, &e))?;
    for file in &files {
        cargo_sbom::output::write_atomic(&file.path, &file.bytes)?;
    }

    eprintln!(
        "{:>12} {} artifact(s) of {name} {version}: {}",
        "Attested",
        subjects.len(),
        subjects
            .iter()
            .filter_map(|s| s.name.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for file in &files {
        eprintln!("{:>12} {} ({})", "Wrote", shown(&file.path), file.what);
    }
    eprintln!(
        "{:>12} {}, builder {}{}",
        "Signed",
        signer.describe(),
        built.builder.id,
        match &built.source {
            Some(s) if s.dirty => ", source has uncommitted changes",
            _ => "",
        }
    );
    Ok(crate::error::exit::SUCCESS)
}

/// The name of each artifact (in the order given): its file name, or its path relative to the
/// target directory when two artifacts share a file name.
pub fn artifact_names(artifacts: &[BuiltArtifact], target_dir: &Path) -> Vec<String> {
    let file_name = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for artifact in artifacts {
        *counts.entry(file_name(&artifact.path)).or_default() += 1;
    }
    artifacts
        .iter()
        .map(|artifact| {
            let name = file_name(&artifact.path);
            if counts.get(&name).copied().unwrap_or(0) > 1 {
                cargo_sbom::graph::relative_path(&artifact.path, target_dir)
            } else {
                name
            }
        })
        .collect()
}

/// The subjects: one per artifact, named as [`artifact_names`] says, sorted by name.
fn subjects(artifacts: &[BuiltArtifact], target_dir: &Path) -> Result<Vec<ResourceDescriptor>> {
    let names = artifact_names(artifacts, target_dir);
    let mut subjects = artifacts
        .iter()
        .zip(names)
        .map(|(artifact, name)| {
            let digest = crate::error::file_digest(&artifact.path)?;
            Ok(ResourceDescriptor::file(name, digest.as_str()))
        })
        .collect::<Result<Vec<_>>>()?;
    subjects.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(subjects)
}

/// The built files as the SBOMs name the root's deployable form: file name, SHA-256 and
/// SHA-512, and whether it is a program (not a library by its extension).
fn sbom_artifacts(
    artifacts: &[BuiltArtifact],
    target_dir: &Path,
) -> Result<Vec<cargo_sbom::graph::Artifact>> {
    let names = artifact_names(artifacts, target_dir);
    let mut list = artifacts
        .iter()
        .zip(names)
        .map(|(artifact, file_name)| {
            let digests = cargo_sbom::digest::Digests::of_file(&artifact.path)
                .map_err(|e| Error::read(&artifact.path, &e))?;
            let library = [".so", ".dylib", ".dll", ".a", ".lib", ".rlib"]
                .iter()
                .any(|ext| file_name.ends_with(ext));
            Ok(cargo_sbom::graph::Artifact {
                file_name,
                digests,
                executable: !library,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    list.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    Ok(list)
}

/// `NAME` and `VERSION` of the SBOM subject.
fn subject_name(graph: &ResolvedGraph) -> (String, String) {
    match &graph.subject {
        Subject::Package(id) => {
            let component = graph.component(*id);
            (component.name.clone(), component.version.clone())
        }
        Subject::Workspace { name, version, .. } => (name.clone(), version.clone()),
    }
}

pub(crate) fn sbom_value(bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Internal(format!("an SBOM this tool wrote is not JSON: {e}")))
}

/// Warns when cargo compiled a package the resolved graph does not know (the SBOM would then
/// miss it): a sign that the cargo arguments or configuration select something this tool does
/// not model (e.g. `build.target` in `.cargo/config.toml`).
fn warn_about_unresolved(graph: &ResolvedGraph, compiled: &std::collections::BTreeSet<PackageId>) {
    let missing: Vec<String> = compiled
        .iter()
        .filter(|id| graph.by_package(id).is_none())
        // `registry+https://…#itoa@1.0.19` → `itoa@1.0.19`.
        .map(|id| id.repr().rsplit('#').next().unwrap_or(id.repr()).to_owned())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "warning: cargo compiled {} package(s) that the resolved graph does not contain \
             (they are missing from the SBOMs): {}",
            missing.len(),
            missing.join(", ")
        );
    }
}

/// A path for messages: relative to the current directory when below it.
pub(crate) fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned())
        .display()
        .to_string()
}
