//! `check`, `init` and `ssdf`: the policy of `attest.toml` and the SSDF report built on it.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{KeyArgs, Outcome, display_name, use_color, verdict, with_suffix};
use cargo_attest::error::{exit, file_digest};
use cargo_attest::policy::report::{Reporter, Summary};
use cargo_attest::policy::{self, PolicyOptions, PolicyRun, RuleId, WorkspaceCheck};
use cargo_attest::signing::statement::ResourceDescriptor;
use cargo_attest::{Error, attest_toml, ssdf};
use cargo_sbom::output::{self, Terminal};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CheckFormat {
    /// Findings and a summary line on standard error.
    Human,
    /// One JSON document: findings, summary, rules.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// What selects the policy run, shared by `check` and `ssdf`.
#[derive(Args, Debug, Clone)]
pub(super) struct PolicyArgs {
    /// The policy file [default: attest.toml at the workspace root, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A local RustSec advisory database (overrides the configuration).
    #[arg(long, value_name = "PATH")]
    advisory_db: Option<PathBuf>,
    /// Never touch the network.
    #[arg(long)]
    offline: bool,
    /// Release context: rules that depend on it (source control, …) deny instead of warn.
    #[arg(long)]
    strict: bool,
    /// The workspace's Cargo.toml [default: found from the current directory].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// A built binary for the binary-hardening rule (repeatable).
    #[arg(long = "binary", value_name = "FILE")]
    binaries: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Write the report to FILE instead of the terminal.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    graph: cargo_sbom::cli::GraphArgs,
    /// Run only these rules [default: all].
    #[arg(value_name = "RULE", value_parser = parse_rule)]
    rules: Vec<RuleId>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SsdfFormat {
    /// Markdown.
    Md,
    /// JSON (the predicate of the signed statement).
    Json,
}

#[derive(Args, Debug)]
pub(super) struct SsdfArgs {
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
    /// Release evidence to record (archives, SBOMs, provenance, SHA256SUMS; repeatable).
    #[arg(long = "evidence", value_name = "FILE")]
    evidence: Vec<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Check these members (repeatable) [default: what `cargo build` builds].
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Check every workspace member.
    #[arg(long, conflicts_with = "packages")]
    workspace: bool,
}

#[derive(Args, Debug)]
pub(super) struct InitArgs {
    /// Replace an existing attest.toml.
    #[arg(long)]
    force: bool,
    /// The workspace's Cargo.toml [default: found from the current directory].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
}

/// A rule id as written in reports (`lockfile`, `source-control`, …).
fn parse_rule(text: &str) -> Result<RuleId, String> {
    policy::rules::by_id(text).ok_or_else(|| {
        let names: Vec<&str> = policy::rules::all().map(RuleId::as_str).collect();
        format!("unknown rule `{text}` (rules: {})", names.join(", "))
    })
}

/// What a policy run of `check` or `ssdf` produced.
struct Checked {
    root: PathBuf,
    config: cargo_attest::config::Config,
    run: PolicyRun,
}

/// Loads the configuration (first: its errors need no workspace), then the workspace, and runs
/// the selected rules.
fn run_policy(
    args: &PolicyArgs,
    graph: &cargo_sbom::cli::GraphArgs,
    rules: &[RuleId],
) -> Result<Checked, Error> {
    let root = cargo_sbom::cargo::workspace_root(args.manifest_path.as_deref())?;
    let config = attest_toml::load(args.config.as_deref(), &root)?;
    let options = PolicyOptions {
        strict: args.strict,
        offline: args.offline,
        advisory_db: args.advisory_db.clone(),
        binaries: args.binaries.clone(),
        ..PolicyOptions::default()
    };
    let run = policy::check_workspace(&WorkspaceCheck {
        root: &root,
        manifest_path: args.manifest_path.as_deref(),
        config: &config,
        resolve: &graph.resolve_options(false, false),
        options: &options,
        rules,
    })?;
    Ok(Checked { root, config, run })
}

pub(super) fn check(args: &CheckArgs) -> Outcome {
    let Checked { root, run, .. } = run_policy(&args.policy, &args.graph, &args.rules)?;
    let reporter = Reporter::new(&root, &run);
    let summary = Summary::of(&run.findings);
    match args.format {
        CheckFormat::Human => {
            let color = args.output.is_none() && use_color();
            let text = reporter.human(&run.findings, color);
            output::write_output(args.output.as_deref(), text.as_bytes(), Terminal::Stderr)?;
        }
        CheckFormat::Json | CheckFormat::Sarif => {
            let value = if args.format == CheckFormat::Json {
                reporter.json(&run.findings, &run.rules)
            } else {
                reporter.sarif(&run.findings, &run.rules)
            };
            let bytes = cargo_sbom::document::to_json_bytes(&value);
            output::write_output(args.output.as_deref(), &bytes, Terminal::Stdout)?;
            if args.output.is_some() {
                eprintln!("{}", summary.line());
            }
        }
    }
    Ok(verdict(summary.deny == 0))
}

pub(super) fn init(args: &InitArgs) -> Outcome {
    let root = cargo_sbom::cargo::workspace_root(args.manifest_path.as_deref())?;
    let path = attest_toml::write_default(&root, args.force)?;
    eprintln!("     Created {}", path.display());
    Ok(exit::SUCCESS)
}

pub(super) fn ssdf(args: &SsdfArgs) -> Outcome {
    let signing = args.key.is_some() || args.sign;
    if signing && args.out.is_none() {
        return Err(Error::Usage(
            "signing the SSDF report needs --out FILE (the bundle is FILE.sigstore.json)".into(),
        ));
    }
    // The key first: a bad key or password fails before the (slow) policy check.
    let signer = if signing {
        let key = KeyArgs {
            key: args.key.clone(),
            password_stdin: args.password_stdin,
        };
        Some(key.load()?)
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

    let graph = cargo_sbom::cli::GraphArgs {
        packages: args.packages.clone(),
        workspace: args.workspace,
        ..Default::default()
    };
    let checked = run_policy(&args.policy, &graph, &[])?;
    let input = ssdf::SsdfInput {
        findings: &checked.run.findings,
        rules: &checked.run.rules,
        config: &checked.config,
        root: &checked.root,
        release_context: args.policy.strict,
        signed: signing,
        evidence_files: &evidence_files,
        generated_at,
    };
    let report = ssdf::report(&input);
    let bytes = match args.format {
        SsdfFormat::Md => report.to_markdown().into_bytes(),
        SsdfFormat::Json => report.to_json_bytes(),
    };
    output::write_output(args.out.as_deref(), &bytes, Terminal::Stdout)?;
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
        sign_report(&report, out, &bytes, &signer)?;
    }
    Ok(exit::SUCCESS)
}

/// Signs the report written to `out` (as `bytes`) into `OUT.sigstore.json`.
fn sign_report(
    report: &ssdf::SsdfReport,
    out: &Path,
    bytes: &[u8],
    signer: &dyn cargo_attest::signing::Signer,
) -> Result<(), Error> {
    let digest = cargo_sbom::digest::Sha256Hex::digest(bytes);
    let report_subject = ResourceDescriptor::file(display_name(out), digest.as_str());
    let bundle = ssdf::sign(report, &[report_subject], signer)?;
    let bundle_path = with_suffix(out, "sigstore.json");
    output::write_atomic(&bundle_path, &bundle)?;
    eprintln!(
        "      Signed {} into {}",
        out.display(),
        bundle_path.display()
    );
    Ok(())
}
