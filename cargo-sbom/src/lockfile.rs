//! `Cargo.lock` checksums: the SHA-256 of each registry crate's `.crate` file.
//!
//! `cargo metadata` does not report checksums, so the lockfile is read directly. Both the current
//! format (a `checksum` key per `[[package]]`) and the v1 format (a `[metadata]` table of
//! `"checksum NAME VERSION (SOURCE)"` keys) are understood.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::crate_files::CrateCache;
use crate::digest::{Digests, Sha256Hex};
use crate::error::{Error, Result};

/// The key of a locked package: name, version and source URL as cargo writes them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct LockKey {
    name: String,
    version: String,
    source: String,
}

impl LockKey {
    fn new(name: &str, version: &str, source: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            source: source.to_owned(),
        }
    }
}

/// Checksums of the packages in one `Cargo.lock`.
#[derive(Debug, Default)]
pub struct Checksums {
    by_package: HashMap<LockKey, Sha256Hex>,
    /// SHA-256 and SHA-512 of the cached `.crate` files that matched their checksum.
    cached: HashMap<LockKey, Digests>,
}

/// What the suite reads of a `Cargo.lock`: its packages and, in the v1 format, the `[metadata]`
/// table that held their checksums. Also read by the `lockfile` policy rule of `cargo attest`.
#[derive(Debug, Default, Deserialize)]
pub struct Lockfile {
    /// The `[[package]]` entries, in file order.
    #[serde(default, rename = "package")]
    pub packages: Vec<LockedPackage>,
    #[serde(default)]
    metadata: toml::Table,
}

/// One `[[package]]` entry, as written.
#[derive(Clone, Debug, Deserialize)]
pub struct LockedPackage {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `source` (`registry+URL`, `sparse+URL`, `git+URL#COMMIT`); none for path packages.
    pub source: Option<String>,
    /// `checksum` (formats v2 and later).
    pub checksum: Option<String>,
}

impl Lockfile {
    /// Parses a lockfile's text; the error is the TOML parser's message.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }

    /// The v1 checksum of a package as written (`"checksum NAME VERSION (SOURCE)" = "…"`),
    /// which may be `<none>`.
    pub fn metadata_checksum(&self, name: &str, version: &str, source: &str) -> Option<&str> {
        self.metadata
            .get(&format!("checksum {name} {version} ({source})"))
            .and_then(toml::Value::as_str)
    }

    /// Every v1 checksum entry: name, version, source and value as written.
    fn metadata_checksums(&self) -> impl Iterator<Item = (&str, &str, &str, &str)> {
        self.metadata.iter().filter_map(|(key, value)| {
            let rest = key.strip_prefix("checksum ")?;
            let mut parts = rest.splitn(3, ' ');
            let (name, version, source) = (parts.next()?, parts.next()?, parts.next()?);
            let source = source.trim_start_matches('(').trim_end_matches(')');
            Some((name, version, source, value.as_str()?))
        })
    }
}

impl Checksums {
    /// Reads `Cargo.lock`; a missing file gives an empty set (cargo metadata has just written one
    /// unless `--locked`/`--frozen` forbade it, in which case it already failed).
    pub fn read(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(Error::Lockfile {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        Self::parse(&text).map_err(|reason| Error::Lockfile {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses the text of a lockfile.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let lockfile = Lockfile::parse(text)?;
        let mut by_package = HashMap::new();
        for package in &lockfile.packages {
            let (Some(source), Some(checksum)) = (&package.source, &package.checksum) else {
                continue;
            };
            let checksum = Sha256Hex::parse(checksum).ok_or_else(|| {
                format!(
                    "checksum of {} {} is not a SHA-256 hex digest",
                    package.name, package.version
                )
            })?;
            by_package.insert(
                LockKey::new(&package.name, &package.version, source),
                checksum,
            );
        }
        // Lockfile v1: `"checksum serde 1.0.0 (registry+https://…)" = "<hex>"`.
        for (name, version, source, value) in lockfile.metadata_checksums() {
            if let Some(checksum) = Sha256Hex::parse(value) {
                by_package.insert(LockKey::new(name, version, source), checksum);
            }
        }
        Ok(Self {
            by_package,
            cached: HashMap::new(),
        })
    }

    /// Hashes the cached `.crate` file of every locked registry package not hashed yet
    /// ([`CrateCache::digests`]); an error when a cached file differs from its checksum.
    pub fn hash_cached_crates(&mut self, cache: &CrateCache) -> Result<()> {
        let mut keys: Vec<&LockKey> = self
            .by_package
            .keys()
            .filter(|k| !self.cached.contains_key(*k))
            .collect();
        // In a fixed order, so that the same tampered file is reported every time.
        keys.sort_unstable();
        let mut found = Vec::new();
        for key in keys {
            let checksum = &self.by_package[key];
            if let Some(digests) = cache.digests(&key.source, &key.name, &key.version, checksum)? {
                found.push((key.clone(), digests));
            }
        }
        self.cached.extend(found);
        Ok(())
    }

    /// The verified digests of a package's `.crate` file, when it was in the cache.
    pub fn crate_digests(&self, name: &str, version: &str, source: &str) -> Option<&Digests> {
        self.cached.get(&LockKey::new(name, version, source))
    }

    /// The checksum of a package from `source` (cargo's source string, e.g.
    /// `registry+https://github.com/rust-lang/crates.io-index`).
    pub fn get(&self, name: &str, version: &str, source: &str) -> Option<&Sha256Hex> {
        self.by_package.get(&LockKey::new(name, version, source))
    }

    /// How many packages have a checksum.
    pub fn len(&self) -> usize {
        self.by_package.len()
    }

    /// Whether no package has a checksum.
    pub fn is_empty(&self) -> bool {
        self.by_package.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRATES_IO: &str = crate::cargo::CRATES_IO_SOURCES[0];

    #[test]
    fn reads_v3_and_v4_checksums() {
        let text = format!(
            "version = 4\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.11\"\nsource = \"{CRATES_IO}\"\nchecksum = \"49F1F14873335454500D59611F1CF4A4B0F786F9AC11F4312A78E4CF2566695B\"\n\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n"
        );
        let sums = Checksums::parse(&text).unwrap();
        assert_eq!(sums.len(), 1);
        assert_eq!(
            sums.get("itoa", "1.0.11", CRATES_IO).unwrap().as_str(),
            "49f1f14873335454500d59611f1cf4a4b0f786f9ac11f4312a78e4cf2566695b"
        );
        assert!(sums.get("local", "0.1.0", "").is_none());
    }

    #[test]
    fn reads_v1_metadata_checksums() {
        let text = format!(
            "[[package]]\nname = \"itoa\"\nversion = \"0.4.8\"\nsource = \"{CRATES_IO}\"\n\n[metadata]\n\"checksum itoa 0.4.8 ({CRATES_IO})\" = \"b71991ff56294aa922b450139ee08b3bfc70982c6b2c7562771375cf73542dd4\"\n"
        );
        let sums = Checksums::parse(&text).unwrap();
        assert!(sums.get("itoa", "0.4.8", CRATES_IO).is_some());
    }

    #[test]
    fn rejects_broken_lockfiles() {
        assert!(Checksums::parse("[[package]\n").is_err());
        let bad = format!(
            "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"xyz\"\n"
        );
        assert!(
            Checksums::parse(&bad)
                .unwrap_err()
                .contains("checksum of a 1.0.0")
        );
    }
}
