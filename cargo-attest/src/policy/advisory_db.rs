//! The RustSec advisory database on disk: where it is, how old it is, fetching it, and the local
//! crates.io index cache that tells whether a version is yanked.
//!
//! The `rustsec` crate is used without its `git` feature (no gix, no HTTP stack): this module
//! fetches the database itself. `git2` is built without TLS here, so an `https://` database URL
//! is fetched with the `git` command when one is on `PATH`, and with `git2` otherwise (`file://`,
//! plain paths). Every fetch runs under a deadline ([`FETCH_TIMEOUT`]): a network that never
//! answers gives an error, not a hang.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
#[cfg(feature = "git")]
use std::sync::Arc;
#[cfg(feature = "git")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// The upstream advisory database.
pub const DEFAULT_URL: &str = "https://github.com/rustsec/advisory-db.git";

/// The default maximum age of the default database before it is fetched again.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long one fetch may take before it is abandoned.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(90);

/// The process environment the rules read: cargo's home directory and today's date. Tests
/// build their own.
#[derive(Clone, Debug)]
pub struct Environment {
    /// `$CARGO_HOME`, else `$HOME/.cargo`; `None` when neither is known.
    pub cargo_home: Option<PathBuf>,
    /// Today's date (UTC), for the expiry of ignore entries.
    pub today: Date,
    /// How long a database fetch may take.
    pub fetch_timeout: Duration,
}

impl Environment {
    /// The real environment: `CARGO_HOME`/`HOME` and the system clock.
    pub fn from_process() -> Self {
        Self {
            cargo_home: cargo_home(),
            today: Date::today(),
            fetch_timeout: FETCH_TIMEOUT,
        }
    }

    /// `CARGO_HOME/advisory-db`, the default database location (cargo-audit's too).
    pub fn default_db_path(&self) -> Option<PathBuf> {
        self.cargo_home
            .as_ref()
            .map(|home| home.join("advisory-db"))
    }
}

/// `$CARGO_HOME` when set and not empty, else `$HOME/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".cargo"))
}

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// Today, by the system clock (UTC).
    pub fn today() -> Self {
        let seconds = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::from_days(i64::try_from(seconds / 86_400).unwrap_or(0))
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Parses `YYYY-MM-DD` (a TOML local date, or the date part of a TOML date-time).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let date = text
            .get(..10)
            .filter(|_| text.len() == 10 || text[10..].starts_with(['T', 't', ' ']))?;
        let mut parts = date.splitn(3, '-');
        let year: i32 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
        let month: u8 = parts.next().filter(|m| m.len() == 2)?.parse().ok()?;
        let day: u8 = parts.next().filter(|d| d.len() == 2)?.parse().ok()?;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Self { year, month, day })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Opens the database at `path` (a checkout of rustsec/advisory-db: `crates/NAME/ID.md`).
pub fn open(path: &Path) -> Result<rustsec::Database, String> {
    if !path.join("crates").is_dir() {
        return Err(if path.exists() {
            "not an advisory database (it has no `crates` directory)".to_owned()
        } else {
            "no such directory".to_owned()
        });
    }
    rustsec::Database::open(path).map_err(|e| e.to_string())
}

/// When the database was last updated: the commit time of the checkout's `HEAD`, else the
/// newest modification time of the directory and its `crates` directory.
pub fn last_updated(path: &Path) -> Option<SystemTime> {
    if path.join(".git").exists()
        && let Some(seconds) = head_commit_time(path)
    {
        return Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
    }
    [path.to_owned(), path.join("crates")]
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
}

/// The commit time of `HEAD` of the checkout at `path`, in seconds since the epoch.
#[cfg(feature = "git")]
fn head_commit_time(path: &Path) -> Option<u64> {
    let head = crate::git::Repo::open(path).ok()?.head().ok()??;
    Some(head.time)
}

/// The commit time of `HEAD` of the checkout at `path`, from the `git` command (a local read):
/// the library is built without libgit2 here (the build-time hook).
#[cfg(not(feature = "git"))]
fn head_commit_time(path: &Path) -> Option<u64> {
    let output = Command::new(which_git()?)
        .arg("-C")
        .arg(path)
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// The age of the database at `path`, when known.
pub fn age(path: &Path) -> Option<Duration> {
    SystemTime::now().duration_since(last_updated(path)?).ok()
}

/// Clones (when `path` does not exist) or updates (when it is a git checkout) the database at
/// `path` from the first of `urls` that works, each attempt bounded by `timeout`. The error
/// lists every URL's failure.
pub fn fetch(path: &Path, urls: &[String], timeout: Duration) -> Result<(), String> {
    let mut failures = Vec::new();
    for url in urls {
        match fetch_one(path, url, timeout) {
            Ok(()) => return Ok(()),
            Err(reason) => failures.push(format!("{url}: {reason}")),
        }
    }
    if failures.is_empty() {
        return Err("no database URL configured (`[advisories] db-urls` is empty)".to_owned());
    }
    Err(failures.join("; "))
}

fn fetch_one(path: &Path, url: &str, timeout: Duration) -> Result<(), String> {
    let remote = url.starts_with("https://") || url.starts_with("http://");
    if remote && which_git().is_some() {
        return fetch_with_git_command(path, url, timeout);
    }
    #[cfg(feature = "git")]
    return fetch_with_git2(path, url, timeout);
    // Built without libgit2 (the build-time hook, which never fetches): the `git` command only.
    #[cfg(not(feature = "git"))]
    match which_git() {
        Some(_) => fetch_with_git_command(path, url, timeout),
        None => Err("fetching the database needs the `git` command on PATH".to_owned()),
    }
}

/// The `git` executable on `PATH`, if any.
fn which_git() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(if cfg!(windows) { "git.exe" } else { "git" }))
        .find(|candidate| candidate.is_file())
}

/// A sibling of `path` to clone into before renaming (so a failed clone leaves nothing).
fn staging_dir(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "advisory-db".to_owned());
    path.with_file_name(format!(".{name}.attest-fetch-{}", std::process::id()))
}

fn fetch_with_git_command(path: &Path, url: &str, timeout: Duration) -> Result<(), String> {
    let run = |args: &[&std::ffi::OsStr]| -> Result<(), String> {
        let mut child = Command::new("git")
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not run git: {e}"))?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if status.success() {
                        return Ok(());
                    }
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        use std::io::Read;
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    let last = stderr
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("")
                        .trim()
                        .to_owned();
                    return Err(format!("git failed ({status}): {last}"));
                }
                Ok(None) if std::time::Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("timed out after {}s", timeout.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(format!("could not wait for git: {e}")),
            }
        }
    };
    if path.join(".git").exists() {
        let dir = path.as_os_str();
        run(&[
            "-C".as_ref(),
            dir,
            "fetch".as_ref(),
            "--depth=1".as_ref(),
            url.as_ref(),
            "HEAD".as_ref(),
        ])?;
        run(&[
            "-C".as_ref(),
            dir,
            "reset".as_ref(),
            "--hard".as_ref(),
            "--quiet".as_ref(),
            "FETCH_HEAD".as_ref(),
        ])
    } else {
        let staging = staging_dir(path);
        let _ = std::fs::remove_dir_all(&staging);
        let result = run(&[
            "clone".as_ref(),
            "--quiet".as_ref(),
            "--depth=1".as_ref(),
            url.as_ref(),
            staging.as_os_str(),
        ])
        .and_then(|()| replace_dir(&staging, path));
        let _ = std::fs::remove_dir_all(&staging);
        result
    }
}

/// Moves a fresh clone into place (replacing a non-git directory that was there).
fn replace_dir(staging: &Path, path: &Path) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
    }
    if path.exists() {
        std::fs::remove_dir_all(path)
            .map_err(|e| format!("could not replace {}: {e}", path.display()))?;
    }
    std::fs::rename(staging, path)
        .map_err(|e| format!("could not move the clone to {}: {e}", path.display()))
}

#[cfg(feature = "git")]
fn fetch_with_git2(path: &Path, url: &str, timeout: Duration) -> Result<(), String> {
    let cancel = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = std::sync::mpsc::channel();
    let thread_cancel = Arc::clone(&cancel);
    let (path_owned, url_owned) = (path.to_owned(), url.to_owned());
    // The fetch runs on its own thread so that a network that never answers cannot hold the
    // check past the deadline; a cancelled transfer stops at its next progress callback.
    std::thread::spawn(move || {
        let result = git2_fetch_blocking(&path_owned, &url_owned, &thread_cancel);
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => {
            cancel.store(true, Ordering::Relaxed);
            Err(format!("timed out after {}s", timeout.as_secs()))
        }
    }
}

#[cfg(feature = "git")]
fn git2_fetch_blocking(path: &Path, url: &str, cancel: &AtomicBool) -> Result<(), String> {
    // libgit2's local transport cannot make shallow clones.
    let shallow = url.contains("://") && !url.starts_with("file://");
    let cancelled = || cancel.load(Ordering::Relaxed);
    if path.join(".git").exists() {
        crate::git::update_checkout(path, url, shallow, &cancelled)
    } else {
        let staging = staging_dir(path);
        let _ = std::fs::remove_dir_all(&staging);
        let result = crate::git::clone(url, &staging, shallow, &cancelled)
            .and_then(|()| replace_dir(&staging, path));
        let _ = std::fs::remove_dir_all(&staging);
        result
    }
}

/// Whether each version of crates.io crates is yanked, read from cargo's local index cache
/// (`CARGO_HOME/registry/index/*/.cache/`), which cargo fills whenever it resolves or fetches.
#[derive(Debug, Default)]
pub struct YankedIndex {
    cache_dirs: Vec<PathBuf>,
    /// Cache files read so far, by crate name (`None`: no usable entry for the crate).
    files: std::cell::RefCell<BTreeMap<String, Option<Vec<u8>>>>,
}

impl YankedIndex {
    /// The crates.io index caches under `cargo_home` (sparse `index.crates.io-*` and git
    /// `github.com-*`), newest first.
    pub fn crates_io(cargo_home: &Path) -> Self {
        let index = cargo_home.join("registry").join("index");
        let mut dirs: Vec<(Option<SystemTime>, PathBuf)> = std::fs::read_dir(&index)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.starts_with("index.crates.io-") || name.starts_with("github.com-")
            })
            .map(|entry| entry.path().join(".cache"))
            .filter(|cache| cache.is_dir())
            .map(|cache| {
                (
                    std::fs::metadata(&cache).and_then(|m| m.modified()).ok(),
                    cache,
                )
            })
            .collect();
        dirs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Self {
            cache_dirs: dirs.into_iter().map(|(_, dir)| dir).collect(),
            files: Default::default(),
        }
    }

    /// Whether `name` `version` is yanked: `None` when no cache knows the crate or version.
    pub fn is_yanked(&self, name: &str, version: &str) -> Option<bool> {
        let mut files = self.files.borrow_mut();
        let file = files
            .entry(name.to_owned())
            .or_insert_with(|| self.read_crate(name));
        yanked_in_cache_file(file.as_deref()?, version)?
    }

    /// The cache file of `name` in the first cache that has one with a known format.
    fn read_crate(&self, name: &str) -> Option<Vec<u8>> {
        let relative = index_path(name)?;
        self.cache_dirs
            .iter()
            .filter_map(|dir| std::fs::read(dir.join(&relative)).ok())
            .find(|bytes| cache_records(bytes).is_some())
    }
}

/// The records of one file of cargo's index cache: a one-byte cache version (3), a four-byte
/// index format version, then NUL-terminated strings: the index version (an ETag or commit),
/// and then pairs of a crate version and its index JSON line. `None` for another format.
fn cache_records(bytes: &[u8]) -> Option<impl Iterator<Item = (&[u8], &[u8])>> {
    let (&cache_version, rest) = bytes.split_first()?;
    if cache_version != 3 {
        return None;
    }
    let mut fields = rest.get(4..)?.split(|&b| b == 0);
    let _index_version = fields.next()?;
    Some(std::iter::from_fn(move || {
        Some((fields.next()?, fields.next()?))
    }))
}

#[derive(serde::Deserialize)]
struct IndexLine {
    vers: String,
    #[serde(default)]
    yanked: bool,
}

/// Whether `version` is yanked according to one cache file: `None` for another file format,
/// `Some(None)` when the file has no (readable) entry for the version.
pub fn yanked_in_cache_file(bytes: &[u8], version: &str) -> Option<Option<bool>> {
    // Only the matching record's JSON is parsed: files of crates with many versions are large.
    let found = cache_records(bytes)?
        .find(|(key, _)| *key == version.as_bytes())
        .and_then(|(_, json)| serde_json::from_slice::<IndexLine>(json).ok())
        .filter(|line| line.vers == version)
        .map(|line| line.yanked);
    Some(found)
}

/// Parses one whole file of cargo's index cache into version → yanked (see
/// [`yanked_in_cache_file`] for the format); `None` for another format.
pub fn parse_cache_file(bytes: &[u8]) -> Option<BTreeMap<String, bool>> {
    let versions = cache_records(bytes)?
        .filter(|(_, json)| !json.is_empty())
        .filter_map(|(_, json)| serde_json::from_slice::<IndexLine>(json).ok())
        .map(|line| (line.vers, line.yanked))
        .collect();
    Some(versions)
}

/// The path of a crate within a registry index (and its `.cache`): `1/a`, `2/ab`, `3/a/abc`,
/// `ab/cd/abcd…`, lowercased.
pub fn index_path(name: &str) -> Option<PathBuf> {
    let name = name.to_ascii_lowercase();
    if name.is_empty() || !name.is_ascii() || name.contains(['/', '\\', '.']) {
        return None;
    }
    let path = match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    };
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::parse("2026-12-31").unwrap().to_string(), "2026-12-31");
        assert_eq!(
            Date::parse("2026-12-31T10:00:00Z").unwrap().to_string(),
            "2026-12-31"
        );
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("26-01-01").is_none());
        assert!(Date::parse("2026-01-01x").is_none());
        assert!(Date::parse("tomorrow").is_none());
        assert!(Date::today() > Date::parse("2025-01-01").unwrap());
    }

    #[test]
    fn index_paths() {
        assert_eq!(index_path("a").unwrap(), Path::new("1/a"));
        assert_eq!(index_path("ab").unwrap(), Path::new("2/ab"));
        assert_eq!(index_path("aes").unwrap(), Path::new("3/a/aes"));
        assert_eq!(index_path("Itoa").unwrap(), Path::new("it/oa/itoa"));
        assert_eq!(index_path("cfg-if").unwrap(), Path::new("cf/g-/cfg-if"));
        assert!(index_path("../x").is_none());
        assert!(index_path("").is_none());
        assert!(index_path("é").is_none());
    }

    fn cache_file(entries: &[(&str, bool)]) -> Vec<u8> {
        let mut bytes = vec![3, 2, 0, 0, 0];
        bytes.extend_from_slice(b"etag: \"abc\"\0");
        for (version, yanked) in entries {
            bytes.extend_from_slice(version.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(
                format!(r#"{{"name":"x","vers":"{version}","deps":[],"cksum":"00","features":{{}},"yanked":{yanked}}}"#)
                    .as_bytes(),
            );
            bytes.push(0);
        }
        bytes
    }

    #[test]
    fn parses_cache_files() {
        let parsed = parse_cache_file(&cache_file(&[("1.0.0", false), ("1.0.1", true)])).unwrap();
        assert_eq!(parsed.get("1.0.0"), Some(&false));
        assert_eq!(parsed.get("1.0.1"), Some(&true));
        assert_eq!(parsed.len(), 2);
        // Another cache version, or a truncated header: unknown.
        let mut other = cache_file(&[("1.0.0", false)]);
        other[0] = 4;
        assert!(parse_cache_file(&other).is_none());
        assert!(parse_cache_file(&[3, 2]).is_none());
        assert!(parse_cache_file(&[]).is_none());
        // Garbage records are skipped.
        let mut bytes = cache_file(&[("1.0.0", true)]);
        bytes.extend_from_slice(b"2.0.0\0{not json\0");
        assert_eq!(parse_cache_file(&bytes).unwrap().len(), 1);
        let file = cache_file(&[("1.0.0", false), ("1.0.1", true)]);
        assert_eq!(yanked_in_cache_file(&file, "1.0.1"), Some(Some(true)));
        assert_eq!(yanked_in_cache_file(&file, "1.0.0"), Some(Some(false)));
        assert_eq!(yanked_in_cache_file(&file, "2.0.0"), Some(None));
        assert_eq!(yanked_in_cache_file(&other, "1.0.0"), None);
    }

    #[test]
    fn parses_the_real_cache_when_present() {
        // Whatever this machine's cargo wrote: every file of the crates.io cache parses.
        let Some(home) = cargo_home() else { return };
        let index = YankedIndex::crates_io(&home);
        let Some(dir) = index.cache_dirs.first() else {
            return;
        };
        let file = dir.join("it/oa/itoa");
        if let Ok(bytes) = std::fs::read(&file) {
            let versions = parse_cache_file(&bytes).expect("the itoa cache entry parses");
            assert!(!versions.is_empty(), "{}", file.display());
        }
    }

    #[test]
    #[cfg(feature = "git")]
    fn git2_fetch_of_a_missing_local_repository_fails_fast() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("db");
        let missing = dir.path().join("nope");
        let err = fetch(
            &target,
            &[missing.display().to_string()],
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert!(err.contains("nope"), "{err}");
        assert!(!target.exists());
    }
}
