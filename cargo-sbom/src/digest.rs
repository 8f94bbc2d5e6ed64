//! SHA-256 digests, the one hash every format of the suite uses, and SHA-512, which the SBOM
//! profiles (BSI TR-03183-2) ask for besides.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256, Sha512};

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
    pub fn of_reader(reader: impl Read) -> std::io::Result<Self> {
        let mut hasher = Sha256::new();
        read_blocks(reader, |block| hasher.update(block))?;
        Ok(Self::from_hash(hasher.finalize().as_slice()))
    }

    /// The digest of a file's contents.
    pub fn of_file(path: &Path) -> std::io::Result<Self> {
        Self::of_reader(std::fs::File::open(path)?)
    }

    fn from_hash(hash: &[u8]) -> Self {
        Self(hex(hash))
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

fn hex(hash: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(hash.len() * 2);
    for byte in hash {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 15)] as char);
    }
    text
}

/// A SHA-512 digest as 128 lowercase hex characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha512Hex(String);

impl Sha512Hex {
    /// Accepts 128 hex characters (any case); returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 128 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_ascii_lowercase()))
    }

    /// The lowercase hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Sha512Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 and SHA-512 of one content, computed in one read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digests {
    /// SHA-256.
    pub sha256: Sha256Hex,
    /// SHA-512.
    pub sha512: Sha512Hex,
}

impl Digests {
    /// Both digests of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        let mut hasher = DigestsHasher::default();
        hasher.update(bytes);
        hasher.finish()
    }

    /// Both digests of everything `reader` yields.
    pub fn of_reader(reader: impl Read) -> std::io::Result<Self> {
        let mut hasher = DigestsHasher::default();
        read_blocks(reader, |block| hasher.update(block))?;
        Ok(hasher.finish())
    }

    /// Both digests of a file's contents.
    pub fn of_file(path: &Path) -> std::io::Result<Self> {
        Self::of_reader(std::fs::File::open(path)?)
    }

    /// The digests a document lists for a component, strongest first: SHA-512 and SHA-256 of
    /// `digests` when known, else `lock_sha256` alone (the lockfile's checksum). Every SBOM
    /// writer lists them in this order, each in its own spelling of the algorithm.
    pub fn listed<'a>(
        digests: Option<&'a Digests>,
        lock_sha256: Option<&'a Sha256Hex>,
    ) -> Vec<(Algorithm, &'a str)> {
        let mut list = Vec::new();
        if let Some(d) = digests {
            list.push((Algorithm::Sha512, d.sha512.as_str()));
        }
        if let Some(sha256) = digests.map(|d| &d.sha256).or(lock_sha256) {
            list.push((Algorithm::Sha256, sha256.as_str()));
        }
        list
    }
}

/// A hash algorithm of [`Digests`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// Feeds everything `reader` yields to `update`, in 64 KiB blocks.
fn read_blocks(mut reader: impl Read, mut update: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        update(&buffer[..read]);
    }
}

/// SHA-256 and SHA-512 fed together (one pass over large inputs).
#[derive(Default)]
pub struct DigestsHasher {
    sha256: Sha256,
    sha512: Sha512,
}

impl DigestsHasher {
    /// Feeds `bytes` to both.
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha512.update(bytes);
    }

    /// The two digests.
    pub fn finish(self) -> Digests {
        Digests {
            sha256: Sha256Hex(hex(&self.sha256.finalize())),
            sha512: Sha512Hex(hex(&self.sha512.finalize())),
        }
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
    fn digests_both_at_once() {
        let both = Digests::of_bytes(b"abc");
        assert_eq!(both.sha256, Sha256Hex::digest(b"abc"));
        assert_eq!(
            both.sha512.as_str(),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        assert_eq!(Digests::of_reader(&b"abc"[..]).unwrap(), both);
        assert!(Sha512Hex::parse(both.sha512.as_str()).is_some());
        assert!(Sha512Hex::parse("ab").is_none());
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
