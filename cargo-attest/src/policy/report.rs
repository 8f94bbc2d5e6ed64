//! Rendering findings: human text, JSON, SARIF 2.1.0.
//!
//! Every format resolves a finding to a file and line the same way ([`Reporter::resolve`]): a
//! file location as given; a crate with a declaration as declared; any other crate at its
//! `[[package]]` entry in `Cargo.lock` (name and version), else `Cargo.lock` or `Cargo.toml`; the
//! workspace as a whole at the root `Cargo.toml`. Paths are relative to the workspace root;
//! SARIF URIs are relative to the git repository root (GitHub code scanning resolves them
//! against the checkout), which is the workspace root outside a repository.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use cargo_sbom::spanned::TomlFile;
use serde_json::{Value, json};

use super::level::Severity;
use super::locate;
use super::location::{FileLine, Location};
use super::rule::Finding;
use super::rule::{RuleDef, RuleId};
use super::run::PolicyRun;

/// The SARIF schema URI written into reports.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is documented (SARIF `informationUri`).
pub const INFORMATION_URI: &str = "https://github.com/cargo-attest/cargo-attest";

/// The rule reference of a rule (SARIF `helpUri`): `docs/rules/ID.md` of the repository.
pub fn help_uri(rule: &RuleDef) -> String {
    format!("{INFORMATION_URI}/blob/main/docs/rules/{}.md", rule.id)
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Denied findings.
    pub deny: usize,
    /// Warnings.
    pub warn: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let deny = findings
            .iter()
            .filter(|f| f.severity == Severity::Deny)
            .count();
        Self {
            deny,
            warn: findings.len() - deny,
        }
    }

    /// `N denied, M warnings`.
    pub fn line(&self) -> String {
        format!("{} denied, {} warnings", self.deny, self.warn)
    }
}

/// Renders the findings of one workspace.
#[derive(Clone, Debug)]
pub struct Reporter {
    /// The workspace root (SARIF regions of whole files are measured there).
    root: PathBuf,
    /// The workspace's `Cargo.lock` with its positions, when it exists and parses.
    lockfile: Option<Arc<TomlFile>>,
    /// The workspace root relative to the git work tree (`""` at its root or outside git), as
    /// a `/`-terminated prefix for SARIF URIs; looked up by the first SARIF report.
    uri_prefix: OnceLock<String>,
}

impl Reporter {
    /// A reporter for what `run` found in the workspace at `root`.
    pub fn new(root: &Path, run: &PolicyRun) -> Self {
        Self {
            root: root.to_owned(),
            lockfile: run.lockfile.clone(),
            uri_prefix: OnceLock::new(),
        }
    }

    /// The file (relative to the workspace root) and line a finding points at.
    pub fn resolve(&self, finding: &Finding) -> FileLine {
        match &finding.location {
            Location::File(at) => at.clone(),
            Location::Crate {
                declared_at: Some(at),
                ..
            } => at.clone(),
            Location::Crate { name, version, .. } => match &self.lockfile {
                Some(lockfile) => FileLine {
                    path: locate::LOCKFILE.into(),
                    line: locate::package_line(lockfile, name, version),
                },
                None => FileLine {
                    path: "Cargo.toml".into(),
                    line: None,
                },
            },
            Location::Workspace => FileLine {
                path: "Cargo.toml".into(),
                line: None,
            },
        }
    }

    /// Human text: each finding as a headline, its location, SSDF tasks and fix, then the
    /// summary line. `color` adds ANSI colours.
    pub fn human(&self, findings: &[Finding], color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        for finding in findings {
            let (label, code) = match finding.severity {
                Severity::Deny => ("deny", "1;31"),
                Severity::Warn => ("warn", "1;33"),
            };
            let headline = format!("{label}[{}]", finding.rule);
            let _ = writeln!(
                out,
                "{}: {} [{}]",
                paint(code, &headline),
                paint("1", &finding.message),
                finding.code
            );
            let at = self.resolve(finding);
            let at_text = match at.line {
                Some(line) => format!("{}:{line}", at.path),
                None => at.path.clone(),
            };
            let _ = writeln!(out, "  {} {at_text}", paint("1;34", "-->"));
            if let Location::Crate {
                name,
                version,
                source,
                ..
            } = &finding.location
            {
                let _ = writeln!(out, "   = crate: {name} {version} ({source})");
            }
            let _ = writeln!(out, "   = SSDF: {}", finding.ssdf_tasks().join(", "));
            let _ = writeln!(out, "   = fix: {}", finding.fix);
            out.push('\n');
        }
        let summary = Summary::of(findings);
        let line = summary.line();
        let line = if summary.deny > 0 {
            paint("1;31", &line)
        } else if summary.warn > 0 {
            paint("1;33", &line)
        } else {
            paint("1;32", &line)
        };
        let _ = writeln!(out, "{line}");
        out
    }

    /// `{"findings": […], "summary": {"deny", "warn"}, "rules": [{id, ssdf, description}]}`.
    /// Each finding is [`Finding`] serialised, plus `ssdf` and the resolved `file`/`line`.
    pub fn json(&self, findings: &[Finding], rules: &[RuleId]) -> Value {
        let summary = Summary::of(findings);
        let findings: Vec<Value> = findings
            .iter()
            .map(|finding| {
                let mut value = serde_json::to_value(finding).unwrap_or(Value::Null);
                let at = self.resolve(finding);
                if let Some(object) = value.as_object_mut() {
                    object.insert("ssdf".into(), json!(finding.ssdf_tasks()));
                    object.insert("file".into(), json!(at.path));
                    if let Some(line) = at.line {
                        object.insert("line".into(), json!(line));
                    }
                }
                value
            })
            .collect();
        json!({
            "findings": findings,
            "summary": { "deny": summary.deny, "warn": summary.warn },
            "rules": rules.iter().map(|rule| json!({
                "id": rule.as_str(),
                "ssdf": rule.def().ssdf_tasks,
                "description": rule.def().description,
            })).collect::<Vec<_>>(),
        })
    }

    /// A SARIF 2.1.0 log with one run, as GitHub code scanning takes it: the rules as
    /// `tool.driver.rules` with their names, descriptions, help and reference (SSDF tasks as
    /// tags), each finding as a result (`error` for deny, `warning` for warn) located in a file
    /// relative to `%SRCROOT%` with a region (the line, or the whole file), and a fingerprint
    /// that stays the same across runs.
    pub fn sarif(&self, findings: &[Finding], rules: &[RuleId]) -> Value {
        let driver_rules: Vec<Value> = rules
            .iter()
            .map(|rule| {
                let def = rule.def();
                json!({
                    "id": def.id,
                    "name": def.name,
                    "shortDescription": { "text": sentence(&capitalised(def.description)) },
                    "fullDescription": { "text": plain(first_paragraph(def.help)) },
                    "help": { "text": plain(def.help), "markdown": def.help },
                    "helpUri": help_uri(def),
                    "defaultConfiguration": { "level": "error" },
                    "properties": { "tags": def.ssdf_tasks },
                })
            })
            .collect();
        // Whole-file regions, measured once per file.
        let mut whole_files: BTreeMap<String, Value> = BTreeMap::new();
        let results: Vec<Value> = findings
            .iter()
            .map(|finding| {
                let at = self.resolve(finding);
                let region = match at.line {
                    Some(line) => json!({ "startLine": line, "endLine": line }),
                    None => whole_files
                        .entry(at.path.clone())
                        .or_insert_with(|| whole_file_region(&self.root.join(&at.path)))
                        .clone(),
                };
                let physical = json!({
                    "artifactLocation": {
                        "uri": self.uri(&at.path),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": region,
                });
                let mut result = json!({
                    "ruleId": finding.rule.as_str(),
                    "level": match finding.severity {
                        Severity::Deny => "error",
                        Severity::Warn => "warning",
                    },
                    "message": { "text": format!("{} Fix: {}", sentence(&finding.message), finding.fix) },
                    "locations": [{ "physicalLocation": physical }],
                    "partialFingerprints": {
                        "cargoAttestFinding/v1": fingerprint(finding),
                    },
                    "properties": {
                        "severity": finding.severity.as_str(),
                        "code": finding.code,
                        "ssdf": finding.ssdf_tasks(),
                    },
                });
                if let Some(index) = rules.iter().position(|r| *r == finding.rule) {
                    result["ruleIndex"] = json!(index);
                }
                result
            })
            .collect();
        json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "cargo-attest",
                        "informationUri": INFORMATION_URI,
                        "version": env!("CARGO_PKG_VERSION"),
                        "rules": driver_rules,
                    },
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        })
    }

    /// A workspace-relative path as a URI relative to the repository root, percent-encoding
    /// what a URI reference cannot hold.
    fn uri(&self, path: &str) -> String {
        let prefix = self.uri_prefix.get_or_init(|| uri_prefix(&self.root));
        let joined = format!("{prefix}{path}");
        // `a/../b` stays as written: a path outside the workspace is still repository-relative.
        let mut out = String::with_capacity(joined.len());
        for byte in joined.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
                out.push(char::from(byte));
            } else {
                let _ = write!(out, "%{byte:02X}");
            }
        }
        out
    }
}

/// The SARIF region of a whole file: its lines when it is text, its bytes when its first block
/// holds a NUL (a binary, whose length comes from its metadata rather than from reading it
/// all), line 1 when it cannot be read. Text is read in blocks, to count its lines only.
fn whole_file_region(path: &Path) -> Value {
    const BLOCK: usize = 64 * 1024;
    let unreadable = json!({ "startLine": 1, "endLine": 1 });
    let Ok(mut file) = std::fs::File::open(path) else {
        return unreadable;
    };
    let mut block = vec![0u8; BLOCK];
    let (mut lines, mut last, mut first) = (0usize, b'\n', true);
    loop {
        let read = match file.read(&mut block) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return unreadable,
        };
        let bytes = &block[..read];
        if std::mem::take(&mut first) && bytes.contains(&0) {
            let length = file.metadata().map_or(read as u64, |m| m.len());
            return json!({ "byteOffset": 0, "byteLength": length });
        }
        lines += bytes.iter().filter(|&&b| b == b'\n').count();
        last = bytes[read - 1];
    }
    // A last line without its newline counts too, as `str::lines` counts it.
    if last != b'\n' {
        lines += 1;
    }
    json!({ "startLine": 1, "endLine": lines.max(1) })
}

/// The text with its first letter upper-cased.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The first paragraph of a Markdown text, on one line.
fn first_paragraph(markdown: &str) -> String {
    let paragraph = markdown.trim().split("\n\n").next().unwrap_or_default();
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown as plain text: emphasis and code marks removed.
fn plain(markdown: impl AsRef<str>) -> String {
    markdown.as_ref().replace("**", "").replace('`', "")
}

/// The message as a sentence (ending in a full stop).
fn sentence(message: &str) -> String {
    let trimmed = message.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}.")
    }
}

/// A stable identity of a finding across runs (rule, code and subject, not the message).
fn fingerprint(finding: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let subject = match &finding.location {
        Location::Crate {
            name,
            version,
            source,
            ..
        } => format!("crate:{name}:{version}:{source}"),
        Location::File(at) => format!("file:{}", at.path),
        Location::Workspace => "workspace".to_owned(),
    };
    let digest = Sha256::digest(format!(
        "{}\n{}\n{subject}",
        finding.rule.as_str(),
        finding.code.as_str()
    ));
    digest.iter().take(16).fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The workspace root relative to its git work tree, as a `/`-terminated prefix (`""` at the
/// work tree's root or outside git).
#[cfg(feature = "git")]
fn uri_prefix(root: &Path) -> String {
    crate::git::Repo::discover(root)
        .ok()
        .flatten()
        .and_then(|repository| {
            let workdir = repository.workdir()?;
            let root = root.canonicalize().ok()?;
            let relative = root.strip_prefix(&workdir).ok()?;
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            Some(parts.iter().map(|p| format!("{p}/")).collect::<String>())
        })
        .unwrap_or_default()
}

/// Without libgit2 (the build-time hook, which writes no SARIF) URIs are relative to the
/// workspace root.
#[cfg(not(feature = "git"))]
fn uri_prefix(_root: &Path) -> String {
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, location: Location) -> Finding {
        Finding {
            severity,
            rule: crate::policy::rules::lockfile::RULE.rule_id(),
            location,
            code: crate::policy::rules::lockfile::Code::Missing.into(),
            message: "something is wrong".into(),
            fix: "fix it".into(),
        }
    }

    fn reporter(lockfile: Option<&str>) -> Reporter {
        Reporter {
            root: PathBuf::from("/nonexistent"),
            lockfile: lockfile.map(|text| Arc::new(TomlFile::parse(text).unwrap())),
            uri_prefix: OnceLock::from("sub dir/".to_owned()),
        }
    }

    #[test]
    fn crates_resolve_to_their_lockfile_entry() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n";
        let crate_at = Location::Crate {
            name: "a".into(),
            version: "1.0.0".into(),
            source: "crates.io".into(),
            declared_at: None,
        };
        let f = finding(Severity::Deny, crate_at);
        assert_eq!(
            reporter(Some(lock)).resolve(&f),
            FileLine {
                path: "Cargo.lock".into(),
                line: Some(3)
            }
        );
        assert_eq!(reporter(None).resolve(&f).path, "Cargo.toml");
    }

    #[test]
    fn human_has_headline_location_ssdf_fix_and_summary() {
        let f = finding(
            Severity::Deny,
            Location::File(FileLine {
                path: "Cargo.lock".into(),
                line: Some(7),
            }),
        );
        let w = Finding {
            severity: Severity::Warn,
            ..finding(Severity::Warn, Location::Workspace)
        };
        let text = reporter(None).human(&[f, w], false);
        assert!(
            text.contains("deny[lockfile]: something is wrong"),
            "{text}"
        );
        assert!(text.contains("--> Cargo.lock:7"), "{text}");
        assert!(text.contains("SSDF: PW.4.1, PS.1.1"), "{text}");
        assert!(text.contains("fix: fix it"), "{text}");
        assert!(text.trim_end().ends_with("1 denied, 1 warnings"), "{text}");
        assert!(!text.contains('\x1b'));
        assert!(reporter(None).human(&[], true).contains('\x1b'));
    }

    #[test]
    fn whole_files_are_their_lines_or_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            whole_file_region(&path)
        };
        let lines = |end: usize| json!({ "startLine": 1, "endLine": end });
        assert_eq!(write("empty", b""), lines(1));
        assert_eq!(write("two", b"a\nb"), lines(2));
        assert_eq!(write("two-ended", b"a\r\nb\n"), lines(2));
        let long = "x\n".repeat(100_000);
        assert_eq!(write("long", long.as_bytes()), lines(100_000));
        let mut binary = b"\x7fELF\x02\x01\x01\0".to_vec();
        binary.resize(200_000, b'\n');
        assert_eq!(
            write("binary", &binary),
            json!({ "byteOffset": 0, "byteLength": 200_000 })
        );
        assert_eq!(whole_file_region(&dir.path().join("missing")), lines(1));
    }

    #[test]
    fn sarif_results_are_relative_to_the_repository() {
        let f = finding(Severity::Warn, Location::Workspace);
        let log = reporter(None).sarif(&[f], &[crate::policy::rules::lockfile::RULE.rule_id()]);
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["level"], "warning");
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "sub%20dir/Cargo.toml"
        );
        assert_eq!(result["message"]["text"], "something is wrong. Fix: fix it");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"],
            json!({ "startLine": 1, "endLine": 1 })
        );
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
        assert_eq!(rule["name"], "CommittedLockfileWithChecksums");
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|t| t.contains("```toml"))
        );
        assert_eq!(
            rule["helpUri"],
            "https://github.com/cargo-attest/cargo-attest/blob/main/docs/rules/lockfile.md"
        );
    }
}
