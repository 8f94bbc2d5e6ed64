//! `Cargo.lock` checksums: the SHA-256 of each registry crate's `.crate` file.
//!
//! `cargo metadata` does not report checksums, so the lockfile is read directly. Both the current
//! format (a `checksum` key per `[[package]]`) and the v1 format (a `[metadata]` table of
//! `"checksum NAME VERSION (SOURCE)"` keys) are understood.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::digest::Sha256Hex;
use crate::error::{Error, Result};

/// The key of a locked package: name, version and source URL as cargo writes them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct LockKey {
    name: String,
    version: String,
    source: String,
}

/// Checksums of the packages in one `Cargo.lock`.
#[derive(Debug, Default)]
pub struct Checksums {
    by_package: HashMap<LockKey, Sha256Hex>,
}

#[derive(Deserialize)]
struct RawLockfile {
    #[serde(default)]
    package: Vec<RawPackage>,
    #[serde(default)]
    metadata: HashMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
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
        let raw: RawLockfile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        let mut by_package = HashMap::new();
        for package in raw.package {
            let (Some(source), Some(checksum)) = (package.source, package.checksum) else {
                continue;
            };
            let checksum = Sha256Hex::parse(&checksum).ok_or_else(|| {
                format!(
                    "checksum of {} {} is not a SHA-256 hex digest",
                    package.name, package.version
                )
            })?;
            let key = LockKey {
                name: package.name,
                version: package.version,
                source,
            };
            by_package.insert(key, checksum);
        }
        // Lockfile v1: `"checksum serde 1.0.0 (registry+https://…)" = "<hex>"`.
        for (key, value) in raw.metadata {
            let Some(rest) = key.strip_prefix("checksum ") else {
                continue;
            };
            let mut parts = rest.splitn(3, ' ');
            let (Some(name), Some(version), Some(source)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let source = source.trim_start_matches('(').trim_end_matches(')');
            if let Some(checksum) = value.as_str().and_then(Sha256Hex::parse) {
                let key = LockKey {
                    name: name.to_owned(),
                    version: version.to_owned(),
                    source: source.to_owned(),
                };
                by_package.insert(key, checksum);
            }
        }
        Ok(Self { by_package })
    }

    /// The checksum of a package from `source` (cargo's source string, e.g.
    /// `registry+https://github.com/rust-lang/crates.io-index`).
    pub fn get(&self, name: &str, version: &str, source: &str) -> Option<&Sha256Hex> {
        let key = LockKey {
            name: name.to_owned(),
            version: version.to_owned(),
            source: source.to_owned(),
        };
        self.by_package.get(&key)
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

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

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
