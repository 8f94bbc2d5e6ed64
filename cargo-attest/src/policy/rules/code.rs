//! The `code` rule (SSDF PW.5.1, PW.7.1): workspace lints that forbid `unsafe` code, and the
//! amount of `unsafe` in the workspace members (counted by [`crate::policy::unsafe_count`]).
//! The rule reference is [`HELP`].

use std::path::{Path, PathBuf};

use cargo_sbom::spanned::TomlFile;
use serde::Deserialize;
use toml::Value;

use crate::config::SectionDef;
use crate::error::{Error, Result};
use crate::policy::FileLine;
use crate::policy::level::{denies_or_context, severity_or_context};
use crate::policy::locate;
use crate::policy::rule::codes;
use crate::policy::unsafe_count::{self, UnsafeCounts};
use crate::policy::{Finding, LintLevel, Location, PolicyContext, RuleDef, Severity};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "code",
    name: "SafeCodeLints",
    ssdf_tasks: &["PW.5.1", "PW.7.1"],
    description: "workspace lints forbid unsafe code, or its amount stays within bounds",
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

/// The `[code]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("code", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"- `require-forbid-unsafe = true`: every member must forbid `unsafe_code`, through its own
  `[lints.rust] unsafe_code = "forbid"` or through `[lints] workspace = true` with
  `[workspace.lints.rust] unsafe_code = "forbid"` in the root manifest. One finding per member
  that does not. (`#![forbid(unsafe_code)]` crate attributes are not read.)
- `max-unsafe = N`: the `unsafe` blocks, functions, impls, traits, extern blocks and
  attributes in the `.rs` files under each member's `src/` and its `build.rs` (counted by
  a lexer that skips comments, strings and character literals) must total at most `N`;
  the finding lists the counts per crate.
- Without `max-unsafe`, any `unsafe` is reported once as a warning listing the counts per
  crate (report only).

**Why.** SSDF PW.5.1 and PW.7.1: secure coding practices suited to the language are followed
and checked; in Rust, `unsafe` is where memory safety rests on review instead of the compiler.

**How to fix.** Forbid `unsafe_code` in the workspace lints, remove `unsafe` (or move it behind
a reviewed crate), or raise `max-unsafe` after review.

```toml
[code]
severity = "deny"              # default: warn, deny under --strict
require-forbid-unsafe = true   # default false
max-unsafe = 0                 # default: report only
```
"#;

codes! {
    /// The finding codes of the `code` rule.
    pub enum Code {
        /// A workspace member does not forbid `unsafe_code` in its lints
        /// (`require-forbid-unsafe`).
        UnsafeNotForbidden = "unsafe-not-forbidden",
        /// The members hold more `unsafe` constructs than `max-unsafe` allows.
        UnsafeOverLimit = "unsafe-over-limit",
        /// Without `max-unsafe`: the members hold `unsafe` constructs (report only: a warning
        /// unless the rule is set to `allow`).
        UnsafeCode = "unsafe-code",
    }
}

/// The commented `[code]` section of `cargo attest init`, every key at its default.
pub const DEFAULT_CONFIG: &str = r#"# Workspace lints and `unsafe` code (SSDF PW.5.1, PW.7.1).
[code]
# The level of every finding: "deny", "warn" or "allow" (default: warn, deny under --strict).
# severity = "deny"
# Every workspace member must forbid `unsafe_code` in its lints (own `[lints.rust]`, or
# `[lints] workspace = true` with `[workspace.lints.rust] unsafe_code = "forbid"`).
require-forbid-unsafe = false
# The most `unsafe` blocks, fns, impls, traits, extern blocks and attributes the members' src/
# and build.rs may hold together. Unset: any `unsafe` is reported once as a warning.
# max-unsafe = 0
"#;

/// `[code]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The level of every finding but the report-only one; default: the context severity
    /// (warn, deny under `--strict`).
    pub severity: Option<LintLevel>,
    /// Every member must forbid `unsafe_code` through its lints; default `false`.
    #[serde(default)]
    pub require_forbid_unsafe: bool,
    /// The most `unsafe` constructs the workspace members may have together; default: report
    /// only.
    pub max_unsafe: Option<usize>,
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let Some(severity) = severity_or_context(config.severity, context.context_severity()) else {
        return Ok(Vec::new());
    };
    let root = context.root();
    let mut members: Vec<(String, PathBuf)> = context
        .workspace
        .package_graph()
        .workspace()
        .iter()
        .map(|p| {
            (
                p.name().to_owned(),
                p.manifest_path().as_std_path().to_owned(),
            )
        })
        .collect();
    members.sort();

    let mut findings = Vec::new();
    if config.require_forbid_unsafe {
        let root_manifest = locate::read_toml(&root.join("Cargo.toml"))?.0;
        let workspace_forbids = forbids(
            root_manifest
                .get("workspace")
                .and_then(Value::as_table)
                .and_then(|w| w.get("lints")),
        );
        for (name, manifest_path) in &members {
            let (manifest, spans) = locate::read_toml(manifest_path)?;
            let lints = manifest.get("lints").and_then(Value::as_table);
            let inherits = lints
                .and_then(|l| l.get("workspace"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if forbids(manifest.get("lints")) || (inherits && workspace_forbids) {
                continue;
            }
            let line = lints_line(&spans);
            let why = if inherits {
                "inherits the workspace lints, which do not forbid `unsafe_code`"
            } else {
                "does not forbid `unsafe_code` in its lints"
            };
            findings.push(Finding {
                severity,
                rule: RULE.rule_id(),
                location: Location::File(FileLine {
                    path: cargo_sbom::graph::relative_path(manifest_path, root),
                    line,
                }),
                code: Code::UnsafeNotForbidden.into(),
                message: format!("workspace member `{name}` {why}"),
                fix: "set `[workspace.lints.rust] unsafe_code = \"forbid\"` in the root Cargo.toml and `[lints] workspace = true` in the member (or `[lints.rust] unsafe_code = \"forbid\"`)".to_owned(),
            });
        }
    }

    let mut per_crate = Vec::new();
    let mut total = UnsafeCounts::default();
    for (name, manifest_path) in &members {
        let dir = manifest_path.parent().unwrap_or(root);
        let counts = count_member(dir)?;
        total += counts;
        if counts.total() > 0 {
            per_crate.push((name.as_str(), counts));
        }
    }
    let listing = per_crate
        .iter()
        .map(|(name, c)| format!("{name}: {} ({})", c.total(), c.describe()))
        .collect::<Vec<_>>()
        .join("; ");
    match config.max_unsafe {
        Some(max) if total.total() > max => findings.push(Finding {
            severity,
            rule: RULE.rule_id(),
            location: Location::Workspace,
            code: Code::UnsafeOverLimit.into(),
            message: format!(
                "{} `unsafe` constructs in the workspace members, more than the {max} allowed — {listing}",
                total.total()
            ),
            fix: "remove `unsafe` code (or move it behind a reviewed crate), or raise `max-unsafe` in `[code]` after review".to_owned(),
        }),
        Some(_) => {}
        None if total.total() > 0 => findings.push(Finding {
            severity: Severity::Warn,
            rule: RULE.rule_id(),
            location: Location::Workspace,
            code: Code::UnsafeCode.into(),
            message: format!(
                "{} `unsafe` constructs in the workspace members — {listing}",
                total.total()
            ),
            fix: "review each `unsafe` use; set `max-unsafe` in `[code]` to bound it, or forbid `unsafe_code`".to_owned(),
        }),
        None => {}
    }
    Ok(findings)
}

/// The line of a manifest's most precise lints key: `unsafe_code`, `[lints.rust]`, `[lints]`.
fn lints_line(spans: &TomlFile) -> Option<usize> {
    spans
        .key_line(&["lints", "rust", "unsafe_code"])
        .or_else(|| spans.key_line(&["lints", "rust"]))
        .or_else(|| spans.key_line(&["lints"]))
}

/// Whether a `lints` table (`[lints]` or `[workspace.lints]`) sets `rust.unsafe_code` to
/// `forbid` (as a string or `{ level = "forbid", … }`).
fn forbids(lints: Option<&Value>) -> bool {
    let level = lints
        .and_then(Value::as_table)
        .and_then(|l| l.get("rust"))
        .and_then(Value::as_table)
        .and_then(|r| r.get("unsafe_code").or_else(|| r.get("unsafe-code")));
    match level {
        Some(Value::String(s)) => s == "forbid",
        Some(Value::Table(t)) => t.get("level").and_then(Value::as_str) == Some("forbid"),
        _ => false,
    }
}

/// Counts `unsafe` in the `.rs` files under `dir/src` and in `dir/build.rs`.
pub fn count_member(dir: &Path) -> Result<UnsafeCounts> {
    let mut files = Vec::new();
    collect_rs_files(&dir.join("src"), &mut files)?;
    let build = dir.join("build.rs");
    if build.is_file() {
        files.push(build);
    }
    let mut counts = UnsafeCounts::default();
    for file in files {
        let text = std::fs::read(&file).map_err(|e| Error::read(&file, &e))?;
        counts += unsafe_count::count(&String::from_utf8_lossy(&text));
    }
    Ok(counts)
}

/// The `.rs` files under `dir`, recursively, not following symbolic links to directories.
fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::read(dir, &e));
        }
    };
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(dir, &e))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        paths.push((entry.path(), is_dir));
    }
    paths.sort();
    for (path, is_dir) in paths {
        if is_dir {
            collect_rs_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finding_points_at_the_most_precise_lints_key() {
        let line = |text: &str| lints_line(&TomlFile::parse(text).unwrap());
        let package = "[package]\nname = \"x\"\n";
        assert_eq!(line(package), None);
        assert_eq!(
            line(&format!("{package}[lints]\nworkspace = true\n")),
            Some(3)
        );
        assert_eq!(
            line(&format!(
                "{package}\n[lints.rust]\nmissing_docs = \"warn\"\n"
            )),
            Some(4)
        );
        assert_eq!(
            line(&format!(
                "{package}[lints.rust]\nmissing_docs = \"warn\"\nunsafe_code = \"deny\"\n"
            )),
            Some(5)
        );
    }

    fn lints(text: &str) -> Option<Value> {
        let table: toml::Table = toml::from_str(text).unwrap();
        table.get("lints").cloned()
    }

    #[test]
    fn forbid_levels() {
        assert!(forbids(
            lints("[lints.rust]\nunsafe_code = \"forbid\"").as_ref()
        ));
        assert!(forbids(
            lints("[lints.rust]\nunsafe_code = { level = \"forbid\", priority = 1 }").as_ref()
        ));
        assert!(!forbids(
            lints("[lints.rust]\nunsafe_code = \"deny\"").as_ref()
        ));
        assert!(!forbids(lints("[lints]\nworkspace = true").as_ref()));
        assert!(!forbids(None));
    }
}
