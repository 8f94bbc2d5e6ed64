//! The signing keys of the suite, in one place for `cargo attest` (DSSE envelopes) and
//! `cargo sbom --sign` (JSF signatures in CycloneDX): generation, PKCS#8 and SPKI PEM files,
//! passwords, signatures in both encodings ECDSA is written in.
//!
//! Private keys are PKCS#8 PEM (optionally encrypted with a password: PBES2, scrypt and
//! AES-256-CBC); public keys are SPKI PEM. The key id is the lowercase hex SHA-256 of the public
//! key's DER encoding. Nothing here ever formats key material or a password into a message.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A key that could not be loaded: where it came from and what is wrong, never its content.
#[derive(Debug)]
pub struct KeyError {
    /// The file, or `$CARGO_ATTEST_KEY`.
    pub source_name: String,
    /// What is wrong.
    pub problem: KeyProblem,
}

/// What is wrong with a key.
#[derive(Debug)]
pub enum KeyProblem {
    /// The file could not be read (each tool words the I/O error its own way).
    Read(std::io::Error),
    /// The environment variable is not set or not UTF-8.
    NotSet,
    /// The text is not a key of the expected kind; the reason says why.
    Invalid(String),
}

impl KeyError {
    fn invalid(source_name: impl Into<String>, reason: String) -> Self {
        Self {
            source_name: source_name.into(),
            problem: KeyProblem::Invalid(reason),
        }
    }
}

/// The environment variable that may hold the signing key's PEM text (for CI secrets).
pub const KEY_ENV: &str = "CARGO_ATTEST_KEY";
/// The environment variable that may hold the password of an encrypted key.
pub const PASSWORD_ENV: &str = "CARGO_ATTEST_PASSWORD";

/// The signature algorithms supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256, ASN.1 DER signatures.
    EcdsaP256,
    /// Ed25519 (pure).
    Ed25519,
}

impl KeyAlgorithm {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// A private signing key.
pub enum SigningKey {
    /// ECDSA P-256.
    EcdsaP256(p256::ecdsa::SigningKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, not even in debug output.
        write!(
            f,
            "SigningKey({}, key id {})",
            self.algorithm().as_str(),
            self.key_id()
        )
    }
}

/// A public verification key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyingKey {
    /// ECDSA P-256.
    EcdsaP256(p256::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// Where a signing key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A PEM file.
    File(PathBuf),
    /// The PEM text in [`KEY_ENV`].
    Environment,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(path) => write!(f, "{}", path.display()),
            KeySource::Environment => write!(f, "${KEY_ENV}"),
        }
    }
}

impl KeySource {
    /// `--key FILE` when given, else [`KEY_ENV`] when set; `None` when neither.
    pub fn from_arg_or_env(path: Option<&Path>) -> Option<Self> {
        match path {
            Some(path) => Some(KeySource::File(path.to_owned())),
            None if std::env::var_os(KEY_ENV).is_some() => Some(KeySource::Environment),
            None => None,
        }
    }

    /// Reads the PEM text.
    fn read(&self) -> Result<Zeroizing<String>, KeyError> {
        let problem = match self {
            KeySource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => return Ok(Zeroizing::new(text)),
                Err(e) => KeyProblem::Read(e),
            },
            KeySource::Environment => match std::env::var(KEY_ENV) {
                Ok(text) => return Ok(Zeroizing::new(text)),
                Err(_) => KeyProblem::NotSet,
            },
        };
        Err(KeyError {
            source_name: self.to_string(),
            problem,
        })
    }
}

/// The PEM label of a document, from its first `-----BEGIN …-----` line.
fn pem_label(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("-----BEGIN "))
        .and_then(|rest| rest.strip_suffix("-----"))
}

impl SigningKey {
    /// A new random key.
    pub fn generate(algorithm: KeyAlgorithm) -> Self {
        let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
        match algorithm {
            KeyAlgorithm::EcdsaP256 => {
                use p256::elliptic_curve::Generate as _;
                SigningKey::EcdsaP256(p256::ecdsa::SigningKey::generate_from_rng(&mut rng))
            }
            KeyAlgorithm::Ed25519 => {
                SigningKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut rng))
            }
        }
    }

    /// Loads a key, asking for nothing interactively: an encrypted key needs `password`.
    pub fn load(source: &KeySource, password: Option<&str>) -> Result<Self, KeyError> {
        let text = source.read()?;
        Self::from_pem(&text, password)
            .map_err(|reason| KeyError::invalid(source.to_string(), reason))
    }

    /// Parses PKCS#8 PEM (plain or encrypted). The error says what is wrong, never what the
    /// text contains.
    pub fn from_pem(text: &str, password: Option<&str>) -> std::result::Result<Self, String> {
        match pem_label(text) {
            Some("PRIVATE KEY") => Self::from_plain_pem(text),
            Some("ENCRYPTED PRIVATE KEY") => {
                let Some(password) = password else {
                    return Err(format!(
                        "the key is encrypted; set {PASSWORD_ENV} or pass --password-stdin"
                    ));
                };
                Self::from_encrypted_pem(text, password)
            }
            Some("PUBLIC KEY") => {
                Err("this is a public key; signing needs the private key (PREFIX.key)".into())
            }
            Some(other) => Err(format!(
                "unsupported PEM type `{other}`; expected a PKCS#8 `PRIVATE KEY`"
            )),
            None => Err("not a PEM file (no `-----BEGIN …-----` line)".into()),
        }
    }

    fn from_plain_pem(text: &str) -> std::result::Result<Self, String> {
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(text) {
            return Ok(SigningKey::EcdsaP256(key));
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(text) {
            return Ok(SigningKey::Ed25519(key));
        }
        Err("not an ECDSA P-256 or Ed25519 PKCS#8 private key".into())
    }

    fn from_encrypted_pem(text: &str, password: &str) -> std::result::Result<Self, String> {
        let (label, document) = pkcs8::SecretDocument::from_pem(text)
            .map_err(|_| "the PEM encoding is damaged".to_owned())?;
        if label != "ENCRYPTED PRIVATE KEY" {
            return Err("not an encrypted PKCS#8 key".into());
        }
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(document.as_bytes())
            .map_err(|_| "the encrypted key is damaged".to_owned())?;
        let plain = info
            .decrypt(password.as_bytes())
            .map_err(|_| "wrong password, or the encrypted key is damaged".to_owned())?;
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_der(plain.as_bytes()) {
            return Ok(SigningKey::EcdsaP256(key));
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_der(plain.as_bytes()) {
            return Ok(SigningKey::Ed25519(key));
        }
        Err("the decrypted key is not an ECDSA P-256 or Ed25519 key".into())
    }

    /// The algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            SigningKey::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            SigningKey::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::EcdsaP256(key) => VerifyingKey::EcdsaP256(*key.verifying_key()),
            SigningKey::Ed25519(key) => VerifyingKey::Ed25519(key.verifying_key()),
        }
    }

    /// PKCS#8 PEM, encrypted when a password is given.
    pub fn to_pem(&self, password: Option<&str>) -> Result<Zeroizing<String>, String> {
        let encode_error = |_| "the key could not be encoded as PKCS#8".to_owned();
        let der = match self {
            SigningKey::EcdsaP256(key) => key.to_pkcs8_der().map_err(encode_error)?,
            // PKCS#8 v1 (RFC 5208) without the optional public key, as `openssl genpkey`
            // writes it: OpenSSL 3.0 and pyca/cryptography refuse the v2 (RFC 5958) form that
            // `ed25519_dalek::SigningKey::to_pkcs8_der` produces.
            SigningKey::Ed25519(key) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_der()
            .map_err(encode_error)?,
        };
        let pem = match password {
            None => der.to_pem("PRIVATE KEY", LineEnding::LF),
            Some(password) => {
                let info =
                    pkcs8::PrivateKeyInfoRef::try_from(der.as_bytes()).map_err(encode_error)?;
                let encrypted = info.encrypt(password.as_bytes()).map_err(encode_error)?;
                encrypted.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
            }
        };
        pem.map_err(|_| "the key could not be encoded as PEM".to_owned())
    }

    /// Signs `message`; ECDSA signatures are ASN.1 DER (DSSE, Sigstore), Ed25519 64 bytes.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::EcdsaP256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            SigningKey::Ed25519(_) => self.sign_raw(message),
        }
    }

    /// Signs `message`; ECDSA signatures are the fixed-size `r || s` of JWA (RFC 7518 §3.4),
    /// as JSF and JWS write them, Ed25519 64 bytes.
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::EcdsaP256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            SigningKey::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }

    /// The key id of the public half ([`VerifyingKey::key_id`]).
    pub fn key_id(&self) -> String {
        self.verifying_key().key_id()
    }
}

impl VerifyingKey {
    /// Parses an SPKI PEM public key. A private key is refused (verification needs only the
    /// public half, and a private key should not be handed around).
    pub fn from_pem(text: &str) -> std::result::Result<Self, String> {
        match pem_label(text) {
            Some("PUBLIC KEY") => {}
            Some("PRIVATE KEY") | Some("ENCRYPTED PRIVATE KEY") => {
                return Err(
                    "this is a private key; verification needs the public key (PREFIX.pub)".into(),
                );
            }
            Some(other) => {
                return Err(format!(
                    "unsupported PEM type `{other}`; expected `PUBLIC KEY`"
                ));
            }
            None => return Err("not a PEM file (no `-----BEGIN …-----` line)".into()),
        }
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_pem(text) {
            return Ok(VerifyingKey::EcdsaP256(key));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(text) {
            return Ok(VerifyingKey::Ed25519(key));
        }
        Err("not an ECDSA P-256 or Ed25519 public key".into())
    }

    /// Reads a public key file.
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError {
            source_name: path.display().to_string(),
            problem: KeyProblem::Read(e),
        })?;
        Self::from_pem(&text)
            .map_err(|reason| KeyError::invalid(path.display().to_string(), reason))
    }

    /// The SPKI DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        let document = match self {
            VerifyingKey::EcdsaP256(key) => key.to_public_key_der(),
            VerifyingKey::Ed25519(key) => key.to_public_key_der(),
        };
        // Encoding a valid in-memory public key cannot fail.
        document.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// SPKI PEM.
    pub fn to_pem(&self) -> String {
        let pem = match self {
            VerifyingKey::EcdsaP256(key) => key.to_public_key_pem(LineEnding::LF),
            VerifyingKey::Ed25519(key) => key.to_public_key_pem(LineEnding::LF),
        };
        pem.unwrap_or_default()
    }

    /// The key id: lowercase hex SHA-256 of the SPKI DER.
    pub fn key_id(&self) -> String {
        Sha256::digest(self.to_der())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Checks a raw signature ([`SigningKey::sign_raw`]) over `message`; `false` for any
    /// mismatch or malformed signature.
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            VerifyingKey::EcdsaP256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            VerifyingKey::Ed25519(_) => self.verify(message, signature),
        }
    }

    /// The public key's coordinates, as a JWK (RFC 7517/8037) names them: P-256 `x` and `y`
    /// (32 bytes each), Ed25519 `x` (32 bytes).
    pub fn coordinates(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        match self {
            VerifyingKey::EcdsaP256(key) => {
                // Uncompressed SEC1: 0x04, then x and y of 32 bytes each.
                let point = key.to_sec1_point(false);
                let bytes = point.as_bytes();
                let (x, y) = bytes
                    .get(1..)
                    .unwrap_or_default()
                    .split_at(32.min(bytes.len().saturating_sub(1)));
                (x.to_vec(), Some(y.to_vec()))
            }
            VerifyingKey::Ed25519(key) => (key.to_bytes().to_vec(), None),
        }
    }

    /// The key of JWK coordinates ([`VerifyingKey::coordinates`]) of `algorithm`; `None` when
    /// they are no point of the curve.
    pub fn from_coordinates(algorithm: KeyAlgorithm, x: &[u8], y: Option<&[u8]>) -> Option<Self> {
        match algorithm {
            KeyAlgorithm::EcdsaP256 => {
                let y = y?;
                if x.len() != 32 || y.len() != 32 {
                    return None;
                }
                let mut sec1 = vec![0x04];
                sec1.extend_from_slice(x);
                sec1.extend_from_slice(y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .ok()
                    .map(VerifyingKey::EcdsaP256)
            }
            KeyAlgorithm::Ed25519 => {
                let bytes: [u8; 32] = x.try_into().ok()?;
                if y.is_some() {
                    return None;
                }
                ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                    .ok()
                    .map(VerifyingKey::Ed25519)
            }
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            VerifyingKey::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            VerifyingKey::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// Checks `signature` over `message` (ECDSA: ASN.1 DER); `false` for any mismatch or
    /// malformed signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            VerifyingKey::EcdsaP256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::DerSignature::try_from(signature)
                    .ok()
                    .and_then(|der| p256::ecdsa::Signature::try_from(der).ok())
                    .is_some_and(|sig| key.verify(message, &sig).is_ok())
            }
            VerifyingKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_both_algorithms() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let public = key.verifying_key();
            let signature = key.sign_der(b"message");
            assert!(public.verify(b"message", &signature));
            assert!(!public.verify(b"messagf", &signature));
            let other = SigningKey::generate(algorithm).verifying_key();
            assert!(!other.verify(b"message", &signature));
            assert_eq!(public.key_id().len(), 64);
        }
    }

    #[test]
    fn ecdsa_signatures_are_der() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let signature = key.sign_der(b"x");
        assert_eq!(signature[0], 0x30, "DER SEQUENCE");
    }

    #[test]
    fn raw_signatures_and_coordinates() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let signature = key.sign_raw(b"message");
            assert_eq!(signature.len(), 64);
            let public = key.verifying_key();
            assert!(public.verify_raw(b"message", &signature));
            assert!(!public.verify_raw(b"other", &signature));
            let (x, y) = public.coordinates();
            let back = VerifyingKey::from_coordinates(algorithm, &x, y.as_deref()).unwrap();
            assert_eq!(back, public);
            assert!(VerifyingKey::from_coordinates(algorithm, &x[1..], y.as_deref()).is_none());
        }
    }

    #[test]
    fn pem_round_trips() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let pem = key.to_pem(None).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let back = SigningKey::from_pem(&pem, None).unwrap();
            assert_eq!(back.key_id(), key.key_id());
            let public = VerifyingKey::from_pem(&key.verifying_key().to_pem()).unwrap();
            assert_eq!(public, key.verifying_key());
        }
    }

    #[test]
    fn ed25519_keys_are_pkcs8_v1() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let pem = key.to_pem(None).unwrap();
        let (_, der) = pkcs8::SecretDocument::from_pem(&pem).unwrap();
        // SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING }: 48 bytes, no public key.
        assert_eq!(der.as_bytes().len(), 48);
        assert_eq!(&der.as_bytes()[..5], &[0x30, 0x2e, 0x02, 0x01, 0x00]);
    }

    #[test]
    fn encrypted_keys_need_the_right_password() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let pem = key.to_pem(Some("correct horse")).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assert!(
            SigningKey::from_pem(&pem, None)
                .unwrap_err()
                .contains(PASSWORD_ENV)
        );
        assert!(
            SigningKey::from_pem(&pem, Some("wrong"))
                .unwrap_err()
                .contains("wrong password")
        );
        let back = SigningKey::from_pem(&pem, Some("correct horse")).unwrap();
        assert_eq!(back.key_id(), key.key_id());
    }

    #[test]
    fn the_wrong_half_is_refused() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let public_pem = key.verifying_key().to_pem();
        assert!(
            SigningKey::from_pem(&public_pem, None)
                .unwrap_err()
                .contains("public key")
        );
        let private_pem = key.to_pem(None).unwrap();
        assert!(
            VerifyingKey::from_pem(&private_pem)
                .unwrap_err()
                .contains("private key")
        );
        assert!(
            SigningKey::from_pem("garbage", None)
                .unwrap_err()
                .contains("not a PEM")
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let pem = key.to_pem(None).unwrap();
        let body: String = pem.lines().nth(1).unwrap().to_owned();
        let debug = format!("{key:?}");
        assert!(!debug.contains(&body));
        assert!(debug.contains("ed25519"));
    }
}
