//! Who ran the build: GitHub Actions, GitLab CI or a local machine.
//!
//! | builder | `builder.id` | `invocationId` |
//! |---|---|---|
//! | GitHub Actions (`GITHUB_ACTIONS=true`) | `$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF`, e.g. `https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main` (the workflow file at the ref that ran; `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions` when the workflow ref is unknown) | `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/$GITHUB_RUN_ATTEMPT` |
//! | GitLab CI (`GITLAB_CI=true`) | `$CI_SERVER_URL/$CI_PROJECT_PATH/-/runners/$CI_RUNNER_ID` (the project's runner that ran the job; without a runner id `…/-/runners`) | `$CI_JOB_URL` |
//! | anything else | [`LOCAL_BUILDER_ID`], with the host name in `builder.version["host"]` | none |
//!
//! `builder.version` always holds `{"cargo-attest": VERSION}`. A local build has no invocation
//! id, so two local builds of one commit with `SOURCE_DATE_EPOCH` set give identical statements;
//! in CI the invocation id is the one field that differs between runs.

use std::collections::BTreeMap;

/// The builder id of a build on a developer's machine (or an unrecognised CI system).
pub const LOCAL_BUILDER_ID: &str = "https://github.com/cargo-attest/cargo-attest/builders/local";

/// The builder of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuilderInfo {
    /// `runDetails.builder.id`.
    pub id: String,
    /// `runDetails.builder.version`.
    pub version: BTreeMap<String, String>,
    /// `runDetails.metadata.invocationId`.
    pub invocation_id: Option<String>,
}

/// Detects the builder from the environment (`env` looks a variable up; empty counts as unset).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> BuilderInfo {
    let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut version = BTreeMap::from([(
        "cargo-attest".to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    )]);
    if get("GITHUB_ACTIONS").as_deref() == Some("true") {
        let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned());
        let server = server.trim_end_matches('/');
        let repository = get("GITHUB_REPOSITORY").unwrap_or_default();
        let id = match get("GITHUB_WORKFLOW_REF") {
            Some(workflow) => format!("{server}/{workflow}"),
            None => format!("{server}/{repository}/actions"),
        };
        let invocation_id = get("GITHUB_RUN_ID").map(|run| {
            let attempt = get("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".to_owned());
            format!("{server}/{repository}/actions/runs/{run}/attempts/{attempt}")
        });
        if let Some(environment) = get("RUNNER_ENVIRONMENT") {
            version.insert("runner-environment".to_owned(), environment);
        }
        return BuilderInfo {
            id,
            version,
            invocation_id,
        };
    }
    if get("GITLAB_CI").as_deref() == Some("true") {
        let server = get("CI_SERVER_URL").unwrap_or_else(|| "https://gitlab.com".to_owned());
        let server = server.trim_end_matches('/');
        let project = get("CI_PROJECT_PATH").unwrap_or_default();
        let id = match get("CI_RUNNER_ID") {
            Some(runner) => format!("{server}/{project}/-/runners/{runner}"),
            None => format!("{server}/{project}/-/runners"),
        };
        if let Some(runner_version) = get("CI_RUNNER_VERSION") {
            version.insert("gitlab-runner".to_owned(), runner_version);
        }
        return BuilderInfo {
            id,
            version,
            invocation_id: get("CI_JOB_URL"),
        };
    }
    if let Some(host) = host_name(&get) {
        version.insert("host".to_owned(), host);
    }
    BuilderInfo {
        id: LOCAL_BUILDER_ID.to_owned(),
        version,
        invocation_id: None,
    }
}

/// The machine's name: the kernel's host name on Linux, else `HOSTNAME`/`COMPUTERNAME`.
fn host_name(get: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let name = text.trim();
            (!name.is_empty()).then(|| name.to_owned())
        })
        .or_else(|| get("HOSTNAME"))
        .or_else(|| get("COMPUTERNAME"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn github_actions() {
        let builder = detect(&env_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "org/repo"),
            (
                "GITHUB_WORKFLOW_REF",
                "org/repo/.github/workflows/release.yml@refs/heads/main",
            ),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]));
        assert_eq!(
            builder.id,
            "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
        );
        assert_eq!(
            builder.invocation_id.as_deref(),
            Some("https://github.com/org/repo/actions/runs/42/attempts/2")
        );
    }

    #[test]
    fn gitlab_ci() {
        let builder = detect(&env_of(&[
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.example.org"),
            ("CI_PROJECT_PATH", "group/project"),
            ("CI_RUNNER_ID", "7"),
            (
                "CI_JOB_URL",
                "https://gitlab.example.org/group/project/-/jobs/99",
            ),
        ]));
        assert_eq!(
            builder.id,
            "https://gitlab.example.org/group/project/-/runners/7"
        );
        assert_eq!(
            builder.invocation_id.as_deref(),
            Some("https://gitlab.example.org/group/project/-/jobs/99")
        );
    }

    #[test]
    fn local() {
        let builder = detect(&env_of(&[]));
        assert_eq!(builder.id, LOCAL_BUILDER_ID);
        assert_eq!(builder.invocation_id, None);
        assert_eq!(
            builder.version.get("cargo-attest").map(String::as_str),
            Some(env!("CARGO_PKG_VERSION"))
        );
    }
}
