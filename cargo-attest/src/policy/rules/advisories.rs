//! The `advisories` and `yanked` rules (SSDF PW.4.4): RustSec advisories matched against the
//! resolved graph, and crates.io versions that have been yanked.
//!
//! Advisories match registry crates from crates.io by name and version (the advisory's
//! `patched` and `unaffected` ranges) and, when the advisory names operating systems or
//! architectures, by the target triple of the graph. Withdrawn advisories are ignored.
//! Vulnerabilities deny, informational advisories (`unmaintained`, `unsound`, `notice`) warn;
//! each level is configurable, and an `ignore` entry (with a required reason and an optional
//! expiry date) silences one advisory.
//!
//! The database comes from `--advisory-db`, else `[advisories] db-path`, else
//! `CARGO_HOME/advisory-db`, which is fetched when missing or older than `max-age` (never with
//! `--offline`). See [`crate::policy::advisory_db`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cargo_sbom::{Component, ComponentSource};
use rustsec::advisory::{Advisory, Informational};
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::policy::advisory_db::{self, Date, Environment, YankedIndex};
use crate::policy::finding::FileLine;
use crate::policy::{Finding, Location, PolicyContext, Rule, RuleId, Severity};

/// `deny`, `warn` or `allow` (not reported), as written in `[advisories]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisoryLevel {
    /// Fails the check.
    Deny,
    /// Reported only.
    Warn,
    /// Not reported.
    Allow,
}

impl AdvisoryLevel {
    /// The finding severity, `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            AdvisoryLevel::Deny => Some(Severity::Deny),
            AdvisoryLevel::Warn => Some(Severity::Warn),
            AdvisoryLevel::Allow => None,
        }
    }
}

/// The commented `[advisories]` section that `cargo attest init` writes.
pub const DEFAULT_CONFIG: &str = r#"# RustSec advisories and yanked versions (SSDF PW.4.4). Levels: "deny", "warn", "allow".
[advisories]
# A local advisory database (a checkout of https://github.com/rustsec/advisory-db), relative to
# this file. Default: CARGO_HOME/advisory-db, fetched when missing or older than `max-age`
# (never with --offline). `cargo attest check --advisory-db PATH` overrides it.
# db-path = "advisory-db"
# Where the default database is fetched from, tried in order.
db-urls = ["https://github.com/rustsec/advisory-db.git"]
# How old the default database may get before it is fetched again ("7d", "12h", …).
max-age = "7d"
vulnerability = "deny"
unmaintained = "warn"
unsound = "warn"
notice = "warn"
# Yanked crate versions (the `yanked` rule).
yanked = "warn"
# Advisories not reported; each needs a reason and may expire (`until`, a date).
# ignore = [{ id = "RUSTSEC-0000-0000", reason = "not reachable: …", until = 2026-12-31 }]
ignore = []
"#;

/// `[advisories]` in `attest.toml` (also configures the yanked rule).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// `db-path`: a local advisory database (relative to the configuration file's directory).
    pub db_path: Option<PathBuf>,
    /// `db-urls`: where the default database is fetched from, tried in order.
    pub db_urls: Vec<String>,
    /// `max-age` (`"7d"`, `"12h"`, …): how old the default database may get before it is
    /// fetched again.
    #[serde(deserialize_with = "duration")]
    pub max_age: Duration,
    /// `vulnerability`: the level of vulnerabilities (default deny).
    pub vulnerability: AdvisoryLevel,
    /// `unmaintained`: the level of `informational = "unmaintained"` (default warn).
    pub unmaintained: AdvisoryLevel,
    /// `unsound`: the level of `informational = "unsound"` (default warn).
    pub unsound: AdvisoryLevel,
    /// `notice`: the level of `informational = "notice"` and other informational kinds
    /// (default warn).
    pub notice: AdvisoryLevel,
    /// `yanked`: the level of yanked versions (default warn).
    pub yanked: AdvisoryLevel,
    /// `ignore`: advisories not reported, each with a reason and an optional expiry date.
    pub ignore: Vec<IgnoreEntry>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db_path: None,
            db_urls: vec![advisory_db::DEFAULT_URL.to_owned()],
            max_age: advisory_db::DEFAULT_MAX_AGE,
            vulnerability: AdvisoryLevel::Deny,
            unmaintained: AdvisoryLevel::Warn,
            unsound: AdvisoryLevel::Warn,
            notice: AdvisoryLevel::Warn,
            yanked: AdvisoryLevel::Warn,
            ignore: Vec::new(),
        }
    }
}

/// One `ignore` entry: `{ id = "RUSTSEC-…", reason = "…", until = 2026-12-31 }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The advisory id (or one of its aliases, such as a CVE id).
    pub id: String,
    /// Why it is acceptable (required, not empty).
    pub reason: String,
    /// The last day the entry applies (a TOML date or a `"YYYY-MM-DD"` string).
    pub until: Option<Date>,
}

impl<'de> Deserialize<'de> for IgnoreEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        // A visitor, so that errors carry the span (file line) of the entry itself.
        deserializer.deserialize_any(IgnoreVisitor)
    }
}

struct IgnoreVisitor;

impl<'de> serde::de::Visitor<'de> for IgnoreVisitor {
    type Value = IgnoreEntry;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table { id = \"RUSTSEC-…\", reason = \"…\", until = YYYY-MM-DD }")
    }

    fn visit_str<E: serde::de::Error>(self, id: &str) -> std::result::Result<IgnoreEntry, E> {
        Err(E::custom(format!(
            "`advisories.ignore` entry \"{id}\" has no reason: write \
             {{ id = \"{id}\", reason = \"why it is acceptable\" }}"
        )))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<IgnoreEntry, A::Error> {
        use serde::de::Error as _;
        let mut id = None;
        let mut reason = None;
        let mut until = None;
        while let Some(key) = map.next_key::<String>()? {
            let value: toml::Value = map.next_value()?;
            match (key.as_str(), value) {
                ("id", toml::Value::String(s)) => id = Some(s),
                ("reason", toml::Value::String(s)) => reason = Some(s),
                ("until", toml::Value::String(s)) => until = Some(s),
                ("until", toml::Value::Datetime(d)) => until = Some(d.to_string()),
                ("id" | "reason" | "until", other) => {
                    return Err(A::Error::custom(format!(
                        "`advisories.ignore` key `{key}` must be a {}, not a {}",
                        if key == "until" { "date" } else { "string" },
                        other.type_str()
                    )));
                }
                (other, _) => {
                    return Err(A::Error::custom(format!(
                        "unknown key `{other}` in an `advisories.ignore` entry, expected `id`, \
                         `reason` or `until`"
                    )));
                }
            }
        }
        let id = id
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| A::Error::custom("`advisories.ignore` entry without an `id`"))?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                A::Error::custom(format!(
                    "`advisories.ignore` entry {id} needs a `reason` (why it is acceptable)"
                ))
            })?;
        let until = until
            .map(|text| {
                Date::parse(&text).ok_or_else(|| {
                    A::Error::custom(format!(
                        "`advisories.ignore` entry {id}: `until` = {text:?} is not a date \
                         (YYYY-MM-DD)"
                    ))
                })
            })
            .transpose()?;
        Ok(IgnoreEntry { id, reason, until })
    }
}

/// Parses a `humantime` duration (`"7d"`, `"36h"`).
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Duration, D::Error> {
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(|e| {
        D::Error::custom(format!(
            "`advisories.max-age` = {text:?}: {e} (write e.g. \"7d\" or \"12h\")"
        ))
    })
}

/// The advisories rule.
pub struct Advisories;

impl Rule for Advisories {
    fn id(&self) -> RuleId {
        RuleId::Advisories
    }

    fn check(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        check_advisories(context, &Environment::from_process())
    }
}

/// The yanked rule.
pub struct Yanked;

impl Rule for Yanked {
    fn id(&self) -> RuleId {
        RuleId::Yanked
    }

    fn check(&self, context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
        check_yanked(context, &Environment::from_process())
    }
}

/// Where the database was found, for messages.
enum DbOrigin {
    /// `--advisory-db`.
    CommandLine,
    /// `[advisories] db-path`.
    Config,
    /// `CARGO_HOME/advisory-db`.
    Default,
}

/// The database to use, and findings about it (stale, unavailable).
struct LoadedDb {
    db: Option<rustsec::Database>,
    findings: Vec<Finding>,
}

/// The database a run uses: `--advisory-db`, else `db-path`, else the default (fetched when
/// missing or stale, unless offline).
fn load_database(context: &PolicyContext<'_>, env: &Environment) -> Result<LoadedDb> {
    let config = &context.config.advisories;
    let (path, origin) = if let Some(path) = &context.advisory_db {
        (path.clone(), DbOrigin::CommandLine)
    } else if let Some(path) = &config.db_path {
        let base = context
            .config_path
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(context.root());
        (base.join(path), DbOrigin::Config)
    } else {
        match env.default_db_path() {
            Some(path) => (path, DbOrigin::Default),
            None => {
                return Ok(LoadedDb {
                    db: None,
                    findings: vec![unavailable(
                        context,
                        "no RustSec advisory database: neither CARGO_HOME nor HOME is set, so \
                         there is no default location"
                            .to_owned(),
                        None,
                    )],
                });
            }
        }
    };
    match origin {
        DbOrigin::CommandLine => {
            let db = advisory_db::open(&path).map_err(|reason| Error::Read {
                path: path.clone(),
                reason: format!("--advisory-db: {reason}"),
            })?;
            Ok(LoadedDb {
                db: Some(db),
                findings: Vec::new(),
            })
        }
        DbOrigin::Config => {
            let db = advisory_db::open(&path).map_err(|reason| {
                let (config_path, line) = config_key_location(context, "db-path");
                Error::Config {
                    path: config_path,
                    line,
                    reason: format!("`advisories.db-path` = {}: {reason}", path.display()),
                }
            })?;
            Ok(LoadedDb {
                db: Some(db),
                findings: Vec::new(),
            })
        }
        DbOrigin::Default => load_default(context, env, &path),
    }
}

fn load_default(context: &PolicyContext<'_>, env: &Environment, path: &Path) -> Result<LoadedDb> {
    let config = &context.config.advisories;
    let exists = path.join("crates").is_dir();
    let age = exists.then(|| advisory_db::age(path)).flatten();
    let stale = exists && age.is_none_or(|age| age > config.max_age);
    let mut findings = Vec::new();
    if !exists || stale {
        let failure = if context.offline {
            Some("--offline forbids fetching it".to_owned())
        } else {
            advisory_db::fetch(path, &config.db_urls, env.fetch_timeout)
                .err()
                .map(|reason| format!("fetching it failed: {reason}"))
        };
        if let Some(failure) = failure {
            if !exists {
                let message = format!(
                    "no RustSec advisory database at {}, and {failure}",
                    path.display()
                );
                return Ok(LoadedDb {
                    db: None,
                    findings: vec![unavailable(context, message, Some(path))],
                });
            }
            let days = age.map_or_else(
                || "of unknown age".to_owned(),
                |age| format!("{} days old", age.as_secs() / 86_400),
            );
            findings.push(Finding {
                severity: Severity::Warn,
                rule: RuleId::Advisories,
                location: Location::Workspace,
                code: "advisory-db-stale".to_owned(),
                message: format!(
                    "the RustSec advisory database at {} is {days} (max-age {}), and {failure}; \
                     checked against it as it is",
                    path.display(),
                    humantime::format_duration(config.max_age)
                ),
                fix: offline_fix(Some(path)),
            });
        }
    }
    let db = advisory_db::open(path).map_err(|reason| Error::Malformed {
        path: path.to_owned(),
        reason: format!("advisory database: {reason}"),
    })?;
    Ok(LoadedDb {
        db: Some(db),
        findings,
    })
}

/// How to provide a database without the network.
fn offline_fix(default: Option<&Path>) -> String {
    let at = default
        .map(|p| format!(" to {}", p.display()))
        .unwrap_or_default();
    format!(
        "provide the database offline: clone or copy a checkout of {}{at} (`git clone --depth=1 \
         {}`), or pass `--advisory-db DIR`, or set `[advisories] db-path` in attest.toml",
        advisory_db::DEFAULT_URL,
        advisory_db::DEFAULT_URL
    )
}

/// The finding when no database can be used: warn, deny under `--strict` (the check cannot give
/// PW.4.4 evidence).
fn unavailable(context: &PolicyContext<'_>, message: String, path: Option<&Path>) -> Finding {
    Finding {
        severity: context.context_severity(),
        rule: RuleId::Advisories,
        location: Location::Workspace,
        code: "advisory-db-unavailable".to_owned(),
        message: format!("{message}; advisories were not checked"),
        fix: offline_fix(path),
    }
}

/// The configuration file and the line of `key` (first match) in it.
fn config_key_location(context: &PolicyContext<'_>, key: &str) -> (PathBuf, Option<usize>) {
    let path = context
        .config_path
        .clone()
        .unwrap_or_else(|| context.root().join(crate::policy::config::FILE_NAME));
    let line = std::fs::read_to_string(&path).ok().and_then(|text| {
        text.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(key) || l.contains(&format!("\"{key}\""))
            })
            .map(|i| i + 1)
    });
    (path, line)
}

/// Where an ignore entry is written: the configuration file and the line naming its id.
fn ignore_location(context: &PolicyContext<'_>, id: &str) -> Location {
    let Some(config_path) = &context.config_path else {
        return Location::Workspace;
    };
    let line = std::fs::read_to_string(config_path).ok().and_then(|text| {
        text.lines()
            .position(|l| l.contains(&format!("\"{id}\"")))
            .map(|i| i + 1)
    });
    Location::File(FileLine {
        path: cargo_sbom::graph::relative_path(config_path, context.root()),
        line,
    })
}

/// The lines of `[[package]]` entries in `Cargo.lock`, by name and version.
pub fn lockfile_lines(text: &str) -> BTreeMap<(String, String), usize> {
    let mut lines = BTreeMap::new();
    let mut current: Option<(usize, Option<String>, Option<String>)> = None;
    let mut finish = |entry: Option<(usize, Option<String>, Option<String>)>| {
        if let Some((line, Some(name), Some(version))) = entry {
            lines.entry((name, version)).or_insert(line);
        }
    };
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            finish(current.take());
            if trimmed == "[[package]]" {
                current = Some((index + 1, None, None));
            }
            continue;
        }
        let Some((_, name, version)) = current.as_mut() else {
            continue;
        };
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "name" => *name = Some(value),
            "version" => *version = Some(value),
            _ => {}
        }
    }
    finish(current.take());
    lines
}

/// `Cargo.lock` lines of the workspace, for `declared_at`.
struct LockLines(BTreeMap<(String, String), usize>);

impl LockLines {
    fn read(root: &Path) -> Self {
        Self(
            std::fs::read_to_string(root.join("Cargo.lock"))
                .map(|text| lockfile_lines(&text))
                .unwrap_or_default(),
        )
    }

    fn location(&self, component: &Component) -> Location {
        let line = self
            .0
            .get(&(component.name.clone(), component.version.clone()));
        Location::of_component(component).declared_at(line.map(|&line| FileLine {
            path: "Cargo.lock".to_owned(),
            line: Some(line),
        }))
    }
}

/// A crates.io component, the only kind advisories and the yanked check are about.
fn is_crates_io(component: &Component) -> bool {
    matches!(
        component.source,
        ComponentSource::Registry {
            crates_io: true,
            ..
        }
    )
}

/// The `target_os` and `target_arch` of a target triple, as RustSec's `[affected]` spells them
/// (`None` when not recognised: then every OS/arch-specific advisory applies).
pub fn target_os_arch(triple: &str) -> (Option<&'static str>, Option<&'static str>) {
    let parts: Vec<&str> = triple.split('-').collect();
    let arch = parts.first().and_then(|arch| {
        Some(match *arch {
            "x86_64" | "x86_64h" => "x86_64",
            "i386" | "i586" | "i686" => "x86",
            a if a.starts_with("aarch64") || a == "arm64" || a == "arm64e" => "aarch64",
            a if a.starts_with("arm") || a.starts_with("thumb") => "arm",
            a if a.starts_with("riscv64") => "riscv64",
            a if a.starts_with("riscv32") => "riscv32",
            "powerpc" => "powerpc",
            "powerpc64" | "powerpc64le" => "powerpc64",
            "mips" | "mipsel" => "mips",
            "mips64" | "mips64el" => "mips64",
            "s390x" => "s390x",
            "sparc64" | "sparcv9" => "sparc64",
            "wasm32" => "wasm32",
            "wasm64" => "wasm64",
            "loongarch64" => "loongarch64",
            _ => return None,
        })
    });
    // The last OS word wins: `i686-linux-android` is Android.
    let os = parts.iter().skip(1).rev().find_map(|part| {
        Some(match *part {
            "windows" => "windows",
            "linux" => "linux",
            "darwin" | "macos" => "macos",
            "ios" => "ios",
            "tvos" => "tvos",
            "watchos" => "watchos",
            "visionos" => "visionos",
            "android" | "androideabi" => "android",
            "freebsd" => "freebsd",
            "netbsd" => "netbsd",
            "openbsd" => "openbsd",
            "dragonfly" => "dragonfly",
            "solaris" => "solaris",
            "illumos" => "illumos",
            "fuchsia" => "fuchsia",
            "redox" => "redox",
            "haiku" => "haiku",
            "emscripten" => "emscripten",
            "wasi" | "wasip1" | "wasip2" => "wasi",
            "hermit" => "hermit",
            "uefi" => "uefi",
            "none" => "none",
            _ => return None,
        })
    });
    (os, arch)
}

/// Whether the advisory's `[affected] os`/`arch` lists include the target.
fn affects_target(advisory: &Advisory, os: Option<&str>, arch: Option<&str>) -> bool {
    let Some(affected) = &advisory.affected else {
        return true;
    };
    let os_ok = affected.os.is_empty() || os.is_none_or(|os| affected.os.iter().any(|a| a == os));
    let arch_ok =
        affected.arch.is_empty() || arch.is_none_or(|arch| affected.arch.iter().any(|a| a == arch));
    os_ok && arch_ok
}

/// The kind of an advisory, for its level and wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Vulnerability,
    Unmaintained,
    Unsound,
    Notice,
}

fn kind_of(advisory: &Advisory) -> Kind {
    match &advisory.metadata.informational {
        None => Kind::Vulnerability,
        Some(Informational::Unmaintained) => Kind::Unmaintained,
        Some(Informational::Unsound) => Kind::Unsound,
        Some(_) => Kind::Notice,
    }
}

/// The advisories that affect `component` on the target (withdrawn ones left out).
pub fn matching_advisories<'db>(
    db: &'db rustsec::Database,
    component: &Component,
    target: &str,
) -> Vec<&'db Advisory> {
    let (Ok(name), Ok(version)) = (
        component.name.parse::<rustsec::package::Name>(),
        component.version.parse::<rustsec::Version>(),
    ) else {
        return Vec::new();
    };
    let (os, arch) = target_os_arch(target);
    let query = rustsec::database::Query::new()
        .collection(rustsec::Collection::Crates)
        .package_name(name)
        .withdrawn(false);
    db.query(&query)
        .into_iter()
        .filter(|advisory| {
            advisory
                .metadata
                .source
                .as_ref()
                .is_none_or(|source| source.is_default_registry())
        })
        .filter(|advisory| advisory.versions.is_vulnerable(&version))
        .filter(|advisory| affects_target(advisory, os, arch))
        .collect()
}

/// Runs the advisories rule with an explicit environment (cargo home, today's date).
pub fn check_advisories(context: &PolicyContext<'_>, env: &Environment) -> Result<Vec<Finding>> {
    let config = &context.config.advisories;
    let mut findings = Vec::new();

    // Ignore entries: expired ones are reported and no longer ignore anything.
    let mut active: Vec<&IgnoreEntry> = Vec::new();
    for entry in &config.ignore {
        match entry.until {
            Some(until) if until < env.today => findings.push(Finding {
                severity: Severity::Warn,
                rule: RuleId::Advisories,
                location: ignore_location(context, &entry.id),
                code: "expired-ignore".to_owned(),
                message: format!(
                    "the ignore entry for {} expired on {until} (reason given: {}); it no \
                     longer ignores the advisory",
                    entry.id, entry.reason
                ),
                fix: format!(
                    "fix what {} is about, or renew the entry with a new `until` date and \
                     reason, or remove it",
                    entry.id
                ),
            }),
            _ => active.push(entry),
        }
    }

    let loaded = load_database(context, env)?;
    findings.extend(loaded.findings);
    let Some(db) = loaded.db else {
        return Ok(findings);
    };

    let lock_lines = LockLines::read(context.root());
    // Which ignore ids matched something (the expired ones count: they are reported already).
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for component in context.graph.components.iter().filter(|c| is_crates_io(c)) {
        for advisory in matching_advisories(&db, component, &context.graph.target) {
            let id = advisory.metadata.id.as_str();
            let names_it = |entry_id: &str| {
                entry_id == id
                    || advisory
                        .metadata
                        .aliases
                        .iter()
                        .any(|a| a.as_str() == entry_id)
            };
            if let Some(entry) = config.ignore.iter().find(|e| names_it(&e.id)) {
                used.insert(entry.id.as_str());
            }
            if active.iter().any(|e| names_it(&e.id)) {
                continue;
            }
            let kind = kind_of(advisory);
            let level = match kind {
                Kind::Vulnerability => config.vulnerability,
                Kind::Unmaintained => config.unmaintained,
                Kind::Unsound => config.unsound,
                Kind::Notice => config.notice,
            };
            let Some(severity) = level.severity() else {
                continue;
            };
            findings.push(advisory_finding(
                severity,
                advisory,
                kind,
                component,
                &lock_lines,
            ));
        }
    }

    for entry in &active {
        if used.contains(entry.id.as_str()) {
            continue;
        }
        let known = db.iter().any(|a| {
            a.metadata.id.as_str() == entry.id
                || a.metadata
                    .aliases
                    .iter()
                    .any(|alias| alias.as_str() == entry.id)
        });
        findings.push(Finding {
            severity: Severity::Warn,
            rule: RuleId::Advisories,
            location: ignore_location(context, &entry.id),
            code: "stale-ignore".to_owned(),
            message: if known {
                format!(
                    "the ignore entry for {} matches no crate of the resolved graph",
                    entry.id
                )
            } else {
                format!(
                    "the ignore entry for {} names no advisory of the database",
                    entry.id
                )
            },
            fix: format!(
                "remove the ignore entry for {} from `[advisories] ignore`",
                entry.id
            ),
        });
    }
    Ok(findings)
}

fn advisory_finding(
    severity: Severity,
    advisory: &Advisory,
    kind: Kind,
    component: &Component,
    lock_lines: &LockLines,
) -> Finding {
    let meta = &advisory.metadata;
    let id = meta.id.as_str();
    let who = format!("{} {}", component.name, component.version);
    let what = match kind {
        Kind::Vulnerability => format!("{who} is affected by {id}"),
        Kind::Unmaintained => format!("{who} is unmaintained ({id})"),
        Kind::Unsound => format!("{who} is unsound ({id})"),
        Kind::Notice => format!(
            "{who} has an informational advisory ({id}, {})",
            meta.informational.as_ref().map_or("notice", |i| i.as_str())
        ),
    };
    let aliases: Vec<&str> = meta.aliases.iter().map(|a| a.as_str()).collect();
    let aliases = if aliases.is_empty() {
        String::new()
    } else {
        format!(" [{}]", aliases.join(", "))
    };
    let patched: Vec<String> = advisory
        .versions
        .patched()
        .iter()
        .map(ToString::to_string)
        .collect();
    let patched_text = if patched.is_empty() {
        "no patched version".to_owned()
    } else {
        format!("patched: {}", patched.join(" or "))
    };
    let functions: Vec<String> = advisory
        .affected
        .iter()
        .flat_map(|a| a.functions.keys())
        .map(ToString::to_string)
        .collect();
    let functions = if functions.is_empty() {
        String::new()
    } else {
        format!("; affected functions: {}", functions.join(", "))
    };
    let message = format!(
        "{what}{aliases}: {}; {patched_text}{functions}; https://rustsec.org/advisories/{id}",
        meta.title.trim()
    );
    let fix = if patched.is_empty() {
        match kind {
            Kind::Unmaintained => format!(
                "no patched version: replace {} with a maintained alternative, or add \
                 {{ id = \"{id}\", reason = \"…\" }} to `[advisories] ignore`",
                component.name
            ),
            _ => format!(
                "no patched version: replace {} or ignore with a reason: \
                 {{ id = \"{id}\", reason = \"…\" }} in `[advisories] ignore`",
                component.name
            ),
        }
    } else {
        format!(
            "upgrade {} to {} (`cargo update -p {}@{}`, or raise the requirement that holds it)",
            component.name,
            patched.join(" or "),
            component.name,
            component.version
        )
    };
    Finding {
        severity,
        rule: RuleId::Advisories,
        location: lock_lines.location(component),
        code: id.to_owned(),
        message,
        fix,
    }
}

/// Runs the yanked rule with an explicit environment (the cargo home whose index cache is read).
///
/// Only the local index cache is read, never the network: for crates the cache does not know,
/// one summary finding (`yanked-unknown`) says how many and how to refresh the cache.
pub fn check_yanked(context: &PolicyContext<'_>, env: &Environment) -> Result<Vec<Finding>> {
    let Some(severity) = context.config.advisories.yanked.severity() else {
        return Ok(Vec::new());
    };
    let index = env
        .cargo_home
        .as_deref()
        .map(YankedIndex::crates_io)
        .unwrap_or_default();
    let lock_lines = LockLines::read(context.root());
    let mut findings = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for component in context.graph.components.iter().filter(|c| is_crates_io(c)) {
        match index.is_yanked(&component.name, &component.version) {
            Some(true) => findings.push(Finding {
                severity,
                rule: RuleId::Yanked,
                location: lock_lines.location(component),
                code: "yanked".to_owned(),
                message: format!(
                    "{} {} has been yanked from crates.io",
                    component.name, component.version
                ),
                fix: format!(
                    "update to a version that is not yanked (`cargo update -p {}@{}`)",
                    component.name, component.version
                ),
            }),
            Some(false) => {}
            None => unknown.push(format!("{} {}", component.name, component.version)),
        }
    }
    if !unknown.is_empty() {
        const SHOWN: usize = 5;
        let mut list = unknown
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if unknown.len() > SHOWN {
            list.push_str(&format!(", and {} more", unknown.len() - SHOWN));
        }
        let cache = env.cargo_home.as_ref().map_or_else(
            || "no CARGO_HOME".to_owned(),
            |home| home.join("registry").join("index").display().to_string(),
        );
        findings.push(Finding {
            severity: Severity::Warn,
            rule: RuleId::Yanked,
            location: Location::Workspace,
            code: "yanked-unknown".to_owned(),
            message: format!(
                "cannot tell whether {} crates.io crate{} {} yanked: the local index cache \
                 ({cache}) has no entry for {} ({list})",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" },
                if unknown.len() == 1 { "is" } else { "are" },
                if unknown.len() == 1 { "it" } else { "them" },
            ),
            fix: "refresh the local index cache with `cargo update --dry-run` or `cargo fetch`, \
                  then check again"
                .to_owned(),
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Config as PolicyConfig;

    fn parse(text: &str) -> std::result::Result<Config, String> {
        PolicyConfig::parse(Path::new("attest.toml"), text)
            .map(|c| c.advisories)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.vulnerability, AdvisoryLevel::Deny);
        assert_eq!(config.unmaintained, AdvisoryLevel::Warn);
        assert_eq!(config.unsound, AdvisoryLevel::Warn);
        assert_eq!(config.notice, AdvisoryLevel::Warn);
        assert_eq!(config.yanked, AdvisoryLevel::Warn);
        assert_eq!(config.max_age, Duration::from_secs(7 * 86_400));
        assert_eq!(config.db_urls, [advisory_db::DEFAULT_URL]);
        let same = parse("[advisories]\n").unwrap();
        assert_eq!(same.db_urls, config.db_urls);
    }

    #[test]
    fn parses_every_key() {
        let config = parse(
            r#"
[advisories]
db-path = "db"
db-urls = ["https://example.org/db.git"]
max-age = "36h"
vulnerability = "warn"
unmaintained = "allow"
unsound = "deny"
notice = "allow"
yanked = "deny"
ignore = [
  { id = "RUSTSEC-2099-0001", reason = "not reachable" },
  { id = "CVE-2099-1", reason = "test only", until = 2030-01-31 },
  { id = "RUSTSEC-2099-0002", reason = "r", until = "2031-02-28" },
]
"#,
        )
        .unwrap();
        assert_eq!(config.db_path.as_deref(), Some(Path::new("db")));
        assert_eq!(config.max_age, Duration::from_secs(36 * 3600));
        assert_eq!(config.vulnerability, AdvisoryLevel::Warn);
        assert_eq!(config.unmaintained, AdvisoryLevel::Allow);
        assert_eq!(config.unsound, AdvisoryLevel::Deny);
        assert_eq!(config.yanked, AdvisoryLevel::Deny);
        assert_eq!(config.ignore.len(), 3);
        assert_eq!(config.ignore[0].until, None);
        assert_eq!(config.ignore[1].until, Date::parse("2030-01-31"));
        assert_eq!(config.ignore[2].until, Date::parse("2031-02-28"));
    }

    #[test]
    fn ignore_entries_need_a_reason() {
        let missing =
            parse("[advisories]\nignore = [\n  { id = \"RUSTSEC-2099-0001\" },\n]\n").unwrap_err();
        assert!(missing.contains("attest.toml:3"), "{missing}");
        assert!(missing.contains("RUSTSEC-2099-0001"), "{missing}");
        assert!(missing.contains("reason"), "{missing}");
        let empty =
            parse("[advisories]\nignore = [{ id = \"RUSTSEC-2099-0001\", reason = \"  \" }]\n")
                .unwrap_err();
        assert!(empty.contains("reason"), "{empty}");
        let bare = parse("[advisories]\nignore = [\"RUSTSEC-2099-0001\"]\n").unwrap_err();
        assert!(bare.contains("no reason"), "{bare}");
        assert!(bare.contains("attest.toml:2"), "{bare}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let level = parse("[advisories]\nvulnerability = \"fatal\"\n").unwrap_err();
        assert!(level.contains("attest.toml:2"), "{level}");
        assert!(level.contains("fatal"), "{level}");
        let date = parse(
            "[advisories]\nignore = [{ id = \"X\", reason = \"r\", until = \"2026-02-30\" }]\n",
        )
        .unwrap_err();
        assert!(date.contains("until"), "{date}");
        let age = parse("[advisories]\nmax-age = \"a week\"\n").unwrap_err();
        assert!(age.contains("max-age"), "{age}");
        let unknown = parse("[advisories]\ndb = \"x\"\n").unwrap_err();
        assert!(unknown.contains("db"), "{unknown}");
        let key = parse("[advisories]\nignore = [{ id = \"X\", reason = \"r\", why = 1 }]\n")
            .unwrap_err();
        assert!(key.contains("why"), "{key}");
    }

    #[test]
    fn lockfile_lines_point_at_package_entries() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                    [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"x\"\n\
                    dependencies = [\n \"a\",\n]\n\n[metadata]\nname = \"z\"\nversion = \"9\"\n";
        let lines = lockfile_lines(lock);
        assert_eq!(lines.get(&("a".into(), "1.0.0".into())), Some(&3));
        assert_eq!(lines.get(&("b".into(), "2.0.0".into())), Some(&7));
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn target_triples() {
        assert_eq!(
            target_os_arch("x86_64-unknown-linux-gnu"),
            (Some("linux"), Some("x86_64"))
        );
        assert_eq!(
            target_os_arch("x86_64-pc-windows-msvc"),
            (Some("windows"), Some("x86_64"))
        );
        assert_eq!(
            target_os_arch("aarch64-apple-darwin"),
            (Some("macos"), Some("aarch64"))
        );
        assert_eq!(
            target_os_arch("i686-linux-android"),
            (Some("android"), Some("x86"))
        );
        assert_eq!(
            target_os_arch("armv7-unknown-linux-gnueabihf"),
            (Some("linux"), Some("arm"))
        );
        assert_eq!(
            target_os_arch("wasm32-wasip1"),
            (Some("wasi"), Some("wasm32"))
        );
        assert_eq!(target_os_arch("my-custom-target"), (None, None));
    }
}
