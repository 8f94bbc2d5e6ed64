//! The `licenses` rule (SSDF PW.4.1): every crate's SPDX license expression is evaluated
//! against the allow and deny lists. The rule reference is [`HELP`].

use std::collections::BTreeMap;

use guppy::{Version, VersionReq};
use serde::{Deserialize, Deserializer};
use spdx::{Expression, LicenseItem, LicenseReq, Licensee, ParseMode};

use crate::config::SectionDef;
use crate::error::Result;
use crate::policy::rule::codes;
use crate::policy::{Finding, Location, PolicyContext, RuleDef, Severity};
use cargo_sbom::license::DeclaredLicense;
use cargo_sbom::{Component, ComponentId};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "licenses",
    name: "AllowedLicenses",
    ssdf_tasks: &["PW.4.1"],
    description: "every dependency's license is allowed",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: true,
    // Denied licenses always deny.
    enforcing: |_, _| true,
    check: Some(check),
};

/// The `[licenses]` section.
pub static SECTION: SectionDef<Config> = SectionDef::new("licenses", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"Every crate's SPDX license expression is evaluated against the allow and deny lists, in
cargo-deny's vocabulary.

* An expression is accepted when it can be satisfied with allowed licenses (`OR` takes either
  side, `AND` needs both, `+` accepts later versions on the allow list). As in cargo-deny, a
  `WITH` exception must be allowed as such: `Apache-2.0 WITH LLVM-exception` needs exactly
  that entry, `Apache-2.0` alone does not accept it.
* A license on the deny list is never accepted; an expression that cannot be satisfied
  without one is `license-denied`. The deny list is enforced even without an allow list.
* Without an allow list the rule is report-only: a single `warn` summary of the license
  expressions in the graph and their counts (plus the deny-list findings above).
* With an allow list, a crate without a license, with only a `license-file` (and no
  clarification) or with an expression that is not valid SPDX is denied.
* `clarify` replaces a crate's declared license with an expression; each listed license file
  (relative to the crate's directory) must exist and, when `sha256` is given, have that
  SHA-256, else the clarification is not applied and a `clarification-mismatch` is found.
* Every component of the graph is checked, workspace members included (cargo-deny checks
  them too); `ignore-workspace = true` leaves the members out.
* Invalid SPDX ids in `allow`, `deny`, `exceptions.allow` and `clarify.expression` are
  configuration errors naming the file, line and key.

**Why.** SSDF PW.4.1: acquired components must meet the organisation's requirements, and a
license the product cannot comply with is a supply-chain risk like any other.

**How to fix.** Replace the crate, allow its license (for all crates or, with an exception,
for this one), or clarify the license of a crate that does not declare it well.

```toml
[licenses]
allow = ["MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception"]
deny = ["GPL-3.0-only"]
exceptions = [{ name = "ring", version = "0.17", allow = ["ISC", "OpenSSL"] }]
clarify = [{ name = "ring", expression = "MIT AND ISC AND OpenSSL",
             license-files = [{ path = "LICENSE", sha256 = "…" }] }]
ignore-workspace = false
```
"#;

codes! {
    /// The finding codes of the `licenses` rule.
    pub enum Code {
        /// The expression cannot be satisfied without a license of the deny list.
        LicenseDenied = "license-denied",
        /// The expression cannot be satisfied with the allowed licenses.
        LicenseNotAllowed = "license-not-allowed",
        /// The declared license is not a valid SPDX expression (with an allow list).
        UnrecognizedLicense = "unrecognized-license",
        /// The crate gives only a license file and no SPDX expression (with an allow list).
        LicenseFileOnly = "license-file-only",
        /// The crate declares no license (with an allow list).
        NoLicense = "no-license",
        /// A `clarify` entry applies, but its license files are missing or changed, so it is
        /// not applied.
        ClarificationMismatch = "clarification-mismatch",
        /// Without an allow list: the licenses of the graph and their counts (report only).
        LicenseSummary = "license-summary",
    }
}

/// How declared expressions are parsed: as cargo-sbom validated them (strict syntax, deprecated
/// ids and the GNU `+` accepted).
const DECLARED: ParseMode = ParseMode {
    allow_slash_as_or_operator: false,
    allow_imprecise_license_names: false,
    allow_postfix_plus_on_gpl: true,
    allow_deprecated: true,
    allow_unknown: false,
};

/// The commented `[licenses]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# Licenses (SSDF PW.4.1), in cargo-deny's vocabulary. Without an `allow` list the rule only
# reports the licenses in the graph (one warning); with one, every crate's SPDX expression must
# be satisfiable with allowed licenses, and crates without a valid expression are denied.
[licenses]
# allow = ["MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-3-Clause", "ISC", "Unicode-3.0"]
# (A `WITH` exception must be allowed as such, as in cargo-deny.)
# Licenses never accepted, even without an allow list.
deny = []
# Further licenses for one crate: [{ name = "ring", version = "0.17", allow = ["ISC"] }].
exceptions = []
# Leave the workspace members out of the check.
ignore-workspace = false

# The license of a crate that does not declare one (well); the listed files must keep their hash.
# [[licenses.clarify]]
# name = "ring"
# version = "0.17"
# expression = "MIT AND ISC AND OpenSSL"
# license-files = [{ path = "LICENSE", sha256 = "…" }]
"#;

/// `[licenses]` in `attest.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The allowed licenses (`MIT`, `Apache-2.0 WITH LLVM-exception`, `LicenseRef-…`). `None`
    /// (no `allow` key) makes the rule report-only.
    #[serde(deserialize_with = "allow_list")]
    pub allow: Option<Vec<Licensee>>,
    /// Licenses that are never accepted.
    #[serde(deserialize_with = "deny_list")]
    pub deny: Vec<Licensee>,
    /// Further licenses allowed for particular crates.
    pub exceptions: Vec<Exception>,
    /// License expressions that replace what particular crates declare.
    pub clarify: Vec<Clarification>,
    /// Leave the workspace members out of the check.
    pub ignore_workspace: bool,
}

/// `[[licenses.exceptions]]`: licenses allowed for one crate only.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exception {
    /// The crate.
    pub name: String,
    /// Its versions (a semver requirement); all when absent.
    #[serde(default, deserialize_with = "version_req")]
    pub version: Option<VersionReq>,
    /// The further licenses allowed for it.
    #[serde(deserialize_with = "exception_allow_list")]
    pub allow: Vec<Licensee>,
}

/// `[[licenses.clarify]]`: the license of a crate whose manifest does not say it (well).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Clarification {
    /// The crate.
    pub name: String,
    /// Its versions (a semver requirement); all when absent.
    #[serde(default, deserialize_with = "version_req")]
    pub version: Option<VersionReq>,
    /// The SPDX expression that applies instead of the declared license.
    #[serde(deserialize_with = "clarify_expression")]
    pub expression: ClarifiedExpression,
    /// License files whose content the clarification was made for.
    #[serde(default)]
    pub license_files: Vec<ClarifiedFile>,
}

/// A valid SPDX expression and its text.
#[derive(Clone)]
pub struct ClarifiedExpression {
    /// The text as written.
    pub text: String,
    expression: Expression,
}

impl std::fmt::Debug for ClarifiedExpression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ClarifiedExpression")
            .field(&self.text)
            .finish()
    }
}

/// A license file a clarification relies on.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClarifiedFile {
    /// The file, relative to the crate's directory.
    pub path: String,
    /// Its expected SHA-256 (lower-case hex); not checked when absent.
    #[serde(default, deserialize_with = "sha256_hex")]
    pub sha256: Option<String>,
}

/// Whether a version requirement (all versions when `None`) matches a version.
fn version_matches(req: Option<&VersionReq>, version: &str) -> bool {
    req.is_none_or(|req| Version::parse(version).is_ok_and(|v| req.matches(&v)))
}

impl Exception {
    fn applies_to(&self, component: &Component) -> bool {
        self.name == component.name && version_matches(self.version.as_ref(), &component.version)
    }
}

impl Clarification {
    fn applies_to(&self, component: &Component) -> bool {
        self.name == component.name && version_matches(self.version.as_ref(), &component.version)
    }
}

fn licensees<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &str,
) -> std::result::Result<Vec<Licensee>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| {
            parse_licensee(text)
                .map_err(|reason| serde::de::Error::custom(format!("`{key}`: {reason}")))
        })
        .collect()
}

/// Parses an allow- or deny-list entry: one SPDX license id (or `LicenseRef-…`), optionally
/// `WITH` an exception.
pub fn parse_licensee(text: &str) -> std::result::Result<Licensee, String> {
    Licensee::parse_mode(text.trim(), ParseMode::STRICT)
        .or_else(|_| {
            // Deprecated ids are still valid SPDX (and crates declare them).
            Licensee::parse_mode(
                text.trim(),
                ParseMode {
                    allow_deprecated: true,
                    ..ParseMode::STRICT
                },
            )
        })
        .map_err(|e| {
            format!(
                "`{text}` is not an SPDX license id (optionally `WITH` an exception): {}",
                e.reason
            )
        })
}

fn allow_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Vec<Licensee>>, D::Error> {
    licensees(deserializer, "licenses.allow").map(Some)
}

fn deny_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<Licensee>, D::Error> {
    licensees(deserializer, "licenses.deny")
}

fn exception_allow_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<Licensee>, D::Error> {
    licensees(deserializer, "licenses.exceptions.allow")
}

fn clarify_expression<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<ClarifiedExpression, D::Error> {
    let text = String::deserialize(deserializer)?;
    let expression = Expression::parse_mode(text.trim(), DECLARED).map_err(|e| {
        serde::de::Error::custom(format!(
            "`licenses.clarify.expression`: `{text}` is not a valid SPDX expression: {}",
            e.reason
        ))
    })?;
    Ok(ClarifiedExpression { text, expression })
}

fn version_req<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<VersionReq>, D::Error> {
    let text = String::deserialize(deserializer)?;
    VersionReq::parse(text.trim()).map(Some).map_err(|e| {
        serde::de::Error::custom(format!(
            "`version`: `{text}` is not a semver requirement: {e}"
        ))
    })
}

fn sha256_hex<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let hex = text.trim().to_ascii_lowercase();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(Some(hex))
    } else {
        Err(serde::de::Error::custom(format!(
            "`licenses.clarify.license-files.sha256`: `{text}` is not a SHA-256 (64 hex digits)"
        )))
    }
}

/// The lists a crate's license is judged by.
struct Policy<'a> {
    /// `None`: report-only.
    allow: Option<Vec<&'a Licensee>>,
    deny: &'a [Licensee],
}

impl Policy<'_> {
    /// Whether an allowed licensee satisfies a requirement (with its `WITH` exception, if any).
    fn allowed(&self, req: &LicenseReq) -> bool {
        let Some(allow) = &self.allow else {
            return true;
        };
        allow.iter().any(|licensee| licensee.satisfies(req))
    }

    /// Whether a denied licensee covers a requirement (whatever its exception).
    fn denied(&self, req: &LicenseReq) -> bool {
        self.deny.iter().any(|licensee| {
            if licensee.as_ref().addition.is_some() {
                licensee.satisfies(req)
            } else {
                licensee.satisfies(&without_addition(req)) || same_license(licensee, req)
            }
        })
    }
}

/// The requirement without its `WITH` addition.
fn without_addition(req: &LicenseReq) -> LicenseReq {
    LicenseReq {
        license: req.license.clone(),
        addition: None,
    }
}

/// Whether a licensee names the same license as a requirement (ignoring `+`).
fn same_license(licensee: &Licensee, req: &LicenseReq) -> bool {
    match (&licensee.as_ref().license, &req.license) {
        (LicenseItem::Spdx { id: a, .. }, LicenseItem::Spdx { id: b, .. }) => a == b,
        (LicenseItem::Other(a), LicenseItem::Other(b)) => a == b,
        _ => false,
    }
}

/// The verdict on one expression.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It can be satisfied.
    Accepted,
    /// It cannot be satisfied without a denied license (listed).
    Denied(Vec<String>),
    /// It cannot be satisfied with the allowed licenses (the requirements not met, listed).
    NotAllowed(Vec<String>),
}

/// Evaluates `expression` with the allow list (plus `extra`, a crate's exceptions; `None`:
/// everything is allowed but the deny list) and the deny list.
pub fn evaluate(
    expression: &Expression,
    allow: Option<&[Licensee]>,
    extra: &[&Licensee],
    deny: &[Licensee],
) -> Verdict {
    let policy = Policy {
        allow: allow.map(|a| a.iter().chain(extra.iter().copied()).collect()),
        deny,
    };
    match expression.evaluate_with_failures(|req| !policy.denied(req) && policy.allowed(req)) {
        Ok(()) => Verdict::Accepted,
        Err(failures) => {
            let mut denied: Vec<String> = failures
                .iter()
                .filter(|f| policy.denied(&f.req))
                .map(|f| f.req.to_string())
                .collect();
            denied.sort();
            denied.dedup();
            if denied.is_empty() {
                let mut missing: Vec<String> = failures.iter().map(|f| f.req.to_string()).collect();
                missing.sort();
                missing.dedup();
                Verdict::NotAllowed(missing)
            } else {
                Verdict::Denied(denied)
            }
        }
    }
}

fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let enforcing = config.allow.is_some();
    let mut findings = Vec::new();
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    for (id, component) in context.graph.iter() {
        if config.ignore_workspace && component.is_workspace_member {
            continue;
        }
        let (license, clarified) = match clarified(context, id) {
            Ok(found) => found,
            Err(mismatch) => {
                findings.push(mismatch.finding(context, id, enforcing));
                (Declared::from(&component.license), false)
            }
        };
        *summary.entry(license.describe()).or_default() += 1;
        let extra: Vec<&Licensee> = config
            .exceptions
            .iter()
            .filter(|e| e.applies_to(component))
            .flat_map(|e| e.allow.iter())
            .collect();
        let problem = match &license {
            Declared::Expression(text, expression) => {
                match evaluate(expression, config.allow.as_deref(), &extra, &config.deny) {
                    Verdict::Accepted => None,
                    Verdict::Denied(licenses) => Some((
                        Code::LicenseDenied,
                        format!(
                            "{} {} is licensed `{text}`{}, which cannot be accepted without the denied license {}",
                            component.name,
                            component.version,
                            if clarified { " (clarified)" } else { "" },
                            licenses.join(", ")
                        ),
                    )),
                    Verdict::NotAllowed(missing) => Some((
                        Code::LicenseNotAllowed,
                        format!(
                            "{} {} is licensed `{text}`{}, which the allow list does not satisfy (not allowed: {})",
                            component.name,
                            component.version,
                            if clarified { " (clarified)" } else { "" },
                            missing.join(", ")
                        ),
                    )),
                }
            }
            _ if !enforcing => None,
            Declared::Unrecognized(text) => Some((
                Code::UnrecognizedLicense,
                format!(
                    "{} {} declares the license `{text}`, which is not a valid SPDX expression",
                    component.name, component.version
                ),
            )),
            Declared::File(path) => Some((
                Code::LicenseFileOnly,
                format!(
                    "{} {} gives only a license file ({path}) and no SPDX expression",
                    component.name, component.version
                ),
            )),
            Declared::None => Some((
                Code::NoLicense,
                format!(
                    "{} {} declares no license",
                    component.name, component.version
                ),
            )),
        };
        let Some((code, message)) = problem else {
            continue;
        };
        let fix = match code {
            Code::LicenseDenied => format!(
                "replace {} with a crate under an acceptable license (or remove the license from `deny`)",
                component.name
            ),
            Code::LicenseNotAllowed => format!(
                "replace {name}, add the license to `allow`, or add an exception `{{ name = \"{name}\", allow = [...] }}` to the `[licenses]` section of attest.toml",
                name = component.name
            ),
            _ => format!(
                "declare an SPDX `license` in {name}'s manifest, or add a `clarify` entry `{{ name = \"{name}\", expression = \"…\", license-files = [{{ path = \"…\", sha256 = \"…\" }}] }}` to the `[licenses]` section of attest.toml",
                name = component.name
            ),
        };
        findings.push(Finding {
            severity: Severity::Deny,
            rule: RULE.rule_id(),
            location: Location::of_component(component).declared_at(context.declaration(id)),
            code: code.into(),
            message,
            fix,
        });
    }
    if !enforcing && !summary.is_empty() {
        let mut counted: Vec<(String, usize)> = summary.into_iter().collect();
        counted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let listed: Vec<String> = counted
            .iter()
            .map(|(license, count)| format!("{license} ({count})"))
            .collect();
        findings.push(Finding {
                severity: Severity::Warn,
                rule: RULE.rule_id(),
                location: Location::Workspace,
                code: Code::LicenseSummary.into(),
                message: format!(
                    "licenses are reported only until an allow list is given: {}",
                    listed.join(", ")
                ),
                fix: "add `allow = [\"MIT\", \"Apache-2.0\", …]` to the `[licenses]` section of attest.toml to enforce a license policy".to_owned(),
            });
    }
    Ok(findings)
}

/// A license as the rule judges it.
enum Declared {
    Expression(String, Box<Expression>),
    Unrecognized(String),
    File(String),
    None,
}

impl Declared {
    fn from(license: &DeclaredLicense) -> Self {
        match license {
            DeclaredLicense::Expression(text) => match Expression::parse_mode(text, DECLARED) {
                Ok(expression) => Declared::Expression(text.clone(), Box::new(expression)),
                Err(_) => Declared::Unrecognized(text.clone()),
            },
            DeclaredLicense::Unrecognized(text) => Declared::Unrecognized(text.clone()),
            DeclaredLicense::File(file) => Declared::File(file.path.clone()),
            DeclaredLicense::None => Declared::None,
        }
    }

    /// How the summary names it.
    fn describe(&self) -> String {
        match self {
            Declared::Expression(text, _) => text.clone(),
            Declared::Unrecognized(text) => format!("unrecognized `{text}`"),
            Declared::File(_) => "license file only".to_owned(),
            Declared::None => "no license".to_owned(),
        }
    }
}

/// A clarification whose license files do not match.
struct Mismatch {
    path: String,
    reason: String,
}

impl Mismatch {
    fn finding(&self, context: &PolicyContext<'_>, id: ComponentId, enforcing: bool) -> Finding {
        let component = context.graph.component(id);
        Finding {
            severity: if enforcing {
                Severity::Deny
            } else {
                Severity::Warn
            },
            rule: RULE.rule_id(),
            location: Location::of_component(component).declared_at(context.declaration(id)),
            code: Code::ClarificationMismatch.into(),
            message: format!(
                "the clarification of {} {} is not applied: its license file {} {}",
                component.name, component.version, self.path, self.reason
            ),
            fix: format!(
                "review {}'s license file and update the `clarify` entry (expression and sha256) in the `[licenses]` section of attest.toml",
                component.name
            ),
        }
    }
}

/// The license of a component after clarification (and whether one applied); `Err` when a
/// clarification applies but its license files do not match.
fn clarified(
    context: &PolicyContext<'_>,
    id: ComponentId,
) -> std::result::Result<(Declared, bool), Mismatch> {
    let component = context.graph.component(id);
    let Some(clarification) = context
        .config
        .get(&SECTION)
        .clarify
        .iter()
        .find(|c| c.applies_to(component))
    else {
        return Ok((Declared::from(&component.license), false));
    };
    let package_dir = context.package(id).and_then(|p| {
        p.manifest_path()
            .parent()
            .map(|dir| dir.as_std_path().to_owned())
    });
    for file in &clarification.license_files {
        let Some(dir) = &package_dir else {
            return Err(Mismatch {
                path: file.path.clone(),
                reason: "cannot be located (the package's directory is unknown)".to_owned(),
            });
        };
        let bytes = std::fs::read(dir.join(&file.path)).map_err(|e| Mismatch {
            path: file.path.clone(),
            reason: format!("cannot be read ({e})"),
        })?;
        let actual = cargo_sbom::digest::Sha256Hex::digest(&bytes);
        if let Some(expected) = &file.sha256
            && actual.as_str() != expected
        {
            return Err(Mismatch {
                path: file.path.clone(),
                reason: format!(
                    "has the SHA-256 {}, not the expected {expected} (the file changed since the clarification was made)",
                    actual.as_str()
                ),
            });
        }
    }
    Ok((
        Declared::Expression(
            clarification.expression.text.clone(),
            Box::new(clarification.expression.expression.clone()),
        ),
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(ids: &[&str]) -> Vec<Licensee> {
        ids.iter().map(|id| parse_licensee(id).unwrap()).collect()
    }

    fn verdict(expression: &str, allow: Option<&[&str]>, deny: &[&str]) -> Verdict {
        let expression = Expression::parse_mode(expression, DECLARED).unwrap();
        let allow = allow.map(list);
        evaluate(&expression, allow.as_deref(), &[], &list(deny))
    }

    const PERMISSIVE: &[&str] = &["MIT", "Apache-2.0", "Unicode-3.0", "BSD-3-Clause"];

    #[test]
    fn or_takes_either_side_and_needs_one() {
        assert_eq!(
            verdict("MIT OR GPL-3.0-only", Some(PERMISSIVE), &[]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("GPL-3.0-only OR MIT", Some(PERMISSIVE), &[]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("GPL-3.0-only OR LGPL-2.1-only", Some(PERMISSIVE), &[]),
            Verdict::NotAllowed(vec!["GPL-3.0-only".into(), "LGPL-2.1-only".into()])
        );
    }

    #[test]
    fn and_needs_both() {
        assert_eq!(
            verdict("(MIT OR Apache-2.0) AND Unicode-3.0", Some(PERMISSIVE), &[]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("MIT AND ISC", Some(PERMISSIVE), &[]),
            Verdict::NotAllowed(vec!["ISC".into()])
        );
    }

    #[test]
    fn with_exceptions() {
        // The bare license does not allow it (as in cargo-deny)…
        assert_eq!(
            verdict("Apache-2.0 WITH LLVM-exception", Some(PERMISSIVE), &[]),
            Verdict::NotAllowed(vec!["Apache-2.0 WITH LLVM-exception".into()])
        );
        // … exactly the license with the exception does.
        assert_eq!(
            verdict(
                "Apache-2.0 WITH LLVM-exception",
                Some(&["Apache-2.0 WITH LLVM-exception"]),
                &[]
            ),
            Verdict::Accepted
        );
        assert_eq!(
            verdict(
                "GPL-2.0-only WITH Classpath-exception-2.0",
                Some(&["Apache-2.0 WITH LLVM-exception"]),
                &[]
            ),
            Verdict::NotAllowed(vec!["GPL-2.0-only WITH Classpath-exception-2.0".into()])
        );
        // An allowed license with an exception does not allow the bare license.
        assert!(matches!(
            verdict("Apache-2.0", Some(&["Apache-2.0 WITH LLVM-exception"]), &[]),
            Verdict::NotAllowed(_)
        ));
    }

    #[test]
    fn plus_accepts_later_versions() {
        assert_eq!(
            verdict("MPL-2.0+", Some(&["MPL-2.0"]), &[]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("GPL-2.0-or-later", Some(&["GPL-3.0-or-later"]), &[]),
            Verdict::NotAllowed(vec!["GPL-2.0-or-later".into()])
        );
        // GNU `+` forms are ids of their own (as in cargo-deny): `LGPL-2.1+` is
        // `LGPL-2.1-or-later`, which that id on the allow list accepts.
        assert_eq!(
            verdict("LGPL-2.1+", Some(&["LGPL-2.1-or-later"]), &[]),
            Verdict::Accepted
        );
        assert!(matches!(
            verdict("LGPL-2.1+", Some(&["LGPL-3.0-only"]), &[]),
            Verdict::NotAllowed(_)
        ));
        assert!(matches!(
            verdict("MPL-1.1", Some(&["MPL-2.0"]), &[]),
            Verdict::NotAllowed(_)
        ));
    }

    #[test]
    fn deny_wins_and_is_named() {
        let mut allow = PERMISSIVE.to_vec();
        allow.push("GPL-3.0-only");
        assert_eq!(
            verdict("GPL-3.0-only", Some(&allow), &["GPL-3.0-only"]),
            Verdict::Denied(vec!["GPL-3.0-only".into()])
        );
        // Avoidable: the other side is taken.
        assert_eq!(
            verdict("MIT OR GPL-3.0-only", Some(PERMISSIVE), &["GPL-3.0-only"]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("MIT AND GPL-3.0-only", Some(PERMISSIVE), &["GPL-3.0-only"]),
            Verdict::Denied(vec!["GPL-3.0-only".into()])
        );
        // A denied license with an exception is still denied.
        assert_eq!(
            verdict(
                "GPL-2.0-only WITH Classpath-exception-2.0",
                Some(&["GPL-2.0-only WITH Classpath-exception-2.0"]),
                &["GPL-2.0-only"]
            ),
            Verdict::Denied(vec!["GPL-2.0-only WITH Classpath-exception-2.0".into()])
        );
    }

    #[test]
    fn report_only_enforces_the_deny_list_alone() {
        assert_eq!(
            verdict("LicenseRef-Proprietary", None, &[]),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("AGPL-3.0-only", None, &["AGPL-3.0-only"]),
            Verdict::Denied(vec!["AGPL-3.0-only".into()])
        );
    }

    #[test]
    fn exceptions_extend_the_allow_list() {
        let expression = Expression::parse("MIT AND ISC").unwrap();
        let allow = list(PERMISSIVE);
        let isc = list(&["ISC"]);
        let extra: Vec<&Licensee> = isc.iter().collect();
        assert_eq!(
            evaluate(&expression, Some(&allow), &extra, &[]),
            Verdict::Accepted
        );
    }

    #[test]
    fn parses_the_section() {
        let config = crate::attest_toml::parse(
            std::path::Path::new("attest.toml"),
            r#"
[licenses]
allow = ["MIT", "Apache-2.0 WITH LLVM-exception", "LicenseRef-Internal"]
deny = ["GPL-3.0-only"]
exceptions = [{ name = "ring", version = "^0.17", allow = ["ISC"] }]
ignore-workspace = true

[[licenses.clarify]]
name = "ring"
expression = "MIT AND ISC"
license-files = [{ path = "LICENSE", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }]
"#,
        )
        .unwrap();
        let licenses = config.get(&SECTION);
        assert_eq!(licenses.allow.as_ref().map(Vec::len), Some(3));
        assert_eq!(licenses.deny.len(), 1);
        assert_eq!(licenses.exceptions[0].allow.len(), 1);
        assert!(licenses.ignore_workspace);
        assert_eq!(licenses.clarify[0].expression.text, "MIT AND ISC");
        assert_eq!(licenses.clarify[0].license_files[0].path, "LICENSE");
        assert!(crate::attest_toml::defaults().get(&SECTION).allow.is_none());
    }

    fn config_error(text: &str) -> String {
        crate::attest_toml::parse(std::path::Path::new("attest.toml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn invalid_ids_are_config_errors_naming_file_line_and_key() {
        let err = config_error("[licenses]\nallow = [\"MIT\",\n  \"MITT\"]\n");
        assert!(err.starts_with("attest.toml:"), "{err}");
        assert!(err.contains("licenses.allow"), "{err}");
        assert!(err.contains("MITT"), "{err}");
        let err = config_error("[licenses]\n\ndeny = [\"GPL-3\"]\n");
        assert!(err.starts_with("attest.toml:3"), "{err}");
        assert!(err.contains("licenses.deny"), "{err}");
        let err = config_error("[licenses]\nallow = [\"MIT OR Apache-2.0\"]\n");
        assert!(err.contains("licenses.allow"), "{err}");
        let err =
            config_error("[licenses]\nexceptions = [{ name = \"a\", allow = [\"Nope-1.0\"] }]\n");
        assert!(err.contains("licenses.exceptions.allow"), "{err}");
        let err =
            config_error("[[licenses.clarify]]\nname = \"a\"\nexpression = \"MIT ANDOR X\"\n");
        assert!(err.contains("licenses.clarify.expression"), "{err}");
        let err = config_error(
            "[[licenses.clarify]]\nname = \"a\"\nexpression = \"MIT\"\nlicense-files = [{ path = \"L\", sha256 = \"0x12\" }]\n",
        );
        assert!(err.contains("sha256"), "{err}");
        let err = config_error("[licenses]\nconfidence = 0.8\n");
        assert!(err.contains("confidence"), "{err}");
    }
}
