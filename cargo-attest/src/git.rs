//! The source of a build: the git repository around the workspace, read with libgit2 (no
//! network, no `git` program).
//!
//! * **URL**: the `origin` remote, with any user name, password or token, query and fragment
//!   removed (`https://user:token@host/org/repo.git` → `https://host/org/repo.git`; the scp form
//!   `git@host:org/repo.git` → `ssh://host/org/repo.git`). A remote that is a local path or a
//!   `file:` URL would put a host path into the statement, so it is left out, as is a missing
//!   `origin`: the source is then recorded by its commit alone.
//! * **Ref**: `GITHUB_REF` in GitHub Actions, `refs/tags/$CI_COMMIT_TAG` or
//!   `refs/heads/$CI_COMMIT_BRANCH` in GitLab CI (CI checkouts are usually detached), else the
//!   branch `HEAD` points to; none on a detached `HEAD`.
//! * **Dirty**: whether a tracked file differs from `HEAD` (changed in the index or in the work
//!   tree, deleted, renamed, type-changed). Untracked and ignored files are not counted: build
//!   outputs, attestation directories and local notes are usually untracked, and counting them
//!   would mark nearly every local build dirty and make two builds of one commit differ. A build
//!   that really depends on an uncommitted new file is therefore not detected as dirty.

use std::path::Path;

use git2::{Repository, StatusOptions};

/// The source repository of a build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The `origin` URL without credentials, when it is a remote URL.
    pub url: Option<String>,
    /// The ref that was built (`refs/heads/main`), when known.
    pub git_ref: Option<String>,
    /// The `HEAD` commit, 40 (or 64) lowercase hex characters.
    pub commit: String,
    /// Whether tracked files differ from the commit.
    pub dirty: bool,
    /// The directory given to [`discover`] relative to the work tree (`.` at its root).
    pub path_in_repository: Option<String>,
}

impl Source {
    /// `git+URL@REF` (or `git+URL` without a known ref); `None` without a remote URL.
    pub fn uri_with_ref(&self) -> Option<String> {
        let url = self.url.as_deref()?;
        Some(match &self.git_ref {
            Some(git_ref) => format!("git+{url}@{git_ref}"),
            None => format!("git+{url}"),
        })
    }

    /// `git+URL`; `None` without a remote URL.
    pub fn uri(&self) -> Option<String> {
        self.url.as_deref().map(|url| format!("git+{url}"))
    }
}

/// The repository that contains `dir`: `Ok(None)` outside any repository or before the first
/// commit; `Err` with a reason when a repository exists but cannot be read.
pub fn discover(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Source>, String> {
    let repository = match Repository::discover(dir) {
        Ok(repository) => repository,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.message().to_owned()),
    };
    let head = match repository.head() {
        Ok(head) => head,
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(format!("HEAD: {}", e.message())),
    };
    let commit = head
        .peel_to_commit()
        .map_err(|e| format!("HEAD: {}", e.message()))?
        .id()
        .to_string();
    let branch = (!repository.head_detached().unwrap_or(true))
        .then(|| head.name().ok().map(str::to_owned))
        .flatten();
    let git_ref = ci_ref(env).or(branch);
    let url = repository
        .find_remote("origin")
        .ok()
        .and_then(|remote| remote.url().ok().map(str::to_owned))
        .and_then(|url| sanitize_url(&url));
    let mut options = StatusOptions::new();
    options
        .include_untracked(false)
        .include_ignored(false)
        .exclude_submodules(false);
    let dirty = !repository
        .statuses(Some(&mut options))
        .map_err(|e| format!("status: {}", e.message()))?
        .is_empty();
    let path_in_repository = repository.workdir().and_then(|workdir| {
        let workdir = workdir.canonicalize().ok()?;
        let dir = dir.canonicalize().ok()?;
        dir.starts_with(&workdir)
            .then(|| cargo_sbom::graph::relative_path(&dir, &workdir))
    });
    Ok(Some(Source {
        url,
        git_ref,
        commit,
        dirty,
        path_in_repository,
    }))
}

/// The ref a CI system says it checked out.
fn ci_ref(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        return env("GITHUB_REF").filter(|r| !r.is_empty());
    }
    if env("GITLAB_CI").as_deref() == Some("true") {
        if let Some(tag) = env("CI_COMMIT_TAG").filter(|t| !t.is_empty()) {
            return Some(format!("refs/tags/{tag}"));
        }
        if let Some(branch) = env("CI_COMMIT_BRANCH").filter(|b| !b.is_empty()) {
            return Some(format!("refs/heads/{branch}"));
        }
    }
    None
}

/// A remote URL fit for a statement: credentials, query and fragment removed; `None` for local
/// paths and `file:` URLs (host paths) and for anything unparsable.
pub fn sanitize_url(url: &str) -> Option<String> {
    let url = url.trim();
    let url = url.split(['?', '#']).next().unwrap_or(url);
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if scheme == "file" || rest.is_empty() {
            return None;
        }
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        let host = authority.rsplit('@').next().unwrap_or(authority);
        if host.is_empty() {
            return None;
        }
        return Some(format!("{scheme}://{host}{path}"));
    }
    // scp-like `user@host:path` (no scheme, a colon before any slash, not a Windows drive).
    let colon = url.find(':')?;
    let slash = url.find('/').unwrap_or(usize::MAX);
    if colon < slash && colon > 1 {
        let (authority, path) = url.split_at(colon);
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let path = path.trim_start_matches(':').trim_start_matches('/');
        if host.is_empty() || path.is_empty() {
            return None;
        }
        return Some(format!("ssh://{host}/{path}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_host_paths() {
        let cases = [
            (
                "https://user:s3cret@github.com/org/repo.git",
                Some("https://github.com/org/repo.git"),
            ),
            (
                "https://ghp_token@github.com/org/repo",
                Some("https://github.com/org/repo"),
            ),
            (
                "https://github.com/org/repo?token=x#frag",
                Some("https://github.com/org/repo"),
            ),
            (
                "ssh://git@gitlab.com:2222/group/p.git",
                Some("ssh://gitlab.com:2222/group/p.git"),
            ),
            (
                "git@github.com:org/repo.git",
                Some("ssh://github.com/org/repo.git"),
            ),
            ("file:///home/me/repo", None),
            ("/home/me/repo", None),
            ("../repo", None),
            ("C:\\repos\\x", None),
        ];
        for (url, expected) in cases {
            assert_eq!(sanitize_url(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn ci_refs() {
        let github = |name: &str| match name {
            "GITHUB_ACTIONS" => Some("true".to_owned()),
            "GITHUB_REF" => Some("refs/tags/v1".to_owned()),
            _ => None,
        };
        assert_eq!(ci_ref(&github).as_deref(), Some("refs/tags/v1"));
        let gitlab = |name: &str| match name {
            "GITLAB_CI" => Some("true".to_owned()),
            "CI_COMMIT_BRANCH" => Some("main".to_owned()),
            _ => None,
        };
        assert_eq!(ci_ref(&gitlab).as_deref(), Some("refs/heads/main"));
        assert_eq!(ci_ref(&|_: &str| None), None);
    }

    #[test]
    fn outside_a_repository_there_is_no_source() {
        let dir = tempfile::tempdir().unwrap();
        // A temporary directory is normally outside any repository; skip if it is not.
        if Repository::discover(dir.path()).is_err() {
            assert_eq!(discover(dir.path(), &|_: &str| None), Ok(None));
        }
    }
}
