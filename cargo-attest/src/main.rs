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
use cargo_attest::statement::{PAYLOAD_TYPE, ResourceDescriptor, Statement};
use cargo_attest::verify::{Artifact, Expectations};
use cargo_attest::{Error, build};
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

fn run_build(args: BuildArgs) -> Result<ExitCode, Error> {
    let signer = load_signer(&args.key)?;
    let mut cargo_args = args.cargo_args;
    if cargo_args.first().is_some_and(|a| a == "--") {
        cargo_args.remove(0);
    }
    let options = build::BuildOptions {
        cargo_args,
        out_dir: args.out_dir,
    };
    build::run(&options, &signer)
}

fn sign(args: &SignArgs) -> Result<ExitCode, Error> {
    let signer = load_signer(&args.key)?;
    let predicate_bytes = std::fs::read(&args.predicate).map_err(|e| Error::Read {
        path: args.predicate.clone(),
        reason: cargo_attest::keys::io_reason(&e),
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
                    reason: cargo_attest::keys::io_reason(&e),
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
        reason: cargo_attest::keys::io_reason(&e),
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
