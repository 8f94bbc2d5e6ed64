//! The SBOM formats, each described once by an [`SbomFormat`]: what it is called, its file
//! extension, media type and in-toto predicate type, the versions written, how a document
//! declares it, how it is written, how its components and root are read back, and (with the
//! `validate` feature) its schemas and minimum-element checks.
//!
//! Every consumer goes through the descriptor: the writers ([`crate::render`]), `validate`,
//! `diff`, the build hook's documents and `cargo attest`'s builds and releases. A new format is
//! one new module with its `FORMAT` and one line in [`FORMATS`].

pub mod bsi;
pub mod cyclonedx;
#[cfg(feature = "validate")]
pub mod facts;
#[cfg(feature = "validate")]
pub mod problem;
#[cfg(feature = "validate")]
pub mod schema;
pub mod spdx;
pub mod spdx3;

use serde_json::Value;

use crate::document::{Lifecycle, Timestamp};
use crate::graph::ResolvedGraph;
#[cfg(feature = "validate")]
use problem::Problem;

/// Options for writing one document.
#[derive(Clone, Copy, Debug)]
pub struct DocumentOptions {
    /// The format and version.
    pub format: Format,
    /// The creation time.
    pub timestamp: Timestamp,
    /// The lifecycle phase.
    pub lifecycle: Lifecycle,
}

/// A JSON object: a document as the formats read it.
pub type JsonObject = serde_json::Map<String, Value>;

/// Every format, in the order `--format` lists them (the first is the default).
pub static FORMATS: &[&SbomFormat] = &[&cyclonedx::FORMAT, &spdx::FORMAT, &spdx3::FORMAT];

/// One SBOM format family (CycloneDX JSON, SPDX 2 JSON): everything the suite knows about it.
pub struct SbomFormat {
    /// The `--format` value: `cyclonedx-json`.
    pub id: &'static str,
    /// The name in messages: `CycloneDX`.
    pub name: &'static str,
    /// One line for `--format`'s help.
    pub summary: &'static str,
    /// The file name extension of a document: `cdx.json`.
    pub extension: &'static str,
    /// The media type of a document (in-toto byproducts).
    pub media_type: &'static str,
    /// The in-toto predicate type of a statement whose predicate is such a document.
    pub predicate_type: &'static str,
    /// The versions this tool writes and validates, oldest first.
    pub versions: &'static [FormatVersion],
    /// The version written when none is asked for (one of `versions`).
    pub default_version: &'static str,
    /// How messages name the version field: `CycloneDX specVersion`.
    pub version_field: &'static str,
    /// The name with its indefinite article, for messages: `a CycloneDX`, `an SPDX`.
    pub a_name: &'static str,
    /// What the format calls the entries a component becomes: `components`, `packages`.
    pub elements: &'static str,
    /// What a document lacks that is not of this format: `no bomFormat`.
    pub absent: &'static str,
    /// The version a document declares (as written), when the document claims this format;
    /// `Some(Err(reason))` when it claims it but the declaration is malformed.
    pub declared: fn(&JsonObject) -> Option<Result<String, String>>,
    /// Which declared versions [`SbomFormat::components`] can read, and how the error names
    /// them: `Err("SPDX 2 JSON documents")`.
    pub reads: fn(&str) -> Result<(), &'static str>,
    /// Writes the graph in `options.format` (one of this family's versions).
    pub write: fn(&ResolvedGraph, &DocumentOptions) -> Vec<u8>,
    /// The components of a document (the described root among them), as `diff` compares them.
    pub components: fn(&Value) -> Vec<SbomComponent>,
    /// The name and version of the component a document describes.
    pub root: fn(&Value) -> Option<(String, String)>,
    /// The document in the terms of the regulators' profiles (`validate --profile`).
    #[cfg(feature = "validate")]
    pub facts: fn(&Value) -> facts::SbomFacts,
    /// The format's own checks beyond its schema (NTIA minimum elements, references).
    #[cfg(feature = "validate")]
    pub check: fn(&Value, &mut Vec<Problem>),
}

/// One version of a format.
pub struct FormatVersion {
    /// The version as `--spec-version` takes it: `1.6`, `2.3`.
    pub name: &'static str,
    /// The version as a document declares it: `1.6`, `SPDX-2.3`.
    pub declared: &'static str,
    /// The official JSON schema of this version, embedded.
    #[cfg(feature = "validate")]
    pub schema: &'static schema::Schema,
}

impl std::fmt::Debug for SbomFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq for SbomFormat {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for SbomFormat {}

impl SbomFormat {
    /// The format with this `--format` id.
    pub fn by_id(id: &str) -> Option<&'static SbomFormat> {
        FORMATS.iter().copied().find(|f| f.id == id)
    }

    /// The default version of this format.
    pub fn default_format(&'static self) -> Format {
        let version = self
            .versions
            .iter()
            .find(|v| v.name == self.default_version)
            .unwrap_or(&self.versions[0]);
        Format {
            family: self,
            version,
        }
    }

    /// This format in version `name` (as `--spec-version` writes it), if it is written.
    pub fn version(&'static self, name: &str) -> Option<Format> {
        self.versions
            .iter()
            .find(|v| v.name == name)
            .map(|version| Format {
                family: self,
                version,
            })
    }

    /// The written versions, as a choice for messages: `1.5, 1.6 or 1.7`.
    pub fn version_names(&self) -> String {
        word_list(self.versions.iter().map(|v| v.name), "or")
    }
}

/// A format in one version: what to write.
#[derive(Clone, Copy)]
pub struct Format {
    /// The format family.
    pub family: &'static SbomFormat,
    /// The version.
    pub version: &'static FormatVersion,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.family.id, self.version.name)
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.family == other.family && self.version.name == other.version.name
    }
}

impl Eq for Format {}

impl Format {
    /// `CycloneDX 1.6`, `SPDX 2.3`.
    pub fn label(&self) -> String {
        format!("{} {}", self.family.name, self.version.name)
    }

    /// The file name extension: `cdx.json`.
    pub fn extension(&self) -> &'static str {
        self.family.extension
    }

    /// The file name of a document of this format: `STEM.cdx.json`.
    pub fn file_name(&self, stem: &str) -> String {
        format!("{stem}.{}", self.family.extension)
    }
}

/// A component as read back from a document (by `diff`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SbomComponent {
    /// The name.
    pub name: String,
    /// The version (empty when the document gives none).
    pub version: String,
    /// The package URL, when given.
    pub purl: Option<String>,
    /// The declared license expression, when given.
    pub license: Option<String>,
    /// The SHA-256, lowercase hex, when given.
    pub sha256: Option<String>,
}

/// What a document says it is: its format and the version it declares (as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub family: &'static SbomFormat,
    /// The declared version, as written (`1.4`, `SPDX-2.3`).
    pub declared: String,
}

impl Detected {
    /// The written version this document is in; `Err` names the supported ones.
    pub fn format(&self) -> Result<Format, String> {
        self.family
            .versions
            .iter()
            .find(|v| v.declared == self.declared)
            .map(|version| Format {
                family: self.family,
                version,
            })
            .ok_or_else(|| {
                let supported: Vec<&str> =
                    self.family.versions.iter().map(|v| v.declared).collect();
                format!(
                    "{} `{}` is not supported; supported {} {}",
                    self.family.version_field,
                    truncate(&self.declared, 40),
                    if supported.len() == 1 { "is" } else { "are" },
                    word_list(supported.into_iter(), "and")
                )
            })
    }

    /// The components, when the family can read this version.
    pub fn components(&self, document: &Value) -> Result<Vec<SbomComponent>, String> {
        (self.family.reads)(&self.declared).map_err(|supported| {
            format!(
                "{} `{}` is not supported; supported are {supported}",
                self.family.version_field,
                truncate(&self.declared, 40)
            )
        })?;
        Ok((self.family.components)(document))
    }
}

/// Recognises a document by its own declaration; `Err` says why it is none of [`FORMATS`].
pub fn detect(document: &Value) -> Result<Detected, String> {
    let names = || {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.a_name).collect();
        names.join(" nor ")
    };
    let Some(object) = document.as_object() else {
        return Err(format!(
            "a {} is neither {} document (expected a JSON object)",
            json_type(document),
            names()
        ));
    };
    for family in FORMATS {
        if let Some(declared) = (family.declared)(object) {
            return declared.map(|declared| Detected { family, declared });
        }
    }
    let absent: Vec<String> = FORMATS
        .iter()
        .map(|f| format!("{} document ({})", f.a_name, f.absent))
        .collect();
    Err(format!("neither {}", absent.join(" nor ")))
}

/// `a, b and c` (or `a, b or c`, by `word`).
fn word_list<'a>(items: impl Iterator<Item = &'a str>, word: &str) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// Cuts `text` to about `max` characters, keeping its beginning and its end (where validator
/// messages such as "… has non-unique elements" say what is wrong) and how much was left out.
pub fn truncate(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    let tail = max / 3;
    let head: String = text.chars().take(max - tail).collect();
    let end: String = text.chars().skip(total - tail).collect();
    format!("{head} … ({} characters left out) … {end}", total - max)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A non-empty (after trimming) string value.
pub fn text(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A non-empty (after trimming) string value, trimmed and owned.
pub(crate) fn string(value: Option<&Value>) -> Option<String> {
    text(value).map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_recognised_by_their_declaration() {
        let cdx = detect(&json!({"bomFormat": "CycloneDX", "specVersion": "1.6"})).unwrap();
        assert_eq!(cdx.family.id, "cyclonedx-json");
        assert_eq!(cdx.format().unwrap().label(), "CycloneDX 1.6");
        let spdx = detect(&json!({"spdxVersion": "SPDX-2.3"})).unwrap();
        assert_eq!(spdx.format().unwrap().label(), "SPDX 2.3");
        let old = detect(&json!({"bomFormat": "CycloneDX", "specVersion": "1.4"})).unwrap();
        assert_eq!(
            old.format().unwrap_err(),
            "CycloneDX specVersion `1.4` is not supported; supported are 1.5, 1.6 and 1.7"
        );
        assert!(old.components(&json!({})).is_ok());
        let spdx22 = detect(&json!({"spdxVersion": "SPDX-2.2"})).unwrap();
        assert_eq!(
            spdx22.format().unwrap_err(),
            "spdxVersion `SPDX-2.2` is not supported; supported is SPDX-2.3"
        );
        assert!(spdx22.components(&json!({})).is_ok());
        let spdx3 = detect(&json!({"spdxVersion": "SPDX-3.0"})).unwrap();
        assert!(spdx3.components(&json!({})).is_err());
        assert_eq!(
            detect(&json!({"hello": 1})).unwrap_err(),
            "neither a CycloneDX document (no bomFormat) nor an SPDX document (no spdxVersion) \
             nor an SPDX 3 document (no @context)"
        );
        assert_eq!(
            detect(&json!([1])).unwrap_err(),
            "a array is neither a CycloneDX nor an SPDX nor an SPDX 3 document (expected a JSON object)"
        );
    }

    #[test]
    fn every_format_is_complete() {
        for family in FORMATS {
            assert!(!family.versions.is_empty(), "{}", family.id);
            assert!(
                family
                    .versions
                    .iter()
                    .any(|v| v.name == family.default_version),
                "{}",
                family.id
            );
            assert_eq!(SbomFormat::by_id(family.id), Some(*family));
            assert!(family.extension.ends_with(".json"), "{}", family.id);
            for version in family.versions {
                let format = family.version(version.name).unwrap();
                assert_eq!(format.family, *family);
            }
        }
    }
}
