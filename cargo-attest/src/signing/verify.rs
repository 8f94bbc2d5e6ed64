//! The one verification entry point for bundles and envelopes: signature (by a
//! [`Verifier`]), statement, subjects, expectations.
//!
//! The checks mirror what cosign and `@sigstore/verify` require of a DSSE bundle (exactly one
//! signature over the PAE, in-toto payload type) and then what `cargo attest verify` promises:
//! each artifact's SHA-256 is a subject, and every given expectation holds.

use serde_json::Value;

use super::Verifier;
use super::envelope::SignedDocument;
use super::statement::{PAYLOAD_TYPE, SLSA_PROVENANCE_V1, STATEMENT_TYPE};

/// What the verifier must find, beyond a valid signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    /// The predicate type URI.
    pub predicate_type: Option<String>,
    /// The SLSA builder id (`runDetails.builder.id`), exactly.
    pub builder_id: Option<String>,
    /// The source repository (`git+https://host/org/repo`, `https://host/org/repo` or
    /// `host/org/repo`; refs and `.git` are ignored).
    pub source_uri: Option<String>,
}

/// An artifact whose digest must be a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// How the user named it.
    pub name: String,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// A statement whose signature and expectations checked out.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The statement.
    pub statement: Value,
    /// Its predicate type.
    pub predicate_type: String,
    /// The number of subjects.
    pub subject_count: usize,
}

/// Verifies a signed document with a verifier, against artifacts and expectations; on failure
/// every reason found is returned.
pub fn verify(
    document: &SignedDocument,
    verifier: &dyn Verifier,
    artifacts: &[Artifact],
    expectations: &Expectations,
) -> Result<Verified, Vec<String>> {
    let envelope = &document.envelope;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(vec![format!(
            "payload type is `{}`, expected `{PAYLOAD_TYPE}`",
            envelope.payload_type
        )]);
    }
    verifier.verify_signature(document)?;
    let statement: Value = serde_json::from_slice(envelope.payload.as_bytes())
        .map_err(|e| vec![format!("the signed payload is not JSON: {e}")])?;

    let mut problems = Vec::new();
    if statement.get("_type").and_then(Value::as_str) != Some(STATEMENT_TYPE) {
        problems.push(format!("statement `_type` is not `{STATEMENT_TYPE}`"));
    }
    let subjects = statement
        .get("subject")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if subjects.is_empty() {
        problems.push("the statement has no subject".to_owned());
    }
    // Like the in-toto-attestation checks: every subject names a lowercase-hex SHA-256.
    for (i, subject) in subjects.iter().enumerate() {
        let digest = subject.pointer("/digest/sha256").and_then(Value::as_str);
        if !digest.is_some_and(is_sha256_hex) {
            let name = subject.get("name").and_then(Value::as_str).unwrap_or("?");
            problems.push(format!(
                "subject[{i}] ({name}) has no lowercase-hex SHA-256 digest"
            ));
        }
    }
    let subject_digests: Vec<&str> = subjects
        .iter()
        .filter_map(|s| s.pointer("/digest/sha256").and_then(Value::as_str))
        .collect();
    for artifact in artifacts {
        if !subject_digests.contains(&artifact.sha256.as_str()) {
            problems.push(format!(
                "{}: its SHA-256 {} is not a subject of the statement",
                artifact.name, artifact.sha256
            ));
        }
    }
    let predicate_type = statement
        .get("predicateType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if predicate_type.is_empty() {
        problems.push("the statement has no predicateType".to_owned());
    }
    if let Some(expected) = &expectations.predicate_type
        && &predicate_type != expected
    {
        problems.push(format!(
            "predicate type is `{predicate_type}`, expected `{expected}`"
        ));
    }
    let predicate = statement.get("predicate").cloned().unwrap_or(Value::Null);
    if predicate.as_object().is_none_or(serde_json::Map::is_empty) {
        problems.push("the statement has no predicate (a non-empty JSON object)".to_owned());
    }
    if predicate_type == SLSA_PROVENANCE_V1 {
        problems.extend(provenance_problems(&predicate));
    }
    if let Some(expected) = &expectations.builder_id {
        match predicate
            .pointer("/runDetails/builder/id")
            .and_then(Value::as_str)
        {
            Some(actual) if actual == expected => {}
            Some(actual) => {
                problems.push(format!("builder id is `{actual}`, expected `{expected}`"))
            }
            None => problems.push(format!(
                "the statement names no builder id (expected `{expected}`)"
            )),
        }
    }
    if let Some(expected) = &expectations.source_uri {
        let sources = source_uris(&predicate_type, &predicate);
        let wanted = normalise_repository(expected);
        if !sources.iter().any(|s| normalise_repository(s) == wanted) {
            let found = if sources.is_empty() {
                "none".to_owned()
            } else {
                sources.join(", ")
            };
            problems.push(format!(
                "source repository is not `{expected}` (found: {found})"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Verified {
        subject_count: subjects.len(),
        predicate_type,
        statement,
    })
}

/// The fields SLSA Provenance v1 requires: a non-empty `buildDefinition.buildType`, an
/// `externalParameters` object and a non-empty `runDetails.builder.id`.
fn provenance_problems(predicate: &Value) -> Vec<String> {
    let non_empty = |pointer: &str| {
        predicate
            .pointer(pointer)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let mut problems = Vec::new();
    if !non_empty("/buildDefinition/buildType") {
        problems.push("SLSA provenance: buildDefinition.buildType is missing or empty".to_owned());
    }
    if !predicate
        .pointer("/buildDefinition/externalParameters")
        .is_some_and(Value::is_object)
    {
        problems.push(
            "SLSA provenance: buildDefinition.externalParameters is missing or not an object"
                .to_owned(),
        );
    }
    if !non_empty("/runDetails/builder/id") {
        problems.push("SLSA provenance: runDetails.builder.id is missing or empty".to_owned());
    }
    problems
}

/// 64 lowercase hex digits (a SHA-256 as in-toto subjects and `SHA256SUMS` write it).
pub(crate) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The source repository URIs a provenance names: `externalParameters.source.uri` and git
/// entries of `resolvedDependencies`.
fn source_uris(predicate_type: &str, predicate: &Value) -> Vec<String> {
    if predicate_type != SLSA_PROVENANCE_V1 {
        return Vec::new();
    }
    let mut uris = Vec::new();
    if let Some(uri) = predicate
        .pointer("/buildDefinition/externalParameters/source/uri")
        .and_then(Value::as_str)
    {
        uris.push(uri.to_owned());
    }
    if let Some(dependencies) = predicate
        .pointer("/buildDefinition/resolvedDependencies")
        .and_then(Value::as_array)
    {
        for dependency in dependencies {
            if let Some(uri) = dependency.get("uri").and_then(Value::as_str)
                && uri.starts_with("git+")
            {
                uris.push(uri.to_owned());
            }
        }
    }
    uris
}

/// `git+https://github.com/Org/Repo.git@refs/tags/v1` → `github.com/org/repo`.
fn normalise_repository(uri: &str) -> String {
    let uri = uri.trim().strip_prefix("git+").unwrap_or(uri.trim());
    let without_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    // A ref or commit after `@` (but not the user of `git@host:`).
    let path_start = without_scheme.find('/').unwrap_or(0);
    let without_ref = match without_scheme[path_start..].find('@') {
        Some(at) => &without_scheme[..path_start + at],
        None => without_scheme,
    };
    let without_user = without_ref
        .rsplit_once('@')
        .map_or(without_ref, |(_, host)| host);
    let trimmed = without_user.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
    trimmed.replacen(':', "/", 1).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::envelope::sign;
    use crate::signing::keys::{KeyAlgorithm, SigningKey};

    fn signed(statement: &Value, key: &SigningKey) -> SignedDocument {
        let payload = serde_json::to_vec(statement).unwrap();
        SignedDocument {
            envelope: sign(&payload, PAYLOAD_TYPE, key).unwrap(),
            material: None,
        }
    }

    fn provenance() -> Value {
        serde_json::json!({
            "_type": STATEMENT_TYPE,
            "subject": [{"name": "app", "digest": {"sha256": "aa".repeat(32)}}],
            "predicateType": SLSA_PROVENANCE_V1,
            "predicate": {
                "buildDefinition": {
                    "buildType": "x",
                    "externalParameters": {"source": {"uri": "git+https://github.com/Org/Repo.git@refs/heads/main"}}
                },
                "runDetails": {"builder": {"id": "https://example.org/builder"}}
            }
        })
    }

    #[test]
    fn accepts_a_good_statement_with_expectations() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let document = signed(&provenance(), &key);
        let artifact = Artifact {
            name: "app".into(),
            sha256: "aa".repeat(32),
        };
        let expectations = Expectations {
            predicate_type: Some(SLSA_PROVENANCE_V1.into()),
            builder_id: Some("https://example.org/builder".into()),
            source_uri: Some("github.com/org/repo".into()),
        };
        let verified = verify(&document, &key.verifying_key(), &[artifact], &expectations).unwrap();
        assert_eq!(verified.subject_count, 1);
    }

    #[test]
    fn rejects_wrong_key_digest_and_expectations() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let document = signed(&provenance(), &key);
        let other = SigningKey::generate(KeyAlgorithm::EcdsaP256).verifying_key();
        let err = verify(&document, &other, &[], &Expectations::default()).unwrap_err();
        assert!(err[0].contains("does not verify"), "{err:?}");

        let artifact = Artifact {
            name: "other".into(),
            sha256: "bb".repeat(32),
        };
        let expectations = Expectations {
            predicate_type: Some("https://spdx.dev/Document".into()),
            builder_id: Some("https://elsewhere".into()),
            source_uri: Some("https://github.com/org/other".into()),
        };
        let err = verify(&document, &key.verifying_key(), &[artifact], &expectations).unwrap_err();
        assert_eq!(err.len(), 4, "{err:?}");
    }

    #[test]
    fn rejects_a_changed_payload() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let mut document = signed(&provenance(), &key);
        let mut statement = provenance();
        statement["subject"][0]["digest"]["sha256"] = Value::String("bb".repeat(32));
        document.envelope.payload = sigstore_types::encoding::PayloadBytes::from_bytes(
            &serde_json::to_vec(&statement).unwrap(),
        );
        assert!(
            verify(
                &document,
                &key.verifying_key(),
                &[],
                &Expectations::default()
            )
            .is_err()
        );
        assert_eq!(key.key_id().len(), 64);
    }

    #[test]
    fn rejects_incomplete_statements() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let check = |statement: &Value| {
            verify(
                &signed(statement, &key),
                &key.verifying_key(),
                &[],
                &Expectations::default(),
            )
            .unwrap_err()
        };
        let mut no_builder = provenance();
        no_builder["predicate"]["runDetails"]["builder"]
            .as_object_mut()
            .unwrap()
            .remove("id");
        assert!(check(&no_builder)[0].contains("builder.id"));
        let mut no_sha256 = provenance();
        no_sha256["subject"][0]["digest"] = serde_json::json!({"sha512": "cc".repeat(64)});
        assert!(check(&no_sha256)[0].contains("SHA-256"));
        let mut upper = provenance();
        upper["subject"][0]["digest"]["sha256"] = Value::String("AA".repeat(32));
        assert!(check(&upper)[0].contains("SHA-256"));
        let mut empty = provenance();
        empty["predicateType"] = Value::String("https://example.org/p".into());
        empty["predicate"] = serde_json::json!({});
        assert!(check(&empty)[0].contains("predicate"));
    }

    #[test]
    fn normalises_repositories() {
        for uri in [
            "git+https://github.com/Org/Repo.git@refs/heads/main",
            "https://github.com/org/repo",
            "github.com/org/repo/",
            "git+ssh://git@github.com/org/repo.git",
            "git@github.com:org/repo.git",
        ] {
            assert_eq!(normalise_repository(uri), "github.com/org/repo", "{uri}");
        }
    }
}
