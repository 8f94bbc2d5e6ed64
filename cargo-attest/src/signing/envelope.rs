//! DSSE envelopes and their Sigstore bundle v0.3 form.
//!
//! Signing computes the DSSE pre-authentication encoding (PAE) of the payload and signs it once;
//! the envelope is wrapped in a bundle with the signer's verification material. Reading accepts
//! either a bundle or a bare envelope; whether its verification material is acceptable is the
//! verifier's decision ([`super::Verifier`]).

use std::path::Path;

use sigstore_bundle::{BundleV03, VerificationMaterialV03};
use sigstore_types::bundle::{SignatureContent, VerificationMaterial};
use sigstore_types::encoding::{KeyId, PayloadBytes, SignatureBytes};
use sigstore_types::{Bundle, DsseEnvelope, DsseSignature};

use super::Signer;
use crate::error::{Error, Result};

/// The media type of a Sigstore bundle v0.3.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Signs `payload` of `payload_type` into a DSSE envelope with one signature.
pub fn sign(payload: &[u8], payload_type: &str, signer: &dyn Signer) -> Result<DsseEnvelope> {
    let pae = sigstore_types::dsse::pae(payload_type, payload);
    let signature = signer.sign(&pae)?;
    Ok(DsseEnvelope::new(
        payload_type,
        PayloadBytes::from_bytes(payload),
        DsseSignature::new(SignatureBytes::new(signature), KeyId::new(signer.key_id())),
    ))
}

/// The Sigstore bundle v0.3 JSON of an envelope with its verification material.
pub fn bundle_json(envelope: DsseEnvelope, material: VerificationMaterialV03) -> Vec<u8> {
    let bundle = BundleV03::new(material, SignatureContent::DsseEnvelope(envelope)).into_bundle();
    cargo_sbom::document::to_json_bytes(&bundle)
}

/// A signed document as read from a file.
#[derive(Clone, Debug)]
pub struct SignedDocument {
    /// The envelope.
    pub envelope: DsseEnvelope,
    /// The bundle's verification material; `None` for a bare envelope.
    pub material: Option<VerificationMaterial>,
}

/// Why a file could not be taken as a signed document.
#[derive(Debug)]
pub enum ReadFailure {
    /// Unreadable or not JSON at all: an input error (exit 2).
    Malformed(Error),
    /// Well-formed JSON that is not a bundle or envelope this tool reads: a verification
    /// failure (exit 1), e.g. two signatures, another bundle version, or no DSSE content.
    Rejected(String),
}

/// Reads a Sigstore bundle v0.3 or a bare DSSE envelope.
pub fn read_signed(path: &Path) -> std::result::Result<SignedDocument, ReadFailure> {
    let bytes = std::fs::read(path).map_err(|e| ReadFailure::Malformed(Error::read(path, &e)))?;
    parse_signed(path, &bytes)
}

/// Parses a Sigstore bundle v0.3 or a bare DSSE envelope (`path` names it in messages).
pub fn parse_signed(path: &Path, bytes: &[u8]) -> std::result::Result<SignedDocument, ReadFailure> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ReadFailure::Malformed(Error::Malformed {
            path: path.to_owned(),
            reason: format!("not valid JSON: {e}"),
        })
    })?;
    let Some(object) = value.as_object() else {
        return Err(ReadFailure::Malformed(Error::Malformed {
            path: path.to_owned(),
            reason: "not a JSON object; expected a Sigstore bundle or a DSSE envelope".into(),
        }));
    };
    if let Some(media_type) = object.get("mediaType") {
        if media_type.as_str() != Some(BUNDLE_V03_MEDIA_TYPE) {
            return Err(ReadFailure::Rejected(format!(
                "bundle media type is {media_type}, expected {BUNDLE_V03_MEDIA_TYPE}"
            )));
        }
        let bundle: Bundle = serde_json::from_value(value)
            .map_err(|e| ReadFailure::Rejected(format!("not a valid Sigstore bundle: {e}")))?;
        return match bundle.content {
            SignatureContent::DsseEnvelope(envelope) => Ok(SignedDocument {
                envelope,
                material: Some(bundle.verification_material),
            }),
            _ => Err(ReadFailure::Rejected(
                "the bundle holds a message signature, not a DSSE envelope".into(),
            )),
        };
    }
    if object.contains_key("payloadType") {
        let envelope: DsseEnvelope = serde_json::from_value(value)
            .map_err(|e| ReadFailure::Rejected(format!("not a valid DSSE envelope: {e}")))?;
        return Ok(SignedDocument {
            envelope,
            material: None,
        });
    }
    Err(ReadFailure::Malformed(Error::Malformed {
        path: path.to_owned(),
        reason: "neither a Sigstore bundle (`mediaType`) nor a DSSE envelope (`payloadType`)"
            .into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::keys::{KeyAlgorithm, SigningKey};

    #[test]
    fn bundles_round_trip() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let envelope = sign(b"{}", "application/vnd.in-toto+json", &key).unwrap();
        let json = bundle_json(
            envelope.clone(),
            key.verification_material(&envelope).unwrap(),
        );
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["mediaType"], BUNDLE_V03_MEDIA_TYPE);
        assert_eq!(
            value["verificationMaterial"]["publicKey"]["hint"],
            key.key_id()
        );
        assert_eq!(
            value["dsseEnvelope"]["signatures"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let read = parse_signed(Path::new("b.json"), &json).unwrap();
        assert!(read.material.is_some());
        assert_eq!(read.envelope, envelope);
        let bare = parse_signed(
            Path::new("e.json"),
            &cargo_sbom::document::to_json_bytes(&envelope),
        )
        .unwrap();
        assert!(bare.material.is_none());
    }

    #[test]
    fn malformed_and_rejected_inputs() {
        let path = Path::new("x.json");
        assert!(matches!(
            parse_signed(path, b"{\"mediaType\": "),
            Err(ReadFailure::Malformed(_))
        ));
        assert!(matches!(
            parse_signed(path, b"[]"),
            Err(ReadFailure::Malformed(_))
        ));
        assert!(matches!(
            parse_signed(path, b"{}"),
            Err(ReadFailure::Malformed(_))
        ));
        let two =
            br#"{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AA=="},{"sig":"AA=="}]}"#;
        assert!(matches!(
            parse_signed(path, two),
            Err(ReadFailure::Rejected(_))
        ));
        let old = br#"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1"}"#;
        assert!(matches!(
            parse_signed(path, old),
            Err(ReadFailure::Rejected(_))
        ));
    }
}
