//! `cargo sbom validate`: official schema and NTIA minimum elements.
//!
//! A file is first recognised by its own declaration (`bomFormat`/`specVersion` for CycloneDX,
//! `spdxVersion` for SPDX) and then checked in two independent passes, whose problems are all
//! reported:
//!
//! 1. **Schema.** The official JSON schema of its version — CycloneDX 1.5, 1.6 or 1.7, or SPDX
//!    2.3 — embedded in the binary (see `cargo-sbom/schemas/README.md` for sources and licences),
//!    with format checks (`date-time`, `iri-reference`, `email`, …). A schema is compiled only
//!    when a document of its version is seen, once per process.
//! 2. **NTIA minimum elements and references.**
//!    - every component (CycloneDX `metadata.component` and `components`, nested ones included;
//!      SPDX `packages`) needs a name, a version, a unique identifier (CycloneDX `bom-ref` or
//!      `purl`; SPDX `SPDXID`) and a supplier (CycloneDX `supplier.name` — authors, publishers or
//!      manufacturers are *not* accepted in its place, as they are not the supplier; SPDX
//!      `supplier` other than `NOASSERTION`/`NONE`);
//!    - the document needs an author (CycloneDX `metadata.authors`, `metadata.tools`,
//!      `metadata.manufacturer` or `metadata.manufacture`; SPDX `creationInfo.creators`) and a
//!      timestamp (`metadata.timestamp`, `creationInfo.created`);
//!    - dependency relationships: CycloneDX needs a `dependencies` entry for the root component;
//!      SPDX needs a `DESCRIBES` relationship from `SPDXRef-DOCUMENT` to a package (or
//!      `documentDescribes`), and every package must be reachable from the described ones through
//!      `DESCRIBES`, `CONTAINS`, `DEPENDS_ON`, `DYNAMIC_LINK`, `STATIC_LINK` or
//!      `HAS_PREREQUISITE` (or their stated inverses, such as `DEPENDENCY_OF`);
//!    - identifiers are unique (`bom-ref` among components and services, `SPDXID` among the
//!      document, packages, files and snippets); an SPDXID is `SPDXRef-` followed by letters,
//!      digits, `.` and `-` only; every reference in CycloneDX `dependencies` and SPDX
//!      `relationships` names an element of the document.

pub mod profile;

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::format::{self, problem::MAX_MESSAGE, truncate};

pub use crate::format::problem::Problem;

/// The result of validating one file.
#[derive(Clone, Debug)]
pub struct Report {
    /// The detected format, e.g. `CycloneDX 1.6` or `SPDX 2.3`.
    pub format: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// Every element a requested profile finds missing.
    pub missing: Vec<profile::Missing>,
    /// The embedded JSF signature, when the document has one that verifies.
    pub signature: Option<crate::jsf::Verified>,
}

/// What `validate` checks beyond the schema and the format's rules.
#[derive(Default)]
pub struct Options<'a> {
    /// The profiles ([`profile::PROFILES`]).
    pub profiles: Vec<&'static profile::Profile>,
    /// The key an embedded JSF signature must verify with (`--key`); without it, the
    /// signature is checked with the key it embeds.
    pub key: Option<&'a attest_keys::VerifyingKey>,
}

impl Report {
    /// Whether no problem was found.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.missing.is_empty()
    }
}

/// Validates a file.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read; [`Error::NotAnSbom`] when it is not JSON, is
/// of no format of [`format::FORMATS`], or is of a version without an embedded schema.
/// Problems *in* a recognised document are not errors: they are listed in the [`Report`].
pub fn validate_file(path: &Path) -> Result<Report> {
    validate_file_with(path, &Options::default())
}

/// Validates a file, checks it against the profiles of `options` and verifies its embedded
/// signature.
pub fn validate_file_with(path: &Path, options: &Options<'_>) -> Result<Report> {
    let profiles = &options.profiles;
    let document = read_json(path)?;
    let mut report = validate_value(&document).map_err(|failure| match failure {
        Failure::Unsupported(reason) => Error::NotAnSbom {
            path: path.to_owned(),
            reason,
        },
        Failure::Schema(reason) => Error::Internal(reason),
    })?;
    if !profiles.is_empty() {
        let family = format::detect(&document)
            .map_err(|reason| Error::NotAnSbom {
                path: path.to_owned(),
                reason,
            })?
            .family;
        report.missing = profile::check(&document, family, profiles);
    }
    match crate::jsf::verify(&document, options.key) {
        Ok(Some(verified)) => report.signature = Some(verified),
        Ok(None) if options.key.is_some() => report.problems.push(Problem::new(
            "/signature",
            "no JSF signature, but --key was given",
        )),
        Ok(None) => {}
        Err(reason) => report
            .problems
            .push(Problem::new("/signature", format!("JSF: {reason}"))),
    }
    Ok(report)
}

/// Why a document could not be validated.
#[derive(Debug)]
pub(crate) enum Failure {
    /// It is not a supported SBOM (the reason says why).
    Unsupported(String),
    /// The embedded schema of its version does not compile (a bug).
    Schema(String),
}

/// Validates a parsed document.
pub(crate) fn validate_value(document: &Value) -> std::result::Result<Report, Failure> {
    let format = format::detect(document)
        .and_then(|detected| detected.format())
        .map_err(Failure::Unsupported)?;
    let validator = format.version.schema.validator().map_err(Failure::Schema)?;
    let mut problems: Vec<Problem> = validator
        .iter_errors(document)
        .map(|error| {
            let pointer = error.instance_path().as_str();
            let location = if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            };
            Problem::new(
                location,
                format!("schema: {}", truncate(&error.to_string(), MAX_MESSAGE)),
            )
        })
        .collect();
    (format.family.check)(document, &mut problems);
    Ok(Report {
        format: format.label(),
        problems,
        missing: Vec::new(),
        signature: None,
    })
}

/// Reads and parses a JSON file.
pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|error| Error::NotAnSbom {
        path: path.to_owned(),
        reason: format!("not a JSON document: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use crate::format::spdx::check::{is_spdx_date, is_spdx_id};
    use serde_json::json;

    use super::*;

    fn cyclonedx(version: &str) -> Value {
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": version,
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "version": 1,
            "metadata": {
                "timestamp": "2024-05-01T12:00:00Z",
                "tools": { "components": [{ "type": "application", "name": "cargo-sbom", "version": "0.1.0" }] },
                "component": {
                    "type": "application",
                    "bom-ref": "pkg:cargo/app@1.0.0",
                    "supplier": { "name": "Example" },
                    "name": "app",
                    "version": "1.0.0",
                    "purl": "pkg:cargo/app@1.0.0"
                }
            },
            "components": [{
                "type": "library",
                "bom-ref": "pkg:cargo/serde@1.0.200",
                "supplier": { "name": "serde developers", "url": ["https://serde.rs"] },
                "name": "serde",
                "version": "1.0.200",
                "hashes": [{ "alg": "SHA-256", "content": "0000000000000000000000000000000000000000000000000000000000000000" }],
                "licenses": [{ "expression": "MIT OR Apache-2.0" }],
                "purl": "pkg:cargo/serde@1.0.200",
                "externalReferences": [{ "type": "website", "url": "https://serde.rs" }]
            }],
            "dependencies": [
                { "ref": "pkg:cargo/app@1.0.0", "dependsOn": ["pkg:cargo/serde@1.0.200"] },
                { "ref": "pkg:cargo/serde@1.0.200", "dependsOn": [] }
            ]
        })
    }

    fn spdx() -> Value {
        json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "app-1.0.0",
            "documentNamespace": "https://spdx.org/spdxdocs/app-1.0.0-3e671687-395b-41f5-a30f-a58921a69b79",
            "creationInfo": { "created": "2024-05-01T12:00:00Z", "creators": ["Tool: cargo-sbom-0.1.0"] },
            "packages": [
                {
                    "SPDXID": "SPDXRef-Package-app-1.0.0",
                    "name": "app",
                    "versionInfo": "1.0.0",
                    "supplier": "Organization: Example",
                    "downloadLocation": "NOASSERTION",
                    "filesAnalyzed": false,
                    "licenseDeclared": "MIT"
                },
                {
                    "SPDXID": "SPDXRef-Package-serde-1.0.200",
                    "name": "serde",
                    "versionInfo": "1.0.200",
                    "supplier": "Person: David Tolnay (dtolnay@gmail.com)",
                    "downloadLocation": "https://crates.io/api/v1/crates/serde/1.0.200/download",
                    "filesAnalyzed": false,
                    "checksums": [{ "algorithm": "SHA256", "checksumValue": "0000000000000000000000000000000000000000000000000000000000000000" }],
                    "licenseDeclared": "MIT OR Apache-2.0",
                    "externalRefs": [{
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:cargo/serde@1.0.200"
                    }]
                }
            ],
            "relationships": [
                { "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-app-1.0.0" },
                { "spdxElementId": "SPDXRef-Package-app-1.0.0", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-Package-serde-1.0.200" }
            ]
        })
    }

    fn check(document: &Value) -> Report {
        match validate_value(document) {
            Ok(report) => report,
            Err(reason) => panic!("not recognised: {reason:?}"),
        }
    }

    fn has(report: &Report, location: &str, needle: &str) -> bool {
        report
            .problems
            .iter()
            .any(|p| p.location.starts_with(location) && p.message.contains(needle))
    }

    #[test]
    fn minimal_cyclonedx_documents_are_valid() {
        for version in ["1.5", "1.6", "1.7"] {
            let report = check(&cyclonedx(version));
            assert_eq!(report.format, format!("CycloneDX {version}"));
            assert!(report.is_valid(), "{version}: {:?}", report.problems);
        }
    }

    #[test]
    fn schema_errors_are_located() {
        let mut document = cyclonedx("1.6");
        document["components"][0]["type"] = json!("crate");
        document["components"][0]["unexpected"] = json!(true);
        document["metadata"]["timestamp"] = json!("yesterday");
        let report = check(&document);
        assert!(
            has(&report, "/components/0/type", "schema:"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/components/0", "unexpected"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata/timestamp", "date-time"),
            "{:?}",
            report.problems
        );
        assert!(report.problems.len() >= 3);
    }

    #[test]
    fn referenced_schemas_are_resolved() {
        // `license.id` is checked against spdx.SNAPSHOT.schema.json.
        let mut document = cyclonedx("1.7");
        document["components"][0]["licenses"] =
            json!([{ "license": { "id": "Not-A-Real-License" } }]);
        let report = check(&document);
        assert!(
            has(&report, "/components/0/licenses/0", "schema:"),
            "{:?}",
            report.problems
        );
        document["components"][0]["licenses"] = json!([{ "license": { "id": "Apache-2.0" } }]);
        assert!(validate_value(&document).is_ok_and(|r| r.is_valid()));
    }

    #[test]
    fn cryptography_definitions_are_resolved_in_1_7() {
        let mut document = cyclonedx("1.7");
        document["components"][0]["cryptoProperties"] = json!({ "assetType": "algorithm", "algorithmProperties": { "algorithmFamily": "NO-SUCH-FAMILY" } });
        let report = check(&document);
        assert!(
            has(
                &report,
                "/components/0/cryptoProperties/algorithmProperties/algorithmFamily",
                "schema:"
            ),
            "{:?}",
            report.problems
        );
        document["components"][0]["cryptoProperties"]["algorithmProperties"]["algorithmFamily"] =
            json!("AES");
        let report = check(&document);
        assert!(report.is_valid(), "{:?}", report.problems);
    }

    #[test]
    fn signatures_are_checked_against_jsf() {
        let mut document = cyclonedx("1.6");
        document["signature"] = json!({ "algorithm": "RS256", "value": 17 });
        let report = check(&document);
        assert!(
            has(&report, "/signature", "schema:"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn missing_supplier_and_other_minimum_elements() {
        let mut document = cyclonedx("1.5");
        if let Some(component) = document["components"][0].as_object_mut() {
            component.remove("supplier");
            component.remove("version");
        }
        if let Some(metadata) = document["metadata"].as_object_mut() {
            metadata.remove("tools");
            metadata.remove("timestamp");
        }
        let report = check(&document);
        assert!(
            has(&report, "/components/0 (serde)", "supplier.name"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/components/0 (serde)", "missing version"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata/timestamp", "NTIA"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/metadata", "no author"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn nested_components_are_checked() {
        let mut document = cyclonedx("1.6");
        document["components"][0]["components"] =
            json!([{ "type": "library", "name": "inner", "version": "0.1.0", "bom-ref": "inner" }]);
        let report = check(&document);
        assert!(
            has(
                &report,
                "/components/0/components/0 (inner 0.1.0)",
                "supplier"
            ),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn duplicate_and_unknown_bom_refs() {
        let mut document = cyclonedx("1.6");
        let copy = document["components"][0].clone();
        if let Some(components) = document["components"].as_array_mut() {
            components.push(copy);
        }
        document["dependencies"][0]["dependsOn"] = json!(["pkg:cargo/serde@1.0.200", "nowhere"]);
        document["dependencies"][1]["ref"] = json!("pkg:cargo/missing@1.0.0");
        let report = check(&document);
        assert!(
            has(&report, "/components/1/bom-ref", "duplicate bom-ref"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/dependencies/0/dependsOn/1", "nowhere"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/dependencies/1/ref", "missing"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn root_needs_dependencies() {
        let mut document = cyclonedx("1.6");
        document["dependencies"] = json!([{ "ref": "pkg:cargo/serde@1.0.200" }]);
        let report = check(&document);
        assert!(
            has(&report, "/dependencies", "root component"),
            "{:?}",
            report.problems
        );
        if let Some(metadata) = document["metadata"].as_object_mut() {
            metadata.remove("component");
        }
        let report = super::validate_value(&document).map(|r| r.problems);
        assert!(report.is_ok_and(|p| p.iter().any(|p| p.message.contains("metadata.component"))));
    }

    #[test]
    fn minimal_spdx_document_is_valid() {
        let report = check(&spdx());
        assert_eq!(report.format, "SPDX 2.3");
        assert!(report.is_valid(), "{:?}", report.problems);
    }

    #[test]
    fn spdx_schema_and_minimum_elements() {
        let mut document = spdx();
        document["creationInfo"]["created"] = json!(17);
        document["packages"][1]["supplier"] = json!("NOASSERTION");
        if let Some(package) = document["packages"][0].as_object_mut() {
            package.remove("downloadLocation");
            package.remove("versionInfo");
        }
        let report = check(&document);
        assert!(
            has(&report, "/creationInfo/created", "schema:"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0", "downloadLocation"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0 (app)", "versionInfo"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/1 (serde 1.0.200)", "supplier"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn spdx_ids_are_unique_and_well_formed() {
        let mut document = spdx();
        document["packages"][1]["SPDXID"] = json!("SPDXRef-Package-app-1.0.0");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1/SPDXID", "duplicate SPDXID"),
            "{:?}",
            report.problems
        );

        let mut document = spdx();
        document["packages"][1]["SPDXID"] = json!("SPDXRef-serde_1.0+x");
        document["relationships"][1]["relatedSpdxElement"] = json!("SPDXRef-serde_1.0+x");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1/SPDXID", "not a valid SPDXID"),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    #[test]
    fn unreachable_and_unknown_spdx_elements() {
        let mut document = spdx();
        document["relationships"][1]["relationshipType"] = json!("OTHER");
        let report = check(&document);
        assert!(
            has(&report, "/packages/1 (serde 1.0.200)", "not reachable"),
            "{:?}",
            report.problems
        );
        assert_eq!(report.problems.len(), 1);

        // The inverse statement reaches it as well.
        document["relationships"][1] = json!({
            "spdxElementId": "SPDXRef-Package-serde-1.0.200",
            "relationshipType": "DEPENDENCY_OF",
            "relatedSpdxElement": "SPDXRef-Package-app-1.0.0"
        });
        assert!(report_is_valid(&document));

        document["relationships"][0]["relatedSpdxElement"] = json!("SPDXRef-nothing");
        let report = check(&document);
        assert!(
            has(
                &report,
                "/relationships/0/relatedSpdxElement",
                "SPDXRef-nothing"
            ),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/relationships", "no DESCRIBES"),
            "{:?}",
            report.problems
        );
    }

    fn report_is_valid(document: &Value) -> bool {
        validate_value(document).is_ok_and(|r| r.is_valid())
    }

    #[test]
    fn documents_that_are_not_supported_sboms() {
        for (document, needle) in [
            (json!([1, 2]), "array"),
            (json!({ "hello": "world" }), "neither"),
            (
                json!({ "bomFormat": "CycloneDX", "specVersion": "1.4" }),
                "1.4",
            ),
            (json!({ "bomFormat": "CycloneDX" }), "specVersion"),
            (json!({ "bomFormat": "SWID" }), "bomFormat"),
            (json!({ "spdxVersion": "SPDX-2.2" }), "SPDX-2.2"),
        ] {
            let result = validate_value(&document);
            assert!(
                matches!(&result, Err(Failure::Unsupported(e)) if e.contains(needle)),
                "{document}: {:?}",
                result.err()
            );
        }
    }

    #[test]
    fn unreadable_and_non_json_files_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.json");
        assert!(matches!(validate_file(&missing), Err(Error::Read { .. })));
        let garbage = dir.path().join("garbage.json");
        std::fs::write(&garbage, b"{ not json").expect("write");
        assert!(matches!(
            validate_file(&garbage),
            Err(Error::NotAnSbom { .. })
        ));
        let good = dir.path().join("good.cdx.json");
        std::fs::write(&good, cyclonedx("1.6").to_string()).expect("write");
        assert!(validate_file(&good).is_ok_and(|r| r.is_valid()));
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = format!("{}{}", "x".repeat(1000), " has non-unique elements");
        let short = truncate(&long, 90);
        assert!(short.starts_with(&"x".repeat(60)), "{short}");
        assert!(short.contains("(934 characters left out)"), "{short}");
        assert!(short.ends_with("x has non-unique elements"), "{short}");
        assert_eq!(truncate("é", 1), "é");
    }

    #[test]
    fn spdx_dates() {
        assert!(is_spdx_date("2024-05-01T12:00:00Z"));
        for bad in [
            "yesterday",
            "2024-05-01 12:00:00Z",
            "2024-05-01T12:00:00+01:00",
            "2024-13-01T12:00:00Z",
            "2024-05-01T12:00:00.5Z",
            "２０２４-05-01T12:00:00Z",
        ] {
            assert!(!is_spdx_date(bad), "{bad}");
        }
        let mut document = spdx();
        document["creationInfo"]["created"] = json!("yesterday");
        document["packages"][0]["releaseDate"] = json!("2024-05-01");
        let report = check(&document);
        assert!(
            has(&report, "/creationInfo/created", "YYYY-MM-DD"),
            "{:?}",
            report.problems
        );
        assert!(
            has(&report, "/packages/0/releaseDate", "YYYY-MM-DD"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn spdx_id_syntax() {
        assert!(is_spdx_id("SPDXRef-DOCUMENT"));
        assert!(is_spdx_id("SPDXRef-Package-a.b-1.0.0-abcdef12"));
        assert!(!is_spdx_id("SPDXRef-"));
        assert!(!is_spdx_id("SPDXRef-a_b"));
        assert!(!is_spdx_id("Package-a"));
    }
}
