//! The command line of `cargo attest`: the clap definitions, the dispatch, and what every
//! handler shares (keys and passwords, file digests, output). One module per group of
//! commands: [`keys`] (keygen, sign, verify), [`check`] (check, init, ssdf), [`build`] (build,
//! release, verify-release).

mod build;
mod check;
mod keys;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use cargo_attest::Error;
use cargo_attest::error::exit;
use cargo_attest::signing::keys::{PASSWORD_ENV, SigningKey, key_source};

/// Signed in-toto / SLSA provenance of Cargo builds, in Sigstore bundle form.
#[derive(Parser, Debug)]
#[command(
    name = "cargo-attest",
    bin_name = "cargo attest",
    version,
    after_help = "Exit codes: 0 success, 1 verification failed or a deny finding (build: cargo's own exit code), 2 usage, key or input error, 3 internal error (a bug).\n\
                  Keys: --key FILE or CARGO_ATTEST_KEY (PEM text); encrypted keys read CARGO_ATTEST_PASSWORD or --password-stdin."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).
    Keygen(keys::KeygenArgs),
    /// Run `cargo build`, then write SBOMs and a signed SLSA provenance bundle of its artifacts.
    Build(build::BuildArgs),
    /// Sign any predicate about the given subjects into a Sigstore bundle.
    Sign(keys::SignArgs),
    /// Verify a bundle (or a bare DSSE envelope) against a public key and artifacts.
    Verify(keys::VerifyArgs),
    /// Check the workspace against the SSDF policy in attest.toml (exit 1 on any deny finding).
    Check(check::CheckArgs),
    /// Write a commented default attest.toml at the workspace root.
    Init(check::InitArgs),
    /// Report the status of every SSDF PS/PW task (NIST SP 800-218), optionally signed.
    Ssdf(check::SsdfArgs),
    /// Check the policy (release context), build, and write a signed, checksummed release
    /// directory: archives, source, SBOMs, reports, SHA256SUMS, provenance.
    Release(build::ReleaseArgs),
    /// Verify a release directory: signature, every file's digest, no missing or extra file,
    /// SBOM root, and archives safe to extract.
    VerifyRelease(build::VerifyReleaseArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    // Cargo runs a subcommand as `cargo-attest attest ARGS`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "attest") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Keygen(args) => keys::keygen(&args),
        Command::Build(args) => build::build(args),
        Command::Sign(args) => keys::sign(&args),
        Command::Verify(args) => keys::verify(&args),
        Command::Check(args) => check::check(&args),
        Command::Init(args) => check::init(&args),
        Command::Ssdf(args) => check::ssdf(&args),
        Command::Release(args) => build::release(args),
        Command::VerifyRelease(args) => build::verify_release(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// What a handler returns: an exit code of [`exit`], or an error.
type Outcome = Result<u8, Error>;

/// The private key arguments every signing command takes.
#[derive(Args, Debug, Clone)]
struct KeyArgs {
    /// The private key (PKCS#8 PEM); default: the PEM text in CARGO_ATTEST_KEY.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Read the key's password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

impl KeyArgs {
    /// The signing key these arguments name.
    fn load(&self) -> Result<SigningKey, Error> {
        let source = key_source(self.key.as_deref())?;
        let password = password(self.password_stdin)?;
        Ok(SigningKey::load(
            &source,
            password.as_ref().map(|p| p.as_str()),
        )?)
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

/// The file name used as a subject name (no directories: they are host-specific).
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
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

/// The exit code of a verdict: [`exit::SUCCESS`] or [`exit::FAILURE`].
fn verdict(passed: bool) -> u8 {
    if passed { exit::SUCCESS } else { exit::FAILURE }
}
