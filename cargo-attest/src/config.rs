//! The machinery of `attest.toml`: a file of independent sections, each declared by the module
//! that reads it (a [`SectionDef`]), parsed once with the position of every key.
//!
//! Which sections exist is not known here: [`crate::attest_toml`] lists them (every policy
//! rule's, the SSDF report's) and hands the list to [`Config::parse`]. A module reads its own
//! section with [`Config::get`]; a section missing from the file is its defaults.

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cargo_sbom::spanned::TomlFile;
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use toml::de::ValueDeserializer;

use crate::error::{Error, Result};

/// The configuration file name, at the workspace root.
pub const FILE_NAME: &str = "attest.toml";

/// The value of a section: what [`SectionDef`] parses into.
pub trait Section: DeserializeOwned + Default + fmt::Debug + Send + Sync + 'static {}

impl<T: DeserializeOwned + Default + fmt::Debug + Send + Sync + 'static> Section for T {}

/// A section of `attest.toml`: its name, the commented default text `cargo attest init` writes,
/// and its value type.
pub struct SectionDef<T> {
    name: &'static str,
    default_text: &'static str,
    default: OnceLock<T>,
}

impl<T: Section> SectionDef<T> {
    /// The section `[name]`, whose every key at its default is `default_text` (TOML with
    /// comments, starting with a comment line and the `[name]` header).
    pub const fn new(name: &'static str, default_text: &'static str) -> Self {
        Self {
            name,
            default_text,
            default: OnceLock::new(),
        }
    }

    fn default_value(&self) -> &T {
        self.default.get_or_init(T::default)
    }
}

/// A section of any type, as the list of sections holds it.
pub trait AnySection: Sync {
    /// The section's name (`sources`).
    fn name(&self) -> &'static str;
    /// The commented default text of the section.
    fn default_text(&self) -> &'static str;
    /// Deserialises the section's value.
    fn parse(
        &self,
        value: ValueDeserializer<'_>,
    ) -> std::result::Result<Box<dyn SectionValue>, toml::de::Error>;
    /// The section at its defaults.
    fn defaults(&self) -> Box<dyn SectionValue>;
}

impl<T: Section> AnySection for SectionDef<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn default_text(&self) -> &'static str {
        self.default_text
    }

    fn parse(
        &self,
        value: ValueDeserializer<'_>,
    ) -> std::result::Result<Box<dyn SectionValue>, toml::de::Error> {
        T::deserialize(value).map(|v| Box::new(v) as Box<dyn SectionValue>)
    }

    fn defaults(&self) -> Box<dyn SectionValue> {
        Box::new(T::default())
    }
}

/// A parsed section, of its own type.
pub trait SectionValue: fmt::Debug + Send + Sync {
    /// For the downcast in [`Config::get`].
    fn as_any(&self) -> &dyn Any;
}

// Only section types: a blanket impl over every `Any` would also cover the boxes themselves.
impl<T: Section> SectionValue for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A configuration: every listed section, parsed or at its defaults, and the file it came from.
pub struct Config {
    sections: Vec<(&'static str, Box<dyn SectionValue>)>,
    file: Option<ConfigFile>,
}

/// The file a configuration was read from.
struct ConfigFile {
    path: PathBuf,
    spans: TomlFile,
    /// The sections as written, as JSON (for reports that show the configuration in force).
    raw: serde_json::Map<String, serde_json::Value>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The values only: a file that spells out every default equals no file.
        f.debug_map()
            .entries(self.sections.iter().map(|(name, value)| (name, value)))
            .finish()
    }
}

impl Config {
    /// Every section of `sections` at its defaults (no file).
    pub fn defaults(sections: &[&'static dyn AnySection]) -> Self {
        Self {
            sections: sections.iter().map(|s| (s.name(), s.defaults())).collect(),
            file: None,
        }
    }

    /// Parses the text of the file at `path` into `sections`. Errors name the file, the line
    /// and the key; an unknown section is an error.
    pub fn parse(path: &Path, text: &str, sections: &[&'static dyn AnySection]) -> Result<Self> {
        let error = |line: Option<usize>, reason: String| Error::Config {
            path: path.to_owned(),
            line,
            reason,
        };
        let (spans, table) = TomlFile::parse_table(text).map_err(|e| error(e.line, e.message))?;
        // Every section at its defaults, replaced by the file's in file order (the parsed map
        // is sorted by key), so the problem reported is the first one in the file.
        let mut values: Vec<(&'static str, Box<dyn SectionValue>)> =
            sections.iter().map(|s| (s.name(), s.defaults())).collect();
        let mut raw = serde_json::Map::new();
        let mut written: Vec<_> = table.into_inner().into_iter().collect();
        written.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in written {
            let name = key.get_ref().as_ref();
            let Some(at) = sections.iter().position(|s| s.name() == name) else {
                let names: Vec<String> =
                    sections.iter().map(|s| format!("`{}`", s.name())).collect();
                return Err(error(
                    Some(spans.line(key.span().start)),
                    format!(
                        "unknown field `{name}`, expected one of {}",
                        names.join(", ")
                    ),
                ));
            };
            // As written, for reports: from the same parse.
            let written = toml::Value::deserialize(ValueDeserializer::from(value.clone()));
            if let Some(json) = written.ok().and_then(|v| serde_json::to_value(v).ok()) {
                raw.insert(name.to_owned(), json);
            }
            values[at].1 = sections[at]
                .parse(ValueDeserializer::from(value))
                .map_err(|e| error(spans.error_line(&e), e.message().trim().to_owned()))?;
        }
        Ok(Self {
            sections: values,
            file: Some(ConfigFile {
                path: path.to_owned(),
                spans,
                raw,
            }),
        })
    }

    /// Reads and parses the file at `path`.
    pub fn read(path: &Path, sections: &[&'static dyn AnySection]) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, &e))?;
        Self::parse(path, &text, sections)
    }

    /// The value of a section (its defaults when it was not listed when parsing).
    pub fn get<T: Section>(&self, section: &'static SectionDef<T>) -> &T {
        self.sections
            .iter()
            .find(|(name, _)| *name == section.name)
            .and_then(|(_, value)| value.as_ref().as_any().downcast_ref::<T>())
            .unwrap_or_else(|| section.default_value())
    }

    /// The file the configuration was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    /// The positions of the file's keys and values, if read from a file.
    pub fn spans(&self) -> Option<&TomlFile> {
        self.file.as_ref().map(|f| &f.spans)
    }

    /// The line of the key at `path` in the file.
    pub fn key_line(&self, path: &[&str]) -> Option<usize> {
        self.spans()?.key_line(path)
    }

    /// A section as written in the file, as JSON (`None` without a file or without the section).
    pub fn raw_section(&self, name: &str) -> Option<&serde_json::Value> {
        self.file.as_ref()?.raw.get(name)
    }

    /// An error about the value of `key_path` (`["advisories", "db-path"]`), located in the
    /// file when there is one.
    pub fn error_at(&self, key_path: &[&str], reason: String) -> Error {
        Error::Config {
            path: self
                .path()
                .map(Path::to_owned)
                .unwrap_or_else(|| PathBuf::from(FILE_NAME)),
            line: self.key_line(key_path),
            reason,
        }
    }
}
