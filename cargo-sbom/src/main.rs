//! `cargo sbom`: writes, validates and compares SBOMs of Cargo workspaces.
//!
//! Exit codes: [`cargo_sbom::error::exit`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use cargo_sbom::cli::GraphArgs;
use cargo_sbom::error::exit;
use cargo_sbom::output::{self, Terminal};
use cargo_sbom::{
    CargoNetwork, DocumentOptions, Error, FORMATS, Format, Lifecycle, SbomFormat, Timestamp,
    Workspace, diff, validate,
};

/// Exact, complete, reproducible SBOMs from Cargo's resolved dependency graph.
#[derive(Parser, Debug)]
#[command(
    name = "cargo-sbom",
    bin_name = "cargo sbom",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 success, 1 invalid SBOM or differences found, 2 usage or input error, 3 internal error (a bug).\n\
                  SOURCE_DATE_EPOCH, when set, is the document timestamp (byte-reproducible output)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    generate: GenerateArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a CycloneDX, SPDX 2 or SPDX 3 JSON file against its official schema and a regulator's profile (NTIA minimum elements by default).
    Validate(ValidateArgs),
    /// Compare two SBOMs: components added, removed, and changed in version, license or hash.
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// The SBOM files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Also check the minimum elements of a regulator's profile (repeatable; see the README's
    /// "SBOM profiles" for each profile's rules and sections).
    #[arg(long, value_name = "PROFILE", value_parser = profile_values(), default_value = "ntia")]
    profile: Vec<String>,
    /// The public key (SPKI PEM) an embedded CycloneDX signature must verify with; without it,
    /// a signature is checked with the key it embeds (intact, but not who signed).
    #[arg(long, value_name = "PUB")]
    key: Option<PathBuf>,
    /// Print nothing for valid files.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The old SBOM.
    old: PathBuf,
    /// The new SBOM.
    new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DiffFormat {
    Human,
    Json,
}

/// `--format`: the ids of [`FORMATS`], each with its one-line summary.
fn format_values() -> PossibleValuesParser {
    PossibleValuesParser::new(
        FORMATS
            .iter()
            .map(|f| PossibleValue::new(f.id).help(f.summary)),
    )
}

/// `--profile`: the ids of [`validate::profile::PROFILES`].
fn profile_values() -> PossibleValuesParser {
    PossibleValuesParser::new(
        validate::profile::PROFILES
            .iter()
            .map(|p| PossibleValue::new(p.id).help(p.source)),
    )
}

/// `--spec-version`'s help: each format's versions and default.
fn spec_version_help() -> String {
    let versions: Vec<String> = FORMATS
        .iter()
        .map(|f| format!("{}: {}", f.name, f.version_names()))
        .collect();
    let defaults: Vec<String> = FORMATS.iter().map(|f| f.default_format().label()).collect();
    format!(
        "The format's specification version ({}) [default: {}]",
        versions.join("; "),
        defaults.join(", ")
    )
}

/// `--output-dir`'s help: the file names, by format.
fn output_dir_help() -> String {
    let names: Vec<String> = FORMATS
        .iter()
        .map(|f| format!("NAME-VERSION.{}", f.extension))
        .collect();
    format!(
        "Write one SBOM per selected package into DIR, named {}",
        names.join(" or ")
    )
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Output format.
    #[arg(long, value_parser = format_values(), default_value = FORMATS[0].id)]
    format: String,
    #[arg(long, value_name = "VERSION", help = spec_version_help())]
    spec_version: Option<String>,
    /// Write the SBOM to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "output_dir")]
    output: Option<PathBuf>,
    #[arg(long, value_name = "DIR", help = output_dir_help())]
    output_dir: Option<PathBuf>,
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Sign the CycloneDX document with KEY (PKCS#8 PEM, as `cargo attest keygen` writes it; the
    /// password of an encrypted key in CARGO_ATTEST_PASSWORD): a JSF signature embedded in it.
    #[arg(long, value_name = "KEY", conflicts_with = "from_binary")]
    sign: Option<PathBuf>,
    /// Print the CycloneDX SBOM embedded in FILE (by `build_hooks::Sbom::embed`) instead of
    /// resolving a workspace.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["output_dir", "manifest_path"])]
    from_binary: Option<PathBuf>,
    #[command(flatten)]
    graph: GraphArgs,
    /// Include dev-dependencies of the selected packages (as `cargo test` builds them).
    #[arg(long)]
    include_dev: bool,
    /// Leave out build-time-only crates (build-dependencies, proc-macros and what only they use).
    #[arg(long)]
    no_build_deps: bool,
    /// Require Cargo.lock to be present and up to date.
    #[arg(long)]
    locked: bool,
    /// Run without accessing the network.
    #[arg(long)]
    offline: bool,
    /// Equivalent to --locked and --offline.
    #[arg(long)]
    frozen: bool,
    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Print what was resolved and written.
    #[arg(short, long)]
    verbose: bool,
}

fn main() -> ExitCode {
    // Cargo runs a subcommand as `cargo-sbom sbom ARGS`; a direct call has no `sbom` word.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "sbom") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Some(Command::Validate(args)) => run_validate(&args),
        Some(Command::Diff(args)) => run_diff(&args),
        None => run_generate(&cli.generate).map(|()| ExitCode::from(exit::SUCCESS)),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// The format and version asked for with `--format` and `--spec-version`.
fn chosen_format(args: &GenerateArgs) -> Result<Format, Error> {
    let family = SbomFormat::by_id(&args.format)
        .ok_or_else(|| Error::Internal(format!("--format {} is not a format", args.format)))?;
    match &args.spec_version {
        None => Ok(family.default_format()),
        Some(version) => family.version(version).ok_or_else(|| {
            Error::Usage(format!(
                "--spec-version {version}: {} is written as version {} only",
                family.name,
                family.version_names()
            ))
        }),
    }
}

fn run_generate(args: &GenerateArgs) -> Result<(), Error> {
    if let Some(binary) = &args.from_binary {
        return run_from_binary(args, binary);
    }
    let format = chosen_format(args)?;
    let signer = signing_key(args, format)?;
    let document = DocumentOptions {
        format,
        timestamp: Timestamp::from_env()?,
        lifecycle: Lifecycle::PreBuild,
    };
    let network = CargoNetwork {
        locked: args.locked,
        offline: args.offline,
        frozen: args.frozen,
    };
    let workspace = Workspace::load(
        args.manifest_path.as_deref(),
        network,
        &args.graph.targets(),
    )?;
    let options = args
        .graph
        .resolve_options(args.include_dev, args.no_build_deps);
    let members = workspace.select(&options.packages)?;

    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, &e))?;
        // Render everything first, so that an error in one package writes no file at all.
        let mut files = Vec::new();
        for member in &members {
            let graph = workspace.resolve(&[*member], &options)?;
            let root = graph.component(graph.roots()[0]);
            let path = dir.join(format.file_name(&format!("{}-{}", root.name, root.version)));
            verbose_summary(args, &graph);
            files.push((
                path,
                signed(cargo_sbom::render(&graph, &document), signer.as_ref())?,
                graph.components().len(),
            ));
        }
        for (path, bytes, count) in files {
            output::write_atomic(&path, &bytes)?;
            report(args, &path, count);
        }
        return Ok(());
    }

    let graph = workspace.resolve(&members, &options)?;
    verbose_summary(args, &graph);
    let bytes = signed(cargo_sbom::render(&graph, &document), signer.as_ref())?;
    let component_count = graph.components().len();
    // The process ends right after writing: freeing the graphs (milliseconds on large
    // workspaces) would only delay the exit.
    std::mem::forget(graph);
    std::mem::forget(workspace);
    output::write_output(args.output.as_deref(), &bytes, Terminal::Stdout)?;
    if let Some(path) = &args.output {
        report(args, path, component_count);
    }
    Ok(())
}

/// The key of `--sign`, loaded before any work (a wrong key or password fails at once).
fn signing_key(
    args: &GenerateArgs,
    format: Format,
) -> Result<Option<attest_keys::SigningKey>, Error> {
    let Some(path) = &args.sign else {
        return Ok(None);
    };
    if format.family != &cargo_sbom::format::cyclonedx::FORMAT {
        return Err(Error::Usage(format!(
            "--sign embeds a JSF signature, which only CycloneDX defines; {} documents are \
             signed with `cargo attest sign` (a detached in-toto bundle)",
            format.family.name
        )));
    }
    let password = std::env::var(attest_keys::PASSWORD_ENV)
        .ok()
        .map(zeroize::Zeroizing::new);
    let source = attest_keys::KeySource::File(path.clone());
    Ok(Some(attest_keys::SigningKey::load(
        &source,
        password.as_ref().map(|p| p.as_str()),
    )?))
}

/// The document, signed when a key is given.
fn signed(bytes: Vec<u8>, key: Option<&attest_keys::SigningKey>) -> Result<Vec<u8>, Error> {
    match key {
        None => Ok(bytes),
        Some(key) => cargo_sbom::jsf::sign(&bytes, key)
            .map_err(|reason| Error::Internal(format!("signing the written document: {reason}"))),
    }
}

/// `--from-binary FILE`: the embedded CycloneDX JSON, as stored, to standard output or `-o`.
fn run_from_binary(args: &GenerateArgs, binary: &Path) -> Result<(), Error> {
    if args.format != cargo_sbom::format::cyclonedx::FORMAT.id || args.spec_version.is_some() {
        return Err(Error::Usage(
            "--from-binary prints the embedded CycloneDX document as it is; \
             --format and --spec-version do not apply"
                .into(),
        ));
    }
    let bytes = cargo_sbom::embedded::read_sbom(binary)?;
    output::write_output(args.output.as_deref(), &bytes, Terminal::Stdout)?;
    if let Some(path) = &args.output
        && !args.quiet
    {
        eprintln!(
            "     Wrote {} (embedded in {})",
            path.display(),
            binary.display()
        );
    }
    Ok(())
}

fn report(args: &GenerateArgs, path: &Path, components: usize) {
    if !args.quiet {
        eprintln!("     Wrote {} ({components} components)", path.display());
    }
}

/// With `-v`: what was resolved, by usage.
fn verbose_summary(args: &GenerateArgs, graph: &cargo_sbom::ResolvedGraph) {
    if !args.verbose {
        return;
    }
    let count = |usage| {
        graph
            .components()
            .iter()
            .filter(|c| c.usage == usage)
            .count()
    };
    eprintln!(
        "  Resolved {} components ({} runtime, {} build-time, {} dev) and {} edges for {}",
        graph.components().len(),
        count(cargo_sbom::Usage::Runtime),
        count(cargo_sbom::Usage::Build),
        count(cargo_sbom::Usage::Dev),
        graph.edges().len(),
        graph.target
    );
    // The known gap of the profiles' SHA-512: registry crates whose file is not cached.
    let registry: Vec<&cargo_sbom::Component> = graph
        .components()
        .iter()
        .filter(|c| !c.digests_of_source())
        .collect();
    let missing: Vec<String> = registry
        .iter()
        .filter(|c| c.digests.is_none())
        .map(|c| format!("{} {}", c.name, c.version))
        .collect();
    eprintln!(
        "    Hashed {} of {} registry crates (SHA-512 of the cached .crate, checked against Cargo.lock){}",
        registry.len() - missing.len(),
        registry.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(
                "; not in Cargo's cache, SHA-256 from Cargo.lock only: {}",
                missing.join(", ")
            )
        }
    );
}

fn run_validate(args: &ValidateArgs) -> Result<ExitCode, Error> {
    let profiles: Vec<&validate::profile::Profile> = args
        .profile
        .iter()
        .filter_map(|id| validate::profile::Profile::by_id(id))
        .collect();
    let names: Vec<&str> = profiles.iter().map(|p| p.id).collect();
    let key = args
        .key
        .as_deref()
        .map(attest_keys::VerifyingKey::read)
        .transpose()?;
    let options = validate::Options {
        profiles: profiles.clone(),
        key: key.as_ref(),
    };
    let mut all_valid = true;
    let mut text = String::new();
    macro_rules! out {
        ($($arg:tt)*) => {{
            text.push_str(&format!($($arg)*));
            text.push('\n');
        }};
    }
    for file in &args.files {
        let report = validate::validate_file_with(file, &options)?;
        let signed = match &report.signature {
            Some(s) if s.trusted => {
                format!(", {} signature by the given key {}", s.algorithm, s.key_id)
            }
            Some(s) => format!(
                ", {} signature intact (by its embedded key {}; pass --key to check who signed)",
                s.algorithm, s.key_id
            ),
            None => String::new(),
        };
        if report.is_valid() {
            if !args.quiet {
                out!(
                    "{}: valid {}, meets {}{signed}",
                    file.display(),
                    report.format,
                    names.join(", ")
                );
            }
            continue;
        }
        all_valid = false;
        if report.problems.is_empty() {
            out!("{}: valid {}", file.display(), report.format);
        } else {
            out!(
                "{}: invalid {} ({} problems)",
                file.display(),
                report.format,
                report.problems.len()
            );
            for problem in &report.problems {
                out!("  {problem}");
            }
        }
        for profile in &profiles {
            let missing: Vec<_> = report
                .missing
                .iter()
                .filter(|m| m.profile == profile.id)
                .collect();
            if missing.is_empty() {
                out!("  {}: meets {}", profile.id, profile.source);
            } else {
                out!("  {}: {} missing elements", profile.id, missing.len());
                for m in missing {
                    out!("    {}: {}", m.location, m.message);
                }
            }
        }
    }
    print_stdout(&text);
    Ok(ExitCode::from(if all_valid {
        exit::SUCCESS
    } else {
        exit::FINDING
    }))
}

/// Writes to standard output; a reader that went away (`| head`) ends the output quietly.
fn print_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn run_diff(args: &DiffArgs) -> Result<ExitCode, Error> {
    let difference = diff::diff_files(&args.old, &args.new)?;
    match args.format {
        DiffFormat::Human => print_stdout(&difference.to_human()),
        DiffFormat::Json => print_stdout(&format!("{}\n", difference.to_json())),
    }
    Ok(ExitCode::from(if difference.is_empty() {
        exit::SUCCESS
    } else {
        exit::FINDING
    }))
}
