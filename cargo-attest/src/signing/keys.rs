//! The suite's keys ([`attest_keys`]) as `cargo attest` signs and verifies with them: a
//! [`SigningKey`] is a [`Signer`] of DSSE envelopes, a [`VerifyingKey`] a [`Verifier`]. The key
//! id travels as the Sigstore bundle's `publicKey.hint` and the DSSE `keyid`.

use sigstore_bundle::VerificationMaterialV03;
use sigstore_types::DsseEnvelope;
use sigstore_types::bundle::VerificationMaterialContent;

pub use attest_keys::{
    KEY_ENV, KeyAlgorithm, KeyError, KeyProblem, KeySource, PASSWORD_ENV, SigningKey, VerifyingKey,
};

use super::envelope::SignedDocument;
use super::{Signer, Verifier};
use crate::error::{Error, Result, io_reason};

impl From<KeyError> for Error {
    fn from(error: KeyError) -> Self {
        let reason = match error.problem {
            KeyProblem::Read(e) => format!("cannot read it: {}", io_reason(&e)),
            KeyProblem::NotSet => "it is not set or not valid UTF-8".into(),
            KeyProblem::Invalid(reason) => reason,
        };
        Error::Key {
            source_name: error.source_name,
            reason,
        }
    }
}

/// `--key FILE` when given, else [`KEY_ENV`]; a usage error when neither.
pub fn key_source(path: Option<&std::path::Path>) -> Result<KeySource> {
    KeySource::from_arg_or_env(path).ok_or_else(|| {
        Error::Usage(format!(
            "no signing key: pass --key FILE or set {KEY_ENV} to the key's PEM text"
        ))
    })
}

/// PKCS#8 PEM of `key`, encrypted when a password is given.
pub fn private_pem(key: &SigningKey, password: Option<&str>) -> Result<zeroize::Zeroizing<String>> {
    key.to_pem(password).map_err(Error::Usage)
}

impl Signer for SigningKey {
    fn describe(&self) -> String {
        format!("key {}", self.key_id())
    }

    fn key_id(&self) -> String {
        SigningKey::key_id(self)
    }

    /// The key id as the public-key hint: the verifier is given the key itself.
    fn verification_material(&self, _: &DsseEnvelope) -> Result<VerificationMaterialV03> {
        Ok(VerificationMaterialV03::PublicKey {
            hint: SigningKey::key_id(self),
        })
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        Ok(self.sign_der(message))
    }
}

impl Verifier for VerifyingKey {
    fn describe(&self) -> String {
        format!("key {}", self.key_id())
    }

    /// A bundle must carry a public-key hint and nothing a key cannot check; the one signature
    /// must verify over the envelope's pre-authentication encoding.
    fn verify_signature(&self, document: &SignedDocument) -> std::result::Result<(), Vec<String>> {
        if let Some(material) = &document.material {
            if !matches!(material.content, VerificationMaterialContent::PublicKey(_)) {
                return Err(vec![
                    "the bundle is not signed with a public key (certificate bundles need keyless verification)".into(),
                ]);
            }
            // @sigstore/verify checks every tlog entry and timestamp present, even with
            // thresholds of 0; without a trusted root they cannot be checked, and ignoring them
            // would accept a forged log entry. Refuse instead of silently skipping.
            if !material.tlog_entries.is_empty()
                || !material
                    .timestamp_verification_data
                    .rfc3161_timestamps
                    .is_empty()
            {
                return Err(vec![
                    "the bundle carries transparency-log entries or RFC 3161 timestamps, which key-based verification without a trusted root cannot check".into(),
                ]);
            }
        }
        let envelope = &document.envelope;
        if self.verify(&envelope.pae(), envelope.signature.sig.as_bytes()) {
            Ok(())
        } else {
            Err(vec![format!(
                "the signature does not verify with the given key (key id {})",
                self.key_id()
            )])
        }
    }
}
