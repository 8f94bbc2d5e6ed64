//! `keygen`, `sign` and `verify`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{KeyArgs, Outcome, display_name, password, verdict, with_suffix};
use cargo_attest::Error;
use cargo_attest::error::{exit, file_digest};
use cargo_attest::signing::envelope::{self, ReadFailure};
use cargo_attest::signing::keys::{self, KeyAlgorithm, SigningKey, VerifyingKey};
use cargo_attest::signing::statement::{ResourceDescriptor, Statement};
use cargo_attest::signing::verify::{Artifact, Expectations};
use cargo_attest::signing::{Verifier, sign_statement};
use cargo_sbom::output::{self, Terminal};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AlgorithmArg {
    /// ECDSA P-256 with SHA-256.
    EcdsaP256,
    /// Ed25519.
    Ed25519,
}

#[derive(Args, Debug)]
pub(super) struct KeygenArgs {
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
pub(super) struct SignArgs {
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
pub(super) struct VerifyArgs {
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

pub(super) fn keygen(args: &KeygenArgs) -> Outcome {
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
    let private_pem = keys::private_pem(&key, password.as_ref().map(|p| p.as_str()))?;
    // The public key first: if the private key then cannot be written, the public one is
    // removed again, so a failed keygen leaves neither file.
    output::write_atomic(&public_path, key.verifying_key().to_pem().as_bytes())?;
    if let Err(error) = output::write_atomic_private(&private_path, private_pem.as_bytes()) {
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
    Ok(exit::SUCCESS)
}

pub(super) fn sign(args: &SignArgs) -> Outcome {
    let signer = args.key.load()?;
    let predicate_bytes =
        std::fs::read(&args.predicate).map_err(|e| Error::read(&args.predicate, &e))?;
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
            Ok(ResourceDescriptor::file(
                display_name(path),
                file_digest(path)?.as_str(),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let statement = Statement::new(subjects, &args.predicate_type, predicate);
    let bundle = sign_statement(&statement, &signer)?;
    output::write_output(args.output.as_deref(), &bundle, Terminal::Stdout)?;
    if let Some(path) = &args.output {
        eprintln!(
            "      Signed {} subject(s) into {}",
            args.subjects.len(),
            path.display()
        );
    }
    Ok(exit::SUCCESS)
}

pub(super) fn verify(args: &VerifyArgs) -> Outcome {
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
            return Ok(exit::FAILURE);
        }
    };
    let expectations = Expectations {
        predicate_type: args.predicate_type.clone(),
        builder_id: args.builder_id.clone(),
        source_uri: args.source_uri.clone(),
    };
    let result = cargo_attest::signing::verify::verify(&document, &key, &artifacts, &expectations);
    match &result {
        Ok(verified) => println!(
            "Verified OK {}: signed by {}, predicate {}, {} subject(s), {} artifact(s) matched",
            args.bundle.display(),
            key.describe(),
            verified.predicate_type,
            verified.subject_count,
            artifacts.len()
        ),
        Err(problems) => {
            println!("FAILED {}:", args.bundle.display());
            for problem in problems {
                println!("  {problem}");
            }
        }
    }
    Ok(verdict(result.is_ok()))
}
