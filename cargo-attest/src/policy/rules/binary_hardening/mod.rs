//! The `binary-hardening` rule (SSDF PW.6.2): the binaries given with `--binary FILE…` (the
//! built artifacts, in `cargo attest release`) must have the hardening their platform offers.
//! `inspect` (with the `attest` feature) reads each property; the rule reference is [`HELP`].

#[cfg(feature = "attest")]
pub mod inspect;

use serde::Deserialize;

use crate::config::SectionDef;
use crate::policy::level::denies_or_context;
use crate::policy::rule::codes;
use crate::policy::{LintLevel, RuleDef};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "binary-hardening",
    name: "HardenedBinaries",
    ssdf_tasks: &["PW.6.2"],
    description: "built binaries have PIE, full RELRO, NX and no RPATH",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: false,
    enforcing: |config, release_context| {
        denies_or_context(config.get(&SECTION).severity, release_context)
    },
    // Reading executables needs the `object` crate (the `attest` feature).
    #[cfg(feature = "attest")]
    check: Some(check::check),
    #[cfg(not(feature = "attest"))]
    check: None,
};

/// The `[binary-hardening]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("binary-hardening", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"Each binary given with `cargo attest check --binary FILE` (in `cargo attest release`: every
built artifact) must have the hardening its platform offers:

* ELF: PIE, full RELRO (`PT_GNU_RELRO` and `BIND_NOW`), a non-executable stack, no `RPATH` or
  `RUNPATH`;
* PE: `DYNAMIC_BASE`, `NX_COMPAT`, `HIGH_ENTROPY_VA` (64-bit), `GUARD_CF`;
* Mach-O: `MH_PIE`, no `MH_ALLOW_STACK_EXECUTION`.

One finding per missing property per binary; the ELF verdicts match Debian's `checksec`. A
binary that cannot be read, or is not ELF, PE or Mach-O, is an input error (exit 2) naming
the file. Without `--binary` the rule has nothing to check and reports nothing.

**Why.** SSDF PW.6.2: the compiler and linker settings that harden executables are decided on
and checked, on the artifacts themselves.

**How to fix.** Build with the hardening flags the finding names (Rust enables most by
default; `-C relocation-model=pie`, `-C link-arg=-Wl,-z,relro,-z,now`, and on Windows
`-C control-flow-guard`), or list a property that does not apply in `allow`.

```toml
[binary-hardening]
severity = "deny"
allow = ["no-guard-cf"]
```
"#;

codes! {
    /// The finding codes of the `binary-hardening` rule; `allow` takes them too.
    pub enum Code {
        /// An ELF or Mach-O executable is not position-independent.
        NotPie = "not-pie",
        /// An ELF file has RELRO without `BIND_NOW` (partial RELRO).
        PartialRelro = "partial-relro",
        /// An ELF file has no RELRO segment.
        NoRelro = "no-relro",
        /// The stack is executable (ELF `PT_GNU_STACK` with `PF_X`, Mach-O
        /// `MH_ALLOW_STACK_EXECUTION`).
        ExecStack = "exec-stack",
        /// An ELF file has an `RPATH`.
        Rpath = "rpath",
        /// An ELF file has a `RUNPATH`.
        Runpath = "runpath",
        /// A PE image lacks `DYNAMIC_BASE` (ASLR).
        NoDynamicBase = "no-dynamic-base",
        /// A PE image lacks `NX_COMPAT` (DEP).
        NoNxCompat = "no-nx-compat",
        /// A 64-bit PE image lacks `HIGH_ENTROPY_VA`.
        NoHighEntropyVa = "no-high-entropy-va",
        /// A PE image lacks `GUARD_CF` (Control Flow Guard).
        NoGuardCf = "no-guard-cf",
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text).ok_or_else(|| {
            let known: Vec<&str> = Code::DEFS.iter().map(|d| d.code).collect();
            serde::de::Error::custom(format!(
                "binary-hardening.allow: unknown code `{text}` (known: {})",
                known.join(", ")
            ))
        })
    }
}

/// The commented `[binary-hardening]` section of `cargo attest init`, every key at its default.
pub const DEFAULT_CONFIG: &str = r#"# Hardening of the binaries given with `cargo attest check --binary FILE...` (SSDF PW.6.2).
# ELF: PIE, full RELRO, NX stack, no RPATH/RUNPATH; PE: DYNAMIC_BASE, NX_COMPAT,
# HIGH_ENTROPY_VA (64-bit), GUARD_CF; Mach-O: MH_PIE, no executable stack.
[binary-hardening]
# The level of every finding: "deny", "warn" or "allow" (default: warn, deny under --strict).
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
    /// The level of every finding; default: the context severity (warn, deny under
    /// `--strict`).
    pub severity: Option<LintLevel>,
    /// Finding codes not to report (e.g. `no-guard-cf` when Control Flow Guard is not used).
    #[serde(default)]
    pub allow: Vec<Code>,
}

// The check reads executables with the `object` crate (the `attest` feature).
#[cfg(feature = "attest")]
mod check {
    use std::path::Path;

    use super::{RULE, SECTION, inspect};
    use crate::error::Result;
    use crate::policy::FileLine;
    use crate::policy::level::severity_or_context;
    use crate::policy::{Finding, Location, PolicyContext};

    pub(super) fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        let config = context.config.get(&SECTION);
        let Some(severity) = severity_or_context(config.severity, context.context_severity())
        else {
            return Ok(Vec::new());
        };
        let mut findings = Vec::new();
        for path in &context.options.binaries {
            let hardening = inspect::inspect(path)?;
            let location = Location::File(FileLine {
                path: display_path(path, context.root()),
                line: None,
            });
            for weakness in hardening.weaknesses() {
                if config.allow.contains(&weakness.code) {
                    continue;
                }
                findings.push(Finding {
                    severity,
                    rule: RULE.rule_id(),
                    location: location.clone(),
                    code: weakness.code.into(),
                    message: weakness.message,
                    fix: weakness.fix.to_owned(),
                });
            }
        }
        Ok(findings)
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
