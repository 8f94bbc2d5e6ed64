//! JSF (JSON Signature Format 0.82) signatures embedded in CycloneDX documents, the
//! `signature` property the CycloneDX schemas define: for consumers that read only the BOM.
//! `cargo attest`'s detached in-toto bundles stay the main way to sign an SBOM.
//!
//! The signed data is the whole document with the signature object in place but without its
//! `value`, in the canonical form of RFC 8785 (JCS); the `value` is the base64url (unpadded)
//! signature: `ES256` (ECDSA P-256 with SHA-256, the fixed-size `r || s` of JWA) or `Ed25519`.
//! The signer's public key is embedded as a JWK. One signer; `excludes` is honoured when
//! verifying (the named properties and `excludes` itself are not signed), never written.

use attest_keys::{KeyAlgorithm, SigningKey, VerifyingKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Map, Value, json};

/// The JSF algorithm name of a key.
fn algorithm_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::EcdsaP256 => "ES256",
        KeyAlgorithm::Ed25519 => "Ed25519",
    }
}

/// The JWK of a public key (RFC 7517; RFC 8037 for Ed25519), as the JSF schema allows it.
fn jwk(key: &VerifyingKey) -> Value {
    let (x, y) = key.coordinates();
    match y {
        Some(y) => json!({
            "kty": "EC",
            "crv": "P-256",
            "x": Base64UrlUnpadded::encode_string(&x),
            "y": Base64UrlUnpadded::encode_string(&y),
        }),
        None => json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": Base64UrlUnpadded::encode_string(&x),
        }),
    }
}

/// The key of a JWK; `Err` says what is wrong with it.
fn key_of_jwk(jwk: &Value) -> Result<VerifyingKey, String> {
    let text = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("publicKey has no `{name}`"))
    };
    // A coordinate is 32 bytes: 43 base64url characters.
    let coordinate = |name: &str| -> Result<Vec<u8>, String> {
        let encoded = text(name)?;
        if encoded.len() > 64 {
            return Err(format!("publicKey `{name}` is too long"));
        }
        Base64UrlUnpadded::decode_vec(encoded)
            .map_err(|_| format!("publicKey `{name}` is not base64url"))
    };
    let (algorithm, y) = match (text("kty")?, text("crv")?) {
        ("EC", "P-256") => (KeyAlgorithm::EcdsaP256, Some(coordinate("y")?)),
        ("OKP", "Ed25519") => (KeyAlgorithm::Ed25519, None),
        (kty, crv) => {
            return Err(format!(
                "publicKey {kty}/{crv} is not supported (P-256 or Ed25519)"
            ));
        }
    };
    VerifyingKey::from_coordinates(algorithm, &coordinate("x")?, y.as_deref())
        .ok_or_else(|| "publicKey is not a point of its curve".to_owned())
}

/// Signs a CycloneDX document (its bytes as written): the same bytes with a `signature`
/// property before the final `}`, so the layout of the document is kept.
pub fn sign(document: &[u8], key: &SigningKey) -> Result<Vec<u8>, String> {
    let mut value: Value =
        serde_json::from_slice(document).map_err(|e| format!("not a JSON document: {e}"))?;
    let Some(object) = value.as_object_mut() else {
        return Err("not a JSON object".into());
    };
    if object.contains_key("signature") {
        return Err("the document is signed already".into());
    }
    let public = key.verifying_key();
    object.insert(
        "signature".into(),
        json!({ "algorithm": algorithm_name(key.algorithm()), "publicKey": jwk(&public) }),
    );
    let canonical = canonical(&value)?;
    let mut signature = value["signature"].take();
    signature["value"] = Base64UrlUnpadded::encode_string(&key.sign_raw(&canonical)).into();
    let text = String::from_utf8(document.to_vec()).map_err(|_| "not UTF-8".to_owned())?;
    let Some(end) = text.rfind('}') else {
        return Err("not a JSON object".into());
    };
    let pretty = serde_json::to_string_pretty(&signature).map_err(|e| e.to_string())?;
    let indented = pretty.replace('\n', "\n  ");
    let head = text[..end].trim_end();
    let separator = if head.ends_with('{') { "" } else { "," };
    Ok(format!("{head}{separator}\n  \"signature\": {indented}\n}}\n").into_bytes())
}

/// RFC 8785 bytes of a document.
fn canonical(value: &Value) -> Result<Vec<u8>, String> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| format!("cannot canonicalise: {e}"))
}

/// A verified signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// `ES256` or `Ed25519`.
    pub algorithm: String,
    /// The key id of the key it verified with ([`VerifyingKey::key_id`]).
    pub key_id: String,
    /// Whether that key was the one the caller trusts (else the embedded one: the document is
    /// intact, but anyone could have signed it).
    pub trusted: bool,
}

/// Checks the `signature` of a CycloneDX document: with `trusted` when given (an embedded key
/// must then be that key), else with the embedded key. `Ok(None)` when it has none.
pub fn verify(
    document: &Value,
    trusted: Option<&VerifyingKey>,
) -> Result<Option<Verified>, String> {
    let Some(signature) = document.get("signature") else {
        return Ok(None);
    };
    let Some(signature) = signature.as_object() else {
        return Err("`signature` is not an object".into());
    };
    if signature.contains_key("signers") || signature.contains_key("chain") {
        return Err("multiple signatures (`signers`, `chain`) are not supported".into());
    }
    let algorithm = signature
        .get("algorithm")
        .and_then(Value::as_str)
        .ok_or("`signature.algorithm` is missing")?;
    let encoded = signature
        .get("value")
        .and_then(Value::as_str)
        .ok_or("`signature.value` is missing")?;
    // A signature of either algorithm is 64 bytes: 86 base64url characters.
    if encoded.len() > 128 {
        return Err("`signature.value` is too long for an ES256 or Ed25519 signature".into());
    }
    let value = Base64UrlUnpadded::decode_vec(encoded)
        .map_err(|_| "`signature.value` is not unpadded base64url".to_owned())?;
    let embedded = signature.get("publicKey").map(key_of_jwk).transpose()?;
    let key = match (trusted, &embedded) {
        (Some(trusted), Some(embedded)) if trusted != embedded => {
            return Err(format!(
                "signed with key {}, not with the given key {}",
                embedded.key_id(),
                trusted.key_id()
            ));
        }
        (Some(trusted), _) => trusted.clone(),
        (None, Some(embedded)) => embedded.clone(),
        (None, None) => {
            return Err("the signature embeds no publicKey; pass --key to check it".into());
        }
    };
    if algorithm != algorithm_name(key.algorithm()) {
        return Err(format!(
            "algorithm `{}` does not match the {} key",
            crate::format::truncate(algorithm, 40),
            key.algorithm().as_str()
        ));
    }
    if !key.verify_raw(&signed_data(document, signature)?, &value) {
        return Err(format!(
            "the signature does not verify with key {}: the document was changed after signing, or signed with another key",
            key.key_id()
        ));
    }
    Ok(Some(Verified {
        algorithm: algorithm.to_owned(),
        key_id: key.key_id(),
        trusted: trusted.is_some(),
    }))
}

/// What was signed: the document without `signature.value`, nor the properties `excludes`
/// names, nor `excludes` itself, in canonical form.
fn signed_data(document: &Value, signature: &Map<String, Value>) -> Result<Vec<u8>, String> {
    let mut signature = signature.clone();
    signature.remove("value");
    let excludes: Vec<String> = match signature.remove("excludes") {
        None => Vec::new(),
        Some(Value::Array(names)) => names
            .iter()
            .map(|n| n.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("`signature.excludes` holds a non-string")?,
        Some(_) => return Err("`signature.excludes` is not an array".into()),
    };
    let mut document = document.clone();
    if let Some(object) = document.as_object_mut() {
        for name in &excludes {
            object.remove(name);
        }
        object.insert("signature".into(), Value::Object(signature));
    }
    canonical(&document)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOM: &str = "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"version\": 1,\n  \"metadata\": {\n    \"timestamp\": \"2024-05-01T12:00:00Z\"\n  }\n}\n";

    #[test]
    fn signs_and_verifies_both_algorithms() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let signed = sign(BOM.as_bytes(), &key).unwrap();
            let text = String::from_utf8(signed.clone()).unwrap();
            assert!(
                text.starts_with("{\n  \"bomFormat\": \"CycloneDX\""),
                "{text}"
            );
            let value: Value = serde_json::from_slice(&signed).unwrap();
            let verified = verify(&value, None).unwrap().unwrap();
            assert_eq!(verified.key_id, key.key_id());
            assert!(!verified.trusted);
            let trusted = verify(&value, Some(&key.verifying_key())).unwrap().unwrap();
            assert!(trusted.trusted);
            assert_eq!(verified.algorithm, algorithm_name(algorithm));
            // Another key, a changed document.
            let other = SigningKey::generate(algorithm).verifying_key();
            assert!(
                verify(&value, Some(&other))
                    .unwrap_err()
                    .contains("not with the given key")
            );
            let mut changed = value.clone();
            changed["version"] = 2.into();
            assert!(
                verify(&changed, None)
                    .unwrap_err()
                    .contains("does not verify")
            );
            // The order and spacing of the text do not matter (the canonical form does).
            let compact = serde_json::to_vec(&value).unwrap();
            let back: Value = serde_json::from_slice(&compact).unwrap();
            assert!(verify(&back, None).unwrap().is_some());
        }
    }

    #[test]
    fn unsigned_and_malformed_signatures() {
        let unsigned: Value = serde_json::from_str(BOM).unwrap();
        assert_eq!(verify(&unsigned, None).unwrap(), None);
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let signed: Value = serde_json::from_slice(&sign(BOM.as_bytes(), &key).unwrap()).unwrap();
        for (path, replacement, says) in [
            ("/signature/value", json!("!!"), "base64url"),
            ("/signature/value", json!("A".repeat(5000)), "too long"),
            ("/signature/algorithm", json!("RS256"), "does not match"),
            ("/signature/publicKey/crv", json!("X448"), "not supported"),
            ("/signature/publicKey/x", json!("AAAA"), "not a point"),
            ("/signature", json!([1]), "not an object"),
            ("/signature/excludes", json!("x"), "not an array"),
        ] {
            let mut bad = signed.clone();
            *bad.pointer_mut(path).unwrap_or(&mut Value::Null) = replacement.clone();
            if bad.pointer(path).is_none() {
                let (parent, name) = path.rsplit_once('/').unwrap();
                bad.pointer_mut(parent).unwrap()[name] = replacement;
            }
            let error = verify(&bad, None).unwrap_err();
            assert!(error.contains(says), "{path}: {error}");
        }
        assert!(sign(b"[1]", &key).unwrap_err().contains("object"));
        let twice = sign(&sign(BOM.as_bytes(), &key).unwrap(), &key).unwrap_err();
        assert!(twice.contains("signed already"));
    }
}
