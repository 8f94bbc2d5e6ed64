//! SPDX 3.0.1 JSON-LD (Core, Software and SimpleLicensing profiles): the writer
//! ([`mod@write`]), the reader of packages ([`read`]) and, with the `validate` feature, the
//! checks beyond the schema (`check`).

#[cfg(feature = "validate")]
pub(crate) mod check;
#[cfg(feature = "validate")]
pub(crate) mod facts;
pub mod read;
pub mod write;

use serde_json::Value;

use super::{FormatVersion, JsonObject, SbomFormat};

/// The JSON-LD context every SPDX 3.0.1 document names.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

/// The SPDX 3 JSON-LD format.
pub static FORMAT: SbomFormat = SbomFormat {
    id: "spdx3-json",
    name: "SPDX",
    summary: "SPDX 3.0.1 JSON-LD",
    a_name: "an SPDX 3",
    elements: "software_Package elements",
    absent: "no @context",
    extension: "spdx3.json",
    media_type: "application/spdx+json",
    predicate_type: "https://spdx.dev/Document/v3",
    versions: &[FormatVersion {
        name: "3.0.1",
        declared: "3.0.1",
        #[cfg(feature = "validate")]
        schema: &SCHEMA_3_0_1,
    }],
    default_version: "3.0.1",
    version_field: "SPDX 3 specVersion",
    declared,
    reads: |declared| {
        if declared.starts_with("3.") {
            Ok(())
        } else {
            Err("SPDX 3 JSON-LD documents")
        }
    },
    write: write::render,
    components: read::components,
    root: read::root,
    #[cfg(feature = "validate")]
    facts: facts::facts,
    #[cfg(feature = "validate")]
    check: check::check_spdx3,
};

/// The official SPDX 3.0.1 schema (see `cargo-sbom/schemas/README.md`).
#[cfg(feature = "validate")]
static SCHEMA_3_0_1: super::schema::Schema = super::schema::Schema::new(
    "SPDX 3.0.1",
    include_str!("../../../schemas/spdx-3.0.1.schema.json"),
);

/// A document claims SPDX 3 by an `@context` on spdx.org's RDF namespace; its version is the
/// `specVersion` of its creation info.
fn declared(document: &JsonObject) -> Option<Result<String, String>> {
    let context = document.get("@context")?;
    let Some(context) = context.as_str() else {
        return Some(Err(
            "an SPDX 3 document's @context must be the one string of the SPDX context URL"
                .to_owned(),
        ));
    };
    let Some(rest) = context.strip_prefix("https://spdx.org/rdf/") else {
        return Some(Err(format!(
            "@context `{}` is not an SPDX 3 context (https://spdx.org/rdf/3.0.1/spdx-context.jsonld)",
            super::truncate(context, 80)
        )));
    };
    let from_context = rest.split('/').next().unwrap_or_default().to_owned();
    let declared = read::creation_infos(document)
        .find_map(|info| info.get("specVersion").and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or(from_context);
    Some(Ok(declared))
}
