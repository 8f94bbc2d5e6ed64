//! The `advisories` rule (SSDF PW.4.4): RustSec advisories matched against the resolved graph.
//! The rule reference is [`HELP`]; the database is found as [`crate::policy::advisory_db`]
//! says. The `[advisories]` section also configures the `yanked` rule ([`super::yanked`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cargo_sbom::Component;
use rustsec::advisory::{Advisory, Informational};
use serde::{Deserialize, Deserializer};

use crate::config::SectionDef;
use crate::error::{Error, Result};
use crate::policy::FileLine;
use crate::policy::advisory_db::{self, Date};
use crate::policy::rule::{FindingCode, codes};
use crate::policy::{Finding, LintLevel, Location, PolicyContext, RuleDef, Severity};

/// The rule.
pub static RULE: RuleDef = RuleDef {
    id: "advisories",
    name: "NoVulnerableDependencies",
    ssdf_tasks: &["PW.4.4"],
    description: "no dependency is affected by a RustSec advisory",
    help: HELP,
    codes: Code::DEFS,
    section: &SECTION,
    section_keys: None,
    build_time: true,
    enforcing: |config, _| config.get(&SECTION).vulnerability.denies(),
    check: Some(check),
};

/// The `[advisories]` section (the `yanked` rule reads its `yanked` key).
pub static SECTION: SectionDef<Config> = SectionDef::new("advisories", DEFAULT_CONFIG);

/// The rule reference.
pub const HELP: &str = r#"Every crates.io crate of the resolved graph is looked up in the RustSec advisory database.
An advisory matches by name and version (its `patched` and `unaffected` ranges) and, when it
names operating systems or architectures, by the target triple of the graph; withdrawn
advisories are ignored. Vulnerabilities deny, informational advisories (`unmaintained`,
`unsound`, `notice`) warn; each level is configurable, and an `ignore` entry (with a required
reason and an optional expiry date) silences one advisory. An expired entry is reported and
no longer ignores anything; an entry that matches nothing is reported as stale.

The database comes from `--advisory-db`, else `[advisories] db-path` (relative to the
configuration file), else `CARGO_HOME/advisory-db`, which is fetched when missing or older
than `max-age` (never with `--offline`). Without a usable database one finding says how to
provide one (warn; deny under `--strict`, since the check then gives no PW.4.4 evidence).

**Why.** SSDF PW.4.4: acquired components are verified to have no known vulnerabilities
before release, and throughout their life.

**How to fix.** Upgrade the crate to a patched version (the finding names them), replace it,
or, after analysis, ignore the advisory with a reason and an expiry date.

```toml
[advisories]
db-path = "advisory-db"
max-age = "7d"
vulnerability = "deny"
unmaintained = "warn"
ignore = [{ id = "RUSTSEC-2023-0071", reason = "rsa is only used to verify, not to decrypt", until = 2026-12-31 }]
```
"#;

codes! {
    /// The finding codes of the `advisories` rule.
    pub enum Code {
        /// The crate is affected by the advisory whose id (`RUSTSEC-YYYY-NNNN`) is the code:
        /// a vulnerability, or an informational advisory (unmaintained, unsound, notice), as
        /// the message says.
        Advisory = "RUSTSEC-YYYY-NNNN",
        /// The advisory database is older than `max-age` and could not be fetched; it was used
        /// as it is.
        AdvisoryDbStale = "advisory-db-stale",
        /// No advisory database could be used: advisories were not checked.
        AdvisoryDbUnavailable = "advisory-db-unavailable",
        /// An `ignore` entry is past its `until` date and no longer ignores the advisory.
        ExpiredIgnore = "expired-ignore",
        /// An `ignore` entry matches no crate of the graph, or no advisory of the database.
        StaleIgnore = "stale-ignore",
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
    pub vulnerability: LintLevel,
    /// `unmaintained`: the level of `informational = "unmaintained"` (default warn).
    pub unmaintained: LintLevel,
    /// `unsound`: the level of `informational = "unsound"` (default warn).
    pub unsound: LintLevel,
    /// `notice`: the level of `informational = "notice"` and other informational kinds
    /// (default warn).
    pub notice: LintLevel,
    /// `yanked`: the level of yanked versions (default warn).
    pub yanked: LintLevel,
    /// `ignore`: advisories not reported, each with a reason and an optional expiry date.
    pub ignore: Vec<IgnoreEntry>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db_path: None,
            db_urls: vec![advisory_db::DEFAULT_URL.to_owned()],
            max_age: advisory_db::DEFAULT_MAX_AGE,
            vulnerability: LintLevel::Deny,
            unmaintained: LintLevel::Warn,
            unsound: LintLevel::Warn,
            notice: LintLevel::Warn,
            yanked: LintLevel::Warn,
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
fn load_database(context: &PolicyContext<'_>) -> Result<LoadedDb> {
    let config = context.config.get(&SECTION);
    let env = &context.options.environment;
    let (path, origin) = if let Some(path) = &context.options.advisory_db {
        (path.clone(), DbOrigin::CommandLine)
    } else if let Some(path) = &config.db_path {
        let base = context
            .config
            .path()
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
                context.config.error_at(
                    &["advisories", "db-path"],
                    format!("`advisories.db-path` = {}: {reason}", path.display()),
                )
            })?;
            Ok(LoadedDb {
                db: Some(db),
                findings: Vec::new(),
            })
        }
        DbOrigin::Default => load_default(context, &path),
    }
}

fn load_default(context: &PolicyContext<'_>, path: &Path) -> Result<LoadedDb> {
    let config = context.config.get(&SECTION);
    let env = &context.options.environment;
    let exists = path.join("crates").is_dir();
    let age = exists.then(|| advisory_db::age(path)).flatten();
    let stale = exists && age.is_none_or(|age| age > config.max_age);
    let mut findings = Vec::new();
    if !exists || stale {
        let failure = if context.options.offline {
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
                rule: RULE.rule_id(),
                location: Location::Workspace,
                code: Code::AdvisoryDbStale.into(),
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
        rule: RULE.rule_id(),
        location: Location::Workspace,
        code: Code::AdvisoryDbUnavailable.into(),
        message: format!("{message}; advisories were not checked"),
        fix: offline_fix(path),
    }
}

/// Where an ignore entry is written: the configuration file, at the line of its `id`.
fn ignore_location(context: &PolicyContext<'_>, id: &str) -> Location {
    let Some(config_path) = context.config.path() else {
        return Location::Workspace;
    };
    let line = context.config.spans().and_then(|spans| {
        let entries = spans.get(&["advisories", "ignore"])?;
        let entry = entries
            .node
            .elements()
            .iter()
            .find(|e| e.str_of("id").map(str::trim) == Some(id))?;
        let id_value = entry.entry("id")?;
        Some(spans.line(id_value.node.span.start))
    });
    Location::File(FileLine {
        path: cargo_sbom::graph::relative_path(config_path, context.root()),
        line,
    })
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

/// Runs the advisories rule.
fn check(context: &PolicyContext<'_>) -> Result<Vec<Finding>> {
    let config = context.config.get(&SECTION);
    let env = &context.options.environment;
    let mut findings = Vec::new();

    // Ignore entries: expired ones are reported and no longer ignore anything.
    let mut active: Vec<&IgnoreEntry> = Vec::new();
    for entry in &config.ignore {
        match entry.until {
            Some(until) if until < env.today => findings.push(Finding {
                severity: Severity::Warn,
                rule: RULE.rule_id(),
                location: ignore_location(context, &entry.id),
                code: Code::ExpiredIgnore.into(),
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

    let loaded = load_database(context)?;
    findings.extend(loaded.findings);
    let Some(db) = loaded.db else {
        return Ok(findings);
    };

    // Which ignore ids matched something (the expired ones count: they are reported already).
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for component in context
        .graph
        .components()
        .iter()
        .filter(|c| c.source.is_crates_io())
    {
        for advisory in matching_advisories(&db, component, &context.graph.target) {
            if let Some(entry) = config.ignore.iter().find(|e| is_named(advisory, &e.id)) {
                used.insert(entry.id.as_str());
            }
            if active.iter().any(|e| is_named(advisory, &e.id)) {
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
                context, severity, advisory, kind, component,
            ));
        }
    }

    for entry in &active {
        if used.contains(entry.id.as_str()) {
            continue;
        }
        let known = db.iter().any(|a| is_named(a, &entry.id));
        findings.push(Finding {
            severity: Severity::Warn,
            rule: RULE.rule_id(),
            location: ignore_location(context, &entry.id),
            code: Code::StaleIgnore.into(),
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

/// Whether `id` names the advisory: its own id or one of its aliases (a CVE, a GHSA).
fn is_named(advisory: &rustsec::Advisory, id: &str) -> bool {
    advisory.metadata.id.as_str() == id
        || advisory.metadata.aliases.iter().any(|a| a.as_str() == id)
}

fn advisory_finding(
    context: &PolicyContext<'_>,
    severity: Severity,
    advisory: &Advisory,
    kind: Kind,
    component: &Component,
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
        rule: RULE.rule_id(),
        location: context.locked_at(component),
        code: FindingCode::with_id(Code::Advisory, id.to_owned()),
        message,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Config, String> {
        crate::attest_toml::parse(Path::new("attest.toml"), text)
            .map(|c| c.get(&SECTION).clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.vulnerability, LintLevel::Deny);
        assert_eq!(config.unmaintained, LintLevel::Warn);
        assert_eq!(config.unsound, LintLevel::Warn);
        assert_eq!(config.notice, LintLevel::Warn);
        assert_eq!(config.yanked, LintLevel::Warn);
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
        assert_eq!(config.vulnerability, LintLevel::Warn);
        assert_eq!(config.unmaintained, LintLevel::Allow);
        assert_eq!(config.unsound, LintLevel::Deny);
        assert_eq!(config.yanked, LintLevel::Deny);
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
