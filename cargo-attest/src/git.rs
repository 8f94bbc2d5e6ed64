//! Git through libgit2 (no `git` program), the one place that opens repositories: the
//! repository around a workspace ([`Repo`], read only, no network) for the build's source
//! record ([`discover`]), the release's source archive ([`Repo::head_tree`]) and the
//! `source-control` and `lockfile` rules; and the advisory database's checkout, cloned or
//! updated ([`clone`], [`update_checkout`]).
//!
//! What a build records as its source:
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

use std::path::{Path, PathBuf};

use git2::{ObjectType, Status, StatusOptions, TreeWalkMode, TreeWalkResult};

/// A git repository found from a directory inside it.
pub struct Repo {
    repository: git2::Repository,
}

/// The commit `HEAD` points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The commit id, 40 (or 64) lowercase hex characters.
    pub id: String,
    /// The commit time, seconds since the epoch (0 for times before it).
    pub time: u64,
    /// The branch `HEAD` points to (`refs/heads/main`); none when detached.
    pub branch: Option<String>,
}

/// How a path of the work tree differs from `HEAD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// In conflict.
    Conflicted,
    /// Added to the index.
    Added,
    /// Deleted.
    Deleted,
    /// Renamed.
    Renamed,
    /// Modified (content or type).
    Modified,
    /// Untracked (reported only when asked for).
    Untracked,
}

impl Change {
    /// `in conflict`, `added`, …, as a message says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Conflicted => "in conflict",
            Change::Added => "added",
            Change::Deleted => "deleted",
            Change::Renamed => "renamed",
            Change::Modified => "modified",
            Change::Untracked => "untracked",
        }
    }

    /// How a status entry differs from `HEAD`, when it counts as a change.
    fn of(status: Status, include_untracked: bool) -> Option<Self> {
        if status.is_ignored() {
            return None;
        }
        if status.is_conflicted() {
            return Some(Change::Conflicted);
        }
        if status.intersects(Status::INDEX_NEW) {
            return Some(Change::Added);
        }
        if status.intersects(Status::INDEX_DELETED | Status::WT_DELETED) {
            return Some(Change::Deleted);
        }
        if status.intersects(Status::INDEX_RENAMED | Status::WT_RENAMED) {
            return Some(Change::Renamed);
        }
        if status.intersects(
            Status::INDEX_MODIFIED
                | Status::WT_MODIFIED
                | Status::INDEX_TYPECHANGE
                | Status::WT_TYPECHANGE,
        ) {
            return Some(Change::Modified);
        }
        if include_untracked && status.intersects(Status::WT_NEW) {
            return Some(Change::Untracked);
        }
        None
    }
}

/// Why the tree of `HEAD` could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeError {
    /// The entry (its `/`-separated path) whose content is the problem; `None` when the
    /// repository could not be read.
    pub entry: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// One entry of the tree of `HEAD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeEntry {
    /// A file, with its mode's executable bit.
    File {
        /// The path, `/`-separated.
        path: String,
        /// The content.
        bytes: Vec<u8>,
        /// Mode `100755`.
        executable: bool,
    },
    /// A symbolic link.
    Symlink {
        /// The path, `/`-separated.
        path: String,
        /// Where it points, as written.
        target: String,
    },
    /// A submodule (a commit in the tree), whose content is not in this repository.
    Submodule {
        /// The path, `/`-separated.
        path: String,
    },
}

impl Repo {
    /// The repository that contains `dir`: `Ok(None)` outside any repository; `Err` with
    /// libgit2's reason when a repository exists but cannot be opened.
    pub fn discover(dir: &Path) -> Result<Option<Self>, String> {
        match git2::Repository::discover(dir) {
            Ok(repository) => Ok(Some(Self { repository })),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.message().to_owned()),
        }
    }

    /// The repository whose `.git` is in `dir` (a checkout, not a directory below one).
    pub fn open(dir: &Path) -> Result<Self, String> {
        git2::Repository::open(dir)
            .map(|repository| Self { repository })
            .map_err(|e| e.message().to_owned())
    }

    /// The commit `HEAD` points to; `Ok(None)` before the first commit.
    pub fn head(&self) -> Result<Option<Head>, String> {
        let head = match self.repository.head() {
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
            .map_err(|e| format!("HEAD: {}", e.message()))?;
        let branch = (!self.repository.head_detached().unwrap_or(true))
            .then(|| head.name().ok().map(str::to_owned))
            .flatten();
        Ok(Some(Head {
            id: commit.id().to_string(),
            time: u64::try_from(commit.time().seconds()).unwrap_or(0),
            branch,
        }))
    }

    /// The work tree, canonical (none for a bare repository).
    pub fn workdir(&self) -> Option<PathBuf> {
        self.repository.workdir()?.canonicalize().ok()
    }

    /// The work tree, else the repository directory: what messages name.
    pub fn location(&self) -> PathBuf {
        self.repository
            .workdir()
            .unwrap_or_else(|| self.repository.path())
            .to_owned()
    }

    /// The URL of the `origin` remote, as configured.
    pub fn origin_url(&self) -> Option<String> {
        let remote = self.repository.find_remote("origin").ok()?;
        remote.url().ok().map(str::to_owned)
    }

    /// Whether a tracked file differs from `HEAD` (the module's **Dirty**): any status entry,
    /// untracked and ignored files left out.
    pub fn is_dirty(&self) -> Result<bool, String> {
        let mut options = StatusOptions::new();
        options
            .include_untracked(false)
            .include_ignored(false)
            .exclude_submodules(false);
        self.repository
            .statuses(Some(&mut options))
            .map(|statuses| !statuses.is_empty())
            .map_err(|e| format!("status: {}", e.message()))
    }

    /// The paths (relative to the work tree) that differ from `HEAD`, sorted; untracked files
    /// only with `include_untracked`, ignored files never, submodules included.
    pub fn changes(&self, include_untracked: bool) -> Result<Vec<(String, Change)>, String> {
        let mut options = StatusOptions::new();
        options
            .include_untracked(include_untracked)
            .recurse_untracked_dirs(include_untracked)
            .include_ignored(false)
            .exclude_submodules(false);
        let statuses = self
            .repository
            .statuses(Some(&mut options))
            .map_err(|e| format!("status: {}", e.message()))?;
        let mut changes: Vec<(String, Change)> = statuses
            .iter()
            .filter_map(|entry| {
                let change = Change::of(entry.status(), include_untracked)?;
                Some((entry.path().ok()?.to_owned(), change))
            })
            .collect();
        changes.sort();
        Ok(changes)
    }

    /// Whether `path` (inside the work tree) is in the index; `None` when it is outside the
    /// work tree or the repository is bare; `Err` when the index cannot be read.
    pub fn is_tracked(&self, path: &Path) -> Result<Option<bool>, String> {
        let (Some(workdir), Ok(path)) = (self.workdir(), path.canonicalize()) else {
            return Ok(None);
        };
        let Ok(relative) = path.strip_prefix(&workdir) else {
            return Ok(None);
        };
        let index = self
            .repository
            .index()
            .map_err(|e| e.message().to_owned())?;
        Ok(Some(index.get_path(relative, 0).is_some()))
    }

    /// The index file (what an [`Repo::is_tracked`] error is about).
    pub fn index_path(&self) -> PathBuf {
        self.repository.path().join("index")
    }

    /// Whether a path (relative to the work tree) is ignored by git.
    pub fn is_ignored(&self, path: &Path) -> bool {
        let relative = self
            .workdir()
            .and_then(|w| {
                path.canonicalize()
                    .ok()?
                    .strip_prefix(w)
                    .ok()
                    .map(Path::to_owned)
            })
            .unwrap_or_else(|| path.to_owned());
        self.repository
            .status_should_ignore(&relative)
            .unwrap_or(false)
    }

    /// Whether the commit carries a signature (`gpgsig`: OpenPGP, SSH or X.509). Only its
    /// presence: verifying it needs the signers' keys and trust policy.
    pub fn is_signed(&self, commit: &str) -> Result<bool, String> {
        let id = git2::Oid::from_str(commit).map_err(|e| e.message().to_owned())?;
        match self.repository.extract_signature(&id, None) {
            Ok(_) => Ok(true),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(false),
            Err(e) => Err(format!("commit signature: {}", e.message())),
        }
    }

    /// Whether a tag (lightweight or annotated, peeled) points at the commit.
    pub fn is_tagged(&self, commit: &str) -> bool {
        let Ok(tags) = self.repository.tag_names(None) else {
            return false;
        };
        tags.iter().flatten().flatten().any(|name| {
            self.repository
                .revparse_single(&format!("refs/tags/{name}"))
                .and_then(|object| object.peel_to_commit())
                .is_ok_and(|c| c.id().to_string() == commit)
        })
    }

    /// The tree of `HEAD`: files, symbolic links and submodules, in tree order.
    pub fn head_tree(&self) -> Result<Vec<TreeEntry>, TreeError> {
        let git = |reason: String| TreeError {
            entry: None,
            reason,
        };
        let tree = self
            .repository
            .head()
            .and_then(|h| h.peel_to_tree())
            .map_err(|e| git(format!("HEAD tree: {}", e.message())))?;
        let mut entries = Vec::new();
        let mut problem: Option<TreeError> = None;
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
            let path = format!("{dir}{name}");
            match entry.kind() {
                Some(ObjectType::Blob) => {
                    let blob = match self.repository.find_blob(entry.id()) {
                        Ok(blob) => blob,
                        Err(e) => {
                            problem = Some(git(format!("blob {path}: {}", e.message())));
                            return TreeWalkResult::Abort;
                        }
                    };
                    entries.push(match entry.filemode() {
                        0o120000 => match std::str::from_utf8(blob.content()) {
                            Ok(target) => TreeEntry::Symlink {
                                path,
                                target: target.to_owned(),
                            },
                            Err(_) => {
                                problem = Some(TreeError {
                                    entry: Some(path),
                                    reason: "the symbolic link's target is not UTF-8".to_owned(),
                                });
                                return TreeWalkResult::Abort;
                            }
                        },
                        mode => TreeEntry::File {
                            path,
                            bytes: blob.content().to_vec(),
                            executable: mode == 0o100755,
                        },
                    });
                }
                Some(ObjectType::Commit) => entries.push(TreeEntry::Submodule { path }),
                _ => {}
            }
            TreeWalkResult::Ok
        })
        .map_err(|e| {
            problem
                .take()
                .unwrap_or_else(|| git(format!("tree walk: {}", e.message())))
        })?;
        match problem {
            Some(problem) => Err(problem),
            None => Ok(entries),
        }
    }
}

/// Fetches `HEAD` of `url` into the checkout at `path` and resets its work tree to it (a
/// database kept up to date). `shallow` fetches the last commit only; the transfer stops when
/// `cancelled` turns true.
pub fn update_checkout(
    path: &Path,
    url: &str,
    shallow: bool,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    let repository = git2::Repository::open(path).map_err(|e| e.message().to_owned())?;
    let mut remote = repository
        .remote_anonymous(url)
        .map_err(|e| e.message().to_owned())?;
    remote
        .fetch(
            &["HEAD"],
            Some(&mut fetch_options(shallow, cancelled)),
            None,
        )
        .map_err(|e| e.message().to_owned())?;
    let fetched = repository
        .find_reference("FETCH_HEAD")
        .and_then(|r| r.peel_to_commit())
        .map_err(|e| e.message().to_owned())?;
    repository
        .reset(fetched.as_object(), git2::ResetType::Hard, None)
        .map_err(|e| e.message().to_owned())
}

/// Clones `url` into the new directory `into`, as [`update_checkout`] fetches.
pub fn clone(
    url: &str,
    into: &Path,
    shallow: bool,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), String> {
    git2::build::RepoBuilder::new()
        .fetch_options(fetch_options(shallow, cancelled))
        .clone(url, into)
        .map(drop)
        .map_err(|e| e.message().to_owned())
}

fn fetch_options<'a>(shallow: bool, cancelled: &'a dyn Fn() -> bool) -> git2::FetchOptions<'a> {
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.transfer_progress(move |_| !cancelled());
    let mut options = git2::FetchOptions::new();
    options.remote_callbacks(callbacks);
    if shallow {
        options.depth(1);
    }
    options
}

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

/// The source of the build in `dir`: `Ok(None)` outside any repository or before the first
/// commit; `Err` with a reason when a repository exists but cannot be read.
pub fn discover(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Source>, String> {
    let Some(repo) = Repo::discover(dir)? else {
        return Ok(None);
    };
    let Some(head) = repo.head()? else {
        return Ok(None);
    };
    let git_ref = ci_ref(env).or(head.branch);
    let url = repo.origin_url().and_then(|url| sanitize_url(&url));
    let dirty = repo.is_dirty()?;
    let path_in_repository = repo.workdir().and_then(|workdir| {
        let dir = dir.canonicalize().ok()?;
        dir.starts_with(&workdir)
            .then(|| cargo_sbom::graph::relative_path(&dir, &workdir))
    });
    Ok(Some(Source {
        url,
        git_ref,
        commit: head.id,
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
    fn change_kinds() {
        assert_eq!(
            Change::of(Status::WT_MODIFIED, false),
            Some(Change::Modified)
        );
        assert_eq!(Change::of(Status::WT_NEW, false), None);
        assert_eq!(Change::of(Status::WT_NEW, true), Some(Change::Untracked));
        assert_eq!(Change::of(Status::IGNORED, true), None);
        assert_eq!(Change::of(Status::INDEX_NEW, false), Some(Change::Added));
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
        if git2::Repository::discover(dir.path()).is_err() {
            assert_eq!(discover(dir.path(), &|_: &str| None), Ok(None));
        }
    }
}
