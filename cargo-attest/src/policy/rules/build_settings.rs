//! The `build-settings` rule (SSDF PW.6.1, PW.6.2): the release profile, the compiler flags and
//! the toolchain of the build. The rule reference is [`HELP`].

use std::path::Path;

use cargo_sbom::spanned::TomlFile;
use serde::Deserialize;
use toml::{Table, Value};

use crate::config::SectionDef;
use crate::error::{Error, Result};
use crate::policy::FileLine;
use crate::policy::level::{denies_or_context, severity_or_context};
use crate::policy::locate;
use crate::policy::rule::codes;
use crate::policy::{Finding, LintLevel, Location, PolicyContext, RuleDef, Severity};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "build-settings",
    name: "HardenedBuildSettings",
    ssdf_tasks: &["PW.6.1", "PW.6.2"],
    description: "the release profile and compiler flags are hardened and the toolchain pinned",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: false,
    enforcing: |config, release_context| {
        denies_or_context(config.get(&SECTION).severity, release_context)
    },
    check: Some(check),
};

/// The `[build-settings]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("build-settings", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"- **Profiles**: the `[profile.<name>]` tables of the workspace root `Cargo.toml` (cargo ignores
  profiles of member manifests) for each name in `profiles` (default `release`), with
  `inherits` followed and cargo's built-in defaults for what no table sets. `debug-assertions`
  must be `false` unless configured otherwise; `overflow-checks`, `panic`, `lto`,
  `codegen-units` and `strip` are checked when configured. `lto` and `strip` are minimums:
  `lto = "thin"` accepts `"fat"`, `strip = "debuginfo"` accepts `"symbols"`. Profile overrides
  from `CARGO_PROFILE_*` variables or `.cargo/config.toml` are not read.
- **Compiler flags**: `CARGO_ENCODED_RUSTFLAGS`, else `RUSTFLAGS`, else `[build] rustflags` of
  the workspace's `.cargo/config.toml` (or `.cargo/config`), as cargo picks them
  (`[target.<triple>] rustflags` are not read). `-C flag`, `-Cflag` and `--codegen flag` are
  the same flag; a pattern without `=` (`-C debug-assertions`) matches any value of the flag.
- **Toolchain**: with `require-toolchain-pinned = true`, `rust-toolchain.toml` (or the legacy
  `rust-toolchain`) must exist at the root and name a full version (`1.95.0`) or a dated
  channel (`nightly-2026-01-15`), not `stable`, `beta`, `nightly` or `1.95`.

**Why.** SSDF PW.6.1 and PW.6.2: the build uses a known toolchain and hardening settings that
the organisation decided on, checked on every build rather than trusted.

**How to fix.** Set the profile key the finding names in the workspace `Cargo.toml`, fix the
compiler flags, or pin the toolchain in `rust-toolchain.toml`.

```toml
[build-settings]
severity = "deny"              # default: warn, deny under --strict
profiles = ["release", "dist"] # default ["release"]
overflow-checks = true
debug-assertions = false       # the default expectation
panic = "abort"
lto = "fat"                    # true/"fat", "thin", false/"off"
codegen-units = 1
strip = "symbols"              # true/"symbols", "debuginfo", false/"none"
deny-rustflags = ["-C debug-assertions", "-C overflow-checks=off"]
require-rustflags = ["-C force-frame-pointers=yes"]
require-toolchain-pinned = true
```
"#;

codes! {
    /// The finding codes of the `build-settings` rule.
    pub enum Code {
        /// A checked profile has `overflow-checks` other than the policy's.
        OverflowChecks = "overflow-checks",
        /// A checked profile has `debug-assertions` other than the policy's (default `false`).
        DebugAssertions = "debug-assertions",
        /// A checked profile has another `panic` strategy than the policy's.
        PanicStrategy = "panic-strategy",
        /// A checked profile has less link-time optimisation than the policy's minimum.
        Lto = "lto",
        /// A checked profile has other `codegen-units` than the policy's.
        CodegenUnits = "codegen-units",
        /// A checked profile strips less than the policy's minimum.
        Strip = "strip",
        /// The compiler flags contain a flag of `deny-rustflags`.
        DeniedRustflag = "denied-rustflag",
        /// The compiler flags lack a flag of `require-rustflags`.
        MissingRustflag = "missing-rustflag",
        /// The toolchain is not pinned to a full version or a dated channel
        /// (`require-toolchain-pinned`).
        ToolchainNotPinned = "toolchain-not-pinned",
    }
}

/// The commented `[build-settings]` section of `cargo attest init`, every key at its default.
pub const DEFAULT_CONFIG: &str = r#"# Release profile, compiler flags, toolchain (SSDF PW.6.1, PW.6.2).
[build-settings]
# The level of every finding: "deny", "warn" or "allow" (default: warn, deny under --strict).
# severity = "deny"
# The `[profile.NAME]` tables of the workspace Cargo.toml to check (with `inherits` followed).
profiles = ["release"]
# Required `debug-assertions` of those profiles.
debug-assertions = false
# Checked only when set: overflow-checks = true, panic = "abort" | "unwind",
# lto = true | "fat" | "thin" | false (a minimum), codegen-units = 1,
# strip = true | "symbols" | "debuginfo" | false (a minimum).
# Flags that must not / must be in CARGO_ENCODED_RUSTFLAGS, RUSTFLAGS or `[build] rustflags` of
# .cargo/config.toml (`-C flag` without `=value` matches any value).
deny-rustflags = []
require-rustflags = []
# Require rust-toolchain.toml to pin a full version ("1.95.0") or a dated nightly.
require-toolchain-pinned = false
"#;

/// `[build-settings]` in `attest.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// The level of every finding; default: the context severity (warn, deny under
    /// `--strict`).
    pub severity: Option<LintLevel>,
    /// The profiles to check; default `["release"]`.
    pub profiles: Vec<String>,
    /// The required `overflow-checks`; default: not checked.
    pub overflow_checks: Option<bool>,
    /// The required `debug-assertions`; default `false`.
    pub debug_assertions: bool,
    /// The required panic strategy; default: not checked.
    pub panic: Option<Panic>,
    /// The minimum link-time optimisation; default: not checked.
    pub lto: Option<Lto>,
    /// The required `codegen-units`; default: not checked.
    pub codegen_units: Option<u32>,
    /// The minimum stripping; default: not checked.
    pub strip: Option<Strip>,
    /// Flags that must not be in the compiler flags (`-C debug-assertions`, …).
    pub deny_rustflags: Vec<String>,
    /// Flags that must be in the compiler flags.
    pub require_rustflags: Vec<String>,
    /// `rust-toolchain.toml` must pin a version; default `false`.
    pub require_toolchain_pinned: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            severity: None,
            profiles: vec!["release".to_owned()],
            overflow_checks: None,
            debug_assertions: false,
            panic: None,
            lto: None,
            codegen_units: None,
            strip: None,
            deny_rustflags: Vec::new(),
            require_rustflags: Vec::new(),
            require_toolchain_pinned: false,
        }
    }
}

/// A panic strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Panic {
    /// `panic = "abort"`.
    Abort,
    /// `panic = "unwind"`.
    Unwind,
}

impl Panic {
    fn as_str(self) -> &'static str {
        match self {
            Panic::Abort => "abort",
            Panic::Unwind => "unwind",
        }
    }
}

/// A link-time optimisation level, ordered from none to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lto {
    /// `false`, `"off"` or unset (at most thin-local LTO within a crate).
    Off,
    /// `"thin"`.
    Thin,
    /// `true` or `"fat"`.
    Fat,
}

impl Lto {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Boolean(true) => Some(Lto::Fat),
            Value::Boolean(false) => Some(Lto::Off),
            Value::String(s) => match s.as_str() {
                "fat" => Some(Lto::Fat),
                "thin" => Some(Lto::Thin),
                "off" => Some(Lto::Off),
                _ => None,
            },
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Lto::Off => "false",
            Lto::Thin => "\"thin\"",
            Lto::Fat => "\"fat\"",
        }
    }
}

impl<'de> Deserialize<'de> for Lto {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Lto::from_value(&value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid lto {}: expected true, false, \"fat\", \"thin\" or \"off\"",
                show(&value)
            ))
        })
    }
}

/// A strip level, ordered from none to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strip {
    /// `false` or `"none"`.
    None,
    /// `"debuginfo"`.
    Debuginfo,
    /// `true` or `"symbols"`.
    Symbols,
}

impl Strip {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Boolean(true) => Some(Strip::Symbols),
            Value::Boolean(false) => Some(Strip::None),
            Value::String(s) => match s.as_str() {
                "symbols" => Some(Strip::Symbols),
                "debuginfo" => Some(Strip::Debuginfo),
                "none" => Some(Strip::None),
                _ => None,
            },
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Strip::None => "\"none\"",
            Strip::Debuginfo => "\"debuginfo\"",
            Strip::Symbols => "\"symbols\"",
        }
    }
}

impl<'de> Deserialize<'de> for Strip {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Strip::from_value(&value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid strip {}: expected true, false, \"symbols\", \"debuginfo\" or \"none\"",
                show(&value)
            ))
        })
    }
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let Some(severity) = severity_or_context(config.severity, context.context_severity()) else {
        return Ok(Vec::new());
    };
    let root = context.root();
    let (manifest, spans) = locate::read_toml(&root.join("Cargo.toml"))?;

    let mut findings = Vec::new();
    for name in &config.profiles {
        let profile = Profile::resolve(&manifest, name).map_err(|reason| {
            context.config.error_at(
                &["build-settings", "profiles"],
                format!("build-settings.profiles: {reason}"),
            )
        })?;
        for problem in check_profile(config, &profile) {
            findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location: Location::File(FileLine {
                    path: "Cargo.toml".to_owned(),
                    line: profile_key_line(&spans, name, problem.key),
                }),
                code: problem.code.into(),
                message: problem.message,
                fix: problem.fix,
            });
        }
    }

    if !config.deny_rustflags.is_empty() || !config.require_rustflags.is_empty() {
        let flags = RustFlags::find(root, |name| std::env::var(name).ok())?;
        findings.extend(check_rustflags(config, &flags, severity));
    }

    if config.require_toolchain_pinned {
        findings.extend(check_toolchain(root, severity)?);
    }
    Ok(findings)
}

/// The effective settings of one profile: its table, what it inherits, cargo's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The profile name.
    pub name: String,
    /// `overflow-checks`.
    pub overflow_checks: bool,
    /// `debug-assertions`.
    pub debug_assertions: bool,
    /// `panic`.
    pub panic: Panic,
    /// `lto`.
    pub lto: Lto,
    /// `codegen-units`.
    pub codegen_units: u32,
    /// `strip`.
    pub strip: Strip,
}

impl Profile {
    /// Resolves profile `name` from the `[profile]` tables of a root manifest; the error says
    /// what is wrong (undefined profile, inheritance cycle, invalid value).
    pub fn resolve(manifest: &Table, name: &str) -> std::result::Result<Self, String> {
        let tables = manifest.get("profile").and_then(Value::as_table);
        // The chain of tables, most specific first, ending at a built-in profile.
        let mut chain: Vec<&Table> = Vec::new();
        let mut current = name.to_owned();
        let builtin = loop {
            let table = tables
                .and_then(|t| t.get(&current))
                .and_then(Value::as_table);
            if let Some(table) = table {
                chain.push(table);
            }
            match current.as_str() {
                "release" | "bench" => break Builtin::Release,
                "dev" | "test" => break Builtin::Dev,
                _ => {}
            }
            let Some(table) = table else {
                return Err(format!("profile `{current}` is not defined in Cargo.toml"));
            };
            let Some(parent) = table.get("inherits").and_then(Value::as_str) else {
                return Err(format!("custom profile `{current}` has no `inherits`"));
            };
            if chain.len() > 16 {
                return Err(format!("profile `{name}` inherits in a cycle"));
            }
            current = parent.to_owned();
        };
        // `bench` inherits `release`, `test` inherits `dev`: their tables come first.
        match (current.as_str(), tables) {
            ("bench", Some(t)) => chain.extend(t.get("release").and_then(Value::as_table)),
            ("test", Some(t)) => chain.extend(t.get("dev").and_then(Value::as_table)),
            _ => {}
        }
        let get = |key: &str| chain.iter().find_map(|t| t.get(key));
        let bool_of = |key: &str, default: bool| match get(key) {
            None => Ok(default),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(other) => Err(format!("profile `{name}`: invalid {key} {}", show(other))),
        };
        let dev = builtin == Builtin::Dev;
        let debug = match get("debug") {
            None => dev,
            Some(Value::Boolean(b)) => *b,
            Some(Value::Integer(n)) => *n != 0,
            Some(Value::String(s)) => s != "none",
            Some(_) => true,
        };
        Ok(Profile {
            name: name.to_owned(),
            overflow_checks: bool_of("overflow-checks", dev)?,
            debug_assertions: bool_of("debug-assertions", dev)?,
            panic: match get("panic").map(|v| (v, v.as_str())) {
                None => Panic::Unwind,
                Some((_, Some("abort"))) => Panic::Abort,
                Some((_, Some("unwind"))) => Panic::Unwind,
                Some((other, _)) => {
                    return Err(format!("profile `{name}`: invalid panic {}", show(other)));
                }
            },
            lto: match get("lto") {
                None => Lto::Off,
                Some(v) => Lto::from_value(v)
                    .ok_or_else(|| format!("profile `{name}`: invalid lto {}", show(v)))?,
            },
            codegen_units: match get("codegen-units") {
                None if dev => 256,
                None => 16,
                Some(v) => v
                    .as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        format!("profile `{name}`: invalid codegen-units {}", show(v))
                    })?,
            },
            // Since Rust 1.77 cargo strips debuginfo when the profile has none.
            strip: match get("strip") {
                None if debug => Strip::None,
                None => Strip::Debuginfo,
                Some(v) => Strip::from_value(v)
                    .ok_or_else(|| format!("profile `{name}`: invalid strip {}", show(v)))?,
            },
        })
    }
}

/// A TOML value for a message: strings quoted, scalars as written, tables and arrays by type.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Integer(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        other => format!("(a {})", other.type_str()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Dev,
    Release,
}

/// A profile setting that differs from the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileProblem {
    /// The profile key (`debug-assertions`, …).
    pub key: &'static str,
    /// The finding code.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

/// Compares a resolved profile with the policy.
pub fn check_profile(config: &Config, profile: &Profile) -> Vec<ProfileProblem> {
    let name = &profile.name;
    let mut problems = Vec::new();
    let mut push = |key: &'static str, code: Code, actual: String, wanted: String| {
        problems.push(ProfileProblem {
            key,
            code,
            message: format!("profile `{name}` has {key} = {actual}, the policy requires {wanted}"),
            fix: format!(
                "set `{key} = {wanted}` in `[profile.{name}]` of the workspace Cargo.toml"
            ),
        });
    };
    if let Some(wanted) = config.overflow_checks
        && profile.overflow_checks != wanted
    {
        push(
            "overflow-checks",
            Code::OverflowChecks,
            profile.overflow_checks.to_string(),
            wanted.to_string(),
        );
    }
    let wanted = config.debug_assertions;
    if profile.debug_assertions != wanted {
        push(
            "debug-assertions",
            Code::DebugAssertions,
            profile.debug_assertions.to_string(),
            wanted.to_string(),
        );
    }
    if let Some(wanted) = config.panic
        && profile.panic != wanted
    {
        push(
            "panic",
            Code::PanicStrategy,
            format!("\"{}\"", profile.panic.as_str()),
            format!("\"{}\"", wanted.as_str()),
        );
    }
    if let Some(wanted) = config.lto
        && profile.lto < wanted
    {
        push(
            "lto",
            Code::Lto,
            profile.lto.as_str().to_owned(),
            wanted.as_str().to_owned(),
        );
    }
    if let Some(wanted) = config.codegen_units
        && profile.codegen_units != wanted
    {
        push(
            "codegen-units",
            Code::CodegenUnits,
            profile.codegen_units.to_string(),
            wanted.to_string(),
        );
    }
    if let Some(wanted) = config.strip
        && profile.strip < wanted
    {
        push(
            "strip",
            Code::Strip,
            profile.strip.as_str().to_owned(),
            wanted.as_str().to_owned(),
        );
    }
    problems
}

/// The 1-based line of `key` in `[profile.<profile>]` of a manifest (also when written as the
/// dotted key `profile.<profile>.<key>`), else the line of that table, else `None`.
pub fn profile_key_line(manifest: &TomlFile, profile: &str, key: &str) -> Option<usize> {
    manifest
        .key_line(&["profile", profile, key])
        .or_else(|| manifest.key_line(&["profile", profile]))
}

/// The compiler flags cargo would use, and where they come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustFlags {
    /// The flags, each normalised (`-C opt`, `-Z opt`).
    pub flags: Vec<String>,
    /// Where they come from: an environment variable name or a file relative to the root.
    pub origin: FlagsOrigin,
}

/// Where compiler flags come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagsOrigin {
    /// `CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS`.
    Environment(&'static str),
    /// `[build] rustflags` of a cargo configuration file (relative path) at a line.
    File(FileLine),
    /// No flags anywhere.
    Nowhere,
}

impl RustFlags {
    /// Finds the flags as cargo does: `CARGO_ENCODED_RUSTFLAGS` (separated by `0x1f`), else
    /// `RUSTFLAGS` (separated by whitespace), else `[build] rustflags` of
    /// `ROOT/.cargo/config.toml` or `ROOT/.cargo/config`. `env` reads a variable.
    pub fn find(root: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        if let Some(encoded) = env("CARGO_ENCODED_RUSTFLAGS") {
            return Ok(Self {
                flags: normalise(encoded.split('\x1f').filter(|f| !f.is_empty())),
                origin: FlagsOrigin::Environment("CARGO_ENCODED_RUSTFLAGS"),
            });
        }
        if let Some(plain) = env("RUSTFLAGS") {
            return Ok(Self {
                flags: normalise(plain.split_whitespace()),
                origin: FlagsOrigin::Environment("RUSTFLAGS"),
            });
        }
        for name in [".cargo/config.toml", ".cargo/config"] {
            let path = root.join(name);
            if !path.is_file() {
                continue;
            }
            let (table, spans) = locate::read_toml(&path)?;
            let value = table
                .get("build")
                .and_then(Value::as_table)
                .and_then(|b| b.get("rustflags"));
            let flags: Vec<String> = match value {
                None => continue,
                Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Some(other) => {
                    return Err(Error::Malformed {
                        path,
                        reason: format!(
                            "build.rustflags: expected a string or an array, got {}",
                            show(other)
                        ),
                    });
                }
            };
            let line = spans.key_line(&["build", "rustflags"]);
            return Ok(Self {
                flags: normalise(flags.iter().map(String::as_str)),
                origin: FlagsOrigin::File(FileLine {
                    path: name.to_owned(),
                    line,
                }),
            });
        }
        Ok(Self {
            flags: Vec::new(),
            origin: FlagsOrigin::Nowhere,
        })
    }
}

/// Normalises compiler flags: `-C x`, `-Cx`, `--codegen x`, `--codegen=x` all become `-C x`
/// (likewise `-Z`); other flags stay as they are.
pub fn normalise<'a>(flags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending: Option<&str> = None;
    for flag in flags {
        if let Some(prefix) = pending.take() {
            out.push(format!("{prefix} {flag}"));
            continue;
        }
        match flag {
            "-C" | "--codegen" => pending = Some("-C"),
            "-Z" => pending = Some("-Z"),
            _ => {
                if let Some(rest) = flag.strip_prefix("--codegen=") {
                    out.push(format!("-C {rest}"));
                } else if let Some(rest) = flag.strip_prefix("-C").filter(|r| !r.is_empty()) {
                    out.push(format!("-C {rest}"));
                } else if let Some(rest) = flag.strip_prefix("-Z").filter(|r| !r.is_empty()) {
                    out.push(format!("-Z {rest}"));
                } else {
                    out.push(flag.to_owned());
                }
            }
        }
    }
    if let Some(prefix) = pending {
        out.push(prefix.to_owned());
    }
    out
}

/// Whether normalised `flag` matches a policy pattern: equal, or the pattern names the option
/// without a value (`-C debug-assertions` matches `-C debug-assertions=on`).
pub fn flag_matches(flag: &str, pattern: &str) -> bool {
    let pattern = normalise(pattern.split_whitespace()).join(" ");
    flag == pattern || (!pattern.contains('=') && flag.starts_with(&format!("{pattern}=")))
}

fn check_rustflags(config: &Config, flags: &RustFlags, severity: Severity) -> Vec<Finding> {
    let (location, source) = match &flags.origin {
        FlagsOrigin::Environment(name) => (Location::Workspace, format!("`{name}`")),
        FlagsOrigin::File(at) => (Location::File(at.clone()), format!("`{}`", at.path)),
        FlagsOrigin::Nowhere => (
            Location::Workspace,
            "the compiler flags (none set)".to_owned(),
        ),
    };
    let mut findings = Vec::new();
    for pattern in &config.deny_rustflags {
        for flag in flags.flags.iter().filter(|f| flag_matches(f, pattern)) {
            findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location: location.clone(),
                code: Code::DeniedRustflag.into(),
                message: format!("{source} contains `{flag}`, denied by the policy (`{pattern}`)"),
                fix: format!("remove `{flag}` from {source}"),
            });
        }
    }
    for pattern in &config.require_rustflags {
        if !flags.flags.iter().any(|f| flag_matches(f, pattern)) {
            findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location: location.clone(),
                code: Code::MissingRustflag.into(),
                message: format!("{source} lacks `{pattern}`, required by the policy"),
                fix: format!(
                    "add `{pattern}` to RUSTFLAGS or to `[build] rustflags` in .cargo/config.toml"
                ),
            });
        }
    }
    findings
}

/// Whether a toolchain channel names one specific toolchain: a full version `1.95.0` (optionally
/// with a host suffix) or a dated channel `nightly-2026-01-15`.
pub fn channel_is_pinned(channel: &str) -> bool {
    let is_num = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let mut parts = channel.splitn(2, '-');
    let head = parts.next().unwrap_or("");
    let tail = parts.next().unwrap_or("");
    let numbers: Vec<&str> = head.split('.').collect();
    if numbers.len() == 3 && numbers.iter().all(|n| is_num(n)) {
        return true;
    }
    if matches!(head, "stable" | "beta" | "nightly") {
        let date: Vec<&str> = tail.splitn(4, '-').collect();
        return date.len() >= 3
            && date[0].len() == 4
            && date[1].len() == 2
            && date[2].len() == 2
            && date[..3].iter().all(|n| is_num(n));
    }
    false
}

fn check_toolchain(root: &Path, severity: Severity) -> Result<Vec<Finding>> {
    let finding = |path: &str, line: Option<usize>, message: String| {
        Finding {
        severity,
        rule: RULE.rule_id(),
        location: Location::File(FileLine {
            path: path.to_owned(),
            line,
        }),
        code: Code::ToolchainNotPinned.into(),
        message,
        fix: "pin the toolchain in rust-toolchain.toml: `[toolchain]` `channel = \"1.95.0\"` (a full version or a dated nightly)".to_owned(),
    }
    };
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        let path = root.join(name);
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::read(&path, &e))?;
        let trimmed = text.trim();
        // The legacy file may hold just the channel name.
        let (channel, line) = if name == "rust-toolchain" && !trimmed.contains('[') {
            (Some(trimmed.to_owned()), Some(1))
        } else {
            let (table, spans) = locate::parse_toml(&path, &text)?;
            let channel = table
                .get("toolchain")
                .and_then(Value::as_table)
                .and_then(|t| t.get("channel"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let line = spans.key_line(&["toolchain", "channel"]);
            (channel, line)
        };
        return Ok(match channel {
            Some(channel) if channel_is_pinned(&channel) => Vec::new(),
            Some(channel) => vec![finding(
                name,
                line,
                format!("{name} names the channel `{channel}`, not one specific toolchain"),
            )],
            None => vec![finding(
                name,
                None,
                format!("{name} has no `[toolchain] channel`"),
            )],
        });
    }
    Ok(vec![finding(
        "rust-toolchain.toml",
        None,
        "no rust-toolchain.toml or rust-toolchain at the workspace root: the toolchain is whatever the builder has".to_owned(),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn release_defaults() {
        let p = Profile::resolve(&manifest(""), "release").unwrap();
        assert!(!p.debug_assertions && !p.overflow_checks);
        assert_eq!(
            (p.panic, p.lto, p.codegen_units),
            (Panic::Unwind, Lto::Off, 16)
        );
        assert_eq!(p.strip, Strip::Debuginfo);
        assert!(check_profile(&Config::default(), &p).is_empty());
        let p = Profile::resolve(&manifest("[profile.release]\ndebug = true"), "release").unwrap();
        assert_eq!(p.strip, Strip::None);
    }

    #[test]
    fn custom_profiles_inherit() {
        let m = manifest(
            "[profile.release]\nlto = \"thin\"\npanic = \"abort\"\n\
             [profile.dist]\ninherits = \"release\"\nlto = true\n\
             [profile.debugrel]\ninherits = \"dev\"\n\
             [profile.loop-a]\ninherits = \"loop-b\"\n[profile.loop-b]\ninherits = \"loop-a\"\n",
        );
        let dist = Profile::resolve(&m, "dist").unwrap();
        assert_eq!((dist.lto, dist.panic), (Lto::Fat, Panic::Abort));
        let debugrel = Profile::resolve(&m, "debugrel").unwrap();
        assert!(debugrel.debug_assertions);
        assert_eq!(debugrel.codegen_units, 256);
        assert!(
            Profile::resolve(&m, "missing")
                .unwrap_err()
                .contains("not defined")
        );
        assert!(
            Profile::resolve(&m, "loop-a")
                .unwrap_err()
                .contains("cycle")
        );
        let bench = Profile::resolve(&m, "bench").unwrap();
        assert_eq!(bench.lto, Lto::Thin);
    }

    #[test]
    fn profile_checks() {
        let m = manifest(
            "[profile.release]\ndebug-assertions = true\noverflow-checks = false\n\
             lto = \"thin\"\ncodegen-units = 4\nstrip = \"debuginfo\"\n",
        );
        let p = Profile::resolve(&m, "release").unwrap();
        let c = config(
            "overflow-checks = true\npanic = \"abort\"\nlto = \"fat\"\n\
             codegen-units = 1\nstrip = \"symbols\"\n",
        );
        let codes: Vec<&str> = check_profile(&c, &p)
            .iter()
            .map(|p| crate::policy::rule::RuleCode::as_str(p.code))
            .collect();
        assert_eq!(
            codes,
            [
                "overflow-checks",
                "debug-assertions",
                "panic-strategy",
                "lto",
                "codegen-units",
                "strip"
            ]
        );
        // Minimums: thin satisfies `lto = "thin"`, symbols satisfies `strip = "debuginfo"`.
        let m = manifest("[profile.release]\nlto = \"fat\"\nstrip = true\n");
        let p = Profile::resolve(&m, "release").unwrap();
        assert!(check_profile(&config("lto = \"thin\"\nstrip = \"debuginfo\""), &p).is_empty());
        // debug-assertions may be required on.
        assert_eq!(
            check_profile(&config("debug-assertions = true"), &p).len(),
            1
        );
        assert!(toml::from_str::<Config>("lto = \"fast\"").is_err());
        assert!(toml::from_str::<Config>("panic = \"explode\"").is_err());
    }

    #[test]
    fn key_lines() {
        let text = TomlFile::parse("[package]\nname = \"x\"\n\n[profile.release]\nlto = true\n\"strip\" = true\n\n[profile.dev]\nlto = false\n").unwrap();
        let text = &text;
        assert_eq!(profile_key_line(text, "release", "lto"), Some(5));
        assert_eq!(profile_key_line(text, "release", "strip"), Some(6));
        assert_eq!(profile_key_line(text, "release", "panic"), Some(4));
        assert_eq!(profile_key_line(text, "dev", "lto"), Some(9));
        assert_eq!(profile_key_line(text, "dist", "lto"), None);
        let dotted = TomlFile::parse("profile.release.lto = true\n").unwrap();
        assert_eq!(profile_key_line(&dotted, "release", "lto"), Some(1));
    }

    #[test]
    fn flags_are_normalised_and_matched() {
        let flags = normalise([
            "-C",
            "debug-assertions",
            "-Coverflow-checks=off",
            "--codegen=opt-level=3",
            "-Zfoo",
            "--cfg",
            "x",
        ]);
        assert_eq!(
            flags,
            [
                "-C debug-assertions",
                "-C overflow-checks=off",
                "-C opt-level=3",
                "-Z foo",
                "--cfg",
                "x"
            ]
        );
        assert!(flag_matches(
            "-C debug-assertions=on",
            "-C debug-assertions"
        ));
        assert!(flag_matches("-C debug-assertions", "-Cdebug-assertions"));
        assert!(!flag_matches(
            "-C debug-assertions=on",
            "-C debug-assertions=off"
        ));
        assert!(!flag_matches(
            "-C debug-assertions-extra",
            "-C debug-assertions"
        ));
    }

    #[test]
    fn flags_from_environment_first() {
        let root = Path::new("/nonexistent");
        let env = |encoded: Option<&str>, plain: Option<&str>| {
            let (e, p) = (encoded.map(str::to_owned), plain.map(str::to_owned));
            move |name: &str| match name {
                "CARGO_ENCODED_RUSTFLAGS" => e.clone(),
                "RUSTFLAGS" => p.clone(),
                _ => None,
            }
        };
        let f = RustFlags::find(
            root,
            env(Some("-C\x1fdebug-assertions"), Some("-Copt-level=1")),
        )
        .unwrap();
        assert_eq!(f.flags, ["-C debug-assertions"]);
        assert_eq!(
            f.origin,
            FlagsOrigin::Environment("CARGO_ENCODED_RUSTFLAGS")
        );
        let f = RustFlags::find(root, env(None, Some("  -C  opt-level=1 "))).unwrap();
        assert_eq!(f.flags, ["-C opt-level=1"]);
        let f = RustFlags::find(root, env(None, None)).unwrap();
        assert_eq!(f.origin, FlagsOrigin::Nowhere);

        let c = config(
            "deny-rustflags = [\"-C debug-assertions\"]\nrequire-rustflags = [\"-C force-frame-pointers=yes\"]",
        );
        let f = RustFlags::find(root, env(None, Some("-C debug-assertions=on"))).unwrap();
        let codes: Vec<String> = check_rustflags(&c, &f, Severity::Deny)
            .into_iter()
            .map(|f| f.code.to_string())
            .collect();
        assert_eq!(codes, ["denied-rustflag", "missing-rustflag"]);
        let f = RustFlags::find(root, env(None, Some("-Cforce-frame-pointers=yes"))).unwrap();
        assert!(check_rustflags(&c, &f, Severity::Deny).is_empty());
    }

    #[test]
    fn pinned_channels() {
        for pinned in [
            "1.95.0",
            "1.95.0-x86_64-unknown-linux-gnu",
            "nightly-2026-01-15",
            "stable-2026-01-15",
        ] {
            assert!(channel_is_pinned(pinned), "{pinned}");
        }
        for floating in [
            "stable",
            "beta",
            "nightly",
            "1.95",
            "1",
            "nightly-2026",
            "my-toolchain",
            "",
        ] {
            assert!(!channel_is_pinned(floating), "{floating}");
        }
    }
}
