//! Finding the manifest line a finding is about: where a dependency is declared.

use std::path::Path;

use super::finding::FileLine;

/// The 1-based line of the first declaration of dependency `name` in a manifest's text:
/// `name = …`, `name.workspace = …`, `[dependencies.name]` (and the other dependency tables), or
/// a renamed entry whose `package = "name"`.
pub fn dependency_line(manifest: &str, name: &str) -> Option<usize> {
    let mut in_dependency_table = false;
    for (index, line) in manifest.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            let table = header.rsplit('.').next().unwrap_or(header);
            in_dependency_table = header.ends_with("dependencies");
            // `[dependencies.name]`, `[target.'cfg(unix)'.dev-dependencies.name]`.
            if !in_dependency_table && table == name && header.contains("dependencies.") {
                return Some(index + 1);
            }
            continue;
        }
        if !in_dependency_table {
            continue;
        }
        let key = trimmed
            .split(['=', '.'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let renamed_to_name = trimmed.contains(&format!("package = \"{name}\""));
        if key == name || renamed_to_name {
            return Some(index + 1);
        }
    }
    None
}

/// The location of a dependency declaration in the manifest at `manifest_path` (whose text is
/// read), reported relative to `root`.
pub fn dependency_location(root: &Path, manifest_path: &Path, name: &str) -> Option<FileLine> {
    let text = std::fs::read_to_string(manifest_path).ok()?;
    let line = dependency_line(&text, name)?;
    let path = cargo_sbom::graph::relative_path(manifest_path, root);
    Some(FileLine {
        path,
        line: Some(line),
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
        assert_eq!(dependency_line(MANIFEST, "serde"), Some(5));
        assert_eq!(dependency_line(MANIFEST, "itoa"), Some(6));
        assert_eq!(dependency_line(MANIFEST, "numfmt"), Some(6));
        assert_eq!(dependency_line(MANIFEST, "tokio"), Some(7));
        assert_eq!(dependency_line(MANIFEST, "libc"), Some(9));
        assert_eq!(dependency_line(MANIFEST, "quoted"), Some(13));
        assert_eq!(dependency_line(MANIFEST, "app"), None);
        assert_eq!(dependency_line(MANIFEST, "version"), None);
    }
}
