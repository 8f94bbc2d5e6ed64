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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::digest::{Digests, DigestsHasher, Sha256Hex};

/// The method's name, written beside the digests.
pub const METHOD: &str = "cargo-sbom-source-v1";

/// At most this many files are hashed: a package directory holding more is not a package
/// source (a mistaken path, a home directory), and gets no digest.
const MAX_FILES: usize = 100_000;

/// The SHA-256 of files hashed ahead of time, by absolute path: the workspace's files are
/// hashed while `cargo metadata` runs ([`FileHashes::prehash`]), on the core it leaves idle.
#[derive(Debug, Default)]
pub struct FileHashes(HashMap<PathBuf, Sha256Hex>);

impl FileHashes {
    /// Hashes the files below `root` that a package source may hold (not hidden entries, not
    /// `target` directories; nested packages included, since members are nested packages),
    /// until `stop` is set or 100,000 files are hashed: what is left is hashed when needed.
    pub fn prehash(root: &Path, stop: &AtomicBool) -> Self {
        let mut hashes = HashMap::new();
        let mut pending = vec![root.to_owned()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if stop.load(Ordering::Relaxed) || hashes.len() >= MAX_FILES {
                    return Self(hashes);
                }
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') {
                    continue;
                }
                let path = entry.path();
                match kind(&entry) {
                    Some(Kind::Directory) if name != "target" => pending.push(path),
                    Some(Kind::File) => {
                        if let Ok(digest) = Sha256Hex::of_file(&path) {
                            hashes.insert(path, digest);
                        }
                    }
                    _ => {}
                }
            }
        }
        Self(hashes)
    }
}

/// The digests of the package source in `dir` ([`METHOD`]), with the file hashes `known`
/// ahead of time; `None` when it cannot be read.
pub fn digests(dir: &Path, known: &FileHashes) -> Option<Digests> {
    let mut files = Vec::new();
    collect(dir, "", true, &mut files)?;
    files.sort_unstable();
    let mut hasher = DigestsHasher::default();
    for path in &files {
        let file = dir.join(path);
        let digest = match known.0.get(&file) {
            Some(digest) => digest.clone(),
            None => Sha256Hex::of_file(&file).ok()?,
        };
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
        let relative = format!("{prefix}{name}");
        match kind(&entry)? {
            Kind::Directory if name != "target" => {
                collect(&entry.path(), &format!("{relative}/"), false, files)?;
            }
            Kind::File => {
                if files.len() >= MAX_FILES {
                    return None;
                }
                files.push(relative);
            }
            Kind::Directory | Kind::Other => {}
        }
    }
    Some(())
}

/// What a directory entry is.
enum Kind {
    Directory,
    File,
    Other,
}

/// The kind of an entry, from the directory listing itself; a symbolic link is followed, as
/// `cargo package` does. `None` when it cannot be read.
fn kind(entry: &std::fs::DirEntry) -> Option<Kind> {
    let mut file_type = entry.file_type().ok()?;
    if file_type.is_symlink() {
        file_type = std::fs::metadata(entry.path()).ok()?.file_type();
    }
    Some(if file_type.is_dir() {
        Kind::Directory
    } else if file_type.is_file() {
        Kind::File
    } else {
        Kind::Other
    })
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
        let none = FileHashes::default();
        let before = digests(root, &none).unwrap();
        // Left out: hidden entries, target directories, nested packages.
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("target/debug/x"), "x").unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "x").unwrap();
        std::fs::create_dir_all(root.join("inner")).unwrap();
        std::fs::write(root.join("inner/Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(digests(root, &none).unwrap(), before);
        // Hashed ahead of time, the same digests.
        let known = FileHashes::prehash(root, &AtomicBool::new(false));
        assert!(known.0.contains_key(&root.join("src/lib.rs")));
        assert!(!known.0.keys().any(|p| p.starts_with(root.join("target"))));
        assert_eq!(digests(root, &known).unwrap(), before);
        assert!(
            FileHashes::prehash(root, &AtomicBool::new(true))
                .0
                .is_empty()
        );
        let listing = format!(
            "{}  Cargo.toml\n{}  src/lib.rs\n",
            Sha256Hex::digest(b"[package]\n"),
            Sha256Hex::digest(b"fn f() {}\n")
        );
        assert_eq!(before, Digests::of_bytes(listing.as_bytes()));
        std::fs::write(root.join("src/lib.rs"), "fn g() {}\n").unwrap();
        assert_ne!(digests(root, &none).unwrap(), before);
        assert!(digests(&root.join("missing"), &none).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("real.rs"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("real.rs"), root.join("link.rs")).unwrap();
        let listing = format!("{0}  link.rs\n{0}  real.rs\n", Sha256Hex::digest(b"x"));
        let expected = Digests::of_bytes(listing.as_bytes());
        assert_eq!(digests(root, &FileHashes::default()).unwrap(), expected);
        let known = FileHashes::prehash(root, &AtomicBool::new(false));
        assert_eq!(known.0.len(), 2);
        assert_eq!(digests(root, &known).unwrap(), expected);
    }
}
