//! The SSDF report (`cargo attest ssdf`, and `ssdf-report.json` / `ssdf-report.md` in every
//! release): for every PS and PW task of NIST SP 800-218 (SSDF v1.1), a status, an achievement
//! level and the evidence behind them, and a summary for items 2, 3 and 4 of the CISA Secure
//! Software Development Attestation Form.
//!
//! The task catalogue is data ([`catalog`]: tasks, level criteria, CISA items); [`config`] is
//! the `[ssdf]` section; [`evaluate`] turns the policy findings, the rules' definitions and the
//! evidence into statuses and levels; [`render`] writes JSON and Markdown.
//!
//! # Inputs
//!
//! [`report`] reads an [`SsdfInput`]: the findings of the policy rules that ran (`cargo attest
//! check`), the configuration in force, the workspace root, whether this is a release, and the
//! digests of release evidence (archives, SBOMs, provenance). It records the SHA-256 of
//! `Cargo.lock`, `attest.toml`, `rust-toolchain.toml` and every manual evidence file declared in
//! the `[ssdf]` section of `attest.toml`:
//!
//! ```toml
//! [ssdf]
//! manual = [
//!   { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model, reviewed 2025-01" },
//! ]
//! not-applicable = [
//!   { task = "PW.4.2", reason = "No components are developed for reuse by other projects" },
//! ]
//! ```
//!
//! # Statuses
//!
//! | status | when |
//! |---|---|
//! | `met` | every rule of the task ran without findings (or, for the release tasks, the release evidence is complete), and every declared manual evidence file exists |
//! | `partial` | only `warn` findings, some supporting rules did not run, or the release evidence is incomplete |
//! | `not-met` | a `deny` finding, no evidence at all, or a declared manual evidence file is missing |
//! | `not-applicable` | declared so in `[ssdf] not-applicable`, with a reason |
//! | `attested-manually` | a task no tool can check, with declared manual evidence whose files exist |
//!
//! # Achievement levels
//!
//! A level is given to tasks that are `met`, `partial` or `attested-manually` (none otherwise):
//!
//! | level | criterion |
//! |---|---|
//! | 1 | evidence exists: a rule ran, or a manual evidence / release file is recorded with its digest (every `partial` and `attested-manually` task stops here) |
//! | 2 | automated and enforced: the task is `met` and a supporting rule is configured at `deny` level (it fails `cargo attest check`), or the release evidence was produced by `cargo attest release` |
//! | 3 | level 2, in a release context (`cargo attest release`, or `--strict` policy) with signed evidence (the signed provenance of the release, or the report signed with `--key`) |
//!
//! # Output
//!
//! [`SsdfReport::to_json`] and [`SsdfReport::to_markdown`] are deterministic: tasks in SSDF
//! order, files and rules sorted, no time unless [`SsdfInput::generated_at`] is given (the CLI
//! uses `SOURCE_DATE_EPOCH` when it is set). `sign` (with the `attest` feature) wraps the JSON
//! report as the predicate of an in-toto Statement v1 ([`PREDICATE_TYPE`]) whose subjects are
//! the evidence files, in a Sigstore bundle.

pub mod catalog;
pub mod config;
pub mod evaluate;
pub mod render;

#[cfg(feature = "attest")]
use crate::error::{Error, Result};
#[cfg(feature = "attest")]
use crate::signing::Signer;
#[cfg(feature = "attest")]
use crate::signing::statement::{ResourceDescriptor, Statement};

pub use catalog::{FRAMEWORK, FRAMEWORK_VERSION, SCOPE, TASKS, TaskDef, TaskId, TaskKind, task};
pub use config::Config;
pub use evaluate::{
    CisaItem, EvidenceFile, ManualRecord, RuleResult, SsdfInput, SsdfReport, Status, TaskResult,
    report,
};

/// The predicate type of a signed SSDF report (owned by this project, versioned).
pub const PREDICATE_TYPE: &str = "https://github.com/cargo-attest/cargo-attest/ssdf-report/v1";

/// Signs the report: an in-toto Statement v1 with the JSON report as predicate
/// ([`PREDICATE_TYPE`]) and, as subjects, the evidence files with a digest plus `extra_subjects`
/// (e.g. the written report file), as Sigstore bundle v0.3 JSON. Fails when `Cargo.lock` has no
/// digest (it is the one subject every report has).
#[cfg(feature = "attest")]
pub fn sign(
    report: &SsdfReport,
    extra_subjects: &[ResourceDescriptor],
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    if !report
        .evidence
        .iter()
        .any(|f| f.name == "Cargo.lock" && f.sha256.is_some())
    {
        return Err(Error::Usage(
            "cannot sign the SSDF report: Cargo.lock is missing (it is the statement's subject)"
                .into(),
        ));
    }
    let mut subjects = report.subjects();
    for extra in extra_subjects {
        if !subjects.iter().any(|s| s.name == extra.name) {
            subjects.push(extra.clone());
        }
    }
    let statement = Statement::new(subjects, PREDICATE_TYPE, report.to_json());
    crate::signing::sign_statement(&statement, signer)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use cargo_sbom::Timestamp;
    use cargo_sbom::digest::Sha256Hex;

    use super::*;
    use crate::policy::rules::{advisories, bans, code};
    use crate::policy::{Config as PolicyConfig, Finding, RuleId, Severity};
    use crate::policy::{FindingCode, Location};

    fn config(text: &str) -> PolicyConfig {
        crate::attest_toml::parse(Path::new("attest.toml"), text).unwrap()
    }

    fn all_rules() -> Vec<RuleId> {
        crate::policy::rules::all().collect()
    }

    fn finding(rule: RuleId, severity: Severity) -> Finding {
        Finding {
            severity,
            rule,
            location: Location::Workspace,
            code: FindingCode::from(&rule.def().codes[0]),
            message: "m".into(),
            fix: "f".into(),
        }
    }

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();
        dir
    }

    fn run(
        root: &Path,
        config: &PolicyConfig,
        findings: &[Finding],
        evidence: &[(String, Sha256Hex)],
        release: bool,
    ) -> SsdfReport {
        report(&SsdfInput {
            findings,
            rules: &all_rules(),
            config,
            root,
            release_context: release,
            signed: release,
            evidence_files: evidence,
            generated_at: None,
        })
    }

    fn status(report: &SsdfReport, id: &str) -> (Status, Option<u8>) {
        let task = report.tasks.iter().find(|t| t.def.id == id).unwrap();
        (task.status, task.level)
    }

    #[test]
    fn every_ps_and_pw_task_is_reported_in_order() {
        let expected = [
            "PS.1.1", "PS.2.1", "PS.3.1", "PS.3.2", "PW.1.1", "PW.1.2", "PW.1.3", "PW.2.1",
            "PW.4.1", "PW.4.2", "PW.4.4", "PW.5.1", "PW.6.1", "PW.6.2", "PW.7.1", "PW.7.2",
            "PW.8.1", "PW.8.2", "PW.9.1", "PW.9.2",
        ];
        let dir = workspace();
        let report = run(dir.path(), &config(""), &[], &[], false);
        let ids: Vec<&str> = report.tasks.iter().map(|t| t.def.id).collect();
        assert_eq!(ids, expected);
        // Every rule's tasks are tasks of the report.
        for rule in crate::policy::rules::all() {
            for id in rule.def().ssdf_tasks {
                assert!(task(id).is_some(), "{id} of {rule}");
            }
        }
        let items: Vec<&str> = report.cisa.iter().map(|c| c.item).collect();
        assert_eq!(items, ["2", "3", "4"]);
        for item in &report.cisa {
            for id in &item.tasks {
                assert!(task(id).is_some(), "{id}");
            }
        }
    }

    #[test]
    fn statuses_follow_the_findings() {
        let dir = workspace();
        let config = config("");
        let findings = [
            finding(advisories::RULE.rule_id(), Severity::Deny),
            finding(code::RULE.rule_id(), Severity::Warn),
        ];
        let report = run(dir.path(), &config, &findings, &[], false);
        assert_eq!(status(&report, "PW.4.4"), (Status::NotMet, None));
        assert_eq!(status(&report, "PW.5.1"), (Status::Partial, Some(1)));
        // Sources, licenses, bans and the lockfile always deny: automated and enforced.
        assert_eq!(status(&report, "PW.4.1"), (Status::Met, Some(2)));
        // Build settings warn outside a release: met, level 1.
        assert_eq!(status(&report, "PW.6.1"), (Status::Met, Some(1)));
        assert_eq!(status(&report, "PW.1.1"), (Status::NotMet, None));
        assert_eq!(status(&report, "PS.2.1"), (Status::NotMet, None));
        let advisories = report
            .rules
            .iter()
            .find(|r| r.rule == "advisories")
            .unwrap();
        assert_eq!((advisories.deny, advisories.warn), (1, 0));
        assert!(advisories.enforcing);
    }

    #[test]
    fn rules_that_did_not_run_give_no_evidence() {
        let dir = workspace();
        let config = config("");
        let report = report(&SsdfInput {
            findings: &[],
            rules: &[code::RULE.rule_id()],
            config: &config,
            root: dir.path(),
            release_context: false,
            signed: false,
            evidence_files: &[],
            generated_at: None,
        });
        assert_eq!(status(&report, "PW.4.4").0, Status::NotMet);
        assert_eq!(status(&report, "PW.5.1").0, Status::Met);
        assert_eq!(status(&report, "PW.6.2").0, Status::NotMet);
    }

    #[test]
    fn release_context_with_signed_evidence_reaches_level_3() {
        let dir = workspace();
        let config = config("[build-settings]\nseverity = \"deny\"\n");
        let digest = Sha256Hex::digest(b"x");
        let evidence: Vec<(String, Sha256Hex)> = [
            "demo-1.0.0-x86_64-unknown-linux-gnu.tar.gz",
            "demo-1.0.0.provenance.sigstore.json",
            "demo-1.0.0.cdx.json",
            "demo-1.0.0.spdx.json",
            "SHA256SUMS",
        ]
        .into_iter()
        .map(|n| (n.to_owned(), digest.clone()))
        .collect();
        let report = run(dir.path(), &config, &[], &evidence, true);
        assert_eq!(status(&report, "PW.6.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.2.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.3.1"), (Status::Met, Some(3)));
        assert_eq!(status(&report, "PS.3.2"), (Status::Met, Some(3)));
        let cisa3 = report.cisa.iter().find(|c| c.item == "3").unwrap();
        assert_eq!(cisa3.status, Status::Met);
        assert!(
            report
                .evidence
                .iter()
                .any(|f| f.name == "SHA256SUMS" && f.kind == "release")
        );
        // Outside a release the same files are incomplete for PS.3.1 and not enforced.
        let report = run(dir.path(), &config, &[], &evidence, false);
        assert_eq!(status(&report, "PS.3.1").0, Status::Partial);
        assert_eq!(status(&report, "PS.2.1"), (Status::Met, Some(1)));
    }

    #[test]
    fn manual_evidence_is_digested_and_a_missing_file_is_not_met() {
        let dir = workspace();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/threat-model.md"), "threats\n").unwrap();
        let config = config(
            r#"[ssdf]
manual = [
  { task = "PW.1.1", path = "docs/threat-model.md", description = "Threat model" },
  { task = "PW.2.1", path = "docs/missing.md", description = "Design review" },
  { task = "PW.4.4", path = "docs/missing.md", description = "Audit" },
]
not-applicable = [{ task = "PW.4.2", reason = "nothing for reuse" }]
"#,
        );
        let report = run(dir.path(), &config, &[], &[], false);
        assert_eq!(
            status(&report, "PW.1.1"),
            (Status::AttestedManually, Some(1))
        );
        let pw11 = report.tasks.iter().find(|t| t.def.id == "PW.1.1").unwrap();
        assert_eq!(
            pw11.manual[0].sha256.as_deref(),
            Some(Sha256Hex::digest(b"threats\n").as_str())
        );
        assert_eq!(status(&report, "PW.2.1"), (Status::NotMet, None));
        let pw21 = report.tasks.iter().find(|t| t.def.id == "PW.2.1").unwrap();
        assert!(
            pw21.notes
                .iter()
                .any(|n| n.contains("docs/missing.md does not exist"))
        );
        // A missing declared file fails even a task whose rules pass.
        assert_eq!(status(&report, "PW.4.4").0, Status::NotMet);
        assert_eq!(status(&report, "PW.4.2"), (Status::NotApplicable, None));
        let manual = report
            .evidence
            .iter()
            .find(|f| f.name == "docs/threat-model.md")
            .unwrap();
        assert_eq!(manual.kind, "manual");
        assert!(
            report
                .evidence
                .iter()
                .any(|f| f.name == "docs/missing.md" && f.sha256.is_none())
        );
    }

    #[test]
    fn unknown_tasks_and_keys_are_config_errors_with_file_and_line() {
        let err = crate::attest_toml::parse(
            Path::new("attest.toml"),
            "[ssdf]\n\nmanual = [{ task = \"PW.3.1\", path = \"x\", description = \"y\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("attest.toml:3"), "{err}");
        assert!(err.contains("unknown SSDF task `PW.3.1`"), "{err}");
        let err = crate::attest_toml::parse(
            Path::new("attest.toml"),
            "[ssdf]\nmanual = [{ task = \"PW.1.1\", file = \"x\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("attest.toml:2"), "{err}");
        assert!(err.contains("file"), "{err}");
        let err = crate::attest_toml::parse(Path::new("attest.toml"), "[ssdf]\nmanuals = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("manuals"), "{err}");
        // The default section parses to the defaults.
        let parsed =
            crate::attest_toml::parse(Path::new("attest.toml"), config::DEFAULT_CONFIG).unwrap();
        let ssdf = parsed.get(&config::SECTION);
        assert!(ssdf.manual.is_empty() && ssdf.not_applicable.is_empty());
    }

    #[test]
    fn output_is_deterministic_and_timed_only_when_asked() {
        let dir = workspace();
        std::fs::write(dir.path().join("b.md"), "b").unwrap();
        std::fs::write(dir.path().join("a.md"), "a").unwrap();
        let config = config(
            "[ssdf]\nmanual = [{ task = \"PW.8.2\", path = \"b.md\", description = \"tests\" }, { task = \"PW.1.2\", path = \"a.md\", description = \"reqs\" }]\n",
        );
        let findings = [finding(bans::RULE.rule_id(), Severity::Warn)];
        let first = run(dir.path(), &config, &findings, &[], false);
        let second = run(dir.path(), &config, &findings, &[], false);
        assert_eq!(first.to_json_bytes(), second.to_json_bytes());
        assert_eq!(first.to_markdown(), second.to_markdown());
        let json = first.to_json();
        assert!(json.get("generated").is_none());
        let names: Vec<&str> = first.evidence.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(json["tasks"].as_array().unwrap().len(), TASKS.len());
        assert_eq!(json["summary"]["attested-manually"], 2);
        let md = first.to_markdown();
        assert!(md.contains("| PW.8.2 "), "{md}");
        assert!(md.contains("CISA Secure Software Development Attestation Form"));

        let timed = report(&SsdfInput {
            findings: &findings,
            rules: &all_rules(),
            config: &config,
            root: dir.path(),
            release_context: false,
            signed: false,
            evidence_files: &[],
            generated_at: Some(Timestamp::from_source_date_epoch("1700000000").unwrap()),
        });
        assert_eq!(timed.to_json()["generated"], "2023-11-14T22:13:20Z");
    }

    #[test]
    #[cfg(feature = "attest")]
    fn the_signed_statement_has_the_evidence_as_subjects() {
        let dir = workspace();
        let config = config("");
        let report = run(dir.path(), &config, &[], &[], false);
        let key =
            crate::signing::keys::SigningKey::generate(crate::signing::keys::KeyAlgorithm::Ed25519);
        let extra = ResourceDescriptor::file("ssdf.md", Sha256Hex::digest(b"md").as_str());
        let bundle = sign(&report, &[extra], &key).unwrap();
        let document =
            crate::signing::envelope::parse_signed(Path::new("ssdf.sigstore.json"), &bundle)
                .unwrap_or_else(|_| panic!("not a bundle"));
        let verified = crate::signing::verify::verify(
            &document,
            &key.verifying_key(),
            &[crate::signing::verify::Artifact {
                name: "Cargo.lock".into(),
                sha256: Sha256Hex::digest(b"version = 4\n").as_str().to_owned(),
            }],
            &crate::signing::verify::Expectations {
                predicate_type: Some(PREDICATE_TYPE.into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(verified.subject_count, 2);

        let empty = tempfile::tempdir().unwrap();
        let report = run(empty.path(), &config, &[], &[], false);
        assert!(sign(&report, &[], &key).is_err());
    }
}
