//! SPDX 2.3 JSON: the writer ([`mod@write`]), the reader of packages ([`read`]) and, with the
//! `validate` feature, the NTIA checks (`check`).

#[cfg(feature = "validate")]
pub(crate) mod check;
#[cfg(feature = "validate")]
pub(crate) mod facts;
pub mod read;
pub mod write;

use super::{FormatVersion, SbomFormat};

/// The SPDX 2 JSON format.
pub static FORMAT: SbomFormat = SbomFormat {
    id: "spdx-json",
    name: "SPDX",
    summary: "SPDX 2.3 JSON",
    a_name: "an SPDX",
    elements: "packages",
    absent: "no spdxVersion",
    extension: "spdx.json",
    media_type: "application/spdx+json",
    predicate_type: "https://spdx.dev/Document",
    versions: &[FormatVersion {
        name: "2.3",
        declared: "SPDX-2.3",
        #[cfg(feature = "validate")]
        schema: &SCHEMA_2_3,
    }],
    default_version: "2.3",
    version_field: "spdxVersion",
    declared,
    // The packages of every SPDX 2 version are read alike; SPDX 3 is another format.
    reads: |declared| {
        if declared.starts_with("SPDX-2.") {
            Ok(())
        } else {
            Err("SPDX 2 JSON documents")
        }
    },
    write: write::render,
    components: read::components,
    root: read::root,
    #[cfg(feature = "validate")]
    facts: facts::facts,
    #[cfg(feature = "validate")]
    check: check::check_spdx,
};

/// The official SPDX 2.3 schema (see `cargo-sbom/schemas/README.md`).
#[cfg(feature = "validate")]
static SCHEMA_2_3: super::schema::Schema = super::schema::Schema::new(
    "SPDX 2.3",
    include_str!("../../../schemas/spdx-2.3.schema.json"),
);

/// The `spdxVersion` as written.
fn declared(
    document: &serde_json::Map<String, serde_json::Value>,
) -> Option<Result<String, String>> {
    let version = document.get("spdxVersion")?;
    Some(
        version
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "an SPDX document whose spdxVersion is not a string".to_owned()),
    )
}
