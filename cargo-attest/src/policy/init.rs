//! `cargo attest init`: the commented default `attest.toml`, assembled from the
//! `DEFAULT_CONFIG` section of every rule module, and the workspace root it is written to.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::config::FILE_NAME;
use super::rules;
use crate::error::{Error, Result};

/// The introduction of the generated file.
const HEADER: &str = r#"# attest.toml: the SSDF (NIST SP 800-218) policy of `cargo attest check`.
#
# Every value below is the default: delete what you do not change, or the whole file. A missing
# section, or a missing key, means its default. Unknown keys are errors.
#
# Exit codes of `cargo attest check`: 0 pass (warnings allowed), 1 a `deny` finding,
# 2 a usage, configuration or input error. `--strict` (release context) turns the findings of
# the context rules (source control, …) from `warn` into `deny`.
#
# Rules and the SSDF tasks they give evidence for:
"#;

/// The commented default configuration: a header listing the rules and their SSDF tasks, then
/// every rule's section with every key at its default value.
pub fn default_config() -> String {
    let mut text = HEADER.to_owned();
    for rule in super::RuleId::ALL {
        text.push_str(&format!(
            "#   {:<17} {:<15} {}\n",
            rule.as_str(),
            rule.ssdf_tasks().join(", "),
            rule.description()
        ));
    }
    for section in SECTIONS {
        text.push('\n');
        text.push_str(section.trim_end());
        text.push('\n');
    }
    text
}

/// Each rule module's commented section, in report order.
const SECTIONS: &[&str] = &[
    rules::sources::DEFAULT_CONFIG,
    rules::advisories::DEFAULT_CONFIG,
    rules::licenses::DEFAULT_CONFIG,
    rules::bans::DEFAULT_CONFIG,
    rules::lockfile::DEFAULT_CONFIG,
    rules::source_control::DEFAULT_CONFIG,
    rules::build_settings::DEFAULT_CONFIG,
    rules::binary_hardening::DEFAULT_CONFIG,
    rules::code::DEFAULT_CONFIG,
    crate::ssdf::DEFAULT_CONFIG,
];

/// The root of the workspace of `manifest_path` (or of the current directory), as
/// `cargo locate-project --workspace` reports it.
pub fn workspace_root(manifest_path: Option<&Path>) -> Result<PathBuf> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&program);
    command.args(["locate-project", "--workspace", "--message-format", "plain"]);
    if let Some(path) = manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("could not run cargo locate-project: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::Usage(format!(
            "could not find the workspace: {}",
            stderr.trim().trim_start_matches("error:").trim()
        )));
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(Path::to_owned)
        .ok_or_else(|| Error::Usage(format!("{}: no workspace root", manifest.display())))
}

/// Writes [`default_config`] to `ROOT/attest.toml` atomically; an existing file is replaced only
/// with `force`. Returns the path written.
pub fn write(root: &Path, force: bool) -> Result<PathBuf> {
    let path = root.join(FILE_NAME);
    if !force && path.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to replace it",
            path.display()
        )));
    }
    cargo_sbom::output::write_atomic(&path, default_config().as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Config;

    #[test]
    fn the_default_file_parses_to_the_defaults() {
        let text = default_config();
        let parsed = Config::parse(Path::new(FILE_NAME), &text).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Config::default()));
    }

    #[test]
    fn every_rule_is_listed() {
        let text = default_config();
        for rule in crate::policy::RuleId::ALL {
            assert!(text.contains(rule.as_str()), "{}", rule.as_str());
        }
        // Every section of `Config` (`yanked` is configured in `[advisories]`).
        for section in [
            "sources",
            "advisories",
            "licenses",
            "bans",
            "lockfile",
            "source-control",
            "build-settings",
            "binary-hardening",
            "code",
            "ssdf",
        ] {
            assert!(
                text.lines().any(|l| l.trim() == format!("[{section}]")),
                "[{section}] missing"
            );
        }
    }
}
