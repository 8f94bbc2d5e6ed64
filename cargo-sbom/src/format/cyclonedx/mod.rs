//! CycloneDX JSON, specification 1.5, 1.6 and 1.7: the writer ([`mod@write`]), the reader of
//! components ([`read`]) and, with the `validate` feature, the NTIA checks (`check`).

#[cfg(feature = "validate")]
pub(crate) mod check;
#[cfg(feature = "validate")]
pub(crate) mod facts;
pub mod read;
pub mod write;

use super::{FormatVersion, SbomFormat};

/// The CycloneDX JSON format.
pub static FORMAT: SbomFormat = SbomFormat {
    id: "cyclonedx-json",
    name: "CycloneDX",
    summary: "CycloneDX JSON (see --spec-version)",
    a_name: "a CycloneDX",
    elements: "components",
    absent: "no bomFormat",
    extension: "cdx.json",
    media_type: "application/vnd.cyclonedx+json",
    predicate_type: "https://cyclonedx.org/bom",
    versions: &[
        FormatVersion {
            name: "1.5",
            declared: "1.5",
            #[cfg(feature = "validate")]
            schema: &schemas::V1_5,
        },
        FormatVersion {
            name: "1.6",
            declared: "1.6",
            #[cfg(feature = "validate")]
            schema: &schemas::V1_6,
        },
        FormatVersion {
            name: "1.7",
            declared: "1.7",
            #[cfg(feature = "validate")]
            schema: &schemas::V1_7,
        },
    ],
    // The version most consumers read today.
    default_version: "1.6",
    version_field: "CycloneDX specVersion",
    declared,
    // Components are read the same way from every CycloneDX version.
    reads: |_| Ok(()),
    write: write::render,
    components: read::components,
    root: read::root,
    #[cfg(feature = "validate")]
    facts: facts::facts,
    #[cfg(feature = "validate")]
    check: check::check_cyclonedx,
};

/// `bomFormat: "CycloneDX"` and the `specVersion` as written.
fn declared(
    document: &serde_json::Map<String, serde_json::Value>,
) -> Option<Result<String, String>> {
    let format = document.get("bomFormat")?;
    if format.as_str() != Some("CycloneDX") {
        let shown = super::truncate(&format.to_string(), 40);
        return Some(Err(format!("bomFormat is {shown}, not \"CycloneDX\"")));
    }
    Some(
        document
            .get("specVersion")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "a CycloneDX document without a specVersion string".to_owned()),
    )
}

/// Every component with its JSON pointer, in document order: `metadata.component` and what
/// it nests, then `components` and what they nest (objects only).
pub(crate) fn components_at(document: &serde_json::Value) -> Vec<(String, &serde_json::Value)> {
    let mut components = Vec::new();
    let root = document
        .get("metadata")
        .and_then(|m| m.get("component"))
        .filter(|c| c.is_object());
    if let Some(root) = root {
        components.push(("/metadata/component".to_owned(), root));
        collect_nested(root, "/metadata/component", "components", &mut components);
    }
    collect_nested(document, "", "components", &mut components);
    components
}

/// Collects `parent[key][i]` and their own `key` children, recursively, with JSON pointers.
pub(crate) fn collect_nested<'a>(
    parent: &'a serde_json::Value,
    pointer: &str,
    key: &str,
    out: &mut Vec<(String, &'a serde_json::Value)>,
) {
    let children = parent.get(key).and_then(serde_json::Value::as_array);
    for (i, child) in children.into_iter().flatten().enumerate() {
        if child.is_object() {
            let child_pointer = format!("{pointer}/{key}/{i}");
            out.push((child_pointer.clone(), child));
            collect_nested(child, &child_pointer, key, out);
        }
    }
}

/// CycloneDX specification versions, for what differs between them in the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CycloneDxVersion {
    /// 1.5
    V1_5,
    /// 1.6
    V1_6,
    /// 1.7
    V1_7,
}

impl CycloneDxVersion {
    /// The `specVersion` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CycloneDxVersion::V1_5 => "1.5",
            CycloneDxVersion::V1_6 => "1.6",
            CycloneDxVersion::V1_7 => "1.7",
        }
    }

    /// Parses a `specVersion` string.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1.5" => Some(Self::V1_5),
            "1.6" => Some(Self::V1_6),
            "1.7" => Some(Self::V1_7),
            _ => None,
        }
    }

    /// This version as a [`super::Format`] to write.
    pub fn format(self) -> super::Format {
        FORMAT
            .version(self.as_str())
            .unwrap_or_else(|| FORMAT.default_format())
    }
}

/// The official schemas (see `cargo-sbom/schemas/README.md` for sources and licences).
#[cfg(feature = "validate")]
mod schemas {
    use crate::format::schema::Schema;

    /// The base URI of the CycloneDX schemas (their `$id`s), against which their relative
    /// `$ref`s such as `spdx.SNAPSHOT.schema.json` resolve.
    const BASE: &str = "http://cyclonedx.org/schema/";

    /// The schemas the CycloneDX schemas reference, under the file names they use.
    const SHARED: &[(&str, &str)] = &[
        (
            "spdx.SNAPSHOT.schema.json",
            include_str!("../../../schemas/spdx.SNAPSHOT.schema.json"),
        ),
        (
            "jsf-0.82.SNAPSHOT.schema.json",
            include_str!("../../../schemas/jsf-0.82.SNAPSHOT.schema.json"),
        ),
        (
            "cryptography-defs.SNAPSHOT.schema.json",
            include_str!("../../../schemas/cryptography-defs.SNAPSHOT.schema.json"),
        ),
    ];

    pub(super) static V1_5: Schema = Schema::with_references(
        "CycloneDX 1.5",
        include_str!("../../../schemas/bom-1.5.SNAPSHOT.schema.json"),
        BASE,
        SHARED,
    );
    pub(super) static V1_6: Schema = Schema::with_references(
        "CycloneDX 1.6",
        include_str!("../../../schemas/bom-1.6.SNAPSHOT.schema.json"),
        BASE,
        SHARED,
    );
    pub(super) static V1_7: Schema = Schema::with_references(
        "CycloneDX 1.7",
        include_str!("../../../schemas/bom-1.7.SNAPSHOT.schema.json"),
        BASE,
        SHARED,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_version_has_a_writer_version() {
        for version in FORMAT.versions {
            let parsed = CycloneDxVersion::parse(version.name);
            assert_eq!(parsed.map(CycloneDxVersion::as_str), Some(version.name));
            assert_eq!(parsed.map(|v| v.format().version.name), Some(version.name));
        }
        assert!(CycloneDxVersion::parse(FORMAT.default_version).is_some());
        assert_eq!(CycloneDxVersion::parse("1.4"), None);
    }
}
