//! `attest.toml`: the policy configuration, one section per rule (cargo-deny's vocabulary where
//! the concept is the same). A missing section means that rule's documented defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::rules;
use crate::error::{Error, Result};

/// The configuration file name, at the workspace root.
pub const FILE_NAME: &str = "attest.toml";

/// The whole policy.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// `[sources]`.
    #[serde(default)]
    pub sources: rules::sources::Config,
    /// `[advisories]` (also configures the yanked check).
    #[serde(default)]
    pub advisories: rules::advisories::Config,
    /// `[licenses]`.
    #[serde(default)]
    pub licenses: rules::licenses::Config,
    /// `[bans]`.
    #[serde(default)]
    pub bans: rules::bans::Config,
    /// `[lockfile]`.
    #[serde(default)]
    pub lockfile: rules::lockfile::Config,
    /// `[source-control]`.
    #[serde(default)]
    pub source_control: rules::source_control::Config,
    /// `[build-settings]`.
    #[serde(default)]
    pub build_settings: rules::build_settings::Config,
    /// `[binary-hardening]`.
    #[serde(default)]
    pub binary_hardening: rules::binary_hardening::Config,
    /// `[code]`.
    #[serde(default)]
    pub code: rules::code::Config,
    /// `[ssdf]`: manual evidence and not-applicable tasks of the SSDF report.
    #[serde(default)]
    pub ssdf: crate::ssdf::Config,
}

impl Config {
    /// Reads `path`. Errors name the file, the line and the key.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.to_owned(),
            reason: crate::error::io_reason(&e),
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            Error::Config {
                path: path.to_owned(),
                line,
                reason: e.message().trim().to_owned(),
            }
        })
    }

    /// The configuration for a workspace: `explicit` when given (it must exist), else
    /// `ROOT/attest.toml` when it exists, else the defaults. Returns the file used, if any.
    pub fn load(explicit: Option<&Path>, root: &Path) -> Result<(Self, Option<PathBuf>)> {
        if let Some(path) = explicit {
            return Ok((Self::read(path)?, Some(path.to_owned())));
        }
        let default = root.join(FILE_NAME);
        if default.is_file() {
            return Ok((Self::read(&default)?, Some(default)));
        }
        Ok((Self::default(), None))
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|before| before.matches('\n').count() + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_defaults() {
        Config::parse(Path::new("attest.toml"), "").unwrap();
    }

    #[test]
    fn unknown_sections_name_file_and_line() {
        let err = Config::parse(Path::new("attest.toml"), "\n\n[nonsense]\nx = 1\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("attest.toml:3"), "{text}");
        assert!(text.contains("nonsense"), "{text}");
    }

    #[test]
    fn lines_of_offsets() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
