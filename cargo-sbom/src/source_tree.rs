//! The digests of a local or git package's source, which has no registry file to hash.
//!
//! Method `cargo-sbom-source-v1`, chosen so anyone can recompute it with coreutils:
//! 1. take every regular file below the package directory, except entries whose name starts
//!    with `.`, directories named `target`, and subdirectories holding a `Cargo.toml` (other
//!    packages), as `cargo package` leaves them out;
//! 2. write one line per file, `SHA256-HEX  PATH\n` (two spaces, the path relative to the
//!    package directory with `/` separators), as `sha256sum` prints it;
//! 3. sort the lines by path (bytes), and hash the listing with SHA-256 and SHA-512.
//!
//! ```sh
//! cd PACKAGE_DIR && find . -path '*/.*' -prune -o -name target -prune -o -type f -print \
//!   | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha512sum
//! ```
//! (nested packages must also be left out when there are any).

use std::path::Path;

use crate::digest::{Digests, DigestsHasher, Sha256Hex};

/// The method's name, written beside the digests.
pub const METHOD: &str = "cargo-sbom-source-v1";

/// At most this many files are hashed: a package directory holding more is not a package
/// source (a mistaken path, a home directory), and gets no digest.
const MAX_FILES: usize = 100_000;

/// The digests of the package source in `dir` ([`METHOD`]); `None` when it cannot be read.
pub fn digests(dir: &Path) -> Option<Digests> {
    let mut files = Vec::new();
    collect(dir, "", true, &mut files)?;
    files.sort_unstable();
    let mut hasher = DigestsHasher::default();
    for path in &files {
        let digest = Sha256Hex::of_file(&dir.join(path)).ok()?;
        hasher.update(format!("{digest}  {path}\n").as_bytes());
    }
    Some(hasher.finish())
}

fn collect(dir: &Path, prefix: &str, top: bool, files: &mut Vec<String>) -> Option<()> {
    if !top && dir.join("Cargo.toml").is_file() {
        return Some(());
    }
    for entry in std::fs::read_dir(dir).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name().into_string().ok()?;
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follows symbolic links, as `cargo package` does.
        let metadata = std::fs::metadata(&path).ok()?;
        let relative = format!("{prefix}{name}");
        if metadata.is_dir() {
            if name != "target" {
                collect(&path, &format!("{relative}/"), false, files)?;
            }
        } else if metadata.is_file() {
            if files.len() >= MAX_FILES {
                return None;
            }
            files.push(relative);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_listing_of_the_package_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "fn f() {}\n").unwrap();
        let before = digests(root).unwrap();
        // Left out: hidden entries, target directories, nested packages.
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("target/debug/x"), "x").unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "x").unwrap();
        std::fs::create_dir_all(root.join("inner")).unwrap();
        std::fs::write(root.join("inner/Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(digests(root).unwrap(), before);
        let listing = format!(
            "{}  Cargo.toml\n{}  src/lib.rs\n",
            Sha256Hex::digest(b"[package]\n"),
            Sha256Hex::digest(b"fn f() {}\n")
        );
        assert_eq!(before, Digests::of_bytes(listing.as_bytes()));
        std::fs::write(root.join("src/lib.rs"), "fn g() {}\n").unwrap();
        assert_ne!(digests(root).unwrap(), before);
        assert!(digests(&root.join("missing")).is_none());
    }
}
