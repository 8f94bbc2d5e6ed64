//! The `binary-hardening` rule (SSDF PW.6.2): the binaries given with `--binary FILE…` must have
//! the hardening their platform offers — ELF: PIE, full RELRO, non-executable stack, no
//! RPATH/RUNPATH; PE: `DYNAMIC_BASE`, `NX_COMPAT`, `HIGH_ENTROPY_VA` (64-bit), `GUARD_CF`;
//! Mach-O: `MH_PIE`, no `MH_ALLOW_STACK_EXECUTION`. See `crate::policy::binary` for how each
//! property is read and how the verdicts match Debian's `checksec`.
//!
//! One finding per missing property per binary, with codes `not-pie`, `partial-relro`,
//! `no-relro`, `exec-stack`, `rpath`, `runpath`, `no-dynamic-base`, `no-nx-compat`,
//! `no-high-entropy-va`, `no-guard-cf`. A binary that cannot be read, or is not ELF, PE or
//! Mach-O, is an input error (exit 2) naming the file. Without `--binary` the rule has nothing to
//! check and reports nothing.
//!
//! ```toml
//! [binary-hardening]
//! severity = "deny"        # default: warn, deny under --strict
//! allow = ["no-guard-cf"]  # codes not to report
//! ```

use serde::Deserialize;

use crate::policy::level::Level;

/// Every code this rule reports, for validating `allow`.
pub const CODES: &[&str] = &[
    "not-pie",
    "partial-relro",
    "no-relro",
    "exec-stack",
    "rpath",
    "runpath",
    "no-dynamic-base",
    "no-nx-compat",
    "no-high-entropy-va",
    "no-guard-cf",
];

/// The commented `[binary-hardening]` section of `cargo attest init`, every key at its default.
pub const DEFAULT_CONFIG: &str = r#"# Hardening of the binaries given with `cargo attest check --binary FILE...` (SSDF PW.6.2).
# ELF: PIE, full RELRO, NX stack, no RPATH/RUNPATH; PE: DYNAMIC_BASE, NX_COMPAT,
# HIGH_ENTROPY_VA (64-bit), GUARD_CF; Mach-O: MH_PIE, no executable stack.
[binary-hardening]
# The severity of every finding: "deny" or "warn" (default: warn, deny under --strict).
# severity = "deny"
# Finding codes not to report: not-pie, partial-relro, no-relro, exec-stack, rpath, runpath,
# no-dynamic-base, no-nx-compat, no-high-entropy-va, no-guard-cf (Rust on Windows enables
# Control Flow Guard only with `-C control-flow-guard`).
allow = []
"#;

/// `[binary-hardening]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The severity of every finding; default: the context severity (warn, deny under
    /// `--strict`).
    pub severity: Option<Level>,
    /// Finding codes not to report (e.g. `no-guard-cf` when Control Flow Guard is not used).
    #[serde(default)]
    pub allow: Vec<String>,
}

/// The rule.
pub struct BinaryHardening;

// The check reads executables with the `object` crate (the `attest` feature).
#[cfg(feature = "attest")]
mod check {
    use std::path::Path;

    use super::{BinaryHardening, CODES};
    use crate::error::{Error, Result};
    use crate::policy::binary;
    use crate::policy::finding::FileLine;
    use crate::policy::level::severity_or_context;
    use crate::policy::{Finding, Location, PolicyContext, Rule, RuleId};

    impl Rule for BinaryHardening {
        fn id(&self) -> RuleId {
            RuleId::BinaryHardening
        }

        fn check(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
            let config = &context.config.binary_hardening;
            if let Some(unknown) = config.allow.iter().find(|c| !CODES.contains(&c.as_str())) {
                return Err(Error::Config {
                    path: context
                        .config_path
                        .clone()
                        .unwrap_or_else(|| crate::policy::config::FILE_NAME.into()),
                    line: None,
                    reason: format!(
                        "binary-hardening.allow: unknown code `{unknown}` (known: {})",
                        CODES.join(", ")
                    ),
                });
            }
            let severity = severity_or_context(config.severity, context);
            let mut findings = Vec::new();
            for path in &context.binaries {
                let hardening = binary::inspect(path)?;
                let location = Location::File(FileLine {
                    path: display_path(path, context.root()),
                    line: None,
                });
                for weakness in hardening.weaknesses() {
                    if config.allow.iter().any(|code| code == weakness.code) {
                        continue;
                    }
                    findings.push(Finding {
                        severity,
                        rule: RuleId::BinaryHardening,
                        location: location.clone(),
                        code: weakness.code.to_owned(),
                        message: weakness.message,
                        fix: weakness.fix.to_owned(),
                    });
                }
            }
            Ok(findings)
        }
    }

    /// A binary's path relative to the workspace root when it lies inside it, else as given.
    fn display_path(path: &Path, root: &Path) -> String {
        let absolute = if path.is_absolute() {
            path.to_owned()
        } else {
            std::env::current_dir()
                .map(|cwd| cwd.join(path))
                .unwrap_or_else(|_| path.to_owned())
        };
        match absolute.strip_prefix(root) {
            Ok(inside) => cargo_sbom::graph::relative_path(inside, Path::new("")),
            Err(_) => path.display().to_string(),
        }
    }
}
