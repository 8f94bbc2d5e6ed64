//! `cargo attest`: keys, signed provenance of real builds, signing and verification.
//!
//! Exit codes: 0 success; 1 verification failed (or, for `build`, cargo's own failure code);
//! 2 a usage, key or input error.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use cargo_attest::envelope::{self, ReadFailure};
use cargo_attest::keys::{KeyAlgorithm, KeySource, PASSWORD_ENV, Signer, SigningKey, VerifyingKey};
use cargo_attest::policy::report::{Reporter, Summary};
use cargo_attest::policy::{self, Config, PolicyContext, RuleId};
use cargo_attest::statement::{PAYLOAD_TYPE, ResourceDescriptor, Statement};
use cargo_attest::verify::{Artifact, Expectations};
use cargo_attest::{Error, build, ssdf};
use cargo_sbom::digest::Sha256Hex;

/// Signed in-toto / SLSA provenance of Cargo builds, in Sigstore bundle form.
#[derive(Parser, Debug)]
#[command(
    name = "cargo-attest",
    bin_name = "cargo attest",
    version,
    after_help = "Exit codes: 0 success, 1 verification failed (build: cargo's own exit code), 2 usage, key or input error.\n\
                  Keys: --key FILE or CARGO_ATTEST_KEY (PEM text); encrypted keys read CARGO_ATTEST_PASSWORD or --password-stdin."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).
    Keygen(KeygenArgs),
    /// Run `cargo build`, then write SBOMs and a signed SLSA provenance bundle of its artifacts.
    Build(BuildArgs),
    /// Sign any predicate about the given subjects into a Sigstore bundle.
    Sign(SignArgs),
    /// Verify a bundle (or a bare DSSE envelope) against a public key and artifacts.
    Verify(VerifyArgs),
    /// Check the workspace against the SSDF policy in attest.toml (exit 1 on any deny finding).
    Check(CheckArgs),
    /// Write a commented default attest.toml at the workspace root.
    Init(InitArgs),
    /// Report the status of every SSDF PS/PW task (NIST SP 800-218), optionally signed.
    Ssdf(SsdfArgs),
    /// Check the policy (release context), build, and write a signed, checksummed release
    /// directory: archives, source, SBOMs, reports, SHA256SUMS, provenance.
    Release(ReleaseArgs),
    /// Verify a release directory: signature, every file's digest, no missing or extra file,
    /// SBOM root, and archives safe to extract.
    VerifyRelease(VerifyReleaseArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum AlgorithmArg {
    /// ECDSA P-256 with SHA-256.
    EcdsaP256,
    /// Ed25519.
    Ed25519,
}

#[derive(Args, Debug)]
struct KeygenArgs {
    /// Signature algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::EcdsaP256)]
    algorithm: AlgorithmArg,
    /// Write PREFIX.key and PREFIX.pub.
    #[arg(short, long, value_name = "PREFIX")]
    output: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    force: bool,
    /// Read the password that encrypts the key from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args, Debug)]
struct KeyArgs {
    /// The private key (PKCS#8 PEM); default: the PEM text in CARGO_ATTEST_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Read the key's password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args, Debug)]
struct BuildArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Where to write SBOMs and the bundle [default: target/attest].
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Arguments for `cargo build` (with or without a leading `--`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO_BUILD_ARGS"
    )]
    cargo_args: Vec<String>,
}

#[derive(Args, Debug)]
struct SignArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// The predicate, a JSON file (for example an SBOM).
    #[arg(long, value_name = "FILE")]
    predicate: PathBuf,
    /// The predicate type URI (e.g. https://cyclonedx.org/bom, https://spdx.dev/Document).
    #[arg(long = "type", value_name = "URI")]
    predicate_type: String,
    /// The files the statement is about (repeatable).
    #[arg(long = "subject", value_name = "FILE", required = true)]
    subjects: Vec<PathBuf>,
    /// Write the bundle to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The public key (SPKI PEM).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The Sigstore bundle or DSSE envelope.
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
    /// Require this predicate type.
    #[arg(long = "type", value_name = "URI")]
    predicate_type: Option<String>,
    /// Require this SLSA builder id.
    #[arg(long, value_name = "ID")]
    builder_id: Option<String>,
    /// Require this source repository (e.g. github.com/org/repo).
    #[arg(long, value_name = "URI")]
    source_uri: Option<String>,
    /// Files whose SHA-256 must be subjects of the statement.
    #[arg(value_name = "ARTIFACT")]
    artifacts: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    /// Findings and a summary line on standard error.
    Human,
    /// One JSON document: findings, summary, rules.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The policy file [default: attest.toml at the workspace root, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Write the report to FILE instead of the terminal.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
    /// Never touch the network.
    #[arg(long)]
    offline: bool,
    /// Release context: rules that depend on it (source control, …) deny instead of warn.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    graph: cargo_sbom::cli::GraphArgs,
    /// The workspace's Cargo.toml [default: found from the current directory].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// A built binary for the binary-hardening rule (repeatable).
    #[arg(long = "binary", value_name = "FILE")]
    binaries: Vec<PathBuf>,
    /// Run only these rules [default: all].
    #[arg(value_name = "RULE", value_parser = parse_rule)]
    rules: Vec<RuleId>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SsdfFormat {
    /// Markdown.
    Md,
    /// JSON (the predicate of the signed statement).
    Json,
}

#[derive(Args, Debug)]
struct SsdfArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SsdfFormat::Md)]
    format: SsdfFormat,
    /// Write the report to FILE (and, when signing, the bundle to FILE.sigstore.json).
    #[arg(long, visible_alias = "output", short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// Sign the report with this private key (PKCS#8 PEM); needs --out.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Sign with the key in CARGO_ATTEST_KEY (PEM text); needs --out.
    #[arg(long, conflicts_with = "key")]
    sign: bool,
    /// Read the key's password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Release context: context rules deny (as `cargo attest check --strict`).
    #[arg(long)]
    strict: bool,
    /// Release evidence to record (archives, SBOMs, provenance, SHA256SUMS; repeatable).
    #[arg(long = "evidence", value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// The policy file [default: attest.toml at the workspace root, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The workspace's Cargo.toml [default: found from the current directory].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
    /// Never touch the network.
    #[arg(long)]
    offline: bool,
    /// Check these members (repeatable) [default: what `cargo build` builds].
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Check every workspace member.
    #[arg(long, conflicts_with = "packages")]
    workspace: bool,
    /// A built binary for the binary-hardening rule (repeatable).
    #[arg(long = "binary", value_name = "FILE")]
    binaries: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct ReleaseArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Where release directories go [default: target/attest/release].
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Release this package (passed on to cargo build).
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Build for this target triple (passed on to cargo build).
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Release although tracked files have uncommitted changes (recorded as dirty).
    #[arg(long)]
    allow_dirty: bool,
    /// Replace an existing release directory.
    #[arg(long)]
    force: bool,
    /// The policy file [default: attest.toml at the workspace root, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
    /// Arguments for `cargo build` (with or without a leading `--`) [default profile: release].
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO_BUILD_ARGS"
    )]
    cargo_args: Vec<String>,
}

#[derive(Args, Debug)]
struct VerifyReleaseArgs {
    /// The release directory (`.../NAME-VERSION`).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The public key (SPKI PEM).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// Replace an existing attest.toml.
    #[arg(long)]
    force: bool,
    /// The workspace's Cargo.toml [default: found from the current directory].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
}

/// A rule id as written in reports (`lockfile`, `source-control`, …).
fn parse_rule(text: &str) -> Result<RuleId, String> {
    RuleId::ALL
        .into_iter()
        .find(|rule| rule.as_str() == text)
        .ok_or_else(|| {
            let names: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown rule `{text}` (rules: {})", names.join(", "))
        })
}

fn main() -> ExitCode {
    // Cargo runs a subcommand as `cargo-attest attest ARGS`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "attest") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Keygen(args) => keygen(&args),
        Command::Build(args) => run_build(args),
        Command::Sign(args) => sign(&args),
        Command::Verify(args) => verify(&args),
        Command::Check(args) => check(&args),
        Command::Init(args) => init(&args),
        Command::Ssdf(args) => ssdf(&args),
        Command::Release(args) => run_release(args),
        Command::VerifyRelease(args) => verify_release(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// The password: `--password-stdin` (first line), else [`PASSWORD_ENV`], else none.
fn password(from_stdin: bool) -> Result<Option<zeroize::Zeroizing<String>>, Error> {
    if from_stdin {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|_| Error::Usage("--password-stdin: could not read standard input".into()))?;
        let trimmed = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
        if trimmed.is_empty() {
            return Err(Error::Usage(
                "--password-stdin: the password is empty".into(),
            ));
        }
        return Ok(Some(trimmed));
    }
    Ok(std::env::var(PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(zeroize::Zeroizing::new))
}

fn load_signer(args: &KeyArgs) -> Result<SigningKey, Error> {
    let source = KeySource::from_arg_or_env(args.key.as_deref())?;
    let password = password(args.password_stdin)?;
    SigningKey::load(&source, password.as_ref().map(|p| p.as_str()))
}

fn keygen(args: &KeygenArgs) -> Result<ExitCode, Error> {
    let algorithm = match args.algorithm {
        AlgorithmArg::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        AlgorithmArg::Ed25519 => KeyAlgorithm::Ed25519,
    };
    let private_path = with_suffix(&args.output, "key");
    let public_path = with_suffix(&args.output, "pub");
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(Error::Usage(format!(
                    "{} already exists; pass --force to replace it",
                    path.display()
                )));
            }
        }
    }
    let password = password(args.password_stdin)?;
    let key = SigningKey::generate(algorithm);
    let private_pem = key.to_pem(password.as_ref().map(|p| p.as_str()))?;
    // The public key first: if the private key then cannot be written, the public one is
    // removed again, so a failed keygen leaves neither file.
    cargo_sbom::output::write_atomic(&public_path, key.verifying_key().to_pem().as_bytes())?;
    if let Err(error) =
        cargo_sbom::output::write_atomic_private(&private_path, private_pem.as_bytes())
    {
        let _ = std::fs::remove_file(&public_path);
        return Err(error.into());
    }
    eprintln!(
        "     Created {} key {} (private, mode 0600{}) and {}",
        algorithm.as_str(),
        private_path.display(),
        if password.is_some() {
            ", encrypted"
        } else {
            ""
        },
        public_path.display()
    );
    eprintln!("      Key id {}", key.key_id());
    Ok(ExitCode::SUCCESS)
}

/// `PREFIX` + `.ext`, keeping any dots already in the prefix.
fn with_suffix(prefix: &Path, extension: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Cargo build arguments as given, without a leading `--` separator (accepted but not needed).
fn without_separator(mut cargo_args: Vec<String>) -> Vec<String> {
    if cargo_args.first().is_some_and(|a| a == "--") {
        cargo_args.remove(0);
    }
    cargo_args
}

fn run_build(args: BuildArgs) -> Result<ExitCode, Error> {
    let signer = load_signer(&args.key)?;
    let cargo_args = without_separator(args.cargo_args);
    let options = build::BuildOptions {
        cargo_args,
        out_dir: args.out_dir,
    };
    build::run(&options, &signer)
}

fn run_release(args: ReleaseArgs) -> Result<ExitCode, Error> {
    let signer = load_signer(&args.key)?;
    let cargo_args = without_separator(args.cargo_args);
    let mut selection = Vec::new();
    for package in args.packages {
        selection.extend(["--package".to_owned(), package]);
    }
    if let Some(target) = args.target {
        selection.extend(["--target".to_owned(), target]);
    }
    selection.extend(cargo_args);
    let options = cargo_attest::release::ReleaseOptions {
        cargo_args: selection,
        out_dir: args.out_dir,
        allow_dirty: args.allow_dirty,
        force: args.force,
        config: args.config,
        advisory_db: args.advisory_db,
        color: use_color(),
    };
    cargo_attest::release::run(&options, &signer)
}

fn verify_release(args: &VerifyReleaseArgs) -> Result<ExitCode, Error> {
    let key = VerifyingKey::read(&args.key)?;
    if !args.dir.is_dir() {
        return Err(Error::Read {
            path: args.dir.clone(),
            reason: "not a directory (expected a release directory NAME-VERSION)".into(),
        });
    }
    match cargo_attest::release::verify_release(&args.dir, &key)? {
        Ok(verified) => {
            for note in &verified.notes {
                eprintln!("note: {note}");
            }
            println!(
                "Verified OK {}: release {}, signed by key {}, {} file(s), {} archive entries safe",
                args.dir.display(),
                verified.stem,
                key.key_id(),
                verified.files,
                verified.archive_entries
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            println!("FAILED {}:", args.dir.display());
            for problem in problems {
                println!("  {problem}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn sign(args: &SignArgs) -> Result<ExitCode, Error> {
    let signer = load_signer(&args.key)?;
    let predicate_bytes = std::fs::read(&args.predicate).map_err(|e| Error::Read {
        path: args.predicate.clone(),
        reason: cargo_attest::error::io_reason(&e),
    })?;
    let predicate: serde_json::Value =
        serde_json::from_slice(&predicate_bytes).map_err(|e| Error::Malformed {
            path: args.predicate.clone(),
            reason: format!("the predicate is not valid JSON: {e}"),
        })?;
    // in-toto Statement v1 validators require a non-empty predicate object.
    if predicate.as_object().is_none_or(serde_json::Map::is_empty) {
        return Err(Error::Malformed {
            path: args.predicate.clone(),
            reason: "the predicate must be a non-empty JSON object".into(),
        });
    }
    let subjects = args
        .subjects
        .iter()
        .map(|path| {
            let digest = file_digest(path)?;
            Ok(ResourceDescriptor::file(
                display_name(path),
                digest.as_str(),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let statement = Statement::new(subjects, &args.predicate_type, predicate);
    let payload = serde_json::to_vec(&statement).map_err(|e| Error::Usage(e.to_string()))?;
    let envelope = envelope::sign(&payload, PAYLOAD_TYPE, &signer)?;
    let bundle = envelope::bundle_json(envelope, &signer.key_id());
    match &args.output {
        Some(path) => {
            cargo_sbom::output::write_atomic(path, &bundle)?;
            eprintln!(
                "      Signed {} subject(s) into {}",
                args.subjects.len(),
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bundle)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::Write {
                    path: "standard output".into(),
                    reason: cargo_attest::error::io_reason(&e),
                })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The file name used as a subject name (no directories: they are host-specific).
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn file_digest(path: &Path) -> Result<Sha256Hex, Error> {
    Sha256Hex::of_file(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        reason: cargo_attest::error::io_reason(&e),
    })
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, Error> {
    let key = VerifyingKey::read(&args.key)?;
    let artifacts = args
        .artifacts
        .iter()
        .map(|path| {
            Ok(Artifact {
                name: path.display().to_string(),
                sha256: file_digest(path)?.as_str().to_owned(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let document = match envelope::read_signed(&args.bundle) {
        Ok(document) => document,
        Err(ReadFailure::Malformed(error)) => return Err(error),
        Err(ReadFailure::Rejected(reason)) => {
            println!("FAILED {}: {reason}", args.bundle.display());
            return Ok(ExitCode::from(1));
        }
    };
    let expectations = Expectations {
        predicate_type: args.predicate_type.clone(),
        builder_id: args.builder_id.clone(),
        source_uri: args.source_uri.clone(),
    };
    match cargo_attest::verify::verify(&document, &key, &artifacts, &expectations) {
        Ok(verified) => {
            println!(
                "Verified OK {}: signed by key {}, predicate {}, {} subject(s), {} artifact(s) matched",
                args.bundle.display(),
                key.key_id(),
                verified.predicate_type,
                verified.subject_count,
                artifacts.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            println!("FAILED {}:", args.bundle.display());
            for problem in problems {
                println!("  {problem}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn init(args: &InitArgs) -> Result<ExitCode, Error> {
    let root = policy::init::workspace_root(args.manifest_path.as_deref())?;
    let path = policy::init::write(&root, args.force)?;
    eprintln!("     Created {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// What a policy check produced.
struct CheckRun {
    workspace: cargo_sbom::Workspace,
    config: Config,
    config_path: Option<PathBuf>,
    findings: Vec<policy::Finding>,
    rules: Vec<RuleId>,
}

fn ssdf(args: &SsdfArgs) -> Result<ExitCode, Error> {
    let signing = args.key.is_some() || args.sign;
    if signing && args.out.is_none() {
        return Err(Error::Usage(
            "signing the SSDF report needs --out FILE (the bundle is FILE.sigstore.json)".into(),
        ));
    }
    // The key first: a bad key or password fails before the (slow) policy check.
    let signer = if signing {
        Some(load_signer(&KeyArgs {
            key: args.key.clone(),
            password_stdin: args.password_stdin,
        })?)
    } else {
        None
    };
    let generated_at = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .map(|text| cargo_sbom::Timestamp::from_source_date_epoch(&text))
        .transpose()?;
    let evidence_files = args
        .evidence
        .iter()
        .map(|path| Ok((display_name(path), file_digest(path)?)))
        .collect::<Result<Vec<_>, Error>>()?;

    let check_args = CheckArgs {
        config: args.config.clone(),
        format: CheckFormat::Json,
        output: None,
        advisory_db: args.advisory_db.clone(),
        offline: args.offline,
        strict: args.strict,
        graph: cargo_sbom::cli::GraphArgs {
            packages: args.packages.clone(),
            workspace: args.workspace,
            ..Default::default()
        },
        manifest_path: args.manifest_path.clone(),
        binaries: args.binaries.clone(),
        rules: Vec::new(),
    };
    let run = run_check(&check_args)?;
    let input = ssdf::SsdfInput {
        findings: &run.findings,
        rules: &run.rules,
        config: &run.config,
        config_path: run.config_path.as_deref(),
        root: run.workspace.root(),
        release_context: args.strict,
        signed: signing,
        evidence_files: &evidence_files,
        generated_at,
    };
    let report = ssdf::report(&input);
    let bytes = match args.format {
        SsdfFormat::Md => report.to_markdown().into_bytes(),
        SsdfFormat::Json => report.to_json_bytes(),
    };
    emit(args.out.as_deref(), &bytes, false)?;
    let summary = report.summary();
    let count = |status: &str| summary.get(status).copied().unwrap_or(0);
    eprintln!(
        "        SSDF {} tasks: {} met, {} attested manually, {} partial, {} not met, {} not applicable",
        report.tasks.len(),
        count("met"),
        count("attested-manually"),
        count("partial"),
        count("not-met"),
        count("not-applicable")
    );
    if let (Some(signer), Some(out)) = (signer, &args.out) {
        let report_subject =
            ResourceDescriptor::file(display_name(out), file_digest(out)?.as_str());
        let bundle = ssdf::sign(&report, &[report_subject], &signer)?;
        let bundle_path = with_suffix(out, "sigstore.json");
        cargo_sbom::output::write_atomic(&bundle_path, &bundle)?;
        eprintln!(
            "      Signed {} into {}",
            out.display(),
            bundle_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let CheckRun {
        workspace,
        findings,
        rules,
        ..
    } = run_check(args)?;
    let reporter = Reporter::new(workspace.root());
    let summary = Summary::of(&findings);
    match args.format {
        CheckFormat::Human => {
            let color = args.output.is_none() && use_color();
            let text = reporter.human(&findings, color);
            emit(args.output.as_deref(), text.as_bytes(), true)?;
        }
        CheckFormat::Json | CheckFormat::Sarif => {
            let value = if args.format == CheckFormat::Json {
                reporter.json(&findings, &rules)
            } else {
                reporter.sarif(&findings, &rules)
            };
            let mut bytes =
                serde_json::to_vec_pretty(&value).map_err(|e| Error::Usage(e.to_string()))?;
            bytes.push(b'\n');
            emit(args.output.as_deref(), &bytes, false)?;
            if args.output.is_some() {
                eprintln!("{}", summary.line());
            }
        }
    }
    Ok(if summary.deny > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Loads the workspace and configuration and runs the selected rules.
fn run_check(args: &CheckArgs) -> Result<CheckRun, Error> {
    let root = policy::init::workspace_root(args.manifest_path.as_deref())?;
    // The configuration first: its errors need no workspace.
    let (config, config_path) = Config::load(args.config.as_deref(), &root)?;

    // `cargo metadata` writes a missing or stale Cargo.lock; the check must judge (and leave)
    // the lockfile as it was.
    let network = cargo_sbom::CargoNetwork {
        locked: false,
        offline: args.offline,
        frozen: false,
    };
    let workspace = policy::load_workspace(
        &root,
        args.manifest_path.as_deref(),
        network,
        &args.graph.targets(),
    )?;
    let options = args.graph.resolve_options(false, false);
    let members = workspace.select(&options.packages)?;
    let graph = workspace.resolve(&members, &options)?;
    let context = PolicyContext {
        workspace: &workspace,
        graph: &graph,
        config: &config,
        config_path,
        strict: args.strict,
        offline: args.offline,
        advisory_db: args.advisory_db.clone(),
        binaries: args.binaries.clone(),
    };
    let (findings, rules) = policy::run_rules(&context, &args.rules)?;
    let config_path = context.config_path;
    drop(graph);
    Ok(CheckRun {
        workspace,
        config,
        config_path,
        findings,
        rules,
    })
}

/// Colour for the human report on standard error: a terminal, `NO_COLOR` unset or empty, and
/// `CARGO_TERM_COLOR` not `never` (`always` forces it).
fn use_color() -> bool {
    use std::io::IsTerminal;
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match std::env::var("CARGO_TERM_COLOR").as_deref() {
        Ok("never") => false,
        Ok("always") => true,
        _ => std::io::stderr().is_terminal(),
    }
}

/// Writes a report to `output` (atomically), else to standard error (`to_stderr`) or output.
fn emit(output: Option<&Path>, bytes: &[u8], to_stderr: bool) -> Result<(), Error> {
    if let Some(path) = output {
        cargo_sbom::output::write_atomic(path, bytes)?;
        return Ok(());
    }
    let result = if to_stderr {
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(bytes).and_then(|()| stderr.flush())
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes).and_then(|()| stdout.flush())
    };
    result.map_err(|e| Error::Write {
        path: if to_stderr {
            "standard error"
        } else {
            "standard output"
        }
        .into(),
        reason: cargo_attest::error::io_reason(&e),
    })
}
