//! DSSE envelopes and their Sigstore bundle v0.3 form.
//!
//! Signing computes the DSSE pre-authentication encoding (PAE) of the payload and signs it once;
//! the envelope is wrapped in a bundle whose verification material is a public-key hint (the key
//! id). Reading accepts either a bundle or a bare envelope.

use std::path::Path;

use sigstore_bundle::{BundleV03, VerificationMaterialV03};
use sigstore_types::bundle::{SignatureContent, VerificationMaterialContent};
use sigstore_types::encoding::{KeyId, PayloadBytes, SignatureBytes};
use sigstore_types::{Bundle, DsseEnvelope, DsseSignature};

use crate::error::{Error, Result};
use crate::keys::Signer;

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

/// The Sigstore bundle v0.3 JSON of an envelope, with the key id as the public-key hint.
pub fn bundle_json(envelope: DsseEnvelope, key_id: &str) -> Vec<u8> {
    let bundle = BundleV03::new(
        VerificationMaterialV03::PublicKey {
            hint: key_id.to_owned(),
        },
        SignatureContent::DsseEnvelope(envelope),
    )
    .into_bundle();
    to_json(&bundle)
}

/// The JSON of a bare DSSE envelope.
pub fn envelope_json(envelope: &DsseEnvelope) -> Vec<u8> {
    to_json(envelope)
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain data types cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A signed document as read from a file.
#[derive(Clone, Debug)]
pub struct SignedDocument {
    /// The envelope.
    pub envelope: DsseEnvelope,
    /// Whether it came inside a Sigstore bundle (else it was a bare envelope).
    pub from_bundle: bool,
}

/// Why a file could not be taken as a signed document.
#[derive(Debug)]
pub enum ReadFailure {
    /// Unreadable or not JSON at all: an input error (exit 2).
    Malformed(Error),
    /// Well-formed JSON that is not an acceptable bundle or envelope: a verification failure
    /// (exit 1), e.g. two signatures, another bundle version, or no DSSE content.
    Rejected(String),
}

/// Reads a Sigstore bundle v0.3 or a bare DSSE envelope.
pub fn read_signed(path: &Path) -> std::result::Result<SignedDocument, ReadFailure> {
    let bytes = std::fs::read(path).map_err(|e| {
        ReadFailure::Malformed(Error::Read {
            path: path.to_owned(),
            reason: crate::error::io_reason(&e),
        })
    })?;
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
        if !matches!(
            bundle.verification_material.content,
            VerificationMaterialContent::PublicKey(_)
        ) {
            return Err(ReadFailure::Rejected(
                "the bundle is not signed with a public key (certificate bundles need keyless verification)".into(),
            ));
        }
        // @sigstore/verify checks every tlog entry and timestamp present, even with thresholds
        // of 0; without a trusted root they cannot be checked, and ignoring them would accept
        // a forged log entry. Refuse instead of silently skipping.
        let material = &bundle.verification_material;
        if !material.tlog_entries.is_empty()
            || !material
                .timestamp_verification_data
                .rfc3161_timestamps
                .is_empty()
        {
            return Err(ReadFailure::Rejected(
                "the bundle carries transparency-log entries or RFC 3161 timestamps, which key-based verification without a trusted root cannot check".into(),
            ));
        }
        return match bundle.content {
            SignatureContent::DsseEnvelope(envelope) => Ok(SignedDocument {
                envelope,
                from_bundle: true,
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
            from_bundle: false,
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
    use crate::keys::{KeyAlgorithm, SigningKey};

    #[test]
    fn bundles_round_trip() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let envelope = sign(b"{}", "application/vnd.in-toto+json", &key).unwrap();
        let json = bundle_json(envelope.clone(), &key.key_id());
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
        assert!(read.from_bundle);
        assert_eq!(read.envelope, envelope);
        let bare = parse_signed(Path::new("e.json"), &envelope_json(&envelope)).unwrap();
        assert!(!bare.from_bundle);
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
