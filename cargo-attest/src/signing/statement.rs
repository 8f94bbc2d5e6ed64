//! in-toto Statement v1 and the SLSA Provenance v1 predicate, as serde types.
//!
//! Field names and nesting follow the in-toto attestation framework (Statement v1,
//! ResourceDescriptor v1) and SLSA v1.0 provenance; optional fields are left out when empty so
//! strict parsers (the in-toto-attestation protobufs) accept the JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Predicate type of SLSA Provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The build type of `cargo attest build`: a URI this project owns, versioned so that the meaning
/// of `externalParameters`/`internalParameters` can change without ambiguity.
pub const BUILD_TYPE: &str =
    "https://github.com/cargo-attest/cargo-attest/buildtypes/cargo-build/v1";

/// An in-toto Statement v1 with a predicate of type `P`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement<P> {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts the statement is about.
    pub subject: Vec<ResourceDescriptor>,
    /// The predicate's type URI.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate.
    pub predicate: P,
}

impl<P> Statement<P> {
    /// A statement about `subject` with `predicate` of `predicate_type`.
    pub fn new(subject: Vec<ResourceDescriptor>, predicate_type: &str, predicate: P) -> Self {
        Self {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate,
        }
    }
}

/// An in-toto ResourceDescriptor v1: a subject, a dependency or a byproduct.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    /// A name (file name for subjects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A URI (purl, git URL, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm name (`sha256`, `gitCommit`, …), lowercase hex.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// Where the resource can be downloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_location: Option<String>,
    /// Its media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub annotations: serde_json::Map<String, serde_json::Value>,
}

impl ResourceDescriptor {
    /// A named resource with a SHA-256 digest (lowercase hex).
    pub fn file(name: impl Into<String>, sha256: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            digest: BTreeMap::from([("sha256".to_owned(), sha256.into())]),
            ..Self::default()
        }
    }
}

/// The SLSA Provenance v1 predicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// What was built and how it was asked for.
    pub build_definition: BuildDefinition,
    /// Who built it and when.
    pub run_details: RunDetails,
}

/// SLSA `BuildDefinition`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// [`BUILD_TYPE`] for builds recorded by this tool.
    pub build_type: String,
    /// What the user asked for (package, profile, target, features, cargo arguments, source).
    pub external_parameters: serde_json::Value,
    /// What the builder chose (toolchain, environment that changes the build).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub internal_parameters: serde_json::Value,
    /// Source commit, lockfile, every crate, toolchain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `RunDetails`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// The builder.
    pub builder: Builder,
    /// Invocation id and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BuildMetadata>,
    /// Other outputs (SBOM digests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

/// SLSA `Builder`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Builder {
    /// The builder's identity (a URI).
    pub id: String,
    /// Versions of the builder's own components.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    /// The builder's own dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA `BuildMetadata`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildMetadata {
    /// The CI run URL or another id of this invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// RFC 3339 start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// RFC 3339 end time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_spec_field_names() {
        let statement = Statement::new(
            vec![ResourceDescriptor::file("app", "ab".repeat(32))],
            SLSA_PROVENANCE_V1,
            Provenance {
                build_definition: BuildDefinition {
                    build_type: BUILD_TYPE.into(),
                    external_parameters: serde_json::json!({"package": "app"}),
                    internal_parameters: serde_json::Value::Null,
                    resolved_dependencies: Vec::new(),
                },
                run_details: RunDetails {
                    builder: Builder {
                        id: "https://example.org/builder".into(),
                        version: BTreeMap::new(),
                        builder_dependencies: Vec::new(),
                    },
                    metadata: Some(BuildMetadata {
                        invocation_id: None,
                        started_on: Some("2024-01-01T00:00:00Z".into()),
                        finished_on: None,
                    }),
                    byproducts: Vec::new(),
                },
            },
        );
        let json = serde_json::to_value(&statement).unwrap();
        assert_eq!(json["_type"], STATEMENT_TYPE);
        assert_eq!(json["subject"][0]["digest"]["sha256"], "ab".repeat(32));
        assert_eq!(
            json["predicate"]["buildDefinition"]["buildType"],
            BUILD_TYPE
        );
        assert_eq!(
            json["predicate"]["runDetails"]["metadata"]["startedOn"],
            "2024-01-01T00:00:00Z"
        );
        assert!(
            json["predicate"]["buildDefinition"]
                .get("internalParameters")
                .is_none()
        );
        let back: Statement<Provenance> = serde_json::from_value(json).unwrap();
        assert_eq!(back, statement);
    }
}
