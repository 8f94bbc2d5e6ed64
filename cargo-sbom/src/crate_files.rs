//! The `.crate` files of registry packages in Cargo's download cache
//! (`$CARGO_HOME/registry/cache/HOST-HASH/NAME-VERSION.crate`), hashed for the SBOM profiles
//! that want a SHA-512 of each deployable component (BSI TR-03183-2 §5.2.2).
//!
//! A file is used only after its SHA-256 equals the checksum `Cargo.lock` records for the
//! package: a cached file that differs is an error, never a digest in the SBOM. A package whose
//! file is not cached keeps the lockfile's SHA-256 only and is listed as a gap.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::digest::{Digests, Sha256Hex};
use crate::error::{Error, Result};

/// The registry cache directories, by registry host.
#[derive(Debug, Default)]
pub struct CrateCache {
    by_host: HashMap<String, Vec<PathBuf>>,
}

impl CrateCache {
    /// The cache of the Cargo home cargo itself uses (`CARGO_HOME`, else `~/.cargo`); empty when
    /// there is none.
    pub fn open_default() -> Self {
        cargo_home().map_or_else(Self::default, |home| Self::open(&home))
    }

    /// The cache below a Cargo home directory.
    pub fn open(cargo_home: &Path) -> Self {
        let mut by_host: HashMap<String, Vec<PathBuf>> = HashMap::new();
        let Ok(entries) = std::fs::read_dir(cargo_home.join("registry").join("cache")) else {
            return Self::default();
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            // Cargo names each registry's directory `HOST-HASH` (16 hex digits).
            let Some((host, hash)) = name.to_str().and_then(|n| n.rsplit_once('-')) else {
                continue;
            };
            if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                by_host
                    .entry(host.to_owned())
                    .or_default()
                    .push(entry.path());
            }
        }
        for dirs in by_host.values_mut() {
            dirs.sort();
        }
        Self { by_host }
    }

    /// The digests of a package's cached `.crate` file, after checking it against `checksum`:
    /// `Ok(None)` when no file is cached, an error when a cached file differs.
    pub fn digests(
        &self,
        source: &str,
        name: &str,
        version: &str,
        checksum: &Sha256Hex,
    ) -> Result<Option<Digests>> {
        // Cargo keeps crates.io's files under its sparse index's host, whichever spelling of
        // the source the lockfile has (and under the git index's, for older cargo).
        let hosts: &[&str] = if crate::cargo::is_crates_io_source(source) {
            &["index.crates.io", "github.com"]
        } else {
            match registry_host(source) {
                Some(host) => &[host][..],
                None => return Ok(None),
            }
        };
        let dirs = hosts.iter().filter_map(|h| self.by_host.get(*h)).flatten();
        let file_name = format!("{name}-{version}.crate");
        let mut differing = None;
        for dir in dirs {
            let path = dir.join(&file_name);
            let digests = match Digests::of_file(&path) {
                Ok(digests) => digests,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(Error::Read { path, source }),
            };
            if &digests.sha256 == checksum {
                return Ok(Some(digests));
            }
            // Another registry on the same host may hold a different file of that name.
            differing.get_or_insert((path, digests.sha256));
        }
        match differing {
            None => Ok(None),
            Some((path, actual)) => Err(Error::CrateChecksum {
                path,
                package: format!("{name} {version}"),
                expected: checksum.to_string(),
                actual: actual.to_string(),
            }),
        }
    }
}

/// `CARGO_HOME`, else `~/.cargo`, as cargo finds it.
pub fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return std::path::absolute(PathBuf::from(home)).ok();
    }
    std::env::home_dir().map(|home| home.join(".cargo"))
}

/// The host of a lockfile source (`registry+https://github.com/…`, `sparse+https://index.crates.io/`).
fn registry_host(source: &str) -> Option<&str> {
    let url = source
        .strip_prefix("registry+")
        .or_else(|| source.strip_prefix("sparse+"))?;
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_sources() {
        assert_eq!(
            registry_host("registry+https://github.com/rust-lang/crates.io-index"),
            Some("github.com")
        );
        assert_eq!(
            registry_host("sparse+https://index.crates.io/"),
            Some("index.crates.io")
        );
        assert_eq!(
            registry_host("sparse+https://u@my.example:8443/x/"),
            Some("my.example")
        );
        assert_eq!(registry_host("git+https://x/y#c"), None);
    }

    #[test]
    fn verifies_cached_files() {
        let home = tempfile::tempdir().unwrap();
        let dir = home
            .path()
            .join("registry/cache/index.crates.io-1949cf8c6b5b557f");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a-1.0.0.crate"), b"crate a").unwrap();
        std::fs::write(dir.join("b-1.0.0.crate"), b"tampered").unwrap();
        let cache = CrateCache::open(home.path());
        let source = "sparse+https://index.crates.io/";
        let a = Sha256Hex::digest(b"crate a");
        let found = cache.digests(source, "a", "1.0.0", &a).unwrap().unwrap();
        assert_eq!(found.sha256, a);
        assert_eq!(found, Digests::of_bytes(b"crate a"));
        assert!(cache.digests(source, "c", "1.0.0", &a).unwrap().is_none());
        let error = cache
            .digests(source, "b", "1.0.0", &Sha256Hex::digest(b"b"))
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("b-1.0.0.crate") && text.contains("Cargo.lock"),
            "{text}"
        );
        assert_eq!(error.exit_code(), crate::error::exit::USAGE);
        // Another registry's host is not searched.
        assert!(
            cache
                .digests("sparse+https://other.example/", "a", "1.0.0", &a)
                .unwrap()
                .is_none()
        );
    }
}
