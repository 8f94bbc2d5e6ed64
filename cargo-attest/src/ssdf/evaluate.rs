//! Evaluating the report: each task's status, level and evidence from the policy findings,
//! the rules' definitions, the configuration and the release files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_sbom::Timestamp;
use cargo_sbom::digest::Sha256Hex;
use serde::Serialize;
use serde_json::{Value, json};

use super::catalog::{CISA_ITEMS, LEVEL_CRITERIA, TASKS, TaskDef, TaskKind};
use super::config::SECTION;
use crate::policy::{Config, Finding, RuleId, Severity};

/// Everything [`report`] reads.
#[derive(Clone, Copy, Debug)]
pub struct SsdfInput<'a> {
    /// The findings of the policy rules that ran.
    pub findings: &'a [Finding],
    /// The rules that ran (every rule of the registry for a full check).
    pub rules: &'a [RuleId],
    /// The policy configuration in force (its `[ssdf]` section declares manual evidence), and
    /// the file it was read from.
    pub config: &'a Config,
    /// The workspace root: relative paths (manual evidence, `Cargo.lock`, …) are resolved here.
    pub root: &'a Path,
    /// A release context (`cargo attest release`, `--strict`): context rules deny.
    pub release_context: bool,
    /// Whether the evidence is signed: the release's provenance bundle, or the report itself
    /// (`--key`). Needed for level 3.
    pub signed: bool,
    /// Release evidence (archives, SBOMs, provenance, `SHA256SUMS`): file name and SHA-256.
    pub evidence_files: &'a [(String, Sha256Hex)],
    /// The generation time to record (`SOURCE_DATE_EPOCH`); none: no time in the report.
    pub generated_at: Option<Timestamp>,
}

/// A task's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Fully evidenced.
    Met,
    /// Some evidence, or warnings.
    Partial,
    /// No evidence, a deny finding, or missing declared evidence.
    NotMet,
    /// Declared not applicable.
    NotApplicable,
    /// Evidenced only by declared manual evidence.
    AttestedManually,
}

impl Status {
    /// The id in JSON (`not-met`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partial => "partial",
            Status::NotMet => "not-met",
            Status::NotApplicable => "not-applicable",
            Status::AttestedManually => "attested-manually",
        }
    }

    /// The words in Markdown (`not met`).
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Partial => "partial",
            Status::NotMet => "not met",
            Status::NotApplicable => "not applicable",
            Status::AttestedManually => "attested manually",
        }
    }

    /// Counts as satisfied (met, attested manually or not applicable).
    pub fn is_satisfied(self) -> bool {
        matches!(
            self,
            Status::Met | Status::AttestedManually | Status::NotApplicable
        )
    }
}

/// A file recorded as evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceFile {
    /// The name (workspace-relative path, or the release file name).
    pub name: String,
    /// What it is (`lockfile`, `policy`, `toolchain`, `manual`, `release`).
    pub kind: &'static str,
    /// Its SHA-256; none when the file is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The result of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleResult {
    /// The rule id.
    pub rule: &'static str,
    /// The SSDF tasks it serves.
    pub ssdf: Vec<&'static str>,
    /// Whether it ran.
    pub ran: bool,
    /// Whether it is configured to deny (fail the check) in this context.
    pub enforcing: bool,
    /// Its deny findings.
    pub deny: usize,
    /// Its warn findings.
    pub warn: usize,
    /// Its section of `attest.toml` as written (absent keys take their defaults).
    pub configuration: Value,
}

/// Manual evidence as recorded for a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManualRecord {
    /// The declared path, as written.
    pub path: String,
    /// The declared description.
    pub description: String,
    /// The file's SHA-256; none when it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One task's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskResult {
    /// The task.
    pub def: &'static TaskDef,
    /// The status.
    pub status: Status,
    /// The achievement level (1–3); none when not met or not applicable.
    pub level: Option<u8>,
    /// Why this level (the criterion met).
    pub level_criterion: String,
    /// The supporting rules (ids).
    pub rules: Vec<&'static str>,
    /// Release evidence files used (names).
    pub files: Vec<String>,
    /// Manual evidence.
    pub manual: Vec<ManualRecord>,
    /// Explanations, in order.
    pub notes: Vec<String>,
}

/// A CISA attestation form item and the tasks behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CisaItem {
    /// The item number in section III of the form.
    pub item: &'static str,
    /// What the producer attests, in short.
    pub title: &'static str,
    /// The PS/PW tasks of this report that support it.
    pub tasks: Vec<&'static str>,
    /// Other SSDF tasks the form relates to it (PO, RV): outside this report.
    pub other_tasks: Vec<&'static str>,
    /// Met when every supporting task is satisfied, partial when some are, else not met.
    pub status: Status,
}

/// The SSDF report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsdfReport {
    /// The tasks, in SSDF order.
    pub tasks: Vec<TaskResult>,
    /// The rules, in report order.
    pub rules: Vec<RuleResult>,
    /// The evidence files, sorted by name.
    pub evidence: Vec<EvidenceFile>,
    /// The CISA form items 2, 3 and 4.
    pub cisa: Vec<CisaItem>,
    /// Release context.
    pub release_context: bool,
    /// Signed evidence.
    pub signed: bool,
    /// The configuration file (workspace-relative when inside it).
    pub config_path: Option<String>,
    /// The generation time (RFC 3339), when given.
    pub generated: Option<String>,
}

/// Builds the report. Reads the digests of `Cargo.lock`, the configuration file,
/// `rust-toolchain.toml` and the declared manual evidence files; never fails (a missing file is
/// recorded as such).
pub fn report(input: &SsdfInput<'_>) -> SsdfReport {
    let rules = rule_results(input);
    let mut evidence: BTreeSet<EvidenceFile> = BTreeSet::new();

    let lockfile = input.root.join("Cargo.lock");
    evidence.insert(EvidenceFile {
        name: "Cargo.lock".into(),
        kind: "lockfile",
        sha256: digest_of(&lockfile),
    });
    let config_path = input
        .config
        .path()
        .map(|path| relative_name(input.root, path));
    if let (Some(path), Some(name)) = (input.config.path(), &config_path) {
        evidence.insert(EvidenceFile {
            name: name.clone(),
            kind: "policy",
            sha256: digest_of(&resolve(input.root, path)),
        });
    }
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        let path = input.root.join(name);
        if path.is_file() {
            evidence.insert(EvidenceFile {
                name: name.into(),
                kind: "toolchain",
                sha256: digest_of(&path),
            });
        }
    }
    for (name, digest) in input.evidence_files {
        evidence.insert(EvidenceFile {
            name: name.clone(),
            kind: "release",
            sha256: Some(digest.as_str().to_owned()),
        });
    }

    let mut tasks = Vec::with_capacity(TASKS.len());
    for def in TASKS {
        let manual: Vec<ManualRecord> = input
            .config
            .get(&SECTION)
            .manual
            .iter()
            .filter(|m| m.task.as_str() == def.id)
            .map(|m| {
                let sha256 = digest_of(&resolve(input.root, &m.path));
                let path = m.path.to_string_lossy().replace('\\', "/");
                evidence.insert(EvidenceFile {
                    name: path.clone(),
                    kind: "manual",
                    sha256: sha256.clone(),
                });
                ManualRecord {
                    path,
                    description: m.description.clone(),
                    sha256,
                }
            })
            .collect();
        tasks.push(evaluate(def, input, &rules, manual));
    }

    let cisa = CISA_ITEMS
        .iter()
        .map(|(item, title, supporting, other)| {
            let statuses: Vec<Status> = tasks
                .iter()
                .filter(|t| supporting.contains(&t.def.id))
                .map(|t| t.status)
                .collect();
            let satisfied = statuses.iter().filter(|s| s.is_satisfied()).count();
            let some = statuses.iter().any(|s| *s != Status::NotMet);
            let status = if satisfied == statuses.len() {
                Status::Met
            } else if some {
                Status::Partial
            } else {
                Status::NotMet
            };
            CisaItem {
                item,
                title,
                tasks: supporting.to_vec(),
                other_tasks: other.to_vec(),
                status,
            }
        })
        .collect();

    SsdfReport {
        tasks,
        rules,
        evidence: evidence.into_iter().collect(),
        cisa,
        release_context: input.release_context,
        signed: input.signed,
        config_path,
        generated: input.generated_at.map(Timestamp::rfc3339),
    }
}

/// The result of every rule: ran, enforcing, counts, configuration.
fn rule_results(input: &SsdfInput<'_>) -> Vec<RuleResult> {
    crate::policy::rules::all()
        .map(|rule| {
            let def = rule.def();
            let count = |severity: Severity| {
                input
                    .findings
                    .iter()
                    .filter(|f| f.rule == rule && f.severity == severity)
                    .count()
            };
            // Its section as written; only its own keys when it shares the section.
            let section = input
                .config
                .raw_section(def.section.name())
                .cloned()
                .unwrap_or(json!({}));
            let configuration = match def.section_keys {
                None => section,
                Some(keys) => Value::Object(
                    keys.iter()
                        .filter_map(|key| Some(((*key).to_owned(), section.get(key)?.clone())))
                        .collect(),
                ),
            };
            RuleResult {
                rule: def.id,
                ssdf: def.ssdf_tasks.to_vec(),
                ran: input.rules.contains(&rule),
                enforcing: (def.enforcing)(input.config, input.release_context),
                deny: count(Severity::Deny),
                warn: count(Severity::Warn),
                configuration,
            }
        })
        .collect()
}

/// Evaluates one task.
fn evaluate(
    def: &'static TaskDef,
    input: &SsdfInput<'_>,
    rules: &[RuleResult],
    manual: Vec<ManualRecord>,
) -> TaskResult {
    let supporting = rules_of(def.id);
    let mut result = TaskResult {
        def,
        status: Status::NotMet,
        level: None,
        level_criterion: String::new(),
        rules: supporting.iter().map(|r| r.as_str()).collect(),
        files: Vec::new(),
        manual,
        notes: Vec::new(),
    };
    let missing: Vec<String> = result
        .manual
        .iter()
        .filter(|m| m.sha256.is_none())
        .map(|m| m.path.clone())
        .collect();
    let manual_ok = !result.manual.is_empty() && missing.is_empty();
    for path in &missing {
        result.notes.push(format!(
            "declared manual evidence {path} does not exist (relative to the workspace root)"
        ));
    }

    if let Some(na) = input
        .config
        .get(&SECTION)
        .not_applicable
        .iter()
        .find(|n| n.task.as_str() == def.id)
    {
        result.status = Status::NotApplicable;
        result.notes.push(format!("not applicable: {}", na.reason));
        result.level_criterion = "no level: not applicable".into();
        return result;
    }

    // (status, automated-and-enforced, evidence exists)
    let (status, enforced) = match def.kind {
        TaskKind::Rules => evaluate_rules(&mut result, &supporting, rules, manual_ok),
        TaskKind::Release => evaluate_release(&mut result, input, manual_ok),
        TaskKind::Manual => {
            if manual_ok {
                (Status::AttestedManually, false)
            } else {
                if result.manual.is_empty() {
                    result.notes.push(format!(
                        "no tool checks this task: declare evidence with [ssdf] manual = [{{ task = \"{}\", path = \"…\", description = \"…\" }}] in attest.toml, or mark it not-applicable",
                        def.id
                    ));
                }
                (Status::NotMet, false)
            }
        }
    };
    // A declared manual evidence file that is missing fails the task, whatever else is known.
    result.status = if missing.is_empty() {
        status
    } else {
        Status::NotMet
    };
    let (level, criterion) = match result.status {
        // (Not applicable returned above.)
        Status::NotMet | Status::NotApplicable => (None, "no level: not met".to_owned()),
        Status::Partial | Status::AttestedManually => (Some(1), LEVEL_CRITERIA[0].1.to_owned()),
        Status::Met if enforced && input.release_context && input.signed => {
            (Some(3), LEVEL_CRITERIA[2].1.to_owned())
        }
        Status::Met if enforced => (Some(2), LEVEL_CRITERIA[1].1.to_owned()),
        Status::Met => (
            Some(1),
            format!(
                "{} (no supporting rule is configured at deny level)",
                LEVEL_CRITERIA[0].1
            ),
        ),
    };
    result.level = level;
    result.level_criterion = criterion;
    result
}

/// A task evidenced by rules. Returns the status and whether it is enforced.
fn evaluate_rules(
    result: &mut TaskResult,
    supporting: &[RuleId],
    rules: &[RuleResult],
    manual_ok: bool,
) -> (Status, bool) {
    let relevant: Vec<&RuleResult> = rules
        .iter()
        .filter(|r| supporting.iter().any(|s| s.as_str() == r.rule))
        .collect();
    let ran: Vec<&&RuleResult> = relevant.iter().filter(|r| r.ran).collect();
    let deny: usize = ran.iter().map(|r| r.deny).sum();
    let warn: usize = ran.iter().map(|r| r.warn).sum();
    for rule in &relevant {
        if rule.ran {
            result.notes.push(format!(
                "rule {}: {} deny, {} warn finding(s){}",
                rule.rule,
                rule.deny,
                rule.warn,
                if rule.enforcing {
                    ", enforced (deny level)"
                } else {
                    ", report only (warn level)"
                }
            ));
        } else {
            result
                .notes
                .push(format!("rule {}: did not run", rule.rule));
        }
    }
    if ran.is_empty() {
        return if manual_ok {
            (Status::AttestedManually, false)
        } else {
            result
                .notes
                .push("no supporting rule ran and no manual evidence is declared".into());
            (Status::NotMet, false)
        };
    }
    let enforced = ran.iter().any(|r| r.enforcing);
    if deny > 0 {
        (Status::NotMet, enforced)
    } else if warn > 0 || ran.len() < relevant.len() {
        (Status::Partial, enforced)
    } else {
        (Status::Met, enforced)
    }
}

/// A task evidenced by release files. Returns the status and whether it is enforced (the files
/// were produced by `cargo attest release`).
fn evaluate_release(
    result: &mut TaskResult,
    input: &SsdfInput<'_>,
    manual_ok: bool,
) -> (Status, bool) {
    let names: Vec<&str> = input
        .evidence_files
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let is_bundle = |n: &&str| n.ends_with(".sigstore.json");
    let is_sums = |n: &&str| *n == "SHA256SUMS" || n.ends_with("/SHA256SUMS");
    let is_sbom = |n: &&str| {
        cargo_sbom::FORMATS
            .iter()
            .any(|format| n.ends_with(&format!(".{}", format.extension)))
    };
    let is_provenance = |n: &&str| n.contains("provenance") && is_bundle(n);
    let is_archive =
        |n: &&str| n.ends_with(".tar.gz") || n.ends_with(".tgz") || n.ends_with(".zip");
    let (required, wanted): (Vec<&str>, &str) = match result.def.id {
        "PS.2.1" => (
            names
                .iter()
                .copied()
                .filter(|n| is_sums(n) || is_bundle(n))
                .collect(),
            "SHA256SUMS and a signed bundle",
        ),
        "PS.3.1" => (
            names
                .iter()
                .copied()
                .filter(|n| is_archive(n) || is_provenance(n) || is_sums(n))
                .collect(),
            "release archives with SHA256SUMS and signed provenance",
        ),
        _ => (
            names
                .iter()
                .copied()
                .filter(|n| is_sbom(n) || is_provenance(n))
                .collect(),
            "SBOMs (CycloneDX, SPDX) and provenance of every component",
        ),
    };
    let complete = match result.def.id {
        "PS.2.1" => required.iter().any(is_sums) && required.iter().any(is_bundle),
        "PS.3.1" => {
            input.release_context
                && required.iter().any(is_archive)
                && required.iter().any(is_provenance)
        }
        _ => required.iter().any(is_sbom) && required.iter().any(is_provenance),
    };
    result.files = required.iter().map(|n| (*n).to_owned()).collect();
    result.files.sort();
    let partial_lockfile =
        result.def.id == "PS.3.2" && input.root.join("Cargo.lock").is_file() && required.is_empty();
    if partial_lockfile {
        result.files.push("Cargo.lock".into());
    }
    if complete {
        return (Status::Met, input.release_context);
    }
    if !required.is_empty() || partial_lockfile {
        result.notes.push(format!(
            "incomplete release evidence: expected {wanted}{}",
            if partial_lockfile {
                " (Cargo.lock records every component's version and checksum)"
            } else {
                ""
            }
        ));
        return (Status::Partial, false);
    }
    if manual_ok {
        return (Status::AttestedManually, false);
    }
    result.notes.push(format!(
        "no release evidence ({wanted}): `cargo attest release` produces it"
    ));
    (Status::NotMet, false)
}

/// The SHA-256 of a file, none when it cannot be read.
fn digest_of(path: &Path) -> Option<String> {
    Sha256Hex::of_file(path).ok().map(|d| d.as_str().to_owned())
}

/// `path` resolved against the workspace root.
fn resolve(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        root.join(path)
    }
}

/// `path` relative to the root when inside it, `/`-separated; else as given.
fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// The rules that give evidence for a task (those whose [`crate::policy::RuleDef::ssdf_tasks`]
/// name it).
pub fn rules_of(task_id: &str) -> Vec<RuleId> {
    crate::policy::rules::all()
        .filter(|rule| rule.def().ssdf_tasks.contains(&task_id))
        .collect()
}
