//! SHA-256 digests, the one hash every format of the suite uses.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// A SHA-256 digest as 64 lowercase hex characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Accepts 64 hex characters (any case); returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_ascii_lowercase()))
    }

    /// The digest of `bytes`.
    pub fn digest(bytes: &[u8]) -> Self {
        Self::from_hash(Sha256::digest(bytes).as_slice())
    }

    /// The digest of everything `reader` yields, read in blocks (for large artifacts).
    pub fn of_reader(mut reader: impl Read) -> std::io::Result<Self> {
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(Self::from_hash(hasher.finalize().as_slice()))
    }

    /// The digest of a file's contents.
    pub fn of_file(path: &Path) -> std::io::Result<Self> {
        Self::of_reader(std::fs::File::open(path)?)
    }

    fn from_hash(hash: &[u8]) -> Self {
        let mut hex = String::with_capacity(64);
        for byte in hash {
            hex.push_str(&format!("{byte:02x}"));
        }
        Self(hex)
    }

    /// The lowercase hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn digests_bytes_readers_and_files() {
        assert_eq!(Sha256Hex::digest(b"").as_str(), EMPTY);
        assert_eq!(Sha256Hex::of_reader(&b""[..]).unwrap().as_str(), EMPTY);
        let big = vec![7u8; 200_000];
        assert_eq!(
            Sha256Hex::of_reader(&big[..]).unwrap(),
            Sha256Hex::digest(&big)
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, &big).unwrap();
        assert_eq!(Sha256Hex::of_file(&path).unwrap(), Sha256Hex::digest(&big));
    }

    #[test]
    fn parses_hex() {
        assert_eq!(
            Sha256Hex::parse(&EMPTY.to_uppercase()).unwrap().as_str(),
            EMPTY
        );
        assert!(Sha256Hex::parse("abc").is_none());
        assert!(Sha256Hex::parse(&"g".repeat(64)).is_none());
    }
}
