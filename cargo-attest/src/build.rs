//! `cargo attest build`: a real cargo build, its SBOMs and its signed provenance.
//!
//! 1. The cargo arguments are read for what shapes the build (package selection, features,
//!    target, manifest, network flags, profile; see [`CargoArgs`]).
//! 2. `cargo build ARGS --message-format json-render-diagnostics` runs with cargo's progress and
//!    diagnostics on standard error; its `compiler-artifact` messages give the compiled packages
//!    and the attested artifacts (outputs of `bin`, `cdylib`, `staticlib` and `dylib` targets;
//!    never build scripts, test harnesses, `.rlib`, `.rmeta` or `.d` files). If cargo fails, its
//!    exit code is returned and nothing is written.
//! 3. The dependency graph is resolved with `cargo_sbom` for the same selection, features and
//!    target, then restricted to the packages cargo compiled, and rendered as CycloneDX 1.6 and
//!    SPDX 2.3 with lifecycle `build`.
//! 4. One in-toto Statement v1 with an SLSA Provenance v1 predicate ([`crate::provenance`])
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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cargo_sbom::digest::Sha256Hex;
use cargo_sbom::{
    CycloneDxVersion, DocumentOptions, Format, Lifecycle, ResolveOptions, ResolvedGraph, Subject,
    Timestamp, Workspace,
};
use serde_json::Value;

use crate::cargo_build::{self, BuiltArtifact, CargoArgs};
use crate::envelope;
use crate::error::{Error, Result};
use crate::keys::Signer;
use crate::provenance::{self, ProvenanceInput, Toolchain};
use crate::statement::{
    CYCLONEDX_PREDICATE, PAYLOAD_TYPE, ResourceDescriptor, SLSA_PROVENANCE_V1, SPDX_PREDICATE,
    Statement,
};

/// The media type of a CycloneDX JSON SBOM (byproduct descriptor).
pub const CYCLONEDX_MEDIA_TYPE: &str = "application/vnd.cyclonedx+json";
/// The media type of an SPDX JSON SBOM (byproduct descriptor).
pub const SPDX_MEDIA_TYPE: &str = "application/spdx+json";

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
    /// The CycloneDX 1.6 SBOM (lifecycle `build`).
    pub cdx: Vec<u8>,
    /// The SPDX 2.3 SBOM (lifecycle `build`).
    pub spdx: Vec<u8>,
    /// The source repository, when the workspace is in one that could be read.
    pub source: Option<crate::git::Source>,
    /// The digest of `Cargo.lock`, when the workspace has one.
    pub lockfile: Option<Sha256Hex>,
    /// The toolchain.
    pub toolchain: Toolchain,
    /// The builder (local or detected CI).
    pub builder: crate::ci::BuilderInfo,
    /// When the build started (the epoch, when one is set).
    pub started: Timestamp,
    /// When the build finished (the epoch, when one is set).
    pub finished: Timestamp,
    /// The recorded build environment ([`provenance::build_env`]).
    pub env: BTreeMap<String, String>,
}

impl Built {
    /// `NAME-VERSION`.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// The SBOM file names: `NAME-VERSION.cdx.json` and `NAME-VERSION.spdx.json`.
    pub fn sbom_names(&self) -> (String, String) {
        let stem = self.stem();
        (format!("{stem}.cdx.json"), format!("{stem}.spdx.json"))
    }

    /// The SBOMs as provenance byproducts (name, digest, media type).
    pub fn sbom_byproducts(&self) -> Vec<ResourceDescriptor> {
        let (cdx_name, spdx_name) = self.sbom_names();
        vec![
            byproduct(&cdx_name, &self.cdx, CYCLONEDX_MEDIA_TYPE),
            byproduct(&spdx_name, &self.spdx, SPDX_MEDIA_TYPE),
        ]
    }

    /// The SLSA provenance predicate of this build with the given byproducts.
    pub fn provenance(&self, byproducts: Vec<ResourceDescriptor>) -> crate::statement::Provenance {
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
    Failed(ExitCode),
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
        return Ok(BuildRun::Failed(ExitCode::from(
            u8::try_from(outcome.exit_code)
                .ok()
                .filter(|c| *c != 0)
                .unwrap_or(101),
        )));
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
    let graph = resolved.restrict_to(&outcome.compiled);
    warn_about_unresolved(&graph, &outcome.compiled);

    let root = workspace.root().to_owned();
    let target_dir = workspace
        .package_graph()
        .workspace()
        .target_directory()
        .as_std_path()
        .to_owned();

    let subjects = subjects(&outcome.artifacts, &target_dir)?;
    let (name, version) = subject_name(&graph);

    let document = |format| DocumentOptions {
        format,
        timestamp: finished,
        lifecycle: Lifecycle::Build,
    };
    let cdx = cargo_sbom::render(&graph, &document(Format::CycloneDx(CycloneDxVersion::V1_6)));
    let spdx = cargo_sbom::render(&graph, &document(Format::Spdx23));

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
        .then(|| {
            Sha256Hex::of_file(&lockfile_path).map_err(|e| Error::Read {
                path: lockfile_path.clone(),
                reason: crate::error::io_reason(&e),
            })
        })
        .transpose()?;
    let builder = crate::ci::detect(&env);
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
        cdx,
        spdx,
        source,
        lockfile,
        toolchain,
        builder,
        started,
        finished,
        env: provenance::build_env(std::env::vars_os()),
    })))
}

/// Runs the build and writes the attestation. Returns cargo's exit code when the build fails.
pub fn run(options: &BuildOptions, signer: &dyn Signer) -> Result<ExitCode> {
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
    let (cdx_name, spdx_name) = built.sbom_names();
    let predicate = built.provenance(built.sbom_byproducts());

    let provenance_bundle = sign_statement(
        &Statement::new(subjects.clone(), SLSA_PROVENANCE_V1, predicate),
        signer,
    )?;
    let cdx_bundle = sign_statement(
        &Statement::new(
            subjects.clone(),
            CYCLONEDX_PREDICATE,
            sbom_value(&built.cdx)?,
        ),
        signer,
    )?;
    let spdx_bundle = sign_statement(
        &Statement::new(subjects.clone(), SPDX_PREDICATE, sbom_value(&built.spdx)?),
        signer,
    )?;

    let components = built.graph.components.len();
    let files = vec![
        OutputFile {
            path: out_dir.join(&cdx_name),
            bytes: built.cdx.clone(),
            what: format!("CycloneDX 1.6 SBOM, {components} components"),
        },
        OutputFile {
            path: out_dir.join(&spdx_name),
            bytes: built.spdx.clone(),
            what: format!("SPDX 2.3 SBOM, {components} packages"),
        },
        OutputFile {
            path: out_dir.join(format!("{stem}.cdx.sigstore.json")),
            bytes: cdx_bundle,
            what: "signed CycloneDX attestation".into(),
        },
        OutputFile {
            path: out_dir.join(format!("{stem}.spdx.sigstore.json")),
            bytes: spdx_bundle,
            what: "signed SPDX attestation".into(),
        },
        OutputFile {
            path: out_dir.join(format!("{stem}.provenance.sigstore.json")),
            bytes: provenance_bundle,
            what: "signed SLSA provenance".into(),
        },
    ];
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::Write {
        path: out_dir.clone(),
        reason: crate::error::io_reason(&e),
    })?;
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
        "{:>12} key {}, builder {}{}",
        "Signed",
        signer.key_id(),
        built.builder.id,
        match &built.source {
            Some(s) if s.dirty => ", source has uncommitted changes",
            _ => "",
        }
    );
    Ok(ExitCode::SUCCESS)
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
            let digest = Sha256Hex::of_file(&artifact.path).map_err(|e| Error::Read {
                path: artifact.path.clone(),
                reason: crate::error::io_reason(&e),
            })?;
            Ok(ResourceDescriptor::file(name, digest.as_str()))
        })
        .collect::<Result<Vec<_>>>()?;
    subjects.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(subjects)
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

fn byproduct(name: &str, bytes: &[u8], media_type: &str) -> ResourceDescriptor {
    ResourceDescriptor {
        media_type: Some(media_type.to_owned()),
        ..ResourceDescriptor::file(name, Sha256Hex::digest(bytes).as_str())
    }
}

pub(crate) fn sbom_value(bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Usage(format!("internal error: an SBOM is not JSON: {e}")))
}

pub(crate) fn sign_statement<P: serde::Serialize>(
    statement: &Statement<P>,
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    let payload = serde_json::to_vec(statement)
        .map_err(|e| Error::Usage(format!("internal error: statement not serialisable: {e}")))?;
    let envelope = envelope::sign(&payload, PAYLOAD_TYPE, signer)?;
    Ok(envelope::bundle_json(envelope, &signer.key_id()))
}

/// Warns when cargo compiled a package the resolved graph does not know (the SBOM would then
/// miss it): a sign that the cargo arguments or configuration select something this tool does
/// not model (e.g. `build.target` in `.cargo/config.toml`).
fn warn_about_unresolved(graph: &ResolvedGraph, compiled: &std::collections::BTreeSet<String>) {
    let known: std::collections::BTreeSet<&str> = graph
        .components
        .iter()
        .map(|c| c.package_id.as_str())
        .collect();
    let missing: Vec<String> = compiled
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        // `registry+https://…#itoa@1.0.19` → `itoa@1.0.19`.
        .map(|id| id.rsplit('#').next().unwrap_or(id).to_owned())
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
