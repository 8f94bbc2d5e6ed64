//! Where things are declared, as queries over the spanned TOML of [`cargo_sbom::spanned`]: a
//! dependency in a manifest, a package in `Cargo.lock`. (Keys of `attest.toml` are located by
//! [`crate::config::Config::key_line`], profile keys and flags by their rules, the same way.)

use std::path::Path;

use cargo_sbom::spanned::{Entry, TomlFile};

use crate::error::{Error, Result};

/// The lockfile name, at the workspace root.
pub const LOCKFILE: &str = "Cargo.lock";

/// Reads a TOML file a rule needs the content of: its values and their positions, from one
/// parse; an unreadable file or bad TOML is an error naming the file.
pub fn read_toml(path: &Path) -> Result<(toml::Table, TomlFile)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, &e))?;
    parse_toml(path, &text)
}

/// `text`, the content of `path`, parsed as [`read_toml`] parses it.
pub fn parse_toml(path: &Path, text: &str) -> Result<(toml::Table, TomlFile)> {
    TomlFile::parse_into(text).map_err(|e| Error::Malformed {
        path: path.to_owned(),
        reason: e.message,
    })
}

/// The dependency tables of a manifest: `[dependencies]`, `[dev-dependencies]`,
/// `[build-dependencies]` (and their `dev_dependencies` spellings), the same under
/// `[target.'cfg(…)']`, and `[workspace.dependencies]`.
fn dependency_tables(manifest: &TomlFile) -> Vec<&Entry> {
    const KINDS: [&str; 5] = [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "dev_dependencies",
        "build_dependencies",
    ];
    let root = manifest.root();
    let mut tables: Vec<&Entry> = KINDS.iter().filter_map(|k| root.entry(k)).collect();
    if let Some(targets) = root.entry("target") {
        for target in targets.node.entries() {
            tables.extend(KINDS.iter().filter_map(|k| target.node.entry(k)));
        }
    }
    if let Some(workspace) = root.entry("workspace") {
        tables.extend(workspace.node.entry("dependencies"));
    }
    tables
}

/// The 1-based line of the first declaration of dependency `name` in a manifest: `name = …`,
/// `name.workspace = …`, `[dependencies.name]` (in any dependency table), or a renamed entry
/// whose `package = "name"`.
pub fn dependency_line(manifest: &TomlFile, name: &str) -> Option<usize> {
    dependency_tables(manifest)
        .into_iter()
        .flat_map(|table| table.node.entries())
        .filter(|dep| dep.key == name || dep.node.str_of("package") == Some(name))
        .map(|dep| manifest.line(dep.key_span.start))
        .min()
}

/// The 1-based line of the `[[package]]` header of `name` `version` in a lockfile.
pub fn package_line(lockfile: &TomlFile, name: &str, version: &str) -> Option<usize> {
    packages(lockfile)
        .find(|(n, v, _)| *n == name && *v == version)
        .map(|(_, _, line)| line)
}

fn packages(lockfile: &TomlFile) -> impl Iterator<Item = (&str, &str, usize)> {
    lockfile
        .root()
        .entry("package")
        .map(|e| e.node.elements())
        .unwrap_or_default()
        .iter()
        .filter_map(|package| {
            Some((
                package.str_of("name")?,
                package.str_of("version")?,
                lockfile.node_line(package),
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[package]
name = "app"

[dependencies]
serde = "1"
numfmt = { package = "itoa", version = "0.4" }
tokio.workspace = true

[target.'cfg(unix)'.dependencies.libc]
version = "0.2"

[dev-dependencies]
"quoted" = "1"
"#;

    #[test]
    fn finds_declarations() {
        let manifest = TomlFile::parse(MANIFEST).unwrap();
        let line = |name| dependency_line(&manifest, name);
        assert_eq!(line("serde"), Some(5));
        assert_eq!(line("itoa"), Some(6));
        assert_eq!(line("numfmt"), Some(6));
        assert_eq!(line("tokio"), Some(7));
        assert_eq!(line("libc"), Some(9));
        assert_eq!(line("quoted"), Some(13));
        assert_eq!(line("app"), None);
        assert_eq!(line("version"), None);
    }

    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                        [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"x\"\n\
                        dependencies = [\n \"a\",\n]\n\n[metadata]\nname = \"z\"\nversion = \"9\"\n";

    #[test]
    fn lockfile_lines_point_at_package_entries() {
        let lock = TomlFile::parse(LOCK).unwrap();
        assert_eq!(package_line(&lock, "a", "1.0.0"), Some(3));
        assert_eq!(package_line(&lock, "b", "2.0.0"), Some(7));
        // `[metadata]` is no package.
        assert_eq!(package_line(&lock, "z", "9"), None);
        assert_eq!(package_line(&lock, "b", "9.9.9"), None);
    }
}
