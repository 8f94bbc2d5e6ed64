//! Signing and verification: keys (`keys`), DSSE envelopes in Sigstore bundles
//! (`envelope`), in-toto statements and SLSA provenance (`statement`), and verification
//! (`verify`).
//!
//! There is one signing path, `sign_statement`: a statement is serialised, its DSSE
//! pre-authentication encoding signed by a `Signer`, and the envelope wrapped in a bundle
//! with the verification material the signer gives. There is one verification entry point,
//! `verify::verify`, which takes a `Verifier` for the signature and then checks the
//! statement, the artifacts and the expectations the same way for every verifier. A new kind
//! of signer or verifier (keyless, certificate-based) is one new implementation of the trait.

#[cfg(feature = "attest")]
pub mod envelope;
#[cfg(feature = "attest")]
pub mod keys;
pub mod statement;
#[cfg(feature = "attest")]
pub mod verify;

#[cfg(feature = "attest")]
pub use signer::{Signer, Verifier, sign_statement};

#[cfg(feature = "attest")]
mod signer {
    use serde::Serialize;
    use sigstore_bundle::VerificationMaterialV03;
    use sigstore_types::DsseEnvelope;

    use super::envelope::{self, SignedDocument};
    use super::statement::{PAYLOAD_TYPE, Statement};
    use crate::error::{Error, Result};

    /// Something that signs: a local key today, a keyless (certificate) signer next.
    pub trait Signer {
        /// Who signs, as messages name it (`key 1a2b…`).
        fn describe(&self) -> String;
        /// The DSSE `keyid` hint written beside the signature (empty for none).
        fn key_id(&self) -> String;
        /// Signs `message` (ECDSA signatures are ASN.1 DER).
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
        /// What a verifier needs beside `envelope`, which this signer signed: a public-key
        /// hint for a key; a certificate and a transparency-log entry for a keyless signer.
        fn verification_material(&self, envelope: &DsseEnvelope)
        -> Result<VerificationMaterialV03>;
    }

    /// Something that decides whether a document's signature is acceptable: a public key today,
    /// a trusted root with an identity policy next.
    pub trait Verifier {
        /// Whom it trusts, as messages name it (`key 1a2b…`).
        fn describe(&self) -> String;
        /// Checks the signature of `document` (and whatever else the verification material
        /// carries); `Err` lists every reason it is not accepted.
        fn verify_signature(
            &self,
            document: &SignedDocument,
        ) -> std::result::Result<(), Vec<String>>;
    }

    /// The one signing path: `statement` as the payload of a DSSE envelope signed by `signer`,
    /// in a Sigstore bundle v0.3 (JSON, with a final newline).
    pub fn sign_statement<P: Serialize>(
        statement: &Statement<P>,
        signer: &dyn Signer,
    ) -> Result<Vec<u8>> {
        let payload = serde_json::to_vec(statement)
            .map_err(|e| Error::Internal(format!("the statement is not serialisable: {e}")))?;
        let envelope = envelope::sign(&payload, PAYLOAD_TYPE, signer)?;
        let material = signer.verification_material(&envelope)?;
        Ok(envelope::bundle_json(envelope, material))
    }
}
