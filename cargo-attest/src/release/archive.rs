//! Deterministic `.tar.gz` archives of a release, and the safety check `verify-release` runs on
//! archives it did not write.
//!
//! # Writing ([`tar_gz`])
//!
//! * Entries sorted by path (byte order). **No directory entries**: only regular files and
//!   symbolic links, so nothing depends on the directories of the host; extractors create the
//!   parent directories themselves.
//! * Every header: GNU format, mtime = the given epoch (`SOURCE_DATE_EPOCH`, else the commit
//!   time), uid/gid 0, empty user and group names, mode `0644` for files, `0755` for executables
//!   (and symlinks `0777`, as `ln -s` makes them); the builder runs in
//!   [`tar::HeaderMode::Deterministic`]. Long paths and link targets use GNU long-name entries.
//! * gzip: header mtime 0, no file name, compression level 9.
//!
//! # Checking ([`check`])
//!
//! The archive is read with [`tar::Archive::entries`], nothing is extracted. Rejected: absolute
//! paths (`/…`, `\…`, `C:…`), any `..` component, empty or NUL-containing paths, entries outside
//! the expected top-level directory, duplicate paths, device, FIFO, sparse and unknown entry
//! types, symbolic links whose target is absolute or resolves (lexically, from the link's
//! directory) outside the archive root or through another symbolic link of the archive, hard
//! links whose target is absolute or contains `..`, and entries whose path passes through a
//! symbolic link of the archive (extracting them would write through the link).

use std::collections::BTreeSet;
use std::io::{Read, Write};

use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header, HeaderMode};

/// One entry of an archive to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the archive (`/`-separated, relative).
    pub path: String,
    /// What it is.
    pub data: EntryData,
}

/// The content of an [`Entry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryData {
    /// A regular file.
    File {
        /// Its bytes.
        bytes: Vec<u8>,
        /// Whether it is executable (mode `0755`, else `0644`).
        executable: bool,
    },
    /// A symbolic link.
    Symlink {
        /// Its target, as stored.
        target: String,
    },
}

/// The gzip compression level of every archive.
pub const COMPRESSION_LEVEL: u32 = 9;

/// A deterministic `.tar.gz` of `entries` (see the module documentation). `mtime` is seconds
/// since the Unix epoch.
pub fn tar_gz(mut entries: Vec<Entry>, mtime: u64) -> std::io::Result<Vec<u8>> {
    entries.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::new(COMPRESSION_LEVEL));
    let mut builder = tar::Builder::new(gz);
    builder.mode(HeaderMode::Deterministic);
    builder.follow_symlinks(false);
    for entry in &entries {
        let mut header = Header::new_gnu();
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        match &entry.data {
            EntryData::File { bytes, executable } => {
                header.set_entry_type(EntryType::Regular);
                header.set_mode(if *executable { 0o755 } else { 0o644 });
                header.set_size(bytes.len() as u64);
                builder.append_data(&mut header, &entry.path, bytes.as_slice())?;
            }
            EntryData::Symlink { target } => {
                header.set_entry_type(EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                builder.append_link(&mut header, &entry.path, target)?;
            }
        }
    }
    let mut gz = builder.into_inner()?;
    gz.flush()?;
    gz.finish()
}

/// One entry as read back by [`list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedEntry {
    /// The path.
    pub path: String,
    /// The entry type.
    pub kind: EntryType,
    /// The link target of a symbolic or hard link.
    pub link: Option<String>,
    /// The mode bits.
    pub mode: u32,
}

/// Reads the entries of a `.tar.gz` without extracting anything. `Err` when it is not a readable
/// gzip-compressed tar archive.
pub fn list(reader: impl Read) -> Result<Vec<ListedEntry>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let mut listed = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a readable .tar.gz: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("not a readable .tar.gz: {e}"))?;
        let header = entry.header();
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        listed.push(ListedEntry {
            path,
            kind: header.entry_type(),
            link,
            mode: header.mode().unwrap_or(0),
        });
    }
    Ok(listed)
}

/// The problems of a `.tar.gz` whose entries must all lie below the top-level directory
/// `root` (see the module documentation); empty when the archive is safe to extract.
pub fn check(reader: impl Read, root: &str) -> Vec<String> {
    let entries = match list(reader) {
        Ok(entries) => entries,
        Err(problem) => return vec![problem],
    };
    check_entries(&entries, root)
}

/// [`check`] on entries already listed.
pub fn check_entries(entries: &[ListedEntry], root: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let symlinks: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.kind == EntryType::Symlink)
        .map(|e| e.path.trim_end_matches('/'))
        .collect();
    if entries.is_empty() {
        problems.push("the archive is empty".to_owned());
    }
    for entry in entries {
        let path = entry.path.as_str();
        let shown = path.escape_debug().to_string();
        if let Err(problem) = safe_relative(path) {
            problems.push(format!("entry `{shown}`: {problem}"));
            continue;
        }
        let trimmed = path.trim_end_matches('/');
        if trimmed != root && !trimmed.starts_with(&format!("{root}/")) {
            problems.push(format!(
                "entry `{shown}` is outside the archive's directory `{root}/`"
            ));
        }
        if !seen.insert(trimmed.to_owned()) {
            problems.push(format!("entry `{shown}` appears twice"));
        }
        let components: Vec<&str> = components(trimmed);
        for end in 1..components.len() {
            let prefix = components[..end].join("/");
            if symlinks.contains(prefix.as_str()) {
                problems.push(format!(
                    "entry `{shown}` lies below the symbolic link `{prefix}` (extracting it would write through the link)"
                ));
                break;
            }
        }
        match entry.kind {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => {}
            EntryType::Symlink => {
                let target = entry.link.as_deref().unwrap_or_default();
                if let Err(problem) = symlink_target(&components, target, &symlinks) {
                    problems.push(format!(
                        "symbolic link `{shown}` -> `{}`: {problem}",
                        target.escape_debug()
                    ));
                }
            }
            EntryType::Link => {
                let target = entry.link.as_deref().unwrap_or_default();
                if let Err(problem) = safe_relative(target) {
                    problems.push(format!(
                        "hard link `{shown}` -> `{}`: {problem}",
                        target.escape_debug()
                    ));
                }
            }
            EntryType::Char => problems.push(format!("entry `{shown}` is a character device")),
            EntryType::Block => problems.push(format!("entry `{shown}` is a block device")),
            EntryType::Fifo => problems.push(format!("entry `{shown}` is a FIFO")),
            other => problems.push(format!(
                "entry `{shown}` has the unsupported type {:?} ({})",
                other,
                char::from(other.as_byte()).escape_debug()
            )),
        }
    }
    problems
}

/// The non-empty, non-`.` components of a `/`-separated path.
fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// `Ok` for a relative path without `..` components (backslashes count as separators here).
fn safe_relative(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty path".into());
    }
    if path.contains('\0') {
        return Err("the path contains a NUL byte".into());
    }
    let bytes = path.as_bytes();
    if bytes[0] == b'/' || bytes[0] == b'\\' {
        return Err("absolute path".into());
    }
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err("absolute path (drive letter)".into());
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Err("the path contains a `..` component".into());
    }
    Ok(())
}

/// Resolves a symbolic link's target lexically from the link's directory.
fn symlink_target(link: &[&str], target: &str, symlinks: &BTreeSet<&str>) -> Result<(), String> {
    if target.is_empty() {
        return Err("empty target".into());
    }
    if target.contains('\0') {
        return Err("the target contains a NUL byte".into());
    }
    let bytes = target.as_bytes();
    if bytes[0] == b'/'
        || bytes[0] == b'\\'
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err("the target is an absolute path".into());
    }
    let mut resolved: Vec<&str> = link[..link.len().saturating_sub(1)].to_vec();
    let parts: Vec<&str> = target.split(['/', '\\']).collect();
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "" | "." => {}
            ".." => {
                if resolved.pop().is_none() {
                    return Err("the target escapes the archive root".into());
                }
            }
            name => {
                resolved.push(name);
                let more = parts[i + 1..].iter().any(|p| !p.is_empty() && *p != ".");
                if more && symlinks.contains(resolved.join("/").as_str()) {
                    return Err(format!(
                        "the target resolves through the symbolic link `{}`",
                        resolved.join("/")
                    ));
                }
            }
        }
    }
    if resolved.is_empty() {
        // The archive root itself: extracting is harmless, but no release archive needs it.
        return Err("the target is the archive root".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(path: &str, kind: EntryType, link: Option<&str>) -> ListedEntry {
        ListedEntry {
            path: path.into(),
            kind,
            link: link.map(str::to_owned),
            mode: 0o644,
        }
    }

    #[test]
    fn archives_are_deterministic_and_read_back() {
        let entries = vec![
            Entry {
                path: "p-1/b".into(),
                data: EntryData::File {
                    bytes: b"b".to_vec(),
                    executable: true,
                },
            },
            Entry {
                path: "p-1/a".into(),
                data: EntryData::Symlink { target: "b".into() },
            },
            Entry {
                path: format!("p-1/{}", "x".repeat(150)),
                data: EntryData::File {
                    bytes: vec![],
                    executable: false,
                },
            },
        ];
        let one = tar_gz(entries.clone(), 1_700_000_000).unwrap();
        let two = tar_gz(entries.into_iter().rev().collect(), 1_700_000_000).unwrap();
        assert_eq!(one, two);
        // gzip: no mtime (bytes 4..8), no file name flag.
        assert_eq!(&one[4..8], &[0, 0, 0, 0]);
        assert_eq!(one[3] & 0x08, 0);
        let back = list(one.as_slice()).unwrap();
        let paths: Vec<&str> = back.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths[..2], ["p-1/a", "p-1/b"]);
        assert_eq!(paths[2].len(), 154);
        assert_eq!(back[1].mode, 0o755);
        assert!(check(one.as_slice(), "p-1").is_empty());
    }

    #[test]
    fn unsafe_entries_are_rejected() {
        let bad = [
            listed("/etc/passwd", EntryType::Regular, None),
            listed("p/../x", EntryType::Regular, None),
            listed("p/l", EntryType::Symlink, Some("../../etc/passwd")),
            listed("p/abs", EntryType::Symlink, Some("/etc")),
            listed("p/dev", EntryType::Char, None),
            listed("p/fifo", EntryType::Fifo, None),
            listed("q/outside", EntryType::Regular, None),
            listed("p/h", EntryType::Link, Some("../x")),
        ];
        for entry in bad {
            assert!(
                !check_entries(std::slice::from_ref(&entry), "p").is_empty(),
                "{entry:?}"
            );
        }
        // Through another link.
        let chained = [
            listed("p/a", EntryType::Symlink, Some("sub/dir")),
            listed("p/b", EntryType::Symlink, Some("a/../..")),
        ];
        assert_eq!(check_entries(&chained, "p").len(), 1);
        let below = [
            listed("p/a", EntryType::Symlink, Some("..")),
            listed("p/a/x", EntryType::Regular, None),
        ];
        assert!(!check_entries(&below, "p").is_empty());
        let fine = [
            listed("p/src/lib.rs", EntryType::Regular, None),
            listed("p/link", EntryType::Symlink, Some("src/lib.rs")),
            listed("p/src/up", EntryType::Symlink, Some("../link")),
        ];
        assert_eq!(check_entries(&fine, "p"), Vec::<String>::new());
    }
}
